/* SPDX-License-Identifier: GPL-2.0 */
/* encap.h - dr and ipip services: the client's packet to its backend as it is, by MAC or in IPIP */
#ifndef SCMLB_ENCAP_H
#define SCMLB_ENCAP_H

#include "csum.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"
#include "scmlb_hash.h"

#define ICMP_DEST_UNREACH	3
#define ICMP_FRAG_NEEDED	4
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12

/* <linux/icmp.h> pulls in libc's socket headers, which BPF builds lack. */
struct icmphdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__be32 rest;			/* the next-hop MTU, a pointer, unused */
};

/* The outer header's TTL: a fresh packet of ours, as Linux's default. */
#define ENCAP_TTL 64

/*
 * What a too-big packet's ICMP error quotes past its IP header: a TCP
 * header with a few options, the ports and sequence number the sender
 * needs (RFC 792 asks for 8 bytes; Linux quotes up to 576 in all).
 */
#define ENCAP_QUOTE_L4 64
#define ENCAP_QUOTE_MAX (60 + ENCAP_QUOTE_L4)

/*
 * The outer source of an ipip flow's packets: the same for all of a
 * flow's packets, different across flows (SCMLB_IPIP_SRC_NET).
 */
static __always_inline __be32 ipip_source(const struct scmlb_flow_key *key)
{
	__u32 h = scmlb_flow_hash(key);

	return bpf_htonl(SCMLB_IPIP_SRC_NET | ((h ^ h >> 16) & 0xffff));
}

/* The checksum of a 20-byte IPv4 header whose check field is 0. */
static __always_inline __u16 ip_hdr_csum(const struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;
	int i;

	for (i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += w[i];
	return (__u16)~csum_fold(sum);
}

/* A fresh 20-byte IPv4 header: DF as @frag_off says, checksum made. */
static __always_inline void ip_hdr_fill(struct iphdr *ip, __u8 tos,
					__u16 tot_len, __be16 frag_off,
					__u8 proto, __be32 saddr, __be32 daddr)
{
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = tos;
	ip->tot_len = bpf_htons(tot_len);
	ip->id = 0;
	ip->frag_off = frag_off;
	ip->ttl = ENCAP_TTL;
	ip->protocol = proto;
	ip->check = 0;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = ip_hdr_csum(ip);
}

/**
 * icmp_too_big() - answer a packet that does not fit with "fragmentation needed"
 * @ctx: the frame, an IPv4 packet with DF set, from a client to a VIP
 * @mtu: the next-hop MTU to announce
 *
 * As a router would: the client gets, from the VIP it sent to, an ICMP
 * destination unreachable (fragmentation needed) quoting its packet's
 * IP header and the first ENCAP_QUOTE_L4 bytes after it, back out of
 * the interface it came in on, with the Ethernet addresses swapped.
 * Invalidates every pointer into the frame.
 *
 * Return: XDP_TX, or XDP_DROP when the frame cannot be reshaped.
 */
static __always_inline int icmp_too_big(struct xdp_md *ctx, __u16 mtu)
{
	__u32 hdrs = sizeof(struct iphdr) + sizeof(struct icmphdr);
	__u32 frame_len, ip_len, quote, sum = 0, i;
	struct iphdr *ip, orig_ip;
	struct icmphdr *icmp;
	struct ethhdr *eth;
	__u8 macs[2 * ETH_ALEN];
	void *data, *data_end;
	__u16 *w;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	orig_ip = *ip;
	__builtin_memcpy(macs, eth->h_source, ETH_ALEN);
	__builtin_memcpy(macs + ETH_ALEN, eth->h_dest, ETH_ALEN);
	ip_len = bpf_ntohs(ip->tot_len);
	quote = ip->ihl * 4 + ENCAP_QUOTE_L4;
	if (quote > ip_len)
		quote = ip_len;
	frame_len = data_end - data;
	if (bpf_xdp_adjust_tail(ctx, (int)(ETH_HLEN + quote) - (int)frame_len))
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, -(int)hdrs))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	icmp = (void *)(ip + 1);
	if ((void *)(icmp + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, macs, ETH_ALEN);
	__builtin_memcpy(eth->h_source, macs + ETH_ALEN, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	ip_hdr_fill(ip, 0, hdrs + quote, 0, IPPROTO_ICMP, orig_ip.daddr,
		    orig_ip.saddr);
	icmp->type = ICMP_DEST_UNREACH;
	icmp->code = ICMP_FRAG_NEEDED;
	icmp->checksum = 0;
	icmp->rest = bpf_htonl(mtu);	/* unused 16 bits, then the MTU */

	/* the ICMP checksum covers the message: its header and the quote */
	w = (__u16 *)icmp;
	for (i = 0; i < (sizeof(*icmp) + ENCAP_QUOTE_MAX) / 2; i++) {
		if (2 * i + 1 >= sizeof(*icmp) + quote ||
		    (void *)(w + i + 1) > data_end)
			break;
		sum += w[i];
	}
	/* an odd length: the last byte, padded with a zero */
	if ((quote & 1) && (void *)(w + i) + 1 <= data_end)
		sum += *(__u8 *)(w + i);
	icmp->checksum = (__u16)~csum_fold(sum);
	return XDP_TX;
}

/*
 * Room for an outer header of @len bytes right after the Ethernet header,
 * which then leads to @be as @eth_proto. Invalidates every pointer into
 * the frame. Return: the outer header, or NULL when the frame could not
 * grow (counted in tx_errors).
 */
static __always_inline void *encap_push(struct xdp_md *ctx,
					struct scmlb_stats *st,
					const struct scmlb_backend *be,
					__u32 len, __be16 eth_proto)
{
	struct ethhdr *eth;
	void *outer;

	if (bpf_xdp_adjust_head(ctx, -(int)len)) {
		st->tx_errors++;
		return NULL;
	}
	eth = (void *)(long)ctx->data;
	outer = eth + 1;
	if (outer + len > (void *)(long)ctx->data_end)
		return NULL;
	eth_set_macs(eth, be->if_mac, be->mac);
	eth->h_proto = eth_proto;
	return outer;
}

/* What ipip_encap() did. */
enum encap_result {
	ENCAP_SENT,			/* redirected to the backend */
	ENCAP_ANSWERED,			/* too big: the ICMP error goes back */
	ENCAP_DROPPED,
};

/**
 * ipip_encap() - send a client's packet to its backend in IPIP
 * @ctx:  the frame, an IPv4 packet for a VIP, untouched
 * @st:   this CPU's counters
 * @be:   its backend
 * @src:  the outer source (ipip_source())
 *
 * The outer header: protocol 4, TTL 64, the inner TOS and DF, the
 * checksum made. A packet that would no longer fit the backend's
 * interface (bpf_check_mtu()) is not sent: with DF, its client gets
 * "fragmentation needed" for 20 bytes less (icmp_too_big()), as from a
 * router on the way; without DF (fragmenting is not XDP's to do) and
 * for ICMP errors (never answered with one) it is dropped. Both count
 * in too_big. Inlined where ipip flows' packets go (lb_send()), which
 * spares each a call and its return for 11k more verified
 * instructions; the rarer callers take it through scmlb_ipip_send().
 *
 * Return: enum encap_result, not an action: the compiler cannot fold
 * the caller's mapping to one into the returned register, which the
 * verifier could not tell from SCMLB_CONTINUE.
 */
static __always_inline int ipip_encap(struct xdp_md *ctx,
				      struct scmlb_stats *st,
				      const struct scmlb_backend *be,
				      __be32 src)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;
	struct iphdr *outer, *ip = (void *)(eth + 1);
	__u16 len, outer_len;
	__u8 tos, proto;
	__u32 mtu;
	__be16 df;

	if (!st || !be || (void *)(ip + 1) > data_end)
		return ENCAP_DROPPED;
	len = bpf_ntohs(ip->tot_len);
	df = ip->frag_off & bpf_htons(IP_DF);
	tos = ip->tos;
	proto = ip->protocol;
	outer_len = len + sizeof(*outer);
	mtu = len;
	if (outer_len < len ||
	    bpf_check_mtu(ctx, be->ifindex, &mtu, sizeof(*outer), 0) ==
	    BPF_MTU_CHK_RET_FRAG_NEEDED) {
		st->too_big++;
		if (!df || proto == IPPROTO_ICMP || mtu <= sizeof(*outer))
			return ENCAP_DROPPED;
		return icmp_too_big(ctx, mtu - sizeof(*outer)) == XDP_TX ?
		       ENCAP_ANSWERED : ENCAP_DROPPED;
	}
	outer = encap_push(ctx, st, be, sizeof(*outer), bpf_htons(ETH_P_IP));
	if (!outer)
		return ENCAP_DROPPED;
	ip_hdr_fill(outer, tos, outer_len, df, IPPROTO_IPIP, src, be->addr[0]);
	return nat_redirect(st, &st->forwarded, be->ifindex) == XDP_REDIRECT ?
	       ENCAP_SENT : ENCAP_DROPPED;
}

