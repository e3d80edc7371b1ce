// SPDX-License-Identifier: GPL-2.0
/* fw.c - firewall rules on per-network lists linked to their enclosing networks */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw.h"
#include "scmlb_hash.h"

/*
 * The networks of each family have their own trie, table and hint
 * (fw_nets, fw_net_info, fw_hint; fw6_*); the rules of both share
 * fw_rules and its ids. A network here is either family's, its address
 * in four words (IPv4 in addr[0]).
 */
enum fw_family { FW_V4, FW_V6, FW_FAMILIES };

struct fw_net {
	__u32 head;
	__u32 parent;
	__be32 addr[4];
	__u8 prefixlen;
	__u8 in_use;			/* enum scmlb_fw_net_state */
};

/* One family's networks ever used, as read at once. */
struct fw_table {
	struct fw_net *nets;		/* n_nets, and room for one more */
	__u32 n_nets;
	unsigned char *in_trie;		/* per network: a new one already in it */
};

/*
 * What the tables hold, read at once: the networks ever used, the rule
 * slots ever used, and which rules a packet can reach (those on the list
 * of a live network). Anything else with an id is what a killed tool left
 * half done; fw_repair() finishes or undoes it.
 */
struct fw_snap {
	struct fw_table t[FW_FAMILIES];
	struct scmlb_fw_rule *rules;
	__u32 n_slots;
	unsigned char *live;		/* per rule slot */
	__u32 n_live;
	bool half_done;
};

static enum fw_family rule_family(const struct scmlb_fw_rule *r)
{
	return r->family == SCMLB_AF_INET6 ? FW_V6 : FW_V4;
}

static __u32 max_nets(enum fw_family f)
{
	return f == FW_V6 ? SCMLB_FW6_MAX_NETS : SCMLB_FW_MAX_RULES;
}

static int trie_fd(const struct scmlb_ctx *ctx, enum fw_family f)
{
	return f == FW_V6 ? ctx->maps.fw6_nets : ctx->maps.fw_nets;
}

static int info_fd(const struct scmlb_ctx *ctx, enum fw_family f)
{
	return f == FW_V6 ? ctx->maps.fw6_net_info : ctx->maps.fw_net_info;
}

static __u32 net_slots(const struct scmlb_ctx *ctx, enum fw_family f)
{
	__u32 n = f == FW_V6 ? ctx->cfg.fw6_net_slots : ctx->cfg.fw_net_slots;

	return n < max_nets(f) ? n : max_nets(f);
}

/* The bits of word @i of a /@len mask, as on the wire. */
static __be32 word_mask(__u8 len, int i)
{
	int keep = len - 32 * i;

	if (keep <= 0)
		return 0;
	return htonl(keep >= 32 ? 0xffffffffU : 0xffffffffU << (32 - keep));
}

/* Whether network a/alen lies within b/blen (same family). */
static bool net_within(const __be32 *a, __u8 alen, const __be32 *b, __u8 blen)
{
	int i;

	if (alen < blen)
		return false;
	for (i = 0; i < 4; i++)
		if ((a[i] & word_mask(blen, i)) != b[i])
			return false;
	return true;
}

/* A trie key of family @f: struct scmlb_fw_key or scmlb_fw6_key. */
union fw_key {
	struct scmlb_fw_key v4;
	struct scmlb_fw6_key v6;
};

static union fw_key trie_key(enum fw_family f, const __be32 *addr, __u32 len)
{
	union fw_key k;

	memset(&k, 0, sizeof(k));
	if (f == FW_V6) {
		k.v6.prefixlen = len;
		memcpy(k.v6.addr, addr, sizeof(k.v6.addr));
	} else {
		k.v4.prefixlen = len;
		k.v4.addr = addr[0];
	}
	return k;
}

/* Network @slot's trie entry: -ENOENT when the trie leads elsewhere or nowhere. */
static int trie_lookup(const struct scmlb_ctx *ctx, enum fw_family f,
		       const __be32 *addr, __u32 len, __u32 *slot)
{
	union fw_key k = trie_key(f, addr, len);

	return bpf_map_lookup_elem(trie_fd(ctx, f), &k, slot) ? -errno : 0;
}

