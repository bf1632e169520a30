// SPDX-License-Identifier: GPL-2.0
/* test_conf.c - config file parsing, error messages with line numbers,
 * CLI overrides. Messages are compared whole: they are the user interface. */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ifkey.h"
#include "conf/conf.h"

/* Parse text with conf_parse(); messages land in *msgs (malloc'd). */
static int parse(struct conf *c, const char *text, size_t len, char **msgs)
{
	size_t mlen = 0;
	FILE *f = open_memstream(msgs, &mlen);
	int ret;

	conf_defaults(c);
	ret = conf_parse(c, "t.conf", text, len, f);
	fclose(f);
	return ret;
}

static int parse_str(struct conf *c, const char *text, char **msgs)
{
	return parse(c, text, strlen(text), msgs);
}

/* Run conf_load() with stderr sent to a temporary file; *msgs gets it. */
static int load_capture(struct conf *c, const char *path, bool missing_ok, char **msgs)
{
	char tmpl[] = "/tmp/wgaudit-test-conf-XXXXXX";
	int fd = mkstemp(tmpl), saved, ret;
	off_t n;

	unlink(tmpl);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	ret = conf_load(c, path, missing_ok);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = lseek(fd, 0, SEEK_END);
	*msgs = calloc(1, (size_t)n + 1);
	if (*msgs && n > 0 && pread(fd, *msgs, (size_t)n, 0) != n)
		(*msgs)[0] = '\0';
	close(fd);
	return ret;
}

static char *data_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_data_dir, name);
	return path;
}

TEST(defaults)
{
	struct conf c;

	conf_defaults(&c);
	CHECK_INT(c.interval_ms, 10000);
	CHECK_INT(c.active_ms, 180000);
	CHECK_INT(c.transfer_interval_ms, 60000);
	CHECK_STR(c.state_dir, "/var/lib/wgaudit");
	CHECK_STR(c.uapi_dir, "/var/run/wireguard");
	CHECK_STR(c.config_dir, "/etc/wireguard");
	CHECK_STR(c.hostname, "");
	CHECK_STR(c.path, "");
	CHECK(c.kmsg);
	CHECK(!c.enable_dyndbg);
	CHECK(!c.kmsg_accept_user);
	CHECK_INT(c.n_ifaces, 0);
	CHECK_INT(c.n_outputs, 0);
	CHECK_INT(c.journal_max_events, 0);
	CHECK_INT(c.journal_max_age_ms, 0);
}

TEST(full_file)
{
	struct conf c;
	char *msgs = NULL;

	conf_defaults(&c);
	CHECK_INT(load_capture(&c, data_path("conf-full.conf"), false, &msgs), 0);
	CHECK_STR(msgs, "");
	CHECK_STR(c.path, data_path("conf-full.conf"));
	CHECK_INT(c.interval_ms, 5000);
	CHECK_INT(c.active_ms, 180000);
	CHECK_INT(c.transfer_interval_ms, 120000);
	CHECK_STR(c.state_dir, "/srv/wgaudit");
	CHECK_STR(c.uapi_dir, "/run/wireguard");
	CHECK_STR(c.config_dir, "/etc/wg");
	CHECK_STR(c.hostname, "vpn-gw-1");
	CHECK_INT(c.n_ifaces, 3);
	CHECK_STR(c.ifaces[0], "wg0");
	CHECK_STR(c.ifaces[1], "wg1");
	CHECK_STR(c.ifaces[2], "wg2");
	CHECK(!c.kmsg);
	CHECK(c.enable_dyndbg);
	CHECK(c.kmsg_accept_user);
	CHECK_INT(c.journal_max_events, 1000000);
	CHECK_INT(c.journal_max_age_ms, 90ull * 86400000);
	CHECK_INT(c.n_outputs, 2);
	CHECK_STR(c.output_names[0], "collector");
	CHECK_STR(c.outputs[0].url, "syslog+tcp://10.0.0.5:514?format=rfc5424");
	CHECK_INT(c.outputs[0].min_severity, 5);	/* notice */
	CHECK_INT(c.outputs[0].facility, 19);		/* local3 */
	CHECK_STR(c.output_names[1], "local");
	CHECK_STR(c.outputs[1].url, "jsonl:/var/log/wgaudit/events.jsonl");
	CHECK_INT(c.outputs[1].min_severity, 7);	/* debug: everything */
	CHECK_INT(c.outputs[1].facility, 1);		/* user */
	free(msgs);
}

