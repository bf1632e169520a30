// SPDX-License-Identifier: GPL-2.0
/* conf.h - configuration: INI file (inih) with command-line overrides.
 * Errors are "file:line: key: message", counted; the load fails (exit 2)
 * at the end. Every setting has a default so no file is needed. */
#ifndef WGAUDIT_CONF_H
#define WGAUDIT_CONF_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_MAX_IFACES		64
#define CONF_MAX_OUTPUTS	8
#define CONF_DEFAULT_PATH	"/etc/wgaudit/wgaudit.conf"
#define CONF_DEFAULT_STATE_DIR	"/var/lib/wgaudit"
#define CONF_MAX_ALLOWS		128	/* [allow "..."] sections */
#define CONF_CIDRS_LEN		1024	/* one CIDR list as text */

struct conf_output {
	char url[512];
	int min_severity;	/* LOG_DEBUG = everything */
	int facility;		/* syslog facility number, default 1 (user) */
	char sd_id[33];		/* RFC 5424 SD-ID, "" = the URL's or SD_ID_DEFAULT */
};

/* [allow "IFACE"] or [allow "IFACE PUBKEY"]: endpoint allow-list of one
 * interface or one peer (checks: ALERT_UNKNOWN_ENDPOINT). */
struct conf_allow {
	char iface[IFNAMSIZ];
	char peer[48];			/* base64 public key, "" = whole interface */
	char endpoints[CONF_CIDRS_LEN];	/* validated CIDR list, blank-separated */
};

struct conf {
	char path[512];			/* file read, "" if none */
	uint64_t interval_ms;		/* poll period, default 10 s */
	uint64_t active_ms;		/* handshake age that counts as active, 180 s */
	uint64_t transfer_interval_ms;	/* PEER_TRANSFER period, 60 s */
	char state_dir[256];
	char uapi_dir[256];		/* /var/run/wireguard */
	char config_dir[256];		/* /etc/wireguard (names, config checks) */
	char hostname[256];		/* "" = gethostname() */
	bool all_namespaces;		/* [agent] namespaces = all (--all-namespaces) */
	size_t n_ifaces;
	char ifaces[CONF_MAX_IFACES][IFNAMSIZ];	/* empty = all */
	size_t n_outputs;
	struct conf_output outputs[CONF_MAX_OUTPUTS];
	/* kmsg (issue 4) */
	bool kmsg;			/* read /dev/kmsg, default true */
	bool kmsg_accept_user;		/* accept non-kernel records (tests) */
	bool enable_dyndbg;		/* turn on wireguard dynamic debug */
	/* journal bounds (issue 6); 0 = unbounded */
	uint64_t journal_max_events;
	uint64_t journal_max_age_ms;
	int verbose;
	/* Added by conf.c (kept at the end). */
	char output_names[CONF_MAX_OUTPUTS][64];	/* [output "NAME"]; "" for --output */
	bool cli_ifaces;		/* conf_set() replaced the file's interfaces */
	bool cli_outputs;		/* conf_set() replaced the file's outputs */
	/* checks (issue 5): [checks] and [allow "..."]; see docs/checks.md */
	bool check_endpoint;		/* enable_endpoint, default yes (needs a list) */
	bool check_spike;		/* enable_spike, yes */
	bool check_flood;		/* enable_flood, yes */
	bool check_rogue;		/* enable_rogue, yes */
	bool flood_packets;		/* flood_packets: count initiations (AF_PACKET), yes */
	uint64_t suppress_ms;		/* one alert per incident per window, 1 h */
	uint64_t flood_suppress_ms;	/* per interface, 5 min */
	char endpoint_allow[CONF_CIDRS_LEN];	/* global list, "" = none */
	double spike_factor;		/* 10 */
	uint64_t spike_warmup;		/* intervals before alerting, 5 */
	uint64_t spike_min_bytes;	/* per interval, 1 MiB */
	uint64_t flood_threshold;	/* invalid handshakes per window, 100 */
	uint64_t flood_window_ms;	/* 60 s */
	char allowed_ifaces[CONF_MAX_IFACES * IFNAMSIZ];	/* "wg0 wg1", "" = none */
	size_t n_allows;
	struct conf_allow allows[CONF_MAX_ALLOWS];
	/* [kmsg] wireguard_go_log: wireguard-go's verbose log (LOG_LEVEL=verbose,
	 * stdout redirected to a file) followed like the kernel log; "" = none */
	char wggo_log[256];
	/* [bpf] enabled: eBPF on the wireguard module (issue 13), auto */
	int bpf;			/* enum conf_tristate */
	bool bpf_drops;			/* [bpf] handshake_drops, no */
	bool check_unknown_key;		/* [checks] enable_unknown_key, yes */
	/* [metrics] (issue 10): the Prometheus endpoint, off when listen is "" */
	char metrics_listen[80];		/* ADDR:PORT */
	char metrics_names[16];			/* "mdlayher" (default) | "mindflavor" */
	char metrics_user[64];			/* basic auth; "" = none */
	char metrics_password_file[256];	/* its password, first line */
	char metrics_tls_cert[256];		/* PEM; both set = HTTPS */
	char metrics_tls_key[256];
};

enum conf_tristate { CONF_NO = 0, CONF_YES = 1, CONF_AUTO = 2 };

void conf_defaults(struct conf *c);
/* Load path into c (over the defaults). missing_ok: a missing file is not
 * an error (the default path). Returns 0 or the number of errors (> 0),
 * each already printed to stderr, or -errno. */
int conf_load(struct conf *c, const char *path, bool missing_ok);
/* The parser without I/O (tests, fuzzing): buf need not be NUL-terminated;
 * messages name `name` and go to err (NULL: only counted). Returns the
 * number of errors (0 = ok) or -errno. */
int conf_parse(struct conf *c, const char *name, const char *buf, size_t len,
	       FILE *err);
/* Apply one "key = value" from section (also used by CLI overrides); a
 * message into err on failure ("interval: \"10 s\" is not a duration ...",
 * no file:line), -EINVAL. Section "agent": interval, state_dir, interface
 * (one name or a list), ...; section "output": key "url" appends an output
 * (severity debug, facility user), min_severity / facility then apply to
 * the last one. Section "checks": the [checks] keys; [allow] sections
 * only come from the file. The first "interface" and the first "url" given this way
 * replace the file's list, later ones append: call after conf_load(). */
int conf_set(struct conf *c, const char *section, const char *key,
	     const char *value, char *err, size_t errlen);
/* scope.c. Whether interface name is one c observes (no list: all). */
bool conf_iface_wanted(const struct conf *c, const char *name);
/* ctx: a struct conf. key: an interface key (base/ifkey.h). Another
 * namespace's state left by an --all-namespaces run is out of scope
 * without it: kept, not reported destroyed. */
bool conf_in_scope(void *ctx, const char *key);
/* Settings only a restart can change (they name what was opened before
 * privileges were dropped): put back in n from old, each change logged. */
void conf_keep_restart_only(struct conf *n, const struct conf *old);
#endif
