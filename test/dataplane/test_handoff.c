// SPDX-License-Identifier: GPL-2.0
/* test_handoff.c - TAP tests of flows handed to scmlb_tc: the metadata, the rewrite */
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
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backends.h"
#include "frames.h"
#include "maps.h"
#include "services.h"
#include "scmlb.skel.h"
#include "tc.h"
#include "testbed.h"

/* Addresses and ports in host order; the frame builder converts them. */
#define VIP		IP4(203, 0, 113, 11)
#define CLIENT		IP4(198, 51, 100, 7)
#define VPORT		8080
#define UPORT		9090
#define BE_PORT2	9000	/* backend 2 has a port of its own */

/* Backend n has 10.0.(3 + n).2 and sits behind hot-be(n - 1). */
#define NBE		2
#define BE_ADDR(n)	IP4(10, 0, 3 + (n), 2)
#define BE_SIDE(n)	((n) == 1 ? SIDE_BE0 : SIDE_BE1)

#define CT_SIZE		1024
#define CT_NONE		0xff

/* How long a redirected frame may take to reach a veth's peer. */
#define CAPTURE_MS	1000

/* xdp/handoff.h's struct handoff, as scmlb_tc reads it in front of the frame. */
struct meta {
	__u32 magic;
	__u32 ifindex;
	__be32 addr[4];			/* IPv4: addr[0] */
	__be16 port;
	__u8 reply;
	__u8 family;
	__u8 macs[2 * ETH_ALEN];
	__u16 l4_off;			/* IPv6 only */
	__u8 proto;			/* IPv6 only */
	__u8 pad;
};
/*
 * 44 bytes: above the 32 that XDP metadata could take before Linux 6.0;
 * the live cases prove scmlb_tc gets all of it.
 */
_Static_assert(sizeof(struct meta) == 44, "struct handoff layout");
#define META_MAGIC	0x5c1b4d01

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_be[NBE + 1][ETH_ALEN] = {
	{ 0 },
	{ 0x02, 0, 0, 0, 0xb0, 0x01 },
	{ 0x02, 0, 0, 0, 0xb0, 0x02 },
};
static const __u8 mac_beif[NBE + 1][ETH_ALEN] = {
	{ 0 },
	{ 0x02, 0, 0, 0, 0xf0, 0x01 },
	{ 0x02, 0, 0, 0, 0xf0, 0x02 },
};

enum side { SIDE_UP, SIDE_BE0, SIDE_BE1, SIDE_N };

static const char *const if_names[SIDE_N] = {
	"hot-up", "hot-be0", "hot-be1",
};

/*
 * One run of scmlb_main on a frame arriving on @side. A live run really
 * passes the frame up the stack, where scmlb_tc at the interface's tc
 * ingress rewrites and redirects it, and the frame is caught on the
 * target veth's peer; otherwise the action, the frame and the metadata
 * in front of it come back from BPF_PROG_TEST_RUN.
 */
struct tcase {
	const char *desc;
	int (*setup)(void);
	enum side side;
	struct frame in;
	bool live;
	int act;			/* not live: the action */
	bool meta;			/* not live: handed off, this metadata */
	int to_be;			/* rewritten for backend n... */
	bool to_client;			/* ...or for the client */
	__u8 path;			/* of the flow's entries */
	__u8 ct_state;			/* 0: not checked */
	int ct_be;
	__u64 ct_packets;
	struct scmlb_stats stats;	/* how much each counter grows */
};

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd, tc_fd;
static __u32 ifindex[SIDE_N];
static int peer_fd[SIDE_N] = { -1, -1, -1 };
static __u32 be_id[NBE + 1];

/* Backend n's own port, 0 for none. */
#define BE_PORT(n)	((n) == 2 ? BE_PORT2 : 0)

static __u16 be_port(int n)
{
	return BE_PORT(n);
}

/* ---- fixtures ---- */

