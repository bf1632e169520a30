// SPDX-License-Identifier: GPL-2.0
/* Every network namespace: interface keys, namespace labels, one entry per
 * namespace inode (a real directory tree of hard links stands in for
 * /proc), and the tracker keeping two namespaces' wg0 apart, saying which
 * namespace a kernel line came from only when it knows. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test.h"
#include "base/event.h"
#include "base/ifkey.h"
#include "base/wgdev.h"
#include "conf/conf.h"
#include "engine/session.h"
#include "engine/tracker.h"
#include "sources/netns.h"
#include "store/store.h"

TEST(key_format_and_split)
{
	char key[IFKEY_LEN], ifn[IFNAMSIZ], ns[NETNS_LABEL_LEN];

	CHECK_INT(ifkey_format(key, "wg0", NULL), 0);
	CHECK_STR(key, "wg0");		/* the own namespace: state as before */
	CHECK_INT(ifkey_format(key, "wg0", ""), 0);
	CHECK_STR(key, "wg0");
	CHECK_INT(ifkey_format(key, "wg0", "ns-a"), 0);
	CHECK_STR(key, "wg0/ns-a");
	CHECK_INT(ifkey_split(key, ifn, ns), 0);
	CHECK_STR(ifn, "wg0");
	CHECK_STR(ns, "ns-a");
	CHECK_INT(ifkey_format(key, "wg0", "ino:4026532281"), 0);
	CHECK_INT(ifkey_split(key, ifn, ns), 0);
	CHECK_STR(ns, "ino:4026532281");
	CHECK_INT(ifkey_split("wg0", ifn, ns), 0);
	CHECK_STR(ns, "");
	CHECK(ifkey_is_iface("wg0/ns-a", "wg0"));
	CHECK(ifkey_is_iface("wg0", "wg0"));
	CHECK(!ifkey_is_iface("wg00/ns-a", "wg0"));
	CHECK(!ifkey_is_iface("wg0/ns-a", "wg"));
	CHECK_STR(ifkey_netns("wg0/x"), "x");
	CHECK_STR(ifkey_netns("wg0"), "");
	/* Bad keys are refused, never cut. */
	CHECK_INT(ifkey_format(key, "", "a"), -EINVAL);
	CHECK_INT(ifkey_format(key, "0123456789abcdef", NULL), -EINVAL);
	CHECK_INT(ifkey_format(key, "wg0", "a/b"), -EINVAL);
	CHECK_INT(ifkey_split("/ns", ifn, ns), -EINVAL);
	CHECK_INT(ifkey_split("wg0/", ifn, ns), -EINVAL);
	CHECK_INT(ifkey_split("wg0/a/b", ifn, ns), -EINVAL);
	CHECK_INT(ifkey_split("0123456789abcdef/a", ifn, ns), -EINVAL);
}

TEST(namespace_labels)
{
	char l[NETNS_LABEL_LEN], longname[80];

	netns_label(l, "srv", 5);
	CHECK_STR(l, "srv");
	netns_label(l, "cni-1a2b.c_d", 5);
	CHECK_STR(l, "cni-1a2b.c_d");
	netns_label(l, NULL, 4026532281ULL);
	CHECK_STR(l, "ino:4026532281");
	/* Names that could spoof another label or break a record: by inode. */
	netns_label(l, "ino:1", 7);
	CHECK_STR(l, "ino:7");
	netns_label(l, "a b", 7);
	CHECK_STR(l, "ino:7");
	netns_label(l, "x\"]", 7);
	CHECK_STR(l, "ino:7");
	netns_label(l, "..", 7);
	CHECK_STR(l, "ino:7");
	netns_label(l, "", 7);
	CHECK_STR(l, "ino:7");
	memset(longname, 'a', sizeof(longname));
	longname[NETNS_LABEL_LEN - 1] = '\0';	/* 47 chars: fits */
	netns_label(l, longname, 7);
	CHECK_STR(l, longname);
	longname[NETNS_LABEL_LEN - 1] = 'a';
	longname[NETNS_LABEL_LEN] = '\0';	/* 48 chars: by inode */
	netns_label(l, longname, 7);
	CHECK_STR(l, "ino:7");
}

