// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "test.h"
#include "base/wgdev.h"
#include "sources/wgnl.h"
#include "base/util.h"
#include "uapitest.h"

/* RFC 7748 5.2 scalar and its X25519 public key (see uapifix.h). */
static const char priv_hex[] =
	"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4";
static const char pub_hex[] =
	"1c9fd88f45606d932a80c71824ae151d15d73e77de38e8e000852e614fae7019";

static uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], psk[WG_KEY_LEN];
static uint8_t pk[4][WG_KEY_LEN];

static void keys(void)
{
	key_from_hex(priv, priv_hex, 64);
	key_from_hex(pub, pub_hex, 64);
	memset(psk, 0xa5, sizeof(psk));
	for (int i = 0; i < 4; i++)
		memset(pk[i], 0x10 + i, WG_KEY_LEN);
}

static struct nlmsghdr *msg_start(void *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = 0x1d;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	return nlh;
}

static void put_device(struct nlmsghdr *nlh, int with_pub)
{
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0x42);
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, priv);
	if (with_pub)
		mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, WG_KEY_LEN, with_pub == 2 ? pk[3] : pub);
}

static void put_aip(struct nlmsghdr *nlh, int family, const char *addr, uint8_t cidr)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, 0);
	uint8_t a[16];

	inet_pton(family, addr, a);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, (uint16_t)family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, family == AF_INET ? 4 : 16, a);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	mnl_attr_nest_end(nlh, n);
}

/* A peer as the kernel's get_peer() writes it the first time. */
static void put_peer_full(struct nlmsghdr *nlh, int k, const char *ep, uint16_t port)
{
	struct __kernel_timespec ts = { .tv_sec = 1795608453 + k, .tv_nsec = 12345 };

	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, pk[k]);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, psk);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, (uint16_t)(25 * k));
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 1000u + k);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 2000u + k);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
	if (ep && strchr(ep, ':')) {
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

		inet_pton(AF_INET6, ep, &s6.sin6_addr);
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(s6), &s6);
	} else if (ep) {
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };

		inet_pton(AF_INET, ep, &s4.sin_addr);
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(s4), &s4);
	}
}

static char *copy_exact(const void *buf, size_t len)
{
	/* exact-size, aligned heap copy so ASan catches any over-read */
	char *b = aligned_alloc(8, (len + 7) & ~(size_t)7);

	memcpy(b, buf, len);
	return b;
}

static int parse(const struct nlmsghdr *nlh, struct wg_device *dev)
{
	char *b = copy_exact(nlh, nlh->nlmsg_len);
	int ret = wgnl_parse_msg(b, nlh->nlmsg_len, dev);

	free(b);
	return ret;
}

static int holds(const struct wg_device *dev, const uint8_t key[WG_KEY_LEN])
{
	return memmem(dev, sizeof(*dev), key, WG_KEY_LEN) ||
	       (dev->peers && memmem(dev->peers, dev->cap_peers * sizeof(*dev->peers), key, WG_KEY_LEN)) ||
	       (dev->aips && memmem(dev->aips, dev->cap_aips * sizeof(*dev->aips), key, WG_KEY_LEN));
}

static const char *ep(const struct wg_peer *p)
{
	static char out[ENDPOINT_STR_LEN];

	endpoint_format(out, &p->endpoint);
	return out;
}

static const char *aips(const struct wg_device *dev, const struct wg_peer *p)
{
	static char buf[512];

	wg_peer_format_aips(dev, p, buf, sizeof(buf));
	return buf;
}

static char mbuf[2][8192] __attribute__((aligned(8)));

/* Device with three peers in one message. */
static struct nlmsghdr *build_one(void *buf, int with_pub)
{
	struct nlmsghdr *nlh = msg_start(buf);
	struct nlattr *peers, *p, *a;

	put_device(nlh, with_pub);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	p = mnl_attr_nest_start(nlh, 0);
	put_peer_full(nlh, 0, "192.0.2.1", 51821);
	a = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip(nlh, AF_INET, "10.0.0.2", 32);
	put_aip(nlh, AF_INET6, "fd00::2", 128);
	mnl_attr_nest_end(nlh, a);
	mnl_attr_nest_end(nlh, p);
	p = mnl_attr_nest_start(nlh, 0);
	put_peer_full(nlh, 1, "2001:db8::7", 443);
	a = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip(nlh, AF_INET, "10.0.1.0", 24);
	mnl_attr_nest_end(nlh, a);
	mnl_attr_nest_end(nlh, p);
	/* never handshaken, no endpoint, no allowed IPs */
	p = mnl_attr_nest_start(nlh, 0);
	put_peer_full(nlh, 2, NULL, 0);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, peers);
	return nlh;
}