/* lb_ifaces for the three sides, as iface_setup() writes it. */
static int ifaces_set(__u32 up, __u32 be0, __u32 be1)
{
	__u32 flags[SIDE_N] = { up, be0, be1 };
	int i;

	for (i = 0; i < SIDE_N; i++) {
		if (!flags[i]) {
			if (bpf_map_delete_elem(lb.maps.ifaces, &ifindex[i]) &&
			    errno != ENOENT)
				return -errno;
		} else if (bpf_map_update_elem(lb.maps.ifaces, &ifindex[i],
					       &flags[i], BPF_ANY)) {
			return -errno;
		}
	}
	return 0;
}

/* A fresh instance with backend @n alone. */
static int instance_with(int n)
{
	int err = tb_wipe(&lb);

	if (!err)
		err = tb_instance(&lb, VIP, ifindex[SIDE_UP], mac_up, CT_SIZE,
				  -1);
	memset(be_id, 0, sizeof(be_id));
	if (!err)
		err = tb_backend_add_to(&lb, lb.cfg.attach_service, 1,
					be_port(n), n, BE_ADDR(n),
					ifindex[BE_SIDE(n)], mac_be[n],
					mac_beif[n], &be_id[n]);
	return err;
}

#define SKB (SCMLB_IF_TC | SCMLB_IF_SKB)

/* Veths everywhere: every flow is handed off. */
static int fx_veths1(void)
{
	int err = instance_with(1);

	return err ? err : ifaces_set(SKB, SKB, SKB);
}

static int fx_veths2(void)
{
	int err = instance_with(2);

	return err ? err : ifaces_set(SKB, SKB, SKB);
}

/* Interfaces that take XDP frames (NICs): XDP forwards. */
static int fx_nics(void)
{
	int err = instance_with(1);

	return err ? err : ifaces_set(SCMLB_IF_TC, SCMLB_IF_TC, SCMLB_IF_TC);
}

/* scmlb_tc is not on the backend's interface: a reply could not be handed off there. */
static int fx_no_tc(void)
{
	int err = instance_with(1);

	return err ? err : ifaces_set(SKB, 0, SKB);
}

/* The flow of the last case, as an older data plane left it: no path. */
static int fx_old_flow(void)
{
	struct scmlb_flow_key key = tb_flow_key(CLIENT, VIP, 40010, VPORT,
						IPPROTO_TCP);
	struct tb_flow f;
	int err = tb_flow_read(&lb, &key, &f);

	if (!err && (!f.has_client || !f.has_reply))
		err = -ENOENT;
	if (err)
		return err;
	/* its path gone; where it is kept stays as it is */
	f.client.flags &= SCMLB_FLOW_HALF_OPEN;
	f.reply.flags &= SCMLB_FLOW_REPLY | SCMLB_FLOW_HALF_OPEN;
	if (tb_ct_update(f.opening ? lb.maps.ct_opening : lb.maps.ct,
			 &key, &f.client) ||
	    tb_ct_update(f.opening ? lb.maps.ct_opening_rep :
				     lb.maps.ct_replies, &f.rkey, &f.reply))
		return -errno;
	return 0;
}

/* ---- running a case ---- */

/* BPF_PROG_TEST_RUN that keeps the metadata the program put in front. */
static int run_meta(const __u8 *frame, __u32 len, __u32 ifx, __u8 *out,
		    __u32 *out_len, __u32 *meta_len, int *act)
{
	struct xdp_md md = { .data_end = len, .ingress_ifindex = ifx };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = frame,
		    .data_size_in = len,
		    .data_out = out,
		    .data_size_out = 2 * FRAME_MAX,
		    .ctx_in = &md,
		    .ctx_size_in = sizeof(md),
		    .ctx_out = &md,
		    .ctx_size_out = sizeof(md));
	int err = bpf_prog_test_run_opts(main_fd, &opts);

	if (err)
		return err;
	*meta_len = md.data;
	*out_len = opts.data_size_out;
	*act = opts.retval;
	return 0;
}

