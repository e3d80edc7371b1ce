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

/* What a prune pass decides, flow by flow, during the walk. */
struct prune {
	__u64 now;			/* jiffies */
	__u64 max_idle;			/* jiffies */
	struct scmlb_ct_prune_stats *stats;
	struct scmlb_flow_key *doomed;
	size_t n_doomed;
	size_t cap;
};

static int prune_one(const struct scmlb_flow_key *key,
		     const struct scmlb_flow *flow, void *arg)
{
	struct prune *p = arg;
	bool closed = flow->state == SCMLB_CT_CLOSED;
	bool idle = p->now > flow->last_seen &&
		    p->now - flow->last_seen > p->max_idle;

	p->stats->checked++;
	if (!closed && !idle)
		return 0;
	if (p->n_doomed == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : CT_BATCH;
		struct scmlb_flow_key *grown = realloc(p->doomed,
						       cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		p->doomed = grown;
		p->cap = cap;
	}
	p->doomed[p->n_doomed++] = *key;
	p->stats->closed += closed;
	p->stats->idle += !closed;
	return 0;
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
	struct prune p = {
		.now = scmlb_jiffies_now(&ctx->cfg),
		.max_idle = max_idle_ns * ctx->cfg.hz / 1000000000ULL,
		.stats = stats,
	};
	__u32 count;
	size_t i;
	int err;

	memset(stats, 0, sizeof(*stats));
	err = scmlb_ct_for_each(ctx, prune_one, &p);
	/* deleted after the walk: deleting during it could skip buckets */
	for (i = 0; !err && i < p.n_doomed; i += count) {
		count = p.n_doomed - i > CT_BATCH ? CT_BATCH : p.n_doomed - i;
		if (bpf_map_delete_batch(ctx->maps.ct, p.doomed + i, &count, &opts) &&
		    errno != ENOENT)
			err = -errno;
		if (!count)
			count = 1;	/* a flow the data plane evicted meanwhile */
	}
	free(p.doomed);
	return err;
}
