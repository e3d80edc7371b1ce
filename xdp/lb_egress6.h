/* SPDX-License-Identifier: GPL-2.0 */
/* lb_egress6.h - return IPv6 backends' replies to clients from the VIP */
#ifndef SCMLB_LB_EGRESS6_H
#define SCMLB_LB_EGRESS6_H

#include "ct6.h"
#include "frag6.h"
#include "handoff.h"
#include "lb_ingress6.h"
#include "maps.h"
#include "nat.h"
#include "reply_index.h"

/* ct_reply_sync() of an IPv6 reply: its client's entry, now and then. */
static __always_inline int ct6_reply_sync(const struct scmlb_config *cfg,
					  struct scmlb_flow *r,
					  const struct pkt6 *p, __u64 now)
{
	int tcp_state = p->proto == IPPROTO_TCP &&
			(p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
	struct scmlb_flow6_key key;
	struct scmlb_flow *f;

	if (!tcp_state && (__u32)now - r->synced < (cfg->hz ? cfg->hz : 250))
		return 0;
	ct6_key(&key, ip6_daddr(p), p->dport, r->nat_addr, r->nat_port,
		p->proto);
	f = ct_half_open(r) ? ct6_opening_lookup(&ct6_opening, &key) :
			      bpf_map_lookup_elem(&ct6_flows, &key);
	if (!f)
		return 0;
	/* a SYN, FIN or RST of the flow's former backend goes to the kernel */
	if (f->backend_id != r->backend_id)
		return tcp_state ? -1 : 0;
	if (tcp_state)
		ct6_move_state(f, p, 1);
	f->last_seen = now;
	r->synced = (__u32)now;
	return 0;
}

/*
 * reply_send() of an IPv6 reply: from @vip:@port, out of @ifindex; a
 * --syn-proxy flow's (SCMLB_FLOW_SYN_PROXY in @path) handed off is
 * translated by scmlb_tc, or here if the driver keeps no metadata.
 */
static __always_inline int reply6_send(struct xdp_md *ctx,
				       struct scmlb_stats *st,
				       struct pkt6 *p, __u8 path,
				       __u32 ifindex, const __be32 *vip,
				       __be16 port, const __u8 *dst,
				       const __u8 *src)
{
	struct scmlb_flow6_key key;
	int act;

	if (path & SCMLB_FLOW_HANDOFF) {
		act = handoff6(ctx, p, ifindex, vip, port, 1,
			       !!(path & SCMLB_FLOW_SYN_PROXY), dst, src);
		/* the driver keeps no metadata: XDP redirects it after all */
		if (act != SCMLB_CONTINUE)
			return act;
		/* its numbers are under the client's key */
		ct6_key(&key, ip6_daddr(p), p->dport, vip, port, IPPROTO_TCP);
		if ((path & SCMLB_FLOW_SYN_PROXY) &&
		    syn_proxy6_translate(ctx, p, &key, 1) != SCMLB_CONTINUE)
			return XDP_DROP;
	}
	if (port != p->sport)
		nat6_rewrite_port(p, 1, port);
	nat6_rewrite_addr(p, p->ip6->saddr.in6_u.u6_addr32, vip);
	eth_set_macs(p->eth, src, dst);
	return nat_redirect(st, &st->returned, ifindex);
}

/*
 * lb_egress_stateless() of an IPv6 reply: lb_reply_index by family, the
 * FIB's IPv6 way to the client.
 */
static __always_inline int lb_egress6_stateless(struct xdp_md *ctx,
						struct scmlb_stats *st,
						struct pkt6 *p)
{
	const struct scmlb_reply_to *to;
	const struct scmlb_backend *be;
	struct scmlb_flow6_key key;
	struct bpf_fib_lookup fib;
	const struct scmlb_service *svc;
	struct scmlb_flow *f;
	scmlb_addr_t vip;
	int act, way;

	if (p->frag != PKT_WHOLE)
		return SCMLB_CONTINUE;
	to = reply6_index_find(p);
	if (!to)
		return SCMLB_CONTINUE;
	be = backend_get(to->backend_id);
	if (!be || be->service_id != to->service_id)
		return SCMLB_CONTINUE;
	/* a proxied flow's numbers went with its entry: the client resets it */
	svc = service_get(to->service_id);
	if (svc && (svc->flags & SCMLB_SVC_SYN_PROXY))
		return SCMLB_CONTINUE;
	__builtin_memcpy(vip, to->vip, sizeof(vip));
	ct6_key(&key, ip6_daddr(p), p->dport, vip, to->port, p->proto);
	f = ct6_client_lookup(&key);
	if (f && f->backend_id != to->backend_id)
		return SCMLB_CONTINUE;
	way = reply_fib_way6(ctx, p, vip, &fib);
	if (way) {
		st->stateless_unrouted++;
		return way == BPF_FIB_LKUP_RET_NO_NEIGH ? XDP_DROP : SCMLB_CONTINUE;
	}
	backend6_count(be->id, p, 1, 0);
	act = reply6_send(ctx, st, p,
			  handoff_path(ctx->ingress_ifindex, fib.ifindex),
			  fib.ifindex, vip, to->port, fib.dmac, fib.smac);
	if (act == XDP_REDIRECT || act == XDP_PASS)
		st->returned_stateless++;
	return act;
}

/**
 * lb_egress6() - send an IPv6 backend's reply to the client with the VIP as source
 * @ctx: the frame
 * @cfg: the instance's configuration
 * @st:  this CPU's counters (stat6_pkts)
 * @p:   the parsed packet, its L4 header parsed
 *
 * As lb_egress(), over ct6_replies and ct6_opening_rep.
 *
 * Return: XDP_REDIRECT, XDP_PASS (handed off), or SCMLB_CONTINUE.
 */
static __always_inline int lb_egress6(struct xdp_md *ctx,
				      const struct scmlb_config *cfg,
				      struct scmlb_stats *st, struct pkt6 *p)
{
	struct scmlb_flow6_key key;
	struct scmlb_flow *r;
	__u64 now;
	int act;

	if (p->frag == PKT_FRAG_LATER)
		return frag6_follow(ctx, cfg, st, p, 1);
	if (!p->l4)
		return SCMLB_CONTINUE;

	ct6_key(&key, ip6_saddr(p), p->sport, ip6_daddr(p), p->dport,
		p->proto);
	r = ct6_reply_lookup(&key);
	if (!r)
		return ctx->ingress_ifindex == cfg->upstream_ifindex ?
		       SCMLB_CONTINUE : lb_egress6_stateless(ctx, st, p);
	if (!backend_get(r->backend_id))
		return SCMLB_CONTINUE;
	if (r->flags & SCMLB_FLOW_SYN_PROXY) {
		/* its numbers are under the client's key */
		ct6_key(&key, ip6_daddr(p), p->dport, r->nat_addr, r->nat_port,
			p->proto);
		act = syn_proxy6_flow(ctx, p, &key, r, 1);
		if (act != SCMLB_CONTINUE)
			return act;
	}

	now = bpf_jiffies64();
	if (ct6_reply_sync(cfg, r, p, now))
		return SCMLB_CONTINUE;
	r->packets++;
	r->last_seen = now;
	backend6_count(r->backend_id, p, 1, 0);
	frag6_remember(p, r->backend_id, r->nat_addr, 1, r->client_mac,
		       SCMLB_FWD_NAT);
	return reply6_send(ctx, st, p,
			   flow_path(r, ctx->ingress_ifindex,
				     cfg->upstream_ifindex) |
			   (r->flags & SCMLB_FLOW_SYN_PROXY),
			   cfg->upstream_ifindex, r->nat_addr, r->nat_port,
			   r->client_mac, cfg->upstream_mac);
}

#endif /* SCMLB_LB_EGRESS6_H */