/* The frame as it must leave: rewritten for the backend or the client. */
static size_t expected_frame(const struct tcase *c, __u8 *exp)
{
	struct frame f = c->in;

	if (c->to_be) {
		f.daddr = BE_ADDR(c->to_be);
		if (be_port(c->to_be))
			f.dport = be_port(c->to_be);
		f.src_mac = mac_beif[c->to_be];
		f.dst_mac = mac_be[c->to_be];
	} else {
		f.saddr = VIP;
		if (f.sport == BE_PORT2)
			f.sport = VPORT;
		f.src_mac = mac_up;
		f.dst_mac = mac_client;
	}
	return frame_build(&f, exp);
}

/* The metadata scmlb_main must leave for scmlb_tc. */
static void expected_meta(const struct tcase *c, struct meta *m)
{
	int n = c->to_be ? c->to_be : c->ct_be;

	memset(m, 0, sizeof(*m));
	m->magic = META_MAGIC;
	m->family = SCMLB_AF_INET;
	if (c->to_be) {
		m->ifindex = ifindex[BE_SIDE(n)];
		m->addr[0] = htonl(BE_ADDR(n));
		m->port = htons(be_port(n) ? be_port(n) : c->in.dport);
		memcpy(m->macs, mac_be[n], ETH_ALEN);
		memcpy(m->macs + ETH_ALEN, mac_beif[n], ETH_ALEN);
	} else {
		m->ifindex = ifindex[SIDE_UP];
		m->addr[0] = htonl(VIP);
		m->port = htons(be_port(n) ? VPORT : c->in.sport);
		m->reply = 1;
		memcpy(m->macs, mac_client, ETH_ALEN);
		memcpy(m->macs + ETH_ALEN, mac_up, ETH_ALEN);
	}
}

static bool out_ok(const struct tcase *c, const __u8 *in, size_t len)
{
	__u8 out[2 * FRAME_MAX], exp[FRAME_MAX];
	__u32 out_len = 0, meta_len;
	int side = SIDE_N;
	struct meta m;
	size_t elen;
	int act, err;

	if (c->live) {
		tb_peers_drain(peer_fd, SIDE_N);
		err = tb_prog_run_live(main_fd, ifindex[c->side], in, len);
		if (!err)
			err = tb_peer_capture(peer_fd, SIDE_N, CAPTURE_MS, &side,
					      out, &out_len);
		if (err) {
			note("live run: %s", strerror(-err));
			return false;
		}
		if (side != (c->to_be ? BE_SIDE(c->to_be) : SIDE_UP)) {
			note("the frame left through %s", if_names[side]);
			return false;
		}
		elen = expected_frame(c, exp);
		return frames_equal(exp, elen, out, out_len);
	}
	err = run_meta(in, len, ifindex[c->side], out, &out_len, &meta_len,
		       &act);
	if (err) {
		note("test run: %s", strerror(-err));
		return false;
	}
	if (act != c->act) {
		note("action %s, expected %s", act_name(act), act_name(c->act));
		return false;
	}
	if (c->meta) {
		expected_meta(c, &m);
		if (meta_len != sizeof(m) || memcmp(out, &m, sizeof(m))) {
			note("metadata of %u bytes is not the handoff expected",
			     meta_len);
			return false;
		}
		return frames_equal(in, len, out + meta_len,
				    out_len - meta_len);
	}
	if (meta_len) {
		note("%u bytes of metadata, expected none", meta_len);
		return false;
	}
	elen = expected_frame(c, exp);
	return frames_equal(exp, elen, out, out_len);
}

static bool ct_ok(const struct tcase *c)
{
	bool reply = c->in.daddr == CLIENT;
	struct scmlb_flow_key key = reply ?
		tb_flow_key(CLIENT, VIP, c->in.dport, VPORT, c->in.proto) :
		tb_frame_key(&c->in);
	struct tb_flow_want want = {
		.state = c->ct_state,
		.backend_id = be_id[c->ct_be],
		.service_id = lb.cfg.attach_service,
		.be_addr = BE_ADDR(c->ct_be),
		.be_port = be_port(c->ct_be) ? be_port(c->ct_be) :
			   reply ? c->in.sport : c->in.dport,
		.packets = c->ct_packets,
		.client_mac = mac_client,
		.path = c->path,
	};

	if (!c->ct_state)
		return true;
	return tb_flow_check(&lb, &key, c->ct_state == CT_NONE ? NULL : &want);
}

