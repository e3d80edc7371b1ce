/* SPDX-License-Identifier: GPL-2.0 */
/* scmlb_hash.h - the flow hash Maglev tables are indexed by, for the data plane and the tools */
#ifndef SCMLB_HASH_H
#define SCMLB_HASH_H

#include <linux/types.h>

#include "scmlb_structs.h"

/*
 * Fixed, so that every load balancer (and a test computing the pick in C)
 * maps a flow to the same slot.
 */
#define SCMLB_FLOW_HASH_SEED 0x5c31b0a7

/* MurmurHash3's finaliser: every input bit reaches every output bit. */
static inline __u32 scmlb_hash_final(__u32 h, __u32 len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* A word of a key as its bytes read big-endian, on any host. */
static inline __u32 scmlb_be_word(__u32 w)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(w);
#else
	return w;
#endif
}

/* An address of either family as one word, in network order. */
static inline __be32 scmlb_addr_xor(const scmlb_addr_t a)
{
	return a[0] ^ a[1] ^ a[2] ^ a[3];
}

/* An address of either family as one word: IPv4's is its only one. */
static inline __u32 scmlb_addr_fold(const scmlb_addr_t a)
{
	return scmlb_be_word(scmlb_addr_xor(a));
}

/**
 * scmlb_flow_hash() - hash of a client's 5-tuple, for Maglev tables
 * @k: the flow key as the client's packet has it (client -> VIP)
 *
 * Four words, each address folded to one (an IPv4 address is its own
 * fold, so IPv6 flows will hash the same way), the two ports, the
 * protocol and family, each times its own odd constant, then
 * MurmurHash3's finaliser: a handful of instructions on every new flow.
 * Words are read big-endian, so hosts of either byte order agree.
 *
 * Return: the hash.
 */
_Static_assert(__builtin_offsetof(struct scmlb_flow_key, src_port) == 8 &&
	       __builtin_offsetof(struct scmlb_flow_key, proto) == 12,
	       "scmlb_flow_hash() reads the ports and the protocol as words");

static inline __u32 scmlb_flow_hash(const struct scmlb_flow_key *k)
{
	__u32 h, ports, proto;

	__builtin_memcpy(&ports, &k->src_port, sizeof(ports));
	__builtin_memcpy(&proto, &k->proto, sizeof(proto));
	h = scmlb_be_word(k->src_addr) * 0x9e3779b1U;
	h ^= scmlb_be_word(k->dst_addr) * 0x85ebca6bU;
	h ^= scmlb_be_word(ports) * 0xc2b2ae35U;
	h ^= (scmlb_be_word(proto) ^ SCMLB_FLOW_HASH_SEED) * 0x27d4eb2fU;
	return scmlb_hash_final(h, 16);
}

/**
 * scmlb_flow6_hash() - hash of an IPv6 client's 5-tuple, for Maglev tables
 * @k: the flow key as the client's packet has it (client -> VIP)
 *
 * scmlb_flow_hash() of the key with each address folded to one word: the
 * same spread and cost for both families, the family in the input.
 *
 * Return: the hash.
 */
static inline __u32 scmlb_flow6_hash(const struct scmlb_flow6_key *k)
{
	struct scmlb_flow_key folded = {
		.src_addr = scmlb_addr_xor(k->src_addr),
		.dst_addr = scmlb_addr_xor(k->dst_addr),
		.src_port = k->src_port,
		.dst_port = k->dst_port,
		.proto = k->proto,
		.family = k->family,
	};

	return scmlb_flow_hash(&folded);
}

/* The bit of lb_vip_hint an address sets (Fibonacci hashing of its fold). */
static inline __u32 scmlb_vip_hint_bit(const scmlb_addr_t a)
{
	return (scmlb_addr_fold(a) * 0x9e3779b1U) >> 16;
}

/*
 * The bit of fw6_hint an IPv6 source sets: its top 32 bits (@top, as on
 * the wire), Fibonacci hashed, so that a network of /32 or longer sets one.
 */
static inline __u32 scmlb_fw6_hint_bit(__be32 top)
{
	return (scmlb_be_word(top) * 0x9e3779b1U) >> 16;
}

/*
 * Whether two flow keys are the same 5-tuple, as four words: what a
 * half-open slot (ct_opening) is checked with before its entry is used.
 */
static inline int scmlb_flow_key_equal(const struct scmlb_flow_key *a,
				       const struct scmlb_flow_key *b)
{
	const __u32 *x = (const void *)a, *y = (const void *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* Whether two IPv6 flow keys are the same 5-tuple, as five 8-byte words. */
_Static_assert(sizeof(struct scmlb_flow6_key) == 5 * sizeof(__u64),
	       "scmlb_flow6_key_equal() compares five words");

static inline int scmlb_flow6_key_equal(const struct scmlb_flow6_key *a,
					const struct scmlb_flow6_key *b)
{
	const __u64 *x = (const void *)a, *y = (const void *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] &&
	       x[4] == y[4];
}

/*
 * A half-open map's (ct_opening's) slots come in buckets of two side by
 * side, two-way set associative: a new flow takes a free way of its
 * bucket, else the way idle the longer, so a live handshake loses its
 * entry only when two newer flows hash to its bucket within its round
 * trip, not one. Return: the bucket's first slot; the second is + 1.
 */
static inline __u32 scmlb_opening_bucket(const struct scmlb_flow_key *k,
					 __u32 mask)
{
	return scmlb_flow_hash(k) & mask & ~1U;
}

/* The bucket of ct6_opening and ct6_opening_rep, as scmlb_opening_bucket(). */
static inline __u32 scmlb_opening6_bucket(const struct scmlb_flow6_key *k,
					  __u32 mask)
{
	return scmlb_flow6_hash(k) & mask & ~1U;
}

/*
 * Of a bucket's two slots, neither holding the new entry's key, the one
 * it goes to: a free one (family 0), else the one idle the longer.
 */
static inline int scmlb_opening_way_free(__u8 family0, __u64 seen0,
					 __u8 family1, __u64 seen1)
{
	if (!family0)
		return 0;
	if (!family1)
		return 1;
	return seen1 < seen0;
}

/*
 * Of a bucket's two slots, keyed @k0 and @k1 (family 0: free) and idle
 * since @seen0 and @seen1, the one a new entry keyed @key goes to:
 * its own, else a free one, else the one idle the longer. Return: 0 or 1.
 */
static inline int scmlb_opening_way(const struct scmlb_flow_key *key,
				    const struct scmlb_flow_key *k0,
				    __u64 seen0,
				    const struct scmlb_flow_key *k1,
				    __u64 seen1)
{
	if (scmlb_flow_key_equal(k0, key))
		return 0;
	if (scmlb_flow_key_equal(k1, key))
		return 1;
	return scmlb_opening_way_free(k0->family, seen0, k1->family, seen1);
}

/* scmlb_opening_way() for the slots of ct6_opening and ct6_opening_rep. */
static inline int scmlb_opening6_way(const struct scmlb_flow6_key *key,
				     const struct scmlb_flow6_key *k0,
				     __u64 seen0,
				     const struct scmlb_flow6_key *k1,
				     __u64 seen1)
{
	if (scmlb_flow6_key_equal(k0, key))
		return 0;
	if (scmlb_flow6_key_equal(k1, key))
		return 1;
	return scmlb_opening_way_free(k0->family, seen0, k1->family, seen1);
}

#endif /* SCMLB_HASH_H */
