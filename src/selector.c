/* SPDX-License-Identifier: Apache-2.0 */
/*
 * selector: Kubernetes label selectors, following apimachinery's
 * labels.Parse (pkg/labels/selector.go): the same lexer (special symbols
 * = ! ( ) , > <, keywords "in"/"notin" that are plain identifiers where a
 * value is expected), the same recursive descent, the same validation of
 * keys (qualified names) and values (label values), and the same String()
 * form. Requirements are kept sorted by key (stable), as upstream sorts them
 * after parsing.
 */
#include "selector.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

enum selector_op {
	SELECTOR_EQUALS,
	SELECTOR_DOUBLE_EQUALS,
	SELECTOR_NOT_EQUALS,
	SELECTOR_IN,
	SELECTOR_NOT_IN,
	SELECTOR_EXISTS,
	SELECTOR_DOES_NOT_EXIST,
	SELECTOR_GREATER_THAN,
	SELECTOR_LESS_THAN,
};

struct selector_req {
	char *key;
	enum selector_op op;
	char **vals;   /* sorted */
	size_t nvals;
};

struct selector {
	struct selector_req *reqs;
	size_t n, alloc;
};

/* ---- requirements ---------------------------------------------------- */

static void
selector_req_release(struct selector_req *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvals; i++) {
		free(r->vals[i]);
	}
	free(r->vals);
	memset(r, 0, sizeof(*r));
}

void
selector_free(struct selector *sel)
{
	if (!sel) {
		return;
	}
	for (size_t i = 0; i < sel->n; i++) {
		selector_req_release(&sel->reqs[i]);
	}
	free(sel->reqs);
	free(sel);
}

static int
selector_strcmp(const void *a, const void *b)
{
	const char *const *x = a;
	const char *const *y = b;
	return strcmp(*x, *y);
}

/* Takes ownership of r's contents. */
static void
selector_push(struct selector *sel, struct selector_req *r)
{
	if (sel->n == sel->alloc) {
		sel->alloc = sel->alloc ? sel->alloc * 2 : 4;
		sel->reqs = xrealloc(sel->reqs, sel->alloc * sizeof(*sel->reqs));
	}
	if (r->nvals > 1) {
		qsort(r->vals, r->nvals, sizeof(*r->vals), selector_strcmp);
	}
	sel->reqs[sel->n++] = *r;
	memset(r, 0, sizeof(*r));
}

/* Stable sort by key (insertion sort: selectors are short). */
static void
selector_sort(struct selector *sel)
{
	for (size_t i = 1; i < sel->n; i++) {
		struct selector_req cur = sel->reqs[i];
		size_t j = i;
		while (j > 0 && strcmp(sel->reqs[j - 1].key, cur.key) > 0) {
			sel->reqs[j] = sel->reqs[j - 1];
			j--;
		}
		sel->reqs[j] = cur;
	}
}

static void
selector_add_value(struct selector_req *r, const char *v, bool dedup)
{
	if (dedup) {
		for (size_t i = 0; i < r->nvals; i++) {
			if (strcmp(r->vals[i], v) == 0) {
				return;
			}
		}
	}
	r->vals = xrealloc(r->vals, (r->nvals + 1) * sizeof(*r->vals));
	r->vals[r->nvals++] = xstrdup(v);
}

/* ---- validation (k8s.io/apimachinery/pkg/util/validation) ------------- */

#define SELECTOR_QNAME_MSG "must consist of alphanumeric characters, '-', " \
	"'_' or '.', and must start and end with an alphanumeric character " \
	"(e.g. 'MyName', or 'my.name', or '123-abc', regex used for " \
	"validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define SELECTOR_DNS_MSG "a lowercase RFC 1123 subdomain must consist of " \
	"lower case alphanumeric characters, '-' or '.', and must start and " \
	"end with an alphanumeric character (e.g. 'example.com', regex used " \
	"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]" \
	"([-a-z0-9]*[a-z0-9])?)*')"