/* Every error, its line and its words; parsing goes on after each one. */
TEST(errors_file)
{
	static const char expect[] =
		"P:2: interval: \"10 s\" is not a duration (try 500ms, 10s, 5m)\n"
		"P:4: polling: unknown key in [agent]\n"
		"P:5: interfaces: \"averyveryverylongname\" is too long for an interface name (max 15 bytes)\n"
		"P:8: enabled: \"maybe\" is not a boolean (yes or no)\n"
		"P:11: max_age: \"soon\" is not a duration (try 500ms, 10s, 5m)\n"
		"P:13: [nonsense]: unknown section (use [agent], [kmsg], [journal], [checks], [bpf], [metrics], "
		"[output \"NAME\"] or [allow \"IFACE\"])\n"
		"P:17: url: \"http://example.com/\" is not an output URL (try syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT, syslog+udp://HOST:PORT, syslog+relp://HOST[:PORT], jsonl:-, jsonl:/PATH)\n"
		"P:18: min_severity: \"loud\" is not a severity (emerg, alert, crit, err, warning, notice, info, debug)\n"
		"P:19: facility: \"nowhere\" is not a syslog facility (user, daemon, auth, authpriv, local0..local7, ...)\n"
		"P:21: [output \"a\"]: duplicate output name\n"
		"P:25: url: is empty (an output needs a URL)\n"
		"P:26: just some words: expected \"key = value\" or \"[section]\"\n";
	struct conf c;
	char *msgs = NULL, *want;
	const char *path = data_path("conf-errors.conf");
	size_t plen = strlen(path);

	conf_defaults(&c);
	CHECK_INT(load_capture(&c, path, false, &msgs), 12);
	/* Build the expectation with the real path in place of "P". */
	want = calloc(1, sizeof(expect) + 12 * plen);
	for (const char *s = expect; *s; s++) {
		if (*s == 'P' && (s == expect || s[-1] == '\n')) {
			strcat(want, path);
		} else {
			size_t wl = strlen(want);

			want[wl] = *s;
			want[wl + 1] = '\0';
		}
	}
	CHECK_STR(msgs, want);
	/* Good lines after bad ones still count. */
	CHECK_INT(c.active_ms, 180000);
	CHECK_INT(c.interval_ms, 10000);
	CHECK_INT(c.n_ifaces, 1);
	free(want);
	free(msgs);
}

TEST(missing_file)
{
	struct conf c;
	char *msgs = NULL;

	conf_defaults(&c);
	CHECK_INT(load_capture(&c, "/nonexistent/wgaudit.conf", true, &msgs), 0);
	CHECK_STR(msgs, "");
	CHECK_STR(c.path, "");
	free(msgs);
	CHECK_INT(load_capture(&c, "/nonexistent/wgaudit.conf", false, &msgs), -ENOENT);
	CHECK_STR(msgs, "/nonexistent/wgaudit.conf: No such file or directory\n");
	free(msgs);
	/* A directory is not a config file; its name is in the message. */
	CHECK_INT(load_capture(&c, "/", false, &msgs), -EISDIR);
	CHECK_STR(msgs, "/: Is a directory\n");
	free(msgs);
}

TEST(unreadable_file)
{
	char path[] = "/tmp/wgaudit-test-conf-XXXXXX", want[128];
	int fd = mkstemp(path);
	struct conf c;
	char *msgs = NULL;

	if (geteuid() == 0) {
		/* root reads mode 000 files: nothing to test. */
		close(fd);
		unlink(path);
		return;
	}
	fchmod(fd, 0);
	close(fd);
	conf_defaults(&c);
	CHECK_INT(load_capture(&c, path, true, &msgs), -EACCES);
	snprintf(want, sizeof(want), "%s: Permission denied\n", path);
	CHECK_STR(msgs, want);
	free(msgs);
	unlink(path);
}

