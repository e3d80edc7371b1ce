// SPDX-License-Identifier: GPL-2.0
/* scmlb-save - print the whole configuration as the tool commands that make it again */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "conf.h"
#include "log.h"
#include "maps.h"

static int do_save(struct scmlb_ctx *ctx, const void *opts)
{
	struct scmlb_conf c;
	int err;

	(void)opts;
	err = scmlb_conf_read(ctx, &c);
	if (err == -ENODEV) {
		pr_err("cannot name the upstream (ifindex %u): the interface is "
		       "gone", ctx->cfg.upstream_ifindex);
		return SCMLB_EXIT_FAIL;
	}
	if (err) {
		pr_err("cannot read the configuration in '%s': %s", ctx->pin_dir,
		       strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	err = scmlb_conf_print(&c, stdout);
	scmlb_conf_free(&c);
	if (err) {
		pr_err("cannot write the configuration: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static const struct scmlb_cmd save_cmds[] = {
	{ NULL, "print the configuration", NULL, 0, SCMLB_CMD_READ, NULL,
	  do_save },
	{ 0 },
};

static const struct scmlb_tool save_tool = {
	"scmlb-save", "print the configuration as lines scmlb-restore reads",
	save_cmds,
	"Prints the attachment, firewall rules (not those DoS policies added),\n"
	"DoS policies, services and backends (drained ones drained), one tool\n"
	"command per line without the tool's prefix, in id order. Persist it:\n"
	"  scmlb-save > /etc/scmlb/scmlb.conf\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&save_tool, argc, argv);
}