static int trie_update(const struct scmlb_ctx *ctx, enum fw_family f,
		       const struct fw_net *net, __u32 slot)
{
	union fw_key k = trie_key(f, net->addr, net->prefixlen);

	return bpf_map_update_elem(trie_fd(ctx, f), &k, &slot, BPF_ANY) ?
	       -errno : 0;
}

/* Take @net out of the trie; gone already is fine. */
static int trie_delete(const struct scmlb_ctx *ctx, enum fw_family f,
		       const struct fw_net *net)
{
	union fw_key k = trie_key(f, net->addr, net->prefixlen);

	if (bpf_map_delete_elem(trie_fd(ctx, f), &k) && errno != ENOENT)
		return -errno;
	return 0;
}

static void net_from_v4(struct fw_net *n, const struct scmlb_fw_net *m)
{
	*n = (struct fw_net){ .head = m->head, .parent = m->parent,
			      .addr = { m->addr }, .prefixlen = m->prefixlen,
			      .in_use = m->in_use };
}

static void net_from_v6(struct fw_net *n, const struct scmlb_fw6_net *m)
{
	*n = (struct fw_net){ .head = m->head, .parent = m->parent,
			      .prefixlen = m->prefixlen, .in_use = m->in_use };
	memcpy(n->addr, m->addr, sizeof(n->addr));
}

static int net_write(const struct scmlb_ctx *ctx, enum fw_family f,
		     __u32 slot, const struct fw_net *net)
{
	struct scmlb_fw6_net v6 = { net->head, net->parent, { 0 },
				    net->prefixlen, net->in_use, 0 };
	struct scmlb_fw_net v4 = { net->head, net->parent, net->addr[0],
				   net->prefixlen, net->in_use, 0 };

	memcpy(v6.addr, net->addr, sizeof(v6.addr));
	return bpf_map_update_elem(info_fd(ctx, f), &slot,
				   f == FW_V6 ? (void *)&v6 : (void *)&v4,
				   BPF_ANY) ? -errno : 0;
}

static int net_read(const struct scmlb_ctx *ctx, enum fw_family f,
		    __u32 slot, struct fw_net *net)
{
	struct scmlb_fw6_net v6;
	struct scmlb_fw_net v4;

	if (bpf_map_lookup_elem(info_fd(ctx, f), &slot,
				f == FW_V6 ? (void *)&v6 : (void *)&v4))
		return -errno;
	if (f == FW_V6)
		net_from_v6(net, &v6);
	else
		net_from_v4(net, &v4);
	return 0;
}

/* The first @n networks of family @f, into @out. */
static int nets_read(const struct scmlb_ctx *ctx, enum fw_family f, __u32 n,
		     struct fw_net *out)
{
	size_t size = f == FW_V6 ? sizeof(struct scmlb_fw6_net) :
				   sizeof(struct scmlb_fw_net);
	char *raw = calloc(n ? n : 1, size);
	__u32 i;
	int err;

	if (!raw)
		return -ENOMEM;
	err = scmlb_array_read(info_fd(ctx, f), n, size, raw);
	for (i = 0; !err && i < n; i++) {
		if (f == FW_V6)
			net_from_v6(&out[i], (void *)(raw + i * size));
		else
			net_from_v4(&out[i], (void *)(raw + i * size));
	}
	free(raw);
	return err;
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
			 const __u32 *next_id, const __u32 *net_slots,
			 enum fw_family f)
{
	int err = scmlb_config_refresh(ctx);

	if (err)
		return err;
	if (rules)
		ctx->cfg.fw_rules = *rules;
	if (next_id)
		ctx->cfg.next_fw_id = *next_id;
	if (net_slots && f == FW_V6)
		ctx->cfg.fw6_net_slots = *net_slots;
	else if (net_slots)
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
	enum fw_family f;

	for (f = FW_V4; f < FW_FAMILIES; f++) {
		free(s->t[f].nets);
		free(s->t[f].in_trie);
	}
	free(s->rules);
	free(s->live);
	memset(s, 0, sizeof(*s));
}

/* Whether packets can reach network @i: live, or new but already in the trie. */
static bool net_reachable(const struct fw_table *t, __u32 i)
{
	return t->nets[i].in_use == SCMLB_FW_NET_LIVE ||
	       (t->nets[i].in_use == SCMLB_FW_NET_NEW && t->in_trie[i]);
}

