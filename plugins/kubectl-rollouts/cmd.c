/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd: the command table, the global (kubectl connection) flags, flag value
 * accessors, the lazily made client, help text and signal handling.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "msg.h"
#include "version.h"
#include "xalloc.h"

extern const struct cmd_entry cmd_get_rollout_entry;
extern const struct cmd_entry cmd_get_experiment_entry;
extern const struct cmd_entry cmd_list_rollouts_entry;
extern const struct cmd_entry cmd_lint_entry;
extern const struct cmd_entry cmd_list_experiments_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_completion_entry;
extern const struct cmd_entry cmd_dashboard_entry;
extern const struct cmd_entry cmd_create_entry;
extern const struct cmd_entry cmd_create_analysisrun_entry;
extern const struct cmd_entry cmd_complete_entry;
extern const struct cmd_entry cmd_abort_entry;
extern const struct cmd_entry cmd_pause_entry;
extern const struct cmd_entry cmd_promote_entry;
extern const struct cmd_entry cmd_restart_entry;
extern const struct cmd_entry cmd_retry_experiment_entry;
extern const struct cmd_entry cmd_retry_rollout_entry;
extern const struct cmd_entry cmd_set_image_entry;
extern const struct cmd_entry cmd_terminate_analysisrun_entry;
extern const struct cmd_entry cmd_terminate_experiment_entry;
extern const struct cmd_entry cmd_undo_entry;
extern const struct cmd_entry cmd_watch_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_abort_entry,
	&cmd_completion_entry,
	&cmd_dashboard_entry,
	&cmd_create_entry,
	&cmd_create_analysisrun_entry,
	&cmd_get_experiment_entry,
	&cmd_get_rollout_entry,
	&cmd_lint_entry,
	&cmd_list_experiments_entry,
	&cmd_list_rollouts_entry,
	&cmd_pause_entry,
	&cmd_promote_entry,
	&cmd_restart_entry,
	&cmd_retry_experiment_entry,
	&cmd_retry_rollout_entry,
	&cmd_set_image_entry,
	&cmd_status_entry,
	&cmd_terminate_analysisrun_entry,
	&cmd_terminate_experiment_entry,
	&cmd_undo_entry,
	&cmd_version_entry,
	&cmd_watch_entry,
	&cmd_complete_entry,
	NULL,
};

