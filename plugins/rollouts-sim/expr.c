/* SPDX-License-Identifier: Apache-2.0 */
/*
 * expr: a subset of expr-lang (github.com/expr-lang/expr), enough for Argo
 * Rollouts' successCondition and failureCondition. The condition is parsed
 * into a node array with expr's operator precedences (|| 10, && 15,
 * comparisons 20, + - 30, unary not 50, * / % 60, unary - 90, ** ^ 100
 * right-associative, ?: lowest), then type-checked as expr's checker does
 * (the type of `result` comes from the JSON value: a JSON number is Go's
 * float64, an array of numbers []float64, integer literals are int), so a
 * mismatch is an error even in a branch that would not run, and finally
 * evaluated; runtime errors (an index out of range) only happen on the path
 * taken. Messages are expr's, without its position suffix, as Argo strips
 * it. Functions: len, isNaN, isInf, and Argo's asInt, asFloat, isNil,
 * default.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expr.h"
#include "xalloc.h"

#define EXPR_MAX_DEPTH 128
#define EXPR_MAX_NODES 4096

enum expr_kind {
	EK_NIL, EK_BOOL, EK_INT, EK_FLOAT, EK_STRING, EK_ARRAY, EK_MAP, EK_ANY,
};

/* A static or runtime type; elem says what an array holds. */
struct expr_type {
	enum expr_kind kind;
	enum expr_kind elem;
};

enum expr_tok {
	ET_EOF, ET_INT, ET_FLOAT, ET_STRING, ET_IDENT, ET_OP,
};

enum expr_op {
	OP_NONE, OP_OR, OP_AND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_POW, OP_NOT, OP_NEG,
	OP_PLUS,
};

enum expr_func {
	EF_LEN, EF_ISNAN, EF_ISINF, EF_ASINT, EF_ASFLOAT, EF_ISNIL, EF_DEFAULT,
};

enum expr_ntype {
	EN_INT, EN_FLOAT, EN_BOOL, EN_NIL, EN_STRING, EN_IDENT, EN_UNARY,
	EN_BINARY, EN_INDEX, EN_MEMBER, EN_CALL, EN_COND,
};

struct expr_node {
	enum expr_ntype type;
	enum expr_op op;
	const char *optext;   /* the operator as written, for messages */
	int kid[3];
	int nkids;
	long long ival;
	double fval;
	bool bval;
	char *sval;           /* string literal, member, ident or function */
};

struct expr_binop {
	const char *text;
	enum expr_op op;
	int prec;
	bool right;
};

static const struct expr_binop expr_binops[] = {
	{ "||", OP_OR, 10, false },
	{ "or", OP_OR, 10, false },
	{ "&&", OP_AND, 15, false },
	{ "and", OP_AND, 15, false },
	{ "==", OP_EQ, 20, false },
	{ "!=", OP_NE, 20, false },
	{ "<", OP_LT, 20, false },
	{ "<=", OP_LE, 20, false },
	{ ">", OP_GT, 20, false },
	{ ">=", OP_GE, 20, false },
	{ "+", OP_ADD, 30, false },
	{ "-", OP_SUB, 30, false },
	{ "*", OP_MUL, 60, false },
	{ "/", OP_DIV, 60, false },
	{ "%", OP_MOD, 60, false },
	{ "**", OP_POW, 100, true },
	{ "^", OP_POW, 100, true },
};

struct expr_func_def {
	const char *name;
	enum expr_func fn;
	int nargs;
};

static const struct expr_func_def expr_funcs[] = {
	{ "len", EF_LEN, 1 },
	{ "isNaN", EF_ISNAN, 1 },
	{ "isInf", EF_ISINF, 1 },
	{ "asInt", EF_ASINT, 1 },
	{ "asFloat", EF_ASFLOAT, 1 },
	{ "isNil", EF_ISNIL, 1 },
	{ "default", EF_DEFAULT, 2 },
};

struct expr_ctx {
	const char *src;
	size_t pos;
	/* current token */
	enum expr_tok tok;
	size_t tstart, tlen;
	long long tint;
	double tfloat;
	char *tstr;             /* owned until moved into a node */
	/* tree */
	struct expr_node *nodes;
	int nnodes, cap;
	int depth;
	/* evaluation */
	const cJSON *result;
	char **arena;           /* strings made while evaluating */
	int narena;
	bool failed;
	struct buf *err;        /* the caller's, or NULL */
};

struct expr_val {
	enum expr_kind kind;  /* never EK_ANY */
	bool b;
	long long i;
	double f;
	const char *s;
	const cJSON *j;
};

__attribute__((format(printf, 2, 3))) static int
expr_fail(struct expr_ctx *c, const char *fmt, ...)
{
	if (!c->failed) {
		va_list ap;
		va_start(ap, fmt);
		if (c->err) {
			buf_vaddf(c->err, fmt, ap);
		}
		va_end(ap);
		c->failed = true;
	}
	return -1;
}

/* ---- lexer ---- */

static bool
expr_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool
expr_is_ident_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '_' || ch == '$';
}

static bool
expr_is_ident(char ch)
{
	return expr_is_ident_start(ch) || expr_is_digit(ch);
}

static int
expr_hex(char ch)
{
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	if (ch >= 'A' && ch <= 'F') {
		return ch - 'A' + 10;
	}
	return -1;
}

