/* SPDX-License-Identifier: GPL-2.0 */
/* bench_skip.h - stages a benchmark build leaves out, to time each one */
#ifndef SCMLB_BENCH_SKIP_H
#define SCMLB_BENCH_SKIP_H

/*
 * test/bench/stages.sh builds the data plane with `meson setup
 * -Dbench_skip=MASK` and times the established paths with and without
 * each stage (issue 18). Such a build balances nothing correctly and is
 * never installed; a normal build has a mask of 0, and every test below
 * folds away at compile time.
 */
#ifndef SCMLB_BENCH_SKIP
#define SCMLB_BENCH_SKIP 0
#endif

enum scmlb_bench_stage {
	SCMLB_SKIP_COUNTERS = 1,	/* per protocol, per backend */
	SCMLB_SKIP_VIP_HINT = 2,	/* every TCP/UDP packet may be a VIP's */
	SCMLB_SKIP_FW = 4,		/* the firewall's source hint */
	SCMLB_SKIP_DOS = 8,		/* the DoS stage */
	SCMLB_SKIP_CT_STATE = 16,	/* TCP state, a flow's packets and time */
	SCMLB_SKIP_NAT = 32,		/* addresses, ports, checksums, MACs */
	SCMLB_SKIP_REDIRECT = 64,	/* XDP_TX instead of the devmap */
};

#define bench_skip(stage) (!!(SCMLB_BENCH_SKIP & (stage)))

#endif /* SCMLB_BENCH_SKIP_H */
