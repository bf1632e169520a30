// SPDX-License-Identifier: GPL-2.0
/* wg.bpf.c - eBPF programs on the WireGuard module's own functions
 * (WIREGUARD-FACTS.md section 6). One handshake message is followed from
 * wg_receive_handshake_packet() through the functions that decide its
 * fate (mac check, key lookup, consume) to its exit, where its verdict is
 * counted in a fold map: one entry per second, interface, source, verdict
 * and key. Counting happens here, so the counts are exact at any packet
 * rate; the agent reads each second's entries once the second is over.
 *
 * CO-RE without vmlinux.h: the few kernel and module types used are
 * declared below with only the fields read, marked preserve_access_index;
 * libbpf relocates every access against the running kernel's BTF (the
 * module's own BTF for the WireGuard types). Nothing secret is read: of
 * the handshake only remote_static (a public key) and a time stamp; of
 * the interface's identity only static_public and has_identity. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sources/bpf/wgbpf.h"

#define AF_INET		2
#define AF_INET6	10
#define MSG_INITIATION	1
#define MSG_RESPONSE	2
#define MSG_COOKIE	3
/* cookie.h enum cookie_mac_state */
#define INVALID_MAC			0
#define VALID_MAC_BUT_NO_COOKIE		1
#define VALID_MAC_WITH_COOKIE_BUT_RATELIMITED 2
#define VALID_MAC_WITH_COOKIE		3
/* noise.c: 1 s / INITIATIONS_PER_SECOND; plus a tick, because the module
 * compares against the coarse clock and we read the fine one. */
#define FLOOD_NS	(20000000ULL + 4000000ULL)

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct ns_common { unsigned int inum; };
struct net { struct ns_common ns; };
typedef struct { struct net *net; } possible_net_t;
struct rtnl_link_ops { const char *kind; };
struct net_device {
	char name[16];
	int ifindex;
	possible_net_t nd_net;
	const struct rtnl_link_ops *rtnl_link_ops;
};
struct sk_buff {
	unsigned char *head, *data;
	__u16 transport_header, network_header;
};
struct in_addr { __u32 s_addr; };
/* s6_addr is a macro for in6_u.u6_addr8: CO-RE needs the real names. */
struct in6_addr { union { __u8 u6_addr8[16]; } in6_u; };
struct sockaddr { __u16 sa_family; };
struct sockaddr_in { __u16 sin_family; __u16 sin_port; struct in_addr sin_addr; };
struct sockaddr_in6 {
	__u16 sin6_family;
	__u16 sin6_port;
	__u32 sin6_flowinfo;
	struct in6_addr sin6_addr;
};
struct endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
};
struct noise_handshake {
	__u64 last_initiation_consumption;
	__u8 remote_static[32];
};
/* Of the identity, only the public half is declared: the private key is
 * never read. */
struct noise_static_identity {
	__u8 static_public[32];
	bool has_identity;
};
struct wg_device {
	struct net_device *dev;
	struct noise_static_identity static_identity;
	__u16 incoming_port;
};
struct wg_peer {
	struct wg_device *device;
	struct endpoint endpoint;
	struct noise_handshake handshake;
};
struct noise_keypairs;
struct cookie_checker;
struct pubkey_hashtable;
struct message_handshake_initiation;
struct message_handshake_response;
struct genl_info;
/* The caller's cgroup (v2): current->cgroups->dfl_cgrp->kn->name. */
struct kernfs_node { const char *name; };
struct cgroup { struct kernfs_node *kn; };
struct css_set { struct cgroup *dfl_cgrp; };
struct task_struct { struct css_set *cgroups; };
#pragma clang attribute pop

/* Set by the loader before load: the agent's network namespace (0: all). */
const volatile __u32 netns_ino = 0;
/* Ring buffer records that found it full (the agent reports them). */
__u64 rec_lost = 0;
/* The module's own time in wg_receive_handshake_packet (entry to exit,
 * our nested programs included), for the agent's statistics. */
