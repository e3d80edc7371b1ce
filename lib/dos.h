/* SPDX-License-Identifier: GPL-2.0 */
/* dos.h - DoS policies, and turning sources over a limit into firewall rules */
#ifndef SCMLB_LIB_DOS_H
#define SCMLB_LIB_DOS_H

#include <stdio.h>
#include <linux/types.h>

#include "maps.h"

/* A policy as listed, with the firewall rules it added. */
struct scmlb_dos_entry {
	__u32 id;
	__u32 class;			/* enum scmlb_dos_class */
	__u32 limit;
	__u32 *rules;			/* rule ids, by id */
	size_t n_rules;
};

int scmlb_dos_class_parse(__u8 proto, const char *type, __u32 *class,
			  const char **why);
const char *scmlb_dos_class_proto(__u32 class);
const char *scmlb_dos_class_type(__u32 class);

int scmlb_dos_policy_add(struct scmlb_ctx *ctx, __u32 class, __u32 limit,
			 __u32 *id);
int scmlb_dos_policy_delete(struct scmlb_ctx *ctx, __u32 id);
int scmlb_dos_policy_set_limit(struct scmlb_ctx *ctx, __u32 id, __u32 limit);
int scmlb_dos_policies_list(const struct scmlb_ctx *ctx,
			    struct scmlb_dos_entry *out, size_t *n);
void scmlb_dos_entries_free(struct scmlb_dos_entry *list, size_t n);
int scmlb_dos_enforce(struct scmlb_ctx *ctx, FILE *report, size_t *added);

#endif /* SCMLB_LIB_DOS_H */
