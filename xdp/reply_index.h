/* SPDX-License-Identifier: GPL-2.0 */
/* reply_index.h - the VIP of a reply conntrack does not know, the way to its client */
#ifndef SCMLB_REPLY_INDEX_H
#define SCMLB_REPLY_INDEX_H

#include "maps.h"
#include "parse.h"
#include "parse6.h"

/**
 * reply_index_find() - the service a backend's reply belongs to, by its source
 * @p: the reply, TCP or UDP
 *
 * The exact source only: any-port services are not in the index, since
 * their replies (from any port) look like the backend's own connections.
 *
 * Return: the entry, or NULL when no one service has the source.
 */
static __always_inline const struct scmlb_reply_to *
reply_index_get(const struct scmlb_reply_key *key)
{
	const struct scmlb_reply_to *to;

	to = bpf_map_lookup_elem(&lb_reply_index, key);
	/*
	 * Service 0 (a marker) or port 0 (an any-port service's): what an
	 * older scmlb wrote, until the next sync removes it
	 */
	return to && to->service_id && to->port ? to : NULL;
}

static __always_inline const struct scmlb_reply_to *
reply_index_find(const struct pkt *p)
{
	struct scmlb_reply_key key = {
		.family = SCMLB_AF_INET,
		.proto = p->proto,
		.port = p->sport,
		.addr = { p->ip->saddr },
	};

	return reply_index_get(&key);
}

/* reply_index_find() of an IPv6 reply: entries are keyed by family. */
static __always_inline const struct scmlb_reply_to *
reply6_index_find(const struct pkt6 *p)
{
	const __be32 *s = p->ip6->saddr.in6_u.u6_addr32;
	struct scmlb_reply_key key = {
		.family = SCMLB_AF_INET6,
		.proto = p->proto,
		.port = p->sport,
		.addr = { s[0], s[1], s[2], s[3] },
	};

	return reply_index_get(&key);
}

/* The lookup itself, of either family: see reply_fib_way(). */
static __always_inline int reply_fib_result(struct xdp_md *ctx,
					    struct bpf_fib_lookup *fib)
{
	long ret = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);

	if (ret == BPF_FIB_LKUP_RET_NO_NEIGH)
		return ret;
	if (ret != BPF_FIB_LKUP_RET_SUCCESS)
		return -1;
	return bpf_map_lookup_elem(&lb_tx_ports, &fib->ifindex) ? 0 : -1;
}

/**
 * reply_fib_way() - the kernel's next hop toward a reply's client
 * @ctx:  the frame, as it arrived
 * @p:    the reply
 * @vip:  its source once returned
 * @fib:  set to the result: egress interface, its MAC and the next hop's
 *
 * A forwarding lookup from the interface the reply came in on, as the
 * kernel would route the returned packet: route, then neighbour. No
 * MTU check (tot_len 0): a GRO-merged reply may be longer than the MTU,
 * and the conntrack path does not check it either.
 *
 * Return: 0; BPF_FIB_LKUP_RET_NO_NEIGH when the route is there but its
 * next hop's MAC is not known yet; -1 when the kernel has no way (no
 * route, forwarding off) or the way leaves through an interface scmlb
 * cannot redirect to.
 */
static __always_inline int reply_fib_way(struct xdp_md *ctx,
					 const struct pkt *p, __be32 vip,
					 struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = SCMLB_AF_INET;
	fib->l4_protocol = p->proto;
	fib->tos = p->ip->tos;
	fib->ipv4_src = vip;
	fib->ipv4_dst = p->ip->daddr;
	fib->ifindex = ctx->ingress_ifindex;
	return reply_fib_result(ctx, fib);
}

/**
 * reply_fib_way6() - reply_fib_way() of an IPv6 reply
 * @ctx: the frame, as it arrived
 * @p:   the reply
 * @vip: its source once returned
 * @fib: set to the result
 *
 * Needs net.ipv6.conf.all.forwarding=1, as IPv4's needs ip_forward.
 *
 * Return: as reply_fib_way().
 */
static __always_inline int reply_fib_way6(struct xdp_md *ctx,
					  const struct pkt6 *p,
					  const __be32 *vip,
					  struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = SCMLB_AF_INET6;
	fib->l4_protocol = p->proto;
	fib->flowinfo = *(__be32 *)p->ip6 & bpf_htonl(0x0fffffff);
	__builtin_memcpy(fib->ipv6_src, vip, sizeof(fib->ipv6_src));
	__builtin_memcpy(fib->ipv6_dst, &p->ip6->daddr, sizeof(fib->ipv6_dst));
	fib->ifindex = ctx->ingress_ifindex;
	return reply_fib_result(ctx, fib);
}

#endif /* SCMLB_REPLY_INDEX_H */
