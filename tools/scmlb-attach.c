// SPDX-License-Identifier: GPL-2.0
/* scmlb-attach - load the XDP programs, pin the maps, attach to the upstream; re-run to upgrade */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>

#include <bpf/bpf.h>
#include <xdp/libxdp.h>

#include "args.h"
#include "clock.h"
#include "ifcheck.h"
#include "log.h"
#include "maps.h"
#include "netlink.h"
#include "output.h"
#include "owner.h"
#include "progs.h"
#include "reply_index.h"
#include "services.h"
#include "verbs.h"

static const char *mode_name(__u8 mode)
{
	return mode == SCMLB_MODE_SKB ? "skb" : "native";
}

/* The VIP of attach -v, as its service holds it; family 0 when there is none. */
static struct scmlb_addr attach_vip(const struct scmlb_ctx *ctx)
{
	struct scmlb_addr vip = { 0 };
	struct scmlb_service svc;

	if (!ctx->cfg.attach_service ||
	    scmlb_service_get(ctx, ctx->cfg.attach_service, &svc))
		return vip;
	vip.family = svc.family;
	memcpy(vip.addr, svc.vip, sizeof(vip.addr));
	return vip;
}

/* -v: the service "svc set -v VIP" makes, protocol and port any, rr. */
static int add_attach_service(struct scmlb_ctx *ctx,
			      const struct scmlb_addr *vip)
{
	struct scmlb_svc_set_opts o = { .vip = *vip, .scheduler = SCMLB_SCHED_RR };
	struct scmlb_service svc = scmlb_svc_set_service(&o);
	int err = scmlb_service_add(ctx, &svc);

	if (!err)
		err = scmlb_config_refresh(ctx);
	if (!err) {
		ctx->cfg.attach_service = svc.id;
		err = scmlb_config_commit(ctx);
	}
	return err;
}

/* The error line of an attach to @link that failed with @err. */
static void pr_attach_err(const struct scmlb_ctx *ctx,
			  const struct scmlb_link *link, int err)
{
	char why[512];

	if (err == -EBUSY)
		scmlb_owner_explain(ctx->pin_dir, link->ifindex, why, sizeof(why));
	else
		libxdp_strerror(err, why, sizeof(why));
	pr_err("cannot attach to '%s': %s", link->name, why);
}

/* The layout whose programs read lb_pair_tables, not lb_tables. */
#define LAYOUT_PAIR_TABLES (4 << 16 | 8)

/*
 * The services' tables in the lb_pair_tables the load pinned, which the
 * maps opened before it lack.
 */
static int tables_upgrade(struct scmlb_ctx *ctx)
{
	char path[4096];
	int fd, err;

	err = scmlb_pin_path(path, sizeof(path), ctx->pin_dir,
			     "lb_pair_tables");
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (ctx->maps.tables >= 0)
		close(ctx->maps.tables);
	ctx->maps.tables = fd;
	return scmlb_tables_upgrade(ctx);
}

/* Swap in the new main program on an instance that is already attached. */
static int upgrade(struct scmlb_ctx *ctx, const struct scmlb_attach_opts *o,
		   const struct scmlb_link *link)
{
	struct scmlb_config cfg = ctx->cfg;
	struct scmlb_bpf *skel = NULL;
	__u32 key, next;
	bool resumed;
	int err;

	if (o->mode && o->mode != cfg.mode) {
		pr_err("already attached in %s mode, not '%s': run scmlb-detach first",
		       mode_name(cfg.mode), mode_name(o->mode));
		return SCMLB_EXIT_FAIL;
	}
	if (o->ct_size && o->ct_size != cfg.conntrack_size) {
		pr_err("already attached with --conntrack-size %u, not '%u': "
		       "run scmlb-detach first", cfg.conntrack_size, o->ct_size);
		return SCMLB_EXIT_FAIL;
	}

	err = scmlb_progs_open(ctx->pin_dir, cfg.conntrack_size, false, &skel);
	if (!err)
		err = scmlb_progs_load(skel);
	if (err) {
		pr_err("cannot load the programs on the maps in '%s': %s "
		       "(incompatible maps need scmlb-detach first)",
		       ctx->pin_dir, strerror(-err));
		goto out;
	}
	memcpy(cfg.upstream_mac, link->mac, sizeof(cfg.upstream_mac));
	/* the load above created the maps a newer minor layout adds */
	cfg.layout_version = SCMLB_LAYOUT_VERSION;
	err = scmlb_clock_calibrate(scmlb_progs_clock_fd(skel), &cfg);
	if (err) {
		pr_err("cannot read the kernel's clocks: %s", strerror(-err));
		goto out;
	}
	resumed = cfg.flags & SCMLB_CFG_DETACHED;
	cfg.flags &= ~SCMLB_CFG_DETACHED;
	/* the new program reads lb_pair_tables: every table there first */
	if (ctx->cfg.layout_version < LAYOUT_PAIR_TABLES) {
		err = tables_upgrade(ctx);
		if (err) {
			pr_err("cannot build the services' tables in '%s': %s",
			       ctx->pin_dir, strerror(-err));
			goto out;
		}
	}
	err = scmlb_progs_swap_main(ctx, skel);
	if (!err)
		err = scmlb_config_write(ctx, &cfg);
	if (!err)
		ctx->cfg = cfg;
	if (err) {
		pr_err("cannot switch to the new programs: %s", strerror(-err));
		goto out;
	}
	/* maps the load added (a layout before 4.3 had no reply index) */
	scmlb_maps_close(ctx);
	err = scmlb_maps_open(ctx);
	if (!err)
		err = scmlb_reply_index_sync(ctx);
	if (err) {
		pr_err("cannot build the reply index in '%s': %s", ctx->pin_dir,
		       strerror(-err));
		goto out;
	}
	/* no program reads lb_tables now (a run killed before: this one) */
	err = scmlb_tables_4_7_free(ctx);
	if (err) {
		pr_err("cannot free the tables of layout 4.7 in '%s': %s",
		       ctx->pin_dir, strerror(-err));
		goto out;
	}
	/* back on every interface after --keep-maps, or a run killed early */
	for (err = bpf_map_get_next_key(ctx->maps.tx_ports, NULL, &key); !err;
	     err = bpf_map_get_next_key(ctx->maps.tx_ports, &key, &next), key = next) {
		int ret = scmlb_entry_attach(ctx, key);

		if (ret && key == cfg.upstream_ifindex) {
			pr_attach_err(ctx, link, ret);
			err = ret;
			goto out;
		}
		if (ret)
			pr_debug("cannot attach to ifindex %u: %s", key,
				 strerror(-ret));
	}
	err = 0;
	if (resumed)
		printf("attached to '%s' (%s mode) again, with the kept maps\n",
		       link->name, mode_name(cfg.mode));
	else
		printf("upgraded on '%s' (%s mode): maps and connections kept\n",
		       link->name, mode_name(cfg.mode));
out:
	scmlb_progs_close(skel);
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}

