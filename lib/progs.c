// SPDX-License-Identifier: GPL-2.0
/* progs.c - load the embedded XDP programs and put the entry program on interfaces through libxdp */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "ifcheck.h"
#include "log.h"
#include "owner.h"
#include "progs.h"
#include "scmlb.skel.h"
#include "tc.h"

#define ENTRY_NAME "scmlb_entry"

static enum xdp_attach_mode xdp_mode(__u8 mode)
{
	return mode == SCMLB_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

/* The libxdp mode on @ifindex for an instance of @mode: skb on a veth. */
static int iface_xdp_mode(int ifindex, __u8 mode, enum xdp_attach_mode *out)
{
	const char *why;
	int m = scmlb_ifcheck_mode(ifindex, mode, &why);

	if (m < 0)
		return m;
	if (why)
		pr_debug("ifindex %d: skb mode: %s", ifindex, why);
	*out = xdp_mode(m);
	return 0;
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
 * scmlb_progs_ct_size() - size conntrack's maps for @ct_size flows
 * @skel:    opened, not loaded
 * @ct_size: flows ct_flows and ct_replies hold; the half-open maps hold
 *	     SCMLB_CT_OPENING_SIZE(@ct_size) flows in
 *	     scmlb_ct_opening_slots(@ct_size) slots, which the data plane
 *	     indexes with a mask
 *
 * Return: 0 or -errno.
 */
int scmlb_progs_ct_size(struct scmlb_bpf *skel, __u32 ct_size)
{
	__u32 opening = scmlb_ct_opening_slots(ct_size);
	struct bpf_map *flows[] = {
		skel->maps.ct_flows, skel->maps.ct_replies,
		skel->maps.ct6_flows, skel->maps.ct6_replies,
		skel->maps.ct6_proxy,
	};
	struct bpf_map *half_open[] = {
		skel->maps.ct_opening, skel->maps.ct_opening_rep,
		skel->maps.ct6_opening, skel->maps.ct6_opening_rep,
	};
	size_t i;
	int err = 0;

	skel->rodata->ct_opening_mask = opening - 1;
	/* IPv6 flows get as many entries as IPv4's (one --conntrack-size) */
	for (i = 0; i < sizeof(flows) / sizeof(flows[0]) && !err; i++)
		err = bpf_map__set_max_entries(flows[i], ct_size);
	for (i = 0; i < sizeof(half_open) / sizeof(half_open[0]) && !err; i++)
		err = bpf_map__set_max_entries(half_open[i], opening);
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
	err = scmlb_progs_ct_size(skel, ct_size);
	if (!err)
		err = reuse_pinned_devmap(skel->maps.lb_tx_ports, pin_dir);
	/*
	 * Programs in a prog array must agree on expected_attach_type (kernel
	 * 6.17+); libxdp loads the entry as freplace with 0, so use 0 for all.
	 */
	if (!err)
		err = bpf_program__set_expected_attach_type(skel->progs.scmlb_main, 0);
	if (!err)
		err = bpf_program__set_expected_attach_type(skel->progs.scmlb_main6, 0);
	if (!err)
		err = bpf_program__set_expected_attach_type(skel->progs.scmlb_icmp6, 0);
	if (!err)
		err = bpf_program__set_expected_attach_type(skel->progs.scmlb_syn_proxy, 0);
	if (!err)
		err = bpf_program__set_expected_attach_type(skel->progs.scmlb_syn_proxy6, 0);
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

/*
 * Pin @fd as @name in @pin_dir, over what is pinned there: a new name,
 * then a rename, so the name never goes missing.
 */
static int pin_replace(const char *pin_dir, const char *name, int fd)
{
	char path[4096], tmp[4096 + 8];
	int err;

	err = scmlb_pin_path(path, sizeof(path), pin_dir, name);
	if (err)
		return err;
	/* bpffs refuses names with a dot */
	snprintf(tmp, sizeof(tmp), "%s_new", path);
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp))
		return -errno;
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
	return err;
}

/* The pin directory of a skeleton opened by scmlb_progs_open(), or NULL. */
static const char *skel_pin_dir(struct scmlb_bpf *skel, char *buf, size_t size)
{
	const char *map_pin = bpf_map__pin_path(skel->maps.lb_config);

	if (!map_pin)
		return NULL;
	snprintf(buf, size, "%s", map_pin);
	return dirname(buf);
}

/*
 * Load without libxdp: an upgrade, where the entry stays where it is.
 * The new scmlb_tc is pinned for scmlb_entry_attach() to put in place.
 */
int scmlb_progs_load(struct scmlb_bpf *skel)
{
	const char *pin_dir;
	char buf[4096];
	int err;

	err = scmlb_bpf__load(skel);
	pin_dir = err ? NULL : skel_pin_dir(skel, buf, sizeof(buf));
	if (pin_dir)
		err = pin_replace(pin_dir, SCMLB_PIN_TC,
				  bpf_program__fd(skel->progs.scmlb_tc));
	return err;
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
	maps->tables_4_7 = bpf_map__fd(skel->maps.lb_tables);
	maps->rr = bpf_map__fd(skel->maps.lb_rr);
	maps->tx_ports = bpf_map__fd(skel->maps.lb_tx_ports);
	maps->progs = bpf_map__fd(skel->maps.lb_progs);
	maps->ct = bpf_map__fd(skel->maps.ct_flows);
	maps->ct_replies = bpf_map__fd(skel->maps.ct_replies);
	maps->ct_opening = bpf_map__fd(skel->maps.ct_opening);
	maps->ct_opening_rep = bpf_map__fd(skel->maps.ct_opening_rep);
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
	maps->ifaces = bpf_map__fd(skel->maps.lb_ifaces);
	maps->dos_block = bpf_map__fd(skel->maps.dos_block);
	maps->syn_budget = bpf_map__fd(skel->maps.dos_syn_budget);
	maps->syn_pool = bpf_map__fd(skel->maps.dos_syn_pool);
	maps->syn_cpu = bpf_map__fd(skel->maps.dos_syn_cpu);
	maps->fw_expires = bpf_map__fd(skel->maps.fw_expires);
	maps->reply_index = bpf_map__fd(skel->maps.lb_reply_index);
	maps->progs6 = bpf_map__fd(skel->maps.lb_progs6);
	maps->ct6 = bpf_map__fd(skel->maps.ct6_flows);
	maps->ct6_replies = bpf_map__fd(skel->maps.ct6_replies);
	maps->ct6_opening = bpf_map__fd(skel->maps.ct6_opening);
	maps->ct6_opening_rep = bpf_map__fd(skel->maps.ct6_opening_rep);
	maps->ct6_frags = bpf_map__fd(skel->maps.ct6_frags);
	maps->fw6_nets = bpf_map__fd(skel->maps.fw6_nets);
	maps->fw6_net_info = bpf_map__fd(skel->maps.fw6_net_info);
	maps->fw6_hint = bpf_map__fd(skel->maps.fw6_hint);
	maps->dos6_counts = bpf_map__fd(skel->maps.dos6_counts);
	maps->dos6_prefix = bpf_map__fd(skel->maps.dos6_prefix);
	maps->stats6 = bpf_map__fd(skel->maps.stat6_pkts);
	maps->progs4 = bpf_map__fd(skel->maps.lb_progs4);
	maps->svc_stats = bpf_map__fd(skel->maps.lb_svc_stats);
	maps->ct6_proxy = bpf_map__fd(skel->maps.ct6_proxy);
	maps->tables = bpf_map__fd(skel->maps.lb_pair_tables);
}

int scmlb_progs_clock_fd(struct scmlb_bpf *skel)
{
	return bpf_program__fd(skel->progs.scmlb_clock);
}

/**
 * iface_setup() - put scmlb_tc on @ifindex and say in lb_ifaces how flows cross it
 * @ifaces:  lb_ifaces
 * @ifindex: an interface the entry program is on
 * @mode:    the instance's enum scmlb_attach_mode
 * @tc_fd:   scmlb_tc as pinned
 *
 * Every interface gets scmlb_tc, so that any flow can be handed off where
 * it arrives. A filter running another scmlb_tc (an upgrade) is replaced.
 *
 * Return: 0 or -errno.
 */
static int iface_setup(int ifaces, int ifindex, __u8 mode, int tc_fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 key = ifindex, flags = 0, len = sizeof(info), id;
	bool made = false;
	const char *why;
	int path, err;

	path = scmlb_ifcheck_path(ifindex, mode, &why);
	if (path < 0)
		return path;
	if (path)
		pr_debug("ifindex %d: flows through scmlb_tc: %s", ifindex, why);
	bpf_map_lookup_elem(ifaces, &key, &flags);
	err = bpf_obj_get_info_by_fd(tc_fd, &info, &len) ? -errno : 0;
	if (!err)
		err = scmlb_tc_prog_id(ifindex, &id);
	if (!err && id != info.id)
		err = scmlb_tc_attach(ifindex, tc_fd, &made);
	if (err)
		return err;
	flags = (flags & SCMLB_IF_QDISC) | (made ? SCMLB_IF_QDISC : 0) |
		SCMLB_IF_TC | path;
	if (bpf_map_update_elem(ifaces, &key, &flags, BPF_ANY)) {
		err = -errno;
		scmlb_tc_detach(ifindex, flags & SCMLB_IF_QDISC);
	}
	return err;
}

/* Open a pinned object of @pin_dir by @name, or -errno. */
static int pinned_fd(const char *pin_dir, const char *name)
{
	char path[4096];
	int fd, err;

	err = scmlb_pin_path(path, sizeof(path), pin_dir, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/**
 * scmlb_progs_attach_first() - load the programs and attach the entry to @ifindex
 * @skel:    opened with the entry program
 * @pin_dir: where the entry program is pinned for later interfaces
 * @ifindex: the upstream
 * @mode:    enum scmlb_attach_mode
 *
 * libxdp loads the object itself: as a dispatcher component where the
 * kernel supports freplace, as a plain XDP program elsewhere. scmlb_tc
 * goes on the interface too (iface_setup()).
 *
 * Return: 0 or -errno.
 */
int scmlb_progs_attach_first(struct scmlb_bpf *skel, const char *pin_dir,
			     int ifindex, __u8 mode)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = skel->obj,
			    .prog_name = ENTRY_NAME);
	enum xdp_attach_mode xmode;
	struct xdp_program *xp;
	char path[4096];
	int err;

	err = scmlb_pin_path(path, sizeof(path), pin_dir, SCMLB_PIN_ENTRY);
	if (!err)
		err = iface_xdp_mode(ifindex, mode, &xmode);
	if (err)
		return err;
	xp = xdp_program__create(&opts);
	err = libxdp_get_error(xp);
	if (err)
		return err;
	err = xdp_program__attach(xp, ifindex, xmode, 0);
	if (err)
		goto out;
	unlink(path);
	if (bpf_obj_pin(xdp_program__fd(xp), path))
		err = -errno;
	if (!err)
		err = pin_replace(pin_dir, SCMLB_PIN_TC,
				  bpf_program__fd(skel->progs.scmlb_tc));
	if (!err)
		err = iface_setup(bpf_map__fd(skel->maps.lb_ifaces), ifindex,
				  mode, bpf_program__fd(skel->progs.scmlb_tc));
	if (err)
		xdp_program__detach(xp, ifindex, xmode, 0);
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

/*
 * The pinned entry program onto @ifindex, unless it is there already. An
 * interface has one owner: a program that is not ours stays, unless
 * libxdp's dispatcher can run us beside it.
 */
static int entry_attach(const struct scmlb_ctx *ctx, int ifindex)
{
	struct scmlb_xdp_owner owner;
	enum xdp_attach_mode xmode;
	struct xdp_program *xp;
	char path[4096];
	int err;

	err = scmlb_owner_query(ctx->pin_dir, ifindex, &owner);
	if (err || owner.ours)
		return err;
	if (scmlb_owner_blocks(&owner))
		return -EBUSY;
	err = scmlb_pin_path(path, sizeof(path), ctx->pin_dir, SCMLB_PIN_ENTRY);
	if (!err)
		err = iface_xdp_mode(ifindex, ctx->cfg.mode, &xmode);
	if (err)
		return err;
	xp = xdp_program__from_pin(path);
	err = libxdp_get_error(xp);
	if (err)
		return err;
	err = xdp_program__attach(xp, ifindex, xmode, 0);
	xdp_program__close(xp);
	return err;
}

/**
 * scmlb_entry_attach() - put the pinned entry program and scmlb_tc on @ifindex
 * @ctx:     the run, with the maps open
 * @ifindex: an interface toward backends
 *
 * Where they are there already, an older scmlb_tc is replaced by the
 * pinned one and lb_ifaces learns the interface again (an upgrade).
 *
 * Return: 0 (also when they are there already), -EBUSY when another
 * program holds the interface (scmlb_owner_explain() says which), or
 * -errno.
 */
int scmlb_entry_attach(const struct scmlb_ctx *ctx, int ifindex)
{
	int err, tc_fd, ifaces = ctx->maps.ifaces;

	err = entry_attach(ctx, ifindex);
	if (err)
		return err;
	/* an upgrade opened the maps before the load created lb_ifaces */
	if (ifaces < 0)
		ifaces = pinned_fd(ctx->pin_dir, "lb_ifaces");
	tc_fd = pinned_fd(ctx->pin_dir, SCMLB_PIN_TC);
	err = ifaces < 0 ? ifaces : tc_fd < 0 ? tc_fd : 0;
	if (!err)
		err = iface_setup(ifaces, ifindex, ctx->cfg.mode, tc_fd);
	if (tc_fd >= 0)
		close(tc_fd);
	if (ifaces >= 0 && ifaces != ctx->maps.ifaces)
		close(ifaces);
	return err;
}

/* Whether the scmlb_tc on @ifindex is the one pinned in @pin_dir. */
static bool tc_is_ours(const char *pin_dir, int ifindex)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), id = 0;
	int fd = pinned_fd(pin_dir, SCMLB_PIN_TC);
	bool ours;

