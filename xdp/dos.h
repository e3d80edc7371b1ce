/* SPDX-License-Identifier: GPL-2.0 */
/* dos.h - stage 3: DoS protection counts packets per source and stops floods */
#ifndef SCMLB_DOS_H
#define SCMLB_DOS_H

#include "bench_skip.h"
#include "maps.h"
#include "parse.h"
#include "svc.h"

/* The class of a packet, or -1 when no policy can watch it. */
static __always_inline int dos_class(const struct pkt *p)
{
	__u8 f = p->tcp_flags;

	if (p->proto == IPPROTO_UDP)
		return SCMLB_DOS_UDP;
	if (p->proto == IPPROTO_ICMP)
		return SCMLB_DOS_ICMP;
	if (p->proto != IPPROTO_TCP || !p->l4)
		return -1;
	if (f & TCPF_FIN)
		return SCMLB_DOS_TCP_FIN;
	if (f & TCPF_SYN)
		return SCMLB_DOS_TCP_SYN;
	if (f & TCPF_RST)
		return SCMLB_DOS_TCP_RST;
	if (f & TCPF_PSH)
		return SCMLB_DOS_TCP_PSH;
	if (f & TCPF_URG)
		return SCMLB_DOS_TCP_URG;
	if (f & TCPF_ECE)
		return SCMLB_DOS_TCP_ECE;
	if (f & TCPF_CWR)
		return SCMLB_DOS_TCP_CWR;
	return SCMLB_DOS_TCP_ACK;
}

/*
 * The end of dos_check() and dos6_check(): one more packet from the
 * source of @key (whose class is @key.class) in @counts (dos_counts or
 * dos6_counts); returns XDP_DROP, counted, once it crossed @pol's limit
 * within the second or came after it did, else SCMLB_CONTINUE. A macro,
 * not a function: IPv4's dos_check() compiles to what it was.
 */
#define DOS_COUNT(cfg, st, pol, counts, key)				\
	do {								\
		/* whole seconds of jiffies; hz is never 0 once attached */ \
		second = bpf_jiffies64() / ((cfg)->hz ? (cfg)->hz : 250); \
		c = bpf_map_lookup_elem(counts, &(key));		\
		if (!c) {						\
			struct scmlb_dos_count first = {		\
				.second = second, .packets = 1 };	\
									\
			bpf_map_update_elem(counts, &(key), &first, BPF_ANY); \
			return SCMLB_CONTINUE;				\
		}							\
		if (c->blocked)						\
			goto drop;					\
		if (c->second != second) {				\
			c->second = second;				\
			c->packets = 0;					\
		}							\
		if (++c->packets <= (pol)->limit)			\
			return SCMLB_CONTINUE;				\
		c->blocked = 1;						\
drop:									\
		drops = bpf_map_lookup_elem(&dos_drops, &(key).class);	\
		if (drops)						\
			(*drops)++;					\
		(st)->dos_dropped++;					\
		return XDP_DROP;					\
	} while (0)

/**
 * dos_check() - count the packet against its class's policy; stop floods
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet
 * @for_vip: whether it is surely for a VIP: a tracked flow's packet
 *	     (lb_ingress() counts after its conntrack lookup), which then
 *	     pays no lookup of lb_vips
 *
 * Only packets for a VIP count, and only they are dropped: the host's
 * own traffic (replies to its connections, packets to its addresses)
 * never does, so a flood spoofing a peer's address cannot cut the host
 * off from that peer. A source that sends more than the limit within
 * one second is dropped from then on, without waiting for scmlb-gc to
 * turn it into a firewall rule. Counts are not atomic: concurrent CPUs may lose an increment,
 * which only lets a flood cross the limit a packet or two later.
 *
 * Return: XDP_DROP, or SCMLB_CONTINUE.
 */
static __always_inline int dos_check(const struct scmlb_config *cfg,
				     struct scmlb_stats *st, const struct pkt *p,
				     int for_vip)
{
	const struct scmlb_dos_policy *pol;
	struct scmlb_dos_count *c;
	struct scmlb_dos_key key;
	__u64 second, *drops;
	int class;

	if (!cfg->dos_policies || bench_skip(SCMLB_SKIP_DOS))
		return SCMLB_CONTINUE;
	class = dos_class(p);
	if (class < 0)
		return SCMLB_CONTINUE;
	key.class = class;
	pol = bpf_map_lookup_elem(&dos_policies, &key.class);
	if (!pol || !pol->id)
		return SCMLB_CONTINUE;
	/* the bitmap first: other addresses pay no hash lookup */
	if (!for_vip && (!vip_hinted(p->ip->daddr) || !vip_lookup(p)))
		return SCMLB_CONTINUE;

	key.saddr = p->ip->saddr;
	DOS_COUNT(cfg, st, pol, &dos_counts, key);
}

