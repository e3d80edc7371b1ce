/* SPDX-License-Identifier: GPL-2.0 */
/* owner.h - which XDP program runs on an interface, and whose it is */
#ifndef SCMLB_OWNER_H
#define SCMLB_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct xdp_program;

/* The ids that tell an instance's entry program from any other. */
struct scmlb_instance {
	__u32 entry_id;			/* its pinned prog_entry; 0: none */
	__u32 progs_id;			/* its pinned lb_progs map; 0: none */
};

/* What runs in XDP on an interface. */
struct scmlb_xdp_owner {
	__u32 prog_id;			/* what the interface runs (libxdp's
					 * dispatcher itself, if that); 0: none */
	char prog_name[16];
	bool dispatcher;		/* libxdp's, which can take us beside others */
	bool ours;			/* our entry runs there, alone or dispatched */
	char other_dir[256];		/* the scmlb instance whose entry it is, when
					 * not ours and one is found; else "" */
};

void scmlb_instance_read(const char *pin_dir, struct scmlb_instance *out);
bool scmlb_instance_runs(const struct scmlb_instance *inst, __u32 prog_id);
bool scmlb_instance_is(const struct scmlb_instance *inst,
		       const struct xdp_program *prog);

__u32 scmlb_xdp_prog_id(int ifindex);
bool scmlb_xdp_anywhere(void);
int scmlb_owner_query(const char *pin_dir, int ifindex,
		      struct scmlb_xdp_owner *out);
bool scmlb_owner_blocks(const struct scmlb_xdp_owner *o);
void scmlb_owner_describe(const struct scmlb_xdp_owner *o, char *buf,
			  size_t size);
void scmlb_owner_explain(const char *pin_dir, int ifindex, char *buf,
			 size_t size);

#endif /* SCMLB_OWNER_H */
