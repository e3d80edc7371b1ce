// SPDX-License-Identifier: GPL-2.0
/* test_stateless.c - TAP tests of replies without conntrack: lb_reply_index and the FIB */
#include <errno.h>
#include <stdbool.h>
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

#include "frames.h"
#include "maps.h"
#include "scmlb.skel.h"
#include "testbed.h"

/* Addresses and ports in host order; the frame builder converts them. */
#define VIP_A		IP4(203, 0, 113, 31)	/* any/any, backend 1 */
#define VIP_P		IP4(203, 0, 113, 32)	/* tcp:80, backend 2 on 8080 */
#define VIP_F		IP4(203, 0, 113, 33)	/* tcp any: backend 3 ... */
#define VIP_G		IP4(203, 0, 113, 34)	/* ... and here too */
#define VIP_U		IP4(203, 0, 113, 35)	/* udp:53, backend 4 on 53 */
#define VIP_Q		IP4(203, 0, 113, 36)	/* tcp:443, backend 1 on 443 */
#define CLIENT		IP4(198, 51, 100, 7)	/* on the upstream's network */
#define FAR_CLIENT	IP4(192, 0, 2, 77)	/* behind ROUTER */
#define ROUTER		IP4(198, 51, 100, 254)
#define NO_NEIGH	IP4(198, 51, 100, 99)	/* on the network, unresolved */
#define NO_ROUTE	IP4(100, 64, 0, 9)	/* no route, no default */
#define STRAY		IP4(10, 0, 0, 99)	/* no backend's */

#define NBE		3
#define BE_ADDR(n)	IP4(10, 0, 0, 1 + (n))

#define CT_SIZE		1024
#define CAPTURE_MS	1000

enum svc_name { S_A, S_P, S_F, S_G, S_U, S_Q, S_N };

static const struct tb_svc_spec svc_specs[S_N] = {
	[S_A] = { VIP_A, 0, 0, SCMLB_SCHED_RR },	/* scmlb-attach -v */
	[S_P] = { VIP_P, IPPROTO_TCP, 80, SCMLB_SCHED_RR },
	[S_F] = { VIP_F, IPPROTO_TCP, 0, SCMLB_SCHED_RR },
	[S_G] = { VIP_G, IPPROTO_TCP, 0, SCMLB_SCHED_RR },
	[S_U] = { VIP_U, IPPROTO_UDP, 53, SCMLB_SCHED_RR },
	[S_Q] = { VIP_Q, IPPROTO_TCP, 443, SCMLB_SCHED_RR },
};

enum side { SIDE_UP, SIDE_BE, SIDE_N };

static const char *const if_names[SIDE_N] = { "stl-up", "stl-be" };

/* The MAC a client's packets came from, and the neighbour entries. */
static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_neigh[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x07 };
static const __u8 mac_router[ETH_ALEN] = { 0x02, 0, 0, 0, 0xfe, 0x01 };
static const __u8 mac_up_cfg[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, 0x01 };
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf0, 0x01 };
/* stl-up's own MAC, what the FIB gives as the source */
static __u8 mac_up[ETH_ALEN];

struct tcase {
	const char *desc;
	enum side side;
	struct frame in;
	int act;
	__u32 vip;			/* returned from it... */
	__u16 vport;			/* ...and this port */
	const __u8 *dst_mac;		/* to this MAC */
	bool to_be;			/* a client's packet, to backend 1 */
	bool stateless;			/* returned without conntrack */
	bool unrouted;			/* the kernel's: no way to its client */
	bool live;			/* also sent: must leave by stl-up */
	bool no_flow;			/* and leave no conntrack entry */
};

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd;
static __u32 ifindex[SIDE_N];
static int peer_fd[SIDE_N] = { -1, -1 };
static const char *live_skip;

#define FROM_BE(n, to)							\
	.src_mac = mac_be, .dst_mac = mac_beif, .saddr = BE_ADDR(n),	\
	.daddr = (to)
