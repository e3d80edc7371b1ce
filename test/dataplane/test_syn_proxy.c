// SPDX-License-Identifier: GPL-2.0
/* test_syn_proxy.c - TAP tests of a --syn-proxy service, IPv4's and IPv6's: cookie SYN-ACK, SYN and ACK to the backend, translation */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "maps.h"
#include "scmlb.skel.h"
#include "services.h"
#include "testbed.h"

/* Addresses and ports in host order. */
#define CLIENT		IP4(198, 51, 100, 7)
#define VIP_ATTACH	IP4(203, 0, 113, 50)
#define VIP		IP4(203, 0, 113, 51)	/* tcp 80, --syn-proxy */
#define BACKEND		IP4(10, 0, 21, 10)
#define CLIENT6		"2001:db8:c::7"
#define VIP6		"2001:db8::51"		/* tcp 80, --syn-proxy */
#define BACKEND6	"fd00:21::10"
#define BE_PORT		8080
#define CPORT		40000

#define CT_SIZE		1024
#define CLIENT_ISN	0x11110000
#define BACKEND_ISN	0x77770000
#define CLIENT_TS	1000
#define BACKEND_TS	500000
#define BACKEND_WSCALE	9
#define BAD_COOKIE	0x100000	/* added to a cookie: its hash broken */

enum side { SIDE_UP, SIDE_BE, SIDE_N };

static const char *const if_names[SIDE_N] = { "spt-up", "spt-be" };

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, 0x01 };
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf0, 0x01 };

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd;
static __u32 ifindex[SIDE_N];
static __u32 be_id;

/*
 * The family the cases run in, IPv4's then IPv6's: its addresses in
 * network order (IPv4: the first four bytes), its service.
 */
struct family {
	const char *prefix;		/* of the cases' descriptions */
	int v6;
	__u8 client[16], vip[16], backend[16];
	__u32 svc_id;
};
static struct family fams[2] = {
	{ .prefix = "", .v6 = 0 }, { .prefix = "IPv6: ", .v6 = 1 },
};
static const struct family *fam;

/* The IP header's length in the frames of this family. */
static size_t l3_len(void)
{
	return fam->v6 ? 40 : 20;
}

/* What the handshake told: the cookie and scmlb's TSval. */
static __u32 cookie, our_ts;

/* A TCP segment to build: options as raw bytes, a payload of @payload. */
struct seg {
	const __u8 *src_mac, *dst_mac;
	const __u8 *saddr, *daddr;	/* fam's */
	__u16 sport, dport;
	__u32 seq, ack;
	__u8 flags;
	__u16 window;
	const __u8 *opts;
	size_t opt_len;			/* a multiple of 4 */
	size_t payload;
};

/* The frame of @s in fam's family, its checksums summed here. */
static size_t seg_build(const struct seg *s, __u8 *b)
{
	size_t tcp_len = 20 + s->opt_len, l4 = tcp_len + s->payload;
	size_t tot = l3_len() + l4;
	__u8 *ip = b + ETH_HLEN, *th = ip + l3_len();
	__u32 pseudo;

	memcpy(b, s->dst_mac, ETH_ALEN);
	memcpy(b + 6, s->src_mac, ETH_ALEN);
	memset(ip, 0, l3_len());
	if (fam->v6) {
		put16(b + 12, ETH_P_IPV6);
		ip[0] = 0x60;
		put16(ip + 4, l4);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, s->saddr, 16);
		memcpy(ip + 24, s->daddr, 16);
		pseudo = sum_pseudo6(ip + 8, ip + 24, IPPROTO_TCP, l4);
	} else {
		put16(b + 12, ETH_P_IP);
		ip[0] = 0x45;
		put16(ip + 2, tot);
		put16(ip + 6, IP_DF);
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, s->saddr, 4);
		memcpy(ip + 16, s->daddr, 4);
		put16(ip + 10, ~sum_fold(sum16(ip, 20, 0)));
		pseudo = sum_pseudo(ip, IPPROTO_TCP, l4);
	}
	memset(th, 0, 20);
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put32(th + 4, s->seq);
	put32(th + 8, s->ack);
	th[12] = (tcp_len / 4) << 4;
	th[13] = s->flags;
	put16(th + 14, s->window);
	memcpy(th + 20, s->opts, s->opt_len);
	memset(th + tcp_len, 0x61, s->payload);
	put16(th + 16, ~sum_fold(sum16(th, l4, pseudo)));
	return ETH_HLEN + tot;
}

