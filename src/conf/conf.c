// SPDX-License-Identifier: GPL-2.0
/* conf.c - the configuration keys: the table of what each [section] key
 * means, the setters that validate a value into struct conf, the defaults,
 * and the command-line overrides (conf_set). Messages are "key: ..." with
 * no file:line: the file reader (confread.c, inih) adds that, and a
 * command-line override has none. What the two share is conf_int.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cidr.h"
#include "conf/conf.h"
#include "conf/conf_int.h"
#include "base/event.h"
#include "base/util.h"
#include "base/sdid.h"

#define DURATION_HINT		"(try 500ms, 10s, 5m)"

enum conf_kind {
	K_DURATION,
	K_PATH,
	K_HOSTNAME,
	K_IFACES,
	K_BOOL,
	K_COUNT,
	K_AGE,
	K_URL,
	K_SEVERITY,
	K_FACILITY,
	K_NUMBER,		/* min..max */
	K_FACTOR,		/* decimal > 1 */
	K_BYTES,		/* 1048576, 512KiB, 1MiB, 2GiB */
	K_CIDRS,		/* CIDR list, validated, kept as text */
	K_NAMES,		/* interface names, kept as "a b c" */
	K_AUTO,			/* auto | yes | no (enum conf_tristate) */
	K_LISTEN,		/* "A.B.C.D:PORT" / "[IPV6]:PORT", port > 0 */
	K_SERIES,		/* metrics series names: mdlayher | mindflavor */
	K_SDID,			/* RFC 5424 SD-ID, NAME@NUMBER */
	K_NAMESPACES,		/* "own" or "all" into a bool */
};

/* One settable key. off/size address struct conf, or struct conf_output
 * for SECT_OUTPUT keys. */
struct conf_key {
	enum conf_sect sect;
	const char *name;
	enum conf_kind kind;
	size_t off;
	size_t size;
	uint64_t min;		/* K_DURATION: shortest accepted, ms; K_NUMBER: least */
	uint64_t max;		/* K_NUMBER: most */
};

#define CK(s, n, k, field, mn) \
	{ s, n, k, offsetof(struct conf, field), sizeof(((struct conf *)0)->field), mn, 0 }
#define OK_(n, k, field) \
	{ SECT_OUTPUT, n, k, offsetof(struct conf_output, field), \
	  sizeof(((struct conf_output *)0)->field), 0, 0 }
#define CKN(n, field, mn, mx) \
	{ SECT_CHECKS, n, K_NUMBER, offsetof(struct conf, field), \
	  sizeof(((struct conf *)0)->field), mn, mx }

