// SPDX-License-Identifier: GPL-2.0
/* test_fuzz.c - fuzzing the data plane: random and mutated frames, a model */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dos.h"
#include "frames.h"
#include "fw.h"
#include "maps.h"
#include "scheduler.h"
#include "scmlb.skel.h"
#include "scmlb_hash.h"
#include "services.h"
#include "testbed.h"

/* Frames and seed of a run; SCMLB_FUZZ_FRAMES/_SEED or arguments override. */
#define FRAMES_DEFAULT	100000
#define SEED_DEFAULT	0x5c31b0f2u

/* Addresses and ports in host order. */
#define VIP		IP4(203, 0, 113, 11)
#define VIP2		IP4(203, 0, 113, 42)	/* two bits away from VIP */
#define NBE		10
#define BE_ADDR(n)	(be_specs[n].addr)
#define BE_SIDE(n)	((n) % 2 ? SIDE_BE0 : SIDE_BE1)

/* Above a default run's flows; the model reads conntrack, evicted or not. */
#define CT_SIZE		65536

/*
 * The DoS policy: a source that sends more PSH packets than this within
 * one window is dropped from then on. Where windows start is the clock's,
 * so how many frames it drops varies from run to run; the frames do not,
 * as a PSH packet changes no flow. dos_counts says after each frame
 * whether the policy dropped it.
 */
#define DOS_CLASS	SCMLB_DOS_TCP_PSH
#define DOS_LIMIT	50

/* Flows the generator remembers to send their packets and replies. */
#define FLOWS_MAX	1024

#define IP_OFF		ETH_HLEN
#define IP_OFFMASK	0x1fff

enum side { SIDE_UP, SIDE_BE0, SIDE_BE1, SIDE_N };

static const char *const if_names[SIDE_N] = {
	"fzt-up", "fzt-be0", "fzt-be1",
};

static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_client[2][ETH_ALEN] = {
	{ 0x02, 0, 0, 0, 0xc1, 0x01 },
	{ 0x02, 0, 0, 0, 0xc1, 0x02 },
};
/* Index n is backend n: its own MAC, and our MAC toward it (set up). */
static __u8 mac_be[NBE + 1][ETH_ALEN], mac_beif[NBE + 1][ETH_ALEN];

/*
 * The services: scmlb-attach -v's on VIP, a port service and a protocol
 * service beside it, and a second VIP with one port service. VIP's UDP
 * goes to S_WRR, its TCP to S_ALL but port 80's; VIP2 takes TCP 443 only.
 */
enum svc_name { S_ALL, S_MAGLEV, S_WRR, S_VIP2, S_N };

static const struct tb_svc_spec svc_specs[S_N] = {
	[S_ALL] = { VIP, 0, 0, SCMLB_SCHED_RR },
	[S_MAGLEV] = { VIP, IPPROTO_TCP, 80, SCMLB_SCHED_MAGLEV },
	[S_WRR] = { VIP, IPPROTO_UDP, 0, SCMLB_SCHED_WRR },
	[S_VIP2] = { VIP2, IPPROTO_TCP, 443, SCMLB_SCHED_RR },
};

/*
 * Backend n, added in this order (ids grow with n). Some have a port of
 * their own; backends 9 and 10 share addresses with 1 and 2, so that
 * replies from one address return from either VIP.
 */
static const struct be_spec {
	enum svc_name svc;
	__u32 addr;
	__u16 port;			/* 0: the client's */
	__u16 weight;
} be_specs[NBE + 1] = {
	[1] = { S_ALL, IP4(10, 0, 4, 2), 0, 1 },
	[2] = { S_ALL, IP4(10, 0, 5, 2), 0, 1 },
	[3] = { S_ALL, IP4(10, 0, 6, 2), 0, 1 },
	[4] = { S_MAGLEV, IP4(10, 0, 7, 2), 8080, 1 },
	[5] = { S_MAGLEV, IP4(10, 0, 8, 2), 0, 2 },
	[6] = { S_MAGLEV, IP4(10, 0, 9, 2), 8080, 1 },
	[7] = { S_WRR, IP4(10, 0, 10, 2), 5353, 3 },
	[8] = { S_WRR, IP4(10, 0, 11, 2), 0, 1 },
	[9] = { S_VIP2, IP4(10, 0, 4, 2), 8443, 1 },
	[10] = { S_VIP2, IP4(10, 0, 5, 2), 0, 1 },
};

/* Sources of client traffic; some sit in a firewalled network. */
static const __u32 clients[] = {
	IP4(198, 51, 100, 7),
	IP4(198, 51, 100, 8),
	IP4(198, 51, 100, 200),		/* udp to 0-1023 dropped */
	IP4(192, 0, 2, 7),		/* tcp to 8000-8100 dropped */
	IP4(198, 18, 1, 1),		/* udp from 1000-1999 dropped */
	IP4(198, 18, 5, 9),		/* and everything from its /24 */
	IP4(10, 1, 2, 3),		/* tcp 0-1023 -> 9000-9100 dropped */
	IP4(203, 0, 113, 200),		/* icmp dropped */
};

/* Ports: the VIPs' services, and the edges of the rules' ranges. */
static const __u16 vip_ports[] = {
	80, 443, 8080, 8000, 8100, 8101, 9000, 9100, 53, 5353, 0, 65535,
	443, 80,
};
static const __u16 client_ports[] = {
	999, 1000, 1023, 1024, 1500, 1999, 2000, 0, 65535,
};

/* The firewall, as scmlb-fw set would be told. */
struct rule_spec {
	const char *network;		/* NULL: 0.0.0.0/0 */
	const char *proto;
	const char *src_port;
	const char *dst_port;
};

static const struct rule_spec rule_specs[] = {
	{ "192.0.2.0/24", "tcp", NULL, "8000-8100" },
	{ "198.18.0.0/15", "udp", "1000-1999", NULL },
	{ "198.18.5.0/24", NULL, NULL, NULL },
	{ NULL, "udp", NULL, "53" },
	{ "203.0.113.128/25", "icmp", NULL, NULL },
	{ "10.0.0.0/8", "tcp", "0-1023", "9000-9100" },
	{ "198.51.100.128/25", "udp", NULL, "0-1023" },
};

/* The rules as the model matches them, host order. */
struct model_rule {
	__u32 addr;
	__u32 mask;
	__u8 proto;
	__u16 src_from, src_to, dst_from, dst_to;
};

static struct model_rule rules[ARRAY_SIZE(rule_specs)];

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd;
static __u32 ifindex[SIDE_N];
static __u32 be_id[NBE + 1];
static __u32 svc_id[S_N];
/* What each service's table must hold: backend ids, as lib/ publishes them. */
static __u32 *model_table[S_N], model_len[S_N];

/* ---- a deterministic PRNG: splitmix64 ---- */

static __u64 rng_state;

static __u64 rnd64(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 rnd(__u32 n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(__u32 pct)
{
	return rnd(100) < pct;
}

static void rnd_bytes(__u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = rnd64();
}

#define PICK(a) ((a)[rnd(ARRAY_SIZE(a))])

/* ---- frames: a valid frame from a spec, then mutations ---- */

/* What a valid frame holds before any mutation. */
struct spec {
	enum side side;
	const __u8 *src_mac;
	const __u8 *dst_mac;
	__u32 saddr;
	__u32 daddr;
	__u8 proto;
	__u16 sport;
	__u16 dport;
	__u8 tcp_flags;
	__u8 ihl;			/* 5..15: room for the options */
	__u8 doff;			/* 5..15 */
	__u16 frag;			/* flags and offset */
	bool id_set;			/* the IP id is this, not random */
	__u16 id;
	__u16 payload;
	__u16 pad;			/* Ethernet trailer */
	bool udp_nocsum;
	/* UDP: the checksum is 0 once this address is at zero_off */
	__u32 zero_addr;
	__u8 zero_off;
};

/* A frame to run, and where it came from for the report. */
struct fz {
	__u8 b[FRAME_MAX];
	__u32 len;
	enum side side;
	const char *gen;
	char muts[96];
	bool udp_nocsum;
};

/*
 * Every checksum the frame's own fields make computable: the IPv4 header
 * over its IHL, TCP, UDP and ICMP over tot_len. A mutation that keeps the
 * packet whole keeps it valid this way.
 */
static void csums_fix(struct fz *z)
{
	__u8 *ip = z->b + IP_OFF, *l4;
	__u32 hlen, tot, l4len;
	__u8 proto;
	__u16 c;

	if (z->len < IP_OFF + 20 || get16(z->b + 12) != ETH_P_IP)
		return;
	hlen = (ip[0] & 0xf) * 4;
	if (hlen < 20 || IP_OFF + hlen > z->len)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, ~sum_fold(sum16(ip, hlen, 0)));
	tot = get16(ip + 2);
	if (tot < hlen || IP_OFF + tot > z->len)
		return;
	l4 = ip + hlen;
	l4len = tot - hlen;
	proto = ip[9];
	if (proto == IPPROTO_TCP && l4len >= 18) {
		put16(l4 + 16, 0);
		c = ~sum_fold(sum_pseudo(ip, proto, l4len) +
			      sum16(l4, l4len, 0));
		put16(l4 + 16, c);
	} else if (proto == IPPROTO_UDP && l4len >= 8) {
		put16(l4 + 6, 0);
		c = ~sum_fold(sum_pseudo(ip, proto, l4len) +
			      sum16(l4, l4len, 0));
		put16(l4 + 6, z->udp_nocsum ? 0 : c ? c : 0xffff);
	} else if (proto == IPPROTO_ICMP && l4len >= 4) {
		put16(l4 + 2, 0);
		put16(l4 + 2, ~sum_fold(sum16(l4, l4len, 0)));
	}
}

/* The UDP checksum computes to 0 once the address is rewritten. */
static void udp_zero_after(const struct spec *s, __u8 *ip, __u32 l4len)
{
	__u8 *l4 = ip + s->ihl * 4, ph[20];

	memcpy(ph, ip, sizeof(ph));
	put32(ph + s->zero_off, s->zero_addr);
	put16(l4 + 6, 0);
	udp_zero_word(ph, l4, l4len);
}

/* Lay @s out in @z, random where the spec says nothing, checksums valid. */
static void frame_from_spec(const struct spec *s, struct fz *z)
{
	size_t hlen = s->ihl * 4, l4hdr = l4_hdr_len(s->proto, s->doff);
	size_t room = FRAME_MAX - IP_OFF - hlen - l4hdr, payload = s->payload;
	size_t pad = s->pad;
	__u8 *ip = z->b + IP_OFF, *l4 = ip + hlen;

	if (pad > room)
		pad = room;
	if (payload > room - pad)
		payload = room - pad;
	memset(z->b, 0, sizeof(z->b));
	memcpy(z->b, s->dst_mac, ETH_ALEN);
	memcpy(z->b + ETH_ALEN, s->src_mac, ETH_ALEN);
	put16(z->b + 12, ETH_P_IP);

	ip[0] = 4 << 4 | s->ihl;
	ip[1] = chance(80) ? 0 : rnd64();
	put16(ip + 2, hlen + l4hdr + payload);
	/* few ids: a later fragment often meets its first's datagram */
	put16(ip + 4, s->id_set ? s->id : chance(50) ? rnd(4) : rnd64());
	put16(ip + 6, s->frag);
	ip[8] = 1 + rnd(255);
	ip[9] = s->proto;
	put32(ip + 12, s->saddr);
	put32(ip + 16, s->daddr);
	/* options: random bytes, or NOPs up to an end of list */
	if (chance(50)) {
		rnd_bytes(ip + 20, hlen - 20);
	} else if (hlen > 20) {
		memset(ip + 20, 1, hlen - 21);
		ip[hlen - 1] = 0;
	}

	rnd_bytes(l4, l4hdr + payload);
	if (s->proto == IPPROTO_TCP) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		l4[12] = s->doff << 4 | (chance(90) ? 0 : rnd(16));
		l4[13] = s->tcp_flags;
	} else if (s->proto == IPPROTO_UDP) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, 8 + payload);
	} else if (s->proto == IPPROTO_ICMP) {
		static const __u8 types[] = { 0, 3, 8, 11 };

		l4[0] = PICK(types);
		l4[1] = rnd(4);
	}
	if (s->proto == IPPROTO_UDP && s->zero_addr && payload >= 2)
		udp_zero_after(s, ip, 8 + payload);
	z->len = IP_OFF + hlen + l4hdr + payload;
	rnd_bytes(z->b + z->len, pad);
	z->len += pad;
	z->side = s->side;
	z->udp_nocsum = s->udp_nocsum;
	z->muts[0] = 0;
	csums_fix(z);
}

