/* SPDX-License-Identifier: GPL-2.0 */
/* encap6.h - ipip services over IPv6: ip6ip6 to the backend, Packet Too Big to the client */
#ifndef SCMLB_ENCAP6_H
#define SCMLB_ENCAP6_H

#include <linux/ipv6.h>

#include "csum.h"
#include "encap.h"
#include "maps.h"
#include "nat.h"
#include "parse6.h"

#define ICMPV6_DEST_UNREACH	1
#define ICMPV6_PKT_TOOBIG	2
#define ICMPV6_TIME_EXCEED	3
#define ICMPV6_PARAMPROB	4

/* <linux/icmpv6.h> needs <asm/byteorder.h>'s bitfields; only this is used. */
struct icmp6_hdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__be32 rest;			/* the MTU, a pointer, unused */
};

/* IPv6's minimum link MTU: no path may announce less (RFC 8200, 5). */
#define IPV6_MIN_MTU 1280

/*
 * A Packet Too Big quotes as much of the packet as fits in IPV6_MIN_MTU
 * (RFC 4443, 2.4 c), as Linux's own do: 1232 bytes. Always there: only
 * packets over 1280 bytes are ever too big for an announced MTU.
 */
#define ICMP6_QUOTE (IPV6_MIN_MTU - sizeof(struct ipv6hdr) - \
		     sizeof(struct icmp6_hdr))

/* bpf_csum_diff() sums at most 512 bytes a call. */
#define CSUM_DIFF_MAX 512

/*
 * The outer source of an ipip flow's packets over IPv6: 2001:2::/48
 * (SCMLB_IPIP6_SRC_NET) with 16 bits of the flow's hash right below, as
 * ipip_source() for IPv4.
 */
static __always_inline void ip6ip6_source(__be32 *src, __u32 hash)
{
	src[0] = bpf_htonl(SCMLB_IPIP6_SRC_NET);
	src[1] = bpf_htonl((hash ^ hash >> 16) & 0xffff);
	src[2] = 0;
	src[3] = 0;
}

/*
 * Version, traffic class and flow label: the first word of an IPv6
 * header.
 */
static __always_inline void ip6_set_first_word(struct ipv6hdr *ip6, __u8 tc,
					       __u32 flow_label)
{
	*(__be32 *)ip6 = bpf_htonl(6U << 28 | (__u32)tc << 20 |
				   (flow_label & 0xfffff));
}

static __always_inline __u8 ip6_traffic_class(const struct ipv6hdr *ip6)
{
	return bpf_ntohl(*(const __be32 *)ip6) >> 20 & 0xff;
}

/* Fold a 64-bit ones' complement sum into 16 bits. */
static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return csum_fold((__u32)sum);
}

/**
 * scmlb_icmp6_too_big() - answer a packet that does not fit with Packet Too Big
 * @ctx: the frame, an IPv6 packet over IPV6_MIN_MTU bytes, from a client
 *	 to a VIP
 * @mtu: the MTU to announce, at least IPV6_MIN_MTU
 *
 * As a router would: the client gets, from the VIP it sent to, an
 * ICMPv6 Packet Too Big quoting the first ICMP6_QUOTE bytes of its
 * packet, back out of the interface it came in on, with the Ethernet
 * addresses swapped. Invalidates every pointer into the frame. A global
 * function: its checksum loop is verified once.
 *
 * Return: XDP_TX, or XDP_DROP when the frame cannot be reshaped.
 */
__noinline int scmlb_icmp6_too_big(struct xdp_md *ctx, __u32 mtu)
{
	__u32 hdrs = sizeof(struct ipv6hdr) + sizeof(struct icmp6_hdr);
	__u32 frame_len, plen = sizeof(struct icmp6_hdr) + ICMP6_QUOTE;
	struct ipv6hdr *ip6, orig;
	__u8 macs[2 * ETH_ALEN];
	struct icmp6_hdr *icmp;
	void *data, *data_end;
	struct ethhdr *eth;
	__s64 sum;
	__u8 *msg;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > data_end || mtu < IPV6_MIN_MTU)
		return XDP_DROP;
	orig = *ip6;
	__builtin_memcpy(macs, eth->h_source, ETH_ALEN);
	__builtin_memcpy(macs + ETH_ALEN, eth->h_dest, ETH_ALEN);
	frame_len = data_end - data;
	if (frame_len < ETH_HLEN + ICMP6_QUOTE ||
	    bpf_xdp_adjust_tail(ctx, (int)(ETH_HLEN + ICMP6_QUOTE) -
				(int)frame_len) ||
	    bpf_xdp_adjust_head(ctx, -(int)hdrs))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	icmp = (void *)(ip6 + 1);
	msg = (void *)icmp;
	if (msg + plen > (__u8 *)data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, macs, ETH_ALEN);
	__builtin_memcpy(eth->h_source, macs + ETH_ALEN, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	ip6_set_first_word(ip6, 0, 0);
	ip6->payload_len = bpf_htons(plen);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = ENCAP_TTL;
	ip6->saddr = orig.daddr;
	ip6->daddr = orig.saddr;
	icmp->type = ICMPV6_PKT_TOOBIG;
	icmp->code = 0;
	icmp->checksum = 0;
	icmp->rest = bpf_htonl(mtu);

	/* the pseudo-header: addresses, length, next header; then it all */
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&ip6->saddr,
			    2 * sizeof(ip6->saddr), 0);
	if (sum >= 0)
		sum = bpf_csum_diff(NULL, 0, (__be32 *)msg, CSUM_DIFF_MAX,
				    sum);
	if (sum >= 0)
		sum = bpf_csum_diff(NULL, 0, (__be32 *)(msg + CSUM_DIFF_MAX),
				    CSUM_DIFF_MAX, sum);
	if (sum >= 0)
		sum = bpf_csum_diff(NULL, 0,
				    (__be32 *)(msg + 2 * CSUM_DIFF_MAX),
				    plen - 2 * CSUM_DIFF_MAX, sum);
	if (sum < 0)
		return XDP_DROP;
	icmp->checksum = ~csum_fold64((__u32)sum + (__u64)bpf_htonl(plen) +
				      bpf_htonl(IPPROTO_ICMPV6));
	return XDP_TX;
}

