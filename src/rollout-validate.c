/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rollout-validate: Argo Rollouts v1.9's validation of a Rollout
 * (pkg/apis/rollouts/validation/validation.go and validation_references.go)
 * and the lint command's reference matching (pkg/kubectl-argo-rollouts/cmd/
 * lint/lint.go). Messages and field paths are Argo's; values print as
 * apimachinery's field.Error does: numbers and bools plainly, strings
 * quoted as Go's %q, anything else as its JSON.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argo-schema.h"
#include "json.h"
#include "rollout-validate.h"
#include "selector.h"
#include "timeutil.h"
#include "xalloc.h"

#define RV_MANAGED_BY "rollouts.argoproj.io/managed-by-rollouts"
#define RV_HASH_LABEL "rollouts-pod-template-hash"

#define RV_MISSING "Rollout has missing field '%s'"
#define RV_TRAFFIC "Canary service and Stable service must to be set to use Traffic Routing"
#define RV_PINGPONG "Ping service and Pong service must to be set to use Ping-Pong feature"
#define RV_STEP "Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause"
#define RV_STR_MULTI "StringMatch match value must have exactly one of the following: exact, regex, prefix"
#define RV_STR_MISSED "StringMatch value missed, match value must have one of the following: exact, regex, prefix"
#define RV_NEGATIVE "must be greater than or equal to 0"

/* Go's error types as field.ErrorType.String() gives them */
#define RV_INVALID "Invalid value"
#define RV_REQUIRED "Required value"
#define RV_FORBIDDEN "Forbidden"
#define RV_INTERNAL "Internal error"
#define RV_DUPLICATE "Duplicate value"
#define RV_UNSUPPORTED "Unsupported value"

void
rollout_validate_list_release(struct rollout_validate_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].field);
		free(l->v[i].body);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

void
rollout_validate_format(const struct rollout_validate_error *e, struct buf *out)
{
	if (e->field)
		buf_addf(out, "%s: %s", e->field, e->body);
	else
		buf_adds(out, e->body);
}

static void
rollout_validate_push(struct rollout_validate_list *l, int doc, const char *field, char *body)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 8;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	l->v[l->n].field = field ? xstrdup(field) : NULL;
	l->v[l->n].body = body;
	l->v[l->n].doc = doc;
	l->n++;
}

/* One finding: TYPE[: VALUE][: DETAIL]; value already formatted or NULL. */
static void
rollout_validate_add(struct rollout_validate_list *l, int doc, const char *field,
	const char *type, const char *value, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, type);
	if (value)
		buf_addf(&b, ": %s", value);
	if (fmt && *fmt) {
		struct buf d = BUF_INIT;
		va_list ap;
		va_start(ap, fmt);
		buf_vaddf(&d, fmt, ap);
		va_end(ap);
		if (d.len)
			buf_addf(&b, ": %s", d.buf);
		buf_release(&d);
	}
	rollout_validate_push(l, doc, field, buf_detach(&b, NULL));
}

/* Go's strconv.Quote (%q) for the ASCII escapes; UTF-8 passes through. */
static void
rollout_validate_quote(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\r': buf_adds(b, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_addf(b, "\\x%02x", *p);
			else
				buf_addch(b, (char)*p);
		}
	}
	buf_addch(b, '"');
}

/* Scratch formatting of values: a small ring so several may live in one call. */
struct rollout_validate_val {
	struct buf b[4];
	int next;
};

static const char *
rollout_validate_q(struct rollout_validate_val *v, const char *s)
{
	struct buf *b = &v->b[v->next++ % 4];
	buf_setlen(b, 0);
	rollout_validate_quote(b, s ? s : "");
	return b->buf;
}

static const char *
rollout_validate_n(struct rollout_validate_val *v, long long n)
{
	struct buf *b = &v->b[v->next++ % 4];
	buf_setlen(b, 0);
	buf_addf(b, "%lld", n);
	return b->buf;
}

/* JSON of a value as Go's json.Marshal writes it: map keys sorted. */
static void
rollout_validate_json_sorted(struct buf *b, const cJSON *j)
{
	if (!j || cJSON_IsNull(j)) {
		buf_adds(b, "null");
		return;
	}
	if (cJSON_IsObject(j)) {
		size_t n = 0, k = 0;
		const cJSON *c;
		cJSON_ArrayForEach(c, j)
			n++;
		const cJSON **keys = xmalloc((n ? n : 1) * sizeof(*keys));
		cJSON_ArrayForEach(c, j)
			keys[k++] = c;
		for (size_t i = 1; i < n; i++) {
			for (size_t m = i; m > 0 && strcmp(keys[m - 1]->string, keys[m]->string) > 0; m--) {
				const cJSON *t = keys[m];
				keys[m] = keys[m - 1];
				keys[m - 1] = t;
			}
		}
		buf_addch(b, '{');
		for (size_t i = 0; i < n; i++) {
			cJSON *key = cJSON_CreateString(keys[i]->string);
			if (i)
				buf_addch(b, ',');
			json_write(b, key);
			cJSON_Delete(key);
			buf_addch(b, ':');
			rollout_validate_json_sorted(b, keys[i]);
		}
		buf_addch(b, '}');
		free(keys);
		return;
	}
	if (cJSON_IsArray(j)) {
		const cJSON *c;
		int i = 0;
		buf_addch(b, '[');
		cJSON_ArrayForEach(c, j) {
			if (i++)
				buf_addch(b, ',');
			rollout_validate_json_sorted(b, c);
		}
		buf_addch(b, ']');
		return;
	}
	json_write(b, j);
}

static const char *
rollout_validate_j(struct rollout_validate_val *v, const cJSON *j)
{
	struct buf *b = &v->b[v->next++ % 4];
	buf_setlen(b, 0);
	rollout_validate_json_sorted(b, j);
	return b->buf;
}

/* JSON of a typed Argo or Kubernetes value (struct order, omitempty). */
static const char *
rollout_validate_m(struct rollout_validate_val *v, const cJSON *j, const char *type)
{
	struct buf *b = &v->b[v->next++ % 4];
	buf_setlen(b, 0);
	if (argo_schema_marshal(b, j, type) != 0)
		rollout_validate_json_sorted(b, j);
	return b->buf;
}

static void
rollout_validate_val_release(struct rollout_validate_val *v)
{
	for (int i = 0; i < 4; i++)
		buf_release(&v->b[i]);
}

/* A member that Go would see as set: present and not null. */
static const cJSON *
rollout_validate_get(const cJSON *obj, const char *key)
{
	const cJSON *c;
	if (!cJSON_IsObject(obj))
		return NULL;
	c = cJSON_GetObjectItemCaseSensitive(obj, key);
	return (c && !cJSON_IsNull(c)) ? c : NULL;
}

static const char *
rollout_validate_s(const cJSON *obj, const char *key)
{
	const cJSON *c = rollout_validate_get(obj, key);
	return cJSON_IsString(c) ? c->valuestring : "";
}

static long long
rollout_validate_i(const cJSON *obj, const char *key, long long def)
{
	const cJSON *c = rollout_validate_get(obj, key);
	return cJSON_IsNumber(c) ? (long long)c->valuedouble : def;
}

static size_t
rollout_validate_len(const cJSON *c)
{
	return (cJSON_IsArray(c) || cJSON_IsObject(c)) ? (size_t)cJSON_GetArraySize(c) : 0;
}

static bool
rollout_validate_str_in(const cJSON *arr, const char *s)
{
	const cJSON *c;
	if (!cJSON_IsArray(arr))
		return false;
	cJSON_ArrayForEach(c, arr) {
		if (cJSON_IsString(c) && strcmp(c->valuestring, s) == 0)
			return true;
	}
	return false;
}

static bool
rollout_validate_match(const char *re, const char *s)
{
	regex_t rx;
	bool ok;
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

/* intstr.IntOrString as getIntOrPercentValue() reads it. */
static long long
rollout_validate_intorpercent(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return (long long)v->valuedouble;
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		char *end;
		long long n;
		if (rollout_validate_match("^[0-9]+%$", s))
			return strtoll(s, NULL, 10);
		/* IntValue(): strconv.Atoi, 0 when not a whole number */
		n = strtoll(s, &end, 10);
		return (*s && !*end) ? n : 0;
	}
	return 0;
}

/* ---- label syntax (apimachinery util/validation) ---- */

#define RV_QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define RV_QNAME_MSG "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
#define RV_DNS_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define RV_DNS_SUB_FMT RV_DNS_LABEL_FMT "(\\." RV_DNS_LABEL_FMT ")*"
#define RV_DNS_SUB_MSG "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
#define RV_DNS_LABEL_MSG "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
#define RV_LABEL_VALUE_MSG "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