/* ---- the generator's memory of flows it saw balanced ---- */

struct flow {
	__u32 client;
	__u16 cport;
	__u32 vip;
	__u16 vport;
	__u16 bport;			/* the backend's side of the flow */
	__u8 proto;
	int be;
	__u8 mac[ETH_ALEN];		/* as conntrack recorded it */
};

static struct flow flows[FLOWS_MAX];
static __u32 n_flows, flow_next;

static void flow_remember(const struct flow *f)
{
	flows[flow_next] = *f;
	flow_next = (flow_next + 1) % FLOWS_MAX;
	if (n_flows < FLOWS_MAX)
		n_flows++;
}

/* Datagrams whose first fragment the generator sent, for their later ones. */
struct dgram {
	enum side side;
	const __u8 *src_mac;
	const __u8 *dst_mac;
	__u32 saddr;
	__u32 daddr;
	__u16 id;
	__u8 proto;
};

#define DGRAMS_MAX	256

static struct dgram dgrams[DGRAMS_MAX];
static __u32 n_dgrams, dgram_next;

/* Now and then make @s the first fragment of a datagram, and remember it. */
static void maybe_first_fragment(struct spec *s)
{
	if (!chance(12))
		return;
	s->frag = IP_MF;
	s->id_set = true;
	s->id = chance(50) ? rnd(8) : rnd64();
	dgrams[dgram_next] = (struct dgram){
		.side = s->side,
		.src_mac = s->src_mac,
		.dst_mac = s->dst_mac,
		.saddr = s->saddr,
		.daddr = s->daddr,
		.id = s->id,
		.proto = s->proto,
	};
	dgram_next = (dgram_next + 1) % DGRAMS_MAX;
	if (n_dgrams < DGRAMS_MAX)
		n_dgrams++;
}

/* ---- scenarios: valid frames of the kinds the data plane meets ---- */

static void spec_base(struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->ihl = chance(80) ? 5 : 6 + rnd(10);
	s->doff = chance(80) ? 5 : 6 + rnd(10);
	s->frag = chance(90) ? 0x4000 : chance(50) ? 0 : rnd(0x10000);
	s->payload = chance(70) ? rnd(48) : rnd(FRAME_MAX);
	s->pad = chance(85) ? 0 : 1 + rnd(24);
	s->udp_nocsum = chance(10);
}

static __u8 rnd_flags(void)
{
	static const __u8 usual[] = {
		TF_ACK, TF_ACK, TF_PSH | TF_ACK, TF_PSH | TF_ACK,
		TF_FIN | TF_ACK, TF_RST, TF_RST | TF_ACK, TF_SYN,
		TF_SYN | TF_ACK, TF_URG | TF_ACK, TF_ECE | TF_ACK,
		TF_CWR | TF_ACK,
	};

	return chance(75) ? PICK(usual) : rnd64();
}

static __u8 rnd_proto(void)
{
	static const __u8 protos[] = {
		IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_GRE,
		IPPROTO_ESP, IPPROTO_SCTP, IPPROTO_IPIP, 0, 255,
	};

	return chance(70) ? PICK(protos) : rnd64();
}

static __u32 rnd_not_vip(void)
{
	switch (rnd(8)) {
	case 0:
		return VIP + 1;
	case 1:
		return VIP - 1;
	case 2:
		return BE_ADDR(1 + rnd(NBE));
	case 3:
		return PICK(clients);
	case 4:
		return chance(50) ? 0 : 0xffffffff;
	case 5:
		return VIP ^ (1u << rnd(32));
	default:
		return rnd64();
	}
}

static __u32 rnd_client(void)
{
	return chance(85) ? PICK(clients) : (__u32)rnd64();
}

static __u16 rnd_cport(void)
{
	if (chance(30))
		return PICK(client_ports);
	return chance(80) ? 40000 + rnd(64) : rnd(0x10000);
}

/* A packet of a flow the generator saw balanced, from the client. */
static void scen_flow_packet(struct spec *s)
{
	const struct flow *f = &flows[rnd(n_flows)];

	s->src_mac = f->mac;
	s->saddr = f->client;
	s->daddr = f->vip;
	s->proto = f->proto;
	s->sport = f->cport;
	s->dport = f->vport;
	s->tcp_flags = rnd_flags();
	if (s->proto == IPPROTO_UDP && chance(15)) {
		s->zero_addr = BE_ADDR(f->be);
		s->zero_off = 16;
		s->payload += 2;
	}
	maybe_first_fragment(s);
}

/* A reply of a remembered flow, right or wrong in one field. */
static void scen_reply(struct spec *s, bool wrong)
{
	const struct flow *f = &flows[rnd(n_flows)];
	int be = f->be;

	s->saddr = BE_ADDR(be);
	s->daddr = f->client;
	s->proto = f->proto;
	s->sport = f->bport;
	s->dport = f->cport;
	s->tcp_flags = rnd_flags();
	if (wrong) {
		switch (rnd(5)) {
		case 0:
			be = be % NBE + 1;
			s->saddr = BE_ADDR(be);
			break;
		case 1:
			s->sport ^= 1 + rnd(0xffff);
			break;
		case 2:
			s->dport ^= 1 + rnd(0xffff);
			break;
		case 3:
			s->proto = s->proto == IPPROTO_TCP ? IPPROTO_UDP :
				   IPPROTO_TCP;
			break;
		default:
			s->daddr ^= 1 + rnd(0xffffffff);
			break;
		}
	}
	if (!wrong && s->proto == IPPROTO_UDP && chance(15)) {
		s->zero_addr = f->vip;
		s->zero_off = 12;
		s->payload += 2;
	}
	s->src_mac = mac_be[be];
	s->dst_mac = mac_beif[be];
	s->side = chance(90) ? BE_SIDE(be) : BE_SIDE(be % NBE + 1);
	maybe_first_fragment(s);
}

/*
 * A later fragment: of a datagram whose first fragment went out (from
 * its side, mostly, and with its id, mostly), or of one never begun.
 */
static void scen_later_fragment(struct spec *s)
{
	const struct dgram *d = &dgrams[rnd(n_dgrams)];

	s->id_set = true;
	s->frag = (1 + rnd(IP_OFFMASK)) | (chance(60) ? IP_MF : 0);
	if (!n_dgrams || chance(15)) {
		s->daddr = chance(75) ? VIP : VIP2;
		s->proto = chance(55) ? IPPROTO_TCP : IPPROTO_UDP;
		s->id = rnd64();
		return;
	}
	s->side = chance(90) ? d->side : (enum side)rnd(SIDE_N);
	s->src_mac = d->src_mac;
	s->dst_mac = d->dst_mac;
	s->saddr = d->saddr;
	s->daddr = d->daddr;
	s->proto = d->proto;
	s->id = chance(90) ? d->id : d->id ^ (1 + rnd(0xffff));
}

static void scenario(struct spec *s)
{
	__u32 r = rnd(100);

	spec_base(s);
	s->side = SIDE_UP;
	s->src_mac = mac_client[rnd(2)];
	s->dst_mac = mac_up;
	s->saddr = rnd_client();
	s->sport = rnd_cport();
	s->dport = PICK(vip_ports);
	if (r < 22) {			/* a new flow to a VIP */
		s->daddr = chance(75) ? VIP : VIP2;
		s->proto = chance(55) ? IPPROTO_TCP : IPPROTO_UDP;
		s->tcp_flags = chance(85) ? TF_SYN : TF_SYN | TF_ECE | TF_CWR;
		if (chance(70))
			s->frag = 0x4000;
		maybe_first_fragment(s);
	} else if (r < 27) {		/* a later fragment */
		scen_later_fragment(s);
	} else if (r < 45 && n_flows) {	/* a packet of a known flow */
		scen_flow_packet(s);
	} else if (r < 53) {		/* a VIP, any protocol */
		s->daddr = chance(75) ? VIP : VIP2;
		s->proto = rnd_proto();
		s->tcp_flags = rnd_flags();
	} else if (r < 68) {		/* not for a VIP */
		s->daddr = rnd_not_vip();
		s->proto = rnd_proto();
		s->tcp_flags = rnd_flags();
	} else if (r < 72 && n_flows) {	/* a reply, seen on the upstream */
		scen_reply(s, false);
		s->side = SIDE_UP;
	} else if (r < 90 && n_flows) {	/* a tracked flow's reply */
		scen_reply(s, false);
	} else if (r < 96 && n_flows) {	/* a reply a flow does not have */
		scen_reply(s, true);
	} else {			/* anything, behind a backend */
		s->side = chance(50) ? SIDE_BE0 : SIDE_BE1;
		s->src_mac = mac_be[1 + rnd(NBE)];
		s->dst_mac = mac_beif[1 + rnd(NBE)];
		s->saddr = chance(60) ? BE_ADDR(1 + rnd(NBE)) : rnd64();
		s->daddr = chance(50) ? rnd_client() : rnd_not_vip();
		s->proto = rnd_proto();
		s->sport = PICK(vip_ports);
		s->dport = rnd_cport();
		s->tcp_flags = rnd_flags();
	}
}

/* ICMP types: the errors scmlb translates, mostly, and others it must not. */
static __u8 rnd_icmp_type(void)
{
	static const __u8 types[] = { 3, 3, 3, 11, 12, 0, 8, 4, 5 };

	return chance(90) ? PICK(types) : rnd64();
}

/*
 * An ICMP message about a remembered flow, laid out by frames.c: from a
 * router on the client's way, quoting the VIP's reply (VIP:port ->
 * client:port), or from a backend's side, quoting the client's packet
 * as the backend got it (client:port -> backend:port). Right, or wrong
 * in one field; quoting 8 bytes of L4 as routers do, fewer, or all of it
 * as Linux does; now and then about a fragment, or fragmented itself.
 */
