// SPDX-License-Identifier: GPL-2.0
/* test_syn_budget.c - TAP tests of the global budget of new half-open TCP flows */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "dos.h"
#include "frames.h"
#include "maps.h"
#include "progs.h"
#include "scmlb.skel.h"
#include "testbed.h"

/* Addresses and ports in host order; the frame builder converts them. */
#define VIP		IP4(203, 0, 113, 11)
#define OTHER_ADDR	IP4(203, 0, 113, 12)	/* not a VIP: the host's own */
#define BE_ADDR		IP4(192, 0, 2, 2)
#define SRC_NET		IP4(198, 18, 0, 0)	/* client n is SRC_NET + n */
#define VPORT		8080
#define CPORT		40000

#define CT_SIZE		4096

static const __u8 mac_client[ETH_ALEN] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
static const __u8 mac_up[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, 0x01 };
static const __u8 mac_beif[ETH_ALEN] = { 0x02, 0, 0, 0, 0xf0, 0x01 };

enum side { SIDE_UP, SIDE_BE, SIDE_N };

static const char *const if_names[SIDE_N] = { "synb-up", "synb-be" };

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };
static int main_fd, clock_fd;
static __u32 ifindex[SIDE_N];
static __u32 next_client;	/* every SYN comes from a source never seen */

/* The second the budget counts in: jiffies / lb_config.hz. */
static int dp_second(__u64 *second)
{
	__u64 j, mono_ns;
	int err = scmlb_clock_read(clock_fd, &j, &mono_ns);

	if (!err)
		*second = j / lb.cfg.hz;
	return err;
}

/* Wait until the data plane's next second has begun. */
static int second_next(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	__u64 start, now;
	int err, i;

	err = dp_second(&start);
	for (i = 0; !err && i < 300; i++) {
		nanosleep(&ts, NULL);
		err = dp_second(&now);
		if (!err && now != start)
			return 0;
	}
	return err ? err : -ETIME;
}

/*
 * Start a second of our own: wait for the next one, so a case's frames,
 * which take milliseconds, all fall in one second.
 */
static int second_start(__u64 *second)
{
	int err = second_next();

	return err ? err : dp_second(second);
}

static int budget_set(__u32 limit, __u32 *id)
{
	return scmlb_dos_policy_add(&lb, SCMLB_DOS_SYN_GLOBAL, limit, 0, 0, id);
}

/* No budget, no flow. */
static int wipe(__u32 budget_id)
{
	struct scmlb_flow_key fk;
	int err = 0;

	if (budget_id)
		err = scmlb_dos_policy_delete(&lb, budget_id);
	if (!err)
		err = tb_map_clear(lb.maps.ct_replies, &fk);
	if (!err)
		err = tb_map_clear(lb.maps.ct, &fk);
	/* a SYN's flow is half-open */
	if (!err)
		err = tb_ct_clear(lb.maps.ct_opening_rep);
	return err ? err : tb_ct_clear(lb.maps.ct_opening);
}

static struct frame frame_to(__u32 saddr, __u32 daddr, __u8 proto,
			     __u8 flags)
{
	return (struct frame){
		.src_mac = mac_client, .dst_mac = mac_up,
		.saddr = saddr, .daddr = daddr, .proto = proto,
		.sport = CPORT, .dport = VPORT, .tcp_flags = flags,
		.payload = proto == IPPROTO_UDP ? 13 : 0,
	};
}

/* Run @f once on the upstream; *tracked: conntrack has its flow afterwards. */
static int run(const struct frame *f, int *act, bool *tracked)
{
	__u8 in[FRAME_MAX], out[2 * FRAME_MAX];
	struct scmlb_flow_key key = tb_flow_key(f->saddr, f->daddr, f->sport,
						f->dport, f->proto);
	struct tb_flow flow;
	__u32 out_len = 0;
	size_t len = frame_build(f, in);
	int err;

	err = prog_run(main_fd, ifindex[SIDE_UP], in, len, out, &out_len, act);
	if (!err)
		err = tb_flow_read(&lb, &key, &flow);
	if (!err)
		*tracked = flow.has_client;
	return err;
}

/*
 * @n SYNs from new sources: the first @admitted must open their flow
 * (not dropped, tracked), the rest must be dropped without a flow.
 */