static const struct conf_key conf_keys[] = {
	CK(SECT_AGENT, "interval", K_DURATION, interval_ms, 100),
	CK(SECT_AGENT, "active_after", K_DURATION, active_ms, 1000),
	CK(SECT_AGENT, "transfer_interval", K_DURATION, transfer_interval_ms, 1000),
	CK(SECT_AGENT, "state_dir", K_PATH, state_dir, 0),
	CK(SECT_AGENT, "uapi_dir", K_PATH, uapi_dir, 0),
	CK(SECT_AGENT, "config_dir", K_PATH, config_dir, 0),
	CK(SECT_AGENT, "hostname", K_HOSTNAME, hostname, 0),
	CK(SECT_AGENT, "interfaces", K_IFACES, ifaces, 0),
	CK(SECT_AGENT, "interface", K_IFACES, ifaces, 0),
	CK(SECT_AGENT, "namespaces", K_NAMESPACES, all_namespaces, 0),
	CK(SECT_KMSG, "enabled", K_BOOL, kmsg, 0),
	CK(SECT_KMSG, "dynamic_debug", K_BOOL, enable_dyndbg, 0),
	CK(SECT_KMSG, "accept_user_records", K_BOOL, kmsg_accept_user, 0),
	CK(SECT_KMSG, "wireguard_go_log", K_PATH, wggo_log, 0),
	CK(SECT_JOURNAL, "max_events", K_COUNT, journal_max_events, 0),
	CK(SECT_JOURNAL, "max_age", K_AGE, journal_max_age_ms, 0),
	OK_("url", K_URL, url),
	OK_("min_severity", K_SEVERITY, min_severity),
	OK_("facility", K_FACILITY, facility),
	OK_("sd_id", K_SDID, sd_id),
	CK(SECT_CHECKS, "enable_endpoint", K_BOOL, check_endpoint, 0),
	CK(SECT_CHECKS, "enable_spike", K_BOOL, check_spike, 0),
	CK(SECT_CHECKS, "enable_flood", K_BOOL, check_flood, 0),
	CK(SECT_CHECKS, "enable_rogue", K_BOOL, check_rogue, 0),
	CK(SECT_CHECKS, "enable_unknown_key", K_BOOL, check_unknown_key, 0),
	CK(SECT_CHECKS, "flood_packets", K_BOOL, flood_packets, 0),
	CK(SECT_CHECKS, "suppress", K_DURATION, suppress_ms, 1000),
	CK(SECT_CHECKS, "flood_suppress", K_DURATION, flood_suppress_ms, 1000),
	CK(SECT_CHECKS, "endpoint_allow", K_CIDRS, endpoint_allow, 0),
	CK(SECT_CHECKS, "spike_factor", K_FACTOR, spike_factor, 0),
	CKN("spike_warmup", spike_warmup, 0, 10000),
	CK(SECT_CHECKS, "spike_min_bytes", K_BYTES, spike_min_bytes, 0),
	CKN("flood_threshold", flood_threshold, 1, 1000000000),
	CK(SECT_CHECKS, "flood_window", K_DURATION, flood_window_ms, 1000),
	CK(SECT_CHECKS, "allowed_interfaces", K_NAMES, allowed_ifaces, 0),
	CK(SECT_BPF, "enabled", K_AUTO, bpf, 0),
	CK(SECT_BPF, "handshake_drops", K_BOOL, bpf_drops, 0),
	CK(SECT_METRICS, "listen", K_LISTEN, metrics_listen, 0),
	CK(SECT_METRICS, "names", K_SERIES, metrics_names, 0),
	CK(SECT_METRICS, "basic_auth_user", K_HOSTNAME, metrics_user, 0),
	CK(SECT_METRICS, "basic_auth_password_file", K_PATH, metrics_password_file, 0),
	CK(SECT_METRICS, "tls_cert", K_PATH, metrics_tls_cert, 0),
	CK(SECT_METRICS, "tls_key", K_PATH, metrics_tls_key, 0),
	/* [allow "..."]: off/size address struct conf_allow */
	{ SECT_ALLOW, "endpoints", K_CIDRS, offsetof(struct conf_allow, endpoints),
	  sizeof(((struct conf_allow *)0)->endpoints), 0, 0 },
};

static const struct {
	const char *name;
	enum conf_sect sect;
} conf_sects[] = {
	{ "agent", SECT_AGENT },
	{ "kmsg", SECT_KMSG },
	{ "journal", SECT_JOURNAL },
	{ "output", SECT_OUTPUT },
	{ "checks", SECT_CHECKS },
	{ "allow", SECT_ALLOW },
	{ "bpf", SECT_BPF },
	{ "metrics", SECT_METRICS },
};

