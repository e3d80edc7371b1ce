// SPDX-License-Identifier: GPL-2.0
/* verbs.c - options, value parsers and checks of the verbs a configuration is made of */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/in.h>

#include "dos.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "verbs.h"

/*
 * The value parsers only these verbs use; the ones several tools share are
 * in args.c.
 */

static int parse_ct_size(const char *s, void *out, const char **why)
{
	__u32 v;

	if (scmlb_parse_u32(s, &v, why))
		return -EINVAL;
	if (v < SCMLB_CT_MIN_SIZE || v > SCMLB_CT_MAX_SIZE) {
		*why = "expected 16 to 16777216 entries";
		return -EINVAL;
	}
	*(__u32 *)out = v;
	return 0;
}

static int parse_svc_proto(const char *s, void *out, const char **why)
{
	if (!strcmp(s, "tcp"))
		*(__u8 *)out = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*(__u8 *)out = IPPROTO_UDP;
	else if (!strcmp(s, "any"))
		*(__u8 *)out = 0;
	else {
		*why = "expected tcp, udp or any";
		return -EINVAL;
	}
	return 0;
}

static int parse_scheduler(const char *s, void *out, const char **why)
{
	if (!strcmp(s, "rr"))
		*(__u8 *)out = SCMLB_SCHED_RR;
	else if (!strcmp(s, "wrr"))
		*(__u8 *)out = SCMLB_SCHED_WRR;
	else if (!strcmp(s, "maglev"))
		*(__u8 *)out = SCMLB_SCHED_MAGLEV;
	else {
		*why = "expected rr, wrr or maglev";
		return -EINVAL;
	}
	return 0;
}

static int parse_forward(const char *s, void *out, const char **why)
{
	if (!strcmp(s, "nat"))
		*(__u8 *)out = SCMLB_FWD_NAT;
	else if (!strcmp(s, "dr"))
		*(__u8 *)out = SCMLB_FWD_DR;
	else if (!strcmp(s, "ipip"))
		*(__u8 *)out = SCMLB_FWD_IPIP;
	else {
		*why = "expected nat, dr or ipip";
		return -EINVAL;
	}
	return 0;
}

/* -p: the port, marked as given (0 is refused later, with the service). */
static int parse_backend_port(const char *s, void *out, const char **why)
{
	__be16 port;

	if (scmlb_parse_port(s, &port, why))
		return -EINVAL;
	*(__u32 *)out = SCMLB_LB_PORT_GIVEN | __builtin_bswap16(port);
	return 0;
}

static int parse_dos_proto(const char *s, void *out, const char **why)
{
	if (scmlb_parse_l4_proto(s, out, why) || !*(__u8 *)out) {
		*why = "expected tcp, udp or icmp";
		return -EINVAL;
	}
	return 0;
}

static int parse_limit(const char *s, void *out, const char **why)
{
	if (scmlb_parse_u32(s, out, why))
		return -EINVAL;
	if (!*(__u32 *)out) {
		*why = "the limit is at least 1 packet per second";
		return -EINVAL;
	}
	return 0;
}

/* --prefix-len: how much of an IPv6 source counts as one, /32 to /128. */
static int parse_prefix_len(const char *s, void *out, const char **why)
{
	__u32 len;

	if (scmlb_parse_u32(s, &len, why) || len < 32 || len > 128) {
		*why = "the prefix length must be 32 to 128";
		return -EINVAL;
	}
	*(__u8 *)out = (__u8)len;
	return 0;
}

/* -b: whole seconds, or 0 for rules that stay until the policy goes. */
static int parse_block_time(const char *s, void *out, const char **why)
{
	__u64 ns = 0;

	if (strcmp(s, "0") && scmlb_parse_duration(s, &ns, why))
		return -EINVAL;
	if (ns % 1000000000ULL || ns / 1000000000ULL > 0xffffffffULL) {
		*why = "expected whole seconds, like 30s, 10m or 1h, or 0 for "
		       "until the policy is deleted";
		return -EINVAL;
	}
	*(__u64 *)out = SCMLB_DOS_BLOCK_GIVEN | ns / 1000000000ULL;
	return 0;
}

