/* SPDX-License-Identifier: GPL-2.0 */
/* bench_util.h - what bench_pkt and bench_ctl share: options and medians */
#ifndef SCMLB_BENCH_UTIL_H
#define SCMLB_BENCH_UTIL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* The long options every benchmark takes, then the table's end. */
#define BENCH_OPTS_COMMON					\
	{ "json", no_argument, NULL, 'j' },			\
	{ "verbose", no_argument, NULL, 'V' },			\
	{ "help", no_argument, NULL, 'h' },			\
	{ NULL, 0, NULL, 0 }

/* A benchmark's command line: its own options, then the common ones. */
struct bench_cli {
	const char *name;		/* the program, for its error lines */
	const char *shortopts;		/* getopt_long()'s, "jh" included */
	const struct option *longopts;	/* ending in BENCH_OPTS_COMMON */
	int (*opt)(int c, const char *arg);	/* 0 or the exit status */
	void (*usage)(FILE *f);
	bool *json;			/* set by --json */
};

bool bench_start(const struct bench_cli *cli, int argc, char **argv,
		 int *status);
int bench_parse_num(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out);
int bench_opt_num(const char *s, const char *what, unsigned long min,
		  unsigned long max, unsigned long *out);
double bench_median(double *v, int n);

#endif /* SCMLB_BENCH_UTIL_H */
