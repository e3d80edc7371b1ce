/* SPDX-License-Identifier: GPL-2.0 */
/* dos.h - DoS policies, and turning sources over a limit into firewall rules */
#ifndef SCMLB_LIB_DOS_H
#define SCMLB_LIB_DOS_H

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

/* A firewall rule scmlb_dos_enforce() added for a source over a limit. */
struct scmlb_dos_added {
	__u32 rule;			/* the rule's id */
	__u32 policy;			/* the policy's id */
	__u32 class;			/* enum scmlb_dos_class */
	__u32 limit;			/* the policy's limit */
	__be32 addr;			/* the source, dropped as ADDR/32 */
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
int scmlb_dos_enforce(struct scmlb_ctx *ctx, struct scmlb_dos_added **added,
		      size_t *n_added);

#endif /* SCMLB_LIB_DOS_H */
