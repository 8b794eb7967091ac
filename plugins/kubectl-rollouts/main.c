/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kubectl-rollouts: manage Argo Rollouts from the command line (used as
 * `kubectl rollouts ...`). main finds the command among the operands,
 * parses global and command flags together wherever they appear, and runs
 * the command's exec, whose return value is the exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "msg.h"
#include "timeutil.h"
#include "xalloc.h"

static void
main_parent_usage(FILE *fp, const char *parent)
{
	fprintf(fp, "Usage:\n");
	for (int i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (e->parent && strcmp(e->parent, parent) == 0) {
			fprintf(fp, "  kubectl rollouts %s %s %s\n", parent,
				e->name, e->usage);
		}
	}
}

static int
main_set(struct cmd_ctx *ctx, const char *name, const char *val)
{
	cmd_flag_add(ctx, name, val);
	return 0;
}

/* Pass 2: parse flags for entry e; operands go to ops. -1 on error. */
static int
main_parse(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc,
	   char **argv, char **ops, int *nops)
{
	*nops = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (++i < argc) {
				ops[(*nops)++] = argv[i];
			}
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			ops[(*nops)++] = a;
			continue;
		}
		const struct cmd_opt *o;
		const char *val = NULL;
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t nl = eq ? (size_t)(eq - name) : strlen(name);
			o = cmd_find_opt(e, e == NULL, name, nl, 0);
			if (!o) {
				msg_error("unknown flag: --%.*s", (int)nl, name);
				return -1;
			}
			if (eq) {
				val = eq + 1;
			}
		} else {
			/* -n NS, -nNS, -w, -wA */
			for (const char *c = a + 1; *c; c++) {
				o = cmd_find_opt(e, e == NULL, NULL, 0, *c);
				if (!o) {
					msg_error("unknown shorthand flag: '%c' "
						  "in %s", *c, a);
					return -1;
				}
				if (o->kind == CMD_OPT_BOOL) {
					/* -w=false */
					if (c[1] == '=') {
						val = c + 2;
						break;
					}
					if (main_set(ctx, o->name, "true") < 0) {
						return -1;
					}
					continue;
				}
				if (c[1]) {
					val = c[1] == '=' ? c + 2 : c + 1;
				}
				break;
			}
			if (o->kind == CMD_OPT_BOOL && !val) {
				continue;
			}
		}
		if (o->kind == CMD_OPT_BOOL) {
			if (!val) {
				val = "true";
			} else if (strcmp(val, "true") && strcmp(val, "false") &&
				   strcmp(val, "1") && strcmp(val, "0")) {
				msg_error("invalid argument '%s' for --%s: want "
					  "true or false", val, o->name);
				return -1;
			}
			if (strcmp(val, "1") == 0) {
				val = "true";
			} else if (strcmp(val, "0") == 0) {
				val = "false";
			}
		} else if (!val) {
			if (i + 1 >= argc) {
				msg_error("flag needs an argument: --%s",
					  o->name);
				return -1;
			}
			val = argv[++i];
		}
		if (main_set(ctx, o->name, val) < 0) {
			return -1;
		}
	}
	return 0;
}

static void
main_kflags(struct cmd_ctx *ctx)
{
	struct kube_flags *f = &ctx->kflags;
	memset(f, 0, sizeof(*f));
	f->kubeconfig = cmd_flag_str(ctx, "kubeconfig");
	f->context = cmd_flag_str(ctx, "context");
	f->cluster = cmd_flag_str(ctx, "cluster");
	f->user = cmd_flag_str(ctx, "user");
	f->namespace = cmd_flag_str(ctx, "namespace");
	f->server = cmd_flag_str(ctx, "server");
	f->token = cmd_flag_str(ctx, "token");
	f->certificate_authority = cmd_flag_str(ctx, "certificate-authority");
	f->client_certificate = cmd_flag_str(ctx, "client-certificate");
	f->client_key = cmd_flag_str(ctx, "client-key");
	f->tls_server_name = cmd_flag_str(ctx, "tls-server-name");
	f->request_timeout = cmd_flag_str(ctx, "request-timeout");
	f->as = cmd_flag_str(ctx, "as");
	f->as_uid = cmd_flag_str(ctx, "as-uid");
	f->disable_compression = cmd_flag_bool(ctx, "disable-compression",
					       false);
	const char *isv = cmd_flag_str(ctx, "insecure-skip-tls-verify");
	f->insecure_skip_tls_verify = !isv ? -1 : strcmp(isv, "true") == 0;
	free(ctx->as_groups);
	ctx->as_groups = xcalloc((size_t)ctx->nvals + 1,
				 sizeof(*ctx->as_groups));
	for (int i = 0; i < ctx->nvals; i++) {
		if (strcmp(ctx->val_name[i], "as-group") == 0) {
			ctx->as_groups[f->n_as_groups++] = ctx->val[i];
		}
	}
	f->as_groups = ctx->as_groups;
}

static int
main_now(struct cmd_ctx *ctx)
{
	const char *now = getenv("PDKIT_NOW");
	if (!now || !*now) {
		return 0;
	}
	if (!timeutil_parse(now, &ctx->now)) {
		msg_error("invalid PDKIT_NOW '%s' (want RFC 3339, e.g. "
			  "2026-01-08T00:00:00Z)", now);
		return -1;
	}
	ctx->now_fixed = true;
	return 0;
}

