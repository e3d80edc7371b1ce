// SPDX-License-Identifier: GPL-2.0
/* test_dataplane.c - TAP tests of the XDP data plane with BPF_PROG_TEST_RUN */
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
#include "conntrack.h"
#include "frames.h"
#include "maps.h"
#include "scmlb.skel.h"
#include "scmlb_hash.h"
#include "testbed.h"

/* Addresses and ports in host order; the frame builder converts them. */
#define VIP		IP4(203, 0, 113, 11)
#define OTHER_ADDR	IP4(203, 0, 113, 12)
#define CLIENT		IP4(198, 51, 100, 7)
#define STRAY_ADDR	IP4(10, 0, 4, 99)	/* no backend has it */
#define VPORT		8080
#define UPORT		9090

/*
 * Backend n has 10.0.(3 + n).2 and sits behind dpt-be0 (odd n) or
 * dpt-be1 (even n). 1..3 are the usual set; 4 only takes a freed slot.
 */
#define NBE		4
#define BE_ADDR(n)	IP4(10, 0, 3 + (n), 2)
#define BE_SIDE(n)	((n) % 2 ? SIDE_BE0 : SIDE_BE1)

/* Conntrack size of the test instance: far below the default, enough here. */
#define CT_SIZE		1024

/* ct_state of a case: there must be no conntrack entry for its flow. */
#define CT_NONE		0xff

/* How long a redirected frame may take to reach a veth's peer. */
#define CAPTURE_MS	1000

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_client2[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x02 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
/* Index n is backend n: its own MAC, and our MAC toward it. */
static const __u8 mac_be[NBE + 1][ETH_ALEN] = {
	{ 0 },
	{ 0x02, 0, 0, 0, 0xb0, 0x01 },
	{ 0x02, 0, 0, 0, 0xb0, 0x02 },
	{ 0x02, 0, 0, 0, 0xb0, 0x03 },
	{ 0x02, 0, 0, 0, 0xb0, 0x04 },
};
static const __u8 mac_beif[NBE + 1][ETH_ALEN] = {
	{ 0 },
	{ 0x02, 0, 0, 0, 0xf0, 0x01 },
	{ 0x02, 0, 0, 0, 0xf0, 0x02 },
	{ 0x02, 0, 0, 0, 0xf0, 0x03 },
	{ 0x02, 0, 0, 0, 0xf0, 0x04 },
};

/* Our interfaces: veths in a network namespace of the test's own. */
enum side { SIDE_UP, SIDE_BE0, SIDE_BE1, SIDE_N };

static const char *const if_names[SIDE_N] = {
	"dpt-up", "dpt-be0", "dpt-be1",
};

enum prog_sel { PROG_MAIN, PROG_ENTRY };

/*
 * One BPF_PROG_TEST_RUN: setup (NULL keeps what the previous cases left),
 * the frame and where it arrives, and what must come out. act XDP_PASS
 * means the frame must come back untouched; to_be and to_client describe
 * the rewrite of a redirected frame.
 */
struct tcase {
	const char *desc;
	int (*setup)(void);
	enum prog_sel prog;
	enum side side;
	struct frame in;
	int act;
	int to_be;			/* n: sent to backend n */
	const __u8 *to_client;		/* returned to the client's MAC */
	__u8 ct_state;			/* 0: not checked */
	int ct_be;
	__u64 ct_packets;
	bool ct_half_open;		/* kept in the half-open maps */
	const __u8 *ct_mac;		/* NULL: mac_client */
	bool uncounted;			/* the main program never runs */
	/* each protocol's totals since fx_stats(), by enum scmlb_stat_proto */
	const struct scmlb_stats *stats;
	bool live;			/* really sent: caught on a peer */
	enum tb_stat dropped_as;	/* XDP_DROP: the counter it grows */
	bool frag_unmatched;		/* a later fragment without its first */
	bool (*check)(void);		/* more to check after the run */
};

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd, entry_fd;
static __u32 ifindex[SIDE_N];
static int peer_fd[SIDE_N] = { -1, -1, -1 };	/* on the veths' peers */
static const char *live_skip;		/* why live cases cannot run */
static __u32 be_id[NBE + 1];		/* ids the lib gave backends */

/* ---- the BPF side ---- */

/*
 * Every upstream packet counts once per protocol and once for its fate;
 * a backend's packet counts only when it is returned.
 */
static bool stats_delta_ok(const struct tcase *c,
			   const struct scmlb_stats *before,
			   const struct scmlb_stats *after)
{
	__u64 rx = 0, d[TB_STATS_N], want[TB_STATS_N];
	bool ok = true;
	int i;

	memset(want, 0, sizeof(want));
	for (i = 0; i < TB_STATS_N; i++) {
		d[i] = tb_stat_get(after, i) - tb_stat_get(before, i);
		if (i < TB_RX_N)
			rx += d[i];
	}
	if (!c->uncounted) {
		if (c->side == SIDE_UP && rx != 1) {
			note("rx counters grew by %llu, expected 1",
			     (unsigned long long)rx);
			ok = false;
		}
		want[TB_FRAGS_UNMATCHED] = c->frag_unmatched;
		if (c->act == XDP_PASS && c->side == SIDE_UP)
			want[TB_PASSED] = 1;
		else if (c->act == XDP_REDIRECT && c->to_be)
			want[TB_FORWARDED] = 1;
		else if (c->act == XDP_REDIRECT && c->to_client)
			want[TB_RETURNED] = 1;
		else if (c->act == XDP_DROP)
			want[c->dropped_as] = 1;
	}
	for (i = 0; i < TB_STATS_N; i++) {
		if (i < TB_RX_N && c->side == SIDE_UP && !c->uncounted)
			continue;	/* the split: the "counters" cases */
		if (d[i] != want[i]) {
			note("counter %s grew by %llu, expected %llu",
			     tb_stat_name(i), (unsigned long long)d[i],
			     (unsigned long long)want[i]);
			ok = false;
		}
	}
	return ok;
}

/* Each protocol's entry of stat_pkts holds what @want says for it. */
static bool stats_total_ok(const struct scmlb_stats *want)
{
	static const char *const protos[SCMLB_STAT_PROTOS] = {
		"icmp", "tcp", "udp", "other",
	};
	struct scmlb_stats got;
	bool ok = true;
	__u32 p;
	int i, err;

	for (p = 0; p < SCMLB_STAT_PROTOS; p++) {
		err = tb_stats_read_proto(&lb, p, &got);
		if (err) {
			note("reading stat_pkts: %s", strerror(-err));
			return false;
		}
		for (i = 0; i < TB_STATS_N; i++) {
			if (tb_stat_get(&want[p], i) == tb_stat_get(&got, i))
				continue;
			note("%s counter %s: expected %llu, got %llu", protos[p],
			     tb_stat_name(i),
			     (unsigned long long)tb_stat_get(&want[p], i),
			     (unsigned long long)tb_stat_get(&got, i));
			ok = false;
		}
	}
	return ok;
}

/* Frames to the client are replies: their flow is keyed the other way. */
static bool ct_ok(const struct tcase *c)
{
	bool reply = c->in.daddr == CLIENT;
	__u16 vport = reply ? c->in.sport : c->in.dport;
	struct scmlb_flow_key key = reply ?
		tb_flow_key(c->in.daddr, VIP, c->in.dport, vport,
			    c->in.proto) : tb_frame_key(&c->in);
	struct tb_flow_want want = {
		.state = c->ct_state,
		.backend_id = be_id[c->ct_be],
		.service_id = lb.cfg.attach_service,
		.be_addr = BE_ADDR(c->ct_be),
		.be_port = vport,
		.packets = c->ct_packets,
		.client_mac = c->ct_mac ? c->ct_mac : mac_client,
		.half_open = c->ct_half_open,
	};

	return tb_flow_check(&lb, &key, c->ct_state == CT_NONE ? NULL : &want);
}

/* ---- fixtures: configure the instance as the tools do, through lib/ ---- */

/* The round-robin cursor of the VIP's service back at its first backend. */
static int rr_reset(void)
{
	__u32 slot = lb.cfg.attach_service % SCMLB_MAX_SERVICES, zero = 0;

	return bpf_map_update_elem(lb.maps.rr, &slot, &zero, BPF_ANY) ?
	       -errno : 0;
}

/* A fresh instance: no flows, no backends, the VIP's service with no table. */
static int fx_none(void)
{
	int err = tb_wipe(&lb);

	if (!err)
		err = tb_instance(&lb, VIP, ifindex[SIDE_UP], mac_up, CT_SIZE,
				  -1);
	memset(be_id, 0, sizeof(be_id));
	return err;
}

/* Backend @n, as scmlb-lb add adds it. */
static int backend_add(int n)
{
	return tb_backend_add(&lb, n, BE_ADDR(n), ifindex[BE_SIDE(n)],
			      mac_be[n], mac_beif[n], &be_id[n]);
}

static int fx_three(void)
{
	int err = fx_none(), n;

	for (n = 1; n <= 3 && !err; n++)
		err = backend_add(n);
	return err;
}

static int fx_drain2(void)
{
	int err = scmlb_backend_set_status(&lb, be_id[2],
					   SCMLB_BACKEND_DRAINED);

	return err ? err : rr_reset();
}

static int fx_drain_all(void)
{
	int err = fx_three(), n;

	for (n = 1; n <= 3 && !err; n++)
		err = scmlb_backend_set_status(&lb, be_id[n],
					       SCMLB_BACKEND_DRAINED);
	return err;
}

/* scmlb-lb delete refuses a backend that is not drained: drain first. */
static int fx_remove2(void)
{
	int err = scmlb_backend_set_status(&lb, be_id[2],
					   SCMLB_BACKEND_DRAINED);

	if (!err)
		err = scmlb_backend_remove(&lb, be_id[2]);
	return err ? err : rr_reset();
}

/* scmlb-health found backend 2 failing: it leaves the table. */
static int fx_unhealthy2(void)
{
	int err = scmlb_backend_set_health(&lb, be_id[2],
					   SCMLB_HEALTH_UNHEALTHY, 3);

	return err ? err : rr_reset();
}

static int fx_drain3(void)
{
	return scmlb_backend_set_status(&lb, be_id[3], SCMLB_BACKEND_DRAINED);
}

/* Backend 3 (drained) is the last that takes flows once 1 goes. */
static int fx_remove1(void)
{
	int err = scmlb_backend_set_status(&lb, be_id[3],
					   SCMLB_BACKEND_AVAILABLE);

	if (!err)
		err = scmlb_backend_set_status(&lb, be_id[1],
					       SCMLB_BACKEND_DRAINED);
	if (!err)
		err = scmlb_backend_remove(&lb, be_id[1]);
	return err ? err : rr_reset();
}

/* The interface behind backend 3 vanished: the kernel emptied its slot. */
static int fx_tx_gone(void)
{
	return bpf_map_delete_elem(lb.maps.tx_ports, &ifindex[BE_SIDE(3)]) ?
	       -errno : 0;
}

static int fx_tx_back(void)
{
	__u32 i = ifindex[BE_SIDE(3)];

	return bpf_map_update_elem(lb.maps.tx_ports, &i, &i, BPF_ANY) ?
	       -errno : 0;
}

/*
 * Backend 4 takes backend 2's slot (ids are never reused, slots are): as
 * if SCMLB_MAX_BACKENDS backends had come and gone since.
 */
static int fx_slot_reuse(void)
{
	int err = fx_remove2();

	if (err)
		return err;
	lb.cfg.next_backend_id = be_id[2] + SCMLB_MAX_BACKENDS;
	err = scmlb_config_write(&lb, &lb.cfg);
	return err ? err : backend_add(4);
}

static int fx_stats(void)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	struct scmlb_stats *v;
	__u32 proto;

	err = fx_three();
	if (err || ncpu < 0)
		return err ? err : ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (proto = 0; !err && proto < SCMLB_STAT_PROTOS; proto++)
		if (bpf_map_update_elem(lb.maps.stats, &proto, v, BPF_ANY) ||
		    bpf_map_update_elem(lb.maps.stats6, &proto, v, BPF_ANY))
			err = -errno;
	free(v);
	return err;
}

