// SPDX-License-Identifier: GPL-2.0
/* test_services.c - TAP tests of services: matching, schedulers, replies */
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
#include "scheduler.h"
#include "scmlb.skel.h"
#include "scmlb_hash.h"
#include "services.h"
#include "testbed.h"

/* Addresses and ports in host order; the frame builder converts them. */
#define CLIENT		IP4(198, 51, 100, 7)
#define CLIENT2		IP4(198, 51, 100, 8)
#define CLIENT3		IP4(192, 0, 2, 77)
#define VIP_A		IP4(203, 0, 113, 21)	/* any/any, tcp any, tcp 80 */
#define VIP_B		IP4(203, 0, 113, 22)	/* tcp 80 only */
#define VIP_W		IP4(203, 0, 113, 23)	/* wrr */
#define VIP_M		IP4(203, 0, 113, 24)	/* maglev */
#define VIP_R		IP4(203, 0, 113, 25)	/* rr, two backends */
#define VIP_P		IP4(203, 0, 113, 26)	/* backends with ports */
#define VIP_F		IP4(203, 0, 113, 27)	/* F, G: one backend address */
#define VIP_G		IP4(203, 0, 113, 28)
#define NOT_VIP		IP4(203, 0, 113, 29)
#define ROUTER		IP4(192, 0, 2, 1)	/* a hop toward the clients */
/* not a VIP, but its bit in lb_vip_hint is VIP_A's: the hint says "maybe" */
#define HINT_TWIN	IP4(10, 0, 55, 199)

/* Conntrack flows of the test instance. */
#define CT_SIZE		1024

/* ct_state of a case: the flow must have no conntrack entry. */
#define CT_NONE		0xff

enum svc_name {
	S_A_ALL, S_A_TCP, S_A_80, S_B_80, S_WRR, S_MG, S_RR, S_P80, S_P53,
	S_F, S_G, S_N
};

static const struct tb_svc_spec svc_specs[S_N] = {
	[S_A_ALL] = { VIP_A, 0, 0, SCMLB_SCHED_RR },	/* scmlb-attach -v */
	[S_A_TCP] = { VIP_A, IPPROTO_TCP, 0, SCMLB_SCHED_RR },
	[S_A_80] = { VIP_A, IPPROTO_TCP, 80, SCMLB_SCHED_RR },
	[S_B_80] = { VIP_B, IPPROTO_TCP, 80, SCMLB_SCHED_RR },
	[S_WRR] = { VIP_W, IPPROTO_TCP, 0, SCMLB_SCHED_WRR },
	[S_MG] = { VIP_M, 0, 0, SCMLB_SCHED_MAGLEV },
	[S_RR] = { VIP_R, IPPROTO_TCP, 0, SCMLB_SCHED_RR },
	[S_P80] = { VIP_P, IPPROTO_TCP, 80, SCMLB_SCHED_RR },
	[S_P53] = { VIP_P, IPPROTO_UDP, 53, SCMLB_SCHED_RR },
	[S_F] = { VIP_F, IPPROTO_TCP, 0, SCMLB_SCHED_RR },
	[S_G] = { VIP_G, IPPROTO_TCP, 0, SCMLB_SCHED_RR },
};

/*
 * Backends, added in this order. B_REF in a case stands for the backend
 * the test's own Maglev table picks for the case's flow.
 */
enum be_name {
	B_NONE, B_ALL, B_TCP, B_80, B_B80, B_WA, B_WB, B_WC, B_M1, B_M2, B_M3,
	B_M4, B_R1, B_R2, B_P80, B_P53, B_F, B_G, B_N,
	B_REF = B_N
};

/* Backend n has 10.0.(10 + n).2, but G has F's address. */
#define BE_ADDR(n)	IP4(10, 0, 10 + ((n) == B_G ? B_F : (n)), 2)
#define BE_SIDE(n)	((n) % 2 ? SIDE_BE0 : SIDE_BE1)

static const struct be_spec {
	enum svc_name svc;
	__u16 port;			/* 0: the client's */
	__u16 weight;
} be_specs[B_N] = {
	[B_ALL] = { S_A_ALL, 0, 1 },
	[B_TCP] = { S_A_TCP, 0, 1 },
	[B_80] = { S_A_80, 0, 1 },
	[B_B80] = { S_B_80, 0, 1 },
	[B_WA] = { S_WRR, 0, 3 },
	[B_WB] = { S_WRR, 0, 1 },
	[B_WC] = { S_WRR, 0, 1 },
	[B_M1] = { S_MG, 0, 1 },
	[B_M2] = { S_MG, 0, 2 },
	[B_M3] = { S_MG, 8080, 1 },
	[B_M4] = { S_MG, 0, 1 },
	[B_R1] = { S_RR, 0, 1 },
	[B_R2] = { S_RR, 0, 1 },
	[B_P80] = { S_P80, 8080, 1 },
	[B_P53] = { S_P53, 5353, 1 },
	[B_F] = { S_F, 0, 1 },
	[B_G] = { S_G, 0, 1 },
};

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
/* Index n is backend n: its own MAC, and our MAC toward it (set up). */
static __u8 mac_be[B_N][ETH_ALEN], mac_beif[B_N][ETH_ALEN];

enum side { SIDE_UP, SIDE_BE0, SIDE_BE1, SIDE_N };

static const char *const if_names[SIDE_N] = {
	"svt-up", "svt-be0", "svt-be1",
};

/* What an ICMP error case's frame says, and the packet it quotes. */
struct icmp_case {
	__u8 type;
	__u8 code;
	__u16 mtu;
	struct frame quoted;
	size_t l4_bytes;		/* of the quoted packet's L4 */
};

/*
 * One BPF_PROG_TEST_RUN: setup (NULL keeps what the previous cases left),
 * the frame, from a client or from backend @from, and what must come out.
 * A backend's frame names its flow by @vip and @vport, the address and
 * port it must be returned from.
 */
