// SPDX-License-Identifier: GPL-2.0
/* scmlb-health - one pass of HTTP health checks; unhealthy backends leave the rotation */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "args.h"
#include "backends.h"
#include "log.h"
#include "maps.h"
#include "output.h"

#define DEFAULT_TIMEOUT_NS 1000000000ULL
#define DEFAULT_FALL 2

struct health_opts {
	__u64 timeout_ns;	/* 0: not given */
	__u32 fall;		/* 0: not given */
};

/* One backend's check. */
struct check {
	struct scmlb_backend be;	/* as checked; once stored, as stored */
	CURL *curl;
	bool ok;
	bool stored;			/* the result was the backend's, and kept */
	__u8 was;			/* its health before the result */
	char why[CURL_ERROR_SIZE + 32];
};

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *data)
{
	(void)ptr;
	(void)data;
	return size * nmemb;
}

static int check_setup(struct check *c, long timeout_ms)
{
	c->curl = curl_easy_init();
	if (!c->curl)
		return -ENOMEM;
	c->why[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, c->be.healthcheck);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	/* the backend itself answers: no proxy, no redirect to elsewhere */
	curl_easy_setopt(c->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "scmlb-health/" SCMLB_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->why);
	curl_easy_setopt(c->curl, CURLOPT_PRIVATE, c);
	return 0;
}

/* Record how a finished transfer went: 2xx is healthy, anything else not. */
static void check_done(struct check *c, CURLcode res)
{
	long code = 0;

	if (res != CURLE_OK) {
		if (!c->why[0])
			snprintf(c->why, sizeof(c->why), "%s", curl_easy_strerror(res));
		return;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	c->ok = code >= 200 && code < 300;
	if (!c->ok)
		snprintf(c->why, sizeof(c->why), "HTTP status %ld", code);
}

/* Every check at once, so that a slow backend holds up none of the others. */
static int run_checks(struct check *checks, size_t n, long timeout_ms)
{
	CURLM *multi = curl_multi_init();
	int running = 0, left, err = 0;
	struct CURLMsg *msg;
	size_t i;

	if (!multi)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		err = check_setup(&checks[i], timeout_ms);
		if (!err && curl_multi_add_handle(multi, checks[i].curl))
			err = -ENOMEM;
	}
	while (!err) {
		if (curl_multi_perform(multi, &running) != CURLM_OK) {
			err = -EIO;
			break;
		}
		while ((msg = curl_multi_info_read(multi, &left))) {
			struct check *c;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			check_done(c, msg->data.result);
		}
		if (!running)
			break;
		if (curl_multi_poll(multi, NULL, 0, 100, NULL) != CURLM_OK)
			err = -EIO;
	}
	for (i = 0; i < n; i++) {
		if (!checks[i].curl)
			continue;
		curl_multi_remove_handle(multi, checks[i].curl);
		curl_easy_cleanup(checks[i].curl);
	}
	curl_multi_cleanup(multi);
	return err;
}

/* Store one result, unless the backend changed while it was checked. */
static int apply(struct scmlb_ctx *ctx, struct check *c, __u32 fall)
{
	struct scmlb_backend now;
	__u16 fails;
	__u8 health;
	int err;

	/* deleted or changed while we checked: that result is not its */
	err = scmlb_backend_get(ctx, c->be.id, &now);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (strcmp(now.healthcheck, c->be.healthcheck))
		return 0;
	fails = c->ok ? 0 : now.health_fails < 0xffff ? now.health_fails + 1 : 0xffff;
	health = now.health;
	if (c->ok)
		health = SCMLB_HEALTH_HEALTHY;
	else if (fails >= fall)
		health = SCMLB_HEALTH_UNHEALTHY;
	err = scmlb_backend_set_health(ctx, now.id, health, fails);
	if (err)
		return err;
	c->stored = true;
	c->was = now.health;
	c->be = now;
	c->be.health = health;
	c->be.health_fails = fails;
	return 0;
}

/* A line for each backend whose health changed. */
static void print_text(const struct check *checks, size_t n)
{
	const struct check *c;
	char addr[SCMLB_ADDR_LEN];

	for (c = checks; c < checks + n; c++) {
		if (!c->stored || c->be.health == c->was)
			continue;
		scmlb_format_addr(addr, sizeof(addr), c->be.family, c->be.addr);
		if (c->ok)
			printf("backend %u (%s, %s): %s, was %s\n", c->be.id,
			       c->be.name, addr,
			       scmlb_backend_health_name(c->be.health),
			       scmlb_backend_health_name(c->was));
		else
			printf("backend %u (%s, %s): %s after %u failed check%s: %s\n",
			       c->be.id, c->be.name, addr,
			       scmlb_backend_health_name(c->be.health),
			       c->be.health_fails,
			       c->be.health_fails == 1 ? "" : "s", c->why);
	}
}

