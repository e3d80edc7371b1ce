// SPDX-License-Identifier: GPL-2.0
/* test_decap.c - TAP tests of scmlb-decap's program: IPIP and ip6ip6 frames in, inner frames out */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "ipip_bed.h"
#include "scmlb_decap.h"
#include "scmlb_decap.skel.h"
#include "testbed.h"

/* Addresses in host order; the frame builder converts them. */
#define VIP		IPIP_VIP		/* on lo, as on a backend */
#define LATE_VIP	IP4(192, 0, 2, 11)	/* added to lo half-way */
#define CLIENT		IP4(198, 51, 100, 7)
#define ELSEWHERE	IP4(198, 51, 100, 99)	/* routed away */
#define VPORT		8080
#define CPORT		40000

static const __u8 mac_lb[ETH_ALEN] = { 0x02, 0, 0, 0, 0x1b, 0x01 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, 0x01 };

/*
 * Frames arrive on one of two interfaces: dcp-fwd forwards (a router's
 * or a container host's), dcp-nofwd does not (a plain backend's).
 */
enum side { SIDE_FWD, SIDE_NOFWD, SIDE_N };

static const char *const if_names[SIDE_N] = { "dcp-fwd", "dcp-nofwd" };

/* One frame through the program; zero fields take the usual value. */
struct tcase {
	const char *desc;
	const char *before;		/* a shell command run first, or NULL */
	enum side side;
	bool plain;			/* send @inner alone, not in IPIP */
	struct frame inner;		/* the inner packet, with the frame's MACs */
	__u8 outer_ihl;			/* 0: 5; above 5 with options */
	__u16 outer_frag;		/* 0: DF */
	__u16 outer_tot;		/* 0: as built; else this, even wrong */
	__u16 pad;			/* Ethernet trailer after the outer packet */
	__u16 cut;			/* nonzero: the frame's length, cut short */
	bool bad_inner_csum;		/* the inner IPv4 header's checksum off by one */
	enum scmlb_decap_stat want;	/* decapsulated: the inner frame comes out */
};

#define UDP_TO(dst)							\
	{ .src_mac = mac_lb, .dst_mac = mac_be, .saddr = CLIENT,	\
	  .daddr = (dst), .proto = IPPROTO_UDP, .sport = CPORT,		\
	  .dport = VPORT, .payload = 24 }

#define SYN_TO(dst)							\
	{ .src_mac = mac_lb, .dst_mac = mac_be, .saddr = CLIENT,	\
	  .daddr = (dst), .proto = IPPROTO_TCP, .sport = CPORT,		\
	  .dport = VPORT, .tcp_flags = TF_SYN }

