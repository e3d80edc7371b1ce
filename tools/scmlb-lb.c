// SPDX-License-Identifier: GPL-2.0
/* scmlb-lb - add, list, edit, drain and delete backends; list tracked flows */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/in.h>

#include "apply.h"
#include "args.h"
#include "backends.h"
#include "clock.h"
#include "conntrack.h"
#include "interval.h"
#include "log.h"
#include "maps.h"
#include "netlink.h"
#include "output.h"
#include "verbs.h"

struct get_opts {
	double interval;	/* 0: one reading */
	__u32 count;		/* 0: until interrupted */
};

static int do_set(struct scmlb_ctx *ctx, const void *opts)
{
	__u32 id;
	int ret = scmlb_lb_set_apply(ctx, opts, NULL, NULL, 0, &id);

	if (!ret)
		printf("%u\n", id);
	return ret;
}

static const struct scmlb_column backend_cols[] = {
	{ "ID", "id", SCMLB_COL_NUM },
	{ "NAME", "name", SCMLB_COL_STR },
	{ "IP ADDR", "address", SCMLB_COL_STR },
	{ "MAC ADDR", "mac", SCMLB_COL_STR },
	{ "DEVICE", "device", SCMLB_COL_STR },
	{ "HEALTHCHECK", "healthcheck", SCMLB_COL_STR },
	{ "STATUS", "status", SCMLB_COL_STR },
	{ "HEALTH", "health", SCMLB_COL_STR },
	{ "CONNS", "conns", SCMLB_COL_NUM },
	{ "PKTS-IN", "pkts_in", SCMLB_COL_NUM },
	{ "PKTS-OUT", "pkts_out", SCMLB_COL_NUM },
	{ "BYTES-IN", "bytes_in", SCMLB_COL_NUM },
	{ "BYTES-OUT", "bytes_out", SCMLB_COL_NUM },
	/* after every column of the first release, which scripts may count on */
	{ "SERVICE", "service", SCMLB_COL_NUM },
	{ "WEIGHT", "weight", SCMLB_COL_NUM },
	{ NULL, "port", SCMLB_COL_NUM },
};

#define N_BACKEND_COLS (sizeof(backend_cols) / sizeof(backend_cols[0]))

/* The counters of struct scmlb_backend_stats, as columns and JSON keys. */
static const struct {
	const char *header;
	const char *key;
	size_t offset;
} counters[] = {
	{ "CONNS/S", "conns", offsetof(struct scmlb_backend_stats, conns) },
	{ "PKTS-IN/S", "pkts_in", offsetof(struct scmlb_backend_stats, pkts_in) },
	{ "PKTS-OUT/S", "pkts_out", offsetof(struct scmlb_backend_stats, pkts_out) },
	{ "BYTES-IN/S", "bytes_in", offsetof(struct scmlb_backend_stats, bytes_in) },
	{ "BYTES-OUT/S", "bytes_out", offsetof(struct scmlb_backend_stats, bytes_out) },
};

#define N_COUNTERS (sizeof(counters) / sizeof(counters[0]))

static __u64 counter(const struct scmlb_backend_stats *bs, size_t c)
{
	return *(const __u64 *)((const char *)bs + counters[c].offset);
}

