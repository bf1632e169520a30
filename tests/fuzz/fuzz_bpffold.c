// SPDX-License-Identifier: GPL-2.0
/* fuzz_bpffold.c - the eBPF source's records (fold entries and ring
 * records, as a mismatched or buggy BPF object could write them) through
 * the pure conversion and the bounded fold table. Counts put in must come
 * out: every valid entry's count is emitted exactly once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/event.h"
#include "base/util.h"
#include "sources/bpf/bpffold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t emitted;

static int sum_emit(void *ctx, struct event *ev)
{
	const char *v = event_get(ev, "count");
	uint64_t n;

	if (v && parse_u64(v, strlen(v), UINT64_MAX, &n) == 0)
		emitted += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t one = sizeof(struct wgb_fold_key) + sizeof(struct wgb_fold_val);
	struct event_sink sink = { sum_emit, NULL };
	struct bpffold *f;
	uint64_t put = 0;
	struct event ev;

	if (size >= sizeof(struct wgb_rec)) {
		struct wgb_rec r;

		memcpy(&r, data, sizeof(r));
		(void)bpfrec_event(&r, 0, &ev);
	}
	if (bpffold_new(8, &f) < 0)
		return 0;
	emitted = 0;
	for (size_t o = 0; o + one <= size; o += one) {
		struct wgb_fold_key k;
		struct wgb_fold_val v;

		memcpy(&k, data + o, sizeof(k));
		memcpy(&v, data + o + sizeof(k), sizeof(v));
		k.sec &= 0x7fffffff;	/* every second is over at the flush below */
		v.count &= 0xffffffff;	/* no overflow of the sum itself */
		if (k.verdict && k.verdict < WGB_VERDICT_MAX && k.reason < WGB_R_MAX)
			put += v.count;
		bpffold_add(f, &k, &v);
	}
	bpffold_flush(f, UINT32_MAX, 0, &sink);
	if (emitted != put || bpffold_len(f) != 0)
		abort();
	bpffold_free(f);
	return 0;
}