static const struct tcase cases[] = {
	{ "UDP to the VIP on lo: the inner frame, Ethernet kept",
	  .inner = UDP_TO(VIP), .want = SCMLB_DECAP_DECAPSULATED },
	{ "TCP SYN to the VIP, outer header with options (IHL 8)",
	  .inner = SYN_TO(VIP), .outer_ihl = 8,
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "outer header of 60 bytes (IHL 15)",
	  .inner = UDP_TO(VIP), .outer_ihl = 15,
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "to the interface's own address",
	  .inner = UDP_TO(IPIP_BE_FWD), .want = SCMLB_DECAP_DECAPSULATED },
	{ "Ethernet trailer after the outer packet stays after the inner one",
	  .inner = UDP_TO(VIP), .pad = 10, .want = SCMLB_DECAP_DECAPSULATED },
	{ "inner first fragment: the kernel reassembles it",
	  .inner = { .src_mac = mac_lb, .dst_mac = mac_be, .saddr = CLIENT,
		     .daddr = VIP, .proto = IPPROTO_UDP, .sport = CPORT,
		     .dport = VPORT, .payload = 16, .frag_off = IP_MF },
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "inner header checksum wrong: passed on as it is, the kernel's to drop",
	  .inner = SYN_TO(VIP), .bad_inner_csum = true,
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "on an interface without forwarding",
	  .side = SIDE_NOFWD, .inner = UDP_TO(VIP),
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "inner destination routed away: untouched",
	  .inner = UDP_TO(ELSEWHERE), .want = SCMLB_DECAP_NOT_LOCAL },
	{ "an address not yet on lo: untouched",
	  .inner = UDP_TO(LATE_VIP), .want = SCMLB_DECAP_NOT_LOCAL },
	{ "the same address once on lo: decapsulated, nothing to refresh",
	  .before = "ip addr add 192.0.2.11/32 dev lo",
	  .inner = UDP_TO(LATE_VIP), .want = SCMLB_DECAP_DECAPSULATED },
	{ "inner destination elsewhere, no forwarding there: the kernel keeps "
	  "it (and drops it), so decapsulated",
	  .side = SIDE_NOFWD, .inner = UDP_TO(ELSEWHERE),
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "not IPv4 (ARP): untouched",
	  .plain = true,
	  .inner = { .src_mac = mac_lb, .dst_mac = mac_be, .eth_proto = 0x0806,
		     .saddr = CLIENT, .daddr = VIP, .proto = IPPROTO_UDP },
	  .want = SCMLB_DECAP_PASSED },
	{ "IPv4 UDP, not IPIP: untouched",
	  .plain = true, .inner = UDP_TO(VIP), .want = SCMLB_DECAP_PASSED },
	{ "IPv4 TCP, not IPIP: untouched",
	  .plain = true, .inner = SYN_TO(VIP), .want = SCMLB_DECAP_PASSED },
	{ "IPIP cut short inside the inner packet: untouched",
	  .inner = UDP_TO(VIP), .cut = ETH_HLEN + 20 + 20 + 4,
	  .want = SCMLB_DECAP_INVALID },
	{ "IPIP cut short inside the inner header: untouched",
	  .inner = UDP_TO(VIP), .cut = ETH_HLEN + 20 + 12,
	  .want = SCMLB_DECAP_INVALID },
	{ "outer first fragment: untouched",
	  .inner = UDP_TO(VIP), .outer_frag = IP_MF,
	  .want = SCMLB_DECAP_INVALID },
	{ "outer later fragment: untouched",
	  .inner = UDP_TO(VIP), .outer_frag = 185,
	  .want = SCMLB_DECAP_INVALID },
	{ "outer length shorter than its header: untouched",
	  .inner = UDP_TO(VIP), .outer_tot = 16, .want = SCMLB_DECAP_INVALID },
	{ "outer length beyond the frame: untouched",
	  .inner = UDP_TO(VIP), .outer_tot = 200, .want = SCMLB_DECAP_INVALID },
	{ "inner packet not IPv4: untouched",
	  .inner = { .src_mac = mac_lb, .dst_mac = mac_be, .ip_version = 6,
		     .saddr = CLIENT, .daddr = VIP, .proto = IPPROTO_UDP,
		     .sport = CPORT, .dport = VPORT },
	  .want = SCMLB_DECAP_INVALID },
	{ "inner IHL below 5: untouched",
	  .inner = { .src_mac = mac_lb, .dst_mac = mac_be, .ihl = 4,
		     .saddr = CLIENT, .daddr = VIP, .proto = IPPROTO_UDP,
		     .sport = CPORT, .dport = VPORT },
	  .want = SCMLB_DECAP_INVALID },
	{ "inner length beyond the outer packet: untouched",
	  .inner = { .src_mac = mac_lb, .dst_mac = mac_be, .saddr = CLIENT,
		     .daddr = VIP, .proto = IPPROTO_UDP, .sport = CPORT,
		     .dport = VPORT, .tot_len = 100 },
	  .want = SCMLB_DECAP_INVALID },
};

#define LATE_VIP6	"2001:db8:5::11"	/* added to lo half-way */

/*
 * Add @a to lo and wait (5 s at most) for its local route: IPv6 installs
 * it only when the address leaves its tentative state, from a work queue
 * that needs the RTNL lock, even on lo. While other namespaces come and
 * go, a packet sent right after `ip addr add` missed it (2 runs of 30).
 */
#define ADD_LOCAL6(a)							\
	"ip -6 addr add " a "/128 dev lo && for i in $(seq 50); do "	\
	"ip -6 route show table local " a " | grep -q . && break; "	\
	"sleep 0.1; done"
#define CLIENT6		"2001:db8:c::7"
#define ELSEWHERE6	"2001:db8:99::99"	/* routed away */

/* An IPv6 case: ip6ip6, as scmlb sends it to a backend. */
struct tcase6 {
	const char *desc;
	const char *before;		/* a shell command run first, or NULL */
	enum side side;
	bool plain;			/* send the inner packet alone */
	__u8 proto;			/* IPPROTO_UDP, or IPPROTO_TCP: a SYN */
	const char *dst;		/* the inner destination */
	__u8 inner_version;		/* 0: 6 */
	__u16 inner_plen;		/* 0: as built; else this, even wrong */
	__u8 outer_nexthdr;		/* 0: 41 */
	__u16 outer_plen;		/* 0: as built; else this, even wrong */
	bool jumbo;			/* outer payload length 0 */
	__u16 pad;			/* Ethernet trailer after the outer packet */
	__u16 cut;			/* nonzero: the frame's length, cut short */
	enum scmlb_decap_stat want;
};