/* IsQualifiedName(): each message into fn. */
static void
rollout_validate_qname(const char *value, void (*fn)(void *cls, const char *msg), void *cls)
{
	const char *slash = strchr(value, '/');
	const char *name = value;
	struct buf m = BUF_INIT;
	if (slash && strchr(slash + 1, '/')) {
		fn(cls, "a qualified name " RV_QNAME_MSG " (e.g. 'MyName',  or 'my.name',  or '123-abc', "
		   "regex used for validation is '" RV_QNAME_FMT "') with an optional DNS subdomain prefix "
		   "and '/' (e.g. 'example.com/MyName')");
		return;
	}
	if (slash) {
		char *prefix = xstrndup(value, (size_t)(slash - value));
		name = slash + 1;
		if (!*prefix) {
			fn(cls, "prefix part must be non-empty");
		} else {
			if (strlen(prefix) > 253)
				fn(cls, "prefix part must be no more than 253 characters");
			if (!rollout_validate_match("^" RV_DNS_SUB_FMT "$", prefix))
				fn(cls, "prefix part " RV_DNS_SUB_MSG " (e.g. 'example.com', regex used for "
				   "validation is '" RV_DNS_SUB_FMT "')");
		}
		free(prefix);
	}
	if (!*name)
		fn(cls, "name part must be non-empty");
	else if (strlen(name) > 63)
		fn(cls, "name part must be no more than 63 characters");
	if (!rollout_validate_match("^" RV_QNAME_FMT "$", name))
		fn(cls, "name part " RV_QNAME_MSG " (e.g. 'MyName',  or 'my.name',  or '123-abc', "
		   "regex used for validation is '" RV_QNAME_FMT "')");
	buf_release(&m);
}

static void
rollout_validate_label_value(const char *value, void (*fn)(void *cls, const char *msg), void *cls)
{
	if (strlen(value) > 63)
		fn(cls, "must be no more than 63 characters");
	if (!rollout_validate_match("^(" RV_QNAME_FMT ")?$", value))
		fn(cls, RV_LABEL_VALUE_MSG " (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
		   "validation is '(" RV_QNAME_FMT ")?')");
}

struct rollout_validate_ctx {
	struct rollout_validate_list *l;
	struct rollout_validate_val v;
	int doc;
	const char *field;	/* for the label callbacks */
	const char *value;
	struct buf path;
};

static void
rollout_validate_label_msg(void *cls, const char *msg)
{
	struct rollout_validate_ctx *c = cls;
	rollout_validate_add(c->l, c->doc, c->field, RV_INVALID, rollout_validate_q(&c->v, c->value), "%s", msg);
}

/* ValidateLabels(): keys in Go's map order, which is random: sorted here. */
static void
rollout_validate_labels(struct rollout_validate_ctx *c, const cJSON *labels, const char *field)
{
	const cJSON *kv;
	if (!cJSON_IsObject(labels))
		return;
	cJSON_ArrayForEach(kv, labels) {
		c->field = field;
		c->value = kv->string;
		rollout_validate_qname(kv->string, rollout_validate_label_msg, c);
		c->value = cJSON_IsString(kv) ? kv->valuestring : "";
		rollout_validate_label_value(c->value, rollout_validate_label_msg, c);
	}
}

/* ValidateLabelSelector() with the default options. */
static void
rollout_validate_selector(struct rollout_validate_ctx *c, const cJSON *sel)
{
	const cJSON *exprs = rollout_validate_get(sel, "matchExpressions");
	const cJSON *e;
	int i = 0;
	char f[128];
	rollout_validate_labels(c, rollout_validate_get(sel, "matchLabels"), "spec.selector.matchLabels");
	cJSON_ArrayForEach(e, exprs) {
		const char *op = rollout_validate_s(e, "operator");
		size_t nv = rollout_validate_len(rollout_validate_get(e, "values"));
		const cJSON *val;
		int vi = 0;
		if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
			if (nv == 0) {
				snprintf(f, sizeof(f), "spec.selector.matchExpressions[%d].values", i);
				rollout_validate_add(c->l, c->doc, f, RV_REQUIRED, NULL,
					"must be specified when `operator` is 'In' or 'NotIn'");
			}
		} else if (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0) {
			if (nv > 0) {
				snprintf(f, sizeof(f), "spec.selector.matchExpressions[%d].values", i);
				rollout_validate_add(c->l, c->doc, f, RV_FORBIDDEN, NULL,
					"may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
			}
		} else {
			snprintf(f, sizeof(f), "spec.selector.matchExpressions[%d].operator", i);
			rollout_validate_add(c->l, c->doc, f, RV_INVALID, rollout_validate_q(&c->v, op),
				"not a valid selector operator");
		}
		snprintf(f, sizeof(f), "spec.selector.matchExpressions[%d].key", i);
		c->field = f;
		c->value = rollout_validate_s(e, "key");
		rollout_validate_qname(c->value, rollout_validate_label_msg, c);
		cJSON_ArrayForEach(val, rollout_validate_get(e, "values")) {
			char vf[160];
			snprintf(vf, sizeof(vf), "spec.selector.matchExpressions[%d].values[%d]", i, vi++);
			c->field = vf;
			c->value = cJSON_IsString(val) ? val->valuestring : "";
			rollout_validate_label_value(c->value, rollout_validate_label_msg, c);
		}
		i++;
	}
}

/* The JSON of a metav1.LabelSelector. */
static const char *
rollout_validate_selector_json(struct rollout_validate_ctx *c, const cJSON *sel)
{
	return rollout_validate_m(&c->v, sel, "meta.LabelSelector");
}

/* The pod template checks of ValidatePodTemplateSpecForReplicaSet() that a
 * Rollout's template meets in practice. */
static void
rollout_validate_template(struct rollout_validate_ctx *c, const cJSON *tmpl, const struct selector *sel)
{
	const cJSON *md = rollout_validate_get(tmpl, "metadata");
	const cJSON *labels = rollout_validate_get(md, "labels");
	const cJSON *spec = rollout_validate_get(tmpl, "spec");
	const cJSON *ctrs = rollout_validate_get(spec, "containers");
	const cJSON *ctr;
	char f[128];
	int i = 0;

	/* no selector is labels.Nothing(), which matches nothing */
	if (!sel || (!selector_empty(sel) && !selector_match(sel, labels)))
		rollout_validate_add(c->l, c->doc, "spec.template.metadata.labels", RV_INVALID,
			rollout_validate_j(&c->v, labels), "`selector` does not match template `labels`");
	rollout_validate_labels(c, labels, "spec.template.metadata.labels");
	if (rollout_validate_len(ctrs) == 0)
		rollout_validate_add(c->l, c->doc, "spec.template.spec.containers", RV_REQUIRED, NULL, NULL);
	cJSON_ArrayForEach(ctr, ctrs) {
		const char *name = rollout_validate_s(ctr, "name");
		const cJSON *prev;
		int j = 0;
		snprintf(f, sizeof(f), "spec.template.spec.containers[%d].name", i);
		if (!*name) {
			rollout_validate_add(c->l, c->doc, f, RV_REQUIRED, NULL, NULL);
		} else {
			if (strlen(name) > 63)
				rollout_validate_add(c->l, c->doc, f, RV_INVALID, rollout_validate_q(&c->v, name),
					"must be no more than 63 characters");
			if (!rollout_validate_match("^" RV_DNS_LABEL_FMT "$", name))
				rollout_validate_add(c->l, c->doc, f, RV_INVALID, rollout_validate_q(&c->v, name),
					RV_DNS_LABEL_MSG " (e.g. 'my-name',  or '123-abc', regex used for validation is '"
					RV_DNS_LABEL_FMT "')");
			cJSON_ArrayForEach(prev, ctrs) {
				if (j++ >= i)
					break;
				if (strcmp(rollout_validate_s(prev, "name"), name) == 0) {
					rollout_validate_add(c->l, c->doc, f, RV_DUPLICATE,
						rollout_validate_q(&c->v, name), NULL);
					break;
				}
			}
		}
		if (!*rollout_validate_s(ctr, "image")) {
			snprintf(f, sizeof(f), "spec.template.spec.containers[%d].image", i);
			rollout_validate_add(c->l, c->doc, f, RV_REQUIRED, NULL, NULL);
		}
		i++;
	}
	if (*rollout_validate_s(spec, "restartPolicy") && strcmp(rollout_validate_s(spec, "restartPolicy"), "Always") != 0)
		rollout_validate_add(c->l, c->doc, "spec.template.spec.restartPolicy", RV_UNSUPPORTED,
			rollout_validate_q(&c->v, rollout_validate_s(spec, "restartPolicy")),
			"supported values: \"Always\"");
	if (rollout_validate_get(spec, "activeDeadlineSeconds"))
		rollout_validate_add(c->l, c->doc, "spec.template.spec.activeDeadlineSeconds", RV_INVALID,
			rollout_validate_j(&c->v, rollout_validate_get(spec, "activeDeadlineSeconds")),
			"activeDeadlineSeconds in ReplicaSet is not Supported");
}

