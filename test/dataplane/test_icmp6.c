// SPDX-License-Identifier: GPL-2.0
/* test_icmp6.c - TAP tests of ICMPv6 errors about balanced flows: to the backend, to the client */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "maps.h"
#include "scmlb.skel.h"
#include "testbed.h"

#define VIP4		IP4(203, 0, 113, 60)	/* attach -v; unused */
#define CLIENT		"2001:db8:c::7"
#define ROUTER		"2001:db8:1::1"		/* on the way to clients */
#define VIP		"2001:db8:100::60"	/* tcp 80, udp 53 */
#define BE_TCP		"2001:db8:20::11"	/* port 8080 */
#define BE_UDP		"2001:db8:20::12"	/* port 5353 */
#define BE_ARM		"2001:db8:20::13"	/* 8443, behind the upstream */
#define VPORT_TCP	80
#define VPORT_UDP	53
#define VPORT_ARM	443
#define BPORT_TCP	8080
#define BPORT_UDP	5353
#define BPORT_ARM	8443
#define CPORT		40001

#define CT_SIZE		1024

enum side { SIDE_UP, SIDE_BE, SIDE_N };

static const char *const if_names[SIDE_N] = { "i6t-up", "i6t-be" };

enum be_name { B_TCP, B_UDP, B_ARM, B_N };

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_be[B_N][ETH_ALEN] = {
	{ 0x02, 0, 0, 0, 0xb0, 0x01 }, { 0x02, 0, 0, 0, 0xb0, 0x02 },
	{ 0x02, 0, 0, 0, 0xb0, 0x03 },
};
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf0, 0x01 };

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd;
static __u32 ifindex[SIDE_N];
static __u32 be_id[B_N];

/* The client's packet to the VIP: TCP (@flags) or UDP, from @cport. */
static struct frame6 client_pkt(__u8 proto, __u16 cport, __u8 flags)
{
	struct frame6 f = proto == IPPROTO_TCP ?
		build_tcp6(CLIENT, cport, VIP, VPORT_TCP, flags) :
		build_udp6(CLIENT, cport, VIP, VPORT_UDP, 24);

	f.src_mac = mac_client;
	f.dst_mac = mac_up;
	return f;
}

/* A backend's reply to the client, as the backend sends it. */
static struct frame6 backend_reply(enum be_name be, __u16 cport, __u8 flags)
{
	struct frame6 f = be == B_TCP ?
		build_tcp6(BE_TCP, BPORT_TCP, CLIENT, cport, flags) :
		build_udp6(BE_UDP, BPORT_UDP, CLIENT, cport, 24);

	f.src_mac = mac_be[be];
	f.dst_mac = mac_beif;
	return f;
}

/*
 * Run frame @in of @len bytes arriving on @side: the action must be
 * @act_want, the output frame @exp (for XDP_PASS, @in itself), with
 * every checksum verifying from scratch when redirected.
 */
static bool run6(enum side side, const __u8 *in, size_t len, int act_want,
		 const __u8 *exp, size_t exp_len)
{
	__u8 out[2 * FRAME_MAX];
	__u32 out_len = 0;
	int act = -1, err;
	bool ok;

	err = prog_run(main_fd, ifindex[side], in, len, out, &out_len, &act);
	if (err) {
		note("BPF_PROG_TEST_RUN: %s", strerror(-err));
		return false;
	}
	if (act_want == XDP_PASS)
		return run_out_ok(act_want, act, in, len, out, out_len);
	if (exp) {
		ok = run_out_ok(act_want, act, exp, exp_len, out, out_len);
	} else {
		/* a flow being opened: where it goes is the NAT66 tests' */
		ok = act == act_want;
		if (!ok)
			note("action: expected %s, got %s",
			     act_name(act_want), act_name(act));
	}
	return ok && csums_valid6(out, out_len);
}

static bool run_frame6(enum side side, const struct frame6 *f, int act_want)
{
	__u8 b[FRAME_MAX];

	return run6(side, b, frame6_build(f, b), act_want, NULL, 0);
}

/* An error frame from @src to @dst, between the MACs given. */
static struct frame6 err_frame(const char *src, const char *dst,
			       const __u8 *src_mac, const __u8 *dst_mac)
{
	struct frame6 f = { .src_mac = src_mac, .dst_mac = dst_mac };

	ip6_pton(src, f.saddr);
	ip6_pton(dst, f.daddr);
	return f;
}

