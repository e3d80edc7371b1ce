// SPDX-License-Identifier: GPL-2.0
/* test_expiry.c - TAP tests of DoS rule expiry: block times, RFC 3339, durations */
#include <string.h>

#include "args.h"
#include "clock.h"
#include "dos.h"
#include "tap.h"

#define NSEC 1000000000ULL

/* Durations as scmlb-save writes them, read back by scmlb_parse_duration(). */
static void test_durations(void)
{
	static const struct {
		__u64 secs;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 1, "1s" }, { 3, "3s" }, { 59, "59s" },
		{ 60, "1m" }, { 600, "10m" }, { 3599, "59m59s" },
		{ 3600, "1h" }, { 5400, "1h30m" }, { 86400, "1d" },
		{ 90061, "1d1h1m1s" }, { 3153600000ULL, "36500d" },	/* 100 years: the most */
	};
	char buf[32];
	size_t i, bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		__u64 ns = 0;

		scmlb_format_duration(buf, sizeof(buf), cases[i].secs);
		if (strcmp(buf, cases[i].text) ||
		    (cases[i].secs &&
		     (scmlb_parse_duration(buf, &ns, &why) ||
		      ns != cases[i].secs * NSEC))) {
			diag("%llu s: '%s' (expected '%s'), read back %llu ns",
			     (unsigned long long)cases[i].secs, buf,
			     cases[i].text, (unsigned long long)ns);
			bad++;
		}
	}
	ok(!bad, "block times print in the largest units and read back the same");
}

static void test_utc(void)
{
	char buf[32];

	scmlb_format_utc(buf, sizeof(buf), 0);
	ok(!strcmp(buf, "1970-01-01T00:00:00Z"), "the epoch: %s", buf);
	scmlb_format_utc(buf, sizeof(buf), 1796306700);
	ok(!strcmp(buf, "2026-12-03T14:05:00Z"), "RFC 3339, UTC, Z: %s", buf);
	scmlb_format_utc(buf, sizeof(buf), 1796306700 + 600);
	ok(!strcmp(buf, "2026-12-03T14:15:00Z"), "ten minutes on: %s", buf);
}

static void test_expiry(void)
{
	const __s64 now = 1796306700;

	ok(scmlb_dos_expiry(now, 600) == now + 600 &&
	   scmlb_dos_expiry(now, 3) == now + 3,
	   "a rule added now stays for the policy's block time");
	ok(scmlb_dos_expiry(now, 0) == 0, "block time 0: the rule never expires");
	ok(!scmlb_dos_expired(now + 3, now + 2) && scmlb_dos_expired(now + 3, now + 3) &&
	   scmlb_dos_expired(now + 3, now + 4),
	   "a rule is gone from its expiry on, not a second before");
	ok(!scmlb_dos_expired(0, now) && !scmlb_dos_expired(0, (__s64)1 << 62),
	   "a rule without expiry never goes");
}

int main(void)
{
	printf("1..8\n");
	test_durations();
	test_utc();
	test_expiry();
	return failed ? 1 : 0;
}
