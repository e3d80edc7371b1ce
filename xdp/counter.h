/* SPDX-License-Identifier: GPL-2.0 */
/* counter.h - stage 1: count upstream packets per L4 protocol */
#ifndef SCMLB_COUNTER_H
#define SCMLB_COUNTER_H

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

/* @p is NULL for a frame that is not a whole IPv4 packet. */
static __always_inline void count_packet(struct scmlb_stats *st,
					 const struct pkt *p)
{
	if (!p)
		st->rx_other++;
	else if (p->proto == IPPROTO_TCP)
		st->rx_tcp++;
	else if (p->proto == IPPROTO_UDP)
		st->rx_udp++;
	else if (p->proto == IPPROTO_ICMP)
		st->rx_icmp++;
	else
		st->rx_other++;
}

#endif /* SCMLB_COUNTER_H */
