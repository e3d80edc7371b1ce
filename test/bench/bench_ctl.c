// SPDX-License-Identifier: GPL-2.0
/* bench_ctl.c - the control-plane tools timed on big tables, and the maps' memory (issues 4, 6, 14 and 18) */

/*
 * Run as root: build/test/bench/bench_ctl [--runs N] [--tools DIR] [--json]
 * (or: meson test -C build --benchmark -v bench-ctl). It sets up nothing on
 * the host: in mount and network namespaces of its own, with a fresh bpffs,
 * it attaches scmlb (skb mode) to a veth with the real scmlb-attach, fills
 * the tables directly, and times the real tools, each a fresh process as a
 * user runs it (exec, dynamic linking, lock and map opening included):
 *  - scmlb-fw set with 10,000 rules present, each on a network of its own
 *    (the costly path: a new network is linked into the others), a new
 *    network per timed run; target < 50 ms;
 *  - scmlb-lb conntrack get --json of 100,000 flows, to /dev/null, in the
 *    default conntrack size and in one of 4,194,304 flows; target < 1 s;
 *  - scmlb-gc --gc-time 1h over 1,000,000 flows (10 % closed a minute
 *    ago, 15 % idle for 2 h, the rest active) in a conntrack of 4,194,304
 *    flows; target
 *    < 1 s, and its report must name exactly the closed and idle flows,
 *    whose two entries must be gone while both of every active one stay;
 *  - scmlb-stat --prometheus, to /dev/null, of 4,096 services with 4
 *    backends each (16,384, as many as scmlb takes) and 1,000,000 flows
 *    in a conntrack of 4,194,304 flows; target < 1 s, and the output must
 *    list every service, every backend and every flow by its state.
 * Issue 18's scale, with targets set and justified at results[]:
 *  - scmlb-svc set of a new VIP with 1,022 others and attach's present
 *    (the table of VIPs full with it), each with an any-port service;
 *  - the memory of every map (scmlb-stat --memory's lib function) at the
 *    default conntrack size, sized for 1,000,000 flows and holding them,
 *    and sized for 4,000,000 holding them with the 4,096 services and
 *    100,000 rules (on 10,000 networks) below; targets on the instance's
 *    total, a maglev table and the firewall trie;
 *  - scmlb-lb drain and scmlb-lb set on a maglev service: each rebuilds
 *    its 65,537-slot table (scmlb-svc set builds none: a new service has
 *    no backend); MG_DEFAULT services are maglev with their tables, all
 *    4,096 with --scale (each table takes a build and a copy of 256 KiB
 *    into a new map: minutes for all);
 *  - scmlb-save of it all, which must list every backend and rule;
 *  - scmlb-gc over 4,000,000 flows (1,000,000 removed);
 *  - with --scale, scmlb-restore of that save from detached, which must
 *    then save the same bytes; --restore does only that (the tables are
 *    not built before the save, which does not read them), and with
 *    --verbose shows the restore's stages and the CPU time it took.
 * A flow is two entries, the client's in ct_flows and the reply's in
 * ct_replies, as the data plane writes them: gc walks both in the kernel
 * and deletes both; conntrack get reads both and joins them.
 * A figure is the wall-clock time from fork to the tool's exit; the table
 * gives the median and the max over the runs, PASS or MISS on the median.
 * Exit status: 0 all targets met, 1 a target missed, 2 bad usage, 3 the
 * benchmark failed, 77 not root.
 *
 * The 10,000 rules go in through scmlb_fw_rule_add() (what scmlb-fw set
 * calls), the services through scmlb_service_add() (scmlb-svc set's), the
 * flows through bpf_map_update_batch(): a tool run per rule or per flow
 * would time the filling, not the tools. The 16,384 backends are written
 * straight into lb_backends, with their traffic counters: building each
 * service's table for each one added would take minutes, and what is
 * timed reads the backends, not the tables.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_util.h"
#include "clock.h"
#include "conntrack.h"
#include "frames.h"
#include "fw.h"
#include "log.h"
#include "maps.h"
#include "memory.h"
#include "output.h"
#include "services.h"
#include "testbed.h"

#define PIN_DIR		"/sys/fs/bpf/scmlb-bench-ctl"
#define IFACE		"bcl-up"
#define VIP_TEXT	"203.0.113.11"
#define VIP		IP4(203, 0, 113, 11)

#define FW_RULES	10000
#define FW_BASE		IP4(10, 0, 0, 0)	/* rule i: 10.x.y.0/24, i = x.y */
#define FW_TIMED_BASE	IP4(172, 16, 0, 0)	/* timed runs: 172.16.r.0/24 */

#define CT_LIST_FLOWS	100000
#define CT_GC_FLOWS	1000000
/*
 * Flows: as many entries in each map. An LRU map evicts a little before
 * it is full (its free nodes are spread over per-CPU lists): 4,000,000
 * flows in a table of exactly that size lost 153, hence 2^22 for 4M.
 */
#define CT_BIG		"4194304"
#define CT_BIG_FLOWS	4000000		/* gc over a full conntrack */
#define CT_1M		"1048576"	/* conntrack for 1,000,000 flows */

/*
 * Flow i: source 100.64.0.0 + (i >> 15), port 32768 + (i & 0x7fff), on
 * backend 10.0.(i % 3 + 1).2, which takes it on the VIP's port.
 */
#define FLOW_SRC_BASE	IP4(100, 64, 0, 0)
#define FLOW_PORT_BITS	15
#define FLOW_SPORT_BASE	32768
#define FLOW_BE_ADDR(i)	IP4(10, 0, (i) % 3 + 1, 2)

/*
 * VIPs: attach's and VIPS_N - 2 more (an any-port service each, from
 * 198.18.0.1, a benchmarking network), then the timed run's, the last
 * the table takes.
 */
#define VIPS_N		SCMLB_MAX_VIPS
#define VIPS_BASE	IP4(198, 18, 0, 0)

/* Services: attach's and 4,095 more, each with SVC_BACKENDS backends. */
#define SVC_N		4096
#define SVC_BACKENDS	4
#define SVC_BE_BASE	IP4(10, 128, 0, 0)	/* backend id n: + n */

/*
 * The scale of issue 18: maglev services with their tables (MG_DEFAULT
 * of them, all with --scale), their backends reached through a gateway
 * so that scmlb-lb set and scmlb-restore resolve them, FW_BIG_RULES rules.
 */
#define MG_DEFAULT	64		/* 4,096 tables take minutes to build */
#define MG_GW_NET	"10.200.0.1/24"
#define MG_GW		"10.200.0.2"
#define MG_GW_MAC	"02:00:00:00:c8:02"
#define MG_BE_NET	"10.128.0.0/16"		/* SVC_BE_BASE's */
#define FW_BIG_RULES	100000
#define FW_BIG_PER_NET	10		/* rules a network: 10,000 networks */
#define FW_BIG_BASE	IP4(20, 0, 0, 0)	/* /24s from 20.0.0.0 */

/* gc's mix, by i % 20: 0-1 closed, 2-4 idle, the rest active. */
#define MIX_PERIOD	20
#define IDLE_SECONDS	(2 * 3600)	/* against --gc-time 1h */
#define CLOSED_SECONDS	60		/* against closed flows' 10 s */

#define BATCH		65536

#define RUNS_MIN	3
#define RUNS_MAX	99
#define RUNS_DEFAULT	11
#define GC_RUNS_MAX	5		/* each refills a million flows */
#define GC_BIG_RUNS_MAX	1		/* each refills four million */
#define GC_BIG_RUNS_SCALE 3
#define SAVE_RUNS_MAX	5

static char tools_dir[PATH_MAX];
static int runs = RUNS_DEFAULT;
static bool json;
static bool scale;		/* --scale: 4,096 tables, restore, more gc runs */
static bool restore_only;	/* --restore: only what the restore row needs */