static void scen_icmp(struct fz *z)
{
	static const __u16 mtus[] = { 1400, 1280, 576, 68, 0 };
	const struct flow *f = &flows[rnd(n_flows)];
	struct frame outer = { 0 }, q = { 0 };
	bool to_backend = chance(50);
	__u8 type = rnd_icmp_type(), code;
	size_t l4_bytes, room;
	int be = f->be;

	q.src_mac = mac_up;	/* frames.c lays the quote out as a frame */
	q.dst_mac = mac_up;
	q.proto = f->proto;
	q.ihl = chance(80) ? 5 : 6 + rnd(10);
	q.doff = chance(80) ? 5 : 6 + rnd(10);
	q.tcp_flags = rnd_flags();
	q.payload = rnd(64);
	q.ip_id = rnd64();
	q.frag_off = chance(85) ? IP_DF : chance(50) ? IP_MF : rnd64();
	q.udp_csum_zero = chance(10);
	outer.ihl = chance(85) ? 5 : 6 + rnd(10);
	outer.ip_id = rnd64();
	outer.frag_off = chance(95) ? IP_DF : chance(50) ? IP_MF : rnd64();
	if (to_backend) {
		z->side = SIDE_UP;
		outer.src_mac = mac_client[rnd(2)];
		outer.dst_mac = mac_up;
		outer.saddr = chance(30) ? f->client : rnd_client();
		outer.daddr = f->vip;
		q.saddr = f->vip;
		q.daddr = f->client;
		q.sport = f->vport;
		q.dport = f->cport;
	} else {
		z->side = chance(90) ? BE_SIDE(be) : BE_SIDE(be % NBE + 1);
		outer.src_mac = mac_be[be];
		outer.dst_mac = mac_beif[be];
		outer.saddr = chance(70) ? BE_ADDR(be) : (__u32)rnd64();
		outer.daddr = f->client;
		q.saddr = f->client;
		q.daddr = BE_ADDR(be);
		q.sport = f->cport;
		q.dport = f->bport;
	}
	if (chance(20)) {
		switch (rnd(6)) {
		case 0:
			q.saddr ^= 1u << rnd(32);
			break;
		case 1:
			q.sport ^= 1 + rnd(0xffff);
			break;
		case 2:
			q.dport ^= 1 + rnd(0xffff);
			break;
		case 3:
			q.proto = q.proto == IPPROTO_TCP ? IPPROTO_UDP :
				  IPPROTO_TCP;
			break;
		case 4:
			q.daddr ^= 1u << rnd(32);
			break;
		default:
			outer.daddr ^= 1u << rnd(32);
			break;
		}
	}
	code = type == 3 && chance(40) ? 4 : rnd(16);
	l4_bytes = chance(50) ? 8 : chance(40) ? rnd(8) : FRAME_MAX;
	room = FRAME_MAX - ETH_HLEN - outer.ihl * 4 - 8 - q.ihl * 4;
	if (l4_bytes > room)
		l4_bytes = room;
	z->len = frame_build_icmp_err(&outer, type, code,
				      type == 3 && code == 4 ? PICK(mtus) : 0,
				      &q, l4_bytes, z->b);
	z->udp_nocsum = false;
	z->muts[0] = 0;
}

/* ---- mutations ---- */

enum mut {
	M_CUT, M_TOT_BIG, M_TOT_SMALL, M_TOT_RAND, M_IHL, M_VERSION, M_FRAG,
	M_PROTO, M_FLAGS, M_DOFF, M_ETYPE, M_PORTS, M_ADDR, M_FLIP, M_PAD,
	M_N
};

static const char *const mut_names[M_N] = {
	"cut", "tot_len+", "tot_len-", "tot_len?", "ihl", "version", "frag",
	"proto", "tcp-flags", "doff", "ethertype", "ports", "addr", "bitflip",
	"trailer",
};

static unsigned long mut_count[M_N];

/* Where the frame's L4 header would be, if the frame reaches it. */
static __u8 *l4_at(struct fz *z, size_t need)
{
	size_t off = IP_OFF + (z->b[IP_OFF] & 0xf) * 4;

	return off + need <= z->len ? z->b + off : NULL;
}

static void mutate(struct fz *z, enum mut m)
{
	static const __u16 etypes[] = {
		ETH_P_8021Q, ETH_P_8021AD, ETH_P_ARP, ETH_P_IPV6, 0x0801, 0,
	};
	static const __u16 frags[] = {
		0x2000, 0x2001, 0x0001, 0x1fff, 0x3fff, 0x6000, 0x8000, 0xa000,
		0x0000,
	};
	__u8 *ip = z->b + IP_OFF, *l4;
	__u32 tot = get16(ip + 2), i, n;

	mut_count[m]++;
	n = strlen(z->muts);
	if (n + 12 < sizeof(z->muts))
		sprintf(z->muts + n, "%s%s", n ? "," : "", mut_names[m]);
	switch (m) {
	case M_CUT:
		z->len = ETH_HLEN + rnd(z->len - ETH_HLEN + 1);
		break;
	case M_TOT_BIG:
		put16(ip + 2, tot + 1 + rnd(chance(50) ? 8 : 0x10000));
		break;
	case M_TOT_SMALL:
		put16(ip + 2, rnd(tot + 1));
		break;
	case M_TOT_RAND:
		put16(ip + 2, rnd64());
		break;
	case M_IHL:
		ip[0] = (ip[0] & 0xf0) | rnd(16);
		break;
	case M_VERSION:
		ip[0] = (ip[0] & 0x0f) | rnd(16) << 4;
		break;
	case M_FRAG:
		put16(ip + 6, chance(70) ? PICK(frags) : (__u16)rnd64());
		break;
	case M_PROTO:
		ip[9] = rnd_proto();
		break;
	case M_FLAGS:
		l4 = l4_at(z, 14);
		if (l4)
			l4[13] = rnd64();
		break;
	case M_DOFF:
		l4 = l4_at(z, 13);
		if (l4)
			l4[12] = (l4[12] & 0x0f) | rnd(16) << 4;
		break;
	case M_ETYPE:
		put16(z->b + 12, chance(80) ? PICK(etypes) : (__u16)rnd64());
		break;
	case M_PORTS:
		l4 = l4_at(z, 4);
		if (l4) {
			put16(l4, chance(50) ? rnd_cport() : rnd64());
			put16(l4 + 2, chance(50) ? PICK(vip_ports) : rnd64());
		}
		break;
	case M_ADDR:
		put32(ip + (chance(50) ? 12 : 16),
		      chance(30) ? (chance(70) ? VIP : VIP2) :
		      chance(50) ? rnd_client() : rnd_not_vip());
		break;
	case M_FLIP:
		for (i = 0, n = 1 + rnd(4); i < n; i++)
			z->b[rnd(z->len)] ^= 1 << rnd(8);
		break;
	case M_PAD:
		n = rnd(FRAME_MAX - z->len + 1);
		rnd_bytes(z->b + z->len, n);
		z->len += n;
		break;
	default:
		break;
	}
}

/*
 * Most mutated frames get fresh checksums, so that valid in must be valid
 * out; the rest keep stale ones or get one broken on purpose.
 */
static void csums_after_mutation(struct fz *z)
{
	__u32 r = rnd(100);
	__u8 *ip = z->b + IP_OFF, *l4;

	if (r < 70) {
		csums_fix(z);
	} else if (r < 85) {
		return;
	} else if (chance(50)) {
		if (z->len >= IP_OFF + 12)
			ip[10 + rnd(2)] ^= 1 << rnd(8);
	} else if (ip[9] == IPPROTO_TCP) {
		l4 = l4_at(z, 18);
		if (l4)
			l4[16 + rnd(2)] ^= 1 << rnd(8);
	} else {
		l4 = l4_at(z, 8);
		if (l4)
			l4[6 + rnd(2)] ^= 1 << rnd(8);
	}
}

/* ---- the model: what the data plane must do with a frame ---- */

/* The packet an ICMP error quotes, as icmp.h must find it. */
struct model_quote {
	bool ok;		/* an error quoting a TCP/UDP packet's ports */
	__u32 off;		/* its IPv4 header, in the frame */
	__u32 hlen;
	__u8 proto;
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u32 check_off;	/* its TCP/UDP checksum, in the frame; 0: cut */
	__u32 end;		/* the ICMP message's end, in the frame */
};

/* What the data plane parses of a frame (parse.h, independently). */
struct model {
	bool ip;		/* a whole, consistent IPv4 header */
	bool has_ports;		/* TCP/UDP ports the firewall sees */
	bool l4;		/* a whole TCP/UDP header: balanced */
	bool later_frag;	/* a later fragment: follows its first */
	__u16 id;		/* the IP identification */
	__u8 proto;
	__u8 flags;
	__u16 sport;
	__u16 dport;
	__u32 saddr;
	__u32 daddr;
	__u32 hlen;
	__u32 tot;
	__u16 frag;		/* flags and offset */
	struct model_quote q;	/* an ICMP error's */
};

/*
 * An ICMP error that names a flow: destination unreachable, time
 * exceeded or parameter problem, not itself a fragment, quoting the IPv4
 * header of a TCP or UDP packet (not a later fragment) and at least its
 * ports, all within tot_len.
 */
static void model_quote_parse(const __u8 *b, const struct model *m,
			      struct model_quote *q)
{
	const __u8 *icmp = b + IP_OFF + m->hlen, *in = icmp + 8;
	__u32 quoted, check;

	if (m->proto != IPPROTO_ICMP || (m->frag & (IP_MF | IP_OFFMASK)) ||
	    m->hlen + 8 + 20 > m->tot)
		return;
	if (icmp[0] != 3 && icmp[0] != 11 && icmp[0] != 12)
		return;
	quoted = m->tot - m->hlen - 8;
	q->hlen = (in[0] & 0xf) * 4;
	q->proto = in[9];
	if (in[0] >> 4 != 4 || q->hlen < 20 || q->hlen + 4 > quoted ||
	    (get16(in + 6) & IP_OFFMASK) ||
	    (q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP))
		return;
	q->off = IP_OFF + m->hlen + 8;
	q->saddr = get32(in + 12);
	q->daddr = get32(in + 16);
	q->sport = get16(in + q->hlen);
	q->dport = get16(in + q->hlen + 2);
	check = q->hlen + (q->proto == IPPROTO_TCP ? 16 : 6);
	q->check_off = check + 2 <= quoted ? q->off + check : 0;
	q->end = IP_OFF + m->tot;
	q->ok = true;
}

static void model_parse(const __u8 *b, __u32 len, struct model *m)
{
	const __u8 *ip = b + IP_OFF, *l4;
	__u32 need;
	__u16 frag;

	memset(m, 0, sizeof(*m));
	if (len < IP_OFF + 20 || get16(b + 12) != ETH_P_IP)
		return;
	m->hlen = (ip[0] & 0xf) * 4;
	m->tot = get16(ip + 2);
	if (ip[0] >> 4 != 4 || m->hlen < 20 || m->tot < m->hlen ||
	    IP_OFF + m->tot > len)
		return;
	m->ip = true;
	m->proto = ip[9];
	m->saddr = get32(ip + 12);
	m->daddr = get32(ip + 16);
	m->id = get16(ip + 4);
	frag = get16(ip + 6);
	m->frag = frag;
	m->later_frag = frag & IP_OFFMASK;
	if (m->later_frag)
		return;		/* no L4 header */
	model_quote_parse(b, m, &m->q);
	need = m->proto == IPPROTO_TCP ? 20 : m->proto == IPPROTO_UDP ? 8 : 0;
	l4 = ip + m->hlen;
	if (!need || m->hlen + need > m->tot)
		return;
	if (m->proto == IPPROTO_TCP && l4[12] >> 4 < 5)
		return;
	m->has_ports = true;
	m->sport = get16(l4);
	m->dport = get16(l4 + 2);
	m->flags = m->proto == IPPROTO_TCP ? l4[13] : 0;
	m->l4 = true;		/* a first fragment too */
}

