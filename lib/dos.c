// SPDX-License-Identifier: GPL-2.0
/* dos.c - DoS policies by class; blocked sources become firewall rules */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "dos.h"
#include "fw.h"

#define COUNT_BATCH 4096

static const char *const tcp_types[] = {
	[SCMLB_DOS_TCP_FIN] = "fin", [SCMLB_DOS_TCP_SYN] = "syn",
	[SCMLB_DOS_TCP_RST] = "rst", [SCMLB_DOS_TCP_PSH] = "psh",
	[SCMLB_DOS_TCP_URG] = "urg", [SCMLB_DOS_TCP_ECE] = "ece",
	[SCMLB_DOS_TCP_CWR] = "cwr", [SCMLB_DOS_TCP_ACK] = "ack",
};

/**
 * scmlb_dos_class_parse() - the class a policy for @proto and @type watches
 * @proto: IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP
 * @type:  for TCP the packet type (syn ack fin rst psh urg ece cwr); NULL
 *         for UDP and ICMP, which have one type
 * @global: the global budget of new flows (--global): tcp syn only
 * @class: the class, SCMLB_DOS_SYN_GLOBAL for the budget
 * @why:   set to a short reason when they are rejected
 *
 * Return: 0, or -EINVAL with @why set.
 */
int scmlb_dos_class_parse(__u8 proto, const char *type, bool global,
			  __u32 *class, const char **why)
{
	__u32 i;

	if (global) {
		if (proto != 6 || !type || strcmp(type, "syn")) {
			*why = "only '-p tcp -t syn' has a global budget";
			return -EINVAL;
		}
		*class = SCMLB_DOS_SYN_GLOBAL;
		return 0;
	}

	if (proto != 6) {
		if (type) {
			*why = "only tcp policies have a packet type";
			return -EINVAL;
		}
		*class = proto == 17 ? SCMLB_DOS_UDP : SCMLB_DOS_ICMP;
		return 0;
	}
	if (!type) {
		*why = "a tcp policy needs --type syn, ack, fin, rst, psh, urg, ece or cwr";
		return -EINVAL;
	}
	for (i = 0; i <= SCMLB_DOS_TCP_ACK; i++) {
		if (!strcmp(type, tcp_types[i])) {
			*class = i;
			return 0;
		}
	}
	*why = "expected syn, ack, fin, rst, psh, urg, ece or cwr";
	return -EINVAL;
}

const char *scmlb_dos_class_proto(__u32 class)
{
	return class == SCMLB_DOS_UDP ? "udp" :
	       class == SCMLB_DOS_ICMP ? "icmp" : "tcp";
}

/* The TCP packet type of @class, or "" for UDP and ICMP. */
const char *scmlb_dos_class_type(__u32 class)
{
	if (class == SCMLB_DOS_SYN_GLOBAL)
		return "syn";
	return class <= SCMLB_DOS_TCP_ACK ? tcp_types[class] : "";
}

static __u8 class_ip_proto(__u32 class)
{
	return class == SCMLB_DOS_UDP ? 17 : class == SCMLB_DOS_ICMP ? 1 : 6;
}

static int policy_read(const struct scmlb_ctx *ctx, __u32 class,
		       struct scmlb_dos_policy *pol)
{
	return bpf_map_lookup_elem(ctx->maps.dos_policies, &class, pol) ?
	       -errno : 0;
}

static int policy_write(const struct scmlb_ctx *ctx, __u32 class,
			const struct scmlb_dos_policy *pol)
{
	return bpf_map_update_elem(ctx->maps.dos_policies, &class, pol, BPF_ANY) ?
	       -errno : 0;
}

/* Seconds the rules of @class's policy @id stay; 0 for a policy of 4.0. */
static int block_read(const struct scmlb_ctx *ctx, __u32 class, __u32 id,
		      __u32 *block)
{
	struct scmlb_dos_block b;

	if (bpf_map_lookup_elem(ctx->maps.dos_block, &class, &b))
		return -errno;
	*block = b.policy == id ? b.seconds : 0;
	return 0;
}