TEST(dedup_by_inode)
{
	struct netns_scan s;

	CHECK_INT(netns_scan_init(&s, 3), 0);
	s.self_ino = 1;
	CHECK_INT(netns_scan_add(&s, 1, NULL, "/proc/1/ns/net"), 0);	/* our own */
	CHECK_INT((int)s.n, 0);
	CHECK_INT(netns_scan_add(&s, 10, NULL, "/proc/100/ns/net"), 0);
	CHECK_INT(netns_scan_add(&s, 10, NULL, "/proc/101/ns/net"), 0);
	CHECK_INT((int)s.n, 1);
	CHECK_STR(s.v[0].label, "ino:10");
	CHECK_STR(s.v[0].path, "/proc/100/ns/net");
	/* A name beats a process, then the smallest name, whatever the order. */
	CHECK_INT(netns_scan_add(&s, 10, "zeta", "/run/netns/zeta"), 0);
	CHECK_STR(s.v[0].label, "zeta");
	CHECK_INT(netns_scan_add(&s, 10, "alpha", "/run/netns/alpha"), 0);
	CHECK_STR(s.v[0].label, "alpha");
	CHECK_STR(s.v[0].path, "/run/netns/alpha");
	CHECK_INT(netns_scan_add(&s, 10, "beta", "/run/netns/beta"), 0);
	CHECK_INT(netns_scan_add(&s, 10, "bad name", "/run/netns/bad name"), 0);
	CHECK_INT(netns_scan_add(&s, 10, NULL, "/proc/102/ns/net"), 0);
	CHECK_STR(s.v[0].label, "alpha");
	CHECK_INT((int)s.n, 1);
	/* The bound: counted, not silent. */
	CHECK_INT(netns_scan_add(&s, 11, NULL, "/proc/110/ns/net"), 0);
	CHECK_INT(netns_scan_add(&s, 12, "c", "/run/netns/c"), 0);
	CHECK_INT(netns_scan_add(&s, 13, NULL, "/proc/130/ns/net"), -ENOSPC);
	CHECK_INT((int)s.n, 3);
	CHECK_INT((int)s.over, 1);
	netns_scan_release(&s);
}

TEST(dedup_at_the_bound)
{
	struct netns_scan s;
	char path[64];

	CHECK_INT(netns_scan_init(&s, 0), 0);
	s.self_ino = 7;
	for (int round = 0; round < 2; round++) {
		/* Inodes that share their low bits, from several processes each. */
		for (uint64_t i = 0; i < NETNS_MAX_DEFAULT; i++) {
			snprintf(path, sizeof(path), "/proc/%llu/ns/net", (unsigned long long)i);
			CHECK_INT(netns_scan_add(&s, 4026531840ULL + (i << 12), NULL, path), 0);
			CHECK_INT(netns_scan_add(&s, 4026531840ULL + (i << 12), NULL, path), 0);
		}
		CHECK_INT((int)s.n, NETNS_MAX_DEFAULT);
		CHECK_INT(netns_scan_add(&s, 1, NULL, "/proc/1/ns/net"), -ENOSPC);
		CHECK_INT(netns_scan_add(&s, 7, NULL, "/proc/2/ns/net"), 0);	/* own */
		for (size_t i = 0; i < s.n; i++)
			CHECK(s.v[i].ino == 4026531840ULL + ((uint64_t)i << 12));
		/* A new scan starts empty (netns_scan_run does this). */
		s.n = 0;
		memset(s.slots, 0, s.nslots * sizeof(*s.slots));
	}
	netns_scan_release(&s);
}

static void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

	CHECK(fd >= 0);
	close(fd);
}

/* A tree shaped like /run/netns and /proc where hard links share an inode,
 * as the processes of one container share a namespace. */
