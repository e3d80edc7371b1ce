/* SPDX-License-Identifier: GPL-2.0 */
/* syn_proxy_hs.h - a --syn-proxy service's handshakes: cookie SYN-ACK, SYN and ACK to the backend */
#ifndef SCMLB_SYN_PROXY_HS_H
#define SCMLB_SYN_PROXY_HS_H

#include "ct.h"
#include "lb_ingress.h"
#include "lb_ingress6.h"
#include "main6.h"
#include "maps.h"
#include "parse.h"
#include "pick.h"
#include "proxy_hint.h"
#include "svc.h"
#include "syn_proxy.h"

/*
 * Linux's cookie_init_timestamp(): the low bits of scmlb's TSval carry
 * what the cookie cannot, the client's window scale (15: none) and
 * SACK-permitted, so that its ACK brings them back.
 */
#define PROXY_TS_BITS 6
#define PROXY_TS_WSCALE_NONE 0xf
#define PROXY_TS_SACK 0x10

/*
 * A built frame: Ethernet, IPv4 without options or IPv6 without
 * extension headers, TCP with 20 bytes of options (a RST: none).
 */
#define PROXY_OPT_WORDS 5
#define PROXY_TCP_LEN (sizeof(struct tcphdr) + 4 * PROXY_OPT_WORDS)

#define PROXY_NOPS 0x01010101

/*
 * The MSS values a cookie encodes, index 0..3, 16 bits each: the
 * kernel's msstab for IPv4, msstab6 for IPv6. Constants, not tables: a
 * static table beside the skeleton's .rodata breaks its BTF (clang 14).
 */
#define PROXY_MSSTAB4 (536ULL | 1300ULL << 16 | 1440ULL << 32 | 1460ULL << 48)
#define PROXY_MSSTAB6 (1220ULL | 1420ULL << 16 | 1440ULL << 32 | 8940ULL << 48)
#define PROXY_MSS(v6, i) \
	((__u16)(((v6) ? PROXY_MSSTAB6 : PROXY_MSSTAB4) >> (16 * (i))))
/* What a handshake packet says in its options. */
struct proxy_opts {
	__u16 mss;			/* 0: none */
	__u8 wscale;			/* PROXY_TS_WSCALE_NONE: none */
	__u8 sack_ok;
	__u8 has_ts;
	__u32 tsval;			/* host order */
	__u32 tsecr;
};

/* A frame to build in place of the one that came. */
struct proxy_out {
	__u8 dmac[ETH_ALEN];
	__u8 smac[ETH_ALEN];
	scmlb_addr_t saddr;		/* IPv4: word 0 */
	scmlb_addr_t daddr;
	__u8 v6;
	__be16 sport;
	__be16 dport;
	__u32 seq;			/* host order */
	__u32 ack;
	__u16 window;
	__u8 flags;			/* TCPF_* */
	__u8 no_opts;			/* a RST: a bare 20-byte header */
	__be32 opt[PROXY_OPT_WORDS];
};

/*
 * Read a handshake packet's MSS, window scale, SACK-permitted and
 * timestamps; its TCP header is at @th_off. Not inlined: the verifier
 * checks the option walk once for the program's three callers.
 *
 * Return: 0, or -1 when @o is NULL or the header not in the frame.
 */
__attribute__((noinline)) int proxy_opts_get(struct xdp_md *ctx,
					     __u32 th_off,
					     struct proxy_opts *o)
{
	void *data_end = (void *)(long)ctx->data_end;
	const __u8 *base = (void *)(long)ctx->data + (th_off & 0xff), *c;
	const struct tcphdr *th = (const void *)base;
	__u32 len, off = sizeof(*th), olen;
	int i;

	if (!o)
		return -1;
	if ((void *)(th + 1) > data_end)
		return -1;
	len = th->doff * 4;
	o->mss = 0;
	o->wscale = PROXY_TS_WSCALE_NONE;
	o->sack_ok = 0;
	o->has_ts = 0;
	o->tsval = o->tsecr = 0;
	for (i = 0; i < PROXY_OPTS_MAX; i++) {
		if (off >= len || off > 60)
			return 0;
		c = base + off;
		if ((void *)(c + 2) > data_end || c[0] == TCPOPT_EOL)
			return 0;
		if (c[0] == TCPOPT_NOP) {
			off++;
			continue;
		}
		olen = c[1];
		if (olen < 2)
			return 0;
		if (c[0] == TCPOPT_MSS && olen == 4) {
			if ((void *)(c + 4) > data_end)
				return 0;
			o->mss = c[2] << 8 | c[3];
		} else if (c[0] == TCPOPT_WSCALE && olen == 3) {
			if ((void *)(c + 3) > data_end)
				return 0;
			o->wscale = c[2] > 14 ? 14 : c[2];
		} else if (c[0] == TCPOPT_SACK_OK && olen == 2) {
			o->sack_ok = 1;
		} else if (c[0] == TCPOPT_TS && olen == TCPOLEN_TS) {
			if ((void *)(c + TCPOLEN_TS) > data_end)
				return 0;
			o->has_ts = 1;
			o->tsval = (__u32)c[2] << 24 | c[3] << 16 | c[4] << 8 |
				   c[5];
			o->tsecr = (__u32)c[6] << 24 | c[7] << 16 | c[8] << 8 |
				   c[9];
		}
		off += olen;
	}
	return 0;
}

