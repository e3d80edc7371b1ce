// SPDX-License-Identifier: GPL-2.0
/* owner.c - which XDP program runs on an interface: ours, another instance's, or a stranger's */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "maps.h"
#include "owner.h"

#define BPFFS_ROOT "/sys/fs/bpf"
#define SCAN_DEPTH 3		/* pin directories this far below a root */
#define SCAN_BUDGET 4096	/* directory entries looked at, at most */
#define MAX_MAP_IDS 64		/* scmlb's entry uses one map; others a few */

/* The id of the program or map pinned at @dir/@name; 0 when there is none. */
static __u32 pinned_id(const char *dir, const char *name, bool prog)
{
	struct bpf_prog_info pinfo = { 0 };
	struct bpf_map_info minfo = { 0 };
	__u32 len, id = 0;
	char path[4096];
	int fd;

	if (scmlb_pin_path(path, sizeof(path), dir, name))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (prog) {
		len = sizeof(pinfo);
		if (!bpf_obj_get_info_by_fd(fd, &pinfo, &len))
			id = pinfo.id;
	} else {
		len = sizeof(minfo);
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &len))
			id = minfo.id;
	}
	close(fd);
	return id;
}

/**
 * scmlb_instance_read() - the ids that identify the instance in @pin_dir
 * @pin_dir: the pin directory; it may be missing
 * @out:     its entry program's and lb_progs map's ids, 0 for what is not pinned
 */
void scmlb_instance_read(const char *pin_dir, struct scmlb_instance *out)
{
	out->entry_id = pinned_id(pin_dir, SCMLB_PIN_ENTRY, true);
	out->progs_id = pinned_id(pin_dir, "lb_progs", false);
}

/**
 * scmlb_instance_runs() - whether program @prog_id is @inst's entry
 * @inst:    from scmlb_instance_read()
 * @prog_id: a program id
 *
 * The pinned entry is; so is a program that jumps through the instance's
 * lb_progs, which an attach killed before it pinned the entry leaves.
 *
 * Return: true or false.
 */
bool scmlb_instance_runs(const struct scmlb_instance *inst, __u32 prog_id)
{
	struct bpf_prog_info info = { 0 };
	__u32 ids[MAX_MAP_IDS], len = sizeof(info), i;
	bool found = false;
	int fd;

	if (!prog_id)
		return false;
	if (prog_id == inst->entry_id)
		return true;
	if (!inst->progs_id)
		return false;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	info.nr_map_ids = MAX_MAP_IDS;
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (i = 0; i < info.nr_map_ids && i < MAX_MAP_IDS; i++)
			found |= ids[i] == inst->progs_id;
	close(fd);
	return found;
}

/**
 * scmlb_instance_is() - scmlb_instance_runs() for a program libxdp found
 * @inst: from scmlb_instance_read()
 * @prog: a program of an interface's multiprog state
 *
 * Return: true or false.
 */
bool scmlb_instance_is(const struct scmlb_instance *inst,
		       const struct xdp_program *prog)
{
	return scmlb_instance_runs(inst, xdp_program__id(prog));
}

/**
 * scmlb_xdp_prog_id() - the XDP program on @ifindex, as `ip link` shows it
 * @ifindex: the interface
 *
 * Return: its id (the native one when both modes carry one), or 0 when
 * none runs there or the interface is gone.
 */
__u32 scmlb_xdp_prog_id(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	if (q.attach_mode == XDP_ATTACHED_MULTI)
		return q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	return q.attach_mode == XDP_ATTACHED_HW ? 0 : q.prog_id;
}

/**
 * scmlb_xdp_anywhere() - whether an interface of this network namespace
 *			  runs an XDP program
 *
 * Return: true or false.
 */
bool scmlb_xdp_anywhere(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	bool found = false;

	if (!ifs)
		return false;
	for (i = ifs; i->if_index && !found; i++)
		found = scmlb_xdp_prog_id(i->if_index) != 0;
	if_freenameindex(ifs);
	return found;
}

/* A pin directory at or below @dir whose instance runs @prog_id, into @out. */
static bool scan(const char *dir, int depth, __u32 prog_id, char *out,
		 size_t size, int *budget)
{
	struct scmlb_instance inst;
	char path[PATH_MAX];
	struct dirent *de;
	bool found;
	DIR *d;

	scmlb_instance_read(dir, &inst);
	found = scmlb_instance_runs(&inst, prog_id);
	if (found) {
		snprintf(out, size, "%s", dir);
		return true;
	}
	if (!depth)
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && --*budget > 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR ||
		    scmlb_pin_path(path, sizeof(path), dir, de->d_name))
			continue;
		found = scan(path, depth - 1, prog_id, out, size, budget);
	}
	closedir(d);
	return found;
}

