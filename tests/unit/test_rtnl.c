// SPDX-License-Identifier: GPL-2.0
/* test_rtnl.c - rtnetlink link messages built with libmnl, fed to the pure
 * parser and to the cached feed; a live dummy link when run as root. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "test.h"
#include "sources/rtnl.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000
#endif

#define MAXLINKS 64

struct got {
	struct rtnl_link l[MAXLINKS];
	size_t n;
};

static void collect(void *ctx, const struct rtnl_link *l)
{
	struct got *g = ctx;

	if (g->n < MAXLINKS)
		g->l[g->n] = *l;
	g->n++;
}

/* Append one link message at buf + *off. name/kind NULL: attribute left
 * out. */
static struct nlmsghdr *put_link(char *buf, size_t *off, uint16_t type,
				 uint16_t nlflags, int ifindex,
				 unsigned ifflags, const char *name,
				 const char *kind)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	struct ifinfomsg *ifi;
	struct nlattr *nest;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = nlflags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = ifflags;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1420);
	if (kind) {
		nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(nlh, nest);
	}
	*off += nlh->nlmsg_len;
	return nlh;
}

static void put_done(char *buf, size_t *off)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	*off += nlh->nlmsg_len;
}

/* Parse a private copy of exactly len bytes, so ASan sees any over-read. */
static int parse_exact(const char *buf, size_t len, struct got *g)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, buf, len);
	memset(g, 0, sizeof(*g));
	ret = rtnl_parse(copy, len, collect, g);
	free(copy);
	return ret;
}

TEST(wireguard_new_link)
{
	static char buf[1024];
	size_t off = 0;
	struct got g;

	put_link(buf, &off, RTM_NEWLINK, 0, 7,
		 IFF_UP | IFF_RUNNING | IFF_LOWER_UP | IFF_NOARP,
		 "wg0", "wireguard");
	CHECK_INT(parse_exact(buf, off, &g), 1);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.l[0].change, RTNL_LINK_NEW);
	CHECK_INT(g.l[0].ifindex, 7);
	CHECK_STR(g.l[0].name, "wg0");
	CHECK_STR(g.l[0].kind, "wireguard");
	CHECK(g.l[0].up);
	CHECK(g.l[0].running);
	CHECK(!g.l[0].dump);
	CHECK(rtnl_link_maybe_wg(&g.l[0]));
	CHECK(g.l[0].flags & IFF_NOARP);
}

TEST(tun_kind_and_plain_link)
{
	static char buf[1024];
	size_t off = 0;
	struct got g;

	put_link(buf, &off, RTM_NEWLINK, 0, 9, IFF_UP, "wg1", "tun");
	put_link(buf, &off, RTM_NEWLINK, 0, 2, IFF_UP, "eth0", NULL);
	CHECK_INT(parse_exact(buf, off, &g), 2);
	CHECK_STR(g.l[0].kind, "tun");
	CHECK(rtnl_link_maybe_wg(&g.l[0]));
	CHECK_STR(g.l[1].name, "eth0");
	CHECK_STR(g.l[1].kind, "");
	CHECK(!rtnl_link_maybe_wg(&g.l[1]));
}

TEST(up_down_flags)
{
	static const struct { unsigned flags; bool up, running; } c[] = {
		{ 0, false, false },
		{ IFF_UP, true, false },
		{ IFF_UP | IFF_RUNNING, true, true },
		{ IFF_UP | IFF_LOWER_UP, true, true },
		{ IFF_LOWER_UP, false, true },
	};
	static char buf[1024];
	struct got g;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t off = 0;

		put_link(buf, &off, RTM_NEWLINK, 0, 3, c[i].flags, "wg0",
			 "wireguard");
		CHECK_INT(parse_exact(buf, off, &g), 1);
		CHECK_INT(g.l[0].up, c[i].up);
		CHECK_INT(g.l[0].running, c[i].running);
	}
}