static int fx_entry(void)
{
	__u32 key = SCMLB_PROG_MAIN;
	int err = fx_three();

	if (!err && bpf_map_update_elem(lb.maps.progs, &key, &main_fd, BPF_ANY))
		err = -errno;
	return err;
}

static int fx_entry_empty(void)
{
	__u32 key = SCMLB_PROG_MAIN;

	return bpf_map_delete_elem(lb.maps.progs, &key) ? -errno : 0;
}

static int fx_one_arm(void)
{
	int err = fx_three();

	return err ? err : tb_one_arm_set(&lb, true);
}

/* ---- the cases ---- */

/* Sender and receiver: a client, or a backend (or a stray address). */
#define FROM_CLIENT(mac, to)						\
	.src_mac = (mac), .dst_mac = mac_up, .saddr = CLIENT, .daddr = (to)
#define FROM_BE(addr, n)						\
	.src_mac = mac_be[n], .dst_mac = mac_beif[n], .saddr = (addr),	\
	.daddr = CLIENT
#define TCP_PORTS(sp, dp, fl)						\
	.proto = IPPROTO_TCP, .sport = (sp), .dport = (dp), .tcp_flags = (fl)
#define UDP_PORTS(sp, dp, len)						\
	.proto = IPPROTO_UDP, .sport = (sp), .dport = (dp), .payload = (len)

#define TCP_IN(port, fl)						\
	FROM_CLIENT(mac_client, VIP), TCP_PORTS(port, VPORT, fl)
#define TCP_OUT(n, port, fl)						\
	FROM_BE(BE_ADDR(n), n), TCP_PORTS(VPORT, port, fl)
/* odd payload lengths: the checksum's trailing byte */
#define UDP_IN(port)							\
	FROM_CLIENT(mac_client, VIP), UDP_PORTS(port, UPORT, 13)
#define UDP_OUT(n, port)						\
	FROM_BE(BE_ADDR(n), n), UDP_PORTS(UPORT, port, 7)
#define L3_IN(l4)							\
	FROM_CLIENT(mac_client, VIP), .proto = (l4), .payload = 16

#define ON_BE(n)	.side = BE_SIDE(n)
#define PASS		.act = XDP_PASS
#define DROP(st)	.act = XDP_DROP, .dropped_as = TB_##st
#define FWD(n)		.act = XDP_REDIRECT, .to_be = (n)
#define RET(mac)	.act = XDP_REDIRECT, .to_client = (mac)
#define CT(st, n, pk)							\
	.ct_state = SCMLB_CT_##st, .ct_be = (n), .ct_packets = (pk)
#define NO_CT		.ct_state = CT_NONE
/* a flow still in the half-open maps, though no longer opening */
#define HALF_OPEN	.ct_half_open = true
/* a client's ACK of the SYN-ACK that TCP_OUT() frames carry */
#define ACKS_SYN_ACK	.ack_seq = FRAME_SYN_ACKED

/* ---- half-open flows: a SYN flood against established ones ---- */

/*
 * Established flows the flood must not evict: most of ct_flows, as on a
 * busy balancer, so that the kernel's LRU cannot keep them all by their
 * reference bits alone; and the flood's SYNs, four times what the
 * half-open maps hold (and what ct_flows holds).
 */
#define EST_FLOWS	(CT_SIZE * 3 / 4)
#define EST_PORT	20000
#define FLOOD_SYNS	(4 * SCMLB_CT_OPENING_SIZE(CT_SIZE))
/* The round robin's next backend after them all: 1, 2, 3, 1, ... */
#define AFTER_FLOOD_BE	((EST_FLOWS + FLOOD_SYNS) % 3 + 1)

/* Run @f through the main program as it arrives on @side; act the verdict. */
static int run_frame(const struct frame *f, enum side side, int *act)
{
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;
	size_t len = frame_build(f, in);

	return prog_run(main_fd, ifindex[side], in, len, out, &out_len, act);
}

/* Backend n of the flow from the client's @port, by conntrack; 0: none. */
static int flow_backend(__u16 port)
{
	struct scmlb_flow_key key = tb_flow_key(CLIENT, VIP, port, VPORT,
						IPPROTO_TCP);
	struct tb_flow f;
	int n;

	if (tb_flow_read(&lb, &key, &f) || !f.has_client)
		return 0;
	for (n = 1; n <= NBE; n++)
		if (be_id[n] && be_id[n] == f.client.backend_id)
			return n;
	return 0;
}

/* A whole handshake from the client's @port: SYN, SYN-ACK, ACK. */
static int handshake(__u16 port)
{
	struct frame syn = { TCP_IN(port, TF_SYN) };
	struct frame ack = { TCP_IN(port, TF_ACK), ACKS_SYN_ACK };
	int act, err, n;

	err = run_frame(&syn, SIDE_UP, &act);
	n = err ? 0 : flow_backend(port);
	if (!err && (act != XDP_REDIRECT || !n))
		err = -EPROTO;
	if (!err) {
		struct frame syn_ack = { TCP_OUT(n, port, TF_SYN | TF_ACK) };

		err = run_frame(&syn_ack, BE_SIDE(n), &act);
		if (!err && act != XDP_REDIRECT)
			err = -EPROTO;
	}
	if (!err)
		err = run_frame(&ack, SIDE_UP, &act);
	if (!err && act != XDP_REDIRECT)
		err = -EPROTO;
	return err;
}