TEST(one_message_device)
{
	struct wg_device dev = { 0 };
	struct nlmsghdr *nlh;

	keys();
	nlh = build_one(mbuf[0], 0);
	CHECK_INT(parse(nlh, &dev), 0);
	CHECK_STR(dev.name, "wg0");
	CHECK_INT(dev.ifindex, 7);
	CHECK_INT(dev.impl, WG_IMPL_KERNEL);
	CHECK_INT(dev.listen_port, 51820);
	CHECK_INT(dev.fwmark, 0x42);
	CHECK(dev.has_public_key);
	CHECK(memcmp(dev.public_key, pub, WG_KEY_LEN) == 0);
	CHECK_INT(dev.n_peers, 3);
	if (dev.n_peers == 3) {
		CHECK(memcmp(dev.peers[0].public_key, pk[0], WG_KEY_LEN) == 0);
		CHECK_STR(ep(&dev.peers[0]), "192.0.2.1:51821");
		CHECK_STR(aips(&dev, &dev.peers[0]), "10.0.0.2/32,fd00::2/128");
		CHECK_INT(dev.peers[0].last_handshake_sec, 1795608453);
		CHECK_INT(dev.peers[0].tx_bytes, 1000);
		CHECK_INT(dev.peers[0].rx_bytes, 2000);
		CHECK_STR(ep(&dev.peers[1]), "[2001:db8::7]:443");
		CHECK_INT(dev.peers[1].keepalive, 25);
		CHECK_STR(aips(&dev, &dev.peers[1]), "10.0.1.0/24");
		CHECK_INT(dev.peers[2].endpoint.sa.sa_family, AF_UNSPEC);
		CHECK_STR(aips(&dev, &dev.peers[2]), "");
	}
	CHECK(!holds(&dev, priv));
	CHECK(!holds(&dev, psk));

	/* with the kernel's PUBLIC_KEY present it is taken as is */
	wg_device_clear(&dev);
	nlh = build_one(mbuf[0], 2);
	CHECK_INT(parse(nlh, &dev), 0);
	CHECK(memcmp(dev.public_key, pk[3], WG_KEY_LEN) == 0);
	CHECK(!holds(&dev, priv));
	wg_device_release(&dev);
}

