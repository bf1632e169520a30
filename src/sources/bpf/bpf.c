// SPDX-License-Identifier: GPL-2.0
/* bpf.c - the eBPF source's loader and reader (see bpf.h). Built, with
 * bpffold.c, as wgaudit-bpf.so: the binary's bpf_lazy.c loads it (and
 * libbpf, libelf, libz with it) only when the wireguard module is there to
 * attach to and [bpf] is not off. libbpf loads
 * the skeleton of wg.bpf.c, relocating it against the running kernel's
 * and the wireguard module's BTF (CO-RE), and attaches its fentry/fexit
 * programs. The agent then reads two things: the ring buffer (endpoint
 * changes, peers changed over netlink, and a note when a fold entry was
 * made) and, once a second is over, that second's fold entries, which are
 * deleted as they are read: the map holds at most two seconds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/event.h"
#include "base/log.h"
#include "base/util.h"
#include "sources/bpf/bpf.h"
#include "sources/bpf/bpffold.h"

#ifndef HAVE_BPF
int wgbpf_open(bool drops, struct wgbpf **out, char *why, size_t len)
{
	*out = NULL;
	snprintf(why, len, "this wgaudit was built without libbpf");
	return -ENOTSUP;
}
void wgbpf_free(struct wgbpf *b) { (void)b; }
int wgbpf_fd(const struct wgbpf *b) { (void)b; return -1; }
int wgbpf_read(struct wgbpf *b, const struct event_sink *sink) { return -ENOTSUP; }
int64_t wgbpf_deadline_us(const struct wgbpf *b) { return 0; }
bool wgbpf_prog_loaded(const struct wgbpf *b, const char *name) { return false; }
#else
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <wg.skel.h>	/* generated: build/gen (bpftool gen skeleton) */

/* An entry's second is over this long after its end before it is read:
 * far more than a program runs between reading the clock and counting. */
#define GRACE_NS	300000000ull
#define NSLOTS		(WGB_VERDICT_MAX * WGB_R_MAX)

struct wgbpf {
	struct wg_bpf *skel;
	struct ring_buffer *rb;
	struct bpffold *fold;
	int folds_fd, overflow_fd, ncpu;
	uint32_t pending_sec;		/* newest second with entries, 0 = none */
	bool pending;
	uint64_t overflow_seen[NSLOTS];
	uint64_t lost_seen;
	uint64_t *pcpu;			/* ncpu values of one overflow slot */
	struct wgb_fold_key *keys;	/* WGB_FOLD_MAX, for one pass */
	const struct event_sink *sink;	/* during wgbpf_read */
};

/* libbpf's own messages: the last warning explains a failed load;
 * "prog 'NAME': BPF program load failed" names the program, and the last
 * line of the verifier's log (printed next) says why. */
static char libbpf_last[256], libbpf_prog[64], libbpf_verifier[400];

/* The verifier's verdict: the last lines of its log (the final one is
 * its statistics), joined with " | ". */
static void keep_verifier_line(const char *text)
{
	const char *end = strstr(text, "-- END PROG LOAD LOG"), *start;
	size_t o = 0;
	int lines = 0;

	if (!end)
		end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (start = end; start > text; start--)
		if (start[-1] == '\n' && ++lines == 3)
			break;
	for (const char *p = start; p < end && o + 4 < sizeof(libbpf_verifier); p++) {
		if (*p == '\n') {
			memcpy(libbpf_verifier + o, " | ", 3);
			o += 3;
		} else {
			libbpf_verifier[o++] = *p;
		}
	}
	libbpf_verifier[o] = '\0';
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char line[16384];
	const char *p, *q;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "BEGIN PROG LOAD LOG")) {
		keep_verifier_line(line);
		return 0;
	}
	line[strcspn(line, "\n")] = '\0';
	log_debug("libbpf: %s", line);
	if ((p = strstr(line, "prog '")) && (q = strchr(p + 6, '\'')) &&
	    strstr(q, "load failed") && !libbpf_prog[0])
		snprintf(libbpf_prog, sizeof(libbpf_prog), "%.*s", (int)(q - p - 6), p + 6);
	if (line[0])
		snprintf(libbpf_last, sizeof(libbpf_last), "%s", line);
	return 0;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct wgbpf *b = ctx;
	const struct wgb_rec *r = data;
	struct event ev;
	int64_t off;

	if (size < sizeof(*r))
		return 0;
	if (r->type == WGB_REC_FOLD_NEW) {
		if (!b->pending || r->sec > b->pending_sec)
			b->pending_sec = r->sec;
		b->pending = true;
		return 0;
	}
	off = (clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME)) / 1000;
	if (bpfrec_event(r, off, &ev) == 0 && b->sink)
		event_emit(b->sink, &ev);
	return 0;
}