/*
 * A handshake packet of either family: the headers the proxy reads, its
 * TCP header at th_off in the frame.
 */
struct proxy_pkt {
	const struct ethhdr *eth;
	void *iph;			/* struct iphdr or struct ipv6hdr */
	const __be32 *saddr;		/* IPv4: one word */
	const __be32 *daddr;
	const struct tcphdr *th;
	__u32 th_off;
	__u8 v6;
};

/* proxy_opts_get() for a handshake packet. */
static __always_inline void proxy_opts_read(struct xdp_md *ctx,
					    const struct proxy_pkt *pp,
					    struct proxy_opts *o)
{
	__builtin_memset(o, 0, sizeof(*o));
	o->wscale = PROXY_TS_WSCALE_NONE;
	proxy_opts_get(ctx, pp->th_off, o);
}

/*
 * Options in 20 bytes, Linux's order, NOPs where one is left out: MSS
 * (@mss 0: none), SACK-permitted and timestamps, window scale.
 */
static __always_inline void proxy_opts_put(__be32 *w, __u16 mss, __u8 wscale,
					   int sack, int ts, __u32 tsval,
					   __u32 tsecr)
{
	w[0] = bpf_htonl(mss ? 0x02040000 | mss : PROXY_NOPS);
	w[1] = bpf_htonl(!ts ? PROXY_NOPS : sack ? 0x0402080a : 0x0101080a);
	w[2] = ts ? bpf_htonl(tsval) : bpf_htonl(PROXY_NOPS);
	w[3] = ts ? bpf_htonl(tsecr) : bpf_htonl(PROXY_NOPS);
	w[4] = bpf_htonl(wscale != PROXY_TS_WSCALE_NONE ? 0x01030300 | wscale :
				PROXY_NOPS);
}

/* The folded one's complement sum of @len bytes at @buf over @seed. */
static __always_inline __u16 proxy_csum(void *buf, __u32 len, __u32 seed)
{
	__s64 sum = bpf_csum_diff(NULL, 0, buf, len, seed);

	return (__u16)~csum_fold((__u32)sum);
}

/*
 * proxy_build()'s IP header at @l3, for a TCP segment of @tcp_len bytes,
 * and the checksum of its pseudo-header.
 */
static __always_inline __u32 proxy_build_ip(void *l3, const struct proxy_out *o,
					    __u32 tcp_len)
{
	struct ipv6hdr *ip6 = l3;
	struct iphdr *ip = l3;
	__be32 pseudo[10];

	if (o->v6) {
		__builtin_memset(ip6, 0, sizeof(*ip6));
		ip6->version = 6;
		ip6->payload_len = bpf_htons(tcp_len);
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = 64;
		__builtin_memcpy(&ip6->saddr, o->saddr, 16);
		__builtin_memcpy(&ip6->daddr, o->daddr, 16);
		__builtin_memcpy(pseudo, o->saddr, 16);
		__builtin_memcpy(pseudo + 4, o->daddr, 16);
		pseudo[8] = bpf_htonl(tcp_len);
		pseudo[9] = bpf_htonl(IPPROTO_TCP);
		return bpf_csum_diff(NULL, 0, pseudo, 40, 0);
	}
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(sizeof(*ip) + tcp_len);
	ip->id = 0;
	ip->frag_off = bpf_htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->check = 0;
	ip->saddr = o->saddr[0];
	ip->daddr = o->daddr[0];
	ip->check = proxy_csum(ip, sizeof(*ip), 0);
	pseudo[0] = o->saddr[0];
	pseudo[1] = o->daddr[0];
	pseudo[2] = bpf_htonl(IPPROTO_TCP << 16 | tcp_len);
	return bpf_csum_diff(NULL, 0, pseudo, 12, 0);
}