struct result {
	const char *key;
	const char *desc;
	double target_ms;		/* median must stay below; 0: none */
	double ms[RUNS_MAX];
	int n;
};

enum {
	R_FW_SET, R_FW_DELETE, R_FW_GET, R_CT_GET, R_CT_GET_BIG, R_GC,
	R_GC_NOTHING, R_STAT_PROM, R_SVC_SET_VIPS, R_MG_LB_DRAIN,
	R_MG_LB_SET, R_SAVE, R_GC_BIG, R_RESTORE, R_N,
};

static struct result results[R_N] = {
	[R_FW_SET] = { "fw_set_10k",
		"scmlb-fw set, 10,000 rules present (new network)", 50 },
	[R_FW_DELETE] = { "fw_delete_10k",
		"scmlb-fw delete, 10,000 rules present (its network goes)", 0 },
	[R_FW_GET] = { "fw_get_10k",
		"scmlb-fw get --json, 10,000 rules", 0 },
	[R_CT_GET] = { "ct_get_100k",
		"scmlb-lb conntrack get --json, 100,000 flows", 1000 },
	[R_CT_GET_BIG] = { "ct_get_100k_ct4m",
		"scmlb-lb conntrack get --json, 100,000 flows, "
		"--conntrack-size 4194304", 1000 },
	[R_GC] = { "gc_1m",
		"scmlb-gc, 1,000,000 flows, 250,000 removed", 1000 },
	[R_GC_NOTHING] = { "gc_750k_nothing",
		"scmlb-gc, 750,000 flows, none removed", 0 },
	[R_STAT_PROM] = { "stat_prometheus_4k_svc_1m",
		"scmlb-stat --prometheus, 4,096 services, 16,384 backends, "
		"1,000,000 flows", 1000 },
	/*
	 * Issue 18's scale. A new VIP: as a firewall rule, a user's command
	 * (each write rebuilds every VIP's entry and the VIP hint, to repair
	 * what a killed tool left). A table rebuild: what a user waits for at each
	 * backend change, human scale (twice the 10,000-rule scmlb-fw set's
	 * 50 ms: a 65,537-slot table is built and copied in). save: within a
	 * second, as the other listings. gc: four times the flows of gc_1m,
	 * four times its target (the walk is linear; the timer does not
	 * start a pass while one runs). restore: a boot-time job, 120,000
	 * lines in 2 minutes (1 ms a line).
	 */
	[R_SVC_SET_VIPS] = { "svc_set_vips_1k",
		"scmlb-svc set, a new VIP, 1,023 VIPs present", 50 },
	[R_MG_LB_DRAIN] = { "lb_drain_maglev",
		"scmlb-lb drain, maglev service (65,537-slot table rebuilt), "
		"4,096 services, 16,384 backends, 100,000 rules", 100 },
	[R_MG_LB_SET] = { "lb_set_maglev",
		"scmlb-lb set, maglev service (table rebuilt), the same", 100 },
	[R_SAVE] = { "save_4k_svc_100k_rules",
		"scmlb-save, 4,096 services, 16,384 backends, 100,000 rules",
		1000 },
	[R_GC_BIG] = { "gc_4m",
		"scmlb-gc, 4,000,000 flows, 1,000,000 removed", 4000 },
	[R_RESTORE] = { "restore_4k_svc_100k_rules",
		"scmlb-restore of that save, detached (--scale)", 120000 },
};

static double now_ms(void)
{
	return scmlb_mono_ns() / 1e6;
}

/* ---- running the tools ---- */

/**
 * tool_run() - run one tool to its end and time it
 * @out: the tool's stdout, or -1 for /dev/null
 * @ms:  set to the time from fork to exit
 * @argv: the tool's name (in tools_dir) and its arguments
 *
 * Return: 0 when it exited 0, -EIO when it failed, or another -errno.
 */