static enum tap_result run_case(const struct tcase *c)
{
	struct scmlb_stats before, after;
	__u8 in[FRAME_MAX];
	size_t len;
	bool ok;
	int err;

	if (c->setup) {
		err = c->setup();
		if (err) {
			note("setup: %s", strerror(-err));
			return RES_FAIL;
		}
	}
	len = frame_build(&c->in, in);
	err = tb_stats_read(&lb, &before);
	if (err) {
		note("reading the counters: %s", strerror(-err));
		return RES_FAIL;
	}
	ok = out_ok(c, in, len);
	ok &= ct_ok(c);
	err = tb_stats_read(&lb, &after);
	if (err) {
		note("reading the counters: %s", strerror(-err));
		return RES_FAIL;
	}
	ok &= tb_stats_delta_ok(&before, &after, &c->stats);
	return ok ? RES_OK : RES_FAIL;
}

/* ---- the cases ---- */

#define IN(port, fl)							\
	.src_mac = mac_client, .dst_mac = mac_up, .saddr = CLIENT,	\
	.daddr = VIP, .proto = IPPROTO_TCP, .sport = (port),		\
	.dport = VPORT, .tcp_flags = (fl)
#define OUT(n, port, fl)						\
	.src_mac = mac_be[n], .dst_mac = mac_beif[n], .saddr = BE_ADDR(n), \
	.daddr = CLIENT, .proto = IPPROTO_TCP,				\
	.sport = BE_PORT(n) ? BE_PORT(n) : VPORT, .dport = (port),	\
	.tcp_flags = (fl)
#define UDP_IN(port)							\
	.src_mac = mac_client, .dst_mac = mac_up, .saddr = CLIENT,	\
	.daddr = VIP, .proto = IPPROTO_UDP, .sport = (port),		\
	.dport = UPORT, .payload = 13

#define ON_BE(n)	.side = BE_SIDE(n)
#define CT(st, n, pk)							\
	.ct_state = SCMLB_CT_##st, .ct_be = (n), .ct_packets = (pk)
#define HANDOFF		.path = SCMLB_FLOW_HANDOFF
#define DIRECT		.path = SCMLB_FLOW_DIRECT

