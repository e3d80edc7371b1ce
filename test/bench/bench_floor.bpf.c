// SPDX-License-Identifier: GPL-2.0
/* bench_floor.bpf.c - the one-lookup floor: the least a NAT load balancer does per packet */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bench.h"

/* Flows to their backend; filled by bench_pkt, sized like scmlb's ct_flows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct bench_floor_key);
	__type(value, struct bench_floor_dest);
	__uint(max_entries, 1024);	/* bench_pkt sets the real size */
} floor_flows SEC(".maps");

/* Interfaces frames leave through, as scmlb's lb_tx_ports. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 64);
} floor_tx_ports SEC(".maps");

/* The VIP, set before load. */
const volatile __be32 floor_vip;

/* RFC 1624: the checksum after a 32-bit field changed from @from to @to. */
static __always_inline __u16 csum_replace4(__u16 check, __be32 from, __be32 to)
{
	__u32 sum = (__u16)~check;

	sum += (~from & 0xffff) + (~from >> 16);
	sum += (to & 0xffff) + (to >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Parse Ethernet, IPv4 and TCP; compare the VIP; one 5-tuple lookup in a
 * plain hash table; rewrite the destination and both checksums; set the
 * MACs; redirect through a devmap as scmlb does. No counters, no state,
 * no firewall: what is left is what no NAT can skip.
 */
SEC("xdp")
int bench_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct bench_floor_dest *d;
	struct bench_floor_key key;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct tcphdr *th;
	__be32 old;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_TCP || ip->daddr != floor_vip)
		return XDP_PASS;
	th = (void *)(ip + 1);
	if ((void *)(th + 1) > data_end)
		return XDP_PASS;

	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = th->source;
	key.dport = th->dest;
	key.proto = IPPROTO_TCP;
	key.pad[0] = key.pad[1] = key.pad[2] = 0;
	d = bpf_map_lookup_elem(&floor_flows, &key);
	if (!d)
		return XDP_PASS;

	old = ip->daddr;
	ip->daddr = d->addr;
	ip->check = csum_replace4(ip->check, old, d->addr);
	th->check = csum_replace4(th->check, old, d->addr);
	__builtin_memcpy(eth->h_source, d->if_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, d->mac, ETH_ALEN);
	return bpf_redirect_map(&floor_tx_ports, d->ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
