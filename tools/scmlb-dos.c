// SPDX-License-Identifier: GPL-2.0
/* scmlb-dos - DoS protection policies: per-source packet limits that become firewall rules */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "args.h"
#include "dos.h"
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
	int ret = scmlb_dos_set_apply(ctx, opts, &id);

	if (!ret)
		printf("%u\n", id);
	return ret;
}

static const struct scmlb_column policy_cols[] = {
	{ "ID", "id", SCMLB_COL_NUM },
	{ "PROTOCOL", "protocol", SCMLB_COL_STR },
	{ "TYPE", "type", SCMLB_COL_STR },
	{ "LIMIT", "limit", SCMLB_COL_NUM },
	{ "STATUS", "status", SCMLB_COL_STR },
	{ NULL, "rules", SCMLB_COL_RAW },
	{ "SCOPE", "scope", SCMLB_COL_STR },
	{ "BLOCK TIME", "block_time", SCMLB_COL_NUM },
	/* an IPv6 source is counted and blocked per /PREFIX; empty: budget */
	{ "PREFIX", "prefix_len", SCMLB_COL_NUM },
};

#define N_POLICY_COLS (sizeof(policy_cols) / sizeof(policy_cols[0]))

static int do_get(struct scmlb_ctx *ctx, const void *opts)
{
	struct scmlb_dos_entry list[SCMLB_DOS_POLICIES];
	struct scmlb_table *t;
	size_t n = 0, i, r;
	int err;

	(void)opts;
	err = scmlb_dos_policies_list(ctx, list, &n);
	if (err) {
		pr_err("cannot list the policies: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	t = scmlb_table_new(policy_cols, N_POLICY_COLS);
	if (!t)
		err = -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		const struct scmlb_dos_entry *e = &list[i];
		bool global = e->class == SCMLB_DOS_SYN_GLOBAL;
		char id[12], limit[12], block[12] = "", prefix[8] = "", *rules;
		const char *cells[N_POLICY_COLS];
		size_t len = 3 + e->n_rules * 12;	/* "[", ids, "]", NUL */

		rules = malloc(len);
		if (!rules) {
			err = -ENOMEM;
			break;
		}
		strcpy(rules, "[");
		for (r = 0; r < e->n_rules; r++)
			snprintf(rules + strlen(rules), len - strlen(rules), "%s%u",
				 r ? ", " : "", e->rules[r]);
		strcat(rules, "]");
		snprintf(id, sizeof(id), "%u", e->id);
		snprintf(limit, sizeof(limit), "%u", e->limit);
		cells[0] = id;
		cells[1] = scmlb_dos_class_proto(e->class);
		cells[2] = scmlb_dos_class_type(e->class);
		cells[3] = limit;
		if (!global) {
			snprintf(block, sizeof(block), "%u", e->block);
			snprintf(prefix, sizeof(prefix), "%u", e->prefix_len);
		}
		cells[4] = e->triggered ? "triggered" : "not triggered";
		cells[5] = rules;
		cells[6] = global ? "global" : "source";
		cells[7] = block;
		cells[8] = prefix;
		err = scmlb_table_row(t, cells);
		free(rules);
	}
	if (!err)
		err = scmlb_table_print(t, ctx->json, stdout);
	scmlb_table_free(t);
	scmlb_dos_entries_free(list, n);
	if (err) {
		pr_err("cannot print the policies: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static int do_delete(struct scmlb_ctx *ctx, const void *opts)
{
	const struct delete_opts *o = opts;

	return scmlb_dos_delete_apply(ctx, o->id);
}

static const struct scmlb_opt delete_table[] = {
	{ "id", 'i', "ID", "id", scmlb_parse_id,
	  offsetof(struct delete_opts, id), true,
	  "the policy's id, as set printed it" },
	{ 0 },
};

static const struct scmlb_cmd dos_cmds[] = {
	SCMLB_DOS_SET_CMD(do_set),
	{ "get", "list the policies", NULL, 0, SCMLB_CMD_READ | SCMLB_CMD_JSON,
	  NULL, do_get },
	{ "delete", "remove a policy and the firewall rules it added",
	  delete_table, sizeof(struct delete_opts), SCMLB_CMD_WRITE, NULL,
	  do_delete },
	{ 0 },
};

static const struct scmlb_tool dos_tool = {
	"scmlb-dos", "manage the DoS protection of the load balancer", dos_cmds,
	"A source that sends more than LIMIT packets of the policy's kind within\n"
	"one second is dropped at once by the data plane; scmlb-gc then adds a\n"
	"firewall rule dropping that protocol from ADDR/32, one per source,\n"
	"which it removes again after the block time. An IPv6 source counts\n"
	"and is blocked per /128, or per /N with --prefix-len N. A spoofed\n"
	"flood can block the address it spoofs: keep the block time short.\n"
	"With --global, -p tcp -t syn -l N lets N new connections (SYNs that\n"
	"open a flow) per second through, from all sources together, and drops\n"
	"the rest.\n"
	"A TCP packet's type is its first set flag of fin syn rst psh urg ece\n"
	"cwr, else ack.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&dos_tool, argc, argv);
}