struct tcase {
	const char *desc;
	int (*setup)(void);
	int from;
	struct frame in;
	int act;
	int to_be;			/* n: sent to backend n */
	bool to_client;			/* returned to the client */
	__u32 vip;
	__u16 vport;
	__u8 ct_state;			/* 0: not checked */
	int ct_be;
	__u64 ct_packets;		/* both directions */
	bool ct_half_open;		/* kept in the half-open maps */
	bool opens;			/* a new connection of its backend */
	bool keep_tables;		/* the setup changed no table... */
	enum svc_name but;		/* ...but this service's */
	bool (*check)(void);		/* more to check after the run */
	const struct icmp_case *icmp;	/* an ICMP error: @in is its frame */
};

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd;
static __u32 ifindex[SIDE_N];
static __u32 svc_id[S_N], be_id[B_N];
/* The Maglev table of S_MG as the test builds it. */
static __u32 ref_table[SCMLB_TABLE_SIZE];

/* What lb_pair_tables held for each service before a case's setup. */
static struct table_snap {
	__u32 map_id;			/* 0: no table */
	__u32 *ids;
	__u32 len;
} snaps[S_N];

static int be_by_id(__u32 id)
{
	int n;

	for (n = 1; n < B_N; n++)
		if (be_id[n] == id)
			return n;
	return B_NONE;
}

/* The backend the test's Maglev table picks for a client's flow. */
static int ref_pick(const struct scmlb_flow_key *key)
{
	return be_by_id(ref_table[scmlb_flow_hash(key) % SCMLB_TABLE_SIZE]);
}

/* ---- fixtures: services and backends as the tools make them ---- */

static int ref_build(void)
{
	struct scmlb_sched_backend sb[B_N];
	size_t k = 0;
	int n;

	for (n = 1; n < B_N; n++)
		if (be_specs[n].svc == S_MG)
			tb_sched_backend(&sb[k++], be_id[n], BE_ADDR(n),
					 be_specs[n].port ? be_specs[n].port :
					 svc_specs[S_MG].port,
					 be_specs[n].weight);
	return scmlb_maglev_build(sb, k, SCMLB_TABLE_SIZE, ref_table);
}

/* Every service and backend, fresh: no flows, cursors at 0. */
static int fx_all(void)
{
	int err = tb_wipe(&lb), n;

	if (!err)
		err = tb_instance(&lb, VIP_A, ifindex[SIDE_UP], mac_up,
				  CT_SIZE, -1);
	if (!err)
		err = tb_services_add(&lb, svc_specs, S_N, svc_id);
	for (n = 1; n < B_N && !err; n++)
		err = tb_backend_add_to(&lb, svc_id[be_specs[n].svc],
					be_specs[n].weight, be_specs[n].port,
					n, BE_ADDR(n), ifindex[BE_SIDE(n)],
					mac_be[n], mac_beif[n], &be_id[n]);
	return err ? err : ref_build();
}

static int fx_drain_r1(void)
{
	return scmlb_backend_set_status(&lb, be_id[B_R1],
					SCMLB_BACKEND_DRAINED);
}

/* scmlb-lb delete: R1 is drained already. */
static int fx_delete_r1(void)
{
	return scmlb_backend_remove(&lb, be_id[B_R1]);
}

/* VIP B's one service goes, its backend drained and deleted first. */
static int fx_delete_b(void)
{
	int err = scmlb_backend_set_status(&lb, be_id[B_B80],
					   SCMLB_BACKEND_DRAINED);

	if (!err)
		err = scmlb_backend_remove(&lb, be_id[B_B80]);
	return err ? err : scmlb_service_remove(&lb, svc_id[S_B_80]);
}

/* scmlb-lb conntrack flush, with the two flows the cases made. */
static int fx_flush(void)
{
	size_t flows = 0;
	int err = scmlb_ct_flush(&lb, &flows);

	if (!err && flows != 2) {
		note("scmlb_ct_flush: %zu flows, expected 2", flows);
		err = -EPROTO;
	}
	return err;
}

/* ---- checks beyond the frame ---- */

/* The Maglev table lib/ published is the test's. */
static bool maglev_published(void)
{
	__u32 *ids, len;
	bool ok;
	int err = scmlb_service_table_read(&lb, svc_id[S_MG], &ids, &len);

	if (err) {
		note("reading the Maglev table: %s", strerror(-err));
		return false;
	}
	ok = len == SCMLB_TABLE_SIZE &&
	     !memcmp(ids, ref_table, sizeof(ref_table));
	if (!ok)
		note("the published Maglev table (%u slots) is not the one "
		     "scmlb_maglev_build() makes of the backends", len);
	free(ids);
	return ok;
}

/* Service @s's table as lb_pair_tables holds it: its entries, at most @max. */
static int pairs_read(enum svc_name s, struct scmlb_id_pair *out, __u32 max,
		      __u32 *entries)
{
	__u32 slot = svc_id[s] % SCMLB_MAX_SERVICES, inner_id, i;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd, err = 0;

	if (bpf_map_lookup_elem(lb.maps.tables, &slot, &inner_id))
		return -errno;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.value_size != sizeof(*out) || info.max_entries > max)
		err = -EPROTO;
	for (i = 0; !err && i < info.max_entries; i++)
		if (bpf_map_lookup_elem(fd, &i, &out[i]))
			err = -errno;
	*entries = info.max_entries;
	close(fd);
	return err;
}

/*
 * Two ids an entry, the length first: rr's ring of two (even) leaves its
 * last entry half used, wrr's ring of five (odd) fills its last.
 */