/* The programs that make the source: without them, no source. The others
 * (sessions, roaming, netlink callers, drops) are left out if this kernel
 * refuses them: one by one, or with their group (nl_*, drop_*: one of a
 * group is no use, or wrong, without the rest). */
static const char *const optional[] = {
	"hs_session", "ep_set", "peer_create", "peer_remove",
	"nl_enter", "nl_byname", "nl_byindex", "nl_key", "nl_exit",
	"drop_enter", "drop_exit", "drop_mark",
};

static bool prog_optional(const char *n)
{
	for (size_t i = 0; i < ARRAY_SIZE(optional); i++)
		if (!strcmp(n, optional[i]))
			return true;
	return false;
}

static bool same_group(const char *a, const char *b)
{
	size_t n = strcspn(a, "_");

	return (!strncmp(a, "nl_", 3) || !strncmp(a, "drop_", 5)) && !strncmp(a, b, n + 1);
}

#define MAX_SKIP ARRAY_SIZE(optional)

static int load_once(struct wgbpf *b, uint32_t netns, char skip[][64], size_t nskip,
		     char *why, size_t len)
{
	struct bpf_program *p;
	int ret;

	b->skel = wg_bpf__open();
	if (!b->skel) {
		ret = -errno;
		snprintf(why, len, "cannot open the BPF object: %s", strerror(-ret));
		return ret;
	}
	b->skel->rodata->netns_ino = netns;
	bpf_object__for_each_program(p, b->skel->obj)
		for (size_t i = 0; i < nskip; i++)
			if (!strcmp(bpf_program__name(p), skip[i]))
				bpf_program__set_autoload(p, false);
	libbpf_last[0] = libbpf_prog[0] = libbpf_verifier[0] = '\0';
	ret = wg_bpf__load(b->skel);
	if (ret == 0)
		ret = wg_bpf__attach(b->skel);
	if (ret < 0 && strstr(libbpf_verifier, "unknown func bpf_probe_read")) {
		/* What the verifier says when lockdown=confidentiality took the
		 * kernel-read helpers away - seen where the lockdown file is
		 * not (a mount namespace without securityfs: ip netns exec). */
		snprintf(why, len, "kernel lockdown (confidentiality) forbids BPF kernel reads"
			 " (the verifier refused bpf_probe_read in %s)", libbpf_prog);
		wg_bpf__destroy(b->skel);
		b->skel = NULL;
		return -EPERM;
	}
	if (ret < 0) {
		snprintf(why, len, "%s%s%s%s%s",
			 ret == -EPERM ? "not permitted (needs CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN)"
				       : strerror(-ret),
			 libbpf_prog[0] ? " in " : "", libbpf_prog,
			 libbpf_verifier[0] || libbpf_last[0] ? ": " : "",
			 libbpf_verifier[0] ? libbpf_verifier : libbpf_last);
		wg_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	return ret;
}

static int load(struct wgbpf *b, uint32_t netns, bool drops, char *why, size_t len)
{
	char skip[MAX_SKIP][64];
	size_t nskip = 0;
	int ret;

	/* Not asked for: never loaded, so no trampoline on the data path. */
	for (size_t i = 0; i < ARRAY_SIZE(optional) && !drops; i++)
		if (!strncmp(optional[i], "drop_", 5))
			snprintf(skip[nskip++], sizeof(skip[0]), "%s", optional[i]);

	for (;;) {
		ret = load_once(b, netns, skip, nskip, why, len);
		if (ret == 0 || ret == -EPERM || !prog_optional(libbpf_prog) || nskip == MAX_SKIP)
			return ret;
		log_warnx("eBPF: leaving %s out: %s", libbpf_prog, why);
		for (size_t i = 0; i < ARRAY_SIZE(optional) && nskip < MAX_SKIP; i++)
			if (!strcmp(optional[i], libbpf_prog) || same_group(libbpf_prog, optional[i]))
				snprintf(skip[nskip++], sizeof(skip[0]), "%s", optional[i]);
	}
}

int wgbpf_open(bool drops, struct wgbpf **out, char *why, size_t len)
{
	struct wgbpf *b;
	struct stat st;
	int ret;

	*out = NULL;
	libbpf_set_print(libbpf_log);
	ret = wgbpf_preflight(why, len);
	if (ret < 0)
		return ret;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	/* Only this network namespace's interfaces, as the rest of the agent. */
	if (stat("/proc/self/ns/net", &st) < 0) {
		ret = -errno;
		snprintf(why, len, "/proc/self/ns/net: %s", strerror(errno));
		goto out;
	}
	ret = load(b, (uint32_t)st.st_ino, drops, why, len);
	if (ret < 0)
		goto out;
	b->ncpu = libbpf_num_possible_cpus();
	b->folds_fd = bpf_map__fd(b->skel->maps.folds);
	b->overflow_fd = bpf_map__fd(b->skel->maps.overflow);
	b->pcpu = calloc(b->ncpu > 0 ? (size_t)b->ncpu : 1, sizeof(*b->pcpu));
	b->keys = calloc(WGB_FOLD_MAX, sizeof(*b->keys));
	ret = b->ncpu > 0 && b->pcpu && b->keys ? bpffold_new(WGB_FOLD_MAX, &b->fold) : -ENOMEM;
	if (ret < 0) {
		snprintf(why, len, "out of memory");
		goto out;
	}
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record, b, NULL);
	if (!b->rb) {
		ret = -errno;
		snprintf(why, len, "ring buffer: %s", strerror(-ret));
		goto out;
	}
	*out = b;
	b = NULL;
out:
	wgbpf_free(b);
	return ret;
}

