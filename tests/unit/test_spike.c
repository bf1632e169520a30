// SPDX-License-Identifier: GPL-2.0
/* test_spike.c - the transfer-spike baseline maths (checks/spike.c). */
#include "test.h"

#include "engine/checks/checks_int.h"

static const struct spike_params P = { .factor = 10, .warmup = 5, .min_bytes = 1 << 20 };

/* interval 60 s, noise removed: bytes that make exactly rate B/s. */
static uint64_t bytes_at(double rate)
{
	return (uint64_t)(rate * 60) + spike_noise(60);
}

TEST(warmup_learns_silently)
{
	struct spike_base b = { 0 };
	double r;

	/* Huge jumps inside the warm-up never alert. */
	CHECK(!spike_step(&b, bytes_at(100000), 60, &P, &r));
	CHECK(!spike_step(&b, bytes_at(1), 60, &P, &r));
	CHECK(!spike_step(&b, bytes_at(5000000), 60, &P, &r));
	CHECK(!spike_step(&b, bytes_at(1000), 60, &P, &r));
	CHECK(!spike_step(&b, bytes_at(1000), 60, &P, &r));
	CHECK_INT(b.n, 5);
}

TEST(alerts_after_warmup)
{
	struct spike_base b = { 0 };
	double r;

	for (int i = 0; i < 5; i++)
		CHECK(!spike_step(&b, bytes_at(50000), 60, &P, &r));
	CHECK(b.mean > 49999 && b.mean < 50001);
	CHECK(!spike_step(&b, bytes_at(400000), 60, &P, &r));	/* 8x: no */
	CHECK(spike_step(&b, bytes_at(2000000), 60, &P, &r));	/* ~40x */
	CHECK(r > 1999999 && r < 2000001);
}

TEST(floor_keeps_idle_peers_quiet)
{
	struct spike_base b = { 0 };
	double r;

	for (int i = 0; i < 10; i++)
		spike_step(&b, spike_noise(60), 60, &P, &r);	/* keepalives only */
	CHECK(b.mean < 1);
	/* 500 KiB is "infinitely" more than nothing, but under the floor. */
	CHECK(!spike_step(&b, 500 * 1024, 60, &P, &r));
	/* 2 MiB over the floor: a real burst from an idle peer. */
	CHECK(spike_step(&b, 2 << 20, 60, &P, &r));
}

TEST(keepalive_noise_removed)
{
	struct spike_base b = { 0 };
	double r;

	/* 25 s keepalives for a minute: 3 x 32 B, plus a handshake. */
	spike_step(&b, 3 * 32 + 148 + 92, 60, &P, &r);
	CHECK(r == 0);
	CHECK(spike_noise(60) >= 3 * 32 + 148);
}

TEST(spike_does_not_poison)
{
	struct spike_base b = { 0 };
	double r, before;
	int alerts = 0;

	for (int i = 0; i < 20; i++)
		spike_step(&b, bytes_at(100000), 60, &P, &r);
	before = b.mean;
	CHECK(spike_step(&b, bytes_at(100000000), 60, &P, &r));	/* 1000x */
	/* Learned as at most factor x baseline, weight 1/16. */
	CHECK(b.mean <= before + (10 * before - before) / SPIKE_HORIZON + 1);
	/* Back to normal: no alert, baseline close to the old one. */
	CHECK(!spike_step(&b, bytes_at(100000), 60, &P, &r));
	CHECK(b.mean < before * 2);
	/* A lasting change of habit is learned in the end. */
	for (int i = 0; i < 200; i++)
		alerts += spike_step(&b, bytes_at(5000000), 60, &P, &r);
	CHECK(alerts > 0 && alerts < 10);
	CHECK(!spike_step(&b, bytes_at(5000000), 60, &P, &r));
}

TEST(bogus_deltas_ignored)
{
	struct spike_base b = { 0 };
	double r;

	for (int i = 0; i < 6; i++)
		spike_step(&b, bytes_at(1000), 60, &P, &r);
	/* A wrapped / reset counter shows as ~2^64: neither alert nor learn. */
	CHECK(!spike_step(&b, UINT64_MAX - 5, 60, &P, &r));
	CHECK_INT(b.n, 6);
	CHECK(b.mean < 1001);
	/* interval 0 is treated as 1 s, not a division by zero. */
	CHECK(!spike_step(&b, 10, 0, &P, &r));
}

TEST_MAIN()