/**
 * proxy_build() - replace the frame with the packet @o describes
 * @ctx: the frame; its pointers are stale afterwards
 * @o:   the packet
 *
 * Return: 0, or -1 when the frame cannot be resized.
 */
static __always_inline int proxy_build(struct xdp_md *ctx,
				       const struct proxy_out *o)
{
	__u32 tcp_len = o->no_opts ? sizeof(struct tcphdr) : PROXY_TCP_LEN;
	__u32 l3_len = o->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	__u32 want = sizeof(struct ethhdr) + l3_len + tcp_len;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth;
	struct tcphdr *th;
	__u32 sum;
	int i;

	if (bpf_xdp_adjust_tail(ctx, (int)want - (int)(data_end - data)))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	th = data + sizeof(*eth) + (o->v6 ? sizeof(struct ipv6hdr) :
					    sizeof(struct iphdr));
	if ((void *)(th + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, o->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, o->smac, ETH_ALEN);
	eth->h_proto = bpf_htons(o->v6 ? ETH_P_IPV6 : ETH_P_IP);
	sum = proxy_build_ip(eth + 1, o, tcp_len);

	__builtin_memset(th, 0, sizeof(*th));
	th->source = o->sport;
	th->dest = o->dport;
	th->seq = bpf_htonl(o->seq);
	th->ack_seq = bpf_htonl(o->ack);
	th->doff = tcp_len / 4;
	((__u8 *)th)[13] = o->flags;
	th->window = bpf_htons(o->window);
	if (o->no_opts) {
		th->check = proxy_csum(th, sizeof(*th), sum);
		return 0;
	}
	if ((void *)th + PROXY_TCP_LEN > data_end)
		return -1;
	for (i = 0; i < PROXY_OPT_WORDS; i++)
		((__be32 *)(th + 1))[i] = o->opt[i];
	th->check = proxy_csum(th, PROXY_TCP_LEN, sum);
	return 0;
}

/* The service's SYN proxy counters on this CPU, or NULL. */
static __always_inline struct scmlb_svc_stats *proxy_stats(__u32 service_id)
{
	__u32 slot = service_id % SCMLB_MAX_SERVICES;

	return bpf_map_lookup_elem(&lb_svc_stats, &slot);
}

/* @pp's addresses (swapped: @answer), ports and MACs in @o. */
static __always_inline void proxy_addrs(struct proxy_out *o,
					const struct proxy_pkt *pp, int answer)
{
	const __be32 *src = answer ? pp->daddr : pp->saddr;
	const __be32 *dst = answer ? pp->saddr : pp->daddr;
	const struct tcphdr *th = pp->th;

	__builtin_memcpy(o->dmac, answer ? pp->eth->h_source : pp->eth->h_dest,
			 ETH_ALEN);
	__builtin_memcpy(o->smac, answer ? pp->eth->h_dest : pp->eth->h_source,
			 ETH_ALEN);
	o->v6 = pp->v6;
	if (pp->v6) {
		__builtin_memcpy(o->saddr, src, 16);
		__builtin_memcpy(o->daddr, dst, 16);
	} else {
		o->saddr[0] = src[0];
		o->daddr[0] = dst[0];
	}
	o->sport = answer ? th->dest : th->source;
	o->dport = answer ? th->source : th->dest;
}

/*
 * scmlb's TSval for a SYN-ACK: milliseconds, its low bits the client's
 * window scale and SACK-permitted, never ahead of the clock.
 */
static __always_inline __u32 proxy_ts_cookie(__u8 wscale, int sack)
{
	__u32 now = bpf_ktime_get_ns() / 1000000, bits, ts;

	bits = wscale | (sack ? PROXY_TS_SACK : 0);
	ts = (now >> PROXY_TS_BITS << PROXY_TS_BITS) | bits;
	return ts > now ? ts - (1 << PROXY_TS_BITS) : ts;
}

/*
 * A SYN's cookie for @mss, as the kernel makes it for a SYN from @p's
 * source with sequence number @seq. The kernel parses the MSS from the
 * header it is given: a copy on the stack with only that option.
 *
 * Return: the cookie in the low 32 bits, the MSS it encodes above; < 0
 * on error.
 */
static __always_inline __s64 proxy_cookie(const struct proxy_pkt *pp,
					  __u32 seq, __u16 mss)
{
	struct {
		struct tcphdr th;
		__be32 mss_opt;
	} syn = {};

	syn.th.source = pp->th->source;
	syn.th.dest = pp->th->dest;
	syn.th.seq = bpf_htonl(seq);
	syn.th.doff = sizeof(syn) / 4;
	syn.th.syn = 1;
	syn.mss_opt = bpf_htonl(0x02040000 | mss);
	if (pp->v6)
		return bpf_tcp_raw_gen_syncookie_ipv6(pp->iph, &syn.th,
						      sizeof(syn));
	return bpf_tcp_raw_gen_syncookie_ipv4(pp->iph, &syn.th, sizeof(syn));
}

/*
 * Answer a client's SYN with a SYN-ACK whose sequence number is a cookie
 * and whose TSval carries the options the cookie cannot. Nothing is kept.
 */
static __always_inline int proxy_syn_ack(struct xdp_md *ctx,
					 const struct proxy_pkt *pp,
					 struct scmlb_svc_stats *ss)
{
	const struct tcphdr *th = pp->th;
	struct proxy_opts in;
	struct proxy_out o = {};
	__s64 cookie;
	__u32 ts = 0;

	proxy_opts_read(ctx, pp, &in);
	cookie = proxy_cookie(pp, bpf_ntohl(th->seq), in.mss ? in.mss : 536);
	if (cookie < 0)
		return XDP_DROP;
	/* as Linux: without timestamps no window scale and no SACK */
	if (!in.has_ts) {
		in.wscale = PROXY_TS_WSCALE_NONE;
		in.sack_ok = 0;
	} else {
		ts = proxy_ts_cookie(in.wscale, in.sack_ok);
	}
	proxy_addrs(&o, pp, 1);
	o.seq = (__u32)cookie;
	o.ack = bpf_ntohl(th->seq) + 1;
	o.window = 0xffff;
	o.flags = TCPF_SYN | TCPF_ACK;
	proxy_opts_put(o.opt, (__u16)(cookie >> 32), in.wscale ==
		       PROXY_TS_WSCALE_NONE ? PROXY_TS_WSCALE_NONE :
		       SCMLB_SYN_PROXY_WSCALE, in.sack_ok, in.has_ts, ts,
		       in.tsval);
	if (proxy_build(ctx, &o))
		return XDP_DROP;
	if (ss)
		ss->syn_acks++;
	return XDP_TX;
}

/* A reset for a client's packet that no flow and no cookie explains. */
static __always_inline int proxy_rst(struct xdp_md *ctx,
				     const struct proxy_pkt *pp)
{
	struct proxy_out o = {};

	proxy_addrs(&o, pp, 1);
	o.seq = bpf_ntohl(pp->th->ack_seq);
	o.flags = TCPF_RST;
	o.no_opts = 1;
	return proxy_build(ctx, &o) ? XDP_DROP : XDP_TX;
}

/*
 * The MSS the valid cookie of a client's ACK encodes: the kernel's
 * check does not say, so each value is tried with this minute's
 * secret; a cookie of the minute before gets the smallest.
 */
static __always_inline __u16 proxy_cookie_mss(const struct proxy_pkt *pp)
{
	const struct tcphdr *th = pp->th;
	__u32 cookie = bpf_ntohl(th->ack_seq) - 1, seq = bpf_ntohl(th->seq) - 1;
	__s64 c;
	int i;

	for (i = 3; i > 0; i--) {
		c = proxy_cookie(pp, seq, PROXY_MSS(pp->v6, i));
		if (c >= 0 && (__u32)c == cookie)
			return PROXY_MSS(pp->v6, i);
	}
	return PROXY_MSS(pp->v6, 0);
}

/*
 * A client's ACK: its cookie checked (counted if invalid), and what a
 * valid one brings: the flow's first numbers in @n (the cookie, scmlb's
 * TSval, the client's window) and in @o the SYN to the backend, with
 * the client's sequence number and timestamp and the options the
 * cookie carried.
 *
 * Return: 0, or -1 for an invalid cookie.
 */
static __always_inline int proxy_cookie_syn(struct xdp_md *ctx,
					    const struct proxy_pkt *pp,
					    struct scmlb_svc_stats *ss,
					    struct scmlb_proxy_nums *n,
					    struct proxy_out *o)
{
	const struct tcphdr *th = pp->th;
	__u8 wscale = PROXY_TS_WSCALE_NONE;
	struct proxy_opts in;
	int bad, sack = 0;
	__u16 mss;

	bad = pp->v6 ? bpf_tcp_raw_check_syncookie_ipv6(pp->iph,
							(struct tcphdr *)th) :
		       bpf_tcp_raw_check_syncookie_ipv4(pp->iph,
							(struct tcphdr *)th);
	if (bad) {
		if (ss)
			ss->cookies_invalid++;
		return -1;
	}
	mss = proxy_cookie_mss(pp);
	proxy_opts_read(ctx, pp, &in);
	if (in.has_ts) {
		wscale = in.tsecr & PROXY_TS_WSCALE_NONE;
		sack = !!(in.tsecr & PROXY_TS_SACK);
	}
	n->proxy_seq = bpf_ntohl(th->ack_seq) - 1;
	n->proxy_ts = in.tsecr;
	n->proxy_wscale = wscale;
	n->proxy_win = bpf_ntohs(th->window);
	n->proxy_pad = 0;
	proxy_addrs(o, pp, 0);
	o->seq = bpf_ntohl(th->seq) - 1;
	o->window = bpf_ntohs(th->window);
	o->flags = TCPF_SYN;
	proxy_opts_put(o->opt, mss, wscale, sack, in.has_ts, in.tsval, 0);
	return 0;
}

/* The IPv4 packet @p as the handshakes read it. */
static __always_inline int proxy_pkt4(struct proxy_pkt *pp, const struct pkt *p)
{
	pp->th = tcp_hdr(p);
	if (!pp->th)
		return -1;
	pp->eth = p->eth;
	pp->iph = p->ip;
	pp->saddr = &p->ip->saddr;
	pp->daddr = &p->ip->daddr;
	pp->th_off = tcp_off(p);
	pp->v6 = 0;
	return 0;
}

/*
 * The client's ACK with a valid cookie (or, while its backend has not
 * answered, any of its packets: each sends the SYN again): the flow is
 * opened and the packet becomes the SYN to the backend
 * (proxy_cookie_syn()). @no_flow: scmlb_main found no entry of the
 * 5-tuple (struct proxy_hint), so none is looked up.
 */
static __always_inline int proxy_open(struct xdp_md *ctx,
				      struct scmlb_stats *st, struct pkt *p,
				      const struct proxy_pkt *pp,
				      const struct scmlb_service *svc,
				      struct scmlb_svc_stats *ss, int no_flow)
{
	const struct scmlb_backend *be;
	struct scmlb_flow_key key, rkey;
	struct scmlb_proxy_nums n;
	struct scmlb_flow *f, *r;
	struct proxy_out o = {};
	__u8 path;

	ct_key(&key, p->ip->saddr, p->sport, p->ip->daddr, p->dport,
	       IPPROTO_TCP);
	/* a proxied flow whose entry is gone cannot go on either */
	if (proxy_cookie_syn(ctx, pp, ss, &n, &o))
		return proxy_rst(ctx, pp);
	f = no_flow ? NULL : bpf_map_lookup_elem(&ct_flows, &key);
	if (f && !((f->flags & SCMLB_FLOW_SYN_PROXY) && !proxy_ready(f)))
		return XDP_DROP;
	be = f ? backend_get(f->backend_id) : sched_pick(svc, &key);
	if (!be)
		return XDP_DROP;
	path = fwd_path(SCMLB_FWD_NAT, ctx->ingress_ifindex, be->ifindex);
	if (!f) {
		if (ct_open(&key, NULL, svc, be, p, SCMLB_CT_ESTABLISHED, path))
			return XDP_DROP;
		f = bpf_map_lookup_elem(&ct_flows, &key);
		if (!f)
			return XDP_DROP;
		ct_reply_key(&rkey, &key, f);
		r = bpf_map_lookup_elem(&ct_replies, &rkey);
		if (!r)
			return XDP_DROP;
		*proxy_nums(f) = n;
		*proxy_nums(r) = n;
		r->flags |= SCMLB_FLOW_SYN_PROXY;
		f->flags |= SCMLB_FLOW_SYN_PROXY;
		if (ss)
			ss->cookies_valid++;
		backend_count(be->id, p, 0, 1);
	}
	if (proxy_build(ctx, &o) || parse_pkt(ctx, p) < 0 || !p->l4)
		return XDP_DROP;
	return lb_send(ctx, st, p, &key, be, path, SCMLB_FWD_NAT);
}

/*
 * A backend's SYN-ACK of a proxied flow whose numbers are @n, its
 * handshake @ready or not: the first time, the offsets between its
 * numbers and scmlb's cookie go into @n (counted for @service_id); the
 * SYN-ACK becomes the ACK that completes the backend's handshake, sent
 * back.
 */
static __always_inline int proxy_backend_answer(struct xdp_md *ctx,
						const struct proxy_pkt *pp,
						struct scmlb_proxy_nums *n,
						int ready, __u32 service_id)
{
	__u32 isn = bpf_ntohl(pp->th->seq);
	struct scmlb_svc_stats *ss;
	struct proxy_out o = {};
	struct proxy_opts in;

	proxy_opts_read(ctx, pp, &in);
	if (!ready) {
		/* the client got window scale 7 only if it offered one */
		n->proxy_wscale = n->proxy_wscale == PROXY_TS_WSCALE_NONE ?
				  0xff : in.wscale == PROXY_TS_WSCALE_NONE ?
				  0 : in.wscale;
		n->proxy_seq = isn - n->proxy_seq;
		n->proxy_ts = in.has_ts ? in.tsval - n->proxy_ts : 0;
		ss = proxy_stats(service_id);
		if (ss)
			ss->backend_handshakes++;
	}
	proxy_addrs(&o, pp, 1);
	o.seq = bpf_ntohl(pp->th->ack_seq);
	o.ack = isn + 1;
	o.window = n->proxy_win;
	o.flags = TCPF_ACK;
	proxy_opts_put(o.opt, 0, PROXY_TS_WSCALE_NONE, 0, in.has_ts,
		       in.tsecr, in.tsval);
	return proxy_build(ctx, &o) ? XDP_DROP : XDP_TX;
}

/* Whether a backend's packet of a proxied flow is its SYN-ACK. */
static __always_inline int proxy_is_syn_ack(__u8 tcp_flags)
{
	return (tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) ==
	       (TCPF_SYN | TCPF_ACK);
}

/* proxy_backend_answer() of an IPv4 flow, whose entries both hold @n. */
static __always_inline int proxy_backend_ack(struct pkt *p,
					     struct xdp_md *ctx,
					     const struct proxy_pkt *pp,
					     struct scmlb_flow *r)
{
	struct scmlb_flow_key key;
	struct scmlb_flow *f;
	int ready, act;

	if (!proxy_is_syn_ack(p->tcp_flags))
		return XDP_DROP;
	ct_key(&key, p->ip->daddr, p->dport, r->nat_addr[0], r->nat_port,
	       IPPROTO_TCP);
	f = bpf_map_lookup_elem(&ct_flows, &key);
	if (!f || !(f->flags & SCMLB_FLOW_SYN_PROXY) ||
	    f->backend_id != r->backend_id)
		return XDP_DROP;
	ready = proxy_ready(f);
	act = proxy_backend_answer(ctx, pp, proxy_nums(f), ready,
				   f->service_id);
	if (!ready) {
		*proxy_nums(r) = *proxy_nums(f);
		r->flags |= SCMLB_FLOW_SYN_ACKED;
		f->flags |= SCMLB_FLOW_SYN_ACKED;
	}
	return act;
}

/* What a client's packet that is no ACK of a cookie is: a SYN, or dropped. */
static __always_inline int proxy_not_ack(__u8 tcp_flags)
{
	return (tcp_flags & (TCPF_RST | TCPF_SYN)) || !(tcp_flags & TCPF_ACK);
}

/*
 * Whether a backend's packet may come in where @ctx did: anywhere but the
 * upstream, where only clients are unless backends sit behind it too
 * (one-arm). A client's packet on the upstream skips the reply lookup.
 */
static __always_inline int proxy_backend_side(const struct xdp_md *ctx)
{
	const struct scmlb_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&lb_config, &zero);
	return !cfg || ctx->ingress_ifindex != cfg->upstream_ifindex ||
	       (cfg->flags & SCMLB_CFG_UPSTREAM_BACKENDS);
}

