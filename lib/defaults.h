/* SPDX-License-Identifier: GPL-2.0 */
/* defaults.h - what the systemd units read from /etc/default/scmlb */
#ifndef SCMLB_DEFAULTS_H
#define SCMLB_DEFAULTS_H

#include <stddef.h>

#define SCMLB_DEFAULTS_FILE "/etc/default/scmlb"

const char *scmlb_defaults_path(void);
int scmlb_defaults_pin_dir(const char *args_var, char *out, size_t size);
int scmlb_same_dir(const char *a, const char *b);

#endif /* SCMLB_DEFAULTS_H */