	if (fd < 0)
		return false;
	ours = !scmlb_tc_prog_id(ifindex, &id) && id &&
	       !bpf_obj_get_info_by_fd(fd, &info, &len) && info.id == id;
	close(fd);
	return ours;
}

/**
 * scmlb_entry_detach() - take our entry program and scmlb_tc off @ifindex
 * @pin_dir: the instance
 * @ifindex: the interface
 *
 * Other programs in the interface's dispatcher, and other tc filters,
 * stay; the clsact qdisc goes when scmlb made it and nothing else uses it.
 *
 * Return: 0 (also when it was not there) or -errno.
 */
int scmlb_entry_detach(const char *pin_dir, int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	__u32 key = ifindex, flags = 0;
	int err = 0, ret, ifaces;
	bool ours;

	p = find_entry(pin_dir, ifindex, &mp);
	ours = p || tc_is_ours(pin_dir, ifindex);
	if (p)
		err = xdp_program__detach(p, ifindex,
					  xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	/* another instance's scmlb_tc stays: a refused attach cleans up here */
	if (!ours)
		return err;
	ifaces = pinned_fd(pin_dir, "lb_ifaces");
	if (ifaces >= 0)
		bpf_map_lookup_elem(ifaces, &key, &flags);
	ret = scmlb_tc_detach(ifindex, flags & SCMLB_IF_QDISC);
	if (!ret && ifaces >= 0)
		bpf_map_delete_elem(ifaces, &key);
	if (ifaces >= 0)
		close(ifaces);
	return err ? err : ret;
}

/**
 * scmlb_progs_fill() - put a loaded skeleton's tail-called programs in
 *			their prog arrays: lb_progs4's and lb_progs6's
 * @skel: loaded; its prog arrays are the pinned ones, or the test's own
 *
 * Before its scmlb_main is swapped in: the new main program never meets
 * an empty slot (an IPv6 frame would go to the kernel, a --syn-proxy
 * service's handshake would be dropped), nor another version's program.
 *
 * Return: 0 or -errno.
 */
int scmlb_progs_fill(struct scmlb_bpf *skel)
{
	const struct {
		struct bpf_map *map;
		__u32 slot;
		struct bpf_program *prog;
	} progs[] = {
		{ skel->maps.lb_progs4, SCMLB_PROG4_SYN_PROXY,
		  skel->progs.scmlb_syn_proxy },
		/* the ICMPv6 program first: scmlb_main6 jumps to it */
		{ skel->maps.lb_progs6, SCMLB_PROG6_ICMP, skel->progs.scmlb_icmp6 },
		{ skel->maps.lb_progs6, SCMLB_PROG6_SYN_PROXY,
		  skel->progs.scmlb_syn_proxy6 },
		{ skel->maps.lb_progs6, SCMLB_PROG6_MAIN, skel->progs.scmlb_main6 },
	};
	size_t i;
	int fd;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		fd = bpf_program__fd(progs[i].prog);
		if (bpf_map_update_elem(bpf_map__fd(progs[i].map),
					&progs[i].slot, &fd, BPF_ANY))
			return -errno;
	}
	return 0;
}

