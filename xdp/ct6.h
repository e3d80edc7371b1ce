/* SPDX-License-Identifier: GPL-2.0 */
/* ct6.h - connection tracking of IPv6 flows: keys, the half-open maps, lookups */
#ifndef SCMLB_CT6_H
#define SCMLB_CT6_H

#include "ct.h"
#include "parse6.h"

/* The conntrack key of an IPv6 packet src:sport -> dst:dport. */
static __always_inline void ct6_key(struct scmlb_flow6_key *key,
				    const __be32 *src, __be16 sport,
				    const __be32 *dst, __be16 dport, __u8 proto)
{
	__builtin_memcpy(key->src_addr, src, sizeof(key->src_addr));
	__builtin_memcpy(key->dst_addr, dst, sizeof(key->dst_addr));
	key->src_port = sport;
	key->dst_port = dport;
	key->proto = proto;
	key->family = SCMLB_AF_INET6;
	key->pad[0] = key->pad[1] = 0;
}

/* ct_opening_find() and the rest, for ct6_opening and ct6_opening_rep. */
CT_HALF_OPEN_HELPERS(ct6, struct scmlb_flow6_key, struct scmlb_opening6_slot,
		     scmlb_opening6_bucket, scmlb_flow6_key_equal,
		     scmlb_opening6_way)

/* The client's entry of an IPv6 flow: ct6_flows', else ct6_opening's. */
static __always_inline struct scmlb_flow *
ct6_client_lookup(const struct scmlb_flow6_key *key)
{
	return ct6_lookup(&ct6_flows, &ct6_opening, key);
}

/* An IPv6 reply entry: ct6_replies', else ct6_opening_rep's. */
static __always_inline struct scmlb_flow *
ct6_reply_lookup(const struct scmlb_flow6_key *rkey)
{
	return ct6_lookup(&ct6_replies, &ct6_opening_rep, rkey);
}

/* The key of the reply entry of client's entry @f, keyed @key. */
static __always_inline void ct6_reply_key(struct scmlb_flow6_key *rkey,
					  const struct scmlb_flow6_key *key,
					  const struct scmlb_flow *f)
{
	ct6_key(rkey, f->nat_addr, f->nat_port, key->src_addr, key->src_port,
		key->proto);
}

/* ct_reply_vip() of an IPv6 flow. */
static __always_inline void ct6_reply_vip(struct scmlb_flow *r,
					  const struct scmlb_flow6_key *key)
{
	__builtin_memcpy(r->nat_addr, key->dst_addr, sizeof(r->nat_addr));
}

/* ct_promote() and the rest, on ct6_flows, ct6_replies and their half-open maps. */
CT_FLOW_HELPERS(ct6, struct scmlb_flow6_key, ct6_flows, ct6_replies,
		ct6_opening, ct6_opening_rep)

/* The TCP header of @p; NULL when the verifier cannot see it whole. */
static __always_inline const struct tcphdr *tcp6_hdr(const struct pkt6 *p)
{
	const struct tcphdr *th = p->l4;

	return th && (void *)(th + 1) <= p->data_end ? th : NULL;
}

/* ct_move_state() for an IPv6 packet. */
static __always_inline int ct6_move_state(struct scmlb_flow *f,
					  const struct pkt6 *p,
					  int from_backend)
{
	return ct_move_state_tcp(f, p->tcp_flags, tcp6_hdr(p), from_backend);
}

#endif /* SCMLB_CT6_H */
