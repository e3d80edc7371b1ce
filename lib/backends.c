// SPDX-License-Identifier: GPL-2.0
/* backends.c - add, drain and remove backends of services */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "backends.h"
#include "batch.h"
#include "reply_index.h"
#include "services.h"

static int backend_read(const struct scmlb_ctx *ctx, __u32 slot,
			struct scmlb_backend *be)
{
	return bpf_map_lookup_elem(ctx->maps.backends, &slot, be) ? -errno : 0;
}

static int backend_write(const struct scmlb_ctx *ctx, __u32 slot,
			 const struct scmlb_backend *be)
{
	struct scmlb_backend old;
	int err;

	/* a batch counts the backends instead of reading them all */
	if (ctx->batch) {
		err = backend_read(ctx, slot, &old);
		if (err)
			return err;
	}
	if (bpf_map_update_elem(ctx->maps.backends, &slot, be, BPF_ANY))
		return -errno;
	return ctx->batch ? scmlb_batch_written(ctx, &old, be) : 0;
}

/**
 * scmlb_backends_list() - every backend, by id
 * @ctx: the run, with the maps open
 * @out: set to an array the caller frees
 * @n:   set to how many there are
 *
 * Return: 0 or -errno.
 */
int scmlb_backends_list(const struct scmlb_ctx *ctx, struct scmlb_backend **out,
			size_t *n)
{
	return scmlb_slots_list(ctx->maps.backends, SCMLB_MAX_BACKENDS,
				sizeof(struct scmlb_backend), (void **)out, n);
}

/**
 * scmlb_backend_get() - one backend by id
 * @ctx: the run, with the maps open
 * @id:  its id
 * @out: the backend
 *
 * Return: 0, -ENOENT when there is no backend @id, or another -errno.
 */
int scmlb_backend_get(const struct scmlb_ctx *ctx, __u32 id,
		      struct scmlb_backend *out)
{
	int err;

	if (!id)
		return -ENOENT;
	err = backend_read(ctx, id % SCMLB_MAX_BACKENDS, out);
	if (err)
		return err;
	return out->id == id ? 0 : -ENOENT;
}

/**
 * scmlb_backend_stats() - a backend's traffic, summed over the CPUs
 * @ctx: the run, with the maps open
 * @id:  the backend
 * @out: the sums
 *
 * Return: 0 or -errno.
 */
