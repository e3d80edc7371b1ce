/* SPDX-License-Identifier: GPL-2.0 */
/* scmlb_decap.h - what scmlb-decap's program counts, shared with the tools and tests */
#ifndef SCMLB_DECAP_H
#define SCMLB_DECAP_H

#include <linux/types.h>

/* The program's name: scmlb-decap detach takes off only a program so named. */
#define SCMLB_DECAP_PROG_NAME "scmlb_decap"

/* decap_stats entries: one per outcome, every packet counted once. */
enum scmlb_decap_stat {
	/* IPIP or ip6ip6 for a local inner destination: passed on as the
	 * inner packet */
	SCMLB_DECAP_DECAPSULATED,
	/* IPIP or ip6ip6, whole and valid, whose inner destination the
	 * kernel routes away from this host: passed untouched */
	SCMLB_DECAP_NOT_LOCAL,
	/* IPIP or ip6ip6 cut short, fragmented, or not carrying a whole
	 * header of its own family: passed untouched */
	SCMLB_DECAP_INVALID,
	/* neither: passed untouched */
	SCMLB_DECAP_PASSED,
	SCMLB_DECAP_STATS,
};

#endif /* SCMLB_DECAP_H */
