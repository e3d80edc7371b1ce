// SPDX-License-Identifier: GPL-2.0
/* test_fw.c - TAP tests of the firewall stage, rules set up as scmlb-fw does */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "frames.h"
#include "fw.h"
#include "maps.h"
#include "scmlb.skel.h"
#include "testbed.h"

/* Addresses and ports in host order; the frame builder converts them. */
#define VIP		IP4(203, 0, 113, 11)
#define OTHER_ADDR	IP4(203, 0, 113, 12)	/* not the VIP */
#define CLIENT		IP4(198, 51, 100, 7)
#define BE_ADDR		IP4(192, 0, 2, 2)	/* the one backend */
#define VPORT		8080

#define CT_SIZE		1024

/* Rules on networks that do not hold the source, and a list that long. */
#define MANY_RULES	10000

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, 0x01 };
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf0, 0x01 };

enum side { SIDE_UP, SIDE_BE, SIDE_N };

static const char *const if_names[SIDE_N] = { "fwt-up", "fwt-be" };

/* Rules the cases name; R_NONE ends a list and means "no rule". */
enum rule_name {
	R_NONE,
	R_A, R_B, R_WORLD, R_24,			/* overlapping */
	R_DST, R_SRC, R_BOTH, R_ZERO, R_ONE, R_LOW,	/* ports */
	R_LOW_DST,
	R_ANY, R_TCP, R_UDP, R_ANY_PORTS,		/* protocols */
	R_ICMP,
	R_D8, R_D1, R_D2, R_D3, R_D4, R_D24, R_SIB,	/* deletes */
	R_O8, R_M16, R_I24,				/* nesting */
	R_FRAG_PORT, R_FRAG_ANY, R_FRAG_LOW,		/* fragments */
	R_ALL, R_BE_NET,				/* not firewalled */
	R_COVER, R_LIST_LAST,				/* many rules */
	R_FLOOD, R_FLOOD_PORT, R_FLOOD_HOST,		/* remembered */
	R_N
};

/* scmlb-fw set's options; NULL: not given, the tool's default. */
struct rule_spec {
	const char *name;
	const char *network;
	const char *proto;
	const char *src_port;
	const char *dst_port;
};

static const struct rule_spec specs[R_N] = {
	[R_A] = { "A", "10.0.0.0/8", "tcp", NULL, "80" },
	[R_B] = { "B", "10.1.0.0/16", "udp", NULL, NULL },
	[R_WORLD] = { "world", NULL, "udp", NULL, "53" },
	[R_24] = { "10.1.2/24", "10.1.2.0/24", "tcp", NULL, NULL },

	[R_DST] = { "dst 8000-9000", "10.20.0.0/16", "tcp", NULL, "8000-9000" },
	[R_SRC] = { "src 5000-6000", "10.21.0.0/16", "udp", "5000-6000", NULL },
	[R_BOTH] = { "src 1000-2000 dst 443", "10.22.0.0/16", "tcp",
		     "1000-2000", "443" },
	[R_ZERO] = { "ports 0", "10.23.0.0/16", "udp", "0", "0" },
	[R_ONE] = { "dst 22", "10.24.0.0/16", "tcp", NULL, "22" },
	[R_LOW] = { "src 0-100", "10.25.0.0/16", "tcp", "0-100", NULL },
	[R_LOW_DST] = { "dst 0-1023", "10.26.0.0/16", "udp", NULL, "0-1023" },

	[R_ANY] = { "any", "10.30.0.0/16", NULL, NULL, NULL },
	[R_TCP] = { "tcp", "10.31.0.0/16", "tcp", NULL, NULL },
	[R_UDP] = { "udp", "10.32.0.0/16", "udp", NULL, NULL },
	[R_ANY_PORTS] = { "any dst 100-200", "10.33.0.0/16", "any", NULL,
			  "100-200" },

	[R_ICMP] = { "icmp", "10.40.0.0/16", "icmp", NULL, NULL },

	[R_D8] = { "D8", "10.0.0.0/8", "tcp", NULL, "2001" },
	[R_D1] = { "D1", "10.5.0.0/16", "tcp", NULL, "1001" },
	[R_D2] = { "D2", "10.5.0.0/16", "tcp", NULL, "1002" },
	[R_D3] = { "D3", "10.5.0.0/16", "tcp", NULL, "1003" },
	[R_D4] = { "D4", "10.5.0.0/16", "tcp", NULL, "1004" },
	[R_D24] = { "D24", "10.5.5.0/24", "tcp", NULL, "3001" },
	[R_SIB] = { "sibling", "10.6.0.0/16", "udp", NULL, NULL },

	[R_O8] = { "/8", "10.0.0.0/8", "tcp", NULL, "601" },
	[R_M16] = { "/16", "10.7.0.0/16", "tcp", NULL, "602" },
	[R_I24] = { "/24", "10.7.7.0/24", "tcp", NULL, "603" },

	[R_FRAG_PORT] = { "udp dst 53", "10.50.0.0/16", "udp", NULL, "53" },
	[R_FRAG_ANY] = { "udp", "10.51.0.0/16", "udp", NULL, NULL },
	[R_FRAG_LOW] = { "udp dst 0-1023", "10.52.0.0/16", "udp", NULL,
			 "0-1023" },

	[R_ALL] = { "all", NULL, NULL, NULL, NULL },
	[R_BE_NET] = { "backends' net", "192.0.2.0/24", NULL, NULL, NULL },

	[R_COVER] = { "covering", "10.9.0.0/16", "tcp", NULL, "80" },
	[R_LIST_LAST] = { "list head", "10.9.0.0/16", "udp", NULL, "10000" },

	[R_FLOOD] = { "flood tcp", "10.60.0.0/16", "tcp", NULL, NULL },
	[R_FLOOD_PORT] = { "flood dst 80", "10.60.1.0/24", "tcp", NULL, "80" },
	[R_FLOOD_HOST] = { "flood host", "10.60.1.1/32", NULL, NULL, NULL },
};

/*
 * One BPF_PROG_TEST_RUN. Before it, in order: @fresh empties the firewall
 * and adds its rules, @add adds rules, @del deletes rules, @setup does
 * the rest. Then the frame must get @act: XDP_DROP by @rule (whose
 * counter alone grows), or go on, untouched (XDP_PASS) or NATed
 * (XDP_REDIRECT).
 */
struct tcase {
	const char *desc;
	const enum rule_name *fresh;
	const enum rule_name *add;
	const enum rule_name *del;
	int (*setup)(void);
	enum side side;
	struct frame in;
	int act;
	enum rule_name rule;
	bool to_client;		/* redirected back to the client */
	bool fw_empty;		/* no rule, no network, stage off */
	int remembered;		/* 1: this CPU's fw_recent holds the source
				 * and @rule after the run, -1: it does not */
	bool busy;		/* run while a firewall write is under way */
};

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd, ncpus, run_cpu;	/* every test run on run_cpu */
static __u32 ifindex[SIDE_N];
static __u32 rule_id[R_N];		/* 0: not in the firewall */
static __u32 unnamed_rules;		/* rules the cases do not name */

/* ---- the firewall, set up through lib/fw.c ---- */

/* The rule scmlb-fw set makes of its options, with the same parsers. */
static int rule_from_spec(const struct rule_spec *s,
			  struct scmlb_fw_rule *rule)
{
	const char *why = NULL;
	int err = tb_fw_rule_parse(s->network, s->proto, s->src_port,
				   s->dst_port, rule, &why);

	if (err)
		note("rule %s: %s", s->name, why);
	return err;
}

/* scmlb-fw set. */
static int rule_add_spec(const struct rule_spec *s, __u32 *id)
{
	struct scmlb_fw_rule rule;
	int err = rule_from_spec(s, &rule);

	if (err)
		return err;
	err = scmlb_fw_rule_add(&lb, &rule);
	if (err)
		note("adding rule %s: %s", s->name, strerror(-err));
	*id = rule.id;
	return err;
}

static int rule_add(enum rule_name r)
{
	if (rule_id[r]) {
		note("rule %s is in the firewall already", specs[r].name);
		return -EEXIST;
	}
	return rule_add_spec(&specs[r], &rule_id[r]);
}

/* scmlb-fw delete. */
static int rule_delete(enum rule_name r)
{
	int err = scmlb_fw_rule_delete(&lb, rule_id[r]);

	if (err)
		note("deleting rule %s (id %u): %s", specs[r].name, rule_id[r],
		     strerror(-err));
	else
		rule_id[r] = 0;
	return err;
}

static int array_zero_n(int fd, size_t value_size, __u32 n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 i;
	void *zeros = calloc(n, value_size);
	__u32 *keys = calloc(n, sizeof(*keys));
	int err = 0;

	if (!zeros || !keys) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		keys[i] = i;
	if (bpf_map_update_batch(fd, keys, zeros, &n, &opts))
		err = -errno;
out:
	free(zeros);
	free(keys);
	return err;
}

