// SPDX-License-Identifier: GPL-2.0
/* confval.c - the values of the configuration keys: how each kind (a
 * duration, a count, a byte size, a boolean, interface names, an output
 * URL, CIDRs, a facility, a severity, ...) is checked and stored into
 * struct conf, and conf_value_set(), the one switch over the kinds. Which
 * key has which kind, and where it lands, is conf.c's table; what they
 * share is conf_int.h. Messages are "key: ..." (conf_errf). */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cidr.h"
#include "base/event.h"
#include "base/sdid.h"
#include "base/util.h"
#include "conf/conf.h"
#include "conf/conf_int.h"

#define DURATION_HINT		"(try 500ms, 10s, 5m)"

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
int conf_check_url(const char *key, const char *v, char *err, size_t errlen)
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

/* See conf_int.h. */
int conf_value_set(struct conf *c, const struct conf_key *k, char *base,
		   const char *key, const char *v, char *err, size_t errlen)
{
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
