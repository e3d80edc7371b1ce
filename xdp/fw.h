/* SPDX-License-Identifier: GPL-2.0 */
/* fw.h - stage 2: the firewall drops what any rule covering the source matches */
#ifndef SCMLB_FW_H
#define SCMLB_FW_H

#include "bench_skip.h"
#include "maps.h"
#include "parse.h"

/* Where a packet's walk over the rules covering its source stands. */
struct fw_walk {
	__u32 net;		/* network whose list is walked (of its family) */
	__u32 rule;		/* next rule slot, SCMLB_FW_NONE at a list's end */
	__u32 hit;		/* matching rule slot, SCMLB_FW_NONE */
	__u32 hit_dos;		/* its dos_class: DoS class + 1, or 0 */
	__u8 hit_proto;		/* its protocol */
	__u8 hit_any_port;	/* it matches every port */
	__be32 saddr;		/* IPv4: the source; IPv6 walks compare net */
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 proto;		/* IPv6: ICMPv6 as IPPROTO_ICMP */
	__u8 has_ports;
};

/* What both families' networks start with, so that one walk steps over either. */
struct fw_links {
	__u32 head;
	__u32 parent;
};
_Static_assert(__builtin_offsetof(struct scmlb_fw_net, parent) == 4 &&
	       __builtin_offsetof(struct scmlb_fw6_net, parent) == 4,
	       "scmlb_fw_net and scmlb_fw6_net start with struct fw_links");

static __always_inline int port_in(__u16 port, __u16 from, __u16 to)
{
	return port >= from && port <= to;
}

/* The protocol and the ports of a rule: the same for both families. */
static __always_inline int fw_rule_fits(const struct scmlb_fw_rule *r,
					const struct fw_walk *w)
{
	if (r->proto && r->proto != w->proto)
		return 0;
	if (r->src_to && (!w->has_ports || !port_in(w->sport, r->src_from, r->src_to)))
		return 0;
	if (r->dst_to && (!w->has_ports || !port_in(w->dport, r->dst_from, r->dst_to)))
		return 0;
	return 1;
}

/*
 * The network too: a walk that crossed a deleted rule may stray. An IPv6
 * rule's addr (~0 under mask 0) matches no IPv4 source.
 */
static __always_inline int fw_rule_matches(const struct scmlb_fw_rule *r,
					   const struct fw_walk *w)
{
	return (w->saddr & r->mask) == r->addr && fw_rule_fits(r, w);
}

/* An IPv6 rule's address lives in its network: the network walked says it. */
static __always_inline int fw6_rule_matches(const struct scmlb_fw_rule *r,
					    const struct fw_walk *w)
{
	return r->family == SCMLB_AF_INET6 && r->net == w->net &&
	       fw_rule_fits(r, w);
}

/* Steps taken inline before bpf_loop: a drop is mostly found in a rule or two. */
#define FW_INLINE_STEPS 3

/*
 * One rule, or one step up to the enclosing network, over the networks of
 * @info (fw_net_info or fw6_net_info), a rule matching when @matches(r, w)
 * says so; 1 ends the walk. A macro, not a function taking the family:
 * IPv4's walk compiles to what it was.
 */
#define FW_STEP(w, info, matches)					\
	do {								\
		const struct scmlb_fw_rule *r;				\
		const struct fw_links *n;				\
									\
		if ((w)->rule == SCMLB_FW_NONE) {			\
			n = bpf_map_lookup_elem(info, &(w)->net);	\
			if (!n || n->parent == SCMLB_FW_NONE)		\
				return 1;				\
			(w)->net = n->parent;				\
			n = bpf_map_lookup_elem(info, &(w)->net);	\
			if (!n)						\
				return 1;				\
			(w)->rule = n->head;				\
			return 0;					\
		}							\
		r = bpf_map_lookup_elem(&fw_rules, &(w)->rule);		\
		if (!r)							\
			return 1;					\
		if (matches(r, w)) {					\
			(w)->hit = (w)->rule;				\
			(w)->hit_dos = r->dos_class;			\
			(w)->hit_proto = r->proto;			\
			(w)->hit_any_port = !r->src_to && !r->dst_to;	\
			return 1;					\
		}							\
		(w)->rule = r->next;					\
		return 0;						\
	} while (0)

