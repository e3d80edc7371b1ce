// SPDX-License-Identifier: GPL-2.0
/* clock.c - jiffies (what the data plane reads, cheaply) against CLOCK_MONOTONIC */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <bpf/bpf.h>

#include "clock.h"

#define NSEC_PER_SEC 1000000000ULL

__u64 scmlb_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* The data plane's jiffies now, from the reference scmlb-attach took. */
__u64 scmlb_jiffies_now(const struct scmlb_config *cfg)
{
	__u64 now = scmlb_mono_ns();

	if (!cfg->hz || now < cfg->ref_mono_ns)
		return cfg->ref_jiffies;
	return cfg->ref_jiffies + (now - cfg->ref_mono_ns) * cfg->hz / NSEC_PER_SEC;
}

/* CLOCK_MONOTONIC time of a jiffies value the data plane stored. */
__u64 scmlb_jiffies_to_mono_ns(const struct scmlb_config *cfg, __u64 jiffies)
{
	__s64 delta = (__s64)(jiffies - cfg->ref_jiffies);

	if (!cfg->hz)
		return cfg->ref_mono_ns;
	return cfg->ref_mono_ns + delta * (__s64)NSEC_PER_SEC / (__s64)cfg->hz;
}

/**
 * scmlb_clock_read() - jiffies and CLOCK_MONOTONIC, read together in the kernel
 * @prog_fd: the loaded scmlb_clock program
 * @jiffies: the data plane's clock
 * @mono_ns: CLOCK_MONOTONIC at the same instant
 *
 * Return: 0 or -errno.
 */
int scmlb_clock_read(int prog_fd, __u64 *jiffies, __u64 *mono_ns)
{
	__u64 frame[8] = { 0 }, out[8];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = frame,
		    .data_size_in = sizeof(frame),
		    .data_out = out,
		    .data_size_out = sizeof(out),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*jiffies = out[0];
	*mono_ns = out[1];
	return 0;
}

/**
 * scmlb_clock_calibrate() - measure the kernel's HZ and take a reference
 * @clock_prog_fd: the loaded scmlb_clock program
 * @cfg:           its hz, ref_jiffies and ref_mono_ns are set
 *
 * Two readings 50 ms apart give the jiffies rate, rounded to the HZ
 * values kernels are built with.
 *
 * Return: 0 or -errno.
 */
int scmlb_clock_calibrate(int clock_prog_fd, struct scmlb_config *cfg)
{
	static const unsigned int hz_values[] = { 100, 250, 300, 1000 };
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	__u64 j0, t0, j1, t1;
	double rate, best_diff = 1e9;
	unsigned int i, best = 250;
	int err;

	err = scmlb_clock_read(clock_prog_fd, &j0, &t0);
	if (!err)
		nanosleep(&pause, NULL);
	if (!err)
		err = scmlb_clock_read(clock_prog_fd, &j1, &t1);
	if (err)
		return err;
	if (t1 <= t0)
		return -EIO;
	rate = (double)(j1 - j0) * NSEC_PER_SEC / (double)(t1 - t0);
	for (i = 0; i < sizeof(hz_values) / sizeof(hz_values[0]); i++) {
		double diff = rate > hz_values[i] ? rate - hz_values[i] :
						     hz_values[i] - rate;

		if (diff < best_diff) {
			best_diff = diff;
			best = hz_values[i];
		}
	}
	cfg->hz = best;
	cfg->ref_jiffies = j1;
	cfg->ref_mono_ns = t1;
	return 0;
}

/* CLOCK_REALTIME in whole seconds: expiries keep their meaning across reboots. */
__s64 scmlb_real_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/**
 * scmlb_format_utc() - RFC 3339 UTC time of CLOCK_REALTIME seconds
 * @buf:  at least 21 bytes: "2026-12-03T14:05:00Z"
 * @size: room in @buf
 * @secs: seconds since the epoch
 */
void scmlb_format_utc(char *buf, size_t size, __s64 secs)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "?");
}

/**
 * scmlb_format_duration() - whole seconds as scmlb_parse_duration() reads them
 * @buf:  at least 24 bytes
 * @size: room in @buf
 * @secs: the duration; 0 prints "0"
 *
 * The largest units that divide it: 600 is "10m", 5400 "1h30m", 86400 "1d".
 */
void scmlb_format_duration(char *buf, size_t size, __u64 secs)
{
	static const struct {
		char unit;
		__u64 secs;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	size_t len = 0, i;

	if (!secs) {
		snprintf(buf, size, "0");
		return;
	}
	*buf = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]) && len < size; i++) {
		if (secs < units[i].secs)
			continue;
		len += snprintf(buf + len, size - len, "%llu%c",
				(unsigned long long)(secs / units[i].secs),
				units[i].unit);
		secs %= units[i].secs;
	}
}
