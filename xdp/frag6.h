/* SPDX-License-Identifier: GPL-2.0 */
/* frag6.h - later fragments of a balanced IPv6 datagram follow its first */
#ifndef SCMLB_FRAG6_H
#define SCMLB_FRAG6_H

#include "compiler.h"
#include "ct.h"
#include "encap6.h"
#include "maps.h"
#include "nat.h"
#include "parse6.h"

static __always_inline void frag6_key(struct scmlb_frag6_key *k,
				      const struct pkt6 *p)
{
	__builtin_memcpy(k->src_addr, &p->ip6->saddr, sizeof(k->src_addr));
	__builtin_memcpy(k->dst_addr, &p->ip6->daddr, sizeof(k->dst_addr));
	k->id = p->frag_id;
	k->proto = p->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/**
 * frag6_remember() - note where a first fragment went, before its rewrite
 * @p:         the first fragment, still as it arrived
 * @backend:   the flow's backend
 * @nat_addr:  its new destination (a client's) or source (a backend's);
 *             dr: the VIP (nothing to rewrite); ipip: the flow's hash
 *             in the first word (scmlb_ip6ip6_send())
 * @to_client: a backend's datagram, going back to the client
 * @mac:       the client's next hop, for a backend's datagram
 * @forward:   enum scmlb_forward, of a client's datagram
 *
 * As frag_remember(), keyed by the fragment header's 32-bit id.
 */
static __always_inline void frag6_remember(const struct pkt6 *p,
					   __u32 backend,
					   const __be32 *nat_addr,
					   int to_client, const __u8 *mac,
					   __u8 forward)
{
	struct scmlb_frag6_key k;
	struct scmlb_frag6 f;

	/* as frag_remember(): no store before the test */
	if (likely(p->frag != PKT_FRAG_FIRST))
		return;
	f = (struct scmlb_frag6){
		.backend_id = backend,
		.to_client = to_client,
		.forward = forward,
	};
	frag6_key(&k, p);
	__builtin_memcpy(f.nat_addr, nat_addr, sizeof(f.nat_addr));
	if (mac)
		__builtin_memcpy(f.client_mac, mac, ETH_ALEN);
	bpf_map_update_elem(&ct6_frags, &k, &f, BPF_ANY);
}

/**
 * frag6_follow() - send a later IPv6 fragment where its first one went
 * @cfg:          the instance's configuration
 * @st:           this CPU's counters
 * @p:            a later fragment
 * @from_backend: it arrived from a backend's side
 *
 * Only the address the first fragment's NAT changed is rewritten: IPv6
 * has no header checksum, and the L4 checksum is in the first fragment.
 * A dr datagram's go as its first did, by MAC.
 *
 * Return: XDP_REDIRECT, or SCMLB_CONTINUE for a fragment of no datagram
 * balanced here.
 */
static __always_inline int frag6_follow(struct xdp_md *ctx,
					const struct scmlb_config *cfg,
					struct scmlb_stats *st,
					struct pkt6 *p, int from_backend)
{
	const struct scmlb_backend *be;
	struct scmlb_frag6_key k;
	struct scmlb_frag6 *f;

	frag6_key(&k, p);
	f = bpf_map_lookup_elem(&ct6_frags, &k);
	if (!f || f->to_client != from_backend)
		return SCMLB_CONTINUE;
	be = backend_get(f->backend_id);
	if (!be)
		return SCMLB_CONTINUE;
	backend_count_len(be->id, p->ip_len, from_backend, 0);
	if (f->to_client) {
		__builtin_memcpy(&p->ip6->saddr, f->nat_addr, sizeof(f->nat_addr));
		eth_set_macs(p->eth, cfg->upstream_mac, f->client_mac);
		return nat_redirect(st, &st->returned, cfg->upstream_ifindex);
	}
	if (f->forward == SCMLB_FWD_IPIP)
		return ip6ip6_send(ctx, st, be, f->nat_addr[0], p->proto);
	if (f->forward == SCMLB_FWD_NAT)
		__builtin_memcpy(&p->ip6->daddr, f->nat_addr, sizeof(f->nat_addr));
	else if (f->forward != SCMLB_FWD_DR)
		return SCMLB_CONTINUE;
	eth_set_macs(p->eth, be->if_mac, be->mac);
	return nat_redirect(st, &st->forwarded, be->ifindex);
}

#endif /* SCMLB_FRAG6_H */
