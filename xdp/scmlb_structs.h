/* SPDX-License-Identifier: GPL-2.0 */
/* scmlb_structs.h - map keys and values shared by the data plane and the tools */
#ifndef SCMLB_STRUCTS_H
#define SCMLB_STRUCTS_H

#include <linux/types.h>

#include "scmlb_consts.h"

/* The one entry of lb_config: what scmlb-attach was told, and tool state. */
struct scmlb_config {
	__u32 layout_version;		/* SCMLB_LAYOUT_VERSION; 0 until attached */
	__u32 upstream_ifindex;
	__u8 upstream_mac[6];		/* source MAC of replies to clients */
	__u8 mode;			/* enum scmlb_attach_mode */
	__u8 flags;			/* enum scmlb_config_flags */
	__u32 conntrack_size;		/* flows ct_flows holds; see SCMLB_CT_OPENING_SIZE */
	__u32 attach_service;		/* the service of attach -v, or 0 */
	__u32 next_backend_id;		/* ids are never reused */
	__u32 next_service_id;
	__u32 fw_rules;			/* 0: the firewall stage is skipped */
	__u32 next_fw_id;
	__u32 dos_policies;		/* 0: the DoS stage is skipped */
	__u32 next_dos_id;
	__u32 fw_net_slots;		/* fw_net_info slots ever used */
	__u32 hz;			/* jiffies per second, measured by attach */
	__u64 ref_jiffies;		/* jiffies at ref_mono_ns, for the tools */
	__u64 ref_mono_ns;		/* CLOCK_MONOTONIC */
	__u32 fw6_net_slots;		/* fw6_net_info slots ever used (4.5) */
	__u32 reserved[5];
};
_Static_assert(sizeof(struct scmlb_config) == 96, "scmlb_config layout");

/*
 * An address of either family: IPv4 in addr[0], the rest zero. Keys and
 * structs carry it whole so that IPv6 needs no new layout.
 */
typedef __be32 scmlb_addr_t[4];

/* Key of lb_vips: an address that carries services. */
struct scmlb_vip_key {
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6 */
	__u8 pad[3];
	scmlb_addr_t addr;
};
_Static_assert(sizeof(struct scmlb_vip_key) == 20, "scmlb_vip_key layout");

/*
 * What a packet for a VIP needs to find its service without a second
 * lookup in the common case: the any-port services are here, and
 * lb_svc_ids is only consulted when the VIP has port services.
 */
struct scmlb_vip {
	__u32 port_services;		/* services of this VIP with a port */
	__u32 any_port[SCMLB_ANY_N];	/* enum scmlb_vip_any: service id or 0 */
};
_Static_assert(sizeof(struct scmlb_vip) == 16, "scmlb_vip layout");

/*
 * Bit scmlb_vip_hint_bit(addr) set: addr may be a VIP. Packets to other
 * addresses skip every lookup of the LB stages; a set bit still needs
 * conntrack or lb_vips to say yes.
 */
struct scmlb_vip_hint {
	__u64 bits[SCMLB_VIP_HINT_BITS / 64];
};

/* Key of lb_svc_ids: what a service matches. */
struct scmlb_svc_key {
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6 */
	__u8 proto;			/* 0 any, IPPROTO_TCP, IPPROTO_UDP */
	__be16 port;			/* 0: every port */
	scmlb_addr_t addr;		/* the VIP */
};
_Static_assert(sizeof(struct scmlb_svc_key) == 20, "scmlb_svc_key layout");

/* A service, in lb_services at slot id % SCMLB_MAX_SERVICES. */
struct scmlb_service {
	__u32 id;			/* 0: free slot */
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6 */
	__u8 proto;			/* 0 any, IPPROTO_TCP, IPPROTO_UDP */
	__be16 port;			/* 0: every port */
	scmlb_addr_t vip;
	__u8 scheduler;			/* enum scmlb_scheduler */
	__u8 forward;			/* enum scmlb_forward */
	__u8 flags;			/* enum scmlb_service_flags */
	__u8 pad;
	__u32 reserved[5];
};
_Static_assert(sizeof(struct scmlb_service) == 48, "scmlb_service layout");

/*
 * A backend of one service; the data plane reads only the fields before
 * name. The same address may serve several services, each its own backend.
 */