TEST(crlf_and_bom)
{
	struct conf c;
	char *msgs = NULL;

	conf_defaults(&c);
	CHECK_INT(load_capture(&c, data_path("conf-crlf.conf"), false, &msgs), 0);
	CHECK_STR(msgs, "");
	CHECK_INT(c.interval_ms, 750);
	CHECK_STR(c.state_dir, "/tmp/x");
	CHECK_INT(c.n_outputs, 1);
	CHECK_STR(c.outputs[0].url, "jsonl:-");
	free(msgs);
}

TEST(error_line_numbers_crlf)
{
	static const char text[] = "\xef\xbb\xbf[agent]\r\n\r\ninterval = soon\r\n";
	struct conf c;
	char *msgs = NULL;

	CHECK_INT(parse_str(&c, text, &msgs), 1);
	CHECK_STR(msgs, "t.conf:3: interval: \"soon\" is not a duration (try 500ms, 10s, 5m)\n");
	free(msgs);
}

TEST(several_errors_counted)
{
	struct conf c;
	char *msgs = NULL;

	CHECK_INT(parse_str(&c, "[agent]\ninterval = x\ninterval = y\nhostname = a b\n"
			    "[kmsg]\nenabled = 2\n", &msgs), 4);
	CHECK_STR(msgs,
		  "t.conf:2: interval: \"x\" is not a duration (try 500ms, 10s, 5m)\n"
		  "t.conf:3: interval: \"y\" is not a duration (try 500ms, 10s, 5m)\n"
		  "t.conf:4: hostname: \"a b\" is not a host name (printable ASCII, no spaces)\n"
		  "t.conf:6: enabled: \"2\" is not a boolean (yes or no)\n");
	free(msgs);
}

TEST(key_outside_section)
{
	struct conf c;
	char *msgs = NULL;

	CHECK_INT(parse_str(&c, "; comment\ninterval = 5s\n", &msgs), 1);
	CHECK_STR(msgs, "t.conf:2: interval: outside any section (put it under [agent])\n");
	free(msgs);
}

TEST(header_errors)
{
	struct conf c;
	char *msgs = NULL;

	CHECK_INT(parse_str(&c, "[agent\ninterval = 1s\n[kmsg] junk\n[output]\nurl = jsonl:-\n"
			    "[output \"bad name\"]\n[output \"x\"]\n[agent]\n", &msgs), 5);
	CHECK_STR(msgs,
		  "t.conf:1: [agent: section header without \"]\"\n"
		  "t.conf:3: junk: text after the section header\n"
		  "t.conf:4: [output]: needs a name in quotes, e.g. [output \"collector\"] (letters, digits, '_', '.', '-'; max 63 bytes)\n"
		  "t.conf:6: [output]: needs a name in quotes, e.g. [output \"collector\"] (letters, digits, '_', '.', '-'; max 63 bytes)\n"
		  "t.conf:7: url: missing in [output \"x\"]\n");
	/* Keys under a broken header are skipped, not applied elsewhere. */
	CHECK_INT(c.interval_ms, 10000);
	free(msgs);
}

TEST(too_many_outputs)
{
	struct conf c;
	char text[2048] = "", *msgs = NULL;

	for (int i = 0; i < CONF_MAX_OUTPUTS + 1; i++) {
		size_t n = strlen(text);

		snprintf(text + n, sizeof(text) - n, "[output \"o%d\"]\nurl = jsonl:-\n", i);
	}
	CHECK_INT(parse_str(&c, text, &msgs), 1);
	CHECK_STR(msgs, "t.conf:17: [output \"o8\"]: too many outputs (max 8)\n");
	CHECK_INT(c.n_outputs, CONF_MAX_OUTPUTS);
	free(msgs);
}

