// SPDX-License-Identifier: GPL-2.0
/* bench_drop.bpf.c - the drop floor of bench_e2e.sh: drops every frame, reading nothing */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/*
 * Attached natively to the load balancer's upstream during a flood, it
 * costs what any XDP drop costs there (the flood's sending, the veth's
 * delivery, the frame's return): what the firewalls' figures have in
 * common. The veth counts its drops (ethtool -S: rx_queue_N_xdp_drops).
 */
SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
