// SPDX-License-Identifier: GPL-2.0
/* test_dos.c - TAP tests of the DoS stage, policies set up as scmlb-dos does */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "dos.h"
#include "frames.h"
#include "fw.h"
#include "maps.h"
#include "progs.h"
#include "scmlb.skel.h"
#include "services.h"
#include "testbed.h"

/* Addresses and ports in host order; the frame builder converts them. */
#define VIP		IP4(203, 0, 113, 11)
#define OTHER_ADDR	IP4(203, 0, 113, 12)	/* not a VIP: the host's own */
#define IDLE_VIP	IP4(203, 0, 113, 13)	/* a VIP without backends */
#define SRC_A		IP4(198, 51, 100, 1)
#define SRC_B		IP4(198, 51, 100, 2)
#define SRC_C		IP4(198, 51, 100, 3)
#define SRC_D		IP4(198, 51, 100, 4)
#define SRC_E		IP4(198, 51, 100, 5)
#define BE_ADDR		IP4(192, 0, 2, 2)	/* the one backend */
#define VPORT		8080

#define CT_SIZE		1024

#define LIMIT		5		/* scmlb-dos set -l 5 */
#define HIGH		1000000		/* a limit no case reaches */
#define COUNT_ANY	0xffffffffu	/* a count's packets not checked */
#define COUNTS_MAX	64		/* entries a case may leave */

#define BIT(class)	(1u << (class))
#define ALL_CLASSES	(BIT(SCMLB_DOS_CLASSES) - 1)

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, 0x01 };
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf0, 0x01 };

enum side { SIDE_UP, SIDE_BE, SIDE_N };

static const char *const if_names[SIDE_N] = { "dost-up", "dost-be" };

static const char *const class_names[SCMLB_DOS_CLASSES] = {
	[SCMLB_DOS_TCP_FIN] = "tcp fin", [SCMLB_DOS_TCP_SYN] = "tcp syn",
	[SCMLB_DOS_TCP_RST] = "tcp rst", [SCMLB_DOS_TCP_PSH] = "tcp psh",
	[SCMLB_DOS_TCP_URG] = "tcp urg", [SCMLB_DOS_TCP_ECE] = "tcp ece",
	[SCMLB_DOS_TCP_CWR] = "tcp cwr", [SCMLB_DOS_TCP_ACK] = "tcp ack",
	[SCMLB_DOS_UDP] = "udp", [SCMLB_DOS_ICMP] = "icmp",
};

/* The original's order: a TCP packet's type is its first flag set here. */
static const struct {
	__u8 flag;
	__u32 class;
} first_flag[] = {
	{ TF_FIN, SCMLB_DOS_TCP_FIN }, { TF_SYN, SCMLB_DOS_TCP_SYN },
	{ TF_RST, SCMLB_DOS_TCP_RST }, { TF_PSH, SCMLB_DOS_TCP_PSH },
	{ TF_URG, SCMLB_DOS_TCP_URG }, { TF_ECE, SCMLB_DOS_TCP_ECE },
	{ TF_CWR, SCMLB_DOS_TCP_CWR },
};

/* Which second a count's `second` must be, against the data plane's. */
enum sec { SEC_ANY, SEC_NOW, SEC_PAST, SEC_OLD };	/* now, -1, -2 */

/* A dos_counts entry; a list of them ends with saddr 0. */
struct count_spec {
	__u32 saddr;
	__u32 class;
	__u32 packets;		/* COUNT_ANY: not checked */
	bool blocked;
	enum sec sec;
};

/* A firewall rule a policy added for a source; a list ends with saddr 0. */
struct rule_spec {
	__u32 saddr;
	__u32 class;		/* of the policy that added it */
	__u64 dropped;		/* packets it dropped since it was added */
};

/* What is done to the instance after the counts are given. */
enum op {
	OP_NONE,
	OP_NEXT_SECOND,		/* every count is a second older */
	OP_ENFORCE,		/* scmlb_dos_enforce(), as scmlb-gc runs it */
	OP_DELETE,		/* scmlb_dos_policy_delete() of op_class */
	OP_STAGE_OFF,		/* lb_config.dos_policies 0, policies kept */
};

/*
 * One group of BPF_PROG_TEST_RUNs. Before them, in order: @fresh removes
 * every policy, count, rule and flow and adds a policy on each class of
 * @watch (limit @limit, HIGH when 0) as scmlb-dos set does; @given makes
 * dos_counts exactly that; @op runs. Then @times copies of @in must
 * each get @act (XDP_DROP by the firewall when @by_fw, else by DoS
 * protection), untouched, or NATed to the backend (XDP_REDIRECT), and
 * @drops more copies DoS protection's XDP_DROP, untouched. Afterwards
 * dos_counts must be exactly @counts, and the firewall exactly @rules
 * (NULL: nothing), every counter grown by exactly these frames.
 */
struct tcase {
	const char *desc;
	bool fresh;
	__u32 watch;
	__u32 limit;
	const struct count_spec *given;
	enum op op;
	__u32 op_class;
	__u32 added;		/* rules OP_ENFORCE must add */
	enum side side;
	struct frame in;
	__u32 times;		/* 0: 1 */
	int act;
	bool by_fw;
	__u32 drops;
	const struct count_spec *counts;
	const struct rule_spec *rules;
};

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd, clock_fd;
static __u32 ifindex[SIDE_N];
static __u32 policy_id[SCMLB_DOS_CLASSES];	/* 0: no policy */
static __u32 policy_limit[SCMLB_DOS_CLASSES];
static bool stage_off;		/* OP_STAGE_OFF ran */

static const char *addr_str(__u32 addr, char *buf)
{
	struct in_addr a = { htonl(addr) };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- the data plane's clock ---- */

/* bpf_jiffies64() as the data plane reads it, from its clock program. */
static int dp_jiffies(__u64 *jiffies)
{
	__u64 mono_ns;

	return scmlb_clock_read(clock_fd, jiffies, &mono_ns);
}

/* The second dos_check() counts in: jiffies / lb_config.hz. */
static int dp_second(__u64 *second)
{
	__u64 j;
	int err = dp_jiffies(&j);

	if (!err)
		*second = j / lb.cfg.hz;
	return err;
}

/*
 * Wait, if need be, until a quarter of a second is left in the data
 * plane's current second: a case's frames, which take milliseconds, then
 * all fall in one second, and only @op moves the clock on.
 */
static int clock_settle(void)
{
	struct timespec ts;
	__u64 j, left;
	int err;

	for (;;) {
		err = dp_jiffies(&j);
		if (err)
			return err;
		left = lb.cfg.hz - j % lb.cfg.hz;
		if (left >= lb.cfg.hz / 4)
			return 0;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1000000000ULL / lb.cfg.hz) + 1000000;
		nanosleep(&ts, NULL);
	}
}

/* ---- policies, counts, rules ---- */

static int counts_clear(void)
{
	struct scmlb_dos_key key;

	return tb_map_clear(lb.maps.dos_counts, &key);
}

static __u64 sec_value(enum sec sec, __u64 now)
{
	return now - (sec == SEC_PAST ? 1 : sec == SEC_OLD ? 2 : 0);
}

/* dos_counts made exactly @given, seconds relative to @now. */
static int counts_give(const struct count_spec *given, __u64 now)
{
	const struct count_spec *g;
	int err = counts_clear();

	for (g = given; !err && g->saddr; g++) {
		struct scmlb_dos_key key = { htonl(g->saddr), g->class };
		struct scmlb_dos_count val = {
			.second = sec_value(g->sec, now),
			.packets = g->packets,
			.blocked = g->blocked,
		};

		if (bpf_map_update_elem(lb.maps.dos_counts, &key, &val,
					BPF_ANY))
			err = -errno;
	}
	return err;
}

