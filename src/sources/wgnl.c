// SPDX-License-Identifier: GPL-2.0
/* wgnl.c - kernel WireGuard over generic netlink (libmnl): link discovery
 * with RTM_GETLINK (IFLA_INFO_KIND "wireguard") and WG_CMD_GET_DEVICE
 * dumps. The message parser wgnl_parse_msg() is pure. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "base/wgdev.h"
#include "sources/wgnl.h"
#include "base/util.h"

#define WGNL_DUMP_TRIES		5
#define WGNL_RECV_TIMEOUT_S	5
/* The kernel sizes dump skbs from our receive buffer (up to 32 KiB). */
#define WGNL_BUF_SIZE		(32u << 10)

struct wgnl {
	struct mnl_socket *genl, *rtnl;
	uint16_t family_id;
	unsigned seq;
	char *buf;	/* receive buffer, wiped after each batch */
};

/* ---------------------------------------------------------------------- */
/* Pure parsing. Every attribute is bounds-checked (attr_next) and its
 * type and size validated before its payload is read. */

/* The attribute at p if a whole one fits in len bytes; NULL at the end
 * (len 0) or with *err = -EINVAL when what is left is not an attribute. */
static const struct nlattr *attr_first(const void *p, size_t len, int *err)
{
	*err = 0;
	if (len == 0)
		return NULL;
	if (len > INT32_MAX || !mnl_attr_ok(p, (int)len)) {
		*err = -EINVAL;
		return NULL;
	}
	return p;
}

/* The one after a (which attr_first accepted) before end. */
static const struct nlattr *attr_next(const struct nlattr *a, const char *end, int *err)
{
	size_t left = (size_t)(end - (const char *)a);	/* >= a->nla_len */
	size_t step = MNL_ALIGN(a->nla_len);

	*err = 0;
	if (step >= left)
		return NULL;	/* the last one may omit its tail padding */
	return attr_first((const char *)a + step, left - step, err);
}

#define for_each_attr(a, start, len, err)					\
	for (const char *_end = ((a) = attr_first((start), (len), (err)),	\
				 (const char *)(start) + (len));		\
	     (a); (a) = attr_next((a), _end, (err)))

#define for_each_nested(a, nest, err)						\
	for_each_attr(a, mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), err)

static bool payload_is(const struct nlattr *a, size_t len)
{
	return mnl_attr_get_payload_len(a) == len;
}

static int parse_allowedip(const struct nlattr *nest, struct wg_device *dev)
{
	const struct nlattr *tb[WGALLOWEDIP_A_MAX + 1] = { NULL };
	struct wg_allowedip aip = { 0 };
	const struct nlattr *a;
	size_t alen;
	int err;

	for_each_nested(a, nest, &err) {
		uint16_t type = mnl_attr_get_type(a);

		if (mnl_attr_type_valid(a, WGALLOWEDIP_A_MAX) < 0)
			continue;	/* newer kernel: skip */
		switch (type) {
		case WGALLOWEDIP_A_FAMILY:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EINVAL;
			break;
		case WGALLOWEDIP_A_CIDR_MASK:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EINVAL;
			break;
		case WGALLOWEDIP_A_IPADDR:
			if (!payload_is(a, 4) && !payload_is(a, 16))
				return -EINVAL;
			break;
		default:
			continue;
		}
		tb[type] = a;
	}
	if (err)
		return err;
	if (!tb[WGALLOWEDIP_A_FAMILY] || !tb[WGALLOWEDIP_A_IPADDR] ||
	    !tb[WGALLOWEDIP_A_CIDR_MASK])
		return -EINVAL;
	aip.family = mnl_attr_get_u16(tb[WGALLOWEDIP_A_FAMILY]);
	aip.cidr = mnl_attr_get_u8(tb[WGALLOWEDIP_A_CIDR_MASK]);
	alen = mnl_attr_get_payload_len(tb[WGALLOWEDIP_A_IPADDR]);
	if (aip.family == AF_INET && alen == 4 && aip.cidr <= 32)
		memcpy(&aip.ip4, mnl_attr_get_payload(tb[WGALLOWEDIP_A_IPADDR]), 4);
	else if (aip.family == AF_INET6 && alen == 16 && aip.cidr <= 128)
		memcpy(&aip.ip6, mnl_attr_get_payload(tb[WGALLOWEDIP_A_IPADDR]), 16);
	else
		return -EINVAL;
	return wg_device_add_aip(dev, &aip);
}

