// SPDX-License-Identifier: GPL-2.0
/* bench_pkt.c - per-packet cost of scmlb's XDP program against a one-lookup NAT floor */

/*
 * Run as root: build/test/bench/bench_pkt [--trials N] [--json] ...
 * (or: meson test -C build --benchmark -v). Nothing needs to be set up: it
 * loads its own copy of the data plane in namespaces of its own and
 * prints, per path, the program's own cost in ns per packet
 * (median, min and max over the trials), its ratio to the floor (the
 * median of the per-trial ratios, the floor measured in every trial, with
 * their middle half), and the issues' targets with PASS or MISS. A full
 * run takes about a minute; exit status 1 means a target was missed.
 *
 * Method. BPF_PROG_TEST_RUN with repeat = N runs a program N times on one
 * buffer: the syscall is paid once, but from the second run on a NAT sees
 * its own output (for scmlb: no longer for the VIP, passed). The other
 * ways out do not hold:
 *  - BPF_F_TEST_XDP_LIVE_FRAMES resets a frame's pointers between runs,
 *    not its bytes: the page pool copies data_in into a page only when it
 *    creates the page, and a recycled page keeps what the last run wrote.
 *    On 6.18 a program bumping a byte of the frame saw the original value
 *    in 64 runs of 1000 (the pool's pages). Its time also covers page
 *    allocation and the frame's fate (an skb for XDP_PASS, a devmap flush
 *    for XDP_REDIRECT): a DROP costs ~110 ns there against ~25 ns here.
 *  - One syscall per packet costs microseconds around tens of ns, and the
 *    kernel's own duration comes in whole ns.
 * So every run enters the harness bench_restore.bpf.c: it copies the
 * original frame back, sets the run's flow (below), then tail-calls the
 * program under test. Its work does not depend on the program, and the
 * baseline bench_pass.bpf.c (XDP_PASS) is run through it with the same
 * frame and flows just before each measurement: the difference is the
 * program's own cost, without the test-run loop, the restore or the tail
 * call (in production scmlb_entry tail-calls scmlb_main too).
 *
 * A figure is the thread's CPU time around one BPF_PROG_TEST_RUN with
 * repeat = N, over N: sub-ns resolution, and time spent preempted by other
 * tasks is not counted. A trial measures every path once, a path at a
 * time, on programs loaded for it (progs_reload(): each load's code lies
 * at another offset); the tables give the median, min and max over the
 * trials. In a test run XDP_REDIRECT looks up the devmap entry as on a
 * real interface but sends nothing: transmitting is the driver's cost,
 * and the floor (bench_floor.bpf.c) redirects the same way.
 *
 * Flows. The harness turns run i into flow i: source address + (i >> 15),
 * source port + (i & 0x7fff), checksums kept valid. Most paths stay on
 * flow 0, all in the CPU caches like the floor. Conntrack is sized for
 * 4,000,000 flows (a flow has its client's entry in ct_flows and its
 * reply entry in ct_replies) and holds 1,000 established TCP flows and a UDP one
 * on the VIP's round-robin service, and 1,000 established TCP flows on a
 * second VIP's maglev service, each on the backend its table gives it.
 *  - "new TCP connection, conntrack emptied": the harness empties flow 0's
 *    client slot (half-open, in ct_opening: it hashes the key, masks it
 *    and clears the slot's key when it is flow 0's) before every run, so
 *    each SYN opens it anew; the reply entry the SYN writes replaces the
 *    one an earlier run left in its slot. The baseline takes the same
 *    branch and finds an empty slot.
 *  - "half-open TCP flow promoted": promote_setup() runs a handshake
 *    through scmlb_main (the SYN, the backend's SYN-ACK) and keeps the
 *    two half-open slots it leaves; before every run the harness deletes
 *    the flow the last run promoted from ct_flows and ct_replies and
 *    writes the slots back, so that each ACK promotes it anew. The
 *    baseline writes the same slots, but its deletes find nothing: the
 *    figure keeps what deleting a present entry costs beyond an absent
 *    one (unlinking it, returning it to the LRU's free list), an upper
 *    bound.
 *  - "a flow never seen each run": no wrap, no delete, room in the LRU (no
 *    eviction); the new flows are deleted after each trial. Buckets and
 *    entries are cold: what a SYN flood costs.
 *  - The scale rows cycle over every tracked flow: with 1,000,000 most
 *    lookups miss the caches, so the floor, its table as large, is timed
 *    the same way.
 *
 * Checks. Each measurement must end with the path's action, grow its scmlb
 * counter (passed, fw_dropped, forwarded or returned) by exactly N, and
 * leave the packet count of flow 0's entry in that direction where N runs
 * put it: every run took the path it is reported for. A new maglev flow
 * must go to the backend lib/'s copy of the table names for it; a
 * measurement of new wrr flows, whole periods, must open each backend's
 * exact share of them (its connection counter); an
 * established --syn-proxy flow's ACK must leave with its acknowledgment
 * and echoed timestamp moved by the flow's offsets.
 *
 * The data plane is loaded, pinned (on a private bpffs) and configured
 * with lib/ as the tools do it: services, backends, firewall rules and
 * DoS policies by the functions behind scmlb-attach -v, scmlb-svc,
 * scmlb-lb, scmlb-fw and scmlb-dos; only the flows are written directly,
 * in batches. The two DoS policies watch SYNs and the established path's
 * pure ACKs, with a limit it never reaches: the figure is the per-source
 * counting, not a drop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backends.h"
#include "bench.h"
#include "bench_floor.skel.h"
#include "bench_pass.skel.h"
#include "bench_restore.skel.h"
#include "bench_util.h"
#include "clock.h"
#include "conntrack.h"
#include "dos.h"
#include "frames.h"
#include "fw.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "progs.h"
#include "scmlb.skel.h"
#include "scmlb_hash.h"
#include "bench_skip.h"
#include "services.h"
#include "testbed.h"

/* Host order. Clients' low halves leave room for the flows of bench.h. */
#define VIP		IP4(203, 0, 113, 11)	/* its service: round robin */
#define MAG_VIP		IP4(203, 0, 113, 21)	/* its service: maglev */
#define DR_VIP		IP4(203, 0, 113, 31)	/* its service: rr, dr */
#define IPIP_VIP	IP4(203, 0, 113, 41)	/* its service: rr, ipip */
#define PROXY_VIP	IP4(203, 0, 113, 61)	/* its service: rr, --syn-proxy */
#define WRR_VIP		IP4(203, 0, 113, 71)	/* its service: wrr 3:1:1 */
#define OTHER_ADDR	IP4(203, 0, 113, 12)	/* not a VIP */
#define EST_BASE	IP4(100, 64, 0, 0)	/* established TCP flows */
#define MAG_EST_BASE	IP4(100, 72, 0, 0)	/* the same, to MAG_VIP */
#define UDP_BASE	IP4(100, 80, 0, 0)	/* the established UDP flow */
#define NEW_BASE	IP4(100, 96, 0, 0)	/* new TCP flows */
#define MAG_NEW_BASE	IP4(100, 104, 0, 0)	/* the same, to MAG_VIP */
#define DR_EST_BASE	IP4(100, 84, 0, 0)	/* established TCP, to DR_VIP */
#define DR_NEW_BASE	IP4(100, 88, 0, 0)	/* new TCP, to DR_VIP */
#define IPIP_EST_BASE	IP4(100, 112, 0, 0)	/* established TCP, to IPIP_VIP */
#define IPIP_NEW_BASE	IP4(100, 120, 0, 0)	/* new TCP, to IPIP_VIP */
#define PROXY_EST_BASE	IP4(100, 124, 0, 0)	/* established TCP, to PROXY_VIP */
#define PROXY_NEW_BASE	IP4(100, 125, 0, 0)	/* handshakes, to PROXY_VIP */
#define WRR_NEW_BASE	IP4(100, 126, 0, 0)	/* new TCP, to WRR_VIP */
#define PROMOTE_BASE	IP4(100, 127, 0, 0)	/* promoted each run, to VIP */
#define PROMOTE_BE_ISN	0x7e570000		/* its backend's ISN */
#define PROXY_ISN	0x5eed0000		/* their SYN's sequence number */
#define PROXY_TSVAL	0x01020304		/* and timestamp */
#define PROXY_SEQ_OFF	0x10000		/* an established flow's offsets */
#define PROXY_TS_OFF	0x100
#define CLIENTS_NET	IP4(100, 64, 0, 0)	/* /10: every client above */
#define CLIENTS_LEN	10
#define DROP_SRC	IP4(192, 0, 2, 1)	/* a firewall rule covers it */
#define DROP_NET	IP4(192, 0, 2, 0)
#define ROUTER		IP4(198, 18, 0, 1)	/* a hop toward the clients */
/* A third VIP's tcp:80 and its one backend, whose replies lb_reply_index knows. */
#define NOCT_VIP	IP4(203, 0, 113, 51)
#define NOCT_BE		IP4(10, 0, 9, 2)
#define SPORT_BASE	32768
#define FRAG_OFF	185		/* 1480 bytes into the datagram */
#define FRAME_IP_ID	0x1c46		/* every frame's, as frame_build() makes it */
#define VPORT		80
#define UDP_VPORT	53

/*
 * IPv6 (issue 16): a round-robin service of every port on VIP6, its
 * backends BE6(n), and flow 0 of each IPv6 path only.
 */
#define VIP6		"2001:db8:0:11::1"
#define OTHER6		"2001:db8:0:11::2"	/* not a VIP */
#define EST6		"2001:db8:100::7"	/* established TCP and UDP */
#define NEW6		"2001:db8:101::7"	/* new TCP */
#define DROP6		"2001:db8:dead::7"	/* a firewall rule covers it */
#define DROP6_NET	"2001:db8:dead::"	/* /64 */
#define ROUTER6		"2001:db8:ffff::1"	/* a hop toward the clients */
#define BE6_FMT		"2001:db8:3::%d"
/* VIP6's tcp:443, --syn-proxy, beside the catch-all: the same backends */
#define PROXY6_VPORT	443

/* Backends of each service: the same addresses serve both. */
#define NBE		3
#define BE_ADDR(n)	IP4(10, 0, 2 + (n), 2)

/*
 * As issue 6 asks: conntrack sized 4,000,000 (flows, as --conntrack-size
 * now counts them), scaled to 1,000,000 flows.
 */
#define CT_SIZE		4000000
#define FLOWS_BASE	1000
#define FLOWS_MANY	1000000
#define FW_FEW		10
#define FW_MANY		10000
/*
 * Networks the 10,000 rules hang on. Each new network costs scmlb-fw about
 * 29 ms (lib/fw.c reads all of fw_net_info), so 10,000 would take five
 * minutes: 1,000 by default, --fw-networks 10000 for the full spread.
 */
#define FW_NETS_DEFAULT	1000
/* Never reached: the bench's one source sends millions per second. */
#define DOS_LIMIT	4000000000U

/* Runs per measurement, 30 to 100 ms; fresh flows stay in conntrack till the trial ends. */
#define REPEAT		1000000
#define REPEAT_NEW	200000

/* Entries per batch map call: large enough, and small enough to allocate. */
#define BATCH		65536

#define TRIALS_MIN	5
#define TRIALS_MAX	99
#define TRIALS_DEFAULT	7

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, 0x01 };
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf0, 0x01 };

/* Our interfaces, veths in a network namespace of our own. */
enum side { SIDE_UP, SIDE_BE, SIDE_N };
static const char *const if_names[SIDE_N] = { "bpk-up", "bpk-be" };

/* The frames the paths send; each is flow 0 of its kind. */
enum pkt_kind {
	PK_NONVIP,	/* client TCP ACK to another address */
	PK_TCP_EST,	/* client's pure ACK (a download's) on established flow 0 */
	PK_TCP_SYN,	/* client SYN of a new flow */
	PK_TCP_REPLY,	/* backend's ACK to the client of flow 0 */
	PK_UDP_EST,	/* client UDP datagram of the established UDP flow */
	PK_FW_DROP,	/* client TCP ACK from a source a rule drops */
	PK_MAG_EST,	/* PK_TCP_EST to the maglev VIP */
	PK_MAG_SYN,	/* PK_TCP_SYN to the maglev VIP */
	PK_UDP_FRAG,	/* a later fragment of a datagram of the UDP flow */
	PK_ICMP_ERR,	/* a router's error about a reply of flow 0 */
	PK_REPLY_NOCT,	/* NOCT_BE's ACK to flow 0's client: no conntrack */
	PK_DR_EST,	/* PK_TCP_EST to the dr VIP */
	PK_DR_SYN,	/* PK_TCP_SYN to the dr VIP */
	PK_IPIP_EST,	/* PK_TCP_EST to the ipip VIP */
	PK_IPIP_SYN,	/* PK_TCP_SYN to the ipip VIP */
	PK_PROXY_EST,	/* PK_TCP_EST to the --syn-proxy VIP, NOP NOP TS: translated */
	PK_PROXY_SYN,	/* a SYN to the --syn-proxy VIP, Linux's options */
	PK_PROXY_ACK,	/* the client's ACK of its cookie SYN-ACK */
	PK_WRR_SYN,	/* PK_TCP_SYN to the wrr VIP */
	PK_PROMOTE_ACK,	/* the client's ACK of its backend's SYN-ACK */
	PK6_NONVIP,	/* IPv6: PK_NONVIP's */
	PK6_TCP_EST,	/* IPv6: the established flow's ACK, to VIP6 */
	PK6_TCP_SYN,	/* IPv6: a new flow's SYN */
	PK6_TCP_REPLY,	/* IPv6: the backend's ACK of the established flow */
	PK6_UDP_EST,	/* IPv6: the established UDP flow's datagram */
	PK6_FW_DROP,	/* IPv6: a TCP ACK from a source a rule drops */
	PK6_ICMP_ERR,	/* IPv6: a router's Packet Too Big about a reply */
	PK6_PROXY_EST,	/* IPv6: PK_PROXY_EST's, to PROXY6_VPORT */
	PK_N,
	PK6_FIRST = PK6_NONVIP,
};

/* The services flows go to, as scmlb-attach -v and scmlb-svc make them. */
enum svc { SVC_RR, SVC_MAGLEV, SVC_DR, SVC_IPIP, SVC_PROXY, SVC_WRR, SVC_N };

/* The wrr service's weights, backends 1..NBE: a period of 5 picks. */
static const __u16 wrr_weight[NBE + 1] = { 0, 3, 1, 1 };
#define WRR_PERIOD	5

/*
 * The IPv6 services and their backends 1..NBE, apart from the IPv4 ones:
 * VIP6's catch-all, and its --syn-proxy port.
 */
static __u32 svc6_id, be6_id[4], svc6_proxy_id, be6_proxy_id[4];

/*
 * Flows of one kind: flow i of a set is flow 0 (its frame) with the
 * source moved as the harness moves it.
 */
enum flow_set {
	FS_EST, FS_UDP, FS_NEW, FS_MAG_EST, FS_MAG_NEW, FS_DR_EST, FS_DR_NEW,
	FS_IPIP_EST, FS_IPIP_NEW, FS_PROXY_EST, FS_PROXY_NEW, FS_WRR_NEW, FS_N
};