/* @w with the bits past the first @keep cleared (@keep may be <= 0 or >= 32). */
static __always_inline __be32 dos6_mask_word(__be32 w, int keep)
{
	if (keep >= 32)
		return w;
	if (keep <= 0)
		return 0;
	return w & bpf_htonl(0xffffffffU << (32 - keep));
}

/* How much of an IPv6 source @class's policy @pol counts as one: /128 unless set. */
static __always_inline int dos6_prefixlen(const struct scmlb_dos_policy *pol,
					  __u32 class)
{
	const struct scmlb_dos6_prefix *pfx;

	pfx = bpf_map_lookup_elem(&dos6_prefix, &class);
	/* an entry of another policy is stale: that policy's, not this one's */
	if (!pfx || pfx->policy != pol->id || pfx->prefixlen < 32 ||
	    pfx->prefixlen > 128)
		return 128;
	return pfx->prefixlen;
}

/* The class of an IPv6 packet: ICMPv6 is a policy's icmp, but ND and MLD. */
static __always_inline int dos6_class(const struct pkt6 *p)
{
	struct pkt q = {
		.proto = p->proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : p->proto,
		.l4 = p->l4,
		.tcp_flags = p->tcp_flags,
	};
	int type = icmp6_type(p);

	if ((type >= ICMPV6_MLD_QUERY && type <= ICMPV6_ND_LAST) ||
	    type == ICMPV6_MLD2_REPORT)
		return -1;
	return dos_class(&q);
}

/* What DoS protection needs of an IPv6 packet, copied off it for scmlb_dos6_count(). */
struct dos6_src {
	__be32 saddr[4];
	__be32 daddr[4];
	__u32 class;			/* enum scmlb_dos_class */
	__u32 for_vip;			/* surely for a VIP: a tracked flow's */
};

/**
 * scmlb_dos6_count() - count an IPv6 packet of a class against its policy
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @q:   the packet's addresses and class
 *
 * As dos_check(), the source masked to its policy's prefix. A global
 * function: verified once, not through every stage of scmlb_main6.
 *
 * Return: XDP_DROP (counted) or SCMLB_CONTINUE.
 */
__noinline int scmlb_dos6_count(const struct scmlb_config *cfg,
				struct scmlb_stats *st, const struct dos6_src *q)
{
	struct scmlb_vip_key vip = { .family = SCMLB_AF_INET6 };
	const struct scmlb_dos_policy *pol;
	struct scmlb_dos6_key key;
	struct scmlb_dos_count *c;
	__u64 second, *drops;
	int len;

	if (!cfg || !st || !q)
		return SCMLB_CONTINUE;
	key.class = q->class;
	pol = bpf_map_lookup_elem(&dos_policies, &key.class);
	if (!pol || !pol->id)
		return SCMLB_CONTINUE;
	/* only packets for a VIP: the bitmap first, then lb_vips */
	__builtin_memcpy(vip.addr, q->daddr, sizeof(vip.addr));
	if (!q->for_vip && (!vip_addr_hinted(vip.addr) ||
			    !bpf_map_lookup_elem(&lb_vips, &vip)))
		return SCMLB_CONTINUE;
	len = dos6_prefixlen(pol, key.class);
	key.saddr[0] = dos6_mask_word(q->saddr[0], len);
	key.saddr[1] = dos6_mask_word(q->saddr[1], len - 32);
	key.saddr[2] = dos6_mask_word(q->saddr[2], len - 64);
	key.saddr[3] = dos6_mask_word(q->saddr[3], len - 96);
	DOS_COUNT(cfg, st, pol, &dos6_counts, key);
}

/**
 * dos6_check() - dos_check() for an IPv6 packet
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the packet, parse_l4_6() done
 * @for_vip: as dos_check()'s (lb_ingress6() counts its packets)
 *
 * The source counts as its /128, or as the /N its policy names
 * (scmlb-dos set --prefix-len N: one host owns a /64). Neighbour
 * discovery and MLD are never counted (main6 passes them before: this
 * is the second guard). Only packets for a VIP count, as for IPv4.
 *
 * Return: XDP_DROP, or SCMLB_CONTINUE.
 */