static bool model_fw(const struct model *m)
{
	const struct model_rule *r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		r = &rules[i];
		if ((m->saddr & r->mask) != r->addr)
			continue;
		if (r->proto && r->proto != m->proto)
			continue;
		if (r->src_to && (!m->has_ports || m->sport < r->src_from ||
				  m->sport > r->src_to))
			continue;
		if (r->dst_to && (!m->has_ports || m->dport < r->dst_from ||
				  m->dport > r->dst_to))
			continue;
		return true;
	}
	return false;
}

/* The DoS class: a TCP packet's first flag of FIN SYN RST PSH URG ECE CWR. */
static int model_dos_class(const struct model *m)
{
	static const __u8 order[] = {
		TF_FIN, TF_SYN, TF_RST, TF_PSH, TF_URG, TF_ECE, TF_CWR,
	};
	size_t i;

	if (m->proto == IPPROTO_UDP)
		return SCMLB_DOS_UDP;
	if (m->proto == IPPROTO_ICMP)
		return SCMLB_DOS_ICMP;
	if (m->proto != IPPROTO_TCP || !m->l4)
		return -1;
	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (m->flags & order[i])
			return SCMLB_DOS_TCP_FIN + i;
	return SCMLB_DOS_TCP_ACK;
}

static bool tcp_opens(const struct model *m)
{
	return (m->flags & (TF_SYN | TF_ACK | TF_RST)) == TF_SYN;
}

static int be_by_id(__u32 id)
{
	int n;

	for (n = 1; n <= NBE; n++)
		if (be_id[n] == id)
			return n;
	return 0;
}

static bool model_is_vip(__u32 addr)
{
	int i;

	for (i = 0; i < S_N; i++)
		if (svc_specs[i].vip == addr)
			return true;
	return false;
}

/* Whether @addr's bit in lb_vip_hint is a VIP's: it may be one. */
static bool model_vip_hinted(__u32 addr)
{
	scmlb_addr_t a = { htonl(addr) }, v = { 0 };
	int i;

	for (i = 0; i < S_N; i++) {
		v[0] = htonl(svc_specs[i].vip);
		if (scmlb_vip_hint_bit(v) == scmlb_vip_hint_bit(a))
			return true;
	}
	return false;
}

/*
 * The service a packet for a VIP goes to: its exact port, else its
 * protocol's any-port service, else the VIP's any/any service; -1: none.
 */
static int model_service(const struct model *m)
{
	int i, any_proto = -1, any = -1;

	for (i = 0; i < S_N; i++) {
		const struct tb_svc_spec *v = &svc_specs[i];

		if (v->vip != m->daddr)
			continue;
		if (v->port && v->proto == m->proto && v->port == m->dport)
			return i;
		if (!v->port && v->proto == m->proto)
			any_proto = i;
		else if (!v->port && !v->proto)
			any = i;
	}
	return any_proto >= 0 ? any_proto : any;
}

/* The backend a new flow of @s gets: the cursor's, or the flow hash's. */
static int model_pick(enum svc_name s, const struct scmlb_flow_key *key,
		      int *be)
{
	__u32 slot = svc_id[s] % SCMLB_MAX_SERVICES, cursor, idx;

	if (!model_len[s])
		return -ENOENT;
	if (svc_specs[s].sched == SCMLB_SCHED_MAGLEV) {
		idx = scmlb_flow_hash(key) % model_len[s];
	} else {
		if (bpf_map_lookup_elem(lb.maps.rr, &slot, &cursor))
			return -errno;
		idx = cursor % model_len[s];
	}
	*be = be_by_id(model_table[s][idx]);
	return *be ? 0 : -ENOENT;
}

enum verdict { V_PASS, V_FW, V_DOS, V_FWD, V_RET, V_N };

/* Why a frame must come back untouched. */
enum pass_why {
	PW_NOT_IP,		/* not an IPv4 packet the data plane reads */
	PW_NOT_VIP,		/* upstream, not for a VIP */
	PW_NO_SVC,		/* for a VIP, but none of its services' */
	PW_UNBALANCED,		/* for a VIP, but not balanced */
	PW_UNTRACKED,		/* backend side, no tracked flow's reply */
	PW_STALE,		/* a reply of a flow now on another backend */
	PW_ICMP,		/* ICMP to a VIP, about no tracked flow */
	PW_N
};

struct expect {
	enum verdict v;
	enum pass_why pw;
	/* V_FWD, V_RET: the rewrite */
	const __u8 *src_mac;
	__u8 dst_mac[ETH_ALEN];
	__u32 addr_off;		/* within the IPv4 header */
	__u32 addr;
	bool port_set;		/* a port rewritten too */
	__u32 port_off;		/* within the L4 header */
	__u16 port;
	int be;
	__u16 bport;		/* the backend's port of the flow */
	/* a new flow: its service and state */
	bool opened;
	int svc;
	__u8 state;
	struct scmlb_flow_key key;	/* the frame's own */
	bool frag_unmatched;	/* a later fragment to a maybe-VIP, passed */
	bool unrouted;		/* a reply lb_reply_index knows: no route
				 * to its client in this namespace */
	/* an ICMP error: the quoted packet's address and port rewritten too */
	bool icmp;
	__u32 q_addr_off;	/* within the quoted IPv4 header */
	__u32 q_addr;
	__u32 q_port_off;	/* within the quoted L4 header */
	__u16 q_port;
	/* the DoS policy watches the frame's class */
	bool dos;
	struct scmlb_dos_key dkey;
	struct scmlb_dos_count dbefore;
};

/* To backend @be, on its port or the client's (@dport). */
static void expect_fwd(struct expect *e, int be, __u16 dport)
{
	__u16 port = be_specs[be].port;

	e->v = V_FWD;
	e->be = be;
	e->src_mac = mac_beif[be];
	memcpy(e->dst_mac, mac_be[be], ETH_ALEN);
	e->addr_off = 16;
	e->addr = BE_ADDR(be);
	e->bport = port ? port : dport;
	e->port_set = e->bport != dport;
	e->port_off = 2;
	e->port = e->bport;
}

/*
 * The model's ct_frags: where each first fragment it saw redirected went,
 * keyed as the data plane keys them (addresses as they arrived, protocol,
 * IP id), the last one of a key winning. Full, it is emptied together
 * with ct_frags before the next frame, so that the LRU never evicts.
 */
struct frag_rec {
	__u32 saddr;
	__u32 daddr;
	__u16 id;
	__u8 proto;
	bool to_client;		/* a backend's datagram */
	int be;
	__u32 nat_addr;		/* the address its NAT wrote */
	__u8 mac[ETH_ALEN];	/* a backend's datagram: the client's hop */
};

#define FRAG_RECS_MAX	4096

static struct frag_rec frag_recs[FRAG_RECS_MAX];
static __u32 n_frag_recs;

static struct frag_rec *frag_find(const struct model *m)
{
	__u32 i;

	for (i = 0; i < n_frag_recs; i++)
		if (frag_recs[i].saddr == m->saddr &&
		    frag_recs[i].daddr == m->daddr &&
		    frag_recs[i].id == m->id && frag_recs[i].proto == m->proto)
			return &frag_recs[i];
	return NULL;
}

/* A first fragment went where @e says: its later fragments will follow. */
static void frag_note(const struct model *m, const struct expect *e)
{
	struct frag_rec *r;

	if (!m->l4 || !(m->frag & IP_MF))
		return;
	r = frag_find(m);
	if (!r)
		r = &frag_recs[n_frag_recs++];
	*r = (struct frag_rec){
		.saddr = m->saddr,
		.daddr = m->daddr,
		.id = m->id,
		.proto = m->proto,
		.to_client = e->v == V_RET,
		.be = e->be,
		.nat_addr = e->addr,
	};
	memcpy(r->mac, e->dst_mac, ETH_ALEN);
}

/*
 * A later fragment: where its first fragment went, only the address that
 * fragment's NAT changed rewritten; @to_client: a backend's datagram.
 * Return: whether it goes anywhere.
 */
static bool predict_later_frag(const struct model *m, struct expect *e,
			       bool to_client)
{
	const struct frag_rec *r = frag_find(m);
	int be;

	if (!r || r->to_client != to_client)
		return false;
	be = r->be;
	e->be = be;
	e->addr = r->nat_addr;
	e->port_set = false;
	if (to_client) {
		e->v = V_RET;
		e->src_mac = mac_up;
		memcpy(e->dst_mac, r->mac, ETH_ALEN);
		e->addr_off = 12;
	} else {
		e->v = V_FWD;
		e->src_mac = mac_beif[be];
		memcpy(e->dst_mac, mac_be[be], ETH_ALEN);
		e->addr_off = 16;
	}
	return true;
}

/*
 * An ICMP error about a tracked flow. A router's about a reply (the
 * quote: VIP:port -> client:port) goes to the flow's backend, quoting
 * the reply as the backend sent it: from its address and port. A
 * backend's about a client's packet (@to_client; the quote: client:port
 * -> backend:port) goes to the client from the VIP, quoting the packet
 * as the client sent it: to the VIP and its port.
 */
static void predict_icmp(const struct model *m, struct expect *e,
			 bool to_client)
{
	const struct model_quote *q = &m->q;
	struct scmlb_flow_key key;
	struct scmlb_flow f;
	int be;

	if (!q->ok || q->saddr != m->daddr)
		return;
	/* the flow's client entry, or (@to_client) its reply entry */
	key = tb_flow_key(q->daddr, q->saddr, q->dport, q->sport, q->proto);
	if (to_client ? tb_ct_reply_get(&lb, &key, &f) :
			tb_ct_client_get(&lb, &key, &f))
		return;
	be = be_by_id(f.backend_id);
	if (!be)
		return;
	e->icmp = true;
	e->be = be;
	if (to_client) {
		e->v = V_RET;
		e->src_mac = mac_up;
		memcpy(e->dst_mac, f.client_mac, ETH_ALEN);
		e->addr_off = 12;
		e->addr = ntohl(f.nat_addr[0]);
		e->q_addr_off = 16;
		e->q_addr = e->addr;
		e->q_port_off = 2;
		e->q_port = ntohs(f.nat_port);
		return;
	}
	e->v = V_FWD;
	e->src_mac = mac_beif[be];
	memcpy(e->dst_mac, mac_be[be], ETH_ALEN);
	e->addr_off = 16;
	e->addr = BE_ADDR(be);
	e->q_addr_off = 12;
	e->q_addr = e->addr;
	e->q_port_off = 0;
	/* the flow's port on the backend: its own, or the VIP's */
	e->q_port = be_specs[be].port ? be_specs[be].port : q->sport;
}

