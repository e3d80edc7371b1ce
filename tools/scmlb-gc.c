// SPDX-License-Identifier: GPL-2.0
/* scmlb-gc - one pass: expire conntrack entries, turn DoS counts into firewall rules */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "conntrack.h"
#include "dos.h"
#include "log.h"
#include "maps.h"
#include "output.h"

#define DEFAULT_GC_NS (3600ULL * 1000000000ULL)

struct gc_opts {
	__u64 gc_ns;		/* 0: not given */
	bool quiet;
};

static void print_text(const struct scmlb_ct_prune_stats *ct,
		       const struct scmlb_dos_added *added, size_t n)
{
	const char *type;
	char addr[16];
	size_t i;

	for (i = 0; i < n; i++) {
		type = scmlb_dos_class_type(added[i].class);
		scmlb_format_ipv4(addr, sizeof(addr), added[i].addr);
		printf("dos: policy %u (%s%s%s, limit %u): firewall rule %u "
		       "drops %s from %s/32\n", added[i].policy,
		       scmlb_dos_class_proto(added[i].class), *type ? " " : "",
		       type, added[i].limit, added[i].rule,
		       scmlb_dos_class_proto(added[i].class), addr);
	}
	printf("gc: %zu flows checked, %zu closed and %zu idle removed; "
	       "%zu DoS rules added\n", ct->checked, ct->closed, ct->idle, n);
}

static void print_json(const struct scmlb_ct_prune_stats *ct,
		       const struct scmlb_dos_added *added, size_t n)
{
	char addr[16];
	size_t i;

	printf("{\"flows_checked\": %zu, \"closed_removed\": %zu, "
	       "\"idle_removed\": %zu, \"rules_added\": [", ct->checked,
	       ct->closed, ct->idle);
	for (i = 0; i < n; i++) {
		scmlb_format_ipv4(addr, sizeof(addr), added[i].addr);
		printf("%s{\"id\": %u, \"network\": \"%s/32\", \"protocol\": ",
		       i ? ", " : "", added[i].rule, addr);
		scmlb_json_string(stdout, scmlb_dos_class_proto(added[i].class));
		printf(", \"policy\": %u, \"type\": ", added[i].policy);
		scmlb_json_string(stdout, scmlb_dos_class_type(added[i].class));
		printf(", \"limit\": %u}", added[i].limit);
	}
	printf("]}\n");
}

static int do_gc(struct scmlb_ctx *ctx, const void *opts)
{
	const struct gc_opts *o = opts;
	struct scmlb_dos_added *added = NULL;
	struct scmlb_ct_prune_stats ct;
	size_t n_added = 0;
	int err;

	err = scmlb_ct_prune(ctx, o->gc_ns ? o->gc_ns : DEFAULT_GC_NS, &ct);
	if (err) {
		pr_err("cannot expire flows: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	err = scmlb_dos_enforce(ctx, &added, &n_added);
	/* the timer runs it every second: quiet says only what changed */
	if (!o->quiet || ct.closed || ct.idle || n_added) {
		if (ctx->json)
			print_json(&ct, added, n_added);
		else
			print_text(&ct, added, n_added);
	}
	free(added);
	if (err) {
		pr_err("cannot enforce the DoS policies: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("cannot write to standard output");
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static const struct scmlb_opt gc_table[] = {
	{ "gc-time", 't', "DURATION", "duration", scmlb_parse_duration,
	  offsetof(struct gc_opts, gc_ns), false,
	  "remove flows idle longer than this, like 30s, 5m, 1h (default 1h)" },
	{ "quiet", 'q', NULL, NULL, NULL, offsetof(struct gc_opts, quiet), false,
	  "print nothing when nothing was removed or added" },
	{ 0 },
};

static const struct scmlb_cmd gc_cmds[] = {
	{ NULL, "one garbage-collection pass", gc_table, sizeof(struct gc_opts),
	  SCMLB_CMD_WRITE | SCMLB_CMD_JSON | SCMLB_CMD_IF_ATTACHED, NULL,
	  do_gc },
	{ 0 },
};

static const struct scmlb_tool gc_tool = {
	"scmlb-gc", "expire tracked flows and enforce DoS policies, once",
	gc_cmds,
	"Removes the flows of closed TCP connections and flows idle longer than\n"
	"the gc time, and adds a firewall rule for every source that crossed a\n"
	"DoS policy's limit. Run every second by scmlb-gc.timer.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&gc_tool, argc, argv);
}
