// SPDX-License-Identifier: GPL-2.0
/* rtnl.c - link create/delete/up/down as it happens, from rtnetlink's
 * RTNLGRP_LINK multicast group (libmnl examples/rtnl/rtnl-link-event.c).
 *
 * Every message is untrusted bytes: each header and attribute is bounds-
 * and type-checked before it is read, unknown attributes are skipped, and a
 * message that fails is skipped and counted, never fatal. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "sources/rtnl.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000		/* linux/if.h; clashes with net/if.h */
#endif

/* A dump reply can be as large as the kernel's 32 KiB dump skb; a
 * notification carrying a link's VF list can exceed a page. */
#define RTNL_BUF_LEN	(64 * 1024)
/* Big enough to ride out a burst of container veth churn. */
#define RTNL_RCVBUF	(4 * 1024 * 1024)
/* Datagrams per rtnl_read(): the loop is level-triggered, so what is left
 * is read on the next turn instead of starving every other fd. */
#define RTNL_READ_MAX	256
/* Links remembered for classifying RTM_DELLINK. Past this, entries that
 * are not WireGuard-like are evicted first. */
#define RTNL_CACHE_MAX	4096

struct rtnl_cached {
	uint32_t ifindex;
	char name[IFNAMSIZ];
	char kind[RTNL_KIND_LEN];
};

struct rtnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	bool dump_pending;
	uint64_t errors;
	struct rtnl_cached *cache;
	size_t ncache, cache_cap;
	size_t evict;			/* round-robin victim when all are wg */
	char *buf;
};

/* ---- pure parsing ---------------------------------------------------- */

/* Walk attributes from start to tail (exclusive). Not libmnl's
 * mnl_attr_for_each: its tail is nlmsg_len rounded up to 4, up to three
 * bytes past the message and possibly past the buffer. */
#define for_each_attr(a, start, tail)					\
	for ((a) = (const struct nlattr *)(start);			\
	     mnl_attr_ok((a), (int)((const char *)(tail) - (const char *)(a))); \
	     (a) = mnl_attr_next(a))

/* Attributes up to tail must tile exactly: the walk stops quietly at the
 * first one that does not fit, which would hide a truncation. */
static bool attrs_consumed(const struct nlattr *a, const void *tail)
{
	return (const char *)tail - (const char *)a <= 0;
}

/* Copy a validated string attribute into out[size]: 0, or -EINVAL when it
 * is empty, or -ENAMETOOLONG when it does not fit. */
static int copy_str(const struct nlattr *a, char *out, size_t size)
{
	const char *s = mnl_attr_get_payload(a);
	size_t n = strnlen(s, mnl_attr_get_payload_len(a));

	if (n == 0)
		return -EINVAL;
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int parse_linkinfo(const struct nlattr *nest, struct rtnl_link *l)
{
	const char *tail = (const char *)nest + nest->nla_len;
	const struct nlattr *a;
	int ret;

	for_each_attr(a, mnl_attr_get_payload(nest), tail) {
		if (mnl_attr_type_valid(a, IFLA_INFO_MAX) < 0)
			continue;	/* newer kernel: skip */
		if (mnl_attr_get_type(a) != IFLA_INFO_KIND)
			continue;	/* INFO_DATA etc.: not ours to read */
		if (mnl_attr_validate(a, MNL_TYPE_STRING) < 0)
			return -EINVAL;
		ret = copy_str(a, l->kind, sizeof(l->kind));
		/* No kernel kind is this long; cut rather than lose the
		 * event: a cut name cannot read as "wireguard" or "tun". */
		if (ret == -ENAMETOOLONG) {
			memcpy(l->kind, mnl_attr_get_payload(a),
			       sizeof(l->kind) - 1);
			l->kind[sizeof(l->kind) - 1] = '\0';
		} else if (ret < 0) {
			return ret;
		}
	}
	return attrs_consumed(a, tail) ? 0 : -EINVAL;
}

/* One RTM_NEWLINK/RTM_DELLINK. 1 if l was filled, 0 if the message is not
 * about a link (another family), -EINVAL if malformed. */
static int parse_link(const struct nlmsghdr *nlh, struct rtnl_link *l)
{
	const char *tail = (const char *)nlh + nlh->nlmsg_len;
	const struct ifinfomsg *ifi;
	const struct nlattr *a;
	bool have_name = false;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	/* AF_BRIDGE RTM_NEWLINK/RTM_DELLINK describe bridge ports joining
	 * and leaving, on the same group: a DELLINK there is no deletion. */
	if (ifi->ifi_family != AF_UNSPEC)
		return 0;
	if (ifi->ifi_index <= 0)
		return -EINVAL;

	memset(l, 0, sizeof(*l));
	l->change = nlh->nlmsg_type == RTM_DELLINK ? RTNL_LINK_DEL
						   : RTNL_LINK_NEW;
	l->ifindex = (uint32_t)ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->up = ifi->ifi_flags & IFF_UP;
	l->running = ifi->ifi_flags & (IFF_RUNNING | IFF_LOWER_UP);
	/* Notifications never carry NLM_F_MULTI; dump replies always do. */
	l->dump = nlh->nlmsg_flags & NLM_F_MULTI;

	for_each_attr(a, (const char *)ifi + MNL_ALIGN(sizeof(*ifi)), tail) {
		if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
			continue;	/* newer kernel: skip */
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_STRING) < 0 ||
			    copy_str(a, l->name, sizeof(l->name)) < 0)
				return -EINVAL;
			have_name = true;
			break;
		case IFLA_LINKINFO:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ||
			    parse_linkinfo(a, l) < 0)
				return -EINVAL;
			break;
		}
	}
	if (!attrs_consumed(a, tail))
		return -EINVAL;
	/* The kernel always names a new link; a DELLINK may borrow the name
	 * from the cache. */
	if (!have_name && l->change == RTNL_LINK_NEW)
		return -EINVAL;
	return 1;
}