struct scmlb_backend {
	__u32 id;			/* 0: free slot */
	__u32 service_id;
	scmlb_addr_t addr;
	__u32 ifindex;			/* our interface toward it */
	__u8 mac[6];			/* its MAC (or its gateway's) */
	__u8 if_mac[6];			/* MAC of ifindex: frames' source */
	__be16 port;			/* 0: the client's destination port */
	__u16 weight;			/* 1..65535 */
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6 */
	__u8 status;			/* enum scmlb_backend_status */
	__u8 health;			/* enum scmlb_backend_health */
	__u8 pad;
	__u16 health_fails;		/* consecutive failed checks */
	__u16 pad2;
	__u32 reserved;
	char name[SCMLB_NAME_LEN];
	char healthcheck[SCMLB_URL_LEN];
};
_Static_assert(sizeof(struct scmlb_backend) == 216, "scmlb_backend layout");

/*
 * An entry of a service's table in lb_pair_tables: slots 2k and 2k + 1
 * of the length-then-ids sequence, as the kernel keeps an array map's
 * values in 8 bytes each whatever their size. The map declares __u32[2]:
 * clang would give its BTF this struct's name only.
 */
struct scmlb_id_pair {
	__u32 id[2];
};
_Static_assert(sizeof(struct scmlb_id_pair) == 8, "scmlb_id_pair layout");

/*
 * Key of lb_reply_index: where a backend's reply comes from. @proto is
 * the packet's (TCP or UDP: a service of every protocol has a key for
 * each); @port is the backend's in a port service: any-port services
 * are not in the index.
 */
struct scmlb_reply_key {
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6 */
	__u8 proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	__be16 port;			/* the backend's */
	scmlb_addr_t addr;		/* the backend's */
};
_Static_assert(sizeof(struct scmlb_reply_key) == 20, "scmlb_reply_key layout");

/*
 * Value of lb_reply_index: the VIP and port a reply without a conntrack
 * entry is returned from, when its source names one service only.
 */
struct scmlb_reply_to {
	scmlb_addr_t vip;
	__be16 port;			/* the service's; 0: the reply's own */
	__u16 pad;
	__u32 service_id;		/* 0: not translated (older markers) */
	__u32 backend_id;		/* the one backend at the key */
};
_Static_assert(sizeof(struct scmlb_reply_to) == 28, "scmlb_reply_to layout");

/*
 * An IPv4 packet's 5-tuple as it is on the wire: a client's packet is
 * keyed client -> VIP, a backend's reply backend -> client. IPv4 flows
 * have conntrack maps of their own, as in Cilium, and IPv6 gets its
 * own pair: a lookup hashes and compares 16 bytes here, not 40, which
 * is a tenth of an established packet's cost.
 */
struct scmlb_flow_key {
	__be32 src_addr;
	__be32 dst_addr;
	__be16 src_port;
	__be16 dst_port;
	__u8 proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;			/* SCMLB_AF_INET */
	__u8 pad[2];
};
_Static_assert(sizeof(struct scmlb_flow_key) == 16, "scmlb_flow_key layout");

/*
 * One direction of a flow: the client's entry (ct_flows) holds the state,
 * the reply entry (ct_replies) lets a backend's packet find the VIP it
 * must come from.
 */
struct scmlb_flow {
	__u64 last_seen;		/* jiffies (see scmlb_config.hz); the
					 * client's: of either direction, to a
					 * second */
	__u64 packets;			/* in this entry's direction */
	__u32 backend_id;
	__u32 service_id;
	union {
		scmlb_addr_t nat_addr;	/* client's entry: backend; reply: VIP */
		/* an IPv4 flow uses word 0 only: a SYN proxy's offsets */
		struct {
			__be32 nat_addr4;
			__u32 proxy_seq;	/* backend's ISN - scmlb's cookie
						 * (host order); before the backend's
						 * SYN-ACK: the cookie */
			__u32 proxy_ts;		/* backend's TSval - scmlb's; before:
						 * scmlb's SYN-ACK's TSval */
			__u16 proxy_win;	/* before: the client's window in
						 * its ACK; after: unused */
			__u8 proxy_wscale;	/* after: the backend's window scale,
						 * 0xff none */
			__u8 proxy_pad;
		};
	};
	__be16 nat_port;		/* the port that goes with nat_addr */
	__u8 client_mac[6];		/* next hop toward the client */
	__u8 state;			/* enum scmlb_flow_state (client's entry) */
	__u8 flags;			/* enum scmlb_flow_flags */
	__u8 forward;			/* enum scmlb_forward, as the flow
					 * opened (4.3; 0, nat, before) */
	__u8 pad;
	union {
		__u32 synced;		/* reply: low jiffies when it last set
					 * the client's last_seen */
		__u32 syn_ack_next;	/* client's, opening: the backend's
					 * ISN + 1, what the client's ACK of
					 * the SYN-ACK acknowledges (host
					 * order) */
	};
};
_Static_assert(sizeof(struct scmlb_flow) == 56, "scmlb_flow layout");