static int check_endpoint(const struct nlattr *a)
{
	sa_family_t family;

	if (mnl_attr_get_payload_len(a) < sizeof(family))
		return -EINVAL;
	memcpy(&family, mnl_attr_get_payload(a), sizeof(family));
	if (family == AF_INET && payload_is(a, sizeof(struct sockaddr_in)))
		return 0;
	if (family == AF_INET6 && payload_is(a, sizeof(struct sockaddr_in6)))
		return 0;
	return -EINVAL;
}

/* Validate one peer attribute; 1 = keep in tb, 0 = skip, <0 = malformed. */
static int check_peer_attr(const struct nlattr *a)
{
	if (mnl_attr_type_valid(a, WGPEER_A_MAX) < 0)
		return 0;
	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_PRESHARED_KEY:
		return 0;	/* secret: never stored, never copied */
	case WGPEER_A_PUBLIC_KEY:
		return payload_is(a, WG_KEY_LEN) ? 1 : -EINVAL;
	case WGPEER_A_ENDPOINT:
		return check_endpoint(a) < 0 ? -EINVAL : 1;
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		return mnl_attr_validate(a, MNL_TYPE_U16) < 0 ? -EINVAL : 1;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		return payload_is(a, sizeof(struct __kernel_timespec)) ? 1 : -EINVAL;
	case WGPEER_A_RX_BYTES:
	case WGPEER_A_TX_BYTES:
		return mnl_attr_validate(a, MNL_TYPE_U64) < 0 ? -EINVAL : 1;
	case WGPEER_A_ALLOWEDIPS:
		return mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ? -EINVAL : 1;
	case WGPEER_A_FLAGS:
	case WGPEER_A_PROTOCOL_VERSION:
		return mnl_attr_validate(a, MNL_TYPE_U32) < 0 ? -EINVAL : 0;
	default:
		return 0;
	}
}

/* The kernel splits a peer with many allowed IPs across messages: the
 * continuation repeats only PUBLIC_KEY (+ ALLOWEDIPS). A peer whose key
 * equals the last peer's continues it. */