__u64 hs_ns = 0, hs_n = 0;

/* One handshake message on its way through the handshake worker. */
struct hs_ctx {
	struct wgb_fold_key k;
	char ifname[WGB_IFNAMSIZ];
	__u64 last_consumption;
	__u64 t0;		/* bpf_ktime_get_ns() at entry */
	__s32 mac;		/* enum cookie_mac_state, -1 = not checked */
	__u8 under_load;
	__u8 lookup;		/* 0 none, 1 found, 2 no such peer */
	__u8 consumed;		/* 0 not tried, 1 peer, 2 NULL */
	__u8 type;
	__u8 live;		/* between entry and exit */
};

/* Per task (the handshake worker can sleep inside, on the handshake's
 * rw_semaphore, so not per CPU): no hashing, freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct hs_ctx);
} hs SEC(".maps");

/* One WG_CMD_SET_DEVICE in the calling process: the interface it names
 * (found when lookup_interface() gets the device) and what it was. */
struct nl_ctx {
	__u64 wg;		/* struct wg_device *, 0 = not (yet) ours */
	__u8 prev_pub[WGB_KEY_LEN];
	__u16 prev_port;
	__u8 prev_has;
	__u8 key_set;		/* wg_noise_set_static_identity_private_key ran */
	__u8 looked;		/* the first device lookup was seen */
	__u8 live;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct nl_ctx);
} nl SEC(".maps");

/* The datagram wg_packet_receive() is handling on this CPU (softirq: it
 * does not nest), so that a drop inside it can be told from the other
 * callers of wg_socket_endpoint_from_skb(). */
struct rx_cur {
	__u64 skb;
	__u64 wg;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rx_cur);
} rxcur SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGB_FOLD_MAX);
	__type(key, struct wgb_fold_key);
	__type(value, struct wgb_fold_val);
} folds SEC(".maps");

/* Counts that found the fold map full, by verdict * WGB_R_MAX + reason:
 * still exact, without a source. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WGB_VERDICT_MAX * WGB_R_MAX);
	__type(key, __u32);
	__type(value, __u64);
} overflow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

static __always_inline int dev_in_scope(struct net_device *dev)
{
	if (!netns_ino)
		return 1;
	return BPF_CORE_READ(dev, nd_net.net, ns.inum) == netns_ino;
}

static __always_inline struct hs_ctx *hs_get(void)
{
	struct hs_ctx *c = bpf_task_storage_get(&hs, bpf_get_current_task_btf(), 0, 0);

	return c && c->live ? c : NULL;
}

static __always_inline void endpoint_read(const struct endpoint *ep, __u8 *family,
					  __u16 *port, __u8 *addr)
{
	__u16 fam = BPF_CORE_READ(ep, addr.sa_family);

	*family = 0;
	if (fam == AF_INET) {
		__u32 a = BPF_CORE_READ(ep, addr4.sin_addr.s_addr);

		__builtin_memcpy(addr, &a, 4);
		*port = bpf_ntohs(BPF_CORE_READ(ep, addr4.sin_port));
		*family = AF_INET;
	} else if (fam == AF_INET6) {
		bpf_core_read(addr, 16, &ep->addr6.sin6_addr.in6_u.u6_addr8);
		*port = bpf_ntohs(BPF_CORE_READ(ep, addr6.sin6_port));
		*family = AF_INET6;
	}
}

static __always_inline void notify_new(const struct wgb_fold_key *k, __u64 now)
{
	struct wgb_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r)
		return;	/* the agent's own flush tick still finds the entry */
	__builtin_memset(r, 0, sizeof(*r));
	r->type = WGB_REC_FOLD_NEW;
	r->sec = k->sec;
	r->ts_ns = now;
	bpf_ringbuf_submit(r, 0);
}

