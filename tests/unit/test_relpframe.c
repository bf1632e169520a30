// SPDX-License-Identifier: GPL-2.0
/* test_relpframe.c - the RELP codec on bytes captured from rsyslog 8.2302
 * (librelp 1.11): omrelp's client stream and imrelp's answers
 * (tests/data/relp/, recorded with a loopback proxy), and broken input. */
#include <errno.h>
#include "test.h"
#include "base/relpframe.h"

/* Every frame of a captured stream; returns how many, checks they end it. */
static int walk(const char *buf, size_t len, struct relp_frame *fs, int max)
{
	size_t off = 0;
	int n = 0;

	while (off < len && n < max) {
		ssize_t r = relp_frame_parse(buf + off, len - off, 65536, &fs[n]);

		if (r <= 0)
			return -1;
		off += (size_t)r;
		n++;
	}
	return off == len ? n : -1;
}

TEST(omrelp_client_stream)
{
	size_t len;
	char *buf = test_read_data("relp/omrelp-client.bin", &len);
	struct relp_frame f[16];
	const char *v;
	size_t vl;
	int n;

	CHECK(buf);
	n = walk(buf, len, f, 16);
	CHECK_INT(n, 7);	/* open, 5 x syslog, close */
	CHECK_INT(f[0].txnr, 1);
	CHECK_STR(f[0].cmd, "open");
	CHECK_INT(f[0].datalen, 86);
	CHECK_INT(relp_offer_get(f[0].data, f[0].datalen, "relp_version", &v, &vl), 0);
	CHECK(vl == 1 && v[0] == '0');
	CHECK_INT(relp_offer_get(f[0].data, f[0].datalen, "commands", &v, &vl), 0);
	CHECK(relp_commands_have(v, vl, "syslog"));
	CHECK(!relp_commands_have(v, vl, "sys"));
	CHECK_INT(f[1].txnr, 2);
	CHECK_STR(f[1].cmd, "syslog");
	CHECK_INT(f[1].datalen, 85);
	CHECK(!memcmp(f[1].data, "<14>2026-12-01T20:00:00.000001Z h1", 34));
	CHECK_INT(f[5].txnr, 6);
	CHECK_INT(f[6].txnr, 7);
	CHECK_STR(f[6].cmd, "close");
	CHECK_INT(f[6].datalen, 0);
	free(buf);
}

TEST(imrelp_server_answers)
{
	size_t len;
	char *buf = test_read_data("relp/imrelp-server.bin", &len);
	struct relp_frame f[16];
	const char *v;
	size_t vl;
	int n, code;

	CHECK(buf);
	n = walk(buf, len, f, 16);
	CHECK_INT(n, 8);	/* rsp to open, 5 x rsp 200, rsp to close, serverclose */
	CHECK_STR(f[0].cmd, "rsp");
	CHECK_INT(relp_rsp_code(f[0].data, f[0].datalen, &code), 0);
	CHECK_INT(code, 200);
	CHECK_INT(relp_offer_get(f[0].data, f[0].datalen, "commands", &v, &vl), 0);
	CHECK(relp_commands_have(v, vl, "syslog"));
	for (int i = 1; i <= 5; i++) {
		CHECK_INT(f[i].txnr, i + 1);
		CHECK_INT(relp_rsp_code(f[i].data, f[i].datalen, &code), 0);
		CHECK_INT(code, 200);
	}
	CHECK_INT(f[6].txnr, 7);	/* close: "rsp 0", no DATA */
	CHECK_INT(f[6].datalen, 0);
	CHECK_INT(relp_rsp_code(f[6].data, f[6].datalen, &code), 0);
	CHECK_INT(f[7].txnr, 0);
	CHECK_STR(f[7].cmd, "serverclose");
	free(buf);
}

TEST(partial_frames_need_more)
{
	static const char fr[] = "12 syslog 5 hello\n";
	struct relp_frame f;

	/* every proper prefix wants more, none is an error */
	for (size_t i = 0; i < sizeof(fr) - 1; i++)
		CHECK_INT(relp_frame_parse(fr, i, 100, &f), 0);
	CHECK_INT(relp_frame_parse(fr, sizeof(fr) - 1, 100, &f), sizeof(fr) - 1);
	CHECK_INT(f.txnr, 12);
	CHECK_INT(f.datalen, 5);
	CHECK(!memcmp(f.data, "hello", 5));
}

TEST(malformed_frames)
{
	static const char *const bad[] = {
		"x syslog 1 a\n",		/* TXNR not a number */
		" 1 syslog 1 a\n",
		"1234567890 syslog 1 a\n",	/* 10 digits */
		"1  syslog 1 a\n",		/* empty command */
		"1 sys-log 1 a\n",
		"1 abcdefghijklmnopqrstuvwxyzabcdefg 0\n",	/* 33 letters */
		"1 syslog x\n",
		"1 syslog 1\n",			/* DATALEN 1 but LF at once */
		"1 syslog 0 \n",
		"1 syslog 3 abcX",		/* no LF after DATA */
		"1 syslog 1234567890 a\n",
		"<14>hello\n",			/* plain syslog sent to RELP */
	};
	struct relp_frame f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ssize_t r = relp_frame_parse(bad[i], strlen(bad[i]), 100, &f);

		if (r != -EINVAL)
			test_fail("\"%s\" gave %zd", bad[i], r);
	}
	CHECK_INT(relp_frame_parse("1 syslog 101 ", 13, 100, &f), -EMSGSIZE);
	CHECK_INT(relp_frame_parse("1 syslog 100 ", 13, 100, &f), 0);
}

TEST(put_round_trip)
{
	char out[64];
	struct relp_frame f;
	ssize_t n = relp_frame_put(out, sizeof(out), 42, "syslog", "<14>x", 5);

	CHECK_INT(n, 18);
	CHECK(!memcmp(out, "42 syslog 5 <14>x\n", 18));
	CHECK_INT(relp_frame_parse(out, (size_t)n, 100, &f), n);
	CHECK_INT(relp_frame_put(out, sizeof(out), 0, "serverclose", NULL, 0), 16);
	CHECK(!memcmp(out, "0 serverclose 0\n", 16));
	CHECK_INT(relp_frame_put(out, 10, 42, "syslog", "<14>x", 5), -ENOSPC);
	CHECK_INT(relp_frame_put(out, sizeof(out), 1000000000u, "rsp", "", 0), -EINVAL);
	CHECK_INT(relp_frame_put(out, sizeof(out), 1, "r p", "", 0), -EINVAL);
}

TEST(rsp_codes)
{
	int code;

	CHECK_INT(relp_rsp_code("500 error", 9, &code), 0);
	CHECK_INT(code, 500);
	CHECK_INT(relp_rsp_code("200", 3, &code), 0);
	CHECK_INT(relp_rsp_code("20", 2, &code), -EINVAL);
	CHECK_INT(relp_rsp_code("2000 OK", 7, &code), -EINVAL);
	CHECK_INT(relp_rsp_code("abc OK", 6, &code), -EINVAL);
}
TEST_MAIN()
