/* SPDX-License-Identifier: GPL-2.0 */
/* clock.h - the data plane's jiffies as CLOCK_MONOTONIC time, and back */
#ifndef SCMLB_CLOCK_H
#define SCMLB_CLOCK_H

#include <stddef.h>
#include <linux/types.h>

#include "scmlb_structs.h"

__u64 scmlb_mono_ns(void);
__u64 scmlb_jiffies_now(const struct scmlb_config *cfg);
__u64 scmlb_jiffies_to_mono_ns(const struct scmlb_config *cfg, __u64 jiffies);
int scmlb_clock_read(int prog_fd, __u64 *jiffies, __u64 *mono_ns);
int scmlb_clock_calibrate(int clock_prog_fd, struct scmlb_config *cfg);
__s64 scmlb_real_s(void);
void scmlb_format_utc(char *buf, size_t size, __s64 secs);
void scmlb_format_duration(char *buf, size_t size, __u64 secs);

#endif /* SCMLB_CLOCK_H */
