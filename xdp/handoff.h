/* SPDX-License-Identifier: GPL-2.0 */
/* handoff.h - balanced packets that XDP cannot forward: rewritten and redirected by scmlb_tc */
#ifndef SCMLB_HANDOFF_H
#define SCMLB_HANDOFF_H

#include <linux/pkt_cls.h>
#include <stddef.h>

#include "maps.h"
#include "parse.h"
#include "parse6.h"
#include "syn_proxy.h"

/*
 * XDP sees a frame, not a socket buffer: it cannot tell a partial
 * checksum (a local sender's, which a veth passes on as it is) from a
 * complete one, and a frame it redirects loses the buffer's checksum
 * state and its GSO segmentation. Generic XDP cannot redirect a GSO
 * packet larger than the target's MTU, and native XDP cannot redirect
 * into a veth whose peer has neither GRO nor an XDP program. Flows
 * through such interfaces are balanced by scmlb_main as usual, but it
 * leaves the packet as it is, writes what to do in the XDP metadata and
 * passes it on; scmlb_tc, on the same interface, rewrites the socket
 * buffer with the kernel's checksum helpers (which know its checksum
 * state and keep its GSO type) and redirects it.
 */
struct handoff {
	__u32 magic;			/* HANDOFF_MAGIC */
	__u32 ifindex;			/* where to redirect it */
	scmlb_addr_t addr;		/* new destination, or source (reply);
					 * IPv4: addr[0] */
	__be16 port;			/* the port that goes with addr */
	__u8 reply;			/* a backend's reply: rewrite the source */
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6 */
	__u8 macs[2 * ETH_ALEN];	/* destination, source: as in the frame */
	__u16 l4_off;			/* IPv6: its TCP/UDP header, from the
					 * MAC header (past extension headers) */
	__u8 proto;			/* IPv6: IPPROTO_TCP or IPPROTO_UDP */
	__u8 syn_proxy;			/* a --syn-proxy flow's: translate it */
};
/*
 * 44 bytes: XDP metadata above 32 needs Linux 6.0 (xdp_metalen_invalid()
 * takes up to 255 since); test_handoff proves it on the kernel it runs on.
 */
_Static_assert(sizeof(struct handoff) == 44, "XDP metadata is 4-byte words");

/* Metadata that another program may have left cannot pass for ours. */
#define HANDOFF_MAGIC 0x5c1b4d01

/*
 * The path of a flow between interfaces @a and @b; both directions cross
 * the same two, so one answer serves the flow's two entries. Handing off
 * needs scmlb_tc on both: a reply is handed off on the other one.
 */
static __always_inline __u8 handoff_path(__u32 a, __u32 b)
{
	const __u32 *fa = bpf_map_lookup_elem(&lb_ifaces, &a), *fb;

	if (!fa || !(*fa & SCMLB_IF_TC))
		return SCMLB_FLOW_DIRECT;
	fb = a == b ? fa : bpf_map_lookup_elem(&lb_ifaces, &b);
	if (!fb || !(*fb & SCMLB_IF_TC))
		return SCMLB_FLOW_DIRECT;
	return (*fa | *fb) & SCMLB_IF_SKB ? SCMLB_FLOW_HANDOFF :
					    SCMLB_FLOW_DIRECT;
}

/*
 * The path of a tracked flow; a flow opened by an older data plane gets
 * one with its next packet.
 */
static __always_inline __u8 flow_path(struct scmlb_flow *f, __u32 a, __u32 b)
{
	__u8 path = f->flags & (SCMLB_FLOW_DIRECT | SCMLB_FLOW_HANDOFF);

	if (!path) {
		path = handoff_path(a, b);
		f->flags |= path;
	}
	return path;
}

/**
 * handoff() - leave a balanced packet to scmlb_tc
 * @ctx:     the frame, untouched
 * @ifindex: where scmlb_tc redirects it
 * @addr:    its new destination, or its new source for a reply
 * @port:    the port that goes with @addr
 * @reply:   rewrite the source (a backend's reply), not the destination
 * @proxied: a --syn-proxy flow's packet, for scmlb_tc to translate
 * @dst:     its new destination MAC
 * @src:     its new source MAC
 *
 * Invalidates every pointer into the frame.
 *
 * Return: XDP_PASS, or SCMLB_CONTINUE when the driver keeps no metadata
 * (the caller parses the frame again and redirects it itself).
 */