static const struct flow_set_desc {
	__u32 base;		/* flow 0's source address */
	__u32 vip;
	__u16 dport;
	__u8 proto;
	enum svc svc;
	bool floor;		/* also in the floor's table */
	bool opened;		/* opened by the runs, not by flows_add() */
} flow_sets[FS_N] = {
	[FS_EST] = { EST_BASE, VIP, VPORT, IPPROTO_TCP, SVC_RR, true, false },
	[FS_UDP] = { UDP_BASE, VIP, UDP_VPORT, IPPROTO_UDP, SVC_RR, false,
		     false },
	[FS_NEW] = { NEW_BASE, VIP, VPORT, IPPROTO_TCP, SVC_RR, false, true },
	[FS_MAG_EST] = { MAG_EST_BASE, MAG_VIP, VPORT, IPPROTO_TCP, SVC_MAGLEV,
			 false, false },
	[FS_MAG_NEW] = { MAG_NEW_BASE, MAG_VIP, VPORT, IPPROTO_TCP, SVC_MAGLEV,
			 false, true },
	[FS_DR_EST] = { DR_EST_BASE, DR_VIP, VPORT, IPPROTO_TCP, SVC_DR, false,
			false },
	[FS_DR_NEW] = { DR_NEW_BASE, DR_VIP, VPORT, IPPROTO_TCP, SVC_DR, false,
			true },
	[FS_IPIP_EST] = { IPIP_EST_BASE, IPIP_VIP, VPORT, IPPROTO_TCP, SVC_IPIP,
			  false, false },
	[FS_IPIP_NEW] = { IPIP_NEW_BASE, IPIP_VIP, VPORT, IPPROTO_TCP, SVC_IPIP,
			  false, true },
	[FS_PROXY_EST] = { PROXY_EST_BASE, PROXY_VIP, VPORT, IPPROTO_TCP,
			   SVC_PROXY, false, false },
	/* opened by the runs, forgotten by proxy_flow_forget() */
	[FS_PROXY_NEW] = { PROXY_NEW_BASE, PROXY_VIP, VPORT, IPPROTO_TCP,
			   SVC_PROXY, false, false },
	[FS_WRR_NEW] = { WRR_NEW_BASE, WRR_VIP, VPORT, IPPROTO_TCP, SVC_WRR,
			 false, true },
};

/* Each service's forwarding, as scmlb-svc set --forward gives it. */
static const __u8 svc_forward[SVC_N] = {
	[SVC_DR] = SCMLB_FWD_DR, [SVC_IPIP] = SCMLB_FWD_IPIP,
};

/* The flows of a packet kind; FS_N: none tracked. */
static const enum flow_set pkt_flows[PK_N] = {
	[PK_NONVIP] = FS_N,
	[PK_TCP_EST] = FS_EST,
	[PK_TCP_SYN] = FS_NEW,
	[PK_TCP_REPLY] = FS_EST,
	[PK_UDP_EST] = FS_UDP,
	[PK_FW_DROP] = FS_N,
	[PK_MAG_EST] = FS_MAG_EST,
	[PK_MAG_SYN] = FS_MAG_NEW,
	[PK_UDP_FRAG] = FS_N,	/* no 5-tuple: ct_frags, filled by frag_add() */
	[PK_ICMP_ERR] = FS_N,	/* counts in no conntrack entry */
	[PK_REPLY_NOCT] = FS_N,	/* returned by lb_reply_index and the FIB */
	[PK_DR_EST] = FS_DR_EST,
	[PK_DR_SYN] = FS_DR_NEW,
	[PK_IPIP_EST] = FS_IPIP_EST,
	[PK_IPIP_SYN] = FS_IPIP_NEW,
	[PK_PROXY_EST] = FS_PROXY_EST,
	/* a SYN leaves no state; its cookie's ACK opens flow 0 */
	[PK_PROXY_SYN] = FS_N,
	[PK_PROXY_ACK] = FS_PROXY_NEW,
	[PK_WRR_SYN] = FS_WRR_NEW,
	/* half-open: promote_setup() and promote_check() */
	[PK_PROMOTE_ACK] = FS_N,
	/* IPv6's: flow 0 alone, tracked by flows6_add() */
	[PK6_NONVIP] = FS_N,
	[PK6_TCP_EST] = FS_N,
	[PK6_TCP_SYN] = FS_N,
	[PK6_TCP_REPLY] = FS_N,
	[PK6_UDP_EST] = FS_N,
	[PK6_FW_DROP] = FS_N,
	[PK6_ICMP_ERR] = FS_N,
	[PK6_PROXY_EST] = FS_N,
};

/* PROG_SCMLB6: scmlb_main6, where scmlb_entry sends an IPv6 frame */
enum prog_kind { PROG_PASS, PROG_FLOOR, PROG_SCMLB, PROG_SCMLB6 };

/* The scmlb counter a path must grow once per run. */
enum counter {
	CNT_NONE, CNT_PASSED, CNT_FW_DROPPED, CNT_FORWARDED, CNT_RETURNED,
	CNT_SYN_ACKS,		/* the --syn-proxy service's (lb_svc_stats) */
	CNT_DOS_DROPPED,
};

/* What is installed while a group of paths is measured, in this order. */
enum scenario {
	SC_BASE, SC_MANY_FLOWS, SC_FW_FEW, SC_FW_MANY, SC_DOS, SC_N,
};

static const char *const scenario_names[SC_N] = {
	"1,000 flows, no firewall rules",
	"1,000,000 flows, no firewall rules",
	"1,000 flows, 10 firewall rules",
	"1,000 flows, 10,000 firewall rules",
	"1,000 flows, 10,000 firewall rules, DoS policies tcp syn, tcp ack and udp (the UDP flow's source blocked)",
};

struct row {
	const char *key;		/* JSON name */
	const char *desc;
	enum scenario sc;
	enum prog_kind prog;
	enum pkt_kind pkt;
	__u32 flows;			/* 1: flow 0; n: cycle; 0: new each run */
	bool forget;			/* flow 0 out of conntrack before each run */
	__u32 repeat;
	int act;			/* the action every run must end with */
	enum counter cnt;
	double target;			/* max median / floor median; 0: none */
	double net[TRIALS_MAX];		/* ns per packet, baseline subtracted */
	double base[TRIALS_MAX];	/* the baseline measured with it */
};

enum {
	R_FLOOR, R_NONVIP, R_FW_DROP, R_TCP_NEW, R_TCP_NEW_FRESH, R_TCP_EST,
	R_MAG_NEW, R_MAG_NEW_FRESH, R_MAG_EST, R_TCP_EGRESS, R_EGRESS_NOCT, R_UDP_EST,
	R_UDP_FRAG, R_ICMP_ERR, R_EST_MANY, R_EST_FW_FEW, R_EST_FW_MANY, R_DROP_FW_MANY, R_EST_DOS,
	R_CYC_FEW, R_CYC_MANY, R_FLOOR_CYC_FEW, R_FLOOR_CYC_MANY,
	R_DOS_DROP, R_DR_NEW, R_DR_EST, R_IPIP_NEW, R_IPIP_EST, R_PROXY_EST,
	R_PROXY_SYN_ACK, R_PROXY_COOKIE, R_WRR_NEW, R_PROMOTE,
	R6_NONVIP, R6_TCP_NEW, R6_TCP_EST, R6_TCP_EGRESS, R6_UDP_EST,
	R6_FW_DROP, R6_ICMP_ERR, R6_PROXY_EST, R_N,
};

/*
 * Every path; a trial measures those of a scenario in this order.
 * Targets, in floors (one hash lookup, a rewrite, a redirect): a packet
 * not for a VIP at most 1.0; an established flow 1.5 (issue 18); a path
 * doing one table lookup or one header rewrite more than that, 2.0 (an
 * ICMP error's quote, ipip's outer header, the SYN proxy's translation),
 * a firewall drop too; a reply conntrack lost, 3.0 (its index and the
 * FIB); a new flow, two entries written, 6.0 (issue 6), whatever its
 * scheduler (rr, wrr, maglev) or forwarding, and a half-open flow's
 * promotion as well (two entries written, two slots freed); a SYN proxy
 * handshake, the kernel's cookie helper, 8.0; IPv6, IPv4's target times
 * 1.2 (issue 16). A flow never seen times memory, not code: those rows
 * have none.
 */
static struct row rows[R_N] = {
	[R_FLOOR] = {
		.key = "floor",
		.desc = "floor: one-lookup NAT (TCP, established)",
		.sc = SC_BASE, .prog = PROG_FLOOR, .pkt = PK_TCP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT,
	},
	[R_NONVIP] = {
		.key = "nonvip_pass",
		.desc = "non-VIP packet passed",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_NONVIP,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_PASS, .cnt = CNT_PASSED, .target = 1.0,
	},
	[R_FW_DROP] = {
		.key = "fw_drop",
		.desc = "firewall-dropped packet (10 rules)",
		.sc = SC_FW_FEW, .prog = PROG_SCMLB, .pkt = PK_FW_DROP,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_DROP, .cnt = CNT_FW_DROPPED, .target = 2.0,
	},
	[R_TCP_NEW] = {
		.key = "tcp_new",
		.desc = "new TCP connection, conntrack emptied",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_TCP_SYN,
		.flows = 1, .forget = true, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED, .target = 6.0,
	},
	[R_TCP_NEW_FRESH] = {
		.key = "tcp_new_fresh",
		.desc = "new TCP connection, a flow never seen each run",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_TCP_SYN,
		.flows = 0, .repeat = REPEAT_NEW,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
	},
	[R_TCP_EST] = {
		.key = "tcp_est",
		.desc = "established TCP ingress",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_TCP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED, .target = 1.5,
	},
	[R_MAG_NEW] = {
		.key = "tcp_new_maglev",
		.desc = "new TCP connection, maglev service",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_MAG_SYN,
		.flows = 1, .forget = true, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 6.0,
	},
	[R_MAG_NEW_FRESH] = {
		.key = "tcp_new_fresh_maglev",
		.desc = "new TCP connection, maglev service, a flow never seen each run",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_MAG_SYN,
		.flows = 0, .repeat = REPEAT_NEW,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
	},
	[R_MAG_EST] = {
		.key = "tcp_est_maglev",
		.desc = "established TCP ingress, maglev service",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_MAG_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 1.5,
	},
	[R_TCP_EGRESS] = {
		.key = "tcp_egress",
		.desc = "backend reply (egress, TCP)",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_TCP_REPLY,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_RETURNED, .target = 1.5,
	},
	[R_EGRESS_NOCT] = {
		.key = "tcp_egress_noct",
		.desc = "backend reply without conntrack (reply index, FIB)",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_REPLY_NOCT,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_RETURNED,
		.target = 3.0,
	},
	[R_UDP_EST] = {
		.key = "udp_est",
		.desc = "established UDP ingress",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_UDP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED, .target = 1.5,
	},
	[R_UDP_FRAG] = {
		.key = "udp_frag",
		.desc = "later fragment of a balanced UDP datagram",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_UDP_FRAG,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 1.5,
	},
	[R_ICMP_ERR] = {
		.key = "icmp_error",
		.desc = "ICMP fragmentation needed about a reply, to its backend",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_ICMP_ERR,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 2.0,
	},
	[R_EST_MANY] = {
		.key = "tcp_est_1m_flows",
		.desc = "established TCP, 1,000,000 flows tracked",
		.sc = SC_MANY_FLOWS, .prog = PROG_SCMLB, .pkt = PK_TCP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
	},
	[R_EST_FW_FEW] = {
		.key = "tcp_est_fw10",
		.desc = "established TCP, 10 fw rules",
		.sc = SC_FW_FEW, .prog = PROG_SCMLB, .pkt = PK_TCP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
	},
	[R_EST_FW_MANY] = {
		.key = "tcp_est_fw10k",
		.desc = "established TCP, 10,000 fw rules",
		.sc = SC_FW_MANY, .prog = PROG_SCMLB, .pkt = PK_TCP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
	},
	[R_DROP_FW_MANY] = {
		.key = "fw_drop_fw10k",
		.desc = "firewall-dropped packet (10,000 rules)",
		.sc = SC_FW_MANY, .prog = PROG_SCMLB, .pkt = PK_FW_DROP,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_DROP, .cnt = CNT_FW_DROPPED,
	},
	[R_EST_DOS] = {
		.key = "tcp_est_fw10k_dos2",
		.desc = "established TCP, 10,000 fw rules, 2 DoS policies",
		.sc = SC_DOS, .prog = PROG_SCMLB, .pkt = PK_TCP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED, .target = 3.0,
	},
	/* DoS protection blocked the source: its count says so, no limit read */
	[R_DOS_DROP] = {
		.key = "dos_drop",
		.desc = "a source DoS protection blocked, dropped (10,000 fw rules)",
		.sc = SC_DOS, .prog = PROG_SCMLB, .pkt = PK_UDP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_DROP, .cnt = CNT_DOS_DROPPED,
		.target = 2.0,
	},
	[R_CYC_FEW] = {
		.key = "tcp_est_cycle_1k",
		.desc = "established TCP, cycling over 1,000 flows",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_TCP_EST,
		.flows = FLOWS_BASE, .repeat = FLOWS_MANY,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
	},
	[R_CYC_MANY] = {
		.key = "tcp_est_cycle_1m",
		.desc = "established TCP, cycling over 1,000,000 flows",
		.sc = SC_MANY_FLOWS, .prog = PROG_SCMLB, .pkt = PK_TCP_EST,
		.flows = FLOWS_MANY, .repeat = FLOWS_MANY,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
	},
	[R_FLOOR_CYC_FEW] = {
		.key = "floor_cycle_1k",
		.desc = "floor, cycling over 1,000 flows",
		.sc = SC_BASE, .prog = PROG_FLOOR, .pkt = PK_TCP_EST,
		.flows = FLOWS_BASE, .repeat = FLOWS_MANY,
		.act = XDP_REDIRECT,
	},
	[R_FLOOR_CYC_MANY] = {
		.key = "floor_cycle_1m",
		.desc = "floor, cycling over 1,000,000 flows",
		.sc = SC_MANY_FLOWS, .prog = PROG_FLOOR, .pkt = PK_TCP_EST,
		.flows = FLOWS_MANY, .repeat = FLOWS_MANY,
		.act = XDP_REDIRECT,
	},
	[R_DR_NEW] = {
		.key = "tcp_new_dr",
		.desc = "new TCP connection, dr service, conntrack emptied",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_DR_SYN,
		.flows = 1, .forget = true, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 6.0,
	},
	[R_DR_EST] = {
		.key = "tcp_est_dr",
		.desc = "established TCP ingress, dr service",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_DR_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 1.5,
	},
	[R_IPIP_NEW] = {
		.key = "tcp_new_ipip",
		.desc = "new TCP connection, ipip service, conntrack emptied",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_IPIP_SYN,
		.flows = 1, .forget = true, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 6.0,
	},
	[R_IPIP_EST] = {
		.key = "tcp_est_ipip",
		.desc = "established TCP ingress, ipip service",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_IPIP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 2.0,
	},
	[R_PROXY_EST] = {
		.key = "tcp_est_syn_proxy",
		.desc = "established TCP ingress, --syn-proxy service (ack and TSecr translated)",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_PROXY_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 2.0,
	},
	/* scmlb_main, its tail call to scmlb_syn_proxy, and the handshake */
	[R_PROXY_SYN_ACK] = {
		.key = "syn_proxy_syn_ack",
		.desc = "--syn-proxy: a SYN answered with a cookie SYN-ACK (XDP_TX)",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_PROXY_SYN,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_TX, .cnt = CNT_SYN_ACKS,
		.target = 8.0,
	},
	[R_PROXY_COOKIE] = {
		.key = "syn_proxy_cookie",
		.desc = "--syn-proxy: the client's ACK, cookie checked, the SYN to the backend",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_PROXY_ACK,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 8.0,
	},
	/* lib/'s smooth-wrr period, in the ring rr steps through */
	[R_WRR_NEW] = {
		.key = "tcp_new_wrr",
		.desc = "new TCP connection, wrr service (3:1:1), conntrack emptied",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_WRR_SYN,
		.flows = 1, .forget = true, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 6.0,
	},
	/*
	 * two entries written (ct_flows', ct_replies'), the half-open slots
	 * freed: a new flow's work
	 */
	[R_PROMOTE] = {
		.key = "tcp_promote",
		.desc = "half-open TCP flow promoted: the client's ACK of the backend's SYN-ACK",
		.sc = SC_BASE, .prog = PROG_SCMLB, .pkt = PK_PROMOTE_ACK,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 6.0,
	},
	/* IPv6: scmlb_main6, which scmlb_entry tail-calls as it does scmlb_main */
	[R6_NONVIP] = {
		.key = "nonvip6_pass",
		.desc = "IPv6: non-VIP packet passed",
		.sc = SC_BASE, .prog = PROG_SCMLB6, .pkt = PK6_NONVIP,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_PASS, .cnt = CNT_PASSED,
		.target = 1.0,
	},
	[R6_TCP_NEW] = {
		.key = "tcp6_new",
		.desc = "IPv6: new TCP connection, conntrack emptied",
		.sc = SC_BASE, .prog = PROG_SCMLB6, .pkt = PK6_TCP_SYN,
		.flows = 1, .forget = true, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 7.2,
	},
	[R6_TCP_EST] = {
		.key = "tcp6_est",
		.desc = "IPv6: established TCP ingress",
		.sc = SC_BASE, .prog = PROG_SCMLB6, .pkt = PK6_TCP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 1.8,
	},
	[R6_TCP_EGRESS] = {
		.key = "tcp6_egress",
		.desc = "IPv6: backend reply (egress, TCP)",
		.sc = SC_BASE, .prog = PROG_SCMLB6, .pkt = PK6_TCP_REPLY,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_RETURNED,
		.target = 1.8,
	},
	[R6_UDP_EST] = {
		.key = "udp6_est",
		.desc = "IPv6: established UDP ingress",
		.sc = SC_BASE, .prog = PROG_SCMLB6, .pkt = PK6_UDP_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 1.8,
	},
	[R6_FW_DROP] = {
		.key = "fw6_drop",
		.desc = "IPv6: firewall-dropped packet (10 IPv4 rules, 1 IPv6)",
		.sc = SC_FW_FEW, .prog = PROG_SCMLB6, .pkt = PK6_FW_DROP,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_DROP, .cnt = CNT_FW_DROPPED,
		.target = 2.0,
	},
	[R6_ICMP_ERR] = {
		.key = "icmp6_error",
		.desc = "IPv6: Packet Too Big about a reply, to its backend",
		.sc = SC_BASE, .prog = PROG_SCMLB6, .pkt = PK6_ICMP_ERR,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 2.4,
	},
	[R6_PROXY_EST] = {
		.key = "tcp6_est_syn_proxy",
		.desc = "IPv6: established TCP ingress, --syn-proxy service (ack and TSecr translated)",
		.sc = SC_BASE, .prog = PROG_SCMLB6, .pkt = PK6_PROXY_EST,
		.flows = 1, .repeat = REPEAT,
		.act = XDP_REDIRECT, .cnt = CNT_FORWARDED,
		.target = 2.4,
	},
};

