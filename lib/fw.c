// SPDX-License-Identifier: GPL-2.0
/* fw.c - firewall rules on per-network lists linked to their enclosing networks */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw.h"

static __be32 prefix_mask(__u8 len)
{
	return htonl(len ? 0xffffffffU << (32 - len) : 0);
}

/* Whether network a/alen lies within b/blen. */
static bool net_within(__be32 a, __u8 alen, __be32 b, __u8 blen)
{
	return alen >= blen && (a & prefix_mask(blen)) == b;
}

static int net_read(const struct scmlb_ctx *ctx, __u32 slot,
		    struct scmlb_fw_net *net)
{
	return bpf_map_lookup_elem(ctx->maps.fw_net_info, &slot, net) ? -errno : 0;
}

static int net_write(const struct scmlb_ctx *ctx, __u32 slot,
		     const struct scmlb_fw_net *net)
{
	return bpf_map_update_elem(ctx->maps.fw_net_info, &slot, net, BPF_ANY) ?
	       -errno : 0;
}

static int rule_read(const struct scmlb_ctx *ctx, __u32 slot,
		     struct scmlb_fw_rule *rule)
{
	return bpf_map_lookup_elem(ctx->maps.fw_rules, &slot, rule) ? -errno : 0;
}

static int rule_write(const struct scmlb_ctx *ctx, __u32 slot,
		      const struct scmlb_fw_rule *rule)
{
	return bpf_map_update_elem(ctx->maps.fw_rules, &slot, rule, BPF_ANY) ?
	       -errno : 0;
}

/*
 * The network slots in use so far (scmlb_config.fw_net_slots), with room
 * for one more; slots past it were never used.
 */
static int nets_read(const struct scmlb_ctx *ctx, struct scmlb_fw_net **out,
		     __u32 *n)
{
	__u32 used = ctx->cfg.fw_net_slots;
	struct scmlb_fw_net *nets;
	int err = 0;

	if (used > SCMLB_FW_MAX_RULES)
		used = SCMLB_FW_MAX_RULES;
	nets = calloc(used + 1, sizeof(*nets));
	if (!nets)
		return -ENOMEM;
	if (used)
		err = scmlb_array_read(ctx->maps.fw_net_info, used,
				       sizeof(*nets), nets);
	if (err) {
		free(nets);
		return err;
	}
	*out = nets;
	*n = used;
	return 0;
}

/* Set the bit of every /16 that @net overlaps. */
static void hint_mark(struct scmlb_fw_hint *hint, const struct scmlb_fw_net *net)
{
	__u32 first = ntohl(net->addr) >> 16, count, i;

	count = net->prefixlen >= 16 ? 1 : 1U << (16 - net->prefixlen);
	for (i = first; i < first + count; i++)
		hint->bits[i / 64] |= 1ULL << (i % 64);
}

/*
 * Rewrite the /16 bitmap from the networks in use. Bits that do not change
 * are written with the same value, so a packet never sees a covered /16
 * flicker to clear.
 */
static int hint_write(const struct scmlb_ctx *ctx,
		      const struct scmlb_fw_net *nets, __u32 n)
{
	struct scmlb_fw_hint *hint = calloc(1, sizeof(*hint));
	__u32 i, zero = 0;
	int err = 0;

	if (!hint)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (nets[i].in_use)
			hint_mark(hint, &nets[i]);
	if (bpf_map_update_elem(ctx->maps.fw_hint, &zero, hint, BPF_ANY))
		err = -errno;
	free(hint);
	return err;
}

static int set_net_slots(struct scmlb_ctx *ctx, __u32 slots)
{
	struct scmlb_config cfg;
	int err = scmlb_config_read(ctx, &cfg);

	if (err)
		return err;
	cfg.fw_net_slots = slots;
	err = scmlb_config_write(ctx, &cfg);
	if (!err)
		ctx->cfg = cfg;
	return err;
}

/* The slot of the network that is exactly @addr/@len, or -ENOENT. */
static int net_find(const struct scmlb_ctx *ctx, __be32 addr, __u8 len,
		    __u32 *slot)
{
	struct scmlb_fw_key key = { .prefixlen = len, .addr = addr };
	struct scmlb_fw_net net;
	int err;

	/* an LPM lookup answers the longest match: check it is this one */
	if (bpf_map_lookup_elem(ctx->maps.fw_nets, &key, slot))
		return errno == ENOENT ? -ENOENT : -errno;
	err = net_read(ctx, *slot, &net);
	if (err)
		return err;
	return net.in_use && net.addr == addr && net.prefixlen == len ?
	       0 : -ENOENT;
}

