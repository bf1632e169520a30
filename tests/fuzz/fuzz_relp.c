// SPDX-License-Identifier: GPL-2.0
/* fuzz_relp.c - a RELP byte stream (what the collector reads from any
 * sender and the agent from any receiver) through the frame parser, frame
 * by frame as the connections do, plus the rsp and offer helpers on each
 * frame's DATA. Checks: no read past size, a frame re-encodes to the bytes
 * it was parsed from (or fewer: leading zeros in its numbers). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/relpframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	char *out = malloc(size + RELP_HDR_MAX + 2);
	size_t off = 0;

	if (!copy || !out)
		goto out;
	memcpy(copy, data, size);
	while (off < size) {
		struct relp_frame f;
		const char *v;
		size_t vl;
		int code;
		ssize_t n = relp_frame_parse(copy + off, size - off, 4096, &f);

		if (n <= 0) {
			if (n != 0 && n != -EINVAL && n != -EMSGSIZE)
				abort();
			break;
		}
		if ((size_t)n > size - off || f.datalen > 4096 || !f.cmd[0])
			abort();
		relp_rsp_code(f.data, f.datalen, &code);
		if (relp_offer_get(f.data, f.datalen, "commands", &v, &vl) == 0)
			relp_commands_have(v, vl, "syslog");
		{
			ssize_t m = relp_frame_put(out, size + RELP_HDR_MAX + 2, f.txnr,
						   f.cmd, f.data, f.datalen);

			if (m < 0 || m > n || (m == n && memcmp(out, copy + off, (size_t)n)))
				abort();
		}
		off += (size_t)n;
	}
out:
	free(out);
	free(copy);
	return 0;
}
