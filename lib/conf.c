// SPDX-License-Identifier: GPL-2.0
/* conf.c - a whole configuration as lines of tool commands: read from the maps, parsed, printed */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "backends.h"
#include "clock.h"
#include "conf.h"
#include "dos.h"
#include "fw.h"
#include "log.h"
#include "netlink.h"
#include "output.h"
#include "services.h"
#include "verbs.h"

#ifndef SCMLB_VERSION
#define SCMLB_VERSION "unknown"
#endif

void scmlb_conf_free(struct scmlb_conf *c)
{
	free(c->svcs);
	free(c->bes);
	free(c->rules);
	free(c->policies);
	memset(c, 0, sizeof(*c));
}

/*
 * Room for one more element in @arr, which holds @n of @size bytes and was
 * grown only by this (parsed configurations; read ones are never grown).
 */
static void *grow(void *arr, size_t n, size_t size)
{
	void *p;

	/* powers of two: a configuration of 16384 backends reallocates 15 times */
	if (n && (n & (n - 1)))
		return arr;
	p = realloc(arr, (n ? 2 * n : 1) * size);
	if (p)
		memset((char *)p + n * size, 0, (n ? n : 1) * size);
	return p;
}

#define CONF_ADD(arr, n)						\
	({								\
		void *_p = grow((arr), (n), sizeof(*(arr)));		\
		_p ? ((arr) = _p, &(arr)[(n)++]) : NULL;		\
	})

/* The number of service @id in @c, from 1; 0 when it has none. */
static __u32 service_number(const struct scmlb_conf *c, __u32 id)
{
	size_t i;

	for (i = 0; i < c->n_svcs; i++)
		if (c->svcs[i].svc.id == id)
			return (__u32)i + 1;
	return 0;
}

static int read_attach(const struct scmlb_ctx *ctx, struct scmlb_conf *c)
{
	struct scmlb_link link;
	struct scmlb_nl *nl;
	int err;

	err = scmlb_nl_open(&nl);
	if (!err)
		err = scmlb_nl_link_by_index(nl, ctx->cfg.upstream_ifindex, &link);
	scmlb_nl_close(nl);
	if (err)
		return err;
	c->attach.line = 1;
	memcpy(c->attach.upstream, link.name, sizeof(c->attach.upstream));
	c->attach.mode = ctx->cfg.mode;
	c->attach.ct_size = ctx->cfg.conntrack_size;
	return 0;
}

static int read_services(const struct scmlb_ctx *ctx, struct scmlb_conf *c)
{
	struct scmlb_service *list;
	size_t n, i, k = 0;
	int err;

	err = scmlb_services_list(ctx, &list, &n);
	if (err)
		return err;
	c->svcs = calloc(n ? n : 1, sizeof(*c->svcs));
	if (!c->svcs) {
		free(list);
		return -ENOMEM;
	}
	/* attach -v's service comes with the attach line, first */
	for (i = 0; i < n; i++) {
		if (list[i].id == ctx->cfg.attach_service) {
			c->svcs[k].svc = list[i];
			c->svcs[k++].attach = true;
		}
	}
	for (i = 0; i < n; i++)
		if (list[i].id != ctx->cfg.attach_service)
			c->svcs[k++].svc = list[i];
	c->n_svcs = k;
	free(list);
	return 0;
}

static int read_backends(const struct scmlb_ctx *ctx, struct scmlb_conf *c)
{
	struct scmlb_backend *list;
	size_t n, i;
	int err;

	err = scmlb_backends_list(ctx, &list, &n);
	if (err)
		return err;
	c->bes = calloc(n ? n : 1, sizeof(*c->bes));
	if (!c->bes) {
		free(list);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct scmlb_backend *be = &c->bes[c->n_bes].be;

		*be = list[i];
		be->service_id = service_number(c, list[i].service_id);
		/* a backend of no service packets reach: nothing to restore */
		if (be->service_id)
			c->n_bes++;
	}
	free(list);
	return 0;
}

static int read_rules(const struct scmlb_ctx *ctx, struct scmlb_conf *c)
{
	struct scmlb_fw_entry *list;
	size_t n, i;
	int err;

	err = scmlb_fw_rules_list(ctx, false, &list, &n);
	if (err)
		return err;
	c->rules = calloc(n ? n : 1, sizeof(*c->rules));
	if (!c->rules) {
		free(list);
		return -ENOMEM;
	}
	/* rules of DoS policies come back with their policy's traffic */
	for (i = 0; i < n; i++)
		if (!list[i].rule.dos_policy) {
			c->rules[c->n_rules].rule = list[i].rule;
			memcpy(c->rules[c->n_rules++].addr, list[i].addr,
			       sizeof(list[i].addr));
		}
	free(list);
	return 0;
}

