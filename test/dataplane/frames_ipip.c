// SPDX-License-Identifier: GPL-2.0
/* frames_ipip.c - test frames in IPIP, as an ipip load balancer sends them */
#include <string.h>
#include <netinet/in.h>

#include <linux/if_ether.h>

#include "frames_ipip.h"

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
