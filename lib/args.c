// SPDX-License-Identifier: GPL-2.0
/* args.c - command lines of the tools: options anywhere, verbs, --help, exit codes */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "announce.h"
#include "args.h"
#include "log.h"
#include "maps.h"

#ifndef SCMLB_VERSION
#define SCMLB_VERSION "unknown"
#endif

#define MAX_OPTS 64
#define MAX_ALIASES 8
#define MAX_WORDS 8
#define OPT_BASE 256	/* getopt values above any short option */

/* Options every verb of every tool takes. */
struct common_opts {
	const char *pin_dir;
	bool json;
	bool if_attached;
	bool verbose;
	bool help;
	bool version;
	const char *given;	/* the first of these a command line gives */
};

static const struct scmlb_opt common_table[] = {
	{ "pin-dir", 0, "DIR", "pin directory", scmlb_parse_string,
	  offsetof(struct common_opts, pin_dir), false,
	  "where the maps are pinned (default " SCMLB_DEFAULT_PIN_DIR
	  ", or $SCMLB_PIN_DIR)" },
	{ "json", 0, NULL, NULL, NULL, offsetof(struct common_opts, json),
	  false, "print JSON instead of a table" },
	{ "if-attached", 0, NULL, NULL, NULL,
	  offsetof(struct common_opts, if_attached), false,
	  "when nothing is attached at the pin directory, do nothing and exit 0" },
	{ "verbose", 0, NULL, NULL, NULL, offsetof(struct common_opts, verbose),
	  false, "show libbpf and libxdp messages" },
	{ "help", 'h', NULL, NULL, NULL, offsetof(struct common_opts, help),
	  false, "print this help and exit" },
	{ "version", 0, NULL, NULL, NULL, offsetof(struct common_opts, version),
	  false, "print the version and exit" },
	{ 0 },
};

/* An option as getopt reports it: which table entry, and whose struct. */
struct opt_ref {
	const struct scmlb_opt *opt;
	bool common;
};

struct opt_set {
	struct option longs[MAX_OPTS + 1];
	struct opt_ref refs[MAX_OPTS];
	char shorts[2 * (MAX_OPTS + MAX_ALIASES) + 2];
	int n;
	struct {
		int c;		/* the alias's short name */
		int ref;	/* the option it stands for, in refs */
	} aliases[MAX_ALIASES];
	int n_aliases;
};

/* The flag that gives a verb a common option; 0 when every verb has it. */
static unsigned int common_flag(const struct scmlb_opt *o)
{
	/* --json belongs only to verbs that print something */
	if (!strcmp(o->name, "json"))
		return SCMLB_CMD_JSON;
	if (!strcmp(o->name, "if-attached"))
		return SCMLB_CMD_IF_ATTACHED;
	return 0;
}

/* Whether verbs with @flags leave @o out: --pin-dir where no pin is used. */
static bool common_hidden(const struct scmlb_opt *o, unsigned int flags)
{
	return (flags & SCMLB_CMD_NO_PIN_DIR) && !strcmp(o->name, "pin-dir");
}

static bool is_common_for(const struct scmlb_opt *o, const struct scmlb_cmd *cmd)
{
	if (cmd && common_hidden(o, cmd->flags))
		return false;
	return !cmd || !common_flag(o) || (cmd->flags & common_flag(o));
}

/*
 * An entry without help text, right after the entry of the same name, is
 * a second short name for it (scmlb-fw set -p for -t); help shows them as
 * one option.
 */
static bool is_alias(const struct scmlb_opt *o)
{
	return !o->help && o->short_name;
}

/* The alias that follows @o in its table, or NULL. */
static const struct scmlb_opt *alias_of(const struct scmlb_opt *o)
{
	return o[1].name && !strcmp(o[1].name, o->name) && is_alias(&o[1]) ?
	       &o[1] : NULL;
}

static void add_short(struct opt_set *set, int c, scmlb_parse_fn parse)
{
	size_t len = strlen(set->shorts);

	if (!c)
		return;
	set->shorts[len++] = (char)c;
	if (parse)
		set->shorts[len++] = ':';
	set->shorts[len] = '\0';
}

static void opt_set_add(struct opt_set *set, const struct scmlb_opt *o,
			bool common)
{
	int i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->longs[i].name, o->name))
			continue;
		if (is_alias(o) && set->n_aliases < MAX_ALIASES) {
			set->aliases[set->n_aliases].c = o->short_name;
			set->aliases[set->n_aliases++].ref = i;
			add_short(set, o->short_name, o->parse);
		}
		return;
	}
	if (set->n == MAX_OPTS)
		return;
	set->longs[set->n] = (struct option){
		.name = o->name,
		.has_arg = o->parse ? required_argument : no_argument,
		.val = OPT_BASE + set->n,
	};
	set->refs[set->n] = (struct opt_ref){ .opt = o, .common = common };
	add_short(set, o->short_name, o->parse);
	set->n++;
}

