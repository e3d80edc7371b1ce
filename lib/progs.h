/* SPDX-License-Identifier: GPL-2.0 */
/* progs.h - the XDP programs: load them, put the entry program on interfaces */
#ifndef SCMLB_PROGS_H
#define SCMLB_PROGS_H

#include <stdbool.h>
#include <linux/types.h>

#include "maps.h"

struct scmlb_bpf;

int scmlb_progs_ct_size(struct scmlb_bpf *skel, __u32 ct_size);
int scmlb_progs_open(const char *pin_dir, __u32 ct_size, bool with_entry,
		     struct scmlb_bpf **out);
int scmlb_progs_load(struct scmlb_bpf *skel);
void scmlb_progs_close(struct scmlb_bpf *skel);
int scmlb_prog_run_once(int prog_fd, void *io, __u32 size);
int scmlb_progs_main_fd(struct scmlb_bpf *skel);
int scmlb_progs_clock_fd(struct scmlb_bpf *skel);
void scmlb_progs_maps(struct scmlb_bpf *skel, struct scmlb_maps *maps);
int scmlb_progs_attach_first(struct scmlb_bpf *skel, const char *pin_dir,
			     int ifindex, __u8 mode);

int scmlb_entry_attach(const struct scmlb_ctx *ctx, int ifindex);
int scmlb_entry_detach(const char *pin_dir, int ifindex);
int scmlb_progs_fill(struct scmlb_bpf *skel);
int scmlb_progs_swap_main(const struct scmlb_ctx *ctx, struct scmlb_bpf *skel);

int scmlb_iface_add(const struct scmlb_ctx *ctx, int ifindex);
int scmlb_iface_remove(const struct scmlb_ctx *ctx, int ifindex);

#endif /* SCMLB_PROGS_H */