/*
 * ipip_encap() as a global function: the verifier checks it once, not
 * at each of its callers (a later fragment's, an ICMP error's).
 */
__noinline int scmlb_ipip_send(struct xdp_md *ctx, struct scmlb_stats *st,
			       const struct scmlb_backend *be, __be32 src)
{
	return ipip_encap(ctx, st, be, src);
}

/* An enum encap_result as the XDP action that carries it out. */
static __always_inline int encap_action(int res)
{
	return res == ENCAP_SENT ? XDP_REDIRECT :
	       res == ENCAP_ANSWERED ? XDP_TX : XDP_DROP;
}

/*
 * scmlb_ipip_send() for its callers, as an XDP action. Invalidates every
 * pointer into the frame.
 */
static __always_inline int ipip_send(struct xdp_md *ctx,
				     struct scmlb_stats *st,
				     const struct scmlb_backend *be,
				     __be32 src)
{
	return encap_action(scmlb_ipip_send(ctx, st, be, src));
}

/* ipip_send() inlined: the way of an ipip flow's packets (lb_send()). */
static __always_inline int ipip_send_inline(struct xdp_md *ctx,
					    struct scmlb_stats *st,
					    const struct scmlb_backend *be,
					    __be32 src)
{
	return encap_action(ipip_encap(ctx, st, be, src));
}

/**
 * fwd_send() - send a dr or ipip flow's packet to its backend
 * @ctx:     the frame
 * @st:      this CPU's counters
 * @p:       the parsed packet, as the client sent it
 * @be:      the flow's backend
 * @forward: SCMLB_FWD_DR or SCMLB_FWD_IPIP
 * @src:     ipip: the outer source
 *
 * dr changes only the Ethernet header (as IPVS's direct routing): the
 * backend, on our L2 segment, holds the VIP itself. ipip puts it in an
 * outer header to the backend (ipip_send()).
 *
 * Return: an XDP action.
 */
static __always_inline int fwd_send(struct xdp_md *ctx,
				    struct scmlb_stats *st, struct pkt *p,
				    const struct scmlb_backend *be,
				    __u8 forward, __be32 src)
{
	if (forward == SCMLB_FWD_IPIP)
		return ipip_send(ctx, st, be, src);
	nat_set_macs(p, be->if_mac, be->mac);
	return nat_redirect(st, &st->forwarded, be->ifindex);
}

#endif /* SCMLB_ENCAP_H */