static int block_write(const struct scmlb_ctx *ctx, __u32 class, __u32 id,
		       __u32 block)
{
	struct scmlb_dos_block b = { .policy = id, .seconds = block };

	return bpf_map_update_elem(ctx->maps.dos_block, &class, &b, BPF_ANY) ?
	       -errno : 0;
}

/* How much of an IPv6 source @class's policy @id counts as one; stale: 128. */
static int prefix_read(const struct scmlb_ctx *ctx, __u32 class, __u32 id,
		       __u8 *prefix_len)
{
	struct scmlb_dos6_prefix p;

	if (bpf_map_lookup_elem(ctx->maps.dos6_prefix, &class, &p))
		return -errno;
	*prefix_len = p.policy == id && p.prefixlen ? p.prefixlen : 128;
	return 0;
}

static int prefix_write(const struct scmlb_ctx *ctx, __u32 class, __u32 id,
			__u8 prefix_len)
{
	struct scmlb_dos6_prefix p = { .policy = id, .prefixlen = prefix_len };

	return bpf_map_update_elem(ctx->maps.dos6_prefix, &class, &p, BPF_ANY) ?
	       -errno : 0;
}

static int budget_read(const struct scmlb_ctx *ctx,
		       struct scmlb_syn_budget *b)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(ctx->maps.syn_budget, &zero, b) ? -errno : 0;
}

/*
 * The budget with its chunk: small enough that the shares CPUs hold
 * unspent at the end of a second are at most a 32nd of the limit, large
 * enough that the pool is taken from at most 32 times a second per CPU
 * there is (and once more by each CPU that finds it dry); never 0.
 */
static int budget_write(const struct scmlb_ctx *ctx, __u32 id, __u32 limit)
{
	int ncpus = libbpf_num_possible_cpus();
	struct scmlb_syn_budget b = {
		.id = id,
		.limit = limit,
		.hz = ctx->cfg.hz ? ctx->cfg.hz : 250,
	};
	__u32 zero = 0;

	if (ncpus < 0)
		return ncpus;
	b.chunk = limit / ((__u32)ncpus * 32);
	if (!b.chunk)
		b.chunk = 1;
	return bpf_map_update_elem(ctx->maps.syn_budget, &zero, &b, BPF_ANY) ?
	       -errno : 0;
}

/* A new budget starts with a full pool and no CPU holding a share. */
static int budget_reset(const struct scmlb_ctx *ctx)
{
	__u64 pool = 0;
	__u32 zero = 0;

	if (bpf_map_update_elem(ctx->maps.syn_pool, &zero, &pool, BPF_ANY))
		return -errno;
	return scmlb_percpu_zero(ctx->maps.syn_cpu, 0,
				 sizeof(struct scmlb_syn_cpu));
}

/* Whether the budget ran out in the current second or the one before. */
static bool budget_ran_out(const struct scmlb_ctx *ctx, __u32 limit)
{
	__u32 zero = 0, second, pool_second;
	__u64 pool;

	if (bpf_map_lookup_elem(ctx->maps.syn_pool, &zero, &pool))
		return false;
	second = (__u32)(scmlb_jiffies_now(&ctx->cfg) /
			 (ctx->cfg.hz ? ctx->cfg.hz : 250));
	pool_second = (__u32)(pool >> 32);
	return (pool_second == second || pool_second + 1 == second) &&
	       (__u32)pool >= limit;
}

static int set_policy_count(struct scmlb_ctx *ctx, __u32 count, __u32 next_id)
{
	int err = scmlb_config_refresh(ctx);

	if (err)
		return err;
	ctx->cfg.dos_policies = count;
	if (next_id)
		ctx->cfg.next_dos_id = next_id;
	return scmlb_config_commit(ctx);
}