/* The getopt tables of one verb, or of every verb when @cmd is NULL. */
static void opt_set_build(struct opt_set *set, const struct scmlb_tool *tool,
			  const struct scmlb_cmd *cmd)
{
	const struct scmlb_cmd *c;
	const struct scmlb_opt *o;

	memset(set, 0, sizeof(*set));
	/* ':' first: report a missing value apart from an unknown option */
	strcpy(set->shorts, ":");
	for (o = common_table; o->name; o++)
		if (is_common_for(o, cmd))
			opt_set_add(set, o, true);
	for (c = tool->cmds; c->run; c++) {
		if (cmd && c != cmd)
			continue;
		for (o = c->opts; o && o->name; o++)
			opt_set_add(set, o, false);
	}
}

static const struct opt_ref *opt_by_val(const struct opt_set *set, int val)
{
	int i;

	if (val >= OPT_BASE && val < OPT_BASE + set->n)
		return &set->refs[val - OPT_BASE];
	for (i = 0; i < set->n; i++)
		if (set->refs[i].opt->short_name == val)
			return &set->refs[i];
	for (i = 0; i < set->n_aliases; i++)
		if (set->aliases[i].c == val)
			return &set->refs[set->aliases[i].ref];
	return NULL;
}

static void print_opt_usage(FILE *f, const struct scmlb_opt *o)
{
	fputc(' ', f);
	if (!o->required)
		fputc('[', f);
	if (o->short_name)
		fprintf(f, "-%c|", o->short_name);
	fprintf(f, "--%s", o->name);
	if (o->parse)
		fprintf(f, " %s", o->metavar);
	if (!o->required)
		fputc(']', f);
}

static void print_cmd_usage(FILE *f, const struct scmlb_tool *tool,
			    const struct scmlb_cmd *cmd)
{
	const struct scmlb_opt *o;

	fprintf(f, "  %s", tool->name);
	if (cmd->name)
		fprintf(f, " %s", cmd->name);
	for (o = cmd->opts; o && o->name; o++)
		if (!is_alias(o))
			print_opt_usage(f, o);
	if (cmd->flags & SCMLB_CMD_JSON)
		fputs(" [--json]", f);
	if (cmd->flags & SCMLB_CMD_IF_ATTACHED)
		fputs(" [--if-attached]", f);
	if (!(cmd->flags & SCMLB_CMD_NO_PIN_DIR))
		fputs(" [--pin-dir DIR]", f);
	fputc('\n', f);
}

static void print_opt_help(FILE *f, const struct scmlb_opt *o)
{
	const struct scmlb_opt *alias = alias_of(o);
	char left[64];

	if (o->short_name && alias)
		snprintf(left, sizeof(left), "-%c, -%c, --%s%s%s", o->short_name,
			 alias->short_name, o->name, o->parse ? " " : "",
			 o->parse ? o->metavar : "");
	else if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name,
			 o->name, o->parse ? " " : "", o->parse ? o->metavar : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			 o->parse ? " " : "", o->parse ? o->metavar : "");
	fprintf(f, "  %-26s %s\n", left, o->help);
}

/*
 * Whether a verb before @cmd has an option named like @o: the whole
 * tool's help lists it once; one verb's help lists all of its own.
 */
static bool shown_before(const struct scmlb_tool *tool,
			 const struct scmlb_cmd *cmd, const struct scmlb_opt *o)
{
	const struct scmlb_cmd *c;
	const struct scmlb_opt *p;

	for (c = tool->cmds; c != cmd; c++)
		for (p = c->opts; p && p->name; p++)
			if (!strcmp(p->name, o->name))
				return true;
	return false;
}

static void print_help(const struct scmlb_tool *tool,
		       const struct scmlb_cmd *cmd)
{
	const struct scmlb_cmd *c;
	const struct scmlb_opt *o;
	unsigned int any_flags = 0, all_flags = ~0u;

	printf("%s - %s\n\nUsage:\n", tool->name, tool->summary);
	for (c = tool->cmds; c->run; c++) {
		if (cmd && c != cmd)
			continue;
		print_cmd_usage(stdout, tool, c);
		any_flags |= c->flags;
		all_flags &= c->flags;
	}
	printf("\nOptions:\n");
	for (c = tool->cmds; c->run; c++) {
		if (cmd && c != cmd)
			continue;
		for (o = c->opts; o && o->name; o++)
			if (!is_alias(o) && (cmd || !shown_before(tool, c, o)))
				print_opt_help(stdout, o);
	}
	for (o = common_table; o->name; o++)
		if ((!common_flag(o) || (any_flags & common_flag(o))) &&
		    !common_hidden(o, all_flags))
			print_opt_help(stdout, o);
	if (!cmd && tool->cmds[0].name) {
		printf("\nCommands:\n");
		for (c = tool->cmds; c->run; c++)
			printf("  %-16s %s\n", c->name, c->summary);
	}
	if (tool->extra_help)
		printf("\n%s", tool->extra_help);
}