/* Mark the rules on the lists of reachable networks; note anything half done. */
static void snap_mark(struct fw_snap *s)
{
	enum fw_family f;
	__u32 i, r, steps;

	memset(s->live, 0, s->n_slots + 1);
	s->n_live = 0;
	s->half_done = false;
	for (f = FW_V4; f < FW_FAMILIES; f++) {
		const struct fw_table *t = &s->t[f];

		for (i = 0; i < t->n_nets; i++) {
			const struct fw_net *net = &t->nets[i];

			if (net->in_use == SCMLB_FW_NET_NEW ||
			    (net->in_use == SCMLB_FW_NET_LIVE &&
			     net->head == SCMLB_FW_NONE))
				s->half_done = true;
			if (!net_reachable(t, i))
				continue;
			for (r = net->head, steps = 0; r != SCMLB_FW_NONE;
			     r = s->rules[r].next) {
				if (r >= s->n_slots || !s->rules[r].id ||
				    s->rules[r].net != i ||
				    rule_family(&s->rules[r]) != f ||
				    s->live[r] || ++steps > s->n_slots) {
					/* a list cut short or crossed */
					s->half_done = true;
					break;
				}
				s->live[r] = 1;
				s->n_live++;
			}
		}
	}
	for (r = 0; r < s->n_slots; r++)
		if (s->rules[r].id && !s->live[r])
			s->half_done = true;
}

/* Family @f's networks ever used, and which new ones the trie leads to. */
static int table_read(const struct scmlb_ctx *ctx, enum fw_family f,
		      struct fw_table *t)
{
	__u32 n = net_slots(ctx, f), i, slot;
	int err = 0;

	t->n_nets = n;
	t->nets = calloc(n + 1, sizeof(*t->nets));
	t->in_trie = calloc(n + 1, 1);
	if (!t->nets || !t->in_trie)
		return -ENOMEM;
	if (n)
		err = nets_read(ctx, f, n, t->nets);
	/* a tool killed while publishing: the trie may lead to a new network */
	for (i = 0; !err && i < n; i++)
		if (t->nets[i].in_use == SCMLB_FW_NET_NEW &&
		    !trie_lookup(ctx, f, t->nets[i].addr, t->nets[i].prefixlen,
				 &slot) && slot == i)
			t->in_trie[i] = 1;
	return err;
}

/* The tables; with @rules false only the networks (n_slots is then 0). */
static int snap_read(const struct scmlb_ctx *ctx, struct fw_snap *s, bool rules)
{
	enum fw_family f;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->n_slots = rules ? rule_slots(ctx) : 0;
	s->rules = calloc(s->n_slots + 1, sizeof(*s->rules));
	s->live = calloc(s->n_slots + 1, 1);
	if (!s->rules || !s->live)
		err = -ENOMEM;
	for (f = FW_V4; f < FW_FAMILIES && !err; f++)
		err = table_read(ctx, f, &s->t[f]);
	if (!err && s->n_slots)
		err = scmlb_array_read(ctx->maps.fw_rules, s->n_slots,
				       sizeof(*s->rules), s->rules);
	if (err) {
		snap_free(s);
		return err;
	}
	snap_mark(s);
	return 0;
}

/*
 * Rewrite family @f's hint from its live networks and @extra (one being
 * published, or SCMLB_FW_NONE): IPv4's bit per /16 a network overlaps;
 * IPv6's bit of a /32-or-longer network's top 32 bits, or short_nets for
 * a shorter one, which makes every source look up. Bits that keep their
 * value are written with it, so a covered source never flickers to clear.
 */
static int hint_write(const struct scmlb_ctx *ctx, const struct fw_snap *s,
		      enum fw_family f, __u32 extra)
{
	const struct fw_table *t = &s->t[f];
	bool v6 = f == FW_V6;
	struct scmlb_fw6_hint *h6 = v6 ? calloc(1, sizeof(*h6)) : NULL;
	struct scmlb_fw_hint *h4 = v6 ? NULL : calloc(1, sizeof(*h4));
	__u64 *bits = v6 ? (h6 ? h6->bits : NULL) : (h4 ? h4->bits : NULL);
	__u32 i, b, first, count, zero = 0;
	int err = 0;

