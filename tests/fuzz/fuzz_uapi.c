// SPDX-License-Identifier: GPL-2.0
/* fuzz_uapi - libFuzzer target for the UAPI get=1 reply parser, both the
 * pure uapi_parse() and the streaming parser uapi_get_device() runs (fed in
 * chunks whose sizes come from the input), which must agree; and the
 * stream with its fast path (uapifast.c uapi_ctx_fast) against the same
 * stream with every line through the reference uapi_ctx_line, which must
 * agree exactly: result code, device, peers and allowed IPs byte for byte;
 * and the stream handing peers on in chunks (wg_stream, the daemon's
 * polls; chunk size from the input) must give its consumer, put back
 * together, the same peers as the stream read whole.
 * Seeds: tests/fuzz/corpus/uapi (captured wireguard-go replies). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/wgdev.h"
#include "sources/uapi.h"
#include "../unit/uapitest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fed in chunks whose sizes come from the input; s: chunked (NULL: whole). */
static int stream(struct uapi *h, const uint8_t *data, size_t size, size_t step,
		  struct wg_device *d, struct wg_stream *s)
{
	size_t off = 0;

	uapi_stream_begin(h, "wgfuzz0", d);
	uapi_stream_chunked(h, s);
	while (off < size) {
		size_t k = size - off < step ? size - off : step;

		if (uapi_stream_feed(h, (const char *)data + off, k))
			break;
		off += k;
		step = 1 + (step * 7 + data[off - 1]) % 131;
	}
	return uapi_stream_end(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Reused like a poll loop does, so stale state would show. */
	static struct wg_device dev, sdev, rdev, cdev;
	static struct collector c;
	static struct uapi *u, *ref;
	char aips[256];
	size_t total = 0, step = size ? 1 + data[0] % 97 : 1;
	int ret, sret, cret;

	if (!u && !(u = uapi_new()))
		abort();
	if (!ref) {
		if (!(ref = uapi_new()))
			abort();
		uapi_debug_slow(ref, true);
	}
	ret = uapi_parse((const char *)data, size, &dev);
	if (ret < 0 && (dev.n_peers || dev.n_aips || dev.has_public_key))
		abort();	/* an error must leave dev cleared */
	sret = stream(u, data, size, step, &sdev, NULL);
	if (stream(ref, data, size, step, &rdev, NULL) != sret || !same_device(&sdev, &rdev))
		abort();	/* the fast path did what the reference would not */
	collector_init(&c, 1 + (size ? data[size - 1] % 5 : 0));
	cret = stream(u, data, size, step, &cdev, &c.s);	/* the fast path, as polls read */
	if (cret != sret)
		abort();	/* handing peers on changed the result */
	if (cret == 0) {
		collector_end(&c, &cdev);
		if (!same_device(&c.all, &sdev))
			abort();	/* chunks put together != the whole read */
	}
	if (sret < 0 && (sdev.n_peers || sdev.n_aips || sdev.has_public_key))
		abort();
	/* The stream differs only by ignoring bytes after the final blank
	 * line and refusing lines longer than its buffer. */
	if (ret >= 0 && (sret != ret || sdev.n_peers != dev.n_peers ||
			 sdev.n_aips != dev.n_aips ||
			 (dev.n_peers && memcmp(sdev.peers, dev.peers, dev.n_peers * sizeof(*dev.peers)))))
		abort();
	if (sret >= 0 && ret >= 0 && sret != ret)
		abort();
	uapi_fix_relative_handshakes(&dev, 1800000000);
	for (size_t i = 0; i < dev.n_peers; i++) {
		const struct wg_peer *p = &dev.peers[i];

		if (p->aip_first != total)
			abort();	/* slices are contiguous, in order */
		total += p->aip_count;
		wg_peer_format_aips(&dev, p, aips, sizeof(aips));
		if (strlen(aips) >= sizeof(aips))
			abort();
	}
	if (total != dev.n_aips)
		abort();
	return 0;
}
