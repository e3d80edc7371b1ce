/* SPDX-License-Identifier: GPL-2.0 */
/* ct.h - connection tracking: flow keys, TCP state, backends of flows */
#ifndef SCMLB_CT_H
#define SCMLB_CT_H

#include "bench_skip.h"
#include "compiler.h"
#include "maps.h"
#include "parse.h"
#include "scmlb_hash.h"

/**
 * backend_get() - the backend with id @id, if it still exists
 * @id: a backend id, as flows and tables hold it
 *
 * Return: the backend, or NULL when its slot is free or reused.
 */
static __always_inline const struct scmlb_backend *backend_get(__u32 id)
{
	__u32 slot = id % SCMLB_MAX_BACKENDS;
	const struct scmlb_backend *be = bpf_map_lookup_elem(&lb_backends, &slot);

	return be && be->id == id ? be : NULL;
}

/*
 * Count a frame of @len IP bytes (as IPVS counts) to (or from) a backend
 * in its per-CPU traffic counters.
 */
static __always_inline void backend_count_len(__u32 id, __u64 len,
					      int from_backend, int opened)
{
	__u32 slot = id % SCMLB_MAX_BACKENDS;
	struct scmlb_backend_stats *bs;

	if (bench_skip(SCMLB_SKIP_COUNTERS))
		return;
	bs = bpf_map_lookup_elem(&lb_be_stats, &slot);
	if (!bs)
		return;
	if (from_backend) {
		bs->pkts_out++;
		bs->bytes_out += len;
	} else {
		/* an established flow's packet writes no connection count */
		if (unlikely(opened))
			bs->conns += opened;
		bs->pkts_in++;
		bs->bytes_in += len;
	}
}

/* backend_count_len() of an IPv4 packet. */
static __always_inline void backend_count(__u32 id, const struct pkt *p,
					  int from_backend, int opened)
{
	backend_count_len(id, bpf_ntohs(p->ip->tot_len), from_backend, opened);
}

/* The conntrack key of an IPv4 packet src:sport -> dst:dport. */
static __always_inline void ct_key(struct scmlb_flow_key *key, __be32 src,
				   __be16 sport, __be32 dst, __be16 dport,
				   __u8 proto)
{
	/* every word stored once: no memset first */
	key->src_addr = src;
	key->dst_addr = dst;
	key->src_port = sport;
	key->dst_port = dport;
	key->proto = proto;
	key->family = SCMLB_AF_INET;
	key->pad[0] = key->pad[1] = 0;
}

/*
 * The half-open maps' helpers, for a family's key and slot types: one
 * text for IPv4's (ct_*) and IPv6's (ct6_*, in ct6.h).
 *
 * ct_opening_find(): the way of @key's bucket in a half-open map that
 * holds its flow, if any. ct_opening_lookup(): that way's entry.
 * ct_opening_put(): write a half-open entry into its bucket
 * (scmlb_opening_way()): its own way, a free one, or the one idle the
 * longer, whose flow it replaces. Plain stores, no lock: two CPUs writing
 * one slot at once may leave one flow's key with the other's fields,
 * misdirecting that half-open flow as an eviction would (its client is
 * reset and retries). ct_opening_clear(): free @key's slot, only if its
 * bucket still holds that flow. ct_delete(): @key's entry out of
 * @half_open when @opening, else of @established. ct_lookup(): a flow's
 * entry in @established or, a TCP flow only, in @half_open (flagged
 * SCMLB_FLOW_HALF_OPEN); the established path pays nothing more:
 * @established is asked first.
 */
#define CT_HALF_OPEN_HELPERS(ct, key_t, slot_t, bucket, equal, way)	\
static __always_inline slot_t *						\
ct##_opening_find(void *half_open, const key_t *key)			\
{									\
	__u32 i = bucket(key, ct_opening_mask);				\
	slot_t *s = bpf_map_lookup_elem(half_open, &i);			\
									\
	/* a free slot's family is 0: never a packet's key */		\
	if (s && equal(&s->key, key))					\
		return s;						\
	i++;								\
	s = bpf_map_lookup_elem(half_open, &i);				\
	return s && equal(&s->key, key) ? s : NULL;			\
}									\
									\
