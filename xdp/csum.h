/* SPDX-License-Identifier: GPL-2.0 */
/* csum.h - incremental Internet checksum updates (RFC 1624) */
#ifndef SCMLB_CSUM_H
#define SCMLB_CSUM_H

#include <linux/types.h>

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/**
 * csum_replace4() - checksum after a 32-bit field changed from @from to @to
 * @check: the checksum field as it is in the packet
 * @from:  old value of the field
 * @to:    new value of the field
 *
 * HC' = ~(~HC + ~m + m'), summed in 16-bit words. One's complement sums do
 * not depend on byte order, so the network-order words are summed as loaded.
 *
 * Return: the new checksum field.
 */
static __always_inline __u16 csum_replace4(__u16 check, __be32 from, __be32 to)
{
	__u32 sum = (__u16)~check;

	sum += (~from & 0xffff) + (~from >> 16);
	sum += (to & 0xffff) + (to >> 16);
	return (__u16)~csum_fold(sum);
}

/* csum_replace4() for a 16-bit field. */
static __always_inline __u16 csum_replace2(__u16 check, __be16 from, __be16 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from;
	sum += to;
	return (__u16)~csum_fold(sum);
}

/**
 * csum_replace16() - checksum after a 128-bit field (an IPv6 address) changed
 * @check: the checksum field as it is in the packet
 * @from:  old value of the field, four words
 * @to:    new value of the field
 *
 * The four words' differences summed, folded once.
 *
 * Return: the new checksum field.
 */
static __always_inline __u16 csum_replace16(__u16 check, const __be32 *from,
					    const __be32 *to)
{
	__u32 sum = (__u16)~check;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		sum += (~from[i] & 0xffff) + (~from[i] >> 16);
		sum += (to[i] & 0xffff) + (to[i] >> 16);
	}
	return (__u16)~csum_fold(sum);
}

/*
 * A UDP checksum after an update to @updated: 0 means "no checksum" and
 * stays 0, and a computed 0 is sent as 0xffff.
 */
static __always_inline __u16 csum_udp(__u16 check, __u16 updated)
{
	if (!check)
		return 0;
	return updated ? updated : 0xffff;
}

static __always_inline __u16 csum_replace4_udp(__u16 check, __be32 from,
					       __be32 to)
{
	return csum_udp(check, csum_replace4(check, from, to));
}

#endif /* SCMLB_CSUM_H */
