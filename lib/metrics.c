// SPDX-License-Identifier: GPL-2.0
/* metrics.c - the packet counters, and all of an instance as Prometheus metrics */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backends.h"
#include "conntrack.h"
#include "dos.h"
#include "fw.h"
#include "metrics.h"
#include "output.h"
#include "services.h"

#ifndef SCMLB_VERSION
#define SCMLB_VERSION "unknown"
#endif

/* Each protocol's counters of one map (stat_pkts, stat6_pkts), summed over the CPUs. */
static int stats_map_read(int fd, struct scmlb_stats per_proto[SCMLB_STAT_PROTOS])
{
	__u32 proto;
	int err = 0;

	_Static_assert(sizeof(struct scmlb_stats) % sizeof(__u64) == 0,
		       "only __u64 counters");
	for (proto = 0; !err && proto < SCMLB_STAT_PROTOS; proto++)
		err = scmlb_percpu_read_sum(fd, proto, (__u64 *)&per_proto[proto],
					    sizeof(per_proto[proto]) / sizeof(__u64));
	return err;
}

/**
 * scmlb_stats_read() - the packet counters of each protocol, summed over the CPUs
 * @ctx:       the run, with the maps open
 * @which:     both families (and frames of neither), or IPv6 alone; an
 *             IPv6 packet is counted in stat6_pkts only, under its L4
 *             protocol (ICMPv6 as icmp)
 * @per_proto: filled, indexed by enum scmlb_stat_proto
 *
 * Return: 0 or -errno.
 */
int scmlb_stats_read(const struct scmlb_ctx *ctx, enum scmlb_stats_family which,
		     struct scmlb_stats per_proto[SCMLB_STAT_PROTOS])
{
	struct scmlb_stats v6[SCMLB_STAT_PROTOS];
	const size_t n = sizeof(v6[0]) / sizeof(__u64);
	__u32 proto;
	size_t i;
	int err;

	err = stats_map_read(ctx->maps.stats6, v6);
	if (err || which == SCMLB_STATS_IPV6) {
		memcpy(per_proto, v6, sizeof(v6));
		return err;
	}
	err = stats_map_read(ctx->maps.stats, per_proto);
	for (proto = 0; !err && proto < SCMLB_STAT_PROTOS; proto++)
		for (i = 0; i < n; i++)
			((__u64 *)&per_proto[proto])[i] += ((__u64 *)&v6[proto])[i];
	return err;
}

/* The counters of every protocol added up, as scmlb-stat shows them. */
void scmlb_stats_sum(const struct scmlb_stats per_proto[SCMLB_STAT_PROTOS],
		     struct scmlb_stats *sum)
{
	const size_t n = sizeof(*sum) / sizeof(__u64);
	__u32 proto;
	size_t i;

	memset(sum, 0, sizeof(*sum));
	for (proto = 0; proto < SCMLB_STAT_PROTOS; proto++)
		for (i = 0; i < n; i++)
			((__u64 *)sum)[i] += ((const __u64 *)&per_proto[proto])[i];
}

/* "icmp", "tcp", "udp" or "other", as scmlb-stat names the columns. */
const char *scmlb_stat_proto_name(__u32 proto)
{
	static const char *const names[SCMLB_STAT_PROTOS] = {
		[SCMLB_STAT_ICMP] = "icmp",
		[SCMLB_STAT_TCP] = "tcp",
		[SCMLB_STAT_UDP] = "udp",
		[SCMLB_STAT_OTHER] = "other",
	};

	return proto < SCMLB_STAT_PROTOS ? names[proto] : "other";
}

/**
 * scmlb_prom_label_value() - print a label value escaped as the text format wants
 * @f: where
 * @s: the value, without its quotes
 *
 * Backslash, double quote and line feed become \\, \" and \n.
 */
