// SPDX-License-Identifier: GPL-2.0
/* scmlb-status - the instance at a glance: services, interfaces and their XDP, sizes, warnings */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>

#include "announce.h"
#include "args.h"
#include "backends.h"
#include "conntrack.h"
#include "defaults.h"
#include "dos.h"
#include "fw.h"
#include "ifcheck.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "owner.h"
#include "services.h"

#define MAX_WARNINGS 64
#define MAX_IFACES 1024

/* Warnings as found, one line each; a check adds what it finds. */
struct warnings {
	char *text[MAX_WARNINGS];
	size_t n;
};

/* An interface scmlb is attached to (a key of lb_tx_ports). */
struct iface {
	__u32 ifindex;
	char name[IF_NAMESIZE + 16];
	bool gone;
	struct scmlb_xdp_owner owner;
};

/* Everything status shows, read under the shared lock. */
struct status {
	struct scmlb_service *svcs;
	size_t n_svcs;
	struct scmlb_backend *bes;
	size_t n_bes;
	size_t n_rules;
	size_t n_policies;
	size_t ct_entries;
	struct iface ifs[MAX_IFACES];
	size_t n_ifs;
	struct scmlb_addr *routed;	/* VIPs with this instance's route */
	size_t n_routed;
	__u32 tag;			/* the metric of its routes */
	struct warnings warn;
};