/**
 * scmlb_ip6ip6_send() - send a client's IPv6 packet to its backend in ip6ip6
 * @ctx:   the frame, an IPv6 packet for a VIP, untouched
 * @st:    this CPU's counters
 * @be:    its backend
 * @hash:  the flow's hash (scmlb_flow6_hash() of the client's key)
 * @proto: the packet's upper-layer protocol
 *
 * The outer header: next header 41, hop limit 64, the inner traffic
 * class, the source from ip6ip6_source() and a flow label from @hash,
 * so that a backend's RSS spreads flows over its queues. A packet that
 * would no longer fit the backend's interface (bpf_check_mtu()) is not
 * sent: IPv6 routers never fragment, so its client gets a Packet Too
 * Big for 40 bytes less (scmlb_icmp6_too_big()), unless that is below
 * IPV6_MIN_MTU or the packet is an ICMPv6 error itself: then it is
 * dropped. Both count in too_big. A global function: the verifier
 * checks it once, not at each caller.
 *
 * Return: enum encap_result.
 */
__noinline int scmlb_ip6ip6_send(struct xdp_md *ctx, struct scmlb_stats *st,
				 const struct scmlb_backend *be, __u32 hash,
				 __u8 proto)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;
	struct ipv6hdr *outer, *ip6 = (void *)(eth + 1);
	__u32 len, mtu;
	__u8 tc;

	if (!st || !be || (void *)(ip6 + 1) > data_end)
		return ENCAP_DROPPED;
	len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	tc = ip6_traffic_class(ip6);
	mtu = len;
	if (len + sizeof(*outer) > 0xffff ||
	    bpf_check_mtu(ctx, be->ifindex, &mtu, sizeof(*outer), 0) ==
	    BPF_MTU_CHK_RET_FRAG_NEEDED) {
		st->too_big++;
		if (proto == IPPROTO_ICMPV6 ||
		    mtu < IPV6_MIN_MTU + sizeof(*outer))
			return ENCAP_DROPPED;
		return scmlb_icmp6_too_big(ctx, mtu - sizeof(*outer)) ==
		       XDP_TX ? ENCAP_ANSWERED : ENCAP_DROPPED;
	}
	outer = encap_push(ctx, st, be, sizeof(*outer), bpf_htons(ETH_P_IPV6));
	if (!outer)
		return ENCAP_DROPPED;
	ip6_set_first_word(outer, tc, hash);
	outer->payload_len = bpf_htons(len);
	outer->nexthdr = IPPROTO_IPV6;
	outer->hop_limit = ENCAP_TTL;
	ip6ip6_source(outer->saddr.in6_u.u6_addr32, hash);
	__builtin_memcpy(&outer->daddr, be->addr, sizeof(outer->daddr));
	return nat_redirect(st, &st->forwarded, be->ifindex) == XDP_REDIRECT ?
	       ENCAP_SENT : ENCAP_DROPPED;
}

/*
 * scmlb_ip6ip6_send() for its callers, as an XDP action. Invalidates
 * every pointer into the frame.
 */
static __always_inline int ip6ip6_send(struct xdp_md *ctx,
				       struct scmlb_stats *st,
				       const struct scmlb_backend *be,
				       __u32 hash, __u8 proto)
{
	return encap_action(scmlb_ip6ip6_send(ctx, st, be, hash, proto));
}

/**
 * fwd6_send() - send a dr or ipip flow's IPv6 packet to its backend
 * @ctx:     the frame
 * @st:      this CPU's counters
 * @p:       the parsed packet, as the client sent it
 * @be:      the flow's backend
 * @forward: SCMLB_FWD_DR or SCMLB_FWD_IPIP
 * @hash:    the flow's hash (ipip: the outer source and flow label)
 *
 * fwd_send() for IPv6: dr changes only the Ethernet header, ipip puts
 * the packet in an outer IPv6 header (ip6ip6_send()).
 *
 * Return: an XDP action.
 */
static __always_inline int fwd6_send(struct xdp_md *ctx,
				     struct scmlb_stats *st, struct pkt6 *p,
				     const struct scmlb_backend *be,
				     __u8 forward, __u32 hash)
{
	if (forward == SCMLB_FWD_IPIP)
		return ip6ip6_send(ctx, st, be, hash, p->proto);
	eth_set_macs(p->eth, be->if_mac, be->mac);
	return nat_redirect(st, &st->forwarded, be->ifindex);
}

#endif /* SCMLB_ENCAP6_H */