/* syslog(3) facility codes (the number, not LOG_xxx which is << 3). */
static const struct {
	const char *name;
	int code;
} conf_facilities[] = {
	{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 },
	{ "auth", 4 }, { "syslog", 5 }, { "lpr", 6 }, { "news", 7 },
	{ "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 }, { "ftp", 11 },
	{ "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 },
	{ "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 },
};

static const char *const conf_url_schemes[] = {
	"syslog+tcp://", "syslog+tls://", "syslog+udp://", "syslog+relp://", "jsonl:",
};

void conf_defaults(struct conf *c)
{
	const size_t a0 = offsetof(struct conf, allows), a1 = a0 + sizeof(c->allows);

	/* All but the [allow] table: its CONF_MAX_ALLOWS entries (~140 KiB)
	 * past n_allows are never read and each is zeroed when it is added;
	 * writing them would make resident the pages of a table most
	 * configurations leave empty. */
	memset(c, 0, a0);
	memset((char *)c + a1, 0, sizeof(*c) - a1);
	c->interval_ms = 10000;
	c->active_ms = 180000;
	c->transfer_interval_ms = 60000;
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", CONF_DEFAULT_STATE_DIR);
	snprintf(c->uapi_dir, sizeof(c->uapi_dir), "/var/run/wireguard");
	snprintf(c->config_dir, sizeof(c->config_dir), "/etc/wireguard");
	c->kmsg = true;
	c->kmsg_accept_user = false;
	c->enable_dyndbg = false;
	c->check_endpoint = true;
	c->check_spike = true;
	c->check_flood = true;
	c->check_rogue = true;
	c->flood_packets = true;
	c->suppress_ms = 3600000;
	c->flood_suppress_ms = 300000;
	c->spike_factor = 10.0;
	c->spike_warmup = 5;
	c->spike_min_bytes = 1u << 20;
	c->flood_threshold = 100;
	c->flood_window_ms = 60000;
	c->bpf = CONF_AUTO;
	c->check_unknown_key = true;
	snprintf(c->metrics_names, sizeof(c->metrics_names), "mdlayher");
}

/* Quote untrusted text back to the operator: printable ASCII as is, the
 * rest as \xNN, cut at CONF_SHOW_LEN bytes so a binary file or a 10 KiB
 * line cannot flood the terminal. */
const char *conf_show(char *out, size_t outlen, const char *s)
{
	size_t o = 0, i;

	for (i = 0; s[i] && i < CONF_SHOW_LEN; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (o + 5 > outlen)
			break;
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
	}
	if (s[i] && o + 4 <= outlen)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	out[o] = '\0';
	return out;
}

static bool conf_has_ctl(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return true;
	}
	return false;
}

static int conf_errf(char *err, size_t errlen, const char *key,
		     const char *value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* "key: "value" message" into err; returns -EINVAL for the caller. */
static int conf_errf(char *err, size_t errlen, const char *key,
		     const char *value, const char *fmt, ...)
{
	char k[CONF_SHOW_LEN * 4 + 8], v[CONF_SHOW_LEN * 4 + 8];
	int n;
	va_list ap;

	if (!errlen)
		return -EINVAL;
	if (value)
		n = snprintf(err, errlen, "%s: \"%s\" ", conf_show(k, sizeof(k), key),
			     conf_show(v, sizeof(v), value));
	else
		n = snprintf(err, errlen, "%s: ", conf_show(k, sizeof(k), key));
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int conf_set_duration(const struct conf_key *k, uint64_t *dst, const char *key,
			     const char *v, char *err, size_t errlen)
{
	uint64_t ms;
	int ret = parse_duration_ms(v, strlen(v), &ms);

	if (ret == -ERANGE)
		return conf_errf(err, errlen, key, v, "is out of range (max 30d)");
	if (ret < 0)
		return conf_errf(err, errlen, key, v, "is not a duration " DURATION_HINT);
	if (ms < k->min)
		return conf_errf(err, errlen, key, v, "is too short (min %llums)",
				 (unsigned long long)k->min);
	*dst = ms;
	return 0;
}

static int conf_set_string(const struct conf_key *k, char *dst, const char *key,
			   const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v);

	if (!len)
		return conf_errf(err, errlen, key, NULL, "is empty");
	if (len >= k->size)
		return conf_errf(err, errlen, key, v, "is too long (max %zu bytes)",
				 k->size - 1);
	if (k->kind == K_HOSTNAME) {
		/* RFC 5424 HOSTNAME: PRINTUSASCII, no space. */
		for (size_t i = 0; i < len; i++)
			if (v[i] <= 0x20 || v[i] >= 0x7f)
				return conf_errf(err, errlen, key, v,
						 "is not a host name (printable ASCII, no spaces)");
	}
	memcpy(dst, v, len + 1);
	return 0;
}

static int conf_set_bool(bool *dst, const char *key, const char *v,
			 char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*dst = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*dst = false;
			return 0;
		}
	}
	return conf_errf(err, errlen, key, v, "is not a boolean (yes or no)");
}

static int conf_set_auto(int *dst, const char *key, const char *v, char *err, size_t errlen)
{
	bool b;

	if (!strcasecmp(v, "auto")) {
		*dst = CONF_AUTO;
		return 0;
	}
	if (conf_set_bool(&b, key, v, err, errlen) < 0)
		return conf_errf(err, errlen, key, v, "is not auto, yes or no");
	*dst = b ? CONF_YES : CONF_NO;
	return 0;
}

static int conf_set_namespaces(bool *dst, const char *key, const char *v,
			       char *err, size_t errlen)
{
	if (!strcasecmp(v, "all") || !strcasecmp(v, "own")) {
		*dst = !strcasecmp(v, "all");
		return 0;
	}
	return conf_errf(err, errlen, key, v, "is not a namespace scope (own or all)");
}

/* Linux dev_valid_name(): 1..IFNAMSIZ-1 bytes, not "." or "..", no '/',
 * ':' or white space. */
int conf_check_iface(const char *key, const char *name, size_t len,
		     char *err, size_t errlen)
{
	char tmp[CONF_SHOW_LEN + 1];

	snprintf(tmp, sizeof(tmp), "%.*s", (int)(len < CONF_SHOW_LEN ? len : CONF_SHOW_LEN), name);
	if (len >= IFNAMSIZ)
		return conf_errf(err, errlen, key, tmp,
				 "is too long for an interface name (max %d bytes)",
				 IFNAMSIZ - 1);
	if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2)))
		return conf_errf(err, errlen, key, tmp, "is not an interface name");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '/' || ch == ':' || ch <= 0x20 || ch == 0x7f)
			return conf_errf(err, errlen, key, tmp, "is not an interface name");
	}
	return 0;
}