/* One object: counts, and every stored check. */
static void print_json(const struct check *checks, size_t n)
{
	size_t stored = 0, changed = 0;
	const struct check *c;
	const char *sep = "";
	char addr[SCMLB_ADDR_LEN];

	for (c = checks; c < checks + n; c++) {
		stored += c->stored;
		changed += c->stored && c->be.health != c->was;
	}
	printf("{\"checked\": %zu, \"changed\": %zu, \"backends\": [",
	       stored, changed);
	for (c = checks; c < checks + n; c++) {
		if (!c->stored)
			continue;
		scmlb_format_addr(addr, sizeof(addr), c->be.family, c->be.addr);
		printf("%s{\"id\": %u, \"name\": ", sep, c->be.id);
		sep = ", ";
		scmlb_json_string(stdout, c->be.name);
		printf(", \"address\": \"%s\", \"healthcheck\": ", addr);
		scmlb_json_string(stdout, c->be.healthcheck);
		printf(", \"passed\": %s, \"error\": ", c->ok ? "true" : "false");
		if (c->ok)
			fputs("null", stdout);
		else
			scmlb_json_string(stdout, c->why);
		printf(", \"failed_checks\": %u, \"health\": \"%s\", "
		       "\"previous_health\": \"%s\", \"changed\": %s}",
		       c->be.health_fails, scmlb_backend_health_name(c->be.health),
		       scmlb_backend_health_name(c->was),
		       c->be.health != c->was ? "true" : "false");
	}
	printf("]}\n");
}

static int do_health(struct scmlb_ctx *ctx, const void *opts)
{
	const struct health_opts *o = opts;
	__u64 timeout_ns = o->timeout_ns ? o->timeout_ns : DEFAULT_TIMEOUT_NS;
	struct scmlb_backend *list = NULL;
	__u32 fall = o->fall ? o->fall : DEFAULT_FALL;
	struct check *checks;
	size_t n, i, k = 0;
	int err;

	err = scmlb_backends_list(ctx, &list, &n);
	if (err) {
		pr_err("cannot read the backends: %s", strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	checks = calloc(n ? n : 1, sizeof(*checks));
	if (!checks) {
		free(list);
		pr_err("out of memory");
		return SCMLB_EXIT_FAIL;
	}
	for (i = 0; i < n; i++)
		if (list[i].healthcheck[0])
			checks[k++].be = list[i];
	free(list);

	/* no lock while waiting on the network: other tools go on */
	scmlb_unlock(ctx);
	err = run_checks(checks, k, (long)(timeout_ns / 1000000));
	if (err) {
		pr_err("cannot run the health checks: %s", strerror(-err));
		goto out;
	}
	err = scmlb_lock(ctx, true);
	if (!err) {
		for (i = 0; i < k && !err; i++)
			err = apply(ctx, &checks[i], fall);
		/* what was stored, also before an error */
		if (ctx->json)
			print_json(checks, k);
		else
			print_text(checks, k);
	}
	if (err) {
		pr_err("cannot store the health of the backends: %s",
		       strerror(-err));
	} else if (fflush(stdout) || ferror(stdout)) {
		pr_err("cannot write to standard output");
		err = -EIO;
	}
out:
	free(checks);
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}

static int parse_fall(const char *s, void *out, const char **why)
{
	if (scmlb_parse_u32(s, out, why))
		return -EINVAL;
	if (!*(__u32 *)out || *(__u32 *)out > 100) {
		*why = "expected 1 to 100 checks";
		return -EINVAL;
	}
	return 0;
}

static int parse_timeout(const char *s, void *out, const char **why)
{
	if (scmlb_parse_duration(s, out, why) || *(__u64 *)out > 60000000000ULL) {
		*why = "expected a duration like 500ms or 2s, at most 60s";
		return -EINVAL;
	}
	return 0;
}

static const struct scmlb_opt health_table[] = {
	{ "timeout", 0, "DURATION", "timeout", parse_timeout,
	  offsetof(struct health_opts, timeout_ns), false,
	  "how long a check may take, like 500ms or 2s (default 1s)" },
	{ "fall", 0, "N", "number of checks", parse_fall,
	  offsetof(struct health_opts, fall), false,
	  "consecutive failed checks that make a backend unhealthy (default 2)" },
	{ 0 },
};

static const struct scmlb_cmd health_cmds[] = {
	{ NULL, "one pass of health checks", health_table,
	  sizeof(struct health_opts),
	  SCMLB_CMD_READ | SCMLB_CMD_JSON | SCMLB_CMD_IF_ATTACHED |
	  SCMLB_CMD_ANNOUNCE, NULL,
	  do_health },
	{ 0 },
};

static const struct scmlb_tool health_tool = {
	"scmlb-health", "check the backends' health-check URLs, once",
	health_cmds,
	"Every backend with a health-check URL gets an HTTP GET, all at once.\n"
	"2xx makes it healthy; failing --fall checks in a row makes it\n"
	"unhealthy, and it gets no new connections until it answers again.\n"
	"Drained backends stay drained. Run every 2 s by scmlb-health.timer.\n",
};

int main(int argc, char **argv)
{
	int ret;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "scmlb-health: cannot initialise libcurl\n");
		return SCMLB_EXIT_FAIL;
	}
	ret = scmlb_run(&health_tool, argc, argv);
	curl_global_cleanup();
	return ret;
}
