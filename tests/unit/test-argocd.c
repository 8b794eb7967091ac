/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for rollouts-sim's Argo CD parts: the Helm subset
 * (argocd-render.c), the diff (argocd-diff.c) and the health checks
 * (argocd-health.c). */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "argocd.h"
#include "json.h"
#include "xalloc.h"

static const char *values_json =
	"{\"image\":{\"repository\":\"example/web\",\"tag\":\"1.2\"},"
	"\"replicas\":3,\"big\":1234567,\"ratio\":0.25,\"on\":true,"
	"\"off\":false,\"empty\":\"\",\"zero\":0,\"name\":\"a \\\"b\\\"\","
	"\"list\":[1,\"x\"],\"map\":{\"b\":2,\"a\":\"z\"}}";

/* Render text with the values above: the output, or "ERR <message>". */
static char *
tpl(const char *text)
{
	cJSON *values = cJSON_Parse(values_json);
	cJSON *rel = cJSON_Parse("{\"Name\":\"rel\",\"Namespace\":\"prod\"}");
	cJSON *chart = cJSON_Parse("{\"Name\":\"web\",\"Version\":\"0.1.0\"}");
	struct buf out = BUF_INIT, err = BUF_INIT;
	char *res;
	if (argocd_render_helm_template(text, strlen(text), "t.yaml", values,
					rel, chart, &out, &err) < 0) {
		res = xasprintf("ERR %s", err.buf ? err.buf : "");
	} else {
		res = xstrdup(out.buf ? out.buf : "");
	}
	buf_release(&out);
	buf_release(&err);
	cJSON_Delete(values);
	cJSON_Delete(rel);
	cJSON_Delete(chart);
	return res;
}

#define is_tpl(text, want, ...)                                             \
	do {                                                                \
		char *r_ = tpl(text);                                       \
		is_str(r_, want, __VA_ARGS__);                              \
		free(r_);                                                   \
	} while (0)