static int tool_run(int out, double *ms, char *const argv[])
{
	char path[PATH_MAX + 64];
	double t0;
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", tools_dir, argv[0]);
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int fd = out >= 0 ? out : open("/dev/null", O_WRONLY);

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		execv(path, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	*ms = now_ms() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		pr_err("'%s' failed (status %d)", argv[0],
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

/* Run a tool with its stdout in @buf (NUL-terminated, cut at @size). */
static int tool_capture(char *buf, size_t size, double *ms, char *const argv[])
{
	int fd = memfd_create("bench-ctl-out", MFD_CLOEXEC), err;
	ssize_t n;

	if (fd < 0)
		return -errno;
	err = tool_run(fd, ms, argv);
	if (!err) {
		n = pread(fd, buf, size - 1, 0);
		if (n < 0)
			err = -errno;
		else
			buf[n] = 0;
	}
	close(fd);
	return err;
}

/* Bytes of a tool's whole stdout, in a buffer the caller frees. */
static int tool_output(char **text, size_t *len, char *const argv[])
{
	int fd = memfd_create("bench-ctl-out", MFD_CLOEXEC), err;
	double ms;
	off_t size;
	char *buf;

	if (fd < 0)
		return -errno;
	err = tool_run(fd, &ms, argv);
	if (err)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	buf = size >= 0 ? malloc(size + 1) : NULL;
	if (!buf) {
		err = size < 0 ? -errno : -ENOMEM;
		goto out;
	}
	if (pread(fd, buf, size, 0) != size) {
		free(buf);
		err = -EIO;
		goto out;
	}
	buf[size] = 0;
	*text = buf;
	*len = size;
out:
	close(fd);
	return err;
}

static size_t count_substr(const char *s, const char *what)
{
	size_t n = 0, len = strlen(what);

	while ((s = strstr(s, what))) {
		n++;
		s += len;
	}
	return n;
}

static int attach(const char *ct_size)
{
	char *argv[] = { "scmlb-attach", "-u", IFACE, "-v", VIP_TEXT, "-m",
			 "skb", "--conntrack-size", (char *)ct_size, NULL };
	double ms;

	if (!ct_size)
		argv[7] = NULL;
	return tool_run(-1, &ms, argv);
}

static int detach(void)
{
	char *argv[] = { "scmlb-detach", NULL };
	double ms;

	return tool_run(-1, &ms, argv);
}

/* ---- the tables, filled directly ---- */

/* The instance's maps under the writers' lock, as a tool holds them. */
static int instance_open(struct scmlb_ctx *ctx)
{
	int err;

	memset(ctx, 0, sizeof(*ctx));
	ctx->pin_dir = PIN_DIR;
	ctx->dir_fd = -1;
	err = scmlb_lock(ctx, true);
	if (!err)
		err = scmlb_maps_open(ctx);
	if (err)
		scmlb_unlock(ctx);
	return err;
}

static void instance_close(struct scmlb_ctx *ctx)
{
	scmlb_maps_close(ctx);
	scmlb_unlock(ctx);
}

/*
 * @n tcp rules, @per_net on each /24 from @base (rule i on network
 * i / @per_net, to port 22 + i % @per_net): a new network costs an add a
 * read of the others, a rule of a network that exists does not.
 */
static int fw_fill(__u32 base, __u32 n, __u32 per_net)
{
	struct scmlb_fw_rule r;
	struct scmlb_ctx ctx;
	double t0 = now_ms();
	__u32 i;
	int err;

	err = instance_open(&ctx);
	for (i = 0; !err && i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.addr = htonl(base + (i / per_net << 8));
		r.prefixlen = 24;
		r.proto = IPPROTO_TCP;
		r.dst_from = r.dst_to = 22 + i % per_net;
		err = scmlb_fw_rule_add(&ctx, &r);
	}
	if (!err && ctx.cfg.fw_rules != n)
		err = -EUCLEAN;
	if (!err)
		pr_debug("%u rules added in %.0f ms", n, now_ms() - t0);
	if (ctx.dir_fd >= 0)
		instance_close(&ctx);
	return err;
}

enum flow_kind { FK_ACTIVE, FK_CLOSED, FK_IDLE };

static enum flow_kind flow_kind(__u32 i, bool mixed)
{
	__u32 m = i % MIX_PERIOD;

	if (!mixed || m >= 5)
		return FK_ACTIVE;
	return m < 2 ? FK_CLOSED : FK_IDLE;
}

/*
 * Flow @i as the data plane tracks it: the client's entry @c and the
 * reply entry @r, both last seen at the same time.
 */
static void flow_make(__u32 i, bool mixed, __u64 now, __u64 old,
		      struct scmlb_ct_entry *c, struct scmlb_ct_entry *r)
{
	static const __u8 mac[6] = { 0x02, 0, 0, 0, 0xc1, 0x01 };
	enum flow_kind kind = flow_kind(i, mixed);
	__u32 m = i % MIX_PERIOD;
	bool udp = m == 4 || m == 7;	/* idle and active UDP flows */
	struct scmlb_flow *f = &c->flow;

	memset(c, 0, sizeof(*c));
	c->key = tb_flow_key(FLOW_SRC_BASE + (i >> FLOW_PORT_BITS), VIP,
			     FLOW_SPORT_BASE + (i & ((1U << FLOW_PORT_BITS) - 1)),
			     udp ? 53 : 80, udp ? IPPROTO_UDP : IPPROTO_TCP);
	f->last_seen = kind == FK_IDLE ? old : now;
	/* closed a while ago: past the closed timeout (10 s) */
	if (kind == FK_CLOSED)
		f->last_seen = now - CLOSED_SECONDS * (now - old) / IDLE_SECONDS;
	f->packets = 10;
	f->backend_id = i % 3 + 1;
	f->service_id = 1;
	f->nat_addr[0] = htonl(FLOW_BE_ADDR(i));
	f->nat_port = c->key.dst_port;
	memcpy(f->client_mac, mac, sizeof(mac));
	if (udp)
		f->state = SCMLB_CT_UDP;
	else if (kind == FK_CLOSED)
		f->state = SCMLB_CT_CLOSED;
	else if (m == 5)
		f->state = SCMLB_CT_OPENING;
	else if (m == 6)
		f->state = SCMLB_CT_CLOSING;
	else
		f->state = SCMLB_CT_ESTABLISHED;
	r->key = scmlb_ct_reply_key(c);
	r->flow = *f;
	memset(r->flow.nat_addr, 0, sizeof(r->flow.nat_addr));
	r->flow.nat_addr[0] = c->key.dst_addr;
	r->flow.flags = SCMLB_FLOW_REPLY;
}

/* Flow i of an entry, client's or reply's; -1 when it is none of ours. */
static long flow_index(const struct scmlb_flow_key *k,
		       const struct scmlb_flow *f)
{
	__be32 client = f->flags & SCMLB_FLOW_REPLY ? k->dst_addr :
						       k->src_addr;
	__be16 port = f->flags & SCMLB_FLOW_REPLY ? k->dst_port : k->src_port;
	__u32 addr = ntohl(client), sport = ntohs(port);

	if (addr < FLOW_SRC_BASE || sport < FLOW_SPORT_BASE ||
	    sport - FLOW_SPORT_BASE >= 1U << FLOW_PORT_BITS)
		return -1;
	return (long)(addr - FLOW_SRC_BASE) << FLOW_PORT_BITS |
	       (sport - FLOW_SPORT_BASE);
}

/**
 * ct_fill() - put flows 0..@n-1 into conntrack, in batches
 * @n:     how many
 * @mixed: gc's mix (closed, idle, active) rather than all active
 *
 * Active and closed flows were seen now, idle ones IDLE_SECONDS ago, in
 * the data plane's jiffies (scmlb-attach's reference, struct scmlb_config).
 *
 * Return: 0 or -errno.
 */
static int ct_fill(__u32 n, bool mixed)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct scmlb_flow_key *keys = calloc(2 * BATCH, sizeof(*keys));
	struct scmlb_flow *vals = calloc(2 * BATCH, sizeof(*vals));
	struct scmlb_ct_entry c, r;
	__u64 now, old, idle;
	struct scmlb_ctx ctx;
	__u32 from, i, len, count;
	int err;

	err = !keys || !vals ? -ENOMEM : instance_open(&ctx);
	if (err)
		goto out_free;
	now = scmlb_jiffies_now(&ctx.cfg);
	idle = (__u64)IDLE_SECONDS * ctx.cfg.hz;
	old = now > idle ? now - idle : 0;
	if (!ctx.cfg.hz || !old) {
		err = -EDOM;	/* no clock reference, or jiffies too young */
		goto out;
	}
	for (from = 0; from < n; from += len) {
		len = n - from < BATCH ? n - from : BATCH;
		/* the clients' entries first, the replies' after them */
		for (i = 0; i < len; i++) {
			flow_make(from + i, mixed, now, old, &c, &r);
			keys[i] = c.key;
			vals[i] = c.flow;
			keys[BATCH + i] = r.key;
			vals[BATCH + i] = r.flow;
		}
		count = len;
		if (bpf_map_update_batch(ctx.maps.ct, keys, vals, &count, &opts)) {
			err = -errno;
			goto out;
		}
		count = len;
		if (bpf_map_update_batch(ctx.maps.ct_replies, keys + BATCH,
					 vals + BATCH, &count, &opts)) {
			err = -errno;
			goto out;
		}
	}
out:
	instance_close(&ctx);
out_free:
	free(keys);
	free(vals);
	return err;
}

/*
 * Count the entries of conntrack map @fd: *@seen of them, *@wrong of them
 * of flows that are not active in the mix of @n.
 */
static int ct_count_left(int fd, __u32 n, size_t *seen, size_t *wrong)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct scmlb_flow_key *keys = calloc(BATCH, sizeof(*keys));
	struct scmlb_flow *vals = calloc(BATCH, sizeof(*vals));
	__u32 batch, count, i;
	bool first = true;
	int err = 0, ret;
	long idx;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = BATCH;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch,
					   keys, vals, &count, &opts);
		if (ret && errno != ENOENT) {
			err = -errno;
			break;
		}
		first = false;
		for (i = 0; i < count; i++) {
			idx = flow_index(&keys[i], &vals[i]);
			(*seen)++;
			*wrong += idx < 0 || idx >= n ||
				  flow_kind(idx, true) != FK_ACTIVE;
		}
		if (ret)
			break;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/*
 * Which of the mix are still tracked: both entries of every active flow,
 * no entry of a closed or idle one, and nothing else.
 */
static int ct_check_after_gc(__u32 n)
{
	size_t seen = 0, wrong = 0, want = 0;
	struct scmlb_ctx ctx;
	__u32 i;
	int err;

	err = instance_open(&ctx);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		want += 2 * (flow_kind(i, true) == FK_ACTIVE);
	err = ct_count_left(ctx.maps.ct, n, &seen, &wrong);
	if (!err)
		err = ct_count_left(ctx.maps.ct_replies, n, &seen, &wrong);
	if (!err && (seen != want || wrong)) {
		pr_err("after gc: %zu entries tracked (want %zu), %zu of them "
		       "should have gone", seen, want, wrong);
		err = -EUCLEAN;
	}
	instance_close(&ctx);
	return err;
}

/* ---- the measurements ---- */

static int measure_fw(void)
{
	char net[32], id[16], out[64];
	char *set_argv[] = { "scmlb-fw", "set", "-n", net, "-t", "tcp", "-d",
			     "22", NULL };
	char *del_argv[] = { "scmlb-fw", "delete", "-i", id, NULL };
	char *get_argv[] = { "scmlb-fw", "get", "--json", NULL };
	unsigned long ids[RUNS_MAX];
	char *text = NULL;
	size_t len;
	int err = 0, r;
	double ms;

	for (r = 0; !err && r < runs; r++) {
		snprintf(net, sizeof(net), "172.16.%d.0/24", r);
		err = tool_capture(out, sizeof(out), &ms, set_argv);
		if (err)
			break;
		results[R_FW_SET].ms[results[R_FW_SET].n++] = ms;
		/* set prints the new rule's id */
		ids[r] = strtoul(out, NULL, 10);
		if (!ids[r]) {
			pr_err("scmlb-fw set printed '%s', not an id", out);
			err = -EPROTO;
		}
	}
	for (r = 0; !err && r < runs; r++) {
		err = tool_run(-1, &ms, get_argv);
		results[R_FW_GET].ms[results[R_FW_GET].n++] = ms;
	}
	if (!err)
		err = tool_output(&text, &len, get_argv);
	if (!err && count_substr(text, "\"id\":") != (size_t)(FW_RULES + runs)) {
		pr_err("scmlb-fw get listed %zu rules, not %d",
		       count_substr(text, "\"id\":"), FW_RULES + runs);
		err = -EUCLEAN;
	}
	free(text);
	/* the timed rules go again, newest first: each takes its network */
	for (r = 0; !err && r < runs; r++) {
		snprintf(id, sizeof(id), "%lu", ids[runs - 1 - r]);
		err = tool_run(-1, &ms, del_argv);
		results[R_FW_DELETE].ms[results[R_FW_DELETE].n++] = ms;
	}
	return err;
}

static int measure_ct_get(struct result *res)
{
	char *argv[] = { "scmlb-lb", "conntrack", "get", "--json", NULL };
	char *text = NULL;
	size_t len, n;
	double ms;
	int err = 0, r;

	for (r = 0; !err && r < runs; r++) {
		err = tool_run(-1, &ms, argv);
		res->ms[res->n++] = ms;
	}
	if (!err)
		err = tool_output(&text, &len, argv);
	if (!err) {
		n = count_substr(text, "\"src_addr\":");
		if (n != CT_LIST_FLOWS) {
			pr_err("conntrack get listed %zu flows, not %d", n,
			       CT_LIST_FLOWS);
			err = -EUCLEAN;
		} else {
			pr_debug("conntrack get --json: %zu bytes", len);
		}
	}
	free(text);
	return err;
}

/* gc's report, which must name exactly what it had to remove. */
static int gc_check_report(const char *out, size_t checked, size_t closed,
			   size_t idle)
{
	char want[128];

	snprintf(want, sizeof(want), "gc: %zu flows checked, %zu closed and "
		 "%zu idle removed; 0 DoS rules added, 0 expired\n", checked, closed, idle);
	if (strcmp(out, want)) {
		pr_err("scmlb-gc said '%.*s', expected '%.*s'",
		       (int)strcspn(out, "\n"), out, (int)strlen(want) - 1, want);
		return -EUCLEAN;
	}
	return 0;
}

/* How many of flows 0..@n-1 of gc's mix are closed, and idle. */
static void mix_counts(__u32 n, size_t *closed, size_t *idle)
{
	__u32 i;

	*closed = *idle = 0;
	for (i = 0; i < n; i++) {
		*closed += flow_kind(i, true) == FK_CLOSED;
		*idle += flow_kind(i, true) == FK_IDLE;
	}
}

/*
 * scmlb-gc over flows 0..@n-1 of the mix, all of them put back before
 * each run (the active stay, the removed come back; not before the first
 * when the caller @filled them), at most @max runs.
 */
static int measure_gc_mixed(__u32 n, bool filled, int max,
			    struct result *res)
{
	char *argv[] = { "scmlb-gc", "--gc-time", "1h", NULL };
	int err = 0, r, gc_runs = runs < max ? runs : max;
	size_t closed, idle;
	char out[256];
	double ms;

	mix_counts(n, &closed, &idle);
	for (r = 0; !err && r < gc_runs; r++) {
		if (r || !filled)
			err = ct_fill(n, true);
		if (!err)
			err = tool_capture(out, sizeof(out), &ms, argv);
		if (!err)
			err = gc_check_report(out, n, closed, idle);
		if (!err)
			err = ct_check_after_gc(n);
		if (!err)
			res->ms[res->n++] = ms;
	}
	return err;
}

static int measure_gc(void)
{
	char *argv[] = { "scmlb-gc", "--gc-time", "1h", NULL };
	int err, r, gc_runs = runs < GC_RUNS_MAX ? runs : GC_RUNS_MAX;
	size_t closed, idle;
	char out[256];
	double ms;

	err = measure_gc_mixed(CT_GC_FLOWS, false, GC_RUNS_MAX, &results[R_GC]);
	mix_counts(CT_GC_FLOWS, &closed, &idle);
	for (r = 0; !err && r < gc_runs; r++) {
		err = tool_capture(out, sizeof(out), &ms, argv);
		if (!err)
			err = gc_check_report(out, CT_GC_FLOWS - closed - idle,
					      0, 0);
		if (!err)
			results[R_GC_NOTHING].ms[results[R_GC_NOTHING].n++] = ms;
	}
	return err;
}

/*
 * Services 2..SVC_N on TCP ports 1.. of the VIP, as scmlb-svc set adds
 * them, then SVC_BACKENDS backends for each service, ids from 1, with
 * counters that tell them apart (backend n: n connections). Services
 * 1..@maglev are maglev services with their tables (built and published
 * as scmlb-lb set does, once all backends are in, unless !@tables), the
 * others rr without.
 */
static int svc_fill(__u32 maglev, bool tables)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys = calloc(SCMLB_MAX_BACKENDS, sizeof(*keys));
	struct scmlb_backend *bes = calloc(SCMLB_MAX_BACKENDS, sizeof(*bes));
	int ncpus = libbpf_num_possible_cpus();
	struct scmlb_backend_stats *bs = NULL;
	/* the gateway of mg_routes(): scmlb-gc finds them where they are */
	static const __u8 gw_mac[6] = { 0x02, 0, 0, 0, 0xc8, 0x02 };
	struct scmlb_service svc;
	double t0 = now_ms();
	struct scmlb_ctx ctx;
	__u32 i, n = 0, count, c;
	__u8 if_mac[6];
	int err;

	err = !keys || !bes ? -ENOMEM : ncpus < 0 ? ncpus : 0;
	if (!err) {
		bs = calloc(ncpus, sizeof(*bs));
		err = bs ? instance_open(&ctx) : -ENOMEM;
	}
	if (err)
		goto out_free;
	err = tb_if_mac(ctx.cfg.upstream_ifindex, if_mac);
	if (!err && maglev)
		err = scmlb_service_set_scheduler(&ctx, 1, SCMLB_SCHED_MAGLEV,
						  SCMLB_FWD_NAT);
	for (i = 1; !err && i < SVC_N; i++) {
		memset(&svc, 0, sizeof(svc));
		svc.family = SCMLB_AF_INET;
		svc.proto = IPPROTO_TCP;
		svc.port = htons(i);
		svc.vip[0] = htonl(VIP);
		svc.scheduler = i < maglev ? SCMLB_SCHED_MAGLEV : SCMLB_SCHED_RR;
		err = scmlb_service_add(&ctx, &svc);
	}
	if (err)
		goto out;
	pr_debug("%u services added in %.0f ms", SVC_N - 1, now_ms() - t0);
	for (i = 0; i < SVC_N * SVC_BACKENDS; i++) {
		struct scmlb_backend *be = &bes[n];

		be->id = i + 1;
		be->service_id = i / SVC_BACKENDS + 1;
		be->addr[0] = htonl(SVC_BE_BASE + be->id);
		/* as scmlb-lb set: a port service's backends take its port */
		be->port = htons(be->service_id - 1);
		be->ifindex = ctx.cfg.upstream_ifindex;
		memcpy(be->mac, gw_mac, sizeof(be->mac));
		memcpy(be->if_mac, if_mac, sizeof(be->if_mac));
		be->weight = 1 + i % SVC_BACKENDS;
		be->family = SCMLB_AF_INET;
		be->health = i % 3;	/* unknown, healthy, unhealthy */
		snprintf(be->name, sizeof(be->name), "svc%u-be%u",
			 be->service_id, i % SVC_BACKENDS + 1);
		keys[n++] = be->id % SCMLB_MAX_BACKENDS;
		/* one CPU's: the sum is the id */
		for (c = 0; c < (__u32)ncpus; c++)
			bs[c] = (struct scmlb_backend_stats){ .conns = c ? 0 : be->id };
		if (bpf_map_update_elem(ctx.maps.be_stats, &keys[n - 1], bs,
					BPF_ANY)) {
			err = -errno;
			goto out;
		}
	}
	count = n;
	if (bpf_map_update_batch(ctx.maps.backends, keys, bes, &count, &opts)) {
		err = -errno;
		goto out;
	}
	ctx.cfg.next_backend_id = n + 1;
	err = scmlb_config_commit(&ctx);
	t0 = now_ms();
	for (i = 1; !err && tables && i <= maglev; i++)
		err = scmlb_service_publish(&ctx, i, NULL);
	if (!err && maglev && tables)
		pr_debug("%u maglev tables built in %.0f ms", maglev,
			 now_ms() - t0);
out:
	instance_close(&ctx);
out_free:
	free(keys);
	free(bes);
	free(bs);
	return err;
}

