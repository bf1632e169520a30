// SPDX-License-Identifier: GPL-2.0
/* pool.h - records of one size carved from 16 KiB blocks: no malloc
 * header or 16-byte rounding per record (a 144-byte peer costs 144, not
 * 160). Freed records are reused first; when the last record is freed,
 * the blocks go back to malloc, so memory follows the records in use. */
#ifndef WGAUDIT_POOL_H
#define WGAUDIT_POOL_H
#include <stddef.h>

struct pool_block;

struct pool {
	size_t size;			/* one record, a multiple of 8 */
	size_t used;			/* records handed out */
	void *free;			/* freed records, linked through their first word */
	struct pool_block *blocks;
	char *tail;			/* the newest block's records never handed out */
	size_t tail_left;
};

/* For records of size bytes (at most POOL_MAX_RECORD, 8-byte aligned). */
#define POOL_MAX_RECORD	1024
void pool_init(struct pool *p, size_t size);
/* A zeroed record; NULL on ENOMEM. */
void *pool_alloc(struct pool *p);
/* rec from pool_alloc of this pool; NULL-safe. */
void pool_free(struct pool *p, void *rec);
/* Every block back to malloc (records still out become invalid). */
void pool_release(struct pool *p);
#endif