static __always_inline struct handoff *
handoff_meta(struct xdp_md *ctx, __u32 ifindex, __u16 port, __u8 reply,
	     const __u8 *dst, const __u8 *src)
{
	struct handoff *h;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*h)))
		return NULL;
	data = (void *)(long)ctx->data;
	h = (void *)(long)ctx->data_meta;
	if ((void *)(h + 1) > data)
		return NULL;
	h->magic = HANDOFF_MAGIC;
	h->ifindex = ifindex;
	h->port = port;
	h->reply = reply;
	h->l4_off = 0;
	h->proto = 0;
	h->syn_proxy = 0;
	__builtin_memcpy(h->macs, dst, ETH_ALEN);
	__builtin_memcpy(h->macs + ETH_ALEN, src, ETH_ALEN);
	return h;
}

static __always_inline int handoff(struct xdp_md *ctx, __u32 ifindex,
				   __be32 addr, __be16 port, __u8 reply,
				   __u8 proxied, const __u8 *dst, const __u8 *src)
{
	struct handoff *h = handoff_meta(ctx, ifindex, port, reply, dst, src);

	if (!h)
		return SCMLB_CONTINUE;
	h->syn_proxy = proxied;
	h->family = SCMLB_AF_INET;
	h->addr[0] = addr;
	h->addr[1] = h->addr[2] = h->addr[3] = 0;
	return XDP_PASS;
}

/*
 * handoff() of an IPv6 packet @p: also where its TCP or UDP header is,
 * which scmlb_tc would otherwise have to find past extension headers.
 * When the driver keeps no metadata, @p is parsed again for XDP to
 * redirect it after all: SCMLB_CONTINUE, or XDP_ABORTED if the new
 * parse (which cannot differ) does not find its L4 header.
 */
static __always_inline int handoff6(struct xdp_md *ctx, struct pkt6 *p,
				    __u32 ifindex, const __be32 *addr,
				    __be16 port, __u8 reply, __u8 proxied,
				    const __u8 *dst, const __u8 *src)
{
	__u16 l4_off = sizeof(struct ethhdr) + p->l3_len;
	__u8 proto = p->proto;
	scmlb_addr_t a = { addr[0], addr[1], addr[2], addr[3] };
	struct handoff *h = handoff_meta(ctx, ifindex, port, reply, dst, src);

	if (!h) {
		if (parse_ip6(ctx, p) < 0)
			return XDP_ABORTED;
		parse_l4_6(p);
		return p->l4 ? SCMLB_CONTINUE : XDP_ABORTED;
	}
	h->syn_proxy = proxied;
	h->family = SCMLB_AF_INET6;
	__builtin_memcpy(h->addr, a, sizeof(a));
	h->l4_off = l4_off;
	h->proto = proto;
	return XDP_PASS;
}

/**
 * handoff_apply() - rewrite and redirect a socket buffer scmlb_main handed off
 * @skb: at tc ingress, the MAC header first
 *
 * The kernel's helpers update the checksums for the buffer's state: a
 * partial checksum's pseudo-header sum, or a complete one and the
 * buffer's csum. Headers are read and written by offset, so a GSO
 * packet's need not be linear.
 *
 * Return: TC_ACT_REDIRECT; TC_ACT_UNSPEC (the next filter, then the
 * kernel) for a packet without our metadata; TC_ACT_SHOT when a helper
 * fails.
 */
