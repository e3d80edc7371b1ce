/* SPDX-License-Identifier: GPL-2.0 */
/* fw.h - stage 2: the firewall drops what any rule covering the source matches */
#ifndef SCMLB_FW_H
#define SCMLB_FW_H

#include "maps.h"
#include "parse.h"

/* Where a packet's walk over the rules covering its source stands. */
struct fw_walk {
	__u32 net;		/* network whose list is walked */
	__u32 rule;		/* next rule slot, SCMLB_FW_NONE at a list's end */
	__u32 hit;		/* matching rule slot, SCMLB_FW_NONE */
	__u32 hit_dos;		/* its dos_class: DoS class + 1, or 0 */
	__be32 saddr;
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 proto;
	__u8 has_ports;
};

static __always_inline int port_in(__u16 port, __u16 from, __u16 to)
{
	return port >= from && port <= to;
}

static __always_inline int fw_rule_matches(const struct scmlb_fw_rule *r,
					   const struct fw_walk *w)
{
	/* the network too: a walk that crossed a deleted rule may stray */
	if ((w->saddr & r->mask) != r->addr)
		return 0;
	if (r->proto && r->proto != w->proto)
		return 0;
	if (r->src_to && (!w->has_ports || !port_in(w->sport, r->src_from, r->src_to)))
		return 0;
	if (r->dst_to && (!w->has_ports || !port_in(w->dport, r->dst_from, r->dst_to)))
		return 0;
	return 1;
}

/* Steps taken inline before bpf_loop: a drop is mostly found in a rule or two. */
#define FW_INLINE_STEPS 3

/* One rule, or one step up to the enclosing network; 1 ends the walk. */
static __always_inline long fw_step_one(struct fw_walk *w)
{
	const struct scmlb_fw_rule *r;
	const struct scmlb_fw_net *n;

	if (w->rule == SCMLB_FW_NONE) {
		n = bpf_map_lookup_elem(&fw_net_info, &w->net);
		if (!n || n->parent == SCMLB_FW_NONE)
			return 1;
		w->net = n->parent;
		n = bpf_map_lookup_elem(&fw_net_info, &w->net);
		if (!n)
			return 1;
		w->rule = n->head;
		return 0;
	}
	r = bpf_map_lookup_elem(&fw_rules, &w->rule);
	if (!r)
		return 1;
	if (fw_rule_matches(r, w)) {
		w->hit = w->rule;
		w->hit_dos = r->dos_class;
		return 1;
	}
	w->rule = r->next;
	return 0;
}

static long fw_step(__u32 i, void *data)
{
	(void)i;
	return fw_step_one(data);
}

/**
 * fw_check() - drop the packet when a firewall rule matches it
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet
 *
 * A bitmap of /16s tells whether any rule's network overlaps the source's
 * /16; only then does one LPM lookup find the longest network holding the
 * source, and the walk see the rules of that network and of every network
 * around it. A packet costs what the rules covering its source cost, not
 * what the other rules do. No rules at all: no lookup.
 *
 * Return: XDP_DROP, or SCMLB_CONTINUE.
 */
static __always_inline int fw_check(const struct scmlb_config *cfg,
				    struct scmlb_stats *st, const struct pkt *p)
{
	struct scmlb_fw_key key = { .prefixlen = 32 };
	const struct scmlb_fw_hint *hint;
	const struct scmlb_fw_net *n;
	__u32 *slot, zero = 0, src16, i;
	struct fw_walk w;
	__u64 *drops;

	if (!cfg->fw_rules)
		return SCMLB_CONTINUE;
	hint = bpf_map_lookup_elem(&fw_hint, &zero);
	src16 = bpf_ntohl(p->ip->saddr) >> 16;
	if (!hint || !(hint->bits[src16 / 64] & (1ULL << (src16 % 64))))
		return SCMLB_CONTINUE;
	key.addr = p->ip->saddr;
	slot = bpf_map_lookup_elem(&fw_nets, &key);
	if (!slot)
		return SCMLB_CONTINUE;
	w.net = *slot;
	n = bpf_map_lookup_elem(&fw_net_info, &w.net);
	if (!n)
		return SCMLB_CONTINUE;
	w.rule = n->head;
	w.hit = SCMLB_FW_NONE;
	w.hit_dos = 0;
	w.saddr = p->ip->saddr;
	w.proto = p->proto;
	w.has_ports = p->has_ports;
	w.sport = bpf_ntohs(p->sport);
	w.dport = bpf_ntohs(p->dport);
	/*
	 * Each rule once, plus a step up per enclosing network. The first
	 * steps inline: a bpf_loop call costs more than a step.
	 */
#pragma unroll
	for (i = 0; i < FW_INLINE_STEPS; i++)
		if (fw_step_one(&w))
			goto walked;
	bpf_loop(SCMLB_FW_MAX_RULES + 33, fw_step, &w, 0);
walked:
	if (w.hit == SCMLB_FW_NONE)
		return SCMLB_CONTINUE;

	drops = bpf_map_lookup_elem(&fw_drops, &w.hit);
	if (drops)
		(*drops)++;
	/* a rule a DoS policy added: the policy's drops too */
	if (w.hit_dos) {
		w.hit_dos--;
		drops = bpf_map_lookup_elem(&dos_drops, &w.hit_dos);
		if (drops)
			(*drops)++;
	}
	st->fw_dropped++;
	return XDP_DROP;
}

#endif /* SCMLB_FW_H */