const struct cmd_opt cmd_global_opts[] = {
	{ "kubeconfig", 0, CMD_OPT_STR, "FILE", "path to the kubeconfig file to use", NULL },
	{ "context", 0, CMD_OPT_STR, "NAME", "the kubeconfig context to use", NULL },
	{ "cluster", 0, CMD_OPT_STR, "NAME", "the kubeconfig cluster to use", NULL },
	{ "user", 0, CMD_OPT_STR, "NAME", "the kubeconfig user to use", NULL },
	{ "namespace", 'n', CMD_OPT_STR, "NS", "namespace for this request", NULL },
	{ "server", 's', CMD_OPT_STR, "URL", "address and port of the API server", NULL },
	{ "token", 0, CMD_OPT_STR, "TOKEN", "bearer token for the API server", NULL },
	{ "certificate-authority", 0, CMD_OPT_STR, "FILE", "CA certificate file", NULL },
	{ "client-certificate", 0, CMD_OPT_STR, "FILE", "client certificate file", NULL },
	{ "client-key", 0, CMD_OPT_STR, "FILE", "client key file", NULL },
	{ "insecure-skip-tls-verify", 0, CMD_OPT_BOOL, NULL, "do not verify the server's certificate", NULL },
	{ "tls-server-name", 0, CMD_OPT_STR, "NAME", "server name for certificate validation", NULL },
	{ "request-timeout", 0, CMD_OPT_STR, "DURATION", "time to wait for one request (0: none)", "0" },
	{ "as", 0, CMD_OPT_STR, "USER", "user to impersonate", NULL },
	{ "as-group", 0, CMD_OPT_LIST, "GROUP", "group to impersonate (repeatable)", NULL },
	{ "as-uid", 0, CMD_OPT_STR, "UID", "UID to impersonate", NULL },
	{ "disable-compression", 0, CMD_OPT_BOOL, NULL, "do not ask for compressed responses", NULL },
	{ "cache-dir", 0, CMD_OPT_STR, "DIR", "accepted for kubectl compatibility; unused", NULL },
	{ "kloglevel", 'v', CMD_OPT_INT, "N", "accepted for compatibility; unused", NULL },
	{ "loglevel", 0, CMD_OPT_STR, "LEVEL", "accepted for compatibility; unused", NULL },
	{ "no-color", 0, CMD_OPT_BOOL, NULL, "do not colourise output", NULL },
	{ "help", 'h', CMD_OPT_BOOL, NULL, "show help", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

volatile int cmd_interrupted;

/* Look an option up by long or short name among the global options and,
 * when e is non-NULL, e's; with any_cmd, among every command's too. */
const struct cmd_opt *
cmd_find_opt(const struct cmd_entry *e, bool any_cmd, const char *lname,
	      size_t llen, char sname)
{
	const struct cmd_opt *sets[64];
	int n = 0;
	sets[n++] = cmd_global_opts;
	if (e && e->opts) {
		sets[n++] = e->opts;
	}
	for (int i = 0; any_cmd && cmd_table[i] && n < 64; i++) {
		if (cmd_table[i]->opts) {
			sets[n++] = cmd_table[i]->opts;
		}
	}
	/* a short name two commands give different arities (promote's
	 * hidden -a, create analysisrun's -a NAME=VALUE) is read as a boolean
	 * until the command is known: its value is then an operand in pass 1
	 * (main.c), which finds the command words all the same */
	const struct cmd_opt *valued = NULL;
	for (int s = 0; s < n; s++) {
		for (const struct cmd_opt *o = sets[s]; o->name; o++) {
			if (lname && strlen(o->name) == llen &&
			    strncmp(o->name, lname, llen) == 0) {
				return o;
			}
			if (!lname && sname && o->short_name == sname) {
				if (!any_cmd || s == 0 ||
				    o->kind == CMD_OPT_BOOL) {
					return o;
				}
				if (!valued) {
					valued = o;
				}
			}
		}
	}
	return valued;
}

bool
cmd_alias_match(const char *word, const struct cmd_entry *e)
{
	if (strcmp(word, e->name) == 0) {
		return true;
	}
	if (!e->aliases) {
		return false;
	}
	size_t wl = strlen(word);
	for (const char *p = e->aliases; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == wl && strncmp(p, word, l) == 0) {
			return true;
		}
		p += l + (c ? 1 : 0);
	}
	return false;
}

/* Find the entry named by the operands; *used is how many words it took.
 * NULL when no command matches (*parent_only set when the first word is a
 * parent such as "get"). */
const struct cmd_entry *
cmd_find(char **ops, int nops, int *used, const char **parent_only)
{
	*parent_only = NULL;
	if (nops == 0) {
		return NULL;
	}
	for (int i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (!e->parent && cmd_alias_match(ops[0], e)) {
			/* a command with subcommands of its own (create,
			 * create analysisrun) */
			for (int k = 0; nops >= 2 && cmd_table[k]; k++) {
				const struct cmd_entry *s = cmd_table[k];
				if (s->parent && strcmp(s->parent, e->name) == 0 &&
				    cmd_alias_match(ops[1], s)) {
					*used = 2;
					return s;
				}
			}
			*used = 1;
			return e;
		}
	}
	for (int i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (e->parent && strcmp(e->parent, ops[0]) == 0) {
			*parent_only = e->parent;
			if (nops >= 2 && cmd_alias_match(ops[1], e)) {
				*used = 2;
				return e;
			}
		}
	}
	return NULL;
}


/* The first SIGINT or SIGTERM asks the watch to end; a second one later
 * than half a second after it (an impatient operator) ends the process at
 * once. One sent twice at the same moment (timeout(1) signals the child
 * and then its process group) counts once. */
static void
cmd_on_signal(int sig)
{
	static struct timespec first;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (cmd_interrupted) {
		long long ms = (long long)(now.tv_sec - first.tv_sec) * 1000 +
			       (now.tv_nsec - first.tv_nsec) / 1000000;
		if (ms > 500) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		return;
	}
	first = now;
	cmd_interrupted = sig;
}

void
cmd_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cmd_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void
cmd_flag_add(struct cmd_ctx *ctx, const char *name, const char *val)
{
	if (ctx->nvals == ctx->avals) {
		ctx->avals = ctx->avals ? ctx->avals * 2 : 16;
		ctx->val_name = xrealloc(ctx->val_name, (size_t)ctx->avals *
							sizeof(*ctx->val_name));
		ctx->val = xrealloc(ctx->val, (size_t)ctx->avals *
					      sizeof(*ctx->val));
	}
	ctx->val_name[ctx->nvals] = name;
	ctx->val[ctx->nvals++] = val;
}

void
cmd_ctx_release(struct cmd_ctx *ctx)
{
	free(ctx->val_name);
	free(ctx->val);
	free(ctx->as_groups);
	ctx->val_name = NULL;
	ctx->val = NULL;
	ctx->as_groups = NULL;
	ctx->nvals = ctx->avals = 0;
}

const char *
cmd_flag_str(const struct cmd_ctx *ctx, const char *name)
{
	for (int i = ctx->nvals - 1; i >= 0; i--) {
		if (strcmp(ctx->val_name[i], name) == 0) {
			return ctx->val[i];
		}
	}
	return NULL;
}

bool
cmd_flag_bool(const struct cmd_ctx *ctx, const char *name, bool def)
{
	const char *v = cmd_flag_str(ctx, name);
	if (!v) {
		return def;
	}
	return strcmp(v, "true") == 0;
}

int
cmd_flag_int(struct cmd_ctx *ctx, const char *name, long def, long *out)
{
	const char *v = cmd_flag_str(ctx, name);
	*out = def;
	if (!v) {
		return 0;
	}
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end) {
		return err_set(&ctx->err, PD_EUSAGE,
			       "invalid argument '%s' for --%s: not an integer",
			       v, name);
	}
	*out = n;
	return 0;
}

