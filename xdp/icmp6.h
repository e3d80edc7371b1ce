/* SPDX-License-Identifier: GPL-2.0 */
/* icmp6.h - ICMPv6 errors about balanced flows: to the flow's backend, or back to its client */
#ifndef SCMLB_ICMP6_H
#define SCMLB_ICMP6_H

#include "csum.h"
#include "ct6.h"
#include "encap6.h"
#include "maps.h"
#include "nat.h"
#include "parse6.h"
#include "svc.h"

/* An ICMPv6 error and the packet it quotes, within the frame. */
struct icmp6_err {
	struct icmp6_hdr *icmp;
	struct ipv6hdr *in_ip6;		/* the quoted IPv6 header */
	__be16 *in_ports;		/* its source and destination ports */
	__u16 *in_check;		/* its TCP/UDP checksum; NULL: cut off */
	__u8 in_proto;			/* IPPROTO_TCP or IPPROTO_UDP */
};

/* The four words of an IPv6 address. */
#define IN6_WORDS(a) ((a).in6_u.u6_addr32)

static __always_inline int in6_equal(const struct in6_addr *a,
				     const struct in6_addr *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/**
 * icmp6_err_parse() - find the packet an ICMPv6 error quotes
 * @p: the parsed packet
 * @e: set to the error's headers
 *
 * Errors that name a flow: destination unreachable, Packet Too Big,
 * time exceeded, parameter problem, quoting at least the ports of a TCP
 * or UDP packet or of its first fragment, past its extension headers,
 * walked as parse_ip6() walks a packet's own (ip6_ext_step()).
 *
 * Return: 0, or -1 for any other packet.
 */
static __always_inline int icmp6_err_parse(const struct pkt6 *p,
					   struct icmp6_err *e)
{
	__u32 off = p->l3_len & PKT6_OFF_MASK, in_off, l4_off, check_off;
	struct icmp6_hdr *icmp;
	struct ip6_walk w = { .off = sizeof(struct ipv6hdr) };
	struct ipv6hdr *in;
	__be16 *ports;
	__u16 *check;
	int i;

	if (p->proto != IPPROTO_ICMPV6 || p->frag != PKT_WHOLE)
		return -1;
	icmp = (void *)p->ip6 + off;
	in_off = off + sizeof(*icmp);
	in = (void *)(icmp + 1);
	if ((void *)(in + 1) > p->data_end || in_off + sizeof(*in) > p->ip_len)
		return -1;
	if (icmp->type < ICMPV6_DEST_UNREACH || icmp->type > ICMPV6_PARAMPROB ||
	    in->version != 6)
		return -1;
	/* the quoted packet: what is left of ours, whatever it claims */
	w.ip6 = in;
	w.data_end = p->data_end;
	w.ip_len = p->ip_len - in_off;
	w.nh = in->nexthdr;
#pragma unroll
	for (i = 0; i < SCMLB_V6_EXT_MAX; i++)
		if (!ip6_ext_step(&w))
			break;
	if (w.frag == PKT_FRAG_LATER ||
	    (w.nh != IPPROTO_TCP && w.nh != IPPROTO_UDP))
		return -1;
	l4_off = w.off & PKT6_OFF_MASK;
	ports = (void *)in + l4_off;
	if ((void *)(ports + 2) > p->data_end ||
	    l4_off + 2 * sizeof(*ports) > w.ip_len)
		return -1;
	e->icmp = icmp;
	e->in_ip6 = in;
	e->in_ports = ports;
	e->in_proto = w.nh;
	/* the checksum: 16 bytes into TCP, 6 into UDP, when quoted */
	check_off = w.nh == IPPROTO_TCP ? offsetof(struct tcphdr, check) :
		    offsetof(struct udphdr, check);
	check = (void *)ports + check_off;
	e->in_check = (void *)(check + 1) <= p->data_end &&
		      l4_off + check_off + sizeof(*check) <= w.ip_len ?
		      check : NULL;
	return 0;
}

/* Set a 16-bit word inside the ICMPv6 message, and the ICMPv6 checksum. */
static __always_inline void icmp6_set16(struct icmp6_hdr *icmp, __u16 *field,
					__u16 new)
{
	icmp->checksum = csum_replace2(icmp->checksum, *field, new);
	*field = new;
}

/*
 * Set an address the ICMPv6 checksum covers: the outer header's (in its
 * pseudo-header) or the quoted one's.
 */
static __always_inline void icmp6_set_addr(struct icmp6_hdr *icmp,
					   __be32 *field, const __be32 *new)
{
	icmp->checksum = csum_replace16(icmp->checksum, field, new);
	__builtin_memcpy(field, new, sizeof(struct in6_addr));
}

/*
 * Rewrite the quoted packet's source (@source) or destination address
 * and port, keeping every checksum right: its TCP/UDP checksum when
 * quoted (so the backend or client sees exactly the packet it sent; a
 * UDP sum of 0 is sent as 0xffff), and the ICMPv6 checksum over all of
 * them.
 */
static __always_inline void icmp6_quote_rewrite(struct icmp6_err *e,
						int source, const __be32 *addr,
						__be16 port)
{
	struct ipv6hdr *in = e->in_ip6;
	__be32 *addr_field = source ? IN6_WORDS(in->saddr) :
			     IN6_WORDS(in->daddr);
	__be16 *port_field = &e->in_ports[!source];
	__be16 old_port = *port_field;
	__u16 check;

	if (e->in_check) {
		check = csum_replace16(*e->in_check, addr_field, addr);
		check = csum_replace2(check, old_port, port);
		if (e->in_proto == IPPROTO_UDP && !check)
			check = 0xffff;
		icmp6_set16(e->icmp, e->in_check, check);
	}
	icmp6_set_addr(e->icmp, addr_field, addr);
	icmp6_set16(e->icmp, port_field, port);
}

/**
 * icmp6_ingress() - send an ICMPv6 error about a reply to the reply's backend
 * @ctx: the frame
 * @st:  this CPU's counters
 * @p:   the parsed packet, for the upstream and past the firewall
 *
 * A router on the way to a client (a smaller MTU above all: IPv6 routers
 * never fragment, Packet Too Big is all path MTU discovery has) quotes
 * the reply it could not pass on: VIP:port -> client:port. The error
 * goes to the backend that sent that reply, quoting it as the backend
 * sent it. A dr or ipip backend sent it from the VIP itself: the error
 * goes to it as it is, the way the flow's packets go (fwd6_send()).
 *
 * Return: XDP_REDIRECT to the backend (XDP_TX, XDP_DROP: ip6ip6 could
 * not carry it), or SCMLB_CONTINUE: not such an error, or about no flow
 * tracked here.
 */
static __always_inline int icmp6_ingress(struct xdp_md *ctx,
					 struct scmlb_stats *st,
					 struct pkt6 *p)
{
	const struct scmlb_backend *be;
	struct scmlb_flow6_key key;
	struct scmlb_flow *f;
	struct icmp6_err e;

	if (!vip_addr_hinted(ip6_daddr(p)) || icmp6_err_parse(p, &e) ||
	    !in6_equal(&e.in_ip6->saddr, &p->ip6->daddr))
		return SCMLB_CONTINUE;
	ct6_key(&key, IN6_WORDS(e.in_ip6->daddr), e.in_ports[1],
		IN6_WORDS(e.in_ip6->saddr), e.in_ports[0], e.in_proto);
	f = ct6_client_lookup(&key);
	if (!f)
		return SCMLB_CONTINUE;
	be = backend_get(f->backend_id);
	if (!be)
		return SCMLB_CONTINUE;
	backend_count_len(be->id, p->ip_len, 0, 0);
	if (f->forward != SCMLB_FWD_NAT)
		return fwd6_send(ctx, st, p, be, f->forward,
				 scmlb_flow6_hash(&key));
	icmp6_quote_rewrite(&e, 1, f->nat_addr, f->nat_port);
	icmp6_set_addr(e.icmp, IN6_WORDS(p->ip6->daddr), be->addr);
	eth_set_macs(p->eth, be->if_mac, be->mac);
	return nat_redirect(st, &st->forwarded, be->ifindex);
}

/**
 * icmp6_egress() - send a backend's ICMPv6 error about a client's packet
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet, from a backend's side
 *
 * The backend quotes the client's packet as it got it: client:port ->
 * backend:port (a closed UDP port, say). The client gets the error from
 * the VIP, quoting the packet it sent to the VIP, so its socket sees it.
 *
 * Return: XDP_REDIRECT out of the upstream, or SCMLB_CONTINUE.
 */
static __always_inline int icmp6_egress(const struct scmlb_config *cfg,
					struct scmlb_stats *st, struct pkt6 *p)
{
	struct scmlb_flow6_key rkey;
	struct scmlb_flow *r;
	struct icmp6_err e;

	if (icmp6_err_parse(p, &e) ||
	    !in6_equal(&e.in_ip6->saddr, &p->ip6->daddr))
		return SCMLB_CONTINUE;
	ct6_key(&rkey, IN6_WORDS(e.in_ip6->daddr), e.in_ports[1],
		IN6_WORDS(e.in_ip6->saddr), e.in_ports[0], e.in_proto);
	r = ct6_reply_lookup(&rkey);
	if (!r || !backend_get(r->backend_id))
		return SCMLB_CONTINUE;
	icmp6_quote_rewrite(&e, 0, r->nat_addr, r->nat_port);
	/* from the VIP, as IPVS does, whoever on the backend's side sent it */
	icmp6_set_addr(e.icmp, IN6_WORDS(p->ip6->saddr), r->nat_addr);
	backend_count_len(r->backend_id, p->ip_len, 1, 0);
	eth_set_macs(p->eth, cfg->upstream_mac, r->client_mac);
	return nat_redirect(st, &st->returned, cfg->upstream_ifindex);
}

/**
 * icmp6_jump() - hand an ICMPv6 error to scmlb_icmp6 (lb_progs6)
 * @ctx: the frame
 * @p:   the parsed packet
 *
 * The errors' translation has a verifier budget of its own, apart from
 * scmlb_main6's. Returns for any other packet, and when the slot is
 * empty.
 */
static __always_inline void icmp6_jump(struct xdp_md *ctx,
				       const struct pkt6 *p)
{
	int type = icmp6_type(p);

	if (p->frag == PKT_WHOLE && type >= ICMPV6_DEST_UNREACH &&
	    type <= ICMPV6_PARAMPROB)
		bpf_tail_call(ctx, &lb_progs6, SCMLB_PROG6_ICMP);
}

/**
 * icmp6_main() - an ICMPv6 packet that scmlb_main6 handed on
 * @ctx: the frame, whole (not a fragment), past the firewall and DoS
 *	 protection when it came from the upstream
 *
 * From the upstream, an error about a reply goes to the flow's backend
 * (icmp6_ingress()); from a backend's side, or from the upstream when
 * backends are behind it (one-arm), an error about a client's packet
 * goes to the client (icmp6_egress()). Counted in stat6_pkts as
 * scmlb_main6 counts: its rx already, passed on the upstream only.
 *
 * Return: an XDP action.
 */
static __always_inline int icmp6_main(struct xdp_md *ctx)
{
	__u32 zero = 0, proto = SCMLB_STAT_ICMP;
	const struct scmlb_config *cfg;
	int act = SCMLB_CONTINUE, upstream;
	struct scmlb_stats *st;
	struct pkt6 p;

	cfg = bpf_map_lookup_elem(&lb_config, &zero);
	st = bpf_map_lookup_elem(&stat6_pkts, &proto);
	if (!cfg || !st || parse_ip6(ctx, &p) < 0)
		return XDP_PASS;
	upstream = ctx->ingress_ifindex == cfg->upstream_ifindex;
	if (upstream)
		act = icmp6_ingress(ctx, st, &p);
	if (act == SCMLB_CONTINUE &&
	    (!upstream || cfg->flags & SCMLB_CFG_UPSTREAM_BACKENDS))
		act = icmp6_egress(cfg, st, &p);
	if (act != SCMLB_CONTINUE)
		return act;
	st->passed += upstream;
	return XDP_PASS;
}

#endif /* SCMLB_ICMP6_H */