TEST(del_without_linkinfo_uses_cache)
{
	static char buf[2048];
	size_t off = 0, del_off, del_len;
	struct rtnl *r;
	struct got g = { 0 };

	CHECK_INT(rtnl_new(&r), 0);
	CHECK_INT(rtnl_fd(r), -1);
	put_link(buf, &off, RTM_NEWLINK, 0, 11, IFF_UP, "wg7", "wireguard");
	del_off = off;
	put_link(buf, &off, RTM_DELLINK, 0, 11, 0, NULL, NULL);
	del_len = off - del_off;

	/* Pure: nothing to classify it with. */
	CHECK_INT(parse_exact(buf + del_off, del_len, &g), 1);
	CHECK_INT(g.l[0].change, RTNL_LINK_DEL);
	CHECK_STR(g.l[0].name, "");
	CHECK_STR(g.l[0].kind, "");

	memset(&g, 0, sizeof(g));
	CHECK_INT(rtnl_feed(r, buf, off, collect, &g), 2);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.l[1].change, RTNL_LINK_DEL);
	CHECK_INT(g.l[1].ifindex, 11);
	CHECK_STR(g.l[1].name, "wg7");
	CHECK_STR(g.l[1].kind, "wireguard");

	/* The DEL forgot it. */
	memset(&g, 0, sizeof(g));
	CHECK_INT(rtnl_feed(r, buf + del_off, del_len, collect, &g), 1);
	CHECK_STR(g.l[0].kind, "");
	CHECK_INT(rtnl_errors(r), 0);
	rtnl_free(r);
}

TEST(cache_follows_rename_and_many_links)
{
	static char buf[4096];
	size_t off = 0;
	struct rtnl *r;
	struct got g = { 0 };
	char name[IFNAMSIZ];

	CHECK_INT(rtnl_new(&r), 0);
	/* More links than the cache holds: the WireGuard one must stay. */
	put_link(buf, &off, RTM_NEWLINK, 0, 5, 0, "wg0", "wireguard");
	CHECK_INT(rtnl_feed(r, buf, off, collect, &g), 1);
	for (int i = 0; i < 5000; i++) {
		off = 0;
		snprintf(name, sizeof(name), "veth%d", i);
		put_link(buf, &off, RTM_NEWLINK, 0, 100 + i, 0, name, "veth");
		rtnl_feed(r, buf, off, collect, &g);
	}
	off = 0;
	put_link(buf, &off, RTM_NEWLINK, 0, 5, IFF_UP, "wgrenamed", NULL);
	put_link(buf, &off, RTM_DELLINK, 0, 5, 0, NULL, NULL);
	memset(&g, 0, sizeof(g));
	CHECK_INT(rtnl_feed(r, buf, off, collect, &g), 2);
	CHECK_STR(g.l[0].kind, "wireguard");	/* NEW without linkinfo */
	CHECK_STR(g.l[1].name, "wgrenamed");
	CHECK_STR(g.l[1].kind, "wireguard");
	rtnl_free(r);
}

TEST(multiple_messages_in_one_buffer)
{
	static char buf[4096];
	size_t off = 0;
	struct nlmsghdr *nlh;
	struct got g;

	put_link(buf, &off, RTM_NEWLINK, NLM_F_MULTI, 1, IFF_UP, "lo", NULL);
	/* Not a link message: skipped without complaint. */
	nlh = mnl_nlmsg_put_header(buf + off);
	nlh->nlmsg_type = RTM_NEWADDR;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg));
	off += nlh->nlmsg_len;
	put_link(buf, &off, RTM_NEWLINK, NLM_F_MULTI, 4, 0, "wg0",
		 "wireguard");
	put_link(buf, &off, RTM_DELLINK, 0, 9, 0, "wg1", "tun");
	put_done(buf, &off);
	CHECK_INT(parse_exact(buf, off, &g), 3);
	CHECK_INT(g.n, 3);
	CHECK_STR(g.l[0].name, "lo");
	CHECK(g.l[0].dump);
	CHECK_STR(g.l[1].name, "wg0");
	CHECK(!g.l[1].up);
	CHECK_INT(g.l[2].change, RTNL_LINK_DEL);
	CHECK_STR(g.l[2].kind, "tun");
	CHECK(!g.l[2].dump);
}

