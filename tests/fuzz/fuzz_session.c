// SPDX-License-Identifier: GPL-2.0
/* fuzz_session.c - libFuzzer target for a saved open session read back
 * from the journal's meta table (session_rec_parse): the input's first
 * line is the key, the rest the value. A parsed record must format back
 * to a value that parses to the same record. Seeds: tests/fuzz/corpus/session/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_rec r, back;
	char *buf = malloc(size + 1), *nl, val[SESSION_VAL_LEN];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = strchr(buf, '\n');
	if (nl) {
		*nl = '\0';
		if (session_rec_parse(buf, nl + 1, &r) == 0) {
			session_rec_format(&r, val, sizeof(val));
			if (session_rec_parse(buf, val, &back) != 0 ||
			    back.start_us != r.start_us || back.rx0 != r.rx0 ||
			    back.handshakes != r.handshakes || strcmp(back.endpoints, r.endpoints))
				abort();
		}
	}
	free(buf);
	return 0;
}