const struct scmlb_opt scmlb_attach_table[] = {
	{ "upstream", 'u', "IFACE", "interface", scmlb_parse_ifname,
	  offsetof(struct scmlb_attach_opts, upstream), true,
	  "the interface clients reach the VIP through" },
	{ "vip", 'v', "ADDR", "VIP", scmlb_parse_vip,
	  offsetof(struct scmlb_attach_opts, vip), false,
	  "add service 1: every port of this IPv4 or IPv6 address, round robin" },
	{ "mode", 'm', "native|skb", "mode", scmlb_parse_mode,
	  offsetof(struct scmlb_attach_opts, mode), false,
	  "XDP mode: native (default) or skb" },
	{ "conntrack-size", 0, "N", "conntrack size", parse_ct_size,
	  offsetof(struct scmlb_attach_opts, ct_size), false,
	  "flows tracked before the oldest are evicted (default 262144)" },
	{ 0 },
};

int scmlb_svc_set_check(const void *opts)
{
	const struct scmlb_svc_set_opts *o = opts;

	if (o->port && !o->proto) {
		pr_err("invalid port '%u': a port needs --protocol tcp or udp",
		       __builtin_bswap16(o->port));
		return SCMLB_EXIT_USAGE;
	}
	if (o->syn_proxy && o->proto != IPPROTO_TCP) {
		pr_err("invalid option '--syn-proxy': it needs --protocol tcp");
		return SCMLB_EXIT_USAGE;
	}
	if (o->syn_proxy && o->forward != SCMLB_FWD_NAT) {
		pr_err("invalid option '--syn-proxy': it needs --forward nat "
		       "(the backends' replies must come back through scmlb)");
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

/* The service svc set describes, before it has an id. */
struct scmlb_service scmlb_svc_set_service(const struct scmlb_svc_set_opts *o)
{
	return (struct scmlb_service){
		.family = o->vip.family,
		.proto = o->proto,
		.port = o->port,
		.vip = { o->vip.addr[0], o->vip.addr[1], o->vip.addr[2],
			 o->vip.addr[3] },
		.scheduler = o->scheduler,
		.forward = o->forward,
		.flags = o->syn_proxy ? SCMLB_SVC_SYN_PROXY : 0,
	};
}

const struct scmlb_opt scmlb_svc_set_table[] = {
	{ "vip", 'v', "ADDR", "VIP", scmlb_parse_vip,
	  offsetof(struct scmlb_svc_set_opts, vip), true,
	  "the virtual IPv4 or IPv6 address" },
	{ "protocol", 't', "tcp|udp|any", "protocol", parse_svc_proto,
	  offsetof(struct scmlb_svc_set_opts, proto), false,
	  "the protocol it takes (default any)" },
	{ "port", 'P', "PORT", "port", scmlb_parse_port,
	  offsetof(struct scmlb_svc_set_opts, port), false,
	  "the port it takes, 0 for every port (default 0)" },
	{ "scheduler", 'S', "rr|wrr|maglev", "scheduler", parse_scheduler,
	  offsetof(struct scmlb_svc_set_opts, scheduler), false,
	  "round robin (default), weighted round robin or Maglev hashing" },
	{ "forward", 0, "nat|dr|ipip", "forwarding", parse_forward,
	  offsetof(struct scmlb_svc_set_opts, forward), false,
	  "how packets reach the backends: nat (default), dr (only the "
	  "destination MAC changes) or ipip (in IPIP); with dr and ipip the "
	  "backends answer the clients directly" },
	{ "syn-proxy", 0, NULL, NULL, NULL,
	  offsetof(struct scmlb_svc_set_opts, syn_proxy), false,
	  "TCP, nat: answer clients' handshakes with SYN cookies; only "
	  "completed handshakes reach a backend" },
	{ 0 },
};

const struct scmlb_opt scmlb_lb_set_table[] = {
	{ "name", 'n', "NAME", "name", scmlb_parse_name,
	  offsetof(struct scmlb_lb_set_opts, name), true,
	  "the backend's name (up to 31 characters)" },
	{ "address", 'a', "ADDR", "address", scmlb_parse_addr,
	  offsetof(struct scmlb_lb_set_opts, addr), true,
	  "the backend's IPv4 or IPv6 address, of its service's family" },
	{ "healthcheck", 'c', "URL", "health-check URL", scmlb_parse_http_url,
	  offsetof(struct scmlb_lb_set_opts, healthcheck), false,
	  "http://HOST[:PORT]/PATH that answers 2xx while the backend is healthy" },
	{ "service", 's', "ID", "service", scmlb_parse_id,
	  offsetof(struct scmlb_lb_set_opts, service), false,
	  "the service it serves (needed when there is more than one)" },
	{ "weight", 'w', "N", "weight", scmlb_parse_weight,
	  offsetof(struct scmlb_lb_set_opts, weight), false,
	  "its share of new connections under wrr and maglev, 1 to 65535 (default 1)" },
	{ "port", 'p', "PORT", "port", parse_backend_port,
	  offsetof(struct scmlb_lb_set_opts, port), false,
	  "its port, for a service with a port (default: the service's)" },
	{ 0 },
};

/**
 * scmlb_lb_set_port_check() - what scmlb-lb set refuses of -p for its service
 * @o:      the line's options
 * @svc:    the service the backend joins
 * @number: the service as the error line names it: its id, or its number
 *          in a configuration file
 *
 * A service of every port keeps the client's port; dr and ipip cannot
 * change a port at all (the packet reaches the backend as the client
 * sent it), so their backends take the service's.
 *
 * Return: SCMLB_EXIT_OK, or SCMLB_EXIT_USAGE with the error line printed.
 */
int scmlb_lb_set_port_check(const struct scmlb_lb_set_opts *o,
			    const struct scmlb_service *svc, __u32 number)
{
	__u16 port = o->port & 0xffff, svc_port = __builtin_bswap16(svc->port);

	if (o->port && !svc->port) {
		pr_err("invalid port '%u': service %u takes every port, so its "
		       "backends keep the client's", port, number);
		return SCMLB_EXIT_USAGE;
	}
	if (o->port == SCMLB_LB_PORT_GIVEN) {
		pr_err("invalid port '0': a backend of service %u needs a port",
		       number);
		return SCMLB_EXIT_USAGE;
	}
	if (o->port && svc->forward != SCMLB_FWD_NAT && port != svc_port) {
		pr_err("invalid port '%u': service %u forwards by %s, which "
		       "keeps the client's port %u", port, number,
		       svc->forward == SCMLB_FWD_DR ? "dr" : "ipip", svc_port);
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

static const char *family_name(__u8 family)
{
	return family == SCMLB_AF_INET6 ? "IPv6" : "IPv4";
}

/**
 * scmlb_lb_set_family_check() - refuse a backend of the other family than its service
 * @o:      the line's options
 * @svc:    the service the backend joins
 * @number: the service as the error line names it
 *
 * A service's VIP and its backends are of one family: NAT64 is not done.
 *
 * Return: SCMLB_EXIT_OK, or SCMLB_EXIT_USAGE with the error line printed.
 */
int scmlb_lb_set_family_check(const struct scmlb_lb_set_opts *o,
			      const struct scmlb_service *svc, __u32 number)
{
	char addr[SCMLB_ADDR_LEN];

	if (o->addr.family == svc->family)
		return SCMLB_EXIT_OK;
	scmlb_format_addr(addr, sizeof(addr), o->addr.family, o->addr.addr);
	pr_err("service %u is %s: backend %s is %s", number,
	       family_name(svc->family), addr, family_name(o->addr.family));
	return SCMLB_EXIT_USAGE;
}

const struct scmlb_opt scmlb_lb_id_table[] = {
	{ "id", 'i', "ID", "id", scmlb_parse_id,
	  offsetof(struct scmlb_lb_id_opts, id), true,
	  "the backend's id, as set printed it" },
	{ 0 },
};

int scmlb_fw_set_check(const void *opts)
{
	const struct scmlb_fw_set_opts *o = opts;
	const struct scmlb_port_range *r = o->src.to ? &o->src : &o->dst;

	if (o->proto == 1 && r->to) {
		if (r->from == r->to)
			pr_err("invalid port range '%u': icmp has no ports", r->to);
		else
			pr_err("invalid port range '%u-%u': icmp has no ports",
			       r->from, r->to);
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

const struct scmlb_opt scmlb_fw_set_table[] = {
	{ "network", 'n', "CIDR", "network", scmlb_parse_cidr,
	  offsetof(struct scmlb_fw_set_opts, network), false,
	  "source network, like 10.0.0.0/8 (default 0.0.0.0/0)" },
	{ "protocol", 't', "any|icmp|tcp|udp", "protocol", scmlb_parse_l4_proto,
	  offsetof(struct scmlb_fw_set_opts, proto), false,
	  "protocol the rule drops (default any)" },
	/* -p as in scmlb-dos set (no help text: an alias of the entry above) */
	{ "protocol", 'p', "any|icmp|tcp|udp", "protocol", scmlb_parse_l4_proto,
	  offsetof(struct scmlb_fw_set_opts, proto), false, NULL },
	{ "src-port", 's', "PORTS", "port range", scmlb_parse_port_range,
	  offsetof(struct scmlb_fw_set_opts, src), false,
	  "source port or FROM-TO range (default 0: any port)" },
	{ "dst-port", 'd', "PORTS", "port range", scmlb_parse_port_range,
	  offsetof(struct scmlb_fw_set_opts, dst), false,
	  "destination port or FROM-TO range (default 0: any port)" },
	{ 0 },
};

/* Also works out the policy's class from its protocol and type. */
int scmlb_dos_set_check(const void *opts)
{
	struct scmlb_dos_set_opts *o = (struct scmlb_dos_set_opts *)opts;
	const char *why = NULL;

	if (scmlb_dos_class_parse(o->proto, o->type, o->global, &o->class,
				  &why)) {
		if (o->global)
			pr_err("invalid option '--global': %s", why);
		else if (o->type)
			pr_err("invalid packet type '%s': %s", o->type, why);
		else
			pr_err("missing option '--type' for protocol 'tcp': %s", why);
		return SCMLB_EXIT_USAGE;
	}
	if (o->global && o->prefix_len) {
		pr_err("invalid option '--prefix-len' with '--global': a "
		       "global budget counts no sources");
		return SCMLB_EXIT_USAGE;
	}
	if (o->global && o->block) {
		pr_err("invalid option '--block-time' with '--global': a "
		       "global budget adds no firewall rules");
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

/* How much of an IPv6 source a set line counts as one: --prefix-len, or 128. */
__u8 scmlb_dos_set_prefix_len(const struct scmlb_dos_set_opts *o)
{
	return o->prefix_len ? o->prefix_len : SCMLB_DOS_DEFAULT_PREFIX_LEN;
}

/* The block time a set line gives: -b, or the default 10m. */
__u32 scmlb_dos_set_block(const struct scmlb_dos_set_opts *o)
{
	if (o->global)
		return 0;
	return o->block ? (__u32)o->block : SCMLB_DOS_DEFAULT_BLOCK;
}

const struct scmlb_opt scmlb_dos_set_table[] = {
	{ "protocol", 'p', "tcp|udp|icmp", "protocol", parse_dos_proto,
	  offsetof(struct scmlb_dos_set_opts, proto), true,
	  "protocol the policy watches" },
	{ "type", 't', "TYPE", "packet type", scmlb_parse_string,
	  offsetof(struct scmlb_dos_set_opts, type), false,
	  "tcp only: syn, ack, fin, rst, psh, urg, ece or cwr" },
	{ "global", 0, NULL, NULL, NULL,
	  offsetof(struct scmlb_dos_set_opts, global), false,
	  "with -p tcp -t syn: a budget of new half-open flows per second for "
	  "all sources together, not per source" },
	{ "limit", 'l', "N", "limit", parse_limit,
	  offsetof(struct scmlb_dos_set_opts, limit), false,
	  "packets per second one source may send (default 256); with "
	  "--global, new flows per second" },
	{ "block-time", 'b', "DURATION", "block time", parse_block_time,
	  offsetof(struct scmlb_dos_set_opts, block), false,
	  "how long the firewall rule of a flooding source stays, like 30s, "
	  "10m, 1h (default 10m); 0: until the policy is deleted" },
	{ "prefix-len", 0, "N", "prefix length", parse_prefix_len,
	  offsetof(struct scmlb_dos_set_opts, prefix_len), false,
	  "IPv6 sources only: count each /N (32 to 128) as one source and "
	  "block it whole, since one host owns a /64 (default 128)" },
	{ 0 },
};

/**
 * scmlb_opt_flag() - how a line gives the option of a verb's struct field
 * @table:  the verb's options
 * @offset: the field, as offsetof() in the verb's options struct
 * @buf:    set to "-n", or "--conntrack-size" for an option without a
 *          short name
 * @size:   room in @buf
 *
 * scmlb-save writes its lines through this, so they use the tools' names.
 *
 * Return: 0, or -ENOENT when no option fills that field.
 */
int scmlb_opt_flag(const struct scmlb_opt *table, size_t offset, char *buf,
		   size_t size)
{
	const struct scmlb_opt *o;

	for (o = table; o->name; o++) {
		if (o->offset != offset)
			continue;
		if (o->short_name)
			snprintf(buf, size, "-%c", o->short_name);
		else
			snprintf(buf, size, "--%s", o->name);
		return 0;
	}
	return -ENOENT;
}