static void
expr_add_utf8(char *out, size_t *n, unsigned long cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static int
expr_lex_string(struct expr_ctx *c)
{
	const char *s = c->src;
	char quote = s[c->pos];
	size_t i = c->pos + 1;
	size_t cap = strlen(s + i) * 4 + 1, n = 0;
	char *out = xmalloc(cap);
	for (;;) {
		char ch = s[i];
		if (ch == '\0') {
			free(out);
			return expr_fail(c, "literal not terminated");
		}
		if (ch == quote) {
			i++;
			break;
		}
		if (ch != '\\') {
			out[n++] = ch;
			i++;
			continue;
		}
		i++;
		ch = s[i];
		switch (ch) {
		case 'n':
			out[n++] = '\n';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'v':
			out[n++] = '\v';
			break;
		case 'a':
			out[n++] = '\a';
			break;
		case '\\':
		case '\'':
		case '"':
		case '`':
			out[n++] = ch;
			break;
		case 'u': {
			unsigned long cp = 0;
			for (int k = 1; k <= 4; k++) {
				int h = expr_hex(s[i + (size_t)k]);
				if (h < 0) {
					free(out);
					return expr_fail(c, "invalid char escape");
				}
				cp = cp * 16 + (unsigned long)h;
			}
			i += 4;
			expr_add_utf8(out, &n, cp);
			break;
		}
		default:
			free(out);
			return expr_fail(c, "invalid char escape");
		}
		i++;
	}
	out[n] = '\0';
	c->tok = ET_STRING;
	c->tstr = out;
	c->tlen = i - c->tstart;
	c->pos = i;
	return 0;
}

static int
expr_lex_number(struct expr_ctx *c)
{
	const char *s = c->src;
	size_t i = c->pos;
	bool is_float = false, hex = false;
	/* the literal without its '_' separators, any length */
	struct buf num = BUF_INIT;
	int rc = 0;
	if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		hex = true;
		i += 2;
		while (expr_hex(s[i]) >= 0 || s[i] == '_') {
			if (s[i] != '_') {
				buf_addch(&num, s[i]);
			}
			i++;
		}
	} else {
		while (expr_is_digit(s[i]) || s[i] == '_') {
			if (s[i] != '_') {
				buf_addch(&num, s[i]);
			}
			i++;
		}
		if (s[i] == '.' && expr_is_digit(s[i + 1])) {
			is_float = true;
			buf_addch(&num, s[i++]);
			while (expr_is_digit(s[i]) || s[i] == '_') {
				if (s[i] != '_') {
					buf_addch(&num, s[i]);
				}
				i++;
			}
		}
		if ((s[i] == 'e' || s[i] == 'E') &&
		    (expr_is_digit(s[i + 1]) ||
		     ((s[i + 1] == '+' || s[i + 1] == '-') &&
		      expr_is_digit(s[i + 2])))) {
			is_float = true;
			buf_addch(&num, s[i++]);
			if (s[i] == '+' || s[i] == '-') {
				buf_addch(&num, s[i++]);
			}
			while (expr_is_digit(s[i])) {
				buf_addch(&num, s[i]);
				i++;
			}
		}
	}
	if (expr_is_ident(s[i]) || num.len == 0) {
		rc = expr_fail(c, "bad number syntax: \"%.*s\"",
			       (int)(i - c->pos + (s[i] ? 1 : 0)), s + c->pos);
		goto done;
	}
	errno = 0;
	if (is_float) {
		c->tok = ET_FLOAT;
		c->tfloat = strtod(num.buf, NULL);
		/* Go's strconv.ParseFloat: beyond the largest float64 is an
		 * error, an underflow to 0 is not */
		if (errno == ERANGE && isinf(c->tfloat)) {
			rc = expr_fail(c, "invalid float literal: %.*s",
				       (int)(i - c->pos), s + c->pos);
			goto done;
		}
	} else {
		c->tok = ET_INT;
		c->tint = strtoll(num.buf, NULL, hex ? 16 : 10);
		if (errno == ERANGE) {
			rc = expr_fail(c, "integer literal is too large: %.*s",
				       (int)(i - c->pos), s + c->pos);
			goto done;
		}
	}
	c->tlen = i - c->tstart;
	c->pos = i;
done:
	buf_release(&num);
	return rc;
}

static int
expr_next(struct expr_ctx *c)
{
	static const char *const ops3[] = { "**" };
	static const char *const ops2[] = {
		"==", "!=", "<=", ">=", "&&", "||",
	};
	const char *s = c->src;
	free(c->tstr);
	c->tstr = NULL;
	while (s[c->pos] == ' ' || s[c->pos] == '\t' || s[c->pos] == '\n' ||
	       s[c->pos] == '\r') {
		c->pos++;
	}
	c->tstart = c->pos;
	char ch = s[c->pos];
	if (ch == '\0') {
		c->tok = ET_EOF;
		c->tlen = 0;
		return 0;
	}
	if (expr_is_digit(ch) || (ch == '.' && expr_is_digit(s[c->pos + 1]))) {
		return expr_lex_number(c);
	}
	if (ch == '"' || ch == '\'') {
		return expr_lex_string(c);
	}
	if (expr_is_ident_start(ch)) {
		size_t i = c->pos;
		while (expr_is_ident(s[i])) {
			i++;
		}
		c->tok = ET_IDENT;
		c->tlen = i - c->pos;
		c->pos = i;
		return 0;
	}
	for (size_t k = 0; k < sizeof(ops3) / sizeof(ops3[0]); k++) {
		if (strncmp(s + c->pos, ops3[k], 2) == 0) {
			c->tok = ET_OP;
			c->tlen = 2;
			c->pos += 2;
			return 0;
		}
	}
	for (size_t k = 0; k < sizeof(ops2) / sizeof(ops2[0]); k++) {
		if (strncmp(s + c->pos, ops2[k], 2) == 0) {
			c->tok = ET_OP;
			c->tlen = 2;
			c->pos += 2;
			return 0;
		}
	}
	if (strchr("()[],.?:<>!+-*/%^", ch)) {
		c->tok = ET_OP;
		c->tlen = 1;
		c->pos++;
		return 0;
	}
	return expr_fail(c, "unrecognized character: U+%04X '%c'",
			 (unsigned)(unsigned char)ch, ch);
}

