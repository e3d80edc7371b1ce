// SPDX-License-Identifier: GPL-2.0
/* services.c - add and remove services; publish their lookup entries and scheduling tables */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/in.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "backends.h"
#include "batch.h"
#include "reply_index.h"
#include "scheduler.h"
#include "scmlb_hash.h"
#include "services.h"

/**
 * scmlb_services_list() - every service, by id
 * @ctx: the run, with the maps open
 * @out: set to an array the caller frees
 * @n:   set to how many there are
 *
 * Return: 0 or -errno.
 */
int scmlb_services_list(const struct scmlb_ctx *ctx,
			struct scmlb_service **out, size_t *n)
{
	return scmlb_slots_list(ctx->maps.services, SCMLB_MAX_SERVICES,
				sizeof(struct scmlb_service), (void **)out, n);
}

/**
 * scmlb_service_get() - one service by id
 * @ctx: the run, with the maps open
 * @id:  its id
 * @out: the service
 *
 * Return: 0, -ENOENT when there is no service @id, or another -errno.
 */
int scmlb_service_get(const struct scmlb_ctx *ctx, __u32 id,
		      struct scmlb_service *out)
{
	__u32 slot = id % SCMLB_MAX_SERVICES;

	if (!id)
		return -ENOENT;
	if (bpf_map_lookup_elem(ctx->maps.services, &slot, out))
		return -errno;
	return out->id == id ? 0 : -ENOENT;
}

static struct scmlb_svc_key svc_key(const struct scmlb_service *svc)
{
	struct scmlb_svc_key key = {
		.family = svc->family,
		.proto = svc->proto,
		.port = svc->port,
	};

	memcpy(key.addr, svc->vip, sizeof(key.addr));
	return key;
}

/*
 * Rebuild lb_vip_hint from the VIPs in lb_vips, plus @extra (a VIP about
 * to be added) when not NULL.
 */
static int vip_hint_publish(const struct scmlb_ctx *ctx,
			    const struct scmlb_vip_key *extra)
{
	struct scmlb_vip_key key, next;
	struct scmlb_vip_hint *hint;
	__u32 zero = 0, bit;
	bool first = true;
	int err = 0;

	hint = calloc(1, sizeof(*hint));
	if (!hint)
		return -ENOMEM;
	if (extra) {
		bit = scmlb_vip_hint_bit(extra->addr);
		hint->bits[bit / 64] |= 1ULL << (bit % 64);
	}
	while (!bpf_map_get_next_key(ctx->maps.vips, first ? NULL : &key, &next)) {
		bit = scmlb_vip_hint_bit(next.addr);
		hint->bits[bit / 64] |= 1ULL << (bit % 64);
		key = next;
		first = false;
	}
	if (errno != ENOENT)
		err = -errno;
	if (!err && bpf_map_update_elem(ctx->maps.vip_hint, &zero, hint, BPF_ANY))
		err = -errno;
	free(hint);
	return err;
}

static bool same_vip(const struct scmlb_service *a, const struct scmlb_service *b)
{
	return a->family == b->family && !memcmp(a->vip, b->vip, sizeof(a->vip));
}

/* Count @s into the lb_vips entry of its VIP. */
static void vip_add_service(struct scmlb_vip *val, const struct scmlb_service *s)
{
	if (s->port)
		val->port_services++;
	else if (s->proto == IPPROTO_TCP)
		val->any_port[SCMLB_ANY_TCP] = s->id;
	else if (s->proto == IPPROTO_UDP)
		val->any_port[SCMLB_ANY_UDP] = s->id;
	else
		val->any_port[SCMLB_ANY_ALL] = s->id;
}

/*
 * Write the lb_vips entry of @vip as the services in @list and @extra (a
 * service about to be stored, or NULL) make it, or delete it when none
 * has that VIP. With @hint, lb_vip_hint is rebuilt too: it covers a VIP
 * before its entry exists, and forgets it only after. Without, the
 * caller rebuilds it around a run of entries (services_repair()).
 */