static const struct tcase cases[] = {
	{ "SYN to the VIP through veths: passed with the handoff in the "
	  "metadata, the frame untouched", fx_veths1,
	  .in = { IN(40001, TF_SYN) }, .act = XDP_PASS, .meta = true,
	  .to_be = 1, HANDOFF, CT(OPENING, 1, 1),
	  .stats = { .rx_tcp = 1 } },
	{ "its retransmission, live: scmlb_tc rewrites it for backend 1 "
	  "(checksums exact) and sends it out of hot-be0", NULL,
	  .in = { IN(40001, TF_SYN) }, .live = true, .to_be = 1, HANDOFF,
	  CT(OPENING, 1, 2), .stats = { .rx_tcp = 1, .forwarded = 1 } },
	{ "SYN-ACK of backend 1: passed with the reply's handoff", NULL,
	  ON_BE(1), .in = { OUT(1, 40001, TF_SYN | TF_ACK) },
	  .act = XDP_PASS, .meta = true, HANDOFF, CT(OPENING, 1, 3) },
	{ "its retransmission, live: returned from the VIP out of hot-up",
	  NULL, ON_BE(1), .in = { OUT(1, 40001, TF_SYN | TF_ACK) },
	  .live = true, .to_client = true, HANDOFF, CT(OPENING, 1, 4),
	  .stats = { .returned = 1 } },
	{ "data with an odd length, live: to backend 1, checksums exact", NULL,
	  .in = { IN(40001, TF_PSH | TF_ACK), .payload = 33,
		  .ack_seq = FRAME_SYN_ACKED }, .live = true,
	  .to_be = 1, HANDOFF, CT(ESTABLISHED, 1, 5),
	  .stats = { .rx_tcp = 1, .forwarded = 1 } },
	{ "UDP without a checksum, live: to backend 1, still without", NULL,
	  .in = { UDP_IN(5001), .udp_csum_zero = true }, .live = true,
	  .to_be = 1, HANDOFF, CT(UDP, 1, 1),
	  .stats = { .rx_udp = 1, .forwarded = 1 } },
	{ "UDP whose checksum comes out 0, live: sent as 0xffff", NULL,
	  .in = { UDP_IN(5002), .zero_csum_daddr = BE_ADDR(1) }, .live = true,
	  .to_be = 1, HANDOFF, CT(UDP, 1, 1),
	  .stats = { .rx_udp = 1, .forwarded = 1 } },

	{ "a backend with a port of its own, live: port and address "
	  "rewritten by scmlb_tc", fx_veths2,
	  .in = { IN(40002, TF_SYN) }, .live = true, .to_be = 2, HANDOFF,
	  CT(OPENING, 2, 1), .stats = { .rx_tcp = 1, .forwarded = 1 } },
	{ "its SYN-ACK from port 9000, live: returned from the VIP's 8080",
	  NULL, ON_BE(2), .in = { OUT(2, 40002, TF_SYN | TF_ACK) },
	  .live = true, .to_client = true, HANDOFF, CT(OPENING, 2, 2),
	  .stats = { .returned = 1 } },

	{ "between interfaces that take XDP frames: XDP redirects it itself",
	  fx_nics, .in = { IN(40003, TF_SYN) }, .act = XDP_REDIRECT,
	  .to_be = 1, DIRECT, CT(OPENING, 1, 1),
	  .stats = { .rx_tcp = 1, .forwarded = 1 } },
	{ "scmlb_tc missing on the backend's side: not handed off", fx_no_tc,
	  .in = { IN(40004, TF_SYN) }, .act = XDP_REDIRECT, .to_be = 1,
	  DIRECT, CT(OPENING, 1, 1),
	  .stats = { .rx_tcp = 1, .forwarded = 1 } },

	{ "through veths again: a SYN opens a handed-off flow", fx_veths1,
	  .in = { IN(40010, TF_SYN) }, .act = XDP_PASS, .meta = true,
	  .to_be = 1, HANDOFF, CT(OPENING, 1, 1),
	  .stats = { .rx_tcp = 1 } },
	{ "a flow an older data plane opened: its client's entry gets its "
	  "path with the client's next packet", fx_old_flow,
	  .in = { IN(40010, TF_ACK) }, .act = XDP_PASS, .meta = true,
	  .to_be = 1, .stats = { .rx_tcp = 1 } },
	{ "...and its reply entry with the backend's next packet", NULL,
	  ON_BE(1), .in = { OUT(1, 40010, TF_SYN | TF_ACK) },
	  .act = XDP_PASS, .meta = true, HANDOFF, CT(OPENING, 1, 3) },
};

/* ---- IPv6: the metadata's 16-byte address, scmlb_tc's four-word update ---- */

#define VIP6		"2001:db8:0:11::1"
#define CLIENT6		"2001:db8:c::7"
#define BE6		"2001:db8:3::2"		/* port BE_PORT2, behind hot-be0 */

/* A fresh instance, a v6 service of every port and its one backend. */
static int fx_v6(void)
{
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET6,
		.scheduler = SCMLB_SCHED_RR,
	};
	struct scmlb_backend be = {
		.port = htons(BE_PORT2),
		.weight = 1,
		.family = SCMLB_AF_INET6,
		.ifindex = ifindex[SIDE_BE0],
		.status = SCMLB_BACKEND_AVAILABLE,
		.name = "be6",
	};
	int err = instance_with(1);

	ip6_pton(VIP6, (__u8 *)svc.vip);
	ip6_pton(BE6, (__u8 *)be.addr);
	memcpy(be.mac, mac_be[1], ETH_ALEN);
	memcpy(be.if_mac, mac_beif[1], ETH_ALEN);
	if (!err)
		err = scmlb_service_add(&lb, &svc);
	be.service_id = svc.id;
	if (!err)
		err = scmlb_backend_add(&lb, &be);
	return err ? err : ifaces_set(SKB, SKB, SKB);
}

