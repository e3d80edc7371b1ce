// SPDX-License-Identifier: GPL-2.0
/* bench_decap.bpf.c - scmlb-decap's steps apart: parse, fib lookup, strip */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "decap.h"

/* Runs that found an IPIP packet, and those whose inner destination is local. */
__u64 decap_found, decap_local;

/* decap_parse() alone: what every packet costs before the lookup. */
SEC("xdp")
int bench_decap_parse(struct xdp_md *ctx)
{
	struct decap_inner inner = { NULL, NULL };
	__u32 hlen;

	if (decap_parse(ctx, &hlen, &inner) == SCMLB_DECAP_DECAPSULATED)
		decap_found++;
	return XDP_PASS;
}

/* decap_parse() and decap_is_local(): the lookup's cost is the difference. */
SEC("xdp")
int bench_decap_decide(struct xdp_md *ctx)
{
	struct decap_inner inner = { NULL, NULL };
	__u32 hlen;

	if (decap_parse(ctx, &hlen, &inner) != SCMLB_DECAP_DECAPSULATED)
		return XDP_PASS;
	decap_found++;
	if (decap_is_local(ctx, &inner))
		decap_local++;
	return XDP_PASS;
}

/*
 * decap_parse(), decap_strip(), then the outer header put back, so that
 * every run of a BPF_PROG_TEST_RUN (which keeps the frame between runs)
 * finds it again: about twice the strip's cost.
 */
SEC("xdp")
int bench_decap_strip(struct xdp_md *ctx)
{
	__u8 saved[ETH_HLEN + sizeof(struct iphdr)];
	struct decap_inner inner = { NULL, NULL };
	__u32 hlen;
	void *data;

	if (decap_parse(ctx, &hlen, &inner) != SCMLB_DECAP_DECAPSULATED ||
	    hlen != sizeof(struct iphdr))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	if (data + sizeof(saved) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	__builtin_memcpy(saved, data, sizeof(saved));
	if (decap_strip(ctx, hlen))
		return XDP_ABORTED;
	decap_found++;
	if (bpf_xdp_adjust_head(ctx, -(int)hlen))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	if (data + sizeof(saved) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, saved, sizeof(saved));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
