// SPDX-License-Identifier: GPL-2.0
/* test_forward.c - TAP tests of dr and ipip services: frames byte for byte, conntrack, ICMP too big */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "maps.h"
#include "scheduler.h"
#include "scmlb.skel.h"
#include "scmlb_hash.h"
#include "services.h"
#include "testbed.h"

/* Addresses and ports in host order. */
#define CLIENT		IP4(198, 51, 100, 7)
#define ROUTER		IP4(192, 0, 2, 1)
#define VIP_NAT		IP4(203, 0, 113, 40)	/* attach -v: nat */
#define VIP_DR		IP4(203, 0, 113, 41)	/* tcp 80, dr, rr */
#define VIP_IP		IP4(203, 0, 113, 42)	/* tcp 80, ipip, rr */
#define VIP_SMALL	IP4(203, 0, 113, 43)	/* tcp 80, ipip, small MTU */
#define VIP_DRM		IP4(203, 0, 113, 44)	/* tcp, dr, maglev */
#define VIP_IPM		IP4(203, 0, 113, 45)	/* tcp, ipip, maglev */

#define CT_SIZE		1024
/* The MTU of the interface toward the backend of VIP_SMALL. */
#define SMALL_MTU	120

enum side { SIDE_UP, SIDE_BE, SIDE_SMALL, SIDE_MTU6, SIDE_TINY6, SIDE_N };

static const char *const if_names[SIDE_N] = { "fwt-up", "fwt-be", "fwt-sm",
					      "fwt-m6", "fwt-t6" };

/*
 * IPv6: ipip is ip6ip6. An interface whose MTU leaves room for IPv6's
 * minimum (1280) once encapsulated, and one that does not.
 */
#define MTU6		1320
#define TINY_MTU6	1300
#define CLIENT6		"2001:db8:c::7"
#define ROUTER6		"2001:db8:1::1"
#define VIP6_DR		"2001:db8:100::41"	/* tcp 80, dr */
#define VIP6_IP		"2001:db8:100::42"	/* tcp 80, ipip */
#define VIP6_MTU	"2001:db8:100::43"	/* tcp 80, ipip, MTU6 */
#define VIP6_TINY	"2001:db8:100::44"	/* tcp 80, ipip, TINY_MTU6 */
#define BIG_FRAME	2048

enum svc_name { S_NAT, S_DR, S_IP, S_SMALL, S_DRM, S_IPM, S_DR6, S_IP6,
		S_MTU6, S_TINY6, S_N };

static const struct {
	__u32 vip;
	__u16 port;
	__u8 sched;
	__u8 forward;
	const char *vip6;		/* an IPv6 service */
} svc_specs[S_N] = {
	[S_DR] = { VIP_DR, 80, SCMLB_SCHED_RR, SCMLB_FWD_DR },
	[S_IP] = { VIP_IP, 80, SCMLB_SCHED_RR, SCMLB_FWD_IPIP },
	[S_SMALL] = { VIP_SMALL, 80, SCMLB_SCHED_RR, SCMLB_FWD_IPIP },
	[S_DRM] = { VIP_DRM, 0, SCMLB_SCHED_MAGLEV, SCMLB_FWD_DR },
	[S_IPM] = { VIP_IPM, 0, SCMLB_SCHED_MAGLEV, SCMLB_FWD_IPIP },
	[S_DR6] = { 0, 80, SCMLB_SCHED_RR, SCMLB_FWD_DR, VIP6_DR },
	[S_IP6] = { 0, 80, SCMLB_SCHED_RR, SCMLB_FWD_IPIP, VIP6_IP },
	[S_MTU6] = { 0, 80, SCMLB_SCHED_RR, SCMLB_FWD_IPIP, VIP6_MTU },
	[S_TINY6] = { 0, 80, SCMLB_SCHED_RR, SCMLB_FWD_IPIP, VIP6_TINY },
};

/* Backends: one per rr service, three per maglev one. */
enum be_name { B_NONE, B_DR, B_IP, B_SMALL, B_DM1, B_DM2, B_DM3, B_IM1,
	       B_IM2, B_IM3, B_DR6, B_IP6, B_MTU6, B_TINY6, B_N };

static const enum svc_name be_svc[B_N] = {
	[B_DR] = S_DR, [B_IP] = S_IP, [B_SMALL] = S_SMALL, [B_DM1] = S_DRM,
	[B_DM2] = S_DRM, [B_DM3] = S_DRM, [B_IM1] = S_IPM, [B_IM2] = S_IPM,
	[B_IM3] = S_IPM, [B_DR6] = S_DR6, [B_IP6] = S_IP6, [B_MTU6] = S_MTU6,
	[B_TINY6] = S_TINY6,
};

#define BE_ADDR(n)	IP4(10, 0, 20, 10 + (n))

/* An IPv6 backend's address, 2001:db8:20::(10 + n), as text. */
static const char *be6_text(int n)
{
	static char text[32];

	snprintf(text, sizeof(text), "2001:db8:20::%x", 10 + n);
	return text;
}

