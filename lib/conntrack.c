// SPDX-License-Identifier: GPL-2.0
/* conntrack.c - walk the flow table with batched lookups */
#include <errno.h>
#include <stdlib.h>

#include <bpf/bpf.h>

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