TEST(scan_a_tree)
{
	char dir[64], p[256], q[256];
	struct netns_scan s;
	struct stat st;
	uint64_t ino_a, ino_b;

	snprintf(dir, sizeof(dir), "/tmp/wga-netns.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/run", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/proc", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/run/ns-a", dir);
	touch(p);
	stat(p, &st);
	ino_a = (uint64_t)st.st_ino;
	for (int pid = 100; pid <= 102; pid++) {
		snprintf(p, sizeof(p), "%s/proc/%d", dir, pid);
		mkdir(p, 0700);
		snprintf(p, sizeof(p), "%s/proc/%d/ns", dir, pid);
		mkdir(p, 0700);
	}
	/* 100 is in ns-a; 101 and 102 share an unnamed one. */
	snprintf(p, sizeof(p), "%s/run/ns-a", dir);
	snprintf(q, sizeof(q), "%s/proc/100/ns/net", dir);
	CHECK_INT(link(p, q), 0);
	snprintf(p, sizeof(p), "%s/proc/101/ns/net", dir);
	touch(p);
	stat(p, &st);
	ino_b = (uint64_t)st.st_ino;
	snprintf(q, sizeof(q), "%s/proc/102/ns/net", dir);
	CHECK_INT(link(p, q), 0);
	snprintf(p, sizeof(p), "%s/proc/self", dir);	/* not a pid: skipped */
	mkdir(p, 0700);

	CHECK_INT(netns_scan_init(&s, 0), 0);
	{
		char run[128], proc[128], lb[NETNS_LABEL_LEN];
		const struct netns_entry *a, *b;

		snprintf(run, sizeof(run), "%s/run", dir);
		snprintf(proc, sizeof(proc), "%s/proc", dir);
		CHECK_INT(netns_scan_run(&s, run, proc), 0);
		CHECK_INT((int)s.n, 2);
		/* Entries in the order met (processes first, then names). */
		a = s.v[0].ino == ino_a ? &s.v[0] : &s.v[1];
		b = a == &s.v[0] ? &s.v[1] : &s.v[0];
		CHECK(a->ino == ino_a && b->ino == ino_b);
		CHECK_STR(a->label, "ns-a");
		CHECK(a->named);
		CHECK(strstr(a->path, "/run/ns-a") != NULL);	/* the name's path, not a pid's */
		netns_label(lb, NULL, ino_b);
		CHECK_STR(b->label, lb);
		/* A second scan starts afresh: ns-a gone, only the process one. */
		snprintf(p, sizeof(p), "%s/run/ns-a", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/proc/100/ns/net", dir);
		unlink(p);
		CHECK_INT(netns_scan_run(&s, run, proc), 0);
		CHECK_INT((int)s.n, 1);
		CHECK(s.v[0].ino == ino_b);
		/* No /proc: an error, so nothing is taken as gone. */
		snprintf(proc, sizeof(proc), "%s/nonexistent", dir);
		CHECK(netns_scan_run(&s, run, proc) < 0);
	}
	netns_scan_release(&s);
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	CHECK_INT(system(p), 0);
}

/* netns_run_in: fn runs inside the namespace, on a thread of its own; the
 * socket it makes belongs to that namespace (SIOCGSKNS says which) and is
 * ours afterwards; the calling thread never leaves its namespace. */
struct inside {
	pid_t tid;
	uint64_t ino;
	int sock;
};

static int make_socket_inside(void *ctx)
{
	struct inside *in = ctx;

	in->tid = gettid();
	if (netns_self_ino(&in->ino, NULL) < 0)
		return -1;
	in->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return in->sock < 0 ? -errno : 7;
}

/* A fresh namespace held by an fd: a thread unshares and opens its own. */
static void *new_netns(void *arg)
{
	int *fd = arg;

	*fd = unshare(CLONE_NEWNET) < 0 ? -errno :
	      open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return NULL;
}

static uint64_t fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? 0 : (uint64_t)st.st_ino;
}

TEST(run_in_other_namespace)
{
	struct inside in = { 0, 0, -1 };
	uint64_t self, after, other;
	char path[64];
	pthread_t t;
	int nsfd = -1, skns;

	CHECK_INT(netns_self_ino(&self, NULL), 0);
	CHECK_INT(pthread_create(&t, NULL, new_netns, &nsfd), 0);
	CHECK_INT(pthread_join(t, NULL), 0);
	if (nsfd == -EPERM) {
		printf("  (not root: only the stale-inode case)\n");
	} else {
		CHECK(nsfd >= 0);
		other = fd_ino(nsfd);
		CHECK(other != 0 && other != self);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", nsfd);
		CHECK_INT(netns_run_in(path, other, make_socket_inside, &in), 7);
		CHECK(in.tid != gettid());
		CHECK(in.ino == other);
		CHECK_INT(netns_self_ino(&after, NULL), 0);
		CHECK(after == self);
		skns = ioctl(in.sock, SIOCGSKNS);
		CHECK(skns >= 0);
		CHECK(fd_ino(skns) == other);
		close(skns);
		close(in.sock);
		/* The inode no longer matches (a reused pid): nothing runs. */
		in.tid = 0;
		CHECK_INT(netns_run_in(path, other + 1, make_socket_inside, &in), -ESTALE);
		CHECK(in.tid == 0);
		close(nsfd);
	}
	CHECK_INT(netns_run_in("/nonexistent/ns", 1, make_socket_inside, &in), -ENOENT);
}