static __always_inline struct scmlb_flow *				\
ct##_opening_lookup(void *half_open, const key_t *key)			\
{									\
	slot_t *s = ct##_opening_find(half_open, key);			\
									\
	return s ? &s->flow : NULL;					\
}									\
									\
static __always_inline int ct##_opening_put(void *half_open,		\
					    const key_t *key,		\
					    const struct scmlb_flow *f)	\
{									\
	__u32 i = bucket(key, ct_opening_mask), i1 = i + 1;		\
	slot_t *s0 = bpf_map_lookup_elem(half_open, &i);		\
	slot_t *s1 = bpf_map_lookup_elem(half_open, &i1);		\
	slot_t *s;							\
									\
	if (!s0 || !s1)							\
		return -1;						\
	s = way(key, &s0->key, s0->flow.last_seen, &s1->key,		\
		s1->flow.last_seen) ? s1 : s0;				\
	s->flow = *f;							\
	s->key = *key;							\
	return 0;							\
}									\
									\
static __always_inline void ct##_opening_clear(void *half_open,	\
					       const key_t *key)	\
{									\
	slot_t *s = ct##_opening_find(half_open, key);			\
									\
	if (s)								\
		s->key.family = 0;					\
}									\
									\
static __always_inline void ct##_delete(void *established,		\
					void *half_open, int opening,	\
					const key_t *key)		\
{									\
	if (opening)							\
		ct##_opening_clear(half_open, key);			\
	else								\
		bpf_map_delete_elem(established, key);			\
}									\
									\
static __always_inline struct scmlb_flow *				\
ct##_lookup(void *established, void *half_open, const key_t *key)	\
{									\
	struct scmlb_flow *f = bpf_map_lookup_elem(established, key);	\
									\
	if (f || key->proto != IPPROTO_TCP)				\
		return f;						\
	return ct##_opening_lookup(half_open, key);			\
}

CT_HALF_OPEN_HELPERS(ct, struct scmlb_flow_key, struct scmlb_opening_slot,
		     scmlb_opening_bucket, scmlb_flow_key_equal,
		     scmlb_opening_way)

/* The client's entry of a flow: ct_flows', else ct_opening's. */
static __always_inline struct scmlb_flow *
ct_client_lookup(const struct scmlb_flow_key *key)
{
	return ct_lookup(&ct_flows, &ct_opening, key);
}

/* A reply entry (backend -> client): ct_replies', else ct_opening_rep's. */
static __always_inline struct scmlb_flow *
ct_reply_lookup(const struct scmlb_flow_key *rkey)
{
	return ct_lookup(&ct_replies, &ct_opening_rep, rkey);
}

/* Whether an entry is a half-open flow's. */
static __always_inline int ct_half_open(const struct scmlb_flow *f)
{
	return f->flags & SCMLB_FLOW_HALF_OPEN;
}

/* The key of the reply entry of client's entry @f, keyed @key. */
static __always_inline void ct_reply_key(struct scmlb_flow_key *rkey,
					 const struct scmlb_flow_key *key,
					 const struct scmlb_flow *f)
{
	ct_key(rkey, f->nat_addr[0], f->nat_port, key->src_addr,
	       key->src_port, key->proto);
}

/*
 * Whether a flow has a reply entry: a dr or ipip backend answers the
 * client itself, so its replies never come back here.
 */
static __always_inline int ct_has_reply(const struct scmlb_flow *f)
{
	return f->forward == SCMLB_FWD_NAT;
}

/* A reply entry's VIP: the destination its client's entry is keyed by. */
static __always_inline void ct_reply_vip(struct scmlb_flow *r,
					 const struct scmlb_flow_key *key)
{
	r->nat_addr[0] = key->dst_addr;
}

/*
 * A flow's moves between the maps, for a family's key type and maps:
 * one text for IPv4's (ct_*) and IPv6's (ct6_*, in ct6.h).
 *
 * ct_reply_rebuild(): the reply entry of the flow whose client's entry
 * @f is keyed @key. ct_reply_renew(): a retransmitted SYN of a
 * half-open flow whose reply entry a newer flow took: the entry is made
 * again, so that the backend's SYN-ACK returns. ct_promote(): a
 * half-open flow whose handshake the client completed moves to the
 * established maps, the reply entry first as in ct_open(); a reply entry
 * the half-open map lost is made again from the client's. Returns the
 * flow's entry there; @f, still half-open, when a write failed (its
 * packets go on as before). ct_forget(): forget a flow, its reply
 * entry, then its client's entry @f.
 */