static void
rollout_validate_nonneg(struct rollout_validate_ctx *c, const char *field, long long v)
{
	if (v < 0)
		rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_n(&c->v, v), RV_NEGATIVE);
}

static void
rollout_validate_antiaffinity(struct rollout_validate_ctx *c, const cJSON *aa, const char *field)
{
	const cJSON *pref, *req;
	char f[128];
	if (!aa)
		return;
	pref = rollout_validate_get(aa, "preferredDuringSchedulingIgnoredDuringExecution");
	req = rollout_validate_get(aa, "requiredDuringSchedulingIgnoredDuringExecution");
	if ((!pref && !req) || (pref && req)) {
		char val[200];
		snprintf(val, sizeof(val), "antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution: %s "
			 "antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution: %s",
			 pref ? "true" : "false", req ? "true" : "false");
		rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_q(&c->v, val),
			"AntiAffinity must have exactly one strategy listed");
	}
	if (pref) {
		long long w = rollout_validate_i(pref, "weight", 0);
		if (w < 1 || w > 100) {
			snprintf(f, sizeof(f), "%s.weight", field);
			rollout_validate_add(c->l, c->doc, f, RV_INVALID, rollout_validate_n(&c->v, w),
				"AntiAffinity weight must be between 1-100");
		}
	}
}

/* RolloutPause.DurationSeconds() */
static long long
rollout_validate_pause_seconds(const cJSON *pause)
{
	const cJSON *d = rollout_validate_get(pause, "duration");
	if (!d)
		return 0;
	if (cJSON_IsNumber(d))
		return (long long)d->valuedouble;
	if (cJSON_IsString(d)) {
		char *end;
		char err[128]; /* checksrc: bounded (the text is not used) */
		long long n = strtoll(d->valuestring, &end, 10), ms;
		if (*d->valuestring && !*end)
			return n;
		if (timeutil_parse_duration(d->valuestring, &ms, err, sizeof(err)) != 0)
			return -1;
		return ms / 1000;
	}
	return 0;
}

static void
rollout_validate_stringmatch(struct rollout_validate_ctx *c, const cJSON *m, const char *field, bool alb)
{
	int n = 0;
	if (!m) {
		rollout_validate_add(c->l, c->doc, field, RV_INVALID, "null", RV_STR_MISSED);
		return;
	}
	if (alb) {
		if (!*rollout_validate_s(m, "exact") || *rollout_validate_s(m, "regex") || *rollout_validate_s(m, "prefix"))
			rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_m(&c->v, m, "argo.StringMatch"),
				"SetHeaderRoute match value invalid. ALB supports 'exact' value only");
		return;
	}
	n += *rollout_validate_s(m, "exact") != '\0';
	n += *rollout_validate_s(m, "regex") != '\0';
	n += *rollout_validate_s(m, "prefix") != '\0';
	if (n > 1)
		rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_m(&c->v, m, "argo.StringMatch"), RV_STR_MULTI);
	if (n == 0)
		rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_m(&c->v, m, "argo.StringMatch"), RV_STR_MISSED);
}

static bool
rollout_validate_managed_route(const cJSON *tr, const char *name)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, rollout_validate_get(tr, "managedRoutes")) {
		if (strcmp(rollout_validate_s(r, "name"), name) == 0)
			return true;
	}
	return false;
}

static void
rollout_validate_count_msg(void *cls, const char *msg)
{
	(void)msg;
	(*(int *)cls)++;
}

/* fieldpath.ExtractFieldPathAsString() on a Rollout: whether it resolves. */
static bool
rollout_validate_fieldpath_ok(const char *fp)
{
	size_t n = strlen(fp);
	static const char *plain[] = { "metadata.annotations", "metadata.labels", "metadata.name",
		"metadata.namespace", "metadata.uid" };
	const char *open = strstr(fp, "['");
	if (n >= 2 && strcmp(fp + n - 2, "']") == 0 && open && open != fp) {
		size_t pl = (size_t)(open - fp);
		int bad = 0;
		char *sub;
		if (!((pl == 20 && strncmp(fp, "metadata.annotations", pl) == 0) ||
		      (pl == 15 && strncmp(fp, "metadata.labels", pl) == 0)))
			return false;
		sub = xstrndup(open + 2, n - pl - 4);
		for (char *p = sub; *p; p++)
			*p = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
		rollout_validate_qname(sub, rollout_validate_count_msg, &bad);
		free(sub);
		return bad == 0;
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(fp, plain[i]) == 0)
			return true;
	}
	return false;
}

static void
rollout_validate_args_into(cJSON *all, const cJSON *args)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, args)
		cJSON_AddItemToArray(all, cJSON_Duplicate(a, 1));
}