static int conf_add_iface(struct conf *c, const char *key, const char *name,
			  size_t len, char *err, size_t errlen)
{
	char tmp[IFNAMSIZ];
	int ret = conf_check_iface(key, name, len, err, errlen);

	if (ret < 0)
		return ret;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (!strcmp(c->ifaces[i], tmp))
			return 0;	/* listed twice: same meaning */
	if (c->n_ifaces >= CONF_MAX_IFACES)
		return conf_errf(err, errlen, key, tmp, "is one interface too many (max %d)",
				 CONF_MAX_IFACES);
	memcpy(c->ifaces[c->n_ifaces], name, len);
	c->ifaces[c->n_ifaces][len] = '\0';
	c->n_ifaces++;
	return 0;
}

/* "wg0 wg1", "wg0, wg1"; "all" alone means every interface (the default). */
static int conf_set_ifaces(struct conf *c, const char *key, const char *v,
			   char *err, size_t errlen)
{
	const char *sep = " \t,";
	int ret = 0;

	if (!strcmp(v, "all")) {
		c->n_ifaces = 0;
		return 0;
	}
	if (!v[strspn(v, sep)])
		return conf_errf(err, errlen, key, NULL,
				 "is empty (name interfaces, or say \"all\")");
	while (*v) {
		size_t len;

		v += strspn(v, sep);
		len = strcspn(v, sep);
		if (!len)
			break;
		ret = conf_add_iface(c, key, v, len, err, errlen);
		if (ret < 0)
			return ret;
		v += len;
	}
	return 0;
}

/* "0", "none" or "unlimited": no bound. */
static bool conf_is_unbounded(const char *v)
{
	return !strcmp(v, "0") || !strcasecmp(v, "none") || !strcasecmp(v, "unlimited");
}

static int conf_set_count(uint64_t *dst, const char *key, const char *v,
			  char *err, size_t errlen)
{
	uint64_t n;

	if (conf_is_unbounded(v)) {
		*dst = 0;
		return 0;
	}
	if (parse_u64(v, strlen(v), 1000000000000ull, &n) < 0)
		return conf_errf(err, errlen, key, v,
				 "is not a count (a number up to 10^12, or 0 for no limit)");
	*dst = n;
	return 0;
}

/* A journal age may exceed parse_duration_ms()'s 30 days: "365d". */
static int conf_set_age(const struct conf_key *k, uint64_t *dst, const char *key,
			const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v);
	uint64_t days;

	if (conf_is_unbounded(v)) {
		*dst = 0;
		return 0;
	}
	if (len > 1 && v[len - 1] == 'd' && parse_u64(v, len - 1, 36500, &days) == 0 &&
	    days > 0) {
		*dst = days * 86400000ull;
		return 0;
	}
	return conf_set_duration(k, dst, key, v, err, errlen);
}

