// SPDX-License-Identifier: GPL-2.0
/* bench_restore.bpf.c - harness: restore the frame, then tail-call the program under test */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bench.h"
#include "scmlb_hash.h"
#include "scmlb_structs.h"

/* The program under test, in slot 0; bench_pkt puts it there. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} bench_progs SEC(".maps");

/*
 * scmlb's conntrack of the flows a SYN opens (direct-mapped slots):
 * bench_pkt hands ct_opening's fd over before load, so that "conntrack
 * emptied between runs" can happen inside the run loop.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening_slot);
	__uint(max_entries, 1);
} bench_ct SEC(".maps");

/* The frame and the flow cursor; one CPU runs the benchmark, so no atomics. */
struct bench_cfg cfg;

/*
 * ct_opening_rep, ct_flows and ct_replies, for the runs that promote a
 * half-open flow (cfg.promote); bench_pkt hands them in too.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening_slot);
	__uint(max_entries, 1);
} bench_ct_rep SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, 1);
} bench_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, 1);
} bench_replies SEC(".maps");

/* ct6_opening, for an IPv6 new flow's run; bench_pkt hands it in too. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening6_slot);
	__uint(max_entries, 1);
} bench_ct6 SEC(".maps");

/*
 * An IPv6 run: flow 0 only (no address to move), taken out of
 * ct6_opening first when cfg.forget, as the IPv4 one below.
 */
static __always_inline void forget6(void *data, void *data_end)
{
	struct scmlb_flow6_key key = { .family = SCMLB_AF_INET6 };
	struct scmlb_opening6_slot *s;
	__u32 slot;

	if (data + BENCH6_OFF_DPORT + 2 > data_end)
		return;
	__builtin_memcpy(key.src_addr, data + BENCH6_OFF_SADDR, 16);
	__builtin_memcpy(key.dst_addr, data + BENCH6_OFF_DADDR, 16);
	key.src_port = *(__u16 *)(data + BENCH6_OFF_SPORT);
	key.dst_port = *(__u16 *)(data + BENCH6_OFF_DPORT);
	key.proto = *(__u8 *)(data + BENCH6_OFF_NEXTHDR);
	slot = scmlb_opening6_bucket(&key, cfg.opening_mask);
	s = bpf_map_lookup_elem(&bench_ct6, &slot);
	if (!(s && scmlb_flow6_key_equal(&s->key, &key))) {
		slot++;
		s = bpf_map_lookup_elem(&bench_ct6, &slot);
	}
	if (s && scmlb_flow6_key_equal(&s->key, &key))
		s->key.family = 0;
}

/* Slot @idx of the half-open map @map: @words, a struct scmlb_opening_slot. */
static __always_inline void slot_write(void *map, __u32 idx, const __u64 *words)
{
	__u64 *s = bpf_map_lookup_elem(map, &idx);
	int k;

	if (!s)
		return;
#pragma unroll
	for (k = 0; k < 9; k++)
		s[k] = words[k];
}

/*
 * A promotion's run: the flow the last run promoted leaves ct_flows and
 * ct_replies (each slot's key is its entry's), and its half-open slots
 * are back as the handshake left them. The baseline pays the same
 * writes; its deletes find nothing.
 */
static __always_inline void promote_restore(void)
{
	bpf_map_delete_elem(&bench_flows, cfg.promote_slot[0]);
	bpf_map_delete_elem(&bench_replies, cfg.promote_slot[1]);
	slot_write(&bench_ct, cfg.promote_idx[0], cfg.promote_slot[0]);
	slot_write(&bench_ct_rep, cfg.promote_idx[1], cfg.promote_slot[1]);
}

/* RFC 1624: the checksum after a 16-bit word changed from @from to @to. */
static __always_inline __u16 csum_replace2(__u16 check, __u16 from, __u16 to)
{
	__u32 sum = (__u16)~check + (__u16)~from + (__u32)to;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * BPF_PROG_TEST_RUN with repeat = N runs a program N times on one buffer:
 * from the second run on, a NAT would see its own output. Every run starts
 * here instead: it puts the original frame back, makes it flow cfg.next
 * and, for a new connection, empties that flow's half-open slot (for a
 * promotion, puts its half-open flow back), then jumps to the program
 * under test. Flow 0 changes nothing but costs the same as
 * any other, so the work here does not depend on the program and cancels
 * out with the baseline, which runs through here with the same cfg.
 */