	if (!bits)
		return -ENOMEM;
	for (i = 0; i < t->n_nets; i++) {
		const struct fw_net *net = &t->nets[i];

		if (net->in_use != SCMLB_FW_NET_LIVE && i != extra)
			continue;
		if (v6 && net->prefixlen < 32) {
			h6->short_nets++;
			continue;
		}
		first = v6 ? scmlb_fw6_hint_bit(net->addr[0]) :
			     ntohl(net->addr[0]) >> 16;
		count = v6 || net->prefixlen >= 16 ? 1 :
			1U << (16 - net->prefixlen);
		for (b = first; b < first + count; b++)
			bits[b / 64] |= 1ULL << (b % 64);
	}
	if (bpf_map_update_elem(v6 ? ctx->maps.fw6_hint : ctx->maps.fw_hint,
				&zero, v6 ? (void *)h6 : (void *)h4, BPF_ANY))
		err = -errno;
	free(h4);
	free(h6);
	return err;
}

/* The live network that is exactly @addr/@len, or -ENOENT. */
static int net_find(const struct scmlb_ctx *ctx, enum fw_family f,
		    const __be32 *addr, __u8 len, __u32 *slot,
		    struct fw_net *net)
{
	int err;

	/* an LPM lookup answers the longest match: check it is this one */
	err = trie_lookup(ctx, f, addr, len, slot);
	if (!err)
		err = net_read(ctx, f, *slot, net);
	if (err)
		return err;
	return net->in_use == SCMLB_FW_NET_LIVE && net->prefixlen == len &&
	       !memcmp(net->addr, addr, sizeof(net->addr)) ? 0 : -ENOENT;
}

/* The longest live network strictly around @addr/@len, or SCMLB_FW_NONE. */
static __u32 net_parent(const struct scmlb_ctx *ctx, enum fw_family f,
			const __be32 *addr, __u8 len)
{
	__u32 slot;

	if (!len || trie_lookup(ctx, f, addr, len - 1U, &slot))
		return SCMLB_FW_NONE;
	return slot;
}

/*
 * A new network, not yet in the trie: nothing leads a packet to it until
 * net_publish(). The high-water mark grows first, so that a slot past it
 * is never in use.
 */
static int net_create(struct scmlb_ctx *ctx, struct fw_snap *s,
		      enum fw_family f, const __be32 *addr, __u8 len,
		      __u32 *slot)
{
	struct fw_table *t = &s->t[f];
	struct fw_net net = {
		.head = SCMLB_FW_NONE,
		.parent = net_parent(ctx, f, addr, len),
		.prefixlen = len,
		.in_use = SCMLB_FW_NET_NEW,
	};
	__u32 i, grown;
	int err;

	memcpy(net.addr, addr, sizeof(net.addr));
	for (i = 0; i < t->n_nets && t->nets[i].in_use; i++)
		;
	if (i == max_nets(f))
		return -ENOSPC;
	if (i == t->n_nets) {
		grown = t->n_nets + 1;
		err = config_update(ctx, NULL, NULL, &grown, f);
		if (err)
			return err;
		t->n_nets = grown;
	}
	*slot = i;
	t->nets[i] = net;
	return net_write(ctx, f, i, &net);
}

/*
 * Put network @slot into the trie, hang the live networks inside it on
 * it, then mark it live.
 */
static int net_publish(const struct scmlb_ctx *ctx, struct fw_snap *s,
		       enum fw_family f, __u32 slot)
{
	struct fw_table *t = &s->t[f];
	struct fw_net *net = &t->nets[slot];
	__u32 i;
	int err;

	err = hint_write(ctx, s, f, slot);
	if (!err)
		err = trie_update(ctx, f, net, slot);
	for (i = 0; i < t->n_nets && !err; i++) {
		struct fw_net *m = &t->nets[i];

		if (m->in_use != SCMLB_FW_NET_LIVE || i == slot ||
		    m->prefixlen <= net->prefixlen ||
		    !net_within(m->addr, m->prefixlen, net->addr, net->prefixlen))
			continue;
		/* the new network is tighter than what it hangs on now */
		if (m->parent != SCMLB_FW_NONE && m->parent < t->n_nets &&
		    t->nets[m->parent].prefixlen >= net->prefixlen)
			continue;
		m->parent = slot;
		err = net_write(ctx, f, i, m);
	}
	if (err)
		return err;
	/* live last: a tool killed before leaves it for fw_repair() */
	net->in_use = SCMLB_FW_NET_LIVE;
	return net_write(ctx, f, slot, net);
}

