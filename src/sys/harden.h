// SPDX-License-Identifier: GPL-2.0
/* harden.h - drop privileges once every startup-only open is done.
 * The agent stays uid 0 (root-owned state, UAPI sockets and configs stay
 * reachable as their owner) but keeps only the capabilities it uses at
 * request time; see docs/systemd.md "Privileges" for the why. */
#ifndef WGAUDIT_HARDEN_H
#define WGAUDIT_HARDEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HARDEN_CAP(c)		(UINT64_C(1) << (c))
/* WG_CMD_GET_DEVICE is GENL_UNS_ADMIN_PERM: checked at every sendmsg. */
#define HARDEN_KEEP_DEFAULT	HARDEN_CAP(12 /* CAP_NET_ADMIN */)
/* Add when [checks] flood_packets is on: hscount opens its AF_PACKET
 * socket lazily, per interface, after the drop (packet_create() checks
 * CAP_NET_RAW at socket() time). */
#define HARDEN_KEEP_PACKETS	HARDEN_CAP(13 /* CAP_NET_RAW */)

/* Add with --all-namespaces: setns(CLONE_NEWNET) into a namespace that
 * appears after the drop is checked against CAP_SYS_ADMIN, and
 * /proc/PID/ns/net of a process whose permitted set is not a subset of
 * ours (any root process: containers) against CAP_SYS_PTRACE
 * (cap_ptrace_access_check). */
#define HARDEN_KEEP_SETNS	(HARDEN_CAP(21 /* CAP_SYS_ADMIN */) | \
				 HARDEN_CAP(19 /* CAP_SYS_PTRACE */))

struct harden_opts {
	uint64_t keep;		/* HARDEN_CAP() bits; 0 keeps nothing */
};

/* What /proc/<pid>/status says about a process's privileges. */
struct harden_status {
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	int no_new_privs;	/* -1 when the kernel does not say */
	int have_amb;		/* CapAmb line present (Linux >= 4.3) */
};

/* Keep o->keep (those of it the process holds) in the permitted and
 * effective sets, empty the inheritable and ambient sets, shrink the
 * bounding set to it, lock the securebits so uid 0 cannot regain the rest
 * (SECBIT_NOROOT, SECBIT_NO_SETUID_FIXUP, both locked) and set
 * no_new_privs. Then reads the result back and checks it.
 * 0 with "kept CAP_NET_ADMIN; dropped the rest" in why (what the caller
 * logs after "privileges: "), or -errno with a sentence saying what could
 * not be done; on error the process may be partly hardened, never less
 * hardened than before. kept (may be NULL) gets the effective set. */
int harden_drop(const struct harden_opts *o, uint64_t *kept, char *why, size_t len);

/* No core dumps: a core of the agent may hold an interface private key
 * (between a netlink or UAPI read and its wipe). PR_SET_DUMPABLE 0 (also
 * keeps other processes of the same uid from ptrace and /proc/PID/mem)
 * and RLIMIT_CORE 0. 0 or -errno. */
int harden_no_core(void);

/* Pure parser of /proc/<pid>/status text. 0, or -EINVAL when a Cap line
 * is missing or malformed. */
int harden_status_parse(const char *buf, size_t len, struct harden_status *out);
/* Reads /proc/self/status. 0 or -errno. */
int harden_status_self(struct harden_status *out);

/* "CAP_NET_ADMIN,CAP_SYSLOG" (or "none") into buf; returns buf. */
const char *harden_caps_str(uint64_t caps, char *buf, size_t len);
/* Comma- or space-separated names, "CAP_" optional, case-insensitive:
 * "net_admin, CAP_SYSLOG". 0, or -EINVAL naming nothing known. */
int harden_caps_parse(const char *s, size_t len, uint64_t *out);
#endif
