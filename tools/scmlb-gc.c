// SPDX-License-Identifier: GPL-2.0
/* scmlb-gc - one pass: expire conntrack entries, turn DoS counts into firewall rules */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "ct_expire.h"
#include "dos.h"
#include "log.h"
#include "maps.h"
#include "output.h"

struct gc_opts {
	__u64 gc_ns;		/* 0: not given */
	struct scmlb_ct_timeouts timeouts;	/* by state, 0: not given */
	bool quiet;
};

/* What the conntrack pass removed, as the reports say it. */
struct gc_report {
	unsigned long long checked;
	unsigned long long closed;	/* in state closed */
	unsigned long long idle;	/* in any other state */
};

static int gc_check(const void *opts)
{
	const struct gc_opts *o = opts;

	if (o->gc_ns && o->timeouts.ns[SCMLB_CT_ESTABLISHED]) {
		pr_err("--gc-time and --timeout established=... set the same "
		       "timeout: give one");
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

/* The timeouts of this pass: the options given, the defaults for the rest. */
static struct scmlb_ct_timeouts gc_timeouts(const struct gc_opts *o)
{
	struct scmlb_ct_timeouts t = scmlb_ct_default_timeouts;
	int i;

	for (i = 0; i < SCMLB_CT_STATES; i++)
		if (o->timeouts.ns[i])
			t.ns[i] = o->timeouts.ns[i];
	if (o->gc_ns)
		t.ns[SCMLB_CT_ESTABLISHED] = t.ns[0] = o->gc_ns;
	return t;
}

static struct gc_report gc_report(const struct scmlb_ct_expire_stats *ct)
{
	struct gc_report r = { .checked = ct->checked };
	int i;

	for (i = 0; i < SCMLB_CT_STATES; i++) {
		if (i == SCMLB_CT_CLOSED)
			r.closed += ct->expired[i];
		else
			r.idle += ct->expired[i];
	}
	return r;
}

static void print_text(const struct gc_report *ct,
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
	printf("gc: %llu flows checked, %llu closed and %llu idle removed; "
	       "%zu DoS rules added\n", ct->checked, ct->closed, ct->idle, n);
}

static void print_json(const struct gc_report *ct,
		       const struct scmlb_dos_added *added, size_t n)
{
	char addr[16];
	size_t i;

	printf("{\"flows_checked\": %llu, \"closed_removed\": %llu, "
	       "\"idle_removed\": %llu, \"rules_added\": [", ct->checked,
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
	struct scmlb_ct_timeouts timeouts = gc_timeouts(o);
	struct scmlb_dos_added *added = NULL;
	struct scmlb_ct_expire_stats ct;
	struct gc_report report;
	size_t n_added = 0;
	int err;

	err = scmlb_ct_expire(ctx, &timeouts, &ct);
	if (err) {
		pr_err("cannot expire flows: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	report = gc_report(&ct);
	err = scmlb_dos_enforce(ctx, &added, &n_added);
	/* the timer runs it every second: quiet says only what changed */
	if (!o->quiet || report.closed || report.idle || n_added) {
		if (ctx->json)
			print_json(&report, added, n_added);
		else
			print_text(&report, added, n_added);
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
	  "timeout of established flows, like 30s, 5m, 1h (default 1h)" },
	{ "timeout", 0, "STATE=DURATION", "timeout", scmlb_parse_ct_timeout,
	  offsetof(struct gc_opts, timeouts), false,
	  "timeout of a state (repeatable): opening=60s, established=1h, "
	  "closing=2m, closed=10s, udp=5m by default" },
	{ "quiet", 'q', NULL, NULL, NULL, offsetof(struct gc_opts, quiet), false,
	  "print nothing when nothing was removed or added" },
	{ 0 },
};

static const struct scmlb_cmd gc_cmds[] = {
	{ NULL, "one garbage-collection pass", gc_table, sizeof(struct gc_opts),
	  SCMLB_CMD_WRITE | SCMLB_CMD_JSON | SCMLB_CMD_IF_ATTACHED, gc_check,
	  do_gc },
	{ 0 },
};

static const struct scmlb_tool gc_tool = {
	"scmlb-gc", "expire tracked flows and enforce DoS policies, once",
	gc_cmds,
	"Removes the flows idle longer than their state's timeout, and adds a\n"
	"firewall rule for every source that crossed a DoS policy's limit. Run\n"
	"every second by scmlb-gc.timer.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&gc_tool, argc, argv);
}
