/* SPDX-License-Identifier: GPL-2.0 */
/* syn_proxy.h - a --syn-proxy flow's packets: sequence and timestamp translation */
#ifndef SCMLB_SYN_PROXY_H
#define SCMLB_SYN_PROXY_H

#include "csum.h"
#include "ct.h"
#include "ct6.h"
#include "maps.h"
#include "parse.h"

/* TCP option kinds and lengths the proxy reads or writes */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_OK 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCPOLEN_TS 10

/*
 * Options walked per packet: NOP NOP TS NOP NOP SACK is six; a packet
 * with more leaves the rest untranslated (no stack sends one).
 */
#define PROXY_OPTS_MAX 8
#define PROXY_SACK_BLOCKS 4

/* The options of Linux's segments once timestamps are on. */
#define PROXY_NOP_NOP_TS 0x0101080a

/* Add @delta to the 32-bit field at @field, fixing the TCP checksum. */
static __always_inline void proxy_shift32(struct tcphdr *th, __be32 *field,
					  __u32 delta)
{
	__be32 old = *field, new = bpf_htonl(bpf_ntohl(old) + delta);

	*field = new;
	th->check = csum_replace4(th->check, old, new);
}

/*
 * One option of a proxied flow's packet, at @offs >> 8 in the frame, its
 * TCP header at @offs & 0xff: a SACK option's edges get @sack_delta (a
 * client's acknowledge the backend's bytes), a timestamp option's word
 * @ts_word (0 TSval, 1 TSecr) @ts_delta. A function of its own, not
 * inlined: the verifier checks it once, not for each option of the walk.
 *
 * Return: 0, or -1 when the header is not in the frame.
 */
__noinline int syn_proxy_opt(struct xdp_md *ctx, __u32 offs, __u32 sack_delta,
			     __u32 ts_delta, __u32 ts_word)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *th = data + (offs & 0xff);
	__u8 *o = data + ((offs >> 8) & 0xff);
	__u32 j, edges;

	if ((void *)(th + 1) > data_end || (void *)(o + 2) > data_end)
		return -1;
	if (o[0] == TCPOPT_TS && o[1] == TCPOLEN_TS && ts_delta) {
		if ((void *)(o + TCPOLEN_TS) > data_end)
			return -1;
		proxy_shift32(th, (__be32 *)(ts_word ? o + 6 : o + 2),
			      ts_delta);
	} else if (o[0] == TCPOPT_SACK && sack_delta) {
		edges = (o[1] - 2) / 4;
		for (j = 0; j < PROXY_SACK_BLOCKS * 2 && j < edges; j++) {
			if ((void *)(o + 2 + 4 * j + 4) > data_end)
				return -1;
			proxy_shift32(th, (__be32 *)(o + 2 + 4 * j),
				      sack_delta);
		}
	}
	return 0;
}

/*
 * Shift what a packet's options say about the other side (as
 * syn_proxy_opt()). Linux's segments carry NOP NOP TS alone, shifted
 * in place; any other layout is walked.
 */
