// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "test.h"
#include "collector/ctls.h"

TEST(clean_cn_keeps_printable_ascii)
{
	char out[CTLS_CN_LEN];

	ctls_clean_cn((const unsigned char *)"agent-1.example", 15, out, sizeof(out));
	CHECK_STR(out, "agent-1.example");
}

TEST(clean_cn_replaces_control_and_utf8)
{
	char out[CTLS_CN_LEN];

	/* newline (log injection), ESC, NUL, UTF-8 "é" */
	ctls_clean_cn((const unsigned char *)"a\nb\x1b" "c\0d\xc3\xa9", 9, out, sizeof(out));
	CHECK_STR(out, "a?b?c?d??");
}

TEST(clean_cn_is_bounded)
{
	unsigned char in[300];
	char out[8];

	memset(in, 'x', sizeof(in));
	ctls_clean_cn(in, sizeof(in), out, sizeof(out));
	CHECK_STR(out, "xxxxxxx");
}

TEST(require_client_cert_needs_ca)
{
	struct ctls_opts o = { .cert = "/nonexistent", .require_client_cert = true };
	struct ctls_ctx *t = (struct ctls_ctx *)1;
	char err[256] = "";

	CHECK_INT(ctls_ctx_new(&o, &t, err, sizeof(err)), -EINVAL);
	CHECK(t == NULL);
	CHECK(strstr(err, "--tls-ca") != NULL);
}

TEST(missing_cert_names_the_path)
{
	struct ctls_opts o = { .cert = "/nonexistent/wgaudit-test.pem" };
	struct ctls_ctx *t;
	char err[256] = "";

	CHECK_INT(ctls_ctx_new(&o, &t, err, sizeof(err)), -ENOENT);
	CHECK(t == NULL);
	CHECK(strstr(err, "/nonexistent/wgaudit-test.pem") != NULL);
	CHECK(strstr(err, "--tls-cert") != NULL);
}

TEST(garbage_cert_is_refused)
{
	struct ctls_opts o = { .cert = "/dev/null" };
	struct ctls_ctx *t;
	char err[256] = "";

	CHECK_INT(ctls_ctx_new(&o, &t, err, sizeof(err)), -EINVAL);
	CHECK(t == NULL);
	CHECK(strstr(err, "/dev/null") != NULL);
}

TEST_MAIN()