/*
 * VIPS_N - 2 VIPs more than attach's, each with an any-port service as
 * scmlb-svc set adds it; then a new VIP's scmlb-svc set timed, the VIPs
 * table full with it, and its service deleted again (untimed) before the
 * next run.
 */
static int measure_svc_vips(void)
{
	char addr[INET_ADDRSTRLEN], id[24], out[64];
	char *set_argv[] = { "scmlb-svc", "set", "-v", addr, NULL };
	char *del_argv[] = { "scmlb-svc", "delete", "-i", id, NULL };
	struct result *res = &results[R_SVC_SET_VIPS];
	struct scmlb_service svc;
	struct scmlb_ctx ctx;
	struct in_addr a;
	double t0 = now_ms(), ms;
	int err, r;
	__u32 i;

	err = instance_open(&ctx);
	if (err)
		return err;
	for (i = 1; !err && i <= VIPS_N - 2; i++) {
		memset(&svc, 0, sizeof(svc));
		svc.family = SCMLB_AF_INET;
		svc.vip[0] = htonl(VIPS_BASE + i);
		err = scmlb_service_add(&ctx, &svc);
	}
	instance_close(&ctx);
	if (err)
		return err;
	pr_debug("%u VIPs added in %.0f ms", VIPS_N - 2, now_ms() - t0);
	for (r = 0; !err && r < runs; r++) {
		a.s_addr = htonl(VIPS_BASE + VIPS_N + r);
		inet_ntop(AF_INET, &a, addr, sizeof(addr));
		err = tool_capture(out, sizeof(out), &ms, set_argv);
		if (err)
			break;
		res->ms[res->n++] = ms;
		snprintf(id, sizeof(id), "%lu", strtoul(out, NULL, 10));
		err = tool_run(-1, &ms, del_argv);
	}
	return err;
}

