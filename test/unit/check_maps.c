// SPDX-License-Identifier: GPL-2.0
/*
 * check_maps.c - verify the invariants of an instance's pinned maps, for
 * fault tests: check_maps [--killed] [PIN_DIR]. --killed allows what a
 * killed tool may leave for the next write to finish: rules and networks
 * no packet reaches, parent links not yet moved, a service table not yet
 * rebuilt. check_maps --tables [PIN_DIR] prints each service's table
 * instead, one line a service: "ID LENGTH HASH" (FNV-1a of its ids), so
 * tests can compare the tables of two instances.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>

#include "backends.h"
#include "reply_index.h"
#include "scmlb_hash.h"
#include "services.h"
#include "maps.h"

static int problems;
static bool killed;

static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("check_maps: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	problems++;
}

/* Whether @be has an address of a family we know (IPv4 in word 0, or IPv6). */
static bool addr_set(const struct scmlb_backend *be)
{
	return (be->family == SCMLB_AF_INET || be->family == SCMLB_AF_INET6) &&
	       (be->addr[0] | be->addr[1] | be->addr[2] | be->addr[3]);
}

/*
 * @svc's table is the one its backends make, weights included (a killed
 * tool may leave the old one until the next write to the service).
 */
static void check_table_current(struct scmlb_ctx *ctx,
				const struct scmlb_service *svc,
				const __u32 *ids, __u32 len)
{
	__u32 *want = calloc(SCMLB_TABLE_SIZE, sizeof(*want)), want_len;

	if (!want || scmlb_service_table_make(ctx, svc->id, NULL, want,
					      &want_len))
		bad("cannot make the table of service %u", svc->id);
	else if (want_len != len ||
		 (len && memcmp(want, ids, len * sizeof(*ids))))
		bad("service %u's table (%u entries) is not the one its "
		    "backends make (%u entries)", svc->id, len, want_len);
	free(want);
}

/* Every entry of @svc's table names a complete backend of @svc that takes connections. */
static void check_table(struct scmlb_ctx *ctx, const struct scmlb_service *svc)
{
	struct scmlb_backend be;
	__u32 *ids, len, i;

	if (scmlb_service_table_read(ctx, svc->id, &ids, &len)) {
		bad("cannot read the table of service %u", svc->id);
		return;
	}
	if (!killed)
		check_table_current(ctx, svc, ids, len);
	for (i = 0; i < len; i++) {
		if (i && ids[i] == ids[i - 1])
			continue;	/* a Maglev table repeats ids */
		if (scmlb_backend_get(ctx, ids[i], &be)) {
			bad("service %u's table names backend %u, which does not exist",
			    svc->id, ids[i]);
			continue;
		}
		if (be.service_id != svc->id)
			bad("service %u's table names backend %u of service %u",
			    svc->id, be.id, be.service_id);
		if (!addr_set(&be) || !be.ifindex)
			bad("service %u's table names incomplete backend %u",
			    svc->id, be.id);
		if (be.status != SCMLB_BACKEND_AVAILABLE ||
		    be.health == SCMLB_HEALTH_UNHEALTHY)
			bad("service %u's table names backend %u, which takes no "
			    "connections", svc->id, be.id);
	}
	free(ids);
}

/*
 * Every service is found: its VIP in lb_vips with its bit in lb_vip_hint,
 * its key in lb_svc_ids naming it.
 */
static void check_services(struct scmlb_ctx *ctx)
{
	struct scmlb_service *svcs = NULL;
	struct scmlb_vip_hint hint;
	__u32 zero = 0, id, bit;
	size_t n, i;

	if (scmlb_services_list(ctx, &svcs, &n) ||
	    bpf_map_lookup_elem(ctx->maps.vip_hint, &zero, &hint)) {
		bad("cannot read the services");
		free(svcs);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct scmlb_service *s = &svcs[i];
		struct scmlb_svc_key key = {
			.family = s->family, .proto = s->proto, .port = s->port,
		};

		memcpy(key.addr, s->vip, sizeof(key.addr));
		if (bpf_map_lookup_elem(ctx->maps.svc_ids, &key, &id) ||
		    id != s->id)
			bad("service %u is not in lb_svc_ids", s->id);
		if (scmlb_vip_exists(ctx, s->family, s->vip) != 1)
			bad("the VIP of service %u is not in lb_vips", s->id);
		bit = scmlb_vip_hint_bit(s->vip);
		if (!(hint.bits[bit / 64] >> (bit % 64) & 1))
			bad("the VIP of service %u has no bit in lb_vip_hint",
			    s->id);
	}
	free(svcs);
}

