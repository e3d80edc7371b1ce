/* SPDX-License-Identifier: GPL-2.0 */
/* parse.h - bounds-checked parsing of Ethernet, IPv4 and TCP/UDP headers */
#ifndef SCMLB_PARSE_H
#define SCMLB_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>

#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/* TCP flag bits as they sit in byte 13 of the header */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10
#define TCPF_URG 0x20
#define TCPF_ECE 0x40
#define TCPF_CWR 0x80

/* Where a packet stands in a fragmented datagram. */
enum pkt_frag {
	PKT_WHOLE,
	PKT_FRAG_FIRST,			/* offset 0, more to come: has the ports */
	PKT_FRAG_LATER,			/* no L4 header at all */
};

/*
 * A parsed packet. l4 is set for a whole TCP or UDP header, of an
 * unfragmented packet or of a first fragment: those are balanced (later
 * fragments follow their first, frag.h). has_ports goes with l4.
 */
struct pkt {
	void *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;
	void *l4;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 tcp_flags;
	__u8 has_ports;
	__u8 frag;			/* enum pkt_frag */
};

/**
 * parse_ip() - find the IPv4 header of a frame
 * @ctx: the frame
 * @p:   filled with pointers into the frame, no L4 header yet
 *
 * The first half of parse_pkt(): what the firewall's recall of a
 * flooding source needs (xdp/fw.h), so that its drops skip the rest.
 *
 * Return: 0 for an IPv4 packet, -1 for anything else: not IPv4, or an
 * IPv4 header that is truncated or inconsistent.
 */
static __always_inline int parse_ip(struct xdp_md *ctx, struct pkt *p)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;
	struct iphdr *ip;
	__u32 ip_len, tot_len;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return -1;
	ip_len = ip->ihl * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || ip_len < sizeof(*ip) || tot_len < ip_len ||
	    (void *)ip + tot_len > data_end)
		return -1;

	p->data_end = data_end;
	p->eth = eth;
	p->ip = ip;
	p->l4 = NULL;
	p->proto = ip->protocol;
	p->sport = 0;
	p->dport = 0;
	p->tcp_flags = 0;
	p->has_ports = 0;
	/* later fragments carry no L4 header at all */
	p->frag = ip->frag_off & bpf_htons(IP_OFFSET) ? PKT_FRAG_LATER : PKT_WHOLE;
	return 0;
}

/**
 * parse_l4() - find the TCP or UDP header of a packet parse_ip() took
 * @p: the packet; l4, the ports, the flags and frag are filled in
 */
static __always_inline void parse_l4(struct pkt *p)
{
	struct iphdr *ip = p->ip;
	__u32 ip_len = ip->ihl * 4, tot_len = bpf_ntohs(ip->tot_len);
	void *l4 = (void *)ip + ip_len;

	if (p->frag == PKT_FRAG_LATER)
		return;
	/* the L4 header must lie within tot_len, not just within the frame */
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > p->data_end ||
		    ip_len + sizeof(*th) > tot_len || th->doff < 5)
			return;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->l4 = th;
	} else if (p->proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > p->data_end ||
		    ip_len + sizeof(*uh) > tot_len)
			return;
		p->sport = uh->source;
		p->dport = uh->dest;
		p->l4 = uh;
	} else {
		return;
	}
	p->has_ports = 1;
	if (ip->frag_off & bpf_htons(IP_MF))
		p->frag = PKT_FRAG_FIRST;
}

/**
 * parse_pkt() - find the IPv4 and L4 headers of a frame
 * @ctx: the frame
 * @p:   filled with pointers into the frame
 *
 * Return: 0 for an IPv4 packet (p->l4 NULL when it is not TCP/UDP, is
 * a later fragment or is cut short), -1 for anything else: not IPv4, or
 * an IPv4 header that is truncated or inconsistent.
 */
static __always_inline int parse_pkt(struct xdp_md *ctx, struct pkt *p)
{
	if (parse_ip(ctx, p) < 0)
		return -1;
	parse_l4(p);
	return 0;
}

#endif /* SCMLB_PARSE_H */