/* Ratios between paths, with the targets the issues set. */
struct comparison {
	const char *key;
	const char *desc;
	int num, den;			/* rows */
	double target;			/* max ratio; 0: none */
	const char *why;		/* where the target, or its absence, comes from */
};

static const struct comparison comparisons[] = {
	{ "maglev_vs_rr_est", "established TCP: maglev vs round-robin service",
	  R_MAG_EST, R_TCP_EST, 1.1, "services issue: within 10 %" },
	{ "maglev_vs_rr_new", "new TCP connection: maglev vs round-robin service",
	  R_MAG_NEW, R_TCP_NEW, 1.0, "services issue: no dearer" },
	{ "wrr_vs_rr_new", "new TCP connection: wrr vs round-robin service",
	  R_WRR_NEW, R_TCP_NEW, 1.0,
	  "no dearer: wrr's period is a ring as rr's, one cursor step" },
	{ "maglev_vs_rr_new_fresh",
	  "new TCP, a flow never seen: maglev vs round-robin service",
	  R_MAG_NEW_FRESH, R_TCP_NEW_FRESH, 0,
	  "a cold table slot per flow" },
	{ "flows_1m_vs_1k", "established TCP: 1,000,000 vs 1,000 flows tracked",
	  R_EST_MANY, R_TCP_EST, 1.3, "issue 6" },
	{ "cycle_1m_vs_1k", "cycling over all flows: 1,000,000 vs 1,000",
	  R_CYC_MANY, R_CYC_FEW, 0, "cache misses: compare the floor's" },
	{ "floor_cycle_1m_vs_1k", "floor cycling over all flows: 1,000,000 vs 1,000",
	  R_FLOOR_CYC_MANY, R_FLOOR_CYC_FEW, 0, "the same misses, no scmlb code" },
	{ "cycle_1m_vs_floor",
	  "cycling over 1,000,000 flows: established TCP vs the floor",
	  R_CYC_MANY, R_FLOOR_CYC_MANY, 1.25,
	  "issue 18: where memory, not code, sets the pace" },
	{ "fw_10k_vs_10_est", "established TCP: 10,000 vs 10 fw rules",
	  R_EST_FW_MANY, R_EST_FW_FEW, 0, "issue 3: should not depend on the count" },
	{ "fw_10k_vs_10_drop", "firewall drop: 10,000 vs 10 rules",
	  R_DROP_FW_MANY, R_FW_DROP, 0, "issue 3: should not depend on the count" },
	{ "fw_10_vs_none_est", "established TCP: 10 fw rules vs none",
	  R_EST_FW_FEW, R_TCP_EST, 0, "what a non-empty firewall adds" },
	{ "dos_vs_none_est", "established TCP: 2 DoS policies vs none",
	  R_EST_DOS, R_EST_FW_MANY, 0, "what per-source counting adds" },
	{ "ipv6_vs_ipv4_est", "established TCP: IPv6 vs IPv4",
	  R6_TCP_EST, R_TCP_EST, 1.2, "issue 16: within 20 %" },
	{ "ipv6_vs_ipv4_new", "new TCP connection: IPv6 vs IPv4",
	  R6_TCP_NEW, R_TCP_NEW, 1.2, "issue 16: within 20 %" },
	{ "ipv6_vs_ipv4_udp", "established UDP: IPv6 vs IPv4",
	  R6_UDP_EST, R_UDP_EST, 1.2, "issue 16: within 20 %" },
	{ "ipv6_vs_ipv4_egress", "backend reply: IPv6 vs IPv4",
	  R6_TCP_EGRESS, R_TCP_EGRESS, 1.2, "issue 16: within 20 %" },
	{ "ipv6_vs_ipv4_nonvip", "non-VIP packet passed: IPv6 vs IPv4",
	  R6_NONVIP, R_NONVIP, 1.2, "issue 16: within 20 %" },
	{ "ipv6_vs_ipv4_fw_drop", "firewall drop: IPv6 vs IPv4",
	  R6_FW_DROP, R_FW_DROP, 0, "a 128-bit LPM key" },
	{ "ipv6_vs_ipv4_icmp_error", "ICMP error about a reply: IPv6 vs IPv4",
	  R6_ICMP_ERR, R_ICMP_ERR, 0, "the quote walked as a packet" },
	{ "ipv6_vs_ipv4_syn_proxy_est",
	  "established TCP, --syn-proxy service: IPv6 vs IPv4",
	  R6_PROXY_EST, R_PROXY_EST, 1.2, "issue 16: within 20 %" },
};

static struct scmlb_bpf *skel;
static struct bench_restore *harness;
static struct bench_pass *pass;
static struct bench_floor *floor_skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static __u32 ifindex[SIDE_N];
static __u32 svc_id[SVC_N];
static __u32 be_id[SVC_N][NBE + 1];
static __u32 *mag_table;	/* the maglev service's table, as lib/ reads it */
static __u32 mag_len;
static int trials = TRIALS_DEFAULT;
static bool one_load;		/* --one-load: every trial on the first load */
static int cpu = -1;
static bool json;
static __u32 fw_networks = FW_NETS_DEFAULT;
static bool selected[R_N];	/* rows to measure; --path narrows them */

/* ---- frames ---- */

/*
 * A router's "fragmentation needed" to the VIP about the reply of flow 0
 * of FS_EST (VIP:VPORT -> client), quoting as much as fits the frame.
 */
static enum side icmp_err_build(__u8 *b)
{
	const struct frame outer = {
		.src_mac = mac_client, .dst_mac = mac_up,
		.saddr = ROUTER, .daddr = VIP,
	};
	const size_t l4_bytes = BENCH_FRAME_LEN - ETH_HLEN - 20 - 8 - 20;
	const struct frame reply = {
		.src_mac = mac_up, .dst_mac = mac_client,
		.proto = IPPROTO_TCP, .saddr = VIP, .daddr = EST_BASE,
		.sport = VPORT, .dport = SPORT_BASE, .tcp_flags = TF_ACK,
		.payload = l4_bytes,
	};

	frame_build_icmp_err(&outer, 3, 4, 1400, &reply, l4_bytes, b);
	return SIDE_UP;
}

/* The address of IPv6 backend @n (1..NBE). */
static void be6_addr(int n, __u8 *a)
{
	char text[64];

	snprintf(text, sizeof(text), BE6_FMT, n);
	ip6_pton(text, a);
}

/*
 * A router's Packet Too Big to VIP6 about the reply of the established
 * IPv6 flow (VIP6:VPORT -> EST6), quoting as much as fits the frame.
 */
static enum side icmp6_err_build(__u8 *b)
{
	struct frame6 outer = build_tcp6(ROUTER6, 0, VIP6, 0, 0);
	struct frame6 reply = build_tcp6(VIP6, VPORT, EST6, SPORT_BASE, TF_ACK);

	outer.src_mac = mac_client;
	outer.dst_mac = mac_up;
	reply.src_mac = mac_up;
	reply.dst_mac = mac_client;
	reply.payload = BENCH_FRAME_LEN - ETH_HLEN - 40 - 8 - 40 -
			l4_hdr_len(IPPROTO_TCP, 5);
	frame6_build_icmp_err(&outer, 2, 0, 1280, &reply, 0, b);
	return SIDE_UP;
}

/*
 * NOP NOP TS (TSval PROXY_TSVAL, TSecr 0x100, scmlb's clock) at the start
 * of the payload of the IPv6 TCP frame in @b, its header grown over them
 * and its checksum summed again: a --syn-proxy flow's segment as Linux
 * sends it.
 */
static void frame6_ts_set(__u8 *b)
{
	__u8 *ip = b + ETH_HLEN, *th = ip + 40;
	__u16 l4len = get16(ip + 4);

	th[12] = 8 << 4;
	th[20] = th[21] = 1;
	th[22] = 8;
	th[23] = 10;
	put32(th + 24, PROXY_TSVAL);
	put32(th + 28, 0x100);
	put16(th + 16, 0);
	put16(th + 16, ~sum_fold(sum16(th, l4len, sum_pseudo6(ip + 8, ip + 24,
							      IPPROTO_TCP,
							      l4len))));
}

/* Flow 0 of an IPv6 @kind in @b, BENCH_FRAME_LEN bytes; its interface. */
static enum side pkt6_build(enum pkt_kind kind, __u8 *b)
{
	struct frame6 f = build_tcp6(EST6, SPORT_BASE, VIP6, VPORT, TF_ACK);
	enum side side = SIDE_UP;

	f.src_mac = mac_client;
	f.dst_mac = mac_up;
	switch (kind) {
	case PK6_ICMP_ERR:
		return icmp6_err_build(b);
	case PK6_FW_DROP:
		ip6_pton(DROP6, f.saddr);
		break;
	case PK6_NONVIP:
		ip6_pton(OTHER6, f.daddr);
		break;
	case PK6_TCP_SYN:
		ip6_pton(NEW6, f.saddr);
		f.tcp_flags = TF_SYN;
		break;
	case PK6_TCP_REPLY:
		/* flow 0 is on backend 1 */
		f = build_tcp6("::1", VPORT, EST6, SPORT_BASE, TF_ACK);
		be6_addr(1, f.saddr);
		f.src_mac = mac_be;
		f.dst_mac = mac_beif;
		side = SIDE_BE;
		break;
	case PK6_UDP_EST:
		f.proto = IPPROTO_UDP;
		f.dport = UDP_VPORT;
		f.tcp_flags = 0;
		break;
	case PK6_PROXY_EST:
		f.dport = PROXY6_VPORT;
		break;
	default:
		break;
	}
	f.payload = BENCH_FRAME_LEN - ETH_HLEN - 40 - l4_hdr_len(f.proto, 5);
	frame6_build(&f, b);
	if (kind == PK6_PROXY_EST)
		frame6_ts_set(b);
	return side;
}

/* Flow 0 of @kind in @b (FRAME_MAX bytes), and the interface it arrives on. */
/* The cookie and scmlb's TSval of the SYN-ACK PK_PROXY_ACK answers. */
static __u32 proxy_cookie, proxy_our_ts;

/*
 * @f's frame with TCP options @opts (@len, a multiple of 4) in place of
 * frame_build()'s NOPs, its checksum summed again; 128 bytes as the others.
 */
static void frame_build_opts(struct frame *f, const __u8 *opts, size_t len,
			     __u8 *b)
{
	__u8 *ip = b + ETH_HLEN, *th = ip + 20;
	size_t l4len;

	f->doff = 5 + len / 4;
	f->payload = BENCH_FRAME_LEN - ETH_HLEN - 20 - l4_hdr_len(f->proto,
								  f->doff);
	frame_build(f, b);
	l4len = get16(ip + 2) - 20;
	memcpy(th + 20, opts, len);
	put16(th + 16, 0);
	put16(th + 16, ~sum_fold(sum_pseudo(ip, IPPROTO_TCP, l4len) +
				 sum16(th, l4len, 0)));
}

/*
 * The --syn-proxy VIP's frames, with the options Linux sends: the SYN's
 * (MSS, SACK-permitted, timestamps, window scale), then NOP NOP TS on
 * the ACK of the cookie SYN-ACK and on an established flow's segments.
 */
static enum side proxy_pkt_build(enum pkt_kind kind, struct frame *f, __u8 *b)
{
	__u8 syn[20] = { 2, 4, 1460 >> 8, 1460 & 0xff, 4, 2, 8, 10,
			 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7 };
	__u8 ts[12] = { 1, 1, 8, 10 };

	f->daddr = PROXY_VIP;
	if (kind == PK_PROXY_EST) {
		f->saddr = PROXY_EST_BASE;
		put32(ts + 4, PROXY_TSVAL);
		put32(ts + 8, 0x100);
		frame_build_opts(f, ts, sizeof(ts), b);
		return SIDE_UP;
	}
	f->saddr = PROXY_NEW_BASE;
	if (kind == PK_PROXY_SYN) {
		f->tcp_flags = TF_SYN;
		f->seq = PROXY_ISN;
		put32(syn + 8, PROXY_TSVAL);
		frame_build_opts(f, syn, sizeof(syn), b);
		return SIDE_UP;
	}
	f->seq = PROXY_ISN + 1;
	f->ack_seq = proxy_cookie + 1;
	put32(ts + 4, PROXY_TSVAL + 1);
	put32(ts + 8, proxy_our_ts);
	frame_build_opts(f, ts, sizeof(ts), b);
	return SIDE_UP;
}

