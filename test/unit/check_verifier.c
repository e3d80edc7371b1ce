// SPDX-License-Identifier: GPL-2.0
/*
 * check_verifier.c - load the data plane and print what the verifier
 * processed for each program (bpf_prog_info.verified_insns): a guard that
 * fails well before the kernel's limit of 1,000,000, so that a change
 * which makes a program nearly unverifiable is seen here first
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "progs.h"
#include "scmlb.skel.h"
#include "tap.h"

/* The guard: 80% of the kernel's limit of processed instructions. */
#define VERIFIED_MAX 800000

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(void)
{
	struct bpf_prog_info info;
	struct bpf_program *prog;
	struct scmlb_bpf *skel;
	struct bpf_map *map;
	__u32 len;
	int err = 0, n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		printf("1..0 # SKIP needs root (BPF)\n");
		return 0;
	}
	libbpf_set_print(silent);
	skel = scmlb_bpf__open();
	if (!skel) {
		printf("Bail out! cannot open the data plane: %s\n",
		       strerror(errno));
		return 1;
	}
	/* no pin path: nothing of a real instance is touched */
	bpf_object__for_each_map(map, skel->obj)
		if (!err)
			err = bpf_map__set_pin_path(map, NULL);
	/* as lib/progs.c: the default conntrack size, one attach type */
	if (!err)
		err = scmlb_progs_ct_size(skel, SCMLB_CT_DEFAULT_SIZE);
	bpf_object__for_each_program(prog, skel->obj)
		if (!err && bpf_program__type(prog) == BPF_PROG_TYPE_XDP)
			err = bpf_program__set_expected_attach_type(prog, 0);
	if (!err)
		err = scmlb_bpf__load(skel);
	if (err) {
		printf("Bail out! cannot load the data plane: %s\n",
		       strerror(-err));
		scmlb_bpf__destroy(skel);
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
		n++;
	printf("1..%d\n", n);
	bpf_object__for_each_program(prog, skel->obj) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
		ok(!err && info.verified_insns <= VERIFIED_MAX,
		   "%s: the verifier processed %u instructions (guard %u)",
		   bpf_program__name(prog), info.verified_insns, VERIFIED_MAX);
	}
	scmlb_bpf__destroy(skel);
	return failed ? 1 : 0;
}