#define CT_FLOW_HELPERS(ct, key_t, flows, replies, opening, opening_rep) \
static __always_inline void ct##_reply_rebuild(struct scmlb_flow *r,	\
					       const key_t *key,	\
					       const struct scmlb_flow *f) \
{									\
	*r = *f;							\
	r->packets = 0;							\
	ct##_reply_vip(r, key);						\
	r->nat_port = key->dst_port;					\
	r->flags = SCMLB_FLOW_REPLY | (f->flags & (SCMLB_FLOW_DIRECT |	\
						   SCMLB_FLOW_HANDOFF |	\
						   SCMLB_FLOW_HALF_OPEN)); \
	r->synced = (__u32)r->last_seen;				\
}									\
									\
static __always_inline void ct##_reply_renew(const key_t *key,		\
					     const struct scmlb_flow *f) \
{									\
	struct scmlb_flow r;						\
	key_t rkey;							\
									\
	ct##_reply_key(&rkey, key, f);					\
	if (ct##_opening_lookup(&opening_rep, &rkey))			\
		return;							\
	ct##_reply_rebuild(&r, key, f);					\
	ct##_opening_put(&opening_rep, &rkey, &r);			\
}									\
									\
static __always_inline struct scmlb_flow *				\
ct##_promote(const key_t *key, struct scmlb_flow *f)			\
{									\
	struct scmlb_flow *r, *moved, copy;				\
	int reply = ct_has_reply(f);					\
	key_t rkey;							\
									\
	ct##_reply_key(&rkey, key, f);					\
	r = reply ? ct##_opening_lookup(&opening_rep, &rkey) : NULL;	\
	if (r)								\
		copy = *r;						\
	else								\
		ct##_reply_rebuild(&copy, key, f);			\
	copy.flags &= ~SCMLB_FLOW_HALF_OPEN;				\
	if (reply && bpf_map_update_elem(&replies, &rkey, &copy, BPF_ANY)) \
		return f;						\
	copy = *f;							\
	copy.flags &= ~SCMLB_FLOW_HALF_OPEN;				\
	if (bpf_map_update_elem(&flows, key, &copy, BPF_ANY))		\
		return f;						\
	moved = bpf_map_lookup_elem(&flows, key);			\
	if (!moved)							\
		return f;						\
	ct##_opening_clear(&opening, key);				\
	if (reply)							\
		ct##_opening_clear(&opening_rep, &rkey);		\
	return moved;							\
}									\
									\
static __always_inline void ct##_forget(const key_t *key,		\
					const struct scmlb_flow *f)	\
{									\
	int half = ct_half_open(f);					\
	key_t rkey;							\
									\
	ct##_reply_key(&rkey, key, f);					\
	if (ct_has_reply(f))						\
		ct##_delete(&replies, &opening_rep, half, &rkey);	\
	ct##_delete(&flows, &opening, half, key);			\
}

CT_FLOW_HELPERS(ct, struct scmlb_flow_key, ct_flows, ct_replies, ct_opening,
		ct_opening_rep)

/*
 * How far past the SYN-ACK a client's first ACK may acknowledge: with
 * TCP Fast Open the backend may send data before the handshake ends. A
 * blind spoofer's ACK hits this window once in 65,536 tries.
 */
#define CT_SYN_ACK_WINDOW 0xffff

/* The TCP header of @p; NULL when the verifier cannot see it whole. */
static __always_inline const struct tcphdr *tcp_hdr(const struct pkt *p)
{
	const struct tcphdr *th = p->l4;

	return th && (void *)(th + 1) <= p->data_end ? th : NULL;
}

