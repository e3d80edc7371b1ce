/* SPDX-License-Identifier: GPL-2.0 */
/* batch.h - many writes under one lock, each service's table built once at the end */
#ifndef SCMLB_BATCH_H
#define SCMLB_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps.h"

/* An interface toward backends: how many use it, whether it is ready. */
struct scmlb_batch_iface {
	__u32 ifindex;
	__u32 backends;
	bool ready;			/* scmlb_iface_use() made it so in the batch */
};

/*
 * What a batch defers, and what it knows without reading every backend:
 * the counts follow each write of lb_backends in the batch.
 */
struct scmlb_batch {
	bool repaired;			/* the services' lookups were repaired */
	bool index_stale;		/* lb_reply_index is to be synced */
	__u16 svc_backends[SCMLB_MAX_SERVICES];	/* by service slot */
	__u64 stale[SCMLB_MAX_SERVICES / 64];	/* tables to build, by slot */
	__u64 published[SCMLB_MAX_SERVICES / 64]; /* built during the batch */
	__u64 fresh[SCMLB_MAX_BACKENDS / 64];	/* added, in no table yet */
	struct scmlb_batch_iface *ifaces;
	size_t n_ifaces;
};

int scmlb_batch_begin(struct scmlb_ctx *ctx);
int scmlb_batch_end(struct scmlb_ctx *ctx, bool publish, __u32 *failed);
int scmlb_batch_index(struct scmlb_ctx *ctx);
bool scmlb_batch_defer_table(const struct scmlb_ctx *ctx, __u32 service_id,
			     const struct scmlb_backend *leaving);
void scmlb_batch_published(const struct scmlb_ctx *ctx, __u32 service_id);
int scmlb_batch_written(const struct scmlb_ctx *ctx,
			const struct scmlb_backend *old,
			const struct scmlb_backend *now);
bool scmlb_batch_iface_in_use(const struct scmlb_ctx *ctx, __u32 ifindex,
			      __u32 except_id);
bool scmlb_batch_iface_ready(const struct scmlb_ctx *ctx, __u32 ifindex);
void scmlb_batch_iface_mark(const struct scmlb_ctx *ctx, __u32 ifindex,
			    bool ready);

#endif /* SCMLB_BATCH_H */
