// SPDX-License-Identifier: GPL-2.0
/* kmsgread.c - the live /dev/kmsg reader: one record per read(),
 * kernel-facility records only unless told otherwise, resume after a saved
 * sequence number, KMSG_GAP for what the ring overwrote. Parsing is kmsg.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/event.h"
#include "sources/kmsg.h"
#include "base/util.h"

#define KMSG_READ_BUF	8192	/* CONSOLE_EXT_LOG_MAX: one record always fits */
#define KMSG_BATCH	4096	/* records per drain before giving the loop back */

struct kmsg_reader {
	int fd;
	bool accept_user;
	bool have_expected;
	uint64_t expected;	/* seq of the next record we want */
	bool lost_unknown;	/* EPIPE before any seq was known */
	unsigned npending;	/* events the sink refused, oldest first */
	struct event pending[2];
	uint64_t pending_seq;
	char buf[KMSG_READ_BUF];
};

int kmsg_reader_open(const struct kmsg_reader_opts *o, struct kmsg_reader **out)
{
	struct kmsg_reader *r;
	int ret;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = open(o->path ? o->path : "/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (r->fd < 0) {
		ret = -errno;
		goto out;
	}
	r->accept_user = o->accept_user;
	if (o->resume) {
		/* /dev/kmsg has no seek-to-seq: read from the oldest record
		 * and skip what was already seen. */
		r->have_expected = true;
		r->expected = o->resume_seq + 1;
	} else if (o->from_end && lseek(r->fd, 0, SEEK_END) < 0) {
		ret = -errno;
		goto out;
	}
	*out = r;
	r = NULL;
	ret = 0;
out:
	kmsg_reader_free(r);
	return ret;
}

int kmsg_reader_fd(const struct kmsg_reader *r)
{
	return r->fd;
}

void kmsg_reader_free(struct kmsg_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* Emit evs in order; the ones the sink refuses are kept for next time. */
static int emit_all(struct kmsg_reader *r, struct event *evs, unsigned n,
		    uint64_t seq, const struct event_sink *sink, uint64_t *last_seq)
{
	for (unsigned i = 0; i < n; i++) {
		int ret = event_emit(sink, &evs[i]);

		if (ret < 0) {
			if (evs != r->pending)
				memcpy(r->pending, evs + i, (n - i) * sizeof(*evs));
			else
				memmove(r->pending, evs + i, (n - i) * sizeof(*evs));
			r->npending = n - i;
			r->pending_seq = seq;
			return ret;
		}
	}
	r->npending = 0;
	*last_seq = seq;
	return (int)n;
}

int kmsg_reader_feed(struct kmsg_reader *r, const char *buf, size_t len,
		     int64_t boot_us, const struct event_sink *sink,
		     uint64_t *last_seq)
{
	struct kmsg_record rec;
	struct event evs[2];
	unsigned n = 0;
	int64_t t;

	if (kmsg_parse_record(buf, len, &rec) < 0)
		return 0;	/* not a record: nothing to count or emit */
	if (r->have_expected && rec.seq < r->expected)
		return 0;	/* seen before the restart */
	t = boot_us + (int64_t)(rec.usec > INT64_MAX / 2 ? 0 : rec.usec);
	if ((r->have_expected && rec.seq > r->expected) || r->lost_unknown) {
		event_init(&evs[n], EV_KMSG_GAP, SRC_KMSG);
		evs[n].time_us = t;
		if (r->have_expected && rec.seq > r->expected)
			event_set_u64(&evs[n], "lost", rec.seq - r->expected);
		n++;
		r->lost_unknown = false;
	}
	r->have_expected = true;
	r->expected = rec.seq + 1;
	/* Userspace may write to /dev/kmsg; only facility 0 is the kernel. */
	if ((rec.facility == 0 || r->accept_user) &&
	    kmsg_parse(rec.text, rec.text_len, &evs[n]) == 0) {
		evs[n].time_us = t;
		n++;
	}
	return emit_all(r, evs, n, rec.seq, sink, last_seq);
}

static int64_t boot_wall_us(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000 +
	       (rt.tv_nsec - mono.tv_nsec) / 1000;
}

int kmsg_reader_drain(struct kmsg_reader *r, const struct event_sink *sink,
		      uint64_t *last_seq)
{
	int64_t boot = boot_wall_us();
	int total = 0, ret;

	if (r->npending) {
		ret = emit_all(r, r->pending, r->npending, r->pending_seq, sink, last_seq);
		if (ret < 0)
			return ret;
		total += ret;
	}
	for (int i = 0; i < KMSG_BATCH; i++) {
		ssize_t len = read(r->fd, r->buf, sizeof(r->buf));

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == EPIPE) {
				/* Overwritten before we read them: the seq
				 * jump of the next record says how many. */
				if (!r->have_expected)
					r->lost_unknown = true;
				continue;
			}
			return -errno;
		}
		if (len == 0)
			break;
		ret = kmsg_reader_feed(r, r->buf, (size_t)len, boot, sink, last_seq);
		if (ret < 0)
			return ret;
		total += ret;
	}
	return total;
}

int kmsg_boot_id(char out[static 37])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, out, 36);
	close(fd);
	if (n != 36)
		return -EIO;
	out[36] = '\0';
	return 0;
}