static int read_policies(const struct scmlb_ctx *ctx, struct scmlb_conf *c)
{
	struct scmlb_dos_entry list[SCMLB_DOS_POLICIES];
	size_t n, i;
	int err;

	err = scmlb_dos_policies_list(ctx, list, &n);
	if (err)
		return err;
	c->policies = calloc(n ? n : 1, sizeof(*c->policies));
	if (!c->policies) {
		scmlb_dos_entries_free(list, n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		c->policies[i].id = list[i].id;
		c->policies[i].class = list[i].class;
		c->policies[i].limit = list[i].limit;
		c->policies[i].block = list[i].block;
		c->policies[i].prefix_len = list[i].prefix_len;
	}
	c->n_policies = n;
	scmlb_dos_entries_free(list, n);
	return 0;
}

/**
 * scmlb_conf_read() - the configuration of an instance, as scmlb-save prints it
 * @ctx: the run, with the maps open
 * @c:   filled; every object keeps its live id, everything in id order
 *
 * Return: 0, -ENODEV when the upstream interface is gone, or another -errno.
 */
int scmlb_conf_read(const struct scmlb_ctx *ctx, struct scmlb_conf *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = read_attach(ctx, c);
	if (!err)
		err = read_services(ctx, c);
	if (!err)
		err = read_backends(ctx, c);
	if (!err)
		err = read_rules(ctx, c);
	if (!err)
		err = read_policies(ctx, c);
	if (err)
		scmlb_conf_free(c);
	return err;
}

/* Append @word to @l; a line too long for its buffer keeps what fits. */
static void line_add(struct scmlb_line *l, const char *word)
{
	size_t len = strlen(word);

	if (l->argc == SCMLB_CONF_WORDS || l->len + len + 1 > sizeof(l->buf))
		return;
	l->argv[l->argc++] = memcpy(l->buf + l->len, word, len + 1);
	l->argv[l->argc] = NULL;
	l->len += len + 1;
}

/* Append the option that fills field @offset of a verb's options, and @value. */
static void line_opt(struct scmlb_line *l, const struct scmlb_opt *table,
		     size_t offset, const char *value)
{
	char flag[40];

	if (scmlb_opt_flag(table, offset, flag, sizeof(flag)))
		return;
	line_add(l, flag);
	line_add(l, value);
}

/* A flag of @table (an option without a value), at @offset. */
static void line_flag(struct scmlb_line *l, const struct scmlb_opt *table,
		      size_t offset)
{
	char flag[40];

	if (!scmlb_opt_flag(table, offset, flag, sizeof(flag)))
		line_add(l, flag);
}

static void line_start(struct scmlb_line *l, const char *tool, const char *verb)
{
	l->argc = 0;
	l->len = 0;
	l->argv[0] = NULL;
	line_add(l, tool);
	if (verb)
		line_add(l, verb);
}

/**
 * scmlb_line_words() - a line of the given words
 * @l:     set to the line
 * @first: the first word, then the others; NULL ends them
 */
void scmlb_line_words(struct scmlb_line *l, const char *first, ...)
{
	const char *w;
	va_list ap;

	line_start(l, first, NULL);
	va_start(ap, first);
	while ((w = va_arg(ap, const char *)))
		line_add(l, w);
	va_end(ap);
}

static const char *mode_name(__u8 mode)
{
	return mode == SCMLB_MODE_SKB ? "skb" : "native";
}

/**
 * scmlb_line_attach() - the attach line of a configuration
 * @l: set to the line
 * @c: the configuration; its first service, when the attach line added it,
 *     gives -v
 */
void scmlb_line_attach(struct scmlb_line *l, const struct scmlb_conf *c)
{
	char buf[SCMLB_ADDR_LEN];

	line_start(l, "attach", NULL);
	line_opt(l, scmlb_attach_table,
		 offsetof(struct scmlb_attach_opts, upstream), c->attach.upstream);
	if (c->n_svcs && c->svcs[0].attach) {
		scmlb_format_addr(buf, sizeof(buf), c->svcs[0].svc.family,
				  c->svcs[0].svc.vip);
		line_opt(l, scmlb_attach_table,
			 offsetof(struct scmlb_attach_opts, vip), buf);
	}
	if (c->attach.mode)
		line_opt(l, scmlb_attach_table,
			 offsetof(struct scmlb_attach_opts, mode),
			 mode_name(c->attach.mode));
	if (c->attach.ct_size) {
		snprintf(buf, sizeof(buf), "%u", c->attach.ct_size);
		line_opt(l, scmlb_attach_table,
			 offsetof(struct scmlb_attach_opts, ct_size), buf);
	}
}

/* "svc set -v VIP -t PROTO -P PORT -S SCHED", --forward when not nat, --syn-proxy. */
void scmlb_line_service(struct scmlb_line *l, const struct scmlb_service *s)
{
	char vip[SCMLB_ADDR_LEN], port[8];

	line_start(l, "svc", "set");
	scmlb_format_addr(vip, sizeof(vip), s->family, s->vip);
	snprintf(port, sizeof(port), "%u", __builtin_bswap16(s->port));
	line_opt(l, scmlb_svc_set_table, offsetof(struct scmlb_svc_set_opts, vip),
		 vip);
	line_opt(l, scmlb_svc_set_table,
		 offsetof(struct scmlb_svc_set_opts, proto),
		 scmlb_svc_proto_name(s->proto));
	line_opt(l, scmlb_svc_set_table, offsetof(struct scmlb_svc_set_opts, port),
		 port);
	line_opt(l, scmlb_svc_set_table,
		 offsetof(struct scmlb_svc_set_opts, scheduler),
		 scmlb_scheduler_name(s->scheduler));
	if (s->forward != SCMLB_FWD_NAT)
		line_opt(l, scmlb_svc_set_table,
			 offsetof(struct scmlb_svc_set_opts, forward),
			 scmlb_forward_name(s->forward));
	if (s->flags & SCMLB_SVC_SYN_PROXY)
		line_flag(l, scmlb_svc_set_table,
			  offsetof(struct scmlb_svc_set_opts, syn_proxy));
}

/**
 * scmlb_line_backend() - "lb set -n NAME -a ADDR [-c URL] -s N -w W [-p PORT]"
 * @l:         set to the line
 * @be:        the backend
 * @service:   what -s says
 * @with_port: give -p: its service has a port
 */
void scmlb_line_backend(struct scmlb_line *l, const struct scmlb_backend *be,
			__u32 service, bool with_port)
{
	char addr[SCMLB_ADDR_LEN], svc[12], weight[8], port[8];

	line_start(l, "lb", "set");
	scmlb_format_addr(addr, sizeof(addr), be->family, be->addr);
	snprintf(svc, sizeof(svc), "%u", service);
	snprintf(weight, sizeof(weight), "%u", be->weight ? be->weight : 1);
	snprintf(port, sizeof(port), "%u", __builtin_bswap16(be->port));
	line_opt(l, scmlb_lb_set_table, offsetof(struct scmlb_lb_set_opts, name),
		 be->name);
	line_opt(l, scmlb_lb_set_table, offsetof(struct scmlb_lb_set_opts, addr),
		 addr);
	if (be->healthcheck[0])
		line_opt(l, scmlb_lb_set_table,
			 offsetof(struct scmlb_lb_set_opts, healthcheck),
			 be->healthcheck);
	line_opt(l, scmlb_lb_set_table,
		 offsetof(struct scmlb_lb_set_opts, service), svc);
	line_opt(l, scmlb_lb_set_table,
		 offsetof(struct scmlb_lb_set_opts, weight), weight);
	if (with_port)
		line_opt(l, scmlb_lb_set_table,
			 offsetof(struct scmlb_lb_set_opts, port), port);
}

/* "lb drain -i N" */
void scmlb_line_drain(struct scmlb_line *l, __u32 backend)
{
	char id[12];

	line_start(l, "lb", "drain");
	snprintf(id, sizeof(id), "%u", backend);
	line_opt(l, scmlb_lb_id_table, offsetof(struct scmlb_lb_id_opts, id), id);
}

static void format_ports(char *buf, size_t size, __u16 from, __u16 to)
{
	if (from == to)
		snprintf(buf, size, "%u", from);
	else
		snprintf(buf, size, "%u-%u", from, to);
}

/* "fw set -n CIDR -t PROTO [-s PORTS] [-d PORTS]": ports when not any. */
void scmlb_line_rule(struct scmlb_line *l, const struct scmlb_conf_rule *cr)
{
	struct scmlb_fw_entry e = { .rule = cr->rule };
	const struct scmlb_fw_rule *r = &cr->rule;
	char net[SCMLB_FW_NETWORK_LEN], ports[12];

	line_start(l, "fw", "set");
	memcpy(e.addr, cr->addr, sizeof(e.addr));
	scmlb_fw_entry_network(&e, net, sizeof(net));
	line_opt(l, scmlb_fw_set_table,
		 offsetof(struct scmlb_fw_set_opts, network), net);
	line_opt(l, scmlb_fw_set_table, offsetof(struct scmlb_fw_set_opts, proto),
		 scmlb_fw_proto_name(r->proto));
	if (r->src_to) {
		format_ports(ports, sizeof(ports), r->src_from, r->src_to);
		line_opt(l, scmlb_fw_set_table,
			 offsetof(struct scmlb_fw_set_opts, src), ports);
	}
	if (r->dst_to) {
		format_ports(ports, sizeof(ports), r->dst_from, r->dst_to);
		line_opt(l, scmlb_fw_set_table,
			 offsetof(struct scmlb_fw_set_opts, dst), ports);
	}
}

/*
 * "dos set -p PROTO [-t TYPE] -l N -b DURATION [--prefix-len N]" (the
 * prefix when not the default), or "... --global -l N"
 */
void scmlb_line_policy(struct scmlb_line *l, const struct scmlb_conf_policy *p)
{
	__u32 class = p->class, limit = p->limit, block = p->block;
	char buf[24];

	line_start(l, "dos", "set");
	line_opt(l, scmlb_dos_set_table,
		 offsetof(struct scmlb_dos_set_opts, proto),
		 scmlb_dos_class_proto(class));
	if (*scmlb_dos_class_type(class))
		line_opt(l, scmlb_dos_set_table,
			 offsetof(struct scmlb_dos_set_opts, type),
			 scmlb_dos_class_type(class));
	if (class == SCMLB_DOS_SYN_GLOBAL &&
	    !scmlb_opt_flag(scmlb_dos_set_table,
			    offsetof(struct scmlb_dos_set_opts, global), buf,
			    sizeof(buf)))
		line_add(l, buf);
	snprintf(buf, sizeof(buf), "%u", limit);
	line_opt(l, scmlb_dos_set_table,
		 offsetof(struct scmlb_dos_set_opts, limit), buf);
	if (class == SCMLB_DOS_SYN_GLOBAL)
		return;
	scmlb_format_duration(buf, sizeof(buf), block);
	line_opt(l, scmlb_dos_set_table,
		 offsetof(struct scmlb_dos_set_opts, block), buf);
	if (!p->prefix_len || p->prefix_len == SCMLB_DOS_DEFAULT_PREFIX_LEN)
		return;
	snprintf(buf, sizeof(buf), "%u", p->prefix_len);
	line_opt(l, scmlb_dos_set_table,
		 offsetof(struct scmlb_dos_set_opts, prefix_len), buf);
}

/* The words of @l, a blank between each, and a newline. */
int scmlb_line_print(const struct scmlb_line *l, FILE *f)
{
	int i;

	for (i = 0; i < l->argc; i++)
		if (fprintf(f, "%s%s", i ? " " : "", l->argv[i]) < 0)
			return -EIO;
	return fputc('\n', f) == EOF ? -EIO : 0;
}

/**
 * scmlb_conf_print() - a configuration as scmlb-save prints it
 * @c: the configuration, in id order
 * @f: where to
 *
 * A header names the version and layout; then the attach line, the
 * firewall rules and DoS policies (so that a restore protects before it
 * balances), the services and the backends, each drained one followed by
 * its drain line. The same configuration always prints the same bytes.
 *
 * Return: 0 or -EIO.
 */
int scmlb_conf_print(const struct scmlb_conf *c, FILE *f)
{
	struct scmlb_line *l = malloc(sizeof(*l));
	size_t i;
	int err = 0;

	if (!l)
		return -ENOMEM;
	if (fprintf(f, "# scmlb-save " SCMLB_VERSION ", layout " SCMLB_LAYOUT_FMT
		    "; read it back with scmlb-restore\n"
		    "# lb set -s N and lb drain -i N: services and backends "
		    "numbered from 1 in this file's order\n",
		    SCMLB_LAYOUT_ARGS(SCMLB_LAYOUT_VERSION)) < 0)
		err = -EIO;
	if (!err && c->attach.line) {
		scmlb_line_attach(l, c);
		err = scmlb_line_print(l, f);
	}
	for (i = 0; !err && i < c->n_rules; i++) {
		scmlb_line_rule(l, &c->rules[i]);
		err = scmlb_line_print(l, f);
	}
	for (i = 0; !err && i < c->n_policies; i++) {
		scmlb_line_policy(l, &c->policies[i]);
		err = scmlb_line_print(l, f);
	}
	for (i = 0; !err && i < c->n_svcs; i++) {
		if (c->svcs[i].attach)
			continue;
		scmlb_line_service(l, &c->svcs[i].svc);
		err = scmlb_line_print(l, f);
	}
	for (i = 0; !err && i < c->n_bes; i++) {
		const struct scmlb_backend *be = &c->bes[i].be;

		scmlb_line_backend(l, be, be->service_id,
				   c->svcs[be->service_id - 1].svc.port);
		err = scmlb_line_print(l, f);
		if (!err && be->status == SCMLB_BACKEND_DRAINED) {
			scmlb_line_drain(l, (__u32)i + 1);
			err = scmlb_line_print(l, f);
		}
	}
	if (!err && fflush(f))
		err = -EIO;
	free(l);
	return err;
}

/*
 * Parsing. A line is words separated by blanks, or a comment: its first
 * word starts with '#'. The first word names the tool, the rest is that
 * tool's command line, parsed by the tool's own option tables and checks.
 */

static int parse_only(struct scmlb_ctx *ctx, const void *opts)
{
	/* these tables are parsed by scmlb_parse_cmdline(), never run */
	(void)ctx;
	(void)opts;
	return SCMLB_EXIT_FAIL;
}

static const struct scmlb_cmd attach_cmds[] = {
	SCMLB_ATTACH_CMD(parse_only),
	{ 0 },
};

static const struct scmlb_cmd svc_cmds[] = {
	SCMLB_SVC_SET_CMD(parse_only),
	{ 0 },
};

static const struct scmlb_cmd lb_cmds[] = {
	SCMLB_LB_SET_CMD(parse_only),
	SCMLB_LB_DRAIN_CMD(parse_only),
	{ 0 },
};

static const struct scmlb_cmd fw_cmds[] = {
	SCMLB_FW_SET_CMD(parse_only),
	{ 0 },
};

static const struct scmlb_cmd dos_cmds[] = {
	SCMLB_DOS_SET_CMD(parse_only),
	{ 0 },
};

/* The first word of a line, and the verbs it may have there. */
static const struct {
	const char *word;
	struct scmlb_tool tool;
} line_tools[] = {
	{ "attach", { "attach", NULL, attach_cmds, NULL } },
	{ "svc", { "svc", NULL, svc_cmds, NULL } },
	{ "lb", { "lb", NULL, lb_cmds, NULL } },
	{ "fw", { "fw", NULL, fw_cmds, NULL } },
	{ "dos", { "dos", NULL, dos_cmds, NULL } },
	{ "dos-protection", { "dos", NULL, dos_cmds, NULL } },
};

#define N_LINE_TOOLS (sizeof(line_tools) / sizeof(line_tools[0]))

static bool same_service(const struct scmlb_service *a,
			 const struct scmlb_service *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       a->port == b->port && !memcmp(a->vip, b->vip, sizeof(a->vip));
}

/* The line of the service with @vip as VIP, or 0. */
static unsigned int vip_line(const struct scmlb_conf *c,
			     const struct scmlb_addr *vip)
{
	size_t i;

	for (i = 0; i < c->n_svcs; i++)
		if (scmlb_addr_equal(c->svcs[i].svc.family, c->svcs[i].svc.vip,
				     vip->family, vip->addr))
			return c->svcs[i].line;
	return 0;
}

static int add_service(struct scmlb_conf *c, const struct scmlb_service *s,
		       bool attach, unsigned int line)
{
	struct scmlb_conf_service *cs;
	char vip[SCMLB_ADDR_LEN];
	size_t i;

	scmlb_format_addr(vip, sizeof(vip), s->family, s->vip);
	for (i = 0; i < c->n_svcs; i++) {
		if (same_service(&c->svcs[i].svc, s)) {
			pr_err("invalid service '%s %s %u': line %u has it already",
			       vip, scmlb_svc_proto_name(s->proto),
			       __builtin_bswap16(s->port), c->svcs[i].line);
			return SCMLB_EXIT_USAGE;
		}
	}
	for (i = 0; i < c->n_bes; i++) {
		if (scmlb_addr_equal(c->bes[i].be.family, c->bes[i].be.addr,
				     s->family, s->vip)) {
			pr_err("invalid VIP '%s': it is the address of the "
			       "backend of line %u", vip, c->bes[i].line);
			return SCMLB_EXIT_USAGE;
		}
	}
	cs = CONF_ADD(c->svcs, c->n_svcs);
	if (!cs) {
		pr_err("out of memory");
		return SCMLB_EXIT_FAIL;
	}
	cs->svc = *s;
	cs->attach = attach;
	cs->line = line;
	return SCMLB_EXIT_OK;
}

static int take_attach(struct scmlb_conf *c, const struct scmlb_attach_opts *o,
		       unsigned int line)
{
	struct scmlb_svc_set_opts so = { .vip = o->vip,
					 .scheduler = SCMLB_SCHED_RR };
	struct scmlb_service s = scmlb_svc_set_service(&so);

	if (c->attach.line) {
		pr_err("a second attach line: line %u has one", c->attach.line);
		return SCMLB_EXIT_USAGE;
	}
	if (c->n_svcs || c->n_bes || c->n_rules || c->n_policies) {
		pr_err("attach after other lines: it comes first");
		return SCMLB_EXIT_USAGE;
	}
	c->attach.line = line;
	snprintf(c->attach.upstream, sizeof(c->attach.upstream), "%s",
		 o->upstream);
	c->attach.mode = o->mode;
	c->attach.ct_size = o->ct_size;
	return o->vip.family ? add_service(c, &s, true, line) : SCMLB_EXIT_OK;
}

static int take_service(struct scmlb_conf *c, const struct scmlb_svc_set_opts *o,
			unsigned int line)
{
	struct scmlb_service s = scmlb_svc_set_service(o);

	return add_service(c, &s, false, line);
}

/* What scmlb-lb set refuses as bad usage, for this file's services. */
static int take_backend(struct scmlb_conf *c, const struct scmlb_lb_set_opts *o,
			unsigned int line)
{
	const struct scmlb_service *svc;
	struct scmlb_conf_backend *cb;
	__u32 number = o->service;
	unsigned int other;
	__be16 port;
	char addr[SCMLB_ADDR_LEN];
	size_t i;

	scmlb_format_addr(addr, sizeof(addr), o->addr.family, o->addr.addr);
	if (!number && c->n_svcs != 1) {
		if (c->n_svcs)
			pr_err("missing service: there are %zu, choose one with -s",
			       c->n_svcs);
		else
			pr_err("no service to add backend '%s' to: attach -v or "
			       "svc set comes first", addr);
		return SCMLB_EXIT_USAGE;
	}
	if (!number)
		number = 1;
	if (number > c->n_svcs) {
		pr_err("invalid service '%u': the lines before add %zu service%s",
		       number, c->n_svcs, c->n_svcs == 1 ? "" : "s");
		return SCMLB_EXIT_USAGE;
	}
	svc = &c->svcs[number - 1].svc;
	if (scmlb_lb_set_family_check(o, svc, number) ||
	    scmlb_lb_set_port_check(o, svc, number))
		return SCMLB_EXIT_USAGE;
	other = vip_line(c, &o->addr);
	if (other) {
		pr_err("invalid address '%s': it is the VIP of line %u", addr,
		       other);
		return SCMLB_EXIT_USAGE;
	}
	port = o->port ? __builtin_bswap16(o->port & 0xffff) : svc->port;
	for (i = 0; i < c->n_bes; i++) {
		const struct scmlb_backend *be = &c->bes[i].be;

		if (be->service_id == number &&
		    scmlb_addr_equal(be->family, be->addr, o->addr.family,
				     o->addr.addr) &&
		    be->port == port) {
			pr_err("invalid address '%s': line %u has it in service "
			       "%u already", addr, c->bes[i].line, number);
			return SCMLB_EXIT_USAGE;
		}
	}
	cb = CONF_ADD(c->bes, c->n_bes);
	if (!cb) {
		pr_err("out of memory");
		return SCMLB_EXIT_FAIL;
	}
	cb->line = line;
	cb->be.family = o->addr.family;
	memcpy(cb->be.addr, o->addr.addr, sizeof(cb->be.addr));
	cb->be.port = port;
	cb->be.service_id = number;
	cb->be.weight = o->weight ? o->weight : 1;
	cb->be.status = SCMLB_BACKEND_AVAILABLE;
	snprintf(cb->be.name, sizeof(cb->be.name), "%s", o->name);
	if (o->healthcheck)
		snprintf(cb->be.healthcheck, sizeof(cb->be.healthcheck), "%s",
			 o->healthcheck);
	return SCMLB_EXIT_OK;
}

static int take_drain(struct scmlb_conf *c, const struct scmlb_lb_id_opts *o)
{
	if (o->id > c->n_bes) {
		pr_err("invalid id '%u': the lines before add %zu backend%s",
		       o->id, c->n_bes, c->n_bes == 1 ? "" : "s");
		return SCMLB_EXIT_USAGE;
	}
	c->bes[o->id - 1].be.status = SCMLB_BACKEND_DRAINED;
	return SCMLB_EXIT_OK;
}

static int take_rule(struct scmlb_conf *c, const struct scmlb_fw_set_opts *o,
		     unsigned int line)
{
	struct scmlb_conf_rule *cr = CONF_ADD(c->rules, c->n_rules);

	if (!cr) {
		pr_err("out of memory");
		return SCMLB_EXIT_FAIL;
	}
	cr->line = line;
	cr->rule.family = o->network.family;
	memcpy(cr->addr, o->network.addr, sizeof(cr->addr));
	cr->rule.addr = o->network.family == SCMLB_AF_INET6 ?
			SCMLB_FW6_RULE_ADDR : o->network.addr[0];
	cr->rule.prefixlen = o->network.prefixlen;
	cr->rule.proto = o->proto;
	cr->rule.src_from = o->src.from;
	cr->rule.src_to = o->src.to;
	cr->rule.dst_from = o->dst.from;
	cr->rule.dst_to = o->dst.to;
	return SCMLB_EXIT_OK;
}

static int take_policy(struct scmlb_conf *c, const struct scmlb_dos_set_opts *o,
		       unsigned int line)
{
	struct scmlb_conf_policy *cp;
	size_t i;

	for (i = 0; i < c->n_policies; i++) {
		if (c->policies[i].class == o->class) {
			pr_err("invalid policy '%s%s%s%s': line %u has one for it",
			       scmlb_dos_class_proto(o->class),
			       o->type ? " " : "", o->type ? o->type : "",
			       o->global ? " --global" : "",
			       c->policies[i].line);
			return SCMLB_EXIT_USAGE;
		}
	}
	cp = CONF_ADD(c->policies, c->n_policies);
	if (!cp) {
		pr_err("out of memory");
		return SCMLB_EXIT_FAIL;
	}
	cp->line = line;
	cp->class = o->class;
	cp->limit = o->limit ? o->limit : SCMLB_DOS_DEFAULT_LIMIT;
	cp->block = scmlb_dos_set_block(o);
	cp->prefix_len = o->global ? 0 : scmlb_dos_set_prefix_len(o);
	return SCMLB_EXIT_OK;
}

/*
 * Split @text into @words at blanks; -E2BIG: too many. A comment is a
 * whole line: a name may start with '#'.
 */
static int split(char *text, char **words, int max, int *n)
{
	char *p = text + strspn(text, " \t");

	*n = 0;
	if (*p == '#')
		return 0;
	for (;;) {
		p += strspn(p, " \t");
		if (!*p)
			return 0;
		if (*n == max)
			return -E2BIG;
		words[(*n)++] = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
}

static int take_line(struct scmlb_conf *c, char *text, unsigned int line)
{
	char *words[SCMLB_CONF_WORDS + 1];
	const struct scmlb_tool *tool = NULL;
	const struct scmlb_cmd *cmd;
	const char *common;
	const unsigned char *p;
	void *opts;
	int n, ret;
	size_t i;

	for (p = (const unsigned char *)text; *p; p++) {
		if ((*p < ' ' && *p != '\t') || *p > '~') {
			pr_err("invalid character 0x%02x: a line is printable "
			       "ASCII", *p);
			return SCMLB_EXIT_USAGE;
		}
	}
	/* words[0] becomes the tool's name, as argv[0] */
	if (split(text, words, SCMLB_CONF_WORDS, &n)) {
		pr_err("more than %d words", SCMLB_CONF_WORDS);
		return SCMLB_EXIT_USAGE;
	}
	if (!n)
		return SCMLB_EXIT_OK;
	for (i = 0; i < N_LINE_TOOLS; i++)
		if (!strcmp(words[0], line_tools[i].word))
			tool = &line_tools[i].tool;
	if (!tool) {
		pr_err("unknown command '%s': expected attach, svc, lb, fw or dos",
		       words[0]);
		return SCMLB_EXIT_USAGE;
	}
	words[n] = NULL;
	ret = scmlb_parse_cmdline(tool, n, words, &cmd, &opts, &common);
	if (ret != SCMLB_EXIT_OK)
		return ret;
	if (common) {
		pr_err("invalid option '--%s': a configuration line does not take it",
		       common);
		ret = SCMLB_EXIT_USAGE;
	} else if (cmd->opts == scmlb_attach_table) {
		ret = take_attach(c, opts, line);
	} else if (cmd->opts == scmlb_svc_set_table) {
		ret = take_service(c, opts, line);
	} else if (cmd->opts == scmlb_lb_set_table) {
		ret = take_backend(c, opts, line);
	} else if (cmd->opts == scmlb_lb_id_table) {
		ret = take_drain(c, opts);
	} else if (cmd->opts == scmlb_fw_set_table) {
		ret = take_rule(c, opts, line);
	} else {
		ret = take_policy(c, opts, line);
	}
	free(opts);
	return ret;
}

/**
 * scmlb_line_opts() - parse a line as its tool does, to run its verb here
 * @l:    a line that scmlb_line_*() made: attach, svc set, lb set, lb
 *        drain, fw set or dos set; getopt reorders its words
 * @opts: set to the verb's options struct, parsed and checked (free() it)
 *
 * scmlb-restore runs each line in its own process with the options the
 * tool would have parsed from the same words.
 *
 * Return: SCMLB_EXIT_OK, or an exit status after the error line.
 */
int scmlb_line_opts(struct scmlb_line *l, void **opts)
{
	const struct scmlb_cmd *cmd;
	const char *common;
	size_t i;

	*opts = NULL;
	for (i = 0; i < N_LINE_TOOLS; i++)
		if (l->argc && !strcmp(l->argv[0], line_tools[i].word))
			return scmlb_parse_cmdline(&line_tools[i].tool, l->argc,
						   l->argv, &cmd, opts, &common);
	pr_err("unknown command '%s'", l->argc ? l->argv[0] : "");
	return SCMLB_EXIT_USAGE;
}

/**
 * scmlb_conf_parse_line() - add one line to a configuration
 * @c:    the configuration so far
 * @text: the line, without its newline; split in place
 * @line: its number, for messages and for the objects it adds
 *
 * Checks what the tools check (through their option tables), and what
 * their verbs would refuse as bad usage given the lines before: unknown
 * services and backends, duplicates, a backend at a VIP.
 *
 * Return: SCMLB_EXIT_OK, or SCMLB_EXIT_USAGE (SCMLB_EXIT_FAIL when out of
 * memory) after printing one error line that starts "line N: ".
 */
int scmlb_conf_parse_line(struct scmlb_conf *c, char *text, unsigned int line)
{
	char where[24];
	int ret;

	snprintf(where, sizeof(where), "line %u", line);
	scmlb_log_set_context(where);
	ret = take_line(c, text, line);
	scmlb_log_set_context(NULL);
	c->lines = line;
	return ret;
}

/**
 * scmlb_conf_parse() - read a configuration
 * @f: the lines
 * @c: set to the configuration; free it with scmlb_conf_free()
 *
 * Stops at the first bad line.
 *
 * Return: SCMLB_EXIT_OK, SCMLB_EXIT_USAGE after printing the error line
 * (which names the line), or SCMLB_EXIT_FAIL when @f cannot be read.
 */
int scmlb_conf_parse(FILE *f, struct scmlb_conf *c)
{
	unsigned int line = 0;
	char *text = NULL;
	size_t size = 0;
	ssize_t len;
	int ret = SCMLB_EXIT_OK;

	memset(c, 0, sizeof(*c));
	while (ret == SCMLB_EXIT_OK && (len = getline(&text, &size, f)) >= 0) {
		line++;
		if (len && text[len - 1] == '\n')
			text[--len] = '\0';
		if (len && text[len - 1] == '\r')
			text[--len] = '\0';
		if ((size_t)len >= SCMLB_CONF_LINE_MAX) {
			pr_err("line %u: longer than %d characters", line,
			       SCMLB_CONF_LINE_MAX - 1);
			ret = SCMLB_EXIT_USAGE;
		} else if (strlen(text) != (size_t)len) {
			pr_err("line %u: invalid character 0x00: a line is "
			       "printable ASCII", line);
			ret = SCMLB_EXIT_USAGE;
		} else {
			ret = scmlb_conf_parse_line(c, text, line);
		}
	}
	if (ret == SCMLB_EXIT_OK && ferror(f)) {
		pr_err("cannot read line %u: %s", line + 1, strerror(errno));
		ret = SCMLB_EXIT_FAIL;
	}
	free(text);
	return ret;
}
