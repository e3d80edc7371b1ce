// SPDX-License-Identifier: GPL-2.0
/* scmlb-svc - add, list and delete services: a VIP, a protocol and a port with a scheduler */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "args.h"
#include "backends.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "services.h"
#include "verbs.h"

struct id_opts {
	__u32 id;
};

static int do_set(struct scmlb_ctx *ctx, const void *opts)
{
	__u32 id;
	int ret = scmlb_svc_set_apply(ctx, opts, NULL, 0, &id);

	if (!ret)
		printf("%u\n", id);
	return ret;
}

static const struct scmlb_column svc_cols[] = {
	{ "ID", "id", SCMLB_COL_NUM },
	{ "VIP", "vip", SCMLB_COL_STR },
	{ "PROTOCOL", "protocol", SCMLB_COL_STR },
	{ "PORT", "port", SCMLB_COL_NUM },
	{ "SCHEDULER", "scheduler", SCMLB_COL_STR },
	{ "BACKENDS", "backends", SCMLB_COL_RAW },
	{ "FORWARD", "forward", SCMLB_COL_STR },
	{ "SYNPROXY", "syn_proxy", SCMLB_COL_RAW },
};

#define N_SVC_COLS (sizeof(svc_cols) / sizeof(svc_cols[0]))

/* The ids of @svc's backends as a JSON array: "[1,2]". */
static int format_backends(char **out, const struct scmlb_service *svc,
			   const struct scmlb_backend *be, size_t n)
{
	size_t i, len = 0, cap = 3 + n * 12;	/* "[", "id," each, "]", NUL */
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	buf[len++] = '[';
	for (i = 0; i < n; i++)
		if (be[i].service_id == svc->id)
			len += snprintf(buf + len, cap - len, "%s%u",
					len > 1 ? "," : "", be[i].id);
	snprintf(buf + len, cap - len, "]");
	*out = buf;
	return 0;
}

static int print_services(struct scmlb_ctx *ctx)
{
	struct scmlb_service *list = NULL;
	struct scmlb_backend *be = NULL;
	struct scmlb_table *t = NULL;
	size_t n, nbe, i;
	int err;

	err = scmlb_services_list(ctx, &list, &n);
	if (!err)
		err = scmlb_backends_list(ctx, &be, &nbe);
	if (!err) {
		t = scmlb_table_new(svc_cols, N_SVC_COLS);
		if (!t)
			err = -ENOMEM;
	}
	for (i = 0; i < n && !err; i++) {
		const struct scmlb_service *s = &list[i];
		char id[12], vip[SCMLB_ADDR_LEN], port[8], *backends = NULL;
		const char *cells[N_SVC_COLS] = {
			id, vip, scmlb_svc_proto_name(s->proto), port,
			scmlb_scheduler_name(s->scheduler), NULL,
			scmlb_forward_name(s->forward),
			s->flags & SCMLB_SVC_SYN_PROXY ? "true" : "false",
		};

		snprintf(id, sizeof(id), "%u", s->id);
		scmlb_format_addr(vip, sizeof(vip), s->family, s->vip);
		snprintf(port, sizeof(port), "%u", __builtin_bswap16(s->port));
		err = format_backends(&backends, s, be, nbe);
		cells[5] = backends;
		if (!err)
			err = scmlb_table_row(t, cells);
		free(backends);
	}
	if (!err)
		err = scmlb_table_print(t, ctx->json, stdout);
	scmlb_table_free(t);
	free(list);
	free(be);
	return err;
}

static int do_get(struct scmlb_ctx *ctx, const void *opts)
{
	int err;

	(void)opts;
	err = print_services(ctx);
	if (err) {
		pr_err("cannot list the services: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static int do_delete(struct scmlb_ctx *ctx, const void *opts)
{
	const struct id_opts *o = opts;

	return scmlb_svc_delete_apply(ctx, o->id);
}

static const struct scmlb_opt id_table[] = {
	{ "id", 'i', "ID", "id", scmlb_parse_id, offsetof(struct id_opts, id),
	  true, "the service's id, as set printed it" },
	{ 0 },
};

static const struct scmlb_cmd svc_cmds[] = {
	SCMLB_SVC_SET_CMD(do_set),
	{ "get", "list the services", NULL, 0,
	  SCMLB_CMD_READ | SCMLB_CMD_JSON, NULL, do_get },
	{ "delete", "remove a service without backends", id_table,
	  sizeof(struct id_opts), SCMLB_CMD_WRITE | SCMLB_CMD_ANNOUNCE, NULL,
	  do_delete },
	{ 0 },
};

static const struct scmlb_tool svc_tool = {
	"scmlb-svc", "manage the services of the load balancer", svc_cmds,
	"A packet for a VIP goes to the most specific service that matches it:\n"
	"its exact port, then its protocol's any-port service, then the VIP's\n"
	"any-protocol any-port service; with none it goes to the kernel.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&svc_tool, argc, argv);
}
