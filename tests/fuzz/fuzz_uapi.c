// SPDX-License-Identifier: GPL-2.0
/* fuzz_uapi - libFuzzer target for the UAPI get=1 reply parser, both the
 * pure uapi_parse() and the streaming parser uapi_get_device() runs (fed in
 * chunks whose sizes come from the input), which must agree.
 * Seeds: tests/fuzz/corpus/uapi (captured wireguard-go replies). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/wgdev.h"
#include "sources/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Reused like a poll loop does, so stale state would show. */
	static struct wg_device dev, sdev;
	static struct uapi *u;
	char aips[256];
	size_t total = 0, off = 0, step = size ? 1 + data[0] % 97 : 1;
	int ret, sret;

	if (!u && !(u = uapi_new()))
		abort();
	ret = uapi_parse((const char *)data, size, &dev);
	if (ret < 0 && (dev.n_peers || dev.n_aips || dev.has_public_key))
		abort();	/* an error must leave dev cleared */
	uapi_stream_begin(u, "wgfuzz0", &sdev);
	while (off < size) {
		size_t k = size - off < step ? size - off : step;

		if (uapi_stream_feed(u, (const char *)data + off, k))
			break;
		off += k;
		step = 1 + (step * 7 + data[off - 1]) % 131;
	}
	sret = uapi_stream_end(u);
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
