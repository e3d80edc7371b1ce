/* SPDX-License-Identifier: GPL-2.0 */
/* args.h - option tables, verb dispatch and value parsers shared by the tools */
#ifndef SCMLB_ARGS_H
#define SCMLB_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct scmlb_ctx;

enum scmlb_exit {
	SCMLB_EXIT_OK = 0,
	SCMLB_EXIT_FAIL = 1,	/* the operation failed */
	SCMLB_EXIT_USAGE = 2,	/* bad usage or input: nothing was changed */
};

/**
 * typedef scmlb_parse_fn - parse one option value
 * @s:   the text from the command line
 * @out: where the value goes (its type is the parser's)
 * @why: set to a short reason when @s is rejected
 *
 * Return: 0, or -EINVAL with @why set. Parsers never print.
 */
typedef int (*scmlb_parse_fn)(const char *s, void *out, const char **why);

/* One option of a verb; a NULL @parse makes it a flag (a bool at @offset). */
struct scmlb_opt {
	const char *name;	/* long name, without "--" */
	int short_name;		/* 0 when it has none */
	const char *metavar;	/* shown in --help: "ADDR" */
	const char *what;	/* names the value in errors: "address" */
	scmlb_parse_fn parse;
	size_t offset;		/* of the value in the verb's options struct */
	bool required;
	const char *help;
};

/* What scmlb_run() prepares before it calls a verb. */
enum scmlb_cmd_flags {
	SCMLB_CMD_JSON = 1 << 0,	/* takes --json */
	SCMLB_CMD_READ = 1 << 1,	/* opens the maps under a shared lock */
	SCMLB_CMD_WRITE = 1 << 2,	/* opens the maps under the exclusive lock */
	SCMLB_CMD_NO_MAPS = 1 << 3,	/* runs before maps exist (scmlb-attach) */
	SCMLB_CMD_IF_ATTACHED = 1 << 4,	/* takes --if-attached (the timers' tools) */
	SCMLB_CMD_NO_PIN_DIR = 1 << 5,	/* takes no --pin-dir: uses no pins (scmlb-decap) */
	/* may change which VIPs are servable: their routes follow (announce.c) */
	SCMLB_CMD_ANNOUNCE = 1 << 6,
};

struct scmlb_cmd {
	const char *name;	/* "get", "conntrack get"; NULL: the tool has no verbs */
	const char *summary;
	const struct scmlb_opt *opts;	/* ends with an entry whose name is NULL */
	size_t opts_size;		/* size of the verb's options struct */
	unsigned int flags;		/* enum scmlb_cmd_flags */
	/* cross-checks of parsed values; prints its error line and returns 2 */
	int (*check)(const void *opts);
	int (*run)(struct scmlb_ctx *ctx, const void *opts);
};

struct scmlb_tool {
	const char *name;		/* "scmlb-lb" */
	const char *summary;
	const struct scmlb_cmd *cmds;	/* ends with an entry whose run is NULL */
	const char *extra_help;		/* printed after the options, may be NULL */
};

int scmlb_run(const struct scmlb_tool *tool, int argc, char **argv);
int scmlb_parse_cmdline(const struct scmlb_tool *tool, int argc, char **argv,
			const struct scmlb_cmd **cmd, void **opts,
			const char **common);

/* An address of either family, as the maps hold it: IPv4 in addr[0]. */
struct scmlb_addr {
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6; 0: not given */
	__be32 addr[4];			/* scmlb_addr_t */
};

/* Whether two addresses as the maps hold them (family, scmlb_addr_t) are one. */
static inline bool scmlb_addr_equal(__u8 family_a, const __be32 *a,
				    __u8 family_b, const __be32 *b)
{
	return family_a == family_b && a[0] == b[0] && a[1] == b[1] &&
	       a[2] == b[2] && a[3] == b[3];
}

/*
 * Order of addresses as people list them, IPv4 first: network order
 * compares as bytes. A qsort()/bsearch() comparator of struct scmlb_addr.
 */
static inline int scmlb_addr_cmp(const void *pa, const void *pb)
{
	const struct scmlb_addr *a = pa, *b = pb;
	const unsigned char *x = (const void *)a->addr, *y = (const void *)b->addr;
	int i;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	for (i = 0; i < 16; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/*
 * A network of either family; host bits are cleared when parsed. Zeroed
 * (family 0) it is IPv4's 0.0.0.0/0.
 */
struct scmlb_cidr {
	__u8 family;			/* SCMLB_AF_INET or SCMLB_AF_INET6 */
	__u8 prefixlen;			/* 0..32 or 0..128 */
	__be32 addr[4];			/* scmlb_addr_t: IPv4 in addr[0] */
};

/* An inclusive port range; 0-0 means any port. */
struct scmlb_port_range {
	__u16 from;
	__u16 to;
};

int scmlb_parse_u32(const char *s, void *out, const char **why);
int scmlb_parse_id(const char *s, void *out, const char **why);
int scmlb_parse_ipv4(const char *s, void *out, const char **why);
int scmlb_parse_addr(const char *s, void *out, const char **why);
int scmlb_parse_ifname(const char *s, void *out, const char **why);
int scmlb_parse_mode(const char *s, void *out, const char **why);
int scmlb_parse_name(const char *s, void *out, const char **why);
int scmlb_parse_http_url(const char *s, void *out, const char **why);
int scmlb_parse_string(const char *s, void *out, const char **why);
int scmlb_parse_cidr(const char *s, void *out, const char **why);
int scmlb_parse_port_range(const char *s, void *out, const char **why);
int scmlb_parse_port(const char *s, void *out, const char **why);
int scmlb_parse_weight(const char *s, void *out, const char **why);
int scmlb_parse_vip(const char *s, void *out, const char **why);
int scmlb_parse_l4_proto(const char *s, void *out, const char **why);
int scmlb_parse_duration(const char *s, void *out, const char **why);

#endif /* SCMLB_ARGS_H */
