// SPDX-License-Identifier: GPL-2.0
/* test_kmsgline.c - the prefixes of saved kernel logs (sources/kmsgline.c:
 * raw records, dmesg, dmesg -T, BSD and RFC 3339 syslog, journalctl -k),
 * every truncation, and `wgaudit replay` over a saved log. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"
#include "base/event.h"
#include "base/util.h"
#include "cli/cli.h"
#include "sources/kmsg.h"
#include "kmsgtest.h"

static const char *strip_show(const char *line)
{
	static char out[1024];
	struct kmsg_line l;

	kmsg_strip_prefix(line, strlen(line), 2026, 1796000000, NULL, &l);
	snprintf(out, sizeof(out), "t=%lld m=%lld f=%d k=%d r=%d h=%.*s text=%.*s",
		 (long long)l.time_us, (long long)l.mono_us, l.facility, l.kernel, l.record,
		 (int)l.host_len, l.host ? l.host : "", (int)l.text_len, l.text);
	return out;
}

TEST(strip_forms)
{
	utc();
	/* 2026-11-25T12:00:00Z = 1795608000 */
	CHECK_STR(strip_show("6,1234,5678901,-;wireguard: wg0: Peer 1 created"),
		  "t=0 m=5678901 f=0 k=1 r=1 h= text=wireguard: wg0: Peer 1 created");
	CHECK_STR(strip_show("[   12.345678] wireguard: wg0: Peer 1 created"),
		  "t=0 m=12345678 f=-1 k=1 r=0 h= text=wireguard: wg0: Peer 1 created");
	CHECK_STR(strip_show("[82508.100168] wireguard: x"),
		  "t=0 m=82508100168 f=-1 k=1 r=0 h= text=wireguard: x");
	CHECK_STR(strip_show("<7>[   12.345678] wireguard: wg0: Peer 1 created"),
		  "t=0 m=12345678 f=0 k=1 r=0 h= text=wireguard: wg0: Peer 1 created");
	CHECK_STR(strip_show("<14>[   12.345678] wireguard: wg0: Peer 1 created"),
		  "t=0 m=12345678 f=1 k=1 r=0 h= text=wireguard: wg0: Peer 1 created");
	CHECK_STR(strip_show("[Wed Nov 25 12:00:00 2026] wireguard: wg0: Peer 1 created"),
		  "t=1795608000000000 m=-1 f=-1 k=1 r=0 h= text=wireguard: wg0: Peer 1 created");
	CHECK_STR(strip_show("[Sun Nov  1 12:00:00 2026] x"),
		  "t=1793534400000000 m=-1 f=-1 k=1 r=0 h= text=x");
	CHECK_STR(strip_show("Nov 25 12:00:00 gw kernel: [82508.100168] wireguard: wg0: Peer 1 created"),
		  "t=1795608000000000 m=82508100168 f=-1 k=1 r=0 h=gw text=wireguard: wg0: Peer 1 created");
	CHECK_STR(strip_show("Nov 25 12:00:00 gw kernel: wireguard: wg0: Peer 1 created"),
		  "t=1795608000000000 m=-1 f=-1 k=1 r=0 h=gw text=wireguard: wg0: Peer 1 created");
	CHECK_STR(strip_show("Nov  5 12:00:00 gw kernel: x"),
		  "t=1793880000000000 m=-1 f=-1 k=1 r=0 h=gw text=x");
	CHECK_STR(strip_show("Nov 25 12:00:00.250000 gw kernel: x"),
		  "t=1795608000250000 m=-1 f=-1 k=1 r=0 h=gw text=x");
	CHECK_STR(strip_show("2026-11-25T12:00:00.123456+00:00 gw kernel: x"),
		  "t=1795608000123456 m=-1 f=-1 k=1 r=0 h=gw text=x");
	CHECK_STR(strip_show("2026-11-25T13:00:00.123456+01:00 gw kernel: x"),
		  "t=1795608000123456 m=-1 f=-1 k=1 r=0 h=gw text=x");
	CHECK_STR(strip_show("2026-11-25T12:00:00+0000 gw kernel: x"),
		  "t=1795608000000000 m=-1 f=-1 k=1 r=0 h=gw text=x");
	CHECK_STR(strip_show("2026-11-25T12:00:00Z gw kernel: x"),
		  "t=1795608000000000 m=-1 f=-1 k=1 r=0 h=gw text=x");
	CHECK_STR(strip_show("[   12.345678] gw kernel: wireguard: x"),
		  "t=0 m=12345678 f=-1 k=1 r=0 h=gw text=wireguard: x");
	/* Not the kernel: a userspace look-alike. */
	CHECK_STR(strip_show("Nov 25 12:00:00 gw evil[42]: wireguard: wg0: Peer 1 created"),
		  "t=1795608000000000 m=-1 f=-1 k=0 r=0 h=gw text=wireguard: wg0: Peer 1 created");
	/* No prefix, or an unparseable one: the line whole. */
	CHECK_STR(strip_show("wireguard: x\r\n"), "t=0 m=-1 f=-1 k=1 r=0 h= text=wireguard: x");
	CHECK_STR(strip_show("Nov 99 12:00:00 gw kernel: x"),
		  "t=0 m=-1 f=-1 k=1 r=0 h= text=Nov 99 12:00:00 gw kernel: x");
	CHECK_STR(strip_show("[  12.x] y"), "t=0 m=-1 f=-1 k=1 r=0 h= text=[  12.x] y");
	/* A stamp in the future moves to the year before. */
	CHECK_STR(strip_show("Dec 31 23:00:00 gw kernel: x"),
		  "t=1767222000000000 m=-1 f=-1 k=1 r=0 h=gw text=x");
}