/* With kernel.bpf_stats_enabled = 1 the kernel times every program run:
 * log what the handshake programs cost per message, next to the module's
 * own time for the message. */
static void log_stats(const struct wgbpf *b)
{
	uint64_t n = __atomic_load_n(&b->skel->bss->hs_n, __ATOMIC_RELAXED);
	uint64_t mod = __atomic_load_n(&b->skel->bss->hs_ns, __ATOMIC_RELAXED);
	uint64_t hs_runs = 0, hs_time = 0;
	char list[768] = "";
	struct bpf_program *p;
	size_t o = 0;

	bpf_object__for_each_program(p, b->skel->obj) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_program__fd(p) < 0 ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0 || !info.run_cnt)
			continue;
		if (!strncmp(bpf_program__name(p), "hs_", 3)) {
			hs_runs += info.run_cnt;
			hs_time += info.run_time_ns;
		}
		if (o < sizeof(list))
			o += (size_t)snprintf(list + o, sizeof(list) - o, " %s=%llu/%lluns",
					      bpf_program__name(p), (unsigned long long)info.run_cnt,
					      (unsigned long long)info.run_time_ns);
	}
	if (!n || !hs_runs)
		return;		/* nothing seen, or statistics off */
	log_info("eBPF stats: %llu handshake messages; programs %llu ns/message (%llu runs);"
		 " the module's wg_receive_handshake_packet %llu ns/message; runs/time:%s",
		 (unsigned long long)n, (unsigned long long)(hs_time / n),
		 (unsigned long long)hs_runs, (unsigned long long)(mod / n), list);
}

