// SPDX-License-Identifier: GPL-2.0
/* harden.c - see harden.h.
 *
 * Why uid 0 with a minimal capability set rather than a dedicated user:
 * what the agent touches after startup is owned by root with owner-only
 * modes - wireguard-go's UAPI sockets (created under umask 077, and
 * connect() needs write permission on the socket inode), the state
 * directory and its SQLite files (0700/0600), /etc/wireguard (0700/0600).
 * As uid 0 it reaches them as their owner with no capability at all; as
 * another user it would need CAP_DAC_OVERRIDE, which opens every file on
 * the system. What uid 0 still could write (root-owned files with an
 * owner write bit) is what the systemd unit takes away (ProtectSystem=
 * strict, ReadOnlyPaths=), see docs/systemd.md.
 *
 * Why CAP_NET_ADMIN stays: WG_CMD_GET_DEVICE is GENL_UNS_ADMIN_PERM, and
 * netlink_ns_capable() checks both the credentials the socket was opened
 * with (file_ns_capable on sk_socket->file) and the sending task
 * (ns_capable(), current at sendmsg time: genl runs in the sender's
 * context). An already-open socket is not enough: every poll needs it.
 * Why CAP_SYSLOG does not: dmesg_restrict is checked in devkmsg_open()
 * only; reads on the open fd are not checked again.
 * debugfs mount (CAP_SYS_ADMIN) and the dynamic debug write happen at
 * startup, before the drop. rtnetlink dumps, SIOCGIFFLAGS, inotify and
 * outgoing TCP/UDP need no capability. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LIBCAPNG
#include <cap-ng.h>
#endif
#include "sys/harden.h"

#define CAP_MAX_KNOWN 63
#define STATUS_MAX 8192

static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define N_CAP_NAMES (sizeof(cap_names) / sizeof(cap_names[0]))

/* Securebits that keep uid 0 from regaining capabilities: no full set on
 * execve as root, no set change on uid transitions, and locked so that
 * neither can be undone. Setting them needs CAP_SETPCAP. */
#define HARDEN_SECBITS (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |	\
			SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED | \
			SECBIT_KEEP_CAPS_LOCKED)

const char *harden_caps_str(uint64_t caps, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (unsigned c = 0; c <= CAP_MAX_KNOWN && off < len; c++) {
		int n;

		if (!(caps & HARDEN_CAP(c)))
			continue;
		if (c < N_CAP_NAMES)
			n = snprintf(buf + off, len - off, "%sCAP_%s", off ? "," : "", cap_names[c]);
		else
			n = snprintf(buf + off, len - off, "%sCAP_%u", off ? "," : "", c);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (!off)
		snprintf(buf, len, "none");
	return buf;
}

static int cap_by_name(const char *s, size_t len)
{
	if (len > 4 && !strncasecmp(s, "CAP_", 4)) {
		s += 4;
		len -= 4;
	}
	for (size_t i = 0; i < N_CAP_NAMES; i++)
		if (strlen(cap_names[i]) == len && !strncasecmp(s, cap_names[i], len))
			return (int)i;
	return -EINVAL;
}

int harden_caps_parse(const char *s, size_t len, uint64_t *out)
{
	uint64_t caps = 0;
	size_t i = 0;

	*out = 0;
	while (i < len) {
		size_t start;
		int c;

		while (i < len && (s[i] == ',' || s[i] == ' ' || s[i] == '\t'))
			i++;
		start = i;
		while (i < len && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i == start)
			break;
		c = cap_by_name(s + start, i - start);
		if (c < 0)
			return -EINVAL;
		caps |= HARDEN_CAP(c);
	}
	*out = caps;
	return 0;
}

/* Exactly 1..16 hex digits. */
static int parse_hex64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 16)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int harden_status_parse(const char *buf, size_t len, struct harden_status *out)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "CapInh:", offsetof(struct harden_status, cap_inh) },
		{ "CapPrm:", offsetof(struct harden_status, cap_prm) },
		{ "CapEff:", offsetof(struct harden_status, cap_eff) },
		{ "CapBnd:", offsetof(struct harden_status, cap_bnd) },
		{ "CapAmb:", offsetof(struct harden_status, cap_amb) },
	};
	unsigned seen = 0;
	const char *p = buf, *end = buf + len;

	memset(out, 0, sizeof(*out));
	out->no_new_privs = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *v;
		size_t n = (size_t)(eol - p);

		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t kl = strlen(keys[k].key);

			if (n < kl || memcmp(p, keys[k].key, kl))
				continue;
			for (v = p + kl; v < eol && (*v == '\t' || *v == ' '); v++)
				;
			if (parse_hex64(v, (size_t)(eol - v), (uint64_t *)((char *)out + keys[k].off)) < 0)
				return -EINVAL;
			seen |= 1u << k;
		}
		if (n > 11 && !memcmp(p, "NoNewPrivs:", 11)) {
			for (v = p + 11; v < eol && (*v == '\t' || *v == ' '); v++)
				;
			if (eol - v != 1 || (*v != '0' && *v != '1'))
				return -EINVAL;
			out->no_new_privs = *v - '0';
		}
		p = eol + 1;
	}
	out->have_amb = !!(seen & 1u << 4);
	/* CapAmb is newer than the rest; the other four are always there. */
	return (seen & 0xf) == 0xf ? 0 : -EINVAL;
}

int harden_status_self(struct harden_status *out)
{
	char buf[STATUS_MAX];
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			close(fd);
			return ret;
		}
		got += (size_t)n;
	}
	close(fd);
	return harden_status_parse(buf, got, out);
}