static void be6_addr(int n, __u8 *addr)
{
	ip6_pton(be6_text(n), addr);
}

/* Our interface toward each IPv6 backend. */
static const enum side be6_side[B_N] = {
	[B_DR6] = SIDE_BE, [B_IP6] = SIDE_BE, [B_MTU6] = SIDE_MTU6,
	[B_TINY6] = SIDE_TINY6,
};

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static __u8 mac_be[B_N][ETH_ALEN], mac_beif[B_N][ETH_ALEN];

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd;
static __u32 ifindex[SIDE_N];
static __u32 svc_id[S_N], be_id[B_N];

/* A client's TCP frame to @vip:@dport from port @sport. */
static struct frame client_frame(__u32 vip, __u16 dport, __u16 sport,
				 __u8 flags)
{
	return (struct frame){
		.src_mac = mac_client, .dst_mac = mac_up,
		.saddr = CLIENT, .daddr = vip, .proto = IPPROTO_TCP,
		.sport = sport, .dport = dport, .tcp_flags = flags,
		.payload = flags & TF_SYN ? 0 : 12,
	};
}

/* The outer source an ipip flow must get, from the flow's hash. */
static __u32 want_source(const struct frame *f)
{
	struct scmlb_flow_key key = tb_frame_key(f);
	__u32 h = scmlb_flow_hash(&key);

	return SCMLB_IPIP_SRC_NET | ((h ^ h >> 16) & 0xffff);
}

/* A 20-byte IPv4 header at @ip, its checksum summed here. */
static void put_ip(__u8 *ip, __u8 tos, __u16 tot_len, __u16 frag, __u8 proto,
		   __u32 src, __u32 dst)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = tos;
	put16(ip + 2, tot_len);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, ~sum_fold(sum16(ip, 20, 0)));
}

static void put_eth(__u8 *b, const __u8 *dst, const __u8 *src)
{
	memcpy(b, dst, ETH_ALEN);
	memcpy(b + ETH_ALEN, src, ETH_ALEN);
	put16(b + 2 * ETH_ALEN, ETH_P_IP);
}

/* Frame @in of @len bytes as dr sends it to @be: only the MACs changed. */
static size_t to_be_as_is(const __u8 *in, size_t len, int be, __u8 *b)
{
	memcpy(b, in, len);
	memcpy(b, mac_be[be], ETH_ALEN);
	memcpy(b + ETH_ALEN, mac_beif[be], ETH_ALEN);
	return len;
}

/* What dr sends: the client's frame with the backend's MACs. */
static size_t want_dr(const struct frame *f, int be, __u8 *b)
{
	struct frame out = *f;

	out.src_mac = mac_beif[be];
	out.dst_mac = mac_be[be];
	return frame_build(&out, b);
}

/* Frame @in of @len bytes as ipip sends it: an outer header from @src. */
static size_t wrap_ipip(const __u8 *in, size_t len, int be, __u32 src,
			__u8 *b)
{
	__u16 frag = get16(in + ETH_HLEN + 6) & IP_DF;

	len -= ETH_HLEN;
	put_eth(b, mac_be[be], mac_beif[be]);
	put_ip(b + ETH_HLEN, in[ETH_HLEN + 1], len + 20, frag, IPPROTO_IPIP,
	       src, BE_ADDR(be));
	memcpy(b + ETH_HLEN + 20, in + ETH_HLEN, len);
	return ETH_HLEN + 20 + len;
}

/* What ipip sends of @f: an outer header from @src to the backend. */
static size_t want_ipip(const struct frame *f, int be, __u32 src, __u8 *b)
{
	__u8 inner[FRAME_MAX];

	return wrap_ipip(inner, frame_build(f, inner), be, src, b);
}

/* Run @in from the upstream; the action and output frame must be @act, @exp. */
static bool run_expect(const struct frame *in, int act_want, const __u8 *exp,
		       size_t exp_len, __u8 *out, __u32 *out_len)
{
	__u8 b[FRAME_MAX];
	size_t len = frame_build(in, b);
	int act = -1, err;

	err = prog_run(main_fd, ifindex[SIDE_UP], b, len, out, out_len, &act);
	if (err) {
		note("BPF_PROG_TEST_RUN: %s", strerror(-err));
		return false;
	}
	return run_out_ok(act_want, act, exp, exp_len, out, *out_len);
}

/* The client's entry of @f's flow: where it is, its state and mode. */
static bool flow_ok(const struct frame *f, bool opening, __u8 state,
		    __u8 forward, int be)
{
	struct scmlb_flow_key key = tb_frame_key(f);
	struct tb_flow got;
	bool ok = true;

	if (tb_flow_read(&lb, &key, &got) || !got.has_client) {
		note("no conntrack entry for the flow");
		return false;
	}
	if (got.has_reply) {
		note("a reply entry: dr and ipip flows need none");
		ok = false;
	}
	if (got.opening != opening || got.client.state != state ||
	    got.client.forward != forward ||
	    got.client.backend_id != be_id[be]) {
		note("flow: %s, state %u, forward %u, backend %u; expected %s, "
		     "%u, %u, %u", got.opening ? "half-open" : "in ct_flows",
		     got.client.state, got.client.forward,
		     got.client.backend_id, opening ? "half-open" :
		     "in ct_flows", state, forward, be_id[be]);
		ok = false;
	}
	return ok;
}