/* An ICMPv6 error's own fields, and how much it quotes (0: all). */
struct err_msg {
	__u8 type;
	__u8 code;
	__u32 info;
	size_t quote_max;
};

/*
 * Error @m from @err about @quoted, arriving on @side, must be
 * redirected as @err_out about @quoted_out, laid out anew (every
 * checksum computed from scratch), and counter @stat grow by 1.
 */
static bool translated(enum side side, const struct err_msg *m,
		       const struct frame6 *err, const struct frame6 *quoted,
		       const struct frame6 *err_out,
		       const struct frame6 *quoted_out, enum tb_stat stat)
{
	__u8 in[FRAME_MAX], exp[FRAME_MAX];
	size_t len, exp_len;
	__u64 before = tb_stat_of(&lb, stat);
	bool ok;

	len = frame6_build_icmp_err(err, m->type, m->code, m->info, quoted,
				    m->quote_max, in);
	exp_len = frame6_build_icmp_err(err_out, m->type, m->code, m->info,
					quoted_out, m->quote_max, exp);
	ok = run6(side, in, len, XDP_REDIRECT, exp, exp_len);
	if (tb_stat_of(&lb, stat) != before + 1) {
		note("%s did not grow by 1", tb_stat_name(stat));
		ok = false;
	}
	return ok;
}

/* The flows the errors are about: opened as clients and backends do. */
static bool t_open_flows(void)
{
	struct frame6 syn = client_pkt(IPPROTO_TCP, CPORT, TF_SYN);
	struct frame6 syn_ack = backend_reply(B_TCP, CPORT, TF_SYN | TF_ACK);
	struct frame6 ack = client_pkt(IPPROTO_TCP, CPORT, TF_ACK);
	struct frame6 udp = client_pkt(IPPROTO_UDP, CPORT, 0);
	bool ok;

	ok = run_frame6(SIDE_UP, &syn, XDP_REDIRECT);
	ok &= run_frame6(SIDE_BE, &syn_ack, XDP_REDIRECT);
	ok &= run_frame6(SIDE_UP, &ack, XDP_REDIRECT);
	return ok & run_frame6(SIDE_UP, &udp, XDP_REDIRECT);
}

/*
 * A router's error of @type/@code (@info) about the backend's reply to
 * the client, quoting @quote_max bytes of it (0: all), as it left the
 * load balancer: from the VIP. The backend must get it quoting the
 * reply as it sent it, to its own address, with every checksum right.
 */
static bool router_error(__u8 type, __u8 code, __u32 info,
			 const struct frame6 *as_sent, size_t quote_max)
{
	const struct err_msg m = { type, code, info, quote_max };
	struct frame6 err = err_frame(ROUTER, VIP, mac_client, mac_up);
	struct frame6 err_out = err_frame(ROUTER, BE_TCP, mac_beif,
					  mac_be[B_TCP]);
	struct frame6 seen = *as_sent;

	/* what the client's side saw: NAT66 put the VIP and its port in */
	ip6_pton(VIP, seen.saddr);
	seen.sport = VPORT_TCP;
	return translated(SIDE_UP, &m, &err, &seen, &err_out, as_sent,
			  TB_FORWARDED);
}

static bool t_ptb_to_backend(void)
{
	struct frame6 reply = backend_reply(B_TCP, CPORT, TF_ACK);

	reply.payload = 100;
	return router_error(2, 0, 1400, &reply, 0);
}

/* Time exceeded quoting only the ports and sequence: no checksum. */
static bool t_time_exceeded_short_quote(void)
{
	struct frame6 reply = backend_reply(B_TCP, CPORT, TF_ACK);

	reply.payload = 100;
	return router_error(3, 0, 0, &reply, 40 + 8);
}

/* The reply carries extension headers: walked past in the quote. */
static bool t_quote_ext_headers(void)
{
	struct frame6 reply = backend_reply(B_TCP, CPORT, TF_ACK);

	reply.payload = 40;
	reply.n_ext = 2;
	reply.ext[0].type = IPPROTO_HOPOPTS;
	reply.ext[1].type = IPPROTO_DSTOPTS;
	reply.ext[1].len8 = 1;
	return router_error(1, 3, 0, &reply, 0);
}