static int array_zero(int fd, size_t value_size)
{
	return array_zero_n(fd, value_size, SCMLB_FW_MAX_RULES);
}

/*
 * No rule at all, as on a fresh instance: each group starts from here
 * whatever the groups before it left, deletes that went wrong included.
 */
static int fw_wipe(void)
{
	struct scmlb_fw6_key key6;
	struct scmlb_fw_key key;
	int err;

	err = scmlb_config_read(&lb, &lb.cfg);
	if (!err)
		err = tb_map_clear(lb.maps.fw_nets, &key);
	if (!err)
		err = tb_map_clear(lb.maps.fw6_nets, &key6);
	if (!err)
		err = array_zero_n(lb.maps.fw6_net_info,
				   sizeof(struct scmlb_fw6_net), SCMLB_FW6_MAX_NETS);
	if (err)
		return err;
	err = array_zero(lb.maps.fw_net_info, sizeof(struct scmlb_fw_net));
	if (!err)
		err = array_zero(lb.maps.fw_rules,
				 sizeof(struct scmlb_fw_rule));
	if (err)
		return err;
	/* next_fw_id goes on: ids are never reused */
	lb.cfg.fw_rules = 0;
	lb.cfg.fw6_net_slots = 0;
	err = scmlb_config_write(&lb, &lb.cfg);
	memset(rule_id, 0, sizeof(rule_id));
	unnamed_rules = 0;
	return err;
}

/* ---- fixtures ---- */

/* The instance: the VIP on the upstream, one backend behind fwt-be. */
static int fx_instance(void)
{
	int err = tb_instance(&lb, VIP, ifindex[SIDE_UP], mac_up, CT_SIZE, -1);

	return err ? err : tb_backend_add(&lb, 1, BE_ADDR, ifindex[SIDE_BE],
					  mac_be, mac_beif, NULL);
}

/*
 * MANY_RULES rules on 200 networks of 100.64.0.0/10, none holding
 * 10.9.9.9; each would drop its TCP to port 80 but for the network. In
 * each of 8 /16s, 24 /24s come first and the /16 last, so that it takes
 * them in. 200, not 10000 networks: scmlb_fw_rule_add() reads all of
 * fw_net_info for a new network, some 30 ms here.
 */
static int fx_many_nets(void)
{
	struct rule_spec s = { .name = "unnamed" };
	__u32 i, n, id;
	char net[32];
	int err = 0;

	for (i = 0; i < MANY_RULES && !err; i++) {
		n = i % 200;
		if (n % 25 == 24)
			snprintf(net, sizeof(net), "100.%u.0.0/16",
				 64 + n / 25);
		else
			snprintf(net, sizeof(net), "100.%u.%u.0/24",
				 64 + n / 25, n % 25);
		s.network = net;
		s.proto = i % 2 ? "tcp" : NULL;
		s.dst_port = i % 2 ? "80" : NULL;
		err = rule_add_spec(&s, &id);
		unnamed_rules += !err;
	}
	return err;
}

/*
 * A list of MANY_RULES rules in the network holding the source: the
 * covering rule at its tail (a network's newest rule is its head), UDP
 * rules for ports 1 to 9998 before it, R_LIST_LAST at its head.
 */
static int fx_long_list(void)
{
	struct rule_spec s = { "unnamed", "10.9.0.0/16", "udp", NULL, NULL };
	char port[8];
	__u32 i, id;
	int err = rule_add(R_COVER);

	for (i = 1; i < MANY_RULES - 1 && !err; i++) {
		snprintf(port, sizeof(port), "%u", i);
		s.dst_port = port;
		err = rule_add_spec(&s, &id);
		unnamed_rules += !err;
	}
	return err ? err : rule_add(R_LIST_LAST);
}

/* ---- the cases ---- */

#define RULES(...)	((const enum rule_name[]){ __VA_ARGS__, R_NONE })
#define NO_RULES	RULES(R_NONE)

/* From a client address to the VIP or another address on the upstream. */
#define FROM(src, dst)							\
	.src_mac = mac_client, .dst_mac = mac_up, .saddr = (src),	\
	.daddr = (dst)
#define TCP_FL(sp, dp, fl)						\
	.proto = IPPROTO_TCP, .sport = (sp), .dport = (dp), .tcp_flags = (fl)
#define TCP(sp, dp)	TCP_FL(sp, dp, TF_SYN)
#define UDP(sp, dp)							\
	.proto = IPPROTO_UDP, .sport = (sp), .dport = (dp), .payload = 13
#define ICMP		.proto = IPPROTO_ICMP, .payload = 16
#define GRE		.proto = IPPROTO_GRE, .payload = 16
/* not the first fragment: what sits where ports would be is data */
#define FRAG		.frag_off = 185

#define DROP(r)		.act = XDP_DROP, .rule = (r)
#define PASS		.act = XDP_PASS
#define FWD		.act = XDP_REDIRECT

#define SRC_A		IP4(10, 1, 2, 3)
#define SRC_F		IP4(10, 60, 1, 1)

