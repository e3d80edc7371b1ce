// SPDX-License-Identifier: GPL-2.0
/* conntrack.c - read the flow tables in batches; flush them */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "conntrack.h"
#include "ct_gather.h"
#include "scmlb_hash.h"

#define CT_BATCH 4096

static int ct_opening_mask(int fd, __u32 *mask);

/* A walk's callback, of either family's key. */
struct ct_walk {
	scmlb_ct_walk_fn fn;		/* IPv4's, or NULL */
	scmlb_ct6_walk_fn fn6;		/* IPv6's */
	void *arg;
};

static int walk_entry(const void *key, const void *val, void *arg)
{
	const struct ct_walk *w = arg;

	return w->fn ? w->fn(key, val, w->arg) : w->fn6(key, val, w->arg);
}

/* A half-open slot holds its key, then its flow; family 0 when empty. */
_Static_assert(offsetof(struct scmlb_opening_slot, flow) ==
	       sizeof(struct scmlb_flow_key) &&
	       offsetof(struct scmlb_opening6_slot, flow) ==
	       sizeof(struct scmlb_flow6_key), "slots: a key, then its flow");

/* scmlb_ct_gather()'s: a full half-open slot, of the walk's family. */
static int walk_slot(const void *slot, void *arg)
{
	const struct scmlb_opening_slot *s = slot;
	const struct scmlb_opening6_slot *s6 = slot;
	const struct ct_walk *w = arg;

	if (w->fn)
		return w->fn(&s->key, &s->flow, w->arg);
	return w->fn6(&s6->key, &s6->flow, w->arg);
}

/* scmlb_ct_read()'s walk: one more entry in the table, grown by doubling. */
static int ct_append(const struct scmlb_flow_key *key,
		     const struct scmlb_flow *flow, void *arg)
{
	struct scmlb_ct_table *t = arg;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : CT_BATCH;
		struct scmlb_ct_entry *e = realloc(t->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->e = e;
		t->cap = cap;
	}
	t->e[t->n].key = *key;
	t->e[t->n].flow = *flow;
	t->n++;
	return 0;
}

static size_t ct_slot(const struct scmlb_ct_table *t,
		      const struct scmlb_flow_key *key)
{
	return scmlb_flow_hash(key) & (t->n_slots - 1);
}

static int ct_index(struct scmlb_ct_table *t)
{
	size_t i, s;

	for (t->n_slots = 16; t->n_slots < 2 * t->n; t->n_slots *= 2)
		;
	t->slots = calloc(t->n_slots, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		for (s = ct_slot(t, &t->e[i].key); t->slots[s];
		     s = (s + 1) & (t->n_slots - 1))
			;
		t->slots[s] = i + 1;
	}
	return 0;
}

/**
 * scmlb_ct_read() - read every entry of a conntrack map
 * @fd:    ct_flows or ct_replies
 * @index: also build the index scmlb_ct_find() uses
 * @t:     filled; free it with scmlb_ct_free()
 *
 * Batched lookups: one syscall per CT_BATCH entries. Entries added or
 * evicted by the data plane during the read may or may not be seen.
 *
 * Return: 0 or -errno.
 */
int scmlb_ct_read(int fd, bool index, struct scmlb_ct_table *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = scmlb_ct_walk(fd, ct_append, t);
	if (!err && index)
		err = ct_index(t);
	if (err)
		scmlb_ct_free(t);
	return err;
}

/**
 * scmlb_ct_read_flows() - read every flow, established and half-open
 * @ctx:     the run
 * @clients: filled with the clients' entries (ct_flows, then ct_opening)
 * @replies: NULL, or filled with the reply entries (ct_replies, then
 *	     ct_opening_rep), indexed for scmlb_ct_find()
 *
 * A flow the data plane promotes during the read may be seen twice or
 * not at all. Free the tables with scmlb_ct_free().
 *
 * Return: 0 or -errno.
 */
int scmlb_ct_read_flows(const struct scmlb_ctx *ctx,
			struct scmlb_ct_table *clients,
			struct scmlb_ct_table *replies)
{
	int err;

