/* SPDX-License-Identifier: GPL-2.0 */
/* conntrack.h - read the flow table in batches */
#ifndef SCMLB_CONNTRACK_H
#define SCMLB_CONNTRACK_H

#include "maps.h"

/* Called for every flow; a non-zero return stops the walk and is returned. */
typedef int (*scmlb_flow_fn)(const struct scmlb_flow_key *key,
			     const struct scmlb_flow *flow, void *arg);

int scmlb_ct_for_each(const struct scmlb_ctx *ctx, scmlb_flow_fn fn, void *arg);
const char *scmlb_ct_state_name(__u8 state);

/* What one pass of scmlb_ct_prune() found and removed. */
struct scmlb_ct_prune_stats {
	size_t checked;
	size_t closed;
	size_t idle;
};

int scmlb_ct_prune(const struct scmlb_ctx *ctx, __u64 max_idle_ns,
		   struct scmlb_ct_prune_stats *stats);

#endif /* SCMLB_CONNTRACK_H */
