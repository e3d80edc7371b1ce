/* SPDX-License-Identifier: GPL-2.0 */
/* metrics.h - the packet counters, and all of an instance as Prometheus metrics */
#ifndef SCMLB_METRICS_H
#define SCMLB_METRICS_H

#include <stdio.h>

#include "maps.h"

/* Whose packet counters scmlb_stats_read() reads. */
enum scmlb_stats_family {
	SCMLB_STATS_ALL,	/* IPv4, IPv6 and frames of neither, added up */
	SCMLB_STATS_IPV6,	/* IPv6's alone */
};

int scmlb_stats_read(const struct scmlb_ctx *ctx, enum scmlb_stats_family which,
		     struct scmlb_stats per_proto[SCMLB_STAT_PROTOS]);
void scmlb_stats_sum(const struct scmlb_stats per_proto[SCMLB_STAT_PROTOS],
		     struct scmlb_stats *sum);
const char *scmlb_stat_proto_name(__u32 proto);

void scmlb_prom_label_value(FILE *f, const char *s);
int scmlb_metrics_print(struct scmlb_ctx *ctx, FILE *f);
int scmlb_metrics_save(struct scmlb_ctx *ctx, const char *path);

#endif /* SCMLB_METRICS_H */
