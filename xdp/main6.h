/* SPDX-License-Identifier: GPL-2.0 */
/* main6.h - the IPv6 program's stages: count, link traffic, balance or return */
#ifndef SCMLB_MAIN6_H
#define SCMLB_MAIN6_H

#include "counter.h"
#include "dos.h"
#include "fw6.h"
#include "icmp6.h"
#include "lb_egress6.h"
#include "lb_ingress6.h"
#include "maps.h"
#include "parse6.h"
#include "svc.h"

/* The stat6_pkts entry of an IPv6 packet; @p NULL: not parsed. */
static __always_inline __u32 stat6_proto(const struct pkt6 *p)
{
	if (!p)
		return SCMLB_STAT_OTHER;
	if (p->proto == IPPROTO_TCP)
		return SCMLB_STAT_TCP;
	if (p->proto == IPPROTO_UDP)
		return SCMLB_STAT_UDP;
	if (p->proto == IPPROTO_ICMPV6)
		return SCMLB_STAT_ICMP;
	return SCMLB_STAT_OTHER;
}

/*
 * Count a packet the kernel gets in its protocol's counters (rx and
 * passed): what IPv6 cannot or need not balance.
 */
static __always_inline int main6_pass(const struct pkt6 *p)
{
	__u32 proto = stat6_proto(p);
	struct scmlb_stats *st = bpf_map_lookup_elem(&stat6_pkts, &proto);

	if (st) {
		count_packet(st, proto);
		st->passed++;
	}
	return XDP_PASS;
}

/*
 * Whether @ctx's IPv6 frame needs only counting and passing: TCP or UDP
 * without extension headers, whole, on the upstream, to no VIP, from a
 * source no firewall network can hold, with no DoS policy and no
 * backends behind the upstream. Most IPv6 traffic of a host is such, and
 * it then costs less than parsing it. @vip_hinted: whether the VIP hint
 * holds the destination, when that was looked up (else left alone).
 * Return: the frame's L4 protocol if so, else 0.
 */
static __always_inline int main6_plain(struct xdp_md *ctx,
				       const struct scmlb_config *cfg,
				       int *vip_hinted)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);

	if ((void *)(ip6 + 1) > data_end ||
	    ctx->ingress_ifindex != cfg->upstream_ifindex ||
	    (cfg->flags & SCMLB_CFG_UPSTREAM_BACKENDS) || cfg->dos_policies ||
	    (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP) ||
	    ip6->version != 6 || !ip6->payload_len ||
	    (void *)(ip6 + 1) + bpf_ntohs(ip6->payload_len) > data_end)
		return 0;
	*vip_hinted = vip_addr_hinted(ip6->daddr.in6_u.u6_addr32);
	if (*vip_hinted || fw6_addr_covered(cfg, ip6->saddr.in6_u.u6_addr32[0]))
		return 0;
	return ip6->nexthdr;
}

/*
 * An IPv6 frame's way to the IPv6 program (lb_progs6): scmlb_entry's,
 * and scmlb_main's for what the entry of an older scmlb sent it.
 * Returns only for another frame, or when the slot is empty (a program
 * of layout 4.4).
 */
static __always_inline void main6_jump(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;

	if ((void *)(eth + 1) <= data_end &&
	    eth->h_proto == bpf_htons(ETH_P_IPV6))
		bpf_tail_call(ctx, &lb_progs6, SCMLB_PROG6_MAIN);
}

/**
 * main6() - an IPv6 frame through the data plane
 * @ctx: the frame; scmlb_entry (or scmlb_main) tail-called us for its
 *       ethertype
 *
 * As scmlb_main: on the upstream, counter -> firewall -> DoS protection
 * -> LB ingress, a later fragment after its first, ICMPv6 errors; on a
 * backend-facing interface, replies (LB egress). What the link itself
 * needs (neighbour discovery, MLD, multicast, link-local sources) goes
 * to the kernel first, so that no rule can cut a node off its link.
 *
 * Return: an XDP action.
 */
static __always_inline int main6(struct xdp_md *ctx)
{
	const struct scmlb_config *cfg;
	int one_arm, for_vip = 0, vip_hinted = -1, act;
	struct scmlb_stats *st;
	__u32 zero = 0, proto;
	struct pkt6 p;

	cfg = bpf_map_lookup_elem(&lb_config, &zero);
	if (!cfg)
		return XDP_PASS;
	p.proto = main6_plain(ctx, cfg, &vip_hinted);
	if (p.proto)
		return main6_pass(&p);
	/* as IPv4's: a backend's side counts only what it returns */
	if (parse_ip6(ctx, &p) < 0)
		return ctx->ingress_ifindex == cfg->upstream_ifindex ?
		       main6_pass(NULL) : XDP_PASS;
	proto = stat6_proto(&p);
	st = bpf_map_lookup_elem(&stat6_pkts, &proto);
	if (!st)
		return XDP_PASS;

	if (ctx->ingress_ifindex != cfg->upstream_ifindex) {
		parse_l4_6(&p);
		if (p.proto == IPPROTO_ICMPV6)
			icmp6_jump(ctx, &p);
		act = lb_egress6(ctx, cfg, st, &p);
		return act == SCMLB_CONTINUE ? XDP_PASS : act;
	}

	count_packet(st, proto);
	if (ip6_link_traffic(&p)) {
		st->passed++;
		return XDP_PASS;
	}
	act = SCMLB_CONTINUE;
	one_arm = cfg->flags & SCMLB_CFG_UPSTREAM_BACKENDS;
	if (one_arm) {
		parse_l4_6(&p);
		/* one-arm: backends' replies come in here too, unfiltered */
		for_vip = vip6_maybe(&p);
		if (!(for_vip && vip6_lookup(&p)))
			act = lb_egress6(ctx, cfg, st, &p);
	} else {
		parse_l4_6(&p);
	}
	/* one-arm: the backends' replies are not client traffic */
	if (act == SCMLB_CONTINUE)
		act = fw6_check(cfg, st, &p);
	/* after the firewall: a dropped packet never pays for the VIP check */
	if (act == SCMLB_CONTINUE && !one_arm)
		for_vip = p.l4 && (vip_hinted >= 0 ? vip_hinted :
				   vip_addr_hinted(ip6_daddr(&p)));
	/* lb_ingress6() counts its packets after its conntrack lookup */
	if (act == SCMLB_CONTINUE && !for_vip)
		act = dos6_check(cfg, st, &p, 0);
	if (act == SCMLB_CONTINUE && for_vip)
		act = lb_ingress6(ctx, cfg, st, &p);
	else if (act == SCMLB_CONTINUE && p.frag == PKT_FRAG_LATER &&
		 vip_addr_hinted(ip6_daddr(&p))) {
		act = frag6_follow(ctx, cfg, st, &p, 0);
		/* before its first fragment, or without one: the kernel's */
		st->frags_unmatched += act == SCMLB_CONTINUE;
	} else if (act == SCMLB_CONTINUE && p.proto == IPPROTO_ICMPV6) {
		icmp6_jump(ctx, &p);	/* returns for what is no error */
	}
	if (act == SCMLB_CONTINUE) {
		st->passed++;
		return XDP_PASS;
	}
	return act;
}

#endif /* SCMLB_MAIN6_H */