static __always_inline void proxy_opts_shift(struct xdp_md *ctx, __u32 th_off,
					     struct tcphdr *th, __u32 sack_delta,
					     __u32 ts_word, __u32 ts_delta)
{
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = th->doff * 4, off = sizeof(*th), i;
	__be32 *w = (__be32 *)(th + 1);
	__u8 *o;

	if (len == sizeof(*th) + 12 && (void *)(w + 3) <= data_end &&
	    w[0] == bpf_htonl(PROXY_NOP_NOP_TS)) {
		if (ts_delta)
			proxy_shift32(th, ts_word ? &w[2] : &w[1], ts_delta);
		return;
	}
	for (i = 0; i < PROXY_OPTS_MAX && off < len; i++) {
		o = (__u8 *)th + (off & 0x3f);
		if ((void *)(o + 2) > data_end || o[0] == TCPOPT_EOL)
			return;
		if (o[0] == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (o[1] < 2)
			return;
		if (syn_proxy_opt(ctx, th_off | (th_off + off) << 8, sack_delta,
				  ts_delta, ts_word))
			return;
		off += o[1];
	}
}

/**
 * syn_proxy_shift() - translate a proxied flow's established packet
 * @ctx:      the frame
 * @th_off:   where its TCP header starts
 * @seq:      the flow's proxy_seq
 * @ts:       its proxy_ts
 * @reply:    0 for a client's packet; a backend's: 1 | its window scale
 *            (proxy_wscale) << 8 (BPF functions take five arguments)
 *
 * A client's acknowledgment, SACK blocks and echoed timestamp move from
 * scmlb's cookie's numbers to the backend's; a backend's sequence
 * number and TSval the other way, and its window to the scale scmlb
 * offered the client. Not inlined: the verifier checks it once, not on
 * every path of scmlb_main.
 *
 * Return: 0, or -1 when the header is not in the frame.
 */
__noinline int syn_proxy_shift(struct xdp_md *ctx, __u32 th_off, __u32 seq,
			       __u32 ts, __u32 reply)
{
	__u32 wscale = reply >> 8;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *th = (void *)(long)ctx->data + (th_off & 0xff);
	__u32 win;
	__be16 nwin;

	if ((void *)(th + 1) > data_end)
		return -1;
	if (!reply) {
		if (th->ack)
			proxy_shift32(th, &th->ack_seq, seq);
		proxy_opts_shift(ctx, th_off & 0xff, th, seq, 1, ts);
		return 0;
	}
	proxy_shift32(th, &th->seq, -seq);
	if (wscale != SCMLB_SYN_PROXY_WSCALE && wscale != 0xff) {
		win = (__u32)bpf_ntohs(th->window) << (wscale & 15) >>
		      SCMLB_SYN_PROXY_WSCALE;
		nwin = bpf_htons(win > 0xffff ? 0xffff : win);
		th->check = csum_replace2(th->check, th->window, nwin);
		th->window = nwin;
	}
	proxy_opts_shift(ctx, th_off & 0xff, th, 0, 0, -ts);
	return 0;
}

/* A flow entry's offsets (IPv4's, in its nat_addr). */
static __always_inline struct scmlb_proxy_nums *
proxy_nums(const struct scmlb_flow *f)
{
	return (struct scmlb_proxy_nums *)&f->proxy_seq;
}

/*
 * syn_proxy_shift() of the TCP header at @th_off, with @n's numbers:
 * SCMLB_CONTINUE or XDP_DROP.
 */
static __always_inline int syn_proxy_translate(struct xdp_md *ctx, __u32 th_off,
					       const struct scmlb_proxy_nums *n,
					       int reply)
{
	if (syn_proxy_shift(ctx, th_off, n->proxy_seq, n->proxy_ts,
			    reply ? 1 | n->proxy_wscale << 8 : 0))
		return XDP_DROP;
	return SCMLB_CONTINUE;
}

/* Where an IPv4 packet's TCP header starts in its frame. */
static __always_inline __u32 tcp_off(const struct pkt *p)
{
	return sizeof(struct ethhdr) + p->ip->ihl * 4;
}

/* Whether a proxied flow's backend completed its handshake. */
static __always_inline int proxy_ready(const struct scmlb_flow *f)
{
	return f->flags & SCMLB_FLOW_SYN_ACKED;
}

/**
 * syn_proxy_flow() - a packet of a --syn-proxy flow, either side's
 * @ctx:   the frame
 * @p:     the packet, TCP
 * @f:     the entry of its direction: the client's, or the reply entry
 * @reply: a backend's packet
 *
 * Once the backend's handshake is complete, the packet is translated
 * (syn_proxy_shift()), unless its flow is handed off: scmlb_tc
 * translates those (handoff_apply()), with the kernel's checksum
 * helpers, since a local sender's partial checksum must not be shifted
 * and XDP cannot tell one. A SYN or SYN-ACK, and anything before then, goes
 * to the handshake program: the backend's SYN-ACK is answered there, a
 * client's SYN gets a new cookie, and a client's data is dropped (it
 * retransmits; its cookie sends the SYN to the backend again).
 *
 * Return: SCMLB_CONTINUE to forward the packet, or XDP_DROP.
 */
static __always_inline int syn_proxy_flow(struct xdp_md *ctx,
					  const struct pkt *p,
					  const struct scmlb_flow *f, int reply)
{
	if (!proxy_ready(f) || (p->tcp_flags & TCPF_SYN)) {
		bpf_tail_call(ctx, &lb_progs4, SCMLB_PROG4_SYN_PROXY);
		return XDP_DROP;
	}
	if (f->flags & SCMLB_FLOW_HANDOFF)
		return SCMLB_CONTINUE;
	return syn_proxy_translate(ctx, tcp_off(p), proxy_nums(f), reply);
}

/*
 * syn_proxy_translate() of an IPv6 packet, with the numbers ct6_proxy
 * holds under @key, its flow's client key: SCMLB_CONTINUE, or XDP_DROP
 * when they are gone or the packet has extension headers.
 */
static __always_inline int syn_proxy6_translate(struct xdp_md *ctx,
						const struct pkt6 *p,
						const struct scmlb_flow6_key *key,
						int reply)
{
	const struct scmlb_proxy_nums *n;

	if (p->l3_len != sizeof(struct ipv6hdr))
		return XDP_DROP;
	n = bpf_map_lookup_elem(&ct6_proxy, key);
	if (!n)
		return XDP_DROP;
	return syn_proxy_translate(ctx, sizeof(struct ethhdr) +
				   sizeof(struct ipv6hdr), n, reply);
}

/**
 * syn_proxy6_flow() - a packet of an IPv6 --syn-proxy flow, either side's
 * @ctx:   the frame
 * @p:     the packet, TCP
 * @key:   its flow's client key, where ct6_proxy holds its numbers
 * @f:     the entry of its direction
 * @reply: a backend's packet
 *
 * As syn_proxy_flow(), through lb_progs6; a handed-off flow's packet
 * is translated by scmlb_tc (lb_send6(), reply6_send()). A packet with extension
 * headers is dropped: translation reads the TCP header right after the
 * IPv6 header, as every handshake packet has it. A flow whose numbers
 * are gone cannot go on: the client's entry is forgotten, so that its
 * next packet is reset.
 *
 * Return: SCMLB_CONTINUE to forward the packet, or XDP_DROP.
 */
static __always_inline int syn_proxy6_flow(struct xdp_md *ctx,
					   const struct pkt6 *p,
					   const struct scmlb_flow6_key *key,
					   struct scmlb_flow *f, int reply)
{
	const struct scmlb_proxy_nums *n;

	if (!proxy_ready(f) || (p->tcp_flags & TCPF_SYN)) {
		bpf_tail_call(ctx, &lb_progs6, SCMLB_PROG6_SYN_PROXY);
		return XDP_DROP;
	}
	if (p->l3_len != sizeof(struct ipv6hdr))
		return XDP_DROP;
	n = bpf_map_lookup_elem(&ct6_proxy, key);
	if (!n) {
		if (!reply)
			ct6_forget(key, f);
		return XDP_DROP;
	}
	if (f->flags & SCMLB_FLOW_HANDOFF)
		return SCMLB_CONTINUE;
	/* the numbers just read: one lookup of ct6_proxy a packet */
	return syn_proxy_translate(ctx, sizeof(struct ethhdr) +
				   sizeof(struct ipv6hdr), n, reply);
}

/*
 * scmlb_tc's copy of a TCP header: room for 60 bytes, and for an option
 * walk's reads past its end at a masked offset (the verifier's bound).
 */
#define PROXY_TC_HDR 104

/* Add @delta to the big-endian word at @w, a byte at a time (any offset). */
static __always_inline void proxy_add32(__u8 *w, __u32 delta)
{
	__u32 v = ((__u32)w[0] << 24 | (__u32)w[1] << 16 | (__u32)w[2] << 8 |
		   w[3]) + delta;

	w[0] = v >> 24;
	w[1] = v >> 16;
	w[2] = v >> 8;
	w[3] = v;
}

/*
 * syn_proxy_shift() on a copy @hdr of a TCP header of @len bytes,
 * checksum aside: @f's numbers, a backend's packet if @reply.
 */
static __always_inline void proxy_tc_shift(__u8 *hdr, __u32 len,
					   const struct scmlb_proxy_nums *f,
					   int reply)
{
	__u32 seq = f->proxy_seq, ts = reply ? -f->proxy_ts : f->proxy_ts;
	__u32 off = sizeof(struct tcphdr), olen, win, i, j;
	__u8 wscale = f->proxy_wscale, *o;

	if (!reply) {
		if (hdr[13] & TCPF_ACK)
			proxy_add32(hdr + 8, seq);
	} else {
		proxy_add32(hdr + 4, -seq);
		if (wscale != SCMLB_SYN_PROXY_WSCALE && wscale != 0xff) {
			win = ((__u32)hdr[14] << 8 | hdr[15]) << (wscale & 15) >>
			      SCMLB_SYN_PROXY_WSCALE;
			win = win > 0xffff ? 0xffff : win;
			hdr[14] = win >> 8;
			hdr[15] = win;
		}
	}
	for (i = 0; i < PROXY_OPTS_MAX && off < len; i++) {
		o = hdr + (off & 63);
		if (o[0] == TCPOPT_EOL)
			return;
		if (o[0] == TCPOPT_NOP) {
			off++;
			continue;
		}
		olen = o[1];
		if (olen < 2 || off + olen > len)
			return;
		if (o[0] == TCPOPT_TS && olen == TCPOLEN_TS && ts)
			proxy_add32(reply ? o + 2 : o + 6, ts);
		else if (o[0] == TCPOPT_SACK && !reply)
			for (j = 0; j < PROXY_SACK_BLOCKS * 2 &&
				    2 + 4 * j + 4 <= olen; j++)
				proxy_add32(o + 2 + 4 * j, seq);
		off += olen;
	}
}

/*
 * The numbers of a handed-off packet's flow: IPv4's in the entry its own
 * tuple finds (@ip its header); IPv6's in ct6_proxy under the client's
 * key, which a backend's packet (@reply) names with @vip and @vport,
 * the source scmlb_tc gives it. @ports: the TCP header's first word.
 */
static __always_inline const struct scmlb_proxy_nums *
proxy_tc_nums(struct __sk_buff *skb, const struct iphdr *ip, const __u8 *ports,
	      int reply, const __be32 *vip, __be16 vport)
{
	__be16 sport = *(__be16 *)ports, dport = *(__be16 *)(ports + 2);
	struct scmlb_flow6_key key6;
	const struct scmlb_flow *f;
	struct scmlb_flow_key key;
	scmlb_addr_t a[2];

	if (ip) {
		ct_key(&key, ip->saddr, sport, ip->daddr, dport, IPPROTO_TCP);
		f = bpf_map_lookup_elem(reply ? (void *)&ct_replies :
						(void *)&ct_flows, &key);
		return f && (f->flags & SCMLB_FLOW_SYN_PROXY) ? proxy_nums(f) :
								NULL;
	}
	if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr) +
			       offsetof(struct ipv6hdr, saddr), a, sizeof(a)))
		return NULL;
	if (reply)
		ct6_key(&key6, a[1], dport, vip, vport, IPPROTO_TCP);
	else
		ct6_key(&key6, a[0], sport, a[1], dport, IPPROTO_TCP);
	return bpf_map_lookup_elem(&ct6_proxy, &key6);
}

