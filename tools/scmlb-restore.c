// SPDX-License-Identifier: GPL-2.0
/* scmlb-restore - check every line scmlb-save printed, then apply all under one lock, or none */
#define _GNU_SOURCE		/* memfd_create() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "announce.h"
#include "apply.h"
#include "args.h"
#include "backends.h"
#include "batch.h"
#include "clock.h"
#include "conf.h"
#include "dos.h"
#include "fw.h"
#include "log.h"
#include "maps.h"
#include "netlink.h"
#include "output.h"
#include "services.h"

struct restore_opts {
	const char *file;	/* NULL: standard input */
	bool flush;
	bool check;
};

/* A change this run made, and what takes it back. */
enum step_kind {
	STEP_ATTACH,		/* ran the attach line */
	STEP_ADD_RULE,
	STEP_ADD_POLICY,
	STEP_LIMIT,		/* a kept policy's limit; old in @old */
	STEP_ADD_SERVICE,
	STEP_SCHEDULER,		/* a kept service's; old in @old, @old_fwd */
	STEP_ADD_BACKEND,
	STEP_STATUS,		/* a kept backend (un)drained; old in @old */
};

struct step {
	enum step_kind kind;
	__u32 id;		/* the live object */
	__u32 old;
	__u8 old_fwd;
	__u32 old_block;	/* STEP_LIMIT: the policy's block time */
	__u8 old_prefix;	/* STEP_LIMIT: and its IPv6 prefix length */
};

/* An edit of a kept backend, done once the removed ones freed their names. */
struct edit {
	size_t live;		/* in live.bes */
	size_t file;		/* in file.bes */
	bool done;
};

struct restore {
	struct scmlb_ctx *ctx;
	char src[PATH_MAX + 8];		/* "'FILE'" or "standard input" */
	char tools_dir[PATH_MAX];	/* where this executable is */
	struct scmlb_conf file;		/* what the lines say */
	struct scmlb_conf live;		/* what the instance has */
	struct scmlb_backend *bes;	/* its backends before any line */
	size_t n_bes;
	struct scmlb_nl *nl;		/* to resolve the backends */
	bool fresh;			/* nothing was attached: undo detaches */
	bool kept_maps;			/* maps scmlb-detach --keep-maps left */
	/* per object of the file: its index in live, or -1 (and svc ids) */
	long *svc_match;
	__u32 *svc_ids;
	long *be_match;
	long *rule_match;
	long *policy_match;
	/* per object of live, by enum used_kind: whether the file keeps it */
	bool *live_used[4];
	struct step *steps;
	size_t n_steps;
	struct edit *edits;
	size_t n_edits;
	size_t added, changed, removed, unchanged;
	char tool[32];			/* whose code runs: "scmlb-lb", ... */
	char why[512];			/* the last failure, for the error line */
	char first_why[512];		/* the first that left something undone */
};

enum used_kind { USED_SVC, USED_BE, USED_RULE, USED_POLICY };

