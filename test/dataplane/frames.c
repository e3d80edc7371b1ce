// SPDX-License-Identifier: GPL-2.0
/* frames.c - test frames: fresh checksums, exact compares, XDP test runs, TAP */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>

#include <bpf/bpf.h>

#include "frames.h"

static char notes[8192];
static size_t notes_len;

/**
 * note() - gather a diagnostic line for the case being run
 * @fmt: printf format
 *
 * Diagnostics are printed after the case's ok line; what does not fit in
 * the buffer is dropped.
 */
void note(const char *fmt, ...)
{
	size_t room = sizeof(notes) - notes_len;
	va_list ap;
	int n;

	if (room < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(notes + notes_len, room - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	notes_len += (size_t)n < room - 2 ? (size_t)n : room - 2;
	notes[notes_len++] = '\n';
	notes[notes_len] = 0;
}

/**
 * notes_reset() - start gathering a new case's diagnostics
 */
void notes_reset(void)
{
	notes_len = 0;
	notes[0] = 0;
}

/**
 * notes_text() - the diagnostics gathered so far, one a line
 *
 * Return: them, until the next note() or notes_reset().
 */
const char *notes_text(void)
{
	return notes;
}

/**
 * notes_print() - print each gathered line as a TAP diagnostic
 */
void notes_print(void)
{
	char *line, *save = NULL;

	for (line = strtok_r(notes, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
}

/**
 * tap_case() - a case's TAP line, then the diagnostics gathered for it
 * @n:    its number, from 1
 * @desc: what it checks
 * @res:  what became of it
 * @skip: why it was skipped, with RES_SKIP
 *
 * Return: 1 when it failed, else 0: add it up for the exit status.
 */
int tap_case(size_t n, const char *desc, enum tap_result res, const char *skip)
{
	printf("%sok %zu - %s", res == RES_FAIL ? "not " : "", n, desc);
	if (res == RES_SKIP)
		printf(" # SKIP %s", skip);
	putchar('\n');
	notes_print();
	return res == RES_FAIL;
}

/* ---- reference checksums: whole sums, nothing incremental ---- */

/**
 * sum16() - add big-endian 16-bit words to a ones' complement sum
 * @p:   the bytes; an odd last byte counts as its word's high half
 * @len: how many
 * @sum: the sum so far
 *
 * Return: the sum, unfolded.
 */
__u32 sum16(const __u8 *p, size_t len, __u32 sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

/**
 * sum_fold() - fold a sum's carries into 16 bits
 * @sum: from sum16()
 *
 * Return: the folded sum, not inverted: 0xffff over data holding its own
 * valid checksum.
 */
__u16 sum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/**
 * sum_pseudo() - the sum of a TCP or UDP pseudo-header
 * @ip:    an IPv4 header: its addresses, at 12 and 16, count
 * @proto: IPPROTO_TCP or IPPROTO_UDP
 * @len:   the L4 length
 *
 * Return: the sum, unfolded.
 */
__u32 sum_pseudo(const __u8 *ip, __u8 proto, __u32 len)
{
	return sum16(ip + 12, 8, 0) + proto + len;
}

/**
 * udp_zero_word() - make a UDP checksum compute to 0 under other addresses
 * @ph:    an IPv4 header holding the addresses the checksum will cover
 * @l4:    the UDP header, checksum 0, and at least 2 bytes of payload
 * @l4len: its length
 *
 * Chooses the first payload word: a checksum computing to 0 is sent as
 * 0xffff, the one value an incremental update must not leave as 0, which
 * means "no checksum".
 */
void udp_zero_word(const __u8 *ph, __u8 *l4, size_t l4len)
{
	__u32 sum;

	put16(l4 + 8, 0);
	sum = sum_pseudo(ph, IPPROTO_UDP, l4len) + sum16(l4, l4len, 0);
	put16(l4 + 8, ~sum_fold(sum));
}

/* ---- frames ---- */

/**
 * l4_hdr_len() - the length of an L4 header the frames carry
 * @proto: IPPROTO_*
 * @doff:  TCP's data offset, in 32-bit words
 *
 * Return: its bytes; 0 for a protocol without one.
 */
size_t l4_hdr_len(__u8 proto, __u8 doff)
{
	switch (proto) {
	case IPPROTO_TCP:
		return doff * 4;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
		return 8;
	default:
		return 0;
	}
}

/**
 * frame_build() - lay a frame out with every checksum computed from scratch
 * @f: the frame
 * @b: FRAME_MAX bytes for it
 *
 * Return: its length.
 */
size_t frame_build(const struct frame *f, __u8 *b)
{
	size_t ihl = f->ihl ? f->ihl : 5;
	size_t hlen = (ihl > 5 ? ihl : 5) * 4;
	size_t l4hdr = l4_hdr_len(f->proto, f->doff > 5 ? f->doff : 5);
	size_t l4len = l4hdr + f->payload;
	size_t tot = hlen + l4len, len, i;
	__u8 *ip = b + ETH_HLEN, *l4 = ip + hlen;
	__u16 check;

	memset(b, 0, FRAME_MAX);
	memcpy(b, f->dst_mac, ETH_ALEN);
	memcpy(b + ETH_ALEN, f->src_mac, ETH_ALEN);
	put16(b + 12, f->eth_proto ? f->eth_proto : ETH_P_IP);

	ip[0] = (f->ip_version ? f->ip_version : 4) << 4 | ihl;
	put16(ip + 2, f->tot_len ? f->tot_len : tot);
	put16(ip + 4, f->ip_id ? f->ip_id : 0x1c46);
	put16(ip + 6, f->frag_off ? f->frag_off : IP_DF);
	ip[8] = 64;
	ip[9] = f->proto;
	put32(ip + 12, f->saddr);
	put32(ip + 16, f->daddr);
	/* options: NOPs up to a final end-of-list */
	for (i = 20; i < hlen; i++)
		ip[i] = i + 1 < hlen ? 1 : 0;

	for (i = 0; i < f->payload; i++)
		l4[l4hdr + i] = (__u8)(i * 37 + 11);

	if (f->proto == IPPROTO_TCP) {
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		put32(l4 + 4, f->seq ? f->seq : FRAME_SEQ);
		put32(l4 + 8, f->ack_seq ? f->ack_seq :
			      f->tcp_flags & TF_ACK ? FRAME_ACK : 0);
		l4[12] = (f->doff ? f->doff : 5) << 4;
		l4[13] = f->tcp_flags;
		put16(l4 + 14, 64240);
		for (i = 20; i < l4hdr; i++)
			l4[i] = 1;	/* NOP options */
	} else if (f->proto == IPPROTO_UDP) {
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		put16(l4 + 4, l4len);
		if (f->zero_csum_daddr) {
			/* toward zero_csum_daddr, the checksum is 0 */
			__u8 ph[20] = { 0 };

			put32(ph + 12, f->saddr);
			put32(ph + 16, f->zero_csum_daddr);
			udp_zero_word(ph, l4, l4len);
		}
	} else if (f->proto == IPPROTO_ICMP) {
		l4[0] = 8;		/* echo request */
		put16(l4 + 4, 0x4242);
		put16(l4 + 6, 1);
	}

	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		check = ~sum_fold(sum_pseudo(ip, f->proto, l4len) +
				  sum16(l4, l4len, 0));
		if (f->proto == IPPROTO_UDP)
			check = f->udp_csum_zero ? 0 : check ? check : 0xffff;
		put16(l4 + (f->proto == IPPROTO_TCP ? 16 : 6), check);
	} else if (f->proto == IPPROTO_ICMP) {
		put16(l4 + 2, ~sum_fold(sum16(l4, l4len, 0)));
	}
	put16(ip + 10, ~sum_fold(sum16(ip, hlen, 0)));

	len = ETH_HLEN + tot;
	memset(b + len, PAD_BYTE, f->pad);
	len += f->pad;
	return f->cut ? f->cut : len;
}

/*
 * An ICMP message's checksum, and for an error the quoted IP header's
 * (its TCP/UDP checksum cannot be verified: the data is cut off).
 */
static bool icmp_csums_valid(const __u8 *icmp, size_t len)
{
	const __u8 *in = icmp + 8;
	bool ok = true;

	if (sum_fold(sum16(icmp, len, 0)) != 0xffff) {
		note("ICMP checksum 0x%04x does not verify", get16(icmp + 2));
		ok = false;
	}
	if (icmp[0] != 3 && icmp[0] != 11 && icmp[0] != 12)
		return ok;
	if (len < 8 + 20 || len < 8 + (size_t)(in[0] & 0xf) * 4) {
		note("ICMP error too short for the IPv4 header it quotes");
		return false;
	}
	if (sum_fold(sum16(in, (in[0] & 0xf) * 4, 0)) != 0xffff) {
		note("quoted IPv4 header checksum 0x%04x does not verify",
		     get16(in + 10));
		ok = false;
	}
	return ok;
}

/**
 * frame_build_icmp_err() - an ICMP error quoting a packet
 * @f:        the error's own frame: MACs and addresses (its proto unused)
 * @type:     ICMP type: 3, 11 or 12
 * @code:     ICMP code (3/4: fragmentation needed)
 * @mtu:      the next-hop MTU of a fragmentation-needed error, else 0
 * @quoted:   the packet the error is about
 * @l4_bytes: how much of its L4 header and data the error quotes (8, as
 *	      routers do; Linux quotes as much as fits)
 * @b:        the frame, FRAME_MAX bytes
 *
 * Return: the frame's length.
 */
size_t frame_build_icmp_err(const struct frame *f, __u8 type, __u8 code,
			    __u16 mtu, const struct frame *quoted,
			    size_t l4_bytes, __u8 *b)
{
	struct frame outer = *f;
	__u8 q[FRAME_MAX], *ip = b + ETH_HLEN, *icmp;
	size_t qlen = frame_build(quoted, q) - ETH_HLEN, hlen, tot;
	size_t qhlen = (q[ETH_HLEN] & 0xf) * 4;

	if (qlen > qhlen + l4_bytes)
		qlen = qhlen + l4_bytes;
	outer.proto = IPPROTO_ICMP;
	outer.payload = 0;
	outer.tot_len = 0;
	frame_build(&outer, b);
	hlen = (ip[0] & 0xf) * 4;
	icmp = ip + hlen;
	tot = hlen + 8 + qlen;
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	put16(icmp + 6, mtu);
	memcpy(icmp + 8, q + ETH_HLEN, qlen);
	put16(icmp + 2, ~sum_fold(sum16(icmp, 8 + qlen, 0)));
	put16(ip + 2, tot);
	put16(ip + 10, 0);
	put16(ip + 10, ~sum_fold(sum16(ip, hlen, 0)));
	return ETH_HLEN + tot;
}

/**
 * csums_valid() - verify an IPv4 frame's checksums from scratch
 * @b:   the frame
 * @len: its length
 *
 * Notes every checksum that does not verify.
 *
 * Return: whether all of them verify.
 */
bool csums_valid(const __u8 *b, size_t len)
{
	const __u8 *ip = b + ETH_HLEN, *l4;
	size_t hlen, tot;
	bool ok = true;
	__u8 proto;
	__u32 sum;

	if (len < ETH_HLEN + 20 || get16(b + 12) != ETH_P_IP) {
		note("output is not an IPv4 frame");
		return false;
	}
	hlen = (ip[0] & 0xf) * 4;
	tot = get16(ip + 2);
	if (hlen < 20 || tot < hlen || ETH_HLEN + tot > len) {
		note("output IPv4 header is inconsistent");
		return false;
	}
	if (sum_fold(sum16(ip, hlen, 0)) != 0xffff) {
		note("IPv4 header checksum 0x%04x does not verify",
		     get16(ip + 10));
		ok = false;
	}
	proto = ip[9];
	l4 = ip + hlen;
	/* a fragment's L4 checksum covers the whole datagram, not it */
	if (get16(ip + 6) & (IP_MF | 0x1fff))
		return ok;
	if (proto == IPPROTO_ICMP)
		return icmp_csums_valid(l4, tot - hlen) && ok;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return ok;
	if (proto == IPPROTO_UDP && !get16(l4 + 6))
		return ok;	/* sent without a checksum */
	sum = sum_pseudo(ip, proto, tot - hlen) + sum16(l4, tot - hlen, 0);
	if (sum_fold(sum) != 0xffff) {
		note("%s checksum 0x%04x does not verify",
		     proto == IPPROTO_TCP ? "TCP" : "UDP",
		     get16(l4 + (proto == IPPROTO_TCP ? 16 : 6)));
		ok = false;
	}
	return ok;
}

/* ---- IPv6 frames ---- */

/**
 * ip6_pton() - an IPv6 address from its text, for tables of cases
 * @text: the address; a bad one is a bug in the test: it aborts
 * @addr: its 16 bytes
 */
void ip6_pton(const char *text, __u8 *addr)
{
	if (inet_pton(AF_INET6, text, addr) != 1) {
		fprintf(stderr, "bad IPv6 address in a test: '%s'\n", text);
		abort();
	}
}

/**
 * sum_pseudo6() - the sum of an IPv6 upper-layer pseudo-header (RFC 8200 8.1)
 * @src:   the source address
 * @dst:   the final destination address
 * @proto: the upper-layer protocol
 * @len:   the upper-layer length
 *
 * Return: the sum, unfolded.
 */
__u32 sum_pseudo6(const __u8 *src, const __u8 *dst, __u8 proto, __u32 len)
{
	return sum16(src, 16, 0) + sum16(dst, 16, 0) + (len >> 16) +
	       (len & 0xffff) + proto;
}

static const __u8 frame6_src_mac[ETH_ALEN] = { 2, 0, 0, 0, 0, 0x0c };
static const __u8 frame6_dst_mac[ETH_ALEN] = { 2, 0, 0, 0, 0, 0x1b };

/* Lay out @f's extension headers at @h; return their length. */
static size_t ext6_build(const struct frame6 *f, __u8 *h)
{
	size_t off = 0, len, j;
	int i;

	for (i = 0; i < f->n_ext; i++) {
		const struct ext6 *e = &f->ext[i];

		len = e->type == IPPROTO_FRAGMENT ? 8 : (e->len8 + 1) * 8u;
		h[off] = i + 1 < f->n_ext ? f->ext[i + 1].type : f->proto;
		if (e->type == IPPROTO_FRAGMENT) {
			h[off + 1] = 0;
			put16(h + off + 2, e->frag_offset << 3 | e->more);
			put32(h + off + 4, e->id ? e->id : 0xf00d0001);
		} else {
			h[off + 1] = e->len8;
			/* options: PadN over the rest; routing: type 0 */
			for (j = 2; j < len; j++)
				h[off + j] = 0;
			if (e->type == IPPROTO_ROUTING) {
				h[off + 2] = 4;	/* segment routing */
				h[off + 3] = e->segs_left;
			} else {
				h[off + 2] = 1;
				h[off + 3] = len - 4;
			}
		}
		off += len;
	}
	return off;
}

/**
 * frame6_build() - lay an IPv6 frame out with every checksum computed from scratch
 * @f: the frame
 * @b: FRAME_MAX bytes for it
 *
 * A later fragment (offset above 0) carries payload bytes only, no L4
 * header. The L4 checksum covers the pseudo-header with the final
 * destination, the addresses in @f.
 *
 * Return: its length.
 */
size_t frame6_build(const struct frame6 *f, __u8 *b)
{
	__u8 *ip = b + ETH_HLEN, *l4;
	size_t ext, l4hdr, l4len, len, i;
	bool later = false;
	__u16 check;
	__u32 sum;
	int k;

	memset(b, 0, FRAME_MAX);
	memcpy(b, f->dst_mac ? f->dst_mac : frame6_dst_mac, ETH_ALEN);
	memcpy(b + ETH_ALEN, f->src_mac ? f->src_mac : frame6_src_mac, ETH_ALEN);
	put16(b + 12, ETH_P_IPV6);

	for (k = 0; k < f->n_ext; k++)
		later |= f->ext[k].type == IPPROTO_FRAGMENT &&
			 f->ext[k].frag_offset;
	ext = ext6_build(f, ip + 40);
	l4 = ip + 40 + ext;
	l4hdr = later ? 0 : f->proto == IPPROTO_ICMPV6 ? 8 :
		l4_hdr_len(f->proto, 5);
	l4len = l4hdr + f->payload;

	put32(ip, (__u32)(f->ip_version ? f->ip_version : 6) << 28 |
		  (__u32)f->tclass << 20 | (f->flow_label & 0xfffff));
	put16(ip + 4, f->jumbo ? 0 : f->payload_len ? f->payload_len :
		      ext + l4len);
	ip[6] = f->n_ext ? f->ext[0].type : f->proto;
	ip[7] = f->hop_limit ? f->hop_limit : 64;
	memcpy(ip + 8, f->saddr, 16);
	memcpy(ip + 24, f->daddr, 16);

	for (i = 0; i < f->payload; i++)
		l4[l4hdr + i] = (__u8)(i * 37 + 11);
	if (later)
		goto out;

	if (f->proto == IPPROTO_TCP) {
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		put32(l4 + 4, f->seq ? f->seq : FRAME_SEQ);
		put32(l4 + 8, f->ack_seq ? f->ack_seq :
			      f->tcp_flags & TF_ACK ? FRAME_ACK : 0);
		l4[12] = 5 << 4;
		l4[13] = f->tcp_flags;
		put16(l4 + 14, 64240);
	} else if (f->proto == IPPROTO_UDP) {
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		put16(l4 + 4, l4len);
		if (f->zero_csum_daddr && f->payload >= 2) {
			/* toward zero_csum_daddr, the checksum computes to 0 */
			if (f->zero_csum_dport)
				put16(l4 + 2, f->zero_csum_dport);
			put16(l4 + 8, 0);
			sum = sum_pseudo6(f->saddr, f->zero_csum_daddr,
					  IPPROTO_UDP, l4len) +
			      sum16(l4, l4len, 0);
			put16(l4 + 8, ~sum_fold(sum));
			put16(l4 + 2, f->dport);
		}
	} else if (f->proto == IPPROTO_ICMPV6) {
		l4[0] = f->icmp_type ? f->icmp_type : 128;
		l4[1] = f->icmp_code;
		put16(l4 + 4, 0x4242);
		put16(l4 + 6, 1);
	}
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP ||
	    f->proto == IPPROTO_ICMPV6) {
		check = ~sum_fold(sum_pseudo6(f->saddr, f->daddr, f->proto,
					      l4len) + sum16(l4, l4len, 0));
		if (f->proto == IPPROTO_UDP)
			check = f->udp_csum_zero ? 0 : check ? check : 0xffff;
		put16(l4 + (f->proto == IPPROTO_TCP ? 16 :
			    f->proto == IPPROTO_UDP ? 6 : 2), check);
	}
out:
	len = ETH_HLEN + 40 + ext + l4len;
	memset(b + len, PAD_BYTE, f->pad);
	len += f->pad;
	return f->cut ? f->cut : len;
}

/**
 * frame6_l4_off() - where an IPv6 frame's upper-layer header starts
 * @b:     the frame
 * @len:   its length
 * @proto: set to the upper-layer protocol, or to the header the walk
 *	   stopped at (a later fragment: IPPROTO_FRAGMENT)
 *
 * Walks hop-by-hop, routing, destination options and fragment headers,
 * as many as there are.
 *
 * Return: the offset in @b, or 0 when a header is cut short.
 */
size_t frame6_l4_off(const __u8 *b, size_t len, __u8 *proto)
{
	size_t off = ETH_HLEN + 40;
	__u8 nh = b[ETH_HLEN + 6];

	for (;;) {
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_DSTOPTS && nh != IPPROTO_FRAGMENT)
			break;
		if (off + 8 > len)
			return 0;
		if (nh == IPPROTO_FRAGMENT) {
			if (get16(b + off + 2) & 0xfff8) {
				*proto = IPPROTO_FRAGMENT;
				return off + 8;
			}
			nh = b[off];
			off += 8;
			continue;
		}
		nh = b[off];
		off += (b[off + 1] + 1) * 8u;
		if (off > len)
			return 0;
	}
	*proto = nh;
	return off;
}

/* An ICMPv6 message's checksum, and a quoted TCP/UDP packet's when it is whole. */
static bool icmp6_csums_valid(const __u8 *ip, const __u8 *icmp, size_t len)
{
	const __u8 *in = icmp + 8;
	size_t qlen, qoff = 0;
	bool ok = true;
	__u8 qproto;
	__u8 qframe[FRAME_MAX + ETH_HLEN];

	if (sum_fold(sum_pseudo6(ip + 8, ip + 24, IPPROTO_ICMPV6, len) +
		     sum16(icmp, len, 0)) != 0xffff) {
		note("ICMPv6 checksum 0x%04x does not verify", get16(icmp + 2));
		ok = false;
	}
	if (icmp[0] < 1 || icmp[0] > 4 || len < 8 + 40)
		return ok;
	/* the quoted packet, whole: its own TCP or UDP checksum verifies */
	qlen = 40 + get16(in + 4);
	if (qlen > len - 8 || qlen + ETH_HLEN > sizeof(qframe))
		return ok;
	memset(qframe, 0, ETH_HLEN);
	put16(qframe + 12, ETH_P_IPV6);
	memcpy(qframe + ETH_HLEN, in, qlen);
	qoff = frame6_l4_off(qframe, ETH_HLEN + qlen, &qproto);
	if (!qoff || (qproto != IPPROTO_TCP && qproto != IPPROTO_UDP))
		return ok;
	if (sum_fold(sum_pseudo6(in + 8, in + 24, qproto,
				 ETH_HLEN + qlen - qoff) +
		     sum16(qframe + qoff, ETH_HLEN + qlen - qoff, 0)) != 0xffff) {
		note("quoted %s checksum does not verify",
		     qproto == IPPROTO_TCP ? "TCP" : "UDP");
		ok = false;
	}
	return ok;
}

/**
 * csums_valid6() - verify an IPv6 frame's checksums from scratch
 * @b:   the frame
 * @len: its length
 *
 * TCP, UDP and ICMPv6 over the pseudo-header (a routing header with
 * segments left would name another final destination: none of ours
 * carries one); an ICMPv6 error's quoted packet too, when it is whole.
 * A UDP checksum of 0 is invalid in IPv6. Notes every checksum that
 * does not verify.
 *
 * Return: whether all of them verify.
 */
bool csums_valid6(const __u8 *b, size_t len)
{
	const __u8 *ip = b + ETH_HLEN;
	size_t tot, off, l4len;
	__u8 proto;

	if (len < ETH_HLEN + 40 || get16(b + 12) != ETH_P_IPV6 ||
	    ip[0] >> 4 != 6) {
		note("output is not an IPv6 frame");
		return false;
	}
	tot = 40 + get16(ip + 4);
	if (ETH_HLEN + tot > len) {
		note("output IPv6 payload length %zu runs past the frame", tot - 40);
		return false;
	}
	off = frame6_l4_off(b, ETH_HLEN + tot, &proto);
	if (!off) {
		note("output IPv6 extension headers are cut short");
		return false;
	}
	l4len = ETH_HLEN + tot - off;
	/* a fragment's L4 checksum covers the whole datagram, not it */
	if (proto == IPPROTO_FRAGMENT)
		return true;
	if (proto == IPPROTO_ICMPV6)
		return icmp6_csums_valid(ip, b + off, l4len);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return true;
	if (proto == IPPROTO_UDP && l4len >= 8 && !get16(b + off + 6)) {
		note("UDP checksum 0 is invalid over IPv6");
		return false;
	}
	if (sum_fold(sum_pseudo6(ip + 8, ip + 24, proto, l4len) +
		     sum16(b + off, l4len, 0)) != 0xffff) {
		note("%s checksum 0x%04x does not verify",
		     proto == IPPROTO_TCP ? "TCP" : "UDP",
		     get16(b + off + (proto == IPPROTO_TCP ? 16 : 6)));
		return false;
	}
	return true;
}

/* A frame6 of @proto between two addresses given as text. */
static struct frame6 frame6_between(__u8 proto, const char *src, __u16 sport,
				    const char *dst, __u16 dport)
{
	struct frame6 f = {
		.proto = proto,
		.sport = sport,
		.dport = dport,
	};

	ip6_pton(src, f.saddr);
	ip6_pton(dst, f.daddr);
	return f;
}

/**
 * build_tcp6() - a TCP frame6 with the usual fields
 * @src:   source address, text
 * @sport: source port
 * @dst:   destination address, text
 * @dport: destination port
 * @flags: TCP flags (TF_*)
 *
 * Return: the frame, for frame6_build() once the test changed what it needs.
 */
struct frame6 build_tcp6(const char *src, __u16 sport, const char *dst,
			 __u16 dport, __u8 flags)
{
	struct frame6 f = frame6_between(IPPROTO_TCP, src, sport, dst, dport);

	f.tcp_flags = flags;
	return f;
}

/**
 * build_udp6() - a UDP frame6 with the usual fields
 * @src:     source address, text
 * @sport:   source port
 * @dst:     destination address, text
 * @dport:   destination port
 * @payload: bytes after the UDP header
 *
 * Return: the frame.
 */
struct frame6 build_udp6(const char *src, __u16 sport, const char *dst,
			 __u16 dport, __u16 payload)
{
	struct frame6 f = frame6_between(IPPROTO_UDP, src, sport, dst, dport);

	f.payload = payload;
	return f;
}

/**
 * frame6_build_icmp_err() - an ICMPv6 error quoting a packet
 * @f:         the error's own frame: MACs and addresses (the rest unused)
 * @type:      ICMPv6 type: 1 unreachable, 2 Packet Too Big, 3, 4
 * @code:      ICMPv6 code
 * @info:      the MTU of a Packet Too Big, a parameter problem's pointer
 * @quoted:    the packet the error is about
 * @quote_max: how much of it the error quotes at most (0: all of it, as
 *	       IPv6 routers quote up to 1280 bytes in all)
 * @b:         the frame, FRAME_MAX bytes
 *
 * Its checksum computed from scratch over the pseudo-header.
 *
 * Return: the frame's length.
 */
size_t frame6_build_icmp_err(const struct frame6 *f, __u8 type, __u8 code,
			     __u32 info, const struct frame6 *quoted,
			     size_t quote_max, __u8 *b)
{
	struct frame6 outer = *f;
	__u8 q[FRAME_MAX], *ip = b + ETH_HLEN, *icmp = ip + 40;
	size_t qlen = frame6_build(quoted, q) - ETH_HLEN, plen;

	if (quote_max && qlen > quote_max)
		qlen = quote_max;
	outer.n_ext = 0;
	outer.proto = IPPROTO_ICMPV6;
	outer.icmp_type = type;
	outer.payload = 0;
	outer.payload_len = 0;
	outer.pad = 0;
	outer.cut = 0;
	frame6_build(&outer, b);
	plen = 8 + qlen;
	icmp[1] = code;
	put16(icmp + 2, 0);
	put32(icmp + 4, info);
	memcpy(icmp + 8, q + ETH_HLEN, qlen);
	put16(ip + 4, plen);
	put16(icmp + 2, ~sum_fold(sum_pseudo6(ip + 8, ip + 24, IPPROTO_ICMPV6,
					      plen) + sum16(icmp, plen, 0)));
	return ETH_HLEN + 40 + plen;
}

static void hex_row(char *out, const __u8 *b, size_t len, size_t off)
{
	size_t i;

	for (i = off; i < off + 16; i++, out += 3)
		if (i < len)
			sprintf(out, " %02x", b[i]);
		else
			strcpy(out, "   ");
}

/**
 * frames_equal() - compare a frame with the one expected, byte for byte
 * @exp:  the expected frame
 * @elen: its length
 * @got:  the frame that came out
 * @glen: its length
 *
 * Notes the 16-byte rows where they differ, the differences marked.
 *
 * Return: whether they are the same.
 */
bool frames_equal(const __u8 *exp, size_t elen, const __u8 *got, size_t glen)
{
	size_t max = elen > glen ? elen : glen, off, i;
	char e[64], g[64], m[64];
	bool row_diff, ok = true;

	if (elen != glen) {
		note("frame length: expected %zu, got %zu", elen, glen);
		ok = false;
	}
	for (off = 0; off < max; off += 16) {
		row_diff = false;
		for (i = off; i < off + 16; i++) {
			bool d = (i < elen) != (i < glen) ||
				 (i < elen && exp[i] != got[i]);

			m[(i - off) * 3] = ' ';
			m[(i - off) * 3 + 1] = d ? '^' : ' ';
			m[(i - off) * 3 + 2] = d ? '^' : ' ';
			row_diff |= d;
		}
		m[48] = 0;
		if (!row_diff)
			continue;
		if (ok)
			note("frame differs (offset: bytes):");
		ok = false;
		hex_row(e, exp, elen, off);
		hex_row(g, got, glen, off);
		note("%04zx expected:%s", off, e);
		note("%04zx got:     %s", off, g);
		note("              %s", m);
	}
	return ok;
}

/**
 * run_out_ok() - whether a run's action and output frame are the expected ones
 * @want: the expected action
 * @act:  the program's
 * @exp:  the expected frame (for XDP_PASS, the input)
 * @elen: its length
 * @out:  the frame that came out
 * @olen: its length
 *
 * A redirected frame's checksums must verify from scratch too. Notes what
 * differs.
 *
 * Return: whether all is as expected.
 */
bool run_out_ok(int want, int act, const __u8 *exp, size_t elen,
		const __u8 *out, size_t olen)
{
	bool ok = act == want;

	if (!ok)
		note("action: expected %s, got %s (%d)", act_name(want),
		     act_name(act), act);
	ok &= frames_equal(exp, elen, out, olen);
	if (want == XDP_REDIRECT)
		ok &= olen >= ETH_HLEN && get16(out + 12) == ETH_P_IPV6 ?
		      csums_valid6(out, olen) : csums_valid(out, olen);
	return ok;
}

/* ---- the BPF side ---- */

/**
 * act_name() - the name of an XDP action
 * @act: the action
 *
 * Return: "XDP_PASS" and so on, "?" for no action.
 */
const char *act_name(int act)
{
	static const char *const names[] = {
		"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
	};

	return act >= 0 && act < (int)ARRAY_SIZE(names) ? names[act] : "?";
}

/**
 * prog_run() - one BPF_PROG_TEST_RUN of an XDP program on a frame
 * @fd:      the program
 * @ifindex: the interface the frame arrives on
 * @frame:   the frame
 * @len:     its length
 * @out:     2 * FRAME_MAX bytes for the frame that comes out
 * @out_len: set to its length
 * @act:     set to the program's action
 *
 * BPF_PROG_TEST_RUN takes no data_in shorter than ETH_HLEN, so a shorter
 * frame goes behind XDP metadata, which the program never reads and which
 * must come back unchanged. Kernels that count the frame alone (6.18 does)
 * refuse that too: -EINVAL, and the case is skipped.
 *
 * Return: 0, -EPROTO when the metadata changed, or another -errno.
 */
int prog_run(int fd, __u32 ifindex, const __u8 *frame, __u32 len,
	     __u8 *out, __u32 *out_len, int *act)
{
	__u32 meta = len < ETH_HLEN ? (ETH_HLEN - len + 3) & ~3u : 0;
	__u8 in[META_MAX + FRAME_MAX], got[2 * FRAME_MAX];
	struct xdp_md md = {
		.data = meta,
		.data_end = meta + len,
		.ingress_ifindex = ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in,
		    .data_size_in = meta + len,
		    .data_out = got,
		    .data_size_out = sizeof(got),
		    .ctx_in = &md,
		    .ctx_size_in = sizeof(md));
	int err;

	memset(in, META_BYTE, meta);
	memcpy(in + meta, frame, len);
	err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		return err;
	if (opts.data_size_out < meta || memcmp(got, in, meta)) {
		note("the XDP metadata in front of the frame changed");
		return -EPROTO;
	}
	*out_len = opts.data_size_out - meta;
	memcpy(out, got + meta, *out_len);
	*act = opts.retval;
	return 0;
}
