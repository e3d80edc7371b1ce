// SPDX-License-Identifier: GPL-2.0
/*
 * ct_gather.bpf.c - the full slots of a half-open map, gathered in the kernel
 *
 * ct_opening and its kin are arrays of a quarter of the conntrack size,
 * mostly empty but under a SYN flood: read in batches from user space,
 * each of their million slots costs a copy out of the kernel. The tools
 * that list or count flows (scmlb-lb conntrack, scmlb-stat) load this
 * program on one such map and run it with BPF_PROG_TEST_RUN: it skips
 * the empty slots in the kernel and copies the full ones into its .bss,
 * which user space reads through the skeleton's mapping.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "scmlb_structs.h"

/* bpf_loop()'s most iterations in one call (the kernel's BPF_MAX_LOOPS). */
#define GATHER_MAX_LOOPS (1U << 23)

/* Never created: the tool hands in the map to read (bpf_map__reuse_fd). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening_slot);
	__uint(max_entries, 1);
} opening SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening6_slot);
	__uint(max_entries, 1);
} opening6 SEC(".maps");

/* The slots of one run, read through the skeleton's mapping of .bss. */
struct scmlb_opening_slot gathered[SCMLB_GATHER_BATCH];
struct scmlb_opening6_slot gathered6[SCMLB_GATHER_BATCH];

/*
 * One slot per call, of either family's map: stops the loop when the
 * batch is full or the map ends.
 */
#define GATHER_SLOT(sfx, map, out, slot_t)				\
static long gather##sfx##_slot(__u64 i, struct scmlb_ct_gather *g)	\
{									\
	__u32 n = g->count, index = g->next;				\
	slot_t *s;							\
									\
	(void)i;							\
	if (n >= SCMLB_GATHER_BATCH || index >= g->end)			\
		return 1;						\
	s = bpf_map_lookup_elem(&map, &index);				\
	if (!s)								\
		return 1;						\
	g->next = index + 1;						\
	if (!s->key.family)						\
		return 0;	/* an empty slot */			\
	out[n] = *s;							\
	g->count = n + 1;						\
	return g->count == SCMLB_GATHER_BATCH;				\
}

GATHER_SLOT(, opening, gathered, struct scmlb_opening_slot)
GATHER_SLOT(6, opening6, gathered6, struct scmlb_opening6_slot)

SEC("xdp")
int scmlb_ct_gather(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct scmlb_ct_gather *io = (void *)(long)ctx->data;
	struct scmlb_ct_gather g;
	__u32 loops;

	if ((void *)(io + 1) > data_end)
		return XDP_ABORTED;
	g = *io;
	g.count = 0;
	if (g.next >= g.end)
		return XDP_PASS;
	loops = g.end - g.next;
	if (loops > GATHER_MAX_LOOPS)
		loops = GATHER_MAX_LOOPS;
	if (g.family == 6)
		bpf_loop(loops, gather6_slot, &g, 0);
	else
		bpf_loop(loops, gather_slot, &g, 0);
	*io = g;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