/* The clock moves on: every count belongs to the second before its own. */
static int counts_age(void)
{
	struct scmlb_dos_key key, next;
	struct scmlb_dos_count val;
	int more;

	more = !bpf_map_get_next_key(lb.maps.dos_counts, NULL, &key);
	while (more) {
		more = !bpf_map_get_next_key(lb.maps.dos_counts, &key, &next);
		if (bpf_map_lookup_elem(lb.maps.dos_counts, &key, &val))
			return -errno;
		val.second--;
		if (bpf_map_update_elem(lb.maps.dos_counts, &key, &val,
					BPF_EXIST))
			return -errno;
		key = next;
	}
	return 0;
}

/*
 * No policy, count, rule or flow, as on a fresh instance: each group
 * starts from here whatever the groups before it left.
 */
static int dos_wipe(void)
{
	struct scmlb_fw_entry *rules = NULL;
	struct scmlb_dos_policy pol;
	struct scmlb_flow_key fk;
	size_t n = 0, i;
	__u32 class;
	int err;

	err = scmlb_config_read(&lb, &lb.cfg);
	for (class = 0; !err && class < SCMLB_DOS_CLASSES; class++) {
		if (bpf_map_lookup_elem(lb.maps.dos_policies, &class, &pol))
			err = -errno;
		else if (pol.id)
			err = scmlb_dos_policy_delete(&lb, pol.id);
	}
	memset(policy_id, 0, sizeof(policy_id));
	memset(policy_limit, 0, sizeof(policy_limit));
	stage_off = false;
	if (!err)
		err = counts_clear();
	if (!err)
		err = scmlb_fw_rules_list(&lb, false, &rules, &n);
	for (i = 0; !err && i < n; i++)
		err = scmlb_fw_rule_delete(&lb, rules[i].rule.id);
	free(rules);
	if (!err)
		err = tb_map_clear(lb.maps.ct_replies, &fk);
	return err ? err : tb_map_clear(lb.maps.ct, &fk);
}

/* scmlb-dos set -l @limit, once for each class of @watch. */
static int policies_add(__u32 watch, __u32 limit)
{
	__u32 class;
	int err;

	for (class = 0; class < SCMLB_DOS_CLASSES; class++) {
		if (!(watch & BIT(class)))
			continue;
		err = scmlb_dos_policy_add(&lb, class, limit, 0, 128,
					   &policy_id[class]);
		if (err) {
			note("adding a %s policy: %s", class_names[class],
			     strerror(-err));
			return err;
		}
		policy_limit[class] = limit;
	}
	return 0;
}

/* scmlb-gc's DoS pass; each rule it reports is its policy's, for a source. */
static int enforce(const struct tcase *c)
{
	struct scmlb_dos_added *added = NULL;
	size_t n = 0, i;
	int err;

	err = scmlb_dos_enforce(&lb, &added, &n);
	if (err) {
		note("scmlb_dos_enforce: %s", strerror(-err));
	} else if (n != c->added) {
		note("scmlb_dos_enforce added %zu rules, expected %u", n,
		     c->added);
		err = -EPROTO;
	}
	for (i = 0; i < n && !err; i++) {
		if (added[i].class >= SCMLB_DOS_CLASSES || !added[i].rule ||
		    added[i].policy != policy_id[added[i].class] ||
		    added[i].limit != policy_limit[added[i].class]) {
			note("scmlb_dos_enforce reported rule %u of policy %u "
			     "(class %u, limit %u)", added[i].rule,
			     added[i].policy, added[i].class, added[i].limit);
			err = -EPROTO;
		}
	}
	free(added);
	return err;
}

/* ---- fixtures ---- */

/*
 * The instance: the VIP on the upstream, one backend behind dost-be, hz
 * and the clock reference as scmlb-attach takes them.
 */
static int fx_instance(void)
{
	static const struct tb_svc_spec specs[] = {
		{ VIP, 0, 0, SCMLB_SCHED_RR },
		{ IDLE_VIP, 0, 0, SCMLB_SCHED_RR },
	};
	__u32 ids[2];
	int err = tb_instance(&lb, VIP, ifindex[SIDE_UP], mac_up, CT_SIZE,
			      clock_fd);

	if (!err)
		err = tb_services_add(&lb, specs, 2, ids);
	return err ? err : tb_backend_add(&lb, 1, BE_ADDR, ifindex[SIDE_BE],
					  mac_be, mac_beif, NULL);
}

/* ---- the cases ---- */

#define COUNTS(...)	((const struct count_spec[]){ __VA_ARGS__, { 0 } })
#define NO_COUNTS	((const struct count_spec[]){ { 0 } })
#define CNT(addr, cl, n, ...)						\
	{ .saddr = (addr), .class = (cl), .packets = (n), __VA_ARGS__ }
#define RULES(...)	((const struct rule_spec[]){ __VA_ARGS__, { 0 } })

#define FIN		SCMLB_DOS_TCP_FIN
#define SYN		SCMLB_DOS_TCP_SYN
#define RST		SCMLB_DOS_TCP_RST
#define PSH		SCMLB_DOS_TCP_PSH
#define URG		SCMLB_DOS_TCP_URG
#define ECE		SCMLB_DOS_TCP_ECE
#define CWR		SCMLB_DOS_TCP_CWR
#define ACK		SCMLB_DOS_TCP_ACK
#define UDP_C		SCMLB_DOS_UDP
#define ICMP_C		SCMLB_DOS_ICMP

/* From a client address to the VIP or another address on the upstream. */
#define FROM(src, dst)							\
	.src_mac = mac_client, .dst_mac = mac_up, .saddr = (src),	\
	.daddr = (dst)
#define TCP_FL(sp, dp, fl)						\
	.proto = IPPROTO_TCP, .sport = (sp), .dport = (dp), .tcp_flags = (fl)
#define UDP(sp, dp)							\
	.proto = IPPROTO_UDP, .sport = (sp), .dport = (dp), .payload = 13
#define ICMP		.proto = IPPROTO_ICMP, .payload = 16
#define GRE		.proto = IPPROTO_GRE, .payload = 16
/* not the first fragment: no L4 header */
#define FRAG		.frag_off = 185

#define SYN_VIP(src)	FROM(src, VIP), TCP_FL(40000, VPORT, TF_SYN)
#define UDP_VIP(src)	FROM(src, VIP), UDP(5000, VPORT)

#define DROP		.act = XDP_DROP
#define FW_DROP		.act = XDP_DROP, .by_fw = true
#define PASS		.act = XDP_PASS
#define FWD		.act = XDP_REDIRECT

/*
 * A TCP packet (or UDP, ICMP) to a VIP that passes it (no backend): one
 * count in @class under a policy on @class alone, none under policies on
 * every other; none at all to the host's own address.
 */