/* A parameter problem's pointer stays: it points into the same headers. */
static bool t_param_problem(void)
{
	struct frame6 reply = backend_reply(B_TCP, CPORT, TF_ACK);

	return router_error(4, 0, 7, &reply, 0);
}

/*
 * The backend's port unreachable about the client's datagram, quoting
 * it as the backend got it: the client gets it from the VIP, quoting
 * the datagram it sent.
 */
static bool t_unreachable_to_client(void)
{
	static const struct err_msg m = { 1, 4, 0, 0 };
	struct frame6 err = err_frame(BE_UDP, CLIENT, mac_be[B_UDP], mac_beif);
	struct frame6 err_out = err_frame(VIP, CLIENT, mac_up, mac_client);
	struct frame6 sent = client_pkt(IPPROTO_UDP, CPORT, 0);
	struct frame6 got = sent;

	ip6_pton(BE_UDP, got.daddr);
	got.dport = BPORT_UDP;
	return translated(SIDE_BE, &m, &err, &got, &err_out, &sent,
			  TB_RETURNED);
}

/*
 * Whatever the data plane must leave to the kernel, byte for byte;
 * counted as passed on the upstream (replies' side: never, as IPv4).
 */
static bool passed(enum side side, const struct frame6 *err, __u8 type,
		   const struct frame6 *quoted)
{
	__u8 in[FRAME_MAX];
	size_t len = frame6_build_icmp_err(err, type, 0, 1400, quoted, 0, in);
	__u64 pass = tb_stat_of(&lb, TB_PASSED);
	__u64 want = pass + (side == SIDE_UP);
	bool ok = run6(side, in, len, XDP_PASS, NULL, 0);

	if (tb_stat_of(&lb, TB_PASSED) != want) {
		note("passed grew by %llu, not %llu",
		     (unsigned long long)(tb_stat_of(&lb, TB_PASSED) - pass),
		     (unsigned long long)(want - pass));
		ok = false;
	}
	return ok;
}

static bool t_unknown_flow(void)
{
	struct frame6 err = err_frame(ROUTER, VIP, mac_client, mac_up);
	struct frame6 reply = backend_reply(B_TCP, CPORT + 1, TF_ACK);

	ip6_pton(VIP, reply.saddr);
	reply.sport = VPORT_TCP;
	return passed(SIDE_UP, &err, 2, &reply);
}

/* Quoting a packet that did not come from the VIP the error is sent to. */
static bool t_not_from_vip(void)
{
	struct frame6 err = err_frame(ROUTER, VIP, mac_client, mac_up);
	struct frame6 other = backend_reply(B_TCP, CPORT, TF_ACK);

	ip6_pton("2001:db8:100::61", other.saddr);
	other.sport = VPORT_TCP;
	return passed(SIDE_UP, &err, 2, &other);
}

/* A later fragment has no ports to find the flow by. */
static bool t_quoted_later_fragment(void)
{
	struct frame6 err = err_frame(ROUTER, VIP, mac_client, mac_up);
	struct frame6 reply = backend_reply(B_TCP, CPORT, TF_ACK);

	ip6_pton(VIP, reply.saddr);
	reply.sport = VPORT_TCP;
	reply.payload = 32;
	reply.n_ext = 1;
	reply.ext[0].type = IPPROTO_FRAGMENT;
	reply.ext[0].frag_offset = 4;
	return passed(SIDE_UP, &err, 2, &reply);
}

static bool t_backend_unknown_flow(void)
{
	struct frame6 err = err_frame(BE_UDP, CLIENT, mac_be[B_UDP], mac_beif);
	struct frame6 got = client_pkt(IPPROTO_UDP, CPORT + 2, 0);

	ip6_pton(BE_UDP, got.daddr);
	got.dport = BPORT_UDP;
	return passed(SIDE_BE, &err, 1, &got);
}

/*
 * One-arm: a router between us and a backend behind the upstream sends
 * its Packet Too Big to the client, quoting the client's packet as NAT66
 * left it (to the backend). As IPv4's icmp_egress(), the client gets it
 * from the VIP, quoting the packet it sent, back out of the upstream.
 */
