/* SPDX-License-Identifier: GPL-2.0 */
/* syn_proxy_hs.h - a --syn-proxy service's handshakes: cookie SYN-ACK, SYN and ACK to the backend */
#ifndef SCMLB_SYN_PROXY_HS_H
#define SCMLB_SYN_PROXY_HS_H

#include "ct.h"
#include "lb_ingress.h"
#include "maps.h"
#include "parse.h"
#include "pick.h"
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

/* A built frame: Ethernet, IPv4 without options, TCP with 20 bytes of options. */
#define PROXY_OPT_WORDS 5
#define PROXY_TCP_LEN (sizeof(struct tcphdr) + 4 * PROXY_OPT_WORDS)
#define PROXY_FRAME_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + \
			 PROXY_TCP_LEN)
#define PROXY_RST_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + \
		       sizeof(struct tcphdr))

#define PROXY_NOPS 0x01010101

/* The MSS values a cookie encodes (the kernel's msstab), index 0..3. */
static const __u16 proxy_msstab[4] = { 536, 1300, 1440, 1460 };

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
	__be32 saddr;
	__be32 daddr;
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

/* proxy_opts_get() for a parsed packet. */
static __always_inline void proxy_opts_read(struct xdp_md *ctx,
					    const struct pkt *p,
					    struct proxy_opts *o)
{
	__builtin_memset(o, 0, sizeof(*o));
	o->wscale = PROXY_TS_WSCALE_NONE;
	proxy_opts_get(ctx, sizeof(struct ethhdr) + p->ip->ihl * 4, o);
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
	__u32 want = o->no_opts ? PROXY_RST_LEN : PROXY_FRAME_LEN;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth;
	struct tcphdr *th;
	struct iphdr *ip;
	__be32 pseudo[3];
	__u32 sum;
	int i;

