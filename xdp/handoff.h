/* SPDX-License-Identifier: GPL-2.0 */
/* handoff.h - balanced packets that XDP cannot forward: rewritten and redirected by scmlb_tc */
#ifndef SCMLB_HANDOFF_H
#define SCMLB_HANDOFF_H

#include <linux/pkt_cls.h>
#include <stddef.h>

#include "maps.h"
#include "parse.h"

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
	__be32 addr;			/* new destination, or source (reply) */
	__be16 port;			/* the port that goes with addr */
	__u8 reply;			/* a backend's reply: rewrite the source */
	__u8 pad;
	__u8 macs[2 * ETH_ALEN];	/* destination, source: as in the frame */
};
_Static_assert(sizeof(struct handoff) % 4 == 0, "XDP metadata is 4-byte words");

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
 * @dst:     its new destination MAC
 * @src:     its new source MAC
 *
 * Invalidates every pointer into the frame.
 *
 * Return: XDP_PASS, or SCMLB_CONTINUE when the driver keeps no metadata
 * (the caller parses the frame again and redirects it itself).
 */
static __always_inline int handoff(struct xdp_md *ctx, __u32 ifindex,
				   __be32 addr, __be16 port, __u8 reply,
				   const __u8 *dst, const __u8 *src)
{
	struct handoff *h;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*h)))
		return SCMLB_CONTINUE;
	data = (void *)(long)ctx->data;
	h = (void *)(long)ctx->data_meta;
	if ((void *)(h + 1) > data)
		return SCMLB_CONTINUE;
	h->magic = HANDOFF_MAGIC;
	h->ifindex = ifindex;
	h->addr = addr;
	h->port = port;
	h->reply = reply;
	h->pad = 0;
	__builtin_memcpy(h->macs, dst, ETH_ALEN);
	__builtin_memcpy(h->macs + ETH_ALEN, src, ETH_ALEN);
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
	__u32 l4, addr_off, port_off, csum_off, proto;
	__u64 mangled = 0;
	struct scmlb_stats *st;
	__be32 old_addr;
	__be16 old_port;
	struct handoff h;
	struct iphdr ip;

	if ((void *)(m + 1) > data || m->magic != HANDOFF_MAGIC)
		return TC_ACT_UNSPEC;
	h = *m;
	/* used up: a copy of it must not be taken for a new one */
	m->magic = 0;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return TC_ACT_SHOT;
	l4 = ETH_HLEN + ip.ihl * 4;
	if (ip.protocol == IPPROTO_TCP) {
		csum_off = l4 + offsetof(struct tcphdr, check);
	} else if (ip.protocol == IPPROTO_UDP) {
		csum_off = l4 + offsetof(struct udphdr, check);
		/* a UDP checksum of 0 (none) stays 0 */
		mangled = BPF_F_MARK_MANGLED_0;
	} else {
		return TC_ACT_SHOT;
	}
	/* ports: source, then destination, in TCP and UDP alike */
	port_off = l4 + (h.reply ? 0 : sizeof(__be16));
	addr_off = ETH_HLEN + (h.reply ? offsetof(struct iphdr, saddr) :
					 offsetof(struct iphdr, daddr));
	old_addr = h.reply ? ip.saddr : ip.daddr;
	if (bpf_skb_load_bytes(skb, port_off, &old_port, sizeof(old_port)))
		return TC_ACT_SHOT;

	if (old_port != h.port &&
	    (bpf_l4_csum_replace(skb, csum_off, old_port, h.port,
				 mangled | sizeof(h.port)) ||
	     bpf_skb_store_bytes(skb, port_off, &h.port, sizeof(h.port), 0)))
		return TC_ACT_SHOT;
	if (bpf_l4_csum_replace(skb, csum_off, old_addr, h.addr,
				mangled | BPF_F_PSEUDO_HDR | sizeof(h.addr)) ||
	    bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check),
				old_addr, h.addr, sizeof(h.addr)) ||
	    bpf_skb_store_bytes(skb, addr_off, &h.addr, sizeof(h.addr), 0) ||
	    bpf_skb_store_bytes(skb, 0, h.macs, sizeof(h.macs), 0))
		return TC_ACT_SHOT;

	/* the packet's own protocol's counters, as scmlb_main's */
	proto = ip.protocol == IPPROTO_TCP ? SCMLB_STAT_TCP : SCMLB_STAT_UDP;
	st = bpf_map_lookup_elem(&stat_pkts, &proto);
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
