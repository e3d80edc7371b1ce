// SPDX-License-Identifier: GPL-2.0
/* bench_fib.bpf.c - a backend's way per packet: stored, or bpf_fib_lookup() */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bench.h"
#include "scmlb_consts.h"

#define AF_INET 2	/* <sys/socket.h> is not for BPF builds */

/* Backends' ways (address, ifindex, MACs), as in lb_backends; by bench_fib. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct bench_floor_dest);
	__uint(max_entries, SCMLB_MAX_SVC_BACKENDS);
} fib_ways SEC(".maps");

/* Backends in fib_ways: run i takes backend i % fib_backends. */
const volatile __u32 fib_backends = 1;

/* Runs so far, lookups that found the way, and the last way found. */
__u64 fib_runs, fib_found;
__u32 fib_ifindex;

/*
 * Parse Ethernet and IPv4 as the data plane does, read the next
 * backend's entry, then take its way from the entry (scmlb today) or,
 * with @lookup, ask the kernel's FIB and neighbour table for the entry's
 * address, as for a packet forwarded from the ingress interface
 * (BPF_FIB_LOOKUP_OUTPUT would need the outgoing interface, which is
 * what is to be learnt: it restricts the route to it). The constant
 * @lookup leaves the stored variant without a trace of the lookup.
 */
static __always_inline int way(struct xdp_md *ctx, bool lookup)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = { 0 };
	const struct bench_floor_dest *w;
	__u32 i = fib_runs++ % fib_backends;
	struct ethhdr *eth = data;
	const __u8 *smac, *dmac;
	struct iphdr *ip;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_ABORTED;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_ABORTED;
	w = bpf_map_lookup_elem(&fib_ways, &i);
	if (!w)
		return XDP_ABORTED;
	if (lookup) {
		fib.family = AF_INET;
		fib.l4_protocol = ip->protocol;
		fib.tos = ip->tos;
		fib.tot_len = bpf_ntohs(ip->tot_len);
		fib.ipv4_src = ip->saddr;
		fib.ipv4_dst = w->addr;
		fib.ifindex = ctx->ingress_ifindex;
		if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) !=
		    BPF_FIB_LKUP_RET_SUCCESS)
			return XDP_PASS;
		smac = fib.smac;
		dmac = fib.dmac;
		fib_ifindex = fib.ifindex;
	} else {
		smac = w->if_mac;
		dmac = w->mac;
		fib_ifindex = w->ifindex;
	}
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	fib_found++;
	return XDP_TX;
}

SEC("xdp")
int bench_way_stored(struct xdp_md *ctx)
{
	return way(ctx, false);
}

SEC("xdp")
int bench_way_fib(struct xdp_md *ctx)
{
	return way(ctx, true);
}

char LICENSE[] SEC("license") = "GPL";
