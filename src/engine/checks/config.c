// SPDX-License-Identifier: GPL-2.0
/* config.c - ALERT_CONFIG_CHANGED: every CONFIG_FILE_CHANGED the config
 * watcher reports (a hash that moved: edited, created, deleted, or changed
 * while the agent was down) is an alert, with the evidence an analyst
 * needs to tell it from a planned change (path, both hashes, the watcher's
 * one-line summary). Its full diff stays on the CONFIG_FILE_CHANGED event.
 * No suppression: each change is its own incident. */
#include "engine/checks/checks_int.h"

void config_event(struct checks *ck, const struct event *ev)
{
	static const char *const keep[] = { "path", "old_sha256", "new_sha256", "summary" };
	struct event a;

	if (ev->type != EV_CONFIG_FILE_CHANGED)
		return;
	ck_alert_init(&a, EV_ALERT_CONFIG_CHANGED, LOG_WARNING, ev);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = event_get(ev, keep[i]);

		if (v)
			event_set(&a, keep[i], v);
	}
	ck_alert_emit(ck, &a);
}