static bool syns(__u32 n, __u32 admitted, const char *what)
{
	__u32 i, bad = 0;
	bool tracked;
	int act, err;

	for (i = 0; i < n && bad < 3; i++) {
		struct frame f = frame_to(SRC_NET + ++next_client, VIP,
					  IPPROTO_TCP, TF_SYN);
		bool want_open = i < admitted;

		err = run(&f, &act, &tracked);
		if (err) {
			note("%s: SYN %u: %s", what, i + 1, strerror(-err));
			return false;
		}
		if (want_open ? act != XDP_DROP && tracked :
				act == XDP_DROP && !tracked)
			continue;
		note("%s: SYN %u of %u: %s, %s; expected %s", what, i + 1, n,
		     act_name(act), tracked ? "tracked" : "not tracked",
		     want_open ? "a new flow" : "dropped, not tracked");
		bad++;
	}
	return !bad;
}

/* The counters moved by @dropped SYNs over the budget and @opened flows. */
static bool counted(const struct scmlb_stats *before, __u64 dropped,
		    __u64 forwarded)
{
	struct scmlb_stats after;
	__u64 got_drop, got_fwd;

	if (tb_stats_read(&lb, &after)) {
		note("reading stat_pkts failed");
		return false;
	}
	got_drop = after.syn_budget_dropped - before->syn_budget_dropped;
	got_fwd = after.forwarded - before->forwarded;
	if (got_drop == dropped && got_fwd == forwarded &&
	    after.dos_dropped == before->dos_dropped)
		return true;
	note("syn_budget_dropped grew by %llu (expected %llu), forwarded by "
	     "%llu (expected %llu), dos_dropped by %llu",
	     (unsigned long long)got_drop, (unsigned long long)dropped,
	     (unsigned long long)got_fwd, (unsigned long long)forwarded,
	     (unsigned long long)(after.dos_dropped - before->dos_dropped));
	return false;
}

static bool same_second(__u64 start)
{
	__u64 now;

	if (dp_second(&now) || now != start) {
		note("the data plane's second moved on during the case");
		return false;
	}
	return true;
}

/*
 * A budget of @limit, at the start of a second, with the counters before
 * it; on an error nothing is left.
 */
static int case_start(__u32 limit, __u32 *id, __u64 *sec,
		      struct scmlb_stats *before)
{
	int err = budget_set(limit, id);

	if (!err)
		err = second_start(sec);
	if (!err)
		err = tb_stats_read(&lb, before);
	if (err) {
		note("setup: %s", strerror(-err));
		wipe(*id);
	}
	return err;
}

/* N + k SYNs of new flows in one second: N flows, k drops, counted. */
static enum tap_result case_over_budget(__u32 limit, __u32 over)
{
	struct scmlb_stats before;
	bool ok = true;
	__u64 sec;
	__u32 id = 0;
	int err;

	if (case_start(limit, &id, &sec, &before))
		return RES_FAIL;
	ok &= syns(limit + over, limit, "first second");
	ok &= same_second(sec);
	ok &= counted(&before, over, limit);
	/* the next second opens flows again, up to the limit */
	err = second_start(&sec);
	if (!err)
		err = tb_stats_read(&lb, &before);
	if (err) {
		note("next second: %s", strerror(-err));
		ok = false;
	} else {
		ok &= syns(limit + 1, limit, "next second");
		ok &= same_second(sec);
		ok &= counted(&before, 1, limit);
	}
	err = wipe(id);
	return ok && !err ? RES_OK : RES_FAIL;
}

static enum tap_result case_small(void)
{
	return case_over_budget(10, 7);
}

/* A limit of many chunks: the CPU's shares add up to the limit exactly. */
static enum tap_result case_chunks(void)
{
	return case_over_budget(300, 20);
}

/*
 * With one flow left in the budget, packets that open no half-open TCP
 * flow are not charged: established flows' packets, a retransmitted SYN
 * of a tracked flow, a TCP packet of no flow, UDP flows, SYNs to an
 * address that is not a VIP. The one flow left still opens; the SYN
 * after it is dropped.
 */
static enum tap_result case_not_charged(void)
{
	const __u32 limit = 4;
	struct scmlb_stats before;
	__u32 first = next_client + 1, id = 0, i, bad = 0;
	bool ok = true, tracked;
	int act, err;
	__u64 sec;

