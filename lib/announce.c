// SPDX-License-Identifier: GPL-2.0
/* announce.c - a kernel route per VIP this instance can serve, for a routing daemon to announce */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <linux/rtnetlink.h>

#include "announce.h"
#include "backends.h"
#include "log.h"
#include "netlink.h"
#include "services.h"

/**
 * scmlb_announce_tag() - the metric of this instance's routes
 * @ctx: the run; its pin directory
 * @tag: set to the pin directory's inode number
 *
 * Instances on one host share the table and the protocol; the metric
 * tells their routes apart, so that none withdraws another's. An inode
 * number is unique among the directories that exist at one time, and
 * stays the instance's until scmlb-detach removes the directory.
 *
 * Return: 0 or -errno.
 */
int scmlb_announce_tag(const struct scmlb_ctx *ctx, __u32 *tag)
{
	struct stat st;

	if (ctx->dir_fd >= 0 ? fstat(ctx->dir_fd, &st) : stat(ctx->pin_dir, &st))
		return -errno;
	/* bpffs numbers its inodes with get_next_ino(): 32 bits, never 0 */
	*tag = (__u32)st.st_ino ? (__u32)st.st_ino : 1;
	return 0;
}

/* A route's destination as the maps hold addresses: SCMLB_AF_*, 4 words. */
static struct scmlb_addr route_dst(const struct scmlb_kroute *r)
{
	struct scmlb_addr a = {
		.family = r->family == AF_INET6 ? SCMLB_AF_INET6 : SCMLB_AF_INET,
	};

	memcpy(a.addr, r->dst, sizeof(a.addr));
	return a;
}

/* Whether @r is a VIP route of the instance tagged @tag: a host route. */
static bool vip_route(const struct scmlb_kroute *r, __u32 tag)
{
	return r->priority == tag && r->type == RTN_BLACKHOLE &&
	       r->dst_len == (r->family == AF_INET6 ? 128 : 32);
}

/**
 * scmlb_announce_servable() - the VIPs this instance can serve now
 * @ctx:  the run, with the maps open
 * @vips: set to an array in address order (IPv4 first) without
 *        duplicates, to free()
 * @n:    set to its length
 *
 * A VIP is servable while the instance is attached (not kept by
 * scmlb-detach --keep-maps) and one of its services has a backend that
 * takes new connections: not drained, not unhealthy (health unknown
 * counts, as for the data plane).
 *
 * Return: 0 or -errno.
 */
int scmlb_announce_servable(const struct scmlb_ctx *ctx,
			    struct scmlb_addr **vips, size_t *n)
{
	struct scmlb_service *svcs = NULL;
	const struct scmlb_service *svc;
	struct scmlb_backend *bes = NULL;
	struct scmlb_config cfg;
	size_t nbes = 0, i, k = 0;
	struct scmlb_addr *out = NULL;
	int err = 0;

	*vips = NULL;
	*n = 0;
	/* as it is now: the verb may have attached, or restore run attach */
	err = scmlb_config_read(ctx, &cfg);
	if (err)
		return err;
	if (!cfg.layout_version || (cfg.flags & SCMLB_CFG_DETACHED))
		return 0;
	err = scmlb_backends_list(ctx, &bes, &nbes);
	if (err)
		return err;
	/* every slot in one read: a read a backend took 16,384 syscalls */
	svcs = calloc(SCMLB_MAX_SERVICES, sizeof(*svcs));
	out = calloc(nbes ? nbes : 1, sizeof(*out));
	if (!svcs || !out) {
		err = -ENOMEM;
		goto out;
	}
	err = scmlb_array_read(ctx->maps.services, SCMLB_MAX_SERVICES,
			       sizeof(*svcs), svcs);
	if (err)
		goto out;
	for (i = 0; i < nbes; i++) {
		if (!scmlb_backend_takes_connections(&bes[i]))
			continue;
		svc = &svcs[bes[i].service_id % SCMLB_MAX_SERVICES];
		/* a free slot (family 0 below), or another service's since */
		if (svc->id != bes[i].service_id)
			continue;
		if (svc->family != SCMLB_AF_INET && svc->family != SCMLB_AF_INET6)
			continue;
		out[k].family = svc->family;
		memcpy(out[k++].addr, svc->vip, sizeof(svc->vip));
	}
	qsort(out, k, sizeof(*out), scmlb_addr_cmp);
	for (i = 0, *n = 0; i < k; i++)
		if (!*n || scmlb_addr_cmp(&out[*n - 1], &out[i]))
			out[(*n)++] = out[i];
	*vips = out;
	out = NULL;
out:
	free(out);
	free(svcs);
	free(bes);
	return err;
}

/**
 * scmlb_announce_routes() - make one instance's routes those of @vips
 * @nl:    handle
 * @table: routing table
 * @tag:   the instance's metric (scmlb_announce_tag())
 * @vips:  the VIPs to have a route, in address order (as
 *         scmlb_announce_servable() gives them)
 * @n:     how many
 *
 * Adds a blackhole route VIP/32 (VIP/128 for IPv6) with protocol SCMLB_ANNOUNCE_PROTO and
 * metric @tag for each VIP that has none, and deletes the routes of that
 * protocol and metric for other addresses. Routes of another protocol or
 * metric (other instances) are left alone. Idempotent: run it again after
 * a failure, or after a tool was killed.
 *
 * Return: 0, or the first -errno (every other route is still tried).
 */