static bool t_dr_syn(void)
{
	struct frame f = client_frame(VIP_DR, 80, 40001, TF_SYN);
	__u8 exp[FRAME_MAX], out[2 * FRAME_MAX];
	__u64 fwd = tb_stat_of(&lb, TB_FORWARDED);
	__u32 out_len;
	bool ok;

	ok = run_expect(&f, XDP_REDIRECT, exp, want_dr(&f, B_DR, exp), out,
			&out_len);
	ok &= flow_ok(&f, true, SCMLB_CT_OPENING, SCMLB_FWD_DR, B_DR);
	if (tb_stat_of(&lb, TB_FORWARDED) != fwd + 1) {
		note("forwarded did not grow by 1");
		ok = false;
	}
	return ok;
}

/* Its SYN-ACK never comes by: the client's first ACK promotes it. */
static bool t_dr_ack(void)
{
	struct frame f = client_frame(VIP_DR, 80, 40001, TF_ACK);
	__u8 exp[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;
	bool ok;

	f.ack_seq = 0x7654321;		/* acknowledges what we never saw */
	ok = run_expect(&f, XDP_REDIRECT, exp, want_dr(&f, B_DR, exp), out,
			&out_len);
	return ok & flow_ok(&f, false, SCMLB_CT_ESTABLISHED, SCMLB_FWD_DR,
			    B_DR);
}

/*
 * A router's "fragmentation needed" about the backend's reply to flow
 * @sport of @vip: to the backend as it is (dr) or in IPIP from the
 * flow's outer source.
 */
static bool reply_icmp(__u32 vip, __u16 sport, int be, __u8 forward)
{
	struct frame quoted = {
		.src_mac = mac_up, .dst_mac = mac_client, .saddr = vip,
		.daddr = CLIENT, .proto = IPPROTO_TCP, .sport = 80,
		.dport = sport, .tcp_flags = TF_ACK, .payload = 100,
	};
	struct frame err = {
		.src_mac = mac_client, .dst_mac = mac_up, .saddr = ROUTER,
		.daddr = vip,
	};
	struct frame flow = client_frame(vip, 80, sport, TF_ACK);
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	size_t len = frame_build_icmp_err(&err, 3, 4, 1400, &quoted, 8, in);
	size_t exp_len;
	__u32 out_len = 0;
	int act = -1;

	if (forward == SCMLB_FWD_IPIP)
		exp_len = wrap_ipip(in, len, be, want_source(&flow), exp);
	else
		exp_len = to_be_as_is(in, len, be, exp);
	if (prog_run(main_fd, ifindex[SIDE_UP], in, len, out, &out_len, &act))
		return false;
	return run_out_ok(XDP_REDIRECT, act, exp, exp_len, out, out_len);
}

static bool t_dr_icmp(void)
{
	return reply_icmp(VIP_DR, 40001, B_DR, SCMLB_FWD_DR);
}

static bool t_ipip_icmp(void)
{
	return reply_icmp(VIP_IP, 40002, B_IP, SCMLB_FWD_IPIP);
}

static __u32 last_source;

static bool t_ipip_syn(void)
{
	struct frame f = client_frame(VIP_IP, 80, 40002, TF_SYN);
	__u8 exp[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;
	bool ok;

	f.ip_id = 0x1234;
	ok = run_expect(&f, XDP_REDIRECT, exp,
			want_ipip(&f, B_IP, want_source(&f), exp), out,
			&out_len);
	last_source = get32(out + ETH_HLEN + 12);
	if (last_source >> 16 != SCMLB_IPIP_SRC_NET >> 16) {
		note("outer source %08x outside 198.18.0.0/16", last_source);
		ok = false;
	}
	return ok & flow_ok(&f, true, SCMLB_CT_OPENING, SCMLB_FWD_IPIP, B_IP);
}

static bool t_ipip_same_flow(void)
{
	struct frame f = client_frame(VIP_IP, 80, 40002, TF_ACK);
	__u8 exp[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;
	bool ok;

	ok = run_expect(&f, XDP_REDIRECT, exp,
			want_ipip(&f, B_IP, want_source(&f), exp), out,
			&out_len);
	if (get32(out + ETH_HLEN + 12) != last_source) {
		note("outer source changed within the flow");
		ok = false;
	}
	return ok & flow_ok(&f, false, SCMLB_CT_ESTABLISHED, SCMLB_FWD_IPIP,
			    B_IP);
}

/* Flows differ by their client port: sixteen flows, sixteen sources. */
static bool t_ipip_sources_spread(void)
{
	__u32 seen[16];
	bool ok = true;
	int i, j;

	for (i = 0; i < 16; i++) {
		struct frame f = client_frame(VIP_IP, 80, 41000 + i, TF_SYN);
		__u8 exp[FRAME_MAX], out[2 * FRAME_MAX];
		__u32 out_len;

		ok &= run_expect(&f, XDP_REDIRECT, exp,
				 want_ipip(&f, B_IP, want_source(&f), exp),
				 out, &out_len);
		seen[i] = get32(out + ETH_HLEN + 12);
		for (j = 0; j < i; j++)
			if (seen[j] == seen[i]) {
				note("flows %d and %d share source %08x", j, i,
				     seen[i]);
				ok = false;
			}
	}
	return ok;
}

/* Open @sport's flow to VIP_SMALL with a SYN, which fits. */
static bool small_open(__u16 sport)
{
	struct frame f = client_frame(VIP_SMALL, 80, sport, TF_SYN);
	__u8 exp[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;

	return run_expect(&f, XDP_REDIRECT, exp,
			  want_ipip(&f, B_SMALL, want_source(&f), exp), out,
			  &out_len);
}

/* DF and too big once encapsulated: the client hears it from the VIP. */
static bool t_ipip_too_big(void)
{
	struct frame f = client_frame(VIP_SMALL, 80, 40003, TF_ACK);
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX], *ip, *icmp;
	size_t quote;
	__u64 big = tb_stat_of(&lb, TB_TOO_BIG);
	__u32 out_len;
	bool ok;

	if (!small_open(40003))
		return false;
	f.payload = 100;		/* 140 bytes: 160 in IPIP > 120 */
	frame_build(&f, in);
	quote = 20 + 64;
	put_eth(exp, mac_client, mac_up);
	ip = exp + ETH_HLEN;
	icmp = ip + 20;
	put_ip(ip, 0, 20 + 8 + quote, 0, IPPROTO_ICMP, VIP_SMALL, CLIENT);
	memset(icmp, 0, 8);
	icmp[0] = 3;
	icmp[1] = 4;
	put16(icmp + 6, SMALL_MTU - 20);
	memcpy(icmp + 8, in + ETH_HLEN, quote);
	put16(icmp + 2, ~sum_fold(sum16(icmp, 8 + quote, 0)));
	ok = run_expect(&f, XDP_TX, exp, ETH_HLEN + 28 + quote, out, &out_len);
	ok &= csums_valid(out, out_len);
	if (tb_stat_of(&lb, TB_TOO_BIG) != big + 1) {
		note("too_big did not grow by 1");
		ok = false;
	}
	return ok;
}

/*
 * What a frame too big to encapsulate, with no error to send back, must
 * come to: dropped, too_big grown by 1 from @big, forwarded still @fwd.
 */
static bool dropped_too_big(int act, __u64 big, __u64 fwd)
{
	bool counted = tb_stat_of(&lb, TB_TOO_BIG) == big + 1 &&
		       tb_stat_of(&lb, TB_FORWARDED) == fwd;

	if (act != XDP_DROP)
		note("action: expected XDP_DROP, got %s", act_name(act));
	if (!counted)
		note("too_big did not grow by 1, or forwarded grew");
	return act == XDP_DROP && counted;
}

static bool t_ipip_too_big_no_df(void)
{
	struct frame f = client_frame(VIP_SMALL, 80, 40004, TF_ACK);
	__u8 out[2 * FRAME_MAX];
	__u64 big, fwd;
	__u32 out_len;
	__u8 in[FRAME_MAX];
	int act = -1;
	size_t len;

	if (!small_open(40004))
		return false;
	big = tb_stat_of(&lb, TB_TOO_BIG);
	fwd = tb_stat_of(&lb, TB_FORWARDED);
	f.payload = 100;
	len = frame_build(&f, in);
	/* frame_build's 0 means DF: clear it, with the checksum */
	in[ETH_HLEN + 6] = 0;
	put16(in + ETH_HLEN + 10, 0);
	put16(in + ETH_HLEN + 10, ~sum_fold(sum16(in + ETH_HLEN, 20, 0)));
	if (prog_run(main_fd, ifindex[SIDE_UP], in, len, out, &out_len, &act))
		return false;
	return dropped_too_big(act, big, fwd);
}

/*
 * A datagram's first fragment and a later one of the same IP id: the
 * later one, without ports, goes where the first went, as it is (dr)
 * or in IPIP from the first's outer source.
 */
static bool fragments(__u32 vip, __u16 sport, int be, __u8 forward)
{
	struct frame first = client_frame(vip, 80, sport, TF_ACK);
	struct frame later;
	__u8 exp[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;
	size_t len;
	bool ok;

	first.frag_off = IP_MF;
	first.ip_id = 0x2001;
	later = first;
	later.frag_off = 16;
	len = forward == SCMLB_FWD_DR ? want_dr(&first, be, exp) :
	      want_ipip(&first, be, want_source(&first), exp);
	ok = run_expect(&first, XDP_REDIRECT, exp, len, out, &out_len);
	len = forward == SCMLB_FWD_DR ? want_dr(&later, be, exp) :
	      want_ipip(&later, be, want_source(&first), exp);
	return ok & run_expect(&later, XDP_REDIRECT, exp, len, out, &out_len);
}

static bool t_dr_fragments(void)
{
	return fragments(VIP_DR, 40001, B_DR, SCMLB_FWD_DR);
}

static bool t_ipip_fragments(void)
{
	return fragments(VIP_IP, 40002, B_IP, SCMLB_FWD_IPIP);
}

/* The backend a maglev service's table picks for @f. */
static int maglev_pick(enum svc_name s, const struct frame *f)
{
	static __u32 table[SCMLB_TABLE_SIZE];
	struct scmlb_sched_backend sb[3];
	struct scmlb_flow_key key = tb_frame_key(f);
	size_t k = 0;
	int n;

	for (n = 1; n < B_N; n++)
		if (be_svc[n] == s)
			tb_sched_backend(&sb[k++], be_id[n], BE_ADDR(n), 0, 1);
	if (scmlb_maglev_build(sb, k, SCMLB_TABLE_SIZE, table))
		return B_NONE;
	for (n = 1; n < B_N; n++)
		if (be_id[n] == table[scmlb_flow_hash(&key) % SCMLB_TABLE_SIZE])
			return n;
	return B_NONE;
}

/*
 * A mid-flow packet of a flow this load balancer never saw (ECMP moved
 * it here): the table's backend, tracked as established from then on.
 */
static bool mid_flow(enum svc_name s, __u32 vip, __u8 forward)
{
	bool ok = true;
	int i;

	for (i = 0; i < 4; i++) {
		struct frame f = client_frame(vip, 443, 42000 + 7 * i, TF_ACK);
		__u8 exp[FRAME_MAX], out[2 * FRAME_MAX];
		int be = maglev_pick(s, &f);
		__u32 out_len;
		size_t len;

		if (be == B_NONE) {
			note("no backend in the test's table");
			return false;
		}
		len = forward == SCMLB_FWD_DR ? want_dr(&f, be, exp) :
		      want_ipip(&f, be, want_source(&f), exp);
		ok &= run_expect(&f, XDP_REDIRECT, exp, len, out, &out_len);
		ok &= flow_ok(&f, false, SCMLB_CT_ESTABLISHED, forward, be);
	}
	return ok;
}

static bool t_dr_mid_flow(void)
{
	return mid_flow(S_DRM, VIP_DRM, SCMLB_FWD_DR);
}

static bool t_ipip_mid_flow(void)
{
	return mid_flow(S_IPM, VIP_IPM, SCMLB_FWD_IPIP);
}

/* ---- IPv6: dr, and ipip as ip6ip6 ---- */

/* A client's IPv6 TCP frame to @vip:80 from port @sport. */
static struct frame6 client6_frame(const char *vip, __u16 sport, __u8 flags)
{
	struct frame6 f = build_tcp6(CLIENT6, sport, vip, 80, flags);

	f.src_mac = mac_client;
	f.dst_mac = mac_up;
	f.payload = flags & TF_SYN ? 0 : 12;
	return f;
}

/* The flow hash of @f as its client sent it (scmlb_flow6_hash()). */
static __u32 flow6_hash(const struct frame6 *f)
{
	struct scmlb_flow6_key key = {
		.src_port = htons(f->sport),
		.dst_port = htons(f->dport),
		.proto = f->proto,
		.family = SCMLB_AF_INET6,
	};

	memcpy(key.src_addr, f->saddr, sizeof(key.src_addr));
	memcpy(key.dst_addr, f->daddr, sizeof(key.dst_addr));
	return scmlb_flow6_hash(&key);
}

/*
 * Frame @in of @len bytes as ip6ip6 sends it to backend @be: next header
 * 41, hop limit 64, the inner traffic class, the flow label and the
 * source 2001:2:0:XXXX:: from the flow's @hash.
 */
static size_t wrap_ip6ip6(const __u8 *in, size_t len, int be, __u32 hash,
			  __u8 *b)
{
	__u8 *ip = b + ETH_HLEN;
	__u32 tclass = get32(in + ETH_HLEN) >> 20 & 0xff;

	len -= ETH_HLEN;
	memcpy(b, mac_be[be], ETH_ALEN);
	memcpy(b + ETH_ALEN, mac_beif[be], ETH_ALEN);
	put16(b + 2 * ETH_ALEN, ETH_P_IPV6);
	put32(ip, 6U << 28 | tclass << 20 | (hash & 0xfffff));
	put16(ip + 4, len);
	ip[6] = 41;
	ip[7] = 64;
	memset(ip + 8, 0, 16);
	put32(ip + 8, SCMLB_IPIP6_SRC_NET);
	put32(ip + 12, (hash ^ hash >> 16) & 0xffff);
	be6_addr(be, ip + 24);
	memcpy(ip + 40, in + ETH_HLEN, len);
	return ETH_HLEN + 40 + len;
}

/* What dr (only the MACs) or ipip (in ip6ip6) sends of @f to @be. */
static size_t want6(const struct frame6 *f, int be, __u8 forward, __u32 hash,
		    __u8 *b)
{
	__u8 in[FRAME_MAX];
	size_t len = frame6_build(f, in);

	if (forward == SCMLB_FWD_IPIP)
		return wrap_ip6ip6(in, len, be, hash, b);
	return to_be_as_is(in, len, be, b);
}

/*
 * BPF_PROG_TEST_RUN of frames larger than FRAME_MAX: @out holds
 * BIG_FRAME bytes.
 */
static int run_big(__u32 side, const __u8 *in, size_t len, __u8 *out,
		   __u32 *out_len, int *act)
{
	struct xdp_md md = {
		.data_end = len,
		.ingress_ifindex = ifindex[side],
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in,
		    .data_size_in = len,
		    .data_out = out,
		    .data_size_out = BIG_FRAME,
		    .ctx_in = &md,
		    .ctx_size_in = sizeof(md));
	int err = bpf_prog_test_run_opts(main_fd, &opts);

	if (err) {
		note("BPF_PROG_TEST_RUN: %s", strerror(-err));
		return err;
	}
	*out_len = opts.data_size_out;
	*act = opts.retval;
	return 0;
}

/* Run @f from the upstream: @act_want, and what @be gets (want6()). */
static bool run6_expect(const struct frame6 *f, int act_want, int be,
			__u8 forward, __u32 hash, __u8 *out, __u32 *out_len)
{
	__u8 in[FRAME_MAX], exp[FRAME_MAX];
	size_t len = frame6_build(f, in), exp_len;
	int act = -1;

	exp_len = want6(f, be, forward, hash, exp);
	if (prog_run(main_fd, ifindex[SIDE_UP], in, len, out, out_len, &act))
		return false;
	return run_out_ok(act_want, act, exp, exp_len, out, *out_len);
}

static bool t_dr6_syn(void)
{
	struct frame6 f = client6_frame(VIP6_DR, 40011, TF_SYN);
	__u8 out[2 * FRAME_MAX];
	__u32 out_len;

	return run6_expect(&f, XDP_REDIRECT, B_DR6, SCMLB_FWD_DR, 0, out,
			   &out_len);
}

static bool t_ip6_syn(void)
{
	struct frame6 f = client6_frame(VIP6_IP, 40012, TF_SYN);
	__u8 out[2 * FRAME_MAX];
	__u32 out_len;

	f.tclass = 0x28;		/* AF11: the outer header keeps it */
	return run6_expect(&f, XDP_REDIRECT, B_IP6, SCMLB_FWD_IPIP,
			   flow6_hash(&f), out, &out_len);
}

/* Sixteen flows, sixteen outer sources and flow labels. */
static bool t_ip6_sources_spread(void)
{
	__u8 seen[16][20], out[2 * FRAME_MAX];
	__u32 out_len;
	bool ok = true;
	int i, j;

	for (i = 0; i < 16; i++) {
		struct frame6 f = client6_frame(VIP6_IP, 41100 + i, TF_SYN);

		ok &= run6_expect(&f, XDP_REDIRECT, B_IP6, SCMLB_FWD_IPIP,
				  flow6_hash(&f), out, &out_len);
		memcpy(seen[i], out + ETH_HLEN + 8, 16);	/* source */
		memcpy(seen[i] + 16, out + ETH_HLEN, 4);	/* flow label */
		seen[i][16] &= 0x0f;
		for (j = 0; j < i; j++)
			if (!memcmp(seen[j], seen[i], 16) ||
			    !memcmp(seen[j] + 16, seen[i] + 16, 4)) {
				note("flows %d and %d share a source or a "
				     "flow label", j, i);
				ok = false;
			}
	}
	return ok;
}

/*
 * A router's Packet Too Big about the reply to the flow @sport of @vip:
 * to the backend as it is (dr) or in ip6ip6 from the flow's source.
 */
static bool reply6_ptb(const char *vip, __u16 sport, int be, __u8 forward)
{
	struct frame6 flow = client6_frame(vip, sport, TF_ACK);
	struct frame6 quoted = build_tcp6(vip, 80, CLIENT6, sport, TF_ACK);
	struct frame6 err = { .src_mac = mac_client, .dst_mac = mac_up };
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	size_t len, exp_len;
	__u32 out_len = 0;
	int act = -1;

	quoted.payload = 60;		/* in ip6ip6 too, within FRAME_MAX */
	ip6_pton(ROUTER6, err.saddr);
	ip6_pton(vip, err.daddr);
	len = frame6_build_icmp_err(&err, 2, 0, 1400, &quoted, 0, in);
	if (forward == SCMLB_FWD_IPIP)
		exp_len = wrap_ip6ip6(in, len, be, flow6_hash(&flow), exp);
	else
		exp_len = to_be_as_is(in, len, be, exp);
	if (prog_run(main_fd, ifindex[SIDE_UP], in, len, out, &out_len, &act))
		return false;
	return run_out_ok(XDP_REDIRECT, act, exp, exp_len, out, out_len);
}

static bool t_dr6_ptb(void)
{
	return reply6_ptb(VIP6_DR, 40011, B_DR6, SCMLB_FWD_DR);
}

static bool t_ip6_ptb(void)
{
	return reply6_ptb(VIP6_IP, 40012, B_IP6, SCMLB_FWD_IPIP);
}

/* Open flow @sport to @vip with a SYN, which fits. */
static bool open6(const char *vip, __u16 sport, int be)
{
	struct frame6 f = client6_frame(vip, sport, TF_SYN);
	__u8 out[2 * FRAME_MAX];
	__u32 out_len;

	return run6_expect(&f, XDP_REDIRECT, be, SCMLB_FWD_IPIP,
			   flow6_hash(&f), out, &out_len);
}

/*
 * A datagram's first fragment and a later one of the same id: the later
 * one, without ports, goes in ip6ip6 from the first's outer source.
 */
static bool t_ip6_fragments(void)
{
	struct frame6 first = client6_frame(VIP6_IP, 40015, TF_ACK);
	struct frame6 later;
	__u8 out[2 * FRAME_MAX];
	__u32 out_len, hash = flow6_hash(&first);
	bool ok;

	if (!open6(VIP6_IP, 40015, B_IP6))
		return false;
	first.n_ext = 1;
	first.ext[0].type = IPPROTO_FRAGMENT;
	first.ext[0].more = true;
	first.ext[0].id = 0x6001;
	later = first;
	later.ext[0].more = false;
	later.ext[0].frag_offset = 8;
	later.payload = 40;
	ok = run6_expect(&first, XDP_REDIRECT, B_IP6, SCMLB_FWD_IPIP, hash,
			 out, &out_len);
	return ok & run6_expect(&later, XDP_REDIRECT, B_IP6, SCMLB_FWD_IPIP,
				hash, out, &out_len);
}

/*
 * The flow's next packet is 1400 bytes, too big for an MTU6 interface
 * in ip6ip6: the client gets a Packet Too Big from the VIP for 1280,
 * quoting as much of its packet as fits in 1280 bytes.
 */
static bool t_ip6_too_big(void)
{
	static __u8 in[BIG_FRAME], out[BIG_FRAME], exp[BIG_FRAME];
	struct frame6 f = client6_frame(VIP6_MTU, 40013, TF_ACK);
	__u8 *ip = exp + ETH_HLEN, *icmp = ip + 40;
	size_t len, quote = 1280 - 40 - 8;
	__u64 big;
	__u32 out_len = 0;
	int act = -1;
	bool ok;

	if (!open6(VIP6_MTU, 40013, B_MTU6))
		return false;
	big = tb_stat_of(&lb, TB_TOO_BIG);
	f.payload = 1400 - 40 - 20;
	len = frame6_build(&f, in);
	memset(exp, 0, sizeof(exp));
	memcpy(exp, mac_client, ETH_ALEN);
	memcpy(exp + ETH_ALEN, mac_up, ETH_ALEN);
	put16(exp + 2 * ETH_ALEN, ETH_P_IPV6);
	put32(ip, 6U << 28);
	put16(ip + 4, 8 + quote);
	ip[6] = 58;
	ip[7] = 64;
	memcpy(ip + 8, f.daddr, 16);
	memcpy(ip + 24, f.saddr, 16);
	icmp[0] = 2;
	put32(icmp + 4, 1280);
	memcpy(icmp + 8, in + ETH_HLEN, quote);
	put16(icmp + 2, ~sum_fold(sum_pseudo6(ip + 8, ip + 24, 58, 8 + quote) +
				  sum16(icmp, 8 + quote, 0)));
	if (run_big(SIDE_UP, in, len, out, &out_len, &act))
		return false;
	ok = act == XDP_TX;
	if (!ok)
		note("action: expected XDP_TX, got %s", act_name(act));
	ok &= frames_equal(exp, ETH_HLEN + 1280, out, out_len);
	ok &= csums_valid6(out, out_len);
	if (tb_stat_of(&lb, TB_TOO_BIG) != big + 1) {
		note("too_big did not grow by 1");
		ok = false;
	}
	return ok;
}

/* Below IPv6's minimum MTU once encapsulated: no Packet Too Big, a drop. */
static bool t_ip6_too_big_tiny(void)
{
	static __u8 in[BIG_FRAME], out[BIG_FRAME];
	struct frame6 f = client6_frame(VIP6_TINY, 40014, TF_ACK);
	__u64 big, fwd;
	__u32 out_len = 0;
	int act = -1;

	if (!open6(VIP6_TINY, 40014, B_TINY6))
		return false;
	big = tb_stat_of(&lb, TB_TOO_BIG);
	fwd = tb_stat_of(&lb, TB_FORWARDED);
	f.payload = 1290 - 40 - 20;	/* 1330 in ip6ip6 > 1300 */
	if (run_big(SIDE_UP, in, frame6_build(&f, in), out, &out_len, &act))
		return false;
	return dropped_too_big(act, big, fwd);
}

static const struct tb_case cases[] = {
	{ "dr: a SYN goes to the backend with only its MACs changed, half-open, no reply entry", t_dr_syn },
	{ "dr: the client's first ACK promotes the flow (no SYN-ACK comes by)", t_dr_ack },
	{ "dr: a router's fragmentation needed about a reply goes to the backend as it is", t_dr_icmp },
	{ "ipip: a SYN goes in IPIP: protocol 4, TTL 64, DF and TOS copied, the flow's outer source", t_ipip_syn },
	{ "ipip: the flow's next packet has the same outer source", t_ipip_same_flow },
	{ "ipip: sixteen flows, sixteen outer sources", t_ipip_sources_spread },
	{ "ipip: a router's fragmentation needed about a reply goes to the backend in IPIP, the flow's outer source", t_ipip_icmp },
	{ "dr: a later fragment follows its first to the backend, only its MACs changed", t_dr_fragments },
	{ "ipip: a later fragment follows its first in IPIP, from the first's outer source", t_ipip_fragments },
	{ "ipip: too big once encapsulated, DF: ICMP fragmentation needed (MTU - 20) from the VIP, XDP_TX", t_ipip_too_big },
	{ "ipip: too big once encapsulated, no DF: dropped and counted", t_ipip_too_big_no_df },
	{ "dr maglev: a mid-flow ACK of an unknown flow goes to the table's backend, tracked established", t_dr_mid_flow },
	{ "ipip maglev: a mid-flow ACK of an unknown flow goes to the table's backend, tracked established", t_ipip_mid_flow },
	{ "dr, IPv6: a SYN goes to the backend with only its MACs changed", t_dr6_syn },
	{ "ipip, IPv6: a SYN goes in ip6ip6: next header 41, hop limit 64, traffic class copied, source and flow label from the flow hash", t_ip6_syn },
	{ "ipip, IPv6: sixteen flows, sixteen outer sources and flow labels", t_ip6_sources_spread },
	{ "dr, IPv6: a router's Packet Too Big about a reply goes to the backend as it is", t_dr6_ptb },
	{ "ipip, IPv6: a router's Packet Too Big about a reply goes to the backend in ip6ip6, the flow's source", t_ip6_ptb },
	{ "ipip, IPv6: a later fragment follows its first in ip6ip6, from the first's source", t_ip6_fragments },
	{ "ipip, IPv6: too big once encapsulated: Packet Too Big (MTU - 40) from the VIP quoting 1232 bytes, XDP_TX", t_ip6_too_big },
	{ "ipip, IPv6: too big, and MTU - 40 below 1280: dropped and counted", t_ip6_too_big_tiny },
};

/* Service @s, as scmlb-svc set makes it. */
static int svc_add(int s)
{
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET,
		.proto = IPPROTO_TCP,
		.port = htons(svc_specs[s].port),
		.vip = { htonl(svc_specs[s].vip) },
		.scheduler = svc_specs[s].sched,
		.forward = svc_specs[s].forward,
	};
	int err;

	if (svc_specs[s].vip6)
		return tb_service6_add(&lb, svc_specs[s].vip6, IPPROTO_TCP,
				       svc_specs[s].port, svc_specs[s].sched,
				       svc_specs[s].forward, &svc_id[s]);
	err = scmlb_service_add(&lb, &svc);
	svc_id[s] = svc.id;
	return err;
}

/* Backend @n, into its service, on its side. */
static int be_add(int n)
{
	int s = be_svc[n];

	if (svc_specs[s].vip6)
		return tb_backend6_add(&lb, svc_id[s], svc_specs[s].port, n,
				       be6_text(n), ifindex[be6_side[n]],
				       mac_be[n], mac_beif[n], &be_id[n]);
	return tb_backend_add_to(&lb, svc_id[s], 1, svc_specs[s].port, n,
				 BE_ADDR(n),
				 ifindex[n == B_SMALL ? SIDE_SMALL : SIDE_BE],
				 mac_be[n], mac_beif[n], &be_id[n]);
}

static int bpf_setup(void)
{
	static const struct {
		enum side side;
		int mtu;
	} mtus[] = {
		{ SIDE_SMALL, SMALL_MTU }, { SIDE_MTU6, MTU6 },
		{ SIDE_TINY6, TINY_MTU6 },
	};
	int err = 0, n, s;
	size_t i;

	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	tb_backend_macs(mac_be, mac_beif, B_N);
	for (i = 0; i < ARRAY_SIZE(mtus) && !err; i++)
		err = tb_run_cmd("ip link set %s mtu %d",
				 if_names[mtus[i].side], mtus[i].mtu);
	if (!err)
		err = tb_instance(&lb, VIP_NAT, ifindex[SIDE_UP], mac_up,
				  CT_SIZE, -1);
	svc_id[S_NAT] = lb.cfg.attach_service;
	for (s = 1; s < S_N && !err; s++)
		err = svc_add(s);
	for (n = 1; n < B_N && !err; n++)
		err = be_add(n);
	return err;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};

	return tb_main(&tb, cases, ARRAY_SIZE(cases));
}