/* A first attach: new maps, entry on the upstream, config published last. */
static int attach_new(struct scmlb_ctx *ctx, const struct scmlb_attach_opts *o,
		      const struct scmlb_link *link)
{
	struct scmlb_config cfg = {
		.upstream_ifindex = link->ifindex,
		.mode = o->mode ? o->mode : SCMLB_MODE_NATIVE,
		.conntrack_size = o->ct_size ? o->ct_size : SCMLB_CT_DEFAULT_SIZE,
		.next_backend_id = 1,
		.next_service_id = 1,
	};
	struct scmlb_xdp_owner owner;
	struct scmlb_bpf *skel = NULL;
	__u32 key = link->ifindex;
	const char *why;
	char vip[SCMLB_ADDR_LEN];
	int err;

	memcpy(cfg.upstream_mac, link->mac, sizeof(cfg.upstream_mac));
	/* leftovers of a run killed before it published: never in use */
	scmlb_entry_detach(ctx->pin_dir, link->ifindex);
	err = scmlb_owner_query(ctx->pin_dir, link->ifindex, &owner);
	if (!err && scmlb_owner_blocks(&owner))
		err = -EBUSY;
	if (err) {
		/* refused: nothing changed, nothing made stays */
		pr_attach_err(ctx, link, err);
		if (ctx->dir_created)
			rmdir(ctx->pin_dir);
		return SCMLB_EXIT_FAIL;
	}
	scmlb_maps_unpin(ctx->pin_dir, false);

	err = scmlb_progs_open(ctx->pin_dir, cfg.conntrack_size, true, &skel);
	if (err) {
		pr_err("cannot open the programs: %s", strerror(-err));
		goto out;
	}
	err = scmlb_progs_attach_first(skel, ctx->pin_dir, link->ifindex,
				       cfg.mode);
	if (err == -EBUSY) {
		pr_attach_err(ctx, link, err);
		goto out;
	}
	if (err) {
		char msg[128];

		libxdp_strerror(err, msg, sizeof(msg));
		pr_err("cannot attach to '%s' in %s mode: %s", link->name,
		       mode_name(cfg.mode), msg);
		goto out;
	}
	err = scmlb_maps_open_unpublished(ctx);
	if (!err)
		err = scmlb_clock_calibrate(scmlb_progs_clock_fd(skel), &cfg);
	if (!err)
		err = scmlb_config_write(ctx, &cfg);
	if (!err && bpf_map_update_elem(ctx->maps.tx_ports, &key, &key, BPF_ANY))
		err = -errno;
	if (!err)
		err = scmlb_progs_swap_main(ctx, skel);
	ctx->cfg = cfg;
	/* the service before the layout: a run killed here published nothing */
	if (!err && o->vip.family)
		err = add_attach_service(ctx, &o->vip);
	if (!err)
		err = scmlb_config_refresh(ctx);
	if (!err) {
		ctx->cfg.layout_version = SCMLB_LAYOUT_VERSION;
		err = scmlb_config_commit(ctx);
	}
	if (err) {
		pr_err("cannot set up the maps in '%s': %s", ctx->pin_dir,
		       strerror(-err));
		scmlb_entry_detach(ctx->pin_dir, link->ifindex);
		goto out;
	}
	if (o->vip.family) {
		scmlb_format_addr(vip, sizeof(vip), o->vip.family, o->vip.addr);
		printf("attached to '%s' (%s mode), VIP %s (service %u)\n",
		       link->name, mode_name(cfg.mode), vip,
		       ctx->cfg.attach_service);
	} else {
		printf("attached to '%s' (%s mode), no service yet\n",
		       link->name, mode_name(cfg.mode));
	}
	if (scmlb_ifcheck_mode(link->ifindex, cfg.mode, &why) > 0 && why)
		printf("note: XDP runs in skb mode on '%s': %s\n", link->name,
		       why);
out:
	scmlb_progs_close(skel);
	if (err) {
		/* a failed attach leaves no pin, nor a directory it made */
		scmlb_maps_close(ctx);
		scmlb_maps_unpin(ctx->pin_dir, ctx->dir_created);
	}
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}

