// SPDX-License-Identifier: GPL-2.0
/* apply.c - the write verbs of svc, lb, fw and dos: their tools and scmlb-restore run these */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "backends.h"
#include "dos.h"
#include "fw.h"
#include "log.h"
#include "netlink.h"
#include "output.h"
#include "owner.h"
#include "reach.h"
#include "services.h"

/*
 * The backends as the caller knows them (@bes), or read: a caller that
 * knows them saves reading every slot for each line.
 */
static int backends_get(const struct scmlb_ctx *ctx,
			const struct scmlb_backend *bes, size_t n_bes,
			const struct scmlb_backend **list, size_t *n,
			struct scmlb_backend **to_free)
{
	int err = 0;

	*to_free = NULL;
	*list = bes;
	*n = n_bes;
	if (!bes) {
		err = scmlb_backends_list(ctx, to_free, n);
		*list = *to_free;
	}
	return err;
}

/* A backend's address is no VIP: its replies would look like clients'. */
static int check_not_backend(const struct scmlb_ctx *ctx,
			     const struct scmlb_addr *vip,
			     const struct scmlb_backend *bes, size_t n_bes)
{
	const struct scmlb_backend *list;
	struct scmlb_backend *mem;
	char addr[SCMLB_ADDR_LEN];
	size_t n, i;
	int err;

	err = backends_get(ctx, bes, n_bes, &list, &n, &mem);
	if (err) {
		pr_err("cannot read the backends: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	for (i = 0; i < n && !scmlb_addr_equal(list[i].family, list[i].addr,
					       vip->family, vip->addr); i++)
		;
	free(mem);
	if (i == n)
		return SCMLB_EXIT_OK;
	scmlb_format_addr(addr, sizeof(addr), vip->family, vip->addr);
	pr_err("invalid VIP '%s': it is a backend's address", addr);
	return SCMLB_EXIT_USAGE;
}

/* "203.0.113.11 tcp 80", for messages. */
static void format_svc(char *buf, size_t size, const struct scmlb_service *s)
{
	char vip[SCMLB_ADDR_LEN];

	scmlb_format_addr(vip, sizeof(vip), s->family, s->vip);
	snprintf(buf, size, "%s %s %u", vip, scmlb_svc_proto_name(s->proto),
		 __builtin_bswap16(s->port));
}

/**
 * scmlb_svc_set_apply() - scmlb-svc set: add a service
 * @ctx:   the run, holding the exclusive lock
 * @o:     the verb's options, checked
 * @bes:   the backends its VIP may not be the address of, or NULL: read
 * @n_bes: how many
 * @id:    set to the new service's id
 *
 * Return: an exit status, after the error line.
 */