static const struct tcase cases[] = {
	{ "no rule: SYN to the VIP forwarded", .fresh = NO_RULES,
	  .in = { FROM(SRC_A, VIP), TCP(40000, 80) }, FWD },

	/* 1: every network holding the source counts, not the longest only */
	{ "A 10/8 tcp dst 80, B 10.1/16 udp: TCP 80 from 10.1.2.3 dropped by A",
	  .fresh = RULES(R_A, R_B),
	  .in = { FROM(SRC_A, OTHER_ADDR), TCP(40001, 80) }, DROP(R_A) },
	{ "the same SYN to the VIP: dropped by A, no flow", NULL,
	  .in = { FROM(SRC_A, VIP), TCP(40001, 80) }, DROP(R_A) },
	{ "UDP from 10.1.2.3: dropped by B", NULL,
	  .in = { FROM(SRC_A, OTHER_ADDR), UDP(5000, 53) }, DROP(R_B) },
	{ "UDP from 10.1.2.3 to the VIP: dropped by B", NULL,
	  .in = { FROM(SRC_A, VIP), UDP(5000, 53) }, DROP(R_B) },
	{ "UDP from 10.2.0.1 (in A's network only): passed", NULL,
	  .in = { FROM(IP4(10, 2, 0, 1), OTHER_ADDR), UDP(5000, 53) }, PASS },
	{ "UDP from 10.2.0.1 to the VIP: forwarded", NULL,
	  .in = { FROM(IP4(10, 2, 0, 1), VIP), UDP(5000, 53) }, FWD },
	{ "TCP 80 from 10.2.0.1: dropped by A", NULL,
	  .in = { FROM(IP4(10, 2, 0, 1), OTHER_ADDR), TCP(40002, 80) },
	  DROP(R_A) },
	{ "TCP 81 from 10.1.2.3: passed", NULL,
	  .in = { FROM(SRC_A, OTHER_ADDR), TCP(40003, 81) }, PASS },
	{ "TCP 80 from 11.0.0.1 (no network): passed", NULL,
	  .in = { FROM(IP4(11, 0, 0, 1), OTHER_ADDR), TCP(40004, 80) }, PASS },
	{ "B added before A: TCP 80 from 10.1.2.3 dropped by A",
	  .fresh = RULES(R_B, R_A),
	  .in = { FROM(SRC_A, OTHER_ADDR), TCP(40005, 80) }, DROP(R_A) },
	{ "B added before A: UDP from 10.1.2.3 dropped by B", NULL,
	  .in = { FROM(SRC_A, OTHER_ADDR), UDP(5001, 53) }, DROP(R_B) },
	{ "0/0 udp dst 53, 10.1.2.0/24 tcp: UDP 53 from 10.1.2.3 by 0/0",
	  .fresh = RULES(R_WORLD, R_24),
	  .in = { FROM(SRC_A, OTHER_ADDR), UDP(5002, 53) }, DROP(R_WORLD) },
	{ "TCP from 10.1.2.3: dropped by the /24", NULL,
	  .in = { FROM(SRC_A, VIP), TCP(40006, 53) }, DROP(R_24) },
	{ "UDP 54 from 10.1.2.3: forwarded", NULL,
	  .in = { FROM(SRC_A, VIP), UDP(5002, 54) }, FWD },
	{ "UDP 53 from 198.51.100.7 (only 0/0 holds it): dropped by 0/0",
	  NULL, .in = { FROM(CLIENT, VIP), UDP(5003, 53) }, DROP(R_WORLD) },
	{ "/24 added before 0/0: UDP 53 from 10.1.2.3 dropped by 0/0",
	  .fresh = RULES(R_24, R_WORLD),
	  .in = { FROM(SRC_A, OTHER_ADDR), UDP(5004, 53) }, DROP(R_WORLD) },
	{ "/24 added before 0/0: TCP from 10.1.2.3 dropped by the /24", NULL,
	  .in = { FROM(SRC_A, OTHER_ADDR), TCP(40007, 53) }, DROP(R_24) },

	/* 2: port range edges */
	{ "dst 8000-9000: 8000 dropped",
	  .fresh = RULES(R_DST, R_SRC, R_BOTH, R_ZERO, R_ONE, R_LOW,
			 R_LOW_DST),
	  .in = { FROM(IP4(10, 20, 0, 1), VIP), TCP(40100, 8000) },
	  DROP(R_DST) },
	{ "dst 8000-9000: 9000 dropped", NULL,
	  .in = { FROM(IP4(10, 20, 0, 1), VIP), TCP(40100, 9000) },
	  DROP(R_DST) },
	{ "dst 8000-9000: 7999 forwarded", NULL,
	  .in = { FROM(IP4(10, 20, 0, 1), VIP), TCP(40100, 7999) }, FWD },
	{ "dst 8000-9000: 9001 forwarded", NULL,
	  .in = { FROM(IP4(10, 20, 0, 1), VIP), TCP(40100, 9001) }, FWD },
	{ "dst 8000-9000: source port 8500 is not the destination", NULL,
	  .in = { FROM(IP4(10, 20, 0, 1), OTHER_ADDR), TCP(8500, 80) }, PASS },
	{ "src 5000-6000: 5000 dropped", NULL,
	  .in = { FROM(IP4(10, 21, 0, 1), OTHER_ADDR), UDP(5000, 53) },
	  DROP(R_SRC) },
	{ "src 5000-6000: 6000 dropped", NULL,
	  .in = { FROM(IP4(10, 21, 0, 1), OTHER_ADDR), UDP(6000, 53) },
	  DROP(R_SRC) },
	{ "src 5000-6000: 4999 passed", NULL,
	  .in = { FROM(IP4(10, 21, 0, 1), OTHER_ADDR), UDP(4999, 53) }, PASS },
	{ "src 5000-6000: 6001 passed", NULL,
	  .in = { FROM(IP4(10, 21, 0, 1), OTHER_ADDR), UDP(6001, 53) }, PASS },
	{ "src 5000-6000: destination port 5500 is not the source", NULL,
	  .in = { FROM(IP4(10, 21, 0, 1), OTHER_ADDR), UDP(53, 5500) }, PASS },
	{ "src 1000-2000 dst 443: both match, dropped", NULL,
	  .in = { FROM(IP4(10, 22, 0, 1), VIP), TCP(1500, 443) },
	  DROP(R_BOTH) },
	{ "src 1000-2000 dst 443: edges 1000 and 443, dropped", NULL,
	  .in = { FROM(IP4(10, 22, 0, 1), VIP), TCP(1000, 443) },
	  DROP(R_BOTH) },
	{ "src 1000-2000 dst 443: edges 2000 and 443, dropped", NULL,
	  .in = { FROM(IP4(10, 22, 0, 1), VIP), TCP(2000, 443) },
	  DROP(R_BOTH) },
	{ "src 1000-2000 dst 443: only the source matches, forwarded", NULL,
	  .in = { FROM(IP4(10, 22, 0, 1), VIP), TCP(1500, 444) }, FWD },
	{ "src 1000-2000 dst 443: only the destination matches, forwarded",
	  NULL, .in = { FROM(IP4(10, 22, 0, 1), VIP), TCP(2001, 443) }, FWD },
	{ "ports 0 (any): UDP 1 to 65535 dropped", NULL,
	  .in = { FROM(IP4(10, 23, 0, 1), OTHER_ADDR), UDP(1, 65535) },
	  DROP(R_ZERO) },
	{ "ports 0 (any): UDP 65535 to 1 dropped", NULL,
	  .in = { FROM(IP4(10, 23, 0, 1), OTHER_ADDR), UDP(65535, 1) },
	  DROP(R_ZERO) },
	{ "ports 0 (any): UDP 0 to 0 dropped", NULL,
	  .in = { FROM(IP4(10, 23, 0, 1), OTHER_ADDR), UDP(0, 0) },
	  DROP(R_ZERO) },
	{ "dst 22: 22 dropped", NULL,
	  .in = { FROM(IP4(10, 24, 0, 1), OTHER_ADDR), TCP(40101, 22) },
	  DROP(R_ONE) },
	{ "dst 22: 21 passed", NULL,
	  .in = { FROM(IP4(10, 24, 0, 1), OTHER_ADDR), TCP(40101, 21) }, PASS },
	{ "dst 22: 23 passed", NULL,
	  .in = { FROM(IP4(10, 24, 0, 1), OTHER_ADDR), TCP(40101, 23) }, PASS },
	{ "src 0-100 (from 0 is not any): 0 dropped", NULL,
	  .in = { FROM(IP4(10, 25, 0, 1), OTHER_ADDR), TCP(0, 80) },
	  DROP(R_LOW) },
	{ "src 0-100: 100 dropped", NULL,
	  .in = { FROM(IP4(10, 25, 0, 1), OTHER_ADDR), TCP(100, 80) },
	  DROP(R_LOW) },
	{ "src 0-100: 101 passed", NULL,
	  .in = { FROM(IP4(10, 25, 0, 1), OTHER_ADDR), TCP(101, 80) }, PASS },
	{ "dst 0-1023: 0 dropped", NULL,
	  .in = { FROM(IP4(10, 26, 0, 1), OTHER_ADDR), UDP(5100, 0) },
	  DROP(R_LOW_DST) },
	{ "dst 0-1023: 1023 dropped", NULL,
	  .in = { FROM(IP4(10, 26, 0, 1), OTHER_ADDR), UDP(5100, 1023) },
	  DROP(R_LOW_DST) },
	{ "dst 0-1023: 1024 passed", NULL,
	  .in = { FROM(IP4(10, 26, 0, 1), OTHER_ADDR), UDP(5100, 1024) },
	  PASS },

	/* 3: any protocol, or one */
	{ "any: ICMP dropped",
	  .fresh = RULES(R_ANY, R_TCP, R_UDP, R_ANY_PORTS),
	  .in = { FROM(IP4(10, 30, 0, 1), VIP), ICMP }, DROP(R_ANY) },
	{ "any: TCP dropped", NULL,
	  .in = { FROM(IP4(10, 30, 0, 1), VIP), TCP(40200, 80) },
	  DROP(R_ANY) },
	{ "any: UDP dropped", NULL,
	  .in = { FROM(IP4(10, 30, 0, 1), VIP), UDP(5200, 53) }, DROP(R_ANY) },
	{ "any: GRE dropped", NULL,
	  .in = { FROM(IP4(10, 30, 0, 1), OTHER_ADDR), GRE }, DROP(R_ANY) },
	{ "tcp: TCP dropped", NULL,
	  .in = { FROM(IP4(10, 31, 0, 1), VIP), TCP(40201, 80) },
	  DROP(R_TCP) },
	{ "tcp: UDP forwarded", NULL,
	  .in = { FROM(IP4(10, 31, 0, 1), VIP), UDP(5201, 53) }, FWD },
	{ "tcp: ICMP passed", NULL,
	  .in = { FROM(IP4(10, 31, 0, 1), VIP), ICMP }, PASS },
	{ "tcp: GRE passed", NULL,
	  .in = { FROM(IP4(10, 31, 0, 1), OTHER_ADDR), GRE }, PASS },
	{ "udp: UDP dropped", NULL,
	  .in = { FROM(IP4(10, 32, 0, 1), VIP), UDP(5202, 53) }, DROP(R_UDP) },
	{ "udp: TCP forwarded", NULL,
	  .in = { FROM(IP4(10, 32, 0, 1), VIP), TCP(40202, 80) }, FWD },
	{ "any dst 100-200: TCP 150 dropped", NULL,
	  .in = { FROM(IP4(10, 33, 0, 1), VIP), TCP(40203, 150) },
	  DROP(R_ANY_PORTS) },
	{ "any dst 100-200: UDP 150 dropped", NULL,
	  .in = { FROM(IP4(10, 33, 0, 1), VIP), UDP(5203, 150) },
	  DROP(R_ANY_PORTS) },
	{ "any dst 100-200: UDP 250 forwarded", NULL,
	  .in = { FROM(IP4(10, 33, 0, 1), VIP), UDP(5203, 250) }, FWD },
	{ "any dst 100-200: ICMP (no ports) passed", NULL,
	  .in = { FROM(IP4(10, 33, 0, 1), VIP), ICMP }, PASS },
	{ "any dst 100-200: GRE (no ports) passed", NULL,
	  .in = { FROM(IP4(10, 33, 0, 1), OTHER_ADDR), GRE }, PASS },

	/* 4: ICMP */
	{ "icmp: echo to the VIP dropped", .fresh = RULES(R_ICMP),
	  .in = { FROM(IP4(10, 40, 0, 1), VIP), ICMP }, DROP(R_ICMP) },
	{ "icmp: echo to another address dropped", NULL,
	  .in = { FROM(IP4(10, 40, 0, 1), OTHER_ADDR), ICMP }, DROP(R_ICMP) },
	{ "icmp: TCP to the VIP forwarded", NULL,
	  .in = { FROM(IP4(10, 40, 0, 1), VIP), TCP(40300, 80) }, FWD },
	{ "icmp: UDP to another address passed", NULL,
	  .in = { FROM(IP4(10, 40, 0, 1), OTHER_ADDR), UDP(5300, 53) }, PASS },
	{ "icmp: GRE passed", NULL,
	  .in = { FROM(IP4(10, 40, 0, 1), OTHER_ADDR), GRE }, PASS },

	/* 5: deletes; D1..D3 share 10.5/16 (list D3, D2, D1) inside D8's /8 */
#define SRC_D	FROM(IP4(10, 5, 5, 5), OTHER_ADDR)
	{ "deletes: D8 drops TCP 2001 from 10.5.5.5",
	  .fresh = RULES(R_D8, R_D1, R_D2, R_D3, R_D24, R_SIB),
	  .in = { SRC_D, TCP(40400, 2001) }, DROP(R_D8) },
	{ "deletes: D1 drops 1001", NULL, .in = { SRC_D, TCP(40400, 1001) },
	  DROP(R_D1) },
	{ "deletes: D2 drops 1002", NULL, .in = { SRC_D, TCP(40400, 1002) },
	  DROP(R_D2) },
	{ "deletes: D3 drops 1003", NULL, .in = { SRC_D, TCP(40400, 1003) },
	  DROP(R_D3) },
	{ "deletes: D24 drops 3001", NULL, .in = { SRC_D, TCP(40400, 3001) },
	  DROP(R_D24) },
	{ "deletes: the sibling network's rule drops UDP from 10.6.0.1", NULL,
	  .in = { FROM(IP4(10, 6, 0, 1), OTHER_ADDR), UDP(5400, 53) },
	  DROP(R_SIB) },
	{ "D2 (middle of the list) deleted: 1002 passed", NULL,
	  .del = RULES(R_D2), .in = { SRC_D, TCP(40400, 1002) }, PASS },
	{ "D2 deleted: D1 still drops 1001", NULL,
	  .in = { SRC_D, TCP(40400, 1001) }, DROP(R_D1) },
	{ "D2 deleted: D3 still drops 1003", NULL,
	  .in = { SRC_D, TCP(40400, 1003) }, DROP(R_D3) },
	{ "D2 deleted: D8 still drops 2001", NULL,
	  .in = { SRC_D, TCP(40400, 2001) }, DROP(R_D8) },
	{ "D2 deleted: D24 still drops 3001", NULL,
	  .in = { SRC_D, TCP(40400, 3001) }, DROP(R_D24) },
	{ "D3 (head) deleted: 1003 passed", NULL, .del = RULES(R_D3),
	  .in = { SRC_D, TCP(40400, 1003) }, PASS },
	{ "D3 deleted: D1 still drops 1001", NULL,
	  .in = { SRC_D, TCP(40400, 1001) }, DROP(R_D1) },
	{ "D3 deleted: D8 still drops 2001", NULL,
	  .in = { SRC_D, TCP(40400, 2001) }, DROP(R_D8) },
	{ "D4 added (list D4, D1), D1 (tail) deleted: 1001 passed", NULL,
	  .add = RULES(R_D4), .del = RULES(R_D1),
	  .in = { SRC_D, TCP(40400, 1001) }, PASS },
	{ "D1 deleted: D8 still drops 2001", NULL,
	  .in = { SRC_D, TCP(40400, 2001) }, DROP(R_D8) },
	{ "D1 deleted: D24 still drops 3001", NULL,
	  .in = { SRC_D, TCP(40400, 3001) }, DROP(R_D24) },
	{ "D1 deleted: the sibling still drops UDP from 10.6.0.1", NULL,
	  .in = { FROM(IP4(10, 6, 0, 1), OTHER_ADDR), UDP(5400, 53) },
	  DROP(R_SIB) },
	{ "D1 deleted: D4 still drops 1004", NULL,
	  .in = { SRC_D, TCP(40400, 1004) }, DROP(R_D4) },
	{ "D4 (the /16's last rule, a /24 inside) deleted: 1004 passed", NULL,
	  .del = RULES(R_D4), .in = { SRC_D, TCP(40400, 1004) }, PASS },
	{ "/16 gone: D8 still drops 2001 from inside the /24", NULL,
	  .in = { SRC_D, TCP(40400, 2001) }, DROP(R_D8) },
	{ "/16 gone: D8 drops 2001 from 10.5.6.1, outside the /24", NULL,
	  .in = { FROM(IP4(10, 5, 6, 1), OTHER_ADDR), TCP(40400, 2001) },
	  DROP(R_D8) },
	{ "/16 gone: D24 still drops 3001", NULL,
	  .in = { SRC_D, TCP(40400, 3001) }, DROP(R_D24) },
	{ "D24 (the /24's last rule) deleted: 3001 passed", NULL,
	  .del = RULES(R_D24), .in = { SRC_D, TCP(40400, 3001) }, PASS },
	{ "/24 gone: D8 still drops 2001", NULL,
	  .in = { SRC_D, TCP(40400, 2001) }, DROP(R_D8) },
	{ "D8 deleted: 2001 passed", NULL, .del = RULES(R_D8),
	  .in = { SRC_D, TCP(40400, 2001) }, PASS },
	{ "D8 deleted: the sibling still drops UDP from 10.6.0.1", NULL,
	  .in = { FROM(IP4(10, 6, 0, 1), OTHER_ADDR), UDP(5400, 53) },
	  DROP(R_SIB) },
	{ "every rule deleted: stage off, SYN from 10.5.5.5 forwarded", NULL,
	  .del = RULES(R_SIB), .in = { FROM(IP4(10, 5, 5, 5), VIP),
				       TCP(40401, 2001) }, FWD,
	  .fw_empty = true },
	{ "every rule deleted: UDP from 10.6.0.1 forwarded", NULL,
	  .in = { FROM(IP4(10, 6, 0, 1), VIP), UDP(5400, 53) }, FWD,
	  .fw_empty = true },
#undef SRC_D

	/* 6: nested networks in every order: the parent links show */
#define NESTED(order, ...)						\
	{ order ": /8 drops 601 from 10.7.7.7",				\
	  .fresh = RULES(__VA_ARGS__),					\
	  .in = { FROM(IP4(10, 7, 7, 7), OTHER_ADDR), TCP(40500, 601) },\
	  DROP(R_O8) },							\
	{ order ": /16 drops 602 from 10.7.7.7", NULL,			\
	  .in = { FROM(IP4(10, 7, 7, 7), OTHER_ADDR), TCP(40500, 602) },\
	  DROP(R_M16) },						\
	{ order ": /24 drops 603 from 10.7.7.7", NULL,			\
	  .in = { FROM(IP4(10, 7, 7, 7), OTHER_ADDR), TCP(40500, 603) },\
	  DROP(R_I24) },						\
	{ order ": /8 drops 601 from 10.7.8.8", NULL,			\
	  .in = { FROM(IP4(10, 7, 8, 8), OTHER_ADDR), TCP(40500, 601) },\
	  DROP(R_O8) },							\
	{ order ": /16 drops 602 from 10.7.8.8", NULL,			\
	  .in = { FROM(IP4(10, 7, 8, 8), OTHER_ADDR), TCP(40500, 602) },\
	  DROP(R_M16) },						\
	{ order ": 603 from 10.7.8.8 passed", NULL,			\
	  .in = { FROM(IP4(10, 7, 8, 8), OTHER_ADDR), TCP(40500, 603) },\
	  PASS },							\
	{ order ": 602 from 10.8.0.1 passed", NULL,			\
	  .in = { FROM(IP4(10, 8, 0, 1), OTHER_ADDR), TCP(40500, 602) },\
	  PASS }
	NESTED("/8 /16 /24", R_O8, R_M16, R_I24),
	NESTED("/24 /16 /8", R_I24, R_M16, R_O8),
	NESTED("/8 /24 /16", R_O8, R_I24, R_M16),
	NESTED("/24 /8 /16", R_I24, R_O8, R_M16),
	NESTED("/16 /8 /24", R_M16, R_O8, R_I24),
	NESTED("/16 /24 /8", R_M16, R_I24, R_O8),
#undef NESTED

	/* 7: a fragment after the first has no ports */
	{ "udp dst 53: whole datagram to 53 dropped",
	  .fresh = RULES(R_FRAG_PORT, R_FRAG_ANY, R_FRAG_LOW),
	  .in = { FROM(IP4(10, 50, 0, 1), VIP), UDP(5600, 53) },
	  DROP(R_FRAG_PORT) },
	{ "udp dst 53: later fragment (53 where the port was) passed", NULL,
	  .in = { FROM(IP4(10, 50, 0, 1), VIP), UDP(5600, 53), FRAG }, PASS },
	{ "udp (any port): later fragment dropped", NULL,
	  .in = { FROM(IP4(10, 51, 0, 1), VIP), UDP(5601, 53), FRAG },
	  DROP(R_FRAG_ANY) },
	{ "udp (any port): later TCP fragment passed", NULL,
	  .in = { FROM(IP4(10, 51, 0, 1), VIP), TCP(40600, 53), FRAG }, PASS },
	{ "udp dst 0-1023: later fragment (no port is not port 0) passed",
	  NULL, .in = { FROM(IP4(10, 52, 0, 1), VIP), UDP(0, 0), FRAG },
	  PASS },
	{ "udp dst 0-1023: whole datagram to 0 dropped", NULL,
	  .in = { FROM(IP4(10, 52, 0, 1), VIP), UDP(0, 0) },
	  DROP(R_FRAG_LOW) },

	/* 8: what the firewall does not see */
	{ "0/0 any: ARP passed", .fresh = RULES(R_ALL),
	  .in = { FROM(SRC_A, VIP), TCP(40700, 80), .eth_proto = ETH_P_ARP },
	  PASS },
	{ "0/0 any: IPv6 ethertype passed", NULL,
	  .in = { FROM(SRC_A, VIP), TCP(40700, 80), .eth_proto = ETH_P_IPV6 },
	  PASS },
	{ "0/0 any: the same SYN as IPv4 dropped", NULL,
	  .in = { FROM(SRC_A, VIP), TCP(40700, 80) }, DROP(R_ALL) },
	{ "0/0 any: a frame on the backend side passed, not counted (an "
	  "any-port service's backend)", NULL, .side = SIDE_BE,
	  .in = { .src_mac = mac_be, .dst_mac = mac_beif, .saddr = BE_ADDR,
		  .daddr = CLIENT, TCP(VPORT, 40701) }, PASS },
	{ "192.0.2.0/24 any: SYN from 198.51.100.7 forwarded",
	  .fresh = RULES(R_BE_NET),
	  .in = { FROM(CLIENT, VIP), TCP(40702, VPORT) }, FWD },
	{ "192.0.2.0/24 any: backend's SYN-ACK returned to the client", NULL,
	  .side = SIDE_BE,
	  .in = { .src_mac = mac_be, .dst_mac = mac_beif, .saddr = BE_ADDR,
		  .daddr = CLIENT, TCP_FL(VPORT, 40702, TF_SYN | TF_ACK) },
	  .act = XDP_REDIRECT, .to_client = true },
	{ "192.0.2.0/24 any: the backend's address on the upstream dropped",
	  NULL, .in = { FROM(BE_ADDR, VIP), TCP(VPORT, 40702) },
	  DROP(R_BE_NET) },

	/* 9: many rules */
	{ "10000 rules on other networks and one covering: dropped by it",
	  .fresh = RULES(R_COVER), .setup = fx_many_nets,
	  .in = { FROM(IP4(10, 9, 9, 9), VIP), TCP(40800, 80) },
	  DROP(R_COVER) },
	{ "10000 rules on other networks: TCP 81 forwarded", NULL,
	  .in = { FROM(IP4(10, 9, 9, 9), VIP), TCP(40800, 81) }, FWD },
	{ "10000 rules on other networks, covering one deleted: forwarded",
	  NULL, .del = RULES(R_COVER),
	  .in = { FROM(IP4(10, 9, 9, 9), VIP), TCP(40800, 80) }, FWD },
	{ "10000 rules on other networks: 100.64.1.1 dropped by one", NULL,
	  .in = { FROM(IP4(100, 64, 1, 1), OTHER_ADDR), ICMP },
	  .act = XDP_DROP },
	{ "a list of 10000 in 10.9/16: its tail rule drops TCP 80",
	  .fresh = NO_RULES, .setup = fx_long_list,
	  .in = { FROM(IP4(10, 9, 9, 9), VIP), TCP(40801, 80) },
	  DROP(R_COVER) },
	{ "a list of 10000 in 10.9/16: its head rule drops UDP 10000", NULL,
	  .in = { FROM(IP4(10, 9, 9, 9), VIP), UDP(5800, 10000) },
	  DROP(R_LIST_LAST) },
	{ "a list of 10000 in 10.9/16: TCP 81 forwarded", NULL,
	  .in = { FROM(IP4(10, 9, 9, 9), VIP), TCP(40801, 81) }, FWD },

	/*
	 * 10: a flooding source's rule, remembered by the CPU (fw_recent):
	 * the same verdicts and counters as the walk, while the rules last
	 */
	{ "remembered: TCP from 10.60.1.1 dropped by 10.60/16 tcp",
	  .fresh = RULES(R_FLOOD),
	  .in = { FROM(SRC_F, VIP), TCP(41000, 80) }, DROP(R_FLOOD),
	  .remembered = 1 },
	{ "remembered: its next SYN, to another port, dropped by it", NULL,
	  .in = { FROM(SRC_F, VIP), TCP(41001, 443) }, DROP(R_FLOOD),
	  .remembered = 1 },
	/* recalled before the L4 header is read: the walk's verdict still */
	{ "remembered: a TCP header of doff 4 dropped by it", NULL,
	  .in = { FROM(SRC_F, VIP), TCP(41001, 443), .doff = 4 },
	  DROP(R_FLOOD), .remembered = 1 },
	{ "remembered: a later TCP fragment dropped by it", NULL,
	  .in = { FROM(SRC_F, VIP), TCP(41001, 443), .frag_off = 0x0010 },
	  DROP(R_FLOOD), .remembered = 1 },
	{ "remembered: UDP from the same source forwarded", NULL,
	  .in = { FROM(SRC_F, VIP), UDP(5900, 53) }, FWD },
	{ "remembered: a /24 dst 80 added: TCP 80 dropped by it", NULL,
	  .add = RULES(R_FLOOD_PORT),
	  .in = { FROM(SRC_F, VIP), TCP(41002, 80) }, DROP(R_FLOOD_PORT) },
	{ "remembered: TCP 81 dropped by the /16, met second", NULL,
	  .in = { FROM(SRC_F, VIP), TCP(41003, 81) }, DROP(R_FLOOD) },
	{ "remembered: TCP 80 again dropped by the /24", NULL,
	  .in = { FROM(SRC_F, VIP), TCP(41004, 80) }, DROP(R_FLOOD_PORT) },
	{ "remembered: a /32 any added: TCP 80 dropped by it", NULL,
	  .add = RULES(R_FLOOD_HOST),
	  .in = { FROM(SRC_F, VIP), TCP(41005, 80) }, DROP(R_FLOOD_HOST),
	  .remembered = 1 },
	{ "remembered: UDP dropped by the /32 too", NULL,
	  .in = { FROM(SRC_F, VIP), UDP(5901, 53) }, DROP(R_FLOOD_HOST),
	  .remembered = 1 },
	{ "remembered: the /32 deleted: TCP 80 dropped by the /24", NULL,
	  .del = RULES(R_FLOOD_HOST),
	  .in = { FROM(SRC_F, VIP), TCP(41006, 80) }, DROP(R_FLOOD_PORT) },
	{ "remembered: the /24 deleted: TCP 80 dropped by the /16", NULL,
	  .del = RULES(R_FLOOD_PORT),
	  .in = { FROM(SRC_F, VIP), TCP(41007, 80) }, DROP(R_FLOOD),
	  .remembered = 1 },
	{ "remembered: the /16 deleted: TCP 80 forwarded", NULL,
	  .del = RULES(R_FLOOD),
	  .in = { FROM(SRC_F, VIP), TCP(41008, 80) }, FWD },
	{ "remembered: a write under way: the rule is walked to, not recalled",
	  .fresh = RULES(R_FLOOD), .busy = true,
	  .in = { FROM(SRC_F, VIP), TCP(41009, 80) }, DROP(R_FLOOD),
	  .remembered = -1 },
};