TEST(peer_split_across_messages)
{
	struct wg_device dev = { 0 };
	struct nlmsghdr *m1, *m2;
	struct nlattr *peers, *p, *a;

	keys();
	m1 = msg_start(mbuf[0]);
	put_device(m1, 1);
	peers = mnl_attr_nest_start(m1, WGDEVICE_A_PEERS);
	p = mnl_attr_nest_start(m1, 0);
	put_peer_full(m1, 0, "192.0.2.1", 1);
	a = mnl_attr_nest_start(m1, WGPEER_A_ALLOWEDIPS);
	put_aip(m1, AF_INET, "10.0.0.1", 32);
	mnl_attr_nest_end(m1, a);
	mnl_attr_nest_end(m1, p);
	p = mnl_attr_nest_start(m1, 0);
	put_peer_full(m1, 1, "192.0.2.2", 2);
	a = mnl_attr_nest_start(m1, WGPEER_A_ALLOWEDIPS);
	put_aip(m1, AF_INET, "10.1.0.1", 32);
	put_aip(m1, AF_INET, "10.1.0.2", 32);
	mnl_attr_nest_end(m1, a);
	mnl_attr_nest_end(m1, p);
	mnl_attr_nest_end(m1, peers);

	/* next message: IFINDEX + IFNAME + PEERS only; peer 1 continues
	 * with PUBLIC_KEY + ALLOWEDIPS, then a new peer 2 */
	m2 = msg_start(mbuf[1]);
	mnl_attr_put_u32(m2, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(m2, WGDEVICE_A_IFNAME, "wg0");
	peers = mnl_attr_nest_start(m2, WGDEVICE_A_PEERS);
	p = mnl_attr_nest_start(m2, 0);
	mnl_attr_put(m2, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, pk[1]);
	a = mnl_attr_nest_start(m2, WGPEER_A_ALLOWEDIPS);
	put_aip(m2, AF_INET6, "fd01::3", 128);
	put_aip(m2, AF_INET6, "fd01::4", 127);
	mnl_attr_nest_end(m2, a);
	mnl_attr_nest_end(m2, p);
	p = mnl_attr_nest_start(m2, 0);
	put_peer_full(m2, 2, "2001:db8::2", 3);
	a = mnl_attr_nest_start(m2, WGPEER_A_ALLOWEDIPS);
	put_aip(m2, AF_INET, "10.2.0.0", 16);
	mnl_attr_nest_end(m2, a);
	mnl_attr_nest_end(m2, p);
	mnl_attr_nest_end(m2, peers);

	CHECK_INT(parse(m1, &dev), 0);
	CHECK_INT(parse(m2, &dev), 0);
	CHECK_INT(dev.n_peers, 3);
	CHECK_INT(dev.n_aips, 6);
	CHECK_INT(dev.listen_port, 51820);	/* not lost by message 2 */
	if (dev.n_peers == 3) {
		CHECK_STR(aips(&dev, &dev.peers[0]), "10.0.0.1/32");
		CHECK_STR(aips(&dev, &dev.peers[1]), "10.1.0.1/32,10.1.0.2/32,fd01::3/128,fd01::4/127");
		CHECK_STR(ep(&dev.peers[1]), "192.0.2.2:2");	/* kept from message 1 */
		CHECK_INT(dev.peers[1].tx_bytes, 1001);
		CHECK_STR(aips(&dev, &dev.peers[2]), "10.2.0.0/16");
		CHECK_STR(ep(&dev.peers[2]), "[2001:db8::2]:3");
	}
	CHECK(!holds(&dev, priv));
	CHECK(!holds(&dev, psk));

	/* handed on message by message (wgnl_stream_device's step, chunk 1):
	 * the peer a message ends with stays to be continued, and the chunks
	 * put together are the device read whole */
	{
		struct wg_device part = { 0 };
		struct collector c = { 0 };

		collector_init(&c, 1);
		CHECK_INT(parse(m1, &part), 0);
		CHECK_INT(wg_stream_offer(&c.s, &part), 0);
		CHECK_INT(part.n_peers, 1);	/* peer 1: message 2 continues it */
		CHECK_INT(parse(m2, &part), 0);
		CHECK_INT(wg_stream_offer(&c.s, &part), 0);
		CHECK_INT(c.calls, 2);
		collector_end(&c, &part);
		CHECK(same_device(&c.all, &dev));
		wg_device_release(&part);
		wg_device_release(&c.all);
	}

	/* a continuation from another device is refused */
	mnl_attr_put_strz(msg_start(mbuf[1]), WGDEVICE_A_IFNAME, "wg1");
	CHECK_INT(parse((struct nlmsghdr *)mbuf[1], &dev), -EINVAL);
	wg_device_release(&dev);
}

/* One device message with a single peer whose attributes come from fn. */
static struct nlmsghdr *with_peer(void (*fn)(struct nlmsghdr *))
{
	struct nlmsghdr *nlh = msg_start(mbuf[0]);
	struct nlattr *peers, *p;

	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	p = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, pk[0]);
	fn(nlh);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, peers);
	return nlh;
}

