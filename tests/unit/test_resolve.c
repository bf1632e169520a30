// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "test.h"
#include "outputs/resolve.h"

TEST(numeric_answers_at_once)
{
	struct resolve_req *r;
	union endpoint a[4];
	socklen_t l[4];
	size_t n;
	const char *why;

	CHECK_INT(resolve_start("192.0.2.7", 514, SOCK_STREAM, &r), 1);
	CHECK_INT(resolve_result(r, a, l, 4, &n, &why), 0);
	CHECK_INT(n, 1);
	CHECK_INT(a[0].sa.sa_family, AF_INET);
	CHECK_INT(ntohs(a[0].sin.sin_port), 514);
	resolve_free(r);
	CHECK_INT(resolve_start("::1", 6514, SOCK_STREAM, &r), 1);
	CHECK_INT(resolve_result(r, a, l, 4, &n, &why), 0);
	CHECK_INT(a[0].sa.sa_family, AF_INET6);
	resolve_free(r);
}

/* "localhost" comes from /etc/hosts (no DNS traffic), through the
 * asynchronous path: pending, then the eventfd, then the answer. */
TEST(name_answers_on_the_fd)
{
	struct resolve_req *r;
	union endpoint a[4];
	socklen_t l[4];
	size_t n = 0;
	const char *why;
	int ret;

	CHECK_INT(resolve_start("localhost", 514, SOCK_DGRAM, &r), 0);
	CHECK(resolve_fd(r) >= 0);
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = resolve_fd(r), .events = POLLIN };

		poll(&p, 1, 100);
		ret = resolve_result(r, a, l, 4, &n, &why);
		if (ret != -EINPROGRESS)
			break;
	}
	CHECK_INT(ret, 0);
	CHECK(n >= 1);
	CHECK(a[0].sa.sa_family == AF_INET || a[0].sa.sa_family == AF_INET6);
	resolve_free(r);
}

/* Given up while pending (a timeout, the output closed): nothing leaks,
 * nothing is used after free (ASan), however far the lookup got. */
TEST(free_while_pending)
{
	for (int i = 0; i < 50; i++) {
		struct resolve_req *r;

		CHECK_INT(resolve_start("localhost", 514, SOCK_STREAM, &r), 0);
		resolve_free(r);
	}
}
TEST_MAIN()
