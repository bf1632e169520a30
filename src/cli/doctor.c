// SPDX-License-Identifier: GPL-2.0
/* doctor.c - `wgaudit doctor [-c FILE] [--json]`: the vendor guide's
 * Troubleshooting list as checks, one line each, ok / warn / fail and what
 * to do. It reads the host once (netlink, UAPI, /proc, /sys), connects to
 * each configured output with a bounded timeout, writes nothing, and exits
 * 1 if any check failed. Observation goes through the agent's own sources
 * (sources/wgnl, sources/uapi): no `wg` is run.
 *
 * Output reach lives in doctor_net.c; this file holds the host checks and
 * the report. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/doctor.h"
#include "conf/conf.h"
#include "store/store.h"
#include "sources/bpf/bpf.h"
#include "sources/uapi.h"
#include "sources/wgnl.h"
#include "sys/harden.h"
#include "base/wgconf.h"
#include "base/wgdev.h"
#include "base/util.h"

#define MAX_IFACES		256
#define MAX_PEER_LINES		10	/* per interface and kind; then a summary */
#define CONTROL_PROC		"/proc/dynamic_debug/control"
#define CONTROL_DEBUGFS		"/sys/kernel/debug/dynamic_debug/control"
#define LOCKDOWN		"/sys/kernel/security/lockdown"
#define CONTROL_MAX_LINES	2000000	/* bounded read of the control file */
/* A poll that costs more than this share of one core is too often. */
#define POLL_BUDGET		0.05
#define CAP_NET_ADMIN_BIT	12
#define CAP_SYS_ADMIN_BIT	21
#define CAP_BPF_BIT		39

static const char *const status_names[] = { "ok", "warn", "fail" };

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void doctor_report(struct doctor *d, enum doctor_status st, const char *check,
		   const char *hint, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	d->count[st]++;
	if (d->json) {
		printf("%s\n  {\"check\":", d->lines++ ? "," : "[");
		json_str(stdout, check);
		printf(",\"status\":\"%s\",\"detail\":", status_names[st]);
		json_str(stdout, detail);
		printf(",\"hint\":");
		json_str(stdout, st == DOCTOR_OK || !hint ? "" : hint);
		putchar('}');
		return;
	}
	d->lines++;
	if (st == DOCTOR_OK || !hint)
		hint = "";
	if (strcmp(hint, d->pending))
		doctor_flush(d);
	printf("%-4s  %-16s %s\n", status_names[st], check, detail);
	snprintf(d->pending, sizeof(d->pending), "%s", hint);
}

void doctor_flush(struct doctor *d)
{
	if (!d->json && d->pending[0])
		printf("      %-16s -> %s\n", "", d->pending);
	d->pending[0] = '\0';
}

/* First line of a small file (sysfs, procfs), newline dropped. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		ret = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (ret == 0)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

void doctor_lockdown_parse(const char *line, char *out, size_t len)
{
	const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;

	out[0] = '\0';
	if (a && b && (size_t)(b - a - 1) < len)
		snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
}

/* "" when the kernel has no lockdown LSM; "unknown" when securityfs is
 * not mounted here (a mount namespace of "ip netns exec", a container),
 * so the state cannot be read. */
static void lockdown_state(char *out, size_t len)
{
	char line[128];
	struct stat st, parent;

	out[0] = '\0';
	if (read_line(LOCKDOWN, line, sizeof(line)) == 0)
		doctor_lockdown_parse(line, out, len);
	else if (stat("/sys/kernel/security", &st) == 0 && stat("/sys/kernel", &parent) == 0 &&
		 st.st_dev == parent.st_dev)
		snprintf(out, len, "unknown");	/* no securityfs mounted on it */
}

static bool debugfs_mounted(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/mounts", "re");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		found = sp && !strncmp(sp + 1, "/sys/kernel/debug ", 18) &&
			strstr(sp, " debugfs ");
	}
	fclose(f);
	return found;
}