static const struct tcase6 cases6[] = {
	{ "IPv6: UDP to the VIP on lo in ip6ip6: the inner frame, Ethernet kept",
	  .dst = IP6IP6_VIP, .want = SCMLB_DECAP_DECAPSULATED },
	{ "IPv6: TCP SYN to the VIP", .proto = IPPROTO_TCP, .dst = IP6IP6_VIP,
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "IPv6: to the interface's own address", .dst = IP6IP6_BE_FWD,
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "IPv6: Ethernet trailer after the outer packet stays after the inner one",
	  .dst = IP6IP6_VIP, .pad = 10, .want = SCMLB_DECAP_DECAPSULATED },
	{ "IPv6: on an interface without forwarding", .side = SIDE_NOFWD,
	  .dst = IP6IP6_VIP, .want = SCMLB_DECAP_DECAPSULATED },
	{ "IPv6: inner destination routed away: untouched", .dst = ELSEWHERE6,
	  .want = SCMLB_DECAP_NOT_LOCAL },
	{ "IPv6: an address not yet on lo: untouched", .dst = LATE_VIP6,
	  .want = SCMLB_DECAP_NOT_LOCAL },
	{ "IPv6: the same address once on lo: decapsulated",
	  .before = ADD_LOCAL6(LATE_VIP6),
	  .dst = LATE_VIP6, .want = SCMLB_DECAP_DECAPSULATED },
	{ "IPv6: inner destination elsewhere, no forwarding there: decapsulated",
	  .side = SIDE_NOFWD, .dst = ELSEWHERE6,
	  .want = SCMLB_DECAP_DECAPSULATED },
	{ "IPv6 UDP, not ip6ip6: untouched", .plain = true, .dst = IP6IP6_VIP,
	  .want = SCMLB_DECAP_PASSED },
	{ "IPv6, next header 4 (IPv4 in IPv6): untouched", .dst = IP6IP6_VIP,
	  .outer_nexthdr = IPPROTO_IPIP, .want = SCMLB_DECAP_PASSED },
	{ "ip6ip6 cut short inside the inner header: untouched",
	  .dst = IP6IP6_VIP, .cut = ETH_HLEN + 40 + 20,
	  .want = SCMLB_DECAP_INVALID },
	{ "ip6ip6 outer payload length beyond the frame: untouched",
	  .dst = IP6IP6_VIP, .outer_plen = 400, .want = SCMLB_DECAP_INVALID },
	{ "ip6ip6 outer payload length 0 (a jumbogram): untouched",
	  .dst = IP6IP6_VIP, .jumbo = true, .want = SCMLB_DECAP_INVALID },
	{ "ip6ip6 inner packet not IPv6: untouched", .dst = IP6IP6_VIP,
	  .inner_version = 4, .want = SCMLB_DECAP_INVALID },
	{ "ip6ip6 inner length beyond the outer packet: untouched",
	  .dst = IP6IP6_VIP, .inner_plen = 100, .want = SCMLB_DECAP_INVALID },
};

static struct scmlb_decap_bpf *skel;
static __u32 ifindex[SIDE_N];
static int stats_fd;

/*
 * The frame a case sends into @b, and in @exp the one that must come
 * out; returns the lengths through @len and @exp_len.
 */
static void case_frames(const struct tcase *c, __u8 *b, size_t *len,
			__u8 *exp, size_t *exp_len)
{
	const struct ipip_outer outer = {
		.saddr = IPIP_LB,
		.daddr = c->side == SIDE_FWD ? IPIP_BE_FWD : IPIP_BE_NOFWD,
		.ihl = c->outer_ihl,
		.frag_off = c->outer_frag,
		.tot_len = c->outer_tot,
	};
	__u8 in[FRAME_MAX];
	size_t in_len = frame_build(&c->inner, in);

	if (c->bad_inner_csum)
		in[ETH_HLEN + 11] ^= 1;
	if (c->plain) {
		memcpy(b, in, in_len);
		*len = in_len;
	} else {
		*len = frame_build_ipip(&c->inner, &outer, b);
		/* the inner packet ends the frame */
		if (c->bad_inner_csum)
			b[*len - (in_len - ETH_HLEN) + 11] ^= 1;
	}
	memset(b + *len, PAD_BYTE, c->pad);
	*len += c->pad;
	if (c->cut)
		*len = c->cut;
	if (c->want != SCMLB_DECAP_DECAPSULATED) {
		memcpy(exp, b, *len);
		*exp_len = *len;
		return;
	}
	memcpy(exp, in, in_len);
	memset(exp + in_len, PAD_BYTE, c->pad);
	*exp_len = in_len + c->pad;
}

/*
 * Run frame @b of @len bytes on @side: it must come out as @exp, counted
 * as @want (and, decapsulated, its checksums verify unless @bad_csum).
 */