static bool
expr_tok_is(const struct expr_ctx *c, const char *text)
{
	if (c->tok != ET_OP && c->tok != ET_IDENT) {
		return false;
	}
	return strlen(text) == c->tlen &&
	       strncmp(c->src + c->tstart, text, c->tlen) == 0;
}

static int
expr_unexpected(struct expr_ctx *c)
{
	switch (c->tok) {
	case ET_EOF:
		return expr_fail(c, "unexpected end of expression");
	case ET_INT:
	case ET_FLOAT:
		return expr_fail(c, "unexpected token Number(\"%.*s\")",
				 (int)c->tlen, c->src + c->tstart);
	case ET_STRING:
		return expr_fail(c, "unexpected token String(%.*s)",
				 (int)c->tlen, c->src + c->tstart);
	case ET_IDENT:
		return expr_fail(c, "unexpected token Identifier(\"%.*s\")",
				 (int)c->tlen, c->src + c->tstart);
	case ET_OP:
		break;
	}
	return expr_fail(c, "unexpected token Operator(\"%.*s\")",
			 (int)c->tlen, c->src + c->tstart);
}

static int
expr_expect(struct expr_ctx *c, const char *text)
{
	if (!expr_tok_is(c, text)) {
		return expr_unexpected(c);
	}
	return expr_next(c);
}

/* ---- parser ---- */

static int
expr_node_new(struct expr_ctx *c, enum expr_ntype type)
{
	if (c->nnodes == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->nodes = xrealloc(c->nodes, (size_t)c->cap * sizeof(*c->nodes));
	}
	struct expr_node *n = &c->nodes[c->nnodes];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->kid[0] = n->kid[1] = n->kid[2] = -1;
	return c->nnodes++;
}

static int expr_parse(struct expr_ctx *c, int prec);

static int
expr_parse_postfix(struct expr_ctx *c, int node)
{
	while (node >= 0) {
		if (expr_tok_is(c, "[")) {
			if (expr_next(c) < 0) {
				return -1;
			}
			int idx = expr_parse(c, 0);
			if (idx < 0 || expr_expect(c, "]") < 0) {
				return -1;
			}
			int n = expr_node_new(c, EN_INDEX);
			c->nodes[n].kid[0] = node;
			c->nodes[n].kid[1] = idx;
			c->nodes[n].nkids = 2;
			node = n;
		} else if (expr_tok_is(c, ".")) {
			if (expr_next(c) < 0) {
				return -1;
			}
			if (c->tok != ET_IDENT) {
				return expr_unexpected(c);
			}
			int n = expr_node_new(c, EN_MEMBER);
			c->nodes[n].kid[0] = node;
			c->nodes[n].nkids = 1;
			c->nodes[n].sval = xstrndup(c->src + c->tstart, c->tlen);
			if (expr_next(c) < 0) {
				return -1;
			}
			node = n;
		} else {
			break;
		}
	}
	return node;
}

static int
expr_parse_call(struct expr_ctx *c, char *name)
{
	int n = expr_node_new(c, EN_CALL);
	c->nodes[n].sval = name;
	if (expr_next(c) < 0) {
		return -1;
	}
	while (!expr_tok_is(c, ")")) {
		if (c->nodes[n].nkids > 0 && expr_expect(c, ",") < 0) {
			return -1;
		}
		int arg = expr_parse(c, 0);
		if (arg < 0) {
			return -1;
		}
		if (c->nodes[n].nkids == 3) {
			return expr_fail(c, "too many arguments to call %s",
					 c->nodes[n].sval);
		}
		c->nodes[n].kid[c->nodes[n].nkids++] = arg;
	}
	if (expr_next(c) < 0) {
		return -1;
	}
	return n;
}

static int
expr_parse_primary(struct expr_ctx *c)
{
	int n;
	if (expr_tok_is(c, "!") || expr_tok_is(c, "not") || expr_tok_is(c, "-") ||
	    expr_tok_is(c, "+")) {
		bool is_not = expr_tok_is(c, "!") || expr_tok_is(c, "not");
		const char *text = expr_tok_is(c, "!") ? "!" :
				   expr_tok_is(c, "not") ? "not" :
				   expr_tok_is(c, "-") ? "-" : "+";
		if (expr_next(c) < 0) {
			return -1;
		}
		int operand = expr_parse(c, is_not ? 50 : 90);
		if (operand < 0) {
			return -1;
		}
		n = expr_node_new(c, EN_UNARY);
		c->nodes[n].op = is_not ? OP_NOT :
				 text[0] == '-' ? OP_NEG : OP_PLUS;
		c->nodes[n].optext = text;
		c->nodes[n].kid[0] = operand;
		c->nodes[n].nkids = 1;
		return expr_parse_postfix(c, n);
	}
	if (expr_tok_is(c, "(")) {
		if (expr_next(c) < 0) {
			return -1;
		}
		n = expr_parse(c, 0);
		if (n < 0 || expr_expect(c, ")") < 0) {
			return -1;
		}
		return expr_parse_postfix(c, n);
	}
	switch (c->tok) {
	case ET_INT:
		n = expr_node_new(c, EN_INT);
		c->nodes[n].ival = c->tint;
		break;
	case ET_FLOAT:
		n = expr_node_new(c, EN_FLOAT);
		c->nodes[n].fval = c->tfloat;
		break;
	case ET_STRING:
		n = expr_node_new(c, EN_STRING);
		c->nodes[n].sval = c->tstr;
		c->tstr = NULL;
		break;
	case ET_IDENT:
		if (expr_tok_is(c, "true") || expr_tok_is(c, "false")) {
			n = expr_node_new(c, EN_BOOL);
			c->nodes[n].bval = expr_tok_is(c, "true");
		} else if (expr_tok_is(c, "nil")) {
			n = expr_node_new(c, EN_NIL);
		} else if (expr_tok_is(c, "and") || expr_tok_is(c, "or")) {
			return expr_unexpected(c);
		} else {
			char *name = xstrndup(c->src + c->tstart, c->tlen);
			if (expr_next(c) < 0) {
				free(name);
				return -1;
			}
			if (expr_tok_is(c, "(")) {
				n = expr_parse_call(c, name);
			} else {
				n = expr_node_new(c, EN_IDENT);
				c->nodes[n].sval = name;
			}
			if (n < 0) {
				return -1;
			}
			return expr_parse_postfix(c, n);
		}
		break;
	default:
		return expr_unexpected(c);
	}
	if (expr_next(c) < 0) {
		return -1;
	}
	return expr_parse_postfix(c, n);
}

