/* SPDX-License-Identifier: GPL-2.0 */
/* nat.h - rewrite an address of a parsed packet and its link-layer header */
#ifndef SCMLB_NAT_H
#define SCMLB_NAT_H

#include "csum.h"
#include "maps.h"
#include "parse.h"

/*
 * Replace @old (the packet's source or destination, at @field) by @new and
 * fix the IPv4 and L4 checksums, which both cover the address.
 */
static __always_inline void nat_rewrite_addr(struct pkt *p, __be32 *field,
					     __be32 new)
{
	__be32 old = *field;

	*field = new;
	p->ip->check = csum_replace4(p->ip->check, old, new);
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = p->l4;

		th->check = csum_replace4(th->check, old, new);
	} else {
		struct udphdr *uh = p->l4;

		uh->check = csum_replace4_udp(uh->check, old, new);
	}
}

/*
 * Replace the packet's source (@source) or destination port by @new and
 * fix the L4 checksum. Ports are not in the IPv4 header; TCP and UDP
 * both start with them.
 */
static __always_inline void nat_rewrite_port(struct pkt *p, int source,
					     __be16 new)
{
	__be16 *port = (__be16 *)p->l4 + !source;
	__be16 old = *port;

	*port = new;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = p->l4;

		th->check = csum_replace2(th->check, old, new);
	} else {
		struct udphdr *uh = p->l4;

		uh->check = csum_udp(uh->check,
				     csum_replace2(uh->check, old, new));
	}
	if (source)
		p->sport = new;
	else
		p->dport = new;
}

/*
 * Send the packet out of @ifindex, counting it in @sent only when the
 * devmap takes it: an interface that vanished leaves no entry, and the
 * packet, already rewritten for it, is dropped and counted as an error.
 */
static __always_inline int nat_redirect(struct scmlb_stats *st, __u64 *sent,
					__u32 ifindex)
{
	int act = bpf_redirect_map(&lb_tx_ports, ifindex, XDP_DROP);

	if (act == XDP_REDIRECT)
		(*sent)++;
	else
		st->tx_errors++;
	return act;
}

static __always_inline void nat_set_macs(struct pkt *p, const __u8 *src,
					 const __u8 *dst)
{
	__builtin_memcpy(p->eth->h_source, src, ETH_ALEN);
	__builtin_memcpy(p->eth->h_dest, dst, ETH_ALEN);
}

#endif /* SCMLB_NAT_H */