/* A case of an IPv6 flow: the client's frame, or the backend's (@reply). */
struct case6 {
	const char *desc;
	int (*setup)(void);
	bool reply;
	__u8 proto;
	__u16 cport;
	__u8 tcp_flags;
	__u16 payload;
	bool zero;			/* UDP summing to 0 once rewritten */
	bool live;			/* else: the metadata checked */
};

static struct frame6 frame6_of(const struct case6 *c, bool rewritten)
{
	static __u8 zero_to[16];
	struct frame6 f = {
		.proto = c->proto,
		.tcp_flags = c->tcp_flags,
		.payload = c->payload,
	};
	__u16 vport = c->proto == IPPROTO_UDP ? UPORT : VPORT;

	if (!c->reply) {
		f.src_mac = rewritten ? mac_beif[1] : mac_client;
		f.dst_mac = rewritten ? mac_be[1] : mac_up;
		ip6_pton(CLIENT6, f.saddr);
		ip6_pton(rewritten ? BE6 : VIP6, f.daddr);
		f.sport = c->cport;
		f.dport = rewritten ? BE_PORT2 : vport;
	} else {
		f.src_mac = rewritten ? mac_up : mac_be[1];
		f.dst_mac = rewritten ? mac_client : mac_beif[1];
		ip6_pton(rewritten ? VIP6 : BE6, f.saddr);
		ip6_pton(CLIENT6, f.daddr);
		f.sport = rewritten ? vport : BE_PORT2;
		f.dport = c->cport;
	}
	if (c->zero) {
		ip6_pton(BE6, zero_to);
		f.zero_csum_daddr = zero_to;
		f.zero_csum_dport = BE_PORT2;
	}
	return f;
}

static enum tap_result run_case6(const struct case6 *c)
{
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	struct frame6 f;
	__u32 out_len = 0, meta_len;
	size_t len, elen;
	int side = SIDE_N, act, err;
	struct meta m = {
		.magic = META_MAGIC,
		.ifindex = ifindex[c->reply ? SIDE_UP : SIDE_BE0],
		.reply = c->reply,
		.family = SCMLB_AF_INET6,
		.l4_off = ETH_HLEN + 40,
		.proto = c->proto,
	};

	err = c->setup ? c->setup() : 0;
	if (err) {
		note("setup: %s", strerror(-err));
		return RES_FAIL;
	}
	f = frame6_of(c, false);
	len = frame6_build(&f, in);
	f = frame6_of(c, true);
	elen = frame6_build(&f, exp);
	if (!c->live) {
		err = run_meta(in, len, ifindex[c->reply ? SIDE_BE0 : SIDE_UP],
			       out, &out_len, &meta_len, &act);
		if (err || act != XDP_PASS) {
			note("test run: %s, %s", strerror(-err), act_name(act));
			return RES_FAIL;
		}
		ip6_pton(c->reply ? VIP6 : BE6, (__u8 *)m.addr);
		m.port = htons(c->reply ? VPORT : BE_PORT2);
		memcpy(m.macs, c->reply ? mac_client : mac_be[1], ETH_ALEN);
		memcpy(m.macs + ETH_ALEN, c->reply ? mac_up : mac_beif[1],
		       ETH_ALEN);
		if (meta_len != sizeof(m) || memcmp(out, &m, sizeof(m))) {
			note("metadata of %u bytes is not the handoff expected",
			     meta_len);
			return RES_FAIL;
		}
		return frames_equal(in, len, out + meta_len,
				    out_len - meta_len) ? RES_OK : RES_FAIL;
	}
	tb_peers_drain(peer_fd, SIDE_N);
	err = tb_prog_run_live(main_fd, ifindex[c->reply ? SIDE_BE0 : SIDE_UP],
			       in, len);
	if (!err)
		err = tb_peer_capture(peer_fd, SIDE_N, CAPTURE_MS, &side, out,
				      &out_len);
	if (err) {
		note("live run: %s", strerror(-err));
		return RES_FAIL;
	}
	if (side != (c->reply ? SIDE_UP : SIDE_BE0)) {
		note("the frame left through %s", if_names[side]);
		return RES_FAIL;
	}
	return frames_equal(exp, elen, out, out_len) && csums_valid6(out, out_len) ?
	       RES_OK : RES_FAIL;
}

