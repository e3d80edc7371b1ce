// SPDX-License-Identifier: GPL-2.0
/* scmlb-detach - take scmlb off every interface and remove its pins */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <bpf/bpf.h>

#include "announce.h"
#include "args.h"
#include "log.h"
#include "maps.h"
#include "progs.h"

struct detach_opts {
	bool keep_maps;
};

/* Detach from @ifindex; a vanished interface has nothing left to detach. */
static int detach_iface(struct scmlb_ctx *ctx, __u32 ifindex, char *names,
			size_t size)
{
	char name[IF_NAMESIZE] = "";
	int err;

	if (!if_indextoname(ifindex, name))
		return 0;
	err = scmlb_entry_detach(ctx->pin_dir, ifindex);
	if (err) {
		pr_err("cannot detach from '%s': %s", name, strerror(-err));
		return err;
	}
	if (*names)
		strncat(names, ", ", size - strlen(names) - 1);
	strncat(names, name, size - strlen(names) - 1);
	return 0;
}

static int do_detach(struct scmlb_ctx *ctx, const void *opts)
{
	const struct detach_opts *o = opts;
	__u32 key, next, upstream;
	int err, ret, tx_ports, failed = 0;
	char names[1024] = "";

	err = scmlb_pin_dir_lock(ctx, false, true);
	if (err == -ENOENT) {
		printf("nothing attached (no '%s')\n", ctx->pin_dir);
		return SCMLB_EXIT_OK;
	}
	if (err) {
		pr_err("cannot use pin directory '%s': %s", ctx->pin_dir,
		       scmlb_pin_dir_why(err));
		return SCMLB_EXIT_FAIL;
	}

	/* the router stops sending before the programs stop balancing */
	scmlb_announce_update(ctx, true);

	/* also what a killed scmlb-attach left half done, or another layout */
	err = scmlb_maps_open_unpublished(ctx);
	if (err == -EPROTO && o->keep_maps) {
		pr_err("maps in '%s' are not of this scmlb's layout " SCMLB_LAYOUT_FMT
		       ": use the scmlb that attached them to keep them",
		       ctx->pin_dir, SCMLB_LAYOUT_ARGS(SCMLB_LAYOUT_VERSION));
		return SCMLB_EXIT_FAIL;
	}
	if (err && err != -ENOENT && err != -EPROTO) {
		pr_err("cannot open the maps in '%s': %s", ctx->pin_dir,
		       strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	/* the upstream is in lb_tx_ports too, whatever the layout */
	tx_ports = err ? scmlb_tx_ports_open(ctx->pin_dir) : ctx->maps.tx_ports;
	if (tx_ports < 0 && ctx->cfg.upstream_ifindex == 0) {
		if (!o->keep_maps)
			scmlb_maps_unpin(ctx->pin_dir, true);
		printf("nothing attached (no maps in '%s')\n", ctx->pin_dir);
		return SCMLB_EXIT_OK;
	}

	upstream = err ? 0 : ctx->cfg.upstream_ifindex;
	if (upstream)
		failed |= !!detach_iface(ctx, upstream, names, sizeof(names));
	for (ret = bpf_map_get_next_key(tx_ports, NULL, &key); !ret;
	     ret = bpf_map_get_next_key(tx_ports, &key, &next), key = next)
		if (key != upstream)
			failed |= !!detach_iface(ctx, key, names, sizeof(names));
	if (tx_ports >= 0 && tx_ports != ctx->maps.tx_ports)
		close(tx_ports);
	if (failed)
		return SCMLB_EXIT_FAIL;

	if (o->keep_maps && !err) {
		err = scmlb_config_set_flag(ctx, SCMLB_CFG_DETACHED, true);
		if (err) {
			pr_err("cannot mark the maps in '%s' detached: %s",
			       ctx->pin_dir, strerror(-err));
			return SCMLB_EXIT_FAIL;
		}
	}
	scmlb_maps_close(ctx);
	if (!o->keep_maps) {
		err = scmlb_maps_unpin(ctx->pin_dir, true);
		if (err) {
			pr_err("cannot remove the pins in '%s': %s", ctx->pin_dir,
			       strerror(-err));
			return SCMLB_EXIT_FAIL;
		}
	}
	printf("detached from %s; %s\n", *names ? names : "no interface",
	       o->keep_maps ? "maps kept" : "pins removed");
	return SCMLB_EXIT_OK;
}

static const struct scmlb_opt detach_table[] = {
	{ "keep-maps", 0, NULL, NULL, NULL,
	  offsetof(struct detach_opts, keep_maps), false,
	  "keep the pinned maps (services, backends, rules, flows)" },
	{ 0 },
};

static const struct scmlb_cmd detach_cmds[] = {
	{ NULL, "detach scmlb", detach_table, sizeof(struct detach_opts),
	  SCMLB_CMD_NO_MAPS, NULL, do_detach },
	{ 0 },
};

static const struct scmlb_tool detach_tool = {
	"scmlb-detach", "detach scmlb from every interface and remove its pins",
	detach_cmds, NULL,
};

int main(int argc, char **argv)
{
	return scmlb_run(&detach_tool, argc, argv);
}