	memset(clients, 0, sizeof(*clients));
	if (replies)
		memset(replies, 0, sizeof(*replies));
	err = scmlb_ct_walk_flows(ctx, ct_append, clients);
	if (!err && replies)
		err = scmlb_ct_walk(ctx->maps.ct_replies, ct_append, replies);
	if (!err && replies)
		err = scmlb_ct_opening_walk(ctx->maps.ct_opening_rep, ct_append,
					    replies);
	if (!err && replies)
		err = ct_index(replies);
	if (err) {
		scmlb_ct_free(clients);
		if (replies)
			scmlb_ct_free(replies);
	}
	return err;
}

void scmlb_ct_free(struct scmlb_ct_table *t)
{
	free(t->e);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* The entry keyed @key in @t, or NULL. */
const struct scmlb_ct_entry *scmlb_ct_find(const struct scmlb_ct_table *t,
					   const struct scmlb_flow_key *key)
{
	size_t s;

	if (!t->n_slots)
		return NULL;
	for (s = ct_slot(t, key); t->slots[s]; s = (s + 1) & (t->n_slots - 1)) {
		const struct scmlb_ct_entry *e = &t->e[t->slots[s] - 1];

		if (!memcmp(&e->key, key, sizeof(*key)))
			return e;
	}
	return NULL;
}

/* The key of the reply entry of a client's entry: backend -> client. */
struct scmlb_flow_key scmlb_ct_reply_key(const struct scmlb_ct_entry *client)
{
	struct scmlb_flow_key k = client->key;

	k.src_addr = client->flow.nat_addr[0];
	k.dst_addr = client->key.src_addr;
	k.src_port = client->flow.nat_port;
	k.dst_port = client->key.src_port;
	return k;
}

const char *scmlb_ct_state_name(__u8 state)
{
	switch (state) {
	case SCMLB_CT_OPENING:
		return "opening";
	case SCMLB_CT_ESTABLISHED:
		return "established";
	case SCMLB_CT_CLOSING:
		return "closing";
	case SCMLB_CT_CLOSED:
		return "closed";
	case SCMLB_CT_UDP:
		return "udp";
	default:
		return "unknown";
	}
}

/*
 * Keys to delete, gathered during a walk: deleting during it could skip
 * entries. Keys of @key_size bytes: either family's.
 */
struct doomed {
	char *keys;
	size_t key_size;
	size_t n;
	size_t cap;
};

static int doom(struct doomed *d, const void *key)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : CT_BATCH;
		char *keys = realloc(d->keys, cap * d->key_size);

		if (!keys)
			return -ENOMEM;
		d->keys = keys;
		d->cap = cap;
	}
	memcpy(d->keys + d->n++ * d->key_size, key, d->key_size);
	return 0;
}

/* The @i-th key gathered. */
static const void *doomed_key(const struct doomed *d, size_t i)
{
	return d->keys + i * d->key_size;
}

/* scmlb_ct_opening_walk()'s: doom every key it meets. */
static int doom_flow(const struct scmlb_flow_key *key,
		     const struct scmlb_flow *flow, void *arg)
{
	(void)flow;
	return doom(arg, key);
}

/* The same for IPv6 keys. */
static int doom_flow6(const struct scmlb_flow6_key *key,
		      const struct scmlb_flow *flow, void *arg)
{
	(void)flow;
	return doom(arg, key);
}

static int delete_keys(int fd, const struct doomed *d)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count;
	size_t i;

	for (i = 0; i < d->n; i += count) {
		count = d->n - i > CT_BATCH ? CT_BATCH : d->n - i;
		if (bpf_map_delete_batch(fd, (void *)doomed_key(d, i), &count,
					 &opts) &&
		    errno != ENOENT)
			return -errno;
		if (!count)
			count = 1;	/* an entry the data plane evicted meanwhile */
	}
	return 0;
}

/* Empty every slot of the half-open map @fd; *@n: how many were full. */
static int ct_opening_empty(int fd, size_t *n)
{
	struct doomed d = { .key_size = sizeof(struct scmlb_flow_key) };
	size_t i;
	int err;

	*n = 0;
	err = scmlb_ct_opening_walk(fd, doom_flow, &d);
	for (i = 0; !err && i < d.n; i++) {
		if (scmlb_ct_opening_clear(fd, doomed_key(&d, i)) == 0)
			(*n)++;
	}
	free(d.keys);
	return err;
}