/**
 * syn_proxy_handshake() - the SYN proxy's program: what a handshake needs
 * @ctx: the frame, which scmlb_main already counted
 *
 * A backend's SYN-ACK of a proxied flow is answered (proxy_backend_ack());
 * a client's SYN gets a cookie SYN-ACK; its ACK, if the cookie is valid,
 * opens the flow and goes to the backend as the SYN; any other client
 * packet without a flow is reset, and counted as an invalid cookie.
 * A client's packet scmlb_main sent brings its service and whether
 * conntrack knows its 5-tuple (struct proxy_hint): none of the three is
 * looked up again, nor a backend's reply entry, which it is not.
 *
 * Return: an XDP action.
 */
static __always_inline int syn_proxy_handshake(struct xdp_md *ctx)
{
	const struct scmlb_service *svc;
	struct proxy_hint hint = {};
	const struct scmlb_vip *vip;
	struct scmlb_svc_stats *ss;
	struct scmlb_flow_key key;
	struct proxy_pkt pp;
	struct scmlb_stats *st;
	struct scmlb_flow *r, *f;
	int hinted, no_flow;
	__u32 proto;
	struct pkt p;

	hinted = !proxy_hint_take(ctx, &hint);
	no_flow = hinted && (hint.flags & PROXY_HINT_NO_FLOW);
	if (parse_pkt(ctx, &p) < 0 || p.proto != IPPROTO_TCP ||
	    p.frag != PKT_WHOLE || p.ip->ihl != 5)
		return XDP_DROP;
	if (proxy_pkt4(&pp, &p))
		return XDP_DROP;
	proto = stat_proto(&p);
	st = bpf_map_lookup_elem(&stat_pkts, &proto);
	if (!st)
		return XDP_DROP;
	ct_key(&key, p.ip->saddr, p.sport, p.ip->daddr, p.dport, p.proto);
	r = !hinted && proxy_backend_side(ctx) ?
	    bpf_map_lookup_elem(&ct_replies, &key) : NULL;
	if (r && (r->flags & SCMLB_FLOW_SYN_PROXY))
		return proxy_backend_ack(&p, ctx, &pp, r);

	if (hinted) {
		svc = service_get(hint.service_id);
	} else {
		vip = vip_lookup(&p);
		svc = vip ? service_match(vip, &p) : NULL;
	}
	if (!svc || !(svc->flags & SCMLB_SVC_SYN_PROXY))
		return XDP_DROP;
	ss = proxy_stats(svc->id);
	if (tcp_is_open(&p)) {
		/* a new connection on the port: the old one is over */
		f = no_flow ? NULL : bpf_map_lookup_elem(&ct_flows, &key);
		if (f)
			ct_forget(&key, f);
		return proxy_syn_ack(ctx, &pp, ss);
	}
	if (proxy_not_ack(p.tcp_flags))
		return XDP_DROP;
	return proxy_open(ctx, st, &p, &pp, svc, ss, no_flow);
}