TEST(conf_namespaces_key)
{
	static struct conf c;
	char err[256];

	conf_defaults(&c);
	CHECK(!c.all_namespaces);	/* default: the agent's own */
	CHECK_INT(conf_set(&c, "agent", "namespaces", "all", err, sizeof(err)), 0);
	CHECK(c.all_namespaces);
	CHECK_INT(conf_set(&c, "agent", "namespaces", "own", err, sizeof(err)), 0);
	CHECK(!c.all_namespaces);
	CHECK(conf_set(&c, "agent", "namespaces", "some", err, sizeof(err)) < 0);
	CHECK(strstr(err, "own or all") != NULL);
}

/* ---- the tracker with two namespaces that both have wg0 ---- */

struct sink_log {
	int n;
	struct event ev[64];
};

static int collect(void *ctx, struct event *ev)
{
	struct sink_log *l = ctx;

	if (l->n < 64)
		l->ev[l->n++] = *ev;
	return 0;
}

static void set_peer(struct wg_device *d, uint8_t id, const char *ep)
{
	struct wg_peer *p = wg_device_new_peer(d);

	memset(p->public_key, id, WG_KEY_LEN);
	if (ep)
		endpoint_parse(ep, strlen(ep), &p->endpoint);
}

static int count_type(const struct sink_log *l, enum event_type t, const char *netns)
{
	int n = 0;

	for (int i = 0; i < l->n; i++) {
		const char *ns = event_get(&l->ev[i], "netns");

		if (l->ev[i].type == t && !strcmp(ns ? ns : "", netns))
			n++;
	}
	return n;
}