void scmlb_prom_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Everything the metrics show, read once. */
struct snapshot {
	struct scmlb_stats proto[SCMLB_STAT_PROTOS];	/* both families */
	struct scmlb_stats proto6[SCMLB_STAT_PROTOS];	/* IPv6's part */
	struct scmlb_service *svcs;
	size_t n_svcs;
	struct scmlb_svc_stats *svc_proxy;	/* as svcs */
	struct scmlb_backend *bes;	/* by id */
	size_t n_bes;
	struct scmlb_backend_stats *be_stats;	/* as bes */
	__u64 *be_flows;		/* as bes: flows conntrack tracks */
	size_t *be_index;		/* by backend slot: index in bes + 1 */
	__u32 *svc_backends;		/* by service slot: backends */
	__u32 *svc_up;			/* and those taking connections */
	struct scmlb_fw_entry *rules;	/* by id */
	size_t n_rules;
	struct scmlb_dos_policy pols[SCMLB_DOS_CLASSES];	/* by class */
	size_t pol_rules[SCMLB_DOS_CLASSES];
	__u64 dos_drops[SCMLB_DOS_CLASSES];
	__u64 ct_states[SCMLB_CT_UDP + 1];	/* by enum scmlb_flow_state */
};

static void snapshot_free(struct snapshot *s)
{
	free(s->svcs);
	free(s->svc_proxy);
	free(s->bes);
	free(s->be_stats);
	free(s->be_flows);
	free(s->be_index);
	free(s->svc_backends);
	free(s->svc_up);
	free(s->rules);
}

/* One client's entry: its state, and its backend's flows. */
static int count_flow(const struct scmlb_flow_key *key,
		      const struct scmlb_flow *flow, void *arg)
{
	struct snapshot *s = arg;
	size_t i;

	(void)key;
	if (flow->state <= SCMLB_CT_UDP)
		s->ct_states[flow->state]++;
	i = s->be_index[flow->backend_id % SCMLB_MAX_BACKENDS];
	if (i && s->bes[i - 1].id == flow->backend_id)
		s->be_flows[i - 1]++;
	return 0;
}

/* An IPv6 client's entry: counted with IPv4's, by state and backend. */
static int count_flow6(const struct scmlb_flow6_key *key,
		       const struct scmlb_flow *flow, void *arg)
{
	(void)key;
	return count_flow(NULL, flow, arg);
}

/*
 * Every backend's traffic, summed over the CPUs: lb_be_stats in one
 * batched read, not a lookup per backend.
 */
static int read_backend_stats(const struct scmlb_ctx *ctx, struct snapshot *s)
{
	const size_t n = sizeof(struct scmlb_backend_stats) / sizeof(__u64);
	int ncpus = libbpf_num_possible_cpus(), c;
	__u64 *all, *v;
	size_t i, k;
	int err;

	if (ncpus < 0)
		return ncpus;
	all = calloc((size_t)SCMLB_MAX_BACKENDS * ncpus, n * sizeof(__u64));
	if (!all)
		return -ENOMEM;
	err = scmlb_array_read(ctx->maps.be_stats, SCMLB_MAX_BACKENDS,
			       ncpus * n * sizeof(__u64), all);
	for (i = 0; i < s->n_bes && !err; i++) {
		v = all + (size_t)(s->bes[i].id % SCMLB_MAX_BACKENDS) * ncpus * n;
		for (c = 0; c < ncpus; c++)
			for (k = 0; k < n; k++)
				((__u64 *)&s->be_stats[i])[k] += v[c * n + k];
	}
	free(all);
	return err;
}

static int read_backends(const struct scmlb_ctx *ctx, struct snapshot *s)
{
	const struct scmlb_backend *be;
	size_t n, i;
	int err;

	_Static_assert(sizeof(struct scmlb_backend_stats) % sizeof(__u64) == 0,
		       "only __u64 counters");
	err = scmlb_backends_list(ctx, &s->bes, &s->n_bes);
	if (err)
		return err;
	n = s->n_bes ? s->n_bes : 1;
	s->be_stats = calloc(n, sizeof(*s->be_stats));
	s->be_flows = calloc(n, sizeof(*s->be_flows));
	s->be_index = calloc(SCMLB_MAX_BACKENDS, sizeof(*s->be_index));
	s->svc_backends = calloc(SCMLB_MAX_SERVICES, sizeof(*s->svc_backends));
	s->svc_up = calloc(SCMLB_MAX_SERVICES, sizeof(*s->svc_up));
	if (!s->be_stats || !s->be_flows || !s->be_index || !s->svc_backends ||
	    !s->svc_up)
		return -ENOMEM;
	for (i = 0; i < s->n_bes; i++) {
		be = &s->bes[i];
		s->be_index[be->id % SCMLB_MAX_BACKENDS] = i + 1;
		s->svc_backends[be->service_id % SCMLB_MAX_SERVICES]++;
		s->svc_up[be->service_id % SCMLB_MAX_SERVICES] +=
			scmlb_backend_takes_connections(be);
	}
	return read_backend_stats(ctx, s);
}

