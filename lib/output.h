/* SPDX-License-Identifier: GPL-2.0 */
/* output.h - one column table per object drives both the text table and the JSON keys */
#ifndef SCMLB_OUTPUT_H
#define SCMLB_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "scmlb_consts.h"

/* Room for an address of either family as text, NUL included. */
#define SCMLB_ADDR_LEN 46

enum scmlb_col_type {
	SCMLB_COL_STR,		/* a JSON string */
	SCMLB_COL_NUM,		/* a JSON number, as text */
	SCMLB_COL_RAW,		/* already JSON (an array, say) */
	SCMLB_COL_STR_NULL,	/* a JSON string, or null when empty */
};

/* A column; a NULL header makes it JSON-only. */
struct scmlb_column {
	const char *header;
	const char *key;
	enum scmlb_col_type type;
};

struct scmlb_table;

struct scmlb_table *scmlb_table_new(const struct scmlb_column *cols,
				    size_t ncols);
int scmlb_table_row(struct scmlb_table *t, const char *const *cells);
int scmlb_table_print(const struct scmlb_table *t, bool json, FILE *f);
int scmlb_table_print_object(const struct scmlb_table *t, bool json, FILE *f);
void scmlb_table_free(struct scmlb_table *t);

void scmlb_json_string(FILE *f, const char *s);
void scmlb_format_mac(char *buf, size_t size, const unsigned char *mac);
void scmlb_format_ipv4(char *buf, size_t size, unsigned int be_addr);
void scmlb_format_addr(char *buf, size_t size, __u8 family, const __be32 *addr);

#endif /* SCMLB_OUTPUT_H */