static int vip_entry_publish(const struct scmlb_ctx *ctx,
			     const struct scmlb_service *list, size_t n,
			     const struct scmlb_service *vip,
			     const struct scmlb_service *extra, bool hint)
{
	struct scmlb_vip_key key = { .family = vip->family };
	struct scmlb_vip val = { 0 };
	bool used = false;
	size_t i;
	int err = 0;

	memcpy(key.addr, vip->vip, sizeof(key.addr));
	for (i = 0; i < n; i++) {
		if (same_vip(&list[i], vip)) {
			vip_add_service(&val, &list[i]);
			used = true;
		}
	}
	if (extra && same_vip(extra, vip)) {
		vip_add_service(&val, extra);
		used = true;
	}
	if (!used) {
		if (bpf_map_delete_elem(ctx->maps.vips, &key) && errno != ENOENT)
			return -errno;
		return hint ? vip_hint_publish(ctx, NULL) : 0;
	}
	if (hint)
		err = vip_hint_publish(ctx, &key);
	if (!err && bpf_map_update_elem(ctx->maps.vips, &key, &val, BPF_ANY))
		err = errno == E2BIG ? -ENOSPC : -errno;
	return err;
}

/* vip_entry_publish() of one VIP, with its hint. */
static int vip_publish(const struct scmlb_ctx *ctx,
		       const struct scmlb_service *list, size_t n,
		       const struct scmlb_service *vip,
		       const struct scmlb_service *extra)
{
	return vip_entry_publish(ctx, list, n, vip, extra, true);
}

/**
 * scmlb_vip_exists() - whether @addr carries services
 * @ctx:    the run, with the maps open
 * @family: SCMLB_AF_INET or SCMLB_AF_INET6
 * @addr:   as the maps hold it (scmlb_addr_t)
 *
 * Return: 1, 0, or -errno.
 */