/* The longest network strictly around @addr/@len, or SCMLB_FW_NONE. */
static __u32 net_parent(const struct scmlb_ctx *ctx, __be32 addr, __u8 len)
{
	struct scmlb_fw_key key = { .prefixlen = len - 1U, .addr = addr };
	__u32 slot;

	if (!len || bpf_map_lookup_elem(ctx->maps.fw_nets, &key, &slot))
		return SCMLB_FW_NONE;
	return slot;
}

/*
 * A new network, filled but not yet published: nothing leads a packet to
 * it until net_publish() puts it into the trie.
 */
static int net_create(struct scmlb_ctx *ctx, struct scmlb_fw_net *nets,
		      __u32 *n, __be32 addr, __u8 len, __u32 *slot)
{
	struct scmlb_fw_net net = {
		.head = SCMLB_FW_NONE,
		.parent = net_parent(ctx, addr, len),
		.addr = addr,
		.prefixlen = len,
		.in_use = 1,
	};
	__u32 i;
	int err;

	for (i = 0; i < *n && nets[i].in_use; i++)
		;
	if (i == SCMLB_FW_MAX_RULES)
		return -ENOSPC;
	if (i == *n) {
		/* the high-water mark first: a slot past it is never read */
		err = set_net_slots(ctx, *n + 1);
		if (err)
			return err;
		(*n)++;
	}
	*slot = i;
	nets[i] = net;
	return net_write(ctx, i, &net);
}

/* Put network @slot into the trie, then hang the networks inside it on it. */
static int net_publish(const struct scmlb_ctx *ctx, struct scmlb_fw_net *nets,
		       __u32 n, __u32 slot)
{
	struct scmlb_fw_net net;
	struct scmlb_fw_key key;
	__u32 i;
	int err;

	err = net_read(ctx, slot, &net);
	if (!err)
		err = hint_write(ctx, nets, n);
	if (err)
		return err;
	key.prefixlen = net.prefixlen;
	key.addr = net.addr;
	if (bpf_map_update_elem(ctx->maps.fw_nets, &key, &slot, BPF_ANY))
		return -errno;
	for (i = 0; i < n; i++) {
		struct scmlb_fw_net *m = &nets[i];

		if (!m->in_use || i == slot || m->prefixlen <= net.prefixlen ||
		    !net_within(m->addr, m->prefixlen, net.addr, net.prefixlen))
			continue;
		/* the new network is tighter than what it hangs on now */
		if (m->parent != SCMLB_FW_NONE &&
		    nets[m->parent].prefixlen >= net.prefixlen)
			continue;
		m->parent = slot;
		err = net_write(ctx, i, m);
		if (err)
			return err;
	}
	return 0;
}