/* Run @in through scmlb_main as arriving on @side; want @act. */
static bool run(enum side side, const __u8 *in, size_t len, int want,
		__u8 *out, __u32 *out_len)
{
	int act, err;

	err = prog_run(main_fd, ifindex[side], in, len, out, out_len, &act);
	if (err) {
		note("test run failed: %s", strerror(-err));
		return false;
	}
	if (act != want) {
		note("action %s, want %s", act_name(act), act_name(want));
		return false;
	}
	return fam->v6 ? csums_valid6(out, *out_len) :
			 csums_valid(out, *out_len);
}

/* Compare an address of the output (@off into its IP header) with @want. */
static bool want_addr(const char *what, const __u8 *out, size_t off,
		      const __u8 *want)
{
	char got_s[INET6_ADDRSTRLEN], want_s[INET6_ADDRSTRLEN];
	int af = fam->v6 ? AF_INET6 : AF_INET;
	const __u8 *got = out + ETH_HLEN + off;

	if (!memcmp(got, want, fam->v6 ? 16 : 4))
		return true;
	note("%s %s, want %s", what, inet_ntop(af, got, got_s, sizeof(got_s)),
	     inet_ntop(af, want, want_s, sizeof(want_s)));
	return false;
}

/* The output's source address is @want. */
static bool want_src(const __u8 *out, const __u8 *want)
{
	return want_addr("source", out, fam->v6 ? 8 : 12, want);
}

/* The output's destination address is @want. */
static bool want_dst(const __u8 *out, const __u8 *want)
{
	return want_addr("destination", out, fam->v6 ? 24 : 16, want);
}

/* Compare a 32-bit field of the output. */
static bool want32(const char *what, __u32 got, __u32 want)
{
	if (got == want)
		return true;
	note("%s 0x%08x, want 0x%08x", what, got, want);
	return false;
}

/* The TCP header of an output frame, its options after it. */
static const __u8 *tcp_of(const __u8 *b)
{
	return b + ETH_HLEN + l3_len();
}

/* fam's conntrack key of TCP @src:@sport -> @dst:@dport. */
union flow_key {
	struct scmlb_flow_key v4;
	struct scmlb_flow6_key v6;
};

static union flow_key flow_key(const __u8 *src, __u16 sport, const __u8 *dst,
			       __u16 dport)
{
	union flow_key k = { .v6 = {
		.src_port = htons(sport), .dst_port = htons(dport),
		.proto = IPPROTO_TCP, .family = SCMLB_AF_INET6,
	} };

	if (fam->v6) {
		memcpy(k.v6.src_addr, src, 16);
		memcpy(k.v6.dst_addr, dst, 16);
	} else {
		k.v4 = tb_flow_key(get32(src), get32(dst), sport, dport,
				   IPPROTO_TCP);
	}
	return k;
}

/*
 * The flow entry of @src:@sport -> @dst:@dport (fam's conntrack, the
 * client's or the reply map) into @fl; @reply picks the map.
 *
 * Return: whether there is one.
 */
static bool flow_get(const __u8 *src, __u16 sport, const __u8 *dst,
		     __u16 dport, int reply, struct scmlb_flow *fl)
{
	union flow_key k = flow_key(src, sport, dst, dport);

	if (fam->v6)
		return !bpf_map_lookup_elem(reply ? lb.maps.ct6_replies :
					    lb.maps.ct6, &k.v6, fl);
	return !bpf_map_lookup_elem(reply ? lb.maps.ct_replies : lb.maps.ct,
				    &k.v4, fl) ||
	       (!reply && !tb_ct_client_get(&lb, &k.v4, fl));
}