static int print_backends(struct scmlb_ctx *ctx)
{
	struct scmlb_backend *list = NULL;
	struct scmlb_nl *nl = NULL;
	struct scmlb_table *t;
	size_t n, i, c;
	int err;

	err = scmlb_backends_list(ctx, &list, &n);
	if (err)
		return err;
	t = scmlb_table_new(backend_cols, N_BACKEND_COLS);
	if (!t) {
		free(list);
		return -ENOMEM;
	}
	err = scmlb_nl_open(&nl);
	for (i = 0; i < n && !err; i++) {
		const struct scmlb_backend *be = &list[i];
		char id[12], addr[SCMLB_ADDR_LEN], mac[18], dev[IF_NAMESIZE + 16];
		char svc[12], weight[8], port[8], nums[N_COUNTERS][24];
		const char *cells[N_BACKEND_COLS];
		struct scmlb_backend_stats bs;
		struct scmlb_link link;

		err = scmlb_backend_stats(ctx, be->id, &bs);
		if (err)
			break;
		snprintf(id, sizeof(id), "%u", be->id);
		scmlb_format_addr(addr, sizeof(addr), be->family, be->addr);
		scmlb_format_mac(mac, sizeof(mac), be->mac);
		snprintf(svc, sizeof(svc), "%u", be->service_id);
		snprintf(weight, sizeof(weight), "%u", be->weight);
		snprintf(port, sizeof(port), "%u", __builtin_bswap16(be->port));
		if (scmlb_nl_link_by_index(nl, be->ifindex, &link))
			snprintf(dev, sizeof(dev), "(gone:%u)", be->ifindex);
		else
			snprintf(dev, sizeof(dev), "%s", link.name);
		cells[0] = id;
		cells[1] = be->name;
		cells[2] = addr;
		cells[3] = mac;
		cells[4] = dev;
		cells[5] = be->healthcheck;
		cells[6] = scmlb_backend_status_name(be);
		cells[7] = scmlb_backend_health_name(be->health);
		for (c = 0; c < N_COUNTERS; c++) {
			snprintf(nums[c], sizeof(nums[c]), "%llu",
				 (unsigned long long)counter(&bs, c));
			cells[8 + c] = nums[c];
		}
		cells[8 + N_COUNTERS] = svc;
		cells[9 + N_COUNTERS] = weight;
		cells[10 + N_COUNTERS] = port;
		err = scmlb_table_row(t, cells);
	}
	scmlb_nl_close(nl);
	if (!err)
		err = scmlb_table_print(t, ctx->json, stdout);
	scmlb_table_free(t);
	free(list);
	return err;
}

/* Every backend's counters, by id, for one reading of the rates. */
struct reading {
	struct scmlb_backend *list;
	struct scmlb_backend_stats *stats;
	size_t n;
};

static void reading_free(struct reading *r)
{
	free(r->list);
	free(r->stats);
	memset(r, 0, sizeof(*r));
}

static int read_all(const struct scmlb_ctx *ctx, struct reading *r)
{
	size_t i;
	int err;

	reading_free(r);
	err = scmlb_backends_list(ctx, &r->list, &r->n);
	if (!err) {
		r->stats = calloc(r->n ? r->n : 1, sizeof(*r->stats));
		if (!r->stats)
			err = -ENOMEM;
	}
	for (i = 0; i < r->n && !err; i++)
		err = scmlb_backend_stats(ctx, r->list[i].id, &r->stats[i]);
	return err;
}

/* @id's counters in @r, or NULL for a backend added since. */
static const struct scmlb_backend_stats *stats_of(const struct reading *r,
						 __u32 id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->list[i].id == id)
			return &r->stats[i];
	return NULL;
}