/* ---- checks ---- */

/* The frame @c must produce: its input, or as the NAT rewrites it. */
static size_t expected_frame(const struct tcase *c, const __u8 *in,
			     size_t len, __u8 *exp)
{
	struct frame f = c->in;

	if (c->act != XDP_REDIRECT) {
		memcpy(exp, in, len);
		return len;
	}
	if (c->to_client) {
		f.saddr = VIP;
		f.src_mac = mac_up;
		f.dst_mac = mac_client;
	} else {
		f.daddr = BE_ADDR;
		f.src_mac = mac_beif;
		f.dst_mac = mac_be;
	}
	return frame_build(&f, exp);
}

/* An upstream packet counts for its protocol and fate; a reply if returned. */
static bool stats_ok(const struct tcase *c, const struct scmlb_stats *before,
		     const struct scmlb_stats *after)
{
	struct scmlb_stats want = { 0 };

	if (c->side == SIDE_UP) {
		tb_stats_rx(&want, &c->in, 1);
		want.passed = c->act == XDP_PASS;
		want.frags_unmatched = c->act == XDP_PASS &&
				       tb_frag_unmatched(&c->in, VIP);
		want.fw_dropped = c->act == XDP_DROP;
	}
	want.forwarded = c->act == XDP_REDIRECT && !c->to_client;
	want.returned = c->act == XDP_REDIRECT && c->to_client;
	return tb_stats_delta_ok(before, after, &want);
}

