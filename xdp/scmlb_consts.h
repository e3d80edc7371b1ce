/* SPDX-License-Identifier: GPL-2.0 */
/* scmlb_consts.h - limits, flags and enums shared by the data plane and the tools */
#ifndef SCMLB_CONSTS_H
#define SCMLB_CONSTS_H

#include <linux/types.h>

/*
 * Layout of the maps. The major is bumped whenever a shared struct, or a
 * map's type, key, value or size changes: tools refuse maps of another
 * major instead of misreading them. The minor is bumped when maps are
 * added: scmlb-attach upgrades older maps of the same major in place.
 */
#define SCMLB_LAYOUT_MAJOR 4
#define SCMLB_LAYOUT_MINOR 8
#define SCMLB_LAYOUT_VERSION (SCMLB_LAYOUT_MAJOR << 16 | SCMLB_LAYOUT_MINOR)

/* Backends of all services; a backend id lives in slot id % SCMLB_MAX_BACKENDS. */
#ifndef SCMLB_MAX_BACKENDS
#define SCMLB_MAX_BACKENDS 16384
#endif

/* Services; a service id lives in slot id % SCMLB_MAX_SERVICES. */
#ifndef SCMLB_MAX_SERVICES
#define SCMLB_MAX_SERVICES 4096
#endif

/* Addresses that carry services. */
#ifndef SCMLB_MAX_VIPS
#define SCMLB_MAX_VIPS 1024
#endif

/* Bits of lb_vip_hint: many more than VIPs, so few other addresses share one. */
#define SCMLB_VIP_HINT_BITS 65536

/*
 * Entries of lb_reply_index: a backend yields one per protocol its
 * service takes, two for a service of every protocol.
 */
#define SCMLB_REPLY_INDEX_SIZE (2 * SCMLB_MAX_BACKENDS)

/* Backends of one service: Maglev wants many more slots than backends. */
#define SCMLB_MAX_SVC_BACKENDS 1024

/*
 * Slots of a service's table: a Maglev table has exactly this many (a
 * prime), a round-robin ring at most this many.
 */
#define SCMLB_TABLE_SIZE 65537

/*
 * Entries of a table of @n slots in lb_pair_tables (layout 4.8): the
 * length and the @n ids, two to an entry.
 */
#define SCMLB_PAIR_ENTRIES(n) (((n) + 2) / 2)

/*
 * Fragmented datagrams in flight whose later fragments follow their
 * first: a reassembly queue's worth, as the kernel's ipfrag memory.
 */
#define SCMLB_FRAG_SIZE 65536

/*
 * IPv6 fragmented datagrams in flight (ct6_frags): fewer than IPv4's, as
 * IPv6 senders fragment only above the path MTU they learnt.
 */
#define SCMLB_FRAG6_SIZE 16384

/*
 * IPv6 extension headers the data plane walks before the L4 header, and
 * how far into the packet they may reach; a chain past either is the
 * kernel's.
 */
#define SCMLB_V6_EXT_MAX 4
#define SCMLB_V6_EXT_BYTES 256

/* Interfaces scmlb can attach to: the upstream and the backend-facing ones. */
#ifndef SCMLB_MAX_IFACES
#define SCMLB_MAX_IFACES 64
#endif

/*
 * Conntrack: flows by default, and the bounds --conntrack-size accepts;
 * ct_flows and ct_replies hold as many entries each.
 */
#define SCMLB_CT_DEFAULT_SIZE 262144
#define SCMLB_CT_MIN_SIZE 16
#define SCMLB_CT_MAX_SIZE 16777216

/*
 * Half-open flows (ct_opening, ct_opening_rep): a quarter of the flows,
 * at least SCMLB_CT_OPENING_MIN (or all of them when there are fewer). A
 * handshake's entry must outlive a round trip while a SYN flood churns
 * the table; past that, size buys nothing the established flows need.
 */
#define SCMLB_CT_OPENING_MIN 1024
#define SCMLB_CT_OPENING_SIZE(n)					\
	((n) / 4 > SCMLB_CT_OPENING_MIN ? (n) / 4 :			\
	 (n) < SCMLB_CT_OPENING_MIN ? (n) : SCMLB_CT_OPENING_MIN)

/*
 * Slots of ct_opening and ct_opening_rep, direct-mapped arrays: at least
 * SCMLB_CT_OPENING_SIZE(n), a power of two, so that a flow's slot is its
 * hash masked.
 */
static inline __u32 scmlb_ct_opening_slots(__u32 n)
{
	__u32 want = SCMLB_CT_OPENING_SIZE(n), slots = 1;

	while (slots < want)
		slots <<= 1;
	return slots;
}