static enum tap_result run_frames(const char *before, enum side side,
				  const __u8 *b, size_t len, const __u8 *exp,
				  size_t exp_len, enum scmlb_decap_stat want,
				  bool v6, bool bad_csum)
{
	__u64 before_n[SCMLB_DECAP_STATS], after[SCMLB_DECAP_STATS];
	__u8 out[2 * FRAME_MAX];
	__u32 out_len, k;
	int act, err;
	bool ok;

	if (before && tb_run_cmd("%s", before))
		return RES_FAIL;
	err = decap_stats_read(stats_fd, before_n);
	if (!err)
		err = prog_run(bpf_program__fd(skel->progs.scmlb_decap),
			       ifindex[side], b, len, out, &out_len, &act);
	if (!err)
		err = decap_stats_read(stats_fd, after);
	if (err) {
		note("test run: %s", strerror(-err));
		return RES_FAIL;
	}
	ok = run_out_ok(XDP_PASS, act, exp, exp_len, out, out_len);
	if (want == SCMLB_DECAP_DECAPSULATED && !bad_csum)
		ok &= v6 ? csums_valid6(out, out_len) : csums_valid(out, out_len);
	for (k = 0; k < SCMLB_DECAP_STATS; k++) {
		__u64 grew = after[k] - before_n[k], w = k == want;

		if (grew != w) {
			note("decap_stats[%u] grew by %llu, not %llu", k,
			     (unsigned long long)grew, (unsigned long long)w);
			ok = false;
		}
	}
	return ok ? RES_OK : RES_FAIL;
}

static enum tap_result run_case(const struct tcase *c)
{
	__u8 b[FRAME_MAX], exp[FRAME_MAX];
	size_t len, exp_len;

	case_frames(c, b, &len, exp, &exp_len);
	return run_frames(c->before, c->side, b, len, exp, exp_len, c->want,
			  false, c->bad_inner_csum);
}

static enum tap_result run_case6(const struct tcase6 *c)
{
	struct frame6 inner = c->proto == IPPROTO_TCP ?
		build_tcp6(CLIENT6, CPORT, c->dst, VPORT, TF_SYN) :
		build_udp6(CLIENT6, CPORT, c->dst, VPORT, 24);
	const struct ip6ip6_outer outer = {
		.saddr = IP6IP6_LB,
		.daddr = c->side == SIDE_FWD ? IP6IP6_BE_FWD : IP6IP6_BE_NOFWD,
		.nexthdr = c->outer_nexthdr,
		.payload_len = c->outer_plen,
	};
	__u8 b[FRAME_MAX], exp[FRAME_MAX];
	size_t len, exp_len;

	inner.src_mac = mac_lb;
	inner.dst_mac = mac_be;
	inner.ip_version = c->inner_version;
	inner.payload_len = c->inner_plen;
	exp_len = frame6_build(&inner, exp);
	if (c->plain) {
		memcpy(b, exp, exp_len);
		len = exp_len;
	} else {
		len = frame_build_ip6ip6(&inner, &outer, b);
	}
	if (c->jumbo)
		put16(b + ETH_HLEN + 4, 0);
	memset(b + len, PAD_BYTE, c->pad);
	len += c->pad;
	if (c->cut)
		len = c->cut;
	if (c->want != SCMLB_DECAP_DECAPSULATED) {
		memcpy(exp, b, len);
		exp_len = len;
	} else {
		memset(exp + exp_len, PAD_BYTE, c->pad);
		exp_len += c->pad;
	}
	return run_frames(c->before, c->side, b, len, exp, exp_len, c->want,
			  true, false);
}

int main(void)
{
	size_t i;
	int err, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		printf("1..0 # SKIP needs root (BPF, a network namespace)\n");
		return 0;
	}
	err = ipip_backend_setup(if_names, ifindex);
	if (err) {
		printf("Bail out! network namespace: %s\n", strerror(-err));
		return 1;
	}
	skel = scmlb_decap_bpf__open_and_load();
	if (!skel) {
		printf("Bail out! loading scmlb_decap: %s\n", strerror(errno));
		return 1;
	}
	stats_fd = bpf_map__fd(skel->maps.decap_stats);
	printf("1..%zu\n", ARRAY_SIZE(cases) + ARRAY_SIZE(cases6));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		notes_reset();
		failed += tap_case(i + 1, cases[i].desc, run_case(&cases[i]),
				   NULL);
	}
	for (i = 0; i < ARRAY_SIZE(cases6); i++) {
		notes_reset();
		failed += tap_case(ARRAY_SIZE(cases) + i + 1, cases6[i].desc,
				   run_case6(&cases6[i]), NULL);
	}
	scmlb_decap_bpf__destroy(skel);
	return failed ? 1 : 0;
}