/*
 * Per-CPU SYN proxy counters of one service (--syn-proxy), in
 * lb_svc_stats at the service's slot (layout 4.6).
 */
struct scmlb_svc_stats {
	__u64 syn_acks;			/* cookie SYN-ACKs sent to clients */
	__u64 cookies_valid;		/* ACKs whose cookie opened a flow */
	__u64 cookies_invalid;		/* ACKs without a valid cookie: reset */
	__u64 backend_handshakes;	/* backends' SYN-ACKs answered */
};
_Static_assert(sizeof(struct scmlb_svc_stats) == 32, "scmlb_svc_stats layout");

/*
 * A --syn-proxy flow's offsets: an IPv4 flow's in its entries' nat_addr
 * words 1-3 (scmlb_flow.proxy_seq on), an IPv6 flow's in ct6_proxy under
 * its client's key (layout 4.7), since its addresses fill nat_addr.
 */
struct scmlb_proxy_nums {
	__u32 proxy_seq;
	__u32 proxy_ts;
	__u16 proxy_win;
	__u8 proxy_wscale;
	__u8 proxy_pad;
};
_Static_assert(sizeof(struct scmlb_proxy_nums) == 12, "scmlb_proxy_nums layout");
_Static_assert(__builtin_offsetof(struct scmlb_flow, proxy_seq) + 12 ==
	       __builtin_offsetof(struct scmlb_flow, nat_port),
	       "scmlb_flow's offsets are a struct scmlb_proxy_nums");

/*
 * A slot of ct_opening or ct_opening_rep: a half-open flow's entry with
 * its key, at index scmlb_flow_hash(key) masked; empty when key.family
 * is 0.
 */
struct scmlb_opening_slot {
	struct scmlb_flow_key key;
	struct scmlb_flow flow;
};
_Static_assert(sizeof(struct scmlb_opening_slot) == 72,
	       "scmlb_opening_slot layout");

/*
 * A fragmented datagram, by what all its fragments carry: later ones
 * have no ports. Keyed as the datagram arrives (client -> VIP, or
 * backend -> client).
 */
struct scmlb_frag_key {
	__be32 src_addr;
	__be32 dst_addr;
	__be16 id;			/* the IP identification */
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct scmlb_frag_key) == 12, "scmlb_frag_key layout");

/* What the datagram's first fragment was rewritten to; ct_frags' values. */
struct scmlb_frag {
	__u32 backend_id;
	__be32 nat_addr;		/* the backend (a client's datagram), or
					 * the VIP (a backend's, its source);
					 * ipip: the outer source */
	__u8 client_mac[6];		/* a backend's datagram: its next hop */
	__u8 to_client;			/* a backend's datagram */
	__u8 forward;			/* enum scmlb_forward (4.3) */
};
_Static_assert(sizeof(struct scmlb_frag) == 16, "scmlb_frag layout");

/*
 * scmlb-gc's pass over conntrack (ct_expire.bpf.c), in and out through
 * the data of a BPF_PROG_TEST_RUN.
 */
struct scmlb_ct_expire {
	__u64 timeout[SCMLB_CT_STATES];	/* in: idle jiffies allowed, by state */
	__u64 checked;			/* out: clients' entries seen */
	__u64 expired[SCMLB_CT_STATES];	/* out: flows removed, by state */
};

