// SPDX-License-Identifier: GPL-2.0
/*
 * test_ct_gather.c - TAP tests of the half-open maps' read in the kernel
 * (ct_gather.bpf.c through scmlb_ct_gather()) on arrays of its own (root)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "ct_gather.h"
#include "scmlb_structs.h"
#include "tap.h"

#define SLOTS (1U << 15)

/* What a walk saw: each slot's index (its flow's backend_id) in order. */
struct seen {
	__u32 n;
	__u32 stop_after;		/* return 7 at that call; 0: never */
	bool ordered;			/* every index above the one before */
	bool whole;			/* each slot's first and last fields its own */
	__u32 last;
	__u32 *index;
};

static int saw(struct seen *s, const struct scmlb_flow *f, __be16 sport)
{
	__u32 index = f->backend_id;

	s->whole &= sport == (index & 0xffff) && f->synced == ~index;
	s->ordered &= !s->n || index > s->last;
	s->last = index;
	s->index[s->n++] = index;
	return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

static int saw_slot(const void *slot, void *arg)
{
	const struct scmlb_opening_slot *s = slot;

	return saw(arg, &s->flow, s->key.src_port);
}

static int saw_slot6(const void *slot, void *arg)
{
	const struct scmlb_opening6_slot *s = slot;

	return saw(arg, &s->flow, s->key.src_port);
}

static int slots_map(__u32 value_size)
{
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "test_opening", sizeof(__u32),
			      value_size, SLOTS, NULL);
}

/*
 * Fill slot @i: its index in its flow's backend_id, and so that a copy
 * cut short shows, in its key's source port (near the start) and as ~i
 * in its flow's last field.
 */
static int put_slot(int fd, bool v6, __u32 i)
{
	struct scmlb_opening6_slot s6 = { 0 };
	struct scmlb_opening_slot s = { 0 };
	struct scmlb_flow f = { .backend_id = i, .synced = ~i };

	if (v6) {
		s6.key.family = 6;
		s6.key.src_port = i & 0xffff;
		s6.flow = f;
		return bpf_map_update_elem(fd, &i, &s6, BPF_ANY);
	}
	s.key.family = 4;
	s.key.src_port = i & 0xffff;
	s.flow = f;
	return bpf_map_update_elem(fd, &i, &s, BPF_ANY);
}

/* Fill every third slot from 3, and the last one; how many, 0 on failure. */
static __u32 fill(int fd, bool v6)
{
	__u32 i, n = 0;

	for (i = 3; i < SLOTS - 1; i += 3, n++)
		if (put_slot(fd, v6, i))
			return 0;
	return put_slot(fd, v6, SLOTS - 1) ? 0 : n + 1;
}

static void seen_reset(struct seen *s, __u32 stop_after)
{
	s->n = 0;
	s->stop_after = stop_after;
	s->ordered = true;
	s->whole = true;
	s->last = 0;
}

static void test_family(bool v6)
{
	const char *name = v6 ? "ct6_opening" : "ct_opening";
	int fd = slots_map(v6 ? sizeof(struct scmlb_opening6_slot) :
			   sizeof(struct scmlb_opening_slot));
	scmlb_slot_fn fn = v6 ? saw_slot6 : saw_slot;
	struct seen s = { .index = calloc(SLOTS, sizeof(__u32)) };
	__u32 full, i;
	bool all;
	int err;

	if (fd < 0 || !s.index) {
		ok(false, "%s: a map of %u slots", name, SLOTS);
		return;
	}
	seen_reset(&s, 0);
	err = scmlb_ct_gather(fd, fn, &s);
	ok(!err && s.n == 0, "%s: an empty map has no slot to hand out "
	   "(err %d, %u slots)", name, err, s.n);

	/* one slot in three: more than two runs' batches */
	full = fill(fd, v6);
	seen_reset(&s, 0);
	err = scmlb_ct_gather(fd, fn, &s);
	all = !err && s.n == full && s.ordered && s.whole;
	for (i = 0; all && i < s.n; i++)
		all = s.index[i] == (i + 1 < full ? 3 * (i + 1) : SLOTS - 1);
	ok(all && full > 2 * SCMLB_GATHER_BATCH,
	   "%s: every full slot of %u, whole, once and in order, the last "
	   "slot included, across %u batches (err %d, %u of %u)", name, SLOTS,
	   full / SCMLB_GATHER_BATCH + 1, err, s.n, full);

	seen_reset(&s, SCMLB_GATHER_BATCH + 5);
	err = scmlb_ct_gather(fd, fn, &s);
	ok(err == 7 && s.n == SCMLB_GATHER_BATCH + 5,
	   "%s: a callback's non-zero return stops the walk and is returned "
	   "(%d after %u slots)", name, err, s.n);
	close(fd);
	free(s.index);
}

int main(void)
{
	struct seen s = { 0 };
	int fd;

	printf("TAP version 13\n");
	if (geteuid()) {
		printf("1..0 # SKIP needs root (BPF)\n");
		return 0;
	}
	test_family(false);
	test_family(true);

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "test_other", sizeof(__u32),
			    64, 16, NULL);
	ok(fd >= 0 && scmlb_ct_gather(fd, saw_slot, &s) == -EPROTO && !s.n,
	   "a map of another value size is refused (-EPROTO)");
	if (fd >= 0)
		close(fd);
	printf("1..%d\n", test_num);
	return failed ? 1 : 0;
}
