/* SPDX-License-Identifier: GPL-2.0 */
/* testbed.h - namespaces, the data plane unpinned, set up as the tools do */
#ifndef SCMLB_TEST_TESTBED_H
#define SCMLB_TEST_TESTBED_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/if_ether.h>
#include <linux/types.h>

#include "frames.h"
#include "maps.h"

struct scmlb_bpf;
struct scmlb_sched_backend;

/* What a data-plane test sets up before its cases, and where it goes. */
struct tb_setup {
	const char *const *names;	/* our veth ends, as tb_net_setup() */
	int n;
	__u32 *ifindex;			/* set to theirs */
	__u32 ct_size;			/* conntrack flows */
	struct scmlb_bpf **skel;	/* set to the loaded data plane */
	struct scmlb_ctx *ctx;		/* gets its maps */
	int (*setup)(void);		/* then the test's own; NULL: none */
};

/*
 * The counters the data plane keeps in struct scmlb_stats; the first
 * TB_RX_N count each packet by its protocol.
 */
enum tb_stat {
	TB_RX_ICMP, TB_RX_TCP, TB_RX_UDP, TB_RX_OTHER,
	TB_PASSED, TB_FW_DROPPED, TB_DOS_DROPPED, TB_FORWARDED, TB_RETURNED,
	TB_NODEST_DROPPED, TB_TX_ERRORS, TB_FRAGS_UNMATCHED,
	TB_SYN_BUDGET_DROPPED, TB_RETURNED_STATELESS, TB_STATELESS_UNROUTED,
	TB_TOO_BIG,
	TB_STATS_N,
	TB_RX_N = TB_PASSED,
};

/*
 * A case as a test lists it: what it asserts, and the check. A table of
 * cases of its own (for tb_run()) opens with the description too.
 */
struct tb_case {
	const char *desc;
	bool (*run)(void);
};

int tb_pin_cpu(void);
int tb_run_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tb_peer_open(const char *name);
void tb_peers_drain(const int *fds, int n);
int tb_peer_capture(const int *fds, int n, int ms, int *which, __u8 *buf,
		    __u32 *len);
int tb_prog_run_live(int fd, __u32 ifindex, const __u8 *frame, __u32 len);
int tb_bpffs_setup(void);
int tb_if_mac(__u32 ifindex, __u8 *mac);
int tb_net_setup(const char *const *names, int n, __u32 *ifindex);
int tb_bpf_setup(struct scmlb_bpf **skel, struct scmlb_ctx *ctx,
		 __u32 ct_size, const __u32 *ifindex, int n);
bool tb_start(const struct tb_setup *s, int *status);
int tb_run(const struct tb_setup *s, const void *cases, size_t n,
	   size_t size, enum tap_result (*run)(const void *c));
int tb_main(const struct tb_setup *s, const struct tb_case *cases, size_t n);

int tb_wipe(struct scmlb_ctx *ctx);
int tb_instance(struct scmlb_ctx *ctx, __u32 vip, __u32 ifindex,
		const __u8 *mac, __u32 ct_size, int clock_fd);
int tb_one_arm_set(struct scmlb_ctx *ctx, bool on);

/* A service as scmlb-svc set is told. */
struct tb_svc_spec {
	__u32 vip;			/* host order */
	__u8 proto;			/* 0: any */
	__u16 port;			/* host order; 0: every port */
	__u8 sched;			/* enum scmlb_scheduler */
};

int tb_services_add(struct scmlb_ctx *ctx, const struct tb_svc_spec *specs,
		    int n, __u32 *ids);
int tb_backend_add(struct scmlb_ctx *ctx, int n, __u32 addr, __u32 ifindex,
		   const __u8 *mac, const __u8 *if_mac, __u32 *id);
int tb_backend_add_to(struct scmlb_ctx *ctx, __u32 svc, __u16 weight,
		      __u16 port, int n, __u32 addr, __u32 ifindex,
		      const __u8 *mac, const __u8 *if_mac, __u32 *id);