/*
 * A read of a half-open map's full slots (ct_gather.bpf.c), in and out
 * through the data of a BPF_PROG_TEST_RUN: the slots from @next on are
 * looked at until @end, or until SCMLB_GATHER_BATCH full ones are copied
 * out.
 */
#define SCMLB_GATHER_BATCH 4096
struct scmlb_ct_gather {
	__u32 next;			/* in: the first slot; out: where to go on */
	__u32 end;			/* in: the map's slots */
	__u32 family;			/* in: 4 for ct_opening's, 6 for ct6_opening's */
	__u32 count;			/* out: full slots copied */
};

/* Per-CPU traffic of one backend, in lb_be_stats at the backend's slot. */
struct scmlb_backend_stats {
	__u64 conns;			/* flows opened to it */
	__u64 pkts_in;			/* to the backend */
	__u64 bytes_in;			/* IP bytes */
	__u64 pkts_out;			/* from the backend, back to clients */
	__u64 bytes_out;
};

/*
 * Bit n set: some firewall network overlaps n.0.0.0/16 (n as a 16-bit
 * number). A source whose /16 is clear skips the LPM lookup.
 */
struct scmlb_fw_hint {
	__u64 bits[1024];
};

/* Key of fw_nets: a network, longest prefix first. */
struct scmlb_fw_key {
	__u32 prefixlen;
	__be32 addr;
};

/*
 * A network with rules. A packet's walk starts at the longest network
 * holding its source and climbs the parent links, so every rule whose
 * network contains the source is seen, and no other.
 */
struct scmlb_fw_net {
	__u32 head;			/* first rule slot, or SCMLB_FW_NONE */
	__u32 parent;			/* longest network strictly around it */
	__be32 addr;
	__u8 prefixlen;
	__u8 in_use;			/* enum scmlb_fw_net_state */
	__u16 pad;
};
_Static_assert(sizeof(struct scmlb_fw_net) == 16, "scmlb_fw_net layout");

/* A firewall rule, in slot id % SCMLB_FW_MAX_RULES. */
struct scmlb_fw_rule {
	__u32 id;			/* 0: free slot */
	__u32 next;			/* next rule of its network */
	__be32 addr;			/* its network, also checked per packet */
	__be32 mask;
	__u16 src_from;			/* host order; *_to 0: any port */
	__u16 src_to;
	__u16 dst_from;
	__u16 dst_to;
	__u8 proto;			/* 0 any, IPPROTO_*, SCMLB_FW_PROTO_NONE */
	__u8 prefixlen;
	__u8 family;			/* 0 or SCMLB_AF_INET; SCMLB_AF_INET6:
					 * addr ~0 and mask 0 (no IPv4 source
					 * matches), net in fw6_net_info (4.5) */
	__u8 pad;
	__u32 net;			/* slot of its network in fw_net_info */
	__u32 dos_policy;		/* DoS policy that added it, or 0 */
	__u32 dos_class;		/* and its class + 1, or 0 */
};
_Static_assert(sizeof(struct scmlb_fw_rule) == 40 &&
	       __builtin_offsetof(struct scmlb_fw_rule, net) == 28,
	       "scmlb_fw_rule layout");

/*
 * A source the firewall dropped lately on a CPU, and the rule that did
 * (xdp/fw.h); only the data plane uses fw_recent, the tests read it.
 */
struct scmlb_fw_recent {
	__be32 saddr;
	__u32 gen;			/* the rules' generation then */
	__u32 rule;			/* the rule's slot */
	__u16 dos_class;		/* the rule's dos_class */
	__u8 proto;			/* the rule's protocol: 0 any */
	__u8 used;
};
_Static_assert(sizeof(struct scmlb_fw_recent) == 16, "scmlb_fw_recent layout");
_Static_assert(SCMLB_DOS_CLASSES < 0xffff, "scmlb_fw_recent holds a dos_class");

/* A DoS policy, in dos_policies at its class. */
struct scmlb_dos_policy {
	__u32 id;			/* 0: no policy for this class */
	__u32 limit;			/* packets per second per source */
};

struct scmlb_dos_key {
	__be32 saddr;
	__u32 class;			/* enum scmlb_dos_class */
};

/*
 * How long the firewall rules a class's policy adds stay, in dos_block
 * at the class; written by scmlb-dos beside dos_policies (layout 4.1).
 * An entry of another policy id is stale: its rules never expire, as
 * before 4.1.
 */
