/* SPDX-License-Identifier: GPL-2.0 */
/* lb_ingress.h - stage 4: balance client packets for a VIP over its service's backends */
#ifndef SCMLB_LB_INGRESS_H
#define SCMLB_LB_INGRESS_H

#include "compiler.h"
#include "ct.h"
#include "dos.h"
#include "encap.h"
#include "frag.h"
#include "handoff.h"
#include "maps.h"
#include "nat.h"
#include "pick.h"
#include "proxy_hint.h"
#include "svc.h"
#include "syn_proxy.h"

/*
 * The port a client's packet goes to on @be: its own, or the backend's;
 * dr and ipip change no port (the tools keep the backends' ports the
 * service's).
 */
static __always_inline __be16 backend_port_of(const struct scmlb_backend *be,
					      __be16 dport, __u8 forward)
{
	return be->port && forward == SCMLB_FWD_NAT ? be->port : dport;
}

static __always_inline __be16 backend_port(const struct scmlb_backend *be,
					   const struct pkt *p, __u8 forward)
{
	return backend_port_of(be, p->dport, forward);
}

/*
 * Track a new flow: the client's entry with its state, and the reply
 * entry a backend's packet finds the VIP by. A TCP flow opening
 * (@state opening) goes to the half-open maps, any other to ct_flows
 * and ct_replies. The reply entry goes in first, so a reply never meets
 * a flow it cannot return. @old, the client's entry of a flow on the
 * same 5-tuple that this one replaces, loses its reply entry: its
 * backend's late packets are not this flow's; and its client's entry
 * when the new one goes to the other maps. @path: SCMLB_FLOW_DIRECT or
 * SCMLB_FLOW_HANDOFF, for both entries. A dr or ipip flow has no reply
 * entry: its backend answers the client directly.
 */
static __always_inline int ct_open(const struct scmlb_flow_key *key,
				   const struct scmlb_flow *old,
				   const struct scmlb_service *svc,
				   const struct scmlb_backend *be,
				   const struct pkt *p, __u8 state, __u8 path)
{
	int opening = state == SCMLB_CT_OPENING, old_opening;
	__u8 half = opening ? SCMLB_FLOW_HALF_OPEN : 0;
	struct scmlb_flow_key rkey;
	struct scmlb_flow f = {
		.last_seen = bpf_jiffies64(),
		.backend_id = be->id,
		.service_id = svc->id,
		.nat_addr = { key->dst_addr },
		.nat_port = key->dst_port,
		.state = state,
		.flags = SCMLB_FLOW_REPLY | path | half,
		.forward = svc->forward,
	};
	__be16 port = backend_port(be, p, svc->forward);
	int reply = ct_has_reply(&f);

	__builtin_memcpy(f.client_mac, p->eth->h_source, ETH_ALEN);
	if (old) {
		old_opening = ct_half_open(old);
		ct_reply_key(&rkey, key, old);
		if (ct_has_reply(old))
			ct_delete(&ct_replies, &ct_opening_rep, old_opening,
				  &rkey);
		if (old_opening != opening)
			ct_delete(&ct_flows, &ct_opening, old_opening, key);
	}
	ct_key(&rkey, be->addr[0], port, key->src_addr, key->src_port,
	       key->proto);
	f.synced = (__u32)f.last_seen;
	if (opening) {
		/* a half-open flow's slot: no allocation, nothing to fail */
		if (reply)
			ct_opening_put(&ct_opening_rep, &rkey, &f);
		f.packets = 1;
		f.nat_addr[0] = be->addr[0];
		f.nat_port = port;
		f.flags = path | half;
		return ct_opening_put(&ct_opening, key, &f);
	}
	/* a full LRU table evicts its oldest entries rather than fail */
	if (reply && bpf_map_update_elem(&ct_replies, &rkey, &f, BPF_ANY))
		return -1;
	f.packets = 1;
	f.nat_addr[0] = be->addr[0];
	f.nat_port = port;
	f.flags = path;
	return bpf_map_update_elem(&ct_flows, key, &f, BPF_ANY) ? -1 : 0;
}

/*
 * A new flow's path: an ipip flow's is always XDP's own (scmlb_tc does
 * not encapsulate), whatever its interfaces.
 */
static __always_inline __u8 fwd_path(__u8 forward, __u32 a, __u32 b)
{
	return forward == SCMLB_FWD_IPIP ? SCMLB_FLOW_DIRECT :
					   handoff_path(a, b);
}

/*
 * The state a packet of @proto with @tcp_flags, which conntrack does not
 * know, opens a flow of @svc in: UDP's; a TCP SYN's, opening (within
 * the global budget of new half-open flows, dos_syn_admit()); on a
 * maglev service any TCP packet's, established (conntrack lost the flow:
 * the table still knows its backend). 0: it opens none.
 */