/* Firewall rules, and networks (each holds at least one rule). */
#ifndef SCMLB_FW_MAX_RULES
#define SCMLB_FW_MAX_RULES 131072
#endif
/* End of a rule list, or no enclosing network. */
#define SCMLB_FW_NONE 0xffffffff
/* scmlb_fw_net.in_use: a network is created, then put in the trie (live) */
enum scmlb_fw_net_state {
	SCMLB_FW_NET_FREE = 0,
	SCMLB_FW_NET_NEW = 1,
	SCMLB_FW_NET_LIVE = 2,
};
/* scmlb_fw_rule.proto of a deleted rule: matches no packet. */
#define SCMLB_FW_PROTO_NONE 0xff

/*
 * IPv6 firewall networks (fw6_nets, fw6_net_info): fewer than IPv4's, as
 * one IPv6 network covers what takes many IPv4 ones; scmlb-fw refuses
 * past it.
 */
#ifndef SCMLB_FW6_MAX_NETS
#define SCMLB_FW6_MAX_NETS 32768
#endif

/* fw_recent's entries per CPU: a few flooding sources at once keep theirs. */
#define SCMLB_FW_RECENT_SLOTS 64

/*
 * DoS classes: what a policy watches. A TCP packet's type is its first set
 * flag in the original's order FIN SYN RST PSH URG ECE CWR, else ACK.
 */
enum scmlb_dos_class {
	SCMLB_DOS_TCP_FIN,
	SCMLB_DOS_TCP_SYN,
	SCMLB_DOS_TCP_RST,
	SCMLB_DOS_TCP_PSH,
	SCMLB_DOS_TCP_URG,
	SCMLB_DOS_TCP_ECE,
	SCMLB_DOS_TCP_CWR,
	SCMLB_DOS_TCP_ACK,
	SCMLB_DOS_UDP,
	SCMLB_DOS_ICMP,
	SCMLB_DOS_CLASSES,
};

/* Entries of stat_pkts: the counters of each L4 protocol apart. */
enum scmlb_stat_proto {
	SCMLB_STAT_ICMP,
	SCMLB_STAT_TCP,
	SCMLB_STAT_UDP,
	SCMLB_STAT_OTHER,	/* other protocols, and frames that are not IPv4 */
	SCMLB_STAT_PROTOS,
};

/* Sources counted at once; the least recently seen are forgotten first. */
#ifndef SCMLB_DOS_TRACKED
#define SCMLB_DOS_TRACKED 131072
#endif

#define SCMLB_NAME_LEN 32	/* backend name, NUL included */
#define SCMLB_URL_LEN 128	/* health-check URL, NUL included */

/* A stage's verdict when the next stage should look at the packet. */
#define SCMLB_CONTINUE (-1)

/* Prog-array slot of the main program that the entry program tail-calls. */
#define SCMLB_PROG_MAIN 0

/*
 * Slots of lb_progs4, IPv4 programs scmlb_main tail-calls for work that
 * would not fit its verifier budget (layout 4.6): the SYN proxy's
 * handshakes (xdp/syn_proxy_hs.h), and room for more.
 */
#define SCMLB_PROG4_SYN_PROXY 0
#define SCMLB_PROG4_SLOTS 4

/*
 * The window scale scmlb's SYN-ACK offers a --syn-proxy client, before
 * the backend's is known: Linux's with its default buffers. Replies of a
 * backend that chose another have their window rescaled.
 */
#define SCMLB_SYN_PROXY_WSCALE 7

/*
 * Slots of lb_progs6, the IPv6 programs scmlb_main tail-calls: room for
 * more than today's two, so that a later one is a minor layout.
 */
#define SCMLB_PROG6_MAIN 0
#define SCMLB_PROG6_ICMP 1
#define SCMLB_PROG6_SYN_PROXY 2	/* layout 4.7 */
#define SCMLB_PROG6_SLOTS 4

/* scmlb_config.flags */
enum scmlb_config_flags {
	/* a backend is reached through the upstream (one-arm): replies arrive there */
	SCMLB_CFG_UPSTREAM_BACKENDS = 1 << 0,
	/* scmlb-detach --keep-maps: maps kept, programs off every interface */
	SCMLB_CFG_DETACHED = 1 << 1,
	/* a firewall write is under way: found set, its writer was killed */
	SCMLB_CFG_FW_BUSY = 1 << 2,
	/* a batch defers tables (lib/batch.c): found set, its run was killed */
	SCMLB_CFG_TABLES_BUSY = 1 << 3,
};

/* scmlb_config.mode, as the user chose it */
enum scmlb_attach_mode {
	SCMLB_MODE_NATIVE = 1,
	SCMLB_MODE_SKB = 2,
};

/* Address families of keys and structs, as AF_INET and AF_INET6. */
#define SCMLB_AF_INET 2
#define SCMLB_AF_INET6 10