int scmlb_vip_exists(const struct scmlb_ctx *ctx, __u8 family,
		     const __be32 *addr)
{
	struct scmlb_vip_key key = { .family = family };
	struct scmlb_vip val;

	memcpy(key.addr, addr, sizeof(key.addr));

	if (!bpf_map_lookup_elem(ctx->maps.vips, &key, &val))
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

static int table_unpublish(const struct scmlb_ctx *ctx, __u32 slot)
{
	return bpf_map_delete_elem(ctx->maps.tables, &slot) && errno != ENOENT ?
	       -errno : 0;
}

/* Whether @key in lb_svc_ids leads to a stored service with that key. */
static bool svc_key_live(const struct scmlb_ctx *ctx,
			 const struct scmlb_svc_key *key, __u32 id)
{
	struct scmlb_service svc;
	struct scmlb_svc_key k;

	if (scmlb_service_get(ctx, id, &svc))
		return false;
	k = svc_key(&svc);
	return !memcmp(&k, key, sizeof(k));
}

/*
 * Undo what a tool killed in the middle of a service write left: lookup
 * entries of services that were never stored or are gone. Every VIP entry
 * is made again from the stored services.
 */
static int services_repair(const struct scmlb_ctx *ctx,
			   const struct scmlb_service *list, size_t n)
{
	struct scmlb_vip_key vkey, *vkeys;
	struct scmlb_svc_key key, next;
	struct scmlb_service vip;
	size_t nkeys = 0, i;
	bool first = true;
	int err = 0;
	__u32 id;

	while (!err && !bpf_map_get_next_key(ctx->maps.svc_ids,
					     first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(ctx->maps.svc_ids, &key, &id) ||
		    svc_key_live(ctx, &key, id))
			continue;
		if (bpf_map_delete_elem(ctx->maps.svc_ids, &key))
			err = -errno;
		first = true;	/* the walk starts over after a delete */
	}
	if (err)
		return err;
	/*
	 * The VIPs first, then their entries: a hash map moves a rewritten
	 * entry to the head of its bucket, so a walk that rewrote as it went
	 * would meet a bucket's other entries again, and never end.
	 */
	vkeys = calloc(SCMLB_MAX_VIPS, sizeof(*vkeys));
	if (!vkeys)
		return -ENOMEM;
	first = true;
	while (nkeys < SCMLB_MAX_VIPS &&
	       !bpf_map_get_next_key(ctx->maps.vips, first ? NULL : &vkey,
				     &vkeys[nkeys])) {
		first = false;
		vkey = vkeys[nkeys++];
	}
	/*
	 * The hint rebuilt around all the entries rewritten, not for each
	 * (a rebuild walks every VIP): before, it covers every entry there
	 * is; after, it forgets the deleted ones.
	 */
	err = vip_hint_publish(ctx, NULL);
	for (i = 0; !err && i < nkeys; i++) {
		memset(&vip, 0, sizeof(vip));
		vip.family = vkeys[i].family;
		memcpy(vip.vip, vkeys[i].addr, sizeof(vip.vip));
		err = vip_entry_publish(ctx, list, n, &vip, NULL, false);
	}
	free(vkeys);
	return err ? err : vip_hint_publish(ctx, NULL);
}

/**
 * scmlb_service_add() - store a new service and make packets find it
 * @ctx: the run, holding the exclusive lock
 * @svc: the service; its id is assigned here
 *
 * lb_svc_ids and lb_vips lead to the id before the service is stored in
 * its slot: the data plane finds nothing there until then, and a listing
 * shows only whole services. Ids grow and are never reused.
 *
 * Return: 0, -EEXIST when a service with the same VIP, protocol and port
 * exists, -ENOSPC when the table or the VIPs are full, or another -errno.
 */
int scmlb_service_add(struct scmlb_ctx *ctx, struct scmlb_service *svc)
{
	struct scmlb_svc_key key = svc_key(svc);
	struct scmlb_service *list = NULL, cur;
	__u32 id, tries, slot, zero = 0;
	size_t n;
	int err;

	err = scmlb_services_list(ctx, &list, &n);
	/* a batch has the lock throughout: what a killed tool left is repaired once */
	if (!err && !(ctx->batch && ctx->batch->repaired))
		err = services_repair(ctx, list, n);
	if (!err && ctx->batch)
		ctx->batch->repaired = true;
	if (!err && !bpf_map_lookup_elem(ctx->maps.svc_ids, &key, &id))
		err = -EEXIST;
	if (!err)
		err = scmlb_config_refresh(ctx);
	if (err)
		goto out;
	id = ctx->cfg.next_service_id ? ctx->cfg.next_service_id : 1;
	for (tries = 0; tries < SCMLB_MAX_SERVICES; tries++, id++) {
		if (!id)
			id = 1;
		err = scmlb_service_get(ctx, id, &cur);
		if (err == -ENOENT && !cur.id)
			break;
		if (err && err != -ENOENT)
			goto out;
	}
	err = 0;
	if (tries == SCMLB_MAX_SERVICES) {
		err = -ENOSPC;
		goto out;
	}
	ctx->cfg.next_service_id = id + 1;
	err = scmlb_config_commit(ctx);
	if (err)
		goto out;

	svc->id = id;
	slot = id % SCMLB_MAX_SERVICES;
	err = table_unpublish(ctx, slot);
	if (!err && bpf_map_update_elem(ctx->maps.rr, &slot, &zero, BPF_ANY))
		err = -errno;
	/* a slot's earlier service's SYN proxy counters are not this one's */
	if (!err && ctx->maps.svc_stats >= 0)
		err = scmlb_percpu_zero(ctx->maps.svc_stats, slot,
					sizeof(struct scmlb_svc_stats));
	if (!err && bpf_map_update_elem(ctx->maps.svc_ids, &key, &id, BPF_NOEXIST))
		err = errno == E2BIG ? -ENOSPC : -errno;
	if (!err)
		err = vip_publish(ctx, list, n, svc, svc);
	if (!err && bpf_map_update_elem(ctx->maps.services, &slot, svc, BPF_ANY))
		err = -errno;
	if (err) {
		/* the lookups back as they were: nothing leads to the id */
		bpf_map_delete_elem(ctx->maps.svc_ids, &key);
		vip_publish(ctx, list, n, svc, NULL);
	}
	/* a new service has no backends: this repairs a killed tool's index */
	if (!err)
		err = scmlb_reply_index_sync(ctx);
out:
	free(list);
	return err;
}

/**
 * scmlb_service_remove() - delete a service that has no backends
 * @ctx: the run, holding the exclusive lock
 * @id:  the service
 *
 * Its slot is freed first, so the data plane and listings stop finding
 * it at once; then its VIP's entry, its key and its table go.
 *
 * Return: 0, -ENOENT for an unknown id, -EBUSY when it has backends, or
 * another -errno.
 */
int scmlb_service_remove(struct scmlb_ctx *ctx, __u32 id)
{
	struct scmlb_service svc, *list = NULL, none = { 0 };
	struct scmlb_backend *bes = NULL;
	__u32 slot = id % SCMLB_MAX_SERVICES;
	struct scmlb_svc_key key;
	size_t n, i;
	int err;

	err = scmlb_service_get(ctx, id, &svc);
	if (err)
		return err;
	err = scmlb_backends_list(ctx, &bes, &n);
	for (i = 0; !err && i < n; i++)
		if (bes[i].service_id == id)
			err = -EBUSY;
	free(bes);
	if (!err && bpf_map_update_elem(ctx->maps.services, &slot, &none, BPF_ANY))
		err = -errno;
	if (!err)
		err = scmlb_services_list(ctx, &list, &n);
	if (!err)
		err = vip_publish(ctx, list, n, &svc, NULL);
	free(list);
	key = svc_key(&svc);
	if (!err && bpf_map_delete_elem(ctx->maps.svc_ids, &key) && errno != ENOENT)
		err = -errno;
	if (!err)
		err = table_unpublish(ctx, slot);
	if (!err)
		err = scmlb_reply_index_sync(ctx);
	if (!err && ctx->cfg.attach_service == id) {
		err = scmlb_config_refresh(ctx);
		ctx->cfg.attach_service = 0;
		if (!err)
			err = scmlb_config_commit(ctx);
	}
	return err;
}

/**
 * scmlb_service_set_scheduler() - change how a service spreads connections
 * @ctx:       the run, holding the exclusive lock
 * @id:        the service
 * @scheduler: enum scmlb_scheduler
 * @forward:   enum scmlb_forward
 *
 * The service keeps its id, backends and flows (scmlb-restore --flush);
 * its table is made again for the new scheduler.
 *
 * Return: 0, -ENOENT for an unknown service, or another -errno.
 */
int scmlb_service_set_scheduler(struct scmlb_ctx *ctx, __u32 id,
				__u8 scheduler, __u8 forward)
{
	__u32 slot = id % SCMLB_MAX_SERVICES;
	struct scmlb_service svc;
	int err;

	err = scmlb_service_get(ctx, id, &svc);
	if (err)
		return err;
	svc.scheduler = scheduler;
	svc.forward = forward;
	if (bpf_map_update_elem(ctx->maps.services, &slot, &svc, BPF_ANY))
		return -errno;
	/* only NAT services' replies are returned: the index follows @forward */
	err = scmlb_reply_index_sync(ctx);
	return err ? err : scmlb_service_publish(ctx, id, NULL);
}

/*
 * The BTF of a table's entries, loaded once a process: "bpftool map dump"
 * then shows each entry's two ids. -errno when it cannot be loaded.
 */
static int table_btf(__u32 *key_type, __u32 *value_type)
{
	static int fd = -ENODATA;
	static __u32 u32_id, pair_id;
	struct btf *btf;
	int err;

	if (fd != -ENODATA)
		goto out;
	btf = btf__new_empty();
	if (!btf) {
		fd = -errno;
		goto out;
	}
	/* the data plane's BTF: __u32[2] */
	err = u32_id = btf__add_int(btf, "unsigned int", sizeof(__u32), 0);
	if (err > 0)
		err = pair_id = btf__add_array(btf, u32_id, u32_id, 2);
	if (err > 0)
		err = btf__load_into_kernel(btf);
	/* the fd outlives the object: dup it before the free closes it */
	fd = err ? err : fcntl(btf__fd(btf), F_DUPFD_CLOEXEC, 0);
	if (fd < 0 && !err)
		fd = -errno;
	btf__free(btf);
out:
	*key_type = u32_id;
	*value_type = pair_id;
	return fd;
}

/*
 * A new inner map for lb_pair_tables holding @len then @ids, two to an
 * entry, the last entry's second half 0 when @len is even. The one
 * writer of a table's format.
 */
static int table_create(const __u32 *ids, __u32 len)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_batch_opts, batch);
	__u32 entries = SCMLB_PAIR_ENTRIES(len), count = entries, *keys, i;
	struct scmlb_id_pair *vals;
	int fd, btf_fd, err = 0;

	btf_fd = table_btf(&opts.btf_key_type_id, &opts.btf_value_type_id);
	if (btf_fd >= 0)
		opts.btf_fd = btf_fd;
	else
		opts.btf_key_type_id = opts.btf_value_type_id = 0;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lb_pair_table", sizeof(__u32),
			    sizeof(*vals), entries, &opts);
	if (fd < 0)
		return -errno;
	keys = calloc(entries, sizeof(*keys));
	vals = calloc(entries, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	/* slot s of length-then-ids is entry s / 2, half s % 2 */
	vals[0].id[0] = len;
	for (i = 0; i < len; i++)
		vals[(i + 1) / 2].id[(i + 1) % 2] = ids[i];
	for (i = 0; i < entries; i++)
		keys[i] = i;
	if (bpf_map_update_batch(fd, keys, vals, &count, &batch))
		err = -errno;
out:
	free(keys);
	free(vals);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The table @svc's scheduler makes of @be: ids into @ids, *@len of them. */
static int table_build(const struct scmlb_service *svc,
		       const struct scmlb_backend *be, size_t n, __u32 *ids,
		       __u32 *len)
{
	struct scmlb_sched_backend *sb;
	size_t i;
	int err = 0;

	if (svc->scheduler == SCMLB_SCHED_RR) {
		for (i = 0; i < n; i++)
			ids[i] = be[i].id;
		*len = n;
		return 0;
	}
	sb = calloc(n ? n : 1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		sb[i].id = be[i].id;
		sb[i].family = be[i].family;
		memcpy(sb[i].addr, be[i].addr, sizeof(sb[i].addr));
		/* a backend without a port of its own is reached on the service's */
		sb[i].port = be[i].port ? be[i].port : svc->port;
		sb[i].weight = be[i].weight ? be[i].weight : 1;
	}
	if (svc->scheduler == SCMLB_SCHED_MAGLEV) {
		err = scmlb_maglev_build(sb, n, SCMLB_TABLE_SIZE, ids);
		*len = SCMLB_TABLE_SIZE;
	} else {
		err = scmlb_wrr_build(sb, n, SCMLB_TABLE_SIZE, ids, len);
	}
	free(sb);
	return err;
}

/* The table of @svc from @all (by id; other services' are skipped). */
static int table_make(const struct scmlb_service *svc,
		      const struct scmlb_backend *all, size_t n,
		      const struct scmlb_backend *override, __u32 *ids,
		      __u32 *len)
{
	struct scmlb_backend *mine;
	size_t i, k = 0;
	int err = 0;

	*len = 0;
	mine = calloc(n ? n : 1, sizeof(*mine));
	if (!mine)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct scmlb_backend *be = &all[i];

		if (override && override->id == be->id)
			be = override;
		if (be->service_id == svc->id &&
		    scmlb_backend_takes_connections(be))
			mine[k++] = *be;
	}
	if (k)
		err = table_build(svc, mine, k, ids, len);
	free(mine);
	return err;
}