static void
test_helm(void)
{
	is_tpl("image: {{ .Values.image.repository }}:{{ .Values.image.tag }}",
	       "image: example/web:1.2", "lookups");
	is_tpl("{{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Chart.Name }}"
	       "-{{ .Chart.Version }}", "rel/prod/web-0.1.0",
	       ".Release and .Chart");
	is_tpl("n: {{ .Values.replicas }} b: {{ .Values.big }} r: "
	       "{{ .Values.ratio }}", "n: 3 b: 1.234567e+06 r: 0.25",
	       "numbers print as Go's %%v of a float64");
	is_tpl("[{{ .Values.missing }}]", "[]", "a missing value prints nothing");
	is_tpl("{{ .Values.list }} {{ .Values.map }}", "[1 x] map[a:z b:2]",
	       "lists and maps print as Go does");
	is_tpl("{{ .Values.name | quote }}", "\"a \\\"b\\\"\"",
	       "quote escapes as %%q");
	is_tpl("{{ quote .Values.missing }}|{{ quote 1 \"x\" }}", "|\"1\" \"x\"",
	       "quote skips nil, joins its arguments");
	is_tpl("{{ .Values.empty | default \"d\" }} {{ .Values.zero | default 7 }}"
	       " {{ .Values.image.tag | default \"d\" }}", "d 7 1.2",
	       "default replaces empty values only");
	is_tpl("{{ default \"x\" .Values.missing | quote }}", "\"x\"",
	       "a pipeline of default and quote");
	is_tpl("{{ (default \"x\" .Values.missing) | quote }}", "\"x\"",
	       "parentheses");
	is_tpl("{{ if .Values.on }}yes{{ else }}no{{ end }}", "yes", "if true");
	is_tpl("{{ if .Values.off }}yes{{ else }}no{{ end }}", "no",
	       "if false takes else");
	is_tpl("{{ if .Values.empty }}a{{ else if .Values.zero }}b{{ else if "
	       ".Values.list }}c{{ else }}d{{ end }}", "c", "else if chains");
	is_tpl("{{ if not .Values.off }}neg{{ end }}", "neg", "not");
	is_tpl("{{ if .Values.on }}{{ if .Values.off }}x{{ else }}y{{ end }}"
	       "{{ end }}", "y", "nested ifs");
	is_tpl("a:\n  {{- if .Values.on }}\n  b: 1\n  {{- end }}\nc: 2\n",
	       "a:\n  b: 1\nc: 2\n", "{{- trims the whitespace before");
	is_tpl("x: {{ .Values.replicas -}}   \n  y", "x: 3y",
	       "-}} trims the whitespace after");
	is_tpl("{{/* a comment */}}k: v", "k: v", "comments");
	is_tpl("{{- /* trimmed comment */ -}}\n  k: v", "k: v",
	       "trimmed comments");
	is_tpl("a: {{ \"}}\" }}", "a: }}", "}} inside a string literal");
	is_tpl("{{ if .Values.off }}{{ .Values.missing.deep }}{{ end }}ok", "ok",
	       "a branch not taken is not evaluated");
	/* errors name the file and line */
	is_tpl("a: 1\nb: {{ include \"x\" . }}\n",
	       "ERR t.yaml:2: unsupported in rollouts-sim's Helm subset: "
	       "function \"include\"", "include is outside the subset");
	is_tpl("\n\n{{ range .Values.list }}x{{ end }}",
	       "ERR t.yaml:3: unsupported in rollouts-sim's Helm subset: "
	       "'range'", "range is outside the subset");
	is_tpl("{{ toYaml .Values.map | nindent 4 }}",
	       "ERR t.yaml:1: unsupported in rollouts-sim's Helm subset: "
	       "function \"toYaml\"", "toYaml is outside the subset");
	is_tpl("{{ $x := 1 }}", "ERR t.yaml:1: unsupported in rollouts-sim's "
	       "Helm subset: variables ('$')", "variables are outside");
	is_tpl("{{ .Files.Get \"x\" }}", "ERR t.yaml:1: unsupported in "
	       "rollouts-sim's Helm subset: '.Files'", ".Files is outside");
	is_tpl("{{ .Values.missing.deep }}", "ERR t.yaml:1: executing at "
	       "<.Values.missing.deep>: nil pointer evaluating interface {}.deep",
	       "a field of a missing map fails as in Helm");
	is_tpl("x\n{{ if .Values.on }}", "ERR t.yaml:2: unexpected EOF (an "
	       "{{if}} without {{end}})", "an unclosed if");
	is_tpl("{{ end }}", "ERR t.yaml:1: unexpected {{end}}", "a stray end");
	is_tpl("{{ .Values.image.tag", "ERR t.yaml:1: unclosed action",
	       "an unclosed action");
	is_tpl("{{ default \"x\" }}", "ERR t.yaml:1: wrong number of args for "
	       "default: want 2 got 1", "default's arity");
}

static void
test_values(void)
{
	cJSON *v = cJSON_Parse("{\"a\":{\"b\":1,\"c\":2},\"d\":[1],\"e\":3}");
	cJSON *o = cJSON_Parse("{\"a\":{\"b\":9,\"x\":null},\"d\":[2],\"e\":null}");
	argocd_render_merge_values(v, o);
	char *s = cJSON_PrintUnformatted(v);
	is_str(s, "{\"a\":{\"b\":9,\"c\":2},\"d\":[2]}",
	       "values merge: maps deep, lists replaced, null removes");
	free(s);
	struct buf err = BUF_INIT;
	ok(argocd_render_set_value(v, "a.n.m", "42", false, &err) == 0 &&
	   argocd_render_set_value(v, "f", "true", false, &err) == 0 &&
	   argocd_render_set_value(v, "g", "0042", false, &err) == 0 &&
	   argocd_render_set_value(v, "h", "42", true, &err) == 0,
	   "parameters set");
	s = cJSON_PrintUnformatted(v);
	is_str(s, "{\"a\":{\"b\":9,\"c\":2,\"n\":{\"m\":42}},\"d\":[2],"
	       "\"f\":true,\"g\":\"0042\",\"h\":\"42\"}",
	       "parameters: typed as --set, forceString as --set-string");
	free(s);
	ok(argocd_render_set_value(v, "list[0]", "1", false, &err) < 0 &&
	   strstr(err.buf, "dotted names only"), "parameters: no index syntax");
	buf_release(&err);
	cJSON_Delete(v);
	cJSON_Delete(o);
}