/*
 * The other scmlb instance whose entry is @prog_id: its pin directory,
 * looked for beside @pin_dir, then on /sys/fs/bpf.
 */
static void find_instance(const char *pin_dir, __u32 prog_id, char *out,
			  size_t size)
{
	char parent[PATH_MAX], *slash;
	int budget = SCAN_BUDGET;

	*out = '\0';
	if (!realpath(pin_dir, parent))
		snprintf(parent, sizeof(parent), "%s", pin_dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (scan(parent, 1, prog_id, out, size, &budget))
			return;
	}
	scan(BPFFS_ROOT, SCAN_DEPTH, prog_id, out, size, &budget);
}

/**
 * scmlb_owner_query() - what runs in XDP on @ifindex, and whose it is
 * @pin_dir: this instance
 * @ifindex: the interface
 * @out:     filled; all zero when no program runs there
 *
 * Return: 0, or -errno when the interface cannot be read (-ENODEV: gone).
 */
int scmlb_owner_query(const char *pin_dir, int ifindex,
		      struct scmlb_xdp_owner *out)
{
	struct xdp_program *main_prog, *p = NULL;
	struct scmlb_instance inst;
	struct xdp_multiprog *mp;
	int err;

	memset(out, 0, sizeof(*out));
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err)
		return err == -ENOENT ? 0 : err;
	main_prog = xdp_multiprog__main_prog(mp);
	if (!main_prog)		/* offloaded only: not in scmlb's way */
		goto out;
	out->prog_id = xdp_program__id(main_prog);
	snprintf(out->prog_name, sizeof(out->prog_name), "%s",
		 xdp_program__name(main_prog));
	out->dispatcher = !xdp_multiprog__is_legacy(mp);
	scmlb_instance_read(pin_dir, &inst);
	if (!out->dispatcher) {
		out->ours = scmlb_instance_runs(&inst, out->prog_id);
		if (!out->ours)
			find_instance(pin_dir, out->prog_id, out->other_dir,
				      sizeof(out->other_dir));
		goto out;
	}
	while ((p = xdp_multiprog__next_prog(p, mp)) && !out->ours)
		out->ours = scmlb_instance_is(&inst, p);
out:
	xdp_multiprog__close(mp);
	return 0;
}

/**
 * scmlb_owner_blocks() - whether attaching there would displace a program
 *			  that is not ours
 * @o: from scmlb_owner_query()
 *
 * libxdp's dispatcher takes scmlb beside other programs; a single program
 * has the interface to itself.
 *
 * Return: true or false.
 */
bool scmlb_owner_blocks(const struct scmlb_xdp_owner *o)
{
	return o->prog_id && !o->ours && !o->dispatcher;
}

/**
 * scmlb_owner_describe() - "XDP program 42 'xdp_pass'", and whose it is
 * @o:    from scmlb_owner_query()
 * @buf:  the text
 * @size: its room
 */
void scmlb_owner_describe(const struct scmlb_xdp_owner *o, char *buf,
			  size_t size)
{
	if (!o->prog_id)
		snprintf(buf, size, "no XDP program");
	else if (o->other_dir[0])
		snprintf(buf, size, "XDP program %u '%s' of the scmlb instance "
			 "in '%s'", o->prog_id, o->prog_name, o->other_dir);
	else
		snprintf(buf, size, "XDP program %u '%s'", o->prog_id,
			 o->prog_name);
}

/**
 * scmlb_owner_explain() - why @ifindex cannot take us, for an error line
 * @pin_dir: this instance
 * @ifindex: the interface, on which attaching failed with -EBUSY
 * @buf:     "it runs XDP program 42 'xdp_pass', ...: unload it first"
 * @size:    its room
 */
void scmlb_owner_explain(const char *pin_dir, int ifindex, char *buf,
			 size_t size)
{
	struct scmlb_xdp_owner o;
	char what[320];

	if (scmlb_owner_query(pin_dir, ifindex, &o) || !o.prog_id) {
		snprintf(buf, size, "%s", strerror(EBUSY));
		return;
	}
	scmlb_owner_describe(&o, what, sizeof(what));
	if (o.other_dir[0])
		snprintf(buf, size, "it runs %s: one owner per interface, "
			 "detach that instance first", what);
	else
		snprintf(buf, size, "it runs %s, not one scmlb loaded from '%s': "
			 "one owner per interface, unload it first", what,
			 pin_dir);
}