int scmlb_svc_set_apply(struct scmlb_ctx *ctx,
			const struct scmlb_svc_set_opts *o,
			const struct scmlb_backend *bes, size_t n_bes,
			__u32 *id)
{
	struct scmlb_service svc = scmlb_svc_set_service(o);
	char what[SCMLB_ADDR_LEN + 16];
	int err;

	format_svc(what, sizeof(what), &svc);
	err = check_not_backend(ctx, &o->vip, bes, n_bes);
	if (err)
		return err;
	err = scmlb_service_add(ctx, &svc);
	if (err) {
		pr_err("cannot add service '%s': %s", what,
		       err == -EEXIST ? "it exists already" :
		       err == -ENOSPC ? "the service or VIP table is full" :
					strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	*id = svc.id;
	return SCMLB_EXIT_OK;
}

/**
 * scmlb_svc_delete_apply() - scmlb-svc delete: remove a service without backends
 * @ctx: the run, holding the exclusive lock
 * @id:  the service
 *
 * Return: an exit status, after the error line.
 */
int scmlb_svc_delete_apply(struct scmlb_ctx *ctx, __u32 id)
{
	int err = scmlb_service_remove(ctx, id);

	if (err == -EBUSY) {
		pr_err("cannot delete service %u: it has backends "
		       "(drain and delete them first)", id);
		return SCMLB_EXIT_FAIL;
	}
	if (err) {
		pr_err("cannot delete service %u: %s", id,
		       err == -ENOENT ? "no such id" : strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

/*
 * The service a new backend joins: -s, or the only one. Prints the error
 * line; returns an exit status.
 */
static int pick_service(const struct scmlb_ctx *ctx,
			const struct scmlb_lb_set_opts *o,
			struct scmlb_service *svc)
{
	struct scmlb_service *list;
	size_t n;
	int err;

	if (o->service) {
		err = scmlb_service_get(ctx, o->service, svc);
		if (err) {
			pr_err("invalid service '%u': %s", o->service,
			       err == -ENOENT ? "no such service (see scmlb-svc get)" :
						strerror(-err));
			return SCMLB_EXIT_FAIL;
		}
		return SCMLB_EXIT_OK;
	}
	err = scmlb_services_list(ctx, &list, &n);
	if (err) {
		pr_err("cannot read the services: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	if (n == 1)
		*svc = list[0];
	free(list);
	if (!n) {
		pr_err("no service to add backend to: run scmlb-svc set first");
		return SCMLB_EXIT_FAIL;
	}
	if (n > 1) {
		pr_err("missing service: there are %zu, choose one with -s", n);
		return SCMLB_EXIT_USAGE;
	}
	return SCMLB_EXIT_OK;
}

/* Whether @svc has a backend at @addr and @port already; prints the error. */
static int check_unique(const struct scmlb_ctx *ctx,
			const struct scmlb_service *svc,
			const struct scmlb_addr *addr, __be16 port,
			const char *name, const struct scmlb_backend *bes,
			size_t n_bes)
{
	const struct scmlb_backend *list;
	struct scmlb_backend *mem;
	int err, ret = SCMLB_EXIT_OK;
	size_t n, i;

	err = backends_get(ctx, bes, n_bes, &list, &n, &mem);
	if (err) {
		pr_err("cannot read the backends: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (list[i].service_id == svc->id &&
		    scmlb_addr_equal(list[i].family, list[i].addr, addr->family,
				     addr->addr) &&
		    list[i].port == port) {
			pr_err("cannot add backend '%s': it exists already in "
			       "service %u (id %u)", name, svc->id, list[i].id);
			ret = SCMLB_EXIT_FAIL;
			break;
		}
	}
	free(mem);
	return ret;
}

/* The way to @o's address into @be and @link; prints the error. */
static int resolve(struct scmlb_nl *nl, const struct scmlb_lb_set_opts *o,
		   const char *addr, struct scmlb_backend *be,
		   struct scmlb_link *link)
{
	struct scmlb_nl *mine = NULL;
	const char *why = NULL;
	int err;

	if (!nl) {
		err = scmlb_nl_open(&mine);
		if (err) {
			pr_err("cannot open netlink: %s", strerror(-err));
			return SCMLB_EXIT_FAIL;
		}
		nl = mine;
	}
	err = scmlb_backend_resolve(nl, o->addr.family, o->addr.addr,
				    SCMLB_NEIGH_TIMEOUT_MS, be, link, &why);
	scmlb_nl_close(mine);
	if (err) {
		pr_err("cannot reach backend '%s': %s", addr, why);
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

/**
 * scmlb_lb_set_apply() - scmlb-lb set: add a backend and put it into rotation
 * @ctx:   the run, holding the exclusive lock
 * @o:     the verb's options, checked
 * @nl:    netlink to resolve the backend with, or NULL: one of its own
 * @bes:   the backends it may not repeat (same service, address and port),
 *         or NULL: read them
 * @n_bes: how many
 * @id:    set to the new backend's id
 *
 * Return: an exit status, after the error line.
 */
int scmlb_lb_set_apply(struct scmlb_ctx *ctx,
		       const struct scmlb_lb_set_opts *o, struct scmlb_nl *nl,
		       const struct scmlb_backend *bes, size_t n_bes,
		       __u32 *id)
{
	struct scmlb_backend be = { 0 };
	struct scmlb_service svc;
	struct scmlb_link link;
	char addr[SCMLB_ADDR_LEN];
	int err;

	scmlb_format_addr(addr, sizeof(addr), o->addr.family, o->addr.addr);
	if (scmlb_vip_exists(ctx, o->addr.family, o->addr.addr) > 0) {
		pr_err("invalid address '%s': it is a VIP", addr);
		return SCMLB_EXIT_USAGE;
	}
	err = pick_service(ctx, o, &svc);
	if (err)
		return err;
	err = scmlb_lb_set_family_check(o, &svc, svc.id);
	if (!err)
		err = scmlb_lb_set_port_check(o, &svc, svc.id);
	if (err)
		return err;
	be.port = o->port ? __builtin_bswap16(o->port & 0xffff) : svc.port;
	err = check_unique(ctx, &svc, &o->addr, be.port, addr, bes, n_bes);
	if (!err)
		err = resolve(nl, o, addr, &be, &link);
	if (err)
		return err;

	memcpy(be.addr, o->addr.addr, sizeof(be.addr));
	be.family = o->addr.family;
	be.service_id = svc.id;
	be.weight = o->weight ? o->weight : 1;
	be.status = SCMLB_BACKEND_AVAILABLE;
	be.health = SCMLB_HEALTH_UNKNOWN;
	snprintf(be.name, sizeof(be.name), "%s", o->name);
	if (o->healthcheck)
		snprintf(be.healthcheck, sizeof(be.healthcheck), "%s",
			 o->healthcheck);

	err = scmlb_iface_use(ctx, be.ifindex);
	if (err) {
		char why[512];

		if (err == -EBUSY)
			scmlb_owner_explain(ctx->pin_dir, be.ifindex, why,
					    sizeof(why));
		else
			snprintf(why, sizeof(why), "%s", strerror(-err));
		pr_err("cannot attach to '%s' for backend '%s': %s", link.name,
		       addr, why);
		return SCMLB_EXIT_FAIL;
	}
	err = scmlb_backend_add(ctx, &be);
	if (err) {
		pr_err("cannot add backend '%s': %s", addr,
		       err == -ENOSPC ? "the backend table is full" :
		       err == -EDQUOT ? "its service has 1024 backends, the most it takes" :
					strerror(-err));
		/* let it go unless another backend, or this one stored, uses it */
		scmlb_iface_release(ctx, be.ifindex, 0);
		return SCMLB_EXIT_FAIL;
	}
	*id = be.id;
	return SCMLB_EXIT_OK;
}

/* The id of a backend other than @id named @name, or 0; -errno. */
static int name_taken(const struct scmlb_ctx *ctx, const char *name, __u32 id,
		      __u32 *by)
{
	struct scmlb_backend *list;
	size_t n, i;
	int err;

	*by = 0;
	err = scmlb_backends_list(ctx, &list, &n);
	if (err)
		return err;
	for (i = 0; i < n && !*by; i++)
		if (list[i].id != id && !strcmp(list[i].name, name))
			*by = list[i].id;
	free(list);
	return 0;
}

/**
 * scmlb_lb_edit_apply() - scmlb-lb edit: change a backend in place
 * @ctx: the run, holding the exclusive lock
 * @o:   the verb's options, checked
 *
 * Return: an exit status, after the error line.
 */
int scmlb_lb_edit_apply(struct scmlb_ctx *ctx,
			const struct scmlb_lb_edit_opts *o)
{
	struct scmlb_backend be;
	__u32 other = 0;
	int err;

	err = scmlb_backend_get(ctx, o->id, &be);
	if (!err && o->name)
		err = name_taken(ctx, o->name, o->id, &other);
	if (err) {
		pr_err("cannot edit backend %u: %s", o->id,
		       err == -ENOENT ? "no such id" : strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	if (o->name && other) {
		pr_err("cannot rename backend %u to '%s': backend %u has that "
		       "name", o->id, o->name, other);
		return SCMLB_EXIT_FAIL;
	}
	if (o->name)
		snprintf(be.name, sizeof(be.name), "%s", o->name);
	/* a health known from another URL, or none, tells nothing now */
	if ((o->healthcheck && strcmp(be.healthcheck, o->healthcheck)) ||
	    (o->no_healthcheck && be.healthcheck[0])) {
		memset(be.healthcheck, 0, sizeof(be.healthcheck));
		if (o->healthcheck)
			snprintf(be.healthcheck, sizeof(be.healthcheck), "%s",
				 o->healthcheck);
		be.health = SCMLB_HEALTH_UNKNOWN;
		be.health_fails = 0;
	}
	if (o->weight)
		be.weight = o->weight;
	err = scmlb_backend_edit(ctx, &be);
	if (err) {
		pr_err("cannot edit backend %u: %s", o->id,
		       err == -ENOENT ? "no such id" : strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

/**
 * scmlb_lb_status_apply() - scmlb-lb drain and undrain
 * @ctx:    the run, holding the exclusive lock
 * @id:     the backend
 * @status: SCMLB_BACKEND_DRAINED (drain) or SCMLB_BACKEND_AVAILABLE
 *
 * Return: an exit status, after the error line.
 */
int scmlb_lb_status_apply(struct scmlb_ctx *ctx, __u32 id, __u8 status)
{
	int err = scmlb_backend_set_status(ctx, id, status);

	if (err) {
		pr_err("cannot %s backend %u: %s",
		       status == SCMLB_BACKEND_DRAINED ? "drain" : "undrain", id,
		       err == -ENOENT ? "no such id" : strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

/**
 * scmlb_lb_delete_apply() - scmlb-lb delete: remove a drained backend
 * @ctx: the run, holding the exclusive lock
 * @id:  the backend
 *
 * Return: an exit status, after the error line.
 */
int scmlb_lb_delete_apply(struct scmlb_ctx *ctx, __u32 id)
{
	struct scmlb_backend be;
	int err;

	err = scmlb_backend_get(ctx, id, &be);
	if (!err && be.status != SCMLB_BACKEND_DRAINED) {
		pr_err("cannot delete backend %u: it is not drained "
		       "(run 'scmlb-lb drain -i %u' first)", id, id);
		return SCMLB_EXIT_FAIL;
	}
	if (!err)
		err = scmlb_backend_remove(ctx, id);
	if (err) {
		pr_err("cannot delete backend %u: %s", id,
		       err == -ENOENT ? "no such id" : strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	/* the backend is gone; an interface left attached only costs a check */
	err = scmlb_iface_release(ctx, be.ifindex, be.id);
	if (err)
		pr_debug("cannot release ifindex %u: %s", be.ifindex,
			 strerror(-err));
	return SCMLB_EXIT_OK;
}

/**
 * scmlb_fw_set_apply() - scmlb-fw set: add a firewall rule
 * @ctx: the run, holding the exclusive lock
 * @o:   the verb's options, checked
 * @id:  set to the new rule's id
 *
 * Return: an exit status, after the error line.
 */
int scmlb_fw_set_apply(struct scmlb_ctx *ctx,
		       const struct scmlb_fw_set_opts *o, __u32 *id)
{
	struct scmlb_fw_entry e = {
		.rule = {
			.family = o->network.family,
			.prefixlen = o->network.prefixlen,
			.proto = o->proto,
			.src_from = o->src.from,
			.src_to = o->src.to,
			.dst_from = o->dst.from,
			.dst_to = o->dst.to,
		},
	};
	bool v6 = o->network.family == SCMLB_AF_INET6;
	int err;

	memcpy(e.addr, o->network.addr, sizeof(e.addr));
	err = scmlb_fw_entry_add(ctx, &e, 0);
	if (err == -ENOSPC)
		pr_err("cannot add the rule: the firewall table is full (%u "
		       "rules, %u %s networks)", SCMLB_FW_MAX_RULES,
		       v6 ? SCMLB_FW6_MAX_NETS : SCMLB_FW_MAX_RULES,
		       v6 ? "IPv6" : "IPv4");
	else if (err)
		pr_err("cannot add the rule: %s", strerror(-err));
	if (err)
		return SCMLB_EXIT_FAIL;
	*id = e.rule.id;
	return SCMLB_EXIT_OK;
}

/**
 * scmlb_fw_delete_apply() - scmlb-fw delete: remove a firewall rule
 * @ctx: the run, holding the exclusive lock
 * @id:  the rule
 *
 * Return: an exit status, after the error line.
 */
int scmlb_fw_delete_apply(struct scmlb_ctx *ctx, __u32 id)
{
	int err = scmlb_fw_rule_delete(ctx, id);

	if (err)
		pr_err("cannot delete firewall rule %u: %s", id,
		       err == -ENOENT ? "no such id" : strerror(-err));
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}

/**
 * scmlb_dos_set_apply() - scmlb-dos set: add a DoS protection policy
 * @ctx: the run, holding the exclusive lock
 * @o:   the verb's options, checked
 * @id:  set to the new policy's id
 *
 * Return: an exit status, after the error line.
 */
int scmlb_dos_set_apply(struct scmlb_ctx *ctx,
			const struct scmlb_dos_set_opts *o, __u32 *id)
{
	int err;

	*id = 0;
	err = scmlb_dos_policy_add(ctx, o->class, o->limit ? o->limit :
				   SCMLB_DOS_DEFAULT_LIMIT,
				   scmlb_dos_set_block(o),
				   scmlb_dos_set_prefix_len(o), id);
	if (err == -EEXIST) {
		pr_err("cannot add the policy: policy %u watches %s%s%s%s already "
		       "(delete it first)", *id, scmlb_dos_class_proto(o->class),
		       o->type ? " " : "", o->type ? o->type : "",
		       o->global ? " globally" : "");
		return SCMLB_EXIT_FAIL;
	}
	if (err) {
		pr_err("cannot add the policy: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

/**
 * scmlb_dos_delete_apply() - scmlb-dos delete: remove a policy and its rules
 * @ctx: the run, holding the exclusive lock
 * @id:  the policy
 *
 * Return: an exit status, after the error line.
 */
int scmlb_dos_delete_apply(struct scmlb_ctx *ctx, __u32 id)
{
	int err = scmlb_dos_policy_delete(ctx, id);

	if (err)
		pr_err("cannot delete DoS policy %u: %s", id,
		       err == -ENOENT ? "no such id" : strerror(-err));
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}