/* Overwrite the client's established entry of @src:@sport -> @dst:@dport. */
static bool flow_put(const __u8 *src, __u16 sport, const __u8 *dst,
		     __u16 dport, const struct scmlb_flow *fl)
{
	union flow_key k = flow_key(src, sport, dst, dport);

	return !bpf_map_update_elem(fam->v6 ? lb.maps.ct6 : lb.maps.ct, &k,
				    fl, BPF_EXIST);
}

/* Whether IPv6's ct6_proxy holds the client's flow's numbers. */
static bool proxy6_nums(void)
{
	struct scmlb_flow6_key key = {
		.src_port = htons(CPORT), .dst_port = htons(80),
		.proto = IPPROTO_TCP, .family = SCMLB_AF_INET6,
	};
	struct scmlb_proxy_nums n;

	memcpy(key.src_addr, fam->client, 16);
	memcpy(key.dst_addr, fam->vip, 16);
	return !bpf_map_lookup_elem(lb.maps.ct6_proxy, &key, &n);
}

/* The option @kind of an output frame's TCP header, or NULL. */
static const __u8 *opt_find(const __u8 *b, size_t len, __u8 kind)
{
	const __u8 *th = tcp_of(b), *o = th + 20, *end = th + (th[12] >> 4) * 4;

	if (end > b + len)
		return NULL;
	while (o < end && *o) {
		if (*o == 1) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2)
			return NULL;
		if (*o == kind)
			return o;
		o += o[1];
	}
	return NULL;
}

/* The service's SYN proxy counters, summed over the CPUs. */
static struct scmlb_svc_stats svc_stats(void)
{
	int n = libbpf_num_possible_cpus(), i;
	struct scmlb_svc_stats sum = { 0 }, *v = calloc(n, sizeof(*v));
	__u32 slot = fam->svc_id % SCMLB_MAX_SERVICES;

	if (v && !bpf_map_lookup_elem(lb.maps.svc_stats, &slot, v))
		for (i = 0; i < n; i++) {
			sum.syn_acks += v[i].syn_acks;
			sum.cookies_valid += v[i].cookies_valid;
			sum.cookies_invalid += v[i].cookies_invalid;
			sum.backend_handshakes += v[i].backend_handshakes;
		}
	free(v);
	return sum;
}

/* The client's options on its SYN: MSS 1460, SACK-permitted, TS, WS 7. */
static const __u8 syn_opts[20] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x03, 0xe8, 0, 0, 0, 0,
	1, 3, 3, 7,
};

/* The MSS a cookie encodes for 1460: the kernel's tables (msstab, msstab6). */
static __u16 mss_coded(void)
{
	return fam->v6 ? 1440 : 1460;
}

static struct seg client_seg(__u8 flags, __u32 seq, __u32 ack)
{
	return (struct seg){
		.src_mac = mac_client, .dst_mac = mac_up,
		.saddr = fam->client, .daddr = fam->vip, .sport = CPORT,
		.dport = 80,
		.seq = seq, .ack = ack, .flags = flags, .window = 502,
	};
}

static bool t_syn(void)
{
	struct scmlb_svc_stats before = svc_stats(), after;
	struct seg s = client_seg(TF_SYN, CLIENT_ISN, 0);
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	const __u8 *th, *o;
	struct scmlb_flow fl;
	__u32 out_len;
	bool ok;

	s.opts = syn_opts;
	s.opt_len = sizeof(syn_opts);
	if (!run(SIDE_UP, in, seg_build(&s, in), XDP_TX, out, &out_len))
		return false;
	th = tcp_of(out);
	ok = !memcmp(out, mac_client, ETH_ALEN) &&
	     !memcmp(out + 6, mac_up, ETH_ALEN);
	ok &= want_src(out, fam->vip);
	ok &= want_dst(out, fam->client);
	ok &= want32("ports", get32(th), 80 << 16 | CPORT);
	ok &= want32("flags", th[13], TF_SYN | TF_ACK);
	ok &= want32("ack", get32(th + 8), CLIENT_ISN + 1);
	o = opt_find(out, out_len, 2);
	ok &= o && want32("MSS", get16(o + 2), mss_coded());
	ok &= opt_find(out, out_len, 4) != NULL;
	o = opt_find(out, out_len, 3);
	ok &= o && want32("window scale", o[2], SCMLB_SYN_PROXY_WSCALE);
	o = opt_find(out, out_len, 8);
	ok &= o && want32("TSecr", get32(o + 6), CLIENT_TS);
	/* the client's window scale and SACK-permitted in the TSval */
	ok &= o && want32("TSval's low bits", get32(o + 2) & 0x3f, 7 | 0x10);
	if (!ok)
		return false;
	cookie = get32(th + 4);
	our_ts = get32(o + 2);
	if (flow_get(fam->client, CPORT, fam->vip, 80, 0, &fl)) {
		note("a SYN left a flow");
		return false;
	}
	after = svc_stats();
	return want32("SYN-ACKs sent", after.syn_acks - before.syn_acks, 1);
}