/* argocd_diff_modified over JSON texts; "-" when equal, else the path. */
static char *
diff(const char *target, const char *live, const char *ignores, bool builtin)
{
	cJSON *t = cJSON_Parse(target), *l = cJSON_Parse(live);
	cJSON *ig = ignores ? cJSON_Parse(ignores) : NULL;
	struct buf why = BUF_INIT;
	bool m = argocd_diff_modified(t, l, ig, builtin, &why);
	char *r = m ? xstrdup(why.buf ? why.buf : "?") : xstrdup("-");
	buf_release(&why);
	cJSON_Delete(t);
	cJSON_Delete(l);
	cJSON_Delete(ig);
	return r;
}

#define is_diff(t, l, ig, b, want, ...)                                     \
	do {                                                                \
		char *r_ = diff(t, l, ig, b);                               \
		is_str(r_, want, __VA_ARGS__);                              \
		free(r_);                                                   \
	} while (0)

#define VS_T "{\"apiVersion\":\"networking.istio.io/v1beta1\"," \
	"\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"vs\"," \
	"\"namespace\":\"p\"},\"spec\":{\"hosts\":[\"h\"],\"http\":[{\"name\":" \
	"\"primary\",\"route\":[{\"destination\":{\"host\":\"s\"},\"weight\":" \
	"100},{\"destination\":{\"host\":\"c\"},\"weight\":0}]}]}}"
#define VS_L "{\"apiVersion\":\"networking.istio.io/v1beta1\"," \
	"\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"vs\"," \
	"\"namespace\":\"p\",\"uid\":\"u\",\"resourceVersion\":\"9\"," \
	"\"generation\":4,\"creationTimestamp\":\"2026-01-01T00:00:00Z\"}," \
	"\"spec\":{\"hosts\":[\"h\"],\"http\":[{\"name\":\"primary\"," \
	"\"route\":[{\"destination\":{\"host\":\"s\"},\"weight\":80}," \
	"{\"destination\":{\"host\":\"c\"},\"weight\":20}]}]}," \
	"\"status\":{\"x\":1}}"

