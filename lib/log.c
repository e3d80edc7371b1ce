// SPDX-License-Identifier: GPL-2.0
/* log.c - one-line messages prefixed with the tool's name; libbpf and libxdp chatter only with --verbose */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static const char *tool_name = "scmlb";
static const char *context;
static bool verbose;

/* scmlb_log_capture()'s: the first error line goes here, not to stderr */
static char *capture_buf;
static size_t capture_size;
static const char *capture_name;

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
	size_t len;

	va_start(ap, fmt);
	if (!capture_buf) {
		vlog(fmt, ap);
	} else if (!*capture_buf) {
		snprintf(capture_buf, capture_size, "%s: ", capture_name);
		len = strlen(capture_buf);
		vsnprintf(capture_buf + len, capture_size - len, fmt, ap);
	}
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

/**
 * scmlb_log_capture() - keep the next error line instead of printing it
 * @buf:  where it goes, emptied here; NULL: print to stderr again
 * @size: bytes of @buf
 * @name: the tool whose line it is, e.g. "scmlb-lb", in place of ours;
 *        it must stay valid while it is set
 *
 * For scmlb-restore, which runs a tool's code in its own process and
 * reports the tool's error line as the tool would have printed it. Only
 * the first line is kept; --verbose details still go to stderr.
 */
void scmlb_log_capture(char *buf, size_t size, const char *name)
{
	capture_buf = buf;
	capture_size = size;
	capture_name = name;
	if (buf && size)
		*buf = '\0';
}

void scmlb_log_set_verbose(bool on)
{
	verbose = on;
}

bool scmlb_log_verbose(void)
{
	return verbose;
}
