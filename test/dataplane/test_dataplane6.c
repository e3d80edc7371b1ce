// SPDX-License-Identifier: GPL-2.0
/* test_dataplane6.c - TAP tests of the IPv6 data plane with BPF_PROG_TEST_RUN */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backends.h"
#include "frames.h"
#include "maps.h"
#include "scmlb.skel.h"
#include "scmlb_hash.h"
#include "services.h"
#include "testbed.h"

#define VIP6		"2001:db8:0:11::1"	/* tcp 80 rr, udp any rr */
#define VIP6_M		"2001:db8:0:12::1"	/* tcp any maglev */
#define NOT_VIP6	"2001:db8:0:13::1"
#define CLIENT6		"2001:db8:c::7"
#define VIP4		IP4(203, 0, 113, 61)	/* scmlb-attach -v */
#define CLIENT4		IP4(198, 51, 100, 7)
#define BE4		IP4(10, 0, 3, 2)
#define UDP_BE_PORT	5353
#define DR_VIP6		"2001:db8:0:14::1"	/* tcp 80 rr, dr */
/* The router toward the clients, for replies the FIB returns */
#define ROUTER6		"2001:db8:ff::1"
static const __u8 mac_router[ETH_ALEN] = { 0x02, 0, 0, 0, 0xfe, 0x06 };
static __u8 mac_up_real[ETH_ALEN];	/* dp6-up's own, as the FIB gives it */

#define CT_SIZE		1024

/* Backend n: its address, behind dp6-be0 (odd n) or dp6-be1 (even n). */
#define NBE		7
static const char *const be_addr[NBE + 1] = {
	NULL, "2001:db8:3::2", "2001:db8:4::2", "2001:db8:5::2",
	"2001:db8:3::12", "2001:db8:4::12", "2001:db8:5::12",
	"2001:db8:3::22",
};

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc6, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x6a, 0x01 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb6, 0x01 };
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf6, 0x01 };

enum side { SIDE_UP, SIDE_BE0, SIDE_BE1, SIDE_N };

static const char *const if_names[SIDE_N] = { "dp6-up", "dp6-be0", "dp6-be1" };

/* The services: [0] is scmlb-attach -v's IPv4 one. */
enum svc_name { S_V4, S_TCP80, S_UDP, S_MG, S_DR, S_N };

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd;
static __u32 ifindex[SIDE_N];
static __u32 svc_id[S_N], be_id[NBE + 1], be4_id;

/* What a case does to its frame. */
enum verdict {
	V_PASS,			/* back untouched, to the kernel */
	V_FWD,			/* to backend to_be: destination rewritten */
	V_FWD_DR,		/* to backend to_be: MACs only */
	V_RET,			/* a backend's reply, from the VIP */
	V_RET_FIB,		/* the same, the FIB's way: the router's MAC */
};

/*
 * One BPF_PROG_TEST_RUN of an IPv6 frame: from the client (or a backend
 * when from_be), and what must come out, built from scratch with every
 * checksum computed anew: the incremental updates must match it byte
 * for byte.
 */
struct case6 {
	const char *desc;
	int from_be;			/* n: backend n's reply to the client */
	const char *dst;		/* client's frames: NULL is VIP6 */
	__u8 proto;
	__u16 sport, dport;
	__u8 tcp_flags;
	__u32 ack_seq;
	__u16 payload;
	__u8 icmp_type;
	struct ext6 ext[6];
	int n_ext;
	__u16 payload_len;		/* 0: as built */
	bool jumbo;
	__u16 cut;
	bool zero_csum;			/* UDP summing to 0 once rewritten */
	enum verdict v;
	int to_be;
	__u16 new_port;			/* the port rewritten; 0: none */
	bool frag_unmatched;
	int (*setup)(void);
	bool (*check)(void);
};

/* to_be of a maglev case: the backend the test's own pick found */
#define BE_MAGLEV 0
static int maglev_backend;

#define TCP6(sp, dp, fl) .proto = IPPROTO_TCP, .sport = (sp), .dport = (dp), \
			 .tcp_flags = (fl)
#define UDP6(sp, dp, len) .proto = IPPROTO_UDP, .sport = (sp), .dport = (dp), \
			  .payload = (len)
#define EXT(...) .ext = { __VA_ARGS__ }, \
		 .n_ext = sizeof((struct ext6[]){ __VA_ARGS__ }) / \
			  sizeof(struct ext6)