/* The IPv6 packet @p as the handshakes read it: no extension headers. */
static __always_inline int proxy_pkt6(struct proxy_pkt *pp,
				      const struct pkt6 *p)
{
	pp->th = tcp6_hdr(p);
	if (!pp->th || p->l3_len != sizeof(struct ipv6hdr))
		return -1;
	pp->eth = p->eth;
	pp->iph = p->ip6;
	pp->saddr = ip6_saddr(p);
	pp->daddr = ip6_daddr(p);
	pp->th_off = sizeof(struct ethhdr) + sizeof(struct ipv6hdr);
	pp->v6 = 1;
	return 0;
}

/* proxy_open() of an IPv6 flow: its numbers go to ct6_proxy. */
static __always_inline int proxy_open6(struct xdp_md *ctx,
				       struct scmlb_stats *st, struct pkt6 *p,
				       const struct proxy_pkt *pp,
				       const struct scmlb_service *svc,
				       struct scmlb_svc_stats *ss, int no_flow)
{
	const struct scmlb_backend *be;
	struct scmlb_flow6_key key, rkey;
	struct scmlb_proxy_nums n;
	struct scmlb_flow *f, *r;
	struct proxy_out o = {};
	__u8 path;

	ct6_key(&key, ip6_saddr(p), p->sport, ip6_daddr(p), p->dport,
		IPPROTO_TCP);
	if (proxy_cookie_syn(ctx, pp, ss, &n, &o))
		return proxy_rst(ctx, pp);
	f = no_flow ? NULL : bpf_map_lookup_elem(&ct6_flows, &key);
	if (f && !((f->flags & SCMLB_FLOW_SYN_PROXY) && !proxy_ready(f)))
		return XDP_DROP;
	be = f ? backend_get(f->backend_id) : sched6_pick(svc, &key);
	if (!be || be->family != SCMLB_AF_INET6)
		return XDP_DROP;
	path = fwd_path(SCMLB_FWD_NAT, ctx->ingress_ifindex, be->ifindex);
	if (!f) {
		if (ct6_open(&key, NULL, svc, be, p, SCMLB_CT_ESTABLISHED,
			     path))
			return XDP_DROP;
		f = bpf_map_lookup_elem(&ct6_flows, &key);
		if (!f)
			return XDP_DROP;
		ct6_reply_key(&rkey, &key, f);
		r = bpf_map_lookup_elem(&ct6_replies, &rkey);
		if (!r || bpf_map_update_elem(&ct6_proxy, &key, &n, BPF_ANY))
			return XDP_DROP;
		r->flags |= SCMLB_FLOW_SYN_PROXY;
		f->flags |= SCMLB_FLOW_SYN_PROXY;
		if (ss)
			ss->cookies_valid++;
		backend6_count(be->id, p, 0, 1);
	}
	if (proxy_build(ctx, &o) || parse_ip6(ctx, p) < 0)
		return XDP_DROP;
	parse_l4_6(p);
	if (!p->l4)
		return XDP_DROP;
	return lb_send6(ctx, st, p, &key, be, path, SCMLB_FWD_NAT);
}