/* The value of the first sample line that starts with @prefix, or -1. */
static long long sample_value(const char *text, const char *prefix)
{
	char want[256];
	const char *p;

	snprintf(want, sizeof(want), "\n%s", prefix);
	p = strstr(text, want);
	if (!p)
		return -1;
	p = strchr(p + 1, ' ');
	return p ? strtoll(p + 1, NULL, 10) : -1;
}

static int measure_stat(void)
{
	static const char *const states[] = { "opening", "established",
					      "closing", "closed", "udp" };
	char *argv[] = { "scmlb-stat", "--prometheus", NULL };
	long long flows = 0, v;
	char *text = NULL, prefix[96];
	size_t len, i;
	double ms;
	int err = 0, r;

	for (r = 0; !err && r < runs; r++) {
		err = tool_run(-1, &ms, argv);
		results[R_STAT_PROM].ms[results[R_STAT_PROM].n++] = ms;
	}
	if (!err)
		err = tool_output(&text, &len, argv);
	if (err)
		goto out;
	pr_debug("scmlb-stat --prometheus: %zu bytes", len);
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		snprintf(prefix, sizeof(prefix),
			 "scmlb_conntrack_entries{state=\"%s\"}", states[i]);
		v = sample_value(text, prefix);
		flows += v < 0 ? 0 : v;
	}
	/* the last backend: its id in its connections, its flows none */
	snprintf(prefix, sizeof(prefix), "scmlb_backend_connections_total"
		 "{service=\"%u\",backend=\"%u\"", SVC_N, SVC_N * SVC_BACKENDS);
	v = sample_value(text, prefix);
	if (count_substr(text, "\nscmlb_service_info{") != SVC_N ||
	    count_substr(text, "\nscmlb_backend_up{") != SVC_N * SVC_BACKENDS ||
	    flows != CT_GC_FLOWS || v != SVC_N * SVC_BACKENDS) {
		pr_err("scmlb-stat --prometheus listed %zu services, %zu "
		       "backends, %lld flows, backend %u with %lld connections",
		       count_substr(text, "\nscmlb_service_info{"),
		       count_substr(text, "\nscmlb_backend_up{"), flows,
		       SVC_N * SVC_BACKENDS, v);
		err = -EUCLEAN;
	}
out:
	free(text);
	return err;
}

/* ---- issue 18: memory, maglev services, save and restore ---- */

/* The maps of the instance at one point of the run. */
struct snapshot {
	const char *key;		/* its JSON key */
	const char *header;
	struct scmlb_map_memory *maps;
	size_t n;
};

#define SNAPSHOTS_MAX	4
static struct snapshot snapshots[SNAPSHOTS_MAX];
static int n_snapshots;

/* Every map of the instance and its memlock now, as scmlb-stat --memory. */
static int memory_snapshot(const char *key, const char *header)
{
	struct snapshot *sn = &snapshots[n_snapshots];
	struct scmlb_ctx ctx;
	int err;

	if (n_snapshots == SNAPSHOTS_MAX)
		return -E2BIG;
	err = instance_open(&ctx);
	if (err)
		return err;
	err = scmlb_memory_list(&ctx, &sn->maps, &sn->n);
	instance_close(&ctx);
	if (!err) {
		sn->key = key;
		sn->header = header;
		n_snapshots++;
	}
	return err;
}

/* The services' tables, lb_table[ID], share a row. */
static const char *memory_row_name(const char *name)
{
	return strncmp(name, "lb_table[", 9) ? name : "lb_table[*]";
}

/* Bytes of the maps of @sn that are row @row (every map for NULL). */
static unsigned long long snapshot_bytes(const struct snapshot *sn,
					 const char *row)
{
	unsigned long long sum = 0;
	size_t i;

	for (i = 0; i < sn->n; i++)
		if (!row || !strcmp(memory_row_name(sn->maps[i].name), row))
			sum += sn->maps[i].memlock;
	return sum;
}

/*
 * A service's table, 4,096 of them: SCMLB_TABLE_SIZE + 1 four-byte slots,
 * the length first.
 */
