// SPDX-License-Identifier: GPL-2.0
/* progs.c - load the embedded XDP programs and put the entry program on interfaces through libxdp */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"
#include "owner.h"
#include "progs.h"
#include "scmlb.skel.h"

#define ENTRY_NAME "scmlb_entry"

static enum xdp_attach_mode xdp_mode(__u8 mode)
{
	return mode == SCMLB_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

/*
 * The kernel adds BPF_F_RDONLY_PROG to every devmap but refuses it at
 * creation, so libbpf 1.1 finds a pinned devmap "mismatched": hand the
 * pinned one over by fd instead.
 */
static int reuse_pinned_devmap(struct bpf_map *map, const char *pin_dir)
{
	char path[4096];
	int fd, err;

	err = scmlb_pin_path(path, sizeof(path), pin_dir, bpf_map__name(map));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = bpf_map__reuse_fd(map, fd);
	close(fd);
	return err;
}

/**
 * scmlb_progs_open() - open the embedded programs on the maps of @pin_dir
 * @pin_dir:    maps pinned there are reused, missing ones created there
 * @ct_size:    flows the conntrack table holds
 * @with_entry: also load the entry program (a first attach)
 * @out:        the opened skeleton
 *
 * Return: 0 or -errno.
 */
int scmlb_progs_open(const char *pin_dir, __u32 ct_size, bool with_entry,
		     struct scmlb_bpf **out)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct scmlb_bpf *skel;
	int err;

	skel = scmlb_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = bpf_map__set_max_entries(skel->maps.ct_flows, ct_size);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.ct_replies, ct_size);
	if (!err)
		err = reuse_pinned_devmap(skel->maps.lb_tx_ports, pin_dir);
	/*
	 * Programs in a prog array must agree on expected_attach_type (kernel
	 * 6.17+); libxdp loads the entry as freplace with 0, so use 0 for all.
	 */
	if (!err)
		err = bpf_program__set_expected_attach_type(skel->progs.scmlb_main, 0);
	if (!err)
		err = bpf_program__set_expected_attach_type(skel->progs.scmlb_entry, 0);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.scmlb_entry, with_entry);
	if (err) {
		scmlb_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/* Load without libxdp: an upgrade, where the entry stays where it is. */
int scmlb_progs_load(struct scmlb_bpf *skel)
{
	return scmlb_bpf__load(skel);
}

void scmlb_progs_close(struct scmlb_bpf *skel)
{
	scmlb_bpf__destroy(skel);
}

int scmlb_progs_main_fd(struct scmlb_bpf *skel)
{
	return bpf_program__fd(skel->progs.scmlb_main);
}

/**
 * scmlb_progs_maps() - the fds of a loaded skeleton's maps, for lib/ calls
 * @skel: loaded, pinned or not (the tests use it unpinned)
 * @maps: filled; -1 for a map the skeleton lacks
 */
void scmlb_progs_maps(struct scmlb_bpf *skel, struct scmlb_maps *maps)
{
	memset(maps, 0xff, sizeof(*maps));
	maps->config = bpf_map__fd(skel->maps.lb_config);
	maps->vips = bpf_map__fd(skel->maps.lb_vips);
	maps->vip_hint = bpf_map__fd(skel->maps.lb_vip_hint);
	maps->svc_ids = bpf_map__fd(skel->maps.lb_svc_ids);
	maps->services = bpf_map__fd(skel->maps.lb_services);
	maps->backends = bpf_map__fd(skel->maps.lb_backends);
	maps->tables = bpf_map__fd(skel->maps.lb_tables);
	maps->rr = bpf_map__fd(skel->maps.lb_rr);
	maps->tx_ports = bpf_map__fd(skel->maps.lb_tx_ports);
	maps->progs = bpf_map__fd(skel->maps.lb_progs);
	maps->ct = bpf_map__fd(skel->maps.ct_flows);
	maps->ct_replies = bpf_map__fd(skel->maps.ct_replies);
	maps->ct_frags = bpf_map__fd(skel->maps.ct_frags);
	maps->stats = bpf_map__fd(skel->maps.stat_pkts);
	maps->fw_nets = bpf_map__fd(skel->maps.fw_nets);
	maps->fw_hint = bpf_map__fd(skel->maps.fw_hint);
	maps->fw_net_info = bpf_map__fd(skel->maps.fw_net_info);
	maps->fw_rules = bpf_map__fd(skel->maps.fw_rules);
	maps->fw_drops = bpf_map__fd(skel->maps.fw_drops);
	maps->dos_policies = bpf_map__fd(skel->maps.dos_policies);
	maps->dos_counts = bpf_map__fd(skel->maps.dos_counts);
	maps->dos_drops = bpf_map__fd(skel->maps.dos_drops);
	maps->be_stats = bpf_map__fd(skel->maps.lb_be_stats);
}

int scmlb_progs_clock_fd(struct scmlb_bpf *skel)
{
	return bpf_program__fd(skel->progs.scmlb_clock);
}

/**
 * scmlb_progs_attach_first() - load the programs and attach the entry to @ifindex
 * @skel:    opened with the entry program
 * @pin_dir: where the entry program is pinned for later interfaces
 * @ifindex: the upstream
 * @mode:    enum scmlb_attach_mode
 *
 * libxdp loads the object itself: as a dispatcher component where the
 * kernel supports freplace, as a plain XDP program elsewhere.
 *
 * Return: 0 or -errno.
 */
int scmlb_progs_attach_first(struct scmlb_bpf *skel, const char *pin_dir,
			     int ifindex, __u8 mode)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = skel->obj,
			    .prog_name = ENTRY_NAME);
	struct xdp_program *xp;
	char path[4096];
	int err;

	err = scmlb_pin_path(path, sizeof(path), pin_dir, SCMLB_PIN_ENTRY);
	if (err)
		return err;
	xp = xdp_program__create(&opts);
	err = libxdp_get_error(xp);
	if (err)
		return err;
	err = xdp_program__attach(xp, ifindex, xdp_mode(mode), 0);
	if (err)
		goto out;
	unlink(path);
	if (bpf_obj_pin(xdp_program__fd(xp), path)) {
		err = -errno;
		xdp_program__detach(xp, ifindex, xdp_mode(mode), 0);
	}
