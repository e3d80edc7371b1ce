/* SPDX-License-Identifier: GPL-2.0 */
/* log.h - one-line messages prefixed with the tool's name */
#ifndef SCMLB_LOG_H
#define SCMLB_LOG_H

#include <stdbool.h>
#include <stddef.h>

void scmlb_log_init(const char *tool);
void scmlb_log_set_verbose(bool verbose);
bool scmlb_log_verbose(void);
void scmlb_log_set_context(const char *where);
void scmlb_log_capture(char *buf, size_t size, const char *name);

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SCMLB_LOG_H */