static void bad_endpoint_len(struct nlmsghdr *n)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET };
	mnl_attr_put(n, WGPEER_A_ENDPOINT, sizeof(s), &s);
}
static void bad_endpoint_family(struct nlmsghdr *n)
{
	struct sockaddr_in s = { .sin_family = AF_UNIX };
	mnl_attr_put(n, WGPEER_A_ENDPOINT, sizeof(s), &s);
}
static void bad_endpoint_short(struct nlmsghdr *n)
{
	uint8_t b = AF_INET;
	mnl_attr_put(n, WGPEER_A_ENDPOINT, 1, &b);
}
static void bad_handshake_len(struct nlmsghdr *n)
{
	int64_t t = 5;
	mnl_attr_put(n, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(t), &t);
}
static void bad_handshake_negative(struct nlmsghdr *n)
{
	struct __kernel_timespec ts = { .tv_sec = -1 };
	mnl_attr_put(n, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
}
static void bad_rx_u32(struct nlmsghdr *n)
{
	mnl_attr_put_u32(n, WGPEER_A_RX_BYTES, 5);
}
static void bad_keepalive_u32(struct nlmsghdr *n)
{
	mnl_attr_put_u32(n, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 5);
}
static void bad_pubkey_short(struct nlmsghdr *n)
{
	mnl_attr_put(n, WGPEER_A_PUBLIC_KEY, 31, pk[1]);
}
static void bad_aip_cidr(struct nlmsghdr *n)
{
	struct nlattr *a = mnl_attr_nest_start(n, WGPEER_A_ALLOWEDIPS);
	put_aip(n, AF_INET, "10.0.0.0", 33);
	mnl_attr_nest_end(n, a);
}
static void bad_aip_family_len(struct nlmsghdr *n)
{
	struct nlattr *a = mnl_attr_nest_start(n, WGPEER_A_ALLOWEDIPS);
	struct nlattr *e = mnl_attr_nest_start(n, 0);
	uint8_t ip[16] = { 0xfd };
	mnl_attr_put_u16(n, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(n, WGALLOWEDIP_A_IPADDR, 16, ip);
	mnl_attr_put_u8(n, WGALLOWEDIP_A_CIDR_MASK, 8);
	mnl_attr_nest_end(n, e);
	mnl_attr_nest_end(n, a);
}
static void bad_aip_missing_cidr(struct nlmsghdr *n)
{
	struct nlattr *a = mnl_attr_nest_start(n, WGPEER_A_ALLOWEDIPS);
	struct nlattr *e = mnl_attr_nest_start(n, 0);
	uint8_t ip[4] = { 10 };
	mnl_attr_put_u16(n, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(n, WGALLOWEDIP_A_IPADDR, 4, ip);
	mnl_attr_nest_end(n, e);
	mnl_attr_nest_end(n, a);
}
static void bad_aip_not_nested(struct nlmsghdr *n)
{
	struct nlattr *a = mnl_attr_nest_start(n, WGPEER_A_ALLOWEDIPS);
	uint16_t x = 2;
	mnl_attr_put(n, 0, 2, &x);
	mnl_attr_nest_end(n, a);
}
static void unknown_attrs(struct nlmsghdr *n)
{
	struct nlattr *a, *e;
	uint8_t ip[4] = { 10, 9, 9, 9 };

	mnl_attr_put_u32(n, 60, 7);			/* a future peer attribute */
	mnl_attr_put(n, WGPEER_A_PRESHARED_KEY, 3, "xyz");	/* never looked at */
	a = mnl_attr_nest_start(n, WGPEER_A_ALLOWEDIPS);
	e = mnl_attr_nest_start(n, 0);
	mnl_attr_put_u16(n, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(n, WGALLOWEDIP_A_IPADDR, 4, ip);
	mnl_attr_put_u8(n, WGALLOWEDIP_A_CIDR_MASK, 32);
	mnl_attr_put_u64(n, 77, 1);			/* a future allowed-IP attribute */
	mnl_attr_nest_end(n, e);
	mnl_attr_nest_end(n, a);
}

TEST(wrong_attribute_sizes)
{
	static void (*bad[])(struct nlmsghdr *) = {
		bad_endpoint_len, bad_endpoint_family, bad_endpoint_short,
		bad_handshake_len, bad_handshake_negative, bad_rx_u32,
		bad_keepalive_u32, bad_pubkey_short, bad_aip_cidr,
		bad_aip_family_len, bad_aip_missing_cidr, bad_aip_not_nested,
	};
	struct wg_device dev = { 0 };
	struct nlmsghdr *nlh;

	keys();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		wg_device_clear(&dev);
		if (parse(with_peer(bad[i]), &dev) != -EINVAL)
			test_fail("case %zu accepted", i);
	}
	wg_device_clear(&dev);
	CHECK_INT(parse(with_peer(unknown_attrs), &dev), 0);
	CHECK_INT(dev.n_peers, 1);
	CHECK_INT(dev.n_aips, 1);

	/* device level */
	static const struct { uint16_t type; size_t len; } dbad[] = {
		{ WGDEVICE_A_LISTEN_PORT, 4 }, { WGDEVICE_A_FWMARK, 2 },
		{ WGDEVICE_A_IFINDEX, 8 }, { WGDEVICE_A_PRIVATE_KEY, 33 },
		{ WGDEVICE_A_PUBLIC_KEY, 16 }, { WGDEVICE_A_IFNAME, 0 },
	};
	uint8_t zeros[64] = { 0 };
	for (size_t i = 0; i < ARRAY_SIZE(dbad); i++) {
		nlh = msg_start(mbuf[0]);
		mnl_attr_put(nlh, dbad[i].type, dbad[i].len, zeros);
		wg_device_clear(&dev);
		if (parse(nlh, &dev) != -EINVAL)
			test_fail("device case %zu accepted", i);
	}
	/* ifname: not NUL-terminated, too long, embedded NUL */
	nlh = msg_start(mbuf[0]);
	mnl_attr_put(nlh, WGDEVICE_A_IFNAME, 3, "wg0");
	CHECK_INT(parse(nlh, &dev), -EINVAL);
	nlh = msg_start(mbuf[0]);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "0123456789abcdef");
	CHECK_INT(parse(nlh, &dev), -EINVAL);
	nlh = msg_start(mbuf[0]);
	mnl_attr_put(nlh, WGDEVICE_A_IFNAME, 5, "wg\0x");
	CHECK_INT(parse(nlh, &dev), -EINVAL);
	/* unknown device attribute skipped */
	nlh = msg_start(mbuf[0]);
	mnl_attr_put_u32(nlh, 99, 1);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 9);
	wg_device_clear(&dev);
	CHECK_INT(parse(nlh, &dev), 0);
	CHECK_INT(dev.listen_port, 9);
	/* a peer without its public key */
	nlh = msg_start(mbuf[0]);
	{
		struct nlattr *ps = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
		struct nlattr *p = mnl_attr_nest_start(nlh, 0);
		mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1);
		mnl_attr_nest_end(nlh, p);
		mnl_attr_nest_end(nlh, ps);
	}
	CHECK_INT(parse(nlh, &dev), -EINVAL);
	wg_device_release(&dev);
}