#define CLASSIFY(name, cname, class, ...)				\
	{ name ": counted once as " cname ", the one class watched",	\
	  .fresh = true, .watch = BIT(class),				\
	  .in = { FROM(SRC_A, IDLE_VIP), __VA_ARGS__ }, PASS,		\
	  .counts = COUNTS(CNT(SRC_A, class, 1, .sec = SEC_NOW)) },	\
	{ name ": not counted, every class but " cname " watched",	\
	  .fresh = true, .watch = ALL_CLASSES & ~BIT(class),		\
	  .in = { FROM(SRC_A, IDLE_VIP), __VA_ARGS__ }, PASS },	\
	{ name ", to the host's own address: not counted, every class "	\
	  "watched", .fresh = true, .watch = ALL_CLASSES,		\
	  .in = { FROM(SRC_A, OTHER_ADDR), __VA_ARGS__ }, PASS }
#define CLASSIFY_TCP(name, cname, class, fl)				\
	CLASSIFY(name, cname, class, TCP_FL(40000, 80, fl))

/* The limit cases watch these classes with -l LIMIT. */
#define LIMIT_WATCH	(BIT(SYN) | BIT(UDP_C) | BIT(ICMP_C))

/* A stopped on syn; how far a stopped count goes on is no contract */
#define A_BLOCKED	CNT(SRC_A, SYN, COUNT_ANY, .blocked = true)