/*
 * The handshake program on its own, as a SYN without scmlb_main's hint
 * (struct proxy_hint) reaches it: from a driver that keeps no metadata,
 * or an older scmlb_main during a live upgrade. It finds the service
 * itself and answers as through scmlb_main.
 */
static bool t_syn_unhinted(void)
{
	struct seg s = client_seg(TF_SYN, CLIENT_ISN, 0);
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	struct bpf_program *prog = fam->v6 ? skel->progs.scmlb_syn_proxy6 :
					     skel->progs.scmlb_syn_proxy;
	const __u8 *th;
	__u32 out_len;
	int act, err;

	s.opts = syn_opts;
	s.opt_len = sizeof(syn_opts);
	err = prog_run(bpf_program__fd(prog), ifindex[SIDE_UP], in,
		       seg_build(&s, in), out, &out_len, &act);
	if (err || act != XDP_TX) {
		note("test run: %s, action %s", strerror(-err), act_name(act));
		return false;
	}
	th = tcp_of(out);
	return want_src(out, fam->vip) && want_dst(out, fam->client) &&
	       want32("flags", th[13], TF_SYN | TF_ACK) &&
	       want32("ack", get32(th + 8), CLIENT_ISN + 1) &&
	       (fam->v6 ? csums_valid6(out, out_len) :
			  csums_valid(out, out_len));
}

/* The client's ACK of the SYN-ACK: TS @CLIENT_TS + 1, echoing ours. */
static size_t client_ack(__u8 *in, __u32 ack, size_t payload)
{
	__u8 opts[12] = { 1, 1, 8, 10 };
	struct seg s = client_seg(TF_ACK, CLIENT_ISN + 1, ack);

	put32(opts + 4, CLIENT_TS + 1);
	put32(opts + 8, our_ts);
	s.opts = opts;
	s.opt_len = sizeof(opts);
	s.payload = payload;
	return seg_build(&s, in);
}

static bool t_bad_cookie(void)
{
	struct scmlb_svc_stats before = svc_stats(), after;
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;
	bool ok;

	/*
	 * not one off: cookie + 1 - 1 may be the MSS value after the
	 * cookie's (IPv6's 1440 becomes 8940), which the kernel takes
	 */
	if (!run(SIDE_UP, in, client_ack(in, cookie + BAD_COOKIE, 0), XDP_TX,
		 out, &out_len))
		return false;
	ok = want32("flags", tcp_of(out)[13], TF_RST);
	ok &= want32("RST's seq", get32(tcp_of(out) + 4), cookie + BAD_COOKIE);
	ok &= want_dst(out, fam->client);
	after = svc_stats();
	return ok && want32("invalid cookies",
			    after.cookies_invalid - before.cookies_invalid, 1);
}

