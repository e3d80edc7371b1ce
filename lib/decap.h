/* SPDX-License-Identifier: GPL-2.0 */
/* decap.h - scmlb-decap's program on a backend's interfaces, through libxdp */
#ifndef SCMLB_LIB_DECAP_H
#define SCMLB_LIB_DECAP_H

#include <stddef.h>
#include <linux/types.h>

int scmlb_decap_attach(int ifindex, __u8 mode, __u8 *used_mode,
		       const char **why);
int scmlb_decap_detach(int ifindex);
void scmlb_decap_explain_busy(int ifindex, char *buf, size_t size);

#endif /* SCMLB_LIB_DECAP_H */
