/* SPDX-License-Identifier: GPL-2.0 */
/* lb_ingress6.h - balance IPv6 client packets for a VIP over its service's backends */
#ifndef SCMLB_LB_INGRESS6_H
#define SCMLB_LB_INGRESS6_H

#include "ct6.h"
#include "encap6.h"
#include "frag6.h"
#include "handoff.h"
#include "lb_ingress.h"
#include "nat.h"
#include "pick.h"
#include "svc.h"
#include "syn_proxy.h"

/* backend_count_len() of an IPv6 packet: its IP bytes, header included. */
static __always_inline void backend6_count(__u32 id, const struct pkt6 *p,
					   int from_backend, int opened)
{
	backend_count_len(id, p->ip_len, from_backend, opened);
}

/*
 * ct_open() of an IPv6 flow: the reply entry first, the client's then;
 * @old, a flow on the same 5-tuple this one replaces, loses its entries.
 */
static __always_inline int ct6_open(const struct scmlb_flow6_key *key,
				    const struct scmlb_flow *old,
				    const struct scmlb_service *svc,
				    const struct scmlb_backend *be,
				    const struct pkt6 *p, __u8 state, __u8 path)
{
	int opening = state == SCMLB_CT_OPENING, old_opening;
	__u8 half = opening ? SCMLB_FLOW_HALF_OPEN : 0;
	struct scmlb_flow6_key rkey;
	struct scmlb_flow f = {
		.last_seen = bpf_jiffies64(),
		.backend_id = be->id,
		.service_id = svc->id,
		.nat_port = key->dst_port,
		.state = state,
		.flags = SCMLB_FLOW_REPLY | path | half,
		.forward = svc->forward,
	};
	__be16 port = backend_port_of(be, p->dport, svc->forward);
	int reply = ct_has_reply(&f);

	__builtin_memcpy(f.nat_addr, key->dst_addr, sizeof(f.nat_addr));
	__builtin_memcpy(f.client_mac, p->eth->h_source, ETH_ALEN);
	if (old) {
		old_opening = ct_half_open(old);
		ct6_reply_key(&rkey, key, old);
		if (ct_has_reply(old))
			ct6_delete(&ct6_replies, &ct6_opening_rep, old_opening,
				   &rkey);
		if (old_opening != opening)
			ct6_delete(&ct6_flows, &ct6_opening, old_opening, key);
	}
	ct6_key(&rkey, be->addr, port, key->src_addr, key->src_port,
		key->proto);
	f.synced = (__u32)f.last_seen;
	if (opening && reply)
		ct6_opening_put(&ct6_opening_rep, &rkey, &f);
	/* a full LRU table evicts its oldest entries rather than fail */
	else if (reply && bpf_map_update_elem(&ct6_replies, &rkey, &f, BPF_ANY))
		return -1;
	f.packets = 1;
	__builtin_memcpy(f.nat_addr, be->addr, sizeof(f.nat_addr));
	f.nat_port = port;
	f.flags = path | half;
	if (opening)
		return ct6_opening_put(&ct6_opening, key, &f);
	return bpf_map_update_elem(&ct6_flows, key, &f, BPF_ANY) ? -1 : 0;
}

/*
 * lb_new_flow() of an IPv6 packet: the same services, schedulers and
 * SYN budget (one for both families); a --syn-proxy service's TCP
 * packet goes to IPv6's handshake program.
 */
static __always_inline const struct scmlb_backend *
lb_new_flow6(struct xdp_md *ctx, const struct scmlb_flow6_key *key,
	     const struct scmlb_flow *old, const struct pkt6 *p, int *opened,
	     __u8 *path, __u8 *forward)
{
	const struct scmlb_vip *vip = vip6_lookup(p);
	const struct scmlb_service *svc;
	const struct scmlb_backend *be;
	__u8 state;

	if (!vip)
		return NULL;
	svc = service6_match(vip, p);
	if (!svc)
		return NULL;
	/* scmlb answers the handshake: no state before a valid cookie */
	if (p->proto == IPPROTO_TCP && (svc->flags & SCMLB_SVC_SYN_PROXY)) {
		proxy_hint_set(ctx, svc->id, old ? 0 : PROXY_HINT_NO_FLOW);
		bpf_tail_call(ctx, &lb_progs6, SCMLB_PROG6_SYN_PROXY);
		*path = SCMLB_FLOW_SYN_PROXY;
		return NULL;
	}
	state = new_flow_state(svc, p->proto, p->tcp_flags, opened);
	if (!state)
		return NULL;
	be = sched6_pick(svc, key);
	/* a backend of the other family (older tools): never NATed to */
	if (!be || be->family != SCMLB_AF_INET6)
		return NULL;
	*forward = svc->forward;
	*path = fwd_path(svc->forward, ctx->ingress_ifindex, be->ifindex);
	if (ct6_open(key, old, svc, be, p, state, *path))
		return NULL;
	*opened = state != SCMLB_CT_ESTABLISHED;
	return be;
}

/*
 * lb_send() of an IPv6 client's packet: to @be on @path, as @forward
 * says; @key: its flow. A --syn-proxy flow's packet (SCMLB_FLOW_SYN_PROXY
 * in @path) handed off is translated by scmlb_tc, or here if the driver
 * keeps no metadata. Return: as lb_ingress6().
 */