struct scmlb_dos_block {
	__u32 policy;			/* the policy it belongs to */
	__u32 seconds;			/* 0: until the policy is deleted */
};

/*
 * The global budget of new half-open TCP flows per second, all CPUs
 * together (dos_syn_budget[0]; scmlb-dos set -p tcp -t syn --global).
 * Each CPU takes @chunk flows at a time from the shared pool
 * (dos_syn_pool), so that the pool's cache line moves once per chunk,
 * not once per SYN.
 */
struct scmlb_syn_budget {
	__u32 id;			/* 0: no budget */
	__u32 limit;			/* new flows per second */
	__u32 chunk;			/* flows a CPU takes at once, >= 1 */
	__u32 hz;			/* lb_config.hz: jiffies per second */
};

/* One CPU's share of the budget in the current second (dos_syn_cpu). */
struct scmlb_syn_cpu {
	__u32 second;			/* jiffies / hz, low 32 bits */
	__u32 tokens;			/* flows it may still open */
	__u32 dry;			/* the pool ran dry this second */
	__u32 pad;
};

/* When a firewall rule a DoS policy added expires, in fw_expires at its slot. */
struct scmlb_fw_expiry {
	__u32 id;			/* the rule; another id: a stale entry */
	__u32 pad;
	__s64 expires;			/* CLOCK_REALTIME seconds; 0: never */
};
_Static_assert(sizeof(struct scmlb_fw_expiry) == 16, "scmlb_fw_expiry layout");

/* One source's packets of one class in the current second. */
struct scmlb_dos_count {
	__u64 second;			/* jiffies / hz */
	__u32 packets;
	__u32 blocked;			/* crossed the limit; scmlb-gc adds a rule */
};

/*
 * Per-CPU packet counters of stat_pkts, one entry per enum scmlb_stat_proto;
 * upstream packets unless noted.
 */
struct scmlb_stats {
	__u64 rx_icmp;
	__u64 rx_tcp;
	__u64 rx_udp;
	__u64 rx_other;			/* other L4 protocols and non-IPv4 */
	__u64 passed;			/* handed to the kernel */
	__u64 fw_dropped;
	__u64 dos_dropped;
	__u64 forwarded;		/* redirected to a backend */
	__u64 returned;			/* backend replies sent to clients */
	__u64 nodest_dropped;		/* TCP of a flow whose backend is gone */
	__u64 tx_errors;		/* a redirect the devmap refused: its
					 * interface is gone */
	__u64 frags_unmatched;		/* later fragments of a datagram whose
					 * first was not seen: the kernel's */
	__u64 syn_budget_dropped;	/* SYNs over the global budget of new
					 * half-open flows (dos_syn_budget) */
	__u64 returned_stateless;	/* replies without a conntrack entry
					 * returned through lb_reply_index */
	__u64 stateless_unrouted;	/* such replies the FIB had no way
					 * for: the kernel's, untouched */
	__u64 too_big;			/* ipip: too big for the backend's
					 * link once encapsulated (4.3) */
};
_Static_assert(sizeof(struct scmlb_stats) == 128, "scmlb_stats layout");

/*
 * IPv6 (layout 4.5): maps of its own for conntrack, fragments, the
 * firewall's networks and DoS counts, so that IPv4's keys stay small;
 * the maps whose keys already hold a family and a scmlb_addr_t (VIPs,
 * services, backends, the reply index) serve both families.
 */

/*
 * An IPv6 packet's 5-tuple as on the wire, as struct scmlb_flow_key;
 * 8-byte aligned, as it is compared a word of 8 bytes at a time (the
 * verifier wants aligned stack reads).
 */
struct __attribute__((aligned(8))) scmlb_flow6_key {
	scmlb_addr_t src_addr;
	scmlb_addr_t dst_addr;
	__be16 src_port;
	__be16 dst_port;
	__u8 proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;			/* SCMLB_AF_INET6; 0: a free slot */
	__u8 pad[2];
};
_Static_assert(sizeof(struct scmlb_flow6_key) == 40, "scmlb_flow6_key layout");