/* Take network @slot out: its inner networks hang on its parent first. */
static int net_remove(const struct scmlb_ctx *ctx, struct fw_snap *s,
		      enum fw_family f, __u32 slot)
{
	struct fw_table *t = &s->t[f];
	struct fw_net *net = &t->nets[slot];
	__u32 i;
	int err = 0;

	for (i = 0; i < t->n_nets && !err; i++) {
		if (!t->nets[i].in_use || i == slot || t->nets[i].parent != slot)
			continue;
		t->nets[i].parent = net->parent;
		err = net_write(ctx, f, i, &t->nets[i]);
	}
	if (!err)
		err = trie_delete(ctx, f, net);
	if (err)
		return err;
	/* keep parent: a packet still walking here goes on upward */
	net->in_use = SCMLB_FW_NET_FREE;
	net->head = SCMLB_FW_NONE;
	err = net_write(ctx, f, slot, net);
	if (!err)
		err = hint_write(ctx, s, f, SCMLB_FW_NONE);
	return err;
}

/*
 * Family @f's networks a killed tool left half done: one created but
 * not in the trie is published if a rule made it onto its list, else
 * freed; a live one without rules is removed.
 */
static int repair_nets(struct scmlb_ctx *ctx, struct fw_snap *s,
		       enum fw_family f)
{
	struct fw_table *t = &s->t[f];
	int err = 0;
	__u32 i;

	for (i = 0; i < t->n_nets && !err; i++) {
		struct fw_net *net = &t->nets[i];

		if (net->in_use == SCMLB_FW_NET_NEW && net->head != SCMLB_FW_NONE) {
			if (!t->in_trie[i])
				err = trie_update(ctx, f, net, i);
			net->in_use = SCMLB_FW_NET_LIVE;
		} else if (net->in_use && net->head == SCMLB_FW_NONE) {
			err = trie_delete(ctx, f, net);
			net->in_use = SCMLB_FW_NET_FREE;
		} else {
			continue;
		}
		if (!err)
			err = net_write(ctx, f, i, net);
	}
	return err;
}

/*
 * Family @f's lists: one that leads to a rule not of its network, or
 * back into itself, ends before it (live[] marks the rules already seen).
 */
static int repair_lists(const struct scmlb_ctx *ctx, struct fw_snap *s,
			enum fw_family f)
{
	struct fw_table *t = &s->t[f];
	__u32 i, r, prev;
	int err = 0;

	for (i = 0; i < t->n_nets && !err; i++) {
		if (t->nets[i].in_use != SCMLB_FW_NET_LIVE)
			continue;
		for (prev = SCMLB_FW_NONE, r = t->nets[i].head; r != SCMLB_FW_NONE;
		     prev = r, r = s->rules[r].next) {
			if (r < s->n_slots && s->rules[r].id && s->rules[r].net == i &&
			    rule_family(&s->rules[r]) == f && !s->live[r]) {
				s->live[r] = 1;
				continue;
			}
			if (prev == SCMLB_FW_NONE) {
				t->nets[i].head = SCMLB_FW_NONE;
				err = net_write(ctx, f, i, &t->nets[i]);
			} else {
				s->rules[prev].next = SCMLB_FW_NONE;
				err = rule_write(ctx, prev, &s->rules[prev]);
			}
			break;
		}
	}
	return err;
}

/* Family @f's parent links made right, then its hint. */
static int repair_parents(const struct scmlb_ctx *ctx, struct fw_snap *s,
			  enum fw_family f)
{
	struct fw_table *t = &s->t[f];
	__u32 i, parent;
	int err = 0;

	for (i = 0; i < t->n_nets && !err; i++) {
		if (t->nets[i].in_use != SCMLB_FW_NET_LIVE)
			continue;
		parent = net_parent(ctx, f, t->nets[i].addr, t->nets[i].prefixlen);
		if (parent == t->nets[i].parent)
			continue;
		t->nets[i].parent = parent;
		err = net_write(ctx, f, i, &t->nets[i]);
	}
	return err ? err : hint_write(ctx, s, f, SCMLB_FW_NONE);
}