#define SELECTOR_VALUE_MSG "a valid label must be an empty string or " \
	"consist of alphanumeric characters, '-', '_' or '.', and must start " \
	"and end with an alphanumeric character (e.g. 'MyValue', or " \
	"'my_value', or '12345', regex used for validation is " \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static bool
selector_isalnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], non-empty */
static bool
selector_name_ok(const char *s, size_t n)
{
	if (n == 0 || !selector_isalnum(s[0]) || !selector_isalnum(s[n - 1])) {
		return false;
	}
	for (size_t i = 1; i + 1 < n; i++) {
		char c = s[i];
		if (!selector_isalnum(c) && c != '-' && c != '_' && c != '.') {
			return false;
		}
	}
	return true;
}

static bool
selector_dns_ok(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			size_t len = i - start;
			if (len == 0) {
				return false;
			}
			for (size_t j = start; j < i; j++) {
				char c = s[j];
				bool alnum = (c >= 'a' && c <= 'z') ||
					     (c >= '0' && c <= '9');
				if (!alnum && (c != '-' || j == start ||
					       j == i - 1)) {
					return false;
				}
			}
			start = i + 1;
		}
	}
	return true;
}

/* IsQualifiedName: NULL when valid, else a static description. */
static const char *
selector_key_problem(const char *k)
{
	const char *slash = strchr(k, '/');
	const char *name = k;
	if (slash) {
		if (strchr(slash + 1, '/')) {
			return "a qualified name " SELECTOR_QNAME_MSG " with an "
			       "optional DNS subdomain prefix and '/' (e.g. "
			       "'example.com/MyName')";
		}
		size_t plen = (size_t)(slash - k);
		if (plen == 0) {
			return "prefix part must be non-empty";
		}
		if (plen > 253) {
			return "prefix part must be no more than 253 characters";
		}
		if (!selector_dns_ok(k, plen)) {
			return "prefix part " SELECTOR_DNS_MSG;
		}
		name = slash + 1;
	}
	size_t n = strlen(name);
	if (n == 0) {
		return "name part must be non-empty";
	}
	if (n > 63) {
		return "name part must be no more than 63 characters";
	}
	if (!selector_name_ok(name, n)) {
		return "name part " SELECTOR_QNAME_MSG;
	}
	return NULL;
}

static const char *
selector_value_problem(const char *v)
{
	size_t n = strlen(v);
	if (n > 63) {
		return "must be no more than 63 characters";
	}
	if (n > 0 && !selector_name_ok(v, n)) {
		return SELECTOR_VALUE_MSG;
	}
	return NULL;
}

static bool
selector_parse_int(const char *s, long long *out)
{
	char *end = NULL;
	if (!*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9'))) {
		return false;
	}
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end) {
		return false;
	}
	*out = v;
	return true;
}

/* NewRequirement's checks; pre is "unable to parse requirement: " or "". */
static int
selector_validate(const struct selector_req *r, const char *pre,
		  struct pd_err *e)
{
	const char *why = selector_key_problem(r->key);
	if (why) {
		return err_set(e, PD_EUSAGE, "%skey: Invalid value: \"%s\": %s",
			       pre, r->key, why);
	}
	switch (r->op) {
	case SELECTOR_IN:
	case SELECTOR_NOT_IN:
		if (r->nvals == 0) {
			return err_set(e, PD_EUSAGE, "%svalues: Invalid value: "
				       "[]: for 'in', 'notin' operators, values "
				       "set can't be empty", pre);
		}
		break;
	case SELECTOR_EQUALS:
	case SELECTOR_DOUBLE_EQUALS:
	case SELECTOR_NOT_EQUALS:
		if (r->nvals != 1) {
			return err_set(e, PD_EUSAGE, "%svalues: Invalid value: "
				       "exact-match compatibility requires one "
				       "single value", pre);
		}
		break;
	case SELECTOR_EXISTS:
	case SELECTOR_DOES_NOT_EXIST:
		if (r->nvals != 0) {
			return err_set(e, PD_EUSAGE, "%svalues: Invalid value: "
				       "values set must be empty for exists and "
				       "does not exist", pre);
		}
		break;
	case SELECTOR_GREATER_THAN:
	case SELECTOR_LESS_THAN: {
		long long v;
		if (r->nvals != 1) {
			return err_set(e, PD_EUSAGE, "%svalues: Invalid value: "
				       "for 'Gt', 'Lt' operators, exactly one "
				       "value is required", pre);
		}
		if (!selector_parse_int(r->vals[0], &v)) {
			return err_set(e, PD_EUSAGE, "%svalues[0]: Invalid "
				       "value: \"%s\": for 'Gt', 'Lt' operators, "
				       "the value must be an integer", pre,
				       r->vals[0]);
		}
		break;
	}
	}
	for (size_t i = 0; i < r->nvals; i++) {
		why = selector_value_problem(r->vals[i]);
		if (why) {
			return err_set(e, PD_EUSAGE, "%svalues[%zu][%s]: Invalid "
				       "value: \"%s\": %s", pre, i, r->key,
				       r->vals[i], why);
		}
	}
	return 0;
}

