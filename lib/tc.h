/* SPDX-License-Identifier: GPL-2.0 */
/* tc.h - scmlb_tc at the tc ingress hook of an interface: attach, find, remove */
#ifndef SCMLB_TC_H
#define SCMLB_TC_H

#include <stdbool.h>
#include <linux/types.h>

int scmlb_tc_prog_id(int ifindex, __u32 *id);
int scmlb_tc_attach(int ifindex, int prog_fd, bool *made_qdisc);
int scmlb_tc_detach(int ifindex, bool drop_qdisc);

#endif /* SCMLB_TC_H */