#define TCP(sp, dp, fl)							\
	.proto = IPPROTO_TCP, .sport = (sp), .dport = (dp), .tcp_flags = (fl)
#define UDP(sp, dp)							\
	.proto = IPPROTO_UDP, .sport = (sp), .dport = (dp), .payload = 13
#define DATA		TF_PSH | TF_ACK
#define BACK(v, p, mac)							\
	.act = XDP_REDIRECT, .vip = (v), .vport = (p), .dst_mac = (mac)
#define STATELESS(v, p, mac)	BACK(v, p, mac), .stateless = true
#define PASS		.act = XDP_PASS

static const struct tcase cases[] = {
	{ "no conntrack: backend 2's data from 8080 to 198.51.100.7:40001 "
	  "returned from VIP P:80, MACs from the FIB (stl-up's, the "
	  "neighbour's)",
	  SIDE_BE, { FROM_BE(2, CLIENT), TCP(8080, 40001, DATA),
		     .payload = 101 },
	  STATELESS(VIP_P, 80, mac_neigh), .live = true, .no_flow = true },
	{ "no conntrack: backend 4's UDP from :53 returned from VIP U:53",
	  SIDE_BE, { FROM_BE(4, CLIENT), UDP(53, 5001) },
	  STATELESS(VIP_U, 53, mac_neigh), .no_flow = true },
	{ "no conntrack: UDP without a checksum: from VIP U, checksum stays 0",
	  SIDE_BE, { FROM_BE(4, CLIENT), UDP(53, 5002),
		     .udp_csum_zero = true },
	  STATELESS(VIP_U, 53, mac_neigh) },
	{ "no conntrack: a client behind a router: to the router's MAC",
	  SIDE_BE, { FROM_BE(2, FAR_CLIENT), TCP(8080, 40002, DATA),
		     .payload = 7 },
	  STATELESS(VIP_P, 80, mac_router), .live = true },
	{ "no conntrack: backend 2's own port 8080: from VIP P:80",
	  SIDE_BE, { FROM_BE(2, CLIENT), TCP(8080, 40003, TF_SYN | TF_ACK) },
	  STATELESS(VIP_P, 80, mac_neigh), .no_flow = true },
	{ "backend 2 from port 8081, none of its services': untouched",
	  SIDE_BE, { FROM_BE(2, CLIENT), TCP(8081, 40004, DATA) }, PASS },
	{ "backend 2's UDP from 8080 (its service is TCP): untouched",
	  SIDE_BE, { FROM_BE(2, CLIENT), UDP(8080, 40004) }, PASS },
	{ "backend 3, in two services (VIP F and VIP G): untouched",
	  SIDE_BE, { FROM_BE(3, CLIENT), TCP(80, 40005, DATA) }, PASS },
	{ "an address no backend has: untouched",
	  SIDE_BE, { .src_mac = mac_be, .dst_mac = mac_beif, .saddr = STRAY,
		     .daddr = CLIENT, TCP(80, 40006, DATA) }, PASS },
	/* the kernel would send it on from the backend's address: a reset */
	{ "no neighbour entry for the client's next hop yet: dropped, counted",
	  SIDE_BE, { FROM_BE(2, NO_NEIGH), TCP(8080, 40007, DATA) },
	  .act = XDP_DROP, .unrouted = true },
	{ "no route to the client: the kernel's, counted",
	  SIDE_BE, { FROM_BE(2, NO_ROUTE), TCP(8080, 40008, DATA) }, PASS,
	  .unrouted = true },
	/* any-port services: replies look like the backend's own traffic */
	{ "no conntrack: backend 1's data from :80, VIP A's any-port "
	  "service: untouched, not counted",
	  SIDE_BE, { FROM_BE(1, CLIENT), TCP(80, 40010, DATA) }, PASS },
	{ "no conntrack: backend 1's UDP from :53, VIP A's: untouched",
	  SIDE_BE, { FROM_BE(1, CLIENT), UDP(53, 5003) }, PASS },
	{ "backend 1's port 443, VIP Q's, on an address VIP A's any-port "
	  "service has too: untouched",
	  SIDE_BE, { FROM_BE(1, CLIENT), TCP(443, 40011, DATA) }, PASS },
	{ "backend 1's own connection: SYN from ephemeral port 45678 to "
	  "192.0.2.77:443: untouched",
	  SIDE_BE, { FROM_BE(1, FAR_CLIENT), TCP(45678, 443, TF_SYN) }, PASS },
	{ "backend 2's own connection: SYN from ephemeral port 45679: "
	  "untouched",
	  SIDE_BE, { FROM_BE(2, FAR_CLIENT), TCP(45679, 443, TF_SYN) }, PASS },
	{ "a tracked flow: SYN from 198.51.100.7:40009 to VIP A:80, backend 1",
	  SIDE_UP, { .src_mac = mac_client, .dst_mac = mac_up_cfg,
		     .saddr = CLIENT, .daddr = VIP_A, TCP(40009, 80, TF_SYN) },
	  .act = XDP_REDIRECT, .to_be = true },
	{ "its SYN-ACK: conntrack's way, to the MAC the SYN came from",
	  SIDE_BE, { FROM_BE(1, CLIENT), TCP(80, 40009, TF_SYN | TF_ACK) },
	  BACK(VIP_A, 80, mac_client) },
};