#define HBH { .type = IPPROTO_HOPOPTS }
#define DST { .type = IPPROTO_DSTOPTS, .len8 = 1 }
#define FRAG(off, m) { .type = IPPROTO_FRAGMENT, .frag_offset = (off), \
		       .more = (m), .id = 0x6a6a0001 }

/* The frame of a case as it arrives. */
static struct frame6 case_frame(const struct case6 *c)
{
	struct frame6 f = {
		.proto = c->proto,
		.sport = c->sport,
		.dport = c->dport,
		.tcp_flags = c->tcp_flags,
		.ack_seq = c->ack_seq,
		.payload = c->payload,
		.icmp_type = c->icmp_type,
		.n_ext = c->n_ext,
		.payload_len = c->payload_len,
		.jumbo = c->jumbo,
		.cut = c->cut,
	};

	memcpy(f.ext, c->ext, sizeof(c->ext));
	if (c->from_be) {
		f.src_mac = mac_be;
		f.dst_mac = mac_beif;
		ip6_pton(be_addr[c->from_be], f.saddr);
		ip6_pton(CLIENT6, f.daddr);
	} else {
		f.src_mac = mac_client;
		f.dst_mac = mac_up;
		ip6_pton(CLIENT6, f.saddr);
		ip6_pton(c->dst ? c->dst : VIP6, f.daddr);
	}
	if (c->zero_csum && !c->from_be) {
		static __u8 to[16];

		ip6_pton(be_addr[c->to_be], to);
		f.zero_csum_daddr = to;
		f.zero_csum_dport = c->new_port;
	}
	return f;
}

static int case_be(const struct case6 *c)
{
	return c->to_be == BE_MAGLEV ? maglev_backend : c->to_be;
}

/* The frame that must come out, laid out anew. */
static size_t expected(const struct case6 *c, const struct frame6 *in,
		       __u8 *b)
{
	struct frame6 e = *in;

	switch (c->v) {
	case V_PASS:
		return 0;
	case V_FWD:
		ip6_pton(be_addr[case_be(c)], e.daddr);
		if (c->new_port)
			e.dport = c->new_port;
		/* fall through */
	case V_FWD_DR:
		e.src_mac = mac_beif;
		e.dst_mac = mac_be;
		break;
	case V_RET:
	case V_RET_FIB:
		ip6_pton(c->dst ? c->dst : VIP6, e.saddr);
		if (c->new_port)
			e.sport = c->new_port;
		e.src_mac = c->v == V_RET ? mac_up : mac_up_real;
		e.dst_mac = c->v == V_RET ? mac_client : mac_router;
		break;
	}
	/* a later fragment carries no L4 header: only addresses change */
	return frame6_build(&e, b);
}

static int side_of(const struct case6 *c)
{
	return !c->from_be ? SIDE_UP : c->from_be % 2 ? SIDE_BE0 : SIDE_BE1;
}

/* One case of cases[], as tb_run() hands it over. */
static enum tap_result run_case(const void *arg)
{
	const struct case6 *c = arg;
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	struct scmlb_stats before, after;
	size_t len, elen;
	__u32 out_len = 0;
	int err, act = -1, want;
	struct frame6 f;
	bool ok = true;

	err = c->setup ? c->setup() : 0;
	if (err) {
		note("setup: %s", strerror(-err));
		return RES_FAIL;
	}
	f = case_frame(c);
	len = frame6_build(&f, in);
	elen = expected(c, &f, exp);
	if (!elen) {
		memcpy(exp, in, len);
		elen = len;
	}
	want = c->v == V_PASS ? XDP_PASS : XDP_REDIRECT;
	err = tb_stats6_read(&lb, &before);
	if (!err)
		err = prog_run(main_fd, ifindex[side_of(c)], in, len, out,
			       &out_len, &act);
	if (!err)
		err = tb_stats6_read(&lb, &after);
	if (err) {
		note("BPF_PROG_TEST_RUN: %s", strerror(-err));
		return RES_FAIL;
	}
	ok &= act == want;
	if (act != want)
		note("action: expected %s, got %s", act_name(want),
		     act_name(act));
	ok &= frames_equal(exp, elen, out, out_len);
	if (want == XDP_REDIRECT)
		ok &= csums_valid6(out, out_len);
	/* what the upstream passes is counted passed, once */
	if (want == XDP_PASS && side_of(c) == SIDE_UP &&
	    after.passed != before.passed + 1) {
		note("passed grew by %llu",
		     (unsigned long long)(after.passed - before.passed));
		ok = false;
	}
	if (c->frag_unmatched &&
	    after.frags_unmatched != before.frags_unmatched + 1) {
		note("frags_unmatched did not grow");
		ok = false;
	}
	if (c->check)
		ok &= c->check();
	return ok ? RES_OK : RES_FAIL;
}

