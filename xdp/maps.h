/* SPDX-License-Identifier: GPL-2.0 */
/* maps.h - every map of the data plane; all pinned by name in the pin directory */
#ifndef SCMLB_MAPS_H
#define SCMLB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "scmlb_structs.h"

/* Flows; set at load time by scmlb-attach from --conntrack-size. */
#define SCMLB_CT_LOAD_SIZE SCMLB_CT_DEFAULT_SIZE

/* Upstream, VIP and tool state; written by scmlb-attach and scmlb-lb. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_config SEC(".maps");

/* VIPs, to their any-port services; written by scmlb-svc. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct scmlb_vip_key);
	__type(value, struct scmlb_vip);
	__uint(max_entries, SCMLB_MAX_VIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_vips SEC(".maps");

/* Which addresses may be VIPs (see struct scmlb_vip_hint); by scmlb-svc. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_vip_hint);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_vip_hint SEC(".maps");

/* Every service by VIP, protocol and port, to its id; written by scmlb-svc. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct scmlb_svc_key);
	__type(value, __u32);
	__uint(max_entries, SCMLB_MAX_SERVICES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_svc_ids SEC(".maps");

/* Services in slot id % SCMLB_MAX_SERVICES; written by scmlb-svc. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_service);
	__uint(max_entries, SCMLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_services SEC(".maps");

/* Backends in slot id % SCMLB_MAX_BACKENDS; written by scmlb-lb. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_backend);
	__uint(max_entries, SCMLB_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_backends SEC(".maps");

/*
 * Layouts before 4.8: a service's table, by service slot, slot 0 its
 * length, then the ids, each in 8 bytes. Only scmlb-attach's upgrade from
 * 4.7 uses it, to free the old tables; it stays, empty, for the layout.
 */
struct scmlb_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, SCMLB_TABLE_SIZE + 1);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, SCMLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct scmlb_table);
} lb_tables SEC(".maps");

/*
 * A service's table, by service slot (layout 4.8): its length n, then n
 * backend ids (a round-robin ring, a smooth weighted ring, or a Maglev
 * table), two to an entry, SCMLB_PAIR_ENTRIES(n) entries: half the
 * memory of one id to an 8-byte value. The tools build a new table and
 * swap it in whole, so the data plane never sees a half-built one; each
 * is as big as it needs.
 */
struct scmlb_pair_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	/* struct scmlb_id_pair; clang gives BTF a mere name for it here */
	__type(value, __u32[2]);
	__uint(max_entries, SCMLB_PAIR_ENTRIES(SCMLB_TABLE_SIZE));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, SCMLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct scmlb_pair_table);
} lb_pair_tables SEC(".maps");

/*
 * Round-robin cursors by service slot, shared by all CPUs. Written
 * without atomics: two CPUs picking at the same instant may pick the same
 * backend, which only skews the spread by one connection.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, SCMLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_rr SEC(".maps");

/*
 * Backends' address, protocol and port, to the VIP and port their replies
 * come from, where only one service has them (layout 4.3): a reply that
 * conntrack does not know (another node saw its flow open) is returned
 * through it. Kept by the tools that add or delete backends and services,
 * and by scmlb-gc (lib/reply_index.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct scmlb_reply_key);
	__type(value, struct scmlb_reply_to);
	__uint(max_entries, SCMLB_REPLY_INDEX_SIZE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_reply_index SEC(".maps");

/* Interfaces scmlb is attached to, by ifindex; frames are redirected here. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, SCMLB_MAX_IFACES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_tx_ports SEC(".maps");

/*
 * The same interfaces, to enum scmlb_iface_flags; written by scmlb-attach
 * and scmlb-lb when they attach, read when a flow opens.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, SCMLB_MAX_IFACES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_ifaces SEC(".maps");

/*
 * The main program, tail-called by the entry program that sits on every
 * interface: scmlb-attach swaps it here, so an upgrade reaches every
 * interface at once.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_progs SEC(".maps");

/*
 * Flows by the client's 5-tuple (client -> VIP); LRU so a full table
 * evicts the oldest flows instead of refusing new ones. Written by the
 * data plane, pruned by scmlb-gc, flushed by scmlb-lb.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, SCMLB_CT_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct_flows SEC(".maps");

/*
 * The same flows by their backend's 5-tuple (backend -> client), for
 * replies; scmlb-gc removes a flow's entry with the client's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, SCMLB_CT_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct_replies SEC(".maps");

/* Half-open flows' slots; set at load time by scmlb-attach (a power of two). */
#define SCMLB_CT_OPENING_LOAD_SIZE SCMLB_CT_OPENING_SIZE(SCMLB_CT_LOAD_SIZE)
_Static_assert((SCMLB_CT_OPENING_LOAD_SIZE & (SCMLB_CT_OPENING_LOAD_SIZE - 1)) == 0,
	       "half-open maps are indexed by a masked hash");

