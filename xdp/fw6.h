/* SPDX-License-Identifier: GPL-2.0 */
/* fw6.h - the firewall stage for IPv6 sources: fw6_nets, fw6_net_info, fw_rules */
#ifndef SCMLB_FW6_H
#define SCMLB_FW6_H

#include "bench_skip.h"
#include "fw.h"
#include "parse6.h"
#include "scmlb_hash.h"

/* What the IPv6 firewall needs of a packet, copied off it for scmlb_fw6_walk(). */
struct fw6_src {
	__be32 saddr[4];
	__u16 sport;			/* host order */
	__u16 dport;
	__u8 proto;			/* ICMPv6 as IPPROTO_ICMP: a rule's icmp */
	__u8 has_ports;
	__u16 pad;
};

static __always_inline const __be32 *fw6_saddr(const struct pkt6 *p)
{
	return p->ip6->saddr.in6_u.u6_addr32;
}

/* @saddr's entry in fw6_recent: the folded address, hashed as IPv4's. */
static __always_inline __u32 fw6_recent_slot(const __be32 *saddr)
{
	return fw_recent_slot(saddr[0] ^ saddr[1] ^ saddr[2] ^ saddr[3]);
}

static __always_inline long fw6_step_one(struct fw_walk *w)
{
	FW_STEP(w, &fw6_net_info, fw6_rule_matches);
}

static long fw6_step(__u32 i, void *data)
{
	(void)i;
	return fw6_step_one(data);
}

/*
 * fw_walk() for an IPv6 source: the longest network of fw6_nets, then
 * every network around it. Return: the rule it met first.
 */
static __always_inline __u32 fw6_walk(const struct fw6_src *q,
				      struct fw_walk *w)
{
	struct scmlb_fw6_key key = { .prefixlen = 128 };
	const struct scmlb_fw6_net *n;
	__u32 *slot, first, i;

	w->hit = SCMLB_FW_NONE;
	__builtin_memcpy(key.addr, q->saddr, sizeof(key.addr));
	slot = bpf_map_lookup_elem(&fw6_nets, &key);
	if (!slot)
		return SCMLB_FW_NONE;
	w->net = *slot;
	n = bpf_map_lookup_elem(&fw6_net_info, &w->net);
	if (!n)
		return SCMLB_FW_NONE;
	w->rule = n->head;
	first = w->rule;
	w->hit_dos = 0;
	w->saddr = 0;
	w->proto = q->proto;
	w->has_ports = q->has_ports;
	w->sport = q->sport;
	w->dport = q->dport;
#pragma unroll
	for (i = 0; i < FW_INLINE_STEPS; i++)
		if (fw6_step_one(w))
			return first;
	bpf_loop(SCMLB_FW_MAX_RULES + 129, fw6_step, w, 0);
	return first;
}

/**
 * scmlb_fw6_walk() - fw_recall() then fw_walk_check() for an IPv6 source
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @q:   the packet's source, protocol and ports
 *
 * A source this CPU remembers (fw6_recent) goes straight to its rule's
 * counters while the rules stay as they were; else every rule whose
 * network holds the source is seen, and one fw6_recent can stand for is
 * remembered. A global function: verified once, not through every stage
 * of scmlb_main6 around it.
 *
 * Return: 1 when a rule dropped the packet (counted), else 0.
 */
__noinline int scmlb_fw6_walk(const struct scmlb_config *cfg,
			      struct scmlb_stats *st, const struct fw6_src *q)
{
	struct scmlb_fw6_recent *seen;
	__u32 gen, first, i;
	struct fw_walk w;
	int steady;

	if (!cfg || !st || !q)
		return 0;
	/* read once, before the walk: a change during it voids what it finds */
	gen = fw_gen(cfg);
	steady = fw_steady(cfg);
	i = fw6_recent_slot(q->saddr);
	seen = bpf_map_lookup_elem(&fw6_recent, &i);
	if (seen && steady && seen->used && seen->gen == gen &&
	    seen->saddr[0] == q->saddr[0] && seen->saddr[1] == q->saddr[1] &&
	    seen->saddr[2] == q->saddr[2] && seen->saddr[3] == q->saddr[3] &&
	    (!seen->proto || seen->proto == q->proto)) {
		fw_drop(st, seen->rule, seen->dos_class);
		return 1;
	}
	first = fw6_walk(q, &w);
	if (w.hit == SCMLB_FW_NONE)
		return 0;
	if (seen && steady && w.hit == first && w.hit_any_port) {
		__builtin_memcpy(seen->saddr, q->saddr, sizeof(seen->saddr));
		seen->gen = gen;
		seen->rule = w.hit;
		seen->dos_class = w.hit_dos;
		seen->proto = w.hit_proto;
		seen->used = 1;
	}
	fw_drop(st, w.hit, w.hit_dos);
	return 1;
}

/* fw6_source_covered() of a source whose top 32 bits are @top. */
static __always_inline int fw6_addr_covered(const struct scmlb_config *cfg,
					    __be32 top)
{
	const struct scmlb_fw6_hint *hint;
	__u32 zero = 0, bit;

	if (!cfg->fw_rules || bench_skip(SCMLB_SKIP_FW))
		return 0;
	hint = bpf_map_lookup_elem(&fw6_hint, &zero);
	if (!hint)
		return 0;
	if (hint->short_nets)
		return 1;
	bit = scmlb_fw6_hint_bit(top);
	return hint->bits[(bit / 64) & 1023] >> (bit % 64) & 1;
}

/**
 * fw6_source_covered() - whether any rule could cover @p's IPv6 source
 * @cfg: the instance's configuration
 * @p:   the packet, parse_ip6() enough
 *
 * A network of /32 or longer sets the fw6_hint bit of its top 32 bits;
 * shorter ones exist (short_nets): every source is walked.
 *
 * Return: 1 when the source must be looked up, else 0.
 */
static __always_inline int fw6_source_covered(const struct scmlb_config *cfg,
					      const struct pkt6 *p)
{
	return fw6_addr_covered(cfg, fw6_saddr(p)[0]);
}

/**
 * fw6_check() - the firewall stage for an IPv6 packet
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the packet, parse_l4_6() done
 *
 * No rules, or none whose network may hold the source: no lookup. Every
 * rule whose network holds the source counts, port ranges as for IPv4,
 * and an icmp rule matches ICMPv6.
 *
 * Return: XDP_DROP, or SCMLB_CONTINUE.
 */
static __always_inline int fw6_check(const struct scmlb_config *cfg,
				     struct scmlb_stats *st,
				     const struct pkt6 *p)
{
	const __be32 *src = fw6_saddr(p);
	struct fw6_src q;

	/* the walk's query is built only for a source a rule may cover */
	if (!fw6_source_covered(cfg, p))
		return SCMLB_CONTINUE;
	q = (struct fw6_src){
		.saddr = { src[0], src[1], src[2], src[3] },
		.sport = bpf_ntohs(p->sport),
		.dport = bpf_ntohs(p->dport),
		.proto = p->proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : p->proto,
		.has_ports = p->has_ports,
	};
	return scmlb_fw6_walk(cfg, st, &q) ? XDP_DROP : SCMLB_CONTINUE;
}

#endif /* SCMLB_FW6_H */