int doctor_dyndbg_line(const char *line)
{
	const char *m = strstr(line, " [wireguard]"), *fl;
	size_t fn;

	if (!m)
		return -1;
	fl = strstr(m, " =");	/* "func =pmf \"fmt\"" */
	if (!fl)
		return 0;
	fn = strcspn(fl + 2, " \n");
	return memchr(fl + 2, 'p', fn) ? 1 : 0;
}

/* Count wireguard's dynamic debug call sites and those printing.
 * -errno when the control file cannot be read. */
static int dyndbg_sites(const char *control, unsigned *total, unsigned *on)
{
	char line[1024];
	FILE *f = fopen(control, "re");
	unsigned long n = 0;

	*total = *on = 0;
	if (!f)
		return -errno;
	while (n++ < CONTROL_MAX_LINES && fgets(line, sizeof(line), f)) {
		int r = doctor_dyndbg_line(line);

		*total += r >= 0;
		*on += r > 0;
	}
	fclose(f);
	return 0;
}

static void check_dyndbg(struct doctor *d, const char *lockdown)
{
	const char *control = NULL;
	unsigned total, on;
	bool mounted = debugfs_mounted();
	int ret;

	if (access(CONTROL_PROC, F_OK) == 0)
		control = CONTROL_PROC;
	else if (access(CONTROL_DEBUGFS, F_OK) == 0)
		control = CONTROL_DEBUGFS;

	if (mounted)
		doctor_report(d, DOCTOR_OK, "debugfs", NULL, "mounted on /sys/kernel/debug");
	else
		doctor_report(d, control ? DOCTOR_OK : DOCTOR_WARN, "debugfs",
			      "mount -t debugfs none /sys/kernel/debug (the agent does it when "
			      "[kmsg] dynamic_debug = yes)",
			      "not mounted%s", control ? " (not needed: " CONTROL_PROC " exists)" : "");
	/* integrity closes debugfs only; confidentiality also takes eBPF's
	 * kernel reads (bpf_probe_read_kernel) away. */
	if (!strcmp(lockdown, "unknown"))
		doctor_report(d, DOCTOR_WARN, "lockdown",
			      "securityfs is not mounted in this mount namespace (ip netns exec, a "
			      "container): run doctor where the agent runs on the host, or mount -t "
			      "securityfs none /sys/kernel/security",
			      "kernel lockdown cannot be read (" LOCKDOWN " absent, securityfs not mounted)");
	else if (!strcmp(lockdown, "integrity"))
		doctor_report(d, DOCTOR_WARN, "lockdown",
			      "debugfs is closed: dynamic debug goes through " CONTROL_PROC
			      " (the agent uses it); eBPF is allowed",
			      "kernel lockdown is 'integrity'");
	else if (lockdown[0] && strcmp(lockdown, "none"))
		doctor_report(d, DOCTOR_WARN, "lockdown",
			      "debugfs is closed and eBPF may not read kernel memory: the agent "
			      "polls and reads the kernel log (dynamic debug through " CONTROL_PROC ")",
			      "kernel lockdown is '%s'", lockdown);
	else
		doctor_report(d, DOCTOR_OK, "lockdown", NULL, "%s",
			      lockdown[0] ? "kernel lockdown is 'none'" : "no lockdown LSM (" LOCKDOWN " absent)");
	if (!control) {
		doctor_report(d, DOCTOR_WARN, "dynamic_debug",
			      "kernel without CONFIG_DYNAMIC_DEBUG (guide: \"No kernel messages\"): "
			      "handshake lines stay silent; peer state still comes from polling, and "
			      "eBPF ([bpf]) can replace the log where BTF is available",
			      "neither " CONTROL_PROC " nor " CONTROL_DEBUGFS " exists");
		return;
	}
	doctor_report(d, DOCTOR_OK, "dynamic_debug", NULL, "%s present", control);
	ret = dyndbg_sites(control, &total, &on);
	if (ret < 0)
		doctor_report(d, DOCTOR_WARN, "wireguard_dyndbg", "run doctor as root to read it",
			      "cannot read %s: %s", control, strerror(-ret));
	else if (!total)
		doctor_report(d, DOCTOR_WARN, "wireguard_dyndbg",
			      "no kernel module (userspace WireGuard logs through its own "
			      "[kmsg] wireguard_go_log), or a module built without debug call sites",
			      "no call sites of module wireguard in %s", control);
	else if (on < total)
		doctor_report(d, DOCTOR_WARN, "wireguard_dyndbg",
			      "set [kmsg] dynamic_debug = yes (or: echo 'module wireguard +p' > "
			      "CONTROL; persistent: options wireguard dyndbg=+p in /etc/modprobe.d/)",
			      "%u of %u wireguard debug call sites print", on, total);
	else
		doctor_report(d, DOCTOR_OK, "wireguard_dyndbg", NULL,
			      "all %u wireguard debug call sites print", total);
}

