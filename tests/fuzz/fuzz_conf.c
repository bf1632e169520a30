// SPDX-License-Identifier: GPL-2.0
/* fuzz_conf.c - libFuzzer target for the config parser (conf_parse) and
 * the override path (conf_set). Seeds: tests/fuzz/corpus/conf/, built from
 * tests/data/conf-*.conf. Messages are discarded (err NULL). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[][2] = {
		{ "agent", "interval" }, { "agent", "interface" },
		{ "agent", "state_dir" }, { "output", "url" },
		{ "output", "min_severity" }, { "journal", "max_age" },
	};
	struct conf c;
	char err[256], *v;

	conf_defaults(&c);
	conf_parse(&c, "fuzz", (const char *)data, size, NULL);

	/* The first line again as a command-line value for every key. */
	v = malloc(size + 1);
	if (!v)
		return 0;
	memcpy(v, data, size);
	v[size] = '\0';
	v[strcspn(v, "\n")] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		conf_set(&c, keys[i][0], keys[i][1], v, err, sizeof(err));
	free(v);
	return 0;
}