/* Rule slots ever used: ids grow from 1, a slot is id % SCMLB_FW_MAX_RULES. */
static __u32 slots_used(void)
{
	__u32 next = lb.cfg.next_fw_id;

	return next && next < SCMLB_FW_MAX_RULES ? next : SCMLB_FW_MAX_RULES;
}

/* fw_drops, each slot summed over the CPUs; 0 where no rule ever was. */
static int drops_read(__u64 *sum)
{
	__u32 n = slots_used();
	__u64 *v = calloc((size_t)n * ncpus, sizeof(*v));
	size_t i;
	int err, c;

	if (!v)
		return -ENOMEM;
	memset(sum, 0, SCMLB_FW_MAX_RULES * sizeof(*sum));
	err = scmlb_array_read(lb.maps.fw_drops, n, ncpus * sizeof(*v), v);
	for (i = 0; !err && i < n; i++)
		for (c = 0; c < ncpus; c++)
			sum[i] += v[i * ncpus + c];
	free(v);
	return err;
}

static const char *slot_rule_name(__u32 slot)
{
	int r;

	for (r = 1; r < R_N; r++)
		if (rule_id[r] && rule_id[r] % SCMLB_FW_MAX_RULES == slot)
			return specs[r].name;
	return "unnamed";
}

/* Whether the rule in @slot is one the cases do not name, holding @saddr. */
static bool unnamed_holds(__u32 slot, __u32 saddr)
{
	struct scmlb_fw_rule r;
	int i;

	for (i = 1; i < R_N; i++)
		if (rule_id[i] && rule_id[i] % SCMLB_FW_MAX_RULES == slot)
			return false;
	return !bpf_map_lookup_elem(lb.maps.fw_rules, &slot, &r) && r.id &&
	       (htonl(saddr) & r.mask) == r.addr;
}

