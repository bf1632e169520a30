/* fuzz_uapi - libFuzzer target for the UAPI get=1 reply parser.
 * Seeds: tests/fuzz/corpus/uapi (captured wireguard-go replies). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/wgdev.h"
#include "sources/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Reused like a poll loop does, so stale state would show. */
	static struct wg_device dev;
	char aips[256];
	size_t total = 0;
	int ret;

	ret = uapi_parse((const char *)data, size, &dev);
	if (ret < 0 && (dev.n_peers || dev.n_aips || dev.has_public_key))
		abort();	/* an error must leave dev cleared */
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