static const struct tcase cases[] = {
	/* 1: the packet type of every first flag, and combinations */
	CLASSIFY_TCP("FIN", "fin", FIN, TF_FIN),
	CLASSIFY_TCP("FIN|ACK", "fin", FIN, TF_FIN | TF_ACK),
	CLASSIFY_TCP("FIN|SYN", "fin", FIN, TF_FIN | TF_SYN),
	CLASSIFY_TCP("every flag", "fin", FIN, 0xff),
	CLASSIFY_TCP("SYN", "syn", SYN, TF_SYN),
	CLASSIFY_TCP("SYN|ACK", "syn", SYN, TF_SYN | TF_ACK),
	CLASSIFY_TCP("SYN|RST", "syn", SYN, TF_SYN | TF_RST),
	CLASSIFY_TCP("SYN|ECE|CWR", "syn", SYN, TF_SYN | TF_ECE | TF_CWR),
	CLASSIFY_TCP("RST", "rst", RST, TF_RST),
	CLASSIFY_TCP("RST|ACK", "rst", RST, TF_RST | TF_ACK),
	CLASSIFY_TCP("RST|PSH", "rst", RST, TF_RST | TF_PSH),
	CLASSIFY_TCP("PSH", "psh", PSH, TF_PSH),
	CLASSIFY_TCP("PSH|ACK", "psh", PSH, TF_PSH | TF_ACK),
	CLASSIFY_TCP("PSH|URG", "psh", PSH, TF_PSH | TF_URG),
	CLASSIFY_TCP("URG", "urg", URG, TF_URG),
	CLASSIFY_TCP("URG|ACK", "urg", URG, TF_URG | TF_ACK),
	CLASSIFY_TCP("URG|ECE", "urg", URG, TF_URG | TF_ECE),
	CLASSIFY_TCP("ECE", "ece", ECE, TF_ECE),
	CLASSIFY_TCP("ECE|ACK", "ece", ECE, TF_ECE | TF_ACK),
	CLASSIFY_TCP("ECE|CWR", "ece", ECE, TF_ECE | TF_CWR),
	CLASSIFY_TCP("CWR", "cwr", CWR, TF_CWR),
	CLASSIFY_TCP("CWR|ACK", "cwr", CWR, TF_CWR | TF_ACK),
	CLASSIFY_TCP("ACK", "ack", ACK, TF_ACK),
	CLASSIFY_TCP("no flag", "ack", ACK, 0),
	CLASSIFY("UDP", "udp", UDP_C, UDP(5000, 53)),
	CLASSIFY("ICMP echo", "icmp", ICMP_C, ICMP),
	/* a first fragment has the flags: it counts as its datagram */
	CLASSIFY("TCP SYN, first fragment", "syn", SYN,
		 TCP_FL(40000, 80, TF_SYN), .frag_off = IP_MF),
	CLASSIFY("UDP, later fragment", "udp", UDP_C, UDP(5000, 53), FRAG),

	/* what no policy watches, with a policy on every class */
	{ "GRE: not counted", .fresh = true, .watch = ALL_CLASSES,
	  .in = { FROM(SRC_A, VIP), GRE }, PASS },
	{ "TCP SYN, later fragment (no flags to read): not counted",
	  .in = { SYN_VIP(SRC_A), FRAG }, PASS },
	{ "TCP header past the IPv4 total length: not counted",
	  .in = { SYN_VIP(SRC_A), .tot_len = 20 + 8 }, PASS },
	{ "IPv6 ethertype: not counted",
	  .in = { SYN_VIP(SRC_A), .eth_proto = ETH_P_IPV6 }, PASS },
	{ "ARP ethertype: not counted",
	  .in = { SYN_VIP(SRC_A), .eth_proto = ETH_P_ARP }, PASS },
	{ "IP version 6 behind the IPv4 ethertype: not counted",
	  .in = { SYN_VIP(SRC_A), .ip_version = 6 }, PASS },
	{ "a SYN on the backend side: passed, not counted",
	  .side = SIDE_BE,
	  .in = { .src_mac = mac_be, .dst_mac = mac_beif, .saddr = BE_ADDR,
		  .daddr = SRC_A, TCP_FL(VPORT, 40000, TF_SYN) }, PASS },
	/* scmlb-dos(8): UDP and ICMP fragments count as udp and icmp */
	{ "UDP, later fragment: counted as udp",
	  .in = { UDP_VIP(SRC_B), FRAG }, PASS,
	  .counts = COUNTS(CNT(SRC_B, UDP_C, 1, .sec = SEC_NOW)) },
	{ "ICMP, later fragment: counted as icmp",
	  .in = { FROM(SRC_C, VIP), ICMP, FRAG }, PASS,
	  .counts = COUNTS(CNT(SRC_B, UDP_C, 1),
			   CNT(SRC_C, ICMP_C, 1, .sec = SEC_NOW)) },

	/* 2: counting and the limit (-l 5) on syn, udp, icmp */
	{ "limit 5: SYNs 1-5 from A to the VIP forwarded, 6-30 dropped",
	  .fresh = true, .watch = LIMIT_WATCH, .limit = LIMIT,
	  .in = { SYN_VIP(SRC_A) }, .times = LIMIT, FWD, .drops = 25,
	  .counts = COUNTS(A_BLOCKED) },
	{ "limit 5: A's 5th SYN in a second forwarded",
	  .given = COUNTS(CNT(SRC_A, SYN, 4, .sec = SEC_NOW)),
	  .in = { SYN_VIP(SRC_A) }, FWD,
	  .counts = COUNTS(CNT(SRC_A, SYN, 5, .sec = SEC_NOW)) },
	{ "limit 5: A's 6th SYN in a second dropped, A blocked",
	  .given = COUNTS(CNT(SRC_A, SYN, 5, .sec = SEC_NOW)),
	  .in = { SYN_VIP(SRC_A) }, DROP,
	  .counts = COUNTS(CNT(SRC_A, SYN, 6, .blocked = true,
			       .sec = SEC_NOW)) },
	{ "A blocked: a SYN from B forwarded and counted",
	  .in = { SYN_VIP(SRC_B) }, FWD,
	  .counts = COUNTS(A_BLOCKED, CNT(SRC_B, SYN, 1, .sec = SEC_NOW)) },
	{ "A blocked: UDP from A forwarded and counted as udp",
	  .in = { UDP_VIP(SRC_A) }, FWD,
	  .counts = COUNTS(A_BLOCKED, CNT(SRC_B, SYN, 1),
			   CNT(SRC_A, UDP_C, 1, .sec = SEC_NOW)) },
	{ "A blocked: ICMP from A passed and counted as icmp",
	  .in = { FROM(SRC_A, VIP), ICMP }, PASS,
	  .counts = COUNTS(A_BLOCKED, CNT(SRC_B, SYN, 1), CNT(SRC_A, UDP_C, 1),
			   CNT(SRC_A, ICMP_C, 1, .sec = SEC_NOW)) },
	{ "A blocked: the ACK of its open flow forwarded (no ack policy)",
	  .in = { FROM(SRC_A, VIP), TCP_FL(40000, VPORT, TF_ACK) }, FWD,
	  .counts = COUNTS(A_BLOCKED, CNT(SRC_B, SYN, 1), CNT(SRC_A, UDP_C, 1),
			   CNT(SRC_A, ICMP_C, 1)) },
	{ "A blocked: a SYN from another port dropped, no flow",
	  .in = { FROM(SRC_A, VIP), TCP_FL(40001, VPORT, TF_SYN) }, DROP,
	  .counts = COUNTS(A_BLOCKED, CNT(SRC_B, SYN, 1), CNT(SRC_A, UDP_C, 1),
			   CNT(SRC_A, ICMP_C, 1)) },
	{ "B at the limit, the clock moves on: SYN forwarded, count restarts",
	  .given = COUNTS(CNT(SRC_B, SYN, LIMIT, .sec = SEC_NOW)),
	  .op = OP_NEXT_SECOND, .in = { SYN_VIP(SRC_B) }, FWD,
	  .counts = COUNTS(CNT(SRC_B, SYN, 1, .sec = SEC_NOW)) },
	{ "B at the limit last second: SYNs 1-5 forwarded, 6-9 dropped",
	  .given = COUNTS(CNT(SRC_B, SYN, LIMIT, .sec = SEC_PAST)),
	  .in = { SYN_VIP(SRC_B) }, .times = LIMIT, FWD, .drops = 4,
	  .counts = COUNTS(CNT(SRC_B, SYN, COUNT_ANY, .blocked = true)) },
	{ "A blocked, the clock moves on: A still dropped",
	  .given = COUNTS(CNT(SRC_A, SYN, 6, .blocked = true, .sec = SEC_NOW)),
	  .op = OP_NEXT_SECOND, .in = { SYN_VIP(SRC_A) }, DROP,
	  .counts = COUNTS(A_BLOCKED) },
	{ "A blocked two seconds ago: still dropped",
	  .given = COUNTS(CNT(SRC_A, SYN, 6, .blocked = true, .sec = SEC_OLD)),
	  .in = { SYN_VIP(SRC_A) }, DROP, .counts = COUNTS(A_BLOCKED) },
	{ "udp limit 5: datagrams 1-5 from C forwarded, 6-8 dropped",
	  .given = NO_COUNTS,
	  .in = { UDP_VIP(SRC_C) }, .times = LIMIT, FWD, .drops = 3,
	  .counts = COUNTS(CNT(SRC_C, UDP_C, COUNT_ANY, .blocked = true)) },
	{ "icmp limit 5: echoes 1-5 from C passed, 6-8 dropped",
	  .in = { FROM(SRC_C, VIP), ICMP }, .times = LIMIT, PASS, .drops = 3,
	  .counts = COUNTS(CNT(SRC_C, UDP_C, COUNT_ANY, .blocked = true),
			   CNT(SRC_C, ICMP_C, COUNT_ANY, .blocked = true)) },
	{ "C blocked on udp and icmp: its SYN forwarded and counted",
	  .in = { SYN_VIP(SRC_C) }, FWD,
	  .counts = COUNTS(CNT(SRC_C, UDP_C, COUNT_ANY, .blocked = true),
			   CNT(SRC_C, ICMP_C, COUNT_ANY, .blocked = true),
			   CNT(SRC_C, SYN, 1, .sec = SEC_NOW)) },
	{ "limit 1: a source's 1st SYN forwarded, its 2nd dropped",
	  .fresh = true, .watch = BIT(SYN), .limit = 1,
	  .in = { SYN_VIP(SRC_D) }, FWD, .drops = 1,
	  .counts = COUNTS(CNT(SRC_D, SYN, COUNT_ANY, .blocked = true)) },

	/* 3: no policy, no counting */
	{ "no policy: 1000 SYNs from A forwarded, nothing counted",
	  .fresh = true, .in = { SYN_VIP(SRC_A) }, .times = 1000, FWD },
	{ "no policy: 1000 UDP datagrams from A forwarded, nothing counted",
	  .in = { UDP_VIP(SRC_A) }, .times = 1000, FWD },
	{ "no policy: 1000 ICMP echoes from A passed, nothing counted",
	  .in = { FROM(SRC_A, VIP), ICMP }, .times = 1000, PASS },
	{ "no policy: 1000 RSTs from A passed, nothing counted",
	  .in = { FROM(SRC_A, OTHER_ADDR), TCP_FL(40000, 80, TF_RST) },
	  .times = 1000, PASS },
	{ "a syn policy, lb_config.dos_policies 0: the stage is off",
	  .fresh = true, .watch = BIT(SYN), .limit = LIMIT,
	  .op = OP_STAGE_OFF, .in = { SYN_VIP(SRC_A) }, .times = 100, FWD },

	/* 4: scmlb-gc makes blocked sources firewall rules */
	{ "enforce: blocked A (syn) and E (udp) get rules, A's SYN fw-dropped",
	  .fresh = true, .watch = BIT(SYN) | BIT(UDP_C), .limit = LIMIT,
	  .given = COUNTS(CNT(SRC_A, SYN, 6, .blocked = true, .sec = SEC_NOW),
			  CNT(SRC_E, UDP_C, 6, .blocked = true, .sec = SEC_NOW),
			  CNT(SRC_B, SYN, 3, .sec = SEC_NOW),
			  CNT(SRC_D, SYN, 2, .sec = SEC_OLD)),
	  .op = OP_ENFORCE, .added = 2, .in = { SYN_VIP(SRC_A) }, FW_DROP,
	  .counts = COUNTS(CNT(SRC_B, SYN, 3)),
	  .rules = RULES({ SRC_A, SYN, 1 }, { SRC_E, UDP_C, 0 }) },
	{ "enforce again adds nothing; A's ACK to another port fw-dropped",
	  .op = OP_ENFORCE, .added = 0,
	  .in = { FROM(SRC_A, VIP), TCP_FL(40002, 443, TF_ACK) }, FW_DROP,
	  .counts = COUNTS(CNT(SRC_B, SYN, 3)),
	  .rules = RULES({ SRC_A, SYN, 2 }, { SRC_E, UDP_C, 0 }) },
	{ "A blocked again despite its rule: enforce adds nothing, forgets it",
	  .given = COUNTS(CNT(SRC_A, SYN, 6, .blocked = true, .sec = SEC_NOW)),
	  .op = OP_ENFORCE, .added = 0,
	  .in = { FROM(SRC_A, OTHER_ADDR), TCP_FL(40003, 80, TF_RST) },
	  .times = 10, FW_DROP,
	  .rules = RULES({ SRC_A, SYN, 12 }, { SRC_E, UDP_C, 0 }) },
	{ "A's rule is tcp only: its UDP forwarded and counted",
	  .in = { UDP_VIP(SRC_A) }, FWD,
	  .counts = COUNTS(CNT(SRC_A, UDP_C, 1, .sec = SEC_NOW)),
	  .rules = RULES({ SRC_A, SYN, 12 }, { SRC_E, UDP_C, 0 }) },
	{ "E's udp rule drops its UDP before DoS protection counts it",
	  .in = { UDP_VIP(SRC_E) }, .times = 10, FW_DROP,
	  .counts = COUNTS(CNT(SRC_A, UDP_C, 1)),
	  .rules = RULES({ SRC_A, SYN, 12 }, { SRC_E, UDP_C, 10 }) },
	{ "E's rule is udp only: its SYN forwarded and counted",
	  .in = { SYN_VIP(SRC_E) }, FWD,
	  .counts = COUNTS(CNT(SRC_A, UDP_C, 1),
			   CNT(SRC_E, SYN, 1, .sec = SEC_NOW)),
	  .rules = RULES({ SRC_A, SYN, 12 }, { SRC_E, UDP_C, 10 }) },
	{ "syn policy deleted: its rule, its counts go; A's SYN forwarded",
	  .op = OP_DELETE, .op_class = SYN, .in = { SYN_VIP(SRC_A) }, FWD,
	  .counts = COUNTS(CNT(SRC_A, UDP_C, 1)),
	  .rules = RULES({ SRC_E, UDP_C, 10 }) },
	{ "udp policy deleted: no policy, E's 100 UDP forwarded uncounted",
	  .op = OP_DELETE, .op_class = UDP_C, .in = { UDP_VIP(SRC_E) },
	  .times = 100, FWD },
};

