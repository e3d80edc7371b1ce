// SPDX-License-Identifier: GPL-2.0
/* batch.c - many writes under one lock, each service's table built once at the end */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends.h"
#include "batch.h"
#include "reply_index.h"
#include "services.h"

static bool bit_test(const __u64 *bits, __u32 i)
{
	return bits[i / 64] & (1ULL << (i % 64));
}

static void bit_set(__u64 *bits, __u32 i, bool on)
{
	if (on)
		bits[i / 64] |= 1ULL << (i % 64);
	else
		bits[i / 64] &= ~(1ULL << (i % 64));
}

static struct scmlb_batch_iface *iface_find(const struct scmlb_batch *b,
					    __u32 ifindex)
{
	size_t i;

	for (i = 0; i < b->n_ifaces; i++)
		if (b->ifaces[i].ifindex == ifindex)
			return &b->ifaces[i];
	return NULL;
}

/* Count one backend more (@delta 1) or less (-1) on @ifindex. */
static int iface_count(struct scmlb_batch *b, __u32 ifindex, int delta)
{
	struct scmlb_batch_iface *bi = iface_find(b, ifindex);

	if (!bi) {
		bi = realloc(b->ifaces, (b->n_ifaces + 1) * sizeof(*bi));
		if (!bi)
			return -ENOMEM;
		b->ifaces = bi;
		bi += b->n_ifaces++;
		*bi = (struct scmlb_batch_iface){ .ifindex = ifindex };
	}
	bi->backends += delta;
	return 0;
}

/**
 * scmlb_batch_begin() - start deferring what each write redoes for the whole
 *			 instance
 * @ctx: the run, holding the exclusive lock to the end of the batch
 *
 * Until scmlb_batch_end(): lb_reply_index is synced, and a table that
 * gains backends is built, once at the end; the services' lookups are
 * repaired at the first service added, not at each; the backends per
 * service and per interface are counted here instead of read. A table a
 * backend leaves is still built at once (the index synced first), unless
 * the backend is in none yet, so no table ever names a backend that is
 * drained or gone. A run killed in the batch leaves backends in no table
 * yet and a stale index (which the next write or scmlb-gc pass syncs),
 * and SCMLB_CFG_TABLES_BUSY set: the next batch syncs the index and
 * builds every table.
 *
 * Return: 0 or -errno.
 */
int scmlb_batch_begin(struct scmlb_ctx *ctx)
{
	struct scmlb_backend *list;
	struct scmlb_batch *b;
	bool killed;
	size_t n, i;
	int err;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	err = scmlb_config_refresh(ctx);
	killed = ctx->cfg.flags & SCMLB_CFG_TABLES_BUSY;
	if (!err)
		err = scmlb_config_set_flag(ctx, SCMLB_CFG_TABLES_BUSY, true);
	if (!err)
		err = scmlb_backends_list(ctx, &list, &n);
	if (err) {
		free(b);
		return err;
	}
	if (killed) {
		memset(b->stale, 0xff, sizeof(b->stale));
		b->index_stale = true;
	}
	for (i = 0; i < n && !err; i++) {
		b->svc_backends[list[i].service_id % SCMLB_MAX_SERVICES]++;
		err = iface_count(b, list[i].ifindex, 1);
	}
	free(list);
	if (err) {
		free(b->ifaces);
		free(b);
		return err;
	}
	ctx->batch = b;
	return 0;
}

/**
 * scmlb_batch_end() - do what the batch deferred, and stop deferring
 * @ctx:     the run in a batch
 * @publish: sync the index and build the tables; false when the instance
 *           is gone (a fresh attach undone): SCMLB_CFG_TABLES_BUSY stays
 * @failed:  set to the service whose table could not be built, 0 for
 *           none (or the index)
 *
 * The index first: a table never names a backend whose replies it does
 * not know.
 *
 * Return: 0 or -errno; the batch ends either way.
 */
int scmlb_batch_end(struct scmlb_ctx *ctx, bool publish, __u32 *failed)
{
	struct scmlb_batch *b = ctx->batch;
	struct scmlb_service *svcs = NULL;
	size_t n = 0, i, k = 0;
	__u32 *ids = NULL;
	int err = 0;

	*failed = 0;
	if (!b)
		return 0;
	ctx->batch = NULL;
	if (publish && b->index_stale)
		err = scmlb_reply_index_sync(ctx);
	if (publish && !err)
		err = scmlb_services_list(ctx, &svcs, &n);
	if (!err && n) {
		ids = calloc(n, sizeof(*ids));
		if (!ids)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < n; i++)
		if (bit_test(b->stale, svcs[i].id % SCMLB_MAX_SERVICES))
			ids[k++] = svcs[i].id;
	if (!err && k)
		err = scmlb_services_publish(ctx, ids, k, failed);
	if (publish && !err)
		err = scmlb_config_set_flag(ctx, SCMLB_CFG_TABLES_BUSY, false);
	free(ids);
	free(svcs);
	free(b->ifaces);
	free(b);
	return err;
}

