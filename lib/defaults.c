// SPDX-License-Identifier: GPL-2.0
/* defaults.c - the pin directory the systemd units' tools use, as /etc/default/scmlb sets it */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"
#include "maps.h"

#define BLANKS " \t\r\n"

/**
 * scmlb_defaults_path() - the file the units take their settings from
 *
 * Return: $SCMLB_DEFAULTS_FILE (for tests), else /etc/default/scmlb.
 */
const char *scmlb_defaults_path(void)
{
	const char *env = getenv("SCMLB_DEFAULTS_FILE");

	return env && *env ? env : SCMLB_DEFAULTS_FILE;
}

/* @s without leading and trailing blanks, nor one pair of quotes. */
static char *trim(char *s)
{
	size_t len;

	s += strspn(s, BLANKS);
	len = strlen(s);
	while (len && strchr(BLANKS, s[len - 1]))
		s[--len] = '\0';
	if (len >= 2 && (s[0] == '"' || s[0] == '\'') && s[len - 1] == s[0]) {
		s[len - 1] = '\0';
		s++;
	}
	return s;
}

/* The value of --pin-dir among the words of @args, or NULL. */
static const char *pin_dir_arg(char *args)
{
	char *save = NULL, *w;

	for (w = strtok_r(args, BLANKS, &save); w;
	     w = strtok_r(NULL, BLANKS, &save)) {
		if (!strncmp(w, "--pin-dir=", 10))
			return w + 10;
		if (!strcmp(w, "--pin-dir"))
			return strtok_r(NULL, BLANKS, &save);
	}
	return NULL;
}

/**
 * scmlb_defaults_pin_dir() - the pin directory a unit's tool works on
 * @args_var: the variable with the tool's arguments ("SCMLB_GC_ARGS")
 * @out:      the directory: --pin-dir in @args_var, else SCMLB_PIN_DIR,
 *            else the default, as systemd hands them to the tool
 * @size:     room in @out
 *
 * Reads the file as systemd's EnvironmentFile= does (KEY=VALUE lines, #
 * and ; comments, quotes); a missing file sets nothing.
 *
 * Return: 0, or -errno when the file cannot be read.
 */
int scmlb_defaults_pin_dir(const char *args_var, char *out, size_t size)
{
	char line[4096], pin[PATH_MAX] = "", args[4096] = "";
	const char *dir = NULL;
	FILE *f;

	f = fopen(scmlb_defaults_path(), "re");
	if (!f && errno != ENOENT)
		return -errno;
	while (f && fgets(line, sizeof(line), f)) {
		char *key = line + strspn(line, BLANKS), *eq = strchr(key, '=');

		if (*key == '#' || *key == ';' || !eq)
			continue;
		*eq = '\0';
		key = trim(key);
		if (!strcmp(key, "SCMLB_PIN_DIR"))
			snprintf(pin, sizeof(pin), "%s", trim(eq + 1));
		else if (!strcmp(key, args_var))
			snprintf(args, sizeof(args), "%s", trim(eq + 1));
	}
	if (f)
		fclose(f);
	dir = pin_dir_arg(args);
	if (!dir)
		dir = *pin ? pin : SCMLB_DEFAULT_PIN_DIR;
	snprintf(out, size, "%s", dir);
	return 0;
}

/* @path resolved, or as written without trailing slashes when it is not there. */
static void resolve(const char *path, char *out)
{
	size_t len;

	if (realpath(path, out))
		return;
	snprintf(out, PATH_MAX, "%s", path);
	len = strlen(out);
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
}

/**
 * scmlb_same_dir() - whether two paths name the same directory
 * @a: a path
 * @b: another
 *
 * Return: 1 or 0.
 */
int scmlb_same_dir(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	resolve(a, ra);
	resolve(b, rb);
	return !strcmp(ra, rb);
}