/* Delete every entry of the conntrack map @fd; *@n: how many there were. */
static int ct_empty(int fd, size_t *n)
{
	struct scmlb_ct_table t;
	struct doomed d = { .key_size = sizeof(struct scmlb_flow_key) };
	size_t i;
	int err;

	err = scmlb_ct_read(fd, false, &t);
	for (i = 0; !err && i < t.n; i++)
		err = doom(&d, &t.e[i].key);
	if (!err)
		err = delete_keys(fd, &d);
	*n = t.n;
	free(d.keys);
	scmlb_ct_free(&t);
	return err;
}

/*
 * IPv6 flows (ct6_*, layout 4.5): the same entries under 40-byte keys.
 * Listings and counts walk them; nothing else in the tools looks one up.
 */

/**
 * scmlb_ct6_walk_flows() - call @fn on every IPv6 client's entry
 * @ctx: the run
 * @fn:  called per entry, established ones (ct6_flows) first, then the
 *	 half-open ones (ct6_opening); a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Return: 0, what @fn returned, or -errno.
 */
int scmlb_ct6_walk_flows(const struct scmlb_ctx *ctx, scmlb_ct6_walk_fn fn,
			 void *arg)
{
	struct ct_walk w = { NULL, fn, arg };
	int err;

	err = scmlb_map_batches(ctx->maps.ct6, CT_BATCH,
				sizeof(struct scmlb_flow6_key),
				sizeof(struct scmlb_flow), walk_entry, &w);
	if (!err)
		err = scmlb_ct_gather(ctx->maps.ct6_opening, walk_slot, &w);
	return err;
}

/* The key of an IPv6 client's reply entry: backend -> client. */
struct scmlb_flow6_key scmlb_ct6_reply_key(const struct scmlb_flow6_key *key,
					   const struct scmlb_flow *flow)
{
	struct scmlb_flow6_key k = *key;

	memcpy(k.src_addr, flow->nat_addr, sizeof(k.src_addr));
	memcpy(k.dst_addr, key->src_addr, sizeof(k.dst_addr));
	k.src_port = flow->nat_port;
	k.dst_port = key->src_port;
	return k;
}

/* The slot of ct6_opening(_rep) @fd that holds @key's flow, or -ENOENT. */
static int ct6_opening_find(int fd, const struct scmlb_flow6_key *key,
			    __u32 *i, struct scmlb_opening6_slot *s)
{
	__u32 mask = 0, way;
	int err = ct_opening_mask(fd, &mask);

	for (way = 0; !err && way < 2; way++) {
		*i = scmlb_opening6_bucket(key, mask) + way;
		if (bpf_map_lookup_elem(fd, i, s))
			return -errno;
		if (scmlb_flow6_key_equal(&s->key, key))
			return 0;
	}
	return err ? err : -ENOENT;
}

/**
 * scmlb_ct6_reply() - an IPv6 flow's reply entry, established or half-open
 * @ctx:  the run
 * @rkey: its key (scmlb_ct6_reply_key())
 * @flow: set to the entry
 *
 * Return: 0, -ENOENT, or -errno.
 */
int scmlb_ct6_reply(const struct scmlb_ctx *ctx,
		    const struct scmlb_flow6_key *rkey, struct scmlb_flow *flow)
{
	struct scmlb_opening6_slot s;
	__u32 i;
	int err;

	if (!bpf_map_lookup_elem(ctx->maps.ct6_replies, rkey, flow))
		return 0;
	if (errno != ENOENT)
		return -errno;
	err = ct6_opening_find(ctx->maps.ct6_opening_rep, rkey, &i, &s);
	if (!err)
		*flow = s.flow;
	return err;
}

/* Delete every entry of the IPv6 conntrack hash @fd; *@n: how many. */
static int ct6_empty(int fd, size_t *n)
{
	struct doomed d = { .key_size = sizeof(struct scmlb_flow6_key) };
	struct ct_walk w = { NULL, doom_flow6, &d };
	int err;

	err = scmlb_map_batches(fd, CT_BATCH, sizeof(struct scmlb_flow6_key),
				sizeof(struct scmlb_flow), walk_entry, &w);
	if (!err)
		err = delete_keys(fd, &d);
	*n = d.n;
	free(d.keys);
	return err;
}

