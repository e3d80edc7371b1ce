// SPDX-License-Identifier: GPL-2.0
/* test_scheduler.c - TAP tests for lib/scheduler.c: Maglev and weighted round robin */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "scheduler.h"
#include "tap.h"

#define PLAN		29
#define M		SCMLB_TABLE_SIZE
#define MAX_N		100
#define SEED		0x5ca1ab1eULL
/* A deviation, in percent, that stands for a build that failed. */
#define BAD_BUILD	1e9
/* Slots other than the removed backend's that may move: 1% of the table. */
#define MAX_MOVED	(M / 100)

static __u64 rng_state = SEED;
static __u32 table_a[M], table_b[M], table_c[M];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double absd(double x)
{
	return x < 0 ? -x : x;
}

/* splitmix64: the same sequence on every run and machine. */
static __u64 rnd(void)
{
	__u64 x = (rng_state += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Backend i: 10.0.i.2:80, or 2001:db8::i:8080 for IPv6; id i + 1. */
static struct scmlb_sched_backend backend(unsigned int i, int family,
					  __u16 weight)
{
	struct scmlb_sched_backend be = {
		.id = i + 1,
		.family = family,
		.weight = weight,
	};

	if (family == AF_INET) {
		be.addr[0] = 10;
		be.addr[2] = i;
		be.addr[3] = 2;
		be.port = htons(80);
	} else {
		be.addr[0] = 0x20;
		be.addr[1] = 0x01;
		be.addr[2] = 0x0d;
		be.addr[3] = 0xb8;
		be.addr[14] = i >> 8;
		be.addr[15] = i;
		be.port = htons(8080);
	}
	return be;
}

static void fill(struct scmlb_sched_backend *be, size_t n, const __u16 *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		be[i] = backend(i, AF_INET, w ? w[i] : 1);
}

static void shuffle(struct scmlb_sched_backend *be, size_t n)
{
	struct scmlb_sched_backend t;
	size_t i, j;

	for (i = n - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = be[i];
		be[i] = be[j];
		be[j] = t;
	}
}

/*
 * The worst relative distance, in percent, of a backend's slots from its
 * weight's share of the table; ids are 1..n.
 */
static double worst_balance(const struct scmlb_sched_backend *be, size_t n,
			    const __u32 *table)
{
	unsigned int count[MAX_N + 2] = { 0 };
	double total = 0, want, dev, worst = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += be[i].weight;
	for (i = 0; i < M; i++)
		count[table[i] <= MAX_N + 1 ? table[i] : 0]++;
	if (count[0])
		return BAD_BUILD;	/* an id no backend has */
	for (i = 0; i < n; i++) {
		want = (double)M * be[i].weight / total;
		dev = absd(count[be[i].id] - want) / want * 100;
		if (dev > worst)
			worst = dev;
	}
	return worst;
}

static void check_weighted(const char *what, const __u16 *w, size_t n)
{
	struct scmlb_sched_backend be[MAX_N];
	double dev = BAD_BUILD;

	fill(be, n, w);
	if (!scmlb_maglev_build(be, n, M, table_a))
		dev = worst_balance(be, n, table_a);
	ok(dev <= 1, "maglev balance, %s: shares within 1%% relative", what);
	diag("worst %.3f%%", dev);
}

static void test_balance_weighted(void)
{
	static const __u16 w123[] = { 1, 2, 3 };
	static const __u16 w1110[] = { 1, 1, 10 };
	static const __u16 wfar[] = { 1, 100, 65535 };
	__u16 w[MAX_N];
	char what[64];
	size_t i, n;

	check_weighted("weights 1:2:3", w123, 3);
	check_weighted("weights 1:1:10", w1110, 3);
	check_weighted("weights 1:100:65535", wfar, 3);
	for (n = 10; n <= MAX_N; n += 45) {
		for (i = 0; i < n; i++)
			w[i] = 1 + rnd() % 10;
		snprintf(what, sizeof(what), "n = %zu, random weights 1..10", n);
		check_weighted(what, w, n);
	}
}

static size_t diff_slots(const __u32 *a, const __u32 *b, __u32 skip_id)
{
	size_t i, moved = 0;

	for (i = 0; i < M; i++)
		if (a[i] != b[i] && a[i] != skip_id)
			moved++;
	return moved;
}

/*
 * For each n: the table's balance; then remove a backend: only its slots
 * and at most 1% more may move; then add it back at the end of the array:
 * the table must come back. Every n with equal weights; with random weights
 * every @step-th, for time.
 */
static void test_sweep(bool weighted, size_t step)
{
	struct scmlb_sched_backend be[MAX_N], less[MAX_N];
	size_t n, r, moved, worst = 0, worst_n = 0, dev_n = 0;
	const char *what = weighted ? "random weights 1..10" : "equal weights";
	bool good = true, restored = true;
	double dev, worst_dev = 0;
	__u16 w[MAX_N];

	for (n = 3; n <= MAX_N; n += step) {
		for (r = 0; r < n; r++)
			w[r] = weighted ? 1 + rnd() % 10 : 1;
		fill(be, n, w);
		r = rnd() % n;
		memcpy(less, be, r * sizeof(*be));
		memcpy(less + r, be + r + 1, (n - r - 1) * sizeof(*be));
		if (scmlb_maglev_build(be, n, M, table_a) ||
		    scmlb_maglev_build(less, n - 1, M, table_b)) {
			good = false;
			continue;
		}
		dev = worst_balance(be, n, table_a);
		if (dev > worst_dev) {
			worst_dev = dev;
			dev_n = n;
		}
		moved = diff_slots(table_a, table_b, be[r].id);
		if (moved > worst) {
			worst = moved;
			worst_n = n;
		}
		less[n - 1] = be[r];
		if (scmlb_maglev_build(less, n, M, table_c) ||
		    memcmp(table_a, table_c, sizeof(table_a)))
			restored = false;
	}
	ok(good && worst_dev <= 1,
	   "maglev balance, %s, n = 3..100 by %zu: shares within 1%% relative",
	   what, step);
	diag("worst %.3f%% at n = %zu", worst_dev, dev_n);
	ok(good && worst <= MAX_MOVED,
	   "maglev removal, %s, n = 3..100 by %zu: at most %d other slots move",
	   what, step, MAX_MOVED);
	diag("worst %zu slots, %.3f%% of the table, at n = %zu", worst,
	     100.0 * worst / M, worst_n);
	ok(good && restored,
	   "maglev re-adding, %s, n = 3..100 by %zu: the table comes back",
	   what, step);
}

/* Some IPv6, one address on two ports, random weights, shuffled five times. */
static void test_order(void)
{
	struct scmlb_sched_backend be[MAX_N];
	size_t i, n = 60;
	int k, same = 0;

	for (i = 0; i < n; i++)
		be[i] = backend(i, i % 3 ? AF_INET : AF_INET6, 1 + rnd() % 10);
	be[n - 1] = be[0];
	be[n - 1].id = n;
	be[n - 1].port = htons(443);
	if (scmlb_maglev_build(be, n, M, table_a))
		goto out;
	for (k = 0; k < 5; k++) {
		shuffle(be, n);
		if (!scmlb_maglev_build(be, n, M, table_b) &&
		    !memcmp(table_a, table_b, sizeof(table_a)))
			same++;
	}
out:
	ok(same == 5, "maglev: 60 backends, IPv4 and IPv6, 5 shuffles, one table");
}

/* Ids are only labels: other ids on the same backends relabel one table. */
static void test_ids_are_labels(void)
{
	struct scmlb_sched_backend be[MAX_N];
	size_t i, n = 20;
	bool same = true;

	fill(be, n, NULL);
	if (scmlb_maglev_build(be, n, M, table_a))
		same = false;
	for (i = 0; i < n; i++)
		be[i].id = 1000 + (n - 1 - i);
	if (scmlb_maglev_build(be, n, M, table_b))
		same = false;
	for (i = 0; same && i < M; i++)
		if (table_b[i] != 1000 + n - table_a[i])
			same = false;
	ok(same, "maglev: other ids on the same backends relabel the table");
}

static void test_example(void)
{
	static const char *const addrs[] = {
		"10.0.4.2", "10.0.5.2", "10.0.6.2",
	};
	struct scmlb_sched_backend be[3];
	unsigned int count[4] = { 0 };
	bool good = true;
	int i;

	memset(be, 0, sizeof(be));
	for (i = 0; i < 3; i++) {
		be[i].id = i + 1;
		be[i].family = AF_INET;
		be[i].port = htons(80);
		be[i].weight = 1;
		if (inet_pton(AF_INET, addrs[i], be[i].addr) != 1)
			good = false;
	}
	if (good && !scmlb_maglev_build(be, 3, M, table_a)) {
		for (i = 0; i < M; i++)
			count[table_a[i] <= 3 ? table_a[i] : 0]++;
		good = !count[0] && count[1] == 21846 && count[2] == 21846 &&
		       count[3] == 21845;
		diag("ids 1, 2, 3: slots 0..7: %u %u %u %u %u %u %u %u",
		     table_a[0], table_a[1], table_a[2], table_a[3],
		     table_a[4], table_a[5], table_a[6], table_a[7]);
		diag("slots per id: %u %u %u", count[1], count[2], count[3]);
	} else {
		good = false;
	}
	ok(good,
	   "maglev: 10.0.4.2:80, 10.0.5.2:80, 10.0.6.2:80 take 21846, 21846, 21845 slots");
}

static void test_maglev_empty(void)
{
	size_t i;
	bool zero;

	memset(table_a, 0xff, sizeof(table_a));
	zero = !scmlb_maglev_build(NULL, 0, M, table_a);
	for (i = 0; zero && i < M; i++)
		zero = !table_a[i];
	ok(zero, "maglev: no backends fill the table with 0");
}

static bool ring_is(const __u32 *ring, __u32 len, const __u32 *want,
		    __u32 want_len)
{
	return len == want_len && !memcmp(ring, want, len * sizeof(*ring));
}

static int wrr(const __u16 *w, size_t n, __u32 cap, __u32 *ring, __u32 *len)
{
	struct scmlb_sched_backend be[MAX_N];

	fill(be, n, w);
	return scmlb_wrr_build(be, n, cap, ring, len);
}

static void test_wrr_exact(void)
{
	static const __u16 w311[] = { 3, 1, 1 }, w24[] = { 2, 4 };
	static const __u32 a_b_a_c_a[] = { 1, 2, 1, 3, 1 };
	static const __u32 b_a_b[] = { 2, 1, 2 };
	__u32 ring[16], len = 0;
	int err;

	err = wrr(w311, 3, 16, ring, &len);
	ok(!err && ring_is(ring, len, a_b_a_c_a, 5),
	   "wrr: 3:1:1 gives a b a c a");
	err = wrr(w24, 2, 16, ring, &len);
	ok(!err && ring_is(ring, len, b_a_b, 3),
	   "wrr: 2:4 is reduced to 1:2, a ring of 3: b a b");
	len = 1;
	err = scmlb_wrr_build(NULL, 0, 16, ring, &len);
	ok(!err && !len, "wrr: no backends give an empty ring");
}

/* Each backend as often as its weight, and never three times running. */
static bool wrr_smooth(const __u16 *w, size_t n, const char *what)
{
	unsigned int count[MAX_N + 1] = { 0 };
	__u32 ring[1024], len = 0, i, total = 0;

	if (wrr(w, n, 1024, ring, &len))
		return false;
	for (i = 0; i < n; i++)
		total += w[i];
	for (i = 0; i < len; i++) {
		if (i + 2 < len && ring[i] == ring[i + 1] &&
		    ring[i] == ring[i + 2]) {
			diag("%s: id %u three times from %u", what, ring[i], i);
			return false;
		}
		count[ring[i] <= n ? ring[i] : 0]++;
	}
	if (len != total || count[0])
		return false;
	for (i = 0; i < n; i++)
		if (count[i + 1] != w[i])
			return false;
	return true;
}

static void test_wrr_smooth(void)
{
	static const __u16 mixes[][6] = {
		{ 3, 1, 1 }, { 2, 2, 1 }, { 4, 1, 1 }, { 5, 3, 2 },
		{ 7, 3, 2, 1 }, { 10, 5, 3, 2, 1 }, { 1, 1, 1, 1, 1, 1 },
		{ 9, 8, 7, 6, 5, 4 },
	};
	static const char *const names[] = {
		"3:1:1", "2:2:1", "4:1:1", "5:3:2", "7:3:2:1", "10:5:3:2:1",
		"1:1:1:1:1:1", "9:8:7:6:5:4",
	};
	size_t k, n;
	bool good = true;

	for (k = 0; k < sizeof(mixes) / sizeof(mixes[0]); k++) {
		for (n = 0; n < 6 && mixes[k][n]; n++)
			;
		if (!wrr_smooth(mixes[k], n, names[k])) {
			diag("wrr ring for %s is not smooth", names[k]);
			good = false;
		}
	}
	ok(good, "wrr: weights as turns, no id 3 times running in the ring");
	diag("3:1:1 2:2:1 4:1:1 5:3:2 7:3:2:1 10:5:3:2:1 1:1:1:1:1:1 9:8:7:6:5:4");
}

static void test_wrr_scale(void)
{
	static const __u16 w1000_1[] = { 1000, 1 };
	static const __u16 w1000_500_1[] = { 1000, 500, 1 };
	unsigned int count[4];
	__u32 ring[100], len = 0, i;
	int err;

	memset(count, 0, sizeof(count));
	err = wrr(w1000_1, 2, 100, ring, &len);
	for (i = 0; !err && i < len; i++)
		count[ring[i] <= 2 ? ring[i] : 3]++;
	diag("cap 100, 1000:1 scaled to %u:%u", count[1], count[2]);
	ok(!err && len <= 100 && count[2] >= 1 && count[1] >= 95 && !count[3],
	   "wrr: 1000:1 in a cap of 100 keeps both, the first 95 times or more");

	memset(count, 0, sizeof(count));
	err = wrr(w1000_500_1, 3, 100, ring, &len);
	for (i = 0; !err && i < len; i++)
		count[ring[i] <= 3 ? ring[i] : 0]++;
	diag("cap 100, 1000:500:1 scaled to %u:%u:%u", count[1], count[2],
	     count[3]);
	ok(!err && len <= 100 && count[3] >= 1 && !count[0] &&
	   absd((double)count[1] / count[2] - 2) <= 0.1,
	   "wrr: 1000:500:1 in a cap of 100 keeps all three, the first two 2:1");
}

static void test_bad_input(void)
{
	struct scmlb_sched_backend be[3];
	__u32 ring[8], len;

	fill(be, 3, NULL);
	ok(scmlb_maglev_build(be, 3, 65536, table_a) == -EINVAL &&
	   scmlb_maglev_build(be, 3, 1, table_a) == -EINVAL &&
	   scmlb_maglev_build(NULL, 0, 0, table_a) == -EINVAL,
	   "maglev: table sizes 65536, 1 and 0 (not prime) are -EINVAL");
	ok(scmlb_maglev_build(be, 3, 2, table_a) == -EINVAL,
	   "maglev: 3 backends in a table of 2 are -EINVAL");
	be[1].weight = 0;
	ok(scmlb_maglev_build(be, 3, M, table_a) == -EINVAL,
	   "maglev: weight 0 is -EINVAL");
	ok(scmlb_wrr_build(be, 3, 8, ring, &len) == -EINVAL,
	   "wrr: weight 0 is -EINVAL");
	be[1].weight = 1;
	ok(scmlb_wrr_build(be, 3, 0, ring, &len) == -EINVAL &&
	   scmlb_wrr_build(NULL, 0, 0, ring, &len) == -EINVAL,
	   "wrr: cap 0 is -EINVAL");
	ok(scmlb_wrr_build(be, 3, 2, ring, &len) == -EINVAL,
	   "wrr: 3 backends in a cap of 2 are -EINVAL");
}

static void test_is_prime(void)
{
	static const __u32 primes[] = { 2, 3, 5, 7, 251, 65521, 65537,
					4294967291u };
	static const __u32 others[] = { 0, 1, 4, 9, 65535, 65536, 65539 * 3,
					4294967295u };
	bool good = true;
	size_t i;

	for (i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		good &= scmlb_is_prime(primes[i]);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		good &= !scmlb_is_prime(others[i]);
	ok(good, "is_prime: 2 3 5 7 251 65521 65537 4294967291 are prime");
	diag("0 1 4 9 65535 65536 196617 4294967295 are not");
}

static void time_one_build(void)
{
	struct scmlb_sched_backend be[MAX_N];
	double t0 = now_s();
	int k;

	fill(be, MAX_N, NULL);
	for (k = 0; k < 5; k++)
		scmlb_maglev_build(be, MAX_N, M, table_a);
	diag("one maglev build, n = 100, m = 65537: %.2f ms",
	     (now_s() - t0) / 5 * 1000);
}

int main(void)
{
	double t0 = now_s();

	printf("1..%d\n", PLAN);
	test_sweep(false, 1);
	test_balance_weighted();
	test_sweep(true, 4);
	test_order();
	test_ids_are_labels();
	test_example();
	test_maglev_empty();
	test_wrr_exact();
	test_wrr_smooth();
	test_wrr_scale();
	test_bad_input();
	test_is_prime();
	time_one_build();
	diag("all tests: %.2f s", now_s() - t0);
	if (test_num != PLAN) {
		diag("planned %d tests, ran %d", PLAN, test_num);
		return 1;
	}
	return failed ? 1 : 0;
}