/* The data plane may only pick complete backends that take connections. */
static void check_backends(struct scmlb_ctx *ctx)
{
	struct scmlb_service *svcs = NULL;
	struct scmlb_backend *list = NULL;
	size_t n, k;

	if (scmlb_backends_list(ctx, &list, &n) ||
	    scmlb_services_list(ctx, &svcs, &k)) {
		bad("cannot list the backends and services");
		goto out;
	}
	while (n--)
		if (!addr_set(&list[n]) || !list[n].ifindex || !list[n].name[0])
			bad("backend %u is incomplete", list[n].id);
	while (k--)
		check_table(ctx, &svcs[k]);
out:
	free(list);
	free(svcs);
}

/*
 * lb_reply_index is what the backends and services make (a killed tool
 * may leave it behind until the next write or gc pass; the data plane
 * checks an entry's backend).
 */
static void check_reply_index(struct scmlb_ctx *ctx)
{
	struct scmlb_reply_entry *want = NULL;
	struct scmlb_service *svcs = NULL;
	struct scmlb_backend *bes = NULL;
	struct scmlb_reply_key key, next;
	struct scmlb_reply_to to;
	size_t n_svcs, n_bes, n_want, i, n = 0;
	bool first = true;

	if (killed)
		return;
	if (scmlb_services_list(ctx, &svcs, &n_svcs) ||
	    scmlb_backends_list(ctx, &bes, &n_bes) ||
	    scmlb_reply_index_build(svcs, n_svcs, bes, n_bes, &want, &n_want)) {
		bad("cannot make the reply index");
		goto out;
	}
	while (!bpf_map_get_next_key(ctx->maps.reply_index,
				     first ? NULL : &key, &next)) {
		key = next;
		first = false;
		n++;
	}
	for (i = 0; i < n_want; i++)
		if (bpf_map_lookup_elem(ctx->maps.reply_index, &want[i].key,
					&to) ||
		    memcmp(&to, &want[i].to, sizeof(to)))
			bad("reply index entry %zu of %zu is missing or wrong",
			    i, n_want);
	if (n != n_want)
		bad("the reply index holds %zu entries, the backends make %zu",
		    n, n_want);
out:
	free(want);
	free(svcs);
	free(bes);
}

/* A network of either family, as check_firewall() compares them. */
struct cnet {
	__u32 head;
	__u32 parent;
	__be32 addr[4];
	__u8 prefixlen;
	__u8 in_use;
};

/* Whether @a lies within @m, a shorter network of the same family. */
static bool cnet_within(const struct cnet *a, const struct cnet *m)
{
	int i, keep;

	for (i = 0; i < 4; i++) {
		keep = m->prefixlen - 32 * i;
		if (keep <= 0)
			break;
		if ((a->addr[i] & htonl(keep >= 32 ? 0xffffffffU :
					0xffffffffU << (32 - keep))) != m->addr[i])
			return false;
	}
	return true;
}

/* The first @n networks of fw_net_info, or of fw6_net_info when @v6. */
static int cnets_read(struct scmlb_ctx *ctx, bool v6, __u32 n, struct cnet *out)
{
	size_t size = v6 ? sizeof(struct scmlb_fw6_net) : sizeof(struct scmlb_fw_net);
	char *raw = calloc(n + 1, size);
	__u32 i;
	int err;

	if (!raw)
		return -ENOMEM;
	err = n ? scmlb_array_read(v6 ? ctx->maps.fw6_net_info :
				   ctx->maps.fw_net_info, n, size, raw) : 0;
	for (i = 0; !err && i < n; i++) {
		const struct scmlb_fw6_net *n6 = (void *)(raw + i * size);
		const struct scmlb_fw_net *n4 = (void *)(raw + i * size);

		out[i] = v6 ? (struct cnet){ n6->head, n6->parent, { 0 },
					     n6->prefixlen, n6->in_use } :
			      (struct cnet){ n4->head, n4->parent, { n4->addr },
					     n4->prefixlen, n4->in_use };
		if (v6)
			memcpy(out[i].addr, n6->addr, sizeof(out[i].addr));
	}
	free(raw);
	return err;
}

