/* SPDX-License-Identifier: GPL-2.0 */
/* scheduler.h - build a service's Maglev and weighted round robin tables */
#ifndef SCMLB_SCHEDULER_H
#define SCMLB_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "scmlb_consts.h"

/* A backend as the table builders see it. */
struct scmlb_sched_backend {
	__u32 id;		/* what the table holds */
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 addr[16];		/* IPv4: first four bytes, network order */
	__be16 port;		/* network order; 0: the packet's own port */
	__u16 weight;		/* 1..65535 */
};

int scmlb_maglev_build(const struct scmlb_sched_backend *be, size_t n, __u32 m,
		       __u32 *table);
int scmlb_wrr_build(const struct scmlb_sched_backend *be, size_t n, __u32 cap,
		    __u32 *ring, __u32 *len);
bool scmlb_is_prime(__u32 m);

#endif /* SCMLB_SCHEDULER_H */