/* ---- lexer ------------------------------------------------------------ */

enum selector_tok {
	SELECTOR_T_END,
	SELECTOR_T_CLOSE_PAR,
	SELECTOR_T_COMMA,
	SELECTOR_T_NOT,          /* ! */
	SELECTOR_T_DOUBLE_EQUALS,
	SELECTOR_T_EQUALS,
	SELECTOR_T_GREATER,
	SELECTOR_T_IDENT,
	SELECTOR_T_IN,
	SELECTOR_T_LESS,
	SELECTOR_T_NOT_EQUALS,
	SELECTOR_T_NOT_IN,
	SELECTOR_T_OPEN_PAR,
};

struct selector_item {
	enum selector_tok tok;
	char *lit;
};

struct selector_parser {
	struct selector_item *items;
	size_t n, alloc, pos;
};

static bool
selector_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
selector_is_special(char c)
{
	return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' ||
	       c == '>' || c == '<';
}

static void
selector_emit(struct selector_parser *p, enum selector_tok tok,
	      const char *s, size_t n)
{
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 8;
		p->items = xrealloc(p->items, p->alloc * sizeof(*p->items));
	}
	p->items[p->n].tok = tok;
	p->items[p->n].lit = xstrndup(s, n);
	p->n++;
}

static void
selector_lex(struct selector_parser *p, const char *s)
{
	for (;;) {
		while (selector_is_space(*s)) {
			s++;
		}
		if (!*s) {
			selector_emit(p, SELECTOR_T_END, "", 0);
			return;
		}
		if (selector_is_special(*s)) {
			/* longest match: "==" and "!=" are the two-char ones */
			if ((s[0] == '=' || s[0] == '!') && s[1] == '=') {
				selector_emit(p, s[0] == '=' ?
					      SELECTOR_T_DOUBLE_EQUALS :
					      SELECTOR_T_NOT_EQUALS, s, 2);
				s += 2;
				continue;
			}
			enum selector_tok t = SELECTOR_T_END;
			switch (*s) {
			case '=': t = SELECTOR_T_EQUALS; break;
			case '!': t = SELECTOR_T_NOT; break;
			case '(': t = SELECTOR_T_OPEN_PAR; break;
			case ')': t = SELECTOR_T_CLOSE_PAR; break;
			case ',': t = SELECTOR_T_COMMA; break;
			case '>': t = SELECTOR_T_GREATER; break;
			case '<': t = SELECTOR_T_LESS; break;
			}
			selector_emit(p, t, s, 1);
			s++;
			continue;
		}
		const char *start = s;
		while (*s && !selector_is_space(*s) && !selector_is_special(*s)) {
			s++;
		}
		size_t n = (size_t)(s - start);
		enum selector_tok t = SELECTOR_T_IDENT;
		if (n == 2 && memcmp(start, "in", 2) == 0) {
			t = SELECTOR_T_IN;
		} else if (n == 5 && memcmp(start, "notin", 5) == 0) {
			t = SELECTOR_T_NOT_IN;
		}
		selector_emit(p, t, start, n);
	}
}