/* ---- ifindex cache --------------------------------------------------- */

static struct rtnl_cached *cache_find(struct rtnl *r, uint32_t ifindex)
{
	for (size_t i = 0; i < r->ncache; i++)
		if (r->cache[i].ifindex == ifindex)
			return &r->cache[i];
	return NULL;
}

static bool kind_is_wg(const char *kind)
{
	return !strcmp(kind, "wireguard") || !strcmp(kind, "tun");
}

static struct rtnl_cached *cache_slot(struct rtnl *r)
{
	struct rtnl_cached *c;

	if (r->ncache < r->cache_cap)
		return &r->cache[r->ncache++];
	if (r->cache_cap < RTNL_CACHE_MAX) {
		size_t cap = r->cache_cap ? r->cache_cap * 2 : 64;

		c = realloc(r->cache, cap * sizeof(*c));
		if (c) {
			r->cache = c;
			r->cache_cap = cap;
			return &r->cache[r->ncache++];
		}
	}
	if (!r->ncache)
		return NULL;
	/* Full (or out of memory): forget a link that does not matter. */
	for (size_t i = 0; i < r->ncache; i++)
		if (!kind_is_wg(r->cache[i].kind))
			return &r->cache[i];
	return &r->cache[r->evict++ % r->ncache];
}

static void cache_update(struct rtnl *r, struct rtnl_link *l)
{
	struct rtnl_cached *c = cache_find(r, l->ifindex);

	if (l->change == RTNL_LINK_DEL) {
		if (!c)
			return;
		if (!l->name[0])
			memcpy(l->name, c->name, sizeof(l->name));
		if (!l->kind[0])
			memcpy(l->kind, c->kind, sizeof(l->kind));
		*c = r->cache[--r->ncache];
		return;
	}
	/* Every NEWLINK of a device with rtnl_link_ops carries its kind;
	 * keep the known one if this message somehow did not. */
	if (c && !l->kind[0])
		memcpy(l->kind, c->kind, sizeof(l->kind));
	if (!c && !(c = cache_slot(r)))
		return;
	c->ifindex = l->ifindex;
	memcpy(c->name, l->name, sizeof(c->name));
	memcpy(c->kind, l->kind, sizeof(c->kind));
}

/* ---- message walk ---------------------------------------------------- */

/* mnl_nlmsg_ok() compares (int)nlmsg_len <= len, so a length with the top
 * bit set reads as negative and passes: compare unsigned. */
static bool msg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) &&
	       nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (uint32_t)len;
}

static void walk_error(struct rtnl *r, const struct nlmsghdr *nlh,
		       unsigned *bad, int *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		++*bad;
		return;
	}
	/* Our dump failed and is over, or -EBUSY: one is still running
	 * (we stopped waiting for it after an overrun) and will end in
	 * NLMSG_DONE. */
	if (r && nlh->nlmsg_pid == r->portid)
		r->dump_pending = e->error == -EBUSY;
	if (e->error > 0 || e->error <= -4096)
		++*bad;
	else if (e->error < 0 && !*err)
		*err = e->error;		/* 0 is an ack */
}

/* r may be NULL (rtnl_parse). Reports links and returns how many; counts
 * malformed messages in *bad and keeps the first NLMSG_ERROR in *err. */
static int walk(struct rtnl *r, const void *buf, size_t len, rtnl_cb cb,
		void *ctx, unsigned *bad, int *err)
{
	const struct nlmsghdr *nlh = buf;
	struct rtnl_link l;
	int n = 0, ilen, ret;

	/* libmnl lengths are int; no single recv is this large. */
	if (len > INT32_MAX / 2) {
		++*bad;
		return 0;
	}
	ilen = (int)len;
	for (; msg_ok(nlh, ilen); nlh = mnl_nlmsg_next(nlh, &ilen)) {
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			if (r && nlh->nlmsg_pid == r->portid)
				r->dump_pending = false;
			continue;
		case NLMSG_ERROR:
			walk_error(r, nlh, bad, err);
			continue;
		case RTM_NEWLINK:
		case RTM_DELLINK:
			break;
		default:
			continue;	/* NOOP, other rtnetlink: not ours */
		}
		ret = parse_link(nlh, &l);
		if (ret < 0)
			++*bad;
		if (ret <= 0)
			continue;
		if (r)
			cache_update(r, &l);
		cb(ctx, &l);
		n++;
	}
	/* Bytes left that do not make a whole message: truncated. */
	if (ilen > 0)
		++*bad;
	return n;
}