/* Match the leading words against the verbs ("conntrack get" is two). */
static const struct scmlb_cmd *find_cmd(const struct scmlb_tool *tool,
					char **words, int n, int *used)
{
	const struct scmlb_cmd *c;
	char joined[64];
	int k;

	if (!tool->cmds[0].name) {
		*used = 0;
		return &tool->cmds[0];
	}
	joined[0] = '\0';
	for (k = 0; k < n && k < 3; k++) {
		if (k)
			strncat(joined, " ", sizeof(joined) - strlen(joined) - 1);
		strncat(joined, words[k], sizeof(joined) - strlen(joined) - 1);
		for (c = tool->cmds; c->run; c++) {
			if (!strcmp(c->name, joined)) {
				*used = k + 1;
				return c;
			}
		}
	}
	return NULL;
}

/*
 * The second words of the verbs that start with @word ("get or flush" for
 * "conntrack") into @buf; empty when no verb of two words starts so.
 */
static void verb_group(const struct scmlb_tool *tool, const char *word,
		       char *buf, size_t size)
{
	const struct scmlb_cmd *c, *last = NULL;
	size_t len = strlen(word), k = 0;

	buf[0] = '\0';
	for (c = tool->cmds; c->run && c->name; c++)
		if (!strncmp(c->name, word, len) && c->name[len] == ' ')
			last = c;
	for (c = tool->cmds; last && c <= last; c++) {
		if (strncmp(c->name, word, len) || c->name[len] != ' ')
			continue;
		snprintf(buf + k, size - k, "%s%s", !k ? "" : c == last ?
			 " or " : ", ", c->name + len + 1);
		k = strlen(buf);
	}
}

/* No verb matches @words: say which is missing or unknown. */
static void report_no_cmd(const struct scmlb_tool *tool, char **words,
			  int nwords)
{
	char group[64];

	if (!nwords) {
		pr_err("missing command: see '%s --help'", tool->name);
		return;
	}
	verb_group(tool, words[0], group, sizeof(group));
	if (group[0] && nwords == 1)
		pr_err("missing command after '%s': %s", words[0], group);
	else if (group[0])
		pr_err("unknown command '%s %s': '%s' takes %s", words[0],
		       words[1], words[0], group);
	else
		pr_err("unknown command '%s': see '%s --help'", words[0],
		       tool->name);
}

static void report_getopt_error(int ret, char **argv, int at, const char *verb)
{
	const char *arg = argv[at - 1];

	if (ret == ':')
		pr_err("option '%s' needs a value", arg);
	else if (verb)
		pr_err("unknown option '%s' for '%s'", arg, verb);
	else
		pr_err("unknown option '%s'", arg);
}

/*
 * First pass: find the verb words and --help/--version, accepting any
 * option of any verb, so that options may come before the verb. The first
 * bad option is reported only when no --help asks for help instead.
 */
static int scan_words(const struct scmlb_tool *tool, int argc, char **argv,
		      struct common_opts *common, char **words, int *nwords)
{
	const char *bad_arg = NULL;
	int ret, i, bad_ret = 0;
	struct opt_set set;

	opt_set_build(&set, tool, NULL);
	optind = 0;
	opterr = 0;
	while ((ret = getopt_long(argc, argv, set.shorts, set.longs, NULL)) != -1) {
		const struct opt_ref *ref = opt_by_val(&set, ret);

		if (ret == '?' || ret == ':' || !ref) {
			if (!bad_arg) {
				bad_arg = argv[optind - 1];
				bad_ret = ret;
			}
			continue;
		}
		if (!strcmp(ref->opt->name, "help"))
			common->help = true;
		else if (!strcmp(ref->opt->name, "version"))
			common->version = true;
	}
	*nwords = 0;
	for (i = optind; i < argc && *nwords < MAX_WORDS; i++)
		words[(*nwords)++] = argv[i];
	if (bad_arg && !common->help && !common->version) {
		if (bad_ret == ':')
			pr_err("option '%s' needs a value", bad_arg);
		else
			pr_err("unknown option '%s'", bad_arg);
		return -EINVAL;
	}
	if (i < argc) {
		pr_err("too many arguments");
		return -E2BIG;
	}
	return 0;
}

/* Second pass: the chosen verb's options, parsed and validated. */
static int parse_cmd_opts(const struct scmlb_tool *tool,
			  const struct scmlb_cmd *cmd, int argc, char **argv,
			  struct common_opts *common, void *opts)
{
	bool seen[MAX_OPTS] = { 0 };
	struct opt_set set;
	const char *why;
	int ret, i;