static bool has_cap(const struct harden_status *hs, int bit)
{
	return hs->cap_eff & HARDEN_CAP(bit);
}

static void check_ebpf(struct doctor *d, const struct conf *c, const struct harden_status *hs,
		       bool caps_ok, const char *lockdown)
{
	bool vmlinux = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	bool loaded = wgbpf_module_loaded();
	bool wgbtf = access("/sys/kernel/btf/wireguard", R_OK) == 0;
	bool cap = caps_ok && (has_cap(hs, CAP_BPF_BIT) || has_cap(hs, CAP_SYS_ADMIN_BIT));
	bool locked = !strcmp(lockdown, "confidentiality");
	bool built = true;
	char what[200];

#ifndef HAVE_BPF
	built = false;
#endif
	if (c->bpf == CONF_NO) {
		doctor_report(d, DOCTOR_OK, "ebpf", NULL, "off ([bpf] enabled = no): the kernel log is used");
		return;
	}
	if (built && vmlinux && loaded && wgbtf && cap && !locked) {
		doctor_report(d, DOCTOR_OK, "ebpf", NULL,
			      "available: BTF for vmlinux and the wireguard module, CAP_BPF/CAP_SYS_ADMIN held");
		return;
	}
	snprintf(what, sizeof(what), "%s%s%s%s%s", built ? "" : ", this wgaudit was built without libbpf",
		 vmlinux ? "" : ", no /sys/kernel/btf/vmlinux",
		 !loaded ? ", the wireguard module is not loaded" :
		 wgbtf ? "" : ", no /sys/kernel/btf/wireguard",
		 cap ? "" : ", no CAP_BPF/CAP_SYS_ADMIN", locked ? ", lockdown=confidentiality" : "");
	doctor_report(d, DOCTOR_WARN, "ebpf",
		      !built ? "build with libbpf-dev, bpftool and clang installed (tests/install-deps.sh)" :
		      !vmlinux ? "a kernel with CONFIG_DEBUG_INFO_BTF; until then the kernel log is used" :
		      !loaded ? (wgbpf_module_installed() ? "the agent attaches when the module loads "
							    "(the first wg-quick up)"
							  : "userspace WireGuard: eBPF has nothing to attach to") :
		      !wgbtf ? "a kernel with CONFIG_DEBUG_INFO_BTF_MODULES" :
		      locked ? "lockdown=confidentiality blocks eBPF kernel reads; the kernel log is used" :
			       "run the agent with CAP_BPF (or CAP_SYS_ADMIN) to use eBPF",
		      "not available (the kernel log is used instead): %s", what + 2);
}

