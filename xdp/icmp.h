/* SPDX-License-Identifier: GPL-2.0 */
/* icmp.h - ICMP errors about balanced flows: to the flow's backend, or back to its client */
#ifndef SCMLB_ICMP_H
#define SCMLB_ICMP_H

#include "ct.h"
#include "encap.h"
#include "maps.h"
#include "nat.h"
#include "svc.h"

/* An ICMP error and the packet it quotes, within the frame. */
struct icmp_err {
	struct icmphdr *icmp;
	struct iphdr *in_ip;		/* the quoted IP header */
	__be16 *in_ports;		/* its source and destination ports */
	__u16 *in_check;		/* its TCP/UDP checksum; NULL: cut off */
};

/**
 * icmp_err_parse() - find the packet an ICMP error quotes
 * @p: the parsed packet
 * @e: set to the error's headers
 *
 * Errors that name a flow: destination unreachable (fragmentation needed
 * included), time exceeded, parameter problem, quoting at least the
 * ports of a TCP or UDP packet (routers quote 8 bytes of L4, Linux more).
 *
 * Return: 0, or -1 for any other packet.
 */
static __always_inline int icmp_err_parse(const struct pkt *p,
					  struct icmp_err *e)
{
	__u32 tot_len = bpf_ntohs(p->ip->tot_len), off, in_len, check_off;
	struct icmphdr *icmp;
	struct iphdr *in;
	__be16 *ports;
	__u16 *check;

