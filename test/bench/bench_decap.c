// SPDX-License-Identifier: GPL-2.0
/* bench_decap.c - scmlb-decap per packet: what bpf_fib_lookup() adds, and the rest */

/*
 * Run as root: build/test/bench/bench_decap [--trials N] [--json].
 * Issue 15: scmlb-decap asks the kernel's FIB whether an IPIP packet's
 * inner destination is local (xdp/decap.h, decap_is_local()) instead of
 * keeping a map of local addresses that would go stale. This measures
 * that lookup apart (bench_decap.bpf.c: the parse alone, then the parse
 * and the lookup), the strip, and the whole program on the packets that
 * it leaves as they are, which BPF_PROG_TEST_RUN can repeat (a stripped
 * frame stays stripped between runs).
 *
 * In a network namespace of its own: dcb-fwd (10.0.5.2/24, forwarding
 * on, a default route with a permanent neighbour) and dcb-nofwd
 * (10.0.6.2/24, forwarding off), the VIP 192.0.2.10 on lo. A figure is
 * the thread's CPU time around one BPF_PROG_TEST_RUN with repeat = R,
 * over R; each trial measures every variant once, in turn; the table
 * gives the median, min and max over the trials. Each run is checked:
 * the counters must have grown by R, in the right place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_decap.skel.h"
#include "bench_pass.skel.h"
#include "bench_util.h"
#include "frames.h"
#include "ipip_bed.h"
#include "log.h"
#include "scmlb_decap.h"
#include "scmlb_decap.skel.h"
#include "testbed.h"

#define CLIENT		IP4(198, 51, 100, 7)
#define ELSEWHERE	IP4(198, 51, 100, 99)
#define REPEAT		1000000

enum side { SIDE_FWD, SIDE_NOFWD, SIDE_N };

static const char *const if_names[SIDE_N] = { "dcb-fwd", "dcb-nofwd" };

enum prog { P_PASS, P_PARSE, P_DECIDE, P_STRIP, P_DECAP };
enum pkt { F_IPIP_VIP, F_IPIP_ELSEWHERE, F_PLAIN, F_N };

/* What a variant's runs must count: in bench_decap's globals, or decap_stats. */
enum check { C_NONE, C_FOUND, C_LOCAL, C_NOT_LOCAL, C_FOUND_ONLY, C_STAT };

static const struct variant {
	const char *key;
	const char *what;
	enum prog prog;
	enum pkt pkt;
	enum side side;
	enum check check;
	__u32 stat;		/* C_STAT: the decap_stats entry that grows */
} variants[] = {
	{ "pass", "XDP_PASS only (the test run's own overhead)",
	  P_PASS, F_IPIP_VIP, SIDE_FWD, C_NONE, 0 },
	{ "parse", "IPIP to the VIP: parse outer and inner headers",
	  P_PARSE, F_IPIP_VIP, SIDE_FWD, C_FOUND, 0 },
	{ "lookup_local", "... and bpf_fib_lookup(): local (forwarding on)",
	  P_DECIDE, F_IPIP_VIP, SIDE_FWD, C_LOCAL, 0 },
	{ "lookup_nofwd", "... and bpf_fib_lookup(): forwarding off",
	  P_DECIDE, F_IPIP_VIP, SIDE_NOFWD, C_LOCAL, 0 },
	{ "lookup_remote", "... and bpf_fib_lookup(): routed away (neighbour)",
	  P_DECIDE, F_IPIP_ELSEWHERE, SIDE_FWD, C_FOUND_ONLY, 0 },
	{ "strip", "IPIP: parse, strip, put the outer header back",
	  P_STRIP, F_IPIP_VIP, SIDE_FWD, C_FOUND, 0 },
	{ "decap_plain", "scmlb_decap on a TCP packet, not IPIP",
	  P_DECAP, F_PLAIN, SIDE_FWD, C_STAT, SCMLB_DECAP_PASSED },
	{ "decap_remote", "scmlb_decap on IPIP routed away (counted, untouched)",
	  P_DECAP, F_IPIP_ELSEWHERE, SIDE_FWD, C_STAT, SCMLB_DECAP_NOT_LOCAL },
};

#define V_N ARRAY_SIZE(variants)
#define V_LOOKUP_LOCAL 2
#define V_PARSE 1

static unsigned long trials = 11;
static bool json;
static __u32 ifindex[SIDE_N];
static struct bench_decap *bench;
static struct bench_pass *pass;
static struct scmlb_decap_bpf *decap;
static __u8 frames[F_N][FRAME_MAX];
static size_t frame_len[F_N];

static int prog_fd(enum prog p)
{
	switch (p) {
	case P_PASS:
		return bpf_program__fd(pass->progs.bench_pass);
	case P_PARSE:
		return bpf_program__fd(bench->progs.bench_decap_parse);
	case P_DECIDE:
		return bpf_program__fd(bench->progs.bench_decap_decide);
	case P_STRIP:
		return bpf_program__fd(bench->progs.bench_decap_strip);
	default:
		return bpf_program__fd(decap->progs.scmlb_decap);
	}
}

static void frames_build(void)
{
	static const __u8 mac_lb[ETH_ALEN] = { 0x02, 0, 0, 0, 0x1b, 0x01 };
	static const __u8 mac_be[ETH_ALEN] = { 0x02, 0, 0, 0, 0xb0, 0x01 };
	const struct ipip_outer outer = {
		.saddr = IPIP_LB, .daddr = IPIP_BE_FWD,
	};
	struct frame f = {
		.src_mac = mac_lb, .dst_mac = mac_be, .saddr = CLIENT,
		.daddr = IPIP_VIP, .proto = IPPROTO_TCP, .sport = 40000,
		.dport = 80, .tcp_flags = TF_ACK, .payload = 32,
	};

	frame_len[F_IPIP_VIP] = frame_build_ipip(&f, &outer, frames[F_IPIP_VIP]);
	frame_len[F_PLAIN] = frame_build(&f, frames[F_PLAIN]);
	f.daddr = ELSEWHERE;
	frame_len[F_IPIP_ELSEWHERE] = frame_build_ipip(&f, &outer,
						       frames[F_IPIP_ELSEWHERE]);
}

