/* SPDX-License-Identifier: GPL-2.0 */
/* lb_egress.h - stage 5: return backends' replies to clients from the VIP */
#ifndef SCMLB_LB_EGRESS_H
#define SCMLB_LB_EGRESS_H

#include "ct.h"
#include "maps.h"
#include "nat.h"

/*
 * Move the flow's TCP state on a backend's SYN, FIN or RST: only those
 * change it, so the client's entry is looked up for them alone. A flow
 * that went to another backend since (its entry evicted, then opened
 * again) is not this backend's to close.
 *
 * Return: 0, or -1 when the flow is another backend's now.
 */
static __always_inline int ct_reply_state(const struct scmlb_flow *r,
					  const struct pkt *p)
{
	struct scmlb_flow_key key;
	struct scmlb_flow *f;

	if (!(p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST)))
		return 0;
	ct_key(&key, p->ip->daddr, p->dport, r->nat_addr[0], r->nat_port,
	       p->proto);
	f = bpf_map_lookup_elem(&ct_flows, &key);
	if (!f)
		return 0;
	if (f->backend_id != r->backend_id)
		return -1;
	ct_move_state(f, p, 1);
	return 0;
}

/**
 * lb_egress() - send a backend's reply to the client with the VIP as source
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet
 *
 * The reply's own 5-tuple finds its flow's reply entry, which only a flow
 * opened to that backend created; anything else, spoofed replies
 * included, is the kernel's.
 *
 * Return: XDP_REDIRECT out of the upstream, or SCMLB_CONTINUE.
 */
static __always_inline int lb_egress(const struct scmlb_config *cfg,
				     struct scmlb_stats *st, struct pkt *p)
{
	struct scmlb_flow_key key;
	struct scmlb_flow *r;

	if (!p->l4)
		return SCMLB_CONTINUE;

	ct_key(&key, p->ip->saddr, p->sport, p->ip->daddr, p->dport, p->proto);
	r = bpf_map_lookup_elem(&ct_flows, &key);
	if (!r || !(r->flags & SCMLB_FLOW_REPLY) || !backend_get(r->backend_id))
		return SCMLB_CONTINUE;

	if (p->proto == IPPROTO_TCP && ct_reply_state(r, p))
		return SCMLB_CONTINUE;
	ct_count(r);
	backend_count(r->backend_id, p, 1, 0);
	if (r->nat_port != p->sport)
		nat_rewrite_port(p, 1, r->nat_port);
	nat_rewrite_addr(p, &p->ip->saddr, r->nat_addr[0]);
	nat_set_macs(p, cfg->upstream_mac, r->client_mac);
	st->returned++;
	return bpf_redirect_map(&lb_tx_ports, cfg->upstream_ifindex, 0);
}

#endif /* SCMLB_LB_EGRESS_H */