static size_t peer_aips_total(const struct wg_device *dev)
{
	size_t t = 0;

	for (size_t i = 0; i < dev->n_peers; i++)
		t += dev->peers[i].aip_count;
	return t;
}

TEST(truncated_messages)
{
	struct wg_device dev = { 0 };
	struct nlmsghdr *nlh;
	size_t full;

	keys();
	nlh = build_one(mbuf[0], 0);
	full = nlh->nlmsg_len;
	for (size_t cut = 0; cut < full; cut++) {
		/* header says full, buffer holds cut bytes */
		char *b = copy_exact(mbuf[0], cut ? cut : 1);

		wg_device_clear(&dev);
		if (wgnl_parse_msg(b, cut, &dev) != -EINVAL)
			test_fail("short buffer %zu accepted", cut);
		free(b);

		/* header and buffer both say cut: must fail or be consistent */
		memcpy(mbuf[1], mbuf[0], full);
		((struct nlmsghdr *)mbuf[1])->nlmsg_len = (uint32_t)cut;
		b = copy_exact(mbuf[1], cut ? cut : 1);
		wg_device_clear(&dev);
		int ret = wgnl_parse_msg(b, cut, &dev);
		free(b);
		if (ret == 0 && peer_aips_total(&dev) != dev.n_aips)
			test_fail("cut %zu: inconsistent slices", cut);
		if (ret != 0 && ret != -EINVAL)
			test_fail("cut %zu: %d", cut, ret);
	}
	/* the whole message still parses */
	wg_device_clear(&dev);
	CHECK_INT(parse(nlh, &dev), 0);
	wg_device_release(&dev);
}

