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

static inline __u32 scmlb_rotl32(__u32 x, int r)
{
	return x << r | x >> (32 - r);
}

/* One block of MurmurHash3 (x86_32). */
static inline __u32 scmlb_hash_block(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = scmlb_rotl32(k, 15);
	k *= 0x1b873593;
	h ^= k;
	h = scmlb_rotl32(h, 13);
	return h * 5 + 0xe6546b64;
}

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

/**
 * scmlb_flow_hash() - MurmurHash3 of a client's 5-tuple
 * @k: the flow key as the client's packet has it (client -> VIP)
 *
 * The key holds wire-order fields; its words are read big-endian, so hosts
 * of either byte order agree.
 *
 * Return: the hash.
 */
static inline __u32 scmlb_flow_hash(const struct scmlb_flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u32 h = SCMLB_FLOW_HASH_SEED;
	unsigned int i;

	for (i = 0; i < sizeof(*k) / sizeof(__u32); i++)
		h = scmlb_hash_block(h, scmlb_be_word(w[i]));
	return scmlb_hash_final(h, sizeof(*k));
}

#endif /* SCMLB_HASH_H */
