// SPDX-License-Identifier: GPL-2.0
/* scmlb-gc - one pass: expire conntrack entries, turn DoS counts into firewall rules */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "clock.h"
#include "ct_expire.h"
#include "dos.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "reach.h"
#include "reply_index.h"

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

/* What one pass did, for the reports. */
struct gc_done {
	struct gc_report ct;
	struct scmlb_dos_added *added;	/* DoS rules */
	size_t n_added;
	struct scmlb_dos_expired *expired;	/* DoS rules whose time was up */
	size_t n_expired;
	struct scmlb_moved *moved;	/* backends that changed their way */
	size_t n_moved;
};

static void print_text(const struct gc_done *d)
{
	const struct scmlb_dos_added *added = d->added;
	const struct gc_report *ct = &d->ct;
	size_t i, n = d->n_added;
	char mac[18], when[32];
	const char *type;

	for (i = 0; i < d->n_moved; i++) {
		scmlb_format_mac(mac, sizeof(mac), d->moved[i].mac);
		printf("backend %u: now through %s to %s\n", d->moved[i].id,
		       d->moved[i].ifname, mac);
	}

	for (i = 0; i < d->n_expired; i++) {
		scmlb_format_utc(when, sizeof(when), d->expired[i].expires);
		printf("dos: policy %u: firewall rule %u for %s expired at "
		       "%s, removed\n", d->expired[i].policy, d->expired[i].rule,
		       d->expired[i].network, when);
	}
	for (i = 0; i < n; i++) {
		type = scmlb_dos_class_type(added[i].class);
		if (added[i].expires)
			scmlb_format_utc(when, sizeof(when), added[i].expires);
		printf("dos: policy %u (%s%s%s, limit %u): firewall rule %u "
		       "drops %s from %s %s%s\n", added[i].policy,
		       scmlb_dos_class_proto(added[i].class), *type ? " " : "",
		       type, added[i].limit, added[i].rule,
		       scmlb_dos_class_proto(added[i].class), added[i].network,
		       added[i].expires ? "until " : "until the policy is deleted",
		       added[i].expires ? when : "");
	}
	printf("gc: %llu flows checked, %llu closed and %llu idle removed; "
	       "%zu DoS rules added, %zu expired\n", ct->checked, ct->closed,
	       ct->idle, n, d->n_expired);
}

/* An expiry as JSON: an RFC 3339 string, or null for never. */
static void print_expires(__s64 expires)
{
	char when[32];

	if (!expires) {
		printf("null");
		return;
	}
	scmlb_format_utc(when, sizeof(when), expires);
	printf("\"%s\"", when);
}

static void print_json(const struct gc_done *d)
{
	const struct scmlb_dos_added *added = d->added;
	const struct gc_report *ct = &d->ct;
	size_t i, n = d->n_added;
	char mac[18];

	printf("{\"flows_checked\": %llu, \"closed_removed\": %llu, "
	       "\"idle_removed\": %llu, \"rules_added\": [", ct->checked,
	       ct->closed, ct->idle);
	for (i = 0; i < n; i++) {
		printf("%s{\"id\": %u, \"network\": \"%s\", \"protocol\": ",
		       i ? ", " : "", added[i].rule, added[i].network);
		scmlb_json_string(stdout, scmlb_dos_class_proto(added[i].class));
		printf(", \"policy\": %u, \"type\": ", added[i].policy);
		scmlb_json_string(stdout, scmlb_dos_class_type(added[i].class));
		printf(", \"limit\": %u, \"expires\": ", added[i].limit);
		print_expires(added[i].expires);
		printf("}");
	}
	printf("], \"rules_expired\": [");
	for (i = 0; i < d->n_expired; i++) {
		printf("%s{\"id\": %u, \"network\": \"%s\", \"policy\": %u, "
		       "\"expires\": ", i ? ", " : "", d->expired[i].rule,
		       d->expired[i].network,
		       d->expired[i].policy);
		print_expires(d->expired[i].expires);
		printf("}");
	}
	printf("], \"backends_moved\": [");
	for (i = 0; i < d->n_moved; i++) {
		scmlb_format_mac(mac, sizeof(mac), d->moved[i].mac);
		printf("%s{\"id\": %u, \"device\": ", i ? ", " : "",
		       d->moved[i].id);
		scmlb_json_string(stdout, d->moved[i].ifname);
		printf(", \"mac\": \"%s\"}", mac);
	}
	printf("]}\n");
}

static int do_gc(struct scmlb_ctx *ctx, const void *opts)
{
	const struct gc_opts *o = opts;
	struct scmlb_ct_timeouts timeouts = gc_timeouts(o);
	struct scmlb_ct_expire_stats ct;
	struct gc_done d = { 0 };
	int err, moved_err, index_err;

	err = scmlb_ct_expire(ctx, &timeouts, &ct);
	if (err) {
		pr_err("cannot expire flows: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	d.ct = gc_report(&ct);
	err = scmlb_dos_expire(ctx, scmlb_real_s(), &d.expired, &d.n_expired);
	if (!err)
		err = scmlb_dos_enforce(ctx, &d.added, &d.n_added);
	moved_err = scmlb_backends_refresh(ctx, &d.moved, &d.n_moved);
	/* what a tool killed between a backend's write and the index's left */
	index_err = scmlb_reply_index_sync(ctx);
	/* the timer runs it every second: quiet says only what changed */
	if (!o->quiet || d.ct.closed || d.ct.idle || d.n_added ||
	    d.n_expired || d.n_moved) {
		if (ctx->json)
			print_json(&d);
		else
			print_text(&d);
	}
	free(d.added);
	free(d.expired);
	free(d.moved);
	if (err) {
		pr_err("cannot enforce the DoS policies: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	if (moved_err) {
		pr_err("cannot follow the backends' interfaces and MACs: %s",
		       strerror(-moved_err));
		return SCMLB_EXIT_FAIL;
	}
	if (index_err) {
		pr_err("cannot rebuild the reply index: %s", strerror(-index_err));
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
	  SCMLB_CMD_WRITE | SCMLB_CMD_JSON | SCMLB_CMD_IF_ATTACHED |
	  SCMLB_CMD_ANNOUNCE, gc_check,
	  do_gc },
	{ 0 },
};

static const struct scmlb_tool gc_tool = {
	"scmlb-gc", "expire tracked flows and enforce DoS policies, once",
	gc_cmds,
	"Removes the flows idle longer than their state's timeout, adds a\n"
	"firewall rule for every source that crossed a DoS policy's limit,\n"
	"removes those whose block time is over (scmlb-dos set -b), and\n"
	"follows backends whose interface or MAC changed. Run every second by\n"
	"scmlb-gc.timer.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&gc_tool, argc, argv);
}
