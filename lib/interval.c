// SPDX-License-Identifier: GPL-2.0
/* interval.c - timed readings for --interval: sleep, measure, stop on Ctrl-C */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "interval.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/**
 * scmlb_parse_interval() - parse SECONDS: a positive number, like 1 or 0.5
 * @s:   text from the command line
 * @out: a double
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_interval(const char *s, void *out, const char **why)
{
	size_t whole = strspn(s, "0123456789"), frac = 0;
	const char *p = s + whole;
	double v;

	*why = "expected seconds, like 1 or 0.5, from 0.1 to 3600";
	if (*p == '.') {
		frac = strspn(p + 1, "0123456789");
		p += 1 + frac;
	}
	if (*p || !(whole + frac))
		return -EINVAL;
	v = strtod(s, NULL);
	if (v < 0.1 || v > 3600)
		return -EINVAL;
	*(double *)out = v;
	return 0;
}

/**
 * scmlb_parse_count() - parse how many readings --count asks for
 * @s:   text from the command line
 * @out: a __u32, at least 1
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_count(const char *s, void *out, const char **why)
{
	if (scmlb_parse_u32(s, out, why))
		return -EINVAL;
	if (!*(__u32 *)out) {
		*why = "at least 1";
		return -EINVAL;
	}
	return 0;
}

/* From now on SIGINT and SIGTERM end the loop cleanly, not the process. */
void scmlb_interval_start(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/**
 * scmlb_interval_wait() - sleep one interval
 * @seconds: how long
 * @elapsed: set to the time that really passed
 *
 * Return: false when a signal asked to stop.
 */
bool scmlb_interval_wait(double seconds, double *elapsed)
{
	double start = now_s(), left = seconds;
	struct timespec ts;

	while (!stop && left > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		left = seconds - (now_s() - start);
	}
	*elapsed = now_s() - start;
	return !stop;
}

/* Per second, between two readings of a counter. */
double scmlb_rate(__u64 before, __u64 after, double seconds)
{
	return after >= before && seconds > 0 ? (after - before) / seconds : 0;
}
