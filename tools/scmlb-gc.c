// SPDX-License-Identifier: GPL-2.0
/* scmlb-gc - one pass: expire conntrack entries, turn DoS counts into firewall rules */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "ct_expire.h"
#include "dos.h"
#include "log.h"
#include "maps.h"

struct gc_opts {
	__u64 gc_ns;		/* 0: not given */
	struct scmlb_ct_timeouts timeouts;	/* by state, 0: not given */
	bool quiet;
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

static int do_gc(struct scmlb_ctx *ctx, const void *opts)
{
	const struct gc_opts *o = opts;
	struct scmlb_ct_timeouts timeouts = gc_timeouts(o);
	struct scmlb_ct_expire_stats ct;
	__u64 idle = 0;
	size_t added = 0;
	int err, i;

	err = scmlb_ct_expire(ctx, &timeouts, &ct);
	if (err) {
		pr_err("cannot expire flows: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	for (i = 0; i < SCMLB_CT_STATES; i++)
		if (i != SCMLB_CT_CLOSED)
			idle += ct.expired[i];
	err = scmlb_dos_enforce(ctx, stdout, &added);
	/* the timer runs it every second: quiet says only what changed */
	if (!o->quiet || ct.expired[SCMLB_CT_CLOSED] || idle || added)
		printf("gc: %llu flows checked, %llu closed and %llu idle "
		       "removed; %zu DoS rules added\n",
		       (unsigned long long)ct.checked,
		       (unsigned long long)ct.expired[SCMLB_CT_CLOSED],
		       (unsigned long long)idle, added);
	if (err) {
		pr_err("cannot enforce the DoS policies: %s", strerror(-err));
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
	  SCMLB_CMD_WRITE, gc_check, do_gc },
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