static void
test_diff(void)
{
	const char *cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
			 "\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\"}}";
	is_diff(cm, cm, NULL, true, "-", "equal objects");
	is_diff(cm, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		"{\"name\":\"c\",\"uid\":\"x\",\"resourceVersion\":\"3\","
		"\"managedFields\":[],\"labels\":{\"l\":\"v\"}},\"data\":{\"a\":"
		"\"1\",\"extra\":\"2\"},\"status\":{}}", NULL, true, "-",
		"server metadata, status and live-only fields are ignored");
	is_diff(cm, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		"{\"name\":\"c\"},\"data\":{\"a\":\"2\"}}", NULL, true, "/data/a",
		"a changed field differs");
	is_diff(cm, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		"{\"name\":\"c\"}}", NULL, true, "/data",
		"a missing field differs");
	/* three-way: a field removed from Git that last-applied had */
	is_diff(cm, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		"{\"name\":\"c\",\"annotations\":{\"kubectl.kubernetes.io/"
		"last-applied-configuration\":\"{\\\"data\\\":{\\\"a\\\":\\\"1\\\","
		"\\\"b\\\":\\\"2\\\"}}\"}},\"data\":{\"a\":\"1\",\"b\":\"2\"}}",
		NULL, true, "/data/b",
		"a field dropped from Git but in last-applied differs");
	/* built-in lists: elements match by content, live extras kept */
	const char *svc = "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
			  "\"metadata\":{\"name\":\"s\"},\"spec\":{\"ports\":"
			  "[{\"port\":80}]}}";
	is_diff(svc, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
		"{\"name\":\"s\"},\"spec\":{\"clusterIP\":\"10.0.0.1\",\"ports\":"
		"[{\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80}]}}", NULL,
		true, "-", "defaulted fields inside a built-in list element");
	is_diff(svc, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
		"{\"name\":\"s\"},\"spec\":{\"ports\":[{\"port\":81}]}}", NULL,
		true, "/spec/ports/0", "a changed list element differs");
	/* custom resources: lists compare whole */
	is_diff(VS_T, VS_L, NULL, false, "/spec/http",
		"the canary weights make the VirtualService differ");
	is_diff(VS_T, VS_L, "[{\"group\":\"networking.istio.io\",\"kind\":"
		"\"VirtualService\",\"jsonPointers\":[\"/spec/http\"]}]", false,
		"-", "jsonPointers /spec/http hides them");
	is_diff(VS_T, VS_L, "[{\"group\":\"networking.istio.io\",\"kind\":"
		"\"VirtualService\",\"jsonPointers\":[\"/spec/http/0\"]}]", false,
		"-", "jsonPointers /spec/http/0 hides them");
	is_diff(VS_T, VS_L, "[{\"group\":\"networking.istio.io\",\"kind\":"
		"\"VirtualService\",\"jqPathExpressions\":"
		"[\".spec.http[].route[].weight\"]}]", false, "-",
		"jqPathExpressions .spec.http[].route[].weight hides them");
	is_diff(VS_T, VS_L, "[{\"group\":\"networking.istio.io\",\"kind\":"
		"\"VirtualService\",\"name\":\"other\",\"jsonPointers\":"
		"[\"/spec/http\"]}]", false, "/spec/http",
		"an entry for another name does not apply");
	is_diff(VS_T, VS_L, "[{\"group\":\"networking.istio.io\",\"kind\":"
		"\"Gateway\",\"jsonPointers\":[\"/spec/http\"]}]", false,
		"/spec/http", "an entry for another kind does not apply");
	is_diff(VS_T, VS_L, "[{\"group\":\"*.io\",\"kind\":\"Virtual*\","
		"\"namespace\":\"p\",\"jsonPointers\":[\"/spec/http\"]}]", false,
		"-", "group and kind are globs");

	cJSON *o = cJSON_Parse("{\"a\":{\"b/c\":1,\"d~e\":2,\"l\":[1,2,3]}}");
	argocd_diff_remove_pointer(o, "/a/b~1c");
	argocd_diff_remove_pointer(o, "/a/d~0e");
	argocd_diff_remove_pointer(o, "/a/l/1");
	argocd_diff_remove_pointer(o, "/no/such/path");
	char *s = cJSON_PrintUnformatted(o);
	is_str(s, "{\"a\":{\"l\":[1,3]}}", "JSON pointers: escapes, indexes, "
	       "a missing path skipped");
	free(s);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"x\":[{\"y\":1,\"z\":2},{\"y\":3}],\"k\":{\"q\":1}}");
	struct buf err = BUF_INIT;
	ok(argocd_diff_jq_delete(o, ".x[].y", &err) == 0 &&
	   argocd_diff_jq_delete(o, ".k[\"q\"]", &err) == 0, "jq: deletes");
	s = cJSON_PrintUnformatted(o);
	is_str(s, "{\"x\":[{\"z\":2},{}],\"k\":{}}", "jq: .x[].y and .k[\"q\"]");
	free(s);
	ok(argocd_diff_jq_delete(o, ".x | select(.y)", &err) < 0 &&
	   strstr(err.buf, "supports paths of the form"),
	   "jq: anything else is refused with a message");
	buf_release(&err);
	cJSON_Delete(o);
}