static enum side pkt_build(enum pkt_kind kind, __u8 *b)
{
	struct frame f = {
		.src_mac = mac_client, .dst_mac = mac_up,
		.proto = IPPROTO_TCP, .saddr = EST_BASE, .daddr = VIP,
		.sport = SPORT_BASE, .dport = VPORT, .tcp_flags = TF_ACK,
	};
	enum side side = SIDE_UP;

	if (kind >= PK6_FIRST)
		return pkt6_build(kind, b);
	switch (kind) {
	case PK_NONVIP:
		f.daddr = OTHER_ADDR;
		break;
	case PK_TCP_EST:
		break;
	case PK_TCP_SYN:
		f.saddr = NEW_BASE;
		f.tcp_flags = TF_SYN;
		break;
	case PK_MAG_EST:
		f.saddr = MAG_EST_BASE;
		f.daddr = MAG_VIP;
		break;
	case PK_MAG_SYN:
		f.saddr = MAG_NEW_BASE;
		f.daddr = MAG_VIP;
		f.tcp_flags = TF_SYN;
		break;
	case PK_DR_EST:
	case PK_DR_SYN:
	case PK_IPIP_EST:
	case PK_IPIP_SYN:
	case PK_WRR_SYN:
		f.saddr = flow_sets[pkt_flows[kind]].base;
		f.daddr = flow_sets[pkt_flows[kind]].vip;
		if (kind == PK_DR_SYN || kind == PK_IPIP_SYN ||
		    kind == PK_WRR_SYN)
			f.tcp_flags = TF_SYN;
		break;
	case PK_PROXY_EST:
	case PK_PROXY_SYN:
	case PK_PROXY_ACK:
		return proxy_pkt_build(kind, &f, b);
	case PK_PROMOTE_ACK:
		f.saddr = PROMOTE_BASE;
		f.seq = FRAME_SEQ + 1;
		f.ack_seq = PROMOTE_BE_ISN + 1;
		break;
	case PK_TCP_REPLY:
		/* flow 0 is on backend 1 (flows go round robin from it) */
		f.src_mac = mac_be;
		f.dst_mac = mac_beif;
		f.saddr = BE_ADDR(1);
		f.daddr = EST_BASE;
		f.sport = VPORT;
		f.dport = SPORT_BASE;
		side = SIDE_BE;
		break;
	case PK_REPLY_NOCT:
		f.src_mac = mac_be;
		f.dst_mac = mac_beif;
		f.saddr = NOCT_BE;
		f.daddr = EST_BASE;
		f.sport = VPORT;
		f.dport = SPORT_BASE;
		side = SIDE_BE;
		break;
	case PK_UDP_EST:
		f.proto = IPPROTO_UDP;
		f.saddr = UDP_BASE;
		f.dport = UDP_VPORT;
		f.tcp_flags = 0;
		break;
	case PK_UDP_FRAG:
		f.proto = IPPROTO_UDP;
		f.saddr = UDP_BASE;
		f.dport = UDP_VPORT;
		f.tcp_flags = 0;
		f.frag_off = FRAG_OFF;
		break;
	case PK_ICMP_ERR:
		return icmp_err_build(b);
	case PK_FW_DROP:
	default:
		f.saddr = DROP_SRC;
		break;
	}
	f.payload = BENCH_FRAME_LEN - ETH_HLEN - 20 - l4_hdr_len(f.proto, 5);
	frame_build(&f, b);
	return side;
}

/* ---- flows: conntrack and the floor's table ---- */

/* Flow @i of @set, as the harness makes it of flow 0: its client's key. */
static struct scmlb_flow_key flow_key(enum flow_set set, __u32 i)
{
	const struct flow_set_desc *s = &flow_sets[set];

	return tb_flow_key(s->base + (i >> BENCH_PORT_BITS), s->vip,
			   SPORT_BASE + (i & BENCH_PORT_MASK), s->dport,
			   s->proto);
}

/*
 * The backend (1..NBE) flow @i of @set is on: round robin from backend 1,
 * or where the maglev table puts it, as a flow conntrack lost would find
 * it again. 0: the table names none of ours.
 */
static int flow_backend(enum flow_set set, __u32 i)
{
	struct scmlb_flow_key key;
	__u32 id;
	int n;

	if (flow_sets[set].svc != SVC_MAGLEV)
		return i % NBE + 1;
	key = flow_key(set, i);
	id = mag_table[scmlb_flow_hash(&key) % mag_len];
	for (n = 1; n <= NBE; n++)
		if (be_id[SVC_MAGLEV][n] == id)
			return n;
	return 0;
}

/*
 * Flow @i of @set on backend @n as the data plane tracks it once the
 * connection is up: the client's entry @c and the reply entry @r.
 * last_seen is 0: only scmlb-gc, which the bench never runs, reads it.
 */
static void flow_entries(enum flow_set set, __u32 i, int n,
			 struct scmlb_ct_entry *c, struct scmlb_ct_entry *r)
{
	const struct flow_set_desc *s = &flow_sets[set];

	memset(c, 0, sizeof(*c));
	c->key = flow_key(set, i);
	c->flow.packets = 1;
	c->flow.backend_id = be_id[s->svc][n];
	c->flow.service_id = svc_id[s->svc];
	c->flow.nat_addr[0] = htonl(BE_ADDR(n));
	c->flow.nat_port = htons(s->dport);	/* no backend port: the client's */
	c->flow.state = s->proto == IPPROTO_TCP ? SCMLB_CT_ESTABLISHED :
						  SCMLB_CT_UDP;
	c->flow.forward = svc_forward[s->svc];
	memcpy(c->flow.client_mac, mac_client, ETH_ALEN);
	r->key = scmlb_ct_reply_key(c);
	r->flow = c->flow;
	r->flow.packets = 0;
	memset(r->flow.nat_addr, 0, sizeof(r->flow.nat_addr));
	r->flow.nat_addr[0] = htonl(s->vip);
	r->flow.flags = SCMLB_FLOW_REPLY;
	if (s->svc != SVC_PROXY)
		return;
	/* a --syn-proxy flow whose backend's handshake is done */
	c->flow.flags |= SCMLB_FLOW_SYN_PROXY | SCMLB_FLOW_SYN_ACKED;
	r->flow.flags |= SCMLB_FLOW_SYN_PROXY | SCMLB_FLOW_SYN_ACKED;
	c->flow.proxy_seq = r->flow.proxy_seq = PROXY_SEQ_OFF;
	c->flow.proxy_ts = r->flow.proxy_ts = PROXY_TS_OFF;
	c->flow.proxy_wscale = r->flow.proxy_wscale = SCMLB_SYN_PROXY_WSCALE;
}

/* The floor's key of a flow: the client's IPv4 5-tuple, 16 bytes. */
static struct bench_floor_key floor_key(const struct scmlb_flow_key *k)
{
	return (struct bench_floor_key){
		.saddr = k->src_addr,
		.daddr = k->dst_addr,
		.sport = k->src_port,
		.dport = k->dst_port,
		.proto = k->proto,
	};
}

/**
 * flows_add() - track established flows, in scmlb and maybe in the floor
 * @set:  which flows
 * @from: first flow
 * @to:   one past the last flow
 *
 * Batched, as a million flows take a second this way. Flow i is on
 * backend flow_backend() in both tables; the floor's key is the client's
 * 5-tuple alone, as a one-lookup NAT has it.
 *
 * Return: 0 or -errno.
 */
static int flows_add(enum flow_set set, __u32 from, __u32 to)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const struct flow_set_desc *s = &flow_sets[set];
	struct bench_floor_dest *dests = calloc(BATCH, sizeof(*dests));
	struct bench_floor_key *fkeys = calloc(BATCH, sizeof(*fkeys));
	struct scmlb_flow_key *keys = calloc(2 * BATCH, sizeof(*keys));
	struct scmlb_flow *vals = calloc(2 * BATCH, sizeof(*vals));
	int floor_fd = bpf_map__fd(floor_skel->maps.floor_flows);
	struct scmlb_ct_entry c, r;
	__u32 i, n, count;
	int be, err = 0;

	if (!keys || !vals || !fkeys || !dests) {
		err = -ENOMEM;
		goto out;
	}
	while (from < to) {
		n = to - from < BATCH ? to - from : BATCH;
		for (i = 0; i < n; i++) {
			be = flow_backend(set, from + i);
			if (!be) {
				err = -ESRCH;
				goto out;
			}
			flow_entries(set, from + i, be, &c, &r);
			/* the clients' entries first, the replies' after them */
			keys[i] = c.key;
			vals[i] = c.flow;
			keys[BATCH + i] = r.key;
			vals[BATCH + i] = r.flow;
			fkeys[i] = floor_key(&c.key);
			dests[i] = (struct bench_floor_dest){
				.addr = htonl(BE_ADDR(be)),
				.ifindex = ifindex[SIDE_BE],
			};
			memcpy(dests[i].mac, mac_be, ETH_ALEN);
			memcpy(dests[i].if_mac, mac_beif, ETH_ALEN);
		}
		count = n;
		if (bpf_map_update_batch(lb.maps.ct, keys, vals, &count, &opts)) {
			err = -errno;
			goto out;
		}
		count = n;
		/* dr and ipip flows have no reply entry */
		if (!svc_forward[s->svc] &&
		    bpf_map_update_batch(lb.maps.ct_replies, keys + BATCH,
					 vals + BATCH, &count, &opts)) {
			err = -errno;
			goto out;
		}
		count = n;
		if (s->floor &&
		    bpf_map_update_batch(floor_fd, fkeys, dests, &count, &opts)) {
			err = -errno;
			goto out;
		}
		from += n;
	}
out:
	free(keys);
	free(vals);
	free(fkeys);
	free(dests);
	return err;
}

/* Empty @key's slot in the half-open map @fd; a slot not its is no error. */
static int ct_forget(int fd, const struct scmlb_flow_key *key)
{
	int err = scmlb_ct_opening_clear(fd, key);

	return err == -ENOENT ? 0 : err;
}

/**
 * flows_delete() - take flows out of conntrack, both entries, and out of
 *		    the floor's table when they are in it
 * @set:  which flows
 * @from: first flow
 * @to:   one past the last flow
 *
 * Flows the runs opened went to a backend only the data plane knows (and
 * flow 0, opened anew each run, to each in turn): every reply entry they
 * may have left goes, one syscall each.
 *
 * Return: 0 or -errno.
 */
static int flows_delete(enum flow_set set, __u32 from, __u32 to)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const struct flow_set_desc *s = &flow_sets[set];
	struct bench_floor_key *fkeys = calloc(BATCH, sizeof(*fkeys));
	struct scmlb_flow_key *keys = calloc(2 * BATCH, sizeof(*keys));
	int floor_fd = bpf_map__fd(floor_skel->maps.floor_flows);
	struct scmlb_ct_entry c, r;
	__u32 i, n, count;
	int be, err = 0;

	if (!keys || !fkeys) {
		err = -ENOMEM;
		goto out;
	}
	/* the runs' SYNs left them half-open */
	for (; s->opened && from < to && !err; from++) {
		c.key = flow_key(set, from);
		err = ct_forget(lb.maps.ct_opening, &c.key);
		for (be = 1; be <= NBE && !err; be++) {
			flow_entries(set, from, be, &c, &r);
			err = ct_forget(lb.maps.ct_opening_rep, &r.key);
		}
	}
	while (from < to && !err) {
		n = to - from < BATCH ? to - from : BATCH;
		for (i = 0; i < n; i++) {
			flow_entries(set, from + i, flow_backend(set, from + i),
				     &c, &r);
			keys[i] = c.key;
			keys[BATCH + i] = r.key;
			fkeys[i] = floor_key(&c.key);
		}
		count = n;
		if (bpf_map_delete_batch(lb.maps.ct, keys, &count, &opts)) {
			err = -errno;
			break;
		}
		count = n;
		if (bpf_map_delete_batch(lb.maps.ct_replies, keys + BATCH, &count,
					 &opts)) {
			err = -errno;
			break;
		}
		count = n;
		if (s->floor &&
		    bpf_map_delete_batch(floor_fd, fkeys, &count, &opts)) {
			err = -errno;
			break;
		}
		from += n;
	}
out:
	free(keys);
	free(fkeys);
	return err;
}

/* The IPv6 client's key of flow 0 from @src to VIP6:@dport. */
static struct scmlb_flow6_key flow6_key(const char *src, __u16 dport,
					__u8 proto)
{
	struct scmlb_flow6_key k = {
		.src_port = htons(SPORT_BASE),
		.dst_port = htons(dport),
		.proto = proto,
		.family = SCMLB_AF_INET6,
	};

	ip6_pton(src, (__u8 *)k.src_addr);
	ip6_pton(VIP6, (__u8 *)k.dst_addr);
	return k;
}

/* The reply key of @c's flow on backend @n. */
static struct scmlb_flow6_key flow6_reply_key(const struct scmlb_flow6_key *c,
					      int n)
{
	struct scmlb_flow6_key r = *c;

	be6_addr(n, (__u8 *)r.src_addr);
	memcpy(r.dst_addr, c->src_addr, sizeof(r.dst_addr));
	r.src_port = c->dst_port;
	r.dst_port = c->src_port;
	return r;
}

/*
 * The IPv6 established flows on backend 1, both entries: TCP and UDP,
 * and TCP to the --syn-proxy port, its backend's handshake done and its
 * offsets in ct6_proxy (IPv4's flow_entries() numbers).
 */
static int flows6_add(void)
{
	static const struct {
		__u8 proto;
		__u16 dport;
	} est6[] = {
		{ IPPROTO_TCP, VPORT }, { IPPROTO_UDP, UDP_VPORT },
		{ IPPROTO_TCP, PROXY6_VPORT },
	};
	struct scmlb_proxy_nums nums = {
		.proxy_seq = PROXY_SEQ_OFF,
		.proxy_ts = PROXY_TS_OFF,
		.proxy_wscale = SCMLB_SYN_PROXY_WSCALE,
	};
	struct scmlb_flow6_key c, r;
	struct scmlb_flow f;
	bool proxy;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(est6); i++) {
		proxy = est6[i].dport == PROXY6_VPORT;
		c = flow6_key(EST6, est6[i].dport, est6[i].proto);
		r = flow6_reply_key(&c, 1);
		memset(&f, 0, sizeof(f));
		f.packets = 1;
		f.backend_id = proxy ? be6_proxy_id[1] : be6_id[1];
		f.service_id = proxy ? svc6_proxy_id : svc6_id;
		be6_addr(1, (__u8 *)f.nat_addr);
		f.nat_port = c.dst_port;
		f.state = est6[i].proto == IPPROTO_TCP ? SCMLB_CT_ESTABLISHED :
							 SCMLB_CT_UDP;
		f.flags = proxy ? SCMLB_FLOW_SYN_PROXY | SCMLB_FLOW_SYN_ACKED :
				  0;
		memcpy(f.client_mac, mac_client, ETH_ALEN);
		if (bpf_map_update_elem(lb.maps.ct6, &c, &f, BPF_ANY))
			return -errno;
		f.packets = 0;
		memcpy(f.nat_addr, c.dst_addr, sizeof(f.nat_addr));
		f.flags |= SCMLB_FLOW_REPLY;
		if (bpf_map_update_elem(lb.maps.ct6_replies, &r, &f, BPF_ANY))
			return -errno;
		if (proxy && bpf_map_update_elem(lb.maps.ct6_proxy, &c, &nums,
						 BPF_ANY))
			return -errno;
	}
	return 0;
}