/*
 * Only the rule that dropped the packet counts it; without @c->rule, one
 * of the rules the cases do not name whose network holds the source.
 */
static bool drops_ok(const struct tcase *c, const __u64 *before,
		     const __u64 *after)
{
	__u32 slot, want = SCMLB_FW_NONE, hits = 0;
	bool ok = true;

	if (c->rule)
		want = rule_id[c->rule] % SCMLB_FW_MAX_RULES;
	for (slot = 0; slot < SCMLB_FW_MAX_RULES; slot++) {
		__u64 d = after[slot] - before[slot];

		if (!d)
			continue;
		hits++;
		if (d == 1 && (slot == want ||
			       (c->act == XDP_DROP && !c->rule &&
				unnamed_holds(slot, c->in.saddr))))
			continue;
		note("drop counter of rule %s (slot %u) grew by %llu",
		     slot_rule_name(slot), slot, (unsigned long long)d);
		ok = false;
	}
	if (c->act == XDP_DROP && hits != 1) {
		note("%u drop counters grew, expected 1 (rule %s)", hits,
		     c->rule ? specs[c->rule].name : "any");
		ok = false;
	}
	return ok;
}

/*
 * What scmlb-fw get would show: the rules the cases added, no other,
 * each as it was set, and the dropping rule's count as fw_drops has it.
 */
static bool listing_ok(const struct tcase *c, const __u64 *drops)
{
	struct scmlb_fw_entry *list = NULL;
	__u32 want_n = unnamed_rules, r, id;
	struct scmlb_fw_rule want;
	size_t n = 0, i;
	bool ok = true;
	int err;

	err = scmlb_fw_rules_list(&lb, true, &list, &n);
	if (err) {
		note("scmlb_fw_rules_list: %s", strerror(-err));
		return false;
	}
	for (r = 1; r < R_N; r++) {
		if (!rule_id[r])
			continue;
		want_n++;
		for (i = 0; i < n && list[i].rule.id != rule_id[r]; i++)
			;
		if (i == n) {
			note("rule %s (id %u) is not listed", specs[r].name,
			     rule_id[r]);
			ok = false;
			continue;
		}
		if (rule_from_spec(&specs[r], &want) ||
		    !scmlb_fw_rule_same(&want, &list[i].rule)) {
			note("rule %s is listed unlike it was set",
			     specs[r].name);
			ok = false;
		}
		if (r == c->rule) {
			id = rule_id[r] % SCMLB_FW_MAX_RULES;
			if (list[i].dropped != drops[id]) {
				note("rule %s listed with %llu drops, not %llu",
				     specs[r].name,
				     (unsigned long long)list[i].dropped,
				     (unsigned long long)drops[id]);
				ok = false;
			}
		}
	}
	if (n != want_n) {
		note("%zu rules listed, expected %u", n, want_n);
		ok = false;
	}
	free(list);
	return ok;
}

/* The rule count that turns the stage on, and with no rule no network. */
static bool fw_state_ok(const struct tcase *c)
{
	__u32 want = unnamed_rules, r, i;
	struct scmlb_fw_net *nets;
	struct scmlb_config cfg;
	struct scmlb_fw_key key;
	bool ok = true;
	int err;

	for (r = 1; r < R_N; r++)
		want += !!rule_id[r];
	err = scmlb_config_read(&lb, &cfg);
	if (err) {
		note("reading lb_config: %s", strerror(-err));
		return false;
	}
	if (cfg.fw_rules != want) {
		note("lb_config.fw_rules is %u, expected %u", cfg.fw_rules,
		     want);
		ok = false;
	}
	if (!c->fw_empty)
		return ok;
	if (!bpf_map_get_next_key(lb.maps.fw_nets, NULL, &key)) {
		note("fw_nets still holds a network");
		ok = false;
	}
	nets = calloc(SCMLB_FW_MAX_RULES, sizeof(*nets));
	if (!nets)
		return false;
	err = scmlb_array_read(lb.maps.fw_net_info, SCMLB_FW_MAX_RULES,
			       sizeof(*nets), nets);
	for (i = 0; !err && i < SCMLB_FW_MAX_RULES; i++) {
		if (nets[i].in_use) {
			note("fw_net_info slot %u still in use", i);
			ok = false;
			break;
		}
	}
	free(nets);
	return ok && !err;
}

/* Whether run_cpu's fw_recent holds @saddr (host order) with @r's slot. */
static bool recent_holds(__u32 saddr, enum rule_name r)
{
	struct scmlb_fw_recent *v;
	bool found = false;
	__u32 i;

	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return false;
	for (i = 0; i < SCMLB_FW_RECENT_SLOTS && !found; i++) {
		if (bpf_map__lookup_elem(skel->maps.fw_recent, &i, sizeof(i), v,
					 ncpus * sizeof(*v), 0))
			break;
		found = v[run_cpu].used && v[run_cpu].saddr == htonl(saddr) &&
			v[run_cpu].rule == rule_id[r] % SCMLB_FW_MAX_RULES;
	}
	free(v);
	return found;
}

static bool recent_ok(const struct tcase *c)
{
	bool held;

	if (!c->remembered)
		return true;
	held = recent_holds(c->in.saddr, c->rule);
	if (held != (c->remembered > 0))
		note("fw_recent %s the source with rule '%s'",
		     held ? "holds" : "does not hold", specs[c->rule].name);
	return held == (c->remembered > 0);
}

static int case_setup(const struct tcase *c)
{
	const enum rule_name *r;
	int err = 0;

	if (c->fresh) {
		err = fw_wipe();
		for (r = c->fresh; !err && *r; r++)
			err = rule_add(*r);
	}
	for (r = c->add; !err && r && *r; r++)
		err = rule_add(*r);
	for (r = c->del; !err && r && *r; r++)
		err = rule_delete(*r);
	if (!err && c->setup)
		err = c->setup();
	if (!err && c->busy)
		err = scmlb_config_set_flag(&lb, SCMLB_CFG_FW_BUSY, true);
	return err;
}