static const struct expr_binop *
expr_binop_at(const struct expr_ctx *c)
{
	for (size_t k = 0; k < sizeof(expr_binops) / sizeof(expr_binops[0]);
	     k++) {
		if (expr_tok_is(c, expr_binops[k].text)) {
			return &expr_binops[k];
		}
	}
	return NULL;
}

static int
expr_parse(struct expr_ctx *c, int prec)
{
	if (++c->depth > EXPR_MAX_DEPTH) {
		return expr_fail(c, "expression is too deeply nested");
	}
	int left = expr_parse_primary(c);
	const struct expr_binop *op = expr_binop_at(c);
	while (left >= 0 && op && op->prec >= prec) {
		if (c->nnodes > EXPR_MAX_NODES) {
			return expr_fail(c, "expression is too long");
		}
		if (expr_next(c) < 0) {
			return -1;
		}
		int right = expr_parse(c, op->right ? op->prec : op->prec + 1);
		if (right < 0) {
			return -1;
		}
		int n = expr_node_new(c, EN_BINARY);
		c->nodes[n].op = op->op;
		c->nodes[n].optext = op->text;
		c->nodes[n].kid[0] = left;
		c->nodes[n].kid[1] = right;
		c->nodes[n].nkids = 2;
		left = n;
		op = expr_binop_at(c);
	}
	if (left >= 0 && prec == 0 && expr_tok_is(c, "?")) {
		if (expr_next(c) < 0) {
			return -1;
		}
		int yes = expr_parse(c, 0);
		if (yes < 0 || expr_expect(c, ":") < 0) {
			return -1;
		}
		int no = expr_parse(c, 0);
		if (no < 0) {
			return -1;
		}
		int n = expr_node_new(c, EN_COND);
		c->nodes[n].kid[0] = left;
		c->nodes[n].kid[1] = yes;
		c->nodes[n].kid[2] = no;
		c->nodes[n].nkids = 3;
		left = n;
	}
	c->depth--;
	return left;
}

/* ---- types ---- */

static struct expr_type
expr_t(enum expr_kind kind)
{
	struct expr_type t = { kind, EK_ANY };
	return t;
}

static struct expr_type
expr_json_type(const cJSON *j, bool at_runtime)
{
	if (!j || cJSON_IsNull(j)) {
		return expr_t(at_runtime ? EK_NIL : EK_ANY);
	}
	if (cJSON_IsNumber(j)) {
		return expr_t(EK_FLOAT);
	}
	if (cJSON_IsBool(j)) {
		return expr_t(EK_BOOL);
	}
	if (cJSON_IsString(j)) {
		return expr_t(EK_STRING);
	}
	if (cJSON_IsArray(j)) {
		struct expr_type t = { EK_ARRAY, EK_FLOAT };
		const cJSON *e;
		cJSON_ArrayForEach(e, j) {
			if (!cJSON_IsNumber(e)) {
				t.elem = EK_ANY;
			}
		}
		return t;
	}
	if (cJSON_IsObject(j)) {
		return expr_t(EK_MAP);
	}
	return expr_t(at_runtime ? EK_NIL : EK_ANY);
}

static const char *
expr_type_name(struct expr_type t, bool at_runtime)
{
	switch (t.kind) {
	case EK_NIL:
		return at_runtime ? "<nil>" : "nil";
	case EK_BOOL:
		return "bool";
	case EK_INT:
		return "int";
	case EK_FLOAT:
		return "float64";
	case EK_STRING:
		return "string";
	case EK_ARRAY:
		return t.elem == EK_FLOAT ? "[]float64" : "[]interface {}";
	case EK_MAP:
		return "map[string]interface {}";
	case EK_ANY:
		break;
	}
	return "interface {}";
}

static bool
expr_unknown(struct expr_type t)
{
	return t.kind == EK_ANY || t.kind == EK_NIL;
}

static bool
expr_num(struct expr_type t)
{
	return t.kind == EK_INT || t.kind == EK_FLOAT;
}

static bool
expr_same(struct expr_type a, struct expr_type b)
{
	return a.kind == b.kind && (a.kind != EK_ARRAY || a.elem == b.elem);
}

/*
 * The type a binary operator yields on operands of types l and r, as
 * expr's checker decides; used on static types (which may be unknown) and
 * on runtime types alike.
 */