/* ---- checks after a run ---- */

static int ct6_get(int fd, const char *src, __u16 sport, const char *dst,
		   __u16 dport, __u8 proto, struct scmlb_flow *f)
{
	struct scmlb_flow6_key key = {
		.src_port = htons(sport),
		.dst_port = htons(dport),
		.proto = proto,
		.family = SCMLB_AF_INET6,
	};

	ip6_pton(src, (__u8 *)key.src_addr);
	ip6_pton(dst, (__u8 *)key.dst_addr);
	return bpf_map_lookup_elem(fd, &key, f) ? -errno : 0;
}

/* The handshake of port 40001 completed: both entries established. */
static bool established_40001(void)
{
	struct scmlb_flow f, r;

	if (ct6_get(lb.maps.ct6, CLIENT6, 40001, VIP6, 80, IPPROTO_TCP, &f) ||
	    ct6_get(lb.maps.ct6_replies, be_addr[1], 80, CLIENT6, 40001,
		    IPPROTO_TCP, &r)) {
		note("the flow is not in ct6_flows and ct6_replies");
		return false;
	}
	if (f.state != SCMLB_CT_ESTABLISHED || f.backend_id != be_id[1]) {
		note("client's entry: state %u backend %u", f.state,
		     f.backend_id);
		return false;
	}
	return true;
}

static bool udp_flow(void)
{
	struct scmlb_flow f;

	if (ct6_get(lb.maps.ct6, CLIENT6, 40100, VIP6, 53, IPPROTO_UDP, &f)) {
		note("no UDP flow in ct6_flows");
		return false;
	}
	return f.state == SCMLB_CT_UDP && f.backend_id == be_id[3];
}

/* The v4 service beside the v6 ones: a v4 SYN to its VIP is balanced. */
static bool v4_beside(void)
{
	struct frame f = {
		.src_mac = mac_client, .dst_mac = mac_up, .saddr = CLIENT4,
		.daddr = VIP4, .proto = IPPROTO_TCP, .sport = 40500,
		.dport = 80, .tcp_flags = TF_SYN,
	};
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;
	int act = -1;
	size_t len = frame_build(&f, in);

	if (prog_run(main_fd, ifindex[SIDE_UP], in, len, out, &out_len, &act))
		return false;
	if (act != XDP_REDIRECT || get32(out + ETH_HLEN + 16) != BE4) {
		note("IPv4 SYN: %s to %08x", act_name(act),
		     get32(out + ETH_HLEN + 16));
		return false;
	}
	return csums_valid(out, out_len);
}

/* scmlb_main's slot emptied: scmlb_entry must reach scmlb_main6 itself. */
static int fx_main_slot_empty(void)
{
	__u32 slot = SCMLB_PROG_MAIN;

	return bpf_map_delete_elem(bpf_map__fd(skel->maps.lb_progs), &slot) ?
	       -errno : 0;
}

/* ... and back, for the cases after. */
static bool main_slot_refilled(void)
{
	int fd = bpf_program__fd(skel->progs.scmlb_main);
	__u32 slot = SCMLB_PROG_MAIN;

	return !bpf_map_update_elem(bpf_map__fd(skel->maps.lb_progs), &slot,
				    &fd, BPF_ANY);
}

/*
 * Maglev: the backend of client port 40300's flow is the table's slot for
 * the flow's hash as the tools compute it (scmlb_flow6_hash()).
 */
static int fx_maglev_pick(void)
{
	struct scmlb_flow6_key key = {
		.src_port = htons(40300),
		.dst_port = htons(443),
		.proto = IPPROTO_TCP,
		.family = SCMLB_AF_INET6,
	};
	__u32 slot = svc_id[S_MG] % SCMLB_MAX_SERVICES, zero = 0, idx, id = 0;
	struct scmlb_id_pair head = { 0 }, pair = { 0 };
	__u32 inner_id, len, entry;
	int inner, n;

	ip6_pton(CLIENT6, (__u8 *)key.src_addr);
	ip6_pton(VIP6_M, (__u8 *)key.dst_addr);
	if (bpf_map_lookup_elem(lb.maps.tables, &slot, &inner_id))
		return -errno;
	inner = bpf_map_get_fd_by_id(inner_id);
	if (inner < 0)
		return -errno;
	/* the length, then the ids, two to an entry */
	bpf_map_lookup_elem(inner, &zero, &head);
	len = head.id[0];
	idx = len ? scmlb_flow6_hash(&key) % len + 1 : 0;
	entry = idx / 2;
	if (!bpf_map_lookup_elem(inner, &entry, &pair))
		id = pair.id[idx % 2];
	close(inner);
	for (n = 4; n <= NBE; n++)
		if (be_id[n] == id)
			maglev_backend = n;
	return maglev_backend ? 0 : -ENOENT;
}