int scmlb_backend_stats(const struct scmlb_ctx *ctx, __u32 id,
			struct scmlb_backend_stats *out)
{
	_Static_assert(sizeof(*out) % sizeof(__u64) == 0, "only __u64 counters");
	return scmlb_percpu_read_sum(ctx->maps.be_stats, id % SCMLB_MAX_BACKENDS,
				     (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

/* "unknown", "healthy" or "unhealthy", as scmlb-lb get shows it. */
const char *scmlb_backend_health_name(__u8 health)
{
	switch (health) {
	case SCMLB_HEALTH_HEALTHY:
		return "healthy";
	case SCMLB_HEALTH_UNHEALTHY:
		return "unhealthy";
	default:
		return "unknown";
	}
}

/* "Available", or "Unavailable" when drained, as the original showed it. */
const char *scmlb_backend_status_name(const struct scmlb_backend *be)
{
	return be->status == SCMLB_BACKEND_DRAINED ? "Unavailable" : "Available";
}

/* Whether new connections may go to @be: not drained, not unhealthy. */
bool scmlb_backend_takes_connections(const struct scmlb_backend *be)
{
	return be->id && be->status == SCMLB_BACKEND_AVAILABLE &&
	       be->health != SCMLB_HEALTH_UNHEALTHY;
}

/*
 * Store @be. One that stops taking connections leaves its service's
 * table first, one that starts joins it after: a tool killed in between
 * never leaves a backend in a table that should not be.
 */
static int backend_update(struct scmlb_ctx *ctx, const struct scmlb_backend *be)
{
	__u32 slot = be->id % SCMLB_MAX_BACKENDS;
	int err;

	if (!scmlb_backend_takes_connections(be)) {
		err = scmlb_service_publish(ctx, be->service_id, be);
		if (!err)
			err = backend_write(ctx, slot, be);
	} else {
		err = backend_write(ctx, slot, be);
		if (!err)
			err = scmlb_service_publish(ctx, be->service_id, NULL);
	}
	/* the index stays as it was: this repairs what a killed tool left */
	return err ? err : scmlb_reply_index_sync(ctx);
}

/**
 * scmlb_backend_add() - store a new backend and put it into its service's table
 * @ctx: the run, holding the exclusive lock
 * @be:  the backend, with its service; its id is assigned here
 *
 * Ids grow and are never reused, so a flow of a removed backend can never
 * reach a new one that took its slot. The entry is complete before the
 * table names it: a tool killed in between leaves a backend that gets
 * no traffic, never a half-written one that does. lb_reply_index knows
 * it before the table does.
 *
 * Return: 0, -ENOSPC when the table is full, -EDQUOT when the service has
 * SCMLB_MAX_SVC_BACKENDS backends, or another -errno.
 */
int scmlb_backend_add(struct scmlb_ctx *ctx, struct scmlb_backend *be)
{
	struct scmlb_backend cur, *slots = NULL;
	size_t i, mine = 0;
	__u32 id, tries;
	int err = 0;

	if (ctx->batch) {
		mine = ctx->batch->svc_backends[be->service_id % SCMLB_MAX_SERVICES];
	} else {
		/*
		 * Every slot in one read, for the count and the free slot: a
		 * read a slot tried took 16,384 syscalls with the table full.
		 * A batch adds backends in a row: its first try finds one.
		 */
		slots = calloc(SCMLB_MAX_BACKENDS, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		err = scmlb_array_read(ctx->maps.backends, SCMLB_MAX_BACKENDS,
				       sizeof(*slots), slots);
		for (i = 0; !err && i < SCMLB_MAX_BACKENDS; i++)
			mine += slots[i].id && slots[i].service_id == be->service_id;
	}
	/* Maglev spreads well only over many more slots than backends */
	if (!err && mine >= SCMLB_MAX_SVC_BACKENDS)
		err = -EDQUOT;
	if (!err)
		err = scmlb_config_refresh(ctx);
	id = ctx->cfg.next_backend_id ? ctx->cfg.next_backend_id : 1;
	for (tries = 0; !err && tries < SCMLB_MAX_BACKENDS; tries++, id++) {
		if (!id)
			id = 1;
		if (slots)
			cur = slots[id % SCMLB_MAX_BACKENDS];
		else
			err = backend_read(ctx, id % SCMLB_MAX_BACKENDS, &cur);
		if (!err && !cur.id)
			break;
	}
	free(slots);
	if (err)
		return err;
	if (tries == SCMLB_MAX_BACKENDS)
		return -ENOSPC;

	ctx->cfg.next_backend_id = id + 1;
	err = scmlb_config_commit(ctx);
	if (err)
		return err;
	be->id = id;
	err = scmlb_percpu_zero(ctx->maps.be_stats, id % SCMLB_MAX_BACKENDS,
				sizeof(struct scmlb_backend_stats));
	if (!err)
		err = backend_write(ctx, id % SCMLB_MAX_BACKENDS, be);
	/* before the table: its replies are known before its first flow */
	if (!err)
		err = scmlb_reply_index_sync(ctx);
	if (err)
		return err;
	return scmlb_service_publish(ctx, be->service_id, NULL);
}

/**
 * scmlb_backend_edit() - change a backend in place, as ipvsadm -e does
 * @ctx: the run, holding the exclusive lock
 * @be:  the backend as it is to be; its id, service, address and port
 *       are those of the stored one
 *
 * Its id, flows and counters stay. Its service's table is rebuilt every
 * time, so that running an edit again repairs what a killed one left:
 * the new entry is stored before the table that weighs it is published.
 *
 * Return: 0, -ENOENT for an unknown id, -EINVAL when @be would move the
 * backend elsewhere, or another -errno.
 */
int scmlb_backend_edit(struct scmlb_ctx *ctx, const struct scmlb_backend *be)
{
	struct scmlb_backend cur;
	int err;

	err = scmlb_backend_get(ctx, be->id, &cur);
	if (err)
		return err;
	if (cur.service_id != be->service_id || cur.family != be->family ||
	    memcmp(cur.addr, be->addr, sizeof(cur.addr)) || cur.port != be->port)
		return -EINVAL;
	return backend_update(ctx, be);
}

/**
 * scmlb_backend_set_path() - store a backend's new MAC or interface
 * @ctx: the run, holding the exclusive lock
 * @be:  the backend as it is to be; only its MACs and interface differ
 *       from the stored one
 *
 * Tables name backends by id, so they stay as they are: scmlb-gc can
 * follow a thousand moved backends in one pass without publishing a
 * table for each.
 *
 * Return: 0, -ENOENT for an unknown id, -EINVAL when @be differs in
 * anything else, or another -errno.
 */
int scmlb_backend_set_path(struct scmlb_ctx *ctx, const struct scmlb_backend *be)
{
	struct scmlb_backend cur, moved;
	int err;

	err = scmlb_backend_get(ctx, be->id, &cur);
	if (err)
		return err;
	moved = cur;
	memcpy(moved.mac, be->mac, sizeof(moved.mac));
	memcpy(moved.if_mac, be->if_mac, sizeof(moved.if_mac));
	moved.ifindex = be->ifindex;
	if (memcmp(&moved, be, sizeof(moved)))
		return -EINVAL;
	return backend_write(ctx, be->id % SCMLB_MAX_BACKENDS, be);
}

/**
 * scmlb_backend_set_status() - drain a backend or put it back
 * @ctx:    the run, holding the exclusive lock
 * @id:     the backend
 * @status: enum scmlb_backend_status
 *
 * Return: 0, -ENOENT for an unknown id, or another -errno.
 */
int scmlb_backend_set_status(struct scmlb_ctx *ctx, __u32 id, __u8 status)
{
	struct scmlb_backend be;
	int err;

	err = scmlb_backend_get(ctx, id, &be);
	if (err)
		return err;
	be.status = status;
	return backend_update(ctx, &be);
}

/**
 * scmlb_backend_set_health() - record a health-check result
 * @ctx:    the run, holding the exclusive lock
 * @id:     the backend
 * @health: enum scmlb_backend_health
 * @fails:  consecutive failed checks
 *
 * Return: 0, -ENOENT for an unknown id, or another -errno.
 */
int scmlb_backend_set_health(struct scmlb_ctx *ctx, __u32 id, __u8 health,
			     __u16 fails)
{
	struct scmlb_backend be;
	int err;

	err = scmlb_backend_get(ctx, id, &be);
	if (err)
		return err;
	be.health_fails = fails;
	if (be.health == health)	/* the table stays as it is */
		return backend_write(ctx, id % SCMLB_MAX_BACKENDS, &be);
	be.health = health;
	return backend_update(ctx, &be);
}

/**
 * scmlb_backend_remove() - delete a backend
 * @ctx: the run, holding the exclusive lock
 * @id:  the backend
 *
 * Out of its service's table first, then the slot is freed, then
 * lb_reply_index follows.
 *
 * Return: 0, -ENOENT for an unknown id, or another -errno.
 */
int scmlb_backend_remove(struct scmlb_ctx *ctx, __u32 id)
{
	struct scmlb_backend be;
	int err;

	err = scmlb_backend_get(ctx, id, &be);
	if (err)
		return err;
	be.status = SCMLB_BACKEND_DRAINED;
	err = scmlb_service_publish(ctx, be.service_id, &be);
	if (err)
		return err;
	memset(&be, 0, sizeof(be));
	err = backend_write(ctx, id % SCMLB_MAX_BACKENDS, &be);
	/* its keys go, and another service's may no longer be ambiguous */
	return err ? err : scmlb_reply_index_sync(ctx);
}