/*
 * FLOOD_SYNS SYNs from as many spoofed sources: each opens a half-open
 * flow and none is ever answered.
 */
static int syn_flood(void)
{
	struct frame syn = { TCP_IN(0, TF_SYN) };
	int act, err = 0;
	__u32 i;

	for (i = 0; i < FLOOD_SYNS && !err; i++) {
		syn.saddr = IP4(100, 64, 0, 0) + i;
		syn.sport = 1024 + i % 60000;
		err = run_frame(&syn, SIDE_UP, &act);
		if (!err && act != XDP_REDIRECT)
			err = -EPROTO;
	}
	return err;
}

/* Three backends, EST_FLOWS established flows, a quiet spell, the flood. */
static int fx_established_flood(void)
{
	int err = fx_three(), i;

	for (i = 0; i < EST_FLOWS && !err; i++)
		err = handshake(EST_PORT + i);
	return err ? err : syn_flood();
}

/* Every one of the EST_FLOWS flows is still established in ct_flows. */
static bool established_kept(void)
{
	int i, kept = 0;

	for (i = 0; i < EST_FLOWS; i++) {
		struct scmlb_flow_key key = tb_flow_key(CLIENT, VIP,
							EST_PORT + i, VPORT,
							IPPROTO_TCP);
		struct tb_flow f;

		if (!tb_flow_read(&lb, &key, &f) && f.has_client &&
		    f.has_reply && !f.opening &&
		    f.client.state == SCMLB_CT_ESTABLISHED)
			kept++;
	}
	if (kept != EST_FLOWS)
		note("%d of the %d established flows left in ct_flows", kept,
		     EST_FLOWS);
	return kept == EST_FLOWS;
}

/*
 * Three clients' ports whose flows share a half-open bucket (found with
 * scmlb_opening_bucket() for CLIENT -> VIP:VPORT and CT_SIZE's slots; the
 * fixture checks it), and a fourth port's established flow beside them.
 */
#define SLOT_PORT_A	42031
#define SLOT_PORT_B	42222
#define SLOT_PORT_C	42460
#define SLOT_PORT_EST	42032

static __u32 opening_slot(__u16 port)
{
	struct scmlb_flow_key key = tb_flow_key(CLIENT, VIP, port, VPORT,
						IPPROTO_TCP);

	return scmlb_opening_bucket(&key, scmlb_ct_opening_slots(CT_SIZE) - 1);
}

/* Three backends, an established flow from SLOT_PORT_EST (backend 1). */
static int fx_shared_slot(void)
{
	int err = fx_three();

	if (!err && (opening_slot(SLOT_PORT_A) != opening_slot(SLOT_PORT_B) ||
		     opening_slot(SLOT_PORT_A) != opening_slot(SLOT_PORT_C))) {
		note("ports %u, %u and %u no longer share a half-open bucket",
		     SLOT_PORT_A, SLOT_PORT_B, SLOT_PORT_C);
		err = -EPROTO;
	}
	return err ? err : handshake(SLOT_PORT_EST);
}

/* Whether @port's flow has a half-open entry. */
static bool half_open_found(__u16 port)
{
	struct scmlb_flow_key key = tb_flow_key(CLIENT, VIP, port, VPORT,
						IPPROTO_TCP);
	struct scmlb_flow f;

	return !tb_ct_client_get(&lb, &key, &f) &&
	       (f.flags & SCMLB_FLOW_HALF_OPEN);
}

/* SLOT_PORT_A's and SLOT_PORT_B's half-open entries both kept. */
static bool bucket_shared(void)
{
	bool a = half_open_found(SLOT_PORT_A), b = half_open_found(SLOT_PORT_B);

	if (!a || !b)
		note("half-open entries: port %u %s, port %u %s", SLOT_PORT_A,
		     a ? "kept" : "lost", SLOT_PORT_B, b ? "kept" : "lost");
	return a && b;
}

/*
 * SLOT_PORT_A's half-open entry, the bucket's older, replaced;
 * SLOT_PORT_B's kept; SLOT_PORT_EST's flow intact.
 */
static bool slot_replaced(void)
{
	struct scmlb_flow_key est = tb_flow_key(CLIENT, VIP, SLOT_PORT_EST,
						VPORT, IPPROTO_TCP);
	struct tb_flow e;
	bool ok = true;

	if (half_open_found(SLOT_PORT_A)) {
		note("port %u's half-open entry still found", SLOT_PORT_A);
		ok = false;
	}
	if (!half_open_found(SLOT_PORT_B)) {
		note("port %u's half-open entry lost", SLOT_PORT_B);
		ok = false;
	}
	if (tb_flow_read(&lb, &est, &e) || !e.has_client || e.opening ||
	    e.client.state != SCMLB_CT_ESTABLISHED) {
		note("port %u's established flow changed", SLOT_PORT_EST);
		ok = false;
	}
	return ok;
}

/* The reply entry of the half-open flow from @port to backend @be lost. */
static int lose_reply(int be, __u16 port)
{
	struct scmlb_flow_key rkey = tb_flow_key(BE_ADDR(be), CLIENT, VPORT,
						 port, IPPROTO_TCP);

	return tb_ct_delete(lb.maps.ct_opening_rep, &rkey) ? -errno : 0;
}

static int fx_lose_reply(void)
{
	return lose_reply(3, 42003);
}

static int fx_lose_reply_42004(void)
{
	return lose_reply(1, 42004);
}

/*
 * What scmlb-lb conntrack get lists: the half-open flow from port 42011
 * and the established one from 42012, each with its reply entry.
 */
static bool listing_ok(void)
{
	struct scmlb_ct_table clients, replies;
	int opening = 0, established = 0;
	bool ok = true;
	size_t i;
	int err;

	err = scmlb_ct_read_flows(&lb, &clients, &replies);
	if (err) {
		note("scmlb_ct_read_flows: %s", strerror(-err));
		return false;
	}
	for (i = 0; i < clients.n; i++) {
		const struct scmlb_ct_entry *e = &clients.e[i];
		struct scmlb_flow_key rkey = scmlb_ct_reply_key(e);
		__u16 port = ntohs(e->key.src_port);

		opening += port == 42011 && e->flow.state == SCMLB_CT_OPENING;
		established += port == 42012 &&
			       e->flow.state == SCMLB_CT_ESTABLISHED;
		if (!scmlb_ct_find(&replies, &rkey)) {
			note("no reply entry listed for port %u", port);
			ok = false;
		}
	}
	if (clients.n != 2 || replies.n != 2 || opening != 1 ||
	    established != 1) {
		note("listed %zu flows and %zu replies: %d opening from 42011, "
		     "%d established from 42012; expected 2, 2, 1, 1",
		     clients.n, replies.n, opening, established);
		ok = false;
	}
	scmlb_ct_free(&clients);
	scmlb_ct_free(&replies);
	return ok;
}

/* A walk's callback: any entry at all stops it. */
static int any_entry(const struct scmlb_flow_key *key,
		     const struct scmlb_flow *f, void *arg)
{
	(void)key;
	(void)f;
	(void)arg;
	return 1;
}

/* scmlb-lb conntrack flush: both flows go, from every map. */
static int fx_flush(void)
{
	int fds[] = { lb.maps.ct, lb.maps.ct_replies, lb.maps.ct_opening,
		      lb.maps.ct_opening_rep };
	struct scmlb_flow_key key;
	size_t flows = 0, i;
	int err = scmlb_ct_flush(&lb, &flows);

	if (!err && flows != 2) {
		note("scmlb_ct_flush: %zu flows, expected 2", flows);
		err = -EPROTO;
	}
	for (i = 0; i < ARRAY_SIZE(fds) && !err; i++) {
		if (i < 2 ? !bpf_map_get_next_key(fds[i], NULL, &key) :
			    scmlb_ct_opening_walk(fds[i], any_entry, NULL)) {
			note("an entry left after the flush");
			err = -EPROTO;
		}
	}
	return err;
}

/* Each protocol's packets counted apart: ARP, GRE and the cut header are "other". */
static const struct scmlb_stats stats_after_mix[SCMLB_STAT_PROTOS] = {
	[SCMLB_STAT_ICMP] = { .rx_icmp = 1, .passed = 1 },
	[SCMLB_STAT_TCP] = { .rx_tcp = 2, .passed = 1, .forwarded = 1,
			     .returned = 1 },
	[SCMLB_STAT_UDP] = { .rx_udp = 1, .forwarded = 1 },
	[SCMLB_STAT_OTHER] = { .rx_other = 3, .passed = 3 },
};