#define MG_TABLE_BYTES	((SCMLB_TABLE_SIZE + 1) * 4ULL)

/* Memory figures with a target, from the snapshots. */
static const struct memory_target {
	const char *key;
	const char *desc;
	const char *snapshot;
	const char *row;		/* NULL: every map */
	bool but_row;			/* every map but @row's */
	bool per_map;			/* the row's bytes over its maps */
	double target_mib;
} memory_targets[] = {
	/*
	 * A host sized for a million flows should not need a gigabyte for
	 * them, four million flows fit in 4 GiB: half of an 8 GiB host.
	 * Conntrack is preallocated for both families, so this is what the
	 * size costs, not what the flows do. The services' tables, which
	 * come with services, not flows, have their own target.
	 */
	{ "mem_ct_1m", "the instance, --conntrack-size 1,048,576 (1M flows)",
	  "ct_1m", "lb_table[*]", true, false, 1024 },
	{ "mem_ct_4m", "the instance but its tables, --conntrack-size "
	  "4,194,304 (4M flows), 4,096 services, 100,000 rules",
	  "ct_4m", "lb_table[*]", true, false, 4096 },
	/*
	 * A maglev table is 65,538 four-byte slots: 256 KiB of ids, at most
	 * 5 % more (4,096 of them: 1 GiB; MG_DEFAULT without --scale).
	 */
	{ "mem_table", "a maglev table (lb_table[*] / tables)",
	  "ct_4m", "lb_table[*]", false, true, 1.05 * MG_TABLE_BYTES / 1048576 },
	/* the trie of 10,000 networks: under 256 bytes a network */
	{ "mem_fw_nets_10k", "fw_nets, 10,000 networks of 100,000 rules",
	  "ct_4m", "fw_nets", false, false,
	  256.0 * FW_BIG_RULES / FW_BIG_PER_NET / 1048576 },
};

/* MiB of @m's maps in its snapshot, or over each of them; -1: none. */
static double snapshot_mib(const struct memory_target *m)
{
	const struct snapshot *sn;
	unsigned long long bytes;
	size_t i, n = 0;
	int s;

	for (s = 0; s < n_snapshots; s++) {
		sn = &snapshots[s];
		if (strcmp(sn->key, m->snapshot))
			continue;
		for (i = 0; i < sn->n; i++)
			n += !m->row || !strcmp(memory_row_name(sn->maps[i].name),
						m->row);
		bytes = snapshot_bytes(sn, m->row);
		if (m->but_row) {
			bytes = snapshot_bytes(sn, NULL) - bytes;
			n = sn->n - n;
		}
		if (!n)
			return -1;
		return bytes / 1048576.0 / (m->per_map ? n : 1);
	}
	return -1;
}

/*
 * Backend and reply routes for scmlb-lb set and scmlb-restore: the
 * backends' /16 through a gateway with a permanent neighbour entry.
 */
static int mg_routes(void)
{
	int err = tb_run_cmd("ip addr add " MG_GW_NET " dev " IFACE);

	if (!err)
		err = tb_run_cmd("ip neigh replace " MG_GW " lladdr "
				 MG_GW_MAC " dev " IFACE " nud permanent");
	if (!err)
		err = tb_run_cmd("ip route add " MG_BE_NET " via " MG_GW);
	return err;
}

/*
 * A backend of service 1 (maglev) drained, deleted and set again, each
 * run: drain and set each rebuild its 65,537-slot table; set resolves the
 * backend through the gateway of mg_routes().
 */
static int measure_mg_lb(void)
{
	char id[24], addr[INET_ADDRSTRLEN], out[64];
	char *drain_argv[] = { "scmlb-lb", "drain", "-i", id, NULL };
	char *del_argv[] = { "scmlb-lb", "delete", "-i", id, NULL };
	char *set_argv[] = { "scmlb-lb", "set", "-s", "1", "-n", "svc1-be4",
			     "-a", addr, NULL };
	struct in_addr a = { htonl(SVC_BE_BASE + SVC_BACKENDS) };
	unsigned long be = SVC_BACKENDS;	/* service 1's last */
	int err = 0, r;
	double ms;

	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	for (r = 0; !err && r < runs; r++) {
		snprintf(id, sizeof(id), "%lu", be);
		err = tool_run(-1, &ms, drain_argv);
		if (err)
			break;
		results[R_MG_LB_DRAIN].ms[results[R_MG_LB_DRAIN].n++] = ms;
		err = tool_run(-1, &ms, del_argv);
		if (!err)
			err = tool_capture(out, sizeof(out), &ms, set_argv);
		if (err)
			break;
		results[R_MG_LB_SET].ms[results[R_MG_LB_SET].n++] = ms;
		be = strtoul(out, NULL, 10);
		if (!be) {
			pr_err("scmlb-lb set printed '%s', not an id", out);
			err = -EPROTO;
		}
	}
	return err;
}

/*
 * scmlb-save of everything, into @fd for scmlb-restore; it must hold
 * every backend and every rule.
 */
static int measure_save(int fd)
{
	char *argv[] = { "scmlb-save", NULL };
	int save_runs = runs < SAVE_RUNS_MAX ? runs : SAVE_RUNS_MAX;
	size_t n_be, n_rules;
	char *text = NULL;
	int err = 0, r;
	size_t len;
	double ms;

	for (r = 0; !err && r < save_runs; r++) {
		err = tool_run(-1, &ms, argv);
		if (!err)
			results[R_SAVE].ms[results[R_SAVE].n++] = ms;
	}
	if (!err)
		err = tool_output(&text, &len, argv);
	if (err)
		return err;
	n_be = count_substr(text, "\nlb set ");
	n_rules = count_substr(text, "\nfw set ");
	pr_debug("scmlb-save: %zu bytes, %zu lines", len,
		 count_substr(text, "\n"));
	if (n_be != SVC_N * SVC_BACKENDS || n_rules != FW_BIG_RULES) {
		pr_err("scmlb-save printed %zu backends and %zu rules, not "
		       "%d and %d", n_be, n_rules, SVC_N * SVC_BACKENDS,
		       FW_BIG_RULES);
		err = -EUCLEAN;
	}
	if (!err && pwrite(fd, text, len, 0) != (ssize_t)len)
		err = -EIO;
	free(text);
	return err;
}