static __always_inline long fw_step_one(struct fw_walk *w)
{
	FW_STEP(w, &fw_net_info, fw_rule_matches);
}

static long fw_step(__u32 i, void *data)
{
	(void)i;
	return fw_step_one(data);
}

/*
 * The rules' generation. Every rule added raises next_fw_id and the
 * count, every rule deleted lowers the count (a killed delete leaves it
 * too high, never too low), so this grows with each change, whichever
 * tool or version made it; SCMLB_CFG_FW_BUSY is set while one is under way.
 */
static __always_inline __u32 fw_gen(const struct scmlb_config *cfg)
{
	return 2 * cfg->next_fw_id - cfg->fw_rules;
}

/* @saddr's entry in fw_recent: a multiplicative hash, no helper call. */
static __always_inline __u32 fw_recent_slot(__be32 saddr)
{
	_Static_assert((SCMLB_FW_RECENT_SLOTS & (SCMLB_FW_RECENT_SLOTS - 1)) == 0,
		       "fw_recent_slot() takes the top bits");
	return ((__u32)saddr * 0x9e3779b1u) >>
	       (32 - __builtin_ctz(SCMLB_FW_RECENT_SLOTS));
}

/*
 * The walk over the rules covering @p's source: w->hit is the first that
 * matches, or SCMLB_FW_NONE. Return: the rule it met first.
 */
static __always_inline __u32 fw_walk(const struct pkt *p, struct fw_walk *w)
{
	struct scmlb_fw_key key = { .prefixlen = 32 };
	const struct scmlb_fw_net *n;
	__u32 *slot, first, i;

	w->hit = SCMLB_FW_NONE;
	key.addr = p->ip->saddr;
	slot = bpf_map_lookup_elem(&fw_nets, &key);
	if (!slot)
		return SCMLB_FW_NONE;
	w->net = *slot;
	n = bpf_map_lookup_elem(&fw_net_info, &w->net);
	if (!n)
		return SCMLB_FW_NONE;
	w->rule = n->head;
	first = w->rule;
	w->hit_dos = 0;
	w->saddr = p->ip->saddr;
	w->proto = p->proto;
	w->has_ports = p->has_ports;
	w->sport = bpf_ntohs(p->sport);
	w->dport = bpf_ntohs(p->dport);
	/*
	 * Each rule once, plus a step up per enclosing network. The first
	 * steps inline: a bpf_loop call costs more than a step.
	 */
#pragma unroll
	for (i = 0; i < FW_INLINE_STEPS; i++)
		if (fw_step_one(w))
			return first;
	bpf_loop(SCMLB_FW_MAX_RULES + 33, fw_step, w, 0);
	return first;
}

/*
 * Whether any rule could cover @p's source: a rule's network overlaps
 * the source's /16 (fw_hint). Most traffic stops here when rules exist.
 */
static __always_inline int fw_source_covered(const struct scmlb_config *cfg,
					     const struct pkt *p)
{
	const struct scmlb_fw_hint *hint;
	__u32 zero = 0, src16;

	if (!cfg->fw_rules || bench_skip(SCMLB_SKIP_FW))
		return 0;
	hint = bpf_map_lookup_elem(&fw_hint, &zero);
	src16 = bpf_ntohl(p->ip->saddr) >> 16;
	return hint && (hint->bits[src16 / 64] & (1ULL << (src16 % 64)));
}

