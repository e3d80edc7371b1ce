/* SPDX-License-Identifier: GPL-2.0 */
/* svc.h - find the VIP a packet is for, and the service that takes it */
#ifndef SCMLB_SVC_H
#define SCMLB_SVC_H

#include "maps.h"
#include "parse.h"

/**
 * vip_lookup() - the VIP a TCP or UDP packet is addressed to
 * @p: the parsed packet
 *
 * Return: the VIP's entry, or NULL when the destination carries no
 * service or the packet is not balanced (not TCP/UDP, a fragment).
 */
static __always_inline const struct scmlb_vip *vip_lookup(const struct pkt *p)
{
	struct scmlb_vip_key key = {
		.family = SCMLB_AF_INET,
		.addr = { p->ip->daddr },
	};

	if (!p->l4)
		return NULL;
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
 * service_match() - the most specific service of @vip for a packet
 * @vip: the packet's VIP
 * @p:   the packet, TCP or UDP
 *
 * Exact port first, then the protocol's any-port service, then the VIP's
 * any-protocol any-port service. The exact lookup is skipped for VIPs
 * without port services.
 *
 * Return: the service, or NULL when none matches.
 */
static __always_inline const struct scmlb_service *
service_match(const struct scmlb_vip *vip, const struct pkt *p)
{
	__u32 id = 0, *found;

	if (vip->port_services) {
		struct scmlb_svc_key key = {
			.family = SCMLB_AF_INET,
			.proto = p->proto,
			.port = p->dport,
			.addr = { p->ip->daddr },
		};

		found = bpf_map_lookup_elem(&lb_svc_ids, &key);
		if (found)
			id = *found;
	}
	if (!id)
		id = vip->any_port[p->proto == IPPROTO_TCP ? SCMLB_ANY_TCP :
							    SCMLB_ANY_UDP];
	if (!id)
		id = vip->any_port[SCMLB_ANY_ALL];
	return service_get(id);
}

#endif /* SCMLB_SVC_H */
