// SPDX-License-Identifier: GPL-2.0
/* conf.c - the configuration keys: the table of what each [section] key
 * means (its kind, where it lands), the defaults, conf_apply and the
 * command-line overrides (conf_set). What each kind of value accepts is
 * confval.c's. Messages are "key: ..." with no file:line: the file reader
 * (confread.c, inih) adds that, and a command-line override has none.
 * What the three share is conf_int.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "base/event.h"
#include "base/util.h"

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

/* "key: "value" message" into err; returns -EINVAL for the caller. */
int conf_errf(char *err, size_t errlen, const char *key,
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
	return conf_value_set(c, k, base + k->off, key, v, err, errlen);
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
