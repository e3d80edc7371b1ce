// SPDX-License-Identifier: GPL-2.0
/* bench_fib.bpf.c - a backend's way per packet: stored, or bpf_fib_lookup() */
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
 * What every variant does: parse Ethernet and IPv4 as the data plane
 * does, and read the next backend's entry. Return: the entry, or NULL.
 */
static __always_inline const struct bench_floor_dest *
way_get(struct xdp_md *ctx, struct ethhdr **eth, struct iphdr **ip)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 i = fib_runs++ % fib_backends;

	*eth = data;
	if ((void *)(*eth + 1) > data_end ||
	    (*eth)->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	*ip = (void *)(*eth + 1);
	if ((void *)(*ip + 1) > data_end)
		return NULL;
	return bpf_map_lookup_elem(&fib_ways, &i);
}

/* The way as scmlb takes it today: ifindex and MACs from the entry. */
SEC("xdp")
int bench_way_stored(struct xdp_md *ctx)
{
	const struct bench_floor_dest *w;
	struct ethhdr *eth;
	struct iphdr *ip;

	w = way_get(ctx, &eth, &ip);
	if (!w)
		return XDP_ABORTED;
	__builtin_memcpy(eth->h_source, w->if_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, w->mac, ETH_ALEN);
	fib_ifindex = w->ifindex;
	fib_found++;
	return XDP_TX;
}

/*
 * The way asked of the kernel's FIB and neighbour table for the entry's
 * address, as a packet forwarded from the ingress interface would be.
 * (BPF_FIB_LOOKUP_OUTPUT would need an interface too: it restricts the
 * route to it, so only the backend's stored one would do.)
 */
SEC("xdp")
int bench_way_fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup fib = { 0 };
	const struct bench_floor_dest *w;
	struct ethhdr *eth;
	struct iphdr *ip;

	w = way_get(ctx, &eth, &ip);
	if (!w)
		return XDP_ABORTED;
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
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	fib_ifindex = fib.ifindex;
	fib_found++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
