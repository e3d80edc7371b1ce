// SPDX-License-Identifier: GPL-2.0
/* scmlb - the original's command line: "scmlb VERB ARGS..." runs "scmlb-VERB ARGS..." */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scmlb-bash.h"	/* generated from completion/scmlb.bash */

#ifndef SCMLB_VERSION
#define SCMLB_VERSION "unknown"
#endif

/* The verbs and the tools that run them; nothing else is ever executed. */
static const struct verb {
	const char *verb;
	const char *tool;	/* NULL: the front-end does it itself */
	const char *summary;
} verbs[] = {
	{ "attach", "scmlb-attach", "load scmlb and attach it to the upstream" },
	{ "detach", "scmlb-detach", "detach scmlb and remove its pins" },
	{ "svc", "scmlb-svc", "manage services: VIP, protocol, port, scheduler" },
	{ "lb", "scmlb-lb", "manage backends; list tracked flows" },
	{ "fw", "scmlb-fw", "manage firewall rules" },
	{ "stat", "scmlb-stat", "packet counters" },
	{ "status", "scmlb-status", "the instance at a glance, with warnings" },
	{ "dos", "scmlb-dos", "manage DoS protection policies" },
	{ "dos-protection", "scmlb-dos", "the original's name for dos" },
	{ "gc", "scmlb-gc", "expire flows and enforce DoS policies, once" },
	{ "health", "scmlb-health", "check the backends' health, once" },
	{ "save", "scmlb-save", "print the configuration as tool commands" },
	{ "restore", "scmlb-restore", "apply a configuration scmlb-save printed" },
	{ "decap", "scmlb-decap", "on a backend: decapsulate IPIP and ip6ip6 for an ipip service" },
	{ "completion", NULL, "print the shell completion script" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct verb *v;

	fprintf(f, "scmlb - XDP layer-4 load balancer\n\n"
		   "Usage: scmlb COMMAND [ARGS...]   (runs scmlb-COMMAND ARGS...)\n"
		   "       scmlb -h|--help | --version\n\nCommands:\n");
	for (v = verbs; v->verb; v++)
		fprintf(f, "  %-16s %s\n", v->verb, v->summary);
}

/* "scmlb completion bash": the script that is installed for bash-completion. */
static int do_completion(int argc, char **argv)
{
	if (argc == 3 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"))) {
		printf("scmlb completion - print the shell completion script\n\n"
		       "Usage: scmlb completion bash\n\n"
		       "Load it into the running shell with:\n"
		       "  source <(scmlb completion bash)\n");
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "scmlb: missing shell: see 'scmlb completion --help'\n");
		return 2;
	}
	if (strcmp(argv[2], "bash")) {
		fprintf(stderr, "scmlb: unsupported shell '%s': only bash is supported\n",
			argv[2]);
		return 2;
	}
	if (argc > 3) {
		fprintf(stderr, "scmlb: unexpected argument '%s'\n", argv[3]);
		return 2;
	}
	fputs(scmlb_bash_completion, stdout);
	return fflush(stdout) ? 1 : 0;
}

/* The directory of this executable, so that its sibling tools are found first. */
static int self_dir(char *buf, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (len < 0)
		return -errno;
	buf[len] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	const struct verb *v;

	if (argc < 2) {
		fprintf(stderr, "scmlb: missing command: see 'scmlb --help'\n");
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("scmlb %s\n", SCMLB_VERSION);
		return 0;
	}
	for (v = verbs; v->verb; v++)
		if (!strcmp(argv[1], v->verb))
			break;
	if (!v->verb) {
		fprintf(stderr, "scmlb: unknown command '%s': see 'scmlb --help'\n",
			argv[1]);
		return 2;
	}
	if (!v->tool)
		return do_completion(argc, argv);

	argv[1] = (char *)v->tool;
	if (!self_dir(dir, sizeof(dir))) {
		snprintf(path, sizeof(path), "%s/%s", dir, v->tool);
		if (!access(path, X_OK))
			execv(path, argv + 1);
	}
	execvp(v->tool, argv + 1);
	fprintf(stderr, "scmlb: cannot run '%s': %s\n", v->tool, strerror(errno));
	return 1;
}
