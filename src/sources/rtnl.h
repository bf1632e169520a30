// SPDX-License-Identifier: GPL-2.0
/* rtnl.h - real-time link changes from rtnetlink (RTNLGRP_LINK, libmnl).
 * Parsing is pure; the watcher owns one NETLINK_ROUTE socket. */
#ifndef WGAUDIT_RTNL_H
#define WGAUDIT_RTNL_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RTNL_KIND_LEN	16

enum rtnl_change { RTNL_LINK_NEW, RTNL_LINK_DEL };

/* One link as a message described it. Borrowed by the callback: copy what
 * you keep. RTNL_LINK_NEW covers creation, rename, up/down and any other
 * attribute change: the kernel sends the same message for all of them. */
struct rtnl_link {
	enum rtnl_change change;
	uint32_t ifindex;
	char name[IFNAMSIZ];
	char kind[RTNL_KIND_LEN];  /* IFLA_INFO_KIND: "wireguard" (kernel),
				    * "tun" (wireguard-go, boringtun); "" when
				    * unknown (no linkinfo, not cached) */
	bool up;		/* IFF_UP */
	bool running;		/* IFF_RUNNING or IFF_LOWER_UP */
	bool dump;		/* a reply to rtnl_request_dump(), not a change */
	uint32_t flags;		/* ifi_flags, raw */
};

/* Kernel WireGuard, or a tun device that may be wireguard-go/boringtun
 * (or any other tun user: confirm with its UAPI socket). */
static inline bool rtnl_link_maybe_wg(const struct rtnl_link *l)
{
	return !strcmp(l->kind, "wireguard") || !strcmp(l->kind, "tun");
}

typedef void (*rtnl_cb)(void *ctx, const struct rtnl_link *l);

struct rtnl;

/* NETLINK_ROUTE socket bound to RTNLGRP_LINK: non-blocking, CLOEXEC, with
 * a large receive buffer. 0 or -errno; *out NULL on failure. */
int rtnl_open(struct rtnl **out);
/* The same state without a socket (rtnl_fd() is -1): for rtnl_feed() in
 * tests and replays. */
int rtnl_new(struct rtnl **out);
int rtnl_fd(const struct rtnl *r);

/* Ask for every link (RTM_GETLINK dump) on the watch socket itself, so
 * replies and notifications arrive in kernel order. The replies come
 * through rtnl_read() with l->dump set; they fill the ifindex cache that
 * classifies RTM_DELLINK. Call it after open and after -ENOBUFS.
 * -EBUSY while a dump is still running (see rtnl_dump_pending()). */
int rtnl_request_dump(struct rtnl *r);
bool rtnl_dump_pending(const struct rtnl *r);

/* Read what is queued now and report each link change, in order: up to
 * 256 datagrams a call, so a flood cannot starve the loop; the fd stays
 * readable (level-triggered) for the rest. Returns the number of links reported, or -errno. -ENOBUFS means the
 * socket overran and changes were lost: everything readable was still
 * drained and reported, but the caller must do a full poll of every
 * interface (and may rtnl_request_dump() to refresh the cache) because
 * some create/delete/up/down may never be seen; a datagram too large for
 * the buffer (MSG_TRUNC) is reported the same way. Malformed or foreign
 * (not from the kernel) messages are skipped and counted in
 * rtnl_errors(), never fatal. */
int rtnl_read(struct rtnl *r, rtnl_cb cb, void *ctx);
/* rtnl_read() minus the recv: a buffer of netlink messages through r's
 * ifindex cache. The number of links reported, or the -errno of an
 * NLMSG_ERROR in buf; malformed messages are counted, not returned. */
int rtnl_feed(struct rtnl *r, const void *buf, size_t len, rtnl_cb cb,
	      void *ctx);
/* Messages skipped as malformed, truncated or not from the kernel. */
uint64_t rtnl_errors(const struct rtnl *r);
void rtnl_free(struct rtnl *r);

/* Pure: parse a buffer of netlink messages (RTM_NEWLINK/RTM_DELLINK of
 * family AF_UNSPEC; others skipped), calling cb for each link. Without a
 * cache a DELLINK with no IFLA_LINKINFO has kind "". Returns the number of
 * links reported, or -EINVAL if any message was malformed (the good ones
 * are still reported), or the -errno of an NLMSG_ERROR. */
int rtnl_parse(const void *buf, size_t len, rtnl_cb cb, void *ctx);
/* Whether interface name is administratively up, asked with SIOCGIFFLAGS
 * on fd (any AF_INET datagram socket, in the namespace of the interface):
 * 1 up, 0 down, or -errno (-ENODEV: gone). The poll's probe between two
 * link notifications. */
int link_is_up(int fd, const char *name);
#endif
