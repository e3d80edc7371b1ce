// SPDX-License-Identifier: GPL-2.0
/* scmlb-stat - packets received on the upstream and what became of them */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "interval.h"
#include "log.h"
#include "maps.h"
#include "memory.h"
#include "metrics.h"
#include "output.h"
#include "services.h"

/* What scmlb-stat shows: the packet counters, then every service's SYN proxy's. */
struct stat_totals {
	struct scmlb_stats pkts;
	struct scmlb_svc_stats proxy;
};

#define PKTS(f) offsetof(struct stat_totals, pkts.f)
#define PROXY(f) offsetof(struct stat_totals, proxy.f)

/* The counters of struct stat_totals, in output order. */
static const struct stat_field {
	const char *header;
	const char *key;
	size_t offset;
} fields[] = {
	{ "ICMP", "icmp", PKTS(rx_icmp) },
	{ "TCP", "tcp", PKTS(rx_tcp) },
	{ "UDP", "udp", PKTS(rx_udp) },
	{ "OTHER", "other", PKTS(rx_other) },
	{ "PASSED", "passed", PKTS(passed) },
	{ "FW DROPPED", "fw_dropped", PKTS(fw_dropped) },
	{ "DOS DROPPED", "dos_dropped", PKTS(dos_dropped) },
	{ "FORWARDED", "forwarded", PKTS(forwarded) },
	{ "RETURNED", "returned", PKTS(returned) },
	{ "NO BACKEND", "nodest_dropped",
	  PKTS(nodest_dropped) },
	{ "TX ERRORS", "tx_errors", PKTS(tx_errors) },
	{ "SYN BUDGET", "syn_budget_dropped",
	  PKTS(syn_budget_dropped) },
	/* replies without conntrack: a part of RETURNED, and the kernel's */
	{ "STATELESS", "returned_stateless",
	  PKTS(returned_stateless) },
	{ "UNROUTED", "stateless_unrouted",
	  PKTS(stateless_unrouted) },
	{ "TOO BIG", "too_big", PKTS(too_big) },
	/* the --syn-proxy services' handshakes, all services added up */
	{ "SYN-ACKS", "syn_proxy_syn_acks", PROXY(syn_acks) },
	{ "COOKIES OK", "syn_proxy_cookies_valid", PROXY(cookies_valid) },
	{ "COOKIES BAD", "syn_proxy_cookies_invalid", PROXY(cookies_invalid) },
	{ "BE HANDSHAKES", "syn_proxy_backend_handshakes",
	  PROXY(backend_handshakes) },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

struct stat_opts {
	double interval;	/* 0: one reading */
	__u32 count;		/* 0: until interrupted */
	bool prometheus;
	bool memory;
	const char *output;	/* with --prometheus: the file to replace */
};

static __u64 field(const struct stat_totals *st, size_t f)
{
	return *(const __u64 *)((const char *)st + fields[f].offset);
}

/* The SYN proxy counters of every service of @which added up. */
static int proxy_sum(const struct scmlb_ctx *ctx, enum scmlb_stats_family which,
		     struct scmlb_svc_stats *sum)
{
	struct scmlb_service *list = NULL;
	struct scmlb_svc_stats one;
	size_t n, i, c;
	int err = scmlb_services_list(ctx, &list, &n);

	memset(sum, 0, sizeof(*sum));
	for (i = 0; !err && i < n; i++) {
		if (which == SCMLB_STATS_IPV6 &&
		    list[i].family != SCMLB_AF_INET6)
			continue;
		err = scmlb_svc_stats_read(ctx, list[i].id, &one);
		for (c = 0; !err && c < sizeof(one) / sizeof(__u64); c++)
			((__u64 *)sum)[c] += ((const __u64 *)&one)[c];
	}
	free(list);
	return err;
}

/* Every CPU's and every protocol's counters of @which added up. */
static int stats_sum(const struct scmlb_ctx *ctx, enum scmlb_stats_family which,
		     struct stat_totals *sum)
{
	struct scmlb_stats per_proto[SCMLB_STAT_PROTOS];
	int err = scmlb_stats_read(ctx, which, per_proto);

	if (!err) {
		memset(&sum->pkts, 0, sizeof(sum->pkts));
		scmlb_stats_sum(per_proto, &sum->pkts);
		err = proxy_sum(ctx, which, &sum->proxy);
	}
	return err;
}

/* @sum as a JSON object of the table's keys, into @buf. */
static void json_object(char *buf, size_t size, const struct stat_totals *sum)
{
	size_t f, len = 0;

	for (f = 0; f < N_FIELDS && len < size; f++)
		len += snprintf(buf + len, size - len, "%s\"%s\": %llu",
				f ? ", " : "{", fields[f].key,
				(unsigned long long)field(sum, f));
	if (len < size)
		snprintf(buf + len, size - len, "}");
}

/*
 * The counters of both families in columns; JSON adds "ipv6", the same
 * keys for IPv6's part alone.
 */
static int print_totals(const struct scmlb_ctx *ctx)
{
	struct scmlb_column cols[N_FIELDS + 1];
	char text[N_FIELDS][24], ipv6[N_FIELDS * 48];
	const char *cells[N_FIELDS + 1];
	struct stat_totals sum = { 0 }, sum6 = { 0 };
	struct scmlb_table *t;
	size_t f;
	int err;

	err = stats_sum(ctx, SCMLB_STATS_ALL, &sum);
	if (!err)
		err = stats_sum(ctx, SCMLB_STATS_IPV6, &sum6);
	for (f = 0; f < N_FIELDS; f++) {
		cols[f] = (struct scmlb_column){ fields[f].header, fields[f].key,
						 SCMLB_COL_NUM };
		snprintf(text[f], sizeof(text[f]), "%llu",
			 (unsigned long long)field(&sum, f));
		cells[f] = text[f];
	}
	cols[N_FIELDS] = (struct scmlb_column){ NULL, "ipv6", SCMLB_COL_RAW };
	json_object(ipv6, sizeof(ipv6), &sum6);
	cells[N_FIELDS] = ipv6;
	t = scmlb_table_new(cols, N_FIELDS + 1);
	if (!err && !t)
		err = -ENOMEM;
	if (!err)
		err = scmlb_table_row(t, cells);
	if (!err)
		err = scmlb_table_print_object(t, ctx->json, stdout);
	scmlb_table_free(t);
	return err;
}

/* Columns wide enough for rates in the millions, or for the header. */
static int rate_width(size_t f)
{
	int len = (int)strlen(fields[f].header);

	return len > 11 ? len : 11;
}

/* One line of per-second rates: a row under a header, or a JSON object. */
static void print_rates(const struct stat_totals *a, const struct stat_totals *b,
			double seconds, bool json)
{
	size_t f;

	for (f = 0; f < N_FIELDS; f++) {
		double r = scmlb_rate(field(a, f), field(b, f), seconds);

		if (json)
			printf("%s\"%s\": %.1f", f ? ", " : "{", fields[f].key, r);
		else
			printf("%s%*.1f", f ? "  " : "", rate_width(f), r);
	}
	puts(json ? "}" : "");
	fflush(stdout);
}

/* Rates every interval, like ipvsadm --rate, until --count or Ctrl-C. */
static int print_rates_loop(struct scmlb_ctx *ctx, const struct stat_opts *o)
{
	struct stat_totals prev = { 0 }, cur = { 0 };
	double elapsed;
	__u32 n = 0;
	size_t f;
	int err;

	/* readings need no lock: never hold it across a sleep */
	scmlb_unlock(ctx);
	scmlb_interval_start();
	err = stats_sum(ctx, SCMLB_STATS_ALL, &prev);
	if (!err && !ctx->json) {
		for (f = 0; f < N_FIELDS; f++)
			printf("%s%*s", f ? "  " : "", rate_width(f), fields[f].header);
		puts("");
	}
	while (!err && (!o->count || n < o->count)) {
		if (!scmlb_interval_wait(o->interval, &elapsed))
			break;
		err = stats_sum(ctx, SCMLB_STATS_ALL, &cur);
		if (err)
			break;
		print_rates(&prev, &cur, elapsed, ctx->json);
		prev = cur;
		n++;
	}
	return err;
}

/* The Prometheus text format, to stdout or atomically to --output. */
static int print_prometheus(struct scmlb_ctx *ctx, const struct stat_opts *o)
{
	static char buf[1 << 20];
	int err;

	if (o->output) {
		err = scmlb_metrics_save(ctx, o->output);
		if (err)
			pr_err("cannot write the metrics to '%s': %s", o->output,
			       strerror(-err));
		return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
	}
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	err = scmlb_metrics_print(ctx, stdout);
	if (!err && fflush(stdout))
		err = -errno;
	if (err)
		pr_err("cannot read the metrics: %s", strerror(-err));
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}

/*
 * Every map of the instance with the memory the kernel charges for it,
 * then (text only) their total.
 */
static int print_memory(const struct scmlb_ctx *ctx)
{
	static const struct scmlb_column cols[] = {
		{ "NAME", "name", SCMLB_COL_STR },
		{ "TYPE", "type", SCMLB_COL_STR },
		{ "KEY", "key_size", SCMLB_COL_NUM },
		{ "VALUE", "value_size", SCMLB_COL_NUM },
		{ "MAX ENTRIES", "max_entries", SCMLB_COL_NUM },
		{ "MEMLOCK", "memlock_bytes", SCMLB_COL_NUM },
	};
	char key[16], val[16], max[16], mem[24];
	const char *cells[] = { NULL, NULL, key, val, max, mem };
	struct scmlb_map_memory *maps = NULL;
	struct scmlb_table *t = NULL;
	unsigned long long total = 0;
	size_t n = 0, i;
	int err;

	err = scmlb_memory_list(ctx, &maps, &n);
	if (!err)
		t = scmlb_table_new(cols, sizeof(cols) / sizeof(cols[0]));
	if (!err && !t)
		err = -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		cells[0] = maps[i].name;
		cells[1] = scmlb_memory_type_name(maps[i].type);
		snprintf(key, sizeof(key), "%u", maps[i].key_size);
		snprintf(val, sizeof(val), "%u", maps[i].value_size);
		snprintf(max, sizeof(max), "%u", maps[i].max_entries);
		snprintf(mem, sizeof(mem), "%llu",
			 (unsigned long long)maps[i].memlock);
		total += maps[i].memlock;
		err = scmlb_table_row(t, cells);
	}
	if (!err && !ctx->json) {
		cells[0] = "total";
		cells[1] = "";
		key[0] = val[0] = max[0] = '\0';
		snprintf(mem, sizeof(mem), "%llu", total);
		err = scmlb_table_row(t, cells);
	}
	if (!err)
		err = scmlb_table_print(t, ctx->json, stdout);
	scmlb_table_free(t);
	free(maps);
	if (err)
		pr_err("cannot list the maps: %s", strerror(-err));
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}

