/* SPDX-License-Identifier: GPL-2.0 */
/* services.h - services (VIP, protocol, port), their lookup maps and tables */
#ifndef SCMLB_SERVICES_H
#define SCMLB_SERVICES_H

#include <stddef.h>
#include <linux/types.h>

#include "maps.h"

int scmlb_services_list(const struct scmlb_ctx *ctx,
			struct scmlb_service **out, size_t *n);
int scmlb_service_get(const struct scmlb_ctx *ctx, __u32 id,
		      struct scmlb_service *out);
int scmlb_service_add(struct scmlb_ctx *ctx, struct scmlb_service *svc);
int scmlb_service_remove(struct scmlb_ctx *ctx, __u32 id);
int scmlb_service_set_scheduler(struct scmlb_ctx *ctx, __u32 id,
				__u8 scheduler, __u8 forward);
int scmlb_service_table_make(const struct scmlb_ctx *ctx, __u32 id,
			     const struct scmlb_backend *override, __u32 *ids,
			     __u32 *len);
int scmlb_service_publish(struct scmlb_ctx *ctx, __u32 id,
			  const struct scmlb_backend *override);
int scmlb_services_publish(struct scmlb_ctx *ctx, const __u32 *ids, size_t n,
			   __u32 *failed);
int scmlb_vip_exists(const struct scmlb_ctx *ctx, __u8 family,
		     const __be32 *addr);
int scmlb_service_table_read(const struct scmlb_ctx *ctx, __u32 id,
			     __u32 **ids, __u32 *len);
int scmlb_tables_upgrade(struct scmlb_ctx *ctx);
int scmlb_tables_4_7_free(const struct scmlb_ctx *ctx);

const char *scmlb_scheduler_name(__u8 scheduler);
const char *scmlb_forward_name(__u8 forward);
const char *scmlb_svc_proto_name(__u8 proto);
int scmlb_svc_stats_read(const struct scmlb_ctx *ctx, __u32 id,
			 struct scmlb_svc_stats *out);

#endif /* SCMLB_SERVICES_H */
