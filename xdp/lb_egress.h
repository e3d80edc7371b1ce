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
#include "reply_index.h"
#include "svc.h"
#include "syn_proxy.h"

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

/*
 * Return a reply to its client from @vip:@port: out of @ifindex from
 * MAC @src to @dst, rewritten here or, on a @path through scmlb_tc,
 * there. Counted in returned when sent. A --syn-proxy flow's reply
 * (SCMLB_FLOW_SYN_PROXY in @path) is translated as in lb_send().
 *
 * Return: XDP_REDIRECT, XDP_PASS (handed off), XDP_DROP or XDP_ABORTED.
 */
static __always_inline int reply_send(struct xdp_md *ctx,
				      struct scmlb_stats *st, struct pkt *p,
				      __u8 path, __u32 ifindex, __be32 vip,
				      __be16 port, const __u8 *dst,
				      const __u8 *src)
{
	const struct scmlb_flow *r = NULL;
	struct scmlb_flow_key key;
	int act;

	if (path & SCMLB_FLOW_HANDOFF) {
		act = handoff(ctx, ifindex, vip, port, 1,
			      !!(path & SCMLB_FLOW_SYN_PROXY), dst, src);
		if (act != SCMLB_CONTINUE)
			return act;
		/* the driver keeps no metadata: XDP redirects it after all */
		if (parse_pkt(ctx, p) < 0 || !p->l4)
			return XDP_ABORTED;
		if (path & SCMLB_FLOW_SYN_PROXY) {
			ct_key(&key, p->ip->saddr, p->sport, p->ip->daddr,
			       p->dport, IPPROTO_TCP);
			r = ct_reply_lookup(&key);
		}
		if (r && syn_proxy_translate(ctx, tcp_off(p), proxy_nums(r),
					       1) != SCMLB_CONTINUE)
			return XDP_DROP;
	}
	if (port != p->sport)
		nat_rewrite_port(p, 1, port);
	nat_rewrite_addr(p, &p->ip->saddr, vip);
	nat_set_macs(p, src, dst);
	return nat_redirect(st, &st->returned, ifindex);
}

/**
 * lb_egress_stateless() - return a reply that conntrack does not know
 * @ctx: the frame
 * @st:  this CPU's counters
 * @p:   the reply, TCP or UDP, whole (not a fragment)
 *
 * With several nodes behind ECMP, a backend's reply may reach a node
 * that never saw its flow open. When its source (address, protocol,
 * port) belongs to one service only (lb_reply_index), the VIP and port
 * are known without the flow, and the kernel's FIB gives the way to the
 * client: the reply is returned as a tracked one would be, unless the
 * client's flow is tracked here with another backend. It creates no
 * state: the client's next packet to this node opens the flow (a maglev
 * service's table knows its backend), after which its replies take the
 * conntrack path. No route to the client: the kernel's, counted; a
 * route whose next hop is unresolved: dropped, counted.
 *
 * Return: as reply_send(), or SCMLB_CONTINUE.
 */
static __always_inline int lb_egress_stateless(struct xdp_md *ctx,
					       struct scmlb_stats *st,
					       struct pkt *p)
{
	const struct scmlb_reply_to *to;
	const struct scmlb_service *svc;
	const struct scmlb_backend *be;
	struct scmlb_flow_key key;
	struct bpf_fib_lookup fib;
	struct scmlb_flow *f;
	__be16 port;
	__be32 vip;
	int act, way;

	/* a later fragment never gets here; a first one has no flow to follow */
	if (p->frag != PKT_WHOLE)
		return SCMLB_CONTINUE;
	to = reply_index_find(p);
	if (!to)
		return SCMLB_CONTINUE;
	/* an entry a killed tool left behind its backend's delete */
	be = backend_get(to->backend_id);
	if (!be || be->service_id != to->service_id)
		return SCMLB_CONTINUE;
	/* a proxied flow's numbers went with its entry: the client resets it */
	svc = service_get(to->service_id);
	if (svc && (svc->flags & SCMLB_SVC_SYN_PROXY))
		return SCMLB_CONTINUE;
	vip = to->vip[0];
	port = to->port;
	/* the client's flow went to another backend here: not this one's */
	ct_key(&key, p->ip->daddr, p->dport, vip, port, p->proto);
	f = ct_client_lookup(&key);
	if (f && f->backend_id != to->backend_id)
		return SCMLB_CONTINUE;
	way = reply_fib_way(ctx, p, vip, &fib);
	if (way) {
		st->stateless_unrouted++;
		/*
		 * The route is there, its next hop unresolved (a node just
		 * up): the kernel would send the reply on from the backend's
		 * address, and the client would reset the connection. Its
		 * retransmission finds the MAC: BGP's own traffic resolves the
		 * router's, a client's ARP for us its own.
		 */
		return way == BPF_FIB_LKUP_RET_NO_NEIGH ? XDP_DROP : SCMLB_CONTINUE;
	}
	backend_count(be->id, p, 1, 0);
	act = reply_send(ctx, st, p,
			 handoff_path(ctx->ingress_ifindex, fib.ifindex),
			 fib.ifindex, vip, port, fib.dmac, fib.smac);
	if (act == XDP_REDIRECT || act == XDP_PASS)
		st->returned_stateless++;
	return act;
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
 * (the SYN-ACK) in ct_opening_rep. A reply neither knows goes by
 * lb_reply_index (lb_egress_stateless()); anything else is the kernel's.
 *
 * ICMP errors a backend sends about a client's packet go the same way
 * (icmp_egress()).
 *
 * Return: XDP_REDIRECT out of the upstream (or, without conntrack, where
 * the FIB says), XDP_PASS with the packet handed off to scmlb_tc, or
 * SCMLB_CONTINUE.
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
	/*
	 * Not on the upstream (one-arm): anyone there may claim a backend's
	 * source, and scmlb would send it on from the VIP.
	 */
	if (!r)
		return ctx->ingress_ifindex == cfg->upstream_ifindex ?
		       SCMLB_CONTINUE : lb_egress_stateless(ctx, st, p);
	if (!backend_get(r->backend_id))
		return SCMLB_CONTINUE;
	if (r->flags & SCMLB_FLOW_SYN_PROXY) {
		act = syn_proxy_flow(ctx, p, r, 1);
		if (act != SCMLB_CONTINUE)
			return act;
	}

	now = bpf_jiffies64();
	if (ct_reply_sync(cfg, r, p, now))
		return SCMLB_CONTINUE;
	/* not atomic: a lost increment when two CPUs race is harmless */
	r->packets++;
	r->last_seen = now;
	backend_count(r->backend_id, p, 1, 0);
	frag_remember(p, r->backend_id, r->nat_addr[0], 1, r->client_mac,
		      SCMLB_FWD_NAT);
	return reply_send(ctx, st, p,
			  flow_path(r, ctx->ingress_ifindex,
				    cfg->upstream_ifindex) |
			  (r->flags & SCMLB_FLOW_SYN_PROXY),
			  cfg->upstream_ifindex, r->nat_addr[0], r->nat_port,
			  r->client_mac, cfg->upstream_mac);
}

#endif /* SCMLB_LB_EGRESS_H */