/* ---- checks ---- */

static __u32 frames_of(const struct tcase *c)
{
	return (c->times ? c->times : 1) + c->drops;
}

/* The frame @c must produce from @in with action @act. */
static size_t expected_frame(const struct tcase *c, int act, const __u8 *in,
			     size_t len, __u8 *exp)
{
	struct frame f = c->in;

	if (act != XDP_REDIRECT) {
		memcpy(exp, in, len);
		return len;
	}
	f.daddr = BE_ADDR;
	f.src_mac = mac_beif;
	f.dst_mac = mac_be;
	return frame_build(&f, exp);
}

/* Upstream frames count for their protocol and fate, DoS drops exactly. */
static bool stats_ok(const struct tcase *c, const struct scmlb_stats *before,
		     const struct scmlb_stats *after)
{
	__u32 n = frames_of(c), times = n - c->drops;
	struct scmlb_stats want = { 0 };

	if (c->side == SIDE_UP) {
		tb_stats_rx(&want, &c->in, n);
		want.passed = c->act == XDP_PASS ? times : 0;
		if (c->act == XDP_PASS)
			want.frags_unmatched = times *
				(tb_frag_unmatched(&c->in, VIP) |
				 tb_frag_unmatched(&c->in, IDLE_VIP));
		want.forwarded = c->act == XDP_REDIRECT ? times : 0;
		want.fw_dropped = c->by_fw ? times : 0;
		want.dos_dropped = c->drops;
		if (c->act == XDP_DROP && !c->by_fw)
			want.dos_dropped += times;
	}
	return tb_stats_delta_ok(before, after, &want);
}

/* Packets dropped because of each class's policy, summed over the CPUs. */
static int dos_drops_read(__u64 drops[SCMLB_DOS_CLASSES])
{
	__u32 class;
	int err = 0;

	for (class = 0; !err && class < SCMLB_DOS_CLASSES; class++)
		err = scmlb_percpu_read_sum(lb.maps.dos_drops, class,
					    &drops[class], 1);
	return err;
}

/* The class of @f, by the original's order; SCMLB_DOS_CLASSES: none. */
static __u32 frame_class(const struct frame *f)
{
	size_t i;

	if (f->eth_proto)
		return SCMLB_DOS_CLASSES;
	if (f->proto == IPPROTO_UDP)
		return SCMLB_DOS_UDP;
	if (f->proto == IPPROTO_ICMP)
		return SCMLB_DOS_ICMP;
	if (f->proto != IPPROTO_TCP)
		return SCMLB_DOS_CLASSES;
	for (i = 0; i < ARRAY_SIZE(first_flag); i++)
		if (f->tcp_flags & first_flag[i].flag)
			return first_flag[i].class;
	return SCMLB_DOS_TCP_ACK;
}

/*
 * Drops count against the policy they are for: DoS protection's against
 * the frame's class, a rule's against the class of the policy that added
 * it, and nothing else moves.
 */
static bool dos_drops_ok(const struct tcase *c, const __u64 *before,
			 const __u64 *after)
{
	__u32 n = frames_of(c), times = n - c->drops, stage = 0, class;
	__u64 want[SCMLB_DOS_CLASSES + 1] = { 0 };
	const struct rule_spec *r;
	bool ok = true;

	if (c->side == SIDE_UP) {
		stage = c->drops;
		if (c->act == XDP_DROP && !c->by_fw)
			stage += times;
		want[frame_class(&c->in)] += stage;
		if (c->by_fw) {
			class = SCMLB_DOS_CLASSES;
			for (r = c->rules; r && r->saddr; r++)
				if (r->saddr == c->in.saddr)
					class = r->class;
			want[class] += times;
		}
	}
	if (want[SCMLB_DOS_CLASSES]) {
		note("dropped frames of no class, or by no policy's rule");
		return false;
	}
	for (class = 0; class < SCMLB_DOS_CLASSES; class++) {
		if (after[class] - before[class] == want[class])
			continue;
		note("drops of the %s policy grew by %llu, expected %llu",
		     class_names[class],
		     (unsigned long long)(after[class] - before[class]),
		     (unsigned long long)want[class]);
		ok = false;
	}
	return ok;
}

struct count_got {
	struct scmlb_dos_key key;
	struct scmlb_dos_count val;
	bool matched;
};

static int counts_read(struct count_got *got, size_t *n)
{
	struct scmlb_dos_key key, next;
	int more;

	*n = 0;
	more = !bpf_map_get_next_key(lb.maps.dos_counts, NULL, &key);
	while (more) {
		more = !bpf_map_get_next_key(lb.maps.dos_counts, &key, &next);
		if (*n == COUNTS_MAX)
			return -E2BIG;
		got[*n].key = key;
		got[*n].matched = false;
		/* an entry deleted meanwhile is not there */
		if (!bpf_map_lookup_elem(lb.maps.dos_counts, &key,
					 &got[*n].val))
			(*n)++;
		else if (errno != ENOENT)
			return -errno;
		key = next;
	}
	return 0;
}

static bool count_ok(const struct count_spec *w, const struct count_got *g,
		     __u64 now)
{
	char a[INET_ADDRSTRLEN];
	bool ok = true;

	addr_str(w->saddr, a);
	if (w->packets != COUNT_ANY && g->val.packets != w->packets) {
		note("count of %s %s: %u packets, expected %u", a,
		     class_names[w->class], g->val.packets, w->packets);
		ok = false;
	}
	if (!g->val.blocked != !w->blocked) {
		note("count of %s %s: blocked %u, expected %u", a,
		     class_names[w->class], g->val.blocked, w->blocked);
		ok = false;
	}
	if (w->sec != SEC_ANY && g->val.second != sec_value(w->sec, now)) {
		note("count of %s %s: second %llu, expected %llu", a,
		     class_names[w->class],
		     (unsigned long long)g->val.second,
		     (unsigned long long)sec_value(w->sec, now));
		ok = false;
	}
	return ok;
}

