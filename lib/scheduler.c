// SPDX-License-Identifier: GPL-2.0
/* scheduler.c - Maglev and smooth weighted round robin tables, from backends */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scheduler.h"

/* Family, 16 address bytes, 2 port bytes: all that places a backend. */
#define KEY_LEN		19

/* Two fixed seeds make offset and skip two unrelated hashes of one key. */
#define SEED_OFFSET	0x6a09e667f3bcc908ULL
#define SEED_SKIP	0xbb67ae8584caa73bULL

struct mg_backend {
	__u8 key[KEY_LEN];
	__u16 weight;
	__u32 id;
	__u32 next;	/* where its permutation goes on */
	__u32 skip;
	__u32 turns;
	__u32 quota;	/* its slots: floor or ceil of its exact share */
	__u64 rem;	/* what rounding took off the share, in 1/W slots */
};

struct wrr_backend {
	__u32 weight;
	__s64 current;
};

/* The splitmix64 finaliser: a bijection where every bit moves every other. */
static __u64 mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Bytes go in little endian whatever the host, so every machine agrees. */
static __u64 key_hash(const __u8 *key, __u64 seed)
{
	__u64 h = seed, w;
	int i, j;

	for (i = 0; i < KEY_LEN; i += 8) {
		w = 0;
		for (j = 0; j < 8 && i + j < KEY_LEN; j++)
			w |= (__u64)key[i + j] << (8 * j);
		h = mix64(h ^ w);
	}
	return h;
}

/* An IPv4 backend's unused address bytes must not tell two equal ones apart. */
static void key_fill(__u8 *key, const struct scmlb_sched_backend *be)
{
	memset(key, 0, KEY_LEN);
	key[0] = be->family;
	memcpy(key + 1, be->addr, be->family == AF_INET ? 4 : 16);
	memcpy(key + 17, &be->port, 2);
}

/* By address; id and weight only order copies of one address, to be stable. */
static int mg_cmp(const void *pa, const void *pb)
{
	const struct mg_backend *a = pa, *b = pb;
	int c = memcmp(a->key, b->key, KEY_LEN);

	if (c)
		return c;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return (int)a->weight - (int)b->weight;
}

/* Largest remainder first; equal ones in address order, as Maglev's loop. */
static int rem_cmp(const void *pa, const void *pb)
{
	const struct mg_backend *a = *(struct mg_backend *const *)pa;
	const struct mg_backend *b = *(struct mg_backend *const *)pb;

	if (a->rem != b->rem)
		return a->rem > b->rem ? -1 : 1;
	return a < b ? -1 : a > b;
}

/*
 * A backend's k-th turn (from 0) falls at (k + 1/2) / weight; ties go to the
 * first in address order. Equal weights thus take turns in rounds, in address
 * order, which is Maglev's own loop.
 */
static bool turn_before(const struct mg_backend *a, const struct mg_backend *b)
{
	__u64 ta = (2 * (__u64)a->turns + 1) * b->weight;
	__u64 tb = (2 * (__u64)b->turns + 1) * a->weight;

	return ta < tb || (ta == tb && a < b);
}

static void sift_down(struct mg_backend **heap, size_t len, size_t i)
{
	struct mg_backend *t;
	size_t c;

	while ((c = 2 * i + 1) < len) {
		if (c + 1 < len && turn_before(heap[c + 1], heap[c]))
			c++;
		if (!turn_before(heap[c], heap[i]))
			break;
		t = heap[c];
		heap[c] = heap[i];
		heap[i] = t;
		i = c;
	}
}

/* Hamilton apportionment: quotas add up to @m, each within a slot of exact. */
static void set_quotas(struct mg_backend *mb, struct mg_backend **order,
		       size_t n, __u32 m)
{
	__u64 total = 0, given = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += mb[i].weight;
	for (i = 0; i < n; i++) {
		mb[i].quota = (__u64)m * mb[i].weight / total;
		mb[i].rem = (__u64)m * mb[i].weight % total;
		given += mb[i].quota;
		order[i] = &mb[i];
	}
	qsort(order, n, sizeof(*order), rem_cmp);
	for (i = 0; given < m; i++, given++)
		order[i]->quota++;
}

/**
 * scmlb_maglev_build() - fill a Maglev table (Eisenbud et al., NSDI 2016)
 * @be:    the backends; their order does not matter
 * @n:     how many, at most @m
 * @m:     table size, a prime (SCMLB_TABLE_SIZE)
 * @table: @m slots, filled with backend ids
 *
 * A backend's permutation of the slots depends only on its family, address
 * and port, so load balancers given the same backends build the same table,
 * and one backend coming or going moves few other slots. Backends take turns
 * at claiming their next free slot, each as often as its weight says, and
 * stop at their share of the table (floor or ceil of @m * weight / total).
 * No backends: every slot is 0.
 *
 * Return: 0; -EINVAL if @m is not prime, @n > @m or a weight is 0; -ENOMEM.
 */