	opt_set_build(&set, tool, cmd);
	optind = 0;
	opterr = 0;
	while ((ret = getopt_long(argc, argv, set.shorts, set.longs, NULL)) != -1) {
		const struct opt_ref *ref = opt_by_val(&set, ret);
		const struct scmlb_opt *o;
		void *base;

		if (ret == '?' || ret == ':' || !ref) {
			report_getopt_error(ret, argv, optind, cmd->name);
			return SCMLB_EXIT_USAGE;
		}
		o = ref->opt;
		base = ref->common ? (void *)common : opts;
		if (ref->common && !common->given)
			common->given = o->name;
		seen[ref - set.refs] = true;
		if (!o->parse) {
			*(bool *)((char *)base + o->offset) = true;
			continue;
		}
		why = NULL;
		if (o->parse(optarg, (char *)base + o->offset, &why)) {
			pr_err("invalid %s '%s': %s", o->what, optarg,
			       why ? why : "not valid");
			return SCMLB_EXIT_USAGE;
		}
	}
	for (i = 0; i < set.n; i++) {
		if (set.refs[i].opt->required && !seen[i]) {
			pr_err("missing option '--%s'%s%s%s", set.refs[i].opt->name,
			       cmd->name ? " for '" : "",
			       cmd->name ? cmd->name : "", cmd->name ? "'" : "");
			return SCMLB_EXIT_USAGE;
		}
	}
	return SCMLB_EXIT_OK;
}

/* The verb's options struct, allocated, parsed and cross-checked. */
static int verb_opts(const struct scmlb_tool *tool, const struct scmlb_cmd *cmd,
		     int argc, char **argv, struct common_opts *common,
		     void **opts)
{
	int ret;

	*opts = calloc(1, cmd->opts_size ? cmd->opts_size : 1);
	if (!*opts) {
		pr_err("out of memory");
		return SCMLB_EXIT_FAIL;
	}
	ret = parse_cmd_opts(tool, cmd, argc, argv, common, *opts);
	if (ret == SCMLB_EXIT_OK && cmd->check)
		ret = cmd->check(*opts);
	if (ret != SCMLB_EXIT_OK) {
		free(*opts);
		*opts = NULL;
	}
	return ret;
}

/* open_for() with --if-attached, when nothing is attached: exit 0 at once */
#define NOTHING_ATTACHED (-1)

static int open_for(const struct scmlb_cmd *cmd, struct scmlb_ctx *ctx,
		    bool if_attached)
{
	bool write = cmd->flags & SCMLB_CMD_WRITE;
	int err;

	if (cmd->flags & SCMLB_CMD_NO_MAPS)
		return SCMLB_EXIT_OK;
	if (!(cmd->flags & (SCMLB_CMD_READ | SCMLB_CMD_WRITE)))
		return SCMLB_EXIT_OK;

	err = scmlb_pin_dir_lock(ctx, false, write);
	if (!err)
		err = scmlb_maps_open(ctx);
	switch (err) {
	case 0:
		return SCMLB_EXIT_OK;
	case -ENOENT:
		if (if_attached) {
			pr_debug("nothing attached in '%s': nothing to do",
				 ctx->pin_dir);
			return NOTHING_ATTACHED;
		}
		pr_err("not attached (no maps in '%s'): run scmlb-attach first",
		       ctx->pin_dir);
		break;
	case -EACCES:
	case -EPERM:
	case -ENOTSUP:
	case -ENOTDIR:
	case -EXDEV:
		pr_err("cannot use pin directory '%s': %s", ctx->pin_dir,
		       scmlb_pin_dir_why(err));
		break;
	case -EPROTO:
		pr_err("maps in '%s' have layout " SCMLB_LAYOUT_FMT ", this scmlb "
		       "uses " SCMLB_LAYOUT_FMT ": run scmlb-detach, then "
		       "scmlb-attach", ctx->pin_dir,
		       SCMLB_LAYOUT_ARGS(ctx->cfg.layout_version),
		       SCMLB_LAYOUT_ARGS(SCMLB_LAYOUT_VERSION));
		break;
	case -ESTALE:
		pr_err("maps in '%s' have layout " SCMLB_LAYOUT_FMT ", this scmlb "
		       "needs " SCMLB_LAYOUT_FMT ": run scmlb-attach to upgrade "
		       "them", ctx->pin_dir,
		       SCMLB_LAYOUT_ARGS(ctx->cfg.layout_version),
		       SCMLB_LAYOUT_ARGS(SCMLB_LAYOUT_VERSION));
		break;
	case -ETIMEDOUT:
		pr_err("'%s' is locked by another scmlb tool: try again",
		       ctx->pin_dir);
		break;
	default:
		pr_err("cannot open the maps in '%s': %s", ctx->pin_dir,
		       strerror(-err));
		break;
	}
	return SCMLB_EXIT_FAIL;
}

/**
 * scmlb_run() - run a tool: parse, validate, lock, open the maps, run the verb
 * @tool: the tool's verbs and options
 * @argc: from main()
 * @argv: from main()
 *
 * Bad usage and bad values exit 2 before anything is opened or changed.
 *
 * Return: the exit status (enum scmlb_exit).
 */
