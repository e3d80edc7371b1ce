// SPDX-License-Identifier: GPL-2.0
/* reply_index.c - lb_reply_index: the VIP of a backend's reply, from the backends and services */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/in.h>
#include <bpf/bpf.h>

#include "backends.h"
#include "batch.h"
#include "reply_index.h"
#include "services.h"

static int key_cmp(const struct scmlb_reply_key *a,
		   const struct scmlb_reply_key *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c)
		return c;
	/* network order compares as bytes; port 0 first in its address */
	return memcmp(&a->port, &b->port, sizeof(a->port));
}

static int entry_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct scmlb_reply_entry *)a)->key,
		       &((const struct scmlb_reply_entry *)b)->key);
}

static int service_cmp(const void *key, const void *elem)
{
	__u32 id = *(const __u32 *)key;
	const struct scmlb_service *s = elem;

	return id < s->id ? -1 : id > s->id;
}

/* Whether @a and @b are one backend's address and protocol, any port. */
static bool same_source(const struct scmlb_reply_key *a,
			const struct scmlb_reply_key *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/*
 * Every key each backend of a NAT service gives, one per protocol its
 * service takes, sorted by key: services sharing a key lie side by side,
 * a backend's any-port key (port 0) before its exact ones.
 */
static int candidates(const struct scmlb_service *svcs, size_t n_svcs,
		      const struct scmlb_backend *bes, size_t n_bes,
		      struct scmlb_reply_entry **out, size_t *n)
{
	static const __u8 both[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct scmlb_reply_entry *c;
	const struct scmlb_service *svc;
	size_t i, k = 0, p;

	c = calloc(2 * n_bes + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (i = 0; i < n_bes; i++) {
		const struct scmlb_backend *be = &bes[i];

		svc = bsearch(&be->service_id, svcs, n_svcs, sizeof(*svcs),
			      service_cmp);
		/* dr and ipip replies leave from the VIP: nothing to restore */
		if (!be->id || !svc || svc->forward != SCMLB_FWD_NAT ||
		    be->family != svc->family)
			continue;
		for (p = 0; p < 2; p++) {
			if (svc->proto && svc->proto != both[p])
				continue;
			c[k].key.family = be->family;
			c[k].key.proto = both[p];
			/*
			 * An any-port service's backends keep the client's
			 * port; a port service's without one of their own
			 * take the service's (as the data plane sends them).
			 */
			c[k].key.port = !svc->port ? 0 :
					be->port ? be->port : svc->port;
			memcpy(c[k].key.addr, be->addr, sizeof(be->addr));
			memcpy(c[k].to.vip, svc->vip, sizeof(svc->vip));
			c[k].to.port = svc->port;
			c[k].to.service_id = svc->id;
			c[k].to.backend_id = be->id;
			k++;
		}
	}
	qsort(c, k, sizeof(*c), entry_cmp);
	*out = c;
	*n = k;
	return 0;
}

/**
 * scmlb_reply_index_build() - the entries lb_reply_index must hold
 * @svcs:   every service, sorted by id (as scmlb_services_list() gives)
 * @n_svcs: how many
 * @bes:    every backend
 * @n_bes:  how many
 * @out:    set to the entries, sorted by key; the caller frees it
 * @n:      set to their number
 *
 * A reply from backend address A, protocol P, port N may belong to the
 * services with a backend at A:N and to those of every port with a
 * backend at A. Only an exact key of one service is kept, and only when
 * no any-port service has a backend at A for P: the index cannot tell an
 * any-port service's reply from a connection the backend opens itself
 * (from any port, routed through a node), so those replies need their
 * conntrack entry, and a port an any-port service may answer from is
 * ambiguous. Only NAT services count; backends of every status do (a
 * drained backend's flows go on).
 *
 * Return: 0 or -ENOMEM.
 */
int scmlb_reply_index_build(const struct scmlb_service *svcs, size_t n_svcs,
			    const struct scmlb_backend *bes, size_t n_bes,
			    struct scmlb_reply_entry **out, size_t *n)
{
	struct scmlb_reply_key source = { 0 };	/* family 0: none yet */
	struct scmlb_reply_entry *c;
	size_t n_c, i, j, k = 0;
	bool any = false;	/* an any-port service has source */
	int err;

	*out = NULL;
	*n = 0;
	err = candidates(svcs, n_svcs, bes, n_bes, &c, &n_c);
	if (err)
		return err;
	/* in place: entries are never more than the candidates */
	for (i = 0; i < n_c; i = j) {
		for (j = i + 1; j < n_c && !key_cmp(&c[i].key, &c[j].key); j++)
			;
		if (!same_source(&c[i].key, &source)) {
			source = c[i].key;
			any = false;
		}
		/* port 0 sorts first: any is known before the exact keys */
		if (!c[i].key.port)
			any = true;
		else if (j - i == 1 && !any)
			c[k++] = c[i];
	}
	*out = c;
	*n = k;
	return 0;
}

/* Entries read so far, for index_read(). */
struct entries {
	struct scmlb_reply_entry *e;
	size_t n;
};

static int entry_add(const void *key, const void *val, void *arg)
{
	struct entries *es = arg;

	/* the map holds at most as many: more would be a race with a writer */
	if (es->n == SCMLB_REPLY_INDEX_SIZE)
		return -EAGAIN;
	memcpy(&es->e[es->n].key, key, sizeof(es->e[es->n].key));
	memcpy(&es->e[es->n].to, val, sizeof(es->e[es->n].to));
	es->n++;
	return 0;
}

/* Every entry of the map, sorted by key. */
static int index_read(int fd, struct scmlb_reply_entry **out, size_t *n)
{
	struct entries es = { 0 };
	int err;

	es.e = calloc(SCMLB_REPLY_INDEX_SIZE, sizeof(*es.e));
	if (!es.e)
		return -ENOMEM;
	err = scmlb_map_batches(fd, 4096, sizeof(struct scmlb_reply_key),
				sizeof(struct scmlb_reply_to), entry_add, &es);
	if (err) {
		free(es.e);
		return err;
	}
	qsort(es.e, es.n, sizeof(*es.e), entry_cmp);
	*out = es.e;
	*n = es.n;
	return 0;
}

/* The entry keyed @key in @e (sorted), or NULL. */
static const struct scmlb_reply_entry *
entry_find(const struct scmlb_reply_entry *e, size_t n,
	   const struct scmlb_reply_key *key)
{
	struct scmlb_reply_entry probe = { .key = *key };

	return bsearch(&probe, e, n, sizeof(*e), entry_cmp);
}

/**
 * scmlb_reply_index_sync() - make lb_reply_index what the backends and services say
 * @ctx: the run, holding the exclusive lock
 *
 * Idempotent, and the one place the index is written: every tool that
 * adds or deletes backends or services calls it once the tables are as
 * the reply path must see them, and each scmlb-gc pass does, so what a
 * killed tool left is made right by the next. Keys that go or change
 * are written first, new ones last. The data plane also checks that an
 * entry's backend still exists. In a batch it only notes the index stale:
 * scmlb_batch_end() syncs it before it builds the tables.
 *
 * Return: 0 or -errno.
 */
int scmlb_reply_index_sync(const struct scmlb_ctx *ctx)
{
	struct scmlb_reply_entry *want = NULL, *have = NULL;
	struct scmlb_service *svcs = NULL;
	struct scmlb_backend *bes = NULL;
	const struct scmlb_reply_entry *w;
	int fd = ctx->maps.reply_index, err;
	size_t n_svcs, n_bes, n_want, n_have, i;

	/* a batch syncs once, before the tables it deferred (batch.c) */
	if (ctx->batch) {
		ctx->batch->index_stale = true;
		return 0;
	}
	err = scmlb_services_list(ctx, &svcs, &n_svcs);
	if (!err)
		err = scmlb_backends_list(ctx, &bes, &n_bes);
	if (!err)
		err = scmlb_reply_index_build(svcs, n_svcs, bes, n_bes, &want,
					      &n_want);
	if (!err)
		err = index_read(fd, &have, &n_have);
	for (i = 0; !err && i < n_have; i++) {
		w = entry_find(want, n_want, &have[i].key);
		if (!w) {
			if (bpf_map_delete_elem(fd, &have[i].key) &&
			    errno != ENOENT)
				err = -errno;
		} else if (memcmp(&w->to, &have[i].to, sizeof(w->to)) &&
			   bpf_map_update_elem(fd, &w->key, &w->to, BPF_EXIST)) {
			err = -errno;
		}
	}
	for (i = 0; !err && i < n_want; i++) {
		if (entry_find(have, n_have, &want[i].key))
			continue;
		if (bpf_map_update_elem(fd, &want[i].key, &want[i].to,
					BPF_NOEXIST))
			err = errno == E2BIG ? -ENOSPC : -errno;
	}
	free(svcs);
	free(bes);
	free(want);
	free(have);
	return err;
}
