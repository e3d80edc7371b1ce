/* SPDX-License-Identifier: GPL-2.0 */
/* testbed.h - veths in a namespace of our own, the data plane unpinned */
#ifndef SCMLB_TEST_TESTBED_H
#define SCMLB_TEST_TESTBED_H

#include <linux/types.h>

#include "maps.h"

struct scmlb_bpf;

int tb_pin_cpu(void);
int tb_run_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tb_net_setup(const char *const *names, int n, __u32 *ifindex);
int tb_bpf_setup(struct scmlb_bpf **skel, struct scmlb_ctx *ctx,
		 __u32 ct_size, const __u32 *ifindex, int n);
int tb_stats_read(const struct scmlb_ctx *ctx, struct scmlb_stats *sum);

#endif /* SCMLB_TEST_TESTBED_H */
