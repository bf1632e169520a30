// SPDX-License-Identifier: GPL-2.0
/* fuzz_url.c - output URLs (config file and --output) through the pure
 * parser. The parser must not read past size (the input is not
 * NUL-terminated here) and must always NUL-terminate what it returns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "outputs/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The cursor name of a URL is a URL that names the same output: it
 * parses, and its own canonical form is itself. */
static void canonical_is_stable(const struct output_url *u)
{
	static char c1[8192], c2[8192];
	struct output_url v;
	char err[256];

	if (output_url_canonical(u, c1, sizeof(c1)) < 0)
		abort();
	if (output_url_parse(c1, strlen(c1), &v, err, sizeof(err)) < 0 ||
	    output_url_canonical(&v, c2, sizeof(c2)) < 0 || strcmp(c1, c2))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	struct output_url u;
	char err[256];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (output_url_parse(copy, size, &u, err, sizeof(err)) == 0) {
		if (strnlen(u.host, sizeof(u.host)) == sizeof(u.host) ||
		    strnlen(u.path, sizeof(u.path)) == sizeof(u.path))
			abort();
		if (u.kind != OUTPUT_JSONL && (u.host[0] == '\0' || u.port == 0))
			abort();
		canonical_is_stable(&u);
	} else if (strnlen(err, sizeof(err)) == 0) {
		abort();	/* every rejection explains itself */
	}
	free(copy);
	return 0;
}
