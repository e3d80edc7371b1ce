/* SPDX-License-Identifier: GPL-2.0 */
/* lb_ingress.h - stage 4: balance client packets for the VIP over the backends */
#ifndef SCMLB_LB_INGRESS_H
#define SCMLB_LB_INGRESS_H

#include "ct.h"
#include "maps.h"
#include "nat.h"

_Static_assert((SCMLB_MAX_BACKENDS & (SCMLB_MAX_BACKENDS - 1)) == 0,
	       "the rotation index is masked with SCMLB_MAX_BACKENDS - 1");

/* The next backend of the live rotation, or NULL when none takes connections. */
static __always_inline const struct scmlb_backend *
pick_backend(const struct scmlb_config *cfg)
{
	__u32 slot = cfg->rotation_slot & 1, zero = 0, n, idx;
	const struct scmlb_rotation *rot;
	__u32 *cursor;

	rot = bpf_map_lookup_elem(&lb_rotation, &slot);
	cursor = bpf_map_lookup_elem(&lb_rr, &zero);
	if (!rot || !cursor)
		return NULL;
	n = rot->count;
	if (!n || n > SCMLB_MAX_BACKENDS)
		return NULL;
	idx = *cursor % n;
	*cursor = idx + 1;
	/*
	 * clang 14 drops the mask as idx < n <= SCMLB_MAX_BACKENDS, but the
	 * verifier cannot bound a modulo: hide idx from clang to keep it.
	 */
	asm volatile("" : "+r"(idx));
	return backend_get(rot->ids[idx & (SCMLB_MAX_BACKENDS - 1)]);
}

/* Start tracking a new flow on a backend picked round robin. */
static __always_inline const struct scmlb_backend *
ct_open(const struct scmlb_config *cfg, const struct scmlb_flow_key *key,
	const struct pkt *p)
{
	const struct scmlb_backend *be = pick_backend(cfg);
	struct scmlb_flow f = {
		.packets = 1,
		.state = p->proto == IPPROTO_TCP ? SCMLB_CT_OPENING : SCMLB_CT_UDP,
	};

	if (!be)
		return NULL;
	f.backend_id = be->id;
	f.last_seen = bpf_jiffies64();
	__builtin_memcpy(f.client_mac, p->eth->h_source, ETH_ALEN);
	/* a full LRU table evicts its oldest flow rather than fail */
	if (bpf_map_update_elem(&ct_flows, key, &f, BPF_ANY))
		return NULL;
	return be;
}

/**
 * lb_ingress() - send a client's packet for the VIP to its backend
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet
 *
 * Return: XDP_REDIRECT with the destination rewritten to the backend, or
 * SCMLB_CONTINUE for what is not balanced: not for the VIP, not TCP/UDP,
 * a TCP packet of an unknown flow that is not a SYN, no backend available.
 */
static __always_inline int lb_ingress(const struct scmlb_config *cfg,
				      struct scmlb_stats *st, struct pkt *p)
{
	const struct scmlb_backend *be = NULL;
	struct scmlb_flow_key key;
	struct scmlb_flow *f;
	int opened = 0;

	if (p->ip->daddr != cfg->vip || !p->l4)
		return SCMLB_CONTINUE;

	ct_key(&key, p->ip->saddr, p->sport, p->ip->daddr, p->dport, p->proto);

	f = bpf_map_lookup_elem(&ct_flows, &key);
	if (f) {
		be = backend_get(f->backend_id);
		/* a new SYN on a closed flow is a new connection on a reused port */
		if (be && p->proto == IPPROTO_TCP && tcp_is_open(p) &&
		    f->state == SCMLB_CT_CLOSED)
			be = NULL;
		if (be)
			ct_track(f, p, 0);
	}
	if (!be) {
		if (p->proto == IPPROTO_TCP && !tcp_is_open(p))
			return SCMLB_CONTINUE;
		be = ct_open(cfg, &key, p);
		if (!be)
			return SCMLB_CONTINUE;
		opened = 1;
	}
	backend_count(be->id, p, 0, opened);

	nat_rewrite_addr(p, &p->ip->daddr, be->addr);
	nat_set_macs(p, be->if_mac, be->mac);
	st->forwarded++;
	return bpf_redirect_map(&lb_tx_ports, be->ifindex, 0);
}

#endif /* SCMLB_LB_INGRESS_H */