/* Take network @slot out: its inner networks hang on its parent first. */
static int net_remove(const struct scmlb_ctx *ctx, __u32 slot)
{
	struct scmlb_fw_net *nets, net;
	struct scmlb_fw_key key;
	__u32 i, n;
	int err;

	err = nets_read(ctx, &nets, &n);
	if (err)
		return err;
	if (slot >= n) {
		err = -EUCLEAN;
		goto out;
	}
	net = nets[slot];
	for (i = 0; i < n; i++) {
		if (!nets[i].in_use || i == slot || nets[i].parent != slot)
			continue;
		nets[i].parent = net.parent;
		err = net_write(ctx, i, &nets[i]);
		if (err)
			goto out;
	}
	key.prefixlen = net.prefixlen;
	key.addr = net.addr;
	if (bpf_map_delete_elem(ctx->maps.fw_nets, &key) && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	/* keep parent: a packet still walking here goes on upward */
	net.in_use = 0;
	net.head = SCMLB_FW_NONE;
	err = net_write(ctx, slot, &net);
	nets[slot] = net;
	if (!err)
		err = hint_write(ctx, nets, n);
out:
	free(nets);
	return err;
}

static int zero_drops(const struct scmlb_ctx *ctx, __u32 slot)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *zeros;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	zeros = calloc(ncpus, sizeof(*zeros));
	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(ctx->maps.fw_drops, &slot, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}

static int set_rule_count(struct scmlb_ctx *ctx, __u32 count, __u32 next_id)
{
	struct scmlb_config cfg;
	int err = scmlb_config_read(ctx, &cfg);

	if (err)
		return err;
	cfg.fw_rules = count;
	if (next_id)
		cfg.next_fw_id = next_id;
	err = scmlb_config_write(ctx, &cfg);
	if (!err)
		ctx->cfg = cfg;
	return err;
}

/* A free rule slot for the next id; ids grow and are never reused. */
static int alloc_rule_id(const struct scmlb_ctx *ctx, __u32 *id)
{
	struct scmlb_fw_rule cur;
	__u32 tries, next = ctx->cfg.next_fw_id ? ctx->cfg.next_fw_id : 1;
	int err;

	for (tries = 0; tries < SCMLB_FW_MAX_RULES; tries++, next++) {
		if (!next)
			next = 1;
		err = rule_read(ctx, next % SCMLB_FW_MAX_RULES, &cur);
		if (err)
			return err;
		if (!cur.id) {
			*id = next;
			return 0;
		}
	}
	return -ENOSPC;
}

/**
 * scmlb_fw_rule_add() - add a rule to the firewall
 * @ctx:  the run, holding the exclusive lock
 * @rule: addr, prefixlen (host bits clear), proto, ports, dos_policy;
 *        its id is set here
 *
 * The rule is complete before its network's list points to it, and a new
 * network is complete before the trie does; the rule count that turns the
 * stage on grows first. A tool killed at any point leaves no half rule.
 *
 * Return: 0, -ENOSPC when the table is full, or another -errno.
 */
int scmlb_fw_rule_add(struct scmlb_ctx *ctx, struct scmlb_fw_rule *rule)
{
	struct scmlb_fw_net *nets = NULL, net;
	__u32 id, net_slot = 0, slot, n = 0;
	bool new_net = false;
	int err;

	err = alloc_rule_id(ctx, &id);
	if (err)
		return err;
	err = net_find(ctx, rule->addr, rule->prefixlen, &net_slot);
	if (err == -ENOENT) {
		new_net = true;
		err = nets_read(ctx, &nets, &n);
		if (!err)
			err = net_create(ctx, nets, &n, rule->addr,
					 rule->prefixlen, &net_slot);
	}
	if (!err)
		err = net_read(ctx, net_slot, &net);
	if (err)
		goto out;

	slot = id % SCMLB_FW_MAX_RULES;
	rule->id = id;
	rule->next = net.head;
	rule->mask = prefix_mask(rule->prefixlen);
	rule->net = net_slot;
	err = zero_drops(ctx, slot);
	if (!err)
		err = rule_write(ctx, slot, rule);
	if (!err)
		err = set_rule_count(ctx, ctx->cfg.fw_rules + 1, id + 1);
	if (err)
		goto out;

	net.head = slot;
	err = net_write(ctx, net_slot, &net);
	if (!err && new_net) {
		nets[net_slot] = net;
		err = net_publish(ctx, nets, n, net_slot);
	}
out:
	/* a network created here but never published holds nothing */
	if (err && new_net && nets && nets[net_slot].in_use &&
	    !net_read(ctx, net_slot, &net) && net.head == SCMLB_FW_NONE) {
		net.in_use = 0;
		net_write(ctx, net_slot, &net);
	}
	free(nets);
	return err;
}

/**
 * scmlb_fw_rule_get() - one rule by id
 * @ctx: the run, with the maps open
 * @id:  the rule's id
 * @out: the rule
 *
 * Return: 0, -ENOENT for an unknown id, or another -errno.
 */
int scmlb_fw_rule_get(const struct scmlb_ctx *ctx, __u32 id,
		      struct scmlb_fw_rule *out)
{
	int err;

	if (!id)
		return -ENOENT;
	err = rule_read(ctx, id % SCMLB_FW_MAX_RULES, out);
	if (err)
		return err;
	return out->id == id ? 0 : -ENOENT;
}

/**
 * scmlb_fw_rule_delete() - remove a rule; every other rule keeps working
 * @ctx: the run, holding the exclusive lock
 * @id:  the rule's id
 *
 * The rule leaves its list before its slot is freed, and keeps its link so
 * that a packet walking over it goes on; an emptied network leaves the
 * trie. The rule count shrinks last: a tool killed before leaves it too
 * high, which only costs a lookup, never too low, which would skip rules.
 *
 * Return: 0, -ENOENT for an unknown id, or another -errno.
 */
int scmlb_fw_rule_delete(struct scmlb_ctx *ctx, __u32 id)
{
	struct scmlb_fw_rule rule, prev;
	struct scmlb_fw_net net;
	__u32 slot, cur;
	int err;

	err = scmlb_fw_rule_get(ctx, id, &rule);
	if (!err)
		err = net_read(ctx, rule.net, &net);
	if (err)
		return err;
	slot = id % SCMLB_FW_MAX_RULES;

	if (net.head == slot) {
		net.head = rule.next;
		err = net_write(ctx, rule.net, &net);
	} else {
		for (cur = net.head; cur != SCMLB_FW_NONE; cur = prev.next) {
			err = rule_read(ctx, cur, &prev);
			if (err || prev.next == slot)
				break;
		}
		if (!err && cur == SCMLB_FW_NONE)
			err = -EUCLEAN;	/* not on its network's list */
		if (!err) {
			prev.next = rule.next;
			err = rule_write(ctx, cur, &prev);
		}
	}
	if (err)
		return err;

	rule.id = 0;
	rule.proto = SCMLB_FW_PROTO_NONE;
	err = rule_write(ctx, slot, &rule);
	if (!err && net.head == SCMLB_FW_NONE)
		err = net_remove(ctx, rule.net);
	if (!err)
		err = set_rule_count(ctx, ctx->cfg.fw_rules ?
				     ctx->cfg.fw_rules - 1 : 0, 0);
	return err;
}

static int cmp_entry(const void *a, const void *b)
{
	__u32 x = ((const struct scmlb_fw_entry *)a)->rule.id;
	__u32 y = ((const struct scmlb_fw_entry *)b)->rule.id;

	return x < y ? -1 : x > y;
}

/**
 * scmlb_fw_rules_list() - every rule, by id
 * @ctx:        the run, with the maps open
 * @with_drops: also sum each rule's per-CPU drop counter
 * @out:        set to an array the caller frees
 * @n:          set to its length
 *
 * Return: 0 or -errno.
 */
int scmlb_fw_rules_list(const struct scmlb_ctx *ctx, bool with_drops,
			struct scmlb_fw_entry **out, size_t *n)
{
	int ncpus = libbpf_num_possible_cpus();
	struct scmlb_fw_entry *list = NULL;
	__u32 i, slots = SCMLB_FW_MAX_RULES;
	struct scmlb_fw_rule *rules;
	__u64 *drops = NULL;
	size_t count = 0;
	int err, c;

	if (ncpus < 0)
		return ncpus;
	/* ids grow from 1: until they wrap, no slot past the next id is used */
	if (ctx->cfg.next_fw_id && ctx->cfg.next_fw_id < SCMLB_FW_MAX_RULES)
		slots = ctx->cfg.next_fw_id;
	rules = calloc(slots, sizeof(*rules));
	if (with_drops)
		drops = calloc((size_t)slots * ncpus, sizeof(*drops));
	if (!rules || (with_drops && !drops)) {
		err = -ENOMEM;
		goto out;
	}
	err = scmlb_array_read(ctx->maps.fw_rules, slots, sizeof(*rules), rules);
	if (!err && with_drops)
		err = scmlb_array_read(ctx->maps.fw_drops, slots,
				       ncpus * sizeof(*drops), drops);
	if (err)
		goto out;
	for (i = 0; i < slots; i++)
		count += !!rules[i].id;
	list = calloc(count ? count : 1, sizeof(*list));
	if (!list) {
		err = -ENOMEM;
		goto out;
	}
	count = 0;
	for (i = 0; i < slots; i++) {
		if (!rules[i].id)
			continue;
		list[count].rule = rules[i];
		for (c = 0; with_drops && c < ncpus; c++)
			list[count].dropped += drops[(size_t)i * ncpus + c];
		count++;
	}
	qsort(list, count, sizeof(*list), cmp_entry);
	*out = list;
	*n = count;
	list = NULL;
out:
	free(list);
	free(rules);
	free(drops);
	return err;
}

const char *scmlb_fw_proto_name(__u8 proto)
{
	switch (proto) {
	case 0:
		return "any";
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	default:
		return "none";
	}
}