int scmlb_run(const struct scmlb_tool *tool, int argc, char **argv)
{
	struct scmlb_ctx ctx = { .dir_fd = -1 };
	struct common_opts common = { 0 };
	const struct scmlb_cmd *cmd;
	char *words[MAX_WORDS];
	int nwords, used, ret;
	void *opts = NULL;

	scmlb_log_init(tool->name);
	if (scan_words(tool, argc, argv, &common, words, &nwords))
		return SCMLB_EXIT_USAGE;
	if (common.version) {
		printf("%s %s\n", tool->name, SCMLB_VERSION);
		return SCMLB_EXIT_OK;
	}

	cmd = find_cmd(tool, words, nwords, &used);
	if (!cmd && common.help && nwords <= 1) {
		/* "conntrack --help" too: the whole help shows its verbs */
		char group[64] = "";

		if (nwords)
			verb_group(tool, words[0], group, sizeof(group));
		if (!nwords || group[0]) {
			print_help(tool, NULL);
			return SCMLB_EXIT_OK;
		}
	}
	if (!cmd) {
		report_no_cmd(tool, words, nwords);
		return SCMLB_EXIT_USAGE;
	}
	if (common.help) {
		print_help(tool, cmd);
		return SCMLB_EXIT_OK;
	}
	if (used < nwords) {
		pr_err("unexpected argument '%s'", words[used]);
		return SCMLB_EXIT_USAGE;
	}

	ret = verb_opts(tool, cmd, argc, argv, &common, &opts);
	if (ret != SCMLB_EXIT_OK)
		goto out;

	scmlb_log_set_verbose(common.verbose);
	ctx.pin_dir = scmlb_pin_dir(common.pin_dir);
	ctx.json = common.json;
	ret = open_for(cmd, &ctx, common.if_attached);
	if (ret == SCMLB_EXIT_OK)
		ret = cmd->run(&ctx, opts);
	else if (ret == NOTHING_ATTACHED)
		ret = SCMLB_EXIT_OK;
	/* still under the verb's lock: the routes follow the maps in order */
	if (ret == SCMLB_EXIT_OK && (cmd->flags & SCMLB_CMD_ANNOUNCE) &&
	    ctx.maps.config > 0)
		scmlb_announce_update(&ctx, false);
	scmlb_maps_close(&ctx);
	scmlb_unlock(&ctx);
out:
	free(opts);
	return ret;
}

/**
 * scmlb_parse_cmdline() - parse and check a command line as its tool does,
 *			   without running it
 * @tool:   the verbs it may name, with their options and checks
 * @argc:   words in @argv
 * @argv:   the line: argv[0] is the tool's name; getopt reorders the rest
 * @cmd:    set to the verb the line names
 * @opts:   set to its options struct, parsed and checked; free() it
 * @common: set to the long name of the first option every tool takes
 *          (--pin-dir, --help, ...) that the line gives, or NULL
 *
 * For scmlb-restore, whose lines are the tools' command lines: the same
 * option tables, parsers and checks as scmlb_run(), so there is one grammar.
 *
 * Return: SCMLB_EXIT_OK, or SCMLB_EXIT_USAGE (SCMLB_EXIT_FAIL when out of
 * memory) after printing the one error line.
 */
int scmlb_parse_cmdline(const struct scmlb_tool *tool, int argc, char **argv,
			const struct scmlb_cmd **cmd, void **opts,
			const char **common)
{
	struct common_opts copts = { 0 };
	const struct scmlb_cmd *c;
	char *words[MAX_WORDS], verbs[128] = "";
	int nwords, used, ret;

	*cmd = NULL;
	*opts = NULL;
	*common = NULL;
	if (scan_words(tool, argc, argv, &copts, words, &nwords))
		return SCMLB_EXIT_USAGE;
	*cmd = find_cmd(tool, words, nwords, &used);
	if (!*cmd) {
		for (c = tool->cmds; c->run && c->name; c++)
			snprintf(verbs + strlen(verbs), sizeof(verbs) - strlen(verbs),
				 "%s%s", c == tool->cmds ? "" : c[1].run ? ", " :
				 " or ", c->name);
		if (nwords)
			pr_err("unknown command '%s' for '%s': expected %s",
			       words[0], tool->name, verbs);
		else
			pr_err("missing command for '%s': expected %s",
			       tool->name, verbs);
		return SCMLB_EXIT_USAGE;
	}
	if (used < nwords) {
		pr_err("unexpected argument '%s'", words[used]);
		return SCMLB_EXIT_USAGE;
	}
	ret = verb_opts(tool, *cmd, argc, argv, &copts, opts);
	if (ret == SCMLB_EXIT_OK)
		*common = copts.given;
	return ret;
}