static __always_inline int handoff_apply(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct handoff *m = (void *)(long)skb->data_meta;
	__u32 l4, addr_off, port_off, csum_off, proto, i;
	__u64 mangled = 0;
	struct scmlb_stats *st;
	scmlb_addr_t old_addr;
	__be16 old_port;
	struct handoff h;
	struct iphdr ip;
	int v6;

	if ((void *)(m + 1) > data || m->magic != HANDOFF_MAGIC)
		return TC_ACT_UNSPEC;
	h = *m;
	/* used up: a copy of it must not be taken for a new one */
	m->magic = 0;

	v6 = h.family == SCMLB_AF_INET6;
	if (v6) {
		l4 = h.l4_off;
		proto = h.proto;
		addr_off = ETH_HLEN + (h.reply ? offsetof(struct ipv6hdr, saddr) :
						 offsetof(struct ipv6hdr, daddr));
		if (bpf_skb_load_bytes(skb, addr_off, old_addr,
				       sizeof(old_addr)))
			return TC_ACT_SHOT;
	} else {
		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
			return TC_ACT_SHOT;
		l4 = ETH_HLEN + ip.ihl * 4;
		proto = ip.protocol;
		addr_off = ETH_HLEN + (h.reply ? offsetof(struct iphdr, saddr) :
						 offsetof(struct iphdr, daddr));
		old_addr[0] = h.reply ? ip.saddr : ip.daddr;
	}
	if (proto == IPPROTO_TCP) {
		csum_off = l4 + offsetof(struct tcphdr, check);
		/* before the rewrite: the flow is found by the packet's tuple */
		if (h.syn_proxy &&
		    syn_proxy_tc(skb, v6 ? NULL : &ip, l4, csum_off, h.reply,
				 h.addr, h.port))
			return TC_ACT_SHOT;
	} else if (proto == IPPROTO_UDP) {
		csum_off = l4 + offsetof(struct udphdr, check);
		/*
		 * a UDP checksum of 0 (IPv4: none) stays 0, a computed 0
		 * is sent as 0xffff
		 */
		mangled = BPF_F_MARK_MANGLED_0;
	} else {
		return TC_ACT_SHOT;
	}
	/* ports: source, then destination, in TCP and UDP alike */
	port_off = l4 + (h.reply ? 0 : sizeof(__be16));
	if (bpf_skb_load_bytes(skb, port_off, &old_port, sizeof(old_port)))
		return TC_ACT_SHOT;

	if (old_port != h.port &&
	    (bpf_l4_csum_replace(skb, csum_off, old_port, h.port,
				 mangled | sizeof(h.port)) ||
	     bpf_skb_store_bytes(skb, port_off, &h.port, sizeof(h.port), 0)))
		return TC_ACT_SHOT;
	if (v6) {
		/* no IP checksum; the pseudo-header's words one by one */
		for (i = 0; i < 4; i++)
			if (bpf_l4_csum_replace(skb, csum_off, old_addr[i],
						h.addr[i], mangled |
						BPF_F_PSEUDO_HDR |
						sizeof(h.addr[i])))
				return TC_ACT_SHOT;
		if (bpf_skb_store_bytes(skb, addr_off, h.addr, sizeof(h.addr),
					0))
			return TC_ACT_SHOT;
	} else if (bpf_l4_csum_replace(skb, csum_off, old_addr[0], h.addr[0],
				       mangled | BPF_F_PSEUDO_HDR |
				       sizeof(h.addr[0])) ||
		   bpf_l3_csum_replace(skb, ETH_HLEN +
				       offsetof(struct iphdr, check),
				       old_addr[0], h.addr[0],
				       sizeof(h.addr[0])) ||
		   bpf_skb_store_bytes(skb, addr_off, &h.addr[0],
				       sizeof(h.addr[0]), 0)) {
		return TC_ACT_SHOT;
	}
	if (bpf_skb_store_bytes(skb, 0, h.macs, sizeof(h.macs), 0))
		return TC_ACT_SHOT;

	/* the packet's own protocol's counters, as scmlb_main's */
	proto = proto == IPPROTO_TCP ? SCMLB_STAT_TCP : SCMLB_STAT_UDP;
	st = bpf_map_lookup_elem(v6 ? (void *)&stat6_pkts : (void *)&stat_pkts,
				 &proto);
	/* an interface that vanished leaves the devmap: a tx error */
	if (!bpf_map_lookup_elem(&lb_tx_ports, &h.ifindex)) {
		if (st)
			st->tx_errors++;
		return TC_ACT_SHOT;
	}
	if (st) {
		if (h.reply)
			st->returned++;
		else
			st->forwarded++;
	}
	return bpf_redirect(h.ifindex, 0);
}

#endif /* SCMLB_HANDOFF_H */