static bool pairs_published(void)
{
	const struct scmlb_id_pair rr[] = {
		{ { 2, be_id[B_R1] } }, { { be_id[B_R2], 0 } },
	}, wrr[] = {
		{ { 5, be_id[B_WA] } }, { { be_id[B_WB], be_id[B_WA] } },
		{ { be_id[B_WC], be_id[B_WA] } },
	};
	__u32 n = 0, mg_n = SCMLB_PAIR_ENTRIES(SCMLB_TABLE_SIZE);
	struct scmlb_id_pair got[4], *mg = calloc(mg_n, sizeof(*mg));
	bool ok = true;
	int err;

	err = pairs_read(S_RR, got, 4, &n);
	if (err || n != 2 || memcmp(got, rr, sizeof(rr))) {
		note("rr's table: %u entries (%s), not {2 R1} {R2 0}", n,
		     strerror(-err));
		ok = false;
	}
	err = pairs_read(S_WRR, got, 4, &n);
	if (err || n != 3 || memcmp(got, wrr, sizeof(wrr))) {
		note("wrr's table: %u entries (%s), not {5 A} {B A} {C A}", n,
		     strerror(-err));
		ok = false;
	}
	/* 65,537 ids and the length fill 32,769 entries */
	err = mg ? pairs_read(S_MG, mg, mg_n, &n) : -ENOMEM;
	if (err || n != mg_n || mg[0].id[0] != SCMLB_TABLE_SIZE) {
		note("maglev's table: %u entries (%s), not %u", n,
		     strerror(-err), mg_n);
		ok = false;
	}
	free(mg);
	return ok;
}

static bool maglev_spread(void);

/* HINT_TWIN shares VIP_A's bit, and the bit is set: conntrack and lb_vips decide. */
static bool hint_twin_set(void)
{
	scmlb_addr_t twin = { htonl(HINT_TWIN) }, vip = { htonl(VIP_A) };
	__u32 bit = scmlb_vip_hint_bit(twin), zero = 0;
	struct scmlb_vip_hint hint;

	if (bit != scmlb_vip_hint_bit(vip)) {
		note("HINT_TWIN's bit %u is not VIP A's %u", bit,
		     scmlb_vip_hint_bit(vip));
		return false;
	}
	if (bpf_map_lookup_elem(lb.maps.vip_hint, &zero, &hint) ||
	    !(hint.bits[bit / 64] >> (bit % 64) & 1)) {
		note("VIP A's bit %u is not set in lb_vip_hint", bit);
		return false;
	}
	return true;
}

/* ---- the cases ---- */

#define FROM(addr, to)							\
	.src_mac = mac_client, .dst_mac = mac_up, .saddr = (addr),	\
	.daddr = (to)
#define TO(to)		FROM(CLIENT, to)
#define FROM_BE(n)							\
	.src_mac = mac_be[n], .dst_mac = mac_beif[n], .saddr = BE_ADDR(n), \
	.daddr = CLIENT
#define TCP(sp, dp, fl)							\
	.proto = IPPROTO_TCP, .sport = (sp), .dport = (dp), .tcp_flags = (fl)
/* odd payload lengths: the checksum's trailing byte */
#define UDP(sp, dp)							\
	.proto = IPPROTO_UDP, .sport = (sp), .dport = (dp), .payload = 13

#define BE(n)		.from = (n)
#define PASS		.act = XDP_PASS
#define FWD(n)		.act = XDP_REDIRECT, .to_be = (n)
#define NEW(n)		FWD(n), .opens = true
#define RET(v, p)	.act = XDP_REDIRECT, .to_client = true, FLOW(v, p)
#define FLOW(v, p)	.vip = (v), .vport = (p)
#define CT(st, n, pk)							\
	.ct_state = SCMLB_CT_##st, .ct_be = (n), .ct_packets = (pk)
#define NO_CT		.ct_state = CT_NONE
/* a flow still in the half-open maps, though no longer opening */
#define HALF_OPEN	.ct_half_open = true
#define KEEP_BUT(s)	.keep_tables = true, .but = (s)