static double tv_s(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

/*
 * scmlb-restore of @fd's configuration into a detached instance, which
 * must then save what @fd holds, byte for byte.
 */
static int measure_restore(int fd)
{
	char file[64], *argv[] = { "scmlb-restore", "-f", file, NULL, NULL };
	char *save_argv[] = { "scmlb-save", NULL };
	char *before = NULL, *after = NULL;
	struct rusage ru0, ru1;
	size_t len;
	off_t size;
	double ms;
	int err;

	snprintf(file, sizeof(file), "/proc/self/fd/%d", fd);
	/* its stages' times, on stderr */
	if (scmlb_log_verbose())
		argv[3] = "--verbose";
	err = detach();
	getrusage(RUSAGE_CHILDREN, &ru0);
	if (!err)
		err = tool_run(-1, &ms, argv);
	getrusage(RUSAGE_CHILDREN, &ru1);
	if (!err)
		results[R_RESTORE].ms[results[R_RESTORE].n++] = ms;
	/* on a shared machine the CPU it took says more than the wall clock */
	if (!err)
		pr_debug("scmlb-restore: %.0f ms, %.1f s user, %.1f s system",
			 ms, tv_s(&ru1.ru_utime) - tv_s(&ru0.ru_utime),
			 tv_s(&ru1.ru_stime) - tv_s(&ru0.ru_stime));
	if (!err)
		err = tool_output(&after, &len, save_argv);
	if (err)
		return err;
	size = lseek(fd, 0, SEEK_END);
	before = size >= 0 ? malloc(size) : NULL;
	if (!before || pread(fd, before, size, 0) != size)
		err = -EIO;
	else if ((size_t)size != len || memcmp(before, after, len)) {
		pr_err("scmlb-save after scmlb-restore differs from before "
		       "(%zu and %zu bytes)", (size_t)size, len);
		err = -EUCLEAN;
	}
	free(before);
	free(after);
	return err;
}

/* ---- results ---- */

/*
 * Every map's memlock in each snapshot (text MiB, JSON bytes), the total
 * last, into a new table *@out.
 */
static int memory_table(struct scmlb_table **out)
{
	/* the table keeps the columns: they outlive this call */
	static struct scmlb_column cols[SNAPSHOTS_MAX + 1] = {
		{ "MAP", "map", SCMLB_COL_STR },
	};
	char text[SNAPSHOTS_MAX][32];
	const char *cells[SNAPSHOTS_MAX + 1], *rows[256];
	size_t n_rows = 0, r, i;
	struct scmlb_table *t;
	int s, err = 0;

	for (s = 0; s < n_snapshots; s++) {
		cols[s + 1] = (struct scmlb_column){ snapshots[s].header,
			snapshots[s].key, SCMLB_COL_NUM };
		for (i = 0; i < snapshots[s].n; i++) {
			const char *name = memory_row_name(snapshots[s].maps[i].name);

			for (r = 0; r < n_rows && strcmp(rows[r], name); r++)
				;
			if (r == n_rows && n_rows < ARRAY_SIZE(rows) - 1)
				rows[n_rows++] = name;
		}
	}
	rows[n_rows++] = NULL;		/* the total */
	t = scmlb_table_new(cols, n_snapshots + 1);
	if (!t)
		return -ENOMEM;
	for (r = 0; !err && r < n_rows; r++) {
		cells[0] = rows[r] ? rows[r] : "total";
		for (s = 0; s < n_snapshots; s++) {
			unsigned long long b = snapshot_bytes(&snapshots[s],
							      rows[r]);

			if (json)
				snprintf(text[s], sizeof(text[s]), "%llu", b);
			else
				snprintf(text[s], sizeof(text[s]), "%.1f",
					 b / 1048576.0);
			cells[s + 1] = text[s];
		}
		err = scmlb_table_row(t, cells);
	}
	if (err)
		scmlb_table_free(t);
	else
		*out = t;
	return err;
}

/* The memory figures against their targets, into *@out; *@misses added to. */
static int memory_targets_table(struct scmlb_table **out, int *misses)
{
	static const struct scmlb_column cols[] = {
		{ "WHAT", "what", SCMLB_COL_STR },
		{ NULL, "description", SCMLB_COL_STR },
		{ "MIB", "mib", SCMLB_COL_NUM },
		{ "TARGET MIB", "target_mib", SCMLB_COL_NUM },
		{ "RESULT", "result", SCMLB_COL_STR },
	};
	struct scmlb_table *t = scmlb_table_new(cols, ARRAY_SIZE(cols));
	char mib[32], target[32];
	const char *cells[ARRAY_SIZE(cols)];
	int err = t ? 0 : -ENOMEM;
	size_t i;

	for (i = 0; !err && i < ARRAY_SIZE(memory_targets); i++) {
		const struct memory_target *m = &memory_targets[i];
		double v = snapshot_mib(m);

		if (v < 0)
			continue;	/* not measured */
		snprintf(mib, sizeof(mib), "%.2f", v);
		snprintf(target, sizeof(target), json ? "%.2f" : "< %.2f",
			 m->target_mib);
		cells[0] = json ? m->key : m->desc;
		cells[1] = m->desc;
		cells[2] = mib;
		cells[3] = target;
		cells[4] = v < m->target_mib ? "PASS" : "MISS";
		*misses += v >= m->target_mib;
		err = scmlb_table_row(t, cells);
	}
	if (err)
		scmlb_table_free(t);
	else
		*out = t;
	return err;
}

static int print_results(int *missed)
{
	static const struct scmlb_column cols[] = {
		{ "WHAT", "what", SCMLB_COL_STR },
		{ NULL, "description", SCMLB_COL_STR },
		{ "RUNS", "runs", SCMLB_COL_NUM },
		{ "MEDIAN MS", "median_ms", SCMLB_COL_NUM },
		{ "MAX MS", "max_ms", SCMLB_COL_NUM },
		{ "TARGET MS", "target_ms", SCMLB_COL_NUM },
		{ "RESULT", "result", SCMLB_COL_STR },
	};
	struct scmlb_table *t = scmlb_table_new(cols, ARRAY_SIZE(cols));
	struct scmlb_table *tm = NULL, *tt = NULL;
	char n[16], med[32], max[32], target[32];
	const char *cells[ARRAY_SIZE(cols)];
	int misses = 0, err = -ENOMEM;
	size_t i;

	if (!t)
		goto out;
	for (i = 0; i < R_N; i++) {
		struct result *r = &results[i];
		const char *res = "";
		double m;

		if (!r->n)
			continue;
		m = bench_median(r->ms, r->n);
		snprintf(n, sizeof(n), "%d", r->n);
		snprintf(med, sizeof(med), "%.1f", m);
		snprintf(max, sizeof(max), "%.1f", r->ms[r->n - 1]);
		target[0] = 0;
		if (r->target_ms) {
			snprintf(target, sizeof(target), json ? "%.0f" : "< %.0f",
				 r->target_ms);
			res = m < r->target_ms ? "PASS" : "MISS";
			misses += m >= r->target_ms;
		}
		cells[0] = json ? r->key : r->desc;
		cells[1] = r->desc;
		cells[2] = n;
		cells[3] = med;
		cells[4] = max;
		cells[5] = target;
		cells[6] = res;
		err = scmlb_table_row(t, cells);
		if (err)
			goto out;
	}
	err = memory_table(&tm);
	if (!err)
		err = memory_targets_table(&tt, &misses);
	if (err)
		goto out;
	if (json) {
		printf("{\"misses\": %d, \"results\": ", misses);
		err = scmlb_table_print(t, true, stdout);
		if (!err && n_snapshots) {
			printf(", \"memory\": ");
			err = scmlb_table_print(tm, true, stdout);
		}
		if (!err && n_snapshots) {
			printf(", \"memory_targets\": ");
			err = scmlb_table_print(tt, true, stdout);
		}
		if (!err)
			puts("}");
	} else {
		printf("scmlb control plane: wall-clock ms from fork to exit of "
		       "each tool run\n\n");
		err = scmlb_table_print(t, false, stdout);
		if (!err && n_snapshots) {
			printf("\nmemory of every map (scmlb-stat --memory), "
			       "MiB:\n\n");
			err = scmlb_table_print(tm, false, stdout);
		}
		if (!err && n_snapshots) {
			puts("");
			err = scmlb_table_print(tt, false, stdout);
		}
		if (!err)
			printf("\n%d target%s missed (PASS/MISS on the median)\n",
			       misses, misses == 1 ? "" : "s");
	}
	*missed = misses;
out:
	scmlb_table_free(t);
	scmlb_table_free(tm);
	scmlb_table_free(tt);
	return err;
}

/* ---- set-up ---- */

/*
 * Mount and network namespaces of our own with a fresh bpffs: the veth,
 * the pins and the programs vanish with the process.
 */
static int ns_setup(void)
{
	static const char *const names[] = { IFACE };
	__u32 ifindex;
	int err = tb_bpffs_setup();

	if (!err)
		err = tb_net_setup(names, 1, &ifindex);
	if (err)
		return err;
	return setenv("SCMLB_PIN_DIR", PIN_DIR, 1) ? -errno : 0;
}

/* build/test/bench/bench_ctl -> build/tools */
static int default_tools_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = 0;
	snprintf(tools_dir, sizeof(tools_dir), "%s/../../tools", dirname(exe));
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bench_ctl [OPTION]...\n"
		"Time scmlb's tools on big tables in namespaces of its own (root).\n"
		"  -r, --runs N      timed runs per figure, %d to %d (default %d;\n"
		"                    scmlb-gc at most %d, each over a refilled table)\n"
		"  -T, --tools DIR   where scmlb-attach and the others are\n"
		"                    (default: ../../tools from this program)\n"
		"  -S, --scale       all 4,096 services maglev with their tables\n"
		"                    (default %d), %d gc runs over 4,000,000 flows\n"
		"                    (default %d), and scmlb-restore of the whole\n"
		"                    configuration: several minutes more\n"
		"  -R, --restore     only scmlb-restore of the whole configuration\n"
		"                    (as with --scale: its maglev tables are not\n"
		"                    built before the save, which does not read them)\n"
		"  -j, --json        print JSON\n"
		"      --verbose     progress on stderr\n"
		"  -h, --help        this text\n"
		"Exit status: 0 all targets met, 1 a target missed, 2 bad usage,\n"
		"3 the benchmark failed, 77 not root.\n",
		RUNS_MIN, RUNS_MAX, RUNS_DEFAULT, GC_RUNS_MAX, MG_DEFAULT,
		GC_BIG_RUNS_SCALE, GC_BIG_RUNS_MAX);
}

