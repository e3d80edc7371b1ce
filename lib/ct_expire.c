// SPDX-License-Identifier: GPL-2.0
/* ct_expire.c - scmlb-gc's pass: flows idle longer than their state's timeout go */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "conntrack.h"
#include "ct_expire.h"
#include "ct_expire.skel.h"
#include "log.h"
#include "progs.h"

#define SEC_NS 1000000000ULL

/* Like IPVS's: a handshake or a close may stall a while, a session idles long. */
const struct scmlb_ct_timeouts scmlb_ct_default_timeouts = {
	.ns = {
		[0] = 3600 * SEC_NS,		/* no state: as established */
		[SCMLB_CT_OPENING] = 60 * SEC_NS,
		[SCMLB_CT_ESTABLISHED] = 3600 * SEC_NS,
		[SCMLB_CT_CLOSING] = 120 * SEC_NS,
		[SCMLB_CT_CLOSED] = 10 * SEC_NS,
		[SCMLB_CT_UDP] = 300 * SEC_NS,
	},
};

/**
 * scmlb_parse_ct_timeout() - parse one --timeout STATE=DURATION
 * @s:   the option's value
 * @out: a struct scmlb_ct_timeouts; the state's entry is set, others kept
 * @why: set to the reason on failure
 *
 * Return: 0 or -EINVAL.
 */
int scmlb_parse_ct_timeout(const char *s, void *out, const char **why)
{
	struct scmlb_ct_timeouts *t = out;
	const char *eq = strchr(s, '=');
	__u8 state;
	__u64 ns;

	for (state = SCMLB_CT_OPENING; state < SCMLB_CT_STATES; state++) {
		const char *name = scmlb_ct_state_name(state);

		if (eq && (size_t)(eq - s) == strlen(name) &&
		    !strncmp(s, name, eq - s))
			break;
	}
	if (state == SCMLB_CT_STATES) {
		*why = "expected STATE=DURATION, STATE one of opening, "
		       "established, closing, closed, udp";
		return -EINVAL;
	}
	if (scmlb_parse_duration(eq + 1, &ns, why))
		return -EINVAL;
	t->ns[state] = ns;
	return 0;
}

/* @ns in jiffies at @hz, without overflowing for durations of years. */
static __u64 ns_to_jiffies(__u64 ns, __u32 hz)
{
	return ns / SEC_NS * hz + ns % SEC_NS * hz / SEC_NS;
}

/**
 * scmlb_ct_expire() - remove the flows idle longer than their state's timeout
 * @ctx:      the run, holding the exclusive lock
 * @timeouts: by state, in ns
 * @stats:    what was checked and removed
 *
 * The pass runs in the kernel (ct_expire.bpf.c), loaded on this
 * instance's maps for this run: each flow is judged and removed with its
 * reply entry in one step, so a packet that arrives while gc runs keeps
 * its flow. A million flows take a few tens of milliseconds.
 *
 * Return: 0 or -errno.
 */
int scmlb_ct_expire(const struct scmlb_ctx *ctx,
		    const struct scmlb_ct_timeouts *timeouts,
		    struct scmlb_ct_expire_stats *stats)
{
	struct scmlb_ct_expire io = { 0 };
	struct ct_expire_bpf *skel;
	int err, i;

	memset(stats, 0, sizeof(*stats));
	for (i = 0; i < SCMLB_CT_STATES; i++)
		io.timeout[i] = ns_to_jiffies(timeouts->ns[i], ctx->cfg.hz);

	skel = ct_expire_bpf__open();
	if (!skel)
		return -errno;
	err = bpf_map__reuse_fd(skel->maps.ct_flows, ctx->maps.ct);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.ct_replies,
					ctx->maps.ct_replies);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.ct_opening,
					ctx->maps.ct_opening);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.ct_opening_rep,
					ctx->maps.ct_opening_rep);
	/* IPv6's, from layout 4.5 on; without them the pass finds none */
	if (!err && ctx->maps.ct6 >= 0)
		err = bpf_map__reuse_fd(skel->maps.ct6_flows, ctx->maps.ct6);
	if (!err && ctx->maps.ct6_replies >= 0)
		err = bpf_map__reuse_fd(skel->maps.ct6_replies,
					ctx->maps.ct6_replies);
	if (!err && ctx->maps.ct6_opening >= 0)
		err = bpf_map__reuse_fd(skel->maps.ct6_opening,
					ctx->maps.ct6_opening);
	if (!err && ctx->maps.ct6_opening_rep >= 0)
		err = bpf_map__reuse_fd(skel->maps.ct6_opening_rep,
					ctx->maps.ct6_opening_rep);
	if (!err) {
		/* reuse took the instance's size: a power of two */
		skel->rodata->ct_opening_mask =
			bpf_map__max_entries(skel->maps.ct_opening) - 1;
		err = ct_expire_bpf__load(skel);
	}
	if (!err)
		err = scmlb_prog_run_once(
			bpf_program__fd(skel->progs.scmlb_ct_expire), &io,
			sizeof(io));
	ct_expire_bpf__destroy(skel);
	if (err)
		return err;
	stats->checked = io.checked;
	memcpy(stats->expired, io.expired, sizeof(stats->expired));
	return 0;
}
