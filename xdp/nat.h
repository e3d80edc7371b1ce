/* SPDX-License-Identifier: GPL-2.0 */
/* nat.h - rewrite an address of a parsed packet and its link-layer header */
#ifndef SCMLB_NAT_H
#define SCMLB_NAT_H

#include "bench_skip.h"
#include "csum.h"
#include "maps.h"
#include "parse.h"
#include "parse6.h"

/*
 * Replace @old (the packet's source or destination, at @field) by @new and
 * fix the IPv4 and L4 checksums, which both cover the address.
 */
static __always_inline void nat_rewrite_addr(struct pkt *p, __be32 *field,
					     __be32 new)
{
	__be32 old = *field;

	if (bench_skip(SCMLB_SKIP_NAT))
		return;

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
 * Replace the source (@source) or destination port of the TCP or UDP
 * header at @l4 by @new and fix its checksum: the ports are not in the
 * IP header, and TCP and UDP both start with them. @v6: IPv6, where a
 * UDP checksum is never 0 (a computed 0 is sent as 0xffff).
 */
static __always_inline void l4_rewrite_port(void *l4, void *data_end,
					    __u8 proto, int source,
					    __be16 new, int v6)
{
	struct tcphdr *th;
	struct udphdr *uh;
	__be16 *port;
	__be16 old;
	__u16 check;

	/*
	 * Parsed already, but an IPv6 header chain's L4 header reaches here
	 * in a register the verifier lost its bounds on (clang 14): checked
	 * again in each branch, on a value the compiler cannot fold.
	 */
	if (v6)
		barrier_var(l4);
	if (proto == IPPROTO_TCP) {
		th = l4;
		if ((void *)(th + 1) > data_end)
			return;
		port = source ? &th->source : &th->dest;
		old = *port;
		*port = new;
		th->check = csum_replace2(th->check, old, new);
	} else {
		uh = l4;
		if ((void *)(uh + 1) > data_end)
			return;
		port = source ? &uh->source : &uh->dest;
		old = *port;
		*port = new;
		check = csum_replace2(uh->check, old, new);
		uh->check = v6 ? (check ? check : 0xffff) :
				 csum_udp(uh->check, check);
	}
}

/* Replace an IPv4 packet's source (@source) or destination port by @new. */
static __always_inline void nat_rewrite_port(struct pkt *p, int source,
					     __be16 new)
{
	if (bench_skip(SCMLB_SKIP_NAT))
		return;
	l4_rewrite_port(p->l4, p->data_end, p->proto, source, new, 0);
	if (source)
		p->sport = new;
	else
		p->dport = new;
}

/*
 * Replace an IPv6 packet's source or destination address (at @field) by
 * @new and fix its L4 checksum, whose pseudo-header covers it: IPv6 has
 * no header checksum.
 */
static __always_inline void nat6_rewrite_addr(struct pkt6 *p, __be32 *field,
					      const __be32 *new)
{
	__be32 old[4] = { field[0], field[1], field[2], field[3] };

	if (bench_skip(SCMLB_SKIP_NAT))
		return;
	void *l4 = p->l4;
	struct tcphdr *th;
	struct udphdr *uh;
	__u16 check;

	field[0] = new[0];
	field[1] = new[1];
	field[2] = new[2];
	field[3] = new[3];
	/* as in l4_rewrite_port() */
	barrier_var(l4);
	if (p->proto == IPPROTO_TCP) {
		th = l4;
		if ((void *)(th + 1) <= p->data_end)
			th->check = csum_replace16(th->check, old, new);
	} else {
		uh = l4;
		if ((void *)(uh + 1) > p->data_end)
			return;
		check = csum_replace16(uh->check, old, new);
		uh->check = check ? check : 0xffff;
	}
}

/* Replace an IPv6 packet's source (@source) or destination port by @new. */
static __always_inline void nat6_rewrite_port(struct pkt6 *p, int source,
					      __be16 new)
{
	if (bench_skip(SCMLB_SKIP_NAT))
		return;
	l4_rewrite_port(p->l4, p->data_end, p->proto, source, new, 1);
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
	int act;

	if (bench_skip(SCMLB_SKIP_REDIRECT)) {
		(*sent)++;
		return XDP_TX;
	}
	act = bpf_redirect_map(&lb_tx_ports, ifindex, XDP_DROP);
	if (act == XDP_REDIRECT)
		(*sent)++;
	else
		st->tx_errors++;
	return act;
}

/*
 * Copy a MAC as three 16-bit words, half the loads and stores of a byte
 * copy (clang copies bytes: it cannot know the alignment). Every MAC
 * scmlb reads lies at an even offset (scmlb_structs.h asserts it), as
 * do an Ethernet header's.
 */
static __always_inline void mac_copy(__u8 *to, const __u8 *from)
{
	__u16 *t = (__u16 *)to;
	const __u16 *f = (const __u16 *)from;

	t[0] = f[0];
	t[1] = f[1];
	t[2] = f[2];
}

/* Set the frame's MACs; @eth: its Ethernet header, of either family. */
static __always_inline void eth_set_macs(struct ethhdr *eth, const __u8 *src,
					 const __u8 *dst)
{
	if (bench_skip(SCMLB_SKIP_NAT))
		return;
	mac_copy(eth->h_source, src);
	mac_copy(eth->h_dest, dst);
}

static __always_inline void nat_set_macs(struct pkt *p, const __u8 *src,
					 const __u8 *dst)
{
	eth_set_macs(p->eth, src, dst);
}

#endif /* SCMLB_NAT_H */