/* Every service's SYN proxy counters. */
static int read_svc_proxy(const struct scmlb_ctx *ctx, struct snapshot *s)
{
	size_t i;
	int err = 0;

	s->svc_proxy = calloc(s->n_svcs + 1, sizeof(*s->svc_proxy));
	if (!s->svc_proxy)
		return -ENOMEM;
	for (i = 0; i < s->n_svcs && !err; i++)
		err = scmlb_svc_stats_read(ctx, s->svcs[i].id, &s->svc_proxy[i]);
	return err;
}

/* The policies, by class, with the rules each added and its drops. */
static int read_dos(const struct scmlb_ctx *ctx, struct snapshot *s)
{
	__u32 class;
	size_t i;
	int err = 0;

	for (class = 0; !err && class < SCMLB_DOS_CLASSES; class++) {
		if (bpf_map_lookup_elem(ctx->maps.dos_policies, &class,
					&s->pols[class]))
			return -errno;
		if (!s->pols[class].id)
			continue;
		for (i = 0; i < s->n_rules; i++)
			s->pol_rules[class] +=
				s->rules[i].rule.dos_policy == s->pols[class].id;
		err = scmlb_percpu_read_sum(ctx->maps.dos_drops, class,
					    &s->dos_drops[class], 1);
	}
	return err;
}

