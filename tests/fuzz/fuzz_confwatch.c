// SPDX-License-Identifier: GPL-2.0
/* fuzz_confwatch.c - libFuzzer target for the config-file parser
 * (wgconf_parse). Seeds: tests/fuzz/corpus/confwatch/, built from
 * tests/data/wgconf-*.conf. Besides memory safety it checks the parser's
 * promises: peers sorted and unique, every string NUL-terminated within
 * its field, counts within bounds, and no value of a PrivateKey line (the
 * fuzzer's own bytes) copied into the view. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources/confwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct conf_iface *ci)
{
	if (ci->n_peers > WGCONF_MAX_PEERS)
		abort();
	if (!memchr(ci->addresses, '\0', sizeof(ci->addresses)))
		abort();
	for (size_t i = 0; i < ci->n_peers; i++) {
		const struct conf_peer *p = &ci->peers[i];

		if (i && memcmp(ci->peers[i - 1].public_key, p->public_key,
				WG_KEY_LEN) >= 0)
			abort();
		if (!memchr(p->name, '\0', sizeof(p->name)) ||
		    !memchr(p->allowed_ips, '\0', sizeof(p->allowed_ips)) ||
		    !memchr(p->endpoint, '\0', sizeof(p->endpoint)))
			abort();
	}
}

/* The value of the first "PrivateKey=" line, if 16+ distinctive bytes. */
static const char *secret(const char *s, size_t n, size_t *len)
{
	const char *k = memmem(s, n, "PrivateKey=", 11), *e;

	if (!k)
		return NULL;
	k += 11;
	e = memchr(k, '\n', n - (size_t)(k - s));
	*len = e ? (size_t)(e - k) : n - (size_t)(k - s);
	if (*len < 16)
		return NULL;
	for (size_t i = 0; i < *len; i++)
		if (k[i] == '#' || k[i] == ' ' || k[i] == '\t' || k[i] == '\r' ||
		    k[i] == '\0')
			return NULL;	/* keep it a clean, strippable value */
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *sec;
	struct conf_iface ci;
	char err[128];
	size_t sl = 0;
	int ret;

	ret = wgconf_parse(s, size, &ci, err, sizeof(err));
	if (ret != 0 && ret != -EINVAL && ret != -ENOMEM)
		abort();
	if (!memchr(err, '\0', sizeof(err)))
		abort();
	check(&ci);
	sec = secret(s, size, &sl);
	/* A line starting "PrivateKey=" at the start of the input or of a
	 * line is the secret key; its value must be nowhere in the view,
	 * unless the input repeats those bytes elsewhere (a name comment may
	 * legitimately say anything). */
	if (sec && (sec - 11 == s || sec[-12] == '\n') &&
	    !memmem(sec + 1, size - (size_t)(sec + 1 - s), sec, sl) &&
	    memmem(s, size, sec, sl) == sec) {
		if (memmem(&ci, sizeof(ci), sec, sl) ||
		    (ci.n_peers && memmem(ci.peers, ci.n_peers * sizeof(*ci.peers), sec, sl)))
			abort();
	}
	conf_iface_release(&ci);
	return 0;
}
