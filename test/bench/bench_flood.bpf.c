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
 * skb, as frames come off a NIC. A page keeps what the last run on it
 * wrote, so the source port and TCP checksum are written whole each run,
 * from the values of the frame bench_flood built (flood_sport, flood_check).
 */
const volatile __u32 flood_ifindex;
const volatile __u16 flood_sport;	/* host order */
const volatile __u16 flood_check;	/* host order, for flood_sport */

/* Runs so far, for the source port; a lost update between CPUs is fine. */
__u32 flood_runs;

SEC("xdp")
int bench_flood(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *tcp = data + sizeof(struct ethhdr) + sizeof(struct iphdr);
	__u16 sport = flood_sport + (flood_runs++ & 0xff);
	__u32 sum;

	if ((void *)(tcp + 1) > data_end)
		return XDP_ABORTED;
	/* RFC 1624: the checksum after the port went from flood_sport to sport */
	sum = (__u16)~flood_check + (__u16)~flood_sport + sport;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	tcp->source = bpf_htons(sport);
	tcp->check = bpf_htons((__u16)~sum);
	return bpf_redirect(flood_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