/* Client traffic: firewall, DoS protection, then the balancer. */
static int predict_upstream(const struct model *m, struct expect *e)
{
	struct scmlb_flow f;
	int be = 0, err;

	if (!m->ip) {
		e->pw = PW_NOT_IP;
		return 0;
	}
	if (model_fw(m)) {
		e->v = V_FW;
		return 0;
	}
	/* only packets for a VIP count */
	if (model_dos_class(m) == DOS_CLASS && model_is_vip(m->daddr)) {
		e->dos = true;
		e->dkey.saddr = htonl(m->saddr);
		e->dkey.class = DOS_CLASS;
		if (bpf_map_lookup_elem(lb.maps.dos_counts, &e->dkey,
					&e->dbefore))
			memset(&e->dbefore, 0, sizeof(e->dbefore));
	}
	/* not the balancer's: later fragments and ICMP (icmp.h, frag.h) */
	if (m->later_frag && model_vip_hinted(m->daddr)) {
		if (!predict_later_frag(m, e, false))
			e->frag_unmatched = true;
	} else if (m->proto == IPPROTO_ICMP && model_vip_hinted(m->daddr)) {
		predict_icmp(m, e, false);
	}
	if (e->v != V_PASS)
		return 0;
	if (!model_is_vip(m->daddr)) {
		e->pw = PW_NOT_VIP;
		return 0;
	}
	e->pw = m->proto == IPPROTO_ICMP ? PW_ICMP : PW_UNBALANCED;
	if (!m->l4)
		return 0;
	e->key = tb_flow_key(m->saddr, m->daddr, m->sport, m->dport, m->proto);
	if (!tb_ct_client_get(&lb, &e->key, &f)) {
		be = be_by_id(f.backend_id);
		if (be && m->proto == IPPROTO_TCP && tcp_opens(m) &&
		    f.state == SCMLB_CT_CLOSED)
			be = 0;
	}
	if (!be) {
		e->svc = model_service(m);
		if (e->svc < 0) {
			e->pw = PW_NO_SVC;
			return 0;
		}
		e->state = SCMLB_CT_UDP;
		if (m->proto == IPPROTO_TCP) {
			e->state = SCMLB_CT_OPENING;
			if (!tcp_opens(m)) {
				/* only a Maglev table knows a lost flow */
				if (svc_specs[e->svc].sched !=
				    SCMLB_SCHED_MAGLEV)
					return 0;
				e->state = SCMLB_CT_ESTABLISHED;
			}
		}
		err = model_pick(e->svc, &e->key, &be);
		if (err)
			return err;
		e->opened = true;
	}
	expect_fwd(e, be, m->dport);
	return 0;
}

/*
 * Whether lb_reply_index names one service for a reply's exact source,
 * that service still has the entry's backend, and no
 * flow of the client goes to another: the data plane then asks the FIB,
 * which here knows no client.
 */
static bool model_reply_indexed(const struct model *m)
{
	struct scmlb_reply_key key = {
		.family = SCMLB_AF_INET,
		.proto = m->proto,
		.port = htons(m->sport),
		.addr = { htonl(m->saddr) },
	};
	struct scmlb_flow_key ckey;
	struct scmlb_reply_to to;
	struct scmlb_flow c;
	int be;

	if (bpf_map_lookup_elem(lb.maps.reply_index, &key, &to))
		return false;
	be = be_by_id(to.backend_id);
	if (!to.service_id || !be || svc_id[be_specs[be].svc] != to.service_id)
		return false;
	/* a client's flow tracked with another backend keeps its replies */
	ckey = tb_flow_key(m->daddr, ntohl(to.vip[0]), m->dport,
			   to.port ? ntohs(to.port) : m->sport, m->proto);
	return tb_ct_client_get(&lb, &ckey, &c) ||
	       c.backend_id == to.backend_id;
}

/*
 * Behind a backend: a reply entry keyed as the frame returns it, from its
 * VIP. Its SYN, FIN or RST is looked at with the flow's state, so those
 * pass when the flow has moved to another backend since.
 */
static int predict_backend(const struct model *m, struct expect *e)
{
	struct scmlb_flow_key ckey;
	struct scmlb_flow r, c;
	int be;

	e->pw = m->ip ? PW_UNTRACKED : PW_NOT_IP;
	if (m->later_frag) {
		predict_later_frag(m, e, true);
		return 0;
	}
	if (m->ip && m->proto == IPPROTO_ICMP) {
		predict_icmp(m, e, true);
		return 0;
	}
	if (!m->l4)
		return 0;
	e->key = tb_flow_key(m->saddr, m->daddr, m->sport, m->dport, m->proto);
	if (tb_ct_reply_get(&lb, &e->key, &r)) {
		e->unrouted = !(m->frag & IP_MF) && model_reply_indexed(m);
		return 0;
	}
	be = be_by_id(r.backend_id);
	if (!be)
		return 0;
	ckey = tb_flow_key(m->daddr, ntohl(r.nat_addr[0]), m->dport,
			   ntohs(r.nat_port), m->proto);
	if (m->proto == IPPROTO_TCP &&
	    (m->flags & (TF_SYN | TF_FIN | TF_RST)) &&
	    !tb_ct_client_get(&lb, &ckey, &c) &&
	    c.backend_id != r.backend_id) {
		e->pw = PW_STALE;
		return 0;
	}
	e->v = V_RET;
	e->be = be;
	e->src_mac = mac_up;
	memcpy(e->dst_mac, r.client_mac, ETH_ALEN);
	e->addr_off = 12;
	e->addr = ntohl(r.nat_addr[0]);
	e->port_set = ntohs(r.nat_port) != m->sport;
	e->port_off = 0;
	e->port = ntohs(r.nat_port);
	return 0;
}

/* ---- results ---- */

enum prop { P_ACTION, P_PASS, P_DROP, P_REDIRECT, P_REWRITE, P_CSUM,
	    P_STATS, P_TABLES, P_COVER, P_N };

/* The first failure of a property, kept for the report. */
struct failure {
	unsigned long count;
	unsigned long index;
	char why[320];
	struct fz in;
	__u8 out[2 * FRAME_MAX];
	__u32 out_len;
	__u8 exp[FRAME_MAX];
	__u32 exp_len;
};

static struct failure fails[P_N];

static struct {
	unsigned long frames, run_err;
	unsigned long act[XDP_REDIRECT + 1], act_other;
	unsigned long v[V_N], pw[PW_N], opened, opened_mid, ports;
	unsigned long picks[NBE + 1];
	unsigned long csum_valid, csum_kept, udp_nocsum, udp_ffff;
	unsigned long gen_random, gen_mutated, gen_valid, gen_sweep;
	unsigned long side_up, cut_short;
	unsigned long frags_followed[2], frag_resets;
	unsigned long icmp_gen, icmp_redirected[2], icmp_echo_passed;
	unsigned long icmp_csum_valid, icmp_csum_kept, icmp_l4_cut;
	/* what the counters must say, upstream frames only */
	struct scmlb_stats st;
} cnt;

static unsigned long frame_index;

