// SPDX-License-Identifier: GPL-2.0
/* scmlb_decap.bpf.c - scmlb-decap's program: IPIP and ip6ip6 decapsulation on a backend */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "decap.h"

/*
 * Every packet goes on to the kernel: an IPIP or ip6ip6 packet for this
 * host as its inner packet, anything else as it came.
 */
SEC("xdp")
int scmlb_decap(struct xdp_md *ctx)
{
	decap_count(decap_ipip(ctx));
	return XDP_PASS;
}

/* First in a dispatcher, so that the programs after it see the inner packet. */
struct {
	__uint(priority, 5);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(scmlb_decap);

char LICENSE[] SEC("license") = "GPL";