static int count_policies(const struct scmlb_ctx *ctx, __u32 *count)
{
	struct scmlb_dos_policy pol;
	__u32 class;
	int err;

	*count = 0;
	for (class = 0; class < SCMLB_DOS_CLASSES; class++) {
		err = policy_read(ctx, class, &pol);
		if (err)
			return err;
		*count += !!pol.id;
	}
	return 0;
}

/* The global budget's add: its own map, no DoS stage, no rules. */
static int budget_add(struct scmlb_ctx *ctx, __u32 limit, __u32 *id)
{
	struct scmlb_syn_budget b;
	__u32 new_id;
	int err;

	err = budget_read(ctx, &b);
	if (err)
		return err;
	if (b.id) {
		*id = b.id;
		return -EEXIST;
	}
	new_id = ctx->cfg.next_dos_id ? ctx->cfg.next_dos_id : 1;
	err = budget_reset(ctx);
	if (!err)
		err = set_policy_count(ctx, ctx->cfg.dos_policies, new_id + 1);
	if (!err)
		err = budget_write(ctx, new_id, limit);
	if (!err)
		*id = new_id;
	return err;
}

/**
 * scmlb_dos_policy_add() - watch a class: one policy per class
 * @ctx:   the run, holding the exclusive lock
 * @class: enum scmlb_dos_class, or SCMLB_DOS_SYN_GLOBAL for the budget
 * @limit: packets per second a source may send; the budget's new flows
 * @block: seconds the firewall rules it adds stay; 0: until it is deleted
 * @prefix_len: an IPv6 source counts per /prefix_len (32..128)
 * @id:    set to the new policy's id; on -EEXIST, the existing one's
 *
 * Return: 0, -EEXIST when the class has a policy, or another -errno.
 */
int scmlb_dos_policy_add(struct scmlb_ctx *ctx, __u32 class, __u32 limit,
			 __u32 block, __u8 prefix_len, __u32 *id)
{
	struct scmlb_dos_policy pol;
	int err;

	if (class == SCMLB_DOS_SYN_GLOBAL)
		return budget_add(ctx, limit, id);
	err = policy_read(ctx, class, &pol);
	if (err)
		return err;
	if (pol.id) {
		*id = pol.id;
		return -EEXIST;
	}
	pol.id = ctx->cfg.next_dos_id ? ctx->cfg.next_dos_id : 1;
	pol.limit = limit;
	/* a new policy's drops start at 0, not at an old policy's */
	err = scmlb_percpu_zero(ctx->maps.dos_drops, class, sizeof(__u64));
	/* the stage turns on before the policy exists, never after */
	if (!err)
		err = set_policy_count(ctx, ctx->cfg.dos_policies + 1, pol.id + 1);
	/* and its rules' block time is there before its first rule */
	if (!err)
		err = block_write(ctx, class, pol.id, block);
	/* and its IPv6 prefix before its first count */
	if (!err)
		err = prefix_write(ctx, class, pol.id, prefix_len);
	if (!err)
		err = policy_write(ctx, class, &pol);
	if (!err)
		*id = pol.id;
	return err;
}

/**
 * scmlb_dos_policy_set() - change a policy's limit and block time in place
 * @ctx:   the run, holding the exclusive lock
 * @id:    the policy
 * @limit: packets per second a source may send; the budget's new flows
 * @block: seconds the rules it adds from now on stay; 0: until deleted
 *         (ignored for the budget)
 * @prefix_len: an IPv6 source counts per /prefix_len from now on
 *         (ignored for the budget)
 *
 * The policy keeps its id and the rules it added, with their expiry
 * (scmlb-restore --flush).
 *
 * Return: 0, -ENOENT for an unknown id, or another -errno.
 */