SEC("xdp")
int bench_restore(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u16 *saddr_lo, *sport, *ip_check, *l4_check;
	__u16 old_addr, new_addr, new_port;
	__u64 *dst = data;
	__u32 i, off;
	int k;

	/* an ipip run prepended its outer header: take it off again */
	if (data + BENCH_FRAME_LEN < data_end) {
		if (bpf_xdp_adjust_head(ctx, (int)(data_end - data) -
					BENCH_FRAME_LEN))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		dst = data;
	}
	/* a SYN proxy run answered with a shorter frame: make room again */
	if (data + BENCH_FRAME_LEN > data_end) {
		if (bpf_xdp_adjust_tail(ctx, BENCH_FRAME_LEN -
					(int)(data_end - data)))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		dst = data;
	}
	if (data + BENCH_FRAME_LEN > data_end)
		return XDP_ABORTED;
#pragma unroll
	for (k = 0; k < BENCH_FRAME_LEN / 8; k++)
		dst[k] = cfg.frame[k];

	if (cfg.v6) {
		if (cfg.forget)
			forget6(data, data_end);
		bpf_tail_call(ctx, &bench_progs, 0);
		return XDP_ABORTED;
	}

	i = cfg.next;
	cfg.next = i + 1 == cfg.flows ? 0 : i + 1;

	saddr_lo = data + BENCH_OFF_SADDR + 2;
	sport = data + BENCH_OFF_SPORT;
	ip_check = data + BENCH_OFF_IP_CHECK;
	/* a variable offset: the verifier wants a bound and a check of its own */
	off = cfg.l4_check & (BENCH_FRAME_LEN - 2);
	l4_check = data + off;
	if ((void *)(l4_check + 1) > data_end)
		return XDP_ABORTED;

	old_addr = *saddr_lo;
	new_addr = bpf_htons((__u16)(cfg.saddr + (i >> BENCH_PORT_BITS)));
	new_port = bpf_htons(cfg.sport + (i & BENCH_PORT_MASK));
	*saddr_lo = new_addr;
	*ip_check = csum_replace2(*ip_check, old_addr, new_addr);
	/* the L4 checksum covers the address (pseudo-header) and the port */
	*l4_check = csum_replace2(*l4_check, old_addr, new_addr);
	*l4_check = csum_replace2(*l4_check, *sport, new_port);
	*sport = new_port;

	if (cfg.promote)
		promote_restore();
	/* a branch the baseline of the same path takes too */
	if (cfg.forget) {
		struct scmlb_flow_key key = {
			.src_addr = *(__u32 *)(data + BENCH_OFF_SADDR),
			.dst_addr = *(__u32 *)(data + BENCH_OFF_DADDR),
			.src_port = new_port,
			.dst_port = *(__u16 *)(data + BENCH_OFF_DPORT),
			.proto = *(__u8 *)(data + BENCH_OFF_PROTO),
			.family = SCMLB_AF_INET,
		};
		__u32 slot = scmlb_opening_bucket(&key, cfg.opening_mask);
		struct scmlb_opening_slot *s = bpf_map_lookup_elem(&bench_ct,
								   &slot);

		/* emptied as the data plane does it: the way that is this flow's */
		if (!(s && scmlb_flow_key_equal(&s->key, &key))) {
			slot++;
			s = bpf_map_lookup_elem(&bench_ct, &slot);
		}
		if (s && scmlb_flow_key_equal(&s->key, &key))
			s->key.family = 0;
	}

	bpf_tail_call(ctx, &bench_progs, 0);
	return XDP_ABORTED;	/* slot 0 empty: a broken set-up, not a result */
}

char LICENSE[] SEC("license") = "GPL";