static void warn(struct warnings *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct warnings *w, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (w->n == MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	w->text[w->n] = strdup(line);
	if (w->text[w->n])
		w->n++;
}

static void status_free(struct status *st)
{
	size_t i;

	free(st->svcs);
	free(st->bes);
	free(st->routed);
	for (i = 0; i < st->warn.n; i++)
		free(st->warn.text[i]);
}

static const char *mode_name(__u8 mode)
{
	return mode == SCMLB_MODE_SKB ? "skb" : "native";
}

static int add_iface(const struct scmlb_ctx *ctx, struct status *st,
		     __u32 ifindex)
{
	struct iface *i;
	int err;

	if (st->n_ifs == MAX_IFACES)
		return -E2BIG;
	i = &st->ifs[st->n_ifs++];
	i->ifindex = ifindex;
	if (!if_indextoname(ifindex, i->name)) {
		snprintf(i->name, sizeof(i->name), "(gone:%u)", ifindex);
		i->gone = true;
		return 0;
	}
	err = scmlb_owner_query(ctx->pin_dir, ifindex, &i->owner);
	if (err == -ENODEV) {
		i->gone = true;
		err = 0;
	}
	return err;
}

static int cmp_iface(const void *a, const void *b)
{
	__u32 x = ((const struct iface *)a)->ifindex;
	__u32 y = ((const struct iface *)b)->ifindex;

	return x < y ? -1 : x > y;
}

/* The upstream first, then every other interface by ifindex. */

/* Counts IPv6 flows into the size_t @arg, for conntrack_entries. */
static int count_flow6(const struct scmlb_flow6_key *key,
		       const struct scmlb_flow *flow, void *arg)
{
	(void)key;
	(void)flow;
	(*(size_t *)arg)++;
	return 0;
}

static int read_ifaces(const struct scmlb_ctx *ctx, struct status *st)
{
	__u32 key, next, up = ctx->cfg.upstream_ifindex;
	int err, ret;

	err = add_iface(ctx, st, up);
	for (ret = bpf_map_get_next_key(ctx->maps.tx_ports, NULL, &key);
	     !ret && !err;
	     ret = bpf_map_get_next_key(ctx->maps.tx_ports, &key, &next),
	     key = next)
		if (key != up)
			err = add_iface(ctx, st, key);
	if (!err && ret && errno != ENOENT)
		err = -errno;
	if (!err)
		qsort(st->ifs + 1, st->n_ifs - 1, sizeof(st->ifs[0]), cmp_iface);
	return err;
}

static int read_status(const struct scmlb_ctx *ctx, struct status *st)
{
	struct scmlb_dos_entry policies[SCMLB_DOS_POLICIES];
	struct scmlb_fw_entry *rules = NULL;
	struct scmlb_ct_table ct;
	int err;

	err = scmlb_services_list(ctx, &st->svcs, &st->n_svcs);
	if (!err)
		err = scmlb_backends_list(ctx, &st->bes, &st->n_bes);
	if (!err)
		err = scmlb_fw_rules_list(ctx, false, &rules, &st->n_rules);
	free(rules);
	if (!err)
		err = scmlb_dos_policies_list(ctx, policies, &st->n_policies);
	if (!err)
		scmlb_dos_entries_free(policies, st->n_policies);
	if (!err)
		err = scmlb_ct_read_flows(ctx, &ct, NULL);
	if (!err) {
		st->ct_entries = ct.n;
		scmlb_ct_free(&ct);
		err = scmlb_ct6_walk_flows(ctx, count_flow6, &st->ct_entries);
	}
	if (!err)
		err = read_ifaces(ctx, st);
	return err;
}

/* Interfaces where scmlb is meant to run but something else does. */
static void check_ifaces(const struct scmlb_ctx *ctx, struct status *st)
{
	char what[320];
	size_t i;

	if (ctx->cfg.flags & SCMLB_CFG_DETACHED) {
		warn(&st->warn, "detached with --keep-maps: no interface runs "
		     "scmlb until scmlb-attach resumes");
		return;
	}
	for (i = 0; i < st->n_ifs; i++) {
		const struct iface *f = &st->ifs[i];

		if (f->gone) {
			warn(&st->warn, "interface %u is gone", f->ifindex);
			continue;
		}
		if (f->owner.ours) {
			/* a veth set-up that drops redirected frames, say */
			if (scmlb_ifcheck_warning(ctx->pin_dir, f->ifindex,
						  ctx->cfg.mode, what,
						  sizeof(what)) == 1)
				warn(&st->warn, "%s", what);
			continue;
		}
		if (!f->owner.prog_id) {
			warn(&st->warn, "'%s' runs no XDP program: scmlb is not "
			     "attached there", f->name);
			continue;
		}
		scmlb_owner_describe(&f->owner, what, sizeof(what));
		warn(&st->warn, "'%s' runs %s, not this scmlb's", f->name, what);
	}
}

/* Timers whose tools work on another pin directory than this one. */
static void check_timers(const struct scmlb_ctx *ctx, struct status *st)
{
	char gc[4096], health[4096];
	const char *file = scmlb_defaults_path();
	bool gc_here, health_here;
	int err;

	err = scmlb_defaults_pin_dir("SCMLB_GC_ARGS", gc, sizeof(gc));
	if (!err)
		err = scmlb_defaults_pin_dir("SCMLB_HEALTH_ARGS", health,
					     sizeof(health));
	if (err) {
		warn(&st->warn, "cannot read '%s', whose pin directory the "
		     "timers use: %s", file, strerror(-err));
		return;
	}
	gc_here = scmlb_same_dir(gc, ctx->pin_dir);
	health_here = scmlb_same_dir(health, ctx->pin_dir);
	if (!gc_here && !health_here && !strcmp(gc, health)) {
		warn(&st->warn, "scmlb-gc.timer and scmlb-health.timer work on "
		     "'%s', not this pin directory: set SCMLB_PIN_DIR=%s in '%s'",
		     gc, ctx->pin_dir, file);
		return;
	}
	if (!gc_here)
		warn(&st->warn, "scmlb-gc.timer works on '%s', not this pin "
		     "directory: set SCMLB_PIN_DIR=%s in '%s'", gc, ctx->pin_dir,
		     file);
	if (!health_here)
		warn(&st->warn, "scmlb-health.timer works on '%s', not this pin "
		     "directory: set SCMLB_PIN_DIR=%s in '%s'", health,
		     ctx->pin_dir, file);
}

/*
 * The VIP routes for a routing daemon: this instance's, against the VIPs
 * it can serve. They differ only until the next tool or scmlb-gc pass.
 */
static void check_routes(const struct scmlb_ctx *ctx, struct status *st)
{
	struct scmlb_addr *want = NULL;
	size_t nwant = 0, i = 0, j = 0;
	char addr[SCMLB_ADDR_LEN];
	int err;

	err = scmlb_announce_read(ctx, &st->routed, &st->n_routed, &st->tag);
	if (!err)
		err = scmlb_announce_servable(ctx, &want, &nwant);
	if (err) {
		warn(&st->warn, "cannot read the routes of the VIPs in table %u: "
		     "%s", SCMLB_ANNOUNCE_TABLE, strerror(-err));
		goto out;
	}
	/* both in address order: one merge */
	while (i < nwant || j < st->n_routed) {
		if (j == st->n_routed ||
		    (i < nwant && scmlb_addr_cmp(&want[i], &st->routed[j]) < 0)) {
			scmlb_format_addr(addr, sizeof(addr), want[i].family,
					  want[i].addr);
			i++;
			warn(&st->warn, "VIP %s can be served but has no route in "
			     "table %u: scmlb-gc adds it", addr,
			     SCMLB_ANNOUNCE_TABLE);
		} else if (i == nwant ||
			   scmlb_addr_cmp(&st->routed[j], &want[i]) < 0) {
			scmlb_format_addr(addr, sizeof(addr), st->routed[j].family,
					  st->routed[j].addr);
			j++;
			warn(&st->warn, "VIP %s has a route in table %u but cannot "
			     "be served: scmlb-gc deletes it", addr,
			     SCMLB_ANNOUNCE_TABLE);
		} else {
			i++;
			j++;
		}
	}
out:
	free(want);
}

static const struct scmlb_column iface_cols[] = {
	{ "INTERFACE", "name", SCMLB_COL_STR },
	{ "IFINDEX", "ifindex", SCMLB_COL_NUM },
	{ "XDP PROG", "prog_id", SCMLB_COL_NUM },
	{ "PROG NAME", "prog_name", SCMLB_COL_STR },
	{ "OURS", "ours", SCMLB_COL_RAW },
};

#define N_IFACE_COLS (sizeof(iface_cols) / sizeof(iface_cols[0]))

static int iface_table(const struct status *st, struct scmlb_table **out)
{
	struct scmlb_table *t = scmlb_table_new(iface_cols, N_IFACE_COLS);
	size_t i;
	int err = t ? 0 : -ENOMEM;

	for (i = 0; i < st->n_ifs && !err; i++) {
		const struct iface *f = &st->ifs[i];
		char ifindex[12], prog[12];
		const char *cells[N_IFACE_COLS] = {
			f->name, ifindex, prog, f->owner.prog_name,
			f->owner.ours ? "true" : "false",
		};

		snprintf(ifindex, sizeof(ifindex), "%u", f->ifindex);
		snprintf(prog, sizeof(prog), "%u", f->owner.prog_id);
		err = scmlb_table_row(t, cells);
	}
	if (err) {
		scmlb_table_free(t);
		return err;
	}
	*out = t;
	return 0;
}

/* "203.0.113.11:80" or "[2001:db8::11]:80", ":*" for every port. */
static void format_addr_port(char *buf, size_t size, __u8 family,
			     const __be32 *addr, __be16 port)
{
	const char *open = family == SCMLB_AF_INET6 ? "[" : "";
	const char *close = family == SCMLB_AF_INET6 ? "]" : "";
	char a[SCMLB_ADDR_LEN];

	scmlb_format_addr(a, sizeof(a), family, addr);
	if (port)
		snprintf(buf, size, "%s%s%s:%u", open, a, close,
			 __builtin_bswap16(port));
	else
		snprintf(buf, size, "%s%s%s:*", open, a, close);
}

static const char *proto_upper(__u8 proto)
{
	switch (proto) {
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	default:
		return "ANY";
	}
}

/* The services and their backends, as ipvsadm -Ln shows virtual servers. */
static void print_services(const struct status *st)
{
	char addr[SCMLB_ADDR_LEN + 16];
	size_t s, b;

	printf("Prot VIP:Port               Scheduler Forward\n"
	       "  -> Backend:Port           Weight Status      Health    Name\n");
	for (s = 0; s < st->n_svcs; s++) {
		const struct scmlb_service *svc = &st->svcs[s];

		format_addr_port(addr, sizeof(addr), svc->family, svc->vip,
				 svc->port);
		printf("%-4s %-22s %-9s %s\n", proto_upper(svc->proto), addr,
		       scmlb_scheduler_name(svc->scheduler),
		       scmlb_forward_name(svc->forward));
		for (b = 0; b < st->n_bes; b++) {
			const struct scmlb_backend *be = &st->bes[b];

			if (be->service_id != svc->id)
				continue;
			format_addr_port(addr, sizeof(addr), be->family,
					 be->addr, be->port ? be->port : svc->port);
			printf("  -> %-22s %-6u %-11s %-9s %s\n", addr, be->weight,
			       scmlb_backend_status_name(be),
			       scmlb_backend_health_name(be->health), be->name);
		}
	}
}

static int print_text(const struct scmlb_ctx *ctx, const struct status *st,
		      const struct scmlb_table *ifaces)
{
	const struct scmlb_config *cfg = &ctx->cfg;
	char addr[SCMLB_ADDR_LEN];
	size_t i;

	print_services(st);
	printf("\nPin directory:   %s (layout " SCMLB_LAYOUT_FMT ")\n",
	       ctx->pin_dir, SCMLB_LAYOUT_ARGS(cfg->layout_version));
	printf("Upstream:        %s, %s mode%s\n", st->ifs[0].name,
	       mode_name(cfg->mode),
	       cfg->flags & SCMLB_CFG_DETACHED ? ", detached (maps kept)" : "");
	printf("Conntrack:       %zu of %u flows\n", st->ct_entries,
	       cfg->conntrack_size);
	printf("Services:        %zu\nBackends:        %zu\n", st->n_svcs,
	       st->n_bes);
	printf("Firewall rules:  %zu\nDoS policies:    %zu\n", st->n_rules,
	       st->n_policies);
	printf("Announced:       ");
	for (i = 0; i < st->n_routed; i++) {
		scmlb_format_addr(addr, sizeof(addr), st->routed[i].family,
				  st->routed[i].addr);
		printf("%s%s", i ? ", " : "", addr);
	}
	printf("%s (routes in table %u, metric %u)\n\n",
	       st->n_routed ? "" : "none", SCMLB_ANNOUNCE_TABLE, st->tag);
	scmlb_table_print(ifaces, false, stdout);
	printf("\nWarnings:%s\n", st->warn.n ? "" : " none");
	for (i = 0; i < st->warn.n; i++)
		printf("  %s\n", st->warn.text[i]);
	return fflush(stdout) || ferror(stdout) ? -EIO : 0;
}

static const struct scmlb_column status_cols[] = {
	{ "PIN DIR", "pin_dir", SCMLB_COL_STR },
	{ "LAYOUT", "layout", SCMLB_COL_STR },
	{ "UPSTREAM", "upstream", SCMLB_COL_STR },
	{ "MODE", "mode", SCMLB_COL_STR },
	{ "DETACHED", "detached", SCMLB_COL_RAW },
	{ "INTERFACES", "interfaces", SCMLB_COL_RAW },
	{ "CONNTRACK SIZE", "conntrack_size", SCMLB_COL_NUM },
	{ "CONNTRACK ENTRIES", "conntrack_entries", SCMLB_COL_NUM },
	{ "SERVICES", "services", SCMLB_COL_NUM },
	{ "BACKENDS", "backends", SCMLB_COL_NUM },
	{ "RULES", "rules", SCMLB_COL_NUM },
	{ "POLICIES", "policies", SCMLB_COL_NUM },
	{ "ANNOUNCED", "announced", SCMLB_COL_RAW },
	{ "WARNINGS", "warnings", SCMLB_COL_RAW },
};

#define N_STATUS_COLS (sizeof(status_cols) / sizeof(status_cols[0]))

/*
 * A JSON array of strings, for a raw cell: @n of @text, or @n addresses
 * of @addrs when @text is NULL.
 */
static char *strings_json(char *const *text, const struct scmlb_addr *addrs,
			  size_t n)
{
	char *buf = NULL, addr[SCMLB_ADDR_LEN];
	size_t len, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		if (!text)
			scmlb_format_addr(addr, sizeof(addr), addrs[i].family,
					  addrs[i].addr);
		scmlb_json_string(f, text ? text[i] : addr);
	}
	fputc(']', f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The table as a JSON array on one line, for a raw cell. */
static char *table_json(const struct scmlb_table *t)
{
	char *buf = NULL, *from, *to;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	scmlb_table_print(t, true, f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	/* JSON strings escape their newlines: the others are layout */
	for (from = to = buf; *from; from++)
		if (*from != '\n')
			*to++ = *from;
	*to = '\0';
	return buf;
}

static int print_json(const struct scmlb_ctx *ctx, const struct status *st,
		      const struct scmlb_table *ifaces)
{
	const struct scmlb_config *cfg = &ctx->cfg;
	char layout[24], nums[6][24], *ifs_json, *warn_json, *routed_json;
	const char *cells[N_STATUS_COLS];
	struct scmlb_table *t;
	int err = -ENOMEM;

	ifs_json = table_json(ifaces);
	warn_json = strings_json(st->warn.text, NULL, st->warn.n);
	routed_json = strings_json(NULL, st->routed, st->n_routed);
	t = scmlb_table_new(status_cols, N_STATUS_COLS);
	if (!ifs_json || !warn_json || !routed_json || !t)
		goto out;
	snprintf(layout, sizeof(layout), SCMLB_LAYOUT_FMT,
		 SCMLB_LAYOUT_ARGS(cfg->layout_version));
	snprintf(nums[0], sizeof(nums[0]), "%u", cfg->conntrack_size);
	snprintf(nums[1], sizeof(nums[1]), "%zu", st->ct_entries);
	snprintf(nums[2], sizeof(nums[2]), "%zu", st->n_svcs);
	snprintf(nums[3], sizeof(nums[3]), "%zu", st->n_bes);
	snprintf(nums[4], sizeof(nums[4]), "%zu", st->n_rules);
	snprintf(nums[5], sizeof(nums[5]), "%zu", st->n_policies);
	cells[0] = ctx->pin_dir;
	cells[1] = layout;
	cells[2] = st->ifs[0].name;
	cells[3] = mode_name(cfg->mode);
	cells[4] = cfg->flags & SCMLB_CFG_DETACHED ? "true" : "false";
	cells[5] = ifs_json;
	cells[6] = nums[0];
	cells[7] = nums[1];
	cells[8] = nums[2];
	cells[9] = nums[3];
	cells[10] = nums[4];
	cells[11] = nums[5];
	cells[12] = routed_json;
	cells[13] = warn_json;
	err = scmlb_table_row(t, cells);
	if (!err)
		err = scmlb_table_print_object(t, true, stdout);
out:
	scmlb_table_free(t);
	free(ifs_json);
	free(warn_json);
	free(routed_json);
	return err;
}

static int do_status(struct scmlb_ctx *ctx, const void *opts)
{
	struct scmlb_table *ifaces = NULL;
	struct status *st;
	int err;

	(void)opts;
	st = calloc(1, sizeof(*st));
	if (!st) {
		pr_err("out of memory");
		return SCMLB_EXIT_FAIL;
	}
	err = read_status(ctx, st);
	if (err) {
		pr_err("cannot read the instance in '%s': %s", ctx->pin_dir,
		       strerror(-err));
		goto out;
	}
	check_ifaces(ctx, st);
	check_timers(ctx, st);
	check_routes(ctx, st);
	err = iface_table(st, &ifaces);
	if (!err)
		err = ctx->json ? print_json(ctx, st, ifaces) :
				  print_text(ctx, st, ifaces);
	if (err)
		pr_err("cannot print the status: %s", strerror(-err));
out:
	scmlb_table_free(ifaces);
	status_free(st);
	free(st);
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}

static const struct scmlb_cmd status_cmds[] = {
	{ NULL, "show the instance at a glance", NULL, 0,
	  SCMLB_CMD_READ | SCMLB_CMD_JSON, NULL, do_status },
	{ 0 },
};

static const struct scmlb_tool status_tool = {
	"scmlb-status", "the instance at a glance: services, interfaces, sizes, warnings",
	status_cmds,
	"Services and their backends first (as ipvsadm -Ln), then the pin\n"
	"directory, the upstream and mode, conntrack use, the counts of\n"
	"services, backends, firewall rules and DoS policies, the VIPs with a\n"
	"route in table 248 (for BIRD), every interface scmlb is attached to\n"
	"with the XDP program that runs there, and warnings: a program there\n"
	"that is not scmlb's, an interface whose frames XDP redirects but\n"
	"cannot deliver, timers that work on another pin directory\n"
	"(" SCMLB_DEFAULTS_FILE ", or $SCMLB_DEFAULTS_FILE), VIP routes out of step.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&status_tool, argc, argv);
}