int tb_service6_add(struct scmlb_ctx *ctx, const char *vip, __u8 proto,
		    __u16 port, __u8 sched, __u8 forward, __u32 *id);
int tb_backend6_add(struct scmlb_ctx *ctx, __u32 svc, __u16 port, int n,
		    const char *addr, __u32 ifindex, const __u8 *mac,
		    const __u8 *if_mac, __u32 *id);
void tb_backend_macs(__u8 (*mac)[ETH_ALEN], __u8 (*if_mac)[ETH_ALEN], int n);
void tb_sched_backend(struct scmlb_sched_backend *sb, __u32 id, __u32 addr,
		      __u16 port, __u16 weight);
int tb_fw_rule_parse(const char *network, const char *proto,
		     const char *src_port, const char *dst_port,
		     struct scmlb_fw_rule *rule, const char **why);
int tb_map_clear(int fd, void *key);
int tb_ct_lookup(int fd, const struct scmlb_flow_key *key,
		 struct scmlb_flow *f);
int tb_ct_update(int fd, const struct scmlb_flow_key *key,
		 const struct scmlb_flow *f);
int tb_ct_delete(int fd, const struct scmlb_flow_key *key);
int tb_ct_clear(int fd);

struct scmlb_flow_key tb_flow_key(__u32 saddr, __u32 daddr, __u16 sport,
				  __u16 dport, __u8 proto);
struct scmlb_flow_key tb_frame_key(const struct frame *f);

/* Both conntrack entries of a flow, as far as they exist. */
struct tb_flow {
	bool has_client;
	bool has_reply;
	bool opening;			/* in the half-open maps */
	struct scmlb_flow client;
	struct scmlb_flow_key rkey;	/* where the reply entry was found */
	struct scmlb_flow reply;
};

/* What a tracked flow's two entries must hold. */
struct tb_flow_want {
	__u8 state;			/* of the client's entry */
	__u32 backend_id;
	__u32 service_id;
	__u32 be_addr;			/* host order */
	__u16 be_port;			/* the port client packets go to */
	__u64 packets;			/* both entries' */
	const __u8 *client_mac;
	__u8 path;			/* SCMLB_FLOW_HANDOFF; 0: direct */
	bool half_open;			/* in the half-open maps, though no
					 * longer opening (a RST, a FIN) */
};

int tb_ct_client_get(const struct scmlb_ctx *ctx,
		     const struct scmlb_flow_key *key, struct scmlb_flow *f);
int tb_ct_reply_get(const struct scmlb_ctx *ctx,
		    const struct scmlb_flow_key *rkey, struct scmlb_flow *r);
int tb_flow_read(const struct scmlb_ctx *ctx, const struct scmlb_flow_key *key,
		 struct tb_flow *out);
bool tb_flow_check(const struct scmlb_ctx *ctx,
		   const struct scmlb_flow_key *key,
		   const struct tb_flow_want *want);
int tb_flow_forget(const struct scmlb_ctx *ctx,
		   const struct scmlb_flow_key *key);

int tb_stats_read(const struct scmlb_ctx *ctx, struct scmlb_stats *sum);
int tb_stats6_read(const struct scmlb_ctx *ctx, struct scmlb_stats *sum);
int tb_stats_read_proto(const struct scmlb_ctx *ctx, __u32 proto,
			struct scmlb_stats *sum);
const char *tb_stat_name(enum tb_stat i);
__u64 tb_stat_get(const struct scmlb_stats *s, enum tb_stat i);
__u64 tb_stat_of(const struct scmlb_ctx *ctx, enum tb_stat i);
void tb_stats_rx(struct scmlb_stats *s, const struct frame *f, __u64 n);
int tb_frag_unmatched(const struct frame *f, __u32 vip);
bool tb_stats_delta_ok(const struct scmlb_stats *before,
		       const struct scmlb_stats *after,
		       const struct scmlb_stats *want);

#endif /* SCMLB_TEST_TESTBED_H */