static __always_inline void fold(struct wgb_fold_key *k, const char *ifname, __u64 now)
{
	struct wgb_fold_val *v, nv = {};
	__u32 idx;
	__u64 *c;

	v = bpf_map_lookup_elem(&folds, k);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	nv.count = 1;
	nv.first_ns = now;
	__builtin_memcpy(nv.ifname, ifname, WGB_IFNAMSIZ);
	if (bpf_map_update_elem(&folds, k, &nv, BPF_NOEXIST) == 0) {
		notify_new(k, now);
		return;
	}
	v = bpf_map_lookup_elem(&folds, k);	/* another CPU created it first */
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	idx = (__u32)k->verdict * WGB_R_MAX + k->reason;
	c = bpf_map_lookup_elem(&overflow, &idx);
	if (c)
		*c += 1;
}

/* The source as the log prints it: the packet's IP and UDP headers. */
static __always_inline void skb_source(const struct sk_buff *skb, struct wgb_fold_key *k)
{
	unsigned char *head = BPF_CORE_READ(skb, head), *nh;
	__u8 vihl = 0;
	__u16 port = 0;

	nh = head + BPF_CORE_READ(skb, network_header);
	bpf_probe_read_kernel(&vihl, 1, nh);
	if ((vihl >> 4) == 4) {
		bpf_probe_read_kernel(k->addr, 4, nh + 12);
		k->family = AF_INET;
	} else if ((vihl >> 4) == 6) {
		bpf_probe_read_kernel(k->addr, 16, nh + 8);
		k->family = AF_INET6;
	}
	bpf_probe_read_kernel(&port, 2, head + BPF_CORE_READ(skb, transport_header));
	k->port = bpf_ntohs(port);
}

