// SPDX-License-Identifier: GPL-2.0
/*
 * test_fuzz6.c - IPv6 frames of random shapes through the data plane, each
 * verdict predicted by a model of RFC 8200's header chain: random
 * extension headers (walkable or not, too many, cut short), fragments,
 * lengths, versions, cuts. Never XDP_ABORTED; a passed frame comes back
 * byte-identical; a balanced one differs from what came in only in its
 * MACs, its destination (one of the service's backends) and its L4
 * checksum, which verifies from scratch. SCMLB_FUZZ_SEED sets the seed.
 */
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

#include "backends.h"
#include "frames.h"
#include "maps.h"
#include "scmlb.skel.h"
#include "services.h"
#include "testbed.h"

#define VIP4		IP4(203, 0, 113, 71)
#define VIP6		"2001:db8:0:21::1"	/* every port, both protocols */
#define OTHER6		"2001:db8:0:21::2"
#define NBE		3
#define CT_SIZE		65536
#define FRAMES		20000

static const char *const be_addr[NBE] = {
	"2001:db8:6::2", "2001:db8:6::3", "2001:db8:6::4",
};
static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc6, 0x21 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x6a, 0x21 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb6, 0x21 };
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf6, 0x21 };

enum side { SIDE_UP, SIDE_BE, SIDE_N };
static const char *const if_names[SIDE_N] = { "fz6-up", "fz6-be" };

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd;
static __u32 ifindex[SIDE_N];
static __u32 seed, seed0;

static __u32 rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

static bool chance(unsigned int percent)
{
	return rnd() % 100 < percent;
}

/* Extension-header types the generator picks from, walkable or not. */
static const __u8 ext_types[] = {
	IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT,
	IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT,
	51 /* AH */, 50 /* ESP */, 59 /* no next header */,
};

static const __u8 protos[] = {
	IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDP, IPPROTO_ICMPV6,
	IPPROTO_GRE,
};

/*
 * Room for the longest frame gen() makes: six 24-byte extension headers,
 * TCP, 47 bytes of payload and 15 of padding pass FRAME_MAX.
 */
#define FUZZ6_FRAME_MAX 512

/* A random frame; @i makes its flow unique (no conntrack state matters). */
static struct frame6 gen(__u32 i)
{
	struct frame6 f = { .src_mac = mac_client, .dst_mac = mac_up };
	char src[64];
	int k;

	snprintf(src, sizeof(src), "2001:db8:c6::%x:%x", i >> 16, i & 0xffff);
	ip6_pton(src, f.saddr);
	ip6_pton(chance(90) ? VIP6 : OTHER6, f.daddr);
	f.proto = protos[rnd() % sizeof(protos)];
	f.sport = 1024 + i % 60000;
	f.dport = rnd() % 4 ? 80 : rnd() % 65536;
	f.tcp_flags = chance(85) ? TF_SYN : TF_ACK;
	f.icmp_type = chance(50) ? 128 + rnd() % 16 : 1 + rnd() % 4;
	f.payload = rnd() % 48;
	f.n_ext = chance(40) ? 0 : rnd() % 7;
	for (k = 0; k < f.n_ext; k++) {
		struct ext6 *e = &f.ext[k];

		e->type = ext_types[rnd() % sizeof(ext_types)];
		e->len8 = rnd() % 3;
		e->segs_left = chance(70) ? 0 : 1 + rnd() % 3;
		e->frag_offset = chance(70) ? 0 : 1 + rnd() % 100;
		e->more = chance(50);
		e->id = rnd();
	}
	if (chance(3))
		f.ip_version = 4 + rnd() % 3 * 2;
	if (chance(3))
		f.jumbo = true;
	if (chance(6))
		f.payload_len = rnd() % 200;
	if (chance(4))
		f.pad = rnd() % 16;
	return f;
}

/*
 * The model: whether the data plane balances @b (@len bytes, built from
 * @f): an IPv6 header whose payload fits the frame, at most four
 * walkable extension headers (a routing header with no segment left, a
 * fragment header of offset 0), then a whole TCP SYN or UDP header
 * within the payload, to the VIP.
 */
static bool model_balanced(const struct frame6 *f, const __u8 *b, size_t len)
{
	const __u8 *ip = b + ETH_HLEN;
	size_t ip_len, off = 40;
	__u8 vip[16], nh;
	int i;

	if (len < ETH_HLEN + 40 || ip[0] >> 4 != 6 || !get16(ip + 4))
		return false;
	ip_len = 40 + get16(ip + 4);
	if (ETH_HLEN + ip_len > len)
		return false;
	nh = ip[6];
	for (i = 0; i < 4; i++) {
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_DSTOPTS &&
		    nh != IPPROTO_ROUTING && nh != IPPROTO_FRAGMENT)
			break;
		if (off > 40 + 256 || off + 8 > ip_len)
			return false;
		if (nh == IPPROTO_FRAGMENT) {
			if (get16(ip + off + 2) & 0xfff8)
				return false;	/* a later fragment */
			nh = ip[off];
			off += 8;
			continue;
		}
		if (nh == IPPROTO_ROUTING && ip[off + 3])
			return false;
		nh = ip[off];
		off += (ip[off + 1] + 1) * 8;
	}
	if (nh == IPPROTO_TCP) {
		if (off + 20 > ip_len || (ip[off + 12] >> 4) < 5 ||
		    (ip[off + 13] & (TF_SYN | TF_ACK | TF_RST)) != TF_SYN)
			return false;
	} else if (nh == IPPROTO_UDP) {
		if (off + 8 > ip_len)
			return false;
	} else {
		return false;
	}
	ip6_pton(VIP6, vip);
	(void)f;
	return !memcmp(ip + 24, vip, 16);
}

