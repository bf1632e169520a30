// SPDX-License-Identifier: GPL-2.0
/* test_url.c - output URLs (outputs/url.c, output_url_parse and
 * output_url_canonical): every scheme and option, the syslog+tls file and
 * name options, bounds, the canonical name a cursor is kept under. What an
 * output does with one is test_output.c's. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "test.h"
#include "base/util.h"
#include "outputs/output.h"

/* Parse url and check the result against want_ret, and a failure's
 * message against want_err (a substring). True: parsed as expected, the
 * caller checks the fields; false: the case is done (a failure was
 * expected and checked, or reported). */
static bool url_parsed(const char *url, int want_ret, const char *want_err,
		       struct output_url *u)
{
	char err[512];
	int ret = output_url_parse(url, strlen(url), u, err, sizeof(err));

	if (ret != want_ret) {
		test_fail("%s: ret %d, expected %d (%s)", url, ret, want_ret, err);
		return false;
	}
	if (ret < 0) {
		if (!strstr(err, want_err))
			test_fail("%s: message \"%s\" lacks \"%s\"", url, err, want_err);
		return false;
	}
	return true;
}

/* --- URL table ------------------------------------------------------- */

struct url_case {
	const char *url;
	int ret;
	enum output_kind kind;
	const char *host;
	unsigned port;
	enum output_format format;
	enum output_framing framing;
	const char *path;
	const char *err;	/* substring of the message */
};