/* Empty every slot of ct6_opening(_rep) @fd that still holds what the walk saw. */
static int ct6_opening_empty(int fd, size_t *n)
{
	struct doomed d = { .key_size = sizeof(struct scmlb_flow6_key) };
	struct ct_walk w = { NULL, doom_flow6, &d };
	struct scmlb_opening6_slot s;
	size_t k;
	__u32 i;
	int err;

	*n = 0;
	err = scmlb_ct_gather(fd, walk_slot, &w);
	for (k = 0; !err && k < d.n; k++) {
		if (ct6_opening_find(fd, doomed_key(&d, k), &i, &s))
			continue;
		memset(&s, 0, sizeof(s));
		if (bpf_map_update_elem(fd, &i, &s, BPF_ANY))
			err = -errno;
		else
			(*n)++;
	}
	free(d.keys);
	return err;
}

/* scmlb_ct_flush()'s IPv6 part: clients' entries before their replies'. */
static int ct6_flush(const struct scmlb_ctx *ctx, size_t *established,
		     size_t *opening)
{
	size_t replies;
	int err;

	err = ct6_empty(ctx->maps.ct6, established);
	if (!err)
		err = ct6_empty(ctx->maps.ct6_replies, &replies);
	if (!err)
		err = ct6_opening_empty(ctx->maps.ct6_opening, opening);
	if (!err)
		err = ct6_opening_empty(ctx->maps.ct6_opening_rep, &replies);
	return err;
}

/**
 * scmlb_ct_flush() - remove every flow, established and half-open, of both families
 * @ctx:   the run, holding the exclusive lock
 * @flows: set to how many flows (client's entries) there were
 *
 * Flows the data plane opens meanwhile may stay.
 *
 * Return: 0 or -errno.
 */
int scmlb_ct_flush(const struct scmlb_ctx *ctx, size_t *flows)
{
	size_t established = 0, opening = 0, replies;
	size_t established6 = 0, opening6 = 0;
	int err;

	/* each client's entry before its replies': no reply left without it */
	err = ct_empty(ctx->maps.ct, &established);
	if (!err)
		err = ct_empty(ctx->maps.ct_replies, &replies);
	if (!err)
		err = ct_opening_empty(ctx->maps.ct_opening, &opening);
	if (!err)
		err = ct_opening_empty(ctx->maps.ct_opening_rep, &replies);
	if (!err)
		err = ct6_flush(ctx, &established6, &opening6);
	*flows = established + opening + established6 + opening6;
	return err;
}

/**
 * scmlb_ct_walk_flows() - scmlb_ct_walk() over every client's entry
 * @ctx: the run
 * @fn:  called per entry, established ones (ct_flows) first, then the
 *	 half-open ones (ct_opening)
 * @arg: passed to @fn
 *
 * Return: 0, what @fn returned, or -errno.
 */
int scmlb_ct_walk_flows(const struct scmlb_ctx *ctx, scmlb_ct_walk_fn fn,
			void *arg)
{
	int err = scmlb_ct_walk(ctx->maps.ct, fn, arg);

	return err ? err : scmlb_ct_opening_walk(ctx->maps.ct_opening, fn, arg);
}

/* Slots of the half-open map @fd less one: its hash mask. */
static int ct_opening_mask(int fd, __u32 *mask)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (!info.max_entries || info.max_entries & (info.max_entries - 1))
		return -EINVAL;
	*mask = info.max_entries - 1;
	return 0;
}

/*
 * Read @key's bucket of the half-open map @fd: *@i and @s, the way that
 * holds its flow, else the way a new entry for it would take
 * (scmlb_opening_way(), as the data plane chooses).
 * Return: 0 when the flow is there, -ENOENT when not, or -errno.
 */