int scmlb_announce_routes(struct scmlb_nl *nl, __u32 table, __u32 tag,
			  const struct scmlb_addr *vips, size_t n)
{
	struct scmlb_kroute want = {
		.table = table,
		.priority = tag,
		.protocol = SCMLB_ANNOUNCE_PROTO,
		.type = RTN_BLACKHOLE,
	};
	struct scmlb_kroute *have = NULL;
	const struct scmlb_addr *hit;
	struct scmlb_addr dst;
	size_t nhave = 0, i;
	bool *present = NULL;
	int err, first = 0;

	err = scmlb_nl_route_list(nl, table, SCMLB_ANNOUNCE_PROTO, &have, &nhave);
	if (err)
		return err;
	present = calloc(n ? n : 1, sizeof(*present));
	if (!present) {
		err = -ENOMEM;
		goto out;
	}
	/* withdraw first: a VIP no longer served must not draw traffic */
	for (i = 0; i < nhave; i++) {
		if (have[i].priority != tag)
			continue;
		dst = route_dst(&have[i]);
		/* bsearch() may not be given a NULL array, even an empty one */
		hit = n && vip_route(&have[i], tag) ?
		      bsearch(&dst, vips, n, sizeof(*vips), scmlb_addr_cmp) :
		      NULL;
		if (hit) {
			present[hit - vips] = true;
			continue;
		}
		err = scmlb_nl_route_del(nl, &have[i]);
		if (err && !first)
			first = err;
	}
	for (i = 0; i < n; i++) {
		if (present[i])
			continue;
		want.family = vips[i].family == SCMLB_AF_INET6 ? AF_INET6 : AF_INET;
		want.dst_len = want.family == AF_INET6 ? 128 : 32;
		memcpy(want.dst, vips[i].addr, sizeof(want.dst));
		err = scmlb_nl_route_add(nl, &want);
		if (err && !first)
			first = err;
	}
	err = first;
out:
	free(present);
	free(have);
	return err;
}

/**
 * scmlb_announce_read() - the VIPs this instance has a route for
 * @ctx:    the run; its pin directory
 * @routed: set to them in address order, to free()
 * @n:      set to how many
 * @tag:    set to the instance's metric
 *
 * Return: 0 or -errno.
 */
int scmlb_announce_read(const struct scmlb_ctx *ctx, struct scmlb_addr **routed,
			size_t *n, __u32 *tag)
{
	struct scmlb_kroute *have = NULL;
	struct scmlb_nl *nl = NULL;
	size_t nhave = 0, i;
	struct scmlb_addr *out = NULL;
	int err;

	*routed = NULL;
	*n = 0;
	err = scmlb_announce_tag(ctx, tag);
	if (!err)
		err = scmlb_nl_open(&nl);
	if (!err)
		err = scmlb_nl_route_list(nl, SCMLB_ANNOUNCE_TABLE,
					  SCMLB_ANNOUNCE_PROTO, &have, &nhave);
	scmlb_nl_close(nl);
	if (err)
		return err;
	out = calloc(nhave ? nhave : 1, sizeof(*out));
	if (!out) {
		free(have);
		return -ENOMEM;
	}
	for (i = 0; i < nhave; i++)
		if (vip_route(&have[i], *tag))
			out[(*n)++] = route_dst(&have[i]);
	qsort(out, *n, sizeof(*out), scmlb_addr_cmp);
	free(have);
	*routed = out;
	return 0;
}

static int sync_vips(const struct scmlb_ctx *ctx, const struct scmlb_addr *vips,
		     size_t n)
{
	struct scmlb_nl *nl = NULL;
	__u32 tag;
	int err;

	err = scmlb_announce_tag(ctx, &tag);
	if (!err)
		err = scmlb_nl_open(&nl);
	if (!err)
		err = scmlb_announce_routes(nl, SCMLB_ANNOUNCE_TABLE, tag, vips, n);
	scmlb_nl_close(nl);
	return err;
}

/**
 * scmlb_announce_sync() - bring this instance's VIP routes in line with
 *			   what it can serve now
 * @ctx: the run, with the maps open and the pin directory locked
 *
 * Return: 0 or -errno.
 */
int scmlb_announce_sync(const struct scmlb_ctx *ctx)
{
	struct scmlb_addr *vips = NULL;
	size_t n = 0;
	int err;

	err = scmlb_announce_servable(ctx, &vips, &n);
	if (!err)
		err = sync_vips(ctx, vips, n);
	free(vips);
	return err;
}

/**
 * scmlb_announce_withdraw() - delete every VIP route of this instance
 * @ctx: the run, its pin directory locked; the maps are not needed
 *
 * Return: 0 or -errno.
 */
int scmlb_announce_withdraw(const struct scmlb_ctx *ctx)
{
	return sync_vips(ctx, NULL, 0);
}

/**
 * scmlb_announce_update() - sync or withdraw, and say so when it fails
 * @ctx:      the run
 * @withdraw: delete every route of this instance (scmlb-detach)
 *
 * A route that cannot be written does not fail the tool, whose change is
 * made: one line on stderr, and the next tool or scmlb-gc pass tries again.
 */
void scmlb_announce_update(const struct scmlb_ctx *ctx, bool withdraw)
{
	int err = withdraw ? scmlb_announce_withdraw(ctx) :
			     scmlb_announce_sync(ctx);

	if (err)
		pr_err("warning: cannot update the routes of the VIPs in table "
		       "%u: %s", SCMLB_ANNOUNCE_TABLE, strerror(-err));
}