/* @rule dropped the packet: its counters, its DoS policy's, the CPU's */
static __always_inline int fw_drop(struct scmlb_stats *st, __u32 rule,
				   __u32 dos_class)
{
	__u64 *drops;

	drops = bpf_map_lookup_elem(&fw_drops, &rule);
	if (drops)
		(*drops)++;
	/* a rule a DoS policy added: the policy's drops too */
	if (dos_class) {
		dos_class--;
		drops = bpf_map_lookup_elem(&dos_drops, &dos_class);
		if (drops)
			(*drops)++;
	}
	st->fw_dropped++;
	return XDP_DROP;
}

/* Whether this CPU's fw_recent may be read or written: no rule write under way. */
static __always_inline int fw_steady(const struct scmlb_config *cfg)
{
	return !(cfg->flags & SCMLB_CFG_FW_BUSY);
}

/**
 * fw_recall() - drop a flooding source this CPU remembers
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the packet, parse_ip() enough: the recall needs no port
 *
 * When the rule that dropped a source matches all of its traffic (of one
 * protocol, any port) and is the first its walk meets, fw_walk_check()
 * remembers source and rule in this CPU's fw_recent; the source's next
 * packets go straight to that rule's counters while the rules stay as they
 * were (fw_gen(), and no write under way): the same verdict and counters
 * as the walk, without the trie, the walk or the L4 header.
 *
 * Return: XDP_DROP, or SCMLB_CONTINUE.
 */
static __always_inline int fw_recall(const struct scmlb_config *cfg,
				     struct scmlb_stats *st, const struct pkt *p)
{
	const struct scmlb_fw_recent *seen;
	__u32 i = fw_recent_slot(p->ip->saddr);

	seen = bpf_map_lookup_elem(&fw_recent, &i);
	if (seen && fw_steady(cfg) && seen->used &&
	    seen->saddr == p->ip->saddr && seen->gen == fw_gen(cfg) &&
	    (!seen->proto || seen->proto == p->proto))
		return fw_drop(st, seen->rule, seen->dos_class);
	return SCMLB_CONTINUE;
}

/**
 * fw_walk_check() - drop the packet when a firewall rule matches it
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet, its source fw_source_covered()
 *
 * One LPM lookup finds the longest network holding the source, and the
 * walk sees the rules of that network and of every network around it: a
 * packet costs what the rules covering its source cost, not what the
 * other rules do. A rule fw_recall() can stand for is remembered.
 *
 * Return: XDP_DROP, or SCMLB_CONTINUE.
 */
static __always_inline int fw_walk_check(const struct scmlb_config *cfg,
					 struct scmlb_stats *st,
					 const struct pkt *p)
{
	struct scmlb_fw_recent *seen;
	__u32 gen, first, i;
	struct fw_walk w;
	int steady;

	/* read once, before the walk: a change during it voids what it finds */
	gen = fw_gen(cfg);
	steady = fw_steady(cfg);
	first = fw_walk(p, &w);
	if (w.hit == SCMLB_FW_NONE)
		return SCMLB_CONTINUE;
	/* the first rule met, for all ports: the source's every packet's */
	i = fw_recent_slot(p->ip->saddr);
	seen = bpf_map_lookup_elem(&fw_recent, &i);
	if (seen && steady && w.hit == first && w.hit_any_port) {
		seen->saddr = p->ip->saddr;
		seen->gen = gen;
		seen->rule = w.hit;
		seen->dos_class = w.hit_dos;
		seen->proto = w.hit_proto;
		seen->used = 1;
	}
	return fw_drop(st, w.hit, w.hit_dos);
}

/**
 * fw_check() - the whole firewall stage: covered, recalled, or walked
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet
 *
 * No rules, or none whose network overlaps the source's /16: no lookup.
 *
 * Return: XDP_DROP, or SCMLB_CONTINUE.
 */
static __always_inline int fw_check(const struct scmlb_config *cfg,
				    struct scmlb_stats *st, const struct pkt *p)
{
	if (!fw_source_covered(cfg, p))
		return SCMLB_CONTINUE;
	if (fw_recall(cfg, st, p) == XDP_DROP)
		return XDP_DROP;
	return fw_walk_check(cfg, st, p);
}

#endif /* SCMLB_FW_H */