SEC("fentry/wg_receive_handshake_packet")
int BPF_PROG(hs_enter, struct wg_device *wg, struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(wg, dev);
	unsigned char *data;
	struct hs_ctx *c;
	__u32 type = 0;

	if (!dev_in_scope(dev))
		return 0;
	c = bpf_task_storage_get(&hs, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return 0;
	__builtin_memset(c, 0, sizeof(*c));
	data = BPF_CORE_READ(skb, data);
	bpf_probe_read_kernel(&type, sizeof(type), data);
	c->type = (__u8)type;
	c->mac = -1;
	c->k.ifindex = BPF_CORE_READ(dev, ifindex);
	bpf_core_read(c->ifname, sizeof(c->ifname), &dev->name);
	skb_source(skb, &c->k);
	c->t0 = bpf_ktime_get_ns();
	c->live = 1;
	return 0;
}

SEC("fexit/wg_cookie_validate_packet")
int BPF_PROG(hs_mac, struct cookie_checker *checker, struct sk_buff *skb, bool check_cookie,
	     int ret)
{
	struct hs_ctx *c = hs_get();

	if (c) {
		c->mac = ret;
		c->under_load = check_cookie;
	}
	return 0;
}

/* Inside an initiation the looked-up key is the initiator's decrypted
 * static key. Netlink calls this too (wg set): no hs entry there. */
SEC("fexit/wg_pubkey_hashtable_lookup")
int BPF_PROG(hs_lookup, struct pubkey_hashtable *table, const __u8 *pubkey, struct wg_peer *ret)
{
	struct hs_ctx *c = hs_get();

	if (!c || c->type != MSG_INITIATION)
		return 0;
	bpf_probe_read_kernel(c->k.key, WGB_KEY_LEN, pubkey);
	if (ret) {
		c->lookup = 1;
		c->last_consumption = BPF_CORE_READ(ret, handshake.last_initiation_consumption);
	} else {
		c->lookup = 2;
	}
	return 0;
}

SEC("fexit/wg_noise_handshake_consume_initiation")
int BPF_PROG(hs_init, struct message_handshake_initiation *src, struct wg_device *wg,
	     struct wg_peer *ret)
{
	struct hs_ctx *c = hs_get();

	if (!c)
		return 0;
	c->consumed = ret ? 1 : 2;
	if (ret)
		bpf_core_read(c->k.key, WGB_KEY_LEN, &ret->handshake.remote_static);
	return 0;
}

SEC("fexit/wg_noise_handshake_consume_response")
int BPF_PROG(hs_resp, struct message_handshake_response *src, struct wg_device *wg,
	     struct wg_peer *ret)
{
	struct hs_ctx *c = hs_get();

	if (!c)
		return 0;
	c->consumed = ret ? 1 : 2;
	if (ret)
		bpf_core_read(c->k.key, WGB_KEY_LEN, &ret->handshake.remote_static);
	return 0;
}

/* The verdict, decided as receive.c decides it. */
static __always_inline void hs_verdict(struct hs_ctx *c, __u64 now)
{
	struct wgb_fold_key *k = &c->k;
	int ok_mac;

	if (c->type == MSG_COOKIE) {
		k->verdict = WGB_COOKIE_RECV;
		return;
	}
	ok_mac = (c->under_load && c->mac == VALID_MAC_WITH_COOKIE) ||
		 (!c->under_load && c->mac == VALID_MAC_BUT_NO_COOKIE);
	if (!ok_mac) {
		__builtin_memset(k->key, 0, WGB_KEY_LEN);
		if (c->under_load && c->mac == VALID_MAC_BUT_NO_COOKIE) {
			k->verdict = WGB_COOKIE_SENT;
			k->reason = WGB_R_UNDER_LOAD;
		} else {
			k->verdict = WGB_BAD_MAC;
			k->reason = c->mac == VALID_MAC_WITH_COOKIE_BUT_RATELIMITED ?
				    WGB_R_UNDER_LOAD : WGB_R_BAD_MAC;
		}
		return;
	}
	if (c->type == MSG_RESPONSE) {
		k->verdict = c->consumed == 1 ? WGB_RESP_OK : WGB_RESP_BAD;
		if (c->consumed == 1) {
			k->kflags = WGB_KF_PEER;
		} else {
			k->reason = WGB_R_DECRYPT_FAILED;
			__builtin_memset(k->key, 0, WGB_KEY_LEN);
		}
		return;
	}
	if (c->consumed == 1) {
		k->verdict = WGB_INIT_OK;
		k->kflags = WGB_KF_PEER;
		return;
	}
	k->verdict = WGB_INIT_BAD;
	if (c->lookup == 2) {
		k->reason = WGB_R_UNKNOWN_PEER;
		k->kflags = WGB_KF_CLAIMED;
	} else if (c->lookup == 1) {
		/* The key is known: the timestamp was old (replay) or came
		 * within 20 ms of the last accepted one (flood). */
		k->reason = now - c->last_consumption < FLOOD_NS ? WGB_R_TOO_SOON : WGB_R_REPLAY;
		k->kflags = WGB_KF_PEER;
	} else {
		k->reason = WGB_R_DECRYPT_FAILED;
		__builtin_memset(k->key, 0, WGB_KEY_LEN);
	}
}

SEC("fexit/wg_receive_handshake_packet")
int BPF_PROG(hs_exit, struct wg_device *wg, struct sk_buff *skb)
{
	struct hs_ctx *c = hs_get();
	__u64 now = bpf_ktime_get_boot_ns();

	if (!c)
		return 0;
	__sync_fetch_and_add(&hs_ns, bpf_ktime_get_ns() - c->t0);
	__sync_fetch_and_add(&hs_n, 1);
	if (c->type >= MSG_INITIATION && c->type <= MSG_COOKIE &&
	    (c->type == MSG_COOKIE || c->mac >= 0)) {
		hs_verdict(c, now);
		c->k.sec = (__u32)(now / 1000000000ULL);
		fold(&c->k, c->ifname, now);
	}
	c->live = 0;
	return 0;
}

/* A session derived (both roles): counted per peer like the messages. */
SEC("fexit/wg_noise_handshake_begin_session")
int BPF_PROG(hs_session, struct noise_handshake *handshake, struct noise_keypairs *keypairs,
	     bool ret)
{
	struct wg_peer *peer;
	struct net_device *dev;
	struct wgb_fold_key k = {};
	char ifname[WGB_IFNAMSIZ];
	__u64 now;

	if (!ret)
		return 0;
	peer = (void *)handshake - bpf_core_field_offset(struct wg_peer, handshake);
	dev = BPF_CORE_READ(peer, device, dev);
	if (!dev_in_scope(dev))
		return 0;
	now = bpf_ktime_get_boot_ns();
	k.sec = (__u32)(now / 1000000000ULL);
	k.ifindex = BPF_CORE_READ(dev, ifindex);
	k.verdict = WGB_KEYPAIR;
	k.kflags = WGB_KF_PEER;
	bpf_core_read(k.key, WGB_KEY_LEN, &peer->handshake.remote_static);
	endpoint_read(&peer->endpoint, &k.family, &k.port, k.addr);
	bpf_core_read(ifname, sizeof(ifname), &dev->name);
	fold(&k, ifname, now);
	return 0;
}

static __always_inline struct wgb_rec *rec_new(__u32 type, struct net_device *dev)
{
	struct wgb_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&rec_lost, 1);
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->type = type;
	r->ts_ns = bpf_ktime_get_boot_ns();
	r->ifindex = BPF_CORE_READ(dev, ifindex);
	bpf_core_read(r->ifname, sizeof(r->ifname), &dev->name);
	return r;
}