TEST(too_many_interfaces)
{
	struct conf c;
	char text[2048] = "[agent]\n", *msgs = NULL;

	/* 13 lines of 5 names: the 65th is one too many. */
	for (int l = 0; l < 13; l++) {
		size_t n = strlen(text);

		snprintf(text + n, sizeof(text) - n, "interfaces = a%d b%d c%d d%d e%d\n",
			 l, l, l, l, l);
	}
	CHECK_INT(parse_str(&c, text, &msgs), 1);
	CHECK_STR(msgs, "t.conf:14: interfaces: \"e12\" is one interface too many (max 64)\n");
	CHECK_INT(c.n_ifaces, CONF_MAX_IFACES);
	free(msgs);
}

TEST(boundaries)
{
	struct conf c;
	char *msgs = NULL;
	char name15[] = "[agent]\ninterfaces = abcdefghijklmno\n";
	char name16[] = "[agent]\ninterfaces = abcdefghijklmnop\n";

	CHECK_INT(parse_str(&c, "[agent]\ninterval = 100ms\nactive_after = 30d\n", &msgs), 0);
	CHECK_INT(c.interval_ms, 100);
	CHECK_INT(c.active_ms, 30ull * 86400000);
	free(msgs);
	CHECK_INT(parse_str(&c, "[agent]\ninterval = 99ms\nactive_after = 31d\n", &msgs), 2);
	CHECK_STR(msgs, "t.conf:2: interval: \"99ms\" is too short (min 100ms)\n"
		  "t.conf:3: active_after: \"31d\" is out of range (max 30d)\n");
	free(msgs);
	CHECK_INT(parse_str(&c, name15, &msgs), 0);
	CHECK_STR(c.ifaces[0], "abcdefghijklmno");
	free(msgs);
	CHECK_INT(parse_str(&c, name16, &msgs), 1);
	free(msgs);
	CHECK_INT(parse_str(&c, "[journal]\nmax_events = 0\nmax_age = unlimited\n", &msgs), 0);
	CHECK_INT(c.journal_max_events, 0);
	free(msgs);
	CHECK_INT(parse_str(&c, "[journal]\nmax_events = 18446744073709551616\n", &msgs), 1);
	free(msgs);
	CHECK_INT(parse_str(&c, "[output \"a\"]\nurl = jsonl:\n", &msgs), 1);
	CHECK_STR(msgs, "t.conf:2: url: \"jsonl:\" has nothing after the scheme\n");
	free(msgs);
	/* All of interfaces = all: back to every interface. */
	CHECK_INT(parse_str(&c, "[agent]\ninterfaces = wg0\ninterfaces = all\n", &msgs), 0);
	CHECK_INT(c.n_ifaces, 0);
	free(msgs);
}

TEST(syntax_liberties)
{
	struct conf c;
	char *msgs = NULL;

	/* Indented keys, quotes, case, '-' for '_', comments, ':' for '='. */
	CHECK_INT(parse_str(&c, "  [ Agent ]  ; the agent\n"
			    "\tState-Dir = \"/var/lib/wg audit\"\n"
			    "    interval: 2m\n"
			    "# comment\n"
			    "; comment\n"
			    "[output \"c\"] # collector\n"
			    "url = syslog+udp://[::1]:514 ; local\n"
			    "min_severity = WARNING\n", &msgs), 0);
	CHECK_STR(msgs, "");
	CHECK_STR(c.state_dir, "/var/lib/wg audit");
	CHECK_INT(c.interval_ms, 120000);
	CHECK_STR(c.outputs[0].url, "syslog+udp://[::1]:514");
	CHECK_INT(c.outputs[0].min_severity, 4);
	free(msgs);
}