	if (case_start(limit, &id, &sec, &before))
		return RES_FAIL;
	ok &= syns(limit - 1, limit - 1, "flows opened");
	for (i = 0; i < 40 && ok && bad < 3; i++) {
		__u32 client = first + i % (limit - 1);
		struct frame f;
		bool want_tracked = true;
		int want = XDP_DROP;	/* never */

		switch (i % 5) {
		case 0:		/* an established flow's packet */
			f = frame_to(SRC_NET + client, VIP, IPPROTO_TCP,
				     TF_ACK | TF_PSH);
			break;
		case 1:		/* its SYN again, retransmitted */
			f = frame_to(SRC_NET + client, VIP, IPPROTO_TCP,
				     TF_SYN);
			break;
		case 2:		/* a TCP packet of no flow: the kernel's */
			f = frame_to(SRC_NET + 60000 + i, VIP, IPPROTO_TCP,
				     TF_ACK);
			want = XDP_PASS;
			want_tracked = false;
			break;
		case 3:		/* a new UDP flow */
			f = frame_to(SRC_NET + 50000 + i, VIP, IPPROTO_UDP, 0);
			break;
		default:	/* a SYN to the host's own address */
			f = frame_to(SRC_NET + 40000 + i, OTHER_ADDR,
				     IPPROTO_TCP, TF_SYN);
			want = XDP_PASS;
			want_tracked = false;
			break;
		}
		err = run(&f, &act, &tracked);
		if (err) {
			note("packet %u: %s", i + 1, strerror(-err));
			bad++;
		} else if (act == XDP_DROP || (want == XDP_PASS && act != want) ||
			   tracked != want_tracked) {
			note("packet %u (kind %u): %s, %s", i + 1, i % 5,
			     act_name(act), tracked ? "tracked" : "not tracked");
			bad++;
		}
	}
	ok &= !bad;
	ok &= syns(2, 1, "the last flow of the budget");
	ok &= same_second(sec);
	if (tb_stats_read(&lb, &before) == 0 &&
	    before.syn_budget_dropped == 0) {
		note("no SYN was counted over the budget");
		ok = false;
	}
	err = wipe(id);
	return ok && !err ? RES_OK : RES_FAIL;
}

/* Without a budget, or once it is deleted, no SYN is dropped. */
static enum tap_result case_deleted(void)
{
	struct scmlb_stats before;
	__u32 id = 0;
	bool ok;
	__u64 sec;
	int err;

	if (case_start(2, &id, &sec, &before))
		return RES_FAIL;
	ok = syns(3, 2, "with the budget");
	err = scmlb_dos_policy_delete(&lb, id);
	if (err) {
		note("deleting the budget: %s", strerror(-err));
		return RES_FAIL;
	}
	ok &= syns(20, 20, "budget deleted");
	ok &= same_second(sec);
	ok &= counted(&before, 1, 22);
	err = wipe(0);
	return ok && !err ? RES_OK : RES_FAIL;
}

static const struct syn_case {
	const char *desc;
	enum tap_result (*run)(void);
} cases[] = {
	{ "limit 10: 17 new SYNs in one second open 10 flows, drop and count 7; "
	  "the next second opens 10 again", case_small },
	{ "limit 300, taken from the pool in chunks: exactly 300 flows in a "
	  "second, 20 dropped; the next second again", case_chunks },
	{ "established packets, retransmitted SYNs, UDP and non-VIP SYNs are "
	  "not charged", case_not_charged },
	{ "a deleted budget drops nothing", case_deleted },
};

static int bpf_setup(void)
{
	int err;

	main_fd = bpf_program__fd(skel->progs.scmlb_main);
	clock_fd = scmlb_progs_clock_fd(skel);
	err = tb_instance(&lb, VIP, ifindex[SIDE_UP], mac_up, CT_SIZE,
			  clock_fd);
	return err ? err : tb_backend_add(&lb, 1, BE_ADDR, ifindex[SIDE_BE],
					  mac_be, mac_beif, NULL);
}

static enum tap_result case_run(const void *c)
{
	return ((const struct syn_case *)c)->run();
}

int main(void)
{
	static const struct tb_setup tb = {
		if_names, SIDE_N, ifindex, CT_SIZE, &skel, &lb, bpf_setup,
	};

	return tb_run(&tb, cases, ARRAY_SIZE(cases), sizeof(cases[0]),
		      case_run);
}