/* values context: "in" and "notin" are identifiers */
static enum selector_tok
selector_peek(const struct selector_parser *p, bool values, const char **lit)
{
	const struct selector_item *it = &p->items[p->pos];
	if (lit) {
		*lit = it->lit;
	}
	if (values && (it->tok == SELECTOR_T_IN || it->tok == SELECTOR_T_NOT_IN)) {
		return SELECTOR_T_IDENT;
	}
	return it->tok;
}

static enum selector_tok
selector_next(struct selector_parser *p, bool values, const char **lit)
{
	enum selector_tok t = selector_peek(p, values, lit);
	if (p->pos + 1 < p->n) {
		p->pos++;
	}
	return t;
}

/* ---- parser ----------------------------------------------------------- */

#define SELECTOR_PRE "unable to parse requirement: "

static int
selector_parse_values(struct selector_parser *p, struct selector_req *r,
		      struct pd_err *e)
{
	const char *lit;
	if (selector_next(p, true, &lit) != SELECTOR_T_OPEN_PAR) {
		return err_set(e, PD_EUSAGE, SELECTOR_PRE
			       "found '%s' expected: '('", lit);
	}
	const char *first;
	enum selector_tok t = selector_peek(p, true, &first);
	if (t == SELECTOR_T_CLOSE_PAR) {
		selector_next(p, true, NULL);
		selector_add_value(r, "", true);
		return 0;
	}
	if (t != SELECTOR_T_IDENT && t != SELECTOR_T_COMMA) {
		return err_set(e, PD_EUSAGE, SELECTOR_PRE
			       "found '%s', expected: ',', ')' or identifier",
			       first);
	}
	for (;;) {
		t = selector_next(p, true, &lit);
		if (t == SELECTOR_T_IDENT) {
			selector_add_value(r, lit, true);
			const char *lit2;
			enum selector_tok t2 = selector_peek(p, true, &lit2);
			if (t2 == SELECTOR_T_COMMA) {
				continue;
			}
			if (t2 == SELECTOR_T_CLOSE_PAR) {
				break;
			}
			return err_set(e, PD_EUSAGE, SELECTOR_PRE
				       "found '%s', expected: ',' or ')'", lit2);
		} else if (t == SELECTOR_T_COMMA) {
			if (r->nvals == 0) {
				selector_add_value(r, "", true);
			}
			enum selector_tok t2 = selector_peek(p, true, NULL);
			if (t2 == SELECTOR_T_CLOSE_PAR) {
				selector_add_value(r, "", true);
				break;
			}
			if (t2 == SELECTOR_T_COMMA) {
				selector_add_value(r, "", true);
			}
		} else {
			return err_set(e, PD_EUSAGE, SELECTOR_PRE
				       "found '%s', expected: ',', or identifier",
				       lit);
		}
	}
	if (selector_next(p, true, NULL) != SELECTOR_T_CLOSE_PAR) {
		return err_set(e, PD_EUSAGE, SELECTOR_PRE
			       "found '%s', expected: ')'", first);
	}
	return 0;
}