/* The frame a case must produce. */
static size_t expected_frame(const struct tcase *c, const __u8 *in,
			     size_t len, __u8 *exp)
{
	struct frame f = c->in;

	if (c->act != XDP_REDIRECT) {
		memcpy(exp, in, len);
		return len;
	}
	if (c->to_be) {
		f.daddr = BE_ADDR(1);
		f.src_mac = mac_beif;
		f.dst_mac = mac_be;
		return frame_build(&f, exp);
	}
	/* built anew: addresses, ports and every checksum from scratch */
	f.saddr = c->vip;
	f.sport = c->vport;
	f.src_mac = c->stateless ? mac_up : mac_up_cfg;
	f.dst_mac = c->dst_mac;
	return frame_build(&f, exp);
}

static bool stats_ok(const struct tcase *c, const struct scmlb_stats *before,
		     const struct scmlb_stats *after)
{
	struct scmlb_stats want = { 0 };

	if (c->side == SIDE_UP) {
		tb_stats_rx(&want, &c->in, 1);
		want.forwarded = c->act == XDP_REDIRECT;
	} else {
		want.returned = c->act == XDP_REDIRECT;
		want.returned_stateless = c->stateless;
		want.stateless_unrouted = c->unrouted;
	}
	return tb_stats_delta_ok(before, after, &want);
}

/* Sent for real: the frame must leave through stl-up, as expected. */
static bool live_ok(const struct tcase *c, const __u8 *in, size_t len,
		    const __u8 *exp, size_t exp_len)
{
	__u8 out[2 * FRAME_MAX];
	__u32 out_len = 0;
	int got = SIDE_N, err;

	tb_peers_drain(peer_fd, SIDE_N);
	err = tb_prog_run_live(main_fd, ifindex[c->side], in, len);
	if (!err)
		err = tb_peer_capture(peer_fd, SIDE_N, CAPTURE_MS, &got, out,
				      &out_len);
	if (err) {
		note("live: nothing left any interface: %s", strerror(-err));
		return false;
	}
	if (got != SIDE_UP) {
		note("live: the frame left through %s, not %s", if_names[got],
		     if_names[SIDE_UP]);
		return false;
	}
	return run_out_ok(XDP_REDIRECT, XDP_REDIRECT, exp, exp_len, out,
			  out_len);
}

static bool no_flow(const struct tcase *c)
{
	struct scmlb_flow_key key = tb_flow_key(c->in.daddr, c->vip,
						c->in.dport, c->vport,
						c->in.proto);

	return tb_flow_check(&lb, &key, NULL);
}