TEST(nested_bad_lengths)
{
	struct wg_device dev = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *peers, *p, *inner;

	keys();
	/* an attribute inside the peer nest claims more than the nest holds */
	nlh = msg_start(mbuf[0]);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	p = mnl_attr_nest_start(nlh, 0);
	inner = (struct nlattr *)mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, pk[0]);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_put_u32(nlh, 0, 0);	/* bytes after the peer, still inside PEERS */
	mnl_attr_nest_end(nlh, peers);
	inner->nla_len = WG_KEY_LEN + 4 + 12 + 8;	/* runs past the peer nest */
	CHECK_INT(parse(nlh, &dev), -EINVAL);

	inner->nla_len = 2;	/* shorter than an attribute header */
	CHECK_INT(parse(nlh, &dev), -EINVAL);

	/* the PEERS nest itself longer than the message */
	inner->nla_len = WG_KEY_LEN + 4;
	peers->nla_len = (uint16_t)(peers->nla_len + 64);
	CHECK_INT(parse(nlh, &dev), -EINVAL);

	/* a stray 2 bytes after the last attribute */
	nlh = msg_start(mbuf[0]);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 9);
	nlh->nlmsg_len += 2;
	CHECK_INT(parse(nlh, &dev), -EINVAL);
	/* message shorter than netlink + genl headers */
	nlh = msg_start(mbuf[0]);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	CHECK_INT(parse(nlh, &dev), -EINVAL);
	/* unaligned buffer */
	nlh = msg_start(mbuf[0] + 8);
	memmove(mbuf[0] + 1, mbuf[0] + 8, nlh->nlmsg_len);
	CHECK_INT(wgnl_parse_msg(mbuf[0] + 1, nlh->nlmsg_len, &dev), -EINVAL);
	wg_device_release(&dev);
}

TEST(build_get_request)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g;
	struct nlattr *a;
	size_t len;

	len = wgnl_build_get(buf, sizeof(buf), 0x1d, "wg0", 42);
	CHECK(len > 0);
	CHECK_INT(len, nlh->nlmsg_len);
	CHECK_INT(nlh->nlmsg_type, 0x1d);
	CHECK_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	CHECK_INT(nlh->nlmsg_seq, 42);
	g = mnl_nlmsg_get_payload(nlh);
	CHECK_INT(g->cmd, WG_CMD_GET_DEVICE);
	CHECK_INT(g->version, WG_GENL_VERSION);
	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(*g));
	CHECK_INT(mnl_attr_get_type(a), WGDEVICE_A_IFNAME);
	CHECK_STR(mnl_attr_get_str(a), "wg0");
	CHECK_INT(len, MNL_NLMSG_HDRLEN + 4 + 4 + 4);

	CHECK_INT(wgnl_build_get(buf, 20, 0x1d, "wg0", 1), 0);
	CHECK_INT(wgnl_build_get(buf, sizeof(buf), 0x1d, "", 1), 0);
	CHECK_INT(wgnl_build_get(buf, sizeof(buf), 0x1d, "0123456789abcdef", 1), 0);
	CHECK(wgnl_build_get(buf, sizeof(buf), 0x1d, "0123456789abcde", 1) > 0);
}

TEST(open_without_module)
{
	struct wgnl *nl = NULL;
	struct wg_device dev = { 0 };
	char names[8][IFNAMSIZ];
	size_t n;
	int ret = wgnl_open(&nl);

	/* This machine has no wireguard module: -ENOENT. Where it exists
	 * (the QEMU lab) the handle must work. */
	CHECK(ret == 0 || ret == -ENOENT);
	if (ret == -ENOENT) {
		CHECK(nl == NULL);
		return;
	}
	CHECK(wgnl_list(nl, names, 8, &n) >= -EINTR);
	CHECK(wgnl_get_device(nl, "wga-nosuch0", &dev) < 0);
	CHECK_INT(dev.n_peers, 0);
	wgnl_free(nl);
	wg_device_release(&dev);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The poller's way: without the module the handle waits, sockets open,
 * and each later try asks with them (no socket opened or closed). */
TEST(retry_keeps_the_idle_handle)
{
	struct wgnl *idle = NULL, *nl = (struct wgnl *)&idle, *first;
	int ret = wgnl_retry(&idle, &nl), fds;

	CHECK(ret == 0 || ret == -ENOENT);
	if (ret == 0) {	/* the module is there (the QEMU lab) */
		CHECK(nl != NULL && idle == NULL);
		wgnl_free(nl);
		return;
	}
	CHECK(nl == NULL);
	CHECK(idle != NULL);
	first = idle;
	fds = count_fds();
	for (int i = 0; i < 3; i++) {
		CHECK_INT(wgnl_retry(&idle, &nl), -ENOENT);
		CHECK(idle == first);
		CHECK(nl == NULL);
	}
	CHECK_INT(count_fds(), fds);
	wgnl_free(idle);
	CHECK_INT(count_fds(), fds - 2);	/* its two netlink sockets */
}

TEST_MAIN()
