/* SPDX-License-Identifier: GPL-2.0 */
/* backends.h - the backends of every service */
#ifndef SCMLB_BACKENDS_H
#define SCMLB_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps.h"

int scmlb_backends_list(const struct scmlb_ctx *ctx, struct scmlb_backend **out,
			size_t *n);
int scmlb_backend_get(const struct scmlb_ctx *ctx, __u32 id,
		      struct scmlb_backend *out);
int scmlb_backend_add(struct scmlb_ctx *ctx, struct scmlb_backend *be);
int scmlb_backend_edit(struct scmlb_ctx *ctx, const struct scmlb_backend *be);
int scmlb_backend_set_path(struct scmlb_ctx *ctx, const struct scmlb_backend *be);
int scmlb_backend_set_status(struct scmlb_ctx *ctx, __u32 id, __u8 status);
int scmlb_backend_set_health(struct scmlb_ctx *ctx, __u32 id, __u8 health,
			     __u16 fails);
int scmlb_backend_remove(struct scmlb_ctx *ctx, __u32 id);
bool scmlb_backend_takes_connections(const struct scmlb_backend *be);
const char *scmlb_backend_health_name(__u8 health);
const char *scmlb_backend_status_name(const struct scmlb_backend *be);
int scmlb_backend_stats(const struct scmlb_ctx *ctx, __u32 id,
			struct scmlb_backend_stats *out);

#endif /* SCMLB_BACKENDS_H */