static bool t_ack_opens(void)
{
	struct scmlb_svc_stats before = svc_stats(), after;
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	const __u8 *th, *o;
	struct scmlb_flow fl;
	__u32 out_len;
	bool ok;

	if (!run(SIDE_UP, in, client_ack(in, cookie + 1, 0), XDP_REDIRECT,
		 out, &out_len))
		return false;
	th = tcp_of(out);
	ok = !memcmp(out, mac_be, ETH_ALEN);
	ok &= want_dst(out, fam->backend);
	ok &= want_src(out, fam->client);
	ok &= want32("ports", get32(th), (__u32)CPORT << 16 | BE_PORT);
	ok &= want32("flags", th[13], TF_SYN);
	ok &= want32("seq (client's ISN)", get32(th + 4), CLIENT_ISN);
	o = opt_find(out, out_len, 2);
	ok &= o && want32("MSS from the cookie", get16(o + 2), mss_coded());
	ok &= opt_find(out, out_len, 4) != NULL;
	o = opt_find(out, out_len, 3);
	ok &= o && want32("client's window scale", o[2], 7);
	o = opt_find(out, out_len, 8);
	ok &= o && want32("TSval", get32(o + 2), CLIENT_TS + 1);
	if (!flow_get(fam->client, CPORT, fam->vip, 80, 0, &fl) ||
	    !(fl.flags & SCMLB_FLOW_SYN_PROXY) ||
	    !flow_get(fam->backend, BE_PORT, fam->client, CPORT, 1, &fl) ||
	    !(fl.flags & SCMLB_FLOW_SYN_PROXY) ||
	    (fam->v6 && !proxy6_nums())) {
		note("no proxied flow with both entries and its numbers");
		return false;
	}
	after = svc_stats();
	return ok && want32("valid cookies",
			    after.cookies_valid - before.cookies_valid, 1);
}

/* Client data before the backend answered: dropped, the SYN sent again. */
static bool t_early_data(void)
{
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;

	if (!run(SIDE_UP, in, client_ack(in, cookie + 1, 40), XDP_REDIRECT,
		 out, &out_len))
		return false;
	return want32("flags", tcp_of(out)[13], TF_SYN) &&
	       want32("length", out_len, ETH_HLEN + l3_len() + 40);
}

/* The backend's SYN-ACK, coming in on @side, gets the proxy's ACK. */
static bool backend_syn_ack_on(enum side side)
{
	struct scmlb_svc_stats before = svc_stats(), after;
	__u8 opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0,
			  0, 1, 3, 3, BACKEND_WSCALE };
	struct seg s = {
		.src_mac = mac_be, .dst_mac = mac_beif,
		.saddr = fam->backend, .daddr = fam->client, .sport = BE_PORT,
		.dport = CPORT, .seq = BACKEND_ISN, .ack = CLIENT_ISN + 1,
		.flags = TF_SYN | TF_ACK, .window = 65160, .opts = opts,
		.opt_len = sizeof(opts),
	};
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	const __u8 *th, *o;
	__u32 out_len;
	bool ok;

	put32(opts + 8, BACKEND_TS);
	put32(opts + 12, CLIENT_TS + 1);
	if (!run(side, in, seg_build(&s, in), XDP_TX, out, &out_len))
		return false;
	th = tcp_of(out);
	ok = !memcmp(out, mac_be, ETH_ALEN) && !memcmp(out + 6, mac_beif, 6);
	ok &= want_src(out, fam->client);
	ok &= want_dst(out, fam->backend);
	ok &= want32("ports", get32(th), (__u32)CPORT << 16 | BE_PORT);
	ok &= want32("flags", th[13], TF_ACK);
	ok &= want32("seq", get32(th + 4), CLIENT_ISN + 1);
	ok &= want32("ack", get32(th + 8), BACKEND_ISN + 1);
	ok &= want32("window (the client's)", get16(th + 14), 502);
	o = opt_find(out, out_len, 8);
	ok &= o && want32("TSval", get32(o + 2), CLIENT_TS + 1);
	ok &= o && want32("TSecr", get32(o + 6), BACKEND_TS);
	after = svc_stats();
	return ok && want32("backend handshakes",
			    after.backend_handshakes -
			    before.backend_handshakes, 1);
}

static bool t_backend_syn_ack(void)
{
	return backend_syn_ack_on(SIDE_BE);
}