TEST(cli_override_after_file)
{
	struct conf c;
	char err[256], *msgs = NULL;

	conf_defaults(&c);
	CHECK_INT(load_capture(&c, data_path("conf-full.conf"), false, &msgs), 0);
	free(msgs);
	CHECK_INT(conf_set(&c, "agent", "interval", "500ms", err, sizeof(err)), 0);
	CHECK_INT(c.interval_ms, 500);
	CHECK_INT(conf_set(&c, "agent", "state_dir", "/tmp/s", err, sizeof(err)), 0);
	CHECK_STR(c.state_dir, "/tmp/s");
	/* The first --interface replaces the file's three, the next appends. */
	CHECK_INT(conf_set(&c, "agent", "interface", "wg9", err, sizeof(err)), 0);
	CHECK_INT(conf_set(&c, "agent", "interface", "wg8", err, sizeof(err)), 0);
	CHECK_INT(c.n_ifaces, 2);
	CHECK_STR(c.ifaces[0], "wg9");
	CHECK_STR(c.ifaces[1], "wg8");
	/* Same for --output, with the defaults: all severities, user. */
	CHECK_INT(conf_set(&c, "output", "url", "jsonl:-", err, sizeof(err)), 0);
	CHECK_INT(conf_set(&c, "output", "url", "syslog+tls://h:6514", err, sizeof(err)), 0);
	CHECK_INT(c.n_outputs, 2);
	CHECK_STR(c.outputs[0].url, "jsonl:-");
	CHECK_STR(c.output_names[0], "");
	CHECK_INT(c.outputs[0].min_severity, 7);
	CHECK_INT(c.outputs[0].facility, 1);
	CHECK_STR(c.outputs[1].url, "syslog+tls://h:6514");
	CHECK_INT(conf_set(&c, "output", "facility", "daemon", err, sizeof(err)), 0);
	CHECK_INT(c.outputs[1].facility, 3);
	CHECK_INT(c.outputs[0].facility, 1);
}

