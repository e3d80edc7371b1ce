// SPDX-License-Identifier: GPL-2.0
/* log.c - one-line messages prefixed with the tool's name; libbpf and libxdp chatter only with --verbose */
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static const char *tool_name = "scmlb";
static const char *context;
static bool verbose;

static void vlog(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tool_name);
	if (context)
		fprintf(stderr, "%s: ", context);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/**
 * pr_err() - print the one error line of a failed run
 * @fmt: printf format, without the tool's name and without a newline
 */
void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

/**
 * pr_debug() - print a detail that only --verbose shows
 * @fmt: printf format, without the tool's name and without a newline
 */
void pr_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

/**
 * scmlb_log_init() - name the tool in every message; route library output
 * @tool: the executable's name, e.g. "scmlb-lb"
 */
void scmlb_log_init(const char *tool)
{
	tool_name = tool;
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

/**
 * scmlb_log_set_context() - say where in its input the tool is, in every message
 * @where: e.g. "line 3", after the tool's name; NULL for none. It must
 *         stay valid while it is set.
 */
void scmlb_log_set_context(const char *where)
{
	context = where;
}

void scmlb_log_set_verbose(bool on)
{
	verbose = on;
}
