/* SPDX-License-Identifier: GPL-2.0 */
/* apply.h - the write verbs of svc, lb, fw and dos: their tools and scmlb-restore run these */
#ifndef SCMLB_APPLY_H
#define SCMLB_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps.h"
#include "verbs.h"

struct scmlb_nl;

/* scmlb-lb edit -i ID [-n NAME] [-c URL | --no-healthcheck] [-w N] */
struct scmlb_lb_edit_opts {
	__u32 id;
	const char *name;		/* NULL: keep */
	const char *healthcheck;	/* NULL: keep */
	bool no_healthcheck;
	__u16 weight;			/* 0: keep */
};

/*
 * Each prints the tool's one error line and returns its exit status
 * (enum scmlb_exit). @bes, when not NULL, are the backends the checks of
 * svc set and lb set compare with instead of reading them all.
 */
int scmlb_svc_set_apply(struct scmlb_ctx *ctx,
			const struct scmlb_svc_set_opts *o,
			const struct scmlb_backend *bes, size_t n_bes,
			__u32 *id);
int scmlb_svc_delete_apply(struct scmlb_ctx *ctx, __u32 id);
int scmlb_lb_set_apply(struct scmlb_ctx *ctx,
		       const struct scmlb_lb_set_opts *o, struct scmlb_nl *nl,
		       const struct scmlb_backend *bes, size_t n_bes,
		       __u32 *id);
int scmlb_lb_edit_apply(struct scmlb_ctx *ctx,
			const struct scmlb_lb_edit_opts *o);
int scmlb_lb_status_apply(struct scmlb_ctx *ctx, __u32 id, __u8 status);
int scmlb_lb_delete_apply(struct scmlb_ctx *ctx, __u32 id);
int scmlb_fw_set_apply(struct scmlb_ctx *ctx,
		       const struct scmlb_fw_set_opts *o, __u32 *id);
int scmlb_fw_delete_apply(struct scmlb_ctx *ctx, __u32 id);
int scmlb_dos_set_apply(struct scmlb_ctx *ctx,
			const struct scmlb_dos_set_opts *o, __u32 *id);
int scmlb_dos_delete_apply(struct scmlb_ctx *ctx, __u32 id);

#endif /* SCMLB_APPLY_H */