/* Digits only: no sign, no blanks, no base prefix. */
static int parse_ulong(const char *s, unsigned long max, unsigned long *out,
		       const char **why)
{
	unsigned long v;
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s)) {
		*why = "not a number";
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max) {
		*why = "too large";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/**
 * scmlb_parse_u32() - parse a decimal number into a __u32
 * @s:   text from the command line
 * @out: a __u32
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_u32(const char *s, void *out, const char **why)
{
	unsigned long v;

	if (parse_ulong(s, 0xffffffffUL, &v, why))
		return -EINVAL;
	*(__u32 *)out = (__u32)v;
	return 0;
}

/**
 * scmlb_parse_id() - parse an object id: a __u32 of at least 1
 * @s:   text from the command line
 * @out: a __u32
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_id(const char *s, void *out, const char **why)
{
	if (scmlb_parse_u32(s, out, why))
		return -EINVAL;
	if (!*(__u32 *)out) {
		*why = "ids start at 1";
		return -EINVAL;
	}
	return 0;
}

/**
 * scmlb_parse_ipv4() - parse a dotted-quad IPv4 address
 * @s:   text from the command line
 * @out: a __be32
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_ipv4(const char *s, void *out, const char **why)
{
	unsigned long part;
	__u32 addr = 0;
	const char *p = s;
	int i;

	/* parsed by hand: inet_aton takes "10.1" and octal, users don't mean them */
	for (i = 0; i < 4; i++) {
		size_t len = strspn(p, "0123456789");
		char buf[4];

		if (!len || len > 3 || (len > 1 && p[0] == '0'))
			goto bad;
		memcpy(buf, p, len);
		buf[len] = '\0';
		part = strtoul(buf, NULL, 10);
		if (part > 255)
			goto bad;
		addr = addr << 8 | (__u32)part;
		p += len;
		if (i < 3 && *p++ != '.')
			goto bad;
	}
	if (*p)
		goto bad;
	*(__be32 *)out = __builtin_bswap32(addr);
	return 0;
bad:
	*why = "not an IPv4 address (like 10.0.0.1)";
	return -EINVAL;
}

/*
 * Why @a, an IPv6 address, can be no VIP or backend, or NULL: the kernel
 * forwards none of these as a unicast destination of another host.
 */
static const char *ipv6_refused(const __be32 *a)
{
	__u32 w0 = ntohl(a[0]);

	if (!(a[0] | a[1] | a[2] | a[3]))
		return "the unspecified address";
	if (!(a[0] | a[1] | a[2]) && ntohl(a[3]) == 1)
		return "the loopback address";
	if (!(a[0] | a[1]) && ntohl(a[2]) == 0xffff)
		return "an IPv4-mapped address: give the IPv4 address";
	if (w0 >> 24 == 0xff)
		return "a multicast address";
	if (w0 >> 22 == 0xfe80 >> 6)
		return "a link-local address";
	return NULL;
}

/**
 * scmlb_parse_addr() - parse an IPv4 or IPv6 address of a VIP or backend
 * @s:   text from the command line
 * @out: a struct scmlb_addr
 * @why: set to a short reason when @s is rejected
 *
 * IPv4 as scmlb_parse_ipv4(); IPv6 in any form inet_pton() takes, but no
 * zone ("%eth0"), and none that cannot be another host's unicast
 * address: unspecified, loopback, IPv4-mapped, multicast, link-local.
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_addr(const char *s, void *out, const char **why)
{
	struct scmlb_addr *a = out;
	const char *refused;

	memset(a, 0, sizeof(*a));
	if (!strchr(s, ':')) {
		if (scmlb_parse_ipv4(s, &a->addr[0], why))
			goto bad;
		a->family = SCMLB_AF_INET;
		return 0;
	}
	if (strchr(s, '%')) {
		*why = "a scoped address: give a global IPv6 address, without %";
		return -EINVAL;
	}
	if (inet_pton(AF_INET6, s, a->addr) != 1)
		goto bad;
	refused = ipv6_refused(a->addr);
	if (refused) {
		*why = refused;
		return -EINVAL;
	}
	a->family = SCMLB_AF_INET6;
	return 0;
bad:
	*why = "not an IPv4 or IPv6 address (like 10.0.0.1 or 2001:db8::1)";
	return -EINVAL;
}

/**
 * scmlb_parse_ifname() - check an interface name; stores the string
 * @s:   text from the command line
 * @out: a const char *
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_ifname(const char *s, void *out, const char **why)
{
	size_t len = strlen(s);

	if (!len || len >= 16 || strpbrk(s, "/: \t\n")) {
		*why = "not an interface name";
		return -EINVAL;
	}
	*(const char **)out = s;
	return 0;
}

/**
 * scmlb_parse_mode() - parse an XDP mode: native or skb
 * @s:   text from the command line
 * @out: a __u8, set to enum scmlb_attach_mode
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_mode(const char *s, void *out, const char **why)
{
	if (!strcmp(s, "native"))
		*(__u8 *)out = SCMLB_MODE_NATIVE;
	else if (!strcmp(s, "skb"))
		*(__u8 *)out = SCMLB_MODE_SKB;
	else {
		*why = "expected native or skb";
		return -EINVAL;
	}
	return 0;
}

/**
 * scmlb_parse_name() - check a backend name; stores the string
 * @s:   text from the command line
 * @out: a const char *
 * @why: set to a short reason when @s is rejected
 *
 * A name shows in tables, so it is printable ASCII without blanks.
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_name(const char *s, void *out, const char **why)
{
	const char *p;

	if (!*s) {
		*why = "empty";
		return -EINVAL;
	}
	if (strlen(s) >= SCMLB_NAME_LEN) {
		*why = "longer than 31 characters";
		return -EINVAL;
	}
	for (p = s; *p; p++) {
		if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\') {
			*why = "only printable characters without blanks, quotes "
			       "or backslashes";
			return -EINVAL;
		}
	}
	*(const char **)out = s;
	return 0;
}

/**
 * scmlb_parse_http_url() - check a health-check URL http://HOST[:PORT][/PATH]
 * @s:   text from the command line
 * @out: a const char *
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_http_url(const char *s, void *out, const char **why)
{
	const char *host, *p;
	unsigned long port;
	size_t hlen;

	if (strlen(s) >= SCMLB_URL_LEN) {
		*why = "longer than 127 characters";
		return -EINVAL;
	}
	if (strncmp(s, "http://", 7)) {
		*why = "not an http:// URL";
		return -EINVAL;
	}
	host = s + 7;
	if (*host == '[') {
		/* an IPv6 literal, as RFC 3986 writes it: http://[2001:db8::2]/ */
		char lit[INET6_ADDRSTRLEN];
		__be32 a[4];

		hlen = strspn(host + 1, "0123456789abcdefABCDEF:.");
		if (host[1 + hlen] != ']' || hlen >= sizeof(lit)) {
			*why = "bad host";
			return -EINVAL;
		}
		memcpy(lit, host + 1, hlen);
		lit[hlen] = '\0';
		if (inet_pton(AF_INET6, lit, a) != 1) {
			*why = "bad host: not an IPv6 address in the brackets";
			return -EINVAL;
		}
		hlen += 2;
	} else {
		hlen = strspn(host, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	}
	if (!hlen) {
		*why = "no host";
		return -EINVAL;
	}
	p = host + hlen;
	if (*p == ':') {
		char buf[6];
		size_t plen = strspn(p + 1, "0123456789");

		if (!plen || plen > 5) {
			*why = "bad port";
			return -EINVAL;
		}
		memcpy(buf, p + 1, plen);
		buf[plen] = '\0';
		port = strtoul(buf, NULL, 10);
		if (!port || port > 65535) {
			*why = "bad port";
			return -EINVAL;
		}
		p += 1 + plen;
	}
	if (*p && *p != '/') {
		*why = "bad host";
		return -EINVAL;
	}
	for (; *p; p++) {
		if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\') {
			*why = "blanks, quotes or control characters in the path";
			return -EINVAL;
		}
	}
	*(const char **)out = s;
	return 0;
}