/* Light syntax check only; outputs parse the rest (host, port, query). */
static int conf_check_url(const char *key, const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v);

	if (!len)
		return conf_errf(err, errlen, key, NULL, "is empty (an output needs a URL)");
	if (len >= sizeof(((struct conf_output *)0)->url))
		return conf_errf(err, errlen, key, v, "is too long (max %zu bytes)",
				 sizeof(((struct conf_output *)0)->url) - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return conf_errf(err, errlen, key, v,
					 "contains a space or control character");
	for (size_t i = 0; i < ARRAY_SIZE(conf_url_schemes); i++) {
		size_t sl = strlen(conf_url_schemes[i]);

		if (!strncmp(v, conf_url_schemes[i], sl)) {
			if (len == sl)
				return conf_errf(err, errlen, key, v,
						 "has nothing after the scheme");
			return 0;
		}
	}
	return conf_errf(err, errlen, key, v,
			 "is not an output URL (try syslog+tcp://HOST:PORT, "
			 "syslog+tls://HOST:PORT, syslog+udp://HOST:PORT, syslog+relp://HOST[:PORT], "
			 "jsonl:-, jsonl:/PATH)");
}

static int conf_set_facility(int *dst, const char *key, const char *v,
			     char *err, size_t errlen)
{
	uint64_t n;

	for (size_t i = 0; i < ARRAY_SIZE(conf_facilities); i++) {
		if (!strcasecmp(v, conf_facilities[i].name)) {
			*dst = conf_facilities[i].code;
			return 0;
		}
	}
	if (parse_u64(v, strlen(v), 23, &n) == 0) {
		*dst = (int)n;
		return 0;
	}
	return conf_errf(err, errlen, key, v,
			 "is not a syslog facility (user, daemon, auth, authpriv, local0..local7, ...)");
}

static int conf_set_severity(int *dst, const char *key, const char *v,
			     char *err, size_t errlen)
{
	char low[16];
	size_t i;

	for (i = 0; v[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)v[i]);
	low[i] = '\0';
	if (v[i] || severity_from_name(low, dst) < 0)
		return conf_errf(err, errlen, key, v,
				 "is not a severity (emerg, alert, crit, err, warning, notice, info, debug)");
	return 0;
}

static int conf_set_number(const struct conf_key *k, uint64_t *dst, const char *key,
			   const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (parse_u64(v, strlen(v), k->max, &n) < 0 || n < k->min)
		return conf_errf(err, errlen, key, v, "is not a number from %llu to %llu",
				 (unsigned long long)k->min, (unsigned long long)k->max);
	*dst = n;
	return 0;
}

/* "10", "2.5": digits with at most one '.', checked before strtod() so
 * no locale, exponent, hex or "inf" sneaks in. */
static int conf_set_factor(double *dst, const char *key, const char *v,
			   char *err, size_t errlen)
{
	size_t len = strlen(v), dots = 0, i;
	double f;
	char *end;

	for (i = 0; i < len; i++) {
		if (v[i] == '.')
			dots++;
		else if (v[i] < '0' || v[i] > '9')
			break;
	}
	if (!len || len > 12 || i != len || dots > 1 || v[0] == '.' || v[len - 1] == '.')
		return conf_errf(err, errlen, key, v, "is not a number (e.g. 10 or 2.5)");
	errno = 0;
	f = strtod(v, &end);
	if (errno || *end || !(f > 1.0) || f > 1000.0)
		return conf_errf(err, errlen, key, v, "is out of range (more than 1, at most 1000)");
	*dst = f;
	return 0;
}

/* Bytes: a count with an optional binary unit (K, KiB, M, MiB, G, GiB). */
static int conf_set_bytes(uint64_t *dst, const char *key, const char *v,
			  char *err, size_t errlen)
{
	static const struct {
		const char *unit;
		unsigned shift;
	} units[] = {
		{ "", 0 }, { "b", 0 }, { "k", 10 }, { "kib", 10 }, { "m", 20 },
		{ "mib", 20 }, { "g", 30 }, { "gib", 30 },
	};
	size_t len = strlen(v), digits = strspn(v, "0123456789");
	const char *unit = v + digits;
	uint64_t n;

	unit += strspn(unit, " ");
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(unit, units[i].unit))
			continue;
		if (parse_u64(v, digits, (1ull << 40) >> units[i].shift, &n) < 0)
			break;
		*dst = n << units[i].shift;
		return 0;
	}
	(void)len;
	return conf_errf(err, errlen, key, v,
			 "is not a byte count up to 1TiB (try 1048576, 512KiB, 1MiB)");
}

