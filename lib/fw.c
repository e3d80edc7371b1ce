// SPDX-License-Identifier: GPL-2.0
/* fw.c - firewall rules on per-network lists linked to their enclosing networks */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw.h"

/*
 * What the tables hold, read at once: the networks ever used, the rule
 * slots ever used, and which rules a packet can reach (those on the list
 * of a live network). Anything else with an id is what a killed tool left
 * half done; fw_repair() finishes or undoes it.
 */
struct fw_snap {
	struct scmlb_fw_net *nets;	/* n_nets, and room for one more */
	__u32 n_nets;
	struct scmlb_fw_rule *rules;
	__u32 n_slots;
	unsigned char *live;		/* per rule slot */
	unsigned char *in_trie;		/* per network: a new one already in it */
	__u32 n_live;
	bool half_done;
};

static __be32 prefix_mask(__u8 len)
{
	return htonl(len ? 0xffffffffU << (32 - len) : 0);
}

/* Whether network a/alen lies within b/blen. */
static bool net_within(__be32 a, __u8 alen, __be32 b, __u8 blen)
{
	return alen >= blen && (a & prefix_mask(blen)) == b;
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

static int config_update(struct scmlb_ctx *ctx, const __u32 *rules,
			 const __u32 *next_id, const __u32 *net_slots)
{
	int err = scmlb_config_refresh(ctx);

	if (err)
		return err;
	if (rules)
		ctx->cfg.fw_rules = *rules;
	if (next_id)
		ctx->cfg.next_fw_id = *next_id;
	if (net_slots)
		ctx->cfg.fw_net_slots = *net_slots;
	return scmlb_config_commit(ctx);
}

/* Rule slots ever used: ids grow from 1, so none past the next id, until they wrap. */
static __u32 rule_slots(const struct scmlb_ctx *ctx)
{
	__u32 next = ctx->cfg.next_fw_id;

	return next < SCMLB_FW_MAX_RULES ? next : SCMLB_FW_MAX_RULES;
}

static void snap_free(struct fw_snap *s)
{
	free(s->nets);
	free(s->rules);
	free(s->live);
	free(s->in_trie);
	memset(s, 0, sizeof(*s));
}

/* Whether packets can reach network @i: live, or new but already in the trie. */
static bool net_reachable(const struct fw_snap *s, __u32 i)
{
	return s->nets[i].in_use == SCMLB_FW_NET_LIVE ||
	       (s->nets[i].in_use == SCMLB_FW_NET_NEW && s->in_trie[i]);
}

/* Mark the rules on the lists of reachable networks; note anything half done. */
static void snap_mark(struct fw_snap *s)
{
	__u32 i, r, steps;

	memset(s->live, 0, s->n_slots + 1);
	s->n_live = 0;
	s->half_done = false;
	for (i = 0; i < s->n_nets; i++) {
		const struct scmlb_fw_net *net = &s->nets[i];

		if (net->in_use == SCMLB_FW_NET_NEW ||
		    (net->in_use == SCMLB_FW_NET_LIVE && net->head == SCMLB_FW_NONE))
			s->half_done = true;
		if (!net_reachable(s, i))
			continue;
		for (r = net->head, steps = 0; r != SCMLB_FW_NONE; r = s->rules[r].next) {
			if (r >= s->n_slots || !s->rules[r].id || s->rules[r].net != i ||
			    s->live[r] || ++steps > s->n_slots) {
				s->half_done = true;	/* a list cut short or crossed */
				break;
			}
			s->live[r] = 1;
			s->n_live++;
		}
	}
	for (r = 0; r < s->n_slots; r++)
		if (s->rules[r].id && !s->live[r])
			s->half_done = true;
}

/* The tables; with @rules false only the networks (n_slots is then 0). */
static int snap_read(const struct scmlb_ctx *ctx, struct fw_snap *s, bool rules)
{
	__u32 n_nets = ctx->cfg.fw_net_slots, i;
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (n_nets > SCMLB_FW_MAX_RULES)
		n_nets = SCMLB_FW_MAX_RULES;
	s->n_nets = n_nets;
	s->n_slots = rules ? rule_slots(ctx) : 0;
	s->nets = calloc(n_nets + 1, sizeof(*s->nets));
	s->rules = calloc(s->n_slots + 1, sizeof(*s->rules));
	s->live = calloc(s->n_slots + 1, 1);
	s->in_trie = calloc(n_nets + 1, 1);
	if (!s->nets || !s->rules || !s->live || !s->in_trie)
		err = -ENOMEM;
	if (!err && n_nets)
		err = scmlb_array_read(ctx->maps.fw_net_info, n_nets,
				       sizeof(*s->nets), s->nets);
	if (!err && s->n_slots)
		err = scmlb_array_read(ctx->maps.fw_rules, s->n_slots,
				       sizeof(*s->rules), s->rules);
	if (err) {
		snap_free(s);
		return err;
	}
	/* a tool killed while publishing: the trie may lead to a new network */
	for (i = 0; i < n_nets; i++) {
		struct scmlb_fw_key key = { s->nets[i].prefixlen, s->nets[i].addr };
		__u32 slot;

		if (s->nets[i].in_use == SCMLB_FW_NET_NEW &&
		    !bpf_map_lookup_elem(ctx->maps.fw_nets, &key, &slot) && slot == i)
			s->in_trie[i] = 1;
	}
	snap_mark(s);
	return 0;
}

/*
 * Rewrite the /16 bitmap from the live networks and @extra (one being
 * published, or SCMLB_FW_NONE). Bits that keep their value are written
 * with it, so a covered /16 never flickers to clear for a packet.
 */
static int hint_write(const struct scmlb_ctx *ctx, const struct fw_snap *s,
		      __u32 extra)
{
	struct scmlb_fw_hint *hint = calloc(1, sizeof(*hint));
	__u32 i, b, first, count, zero = 0;
	int err = 0;

	if (!hint)
		return -ENOMEM;
	for (i = 0; i < s->n_nets; i++) {
		const struct scmlb_fw_net *net = &s->nets[i];

		if (net->in_use != SCMLB_FW_NET_LIVE && i != extra)
			continue;
		first = ntohl(net->addr) >> 16;
		count = net->prefixlen >= 16 ? 1 : 1U << (16 - net->prefixlen);
		for (b = first; b < first + count; b++)
			hint->bits[b / 64] |= 1ULL << (b % 64);
	}
	if (bpf_map_update_elem(ctx->maps.fw_hint, &zero, hint, BPF_ANY))
		err = -errno;
	free(hint);
	return err;
}

/* The live network that is exactly @addr/@len, or -ENOENT. */
static int net_find(const struct scmlb_ctx *ctx, __be32 addr, __u8 len,
		    __u32 *slot, struct scmlb_fw_net *net)
{
	struct scmlb_fw_key key = { .prefixlen = len, .addr = addr };

	/* an LPM lookup answers the longest match: check it is this one */
	if (bpf_map_lookup_elem(ctx->maps.fw_nets, &key, slot))
		return errno == ENOENT ? -ENOENT : -errno;
	if (bpf_map_lookup_elem(ctx->maps.fw_net_info, slot, net))
		return -errno;
	return net->in_use == SCMLB_FW_NET_LIVE && net->addr == addr &&
	       net->prefixlen == len ? 0 : -ENOENT;
}

/* The longest live network strictly around @addr/@len, or SCMLB_FW_NONE. */
static __u32 net_parent(const struct scmlb_ctx *ctx, __be32 addr, __u8 len)
{
	struct scmlb_fw_key key = { .prefixlen = len - 1U, .addr = addr };
	__u32 slot;

	if (!len || bpf_map_lookup_elem(ctx->maps.fw_nets, &key, &slot))
		return SCMLB_FW_NONE;
	return slot;
}

/*
 * A new network, not yet in the trie: nothing leads a packet to it until
 * net_publish(). The high-water mark grows first, so that a slot past it
 * is never in use.
 */
static int net_create(struct scmlb_ctx *ctx, struct fw_snap *s, __be32 addr,
		      __u8 len, __u32 *slot)
{
	struct scmlb_fw_net net = {
		.head = SCMLB_FW_NONE,
		.parent = net_parent(ctx, addr, len),
		.addr = addr,
		.prefixlen = len,
		.in_use = SCMLB_FW_NET_NEW,
	};
	__u32 i, grown;
	int err;

	for (i = 0; i < s->n_nets && s->nets[i].in_use; i++)
		;
	if (i == SCMLB_FW_MAX_RULES)
		return -ENOSPC;
	if (i == s->n_nets) {
		grown = s->n_nets + 1;
		err = config_update(ctx, NULL, NULL, &grown);
		if (err)
			return err;
		s->n_nets = grown;
	}
	*slot = i;
	s->nets[i] = net;
	return net_write(ctx, i, &net);
}

/*
 * Put network @slot into the trie, hang the live networks inside it on
 * it, then mark it live.
 */
static int net_publish(const struct scmlb_ctx *ctx, struct fw_snap *s,
		       __u32 slot)
{
	struct scmlb_fw_net *net = &s->nets[slot];
	struct scmlb_fw_key key = { net->prefixlen, net->addr };
	__u32 i;
	int err;

	err = hint_write(ctx, s, slot);
	if (err)
		return err;
	if (bpf_map_update_elem(ctx->maps.fw_nets, &key, &slot, BPF_ANY))
		return -errno;
	for (i = 0; i < s->n_nets && !err; i++) {
		struct scmlb_fw_net *m = &s->nets[i];

		if (m->in_use != SCMLB_FW_NET_LIVE || i == slot ||
		    m->prefixlen <= net->prefixlen ||
		    !net_within(m->addr, m->prefixlen, net->addr, net->prefixlen))
			continue;
		/* the new network is tighter than what it hangs on now */
		if (m->parent != SCMLB_FW_NONE && m->parent < s->n_nets &&
		    s->nets[m->parent].prefixlen >= net->prefixlen)
			continue;
		m->parent = slot;
		err = net_write(ctx, i, m);
	}
	/* live last: a tool killed before leaves it for fw_repair() */
	net->in_use = SCMLB_FW_NET_LIVE;
	if (!err)
		err = net_write(ctx, slot, net);
	return err;
}

/* Take network @slot out: its inner networks hang on its parent first. */
static int net_remove(const struct scmlb_ctx *ctx, struct fw_snap *s,
		      __u32 slot)
{
	struct scmlb_fw_net *net = &s->nets[slot];
	struct scmlb_fw_key key = { net->prefixlen, net->addr };
	__u32 i;
	int err = 0;

	for (i = 0; i < s->n_nets && !err; i++) {
		if (!s->nets[i].in_use || i == slot || s->nets[i].parent != slot)
			continue;
		s->nets[i].parent = net->parent;
		err = net_write(ctx, i, &s->nets[i]);
	}
	if (!err && bpf_map_delete_elem(ctx->maps.fw_nets, &key) &&
	    errno != ENOENT)
		err = -errno;
	if (err)
		return err;
	/* keep parent: a packet still walking here goes on upward */
	net->in_use = SCMLB_FW_NET_FREE;
	net->head = SCMLB_FW_NONE;
	err = net_write(ctx, slot, net);
	if (!err)
		err = hint_write(ctx, s, SCMLB_FW_NONE);
	return err;
}

/*
 * Finish or undo what a killed tool left half done: a network created but
 * not in the trie is published if a rule made it onto its list, else
 * freed; a live network without rules is removed; a rule on no live list
 * (written but not linked, or unlinked but not freed) is freed. Then every
 * parent link, the /16 bitmap and the rule count are made right.
 */
static int fw_repair(struct scmlb_ctx *ctx, struct fw_snap *s)
{
	__u32 i, r, prev, parent, count;
	struct scmlb_fw_key key;
	int err = 0;

	for (i = 0; i < s->n_nets && !err; i++) {
		struct scmlb_fw_net *net = &s->nets[i];

		key.prefixlen = net->prefixlen;
		key.addr = net->addr;
		if (net->in_use == SCMLB_FW_NET_NEW && net->head != SCMLB_FW_NONE) {
			if (!s->in_trie[i] &&
			    bpf_map_update_elem(ctx->maps.fw_nets, &key, &i, BPF_ANY))
				err = -errno;
			net->in_use = SCMLB_FW_NET_LIVE;
		} else if (net->in_use && net->head == SCMLB_FW_NONE) {
			if (bpf_map_delete_elem(ctx->maps.fw_nets, &key) &&
			    errno != ENOENT)
				err = -errno;
			net->in_use = SCMLB_FW_NET_FREE;
		} else {
			continue;
		}
		if (!err)
			err = net_write(ctx, i, net);
	}
	/*
	 * A list that leads to a rule not of its network, or back into
	 * itself, ends before it (live[] marks the rules already seen).
	 */
	memset(s->live, 0, s->n_slots + 1);
	for (i = 0; i < s->n_nets && !err; i++) {
		if (s->nets[i].in_use != SCMLB_FW_NET_LIVE)
			continue;
		for (prev = SCMLB_FW_NONE, r = s->nets[i].head; r != SCMLB_FW_NONE;
		     prev = r, r = s->rules[r].next) {
			if (r < s->n_slots && s->rules[r].id && s->rules[r].net == i &&
			    !s->live[r]) {
				s->live[r] = 1;
				continue;
			}
			if (prev == SCMLB_FW_NONE) {
				s->nets[i].head = SCMLB_FW_NONE;
				err = net_write(ctx, i, &s->nets[i]);
			} else {
				s->rules[prev].next = SCMLB_FW_NONE;
				err = rule_write(ctx, prev, &s->rules[prev]);
			}
			break;
		}
	}
	snap_mark(s);
	for (i = 0; i < s->n_slots && !err; i++) {
		if (!s->rules[i].id || s->live[i])
			continue;
		s->rules[i].id = 0;
		s->rules[i].proto = SCMLB_FW_PROTO_NONE;
		err = rule_write(ctx, i, &s->rules[i]);
	}
	for (i = 0; i < s->n_nets && !err; i++) {
		if (s->nets[i].in_use != SCMLB_FW_NET_LIVE)
			continue;
		parent = net_parent(ctx, s->nets[i].addr, s->nets[i].prefixlen);
		if (parent == s->nets[i].parent)
			continue;
		s->nets[i].parent = parent;
		err = net_write(ctx, i, &s->nets[i]);
	}
	if (!err)
		err = hint_write(ctx, s, SCMLB_FW_NONE);
	count = s->n_live;
	if (!err)
		err = config_update(ctx, &count, NULL, NULL);
	if (!err) {
		memset(s->in_trie, 0, s->n_nets + 1);
		snap_mark(s);
	}
	return err;
}

/*
 * Start a firewall write. A busy mark left set means the last writer was
 * killed: only then are the whole tables read and repaired.
 */
static int fw_begin(struct scmlb_ctx *ctx)
{
	bool killed = ctx->cfg.flags & SCMLB_CFG_FW_BUSY;
	struct fw_snap s;
	int err;

	err = scmlb_config_set_flag(ctx, SCMLB_CFG_FW_BUSY, true);
	if (err || !killed)
		return err;
	err = snap_read(ctx, &s, true);
	if (!err && s.half_done)
		err = fw_repair(ctx, &s);
	snap_free(&s);
	return err;
}

static int fw_end(struct scmlb_ctx *ctx, int err)
{
	int ret = scmlb_config_set_flag(ctx, SCMLB_CFG_FW_BUSY, false);

	return err ? err : ret;
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

static int expiry_write(const struct scmlb_ctx *ctx, __u32 slot, __u32 id,
			__s64 expires)
{
	struct scmlb_fw_expiry e = { .id = id, .expires = expires };

	return bpf_map_update_elem(ctx->maps.fw_expires, &slot, &e, BPF_ANY) ?
	       -errno : 0;
}

/**
 * scmlb_fw_rule_add() - add a rule to the firewall
 * @ctx:  the run, holding the exclusive lock
 * @rule: addr, prefixlen (host bits clear), proto, ports, dos_policy;
 *        its id is set here
 *
 * The rule is complete before its network's list points to it, and a new
 * network is complete before the trie does; the rule count that turns the
 * stage on grows first. A tool killed in between leaves a rule no packet
 * and no listing reaches, which the next write frees (fw_begin()).
 *
 * Return: 0, -ENOSPC when the table is full, or another -errno.
 */
int scmlb_fw_rule_add(struct scmlb_ctx *ctx, struct scmlb_fw_rule *rule)
{
	return scmlb_fw_rule_add_expiring(ctx, rule, 0);
}

/**
 * scmlb_fw_rule_add_expiring() - scmlb_fw_rule_add() with an expiry
 * @ctx:     the run, holding the exclusive lock
 * @rule:    as for scmlb_fw_rule_add()
 * @expires: CLOCK_REALTIME seconds when scmlb-gc removes a DoS policy's
 *           rule; 0: never
 *
 * The expiry is written before the rule exists, so a rule never lacks
 * its expiry; every add writes its slot's entry, so an entry whose id
 * is not its rule's is never read.
 *
 * Return: as scmlb_fw_rule_add().
 */
int scmlb_fw_rule_add_expiring(struct scmlb_ctx *ctx,
			       struct scmlb_fw_rule *rule, __s64 expires)
{
	__u32 id, net_slot, slot, count, next_id;
	struct fw_snap s = { 0 };
	struct scmlb_fw_net net;
	bool new_net = false;
	int err;

	err = fw_begin(ctx);
	if (err)
		return err;
	err = alloc_rule_id(ctx, &id);
	if (err)
		goto out;
	err = net_find(ctx, rule->addr, rule->prefixlen, &net_slot, &net);
	if (err == -ENOENT) {
		/* a new network: the others are needed to place it */
		new_net = true;
		err = snap_read(ctx, &s, false);
		if (!err)
			err = net_create(ctx, &s, rule->addr, rule->prefixlen,
					 &net_slot);
		if (!err)
			net = s.nets[net_slot];
	}
	if (err)
		goto out;

	slot = id % SCMLB_FW_MAX_RULES;
	rule->id = id;
	rule->next = net.head;
	rule->mask = prefix_mask(rule->prefixlen);
	rule->net = net_slot;
	count = ctx->cfg.fw_rules + 1;
	next_id = id + 1;
	err = scmlb_percpu_zero(ctx->maps.fw_drops, slot, sizeof(__u64));
	if (!err)
		err = expiry_write(ctx, slot, id, expires);
	if (!err)
		err = rule_write(ctx, slot, rule);
	if (!err)
		err = config_update(ctx, &count, &next_id, NULL);
	if (err)
		goto out;

	net.head = slot;
	err = net_write(ctx, net_slot, &net);
	if (!err && new_net) {
		s.nets[net_slot] = net;
		err = net_publish(ctx, &s, net_slot);
	}
out:
	snap_free(&s);
	return fw_end(ctx, err);
}

/**
 * scmlb_fw_rule_expires() - when scmlb-gc removes a rule
 * @ctx:     the run, with the maps open
 * @rule:    a listed rule
 * @expires: set to CLOCK_REALTIME seconds, or 0 when it never expires
 *
 * Only rules of DoS policies expire; a user's rule never does.
 *
 * Return: 0 or -errno.
 */
int scmlb_fw_rule_expires(const struct scmlb_ctx *ctx,
			  const struct scmlb_fw_rule *rule, __s64 *expires)
{
	struct scmlb_fw_expiry e;
	__u32 slot = rule->id % SCMLB_FW_MAX_RULES;

	*expires = 0;
	if (!rule->dos_policy)
		return 0;
	if (bpf_map_lookup_elem(ctx->maps.fw_expires, &slot, &e))
		return -errno;
	if (e.id == rule->id)
		*expires = e.expires;
	return 0;
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
	__u32 slot = id % SCMLB_FW_MAX_RULES, cur, steps, count;
	struct scmlb_fw_rule rule, prev;
	struct fw_snap s = { 0 };
	struct scmlb_fw_net net;
	int err;

	err = fw_begin(ctx);
	if (err)
		return err;
	err = scmlb_fw_rule_get(ctx, id, &rule);
	if (!err && bpf_map_lookup_elem(ctx->maps.fw_net_info, &rule.net, &net))
		err = -errno;
	if (!err && net.in_use != SCMLB_FW_NET_LIVE)
		err = -ENOENT;
	if (err)
		goto out;

	if (net.head == slot) {
		net.head = rule.next;
		err = net_write(ctx, rule.net, &net);
	} else {
		for (cur = net.head, steps = 0; cur != SCMLB_FW_NONE; cur = prev.next) {
			err = rule_read(ctx, cur, &prev);
			if (err || prev.next == slot)
				break;
			if (++steps > SCMLB_FW_MAX_RULES) {
				err = -EUCLEAN;
				break;
			}
		}
		if (!err && cur == SCMLB_FW_NONE)
			err = -ENOENT;	/* on no list: not a rule packets meet */
		if (!err) {
			prev.next = rule.next;
			err = rule_write(ctx, cur, &prev);
		}
	}
	if (err)
		goto out;

	rule.id = 0;
	rule.proto = SCMLB_FW_PROTO_NONE;
	err = rule_write(ctx, slot, &rule);
	if (!err && net.head == SCMLB_FW_NONE) {
		err = snap_read(ctx, &s, false);
		if (!err)
			err = net_remove(ctx, &s, rule.net);
	}
	count = ctx->cfg.fw_rules ? ctx->cfg.fw_rules - 1 : 0;
	if (!err)
		err = config_update(ctx, &count, NULL, NULL);
out:
	snap_free(&s);
	return fw_end(ctx, err);
}

static int cmp_entry(const void *a, const void *b)
{
	__u32 x = ((const struct scmlb_fw_entry *)a)->rule.id;
	__u32 y = ((const struct scmlb_fw_entry *)b)->rule.id;

	return x < y ? -1 : x > y;
}

/**
 * scmlb_fw_rules_list() - every rule packets can meet, by id
 * @ctx:        the run, with the maps open
 * @with_drops: also sum each rule's per-CPU drop counter
 * @out:        set to an array the caller frees
 * @n:          set to its length
 *
 * A rule a killed tool left half added or half deleted is not listed.
 *
 * Return: 0 or -errno.
 */
int scmlb_fw_rules_list(const struct scmlb_ctx *ctx, bool with_drops,
			struct scmlb_fw_entry **out, size_t *n)
{
	int ncpus = libbpf_num_possible_cpus();
	struct scmlb_fw_entry *list = NULL;
	__u64 *drops = NULL;
	size_t count = 0;
	struct fw_snap s;
	int err, c;
	__u32 i;

	if (ncpus < 0)
		return ncpus;
	err = snap_read(ctx, &s, true);
	if (err)
		return err;
	list = calloc(s.n_live ? s.n_live : 1, sizeof(*list));
	if (with_drops)
		drops = calloc((size_t)(s.n_slots + 1) * ncpus, sizeof(*drops));
	if (!list || (with_drops && !drops)) {
		err = -ENOMEM;
		goto out;
	}
	if (with_drops && s.n_slots)
		err = scmlb_array_read(ctx->maps.fw_drops, s.n_slots,
				       ncpus * sizeof(*drops), drops);
	if (err)
		goto out;
	for (i = 0; i < s.n_slots; i++) {
		if (!s.live[i])
			continue;
		list[count].rule = s.rules[i];
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
	free(drops);
	snap_free(&s);
	return err;
}

/* Whether two rules drop the same packets: network, protocol, ports. */
bool scmlb_fw_rule_same(const struct scmlb_fw_rule *a,
			const struct scmlb_fw_rule *b)
{
	return a->addr == b->addr && a->prefixlen == b->prefixlen &&
	       a->proto == b->proto && a->src_from == b->src_from &&
	       a->src_to == b->src_to && a->dst_from == b->dst_from &&
	       a->dst_to == b->dst_to;
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
