// SPDX-License-Identifier: GPL-2.0
/* Fixed-size records: zeroed, distinct, reused after free, all blocks
 * returned when the last one goes (the sanitizer build checks the rest). */
#include <stdint.h>
#include "test.h"
#include "base/pool.h"

struct rec {
	uint64_t a, b;
	char tag[128];
};

TEST(records_distinct_zeroed_reused)
{
	static struct rec *r[1000];
	struct pool p;

	pool_init(&p, sizeof(struct rec));
	CHECK_INT(p.size, 144);
	for (int i = 0; i < 1000; i++) {
		r[i] = pool_alloc(&p);
		CHECK(r[i] != NULL);
		if (!r[i])
			return;
		CHECK_INT(r[i]->a | r[i]->b | (uint64_t)r[i]->tag[127], 0);
		CHECK_INT((uintptr_t)r[i] % 8, 0);
		r[i]->a = (uint64_t)i;
		memset(r[i]->tag, 'x', sizeof(r[i]->tag));
	}
	for (int i = 0; i < 1000; i++)
		CHECK_INT(r[i]->a, i);		/* no two overlap */
	CHECK_INT(p.used, 1000);
	pool_free(&p, r[500]);
	pool_free(&p, NULL);
	{
		struct rec *n = pool_alloc(&p);

		CHECK(n == r[500]);		/* a freed record first */
		CHECK_INT(n->a, 0);		/* and zeroed */
		CHECK_INT(n->tag[0], 0);
	}
	for (int i = 0; i < 1000; i++)
		pool_free(&p, r[i]);
	CHECK_INT(p.used, 0);
	CHECK(p.blocks == NULL);		/* the last free gave every block back */
	CHECK(pool_alloc(&p) != NULL);		/* and it starts over */
	pool_release(&p);
	CHECK(p.blocks == NULL);
}

TEST(too_large_is_refused)
{
	struct pool p;

	pool_init(&p, POOL_MAX_RECORD + 8);
	CHECK(pool_alloc(&p) == NULL);
	pool_init(&p, 1);
	CHECK_INT(p.size, sizeof(void *));
	CHECK(pool_alloc(&p) != NULL);
	pool_release(&p);
}

TEST_MAIN()
