/* SPDX-License-Identifier: GPL-2.0 */
/* interval.h - repeat a reading every interval until interrupted, for rates */
#ifndef SCMLB_INTERVAL_H
#define SCMLB_INTERVAL_H

#include <stdbool.h>
#include <linux/types.h>

int scmlb_parse_interval(const char *s, void *out, const char **why);
int scmlb_parse_count(const char *s, void *out, const char **why);
void scmlb_interval_start(void);
bool scmlb_interval_wait(double seconds, double *elapsed);
double scmlb_rate(__u64 before, __u64 after, double seconds);

#endif /* SCMLB_INTERVAL_H */
