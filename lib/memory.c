// SPDX-License-Identifier: GPL-2.0
/* memory.c - every map of an instance with its sizes and the memory the kernel charges for it */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memory.h"

/* Programs hold a few dozen maps each; more would be a new program. */
#define MAX_PROG_MAPS 128

struct map_list {
	struct scmlb_map_memory *rows;
	size_t n, cap;
};

/*
 * The memory the kernel charges for map @fd: bpf_map_info has no such
 * field, fdinfo's "memlock:" (what bpftool prints) is the map's own
 * accounting (map_mem_usage).
 */
static int fd_memlock(int fd, __u64 *bytes)
{
	char path[64], line[128];
	int err = -ENODATA;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", (unsigned long long *)bytes) == 1) {
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

static bool listed(const struct map_list *l, __u32 id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->rows[i].id == id)
			return true;
	return false;
}

/* Map @fd as a row named @name (its own name when NULL), once per map id. */
static int add_map(struct map_list *l, int fd, const char *name)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	struct scmlb_map_memory *r;
	int err;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (listed(l, info.id))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		r = realloc(l->rows, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		l->rows = r;
		l->cap = cap;
	}
	r = &l->rows[l->n];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name ? name : info.name);
	r->id = info.id;
	r->type = info.type;
	r->key_size = info.key_size;
	r->value_size = info.value_size;
	r->max_entries = info.max_entries;
	err = fd_memlock(fd, &r->memlock);
	if (!err)
		l->n++;
	return err;
}

/* The maps program @prog_id uses that are not listed yet (fw_recent, .rodata). */
static int add_prog_maps(struct map_list *l, __u32 prog_id)
{
	__u32 ids[MAX_PROG_MAPS], len, i;
	struct bpf_prog_info info;
	int fd, map_fd, err = 0;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* replaced meanwhile */
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = MAX_PROG_MAPS;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	for (i = 0; !err && i < info.nr_map_ids && i < MAX_PROG_MAPS; i++) {
		if (listed(l, ids[i]))
			continue;
		map_fd = bpf_map_get_fd_by_id(ids[i]);
		if (map_fd < 0)
			continue;	/* freed with a program replaced meanwhile */
		err = add_map(l, map_fd, NULL);
		close(map_fd);
	}
	close(fd);
	return err;
}

/* The programs of prog array @fd, and what they use. */
static int add_prog_array_maps(struct map_list *l, int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), slot, prog_id;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	for (slot = 0; !err && slot < info.max_entries; slot++)
		if (!bpf_map_lookup_elem(fd, &slot, &prog_id))
			err = add_prog_maps(l, prog_id);
	return err;
}

/* A pinned program's maps: the entry program's, scmlb_tc's. */
static int add_pinned_prog_maps(struct map_list *l, const char *dir,
				const char *name)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	char path[4096];
	int fd, err;

	err = scmlb_pin_path(path, sizeof(path), dir, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	return err ? err : add_prog_maps(l, info.id);
}

/* Each service's table, the inner maps of lb_pair_tables, named by service. */
static int add_tables(struct map_list *l, const struct scmlb_ctx *ctx)
{
	struct scmlb_service svc;
	__u32 slot, inner_id;
	char name[32];
	int fd, err = 0;

	for (slot = 0; !err && slot < SCMLB_MAX_SERVICES; slot++) {
		if (bpf_map_lookup_elem(ctx->maps.tables, &slot, &inner_id))
			continue;
		fd = bpf_map_get_fd_by_id(inner_id);
		if (fd < 0)
			continue;	/* swapped out meanwhile */
		if (bpf_map_lookup_elem(ctx->maps.services, &slot, &svc))
			svc.id = 0;
		snprintf(name, sizeof(name), "lb_table[%u]", svc.id);
		err = add_map(l, fd, name);
		close(fd);
	}
	return err;
}

/**
 * scmlb_memory_list() - every map of an instance and the memory it takes
 * @ctx: the run, with the maps open
 * @out: set to the rows (the caller frees them)
 * @n:   set to their number
 *
 * The pinned maps in maps.h's order, then the maps the programs hold
 * unpinned (per-CPU caches, read-only data), then each service's table.
 * Each map once. A program or table swapped by a writer meanwhile is
 * skipped: the listing needs no lock against the data plane.
 *
 * Return: 0 or -errno.
 */
int scmlb_memory_list(const struct scmlb_ctx *ctx,
		      struct scmlb_map_memory **out, size_t *n)
{
	struct map_list l = { 0 };
	const char *name;
	int err = 0, fd;
	size_t i;

	for (i = 0; !err && (fd = scmlb_maps_nth(ctx, i, &name)) != -ENOENT; i++)
		if (fd >= 0)
			err = add_map(&l, fd, name);
	if (!err)
		err = add_pinned_prog_maps(&l, ctx->pin_dir, SCMLB_PIN_ENTRY);
	if (!err)
		err = add_pinned_prog_maps(&l, ctx->pin_dir, SCMLB_PIN_TC);
	if (!err)
		err = add_prog_array_maps(&l, ctx->maps.progs);
	if (!err && ctx->maps.progs6 >= 0)
		err = add_prog_array_maps(&l, ctx->maps.progs6);
	if (!err && ctx->maps.progs4 >= 0)
		err = add_prog_array_maps(&l, ctx->maps.progs4);
	if (!err)
		err = add_tables(&l, ctx);
	if (err) {
		free(l.rows);
		return err;
	}
	*out = l.rows;
	*n = l.n;
	return 0;
}

/* "lru_hash", "array", ...: libbpf's names of map types. */
const char *scmlb_memory_type_name(__u32 type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}
