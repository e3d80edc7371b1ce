/* SPDX-License-Identifier: GPL-2.0 */
/* frag.h - later fragments of a balanced datagram follow its first */
#ifndef SCMLB_FRAG_H
#define SCMLB_FRAG_H

#include "compiler.h"
#include "ct.h"
#include "encap.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"

static __always_inline void frag_key(struct scmlb_frag_key *k,
				     const struct pkt *p)
{
	k->src_addr = p->ip->saddr;
	k->dst_addr = p->ip->daddr;
	k->id = p->ip->id;
	k->proto = p->proto;
	k->pad = 0;
}

/**
 * frag_remember() - note where a first fragment went, before its rewrite
 * @p:         the first fragment, still as it arrived
 * @backend:   the flow's backend
 * @nat_addr:  its new destination (a client's) or source (a backend's);
 *             dr: the VIP (nothing to rewrite); ipip: the outer source
 * @to_client: a backend's datagram, going back to the client
 * @mac:       the client's next hop, for a backend's datagram
 * @forward:   enum scmlb_forward, of a client's datagram
 *
 * The datagram's later fragments carry no ports: only this entry, keyed
 * by addresses, protocol and IP id, tells them their flow. Fragments
 * that arrive before the first go to the kernel (frag_follow()).
 */
static __always_inline void frag_remember(const struct pkt *p, __u32 backend,
					  __be32 nat_addr, int to_client,
					  const __u8 *mac, __u8 forward)
{
	struct scmlb_frag_key k;
	struct scmlb_frag f;

	/* every other packet returns before a store: f is built after */
	if (likely(p->frag != PKT_FRAG_FIRST))
		return;
	f = (struct scmlb_frag){
		.backend_id = backend,
		.nat_addr = nat_addr,
		.to_client = to_client,
		.forward = forward,
	};
	frag_key(&k, p);
	if (mac)
		__builtin_memcpy(f.client_mac, mac, ETH_ALEN);
	bpf_map_update_elem(&ct_frags, &k, &f, BPF_ANY);
}

/**
 * frag_follow() - send a later fragment where its first one went
 * @ctx:          the frame
 * @cfg:          the instance's configuration
 * @st:           this CPU's counters
 * @p:            a later fragment
 * @from_backend: it arrived from a backend's side (or, one-arm, on the
 *		  upstream before the firewall)
 *
 * Only the address the first fragment's NAT changed is rewritten, with
 * the IPv4 checksum: the L4 checksum, in the first fragment, already
 * covers it. A dr or ipip datagram's go as its first did (fwd_send()).
 *
 * Return: XDP_REDIRECT, or SCMLB_CONTINUE for a fragment of no datagram
 * balanced here.
 */
static __always_inline int frag_follow(struct xdp_md *ctx,
				       const struct scmlb_config *cfg,
				       struct scmlb_stats *st, struct pkt *p,
				       int from_backend)
{
	const struct scmlb_backend *be;
	struct scmlb_frag_key k;
	struct scmlb_frag *f;
	__be32 old;

	frag_key(&k, p);
	f = bpf_map_lookup_elem(&ct_frags, &k);
	/* one-arm: a client's fragment is asked first as a backend's */
	if (!f || f->to_client != from_backend)
		return SCMLB_CONTINUE;
	be = backend_get(f->backend_id);
	if (!be)
		return SCMLB_CONTINUE;
	if (f->to_client) {
		old = p->ip->saddr;
		p->ip->saddr = f->nat_addr;
		p->ip->check = csum_replace4(p->ip->check, old, f->nat_addr);
		backend_count(be->id, p, 1, 0);
		nat_set_macs(p, cfg->upstream_mac, f->client_mac);
		return nat_redirect(st, &st->returned, cfg->upstream_ifindex);
	}
	if (f->forward != SCMLB_FWD_NAT) {
		backend_count(be->id, p, 0, 0);
		return fwd_send(ctx, st, p, be, f->forward, f->nat_addr);
	}
	old = p->ip->daddr;
	p->ip->daddr = f->nat_addr;
	p->ip->check = csum_replace4(p->ip->check, old, f->nat_addr);
	backend_count(be->id, p, 0, 0);
	nat_set_macs(p, be->if_mac, be->mac);
	return nat_redirect(st, &st->forwarded, be->ifindex);
}

#endif /* SCMLB_FRAG_H */