static bool check_privileges(struct doctor *d, const struct conf *c, struct harden_status *hs)
{
	bool caps_ok = harden_status_self(hs) == 0;
	bool admin = caps_ok && has_cap(hs, CAP_NET_ADMIN_BIT);
	struct stat st;

	if (admin)
		doctor_report(d, DOCTOR_OK, "privileges", NULL, "%s with CAP_NET_ADMIN",
			      geteuid() == 0 ? "root" : "not root, but");
	else
		doctor_report(d, DOCTOR_FAIL, "privileges",
			      "run as root, or give the agent CAP_NET_ADMIN (the systemd unit does); "
			      "guide: \"wg show permission denied\"",
			      "no CAP_NET_ADMIN: the kernel refuses WireGuard netlink dumps");
	if (stat(c->config_dir, &st) < 0)
		doctor_report(d, DOCTOR_WARN, "config_dir",
			      "create it, or set [agent] config_dir: peer names and the config checks read it",
			      "%s: %s", c->config_dir, strerror(errno));
	else if (access(c->config_dir, R_OK | X_OK) < 0)
		doctor_report(d, DOCTOR_FAIL, "config_dir",
			      "run as root (IFACE.conf files are 0600 root)",
			      "%s is not readable: %s", c->config_dir, strerror(errno));
	else
		doctor_report(d, DOCTOR_OK, "config_dir", NULL, "%s readable", c->config_dir);
	return caps_ok;
}

/* The public view of CONFIG_DIR/IFACE.conf. 0, -ENOENT (no file), other
 * -errno with why. The file holds the private key: the buffer is wiped. */
static int load_conf_iface(const struct conf *c, const char *iface, struct conf_iface *ci,
			   char *why, size_t whylen)
{
	char path[512], err[256];
	char *buf;
	size_t len;
	FILE *f;
	int ret;

	memset(ci, 0, sizeof(*ci));
	snprintf(path, sizeof(path), "%s/%s.conf", c->config_dir, iface);
	f = fopen(path, "re");
	if (!f) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	buf = malloc(WGCONF_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, WGCONF_FILE_MAX + 1, f);
	fclose(f);
	ret = len > WGCONF_FILE_MAX ? -EFBIG : wgconf_parse(buf, len, ci, err, sizeof(err));
	wipe(buf, len);
	free(buf);
	if (ret < 0) {
		snprintf(why, whylen, "%s: %s", path, ret == -EFBIG ? "larger than 4 MiB" : err);
		conf_iface_release(ci);
	}
	return ret;
}

static const char *peer_label(const struct conf_iface *ci, const uint8_t *key, char *b64)
{
	const struct conf_peer *p = ci->n_peers ? conf_iface_peer(ci, key) : NULL;

	key_to_base64(b64, key);
	return p && p->name[0] ? p->name : NULL;
}

/* Peers that never completed a handshake; live peers missing from the
 * file and configured peers missing from the interface. */
