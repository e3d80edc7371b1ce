// SPDX-License-Identifier: GPL-2.0
/* scmlb.bpf.c - entry points: the per-interface entry and the main program */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "compiler.h"
#include "counter.h"
#include "dos.h"
#include "frag.h"
#include "fw.h"
#include "handoff.h"
#include "icmp.h"
#include "lb_egress.h"
#include "lb_ingress.h"
#include "main6.h"
#include "maps.h"
#include "parse.h"
#include "svc.h"
#include "syn_proxy_hs.h"

/*
 * Attached to every interface through libxdp. It only jumps to the main
 * program, so that scmlb-attach can replace the main program on all
 * interfaces at once by swapping one prog-array slot. An IPv6 frame goes
 * straight to IPv6's program: one tail call for either family (the entry
 * an older scmlb attached, kept by a live upgrade, sends it through
 * scmlb_main, which jumps on).
 */
SEC("xdp")
int scmlb_entry(struct xdp_md *ctx)
{
	main6_jump(ctx);
	bpf_tail_call(ctx, &lb_progs, SCMLB_PROG_MAIN);
	return XDP_PASS;	/* no main program yet: the kernel's packet */
}

/* Run first in a dispatcher; XDP_PASS hands the packet on down the chain. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(scmlb_entry);

/*
 * Upstream packets run the chain counter -> firewall -> DoS protection ->
 * LB ingress (for packets to a VIP; a VIP's TCP and UDP packets are
 * counted by LB ingress after its conntrack lookup); packets on
 * backend-facing interfaces are replies (LB egress).
 */
SEC("xdp")
int scmlb_main(struct xdp_md *ctx)
{
	const struct scmlb_config *cfg;
	struct scmlb_stats *st;
	int one_arm, fw_covered, for_vip = 0;
	__u32 zero = 0, proto;
	struct pkt p;
	int act;

	cfg = bpf_map_lookup_elem(&lb_config, &zero);
	if (unlikely(!cfg))
		return XDP_PASS;

	/* each protocol's counters apart: what became of TCP, of UDP, ... */
	if (ctx->ingress_ifindex != cfg->upstream_ifindex) {
		if (parse_pkt(ctx, &p) < 0) {
			/* only what is not IPv4 pays for looking for IPv6 */
			main6_jump(ctx);
			return XDP_PASS;
		}
		proto = stat_proto(&p);
		st = bpf_map_lookup_elem(&stat_pkts, &proto);
		if (!st)
			return XDP_PASS;
		act = lb_egress(ctx, cfg, st, &p);
		return act == SCMLB_CONTINUE ? XDP_PASS : act;
	}

	if (unlikely(parse_ip(ctx, &p) < 0)) {
		/* IPv6's program; without one, IPv6 is "other" here */
		main6_jump(ctx);
		proto = stat_proto(NULL);
		st = bpf_map_lookup_elem(&stat_pkts, &proto);
		if (!st)
			return XDP_PASS;
		count_packet(st, proto);
		st->passed++;
		return XDP_PASS;
	}
	proto = stat_proto(&p);
	st = bpf_map_lookup_elem(&stat_pkts, &proto);
	if (unlikely(!st))
		return XDP_PASS;
	count_packet(st, proto);
	act = SCMLB_CONTINUE;
	one_arm = cfg->flags & SCMLB_CFG_UPSTREAM_BACKENDS;
	if (unlikely(one_arm)) {
		parse_l4(&p);
		/*
		 * One-arm: backends behind the upstream reply through it.
		 * Their replies are not client traffic: no firewall, no DoS
		 * counting.
		 */
		for_vip = vip_maybe(&p);
		if (!(for_vip && vip_lookup(&p)))
			act = lb_egress(ctx, cfg, st, &p);
		if (act == SCMLB_CONTINUE)
			act = fw_check(cfg, st, &p);
	} else {
		/*
		 * A flooding source this CPU remembers is dropped before
		 * its L4 header is even looked at: the cheapest drop.
		 */
		fw_covered = fw_source_covered(cfg, &p);
		if (unlikely(fw_covered) && fw_recall(cfg, st, &p) == XDP_DROP)
			return XDP_DROP;
		parse_l4(&p);
		if (unlikely(fw_covered))
			act = fw_walk_check(cfg, st, &p);
	}
	/* after the firewall: a dropped packet never pays for the VIP check */
	if (act == SCMLB_CONTINUE && !one_arm)
		for_vip = vip_maybe(&p);
	/* lb_ingress() counts its packets after its conntrack lookup */
	if (act == SCMLB_CONTINUE && !for_vip)
		act = dos_check(cfg, st, &p, 0);
	if (likely(act == SCMLB_CONTINUE && for_vip))
		act = lb_ingress(ctx, cfg, st, &p);
	else if (act == SCMLB_CONTINUE && p.frag == PKT_FRAG_LATER &&
		 vip_hinted(p.ip->daddr)) {
		act = frag_follow(ctx, cfg, st, &p, 0);
		/* before its first fragment, or without one: the kernel's */
		st->frags_unmatched += act == SCMLB_CONTINUE;
	} else if (act == SCMLB_CONTINUE && p.proto == IPPROTO_ICMP) {
		act = icmp_ingress(ctx, st, &p);
	}
	if (act == SCMLB_CONTINUE) {
		st->passed++;
		return XDP_PASS;
	}
	return act;
}

/*
 * IPv6 frames, from scmlb_entry (or scmlb_main) through lb_progs6: a
 * verifier budget of its own, and IPv4's program stays as it was.
 */
SEC("xdp")
int scmlb_main6(struct xdp_md *ctx)
{
	return main6(ctx);
}

/*
 * ICMPv6 errors about IPv6 flows, from scmlb_main6 (lb_progs6): a
 * verifier budget of their own.
 */
SEC("xdp")
int scmlb_icmp6(struct xdp_md *ctx)
{
	return icmp6_main(ctx);
}

/*
 * The SYN proxy's handshakes, in lb_progs4's SCMLB_PROG4_SYN_PROXY slot:
 * scmlb_main tail-calls it for a --syn-proxy service's packets that are
 * not an established flow's, so that its verifier budget stays its own.
 */
SEC("xdp")
int scmlb_syn_proxy(struct xdp_md *ctx)
{
	return syn_proxy_handshake(ctx);
}

/*
 * IPv6's SYN proxy handshakes, in lb_progs6's SCMLB_PROG6_SYN_PROXY slot
 * (layout 4.7): scmlb_main6 tail-calls it as scmlb_main does IPv4's.
 */
SEC("xdp")
int scmlb_syn_proxy6(struct xdp_md *ctx)
{
	return syn_proxy_handshake6(ctx);
}

/*
 * At tc ingress on every interface scmlb is attached to: rewrites and
 * redirects the packets scmlb_main handed off (xdp/handoff.h); every
 * other packet goes on to the next filter.
 */
SEC("tc")
int scmlb_tc(struct __sk_buff *skb)
{
	return handoff_apply(skb);
}

/*
 * Never attached: scmlb-attach test-runs it to read jiffies and the
 * monotonic clock together, so the tools can turn the data plane's
 * jiffies into time.
 */
SEC("xdp")
int scmlb_clock(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *out = (void *)(long)ctx->data;

	if ((void *)(out + 2) > data_end)
		return XDP_ABORTED;
	out[0] = bpf_jiffies64();
	out[1] = bpf_ktime_get_ns();
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