static int parse_peer(const struct nlattr *nest, struct wg_device *dev)
{
	const struct nlattr *tb[WGPEER_A_MAX + 1] = { NULL };
	const struct nlattr *a;
	struct wg_peer *p;
	int err, ret;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return -EINVAL;
	for_each_nested(a, nest, &err) {
		ret = check_peer_attr(a);
		if (ret < 0)
			return ret;
		if (ret)
			tb[mnl_attr_get_type(a)] = a;
	}
	if (err)
		return err;
	if (!tb[WGPEER_A_PUBLIC_KEY])
		return -EINVAL;
	if (dev->n_peers && !memcmp(dev->peers[dev->n_peers - 1].public_key,
				    mnl_attr_get_payload(tb[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN)) {
		p = &dev->peers[dev->n_peers - 1];
	} else {
		p = wg_device_new_peer(dev);
		if (!p)
			return -ENOMEM;
		memcpy(p->public_key, mnl_attr_get_payload(tb[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN);
	}
	if (tb[WGPEER_A_ENDPOINT]) {
		memset(&p->endpoint, 0, sizeof(p->endpoint));
		memcpy(&p->endpoint, mnl_attr_get_payload(tb[WGPEER_A_ENDPOINT]),
		       mnl_attr_get_payload_len(tb[WGPEER_A_ENDPOINT]));
	}
	if (tb[WGPEER_A_LAST_HANDSHAKE_TIME]) {
		struct __kernel_timespec ts;

		memcpy(&ts, mnl_attr_get_payload(tb[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
		if (ts.tv_sec < 0)
			return -EINVAL;
		p->last_handshake_sec = ts.tv_sec;
	}
	if (tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL])
		p->keepalive = mnl_attr_get_u16(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
	if (tb[WGPEER_A_RX_BYTES])
		p->rx_bytes = mnl_attr_get_u64(tb[WGPEER_A_RX_BYTES]);
	if (tb[WGPEER_A_TX_BYTES])
		p->tx_bytes = mnl_attr_get_u64(tb[WGPEER_A_TX_BYTES]);
	if (tb[WGPEER_A_ALLOWEDIPS]) {
		for_each_nested(a, tb[WGPEER_A_ALLOWEDIPS], &err) {
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				return -EINVAL;
			ret = parse_allowedip(a, dev);
			if (ret < 0)
				return ret;
		}
		if (err)
			return err;
	}
	return 0;
}

/* Validate one device attribute; 1 = keep in tb, 0 = skip, <0 = malformed. */
static int check_device_attr(const struct nlattr *a)
{
	if (mnl_attr_type_valid(a, WGDEVICE_A_MAX) < 0)
		return 0;
	switch (mnl_attr_get_type(a)) {
	case WGDEVICE_A_IFINDEX:
	case WGDEVICE_A_FWMARK:
		return mnl_attr_validate(a, MNL_TYPE_U32) < 0 ? -EINVAL : 1;
	case WGDEVICE_A_IFNAME: {
		size_t len = mnl_attr_get_payload_len(a);

		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 || len > IFNAMSIZ ||
		    strnlen(mnl_attr_get_str(a), len) != len - 1 || len < 2)
			return -EINVAL;
		return 1;
	}
	case WGDEVICE_A_PRIVATE_KEY:
	case WGDEVICE_A_PUBLIC_KEY:
		return payload_is(a, WG_KEY_LEN) ? 1 : -EINVAL;
	case WGDEVICE_A_LISTEN_PORT:
		return mnl_attr_validate(a, MNL_TYPE_U16) < 0 ? -EINVAL : 1;
	case WGDEVICE_A_PEERS:
		return mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ? -EINVAL : 1;
	default:
		return 0;
	}
}

/* The kernel sends PUBLIC_KEY next to PRIVATE_KEY; derive only when it is
 * missing. Either way the private key is wiped from our stack at once. */
static int take_identity(const struct nlattr **tb, struct wg_device *dev)
{
	uint8_t priv[WG_KEY_LEN];
	int ret = 0;

	if (tb[WGDEVICE_A_PUBLIC_KEY]) {
		memcpy(dev->public_key, mnl_attr_get_payload(tb[WGDEVICE_A_PUBLIC_KEY]), WG_KEY_LEN);
		dev->has_public_key = !key_is_zero(dev->public_key);
		return 0;
	}
	if (!tb[WGDEVICE_A_PRIVATE_KEY])
		return 0;
	memcpy(priv, mnl_attr_get_payload(tb[WGDEVICE_A_PRIVATE_KEY]), WG_KEY_LEN);
	if (!key_is_zero(priv)) {
		ret = key_public_from_private(dev->public_key, priv);
		dev->has_public_key = ret == 0;
	}
	wipe(priv, sizeof(priv));
	return ret;
}

static int take_device(const struct nlattr **tb, struct wg_device *dev)
{
	if (tb[WGDEVICE_A_IFNAME]) {
		const char *name = mnl_attr_get_str(tb[WGDEVICE_A_IFNAME]);

		/* Every message of a dump names the same device. */
		if (dev->name[0] && strcmp(dev->name, name) != 0)
			return -EINVAL;
		memcpy(dev->name, name, strlen(name) + 1);
	}
	if (tb[WGDEVICE_A_IFINDEX]) {
		uint32_t idx = mnl_attr_get_u32(tb[WGDEVICE_A_IFINDEX]);

		if (dev->ifindex && dev->ifindex != idx)
			return -EINVAL;
		dev->ifindex = idx;
	}
	if (tb[WGDEVICE_A_LISTEN_PORT])
		dev->listen_port = mnl_attr_get_u16(tb[WGDEVICE_A_LISTEN_PORT]);
	if (tb[WGDEVICE_A_FWMARK])
		dev->fwmark = mnl_attr_get_u32(tb[WGDEVICE_A_FWMARK]);
	return take_identity(tb, dev);
}

int wgnl_parse_msg(const void *buf, size_t len, struct wg_device *dev)
{
	const struct nlattr *tb[WGDEVICE_A_MAX + 1] = { NULL };
	const struct nlmsghdr *nlh = buf;
	const struct nlattr *a;
	size_t off = MNL_ALIGN(sizeof(struct genlmsghdr));
	int err, ret;

	/* Netlink buffers are 4-byte aligned; attributes are read in place. */
	if ((uintptr_t)buf % NLMSG_ALIGNTO || len < sizeof(*nlh) || len > INT32_MAX ||
	    !mnl_nlmsg_ok(nlh, (int)len) || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + off)
		return -EINVAL;
	dev->impl = WG_IMPL_KERNEL;
	for_each_attr(a, (const char *)mnl_nlmsg_get_payload(nlh) + off,
		      nlh->nlmsg_len - MNL_NLMSG_HDRLEN - off, &err) {
		ret = check_device_attr(a);
		if (ret < 0)
			return ret;
		if (ret)
			tb[mnl_attr_get_type(a)] = a;
	}
	if (err)
		return err;
	ret = take_device(tb, dev);
	if (ret < 0)
		return ret;
	if (!tb[WGDEVICE_A_PEERS])
		return 0;
	for_each_nested(a, tb[WGDEVICE_A_PEERS], &err) {
		ret = parse_peer(a, dev);
		if (ret < 0)
			return ret;
	}
	return err;
}

size_t wgnl_build_get(void *buf, size_t len, unsigned family_id,
		      const char *ifname, unsigned seq)
{
	size_t nlen = strnlen(ifname, IFNAMSIZ);
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (nlen == 0 || nlen >= IFNAMSIZ || (uintptr_t)buf % NLMSG_ALIGNTO ||
	    len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)) + MNL_ATTR_HDRLEN + MNL_ALIGN(IFNAMSIZ))
		return 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	return nlh->nlmsg_len;
}

/* ---------------------------------------------------------------------- */
/* I/O */

static int sock_open(int bus, struct mnl_socket **out)
{
	struct timeval tv = { .tv_sec = WGNL_RECV_TIMEOUT_S };
	struct mnl_socket *s;
	int ret;

	*out = NULL;
	s = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!s)
		return -errno;
	/* A reply that never comes must not hang the daemon's only thread. */
	if (setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		goto fail;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	ret = -errno;
	mnl_socket_close(s);
	return ret;
}

typedef int (*wgnl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/* Send req and read its whole reply up to NLMSG_DONE / NLMSG_ERROR.
 * Messages of another sequence (left from an earlier failed request) are
 * skipped. The whole dump is always read, even after cb failed, so the
 * socket is in step for the next request. *intr is set when any message
 * carried NLM_F_DUMP_INTR. A socket error leaves the socket unusable:
 * the caller reopens it. */
static int run_request(struct mnl_socket *s, char *buf, struct nlmsghdr *req,
		       wgnl_msg_cb cb, void *data, bool *intr, bool *sock_bad)
{
	unsigned portid = mnl_socket_get_portid(s), seq = req->nlmsg_seq;
	int cb_err = 0;

	*intr = false;
	*sock_bad = false;
	if (mnl_socket_sendto(s, req, req->nlmsg_len) < 0)
		goto bad;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s, buf, WGNL_BUF_SIZE);
		const struct nlmsghdr *nlh = (const void *)buf;
		int rem = (int)n;
		int done = 0, ret = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto bad;
		}
		for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(e))
					memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
				ret = e < 0 ? e : 0;
				done = 1;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e;

				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e)) {
					ret = -EPROTO;
				} else {
					memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
					ret = e.error < 0 ? e.error : 0;
				}
				done = 1;
				break;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE || cb_err)
				continue;
			cb_err = cb(nlh, data);
		}
		/* The batch may hold a private key: gone before the next read. */
		wipe(buf, (size_t)n);
		if (done)
			return cb_err ? cb_err : ret;
	}
