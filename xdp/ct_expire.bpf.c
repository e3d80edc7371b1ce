// SPDX-License-Identifier: GPL-2.0
/*
 * ct_expire.bpf.c - scmlb-gc's pass over conntrack, run in the kernel
 *
 * scmlb-gc loads this program on the instance's pinned conntrack maps (the
 * established flows' and the half-open ones') and runs it once with
 * BPF_PROG_TEST_RUN. Deciding and deleting in the
 * kernel, entry by entry, closes the race of a user-space pass: a flow
 * whose packet arrives after gc read it is seen with that packet's time.
 * A reply entry whose client's entry a full table evicted is left to the
 * table: idle, it is among the first the LRU evicts next (walking
 * ct_replies for such entries would double the pass's time).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "scmlb_hash.h"
#include "scmlb_structs.h"

/* Never created: scmlb-gc hands in the instance's maps (bpf_map__reuse_fd). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, 1);
} ct_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, 1);
} ct_replies SEC(".maps");

/* The half-open flows' direct-mapped slots; handed in as well. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening_slot);
	__uint(max_entries, 1);
} ct_opening SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening_slot);
	__uint(max_entries, 1);
} ct_opening_rep SEC(".maps");

/* IPv6's (layout 4.5), the same four; an older instance hands in none. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow6_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, 1);
} ct6_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow6_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, 1);
} ct6_replies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening6_slot);
	__uint(max_entries, 1);
} ct6_opening SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening6_slot);
	__uint(max_entries, 1);
} ct6_opening_rep SEC(".maps");

/*
 * Their slots less one, set by scmlb-gc: a reply's bucket is its key's
 * hash. Both families' half-open maps have the same size.
 */
const volatile __u32 ct_opening_mask;

/* The way of @rkey's bucket in ct_opening_rep holding that flow's reply entry. */
static __always_inline struct scmlb_opening_slot *
opening_reply(const struct scmlb_flow_key *rkey)
{
	__u32 i = scmlb_opening_bucket(rkey, ct_opening_mask);
	struct scmlb_opening_slot *s = bpf_map_lookup_elem(&ct_opening_rep, &i);

	if (s && scmlb_flow_key_equal(&s->key, rkey))
		return s;
	i++;
	s = bpf_map_lookup_elem(&ct_opening_rep, &i);
	return s && scmlb_flow_key_equal(&s->key, rkey) ? s : NULL;
}

struct expire_walk {
	__u64 now;
	struct scmlb_ct_expire io;
};

static __always_inline int idle_too_long(const struct expire_walk *w,
					 __u64 last, __u32 state)
{
	return w->now > last && w->now - last > w->io.timeout[state];
}

/*
 * One client's entry: it goes, with its reply entry, when neither side
 * sent a packet for its state's timeout. The client's last_seen lags its
 * replies' by up to a second (the data plane syncs it at that pace), so
 * the reply entry is asked too before the flow goes. @slot: a half-open
 * flow's (ct_opening), emptied rather than deleted, its reply found in
 * ct_opening_rep; judged by its state as well, opening unless a RST or
 * FIN moved it.
 */
static __always_inline long expire(struct scmlb_flow_key *key,
				   struct scmlb_flow *f, struct expire_walk *w,
				   struct scmlb_opening_slot *slot)
{
	struct scmlb_flow_key rkey = {
		.src_addr = f->nat_addr[0],
		.dst_addr = key->src_addr,
		.src_port = f->nat_port,
		.dst_port = key->src_port,
		.proto = key->proto,
		.family = key->family,
	};
	__u32 state = f->state < SCMLB_CT_STATES ? f->state : 0;
	struct scmlb_opening_slot *rslot = NULL;
	struct scmlb_flow *r;
	int own_reply;

	w->io.checked++;
	if (!idle_too_long(w, f->last_seen, state))
		return 0;
	if (slot) {
		rslot = opening_reply(&rkey);
		r = rslot ? &rslot->flow : NULL;
	} else {
		r = bpf_map_lookup_elem(&ct_replies, &rkey);
	}
	/* a newer flow from the same client port may own the reply key now */
	own_reply = r && r->nat_addr[0] == key->dst_addr &&
		    r->nat_port == key->dst_port;
	if (own_reply && !idle_too_long(w, r->last_seen, state))
		return 0;
	/* read again right before the delete: a packet meanwhile keeps it */
	if (!idle_too_long(w, f->last_seen, state))
		return 0;
	/* the client's entry first: without it a reply has no flow */
	if (slot)
		slot->key.family = 0;
	else
		bpf_map_delete_elem(&ct_flows, key);
	if (own_reply && rslot)
		rslot->key.family = 0;
	else if (own_reply)
		bpf_map_delete_elem(&ct_replies, &rkey);
	w->io.expired[state]++;
	return 0;
}