/* proxy_backend_answer() of an IPv6 flow: its numbers in ct6_proxy. */
static __always_inline int proxy_backend_ack6(struct xdp_md *ctx,
					      const struct pkt6 *p,
					      const struct proxy_pkt *pp,
					      struct scmlb_flow *r)
{
	struct scmlb_flow6_key key;
	struct scmlb_proxy_nums *n;
	struct scmlb_flow *f;
	int ready, act;

	if (!proxy_is_syn_ack(p->tcp_flags))
		return XDP_DROP;
	ct6_key(&key, ip6_daddr(p), p->dport, r->nat_addr, r->nat_port,
		IPPROTO_TCP);
	f = bpf_map_lookup_elem(&ct6_flows, &key);
	n = bpf_map_lookup_elem(&ct6_proxy, &key);
	if (!f || !n || !(f->flags & SCMLB_FLOW_SYN_PROXY) ||
	    f->backend_id != r->backend_id)
		return XDP_DROP;
	ready = proxy_ready(f);
	act = proxy_backend_answer(ctx, pp, n, ready, f->service_id);
	if (!ready) {
		r->flags |= SCMLB_FLOW_SYN_ACKED;
		f->flags |= SCMLB_FLOW_SYN_ACKED;
	}
	return act;
}

/**
 * syn_proxy_handshake6() - the IPv6 SYN proxy's program
 * @ctx: the frame, which scmlb_main6 already counted
 *
 * As syn_proxy_handshake(), over the IPv6 maps, with scmlb_main6's hint;
 * a packet with extension headers is dropped.
 *
 * Return: an XDP action.
 */
