/* SPDX-License-Identifier: GPL-2.0 */
/* ct_gather.h - the full slots of a half-open map, gathered in the kernel */
#ifndef SCMLB_CT_GATHER_H
#define SCMLB_CT_GATHER_H

/* A full slot: struct scmlb_opening_slot, or scmlb_opening6_slot. */
typedef int (*scmlb_slot_fn)(const void *slot, void *arg);

int scmlb_ct_gather(int fd, scmlb_slot_fn fn, void *arg);

#endif /* SCMLB_CT_GATHER_H */
