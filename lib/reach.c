// SPDX-License-Identifier: GPL-2.0
/* reach.c - where a backend is: its interface, its MAC; keeping up when they change */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if_arp.h>
#include <sys/socket.h>

#include "backends.h"
#include "batch.h"
#include "log.h"
#include "progs.h"
#include "reach.h"
#include "services.h"

/*
 * A gc pass asks the kernel again every second: a neighbour it has to
 * probe gets this long, and keeps its old MAC if it does not answer.
 */
#define REFRESH_NEIGH_TIMEOUT_MS 200

/**
 * scmlb_backend_resolve() - where frames for @addr go
 * @nl:         netlink
 * @family:     its family, SCMLB_AF_INET or SCMLB_AF_INET6
 * @addr:       the backend's address (scmlb_addr_t)
 * @timeout_ms: how long ARP may take
 * @be:         its ifindex, mac and if_mac set
 * @link:       the interface
 * @why:        set to the reason on failure
 *
 * The kernel's route to @addr names the interface (and a gateway), the
 * neighbour table the next hop's MAC, probed when unknown.
 *
 * Return: 0 or -errno.
 */
int scmlb_backend_resolve(struct scmlb_nl *nl, __u8 family,
			  const __be32 *addr, unsigned int timeout_ms,
			  struct scmlb_backend *be, struct scmlb_link *link,
			  const char **why)
{
	int af = family == SCMLB_AF_INET6 ? AF_INET6 : AF_INET;
	struct scmlb_route rt;
	int err;

	err = scmlb_nl_route_get(nl, af, addr, &rt);
	if (err) {
		*why = err == -EADDRNOTAVAIL ? "it is a local address" :
		       err == -EAFNOSUPPORT ? "its route goes through a gateway "
					      "of the other family" :
					      "no route to it";
		return err;
	}
	err = scmlb_nl_link_by_index(nl, rt.oif, link);
	if (err) {
		*why = "its interface is gone";
		return err;
	}
	if (link->type != ARPHRD_ETHER) {
		*why = "it is not reached through an Ethernet interface";
		return -EOPNOTSUPP;
	}
	/* a link-local IPv6 gateway is a neighbour on the route's oif */
	err = scmlb_nl_neigh_resolve(nl, rt.oif, af,
				     rt.has_gateway ? rt.gateway : addr,
				     timeout_ms, be->mac);
	if (err) {
		*why = "no neighbour answers for it";
		return err;
	}
	be->ifindex = rt.oif;
	memcpy(be->if_mac, link->mac, sizeof(be->if_mac));
	return 0;
}

/* Whether another backend than @except_id sends through @ifindex. */
bool scmlb_iface_in_use(const struct scmlb_ctx *ctx, __u32 ifindex,
			__u32 except_id)
{
	struct scmlb_backend *list;
	bool used = false;
	size_t n, i;

	if (ctx->batch)
		return scmlb_batch_iface_in_use(ctx, ifindex, except_id);
	if (scmlb_backends_list(ctx, &list, &n))
		return true;	/* when unsure, keep the interface */
	for (i = 0; i < n; i++)
		if (list[i].id != except_id && list[i].ifindex == ifindex)
			used = true;
	free(list);
	return used;
}

/* Make @ifindex ready for frames to a backend: attached, a redirect target. */
int scmlb_iface_use(struct scmlb_ctx *ctx, __u32 ifindex)
{
	int err;

	/* under a batch's lock nothing else lets it go */
	if (ctx->batch && scmlb_batch_iface_ready(ctx, ifindex))
		return 0;
	if (ifindex == ctx->cfg.upstream_ifindex)
		err = scmlb_config_set_flag(ctx, SCMLB_CFG_UPSTREAM_BACKENDS, true);
	else
		err = scmlb_iface_add(ctx, ifindex);
	if (!err && ctx->batch)
		scmlb_batch_iface_mark(ctx, ifindex, true);
	return err;
}

/* Let @ifindex go once no backend but @except_id uses it. */
int scmlb_iface_release(struct scmlb_ctx *ctx, __u32 ifindex, __u32 except_id)
{
	if (scmlb_iface_in_use(ctx, ifindex, except_id))
		return 0;
	if (ctx->batch)
		scmlb_batch_iface_mark(ctx, ifindex, false);
	if (ifindex == ctx->cfg.upstream_ifindex)
		return scmlb_config_set_flag(ctx, SCMLB_CFG_UPSTREAM_BACKENDS, false);
	return scmlb_iface_remove(ctx, ifindex);
}

/*
 * Move @be to the way @now says: the new interface ready first, then the
 * entry, then the old interface let go. Killed in between, the backend
 * has a way that works, and the next pass finishes.
 */
static int backend_move(struct scmlb_ctx *ctx, const struct scmlb_backend *be,
			const struct scmlb_backend *now)
{
	int err;

	if (now->ifindex != be->ifindex) {
		err = scmlb_iface_use(ctx, now->ifindex);
		if (err)
			return err;
	}
	err = scmlb_backend_set_path(ctx, now);
	if (err || now->ifindex == be->ifindex)
		return err;
	return scmlb_iface_release(ctx, be->ifindex, be->id);
}

static int moved_add(struct scmlb_moved **out, size_t *n,
		     const struct scmlb_backend *now,
		     const struct scmlb_link *link)
{
	struct scmlb_moved *m = realloc(*out, (*n + 1) * sizeof(**out));

	if (!m)
		return -ENOMEM;
	*out = m;
	m += (*n)++;
	m->id = now->id;
	m->ifindex = now->ifindex;
	memcpy(m->mac, now->mac, sizeof(m->mac));
	snprintf(m->ifname, sizeof(m->ifname), "%s", link->name);
	return 0;
}

/**
 * scmlb_backends_refresh() - follow backends whose MAC or interface changed
 * @ctx: the run, holding the exclusive lock
 * @out: set to the backends moved (free() it)
 * @n:   how many
 *
 * A re-created VM or container, a new NIC, a neighbour that moved: each
 * backend's way is asked of the kernel again (route, then neighbour) and
 * stored when it changed, its id, flows and counters kept. A backend the
 * kernel cannot resolve now keeps its old way.
 *
 * Return: 0 or -errno.
 */
int scmlb_backends_refresh(struct scmlb_ctx *ctx, struct scmlb_moved **out,
			   size_t *n)
{
	struct scmlb_backend *list, now;
	struct scmlb_link link;
	struct scmlb_nl *nl = NULL;
	const char *why;
	size_t count, i;
	int err;

	*out = NULL;
	*n = 0;
	err = scmlb_backends_list(ctx, &list, &count);
	if (err || !count) {
		if (!err)
			free(list);
		return err;
	}
	err = scmlb_nl_open(&nl);
	for (i = 0; !err && i < count; i++) {
		now = list[i];
		if (scmlb_backend_resolve(nl, list[i].family, list[i].addr,
					  REFRESH_NEIGH_TIMEOUT_MS, &now, &link,
					  &why))
			continue;
		if (now.ifindex == list[i].ifindex &&
		    !memcmp(now.mac, list[i].mac, sizeof(now.mac)) &&
		    !memcmp(now.if_mac, list[i].if_mac, sizeof(now.if_mac)))
			continue;
		err = backend_move(ctx, &list[i], &now);
		if (!err)
			err = moved_add(out, n, &now, &link);
	}
	if (nl)
		scmlb_nl_close(nl);
	free(list);
	return err;
}