int scmlb_dos_policy_set(struct scmlb_ctx *ctx, __u32 id, __u32 limit,
			 __u32 block, __u8 prefix_len)
{
	struct scmlb_syn_budget b;
	struct scmlb_dos_policy pol;
	__u32 class;
	int err;

	for (class = 0; id && class < SCMLB_DOS_CLASSES; class++) {
		err = policy_read(ctx, class, &pol);
		if (err)
			return err;
		if (pol.id == id) {
			pol.limit = limit;
			err = block_write(ctx, class, id, block);
			if (!err)
				err = prefix_write(ctx, class, id, prefix_len);
			return err ? err : policy_write(ctx, class, &pol);
		}
	}
	err = budget_read(ctx, &b);
	if (err)
		return err;
	return id && b.id == id ? budget_write(ctx, id, limit) : -ENOENT;
}

/*
 * Forget the counts of @class in @fd (dos_counts or dos6_counts, keys of
 * @key_size ending in the class), blocked sources included.
 */
static int clear_counts_in(int fd, size_t key_size, __u32 class)
{
	struct scmlb_dos6_key key, next;	/* room for either key */
	__u32 key_class;
	int more;

	more = !bpf_map_get_next_key(fd, NULL, &key);
	while (more) {
		more = !bpf_map_get_next_key(fd, &key, &next);
		memcpy(&key_class, (char *)&key + key_size - sizeof(key_class),
		       sizeof(key_class));
		if (key_class == class && bpf_map_delete_elem(fd, &key) &&
		    errno != ENOENT)
			return -errno;
		key = next;
	}
	return 0;
}

/* Forget the counts of @class, of sources of both families. */
static int clear_counts(const struct scmlb_ctx *ctx, __u32 class)
{
	int err = clear_counts_in(ctx->maps.dos_counts,
				  sizeof(struct scmlb_dos_key), class);

	return err ? err : clear_counts_in(ctx->maps.dos6_counts,
					   sizeof(struct scmlb_dos6_key), class);
}

/**
 * scmlb_dos_policy_delete() - stop watching; remove the rules it added
 * @ctx: the run, holding the exclusive lock
 * @id:  the policy
 *
 * Return: 0, -ENOENT for an unknown id, or another -errno.
 */
int scmlb_dos_policy_delete(struct scmlb_ctx *ctx, __u32 id)
{
	struct scmlb_fw_entry *rules = NULL;
	struct scmlb_dos_policy pol;
	struct scmlb_syn_budget b;
	size_t n = 0, i;
	__u32 class, count;
	int err;

	for (class = 0; class < SCMLB_DOS_CLASSES; class++) {
		err = policy_read(ctx, class, &pol);
		if (err)
			return err;
		if (id && pol.id == id)
			break;
	}
	if (class == SCMLB_DOS_CLASSES) {
		err = budget_read(ctx, &b);
		if (err || !id || b.id != id)
			return err ? err : -ENOENT;
		memset(&b, 0, sizeof(b));
		class = 0;
		return bpf_map_update_elem(ctx->maps.syn_budget, &class, &b,
					   BPF_ANY) ? -errno : 0;
	}

	memset(&pol, 0, sizeof(pol));
	err = policy_write(ctx, class, &pol);
	if (!err)
		err = scmlb_fw_rules_list(ctx, false, &rules, &n);
	for (i = 0; !err && i < n; i++)
		if (rules[i].rule.dos_policy == id)
			err = scmlb_fw_rule_delete(ctx, rules[i].rule.id);
	free(rules);
	if (!err)
		err = clear_counts(ctx, class);
	if (!err)
		err = count_policies(ctx, &count);
	if (!err)
		err = set_policy_count(ctx, count, 0);
	return err;
}

/**
 * scmlb_dos_policies_list() - every policy, by id, with its rules
 * @ctx: the run, with the maps open
 * @out: room for SCMLB_DOS_POLICIES entries; free with scmlb_dos_entries_free()
 * @n:   set to how many
 *
 * The global budget is a policy of class SCMLB_DOS_SYN_GLOBAL.
 *
 * Return: 0 or -errno.
 */