static int snapshot_read(const struct scmlb_ctx *ctx, struct snapshot *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = scmlb_stats_read(ctx, SCMLB_STATS_ALL, s->proto);
	if (!err)
		err = scmlb_stats_read(ctx, SCMLB_STATS_IPV6, s->proto6);
	if (!err)
		err = scmlb_services_list(ctx, &s->svcs, &s->n_svcs);
	if (!err)
		err = read_svc_proxy(ctx, s);
	if (!err)
		err = read_backends(ctx, s);
	if (!err)
		err = scmlb_fw_rules_list(ctx, true, &s->rules, &s->n_rules);
	if (!err)
		err = read_dos(ctx, s);
	/* last: the longest read, and the one that needs no consistency */
	if (!err)
		err = scmlb_ct_walk_flows(ctx, count_flow, s);
	if (!err)
		err = scmlb_ct6_walk_flows(ctx, count_flow6, s);
	return err;
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void backend_labels(FILE *f, const struct scmlb_backend *be)
{
	fprintf(f, "{service=\"%u\",backend=\"%u\",name=\"", be->service_id,
		be->id);
	scmlb_prom_label_value(f, be->name);
	fputc('"', f);
}

/* The counters of struct scmlb_stats that tell what became of a packet. */
static const struct {
	const char *result;
	size_t offset;
} results[] = {
	{ "passed", offsetof(struct scmlb_stats, passed) },
	{ "fw_dropped", offsetof(struct scmlb_stats, fw_dropped) },
	{ "dos_dropped", offsetof(struct scmlb_stats, dos_dropped) },
	{ "forwarded", offsetof(struct scmlb_stats, forwarded) },
	{ "returned", offsetof(struct scmlb_stats, returned) },
	{ "nodest_dropped", offsetof(struct scmlb_stats, nodest_dropped) },
	{ "tx_errors", offsetof(struct scmlb_stats, tx_errors) },
	{ "syn_budget_dropped", offsetof(struct scmlb_stats, syn_budget_dropped) },
	{ "too_big", offsetof(struct scmlb_stats, too_big) },
};

/* The receive counter of each protocol's entry. */
static const size_t rx_offsets[SCMLB_STAT_PROTOS] = {
	[SCMLB_STAT_ICMP] = offsetof(struct scmlb_stats, rx_icmp),
	[SCMLB_STAT_TCP] = offsetof(struct scmlb_stats, rx_tcp),
	[SCMLB_STAT_UDP] = offsetof(struct scmlb_stats, rx_udp),
	[SCMLB_STAT_OTHER] = offsetof(struct scmlb_stats, rx_other),
};

static __u64 at(const void *base, size_t offset)
{
	return *(const __u64 *)((const char *)base + offset);
}

/*
 * The received and outcome counters of @proto under @prefix: "scmlb" for
 * both families, "scmlb_ipv6" for IPv6's part of them.
 */
static void print_packet_counts(FILE *f, const char *prefix, const char *what,
				const struct scmlb_stats proto[SCMLB_STAT_PROTOS])
{
	char name[64], help[512];
	__u32 p;
	size_t r;

	snprintf(name, sizeof(name), "%s_received_packets_total", prefix);
	snprintf(help, sizeof(help), "%s received on the upstream, by L4 "
		 "protocol (icmp: ICMP and ICMPv6; other: other protocols%s).",
		 what, strcmp(prefix, "scmlb") ? "" :
		 " and frames of neither family");
	family(f, name, "counter", help);
	for (p = 0; p < SCMLB_STAT_PROTOS; p++)
		fprintf(f, "%s{protocol=\"%s\"} %llu\n", name,
			scmlb_stat_proto_name(p),
			(unsigned long long)at(&proto[p], rx_offsets[p]));
	snprintf(name, sizeof(name), "%s_packets_total", prefix);
	snprintf(help, sizeof(help), "%s by L4 protocol and what became of "
		 "them: passed to the kernel, dropped by the firewall or DoS "
		 "protection, forwarded to a backend, returned from a backend "
		 "to a client, dropped for a backend that is gone, or lost to "
		 "a vanished interface.", what);
	family(f, name, "counter", help);
	for (p = 0; p < SCMLB_STAT_PROTOS; p++)
		for (r = 0; r < sizeof(results) / sizeof(results[0]); r++)
			fprintf(f, "%s{protocol=\"%s\",result=\"%s\"} %llu\n",
				name, scmlb_stat_proto_name(p), results[r].result,
				(unsigned long long)at(&proto[p],
						       results[r].offset));
}

static void print_packets(FILE *f, const struct snapshot *s)
{
	__u32 p;

	print_packet_counts(f, "scmlb", "Packets (IPv4 and IPv6)", s->proto);
	print_packet_counts(f, "scmlb_ipv6", "IPv6 packets (also in scmlb_*)",
			    s->proto6);
	/* a part of returned and of the kernel's, not more outcomes */
	family(f, "scmlb_stateless_replies_total", "counter",
	       "Backends' replies without a conntrack entry (their flow opened "
	       "on another node), by L4 protocol: returned to the client "
	       "through the reply index (also in returned), or left to the "
	       "kernel for want of a route or neighbour (unrouted).");
	for (p = 0; p < SCMLB_STAT_PROTOS; p++) {
		fprintf(f, "scmlb_stateless_replies_total{protocol=\"%s\","
			"result=\"returned\"} %llu\n", scmlb_stat_proto_name(p),
			(unsigned long long)s->proto[p].returned_stateless);
		fprintf(f, "scmlb_stateless_replies_total{protocol=\"%s\","
			"result=\"unrouted\"} %llu\n", scmlb_stat_proto_name(p),
			(unsigned long long)s->proto[p].stateless_unrouted);
	}
}

/* The SYN proxy's counters of the --syn-proxy services. */
static void print_syn_proxy(FILE *f, const struct snapshot *s)
{
	static const struct {
		const char *event;
		size_t offset;
	} events[] = {
		{ "syn_ack", offsetof(struct scmlb_svc_stats, syn_acks) },
		{ "cookie_valid", offsetof(struct scmlb_svc_stats, cookies_valid) },
		{ "cookie_invalid",
		  offsetof(struct scmlb_svc_stats, cookies_invalid) },
		{ "backend_handshake",
		  offsetof(struct scmlb_svc_stats, backend_handshakes) },
	};
	size_t i, e;

	family(f, "scmlb_syn_proxy_total", "counter",
	       "A --syn-proxy service's handshakes: cookie SYN-ACKs sent, "
	       "client ACKs with a valid or an invalid cookie, backends' "
	       "handshakes completed.");
	for (i = 0; i < s->n_svcs; i++) {
		if (!(s->svcs[i].flags & SCMLB_SVC_SYN_PROXY))
			continue;
		for (e = 0; e < sizeof(events) / sizeof(events[0]); e++)
			fprintf(f, "scmlb_syn_proxy_total{service=\"%u\","
				"event=\"%s\"} %llu\n", s->svcs[i].id,
				events[e].event, (unsigned long long)
				*(const __u64 *)((const char *)&s->svc_proxy[i] +
						 events[e].offset));
	}
}

static void print_services(FILE *f, const struct snapshot *s)
{
	char vip[SCMLB_ADDR_LEN];
	size_t i;

	family(f, "scmlb_service_info", "gauge",
	       "A service: its VIP, protocol, port (0: every port), scheduler "
	       "and forwarding method; always 1.");
	for (i = 0; i < s->n_svcs; i++) {
		const struct scmlb_service *svc = &s->svcs[i];

		scmlb_format_addr(vip, sizeof(vip), svc->family, svc->vip);
		fprintf(f, "scmlb_service_info{service=\"%u\",vip=\"%s\","
			"protocol=\"%s\",port=\"%u\",scheduler=\"%s\","
			"forward=\"%s\"} 1\n", svc->id, vip,
			scmlb_svc_proto_name(svc->proto),
			__builtin_bswap16(svc->port),
			scmlb_scheduler_name(svc->scheduler),
			scmlb_forward_name(svc->forward));
	}
	family(f, "scmlb_service_backends", "gauge",
	       "Backends of a service.");
	for (i = 0; i < s->n_svcs; i++)
		fprintf(f, "scmlb_service_backends{service=\"%u\"} %u\n",
			s->svcs[i].id,
			s->svc_backends[s->svcs[i].id % SCMLB_MAX_SERVICES]);
	family(f, "scmlb_service_backends_up", "gauge",
	       "Backends of a service that take new connections (neither "
	       "drained nor unhealthy).");
	for (i = 0; i < s->n_svcs; i++)
		fprintf(f, "scmlb_service_backends_up{service=\"%u\"} %u\n",
			s->svcs[i].id,
			s->svc_up[s->svcs[i].id % SCMLB_MAX_SERVICES]);
}

/* Gauges of a backend's state, one value each. */
enum be_gauge { BE_UP, BE_DRAINED, BE_WEIGHT, BE_FLOWS, BE_GAUGES };

static const struct {
	const char *name;
	const char *help;
} be_gauges[BE_GAUGES] = {
	[BE_UP] = { "scmlb_backend_up",
		"1 when the backend takes new connections: neither drained "
		"nor unhealthy." },
	[BE_DRAINED] = { "scmlb_backend_drained",
		"1 when the backend is drained (scmlb-lb drain)." },
	[BE_WEIGHT] = { "scmlb_backend_weight",
		"The backend's weight." },
	[BE_FLOWS] = { "scmlb_backend_flows",
		"Flows to the backend that conntrack tracks." },
};

static __u64 be_gauge(const struct snapshot *s, size_t i, enum be_gauge g)
{
	const struct scmlb_backend *be = &s->bes[i];

	switch (g) {
	case BE_UP:
		return scmlb_backend_takes_connections(be);
	case BE_DRAINED:
		return be->status == SCMLB_BACKEND_DRAINED;
	case BE_WEIGHT:
		return be->weight;
	default:
		return s->be_flows[i];
	}
}

/* The counters of struct scmlb_backend_stats, named as node_ipvs_backend_* are. */
static const struct {
	const char *name;
	const char *help;
	size_t offset;
} be_counters[] = {
	{ "scmlb_backend_connections_total",
	  "Connections (flows) the load balancer opened to the backend.",
	  offsetof(struct scmlb_backend_stats, conns) },
	{ "scmlb_backend_incoming_packets_total",
	  "Packets forwarded to the backend.",
	  offsetof(struct scmlb_backend_stats, pkts_in) },
	{ "scmlb_backend_outgoing_packets_total",
	  "Packets from the backend returned to clients.",
	  offsetof(struct scmlb_backend_stats, pkts_out) },
	{ "scmlb_backend_incoming_bytes_total",
	  "IP bytes forwarded to the backend.",
	  offsetof(struct scmlb_backend_stats, bytes_in) },
	{ "scmlb_backend_outgoing_bytes_total",
	  "IP bytes from the backend returned to clients.",
	  offsetof(struct scmlb_backend_stats, bytes_out) },
};

static void print_backends(FILE *f, const struct snapshot *s)
{
	static const __u8 healths[] = { SCMLB_HEALTH_UNKNOWN,
					SCMLB_HEALTH_HEALTHY,
					SCMLB_HEALTH_UNHEALTHY };
	char addr[SCMLB_ADDR_LEN];
	size_t i, c;
	int g;

	family(f, "scmlb_backend_info", "gauge",
	       "A backend: its address and port (0: the client's destination "
	       "port); always 1.");
	for (i = 0; i < s->n_bes; i++) {
		scmlb_format_addr(addr, sizeof(addr), s->bes[i].family, s->bes[i].addr);
		fputs("scmlb_backend_info", f);
		backend_labels(f, &s->bes[i]);
		fprintf(f, ",address=\"%s\",port=\"%u\"} 1\n", addr,
			__builtin_bswap16(s->bes[i].port));
	}
	for (g = 0; g < BE_GAUGES; g++) {
		family(f, be_gauges[g].name, "gauge", be_gauges[g].help);
		for (i = 0; i < s->n_bes; i++) {
			fputs(be_gauges[g].name, f);
			backend_labels(f, &s->bes[i]);
			fprintf(f, "} %llu\n",
				(unsigned long long)be_gauge(s, i, g));
		}
	}
	family(f, "scmlb_backend_health", "gauge",
	       "The backend's health check result: 1 for its state (unknown, "
	       "healthy or unhealthy), 0 for the others.");
	for (i = 0; i < s->n_bes; i++) {
		for (c = 0; c < sizeof(healths); c++) {
			fputs("scmlb_backend_health", f);
			backend_labels(f, &s->bes[i]);
			fprintf(f, ",health=\"%s\"} %d\n",
				scmlb_backend_health_name(healths[c]),
				s->bes[i].health == healths[c]);
		}
	}
	for (c = 0; c < sizeof(be_counters) / sizeof(be_counters[0]); c++) {
		family(f, be_counters[c].name, "counter", be_counters[c].help);
		for (i = 0; i < s->n_bes; i++) {
			fputs(be_counters[c].name, f);
			backend_labels(f, &s->bes[i]);
			fprintf(f, "} %llu\n",
				(unsigned long long)at(&s->be_stats[i],
						       be_counters[c].offset));
		}
	}
}

static void print_conntrack(FILE *f, const struct snapshot *s,
			    const struct scmlb_config *cfg)
{
	__u8 state;

	family(f, "scmlb_conntrack_entries", "gauge",
	       "Flows conntrack tracks, by state.");
	for (state = SCMLB_CT_OPENING; state <= SCMLB_CT_UDP; state++)
		fprintf(f, "scmlb_conntrack_entries{state=\"%s\"} %llu\n",
			scmlb_ct_state_name(state),
			(unsigned long long)s->ct_states[state]);
	family(f, "scmlb_conntrack_size", "gauge",
	       "Flows conntrack holds at most (scmlb-attach --conntrack-size).");
	fprintf(f, "scmlb_conntrack_size %u\n", cfg->conntrack_size);
}

static void print_firewall(FILE *f, const struct snapshot *s)
{
	char net[SCMLB_FW_NETWORK_LEN];
	size_t i;

	family(f, "scmlb_firewall_rules", "gauge",
	       "Firewall rules, those DoS policies added included.");
	fprintf(f, "scmlb_firewall_rules %zu\n", s->n_rules);
	family(f, "scmlb_firewall_dropped_packets_total", "counter",
	       "Packets a firewall rule dropped; rules DoS policies added "
	       "count in scmlb_dos_dropped_packets_total.");
	for (i = 0; i < s->n_rules; i++) {
		const struct scmlb_fw_rule *r = &s->rules[i].rule;

		if (r->dos_policy)
			continue;
		scmlb_fw_entry_network(&s->rules[i], net, sizeof(net));
		fprintf(f, "scmlb_firewall_dropped_packets_total{rule=\"%u\","
			"network=\"%s\",protocol=\"%s\"} %llu\n", r->id, net,
			scmlb_fw_proto_name(r->proto),
			(unsigned long long)s->rules[i].dropped);
	}
}

/* The classes with a policy, by policy id. */
static size_t policies_by_id(const struct snapshot *s,
			     __u32 classes[SCMLB_DOS_CLASSES])
{
	size_t n = 0, i;
	__u32 class;

	for (class = 0; class < SCMLB_DOS_CLASSES; class++) {
		if (!s->pols[class].id)
			continue;
		for (i = n; i > 0 && s->pols[classes[i - 1]].id > s->pols[class].id; i--)
			classes[i] = classes[i - 1];
		classes[i] = class;
		n++;
	}
	return n;
}

static void policy_labels(FILE *f, const struct snapshot *s, __u32 class)
{
	fprintf(f, "{policy=\"%u\",protocol=\"%s\",type=\"%s\"}",
		s->pols[class].id, scmlb_dos_class_proto(class),
		scmlb_dos_class_type(class));
}

static void print_dos(FILE *f, const struct snapshot *s)
{
	__u32 classes[SCMLB_DOS_CLASSES];
	size_t n = policies_by_id(s, classes), i;

	family(f, "scmlb_dos_dropped_packets_total", "counter",
	       "Packets dropped because of a DoS policy: by DoS protection, "
	       "and by the firewall rules the policy added.");
	for (i = 0; i < n; i++) {
		fputs("scmlb_dos_dropped_packets_total", f);
		policy_labels(f, s, classes[i]);
		fprintf(f, " %llu\n", (unsigned long long)s->dos_drops[classes[i]]);
	}
	family(f, "scmlb_dos_policy_rules", "gauge",
	       "Firewall rules a DoS policy added, one per flooding source.");
	for (i = 0; i < n; i++) {
		fputs("scmlb_dos_policy_rules", f);
		policy_labels(f, s, classes[i]);
		fprintf(f, " %zu\n", s->pol_rules[classes[i]]);
	}
}

/**
 * scmlb_metrics_print() - the instance in the Prometheus text format 0.0.4
 * @ctx: the run, with the maps open
 * @f:   where
 *
 * Every family has HELP and TYPE lines; names start with scmlb_, counters
 * end in _total. Everything is read before anything is printed, so an
 * error prints nothing.
 *
 * Return: 0 or -errno.
 */
int scmlb_metrics_print(struct scmlb_ctx *ctx, FILE *f)
{
	struct snapshot s;
	int err;

	err = snapshot_read(ctx, &s);
	if (err)
		goto out;
	family(f, "scmlb_info", "gauge",
	       "The scmlb version and the map layout of the instance; always 1.");
	fprintf(f, "scmlb_info{version=\"");
	scmlb_prom_label_value(f, SCMLB_VERSION);
	fprintf(f, "\",layout=\"" SCMLB_LAYOUT_FMT "\"} 1\n",
		SCMLB_LAYOUT_ARGS(ctx->cfg.layout_version));
	print_packets(f, &s);
	print_services(f, &s);
	print_syn_proxy(f, &s);
	print_backends(f, &s);
	print_conntrack(f, &s, &ctx->cfg);
	print_firewall(f, &s);
	print_dos(f, &s);
	if (ferror(f))
		err = -EIO;
out:
	snapshot_free(&s);
	return err;
}

/**
 * scmlb_metrics_save() - write the metrics to @path atomically
 * @ctx:  the run, with the maps open
 * @path: the file, e.g. node_exporter's textfile directory/scmlb.prom
 *
 * The metrics go to a temporary file in @path's directory (a name
 * node_exporter's textfile collector skips: it reads only *.prom), which
 * is synced, made readable to all (node_exporter runs as another user)
 * and renamed over @path: a reader sees the old file or the new one,
 * never part of one. On an error @path is left as it was.
 *
 * Return: 0 or -errno.
 */
int scmlb_metrics_save(struct scmlb_ctx *ctx, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash + 1 - path) : 0;
	size_t size = strlen(path) + sizeof("/..XXXXXX");
	static char buf[1 << 20];
	char *tmp = malloc(size);
	FILE *f = NULL;
	int fd, err;

	if (!tmp)
		return -ENOMEM;
	/* "DIR/.NAME.XXXXXX": beside NAME, on its file system */
	snprintf(tmp, size, "%.*s.%s.XXXXXX", (int)dir_len, path, path + dir_len);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	err = scmlb_metrics_print(ctx, f);
	if (!err && fflush(f))
		err = -errno;
	if (!err && fchmod(fd, 0644))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	return err;
}
