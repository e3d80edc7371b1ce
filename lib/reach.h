/* SPDX-License-Identifier: GPL-2.0 */
/* reach.h - where a backend is: its interface, its MAC; keeping up when they change */
#ifndef SCMLB_REACH_H
#define SCMLB_REACH_H

#include <stdbool.h>
#include <stddef.h>

#include "maps.h"
#include "netlink.h"

/* How long a backend's neighbour may take to answer ARP when one is added. */
#define SCMLB_NEIGH_TIMEOUT_MS 3000

int scmlb_backend_resolve(struct scmlb_nl *nl, __u8 family,
			  const __be32 *addr, unsigned int timeout_ms,
			  struct scmlb_backend *be, struct scmlb_link *link,
			  const char **why);
bool scmlb_iface_in_use(const struct scmlb_ctx *ctx, __u32 ifindex,
			__u32 except_id);
int scmlb_iface_use(struct scmlb_ctx *ctx, __u32 ifindex);
int scmlb_iface_release(struct scmlb_ctx *ctx, __u32 ifindex, __u32 except_id);

/* A backend whose way changed in a refresh. */
struct scmlb_moved {
	__u32 id;
	__u32 ifindex;			/* the new one */
	__u8 mac[6];			/* the new next hop */
	char ifname[16];
};

int scmlb_backends_refresh(struct scmlb_ctx *ctx, struct scmlb_moved **out,
			   size_t *n);

#endif /* SCMLB_REACH_H */