static __always_inline int syn_proxy_handshake6(struct xdp_md *ctx)
{
	const struct scmlb_service *svc;
	struct proxy_hint hint = {};
	const struct scmlb_vip *vip;
	struct scmlb_svc_stats *ss;
	struct scmlb_flow6_key key;
	struct proxy_pkt pp;
	struct scmlb_stats *st;
	struct scmlb_flow *r, *f;
	int hinted, no_flow;
	__u32 proto;
	struct pkt6 p;

	hinted = !proxy_hint_take(ctx, &hint);
	no_flow = hinted && (hint.flags & PROXY_HINT_NO_FLOW);
	if (parse_ip6(ctx, &p) < 0)
		return XDP_DROP;
	parse_l4_6(&p);
	if (p.proto != IPPROTO_TCP || p.frag != PKT_WHOLE ||
	    proxy_pkt6(&pp, &p))
		return XDP_DROP;
	proto = stat6_proto(&p);
	st = bpf_map_lookup_elem(&stat6_pkts, &proto);
	if (!st)
		return XDP_DROP;
	ct6_key(&key, ip6_saddr(&p), p.sport, ip6_daddr(&p), p.dport,
		IPPROTO_TCP);
	r = !hinted && proxy_backend_side(ctx) ?
	    bpf_map_lookup_elem(&ct6_replies, &key) : NULL;
	if (r && (r->flags & SCMLB_FLOW_SYN_PROXY))
		return proxy_backend_ack6(ctx, &p, &pp, r);

	if (hinted) {
		svc = service_get(hint.service_id);
	} else {
		vip = vip6_lookup(&p);
		svc = vip ? service6_match(vip, &p) : NULL;
	}
	if (!svc || !(svc->flags & SCMLB_SVC_SYN_PROXY))
		return XDP_DROP;
	ss = proxy_stats(svc->id);
	if (tcp_flags_open(p.tcp_flags)) {
		/* a new connection on the port: the old one is over */
		f = no_flow ? NULL : bpf_map_lookup_elem(&ct6_flows, &key);
		if (f)
			ct6_forget(&key, f);
		return proxy_syn_ack(ctx, &pp, ss);
	}
	if (proxy_not_ack(p.tcp_flags))
		return XDP_DROP;
	return proxy_open6(ctx, st, &p, &pp, svc, ss, no_flow);
}

#endif /* SCMLB_SYN_PROXY_HS_H */