int
cmd_flag_duration(struct cmd_ctx *ctx, const char *name, long long *ms)
{
	const char *v = cmd_flag_str(ctx, name);
	*ms = 0;
	if (!v) {
		return 0;
	}
	struct pd_err e = { 0 };
	if (kubeconfig_parse_duration(v, ms, &e) < 0) {
		return err_set(&ctx->err, PD_EUSAGE,
			       "invalid argument '%s' for --%s: %s", v, name,
			       e.msg);
	}
	return 0;
}

int
cmd_config(struct cmd_ctx *ctx)
{
	if (ctx->cfg_loaded) {
		return 0;
	}
	int r = kubeconfig_load(&ctx->cfg, &ctx->kflags, &ctx->err);
	if (r < 0) {
		return r;
	}
	ctx->cfg_loaded = true;
	return 0;
}

struct kube_client *
cmd_client(struct cmd_ctx *ctx)
{
	if (ctx->client) {
		return ctx->client;
	}
	if (cmd_config(ctx) < 0) {
		return NULL;
	}
	ctx->client = kube_client_new(&ctx->cfg,
		"kubectl-rollouts/v" PDKIT_VERSION " (" PDKIT_PLATFORM ") pdkit/" PDKIT_COMMIT_SHORT, &ctx->err);
	return ctx->client;
}

const char *
cmd_namespace(struct cmd_ctx *ctx)
{
	if (cmd_config(ctx) < 0) {
		return "default";
	}
	return ctx->cfg.namespace ? ctx->cfg.namespace : "default";
}

int
cmd_fail(struct cmd_ctx *ctx)
{
	if (!ctx->err.code) {
		ctx->err.code = PD_EINTERNAL;
	}
	return msg_err(&ctx->err);
}

long long
cmd_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t
cmd_now(struct cmd_ctx *ctx)
{
	if (ctx->now_fixed) {
		return ctx->now;
	}
	return time(NULL);
}

static void
cmd_help_opts(FILE *fp, const struct cmd_opt *opts)
{
	for (const struct cmd_opt *o = opts; o && o->name; o++) {
		if (!o->help) {
			continue; /* hidden */
		}
		char left[64];
		if (o->short_name) {
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
				 o->short_name, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		} else {
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		}
		fprintf(fp, "  %-34s %s", left, o->help);
		if (o->def) {
			fprintf(fp, " (default %s)", o->def);
		}
		fputc('\n', fp);
	}
}

void
cmd_help(FILE *fp, const struct cmd_entry *e)
{
	if (!e) {
		fprintf(fp, "kubectl-rollouts: manage Argo Rollouts (used as "
			"'kubectl rollouts ...')\n\nUsage:\n"
			"  kubectl rollouts COMMAND [flags]\n\nCommands:\n");
		for (int i = 0; cmd_table[i]; i++) {
			const struct cmd_entry *c = cmd_table[i];
			if (c->hidden) {
				continue;
			}
			char name[48];
			snprintf(name, sizeof(name), "%s%s%s",
				 c->parent ? c->parent : "",
				 c->parent ? " " : "", c->name);
			fprintf(fp, "  %-22s %s\n", name, c->summary);
		}
		fprintf(fp, "\nGlobal flags:\n");
		cmd_help_opts(fp, cmd_global_opts);
		fprintf(fp, "\nExit status: 0 ok, 1 runtime failure, 2 usage, "
			"3 not found, 4 conflict,\n5 unauthorized or forbidden, "
			"6 timed out or interrupted, 7 degraded or aborted,\n"
			"8 invalid input, 70 internal error. "
			"See kubectl-rollouts(1).\n");
		return;
	}
	fprintf(fp, "%s\n\nUsage:\n  kubectl rollouts %s%s%s %s\n",
		e->summary, e->parent ? e->parent : "", e->parent ? " " : "",
		e->name, e->usage);
	if (e->aliases) {
		/* the plugin's layout: "rollout, ro, rollouts" */
		fprintf(fp, "\nAliases:\n  %s", e->name);
		const char *a = e->aliases;
		while (*a) {
			size_t n = strcspn(a, ",");
			fprintf(fp, ", %.*s", (int)n, a);
			a += n + (a[n] == ',');
		}
		fputc('\n', fp);
	}
	if (e->opts && e->opts->name) {
		fprintf(fp, "\nFlags:\n");
		cmd_help_opts(fp, e->opts);
	}
	fprintf(fp, "\nGlobal flags: see 'kubectl rollouts --help'.\n");
}

const char *
cmd_name_problem(const char *name)
{
	if (!*name) {
		return "may not be empty";
	}
	if (strcmp(name, ".") == 0) {
		return "may not be '.'";
	}
	if (strcmp(name, "..") == 0) {
		return "may not be '..'";
	}
	if (strchr(name, '/')) {
		return "may not contain '/'";
	}
	if (strchr(name, '%')) {
		return "may not contain '%'";
	}
	return NULL;
}