static int
selector_parse_requirement(struct selector_parser *p, struct selector_req *r,
			   struct pd_err *e)
{
	const char *lit;
	bool not = false;
	enum selector_tok t = selector_next(p, true, &lit);
	if (t == SELECTOR_T_NOT) {
		not = true;
		t = selector_next(p, true, &lit);
	}
	if (t != SELECTOR_T_IDENT) {
		return err_set(e, PD_EUSAGE, SELECTOR_PRE
			       "found '%s', expected: identifier", lit);
	}
	r->key = xstrdup(lit);
	const char *why = selector_key_problem(r->key);
	if (why) {
		return err_set(e, PD_EUSAGE, SELECTOR_PRE
			       "key: Invalid value: \"%s\": %s", r->key, why);
	}
	t = selector_peek(p, true, NULL);
	if (not) {
		/* "!x" followed by anything but ',' or the end fails later */
		r->op = SELECTOR_DOES_NOT_EXIST;
		return 0;
	}
	if (t == SELECTOR_T_END || t == SELECTOR_T_COMMA) {
		r->op = SELECTOR_EXISTS;
		return 0;
	}
	t = selector_next(p, false, &lit);
	switch (t) {
	case SELECTOR_T_IN: r->op = SELECTOR_IN; break;
	case SELECTOR_T_NOT_IN: r->op = SELECTOR_NOT_IN; break;
	case SELECTOR_T_EQUALS: r->op = SELECTOR_EQUALS; break;
	case SELECTOR_T_DOUBLE_EQUALS: r->op = SELECTOR_DOUBLE_EQUALS; break;
	case SELECTOR_T_NOT_EQUALS: r->op = SELECTOR_NOT_EQUALS; break;
	case SELECTOR_T_GREATER: r->op = SELECTOR_GREATER_THAN; break;
	case SELECTOR_T_LESS: r->op = SELECTOR_LESS_THAN; break;
	default:
		return err_set(e, PD_EUSAGE, SELECTOR_PRE "found '%s', "
			       "expected: in, notin, =, ==, !=, gt, lt", lit);
	}
	if (r->op == SELECTOR_IN || r->op == SELECTOR_NOT_IN) {
		int rc = selector_parse_values(p, r, e);
		if (rc < 0) {
			return rc;
		}
	} else {
		t = selector_peek(p, true, NULL);
		if (t == SELECTOR_T_END || t == SELECTOR_T_COMMA) {
			selector_add_value(r, "", true);
		} else {
			t = selector_next(p, true, &lit);
			if (t != SELECTOR_T_IDENT) {
				return err_set(e, PD_EUSAGE, SELECTOR_PRE
					       "found '%s', expected: identifier",
					       lit);
			}
			selector_add_value(r, lit, true);
		}
	}
	return selector_validate(r, SELECTOR_PRE, e);
}

static int
selector_parse_all(struct selector_parser *p, struct selector *sel,
		   struct pd_err *e)
{
	for (;;) {
		const char *lit;
		enum selector_tok t = selector_peek(p, true, &lit);
		if (t == SELECTOR_T_END) {
			return 0;
		}
		if (t != SELECTOR_T_IDENT && t != SELECTOR_T_NOT) {
			return err_set(e, PD_EUSAGE, "found '%s', expected: !, "
				       "identifier, or 'end of string'", lit);
		}
		struct selector_req r = { 0 };
		int rc = selector_parse_requirement(p, &r, e);
		if (rc < 0) {
			selector_req_release(&r);
			return rc;
		}
		selector_push(sel, &r);
		t = selector_next(p, true, &lit);
		if (t == SELECTOR_T_END) {
			return 0;
		}
		if (t != SELECTOR_T_COMMA) {
			return err_set(e, PD_EUSAGE, "found '%s', expected: ',' "
				       "or 'end of string'", lit);
		}
		t = selector_peek(p, true, &lit);
		if (t != SELECTOR_T_IDENT && t != SELECTOR_T_NOT) {
			return err_set(e, PD_EUSAGE, "found '%s', expected: "
				       "identifier after ','", lit);
		}
	}
}

struct selector *
selector_parse(const char *s, struct pd_err *e)
{
	struct selector_parser p = { 0 };
	struct selector *sel = xcalloc(1, sizeof(*sel));
	selector_lex(&p, s ? s : "");
	int rc = selector_parse_all(&p, sel, e);
	for (size_t i = 0; i < p.n; i++) {
		free(p.items[i].lit);
	}
	free(p.items);
	if (rc < 0) {
		selector_free(sel);
		return NULL;
	}
	selector_sort(sel);
	return sel;
}

