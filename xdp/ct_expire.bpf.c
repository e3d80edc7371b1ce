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

struct expire_walk {
	__u64 now;
	struct scmlb_ct_expire io;
};

static __always_inline int idle_too_long(const struct expire_walk *w,
					 __u64 last, __u32 state)
{
	return w->now > last && w->now - last > w->io.timeout[state];
}

/* The reply key of client's entry @f keyed @key, of either family. */
static __always_inline void reply_key(struct scmlb_flow_key *rkey,
				      const struct scmlb_flow_key *key,
				      const struct scmlb_flow *f)
{
	*rkey = (struct scmlb_flow_key){
		.src_addr = f->nat_addr[0],
		.dst_addr = key->src_addr,
		.src_port = f->nat_port,
		.dst_port = key->src_port,
		.proto = key->proto,
		.family = key->family,
	};
}

static __always_inline void reply6_key(struct scmlb_flow6_key *rkey,
				       const struct scmlb_flow6_key *key,
				       const struct scmlb_flow *f)
{
	*rkey = (struct scmlb_flow6_key){
		.src_port = f->nat_port,
		.dst_port = key->src_port,
		.proto = key->proto,
		.family = key->family,
	};
	__builtin_memcpy(rkey->src_addr, f->nat_addr, sizeof(rkey->src_addr));
	__builtin_memcpy(rkey->dst_addr, key->src_addr, sizeof(rkey->dst_addr));
}

/* Whether reply entry @r is the flow keyed @key's (its VIP and port). */
static __always_inline int reply_owned(const struct scmlb_flow *r,
				       const struct scmlb_flow_key *key)
{
	return r->nat_addr[0] == key->dst_addr && r->nat_port == key->dst_port;
}

static __always_inline int reply6_owned(const struct scmlb_flow *r,
					const struct scmlb_flow6_key *key)
{
	const __be32 *a = r->nat_addr, *b = key->dst_addr;

	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] &&
	       r->nat_port == key->dst_port;
}

/*
 * The pass over one family's maps (@flows, @replies, @opening,
 * @opening_rep), one text for both: expire@sfx() judges a client's
 * entry, expire@sfx_flow() and expire@sfx_opening() are the callbacks of
 * the walks over the established and the half-open flows.
 *
 * One client's entry: it goes, with its reply entry, when neither side
 * sent a packet for its state's timeout. The client's last_seen lags its
 * replies' by up to a second (the data plane syncs it at that pace), so
 * the reply entry is asked too before the flow goes. @slot: a half-open
 * flow's (ct_opening), emptied rather than deleted, its reply found in
 * ct_opening_rep (the way of its bucket holding that flow's reply
 * entry); judged by its state as well, opening unless a RST or FIN moved
 * it. A newer flow from the same client port may own the reply key now:
 * its entry stays.
 */
#define CT_EXPIRE(sfx, key_t, slot_t, flows, replies, opening_rep,	\
		  bucket, equal)					\
static __always_inline slot_t *opening##sfx##_reply(const key_t *rkey)	\
{									\
	__u32 i = bucket(rkey, ct_opening_mask);			\
	slot_t *s = bpf_map_lookup_elem(&opening_rep, &i);		\
									\
	if (s && equal(&s->key, rkey))					\
		return s;						\
	i++;								\
	s = bpf_map_lookup_elem(&opening_rep, &i);			\
	return s && equal(&s->key, rkey) ? s : NULL;			\
}									\
									\
static __always_inline long expire##sfx(key_t *key,			\
					struct scmlb_flow *f,		\
					struct expire_walk *w,		\
					slot_t *slot)			\
{									\
	__u32 state = f->state < SCMLB_CT_STATES ? f->state : 0;	\
	slot_t *rslot = NULL;						\
	struct scmlb_flow *r;						\
	int own_reply;							\
	key_t rkey;							\
									\
	reply##sfx##_key(&rkey, key, f);				\
	w->io.checked++;						\
	if (!idle_too_long(w, f->last_seen, state))			\
		return 0;						\
	if (slot) {							\
		rslot = opening##sfx##_reply(&rkey);			\
		r = rslot ? &rslot->flow : NULL;			\
	} else {							\
		r = bpf_map_lookup_elem(&replies, &rkey);		\
	}								\
	own_reply = r && reply##sfx##_owned(r, key);			\
	if (own_reply && !idle_too_long(w, r->last_seen, state))	\
		return 0;						\
	/* read again right before the delete: a packet meanwhile keeps it */ \
	if (!idle_too_long(w, f->last_seen, state))			\
		return 0;						\
	/* the client's entry first: without it a reply has no flow */	\
	if (slot)							\
		slot->key.family = 0;					\
	else								\
		bpf_map_delete_elem(&flows, key);			\
	if (own_reply && rslot)						\
		rslot->key.family = 0;					\
	else if (own_reply)						\
		bpf_map_delete_elem(&replies, &rkey);			\
	w->io.expired[state]++;						\
	return 0;							\
}									\
									\
static long expire##sfx##_flow(void *map, key_t *key,			\
			       struct scmlb_flow *f,			\
			       struct expire_walk *w)			\
{									\
	(void)map;							\
	return expire##sfx(key, f, w, NULL);				\
}									\
									\
static long expire##sfx##_opening(void *map, __u32 *index, slot_t *slot, \
				  struct expire_walk *w)		\
{									\
	(void)map;							\
	(void)index;							\
	if (!slot->key.family)						\
		return 0;	/* an empty slot */			\
	return expire##sfx(&slot->key, &slot->flow, w, slot);		\
}

CT_EXPIRE(, struct scmlb_flow_key, struct scmlb_opening_slot, ct_flows,
	  ct_replies, ct_opening_rep, scmlb_opening_bucket,
	  scmlb_flow_key_equal)
CT_EXPIRE(6, struct scmlb_flow6_key, struct scmlb_opening6_slot, ct6_flows,
	  ct6_replies, ct6_opening_rep, scmlb_opening6_bucket,
	  scmlb_flow6_key_equal)

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
