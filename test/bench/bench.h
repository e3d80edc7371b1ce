/* SPDX-License-Identifier: GPL-2.0 */
/* bench.h - what bench_pkt tells the restoring harness and the floor program */
#ifndef SCMLB_BENCH_H
#define SCMLB_BENCH_H

#include <linux/types.h>

/*
 * Every benchmark frame: Ethernet + IPv4 (no options) + TCP/UDP + payload,
 * or an ICMP error quoting a reply. A power of two (the harness masks
 * offsets with it), large enough for the ICMP error.
 */
#define BENCH_FRAME_LEN 128

/* Offsets in a benchmark frame, which never carries IPv4 options. */
#define BENCH_OFF_PROTO 23
#define BENCH_OFF_IP_CHECK 24
#define BENCH_OFF_SADDR 26
#define BENCH_OFF_DADDR 30
#define BENCH_OFF_SPORT 34
#define BENCH_OFF_DPORT 36
#define BENCH_OFF_TCP_CHECK 50
#define BENCH_OFF_UDP_CHECK 40

/*
 * Flow i of a run differs from flow 0 (the frame as stored) in its source:
 * address + (i >> BENCH_PORT_BITS), port + (i & BENCH_PORT_MASK). Flow 0's
 * source address must have room below 2^16 in its low half, its port
 * room for BENCH_PORT_MASK more.
 */
#define BENCH_PORT_BITS 15
#define BENCH_PORT_MASK ((1U << BENCH_PORT_BITS) - 1)

/* The harness's state; bench_pkt writes it through the skeleton's .bss. */
struct bench_cfg {
	__u64 frame[BENCH_FRAME_LEN / 8];	/* the original frame, flow 0 */
	__u32 flows;		/* cycle over flows 0..flows-1; 0: never wrap */
	__u32 next;		/* flow of the next run */
	__u32 saddr;		/* flow 0's source address, host order */
	__u16 sport;		/* flow 0's source port, host order */
	__u16 l4_check;		/* offset of the L4 checksum in the frame */
	__u32 forget;		/* 1: take the run's flow out of conntrack first */
	__u32 opening_mask;	/* slots of ct_opening less one */
	__u32 v6;		/* an IPv6 frame: flow 0 only, ct6_opening */
	/*
	 * 1: before each run, flow 0's promoted entries out of ct_flows and
	 * ct_replies, and its half-open slots written back as below
	 */
	__u32 promote;
	__u32 promote_idx[2];	/* ct_opening's slot, ct_opening_rep's */
	__u64 promote_slot[2][9];	/* their struct scmlb_opening_slot */
};

/* Where an IPv6 frame's fields are, for the harness (no extension headers). */
#define BENCH6_OFF_SADDR 22
#define BENCH6_OFF_DADDR 38
#define BENCH6_OFF_NEXTHDR 20
#define BENCH6_OFF_SPORT 54
#define BENCH6_OFF_DPORT 56

/* Key of the floor's flow table: the client's 5-tuple. */
struct bench_floor_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

/* Value of the floor's flow table: where a flow goes. */
struct bench_floor_dest {
	__be32 addr;		/* the backend */
	__u32 ifindex;		/* our interface toward it */
	__u8 mac[6];		/* its MAC */
	__u8 if_mac[6];		/* the MAC of ifindex */
};

#endif /* SCMLB_BENCH_H */