/* ---- metav1.LabelSelector --------------------------------------------- */

static int
selector_from_expr(struct selector *sel, const cJSON *x, size_t idx,
		   struct pd_err *e)
{
	if (!cJSON_IsObject(x)) {
		return err_set(e, PD_EUSAGE, "matchExpressions[%zu]: must be "
			       "an object", idx);
	}
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(x, "key");
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(x, "operator");
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(x, "values");
	const char *ops = cJSON_IsString(op) ? op->valuestring : "";
	struct selector_req r = { 0 };
	if (strcmp(ops, "In") == 0) {
		r.op = SELECTOR_IN;
	} else if (strcmp(ops, "NotIn") == 0) {
		r.op = SELECTOR_NOT_IN;
	} else if (strcmp(ops, "Exists") == 0) {
		r.op = SELECTOR_EXISTS;
	} else if (strcmp(ops, "DoesNotExist") == 0) {
		r.op = SELECTOR_DOES_NOT_EXIST;
	} else {
		return err_set(e, PD_EUSAGE, "\"%s\" is not a valid label "
			       "selector operator", ops);
	}
	if (key && !cJSON_IsString(key)) {
		return err_set(e, PD_EUSAGE, "matchExpressions[%zu].key: must "
			       "be a string", idx);
	}
	r.key = xstrdup(key ? key->valuestring : "");
	if (vals && !cJSON_IsNull(vals)) {
		if (!cJSON_IsArray(vals)) {
			selector_req_release(&r);
			return err_set(e, PD_EUSAGE, "matchExpressions[%zu]."
				       "values: must be an array of strings",
				       idx);
		}
		const cJSON *v;
		cJSON_ArrayForEach(v, vals) {
			if (!cJSON_IsString(v)) {
				selector_req_release(&r);
				return err_set(e, PD_EUSAGE, "matchExpressions"
					       "[%zu].values: must be an array "
					       "of strings", idx);
			}
			selector_add_value(&r, v->valuestring, false);
		}
	}
	int rc = selector_validate(&r, "", e);
	if (rc < 0) {
		selector_req_release(&r);
		return rc;
	}
	selector_push(sel, &r);
	return 0;
}

struct selector *
selector_from_json(const cJSON *ls, struct pd_err *e)
{
	struct selector *sel = xcalloc(1, sizeof(*sel));
	if (!ls || cJSON_IsNull(ls)) {
		return sel;
	}
	if (!cJSON_IsObject(ls)) {
		selector_free(sel);
		err_set(e, PD_EUSAGE, "label selector must be an object");
		return NULL;
	}
	const cJSON *ml = cJSON_GetObjectItemCaseSensitive(ls, "matchLabels");
	const cJSON *mx = cJSON_GetObjectItemCaseSensitive(ls,
							   "matchExpressions");
	if (ml && !cJSON_IsNull(ml)) {
		if (!cJSON_IsObject(ml)) {
			selector_free(sel);
			err_set(e, PD_EUSAGE, "matchLabels must be an object");
			return NULL;
		}
		const cJSON *kv;
		cJSON_ArrayForEach(kv, ml) {
			if (!cJSON_IsString(kv)) {
				selector_free(sel);
				err_set(e, PD_EUSAGE, "matchLabels.%s: must be "
					"a string", kv->string);
				return NULL;
			}
			struct selector_req r = { 0 };
			r.key = xstrdup(kv->string);
			r.op = SELECTOR_EQUALS;
			selector_add_value(&r, kv->valuestring, false);
			int rc = selector_validate(&r, "", e);
			if (rc < 0) {
				selector_req_release(&r);
				selector_free(sel);
				return NULL;
			}
			selector_push(sel, &r);
		}
	}
	if (mx && !cJSON_IsNull(mx)) {
		if (!cJSON_IsArray(mx)) {
			selector_free(sel);
			err_set(e, PD_EUSAGE, "matchExpressions must be an "
				"array");
			return NULL;
		}
		size_t i = 0;
		const cJSON *x;
		cJSON_ArrayForEach(x, mx) {
			if (selector_from_expr(sel, x, i, e) < 0) {
				selector_free(sel);
				return NULL;
			}
			i++;
		}
	}
	selector_sort(sel);
	return sel;
}

