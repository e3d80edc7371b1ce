/* SPDX-License-Identifier: GPL-2.0 */
/* counter.h - stage 1: count upstream packets per L4 protocol */
#ifndef SCMLB_COUNTER_H
#define SCMLB_COUNTER_H

#include "bench_skip.h"
#include "maps.h"
#include "parse.h"

/* The stat_pkts entry of a packet; @p is NULL for a frame that is not IPv4. */
static __always_inline __u32 stat_proto(const struct pkt *p)
{
	if (!p)
		return SCMLB_STAT_OTHER;
	if (p->proto == IPPROTO_TCP)
		return SCMLB_STAT_TCP;
	if (p->proto == IPPROTO_UDP)
		return SCMLB_STAT_UDP;
	if (p->proto == IPPROTO_ICMP)
		return SCMLB_STAT_ICMP;
	return SCMLB_STAT_OTHER;
}

_Static_assert(__builtin_offsetof(struct scmlb_stats, rx_tcp) ==
	       __builtin_offsetof(struct scmlb_stats, rx_icmp) +
	       SCMLB_STAT_TCP * sizeof(__u64) &&
	       __builtin_offsetof(struct scmlb_stats, rx_udp) ==
	       __builtin_offsetof(struct scmlb_stats, rx_icmp) +
	       SCMLB_STAT_UDP * sizeof(__u64) &&
	       __builtin_offsetof(struct scmlb_stats, rx_other) ==
	       __builtin_offsetof(struct scmlb_stats, rx_icmp) +
	       SCMLB_STAT_OTHER * sizeof(__u64),
	       "the rx counters follow enum scmlb_stat_proto");
_Static_assert((SCMLB_STAT_PROTOS & (SCMLB_STAT_PROTOS - 1)) == 0,
	       "count_packet() masks the protocol with SCMLB_STAT_PROTOS - 1");

/*
 * Count a packet of @proto (stat_proto()) in its entry's counter: the
 * protocol picked the entry already, one store picks the field.
 */
static __always_inline void count_packet(struct scmlb_stats *st, __u32 proto)
{
	if (bench_skip(SCMLB_SKIP_COUNTERS))
		return;
	(&st->rx_icmp)[proto & (SCMLB_STAT_PROTOS - 1)]++;
}

#endif /* SCMLB_COUNTER_H */