static void
rollout_validate_step(struct rollout_validate_ctx *c, const cJSON *canary, const cJSON *step, int i,
	long long maxw)
{
	const cJSON *tr = rollout_validate_get(canary, "trafficRouting");
	const cJSON *sw = rollout_validate_get(step, "setWeight");
	const cJSON *pause = rollout_validate_get(step, "pause");
	const cJSON *exp = rollout_validate_get(step, "experiment");
	const cJSON *an = rollout_validate_get(step, "analysis");
	const cJSON *scs = rollout_validate_get(step, "setCanaryScale");
	const cJSON *shr = rollout_validate_get(step, "setHeaderRoute");
	const cJSON *smr = rollout_validate_get(step, "setMirrorRoute");
	const cJSON *plugin = rollout_validate_get(step, "plugin");
	char sp[64], f[192];
	int kinds = (sw != NULL) + (pause != NULL) + (exp != NULL) + (an != NULL);

	snprintf(sp, sizeof(sp), "spec.strategy.steps[%d]", i);
	if (kinds > 1) {
		char val[160];
		snprintf(val, sizeof(val), "step.Experiment: %s step.Pause: %s step.SetWeight: %s step.Analysis: %s",
			 exp ? "true" : "false", pause ? "true" : "false", sw ? "true" : "false", an ? "true" : "false");
		rollout_validate_add(c->l, c->doc, sp, RV_INVALID, rollout_validate_q(&c->v, val), RV_STEP);
	}
	if (!exp && !pause && !sw && !an && !scs && !shr && !smr && !plugin) {
		rollout_validate_add(c->l, c->doc, sp, RV_INVALID, rollout_validate_q(&c->v,
			"step.Experiment: true step.Pause: true step.SetWeight: true step.Analysis: true "
			"step.SetCanaryScale: true step.SetHeaderRoute: true step.SetMirrorRoute: true step.Plugin: true"),
			RV_STEP);
	}
	if (sw) {
		long long w = cJSON_IsNumber(sw) ? (long long)sw->valuedouble : 0;
		if (w < 0 || w > maxw) {
			snprintf(f, sizeof(f), "%s.setWeight", sp);
			rollout_validate_add(c->l, c->doc, f, RV_INVALID, rollout_validate_n(&c->v, w),
				"SetWeight needs to be between 0 and %lld", maxw);
		}
	}
	if (pause && rollout_validate_pause_seconds(pause) < 0) {
		snprintf(f, sizeof(f), "%s.pause.duration", sp);
		rollout_validate_add(c->l, c->doc, f, RV_INVALID,
			rollout_validate_n(&c->v, rollout_validate_pause_seconds(pause)),
			"Duration needs to be greater than 0");
	}
	if (scs && !tr)
		rollout_validate_add(c->l, c->doc, "spec.strategy.trafficRouting", RV_REQUIRED, NULL,
			"SetCanaryScale requires TrafficRouting to be set");
	if (shr) {
		snprintf(f, sizeof(f), "%s.setHeaderRoute", sp);
		if (!tr || (!rollout_validate_get(tr, "istio") && !rollout_validate_get(tr, "alb") &&
			    !rollout_validate_get(tr, "apisix") && rollout_validate_len(rollout_validate_get(tr, "plugins")) == 0)) {
			rollout_validate_add(c->l, c->doc, f, RV_INVALID, rollout_validate_m(&c->v, shr, "argo.SetHeaderRoute"),
				"SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix");
		} else {
			const cJSON *m;
			int j = 0;
			cJSON_ArrayForEach(m, rollout_validate_get(shr, "match")) {
				snprintf(f, sizeof(f), "%s.setHeaderRoute.match[%d]", sp, j++);
				rollout_validate_stringmatch(c, rollout_validate_get(m, "headerValue"), f,
					rollout_validate_get(tr, "alb") != NULL);
			}
		}
	}
	if (smr) {
		const cJSON *m;
		int j = 0;
		snprintf(f, sizeof(f), "%s.setMirrorRoute", sp);
		if (!tr || !rollout_validate_get(tr, "istio"))
			rollout_validate_add(c->l, c->doc, f, RV_INVALID, rollout_validate_m(&c->v, smr, "argo.SetMirrorRoute"),
				"SetMirrorRoute requires TrafficRouting, supports Istio only");
		cJSON_ArrayForEach(m, rollout_validate_get(smr, "match")) {
			const cJSON *method = rollout_validate_get(m, "method");
			const cJSON *path = rollout_validate_get(m, "path");
			snprintf(f, sizeof(f), "%s.setMirrorRoute.match[%d]", sp, j++);
			/* Argo checks method twice */
			if (method)
				rollout_validate_stringmatch(c, method, f, false);
			if (path)
				rollout_validate_stringmatch(c, path, f, false);
			if (method)
				rollout_validate_stringmatch(c, method, f, false);
		}
	}
	if (tr && (shr || smr) && !rollout_validate_get(tr, "managedRoutes"))
		rollout_validate_add(c->l, c->doc, "spec.strategy.trafficRouting.managedRoutes", RV_REQUIRED,
			NULL, RV_MISSING, "spec.strategy.canary.trafficRouting.managedRoutes");
	if (tr && rollout_validate_get(tr, "managedRoutes")) {
		static const char *kinds2[] = { "setHeaderRoute", "setMirrorRoute" };
		const cJSON *r2[] = { shr, smr };
		for (int k = 0; k < 2; k++) {
			if (r2[k] && !rollout_validate_managed_route(tr, rollout_validate_s(r2[k], "name"))) {
				snprintf(f, sizeof(f), "%s.%s", sp, kinds2[k]);
				rollout_validate_add(c->l, c->doc, f, RV_INVALID,
					rollout_validate_q(&c->v, rollout_validate_s(r2[k], "name")),
					"Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes");
			}
		}
	}

	cJSON *args = cJSON_CreateArray();
	if (exp) {
		const cJSON *t, *a;
		int j = 0;
		cJSON_ArrayForEach(t, rollout_validate_get(exp, "templates")) {
			const cJSON *w = rollout_validate_get(t, "weight");
			if (w) {
				snprintf(f, sizeof(f), "%s.experiment.templates[%d].weight", sp, j);
				if (!tr)
					rollout_validate_add(c->l, c->doc, f, RV_INVALID,
						rollout_validate_n(&c->v, (long long)w->valuedouble),
						"Experiment template weight cannot be set unless TrafficRouting is enabled");
				else if (!rollout_validate_get(tr, "alb") && !rollout_validate_get(tr, "smi") &&
					 !rollout_validate_get(tr, "istio") &&
					 rollout_validate_len(rollout_validate_get(tr, "plugins")) == 0)
					rollout_validate_add(c->l, c->doc, f, RV_INVALID,
						rollout_validate_n(&c->v, (long long)w->valuedouble),
						"Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time");
			}
			j++;
		}
		cJSON_ArrayForEach(a, rollout_validate_get(exp, "analyses"))
			rollout_validate_args_into(args, rollout_validate_get(a, "args"));
	}
	if (an)
		rollout_validate_args_into(args, rollout_validate_get(an, "args"));
	{
		const cJSON *a;
		cJSON_ArrayForEach(a, args) {
			const char *fp = rollout_validate_s(rollout_validate_get(rollout_validate_get(a, "valueFrom"),
									"fieldRef"), "fieldPath");
			if (strncmp(fp, "metadata", 8) == 0 && !rollout_validate_fieldpath_ok(fp)) {
				snprintf(f, sizeof(f), "%s.analyses", sp);
				struct buf *b = &c->v.b[c->v.next++ % 4];
				const cJSON *x;
				int k = 0;
				buf_setlen(b, 0);
				buf_addch(b, '[');
				cJSON_ArrayForEach(x, args) {
					if (k++)
						buf_addch(b, ',');
					argo_schema_marshal(b, x, "argo.AnalysisRunArgument");
				}
				buf_addch(b, ']');
				rollout_validate_add(c->l, c->doc, f, RV_INVALID, b->buf,
					"Analyses arguments must refer to valid object metadata supported by downwardAPI");
			}
		}
	}
	cJSON_Delete(args);
}

static bool
rollout_validate_needs_services(const cJSON *canary)
{
	const cJSON *tr = rollout_validate_get(canary, "trafficRouting");
	const cJSON *pp = rollout_validate_get(canary, "pingPong");
	const cJSON *istio;
	if (!tr)
		return false;
	istio = rollout_validate_get(tr, "istio");
	return (rollout_validate_get(tr, "alb") && !pp) ||
	       (istio && !rollout_validate_get(istio, "destinationRule") && !pp) ||
	       rollout_validate_get(tr, "smi") || rollout_validate_get(tr, "apisix") ||
	       rollout_validate_get(tr, "ambassador") || rollout_validate_get(tr, "nginx") ||
	       rollout_validate_get(tr, "appMesh") || rollout_validate_get(tr, "traefik");
}

static void
rollout_validate_canary(struct rollout_validate_ctx *c, const cJSON *canary, long long rhl)
{
	const cJSON *ms = rollout_validate_get(canary, "maxSurge");
	const cJSON *mu = rollout_validate_get(canary, "maxUnavailable");
	const cJSON *pp = rollout_validate_get(canary, "pingPong");
	const cJSON *tr = rollout_validate_get(canary, "trafficRouting");
	const char *cs = rollout_validate_s(canary, "canaryService");
	const char *ss = rollout_validate_s(canary, "stableService");
	const cJSON *step;
	long long maxw = 100;
	int i = 0;
	(void)rhl;

	if (ms && mu && rollout_validate_intorpercent(ms) == 0 && rollout_validate_intorpercent(mu) == 0)
		rollout_validate_add(c->l, c->doc, "spec.strategy.maxSurge", RV_INVALID, rollout_validate_j(&c->v, ms),
			"MaxSurge and MaxUnavailable both can not be zero");
	if (*cs && *ss && strcmp(cs, ss) == 0)
		rollout_validate_add(c->l, c->doc, "spec.strategy.stableService", RV_INVALID,
			rollout_validate_q(&c->v, ss),
			"This rollout uses the same service for the stable and canary services, but two different services are required.");
	if (pp) {
		const char *ping = rollout_validate_s(pp, "pingService");
		const char *pong = rollout_validate_s(pp, "pongService");
		const cJSON *alb = rollout_validate_get(tr, "alb");
		if (tr && !alb && !rollout_validate_get(tr, "istio"))
			rollout_validate_add(c->l, c->doc, "spec.strategy.trafficRouting.alb", RV_INVALID, "null",
				"Ping-pong feature works with the ALB and Istio traffic routers only");
		if (!*ping)
			rollout_validate_add(c->l, c->doc, "spec.strategy.pingPong.pingService", RV_INVALID,
				rollout_validate_q(&c->v, ping), RV_PINGPONG);
		if (!*pong)
			rollout_validate_add(c->l, c->doc, "spec.strategy.pingPong.pongService", RV_INVALID,
				rollout_validate_q(&c->v, pong), RV_PINGPONG);
		if (strcmp(ping, pong) == 0)
			rollout_validate_add(c->l, c->doc, "spec.strategy.pingPong.pingService", RV_INVALID,
				rollout_validate_q(&c->v, ping),
				"This rollout uses the same service for the ping and pong services, but two different services are required.");
		if (alb && !*rollout_validate_s(alb, "rootService"))
			rollout_validate_add(c->l, c->doc, "spec.strategy.trafficRouting.alb.rootService", RV_INVALID,
				rollout_validate_q(&c->v, ""),
				"Root service field is required for the configuration with ALB and ping-pong feature enabled");
	}
	if (rollout_validate_needs_services(canary)) {
		if (!*ss)
			rollout_validate_add(c->l, c->doc, "spec.strategy.stableService", RV_INVALID,
				rollout_validate_q(&c->v, ss), RV_TRAFFIC);
		if (!*cs)
			rollout_validate_add(c->l, c->doc, "spec.strategy.canaryService", RV_INVALID,
				rollout_validate_q(&c->v, cs), RV_TRAFFIC);
	}
	if (!tr) {
		const cJSON *sdd = rollout_validate_get(canary, "scaleDownDelaySeconds");
		if (sdd)
			rollout_validate_add(c->l, c->doc, "spec.strategy.scaleDownDelaySeconds", RV_INVALID,
				rollout_validate_j(&c->v, sdd), "Canary scaleDownDelaySeconds can only be used with traffic routing");
		if (cJSON_IsTrue(rollout_validate_get(canary, "dynamicStableScale")))
			rollout_validate_add(c->l, c->doc, "spec.strategy.dynamicStableScale", RV_INVALID, "true",
				"Canary dynamicStableScale can only be used with traffic routing");
	} else {
		const cJSON *mtw = rollout_validate_get(tr, "maxTrafficWeight");
		if (rollout_validate_get(canary, "scaleDownDelaySeconds") &&
		    cJSON_IsTrue(rollout_validate_get(canary, "dynamicStableScale")))
			rollout_validate_add(c->l, c->doc, "spec.strategy.dynamicStableScale", RV_INVALID, "true",
				"Canary dynamicStableScale cannot be used with scaleDownDelaySeconds");
		if (mtw && !rollout_validate_get(tr, "nginx") && rollout_validate_len(rollout_validate_get(tr, "plugins")) == 0)
			rollout_validate_add(c->l, c->doc, "spec.strategy.trafficRouting.maxTrafficWeight", RV_INVALID,
				rollout_validate_j(&c->v, mtw),
				"Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins");
		if (mtw)
			maxw = cJSON_IsNumber(mtw) ? (long long)mtw->valuedouble : 0;
	}
	cJSON_ArrayForEach(step, rollout_validate_get(canary, "steps"))
		rollout_validate_step(c, canary, step, i++, maxw);
	rollout_validate_antiaffinity(c, rollout_validate_get(canary, "antiAffinity"), "spec.strategy.antiAffinity");
}

