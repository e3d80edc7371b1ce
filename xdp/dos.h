/* SPDX-License-Identifier: GPL-2.0 */
/* dos.h - stage 3: DoS protection */
#ifndef SCMLB_DOS_H
#define SCMLB_DOS_H

#include "maps.h"
#include "parse.h"

/*
 * No DoS policies exist yet (scmlb-dos is not written): every packet goes
 * on to the next stage.
 */
static __always_inline int dos_check(struct scmlb_stats *st, const struct pkt *p)
{
	(void)st;
	(void)p;
	return SCMLB_CONTINUE;
}

#endif /* SCMLB_DOS_H */