int scmlb_dos_policies_list(const struct scmlb_ctx *ctx,
			    struct scmlb_dos_entry *out, size_t *n)
{
	struct scmlb_fw_entry *rules = NULL;
	struct scmlb_dos_policy pol;
	struct scmlb_syn_budget b;
	size_t count = 0, n_rules = 0, i, j;
	__u32 class;
	int err;

	err = scmlb_fw_rules_list(ctx, false, &rules, &n_rules);
	for (class = 0; !err && class < SCMLB_DOS_POLICIES; class++) {
		struct scmlb_dos_entry e = { 0 };

		if (class == SCMLB_DOS_SYN_GLOBAL) {
			err = budget_read(ctx, &b);
			pol.id = b.id;
			pol.limit = b.limit;
		} else {
			err = policy_read(ctx, class, &pol);
			if (!err && pol.id)
				err = block_read(ctx, class, pol.id, &e.block);
			if (!err && pol.id)
				err = prefix_read(ctx, class, pol.id,
						  &e.prefix_len);
		}
		if (err || !pol.id)
			continue;
		e.id = pol.id;
		e.class = class;
		e.limit = pol.limit;
		e.rules = calloc(n_rules ? n_rules : 1, sizeof(*e.rules));
		if (!e.rules) {
			err = -ENOMEM;
			break;
		}
		for (i = 0; i < n_rules; i++)
			if (rules[i].rule.dos_policy == pol.id)
				e.rules[e.n_rules++] = rules[i].rule.id;
		e.triggered = class == SCMLB_DOS_SYN_GLOBAL ?
			      budget_ran_out(ctx, e.limit) : e.n_rules > 0;
		/* by id */
		for (i = count; i > 0 && out[i - 1].id > e.id; i--)
			;
		for (j = count; j > i; j--)
			out[j] = out[j - 1];
		out[i] = e;
		count++;
	}
	free(rules);
	if (err) {
		scmlb_dos_entries_free(out, count);
		return err;
	}
	*n = count;
	return 0;
}

void scmlb_dos_entries_free(struct scmlb_dos_entry *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i].rules);
}

/* A source over a policy's limit, as a dos_counts or dos6_counts key says. */
struct dos_source {
	__u32 class;			/* enum scmlb_dos_class */
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6 */
	__be32 addr[4];			/* IPv4 in addr[0]; IPv6 as masked */
};

/* Whether @policy has a rule for @src's /@prefixlen already. */
static bool has_rule(const struct scmlb_fw_entry *rules, size_t n,
		     __u32 policy, const struct dos_source *src, __u8 prefixlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rules[i].rule.dos_policy == policy &&
		    (rules[i].rule.family == SCMLB_AF_INET6) ==
		    (src->family == SCMLB_AF_INET6) &&
		    rules[i].rule.prefixlen == prefixlen &&
		    !memcmp(rules[i].addr, src->addr, sizeof(src->addr)))
			return true;
	return false;
}

/* The rules one scmlb_dos_enforce() pass added. */
struct added_list {
	struct scmlb_dos_added *e;
	size_t n;
	size_t cap;
};

static int added_push(struct added_list *l, const struct scmlb_dos_added *a)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct scmlb_dos_added *grown = realloc(l->e, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->e = grown;
		l->cap = cap;
	}
	l->e[l->n++] = *a;
	return 0;
}

/* Clear the bits of @addr past /@len (IPv6: the policy's prefix may have changed). */
static void mask_addr(__be32 *addr, __u8 len)
{
	int i, keep;

	for (i = 0; i < 4; i++) {
		keep = len - 32 * i;
		if (keep <= 0)
			addr[i] = 0;
		else if (keep < 32)
			addr[i] &= htonl(0xffffffffU << (32 - keep));
	}
}

/*
 * A blocked source: add its rule unless the policy has one for it: an
 * IPv4 source's /32, an IPv6 source's /128 or the policy's --prefix-len.
 */
