// SPDX-License-Identifier: GPL-2.0
/* test_metrics.c - TAP tests for lib/metrics.c: label values escaped as the text format wants */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "tap.h"

/* Label values and how the Prometheus text format 0.0.4 writes them. */
static const struct {
	const char *desc;
	const char *in;
	const char *want;
} cases[] = {
	{ "plain text as it is", "web1.example-2", "web1.example-2" },
	{ "empty stays empty", "", "" },
	{ "a double quote escaped", "a\"b", "a\\\"b" },
	{ "a backslash doubled", "C:\\x", "C:\\\\x" },
	{ "a line feed as \\n", "two\nlines", "two\\nlines" },
	{ "all three, and UTF-8 untouched", "\\\"\n\xc3\xa9", "\\\\\\\"\\n\xc3\xa9" },
	{ "a tab and braces untouched", "{a\tb}", "{a\tb}" },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	char *buf;
	size_t len, i;
	FILE *f;

	printf("1..%zu\n", N_CASES);
	for (i = 0; i < N_CASES; i++) {
		buf = NULL;
		f = open_memstream(&buf, &len);
		if (!f) {
			ok(false, "%s: open_memstream", cases[i].desc);
			continue;
		}
		scmlb_prom_label_value(f, cases[i].in);
		fclose(f);
		ok(!strcmp(buf, cases[i].want), "label value: %s", cases[i].desc);
		if (strcmp(buf, cases[i].want))
			diag("got '%s', want '%s'", buf, cases[i].want);
		free(buf);
	}
	return failed ? 1 : 0;
}