static bool t_client_data(void)
{
	__u8 opts[24] = { 1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0,
			  1, 1, 5, 10 };
	struct seg s = client_seg(TF_ACK | TF_PSH, CLIENT_ISN + 1,
				  cookie + 1 + 100);
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	const __u8 *th, *o;
	__u32 out_len, shift = BACKEND_ISN - cookie;
	bool ok;

	put32(opts + 4, CLIENT_TS + 2);
	put32(opts + 8, our_ts + 3);
	put32(opts + 16, cookie + 1 + 200);
	put32(opts + 20, cookie + 1 + 300);
	s.opts = opts;
	s.opt_len = sizeof(opts);
	s.payload = 30;
	if (!run(SIDE_UP, in, seg_build(&s, in), XDP_REDIRECT, out, &out_len))
		return false;
	th = tcp_of(out);
	ok = want_dst(out, fam->backend);
	ok &= want32("seq", get32(th + 4), CLIENT_ISN + 1);
	ok &= want32("ack", get32(th + 8), cookie + 1 + 100 + shift);
	o = opt_find(out, out_len, 5);
	ok &= o && want32("SACK left", get32(o + 2), cookie + 201 + shift);
	ok &= o && want32("SACK right", get32(o + 6), cookie + 301 + shift);
	o = opt_find(out, out_len, 8);
	ok &= o && want32("TSval", get32(o + 2), CLIENT_TS + 2);
	ok &= o && want32("TSecr", get32(o + 6), BACKEND_TS + 3);
	return ok;
}

static bool t_backend_data(void)
{
	__u8 opts[12] = { 1, 1, 8, 10 };
	struct seg s = {
		.src_mac = mac_be, .dst_mac = mac_beif,
		.saddr = fam->backend, .daddr = fam->client, .sport = BE_PORT,
		.dport = CPORT, .seq = BACKEND_ISN + 1,
		.ack = CLIENT_ISN + 31, .flags = TF_ACK | TF_PSH,
		.window = 100, .opts = opts, .opt_len = sizeof(opts),
		.payload = 50,
	};
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	const __u8 *th, *o;
	__u32 out_len;
	bool ok;

	put32(opts + 4, BACKEND_TS + 7);
	put32(opts + 8, CLIENT_TS + 2);
	if (!run(SIDE_BE, in, seg_build(&s, in), XDP_REDIRECT, out, &out_len))
		return false;
	th = tcp_of(out);
	ok = !memcmp(out, mac_client, ETH_ALEN);
	ok &= want_src(out, fam->vip);
	ok &= want32("ports", get32(th), 80 << 16 | CPORT);
	ok &= want32("seq", get32(th + 4), cookie + 1);
	ok &= want32("ack", get32(th + 8), CLIENT_ISN + 31);
	/* scaled by 9 at the backend, by 7 as the client reads it */
	ok &= want32("window", get16(th + 14), 400);
	o = opt_find(out, out_len, 8);
	ok &= o && want32("TSval", get32(o + 2), our_ts + 7);
	ok &= o && want32("TSecr", get32(o + 6), CLIENT_TS + 2);
	return ok;
}

/* A client's pure ACK with Linux's NOP NOP TS: shifted in place, no walk. */
static bool t_client_ack_ts(void)
{
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	const __u8 *th, *o;
	__u32 out_len, shift = BACKEND_ISN - cookie;
	bool ok;

	if (!run(SIDE_UP, in, client_ack(in, cookie + 1 + 400, 0),
		 XDP_REDIRECT, out, &out_len))
		return false;
	th = tcp_of(out);
	ok = want32("ack", get32(th + 8), cookie + 1 + 400 + shift);
	o = opt_find(out, out_len, 8);
	ok &= o && want32("TSval", get32(o + 2), CLIENT_TS + 1);
	ok &= o && want32("TSecr", get32(o + 6), BACKEND_TS);
	return ok;
}