bad:
	*sock_bad = true;
	return errno ? -errno : -EIO;
}

static int genl_resolve_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;
	uint16_t *id = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EPROTO;
	for_each_attr(a, (const char *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(sizeof(struct genlmsghdr)),
		      mnl_nlmsg_get_payload_len(nlh) - MNL_ALIGN(sizeof(struct genlmsghdr)), &err) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*id = mnl_attr_get_u16(a);
	}
	return err;
}

static int genl_resolve(struct wgnl *nl)
{
	char req[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	bool intr, bad;
	int ret;

	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	nl->family_id = 0;
	ret = run_request(nl->genl, nl->buf, nlh, genl_resolve_cb, &nl->family_id, &intr, &bad);
	if (ret < 0)
		return ret;	/* -ENOENT: no such family, no module */
	return nl->family_id ? 0 : -ENOENT;
}

void wgnl_free(struct wgnl *nl)
{
	if (!nl)
		return;
	if (nl->genl)
		mnl_socket_close(nl->genl);
	if (nl->rtnl)
		mnl_socket_close(nl->rtnl);
	free(nl->buf);
	free(nl);
}

/* The handle with both sockets open, the family not asked for yet. */
static int handle_new(struct wgnl **out)
{
	struct wgnl *nl;
	int ret;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->seq = (unsigned)time(NULL);
	nl->buf = aligned_alloc(NLMSG_ALIGNTO * 2, WGNL_BUF_SIZE);
	ret = nl->buf ? 0 : -ENOMEM;
	if (!ret)
		ret = sock_open(NETLINK_GENERIC, &nl->genl);
	if (!ret)
		ret = sock_open(NETLINK_ROUTE, &nl->rtnl);
	if (ret < 0) {
		wgnl_free(nl);
		return ret;
	}
	*out = nl;
	return 0;
}

int wgnl_retry(struct wgnl **idle, struct wgnl **out)
{
	int ret;

	*out = NULL;
	if (!*idle && (ret = handle_new(idle)) < 0)
		return ret;
	ret = genl_resolve(*idle);
	if (ret == 0) {
		*out = *idle;	/* the caller owns it now */
		*idle = NULL;
	} else if (ret != -ENOENT) {
		wgnl_free(*idle);	/* a socket error: start afresh next time */
		*idle = NULL;
	}
	return ret;
}

int wgnl_open(struct wgnl **out)
{
	struct wgnl *idle = NULL;
	int ret = wgnl_retry(&idle, out);

	wgnl_free(idle);
	return ret;
}

/* After a socket error the stream may be out of step: start afresh. */
static int reopen(struct wgnl *nl, int bus)
{
	struct mnl_socket **s = bus == NETLINK_ROUTE ? &nl->rtnl : &nl->genl;

	if (*s)
		mnl_socket_close(*s);
	*s = NULL;
	return sock_open(bus, s);
}

struct list_ctx {
	char (*names)[IFNAMSIZ];
	size_t max, n;
	bool overflow;
};

static bool link_is_wireguard(const struct nlattr *linkinfo)
{
	const struct nlattr *a;
	int err;

	if (mnl_attr_validate(linkinfo, MNL_TYPE_NESTED) < 0)
		return false;
	for_each_nested(a, linkinfo, &err) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
		    strcmp(mnl_attr_get_str(a), "wireguard") == 0)
			return true;
	}
	return false;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list_ctx *c = data;
	const struct nlattr *a;
	const char *name = NULL;
	bool wg = false;
	size_t off = MNL_ALIGN(sizeof(struct ifinfomsg));
	int err;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < off)
		return 0;
	for_each_attr(a, (const char *)mnl_nlmsg_get_payload(nlh) + off,
		      mnl_nlmsg_get_payload_len(nlh) - off, &err) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
			    mnl_attr_get_payload_len(a) <= IFNAMSIZ)
				name = mnl_attr_get_str(a);
			break;
		case IFLA_LINKINFO:
			wg = link_is_wireguard(a);
			break;
		}
	}
	if (err)
		return err;
	if (!wg || !name || !name[0])
		return 0;
	if (c->n == c->max) {
		c->overflow = true;
		return 0;
	}
	memcpy(c->names[c->n++], name, strlen(name) + 1);
	return 0;
}

