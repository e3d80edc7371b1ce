/* SPDX-License-Identifier: GPL-2.0 */
/* pick.h - pick a new flow's backend from its service's table */
#ifndef SCMLB_PICK_H
#define SCMLB_PICK_H

#include "ct.h"
#include "maps.h"
#include "scmlb_hash.h"

/**
 * sched_pick() - the backend a new flow of @svc goes to
 * @svc: the service
 * @key: the flow as the client sent it
 *
 * rr and wrr step a cursor through the service's ring; maglev indexes
 * its table by the flow hash, so every load balancer with the same
 * backends picks the same one, and a flow conntrack lost finds its
 * backend again.
 *
 * Return: the backend, or NULL when none takes connections.
 */
static __always_inline const struct scmlb_backend *
sched_pick(const struct scmlb_service *svc, const struct scmlb_flow_key *key)
{
	__u32 slot = svc->id % SCMLB_MAX_SERVICES, zero = 0, len, idx;
	__u32 *n, *id, *cursor;
	void *table;

	table = bpf_map_lookup_elem(&lb_tables, &slot);
	if (!table)
		return NULL;
	n = bpf_map_lookup_elem(table, &zero);
	if (!n || !*n)
		return NULL;
	len = *n;
	if (svc->scheduler == SCMLB_SCHED_MAGLEV) {
		idx = scmlb_flow_hash(key) % len;
	} else {
		cursor = bpf_map_lookup_elem(&lb_rr, &slot);
		if (!cursor)
			return NULL;
		idx = *cursor % len;
		*cursor = idx + 1;
	}
	idx++;		/* slot 0 is the length */
	id = bpf_map_lookup_elem(table, &idx);
	return id ? backend_get(*id) : NULL;
}

#endif /* SCMLB_PICK_H */
