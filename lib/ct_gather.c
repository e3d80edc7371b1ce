// SPDX-License-Identifier: GPL-2.0
/* ct_gather.c - the full slots of a half-open map, gathered in the kernel */
#include <errno.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ct_gather.h"
#include "progs.h"
#include "scmlb_structs.h"
#include "ct_gather.skel.h"

/* Load the program on @fd, a half-open map of family @io->family. */
static struct ct_gather_bpf *gather_open(int fd, const struct scmlb_ct_gather *io)
{
	struct ct_gather_bpf *skel = ct_gather_bpf__open();
	int err;

	if (!skel)
		return NULL;
	err = bpf_map__reuse_fd(io->family == 6 ? skel->maps.opening6 :
				skel->maps.opening, fd);
	if (!err)
		err = ct_gather_bpf__load(skel);
	if (err) {
		ct_gather_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/**
 * scmlb_ct_gather() - call @fn on every full slot of a half-open map
 * @fd:  ct_opening, ct_opening_rep, ct6_opening or ct6_opening_rep
 * @fn:  called per full slot, of the map's family; a non-zero return
 *	 stops the walk
 * @arg: passed to @fn
 *
 * The program (ct_gather.bpf.c) skips the empty slots in the kernel and
 * hands out SCMLB_GATHER_BATCH full ones a run: an idle million-slot map
 * takes one run of a few milliseconds where reading it out took a third
 * of a second. Slots the data plane fills or empties meanwhile may or may
 * not be seen, as with a batched read.
 *
 * Return: 0, what @fn returned, or -errno.
 */
int scmlb_ct_gather(int fd, scmlb_slot_fn fn, void *arg)
{
	struct scmlb_ct_gather io = { 0 };
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), i, from;
	struct ct_gather_bpf *skel;
	int err = 0, prog;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size == sizeof(struct scmlb_opening_slot))
		io.family = 4;
	else if (info.value_size == sizeof(struct scmlb_opening6_slot))
		io.family = 6;
	else
		return -EPROTO;
	io.end = info.max_entries;
	skel = gather_open(fd, &io);
	if (!skel)
		return -errno;
	prog = bpf_program__fd(skel->progs.scmlb_ct_gather);
	while (!err && io.next < io.end) {
		from = io.next;
		err = scmlb_prog_run_once(prog, &io, sizeof(io));
		if (!err && (io.next <= from || io.count > SCMLB_GATHER_BATCH))
			err = -EIO;	/* no progress: never loop forever */
		for (i = 0; !err && i < io.count; i++)
			err = fn(io.family == 6 ?
				 (const void *)&skel->bss->gathered6[i] :
				 (const void *)&skel->bss->gathered[i], arg);
	}
	ct_gather_bpf__destroy(skel);
	return err;
}