static void fail(enum prop p, const struct fz *z, const __u8 *out,
		 __u32 out_len, const __u8 *exp, __u32 exp_len,
		 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void fail(enum prop p, const struct fz *z, const __u8 *out,
		 __u32 out_len, const __u8 *exp, __u32 exp_len,
		 const char *fmt, ...)
{
	struct failure *f = &fails[p];
	va_list ap;

	if (f->count++)
		return;
	f->index = z ? frame_index : 0;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	if (z)
		f->in = *z;
	if (out) {
		f->out_len = out_len;
		memcpy(f->out, out, out_len);
	}
	if (exp) {
		f->exp_len = exp_len;
		memcpy(f->exp, exp, exp_len);
	}
}

/* The sum over the header, or the L4 segment, checksum included: 0 is valid. */
static __u16 ip_residue(const __u8 *b, const struct model *m)
{
	return sum_fold(sum16(b + IP_OFF, m->hlen, 0)) % 0xffff;
}

static __u16 l4_residue(const __u8 *b, const struct model *m)
{
	const __u8 *ip = b + IP_OFF;
	__u32 l4len = m->tot - m->hlen;

	return sum_fold(sum_pseudo(ip, m->proto, l4len) +
			sum16(ip + m->hlen, l4len, 0)) % 0xffff;
}

/*
 * A redirected frame: the input with the MACs and one address rewritten;
 * its checksums then cover the new address exactly as the input's covered
 * the old one (RFC 1624): valid stays valid, an error stays the same error.
 */
static void check_rewrite(const struct fz *z, const struct model *m,
			  const struct expect *e, const __u8 *out,
			  __u32 out_len)
{
	__u32 ipc = IP_OFF + 10, l4c = IP_OFF + m->hlen +
		    (m->proto == IPPROTO_TCP ? 16 : 6);
	__u16 ir_in, ir_out, lr_in, lr_out, uc_in, uc_out;
	__u8 exp[FRAME_MAX];
	struct model mo;
	bool nocsum;

	memcpy(exp, z->b, z->len);
	memcpy(exp, e->dst_mac, ETH_ALEN);
	memcpy(exp + ETH_ALEN, e->src_mac, ETH_ALEN);
	put32(exp + IP_OFF + e->addr_off, e->addr);
	if (e->port_set)
		put16(exp + IP_OFF + m->hlen + e->port_off, e->port);
	/* the checksums are judged by their sums below */
	if (out_len == z->len) {
		memcpy(exp + ipc, out + ipc, 2);
		if (!m->later_frag)	/* no L4 header: data, untouched */
			memcpy(exp + l4c, out + l4c, 2);
	}
	if (out_len != z->len || memcmp(exp, out, out_len)) {
		fail(P_REWRITE, z, out, out_len, exp, z->len,
		     "redirected frame differs beyond the MACs, the %s "
		     "address%s and the checksums",
		     e->addr_off == 12 ? "source" : "destination",
		     e->port_set ? " and port" : "");
		return;
	}
	model_parse(out, out_len, &mo);
	if (!mo.ip || mo.l4 != m->l4 || mo.tot != m->tot || mo.hlen != m->hlen) {
		fail(P_REWRITE, z, out, out_len, exp, z->len,
		     "redirected frame's IPv4 header is no longer consistent "
		     "(tot_len %u in, %u out)", m->tot, mo.tot);
		return;
	}

	ir_in = ip_residue(z->b, m);
	ir_out = ip_residue(out, m);
	if (ir_in != ir_out) {
		fail(P_CSUM, z, out, out_len, exp, z->len,
		     "IPv4 header checksum 0x%04x -> 0x%04x: sum error %s "
		     "0x%04x, out 0x%04x", get16(z->b + ipc), get16(out + ipc),
		     ir_in ? "in" : "none in, so must stay valid; in", ir_in,
		     ir_out);
		return;
	}
	if (m->later_frag) {
		cnt.csum_kept++;
		return;
	}
	uc_in = get16(z->b + l4c);
	uc_out = get16(out + l4c);
	nocsum = m->proto == IPPROTO_UDP && !uc_in;
	if (nocsum && uc_out) {
		fail(P_CSUM, z, out, out_len, exp, z->len,
		     "UDP without a checksum (0) got checksum 0x%04x", uc_out);
		return;
	}
	if (m->proto == IPPROTO_UDP && uc_in && !uc_out) {
		fail(P_CSUM, z, out, out_len, exp, z->len,
		     "UDP checksum 0x%04x became 0 (\"no checksum\")", uc_in);
		return;
	}
	lr_in = nocsum ? 0 : l4_residue(z->b, m);
	lr_out = nocsum ? 0 : l4_residue(out, m);
	if (lr_in != lr_out) {
		fail(P_CSUM, z, out, out_len, exp, z->len,
		     "%s checksum 0x%04x -> 0x%04x: sum error in 0x%04x, "
		     "out 0x%04x%s", m->proto == IPPROTO_TCP ? "TCP" : "UDP",
		     uc_in, uc_out, lr_in, lr_out,
		     lr_in ? "" : " (valid in, invalid out)");
		return;
	}
	cnt.ports += e->port_set;
	cnt.udp_nocsum += nocsum;
	cnt.udp_ffff += m->proto == IPPROTO_UDP && uc_out == 0xffff;
	if (!ir_in && !lr_in)
		cnt.csum_valid++;
	else
		cnt.csum_kept++;
}

/* The sum over @len bytes at @off, as a residue: 0 for a valid checksum. */
static __u16 residue(const __u8 *b, __u32 off, __u32 len)
{
	return sum_fold(sum16(b + off, len, 0)) % 0xffff;
}

/*
 * The quoted packet's TCP/UDP sum over what the error carries of it:
 * the rest of the segment is cut off, but it is the same in and out, so
 * the residues must be equal for the whole segment's to be.
 */
static __u16 quote_l4_residue(const __u8 *b, const struct model_quote *q)
{
	const __u8 *in = b + q->off;
	__u32 l4 = q->off + q->hlen;

	return sum_fold(sum_pseudo(in, q->proto, get16(in + 2) - q->hlen) +
			sum16(b + l4, q->end - l4, 0)) % 0xffff;
}

/*
 * A redirected ICMP error: the input with the MACs, one outer address,
 * the quoted packet's address and port rewritten, and four checksums
 * covering the new bytes exactly as the input's covered the old ones,
 * each summed here from scratch: the outer IPv4 header's, the ICMP
 * message's (over the quoted packet), the quoted IPv4 header's, and the
 * quoted TCP/UDP checksum when it is quoted whole.
 */
static void check_icmp_rewrite(const struct fz *z, const struct model *m,
			       const struct expect *e, const __u8 *out,
			       __u32 out_len)
{
	const struct model_quote *q = &m->q;
	__u32 icmp = IP_OFF + m->hlen, icmp_len = m->tot - m->hlen;
	static const char *const what[] = {
		"outer IPv4 header", "ICMP", "quoted IPv4 header",
		"quoted TCP/UDP",
	};
	__u16 in[4], got[4], uc_in = 0, uc_out = 0;
	__u8 exp[FRAME_MAX];
	bool nocsum = false;
	int i, n = 3;

	memcpy(exp, z->b, z->len);
	memcpy(exp, e->dst_mac, ETH_ALEN);
	memcpy(exp + ETH_ALEN, e->src_mac, ETH_ALEN);
	put32(exp + IP_OFF + e->addr_off, e->addr);
	put32(exp + q->off + e->q_addr_off, e->q_addr);
	put16(exp + q->off + q->hlen + e->q_port_off, e->q_port);
	if (out_len == z->len) {
		memcpy(exp + IP_OFF + 10, out + IP_OFF + 10, 2);
		memcpy(exp + icmp + 2, out + icmp + 2, 2);
		memcpy(exp + q->off + 10, out + q->off + 10, 2);
		if (q->check_off)
			memcpy(exp + q->check_off, out + q->check_off, 2);
	}
	if (out_len != z->len || memcmp(exp, out, out_len)) {
		fail(P_REWRITE, z, out, out_len, exp, z->len,
		     "redirected ICMP error differs beyond the MACs, the "
		     "outer %s, the quoted %s address and port and the "
		     "checksums", e->addr_off == 12 ? "source" : "destination",
		     e->q_addr_off == 12 ? "source" : "destination");
		return;
	}
	cnt.icmp_l4_cut += !q->check_off;
	in[0] = ip_residue(z->b, m);
	got[0] = ip_residue(out, m);
	in[1] = residue(z->b, icmp, icmp_len);
	got[1] = residue(out, icmp, icmp_len);
	in[2] = residue(z->b, q->off, q->hlen);
	got[2] = residue(out, q->off, q->hlen);
	if (q->check_off) {
		uc_in = get16(z->b + q->check_off);
		uc_out = get16(out + q->check_off);
		/* UDP without a checksum (0) has no sum to keep */
		nocsum = q->proto == IPPROTO_UDP && !uc_in;
		in[3] = quote_l4_residue(z->b, q);
		got[3] = quote_l4_residue(out, q);
		n = nocsum ? 3 : 4;
	}
	for (i = 0; i < n; i++) {
		if (in[i] == got[i])
			continue;
		fail(P_CSUM, z, out, out_len, exp, z->len,
		     "%s checksum: sum error %s0x%04x in, 0x%04x out", what[i],
		     in[i] ? "" : "none in, so must stay valid; ", in[i],
		     got[i]);
		return;
	}
	if (q->check_off && q->proto == IPPROTO_UDP && !uc_in != !uc_out) {
		fail(P_CSUM, z, out, out_len, exp, z->len,
		     "quoted UDP checksum 0x%04x became 0x%04x: 0 (\"no "
		     "checksum\") must stay 0, and only 0 is 0", uc_in, uc_out);
		return;
	}
	if (!in[0] && !in[1] && !in[2])
		cnt.icmp_csum_valid++;
	else
		cnt.icmp_csum_kept++;
}

/*
 * A new or followed flow: conntrack holds it, on the expected backend; a
 * new one with both its entries, as the frame made them.
 */
static void check_flow(const struct fz *z, const struct expect *e,
		       const __u8 *out, __u32 out_len)
{
	struct tb_flow_want want;
	struct scmlb_flow f;
	struct flow mine;

	if (tb_ct_client_get(&lb, &e->key, &f)) {
		fail(P_REDIRECT, z, out, out_len, NULL, 0,
		     "redirected to backend %d but conntrack has no flow",
		     e->be);
		return;
	}
	if (f.backend_id != be_id[e->be]) {
		fail(P_REDIRECT, z, out, out_len, NULL, 0,
		     "conntrack flow on backend id %u, expected %u",
		     f.backend_id, be_id[e->be]);
		return;
	}
	if (!e->opened)
		return;
	want = (struct tb_flow_want){
		.state = e->state,
		.backend_id = be_id[e->be],
		.service_id = svc_id[e->svc],
		.be_addr = BE_ADDR(e->be),
		.be_port = e->bport,
		.packets = 1,
		.client_mac = z->b + ETH_ALEN,
	};
	notes_reset();
	if (!tb_flow_check(&lb, &e->key, &want)) {
		fail(P_REDIRECT, z, out, out_len, NULL, 0,
		     "new flow's conntrack entries: %s", notes_text());
		return;
	}
	cnt.picks[e->be]++;
	cnt.opened_mid += e->state == SCMLB_CT_ESTABLISHED;
	mine = (struct flow){
		.client = ntohl(e->key.src_addr),
		.cport = ntohs(e->key.src_port),
		.vip = ntohl(e->key.dst_addr),
		.vport = ntohs(e->key.dst_port),
		.bport = e->bport,
		.proto = e->key.proto,
		.be = e->be,
	};
	memcpy(mine.mac, f.client_mac, ETH_ALEN);
	flow_remember(&mine);
}

/* DoS: the policy's count after the frame tells whether it dropped it. */
static void dos_settle(const struct fz *z, struct expect *e)
{
	struct scmlb_dos_count after;

	if (!e->dos)
		return;
	if (bpf_map_lookup_elem(lb.maps.dos_counts, &e->dkey, &after))
		return;
	if (!after.blocked)
		return;
	if (!e->dbefore.blocked && after.packets <= DOS_LIMIT)
		fail(P_DROP, z, NULL, 0, NULL, 0,
		     "source blocked at %u packets, the limit is %u",
		     after.packets, DOS_LIMIT);
	e->v = V_DOS;
}

static const char *const verdict_names[V_N] = {
	"XDP_PASS, untouched", "XDP_DROP (firewall)", "XDP_DROP (DoS policy)",
	"XDP_REDIRECT to a backend", "XDP_REDIRECT to the client",
};

static const char *const pass_why_names[PW_N] = {
	" (not IPv4)", " (not for a VIP)", " (no service of the VIP's)",
	" (not balanced)", " (no tracked flow's reply)",
	" (a reply from a flow's former backend)",
	" (ICMP to a VIP, about no tracked flow)",
};

static void stats_expect(const struct model *m, const struct expect *e,
			 enum verdict v)
{
	struct scmlb_stats *s = &cnt.st;

	if (!m->ip || (m->proto != IPPROTO_TCP && m->proto != IPPROTO_UDP &&
		       m->proto != IPPROTO_ICMP))
		s->rx_other++;
	else if (m->proto == IPPROTO_TCP)
		s->rx_tcp++;
	else if (m->proto == IPPROTO_UDP)
		s->rx_udp++;
	else
		s->rx_icmp++;
	s->passed += v == V_PASS;
	s->fw_dropped += v == V_FW;
	s->dos_dropped += v == V_DOS;
	s->forwarded += v == V_FWD;
	s->frags_unmatched += e->frag_unmatched && v == V_PASS;
}

/*
 * The verdict is predicted before the run from the frame's bytes, the
 * rules, the services' tables as the model builds them and the maps the
 * frame may read (conntrack, the round-robin cursors), so the flows a
 * frame opens or closes are followed exactly.
 */
static void frags_forget_if_full(void)
{
	struct scmlb_frag_key k;
	int err;

	if (n_frag_recs < FRAG_RECS_MAX)
		return;
	err = tb_map_clear(lb.maps.ct_frags, &k);
	if (err)
		fail(P_ACTION, NULL, NULL, 0, NULL, 0, "emptying ct_frags: %s",
		     strerror(-err));
	n_frag_recs = 0;
	cnt.frag_resets++;
}

static void run_frame(struct fz *z)
{
	static const int want_act[V_N] = {
		XDP_PASS, XDP_DROP, XDP_DROP, XDP_REDIRECT, XDP_REDIRECT,
	};
	static const enum prop want_prop[V_N] = {
		P_PASS, P_DROP, P_DROP, P_REDIRECT, P_REDIRECT,
	};
	__u8 out[2 * FRAME_MAX];
	struct expect e = { .v = V_PASS };
	__u32 out_len = 0;
	struct model m;
	int err, act = -1;

	frame_index++;
	frags_forget_if_full();
	model_parse(z->b, z->len, &m);
	if (z->side == SIDE_UP)
		err = predict_upstream(&m, &e);
	else
		err = predict_backend(&m, &e);
	if (err) {
		fail(P_ACTION, z, NULL, 0, NULL, 0,
		     "model: cannot pick from a service's table: %s",
		     strerror(-err));
		return;
	}
	notes_reset();
	err = prog_run(main_fd, ifindex[z->side], z->b, z->len, out, &out_len,
		       &act);
	cnt.frames++;
	cnt.side_up += z->side == SIDE_UP;
	cnt.cut_short += m.ip ? 0 : z->len < IP_OFF + 20;
	if (err) {
		cnt.run_err++;
		fail(P_ACTION, z, NULL, 0, NULL, 0, "BPF_PROG_TEST_RUN: %s",
		     strerror(-err));
		return;
	}
	if (act >= 0 && act <= XDP_REDIRECT)
		cnt.act[act]++;
	if (act != XDP_PASS && act != XDP_DROP && act != XDP_REDIRECT) {
		cnt.act_other++;
		fail(P_ACTION, z, out, out_len, NULL, 0, "action %s (%d)",
		     act_name(act), act);
		return;
	}
	dos_settle(z, &e);
	cnt.v[e.v]++;
	if (e.v == V_PASS)
		cnt.pw[e.pw]++;
	cnt.icmp_echo_passed += e.v == V_PASS && e.pw == PW_ICMP &&
				m.hlen + 1 <= m.tot &&
				z->b[IP_OFF + m.hlen] == 8;
	if (z->side == SIDE_UP)
		stats_expect(&m, &e, e.v);
	else {
		cnt.st.returned += e.v == V_RET;
		cnt.st.stateless_unrouted += e.unrouted;
	}

	if (act != want_act[e.v]) {
		fail(want_prop[e.v], z, out, out_len, NULL, 0,
		     "expected %s%s, got %s", verdict_names[e.v],
		     e.v == V_FWD ? (e.opened ? " (new flow)" : " (its flow)") :
		     e.v == V_PASS ? pass_why_names[e.pw] : "",
		     act_name(act));
		return;
	}
	if (act != XDP_REDIRECT) {
		if (out_len != z->len || memcmp(out, z->b, z->len))
			fail(want_prop[e.v], z, out, out_len, z->b, z->len,
			     "%s, but the frame changed", act_name(act));
		return;
	}
	cnt.opened += e.opened;
	cnt.frags_followed[e.v == V_RET] += m.later_frag;
	frag_note(&m, &e);
	if (e.icmp) {
		cnt.icmp_redirected[e.v == V_RET]++;
		check_icmp_rewrite(z, &m, &e, out, out_len);
		return;
	}
	check_rewrite(z, &m, &e, out, out_len);
	/* a later fragment has no 5-tuple: ct_frags told its way */
	if (e.v == V_FWD && !m.later_frag)
		check_flow(z, &e, out, out_len);
}

/* ---- generators ---- */

/* Random bytes, some dressed as IPv4 far enough to reach deeper checks. */
static void gen_random(void)
{
	struct fz z = { .gen = "random bytes" };
	__u8 *ip = z.b + IP_OFF;

	z.len = ETH_HLEN + rnd(FRAME_MAX - ETH_HLEN + 1);
	rnd_bytes(z.b, z.len);
	z.side = chance(60) ? SIDE_UP : 1 + rnd(2);
	if (chance(60) && z.len >= IP_OFF + 20) {
		put16(z.b + 12, ETH_P_IP);
		if (chance(60))
			ip[0] = chance(50) ? 0x45 : 0x40 | rnd(16);
		if (chance(50))
			put16(ip + 2, rnd(z.len - IP_OFF + 1));
		if (chance(30))
			put32(ip + 16, VIP);
		if (chance(20))
			ip[9] = chance(50) ? IPPROTO_TCP : IPPROTO_UDP;
		if (chance(40))
			csums_fix(&z);
	}
	cnt.gen_random++;
	run_frame(&z);
}

static void gen_mutated(void)
{
	static const __u32 nmut_pct[] = { 35, 70, 88, 100 };
	struct fz z;
	struct spec s;
	__u32 r = rnd(100), n, i;

	if (n_flows && chance(8)) {
		scen_icmp(&z);
		cnt.icmp_gen++;
	} else {
		scenario(&s);
		frame_from_spec(&s, &z);
	}
	for (n = 0; r >= nmut_pct[n]; n++)
		;
	for (i = 0; i < n; i++)
		mutate(&z, rnd(M_N));
	if (n)
		csums_after_mutation(&z);
	z.gen = n ? "mutated" : "valid";
	if (n)
		cnt.gen_mutated++;
	else
		cnt.gen_valid++;
	run_frame(&z);
}

enum sweep { SW_CUT, SW_CUT_TOT, SW_TOT_LEN, SW_IHL, SW_DOFF, SW_PROTO,
	     SW_FRAG, SW_ICMP_CUT, SW_N };

static const char *const sweep_names[SW_N] = {
	"sweep: cut at every length",
	"sweep: cut at every length, tot_len following",
	"sweep: every tot_len",
	"sweep: IHL 0..15, with and without room",
	"sweep: TCP data offset 0..15, with and without room",
	"sweep: every IP protocol",
	"sweep: fragment flags and offsets",
	"sweep: an ICMP error about a flow, quote cut at every length",
};

static unsigned long sweep_count[SW_N];

static void sweep_run(struct fz *z, enum sweep k)
{
	z->gen = sweep_names[k];
	cnt.gen_sweep++;
	run_frame(z);
}

/* One valid frame, varied over every value of one thing. */
static void gen_sweep(void)
{
	static const __u16 frags[] = {
		0x0000, 0x4000, 0x2000, 0x6000, 0x8000, 0x2001, 0x0001,
		0x1fff, 0x3fff, 0x4001, 0xa000, 0xffff,
	};
	enum sweep k = rnd(SW_N);
	struct fz base, z;
	struct spec s;
	__u32 i;

	if (k == SW_ICMP_CUT && !n_flows)
		k = SW_CUT;
	sweep_count[k]++;
	scenario(&s);
	if (k == SW_DOFF)
		s.proto = IPPROTO_TCP;
	if (k == SW_ICMP_CUT)
		scen_icmp(&base);
	else
		frame_from_spec(&s, &base);
	switch (k) {
	case SW_CUT:
	case SW_CUT_TOT:
		for (i = ETH_HLEN; i <= base.len; i++) {
			z = base;
			z.len = i;
			if (k == SW_CUT_TOT && i >= IP_OFF + 4) {
				put16(z.b + IP_OFF + 2, i - IP_OFF);
				csums_fix(&z);
			}
			sweep_run(&z, k);
		}
		break;
	case SW_ICMP_CUT:
		/* the quote loses its checksum, its ports, its header */
		for (i = IP_OFF + 20; i <= base.len; i++) {
			z = base;
			z.len = i;
			put16(z.b + IP_OFF + 2, i - IP_OFF);
			csums_fix(&z);
			sweep_run(&z, k);
		}
		break;
	case SW_TOT_LEN:
		for (i = 0; i <= base.len - IP_OFF + 8; i++) {
			z = base;
			put16(z.b + IP_OFF + 2, i);
			csums_fix(&z);
			sweep_run(&z, k);
		}
		break;
	case SW_IHL:
	case SW_DOFF:
		for (i = 0; i < 32; i++) {
			if (i & 16) {	/* room: the frame laid out for it */
				if (k == SW_IHL)
					s.ihl = (i & 15) < 5 ? 5 : i & 15;
				else
					s.doff = (i & 15) < 5 ? 5 : i & 15;
				frame_from_spec(&s, &z);
			} else {
				z = base;
			}
			if (k == SW_IHL)
				z.b[IP_OFF] = 0x40 | (i & 15);
			else if (l4_at(&z, 13))
				l4_at(&z, 13)[12] = (i & 15) << 4;
			csums_fix(&z);
			sweep_run(&z, k);
		}
		break;
	case SW_PROTO:
		for (i = 0; i < 256; i++) {
			s.proto = i;
			frame_from_spec(&s, &z);
			sweep_run(&z, k);
		}
		break;
	case SW_FRAG:
		for (i = 0; i < ARRAY_SIZE(frags); i++) {
			s.frag = frags[i];
			frame_from_spec(&s, &z);
			sweep_run(&z, k);
		}
		break;
	default:
		break;
	}
}

/* ---- setup: the instance, configured through lib/ ---- */

static int rule_add(const struct rule_spec *rs, struct model_rule *mr)
{
	struct scmlb_fw_rule r;
	const char *why = NULL;
	int err = tb_fw_rule_parse(rs->network, rs->proto, rs->src_port,
				   rs->dst_port, &r, &why);

	if (err) {
		printf("# rule %s: %s\n", rs->network, why);
		return err;
	}
	*mr = (struct model_rule){
		.addr = ntohl(r.addr),
		.mask = r.prefixlen ? 0xffffffffu << (32 - r.prefixlen) : 0,
		.proto = r.proto,
		.src_from = r.src_from,
		.src_to = r.src_to,
		.dst_from = r.dst_from,
		.dst_to = r.dst_to,
	};
	return scmlb_fw_rule_add(&lb, &r);
}

/*
 * The table each service must have, built here from the backends as the
 * test knows them: rr takes them by id, wrr and maglev go through the
 * schedulers (whose own tests check them) with the service's port for a
 * backend without one.
 */
static int model_tables(void)
{
	struct scmlb_sched_backend sb[NBE];
	size_t k;
	int s, n, err = 0;

	for (s = 0; s < S_N && !err; s++) {
		model_table[s] = calloc(SCMLB_TABLE_SIZE, sizeof(__u32));
		if (!model_table[s])
			return -ENOMEM;
		for (k = 0, n = 1; n <= NBE; n++) {
			const struct be_spec *b = &be_specs[n];

			if (b->svc != (enum svc_name)s)
				continue;
			tb_sched_backend(&sb[k], be_id[n], b->addr,
					 b->port ? b->port : svc_specs[s].port,
					 b->weight);
			model_table[s][k++] = be_id[n];
		}
		model_len[s] = k;
		if (svc_specs[s].sched == SCMLB_SCHED_WRR) {
			err = scmlb_wrr_build(sb, k, SCMLB_TABLE_SIZE,
					      model_table[s], &model_len[s]);
		} else if (svc_specs[s].sched == SCMLB_SCHED_MAGLEV) {
			err = scmlb_maglev_build(sb, k, SCMLB_TABLE_SIZE,
						 model_table[s]);
			model_len[s] = SCMLB_TABLE_SIZE;
		}
	}
	return err;
}

/* The tables lib/ published are the model's. */
static void tables_check(void)
{
	__u32 *ids, len;
	int s, err;

	for (s = 0; s < S_N; s++) {
		err = scmlb_service_table_read(&lb, svc_id[s], &ids, &len);
		if (err)
			fail(P_TABLES, NULL, NULL, 0, NULL, 0,
			     "reading service %u's table: %s", svc_id[s],
			     strerror(-err));
		else if (len != model_len[s] ||
			 memcmp(ids, model_table[s], len * sizeof(*ids)))
			fail(P_TABLES, NULL, NULL, 0, NULL, 0,
			     "service %u's table (%u slots) is not the "
			     "model's (%u slots)", svc_id[s], len,
			     model_len[s]);
		free(ids);
	}
}

/*
 * The test's part of the start, once the data plane is loaded: the
 * services and their backends, the firewall rules and the DoS policy.
 */
static int instance_setup(void)
{
	__u32 i, id;
	int err, n;

	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	err = tb_instance(&lb, VIP, ifindex[SIDE_UP], mac_up, CT_SIZE, -1);
	if (!err)
		err = tb_services_add(&lb, svc_specs, S_N, svc_id);
	for (n = 1; n <= NBE && !err; n++) {
		const struct be_spec *b = &be_specs[n];
		const __u8 be_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, n };
		const __u8 if_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf0, n };

		memcpy(mac_be[n], be_mac, ETH_ALEN);
		memcpy(mac_beif[n], if_mac, ETH_ALEN);
		err = tb_backend_add_to(&lb, svc_id[b->svc], b->weight,
					b->port, n, b->addr,
					ifindex[BE_SIDE(n)], mac_be[n],
					mac_beif[n], &be_id[n]);
	}
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(rule_specs); i++) {
		err = rule_add(&rule_specs[i], &rules[i]);
		if (err)
			return err;
	}
	err = scmlb_dos_policy_add(&lb, DOS_CLASS, DOS_LIMIT, 0, 128, &id);
	if (!err)
		err = scmlb_config_read(&lb, &lb.cfg);
	return err ? err : model_tables();
}