static __always_inline __u8 new_flow_state(const struct scmlb_service *svc,
					   __u8 proto, __u8 tcp_flags,
					   int *opened)
{
	__u8 state = SCMLB_CT_UDP;

	if (proto == IPPROTO_TCP) {
		state = SCMLB_CT_OPENING;
		if (!tcp_flags_open(tcp_flags)) {
			if (svc->scheduler != SCMLB_SCHED_MAGLEV)
				return 0;
			state = SCMLB_CT_ESTABLISHED;
		}
	}
	if (state == SCMLB_CT_OPENING && !dos_syn_admit(opened))
		return 0;
	return state;
}

/*
 * A packet conntrack does not know: a flow opens in new_flow_state(); a
 * --syn-proxy service's TCP packet goes to the handshake program instead,
 * with its service and whether conntrack holds its 5-tuple at all (@old)
 * in a struct proxy_hint. @ctx: the frame; @path: set to the flow's path,
 * or to SCMLB_FLOW_SYN_PROXY when the handshake program is missing (the
 * frame's pointers are spent then); @forward: to its service's enum
 * scmlb_forward.
 */
static __always_inline const struct scmlb_backend *
lb_new_flow(struct xdp_md *ctx, const struct scmlb_flow_key *key,
	    const struct scmlb_flow *old, const struct pkt *p, int *opened,
	    __u8 *path, __u8 *forward)
{
	const struct scmlb_vip *vip = vip_lookup(p);
	const struct scmlb_service *svc;
	const struct scmlb_backend *be;
	__u8 state;

	if (!vip)
		return NULL;
	svc = service_match(vip, p);
	if (!svc)
		return NULL;
	/* scmlb answers the handshake: no state before a valid cookie */
	if (p->proto == IPPROTO_TCP && (svc->flags & SCMLB_SVC_SYN_PROXY)) {
		proxy_hint_set(ctx, svc->id, old ? 0 : PROXY_HINT_NO_FLOW);
		bpf_tail_call(ctx, &lb_progs4, SCMLB_PROG4_SYN_PROXY);
		*path = SCMLB_FLOW_SYN_PROXY;
		return NULL;
	}
	state = new_flow_state(svc, p->proto, p->tcp_flags, opened);
	if (!state)
		return NULL;
	be = sched_pick(svc, key);
	if (!be)
		return NULL;
	*forward = svc->forward;
	*path = fwd_path(svc->forward, ctx->ingress_ifindex, be->ifindex);
	if (ct_open(key, old, svc, be, p, state, *path))
		return NULL;
	*opened = state != SCMLB_CT_ESTABLISHED;
	return be;
}

/*
 * A TCP packet of a flow whose backend was deleted, on a service that
 * cannot find it again (rr, wrr): dropped, and the flow forgotten, as
 * IPVS's expire_nodest_conn does. The client's next packet is the
 * kernel's, which resets the connection.
 */
static __always_inline int ct_drop_nodest(struct scmlb_stats *st,
					  const struct scmlb_flow_key *key,
					  const struct scmlb_flow *f)
{
	ct_forget(key, f);
	st->nodest_dropped++;
	return XDP_DROP;
}

/*
 * Send a client's packet to @be on @path (enum scmlb_flow_flags), as
 * @forward says; @key: its flow. A --syn-proxy flow's packet
 * (SCMLB_FLOW_SYN_PROXY in @path) handed off is translated by scmlb_tc
 * (syn_proxy_flow()), or here if the driver keeps no metadata.
 *
 * Return: as lb_ingress().
 */
static __always_inline int lb_send(struct xdp_md *ctx, struct scmlb_stats *st,
				   struct pkt *p,
				   const struct scmlb_flow_key *key,
				   const struct scmlb_backend *be, __u8 path,
				   __u8 forward)
{
	const struct scmlb_flow *f;

	__be32 addr;
	__be16 port;
	int act;

	if (unlikely(forward == SCMLB_FWD_IPIP)) {
		addr = ipip_source(key);
		frag_remember(p, be->id, addr, 0, NULL, forward);
		return ipip_send_inline(ctx, st, be, addr);
	}
	/* dr: "rewritten" to the address and port it has */
	addr = forward == SCMLB_FWD_DR ? p->ip->daddr : be->addr[0];
	frag_remember(p, be->id, addr, 0, NULL, forward);

	port = backend_port(be, p, forward);
	/* never NULL here; the verifier cannot tell through the re-parse */
	if (unlikely(!p->l4))
		return XDP_ABORTED;
	if (unlikely(path & SCMLB_FLOW_HANDOFF)) {
		act = handoff(ctx, be->ifindex, addr, port, 0,
			      !!(path & SCMLB_FLOW_SYN_PROXY), be->mac,
			      be->if_mac);
		if (act != SCMLB_CONTINUE)
			return act;
		/* the driver keeps no metadata: XDP redirects it after all */
		if (parse_pkt(ctx, p) < 0 || !p->l4)
			return XDP_ABORTED;
		f = path & SCMLB_FLOW_SYN_PROXY ? ct_client_lookup(key) : NULL;
		if (f && syn_proxy_translate(ctx, tcp_off(p), proxy_nums(f),
					       0) != SCMLB_CONTINUE)
			return XDP_DROP;
	}
	if (port != p->dport)
		nat_rewrite_port(p, 0, port);
	if (addr != p->ip->daddr)
		nat_rewrite_addr(p, &p->ip->daddr, addr);
	nat_set_macs(p, be->if_mac, be->mac);
	return nat_redirect(st, &st->forwarded, be->ifindex);
}

