/* SPDX-License-Identifier: GPL-2.0 */
/* dos.h - stage 3: DoS protection counts packets per source and stops floods */
#ifndef SCMLB_DOS_H
#define SCMLB_DOS_H

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

/**
 * dos_check() - count the packet against its class's policy; stop floods
 * @cfg: the instance's configuration
 * @st:  this CPU's counters
 * @p:   the parsed packet
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
				     struct scmlb_stats *st, const struct pkt *p)
{
	const struct scmlb_dos_policy *pol;
	struct scmlb_dos_count *c;
	struct scmlb_dos_key key;
	__u64 second, *drops;
	int class;

	if (!cfg->dos_policies)
		return SCMLB_CONTINUE;
	class = dos_class(p);
	if (class < 0)
		return SCMLB_CONTINUE;
	key.class = class;
	pol = bpf_map_lookup_elem(&dos_policies, &key.class);
	if (!pol || !pol->id)
		return SCMLB_CONTINUE;
	/* the bitmap first: other addresses pay no hash lookup */
	if (!vip_hinted(p->ip->daddr) || !vip_lookup(p))
		return SCMLB_CONTINUE;

	key.saddr = p->ip->saddr;
	/* whole seconds of jiffies; hz is never 0 once attached */
	second = bpf_jiffies64() / (cfg->hz ? cfg->hz : 250);
	c = bpf_map_lookup_elem(&dos_counts, &key);
	if (!c) {
		struct scmlb_dos_count first = { .second = second, .packets = 1 };

		bpf_map_update_elem(&dos_counts, &key, &first, BPF_ANY);
		return SCMLB_CONTINUE;
	}
	if (c->blocked)
		goto drop;
	if (c->second != second) {
		c->second = second;
		c->packets = 0;
	}
	if (++c->packets <= pol->limit)
		return SCMLB_CONTINUE;
	c->blocked = 1;
drop:
	drops = bpf_map_lookup_elem(&dos_drops, &key.class);
	if (drops)
		(*drops)++;
	st->dos_dropped++;
	return XDP_DROP;
}

#endif /* SCMLB_DOS_H */
