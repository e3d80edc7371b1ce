// SPDX-License-Identifier: GPL-2.0
/* bench_pass.bpf.c - the baseline: hands every frame to the kernel untouched */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/*
 * What BPF_PROG_TEST_RUN costs around any program, plus the harness that
 * restores the frame: bench_pkt subtracts it from every figure.
 */
SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
