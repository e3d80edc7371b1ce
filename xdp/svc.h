/* SPDX-License-Identifier: GPL-2.0 */
/* svc.h - find the VIP a packet is for, and the service that takes it */
#ifndef SCMLB_SVC_H
#define SCMLB_SVC_H

#include "bench_skip.h"
#include "maps.h"
#include "parse.h"
#include "parse6.h"
#include "scmlb_hash.h"

/* Whether @addr's bit in lb_vip_hint is set: it may be a VIP. */
static __always_inline int vip_addr_hinted(const scmlb_addr_t addr)
{
	__u32 zero = 0, bit = scmlb_vip_hint_bit(addr);
	const struct scmlb_vip_hint *hint;

	/* a stage-cost build without the hint: any address may be a VIP */
	if (bench_skip(SCMLB_SKIP_VIP_HINT))
		return 1;
	hint = bpf_map_lookup_elem(&lb_vip_hint, &zero);
	return hint && (hint->bits[(bit / 64) & (SCMLB_VIP_HINT_BITS / 64 - 1)] >>
			(bit % 64) & 1);
}

/* vip_addr_hinted() of an IPv4 address. */
static __always_inline int vip_hinted(__be32 daddr)
{
	scmlb_addr_t addr = { daddr };

	return vip_addr_hinted(addr);
}

/* An IPv6 packet's destination, as the maps' keys hold addresses. */
static __always_inline const __be32 *ip6_daddr(const struct pkt6 *p)
{
	return p->ip6->daddr.in6_u.u6_addr32;
}

static __always_inline const __be32 *ip6_saddr(const struct pkt6 *p)
{
	return p->ip6->saddr.in6_u.u6_addr32;
}

/* vip_maybe() of an IPv6 packet. */
static __always_inline int vip6_maybe(const struct pkt6 *p)
{
	return p->l4 && vip_addr_hinted(ip6_daddr(p));
}

/* vip_lookup() of an IPv6 packet. */
static __always_inline const struct scmlb_vip *vip6_lookup(const struct pkt6 *p)
{
	const __be32 *d = ip6_daddr(p);
	struct scmlb_vip_key key = {
		.family = SCMLB_AF_INET6,
		.addr = { d[0], d[1], d[2], d[3] },
	};

	return bpf_map_lookup_elem(&lb_vips, &key);
}

/**
 * vip_maybe() - whether a packet may be for a VIP, without a hash lookup
 * @p: the parsed packet
 *
 * Return: 0 for what is surely not balanced: not TCP/UDP, a fragment,
 * a destination whose bit in lb_vip_hint is clear.
 */
static __always_inline int vip_maybe(const struct pkt *p)
{
	return p->l4 && vip_hinted(p->ip->daddr);
}

/**
 * vip_lookup() - the VIP a TCP or UDP packet is addressed to
 * @p: the parsed packet
 *
 * Return: the VIP's entry, or NULL when the destination carries no
 * service.
 */
static __always_inline const struct scmlb_vip *vip_lookup(const struct pkt *p)
{
	struct scmlb_vip_key key = {
		.family = SCMLB_AF_INET,
		.addr = { p->ip->daddr },
	};

	return bpf_map_lookup_elem(&lb_vips, &key);
}

static __always_inline const struct scmlb_service *service_get(__u32 id)
{
	__u32 slot = id % SCMLB_MAX_SERVICES;
	const struct scmlb_service *svc;

	if (!id)
		return NULL;
	svc = bpf_map_lookup_elem(&lb_services, &slot);
	return svc && svc->id == id ? svc : NULL;
}

/**
 * service_find() - the most specific service of @vip for a packet
 * @vip: the packet's VIP
 * @key: the packet's VIP, protocol (TCP or UDP) and destination port
 *
 * Exact port first, then the protocol's any-port service, then the VIP's
 * any-protocol any-port service. The exact lookup is skipped for VIPs
 * without port services.
 *
 * Return: the service, or NULL when none matches.
 */
static __always_inline const struct scmlb_service *
service_find(const struct scmlb_vip *vip, const struct scmlb_svc_key *key)
{
	__u32 id = 0, *found;

	if (vip->port_services) {
		found = bpf_map_lookup_elem(&lb_svc_ids, key);
		if (found)
			id = *found;
	}
	if (!id)
		id = vip->any_port[key->proto == IPPROTO_TCP ? SCMLB_ANY_TCP :
								SCMLB_ANY_UDP];
	if (!id)
		id = vip->any_port[SCMLB_ANY_ALL];
	return service_get(id);
}

/* service_find() for an IPv4 packet. */
static __always_inline const struct scmlb_service *
service_match(const struct scmlb_vip *vip, const struct pkt *p)
{
	struct scmlb_svc_key key = {
		.family = SCMLB_AF_INET,
		.proto = p->proto,
		.port = p->dport,
		.addr = { p->ip->daddr },
	};

	return service_find(vip, &key);
}

/* service_find() for an IPv6 packet. */
static __always_inline const struct scmlb_service *
service6_match(const struct scmlb_vip *vip, const struct pkt6 *p)
{
	const __be32 *d = ip6_daddr(p);
	struct scmlb_svc_key key = {
		.family = SCMLB_AF_INET6,
		.proto = p->proto,
		.port = p->dport,
		.addr = { d[0], d[1], d[2], d[3] },
	};

	return service_find(vip, &key);
}

#endif /* SCMLB_SVC_H */
