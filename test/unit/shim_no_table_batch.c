// SPDX-License-Identifier: GPL-2.0
/*
 * shim_no_table_batch.c - preloaded into a tool (LD_PRELOAD), it makes
 * bpf_map_update_batch() on a map of maps fail as on kernels whose maps
 * of maps have no batch operations (EINVAL, nothing updated), so that
 * the tests reach the tools' one-by-one fallback on a kernel that has
 * them. Other maps' batches go through. Each refusal appends a line to
 * the file $SCMLB_SHIM_LOG names, so that a test can tell it was reached.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/bpf.h>

typedef int (*update_batch_fn)(int fd, const void *keys, const void *values,
			       __u32 *count,
			       const struct bpf_map_batch_opts *opts);

static int is_map_of_maps(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       info.type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static void log_refusal(__u32 count)
{
	const char *path = getenv("SCMLB_SHIM_LOG");
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "refused a batch of %u\n", count);
	fclose(f);
}

int bpf_map_update_batch(int fd, const void *keys, const void *values,
			 __u32 *count, const struct bpf_map_batch_opts *opts)
{
	static update_batch_fn real;

	if (is_map_of_maps(fd)) {
		log_refusal(*count);
		*count = 0;
		errno = EINVAL;
		return -EINVAL;
	}
	if (!real)
		real = (update_batch_fn)dlsym(RTLD_NEXT, "bpf_map_update_batch");
	if (!real) {
		errno = ENOSYS;
		return -ENOSYS;
	}
	return real(fd, keys, values, count, opts);
}
