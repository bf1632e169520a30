// SPDX-License-Identifier: GPL-2.0
/* obsstream.c - a source's chunks into the tracker. See obsstream.h. */
#include <errno.h>
#include "daemon/obsstream.h"
#include "engine/tracker.h"

/* wg_stream's flush: the first chunk begins the observation (dev has the
 * interface's fields by then); a tracker that wants the device whole gets
 * it kept (1). */
static int obs_flush(void *ctx, struct wg_device *dev, size_t n)
{
	struct obs_stream *o = ctx;

	if (!o->begun) {
		o->begun = true;
		o->mode = tracker_observe_begin(o->t, dev, o->netns, o->src);
		if (o->mode < 0)
			return o->mode;
	}
	if (o->mode == 0)
		return 1;
	tracker_observe_peers(o->t, dev, n);
	return 0;
}

void obs_stream_init(struct obs_stream *o, struct tracker *t, const char *netns,
		     enum event_source src)
{
	o->s.flush = obs_flush;
	o->s.ctx = o;
	o->s.chunk = OBS_CHUNK;
	o->s.keep = false;
	o->t = t;
	o->netns = netns;
	o->src = src;
	o->mode = 0;
	o->begun = false;
}

int obs_stream_finish(struct obs_stream *o, const struct wg_device *dev,
		      const char *key, int ret)
{
	if (ret == 0 && !o->begun) {
		o->begun = true;
		o->mode = tracker_observe_begin(o->t, dev, o->netns, o->src);
		ret = o->mode < 0 ? o->mode : 0;
	}
	if (ret == 0)
		ret = tracker_observe_end(o->t, dev);
	if (ret < 0 && key)
		tracker_observe_failed(o->t, key, ret);
	else if (ret < 0)
		tracker_observe_abort(o->t);
	return ret;
}