out:
	xdp_program__close(xp);
	return err;
}

/*
 * Our entry program on @ifindex, from the interface's multiprog state
 * (@mp, to be closed by the caller); NULL when it is not there.
 */
static struct xdp_program *find_entry(const char *pin_dir, int ifindex,
				      struct xdp_multiprog **mp)
{
	struct xdp_program *p = NULL;
	struct scmlb_instance inst;

	*mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(*mp)) {
		*mp = NULL;
		return NULL;
	}
	/* never by name: another instance's entry has ours */
	scmlb_instance_read(pin_dir, &inst);
	if (xdp_multiprog__is_legacy(*mp)) {
		p = xdp_multiprog__main_prog(*mp);
		return p && scmlb_instance_is(&inst, p) ? p : NULL;
	}
	while ((p = xdp_multiprog__next_prog(p, *mp)))
		if (scmlb_instance_is(&inst, p))
			return p;
	return NULL;
}

/**
 * scmlb_entry_attached() - whether our entry program runs on @ifindex
 * @pin_dir: the instance
 * @ifindex: the interface
 *
 * Return: 1 or 0.
 */
int scmlb_entry_attached(const char *pin_dir, int ifindex)
{
	struct xdp_multiprog *mp;
	bool found = find_entry(pin_dir, ifindex, &mp) != NULL;

	xdp_multiprog__close(mp);
	return found;
}

/**
 * scmlb_entry_attach() - put the pinned entry program on @ifindex
 * @ctx:     the run, with the maps open
 * @ifindex: an interface toward backends
 *
 * An interface has one owner: a program that is not ours stays, unless
 * libxdp's dispatcher can run us beside it.
 *
 * Return: 0 (also when it is there already), -EBUSY when another program
 * holds the interface (scmlb_owner_explain() says which), or -errno.
 */
int scmlb_entry_attach(const struct scmlb_ctx *ctx, int ifindex)
{
	struct scmlb_xdp_owner owner;
	struct xdp_program *xp;
	char path[4096];
	int err;

	err = scmlb_owner_query(ctx->pin_dir, ifindex, &owner);
	if (err || owner.ours)
		return err;
	if (scmlb_owner_blocks(&owner))
		return -EBUSY;
	err = scmlb_pin_path(path, sizeof(path), ctx->pin_dir, SCMLB_PIN_ENTRY);
	if (err)
		return err;
	xp = xdp_program__from_pin(path);
	err = libxdp_get_error(xp);
	if (err)
		return err;
	err = xdp_program__attach(xp, ifindex, xdp_mode(ctx->cfg.mode), 0);
	xdp_program__close(xp);
	return err;
}

/**
 * scmlb_entry_detach() - take our entry program off @ifindex
 * @pin_dir: the instance
 * @ifindex: the interface
 *
 * Other programs in the interface's dispatcher stay.
 *
 * Return: 0 (also when it was not there) or -errno.
 */
int scmlb_entry_detach(const char *pin_dir, int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err = 0;

	p = find_entry(pin_dir, ifindex, &mp);
	if (p)
		err = xdp_program__detach(p, ifindex,
					  xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	return err;
}

/**
 * scmlb_progs_swap_main() - make @main_fd the program every entry jumps to
 * @ctx:     the run, with the maps open
 * @main_fd: the new main program
 *
 * One prog-array update: every interface switches at once, no packet
 * meets a gap.
 *
 * Return: 0 or -errno.
 */
int scmlb_progs_swap_main(const struct scmlb_ctx *ctx, int main_fd)
{
	__u32 key = SCMLB_PROG_MAIN;

	return bpf_map_update_elem(ctx->maps.progs, &key, &main_fd, BPF_ANY) ?
	       -errno : 0;
}

/**
 * scmlb_iface_add() - attach to @ifindex and make it a redirect target
 * @ctx:     the run, with the maps open
 * @ifindex: an interface toward backends
 *
 * Return: 0 or -errno.
 */
int scmlb_iface_add(const struct scmlb_ctx *ctx, int ifindex)
{
	__u32 key = ifindex, val = ifindex;
	int err;

	/* detached with --keep-maps: scmlb-attach attaches it when it resumes */
	err = ctx->cfg.flags & SCMLB_CFG_DETACHED ? 0 :
	      scmlb_entry_attach(ctx, ifindex);
	if (err)
		return err;
	if (bpf_map_update_elem(ctx->maps.tx_ports, &key, &val, BPF_ANY)) {
		err = -errno;
		scmlb_entry_detach(ctx->pin_dir, ifindex);
	}
	return err;
}

/**
 * scmlb_iface_remove() - stop redirecting to @ifindex and detach from it
 * @ctx:     the run, with the maps open
 * @ifindex: an interface toward backends
 *
 * Return: 0 or -errno.
 */
int scmlb_iface_remove(const struct scmlb_ctx *ctx, int ifindex)
{
	__u32 key = ifindex;

	if (bpf_map_delete_elem(ctx->maps.tx_ports, &key) && errno != ENOENT)
		return -errno;
	return scmlb_entry_detach(ctx->pin_dir, ifindex);
}