/* The way of @key's bucket in the IPv6 half-open map @fd holding it, or -1. */
static int ct6_way(int fd, const struct scmlb_flow6_key *key,
		   struct scmlb_opening6_slot *slot, __u32 *index)
{
	__u32 i = scmlb_opening6_bucket(key, scmlb_ct_opening_slots(CT_SIZE) - 1);
	int way;

	for (way = 0; way < 2; way++, i++) {
		if (!bpf_map_lookup_elem(fd, &i, slot) &&
		    scmlb_flow6_key_equal(&slot->key, key)) {
			*index = i;
			return way;
		}
	}
	return -1;
}

/* Empty the IPv6 half-open slot of @key in @fd, if it is that flow's. */
static void ct6_forget(int fd, const struct scmlb_flow6_key *key)
{
	struct scmlb_opening6_slot slot;
	__u32 i;

	if (ct6_way(fd, key, &slot, &i) < 0)
		return;
	slot.key.family = 0;
	bpf_map_update_elem(fd, &i, &slot, BPF_ANY);
}

/* What the IPv6 new flow's runs left: its client's slot, its replies'. */
static void flows6_forget(void)
{
	struct scmlb_flow6_key c = flow6_key(NEW6, VPORT, IPPROTO_TCP), r;
	int n;

	ct6_forget(lb.maps.ct6_opening, &c);
	for (n = 1; n <= NBE; n++) {
		r = flow6_reply_key(&c, n);
		ct6_forget(lb.maps.ct6_opening_rep, &r);
	}
}

/* Flow 0's packet count in an IPv6 @kind's direction; 0: untracked. */
static __u64 flow6_packets(enum pkt_kind kind)
{
	struct scmlb_opening6_slot slot;
	struct scmlb_flow6_key c, r;
	struct scmlb_flow f;
	__u32 i;

	if (kind == PK6_NONVIP || kind == PK6_FW_DROP || kind == PK6_ICMP_ERR)
		return 0;
	c = flow6_key(kind == PK6_TCP_SYN ? NEW6 : EST6,
		      kind == PK6_UDP_EST ? UDP_VPORT :
		      kind == PK6_PROXY_EST ? PROXY6_VPORT : VPORT,
		      kind == PK6_UDP_EST ? IPPROTO_UDP : IPPROTO_TCP);
	if (kind == PK6_TCP_REPLY) {
		r = flow6_reply_key(&c, 1);
		return bpf_map_lookup_elem(lb.maps.ct6_replies, &r, &f) ?
		       0 : f.packets;
	}
	if (!bpf_map_lookup_elem(lb.maps.ct6, &c, &f))
		return f.packets;
	return ct6_way(lb.maps.ct6_opening, &c, &slot, &i) < 0 ? 0 :
	       slot.flow.packets;
}

/* IPv6 service @svc's NBE backends, BE6(1..NBE); their ids in @ids. */
static int backends6_add(__u32 svc, __u32 *ids)
{
	int n, err = 0;

	for (n = 1; n <= NBE && !err; n++) {
		struct scmlb_backend be = {
			.service_id = svc,
			.weight = 1,
			.family = SCMLB_AF_INET6,
			.ifindex = ifindex[SIDE_BE],
			.status = SCMLB_BACKEND_AVAILABLE,
		};

		be6_addr(n, (__u8 *)be.addr);
		memcpy(be.mac, mac_be, ETH_ALEN);
		memcpy(be.if_mac, mac_beif, ETH_ALEN);
		snprintf(be.name, sizeof(be.name), "be6-%u-%d", svc, n);
		err = scmlb_backend_add(&lb, &be);
		ids[n] = be.id;
	}
	return err;
}

/*
 * VIP6's service, every port, round robin, and its tcp:PROXY6_VPORT,
 * --syn-proxy, each with NBE backends. VIP6's bit in lb_vip_hint must
 * not be the IPv4 non-VIP path's, which would then pay a lookup it does
 * not pay without IPv6.
 */
static int service6_add(void)
{
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET6,
		.scheduler = SCMLB_SCHED_RR,
	};
	scmlb_addr_t other = { htonl(OTHER_ADDR) };
	int err;

	ip6_pton(VIP6, (__u8 *)svc.vip);
	if (scmlb_vip_hint_bit(svc.vip) == scmlb_vip_hint_bit(other))
		return -EEXIST;
	err = scmlb_service_add(&lb, &svc);
	svc6_id = svc.id;
	if (!err)
		err = backends6_add(svc6_id, be6_id);
	svc.id = 0;
	svc.proto = IPPROTO_TCP;
	svc.port = htons(PROXY6_VPORT);
	svc.flags = SCMLB_SVC_SYN_PROXY;
	if (!err)
		err = scmlb_service_add(&lb, &svc);
	svc6_proxy_id = svc.id;
	if (!err)
		err = backends6_add(svc6_proxy_id, be6_proxy_id);
	return err;
}

/*
 * The packet count of flow @i's entry in @kind's direction (a reply's:
 * the reply entry); 0 when untracked.
 */
static __u64 flow_packets(enum pkt_kind kind, __u32 i)
{
	enum flow_set set = pkt_flows[kind];
	struct scmlb_ct_entry c, r;
	struct scmlb_flow f;

	if (kind >= PK6_FIRST)
		return flow6_packets(kind);
	if (set == FS_N)
		return 0;
	flow_entries(set, i, flow_backend(set, i), &c, &r);
	if (kind == PK_TCP_REPLY)
		return bpf_map_lookup_elem(lb.maps.ct_replies, &r.key, &f) ?
		       0 : f.packets;
	/* a SYN's flow is half-open */
	if (!bpf_map_lookup_elem(lb.maps.ct, &c.key, &f) ||
	    !scmlb_ct_opening_get(lb.maps.ct_opening, &c.key, &f))
		return f.packets;
	return 0;
}

/* ---- configuration, through lib/ as the tools do it ---- */

/*
 * NOCT_VIP's tcp:80 with NOCT_BE, an address no other service has: the
 * one backend lb_reply_index holds (the others serve both services).
 */
static int noct_service_add(void)
{
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET,
		.proto = IPPROTO_TCP,
		.port = htons(VPORT),
		.vip = { htonl(NOCT_VIP) },
	};
	int err = scmlb_service_add(&lb, &svc);

	return err ? err : tb_backend_add_to(&lb, svc.id, 1, VPORT, 99,
					     NOCT_BE, ifindex[SIDE_BE],
					     mac_be, mac_beif, NULL);
}

/*
 * The VIP's service as scmlb-attach -v makes it (every port, round
 * robin), a second VIP's as "scmlb-svc set -v MAG_VIP -S maglev" makes
 * it, and NBE backends in each, as scmlb-lb set adds them (weights
 * wrr_weight on the wrr service's). Every service takes every port: the
 * paths differ in the scheduler or the forwarding alone.
 */
static int services_add(void)
{
	static const struct {
		__u32 vip;
		__u8 scheduler;
	} defs[SVC_N] = {
		[SVC_RR] = { VIP, SCMLB_SCHED_RR },
		[SVC_MAGLEV] = { MAG_VIP, SCMLB_SCHED_MAGLEV },
		[SVC_DR] = { DR_VIP, SCMLB_SCHED_RR },
		[SVC_IPIP] = { IPIP_VIP, SCMLB_SCHED_RR },
		[SVC_PROXY] = { PROXY_VIP, SCMLB_SCHED_RR },
		[SVC_WRR] = { WRR_VIP, SCMLB_SCHED_WRR },
	};
	scmlb_addr_t other = { htonl(OTHER_ADDR) };
	int i, n, err = 0;

	for (i = 0; i < SVC_N && !err; i++) {
		struct scmlb_service svc = {
			.family = SCMLB_AF_INET,
			.vip = { htonl(defs[i].vip) },
			.scheduler = defs[i].scheduler,
			.forward = svc_forward[i],
			.flags = i == SVC_PROXY ? SCMLB_SVC_SYN_PROXY : 0,
		};

		/* the non-VIP path's hint bit stays clear, as service6_add() */
		if (scmlb_vip_hint_bit(svc.vip) == scmlb_vip_hint_bit(other))
			return -EEXIST;
		err = scmlb_service_add(&lb, &svc);
		svc_id[i] = svc.id;
		for (n = 1; n <= NBE && !err; n++)
			err = tb_backend_add_to(&lb, svc.id,
						i == SVC_WRR ? wrr_weight[n] : 1,
						0, i * NBE + n, BE_ADDR(n),
						ifindex[SIDE_BE], mac_be,
						mac_beif, &be_id[i][n]);
	}
	if (!err)
		err = noct_service_add();
	if (!err)
		err = service6_add();
	if (!err)
		err = scmlb_config_refresh(&lb);
	if (!err) {
		lb.cfg.attach_service = svc_id[SVC_RR];
		err = scmlb_config_commit(&lb);
	}
	if (!err)
		err = scmlb_service_table_read(&lb, svc_id[SVC_MAGLEV],
					       &mag_table, &mag_len);
	if (!err && !mag_len)
		err = -ENOENT;
	return err;
}

static bool covers(__u32 net, __u8 len, __u32 addr)
{
	__u32 mask = len ? 0xffffffffU << (32 - len) : 0;

	return (addr & mask) == (net & mask);
}

