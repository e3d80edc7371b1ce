// SPDX-License-Identifier: GPL-2.0
/* ipip_bed.c - a backend of an ipip service under test: IPIP and ip6ip6 frames, its network */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipip_bed.h"
#include "scmlb_decap.h"
#include "testbed.h"

#define OUTER_ID	0x2222

/**
 * frame_build_ipip() - a frame whose IPv4 packet carries @inner's in IPIP
 * @inner: the inner packet, built by frame_build(); its MACs are the frame's
 * @o:     the outer header
 * @b:     FRAME_MAX bytes for the frame
 *
 * The outer header's checksum is computed from scratch; the inner packet
 * is frame_build()'s, byte for byte, without its Ethernet header.
 *
 * Return: the frame's length.
 */
size_t frame_build_ipip(const struct frame *inner, const struct ipip_outer *o,
			__u8 *b)
{
	size_t ihl = o->ihl ? o->ihl : 5, hlen = ihl * 4, in_ip, i;
	__u8 in[FRAME_MAX], *ip = b + ETH_HLEN;

	in_ip = frame_build(inner, in) - ETH_HLEN;
	if (ETH_HLEN + hlen + in_ip > FRAME_MAX)
		in_ip = FRAME_MAX - ETH_HLEN - hlen;
	memset(b, 0, FRAME_MAX);
	memcpy(b, in, ETH_HLEN);
	ip[0] = 4 << 4 | ihl;
	put16(ip + 2, o->tot_len ? o->tot_len : hlen + in_ip);
	put16(ip + 4, OUTER_ID);
	put16(ip + 6, o->frag_off ? o->frag_off : IP_DF);
	ip[8] = 64;
	ip[9] = IPPROTO_IPIP;
	put32(ip + 12, o->saddr);
	put32(ip + 16, o->daddr);
	/* options: NOPs up to a final end-of-list */
	for (i = 20; i < hlen; i++)
		ip[i] = i + 1 < hlen ? 1 : 0;
	put16(ip + 10, ~sum_fold(sum16(ip, hlen, 0)));
	memcpy(ip + hlen, in + ETH_HLEN, in_ip);
	return ETH_HLEN + hlen + in_ip;
}

/**
 * frame_build_ip6ip6() - a frame whose IPv6 packet carries @inner's in IPv6
 * @inner: the inner packet, built by frame6_build(); its MACs are the frame's
 * @o:     the outer header
 * @b:     FRAME_MAX bytes for the frame
 *
 * The inner packet is frame6_build()'s, byte for byte, without its
 * Ethernet header; the outer header has no extension headers, hop limit
 * 64, no traffic class or flow label.
 *
 * Return: the frame's length.
 */
size_t frame_build_ip6ip6(const struct frame6 *inner,
			  const struct ip6ip6_outer *o, __u8 *b)
{
	__u8 in[FRAME_MAX], *ip = b + ETH_HLEN;
	size_t in_ip = frame6_build(inner, in) - ETH_HLEN;

	if (ETH_HLEN + 40 + in_ip > FRAME_MAX)
		in_ip = FRAME_MAX - ETH_HLEN - 40;
	memset(b, 0, FRAME_MAX);
	memcpy(b, in, ETH_HLEN);
	put32(ip, 6U << 28);
	put16(ip + 4, o->payload_len ? o->payload_len : in_ip);
	ip[6] = o->nexthdr ? o->nexthdr : IPPROTO_IPV6;
	ip[7] = 64;
	ip6_pton(o->saddr, ip + 8);
	ip6_pton(o->daddr, ip + 24);
	memcpy(ip + 40, in + ETH_HLEN, in_ip);
	return ETH_HLEN + 40 + in_ip;
}

/**
 * ipip_backend_setup() - this CPU only, and a backend's network in a new
 *			  network namespace
 * @names:   two veths: the first forwards (a router's, a container
 *	     host's) and has IPIP_BE_FWD/24, the default route via IPIP_LB,
 *	     whose MAC is known; the second does not (a plain backend's),
 *	     with IPIP_BE_NOFWD/24
 * @ifindex: set to their ifindexes
 *
 * The VIP, IPIP_VIP, goes on lo. IPv6 the same way: IP6IP6_VIP on lo,
 * IP6IP6_BE_FWD/64 and IP6IP6_BE_NOFWD/64, the default route via
 * IP6IP6_LB, forwarding on the first.
 *
 * Return: 0 or -errno.
 */
int ipip_backend_setup(const char *const names[2], __u32 ifindex[2])
{
	int err;

	err = tb_pin_cpu();
	if (!err)
		err = tb_net_setup(names, 2, ifindex);
	if (!err)
		err = tb_run_cmd("ip addr add 192.0.2.10/32 dev lo");
	if (!err)
		err = tb_run_cmd("ip addr add 10.0.5.2/24 dev %s", names[0]);
	if (!err)
		err = tb_run_cmd("ip addr add 10.0.6.2/24 dev %s", names[1]);
	if (!err)
		err = tb_run_cmd("ip route add default via 10.0.5.1");
	if (!err)
		err = tb_run_cmd("ip neigh replace 10.0.5.1 lladdr "
				 "02:00:00:00:1b:01 dev %s nud permanent",
				 names[0]);
	if (!err)
		err = tb_run_cmd("sysctl -qw net.ipv4.conf.%s.forwarding=1",
				 names[0]);
	if (!err)
		err = tb_run_cmd("sysctl -qw net.ipv6.conf.all.disable_ipv6=0");
	if (!err)
		err = tb_run_cmd("ip -6 addr add %s/128 dev lo", IP6IP6_VIP);
	if (!err)
		err = tb_run_cmd("ip -6 addr add %s/64 dev %s nodad",
				 IP6IP6_BE_FWD, names[0]);
	if (!err)
		err = tb_run_cmd("ip -6 addr add %s/64 dev %s nodad",
				 IP6IP6_BE_NOFWD, names[1]);
	if (!err)
		err = tb_run_cmd("ip -6 route add default via %s dev %s",
				 IP6IP6_LB, names[0]);
	if (!err)
		err = tb_run_cmd("ip -6 neigh replace %s lladdr "
				 "02:00:00:00:1b:01 dev %s nud permanent",
				 IP6IP6_LB, names[0]);
	if (!err)
		err = tb_run_cmd("sysctl -qw net.ipv6.conf.%s.forwarding=1",
				 names[0]);
	return err;
}

/**
 * decap_stats_read() - scmlb-decap's counters, summed over the CPUs
 * @fd:  decap_stats
 * @sum: SCMLB_DECAP_STATS numbers, by enum scmlb_decap_stat
 *
 * Return: 0 or -errno.
 */
int decap_stats_read(int fd, __u64 *sum)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 vals[ncpu > 0 ? ncpu : 1];
	__u32 k;

	if (ncpu <= 0)
		return -EINVAL;
	for (k = 0; k < SCMLB_DECAP_STATS; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			return -errno;
		for (sum[k] = 0, c = 0; c < ncpu; c++)
			sum[k] += vals[c];
	}
	return 0;
}