/* A backend whose options come in another order: walked, still shifted. */
static bool t_backend_other_layout(void)
{
	__u8 opts[12] = { 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 };
	struct seg s = {
		.src_mac = mac_be, .dst_mac = mac_beif,
		.saddr = fam->backend, .daddr = fam->client, .sport = BE_PORT,
		.dport = CPORT, .seq = BACKEND_ISN + 51,
		.ack = CLIENT_ISN + 31, .flags = TF_ACK,
		.window = 100, .opts = opts, .opt_len = sizeof(opts),
	};
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	const __u8 *th, *o;
	__u32 out_len;
	bool ok;

	put32(opts + 2, BACKEND_TS + 9);
	put32(opts + 6, CLIENT_TS + 2);
	if (!run(SIDE_BE, in, seg_build(&s, in), XDP_REDIRECT, out, &out_len))
		return false;
	th = tcp_of(out);
	ok = want32("seq", get32(th + 4), cookie + 51);
	o = opt_find(out, out_len, 8);
	ok &= o && want32("TSval", get32(o + 2), our_ts + 9);
	ok &= o && want32("TSecr", get32(o + 6), CLIENT_TS + 2);
	return ok;
}

/* Conntrack flushed: the client's next packet is reset. */
static bool t_lost_entry(void)
{
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	__u32 out_len;

	struct scmlb_flow6_key key6 = { 0 };
	struct scmlb_flow_key key = { 0 };
	void *k = fam->v6 ? (void *)&key6 : (void *)&key;

	if (tb_map_clear(fam->v6 ? lb.maps.ct6 : lb.maps.ct, k) ||
	    tb_map_clear(fam->v6 ? lb.maps.ct6_replies : lb.maps.ct_replies,
			 k))
		return false;
	if (!run(SIDE_UP, in, client_ack(in, cookie + 1 + 500, 20), XDP_TX,
		 out, &out_len))
		return false;
	return want32("flags", tcp_of(out)[13], TF_RST) &&
	       want_dst(out, fam->client);
}

/*
 * A SYN on the ports of a closed flow from before the service took
 * --syn-proxy (a proxied flow's own SYN goes to the handshake its own
 * way, syn_proxy_flow()): scmlb_main opens no flow for it but sends it to
 * the handshake, whose hint says conntrack holds the 5-tuple, so the old
 * flow is forgotten, both entries, before the cookie SYN-ACK.
 */
static bool t_syn_on_closed(void)
{
	struct seg s = client_seg(TF_SYN, CLIENT_ISN + 7000, 0);
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	struct scmlb_flow fl;
	__u32 out_len;

	if (!t_syn() || !t_ack_opens())
		return false;
	if (!flow_get(fam->client, CPORT, fam->vip, 80, 0, &fl)) {
		note("no flow to close");
		return false;
	}
	fl.flags &= ~SCMLB_FLOW_SYN_PROXY;
	fl.state = SCMLB_CT_CLOSED;
	if (!flow_put(fam->client, CPORT, fam->vip, 80, &fl))
		return false;
	s.opts = syn_opts;
	s.opt_len = sizeof(syn_opts);
	if (!run(SIDE_UP, in, seg_build(&s, in), XDP_TX, out, &out_len) ||
	    !want32("flags", tcp_of(out)[13], TF_SYN | TF_ACK))
		return false;
	if (flow_get(fam->client, CPORT, fam->vip, 80, 0, &fl) ||
	    flow_get(fam->backend, BE_PORT, fam->client, CPORT, 1, &fl)) {
		note("the closed flow's entries are still there");
		return false;
	}
	return true;
}

/*
 * One-arm: the backend answers through the upstream, where the handshake
 * program must look for a reply entry too (two-arm, a client's packet
 * there skips that lookup). A new handshake on the flushed flow's ports.
 */
static bool t_one_arm_backend_syn_ack(void)
{
	bool ok;

	if (!t_syn() || !t_ack_opens() || tb_one_arm_set(&lb, true))
		return false;
	ok = backend_syn_ack_on(SIDE_UP);
	return !tb_one_arm_set(&lb, false) && ok;
}