/* One of bench_ctl's own options. */
static int take_opt(int c, const char *arg)
{
	unsigned long v;
	int err = 0;

	switch (c) {
	case 'r':
		err = bench_opt_num(arg, "run count", RUNS_MIN, RUNS_MAX, &v);
		if (!err)
			runs = v;
		break;
	case 'S':
		scale = true;
		break;
	case 'R':
		restore_only = true;
		break;
	case 'T':
		if (!realpath(arg, tools_dir)) {
			pr_err("invalid tools directory '%s': %s", arg,
			       strerror(errno));
			return 2;
		}
		break;
	}
	return err;
}

static const struct option long_opts[] = {
	{ "runs", required_argument, NULL, 'r' },
	{ "tools", required_argument, NULL, 'T' },
	{ "scale", no_argument, NULL, 'S' },
	{ "restore", no_argument, NULL, 'R' },
	BENCH_OPTS_COMMON,
};

static const struct bench_cli cli = {
	"bench_ctl", "r:T:SRjh", long_opts, take_opt, usage, &json,
};

/* One stage: what it sets up, then what it measures. */
static int step(const char *what, int err)
{
	if (err)
		pr_err("%s: %s", what, strerror(-err));
	else
		pr_debug("%s: done", what);
	return err;
}

/*
 * --restore: the configuration of --scale (4,096 maglev services, 16,384
 * backends, 100,000 rules) saved, then restored into a detached instance.
 */
static int restore_bench(int save_fd)
{
	int err = step("attach", attach(NULL));

	if (!err)
		err = step("4,096 services, 16,384 backends",
			   svc_fill(SVC_N, false));
	if (!err)
		err = step("100,000 firewall rules",
			   fw_fill(FW_BIG_BASE, FW_BIG_RULES, FW_BIG_PER_NET));
	if (!err)
		err = step("scmlb-save", measure_save(save_fd));
	if (!err)
		err = step("scmlb-restore", measure_restore(save_fd));
	if (!err)
		err = step("detach", detach());
	return err;
}

int main(int argc, char **argv)
{
	char probe[PATH_MAX + 32];
	int err, missed = 0, save_fd;

	if (!bench_start(&cli, argc, argv, &err))
		return err;
	if (!tools_dir[0] && default_tools_dir()) {
		pr_err("cannot find the tools: use --tools");
		return 2;
	}
	snprintf(probe, sizeof(probe), "%s/scmlb-attach", tools_dir);
	if (access(probe, X_OK)) {
		pr_err("no scmlb-attach in '%s': build first, or use --tools",
		       tools_dir);
		return 2;
	}
	save_fd = memfd_create("bench-ctl-save", 0);	/* restore's input */
	err = step("namespaces", save_fd < 0 ? -errno : ns_setup());
	if (!err)
		err = step("routes to the backends", mg_routes());
	if (!err && restore_only) {
		err = restore_bench(save_fd);
		return err ? 3 : print_results(&missed) ? 3 : missed ? 1 : 0;
	}

	/* firewall and listing: conntrack at its default size */
	if (!err)
		err = step("attach", attach(NULL));
	if (!err)
		err = step("10,000 firewall rules", fw_fill(FW_BASE, FW_RULES, 1));
	if (!err)
		err = step("scmlb-fw", measure_fw());
	if (!err)
		err = step("100,000 flows", ct_fill(CT_LIST_FLOWS, false));
	if (!err)
		err = step("memory, default size",
			   memory_snapshot("default", "DEFAULT, 10K RULES"));
	if (!err)
		err = step("conntrack get",
			   measure_ct_get(&results[R_CT_GET]));
	if (!err)
		err = step("scmlb-svc set, 1,024 VIPs", measure_svc_vips());
	if (!err)
		err = step("detach", detach());

	/* conntrack sized for a million flows, and that many tracked */
	if (!err)
		err = step("attach --conntrack-size " CT_1M, attach(CT_1M));
	if (!err)
		err = step("1,000,000 flows", ct_fill(CT_GC_FLOWS, false));
	if (!err)
		err = step("memory, 1,000,000 flows",
			   memory_snapshot("ct_1m", "CT 1M FLOWS"));
	if (!err)
		err = step("detach", detach());

	/* gc: the largest conntrack issue 6 asks for */
	if (!err)
		err = step("attach --conntrack-size " CT_BIG, attach(CT_BIG));
	if (!err)
		err = step("100,000 flows", ct_fill(CT_LIST_FLOWS, false));
	if (!err)
		err = step("conntrack get, large table",
			   measure_ct_get(&results[R_CT_GET_BIG]));
	if (!err)
		err = step("scmlb-gc", measure_gc());

	/* scmlb-stat --prometheus: every service, backend and flow */
	if (!err)
		err = step("1,000,000 flows", ct_fill(CT_GC_FLOWS, false));
	if (!err)
		err = step("4,096 services, 16,384 backends",
			   svc_fill(scale ? SVC_N : MG_DEFAULT, true));
	if (!err)
		err = step("scmlb-stat --prometheus", measure_stat());

	/* issue 18: 100,000 rules more, table rebuilds, save */
	if (!err)
		err = step("100,000 firewall rules",
			   fw_fill(FW_BIG_BASE, FW_BIG_RULES, FW_BIG_PER_NET));
	if (!err)
		err = step("scmlb-lb drain and set, maglev", measure_mg_lb());
	if (!err)
		err = step("scmlb-save", measure_save(save_fd));

	/* a full conntrack of 4,000,000 flows: all the memory, gc over it */
	if (!err)
		err = step("4,000,000 flows", ct_fill(CT_BIG_FLOWS, true));
	if (!err)
		err = step("memory, 4,000,000 flows",
			   memory_snapshot("ct_4m", "CT 4M, 4K SVC, 100K RULES"));
	if (!err)
		err = step("scmlb-gc, 4,000,000 flows",
			   measure_gc_mixed(CT_BIG_FLOWS, true,
					    scale ? GC_BIG_RUNS_SCALE :
						    GC_BIG_RUNS_MAX,
					    &results[R_GC_BIG]));
	if (!err && scale)
		err = step("scmlb-restore", measure_restore(save_fd));
	if (!err)
		err = step("detach", detach());
	if (err)
		return 3;
	return print_results(&missed) ? 3 : missed ? 1 : 0;
}