static int add_step(struct restore *r, enum step_kind kind, __u32 id,
		    __u32 old, __u8 old_fwd)
{
	struct step *s = realloc(r->steps, (r->n_steps + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	r->steps = s;
	r->steps[r->n_steps++] = (struct step){ kind, id, old, old_fwd, 0, 0 };
	return 0;
}

/* The directory of this executable: its sibling tools are run first. */
static void find_tools_dir(struct restore *r)
{
	ssize_t len = readlink("/proc/self/exe", r->tools_dir,
			       sizeof(r->tools_dir) - 1);
	char *slash;

	r->tools_dir[len > 0 ? len : 0] = '\0';
	slash = strrchr(r->tools_dir, '/');
	if (slash)
		*slash = '\0';
	else
		r->tools_dir[0] = '\0';
}

/* The first line of what @fd holds, into @buf. */
static void read_first_line(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * Run @l as "scmlb-TOOL ARGS... --pin-dir DIR" under our lock, which the
 * tool takes over through SCMLB_LOCK_FD: the attach line, and the detach
 * that undoes it. On failure r->why holds the tool's error line.
 */
static int run_tool(struct restore *r, const struct scmlb_line *l)
{
	char tool[32], path[PATH_MAX + 40];
	char *argv[SCMLB_CONF_WORDS + 4];
	int out_fd, err_fd, status, i, n = 0;
	pid_t pid;

	snprintf(tool, sizeof(tool), "scmlb-%s", l->argv[0]);
	argv[n++] = tool;
	for (i = 1; i < l->argc; i++)
		argv[n++] = l->argv[i];
	argv[n++] = "--pin-dir";
	argv[n++] = (char *)r->ctx->pin_dir;
	argv[n] = NULL;

	out_fd = memfd_create("scmlb-stdout", MFD_CLOEXEC);
	err_fd = memfd_create("scmlb-stderr", MFD_CLOEXEC);
	if (out_fd < 0 || err_fd < 0) {
		snprintf(r->why, sizeof(r->why), "cannot run %s: %s", tool,
			 strerror(errno));
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(r->why, sizeof(r->why), "cannot run %s: %s", tool,
			 strerror(errno));
		goto fail;
	}
	if (!pid) {
		if (dup2(out_fd, STDOUT_FILENO) < 0 ||
		    dup2(err_fd, STDERR_FILENO) < 0)
			_exit(127);
		snprintf(path, sizeof(path), "%s/%s", r->tools_dir, tool);
		if (r->tools_dir[0] && !access(path, X_OK))
			execv(path, argv);
		execvp(tool, argv);
		fprintf(stderr, "scmlb-restore: cannot run '%s': %s\n", tool,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	read_first_line(err_fd, r->why, sizeof(r->why));
	close(out_fd);
	close(err_fd);
	if (status != -1 && WIFSIGNALED(status)) {
		snprintf(r->why, sizeof(r->why), "%s was killed (signal %d)",
			 tool, WTERMSIG(status));
		return -EIO;
	}
	if (status == -1 || WEXITSTATUS(status)) {
		if (!r->why[0])
			snprintf(r->why, sizeof(r->why), "%s failed (exit "
				 "status %d)", tool, WEXITSTATUS(status));
		return -EIO;
	}
	return 0;
fail:
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	return -EIO;
}

/* Start running scmlb-@tool's code here: its error line goes to r->why. */
static void verb_start(struct restore *r, const char *tool)
{
	snprintf(r->tool, sizeof(r->tool), "scmlb-%s", tool);
	scmlb_log_capture(r->why, sizeof(r->why), r->tool);
}

static int verb_end(struct restore *r, int ret)
{
	scmlb_log_capture(NULL, 0, NULL);
	if (ret && !r->why[0])
		snprintf(r->why, sizeof(r->why), "%s failed (exit status %d)",
			 r->tool, ret);
	return ret ? -EIO : 0;
}

/*
 * Run the set line @l with the tool's own code, in this process and under
 * our lock: the same words parsed by the same tables, then the verb the
 * tool runs (lib/apply.c). @id is set to the id it made.
 */
static int run_line(struct restore *r, struct scmlb_line *l, __u32 *id)
{
	const char *tool = l->argv[0];
	void *opts;
	int ret;

	verb_start(r, tool);
	ret = scmlb_line_opts(l, &opts);
	if (!ret && !strcmp(tool, "fw"))
		ret = scmlb_fw_set_apply(r->ctx, opts, id);
	else if (!ret && !strcmp(tool, "dos"))
		ret = scmlb_dos_set_apply(r->ctx, opts, id);
	/* the backends before the lines: their checks would meet no other */
	else if (!ret && !strcmp(tool, "svc"))
		ret = scmlb_svc_set_apply(r->ctx, opts, r->bes, r->n_bes, id);
	else if (!ret)
		ret = scmlb_lb_set_apply(r->ctx, opts, r->nl, r->bes, r->n_bes,
					 id);
	free(opts);
	return verb_end(r, ret);
}

/* A verb on one object by id, as an undo or a removal. */
enum id_verb {
	FW_DELETE,
	DOS_DELETE,
	SVC_DELETE,
	LB_DRAIN,
	LB_UNDRAIN,
	LB_DELETE,
};

static int run_id(struct restore *r, enum id_verb verb, __u32 id)
{
	static const char *const tools[] = {
		[FW_DELETE] = "fw", [DOS_DELETE] = "dos", [SVC_DELETE] = "svc",
		[LB_DRAIN] = "lb", [LB_UNDRAIN] = "lb", [LB_DELETE] = "lb",
	};
	struct scmlb_ctx *ctx = r->ctx;
	int ret = SCMLB_EXIT_FAIL;

	verb_start(r, tools[verb]);
	switch (verb) {
	case FW_DELETE:
		ret = scmlb_fw_delete_apply(ctx, id);
		break;
	case DOS_DELETE:
		ret = scmlb_dos_delete_apply(ctx, id);
		break;
	case SVC_DELETE:
		ret = scmlb_svc_delete_apply(ctx, id);
		break;
	case LB_DRAIN:
		ret = scmlb_lb_status_apply(ctx, id, SCMLB_BACKEND_DRAINED);
		break;
	case LB_UNDRAIN:
		ret = scmlb_lb_status_apply(ctx, id, SCMLB_BACKEND_AVAILABLE);
		break;
	case LB_DELETE:
		ret = scmlb_lb_delete_apply(ctx, id);
		break;
	}
	return verb_end(r, ret);
}

/* The attach line; with @detach scmlb-detach (--keep-maps for kept maps). */
static int run_attach(struct restore *r, bool detach)
{
	struct scmlb_line *l = malloc(sizeof(*l));
	int err;

	if (!l)
		return -ENOMEM;
	if (!detach)
		scmlb_line_attach(l, &r->file);
	else if (r->kept_maps)
		scmlb_line_words(l, "detach", "--keep-maps", NULL);
	else
		scmlb_line_words(l, "detach", NULL);
	err = run_tool(r, l);
	free(l);
	return err;
}

/* Take back r->steps, last first; @left lists what could not be. */
static void undo(struct restore *r, char *left, size_t size)
{
	size_t i;
	int err = 0;

	*left = '\0';
	for (i = r->n_steps; i-- > 0;) {
		const struct step *s = &r->steps[i];
		const char *what = "";

		switch (s->kind) {
		case STEP_ATTACH:
			err = run_attach(r, true);
			what = "attached";
			break;
		case STEP_ADD_RULE:
			err = run_id(r, FW_DELETE, s->id);
			what = "rule added";
			break;
		case STEP_ADD_POLICY:
			err = run_id(r, DOS_DELETE, s->id);
			what = "policy added";
			break;
		case STEP_LIMIT:
			err = scmlb_dos_policy_set(r->ctx, s->id, s->old,
						   s->old_block, s->old_prefix);
			what = "policy limit or block time changed";
			break;
		case STEP_ADD_SERVICE:
			err = run_id(r, SVC_DELETE, s->id);
			what = "service added";
			break;
		case STEP_SCHEDULER:
			err = scmlb_service_set_scheduler(r->ctx, s->id,
							  (__u8)s->old, s->old_fwd);
			what = "service scheduler changed";
			break;
		case STEP_ADD_BACKEND:
			err = run_id(r, LB_DRAIN, s->id);
			if (!err)
				err = run_id(r, LB_DELETE, s->id);
			what = "backend added";
			break;
		case STEP_STATUS:
			err = run_id(r, s->old == SCMLB_BACKEND_DRAINED ?
				     LB_DRAIN : LB_UNDRAIN, s->id);
			what = "backend drained or undrained";
			break;
		}
		if (err && s->kind == STEP_ATTACH)
			snprintf(left + strlen(left), size - strlen(left),
				 "%s%s", *left ? ", " : "", what);
		else if (err)
			snprintf(left + strlen(left), size - strlen(left),
				 "%s%s %u", *left ? ", " : "", what, s->id);
	}
}

/* The end of the batch: the tables and the index as what is there says. */
static int batch_end(struct restore *r, bool publish, char *left, size_t size)
{
	__u32 failed;
	int err;

	err = scmlb_batch_end(r->ctx, publish, &failed);
	if (err && left && failed)
		snprintf(left + strlen(left), size - strlen(left),
			 "%stable of service %u", *left ? ", " : "", failed);
	else if (err && left)
		snprintf(left + strlen(left), size - strlen(left),
			 "%sreply index", *left ? ", " : "");
	return err;
}

/* Print the error line of a failure before anything was removed; undo. */
static int fail_undo(struct restore *r, unsigned int line)
{
	char why[sizeof(r->why)], left[256];

	memcpy(why, r->why, sizeof(why));
	/* after a fresh attach, detach takes back everything at once */
	if (r->fresh && r->n_steps)
		r->n_steps = 1;
	undo(r, left, sizeof(left));
	/* the maps are gone with a fresh attach undone: nothing to build */
	if (r->ctx->batch)
		batch_end(r, !r->fresh || *left, left, sizeof(left));
	if (*left)
		pr_err("line %u: %s; undoing it failed, still applied: %s",
		       line, why, left);
	else
		pr_err("line %u: %s; nothing changed", line, why);
	return SCMLB_EXIT_FAIL;
}

static bool same_key(const struct scmlb_service *a,
		     const struct scmlb_service *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       a->port == b->port && !memcmp(a->vip, b->vip, sizeof(a->vip));
}

/*
 * What of the instance stays: a service with the same VIP, protocol and
 * port; a backend of such a service with the same address and port (it
 * keeps its id, so its flows go on); an equal rule; a policy of the same
 * class.
 */
static int match(struct restore *r)
{
	const struct scmlb_conf *f = &r->file, *l = &r->live;
	size_t i, k;

	r->svc_match = calloc(f->n_svcs + 1, sizeof(long));
	r->svc_ids = calloc(f->n_svcs + 1, sizeof(__u32));
	r->be_match = calloc(f->n_bes + 1, sizeof(long));
	r->rule_match = calloc(f->n_rules + 1, sizeof(long));
	r->policy_match = calloc(f->n_policies + 1, sizeof(long));
	r->live_used[USED_SVC] = calloc(l->n_svcs + 1, sizeof(bool));
	r->live_used[USED_BE] = calloc(l->n_bes + 1, sizeof(bool));
	r->live_used[USED_RULE] = calloc(l->n_rules + 1, sizeof(bool));
	r->live_used[USED_POLICY] = calloc(l->n_policies + 1, sizeof(bool));
	r->edits = calloc(f->n_bes + 1, sizeof(*r->edits));
	if (!r->svc_match || !r->svc_ids || !r->be_match ||
	    !r->rule_match || !r->policy_match || !r->live_used[USED_SVC] ||
	    !r->live_used[USED_BE] || !r->live_used[USED_RULE] ||
	    !r->live_used[USED_POLICY] || !r->edits)
		return -ENOMEM;

	for (i = 0; i < f->n_svcs; i++) {
		r->svc_match[i] = -1;
		for (k = 0; k < l->n_svcs; k++) {
			if (same_key(&f->svcs[i].svc, &l->svcs[k].svc)) {
				r->svc_match[i] = (long)k;
				r->svc_ids[i] = l->svcs[k].svc.id;
				r->live_used[USED_SVC][k] = true;
			}
		}
	}
	for (i = 0; i < f->n_bes; i++) {
		const struct scmlb_backend *fb = &f->bes[i].be;
		long svc = r->svc_match[fb->service_id - 1];

		r->be_match[i] = -1;
		for (k = 0; svc >= 0 && k < l->n_bes; k++) {
			const struct scmlb_backend *lb = &l->bes[k].be;

			if (lb->service_id == (__u32)svc + 1 &&
			    lb->family == fb->family && lb->port == fb->port &&
			    !memcmp(lb->addr, fb->addr, sizeof(lb->addr))) {
				r->be_match[i] = (long)k;
				r->live_used[USED_BE][k] = true;
			}
		}
	}
	for (i = 0; i < f->n_rules; i++) {
		r->rule_match[i] = -1;
		for (k = 0; k < l->n_rules; k++) {
			if (!r->live_used[USED_RULE][k] &&
			    scmlb_fw_rule_same(&f->rules[i].rule,
					       &l->rules[k].rule) &&
			    !memcmp(f->rules[i].addr, l->rules[k].addr,
				    sizeof(f->rules[i].addr))) {
				r->rule_match[i] = (long)k;
				r->live_used[USED_RULE][k] = true;
				break;
			}
		}
	}
	for (i = 0; i < f->n_policies; i++) {
		r->policy_match[i] = -1;
		for (k = 0; k < l->n_policies; k++) {
			if (f->policies[i].class == l->policies[k].class) {
				r->policy_match[i] = (long)k;
				r->live_used[USED_POLICY][k] = true;
			}
		}
	}
	return 0;
}

static int apply_rules(struct restore *r, struct scmlb_line *l)
{
	size_t i;
	__u32 id;

	for (i = 0; i < r->file.n_rules; i++) {
		if (r->rule_match[i] >= 0) {
			r->unchanged++;
			continue;
		}
		scmlb_line_rule(l, &r->file.rules[i]);
		if (run_line(r, l, &id) || add_step(r, STEP_ADD_RULE, id, 0, 0))
			return fail_undo(r, r->file.rules[i].line);
		r->added++;
	}
	return SCMLB_EXIT_OK;
}

static int apply_policies(struct restore *r, struct scmlb_line *l)
{
	size_t i;
	__u32 id;
	int err;

	for (i = 0; i < r->file.n_policies; i++) {
		const struct scmlb_conf_policy *p = &r->file.policies[i];
		const struct scmlb_conf_policy *cur;

		if (r->policy_match[i] < 0) {
			scmlb_line_policy(l, p);
			if (run_line(r, l, &id) ||
			    add_step(r, STEP_ADD_POLICY, id, 0, 0))
				return fail_undo(r, p->line);
			r->added++;
			continue;
		}
		cur = &r->live.policies[r->policy_match[i]];
		if (cur->limit == p->limit && cur->block == p->block &&
		    cur->prefix_len == p->prefix_len) {
			r->unchanged++;
			continue;
		}
		err = scmlb_dos_policy_set(r->ctx, cur->id, p->limit, p->block,
					   p->prefix_len);
		if (!err)
			err = add_step(r, STEP_LIMIT, cur->id, cur->limit, 0);
		if (!err) {
			r->steps[r->n_steps - 1].old_block = cur->block;
			r->steps[r->n_steps - 1].old_prefix = cur->prefix_len;
		}
		if (err) {
			snprintf(r->why, sizeof(r->why), "cannot change the limit "
				 "or block time of policy %u: %s", cur->id,
				 strerror(-err));
			return fail_undo(r, p->line);
		}
		r->changed++;
	}
	return SCMLB_EXIT_OK;
}

static int apply_services(struct restore *r, struct scmlb_line *l)
{
	size_t i;
	int err;

	for (i = 0; i < r->file.n_svcs; i++) {
		const struct scmlb_conf_service *s = &r->file.svcs[i];
		const struct scmlb_service *cur;

		if (r->svc_match[i] < 0) {
			scmlb_line_service(l, &s->svc);
			if (run_line(r, l, &r->svc_ids[i]) ||
			    add_step(r, STEP_ADD_SERVICE, r->svc_ids[i], 0, 0))
				return fail_undo(r, s->line);
			r->added++;
			continue;
		}
		cur = &r->live.svcs[r->svc_match[i]].svc;
		if (cur->scheduler == s->svc.scheduler &&
		    cur->forward == s->svc.forward) {
			r->unchanged++;
			continue;
		}
		err = scmlb_service_set_scheduler(r->ctx, cur->id,
						  s->svc.scheduler, s->svc.forward);
		if (!err)
			err = add_step(r, STEP_SCHEDULER, cur->id, cur->scheduler,
				       cur->forward);
		/* the index follows the forwarding mode at once, as in the tool */
		if (!err)
			err = scmlb_batch_index(r->ctx);
		if (err) {
			snprintf(r->why, sizeof(r->why), "cannot change the "
				 "scheduler of service %u: %s", cur->id,
				 strerror(-err));
			return fail_undo(r, s->line);
		}
		r->changed++;
	}
	return SCMLB_EXIT_OK;
}

static bool needs_edit(const struct scmlb_backend *a,
		       const struct scmlb_backend *b)
{
	return strcmp(a->name, b->name) ||
	       strcmp(a->healthcheck, b->healthcheck) || a->weight != b->weight;
}

static int apply_backends(struct restore *r, struct scmlb_line *l)
{
	size_t i;
	__u32 id;

	for (i = 0; i < r->file.n_bes; i++) {
		const struct scmlb_conf_backend *b = &r->file.bes[i];
		__u32 svc = b->be.service_id - 1;
		const struct scmlb_backend *cur;
		bool changed = false;

		if (r->be_match[i] < 0) {
			scmlb_line_backend(l, &b->be, r->svc_ids[svc],
					   r->file.svcs[svc].svc.port);
			if (run_line(r, l, &id) ||
			    add_step(r, STEP_ADD_BACKEND, id, 0, 0))
				return fail_undo(r, b->line);
			if (b->be.status == SCMLB_BACKEND_DRAINED &&
			    run_id(r, LB_DRAIN, id))
				return fail_undo(r, b->line);
			r->added++;
			continue;
		}
		cur = &r->live.bes[r->be_match[i]].be;
		if (cur->status != b->be.status) {
			if (run_id(r, b->be.status == SCMLB_BACKEND_DRAINED ?
				   LB_DRAIN : LB_UNDRAIN, cur->id) ||
			    add_step(r, STEP_STATUS, cur->id, cur->status, 0))
				return fail_undo(r, b->line);
			changed = true;
		}
		if (needs_edit(cur, &b->be)) {
			r->edits[r->n_edits++] = (struct edit){
				.live = (size_t)r->be_match[i], .file = i };
			changed = true;
		}
		if (changed)
			r->changed++;
		else
			r->unchanged++;
	}
	return SCMLB_EXIT_OK;
}

/* Append "what id" to @list; the first one's reason is kept. */
static void note(struct restore *r, char *list, size_t size, const char *what,
		 __u32 id)
{
	if (!*list)
		memcpy(r->first_why, r->why, sizeof(r->first_why));
	snprintf(list + strlen(list), size - strlen(list), "%s%s %u",
		 *list ? ", " : "", what, id);
}

/* What the instance has and the lines do not: backends, then the rest. */
static void remove_unused(struct restore *r, char *left, size_t size)
{
	struct scmlb_conf *l = &r->live;
	size_t i;

	for (i = 0; i < l->n_bes; i++) {
		struct scmlb_backend *be = &l->bes[i].be;

		if (r->live_used[USED_BE][i])
			continue;
		if ((be->status != SCMLB_BACKEND_DRAINED &&
		     run_id(r, LB_DRAIN, be->id)) ||
		    run_id(r, LB_DELETE, be->id)) {
			note(r, left, size, "backend", be->id);
			continue;
		}
		r->removed++;
		be->id = 0;	/* and its name is free */
	}
	for (i = 0; i < l->n_svcs; i++) {
		if (r->live_used[USED_SVC][i])
			continue;
		if (run_id(r, SVC_DELETE, l->svcs[i].svc.id))
			note(r, left, size, "service", l->svcs[i].svc.id);
		else
			r->removed++;
	}
	for (i = 0; i < l->n_rules; i++) {
		if (r->live_used[USED_RULE][i])
			continue;
		if (run_id(r, FW_DELETE, l->rules[i].rule.id))
			note(r, left, size, "rule", l->rules[i].rule.id);
		else
			r->removed++;
	}
	for (i = 0; i < l->n_policies; i++) {
		if (r->live_used[USED_POLICY][i])
			continue;
		if (run_id(r, DOS_DELETE, l->policies[i].id))
			note(r, left, size, "policy", l->policies[i].id);
		else
			r->removed++;
	}
}

/* Whether a backend other than live backend @self is named @name now. */
static bool name_taken(const struct restore *r, size_t self, const char *name)
{
	size_t i;

	for (i = 0; i < r->live.n_bes; i++)
		if (i != self && r->live.bes[i].be.id &&
		    !strcmp(r->live.bes[i].be.name, name))
			return true;
	return false;
}

static int run_edit(struct restore *r, const struct edit *e)
{
	const struct scmlb_backend *cur = &r->live.bes[e->live].be;
	const struct scmlb_backend *want = &r->file.bes[e->file].be;
	struct scmlb_lb_edit_opts o = {
		.id = cur->id,
		.name = want->name,
		.healthcheck = want->healthcheck[0] ? want->healthcheck : NULL,
		.no_healthcheck = !want->healthcheck[0],
		.weight = want->weight,
	};

	verb_start(r, "lb");
	return verb_end(r, scmlb_lb_edit_apply(r->ctx, &o));
}

/*
 * The edits of kept backends, after the removals: a name may pass from a
 * removed backend, or from another kept one, to this one.
 */
static void edit_kept(struct restore *r, char *left, size_t size)
{
	bool progress = true;
	size_t i;

	while (progress) {
		progress = false;
		for (i = 0; i < r->n_edits; i++) {
			struct edit *e = &r->edits[i];
			struct scmlb_backend *cur = &r->live.bes[e->live].be;
			const struct scmlb_backend *want;

			want = &r->file.bes[e->file].be;
			if (e->done || name_taken(r, e->live, want->name))
				continue;
			if (!run_edit(r, e))
				memcpy(cur->name, want->name, sizeof(cur->name));
			else
				note(r, left, size, "backend edit", cur->id);
			e->done = true;
			progress = true;
		}
	}
	for (i = 0; i < r->n_edits; i++) {
		const struct edit *e = &r->edits[i];

		if (e->done)
			continue;
		snprintf(r->why, sizeof(r->why), "another backend keeps the "
			 "name '%s'", r->file.bes[e->file].be.name);
		note(r, left, size, "backend edit", r->live.bes[e->live].be.id);
	}
}

static const char *mode_name(__u8 mode)
{
	return mode == SCMLB_MODE_SKB ? "skb" : "native";
}

/* An attached instance keeps its attachment: the attach line must agree. */
static int check_attach(struct restore *r)
{
	const struct scmlb_conf_attach *f = &r->file.attach, *l = &r->live.attach;

	if (!f->line)
		return SCMLB_EXIT_OK;
	if (strcmp(f->upstream, l->upstream))
		pr_err("line %u: attached to '%s', not '%s': run scmlb-detach "
		       "first", f->line, l->upstream, f->upstream);
	else if (f->mode && f->mode != l->mode)
		pr_err("line %u: attached in %s mode, not '%s': run "
		       "scmlb-detach first", f->line, mode_name(l->mode),
		       mode_name(f->mode));
	else if (f->ct_size && f->ct_size != l->ct_size)
		pr_err("line %u: attached with --conntrack-size %u, not '%u': "
		       "run scmlb-detach first", f->line, l->ct_size, f->ct_size);
	else
		return SCMLB_EXIT_OK;
	return SCMLB_EXIT_FAIL;
}

static int read_live(struct restore *r)
{
	int err = scmlb_conf_read(r->ctx, &r->live);

	if (err == -ENODEV)
		pr_err("cannot name the upstream (ifindex %u): the interface is "
		       "gone", r->ctx->cfg.upstream_ifindex);
	else if (err)
		pr_err("cannot read the configuration in '%s': %s",
		       r->ctx->pin_dir, strerror(-err));
	return err ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
}

/*
 * Lock the pin directory (made when missing) and open what is there.
 * Sets r->fresh when nothing is attached, r->kept_maps for maps
 * scmlb-detach --keep-maps kept.
 */
static int open_instance(struct restore *r)
{
	struct scmlb_ctx *ctx = r->ctx;
	char fd[12];
	int err;

	err = scmlb_pin_dir_lock(ctx, true, true);
	if (err == -ETIMEDOUT) {
		pr_err("'%s' is locked by another scmlb tool: try again",
		       ctx->pin_dir);
		return SCMLB_EXIT_FAIL;
	}
	if (err) {
		pr_err("cannot use pin directory '%s': %s", ctx->pin_dir,
		       scmlb_pin_dir_why(err));
		return SCMLB_EXIT_FAIL;
	}
	/* the tools this run starts work under its lock */
	if (fcntl(ctx->dir_fd, F_SETFD, 0)) {
		pr_err("cannot pass the lock on: %s", strerror(errno));
		return SCMLB_EXIT_FAIL;
	}
	snprintf(fd, sizeof(fd), "%d", ctx->dir_fd);
	setenv(SCMLB_LOCK_FD_ENV, fd, 1);
	err = scmlb_maps_open_unpublished(ctx);
	if (!err)
		err = scmlb_layout_check(ctx);
	if (err == -ENOENT) {
		/* nothing, or what a killed attach left: attach starts over */
		scmlb_maps_close(ctx);
		r->fresh = true;
		return SCMLB_EXIT_OK;
	}
	if (err == -EPROTO || err == -ESTALE) {
		pr_err("maps in '%s' have layout " SCMLB_LAYOUT_FMT ", this scmlb "
		       "uses " SCMLB_LAYOUT_FMT ": %s", ctx->pin_dir,
		       SCMLB_LAYOUT_ARGS(ctx->cfg.layout_version),
		       SCMLB_LAYOUT_ARGS(SCMLB_LAYOUT_VERSION),
		       err == -EPROTO ? "run scmlb-detach first" :
					"run scmlb-attach to upgrade them");
		return SCMLB_EXIT_FAIL;
	}
	if (err) {
		pr_err("cannot open the maps in '%s': %s", ctx->pin_dir,
		       strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	r->kept_maps = ctx->cfg.flags & SCMLB_CFG_DETACHED;
	return read_live(r);
}

/* Attach as the attach line says, when nothing is, or maps were kept. */
static int attach(struct restore *r)
{
	int err;

	if (!r->fresh && !r->kept_maps)
		return check_attach(r);
	if (!r->file.attach.line) {
		if (r->kept_maps)
			return SCMLB_EXIT_OK;
		pr_err("not attached (no maps in '%s'), and %s has no attach "
		       "line", r->ctx->pin_dir, r->src);
		return SCMLB_EXIT_FAIL;
	}
	scmlb_maps_close(r->ctx);
	if (run_attach(r, false)) {
		pr_err("line %u: %s; nothing changed", r->file.attach.line,
		       r->why);
		return SCMLB_EXIT_FAIL;
	}
	err = add_step(r, STEP_ATTACH, 0, 0, 0);
	if (!err)
		err = scmlb_maps_open(r->ctx);
	if (err) {
		snprintf(r->why, sizeof(r->why), "cannot open the maps it made: "
			 "%s", strerror(-err));
		return fail_undo(r, r->file.attach.line);
	}
	scmlb_conf_free(&r->live);
	err = read_live(r);
	return err ? fail_undo(r, r->file.attach.line) : SCMLB_EXIT_OK;
}

/*
 * The tables of the services the lines added backends to, each built once
 * now that all are in; a failure is the last such backend's line's.
 */
static int publish_tables(struct restore *r)
{
	const struct scmlb_conf_backend *last = NULL;
	char addr[SCMLB_ADDR_LEN];
	__u32 failed;
	size_t i;
	int err;

	err = scmlb_batch_end(r->ctx, true, &failed);
	if (!err)
		return SCMLB_EXIT_OK;
	for (i = 0; i < r->file.n_bes; i++)
		if (!failed ||
		    r->svc_ids[r->file.bes[i].be.service_id - 1] == failed)
			last = &r->file.bes[i];
	if (!last && failed) {
		snprintf(r->why, sizeof(r->why), "cannot build the table of "
			 "service %u: %s", failed, strerror(-err));
		return fail_undo(r, r->file.lines);
	}
	if (!last) {
		snprintf(r->why, sizeof(r->why), "cannot write the reply "
			 "index: %s", strerror(-err));
		return fail_undo(r, r->file.lines);
	}
	/* what scmlb-lb set says when it cannot build the table */
	scmlb_format_addr(addr, sizeof(addr), last->be.family, last->be.addr);
	snprintf(r->why, sizeof(r->why), "scmlb-lb: cannot add backend '%s': "
		 "%s", addr, strerror(-err));
	return fail_undo(r, last->line);
}

/* This process's CPU time, user and system, in ms. */
static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* With --verbose: how long a stage took, for benchmarks. */
static void lap(__u64 *t, double *cpu, const char *what)
{
	__u64 now = scmlb_mono_ns();
	double c = cpu_ms();

	pr_debug("%s: %.0f ms (%.0f ms of CPU)", what, (now - *t) / 1e6,
		 c - *cpu);
	*t = now;
	*cpu = c;
}

/*
 * The lines, in one batch (lib/batch.c): no line reads every backend,
 * and each table is built once, after its last backend.
 */
static int apply(struct restore *r)
{
	struct scmlb_line *l = malloc(sizeof(*l));
	__u64 t = scmlb_mono_ns();
	double cpu = cpu_ms();
	char left[512] = "";
	int ret, err;

	if (!l) {
		pr_err("out of memory");
		return SCMLB_EXIT_FAIL;
	}
	ret = match(r) ? SCMLB_EXIT_FAIL : SCMLB_EXIT_OK;
	if (ret)
		pr_err("out of memory");
	err = ret ? 0 : scmlb_backends_list(r->ctx, &r->bes, &r->n_bes);
	if (!err && !ret)
		err = scmlb_batch_begin(r->ctx);
	if (err) {
		snprintf(r->why, sizeof(r->why), "cannot read the backends: %s",
			 strerror(-err));
		ret = fail_undo(r, r->file.attach.line ? r->file.attach.line : 1);
	}
	/* none: each backend opens its own, and says why it cannot */
	if (!ret && scmlb_nl_open(&r->nl))
		r->nl = NULL;
	/* protection first, so that nothing is balanced unprotected */
	if (!ret)
		ret = apply_rules(r, l);
	if (!ret)
		ret = apply_policies(r, l);
	lap(&t, &cpu, "rules and policies");
	if (!ret)
		ret = apply_services(r, l);
	lap(&t, &cpu, "services");
	if (!ret)
		ret = apply_backends(r, l);
	lap(&t, &cpu, "backends");
	if (!ret)
		ret = publish_tables(r);
	lap(&t, &cpu, "reply index and tables");
	if (ret)
		goto out;
	/* from here on nothing is undone: report what is left */
	remove_unused(r, left, sizeof(left));
	edit_kept(r, left, sizeof(left));
	if (*left) {
		pr_err("%s is applied, except: %s could not be changed or "
		       "removed (%s)", r->src, left, r->first_why);
		/* scmlb_run() writes them only after a success */
		scmlb_announce_update(r->ctx, false);
		ret = SCMLB_EXIT_FAIL;
	}
out:
	free(l);
	return ret;
}

static void restore_free(struct restore *r)
{
	size_t i;

	scmlb_conf_free(&r->file);
	scmlb_conf_free(&r->live);
	free(r->bes);
	scmlb_nl_close(r->nl);
	free(r->svc_match);
	free(r->svc_ids);
	free(r->be_match);
	free(r->rule_match);
	free(r->policy_match);
	for (i = 0; i < 4; i++)
		free(r->live_used[i]);
	free(r->steps);
	free(r->edits);
}

static int do_restore(struct scmlb_ctx *ctx, const void *opts)
{
	const struct restore_opts *o = opts;
	struct restore r = { .ctx = ctx };
	FILE *f = stdin;
	int ret;

	if (o->file) {
		f = fopen(o->file, "re");
		if (!f) {
			pr_err("cannot read '%s': %s", o->file, strerror(errno));
			return SCMLB_EXIT_USAGE;
		}
		snprintf(r.src, sizeof(r.src), "'%s'", o->file);
	} else {
		snprintf(r.src, sizeof(r.src), "standard input");
	}
	ret = scmlb_conf_parse(f, &r.file);
	if (f != stdin)
		fclose(f);
	if (ret || o->check)
		goto out;

	find_tools_dir(&r);
	ret = open_instance(&r);
	if (!ret && !r.fresh && !o->flush &&
	    (r.live.n_bes || r.live.n_rules || r.live.n_policies)) {
		pr_err("'%s' has %zu backend%s, %zu rule%s and %zu polic%s: "
		       "replace them with --flush, or run scmlb-detach first",
		       ctx->pin_dir, r.live.n_bes, r.live.n_bes == 1 ? "" : "s",
		       r.live.n_rules, r.live.n_rules == 1 ? "" : "s",
		       r.live.n_policies, r.live.n_policies == 1 ? "y" : "ies");
		ret = SCMLB_EXIT_FAIL;
	}
	if (!ret)
		ret = attach(&r);
	if (!ret)
		ret = apply(&r);
	/* after a fresh attach, what attach -v made is added too */
	if (!ret && r.fresh) {
		r.added += r.unchanged;
		r.unchanged = 0;
	}
	if (!ret)
		printf("restored %s: %zu added, %zu changed, %zu removed, "
		       "%zu unchanged\n", r.src, r.added, r.changed, r.removed,
		       r.unchanged);
	/* a directory made for an attach that did not happen */
	if (ctx->dir_created && (ret || !r.n_steps))
		rmdir(ctx->pin_dir);
out:
	restore_free(&r);
	return ret;
}

static const struct scmlb_opt restore_table[] = {
	{ "file", 'f', "FILE", "file", scmlb_parse_string,
	  offsetof(struct restore_opts, file), false,
	  "read the lines from FILE (default: standard input)" },
	{ "flush", 0, NULL, NULL, NULL, offsetof(struct restore_opts, flush),
	  false, "replace the configuration of an attached instance; "
	  "kept backends keep their flows" },
	{ "check", 0, NULL, NULL, NULL, offsetof(struct restore_opts, check),
	  false, "only check the lines; change nothing" },
	{ 0 },
};

static const struct scmlb_cmd restore_cmds[] = {
	{ NULL, "apply a configuration", restore_table,
	  sizeof(struct restore_opts), SCMLB_CMD_NO_MAPS | SCMLB_CMD_ANNOUNCE,
	  NULL, do_restore },
	{ 0 },
};

static const struct scmlb_tool restore_tool = {
	"scmlb-restore", "apply a configuration scmlb-save printed",
	restore_cmds,
	"Every line is checked first: a bad one exits 2 naming it, and nothing\n"
	"changes. Then all are applied under one lock; a failure undoes them.\n"
	"An attached instance with backends, rules or policies is refused\n"
	"unless --flush: then what the lines keep (same service, address and\n"
	"port) keeps its id and open connections, and the rest is replaced.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&restore_tool, argc, argv);
}
