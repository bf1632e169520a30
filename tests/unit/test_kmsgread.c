// SPDX-License-Identifier: GPL-2.0
/* test_kmsgread.c - the live /dev/kmsg reader (sources/kmsgread.c): resume
 * after a saved sequence number, KMSG_GAP, user records, a sink that
 * refuses, a plain file, the boot id. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"
#include "base/event.h"
#include "sources/kmsg.h"
#include "kmsgtest.h"

struct collect {
	struct event ev[16];
	unsigned n;
	int fail;
};

static int collect_emit(void *ctx, struct event *ev)
{
	struct collect *c = ctx;

	if (c->fail)
		return -EIO;
	if (c->n < 16)
		c->ev[c->n++] = *ev;
	return 0;
}

static int feed(struct kmsg_reader *r, const char *s, struct collect *c, uint64_t *last)
{
	struct event_sink sink = { collect_emit, c };

	return kmsg_reader_feed(r, s, strlen(s), 1000000000000000LL, &sink, last);
}

TEST(reader_resume_gap_user_and_refusal)
{
	struct kmsg_reader_opts o = { .path = "/dev/null", .resume = true, .resume_seq = 10 };
	struct kmsg_reader *r;
	struct collect c = { .n = 0 };
	uint64_t last = 0;

	CHECK_INT(kmsg_reader_open(&o, &r), 0);
	if (!r)
		return;
	CHECK(kmsg_reader_fd(r) >= 0);
	/* Already seen before the restart. */
	CHECK_INT(feed(r, "7,9,100,-;wireguard: wg0: Peer 1 created", &c, &last), 0);
	CHECK_INT(feed(r, "7,10,100,-;wireguard: wg0: Peer 1 created", &c, &last), 0);
	CHECK_INT(c.n, 0);
	CHECK_INT(last, 0);
	/* 11 and 12 were overwritten. */
	CHECK_INT(feed(r, "7,13,2000000,-;wireguard: wg0: Peer 2 created", &c, &last), 2);
	CHECK_INT(last, 13);
	CHECK_STR(show(&c.ev[0]), "KMSG_GAP lost=2");
	CHECK_STR(show(&c.ev[1]), "PEER_CREATED iface=wg0 peer_id=2");
	CHECK_INT(c.ev[1].time_us, 1000000002000000LL);
	/* Userspace record (facility user): seq counts, no event. */
	CHECK_INT(feed(r, "14,14,2000001,-;wireguard: wg0: Peer 3 created", &c, &last), 0);
	CHECK_INT(last, 14);
	CHECK_INT(c.n, 2);
	/* Non-WireGuard kernel record. */
	CHECK_INT(feed(r, "6,15,2000002,-;usb 1-1: new device", &c, &last), 0);
	CHECK_INT(last, 15);
	/* The sink refuses: kept, last_seq not advanced, delivered later. */
	c.fail = 1;
	CHECK_INT(feed(r, "7,16,2000003,-;wireguard: wg0: Peer 4 created", &c, &last), -EIO);
	CHECK_INT(last, 15);
	c.fail = 0;
	{
		struct event_sink sink = { collect_emit, &c };

		CHECK_INT(kmsg_reader_drain(r, &sink, &last), 1);	/* /dev/null: EOF */
	}
	CHECK_INT(last, 16);
	CHECK_STR(show(&c.ev[2]), "PEER_CREATED iface=wg0 peer_id=4");
	/* Garbage record: ignored. */
	CHECK_INT(feed(r, "garbage", &c, &last), 0);
	kmsg_reader_free(r);
	kmsg_reader_free(NULL);
}

TEST(reader_accept_user_and_file)
{
	char path[] = "/tmp/wgaudit-kmsg-XXXXXX";
	int fd = mkstemp(path);
	struct kmsg_reader_opts o = { .path = path, .accept_user = true };
	struct kmsg_reader *r;
	struct collect c = { .n = 0 };
	struct event_sink sink = { collect_emit, &c };
	uint64_t last = 0;
	const char *rec = "12,5,1,-;wireguard: wg0: Peer 1 created\n";

	CHECK(fd >= 0);
	CHECK_INT(write(fd, rec, strlen(rec)), (long long)strlen(rec));
	close(fd);
	CHECK_INT(kmsg_reader_open(&o, &r), 0);
	CHECK_INT(kmsg_reader_drain(r, &sink, &last), 1);
	CHECK_INT(last, 5);
	CHECK_STR(show(&c.ev[0]), "PEER_CREATED iface=wg0 peer_id=1");
	kmsg_reader_free(r);
	unlink(path);
	o.path = "/nonexistent/kmsg";
	CHECK_INT(kmsg_reader_open(&o, &r), -ENOENT);
	CHECK(r == NULL);
}

TEST(boot_id)
{
	char id[37];
	int ret = kmsg_boot_id(id);

	if (ret == 0)
		CHECK_INT(strlen(id), 36);
}

TEST_MAIN()