int wgnl_list(struct wgnl *nl, char (*names)[IFNAMSIZ], size_t max, size_t *n)
{
	char req[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg))] __attribute__((aligned(4)));
	struct list_ctx c = { .names = names, .max = max };
	struct nlmsghdr *nlh;
	bool intr = false, bad;
	int ret = 0;

	*n = 0;
	for (int i = 0; i < WGNL_DUMP_TRIES; i++) {
		if (!nl->rtnl && (ret = reopen(nl, NETLINK_ROUTE)) < 0)
			return ret;
		nlh = mnl_nlmsg_put_header(req);
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = ++nl->seq;
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
		c.n = 0;
		c.overflow = false;
		ret = run_request(nl->rtnl, nl->buf, nlh, list_cb, &c, &intr, &bad);
		if (bad)
			reopen(nl, NETLINK_ROUTE);
		if (ret < 0 || !intr)
			break;
	}
	*n = c.n;
	if (ret < 0)
		return ret;
	/* wg(8) works with an interrupted link dump as it is (links come and
	 * go on busy hosts). We retry first; if it stays interrupted the names
	 * are still returned, with -EINTR, so a caller never mistakes a
	 * partial list for "that interface is gone". */
	if (intr)
		return -EINTR;
	return c.overflow ? -ENOSPC : 0;
}

