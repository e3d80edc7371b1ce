/* SPDX-License-Identifier: GPL-2.0 */
/* lb_egress.h - stage 5: return backends' replies to clients from the VIP */
#ifndef SCMLB_LB_EGRESS_H
#define SCMLB_LB_EGRESS_H

#include "ct.h"
#include "maps.h"
#include "nat.h"

/**
 * lb_egress() - send a backend's reply to the client with the VIP as source
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet
 *
 * Only a reply of a tracked flow that comes from that flow's backend is
 * rewritten; anything else, spoofed replies included, is the kernel's.
 *
 * Return: XDP_REDIRECT out of the upstream, or SCMLB_CONTINUE.
 */
static __always_inline int lb_egress(const struct scmlb_config *cfg,
				     struct scmlb_stats *st, struct pkt *p)
{
	const struct scmlb_backend *be;
	struct scmlb_flow_key key;
	struct scmlb_flow *f;

	if (!p->l4)
		return SCMLB_CONTINUE;

	/* a reply: its destination is the client, its source port the VIP's */
	ct_key(&key, p->ip->daddr, p->dport, cfg->vip, p->sport, p->proto);

	f = bpf_map_lookup_elem(&ct_flows, &key);
	if (!f)
		return SCMLB_CONTINUE;
	be = backend_get(f->backend_id);
	if (!be || be->addr != p->ip->saddr)
		return SCMLB_CONTINUE;

	ct_track(f, p, 1);
	backend_count(be->id, p, 1, 0);
	nat_rewrite_addr(p, &p->ip->saddr, cfg->vip);
	nat_set_macs(p, cfg->upstream_mac, f->client_mac);
	st->returned++;
	return bpf_redirect_map(&lb_tx_ports, cfg->upstream_ifindex, 0);
}

#endif /* SCMLB_LB_EGRESS_H */