static void print_rates(const struct reading *a, const struct reading *b,
			double seconds, bool json)
{
	size_t i, c;

	if (json)
		printf("{\"interval\": %.3f, \"backends\": [", seconds);
	else
		printf("%-4s  %-16s  %-15s  %-11s  %-9s", "ID", "NAME", "IP ADDR",
		       "STATUS", "HEALTH");
	for (c = 0; !json && c < N_COUNTERS; c++)
		printf("  %11s", counters[c].header);
	if (!json)
		puts("");
	for (i = 0; i < b->n; i++) {
		const struct scmlb_backend *be = &b->list[i];
		const struct scmlb_backend_stats *before = stats_of(a, be->id);
		char addr[SCMLB_ADDR_LEN];

		scmlb_format_addr(addr, sizeof(addr), be->family, be->addr);
		if (json) {
			printf("%s{\"id\": %u, \"name\": ", i ? ", " : "", be->id);
			scmlb_json_string(stdout, be->name);
			printf(", \"address\": \"%s\", \"status\": \"%s\", "
			       "\"health\": \"%s\"", addr, scmlb_backend_status_name(be),
			       scmlb_backend_health_name(be->health));
		} else {
			printf("%-4u  %-16s  %-15s  %-11s  %-9s", be->id, be->name,
			       addr, scmlb_backend_status_name(be), scmlb_backend_health_name(be->health));
		}
		for (c = 0; c < N_COUNTERS; c++) {
			double r = before ? scmlb_rate(counter(before, c),
						       counter(&b->stats[i], c),
						       seconds) : 0;

			if (json)
				printf(", \"%s\": %.1f", counters[c].key, r);
			else
				printf("  %11.1f", r);
		}
		/* JSON: the whole reading on one line */
		fputs(json ? "}" : "\n", stdout);
	}
	puts(json ? "]}" : "");
	fflush(stdout);
}

/* Per-second rates every interval, like ipvsadm --rate, until --count or Ctrl-C. */
static int print_rates_loop(struct scmlb_ctx *ctx, const struct get_opts *o)
{
	struct reading *prev, *cur, *swap;
	double elapsed;
	__u32 n = 0;
	int err;

	prev = calloc(1, sizeof(*prev));
	cur = calloc(1, sizeof(*cur));
	if (!prev || !cur) {
		err = -ENOMEM;
		goto out;
	}
	/* readings need no lock: never hold it across a sleep */
	scmlb_unlock(ctx);
	scmlb_interval_start();
	err = read_all(ctx, prev);
	while (!err && (!o->count || n < o->count)) {
		if (!scmlb_interval_wait(o->interval, &elapsed))
			break;
		err = read_all(ctx, cur);
		if (err)
			break;
		print_rates(prev, cur, elapsed, ctx->json);
		swap = prev;
		prev = cur;
		cur = swap;
		n++;
	}
out:
	if (prev)
		reading_free(prev);
	if (cur)
		reading_free(cur);
	free(prev);
	free(cur);
	return err;
}