/**
 * scmlb_progs_swap_main() - make @skel's main program the one every entry jumps to
 * @ctx:  the run, with the maps open
 * @skel: loaded, on the run's maps
 *
 * The programs it tail-calls first (scmlb_progs_fill()), then one prog-array
 * update: every interface switches at once, no packet meets a gap.
 *
 * Return: 0 or -errno.
 */
int scmlb_progs_swap_main(const struct scmlb_ctx *ctx, struct scmlb_bpf *skel)
{
	int main_fd = scmlb_progs_main_fd(skel), err;
	__u32 key = SCMLB_PROG_MAIN;

	err = scmlb_progs_fill(skel);
	if (err)
		return err;
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

/**
 * scmlb_prog_run_once() - run an XDP program of the tools once on @io
 * @prog_fd: the program (scmlb-gc's pass, the half-open tables' read)
 * @io:      its data, in and out, in place
 * @size:    of @io
 *
 * Return: 0; -EINVAL when the program did not return XDP_PASS (it
 * refused @io); or -errno.
 */
int scmlb_prog_run_once(int prog_fd, void *io, __u32 size)
{
	LIBBPF_OPTS(bpf_test_run_opts, run,
		.data_in = io,
		.data_size_in = size,
		.data_out = io,
		.data_size_out = size,
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(prog_fd, &run))
		return -errno;
	return run.retval == XDP_PASS ? 0 : -EINVAL;
}
