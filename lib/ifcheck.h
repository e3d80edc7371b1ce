/* SPDX-License-Identifier: GPL-2.0 */
/* ifcheck.h - which interfaces XDP can forward balanced packets through, and which need tc */
#ifndef SCMLB_IFCHECK_H
#define SCMLB_IFCHECK_H

#include <stddef.h>
#include <linux/types.h>

int scmlb_ifcheck_mode(int ifindex, __u8 mode, const char **why);
int scmlb_ifcheck_path(int ifindex, __u8 mode, const char **why);
int scmlb_ifcheck_xdp_xmit(int ifindex);
int scmlb_ifcheck_warning(const char *pin_dir, int ifindex, __u8 mode,
			  char *buf, size_t size);

#endif /* SCMLB_IFCHECK_H */
