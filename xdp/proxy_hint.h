/* SPDX-License-Identifier: GPL-2.0 */
/* proxy_hint.h - what scmlb_main found for a SYN proxy's packet, handed to the handshake program */
#ifndef SCMLB_PROXY_HINT_H
#define SCMLB_PROXY_HINT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/*
 * scmlb_main (scmlb_main6) tail-calls the handshake program for a client's
 * TCP packet to a --syn-proxy service that conntrack does not know, after
 * it found the VIP and the service and asked conntrack. The hint, in the
 * frame's XDP metadata, saves the handshake those lookups. A frame
 * without one (a driver that keeps no metadata, an older scmlb_main
 * during a live upgrade, the proxied flows' other ways in) gets them
 * looked up again, as before.
 */
struct proxy_hint {
	__u32 magic;			/* PROXY_HINT_MAGIC */
	__u32 service_id;		/* the service the packet matched */
	__u32 flags;			/* enum proxy_hint_flags */
};
_Static_assert(sizeof(struct proxy_hint) % 4 == 0,
	       "XDP metadata is 4-byte words");

#define PROXY_HINT_MAGIC 0x5c1b4d02

enum proxy_hint_flags {
	/* neither ct_flows nor ct_opening holds the packet's 5-tuple */
	PROXY_HINT_NO_FLOW = 1,
};

/*
 * Leave the hint in front of the frame. Every pointer into the frame is
 * spent after it, whether or not the driver keeps metadata.
 */
static __always_inline void proxy_hint_set(struct xdp_md *ctx, __u32 service_id,
					   __u32 flags)
{
	struct proxy_hint *h;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*h)))
		return;
	h = (void *)(long)ctx->data_meta;
	if ((void *)(h + 1) > (void *)(long)ctx->data)
		return;
	h->magic = PROXY_HINT_MAGIC;
	h->service_id = service_id;
	h->flags = flags;
}

/*
 * Take the hint off the frame into @out, before the frame is parsed.
 * Return: 0, or -1 when the frame carries none (@out untouched).
 */
static __always_inline int proxy_hint_take(struct xdp_md *ctx,
					   struct proxy_hint *out)
{
	struct proxy_hint *h = (void *)(long)ctx->data_meta;

	if ((void *)(h + 1) > (void *)(long)ctx->data ||
	    h->magic != PROXY_HINT_MAGIC)
		return -1;
	*out = *h;
	bpf_xdp_adjust_meta(ctx, sizeof(*h));
	return 0;
}

#endif /* SCMLB_PROXY_HINT_H */