	if (p->proto != IPPROTO_ICMP ||
	    (p->ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return -1;
	off = p->ip->ihl * 4;
	icmp = (void *)p->ip + off;
	in = (void *)(icmp + 1);
	off += sizeof(*icmp) + sizeof(*in);
	if ((void *)(in + 1) > p->data_end || off > tot_len)
		return -1;
	if (icmp->type != ICMP_DEST_UNREACH &&
	    icmp->type != ICMP_TIME_EXCEEDED &&
	    icmp->type != ICMP_PARAMETERPROB)
		return -1;
	in_len = in->ihl * 4;
	if (in->version != 4 || in_len < sizeof(*in) ||
	    (in->frag_off & bpf_htons(IP_OFFSET)) ||
	    (in->protocol != IPPROTO_TCP && in->protocol != IPPROTO_UDP))
		return -1;
	ports = (void *)in + in_len;
	off += in_len - sizeof(*in) + 2 * sizeof(*ports);
	if ((void *)(ports + 2) > p->data_end || off > tot_len)
		return -1;
	e->icmp = icmp;
	e->in_ip = in;
	e->in_ports = ports;
	/* the checksum: 16 bytes into TCP, 6 into UDP, when quoted */
	check_off = in->protocol == IPPROTO_TCP ?
		    offsetof(struct tcphdr, check) :
		    offsetof(struct udphdr, check);
	check = (void *)ports + check_off;
	off += check_off + sizeof(*check) - 2 * sizeof(*ports);
	e->in_check = (void *)(check + 1) <= p->data_end && off <= tot_len ?
		      check : NULL;
	return 0;
}

/* Set a 16-bit word inside the ICMP message, and the ICMP checksum. */
static __always_inline void icmp_set16(struct icmphdr *icmp, __u16 *field,
				       __u16 new)
{
	icmp->checksum = csum_replace2(icmp->checksum, *field, new);
	*field = new;
}

static __always_inline void icmp_set32(struct icmphdr *icmp, __be32 *field,
				       __be32 new)
{
	icmp->checksum = csum_replace4(icmp->checksum, *field, new);
	*field = new;
}

/*
 * Rewrite the quoted packet's source (@source) or destination address
 * and port, keeping every checksum right: the quoted IP header's, its
 * TCP/UDP checksum when quoted (so the backend or client sees exactly
 * the packet it sent), and the ICMP checksum over all of them.
 */
static __always_inline void icmp_quote_rewrite(struct icmp_err *e, int source,
					       __be32 addr, __be16 port)
{
	struct iphdr *in = e->in_ip;
	__be32 *addr_field = source ? &in->saddr : &in->daddr;
	__be16 *port_field = &e->in_ports[!source];
	__be32 old_addr = *addr_field;
	__be16 old_port = *port_field;
	__u16 check;

	icmp_set16(e->icmp, &in->check,
		   csum_replace4(in->check, old_addr, addr));
	icmp_set32(e->icmp, addr_field, addr);
	if (e->in_check) {
		check = csum_replace4(*e->in_check, old_addr, addr);
		check = csum_replace2(check, old_port, port);
		if (in->protocol == IPPROTO_UDP)
			check = csum_udp(*e->in_check, check);
		icmp_set16(e->icmp, e->in_check, check);
	}
	icmp_set16(e->icmp, port_field, port);
}

/* The outer header's source or destination: no pseudo-header in ICMP. */
static __always_inline void icmp_rewrite_addr(struct pkt *p, __be32 *field,
					      __be32 new)
{
	p->ip->check = csum_replace4(p->ip->check, *field, new);
	*field = new;
}

/**
 * icmp_ingress() - send an ICMP error about a reply to the reply's backend
 * @st: this CPU's counters
 * @p:  the parsed packet, for the upstream and past the firewall
 *
 * A router on the way to a client (a smaller MTU, a TTL run out) quotes
 * the reply it could not pass on: VIP:port -> client:port. The error
 * goes to the backend that sent that reply, quoting it as the backend
 * sent it, so path MTU discovery works through the load balancer. A dr
 * or ipip backend sent it from the VIP itself: the error goes to it as
 * it is, the way the flow's packets go (fwd_send()).
 *
 * Return: XDP_REDIRECT to the backend, or SCMLB_CONTINUE: not such an
 * error, or about no flow tracked here (echo requests to a VIP too).
 */
static __always_inline int icmp_ingress(struct xdp_md *ctx,
					struct scmlb_stats *st, struct pkt *p)
{
	const struct scmlb_backend *be;
	struct scmlb_flow_key key;
	struct scmlb_flow *f;
	struct icmp_err e;

	if (!vip_hinted(p->ip->daddr) || icmp_err_parse(p, &e) ||
	    e.in_ip->saddr != p->ip->daddr)
		return SCMLB_CONTINUE;
	ct_key(&key, e.in_ip->daddr, e.in_ports[1], e.in_ip->saddr,
	       e.in_ports[0], e.in_ip->protocol);
	f = ct_client_lookup(&key);
	if (!f)
		return SCMLB_CONTINUE;
	be = backend_get(f->backend_id);
	if (!be)
		return SCMLB_CONTINUE;
	if (f->forward != SCMLB_FWD_NAT) {
		backend_count(be->id, p, 0, 0);
		return fwd_send(ctx, st, p, be, f->forward, ipip_source(&key));
	}
	icmp_quote_rewrite(&e, 1, f->nat_addr[0], f->nat_port);
	icmp_rewrite_addr(p, &p->ip->daddr, be->addr[0]);
	backend_count(be->id, p, 0, 0);
	nat_set_macs(p, be->if_mac, be->mac);
	return nat_redirect(st, &st->forwarded, be->ifindex);
}

/**
 * icmp_egress() - send a backend's ICMP error about a client's packet
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet, from a backend's side
 *
 * The backend quotes the client's packet as it got it: client:port ->
 * backend:port (a closed UDP port, say). The client gets the error from
 * the VIP, quoting the packet it sent to the VIP, so its socket sees it
 * (a connected UDP socket gets ECONNREFUSED).
 *
 * Return: XDP_REDIRECT out of the upstream, or SCMLB_CONTINUE.
 */
static __always_inline int icmp_egress(const struct scmlb_config *cfg,
				       struct scmlb_stats *st, struct pkt *p)
{
	struct scmlb_flow_key rkey;
	struct scmlb_flow *r;
	struct icmp_err e;

	if (icmp_err_parse(p, &e) || e.in_ip->saddr != p->ip->daddr)
		return SCMLB_CONTINUE;
	ct_key(&rkey, e.in_ip->daddr, e.in_ports[1], e.in_ip->saddr,
	       e.in_ports[0], e.in_ip->protocol);
	r = ct_reply_lookup(&rkey);
	if (!r || !backend_get(r->backend_id))
		return SCMLB_CONTINUE;
	icmp_quote_rewrite(&e, 0, r->nat_addr[0], r->nat_port);
	/* from the VIP, as IPVS does, whoever on the backend's side sent it */
	icmp_rewrite_addr(p, &p->ip->saddr, r->nat_addr[0]);
	backend_count(r->backend_id, p, 1, 0);
	nat_set_macs(p, cfg->upstream_mac, r->client_mac);
	return nat_redirect(st, &st->returned, cfg->upstream_ifindex);
}

#endif /* SCMLB_ICMP_H */
