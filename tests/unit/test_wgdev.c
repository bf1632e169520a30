// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>

#include "test.h"
#include "base/wgdev.h"

static struct wg_allowedip v4(const char *a, uint8_t cidr)
{
	struct wg_allowedip x = { .family = AF_INET, .cidr = cidr };

	inet_pton(AF_INET, a, &x.ip4);
	return x;
}

static struct wg_allowedip v6(const char *a, uint8_t cidr)
{
	struct wg_allowedip x = { .family = AF_INET6, .cidr = cidr };

	inet_pton(AF_INET6, a, &x.ip6);
	return x;
}

TEST(slices_and_format)
{
	struct wg_device dev = { 0 };
	struct wg_allowedip a = v4("10.0.0.2", 32), b = v6("fd00::2", 128);
	struct wg_peer *p;
	char out[64];

	CHECK_INT(wg_device_add_aip(&dev, &a), -EINVAL);	/* no peer yet */
	p = wg_device_new_peer(&dev);
	CHECK(p != NULL);
	CHECK_INT(p->endpoint.sa.sa_family, AF_UNSPEC);
	CHECK_INT(wg_device_add_aip(&dev, &a), 0);
	CHECK_INT(wg_device_add_aip(&dev, &b), 0);
	wg_device_new_peer(&dev);
	CHECK_INT(wg_device_add_aip(&dev, &b), 0);
	wg_device_new_peer(&dev);	/* none */
	CHECK_INT(dev.n_peers, 3);
	CHECK_INT(dev.n_aips, 3);
	wg_peer_format_aips(&dev, &dev.peers[0], out, sizeof(out));
	CHECK_STR(out, "10.0.0.2/32,fd00::2/128");
	CHECK_INT(dev.peers[1].aip_first, 2);
	wg_peer_format_aips(&dev, &dev.peers[1], out, sizeof(out));
	CHECK_STR(out, "fd00::2/128");
	wg_peer_format_aips(&dev, &dev.peers[2], out, sizeof(out));
	CHECK_STR(out, "");
	wg_device_release(&dev);
	CHECK(dev.peers == NULL && dev.cap_peers == 0);
	wg_device_release(NULL);
}

TEST(format_truncates_on_entry_boundary)
{
	struct wg_device dev = { 0 };
	struct wg_allowedip a = v4("10.0.0.2", 32), b = v6("fd00::2", 128);
	char out[32];

	wg_device_new_peer(&dev);
	wg_device_add_aip(&dev, &a);
	wg_device_add_aip(&dev, &b);
	memset(out, 'X', sizeof(out));
	wg_peer_format_aips(&dev, &dev.peers[0], out, 20);
	CHECK_STR(out, "10.0.0.2/32");
	CHECK(out[20] == 'X');	/* nothing written past len */
	wg_peer_format_aips(&dev, &dev.peers[0], out, 12);
	CHECK_STR(out, "10.0.0.2/32");
	wg_peer_format_aips(&dev, &dev.peers[0], out, 11);
	CHECK_STR(out, "");
	wg_peer_format_aips(&dev, &dev.peers[0], out, 1);
	CHECK_STR(out, "");
	out[0] = 'Y';
	wg_peer_format_aips(&dev, &dev.peers[0], out, 0);
	CHECK(out[0] == 'Y');
	wg_peer_format_aips(&dev, &dev.peers[0], out, 24);
	CHECK_STR(out, "10.0.0.2/32,fd00::2/128");
	wg_device_release(&dev);
}

TEST(clear_keeps_capacity_growth_doubles)
{
	struct wg_device dev = { 0 };
	struct wg_allowedip a = v4("10.0.0.0", 8);
	struct wg_peer *before;
	size_t cap;

	for (int i = 0; i < 1000; i++) {
		CHECK(wg_device_new_peer(&dev) != NULL);
		CHECK_INT(wg_device_add_aip(&dev, &a), 0);
	}
	CHECK_INT(dev.cap_peers, 1024);
	CHECK((dev.cap_aips & (dev.cap_aips - 1)) == 0);
	cap = dev.cap_peers;
	before = dev.peers;
	dev.listen_port = 5;
	wg_device_clear(&dev);
	CHECK_INT(dev.n_peers, 0);
	CHECK_INT(dev.n_aips, 0);
	CHECK_INT(dev.listen_port, 0);
	CHECK_INT(dev.cap_peers, cap);
	CHECK(dev.peers == before);
	for (int i = 0; i < 1000; i++)
		wg_device_new_peer(&dev);
	CHECK(dev.peers == before);
	wg_device_release(&dev);
}

/* One struct wg_peer per peer per poll: no padding creeps back in. */
TEST(peer_record_size)
{
	CHECK(sizeof(struct wg_peer) <= 96);
}

TEST_MAIN()