static void check_peers(struct doctor *d, const struct conf *c, const struct wg_device *dev)
{
	char b64[WG_KEY_B64_LEN], why[512], hint[512];
	struct conf_iface ci;
	unsigned never = 0, missing = 0, absent = 0;
	bool *seen;
	int ret = load_conf_iface(c, dev->name, &ci, why, sizeof(why));

	snprintf(hint, sizeof(hint),
		 "check the peer's config: this server's public key on the client, the "
		 "client's Endpoint reaching UDP port %u here (firewall: allow UDP %u in), "
		 "AllowedIPs on both sides; `wgaudit events` shows its HANDSHAKE_* lines",
		 dev->listen_port, dev->listen_port);
	for (size_t i = 0; i < dev->n_peers; i++)
		never += !dev->peers[i].last_handshake_sec;
	/* A line per peer, then a count. */
	for (size_t i = 0, shown = 0; i < dev->n_peers && shown < MAX_PEER_LINES; i++) {
		const struct wg_peer *p = &dev->peers[i];
		const char *name;

		if (p->last_handshake_sec)
			continue;
		name = peer_label(&ci, p->public_key, b64);
		shown++;
		doctor_report(d, DOCTOR_WARN, "handshake", hint, "%s: peer %s%s%s%s never completed a handshake", dev->name, b64,
			      name ? " (" : "", name ? name : "", name ? ")" : "");
	}
	if (never > MAX_PEER_LINES)
		doctor_report(d, DOCTOR_WARN, "handshake", hint, "%s: %u more peers never completed a handshake",
			      dev->name, never - MAX_PEER_LINES);
	if (!never)
		doctor_report(d, DOCTOR_OK, "handshake", NULL,
			      "%s: all %zu peers completed a handshake", dev->name, dev->n_peers);
	if (ret < 0) {
		doctor_report(d, DOCTOR_WARN, "config_peers",
			      ret == -ENOENT ? "write /etc/wireguard/IFACE.conf (wg showconf IFACE), "
					       "or set [agent] config_dir: without it peers have no "
					       "names and a rogue peer cannot be told apart"
					     : "fix the file: the agent keeps its last good view",
			      "%s", why);
		return;
	}
	/* Which file peers are live: marked from the live side (the file's
	 * peers are sorted, the lookup is a binary search), not n x m. */
	seen = calloc(ci.n_peers ? ci.n_peers : 1, sizeof(*seen));
	if (!seen) {
		doctor_report(d, DOCTOR_FAIL, "config_peers", NULL, "out of memory");
		conf_iface_release(&ci);
		return;
	}
	for (size_t i = 0; i < dev->n_peers; i++) {
		const struct wg_peer *p = &dev->peers[i];
		const struct conf_peer *cp = conf_iface_peer(&ci, p->public_key);

		if (cp) {
			seen[cp - ci.peers] = true;
			continue;
		}
		key_to_base64(b64, p->public_key);
		if (missing++ < MAX_PEER_LINES)
			doctor_report(d, DOCTOR_WARN, "config_peers",
				      "add a [Peer] for it to the file, or remove it (wg set IFACE peer KEY "
				      "remove): it is gone at the next wg-quick up and the agent raises "
				      "ALERT_ROGUE_PEER",
				      "%s: live peer %s is not in %s/%s.conf", dev->name, b64,
				      c->config_dir, dev->name);
	}
	for (size_t i = 0; i < ci.n_peers; i++) {
		if (seen[i])
			continue;
		key_to_base64(b64, ci.peers[i].public_key);
		if (absent++ < MAX_PEER_LINES)
			doctor_report(d, DOCTOR_WARN, "config_peers",
				      "apply the file (wg syncconf IFACE <(wg-quick strip IFACE))",
				      "%s: peer %s%s%s%s is in the file but not on the interface",
				      dev->name, b64, ci.peers[i].name[0] ? " (" : "",
				      ci.peers[i].name, ci.peers[i].name[0] ? ")" : "");
	}
	free(seen);
	if (missing > MAX_PEER_LINES || absent > MAX_PEER_LINES)
		doctor_report(d, DOCTOR_WARN, "config_peers", NULL,
			      "%s: %u live peers not in the file, %u file peers not live in all",
			      dev->name, missing, absent);
	if (!missing && !absent)
		doctor_report(d, DOCTOR_OK, "config_peers", NULL,
			      "%s: the %zu live peers match %s/%s.conf", dev->name, dev->n_peers,
			      c->config_dir, dev->name);
	conf_iface_release(&ci);
}

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Interfaces found, each dumped once (timed: the polling cost), then its
 * peers checked against its file. */
