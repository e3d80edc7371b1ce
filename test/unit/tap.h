/* SPDX-License-Identifier: GPL-2.0 */
/* tap.h - TAP output for the unit tests: ok lines and diagnostics */
#ifndef SCMLB_TEST_TAP_H
#define SCMLB_TEST_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int test_num;
static int failed;

/* "ok N - WHAT", or "not ok N - WHAT" when @cond is false. */
static inline __attribute__((format(printf, 2, 3)))
void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++test_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		failed++;
}

/* A "# " line, which TAP readers show and ignore. */
static inline __attribute__((format(printf, 1, 2)))
void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#endif /* SCMLB_TEST_TAP_H */