struct get_ctx {
	struct wg_device *dev;
	struct wg_stream *stream;
	const char *ifname;
};

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *g = data;
	int ret = wgnl_parse_msg(nlh, nlh->nlmsg_len, g->dev);

	if (ret < 0 || !g->stream)
		return ret;
	/* Nothing about another device reaches the stream's consumer. */
	if (g->dev->name[0] && strcmp(g->dev->name, g->ifname) != 0)
		return -EPROTO;
	return wg_stream_offer(g->stream, g->dev);
}

int wgnl_get_device(struct wgnl *nl, const char *ifname, struct wg_device *dev)
{
	return wgnl_stream_device(nl, ifname, dev, NULL);
}

int wgnl_stream_device(struct wgnl *nl, const char *ifname, struct wg_device *dev,
		       struct wg_stream *s)
{
	struct get_ctx g = { .dev = dev, .stream = s, .ifname = ifname };
	char req[256] __attribute__((aligned(4)));
	bool intr = false, bad;
	int ret = -EINTR;

	wg_device_clear(dev);
	for (int i = 0; i < WGNL_DUMP_TRIES; i++) {
		size_t len;

		if (!nl->genl && (ret = reopen(nl, NETLINK_GENERIC)) < 0)
			break;
		len = wgnl_build_get(req, sizeof(req), nl->family_id, ifname, ++nl->seq);
		if (!len) {
			ret = -EINVAL;
			break;
		}
		wg_device_clear(dev);
		if (s)
			s->keep = false;
		ret = run_request(nl->genl, nl->buf, (struct nlmsghdr *)req, get_cb, &g, &intr, &bad);
		if (bad)
			reopen(nl, NETLINK_GENERIC);
		/* The peer list changed mid-dump: the view may miss or repeat
		 * peers, so it is thrown away and the dump retried. Chunks a
		 * stream already took stand: the retry hands every peer on
		 * again (a peer seen twice is observed twice, as a key listed
		 * twice; one removed in between is taken for gone a pass
		 * later). */
		if (ret == 0 && intr)
			ret = -EINTR;
		if (ret == 0 && dev->name[0] && strcmp(dev->name, ifname) != 0)
			ret = -EPROTO;	/* an answer about another device */
		if (ret != -EINTR)
			break;
	}
	if (ret < 0) {
		wg_device_clear(dev);
		return ret;
	}
	dev->impl = WG_IMPL_KERNEL;
	if (!dev->name[0])
		memcpy(dev->name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	return 0;
}
