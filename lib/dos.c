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
 * @id:    set to the new policy's id; on -EEXIST, the existing one's
 *
 * Return: 0, -EEXIST when the class has a policy, or another -errno.
 */
int scmlb_dos_policy_add(struct scmlb_ctx *ctx, __u32 class, __u32 limit,
			 __u32 block, __u32 *id)
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
 *
 * The policy keeps its id and the rules it added, with their expiry
 * (scmlb-restore --flush).
 *
 * Return: 0, -ENOENT for an unknown id, or another -errno.
 */
int scmlb_dos_policy_set(struct scmlb_ctx *ctx, __u32 id, __u32 limit,
			 __u32 block)
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
			return err ? err : policy_write(ctx, class, &pol);
		}
	}
	err = budget_read(ctx, &b);
	if (err)
		return err;
	return id && b.id == id ? budget_write(ctx, id, limit) : -ENOENT;
}

/* Forget the counts of @class, blocked sources included. */
static int clear_counts(const struct scmlb_ctx *ctx, __u32 class)
{
	struct scmlb_dos_key key, next;
	int more;

	more = !bpf_map_get_next_key(ctx->maps.dos_counts, NULL, &key);
	while (more) {
		more = !bpf_map_get_next_key(ctx->maps.dos_counts, &key, &next);
		if (key.class == class &&
		    bpf_map_delete_elem(ctx->maps.dos_counts, &key) &&
		    errno != ENOENT)
			return -errno;
		key = next;
	}
	return 0;
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

static bool has_rule(const struct scmlb_fw_entry *rules, size_t n,
		     __u32 policy, __be32 addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rules[i].rule.dos_policy == policy &&
		    rules[i].rule.addr == addr && rules[i].rule.prefixlen == 32)
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

/*
 * A blocked source: add its rule unless the policy has one for it, then
 * forget the count, so that a rule deleted by hand comes back only when
 * the source floods again.
 */
static int enforce_one(struct scmlb_ctx *ctx, const struct scmlb_dos_key *key,
		       const struct scmlb_fw_entry *rules, size_t n_rules,
		       struct added_list *added)
{
	struct scmlb_fw_rule rule = { .prefixlen = 32 };
	struct scmlb_dos_policy pol;
	__u32 block = 0;
	__s64 expires;
	int err;

	err = policy_read(ctx, key->class, &pol);
	if (!err && pol.id)
		err = block_read(ctx, key->class, pol.id, &block);
	if (err)
		return err;
	if (pol.id && !has_rule(rules, n_rules, pol.id, key->saddr)) {
		rule.addr = key->saddr;
		rule.proto = class_ip_proto(key->class);
		rule.dos_policy = pol.id;
		rule.dos_class = key->class + 1;
		expires = scmlb_dos_expiry(scmlb_real_s(), block);
		err = scmlb_fw_rule_add_expiring(ctx, &rule, expires);
		if (err)
			return err;
		err = added_push(added, &(struct scmlb_dos_added){
			.rule = rule.id, .policy = pol.id, .class = key->class,
			.limit = pol.limit, .addr = key->saddr,
			.expires = expires });
		if (err)
			return err;
	}
	if (bpf_map_delete_elem(ctx->maps.dos_counts, key) && errno != ENOENT)
		return -errno;
	return 0;
}

/**
 * scmlb_dos_enforce() - turn sources over a limit into firewall rules
 * @ctx:     the run, holding the exclusive lock
 * @added:   set to the rules added, by the caller to free(); NULL when none
 * @n_added: set to how many
 *
 * The data plane already drops a source from the moment it crosses the
 * limit; this makes it a visible /32 rule of the policy, one per source.
 * Counts of past seconds are dropped on the way.
 *
 * Return: 0 or -errno; on an error @added holds the rules added before it.
 */
int scmlb_dos_enforce(struct scmlb_ctx *ctx, struct scmlb_dos_added **added,
		      size_t *n_added)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct scmlb_fw_entry *rules = NULL;
	struct added_list list = { 0 };
	struct scmlb_dos_count *vals;
	struct scmlb_dos_key *keys;
	__u32 batch, count, i;
	__u64 second;
	bool first = true;
	size_t n_rules = 0;
	int err = 0, ret;

	*added = NULL;
	*n_added = 0;
	if (!ctx->cfg.dos_policies)
		return 0;
	second = scmlb_jiffies_now(&ctx->cfg) / (ctx->cfg.hz ? ctx->cfg.hz : 250);
	keys = calloc(COUNT_BATCH, sizeof(*keys));
	vals = calloc(COUNT_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	err = scmlb_fw_rules_list(ctx, false, &rules, &n_rules);
	while (!err) {
		count = COUNT_BATCH;
		ret = bpf_map_lookup_batch(ctx->maps.dos_counts,
					   first ? NULL : &batch, &batch, keys,
					   vals, &count, &opts);
		if (ret && errno != ENOENT) {
			err = -errno;
			break;
		}
		first = false;
		for (i = 0; i < count && !err; i++) {
			if (vals[i].blocked)
				err = enforce_one(ctx, &keys[i], rules, n_rules,
						  &list);
			else if (vals[i].second + 1 < second)
				bpf_map_delete_elem(ctx->maps.dos_counts, &keys[i]);
		}
		if (ret)
			break;
	}
out:
	*added = list.e;
	*n_added = list.n;
	free(rules);
	free(keys);
	free(vals);
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
		if (!err)
			gone[(*n)++] = (struct scmlb_dos_expired){
				.rule = r->id, .policy = r->dos_policy,
				.class = r->dos_class - 1, .addr = r->addr,
				.expires = expires };
	}
	free(rules);
	if (*n)
		*out = gone;
	else
		free(gone);
	return err;
}