/* dos_counts holds exactly @want (NULL: nothing). */
static bool counts_ok(const struct count_spec *want, __u64 now)
{
	struct count_got got[COUNTS_MAX];
	const struct count_spec *w;
	char a[INET_ADDRSTRLEN];
	bool ok = true;
	size_t n, i;
	int err;

	err = counts_read(got, &n);
	if (err) {
		note("reading dos_counts: %s", strerror(-err));
		return false;
	}
	for (w = want; w && w->saddr; w++) {
		for (i = 0; i < n; i++)
			if (got[i].key.saddr == htonl(w->saddr) &&
			    got[i].key.class == w->class)
				break;
		if (i == n) {
			note("no count of %s %s", addr_str(w->saddr, a),
			     class_names[w->class]);
			ok = false;
			continue;
		}
		got[i].matched = true;
		ok &= count_ok(w, &got[i], now);
	}
	for (i = 0; i < n; i++) {
		if (got[i].matched)
			continue;
		note("unexpected count of %s %s: %u packets, blocked %u",
		     addr_str(ntohl(got[i].key.saddr), a),
		     got[i].key.class < SCMLB_DOS_CLASSES ?
		     class_names[got[i].key.class] : "(bad class)",
		     got[i].val.packets, got[i].val.blocked);
		ok = false;
	}
	return ok;
}

static __u8 class_ip_proto(__u32 class)
{
	return class == UDP_C ? IPPROTO_UDP :
	       class == ICMP_C ? IPPROTO_ICMP : IPPROTO_TCP;
}

/* The rule @want as scmlb-fw get shows it: /32, the class's protocol. */
static bool rule_ok(const struct rule_spec *want,
		    const struct scmlb_fw_entry *e)
{
	char a[INET_ADDRSTRLEN];
	bool ok = true;

	addr_str(want->saddr, a);
	if (e->rule.prefixlen != 32 ||
	    e->rule.proto != class_ip_proto(want->class)) {
		note("rule %u for %s: /%u, protocol %u, expected /32, %u",
		     e->rule.id, a, e->rule.prefixlen, e->rule.proto,
		     class_ip_proto(want->class));
		ok = false;
	}
	if (e->dropped != want->dropped) {
		note("rule %u for %s dropped %llu, expected %llu", e->rule.id,
		     a, (unsigned long long)e->dropped,
		     (unsigned long long)want->dropped);
		ok = false;
	}
	return ok;
}

/*
 * The firewall holds exactly @want (NULL: no rule), each with the id of
 * the policy that added it, and each policy lists its own rules.
 */
static bool rules_ok(const struct rule_spec *want)
{
	struct scmlb_dos_entry pols[SCMLB_DOS_POLICIES];
	size_t n = 0, n_want = 0, n_pols = 0, i;
	const struct rule_spec *w;
	struct scmlb_fw_entry *list = NULL;
	char a[INET_ADDRSTRLEN];
	bool ok = true;
	int err;

	err = scmlb_fw_rules_list(&lb, true, &list, &n);
	if (err) {
		note("scmlb_fw_rules_list: %s", strerror(-err));
		return false;
	}
	for (w = want; w && w->saddr; w++, n_want++) {
		for (i = 0; i < n; i++)
			if (list[i].rule.addr == htonl(w->saddr) &&
			    list[i].rule.dos_policy == policy_id[w->class])
				break;
		if (i == n) {
			note("no rule of the %s policy (id %u) for %s",
			     class_names[w->class], policy_id[w->class],
			     addr_str(w->saddr, a));
			ok = false;
			continue;
		}
		ok &= rule_ok(w, &list[i]);
	}
	if (n != n_want) {
		note("%zu firewall rules, expected %zu", n, n_want);
		ok = false;
	}
	free(list);

	err = scmlb_dos_policies_list(&lb, pols, &n_pols);
	if (err) {
		note("scmlb_dos_policies_list: %s", strerror(-err));
		return false;
	}
	for (i = 0; i < n_pols; i++) {
		n_want = 0;
		for (w = want; w && w->saddr; w++)
			n_want += policy_id[w->class] == pols[i].id;
		if (pols[i].n_rules != n_want) {
			note("policy %u lists %zu rules, expected %zu",
			     pols[i].id, pols[i].n_rules, n_want);
			ok = false;
		}
	}
	scmlb_dos_entries_free(pols, n_pols);
	return ok;
}

/* dos_policies and lb_config.dos_policies as the cases set them. */
static bool policies_ok(void)
{
	struct scmlb_dos_policy pol;
	struct scmlb_config cfg;
	__u32 class, want = 0;
	bool ok = true;
	int err;

	err = scmlb_config_read(&lb, &cfg);
	if (err) {
		note("reading lb_config: %s", strerror(-err));
		return false;
	}
	for (class = 0; class < SCMLB_DOS_CLASSES; class++) {
		want += !!policy_id[class];
		if (bpf_map_lookup_elem(lb.maps.dos_policies, &class, &pol)) {
			note("reading dos_policies: %s", strerror(errno));
			return false;
		}
		if (pol.id != policy_id[class] ||
		    (pol.id && pol.limit != policy_limit[class])) {
			note("%s policy: id %u limit %u, expected %u, %u",
			     class_names[class], pol.id, pol.limit,
			     policy_id[class], policy_limit[class]);
			ok = false;
		}
	}
	if (stage_off)
		want = 0;
	if (cfg.dos_policies != want) {
		note("lb_config.dos_policies is %u, expected %u",
		     cfg.dos_policies, want);
		ok = false;
	}
	return ok;
}

static int case_setup(const struct tcase *c)
{
	__u64 now;
	int err = 0;

	if (c->fresh) {
		err = dos_wipe();
		if (!err)
			err = policies_add(c->watch,
					   c->limit ? c->limit : HIGH);
	}
	if (!err && c->given) {
		err = dp_second(&now);
		if (!err)
			err = counts_give(c->given, now);
	}
	if (err)
		return err;
	switch (c->op) {
	case OP_NONE:
		break;
	case OP_NEXT_SECOND:
		err = counts_age();
		break;
	case OP_ENFORCE:
		err = enforce(c);
		break;
	case OP_DELETE:
		err = scmlb_dos_policy_delete(&lb, policy_id[c->op_class]);
		if (err)
			note("deleting the %s policy (id %u): %s",
			     class_names[c->op_class], policy_id[c->op_class],
			     strerror(-err));
		policy_id[c->op_class] = 0;
		policy_limit[c->op_class] = 0;
		break;
	case OP_STAGE_OFF:
		lb.cfg.dos_policies = 0;
		err = scmlb_config_write(&lb, &lb.cfg);
		stage_off = true;
		break;
	}
	return err;
}

/* A dropped frame leaves its flow's entries (or their absence) as they were. */
static bool flow_same(const struct tcase *c, const struct tb_flow *before)
{
	struct scmlb_flow_key key = tb_frame_key(&c->in);
	struct tb_flow now;
	int err = tb_flow_read(&lb, &key, &now);

	if (err) {
		note("reading conntrack: %s", strerror(-err));
		return false;
	}
	if (!memcmp(&now, before, sizeof(now)))
		return true;
	note(before->has_client || before->has_reply ?
	     "the dropped frame changed its flow" :
	     "the dropped frame made a conntrack entry");
	return false;
}

