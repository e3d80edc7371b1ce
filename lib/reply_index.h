/* SPDX-License-Identifier: GPL-2.0 */
/* reply_index.h - lb_reply_index, made from the backends and services */
#ifndef SCMLB_LIB_REPLY_INDEX_H
#define SCMLB_LIB_REPLY_INDEX_H

#include <stddef.h>
#include <linux/types.h>

#include "maps.h"

/* One key of lb_reply_index and its value. */
struct scmlb_reply_entry {
	struct scmlb_reply_key key;
	struct scmlb_reply_to to;
};

int scmlb_reply_index_build(const struct scmlb_service *svcs, size_t n_svcs,
			    const struct scmlb_backend *bes, size_t n_bes,
			    struct scmlb_reply_entry **out, size_t *n);
int scmlb_reply_index_sync(const struct scmlb_ctx *ctx);

#endif /* SCMLB_LIB_REPLY_INDEX_H */