/* scmlb_service.scheduler */
enum scmlb_scheduler {
	SCMLB_SCHED_RR = 0,
	SCMLB_SCHED_WRR = 1,
	SCMLB_SCHED_MAGLEV = 2,
};

/*
 * scmlb_service.forward, and scmlb_flow.forward: how a flow's packets
 * reach its backend. dr and ipip leave the client's packet as it is
 * (the backend holds the VIP and answers the client itself).
 */
enum scmlb_forward {
	SCMLB_FWD_NAT = 0,		/* destination rewritten to the backend */
	SCMLB_FWD_DR = 1,		/* only the Ethernet header changes */
	SCMLB_FWD_IPIP = 2,		/* in an outer header of its family
					 * (IPv4, or IPv6: ip6ip6) */
};

/*
 * ipip: the outer source of a flow's packets is this /16 (198.18.0.0,
 * RFC 2544's benchmarking range, which no one routes) with 16 bits of
 * the flow's hash below, so that a backend's RSS, which hashes the
 * outer header, spreads flows over its queues. Host order.
 */
#define SCMLB_IPIP_SRC_NET 0xc6120000
#define SCMLB_IPIP_SRC_PREFIX 16

/*
 * ip6ip6: the outer source is 2001:2::/48 (RFC 5180's benchmarking
 * range) with 16 bits of the flow's hash in bits 48..63: its first word
 * is this, its second the 16 bits (so the rest is 0). Host order.
 */
#define SCMLB_IPIP6_SRC_NET 0x20010002
#define SCMLB_IPIP6_SRC_PREFIX 48

/* scmlb_service.flags */
enum scmlb_service_flags {
	SCMLB_SVC_SYN_PROXY = 1 << 0,
};

/* scmlb_vip.any_port: the any-port service of each protocol */
enum scmlb_vip_any {
	SCMLB_ANY_TCP = 0,
	SCMLB_ANY_UDP = 1,
	SCMLB_ANY_ALL = 2,	/* protocol any, port any */
	SCMLB_ANY_N,
};

/* scmlb_backend.status */
enum scmlb_backend_status {
	SCMLB_BACKEND_AVAILABLE = 0,
	SCMLB_BACKEND_DRAINED = 1,
};

/* scmlb_backend.health */
enum scmlb_backend_health {
	SCMLB_HEALTH_UNKNOWN = 0,
	SCMLB_HEALTH_HEALTHY = 1,
	SCMLB_HEALTH_UNHEALTHY = 2,
};

/* scmlb_flow.state: TCP states (see ct_move_state()), and UDP */
enum scmlb_flow_state {
	SCMLB_CT_OPENING = 1,
	SCMLB_CT_ESTABLISHED = 2,
	SCMLB_CT_CLOSING = 3,
	SCMLB_CT_CLOSED = 4,
	SCMLB_CT_UDP = 5,
	SCMLB_CT_STATES,		/* states, 0 (none) included */
};

/* scmlb_flow.flags */
enum scmlb_flow_flags {
	/* a reply entry (ct_replies), keyed backend -> client */
	SCMLB_FLOW_REPLY = 1 << 0,
	/* client's entry: the backend's SYN-ACK went by */
	SCMLB_FLOW_SYN_ACKED = 1 << 1,
	/* client's entry: a FIN went by from the client, from the backend */
	SCMLB_FLOW_FIN_CLIENT = 1 << 2,
	SCMLB_FLOW_FIN_BACKEND = 1 << 3,
	/* the flow's packets are redirected by the XDP program itself */
	SCMLB_FLOW_DIRECT = 1 << 4,
	/* the flow's packets are handed to scmlb_tc (xdp/handoff.h) */
	SCMLB_FLOW_HANDOFF = 1 << 5,
	/* a half-open flow's entry (ct_opening, ct_opening_rep) */
	SCMLB_FLOW_HALF_OPEN = 1 << 6,
	/*
	 * both entries: a --syn-proxy flow, its sequence numbers and
	 * timestamps translated (scmlb_flow.proxy_seq); with
	 * SCMLB_FLOW_SYN_ACKED once the backend's handshake is complete
	 */
	SCMLB_FLOW_SYN_PROXY = 1 << 7,
};

/* lb_ifaces values: how balanced frames cross an interface */
enum scmlb_iface_flags {
	/* scmlb_tc is on the interface: handed-off frames arriving here are
	 * rewritten and redirected there */
	SCMLB_IF_TC = 1 << 0,
	/* frames from or to it must go through scmlb_tc: skb mode, or it
	 * cannot take XDP frames or keep their offload state (a veth) */
	SCMLB_IF_SKB = 1 << 1,
	/* scmlb made the interface's clsact qdisc: it goes when scmlb does */
	SCMLB_IF_QDISC = 1 << 2,
};

#endif /* SCMLB_CONSTS_H */