/* ---- the report ---- */

static void hex_dump(const char *what, const __u8 *b, __u32 len)
{
	__u32 off, i;

	printf("# %s, %u bytes:\n", what, len);
	for (off = 0; off < len; off += 16) {
		printf("#   %04x:", off);
		for (i = off; i < off + 16 && i < len; i++)
			printf(" %02x", b[i]);
		putchar('\n');
	}
}

static unsigned long seed;

static void report(int n, enum prop p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(int n, enum prop p, const char *fmt, ...)
{
	const struct failure *f = &fails[p];
	va_list ap;

	printf("%sok %d - ", f->count ? "not " : "", n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (f->count)
		printf(" # seed 0x%lx: %lu failures", seed, f->count);
	putchar('\n');
	if (!f->count)
		return;
	if (!f->index) {
		printf("# %s\n", f->why);
		return;
	}
	printf("# first failure: frame %lu (%s%s%s) on %s: %s\n", f->index,
	       f->in.gen ? f->in.gen : "-", f->in.muts[0] ? ": " : "",
	       f->in.muts, if_names[f->in.side], f->why);
	if (f->in.len)
		hex_dump("frame in", f->in.b, f->in.len);
	if (f->out_len)
		hex_dump("frame out", f->out, f->out_len);
	notes_reset();
	if (f->exp_len && f->out_len &&
	    !frames_equal(f->exp, f->exp_len, f->out, f->out_len)) {
		printf("# expected, against what came out:\n");
		notes_print();
	}
	printf("# reproduce: SCMLB_FUZZ_SEED=0x%lx test_fuzz\n", seed);
}

static bool stats_check(void)
{
	struct scmlb_stats got;
	__u64 g, w;
	int i, err = tb_stats_read(&lb, &got);

	if (err) {
		fail(P_STATS, NULL, NULL, 0, NULL, 0, "reading stat_pkts: %s",
		     strerror(-err));
		return false;
	}
	for (i = 0; i < TB_STATS_N; i++) {
		g = tb_stat_get(&got, i);
		w = tb_stat_get(&cnt.st, i);
		if (g != w) {
			fail(P_STATS, NULL, NULL, 0, NULL, 0,
			     "counter %s is %llu, the verdicts make %llu",
			     tb_stat_name(i), (unsigned long long)g,
			     (unsigned long long)w);
			return false;
		}
	}
	return true;
}

/* A run this long meets every kind of frame below, whatever the seed. */
#define COVER_MIN_FRAMES	20000

/*
 * The generator must reach what the model predicts, or a data plane that
 * passed every ICMP error and fragment would go unnoticed.
 */
static void coverage_check(unsigned long target)
{
	const struct {
		const char *what;
		unsigned long n;
	} kinds[] = {
		{ "router's ICMP error redirected to a backend",
		  cnt.icmp_redirected[0] },
		{ "backend's ICMP error redirected to a client",
		  cnt.icmp_redirected[1] },
		{ "redirected ICMP error quoting a cut TCP/UDP checksum",
		  cnt.icmp_l4_cut },
		{ "echo request to a VIP passed", cnt.icmp_echo_passed },
		{ "later fragment following its first to a backend",
		  cnt.frags_followed[0] },
		{ "later fragment following its first to a client",
		  cnt.frags_followed[1] },
		{ "later fragment to a VIP before its first",
		  cnt.st.frags_unmatched },
	};
	size_t i;

	if (target < COVER_MIN_FRAMES)
		return;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!kinds[i].n)
			fail(P_COVER, NULL, NULL, 0, NULL, 0,
			     "no %s in %lu frames", kinds[i].what, target);
}

static int parse_ul(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || !*s || *end || *s == '-' ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, instance_setup,
	};
	const char *s_seed = argc > 1 ? argv[1] : getenv("SCMLB_FUZZ_SEED");
	const char *s_n = argc > 2 ? argv[2] : getenv("SCMLB_FUZZ_FRAMES");
	unsigned long target = FRAMES_DEFAULT, drops, redirects;
	struct timespec t0, t1;
	double secs;
	int i, failed;

	seed = SEED_DEFAULT;
	if ((s_seed && *s_seed && parse_ul(s_seed, &seed)) ||
	    (s_n && *s_n && parse_ul(s_n, &target))) {
		printf("Bail out! usage: test_fuzz [SEED [FRAMES]] "
		       "(or SCMLB_FUZZ_SEED, SCMLB_FUZZ_FRAMES)\n");
		return 2;
	}
	if (!tb_start(&tb, &failed))
		return failed;

	printf("1..9\n");
	printf("# seed 0x%lx (SCMLB_FUZZ_SEED or the first argument), "
	       "%lu frames\n", seed, target);
	tables_check();
	rng_state = seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (cnt.frames < target) {
		__u32 r = rnd(1000);

		if (r < 3)
			gen_sweep();
		else if (r < 100)
			gen_random();
		else
			gen_mutated();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	stats_check();
	coverage_check(target);

	drops = cnt.v[V_FW] + cnt.v[V_DOS];
	redirects = cnt.v[V_FWD] + cnt.v[V_RET];
	report(1, P_ACTION, "%lu frames (%lu upstream): %lu passed, %lu "
	       "dropped, %lu redirected, %lu other actions or errors",
	       cnt.frames, cnt.side_up, cnt.act[XDP_PASS], cnt.act[XDP_DROP],
	       cnt.act[XDP_REDIRECT], cnt.act_other + cnt.run_err);
	report(2, P_PASS, "%lu frames passed byte-identical: %lu not IPv4 or "
	       "malformed, %lu not for a VIP, %lu for a VIP but no service, "
	       "%lu for a service but not balanced, %lu not a tracked flow's "
	       "reply, %lu replies of a flow that moved to another backend, "
	       "%lu ICMP to a VIP about no tracked flow (%lu echo requests)",
	       cnt.v[V_PASS], cnt.pw[PW_NOT_IP], cnt.pw[PW_NOT_VIP],
	       cnt.pw[PW_NO_SVC], cnt.pw[PW_UNBALANCED], cnt.pw[PW_UNTRACKED],
	       cnt.pw[PW_STALE], cnt.pw[PW_ICMP], cnt.icmp_echo_passed);
	report(3, P_DROP, "%lu frames dropped untouched, each by a rule: %lu "
	       "by the firewall (%zu rules), %lu by the DoS policy (%u/s)",
	       drops, cnt.v[V_FW], ARRAY_SIZE(rules), cnt.v[V_DOS], DOS_LIMIT);
	report(4, P_REDIRECT, "%lu frames redirected, each as the flows and "
	       "the services' tables say: %lu to backends (%lu new flows, "
	       "%lu of them by a Maglev table without a SYN), %lu replies to "
	       "clients; of them %lu routers' ICMP errors to the backend, "
	       "%lu backends' to the client, %lu later fragments after their "
	       "first to the backend, %lu to the client", redirects,
	       cnt.v[V_FWD], cnt.opened, cnt.opened_mid, cnt.v[V_RET],
	       cnt.icmp_redirected[0], cnt.icmp_redirected[1],
	       cnt.frags_followed[0], cnt.frags_followed[1]);
	report(5, P_REWRITE, "%lu redirected frames: only MACs, one address "
	       "(and %lu a port; an ICMP error also its quote's address and "
	       "port) and checksums changed; length and tot_len kept",
	       redirects, cnt.ports);
	report(6, P_CSUM, "%lu redirected frames with valid checksums in have "
	       "valid IPv4 and TCP/UDP checksums out, %lu with bad ones keep "
	       "their error exactly, %lu UDP without checksum keep 0, "
	       "%lu UDP summing to 0 carry 0xffff; ICMP errors: %lu valid in "
	       "valid out, %lu keep their errors (outer IPv4, ICMP, quoted "
	       "IPv4 and, unless cut off (%lu), quoted TCP/UDP checksums)",
	       cnt.csum_valid, cnt.csum_kept, cnt.udp_nocsum, cnt.udp_ffff,
	       cnt.icmp_csum_valid, cnt.icmp_csum_kept, cnt.icmp_l4_cut);
	report(7, P_STATS, "counters agree with the verdicts: %llu passed, "
	       "%llu fw_dropped, %llu dos_dropped, %llu forwarded, "
	       "%llu returned",
	       (unsigned long long)cnt.st.passed,
	       (unsigned long long)cnt.st.fw_dropped,
	       (unsigned long long)cnt.st.dos_dropped,
	       (unsigned long long)cnt.st.forwarded,
	       (unsigned long long)cnt.st.returned);

	report(8, P_TABLES, "%d services' tables as the model builds them: "
	       "rr rings by id, a smooth wrr ring, a Maglev table", S_N);
	report(9, P_COVER, "the run met every kind of frame the model "
	       "predicts (in runs of %u frames or more): ICMP errors about "
	       "flows both ways, echo requests, later fragments both ways "
	       "and before their first", COVER_MIN_FRAMES);

	printf("# new flows by backend:");
	for (i = 1; i <= NBE; i++)
		printf(" %d: %lu%s", i, cnt.picks[i], i < NBE ? "," : "\n");
	printf("# generators: %lu valid, %lu mutated, %lu random bytes, "
	       "%lu in sweeps\n", cnt.gen_valid, cnt.gen_mutated,
	       cnt.gen_random, cnt.gen_sweep);
	printf("# sweeps:");
	for (i = 0; i < SW_N; i++)
		printf(" %s %lu%s", sweep_names[i] + 7, sweep_count[i],
		       i + 1 < SW_N ? "," : "\n");
	printf("# mutations:");
	for (i = 0; i < M_N; i++)
		printf(" %s %lu%s", mut_names[i], mut_count[i],
		       i + 1 < M_N ? "," : "\n");
	printf("# %lu frames shorter than an IPv4 header\n", cnt.cut_short);
	printf("# later fragments: %lu followed their first, %lu to a VIP "
	       "without one; the fragment tables emptied %lu times\n",
	       cnt.frags_followed[0] + cnt.frags_followed[1],
	       (unsigned long)cnt.st.frags_unmatched, cnt.frag_resets);
	printf("# %lu ICMP messages about flows generated\n", cnt.icmp_gen);
	printf("# %lu frames in %.2f s (%.1f us each)\n", cnt.frames, secs,
	       secs * 1e6 / (cnt.frames ? cnt.frames : 1));

	for (i = 0; i < P_N; i++)
		failed += fails[i].count > 0;
	for (i = 0; i < S_N; i++)
		free(model_table[i]);
	scmlb_bpf__destroy(skel);
	return failed ? 1 : 0;
}
