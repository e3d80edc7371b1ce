/* SPDX-License-Identifier: GPL-2.0 */
/* frames_ipip.h - test frames in IPIP, as an ipip load balancer sends them */
#ifndef SCMLB_TEST_FRAMES_IPIP_H
#define SCMLB_TEST_FRAMES_IPIP_H

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

#endif /* SCMLB_TEST_FRAMES_IPIP_H */