/* TCP flags that open a connection: SYN without ACK. */
static __always_inline int tcp_flags_open(__u8 flags)
{
	return (flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN;
}

static __always_inline int tcp_is_open(const struct pkt *p)
{
	return tcp_flags_open(p->tcp_flags);
}

/*
 * Whether a TCP packet with @tcp_flags leaves flow @f as it is: an
 * established flow's without SYN, FIN or RST, the common packet, which
 * skips every state test with this one.
 */
static __always_inline int ct_tcp_steady(const struct scmlb_flow *f,
					 __u8 tcp_flags)
{
	return f->state == SCMLB_CT_ESTABLISHED &&
	       !(tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
}

/**
 * ct_move_state_tcp() - move a flow's TCP state for a packet of either side
 * @f:            the client's entry of the flow
 * @tcp_flags:    the packet's TCP flags
 * @th:           its TCP header; NULL when the verifier cannot see it whole
 * @from_backend: the packet is a reply
 *
 * By direction, as a stateful firewall sees a connection: opening until
 * the client ACKs the backend's SYN-ACK (its acknowledgment number
 * names the SYN-ACK's sequence number, so a spoofer that never saw the
 * SYN-ACK cannot complete the handshake), established then. A dr or
 * ipip flow's SYN-ACK never comes by: its client's first ACK
 * completes it, whatever it acknowledges (a blind spoofer can promote
 * its flows, as it can open a maglev flow with any ACK). Closing after
 * the first FIN, closed once both sides sent one (a FIN retransmitted by
 * the same side changes nothing: the other may go on sending) or on a
 * RST.
 *
 * Return: 1 when this packet completed the handshake, else 0.
 */
static __always_inline int ct_move_state_tcp(struct scmlb_flow *f,
					     __u8 tcp_flags,
					     const struct tcphdr *th,
					     int from_backend)
{
	__u8 flags = f->flags, state = f->state, next = state;

	if (bench_skip(SCMLB_SKIP_CT_STATE))
		return 0;
	/* the common packet, an established flow's: only FIN and RST move it */
	if (likely(state == SCMLB_CT_ESTABLISHED &&
		   !(tcp_flags & (TCPF_FIN | TCPF_RST))))
		return 0;
	if (tcp_flags & TCPF_RST) {
		next = SCMLB_CT_CLOSED;
	} else if (tcp_flags & TCPF_FIN) {
		flags |= from_backend ? SCMLB_FLOW_FIN_BACKEND :
					SCMLB_FLOW_FIN_CLIENT;
		next = (flags & SCMLB_FLOW_FIN_BACKEND) &&
		       (flags & SCMLB_FLOW_FIN_CLIENT) ? SCMLB_CT_CLOSED :
							 SCMLB_CT_CLOSING;
		if (state == SCMLB_CT_CLOSED)
			next = state;
	} else if (state == SCMLB_CT_OPENING && th) {
		if (from_backend && (tcp_flags & TCPF_SYN)) {
			flags |= SCMLB_FLOW_SYN_ACKED;
			f->syn_ack_next = bpf_ntohl(th->seq) + 1;
		} else if (!from_backend &&
			   (tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_ACK &&
			   (!ct_has_reply(f) ||
			    ((flags & SCMLB_FLOW_SYN_ACKED) &&
			     bpf_ntohl(th->ack_seq) - f->syn_ack_next <=
			     CT_SYN_ACK_WINDOW))) {
			next = SCMLB_CT_ESTABLISHED;
		}
	}
	/* write only what changed: established packets dirty no cache line */
	if (flags != f->flags)
		f->flags = flags;
	if (next != state)
		f->state = next;
	return next != state && next == SCMLB_CT_ESTABLISHED;
}

/* ct_move_state_tcp() for an IPv4 packet. */
static __always_inline int ct_move_state(struct scmlb_flow *f,
					 const struct pkt *p, int from_backend)
{
	return ct_move_state_tcp(f, p->tcp_flags, tcp_hdr(p), from_backend);
}

/* Account a packet in the entry of its direction. */
static __always_inline void ct_count(struct scmlb_flow *f)
{
	if (bench_skip(SCMLB_SKIP_CT_STATE))
		return;
	/* not atomic: a lost increment when two CPUs race is harmless */
	f->packets++;
	/* jiffies: the verifier inlines it, a clock helper costs ~15 ns here */
	f->last_seen = bpf_jiffies64();
}

#endif /* SCMLB_CT_H */