static enum tap_result run_case(const struct tcase *c, const char **skip)
{
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	struct scmlb_stats before, after;
	size_t len, exp_len;
	__u32 out_len = 0;
	int err, act = -1;
	bool ok = true;

	len = frame_build(&c->in, in);
	exp_len = expected_frame(c, in, len, exp);
	err = tb_stats_read(&lb, &before);
	if (!err)
		err = prog_run(main_fd, ifindex[c->side], in, len, out,
			       &out_len, &act);
	if (!err)
		err = tb_stats_read(&lb, &after);
	if (err) {
		note("BPF_PROG_TEST_RUN or the counters: %s", strerror(-err));
		return RES_FAIL;
	}
	ok &= run_out_ok(c->act, act, exp, exp_len, out, out_len);
	ok &= stats_ok(c, &before, &after);
	if (c->no_flow)
		ok &= no_flow(c);
	if (c->live && live_skip)
		*skip = live_skip;
	else if (c->live)
		ok &= live_ok(c, in, len, exp, exp_len);
	return ok ? RES_OK : RES_FAIL;
}

/*
 * The namespace's routes and neighbours, as a node's: the clients'
 * network on stl-up (one client resolved, one not), another behind a
 * router, none for 100.64.0.0/10; forwarding on. Then the services and
 * backends through lib/, as the tools add them: the index with them.
 */
static int fx_setup(void)
{
	static const char *const cmds[] = {
		"sysctl -qw net.ipv4.conf.all.forwarding=1",
		"ip addr add 198.51.100.1/24 dev stl-up",
		"ip addr add 10.0.0.1/24 dev stl-be",
		"ip neigh replace 198.51.100.7 lladdr 02:00:00:00:c1:07 "
		"dev stl-up nud permanent",
		"ip neigh replace 198.51.100.254 lladdr 02:00:00:00:fe:01 "
		"dev stl-up nud permanent",
		"ip route add 192.0.2.0/24 via 198.51.100.254 dev stl-up",
	};
	/* backend n is BE_ADDR(n): 1 and 3 are each in two services */
	static const struct {
		enum svc_name svc;
		__u16 port;		/* 0: the client's */
		int n;
	} bes[] = {
		{ S_A, 0, 1 }, { S_P, 8080, 2 }, { S_F, 0, 3 }, { S_G, 0, 3 },
		{ S_U, 53, 4 }, { S_Q, 443, 1 },
	};
	__u32 ids[S_N];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(cmds) && !err; i++)
		err = tb_run_cmd("%s", cmds[i]);
	if (!err)
		err = tb_if_mac(ifindex[SIDE_UP], mac_up);
	if (!err)
		err = tb_instance(&lb, VIP_A, ifindex[SIDE_UP], mac_up_cfg,
				  CT_SIZE, -1);
	if (!err)
		err = tb_services_add(&lb, svc_specs, S_N, ids);
	for (i = 0; i < ARRAY_SIZE(bes) && !err; i++)
		err = tb_backend_add_to(&lb, ids[bes[i].svc], 1, bes[i].port,
					i + 1, BE_ADDR(bes[i].n),
					ifindex[SIDE_BE], mac_be, mac_beif,
					NULL);
	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	return err;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, fx_setup,
	};
	const char *skip;
	enum tap_result res;
	int failed, i;
	size_t n;

	if (!tb_start(&tb, &failed))
		return failed;
	for (i = 0; i < SIDE_N && !live_skip; i++) {
		peer_fd[i] = tb_peer_open(if_names[i]);
		if (peer_fd[i] < 0)
			live_skip = "cannot open packet sockets on the peers";
	}
	printf("1..%zu\n", ARRAY_SIZE(cases));
	for (n = 0; n < ARRAY_SIZE(cases); n++) {
		notes_reset();
		skip = NULL;
		res = run_case(&cases[n], &skip);
		failed += tap_case(n + 1, cases[n].desc, res, skip);
	}
	scmlb_bpf__destroy(skel);
	return failed ? 1 : 0;
}
