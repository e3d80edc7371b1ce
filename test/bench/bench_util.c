// SPDX-License-Identifier: GPL-2.0
/* bench_util.c - what bench_pkt and bench_ctl share: options and medians */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_util.h"
#include "log.h"

/**
 * bench_start() - a benchmark's start: stdout by lines, error lines named,
 *		   its options taken, root checked
 * @cli:    its command line
 * @argc:   as main() got it
 * @argv:   as main() got it
 * @status: set to the exit status so far: 0 when the benchmark is to run
 *
 * --help prints the usage on stdout and exits 0; bad usage prints an
 * error line or the usage on stderr.
 *
 * Return: whether to run the benchmark.
 */
bool bench_start(const struct bench_cli *cli, int argc, char **argv,
		 int *status)
{
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	scmlb_log_init(cli->name);
	*status = 0;
	while ((c = getopt_long(argc, argv, cli->shortopts, cli->longopts,
				NULL)) != -1) {
		switch (c) {
		case 'j':
			*cli->json = true;
			break;
		case 'V':
			scmlb_log_set_verbose(true);
			break;
		case 'h':
			cli->usage(stdout);
			exit(0);
		case '?':
			cli->usage(stderr);
			*status = 2;
			return false;
		default:
			*status = cli->opt(c, optarg);
			if (*status)
				return false;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'", argv[optind]);
		*status = 2;
		return false;
	}
	if (geteuid()) {
		pr_err("needs root (BPF, namespaces): skipped");
		*status = 77;
		return false;
	}
	return true;
}

/**
 * bench_parse_num() - parse an option's number: digits only, in a range
 * @s:   the text
 * @min: least value taken
 * @max: greatest value taken
 * @out: the value
 *
 * Return: 0, or -EINVAL. Prints nothing.
 */
int bench_parse_num(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

/**
 * bench_opt_num() - an option's number, as bench_parse_num() takes it
 * @s:    the option's argument
 * @what: what it counts, for the error line
 * @min:  least value taken
 * @max:  greatest value taken
 * @out:  the value
 *
 * Return: 0, or the exit status 2 after an error line.
 */
int bench_opt_num(const char *s, const char *what, unsigned long min,
		  unsigned long max, unsigned long *out)
{
	if (!bench_parse_num(s, min, max, out))
		return 0;
	pr_err("invalid %s '%s': %lu to %lu", what, s, min, max);
	return 2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/**
 * bench_median() - sort figures and take their median
 * @v: the figures, sorted in place: v[0] is then the least, v[n - 1] the
 *     greatest
 * @n: how many, at least 1
 *
 * Return: the median; of an even count, the mean of the middle two.
 */
double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