/* Validated here so a typo fails the load, kept as text: checks parse it. */
static int conf_set_cidrs(const struct conf_key *k, char *dst, const char *key,
			  const char *v, char *err, size_t errlen)
{
	char bad[CIDR_TEXT_LEN + 4];
	int ret;

	if (strlen(v) >= k->size)
		return conf_errf(err, errlen, key, v, "is too long (max %zu bytes)", k->size - 1);
	ret = cidr_set_parse(v, NULL, bad);
	if (ret == -E2BIG)
		return conf_errf(err, errlen, key, NULL, "too many prefixes (max %d)",
				 CIDR_SET_MAX);
	if (ret < 0)
		return conf_errf(err, errlen, key, bad,
				 "is not an address or prefix (try 192.0.2.0/24, 2001:db8::/32)");
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* A listening address: what endpoint_parse reads, with a port. */
static int conf_set_listen(const struct conf_key *k, char *dst, const char *key,
			   const char *v, char *err, size_t errlen)
{
	union endpoint ep;

	if (endpoint_parse(v, strlen(v), &ep) < 0 || !ep.sin.sin_port)
		return conf_errf(err, errlen, key, v,
				 "is not ADDR:PORT (try 127.0.0.1:9586 or [::1]:9586)");
	return conf_set_string(k, dst, key, v, err, errlen);
}

/* Interface names, stored normalized as "wg0 wg1". */
static int conf_set_names(const struct conf_key *k, char *dst, const char *key,
			  const char *v, char *err, size_t errlen)
{
	static const char sep[] = " \t,";
	char tmp[CONF_MAX_IFACES * IFNAMSIZ];
	size_t o = 0;

	while (*v) {
		size_t len;
		int ret;

		v += strspn(v, sep);
		len = strcspn(v, sep);
		if (!len)
			break;
		ret = conf_check_iface(key, v, len, err, errlen);
		if (ret < 0)
			return ret;
		if (o + len + 2 > sizeof(tmp) || o + len + 2 > k->size)
			return conf_errf(err, errlen, key, NULL, "too many names (max %d)",
					 CONF_MAX_IFACES);
		if (o)
			tmp[o++] = ' ';
		memcpy(tmp + o, v, len);
		o += len;
		v += len;
	}
	tmp[o] = '\0';
	memcpy(dst, tmp, o + 1);
	return 0;
}

/* Case-insensitive, and '-' matches '_': "State-Dir" is state_dir. */
bool conf_key_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = (char)tolower((unsigned char)*a), y = (char)tolower((unsigned char)*b);

		if (x == '-')
			x = '_';
		if (y == '-')
			y = '_';
		if (x != y)
			return false;
	}
	return !*a && !*b;
}

static const struct conf_key *conf_find_key(enum conf_sect sect, const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (conf_keys[i].sect == sect && conf_key_eq(conf_keys[i].name, key))
			return &conf_keys[i];
	return NULL;
}

static const char *conf_sect_name(enum conf_sect sect)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_sects); i++)
		if (conf_sects[i].sect == sect)
			return conf_sects[i].name;
	return "?";
}