int
rollout_validate_spec(const cJSON *ro, int doc, struct rollout_validate_list *out)
{
	struct rollout_validate_ctx c;
	const cJSON *spec = rollout_validate_get(ro, "spec");
	const cJSON *sel = rollout_validate_get(spec, "selector");
	const cJSON *wref = rollout_validate_get(spec, "workloadRef");
	const cJSON *tmpl = rollout_validate_get(spec, "template");
	const cJSON *strategy = rollout_validate_get(spec, "strategy");
	const cJSON *bg = rollout_validate_get(strategy, "blueGreen");
	const cJSON *canary = rollout_validate_get(strategy, "canary");
	size_t before = out->n;
	long long mrs = rollout_validate_i(spec, "minReadySeconds", 0);
	long long rhl = rollout_validate_i(spec, "revisionHistoryLimit", 10);
	long long pds = rollout_validate_i(spec, "progressDeadlineSeconds", 600);
	struct selector *s = NULL;
	struct pd_err e = { 0 };

	memset(&c, 0, sizeof(c));
	c.l = out;
	c.doc = doc;
	rollout_validate_nonneg(&c, "spec.replicas", rollout_validate_i(spec, "replicas", 1));
	if (!wref) {
		if (!sel) {
			rollout_validate_add(out, doc, "spec.selector", RV_REQUIRED, NULL, RV_MISSING, ".spec.selector");
		} else {
			rollout_validate_selector(&c, sel);
			if (rollout_validate_len(rollout_validate_get(sel, "matchLabels")) +
			    rollout_validate_len(rollout_validate_get(sel, "matchExpressions")) == 0)
				rollout_validate_add(out, doc, "spec.selector", RV_INVALID, rollout_validate_selector_json(&c, sel),
					"empty selector is invalid for deployment");
		}
	}
	if (wref) {
		const cJSON *md = rollout_validate_get(tmpl, "metadata");
		if (rollout_validate_len(rollout_validate_get(md, "labels")) ||
		    rollout_validate_len(rollout_validate_get(md, "annotations")))
			rollout_validate_add(out, doc, "spec.template", RV_INTERNAL, NULL,
				"template must be empty for workload reference rollout");
	}
	if (sel)
		s = selector_from_json(sel, &e);
	if (sel && !s) {
		rollout_validate_add(out, doc, "spec.selector", RV_INVALID, rollout_validate_selector_json(&c, sel),
			"invalid label selector");
	} else if (!wref) {
		rollout_validate_template(&c, tmpl, s);
	}
	selector_free(s);
	rollout_validate_nonneg(&c, "spec.minReadySeconds", mrs);
	rollout_validate_nonneg(&c, "spec.revisionHistoryLimit", rhl);
	rollout_validate_nonneg(&c, "spec.progressDeadlineSeconds", pds);
	if (pds <= mrs)
		rollout_validate_add(out, doc, "spec.progressDeadlineSeconds", RV_INVALID, rollout_validate_n(&c.v, pds),
			"must be greater than minReadySeconds");

	if (!bg && !canary) {
		rollout_validate_add(out, doc, "spec.strategy.strategy", RV_REQUIRED, NULL, RV_MISSING,
			".spec.strategy.canary or .spec.strategy.blueGreen");
	} else if (bg && canary) {
		rollout_validate_add(out, doc, "spec.strategy.strategy", RV_INVALID,
			rollout_validate_q(&c.v, "blueGreen: true canary: true"), "Multiple Strategies can not be listed");
	} else if (bg) {
		const char *as = rollout_validate_s(bg, "activeService");
		const cJSON *sdl = rollout_validate_get(bg, "scaleDownDelayRevisionLimit");
		if (strcmp(as, rollout_validate_s(bg, "previewService")) == 0)
			rollout_validate_add(out, doc, "spec.strategy.activeService", RV_INVALID, rollout_validate_q(&c.v, as),
				"This rollout uses the same service for the active and preview services, but two different services are required.");
		if (sdl && cJSON_IsNumber(sdl) && rhl < (long long)sdl->valuedouble)
			rollout_validate_add(out, doc, "spec.strategy.scaleDownDelayRevisionLimit", RV_INVALID,
				rollout_validate_n(&c.v, (long long)sdl->valuedouble),
				"This rollout's revision history limit can not be smaller than the rollout's scale down limit");
		rollout_validate_antiaffinity(&c, rollout_validate_get(bg, "antiAffinity"), "spec.strategy.antiAffinity");
	} else {
		rollout_validate_canary(&c, canary, rhl);
	}
	rollout_validate_val_release(&c.v);
	buf_release(&c.path);
	return (int)(out->n - before);
}

/* ---- lint: the references inside one file ---- */

enum rollout_validate_svc_type {
	RV_SVC_NONE, RV_SVC_CANARY, RV_SVC_STABLE, RV_SVC_PING, RV_SVC_PONG, RV_SVC_ACTIVE, RV_SVC_PREVIEW
};

struct rollout_validate_ref {
	const cJSON *obj;
	const char *name;
	const char *managed;	/* the managed-by annotation as lint sets it, or NULL */
	int type;		/* services: enum rollout_validate_svc_type; ingresses: 1 for v1beta1 */
};

struct rollout_validate_refs {
	struct rollout_validate_ref *v;
	size_t n, alloc;
};

static void
rollout_validate_ref_add(struct rollout_validate_refs *r, const cJSON *obj, int type)
{
	const cJSON *md = rollout_validate_get(obj, "metadata");
	const char *m = rollout_validate_s(rollout_validate_get(md, "annotations"), RV_MANAGED_BY);
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 8;
		r->v = xrealloc(r->v, r->alloc * sizeof(*r->v));
	}
	r->v[r->n].obj = obj;
	r->v[r->n].name = rollout_validate_s(md, "name");
	r->v[r->n].managed = rollout_validate_get(rollout_validate_get(md, "annotations"), RV_MANAGED_BY) ? m : NULL;
	r->v[r->n].type = type;
	r->n++;
}

/* ingressutil.HasRuleWithService() */
static bool
rollout_validate_ingress_has(const struct rollout_validate_ref *ing, const char *svc)
{
	const cJSON *rule, *path;
	cJSON_ArrayForEach(rule, rollout_validate_get(rollout_validate_get(ing->obj, "spec"), "rules")) {
		cJSON_ArrayForEach(path, rollout_validate_get(rollout_validate_get(rule, "http"), "paths")) {
			const cJSON *be = rollout_validate_get(path, "backend");
			if (ing->type == 1) {
				if (strcmp(rollout_validate_s(be, "serviceName"), svc) == 0)
					return true;
			} else if (rollout_validate_get(be, "service") &&
				   strcmp(rollout_validate_s(rollout_validate_get(be, "service"), "name"), svc) == 0) {
				return true;
			}
		}
	}
	return false;
}

#define RV_CANARY(ro) rollout_validate_get(rollout_validate_get(rollout_validate_get(ro, "spec"), "strategy"), "canary")
#define RV_BLUEGREEN(ro) rollout_validate_get(rollout_validate_get(rollout_validate_get(ro, "spec"), "strategy"), "blueGreen")

