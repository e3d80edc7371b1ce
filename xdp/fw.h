/* SPDX-License-Identifier: GPL-2.0 */
/* fw.h - stage 2: the firewall */
#ifndef SCMLB_FW_H
#define SCMLB_FW_H

#include "maps.h"
#include "parse.h"

/*
 * The firewall holds no rules yet (scmlb-fw is not written): every packet
 * goes on to the next stage.
 */
static __always_inline int fw_check(struct scmlb_stats *st, const struct pkt *p)
{
	(void)st;
	(void)p;
	return SCMLB_CONTINUE;
}

#endif /* SCMLB_FW_H */
