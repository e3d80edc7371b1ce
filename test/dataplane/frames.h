/* SPDX-License-Identifier: GPL-2.0 */
/* frames.h - test frames: fresh checksums, exact compares, XDP test runs, TAP */
#ifndef SCMLB_TEST_FRAMES_H
#define SCMLB_TEST_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define IP4(a, b, c, d) ((__u32)(a) << 24 | (__u32)(b) << 16 | \
			 (__u32)(c) << 8 | (__u32)(d))

#define FRAME_MAX	256
/* XDP metadata may be at most 32 bytes, in 4-byte units. */
#define META_MAX	32
#define META_BYTE	0xee
#define PAD_BYTE	0x5a

#define IP_DF		0x4000
#define IP_MF		0x2000

#define TF_FIN		0x01
#define TF_SYN		0x02
#define TF_RST		0x04
#define TF_PSH		0x08
#define TF_ACK		0x10
#define TF_URG		0x20
#define TF_ECE		0x40
#define TF_CWR		0x80

/* A TCP frame's usual sequence and acknowledgment numbers. */
#define FRAME_SEQ	0x10000001
#define FRAME_ACK	0x20000001
/* What a client's ACK of a SYN-ACK with the usual numbers acknowledges. */
#define FRAME_SYN_ACKED	(FRAME_SEQ + 1)

/* A frame as the tests describe it; zero fields take the usual value. */
struct frame {
	const __u8 *src_mac;
	const __u8 *dst_mac;
	__u16 eth_proto;	/* 0: IPv4; else only the ethertype changes */
	__u8 ip_version;	/* 0: 4 */
	__u8 ihl;		/* 0: 5; above 5 the header carries options */
	__u16 frag_off;		/* 0: DF; else flags and offset */
	__u16 ip_id;		/* 0: 0x1c46 */
	__u16 tot_len;		/* 0: as built; else this, even wrong */
	__u32 saddr;
	__u32 daddr;
	__u8 proto;
	__u16 sport;
	__u16 dport;
	__u8 tcp_flags;
	__u32 seq;		/* 0: FRAME_SEQ */
	__u32 ack_seq;		/* 0: FRAME_ACK with ACK set, else 0 */
	__u8 doff;		/* 0: 5 */
	bool udp_csum_zero;	/* send UDP without a checksum */
	__u32 zero_csum_daddr;	/* UDP to this address sums to 0 */
	__u16 payload;		/* bytes after the L4 header */
	__u16 pad;		/* Ethernet trailer after the IP packet */
	__u16 cut;		/* nonzero: the frame's length, cut short */
};

static inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static inline __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static inline __u32 get32(const __u8 *p)
{
	return (__u32)get16(p) << 16 | get16(p + 2);
}

/* An IPv6 extension header of a struct frame6, chained in order. */
struct ext6 {
	__u8 type;		/* IPPROTO_HOPOPTS, _DSTOPTS, _ROUTING,
				 * _FRAGMENT, or any other number */
	__u8 len8;		/* its length is (len8 + 1) * 8; fragment: 8 */
	__u8 segs_left;		/* routing header */
	__u16 frag_offset;	/* fragment header, in 8-byte units */
	bool more;		/* fragment header's M flag */
	__u32 id;		/* fragment header; 0: 0xf00d0001 */
};

#define FRAME6_EXT_MAX 8

/* An IPv6 frame as the tests describe it; zero fields take the usual value. */
struct frame6 {
	const __u8 *src_mac;
	const __u8 *dst_mac;
	__u8 saddr[16];
	__u8 daddr[16];
	__u8 ip_version;	/* 0: 6 */
	__u8 hop_limit;		/* 0: 64 */
	__u8 tclass;
	__u32 flow_label;
	__u16 payload_len;	/* 0: as built; else this, even wrong */
	bool jumbo;		/* payload length 0 (a jumbogram's) */
	struct ext6 ext[FRAME6_EXT_MAX];	/* type 0 ends them but
						 * first: see n_ext */
	int n_ext;
	__u8 proto;		/* after the extension headers */
	__u16 sport;
	__u16 dport;
	__u8 tcp_flags;
	__u32 seq;		/* 0: FRAME_SEQ */
	__u32 ack_seq;		/* 0: FRAME_ACK with ACK set, else 0 */
	__u8 icmp_type;		/* IPPROTO_ICMPV6; 0: echo request */
	__u8 icmp_code;
	bool udp_csum_zero;	/* UDP checksum field 0 (invalid in IPv6) */
	const __u8 *zero_csum_daddr;	/* UDP to this address (and port
					 * zero_csum_dport) sums to 0 */
	__u16 zero_csum_dport;	/* 0: dport */
	__u16 payload;		/* bytes after the L4 header */
	__u16 pad;		/* Ethernet trailer after the IP packet */
	__u16 cut;		/* nonzero: the frame's length, cut short */
};

/* What became of a case. */
enum tap_result { RES_FAIL, RES_OK, RES_SKIP };

void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void notes_reset(void);
const char *notes_text(void);
void notes_print(void);
int tap_case(size_t n, const char *desc, enum tap_result res, const char *skip);

__u32 sum16(const __u8 *p, size_t len, __u32 sum);
__u16 sum_fold(__u32 sum);
__u32 sum_pseudo(const __u8 *ip, __u8 proto, __u32 len);
void udp_zero_word(const __u8 *ph, __u8 *l4, size_t l4len);

size_t l4_hdr_len(__u8 proto, __u8 doff);
size_t frame_build(const struct frame *f, __u8 *b);
size_t frame_build_icmp_err(const struct frame *f, __u8 type, __u8 code,
			    __u16 mtu, const struct frame *quoted,
			    size_t l4_bytes, __u8 *b);
bool csums_valid(const __u8 *b, size_t len);

void ip6_pton(const char *text, __u8 *addr);
__u32 sum_pseudo6(const __u8 *src, const __u8 *dst, __u8 proto, __u32 len);
size_t frame6_build(const struct frame6 *f, __u8 *b);
size_t frame6_l4_off(const __u8 *b, size_t len, __u8 *proto);
struct frame6 build_tcp6(const char *src, __u16 sport, const char *dst,
			 __u16 dport, __u8 flags);
struct frame6 build_udp6(const char *src, __u16 sport, const char *dst,
			 __u16 dport, __u16 payload);
bool csums_valid6(const __u8 *b, size_t len);
size_t frame6_build_icmp_err(const struct frame6 *f, __u8 type, __u8 code,
			     __u32 info, const struct frame6 *quoted,
			     size_t quote_max, __u8 *b);
bool frames_equal(const __u8 *exp, size_t elen, const __u8 *got, size_t glen);

const char *act_name(int act);
bool run_out_ok(int want, int act, const __u8 *exp, size_t elen,
		const __u8 *out, size_t olen);
int prog_run(int fd, __u32 ifindex, const __u8 *frame, __u32 len,
	     __u8 *out, __u32 *out_len, int *act);

#endif /* SCMLB_TEST_FRAMES_H */
