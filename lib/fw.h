/* SPDX-License-Identifier: GPL-2.0 */
/* fw.h - firewall rules: add, delete, list, with the networks they hang on */
#ifndef SCMLB_LIB_FW_H
#define SCMLB_LIB_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps.h"

/* A rule as listed: the rule and the packets it dropped. */
struct scmlb_fw_entry {
	struct scmlb_fw_rule rule;
	__u64 dropped;
};

int scmlb_fw_rule_add(struct scmlb_ctx *ctx, struct scmlb_fw_rule *rule);
int scmlb_fw_rule_add_expiring(struct scmlb_ctx *ctx,
			       struct scmlb_fw_rule *rule, __s64 expires);
int scmlb_fw_rule_expires(const struct scmlb_ctx *ctx,
			  const struct scmlb_fw_rule *rule, __s64 *expires);
int scmlb_fw_rule_delete(struct scmlb_ctx *ctx, __u32 id);
int scmlb_fw_rule_get(const struct scmlb_ctx *ctx, __u32 id,
		      struct scmlb_fw_rule *out);
int scmlb_fw_rules_list(const struct scmlb_ctx *ctx, bool with_drops,
			struct scmlb_fw_entry **out, size_t *n);
bool scmlb_fw_rule_same(const struct scmlb_fw_rule *a,
			const struct scmlb_fw_rule *b);
const char *scmlb_fw_proto_name(__u8 proto);

#endif /* SCMLB_LIB_FW_H */
