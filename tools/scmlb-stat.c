// SPDX-License-Identifier: GPL-2.0
/* scmlb-stat - packets received on the upstream and what became of them */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "log.h"
#include "maps.h"
#include "output.h"

/* The counters of struct scmlb_stats, in output order. */
static const struct stat_field {
	const char *header;
	const char *key;
	size_t offset;
} fields[] = {
	{ "ICMP", "icmp", offsetof(struct scmlb_stats, rx_icmp) },
	{ "TCP", "tcp", offsetof(struct scmlb_stats, rx_tcp) },
	{ "UDP", "udp", offsetof(struct scmlb_stats, rx_udp) },
	{ "OTHER", "other", offsetof(struct scmlb_stats, rx_other) },
	{ "PASSED", "passed", offsetof(struct scmlb_stats, passed) },
	{ "FW DROPPED", "fw_dropped", offsetof(struct scmlb_stats, fw_dropped) },
	{ "DOS DROPPED", "dos_dropped", offsetof(struct scmlb_stats, dos_dropped) },
	{ "FORWARDED", "forwarded", offsetof(struct scmlb_stats, forwarded) },
	{ "RETURNED", "returned", offsetof(struct scmlb_stats, returned) },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* Every CPU's counters added up. */
static int stats_sum(const struct scmlb_ctx *ctx, struct scmlb_stats *sum)
{
	int ncpus = libbpf_num_possible_cpus(), c;
	struct scmlb_stats *per_cpu;
	__u32 zero = 0;
	size_t f;

	if (ncpus < 0)
		return ncpus;
	per_cpu = calloc(ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(ctx->maps.stats, &zero, per_cpu)) {
		free(per_cpu);
		return -errno;
	}
	memset(sum, 0, sizeof(*sum));
	for (c = 0; c < ncpus; c++)
		for (f = 0; f < N_FIELDS; f++)
			*(__u64 *)((char *)sum + fields[f].offset) +=
				*(__u64 *)((char *)&per_cpu[c] + fields[f].offset);
	free(per_cpu);
	return 0;
}

static int do_stat(struct scmlb_ctx *ctx, const void *opts)
{
	struct scmlb_column cols[N_FIELDS];
	char text[N_FIELDS][24];
	const char *cells[N_FIELDS];
	struct scmlb_stats sum = { 0 };
	struct scmlb_table *t;
	size_t f;
	int err;

	(void)opts;
	err = stats_sum(ctx, &sum);
	for (f = 0; f < N_FIELDS; f++) {
		cols[f] = (struct scmlb_column){ fields[f].header, fields[f].key,
						 SCMLB_COL_NUM };
		snprintf(text[f], sizeof(text[f]), "%llu", (unsigned long long)
			 *(__u64 *)((char *)&sum + fields[f].offset));
		cells[f] = text[f];
	}
	t = scmlb_table_new(cols, N_FIELDS);
	if (!err && !t)
		err = -ENOMEM;
	if (!err)
		err = scmlb_table_row(t, cells);
	if (!err)
		err = scmlb_table_print_object(t, ctx->json, stdout);
	scmlb_table_free(t);
	if (err) {
		pr_err("cannot read the counters: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	return SCMLB_EXIT_OK;
}

static const struct scmlb_cmd stat_cmds[] = {
	{ NULL, "print the packet counters", NULL, 0,
	  SCMLB_CMD_READ | SCMLB_CMD_JSON, NULL, do_stat },
	{ 0 },
};

static const struct scmlb_tool stat_tool = {
	"scmlb-stat", "packets received on the upstream and what became of them",
	stat_cmds,
	"ICMP TCP UDP OTHER count the packets received on the upstream by L4\n"
	"protocol (OTHER includes frames that are not IPv4). PASSED went to the\n"
	"kernel, FW DROPPED and DOS DROPPED were dropped, FORWARDED went to a\n"
	"backend; RETURNED counts backend replies sent back to clients.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&stat_tool, argc, argv);
}