static int
expr_binop_type(struct expr_ctx *c, const struct expr_node *nd,
		struct expr_type l, struct expr_type r, bool at_runtime,
		struct expr_type *out)
{
	/* nil passes the checker but is no number or string at run time */
	bool lu = at_runtime ? l.kind == EK_ANY : expr_unknown(l);
	bool ru = at_runtime ? r.kind == EK_ANY : expr_unknown(r);
	bool ln = expr_num(l), rn = expr_num(r);
	bool ls = l.kind == EK_STRING, rs = r.kind == EK_STRING;
	bool ok = false;
	*out = expr_t(EK_BOOL);
	switch (nd->op) {
	case OP_EQ:
	case OP_NE:
		ok = lu || ru || (ln && rn) || expr_same(l, r);
		break;
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		ok = (ln && rn) || (ls && rs) || (lu && (rn || rs || ru)) ||
		     (ru && (ln || ls));
		break;
	case OP_AND:
	case OP_OR:
		ok = (l.kind == EK_BOOL || lu) && (r.kind == EK_BOOL || ru);
		break;
	case OP_ADD:
		if (ls && rs) {
			ok = true;
			*out = expr_t(EK_STRING);
			break;
		}
		/* fall through */
	case OP_SUB:
	case OP_MUL:
		if (ln && rn) {
			ok = true;
			*out = expr_t(l.kind == EK_INT && r.kind == EK_INT ?
				      EK_INT : EK_FLOAT);
		} else if ((lu && (rn || ru || (nd->op == OP_ADD && rs))) ||
			   (ru && (ln || (nd->op == OP_ADD && ls)))) {
			ok = true;
			*out = expr_t(EK_ANY);
		}
		break;
	case OP_DIV:
	case OP_POW:
		ok = (ln || lu) && (rn || ru);
		*out = expr_t(EK_FLOAT);
		break;
	case OP_MOD:
		ok = (l.kind == EK_INT || lu) && (r.kind == EK_INT || ru);
		*out = expr_t(EK_INT);
		break;
	default:
		break;
	}
	if (!ok) {
		return expr_fail(c, "invalid operation: %s (mismatched types %s "
				 "and %s)", nd->optext,
				 expr_type_name(l, at_runtime),
				 expr_type_name(r, at_runtime));
	}
	return 0;
}

static const struct expr_func_def *
expr_func_find(const char *name)
{
	for (size_t k = 0; k < sizeof(expr_funcs) / sizeof(expr_funcs[0]);
	     k++) {
		if (strcmp(expr_funcs[k].name, name) == 0) {
			return &expr_funcs[k];
		}
	}
	return NULL;
}

static int
expr_check(struct expr_ctx *c, int n, struct expr_type *out)
{
	const struct expr_node *nd = &c->nodes[n];
	struct expr_type t[3];
	for (int k = 0; k < nd->nkids; k++) {
		if (expr_check(c, nd->kid[k], &t[k]) < 0) {
			return -1;
		}
	}
	switch (nd->type) {
	case EN_INT:
		*out = expr_t(EK_INT);
		return 0;
	case EN_FLOAT:
		*out = expr_t(EK_FLOAT);
		return 0;
	case EN_BOOL:
		*out = expr_t(EK_BOOL);
		return 0;
	case EN_NIL:
		*out = expr_t(EK_NIL);
		return 0;
	case EN_STRING:
		*out = expr_t(EK_STRING);
		return 0;
	case EN_IDENT:
		if (strcmp(nd->sval, "result") != 0) {
			return expr_fail(c, "unknown name %s", nd->sval);
		}
		*out = expr_json_type(c->result, false);
		return 0;
	case EN_UNARY:
		if (nd->op == OP_NOT) {
			if (t[0].kind != EK_BOOL && !expr_unknown(t[0])) {
				return expr_fail(c, "invalid operation: %s "
						 "(mismatched type %s)",
						 nd->optext,
						 expr_type_name(t[0], false));
			}
			*out = expr_t(EK_BOOL);
			return 0;
		}
		if (!expr_num(t[0]) && !expr_unknown(t[0])) {
			return expr_fail(c, "invalid operation: %s (mismatched "
					 "type %s)", nd->optext,
					 expr_type_name(t[0], false));
		}
		*out = expr_num(t[0]) ? t[0] : expr_t(EK_ANY);
		return 0;
	case EN_BINARY:
		return expr_binop_type(c, nd, t[0], t[1], false, out);
	case EN_INDEX:
		if (t[0].kind == EK_ARRAY || t[0].kind == EK_STRING) {
			if (t[1].kind != EK_INT && !expr_unknown(t[1])) {
				return expr_fail(c, "array elements can only be "
						 "selected using an integer "
						 "(got %s)",
						 expr_type_name(t[1], false));
			}
			*out = t[0].kind == EK_STRING ? expr_t(EK_STRING) :
			       expr_t(t[0].elem);
			return 0;
		}
		if (t[0].kind == EK_MAP) {
			if (t[1].kind != EK_STRING && !expr_unknown(t[1])) {
				return expr_fail(c, "cannot use %s to get an "
						 "element from map[string]"
						 "interface {}",
						 expr_type_name(t[1], false));
			}
			*out = expr_t(EK_ANY);
			return 0;
		}
		if (expr_unknown(t[0])) {
			*out = expr_t(EK_ANY);
			return 0;
		}
		return expr_fail(c, "type %s[%s] is undefined",
				 expr_type_name(t[0], false),
				 expr_type_name(t[1], false));
	case EN_MEMBER:
		if (t[0].kind == EK_MAP || expr_unknown(t[0])) {
			*out = expr_t(EK_ANY);
			return 0;
		}
		return expr_fail(c, "type %s has no field %s",
				 expr_type_name(t[0], false), nd->sval);
	case EN_COND:
		if (t[0].kind != EK_BOOL && !expr_unknown(t[0])) {
			return expr_fail(c, "non-bool expression (type %s) used "
					 "as condition",
					 expr_type_name(t[0], false));
		}
		*out = expr_same(t[1], t[2]) ? t[1] : expr_t(EK_ANY);
		return 0;
	case EN_CALL:
		break;
	}
	const struct expr_func_def *f = expr_func_find(nd->sval);
	if (!f) {
		return expr_fail(c, "unknown name %s", nd->sval);
	}
	if (nd->nkids < f->nargs) {
		return expr_fail(c, "not enough arguments to call %s", f->name);
	}
	if (nd->nkids > f->nargs) {
		return expr_fail(c, "too many arguments to call %s", f->name);
	}
	switch (f->fn) {
	case EF_LEN:
		if (t[0].kind != EK_ARRAY && t[0].kind != EK_MAP &&
		    t[0].kind != EK_STRING && !expr_unknown(t[0])) {
			return expr_fail(c, "invalid argument for len (type %s)",
					 expr_type_name(t[0], false));
		}
		*out = expr_t(EK_INT);
		return 0;
	case EF_ISNAN:
	case EF_ISINF:
		if (!expr_num(t[0]) && !expr_unknown(t[0])) {
			return expr_fail(c, "cannot use %s as argument (type "
					 "float64) to call %s",
					 expr_type_name(t[0], false), f->name);
		}
		*out = expr_t(EK_BOOL);
		return 0;
	case EF_ASINT:
		*out = expr_t(EK_INT);
		return 0;
	case EF_ASFLOAT:
		*out = expr_t(EK_FLOAT);
		return 0;
	case EF_ISNIL:
		*out = expr_t(EK_BOOL);
		return 0;
	case EF_DEFAULT:
		break;
	}
	*out = expr_t(EK_ANY);
	return 0;
}

