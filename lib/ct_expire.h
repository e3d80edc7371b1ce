/* SPDX-License-Identifier: GPL-2.0 */
/* ct_expire.h - scmlb-gc's pass: flows idle longer than their state's timeout go */
#ifndef SCMLB_CT_EXPIRE_H
#define SCMLB_CT_EXPIRE_H

#include "maps.h"

/* Idle time a flow of each state may have, in ns; index: enum scmlb_flow_state. */
struct scmlb_ct_timeouts {
	__u64 ns[SCMLB_CT_STATES];
};

extern const struct scmlb_ct_timeouts scmlb_ct_default_timeouts;

int scmlb_parse_ct_timeout(const char *s, void *out, const char **why);

/* What one pass found and removed. */
struct scmlb_ct_expire_stats {
	__u64 checked;			/* flows */
	__u64 expired[SCMLB_CT_STATES];	/* by state */
};

int scmlb_ct_expire(const struct scmlb_ctx *ctx,
		    const struct scmlb_ct_timeouts *timeouts,
		    struct scmlb_ct_expire_stats *stats);

#endif /* SCMLB_CT_EXPIRE_H */