static const struct url_case url_cases[] = {
	{ "syslog+tcp://192.0.2.1:601", 0, OUTPUT_TCP, "192.0.2.1", 601, OUTPUT_RFC5424, OUTPUT_OCTET, "", NULL },
	{ "syslog+tcp://collector.example", 0, OUTPUT_TCP, "collector.example", 514, OUTPUT_RFC5424, OUTPUT_OCTET, "", NULL },
	{ "syslog+tls://collector.example", 0, OUTPUT_TLS, "collector.example", 6514, OUTPUT_RFC5424, OUTPUT_OCTET, "", NULL },
	{ "syslog+udp://[::1]:5514", 0, OUTPUT_UDP, "::1", 5514, OUTPUT_RFC5424, OUTPUT_DATAGRAM, "", NULL },
	{ "syslog+udp://[fe80::1%eth0]", 0, OUTPUT_UDP, "fe80::1%eth0", 514, OUTPUT_RFC5424, OUTPUT_DATAGRAM, "", NULL },
	{ "syslog+tcp://h:514?format=rfc3164&framing=lf", 0, OUTPUT_TCP, "h", 514, OUTPUT_RFC3164, OUTPUT_LF, "", NULL },
	{ "syslog+tcp://h/?framing=octet", 0, OUTPUT_TCP, "h", 514, OUTPUT_RFC5424, OUTPUT_OCTET, "", NULL },
	{ "syslog+udp://h:1?format=rfc3164", 0, OUTPUT_UDP, "h", 1, OUTPUT_RFC3164, OUTPUT_DATAGRAM, "", NULL },
	{ "jsonl:-", 0, OUTPUT_JSONL, "", 0, 0, 0, "-", NULL },
	{ "jsonl:/var/log/wgaudit.jsonl", 0, OUTPUT_JSONL, "", 0, 0, 0, "/var/log/wgaudit.jsonl", NULL },
	{ "foo://x", -EINVAL, 0, NULL, 0, 0, 0, NULL,
	  "output \"foo://x\": unknown scheme 'foo' (use syslog+tcp://, syslog+udp://, syslog+tls://, syslog+relp://, jsonl:)" },
	{ "syslog+relp://127.0.0.1", 0, OUTPUT_RELP, "127.0.0.1", 2514, OUTPUT_RFC5424, OUTPUT_OCTET, "", NULL },
	{ "syslog+relp://[::1]:20514?format=rfc3164", 0, OUTPUT_RELP, "::1", 20514, OUTPUT_RFC3164, OUTPUT_OCTET, "", NULL },
	{ "syslog+relp://h?framing=lf", -EINVAL, 0, NULL, 0, 0, 0, NULL, "framing does not apply to syslog+relp" },
	{ "syslog+relp://h?tls=1&ca=/etc/ca.pem", 0, OUTPUT_RELP, "h", 2514, OUTPUT_RFC5424, OUTPUT_OCTET, "", NULL },
	{ "syslog+relp://h?ca=/etc/ca.pem", -EINVAL, 0, NULL, 0, 0, 0, NULL, "need tls=1 on syslog+relp" },
	{ "syslog+relp://h?tls=yes", -EINVAL, 0, NULL, 0, 0, 0, NULL, "tls must be 1 or 0" },
	{ "syslog://x", -EINVAL, 0, NULL, 0, 0, 0, NULL, "unknown scheme 'syslog'" },
	{ "", -EINVAL, 0, NULL, 0, 0, 0, NULL, "unknown scheme" },
	{ "jsonl:", -EINVAL, 0, NULL, 0, 0, 0, NULL, "jsonl needs" },
	{ "jsonl:rel/path", -EINVAL, 0, NULL, 0, 0, 0, NULL, "absolute" },
	{ "syslog+tcp://", -EINVAL, 0, NULL, 0, 0, 0, NULL, "missing host" },
	{ "syslog+tcp://:514", -EINVAL, 0, NULL, 0, 0, 0, NULL, "missing host" },
	{ "syslog+tcp://h:0", -EINVAL, 0, NULL, 0, 0, 0, NULL, "bad port" },
	{ "syslog+tcp://h:65536", -EINVAL, 0, NULL, 0, 0, 0, NULL, "bad port" },
	{ "syslog+tcp://h:", -EINVAL, 0, NULL, 0, 0, 0, NULL, "bad port" },
	{ "syslog+tcp://h:51x", -EINVAL, 0, NULL, 0, 0, 0, NULL, "bad port" },
	{ "syslog+tcp://::1:514", -EINVAL, 0, NULL, 0, 0, 0, NULL, "missing host" },
	{ "syslog+tcp://[::1", -EINVAL, 0, NULL, 0, 0, 0, NULL, "unterminated" },
	{ "syslog+tcp://[zz]:1", -EINVAL, 0, NULL, 0, 0, 0, NULL, "bad IPv6" },
	{ "syslog+tcp://[::1]x", -EINVAL, 0, NULL, 0, 0, 0, NULL, "expected ':'" },
	{ "syslog+tcp://a b:1", -EINVAL, 0, NULL, 0, 0, 0, NULL, "bad character" },
	{ "syslog+tcp://u@h:1", -EINVAL, 0, NULL, 0, 0, 0, NULL, "user info" },
	{ "syslog+tcp://h:1/path", -EINVAL, 0, NULL, 0, 0, 0, NULL, "no path" },
	{ "syslog+tcp://h?format=json", -EINVAL, 0, NULL, 0, 0, 0, NULL, "rfc5424 or rfc3164" },
	{ "syslog+tcp://h?framing=nul", -EINVAL, 0, NULL, 0, 0, 0, NULL, "octet or lf" },
	{ "syslog+udp://h?framing=lf", -EINVAL, 0, NULL, 0, 0, 0, NULL, "tcp and syslog+tls only" },
	{ "syslog+tcp://h?facility=3", -EINVAL, 0, NULL, 0, 0, 0, NULL, "unknown option 'facility'" },
};

TEST(url_table)
{
	for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		const struct url_case *c = &url_cases[i];
		struct output_url u;

		if (!url_parsed(c->url, c->ret, c->err, &u))
			continue;
		if (u.kind != c->kind || strcmp(u.host, c->host) || u.port != c->port ||
		    (c->kind != OUTPUT_JSONL && (u.format != c->format || u.framing != c->framing)) ||
		    strcmp(u.path, c->path))
			test_fail("%s: kind %d host '%s' port %u format %d framing %d path '%s'",
				  c->url, u.kind, u.host, u.port, u.format, u.framing, u.path);
	}
}

