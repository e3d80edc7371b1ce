// SPDX-License-Identifier: GPL-2.0
/* conntrack.c - read the flow table in batches; prune and flush it */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "conntrack.h"
#include "scmlb_hash.h"

#define CT_BATCH 4096

static int ct_append(struct scmlb_ct_table *t, const struct scmlb_flow_key *keys,
		     const struct scmlb_flow *vals, __u32 count)
{
	__u32 i;

	if (t->n + count > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : CT_BATCH;
		struct scmlb_ct_entry *e;

		while (cap < t->n + count)
			cap *= 2;
		e = realloc(t->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		t->e = e;
		t->cap = cap;
	}
	for (i = 0; i < count; i++) {
		t->e[t->n].key = keys[i];
		t->e[t->n].flow = vals[i];
		t->n++;
	}
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
 * scmlb_ct_read() - read every entry of ct_flows
 * @ctx: the run, with the maps open
 * @t:   filled; free it with scmlb_ct_free()
 *
 * Batched lookups: one syscall per CT_BATCH entries. Entries added or
 * evicted by the data plane during the read may or may not be seen.
 *
 * Return: 0 or -errno.
 */
int scmlb_ct_read(const struct scmlb_ctx *ctx, struct scmlb_ct_table *t)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct scmlb_flow_key *keys;
	struct scmlb_flow *vals;
	__u32 batch, count;
	bool first = true;
	int err = 0, ret;

	memset(t, 0, sizeof(*t));
	keys = calloc(CT_BATCH, sizeof(*keys));
	vals = calloc(CT_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = CT_BATCH;
		ret = bpf_map_lookup_batch(ctx->maps.ct, first ? NULL : &batch,
					   &batch, keys, vals, &count, &opts);
		if (ret && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		first = false;
		err = ct_append(t, keys, vals, count);
		if (err || ret)	/* ENOENT: that was the last batch */
			break;
	}
	if (!err)
		err = ct_index(t);
out:
	free(keys);
	free(vals);
	if (err)
		scmlb_ct_free(t);
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

	memcpy(k.src_addr, client->flow.nat_addr, sizeof(k.src_addr));
	memcpy(k.dst_addr, client->key.src_addr, sizeof(k.dst_addr));
	k.src_port = client->flow.nat_port;
	k.dst_port = client->key.src_port;
	return k;
}

/* The key of the client's entry of a reply entry: client -> VIP. */
struct scmlb_flow_key scmlb_ct_client_key(const struct scmlb_ct_entry *reply)
{
	struct scmlb_flow_key k = reply->key;

	memcpy(k.src_addr, reply->key.dst_addr, sizeof(k.src_addr));
	memcpy(k.dst_addr, reply->flow.nat_addr, sizeof(k.dst_addr));
	k.src_port = reply->key.dst_port;
	k.dst_port = reply->flow.nat_port;
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

/* Keys to delete, gathered during a walk: deleting during it could skip entries. */
struct doomed {
	struct scmlb_flow_key *keys;
	size_t n;
	size_t cap;
};

static int doom(struct doomed *d, const struct scmlb_flow_key *key)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : CT_BATCH;
		struct scmlb_flow_key *keys = realloc(d->keys, cap * sizeof(*keys));

		if (!keys)
			return -ENOMEM;
		d->keys = keys;
		d->cap = cap;
	}
	d->keys[d->n++] = *key;
	return 0;
}

static int delete_keys(const struct scmlb_ctx *ctx, const struct doomed *d)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count;
	size_t i;

	for (i = 0; i < d->n; i += count) {
		count = d->n - i > CT_BATCH ? CT_BATCH : d->n - i;
		if (bpf_map_delete_batch(ctx->maps.ct, d->keys + i, &count, &opts) &&
		    errno != ENOENT)
			return -errno;
		if (!count)
			count = 1;	/* an entry the data plane evicted meanwhile */
	}
	return 0;
}

static bool idle(__u64 now, __u64 last_seen, __u64 max_idle)
{
	return now > last_seen && now - last_seen > max_idle;
}

/**
 * scmlb_ct_prune() - remove closed TCP flows and flows idle too long
 * @ctx:         the run, holding the exclusive lock
 * @max_idle_ns: a flow whose last packet, either way, is older than this goes
 * @stats:       what was checked and removed
 *
 * A flow goes with both its entries. A reply entry whose client's entry
 * the LRU evicted goes once it is idle too. Batched reads and deletes: a
 * pass over a million flows is a few hundred syscalls.
 *
 * Return: 0 or -errno.
 */
int scmlb_ct_prune(const struct scmlb_ctx *ctx, __u64 max_idle_ns,
		   struct scmlb_ct_prune_stats *stats)
{
	__u64 now = scmlb_jiffies_now(&ctx->cfg);
	__u64 max_idle = max_idle_ns * ctx->cfg.hz / 1000000000ULL;
	struct scmlb_ct_table t;
	struct doomed d = { 0 };
	size_t i;
	int err;

	memset(stats, 0, sizeof(*stats));
	err = scmlb_ct_read(ctx, &t);
	if (err)
		return err;
	for (i = 0; i < t.n && !err; i++) {
		const struct scmlb_ct_entry *e = &t.e[i], *other;
		struct scmlb_flow_key k;
		__u64 last = e->flow.last_seen;
		bool closed;

		if (e->flow.flags & SCMLB_FLOW_REPLY) {
			k = scmlb_ct_client_key(e);
			if (!scmlb_ct_find(&t, &k) && idle(now, last, max_idle)) {
				stats->orphans++;
				err = doom(&d, &e->key);
			}
			continue;
		}
		stats->checked++;
		k = scmlb_ct_reply_key(e);
		other = scmlb_ct_find(&t, &k);
		if (other && other->flow.last_seen > last)
			last = other->flow.last_seen;
		closed = e->flow.state == SCMLB_CT_CLOSED;
		if (!closed && !idle(now, last, max_idle))
			continue;
		stats->closed += closed;
		stats->idle += !closed;
		err = doom(&d, &e->key);
		if (!err && other)
			err = doom(&d, &other->key);
	}
	if (!err)
		err = delete_keys(ctx, &d);
	free(d.keys);
	scmlb_ct_free(&t);
	return err;
}

/**
 * scmlb_ct_flush() - remove every flow
 * @ctx:   the run, holding the exclusive lock
 * @flows: set to how many flows (client entries) there were
 *
 * Flows the data plane opens meanwhile may stay.
 *
 * Return: 0 or -errno.
 */
int scmlb_ct_flush(const struct scmlb_ctx *ctx, size_t *flows)
{
	struct scmlb_ct_table t;
	struct doomed d = { 0 };
	size_t i;
	int err;

	*flows = 0;
	err = scmlb_ct_read(ctx, &t);
	for (i = 0; !err && i < t.n; i++) {
		*flows += !(t.e[i].flow.flags & SCMLB_FLOW_REPLY);
		err = doom(&d, &t.e[i].key);
	}
	if (!err)
		err = delete_keys(ctx, &d);
	free(d.keys);
	scmlb_ct_free(&t);
	return err;
}