/* The smooth 3:1:1 ring a b a c a, twice. */
#define WRR(setup, port, n)						\
	{ "wrr 3:1:1: SYN from port " #port " to backend " #n, setup,	\
	  .in = { TO(VIP_W), TCP(port, 443, TF_SYN) }, NEW(B_W##n),	\
	  CT(OPENING, B_W##n, 1) }

/* A new flow to the Maglev service: where the test's table says. */
#define MAGLEV(what, st, ...)						\
	{ "maglev: " what ": to the backend the test's table picks", NULL, \
	  .in = { __VA_ARGS__ }, NEW(B_REF), CT(st, B_REF, 1) }

static const struct tcase cases[] = {
	/* exact port, then the protocol's any-port, then any/any */
	{ "VIP A tcp:80: to the tcp:80 service's backend", fx_all,
	  .in = { TO(VIP_A), TCP(42001, 80, TF_SYN) }, NEW(B_80),
	  CT(OPENING, B_80, 1) },
	{ "VIP A tcp:81: to the tcp any-port service's backend", NULL,
	  .in = { TO(VIP_A), TCP(42002, 81, TF_SYN) }, NEW(B_TCP),
	  CT(OPENING, B_TCP, 1) },
	{ "VIP A udp:53: to the any/any service's backend", NULL,
	  .in = { TO(VIP_A), UDP(5001, 53) }, NEW(B_ALL), CT(UDP, B_ALL, 1) },
	{ "VIP A udp:80 (tcp:80 has a service): to any/any's backend", NULL,
	  .in = { TO(VIP_A), UDP(5002, 80) }, NEW(B_ALL), CT(UDP, B_ALL, 1) },
	{ "VIP A tcp:80 SYN-ACK: returned from VIP A:80", NULL, BE(B_80),
	  .in = { FROM_BE(B_80), TCP(80, 42001, TF_SYN | TF_ACK) },
	  RET(VIP_A, 80), CT(OPENING, B_80, 2) },
	{ "VIP A tcp:81 SYN-ACK: returned from VIP A:81", NULL, BE(B_TCP),
	  .in = { FROM_BE(B_TCP), TCP(81, 42002, TF_SYN | TF_ACK) },
	  RET(VIP_A, 81), CT(OPENING, B_TCP, 2) },
	{ "VIP A udp:53 reply: returned from VIP A:53", NULL, BE(B_ALL),
	  .in = { FROM_BE(B_ALL), UDP(53, 5001) }, RET(VIP_A, 53),
	  CT(UDP, B_ALL, 2) },
	{ "VIP B tcp:80: to its only service's backend", NULL,
	  .in = { TO(VIP_B), TCP(42003, 80, TF_SYN) }, NEW(B_B80),
	  CT(OPENING, B_B80, 1) },
	{ "VIP B tcp:81: no service: passed untouched, no flow", NULL,
	  .in = { TO(VIP_B), TCP(42004, 81, TF_SYN) }, PASS, NO_CT },
	{ "VIP B udp:80: no service: passed untouched, no flow", NULL,
	  .in = { TO(VIP_B), UDP(5003, 80) }, PASS, NO_CT },
	{ "VIP B udp:53: no service: passed untouched, no flow", NULL,
	  .in = { TO(VIP_B), UDP(5004, 53) }, PASS, NO_CT },
	{ "not a VIP, tcp:80: passed untouched, no flow", NULL,
	  .in = { TO(NOT_VIP), TCP(42005, 80, TF_SYN) }, PASS, NO_CT },
	{ "not a VIP, udp:53: passed untouched, no flow", NULL,
	  .in = { TO(NOT_VIP), UDP(5005, 53) }, PASS, NO_CT },
	{ "not a VIP, VIP A's bit in the hint, tcp:80: passed untouched", NULL,
	  .in = { TO(HINT_TWIN), TCP(42006, 80, TF_SYN) }, PASS, NO_CT,
	  .check = hint_twin_set },
	{ "not a VIP, VIP A's bit in the hint, udp:53: passed untouched", NULL,
	  .in = { TO(HINT_TWIN), UDP(5006, 53) }, PASS, NO_CT },

	/* smooth weighted round robin */
	WRR(fx_all, 42101, A), WRR(NULL, 42102, B), WRR(NULL, 42103, A),
	WRR(NULL, 42104, C), WRR(NULL, 42105, A), WRR(NULL, 42106, A),
	WRR(NULL, 42107, B), WRR(NULL, 42108, A), WRR(NULL, 42109, C),
	WRR(NULL, 42110, A),

	/* rr of two: its ring's second slot is in the last, half-used entry */
	{ "rr of two: SYN to VIP R: R1; tables two ids an entry", NULL,
	  .in = { TO(VIP_R), TCP(42151, 80, TF_SYN) }, NEW(B_R1),
	  CT(OPENING, B_R1, 1), .check = pairs_published },
	{ "rr of two: next SYN to VIP R: R2, the last entry's first half",
	  NULL, .in = { TO(VIP_R), TCP(42152, 80, TF_SYN) }, NEW(B_R2),
	  CT(OPENING, B_R2, 1) },
	{ "rr of two: next SYN to VIP R: R1 again, never the empty half",
	  NULL, .in = { TO(VIP_R), TCP(42153, 80, TF_SYN) }, NEW(B_R1),
	  CT(OPENING, B_R1, 1) },
	{ "rr of two: next SYN to VIP R: R2", NULL,
	  .in = { TO(VIP_R), TCP(42154, 80, TF_SYN) }, NEW(B_R2),
	  CT(OPENING, B_R2, 1) },

	/* Maglev: the table is the test's, and so is the pick */
	{ "maglev: SYN from 198.51.100.7:42201 to :80, the table is the "
	  "test's", NULL, .in = { TO(VIP_M), TCP(42201, 80, TF_SYN) },
	  NEW(B_REF), CT(OPENING, B_REF, 1), .check = maglev_published },
	MAGLEV("SYN from 198.51.100.7:42202 to :80", OPENING,
	       TO(VIP_M), TCP(42202, 80, TF_SYN)),
	MAGLEV("SYN from 198.51.100.8:42201 to :80", OPENING,
	       FROM(CLIENT2, VIP_M), TCP(42201, 80, TF_SYN)),
	MAGLEV("SYN from 192.0.2.77:1024 to :443", OPENING,
	       FROM(CLIENT3, VIP_M), TCP(1024, 443, TF_SYN)),
	MAGLEV("SYN from 198.51.100.7:42203 to :8443", OPENING,
	       TO(VIP_M), TCP(42203, 8443, TF_SYN)),
	MAGLEV("UDP from 198.51.100.7:5301 to :53", UDP,
	       TO(VIP_M), UDP(5301, 53)),
	MAGLEV("UDP from 198.51.100.8:5302 to :53", UDP,
	       FROM(CLIENT2, VIP_M), UDP(5302, 53)),
	MAGLEV("UDP from 192.0.2.77:53 to :5353", UDP,
	       FROM(CLIENT3, VIP_M), UDP(53, 5353)),
	{ "maglev: SYN from 198.51.100.8:65535 to :80; the tuples reach 3 "
	  "backends", NULL,
	  .in = { FROM(CLIENT2, VIP_M), TCP(65535, 80, TF_SYN) }, NEW(B_REF),
	  .check = maglev_spread },
	{ "maglev: retransmitted SYN of 198.51.100.7:42202: its flow's backend",
	  NULL, .in = { TO(VIP_M), TCP(42202, 80, TF_SYN) }, FWD(B_REF),
	  CT(OPENING, B_REF, 2) },

	/* a flow conntrack does not know: only Maglev knows its backend */
	{ "maglev: ACK of an unknown flow: to the table's backend, "
	  "established", NULL, .in = { TO(VIP_M), TCP(42301, 80, TF_ACK) },
	  FWD(B_REF), CT(ESTABLISHED, B_REF, 1) },
	{ "maglev: data of that flow next: same backend, packets 2", NULL,
	  .in = { TO(VIP_M), TCP(42301, 80, TF_PSH | TF_ACK), .payload = 7 },
	  FWD(B_REF), CT(ESTABLISHED, B_REF, 2) },
	{ "rr: the same ACK to VIP R: passed untouched, no flow", NULL,
	  .in = { TO(VIP_R), TCP(42301, 80, TF_ACK) }, PASS, NO_CT },
	{ "tcp any-port rr: ACK of an unknown flow to VIP A: passed, no flow",
	  NULL, .in = { TO(VIP_A), TCP(42302, 81, TF_ACK) }, PASS, NO_CT },

	/* a backend with a port of its own */
	{ "port: SYN to VIP P:80 goes to the backend's 8080, TCP checksum "
	  "exact", NULL, .in = { TO(VIP_P), TCP(42401, 80, TF_SYN) },
	  NEW(B_P80), CT(OPENING, B_P80, 1) },
	{ "port: 33 bytes of data to :80: to 8080, checksum exact", NULL,
	  .in = { TO(VIP_P), TCP(42401, 80, TF_PSH | TF_ACK), .payload = 33 },
	  FWD(B_P80), CT(OPENING, B_P80, 2) },
	{ "port: SYN-ACK from the backend's 8080: from VIP P:80, checksums "
	  "exact", NULL, BE(B_P80),
	  .in = { FROM_BE(B_P80), TCP(8080, 42401, TF_SYN | TF_ACK) },
	  RET(VIP_P, 80), CT(OPENING, B_P80, 3) },
	{ "port: 101 bytes from 8080: from VIP P:80, checksums exact", NULL,
	  BE(B_P80), .in = { FROM_BE(B_P80),
			     TCP(8080, 42401, TF_PSH | TF_ACK),
			     .payload = 101 },
	  RET(VIP_P, 80), CT(OPENING, B_P80, 4) },
	{ "port: the backend's frame from port 80: passed untouched", NULL,
	  BE(B_P80), .in = { FROM_BE(B_P80), TCP(80, 42401, TF_ACK) },
	  PASS, FLOW(VIP_P, 80), CT(OPENING, B_P80, 4) },
	{ "port: UDP to VIP P:53 goes to the backend's 5353, checksum exact",
	  NULL, .in = { TO(VIP_P), UDP(5401, 53) }, NEW(B_P53),
	  CT(UDP, B_P53, 1) },
	{ "port: UDP reply from 5353: from VIP P:53, checksum exact", NULL,
	  BE(B_P53), .in = { FROM_BE(B_P53), UDP(5353, 5401) },
	  RET(VIP_P, 53), CT(UDP, B_P53, 2) },
	{ "port: UDP without a checksum to :53: to 5353, checksum stays 0",
	  NULL, .in = { TO(VIP_P), UDP(5402, 53), .udp_csum_zero = true },
	  NEW(B_P53), CT(UDP, B_P53, 1) },
	{ "port: UDP without a checksum from 5353: from :53, stays 0", NULL,
	  BE(B_P53), .in = { FROM_BE(B_P53), UDP(5353, 5402),
			     .udp_csum_zero = true },
	  RET(VIP_P, 53), CT(UDP, B_P53, 2) },

	/* ICMP errors about balanced flows, both ways */
	{ "icmp: fragmentation needed about VIP P:80's reply to :42401: to "
	  "its backend, quoting the packet as its 8080 sent it", NULL,
	  .in = { FROM(ROUTER, VIP_P), .proto = IPPROTO_ICMP },
	  .icmp = &(const struct icmp_case){ 3, 4, 1400,
		{ FROM(VIP_P, CLIENT), TCP(80, 42401, TF_PSH | TF_ACK),
		  .payload = 100 }, 8 },
	  FWD(B_P80) },
	{ "icmp: time exceeded quoting 28 bytes of that reply: the quoted TCP "
	  "checksum follows too", NULL,
	  .in = { FROM(ROUTER, VIP_P), .proto = IPPROTO_ICMP },
	  .icmp = &(const struct icmp_case){ 11, 0, 0,
		{ FROM(VIP_P, CLIENT), TCP(80, 42401, TF_PSH | TF_ACK),
		  .payload = 33 }, 28 },
	  FWD(B_P80) },
	{ "icmp: port unreachable from the backend's 5353 about a datagram: "
	  "to the client from VIP P, quoting its datagram to :53", NULL,
	  BE(B_P53), .in = { FROM_BE(B_P53), .proto = IPPROTO_ICMP },
	  .icmp = &(const struct icmp_case){ 3, 3, 0,
		{ FROM(CLIENT, BE_ADDR(B_P53)), UDP(5401, 5353) }, 8 + 13 },
	  RET(VIP_P, 53) },
	{ "icmp: the same from the backend quoting 8 bytes (UDP checksum "
	  "kept exact)", NULL,
	  BE(B_P53), .in = { FROM_BE(B_P53), .proto = IPPROTO_ICMP },
	  .icmp = &(const struct icmp_case){ 3, 3, 0,
		{ FROM(CLIENT, BE_ADDR(B_P53)), UDP(5401, 5353) }, 8 },
	  RET(VIP_P, 53) },
	{ "icmp: an error about a flow not tracked: passed untouched", NULL,
	  .in = { FROM(ROUTER, VIP_P), .proto = IPPROTO_ICMP },
	  .icmp = &(const struct icmp_case){ 3, 4, 1400,
		{ FROM(VIP_P, CLIENT), TCP(80, 42499, TF_ACK) }, 8 },
	  PASS },
	{ "icmp: an error to VIP P quoting VIP A's packet: passed untouched",
	  NULL, .in = { FROM(ROUTER, VIP_P), .proto = IPPROTO_ICMP },
	  .icmp = &(const struct icmp_case){ 3, 4, 1400,
		{ FROM(VIP_A, CLIENT), TCP(80, 42401, TF_ACK) }, 8 },
	  PASS },
	{ "icmp: an echo request to VIP P: the host's to answer", NULL,
	  .in = { TO(VIP_P), .proto = IPPROTO_ICMP }, PASS },
	{ "icmp: the backend's error about a flow not tracked: passed", NULL,
	  BE(B_P53), .in = { FROM_BE(B_P53), .proto = IPPROTO_ICMP },
	  .icmp = &(const struct icmp_case){ 3, 3, 0,
		{ FROM(CLIENT, BE_ADDR(B_P53)), UDP(5499, 5353) }, 8 },
	  PASS },

	/* two VIPs, one backend address: the reply's 5-tuple tells the VIP */
	{ "shared address: SYN from :42501 to VIP F: F's backend", NULL,
	  .in = { TO(VIP_F), TCP(42501, 80, TF_SYN) }, NEW(B_F),
	  CT(OPENING, B_F, 1) },
	{ "shared address: SYN from :42502 to VIP G: G's, same address", NULL,
	  .in = { TO(VIP_G), TCP(42502, 80, TF_SYN) }, NEW(B_G),
	  CT(OPENING, B_G, 1) },
	{ "shared address: SYN from :42503 to VIP F:80", NULL,
	  .in = { TO(VIP_F), TCP(42503, 80, TF_SYN) }, NEW(B_F),
	  CT(OPENING, B_F, 1) },
	{ "shared address: SYN from :42503 to VIP G:81", NULL,
	  .in = { TO(VIP_G), TCP(42503, 81, TF_SYN) }, NEW(B_G),
	  CT(OPENING, B_G, 1) },
	{ "shared address: SYN-ACK to :42502 returned from VIP G", NULL,
	  BE(B_G), .in = { FROM_BE(B_G), TCP(80, 42502, TF_SYN | TF_ACK) },
	  RET(VIP_G, 80), CT(OPENING, B_G, 2) },
	{ "shared address: SYN-ACK to :42501 returned from VIP F", NULL,
	  BE(B_F), .in = { FROM_BE(B_F), TCP(80, 42501, TF_SYN | TF_ACK) },
	  RET(VIP_F, 80), CT(OPENING, B_F, 2) },
	{ "shared address: from :81 to :42503 returned from VIP G:81", NULL,
	  BE(B_G), .in = { FROM_BE(B_G), TCP(81, 42503, TF_SYN | TF_ACK) },
	  RET(VIP_G, 81), CT(OPENING, B_G, 2) },
	{ "shared address: from :80 to :42503 returned from VIP F:80", NULL,
	  BE(B_F), .in = { FROM_BE(B_F), TCP(80, 42503, TF_SYN | TF_ACK) },
	  RET(VIP_F, 80), CT(OPENING, B_F, 2) },

	/* a drain or delete rebuilds its own service's table, no other */
	{ "drain: SYN to VIP R: backend R1", fx_all,
	  .in = { TO(VIP_R), TCP(42601, 80, TF_SYN) }, NEW(B_R1),
	  CT(OPENING, B_R1, 1) },
	{ "R1 drained, every other table untouched: SYN to VIP R: R2",
	  fx_drain_r1, KEEP_BUT(S_RR),
	  .in = { TO(VIP_R), TCP(42602, 80, TF_SYN) }, NEW(B_R2),
	  CT(OPENING, B_R2, 1) },
	{ "R1 drained: next SYN to VIP R: R2 again", NULL,
	  .in = { TO(VIP_R), TCP(42603, 80, TF_SYN) }, NEW(B_R2),
	  CT(OPENING, B_R2, 1) },
	{ "R1 drained: ACK of its flow: still to R1", NULL,
	  .in = { TO(VIP_R), TCP(42601, 80, TF_ACK) }, FWD(B_R1),
	  CT(OPENING, B_R1, 2) },
	{ "R1 drained: SYN to VIP W: wrr's first backend, as before", NULL,
	  .in = { TO(VIP_W), TCP(42604, 443, TF_SYN) }, NEW(B_WA),
	  CT(OPENING, B_WA, 1) },
	{ "R1 drained: SYN to VIP M: the test's table's pick", NULL,
	  .in = { TO(VIP_M), TCP(42605, 80, TF_SYN) }, NEW(B_REF),
	  CT(OPENING, B_REF, 1), .check = maglev_published },
	{ "R1 deleted, every other table untouched: ACK of its flow dropped, "
	  "the flow forgotten (rr cannot find it again)",
	  fx_delete_r1, KEEP_BUT(S_RR),
	  .in = { TO(VIP_R), TCP(42601, 80, TF_ACK) }, .act = XDP_DROP,
	  NO_CT },
	{ "R1 deleted: the next ACK of that flow is the kernel's", NULL,
	  .in = { TO(VIP_R), TCP(42601, 80, TF_ACK) }, PASS, NO_CT },
	{ "R1 deleted: SYN to VIP R: R2", NULL,
	  .in = { TO(VIP_R), TCP(42606, 80, TF_SYN) }, NEW(B_R2),
	  CT(OPENING, B_R2, 1) },
	{ "VIP B's service deleted, every other table untouched: tcp:80 "
	  "passed", fx_delete_b, KEEP_BUT(S_B_80),
	  .in = { TO(VIP_B), TCP(42607, 80, TF_SYN) }, PASS, NO_CT },
	{ "VIP B's service deleted: VIP A tcp:80 still to its backend", NULL,
	  .in = { TO(VIP_A), TCP(42608, 80, TF_SYN) }, NEW(B_80),
	  CT(OPENING, B_80, 1) },

	/* conntrack flush: Maglev flows go on, others are cut */
	{ "flush: SYN to VIP M: the test's table's pick", fx_all,
	  .in = { TO(VIP_M), TCP(42701, 80, TF_SYN) }, NEW(B_REF),
	  CT(OPENING, B_REF, 1) },
	{ "flush: SYN to VIP R: R1", NULL,
	  .in = { TO(VIP_R), TCP(42702, 80, TF_SYN) }, NEW(B_R1),
	  CT(OPENING, B_R1, 1) },
	{ "flush: SYN-ACK from R1: returned", NULL, BE(B_R1),
	  .in = { FROM_BE(B_R1), TCP(80, 42702, TF_SYN | TF_ACK) },
	  RET(VIP_R, 80), CT(OPENING, B_R1, 2) },
	{ "after the flush: ACK of the Maglev flow: same backend, "
	  "established", fx_flush,
	  .in = { TO(VIP_M), TCP(42701, 80, TF_ACK) }, FWD(B_REF),
	  CT(ESTABLISHED, B_REF, 1) },
	{ "after the flush: ACK of the rr flow: passed untouched, no flow",
	  NULL, .in = { TO(VIP_R), TCP(42702, 80, TF_ACK) }, PASS, NO_CT },
	{ "after the flush: R1's data for the rr flow (an any-port "
	  "service's): passed untouched, not counted", NULL,
	  BE(B_R1), .in = { FROM_BE(B_R1), TCP(80, 42702, TF_PSH | TF_ACK),
			    .payload = 5 },
	  PASS, FLOW(VIP_R, 80), NO_CT },

	/* a flow's former backend is not its backend any more */
	{ "moved: SYN to VIP R: R1", fx_all,
	  .in = { TO(VIP_R), TCP(42801, 80, TF_SYN) }, NEW(B_R1),
	  CT(OPENING, B_R1, 1) },
	{ "moved: RST from the client: closed, still half-open", NULL,
	  .in = { TO(VIP_R), TCP(42801, 80, TF_RST | TF_ACK) }, FWD(B_R1),
	  CT(CLOSED, B_R1, 2), HALF_OPEN },
	{ "moved: new SYN on the port: R2", NULL,
	  .in = { TO(VIP_R), TCP(42801, 80, TF_SYN) }, NEW(B_R2),
	  CT(OPENING, B_R2, 1) },
	{ "moved: a FIN from R1, the former backend: passed, flow untouched",
	  NULL, BE(B_R1),
	  .in = { FROM_BE(B_R1), TCP(80, 42801, TF_FIN | TF_ACK) },
	  PASS, FLOW(VIP_R, 80), CT(OPENING, B_R2, 1) },
	{ "moved: the SYN-ACK from R2: returned, opening", NULL, BE(B_R2),
	  .in = { FROM_BE(B_R2), TCP(80, 42801, TF_SYN | TF_ACK) },
	  RET(VIP_R, 80), CT(OPENING, B_R2, 2) },

	/* a reply entry is not a client's flow, even keyed like one */
	{ "VIP F's address as a client: UDP to VIP A:53: any/any's backend",
	  NULL, .in = { FROM(VIP_F, VIP_A), UDP(5901, 53) }, NEW(B_ALL) },
	{ "that backend's UDP to VIP F:5901 on the upstream: no UDP service, "
	  "passed", NULL,
	  .in = { FROM(BE_ADDR(B_ALL), VIP_F), UDP(53, 5901) }, PASS },
};

static const size_t n_cases = ARRAY_SIZE(cases);

/* The Maglev cases are worth something only if they reach a few backends. */
static bool maglev_spread(void)
{
	bool seen[B_N] = { false };
	struct scmlb_flow_key key;
	int n, spread = 0;
	size_t i;

	for (i = 0; i < n_cases; i++) {
		if (cases[i].to_be != B_REF || cases[i].from)
			continue;
		key = tb_frame_key(&cases[i].in);
		seen[ref_pick(&key)] = true;
	}
	for (n = 1; n < B_N; n++)
		spread += seen[n];
	if (spread < 3)
		note("the Maglev cases reach %d backends: choose other tuples",
		     spread);
	return spread >= 3;
}

/* ---- running a case ---- */

/* The backend @n stands for: B_REF, the test's pick for @in's flow. */
static int be_resolve(int n, const struct frame *in)
{
	struct scmlb_flow_key key = tb_frame_key(in);

	return n == B_REF ? ref_pick(&key) : n;
}

/* The port a client's packet reaches backend @n on. */
static __u16 be_port(int n, __u16 dport)
{
	return be_specs[n].port ? be_specs[n].port : dport;
}

/* A case's frame: an ICMP error quoting a packet, or a packet. */
static size_t case_frame(const struct tcase *c, const struct frame *f,
			 const struct frame *quoted, __u8 *b)
{
	const struct icmp_case *ic = c->icmp;

	if (!ic)
		return frame_build(f, b);
	return frame_build_icmp_err(f, ic->type, ic->code, ic->mtu, quoted,
				    ic->l4_bytes, b);
}

/* The frame @c must produce: its input, rewritten as a NAT would. */
static size_t expected_frame(const struct tcase *c, int to_be,
			     const __u8 *in, size_t len, __u8 *exp)
{
	struct frame f = c->in, q = { 0 };

	if (c->icmp) {
		/* the quoted packet as the backend sent it, or the client */
		q = c->icmp->quoted;
		if (to_be) {
			q.saddr = BE_ADDR(to_be);
			q.sport = be_port(to_be, q.sport);
			f.daddr = BE_ADDR(to_be);
			f.src_mac = mac_beif[to_be];
			f.dst_mac = mac_be[to_be];
		} else if (c->to_client) {
			q.daddr = c->vip;
			q.dport = c->vport;
			f.saddr = c->vip;
			f.src_mac = mac_up;
			f.dst_mac = mac_client;
		} else {
			memcpy(exp, in, len);
			return len;
		}
		return case_frame(c, &f, &q, exp);
	}
	if (to_be) {
		f.daddr = BE_ADDR(to_be);
		f.dport = be_port(to_be, f.dport);
		f.src_mac = mac_beif[to_be];
		f.dst_mac = mac_be[to_be];
	} else if (c->to_client) {
		f.saddr = c->vip;
		f.sport = c->vport;
		f.src_mac = mac_up;
		f.dst_mac = mac_client;
	} else {
		memcpy(exp, in, len);
		return len;
	}
	return frame_build(&f, exp);
}

/* The flow a case's frame belongs to, as its client sends it. */
static struct scmlb_flow_key case_flow(const struct tcase *c)
{
	if (!c->from)
		return tb_frame_key(&c->in);
	return tb_flow_key(c->in.daddr, c->vip, c->in.dport, c->vport,
			   c->in.proto);
}

static bool ct_ok(const struct tcase *c)
{
	struct scmlb_flow_key key = case_flow(c);
	int be = c->ct_be == B_REF ? ref_pick(&key) : c->ct_be;
	struct tb_flow_want want = {
		.state = c->ct_state,
		.backend_id = be_id[be],
		.service_id = svc_id[be_specs[be].svc],
		.be_addr = BE_ADDR(be),
		.be_port = be_port(be, ntohs(key.dst_port)),
		.packets = c->ct_packets,
		.client_mac = mac_client,
		.half_open = c->ct_half_open,
	};

	return tb_flow_check(&lb, &key, c->ct_state == CT_NONE ? NULL : &want);
}

/* Every counter grew by what the frame's fate makes, no other did. */
static bool stats_ok(const struct tcase *c, const struct scmlb_stats *before,
		     const struct scmlb_stats *after)
{
	struct scmlb_stats want = { 0 };

	if (!c->from) {
		tb_stats_rx(&want, &c->in, 1);
		want.passed = c->act == XDP_PASS;
		want.forwarded = c->act == XDP_REDIRECT;
		/* the only drop here: a flow whose backend was deleted */
		want.nodest_dropped = c->act == XDP_DROP;
	} else {
		want.returned = c->act == XDP_REDIRECT;
	}
	return tb_stats_delta_ok(before, after, &want);
}

static int be_stats_read(struct scmlb_backend_stats *st)
{
	int n, err = 0;

	for (n = 1; n < B_N && !err; n++)
		err = scmlb_backend_stats(&lb, be_id[n], &st[n]);
	return err;
}

/*
 * The backend a frame went to counts it in, with a connection when it
 * opened one; the backend a reply came from counts it out; nothing else.
 */
static bool be_stats_ok(const struct tcase *c, int to_be, __u64 ip_len,
			const struct scmlb_backend_stats *before,
			const struct scmlb_backend_stats *after)
{
	struct scmlb_backend_stats want;
	bool ok = true;
	int n;

	for (n = 1; n < B_N; n++) {
		want = before[n];
		if (n == to_be) {
			want.conns += c->opens;
			want.pkts_in++;
			want.bytes_in += ip_len;
		} else if (n == c->from && c->to_client) {
			want.pkts_out++;
			want.bytes_out += ip_len;
		}
		if (!memcmp(&want, &after[n], sizeof(want)))
			continue;
		note("backend %d's counters: conns %llu, in %llu/%llu, out "
		     "%llu/%llu; expected %llu, %llu/%llu, %llu/%llu", n,
		     (unsigned long long)after[n].conns,
		     (unsigned long long)after[n].pkts_in,
		     (unsigned long long)after[n].bytes_in,
		     (unsigned long long)after[n].pkts_out,
		     (unsigned long long)after[n].bytes_out,
		     (unsigned long long)want.conns,
		     (unsigned long long)want.pkts_in,
		     (unsigned long long)want.bytes_in,
		     (unsigned long long)want.pkts_out,
		     (unsigned long long)want.bytes_out);
		ok = false;
	}
	return ok;
}

static void snaps_free(void)
{
	int s;

	for (s = 0; s < S_N; s++) {
		free(snaps[s].ids);
		snaps[s].ids = NULL;
	}
}

/* Each service's table: which inner map lb_pair_tables holds, and its ids. */
static int tables_snap(struct table_snap *snap)
{
	__u32 slot;
	int s, err = 0;

	for (s = 0; s < S_N && !err; s++) {
		slot = svc_id[s] % SCMLB_MAX_SERVICES;
		snap[s].map_id = 0;
		if (bpf_map_lookup_elem(lb.maps.tables, &slot,
					&snap[s].map_id) && errno != ENOENT)
			err = -errno;
		if (!err)
			err = scmlb_service_table_read(&lb, svc_id[s],
						       &snap[s].ids,
						       &snap[s].len);
	}
	return err;
}

/* Every table but @but's is the very map it was, holding the same ids. */
static bool tables_kept(enum svc_name but)
{
	struct table_snap now[S_N] = { 0 };
	bool ok = true;
	int s, err = tables_snap(now);

	for (s = 0; s < S_N && !err; s++) {
		if (s == (int)but)
			continue;
		if (now[s].map_id != snaps[s].map_id ||
		    now[s].len != snaps[s].len ||
		    (now[s].len && memcmp(now[s].ids, snaps[s].ids,
					  now[s].len * sizeof(__u32)))) {
			note("service %u's table changed (map %u, %u slots; "
			     "was map %u, %u slots)", svc_id[s], now[s].map_id,
			     now[s].len, snaps[s].map_id, snaps[s].len);
			ok = false;
		}
	}
	for (s = 0; s < S_N; s++)
		free(now[s].ids);
	if (err)
		note("reading the tables: %s", strerror(-err));
	return ok && !err;
}

static int case_setup(const struct tcase *c)
{
	int err = 0;

	if (c->keep_tables)
		err = tables_snap(snaps);
	if (!err && c->setup)
		err = c->setup();
	return err;
}

/* One case of cases[], as tb_run() hands it over. */
static enum tap_result run_case(const void *arg)
{
	const struct tcase *c = arg;
	struct scmlb_backend_stats bs_before[B_N], bs_after[B_N];
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	enum side side = c->from ? BE_SIDE(c->from) : SIDE_UP;
	struct scmlb_stats before, after;
	size_t len, exp_len;
	__u32 out_len = 0;
	int err, act = -1, to_be;
	bool ok = true;

	err = case_setup(c);
	if (err) {
		note("setup failed: %s", strerror(-err));
		snaps_free();
		return RES_FAIL;
	}
	if (c->keep_tables)
		ok &= tables_kept(c->but);
	snaps_free();
	to_be = be_resolve(c->to_be, &c->in);
	len = case_frame(c, &c->in, c->icmp ? &c->icmp->quoted : NULL, in);
	exp_len = expected_frame(c, to_be, in, len, exp);

	err = tb_stats_read(&lb, &before);
	if (!err)
		err = be_stats_read(bs_before);
	if (!err)
		err = prog_run(main_fd, ifindex[side], in, len, out, &out_len,
			       &act);
	if (!err)
		err = tb_stats_read(&lb, &after);
	if (!err)
		err = be_stats_read(bs_after);
	if (err) {
		note("BPF_PROG_TEST_RUN or the counters: %s", strerror(-err));
		return RES_FAIL;
	}

	ok &= run_out_ok(c->act, act, exp, exp_len, out, out_len);
	if (c->ct_state)
		ok &= ct_ok(c);
	ok &= stats_ok(c, &before, &after);
	ok &= be_stats_ok(c, c->act == XDP_REDIRECT ? to_be : B_NONE,
			  get16(in + ETH_HLEN + 2), bs_before, bs_after);
	if (c->check)
		ok &= c->check();
	return ok ? RES_OK : RES_FAIL;
}

/* The test's part of the start, once the data plane is loaded. */
static int bpf_setup(void)
{
	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	tb_backend_macs(mac_be, mac_beif, B_N);
	return 0;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};

	return tb_run(&tb, cases, n_cases, sizeof(cases[0]), run_case);
}