static int enforce_one(struct scmlb_ctx *ctx, struct dos_source *src,
		       const struct scmlb_fw_entry *rules, size_t n_rules,
		       struct added_list *added)
{
	bool v6 = src->family == SCMLB_AF_INET6;
	struct scmlb_dos_policy pol;
	struct scmlb_fw_entry e = { 0 };
	struct scmlb_dos_added a = { 0 };
	__u8 prefixlen = 32;
	__u32 block = 0;
	int err;

	err = policy_read(ctx, src->class, &pol);
	if (!err && pol.id)
		err = block_read(ctx, src->class, pol.id, &block);
	if (!err && pol.id && v6)
		err = prefix_read(ctx, src->class, pol.id, &prefixlen);
	if (err || !pol.id)
		return err;
	mask_addr(src->addr, prefixlen);
	if (has_rule(rules, n_rules, pol.id, src, prefixlen))
		return 0;
	e.rule.family = v6 ? SCMLB_AF_INET6 : SCMLB_AF_INET;
	e.rule.prefixlen = prefixlen;
	e.rule.proto = class_ip_proto(src->class);
	e.rule.dos_policy = pol.id;
	e.rule.dos_class = src->class + 1;
	memcpy(e.addr, src->addr, sizeof(e.addr));
	a.expires = scmlb_dos_expiry(scmlb_real_s(), block);
	err = scmlb_fw_entry_add(ctx, &e, a.expires);
	if (err)
		return err;
	a.rule = e.rule.id;
	a.policy = pol.id;
	a.class = src->class;
	a.limit = pol.limit;
	memcpy(a.addr, src->addr, sizeof(a.addr));
	scmlb_fw_entry_network(&e, a.network, sizeof(a.network));
	return added_push(added, &a);
}

/*
 * One counts map (dos_counts, or dos6_counts when @v6): blocked sources
 * become rules, then their counts go, so that a rule deleted by hand
 * comes back only when the source floods again; counts of past seconds
 * go on the way.
 */
static int enforce_map(struct scmlb_ctx *ctx, bool v6, __u64 second,
		       const struct scmlb_fw_entry *rules, size_t n_rules,
		       struct added_list *added)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int fd = v6 ? ctx->maps.dos6_counts : ctx->maps.dos_counts;
	size_t key_size = v6 ? sizeof(struct scmlb_dos6_key) :
			       sizeof(struct scmlb_dos_key);
	struct scmlb_dos_count *vals;
	struct dos_source src;
	__u32 batch, count, i;
	bool first = true;
	char *keys, *key;
	int err = 0, ret;

	keys = calloc(COUNT_BATCH, key_size);
	vals = calloc(COUNT_BATCH, sizeof(*vals));
	if (!keys || !vals)
		err = -ENOMEM;
	while (!err) {
		count = COUNT_BATCH;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch,
					   keys, vals, &count, &opts);
		if (ret && errno != ENOENT) {
			err = -errno;
			break;
		}
		first = false;
		for (i = 0; i < count && !err; i++) {
			key = keys + i * key_size;
			if (!vals[i].blocked) {
				if (vals[i].second + 1 < second)
					bpf_map_delete_elem(fd, key);
				continue;
			}
			memset(&src, 0, sizeof(src));
			src.family = v6 ? SCMLB_AF_INET6 : SCMLB_AF_INET;
			memcpy(src.addr, key, v6 ? sizeof(src.addr) : sizeof(__be32));
			memcpy(&src.class, key + key_size - sizeof(src.class),
			       sizeof(src.class));
			err = enforce_one(ctx, &src, rules, n_rules, added);
			if (!err && bpf_map_delete_elem(fd, key) && errno != ENOENT)
				err = -errno;
		}
		if (ret)
			break;
	}
	free(keys);
	free(vals);
	return err;
}