TEST(cli_errors)
{
	struct conf c;
	char err[256];

	conf_defaults(&c);
	CHECK_INT(conf_set(&c, "agent", "interval", "10 s", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "interval: \"10 s\" is not a duration (try 500ms, 10s, 5m)");
	CHECK_INT(c.interval_ms, 10000);
	CHECK_INT(conf_set(&c, "output", "url", "", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "url: is empty (an output needs a URL)");
	CHECK_INT(conf_set(&c, "output", "url", "ftp://x", err, sizeof(err)), -EINVAL);
	CHECK_INT(c.n_outputs, 0);
	CHECK_INT(conf_set(&c, "agent", "interface", "this-name-is-too-long", err, sizeof(err)),
		  -EINVAL);
	CHECK_STR(err, "interface: \"this-name-is-too-long\" is too long for an interface name (max 15 bytes)");
	CHECK_INT(conf_set(&c, "agent", "interface", "a/b", err, sizeof(err)), -EINVAL);
	CHECK_INT(conf_set(&c, "agent", "nope", "1", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "nope: unknown key in [agent]");
	CHECK_INT(conf_set(&c, "bogus", "interval", "1s", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "interval: unknown section [bogus]");
	for (int i = 0; i < CONF_MAX_OUTPUTS; i++)
		CHECK_INT(conf_set(&c, "output", "url", "jsonl:-", err, sizeof(err)), 0);
	CHECK_INT(conf_set(&c, "output", "url", "jsonl:-", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "url: \"jsonl:-\" is one output too many (max 8)");
	/* A tiny err buffer is not overrun. */
	CHECK_INT(conf_set(&c, "agent", "interval", "nope", err, 4), -EINVAL);
	CHECK_INT(strlen(err), 3);
}

TEST(long_lines)
{
	struct conf c;
	char *text = malloc(20000), *msgs = NULL;

	/* A 10 KB line is one error on its own line, not several "lines". */
	strcpy(text, "[agent]\nhostname = ");
	memset(text + strlen(text), 'x', 10000);
	strcpy(text + 19 + 10000, "\ninterval = 3s\n");
	CHECK_INT(parse_str(&c, text, &msgs), 1);
	CHECK_STR(msgs, "t.conf:2: line too long (max 198 bytes)\n");
	CHECK_INT(c.interval_ms, 3000);
	free(msgs);
	/* The longest line that fits. */
	strcpy(text, "[agent]\nstate_dir = /");
	memset(text + strlen(text), 'd', 198 - 13);
	strcpy(text + 8 + 198, "\n");
	CHECK_INT(parse_str(&c, text, &msgs), 0);
	CHECK_INT(strlen(c.state_dir), 198 - 12);
	free(msgs);
	free(text);
}

TEST(binary_garbage)
{
	struct conf c;
	char buf[4096], *msgs = NULL;
	unsigned x = 12345;
	int ret;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (char)(x >> 16);
	}
	ret = parse(&c, buf, sizeof(buf), &msgs);
	CHECK(ret > 0);
	CHECK(ret <= 50);
	free(msgs);
	/* A NUL byte in a line. */
	CHECK_INT(parse(&c, "[agent]\nhost\0name = x\n", 22, &msgs), 1);
	CHECK_STR(msgs, "t.conf:2: line contains a NUL byte (not a text file?)\n");
	free(msgs);
	/* Control characters are quoted back, not printed raw. */
	CHECK_INT(parse_str(&c, "[agent]\nhostname = a\x1b[2Jb\n", &msgs), 1);
	CHECK_STR(msgs, "t.conf:2: hostname: \"a\\x1b[2Jb\" contains a control character\n");
	free(msgs);
	/* No trailing newline, empty input. */
	CHECK_INT(parse_str(&c, "[agent]\ninterval = 1s", &msgs), 0);
	CHECK_INT(c.interval_ms, 1000);
	free(msgs);
	CHECK_INT(parse(&c, "", 0, &msgs), 0);
	free(msgs);
}

/* Issue 5: [checks] and [allow "..."] (docs/checks.md). */
#define PUB "9AVMEBvljS1j+Suo3XUZu2wYZgiJdwdKUE2Mp6s44Ss="

TEST(checks_defaults)
{
	struct conf c;

	conf_defaults(&c);
	CHECK(c.check_endpoint && c.check_spike && c.check_flood && c.check_rogue);
	CHECK(c.flood_packets);
	CHECK_INT(c.suppress_ms, 3600000);
	CHECK_INT(c.flood_suppress_ms, 300000);
	CHECK(c.spike_factor == 10.0);
	CHECK_INT(c.spike_warmup, 5);
	CHECK_INT(c.spike_min_bytes, 1048576);
	CHECK_INT(c.flood_threshold, 100);
	CHECK_INT(c.flood_window_ms, 60000);
	CHECK_STR(c.endpoint_allow, "");
	CHECK_STR(c.allowed_ifaces, "");
	CHECK_INT(c.n_allows, 0);
}

TEST(checks_keys)
{
	struct conf c;
	char *msgs = NULL;

	/* conf_defaults leaves the [allow] table past n_allows as it was
	 * (its pages stay untouched): an added entry must not inherit it. */
	memset(&c, 0xa5, sizeof(c));
	CHECK_INT(parse_str(&c,
		"[checks]\n"
		"enable_spike = no\n"
		"flood_packets = off\n"
		"suppress = 30m\n"
		"flood_suppress = 1m\n"
		"endpoint_allow = 10.0.0.0/8, 2001:db8::/32 ::ffff:192.0.2.0/120\n"
		"spike_factor = 2.5\n"
		"spike_warmup = 0\n"
		"spike_min_bytes = 512KiB\n"
		"flood_threshold = 20\n"
		"flood_window = 2m\n"
		"allowed_interfaces = wg0, wg1\twg2\n"
		"[allow \"wg0\"]\n"
		"endpoints = 192.0.2.0/24\n"
		"[allow \"wg0 " PUB "\"]\n"
		"endpoints = 198.51.100.7 2001:db8::7\n", &msgs), 0);
	CHECK_STR(msgs, "");
	CHECK(!c.check_spike);
	CHECK(c.check_flood);
	CHECK(!c.flood_packets);
	CHECK_INT(c.suppress_ms, 1800000);
	CHECK_INT(c.flood_suppress_ms, 60000);
	CHECK_STR(c.endpoint_allow, "10.0.0.0/8, 2001:db8::/32 ::ffff:192.0.2.0/120");
	CHECK(c.spike_factor == 2.5);
	CHECK_INT(c.spike_warmup, 0);
	CHECK_INT(c.spike_min_bytes, 524288);
	CHECK_INT(c.flood_threshold, 20);
	CHECK_INT(c.flood_window_ms, 120000);
	CHECK_STR(c.allowed_ifaces, "wg0 wg1 wg2");
	CHECK_INT(c.n_allows, 2);
	CHECK_STR(c.allows[0].iface, "wg0");
	CHECK_STR(c.allows[0].peer, "");
	CHECK_STR(c.allows[0].endpoints, "192.0.2.0/24");
	CHECK_STR(c.allows[1].iface, "wg0");
	CHECK_STR(c.allows[1].peer, PUB);
	CHECK_STR(c.allows[1].endpoints, "198.51.100.7 2001:db8::7");
	free(msgs);
	/* Byte units. */
	CHECK_INT(parse_str(&c, "[checks]\nspike_min_bytes = 2 GiB\n", &msgs), 0);
	CHECK_INT(c.spike_min_bytes, 2ull << 30);
	free(msgs);
}

TEST(checks_errors)
{
	struct conf c;
	char *msgs = NULL;

	CHECK_INT(parse_str(&c,
		"[checks]\n"
		"endpoint_allow = 10.0.0.0/33\n"
		"spike_factor = 1\n"
		"spike_factor = 1e3\n"
		"spike_min_bytes = lots\n"
		"flood_threshold = 0\n"
		"flood_window = 10 s\n"
		"allowed_interfaces = wg0 bad/name\n"
		"enable_flood = perhaps\n"
		"frobnicate = 1\n"
		"[allow wg0]\n"
		"[allow \"wg0 notakey\"]\n"
		"[allow \"wg0\"]\n"
		"endpoints = 10.0.0.0/8 nothost\n"
		"[allow \"wg0\"]\n"
		"[allow \"wg1\"]\n"
		"[allow \"wg2\"]\n"
		"endpoints =\n", &msgs), 15);
	CHECK_STR(msgs,
		"t.conf:2: endpoint_allow: \"10.0.0.0/33\" is not an address or prefix (try 192.0.2.0/24, 2001:db8::/32)\n"
		"t.conf:3: spike_factor: \"1\" is out of range (more than 1, at most 1000)\n"
		"t.conf:4: spike_factor: \"1e3\" is not a number (e.g. 10 or 2.5)\n"
		"t.conf:5: spike_min_bytes: \"lots\" is not a byte count up to 1TiB (try 1048576, 512KiB, 1MiB)\n"
		"t.conf:6: flood_threshold: \"0\" is not a number from 1 to 1000000000\n"
		"t.conf:7: flood_window: \"10 s\" is not a duration (try 500ms, 10s, 5m)\n"
		"t.conf:8: allowed_interfaces: \"bad/name\" is not an interface name\n"
		"t.conf:9: enable_flood: \"perhaps\" is not a boolean (yes or no)\n"
		"t.conf:10: frobnicate: unknown key in [checks]\n"
		"t.conf:11: [allow]: needs an interface and optionally a peer's public key in quotes, e.g. [allow \"wg0\"] or [allow \"wg0 BASE64KEY=\"]\n"
		"t.conf:12: [allow]: \"notakey\" is not a public key (44 base64 characters)\n"
		"t.conf:14: endpoints: \"nothost\" is not an address or prefix (try 192.0.2.0/24, 2001:db8::/32)\n"
		"t.conf:15: [allow \"wg0\"]: duplicate section\n"
		"t.conf:16: endpoints: missing in [allow \"wg1\"]\n"
		"t.conf:18: endpoints: is empty (list prefixes; 0.0.0.0/0 ::/0 allows every endpoint)\n");
	free(msgs);
}

TEST(checks_cli)
{
	struct conf c;
	char err[512];

	conf_defaults(&c);
	CHECK_INT(conf_set(&c, "checks", "spike_factor", "4", err, sizeof(err)), 0);
	CHECK(c.spike_factor == 4.0);
	CHECK_INT(conf_set(&c, "checks", "flood_threshold", "x", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "flood_threshold: \"x\" is not a number from 1 to 1000000000");
	CHECK_INT(conf_set(&c, "allow", "endpoints", "10.0.0.0/8", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "endpoints: [allow] sections are set in the config file only");
}

TEST(output_sd_id)
{
	struct conf c;
	char *msgs = NULL;

	CHECK_INT(parse_str(&c,
		"[output \"siem\"]\n"
		"url = syslog+tcp://127.0.0.1:514\n"
		"sd_id = example@99999\n"
		"[output \"plain\"]\n"
		"url = syslog+udp://127.0.0.1:514\n", &msgs), 0);
	CHECK_INT(c.n_outputs, 2);
	CHECK_STR(c.outputs[0].sd_id, "example@99999");
	CHECK_STR(c.outputs[1].sd_id, "");
	free(msgs);
	msgs = NULL;
	CHECK_INT(parse_str(&c,
		"[output \"a\"]\n"
		"url = syslog+tcp://127.0.0.1:514\n"
		"sd_id = wgaudit\n"
		"sd_id = with space@1\n"
		"sd_id = abcdefghijklmnopqrstuvwxyz@123456\n"
		"[output \"j\"]\n"
		"url = jsonl:-\n"
		"sd_id = x@1\n", &msgs), 4);
	CHECK_STR(msgs,
		"t.conf:3: sd_id: \"wgaudit\" must be NAME@NUMBER (your enterprise number; names without '@' are IANA's)\n"
		"t.conf:4: sd_id: \"with space@1\" may hold printable US-ASCII only, without space, '=', ']' or '\"'\n"
		"t.conf:5: sd_id: \"abcdefghijklmnopqrstuvwxyz@123456\" is longer than 32 characters (RFC 5424 SD-NAME)\n"
		"t.conf:6: sd_id: applies to syslog outputs only, not [output \"j\"] (jsonl:-)\n");
	free(msgs);
}

TEST(scope_and_restart_only)
{
	struct conf *c = calloc(1, sizeof(*c)), *n = calloc(1, sizeof(*n));
	char err[128], key[IFKEY_LEN];

	conf_defaults(c);
	/* no interface list: every name of our own namespace */
	CHECK(conf_iface_wanted(c, "wg7"));
	CHECK(conf_in_scope(c, "wg7"));
	CHECK_INT(ifkey_format(key, "wg7", "blue"), 0);
	CHECK(!conf_in_scope(c, key));		/* another namespace: not without --all-namespaces */
	c->all_namespaces = true;
	CHECK(conf_in_scope(c, key));
	CHECK_INT(conf_set(c, "agent", "interface", "wg0", err, sizeof(err)), 0);
	CHECK(conf_iface_wanted(c, "wg0"));
	CHECK(!conf_iface_wanted(c, "wg7"));
	CHECK(!conf_in_scope(c, key));		/* wg7 in blue: not in the list */
	CHECK_INT(ifkey_format(key, "wg0", "blue"), 0);
	CHECK(conf_in_scope(c, key));
	CHECK(!conf_in_scope(c, "not a key\x01"));

	/* a reload keeps what only a restart may change, takes the rest */
	*n = *c;
	snprintf(n->state_dir, sizeof(n->state_dir), "/elsewhere");
	n->bpf_drops = !c->bpf_drops;
	n->interval_ms = c->interval_ms + 1000;
	conf_keep_restart_only(n, c);
	CHECK_STR(n->state_dir, c->state_dir);
	CHECK_INT(n->bpf_drops, c->bpf_drops);
	CHECK_INT(n->interval_ms, c->interval_ms + 1000);
	free(c);
	free(n);
}

TEST_MAIN()