static __always_inline int addr_eq(const __u8 *a, const __u8 *b)
{
	__u8 d = 0;

	for (int i = 0; i < 16; i++)
		d |= a[i] ^ b[i];
	return !d;
}

/* Every authenticated packet passes here (hot path): only a real change
 * of the remote address or port leaves a record. */
SEC("fentry/wg_socket_set_peer_endpoint")
int BPF_PROG(ep_set, struct wg_peer *peer, const struct endpoint *endpoint)
{
	__u8 fam, pfam, addr[16] = {}, paddr[16] = {};
	__u16 port = 0, pport = 0;
	struct net_device *dev;
	struct wgb_rec *r;

	endpoint_read(endpoint, &fam, &port, addr);
	endpoint_read(&peer->endpoint, &pfam, &pport, paddr);
	if (!fam || (fam == pfam && port == pport && addr_eq(addr, paddr)))
		return 0;
	dev = BPF_CORE_READ(peer, device, dev);
	if (!dev_in_scope(dev))
		return 0;
	r = rec_new(WGB_REC_ENDPOINT, dev);
	if (!r)
		return 0;
	r->family = fam;
	r->port = port;
	__builtin_memcpy(r->addr, addr, 16);
	r->prev_family = pfam;
	r->prev_port = pport;
	__builtin_memcpy(r->prev_addr, paddr, 16);
	bpf_core_read(r->key, WGB_KEY_LEN, &peer->handshake.remote_static);
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* The process that made a change over netlink, and the leaf name of its
 * cgroup v2 (a systemd unit's: "wg-quick@wg0.service"); the agent keeps
 * only unit-like names. A name that does not fit is left out, not cut. */
static __always_inline void caller_read(struct wgb_rec *r)
{
	struct task_struct *t = bpf_get_current_task_btf();
	const char *name;
	long n;

	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	name = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, name);
	if (!name)
		return;
	n = bpf_probe_read_kernel_str(r->unit, sizeof(r->unit), name);
	if (n <= 0 || n >= (long)sizeof(r->unit))
		r->unit[0] = '\0';
}

/* Peers made and removed over generic netlink: the genetlink doit runs
 * in the calling process (WIREGUARD-FACTS.md section 6, lab-verified). */
static __always_inline int peer_rec(__u32 type, struct wg_peer *peer)
{
	struct net_device *dev = BPF_CORE_READ(peer, device, dev);
	struct wgb_rec *r;

	if (!dev_in_scope(dev))
		return 0;
	r = rec_new(type, dev);
	if (!r)
		return 0;
	bpf_core_read(r->key, WGB_KEY_LEN, &peer->handshake.remote_static);
	caller_read(r);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("fexit/wg_peer_create")
int BPF_PROG(peer_create, struct wg_device *wg, const __u8 *pubkey, const __u8 *psk,
	     struct wg_peer *ret)
{
	if ((unsigned long)ret >= (unsigned long)-4095 || !ret)
		return 0;	/* ERR_PTR */
	return peer_rec(WGB_REC_PEER_ADDED, ret);
}

SEC("fentry/wg_peer_remove")
int BPF_PROG(peer_remove, struct wg_peer *peer)
{
	return peer_rec(WGB_REC_PEER_REMOVED, peer);
}

/* WG_CMD_SET_DEVICE (wg set, wg setconf, wg-quick): the listen port and the
 * private key, as the interface had them when the call found it and as it
 * left them. set_port() is inlined into wg_set_device(), so the interface
 * is taken from the device lookup the call starts with (lookup_interface:
 * dev_get_by_name or dev_get_by_index, in this task). */
static __always_inline struct nl_ctx *nl_get(void)
{
	struct nl_ctx *c = bpf_task_storage_get(&nl, bpf_get_current_task_btf(), 0, 0);

	return c && c->live ? c : NULL;
}

SEC("fentry/wg_set_device")
int BPF_PROG(nl_enter, struct sk_buff *skb, struct genl_info *info)
{
	struct nl_ctx *c = bpf_task_storage_get(&nl, bpf_get_current_task_btf(), 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (c) {
		__builtin_memset(c, 0, sizeof(*c));
		c->live = 1;
	}
	return 0;
}

static __always_inline int is_wireguard(struct net_device *dev)
{
	static const char want[] = "wireguard";
	const char *kind = BPF_CORE_READ(dev, rtnl_link_ops, kind);
	char s[sizeof(want)] = {};

	if (!kind || bpf_probe_read_kernel_str(s, sizeof(s), kind) != sizeof(want))
		return 0;
	for (int i = 0; i < (int)sizeof(want); i++)
		if (s[i] != want[i])
			return 0;
	return 1;
}

static __always_inline void nl_found(struct net_device *dev)
{
	struct nl_ctx *c = nl_get();
	struct wg_device *wg;

	if (!c || c->looked || !dev)
		return;
	c->looked = 1;
	if (!is_wireguard(dev) || !dev_in_scope(dev))
		return;
	/* netdev_priv(): the private area follows the aligned net_device. */
	wg = (void *)dev + ((bpf_core_type_size(struct net_device) + 31) & ~31);
	if (BPF_CORE_READ(wg, dev) != dev)
		return;
	c->wg = (__u64)wg;
	c->prev_port = BPF_CORE_READ(wg, incoming_port);
	c->prev_has = BPF_CORE_READ(wg, static_identity.has_identity);
	bpf_core_read(c->prev_pub, WGB_KEY_LEN, &wg->static_identity.static_public);
}

SEC("fexit/dev_get_by_name")
int BPF_PROG(nl_byname, struct net *net, const char *name, struct net_device *ret)
{
	nl_found(ret);
	return 0;
}

SEC("fexit/dev_get_by_index")
int BPF_PROG(nl_byindex, struct net *net, int ifindex, struct net_device *ret)
{
	nl_found(ret);
	return 0;
}

/* Only that it ran: the key argument is never read. The module calls it
 * only for a key different from the one it has. */
SEC("fexit/wg_noise_set_static_identity_private_key")
int BPF_PROG(nl_key, struct noise_static_identity *identity, const __u8 *private_key)
{
	struct nl_ctx *c = nl_get();

	if (c)
		c->key_set = 1;
	return 0;
}

SEC("fexit/wg_set_device")
int BPF_PROG(nl_exit, struct sk_buff *skb, struct genl_info *info, int ret)
{
	struct nl_ctx *c = nl_get();
	struct wg_device *wg;
	struct wgb_rec *r;
	__u16 port;

	if (!c)
		return 0;
	c->live = 0;
	if (!c->wg)
		return 0;
	wg = (struct wg_device *)c->wg;
	port = BPF_CORE_READ(wg, incoming_port);
	if (port == c->prev_port && !c->key_set)
		return 0;	/* nothing of the interface itself changed */
	r = rec_new(WGB_REC_IFACE_CHANGED, BPF_CORE_READ(wg, dev));
	if (!r)
		return 0;
	if (port != c->prev_port) {
		r->what |= WGB_IC_PORT;
		r->port = port;
		r->prev_port = c->prev_port;
	}
	if (c->key_set) {
		r->what |= WGB_IC_KEY;
		if (BPF_CORE_READ(wg, static_identity.has_identity))
			bpf_core_read(r->key, WGB_KEY_LEN, &wg->static_identity.static_public);
		else
			r->what |= WGB_IC_KEY_NONE;
		if (c->prev_has) {
			r->what |= WGB_IC_KEY_HAD;
			__builtin_memcpy(r->prev_key, c->prev_pub, WGB_KEY_LEN);
		}
	}
	caller_read(r);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* Handshake packets dropped because the handshake queue is full
 * (receive.c wg_packet_receive, "Dropping handshake packet"). Nothing is
 * called on that path but the endpoint read for the (debug) log line, and
 * within wg_packet_receive() only there: a call to it while this CPU is
 * inside wg_packet_receive() for the same skb is the drop. Every inbound
 * datagram passes here (hot path): two stores, no reads. */
SEC("fentry/wg_packet_receive")
int BPF_PROG(drop_enter, struct wg_device *wg, struct sk_buff *skb)
{
	__u32 zero = 0;
	struct rx_cur *c = bpf_map_lookup_elem(&rxcur, &zero);

	if (c) {
		c->skb = (__u64)skb;
		c->wg = (__u64)wg;
	}
	return 0;
}

SEC("fexit/wg_packet_receive")
int BPF_PROG(drop_exit, struct wg_device *wg, struct sk_buff *skb)
{
	__u32 zero = 0;
	struct rx_cur *c = bpf_map_lookup_elem(&rxcur, &zero);

	if (c)
		c->skb = 0;
	return 0;
}

SEC("fentry/wg_socket_endpoint_from_skb")
int BPF_PROG(drop_mark, struct endpoint *endpoint, const struct sk_buff *skb)
{
	__u32 zero = 0;
	struct rx_cur *c = bpf_map_lookup_elem(&rxcur, &zero);
	struct wgb_fold_key k = {};
	char ifname[WGB_IFNAMSIZ];
	struct net_device *dev;
	struct wg_device *wg;
	__u64 now;

	if (!c || !c->skb || c->skb != (__u64)skb)
		return 0;
	c->skb = 0;	/* one drop per datagram */
	/* Out of the map first: inside BPF_CORE_READ, c->wg would be
	 * relocated as a kernel type's field. */
	wg = (struct wg_device *)c->wg;
	dev = BPF_CORE_READ(wg, dev);
	if (!dev_in_scope(dev))
		return 0;
	now = bpf_ktime_get_boot_ns();
	k.sec = (__u32)(now / 1000000000ULL);
	k.ifindex = BPF_CORE_READ(dev, ifindex);
	k.verdict = WGB_HS_DROPPED;
	skb_source(skb, &k);
	bpf_core_read(ifname, sizeof(ifname), &dev->name);
	fold(&k, ifname, now);
	return 0;
}