static int ct_opening_slot(int fd, const struct scmlb_flow_key *key,
			   __u32 *i, struct scmlb_opening_slot *s)
{
	struct scmlb_opening_slot ways[2];
	__u32 mask = 0, first;
	int err = ct_opening_mask(fd, &mask), way;

	if (err)
		return err;
	first = scmlb_opening_bucket(key, mask);
	for (way = 0; way < 2; way++) {
		*i = first + way;
		if (bpf_map_lookup_elem(fd, i, &ways[way]))
			return -errno;
	}
	way = scmlb_opening_way(key, &ways[0].key, ways[0].flow.last_seen,
				&ways[1].key, ways[1].flow.last_seen);
	*i = first + way;
	*s = ways[way];
	return memcmp(&s->key, key, sizeof(*key)) ? -ENOENT : 0;
}

/**
 * scmlb_ct_opening_get() - a half-open flow's entry, by its key
 * @fd:   ct_opening or ct_opening_rep
 * @key:  the entry's key
 * @flow: set to the entry
 *
 * Return: 0, -ENOENT when its slot holds another flow or none (errno is
 * set as well, as by bpf_map_lookup_elem()), or -errno.
 */
int scmlb_ct_opening_get(int fd, const struct scmlb_flow_key *key,
			 struct scmlb_flow *flow)
{
	struct scmlb_opening_slot s;
	__u32 i;
	int err = ct_opening_slot(fd, key, &i, &s);

	if (err)
		errno = -err;
	else
		*flow = s.flow;
	return err;
}

/**
 * scmlb_ct_opening_put() - write a half-open flow's entry into its bucket
 * @fd:   ct_opening or ct_opening_rep
 * @key:  the entry's key
 * @flow: the entry
 *
 * Into its own way, a free one, or the one idle the longer, whose flow it
 * replaces, as the data plane does.
 *
 * Return: 0 or -errno (errno set as well).
 */
int scmlb_ct_opening_put(int fd, const struct scmlb_flow_key *key,
			 const struct scmlb_flow *flow)
{
	struct scmlb_opening_slot s = { .key = *key, .flow = *flow }, old;
	__u32 i;
	int err = ct_opening_slot(fd, key, &i, &old);

	if (err == -ENOENT)
		err = 0;
	if (!err && bpf_map_update_elem(fd, &i, &s, BPF_ANY))
		err = -errno;
	if (err)
		errno = -err;
	return err;
}

/**
 * scmlb_ct_opening_clear() - empty a half-open flow's slot
 * @fd:  ct_opening or ct_opening_rep
 * @key: the entry's key
 *
 * Return: 0, -ENOENT when the slot holds another flow or none (left
 * alone), or -errno; errno set as well.
 */
int scmlb_ct_opening_clear(int fd, const struct scmlb_flow_key *key)
{
	struct scmlb_opening_slot s;
	__u32 i;
	int err = ct_opening_slot(fd, key, &i, &s);

	if (!err) {
		memset(&s, 0, sizeof(s));
		if (bpf_map_update_elem(fd, &i, &s, BPF_ANY))
			err = -errno;
	}
	if (err)
		errno = -err;
	return err;
}


/**
 * scmlb_ct_walk() - call @fn on every entry of a conntrack map, in batches
 * @fd:  ct_flows or ct_replies
 * @fn:  called per entry; a non-zero return stops the walk and is returned
 * @arg: passed to @fn
 *
 * Entries the data plane adds or evicts meanwhile may or may not be seen.
 *
 * Return: 0, what @fn returned, or -errno.
 */
int scmlb_ct_walk(int fd, scmlb_ct_walk_fn fn, void *arg)
{
	struct ct_walk w = { fn, NULL, arg };

	return scmlb_map_batches(fd, CT_BATCH, sizeof(struct scmlb_flow_key),
			  sizeof(struct scmlb_flow), walk_entry, &w);
}

/**
 * scmlb_ct_opening_walk() - scmlb_ct_walk() over a half-open map's full slots
 * @fd:  ct_opening or ct_opening_rep
 * @fn:  called per full slot; a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Return: 0, what @fn returned, or -errno.
 */
int scmlb_ct_opening_walk(int fd, scmlb_ct_walk_fn fn, void *arg)
{
	struct ct_walk w = { fn, NULL, arg };

	return scmlb_ct_gather(fd, walk_slot, &w);
}