static const char *
rollout_validate_name(const cJSON *obj)
{
	return rollout_validate_s(rollout_validate_get(obj, "metadata"), "name");
}

/* lint.go: setServiceTypeAndManagedAnnotation, setIngressManagedAnnotation,
 * setVirtualServiceManagedAnnotation (their early returns included). */
static void
rollout_validate_mark(const cJSON **ros, size_t nro, struct rollout_validate_refs *svcs,
	struct rollout_validate_refs *ings, struct rollout_validate_refs *vss)
{
	for (size_t r = 0; r < nro; r++) {
		const cJSON *canary = RV_CANARY(ros[r]), *bg = RV_BLUEGREEN(ros[r]);
		const char *name = rollout_validate_name(ros[r]);
		for (size_t i = 0; i < svcs->n; i++) {
			struct rollout_validate_ref *s = &svcs->v[i];
			if (canary) {
				const cJSON *pp = rollout_validate_get(canary, "pingPong");
				if (strcmp(rollout_validate_s(canary, "canaryService"), s->name) == 0) {
					s->type = RV_SVC_CANARY;
					s->managed = name;
				}
				if (strcmp(rollout_validate_s(canary, "stableService"), s->name) == 0) {
					s->type = RV_SVC_STABLE;
					s->managed = name;
				}
				if (pp && strcmp(rollout_validate_s(pp, "pingService"), s->name) == 0) {
					s->type = RV_SVC_PING;
					s->managed = name;
				}
				if (pp && strcmp(rollout_validate_s(pp, "pongService"), s->name) == 0) {
					s->type = RV_SVC_PONG;
					s->managed = name;
				}
			}
			if (bg) {
				if (strcmp(rollout_validate_s(bg, "activeService"), s->name) == 0) {
					s->type = RV_SVC_ACTIVE;
					s->managed = name;
				}
				if (strcmp(rollout_validate_s(bg, "previewService"), s->name) == 0) {
					s->type = RV_SVC_PREVIEW;
					s->managed = name;
				}
			}
		}
	}
	for (size_t r = 0; r < nro; r++) {
		const cJSON *canary = RV_CANARY(ros[r]);
		const cJSON *tr = rollout_validate_get(canary, "trafficRouting");
		for (size_t i = 0; i < ings->n; i++) {
			const char *svc = "";
			if (!canary || !tr)
				goto vsvc;
			if (rollout_validate_get(tr, "nginx")) {
				svc = rollout_validate_s(canary, "stableService");
			} else if (rollout_validate_get(tr, "alb")) {
				svc = rollout_validate_s(canary, "stableService");
				if (*rollout_validate_s(rollout_validate_get(tr, "alb"), "rootService"))
					svc = rollout_validate_s(rollout_validate_get(tr, "alb"), "rootService");
			} else if (rollout_validate_get(tr, "smi")) {
				svc = rollout_validate_s(rollout_validate_get(tr, "smi"), "rootService");
			}
			if (rollout_validate_ingress_has(&ings->v[i], svc))
				ings->v[i].managed = rollout_validate_name(ros[r]);
		}
	}
vsvc:
	for (size_t r = 0; r < nro; r++) {
		const cJSON *istio = rollout_validate_get(rollout_validate_get(RV_CANARY(ros[r]), "trafficRouting"), "istio");
		for (size_t i = 0; i < vss->n; i++) {
			const cJSON *vs;
			if (!istio)
				return;
			vs = rollout_validate_get(istio, "virtualService");
			if (vs && strcmp(rollout_validate_s(vs, "name"), vss->v[i].name) == 0)
				vss->v[i].managed = rollout_validate_name(ros[r]);
			cJSON_ArrayForEach(vs, rollout_validate_get(istio, "virtualServices")) {
				if (strcmp(rollout_validate_s(vs, "name"), vss->v[i].name) == 0)
					vss->v[i].managed = rollout_validate_name(ros[r]);
			}
		}
	}
}

static const char *
rollout_validate_svc_field(int type)
{
	switch (type) {
	case RV_SVC_ACTIVE: return "spec.strategy.blueGreen.activeService";
	case RV_SVC_PREVIEW: return "spec.strategy.blueGreen.previewService";
	case RV_SVC_CANARY: return "spec.strategy.canary.canaryService";
	case RV_SVC_STABLE: return "spec.strategy.canary.stableService";
	case RV_SVC_PING: return "spec.strategy.canary.pingPong.pingService";
	case RV_SVC_PONG: return "spec.strategy.canary.pingPong.pongService";
	default: return NULL;
	}
}

/* ValidateService(): the selector's labels against the template's, sorted. */
static void
rollout_validate_service(struct rollout_validate_ctx *c, const cJSON *ro, const struct rollout_validate_ref *s)
{
	const char *field = rollout_validate_svc_field(s->type);
	const cJSON *sel = rollout_validate_get(rollout_validate_get(s->obj, "spec"), "selector");
	const cJSON *labels = rollout_validate_get(rollout_validate_get(rollout_validate_get(
		rollout_validate_get(ro, "spec"), "template"), "metadata"), "labels");
	const cJSON *kv;
	cJSON *sorted;
	if (!field || !cJSON_IsObject(sel))
		return;
	sorted = cJSON_CreateArray();
	cJSON_ArrayForEach(kv, sel)
		cJSON_AddItemToArray(sorted, cJSON_CreateString(kv->string));
	for (int i = 1; i < cJSON_GetArraySize(sorted); i++) {
		for (int j = i; j > 0; j--) {
			cJSON *a = cJSON_GetArrayItem(sorted, j - 1), *b = cJSON_GetArrayItem(sorted, j);
			if (strcmp(a->valuestring, b->valuestring) <= 0)
				break;
			char *t = a->valuestring;
			a->valuestring = b->valuestring;
			b->valuestring = t;
		}
	}
	cJSON_ArrayForEach(kv, sorted) {
		const char *key = kv->valuestring;
		const cJSON *want = cJSON_GetObjectItemCaseSensitive(sel, key);
		const cJSON *have = rollout_validate_get(labels, key);
		const char *wv = cJSON_IsString(want) ? want->valuestring : "";
		struct buf m = BUF_INIT;
		if (strcmp(key, RV_HASH_LABEL) == 0)
			continue;
		if (have && strcmp(cJSON_IsString(have) ? have->valuestring : "", wv) == 0)
			continue;
		buf_adds(&m, "Service ");
		rollout_validate_quote(&m, s->name);
		buf_adds(&m, " has unmatch label ");
		rollout_validate_quote(&m, key);
		buf_adds(&m, " in rollout");
		rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_q(&c->v, s->name), "%s", m.buf);
		buf_release(&m);
	}
	cJSON_Delete(sorted);
}

/* ValidateIngress() */
static void
rollout_validate_ingress(struct rollout_validate_ctx *c, const cJSON *ro, const struct rollout_validate_ref *ing)
{
	const cJSON *canary = RV_CANARY(ro);
	const cJSON *tr = rollout_validate_get(canary, "trafficRouting");
	const cJSON *nginx = rollout_validate_get(tr, "nginx");
	const cJSON *alb = rollout_validate_get(tr, "alb");
	const char *field = NULL, *svc = rollout_validate_s(canary, "stableService"), *iname = NULL;

	if (nginx && (strcmp(rollout_validate_s(nginx, "stableIngress"), ing->name) == 0 ||
		      rollout_validate_str_in(rollout_validate_get(nginx, "stableIngresses"), ing->name))) {
		if (rollout_validate_str_in(rollout_validate_get(nginx, "stableIngresses"), ing->name)) {
			field = "spec.strategy.canary.trafficRouting.nginx.stableIngresses";
			iname = ing->name;
		} else {
			field = "spec.strategy.canary.trafficRouting.nginx.stableIngress";
			iname = rollout_validate_s(nginx, "stableIngress");
		}
	} else if (alb && (strcmp(rollout_validate_s(alb, "ingress"), ing->name) == 0 ||
			   rollout_validate_str_in(rollout_validate_get(alb, "ingresses"), ing->name))) {
		if (rollout_validate_str_in(rollout_validate_get(alb, "ingresses"), ing->name)) {
			field = "spec.strategy.canary.trafficRouting.alb.ingresses";
			iname = ing->name;
		} else {
			field = "spec.strategy.canary.trafficRouting.alb.ingress";
			iname = rollout_validate_s(alb, "ingress");
		}
		if (*rollout_validate_s(alb, "rootService"))
			svc = rollout_validate_s(alb, "rootService");
	}
	if (field && !rollout_validate_ingress_has(ing, svc))
		rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_q(&c->v, iname),
			"ingress `%s` has no rules using service %s backend", ing->name, svc);
}