/* Conntrack loses the maglev flow (as a flush, or an eviction would). */
static int fx_forget_maglev(void)
{
	struct scmlb_opening6_slot empty = { 0 };
	__u32 i, slots = scmlb_ct_opening_slots(CT_SIZE);

	for (i = 0; i < slots; i++) {
		if (bpf_map_update_elem(lb.maps.ct6_opening, &i, &empty,
					BPF_ANY) ||
		    bpf_map_update_elem(lb.maps.ct6_opening_rep, &i, &empty,
					BPF_ANY))
			return -errno;
	}
	return 0;
}

/* What lb_reply_index holds for backend 2's port 80 (lib/'s IPv6 sync is the tools'). */
static int fx_reply_index(void)
{
	struct scmlb_reply_key key = {
		.family = SCMLB_AF_INET6,
		.proto = IPPROTO_TCP,
		.port = htons(80),
	};
	struct scmlb_reply_to to = {
		.port = htons(80),
		.service_id = svc_id[S_TCP80],
		.backend_id = be_id[2],
	};

	ip6_pton(be_addr[2], (__u8 *)key.addr);
	ip6_pton(VIP6, (__u8 *)to.vip);
	return bpf_map_update_elem(lb.maps.reply_index, &key, &to, BPF_ANY) ?
	       -errno : 0;
}

static bool stateless_counted(void)
{
	struct scmlb_stats st;

	if (tb_stats6_read(&lb, &st) || st.returned_stateless != 1) {
		note("returned_stateless is not 1");
		return false;
	}
	return true;
}

