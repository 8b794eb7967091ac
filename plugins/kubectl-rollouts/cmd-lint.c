/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-lint: `lint -f FILE|-`, the plugin's lint: every Rollout of a
 * multi-document YAML or JSON file through Argo's validation, with the
 * Services, Ingresses and VirtualServices of the same file it references
 * (src/rollout-validate.h). As the plugin: each finding's body on stdout,
 * the first finding as the error on stderr; exit 0 valid, 9 findings, 8 an
 * unreadable or unparsable file. `-o json` prints every finding instead
 * (file, document, line, field, message) for CI annotations. Makes no request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "json.h"
#include "msg.h"
#include "rollout-validate.h"
#include "yaml.h"

static const struct cmd_opt cmd_lint_opts[] = {
	{ "filename", 'f', CMD_OPT_STR, "FILE", "file to lint ('-' for stdin)", NULL },
	{ "output", 'o', CMD_OPT_STR, "FORMAT", "json: every finding as a JSON array", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static void
cmd_lint_json(const char *file, const struct rollout_validate_list *l, const int *lines, int ndocs)
{
	cJSON *arr = cJSON_CreateArray();
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		const struct rollout_validate_error *e = &l->v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "file", file);
		cJSON_AddNumberToObject(o, "document", e->doc + 1);
		if (lines && e->doc >= 0 && e->doc < ndocs)
			cJSON_AddNumberToObject(o, "line", lines[e->doc]);
		else
			cJSON_AddNullToObject(o, "line");
		if (e->field)
			cJSON_AddStringToObject(o, "field", e->field);
		else
			cJSON_AddNullToObject(o, "field");
		cJSON_AddStringToObject(o, "message", e->body);
		cJSON_AddItemToArray(arr, o);
	}
	json_write_pretty(&out, arr);
	fputs(out.buf, stdout);
	if (out.len && out.buf[out.len - 1] != '\n')
		fputc('\n', stdout);
	buf_release(&out);
	cJSON_Delete(arr);
}

static int
cmd_lint_exec(struct cmd_ctx *ctx)
{
	const char *file = cmd_flag_str(ctx, "filename");
	const char *fmt = cmd_flag_str(ctx, "output");
	const char *name;
	struct buf data = BUF_INIT;
	struct rollout_validate_list l = ROLLOUT_VALIDATE_LIST_INIT;
	struct buf first = BUF_INIT;
	cJSON *docs;
	int *lines = NULL;
	int rc = 0, fatal = 0;

	if (!file || !*file) {
		err_set(&ctx->err, PD_EUSAGE, "required flag \"filename\" not set");
		return cmd_fail(ctx);
	}
	if (fmt && strcmp(fmt, "json") != 0) {
		err_set(&ctx->err, PD_EUSAGE, "invalid output format '%s': want json", fmt);
		return cmd_fail(ctx);
	}
	name = strcmp(file, "-") == 0 ? "<stdin>" : file;
	if (buf_read_file(&data, file) != 0) {
		/* Go's os.ReadFile words it "open FILE: no such file or directory" */
		char why[128];
		snprintf(why, sizeof(why), "%s", strerror(errno));
		why[0] = (char)((why[0] >= 'A' && why[0] <= 'Z') ? why[0] + 32 : why[0]);
		err_set(&ctx->err, PD_EINVALID, "open %s: %s", file, why);
		buf_release(&data);
		return cmd_fail(ctx);
	}
	docs = yaml_to_json_lines(data.buf, data.len, name, &lines, &ctx->err);
	buf_release(&data);
	if (!docs)
		return cmd_fail(ctx);
	rollout_validate_file(docs, &l, &fatal);
	if (fmt) {
		cmd_lint_json(name, &l, lines, cJSON_GetArraySize(docs));
	} else if (!fatal) {
		/* the plugin prints each finding's body with fmt.Println */
		for (size_t i = 0; i < l.n; i++)
			printf("%s\n", l.v[i].body);
	}
	if (l.n > 0) {
		rollout_validate_format(&l.v[0], &first);
		msg_error("%s", first.buf);
		rc = 9;
	}
	buf_release(&first);
	rollout_validate_list_release(&l);
	free(lines);
	cJSON_Delete(docs);
	return rc;
}

const struct cmd_entry cmd_lint_entry = {
	.name = "lint",
	.usage = "-f FILE [-o json]",
	.summary = "Lint and validate a Rollout",
	.min_args = 0,
	.max_args = 0,
	.opts = cmd_lint_opts,
	.exec = cmd_lint_exec,
};