/* The case's frames, each with its action and output. */
static bool frames_ok(const struct tcase *c)
{
	__u8 in[FRAME_MAX], exp[FRAME_MAX], out[2 * FRAME_MAX];
	struct scmlb_flow_key key = tb_frame_key(&c->in);
	__u32 i, n = frames_of(c), times = n - c->drops, out_len = 0;
	int err = 0, act, want;
	struct tb_flow flow;
	size_t len, exp_len;
	bool ok = true;

	len = frame_build(&c->in, in);
	for (i = 0; i < n; i++) {
		want = i < times ? c->act : XDP_DROP;
		exp_len = expected_frame(c, want, in, len, exp);
		if (want == XDP_DROP)
			err = tb_flow_read(&lb, &key, &flow);
		act = -1;
		if (!err)
			err = prog_run(main_fd, ifindex[c->side], in, len, out,
				       &out_len, &act);
		if (err) {
			note("frame %u: conntrack or BPF_PROG_TEST_RUN: %s",
			     i + 1, strerror(-err));
			return false;
		}
		if (!ok)
			continue;	/* the first wrong frame tells */
		if (act != want) {
			note("frame %u: action: expected %s, got %s (%d)",
			     i + 1, act_name(want), act_name(act), act);
			ok = false;
		}
		if (!frames_equal(exp, exp_len, out, out_len)) {
			note("(frame %u)", i + 1);
			ok = false;
		}
		if (want == XDP_REDIRECT)
			ok &= csums_valid(out, out_len);
		if (want == XDP_DROP)
			ok &= flow_same(c, &flow);
	}
	return ok;
}

static enum tap_result run_case(const struct tcase *c)
{
	__u64 drops0[SCMLB_DOS_CLASSES], drops1[SCMLB_DOS_CLASSES];
	struct scmlb_stats before, after;
	__u64 sec0, sec1;
	bool ok = true;
	int err;

	err = clock_settle();
	if (!err)
		err = dp_second(&sec0);
	if (!err)
		err = case_setup(c);
	if (err) {
		note("setup failed: %s", strerror(-err));
		return RES_FAIL;
	}
	err = tb_stats_read(&lb, &before);
	if (!err)
		err = dos_drops_read(drops0);
	if (err) {
		note("reading stat_pkts or dos_drops: %s", strerror(-err));
		return RES_FAIL;
	}
	ok &= frames_ok(c);
	err = tb_stats_read(&lb, &after);
	if (!err)
		err = dos_drops_read(drops1);
	if (!err)
		err = dp_second(&sec1);
	if (err) {
		note("reading stat_pkts, dos_drops or the clock: %s",
		     strerror(-err));
		return RES_FAIL;
	}
	if (sec1 != sec0) {
		note("the data plane's second moved on during the case");
		ok = false;
	}
	ok &= stats_ok(c, &before, &after);
	ok &= dos_drops_ok(c, drops0, drops1);
	ok &= counts_ok(c->counts, sec1);
	ok &= rules_ok(c->rules);
	ok &= policies_ok();
	return ok ? RES_OK : RES_FAIL;
}

/* ---- every TCP flag byte ---- */

/* The class of a TCP packet with @flags, by the original's order. */
static __u32 flags_class(__u8 flags)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(first_flag); i++)
		if (flags & first_flag[i].flag)
			return first_flag[i].class;
	return SCMLB_DOS_TCP_ACK;
}

/*
 * Policies on every class but @unwatched (SCMLB_DOS_CLASSES: none left
 * out): each flag byte 0-255 passes untouched and makes exactly one count
 * in its class, or none when that is @unwatched.
 */
static const struct sweep {
	const char *desc;
	__u32 unwatched;
} sweeps[] = {
	{ "flag bytes 0-255, every class watched: one count in its class",
	  SCMLB_DOS_CLASSES },
	{ "flag bytes 0-255, all but fin watched", FIN },
	{ "flag bytes 0-255, all but syn watched", SYN },
	{ "flag bytes 0-255, all but rst watched", RST },
	{ "flag bytes 0-255, all but psh watched", PSH },
	{ "flag bytes 0-255, all but urg watched", URG },
	{ "flag bytes 0-255, all but ece watched", ECE },
	{ "flag bytes 0-255, all but cwr watched", CWR },
	{ "flag bytes 0-255, all but ack watched", ACK },
};

static enum tap_result run_sweep(const struct sweep *s)
{
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	struct frame f = { FROM(SRC_A, IDLE_VIP), TCP_FL(40000, 80, 0) };
	struct count_spec want[2] = { CNT(SRC_A, 0, 1, .sec = SEC_NOW) };
	__u32 flags, class, out_len = 0, bad = 0;
	int err, act = -1;
	__u64 now;
	size_t len;

	err = dos_wipe();
	if (!err)
		err = policies_add(ALL_CLASSES & ~BIT(s->unwatched), HIGH);
	if (err) {
		note("setup failed: %s", strerror(-err));
		return RES_FAIL;
	}
	for (flags = 0; flags < 256 && bad < 4; flags++) {
		f.tcp_flags = flags;
		len = frame_build(&f, in);
		class = flags_class(flags);
		want[0].class = class;
		err = clock_settle();
		if (!err)
			err = counts_clear();
		if (!err)
			err = prog_run(main_fd, ifindex[SIDE_UP], in, len, out,
				       &out_len, &act);
		if (!err)
			err = dp_second(&now);
		if (err) {
			note("flags 0x%02x: %s", flags, strerror(-err));
			return RES_FAIL;
		}
		if (act == XDP_PASS && frames_equal(in, len, out, out_len) &&
		    counts_ok(class == s->unwatched ? NULL : want, now))
			continue;
		note("flags 0x%02x (%s): action %s", flags, class_names[class],
		     act_name(act));
		bad++;
	}
	return bad ? RES_FAIL : RES_OK;
}

/* The test's part of the start, once the data plane is loaded. */
/* ---- IPv6 sources ---- */

#define VIP6_IDLE	"2001:db8:d::100"	/* a VIP without backends */
#define NOT_VIP6	"2001:db8:d::200"	/* the host's own */
#define A1		"2001:db8:d:1::1"
#define A2		"2001:db8:d:1::2"	/* A1's /64 */
#define A3		"2001:db8:d:1::3"
#define B1		"2001:db8:d:2::1"	/* another /64 */

/* The IPv6 VIP, any port, no backend: what dos6_check() watches passes. */
static int fx_vip6(void)
{
	static __u32 id;
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET6,
		.scheduler = SCMLB_SCHED_RR,
	};
	int err;

	if (id)
		return 0;
	ip6_pton(VIP6_IDLE, (__u8 *)svc.vip);
	err = scmlb_service_add(&lb, &svc);
	id = svc.id;
	return err;
}

/* No policy, count or rule of either family. */
static int dos6_wipe(void)
{
	struct scmlb_dos6_key key;
	int err = dos_wipe();

	if (!err)
		err = tb_map_clear(lb.maps.dos6_counts, &key);
	if (!err)
		err = fx_vip6();
	return err ? err : clock_settle();
}

/*
 * One packet from @src to @dst (UDP, or ICMPv6 of @icmp_type when not 0),
 * which must get @want: passed untouched or dropped.
 */