	if (bpf_xdp_adjust_tail(ctx, (int)want - (int)(data_end - data)))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	th = (void *)(ip + 1);
	if ((void *)(th + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, o->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, o->smac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(sizeof(*ip) + tcp_len);
	ip->id = 0;
	ip->frag_off = bpf_htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->check = 0;
	ip->saddr = o->saddr;
	ip->daddr = o->daddr;
	ip->check = proxy_csum(ip, sizeof(*ip), 0);

	__builtin_memset(th, 0, sizeof(*th));
	th->source = o->sport;
	th->dest = o->dport;
	th->seq = bpf_htonl(o->seq);
	th->ack_seq = bpf_htonl(o->ack);
	th->doff = tcp_len / 4;
	((__u8 *)th)[13] = o->flags;
	th->window = bpf_htons(o->window);
	pseudo[0] = o->saddr;
	pseudo[1] = o->daddr;
	pseudo[2] = bpf_htonl(IPPROTO_TCP << 16 | tcp_len);
	sum = bpf_csum_diff(NULL, 0, pseudo, sizeof(pseudo), 0);
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

/* The reply's addresses, ports and MACs: @p's, swapped. */
static __always_inline void proxy_answer(struct proxy_out *o,
					 const struct pkt *p,
					 const struct tcphdr *th)
{
	__builtin_memcpy(o->dmac, p->eth->h_source, ETH_ALEN);
	__builtin_memcpy(o->smac, p->eth->h_dest, ETH_ALEN);
	o->saddr = p->ip->daddr;
	o->daddr = p->ip->saddr;
	o->sport = th->dest;
	o->dport = th->source;
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
static __always_inline __s64 proxy_cookie(const struct pkt *p, __u32 seq,
					  __u16 mss)
{
	struct {
		struct tcphdr th;
		__be32 mss_opt;
	} syn = {};

	syn.th.source = p->sport;
	syn.th.dest = p->dport;
	syn.th.seq = bpf_htonl(seq);
	syn.th.doff = sizeof(syn) / 4;
	syn.th.syn = 1;
	syn.mss_opt = bpf_htonl(0x02040000 | mss);
	return bpf_tcp_raw_gen_syncookie_ipv4(p->ip, &syn.th, sizeof(syn));
}

/*
 * Answer a client's SYN with a SYN-ACK whose sequence number is a cookie
 * and whose TSval carries the options the cookie cannot. Nothing is kept.
 */
static __always_inline int proxy_syn_ack(struct xdp_md *ctx, struct pkt *p,
					 const struct tcphdr *th,
					 struct scmlb_svc_stats *ss)
{
	struct proxy_opts in;
	struct proxy_out o = {};
	__s64 cookie;
	__u32 ts = 0;

	proxy_opts_read(ctx, p, &in);
	cookie = proxy_cookie(p, bpf_ntohl(th->seq), in.mss ? in.mss : 536);
	if (cookie < 0)
		return XDP_DROP;
	/* as Linux: without timestamps no window scale and no SACK */
	if (!in.has_ts) {
		in.wscale = PROXY_TS_WSCALE_NONE;
		in.sack_ok = 0;
	} else {
		ts = proxy_ts_cookie(in.wscale, in.sack_ok);
	}
	proxy_answer(&o, p, th);
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
static __always_inline int proxy_rst(struct xdp_md *ctx, struct pkt *p,
				     const struct tcphdr *th)
{
	struct proxy_out o = {};

	proxy_answer(&o, p, th);
	o.seq = bpf_ntohl(th->ack_seq);
	o.flags = TCPF_RST;
	o.no_opts = 1;
	return proxy_build(ctx, &o) ? XDP_DROP : XDP_TX;
}

/*
 * The MSS the valid cookie of a client's ACK encodes: the kernel's
 * check does not say, so each value is tried with this minute's
 * secret; a cookie of the minute before gets the smallest.
 */
static __always_inline __u16 proxy_cookie_mss(const struct pkt *p,
					      const struct tcphdr *th)
{
	__u32 cookie = bpf_ntohl(th->ack_seq) - 1, seq = bpf_ntohl(th->seq) - 1;
	__s64 c;
	int i;

	for (i = 3; i > 0; i--) {
		c = proxy_cookie(p, seq, proxy_msstab[i]);
		if (c >= 0 && (__u32)c == cookie)
			return proxy_msstab[i];
	}
	return proxy_msstab[0];
}

/*
 * The client's ACK with a valid cookie (or, while its backend has not
 * answered, any of its packets: each sends the SYN again): the flow is
 * opened and the packet becomes the SYN to the backend, with the
 * client's sequence number and timestamp and the options the cookie
 * carried.
 */
static __always_inline int proxy_open(struct xdp_md *ctx,
				      struct scmlb_stats *st, struct pkt *p,
				      const struct tcphdr *th,
				      const struct scmlb_service *svc,
				      struct scmlb_svc_stats *ss)
{
	const struct scmlb_backend *be;
	struct scmlb_flow_key key, rkey;
	struct scmlb_flow *f, *r;
	struct proxy_opts in;
	struct proxy_out o = {};
	__u8 path, wscale = PROXY_TS_WSCALE_NONE;
	__u16 mss;
	int sack = 0;

	ct_key(&key, p->ip->saddr, p->sport, p->ip->daddr, p->dport,
	       IPPROTO_TCP);
	if (bpf_tcp_raw_check_syncookie_ipv4(p->ip, (struct tcphdr *)th)) {
		if (ss)
			ss->cookies_invalid++;
		/* a proxied flow whose entry is gone cannot go on either */
		return proxy_rst(ctx, p, th);
	}
	mss = proxy_cookie_mss(p, th);
	proxy_opts_read(ctx, p, &in);
	if (in.has_ts) {
		wscale = in.tsecr & PROXY_TS_WSCALE_NONE;
		sack = !!(in.tsecr & PROXY_TS_SACK);
	}
	f = bpf_map_lookup_elem(&ct_flows, &key);
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
		f->proxy_seq = r->proxy_seq = bpf_ntohl(th->ack_seq) - 1;
		f->proxy_ts = r->proxy_ts = in.tsecr;
		f->proxy_wscale = r->proxy_wscale = wscale;
		f->proxy_win = bpf_ntohs(th->window);
		r->flags |= SCMLB_FLOW_SYN_PROXY;
		f->flags |= SCMLB_FLOW_SYN_PROXY;
		if (ss)
			ss->cookies_valid++;
		backend_count(be->id, p, 0, 1);
	}
	__builtin_memcpy(o.dmac, p->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(o.smac, p->eth->h_source, ETH_ALEN);
	o.saddr = p->ip->saddr;
	o.daddr = p->ip->daddr;
	o.sport = p->sport;
	o.dport = p->dport;
	o.seq = bpf_ntohl(th->seq) - 1;
	o.window = bpf_ntohs(th->window);
	o.flags = TCPF_SYN;
	proxy_opts_put(o.opt, mss, wscale, sack, in.has_ts, in.tsval, 0);
	if (proxy_build(ctx, &o) || parse_pkt(ctx, p) < 0 || !p->l4)
		return XDP_DROP;
	return lb_send(ctx, st, p, &key, be, path, SCMLB_FWD_NAT);
}

/*
 * The backend's SYN-ACK of a proxied flow: the offsets between its
 * numbers and scmlb's cookie go into both entries, and the SYN-ACK
 * becomes the ACK that completes the backend's handshake, sent back.
 */
static __always_inline int proxy_backend_ack(struct pkt *p,
					     struct xdp_md *ctx,
					     const struct tcphdr *th,
					     struct scmlb_flow *r)
{
	struct scmlb_svc_stats *ss;
	struct scmlb_flow_key key;
	struct proxy_opts in;
	struct proxy_out o = {};
	struct scmlb_flow *f;
	__u32 isn = bpf_ntohl(th->seq);
	__u8 wscale;

	if ((p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) !=
	    (TCPF_SYN | TCPF_ACK))
		return XDP_DROP;
	ct_key(&key, p->ip->daddr, p->dport, r->nat_addr[0], r->nat_port,
	       IPPROTO_TCP);
	f = bpf_map_lookup_elem(&ct_flows, &key);
	if (!f || !(f->flags & SCMLB_FLOW_SYN_PROXY) ||
	    f->backend_id != r->backend_id)
		return XDP_DROP;
	proxy_opts_read(ctx, p, &in);
	if (!proxy_ready(f)) {
		/* the client got window scale 7 only if it offered one */
		wscale = f->proxy_wscale == PROXY_TS_WSCALE_NONE ? 0xff :
			 in.wscale == PROXY_TS_WSCALE_NONE ? 0 : in.wscale;
		f->proxy_seq = r->proxy_seq = isn - f->proxy_seq;
		f->proxy_ts = r->proxy_ts = in.has_ts ? in.tsval - f->proxy_ts :
							0;
		f->proxy_wscale = r->proxy_wscale = wscale;
		r->flags |= SCMLB_FLOW_SYN_ACKED;
		f->flags |= SCMLB_FLOW_SYN_ACKED;
		ss = proxy_stats(f->service_id);
		if (ss)
			ss->backend_handshakes++;
	}
	proxy_answer(&o, p, th);
	o.seq = bpf_ntohl(th->ack_seq);
	o.ack = isn + 1;
	o.window = f->proxy_win;
	o.flags = TCPF_ACK;
	proxy_opts_put(o.opt, 0, PROXY_TS_WSCALE_NONE, 0, in.has_ts,
		       in.tsecr, in.tsval);
	return proxy_build(ctx, &o) ? XDP_DROP : XDP_TX;
}

/**
 * syn_proxy_handshake() - the SYN proxy's program: what a handshake needs
 * @ctx: the frame, which scmlb_main already counted
 *
 * A backend's SYN-ACK of a proxied flow is answered (proxy_backend_ack());
 * a client's SYN gets a cookie SYN-ACK; its ACK, if the cookie is valid,
 * opens the flow and goes to the backend as the SYN; any other client
 * packet without a flow is reset, and counted as an invalid cookie.
 *
 * Return: an XDP action.
 */
static __always_inline int syn_proxy_handshake(struct xdp_md *ctx)
{
	const struct scmlb_service *svc;
	const struct scmlb_vip *vip;
	struct scmlb_svc_stats *ss;
	struct scmlb_flow_key key;
	const struct tcphdr *th;
	struct scmlb_stats *st;
	struct scmlb_flow *r, *f;
	__u32 proto;
	struct pkt p;

	if (parse_pkt(ctx, &p) < 0 || p.proto != IPPROTO_TCP ||
	    p.frag != PKT_WHOLE || p.ip->ihl != 5)
		return XDP_DROP;
	th = tcp_hdr(&p);
	if (!th)
		return XDP_DROP;
	proto = stat_proto(&p);
	st = bpf_map_lookup_elem(&stat_pkts, &proto);
	if (!st)
		return XDP_DROP;
	ct_key(&key, p.ip->saddr, p.sport, p.ip->daddr, p.dport, p.proto);
	r = bpf_map_lookup_elem(&ct_replies, &key);
	if (r && (r->flags & SCMLB_FLOW_SYN_PROXY))
		return proxy_backend_ack(&p, ctx, th, r);

	vip = vip_lookup(&p);
	svc = vip ? service_match(vip, &p) : NULL;
	if (!svc || !(svc->flags & SCMLB_SVC_SYN_PROXY))
		return XDP_DROP;
	ss = proxy_stats(svc->id);
	if (tcp_is_open(&p)) {
		/* a new connection on the port: the old one is over */
		f = bpf_map_lookup_elem(&ct_flows, &key);
		if (f)
			ct_forget(&key, f);
		return proxy_syn_ack(ctx, &p, th, ss);
	}
	if (p.tcp_flags & (TCPF_RST | TCPF_SYN) || !(p.tcp_flags & TCPF_ACK))
		return XDP_DROP;
	return proxy_open(ctx, st, &p, th, svc, ss);
}

#endif /* SCMLB_SYN_PROXY_HS_H */
