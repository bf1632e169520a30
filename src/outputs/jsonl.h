// SPDX-License-Identifier: GPL-2.0
/* jsonl.h - a JSON lines output file after a crash (DESIGN "What delivered
 * means": jsonl). */
#ifndef WGAUDIT_JSONL_H
#define WGAUDIT_JSONL_H
#include <stdint.h>

/* fd: the output file, open for reading and writing. Cuts a torn last
 * line (a crash mid-write() leaves one) and says how many bytes went
 * (*cut). *last_seq: the journal id in the event_id of the last complete
 * line when it carries this instance's id, else 0 (another agent's file,
 * an empty one). 0 or -errno. */
int jsonl_repair(int fd, const char *instance, int64_t *last_seq, uint64_t *cut);
#endif