static bool send6(const char *src, const char *dst, __u8 icmp_type, int want)
{
	struct frame6 f = {
		.src_mac = mac_client, .dst_mac = mac_up,
		.proto = icmp_type ? IPPROTO_ICMPV6 : IPPROTO_UDP,
		.sport = 5000, .dport = VPORT, .icmp_type = icmp_type,
		.payload = 13,
	};
	__u8 in[256], out[512];
	__u32 out_len = sizeof(out);
	size_t len;
	int act;

	ip6_pton(src, f.saddr);
	ip6_pton(dst, f.daddr);
	len = frame6_build(&f, in);
	if (prog_run(main_fd, ifindex[SIDE_UP], in, len, out, &out_len, &act))
		return false;
	if (want == XDP_PASS ? run_out_ok(XDP_PASS, act, in, len, out, out_len) :
			       act == want)
		return true;
	note("%s -> %s (icmp %u): %s, expected %s", src, dst, icmp_type,
	     act_name(act), act_name(want));
	return false;
}

/* dos6_counts' entry of @net (masked as the data plane keys it) and @class. */
static bool count6_is(const char *net, __u32 class, __u32 packets, bool blocked)
{
	struct scmlb_dos6_key key = { .class = class };
	struct scmlb_dos_count c;

	ip6_pton(net, (__u8 *)key.saddr);
	if (bpf_map_lookup_elem(lb.maps.dos6_counts, &key, &c)) {
		note("no dos6_counts entry for %s class %u", net, class);
		return false;
	}
	if ((packets != COUNT_ANY && c.packets != packets) ||
	    !!c.blocked != blocked) {
		note("dos6_counts %s class %u: %u packets%s", net, class,
		     c.packets, c.blocked ? ", blocked" : "");
		return false;
	}
	return true;
}

static __u32 counts6_n(void)
{
	struct scmlb_dos6_key key, next;
	__u32 n = 0;
	int more = !bpf_map_get_next_key(lb.maps.dos6_counts, NULL, &key);

	while (more) {
		n++;
		more = !bpf_map_get_next_key(lb.maps.dos6_counts, &key, &next);
		key = next;
	}
	return n;
}

/* scmlb-dos set -p udp -l LIMIT [--prefix-len @len] */
static bool udp6_policy(__u8 len)
{
	int err = scmlb_dos_policy_add(&lb, UDP_C, LIMIT, 0, len,
				       &policy_id[UDP_C]);

	if (err)
		note("adding the udp policy: %s", strerror(-err));
	return !err;
}

static enum tap_result per_host6(void)
{
	bool ok = !dos6_wipe() && udp6_policy(128);
	int i;

	for (i = 0; ok && i < LIMIT; i++)
		ok = send6(A1, VIP6_IDLE, 0, XDP_PASS);
	ok = ok && send6(A1, VIP6_IDLE, 0, XDP_DROP);
	/* the same /64, another address: a source of its own */
	ok = ok && send6(A2, VIP6_IDLE, 0, XDP_PASS);
	ok = ok && count6_is(A1, UDP_C, COUNT_ANY, true) &&
	     count6_is(A2, UDP_C, 1, false);
	return ok ? RES_OK : RES_FAIL;
}

static enum tap_result per_64(void)
{
	struct scmlb_dos_added *added = NULL;
	size_t n = 0;
	bool ok = !dos6_wipe() && udp6_policy(64);
	int i;

	for (i = 0; ok && i < LIMIT; i++)
		ok = send6(i % 2 ? A1 : A2, VIP6_IDLE, 0, XDP_PASS);
	/* A3 is one more of the /64's packets */
	ok = ok && send6(A3, VIP6_IDLE, 0, XDP_DROP);
	ok = ok && send6(B1, VIP6_IDLE, 0, XDP_PASS);
	ok = ok && count6_is("2001:db8:d:1::", UDP_C, COUNT_ANY, true) &&
	     count6_is("2001:db8:d:2::", UDP_C, 1, false) && counts6_n() == 2;
	/* scmlb-gc: the /64 becomes the policy's rule, the firewall's drop */
	if (ok && (scmlb_dos_enforce(&lb, &added, &n) || n != 1 ||
		   strcmp(added[0].network, "2001:db8:d:1::/64") ||
		   added[0].policy != policy_id[UDP_C])) {
		note("scmlb_dos_enforce added %zu rules: %s", n,
		     n ? added[0].network : "");
		ok = false;
	}
	free(added);
	if (ok && scmlb_config_read(&lb, &lb.cfg))
		ok = false;
	ok = ok && send6("2001:db8:d:1::99", NOT_VIP6, 0, XDP_DROP);
	return ok ? RES_OK : RES_FAIL;
}

static enum tap_result nd6_limit1(void)
{
	bool ok = !dos6_wipe();
	int i, err;

	err = scmlb_dos_policy_add(&lb, ICMP_C, 1, 0, 128, &policy_id[ICMP_C]);
	if (err) {
		note("adding the icmp policy: %s", strerror(-err));
		return RES_FAIL;
	}
	/* neighbour solicitation, advertisement; MLD report: never counted */
	for (i = 0; ok && i < 3; i++)
		ok = send6(A1, VIP6_IDLE, 135, XDP_PASS) &&
		     send6(A1, VIP6_IDLE, 136, XDP_PASS) &&
		     send6(A1, VIP6_IDLE, 143, XDP_PASS);
	if (ok && counts6_n()) {
		note("neighbour discovery was counted");
		ok = false;
	}
	/* echo requests are ICMPv6: the policy's icmp */
	ok = ok && send6(A1, VIP6_IDLE, 128, XDP_PASS) &&
	     send6(A1, VIP6_IDLE, 128, XDP_DROP) &&
	     count6_is(A1, ICMP_C, COUNT_ANY, true);
	return ok ? RES_OK : RES_FAIL;
}

static enum tap_result not_vip6(void)
{
	bool ok = !dos6_wipe() && udp6_policy(64);
	int i;

	for (i = 0; ok && i < 3 * LIMIT; i++)
		ok = send6(A1, NOT_VIP6, 0, XDP_PASS);
	if (ok && counts6_n()) {
		note("a packet for no VIP was counted");
		ok = false;
	}
	return ok ? RES_OK : RES_FAIL;
}

static const struct {
	const char *desc;
	enum tap_result (*run)(void);
} cases6[] = {
	{ "IPv6 per /128: a source's packet over the limit is dropped, "
	  "its /64 neighbour's first is not",
	  per_host6 },
	{ "IPv6 --prefix-len 64: the /64 counts as one source; gc makes "
	  "it rule PREFIX/64, the firewall's",
	  per_64 },
	{ "IPv6: ND and MLD to a VIP pass an icmp policy at limit 1; echo counts as icmp",
	  nd6_limit1 },
	{ "IPv6: packets for no VIP are never counted", not_vip6 },
};

static int bpf_setup(void)
{
	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	clock_fd = scmlb_progs_clock_fd(skel);
	return fx_instance();
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};
	size_t i, n = ARRAY_SIZE(cases), n_sweeps = ARRAY_SIZE(sweeps);
	int failed;

	if (!tb_start(&tb, &failed))
		return failed;

	printf("1..%zu\n", n + n_sweeps + ARRAY_SIZE(cases6));
	for (i = 0; i < n; i++) {
		notes_reset();
		failed += tap_case(i + 1, cases[i].desc, run_case(&cases[i]),
				   NULL);
	}
	for (i = 0; i < n_sweeps; i++) {
		notes_reset();
		failed += tap_case(n + i + 1, sweeps[i].desc,
				   run_sweep(&sweeps[i]), NULL);
	}
	for (i = 0; i < ARRAY_SIZE(cases6); i++) {
		notes_reset();
		failed += tap_case(n + n_sweeps + i + 1, cases6[i].desc,
				   cases6[i].run(), NULL);
	}
	scmlb_bpf__destroy(skel);
	return failed ? 1 : 0;
}