static const struct case6 cases[] = {
	{ "TCP SYN to the VIP: NAT66 to backend 1, checksum updated",
	  TCP6(40001, 80, TF_SYN), .v = V_FWD, .to_be = 1 },
	{ "SYN-ACK from backend 1: from the VIP to the client",
	  .from_be = 1, TCP6(80, 40001, TF_SYN | TF_ACK), .v = V_RET },
	{ "the client's ACK of the SYN-ACK: established in ct6_flows",
	  TCP6(40001, 80, TF_ACK), .ack_seq = FRAME_SYN_ACKED, .v = V_FWD,
	  .to_be = 1, .check = established_40001 },
	{ "data from backend 1: returned, odd length",
	  .from_be = 1, TCP6(80, 40001, TF_ACK | TF_PSH), .payload = 33,
	  .v = V_RET },
	{ "UDP to the VIP's any-port service: address and port rewritten",
	  UDP6(40100, 53, 13), .v = V_FWD, .to_be = 3,
	  .new_port = UDP_BE_PORT, .check = udp_flow },
	{ "UDP reply from backend 3's port: from the VIP's",
	  .from_be = 3, UDP6(UDP_BE_PORT, 40100, 7), .v = V_RET,
	  .new_port = 53 },
	{ "UDP whose checksum computes to 0 once rewritten: sent as 0xffff",
	  UDP6(40101, 53, 16), .zero_csum = true, .v = V_FWD, .to_be = 3,
	  .new_port = UDP_BE_PORT },
	{ "hop-by-hop and destination options before TCP: balanced",
	  TCP6(40002, 80, TF_SYN), EXT(HBH, DST), .v = V_FWD, .to_be = 2 },
	{ "five extension headers: past the walk, passed",
	  TCP6(40003, 80, TF_SYN), EXT(HBH, DST, DST, DST, DST), .v = V_PASS },
	{ "ESP: cannot be walked, passed",
	  .proto = 50, .payload = 24, .v = V_PASS },
	{ "routing header with 1 segment left: not ours yet, passed",
	  TCP6(40004, 80, TF_SYN),
	  EXT({ .type = IPPROTO_ROUTING, .len8 = 2, .segs_left = 1 }),
	  .v = V_PASS },
	{ "routing header with no segment left: balanced",
	  TCP6(40005, 80, TF_SYN),
	  EXT({ .type = IPPROTO_ROUTING, .len8 = 2 }), .v = V_FWD,
	  .to_be = 1 },
	{ "jumbogram (payload length 0, hop-by-hop): passed",
	  TCP6(40006, 80, TF_SYN), EXT(HBH), .jumbo = true, .v = V_PASS },
	{ "IPv6 header cut short: passed, not aborted",
	  TCP6(40007, 80, TF_SYN), .cut = ETH_HLEN + 30, .v = V_PASS },
	{ "payload length past the frame: passed",
	  TCP6(40008, 80, TF_SYN), .payload_len = 200, .v = V_PASS },
	{ "TCP header cut short by the payload length: passed",
	  TCP6(40009, 80, TF_SYN), .payload_len = 12, .v = V_PASS },
	{ "extension header cut short: passed",
	  TCP6(40010, 80, TF_SYN), EXT({ .type = IPPROTO_DSTOPTS, .len8 = 3 }),
	  .payload_len = 16, .v = V_PASS },
	{ "first fragment of a UDP datagram: balanced, remembered",
	  UDP6(40200, 53, 24), EXT(FRAG(0, true)), .v = V_FWD, .to_be = 3,
	  .new_port = UDP_BE_PORT },
	{ "its later fragment: follows, only the destination rewritten",
	  .proto = IPPROTO_UDP, .payload = 16, EXT(FRAG(4, false)),
	  .v = V_FWD, .to_be = 3 },
	{ "first fragment of backend 3's reply: returned from the VIP",
	  .from_be = 3, UDP6(UDP_BE_PORT, 40200, 24), EXT(FRAG(0, true)),
	  .v = V_RET, .new_port = 53 },
	{ "its later fragment: follows, only the source rewritten",
	  .from_be = 3, .proto = IPPROTO_UDP, .payload = 16,
	  EXT(FRAG(4, false)), .v = V_RET },
	{ "a later fragment of no datagram seen: passed, counted",
	  .proto = IPPROTO_UDP, .payload = 16,
	  EXT({ .type = IPPROTO_FRAGMENT, .frag_offset = 4, .id = 7 }),
	  .v = V_PASS, .frag_unmatched = true },
	{ "neighbour solicitation to the VIP: passed byte-identical",
	  .proto = IPPROTO_ICMPV6, .icmp_type = 135, .payload = 16,
	  .v = V_PASS },
	{ "router solicitation: passed",
	  .proto = IPPROTO_ICMPV6, .icmp_type = 133, .payload = 8,
	  .v = V_PASS },
	{ "echo request to the VIP: the kernel's",
	  .proto = IPPROTO_ICMPV6, .icmp_type = 128, .payload = 8,
	  .v = V_PASS },
	{ "TCP to an address that is no VIP: passed",
	  TCP6(40011, 80, TF_SYN), .dst = NOT_VIP6, .v = V_PASS },
	{ "TCP to a port without a service: passed",
	  TCP6(40012, 81, TF_SYN), .v = V_PASS },
	{ "maglev SYN: the backend its table gives the flow's hash",
	  TCP6(40300, 443, TF_SYN), .dst = VIP6_M, .v = V_FWD,
	  .to_be = BE_MAGLEV, .setup = fx_maglev_pick },
	{ "maglev flow conntrack lost: its ACK finds the same backend",
	  TCP6(40300, 443, TF_ACK), .dst = VIP6_M, .v = V_FWD,
	  .to_be = BE_MAGLEV, .setup = fx_forget_maglev },
	{ "dr service: only the MACs change",
	  TCP6(40400, 80, TF_SYN), .dst = DR_VIP6, .v = V_FWD_DR, .to_be = 7 },
	{ "reply conntrack does not know, from a backend the reply index "
	  "has: from the VIP, the IPv6 FIB's next hop",
	  .from_be = 2, TCP6(80, 40500, TF_ACK), .v = V_RET_FIB,
	  .setup = fx_reply_index, .check = stateless_counted },
	{ "reply from a backend the reply index lacks: passed",
	  .from_be = 4, TCP6(80, 40501, TF_ACK), .v = V_PASS },
	{ "IPv4 and IPv6 services side by side: IPv4 SYN balanced",
	  .proto = IPPROTO_ICMPV6, .icmp_type = 136, .payload = 16,
	  .v = V_PASS, .check = v4_beside },
	{ "scmlb_entry sends IPv6 to scmlb_main6 itself, not through "
	  "scmlb_main: balanced with scmlb_main's slot empty",
	  TCP6(40001, 80, TF_ACK), .ack_seq = FRAME_SYN_ACKED, .v = V_FWD,
	  .to_be = 1, .setup = fx_main_slot_empty,
	  .check = main_slot_refilled },
};