TEST(strip_truncated_every_byte)
{
	static const char *const lines[] = {
		"Jun 20 08:35:15 workshop kernel: [82508.100168] wireguard: wg0: Packet has unallowed src IP (10.0.0.3) from peer 1 (192.168.1.2:51820)",
		"2026-11-25T12:00:00.123456+00:00 host kernel: wireguard: wg0: Peer 1 created",
		"[Tue Nov 25 12:00:00 2026] wireguard: wg0: Peer 1 created",
		"<7>[   12.345678] wireguard: wg0: Peer 1 created",
		"6,1234,5678901,-;wireguard: wg0: Peer 1 created",
	};
	struct kmsg_line l;
	struct event ev;

	utc();
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		size_t n = strlen(lines[i]);

		for (size_t k = 0; k <= n; k++) {
			char *c = malloc(k ? k : 1);

			memcpy(c, lines[i], k);
			kmsg_strip_prefix(c, k, 2026, 0, NULL, &l);
			CHECK(l.text >= c && l.text + l.text_len <= c + k);
			(void)kmsg_parse(l.text, l.text_len, &ev);
			free(c);
		}
	}
}

/* -------------------------------------------------------------- replay */

/* cmd_replay over a file, stdout captured; returns the exit status. */
static int run_replay(const char *path, bool json, char *out, size_t len)
{
	char tmp[] = "/tmp/wgaudit-replay-XXXXXX";
	struct cli_opts o = { .json = json, .tail = -1, .kmsg_file = path };
	int fd = mkstemp(tmp), saved, ret;
	ssize_t n;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	ret = cmd_replay(NULL, &o);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmp);
	return ret;
}

TEST(replay_command)
{
	static char out[65536];
	char path[600];

	utc();
	snprintf(path, sizeof(path), "%s/kmsg-replay.log", test_data_dir);
	CHECK_INT(run_replay(path, false, out, sizeof(out)), 0);
	CHECK(strstr(out, "-06-20T08:35:15.000000Z warning UNALLOWED_SRC_IP ") != NULL);
	CHECK(strstr(out, "INVALID_HANDSHAKE_INITIATION endpoint=172.17.100.130:51820 iface=wg0") != NULL);
	CHECK(strstr(out, "1970-01-01T00:00:12.345678Z info    PEER_CREATED") != NULL);
	CHECK(strstr(out, "evil") == NULL);
	CHECK_INT(run_replay(path, true, out, sizeof(out)), 0);
	CHECK(strstr(out, "\"type\":\"UNALLOWED_SRC_IP\"") != NULL);
	CHECK(strstr(out, "\"host\":\"workshop\"") != NULL);
	CHECK_INT(run_replay("/nonexistent/file", false, out, sizeof(out)), 2);
}

TEST_MAIN()