static const struct tcase cases[] = {
	/* 1, 2, 4, 5: a connection from SYN to close, then its port reused */
	{ "SYN to the VIP: new flow to backend 1, opening", fx_three,
	  .in = { TCP_IN(40001, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "ACK of the flow: same backend, packets 2, still opening", NULL,
	  .in = { TCP_IN(40001, TF_ACK) }, FWD(1), CT(OPENING, 1, 2) },
	{ "PSH+ACK with 11 bytes of data: same backend", NULL,
	  .in = { TCP_IN(40001, TF_PSH | TF_ACK), .payload = 11 },
	  FWD(1), CT(OPENING, 1, 3) },
	{ "SYN-ACK from backend 1: from the VIP to the client, still opening",
	  NULL, ON_BE(1), .in = { TCP_OUT(1, 40001, TF_SYN | TF_ACK) },
	  RET(mac_client), CT(OPENING, 1, 4) },
	{ "the client's ACK of the SYN-ACK: established, moved to ct_flows",
	  NULL, .in = { TCP_IN(40001, TF_ACK), ACKS_SYN_ACK }, FWD(1),
	  CT(ESTABLISHED, 1, 5) },
	{ "data from backend 1 (100 bytes): returned, established", NULL,
	  ON_BE(1),
	  .in = { TCP_OUT(1, 40001, TF_PSH | TF_ACK), .payload = 100 },
	  RET(mac_client), CT(ESTABLISHED, 1, 6) },
	{ "FIN from the client: to backend 1, closing", NULL,
	  .in = { TCP_IN(40001, TF_FIN | TF_ACK) }, FWD(1), CT(CLOSING, 1, 7) },
	{ "the client's FIN retransmitted: still closing", NULL,
	  .in = { TCP_IN(40001, TF_FIN | TF_ACK) }, FWD(1), CT(CLOSING, 1, 8) },
	{ "data from backend 1 after the client's FIN: half-closed, closing",
	  NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 40001, TF_PSH | TF_ACK), .payload = 100 },
	  RET(mac_client), CT(CLOSING, 1, 9) },
	{ "FIN from backend 1: returned, closed", NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 40001, TF_FIN | TF_ACK) },
	  RET(mac_client), CT(CLOSED, 1, 10) },
	{ "last ACK from the client after both FINs: still to backend 1", NULL,
	  .in = { TCP_IN(40001, TF_ACK) }, FWD(1), CT(CLOSED, 1, 11) },
	{ "new SYN on the closed flow: balanced again, to backend 2", NULL,
	  .in = { TCP_IN(40001, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "RST from the client: to backend 2, closed, still half-open", NULL,
	  .in = { TCP_IN(40001, TF_RST | TF_ACK) }, FWD(2), CT(CLOSED, 2, 2),
	  HALF_OPEN },
	{ "new SYN after the RST: to backend 3", NULL,
	  .in = { TCP_IN(40001, TF_SYN) }, FWD(3), CT(OPENING, 3, 1) },
	{ "RST from backend 3: returned, closed, still half-open", NULL,
	  ON_BE(3), .in = { TCP_OUT(3, 40001, TF_RST) }, RET(mac_client),
	  CT(CLOSED, 3, 2), HALF_OPEN },

	/* the client MAC is recorded per flow; FIN from the backend first */
	{ "SYN from a second client MAC: backend 1, MAC recorded", fx_three,
	  .in = { FROM_CLIENT(mac_client2, VIP),
		  TCP_PORTS(40002, VPORT, TF_SYN) }, FWD(1),
	  CT(OPENING, 1, 1), .ct_mac = mac_client2 },
	{ "SYN-ACK for it: returned to the recorded client MAC", NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 40002, TF_SYN | TF_ACK) }, RET(mac_client2),
	  CT(OPENING, 1, 2), .ct_mac = mac_client2 },
	{ "the client's ACK: established", NULL,
	  .in = { FROM_CLIENT(mac_client2, VIP),
		  TCP_PORTS(40002, VPORT, TF_ACK), ACKS_SYN_ACK },
	  FWD(1), CT(ESTABLISHED, 1, 3), .ct_mac = mac_client2 },
	{ "FIN from backend 1 first: closing", NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 40002, TF_FIN | TF_ACK) }, RET(mac_client2),
	  CT(CLOSING, 1, 4), .ct_mac = mac_client2 },
	{ "backend 1's FIN retransmitted: still closing", NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 40002, TF_FIN | TF_ACK) }, RET(mac_client2),
	  CT(CLOSING, 1, 5), .ct_mac = mac_client2 },
	{ "FIN from the client then: closed", NULL,
	  .in = { FROM_CLIENT(mac_client2, VIP),
		  TCP_PORTS(40002, VPORT, TF_FIN | TF_ACK) },
	  FWD(1), CT(CLOSED, 1, 6), .ct_mac = mac_client2 },
	{ "a late SYN-ACK from backend 1 after both FINs: still closed", NULL,
	  ON_BE(1),
	  .in = { TCP_OUT(1, 40002, TF_SYN | TF_ACK) }, RET(mac_client2),
	  CT(CLOSED, 1, 7), .ct_mac = mac_client2 },

	/* half-open flows: only the client's ACK of the SYN-ACK promotes */
	{ "half-open: SYN from port 42001: to backend 1, in the half-open "
	  "maps only", fx_three, .in = { TCP_IN(42001, TF_SYN) }, FWD(1),
	  CT(OPENING, 1, 1) },
	{ "half-open: an ACK before any SYN-ACK: to backend 1, still half-open",
	  NULL, .in = { TCP_IN(42001, TF_ACK), ACKS_SYN_ACK }, FWD(1),
	  CT(OPENING, 1, 2) },
	{ "half-open: the SYN-ACK of backend 1: returned from the VIP, still "
	  "half-open", NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 42001, TF_SYN | TF_ACK) }, RET(mac_client),
	  CT(OPENING, 1, 3) },
	{ "half-open: the SYN again after the SYN-ACK: still half-open", NULL,
	  .in = { TCP_IN(42001, TF_SYN) }, FWD(1), CT(OPENING, 1, 4) },
	{ "half-open: an ACK that does not acknowledge the SYN-ACK (a blind "
	  "spoofer's): to backend 1, still half-open", NULL,
	  .in = { TCP_IN(42001, TF_ACK), .ack_seq = FRAME_SYN_ACKED + 0x10000 },
	  FWD(1), CT(OPENING, 1, 5) },
	{ "half-open: the client's ACK of the SYN-ACK: established, moved to "
	  "ct_flows and ct_replies", NULL,
	  .in = { TCP_IN(42001, TF_ACK), ACKS_SYN_ACK }, FWD(1),
	  CT(ESTABLISHED, 1, 6) },
	{ "promoted: backend 1's data returned from the VIP", NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 42001, TF_PSH | TF_ACK), .payload = 10 },
	  RET(mac_client), CT(ESTABLISHED, 1, 7) },
	{ "half-open: SYN from port 42002: to backend 2", NULL,
	  .in = { TCP_IN(42002, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "half-open: backend 2's SYN-ACK", NULL, ON_BE(2),
	  .in = { TCP_OUT(2, 42002, TF_SYN | TF_ACK) }, RET(mac_client),
	  CT(OPENING, 2, 2) },
	{ "half-open: an ACK of the SYN-ACK and of 1000 bytes sent after it "
	  "(TCP Fast Open): established", NULL,
	  .in = { TCP_IN(42002, TF_ACK), .ack_seq = FRAME_SYN_ACKED + 1000 },
	  FWD(2), CT(ESTABLISHED, 2, 3) },
	{ "half-open: SYN from port 42003: to backend 3", NULL,
	  .in = { TCP_IN(42003, TF_SYN) }, FWD(3), CT(OPENING, 3, 1) },
	{ "half-open: backend 3's SYN-ACK", NULL, ON_BE(3),
	  .in = { TCP_OUT(3, 42003, TF_SYN | TF_ACK) }, RET(mac_client),
	  CT(OPENING, 3, 2) },
	{ "half-open, its reply entry evicted: the client's ACK still "
	  "promotes, the reply entry made anew", fx_lose_reply,
	  .in = { TCP_IN(42003, TF_ACK), ACKS_SYN_ACK }, FWD(3),
	  CT(ESTABLISHED, 3, 2) },
	{ "promoted with a new reply entry: backend 3's data returned", NULL,
	  ON_BE(3), .in = { TCP_OUT(3, 42003, TF_PSH | TF_ACK), .payload = 3 },
	  RET(mac_client), CT(ESTABLISHED, 3, 3) },
	{ "half-open: SYN from port 42004: to backend 1", NULL,
	  .in = { TCP_IN(42004, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "half-open, its reply entry evicted: the client's retransmitted SYN "
	  "goes to backend 1 and makes the reply entry anew", fx_lose_reply_42004,
	  .in = { TCP_IN(42004, TF_SYN) }, FWD(1), CT(OPENING, 1, 2) },
	{ "half-open, reply entry made anew: backend 1's SYN-ACK returned",
	  NULL, ON_BE(1), .in = { TCP_OUT(1, 42004, TF_SYN | TF_ACK) },
	  RET(mac_client), CT(OPENING, 1, 3) },

	/* conntrack get and flush see the half-open flows */
	{ "listing: SYN from port 42011, left half-open", fx_three,
	  .in = { TCP_IN(42011, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "listing: SYN from port 42012", NULL,
	  .in = { TCP_IN(42012, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "listing: its SYN-ACK", NULL, ON_BE(2),
	  .in = { TCP_OUT(2, 42012, TF_SYN | TF_ACK) }, RET(mac_client),
	  CT(OPENING, 2, 2) },
	{ "listing: its ACK; conntrack get lists both flows, half-open and "
	  "established, with their replies", NULL,
	  .in = { TCP_IN(42012, TF_ACK), ACKS_SYN_ACK }, FWD(2),
	  CT(ESTABLISHED, 2, 3), .check = listing_ok },
	{ "conntrack flush empties both kinds: the established flow's ACK is "
	  "the kernel's", fx_flush,
	  .in = { TCP_IN(42012, TF_ACK) }, PASS, NO_CT },
	{ "after the flush: the half-open flow's SYN-ACK is the kernel's (an "
	  "any-port service's: not in the reply index, not counted)", NULL,
	  ON_BE(1), .in = { TCP_OUT(1, 42011, TF_SYN | TF_ACK) }, PASS,
	  NO_CT },

	/* a SYN flood evicts half-open flows, never established ones */
	{ "established flows filling 3/4 of ct_flows, then a flood of SYNs "
	  "from spoofed sources 4x the half-open table: the oldest flow's ACK "
	  "still goes to backend 1, and every one is still in ct_flows",
	  fx_established_flood, .in = { TCP_IN(EST_PORT, TF_ACK) }, FWD(1),
	  CT(ESTABLISHED, 1, 4), .check = established_kept },
	{ "after the flood: a new SYN still opens a half-open flow", NULL,
	  .in = { TCP_IN(42021, TF_SYN) }, FWD(AFTER_FLOOD_BE),
	  CT(OPENING, AFTER_FLOOD_BE, 1) },

	/* half-open flows: buckets of two ways, the older way replaced */
	{ "shared bucket: an established flow from port 42032, then SYN from "
	  "42031: to backend 2", fx_shared_slot,
	  .in = { TCP_IN(SLOT_PORT_A, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "shared bucket: SYN from 42222, whose key maps to 42031's bucket: to "
	  "backend 3, and both half-open flows kept", NULL,
	  .in = { TCP_IN(SLOT_PORT_B, TF_SYN) }, FWD(3), CT(OPENING, 3, 1),
	  .check = bucket_shared },
	{ "shared bucket: SYN from 42460, its third flow: to backend 1, "
	  "replacing the older entry (42031's); 42222's and 42032's flows "
	  "untouched", NULL,
	  .in = { TCP_IN(SLOT_PORT_C, TF_SYN) }, FWD(1), CT(OPENING, 1, 1),
	  .check = slot_replaced },
	{ "shared bucket: 42031's ACK is not taken for another flow's (the "
	  "slots' keys differ): the kernel's", NULL,
	  .in = { TCP_IN(SLOT_PORT_A, TF_ACK), ACKS_SYN_ACK }, PASS },
	{ "shared bucket: backend 1's SYN-ACK to 42460 returned", NULL,
	  ON_BE(1), .in = { TCP_OUT(1, SLOT_PORT_C, TF_SYN | TF_ACK) },
	  RET(mac_client), CT(OPENING, 1, 2) },
	{ "shared bucket: 42460's ACK promotes its flow", NULL,
	  .in = { TCP_IN(SLOT_PORT_C, TF_ACK), ACKS_SYN_ACK }, FWD(1),
	  CT(ESTABLISHED, 1, 3) },
	{ "shared bucket: backend 3's SYN-ACK to 42222 returned", NULL,
	  ON_BE(3), .in = { TCP_OUT(3, SLOT_PORT_B, TF_SYN | TF_ACK) },
	  RET(mac_client), CT(OPENING, 3, 2) },
	{ "shared bucket: 42222's ACK promotes its flow", NULL,
	  .in = { TCP_IN(SLOT_PORT_B, TF_ACK), ACKS_SYN_ACK }, FWD(3),
	  CT(ESTABLISHED, 3, 3) },
	{ "shared bucket: the established flow from 42032 still to backend 1",
	  NULL, .in = { TCP_IN(SLOT_PORT_EST, TF_ACK) }, FWD(1),
	  CT(ESTABLISHED, 1, 4) },

	/* 3: round robin */
	{ "round robin: SYN from port 40101 to backend 1", fx_three,
	  .in = { TCP_IN(40101, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "round robin: SYN from port 40102 to backend 2", NULL,
	  .in = { TCP_IN(40102, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "round robin: SYN from port 40103 to backend 3", NULL,
	  .in = { TCP_IN(40103, TF_SYN) }, FWD(3), CT(OPENING, 3, 1) },
	{ "round robin: SYN from port 40104 to backend 1 again", NULL,
	  .in = { TCP_IN(40104, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "retransmitted SYN of port 40102: same backend 2", NULL,
	  .in = { TCP_IN(40102, TF_SYN) }, FWD(2), CT(OPENING, 2, 2) },

	/* 9: UDP */
	{ "UDP to the VIP: new flow to backend 1, checksum exact", fx_three,
	  .in = { UDP_IN(5001) }, FWD(1), CT(UDP, 1, 1) },
	{ "UDP with checksum 0: to backend 2, checksum stays 0", NULL,
	  .in = { UDP_IN(5002), .udp_csum_zero = true }, FWD(2),
	  CT(UDP, 2, 1) },
	{ "UDP reply with checksum 0 from backend 2: returned, stays 0", NULL,
	  ON_BE(2), .in = { UDP_OUT(2, 5002), .udp_csum_zero = true },
	  RET(mac_client), CT(UDP, 2, 2) },
	{ "UDP reply from backend 1: source to the VIP, checksum exact", NULL,
	  ON_BE(1), .in = { UDP_OUT(1, 5001) }, RET(mac_client),
	  CT(UDP, 1, 2) },
	{ "second datagram of the first UDP flow: same backend 1", NULL,
	  .in = { FROM_CLIENT(mac_client, VIP), UDP_PORTS(5001, UPORT, 1) },
	  FWD(1), CT(UDP, 1, 3) },
	{ "UDP whose new checksum computes to 0: sent as 0xffff", NULL,
	  .in = { UDP_IN(5003), .zero_csum_daddr = BE_ADDR(3) }, FWD(3),
	  CT(UDP, 3, 1) },

	/* 8: IP options, TCP options, Ethernet trailer */
	{ "SYN with IHL 6: TCP found after the option, to backend 1", fx_three,
	  .in = { TCP_IN(40201, TF_SYN), .ihl = 6 }, FWD(1),
	  CT(OPENING, 1, 1) },
	{ "SYN with IHL 15 (40 bytes of options): to backend 2", NULL,
	  .in = { TCP_IN(40202, TF_SYN), .ihl = 15 }, FWD(2),
	  CT(OPENING, 2, 1) },
	{ "data with IHL 15 on that flow: backend 2", NULL,
	  .in = { TCP_IN(40202, TF_PSH | TF_ACK), .ihl = 15, .payload = 5 },
	  FWD(2), CT(OPENING, 2, 2) },
	{ "SYN-ACK with IHL 6 from backend 2: returned", NULL, ON_BE(2),
	  .in = { TCP_OUT(2, 40202, TF_SYN | TF_ACK), .ihl = 6 },
	  RET(mac_client), CT(OPENING, 2, 3) },
	{ "SYN with a 6-byte Ethernet trailer: forwarded, trailer kept", NULL,
	  .in = { TCP_IN(40203, TF_SYN), .pad = 6 }, FWD(3),
	  CT(OPENING, 3, 1) },
	{ "SYN with 12 bytes of TCP options: to backend 1", NULL,
	  .in = { TCP_IN(40204, TF_SYN), .doff = 8 }, FWD(1),
	  CT(OPENING, 1, 1) },

	/* 6: not for the VIP */
	{ "SYN to another address on the upstream: passed untouched", fx_three,
	  .in = { FROM_CLIENT(mac_client, OTHER_ADDR),
		  TCP_PORTS(40301, VPORT, TF_SYN) }, PASS, NO_CT },
	{ "UDP to another address: passed untouched", NULL,
	  .in = { FROM_CLIENT(mac_client, OTHER_ADDR),
		  UDP_PORTS(5301, UPORT, 13) }, PASS, NO_CT },

	/* 7: truncated and inconsistent frames */
	{ "10-byte frame (Ethernet header cut): passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .cut = 10 }, PASS, NO_CT },
	{ "Ethernet header only: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .cut = ETH_HLEN }, PASS, NO_CT },
	{ "IPv4 header cut after 12 bytes: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .cut = ETH_HLEN + 12 }, PASS, NO_CT },
	{ "IHL 15 with the frame ending in the options: passed", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .ihl = 15, .cut = ETH_HLEN + 40 },
	  PASS, NO_CT },
	{ "TCP header cut after 10 bytes: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .cut = ETH_HLEN + 30 }, PASS, NO_CT },
	{ "TCP header cut, tot_len matching the cut: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .tot_len = 30, .cut = ETH_HLEN + 30 },
	  PASS, NO_CT },
	{ "TCP header in the frame but beyond tot_len: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .tot_len = 30 }, PASS, NO_CT },
	{ "UDP header cut after 4 bytes: passed untouched", NULL,
	  .in = { UDP_IN(5302), .cut = ETH_HLEN + 24 }, PASS, NO_CT },
	{ "UDP header cut, tot_len matching the cut: passed untouched", NULL,
	  .in = { UDP_IN(5302), .tot_len = 24, .cut = ETH_HLEN + 24 },
	  PASS, NO_CT },
	{ "UDP header in the frame but beyond tot_len: passed untouched", NULL,
	  .in = { UDP_IN(5302), .tot_len = 24 }, PASS, NO_CT },
	{ "IHL 4: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .ihl = 4 }, PASS, NO_CT },
	{ "IP version 6 behind the IPv4 ethertype: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .ip_version = 6 }, PASS, NO_CT },
	{ "tot_len one byte beyond the frame: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .tot_len = 41 }, PASS, NO_CT },
	{ "tot_len below the IHL: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .tot_len = 16 }, PASS, NO_CT },
	{ "TCP data offset 4: passed untouched", NULL,
	  .in = { TCP_IN(40302, TF_SYN), .doff = 4 }, PASS, NO_CT },

	/* 10: drain */
	{ "drain: SYN from port 40401 to backend 1", fx_three,
	  .in = { TCP_IN(40401, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "drain: SYN from port 40402 to backend 2", NULL,
	  .in = { TCP_IN(40402, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "backend 2 drained: new SYN to backend 1", fx_drain2,
	  .in = { TCP_IN(40403, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "backend 2 drained: next SYN to backend 3", NULL,
	  .in = { TCP_IN(40404, TF_SYN) }, FWD(3), CT(OPENING, 3, 1) },
	{ "backend 2 drained: next SYN to backend 1", NULL,
	  .in = { TCP_IN(40405, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "backend 2 drained: next UDP flow to backend 3", NULL,
	  .in = { UDP_IN(5401) }, FWD(3), CT(UDP, 3, 1) },
	{ "ACK of backend 2's flow: still to the drained backend 2", NULL,
	  .in = { TCP_IN(40402, TF_ACK) }, FWD(2), CT(OPENING, 2, 2) },
	{ "SYN-ACK from the drained backend 2: returned", NULL, ON_BE(2),
	  .in = { TCP_OUT(2, 40402, TF_SYN | TF_ACK) }, RET(mac_client),
	  CT(OPENING, 2, 3) },

	/* 11: no backend */
	{ "SYN with no backend at all: passed untouched, no flow", fx_none,
	  .in = { TCP_IN(40501, TF_SYN) }, PASS, NO_CT },
	{ "UDP with no backend at all: passed untouched, no flow", NULL,
	  .in = { UDP_IN(5501) }, PASS, NO_CT },
	{ "SYN with every backend drained: passed untouched, no flow",
	  fx_drain_all, .in = { TCP_IN(40502, TF_SYN) }, PASS, NO_CT },
	{ "UDP with every backend drained: passed untouched, no flow", NULL,
	  .in = { UDP_IN(5502) }, PASS, NO_CT },

	/* 12: TCP that does not open a connection */
	{ "ACK of an unknown flow: passed untouched, no flow", fx_three,
	  .in = { TCP_IN(40601, TF_ACK) }, PASS, NO_CT },
	{ "SYN+ACK to the VIP of an unknown flow: passed untouched", NULL,
	  .in = { TCP_IN(40602, TF_SYN | TF_ACK) }, PASS, NO_CT },
	{ "RST of an unknown flow: passed untouched", NULL,
	  .in = { TCP_IN(40603, TF_RST) }, PASS, NO_CT },
	{ "FIN of an unknown flow: passed untouched", NULL,
	  .in = { TCP_IN(40604, TF_FIN | TF_ACK) }, PASS, NO_CT },
	{ "SYN+RST of an unknown flow: passed untouched", NULL,
	  .in = { TCP_IN(40605, TF_SYN | TF_RST) }, PASS, NO_CT },

	/* 13: what is not balanced */
	/* fragments: later ones follow their first */
	{ "first fragment of a SYN (MF set): to backend 1, as a whole one",
	  fx_three, .in = { TCP_IN(40701, TF_SYN), .frag_off = IP_MF,
			    .ip_id = 0x1001 }, FWD(1), CT(OPENING, 1, 1) },
	{ "a later fragment of that datagram (offset 128): to backend 1, "
	  "only its destination rewritten", NULL,
	  .in = { TCP_IN(40701, TF_SYN), .frag_off = 16, .ip_id = 0x1001 },
	  FWD(1), CT(OPENING, 1, 1) },
	{ "a later fragment of a datagram whose first was not seen: passed "
	  "untouched, counted", NULL,
	  .in = { TCP_IN(40702, TF_SYN), .frag_off = 16, .ip_id = 0x1002 },
	  PASS, NO_CT, .frag_unmatched = true },
	{ "first fragment of a UDP datagram: to backend 2", NULL,
	  .in = { UDP_IN(5701), .frag_off = IP_MF, .ip_id = 0x1003 },
	  FWD(2), CT(UDP, 2, 1) },
	{ "its last fragment: to backend 2", NULL,
	  .in = { UDP_IN(5701), .frag_off = 185, .ip_id = 0x1003 },
	  FWD(2), CT(UDP, 2, 1) },
	{ "backend 2's fragmented reply, first fragment: from the VIP", NULL,
	  ON_BE(2), .in = { UDP_OUT(2, 5701), .frag_off = IP_MF,
			    .ip_id = 0x2001 }, RET(mac_client), CT(UDP, 2, 2) },
	{ "its later fragment: from the VIP, only its source rewritten", NULL,
	  ON_BE(2), .in = { UDP_OUT(2, 5701), .frag_off = IP_MF | 185,
			    .ip_id = 0x2001 }, RET(mac_client), CT(UDP, 2, 2) },
	{ "a later fragment of the client's datagram from the backend side: "
	  "passed", NULL, ON_BE(2),
	  .in = { UDP_IN(5701), .frag_off = 185, .ip_id = 0x1003 }, PASS },
	{ "ICMP echo to the VIP: passed untouched", NULL,
	  .in = { L3_IN(IPPROTO_ICMP) }, PASS },
	{ "GRE to the VIP: passed untouched", NULL,
	  .in = { L3_IN(IPPROTO_GRE) }, PASS },
	{ "ARP ethertype (a SYN to the VIP behind it): passed untouched", NULL,
	  .in = { TCP_IN(40703, TF_SYN), .eth_proto = ETH_P_ARP }, PASS,
	  NO_CT },
	{ "IPv6 ethertype (a SYN to the VIP behind it): passed untouched", NULL,
	  .in = { TCP_IN(40703, TF_SYN), .eth_proto = ETH_P_IPV6 }, PASS,
	  NO_CT },
	{ "802.1Q ethertype (a SYN to the VIP behind it): passed untouched",
	  NULL, .in = { TCP_IN(40703, TF_SYN), .eth_proto = ETH_P_8021Q },
	  PASS, NO_CT },

	/* 14: replies that are not a tracked flow's */
	{ "spoofing: SYN from port 40801 to backend 1", fx_three,
	  .in = { TCP_IN(40801, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "its reply from backend 2's address: passed untouched, flow kept",
	  NULL, ON_BE(2), .in = { TCP_OUT(2, 40801, TF_SYN | TF_ACK) }, PASS,
	  CT(OPENING, 1, 1) },
	{ "its reply from a stray address: passed untouched, flow unchanged",
	  NULL, ON_BE(1),
	  .in = { FROM_BE(STRAY_ADDR, 1),
		  TCP_PORTS(VPORT, 40801, TF_SYN | TF_ACK) }, PASS,
	  CT(OPENING, 1, 1) },
	{ "its reply from backend 1 but port 8081: passed untouched", NULL,
	  ON_BE(1), .in = { FROM_BE(BE_ADDR(1), 1),
		  TCP_PORTS(VPORT + 1, 40801, TF_SYN | TF_ACK) },
	  PASS, NO_CT },
	{ "UDP from backend 1 with the TCP flow's ports: passed untouched",
	  NULL, ON_BE(1),
	  .in = { FROM_BE(BE_ADDR(1), 1), UDP_PORTS(VPORT, 40801, 7) }, PASS,
	  NO_CT },
	{ "reply from backend 1 for an unknown flow: passed untouched", NULL,
	  ON_BE(1), .in = { TCP_OUT(1, 40899, TF_SYN | TF_ACK) }, PASS, NO_CT },
	{ "the real SYN-ACK from backend 1 still returned", NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 40801, TF_SYN | TF_ACK) }, RET(mac_client),
	  CT(OPENING, 1, 2) },

	/* 15: removed backend */
	{ "removal: SYN from port 40901 to backend 1", fx_three,
	  .in = { TCP_IN(40901, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "removal: SYN from port 40902 to backend 2", NULL,
	  .in = { TCP_IN(40902, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "backend 2 drained and removed: ACK of its flow dropped and counted, "
	  "the flow forgotten (IPVS's expire_nodest_conn)",
	  fx_remove2, .in = { TCP_IN(40902, TF_ACK) }, DROP(NODEST_DROPPED),
	  NO_CT },
	{ "the next ACK of that flow: unknown now, the kernel's (it resets)",
	  NULL, .in = { TCP_IN(40902, TF_ACK) }, PASS, NO_CT },
	{ "reply from the removed backend 2: passed untouched", NULL, ON_BE(2),
	  .in = { TCP_OUT(2, 40902, TF_SYN | TF_ACK) }, PASS },
	{ "backend 2 removed: new SYN to backend 1", NULL,
	  .in = { TCP_IN(40903, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "backend 2 removed: next SYN to backend 3", NULL,
	  .in = { TCP_IN(40904, TF_SYN) }, FWD(3), CT(OPENING, 3, 1) },
	{ "new SYN on the removed backend's flow: balanced, to backend 1", NULL,
	  .in = { TCP_IN(40902, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "ACK of backend 1's older flow: unaffected", NULL,
	  .in = { TCP_IN(40901, TF_ACK) }, FWD(1), CT(OPENING, 1, 2) },

	/* failed backends: UDP flows move; drained ones keep theirs */
	{ "failed: UDP from port 5951 to backend 1", fx_three,
	  .in = { UDP_IN(5951) }, FWD(1), CT(UDP, 1, 1) },
	{ "failed: UDP from port 5952 to backend 2", NULL,
	  .in = { UDP_IN(5952) }, FWD(2), CT(UDP, 2, 1) },
	{ "failed: UDP from port 5953 to backend 3", NULL,
	  .in = { UDP_IN(5953) }, FWD(3), CT(UDP, 3, 1) },
	{ "backend 2 unhealthy: its UDP flow moves to backend 1 with the next "
	  "datagram", fx_unhealthy2, .in = { UDP_IN(5952) }, FWD(1),
	  CT(UDP, 1, 1) },
	{ "backend 2 unhealthy: backend 3's UDP flow stays", NULL,
	  .in = { UDP_IN(5953) }, FWD(3), CT(UDP, 3, 2) },
	{ "backend 3 drained: its UDP flow stays (graceful)", fx_drain3,
	  .in = { UDP_IN(5953) }, FWD(3), CT(UDP, 3, 3) },
	{ "backend 1 removed: its UDP flows move to backend 3, the only one "
	  "left", fx_remove1, .in = { UDP_IN(5951) }, FWD(3), CT(UDP, 3, 1) },
	{ "backend 3's interface gone from the devmap: rewritten for it but "
	  "dropped, a tx error, not forwarded", fx_tx_gone,
	  .in = { UDP_IN(5953) }, DROP(TX_ERRORS), .to_be = 3 },
	{ "the interface back: backend 3 again", fx_tx_back,
	  .in = { UDP_IN(5953) }, FWD(3), CT(UDP, 3, 5) },

	/* a freed slot taken by a new backend does not inherit old flows */
	{ "slot reuse: SYN from port 41401 to backend 1", fx_three,
	  .in = { TCP_IN(41401, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "slot reuse: SYN from port 41402 to backend 2", NULL,
	  .in = { TCP_IN(41402, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "backend 4 in backend 2's slot: ACK of 2's flow dropped, not sent "
	  "to 4", fx_slot_reuse, .in = { TCP_IN(41402, TF_ACK) },
	  DROP(NODEST_DROPPED), NO_CT },
	{ "backend 4 in backend 2's slot: reply from 2's address passed", NULL,
	  ON_BE(2), .in = { TCP_OUT(2, 41402, TF_SYN | TF_ACK) }, PASS },
	{ "slot reuse: new SYN to backend 1", NULL,
	  .in = { TCP_IN(41403, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "slot reuse: next SYN to backend 3", NULL,
	  .in = { TCP_IN(41404, TF_SYN) }, FWD(3), CT(OPENING, 3, 1) },
	{ "slot reuse: next SYN to backend 4", NULL,
	  .in = { TCP_IN(41405, TF_SYN) }, FWD(4), CT(OPENING, 4, 1) },
	{ "slot reuse: SYN-ACK from backend 4 returned", NULL, ON_BE(4),
	  .in = { TCP_OUT(4, 41405, TF_SYN | TF_ACK) }, RET(mac_client),
	  CT(OPENING, 4, 2) },

	/* 16: counters, summed over the CPUs */
	{ "counters: SYN forwarded", fx_stats,
	  .in = { TCP_IN(41001, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "counters: ACK of an unknown flow passed", NULL,
	  .in = { TCP_IN(41099, TF_ACK) }, PASS },
	{ "counters: UDP forwarded", NULL, .in = { UDP_IN(5901) }, FWD(2) },
	{ "counters: ICMP passed", NULL, .in = { L3_IN(IPPROTO_ICMP) }, PASS },
	{ "counters: ARP passed", NULL,
	  .in = { TCP_IN(41002, TF_SYN), .eth_proto = ETH_P_ARP }, PASS },
	{ "counters: GRE passed", NULL,
	  .in = { L3_IN(IPPROTO_GRE) }, PASS },
	{ "counters: cut IPv4 header passed", NULL,
	  .in = { TCP_IN(41003, TF_SYN), .cut = ETH_HLEN + 12 }, PASS },
	{ "counters: SYN-ACK from backend 1 returned", NULL, ON_BE(1),
	  .in = { TCP_OUT(1, 41001, TF_SYN | TF_ACK) }, RET(mac_client) },
	{ "counters: unknown reply passed; each protocol's totals as the 9 frames above",
	  NULL, ON_BE(1), .in = { TCP_OUT(1, 41098, TF_SYN | TF_ACK) }, PASS,
	  .stats = stats_after_mix },

	/* 17: the entry program tail-calls the main program */
	{ "entry with the main program in lb_progs: SYN to backend 1",
	  fx_entry, .prog = PROG_ENTRY, .in = { TCP_IN(41101, TF_SYN) },
	  FWD(1), CT(OPENING, 1, 1) },
	{ "entry: SYN-ACK from backend 1 returned", NULL, .prog = PROG_ENTRY,
	  ON_BE(1), .in = { TCP_OUT(1, 41101, TF_SYN | TF_ACK) },
	  RET(mac_client), CT(OPENING, 1, 2) },
	{ "entry: SYN to another address passed untouched", NULL,
	  .prog = PROG_ENTRY,
	  .in = { FROM_CLIENT(mac_client, OTHER_ADDR),
		  TCP_PORTS(41102, VPORT, TF_SYN) }, PASS, NO_CT },
	{ "entry with lb_progs empty: SYN passed untouched, nothing counted",
	  fx_entry_empty, .prog = PROG_ENTRY, .in = { TCP_IN(41103, TF_SYN) },
	  PASS, NO_CT, .uncounted = true },
	{ "entry with lb_progs empty: FIN from backend 1 passed, flow kept",
	  NULL, .prog = PROG_ENTRY, ON_BE(1),
	  .in = { TCP_OUT(1, 41101, TF_FIN | TF_ACK) }, PASS,
	  CT(OPENING, 1, 2), .uncounted = true },

	/* one-arm: backends' replies arrive on the upstream */
	{ "one-arm: SYN to backend 1", fx_one_arm,
	  .in = { TCP_IN(41201, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "one-arm: SYN-ACK from backend 1 on the upstream: returned", NULL,
	  .in = { TCP_OUT(1, 41201, TF_SYN | TF_ACK) }, RET(mac_client),
	  CT(OPENING, 1, 2) },
	{ "one-arm: backend 1's reply to an unknown flow on the upstream: the "
	  "kernel's, none returned without conntrack there", NULL,
	  .in = { TCP_OUT(1, 41299, TF_PSH | TF_ACK) }, PASS, NO_CT },
	{ "not one-arm: SYN to backend 1", fx_three,
	  .in = { TCP_IN(41202, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
	{ "not one-arm: SYN-ACK from backend 1 on the upstream: passed", NULL,
	  .in = { TCP_OUT(1, 41202, TF_SYN | TF_ACK) }, PASS,
	  CT(OPENING, 1, 1) },

	/* live redirects: the frame must leave through the right interface */
	{ "live: SYN to backend 1 leaves through dpt-be0", fx_three,
	  .live = true, .in = { TCP_IN(41301, TF_SYN) }, FWD(1),
	  CT(OPENING, 1, 1) },
	{ "live: SYN to backend 2 leaves through dpt-be1", NULL, .live = true,
	  .in = { TCP_IN(41302, TF_SYN) }, FWD(2), CT(OPENING, 2, 1) },
	{ "live: SYN to backend 3 leaves through dpt-be0", NULL, .live = true,
	  .in = { TCP_IN(41303, TF_SYN) }, FWD(3), CT(OPENING, 3, 1) },
	{ "live: SYN-ACK from backend 2 leaves through the upstream", NULL,
	  .live = true, ON_BE(2), .in = { TCP_OUT(2, 41302, TF_SYN | TF_ACK) },
	  RET(mac_client), CT(OPENING, 2, 2) },
	{ "live: UDP to backend 1 leaves through dpt-be0", NULL, .live = true,
	  .in = { UDP_IN(5303) }, FWD(1), CT(UDP, 1, 1) },
	{ "live: UDP from backend 1 leaves through the upstream", NULL,
	  .live = true, ON_BE(1), .in = { UDP_OUT(1, 5303) }, RET(mac_client),
	  CT(UDP, 1, 2) },
	{ "live, entry program: SYN to backend 1 leaves through dpt-be0",
	  fx_entry, .prog = PROG_ENTRY, .live = true,
	  .in = { TCP_IN(41304, TF_SYN) }, FWD(1), CT(OPENING, 1, 1) },
};

/*
 * A later fragment rewritten: one address and the MACs, the IPv4
 * checksum recomputed; its bytes past the header are the datagram's
 * data, untouched.
 */
static size_t expected_fragment(const struct tcase *c, const __u8 *in,
				size_t len, __u8 *exp)
{
	__u8 *ip = exp + ETH_HLEN;
	size_t hlen = (in[ETH_HLEN] & 0xf) * 4;

	memcpy(exp, in, len);
	if (c->to_be) {
		memcpy(exp, mac_be[c->to_be], ETH_ALEN);
		memcpy(exp + ETH_ALEN, mac_beif[c->to_be], ETH_ALEN);
		put32(ip + 16, BE_ADDR(c->to_be));
	} else {
		memcpy(exp, c->to_client, ETH_ALEN);
		memcpy(exp + ETH_ALEN, mac_up, ETH_ALEN);
		put32(ip + 12, VIP);
	}
	put16(ip + 10, 0);
	put16(ip + 10, ~sum_fold(sum16(ip, hlen, 0)));
	return len;
}

/* The frame @c must produce: its input, rewritten as a NAT would. */
static size_t expected_frame(const struct tcase *c, const __u8 *in,
			     size_t len, __u8 *exp)
{
	struct frame f = c->in;

	if ((c->to_be || c->to_client) && (c->in.frag_off & 0x1fff))
		return expected_fragment(c, in, len, exp);
	if (c->to_be) {
		f.daddr = BE_ADDR(c->to_be);
		f.src_mac = mac_beif[c->to_be];
		f.dst_mac = mac_be[c->to_be];
	} else if (c->to_client) {
		f.saddr = VIP;
		f.src_mac = mac_up;
		f.dst_mac = c->to_client;
	} else {
		memcpy(exp, in, len);
		return len;
	}
	return frame_build(&f, exp);
}

/* A live run has no action to show: where the frame left stands for it. */
static int run_live(const struct tcase *c, int fd, const __u8 *in,
		    __u32 len, __u8 *out, __u32 *out_len)
{
	int want = c->to_be ? BE_SIDE(c->to_be) : SIDE_UP, got = SIDE_N;
	int err;

	tb_peers_drain(peer_fd, SIDE_N);
	err = tb_prog_run_live(fd, ifindex[c->side], in, len);
	if (err)
		return err;
	err = tb_peer_capture(peer_fd, SIDE_N, CAPTURE_MS, &got, out, out_len);
	if (err) {
		note("no frame left any interface within %d ms", CAPTURE_MS);
		return 1;
	}
	if (got != want) {
		note("frame left through %s, expected %s", if_names[got],
		     if_names[want]);
		return 1;
	}
	return 0;
}

static enum tap_result run_case(const struct tcase *c, const char **skip)
{
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	int fd = c->prog == PROG_ENTRY ? entry_fd : main_fd;
	struct scmlb_stats before, after;
	size_t len, exp_len;
	__u32 out_len = 0;
	int err, act = -1;
	bool ok = true;

	if (c->live && live_skip) {
		*skip = live_skip;
		return RES_SKIP;
	}
	if (c->setup) {
		err = c->setup();
		if (err) {
			note("setup failed: %s", strerror(-err));
			return RES_FAIL;
		}
	}
	len = frame_build(&c->in, in);
	exp_len = expected_frame(c, in, len, exp);

	err = tb_stats_read(&lb, &before);
	if (!err && c->live) {
		err = run_live(c, fd, in, len, out, &out_len);
		ok = !err;
		act = XDP_REDIRECT;
		err = err > 0 ? 0 : err;
	} else if (!err) {
		err = prog_run(fd, ifindex[c->side], in, len, out, &out_len,
			       &act);
	}
	if (err == -EINVAL && len < ETH_HLEN) {
		*skip = "the kernel runs no frame shorter than ETH_HLEN";
		return RES_SKIP;
	}
	if (!err)
		err = tb_stats_read(&lb, &after);
	if (err) {
		note("BPF_PROG_TEST_RUN: %s", strerror(-err));
		return RES_FAIL;
	}

	/* nothing out: a live run that caught no frame, and said so */
	if (out_len)
		ok &= run_out_ok(c->act, act, exp, exp_len, out, out_len);
	if (c->ct_state)
		ok &= ct_ok(c);
	ok &= stats_delta_ok(c, &before, &after);
	if (c->stats)
		ok &= stats_total_ok(c->stats);
	if (c->check)
		ok &= c->check();
	return ok ? RES_OK : RES_FAIL;
}

/* ---- setup: a network namespace of our own, the skeleton unpinned ---- */

/* Listen on the peers for live cases (tb_peer_open() turns GRO on there). */
static const char *peers_setup(void)
{
	int i;

	for (i = 0; i < SIDE_N; i++) {
		peer_fd[i] = tb_peer_open(if_names[i]);
		if (peer_fd[i] < 0)
			return "cannot open packet sockets on the veth peers";
	}
	return NULL;
}

/* The test's part of the start, once the data plane is loaded. */
static int bpf_setup(void)
{
	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	entry_fd = bpf_program__fd(skel->progs.scmlb_entry);
	return 0;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};
	const char *skip;
	enum tap_result res;
	int failed;
	size_t i;

	if (!tb_start(&tb, &failed))
		return failed;
	live_skip = peers_setup();

	printf("1..%zu\n", ARRAY_SIZE(cases));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		notes_reset();
		skip = NULL;
		res = run_case(&cases[i], &skip);
		failed += tap_case(i + 1, cases[i].desc, res, skip);
	}
	for (i = 0; i < SIDE_N; i++)
		if (peer_fd[i] >= 0)
			close(peer_fd[i]);
	scmlb_bpf__destroy(skel);
	return failed ? 1 : 0;
}
