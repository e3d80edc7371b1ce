/* SPDX-License-Identifier: GPL-2.0 */
/* announce.h - a kernel route per VIP this instance can serve, for a routing daemon to announce */
#ifndef SCMLB_ANNOUNCE_H
#define SCMLB_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "args.h"
#include "maps.h"

struct scmlb_nl;

/* The routing table of the VIP routes; no rule sends packets there. */
#define SCMLB_ANNOUNCE_TABLE 248
/* Their protocol (rtm_protocol), "scmlb" in rt_protos.d/scmlb.conf. */
#define SCMLB_ANNOUNCE_PROTO 248

int scmlb_announce_tag(const struct scmlb_ctx *ctx, __u32 *tag);
int scmlb_announce_servable(const struct scmlb_ctx *ctx,
			    struct scmlb_addr **vips, size_t *n);
int scmlb_announce_read(const struct scmlb_ctx *ctx, struct scmlb_addr **routed,
			size_t *n, __u32 *tag);
int scmlb_announce_routes(struct scmlb_nl *nl, __u32 table, __u32 tag,
			  const struct scmlb_addr *vips, size_t n);
int scmlb_announce_sync(const struct scmlb_ctx *ctx);
int scmlb_announce_withdraw(const struct scmlb_ctx *ctx);
void scmlb_announce_update(const struct scmlb_ctx *ctx, bool withdraw);

#endif /* SCMLB_ANNOUNCE_H */
