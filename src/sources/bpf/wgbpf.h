// SPDX-License-Identifier: GPL-2.0
/* wgbpf.h - what wg.bpf.c and its loader share: the fold key/value the
 * programs count in (one entry per boot-time second, interface, source,
 * verdict and key) and the ring buffer records. Plain fixed-size C types
 * only, so the BPF side (clang -target bpf) and the agent agree on every
 * byte. */
#ifndef WGAUDIT_WGBPF_H
#define WGAUDIT_WGBPF_H

#define WGB_KEY_LEN	32
#define WGB_IFNAMSIZ	16
#define WGB_COMM_LEN	16
#define WGB_UNIT_LEN	128	/* a longer cgroup name is left out, never cut */
#define WGB_FOLD_MAX	8192	/* fold entries in the kernel map (memory bound) */

/* What the module did with one handshake message (or a session). */
enum wgb_verdict {
	WGB_INIT_OK = 1,	/* HANDSHAKE_INITIATION_RECEIVED */
	WGB_INIT_BAD,		/* INVALID_HANDSHAKE_INITIATION */
	WGB_RESP_OK,		/* HANDSHAKE_RESPONSE_RECEIVED */
	WGB_RESP_BAD,		/* INVALID_HANDSHAKE_RESPONSE */
	WGB_BAD_MAC,		/* INVALID_MAC */
	WGB_COOKIE_SENT,	/* COOKIE_SENT: valid mac1 under load, no mac2 */
	WGB_COOKIE_RECV,	/* COOKIE_RECEIVED */
	WGB_KEYPAIR,		/* KEYPAIR_CREATED */
	WGB_HS_DROPPED,		/* HANDSHAKE_DROPPED: the handshake queue was full */
	WGB_VERDICT_MAX
};

enum wgb_reason {
	WGB_R_NONE = 0,
	WGB_R_BAD_MAC,
	WGB_R_UNKNOWN_PEER,
	WGB_R_REPLAY,
	WGB_R_TOO_SOON,
	WGB_R_DECRYPT_FAILED,
	WGB_R_UNDER_LOAD,
	WGB_R_MAX
};

#define WGB_KF_PEER	1	/* key: the known peer's public key */
#define WGB_KF_CLAIMED	2	/* key: the static key an unknown initiator presented */

/* One fold entry. sec is CLOCK_BOOTTIME seconds: the programs only touch
 * the current second's entries, so the agent may read and delete an
 * entry once its second is over without racing an increment. */
struct wgb_fold_key {
	unsigned int sec;
	unsigned int ifindex;
	unsigned char verdict;
	unsigned char reason;
	unsigned char family;	/* 0 (no source), 2 AF_INET, 10 AF_INET6 */
	unsigned char kflags;
	unsigned short port;	/* host order */
	unsigned short pad;
	unsigned char addr[16];
	unsigned char key[WGB_KEY_LEN];
};

struct wgb_fold_val {
	unsigned long long count;
	unsigned long long first_ns;	/* CLOCK_BOOTTIME of the first packet */
	char ifname[WGB_IFNAMSIZ];
};

/* Ring buffer records. */
enum wgb_rec_type {
	WGB_REC_FOLD_NEW = 1,	/* a fold entry was created: flush after its second */
	WGB_REC_ENDPOINT,	/* a peer's endpoint changed */
	WGB_REC_PEER_ADDED,	/* over netlink, with the caller */
	WGB_REC_PEER_REMOVED,
	WGB_REC_IFACE_CHANGED,	/* listen port or private key set over netlink */
};

/* IFACE_CHANGED: what changed (wgb_rec.what). */
#define WGB_IC_PORT		1	/* port, prev_port */
#define WGB_IC_KEY		2	/* the private key was set: key = the new public key */
#define WGB_IC_KEY_HAD		4	/* ... replacing one: prev_key = its public key */
#define WGB_IC_KEY_NONE		8	/* ... to none (all zeros): no identity left */

struct wgb_rec {
	unsigned int type;
	unsigned int ifindex;
	unsigned long long ts_ns;	/* CLOCK_BOOTTIME */
	unsigned int sec;		/* FOLD_NEW: the entry's second */
	unsigned int pid, uid;		/* PEER_*, IFACE_*: the process (tgid) that did it */
	unsigned char family, prev_family;
	unsigned short port, prev_port;	/* IFACE_CHANGED: listen ports */
	unsigned char what, pad;	/* IFACE_CHANGED: WGB_IC_* */
	unsigned char addr[16], prev_addr[16];
	unsigned char key[WGB_KEY_LEN];
	unsigned char prev_key[WGB_KEY_LEN];	/* public keys only, never a private one */
	char ifname[WGB_IFNAMSIZ];
	char comm[WGB_COMM_LEN];
	/* The leaf name of the process's cgroup (cgroup v2), e.g.
	 * "wg-quick@wg0.service"; "" when unknown or too long. */
	char unit[WGB_UNIT_LEN];
};
#endif