static __always_inline int dos6_check(const struct scmlb_config *cfg,
				      struct scmlb_stats *st,
				      const struct pkt6 *p, int for_vip)
{
	const __be32 *s = ip6_saddr(p), *d = ip6_daddr(p);
	struct dos6_src q;
	int class;

	if (!cfg->dos_policies || bench_skip(SCMLB_SKIP_DOS))
		return SCMLB_CONTINUE;
	class = dos6_class(p);
	if (class < 0)
		return SCMLB_CONTINUE;
	q = (struct dos6_src){
		.saddr = { s[0], s[1], s[2], s[3] },
		.daddr = { d[0], d[1], d[2], d[3] },
		.class = class,
		.for_vip = for_vip,
	};
	return scmlb_dos6_count(cfg, st, &q) == XDP_DROP ? XDP_DROP :
							   SCMLB_CONTINUE;
}

/* lb_new_flow()'s *opened when the SYN budget refused the flow. */
#define DOS_SYN_REFUSED (-1)

/*
 * Up to @b->chunk flows of the current second from the shared pool, 0
 * when it is spent. The second and the count share one word: a CPU that
 * sees a new second starts it with its own take, and no other CPU's take
 * of the old second can land in the new one.
 */
static __always_inline __u32 dos_syn_pool_take(const struct scmlb_syn_budget *b,
					       __u32 second)
{
	__u64 *pool, old, want;
	__u32 zero = 0, used, grant;
	int i;

	pool = bpf_map_lookup_elem(&dos_syn_pool, &zero);
	if (!pool)
		return 0;
	/* a lost race means another CPU took flows: retry a few times */
	for (i = 0; i < 4; i++) {
		old = *(volatile __u64 *)pool;
		used = (__u32)old;
		if ((__u32)(old >> 32) != second)
			used = 0;
		if (used >= b->limit)
			return 0;
		grant = b->limit - used < b->chunk ? b->limit - used : b->chunk;
		want = (__u64)second << 32 | (used + grant);
		if (__sync_val_compare_and_swap(pool, old, want) == old)
			return grant;
	}
	return 0;
}

/**
 * dos_syn_admit() - charge a new half-open TCP flow to the global budget
 * @opened: lb_new_flow()'s; set to DOS_SYN_REFUSED when the budget is spent
 *
 * Called where a SYN is about to open a flow of a service, before
 * conntrack is touched: a flood beyond the budget costs no conntrack
 * insert and evicts nothing. Each CPU spends a share it took from the
 * pool without atomics; once the pool is dry it stops asking until the
 * next second.
 *
 * Return: 1 when the flow may open, 0 when it is refused.
 */
static __always_inline int dos_syn_admit(int *opened)
{
	const struct scmlb_syn_budget *b;
	struct scmlb_syn_cpu *c;
	__u32 zero = 0, second;

	b = bpf_map_lookup_elem(&dos_syn_budget, &zero);
	/* a budget half written by scmlb-dos (no limit or chunk yet) is none */
	if (!b || !b->id || !b->limit || !b->chunk)
		return 1;
	c = bpf_map_lookup_elem(&dos_syn_cpu, &zero);
	if (!c)
		return 1;
	second = bpf_jiffies64() / (b->hz ? b->hz : 250);
	if (c->second != second) {
		c->second = second;
		c->tokens = 0;
		c->dry = 0;
	}
	if (!c->tokens && !c->dry) {
		c->tokens = dos_syn_pool_take(b, second);
		c->dry = !c->tokens;
	}
	if (c->tokens) {
		c->tokens--;
		return 1;
	}
	*opened = DOS_SYN_REFUSED;
	return 0;
}

/**
 * dos_syn_verdict() - what lb_ingress() does with a packet no flow took
 * @st:     this CPU's counters
 * @opened: lb_new_flow()'s
 *
 * Return: XDP_DROP, counted, for a SYN over the global budget;
 * SCMLB_CONTINUE (the kernel's packet) for anything else.
 */
static __always_inline int dos_syn_verdict(struct scmlb_stats *st, int opened)
{
	if (opened != DOS_SYN_REFUSED)
		return SCMLB_CONTINUE;
	st->syn_budget_dropped++;
	return XDP_DROP;
}

#endif /* SCMLB_DOS_H */