TEST(truncated_at_every_byte)
{
	static char buf[4096];
	size_t off = 0, first;
	struct got g;
	int ret;

	put_link(buf, &off, RTM_NEWLINK, 0, 7, IFF_UP, "wg0", "wireguard");
	first = off;
	put_link(buf, &off, RTM_DELLINK, 0, 8, 0, "wg1", "tun");
	for (size_t i = 0; i < off; i++) {
		ret = parse_exact(buf, i, &g);
		if (i == 0 || i == first) {
			CHECK_INT(ret, i ? 1 : 0);
			continue;
		}
		CHECK_INT(ret, -EINVAL);
		CHECK_INT(g.n, i > first ? 1 : 0);
	}
	/* Cutting nlmsg_len instead of the buffer: attributes overhang. */
	for (uint32_t i = 0; i < first; i++) {
		((struct nlmsghdr *)buf)->nlmsg_len = i;
		/* At an attribute boundary the shortened message is
		 * whole; the bytes after it are then the error. */
		CHECK_INT(parse_exact(buf, first, &g), -EINVAL);
	}
}

static struct nlattr *find_attr(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

TEST(bad_attribute_lengths)
{
	static char buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *a, *kind;
	size_t off;
	struct got g;

	static const uint16_t bad_len[] = { 0, 1, 3, 4, 0xffff };
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		off = 0;
		nlh = put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "wg0",
			       "wireguard");
		find_attr(nlh, IFLA_IFNAME)->nla_len = bad_len[i];
		CHECK_INT(parse_exact(buf, off, &g), -EINVAL);
		CHECK_INT(g.n, 0);
	}

	/* Inner kind longer than its nest, and shorter than a header. */
	for (int i = 0; i < 2; i++) {
		off = 0;
		nlh = put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "wg0",
			       "wireguard");
		a = find_attr(nlh, IFLA_LINKINFO);
		kind = mnl_attr_get_payload(a);
		kind->nla_len = i ? 2 : a->nla_len;
		CHECK_INT(parse_exact(buf, off, &g), -EINVAL);
	}

	/* Linkinfo that is not a nest; a u32 where the name goes. */
	off = 0;
	nlh = put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "wg0", NULL);
	find_attr(nlh, IFLA_MTU)->nla_type = IFLA_LINKINFO;
	CHECK_INT(parse_exact(buf, off, &g), -EINVAL);

	/* Header shorter than ifinfomsg. */
	off = 0;
	nlh = put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, NULL, NULL);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 8;
	CHECK_INT(parse_exact(buf, MNL_NLMSG_HDRLEN + 8, &g), -EINVAL);

	/* Top bit set: libmnl's mnl_nlmsg_ok() would take it as negative. */
	off = 0;
	nlh = put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "wg0", "wireguard");
	nlh->nlmsg_len = 0xfffffff0;
	CHECK_INT(parse_exact(buf, off, &g), -EINVAL);
	CHECK_INT(g.n, 0);

	/* Bad ifindex; NEWLINK without a name. */
	off = 0;
	put_link(buf, &off, RTM_NEWLINK, 0, 0, 0, "wg0", "wireguard");
	CHECK_INT(parse_exact(buf, off, &g), -EINVAL);
	off = 0;
	put_link(buf, &off, RTM_NEWLINK, 0, 3, 0, NULL, "wireguard");
	CHECK_INT(parse_exact(buf, off, &g), -EINVAL);
}

TEST(unknown_attributes_skipped)
{
	static char buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	size_t off = 0;
	struct got g;

	nlh = put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "wg0", NULL);
	mnl_attr_put_u64(nlh, IFLA_MAX + 5, 42);
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_u32(nlh, IFLA_INFO_DATA, 1);
	mnl_attr_put_u32(nlh, IFLA_INFO_MAX + 3, 1);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, nest);
	off = nlh->nlmsg_len;
	CHECK_INT(parse_exact(buf, off, &g), 1);
	CHECK_STR(g.l[0].kind, "wireguard");
}

