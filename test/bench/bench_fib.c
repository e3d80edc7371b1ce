// SPDX-License-Identifier: GPL-2.0
/* bench_fib.c - a backend's way: bpf_fib_lookup() per packet, netlink per pass */

/*
 * Run as root: build/test/bench/bench_fib [--backends N] [--trials N]
 * [--json]. Issue 12: a backend's MAC or interface may change (a
 * re-created container, a new NIC). scmlb stores both in the backend's
 * entry and scmlb-gc asks netlink for them again every pass
 * (scmlb_backends_refresh()); the data plane could instead ask the
 * kernel's FIB and neighbour table for every packet with
 * bpf_fib_lookup(), if that costs under 15 ns. This measures both.
 *
 * In a network namespace of its own: an upstream veth (the ingress of
 * the test runs) and a backend-side veth with 10.0.0.1/16, forwarding on,
 * and a permanent neighbour entry for each backend 10.0.0.2, 10.0.0.3,
 * ... Per packet (bench_fib.bpf.c), run i parses the frame and reads
 * backend i % N's entry, then either writes the MACs the entry holds
 * (scmlb today) or asks bpf_fib_lookup() for the entry's address (a
 * forwarding lookup from the ingress interface: route, then neighbour)
 * and writes the MACs it returns. The difference
 * is the lookup's own cost. A figure is the thread's CPU time around one
 * BPF_PROG_TEST_RUN with repeat = R, over R, as in bench_pkt; each trial
 * measures every variant once, in turn; the table gives the median, min
 * and max over the trials. Every run must find its way (counted by the
 * program) and the last frame must carry the neighbour's MAC.
 *
 * Per gc pass: the same N backends in scmlb's maps, added with no MAC;
 * the first scmlb_backends_refresh() moves all of them (route, link and
 * neighbour asked, every entry rewritten), the next ones find nothing
 * changed: that is the cost of every later pass (wall-clock time).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
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

#include "backends.h"
#include "bench.h"
#include "bench_fib.skel.h"
#include "bench_pass.skel.h"
#include "bench_util.h"
#include "frames.h"
#include "log.h"
#include "maps.h"
#include "reach.h"
#include "scmlb.skel.h"
#include "testbed.h"

#define VIP		IP4(203, 0, 113, 11)
#define CLIENT		IP4(198, 51, 100, 7)
#define BE_NET		IP4(10, 0, 0, 0)	/* .1 ours, backends .2 on */
#define CT_SIZE		1024
#define REPEAT		1000000
#define FIB_TARGET_NS	15.0		/* issue 12's threshold */

enum side { SIDE_UP, SIDE_BE, SIDE_N };

static const char *const if_names[SIDE_N] = { "fib-up", "fib-be" };

enum variant { V_PASS, V_STORED, V_FIB, V_N };

static const struct {
	const char *key;
	const char *what;
} variants[V_N] = {
	[V_PASS] = { "pass", "XDP_PASS only (test-run overhead, subtracted)" },
	[V_STORED] = { "stored", "the way from the backend's entry (scmlb)" },
	[V_FIB] = { "fib", "the way from bpf_fib_lookup()" },
};

static unsigned long n_backends = 1000, trials = 11;
static bool json;
static __u32 ifindex[SIDE_N];
static __u8 be_if_mac[ETH_ALEN];

static __u32 be_addr(unsigned long i)
{
	return BE_NET + 2 + i;
}

/* Backend i's MAC; @gen: which one, so that a second set differs. */
static void be_mac(unsigned long i, int gen, __u8 *mac)
{
	const __u8 m[ETH_ALEN] = { 0x02, gen, 0, i >> 8, i, 0x01 };

	memcpy(mac, m, ETH_ALEN);
}

/* Addresses, forwarding, and a permanent neighbour entry per backend. */
static int net_setup(void)
{
	char path[] = "/tmp/bench_fib.XXXXXX";
	unsigned long i;
	__u8 mac[ETH_ALEN];
	FILE *f;
	int fd, err;

	err = tb_run_cmd("ip addr add 198.51.100.1/24 dev %s",
			 if_names[SIDE_UP]);
	if (!err)
		err = tb_run_cmd("ip addr add 10.0.0.1/16 dev %s",
				 if_names[SIDE_BE]);
	if (!err)
		err = tb_run_cmd("sysctl -qw net.ipv4.conf.all.forwarding=1");
	if (!err)
		err = tb_if_mac(ifindex[SIDE_BE], be_if_mac);
	if (err)
		return err;
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	for (i = 0; i < n_backends; i++) {
		struct in_addr a = { htonl(be_addr(i)) };

		be_mac(i, 1, mac);
		fprintf(f, "neigh replace %s lladdr "
			"%02x:%02x:%02x:%02x:%02x:%02x dev %s nud permanent\n",
			inet_ntoa(a), mac[0], mac[1], mac[2], mac[3], mac[4],
			mac[5], if_names[SIDE_BE]);
	}
	err = fclose(f) ? -EIO : 0;
	if (!err)
		err = tb_run_cmd("ip -batch %s", path);
	unlink(path);
	return err;
}

