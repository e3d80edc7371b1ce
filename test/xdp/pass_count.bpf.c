// SPDX-License-Identifier: GPL-2.0
/* pass_count.bpf.c - a second XDP program for dispatcher tests: counts frames, passes them */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

/* Frames seen; read by the tests with bpftool. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} pass_count_map SEC(".maps");

SEC("xdp")
int pass_count(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&pass_count_map, &zero);

	(void)ctx;
	if (n)
		(*n)++;
	return XDP_PASS;
}

/* After scmlb (priority 10) in a dispatcher. */
struct {
	__uint(priority, 50);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(pass_count);

char LICENSE[] SEC("license") = "GPL";
