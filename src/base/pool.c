// SPDX-License-Identifier: GPL-2.0
/* pool.c - see pool.h. Under AddressSanitizer a freed record and a block's
 * unused tail are poisoned: a use after pool_free is reported as it would
 * be after free(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/pool.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define poison(a, n)	ASAN_POISON_MEMORY_REGION((a), (n))
#define unpoison(a, n)	ASAN_UNPOISON_MEMORY_REGION((a), (n))
#else
#define poison(a, n)	((void)(a), (void)(n))
#define unpoison(a, n)	((void)(a), (void)(n))
#endif

/* A block fits one 16 KiB malloc chunk (its 8-byte header included), well
 * below the mmap threshold: blocks come from the heap. */
#define POOL_BLOCK	(16384 - 16)

struct pool_block {
	struct pool_block *next;
	uint64_t recs[];		/* 8-byte aligned records */
};

void pool_init(struct pool *p, size_t size)
{
	memset(p, 0, sizeof(*p));
	if (size < sizeof(void *))
		size = sizeof(void *);
	p->size = (size + 7) & ~(size_t)7;
}

void *pool_alloc(struct pool *p)
{
	void *rec;

	if (p->size > POOL_MAX_RECORD)
		return NULL;
	if (p->free) {
		rec = p->free;
		unpoison(rec, p->size);
		memcpy(&p->free, rec, sizeof(void *));
	} else {
		if (p->tail_left < p->size) {
			struct pool_block *b = malloc(POOL_BLOCK);

			if (!b)
				return NULL;
			b->next = p->blocks;
			p->blocks = b;
			p->tail = (char *)b->recs;
			p->tail_left = POOL_BLOCK - offsetof(struct pool_block, recs);
			poison(p->tail, p->tail_left);
		}
		rec = p->tail;
		p->tail += p->size;
		p->tail_left -= p->size;
		unpoison(rec, p->size);
	}
	memset(rec, 0, p->size);
	p->used++;
	return rec;
}

void pool_free(struct pool *p, void *rec)
{
	if (!rec)
		return;
	if (--p->used == 0) {
		pool_release(p);	/* nothing left in use: the blocks go */
		return;
	}
	memcpy(rec, &p->free, sizeof(void *));
	p->free = rec;
	poison(rec, p->size);
}

void pool_release(struct pool *p)
{
	struct pool_block *b, *next;

	for (b = p->blocks; b; b = next) {
		next = b->next;
		unpoison(b, POOL_BLOCK);
		free(b);
	}
	p->blocks = NULL;
	p->free = NULL;
	p->tail = NULL;
	p->tail_left = 0;
	p->used = 0;
}