TEST(name_too_long)
{
	static char buf[1024];
	struct nlmsghdr *nlh;
	size_t off = 0;
	struct got g;

	put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "abcdefghijklmnop", NULL);
	CHECK_INT(parse_exact(buf, off, &g), -EINVAL);
	off = 0;
	put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "abcdefghijklmno", NULL);
	CHECK_INT(parse_exact(buf, off, &g), 1);
	CHECK_STR(g.l[0].name, "abcdefghijklmno");
	/* Fifteen bytes, no NUL: still bounded. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh,
		sizeof(struct ifinfomsg)))->ifi_index = 7;
	mnl_attr_put(nlh, IFLA_IFNAME, 15, "abcdefghijklmno");
	CHECK_INT(parse_exact(buf, nlh->nlmsg_len, &g), 1);
	CHECK_STR(g.l[0].name, "abcdefghijklmno");
	/* Empty name. */
	off = 0;
	put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "", NULL);
	CHECK_INT(parse_exact(buf, off, &g), -EINVAL);
	/* An over-long kind is cut, not a reason to lose the event. */
	off = 0;
	put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "x0",
		 "wireguardwireguardwireguard");
	CHECK_INT(parse_exact(buf, off, &g), 1);
	CHECK_STR(g.l[0].kind, "wireguardwiregu");
	CHECK(!rtnl_link_maybe_wg(&g.l[0]));
}

TEST(bridge_port_and_errors)
{
	static char buf[1024];
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	size_t off = 0;
	struct got g;

	/* AF_BRIDGE DELLINK: a port left a bridge, no link was deleted. */
	nlh = put_link(buf, &off, RTM_DELLINK, 0, 7, 0, "wg0", "wireguard");
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family =
		AF_BRIDGE;
	CHECK_INT(parse_exact(buf, off, &g), 0);
	CHECK_INT(g.n, 0);

	off = 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EBUSY;
	off = nlh->nlmsg_len;
	CHECK_INT(parse_exact(buf, off, &g), -EBUSY);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	CHECK_INT(parse_exact(buf, nlh->nlmsg_len, &g), -EINVAL);
}

TEST(feed_counts_errors_and_goes_on)
{
	static char buf[2048];
	struct nlmsghdr *nlh;
	size_t off = 0;
	struct rtnl *r;
	struct got g = { 0 };

	CHECK_INT(rtnl_new(&r), 0);
	nlh = put_link(buf, &off, RTM_NEWLINK, 0, 7, 0, "wg0", "wireguard");
	find_attr(nlh, IFLA_IFNAME)->nla_len = 3;
	put_link(buf, &off, RTM_NEWLINK, 0, 8, IFF_UP, "wg1", "wireguard");
	CHECK_INT(rtnl_feed(r, buf, off, collect, &g), 1);
	CHECK_STR(g.l[0].name, "wg1");
	CHECK_INT(rtnl_errors(r), 1);
	CHECK_INT(rtnl_request_dump(r), -ENOTCONN);
	CHECK_INT(rtnl_read(r, collect, &g), -ENOTCONN);
	rtnl_free(r);
	rtnl_free(NULL);
}

TEST(dump_state_follows_done_and_busy)
{
	static char buf[256];
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	size_t off = 0;
	struct rtnl *r;
	struct got g = { 0 };

	/* Without a socket the port id is 0, like these messages'. */
	CHECK_INT(rtnl_new(&r), 0);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EBUSY;
	/* A dump is still running: wait for its DONE. */
	CHECK_INT(rtnl_feed(r, buf, nlh->nlmsg_len, collect, &g), -EBUSY);
	CHECK(rtnl_dump_pending(r));
	put_done(buf, &off);
	CHECK_INT(rtnl_feed(r, buf, off, collect, &g), 0);
	CHECK(!rtnl_dump_pending(r));
	CHECK_INT(rtnl_errors(r), 0);
	rtnl_free(r);
}

/* ---- live ------------------------------------------------------------ */

#define LIVE_IF "wgartest0"