static unsigned cap_last(void)
{
	char buf[16];
	uint64_t v = 0;
	ssize_t n;
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return CAP_LAST_CAP;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n'))
		n--;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return CAP_LAST_CAP;
		v = v * 10 + (unsigned)(buf[i] - '0');
		if (v > CAP_MAX_KNOWN)
			return CAP_MAX_KNOWN;
	}
	return n > 0 ? (unsigned)v : CAP_LAST_CAP;
}

static int lock_securebits(void)
{
	int cur = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);

	if (cur < 0)
		return -errno;
	if ((cur & HARDEN_SECBITS) == HARDEN_SECBITS)
		return 0;
	if (prctl(PR_SET_SECUREBITS, (unsigned long)(cur | HARDEN_SECBITS), 0, 0, 0) < 0)
		return -errno;
	return 0;
}

#ifdef HAVE_LIBCAPNG
static int apply_caps(uint64_t want, bool bounds, unsigned last)
{
	capng_select_t sel = CAPNG_SELECT_CAPS;

	capng_clear(CAPNG_SELECT_ALL);
	for (unsigned c = 0; c <= last; c++)
		if ((want & HARDEN_CAP(c)) &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET, c) < 0)
			return -EINVAL;
	if (bounds)
		sel |= CAPNG_SELECT_BOUNDS;
	/* Ambient is cleared by the kernel whenever permitted shrinks below
	 * it, and explicitly below. */
	if (capng_apply(sel) < 0)
		return -EPERM;
	return 0;
}
#else
static int apply_caps(uint64_t want, bool bounds, unsigned last)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (bounds)
		for (unsigned c = 0; c <= last; c++)
			if (!(want & HARDEN_CAP(c)) &&
			    prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
			    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
				return -errno;
	memset(data, 0, sizeof(data));
	for (unsigned i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		data[i].effective = (uint32_t)(want >> (32 * i));
		data[i].permitted = (uint32_t)(want >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
#endif

/* The sets after the drop are exactly what was asked. */
static int verify(uint64_t want, bool bounds, const struct harden_status *st,
		  char *why, size_t len)
{
	const char *bad = NULL;

	if (st->cap_eff != want || st->cap_prm != want)
		bad = "effective/permitted set";
	else if (st->cap_inh)
		bad = "inheritable set";
	else if (st->cap_amb)
		bad = "ambient set";
	else if (bounds && (st->cap_bnd & ~want))
		bad = "bounding set";
	else if (st->no_new_privs == 0)
		bad = "no_new_privs";
	if (!bad)
		return 0;
	snprintf(why, len, "the %s is not what was set (CapEff=%016llx CapBnd=%016llx NoNewPrivs=%d)",
		 bad, (unsigned long long)st->cap_eff, (unsigned long long)st->cap_bnd,
		 st->no_new_privs);
	return -EPERM;
}

/* "kept CAP_NET_ADMIN; dropped the rest", plus what could not be done. */
static void describe(uint64_t asked, uint64_t want, const struct harden_status *st,
		     char *why, size_t len)
{
	char have[512], missing[256];
	int sb = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	size_t off;

	off = (size_t)snprintf(why, len, "kept %s; dropped the rest",
			       harden_caps_str(want, have, sizeof(have)));
	if ((asked & ~want) && off < len)
		off += (size_t)snprintf(why + off, len - off, " (%s not held to begin with)",
					harden_caps_str(asked & ~want, missing, sizeof(missing)));
	if ((st->cap_bnd & ~want) && off < len)
		off += (size_t)snprintf(why + off, len - off,
					"; bounding set left as inherited (no CAP_SETPCAP)");
	if ((sb < 0 || (sb & HARDEN_SECBITS) != HARDEN_SECBITS) && off < len)
		snprintf(why + off, len - off, "; securebits not locked");
}

int harden_drop(const struct harden_opts *o, uint64_t *kept, char *why, size_t len)
{
	struct harden_status st;
	unsigned last = cap_last();
	uint64_t want, all = last >= 63 ? UINT64_MAX : HARDEN_CAP(last + 1) - 1;
	bool setpcap, bounds;
	int ret;

	if (kept)
		*kept = 0;
	ret = harden_status_self(&st);
	if (ret < 0) {
		snprintf(why, len, "cannot read /proc/self/status: %s", strerror(-ret));
		return ret;
	}
	want = o->keep & st.cap_prm & all;
	setpcap = st.cap_eff & HARDEN_CAP(CAP_SETPCAP);
	/* Without CAP_SETPCAP (e.g. a unit's bounding set without it) the
	 * bounding set and securebits stay as the parent left them; with the
	 * permitted set emptied and no_new_privs set, nothing regains them. */
	bounds = setpcap && (st.cap_bnd & ~want);
	/* Best effort: bits someone else locked differently stay; the
	 * description says so, and no_new_privs covers execve anyway. */
	if (setpcap)
		lock_securebits();
	ret = apply_caps(want, bounds, last);
	if (ret < 0) {
		snprintf(why, len, "cannot drop capabilities: %s", strerror(-ret));
		return ret;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		ret = -errno;
		snprintf(why, len, "cannot clear the ambient set: %s", strerror(errno));
		return ret;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		ret = -errno;
		snprintf(why, len, "cannot set no_new_privs: %s", strerror(errno));
		return ret;
	}
	ret = harden_status_self(&st);
	if (ret < 0) {
		snprintf(why, len, "cannot read /proc/self/status: %s", strerror(-ret));
		return ret;
	}
	ret = verify(want, bounds, &st, why, len);
	if (ret < 0)
		return ret;
	if (kept)
		*kept = st.cap_eff;
	describe(o->keep, want, &st, why, len);
	return 0;
}

int harden_no_core(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		return -errno;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