static void check_interfaces(struct doctor *d, const struct conf *c)
{
	char (*names)[IFNAMSIZ] = calloc(MAX_IFACES, IFNAMSIZ);
	struct wg_device dev;
	struct wgnl *nl = NULL;
	struct uapi *uapi = NULL;
	size_t nk = 0, nu = 0, shown = 0, peers = 0;
	int64_t cpu = 0;
	int retk, retu;

	memset(&dev, 0, sizeof(dev));
	if (!names) {
		doctor_report(d, DOCTOR_FAIL, "interfaces", NULL, "out of memory");
		return;
	}
	retk = wgnl_open(&nl);
	if (retk == 0)
		retk = wgnl_list(nl, names, MAX_IFACES, &nk);
	retu = uapi_list(c->uapi_dir, names + nk, MAX_IFACES - nk, &nu);
	if (retk == -ENOENT)
		doctor_report(d, nu ? DOCTOR_OK : DOCTOR_WARN, "kernel_module",
			      "modprobe wireguard, or run a userspace implementation (wireguard-go, boringtun)",
			      "not loaded (no wireguard generic netlink family)%s",
			      nu ? "; userspace WireGuard is in use" : "");
	else if (retk < 0 && retk != -EINTR)
		doctor_report(d, DOCTOR_FAIL, "kernel_module", "run as root or with CAP_NET_ADMIN",
			      "WireGuard netlink: %s", strerror(-retk));
	else
		doctor_report(d, DOCTOR_OK, "kernel_module", NULL,
			      "loaded: %zu kernel interface%s", nk, nk == 1 ? "" : "s");
	if (retu < 0 && retu != -ENOENT)
		doctor_report(d, DOCTOR_WARN, "userspace", "check [agent] uapi_dir and that it is readable",
			      "%s: %s", c->uapi_dir, strerror(-retu));
	else
		doctor_report(d, DOCTOR_OK, "userspace", NULL, "%zu UAPI socket%s in %s", nu,
			      nu == 1 ? "" : "s", c->uapi_dir);

	for (size_t i = 0; i < nk + nu; i++) {
		int64_t t0;
		int ret;

		if (!conf_iface_wanted(c, names[i]))
			continue;
		t0 = cpu_ns();
		ret = i < nk ? wgnl_get_device(nl, names[i], &dev)
		    : !uapi && !(uapi = uapi_new()) ? -ENOMEM
		    : uapi_get_device(uapi, c->uapi_dir, names[i], &dev);
		cpu += cpu_ns() - t0;
		if (ret < 0) {
			doctor_report(d, DOCTOR_FAIL, "interface", "run as root; for UAPI, check the daemon answers",
				      "%s (%s): cannot read: %s", names[i], i < nk ? "kernel" : "userspace",
				      strerror(-ret));
			continue;
		}
		doctor_report(d, DOCTOR_OK, "interface", NULL, "%s (%s): %zu peers, listen port %u",
			      dev.name, dev.impl == WG_IMPL_KERNEL ? "kernel" : "userspace",
			      dev.n_peers, dev.listen_port);
		peers += dev.n_peers;
		shown++;
		check_peers(d, c, &dev);
		wg_device_clear(&dev);
	}
	for (size_t i = 0; i < c->n_ifaces; i++) {
		bool found = false;

		for (size_t j = 0; j < nk + nu; j++)
			found |= !strcmp(names[j], c->ifaces[i]);
		if (!found)
			doctor_report(d, DOCTOR_WARN, "interface",
				      "bring it up (wg-quick up IFACE) or remove it from [agent] interfaces",
				      "%s is configured but not found", c->ifaces[i]);
	}
	if (!shown && !c->n_ifaces)
		doctor_report(d, DOCTOR_WARN, "interfaces", "bring an interface up; the agent waits for it",
			      "no WireGuard interface found");
	if (shown) {
		double poll_ms = (double)cpu / 1e6;
		double share = poll_ms / (double)c->interval_ms;
		double per_peer_us = peers ? (double)cpu / 1e3 / (double)peers : 0;
		uint64_t min_ms = (uint64_t)(poll_ms / POLL_BUDGET) + 1;
		char hint[160];

		snprintf(hint, sizeof(hint), "set [agent] interval to %llums or more (--interval)",
			 (unsigned long long)(min_ms < 1000 ? 1000 : (min_ms + 999) / 1000 * 1000));
		doctor_report(d, share > POLL_BUDGET ? DOCTOR_WARN : DOCTOR_OK, "poll_cost", hint,
			      "%zu peers on %zu interface%s: one poll %.2f ms CPU here (%.2f us/peer, "
			      "measured now), every %llums = %.3f%% of one core",
			      peers, shown, shown == 1 ? "" : "s", poll_ms, per_peer_us,
			      (unsigned long long)c->interval_ms, share * 100);
	}
	wg_device_release(&dev);
	wgnl_free(nl);
	uapi_free(uapi);
	free(names);
}