/* Whether network @net is in the trie of its family at @slot. */
static bool cnet_in_trie(struct scmlb_ctx *ctx, bool v6, const struct cnet *net,
			 __u32 i)
{
	struct scmlb_fw6_key k6 = { net->prefixlen, { 0 } };
	struct scmlb_fw_key k4 = { net->prefixlen, net->addr[0] };
	__u32 slot;

	memcpy(k6.addr, net->addr, sizeof(k6.addr));
	if (bpf_map_lookup_elem(v6 ? ctx->maps.fw6_nets : ctx->maps.fw_nets,
				v6 ? (void *)&k6 : (void *)&k4, &slot))
		return false;
	return slot == i;
}

/* Whether the hint of @net's family has its bit set. */
static bool cnet_hinted(bool v6, const struct cnet *net,
			const struct scmlb_fw_hint *h4,
			const struct scmlb_fw6_hint *h6)
{
	__u32 b;

	if (v6 && net->prefixlen < 32)
		return h6->short_nets > 0;
	b = v6 ? scmlb_fw6_hint_bit(net->addr[0]) : ntohl(net->addr[0]) >> 16;
	return (v6 ? h6->bits[b / 64] : h4->bits[b / 64]) & (1ULL << (b % 64));
}

/*
 * One family's networks: each live one in the trie and the hint, hung
 * on the longest network around it, listing rules of its own.
 */
static void check_nets(struct scmlb_ctx *ctx, bool v6, const struct cnet *nets,
		       __u32 n_nets, const struct scmlb_fw_rule *rules,
		       unsigned char *listed, __u32 *on_lists,
		       const struct scmlb_fw_hint *h4,
		       const struct scmlb_fw6_hint *h6)
{
	const char *fam = v6 ? "IPv6 network" : "network";
	__u32 i, r, steps, best, j;

	for (i = 0; i < n_nets; i++) {
		const struct cnet *net = &nets[i];

		if (net->in_use == SCMLB_FW_NET_NEW && !killed)
			bad("%s slot %u was never published", fam, i);
		if (net->in_use != SCMLB_FW_NET_LIVE)
			continue;
		/* one being removed has no rules left, and may be out already */
		if (!cnet_in_trie(ctx, v6, net, i) &&
		    (!killed || net->head != SCMLB_FW_NONE))
			bad("%s slot %u is not in the trie", fam, i);
		if (!cnet_hinted(v6, net, h4, h6))
			bad("%s slot %u is not in the hint", fam, i);
		/* the parent must be the longest network strictly around it */
		for (best = SCMLB_FW_NONE, j = 0; j < n_nets; j++) {
			const struct cnet *m = &nets[j];

			if (j == i || m->in_use != SCMLB_FW_NET_LIVE ||
			    m->prefixlen >= net->prefixlen || !cnet_within(net, m))
				continue;
			if (best == SCMLB_FW_NONE || m->prefixlen > nets[best].prefixlen)
				best = j;
		}
		if (net->parent != best && !killed)
			bad("%s slot %u: parent %u, should be %u", fam, i,
			    net->parent, best);
		if (net->head == SCMLB_FW_NONE && !killed)
			bad("%s slot %u is in use without rules", fam, i);
		for (steps = 0, r = net->head; r != SCMLB_FW_NONE; r = rules[r].next) {
			if (r >= SCMLB_FW_MAX_RULES || ++steps > SCMLB_FW_MAX_RULES) {
				bad("%s slot %u: broken list", fam, i);
				break;
			}
			if (!rules[r].id || rules[r].net != i ||
			    (rules[r].family == SCMLB_AF_INET6) != v6 ||
			    (!v6 && rules[r].addr != net->addr[0]) ||
			    rules[r].prefixlen != net->prefixlen)
				bad("%s slot %u lists a wrong rule in slot %u", fam,
				    i, r);
			if (listed[r]++)
				bad("rule slot %u is listed twice", r);
			(*on_lists)++;
		}
	}
}

