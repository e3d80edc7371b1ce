// SPDX-License-Identifier: GPL-2.0
/* output.c - aligned text tables and JSON arrays from the same rows */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "output.h"

struct scmlb_table {
	const struct scmlb_column *cols;
	size_t ncols;
	size_t nrows;
	size_t cap;
	char **cells;		/* nrows * ncols copies */
};

/**
 * scmlb_table_new() - an empty table
 * @cols:  its columns, in output order
 * @ncols: how many
 *
 * Return: the table, or NULL when out of memory.
 */
struct scmlb_table *scmlb_table_new(const struct scmlb_column *cols,
				    size_t ncols)
{
	struct scmlb_table *t = calloc(1, sizeof(*t));

	if (t) {
		t->cols = cols;
		t->ncols = ncols;
	}
	return t;
}

/**
 * scmlb_table_row() - append a row
 * @t:     the table
 * @cells: one text per column, copied
 *
 * Return: 0 or -ENOMEM.
 */
int scmlb_table_row(struct scmlb_table *t, const char *const *cells)
{
	size_t i, base;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **grown = realloc(t->cells, cap * t->ncols * sizeof(char *));

		if (!grown)
			return -ENOMEM;
		t->cells = grown;
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + i] = strdup(cells[i] ? cells[i] : "");
		if (!t->cells[base + i]) {
			while (i--)
				free(t->cells[base + i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

/**
 * scmlb_json_string() - print @s as a JSON string
 * @f: the stream
 * @s: UTF-8 text
 */
void scmlb_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void print_json(const struct scmlb_table *t, FILE *f)
{
	size_t r, c;

	fputc('[', f);
	for (r = 0; r < t->nrows; r++) {
		fputs(r ? ",\n{" : "\n{", f);
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			if (c)
				fputs(", ", f);
			scmlb_json_string(f, t->cols[c].key);
			fputs(": ", f);
			if (t->cols[c].type == SCMLB_COL_STR ||
			    (t->cols[c].type == SCMLB_COL_STR_NULL && *cell))
				scmlb_json_string(f, cell);
			else
				fputs(*cell ? cell : "null", f);
		}
		fputc('}', f);
	}
	fputs(t->nrows ? "\n]\n" : "]\n", f);
}

static void print_text(const struct scmlb_table *t, FILE *f)
{
	size_t widths[32] = { 0 };
	size_t r, c, last = 0;

	for (c = 0; c < t->ncols && c < 32; c++) {
		if (!t->cols[c].header)
			continue;
		widths[c] = strlen(t->cols[c].header);
		if (widths[c] < 1)
			widths[c] = 1;
		for (r = 0; r < t->nrows; r++) {
			size_t len = strlen(t->cells[r * t->ncols + c]);

			if (len > widths[c])
				widths[c] = len;
		}
		last = c;
	}
	for (r = 0; r <= t->nrows; r++) {
		bool first = true;

		for (c = 0; c < t->ncols && c < 32; c++) {
			const char *cell = r ? t->cells[(r - 1) * t->ncols + c] :
					   t->cols[c].header;

			if (!t->cols[c].header)
				continue;
			if (!first)
				fputs("  ", f);
			first = false;
			/* an empty text cell reads better as "-" */
			if (!*cell)
				cell = "-";
			if (c == last)
				fputs(cell, f);
			else
				fprintf(f, "%-*s", (int)widths[c], cell);
		}
		fputc('\n', f);
	}
}

/**
 * scmlb_table_print() - print the table as text or as a JSON array
 * @t:    the table
 * @json: JSON instead of text
 * @f:    the stream
 *
 * Return: 0, or -EIO when the stream failed.
 */
int scmlb_table_print(const struct scmlb_table *t, bool json, FILE *f)
{
	if (json)
		print_json(t, f);
	else
		print_text(t, f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

/**
 * scmlb_table_print_object() - print a one-row table; JSON gets an object
 * @t:    the table, with one row
 * @json: JSON instead of text
 * @f:    the stream
 *
 * Return: 0, or -EIO when the stream failed.
 */
int scmlb_table_print_object(const struct scmlb_table *t, bool json, FILE *f)
{
	size_t c;

	if (!json || t->nrows != 1)
		return scmlb_table_print(t, json, f);
	fputc('{', f);
	for (c = 0; c < t->ncols; c++) {
		if (c)
			fputs(", ", f);
		scmlb_json_string(f, t->cols[c].key);
		fputs(": ", f);
		if (t->cols[c].type == SCMLB_COL_STR ||
		    (t->cols[c].type == SCMLB_COL_STR_NULL && *t->cells[c]))
			scmlb_json_string(f, t->cells[c]);
		else
			fputs(*t->cells[c] ? t->cells[c] : "null", f);
	}
	fputs("}\n", f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

void scmlb_table_free(struct scmlb_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void scmlb_format_mac(char *buf, size_t size, const unsigned char *mac)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

void scmlb_format_ipv4(char *buf, size_t size, unsigned int be_addr)
{
	const unsigned char *b = (const unsigned char *)&be_addr;

	snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/**
 * scmlb_format_addr() - an address of either family as text
 * @buf:    at least SCMLB_ADDR_LEN bytes
 * @size:   of @buf
 * @family: SCMLB_AF_INET or SCMLB_AF_INET6
 * @addr:   as the maps hold it (scmlb_addr_t): IPv4 in addr[0]
 *
 * IPv6 in RFC 5952's form, as glibc's inet_ntop() writes it: lowercase,
 * the longest run of zero fields (the first of equals, two or more) as
 * "::". An unknown family prints as "?".
 */
void scmlb_format_addr(char *buf, size_t size, __u8 family, const __be32 *addr)
{
	if (family == SCMLB_AF_INET6) {
		if (!inet_ntop(AF_INET6, addr, buf, size))
			snprintf(buf, size, "?");
		return;
	}
	if (family == SCMLB_AF_INET)
		scmlb_format_ipv4(buf, size, addr[0]);
	else
		snprintf(buf, size, "?");
}