/* ---- evaluation ---- */

static struct expr_val
expr_json_val(const cJSON *j)
{
	struct expr_val v;
	memset(&v, 0, sizeof(v));
	v.kind = EK_NIL;
	if (!j) {
		return v;
	}
	if (cJSON_IsNumber(j)) {
		v.kind = EK_FLOAT;
		v.f = j->valuedouble;
	} else if (cJSON_IsBool(j)) {
		v.kind = EK_BOOL;
		v.b = cJSON_IsTrue(j);
	} else if (cJSON_IsString(j)) {
		v.kind = EK_STRING;
		v.s = j->valuestring;
	} else if (cJSON_IsArray(j)) {
		v.kind = EK_ARRAY;
		v.j = j;
	} else if (cJSON_IsObject(j)) {
		v.kind = EK_MAP;
		v.j = j;
	}
	return v;
}

static struct expr_type
expr_val_type(const struct expr_val *v)
{
	if (v->kind == EK_ARRAY || v->kind == EK_MAP) {
		return expr_json_type(v->j, true);
	}
	return expr_t(v->kind);
}

static const char *
expr_val_type_name(const struct expr_val *v)
{
	return expr_type_name(expr_val_type(v), true);
}

static double
expr_val_num(const struct expr_val *v)
{
	return v->kind == EK_INT ? (double)v->i : v->f;
}

static const char *
expr_keep(struct expr_ctx *c, char *s)
{
	c->arena = xrealloc(c->arena, (size_t)(c->narena + 1) *
			    sizeof(*c->arena));
	c->arena[c->narena++] = s;
	return s;
}

static bool
expr_val_equal(const struct expr_val *a, const struct expr_val *b)
{
	if (expr_num(expr_t(a->kind)) && expr_num(expr_t(b->kind))) {
		if (a->kind == EK_INT && b->kind == EK_INT) {
			return a->i == b->i;
		}
		return expr_val_num(a) == expr_val_num(b);
	}
	if (a->kind != b->kind) {
		return false;
	}
	switch (a->kind) {
	case EK_NIL:
		return true;
	case EK_BOOL:
		return a->b == b->b;
	case EK_STRING:
		return strcmp(a->s, b->s) == 0;
	case EK_ARRAY:
	case EK_MAP:
		return cJSON_Compare(a->j, b->j, 1) != 0;
	default:
		break;
	}
	return false;
}

static long long
expr_wrap(unsigned long long u)
{
	if (u <= (unsigned long long)LLONG_MAX) {
		return (long long)u;
	}
	return -(long long)(~u) - 1;
}

static int expr_run(struct expr_ctx *c, int n, struct expr_val *out);

