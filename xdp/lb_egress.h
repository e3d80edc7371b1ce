/* SPDX-License-Identifier: GPL-2.0 */
/* lb_egress.h - stage 5: return backends' replies to clients from the VIP */
#ifndef SCMLB_LB_EGRESS_H
#define SCMLB_LB_EGRESS_H

#include "ct.h"
#include "frag.h"
#include "handoff.h"
#include "icmp.h"
#include "maps.h"
#include "nat.h"

/*
 * The client's entry of a reply's flow, looked up only when the reply
 * has something to tell it: a SYN, FIN or RST moves the TCP state, and
 * about once a second the client's last_seen learns that the flow is
 * alive in this direction (scmlb-gc reads only client's entries). A flow
 * that went to another backend since (its entry evicted, then opened
 * again) is not this backend's to touch. A half-open flow's client's
 * entry is in ct_opening.
 *
 * Return: 0, or -1 for a SYN, FIN or RST of a flow that is another
 * backend's now.
 */
static __always_inline int ct_reply_sync(const struct scmlb_config *cfg,
					 struct scmlb_flow *r,
					 const struct pkt *p, __u64 now)
{
	int tcp_state = p->proto == IPPROTO_TCP &&
			(p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
	struct scmlb_flow_key key;
	struct scmlb_flow *f;

	/* a config without hz (never so after scmlb-attach): the kernel's usual */
	if (!tcp_state && (__u32)now - r->synced < (cfg->hz ? cfg->hz : 250))
		return 0;
	ct_key(&key, p->ip->daddr, p->dport, r->nat_addr[0], r->nat_port,
	       p->proto);
	f = ct_half_open(r) ? ct_opening_lookup(&ct_opening, &key) :
			      bpf_map_lookup_elem(&ct_flows, &key);
	if (!f)
		return 0;
	/* a SYN, FIN or RST of the flow's former backend goes to the kernel */
	if (f->backend_id != r->backend_id)
		return tcp_state ? -1 : 0;
	if (tcp_state)
		ct_move_state(f, p, 1);
	f->last_seen = now;
	r->synced = (__u32)now;
	return 0;
}

/**
 * lb_egress() - send a backend's reply to the client with the VIP as source
 * @ctx: the frame
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet
 *
 * The reply's own 5-tuple finds its flow's reply entry, which only a flow
 * opened to that backend created: in ct_replies, or for a half-open flow
 * (the SYN-ACK) in ct_opening_rep; anything else, spoofed replies
 * included, is the kernel's.
 *
 * ICMP errors a backend sends about a client's packet go the same way
 * (icmp_egress()).
 *
 * Return: XDP_REDIRECT out of the upstream, XDP_PASS with the packet
 * handed off to scmlb_tc, or SCMLB_CONTINUE.
 */
static __always_inline int lb_egress(struct xdp_md *ctx,
				     const struct scmlb_config *cfg,
				     struct scmlb_stats *st, struct pkt *p)
{
	struct scmlb_flow_key key;
	struct scmlb_flow *r;
	__u64 now;
	int act;

	if (p->frag == PKT_FRAG_LATER)
		return frag_follow(ctx, cfg, st, p, 1);
	if (!p->l4)
		return p->proto == IPPROTO_ICMP ? icmp_egress(cfg, st, p) :
						  SCMLB_CONTINUE;

	ct_key(&key, p->ip->saddr, p->sport, p->ip->daddr, p->dport, p->proto);
	r = ct_reply_lookup(&key);
	if (!r || !backend_get(r->backend_id))
		return SCMLB_CONTINUE;

	now = bpf_jiffies64();
	if (ct_reply_sync(cfg, r, p, now))
		return SCMLB_CONTINUE;
	/* not atomic: a lost increment when two CPUs race is harmless */
	r->packets++;
	r->last_seen = now;
	backend_count(r->backend_id, p, 1, 0);
	frag_remember(p, r->backend_id, r->nat_addr[0], 1, r->client_mac,
		      SCMLB_FWD_NAT);
	if (flow_path(r, ctx->ingress_ifindex, cfg->upstream_ifindex) ==
	    SCMLB_FLOW_HANDOFF) {
		act = handoff(ctx, cfg->upstream_ifindex, r->nat_addr[0],
			      r->nat_port, 1, r->client_mac, cfg->upstream_mac);
		if (act != SCMLB_CONTINUE)
			return act;
		/* the driver keeps no metadata: XDP redirects it after all */
		if (parse_pkt(ctx, p) < 0 || !p->l4)
			return XDP_ABORTED;
	}
	if (r->nat_port != p->sport)
		nat_rewrite_port(p, 1, r->nat_port);
	nat_rewrite_addr(p, &p->ip->saddr, r->nat_addr[0]);
	nat_set_macs(p, cfg->upstream_mac, r->client_mac);
	return nat_redirect(st, &st->returned, cfg->upstream_ifindex);
}

#endif /* SCMLB_LB_EGRESS_H */