/* Every rule reachable from its network, every network from its trie. */
static void check_firewall(struct scmlb_ctx *ctx)
{
	__u32 n4 = ctx->cfg.fw_net_slots, n6 = ctx->cfg.fw6_net_slots;
	struct cnet *nets4 = calloc(n4 + 1, sizeof(*nets4));
	struct cnet *nets6 = calloc(n6 + 1, sizeof(*nets6));
	struct scmlb_fw_rule *rules = calloc(SCMLB_FW_MAX_RULES, sizeof(*rules));
	unsigned char *listed = calloc(SCMLB_FW_MAX_RULES, 1);
	__u32 zero = 0, i, seen = 0, on_lists = 0;
	struct scmlb_fw6_hint *h6 = calloc(1, sizeof(*h6));
	struct scmlb_fw_hint *h4 = calloc(1, sizeof(*h4));

	if (!nets4 || !nets6 || !rules || !listed || !h4 || !h6 ||
	    cnets_read(ctx, false, n4, nets4) || cnets_read(ctx, true, n6, nets6) ||
	    scmlb_array_read(ctx->maps.fw_rules, SCMLB_FW_MAX_RULES,
			     sizeof(*rules), rules) ||
	    bpf_map_lookup_elem(ctx->maps.fw_hint, &zero, h4) ||
	    bpf_map_lookup_elem(ctx->maps.fw6_hint, &zero, h6)) {
		bad("cannot read the firewall maps");
		goto out;
	}
	for (i = 0; i < SCMLB_FW_MAX_RULES; i++)
		seen += !!rules[i].id;
	check_nets(ctx, false, nets4, n4, rules, listed, &on_lists, h4, h6);
	check_nets(ctx, true, nets6, n6, rules, listed, &on_lists, h4, h6);
	if (on_lists != seen && !killed)
		bad("%u rules on network lists, %u rules in the table", on_lists,
		    seen);
	/* too high only costs a lookup; too low would skip rules */
	if (ctx->cfg.fw_rules < on_lists)
		bad("rule count %u below the %u rules packets meet",
		    ctx->cfg.fw_rules, on_lists);
out:
	free(nets4);
	free(nets6);
	free(rules);
	free(listed);
	free(h4);
	free(h6);
}

/* "ID LENGTH HASH" of every service's table, by id. */
static void print_tables(struct scmlb_ctx *ctx)
{
	struct scmlb_service *svcs = NULL;
	__u32 *ids, len, i;
	size_t n, k;
	__u64 h;

	if (scmlb_services_list(ctx, &svcs, &n)) {
		bad("cannot read the services");
		return;
	}
	for (k = 0; k < n; k++) {
		if (scmlb_service_table_read(ctx, svcs[k].id, &ids, &len)) {
			bad("cannot read the table of service %u", svcs[k].id);
			continue;
		}
		h = 0xcbf29ce484222325ULL;
		for (i = 0; i < len; i++)
			h = (h ^ ids[i]) * 0x100000001b3ULL;
		printf("%u %u %016llx\n", svcs[k].id, len,
		       (unsigned long long)h);
		free(ids);
	}
	free(svcs);
}

int main(int argc, char **argv)
{
	struct scmlb_ctx ctx = { .dir_fd = -1 };
	bool tables = false;
	int err;

	if (argc > 1 && !strcmp(argv[1], "--killed")) {
		killed = true;
		argc--;
		argv++;
	} else if (argc > 1 && !strcmp(argv[1], "--tables")) {
		tables = true;
		argc--;
		argv++;
	}
	ctx.pin_dir = scmlb_pin_dir(argc > 1 ? argv[1] : NULL);
	/* a reader's lock: no tool is half way through a write meanwhile */
	err = scmlb_lock(&ctx, false);
	if (!err)
		err = scmlb_maps_open(&ctx);
	if (err) {
		fprintf(stderr, "check_maps: cannot open the maps in '%s': %s\n",
			ctx.pin_dir, strerror(-err));
		return 1;
	}
	if (tables) {
		print_tables(&ctx);
	} else {
		check_services(&ctx);
		check_backends(&ctx);
		check_reply_index(&ctx);
		check_firewall(&ctx);
	}
	scmlb_maps_close(&ctx);
	scmlb_unlock(&ctx);
	if (!problems && !tables)
		printf("check_maps: '%s' is consistent\n", ctx.pin_dir);
	return problems ? 1 : 0;
}
