/* SPDX-License-Identifier: GPL-2.0 */
/* ipip_bed.h - a backend of an ipip service under test: IPIP and ip6ip6 frames, its network */
#ifndef SCMLB_TEST_IPIP_BED_H
#define SCMLB_TEST_IPIP_BED_H

#include <stddef.h>
#include <linux/types.h>

#include "frames.h"

/* The outer IPv4 header; zero fields take the usual value. */
struct ipip_outer {
	__u32 saddr;		/* host order */
	__u32 daddr;
	__u8 ihl;		/* 0: 5; above 5 the header carries options */
	__u16 frag_off;		/* 0: DF; else flags and offset */
	__u16 tot_len;		/* 0: as built; else this, even wrong */
};

size_t frame_build_ipip(const struct frame *inner, const struct ipip_outer *o,
			__u8 *b);

/* The outer IPv6 header of ip6ip6; zero fields take the usual value. */
struct ip6ip6_outer {
	const char *saddr;	/* text */
	const char *daddr;
	__u8 nexthdr;		/* 0: 41, IPv6 */
	__u16 payload_len;	/* 0: as built; else this, even wrong */
};

size_t frame_build_ip6ip6(const struct frame6 *inner,
			  const struct ip6ip6_outer *o, __u8 *b);

/* A backend's addresses, in host order; the VIP is on lo. */
#define IPIP_VIP	IP4(192, 0, 2, 10)
#define IPIP_LB		IP4(10, 0, 5, 1)	/* the outer source, the gateway */
#define IPIP_BE_FWD	IP4(10, 0, 5, 2)	/* on the interface that forwards */
#define IPIP_BE_NOFWD	IP4(10, 0, 6, 2)	/* on the one that does not */

/* Its IPv6 addresses: the VIP on lo, the outer source and gateway, its own. */
#define IP6IP6_VIP	"2001:db8:5::10"
#define IP6IP6_LB	"2001:db8:5:1::1"
#define IP6IP6_BE_FWD	"2001:db8:5:1::2"
#define IP6IP6_BE_NOFWD	"2001:db8:5:2::2"

int ipip_backend_setup(const char *const names[2], __u32 ifindex[2]);
int decap_stats_read(int fd, __u64 *sum);

#endif /* SCMLB_TEST_IPIP_BED_H */