/* A tun device is what wireguard-go and boringtun create; dummy is the
 * fallback where /dev/net/tun is missing. */
static const struct { const char *kind, *add; } live_kinds[] = {
	{ "tun", "ip tuntap add " LIVE_IF " mode tun 2>/dev/null" },
	{ "dummy", "ip link add " LIVE_IF " type dummy 2>/dev/null" },
};

struct live {
	const char *kind;
	bool new_seen, up_seen, del_seen, lo_dump;
	char del_kind[RTNL_KIND_LEN];
};

static void live_cb(void *ctx, const struct rtnl_link *l)
{
	struct live *s = ctx;

	if (l->dump && !strcmp(l->name, "lo"))
		s->lo_dump = true;
	if (strcmp(l->name, LIVE_IF) != 0)
		return;
	if (l->change == RTNL_LINK_NEW && !strcmp(l->kind, s->kind))
		s->new_seen = true;
	if (l->change == RTNL_LINK_NEW && l->up)
		s->up_seen = true;
	if (l->change == RTNL_LINK_DEL) {
		s->del_seen = true;
		memcpy(s->del_kind, l->kind, sizeof(s->del_kind));
	}
}

/* Poll until done(s) or ~10 s of silence: a bound on a hang, not a
 * timing assertion. */
static int live_wait(struct rtnl *r, struct live *s,
		     bool (*done)(const struct live *))
{
	struct pollfd p = { .fd = rtnl_fd(r), .events = POLLIN };
	int ret;

	for (int i = 0; i < 100 && !done(s); i++) {
		if (poll(&p, 1, 100) < 0)
			return -errno;
		ret = rtnl_read(r, live_cb, s);
		if (ret < 0 && ret != -ENOBUFS)
			return ret;
	}
	return done(s) ? 0 : -ETIMEDOUT;
}

static bool live_created(const struct live *s)
{
	return s->new_seen && s->up_seen && s->lo_dump;
}

static bool live_deleted(const struct live *s)
{
	return s->del_seen;
}

TEST(live_link)
{
	struct live s = { 0 };
	struct rtnl *r;
	int ret;

	if (geteuid() != 0 || system("command -v ip >/dev/null 2>&1") != 0) {
		printf("SKIP live_link: needs root and ip(8)\n");
		return;
	}
	ret = rtnl_open(&r);
	if (ret < 0) {
		printf("SKIP live_link: rtnl_open: %s\n", strerror(-ret));
		return;
	}
	(void)!system("ip link del " LIVE_IF " >/dev/null 2>&1");
	CHECK_INT(rtnl_request_dump(r), 0);
	CHECK(rtnl_dump_pending(r));
	CHECK_INT(rtnl_request_dump(r), -EBUSY);
	for (size_t i = 0; !s.kind && i < 2; i++)
		if (system(live_kinds[i].add) == 0)
			s.kind = live_kinds[i].kind;
	if (!s.kind) {
		printf("SKIP live_link: cannot create a tun or dummy link\n");
		rtnl_free(r);
		return;
	}
	CHECK_INT(system("ip link set " LIVE_IF " up"), 0);
	CHECK_INT(live_wait(r, &s, live_created), 0);
	CHECK(s.new_seen);
	CHECK(s.up_seen);
	CHECK(s.lo_dump);
	CHECK(!rtnl_dump_pending(r));
	CHECK_INT(system("ip link del " LIVE_IF), 0);
	CHECK_INT(live_wait(r, &s, live_deleted), 0);
	CHECK_STR(s.del_kind, s.kind);
	CHECK_INT(rtnl_errors(r), 0);
	(void)!system("ip link del " LIVE_IF " >/dev/null 2>&1");
	rtnl_free(r);
}

TEST(link_is_up_probe)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	CHECK_INT(link_is_up(fd, "lo"), 1);	/* loopback is up wherever tests run */
	CHECK_INT(link_is_up(fd, "wga-nosuch0"), -ENODEV);
	CHECK_INT(link_is_up(-1, "lo"), -EBADF);
	close(fd);
}

TEST_MAIN()