static int
expr_run_binary(struct expr_ctx *c, const struct expr_node *nd,
		struct expr_val *out)
{
	struct expr_val l, r;
	struct expr_type rt;
	memset(out, 0, sizeof(*out));
	if (expr_run(c, nd->kid[0], &l) < 0) {
		return -1;
	}
	if (nd->op == OP_AND || nd->op == OP_OR) {
		if (l.kind != EK_BOOL) {
			return expr_binop_type(c, nd, expr_val_type(&l),
					       expr_t(EK_BOOL), true, &rt);
		}
		out->kind = EK_BOOL;
		if ((nd->op == OP_AND && !l.b) || (nd->op == OP_OR && l.b)) {
			out->b = l.b;
			return 0;
		}
		if (expr_run(c, nd->kid[1], &r) < 0) {
			return -1;
		}
		if (r.kind != EK_BOOL) {
			return expr_binop_type(c, nd, expr_val_type(&l),
					       expr_val_type(&r), true, &rt);
		}
		out->b = r.b;
		return 0;
	}
	if (expr_run(c, nd->kid[1], &r) < 0) {
		return -1;
	}
	if (nd->op == OP_EQ || nd->op == OP_NE) {
		out->kind = EK_BOOL;
		out->b = expr_val_equal(&l, &r) == (nd->op == OP_EQ);
		return 0;
	}
	if (expr_binop_type(c, nd, expr_val_type(&l), expr_val_type(&r), true,
			    &rt) < 0) {
		return -1;
	}
	out->kind = rt.kind;
	if (l.kind == EK_STRING) {
		int cmp = strcmp(l.s, r.s);
		switch (nd->op) {
		case OP_LT:
			out->b = cmp < 0;
			return 0;
		case OP_LE:
			out->b = cmp <= 0;
			return 0;
		case OP_GT:
			out->b = cmp > 0;
			return 0;
		case OP_GE:
			out->b = cmp >= 0;
			return 0;
		default:
			break;
		}
		size_t ll = strlen(l.s), rl = strlen(r.s);
		char *s = xmalloc(ll + rl + 1);
		memcpy(s, l.s, ll);
		memcpy(s + ll, r.s, rl + 1);
		out->s = expr_keep(c, s);
		return 0;
	}
	double a = expr_val_num(&l), b = expr_val_num(&r);
	bool ints = l.kind == EK_INT && r.kind == EK_INT;
	unsigned long long ua = (unsigned long long)l.i;
	unsigned long long ub = (unsigned long long)r.i;
	switch (nd->op) {
	case OP_LT:
		out->b = ints ? l.i < r.i : a < b;
		break;
	case OP_LE:
		out->b = ints ? l.i <= r.i : a <= b;
		break;
	case OP_GT:
		out->b = ints ? l.i > r.i : a > b;
		break;
	case OP_GE:
		out->b = ints ? l.i >= r.i : a >= b;
		break;
	case OP_ADD:
		out->i = expr_wrap(ua + ub);
		out->f = a + b;
		break;
	case OP_SUB:
		out->i = expr_wrap(ua - ub);
		out->f = a - b;
		break;
	case OP_MUL:
		out->i = expr_wrap(ua * ub);
		out->f = a * b;
		break;
	case OP_DIV:
		out->f = a / b;
		break;
	case OP_POW:
		out->f = pow(a, b);
		break;
	case OP_MOD:
		if (r.i == 0) {
			return expr_fail(c, "runtime error: integer divide by "
					 "zero");
		}
		out->i = r.i == -1 ? 0 : l.i % r.i;
		break;
	default:
		break;
	}
	return 0;
}

static int
expr_run_index(struct expr_ctx *c, const struct expr_node *nd,
	       struct expr_val *out)
{
	struct expr_val base, idx;
	memset(out, 0, sizeof(*out));
	if (expr_run(c, nd->kid[0], &base) < 0) {
		return -1;
	}
	if (nd->type == EN_MEMBER) {
		memset(&idx, 0, sizeof(idx));
		idx.kind = EK_STRING;
		idx.s = nd->sval;
	} else if (expr_run(c, nd->kid[1], &idx) < 0) {
		return -1;
	}
	if (base.kind == EK_MAP && idx.kind == EK_STRING) {
		*out = expr_json_val(cJSON_GetObjectItemCaseSensitive(base.j,
								      idx.s));
		return 0;
	}
	if ((base.kind == EK_ARRAY || base.kind == EK_STRING) &&
	    idx.kind == EK_INT) {
		long long len = base.kind == EK_ARRAY ?
				cJSON_GetArraySize(base.j) :
				(long long)strlen(base.s);
		long long i = idx.i;
		if (i < 0) {
			i += len;
		}
		if (i < 0 || i >= len) {
			return expr_fail(c, "index out of range: %lld (array "
					 "length is %lld)", i, len);
		}
		if (base.kind == EK_ARRAY) {
			*out = expr_json_val(cJSON_GetArrayItem(base.j, (int)i));
			return 0;
		}
		out->kind = EK_STRING;
		out->s = expr_keep(c, xstrndup(base.s + i, 1));
		return 0;
	}
	if (base.kind == EK_ARRAY) {
		return expr_fail(c, "array elements can only be selected using "
				 "an integer (got %s)",
				 expr_val_type_name(&idx));
	}
	if (idx.kind == EK_STRING) {
		return expr_fail(c, "cannot fetch %s from %s", idx.s,
				 expr_val_type_name(&base));
	}
	if (idx.kind == EK_INT) {
		return expr_fail(c, "cannot fetch %lld from %s", idx.i,
				 expr_val_type_name(&base));
	}
	return expr_fail(c, "cannot fetch %s from %s",
			 expr_val_type_name(&idx), expr_val_type_name(&base));
}

static int
expr_parse_go_int(const char *s, long long *out)
{
	const char *p = s;
	if (*p == '+' || *p == '-') {
		p++;
	}
	if (!expr_is_digit(*p)) {
		return -1;
	}
	while (expr_is_digit(*p)) {
		p++;
	}
	if (*p) {
		return -1;
	}
	errno = 0;
	*out = strtoll(s, NULL, 10);
	return errno == ERANGE ? -1 : 0;
}

