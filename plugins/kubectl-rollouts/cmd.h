/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd: the command table of kubectl-rollouts (tmux's cmd_entry, git's
 * builtin checklist) and the context every command runs with.
 *
 * Adding a command means four things:
 *   1. its file, plugins/kubectl-rollouts/cmd-NAME.c, exporting one
 *      `const struct cmd_entry cmd_NAME_entry` whose exec returns an exit
 *      code from DEVELOPERS.md;
 *   2. its line in cmd_table[] (cmd.c);
 *   3. its section in man/kubectl-rollouts.1;
 *   4. a test (tests/e2e/ or tests/golden/).
 *
 * Flags go before or after operands, as kubectl's do: the parser first
 * finds the command words among the operands, then parses the global flags
 * and the command's flags together. Values are kept as strings in the
 * context (owned by argv or the context) and read through cmd_flag_*().
 */
#ifndef KR_CMD_H
#define KR_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "err.h"
#include "kube.h"
#include "kubeconfig.h"

enum cmd_opt_kind {
	CMD_OPT_BOOL,
	CMD_OPT_STR,
	CMD_OPT_INT,
	CMD_OPT_DURATION,
	CMD_OPT_LIST,   /* repeatable string */
};

struct cmd_opt {
	const char *name;      /* long name, without "--" */
	char short_name;       /* 0 when none */
	enum cmd_opt_kind kind;
	const char *arg;       /* argument name in help ("NAME"), NULL for bools */
	const char *help;      /* NULL: a hidden (deprecated) option */
	const char *def;       /* default shown in help, or NULL */
};

struct cmd_ctx;

struct cmd_entry {
	const char *name;      /* "promote", or "rollout" under a parent */
	const char *parent;    /* "get", "list", ... or NULL */
	const char *aliases;   /* comma-separated, or NULL */
	const char *usage;     /* "NAME [--full]" */
	const char *summary;   /* one line, for help and completion */
	const char *complete;  /* what operands complete to: "rollouts",
				  "experiments", "analysisruns", or NULL */
	const char *choices;   /* or fixed words, space-separated */
	int min_args, max_args; /* operands after the command words; -1 = any */
	const struct cmd_opt *opts; /* NULL-terminated (name == NULL) */
	int (*exec)(struct cmd_ctx *ctx);
	bool hidden;
};

struct cmd_ctx {
	const struct cmd_entry *entry;
	char **args;           /* operands after the command words */
	int nargs;
	/* parsed flags: name -> value ("true"/"false" for booleans) */
	const char **val_name;  /* nvals of each (cmd_flag_add), freed by */
	const char **val;       /* cmd_ctx_release */
	int nvals, avals;
	const char **as_groups; /* kflags.as_groups' array */
	struct kube_flags kflags;
	struct kube_config cfg;
	bool cfg_loaded;
	struct kube_client *client;
	time_t now;            /* PDKIT_NOW, or the clock */
	bool now_fixed;
	bool color;
	struct pd_err err;
};

extern const struct cmd_entry *const cmd_table[];
extern const struct cmd_opt cmd_global_opts[];

/* An option by long name (lname, llen bytes) or short name (sname) among
 * the global options, e's (may be NULL) and, with any_cmd, every
 * command's (for telling a flag's arity before the command is known). */
/* Why name cannot be a resource name in a URL path (client-go's
 * IsValidPathSegmentName and "may not be empty"), or NULL when it can. */
const char *cmd_name_problem(const char *name);
const struct cmd_opt *cmd_find_opt(const struct cmd_entry *e, bool any_cmd,
				   const char *lname, size_t llen, char sname);
/* word is e's name or one of its aliases. */
bool cmd_alias_match(const char *word, const struct cmd_entry *e);
/* The entry the operands name; *used is how many words it took. NULL when
 * none matches (*parent_only set when the first word is a parent such as
 * "get"). */
const struct cmd_entry *cmd_find(char **ops, int nops, int *used,
				 const char **parent_only);

/* Record one parsed flag (name and value are borrowed). */
void cmd_flag_add(struct cmd_ctx *ctx, const char *name, const char *val);
/* Free what the context allocated for flags. */
void cmd_ctx_release(struct cmd_ctx *ctx);

/* Flag values. cmd_flag_str: the last value given, or NULL. */
const char *cmd_flag_str(const struct cmd_ctx *ctx, const char *name);
bool cmd_flag_bool(const struct cmd_ctx *ctx, const char *name, bool def);
/* 0, or -PD_EUSAGE with ctx->err filled. */
int cmd_flag_int(struct cmd_ctx *ctx, const char *name, long def, long *out);
int cmd_flag_duration(struct cmd_ctx *ctx, const char *name, long long *ms);

/* The connection: loads the kubeconfig and makes the client on first use.
 * NULL with ctx->err filled on failure. */
struct kube_client *cmd_client(struct cmd_ctx *ctx);
/* The namespace to use (after cmd_client or cmd_config). */
const char *cmd_namespace(struct cmd_ctx *ctx);
int cmd_config(struct cmd_ctx *ctx);

/* Print ctx->err (with an optional "what: " prefix) and return its exit
 * code. */
int cmd_fail(struct cmd_ctx *ctx);

/* A monotonic clock in milliseconds, for timeouts. */
long long cmd_mono_ms(void);

/* The current time for rendering, honouring PDKIT_NOW. */
time_t cmd_now(struct cmd_ctx *ctx);

/* Help for one entry (or the whole tool when e is NULL) on fp. */
void cmd_help(FILE *fp, const struct cmd_entry *e);

/* Set by SIGINT/SIGTERM handlers of watching commands. */
extern volatile int cmd_interrupted;
void cmd_catch_signals(void);

#endif