/**
 * scmlb_service_table_make() - the table a service's backends make now
 * @ctx:      the run, with the maps open
 * @id:       the service
 * @override: a backend about to be written, taken as it will be; or NULL
 * @ids:      SCMLB_TABLE_SIZE entries, set to the backend ids in table order
 * @len:      set to their number; 0 when no backend takes connections
 *
 * The backends that take connections (available, not unhealthy) make the
 * table, by id.
 *
 * Return: 0, -ENOENT for an unknown service, or another -errno.
 */
int scmlb_service_table_make(const struct scmlb_ctx *ctx, __u32 id,
			     const struct scmlb_backend *override, __u32 *ids,
			     __u32 *len)
{
	struct scmlb_backend *all = NULL;
	struct scmlb_service svc;
	size_t n;
	int err;

	*len = 0;
	err = scmlb_service_get(ctx, id, &svc);
	if (!err)
		err = scmlb_backends_list(ctx, &all, &n);
	if (!err)
		err = table_make(&svc, all, n, override, ids, len);
	free(all);
	return err;
}

/* Swap a new table of @len @ids into @id's slot of lb_tables; none for 0. */
static int table_swap(const struct scmlb_ctx *ctx, __u32 id, const __u32 *ids,
		      __u32 len)
{
	__u32 slot = id % SCMLB_MAX_SERVICES;
	int err = 0, fd;

	if (!len)
		return table_unpublish(ctx, slot);
	fd = table_create(ids, len);
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(ctx->maps.tables, &slot, &fd, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

/*
 * New tables waiting to be swapped into lb_pair_tables together: the
 * kernel waits for a grace period after each update of a map of maps
 * (so that no program still reads the old inner map), about 7 ms here,
 * which one update a table paid 4,096 times in a restore.
 */
#define TABLE_SWAPS_MAX 256

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's own, which bpf(2) may return */
#endif

struct table_swaps {
	__u32 slots[TABLE_SWAPS_MAX];
	__u32 fds[TABLE_SWAPS_MAX];	/* as a map of maps' values are */
	__u32 ids[TABLE_SWAPS_MAX];
	size_t n;
};

/*
 * Swap the waiting tables in, in one batch update where the kernel has
 * it for maps of maps, else one by one; their fds are closed. *@failed,
 * unless set already: the service of the first table not swapped in.
 */
static int table_swaps_flush(const struct scmlb_ctx *ctx,
			     struct table_swaps *sw, __u32 *failed)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 done = sw->n;
	size_t i;
	int err = 0;

	if (sw->n && bpf_map_update_batch(ctx->maps.tables, sw->slots, sw->fds,
					  &done, &opts)) {
		err = -errno;
		if (!done && (err == -EINVAL || err == -EOPNOTSUPP ||
			      err == -ENOTSUPP)) {
			err = 0;
			for (; !err && done < sw->n; done++)
				if (bpf_map_update_elem(ctx->maps.tables,
							&sw->slots[done],
							&sw->fds[done], BPF_ANY))
					err = -errno;
			done -= !!err;
		}
	}
	/* the first failure is the one told */
	if (err && !*failed)
		*failed = sw->ids[done < sw->n ? done : sw->n - 1];
	for (i = 0; i < sw->n; i++)
		close(sw->fds[i]);
	sw->n = 0;
	return err;
}

/* table_swap() of a batch: the table waits in @sw, flushed when full. */
static int table_swap_queue(const struct scmlb_ctx *ctx,
			    struct table_swaps *sw, __u32 id,
			    const __u32 *ids, __u32 len, __u32 *failed)
{
	int fd;

	if (!len)
		return table_unpublish(ctx, id % SCMLB_MAX_SERVICES);
	fd = table_create(ids, len);
	if (fd < 0)
		return fd;
	sw->slots[sw->n] = id % SCMLB_MAX_SERVICES;
	sw->fds[sw->n] = fd;
	sw->ids[sw->n++] = id;
	return sw->n < TABLE_SWAPS_MAX ? 0 : table_swaps_flush(ctx, sw, failed);
}

static int cmp_by_service(const void *pa, const void *pb)
{
	const struct scmlb_backend *a = pa, *b = pb;

	if (a->service_id != b->service_id)
		return a->service_id < b->service_id ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/**
 * scmlb_service_publish() - rebuild a service's table from its backends
 * @ctx:      the run, holding the exclusive lock
 * @id:       the service
 * @override: a backend about to be written, taken as it will be; or NULL
 *
 * A new inner map is filled with the table scmlb_service_table_make()
 * gives and swapped into lb_pair_tables in one update: the data plane
 * sees the old table or the new one. With no backend taking connections
 * the service has no table. In a batch, a table that only gains backends
 * is built at its end (scmlb_batch_defer_table()).
 *
 * Return: 0, -ENOENT for an unknown service, or another -errno.
 */
int scmlb_service_publish(struct scmlb_ctx *ctx, __u32 id,
			  const struct scmlb_backend *override)
{
	__u32 len = 0, *ids;
	int err;

	if (ctx->batch) {
		if (scmlb_batch_defer_table(ctx, id, override))
			return 0;
		err = scmlb_batch_index(ctx);
		if (err)
			return err;
		scmlb_batch_published(ctx, id);
	}
	ids = calloc(SCMLB_TABLE_SIZE, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	err = scmlb_service_table_make(ctx, id, override, ids, &len);
	if (!err)
		err = table_swap(ctx, id, ids, len);
	free(ids);
	return err;
}

/**
 * scmlb_services_publish() - rebuild the tables of many services at once
 * @ctx:    the run, holding the exclusive lock; not in a batch
 * @ids:    the services; one that is gone is skipped
 * @n:      how many
 * @failed: set to the service whose table could not be built, or 0
 *
 * As scmlb_service_publish() for each, with the backends read once:
 * scmlb_batch_end()'s, which defers them all to the end.
 *
 * Return: 0 or -errno.
 */
int scmlb_services_publish(struct scmlb_ctx *ctx, const __u32 *ids, size_t n,
			   __u32 *failed)
{
	__u32 len, *table = NULL;
	struct scmlb_backend *all = NULL;
	struct table_swaps *swaps;
	struct scmlb_service svc;
	size_t n_all, i, lo, hi, m;
	int err, flush_err;

	*failed = 0;
	swaps = calloc(1, sizeof(*swaps));
	if (!swaps)
		return -ENOMEM;
	err = scmlb_backends_list(ctx, &all, &n_all);
	if (!err) {
		table = calloc(SCMLB_TABLE_SIZE, sizeof(*table));
		if (!table)
			err = -ENOMEM;
	}
	/* each service's backends in a row, by id as the list has them */
	if (!err)
		qsort(all, n_all, sizeof(*all), cmp_by_service);
	for (i = 0; !err && i < n; i++) {
		err = scmlb_service_get(ctx, ids[i], &svc);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		for (lo = 0, hi = n_all; lo < hi;) {
			m = lo + (hi - lo) / 2;
			if (all[m].service_id < ids[i])
				lo = m + 1;
			else
				hi = m;
		}
		for (m = lo; m < n_all && all[m].service_id == ids[i]; m++)
			;
		if (!err)
			err = table_make(&svc, all + lo, m - lo, NULL, table, &len);
		if (!err)
			err = table_swap_queue(ctx, swaps, ids[i], table, len,
					       failed);
		if (err && !*failed)
			*failed = ids[i];
	}
	/* what was built is swapped in, even after a failure */
	flush_err = table_swaps_flush(ctx, swaps, failed);
	if (!err)
		err = flush_err;
	free(swaps);
	free(all);
	free(table);
	return err;
}

/**
 * scmlb_service_table_read() - the table the data plane picks from
 * @ctx: the run, with the maps open
 * @id:  the service
 * @ids: set to the backend ids in table order (the caller frees it), or
 *       NULL when the service has no table
 * @len: set to their number
 *
 * Return: 0 or -errno.
 */
int scmlb_service_table_read(const struct scmlb_ctx *ctx, __u32 id,
			     __u32 **ids, __u32 *len)
{
	__u32 slot = id % SCMLB_MAX_SERVICES, inner_id, *all = NULL;
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	int fd, err = 0;

	*ids = NULL;
	*len = 0;
	if (bpf_map_lookup_elem(ctx->maps.tables, &slot, &inner_id))
		return errno == ENOENT ? 0 : -errno;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		err = -errno;
		goto out;
	}
	if (info.value_size != sizeof(struct scmlb_id_pair)) {
		err = -EPROTO;
		goto out;
	}
	/* two ids an entry: the length-then-ids sequence as it is */
	all = calloc(info.max_entries, sizeof(struct scmlb_id_pair));
	if (!all) {
		err = -ENOMEM;
		goto out;
	}
	err = scmlb_array_read(fd, info.max_entries,
			       sizeof(struct scmlb_id_pair), all);
	if (!err && SCMLB_PAIR_ENTRIES(all[0]) != info.max_entries)
		err = -EPROTO;
	if (err)
		goto out;
	*len = all[0];
	/* the length first, then the ids: hand out the ids in place */
	memmove(all, all + 1, *len * sizeof(*all));
	*ids = all;
	all = NULL;
out:
	free(all);
	close(fd);
	return err;
}

/**
 * scmlb_tables_upgrade() - the layout 4.8 tables of every service
 * @ctx: the run, holding the exclusive lock; ctx->maps.tables the new
 *	 lb_pair_tables, which no program reads yet
 *
 * For scmlb-attach's upgrade from an older minor, before its scmlb_main
 * is swapped in: the new program then meets every table. Each is made
 * from the service's backends, as the older one was, so every pick stays.
 *
 * Return: 0 or -errno.
 */
int scmlb_tables_upgrade(struct scmlb_ctx *ctx)
{
	struct scmlb_service *svcs;
	size_t n, i;
	int err;

	err = scmlb_services_list(ctx, &svcs, &n);
	for (i = 0; !err && i < n; i++)
		err = scmlb_service_publish(ctx, svcs[i].id, NULL);
	free(svcs);
	return err;
}

/**
 * scmlb_tables_4_7_free() - empty lb_tables, which layouts before 4.8 read
 * @ctx: the run; once no program reads lb_tables
 *
 * Each old table is freed with its last reference: 512 KiB a Maglev one.
 *
 * Return: 0 or -errno.
 */
int scmlb_tables_4_7_free(const struct scmlb_ctx *ctx)
{
	__u32 slot;

	if (ctx->maps.tables_4_7 < 0)
		return 0;
	for (slot = 0; slot < SCMLB_MAX_SERVICES; slot++)
		if (bpf_map_delete_elem(ctx->maps.tables_4_7, &slot) &&
		    errno != ENOENT)
			return -errno;
	return 0;
}

const char *scmlb_scheduler_name(__u8 scheduler)
{
	switch (scheduler) {
	case SCMLB_SCHED_WRR:
		return "wrr";
	case SCMLB_SCHED_MAGLEV:
		return "maglev";
	default:
		return "rr";
	}
}

const char *scmlb_forward_name(__u8 forward)
{
	switch (forward) {
	case SCMLB_FWD_DR:
		return "dr";
	case SCMLB_FWD_IPIP:
		return "ipip";
	default:
		return "nat";
	}
}

/* "tcp", "udp" or "any", as scmlb-svc shows a service's protocol. */
const char *scmlb_svc_proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "any";
}

/**
 * scmlb_svc_stats_read() - a service's SYN proxy counters, summed over the CPUs
 * @ctx: the run, with the maps open
 * @id:  the service
 * @out: filled; zero on a layout before 4.5
 *
 * Return: 0 or -errno.
 */
int scmlb_svc_stats_read(const struct scmlb_ctx *ctx, __u32 id,
			 struct scmlb_svc_stats *out)
{
	_Static_assert(sizeof(*out) % sizeof(__u64) == 0,
		       "scmlb_svc_stats holds __u64 counters only");
	memset(out, 0, sizeof(*out));
	if (ctx->maps.svc_stats < 0)
		return 0;
	return scmlb_percpu_read_sum(ctx->maps.svc_stats,
				     id % SCMLB_MAX_SERVICES, (__u64 *)out,
				     sizeof(*out) / sizeof(__u64));
}