TEST(url_sd_id)
{
	struct output_url u;
	char err[256];
	const char *url = "syslog+tcp://127.0.0.1:514?sd_id=example@99999&format=rfc5424";

	CHECK_INT(output_url_parse(url, strlen(url), &u, err, sizeof(err)), 0);
	CHECK_STR(u.sd_id, "example@99999");
	url = "syslog+udp://127.0.0.1:514";
	CHECK_INT(output_url_parse(url, strlen(url), &u, err, sizeof(err)), 0);
	CHECK_STR(u.sd_id, "");
	url = "syslog+tcp://127.0.0.1:514?sd_id=wgaudit";
	CHECK_INT(output_url_parse(url, strlen(url), &u, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "output \"syslog+tcp://127.0.0.1:514?sd_id=wgaudit\": sd_id must be "
		  "NAME@NUMBER (your enterprise number; names without '@' are IANA's)");
	url = "syslog+tcp://127.0.0.1:514?sd_id=a]b@1";	/* taken literally: no decoding */
	CHECK_INT(output_url_parse(url, strlen(url), &u, err, sizeof(err)), -EINVAL);
}

TEST(url_canonical)
{
	static const struct {
		const char *url, *canon;
	} cases[] = {
		{ "syslog+tcp://Collector.Example", "syslog+tcp://collector.example:514" },
		{ "syslog+tcp://h:514/?format=rfc5424&framing=octet", "syslog+tcp://h:514" },
		{ "syslog+tcp://h?framing=lf&format=rfc3164", "syslog+tcp://h:514?format=rfc3164&framing=lf" },
		{ "syslog+tcp://h?format=rfc3164&framing=lf", "syslog+tcp://h:514?format=rfc3164&framing=lf" },
		{ "syslog+udp://[FE80::1%Eth0]:5514?format=rfc3164", "syslog+udp://[FE80::1%Eth0]:5514?format=rfc3164" },
		{ "syslog+tls://h?name=c.example&ca=/etc/a%26b%3Fc.pem&format=rfc3164",
		  "syslog+tls://h:6514?ca=/etc/a%26b%3Fc.pem&format=rfc3164&name=c.example" },
		{ "syslog+tls://h?key=/k&cert=/c", "syslog+tls://h:6514?cert=/c&key=/k" },
		{ "syslog+relp://R.example?tls=1&ca=/c.pem", "syslog+relp://r.example:2514?ca=/c.pem&tls=1" },
		{ "syslog+relp://r?format=rfc5424", "syslog+relp://r:2514" },
		{ "jsonl:/var/log/w.jsonl", "jsonl:/var/log/w.jsonl" },
		{ "jsonl:-", "jsonl:-" },
	};
	struct output_url u;
	char err[256], buf[4096];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_INT(output_url_parse(cases[i].url, strlen(cases[i].url), &u, err, sizeof(err)), 0);
		CHECK_INT(output_url_canonical(&u, buf, sizeof(buf)), 0);
		CHECK_STR(buf, cases[i].canon);
	}
	CHECK_INT(output_url_parse("syslog+tcp://h?format=rfc3164", 29, &u, err, sizeof(err)), 0);
	CHECK_INT(output_url_canonical(&u, buf, 20), -ENOSPC);
}

TEST(url_not_nul_terminated)
{
	struct output_url u;
	char err[256];
	char buf[] = "syslog+tcp://h:514XXXX";

	CHECK_INT(output_url_parse(buf, 18, &u, err, sizeof(err)), 0);
	CHECK_INT(u.port, 514);
}

/* --- syslog+tls options ---------------------------------------------- */

struct tls_url_case {
	const char *url;
	int ret;
	const char *ca, *cert, *key, *name;
	const char *err;	/* substring of the message */
};

