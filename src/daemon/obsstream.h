// SPDX-License-Identifier: GPL-2.0
/* obsstream.h - one interface's observation as its reader goes: the
 * chunks a source hands on (wg_stream) go to the tracker's chunked
 * observation (tracker_observe_begin / _peers / _end), so a poll holds
 * OBS_CHUNK peers of a device, not all of them. */
#ifndef WGAUDIT_OBSSTREAM_H
#define WGAUDIT_OBSSTREAM_H
#include "base/event.h"
#include "base/wgdev.h"

struct tracker;

#ifndef OBS_CHUNK		/* tests build with 1: every peer its own chunk */
#define OBS_CHUNK	128	/* peers a chunk: 12 KiB of struct wg_peer */
#endif

struct obs_stream {
	struct wg_stream s;	/* give &o->s to the reader */
	struct tracker *t;
	const char *netns;	/* NULL: the agent's own namespace */
	enum event_source src;
	int mode;		/* tracker_observe_begin's answer, once begun */
	bool begun;
};

void obs_stream_init(struct obs_stream *o, struct tracker *t, const char *netns,
		     enum event_source src);
/* After the read: ret is the reader's result, key the interface's key
 * (ifkey.h). 0: dev observed (what is left of it: the reader's tail);
 * < 0: tracker_observe_failed(key, ret), whatever was handed on (key
 * NULL: tracker_observe_abort, no event). */
int obs_stream_finish(struct obs_stream *o, const struct wg_device *dev,
		      const char *key, int ret);
#endif