/* The slots of ct_opening and ct_opening_rep less one; set with their size. */
const volatile __u32 ct_opening_mask = SCMLB_CT_OPENING_LOAD_SIZE - 1;

/*
 * Half-open TCP flows by the client's 5-tuple, apart from ct_flows: a
 * SYN opens its flow here, and only the client's ACK of the backend's
 * SYN-ACK moves it to ct_flows, so a flood of SYNs from spoofed sources
 * overwrites other half-open flows, never established ones. Direct-mapped
 * (struct scmlb_opening_slot at scmlb_flow_hash(key) & ct_opening_mask):
 * a SYN's entry costs two stores, no allocation, no lock; a newer SYN
 * hashing to an occupied slot replaces that half-open flow, as an LRU
 * evicts its oldest. Written by the data plane, pruned by scmlb-gc,
 * flushed by scmlb-lb.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening_slot);
	__uint(max_entries, SCMLB_CT_OPENING_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct_opening SEC(".maps");

/* The same half-open flows by their backend's 5-tuple, for the SYN-ACK. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening_slot);
	__uint(max_entries, SCMLB_CT_OPENING_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct_opening_rep SEC(".maps");

/*
 * Fragmented datagrams whose first fragment was balanced, for their later
 * fragments (frag.h); LRU: an unfinished datagram's entry ages out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_frag_key);
	__type(value, struct scmlb_frag);
	__uint(max_entries, SCMLB_FRAG_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct_frags SEC(".maps");

/* Networks with firewall rules, to their fw_net_info slot; by scmlb-fw. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct scmlb_fw_key);
	__type(value, __u32);
	__uint(max_entries, SCMLB_FW_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw_nets SEC(".maps");

/* Which /16s any firewall network overlaps; written by scmlb-fw. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_fw_hint);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw_hint SEC(".maps");

/* Each network's rule list and enclosing network; written by scmlb-fw. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_fw_net);
	__uint(max_entries, SCMLB_FW_MAX_RULES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw_net_info SEC(".maps");

/* Firewall rules in slot id % SCMLB_FW_MAX_RULES; written by scmlb-fw. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_fw_rule);
	__uint(max_entries, SCMLB_FW_MAX_RULES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw_rules SEC(".maps");

/*
 * Sources the firewall dropped lately, per CPU, by a hash of the address;
 * written and read by the data plane only. Not pinned: it is a cache, and
 * an upgraded program starts with an empty one.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_fw_recent);
	__uint(max_entries, SCMLB_FW_RECENT_SLOTS);
} fw_recent SEC(".maps");

/* Packets each rule dropped, per CPU; zeroed by scmlb-fw for a new rule. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, SCMLB_FW_MAX_RULES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw_drops SEC(".maps");

/* DoS policies by class; written by scmlb-dos. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_dos_policy);
	__uint(max_entries, SCMLB_DOS_CLASSES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos_policies SEC(".maps");

/*
 * Packets dropped per DoS class, per CPU: by the DoS stage, and by the
 * firewall rules the class's policy added; zeroed by scmlb-dos for a new
 * policy.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, SCMLB_DOS_CLASSES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos_drops SEC(".maps");

/*
 * Packets per source and class in the current second, for classes with a
 * policy; LRU, so a flood of spoofed sources only forgets old ones. Read
 * and pruned by scmlb-gc.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_dos_key);
	__type(value, struct scmlb_dos_count);
	__uint(max_entries, SCMLB_DOS_TRACKED);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos_counts SEC(".maps");

/* Block time of each class's policy (layout 4.1); written by scmlb-dos. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_dos_block);
	__uint(max_entries, SCMLB_DOS_CLASSES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos_block SEC(".maps");

/* The global budget of new half-open TCP flows; written by scmlb-dos. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_syn_budget);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos_syn_budget SEC(".maps");

/*
 * The budget's pool: the second (high 32 bits) and the flows the CPUs
 * took in it (low 32 bits), one word so that one compare-and-swap moves
 * both; the data plane's, reset by scmlb-dos.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos_syn_pool SEC(".maps");

/* Each CPU's share of the budget taken from the pool; the data plane's. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_syn_cpu);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos_syn_cpu SEC(".maps");

/*
 * Expiry of the firewall rules DoS policies added, by rule slot; written
 * by scmlb-gc when it adds a rule, read by its later passes only.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_fw_expiry);
	__uint(max_entries, SCMLB_FW_MAX_RULES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw_expires SEC(".maps");

/* Traffic per backend slot, per CPU; zeroed by scmlb-lb for a new backend. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_backend_stats);
	__uint(max_entries, SCMLB_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_be_stats SEC(".maps");

/* Packet counters per CPU and L4 protocol (enum scmlb_stat_proto); read by scmlb-stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_stats);
	__uint(max_entries, SCMLB_STAT_PROTOS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stat_pkts SEC(".maps");

/*
 * IPv6 (layout 4.5): its own conntrack, fragment, firewall-network and
 * DoS-count maps; the maps above keyed by a family and a scmlb_addr_t
 * (VIPs, services, backends, reply index), and fw_rules, serve both.
 */

