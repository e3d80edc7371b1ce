// SPDX-License-Identifier: GPL-2.0
/* conntrack.c - walk the flow table with batched lookups */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "conntrack.h"

#define CT_BATCH 4096

/**
 * scmlb_ct_for_each() - call @fn for every tracked flow
 * @ctx: the run, with the maps open
 * @fn:  the callback
 * @arg: passed to @fn
 *
 * Batched lookups: one syscall per CT_BATCH flows. Flows added or evicted
 * by the data plane during the walk may or may not be seen.
 *
 * Return: 0, what @fn returned, or -errno.
 */
int scmlb_ct_for_each(const struct scmlb_ctx *ctx, scmlb_flow_fn fn, void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct scmlb_flow_key *keys;
	struct scmlb_flow *vals;
	__u32 batch, count, i;
	bool first = true;
	int err = 0, ret;

	keys = calloc(CT_BATCH, sizeof(*keys));
	vals = calloc(CT_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = CT_BATCH;
		ret = bpf_map_lookup_batch(ctx->maps.ct, first ? NULL : &batch,
					   &batch, keys, vals, &count, &opts);
		if (ret && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		first = false;
		for (i = 0; i < count; i++) {
			err = fn(&keys[i], &vals[i], arg);
			if (err)
				goto out;
		}
		if (ret)	/* ENOENT: that was the last batch */
			break;
	}
out:
	free(keys);
	free(vals);
	return err;
}

const char *scmlb_ct_state_name(__u8 state)
{
	switch (state) {
	case SCMLB_CT_OPENING:
		return "opening";
	case SCMLB_CT_ESTABLISHED:
		return "established";
	case SCMLB_CT_CLOSING:
		return "closing";
	case SCMLB_CT_CLOSED:
		return "closed";
	case SCMLB_CT_UDP:
		return "udp";
	default:
		return "unknown";
	}
}

/**
 * scmlb_ct_prune() - remove closed TCP flows and flows idle too long
 * @ctx:         the run, holding the exclusive lock
 * @max_idle_ns: a flow whose last packet is older than this goes
 * @stats:       what was checked and removed
 *
 * Batched reads and deletes: a pass over a million flows is a few hundred
 * syscalls. A flow that saw a packet between the read and the delete is
 * removed all the same; its next packet opens it again (SYN, UDP) or goes
 * to the kernel.
 *
 * Return: 0 or -errno.
 */
int scmlb_ct_prune(const struct scmlb_ctx *ctx, __u64 max_idle_ns,
		   struct scmlb_ct_prune_stats *stats)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct scmlb_flow_key *keys, *doomed;
	__u64 now = scmlb_jiffies_now(&ctx->cfg);
	__u64 max_idle = max_idle_ns * ctx->cfg.hz / 1000000000ULL;
	size_t n_doomed = 0, cap = CT_BATCH;
	struct scmlb_flow *vals;
	__u32 batch, count, i;
	bool first = true;
	int err = 0, ret;

	memset(stats, 0, sizeof(*stats));
	keys = calloc(CT_BATCH, sizeof(*keys));
	vals = calloc(CT_BATCH, sizeof(*vals));
	doomed = calloc(cap, sizeof(*doomed));
	if (!keys || !vals || !doomed) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = CT_BATCH;
		ret = bpf_map_lookup_batch(ctx->maps.ct, first ? NULL : &batch,
					   &batch, keys, vals, &count, &opts);
		if (ret && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		first = false;
		stats->checked += count;
		for (i = 0; i < count; i++) {
			bool closed = vals[i].state == SCMLB_CT_CLOSED;
			bool idle = now > vals[i].last_seen &&
				    now - vals[i].last_seen > max_idle;

			if (!closed && !idle)
				continue;
			stats->closed += closed;
			stats->idle += !closed;
			if (n_doomed == cap) {
				struct scmlb_flow_key *grown;

				cap *= 2;
				grown = realloc(doomed, cap * sizeof(*doomed));
				if (!grown) {
					err = -ENOMEM;
					goto out;
				}
				doomed = grown;
			}
			doomed[n_doomed++] = keys[i];
		}
		if (ret)
			break;
	}
	/* deleted after the walk: deleting during it could skip buckets */
	for (i = 0; i < n_doomed; i += count) {
		count = n_doomed - i > CT_BATCH ? CT_BATCH : n_doomed - i;
		if (bpf_map_delete_batch(ctx->maps.ct, doomed + i, &count, &opts) &&
		    errno != ENOENT) {
			err = -errno;
			goto out;
		}
		if (!count)
			count = 1;	/* a flow the data plane evicted meanwhile */
	}
out:
	free(keys);
	free(vals);
	free(doomed);
	return err;
}