/**
 * scmlb_dos_enforce() - turn sources over a limit into firewall rules
 * @ctx:     the run, holding the exclusive lock
 * @added:   set to the rules added, by the caller to free(); NULL when none
 * @n_added: set to how many
 *
 * The data plane already drops a source from the moment it crosses the
 * limit; this makes it a visible rule of the policy, one per source: an
 * IPv4 source's /32, an IPv6 source's prefix (/128, or the policy's
 * --prefix-len). Counts of past seconds are dropped on the way.
 *
 * Return: 0 or -errno; on an error @added holds the rules added before it.
 */
int scmlb_dos_enforce(struct scmlb_ctx *ctx, struct scmlb_dos_added **added,
		      size_t *n_added)
{
	struct scmlb_fw_entry *rules = NULL;
	struct added_list list = { 0 };
	size_t n_rules = 0;
	__u64 second;
	int err;

	*added = NULL;
	*n_added = 0;
	if (!ctx->cfg.dos_policies)
		return 0;
	second = scmlb_jiffies_now(&ctx->cfg) / (ctx->cfg.hz ? ctx->cfg.hz : 250);
	err = scmlb_fw_rules_list(ctx, false, &rules, &n_rules);
	if (!err)
		err = enforce_map(ctx, false, second, rules, n_rules, &list);
	if (!err)
		err = enforce_map(ctx, true, second, rules, n_rules, &list);
	*added = list.e;
	*n_added = list.n;
	free(rules);
	return err;
}

/**
 * scmlb_dos_expiry() - when a rule added at @now stays until
 * @now:   CLOCK_REALTIME seconds
 * @block: the policy's block time in seconds; 0: until it is deleted
 *
 * Return: CLOCK_REALTIME seconds, or 0 for never.
 */
__s64 scmlb_dos_expiry(__s64 now, __u32 block)
{
	return block ? now + block : 0;
}

/* Whether a rule expiring at @expires (0: never) is gone at @now. */
bool scmlb_dos_expired(__s64 expires, __s64 now)
{
	return expires && expires <= now;
}

/**
 * scmlb_dos_expire() - remove the rules of DoS policies whose time is up
 * @ctx: the run, holding the exclusive lock
 * @now: CLOCK_REALTIME seconds
 * @out: set to the rules removed, by the caller to free(); NULL when none
 * @n:   set to how many
 *
 * The source's packets reach the VIP again; should it flood again, its
 * policy blocks it again, with a new rule. The wall clock, not the
 * data plane's, so that an expiry means the same after a reboot.
 *
 * Return: 0 or -errno; on an error @out holds the rules removed before it.
 */
int scmlb_dos_expire(struct scmlb_ctx *ctx, __s64 now,
		     struct scmlb_dos_expired **out, size_t *n)
{
	struct scmlb_fw_entry *rules = NULL;
	struct scmlb_dos_expired *gone = NULL;
	size_t n_rules = 0, i;
	__s64 expires;
	int err;

	*out = NULL;
	*n = 0;
	if (!ctx->cfg.fw_rules)
		return 0;
	err = scmlb_fw_rules_list(ctx, false, &rules, &n_rules);
	if (!err && n_rules) {
		gone = calloc(n_rules, sizeof(*gone));
		if (!gone)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < n_rules; i++) {
		const struct scmlb_fw_rule *r = &rules[i].rule;

		err = scmlb_fw_rule_expires(ctx, r, &expires);
		if (err || !scmlb_dos_expired(expires, now))
			continue;
		err = scmlb_fw_rule_delete(ctx, r->id);
		if (!err) {
			gone[*n] = (struct scmlb_dos_expired){
				.rule = r->id, .policy = r->dos_policy,
				.class = r->dos_class - 1, .expires = expires };
			scmlb_fw_entry_network(&rules[i], gone[*n].network,
					       sizeof(gone[*n].network));
			(*n)++;
		}
	}
	free(rules);
	if (*n)
		*out = gone;
	else
		free(gone);
	return err;
}