/* ---- per packet ---- */

static struct bench_fib *fib;
static struct bench_pass *pass;
static __u8 frame[FRAME_MAX];
static size_t frame_len;

static int variant_fd(enum variant v)
{
	switch (v) {
	case V_PASS:
		return bpf_program__fd(pass->progs.bench_pass);
	case V_STORED:
		return bpf_program__fd(fib->progs.bench_way_stored);
	default:
		return bpf_program__fd(fib->progs.bench_way_fib);
	}
}

static int fib_load(void)
{
	struct bench_floor_dest way = { .ifindex = ifindex[SIDE_BE] };
	unsigned long i;
	__u32 key;
	int err;

	fib = bench_fib__open();
	pass = bench_pass__open_and_load();
	if (!fib || !pass)
		return -errno;
	fib->rodata->fib_backends = n_backends;
	err = bench_fib__load(fib);
	if (err)
		return err;
	memcpy(way.if_mac, be_if_mac, ETH_ALEN);
	for (i = 0; i < n_backends; i++) {
		key = i;
		way.addr = htonl(be_addr(i));
		be_mac(i, 1, way.mac);
		if (bpf_map__update_elem(fib->maps.fib_ways, &key, sizeof(key),
					 &way, sizeof(way), BPF_ANY))
			return -errno;
	}
	return 0;
}

/*
 * One measurement: @repeat runs of @v on the frame, as arrived on the
 * upstream. Every run but XDP_PASS's must have found its way, through
 * the backend-side interface, and the last frame must carry its MACs.
 */
static int measure(enum variant v, __u32 repeat, double *ns)
{
	struct xdp_md md = {
		.data_end = frame_len,
		.ingress_ifindex = ifindex[SIDE_UP],
	};
	__u8 out[FRAME_MAX], mac[ETH_ALEN];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = frame,
		    .data_size_in = frame_len,
		    .data_out = out,
		    .data_size_out = sizeof(out),
		    .ctx_in = &md,
		    .ctx_size_in = sizeof(md),
		    .repeat = repeat);
	struct timespec t0, t1;
	__u64 found;

	fib->bss->fib_runs = 0;
	fib->bss->fib_ifindex = 0;
	found = fib->bss->fib_found;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	if (bpf_prog_test_run_opts(variant_fd(v), &opts))
		return -errno;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	*ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	      repeat;
	if (v == V_PASS)
		return opts.retval == XDP_PASS ? 0 : -EPROTO;
	be_mac(((__u64)repeat - 1) % n_backends, 1, mac);
	if (opts.retval != XDP_TX || fib->bss->fib_found - found != repeat ||
	    fib->bss->fib_ifindex != ifindex[SIDE_BE] ||
	    memcmp(out, mac, ETH_ALEN) ||
	    memcmp(out + ETH_ALEN, be_if_mac, ETH_ALEN)) {
		pr_err("%s: action %d, %llu of %u runs found their way "
		       "(ifindex %u, want %u), last frame's MACs %s",
		       variants[v].key, opts.retval,
		       (unsigned long long)(fib->bss->fib_found - found),
		       repeat, fib->bss->fib_ifindex, ifindex[SIDE_BE],
		       memcmp(out, mac, ETH_ALEN) ||
		       memcmp(out + ETH_ALEN, be_if_mac, ETH_ALEN) ?
		       "wrong" : "right");
		return -EPROTO;
	}
	return 0;
}

/* ---- per gc pass ---- */

static struct scmlb_bpf *skel;
static struct scmlb_ctx lb = { .dir_fd = -1 };

static int instance_setup(void)
{
	const __u8 up_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
	const __u8 none[ETH_ALEN] = { 0 };
	unsigned long i;
	int err;

	err = tb_bpf_setup(&skel, &lb, CT_SIZE, ifindex, SIDE_N);
	if (!err)
		err = tb_instance(&lb, VIP, ifindex[SIDE_UP], up_mac, CT_SIZE,
				  -1);
	for (i = 0; i < n_backends && !err; i++)
		err = tb_backend_add_to(&lb, lb.cfg.attach_service, 1, 0, i,
					be_addr(i), ifindex[SIDE_BE], none,
					none, NULL);
	return err;
}