/**
 * lb_ingress() - send a client's packet for a VIP to its backend
 * @ctx: the frame
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet, TCP or UDP, that vip_maybe() let through
 *
 * Conntrack first: a tracked flow's destination is a VIP, so only a
 * packet it does not know pays the lookup of lb_vips (for DoS
 * protection's count as well). ct_flows holds
 * the established flows; a TCP packet it does not know asks the
 * half-open ones next (ct_opening), where the client's ACK of the
 * SYN-ACK promotes its flow to ct_flows (ct_promote()). A flow whose
 * backend is gone (deleted; for UDP also unhealthy) is picked again:
 * UDP and maglev flows move to a live backend with their next packet;
 * rr and wrr TCP flows are dropped (ct_drop_nodest()). Drained backends
 * keep their flows.
 *
 * Return: XDP_REDIRECT with the destination rewritten to the backend,
 * XDP_PASS with the packet handed off to scmlb_tc, XDP_DROP, or
 * SCMLB_CONTINUE for what is not balanced: not for a VIP, no service
 * matches, a TCP packet of an unknown flow that is not a SYN (but on
 * maglev services), no backend available.
 */
static __always_inline int lb_ingress(struct xdp_md *ctx,
				      const struct scmlb_config *cfg,
				      struct scmlb_stats *st, struct pkt *p)
{
	const struct scmlb_backend *be = NULL, *failed = NULL;
	__u8 path = 0, forward = SCMLB_FWD_NAT;
	int opened = 0, act;
	struct scmlb_flow_key key;
	struct scmlb_flow *f;

	ct_key(&key, p->ip->saddr, p->sport, p->ip->daddr, p->dport, p->proto);

	f = ct_client_lookup(&key);
	/* DoS protection first; a tracked flow's packet is surely a VIP's */
	act = dos_check(cfg, st, p, f != NULL);
	if (unlikely(act != SCMLB_CONTINUE))
		return act;
	/* the one test a flow without the proxy pays */
	if (unlikely(f && (f->flags & SCMLB_FLOW_SYN_PROXY))) {
		act = syn_proxy_flow(ctx, p, f, 0);
		if (act != SCMLB_CONTINUE)
			return act;
	}
	if (likely(f)) {
		be = backend_get(f->backend_id);
		if (be && p->proto == IPPROTO_TCP) {
			if (unlikely(!ct_tcp_steady(f, p->tcp_flags))) {
				/* a new SYN on a closed flow: a new connection on a reused port */
				if (tcp_is_open(p) && f->state == SCMLB_CT_CLOSED)
					be = NULL;
				else if (tcp_is_open(p) && ct_half_open(f) &&
					 ct_has_reply(f))
					ct_reply_renew(&key, f);
				/* the client ACKed the SYN-ACK: no longer half-open */
				else if (ct_move_state(f, p, 0) && ct_half_open(f))
					f = ct_promote(&key, f);
			}
		} else if (be && be->health == SCMLB_HEALTH_UNHEALTHY) {
			/* a UDP flow leaves a failing backend, if it can */
			failed = be;
			be = NULL;
		}
		if (likely(be)) {
			ct_count(f);
			forward = f->forward;
			/* a --syn-proxy flow's: lb_send() hands its translation on */
			path = flow_path(f, ctx->ingress_ifindex, be->ifindex) |
			       (f->flags & SCMLB_FLOW_SYN_PROXY);
		}
	}
	if (unlikely(!be)) {
		be = lb_new_flow(ctx, &key, f, p, &opened, &path, &forward);
		/* no handshake program (a broken install): the kernel's */
		if (unlikely(!be && (path & SCMLB_FLOW_SYN_PROXY)))
			return SCMLB_CONTINUE;
		if (!be && failed) {
			/* no live backend to move to: it stays where it was */
			be = failed;
			ct_count(f);
			forward = f->forward;
			path = flow_path(f, ctx->ingress_ifindex, be->ifindex);
		}
		if (!be && f && p->proto == IPPROTO_TCP && !tcp_is_open(p) &&
		    !backend_get(f->backend_id))
			return ct_drop_nodest(st, &key, f);
		if (!be)
			return dos_syn_verdict(st, opened);
	}
	backend_count(be->id, p, 0, opened);
	return lb_send(ctx, st, p, &key, be, path, forward);
}

#endif /* SCMLB_LB_INGRESS_H */