/* A slot of ct6_opening or ct6_opening_rep, as struct scmlb_opening_slot. */
struct scmlb_opening6_slot {
	struct scmlb_flow6_key key;
	struct scmlb_flow flow;
};
_Static_assert(sizeof(struct scmlb_opening6_slot) == 96,
	       "scmlb_opening6_slot layout");

/*
 * An IPv6 fragmented datagram (key of ct6_frags): the fragment header's
 * 32-bit identification, and the final next header of the first one.
 */
struct scmlb_frag6_key {
	scmlb_addr_t src_addr;
	scmlb_addr_t dst_addr;
	__be32 id;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct scmlb_frag6_key) == 40, "scmlb_frag6_key layout");

/* What an IPv6 datagram's first fragment was rewritten to, as struct scmlb_frag. */
struct scmlb_frag6 {
	__u32 backend_id;
	scmlb_addr_t nat_addr;
	__u8 client_mac[6];
	__u8 to_client;
	__u8 forward;
};
_Static_assert(sizeof(struct scmlb_frag6) == 28, "scmlb_frag6 layout");

/* The data plane copies MACs as 16-bit words (mac_copy()). */
#define SCMLB_MAC_EVEN(type, field) \
	(__builtin_offsetof(type, field) % 2 == 0)
_Static_assert(SCMLB_MAC_EVEN(struct scmlb_config, upstream_mac) &&
	       SCMLB_MAC_EVEN(struct scmlb_backend, mac) &&
	       SCMLB_MAC_EVEN(struct scmlb_backend, if_mac) &&
	       SCMLB_MAC_EVEN(struct scmlb_flow, client_mac) &&
	       SCMLB_MAC_EVEN(struct scmlb_frag, client_mac) &&
	       SCMLB_MAC_EVEN(struct scmlb_frag6, client_mac),
	       "MACs at even offsets");

/* Key of fw6_nets: an IPv6 network, longest prefix first. */
struct scmlb_fw6_key {
	__u32 prefixlen;
	scmlb_addr_t addr;
};
_Static_assert(sizeof(struct scmlb_fw6_key) == 20, "scmlb_fw6_key layout");

/* An IPv6 network with rules (fw6_net_info), as struct scmlb_fw_net. */
struct scmlb_fw6_net {
	__u32 head;			/* first rule slot, or SCMLB_FW_NONE */
	__u32 parent;			/* fw6_net_info slot, or SCMLB_FW_NONE */
	scmlb_addr_t addr;
	__u8 prefixlen;
	__u8 in_use;			/* enum scmlb_fw_net_state */
	__u16 pad;
};
_Static_assert(sizeof(struct scmlb_fw6_net) == 28, "scmlb_fw6_net layout");

/*
 * Bit n set: some IPv6 firewall network overlaps the sources whose top
 * 32 bits hash to n; short_nets: networks shorter than /32 exist, and
 * every source is looked up.
 */
struct scmlb_fw6_hint {
	__u32 short_nets;
	__u32 pad;
	__u64 bits[1024];
};
_Static_assert(sizeof(struct scmlb_fw6_hint) == 8200, "scmlb_fw6_hint layout");

/* An IPv6 source the firewall dropped lately (fw6_recent), as struct scmlb_fw_recent. */
struct scmlb_fw6_recent {
	scmlb_addr_t saddr;
	__u32 gen;
	__u32 rule;
	__u16 dos_class;
	__u8 proto;
	__u8 used;
};
_Static_assert(sizeof(struct scmlb_fw6_recent) == 28, "scmlb_fw6_recent layout");

/* Key of dos6_counts: the source masked to its class's dos6_prefix. */
struct scmlb_dos6_key {
	scmlb_addr_t saddr;
	__u32 class;			/* enum scmlb_dos_class */
};
_Static_assert(sizeof(struct scmlb_dos6_key) == 20, "scmlb_dos6_key layout");

/*
 * How much of an IPv6 source a class's policy counts as one (dos6_prefix
 * at the class); an entry of another policy id is stale: /128.
 */
struct scmlb_dos6_prefix {
	__u32 policy;
	__u8 prefixlen;			/* 32..128 */
	__u8 pad[3];
};
_Static_assert(sizeof(struct scmlb_dos6_prefix) == 8, "scmlb_dos6_prefix layout");

#endif /* SCMLB_STRUCTS_H */
