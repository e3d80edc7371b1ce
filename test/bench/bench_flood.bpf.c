// SPDX-License-Identifier: GPL-2.0
/* bench_flood.bpf.c - bench_flood's XDP sender: each live test-run frame out of one interface */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/*
 * bench_flood runs this with BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES:
 * every run's frame leaves through flood_ifindex as an xdp_frame, with no
 * skb, as frames come off a NIC. A page keeps what was last written on
 * it, by this program or by whoever received the frame (a router
 * rewrites the MACs, a NAT the destination), so every run writes the
 * headers whole: those of the frame bench_flood built (flood_hdr), then
 * the source and both checksums, updated from that frame's values.
 */
#define FLOOD_HDR_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + \
		       sizeof(struct tcphdr))
__u8 flood_hdr[FLOOD_HDR_LEN];	/* not const: clang would fold it to zeros */
const volatile __u32 flood_ifindex;
const volatile __u32 flood_saddr;	/* host order, the frame's */
const volatile __u32 flood_rand_mask;	/* host order: the address bits drawn */
const volatile __u8 flood_rand;		/* a random source address and port */
const volatile __u16 flood_sport;	/* host order, the frame's */
const volatile __u16 flood_ip_check;	/* host order, for flood_saddr */
const volatile __u16 flood_check;	/* host order, for flood_saddr, flood_sport */

/* Runs so far, for the source port; a lost update between CPUs is fine. */
__u32 flood_runs;

/* RFC 1624: a 16-bit word of the summed data went from @from to @to */
static __always_inline __u32 sum_replace16(__u32 sum, __u16 from, __u16 to)
{
	return sum + (__u16)~from + to;
}

static __always_inline __u16 sum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int bench_flood(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct tcphdr *tcp = (void *)(ip + 1);
	__u32 saddr = flood_saddr, sum_ip, sum_tcp;
	__u16 sport;

	if ((void *)(tcp + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, flood_hdr, FLOOD_HDR_LEN);
	if (flood_rand) {
		/* a spoofed source: any address of the prefix, any port */
		saddr = (flood_saddr & ~flood_rand_mask) |
			(bpf_get_prandom_u32() & flood_rand_mask);
		sport = 1024 + bpf_get_prandom_u32() % (65536 - 1024);
	} else {
		sport = flood_sport + (flood_runs++ & 0xff);
	}
	sum_ip = sum_replace16((__u16)~flood_ip_check, flood_saddr >> 16,
			       saddr >> 16);
	sum_ip = sum_replace16(sum_ip, flood_saddr & 0xffff, saddr & 0xffff);
	/* TCP's pseudo-header holds the source address too */
	sum_tcp = sum_replace16((__u16)~flood_check, flood_saddr >> 16,
				saddr >> 16);
	sum_tcp = sum_replace16(sum_tcp, flood_saddr & 0xffff, saddr & 0xffff);
	sum_tcp = sum_replace16(sum_tcp, flood_sport, sport);
	ip->saddr = bpf_htonl(saddr);
	ip->check = bpf_htons(sum_fold(sum_ip));
	tcp->source = bpf_htons(sport);
	tcp->check = bpf_htons(sum_fold(sum_tcp));
	return bpf_redirect(flood_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