/* The destinations of one VirtualService route hold the canary and the
 * stable (services, or DestinationRule subsets): NULL, or the message. */
static const char *
rollout_validate_destinations(struct buf *m, const cJSON *route, const char *stable, const char *canary,
	const cJSON *drule)
{
	bool hs = false, hc = false, hss = false, hcs = false;
	const cJSON *d;
	cJSON_ArrayForEach(d, rollout_validate_get(route, "route")) {
		const cJSON *dest = rollout_validate_get(d, "destination");
		const char *h = rollout_validate_s(dest, "host");
		const char *dot = strchr(h, '.');
		size_t hl = dot ? (size_t)(dot - h) : strlen(h);
		if (dot == h)
			hl = 0;
		if (*stable && strlen(stable) == hl && strncmp(h, stable, hl) == 0)
			hs = true;
		if (*canary && strlen(canary) == hl && strncmp(h, canary, hl) == 0)
			hc = true;
		if (drule) {
			const char *sub = rollout_validate_s(dest, "subset");
			if (*rollout_validate_s(drule, "stableSubsetName") && strcmp(sub, rollout_validate_s(drule, "stableSubsetName")) == 0)
				hss = true;
			if (*rollout_validate_s(drule, "canarySubsetName") && strcmp(sub, rollout_validate_s(drule, "canarySubsetName")) == 0)
				hcs = true;
		}
	}
	if (drule) {
		if (!hcs)
			buf_addf(m, "Canary DestinationRule subset '%s' not found in route", rollout_validate_s(drule, "canarySubsetName"));
		else if (!hss)
			buf_addf(m, "Stable DestinationRule subset '%s' not found in route", rollout_validate_s(drule, "stableSubsetName"));
	} else if (!hc) {
		buf_addf(m, "Canary Service '%s' not found in route", canary);
	} else if (!hs) {
		buf_addf(m, "Stable Service '%s' not found in route", stable);
	}
	return m->len ? m->buf : NULL;
}

/* An HTTP, TLS or TCP route list decodes into Argo's route structs. */
static bool
rollout_validate_routes_decode(const cJSON *routes)
{
	const cJSON *r, *d;
	cJSON_ArrayForEach(r, routes) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
		const cJSON *dests = cJSON_GetObjectItemCaseSensitive(r, "route");
		if (cJSON_IsNull(r))
			continue;
		if (!cJSON_IsObject(r) || (name && !cJSON_IsNull(name) && !cJSON_IsString(name)) ||
		    (dests && !cJSON_IsNull(dests) && !cJSON_IsArray(dests)))
			return false;
		cJSON_ArrayForEach(d, dests) {
			const cJSON *dest = cJSON_GetObjectItemCaseSensitive(d, "destination");
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(d, "weight");
			if (!cJSON_IsNull(d) && !cJSON_IsObject(d))
				return false;
			if (dest && !cJSON_IsNull(dest) && !cJSON_IsObject(dest))
				return false;
			if (w && !cJSON_IsNull(w) && !cJSON_IsNumber(w))
				return false;
		}
	}
	return true;
}

/* The routes of vs (tls or tcp) a rollout's tlsRoutes/tcpRoutes entry names:
 * one port, equal to the entry's, and (tls) the same SNI hosts. */
static bool
rollout_validate_port_route(const cJSON *route, const cJSON *want, bool tls)
{
	const cJSON *m, *h;
	long long port = 0;
	int nports = 0;
	cJSON *snis = cJSON_CreateObject();
	bool ok;
	cJSON_ArrayForEach(m, rollout_validate_get(route, "match")) {
		long long p = rollout_validate_i(m, "port", 0);
		if (nports == 0 || p != port)
			nports++;
		port = p;
		cJSON_ArrayForEach(h, rollout_validate_get(m, "sniHosts")) {
			if (cJSON_IsString(h) && !cJSON_GetObjectItemCaseSensitive(snis, h->valuestring))
				cJSON_AddItemToObject(snis, h->valuestring, cJSON_CreateTrue());
		}
	}
	ok = nports <= 1 && port == rollout_validate_i(want, "port", 0);
	if (ok && tls) {
		const cJSON *wh = rollout_validate_get(want, "sniHosts");
		int n = 0;
		cJSON_ArrayForEach(h, wh) {
			if (!cJSON_IsString(h) || !cJSON_GetObjectItemCaseSensitive(snis, h->valuestring))
				ok = false;
			n++;
		}
		if (n != cJSON_GetArraySize(snis))
			ok = false;
	}
	cJSON_Delete(snis);
	return ok;
}

static void
rollout_validate_vs_routes(struct buf *m, const cJSON *ro, const cJSON *vsref, const cJSON *routes,
	const char *kind)
{
	const cJSON *canary = RV_CANARY(ro);
	const cJSON *tr = rollout_validate_get(canary, "trafficRouting");
	const cJSON *drule = rollout_validate_get(rollout_validate_get(tr, "istio"), "destinationRule");
	const cJSON *pp = rollout_validate_get(canary, "pingPong");
	const char *stable = rollout_validate_s(canary, "stableService");
	const char *cname = rollout_validate_s(canary, "canaryService");
	int n = cJSON_GetArraySize(routes);
	bool http = strcmp(kind, "http") == 0;
	const cJSON *want = rollout_validate_get(vsref, http ? "routes" : strcmp(kind, "tls") == 0 ? "tlsRoutes" : "tcpRoutes");
	const cJSON *w, *r;
	int *idx = xmalloc(sizeof(int) * (size_t)(n + 1) * (size_t)(rollout_validate_len(want) + 1));
	int ni = 0;

	if (pp && !*stable && !*cname) {
		/* GetStableAndCanaryServices(ro, false): status.canary.stablePingPong is empty in a file */
		stable = rollout_validate_s(pp, "pongService");
		cname = rollout_validate_s(pp, "pingService");
	}
	if (http) {
		if (rollout_validate_len(want) == 0) {
			if (n == 1) {
				idx[ni++] = 0;
			} else {
				int i = 0;
				cJSON_ArrayForEach(r, routes) {
					if (!*rollout_validate_s(r, "name")) {
						idx[ni++] = i;
						break;
					}
					i++;
				}
			}
		}
		cJSON_ArrayForEach(w, want) {
			int i = 0, found = -1;
			cJSON_ArrayForEach(r, routes) {
				if (cJSON_IsString(w) && strcmp(rollout_validate_s(r, "name"), w->valuestring) == 0) {
					found = i;
					break;
				}
				i++;
			}
			if (found < 0) {
				buf_addf(m, "HTTP Route '%s' is not found in the defined Virtual Service.",
					 cJSON_IsString(w) ? w->valuestring : "");
				free(idx);
				return;
			}
			idx[ni++] = found;
		}
	} else if (rollout_validate_len(want) == 0) {
		if (n > 0)
			idx[ni++] = 0;
	} else {
		cJSON_ArrayForEach(w, want) {
			int i = 0, before = ni;
			cJSON_ArrayForEach(r, routes) {
				if (rollout_validate_port_route(r, w, !http && strcmp(kind, "tls") == 0))
					idx[ni++] = i;
				i++;
			}
			if (ni == before) {
				buf_addf(m, "No matching %s routes found in the defined Virtual Service.",
					 strcmp(kind, "tls") == 0 ? "TLS" : "TCP");
				free(idx);
				return;
			}
		}
	}
	for (int i = 0; i < ni; i++) {
		if (rollout_validate_destinations(m, cJSON_GetArrayItem(routes, idx[i]), stable, cname, drule)) {
			free(idx);
			return;
		}
	}
	free(idx);
	if (http) {
		int unmanaged = 0;
		cJSON_ArrayForEach(r, routes) {
			if (!rollout_validate_managed_route(tr, rollout_validate_s(r, "name")) ||
			    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "name")))
				unmanaged++;
		}
		if (rollout_validate_len(want) == 0 && unmanaged > 1)
			buf_adds(m, "spec.http[] should be set in VirtualService and it must have exactly one route when "
				 "omitting spec.strategy.canary.trafficRouting.istio.virtualService.routes");
	} else if (rollout_validate_len(want) == 0 && n > 1) {
		buf_addf(m, "spec.%s[] should be set in VirtualService and it must have exactly one route when "
			 "omitting spec.strategy.canary.trafficRouting.istio.virtualService.%sRoutes", kind, kind);
	}
}