static enum tap_result run_case(const struct tcase *c,
				__u64 *drops_before, __u64 *drops_after)
{
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	struct scmlb_flow_key key = tb_frame_key(&c->in);
	struct scmlb_stats before, after;
	size_t len, exp_len;
	__u32 out_len = 0;
	int err, act = -1;
	bool ok = true;

	err = case_setup(c);
	if (err) {
		note("setup failed: %s", strerror(-err));
		return RES_FAIL;
	}
	len = frame_build(&c->in, in);
	exp_len = expected_frame(c, in, len, exp);
	/* a dropped packet must leave no flow: none from earlier cases */
	if (c->side == SIDE_UP)
		err = tb_flow_forget(&lb, &key);
	if (err) {
		note("forgetting the flow: %s", strerror(-err));
		return RES_FAIL;
	}

	err = tb_stats_read(&lb, &before);
	if (!err)
		err = drops_read(drops_before);
	if (!err)
		err = prog_run(main_fd, ifindex[c->side], in, len, out,
			       &out_len, &act);
	if (c->busy) {
		int e = scmlb_config_set_flag(&lb, SCMLB_CFG_FW_BUSY, false);

		err = err ? err : e;
	}
	if (!err)
		err = tb_stats_read(&lb, &after);
	if (!err)
		err = drops_read(drops_after);
	if (err) {
		note("BPF_PROG_TEST_RUN: %s", strerror(-err));
		return RES_FAIL;
	}

	ok &= run_out_ok(c->act, act, exp, exp_len, out, out_len);
	if (c->act == XDP_DROP && !tb_flow_check(&lb, &key, NULL)) {
		note("the dropped packet made a conntrack entry");
		ok = false;
	}
	ok &= stats_ok(c, &before, &after);
	ok &= drops_ok(c, drops_before, drops_after);
	ok &= recent_ok(c);
	/* scmlb_fw_rules_list() reads every slot: where it tells something */
	if (c->fresh || c->add || c->del || c->setup || c->rule)
		ok &= listing_ok(c, drops_after);
	ok &= fw_state_ok(c);
	return ok ? RES_OK : RES_FAIL;
}

/* The test's part of the start, once the data plane is loaded. */
/* ---- IPv6 sources ---- */

#define NOT_VIP6	"2001:db8:ff::1"	/* no VIP: the host's */

/* An IPv6 rule as scmlb-fw set's options; NULL: not given. */
struct rule6 {
	const char *network;
	const char *proto;
	const char *src_port;
	const char *dst_port;
};

/*
 * An IPv6 frame (IPv4 when @src is NULL) from the client to NOT_VIP6,
 * run after the firewall holds just @rules: it must be dropped by rule
 * @hit (whose counter alone grows, by @runs) or passed untouched (@hit
 * -1). @recall: after the first drop this CPU's fw6_recent holds the
 * source and the rule, and the later runs are dropped as well.
 */
struct tcase6 {
	const char *desc;
	struct rule6 rules[4];		/* network NULL ends them */
	const char *src;
	__u8 proto;
	__u16 sport;
	__u16 dport;
	__u8 icmp_type;			/* ICMPv6; 0: echo request */
	int hit;
	int runs;			/* 0: 1 */
	bool recall;
};

#define T6(sp, dp)	.proto = IPPROTO_TCP, .sport = (sp), .dport = (dp)
#define U6(sp, dp)	.proto = IPPROTO_UDP, .sport = (sp), .dport = (dp)
#define I6(type)	.proto = IPPROTO_ICMPV6, .icmp_type = (type)

#define NESTED6 {							\
	{ "2001:db8:a::/48", "tcp", NULL, "80" },			\
	{ "2001:db8:a:1::/64", "udp", NULL, NULL },			\
	{ "2001:db8:a:1::7/128", "icmp", NULL, NULL } }
#define PORTS6 { { "2001:db8:b::/48", "tcp", "1000-2000", "8000-9000" } }

static const struct tcase6 cases6[] = {
	{ "IPv6: a /64 tcp rule drops TCP from inside the /64",
	  { { "2001:db8:a:1::/64", "tcp", NULL, NULL } }, "2001:db8:a:1::7", T6(40000, 80),
	  .hit = 0 },
	{ "IPv6: ... and not from the next /64",
	  { { "2001:db8:a:1::/64", "tcp", NULL, NULL } }, "2001:db8:a:2::7", T6(40000, 80),
	  .hit = -1 },
	{ "IPv6: a /128 rule drops its host's UDP",
	  { { "2001:db8:a:1::7/128", NULL, NULL, NULL } }, "2001:db8:a:1::7", U6(5000, 53),
	  .hit = 0 },
	{ "IPv6: ... and not the next address's",
	  { { "2001:db8:a:1::7/128", NULL, NULL, NULL } }, "2001:db8:a:1::8", U6(5000, 53),
	  .hit = -1 },
	{ "IPv6: every covering rule counts: the /48's tcp dst 80 below a /64 and a /128",
	  NESTED6, "2001:db8:a:1::7", T6(40000, 80), .hit = 0 },
	{ "IPv6: every covering rule counts: the /64's udp",
	  NESTED6, "2001:db8:a:1::7", U6(40000, 80), .hit = 1 },
	{ "IPv6: an icmp rule drops ICMPv6 (echo request)",
	  NESTED6, "2001:db8:a:1::7", I6(128), .hit = 2 },
	{ "IPv6: no covering rule matches TCP to port 81",
	  NESTED6, "2001:db8:a:1::7", T6(40000, 81), .hit = -1 },
	{ "IPv6: neighbour solicitation passes an icmp rule (link traffic first)",
	  NESTED6, "2001:db8:a:1::7", I6(135), .hit = -1 },
	{ "IPv6: src 1000-2000 dst 8000-9000: 1500 -> 8500 dropped",
	  PORTS6, "2001:db8:b::1", T6(1500, 8500), .hit = 0 },
	{ "IPv6: src 1000-2000 dst 8000-9000: 999 -> 8500 passed",
	  PORTS6, "2001:db8:b::1", T6(999, 8500), .hit = -1 },
	{ "IPv6: src 1000-2000 dst 8000-9000: 2000 -> 9001 passed",
	  PORTS6, "2001:db8:b::1", T6(2000, 9001), .hit = -1 },
	{ "IPv6: ::/0 udp src 53 (shorter than /32) drops any source's",
	  { { "::/0", "udp", "53", NULL } }, "2001:db9::1", U6(53, 4000), .hit = 0 },
	{ "IPv6: ::/0 udp src 53 passes src 54",
	  { { "::/0", "udp", "53", NULL } }, "2001:db9::1", U6(54, 4000), .hit = -1 },
	{ "IPv6: 0.0.0.0/0 matches no IPv6 source",
	  { { "0.0.0.0/0", NULL, NULL, NULL } }, "2001:db8:a:1::7", T6(40000, 80), .hit = -1 },
	{ "IPv6: ::/0 matches no IPv4 source",
	  { { "::/0", NULL, NULL, NULL } }, NULL, T6(40000, 80), .hit = -1 },
	{ "IPv6: a flooding /128 is remembered per CPU, then dropped by recall alone",
	  { { "2001:db8:c::9/128", NULL, NULL, NULL } }, "2001:db8:c::9", T6(40000, 443),
	  .hit = 0, .runs = 3, .recall = true },
	{ "IPv6: a port rule is not remembered",
	  { { "2001:db8:c::9/128", "tcp", NULL, "443" } }, "2001:db8:c::9",
	  T6(40000, 443), .hit = 0, .runs = 2 },
};

/* scmlb-fw set with @r's options, through scmlb_fw_entry_add(). */
static int rule6_add(const struct rule6 *r, __u32 *id)
{
	struct scmlb_port_range src = { 0 }, dst = { 0 };
	struct scmlb_fw_entry e = { 0 };
	struct scmlb_cidr net;
	const char *why = "";
	int err;

	err = scmlb_parse_cidr(r->network, &net, &why);
	if (!err && r->proto)
		err = scmlb_parse_l4_proto(r->proto, &e.rule.proto, &why);
	if (!err && r->src_port)
		err = scmlb_parse_port_range(r->src_port, &src, &why);
	if (!err && r->dst_port)
		err = scmlb_parse_port_range(r->dst_port, &dst, &why);
	if (err) {
		note("rule %s: %s", r->network, why);
		return err;
	}
	e.rule.family = net.family;
	e.rule.prefixlen = net.prefixlen;
	e.rule.src_from = src.from;
	e.rule.src_to = src.to;
	e.rule.dst_from = dst.from;
	e.rule.dst_to = dst.to;
	memcpy(e.addr, net.addr, sizeof(e.addr));
	err = scmlb_fw_entry_add(&lb, &e, 0);
	if (err)
		note("adding rule %s: %s", r->network, strerror(-err));
	*id = e.rule.id;
	return err;
}

/* @c's frame, built from scratch. */
static size_t frame6_of(const struct tcase6 *c, __u8 *b)
{
	struct frame f4 = {
		FROM(CLIENT, OTHER_ADDR), .proto = c->proto, .sport = c->sport,
		.dport = c->dport, .tcp_flags = TF_SYN,
	};
	struct frame6 f = {
		.src_mac = mac_client, .dst_mac = mac_up, .proto = c->proto,
		.sport = c->sport, .dport = c->dport, .tcp_flags = TF_SYN,
		.icmp_type = c->icmp_type,
		.payload = c->proto == IPPROTO_TCP ? 0 : 16,
	};

	if (!c->src)
		return frame_build(&f4, b);
	ip6_pton(c->src, f.saddr);
	ip6_pton(NOT_VIP6, f.daddr);
	return frame6_build(&f, b);
}