/* decap_stats[@k], summed over the CPUs. */
static int stat_get(__u32 k, __u64 *sum)
{
	__u64 all[SCMLB_DECAP_STATS];
	int err = decap_stats_read(bpf_map__fd(decap->maps.decap_stats), all);

	if (!err)
		*sum = all[k];
	return err;
}

/* One measurement: REPEAT runs of @v, checked by its counters. */
static int measure(const struct variant *v, double *ns)
{
	struct xdp_md md = {
		.data_end = frame_len[v->pkt],
		.ingress_ifindex = ifindex[v->side],
	};
	__u8 out[2 * FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = frames[v->pkt],
		    .data_size_in = frame_len[v->pkt],
		    .data_out = out,
		    .data_size_out = sizeof(out),
		    .ctx_in = &md,
		    .ctx_size_in = sizeof(md),
		    .repeat = REPEAT);
	__u64 found = bench->bss->decap_found, local = bench->bss->decap_local;
	__u64 stat0 = 0, stat1 = 0, want_found, want_local;
	struct timespec t0, t1;
	bool ok;
	int err;

	err = v->check == C_STAT ? stat_get(v->stat, &stat0) : 0;
	if (err)
		return err;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	if (bpf_prog_test_run_opts(prog_fd(v->prog), &opts))
		return -errno;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	*ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	      REPEAT;
	err = v->check == C_STAT ? stat_get(v->stat, &stat1) : 0;
	if (err)
		return err;
	found = bench->bss->decap_found - found;
	local = bench->bss->decap_local - local;
	want_found = v->check == C_NONE || v->check == C_STAT ? 0 : REPEAT;
	want_local = v->check == C_LOCAL ? REPEAT : 0;
	ok = opts.retval == XDP_PASS && found == want_found &&
	     local == want_local && stat1 - stat0 ==
	     (v->check == C_STAT ? REPEAT : 0) &&
	     opts.data_size_out == frame_len[v->pkt] &&
	     !memcmp(out, frames[v->pkt], frame_len[v->pkt]);
	if (!ok) {
		pr_err("%s: action %d, %llu found, %llu local, %llu counted, "
		       "frame %s", v->key, opts.retval,
		       (unsigned long long)found, (unsigned long long)local,
		       (unsigned long long)(stat1 - stat0),
		       opts.data_size_out == frame_len[v->pkt] &&
		       !memcmp(out, frames[v->pkt], frame_len[v->pkt]) ?
		       "as sent" : "changed");
		return -EPROTO;
	}
	return 0;
}

static int opt(int c, const char *arg)
{
	if (c == 't')
		return bench_opt_num(arg, "trial count", 1, 1001, &trials);
	return 2;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_decap [--trials N] [--json]\n"
		"  -t, --trials N    trials; medians are reported (default 11)\n"
		"  -j, --json        one JSON object\n"
		"  -V, --verbose     libbpf's messages too\n");
}

static void print_results(double ns[V_N][1001])
{
	double med[V_N];
	size_t v;

	for (v = 0; v < V_N; v++)
		med[v] = bench_median(ns[v], trials);
	if (json) {
		printf("{\"trials\":%lu,\"repeat\":%d,\"ns_per_packet\":{",
		       trials, REPEAT);
		for (v = 0; v < V_N; v++)
			printf("%s\"%s\":%.2f", v ? "," : "", variants[v].key,
			       med[v]);
		printf("},\"fib_lookup_ns\":%.2f}\n",
		       med[V_LOOKUP_LOCAL] - med[V_PARSE]);
		return;
	}
	printf("per packet (ns, median of %lu trials of %d runs; min, max):\n",
	       trials, REPEAT);
	for (v = 0; v < V_N; v++)
		printf("  %-56s %7.2f  (%.2f, %.2f)\n", variants[v].what,
		       med[v], ns[v][0], ns[v][trials - 1]);
	printf("  bpf_fib_lookup() for a local inner destination: %.2f ns\n",
	       med[V_LOOKUP_LOCAL] - med[V_PARSE]);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trials", required_argument, NULL, 't' },
		BENCH_OPTS_COMMON
	};
	const struct bench_cli cli = {
		"bench_decap", "t:jVh", longopts, opt, usage, &json,
	};
	static double ns[V_N][1001];
	unsigned long t;
	int err, status;
	size_t v;

	if (!bench_start(&cli, argc, argv, &status))
		return status;
	frames_build();
	err = ipip_backend_setup(if_names, ifindex);
	if (err) {
		pr_err("network namespace: %s", strerror(-err));
		return 1;
	}
	bench = bench_decap__open_and_load();
	pass = bench_pass__open_and_load();
	decap = scmlb_decap_bpf__open_and_load();
	if (!bench || !pass || !decap) {
		pr_err("loading the programs: %s", strerror(errno));
		return 1;
	}
	for (t = 0; t < trials && !err; t++)
		for (v = 0; v < V_N && !err; v++)
			err = measure(&variants[v], &ns[v][t]);
	if (!err)
		print_results(ns);
	scmlb_decap_bpf__destroy(decap);
	bench_pass__destroy(pass);
	bench_decap__destroy(bench);
	return err ? 1 : 0;
}