static long expire_flow(void *map, struct scmlb_flow_key *key,
			struct scmlb_flow *f, struct expire_walk *w)
{
	(void)map;
	return expire(key, f, w, NULL);
}

static long expire_opening(void *map, __u32 *index,
			   struct scmlb_opening_slot *slot,
			   struct expire_walk *w)
{
	(void)map;
	(void)index;
	if (!slot->key.family)
		return 0;	/* an empty slot */
	return expire(&slot->key, &slot->flow, w, slot);
}

/* opening_reply() in ct6_opening_rep. */
static __always_inline struct scmlb_opening6_slot *
opening6_reply(const struct scmlb_flow6_key *rkey)
{
	__u32 i = scmlb_opening6_bucket(rkey, ct_opening_mask);
	struct scmlb_opening6_slot *s = bpf_map_lookup_elem(&ct6_opening_rep, &i);

	if (s && scmlb_flow6_key_equal(&s->key, rkey))
		return s;
	i++;
	s = bpf_map_lookup_elem(&ct6_opening_rep, &i);
	return s && scmlb_flow6_key_equal(&s->key, rkey) ? s : NULL;
}

/* Whether two addresses of the maps' scmlb_addr_t are the same. */
static __always_inline int addr_equal(const __be32 *a, const __be32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/* expire() of an IPv6 flow, in ct6_flows or (@slot) ct6_opening. */
static __always_inline long expire6(struct scmlb_flow6_key *key,
				    struct scmlb_flow *f,
				    struct expire_walk *w,
				    struct scmlb_opening6_slot *slot)
{
	struct scmlb_flow6_key rkey = {
		.src_port = f->nat_port,
		.dst_port = key->src_port,
		.proto = key->proto,
		.family = key->family,
	};
	__u32 state = f->state < SCMLB_CT_STATES ? f->state : 0;
	struct scmlb_opening6_slot *rslot = NULL;
	struct scmlb_flow *r;
	int own_reply;

	__builtin_memcpy(rkey.src_addr, f->nat_addr, sizeof(rkey.src_addr));
	__builtin_memcpy(rkey.dst_addr, key->src_addr, sizeof(rkey.dst_addr));
	w->io.checked++;
	if (!idle_too_long(w, f->last_seen, state))
		return 0;
	if (slot) {
		rslot = opening6_reply(&rkey);
		r = rslot ? &rslot->flow : NULL;
	} else {
		r = bpf_map_lookup_elem(&ct6_replies, &rkey);
	}
	own_reply = r && addr_equal(r->nat_addr, key->dst_addr) &&
		    r->nat_port == key->dst_port;
	if (own_reply && !idle_too_long(w, r->last_seen, state))
		return 0;
	if (!idle_too_long(w, f->last_seen, state))
		return 0;
	if (slot)
		slot->key.family = 0;
	else
		bpf_map_delete_elem(&ct6_flows, key);
	if (own_reply && rslot)
		rslot->key.family = 0;
	else if (own_reply)
		bpf_map_delete_elem(&ct6_replies, &rkey);
	w->io.expired[state]++;
	return 0;
}

static long expire6_flow(void *map, struct scmlb_flow6_key *key,
			 struct scmlb_flow *f, struct expire_walk *w)
{
	(void)map;
	return expire6(key, f, w, NULL);
}

static long expire6_opening(void *map, __u32 *index,
			    struct scmlb_opening6_slot *slot,
			    struct expire_walk *w)
{
	(void)map;
	(void)index;
	if (!slot->key.family)
		return 0;
	return expire6(&slot->key, &slot->flow, w, slot);
}

SEC("xdp")
int scmlb_ct_expire(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct scmlb_ct_expire *io = (void *)(long)ctx->data;
	struct expire_walk w = { 0 };

	if ((void *)(io + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(w.io.timeout, io->timeout, sizeof(w.io.timeout));
	w.now = bpf_jiffies64();
	bpf_for_each_map_elem(&ct_flows, expire_flow, &w, 0);
	bpf_for_each_map_elem(&ct_opening, expire_opening, &w, 0);
	bpf_for_each_map_elem(&ct6_flows, expire6_flow, &w, 0);
	bpf_for_each_map_elem(&ct6_opening, expire6_opening, &w, 0);
	__builtin_memcpy(io, &w.io, sizeof(*io));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