static const struct tls_url_case tls_url_cases[] = {
	{ "syslog+tls://h:6514?ca=/etc/ssl/ca.pem", 0, "/etc/ssl/ca.pem", "", "", "", NULL },
	{ "syslog+tls://127.0.0.1?ca=/c.pem&cert=/cl.pem&key=/cl.key&name=collector.example",
	  0, "/c.pem", "/cl.pem", "/cl.key", "collector.example", NULL },
	{ "syslog+tls://h?cert=/both.pem", 0, "", "/both.pem", "", "", NULL },
	{ "syslog+tls://h?name=192.0.2.7&format=rfc3164", 0, "", "", "", "192.0.2.7", NULL },
	{ "syslog+tls://h?name=::1", 0, "", "", "", "::1", NULL },
	{ "syslog+tls://h?ca=/a%26b%3Fc%25.pem", 0, "/a&b?c%.pem", "", "", "", NULL },
	{ "syslog+tls://h?ca=", -EINVAL, NULL, NULL, NULL, NULL, "ca= is empty" },
	{ "syslog+tls://h?ca", -EINVAL, NULL, NULL, NULL, NULL, "ca= is empty" },
	{ "syslog+tls://h?ca=rel.pem", -EINVAL, NULL, NULL, NULL, NULL, "ca= must be an absolute path" },
	{ "syslog+tls://h?ca=/a&ca=/b", -EINVAL, NULL, NULL, NULL, NULL, "ca= given twice" },
	{ "syslog+tls://h?key=/k.pem", -EINVAL, NULL, NULL, NULL, NULL, "key= needs cert=" },
	{ "syslog+tls://h?name=a%20b", -EINVAL, NULL, NULL, NULL, NULL, "name= must be a host name" },
	{ "syslog+tls://h?name=a/b", -EINVAL, NULL, NULL, NULL, NULL, "name= must be a host name" },
	{ "syslog+tls://h?ca=/a%0a", -EINVAL, NULL, NULL, NULL, NULL, "control character" },
	{ "syslog+tls://h?ca=/a%00", -EINVAL, NULL, NULL, NULL, NULL, "control character" },
	{ "syslog+tls://h?ca=/a%2", -EINVAL, NULL, NULL, NULL, NULL, "bad %-escape" },
	{ "syslog+tls://h?ca=/a%zz", -EINVAL, NULL, NULL, NULL, NULL, "bad %-escape" },
	{ "syslog+tcp://h?ca=/a.pem", -EINVAL, NULL, NULL, NULL, NULL, "ca= applies to syslog+tls and syslog+relp only" },
	{ "syslog+udp://h?name=x", -EINVAL, NULL, NULL, NULL, NULL, "name= applies to syslog+tls and syslog+relp only" },
	{ "syslog+tls://h?verify=no", -EINVAL, NULL, NULL, NULL, NULL,
	  "unknown option 'verify' (use format=, framing=, sd_id=, ca=, cert=, key=, name=)" },
};

TEST(tls_url_options)
{
	for (size_t i = 0; i < sizeof(tls_url_cases) / sizeof(tls_url_cases[0]); i++) {
		const struct tls_url_case *c = &tls_url_cases[i];
		struct output_url u;

		if (!url_parsed(c->url, c->ret, c->err, &u))
			continue;
		if (u.kind != OUTPUT_TLS || strcmp(u.ca, c->ca) || strcmp(u.cert, c->cert) ||
		    strcmp(u.key, c->key) || strcmp(u.name, c->name))
			test_fail("%s: ca '%s' cert '%s' key '%s' name '%s'",
				  c->url, u.ca, u.cert, u.key, u.name);
	}
}

TEST(tls_url_option_too_long)
{
	char url[1200], err[512];
	struct output_url u;
	int n = snprintf(url, sizeof(url), "syslog+tls://h?ca=/");

	memset(url + n, 'a', 600);
	url[n + 600] = '\0';
	CHECK_INT(output_url_parse(url, strlen(url), &u, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "ca=: too long"));
	n = snprintf(url, sizeof(url), "syslog+tls://h?name=");
	memset(url + n, 'a', 300);
	url[n + 300] = '\0';
	CHECK_INT(output_url_parse(url, strlen(url), &u, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "name=: too long"));
}

TEST_MAIN()
