// SPDX-License-Identifier: GPL-2.0
/* testbed.c - veths in a namespace of our own, the data plane unpinned */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "maps.h"
#include "progs.h"
#include "scmlb.skel.h"
#include "testbed.h"

/**
 * tb_pin_cpu() - keep the process on the first CPU it may use
 *
 * One CPU: the LRU conntrack keeps per-CPU free lists, and a test that
 * wandered over CPUs could see its small table evict flows.
 *
 * Return: 0 or -errno.
 */
int tb_pin_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
		;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/**
 * tb_run_cmd() - run a shell command, saying so on TAP when it fails
 * @fmt: printf format of the command
 *
 * Return: 0, or -EIO when it failed.
 */
int tb_run_cmd(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (!system(cmd))
		return 0;
	printf("# '%s' failed\n", cmd);
	return -EIO;
}

/* IPv6 would chatter (router solicitations) on the peers we listen on. */
static void ipv6_off(void)
{
	static const char *const knobs[] = {
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
	};
	size_t i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		f = fopen(knobs[i], "w");
		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
	}
}

/**
 * tb_net_setup() - enter a new network namespace with a veth per name
 * @names:   our ends; each peer is the name with "-p" appended
 * @n:       how many
 * @ifindex: set to the ifindex of each of our ends
 *
 * Return: 0 or -errno.
 */
int tb_net_setup(const char *const *names, int n, __u32 *ifindex)
{
	int i, err = 0;

	/* the veths and the devmap entries vanish with the process */
	if (unshare(CLONE_NEWNET))
		return -errno;
	ipv6_off();
	err = tb_run_cmd("ip link set lo up");
	for (i = 0; i < n && !err; i++) {
		err = tb_run_cmd("ip link add %s type veth peer name %s-p",
				 names[i], names[i]);
		if (!err)
			err = tb_run_cmd("ip link set %s up", names[i]);
		if (!err)
			err = tb_run_cmd("ip link set %s-p up", names[i]);
		ifindex[i] = if_nametoindex(names[i]);
		if (!err && !ifindex[i])
			err = -ENODEV;
	}
	return err;
}

/**
 * tb_bpf_setup() - load the data plane with no pin path, as a run sees it
 * @skel:    set to the loaded skeleton; the caller destroys it
 * @ctx:     gets the fds of every map, as scmlb_maps_open() would set them
 * @ct_size: entries of the conntrack table
 * @ifindex: interfaces a frame may be redirected to
 * @n:       how many
 *
 * Return: 0 or -errno.
 */
int tb_bpf_setup(struct scmlb_bpf **skel, struct scmlb_ctx *ctx,
		 __u32 ct_size, const __u32 *ifindex, int n)
{
	struct bpf_program *pmain, *pentry;
	struct scmlb_bpf *s;
	struct bpf_map *map;
	int err, i;

	s = scmlb_bpf__open();
	*skel = s;
	if (!s)
		return -errno;
	pmain = s->progs.scmlb_main;
	pentry = s->progs.scmlb_entry;
	/* no pin path: the instance must not touch, or be, a real one */
	bpf_object__for_each_map(map, s->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
	}
	err = bpf_map__set_max_entries(s->maps.ct_flows, ct_size);
	/* as lib/progs.c: one expected_attach_type in the prog array */
	if (!err)
		err = bpf_program__set_expected_attach_type(pmain, 0);
	if (!err)
		err = bpf_program__set_expected_attach_type(pentry, 0);
	if (!err)
		err = scmlb_bpf__load(s);
	if (err)
		return err;

	scmlb_progs_maps(s, &ctx->maps);
	/* every interface a frame is redirected to, as scmlb_iface_add() */
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(ctx->maps.tx_ports, &ifindex[i],
					&ifindex[i], BPF_ANY))
			return -errno;
	return 0;
}

/**
 * tb_stats_read() - the packet counters, summed over the CPUs
 * @ctx: holds the fd of stat_pkts
 * @sum: the totals
 *
 * Return: 0 or -errno.
 */
int tb_stats_read(const struct scmlb_ctx *ctx, struct scmlb_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), cpu;
	struct scmlb_stats *v;
	__u32 zero = 0;
	size_t i;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(ctx->maps.stats, &zero, v)) {
		err = -errno;
		goto out;
	}
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ncpu; cpu++)
		for (i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
			((__u64 *)sum)[i] += ((__u64 *)&v[cpu])[i];
out:
	free(v);
	return err;
}
