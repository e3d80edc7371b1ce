// SPDX-License-Identifier: GPL-2.0
/* backends.c - add, drain and remove backends; publish the rotation the data plane reads */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "backends.h"

static int backend_read(const struct scmlb_ctx *ctx, __u32 slot,
			struct scmlb_backend *be)
{
	return bpf_map_lookup_elem(ctx->maps.backends, &slot, be) ? -errno : 0;
}

static int backend_write(const struct scmlb_ctx *ctx, __u32 slot,
			 const struct scmlb_backend *be)
{
	return bpf_map_update_elem(ctx->maps.backends, &slot, be, BPF_ANY) ?
	       -errno : 0;
}

/**
 * scmlb_backends_list() - every backend, by id
 * @ctx: the run, with the maps open
 * @out: room for SCMLB_MAX_BACKENDS backends
 * @n:   set to how many there are
 *
 * Return: 0 or -errno.
 */
int scmlb_backends_list(const struct scmlb_ctx *ctx, struct scmlb_backend *out,
			size_t *n)
{
	struct scmlb_backend be;
	size_t i, j, count = 0;
	__u32 slot;
	int err;

	for (slot = 0; slot < SCMLB_MAX_BACKENDS; slot++) {
		err = backend_read(ctx, slot, &be);
		if (err)
			return err;
		if (!be.id)
			continue;
		/* insertion sort: ids wrap around the slots */
		for (i = count; i > 0 && out[i - 1].id > be.id; i--)
			;
		for (j = count; j > i; j--)
			out[j] = out[j - 1];
		out[i] = be;
		count++;
	}
	*n = count;
	return 0;
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

static bool takes_connections(const struct scmlb_backend *be)
{
	return be->id && be->status == SCMLB_BACKEND_AVAILABLE &&
	       be->health != SCMLB_HEALTH_UNHEALTHY;
}

/*
 * Rebuild the rotation from the backend table, with @override (a backend
 * about to be written, or NULL) taken as it will be. Fills the spare
 * lb_rotation entry, then flips scmlb_config.rotation_slot to it: the data
 * plane sees the old list or the new one, never a mix.
 */
static int rotation_publish_with(struct scmlb_ctx *ctx,
				 const struct scmlb_backend *override)
{
	struct scmlb_backend list[SCMLB_MAX_BACKENDS];
	struct scmlb_rotation rot = { 0 };
	size_t n, i;
	__u32 spare;
	int err;

	err = scmlb_backends_list(ctx, list, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		const struct scmlb_backend *be = &list[i];

		if (override && override->id == be->id)
			be = override;
		if (takes_connections(be))
			rot.ids[rot.count++] = be->id;
	}

	err = scmlb_config_refresh(ctx);
	if (err)
		return err;
	spare = !(ctx->cfg.rotation_slot & 1);
	if (bpf_map_update_elem(ctx->maps.rotation, &spare, &rot, BPF_ANY))
		return -errno;
	ctx->cfg.rotation_slot = spare;
	return scmlb_config_commit(ctx);
}

/**
 * scmlb_rotation_publish() - rebuild the rotation from the backend table
 * @ctx: the run, holding the exclusive lock
 *
 * Every write of the table ends with it, so a write a killed tool did not
 * finish is in the rotation after the next one.
 *
 * Return: 0 or -errno.
 */
int scmlb_rotation_publish(struct scmlb_ctx *ctx)
{
	return rotation_publish_with(ctx, NULL);
}

/*
 * Store @be. One that stops taking connections leaves the rotation first,
 * one that starts joins it after: a tool killed in between never leaves
 * a backend in rotation that should not be.
 */
static int backend_update(struct scmlb_ctx *ctx, const struct scmlb_backend *be)
{
	__u32 slot = be->id % SCMLB_MAX_BACKENDS;
	int err;

	if (!takes_connections(be)) {
		err = rotation_publish_with(ctx, be);
		return err ? err : backend_write(ctx, slot, be);
	}
	err = backend_write(ctx, slot, be);
	return err ? err : scmlb_rotation_publish(ctx);
}

/**
 * scmlb_backend_add() - store a new backend and put it into rotation
 * @ctx: the run, holding the exclusive lock
 * @be:  the backend; its id is assigned here
 *
 * Ids grow and are never reused, so a flow of a removed backend can never
 * reach a new one that took its slot. The entry is complete before the
 * rotation names it: a tool killed in between leaves a backend that gets
 * no traffic, never a half-written one that does.
 *
 * Return: 0, -ENOSPC when the table is full, or another -errno.
 */
int scmlb_backend_add(struct scmlb_ctx *ctx, struct scmlb_backend *be)
{
	struct scmlb_backend cur;
	__u32 id, tries;
	int err;

	err = scmlb_config_refresh(ctx);
	if (err)
		return err;
	id = ctx->cfg.next_backend_id ? ctx->cfg.next_backend_id : 1;
	for (tries = 0; tries < SCMLB_MAX_BACKENDS; tries++, id++) {
		if (!id)
			id = 1;
		err = backend_read(ctx, id % SCMLB_MAX_BACKENDS, &cur);
		if (err)
			return err;
		if (!cur.id)
			break;
	}
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
	if (err)
		return err;
	return scmlb_rotation_publish(ctx);
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
	if (be.health == health)	/* the rotation stays as it is */
		return backend_write(ctx, id % SCMLB_MAX_BACKENDS, &be);
	be.health = health;
	return backend_update(ctx, &be);
}

/**
 * scmlb_backend_remove() - delete a backend
 * @ctx: the run, holding the exclusive lock
 * @id:  the backend
 *
 * Out of rotation first, then the slot is freed.
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
	err = rotation_publish_with(ctx, &be);
	if (err)
		return err;
	memset(&be, 0, sizeof(be));
	return backend_write(ctx, id % SCMLB_MAX_BACKENDS, &be);
}