TEST(tracker_two_namespaces_same_name)
{
	struct tracker_opts o = { .active_us = 180000000, .transfer_interval_us = 60000000 };
	struct event_sink sink;
	struct sink_log log;
	struct wg_device a, b, own;
	struct store *st;
	struct state_ops ops;
	struct tracker *t;
	struct event ev;
	char dir[64], db[128], b64[WG_KEY_B64_LEN];
	uint8_t k[WG_KEY_LEN];
	int64_t now = 1780000000000000LL;

	memset(&log, 0, sizeof(log));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&own, 0, sizeof(own));
	sink.emit = collect;
	sink.ctx = &log;
	snprintf(dir, sizeof(dir), "/tmp/wga-netns-t.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(db, sizeof(db), "%s/t.db", dir);
	CHECK_INT(store_open(db, &st), 0);
	store_state_ops(st, &ops);
	CHECK_INT(tracker_new(&ops, &o, &sink, &t), 0);
	snprintf(a.name, sizeof(a.name), "wg0");
	snprintf(b.name, sizeof(b.name), "wg0");
	snprintf(own.name, sizeof(own.name), "wgx");
	set_peer(&a, 1, "192.0.2.1:1");
	set_peer(&b, 2, "192.0.2.2:2");
	set_peer(&b, 3, "192.0.2.9:9");
	set_peer(&a, 4, "192.0.2.9:9");		/* same endpoint in both */

	/* Baseline, then a pass where both appear: two wg0, kept apart. */
	store_begin(st);
	tracker_pass_begin(t, now);
	tracker_observe(t, &own, SRC_POLL);
	tracker_pass_end(t, true, SRC_POLL, NULL, NULL);
	tracker_pass_begin(t, now + 1000000);
	tracker_observe(t, &own, SRC_POLL);
	CHECK_INT(tracker_observe_in(t, &a, "ns-a", SRC_POLL), 0);
	CHECK_INT(tracker_observe_in(t, &b, "ns-b", SRC_POLL), 0);
	tracker_pass_end(t, true, SRC_POLL, NULL, NULL);
	store_commit(st);
	CHECK_INT(count_type(&log, EV_IFACE_CREATED, "ns-a"), 1);
	CHECK_INT(count_type(&log, EV_IFACE_CREATED, "ns-b"), 1);
	CHECK_INT(count_type(&log, EV_PEER_ADDED, "ns-a"), 2);
	CHECK_INT(count_type(&log, EV_PEER_ADDED, "ns-b"), 2);
	for (int i = 0; i < log.n; i++)
		CHECK_STR(event_get(&log.ev[i], "iface"), "wg0");	/* the plain name */

	/* A line with a unique endpoint: the peer and its namespace. */
	event_init(&ev, EV_HANDSHAKE_INITIATION_RECEIVED, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_id", "21");
	event_set(&ev, "endpoint", "192.0.2.2:2");
	tracker_resolve(t, &ev);
	memset(k, 2, sizeof(k));
	key_to_base64(b64, k);
	CHECK_STR(event_get(&ev, "peer"), b64);
	CHECK_STR(event_get(&ev, "netns"), "ns-b");
	/* The number is learned (kernel peer numbers are host-wide). */
	event_init(&ev, EV_KEYPAIR_CREATED, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_id", "21");
	tracker_resolve(t, &ev);
	CHECK_STR(event_get(&ev, "peer"), b64);
	CHECK_STR(event_get(&ev, "netns"), "ns-b");
	/* The same endpoint in both namespaces: said, not guessed. */
	event_init(&ev, EV_HANDSHAKE_INITIATION_RECEIVED, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_id", "22");
	event_set(&ev, "endpoint", "192.0.2.9:9");
	tracker_resolve(t, &ev);
	CHECK(event_get(&ev, "peer") == NULL);
	CHECK(event_get(&ev, "netns") == NULL);
	CHECK(event_get(&ev, "netns_unresolved") != NULL);
	CHECK(strstr(event_get(&ev, "netns_unresolved"), "ns-a") != NULL);
	CHECK(strstr(event_get(&ev, "netns_unresolved"), "ns-b") != NULL);
	/* A line with no peer: ambiguous by name alone. */
	event_init(&ev, EV_IFACE_UP, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	tracker_resolve(t, &ev);
	CHECK(event_get(&ev, "netns") == NULL);
	CHECK(event_get(&ev, "netns_unresolved") != NULL);
	/* A new interface's line: the known ones are not it. */
	event_init(&ev, EV_IFACE_CREATED, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	tracker_resolve(t, &ev);
	CHECK(event_get(&ev, "netns") == NULL);
	CHECK(event_get(&ev, "netns_unresolved") == NULL);
	/* A name only the own namespace has: no netns field at all. */
	event_init(&ev, EV_IFACE_UP, SRC_KMSG);
	event_set(&ev, "iface", "wgx");
	tracker_resolve(t, &ev);
	CHECK(event_get(&ev, "netns") == NULL);
	CHECK(event_get(&ev, "netns_unresolved") == NULL);

	/* Restart: state comes back under the same keys; ns-b gone. */
	tracker_free(t);
	log.n = 0;
	store_state_ops(st, &ops);
	CHECK_INT(tracker_new(&ops, &o, &sink, &t), 0);
	store_begin(st);
	tracker_pass_begin(t, now + 2000000);
	tracker_observe(t, &own, SRC_POLL);
	tracker_observe_in(t, &a, "ns-a", SRC_POLL);
	tracker_pass_end(t, true, SRC_POLL, NULL, NULL);
	store_commit(st);
	CHECK_INT(count_type(&log, EV_IFACE_CREATED, "ns-a"), 0);
	CHECK_INT(count_type(&log, EV_IFACE_DESTROYED, "ns-b"), 1);
	CHECK_INT(count_type(&log, EV_IFACE_DESTROYED, ""), 0);

	tracker_free(t);
	store_free(st);
	wg_device_release(&a);
	wg_device_release(&b);
	wg_device_release(&own);
	snprintf(db, sizeof(db), "rm -rf %s", dir);
	CHECK_INT(system(db), 0);
}
/* A session's persisted key holds the interface key: "ino:N" has a ':'. */
TEST(session_key_with_netns)
{
	struct session_rec r, back;
	char key[160], val[512], b64[WG_KEY_B64_LEN];

	memset(&r, 0, sizeof(r));
	memset(r.key, 9, sizeof(r.key));
	snprintf(r.iface, sizeof(r.iface), "wg0/ino:4026532281");
	r.start_us = 5;
	key_to_base64(b64, r.key);
	snprintf(key, sizeof(key), SESSION_KEY_PREFIX "%s:%s", r.iface, b64);
	session_rec_format(&r, val, sizeof(val));
	CHECK_INT(session_rec_parse(key, val, &back), 0);
	CHECK_STR(back.iface, "wg0/ino:4026532281");
	CHECK(!memcmp(back.key, r.key, WG_KEY_LEN));
}
TEST_MAIN()
