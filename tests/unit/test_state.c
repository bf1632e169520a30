// SPDX-License-Identifier: GPL-2.0
/* test_state.c - what the store keeps besides the journal (store/state.c):
 * output cursors, meta values, peer and interface rows, each write inside
 * the turn's transaction. */
#include "test.h"
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "store/store.h"
#include "storetest.h"

#define db_path test_tmp_path

TEST(cursors_per_name)
{
	char path[128];
	struct store *s;
	int64_t c = 0;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(store_cursor_get(s, "syslog+tcp://a:514", &c), 0);
	CHECK_INT(c, -1);
	CHECK_INT(store_cursor_set(s, "syslog+tcp://a:514", 10), 0);
	CHECK_INT(store_cursor_set(s, "jsonl:-", 3), 0);
	CHECK_INT(store_cursor_set(s, "syslog+tcp://a:514", 12), 0);
	CHECK_INT(store_cursor_get(s, "syslog+tcp://a:514", &c), 0);
	CHECK_INT(c, 12);
	CHECK_INT(store_cursor_get(s, "jsonl:-", &c), 0);
	CHECK_INT(c, 3);
	CHECK_INT(store_commit(s), 0);
	store_free(s);
	CHECK_INT(store_open(path, &s), 0);
	CHECK_INT(store_cursor_get(s, "jsonl:-", &c), 0);
	CHECK_INT(c, 3);
	store_free(s);
}

TEST(meta)
{
	char path[128], v[32], small[4];
	struct store *s;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(store_meta_get(s, "kmsg_seq", v, sizeof(v)), -ENOENT);
	CHECK_INT(store_meta_set(s, "kmsg_seq", "12345"), 0);
	CHECK_INT(store_meta_set(s, "boot_id", "abc"), 0);
	CHECK_INT(store_meta_set(s, "kmsg_seq", "12346"), 0);
	CHECK_INT(store_meta_get(s, "kmsg_seq", v, sizeof(v)), 0);
	CHECK_STR(v, "12346");
	CHECK_INT(store_meta_get(s, "kmsg_seq", small, sizeof(small)), -ENOSPC);
	CHECK_INT(store_meta_get(s, "boot_id", v, sizeof(v)), 0);
	CHECK_STR(v, "abc");
	store_free(s);
}

TEST(peers_round_trip)
{
	char path[128];
	struct store *s;
	struct peer_row a, b, c;
	static struct peers_seen ps;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	mk_peer(&a, "wg0", 1);
	mk_peer(&b, "wg0", 2);
	mk_peer(&c, "wg1", 1);	/* same key, other interface */
	CHECK_INT(strlen(a.allowed_ips), 1023);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_peer_put(s, &a), 0);
	CHECK_INT(store_peer_put(s, &b), 0);
	CHECK_INT(store_peer_put(s, &c), 0);
	a.rx = 42;
	memset(a.endpoint, 0, sizeof(a.endpoint));
	snprintf(a.endpoint, sizeof(a.endpoint), "192.0.2.1:1");
	CHECK_INT(store_peer_put(s, &a), 0);	/* update in place */
	CHECK_INT(store_commit(s), 0);
	store_free(s);

	CHECK_INT(store_open(path, &s), 0);
	memset(&ps, 0, sizeof(ps));
	CHECK_INT(store_peer_load(s, NULL, collect_peer, &ps), 0);
	CHECK_INT(ps.count, 3);
	memset(&ps, 0, sizeof(ps));
	CHECK_INT(store_peer_load(s, "wg0", collect_peer, &ps), 0);
	CHECK_INT(ps.count, 2);
	CHECK(!memcmp(&ps.rows[0], &a, sizeof(a)));
	CHECK(!memcmp(&ps.rows[1], &b, sizeof(b)));
	CHECK_INT(ps.rows[1].rx, UINT64_MAX - 2);
	CHECK_INT(strlen(ps.rows[1].allowed_ips), 1023);
	CHECK_STR(ps.rows[0].endpoint, "192.0.2.1:1");

	CHECK_INT(store_peer_delete(s, "wg0", a.public_key), 0);
	memset(&ps, 0, sizeof(ps));
	CHECK_INT(store_peer_load(s, "wg0", collect_peer, &ps), 0);
	CHECK_INT(ps.count, 1);
	memset(&ps, 0, sizeof(ps));
	CHECK_INT(store_peer_load(s, "wg1", collect_peer, &ps), 0);
	CHECK_INT(ps.count, 1);
	CHECK(!memcmp(&ps.rows[0], &c, sizeof(c)));
	store_free(s);
}