static const struct {
	const char *desc;
	bool (*run)(void);
} cases[] = {
	{ "SYN: a SYN-ACK from the VIP, XDP_TX: cookie ISN, MSS, SACK-permitted, TS echo, wscale 7; wscale and SACK in the TSval; no flow", t_syn },
	{ "SYN to the handshake program without scmlb_main's hint: it finds the service itself, the same SYN-ACK", t_syn_unhinted },
	{ "ACK with a bad cookie: a RST to the client, counted invalid", t_bad_cookie },
	{ "ACK with the cookie: the SYN to the backend (client's ISN, MSS from the cookie, client's wscale, TS), both entries, counted valid", t_ack_opens },
	{ "client data before the backend's SYN-ACK: dropped, the SYN sent again", t_early_data },
	{ "backend's SYN-ACK: XDP_TX ACK to the backend (its ISN + 1, the client's window and TS), counted", t_backend_syn_ack },
	{ "client data: ack, SACK blocks and TSecr shifted to the backend's numbers", t_client_data },
	{ "backend data: seq and TSval shifted to the cookie's, window rescaled 9 -> 7", t_backend_data },
	{ "client's pure ACK, NOP NOP TS: ack and TSecr shifted in place", t_client_ack_ts },
	{ "backend's ACK, TS before the NOPs: walked, seq and TSval shifted", t_backend_other_layout },
	{ "conntrack flushed: the client's next packet gets a RST (IPv6's service is maglev: no miss fallback for a proxied flow)", t_lost_entry },
	{ "one-arm, a new handshake on those ports: the backend's SYN-ACK through the upstream gets the ACK", t_one_arm_backend_syn_ack },
	{ "SYN on a closed flow from before --syn-proxy: both entries forgotten (the hint says conntrack has it), a cookie SYN-ACK", t_syn_on_closed },
};

static int bpf_setup(void)
{
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET,
		.proto = IPPROTO_TCP,
		.port = htons(80),
		.vip = { htonl(VIP) },
		.scheduler = SCMLB_SCHED_RR,
		.forward = SCMLB_FWD_NAT,
		.flags = SCMLB_SVC_SYN_PROXY,
	};
	struct scmlb_service svc6 = svc;
	int err;

	put32(fams[0].client, CLIENT);
	put32(fams[0].vip, VIP);
	put32(fams[0].backend, BACKEND);
	ip6_pton(CLIENT6, fams[1].client);
	ip6_pton(VIP6, fams[1].vip);
	ip6_pton(BACKEND6, fams[1].backend);
	svc6.family = SCMLB_AF_INET6;
	/* a maglev service would send a flow it lost to its table's pick */
	svc6.scheduler = SCMLB_SCHED_MAGLEV;
	memcpy(svc6.vip, fams[1].vip, 16);
	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	err = tb_instance(&lb, VIP_ATTACH, ifindex[SIDE_UP], mac_up, CT_SIZE,
			  -1);
	if (!err)
		err = scmlb_service_add(&lb, &svc);
	fams[0].svc_id = svc.id;
	if (!err)
		err = tb_backend_add_to(&lb, svc.id, 1, BE_PORT, 1, BACKEND,
					ifindex[SIDE_BE], mac_be, mac_beif,
					&be_id);
	if (!err)
		err = scmlb_service_add(&lb, &svc6);
	fams[1].svc_id = svc6.id;
	if (!err)
		err = tb_backend6_add(&lb, svc6.id, BE_PORT, 2, BACKEND6,
				      ifindex[SIDE_BE], mac_be, mac_beif,
				      NULL);
	return err;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};
	char desc[256];
	size_t i, f;
	int failed;

	if (!tb_start(&tb, &failed))
		return failed;

	printf("1..%zu\n", ARRAY_SIZE(fams) * ARRAY_SIZE(cases));
	for (f = 0; f < ARRAY_SIZE(fams); f++) {
		fam = &fams[f];
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			notes_reset();
			snprintf(desc, sizeof(desc), "%s%s", fam->prefix,
				 cases[i].desc);
			failed += tap_case(f * ARRAY_SIZE(cases) + i + 1, desc,
					   cases[i].run() ? RES_OK : RES_FAIL,
					   NULL);
		}
	}
	scmlb_bpf__destroy(skel);
	return failed ? 1 : 0;
}
