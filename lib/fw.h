/* SPDX-License-Identifier: GPL-2.0 */
/* fw.h - firewall rules: add, delete, list, with the networks they hang on */
#ifndef SCMLB_LIB_FW_H
#define SCMLB_LIB_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps.h"

/* A rule as listed: the rule, its network's address, what it dropped. */
struct scmlb_fw_entry {
	struct scmlb_fw_rule rule;
	__be32 addr[4];			/* the network: IPv4 in addr[0] */
	__u64 dropped;
};

/* scmlb_fw_rule.addr of an IPv6 rule: under mask 0 no IPv4 source matches it. */
#define SCMLB_FW6_RULE_ADDR 0xffffffffU

/* "ADDR/LEN" of either family, with its NUL. */
#define SCMLB_FW_NETWORK_LEN 50

int scmlb_fw_rule_add(struct scmlb_ctx *ctx, struct scmlb_fw_rule *rule);
int scmlb_fw_rule_add_expiring(struct scmlb_ctx *ctx,
			       struct scmlb_fw_rule *rule, __s64 expires);
int scmlb_fw_entry_add(struct scmlb_ctx *ctx, struct scmlb_fw_entry *e,
		       __s64 expires);
int scmlb_fw_rule_expires(const struct scmlb_ctx *ctx,
			  const struct scmlb_fw_rule *rule, __s64 *expires);
int scmlb_fw_rule_delete(struct scmlb_ctx *ctx, __u32 id);
int scmlb_fw_rule_get(const struct scmlb_ctx *ctx, __u32 id,
		      struct scmlb_fw_rule *out);
int scmlb_fw_rules_list(const struct scmlb_ctx *ctx, bool with_drops,
			struct scmlb_fw_entry **out, size_t *n);
bool scmlb_fw_rule_same(const struct scmlb_fw_rule *a,
			const struct scmlb_fw_rule *b);
bool scmlb_fw_entry_same(const struct scmlb_fw_entry *a,
			 const struct scmlb_fw_entry *b);
char *scmlb_fw_entry_network(const struct scmlb_fw_entry *e, char *buf,
			     size_t size);
const char *scmlb_fw_proto_name(__u8 proto);

#endif /* SCMLB_LIB_FW_H */