void wgbpf_free(struct wgbpf *b)
{
	if (!b)
		return;
	if (b->skel)
		log_stats(b);
	ring_buffer__free(b->rb);
	wg_bpf__destroy(b->skel);	/* detaches every program */
	bpffold_free(b->fold);
	free(b->pcpu);
	free(b->keys);
	free(b);
}

bool wgbpf_prog_loaded(const struct wgbpf *b, const char *name)
{
	const struct bpf_program *p = bpf_object__find_program_by_name(b->skel->obj, name);

	return p && bpf_program__fd(p) >= 0;
}

int wgbpf_fd(const struct wgbpf *b)
{
	return ring_buffer__epoll_fd(b->rb);
}

/* Every fold entry of a second < closed: into the table, out of the map.
 * Keys are gathered first; deleting during get_next_key restarts it. */
static void take_folds(struct wgbpf *b, uint32_t closed)
{
	struct wgb_fold_key cur, next;
	struct wgb_fold_val v;
	bool first = true;
	size_t n = 0;

	while (n < WGB_FOLD_MAX &&
	       bpf_map_get_next_key(b->folds_fd, first ? NULL : &cur, &next) == 0) {
		first = false;
		cur = next;
		if (next.sec < closed)
			b->keys[n++] = next;
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(b->folds_fd, &b->keys[i], &v) == 0)
			bpffold_add(b->fold, &b->keys[i], &v);
		bpf_map_delete_elem(b->folds_fd, &b->keys[i]);
	}
}

/* Counts that found the kernel's map full: cumulative per CPU. */
static void take_overflow(struct wgbpf *b, uint32_t sec)
{
	for (uint32_t i = 0; i < NSLOTS; i++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(b->overflow_fd, &i, b->pcpu) < 0)
			continue;
		for (int c = 0; c < b->ncpu; c++)
			sum += b->pcpu[c];
		if (sum > b->overflow_seen[i])
			bpffold_add_overflow(b->fold, sec, i / WGB_R_MAX, i % WGB_R_MAX,
					     sum - b->overflow_seen[i]);
		b->overflow_seen[i] = sum;
	}
}

static void report_lost(struct wgbpf *b, const struct event_sink *sink)
{
	uint64_t lost = __atomic_load_n(&b->skel->bss->rec_lost, __ATOMIC_RELAXED);
	struct event ev;

	if (lost <= b->lost_seen)
		return;
	event_init(&ev, EV_EVENTS_DROPPED, SRC_BPF);
	event_set_u64(&ev, "count", lost - b->lost_seen);
	event_set(&ev, "reason", "bpf ring buffer full");
	event_emit(sink, &ev);
	b->lost_seen = lost;
}

int wgbpf_read(struct wgbpf *b, const struct event_sink *sink)
{
	int64_t boot = clock_ns(CLOCK_BOOTTIME), off;
	uint32_t closed = (uint32_t)((boot - (int64_t)GRACE_NS) / 1000000000);
	int ret;

	b->sink = sink;
	ret = ring_buffer__consume(b->rb);
	b->sink = NULL;
	report_lost(b, sink);
	take_folds(b, closed);
	take_overflow(b, closed ? closed - 1 : 0);
	off = (clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME)) / 1000;
	bpffold_flush(b->fold, closed, off, sink);
	if (b->pending && b->pending_sec < closed)
		b->pending = false;
	return ret < 0 ? ret : 0;
}

int64_t wgbpf_deadline_us(const struct wgbpf *b)
{
	int64_t at_boot_ns, delta;

	if (!b->pending && !bpffold_len(b->fold))
		return 0;
	/* The pending second is over at its end plus the grace. */
	at_boot_ns = ((int64_t)b->pending_sec + 1) * 1000000000 + (int64_t)GRACE_NS + 1000000;
	delta = at_boot_ns - clock_ns(CLOCK_BOOTTIME);
	if (delta < 0)
		delta = 0;
	return now_monotonic_us() + delta / 1000;
}
#endif