/**
 * syn_proxy_tc() - translate a handed-off packet of a --syn-proxy flow
 * @skb:      at scmlb_tc, not rewritten yet
 * @ip:       its IPv4 header; NULL: an IPv6 packet
 * @l4:       where its TCP header starts
 * @csum_off: where its checksum is
 * @reply:    a backend's packet
 * @vip:      IPv6: the address a backend's packet gets as its source
 * @vport:    and its port
 *
 * As syn_proxy_shift(), with the numbers of the flow (proxy_tc_nums())
 * and the kernel's checksum helper, which leaves a partial checksum
 * alone: a local sender's, a TSO packet's.
 *
 * Return: 0, or -1 when the packet cannot be read or written or its
 * flow is gone.
 */
static __always_inline int syn_proxy_tc(struct __sk_buff *skb,
					const struct iphdr *ip, __u32 l4,
					__u32 csum_off, int reply,
					const __be32 *vip, __be16 vport)
{
	__u8 hdr[PROXY_TC_HDR] = {}, old[PROXY_TC_HDR] = {};
	const struct scmlb_proxy_nums *n;
	__u32 len, opts;
	__s64 diff;

	if (bpf_skb_load_bytes(skb, l4, hdr, sizeof(struct tcphdr)))
		return -1;
	len = (hdr[12] >> 4) * 4;
	opts = (len - sizeof(struct tcphdr)) & 63;
	if (len < sizeof(struct tcphdr) || opts > 40)
		return -1;
	if (opts && bpf_skb_load_bytes(skb, l4 + sizeof(struct tcphdr),
				       hdr + sizeof(struct tcphdr), opts))
		return -1;
	n = proxy_tc_nums(skb, ip, hdr, reply, vip, vport);
	if (!n)
		return -1;
	__builtin_memcpy(old, hdr, 60);
	proxy_tc_shift(hdr, len, n, reply);
	diff = bpf_csum_diff((__be32 *)old, 60, (__be32 *)hdr, 60, 0);
	if (diff < 0 || bpf_l4_csum_replace(skb, csum_off, 0, diff, 0))
		return -1;
	/* seq, ack, flags and window; the options; never the checksum */
	if (bpf_skb_store_bytes(skb, l4 + 4, hdr + 4, 12, 0))
		return -1;
	if (opts && bpf_skb_store_bytes(skb, l4 + sizeof(struct tcphdr),
					hdr + sizeof(struct tcphdr), opts, 0))
		return -1;
	return 0;
}

#endif /* SCMLB_SYN_PROXY_H */