/* ---- setup ---- */

/* Backend @n of service @svc, behind dp6-be0 (odd @n) or dp6-be1. */
static int be_add(int n, __u32 svc, __u16 port)
{
	return tb_backend6_add(&lb, svc, port, n, be_addr[n],
			       ifindex[n % 2 ? SIDE_BE0 : SIDE_BE1], mac_be,
			       mac_beif, &be_id[n]);
}

static int svc6_add(const char *vip, __u8 proto, __u16 port, __u8 sched,
		    __u32 *id)
{
	return tb_service6_add(&lb, vip, proto, port, sched,
			       !strcmp(vip, DR_VIP6) ? SCMLB_FWD_DR :
			       SCMLB_FWD_NAT, id);
}

static int bpf_setup(void)
{
	/* the FIB's way to the clients, for replies without conntrack */
	static const char *const cmds[] = {
		"sysctl -qw net.ipv6.conf.all.disable_ipv6=0",
		"sysctl -qw net.ipv6.conf.all.forwarding=1",
		"sysctl -qw net.ipv6.conf.dp6-up.disable_ipv6=0",
		"sysctl -qw net.ipv6.conf.dp6-be0.disable_ipv6=0",
		"sysctl -qw net.ipv6.conf.dp6-be1.disable_ipv6=0",
		"ip -6 addr add 2001:db8:ff::2/64 dev dp6-up nodad",
		"ip -6 neigh replace " ROUTER6 " lladdr 02:00:00:00:fe:06 "
		"dev dp6-up nud permanent",
		"ip -6 route add 2001:db8:c::/48 via " ROUTER6 " dev dp6-up",
	};
	__u32 prog_main = SCMLB_PROG_MAIN;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(cmds) && !err; i++)
		err = tb_run_cmd("%s", cmds[i]);
	if (!err)
		err = tb_if_mac(ifindex[SIDE_UP], mac_up_real);
	if (err)
		return err;

	/*
	 * As attached: frames enter scmlb_entry, which sends IPv6 straight
	 * to scmlb_main6 (the other tests take the way an older entry
	 * sends it, through scmlb_main).
	 */
	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.lb_progs), &prog_main,
				&main_fd, BPF_ANY))
		return -errno;
	main_fd = bpf_program__fd(skel->progs.scmlb_entry);
	err = tb_instance(&lb, VIP4, ifindex[SIDE_UP], mac_up, CT_SIZE, -1);
	svc_id[S_V4] = lb.cfg.attach_service;
	if (!err)
		err = tb_backend_add(&lb, 1, BE4, ifindex[SIDE_BE0], mac_be,
				     mac_beif, &be4_id);
	if (!err)
		err = svc6_add(VIP6, IPPROTO_TCP, 80, SCMLB_SCHED_RR,
			       &svc_id[S_TCP80]);
	if (!err)
		err = svc6_add(VIP6, IPPROTO_UDP, 0, SCMLB_SCHED_RR,
			       &svc_id[S_UDP]);
	if (!err)
		err = svc6_add(VIP6_M, IPPROTO_TCP, 0, SCMLB_SCHED_MAGLEV,
			       &svc_id[S_MG]);
	if (!err)
		err = be_add(1, svc_id[S_TCP80], 0);
	if (!err)
		err = be_add(2, svc_id[S_TCP80], 0);
	if (!err)
		err = be_add(3, svc_id[S_UDP], UDP_BE_PORT);
	if (!err)
		err = be_add(4, svc_id[S_MG], 0);
	if (!err)
		err = be_add(5, svc_id[S_MG], 0);
	if (!err)
		err = be_add(6, svc_id[S_MG], 0);
	if (!err)
		err = svc6_add(DR_VIP6, IPPROTO_TCP, 80, SCMLB_SCHED_RR,
			       &svc_id[S_DR]);
	/* a dr backend holds the VIP: it answers the client itself */
	if (!err)
		err = be_add(7, svc_id[S_DR], 0);
	return err;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};

	return tb_run(&tb, cases, ARRAY_SIZE(cases), sizeof(cases[0]),
		      run_case);
}