int
main(int argc, char **argv)
{
	msg_set_prog("kubectl-rollouts");
	struct cmd_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.start_ms = cmd_mono_ms();
	char **ops = xcalloc((size_t)argc + 1, sizeof(*ops));
	int nops = 0, rc;

	/* __complete takes its words raw: they are a partial command line */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0) {
		extern const struct cmd_entry cmd_complete_entry;
		ctx.entry = &cmd_complete_entry;
		ctx.args = argv + 2;
		ctx.nargs = argc - 2;
		ctx.kflags.insecure_skip_tls_verify = -1;
		rc = cmd_complete_entry.exec(&ctx);
		goto out;
	}
	/* pass 1: operands, knowing every flag's arity */
	if (main_parse(&ctx, NULL, argc, argv, ops, &nops) < 0) {
		rc = PD_EXIT_USAGE;
		goto out;
	}
	int used = 0;
	const char *parent = NULL;
	const struct cmd_entry *e = cmd_find(ops, nops, &used, &parent);
	bool help = cmd_flag_bool(&ctx, "help", false);
	if (!e) {
		if (parent) {
			if (help) {
				main_parent_usage(stdout, parent);
				rc = 0;
				goto out;
			}
			struct buf kinds = BUF_INIT;
			for (int i = 0; cmd_table[i]; i++) {
				if (cmd_table[i]->parent &&
				    strcmp(cmd_table[i]->parent, parent) == 0) {
					buf_addf(&kinds, "%s%s", kinds.len ?
						 ", " : "", cmd_table[i]->name);
				}
			}
			if (nops >= 2) {
				msg_error("unknown %s target '%s' (want %s)",
					  parent, ops[1], kinds.buf);
			} else {
				msg_error("'%s' needs a resource type (%s)",
					  parent, kinds.buf);
			}
			buf_release(&kinds);
		} else if (nops == 0) {
			cmd_help(help ? stdout : stderr, NULL);
			rc = help ? 0 : PD_EXIT_USAGE;
			goto out;
		} else {
			msg_error("unknown command '%s' (see 'kubectl rollouts "
				  "--help')", ops[0]);
		}
		rc = PD_EXIT_USAGE;
		goto out;
	}
	/* pass 2: the command's own flags */
	ctx.nvals = 0;
	if (main_parse(&ctx, e, argc, argv, ops, &nops) < 0) {
		rc = PD_EXIT_USAGE;
		goto out;
	}
	if (cmd_flag_bool(&ctx, "help", false)) {
		cmd_help(stdout, e);
		rc = 0;
		goto out;
	}
	ctx.entry = e;
	ctx.args = ops + used;
	ctx.nargs = nops - used;
	if (ctx.nargs < e->min_args ||
	    (e->max_args >= 0 && ctx.nargs > e->max_args)) {
		if (ctx.nargs < e->min_args) {
			msg_error("missing argument: kubectl rollouts %s%s%s %s",
				  e->parent ? e->parent : "",
				  e->parent ? " " : "", e->name, e->usage);
		} else {
			msg_error("unexpected argument '%s': kubectl rollouts "
				  "%s%s%s %s", ctx.args[e->max_args],
				  e->parent ? e->parent : "",
				  e->parent ? " " : "", e->name, e->usage);
		}
		rc = PD_EXIT_USAGE;
		goto out;
	}
	/* names go into URL paths: refused as client-go refuses them */
	for (int i = 0; e->complete && i < ctx.nargs &&
	     (e->max_args < 0 || i < 1); i++) {
		const char *why = cmd_name_problem(ctx.args[i]);
		if (why && !*ctx.args[i]) {
			msg_error("resource name %s", why);
		} else if (why) {
			msg_error("invalid resource name '%s': %s", ctx.args[i],
				  why);
		}
		if (why) {
			rc = PD_EXIT_USAGE;
			goto out;
		}
	}
	const char *ns = cmd_flag_str(&ctx, "namespace");
	if (ns && *ns && cmd_name_problem(ns)) {
		msg_error("invalid namespace '%s': %s", ns, cmd_name_problem(ns));
		rc = PD_EXIT_USAGE;
		goto out;
	}
	main_kflags(&ctx);
	if (main_now(&ctx) < 0) {
		rc = PD_EXIT_USAGE;
		goto out;
	}
	const char *term = getenv("TERM");
	const char *nocolor = getenv("NO_COLOR");
	ctx.color = !cmd_flag_bool(&ctx, "no-color", false) &&
		    !(term && strcmp(term, "dumb") == 0) &&
		    !(nocolor && *nocolor);
	/* a watch catches SIGINT and SIGTERM from its start: an interrupt
	 * right after the first view still ends it as an interrupt (0, or 6
	 * where completion was asked for), never by the default action */
	const struct cmd_opt *wo = cmd_find_opt(e, false, "watch", 5, 0);
	if (wo && cmd_flag_bool(&ctx, "watch", wo->def &&
				strcmp(wo->def, "true") == 0)) {
		cmd_catch_signals();
	}
	rc = e->exec(&ctx);
out:
	kube_client_free(ctx.client);
	kubeconfig_release(&ctx.cfg);
	cmd_ctx_release(&ctx);
	free(ops);
	return msg_finish(rc);
}
