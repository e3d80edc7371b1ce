/* SPDX-License-Identifier: GPL-2.0 */
/* ct.h - connection tracking: flow keys, TCP state, backends of flows */
#ifndef SCMLB_CT_H
#define SCMLB_CT_H

#include "maps.h"
#include "parse.h"

/**
 * backend_get() - the backend with id @id, if it still exists
 * @id: a backend id, as flows and tables hold it
 *
 * Return: the backend, or NULL when its slot is free or reused.
 */
static __always_inline const struct scmlb_backend *backend_get(__u32 id)
{
	__u32 slot = id % SCMLB_MAX_BACKENDS;
	const struct scmlb_backend *be = bpf_map_lookup_elem(&lb_backends, &slot);

	return be && be->id == id ? be : NULL;
}

/* Count a frame to (or from) a backend in its per-CPU traffic counters. */
static __always_inline void backend_count(__u32 id, const struct pkt *p,
					  int from_backend, int opened)
{
	__u32 slot = id % SCMLB_MAX_BACKENDS;
	struct scmlb_backend_stats *bs = bpf_map_lookup_elem(&lb_be_stats, &slot);
	__u64 len = bpf_ntohs(p->ip->tot_len);	/* IP bytes, as IPVS counts */

	if (!bs)
		return;
	if (from_backend) {
		bs->pkts_out++;
		bs->bytes_out += len;
	} else {
		bs->conns += opened;
		bs->pkts_in++;
		bs->bytes_in += len;
	}
}

/* The conntrack key of an IPv4 packet src:sport -> dst:dport. */
static __always_inline void ct_key(struct scmlb_flow_key *key, __be32 src,
				   __be16 sport, __be32 dst, __be16 dport,
				   __u8 proto)
{
	/* every word stored once: no memset first */
	key->src_addr = src;
	key->dst_addr = dst;
	key->src_port = sport;
	key->dst_port = dport;
	key->proto = proto;
	key->family = SCMLB_AF_INET;
	key->pad[0] = key->pad[1] = 0;
}

/* A TCP packet that opens a connection: SYN without ACK. */
static __always_inline int tcp_is_open(const struct pkt *p)
{
	return (p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN;
}

/**
 * ct_move_state() - move a flow's TCP state for a packet of either side
 * @f:            the client's entry of the flow
 * @p:            the packet, TCP
 * @from_backend: the packet is a reply
 *
 * By direction, as a stateful firewall sees a connection: opening until
 * the client ACKs the backend's SYN-ACK, established then; closing after
 * the first FIN, closed once both sides sent one (a FIN retransmitted by
 * the same side changes nothing: the other may go on sending) or on a
 * RST.
 */
static __always_inline void ct_move_state(struct scmlb_flow *f,
					  const struct pkt *p, int from_backend)
{
	__u8 flags = f->flags, state = f->state, next = state;

	if (p->tcp_flags & TCPF_RST) {
		next = SCMLB_CT_CLOSED;
	} else if (p->tcp_flags & TCPF_FIN) {
		flags |= from_backend ? SCMLB_FLOW_FIN_BACKEND :
					SCMLB_FLOW_FIN_CLIENT;
		next = (flags & SCMLB_FLOW_FIN_BACKEND) &&
		       (flags & SCMLB_FLOW_FIN_CLIENT) ? SCMLB_CT_CLOSED :
							 SCMLB_CT_CLOSING;
		if (state == SCMLB_CT_CLOSED)
			next = state;
	} else if (state == SCMLB_CT_OPENING) {
		if (from_backend && (p->tcp_flags & TCPF_SYN))
			flags |= SCMLB_FLOW_SYN_ACKED;
		else if (!from_backend && (flags & SCMLB_FLOW_SYN_ACKED) &&
			 (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_ACK)
			next = SCMLB_CT_ESTABLISHED;
	}
	/* write only what changed: established packets dirty no cache line */
	if (flags != f->flags)
		f->flags = flags;
	if (next != state)
		f->state = next;
}

/* Account a packet in the entry of its direction. */
static __always_inline void ct_count(struct scmlb_flow *f)
{
	/* not atomic: a lost increment when two CPUs race is harmless */
	f->packets++;
	/* jiffies: the verifier inlines it, a clock helper costs ~15 ns here */
	f->last_seen = bpf_jiffies64();
}

#endif /* SCMLB_CT_H */