static __u32 xorshift(__u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/**
 * fw_rules_fill() - add firewall rules with scmlb_fw_rule_add()
 * @total: rules installed in all when it returns
 *
 * The first rule covers DROP_SRC (tcp, any port); the others, tcp rules on
 * one port each, go round robin over fw_networks /24 and /32 networks
 * spread over the unicast space, none around a client: for the clients
 * the walk past the LPM lookup is empty.
 *
 * Return: 0 or -errno.
 */
static int fw_rules_fill(__u32 total)
{
	static __u32 nets[FW_MANY], installed;
	static __u8 lens[FW_MANY];
	__u32 seed = 0x5eed1234, i, n;
	struct scmlb_fw_rule r;
	int err;

	/* deterministic: every run installs the same rules */
	for (i = 0; !installed && i < fw_networks; i++) {
		do {
			nets[i] = xorshift(&seed);
			lens[i] = nets[i] & 1 ? 32 : 24;
			nets[i] &= lens[i] == 32 ? ~0U : ~0xffU;
		} while (nets[i] >> 24 == 0 || nets[i] >> 24 == 127 ||
			 nets[i] >> 24 >= 224 ||
			 covers(CLIENTS_NET, CLIENTS_LEN, nets[i]) ||
			 covers(nets[i], lens[i], DROP_SRC));
	}
	for (; installed < total; installed++) {
		memset(&r, 0, sizeof(r));
		r.proto = IPPROTO_TCP;
		if (!installed) {
			r.addr = htonl(DROP_NET);
			r.prefixlen = 24;
		} else {
			n = (installed - 1) % fw_networks;
			r.addr = htonl(nets[n]);
			r.prefixlen = lens[n];
			r.dst_from = r.dst_to = 1024 + (installed - 1) / fw_networks;
		}
		err = scmlb_fw_rule_add(&lb, &r);
		if (err)
			return err;
	}
	return 0;
}

/* The IPv6 rule covering DROP6 (tcp, any port), once. */
static int fw6_rule_add(void)
{
	static bool installed;
	struct scmlb_fw_entry e = {
		.rule = { .family = SCMLB_AF_INET6, .proto = IPPROTO_TCP,
			  .prefixlen = 64 },
	};
	int err;

	if (installed)
		return 0;
	ip6_pton(DROP6_NET, (__u8 *)e.addr);
	err = scmlb_fw_entry_add(&lb, &e, 0);
	installed = !err;
	return err;
}

/*
 * Two policies, as scmlb-dos sets them: SYN floods, and the class of the
 * established path's pure ACKs, so that the path counts per source.
 */
static int dos_policies_add(void)
{
	static const char *const types[] = { "syn", "ack" };
	const char *why;
	__u32 class, id;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		err = scmlb_dos_class_parse(IPPROTO_TCP, types[i], false,
					    &class, &why);
		if (!err)
			err = scmlb_dos_policy_add(&lb, class, DOS_LIMIT, 0, 128, &id);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A UDP policy, and the UDP flow's source over its limit: blocked, as the
 * data plane leaves a source once it crosses it (until scmlb-gc turns it
 * into a firewall rule), so that every run of PK_UDP_EST is dropped.
 */
static int dos_source_block(void)
{
	struct scmlb_dos_key key = { .saddr = htonl(UDP_BASE) };
	struct scmlb_dos_count blocked = { .blocked = 1 };
	const char *why;
	__u32 id;
	int err;

	err = scmlb_dos_class_parse(IPPROTO_UDP, NULL, false, &key.class,
				    &why);
	if (!err)
		err = scmlb_dos_policy_add(&lb, key.class, DOS_LIMIT, 0, 128,
					   &id);
	if (!err && bpf_map_update_elem(lb.maps.dos_counts, &key, &blocked,
					BPF_ANY))
		err = -errno;
	return err;
}

/* --syn-budget, --syn-chunk: a global budget of new flows, 0: none */
static __u32 syn_budget, syn_chunk;

/*
 * The global budget of new half-open flows, as scmlb-dos set --global
 * sets it, with a limit no trial reaches: the figure is its accounting,
 * not a drop. --syn-chunk replaces the flows a CPU takes from the shared
 * pool at once (1: every SYN pays the pool's compare-and-swap, as one
 * shared counter would).
 */
static int syn_budget_setup(void)
{
	struct scmlb_syn_budget b;
	__u32 zero = 0, id;
	int err;

	if (!syn_budget)
		return 0;
	err = bpf_map_lookup_elem(lb.maps.syn_budget, &zero, &b) ? -errno : 0;
	if (!err && b.id)
		err = scmlb_dos_policy_delete(&lb, b.id);
	if (!err)
		err = scmlb_dos_policy_add(&lb, SCMLB_DOS_SYN_GLOBAL, syn_budget,
					   0, 0, &id);
	if (!err && syn_chunk) {
		err = bpf_map_lookup_elem(lb.maps.syn_budget, &zero, &b) ?
		      -errno : 0;
		b.chunk = syn_chunk;
		if (!err && bpf_map_update_elem(lb.maps.syn_budget, &zero, &b,
						BPF_ANY))
			err = -errno;
	}
	return err;
}

/*
 * The UDP flow's datagram whose first fragment went to its backend: what
 * the data plane keeps for the later fragments of PK_UDP_FRAG.
 */
static int frag_add(void)
{
	struct scmlb_frag_key k = {
		.src_addr = htonl(UDP_BASE),
		.dst_addr = htonl(VIP),
		.id = htons(FRAME_IP_ID),
		.proto = IPPROTO_UDP,
	};
	int be = flow_backend(FS_UDP, 0);
	struct scmlb_frag f = {
		.backend_id = be_id[SVC_RR][be],
		.nat_addr = htonl(BE_ADDR(be)),
	};

	return bpf_map_update_elem(lb.maps.ct_frags, &k, &f, BPF_ANY) ?
	       -errno : 0;
}

/* Put the instance in the state @sc measures, from the previous one. */
static int scenario_enter(enum scenario sc)
{
	static bool many_flows;
	int err = 0;

	switch (sc) {
	case SC_BASE:
		err = flows_add(FS_EST, 0, FLOWS_BASE);
		if (!err)
			err = flows_add(FS_UDP, 0, 1);
		if (!err)
			err = flows_add(FS_MAG_EST, 0, FLOWS_BASE);
		if (!err)
			err = flows_add(FS_DR_EST, 0, FLOWS_BASE);
		if (!err)
			err = flows_add(FS_IPIP_EST, 0, FLOWS_BASE);
		if (!err)
			err = flows_add(FS_PROXY_EST, 0, FLOWS_BASE);
		if (!err)
			err = frag_add();
		if (!err)
			err = flows6_add();
		break;
	case SC_MANY_FLOWS:
		err = flows_add(FS_EST, FLOWS_BASE, FLOWS_MANY);
		many_flows = !err;
		break;
	case SC_FW_FEW:
		if (many_flows)
			err = flows_delete(FS_EST, FLOWS_BASE, FLOWS_MANY);
		many_flows = false;
		if (!err)
			err = fw_rules_fill(FW_FEW);
		if (!err)
			err = fw6_rule_add();
		break;
	case SC_FW_MANY:
		err = fw_rules_fill(FW_MANY);
		break;
	case SC_DOS:
		err = fw_rules_fill(FW_MANY);
		if (!err)
			err = dos_policies_add();
		if (!err)
			err = dos_source_block();
		break;
	default:
		break;
	}
	return err;
}

/* ---- measuring ---- */

static __u64 counter_get(const struct scmlb_stats *s, enum counter c)
{
	switch (c) {
	case CNT_PASSED:
		return s->passed;
	case CNT_FW_DROPPED:
		return s->fw_dropped;
	case CNT_FORWARDED:
		return s->forwarded;
	case CNT_RETURNED:
		return s->returned;
	case CNT_DOS_DROPPED:
		return s->dos_dropped;
	default:
		return 0;
	}
}

static int prog_fd(enum prog_kind p)
{
	switch (p) {
	case PROG_PASS:
		return bpf_program__fd(pass->progs.bench_pass);
	case PROG_FLOOR:
		return bpf_program__fd(floor_skel->progs.bench_floor);
	case PROG_SCMLB6:
		return bpf_program__fd(skel->progs.scmlb_main6);
	default:
		return bpf_program__fd(skel->progs.scmlb_main);
	}
}

/**
 * run_timed() - one BPF_PROG_TEST_RUN of the harness in front of @prog
 * @prog:   the program the harness tail-calls
 * @side:   the interface the frame arrives on
 * @repeat: runs
 * @out:    the frame as the last run left it
 * @act:    the last run's action
 * @ns:     the thread's CPU time per run
 *
 * The frame and its flows are already in the harness's cfg.
 *
 * Return: 0 or -errno.
 */
static int run_timed(enum prog_kind prog, enum side side, __u32 repeat,
		     __u8 *out, int *act, double *ns)
{
	int harness_fd = bpf_program__fd(harness->progs.bench_restore);
	int progs_fd = bpf_map__fd(harness->maps.bench_progs);
	struct xdp_md md = {
		.data_end = BENCH_FRAME_LEN,
		.ingress_ifindex = ifindex[side],
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = harness->bss->cfg.frame,
		    .data_size_in = BENCH_FRAME_LEN,
		    .data_out = out,
		    .data_size_out = BENCH_FRAME_LEN + 20,	/* ipip's header */
		    .ctx_in = &md,
		    .ctx_size_in = sizeof(md),
		    .repeat = repeat);
	struct timespec t0, t1;
	__u32 zero = 0;
	int fd = prog_fd(prog);

	if (bpf_map_update_elem(progs_fd, &zero, &fd, BPF_ANY))
		return -errno;
	harness->bss->cfg.next = 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	if (bpf_prog_test_run_opts(harness_fd, &opts))
		return -errno;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	*act = opts.retval;
	*ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	      repeat;
	return 0;
}

/*
 * A fresh cookie for PK_PROXY_ACK (the kernel takes one for two minutes):
 * PK_PROXY_SYN through scmlb once, its SYN-ACK's sequence number and
 * TSval kept.
 *
 * Return: 0 or -errno.
 */
static int proxy_cookie_take(void)
{
	__u8 in[FRAME_MAX], out[BENCH_FRAME_LEN + 20], *th;
	struct xdp_md md = {
		.data_end = BENCH_FRAME_LEN,
		.ingress_ifindex = ifindex[SIDE_UP],
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in,
		    .data_size_in = BENCH_FRAME_LEN,
		    .data_out = out,
		    .data_size_out = sizeof(out),
		    .ctx_in = &md,
		    .ctx_size_in = sizeof(md),
		    .repeat = 1);
	size_t off, len;

	pkt_build(PK_PROXY_SYN, in);
	if (bpf_prog_test_run_opts(prog_fd(PROG_SCMLB), &opts))
		return -errno;
	if (opts.retval != XDP_TX)
		return -EPROTO;
	th = out + ETH_HLEN + 20;
	len = (size_t)(th[12] >> 4) * 4;
	proxy_cookie = get32(th + 4);
	for (off = 20; off + 10 <= len;) {
		if (th[off] == 8) {
			proxy_our_ts = get32(th + off + 2);
			return 0;
		}
		if (th[off] != 1 && th[off + 1] < 2)
			break;
		off += th[off] == 1 ? 1 : th[off + 1];
	}
	return -EPROTO;
}

/* The connections each backend of the wrr service opened, all CPUs. */
static int wrr_conns(__u64 *conns)
{
	struct scmlb_backend_stats bs;
	int n, err;

	for (n = 1; n <= NBE; n++) {
		err = scmlb_backend_stats(&lb, be_id[SVC_WRR][n], &bs);
		if (err)
			return err;
		conns[n] = bs.conns;
	}
	return 0;
}

_Static_assert(REPEAT % WRR_PERIOD == 0, "a measurement is whole periods");

/*
 * The wrr row's picks: @runs SYNs, whole periods of the smooth-wrr ring,
 * must have opened exactly each backend's share of them (@before: the
 * counts before). Return: 0, or -EPROTO with its error line.
 */
static int wrr_picks_check(const struct row *r, const __u64 *before)
{
	__u64 after[NBE + 1], want;
	int n, err = wrr_conns(after);

	for (n = 1; n <= NBE && !err; n++) {
		want = (__u64)r->repeat / WRR_PERIOD * wrr_weight[n];
		if (after[n] - before[n] == want)
			continue;
		pr_err("'%s': backend %d (weight %u of %u) opened %llu of %u connections, expected %llu",
		       r->key, n, wrr_weight[n], WRR_PERIOD,
		       (unsigned long long)(after[n] - before[n]), r->repeat,
		       (unsigned long long)want);
		return -EPROTO;
	}
	return err;
}

/* The SYN-ACKs the --syn-proxy service sent, all CPUs. */
static __u64 proxy_syn_acks(void)
{
	struct scmlb_svc_stats ss;

	return scmlb_svc_stats_read(&lb, svc_id[SVC_PROXY], &ss) ? 0 :
	       ss.syn_acks;
}

/* Flow 0 of FS_PROXY_NEW out of conntrack: the next trial's ACK opens it. */
static void proxy_flow_forget(void)
{
	struct scmlb_flow_key key = flow_key(FS_PROXY_NEW, 0), rkey = key;
	struct scmlb_flow f;

	if (bpf_map_lookup_elem(lb.maps.ct, &key, &f))
		return;
	rkey.src_addr = f.nat_addr[0];
	rkey.src_port = f.nat_port;
	rkey.dst_addr = key.src_addr;
	rkey.dst_port = key.src_port;
	bpf_map_delete_elem(lb.maps.ct_replies, &rkey);
	bpf_map_delete_elem(lb.maps.ct, &key);
}

/*
 * A --syn-proxy flow's client segment, its TCP header at @in_th in and
 * @out_th out: the acknowledgment and the echoed timestamp (NOP NOP TS)
 * must have moved by the flow's offsets, to the backend's numbers.
 */
static const char *proxy_translation_wrong(const __u8 *in_th,
					   const __u8 *out_th)
{
	if (get32(out_th + 8) != get32(in_th + 8) + PROXY_SEQ_OFF)
		return "the acknowledgment was not translated";
	if (get32(out_th + 28) != get32(in_th + 28) + PROXY_TS_OFF ||
	    get32(out_th + 24) != get32(in_th + 24))
		return "the echoed timestamp was not translated";
	return NULL;
}

/*
 * The promoted flow (PK_PROMOTE_ACK's): its client's key, its reply key
 * on the backend its SYN went to, and their half-open slots as the
 * handshake left them, which the harness writes back before every run.
 */
static struct scmlb_flow_key promote_key, promote_rkey;
static struct scmlb_opening_slot promote_slots[2];

_Static_assert(sizeof(promote_slots[0]) ==
	       sizeof(((struct bench_cfg *)0)->promote_slot[0]),
	       "the harness copies whole slots");

/* The way of @key's bucket in the half-open map @fd holding it, or -1. */
static int ct_way(int fd, const struct scmlb_flow_key *key,
		  struct scmlb_opening_slot *slot, __u32 *index)
{
	__u32 mask = scmlb_ct_opening_slots(CT_SIZE) - 1;
	__u32 i = scmlb_opening_bucket(key, mask);
	int way;

	for (way = 0; way < 2; way++, i++) {
		if (!bpf_map_lookup_elem(fd, &i, slot) &&
		    scmlb_flow_key_equal(&slot->key, key)) {
			*index = i;
			return way;
		}
	}
	return -1;
}

/* The promoted flow out of conntrack, whichever map holds it. */
static void promote_forget(void)
{
	struct scmlb_flow_key rkey;
	int n;

	bpf_map_delete_elem(lb.maps.ct, &promote_key);
	ct_forget(lb.maps.ct_opening, &promote_key);
	for (n = 1; n <= NBE; n++) {
		rkey = tb_flow_key(BE_ADDR(n), PROMOTE_BASE, VPORT, SPORT_BASE,
				   IPPROTO_TCP);
		bpf_map_delete_elem(lb.maps.ct_replies, &rkey);
		ct_forget(lb.maps.ct_opening_rep, &rkey);
	}
}

/* Run @in through scmlb_main as arriving on @side: XDP_REDIRECT expected. */
static int promote_step(const char *what, enum side side, const __u8 *in,
			__u8 *out)
{
	__u32 len;
	int act, err;

	err = prog_run(prog_fd(PROG_SCMLB), ifindex[side], in, BENCH_FRAME_LEN,
		       out, &len, &act);
	if (!err && act != XDP_REDIRECT)
		err = -EPROTO;
	if (err)
		pr_err("'tcp_promote': the %s: %s", what,
		       err == -EPROTO ? act_name(act) : strerror(-err));
	return err;
}

/**
 * promote_setup() - a half-open flow whose backend sent its SYN-ACK
 * @cfg: the harness's, to write its slots back before each run
 *
 * The handshake through scmlb_main itself: the client's SYN opens the
 * flow (round robin on VIP's service), its backend's SYN-ACK marks it
 * SCMLB_FLOW_SYN_ACKED, what PK_PROMOTE_ACK acknowledges. Both slots
 * are read back as the data plane wrote them.
 *
 * Return: 0 or -errno, with its error line.
 */
static int promote_setup(struct bench_cfg *cfg)
{
	struct frame f = {
		.src_mac = mac_client, .dst_mac = mac_up,
		.proto = IPPROTO_TCP, .saddr = PROMOTE_BASE, .daddr = VIP,
		.sport = SPORT_BASE, .dport = VPORT, .tcp_flags = TF_SYN,
		.payload = BENCH_FRAME_LEN - ETH_HLEN - 20 - 20,
	};
	__u8 in[FRAME_MAX], out[FRAME_MAX];
	const struct scmlb_flow *c = &promote_slots[0].flow;
	__u32 be;
	int err;

	promote_key = tb_flow_key(PROMOTE_BASE, VIP, SPORT_BASE, VPORT,
				  IPPROTO_TCP);
	promote_forget();
	frame_build(&f, in);
	err = promote_step("SYN", SIDE_UP, in, out);
	if (err)
		return err;
	be = get32(out + ETH_HLEN + 16);
	f.src_mac = mac_be;
	f.dst_mac = mac_beif;
	f.saddr = be;
	f.daddr = PROMOTE_BASE;
	f.sport = VPORT;
	f.dport = SPORT_BASE;
	f.tcp_flags = TF_SYN | TF_ACK;
	f.seq = PROMOTE_BE_ISN;
	f.ack_seq = FRAME_SEQ + 1;
	frame_build(&f, in);
	err = promote_step("backend's SYN-ACK", SIDE_BE, in, out);
	if (err)
		return err;
	promote_rkey = tb_flow_key(be, PROMOTE_BASE, VPORT, SPORT_BASE,
				   IPPROTO_TCP);
	if (ct_way(lb.maps.ct_opening, &promote_key, &promote_slots[0],
		   &cfg->promote_idx[0]) < 0 ||
	    ct_way(lb.maps.ct_opening_rep, &promote_rkey, &promote_slots[1],
		   &cfg->promote_idx[1]) < 0) {
		pr_err("'tcp_promote': the handshake left no half-open slots");
		return -EPROTO;
	}
	if (!SCMLB_BENCH_SKIP &&
	    (c->state != SCMLB_CT_OPENING ||
	     !(c->flags & SCMLB_FLOW_HALF_OPEN) ||
	     !(c->flags & SCMLB_FLOW_SYN_ACKED) ||
	     c->syn_ack_next != PROMOTE_BE_ISN + 1)) {
		pr_err("'tcp_promote': the half-open flow is not SYN-ACKed");
		return -EPROTO;
	}
	memcpy(cfg->promote_slot, promote_slots, sizeof(promote_slots));
	return 0;
}

/*
 * After a promotion's runs: the last one moved the flow to ct_flows,
 * established, counted once past its half-open count, with its reply
 * entry in ct_replies, and freed its half-open slot. NULL, or what is
 * wrong.
 */
static const char *promote_wrong(void)
{
	struct scmlb_opening_slot slot;
	struct scmlb_flow f;
	__u32 i;

	if (bpf_map_lookup_elem(lb.maps.ct, &promote_key, &f))
		return "the flow is not in ct_flows";
	if (f.state != SCMLB_CT_ESTABLISHED || (f.flags & SCMLB_FLOW_HALF_OPEN))
		return "the flow in ct_flows is not established";
	if (f.packets != promote_slots[0].flow.packets + 1)
		return "the flow in ct_flows counted more than one run";
	if (bpf_map_lookup_elem(lb.maps.ct_replies, &promote_rkey, &f) ||
	    (f.flags & SCMLB_FLOW_HALF_OPEN))
		return "the reply entry is not in ct_replies";
	if (ct_way(lb.maps.ct_opening, &promote_key, &slot, &i) >= 0)
		return "the half-open slot was not freed";
	return NULL;
}

/* output_wrong() of an IPv6 path, redirected. */
static const char *output6_wrong(const struct row *r, const __u8 *in,
				 const __u8 *out)
{
	const size_t th = ETH_HLEN + 40;
	const char *bad;
	__u8 want[16];
	int n;

	if (!csums_valid6(out, BENCH_FRAME_LEN))
		return "a checksum of the rewritten frame does not verify";
	if (r->pkt == PK6_PROXY_EST) {
		bad = proxy_translation_wrong(in + th, out + th);
		if (bad)
			return bad;
	}
	if (r->pkt == PK6_TCP_REPLY) {
		ip6_pton(VIP6, want);
		return memcmp(out + BENCH6_OFF_SADDR, want, 16) ?
		       "reply's source is not the VIP" : NULL;
	}
	for (n = 1; n <= NBE; n++) {
		be6_addr(n, want);
		if (!memcmp(out + BENCH6_OFF_DADDR, want, 16))
			return NULL;
	}
	return "destination is not a backend";
}

/* The last run's output frame must be what the path produces. */
static const char *output_wrong(const struct row *r, const __u8 *in,
				const __u8 *out)
{
	__u32 daddr = get32(out + ETH_HLEN + 16), saddr;
	enum flow_set set = pkt_flows[r->pkt];
	int n;

	if (r->act == XDP_PASS && r->flows == 1)
		return memcmp(in, out, BENCH_FRAME_LEN) ? "passed frame changed" : NULL;
	if (r->pkt == PK_PROXY_SYN)
		return csums_valid(out, BENCH_FRAME_LEN) &&
		       out[ETH_HLEN + 20 + 13] == (TF_SYN | TF_ACK) &&
		       get32(out + ETH_HLEN + 12) == PROXY_VIP ? NULL :
		       "not a valid SYN-ACK from the VIP";
	if (r->pkt == PK_PROXY_ACK && out[ETH_HLEN + 20 + 13] != TF_SYN)
		return "the backend got no SYN";
	if (r->act != XDP_REDIRECT)
		return NULL;
	if (r->pkt >= PK6_FIRST)
		return output6_wrong(r, in, out);
	if (set != FS_N && svc_forward[flow_sets[set].svc] == SCMLB_FWD_DR)
		return !memcmp(in + ETH_HLEN, out + ETH_HLEN,
			       BENCH_FRAME_LEN - ETH_HLEN) &&
		       !memcmp(out, mac_be, ETH_ALEN) ? NULL :
		       "dr changed more than the MACs";
	if (set != FS_N && svc_forward[flow_sets[set].svc] == SCMLB_FWD_IPIP)
		return out[ETH_HLEN + 9] == IPPROTO_IPIP &&
		       csums_valid(out, BENCH_FRAME_LEN + 20) &&
		       !memcmp(in + ETH_HLEN, out + ETH_HLEN + 20,
			       BENCH_FRAME_LEN - ETH_HLEN) ? NULL :
		       "not the client's packet in a valid outer header";
	if (!csums_valid(out, BENCH_FRAME_LEN))
		return "a checksum of the rewritten frame does not verify";
	if (r->pkt == PK_PROXY_EST &&
	    proxy_translation_wrong(in + ETH_HLEN + 20, out + ETH_HLEN + 20))
		return proxy_translation_wrong(in + ETH_HLEN + 20,
					       out + ETH_HLEN + 20);
	if (r->pkt == PK_TCP_REPLY || r->pkt == PK_REPLY_NOCT) {
		saddr = get32(out + ETH_HLEN + 12);
		return saddr == (r->pkt == PK_TCP_REPLY ? VIP : NOCT_VIP) ?
		       NULL : "reply's source is not the VIP";
	}
	/* the data plane and lib/ must agree on flow 0's slot */
	if (set != FS_N && flow_sets[set].svc == SVC_MAGLEV && r->flows == 1)
		return daddr == BE_ADDR(flow_backend(set, 0)) ? NULL :
		       "not the backend the maglev table names";
	for (n = 1; n <= NBE; n++)
		if (daddr == BE_ADDR(n))
			return NULL;
	return "destination is not a backend";
}

/*
 * What flow 0's conntrack packet count must read after @r's runs, given
 * @before: a new flow is created with 1 (again on every run when
 * conntrack is emptied); an established one counts the runs that hit it.
 */
static __u64 flow0_expected(const struct row *r, __u64 before)
{
	/* the first ACK of a cookie opens the flow, the others resend its SYN */
	if (!r->flows || r->forget || r->pkt == PK_PROXY_ACK)
		return 1;
	return before + (r->repeat + r->flows - 1) / r->flows;
}

/**
 * row_measure() - one trial of a path: its baseline, then the path
 * @r:     the path
 * @trial: where its figures go
 *
 * Fails, with its error line, when a run did not take the path.
 *
 * Return: 0 or -errno.
 */
static int row_measure(struct row *r, int trial)
{
	struct scmlb_stats before, after;
	__u8 in[FRAME_MAX], out[BENCH_FRAME_LEN + 20];
	struct bench_cfg *cfg = &harness->bss->cfg;
	__u64 pk_before = 0, pk_after, grew, acks_before = 0;
	__u64 wrr_before[NBE + 1];
	/*
	 * Flow 0's entry, or with fresh flows the last one's: a later flow
	 * hashing to flow 0's half-open slot replaces it.
	 */
	__u32 checked = r->flows ? 0 : r->repeat - 1;
	double base_ns, ns;
	const char *bad;
	enum side side;
	int act, err;

	if (r->pkt == PK_PROXY_ACK) {
		err = proxy_cookie_take();
		if (err) {
			pr_err("'%s': no cookie SYN-ACK: %s", r->key,
			       strerror(-err));
			return err;
		}
	}
	cfg->promote = r->pkt == PK_PROMOTE_ACK;
	if (cfg->promote) {
		err = promote_setup(cfg);
		if (err)
			return err;
	}
	side = pkt_build(r->pkt, in);
	memcpy(cfg->frame, in, BENCH_FRAME_LEN);
	cfg->flows = r->flows;
	cfg->forget = r->forget;
	cfg->opening_mask = scmlb_ct_opening_slots(CT_SIZE) - 1;
	cfg->saddr = get32(in + BENCH_OFF_SADDR);
	cfg->sport = get16(in + BENCH_OFF_SPORT);
	cfg->l4_check = in[ETH_HLEN + 9] == IPPROTO_TCP ? BENCH_OFF_TCP_CHECK :
			BENCH_OFF_UDP_CHECK;
	cfg->v6 = r->pkt >= PK6_FIRST;

	err = run_timed(PROG_PASS, side, r->repeat, out, &act, &base_ns);
	if (!err && act != XDP_PASS)
		err = -EPROTO;
	if (!err && r->prog >= PROG_SCMLB) {
		err = tb_stats_read(&lb, &before);
		pk_before = flow_packets(r->pkt, checked);
		acks_before = proxy_syn_acks();
	}
	if (!err && r->pkt == PK_WRR_SYN)
		err = wrr_conns(wrr_before);
	if (!err)
		err = run_timed(r->prog, side, r->repeat, out, &act, &ns);
	if (err) {
		pr_err("'%s': test run failed: %s", r->key, strerror(-err));
		return err;
	}
	/* a build with stages left out (stages.sh) is timed, not checked */
	if (SCMLB_BENCH_SKIP && r->prog >= PROG_SCMLB)
		goto checked;
	if (act != r->act) {
		pr_err("'%s': ended with %s, expected %s", r->key,
		       act_name(act), act_name(r->act));
		return -EPROTO;
	}
	bad = output_wrong(r, in, out);
	if (bad) {
		pr_err("'%s': %s", r->key, bad);
		return -EPROTO;
	}
	if (r->prog >= PROG_SCMLB) {
		err = tb_stats_read(&lb, &after);
		if (err)
			return err;
		grew = r->cnt == CNT_SYN_ACKS ? proxy_syn_acks() - acks_before :
		       counter_get(&after, r->cnt) - counter_get(&before, r->cnt);
		if (grew != r->repeat) {
			pr_err("'%s': counter grew by %llu in %u runs", r->key,
			       (unsigned long long)grew, r->repeat);
			return -EPROTO;
		}
		pk_after = flow_packets(r->pkt, checked);
		/* a later fragment counts in no conntrack entry */
		if (r->act == XDP_REDIRECT && pkt_flows[r->pkt] != FS_N &&
		    pk_after != flow0_expected(r, pk_before)) {
			pr_err("'%s': flow %u has %llu packets, expected %llu",
			       r->key, checked, (unsigned long long)pk_after,
			       (unsigned long long)flow0_expected(r, pk_before));
			return -EPROTO;
		}
		if (r->pkt == PK_WRR_SYN) {
			err = wrr_picks_check(r, wrr_before);
			if (err)
				return err;
		}
		bad = r->pkt == PK_PROMOTE_ACK ? promote_wrong() : NULL;
		if (bad) {
			pr_err("'%s': %s", r->key, bad);
			return -EPROTO;
		}
	}
checked:
	/* every trial opens the same new flows */
	if (r->pkt == PK6_TCP_SYN)
		flows6_forget();
	if (r->pkt == PK_PROXY_ACK)
		proxy_flow_forget();
	if (r->pkt == PK_PROMOTE_ACK)
		promote_forget();
	if (pkt_flows[r->pkt] != FS_N && flow_sets[pkt_flows[r->pkt]].opened) {
		err = flows_delete(pkt_flows[r->pkt], 0,
				   r->flows ? 1 : r->repeat);
		if (err)
			return err;
	}
	r->base[trial] = base_ns;
	r->net[trial] = ns - base_ns;
	return 0;
}

/* ---- set-up: namespaces of our own, the programs loaded ---- */

static int pin_cpu(void)
{
	cpu_set_t set;

	/*
	 * One CPU: a path runs in the caches its baseline warmed, the LRU
	 * takes from one CPU's free list, and --cpu can pick a quiet one.
	 */
	if (cpu < 0) {
		if (sched_getaffinity(0, sizeof(set), &set))
			return -errno;
		for (cpu = CPU_SETSIZE - 1; cpu > 0 && !CPU_ISSET(cpu, &set); cpu--)
			;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/*
 * Network and mount namespaces of our own, with a fresh bpffs: the veths,
 * the pins and the programs vanish with the process, and no real instance
 * is touched.
 */
static int ns_setup(void)
{
	/* the FIB's way to the clients, for replies without conntrack */
	static const char *const cmds[] = {
		"sysctl -qw net.ipv4.conf.all.forwarding=1",
		"ip addr add 198.18.0.2/24 dev bpk-up",
		"ip neigh replace 198.18.0.1 lladdr 02:00:00:00:c1:01 "
		"dev bpk-up nud permanent",
		"ip route add 100.64.0.0/10 via 198.18.0.1",
	};
	int err = tb_bpffs_setup();
	size_t i;

	if (!err)
		err = tb_net_setup(if_names, SIDE_N, ifindex);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && !err; i++)
		err = tb_run_cmd("%s", cmds[i]);
	return err;
}

/*
 * Load and configure the data plane through lib/ as scmlb-attach does,
 * minus attaching the entry program: the benchmark runs scmlb_main itself.
 */
static int scmlb_setup(void)
{
	struct scmlb_config cfg = {
		.upstream_ifindex = ifindex[SIDE_UP],
		.mode = SCMLB_MODE_NATIVE,
		.conntrack_size = CT_SIZE,
		.next_backend_id = 1,
		.next_service_id = 1,
	};
	int err, i;

	lb.pin_dir = SCMLB_DEFAULT_PIN_DIR;
	memcpy(cfg.upstream_mac, mac_up, ETH_ALEN);
	err = scmlb_pin_dir_prepare(lb.pin_dir, true);
	if (!err)
		err = scmlb_progs_open(lb.pin_dir, CT_SIZE, false, &skel);
	if (!err)
		err = scmlb_progs_load(skel);
	if (!err)
		err = scmlb_maps_open_unpublished(&lb);
	/* hz and the clock reference, which the egress path reads */
	if (!err)
		err = scmlb_clock_calibrate(scmlb_progs_clock_fd(skel), &cfg);
	if (!err)
		err = scmlb_config_write(&lb, &cfg);
	/* every interface a frame is redirected to, as scmlb_iface_add() */
	for (i = 0; !err && i < SIDE_N; i++)
		if (bpf_map_update_elem(lb.maps.tx_ports, &ifindex[i],
					&ifindex[i], BPF_ANY))
			err = -errno;
	if (!err)
		err = scmlb_progs_swap_main(&lb, skel);
	lb.cfg = cfg;
	/* services and backends before the layout, as scmlb-attach -v */
	if (!err)
		err = services_add();
	if (!err)
		err = scmlb_config_refresh(&lb);
	if (!err) {
		lb.cfg.layout_version = SCMLB_LAYOUT_VERSION;
		err = scmlb_config_commit(&lb);
	}
	return err ? err : scmlb_layout_check(&lb);
}

/*
 * The floor's program, loaded on @reuse's maps (its flows stay) or, with
 * @reuse NULL, on maps of its own: its table as large as conntrack, and
 * every interface a redirect target. NULL on failure, with *@err set.
 */
static struct bench_floor *floor_load(const struct bench_floor *reuse,
				      int *err)
{
	struct bench_floor *f = bench_floor__open();
	int i, fd;

	*err = f ? 0 : -errno;
	if (!f)
		return NULL;
	/* a prog array takes one expected_attach_type: scmlb_main's 0 */
	*err = bpf_program__set_expected_attach_type(f->progs.bench_floor, 0);
	if (!*err)
		*err = bpf_map__set_max_entries(f->maps.floor_flows, CT_SIZE);
	if (!*err && reuse)
		*err = bpf_map__reuse_fd(f->maps.floor_flows,
					 bpf_map__fd(reuse->maps.floor_flows));
	if (!*err && reuse)
		*err = bpf_map__reuse_fd(f->maps.floor_tx_ports,
					 bpf_map__fd(reuse->maps.floor_tx_ports));
	f->rodata->floor_vip = htonl(VIP);
	if (!*err)
		*err = bench_floor__load(f);
	fd = bpf_map__fd(f->maps.floor_tx_ports);
	for (i = 0; !*err && !reuse && i < SIDE_N; i++)
		if (bpf_map_update_elem(fd, &ifindex[i], &ifindex[i], BPF_ANY))
			*err = -errno;
	if (*err) {
		bench_floor__destroy(f);
		return NULL;
	}
	return f;
}

/*
 * The harness, the baseline and the floor; the harness gets conntrack
 * itself, to empty it per run (and to put a half-open flow back).
 */
static int refs_setup(void)
{
	int err;

	harness = bench_restore__open();
	pass = bench_pass__open();
	if (!harness || !pass)
		return -errno;
	/* a prog array takes one expected_attach_type: scmlb_main's 0 */
	err = bpf_program__set_expected_attach_type(
		harness->progs.bench_restore, 0);
	if (!err)
		err = bpf_program__set_expected_attach_type(
			pass->progs.bench_pass, 0);
	if (!err)
		err = bpf_map__reuse_fd(harness->maps.bench_ct,
					lb.maps.ct_opening);
	if (!err)
		err = bpf_map__reuse_fd(harness->maps.bench_ct6,
					lb.maps.ct6_opening);
	if (!err)
		err = bpf_map__reuse_fd(harness->maps.bench_ct_rep,
					lb.maps.ct_opening_rep);
	if (!err)
		err = bpf_map__reuse_fd(harness->maps.bench_flows, lb.maps.ct);
	if (!err)
		err = bpf_map__reuse_fd(harness->maps.bench_replies,
					lb.maps.ct_replies);
	if (!err)
		err = bench_restore__load(harness);
	if (!err)
		err = bench_pass__load(pass);
	if (!err)
		floor_skel = floor_load(NULL, &err);
	return err;
}

/**
 * progs_reload() - scmlb's programs and the floor loaded anew, on the same maps
 *
 * The kernel starts each JIT image at a random offset within its
 * allocation chunk (bpf_jit_binary_pack_alloc()), so every load lays
 * the same code out across other cache-line and fetch-block boundaries,
 * and a path's cost moves with it for as long as that load lives. Each
 * trial on a load of its own makes the median over trials one over
 * layouts too, not one draw. scmlb's programs go in as a live upgrade
 * puts them (scmlb_progs_swap_main()); the harness and the baseline,
 * whose cost is subtracted, stay.
 *
 * Return: 0 or -errno; on failure the programs loaded before stay.
 */
static int progs_reload(void)
{
	struct bench_floor *floor_new;
	struct scmlb_bpf *fresh;
	int err;

	err = scmlb_progs_open(lb.pin_dir, CT_SIZE, false, &fresh);
	if (err)
		return err;
	err = scmlb_progs_load(fresh);
	if (!err)
		err = scmlb_progs_swap_main(&lb, fresh);
	if (err) {
		/* the old programs are still in every slot they had */
		scmlb_progs_swap_main(&lb, skel);
		scmlb_progs_close(fresh);
		return err;
	}
	scmlb_progs_close(skel);
	skel = fresh;
	floor_new = floor_load(floor_skel, &err);
	if (!floor_new)
		return err;
	bench_floor__destroy(floor_skel);
	floor_skel = floor_new;
	return 0;
}

/*
 * The floor's figures of each scenario's trials: measured in every trial
 * beside the paths, so that a path's ratio to it is taken trial by trial
 * and a noisy neighbour moves both sides of it.
 */
static double floor_net[SC_N][TRIALS_MAX];

/* Trial @t's floor in scenario @sc: SC_BASE's is the floor row itself. */
static int floor_measure(enum scenario sc, int t)
{
	struct row f = rows[R_FLOOR];
	int err;

	if (sc == SC_BASE) {
		floor_net[sc][t] = rows[R_FLOOR].net[t];
		return 0;
	}
	err = row_measure(&f, t);
	floor_net[sc][t] = f.net[t];
	return err;
}

/* ---- results ---- */

struct summary {
	double median, min, max;
};

/*
 * The median of the per-trial ratios of @num to @den (figures of the same
 * trials), and their middle half, first to third quartile.
 */
struct ratio {
	double median, q1, q3;
};

static struct ratio ratio_per_trial(const double *num, const double *den,
				    int n)
{
	double r[TRIALS_MAX];
	struct ratio out;
	int t;

	for (t = 0; t < n; t++)
		r[t] = den[t] > 0 ? num[t] / den[t] : 0;
	out.median = bench_median(r, n);	/* sorts r */
	out.q1 = r[(n - 1) / 4];
	out.q3 = r[n - 1 - (n - 1) / 4];
	return out;
}

static struct summary summarize(const double *v, int n)
{
	double s[R_N * TRIALS_MAX], median;

	memcpy(s, v, n * sizeof(*s));
	median = bench_median(s, n);
	return (struct summary){
		.median = median,
		.min = s[0],
		.max = s[n - 1],
	};
}

static void fmt(char *buf, size_t size, const char *f, double v)
{
	snprintf(buf, size, f, v);
}

/* A ratio's middle half as a JSON array, which the table prints as is. */
static void fmt_iqr(char *buf, size_t size, const struct ratio *q)
{
	snprintf(buf, size, "[%.2f, %.2f]", q->q1, q->q3);
}

static int print_results(const struct summary *base, int *missed)
{
	static const struct scmlb_column path_cols[] = {
		{ "PATH", "path", SCMLB_COL_STR },
		{ NULL, "description", SCMLB_COL_STR },
		{ "MEDIAN", "median_ns", SCMLB_COL_NUM },
		{ "MIN", "min_ns", SCMLB_COL_NUM },
		{ "MAX", "max_ns", SCMLB_COL_NUM },
		{ NULL, "baseline_ns", SCMLB_COL_NUM },
		{ "X FLOOR", "ratio_to_floor", SCMLB_COL_NUM },
		{ "IQR", "ratio_iqr", SCMLB_COL_RAW },
		{ "TARGET", "target_ratio", SCMLB_COL_NUM },
		{ "RESULT", "result", SCMLB_COL_STR },
	};
	static const struct scmlb_column cmp_cols[] = {
		{ "COMPARISON", "comparison", SCMLB_COL_STR },
		{ NULL, "key", SCMLB_COL_STR },
		{ "RATIO", "ratio", SCMLB_COL_NUM },
		{ "IQR", "ratio_iqr", SCMLB_COL_RAW },
		{ "TARGET", "target_ratio", SCMLB_COL_NUM },
		{ "RESULT", "result", SCMLB_COL_STR },
		{ "NOTE", "note", SCMLB_COL_STR },
	};
	struct scmlb_table *paths = scmlb_table_new(path_cols, ARRAY_SIZE(path_cols));
	struct scmlb_table *cmps = scmlb_table_new(cmp_cols, ARRAY_SIZE(cmp_cols));
	char med[32], min[32], max[32], base_s[32], ratio[32], iqr[48], target[32];
	struct summary s[R_N] = { 0 };
	int misses = 0, ncmps = 0, err = -ENOMEM;
	const char *res;
	size_t i;

	if (!paths || !cmps)
		goto out;
	for (i = 0; i < R_N; i++)
		if (selected[i])
			s[i] = summarize(rows[i].net, trials);
	for (i = 0; i < R_N; i++) {
		const struct row *r = &rows[i];
		const char *cells[] = { json ? r->key : r->desc, r->desc, med,
					min, max, base_s, ratio, iqr, target,
					NULL };
		struct ratio q;
		double x;

		if (!selected[i])
			continue;
		q = ratio_per_trial(r->net, floor_net[r->sc], trials);
		x = q.median;
		fmt_iqr(iqr, sizeof(iqr), &q);
		fmt(med, sizeof(med), "%.1f", s[i].median);
		fmt(min, sizeof(min), "%.1f", s[i].min);
		fmt(max, sizeof(max), "%.1f", s[i].max);
		fmt(base_s, sizeof(base_s), "%.1f",
		    summarize(r->base, trials).median);
		fmt(ratio, sizeof(ratio), "%.2f", x);
		target[0] = 0;
		res = "";
		if (r->target) {
			fmt(target, sizeof(target), json ? "%g" : "<= %g",
			    r->target);
			res = x <= r->target ? "PASS" : "MISS";
			misses += x > r->target;
		}
		cells[9] = res;
		err = scmlb_table_row(paths, cells);
		if (err)
			goto out;
	}
	for (i = 0; i < ARRAY_SIZE(comparisons); i++) {
		const struct comparison *c = &comparisons[i];
		const char *cells[] = { c->desc, c->key, ratio, iqr, target,
					NULL, c->why };
		const struct row *num = &rows[c->num], *den = &rows[c->den];
		struct ratio q;
		double x;

		if (!selected[c->num] || !selected[c->den])
			continue;
		/* trial by trial within a scenario; across, their medians' */
		if (num->sc == den->sc) {
			q = ratio_per_trial(num->net, den->net, trials);
		} else {
			q.median = s[c->num].median / s[c->den].median;
			q.q1 = q.q3 = q.median;
		}
		x = q.median;
		fmt_iqr(iqr, sizeof(iqr), &q);
		fmt(ratio, sizeof(ratio), "%.2f", x);
		target[0] = 0;
		res = "";
		if (c->target) {
			fmt(target, sizeof(target), json ? "%g" : "<= %g",
			    c->target);
			res = x <= c->target ? "PASS" : "MISS";
			misses += x > c->target;
		}
		cells[5] = res;
		ncmps++;
		err = scmlb_table_row(cmps, cells);
		if (err)
			goto out;
	}

	if (json) {
		printf("{\"cpu\": %d, \"trials\": %d, \"baseline_ns\": %.1f, "
		       "\"misses\": %d,\n\"paths\": ", cpu, trials,
		       base->median, misses);
		err = scmlb_table_print(paths, true, stdout);
		if (!err) {
			fputs(", \"comparisons\": ", stdout);
			err = scmlb_table_print(cmps, true, stdout);
		}
		if (!err)
			puts("}");
	} else {
		printf("scmlb per-packet cost: ns/packet net of the baseline, "
		       "%d trials on CPU %d\n", trials, cpu);
		printf("baseline (test-run loop + restore + tail call + "
		       "XDP_PASS): %.1f ns/run (min %.1f, max %.1f)\n\n",
		       base->median, base->min, base->max);
		err = scmlb_table_print(paths, false, stdout);
		if (!err && ncmps) {
			putchar('\n');
			err = scmlb_table_print(cmps, false, stdout);
		}
		if (!err)
			printf("\n%d target%s missed\n", misses,
			       misses == 1 ? "" : "s");
	}
	*missed = misses;
out:
	scmlb_table_free(paths);
	scmlb_table_free(cmps);
	return err;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: bench_pkt [OPTION]...\n"
		"Time scmlb's XDP program per packet with BPF_PROG_TEST_RUN (root).\n"
		"  -t, --trials N        trials per path, %d to %d (default %d)\n"
		"  -c, --cpu N           CPU to run on (default: the last one allowed)\n"
		"  -p, --path KEY        only this path and the floor (repeatable)\n"
		"      --one-load        every trial on the programs' first load\n"
		"                        (default: each trial loads them anew, as\n"
		"                        each load's code lies at another offset)\n"
		"      --fw-networks N   networks the 10,000 rules are spread over,\n"
		"                        %d to %d (default %d; 10000 takes ~5 minutes)\n"
		"      --syn-budget N    a global budget of N new flows a second\n"
		"                        (scmlb-dos set --global), never reached\n"
		"      --syn-chunk N     flows a CPU takes from its pool at once\n"
		"                        (default: scmlb-dos's; 1: one shared counter)\n"
		"  -j, --json            print JSON\n"
		"      --verbose         progress and libbpf messages on stderr\n"
		"  -h, --help            this text\n"
		"Exit status: 0 all targets met, 1 a target missed, 2 bad usage,\n"
		"3 the benchmark failed, 77 not root.\nPaths:",
		TRIALS_MIN, TRIALS_MAX, TRIALS_DEFAULT, FW_FEW, FW_MANY,
		FW_NETS_DEFAULT);
	for (i = 0; i < R_N; i++)
		fprintf(f, "%s %s", i % 4 ? "" : "\n ", rows[i].key);
	fputc('\n', f);
}

static int select_path(const char *key)
{
	static bool narrowed;
	size_t i;

	if (!narrowed) {
		memset(selected, 0, sizeof(selected));
		selected[R_FLOOR] = true;
		narrowed = true;
	}
	for (i = 0; i < R_N; i++) {
		if (!strcmp(rows[i].key, key)) {
			selected[i] = true;
			return 0;
		}
	}
	return -ENOENT;
}

/* One of bench_pkt's own options. */
static int take_opt(int c, const char *arg)
{
	unsigned long v;
	int err = 0;

	switch (c) {
	case 't':
		err = bench_opt_num(arg, "trial count", TRIALS_MIN, TRIALS_MAX,
				    &v);
		if (!err)
			trials = v;
		break;
	case 'c':
		if (bench_parse_num(arg, 0, CPU_SETSIZE - 1, &v)) {
			pr_err("invalid CPU '%s'", arg);
			return 2;
		}
		cpu = v;
		break;
	case 'p':
		if (select_path(arg)) {
			pr_err("unknown path '%s': see --help", arg);
			return 2;
		}
		break;
	case 'N':
		err = bench_opt_num(arg, "network count", FW_FEW, FW_MANY, &v);
		if (!err)
			fw_networks = v;
		break;
	case 'B':
		err = bench_opt_num(arg, "budget", 1, 0xffffffffUL, &v);
		if (!err)
			syn_budget = v;
		break;
	case 'C':
		err = bench_opt_num(arg, "chunk", 1, 0xffffffffUL, &v);
		if (!err)
			syn_chunk = v;
		break;
	case 'L':
		one_load = true;
		break;
	}
	return err;
}

static const struct option long_opts[] = {
	{ "trials", required_argument, NULL, 't' },
	{ "cpu", required_argument, NULL, 'c' },
	{ "path", required_argument, NULL, 'p' },
	{ "fw-networks", required_argument, NULL, 'N' },
	{ "syn-budget", required_argument, NULL, 'B' },
	{ "syn-chunk", required_argument, NULL, 'C' },
	{ "one-load", no_argument, NULL, 'L' },
	BENCH_OPTS_COMMON,
};

static const struct bench_cli cli = {
	"bench_pkt", "t:c:p:jh", long_opts, take_opt, usage, &json,
};

static double now_s(void)
{
	return scmlb_mono_ns() / 1e9;
}

int main(int argc, char **argv)
{
	double t0 = now_s();
	struct summary base_sum;
	int err, sc, t, missed = 0, ret = 3;
	size_t i;

	for (i = 0; i < R_N; i++)
		selected[i] = true;
	if (!bench_start(&cli, argc, argv, &err))
		return err;
	err = libbpf_num_possible_cpus();
	if (err < 0) {
		pr_err("cannot count the CPUs: %s", strerror(-err));
		return 3;
	}
	err = pin_cpu();
	if (err) {
		pr_err("cannot run on CPU %d: %s", cpu, strerror(-err));
		return 3;
	}
	err = ns_setup();
	if (err) {
		pr_err("namespaces: %s", strerror(-err));
		return 3;
	}
	err = scmlb_setup();
	if (!err)
		err = refs_setup();
	if (err) {
		pr_err("loading the programs: %s", strerror(-err));
		goto out;
	}

	for (sc = 0; sc < SC_N; sc++) {
		for (i = 0; i < R_N; i++)
			if ((int)rows[i].sc == sc && selected[i])
				break;
		if (i == R_N)
			continue;
		pr_debug("%.1f s: setting up %s", now_s() - t0, scenario_names[sc]);
		err = scenario_enter(sc);
		if (!err)
			err = syn_budget_setup();
		if (err) {
			pr_err("setting up '%s': %s", scenario_names[sc],
			       strerror(-err));
			goto out;
		}
		pr_debug("%.1f s: measuring", now_s() - t0);
		/*
		 * a trial measures every path once, and the floor: drift
		 * spreads evenly, and each trial has its own floor
		 */
		for (t = 0; t < trials; t++) {
			err = t && !one_load ? progs_reload() : 0;
			if (err) {
				pr_err("loading the programs again: %s",
				       strerror(-err));
				goto out;
			}
			for (i = 0; i < R_N; i++)
				if ((int)rows[i].sc == sc && selected[i] &&
				    row_measure(&rows[i], t))
					goto out;
			if (floor_measure(sc, t))
				goto out;
		}
	}
	pr_debug("%.1f s: done", now_s() - t0);

	/* the plain harness: the floor's baselines stand for all but tcp_new's */
	base_sum = summarize(rows[R_FLOOR].base, trials);
	err = print_results(&base_sum, &missed);
	ret = err ? 3 : missed ? 1 : 0;
out:
	bench_floor__destroy(floor_skel);
	bench_pass__destroy(pass);
	bench_restore__destroy(harness);
	scmlb_maps_close(&lb);
	scmlb_progs_close(skel);
	free(mag_table);
	return ret;
}
