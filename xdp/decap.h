/* SPDX-License-Identifier: GPL-2.0 */
/* decap.h - IPIP and ip6ip6 decapsulation on a backend: the outer header off packets for us */
#ifndef SCMLB_DECAP_STAGE_H
#define SCMLB_DECAP_STAGE_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "scmlb_decap.h"

#define DECAP_AF_INET 2		/* <sys/socket.h> is not for BPF builds */
#define DECAP_AF_INET6 10
#define DECAP_IP_MF 0x2000
#define DECAP_IP_OFFSET 0x1fff

/* Packets by outcome (enum scmlb_decap_stat); read with bpftool map dump. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, SCMLB_DECAP_STATS);
} decap_stats SEC(".maps");

/* The inner packet of an IPIP or ip6ip6 packet: one of the two headers. */
struct decap_inner {
	struct iphdr *ip;
	struct ipv6hdr *ip6;
};

/*
 * decap_parse() for an outer IPv4 header: protocol 4, whole, not a
 * fragment, an IPv4 packet inside that fits it.
 */
static __always_inline __u32 decap_parse4(struct iphdr *outer, void *data_end,
					  __u32 *hlen, struct decap_inner *in)
{
	struct iphdr *ip;
	__u32 tot, in_len;

	if ((void *)(outer + 1) > data_end || outer->version != 4 ||
	    outer->protocol != IPPROTO_IPIP)
		return SCMLB_DECAP_PASSED;
	*hlen = outer->ihl * 4;
	tot = bpf_ntohs(outer->tot_len);
	if (*hlen < sizeof(*outer) || tot < *hlen ||
	    (void *)outer + tot > data_end ||
	    outer->frag_off & bpf_htons(DECAP_IP_MF | DECAP_IP_OFFSET))
		return SCMLB_DECAP_INVALID;
	ip = (void *)outer + *hlen;
	if ((void *)(ip + 1) > data_end)
		return SCMLB_DECAP_INVALID;
	in_len = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || ip->ihl < 5 || in_len < ip->ihl * 4u ||
	    in_len > tot - *hlen)
		return SCMLB_DECAP_INVALID;
	in->ip = ip;
	return SCMLB_DECAP_DECAPSULATED;
}

/*
 * decap_parse() for an outer IPv6 header: next header 41 right after it
 * (as scmlb sends ip6ip6: no extension headers), whole, not a jumbogram,
 * an IPv6 packet inside that fits it.
 */
static __always_inline __u32 decap_parse6(struct ipv6hdr *outer,
					  void *data_end, __u32 *hlen,
					  struct decap_inner *in)
{
	__u32 plen, in_plen;
	struct ipv6hdr *ip6;

	if ((void *)(outer + 1) > data_end || outer->version != 6 ||
	    outer->nexthdr != IPPROTO_IPV6)
		return SCMLB_DECAP_PASSED;
	*hlen = sizeof(*outer);
	plen = bpf_ntohs(outer->payload_len);
	if (!plen || (void *)(outer + 1) + plen > data_end)
		return SCMLB_DECAP_INVALID;
	ip6 = (void *)(outer + 1);
	if ((void *)(ip6 + 1) > data_end)
		return SCMLB_DECAP_INVALID;
	in_plen = bpf_ntohs(ip6->payload_len);
	if (ip6->version != 6 || !in_plen ||
	    sizeof(*ip6) + in_plen > plen)
		return SCMLB_DECAP_INVALID;
	in->ip6 = ip6;
	return SCMLB_DECAP_DECAPSULATED;
}

/**
 * decap_parse() - find the inner header of an IPIP or ip6ip6 packet
 * @ctx:  the frame
 * @hlen: set to the outer header's length
 * @in:   set to the inner header, whole within the outer packet, of the
 *	  outer one's family (scmlb encapsulates within a family)
 *
 * The outer packet must be whole in the frame and not a fragment (only a
 * reassembled datagram could be decapsulated); the inner header must be
 * of the same family, with a length that fits the outer payload. An
 * IPv4 header's checksum is the kernel's to verify, as for any packet
 * it receives.
 *
 * Return: SCMLB_DECAP_DECAPSULATED when both are found,
 * SCMLB_DECAP_PASSED for a frame that is neither, SCMLB_DECAP_INVALID
 * for a broken one.
 */