/**
 * scmlb_parse_string() - store any non-empty string
 * @s:   text from the command line
 * @out: a const char *
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_string(const char *s, void *out, const char **why)
{
	if (!*s) {
		*why = "empty";
		return -EINVAL;
	}
	*(const char **)out = s;
	return 0;
}

/**
 * scmlb_parse_cidr() - parse ADDR/LEN (or ADDR alone) of either family
 * @s:   text from the command line
 * @out: a struct scmlb_cidr, host bits cleared (10.1.2.3/8 is 10.0.0.0/8,
 *       2001:db8::1/32 is 2001:db8::/32); ADDR alone is a /32 or a /128
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_cidr(const char *s, void *out, const char **why)
{
	static const char not_net[] =
		"not a network (like 10.0.0.0/8 or 2001:db8::/32)";
	struct scmlb_cidr *c = out;
	const char *slash = strchr(s, '/');
	char addr[INET6_ADDRSTRLEN];
	unsigned long len, max;
	__u32 word, keep;
	size_t alen;
	int i;

	memset(c, 0, sizeof(*c));
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(addr)) {
		*why = not_net;
		return -EINVAL;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (!scmlb_parse_ipv4(addr, &c->addr[0], why)) {
		c->family = SCMLB_AF_INET;
		max = 32;
	} else if (strchr(addr, ':') && inet_pton(AF_INET6, addr, c->addr) == 1) {
		c->family = SCMLB_AF_INET6;
		max = 128;
	} else {
		*why = not_net;
		return -EINVAL;
	}
	len = max;
	if (slash && parse_ulong(slash + 1, max, &len, why)) {
		*why = max == 32 ? "the prefix length must be 0 to 32" :
				   "the prefix length must be 0 to 128";
		return -EINVAL;
	}
	for (i = 0; i < 4; i++) {
		/* bits of word i that lie within the prefix */
		keep = len >= 32U * (i + 1) ? 32 : len > 32U * i ? len - 32U * i : 0;
		word = ntohl(c->addr[i]);
		c->addr[i] = htonl(keep ? word & (0xffffffffU << (32 - keep)) : 0);
	}
	c->prefixlen = (__u8)len;
	return 0;
}

static int parse_port(const char *s, size_t len, __u16 *out)
{
	unsigned long v;
	const char *why;
	char buf[8];

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_ulong(buf, 65535, &v, &why))
		return -EINVAL;
	*out = (__u16)v;
	return 0;
}