/*
 * Finish or undo what a killed tool left half done, in the networks of
 * both families (repair_nets()) and their lists (repair_lists()); a rule
 * on no live list (written but not linked, or unlinked but not freed) is
 * freed. Then every parent link, the hints and the rule count are made
 * right.
 */
static int fw_repair(struct scmlb_ctx *ctx, struct fw_snap *s)
{
	enum fw_family f;
	__u32 i, count;
	int err = 0;

	for (f = FW_V4; f < FW_FAMILIES && !err; f++)
		err = repair_nets(ctx, s, f);
	memset(s->live, 0, s->n_slots + 1);
	for (f = FW_V4; f < FW_FAMILIES && !err; f++)
		err = repair_lists(ctx, s, f);
	snap_mark(s);
	for (i = 0; i < s->n_slots && !err; i++) {
		if (!s->rules[i].id || s->live[i])
			continue;
		s->rules[i].id = 0;
		s->rules[i].proto = SCMLB_FW_PROTO_NONE;
		err = rule_write(ctx, i, &s->rules[i]);
	}
	for (f = FW_V4; f < FW_FAMILIES && !err; f++)
		err = repair_parents(ctx, s, f);
	count = s->n_live;
	if (!err)
		err = config_update(ctx, &count, NULL, NULL, FW_V4);
	if (!err) {
		for (f = FW_V4; f < FW_FAMILIES; f++)
			memset(s->t[f].in_trie, 0, s->t[f].n_nets + 1);
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
 * scmlb_fw_rule_add() - add an IPv4 rule to the firewall
 * @ctx:  the run, holding the exclusive lock
 * @rule: addr, prefixlen (host bits clear), proto, ports, dos_policy;
 *        its id is set here
 *
 * As scmlb_fw_entry_add(), for callers that know only IPv4.
 *
 * Return: as scmlb_fw_entry_add().
 */
int scmlb_fw_rule_add(struct scmlb_ctx *ctx, struct scmlb_fw_rule *rule)
{
	return scmlb_fw_rule_add_expiring(ctx, rule, 0);
}

/**
 * scmlb_fw_rule_add_expiring() - scmlb_fw_rule_add() with an expiry
 * @ctx:     the run, holding the exclusive lock
 * @rule:    as for scmlb_fw_rule_add()
 * @expires: as for scmlb_fw_entry_add()
 *
 * Return: as scmlb_fw_entry_add().
 */
int scmlb_fw_rule_add_expiring(struct scmlb_ctx *ctx,
			       struct scmlb_fw_rule *rule, __s64 expires)
{
	struct scmlb_fw_entry e = { .rule = *rule, .addr = { rule->addr } };
	int err;

	e.rule.family = SCMLB_AF_INET;
	err = scmlb_fw_entry_add(ctx, &e, expires);
	*rule = e.rule;
	return err;
}

/**
 * scmlb_fw_entry_add() - add a rule of either family to the firewall
 * @ctx:     the run, holding the exclusive lock
 * @e:       addr (host bits clear), and in rule: family (0 is IPv4),
 *           prefixlen, proto, ports, dos_policy; the rule's id and links
 *           are set here
 * @expires: CLOCK_REALTIME seconds when scmlb-gc removes a DoS policy's
 *           rule; 0: never
 *
 * The rule is complete before its network's list points to it, and a new
 * network is complete before the trie does; the rule count that turns the
 * stage on grows first. A tool killed in between leaves a rule no packet
 * and no listing reaches, which the next write frees (fw_begin()). The
 * expiry is written before the rule exists, so a rule never lacks it;
 * every add writes its slot's entry, so an entry whose id is not its
 * rule's is never read. An IPv6 rule's network is only in fw6_net_info.
 *
 * Return: 0, -ENOSPC when the rule table or the family's network table
 * is full, or another -errno.
 */
int scmlb_fw_entry_add(struct scmlb_ctx *ctx, struct scmlb_fw_entry *e,
		       __s64 expires)
{
	struct scmlb_fw_rule *rule = &e->rule;
	enum fw_family f = rule_family(rule);
	__u32 id, net_slot, slot, count, next_id;
	struct fw_snap s = { 0 };
	struct fw_net net;
	bool new_net = false;
	int err;

	err = fw_begin(ctx);
	if (err)
		return err;
	err = alloc_rule_id(ctx, &id);
	if (err)
		goto out;
	err = net_find(ctx, f, e->addr, rule->prefixlen, &net_slot, &net);
	if (err == -ENOENT) {
		/* a new network: the others are needed to place it */
		new_net = true;
		err = snap_read(ctx, &s, false);
		if (!err)
			err = net_create(ctx, &s, f, e->addr, rule->prefixlen,
					 &net_slot);
		if (!err)
			net = s.t[f].nets[net_slot];
	}
	if (err)
		goto out;

	slot = id % SCMLB_FW_MAX_RULES;
	rule->id = id;
	rule->next = net.head;
	rule->net = net_slot;
	if (f == FW_V6) {
		/* no IPv4 source matches: an IPv4 walk that strays here skips it */
		rule->addr = SCMLB_FW6_RULE_ADDR;
		rule->mask = 0;
		rule->family = SCMLB_AF_INET6;
	} else {
		rule->addr = e->addr[0];
		rule->mask = word_mask(rule->prefixlen, 0);
	}
	count = ctx->cfg.fw_rules + 1;
	next_id = id + 1;
	err = scmlb_percpu_zero(ctx->maps.fw_drops, slot, sizeof(__u64));
	if (!err)
		err = expiry_write(ctx, slot, id, expires);
	if (!err)
		err = rule_write(ctx, slot, rule);
	if (!err)
		err = config_update(ctx, &count, &next_id, NULL, f);
	if (err)
		goto out;

	net.head = slot;
	err = net_write(ctx, f, net_slot, &net);
	if (!err && new_net) {
		s.t[f].nets[net_slot] = net;
		err = net_publish(ctx, &s, f, net_slot);
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
	enum fw_family f;
	struct fw_net net;
	int err;

	err = fw_begin(ctx);
	if (err)
		return err;
	err = scmlb_fw_rule_get(ctx, id, &rule);
	f = rule_family(&rule);
	if (!err)
		err = net_read(ctx, f, rule.net, &net);
	if (!err && net.in_use != SCMLB_FW_NET_LIVE)
		err = -ENOENT;
	if (err)
		goto out;

	if (net.head == slot) {
		net.head = rule.next;
		err = net_write(ctx, f, rule.net, &net);
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
			err = net_remove(ctx, &s, f, rule.net);
	}
	count = ctx->cfg.fw_rules ? ctx->cfg.fw_rules - 1 : 0;
	if (!err)
		err = config_update(ctx, &count, NULL, NULL, f);
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
		memcpy(list[count].addr,
		       s.t[rule_family(&s.rules[i])].nets[s.rules[i].net].addr,
		       sizeof(list[count].addr));
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

/* Whether two IPv4 rules drop the same packets: network, protocol, ports. */
bool scmlb_fw_rule_same(const struct scmlb_fw_rule *a,
			const struct scmlb_fw_rule *b)
{
	return rule_family(a) == rule_family(b) && a->addr == b->addr &&
	       a->prefixlen == b->prefixlen && a->proto == b->proto &&
	       a->src_from == b->src_from && a->src_to == b->src_to &&
	       a->dst_from == b->dst_from && a->dst_to == b->dst_to;
}

/* Whether two rules of either family drop the same packets. */
bool scmlb_fw_entry_same(const struct scmlb_fw_entry *a,
			 const struct scmlb_fw_entry *b)
{
	struct scmlb_fw_rule x = a->rule, y = b->rule;

	/* the address of an IPv6 rule's network is in addr only */
	x.addr = y.addr = 0;
	return scmlb_fw_rule_same(&x, &y) &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/**
 * scmlb_fw_entry_network() - a listed rule's network as text
 * @e:    the rule as listed
 * @buf:  set to "ADDR/LEN" (IPv6 in RFC 5952 form)
 * @size: room in @buf; SCMLB_FW_NETWORK_LEN is enough
 *
 * Return: @buf.
 */
char *scmlb_fw_entry_network(const struct scmlb_fw_entry *e, char *buf,
			     size_t size)
{
	bool v6 = rule_family(&e->rule) == FW_V6;
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(v6 ? AF_INET6 : AF_INET, e->addr, addr, sizeof(addr));
	snprintf(buf, size, "%s/%u", addr, e->rule.prefixlen);
	return buf;
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
