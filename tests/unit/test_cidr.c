// SPDX-License-Identifier: GPL-2.0
/* test_cidr.c - prefix parsing and matching for the endpoint allow-lists. */
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include "base/cidr.h"

static bool in(const char *list, const char *ep)
{
	struct cidr_set s;
	uint8_t addr[16];
	int family;
	bool r;

	if (cidr_set_parse(list, &s, NULL) < 0)
		return false;
	if (cidr_addr_from_endpoint(ep, &family, addr) < 0) {
		cidr_set_free(&s);
		return false;
	}
	r = cidr_set_match(&s, family, addr);
	cidr_set_free(&s);
	return r;
}

TEST(ipv4)
{
	CHECK(in("10.0.0.0/8", "10.1.2.3:51820"));
	CHECK(!in("10.0.0.0/8", "11.1.2.3:51820"));
	CHECK(in("192.0.2.7/32", "192.0.2.7:1"));
	CHECK(!in("192.0.2.7/32", "192.0.2.8:1"));
	CHECK(in("192.0.2.7", "192.0.2.7:1"));		/* no length = host */
	CHECK(in("0.0.0.0/0", "203.0.113.9:9"));
	CHECK(!in("0.0.0.0/0", "[2001:db8::1]:9"));	/* /0 of one family only */
	CHECK(in("10.0.0.0/9", "10.127.255.255:1"));
	CHECK(!in("10.0.0.0/9", "10.128.0.0:1"));
	CHECK(in("10.1.2.3/8", "10.200.0.1:1"));	/* host bits cleared */
}

TEST(ipv6)
{
	CHECK(in("2001:db8::/32", "[2001:db8:1::5]:51820"));
	CHECK(!in("2001:db8::/32", "[2001:db9::5]:51820"));
	CHECK(in("::/0", "[fe80::1%2]:5"));
	CHECK(in("2001:db8::7/128", "[2001:db8::7]:5"));
	CHECK(!in("2001:db8::7/128", "[2001:db8::8]:5"));
	CHECK(in("2001:db8::/127", "[2001:db8::1]:5"));
	CHECK(in("fd00:241::/64", "[fd00:241::2]:54580/0%0"));	/* kernel form */
	CHECK(!in("10.0.0.0/8", "[2001:db8::1]:5"));
}

TEST(mapped)
{
	/* ::ffff:a.b.c.d is IPv4 on both sides. */
	CHECK(in("192.0.2.0/24", "[::ffff:192.0.2.5]:5"));
	CHECK(in("::ffff:192.0.2.0/120", "192.0.2.5:5"));
	CHECK(!in("::ffff:192.0.2.0/120", "192.0.3.5:5"));
	CHECK(!in("2001:db8::/32", "[::ffff:192.0.2.5]:5"));
}

TEST(lists)
{
	struct cidr_set s;

	CHECK_INT(cidr_set_parse("10.0.0.0/8, 2001:db8::/32\t192.0.2.1", &s, NULL), 0);
	CHECK_INT(s.n, 3);
	cidr_set_free(&s);
	CHECK_INT(cidr_set_parse("", &s, NULL), 0);
	CHECK_INT(s.n, 0);
	CHECK(!in("", "10.0.0.1:1"));
	CHECK(in("1.1.1.1 10.0.0.0/8", "10.9.9.9:1"));
	cidr_set_free(&s);
	cidr_set_free(NULL);
}

TEST(bad_input)
{
	struct cidr c;
	char bad[CIDR_TEXT_LEN + 4];
	static const char *const no[] = {
		"10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "10.0.0.0/", "/8", "10.0.0.0/-1",
		"10.0.0.0/8/8", "host.example", "1.2.3.4:5", "10.0.0.0/08x", "256.0.0.0",
		"::g", "", "0x7f000001",
	};

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (cidr_parse(no[i], strlen(no[i]), &c) == 0)
			test_fail("accepted \"%s\"", no[i]);
	CHECK_INT(cidr_set_parse("10.0.0.0/8 nope 1.2.3.4", NULL, bad), -EINVAL);
	CHECK_STR(bad, "nope");
	{
		char big[CIDR_SET_MAX * 10 + 32] = "";

		for (int i = 0; i <= CIDR_SET_MAX; i++)
			strcat(big, "10.0.0.1 ");
		CHECK_INT(cidr_set_parse(big, NULL, bad), -E2BIG);
	}
	/* Endpoints that are not addresses. */
	{
		uint8_t a[16];
		int f;

		CHECK_INT(cidr_addr_from_endpoint("", &f, a), -EINVAL);
		CHECK_INT(cidr_addr_from_endpoint("(einval)", &f, a), -EINVAL);
		CHECK_INT(cidr_addr_from_endpoint("10.0.0.0/8", &f, a), -EINVAL);
		CHECK_INT(cidr_addr_from_endpoint("10.0.0.1", &f, a), 0);
		CHECK_INT(f, AF_INET);
	}
}

TEST_MAIN()