static void
test_health(void)
{
	const char *st;
	struct buf msg = BUF_INIT;
	struct {
		const char *obj, *status, *msg;
	} ro[] = {
		{ "{\"metadata\":{\"generation\":2},\"spec\":{},\"status\":"
		  "{\"observedGeneration\":\"1\"}}", "Progressing",
		  "Waiting for rollout spec update to be observed" },
		{ "{\"metadata\":{\"generation\":2},\"spec\":{},\"status\":"
		  "{\"observedGeneration\":\"2\",\"phase\":\"Paused\","
		  "\"message\":\"CanaryPauseStep\"}}", "Suspended",
		  "CanaryPauseStep" },
		{ "{\"metadata\":{\"generation\":2},\"spec\":{},\"status\":"
		  "{\"observedGeneration\":\"2\",\"phase\":\"Degraded\","
		  "\"message\":\"RolloutAborted: x\"}}", "Degraded",
		  "RolloutAborted: x" },
		{ "{\"metadata\":{\"generation\":1},\"spec\":{\"replicas\":2,"
		  "\"strategy\":{\"canary\":{}}},\"status\":{\"conditions\":"
		  "[{\"type\":\"Progressing\",\"reason\":\"RolloutAborted\","
		  "\"message\":\"Rollout is aborted\"}]}}", "Degraded",
		  "Rollout is aborted" },
		{ "{\"metadata\":{\"generation\":1},\"spec\":{\"replicas\":2,"
		  "\"strategy\":{\"canary\":{}}},\"status\":{\"currentPodHash\":"
		  "\"h\",\"replicas\":2,\"updatedReplicas\":2,"
		  "\"availableReplicas\":2,\"stableRS\":\"old\"}}", "Progressing",
		  "Waiting for rollout to finish steps" },
		{ "{\"metadata\":{\"generation\":1},\"spec\":{\"replicas\":2,"
		  "\"strategy\":{\"canary\":{}}},\"status\":{\"currentPodHash\":"
		  "\"h\",\"replicas\":2,\"updatedReplicas\":2,"
		  "\"availableReplicas\":2,\"stableRS\":\"h\"}}", "Healthy", "" },
		{ "{\"metadata\":{\"generation\":1},\"spec\":{\"paused\":true},"
		  "\"status\":{}}", "Suspended", "Rollout is paused" },
	};
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		cJSON *o = cJSON_Parse(ro[i].obj);
		buf_reset(&msg);
		ok(argocd_health("argoproj.io", "Rollout", o, &st, &msg) &&
		   strcmp(st, ro[i].status) == 0 &&
		   strcmp(msg.buf ? msg.buf : "", ro[i].msg) == 0,
		   "Rollout health %zu: %s '%s'", i, ro[i].status, ro[i].msg);
		cJSON_Delete(o);
	}
	cJSON *o = cJSON_Parse("{\"metadata\":{\"name\":\"d\",\"generation\":1},"
			       "\"spec\":{\"replicas\":3},\"status\":"
			       "{\"observedGeneration\":1,\"updatedReplicas\":1}}");
	buf_reset(&msg);
	ok(argocd_health("apps", "Deployment", o, &st, &msg) &&
	   strcmp(st, "Progressing") == 0 &&
	   strcmp(msg.buf, "Waiting for rollout to finish: 1 out of 3 new "
		  "replicas have been updated...") == 0, "Deployment health");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"spec\":{}}");
	ok(!argocd_health("networking.istio.io", "VirtualService", o, &st, &msg)
	   && !argocd_health("argoproj.io", "Application", o, &st, &msg) &&
	   !argocd_health("", "ConfigMap", o, &st, &msg),
	   "no health check: VirtualService, Application, ConfigMap");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"status\":{\"phase\":\"Bound\"}}");
	ok(argocd_health("", "PersistentVolumeClaim", o, &st, &msg) &&
	   strcmp(st, "Healthy") == 0, "PVC Bound is Healthy");
	cJSON_Delete(o);
	ok(argocd_health_rank("Healthy") < argocd_health_rank("Suspended") &&
	   argocd_health_rank("Suspended") < argocd_health_rank("Progressing") &&
	   argocd_health_rank("Progressing") < argocd_health_rank("Missing") &&
	   argocd_health_rank("Missing") < argocd_health_rank("Degraded") &&
	   argocd_health_rank("Degraded") < argocd_health_rank("Unknown"),
	   "health order");
	buf_release(&msg);
}

int
main(void)
{
	test_helm();
	test_values();
	test_diff();
	test_health();
	return done_testing();
}
