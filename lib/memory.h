/* SPDX-License-Identifier: GPL-2.0 */
/* memory.h - every map of an instance with its sizes and the memory the kernel charges for it */
#ifndef SCMLB_MEMORY_H
#define SCMLB_MEMORY_H

#include <stddef.h>
#include <linux/types.h>

#include "maps.h"

/* One map of the instance. */
struct scmlb_map_memory {
	char name[32];		/* the map's; a service's table: lb_table[ID] */
	__u32 id;
	__u32 type;		/* enum bpf_map_type */
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u64 memlock;		/* bytes, as /proc/PID/fdinfo says */
};

int scmlb_memory_list(const struct scmlb_ctx *ctx,
		      struct scmlb_map_memory **out, size_t *n);
const char *scmlb_memory_type_name(__u32 type);

#endif /* SCMLB_MEMORY_H */
