// SPDX-License-Identifier: GPL-2.0
/* fuzz_wgnl - libFuzzer target for the WG_CMD_GET_DEVICE message parser.
 * The input is a stream of netlink messages as one recv() returns them;
 * each goes to wgnl_parse_msg() into one device, as a dump does (this
 * exercises peers continued across messages). Seeds: corpus/wgnl. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "base/wgdev.h"
#include "sources/wgnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wg_device dev;
	const struct nlmsghdr *nlh;
	char aips[256];
	size_t total = 0;
	char *buf;
	int rem;

	if (size > 1 << 20)
		return 0;
	/* Netlink receive buffers are aligned; so is this exact-size copy. */
	buf = aligned_alloc(8, (size + 7) & ~(size_t)7);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	wg_device_clear(&dev);
	nlh = (const struct nlmsghdr *)buf;
	rem = (int)size;
	/* A lone message that does not fit still reaches the parser. */
	if (!mnl_nlmsg_ok(nlh, rem))
		wgnl_parse_msg(buf, size, &dev);
	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (wgnl_parse_msg(nlh, nlh->nlmsg_len, &dev) < 0)
			break;
	}
	for (size_t i = 0; i < dev.n_peers; i++) {
		const struct wg_peer *p = &dev.peers[i];

		if (p->aip_first != total)
			abort();
		total += p->aip_count;
		wg_peer_format_aips(&dev, p, aips, sizeof(aips));
	}
	if (total != dev.n_aips)
		abort();
	free(buf);
	return 0;
}