/**
 * scmlb_parse_port_range() - parse "PORT" or "FROM-TO" (inclusive, 0 = any port)
 * @s:   text from the command line
 * @out: a struct scmlb_port_range
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_port_range(const char *s, void *out, const char **why)
{
	struct scmlb_port_range *r = out;
	const char *dash = strchr(s, '-');

	/* what ipvsadm, iptables and nft users type */
	if (strchr(s, ',')) {
		*why = "not a list: one port or one FROM-TO range (like 80-90) "
		       "per rule";
		return -EINVAL;
	}
	if (strchr(s, ':')) {
		*why = "write a range as FROM-TO, like 80-90";
		return -EINVAL;
	}
	if (!dash) {
		if (parse_port(s, strlen(s), &r->from)) {
			*why = "a port is a number from 0 to 65535";
			return -EINVAL;
		}
		r->to = r->from;
		return 0;
	}
	if (parse_port(s, (size_t)(dash - s), &r->from) ||
	    parse_port(dash + 1, strlen(dash + 1), &r->to)) {
		*why = "expected PORT or FROM-TO, ports from 0 to 65535";
		return -EINVAL;
	}
	if (r->from > r->to) {
		*why = "start is greater than end";
		return -EINVAL;
	}
	return 0;
}

/**
 * scmlb_parse_port() - parse one port, 0 to 65535
 * @s:   text from the command line
 * @out: a __be16, network order
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_port(const char *s, void *out, const char **why)
{
	__u16 port;

	if (parse_port(s, strlen(s), &port)) {
		*why = "a port is a number from 0 to 65535";
		return -EINVAL;
	}
	*(__be16 *)out = __builtin_bswap16(port);
	return 0;
}

/**
 * scmlb_parse_weight() - parse a backend weight, 1 to 65535
 * @s:   text from the command line
 * @out: a __u16
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_weight(const char *s, void *out, const char **why)
{
	unsigned long v;

	if (parse_ulong(s, 65535, &v, why) || !v) {
		*why = "a weight is a number from 1 to 65535";
		return -EINVAL;
	}
	*(__u16 *)out = (__u16)v;
	return 0;
}

/**
 * scmlb_parse_vip() - parse a VIP: a unicast IPv4 or IPv6 address
 * @s:   text from the command line
 * @out: a struct scmlb_addr
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_vip(const char *s, void *out, const char **why)
{
	struct scmlb_addr *a = out;
	__u32 host;

	if (scmlb_parse_addr(s, out, why))
		return -EINVAL;
	if (a->family != SCMLB_AF_INET)
		return 0;
	host = ntohl(a->addr[0]);
	if (!host || host == 0xffffffff || (host >> 28) == 0xe ||
	    (host >> 24) == 127) {
		*why = "not a unicast address";
		return -EINVAL;
	}
	return 0;
}

/**
 * scmlb_parse_l4_proto() - parse any, icmp, tcp or udp
 * @s:   text from the command line
 * @out: a __u8: 0 for any, else the IP protocol number
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_l4_proto(const char *s, void *out, const char **why)
{
	static const struct {
		const char *name;
		__u8 proto;
	} protos[] = { { "any", 0 }, { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 } };
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(s, protos[i].name)) {
			*(__u8 *)out = protos[i].proto;
			return 0;
		}
	}
	*why = "expected any, icmp, tcp or udp";
	return -EINVAL;
}

/**
 * scmlb_parse_duration() - parse a duration like 30s, 5m, 1h, 1h30m or 500ms
 * @s:   text from the command line; a bare number is seconds
 * @out: a __u64 of nanoseconds, at least 1 ms
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Prints nothing.
 */
int scmlb_parse_duration(const char *s, void *out, const char **why)
{
	static const struct {
		const char *unit;
		__u64 ns;
	} units[] = {
		{ "ms", 1000000ULL }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
		{ "d", 86400000000000ULL },
	};
	const __u64 max = 100ULL * 365 * 86400000000000ULL;
	const char *p = s;
	__u64 total = 0;

	*why = "expected a duration like 30s, 5m, 1h or 1h30m";
	if (!*p)
		return -EINVAL;
	while (*p) {
		size_t len = strspn(p, "0123456789"), ulen, i;
		unsigned long long n;
		char buf[12];

		if (!len || len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, len);
		buf[len] = '\0';
		n = strtoull(buf, NULL, 10);
		p += len;
		ulen = strspn(p, "abcdefghijklmnopqrstuvwxyz");
		if (!ulen) {
			if (p != s + len)	/* "1h30": a unit is missing */
				return -EINVAL;
			ulen = 0;
			i = 1;			/* a bare number: seconds */
		} else {
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
				if (strlen(units[i].unit) == ulen &&
				    !strncmp(p, units[i].unit, ulen))
					break;
			if (i == sizeof(units) / sizeof(units[0]))
				return -EINVAL;
		}
		if (n > max / units[i].ns || total > max - n * units[i].ns) {
			*why = "longer than 100 years";
			return -EINVAL;
		}
		total += n * units[i].ns;
		p += ulen;
	}
	if (total < 1000000ULL) {
		*why = "must be at least 1ms";
		return -EINVAL;
	}
	*(__u64 *)out = total;
	return 0;
}