/*
 * The IPv6 programs (at SCMLB_PROG6_*), tail-called by scmlb_main
 * for IPv6 frames; filled by scmlb-attach before it swaps lb_progs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, SCMLB_PROG6_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_progs6 SEC(".maps");

/* IPv6 flows by the client's 5-tuple, as ct_flows; sized with it at load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow6_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, SCMLB_CT_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct6_flows SEC(".maps");

/* IPv6 flows by their backend's 5-tuple, as ct_replies. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow6_key);
	__type(value, struct scmlb_flow);
	__uint(max_entries, SCMLB_CT_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct6_replies SEC(".maps");

/*
 * Half-open IPv6 flows by the client's 5-tuple, as ct_opening: slot
 * scmlb_opening6_bucket(key, ct_opening_mask), the same size.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening6_slot);
	__uint(max_entries, SCMLB_CT_OPENING_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct6_opening SEC(".maps");

/* The same half-open IPv6 flows by their backend's 5-tuple. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_opening6_slot);
	__uint(max_entries, SCMLB_CT_OPENING_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct6_opening_rep SEC(".maps");

/* IPv6 datagrams whose first fragment was balanced, as ct_frags. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_frag6_key);
	__type(value, struct scmlb_frag6);
	__uint(max_entries, SCMLB_FRAG6_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct6_frags SEC(".maps");

/* IPv6 networks with firewall rules, to their fw6_net_info slot; by scmlb-fw. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct scmlb_fw6_key);
	__type(value, __u32);
	__uint(max_entries, SCMLB_FW6_MAX_NETS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw6_nets SEC(".maps");

/* Each IPv6 network's rule list (in fw_rules) and enclosing network; by scmlb-fw. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_fw6_net);
	__uint(max_entries, SCMLB_FW6_MAX_NETS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw6_net_info SEC(".maps");

/* Which IPv6 sources may have firewall rules (struct scmlb_fw6_hint); by scmlb-fw. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_fw6_hint);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fw6_hint SEC(".maps");

/* IPv6 sources the firewall dropped lately, as fw_recent: per CPU, not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_fw6_recent);
	__uint(max_entries, SCMLB_FW_RECENT_SLOTS);
} fw6_recent SEC(".maps");

/*
 * Packets per IPv6 source (masked to its class's dos6_prefix) and class
 * in the current second, as dos_counts; read and pruned by scmlb-gc.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_dos6_key);
	__type(value, struct scmlb_dos_count);
	__uint(max_entries, SCMLB_DOS_TRACKED);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos6_counts SEC(".maps");

/* The IPv6 source prefix each class's policy counts; written by scmlb-dos. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_dos6_prefix);
	__uint(max_entries, SCMLB_DOS_CLASSES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dos6_prefix SEC(".maps");

/* IPv6 packet counters per CPU and L4 protocol, as stat_pkts (ICMP: ICMPv6). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_stats);
	__uint(max_entries, SCMLB_STAT_PROTOS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stat6_pkts SEC(".maps");

/* Layout 4.6: the SYN proxy (--syn-proxy services). */

/*
 * The IPv4 programs scmlb_main tail-calls (at SCMLB_PROG4_*): the SYN
 * proxy's handshakes; filled by scmlb-attach before it swaps lb_progs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, SCMLB_PROG4_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_progs4 SEC(".maps");

/* SYN proxy counters per CPU, at a service's slot; read by scmlb-stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scmlb_svc_stats);
	__uint(max_entries, SCMLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_svc_stats SEC(".maps");

/*
 * Layout 4.7: IPv6 --syn-proxy flows' offsets by their client's key;
 * written by scmlb_syn_proxy6, sized with ct6_flows at load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct scmlb_flow6_key);
	__type(value, struct scmlb_proxy_nums);
	__uint(max_entries, SCMLB_CT_LOAD_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct6_proxy SEC(".maps");

#endif /* SCMLB_MAPS_H */