static int do_stat(struct scmlb_ctx *ctx, const void *opts)
{
	const struct stat_opts *o = opts;
	int err;

	if (o->prometheus && ctx->json) {
		pr_err("invalid option '--json': --prometheus prints the "
		       "Prometheus text format");
		return SCMLB_EXIT_USAGE;
	}
	if (o->prometheus)
		return print_prometheus(ctx, o);
	if (o->memory)
		return print_memory(ctx);
	err = o->interval ? print_rates_loop(ctx, o) : print_totals(ctx);
	if (err) {
		pr_err("cannot read the counters: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static int check_stat(const void *opts)
{
	const struct stat_opts *o = opts;

	if (o->count && !o->interval) {
		pr_err("invalid count '%u': --count needs --interval", o->count);
		return SCMLB_EXIT_USAGE;
	}
	if (o->prometheus && o->interval) {
		pr_err("invalid option '--interval': --prometheus prints one "
		       "reading");
		return SCMLB_EXIT_USAGE;
	}
	if (o->memory && o->prometheus) {
		pr_err("invalid option '--memory': --prometheus prints the "
		       "counters, not the maps");
		return SCMLB_EXIT_USAGE;
	}
	if (o->memory && o->interval) {
		pr_err("invalid option '--interval': --memory prints one "
		       "reading");
		return SCMLB_EXIT_USAGE;
	}
	if (o->output && !o->prometheus) {
		pr_err("invalid file '%s': --output needs --prometheus",
		       o->output);
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

/* A file to replace: a path that does not end in '/'. */
static int parse_output(const char *s, void *out, const char **why)
{
	if (!*s || s[strlen(s) - 1] == '/') {
		*why = *s ? "a directory, not a file" : "empty";
		return -EINVAL;
	}
	*(const char **)out = s;
	return 0;
}

static const struct scmlb_opt stat_table[] = {
	{ "interval", 0, "SECONDS", "interval", scmlb_parse_interval,
	  offsetof(struct stat_opts, interval), false,
	  "print per-second rates every SECONDS (0.1 to 3600) until Ctrl-C" },
	{ "count", 0, "N", "count", scmlb_parse_count,
	  offsetof(struct stat_opts, count), false,
	  "with --interval: stop after N lines" },
	{ "prometheus", 0, NULL, NULL, NULL,
	  offsetof(struct stat_opts, prometheus), false,
	  "print every counter of the instance in the Prometheus text format" },
	{ "memory", 0, NULL, NULL, NULL,
	  offsetof(struct stat_opts, memory), false,
	  "list every map of the instance and the memory it takes" },
	{ "output", 0, "FILE", "file", parse_output,
	  offsetof(struct stat_opts, output), false,
	  "with --prometheus: replace FILE atomically instead of printing" },
	{ 0 },
};

static const struct scmlb_cmd stat_cmds[] = {
	{ NULL, "print the packet counters", stat_table, sizeof(struct stat_opts),
	  SCMLB_CMD_READ | SCMLB_CMD_JSON | SCMLB_CMD_IF_ATTACHED,
	  check_stat, do_stat },
	{ 0 },
};

static const struct scmlb_tool stat_tool = {
	"scmlb-stat", "packets received on the upstream and what became of them",
	stat_cmds,
	"ICMP TCP UDP OTHER count the packets received on the upstream by L4\n"
	"protocol, IPv4 and IPv6 (ICMP includes ICMPv6, OTHER frames of\n"
	"neither family); --json adds \"ipv6\", IPv6's part. PASSED went to the\n"
	"kernel, FW DROPPED and DOS DROPPED were dropped, FORWARDED went to a\n"
	"backend; RETURNED counts backend replies sent back to clients.\n"
	"NO BACKEND dropped TCP of flows whose backend is gone, TX ERRORS\n"
	"redirects to a vanished interface, SYN BUDGET SYNs over the global\n"
	"budget of new flows (scmlb-dos set --global).\n"
	"With --interval, each line gives per-second rates over the interval;\n"
	"--json prints one JSON object per line.\n"
	"--prometheus prints the counters per protocol and outcome, per service\n"
	"and backend, conntrack entries by state, firewall and DoS drops, for\n"
	"node_exporter's textfile collector (see scmlb-metrics.timer).\n"
	"--memory lists every map of the instance, pinned or held by its\n"
	"programs (each service's table as lb_table[ID]): TYPE, KEY and VALUE\n"
	"sizes in bytes, MAX ENTRIES, and MEMLOCK, the bytes the kernel charges\n"
	"for it (fdinfo's memlock, as bpftool shows); a last line gives the\n"
	"total. --json prints an array without the total.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&stat_tool, argc, argv);
}