/* The state dir: a directory (not a symlink), owned by this user, 0700;
 * the database in it not a symlink. Missing is fine: run creates it. */
static void check_state_dir(struct doctor *d, const struct conf *c)
{
	char db[512];
	struct stat st;

	if (lstat(c->state_dir, &st) < 0) {
		doctor_report(d, errno == ENOENT ? DOCTOR_OK : DOCTOR_FAIL, "state_dir",
			      "check the path and its parents' permissions", "%s: %s%s", c->state_dir,
			      strerror(errno), errno == ENOENT ? " (created 0700 at the first run)" : "");
		return;
	}
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
		doctor_report(d, DOCTOR_FAIL, "state_dir",
			      "use a real directory: a link lets whoever controls it redirect the journal",
			      "%s is %s", c->state_dir, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
		return;
	}
	if (st.st_uid != geteuid()) {
		doctor_report(d, DOCTOR_FAIL, "state_dir", "chown it to the user the agent runs as",
			      "%s is owned by uid %u, not %u (the agent's)", c->state_dir,
			      (unsigned)st.st_uid, (unsigned)geteuid());
		return;
	}
	if (st.st_mode & 022) {
		doctor_report(d, DOCTOR_FAIL, "state_dir",
			      "chmod 0700 it: whoever may write there can replace the journal; "
			      "the agent refuses such a dir",
			      "%s has mode %04o, writable by %s, not 0700", c->state_dir,
			      (unsigned)(st.st_mode & 07777),
			      (st.st_mode & 022) == 022 ? "group and others" :
			      st.st_mode & 002 ? "others" : "group");
		return;
	}
	if (st.st_mode & 055) {
		doctor_report(d, DOCTOR_WARN, "state_dir",
			      "chmod 0700 it: the journal holds endpoints and traffic history",
			      "%s has mode %04o, readable by others than its owner, not 0700",
			      c->state_dir, (unsigned)(st.st_mode & 07777));
		return;
	}
	store_db_path(c->state_dir, db, sizeof(db));
	if (lstat(db, &st) == 0 && S_ISLNK(st.st_mode)) {
		doctor_report(d, DOCTOR_FAIL, "state_dir", "remove the link; the agent creates the file",
			      "%s is a symbolic link", db);
		return;
	}
	doctor_report(d, DOCTOR_OK, "state_dir", NULL, "%s: 0700, owned by uid %u", c->state_dir,
		      (unsigned)geteuid());
}

int cmd_doctor(struct conf *c, const struct cli_opts *o)
{
	struct doctor d = { .json = o->json };
	struct harden_status hs = { 0 };
	char lockdown[32];
	bool caps_ok;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* each line as it is known */
	lockdown_state(lockdown, sizeof(lockdown));
	if (c->path[0])
		doctor_report(&d, DOCTOR_OK, "config", NULL, "%s read", c->path);
	else
		doctor_report(&d, DOCTOR_OK, "config", NULL, "no config file: defaults and options");
	caps_ok = check_privileges(&d, c, &hs);
	check_interfaces(&d, c);
	check_dyndbg(&d, lockdown);
	check_ebpf(&d, c, &hs, caps_ok, lockdown);
	doctor_check_outputs(&d, c);
	check_state_dir(&d, c);
	doctor_flush(&d);
	if (d.json)
		printf("%s]\n", d.lines ? "\n" : "[");
	else
		printf("\n%u ok, %u warn, %u fail\n", d.count[DOCTOR_OK], d.count[DOCTOR_WARN],
		       d.count[DOCTOR_FAIL]);
	return d.count[DOCTOR_FAIL] ? 1 : 0;
}
