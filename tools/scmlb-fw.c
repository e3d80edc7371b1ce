// SPDX-License-Identifier: GPL-2.0
/* scmlb-fw - add, list and delete firewall rules */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "args.h"
#include "clock.h"
#include "fw.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "verbs.h"

struct delete_opts {
	__u32 id;
};

static int do_set(struct scmlb_ctx *ctx, const void *opts)
{
	__u32 id;
	int ret = scmlb_fw_set_apply(ctx, opts, &id);

	if (!ret)
		printf("%u\n", id);
	return ret;
}

static const struct scmlb_column rule_cols[] = {
	{ "ID", "id", SCMLB_COL_NUM },
	{ "NETWORK", "network", SCMLB_COL_STR },
	{ "SRCFROMPORT", "src_from_port", SCMLB_COL_NUM },
	{ "SRCTOPORT", "src_to_port", SCMLB_COL_NUM },
	{ "DSTFROMPORT", "dst_from_port", SCMLB_COL_NUM },
	{ "DSTTOPORT", "dst_to_port", SCMLB_COL_NUM },
	{ "PROTOCOL", "protocol", SCMLB_COL_STR },
	{ "DROPPED", "dropped", SCMLB_COL_NUM },
	/* the DoS policy that added the rule; empty (null) for rules of fw set */
	{ "POLICY", "policy", SCMLB_COL_NUM },
	/* when scmlb-gc removes a DoS policy's rule; null: never */
	{ NULL, "expires", SCMLB_COL_STR_NULL },
};

#define N_RULE_COLS (sizeof(rule_cols) / sizeof(rule_cols[0]))

static int do_get(struct scmlb_ctx *ctx, const void *opts)
{
	struct scmlb_fw_entry *list = NULL;
	struct scmlb_table *t;
	size_t n = 0, i;
	int err;

	(void)opts;
	err = scmlb_fw_rules_list(ctx, true, &list, &n);
	t = scmlb_table_new(rule_cols, N_RULE_COLS);
	if (!err && !t)
		err = -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		const struct scmlb_fw_rule *r = &list[i].rule;
		char id[12], net[SCMLB_FW_NETWORK_LEN], sf[8], st[8], df[8], dt[8];
		char dropped[24];
		char policy[12] = "", expires[32] = "";
		const char *cells[N_RULE_COLS] = { id, net, sf, st, df, dt,
			scmlb_fw_proto_name(r->proto), dropped, policy, expires };
		__s64 when;

		snprintf(id, sizeof(id), "%u", r->id);
		scmlb_fw_entry_network(&list[i], net, sizeof(net));
		snprintf(sf, sizeof(sf), "%u", r->src_from);
		snprintf(st, sizeof(st), "%u", r->src_to);
		snprintf(df, sizeof(df), "%u", r->dst_from);
		snprintf(dt, sizeof(dt), "%u", r->dst_to);
		snprintf(dropped, sizeof(dropped), "%llu",
			 (unsigned long long)list[i].dropped);
		if (r->dos_policy)
			snprintf(policy, sizeof(policy), "%u", r->dos_policy);
		err = scmlb_fw_rule_expires(ctx, r, &when);
		if (!err && when)
			scmlb_format_utc(expires, sizeof(expires), when);
		if (!err)
			err = scmlb_table_row(t, cells);
	}
	if (!err)
		err = scmlb_table_print(t, ctx->json, stdout);
	scmlb_table_free(t);
	free(list);
	if (err) {
		pr_err("cannot list the rules: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static int do_delete(struct scmlb_ctx *ctx, const void *opts)
{
	const struct delete_opts *o = opts;

	return scmlb_fw_delete_apply(ctx, o->id);
}

static const struct scmlb_opt delete_table[] = {
	{ "id", 'i', "ID", "id", scmlb_parse_id,
	  offsetof(struct delete_opts, id), true,
	  "the rule's id, as set printed it" },
	{ 0 },
};

static const struct scmlb_cmd fw_cmds[] = {
	SCMLB_FW_SET_CMD(do_set),
	{ "get", "list the rules with their drop counts", NULL, 0,
	  SCMLB_CMD_READ | SCMLB_CMD_JSON, NULL, do_get },
	{ "delete", "remove a rule", delete_table, sizeof(struct delete_opts),
	  SCMLB_CMD_WRITE, NULL, do_delete },
	{ 0 },
};

static const struct scmlb_tool fw_tool = {
	"scmlb-fw", "manage the firewall of the load balancer", fw_cmds,
	"A packet is dropped when any rule matches it: its source lies in the\n"
	"rule's network, its protocol is the rule's (or the rule says any), and\n"
	"each of its ports lies in the rule's range (0 matches every port).\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&fw_tool, argc, argv);
}