static int
expr_run_call(struct expr_ctx *c, const struct expr_node *nd,
	      struct expr_val *out)
{
	const struct expr_func_def *f = expr_func_find(nd->sval);
	struct expr_val a[3];
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < nd->nkids; k++) {
		if (expr_run(c, nd->kid[k], &a[k]) < 0) {
			return -1;
		}
	}
	bool result_nil = !c->result || cJSON_IsNull(c->result);
	switch (f->fn) {
	case EF_LEN:
		out->kind = EK_INT;
		if (a[0].kind == EK_ARRAY || a[0].kind == EK_MAP) {
			out->i = cJSON_GetArraySize(a[0].j);
		} else if (a[0].kind == EK_STRING) {
			out->i = (long long)strlen(a[0].s);
		} else {
			return expr_fail(c, "invalid argument for len (type %s)",
					 expr_val_type_name(&a[0]));
		}
		return 0;
	case EF_ISNAN:
	case EF_ISINF:
		if (!expr_num(expr_t(a[0].kind))) {
			return expr_fail(c, "cannot use %s as argument (type "
					 "float64) to call %s",
					 expr_val_type_name(&a[0]), f->name);
		}
		out->kind = EK_BOOL;
		if (a[0].kind == EK_FLOAT) {
			out->b = f->fn == EF_ISNAN ? isnan(a[0].f) :
				 isinf(a[0].f);
		}
		return 0;
	case EF_ASINT:
		out->kind = EK_INT;
		if (a[0].kind == EK_INT) {
			out->i = a[0].i;
		} else if (a[0].kind == EK_FLOAT) {
			double d = a[0].f;
			out->i = isnan(d) ? LLONG_MIN :
				 d >= 9223372036854775807.0 ? LLONG_MIN :
				 d < -9223372036854775808.0 ? LLONG_MIN :
				 (long long)d;
		} else if (a[0].kind == EK_STRING) {
			if (expr_parse_go_int(a[0].s, &out->i) < 0) {
				return expr_fail(c, "strconv.ParseInt: parsing "
						 "\"%s\": invalid syntax",
						 a[0].s);
			}
		} else {
			return expr_fail(c, "asInt() not supported on %s",
					 expr_val_type_name(&a[0]));
		}
		return 0;
	case EF_ASFLOAT:
		out->kind = EK_FLOAT;
		if (a[0].kind == EK_INT || a[0].kind == EK_FLOAT) {
			out->f = expr_val_num(&a[0]);
		} else if (a[0].kind == EK_STRING) {
			char *end;
			out->f = strtod(a[0].s, &end);
			if (!a[0].s[0] || *end) {
				return expr_fail(c, "strconv.ParseFloat: parsing "
						 "\"%s\": invalid syntax",
						 a[0].s);
			}
		} else {
			return expr_fail(c, "asFloat() not supported on %s",
					 expr_val_type_name(&a[0]));
		}
		return 0;
	case EF_ISNIL:
		/* Argo's isNil() looks at the result, whatever it is given */
		out->kind = EK_BOOL;
		out->b = result_nil;
		return 0;
	case EF_DEFAULT:
		break;
	}
	*out = result_nil ? a[1] : expr_json_val(c->result);
	return 0;
}

static int
expr_run(struct expr_ctx *c, int n, struct expr_val *out)
{
	const struct expr_node *nd = &c->nodes[n];
	memset(out, 0, sizeof(*out));
	switch (nd->type) {
	case EN_INT:
		out->kind = EK_INT;
		out->i = nd->ival;
		return 0;
	case EN_FLOAT:
		out->kind = EK_FLOAT;
		out->f = nd->fval;
		return 0;
	case EN_BOOL:
		out->kind = EK_BOOL;
		out->b = nd->bval;
		return 0;
	case EN_NIL:
		out->kind = EK_NIL;
		return 0;
	case EN_STRING:
		out->kind = EK_STRING;
		out->s = nd->sval;
		return 0;
	case EN_IDENT:
		*out = expr_json_val(c->result);
		return 0;
	case EN_UNARY: {
		struct expr_val v;
		if (expr_run(c, nd->kid[0], &v) < 0) {
			return -1;
		}
		if (nd->op == OP_NOT) {
			if (v.kind != EK_BOOL) {
				return expr_fail(c, "invalid operation: %s "
						 "(mismatched type %s)",
						 nd->optext,
						 expr_val_type_name(&v));
			}
			out->kind = EK_BOOL;
			out->b = !v.b;
			return 0;
		}
		if (!expr_num(expr_t(v.kind))) {
			return expr_fail(c, "invalid operation: %s (mismatched "
					 "type %s)", nd->optext,
					 expr_val_type_name(&v));
		}
		*out = v;
		if (nd->op == OP_NEG) {
			out->i = expr_wrap(0ULL - (unsigned long long)v.i);
			out->f = -v.f;
		}
		return 0;
	}
	case EN_BINARY:
		return expr_run_binary(c, nd, out);
	case EN_INDEX:
	case EN_MEMBER:
		return expr_run_index(c, nd, out);
	case EN_CALL:
		return expr_run_call(c, nd, out);
	case EN_COND: {
		struct expr_val cond;
		if (expr_run(c, nd->kid[0], &cond) < 0) {
			return -1;
		}
		if (cond.kind != EK_BOOL) {
			return expr_fail(c, "non-bool expression (type %s) used "
					 "as condition",
					 expr_val_type_name(&cond));
		}
		return expr_run(c, nd->kid[cond.b ? 1 : 2], out);
	}
	}
	return expr_fail(c, "internal error: bad node");
}

int
expr_eval_bool(const char *cond, const cJSON *result, bool *out,
	       struct buf *err)
{
	struct expr_ctx c;
	struct expr_type t;
	struct expr_val v;
	int rc = -1, root;
	memset(&c, 0, sizeof(c));
	c.src = cond ? cond : "";
	c.result = result;
	c.err = err;
	*out = false;
	if (expr_next(&c) < 0) {
		goto done;
	}
	root = expr_parse(&c, 0);
	if (root < 0) {
		goto done;
	}
	if (c.tok != ET_EOF) {
		expr_unexpected(&c);
		goto done;
	}
	if (expr_check(&c, root, &t) < 0 || expr_run(&c, root, &v) < 0) {
		goto done;
	}
	if (v.kind != EK_BOOL) {
		expr_fail(&c, "expected bool, but got %s",
			  expr_val_type_name(&v));
		goto done;
	}
	*out = v.b;
	rc = 0;
done:
	free(c.tstr);
	for (int i = 0; i < c.nnodes; i++) {
		free(c.nodes[i].sval);
	}
	free(c.nodes);
	for (int i = 0; i < c.narena; i++) {
		free(c.arena[i]);
	}
	free(c.arena);
	return rc;
}