static int do_attach(struct scmlb_ctx *ctx, const void *opts)
{
	const struct scmlb_attach_opts *o = opts;
	struct scmlb_link link;
	struct scmlb_addr have;
	struct scmlb_nl *nl;
	char vip[SCMLB_ADDR_LEN];
	int err;

	err = scmlb_nl_open(&nl);
	if (!err)
		err = scmlb_nl_link_by_name(nl, o->upstream, &link);
	scmlb_nl_close(nl);
	if (err) {
		pr_err("cannot use interface '%s': %s", o->upstream,
		       err == -ENODEV ? "no such interface" : strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	if (link.type != ARPHRD_ETHER) {
		pr_err("cannot use interface '%s': not an Ethernet interface",
		       o->upstream);
		return SCMLB_EXIT_FAIL;
	}

	err = scmlb_pin_dir_lock(ctx, true, true);
	if (err) {
		if (ctx->dir_created)
			rmdir(ctx->pin_dir);
		pr_err("cannot use pin directory '%s': %s", ctx->pin_dir,
		       err == -ETIMEDOUT ? "locked by another scmlb tool" :
					   scmlb_pin_dir_why(err));
		return SCMLB_EXIT_FAIL;
	}

	err = scmlb_maps_open_unpublished(ctx);
	if (!err) {
		err = scmlb_layout_check(ctx);
		/* missing maps of a newer minor layout: the upgrade adds them */
		if (err == -ESTALE)
			err = 0;
	}
	if (err == -ENOENT)
		return attach_new(ctx, o, &link);
	if (err == -EPROTO) {
		pr_err("maps in '%s' have layout " SCMLB_LAYOUT_FMT ", this scmlb "
		       "uses " SCMLB_LAYOUT_FMT ": run scmlb-detach first",
		       ctx->pin_dir, SCMLB_LAYOUT_ARGS(ctx->cfg.layout_version),
		       SCMLB_LAYOUT_ARGS(SCMLB_LAYOUT_VERSION));
		return SCMLB_EXIT_FAIL;
	}
	if (err) {
		pr_err("cannot open the maps in '%s': %s", ctx->pin_dir,
		       strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	have = attach_vip(ctx);
	if (ctx->cfg.upstream_ifindex != (__u32)link.ifindex ||
	    (o->vip.family && !scmlb_addr_equal(have.family, have.addr,
						o->vip.family, o->vip.addr))) {
		struct scmlb_link cur = { .name = "?" };

		if (have.family)
			scmlb_format_addr(vip, sizeof(vip), have.family,
					  have.addr);
		else
			snprintf(vip, sizeof(vip), "(none)");
		if (!scmlb_nl_open(&nl))
			scmlb_nl_link_by_index(nl, ctx->cfg.upstream_ifindex, &cur);
		scmlb_nl_close(nl);
		if (ctx->cfg.flags & SCMLB_CFG_DETACHED)
			pr_err("maps kept by scmlb-detach for '%s' with VIP %s are in "
			       "'%s': run scmlb-detach to remove them", cur.name,
			       vip, ctx->pin_dir);
		else if (!have.family)
			pr_err("already attached to '%s' without -v: add the "
			       "service with scmlb-svc set, or run scmlb-detach "
			       "first", cur.name);
		else
			pr_err("already attached to '%s' with VIP %s: "
			       "run scmlb-detach first", cur.name, vip);
		return SCMLB_EXIT_FAIL;
	}
	return upgrade(ctx, o, &link);
}

static const struct scmlb_cmd attach_cmds[] = {
	SCMLB_ATTACH_CMD(do_attach),
	{ 0 },
};

static const struct scmlb_tool attach_tool = {
	"scmlb-attach", "load scmlb and attach it to the upstream interface",
	attach_cmds,
	"Run again with the same upstream (and VIP) to upgrade the programs in\n"
	"place: maps and open connections are kept. More services: scmlb-svc.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&attach_tool, argc, argv);
}