/* Where the L4 checksum of a balanced frame is, from the model's walk. */
static size_t csum_off(const __u8 *b, size_t len)
{
	__u8 proto;
	size_t off = frame6_l4_off(b, len, &proto);

	return off + (proto == IPPROTO_TCP ? 16 : 6);
}

/*
 * A balanced frame: the MACs, the destination (a backend's) and the L4
 * checksum changed, nothing else; its checksum verifies from scratch
 * when the client's did (a payload length shorter than the data it
 * was summed over makes one that never did).
 */
static bool balanced_ok(const __u8 *in, size_t len, const __u8 *out,
			size_t olen)
{
	__u8 a[16], exp[FUZZ6_FRAME_MAX];
	size_t c = csum_off(in, len);
	bool backend = false, was_valid;
	int n;

	for (n = 0; n < NBE; n++) {
		ip6_pton(be_addr[n], a);
		backend |= !memcmp(out + ETH_HLEN + 24, a, 16);
	}
	if (!backend) {
		note("destination is not a backend");
		return false;
	}
	memcpy(exp, in, len);
	memcpy(exp, mac_be, ETH_ALEN);
	memcpy(exp + ETH_ALEN, mac_beif, ETH_ALEN);
	memcpy(exp + ETH_HLEN + 24, out + ETH_HLEN + 24, 16);
	if (c + 2 <= len)
		memcpy(exp + c, out + c, 2);
	if (!frames_equal(exp, len, out, olen))
		return false;
	was_valid = csums_valid6(in, len);
	notes_reset();
	if (was_valid && !csums_valid6(out, olen)) {
		note("the client's checksum verified, the rewritten one does not");
		return false;
	}
	return true;
}

static int setup(void)
{
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET6,
		.scheduler = SCMLB_SCHED_RR,
	};
	int n, err;

	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	err = tb_instance(&lb, VIP4, ifindex[SIDE_UP], mac_up, CT_SIZE, -1);
	ip6_pton(VIP6, (__u8 *)svc.vip);
	if (!err)
		err = scmlb_service_add(&lb, &svc);
	for (n = 0; n < NBE && !err; n++) {
		struct scmlb_backend be = {
			.service_id = svc.id,
			.weight = 1,
			.family = SCMLB_AF_INET6,
			.ifindex = ifindex[SIDE_BE],
			.status = SCMLB_BACKEND_AVAILABLE,
		};

		ip6_pton(be_addr[n], (__u8 *)be.addr);
		memcpy(be.mac, mac_be, ETH_ALEN);
		memcpy(be.if_mac, mac_beif, ETH_ALEN);
		snprintf(be.name, sizeof(be.name), "fz6-%d", n);
		err = scmlb_backend_add(&lb, &be);
	}
	return err;
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, setup,
	};
	__u8 in[FUZZ6_FRAME_MAX], out[2 * FUZZ6_FRAME_MAX];
	unsigned long balanced = 0, passed = 0, bad = 0, cut = 0, aborted = 0;
	const char *env = getenv("SCMLB_FUZZ_SEED");
	int failed, act, err;
	__u32 i, out_len;
	struct frame6 f;
	size_t len;
	bool want;

	seed = env ? strtoul(env, NULL, 0) : 0x5c316a06;
	if (!seed)
		seed = 1;
	seed0 = seed;
	if (!tb_start(&tb, &failed))
		return failed;
	printf("1..3\n");
	for (i = 0; i < FRAMES; i++) {
		f = gen(i);
		len = frame6_build(&f, in);
		/* sometimes cut short anywhere, even inside the headers */
		if (chance(5)) {
			len = rnd() % len;
			cut++;
		}
		want = model_balanced(&f, in, len);
		notes_reset();
		err = prog_run(main_fd, ifindex[SIDE_UP], in, len, out,
			       &out_len, &act);
		if (err == -EINVAL && len < ETH_HLEN)
			continue;
		aborted += !err && act == XDP_ABORTED;
		if (err || act != (want ? XDP_REDIRECT : XDP_PASS) ||
		    (want ? !balanced_ok(in, len, out, out_len) :
			    !frames_equal(in, len, out, out_len))) {
			if (bad++ < 5) {
				printf("# frame %u (SCMLB_FUZZ_SEED=0x%x): %s, "
				       "expected %s\n", i, seed0, err ? strerror(-err) :
				       act_name(act), want ? "balanced" :
				       "passed untouched");
				notes_print();
			}
			continue;
		}
		balanced += want;
		passed += !want;
	}
	printf("%sok 1 - %d random IPv6 frames: every verdict the model's "
	       "(%lu balanced, %lu passed, %lu cut short)\n", bad ? "not " : "",
	       FRAMES, balanced, passed, cut);
	printf("%sok 2 - the run balanced some and passed some\n",
	       balanced > FRAMES / 10 && passed > FRAMES / 10 ? "" : "not ");
	printf("%sok 3 - no XDP_ABORTED among them (%lu)\n",
	       aborted ? "not " : "", aborted);
	scmlb_bpf__destroy(skel);
	return bad || aborted || balanced <= FRAMES / 10 ||
	       passed <= FRAMES / 10 ? 1 : 0;
}
