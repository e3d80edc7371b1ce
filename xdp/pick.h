/* SPDX-License-Identifier: GPL-2.0 */
/* pick.h - pick a new flow's backend from its service's table */
#ifndef SCMLB_PICK_H
#define SCMLB_PICK_H

#include "ct.h"
#include "maps.h"
#include "scmlb_hash.h"

/**
 * sched_pick_key() - the backend a new flow of @svc goes to
 * @svc: the service
 * @key: the flow as the client sent it: struct scmlb_flow_key, or with
 *	 @v6 struct scmlb_flow6_key
 * @v6:  a constant: which key (the hash is taken for maglev only)
 *
 * rr and wrr step a cursor through the service's ring; maglev indexes
 * its table by the flow hash, so every load balancer with the same
 * backends picks the same one, and a flow conntrack lost finds its
 * backend again.
 *
 * Return: the backend, or NULL when none takes connections.
 */
static __always_inline const struct scmlb_backend *
sched_pick_key(const struct scmlb_service *svc, const void *key, int v6)
{
	__u32 slot = svc->id % SCMLB_MAX_SERVICES, zero = 0, len, idx, entry;
	__u32 *head, *pair, *cursor;
	void *table;

	table = bpf_map_lookup_elem(&lb_pair_tables, &slot);
	if (!table)
		return NULL;
	head = bpf_map_lookup_elem(table, &zero);
	if (!head || !head[0])
		return NULL;
	len = head[0];
	if (svc->scheduler == SCMLB_SCHED_MAGLEV) {
		idx = (v6 ? scmlb_flow6_hash(key) : scmlb_flow_hash(key)) % len;
	} else {
		cursor = bpf_map_lookup_elem(&lb_rr, &slot);
		if (!cursor)
			return NULL;
		idx = *cursor % len;
		*cursor = idx + 1;
	}
	idx++;		/* slot 0 is the length */
	entry = idx / 2;	/* two slots an entry */
	pair = bpf_map_lookup_elem(table, &entry);
	return pair ? backend_get(pair[idx & 1]) : NULL;
}

static __always_inline const struct scmlb_backend *
sched_pick(const struct scmlb_service *svc, const struct scmlb_flow_key *key)
{
	return sched_pick_key(svc, key, 0);
}

static __always_inline const struct scmlb_backend *
sched6_pick(const struct scmlb_service *svc, const struct scmlb_flow6_key *key)
{
	return sched_pick_key(svc, key, 1);
}

#endif /* SCMLB_PICK_H */