/* Set key (in section sect; out is the output for SECT_OUTPUT) to v. */
int conf_apply(struct conf *c, enum conf_sect sect, int out, const char *key,
	       const char *v, char *err, size_t errlen)
{
	const struct conf_key *k;
	char *base;

	if (!*key)
		return conf_errf(err, errlen, "(empty)", NULL, "a line has no key before \"=\"");
	k = conf_find_key(sect, key);
	if (!k)
		return conf_errf(err, errlen, key, NULL, "unknown key in [%s]",
				 conf_sect_name(sect));
	if (conf_has_ctl(v))
		return conf_errf(err, errlen, key, v, "contains a control character");
	if (sect == SECT_OUTPUT) {
		if (out < 0 || (size_t)out >= c->n_outputs)
			return conf_errf(err, errlen, key, NULL, "no output to apply it to");
		base = (char *)&c->outputs[out];
	} else if (sect == SECT_ALLOW) {
		if (out < 0 || (size_t)out >= c->n_allows)
			return conf_errf(err, errlen, key, NULL, "no [allow] section to apply it to");
		base = (char *)&c->allows[out];
	} else {
		base = (char *)c;
	}
	base += k->off;
	switch (k->kind) {
	case K_DURATION:
		return conf_set_duration(k, (uint64_t *)base, key, v, err, errlen);
	case K_PATH:
	case K_HOSTNAME:
		return conf_set_string(k, base, key, v, err, errlen);
	case K_IFACES:
		return conf_set_ifaces(c, key, v, err, errlen);
	case K_BOOL:
		return conf_set_bool((bool *)base, key, v, err, errlen);
	case K_COUNT:
		return conf_set_count((uint64_t *)base, key, v, err, errlen);
	case K_AGE:
		return conf_set_age(k, (uint64_t *)base, key, v, err, errlen);
	case K_URL:
		if (conf_check_url(key, v, err, errlen) < 0)
			return -EINVAL;
		memcpy(base, v, strlen(v) + 1);
		return 0;
	case K_SEVERITY:
		return conf_set_severity((int *)base, key, v, err, errlen);
	case K_FACILITY:
		return conf_set_facility((int *)base, key, v, err, errlen);
	case K_NUMBER:
		return conf_set_number(k, (uint64_t *)base, key, v, err, errlen);
	case K_FACTOR:
		return conf_set_factor((double *)base, key, v, err, errlen);
	case K_BYTES:
		return conf_set_bytes((uint64_t *)base, key, v, err, errlen);
	case K_CIDRS:
		return conf_set_cidrs(k, base, key, v, err, errlen);
	case K_NAMES:
		return conf_set_names(k, base, key, v, err, errlen);
	case K_AUTO:
		return conf_set_auto((int *)base, key, v, err, errlen);
	case K_LISTEN:
		return conf_set_listen(k, base, key, v, err, errlen);
	case K_SERIES:
		if (strcmp(v, "mdlayher") && strcmp(v, "mindflavor"))
			return conf_errf(err, errlen, key, v, "is not mdlayher or mindflavor");
		return conf_set_string(k, base, key, v, err, errlen);
	case K_SDID: {
		const char *why = sd_id_check(v, strlen(v));

		if (why)
			return conf_errf(err, errlen, key, v, "%s", why);
		memcpy(base, v, strlen(v) + 1);
		return 0;
	}
	case K_NAMESPACES:
		return conf_set_namespaces((bool *)base, key, v, err, errlen);
	}
	return -EINVAL;
}

/* A new output with the defaults: everything (debug), facility user. */
int conf_output_add(struct conf *c, const char *name)
{
	struct conf_output *o;

	if (c->n_outputs >= CONF_MAX_OUTPUTS)
		return -ENOSPC;
	o = &c->outputs[c->n_outputs];
	memset(o, 0, sizeof(*o));
	o->min_severity = LOG_DEBUG;
	o->facility = 1;
	snprintf(c->output_names[c->n_outputs], sizeof(c->output_names[0]), "%s", name);
	return (int)c->n_outputs++;
}

enum conf_sect conf_sect_from_name(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_sects); i++)
		if (!strcasecmp(conf_sects[i].name, s))
			return conf_sects[i].sect;
	return SECT_BAD;
}

int conf_set(struct conf *c, const char *section, const char *key,
	     const char *value, char *err, size_t errlen)
{
	enum conf_sect sect = conf_sect_from_name(section ? section : "");
	const struct conf_key *k;
	int out = (int)c->n_outputs - 1;
	int ret;

	if (errlen)
		err[0] = '\0';
	if (sect == SECT_BAD)
		return conf_errf(err, errlen, key, NULL, "unknown section [%s]", section);
	if (sect == SECT_ALLOW)
		return conf_errf(err, errlen, key, NULL,
				 "[allow] sections are set in the config file only");
	k = conf_find_key(sect, key);
	if (k && k->kind == K_IFACES && !c->cli_ifaces) {
		/* The first --interface replaces the file's list; more append. */
		c->n_ifaces = 0;
		c->cli_ifaces = true;
	}
	if (k && k->kind == K_URL) {
		/* --output URL: a new output; the first replaces the file's. */
		ret = conf_check_url(key, value, err, errlen);
		if (ret < 0)
			return ret;
		if (!c->cli_outputs) {
			c->n_outputs = 0;
			c->cli_outputs = true;
		}
		out = conf_output_add(c, "");
		if (out < 0)
			return conf_errf(err, errlen, key, value, "is one output too many (max %d)",
					 CONF_MAX_OUTPUTS);
	}
	return conf_apply(c, sect, out, key, value, err, errlen);
}