/**
 * scmlb_batch_index() - sync lb_reply_index now, when the batch deferred it
 * @ctx: the run; in a batch or not
 *
 * Return: 0 or -errno.
 */
int scmlb_batch_index(struct scmlb_ctx *ctx)
{
	struct scmlb_batch *b = ctx->batch;
	int err;

	if (!b || !b->index_stale)
		return 0;
	ctx->batch = NULL;
	err = scmlb_reply_index_sync(ctx);
	ctx->batch = b;
	if (!err)
		b->index_stale = false;
	return err;
}

/**
 * scmlb_batch_defer_table() - whether a service's table waits for the end
 * @ctx:        the run in a batch
 * @service_id: the service
 * @leaving:    the backend that stops taking connections, or NULL
 *
 * A table that only gains backends waits. One that loses a backend is
 * built now, unless that backend was added in the batch and the service's
 * table was not built since: no table names it then.
 *
 * Return: true when deferred (the table is then built at the end).
 */
bool scmlb_batch_defer_table(const struct scmlb_ctx *ctx, __u32 service_id,
			     const struct scmlb_backend *leaving)
{
	struct scmlb_batch *b = ctx->batch;
	__u32 slot = service_id % SCMLB_MAX_SERVICES;

	if (leaving && (!bit_test(b->fresh, leaving->id % SCMLB_MAX_BACKENDS) ||
			bit_test(b->published, slot)))
		return false;
	bit_set(b->stale, slot, true);
	return true;
}

/* A service's table was built during the batch: it names its fresh backends. */
void scmlb_batch_published(const struct scmlb_ctx *ctx, __u32 service_id)
{
	bit_set(ctx->batch->published, service_id % SCMLB_MAX_SERVICES, true);
}

/**
 * scmlb_batch_written() - follow a write of a backend's slot
 * @ctx: the run in a batch
 * @old: what the slot held (id 0: free)
 * @now: what it holds (id 0: freed)
 *
 * Return: 0 or -ENOMEM.
 */
int scmlb_batch_written(const struct scmlb_ctx *ctx,
			const struct scmlb_backend *old,
			const struct scmlb_backend *now)
{
	struct scmlb_batch *b = ctx->batch;
	int err = 0;

	if (old->id) {
		b->svc_backends[old->service_id % SCMLB_MAX_SERVICES]--;
		err = iface_count(b, old->ifindex, -1);
	}
	if (now->id) {
		b->svc_backends[now->service_id % SCMLB_MAX_SERVICES]++;
		if (!err)
			err = iface_count(b, now->ifindex, 1);
	}
	if (!old->id && now->id)
		bit_set(b->fresh, now->id % SCMLB_MAX_BACKENDS, true);
	if (old->id && !now->id)
		bit_set(b->fresh, old->id % SCMLB_MAX_BACKENDS, false);
	return err;
}

/* scmlb_iface_in_use() in a batch: from the counts, not the backends. */
bool scmlb_batch_iface_in_use(const struct scmlb_ctx *ctx, __u32 ifindex,
			      __u32 except_id)
{
	struct scmlb_batch_iface *bi = iface_find(ctx->batch, ifindex);
	__u32 n = bi ? bi->backends : 0;
	struct scmlb_backend be;

	/* @except_id counts there while it is stored there */
	if (n && except_id && !scmlb_backend_get(ctx, except_id, &be) &&
	    be.ifindex == ifindex)
		n--;
	return n > 0;
}

/* Whether scmlb_iface_use() made @ifindex ready in this batch already. */
bool scmlb_batch_iface_ready(const struct scmlb_ctx *ctx, __u32 ifindex)
{
	struct scmlb_batch_iface *bi = iface_find(ctx->batch, ifindex);

	return bi && bi->ready;
}

/* Note that @ifindex was made ready, or let go. */
void scmlb_batch_iface_mark(const struct scmlb_ctx *ctx, __u32 ifindex,
			    bool ready)
{
	struct scmlb_batch_iface *bi = iface_find(ctx->batch, ifindex);

	/* not counted yet: it is made ready before its first backend */
	if (!bi && ready && !iface_count(ctx->batch, ifindex, 0))
		bi = iface_find(ctx->batch, ifindex);
	if (bi)
		bi->ready = ready;
}