static const struct case6 cases6[] = {
	{ "IPv6 SYN through veths: the handoff carries the 16-byte backend "
	  "address and where TCP starts (44 bytes of metadata)", fx_v6,
	  .proto = IPPROTO_TCP, .cport = 41001, .tcp_flags = TF_SYN },
	{ "its retransmission, live: scmlb_tc rewrites the address's four "
	  "words and the port, checksum exact, out of hot-be0", NULL,
	  .proto = IPPROTO_TCP, .cport = 41001, .tcp_flags = TF_SYN,
	  .live = true },
	{ "the backend's SYN-ACK, live: returned from the IPv6 VIP and its "
	  "port", NULL, .reply = true, .proto = IPPROTO_TCP, .cport = 41001,
	  .tcp_flags = TF_SYN | TF_ACK, .live = true },
	{ "IPv6 UDP whose checksum comes out 0, live: sent as 0xffff", NULL,
	  .proto = IPPROTO_UDP, .cport = 41002, .payload = 16, .zero = true,
	  .live = true },
};

/* scmlb_tc on a packet without our metadata: on to the next filter. */
static enum tap_result tc_pass_case(void)
{
	struct frame f = { IN(40020, TF_SYN) };
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	size_t len = frame_build(&f, in);
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in,
		    .data_size_in = len,
		    .data_out = out,
		    .data_size_out = sizeof(out));
	int err = bpf_prog_test_run_opts(tc_fd, &opts);

	if (err) {
		note("test run: %s", strerror(-err));
		return RES_FAIL;
	}
	if ((int)opts.retval != TC_ACT_UNSPEC) {
		note("scmlb_tc returned %d, expected TC_ACT_UNSPEC",
		     (int)opts.retval);
		return RES_FAIL;
	}
	return frames_equal(in, len, out, opts.data_size_out) ? RES_OK :
								RES_FAIL;
}

/*
 * Listen on the peers; GRO there lets the veths take XDP frames, for the
 * case XDP redirects itself. scmlb_tc goes on our ends, as attach puts it.
 */
static int bpf_setup(void)
{
	bool made;
	int i, err = 0;

	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	tc_fd = bpf_program__fd(skel->progs.scmlb_tc);
	for (i = 0; i < SIDE_N && !err; i++) {
		err = scmlb_tc_attach(ifindex[i], tc_fd, &made);
		peer_fd[i] = tb_peer_open(if_names[i]);
		if (!err && peer_fd[i] < 0)
			err = peer_fd[i];
	}
	return err;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};
	int failed;
	size_t i;

	if (!tb_start(&tb, &failed))
		return failed;

	printf("1..%zu\n", ARRAY_SIZE(cases) + ARRAY_SIZE(cases6) + 1);
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
	i = ARRAY_SIZE(cases) + ARRAY_SIZE(cases6);
	notes_reset();
	failed += tap_case(i + 1, "scmlb_tc passes a packet without our "
			   "metadata on to the next filter", tc_pass_case(),
			   NULL);
	for (i = 0; i < SIDE_N; i++)
		if (peer_fd[i] >= 0)
			close(peer_fd[i]);
	scmlb_bpf__destroy(skel);
	return failed ? 1 : 0;
}