/* ValidateVirtualService() */
static void
rollout_validate_vsvc(struct rollout_validate_ctx *c, const cJSON *ro, const struct rollout_validate_ref *vsdoc)
{
	const cJSON *istio = rollout_validate_get(rollout_validate_get(RV_CANARY(ro), "trafficRouting"), "istio");
	const cJSON *list = rollout_validate_get(istio, "virtualServices");
	const char *field = "spec.strategy.canary.trafficRouting.istio.virtualServices.name";
	const cJSON *one = NULL, *vs;
	cJSON *single = NULL;
	static const char *kinds[] = { "http", "tls", "tcp" };
	static const char *upper[] = { "HTTP", "TLS", "TCP" };

	if (!istio) {
		rollout_validate_add(c->l, c->doc, "spec.strategy.canary.trafficRouting.istio", RV_INVALID,
			rollout_validate_q(&c->v, rollout_validate_name(ro)),
			"Rollout object is not configured with Istio traffic routing");
		return;
	}
	if (!list) {
		field = "spec.strategy.canary.trafficRouting.istio.virtualService.name";
		one = rollout_validate_get(istio, "virtualService");
		if (!one)
			return;
		single = cJSON_CreateArray();
		cJSON_AddItemToArray(single, cJSON_Duplicate(one, 1));
		list = single;
	}
	cJSON_ArrayForEach(vs, list) {
		const char *full = rollout_validate_s(vs, "name");
		const char *dot = strchr(full, '.');
		char *name = dot ? xstrndup(full, (size_t)(dot - full)) : xstrdup(full);
		const cJSON *spec = rollout_validate_get(vsdoc->obj, "spec");
		const cJSON *routes[3];
		bool any = false;
		if (strcmp(name, vsdoc->name) != 0) {
			free(name);
			continue;
		}
		for (int k = 0; k < 3; k++) {
			routes[k] = cJSON_IsObject(spec) ? cJSON_GetObjectItemCaseSensitive(spec, kinds[k]) : NULL;
			if (!cJSON_IsArray(routes[k]))
				routes[k] = NULL;
			any = any || routes[k];
		}
		if (!any)
			rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_q(&c->v, name),
				"Unable to get any of the HTTP, TCP or TLS routes for the Istio VirtualService");
		for (int k = 0; k < 3; k++) {
			struct buf m = BUF_INIT;
			if (!routes[k])
				continue;
			if (!rollout_validate_routes_decode(routes[k])) {
				rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_q(&c->v, name),
					"Unable to get %s routes for Istio VirtualService", upper[k]);
				continue;
			}
			rollout_validate_vs_routes(&m, ro, vs, routes[k], kinds[k]);
			if (m.len)
				rollout_validate_add(c->l, c->doc, field, RV_INVALID, rollout_validate_q(&c->v, name),
					"Istio VirtualService has invalid %s routes. Error: %s", upper[k], m.buf);
			buf_release(&m);
		}
		free(name);
		break;
	}
	cJSON_Delete(single);
}

/* The plugin's decoding of one document: 0, or -1 with its message in msg. */
static int
rollout_validate_decode(const cJSON *doc, char gbuf[256], const char **group, const char **version,
	const char **kind, struct buf *msg)
{
	const char *av, *slash;
	struct buf j = BUF_INIT;
	*group = *version = *kind = "";
	if (!cJSON_IsObject(doc)) {
		buf_adds(msg, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ");
		buf_adds(msg, cJSON_IsArray(doc) ? "array" : cJSON_IsString(doc) ? "string" :
			 cJSON_IsNumber(doc) ? "number" : "bool");
		buf_adds(msg, " into Go value of type map[string]interface {}");
		return -1;
	}
	*kind = rollout_validate_s(doc, "kind");
	if (!**kind) {
		rollout_validate_json_sorted(&j, doc);
		buf_addf(msg, "error unmarshaling JSON: while decoding JSON: Object 'Kind' is missing in '%s'", j.buf);
		buf_release(&j);
		return -1;
	}
	av = rollout_validate_s(doc, "apiVersion");
	slash = strchr(av, '/');
	if (slash && (size_t)(slash - av) < 256) {
		memcpy(gbuf, av, (size_t)(slash - av));
		gbuf[slash - av] = '\0';
		*group = gbuf;
		*version = slash + 1;
	} else {
		*version = av;
	}
	return 0;
}

struct rollout_validate_first {
	struct buf path;
	struct buf field;
	int n;
};

static void
rollout_validate_first_unknown(void *cls, const char *path, const char *field)
{
	struct rollout_validate_first *f = cls;
	if (f->n++ == 0) {
		buf_adds(&f->path, path);
		buf_adds(&f->field, field);
	}
}

int
rollout_validate_file(const cJSON *docs, struct rollout_validate_list *out, int *fatal)
{
	struct rollout_validate_refs svcs = { 0 }, ings = { 0 }, vss = { 0 };
	const cJSON **ros = NULL;
	int *rodoc = NULL;
	size_t nro = 0;
	size_t before = out->n;
	const cJSON *doc;
	int di = 0;

	if (fatal)
		*fatal = 0;
	cJSON_ArrayForEach(doc, docs) {
		const char *group, *version, *kind, *schema = NULL;
		char gbuf[256];
		struct buf msg = BUF_INIT;
		int d = di++;
		if (cJSON_IsNull(doc))
			continue;
		if (rollout_validate_decode(doc, gbuf, &group, &version, &kind, &msg) != 0) {
			rollout_validate_push(out, d, NULL, buf_detach(&msg, NULL));
			if (fatal)
				*fatal = 1;
			goto done;
		}
		if (strcmp(group, "argoproj.io") == 0 && strcmp(kind, "Rollout") == 0)
			schema = "Rollout";
		else if (!*group && strcmp(kind, "Service") == 0)
			schema = "Service";
		else if ((strcmp(group, "networking.k8s.io") == 0 || strcmp(group, "extensions") == 0) &&
			 strcmp(kind, "Ingress") == 0)
			schema = strcmp(version, "v1") == 0 ? "Ingress" : strcmp(version, "v1beta1") == 0 ? "Ingress/v1beta1" : NULL;
		if (schema) {
			struct rollout_validate_first f = { BUF_INIT, BUF_INIT, 0 };
			argo_schema_unknown_sorted(doc, schema, rollout_validate_first_unknown, &f);
			if (f.n) {
				buf_addf(&msg, ARGO_SCHEMA_MSG_YAML, f.field.buf);
				rollout_validate_push(out, d, NULL, buf_detach(&msg, NULL));
				buf_release(&f.path);
				buf_release(&f.field);
				if (fatal)
					*fatal = 1;
				goto done;
			}
			buf_release(&f.path);
			buf_release(&f.field);
		}
		if (schema && strcmp(schema, "Rollout") == 0) {
			ros = xrealloc(ros, (nro + 1) * sizeof(*ros));
			rodoc = xrealloc(rodoc, (nro + 1) * sizeof(*rodoc));
			ros[nro] = doc;
			rodoc[nro++] = d;
		} else if (schema && strcmp(schema, "Service") == 0) {
			rollout_validate_ref_add(&svcs, doc, RV_SVC_NONE);
		} else if (schema) {
			rollout_validate_ref_add(&ings, doc, strcmp(schema, "Ingress") == 0 ? 0 : 1);
		} else if (strcmp(group, "networking.istio.io") == 0 && strcmp(kind, "VirtualService") == 0) {
			rollout_validate_ref_add(&vss, doc, 0);
		}
		buf_release(&msg);
	}
	rollout_validate_mark(ros, nro, &svcs, &ings, &vss);
	for (size_t r = 0; r < nro; r++) {
		const char *name = rollout_validate_name(ros[r]);
		struct rollout_validate_ctx c;
		rollout_validate_spec(ros[r], rodoc[r], out);
		memset(&c, 0, sizeof(c));
		c.l = out;
		c.doc = rodoc[r];
		for (size_t i = 0; i < svcs.n; i++) {
			if (svcs.v[i].managed && strcmp(svcs.v[i].managed, name) == 0)
				rollout_validate_service(&c, ros[r], &svcs.v[i]);
		}
		if (rollout_validate_get(RV_CANARY(ros[r]), "trafficRouting")) {
			for (size_t i = 0; i < ings.n; i++) {
				if (ings.v[i].managed && strcmp(ings.v[i].managed, name) == 0)
					rollout_validate_ingress(&c, ros[r], &ings.v[i]);
			}
		}
		for (size_t i = 0; i < vss.n; i++) {
			if (vss.v[i].managed && strcmp(vss.v[i].managed, name) == 0)
				rollout_validate_vsvc(&c, ros[r], &vss.v[i]);
		}
		rollout_validate_val_release(&c.v);
	}
done:
	free(ros);
	free(rodoc);
	free(svcs.v);
	free(ings.v);
	free(vss.v);
	return (int)(out->n - before);
}