int rtnl_parse(const void *buf, size_t len, rtnl_cb cb, void *ctx)
{
	unsigned bad = 0;
	int err = 0, n = walk(NULL, buf, len, cb, ctx, &bad, &err);

	if (err)
		return err;
	return bad ? -EINVAL : n;
}

int rtnl_feed(struct rtnl *r, const void *buf, size_t len, rtnl_cb cb,
	      void *ctx)
{
	unsigned bad = 0;
	int err = 0, n = walk(r, buf, len, cb, ctx, &bad, &err);

	r->errors += bad;
	return err ? err : n;
}

/* ---- socket ---------------------------------------------------------- */

int rtnl_new(struct rtnl **out)
{
	struct rtnl *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*out = r;
	return 0;
}

int rtnl_open(struct rtnl **out)
{
	struct rtnl *r;
	int fd, sz = RTNL_RCVBUF, ret;

	ret = rtnl_new(&r);
	if (ret < 0)
		return ret;
	*out = NULL;
	r->buf = malloc(RTNL_BUF_LEN);
	if (!r->buf) {
		ret = -ENOMEM;
		goto out;
	}
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!r->nl) {
		ret = -errno;
		goto out;
	}
	fd = mnl_socket_get_fd(r->nl);
	/* FORCE needs CAP_NET_ADMIN and passes rmem_max; without it the
	 * plain request is clamped, which is still better than the default. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(r->nl, NETLINK_ADD_MEMBERSHIP,
				  &(int){ RTNLGRP_LINK }, sizeof(int)) < 0) {
		ret = -errno;
		goto out;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	*out = r;
	r = NULL;	/* the caller owns it now */
	ret = 0;
out:
	rtnl_free(r);
	return ret;
}

int rtnl_fd(const struct rtnl *r)
{
	return r->nl ? mnl_socket_get_fd(r->nl) : -1;
}

uint64_t rtnl_errors(const struct rtnl *r)
{
	return r->errors;
}

bool rtnl_dump_pending(const struct rtnl *r)
{
	return r->dump_pending;
}

int rtnl_request_dump(struct rtnl *r)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg))];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (!r->nl)
		return -ENOTCONN;
	/* The kernel runs one dump per socket and answers -EBUSY. */
	if (r->dump_pending)
		return -EBUSY;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++r->seq ? r->seq : ++r->seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	r->dump_pending = true;
	return 0;
}

int rtnl_read(struct rtnl *r, rtnl_cb cb, void *ctx)
{
	struct sockaddr_nl sa;
	struct iovec iov;
	struct msghdr msg;
	bool overrun = false;
	unsigned bad;
	int n = 0, err;
	ssize_t len;

	if (!r->nl)
		return -ENOTCONN;
	for (int i = 0; i < RTNL_READ_MAX; i++) {
		iov = (struct iovec){ r->buf, RTNL_BUF_LEN };
		msg = (struct msghdr){ .msg_name = &sa,
				       .msg_namelen = sizeof(sa),
				       .msg_iov = &iov, .msg_iovlen = 1 };
		len = recvmsg(mnl_socket_get_fd(r->nl), &msg, 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* Overrun: the kernel dropped notifications. The
			 * queue behind it is intact: keep reading. Stop
			 * waiting for a dump in flight; if it is still
			 * running a new request says -EBUSY (walk_error). */
			if (errno == ENOBUFS) {
				overrun = true;
				r->dump_pending = false;
				continue;
			}
			return -errno;
		}
		/* A cut datagram lost changes: as good as an overrun. */
		if (msg.msg_flags & MSG_TRUNC) {
			r->errors++;
			overrun = true;
			continue;
		}
		/* Not from the kernel (port 0): a local process speaking
		 * for it. */
		if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0) {
			r->errors++;
			continue;
		}
		bad = 0;
		err = 0;
		n += walk(r, r->buf, (size_t)len, cb, ctx, &bad, &err);
		/* An NLMSG_ERROR here answers our dump request (-EBUSY,
		 * -EINTR...): the dump is over; it is counted, not fatal. */
		r->errors += bad + (err != 0 && err != -EBUSY);
	}
	return overrun ? -ENOBUFS : n;
}

void rtnl_free(struct rtnl *r)
{
	if (!r)
		return;
	if (r->nl)
		mnl_socket_close(r->nl);
	free(r->cache);
	free(r->buf);
	free(r);
}

int link_is_up(int fd, const char *name)
{
	struct ifreq ifr;

	if (fd < 0)
		return -EBADF;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	return !!(ifr.ifr_flags & IFF_UP);
}