static __always_inline int lb_send6(struct xdp_md *ctx, struct scmlb_stats *st,
				    struct pkt6 *p,
				    const struct scmlb_flow6_key *key,
				    const struct scmlb_backend *be, __u8 path,
				    __u8 forward)
{
	const __be32 *addr;
	__be16 port;
	int act;

	if (forward == SCMLB_FWD_IPIP) {
		/* its later fragments need only the hash (frag6_follow()) */
		scmlb_addr_t hash = { scmlb_flow6_hash(key) };

		frag6_remember(p, be->id, hash, 0, NULL, forward);
		return ip6ip6_send(ctx, st, be, hash[0], p->proto);
	}
	/* dr: "rewritten" to the address and port it has */
	addr = forward == SCMLB_FWD_DR ? key->dst_addr : be->addr;
	frag6_remember(p, be->id, addr, 0, NULL, forward);

	port = backend_port_of(be, p->dport, forward);
	/* never NULL here; the verifier cannot tell through the re-parse */
	if (!p->l4)
		return XDP_ABORTED;
	if (path & SCMLB_FLOW_HANDOFF) {
		act = handoff6(ctx, p, be->ifindex, addr, port, 0,
			       !!(path & SCMLB_FLOW_SYN_PROXY), be->mac,
			       be->if_mac);
		/* the driver keeps no metadata: XDP redirects it after all */
		if (act != SCMLB_CONTINUE)
			return act;
		if ((path & SCMLB_FLOW_SYN_PROXY) &&
		    syn_proxy6_translate(ctx, p, key, 0) != SCMLB_CONTINUE)
			return XDP_DROP;
	}
	if (port != p->dport)
		nat6_rewrite_port(p, 0, port);
	if (forward == SCMLB_FWD_NAT)
		nat6_rewrite_addr(p, p->ip6->daddr.in6_u.u6_addr32, addr);
	eth_set_macs(p->eth, be->if_mac, be->mac);
	return nat_redirect(st, &st->forwarded, be->ifindex);
}

/**
 * lb_ingress6() - send an IPv6 client's packet for a VIP to its backend
 * @ctx: the frame
 * @cfg: the instance's configuration
 * @st:  this CPU's counters (stat6_pkts)
 * @p:   the parsed packet, TCP or UDP, that vip6_maybe() let through
 *
 * As lb_ingress(), over ct6_flows and ct6_opening. nat: the destination
 * address (and port) rewritten, the L4 checksum updated over the
 * pseudo-header; dr: the MACs only.
 *
 * Return: XDP_REDIRECT, XDP_PASS (handed off to scmlb_tc), XDP_DROP, or
 * SCMLB_CONTINUE for what is not balanced.
 */
static __always_inline int lb_ingress6(struct xdp_md *ctx,
				       const struct scmlb_config *cfg,
				       struct scmlb_stats *st, struct pkt6 *p)
{
	const struct scmlb_backend *be = NULL, *failed = NULL;
	__u8 path = 0, forward = SCMLB_FWD_NAT;
	struct scmlb_flow6_key key;
	int opened = 0, act;
	struct scmlb_flow *f;

	ct6_key(&key, ip6_saddr(p), p->sport, ip6_daddr(p), p->dport,
		p->proto);

	f = ct6_client_lookup(&key);
	/* DoS protection first; a tracked flow's packet is surely a VIP's */
	act = dos6_check(cfg, st, p, f != NULL);
	if (act != SCMLB_CONTINUE)
		return act;
	/* the one test a flow without the proxy pays */
	if (f && (f->flags & SCMLB_FLOW_SYN_PROXY)) {
		act = syn_proxy6_flow(ctx, p, &key, f, 0);
		if (act != SCMLB_CONTINUE)
			return act;
	}
	if (f) {
		be = backend_get(f->backend_id);
		if (be && p->proto == IPPROTO_TCP) {
			if (!ct_tcp_steady(f, p->tcp_flags)) {
				/* a new SYN on a closed flow: a new connection on a reused port */
				if (tcp_flags_open(p->tcp_flags) &&
				    f->state == SCMLB_CT_CLOSED)
					be = NULL;
				else if (tcp_flags_open(p->tcp_flags) &&
					 ct_half_open(f) && ct_has_reply(f))
					ct6_reply_renew(&key, f);
				/* the client ACKed the SYN-ACK: no longer half-open */
				else if (ct6_move_state(f, p, 0) &&
					 ct_half_open(f))
					f = ct6_promote(&key, f);
			}
		} else if (be && be->health == SCMLB_HEALTH_UNHEALTHY) {
			/* a UDP flow leaves a failing backend, if it can */
			failed = be;
			be = NULL;
		}
		if (be) {
			ct_count(f);
			forward = f->forward;
			/* a --syn-proxy flow's: lb_send6() hands its translation on */
			path = flow_path(f, ctx->ingress_ifindex, be->ifindex) |
			       (f->flags & SCMLB_FLOW_SYN_PROXY);
		}
	}
	if (!be) {
		be = lb_new_flow6(ctx, &key, f, p, &opened, &path, &forward);
		/* no handshake program (a broken install): the kernel's */
		if (!be && (path & SCMLB_FLOW_SYN_PROXY))
			return SCMLB_CONTINUE;
		if (!be && failed) {
			be = failed;
			ct_count(f);
			forward = f->forward;
			path = flow_path(f, ctx->ingress_ifindex, be->ifindex);
		}
		if (!be && f && p->proto == IPPROTO_TCP &&
		    !tcp_flags_open(p->tcp_flags) &&
		    !backend_get(f->backend_id)) {
			ct6_forget(&key, f);
			st->nodest_dropped++;
			return XDP_DROP;
		}
		if (!be)
			return dos_syn_verdict(st, opened);
	}
	backend6_count(be->id, p, 0, opened);
	return lb_send6(ctx, st, p, &key, be, path, forward);
}

#endif /* SCMLB_LB_INGRESS6_H */