int scmlb_maglev_build(const struct scmlb_sched_backend *be, size_t n, __u32 m,
		       __u32 *table)
{
	struct mg_backend *mb = NULL, **heap = NULL, *b;
	__u64 *taken = NULL, c;
	size_t i, len;
	__u32 filled;
	int err = 0;

	if (!scmlb_is_prime(m) || n > m)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!be[i].weight)
			return -EINVAL;
	if (!n) {
		memset(table, 0, (size_t)m * sizeof(*table));
		return 0;
	}
	mb = calloc(n, sizeof(*mb));
	heap = calloc(n, sizeof(*heap));
	taken = calloc(((size_t)m + 63) / 64, sizeof(*taken));
	if (!mb || !heap || !taken) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		key_fill(mb[i].key, &be[i]);
		mb[i].id = be[i].id;
		mb[i].weight = be[i].weight;
	}
	qsort(mb, n, sizeof(*mb), mg_cmp);
	for (i = 0; i < n; i++) {
		mb[i].next = key_hash(mb[i].key, SEED_OFFSET) % m;
		mb[i].skip = key_hash(mb[i].key, SEED_SKIP) % (m - 1) + 1;
	}
	set_quotas(mb, heap, n, m);

	len = 0;
	for (i = 0; i < n; i++)
		if (mb[i].quota)
			heap[len++] = &mb[i];
	for (i = len / 2; i-- > 0;)
		sift_down(heap, len, i);
	/* The quotas add up to m: the heap empties only as the table fills. */
	for (filled = 0; filled < m; filled++) {
		b = heap[0];
		c = b->next;
		while (taken[c / 64] & (1ULL << (c % 64)))
			if ((c += b->skip) >= m)
				c -= m;
		taken[c / 64] |= 1ULL << (c % 64);
		table[c] = b->id;
		if ((c += b->skip) >= m)
			c -= m;
		b->next = c;
		if (++b->turns == b->quota)
			heap[0] = heap[--len];
		sift_down(heap, len, 0);
	}
out:
	free(mb);
	free(heap);
	free(taken);
	return err;
}

static __u64 gcd(__u64 a, __u64 b)
{
	__u64 t;

	while (b) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Divide the weights by their gcd; return their sum. */
static __u64 wrr_reduce(struct wrr_backend *wb, size_t n)
{
	__u64 g = 0, sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		g = gcd(g, wb[i].weight);
	for (i = 0; i < n; i++) {
		wb[i].weight /= g;
		sum += wb[i].weight;
	}
	return sum;
}

/* A weight scaled from a total of @sum to one of @target, but never 0. */
static __u32 wrr_scale_one(__u32 weight, __u64 sum, __u64 target)
{
	__u64 w = weight * target / sum;

	return w ? w : 1;
}

static __u64 wrr_scaled_sum(const struct wrr_backend *wb, size_t n, __u64 sum,
			    __u64 target)
{
	__u64 total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += wrr_scale_one(wb[i].weight, sum, target);
	return total;
}

/*
 * Scale to the largest target whose weights, raised to 1 where they fall to
 * 0, still fit in @cap: their sum grows with the target and is n <= @cap at 0.
 * Return the new sum, reduced again.
 */
static __u64 wrr_scale(struct wrr_backend *wb, size_t n, __u64 sum, __u32 cap)
{
	__u64 lo = 0, hi = cap, mid;
	size_t i;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (wrr_scaled_sum(wb, n, sum, mid) <= cap)
			lo = mid;
		else
			hi = mid - 1;
	}
	for (i = 0; i < n; i++)
		wb[i].weight = wrr_scale_one(wb[i].weight, sum, lo);
	return wrr_reduce(wb, n);
}

/**
 * scmlb_wrr_build() - fill one period of smooth weighted round robin (nginx)
 * @be:   the backends; ties go to the earlier one
 * @n:    how many, at most @cap
 * @cap:  room in @ring
 * @ring: filled with backend ids
 * @len:  set to the period, the sum of the weights divided by their gcd
 *
 * Each step adds every backend's weight to its current value and picks the
 * largest, which then gives back the sum of the weights: a backend's turns
 * come spread out (3:1:1 gives a b a c a), not in a row. Weights that add up
 * to more than @cap are first scaled down in proportion, none below 1.
 *
 * Return: 0; -EINVAL if @cap is 0, @n > @cap or a weight is 0; -ENOMEM.
 */
int scmlb_wrr_build(const struct scmlb_sched_backend *be, size_t n, __u32 cap,
		    __u32 *ring, __u32 *len)
{
	struct wrr_backend *wb = NULL;
	size_t i, best;
	__u64 sum, k;
	int err = 0;

	if (!cap || n > cap)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!be[i].weight)
			return -EINVAL;
	if (!n) {
		*len = 0;
		return 0;
	}
	wb = calloc(n, sizeof(*wb));
	if (!wb) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		wb[i].weight = be[i].weight;
	sum = wrr_reduce(wb, n);
	if (sum > cap)
		sum = wrr_scale(wb, n, sum, cap);
	for (k = 0; k < sum; k++) {
		best = 0;
		for (i = 0; i < n; i++) {
			wb[i].current += wb[i].weight;
			if (wb[i].current > wb[best].current)
				best = i;
		}
		wb[best].current -= sum;
		ring[k] = be[best].id;
	}
	*len = sum;
out:
	free(wb);
	return err;
}

/**
 * scmlb_is_prime() - tell whether a table size is prime
 * @m: the size
 *
 * Return: true if @m is prime.
 */
bool scmlb_is_prime(__u32 m)
{
	__u32 d;

	if (m < 2)
		return false;
	if (m % 2 == 0)
		return m == 2;
	for (d = 3; (__u64)d * d <= m; d += 2)
		if (m % d == 0)
			return false;
	return true;
}
