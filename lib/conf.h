/* SPDX-License-Identifier: GPL-2.0 */
/* conf.h - a whole configuration as lines of tool commands: read from the maps, parsed, printed */
#ifndef SCMLB_CONF_H
#define SCMLB_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include <linux/types.h>

#include "maps.h"

#define SCMLB_CONF_LINE_MAX 4096	/* bytes in a line, its newline included */
#define SCMLB_CONF_WORDS 64		/* words in a line */

/* The attach line; line 0 when a configuration has none. */
struct scmlb_conf_attach {
	unsigned int line;
	char upstream[IF_NAMESIZE];
	__u8 mode;			/* 0: not given */
	__u32 ct_size;			/* 0: not given */
};

/*
 * In a configuration, services and backends are numbered from 1 in the
 * order it adds them (the attach line's -v adds the first), as a fresh
 * instance would number them: lb set -s N and lb drain -i N use these
 * numbers, and a backend's service_id holds its service's.
 */
struct scmlb_conf_service {
	struct scmlb_service svc;	/* id: the live one, 0 when parsed */
	bool attach;			/* added by the attach line's -v */
	unsigned int line;
};

struct scmlb_conf_backend {
	struct scmlb_backend be;	/* id: the live one, 0 when parsed */
	unsigned int line;
};

struct scmlb_conf_rule {
	struct scmlb_fw_rule rule;	/* id: the live one, 0 when parsed */
	__be32 addr[4];			/* its network: IPv4 in addr[0] */
	unsigned int line;
};

struct scmlb_conf_policy {
	__u32 id;			/* the live one, 0 when parsed */
	__u32 class;			/* enum scmlb_dos_class */
	__u32 limit;
	__u32 block;			/* seconds; 0 until deleted (and the budget) */
	__u8 prefix_len;		/* IPv6 sources per /N (0: the budget) */
	unsigned int line;
};

struct scmlb_conf {
	struct scmlb_conf_attach attach;
	struct scmlb_conf_service *svcs;
	size_t n_svcs;
	struct scmlb_conf_backend *bes;
	size_t n_bes;
	struct scmlb_conf_rule *rules;	/* firewall rules DoS policies did not add */
	size_t n_rules;
	struct scmlb_conf_policy *policies;
	size_t n_policies;
	unsigned int lines;		/* lines parsed */
};

/* One line as words ("lb", "set", "-n", "web1", ...), to print or to run. */
struct scmlb_line {
	int argc;
	char *argv[SCMLB_CONF_WORDS + 1];
	char buf[SCMLB_CONF_LINE_MAX];
	size_t len;
};

void scmlb_conf_free(struct scmlb_conf *c);
int scmlb_conf_read(const struct scmlb_ctx *ctx, struct scmlb_conf *c);
int scmlb_conf_parse_line(struct scmlb_conf *c, char *text, unsigned int line);
int scmlb_conf_parse(FILE *f, struct scmlb_conf *c);
int scmlb_conf_print(const struct scmlb_conf *c, FILE *f);

void scmlb_line_attach(struct scmlb_line *l, const struct scmlb_conf *c);
void scmlb_line_service(struct scmlb_line *l, const struct scmlb_service *s);
void scmlb_line_backend(struct scmlb_line *l, const struct scmlb_backend *be,
			__u32 service, bool with_port);
void scmlb_line_drain(struct scmlb_line *l, __u32 backend);
void scmlb_line_rule(struct scmlb_line *l, const struct scmlb_conf_rule *cr);
void scmlb_line_policy(struct scmlb_line *l, const struct scmlb_conf_policy *p);
void scmlb_line_words(struct scmlb_line *l, const char *first, ...)
	__attribute__((sentinel));
int scmlb_line_print(const struct scmlb_line *l, FILE *f);
int scmlb_line_opts(struct scmlb_line *l, void **opts);

#endif /* SCMLB_CONF_H */