static bool t_one_arm_ptb_to_client(void)
{
	static const struct err_msg m = { 2, 0, 1280, 0 };
	struct frame6 syn = build_tcp6(CLIENT, CPORT, VIP, VPORT_ARM, TF_SYN);
	struct frame6 err = err_frame(ROUTER, CLIENT, mac_be[B_ARM], mac_up);
	struct frame6 err_out = err_frame(VIP, CLIENT, mac_up, mac_client);
	struct frame6 sent = build_tcp6(CLIENT, CPORT, VIP, VPORT_ARM, TF_ACK);
	struct frame6 got;
	__u64 pass;
	bool ok;

	if (tb_one_arm_set(&lb, true)) {
		note("cannot set the one-arm flag");
		return false;
	}
	syn.src_mac = sent.src_mac = mac_client;
	syn.dst_mac = sent.dst_mac = mac_up;
	ok = run_frame6(SIDE_UP, &syn, XDP_REDIRECT);
	sent.payload = 100;		/* the error within FRAME_MAX */
	got = sent;
	ip6_pton(BE_ARM, got.daddr);
	got.dport = BPORT_ARM;
	pass = tb_stat_of(&lb, TB_PASSED);
	ok &= translated(SIDE_UP, &m, &err, &got, &err_out, &sent,
			 TB_RETURNED);
	if (tb_stat_of(&lb, TB_PASSED) != pass) {
		note("passed grew");
		ok = false;
	}
	if (tb_one_arm_set(&lb, false)) {
		note("cannot clear the one-arm flag");
		ok = false;
	}
	return ok;
}

static const struct tb_case cases[] = {
	{ "a TCP flow (SYN, SYN-ACK, ACK) and a UDP flow to the IPv6 VIP", t_open_flows },
	{ "Packet Too Big from a router about a reply: to the backend, quoting the reply as it sent it, every checksum right", t_ptb_to_backend },
	{ "time exceeded quoting 8 bytes of TCP (no checksum quoted): to the backend", t_time_exceeded_short_quote },
	{ "unreachable quoting a reply with hop-by-hop and destination options: to the backend", t_quote_ext_headers },
	{ "parameter problem: to the backend, its pointer unchanged", t_param_problem },
	{ "port unreachable from the backend: to the client from the VIP, quoting what the client sent", t_unreachable_to_client },
	{ "Packet Too Big about a flow not tracked: passed untouched", t_unknown_flow },
	{ "Packet Too Big quoting a packet from another address: passed untouched", t_not_from_vip },
	{ "Packet Too Big quoting a later fragment: passed untouched", t_quoted_later_fragment },
	{ "unreachable from a backend about a flow not tracked: passed untouched", t_backend_unknown_flow },
	{ "one-arm: a router's Packet Too Big to the client about its packet to a backend behind the upstream: from the VIP, quoting what the client sent, every checksum right", t_one_arm_ptb_to_client },
};

static int bpf_setup(void)
{
	__u32 svc_tcp, svc_udp, svc_arm;
	int err;

	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	err = tb_instance(&lb, VIP4, ifindex[SIDE_UP], mac_up, CT_SIZE, -1);
	if (!err)
		err = tb_service6_add(&lb, VIP, IPPROTO_TCP, VPORT_TCP,
				      SCMLB_SCHED_RR, SCMLB_FWD_NAT, &svc_tcp);
	if (!err)
		err = tb_service6_add(&lb, VIP, IPPROTO_UDP, VPORT_UDP,
				      SCMLB_SCHED_RR, SCMLB_FWD_NAT, &svc_udp);
	if (!err)
		err = tb_backend6_add(&lb, svc_tcp, BPORT_TCP, 1, BE_TCP,
				      ifindex[SIDE_BE], mac_be[B_TCP],
				      mac_beif, &be_id[B_TCP]);
	if (!err)
		err = tb_backend6_add(&lb, svc_udp, BPORT_UDP, 2, BE_UDP,
				      ifindex[SIDE_BE], mac_be[B_UDP],
				      mac_beif, &be_id[B_UDP]);
	if (!err)
		err = tb_service6_add(&lb, VIP, IPPROTO_TCP, VPORT_ARM,
				      SCMLB_SCHED_RR, SCMLB_FWD_NAT, &svc_arm);
	if (!err)
		err = tb_backend6_add(&lb, svc_arm, BPORT_ARM, 3, BE_ARM,
				      ifindex[SIDE_UP], mac_be[B_ARM], mac_up,
				      &be_id[B_ARM]);
	return err;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};

	return tb_main(&tb, cases, ARRAY_SIZE(cases));
}