static int do_get(struct scmlb_ctx *ctx, const void *opts)
{
	const struct get_opts *o = opts;
	int err;

	err = o->interval ? print_rates_loop(ctx, o) : print_backends(ctx);
	if (err) {
		pr_err("cannot list the backends: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static int check_get(const void *opts)
{
	const struct get_opts *o = opts;

	if (o->count && !o->interval) {
		pr_err("invalid count '%u': --count needs --interval", o->count);
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

static int check_edit(const void *opts)
{
	const struct scmlb_lb_edit_opts *o = opts;

	if (o->healthcheck && o->no_healthcheck) {
		pr_err("invalid option '--no-healthcheck': it contradicts "
		       "'--healthcheck'");
		return SCMLB_EXIT_USAGE;
	}
	if (!o->name && !o->healthcheck && !o->no_healthcheck && !o->weight) {
		pr_err("missing option for 'edit': give -n, -c, "
		       "--no-healthcheck or -w");
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

static int do_edit(struct scmlb_ctx *ctx, const void *opts)
{
	return scmlb_lb_edit_apply(ctx, opts);
}

static int do_drain(struct scmlb_ctx *ctx, const void *opts)
{
	const struct scmlb_lb_id_opts *o = opts;

	return scmlb_lb_status_apply(ctx, o->id, SCMLB_BACKEND_DRAINED);
}

static int do_undrain(struct scmlb_ctx *ctx, const void *opts)
{
	const struct scmlb_lb_id_opts *o = opts;

	return scmlb_lb_status_apply(ctx, o->id, SCMLB_BACKEND_AVAILABLE);
}

static int do_delete(struct scmlb_ctx *ctx, const void *opts)
{
	const struct scmlb_lb_id_opts *o = opts;

	return scmlb_lb_delete_apply(ctx, o->id);
}

/* A flow as conntrack get shows it: the client's entry and the reply's. */
/* A flow of either family: an IPv4 key widened to the IPv6 key's shape. */
struct flow_row {
	struct scmlb_flow6_key key;
	struct scmlb_flow flow;
	__u64 packets;			/* both directions */
	__u64 last_seen;		/* either direction */
};

static int cmp_u32(__u32 a, __u32 b)
{
	return a < b ? -1 : a > b;
}

/* IPv4 first; by client address, client port, then protocol. */
static int cmp_flow(const void *pa, const void *pb)
{
	const struct scmlb_flow6_key *a = &((const struct flow_row *)pa)->key;
	const struct scmlb_flow6_key *b = &((const struct flow_row *)pb)->key;
	int c;

	/* network order: bytes compare as the numbers */
	c = cmp_u32(a->family, b->family);
	if (!c)
		c = memcmp(a->src_addr, b->src_addr, sizeof(a->src_addr));
	if (!c)
		c = memcmp(a->dst_addr, b->dst_addr, sizeof(a->dst_addr));
	if (!c)
		c = cmp_u32(__builtin_bswap16(a->src_port), __builtin_bswap16(b->src_port));
	if (!c)
		c = cmp_u32(__builtin_bswap16(a->dst_port), __builtin_bswap16(b->dst_port));
	if (!c)
		c = cmp_u32(a->proto, b->proto);
	return c;
}

/* RFC 3339 UTC wall-clock time of a CLOCK_MONOTONIC instant. */
static void format_mono_ns(char *buf, size_t size, __u64 mono_ns)
{
	struct timespec real, mono;
	__s64 real_ns, age_ns;
	struct tm tm;
	time_t secs;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	age_ns = (__s64)mono.tv_sec * 1000000000 + mono.tv_nsec - (__s64)mono_ns;
	real_ns = (__s64)real.tv_sec * 1000000000 + real.tv_nsec - age_ns;
	secs = real_ns / 1000000000;
	gmtime_r(&secs, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const struct scmlb_column flow_cols[] = {
	{ "SRC ADDR", "src_addr", SCMLB_COL_STR },
	{ "DST ADDR", "dst_addr", SCMLB_COL_STR },
	{ "SRC PORT", "src_port", SCMLB_COL_NUM },
	{ "DST PORT", "dst_port", SCMLB_COL_NUM },
	{ "PROTOCOL", "protocol", SCMLB_COL_STR },
	{ "BACKEND ID", "backend_id", SCMLB_COL_NUM },
	{ "STATUS", "status", SCMLB_COL_STR },
	{ "TIMESTAMP", "timestamp", SCMLB_COL_STR },
	{ NULL, "packets", SCMLB_COL_NUM },
	{ NULL, "service", SCMLB_COL_NUM },
};

#define N_FLOW_COLS (sizeof(flow_cols) / sizeof(flow_cols[0]))

/* A client's entry as a row, its reply's packets and time added. */
static void flow_row_set(struct flow_row *r, const struct scmlb_flow *flow,
			 const struct scmlb_flow *reply)
{
	r->flow = *flow;
	r->packets = flow->packets;
	r->last_seen = flow->last_seen;
	if (reply) {
		r->packets += reply->packets;
		if (reply->last_seen > r->last_seen)
			r->last_seen = reply->last_seen;
	}
}

/* The IPv6 flows, appended to the rows (scmlb_ct6_walk_flows()'s). */
struct rows6 {
	const struct scmlb_ctx *ctx;
	struct flow_row *rows;
	size_t n;
	size_t cap;
};

static int flow6_row(const struct scmlb_flow6_key *key,
		     const struct scmlb_flow *flow, void *arg)
{
	struct scmlb_flow6_key rkey = scmlb_ct6_reply_key(key, flow);
	struct scmlb_flow reply;
	struct rows6 *r = arg;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct flow_row *rows = realloc(r->rows, cap * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		r->rows = rows;
		r->cap = cap;
	}
	r->rows[r->n].key = *key;
	flow_row_set(&r->rows[r->n++], flow,
		     scmlb_ct6_reply(r->ctx, &rkey, &reply) ? NULL : &reply);
	return 0;
}

/*
 * The clients' entries: IPv4's in @t joined with their replies in
 * @replies, then IPv6's, sorted.
 */
static int flow_rows(const struct scmlb_ctx *ctx,
		     const struct scmlb_ct_table *t,
		     const struct scmlb_ct_table *replies, struct flow_row **out,
		     size_t *n)
{
	struct rows6 r = { ctx, NULL, 0, 0 };
	size_t i;
	int err;

	r.cap = t->n ? t->n : 1;
	r.rows = calloc(r.cap, sizeof(*r.rows));
	if (!r.rows)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		const struct scmlb_ct_entry *e = &t->e[i], *reply;
		struct scmlb_flow_key rkey = scmlb_ct_reply_key(e);
		struct flow_row *row = &r.rows[r.n++];

		memset(&row->key, 0, sizeof(row->key));
		row->key.src_addr[0] = e->key.src_addr;
		row->key.dst_addr[0] = e->key.dst_addr;
		row->key.src_port = e->key.src_port;
		row->key.dst_port = e->key.dst_port;
		row->key.proto = e->key.proto;
		row->key.family = e->key.family;
		reply = scmlb_ct_find(replies, &rkey);
		flow_row_set(row, &e->flow, reply ? &reply->flow : NULL);
	}
	err = scmlb_ct6_walk_flows(ctx, flow6_row, &r);
	if (err) {
		free(r.rows);
		return err;
	}
	qsort(r.rows, r.n, sizeof(*r.rows), cmp_flow);
	*out = r.rows;
	*n = r.n;
	return 0;
}

static int do_conntrack_get(struct scmlb_ctx *ctx, const void *opts)
{
	struct scmlb_ct_table ct, replies;
	struct flow_row *rows = NULL;
	struct scmlb_table *t = NULL;
	size_t i, n = 0;
	int err;

	(void)opts;
	err = scmlb_ct_read_flows(ctx, &ct, &replies);
	if (!err) {
		err = flow_rows(ctx, &ct, &replies, &rows, &n);
		scmlb_ct_free(&replies);
		scmlb_ct_free(&ct);
	}
	if (!err) {
		t = scmlb_table_new(flow_cols, N_FLOW_COLS);
		if (!t)
			err = -ENOMEM;
	}
	for (i = 0; i < n && !err; i++) {
		const struct flow_row *r = &rows[i];
		char src[SCMLB_ADDR_LEN], dst[SCMLB_ADDR_LEN], sport[8];
		char dport[8], id[12], ts[32];
		char pkts[24], svc[12];
		const char *cells[N_FLOW_COLS] = { src, dst, sport, dport,
			r->key.proto == IPPROTO_TCP ? "tcp" : "udp", id,
			scmlb_ct_state_name(r->flow.state), ts, pkts, svc };

		scmlb_format_addr(src, sizeof(src), r->key.family,
				  r->key.src_addr);
		scmlb_format_addr(dst, sizeof(dst), r->key.family,
				  r->key.dst_addr);
		snprintf(sport, sizeof(sport), "%u", __builtin_bswap16(r->key.src_port));
		snprintf(dport, sizeof(dport), "%u", __builtin_bswap16(r->key.dst_port));
		snprintf(id, sizeof(id), "%u", r->flow.backend_id);
		snprintf(pkts, sizeof(pkts), "%llu", (unsigned long long)r->packets);
		snprintf(svc, sizeof(svc), "%u", r->flow.service_id);
		format_mono_ns(ts, sizeof(ts),
			       scmlb_jiffies_to_mono_ns(&ctx->cfg, r->last_seen));
		err = scmlb_table_row(t, cells);
	}
	if (!err)
		err = scmlb_table_print(t, ctx->json, stdout);
	scmlb_table_free(t);
	free(rows);
	if (err) {
		pr_err("cannot list the flows: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static int do_conntrack_flush(struct scmlb_ctx *ctx, const void *opts)
{
	size_t n;
	int err;

	(void)opts;
	err = scmlb_ct_flush(ctx, &n);
	if (err) {
		pr_err("cannot flush the flows: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	printf("%zu flow%s flushed\n", n, n == 1 ? "" : "s");
	return SCMLB_EXIT_OK;
}

static const struct scmlb_opt get_table[] = {
	{ "interval", 0, "SECONDS", "interval", scmlb_parse_interval,
	  offsetof(struct get_opts, interval), false,
	  "print per-second rates every SECONDS (0.1 to 3600) until Ctrl-C" },
	{ "count", 0, "N", "count", scmlb_parse_count,
	  offsetof(struct get_opts, count), false,
	  "with --interval: stop after N readings" },
	{ 0 },
};

static const struct scmlb_opt edit_table[] = {
	{ "id", 'i', "ID", "id", scmlb_parse_id,
	  offsetof(struct scmlb_lb_edit_opts, id), true,
	  "the backend's id, as set printed it" },
	{ "name", 'n', "NAME", "name", scmlb_parse_name,
	  offsetof(struct scmlb_lb_edit_opts, name), false,
	  "its new name (up to 31 characters)" },
	{ "healthcheck", 'c', "URL", "health-check URL", scmlb_parse_http_url,
	  offsetof(struct scmlb_lb_edit_opts, healthcheck), false,
	  "its new health-check URL (its health is unknown until checked)" },
	{ "no-healthcheck", 0, NULL, NULL, NULL,
	  offsetof(struct scmlb_lb_edit_opts, no_healthcheck), false,
	  "remove its health-check URL (its health becomes unknown)" },
	{ "weight", 'w', "N", "weight", scmlb_parse_weight,
	  offsetof(struct scmlb_lb_edit_opts, weight), false,
	  "its new weight, 1 to 65535: new connections follow it at once" },
	{ 0 },
};

static const struct scmlb_cmd lb_cmds[] = {
	SCMLB_LB_SET_CMD(do_set),
	{ "get", "list the backends with their traffic", get_table,
	  sizeof(struct get_opts), SCMLB_CMD_READ | SCMLB_CMD_JSON, check_get,
	  do_get },
	{ "edit", "change a backend's name, health check or weight in place",
	  edit_table, sizeof(struct scmlb_lb_edit_opts),
	  SCMLB_CMD_WRITE | SCMLB_CMD_ANNOUNCE, check_edit,
	  do_edit },
	SCMLB_LB_DRAIN_CMD(do_drain),
	{ "undrain", "put a drained backend back into rotation",
	  scmlb_lb_id_table, sizeof(struct scmlb_lb_id_opts),
	  SCMLB_CMD_WRITE | SCMLB_CMD_ANNOUNCE, NULL, do_undrain },
	{ "delete", "remove a drained backend", scmlb_lb_id_table,
	  sizeof(struct scmlb_lb_id_opts), SCMLB_CMD_WRITE | SCMLB_CMD_ANNOUNCE,
	  NULL, do_delete },
	{ "conntrack get", "list the tracked flows", NULL, 0,
	  SCMLB_CMD_READ | SCMLB_CMD_JSON, NULL, do_conntrack_get },
	{ "conntrack flush", "forget every tracked flow", NULL, 0,
	  SCMLB_CMD_WRITE, NULL, do_conntrack_flush },
	{ 0 },
};

static const struct scmlb_tool lb_tool = {
	"scmlb-lb", "manage the backends of the load balancer", lb_cmds, NULL,
};

int main(int argc, char **argv)
{
	return scmlb_run(&lb_tool, argc, argv);
}