/* ---- matching and printing -------------------------------------------- */

static bool
selector_has_value(const struct selector_req *r, const char *v)
{
	if (!v) {
		return false;
	}
	for (size_t i = 0; i < r->nvals; i++) {
		if (strcmp(r->vals[i], v) == 0) {
			return true;
		}
	}
	return false;
}

static bool
selector_req_match(const struct selector_req *r, const cJSON *labels)
{
	const cJSON *l = cJSON_IsObject(labels) ?
		cJSON_GetObjectItemCaseSensitive(labels, r->key) : NULL;
	/* a non-string label value is present but equals nothing */
	const char *v = cJSON_IsString(l) ? l->valuestring : NULL;
	long long lv, rv;
	switch (r->op) {
	case SELECTOR_IN:
	case SELECTOR_EQUALS:
	case SELECTOR_DOUBLE_EQUALS:
		return l && selector_has_value(r, v);
	case SELECTOR_NOT_IN:
	case SELECTOR_NOT_EQUALS:
		return !l || !selector_has_value(r, v);
	case SELECTOR_EXISTS:
		return l != NULL;
	case SELECTOR_DOES_NOT_EXIST:
		return l == NULL;
	case SELECTOR_GREATER_THAN:
	case SELECTOR_LESS_THAN:
		if (!v || r->nvals != 1 || !selector_parse_int(v, &lv) ||
		    !selector_parse_int(r->vals[0], &rv)) {
			return false;
		}
		return r->op == SELECTOR_GREATER_THAN ? lv > rv : lv < rv;
	}
	return false;
}

bool
selector_match(const struct selector *sel, const cJSON *labels)
{
	if (!sel) {
		return true;
	}
	for (size_t i = 0; i < sel->n; i++) {
		if (!selector_req_match(&sel->reqs[i], labels)) {
			return false;
		}
	}
	return true;
}

bool
selector_empty(const struct selector *sel)
{
	return !sel || sel->n == 0;
}

void
selector_format(const struct selector *sel, struct buf *out)
{
	if (!sel) {
		return;
	}
	for (size_t i = 0; i < sel->n; i++) {
		const struct selector_req *r = &sel->reqs[i];
		if (i > 0) {
			buf_addch(out, ',');
		}
		if (r->op == SELECTOR_DOES_NOT_EXIST) {
			buf_addch(out, '!');
		}
		buf_adds(out, r->key);
		const char *op = NULL;
		switch (r->op) {
		case SELECTOR_EQUALS: op = "="; break;
		case SELECTOR_DOUBLE_EQUALS: op = "=="; break;
		case SELECTOR_NOT_EQUALS: op = "!="; break;
		case SELECTOR_IN: op = " in ("; break;
		case SELECTOR_NOT_IN: op = " notin ("; break;
		case SELECTOR_GREATER_THAN: op = ">"; break;
		case SELECTOR_LESS_THAN: op = "<"; break;
		case SELECTOR_EXISTS:
		case SELECTOR_DOES_NOT_EXIST:
			break;
		}
		if (!op) {
			continue;
		}
		buf_adds(out, op);
		for (size_t j = 0; j < r->nvals; j++) {
			if (j > 0) {
				buf_addch(out, ',');
			}
			buf_adds(out, r->vals[j]);
		}
		if (r->op == SELECTOR_IN || r->op == SELECTOR_NOT_IN) {
			buf_addch(out, ')');
		}
	}
}

int
selector_json_string(const cJSON *ls, struct buf *out, struct pd_err *e)
{
	struct selector *sel = selector_from_json(ls, e);
	if (!sel) {
		return -PD_EUSAGE;
	}
	selector_format(sel, out);
	selector_free(sel);
	return 0;
}
