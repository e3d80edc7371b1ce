/* SPDX-License-Identifier: GPL-2.0 */
/* main6.h - the IPv6 program's stages: count, link traffic, balance or return */
#ifndef SCMLB_MAIN6_H
#define SCMLB_MAIN6_H

#include "counter.h"
#include "maps.h"
#include "parse6.h"

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
 * scmlb_main's way to the IPv6 program (lb_progs6), for an IPv6 frame;
 * returns only when the slot is empty (a program of layout 4.4).
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
 * @ctx: the frame; scmlb_main tail-called us for its ethertype
 *
 * Return: an XDP action.
 */
static __always_inline int main6(struct xdp_md *ctx)
{
	struct pkt6 p;

	if (parse_ip6(ctx, &p) < 0)
		return main6_pass(NULL);
	return main6_pass(&p);
}

#endif /* SCMLB_MAIN6_H */