/* One pass; it must move @want backends, to the neighbours' MACs. */
static int refresh(size_t want, double *ms)
{
	struct scmlb_backend *list = NULL;
	struct scmlb_moved *moved = NULL;
	struct timespec t0, t1;
	size_t n = 0, i;
	__u8 mac[ETH_ALEN];
	__u32 idx;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = scmlb_backends_refresh(&lb, &moved, &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(moved);
	*ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (!err && n != want) {
		pr_err("refresh moved %zu backends, expected %zu", n, want);
		err = -EPROTO;
	}
	if (!err)
		err = scmlb_backends_list(&lb, &list, &n);
	for (i = 0; !err && i < n; i++) {
		idx = ntohl(list[i].addr[0]) - be_addr(0);
		be_mac(idx, 1, mac);
		if (memcmp(list[i].mac, mac, ETH_ALEN) ||
		    memcmp(list[i].if_mac, be_if_mac, ETH_ALEN)) {
			pr_err("backend %u: not the neighbour's MAC after "
			       "the refresh", list[i].id);
			err = -EPROTO;
		}
	}
	free(list);
	return err;
}

/* ---- the run ---- */

static int opt(int c, const char *arg)
{
	switch (c) {
	case 'b':
		return bench_opt_num(arg, "backend count", 1,
				     SCMLB_MAX_SVC_BACKENDS, &n_backends);
	case 't':
		return bench_opt_num(arg, "trial count", 1, 1001, &trials);
	default:
		return 2;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_fib [--backends N] [--trials N] [--json]\n"
		"  -b, --backends N  backends looked up and refreshed "
		"(default 1000, at most %d)\n"
		"  -t, --trials N    trials; medians are reported "
		"(default 11)\n"
		"  -j, --json        one JSON object\n"
		"  -V, --verbose     libbpf's messages too\n",
		SCMLB_MAX_SVC_BACKENDS);
}

static void print_results(double ns[V_N][1001], double moved_ms,
			  double ms[1001])
{
	double med[V_N], refresh_ms = bench_median(ms, trials);
	int v;

	for (v = 0; v < V_N; v++)
		med[v] = bench_median(ns[v], trials);
	if (json) {
		printf("{\"backends\":%lu,\"trials\":%lu,\"repeat\":%d,"
		       "\"ns_per_packet\":{", n_backends, trials, REPEAT);
		for (v = 0; v < V_N; v++)
			printf("%s\"%s\":%.2f", v ? "," : "", variants[v].key,
			       med[v]);
		printf("},\"fib_lookup_ns\":%.2f,\"refresh_ms\":%.3f,"
		       "\"refresh_all_moved_ms\":%.3f}\n",
		       med[V_FIB] - med[V_STORED], refresh_ms, moved_ms);
		return;
	}
	printf("per packet, %lu backends in turn (ns, median of %lu trials "
	       "of %d runs; min, max):\n", n_backends, trials, REPEAT);
	for (v = 0; v < V_N; v++)
		printf("  %-50s %7.2f  (%.2f, %.2f)\n", variants[v].what,
		       med[v], ns[v][0], ns[v][trials - 1]);
	printf("  bpf_fib_lookup()'s own cost: %.2f ns; issue 12's threshold: "
	       "%.0f ns\n", med[V_FIB] - med[V_STORED], FIB_TARGET_NS);
	printf("per gc pass, scmlb_backends_refresh() over %lu backends: "
	       "%.2f ms when nothing changed (median of %lu, min %.2f, max "
	       "%.2f), %.2f ms when all of them moved\n", n_backends,
	       refresh_ms, trials, ms[0], ms[trials - 1], moved_ms);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backends", required_argument, NULL, 'b' },
		{ "trials", required_argument, NULL, 't' },
		BENCH_OPTS_COMMON
	};
	const struct bench_cli cli = {
		"bench_fib", "b:t:jVh", longopts, opt, usage, &json,
	};
	const struct frame f = {
		.src_mac = (const __u8[ETH_ALEN]){ 0x02, 0, 0, 0, 0xc1, 1 },
		.dst_mac = (const __u8[ETH_ALEN]){ 0x02, 0, 0, 0, 0x0a, 1 },
		.saddr = CLIENT,
		.daddr = VIP,
		.proto = IPPROTO_TCP,
		.sport = 40000,
		.dport = 80,
		.tcp_flags = TF_ACK,
		.payload = 32,
	};
	static double ns[V_N][1001], ms[1001];
	double moved_ms;
	unsigned long t;
	int err, status, v;

	if (!bench_start(&cli, argc, argv, &status))
		return status;
	frame_len = frame_build(&f, frame);
	err = tb_pin_cpu();
	if (!err)
		err = tb_net_setup(if_names, SIDE_N, ifindex);
	if (!err)
		err = net_setup();
	if (err) {
		pr_err("network namespace: %s", strerror(-err));
		return 1;
	}
	err = fib_load();
	if (!err)
		err = instance_setup();
	if (err) {
		pr_err("loading the programs: %s", strerror(-err));
		return 1;
	}
	/* alternate: a trial runs every variant, and every refresh once */
	err = refresh(n_backends, &moved_ms);
	for (t = 0; !err && t < trials; t++) {
		for (v = 0; !err && v < V_N; v++)
			err = measure(v, REPEAT, &ns[v][t]);
		if (!err)
			err = refresh(0, &ms[t]);
	}
	if (!err)
		print_results(ns, moved_ms, ms);
	bench_fib__destroy(fib);
	bench_pass__destroy(pass);
	scmlb_bpf__destroy(skel);
	if (err)
		pr_err("measuring: %s", strerror(-err));
	return err ? 1 : 0;
}