static __always_inline __u32 decap_parse(struct xdp_md *ctx, __u32 *hlen,
					 struct decap_inner *in)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;

	if ((void *)(eth + 1) > data_end)
		return SCMLB_DECAP_PASSED;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return decap_parse4((void *)(eth + 1), data_end, hlen, in);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return decap_parse6((void *)(eth + 1), data_end, hlen, in);
	return SCMLB_DECAP_PASSED;
}

/**
 * decap_is_local() - whether the kernel keeps the inner packet rather than forwards it
 * @ctx: the frame, for its ingress interface
 * @in:  the inner header
 *
 * The kernel's own routing decides, as it will for the inner packet
 * arriving on this interface, so addresses added or removed later count
 * at once (a map of local addresses would go stale). A local address
 * routes to the local table: BPF_FIB_LKUP_RET_NOT_FWDED, as do broadcast
 * and unroutable destinations, which the kernel also never forwards. With
 * forwarding off on the interface (IPv4's or IPv6's) the helper answers
 * BPF_FIB_LKUP_RET_FWD_DISABLED before it looks: the kernel then forwards
 * nothing that arrives there, so no inner packet can leave the host again
 * either (6.18 checks that first whatever the flags). Everything
 * else would be forwarded: it stays encapsulated. Not a
 * BPF_FIB_LOOKUP_DIRECT lookup in the local table alone: a miss there
 * answers NOT_FWDED too.
 *
 * Return: true or false.
 */
static __always_inline bool decap_is_local(struct xdp_md *ctx,
					   const struct decap_inner *in)
{
	struct bpf_fib_lookup fib = { .ifindex = ctx->ingress_ifindex };
	const struct ipv6hdr *ip6 = in->ip6;
	const struct iphdr *ip = in->ip;
	long rc;

	if (ip6) {
		fib.family = DECAP_AF_INET6;
		/* the flow label, without version and traffic class */
		fib.flowinfo = *(const __be32 *)ip6 & bpf_htonl(0x000fffff);
		fib.l4_protocol = ip6->nexthdr;
		fib.tot_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		__builtin_memcpy(fib.ipv6_src, &ip6->saddr, sizeof(fib.ipv6_src));
		__builtin_memcpy(fib.ipv6_dst, &ip6->daddr, sizeof(fib.ipv6_dst));
	} else if (ip) {
		fib.family = DECAP_AF_INET;
		fib.tos = ip->tos;
		fib.l4_protocol = ip->protocol;
		fib.tot_len = bpf_ntohs(ip->tot_len);
		fib.ipv4_src = ip->saddr;
		fib.ipv4_dst = ip->daddr;
	} else {
		return false;
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	return rc == BPF_FIB_LKUP_RET_NOT_FWDED ||
	       rc == BPF_FIB_LKUP_RET_FWD_DISABLED;
}

/**
 * decap_strip() - take the outer header off, the Ethernet header kept
 * @ctx:  the frame, parsed by decap_parse()
 * @hlen: the outer header's length
 *
 * Return: 0, or -1 when the frame could not be changed (it is untouched).
 */
static __always_inline int decap_strip(struct xdp_md *ctx, __u32 hlen)
{
	struct ethhdr *eth = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr copy;

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(&copy, eth, sizeof(copy));
	if (bpf_xdp_adjust_head(ctx, hlen))
		return -1;
	eth = (void *)(long)ctx->data;
	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return -1;	/* never: the inner header follows */
	__builtin_memcpy(eth, &copy, sizeof(copy));
	return 0;
}

/**
 * decap_count() - count a packet's outcome
 * @what: enum scmlb_decap_stat
 */
static __always_inline void decap_count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&decap_stats, &what);

	if (n)
		(*n)++;
}

/**
 * decap_ipip() - an IPIP or ip6ip6 packet for this host becomes its inner packet
 * @ctx: the frame
 *
 * The Ethernet header stays as it is: its type is the inner packet's
 * too.
 *
 * Return: enum scmlb_decap_stat, what became of it.
 */
static __always_inline __u32 decap_ipip(struct xdp_md *ctx)
{
	struct decap_inner in = { NULL, NULL };
	__u32 hlen = 0, what;

	what = decap_parse(ctx, &hlen, &in);
	if (what != SCMLB_DECAP_DECAPSULATED)
		return what;
	if (!decap_is_local(ctx, &in))
		return SCMLB_DECAP_NOT_LOCAL;
	return decap_strip(ctx, hlen) ? SCMLB_DECAP_INVALID :
					SCMLB_DECAP_DECAPSULATED;
}

#endif /* SCMLB_DECAP_STAGE_H */