struct ifaces_seen {
	struct iface_row rows[4];
	size_t count;
};

static int collect_iface(void *ctx, const struct iface_row *r)
{
	struct ifaces_seen *is = ctx;

	if (is->count < ARRAY_SIZE(is->rows))
		is->rows[is->count] = *r;
	is->count++;
	return 0;
}

TEST(iface_rows)
{
	char path[128];
	struct store *s;
	struct iface_row a, b;
	struct ifaces_seen is = { 0 };

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	snprintf(a.name, sizeof(a.name), "wg0");
	a.ifindex = 7;
	a.impl = 1;
	a.has_public_key = true;
	memset(a.public_key, 0xab, sizeof(a.public_key));
	a.listen_port = 51820;
	a.up = true;
	a.first_seen_us = 1;
	a.updated_us = 2;
	snprintf(b.name, sizeof(b.name), "wg-userspace1");
	b.ifindex = UINT32_MAX;
	b.impl = 2;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(store_iface_put(s, &a), 0);
	CHECK_INT(store_iface_put(s, &b), 0);
	a.listen_port = 1;
	CHECK_INT(store_iface_put(s, &a), 0);
	CHECK_INT(store_iface_load(s, collect_iface, &is), 0);
	CHECK_INT(is.count, 2);
	/* ORDER BY name: "wg-userspace1" < "wg0" */
	CHECK(!memcmp(&is.rows[0], &b, sizeof(b)));
	CHECK(!memcmp(&is.rows[1], &a, sizeof(a)));
	CHECK_INT(store_iface_delete(s, "wg0"), 0);
	memset(&is, 0, sizeof(is));
	CHECK_INT(store_iface_load(s, collect_iface, &is), 0);
	CHECK_INT(is.count, 1);
	CHECK_STR(is.rows[0].name, "wg-userspace1");
	CHECK(!is.rows[0].has_public_key);
	store_free(s);
}

static int count_peer(void *ctx, const struct peer_row *p)
{
	(*(int *)ctx)++;
	return 0;
}

static int count_iface(void *ctx, const struct iface_row *r)
{
	(*(int *)ctx)++;
	return 0;
}

/* The tracker's first write of a turn used to commit on its own, before
 * the event that explained it: kill -9 between them lost the event. Every
 * write is now inside the turn's transaction, whoever opened it. */
TEST(first_write_of_a_turn_is_in_it)
{
	char path[128];
	struct store *s;
	struct peer_row p;
	struct iface_row r;
	int n = 0;
	char v[8];

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	memset(&p, 0, sizeof(p));
	snprintf(p.iface, sizeof(p.iface), "wg0");
	p.public_key[0] = 1;
	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "wg0");
	CHECK_INT(store_peer_put(s, &p), 0);	/* no begin */
	CHECK_INT(store_iface_put(s, &r), 0);
	CHECK_INT(store_meta_set(s, "baseline", "1"), 0);
	CHECK_INT(store_cursor_set(s, "jsonl:-", 7), 0);
	CHECK_INT(store_rollback(s), 0);	/* as kill -9 before the commit */
	store_free(s);
	CHECK_INT(store_open(path, &s), 0);
	CHECK_INT(store_peer_load(s, NULL, count_peer, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(store_iface_load(s, count_iface, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(store_meta_get(s, "baseline", v, sizeof(v)), -ENOENT);
	store_free(s);
}

TEST_MAIN()
