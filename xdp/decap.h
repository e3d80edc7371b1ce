/* SPDX-License-Identifier: GPL-2.0 */
/* decap.h - IPIP decapsulation on a backend: the outer IPv4 header off packets for this host */
#ifndef SCMLB_DECAP_STAGE_H
#define SCMLB_DECAP_STAGE_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "scmlb_decap.h"

#define DECAP_AF_INET 2		/* <sys/socket.h> is not for BPF builds */
#define DECAP_IP_MF 0x2000
#define DECAP_IP_OFFSET 0x1fff

/* Packets by outcome (enum scmlb_decap_stat); read with bpftool map dump. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, SCMLB_DECAP_STATS);
} decap_stats SEC(".maps");

/**
 * decap_parse() - find the inner IPv4 header of an IPIP packet
 * @ctx:   the frame
 * @hlen:  set to the outer IPv4 header's length
 * @inner: set to the inner header, whole within the outer packet
 *
 * The outer packet must be whole in the frame and not a fragment (only a
 * reassembled datagram could be decapsulated); the inner header must be
 * IPv4 with a length that fits the outer payload. Its checksum is the
 * kernel's to verify, as for any packet it receives.
 *
 * Return: SCMLB_DECAP_DECAPSULATED when both are found,
 * SCMLB_DECAP_PASSED for a frame that is not IPIP, SCMLB_DECAP_INVALID
 * for a broken one.
 */
static __always_inline __u32 decap_parse(struct xdp_md *ctx, __u32 *hlen,
					 struct iphdr **inner)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;
	struct iphdr *outer, *in;
	__u32 tot, in_len;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return SCMLB_DECAP_PASSED;
	outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > data_end || outer->version != 4 ||
	    outer->protocol != IPPROTO_IPIP)
		return SCMLB_DECAP_PASSED;
	*hlen = outer->ihl * 4;
	tot = bpf_ntohs(outer->tot_len);
	if (*hlen < sizeof(*outer) || tot < *hlen ||
	    (void *)outer + tot > data_end ||
	    outer->frag_off & bpf_htons(DECAP_IP_MF | DECAP_IP_OFFSET))
		return SCMLB_DECAP_INVALID;
	in = (void *)outer + *hlen;
	if ((void *)(in + 1) > data_end)
		return SCMLB_DECAP_INVALID;
	in_len = bpf_ntohs(in->tot_len);
	if (in->version != 4 || in->ihl < 5 || in_len < in->ihl * 4u ||
	    in_len > tot - *hlen)
		return SCMLB_DECAP_INVALID;
	*inner = in;
	return SCMLB_DECAP_DECAPSULATED;
}

/**
 * decap_is_local() - whether the kernel keeps @inner rather than forwards it
 * @ctx:   the frame, for its ingress interface
 * @inner: the inner IPv4 header
 *
 * The kernel's own routing decides, as it will for the inner packet
 * arriving on this interface, so addresses added or removed later count
 * at once (a map of local addresses would go stale). A local address
 * routes to the local table: BPF_FIB_LKUP_RET_NOT_FWDED, as do broadcast
 * and unroutable destinations, which the kernel also never forwards. With
 * forwarding off on the interface the helper answers
 * BPF_FIB_LKUP_RET_FWD_DISABLED before it looks: the kernel then forwards
 * nothing that arrives there, so no inner packet can leave the host again
 * either (6.18 checks that first whatever the flags). Everything
 * else would be forwarded: it stays IPIP. Not a BPF_FIB_LOOKUP_DIRECT
 * lookup in the local table alone: a miss there answers NOT_FWDED too.
 *
 * Return: true or false.
 */
static __always_inline bool decap_is_local(struct xdp_md *ctx,
					   const struct iphdr *inner)
{
	struct bpf_fib_lookup fib = {
		.family = DECAP_AF_INET,
		.tos = inner->tos,
		.l4_protocol = inner->protocol,
		.tot_len = bpf_ntohs(inner->tot_len),
		.ipv4_src = inner->saddr,
		.ipv4_dst = inner->daddr,
		.ifindex = ctx->ingress_ifindex,
	};
	long rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);

	return rc == BPF_FIB_LKUP_RET_NOT_FWDED ||
	       rc == BPF_FIB_LKUP_RET_FWD_DISABLED;
}

/**
 * decap_strip() - take the outer IPv4 header off, the Ethernet header kept
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
 * decap_ipip() - an IPIP packet for this host becomes its inner packet
 * @ctx: the frame
 *
 * Return: enum scmlb_decap_stat, what became of it.
 */
static __always_inline __u32 decap_ipip(struct xdp_md *ctx)
{
	struct iphdr *inner = NULL;
	__u32 hlen = 0, what;

	what = decap_parse(ctx, &hlen, &inner);
	if (what != SCMLB_DECAP_DECAPSULATED)
		return what;
	if (!decap_is_local(ctx, inner))
		return SCMLB_DECAP_NOT_LOCAL;
	return decap_strip(ctx, hlen) ? SCMLB_DECAP_INVALID :
					SCMLB_DECAP_DECAPSULATED;
}

#endif /* SCMLB_DECAP_STAGE_H */