/* A per-CPU fw6_recent value as the kernel copies it: 8-byte aligned. */
#define RECENT6_SIZE ((sizeof(struct scmlb_fw6_recent) + 7) & ~(size_t)7)

/* Whether this CPU's fw6_recent holds @c's source and the rule of @slot. */
static bool recent6_holds(const struct tcase6 *c, __u32 slot)
{
	char *v = calloc(ncpus, RECENT6_SIZE);
	const struct scmlb_fw6_recent *mine;
	__u8 addr[16];
	bool found = false;
	__u32 i;

	ip6_pton(c->src, addr);
	for (i = 0; v && !found && i < SCMLB_FW_RECENT_SLOTS; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.fw6_recent), &i, v))
			break;
		mine = (const void *)(v + run_cpu * RECENT6_SIZE);
		found = mine->used && mine->rule == slot &&
			!memcmp(mine->saddr, addr, sizeof(addr));
	}
	free(v);
	return found;
}

/* Take @network out of fw6_nets behind lib/fw.c's back (the rules stay as they were). */
static int trie6_forget(const char *network)
{
	struct scmlb_fw6_key key = { 0 };
	struct scmlb_cidr net;
	const char *why;

	if (scmlb_parse_cidr(network, &net, &why))
		return -EINVAL;
	key.prefixlen = net.prefixlen;
	memcpy(key.addr, net.addr, sizeof(key.addr));
	return bpf_map_delete_elem(lb.maps.fw6_nets, &key) ? -errno : 0;
}

static enum tap_result run_case6(const struct tcase6 *c)
{
	void *none = calloc(ncpus, RECENT6_SIZE);
	__u32 ids[4] = { 0 }, n = 0, i;
	__u8 in[256], out[512];
	__u64 *before, *after;
	__u32 out_len;
	size_t len;
	int act, r, runs = c->runs ? c->runs : 1;
	bool ok = true;

	if (!none || fw_wipe()) {
		free(none);
		return RES_FAIL;
	}
	/* a recall of an earlier case's source must not stand for this one's */
	for (i = 0; i < SCMLB_FW_RECENT_SLOTS; i++)
		bpf_map_update_elem(bpf_map__fd(skel->maps.fw6_recent), &i, none,
				    BPF_ANY);
	free(none);
	for (n = 0; n < 4 && c->rules[n].network; n++)
		if (rule6_add(&c->rules[n], &ids[n]))
			return RES_FAIL;
	before = calloc(SCMLB_FW_MAX_RULES, sizeof(*before));
	after = calloc(SCMLB_FW_MAX_RULES, sizeof(*after));
	if (!before || !after || drops_read(before)) {
		free(before);
		free(after);
		return RES_FAIL;
	}
	len = frame6_of(c, in);
	for (r = 0; ok && r < runs; r++) {
		out_len = sizeof(out);
		if (prog_run(main_fd, ifindex[SIDE_UP], in, len, out, &out_len,
			     &act)) {
			ok = false;
			break;
		}
		ok = c->hit < 0 ? run_out_ok(XDP_PASS, act, in, len, out, out_len) :
				  act == XDP_DROP;
		if (!ok)
			note("run %d: %s", r + 1, act_name(act));
		if (ok && c->recall && r == 0 &&
		    !recent6_holds(c, ids[c->hit] % SCMLB_FW_MAX_RULES)) {
			note("fw6_recent does not hold the source");
			ok = false;
		}
		/* the trie no longer leads to the rule: only a recall drops */
		if (ok && c->recall && r == 0 && trie6_forget(c->rules[c->hit].network))
			ok = false;
		/* a rule with ports stands for none of the source's others */
		if (ok && c->hit >= 0 && (c->rules[c->hit].src_port ||
					  c->rules[c->hit].dst_port) &&
		    recent6_holds(c, ids[c->hit] % SCMLB_FW_MAX_RULES)) {
			note("fw6_recent holds a rule with ports");
			ok = false;
		}
	}
	if (ok && drops_read(after))
		ok = false;
	for (i = 0; ok && i < n; i++) {
		__u32 slot = ids[i] % SCMLB_FW_MAX_RULES;
		__u64 want = (int)i == c->hit ? (__u64)runs : 0;

		if (after[slot] - before[slot] != want) {
			note("rule %s dropped %llu, expected %llu",
			     c->rules[i].network,
			     (unsigned long long)(after[slot] - before[slot]),
			     (unsigned long long)want);
			ok = false;
		}
	}
	free(before);
	free(after);
	return ok ? RES_OK : RES_FAIL;
}

/*
 * scmlb-fw set refuses an IPv6 network past SCMLB_FW6_MAX_NETS (the
 * table full of live networks, as 32768 sets would leave it) and
 * changes nothing; the IPv4 table is not IPv6's.
 */
static enum tap_result run_full6(void)
{
	struct scmlb_fw6_net *nets = calloc(SCMLB_FW6_MAX_NETS, sizeof(*nets));
	struct rule6 r6 = { "2001:db8:f::/48", NULL, NULL, NULL };
	struct rule6 r4 = { "10.77.0.0/16", NULL, NULL, NULL };
	__u32 *keys = calloc(SCMLB_FW6_MAX_NETS, sizeof(*keys));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 i, n = SCMLB_FW6_MAX_NETS, id = 0, rules;
	bool ok = nets && keys && !fw_wipe();

	for (i = 0; ok && i < n; i++) {
		keys[i] = i;
		nets[i] = (struct scmlb_fw6_net){
			.head = SCMLB_FW_NONE, .parent = SCMLB_FW_NONE,
			.addr = { htonl(0x20010db8), htonl(0xe0000 + i) },
			.prefixlen = 64, .in_use = SCMLB_FW_NET_LIVE,
		};
	}
	if (ok && bpf_map_update_batch(lb.maps.fw6_net_info, keys, nets, &n,
				       &opts))
		ok = false;
	if (ok) {
		ok = !scmlb_config_read(&lb, &lb.cfg);
		lb.cfg.fw6_net_slots = SCMLB_FW6_MAX_NETS;
		rules = lb.cfg.fw_rules;
		ok = ok && !scmlb_config_write(&lb, &lb.cfg);
	}
	if (ok && rule6_add(&r6, &id) != -ENOSPC) {
		note("an IPv6 network past %u was not refused", SCMLB_FW6_MAX_NETS);
		ok = false;
	}
	notes_reset();
	if (ok && (scmlb_config_read(&lb, &lb.cfg) || lb.cfg.fw_rules != rules)) {
		note("the refused rule changed the rule count");
		ok = false;
	}
	if (ok && rule6_add(&r4, &id)) {
		note("an IPv4 network was refused with IPv6's table full");
		ok = false;
	}
	free(nets);
	free(keys);
	ok = !fw_wipe() && ok;
	return ok ? RES_OK : RES_FAIL;
}

static int bpf_setup(void)
{
	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0)
		return ncpus;
	return fx_instance();
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};
	__u64 *drops_before, *drops_after;
	int failed = 0;
	cpu_set_t one;
	size_t i;

	/* fw_recent is per CPU: the cases that check it follow each other */
	run_cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(run_cpu, &one);
	if (run_cpu < 0 || sched_setaffinity(0, sizeof(one), &one)) {
		printf("Bail out! cannot stay on one CPU: %s\n", strerror(errno));
		return 1;
	}
	if (!tb_start(&tb, &failed))
		return failed;
	drops_before = calloc(SCMLB_FW_MAX_RULES, sizeof(*drops_before));
	drops_after = calloc(SCMLB_FW_MAX_RULES, sizeof(*drops_after));
	if (!drops_before || !drops_after) {
		printf("Bail out! out of memory\n");
		return 1;
	}

	printf("1..%zu\n", ARRAY_SIZE(cases) + ARRAY_SIZE(cases6) + 1);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		notes_reset();
		failed += tap_case(i + 1, cases[i].desc,
				   run_case(&cases[i], drops_before,
					    drops_after), NULL);
	}
	for (i = 0; i < ARRAY_SIZE(cases6); i++) {
		notes_reset();
		failed += tap_case(ARRAY_SIZE(cases) + i + 1, cases6[i].desc,
				   run_case6(&cases6[i]), NULL);
	}
	notes_reset();
	failed += tap_case(ARRAY_SIZE(cases) + ARRAY_SIZE(cases6) + 1,
			   "IPv6: a network past SCMLB_FW6_MAX_NETS is refused, IPv4's are not",
			   run_full6(), NULL);
	free(drops_before);
	free(drops_after);
	scmlb_bpf__destroy(skel);
	return failed ? 1 : 0;
}
