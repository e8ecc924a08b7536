/* policy/jmespath.c - a JMESPath subset over jansson documents, for the
 * JmesPath(json, query) function of Azure Attestation policy 1.2.
 *
 * Three stages: the lexer turns the whole query into tokens (at most one
 * per byte, so the query length limit bounds everything after it); a
 * Pratt parser builds a tree using the binding powers of the reference
 * implementation (jmespath.py), because where a projection starts and
 * stops is decided by those numbers and nothing else, and a policy must
 * mean here what it means in Azure; the evaluator walks the tree over the
 * jansson document.
 *
 * Every recursion is bounded: the parser and the tree by
 * VOUCH_JMESPATH_MAX_DEPTH, the JSON (input and backtick literals) by
 * VOUCH_JMESPATH_MAX_JSON_DEPTH, checked before jansson (itself
 * recursive) sees it.  Evaluation pays for its work from a step budget,
 * so no query/document pair runs long or builds large intermediates. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "policy/jmespath.h"

/* One step per tree node visited, per array element or object member
 * projected, per JSON node compared; strings pay one step per this many
 * bytes they are scanned or built. */
#define STEP_BYTES 64u

/* ------------------------------------------------------------------------
 * Errors.  Columns are 1-based byte positions in the query.
 */

static vouch_status syntax_error(vouch_err *err, size_t pos, const char *fmt, ...)
    VOUCH_PRINTF(3, 4);
static vouch_status syntax_error(vouch_err *err, size_t pos, const char *fmt, ...) {
  char msg[192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return vouch_fail(err, VOUCH_E_MALFORMED, "JmesPath: syntax error at column %zu: %s", pos + 1,
                    msg);
}

static vouch_status unsupported(vouch_err *err, size_t pos, const char *what) {
  return vouch_fail(err, VOUCH_E_UNSUPPORTED, "JmesPath: %s is not supported (column %zu)", what,
                    pos + 1);
}

static vouch_status nomem(vouch_err *err) {
  return vouch_fail(err, VOUCH_E_NOMEM, "JmesPath: out of memory");
}

/* ------------------------------------------------------------------------
 * Lexer.
 */

typedef enum {
  T_EOF,
  T_IDENT,   /* unquoted identifier */
  T_QUOTED,  /* "quoted identifier" */
  T_NUMBER,  /* only meaningful inside [ ] */
  T_RAW,     /* 'raw string' */
  T_LITERAL, /* `json` */
  T_DOT,
  T_STAR,
  T_FLATTEN, /* [] */
  T_FILTER,  /* [? */
  T_LBRACKET,
  T_RBRACKET,
  T_LBRACE,
  T_RBRACE,
  T_LPAREN,
  T_RPAREN,
  T_COMMA,
  T_COLON,
  T_PIPE,
  T_OR,
  T_AND,
  T_EXPREF, /* & */
  T_NOT,
  T_EQ,
  T_NE,
  T_LT,
  T_LE,
  T_GT,
  T_GE,
  T_CURRENT, /* @ */
} tok_kind;

static const char *tok_name(tok_kind k) {
  switch (k) {
    case T_EOF: return "end of query";
    case T_IDENT: return "identifier";
    case T_QUOTED: return "quoted identifier";
    case T_NUMBER: return "number";
    case T_RAW: return "raw string";
    case T_LITERAL: return "literal";
    case T_DOT: return "'.'";
    case T_STAR: return "'*'";
    case T_FLATTEN: return "'[]'";
    case T_FILTER: return "'[?'";
    case T_LBRACKET: return "'['";
    case T_RBRACKET: return "']'";
    case T_LBRACE: return "'{'";
    case T_RBRACE: return "'}'";
    case T_LPAREN: return "'('";
    case T_RPAREN: return "')'";
    case T_COMMA: return "','";
    case T_COLON: return "':'";
    case T_PIPE: return "'|'";
    case T_OR: return "'||'";
    case T_AND: return "'&&'";
    case T_EXPREF: return "'&'";
    case T_NOT: return "'!'";
    case T_EQ: return "'=='";
    case T_NE: return "'!='";
    case T_LT: return "'<'";
    case T_LE: return "'<='";
    case T_GT: return "'>'";
    case T_GE: return "'>='";
    case T_CURRENT: return "'@'";
  }
  return "token";
}

/* Binding powers of jmespath.py.  Tokens below BP_PROJECTION_STOP end the
 * right-hand side of a projection: that is why `a[*].b | c` applies c to
 * the whole list while `a[*].b.c` applies .c to each element. */
enum { BP_PROJECTION_STOP = 10 };
static int bp(tok_kind k) {
  switch (k) {
    case T_PIPE: return 1;
    case T_OR: return 2;
    case T_AND: return 3;
    case T_EQ:
    case T_NE:
    case T_LT:
    case T_LE:
    case T_GT:
    case T_GE: return 5;
    case T_FLATTEN: return 9;
    case T_STAR: return 20;
    case T_FILTER: return 21;
    case T_DOT: return 40;
    case T_NOT: return 45;
    case T_LBRACE: return 50;
    case T_LBRACKET: return 55;
    case T_LPAREN: return 60;
    default: return 0;
  }
}

typedef struct {
  tok_kind kind;
  size_t pos;    /* byte offset of the token in the query */
  int64_t num;   /* T_NUMBER, saturated far outside any array */
  json_t *value; /* owned: T_IDENT/T_QUOTED name, T_RAW string, T_LITERAL value */
} token;

typedef struct {
  const char *q;
  size_t len;
  token *toks; /* len + 1 entries: every token but EOF takes a byte */
  size_t n;
  char *scratch; /* len bytes: unescaped raw strings and literals */
  vouch_err *err;
} lexer;

static bool is_ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_ident_char(unsigned char c) { return is_ident_start(c) || is_digit(c); }

/* json_depth_ok: whether the bracket nesting of JSON text |s| stays within
 * |max|, so that jansson's recursive parser (and everything recursive
 * here) only ever sees shallow documents.  Strings are skipped; anything
 * malformed is left for jansson to report. */
static bool json_depth_ok(const char *s, size_t len, int max) {
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        in_str = false;
      }
    } else if (c == '"') {
      in_str = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return false;
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return true;
}

/* lex_delimited: from the opening |delim| at |start|, copies the body into
 * the scratch buffer, turning backslash + |delim| into |delim| and keeping
 * every other backslash pair as it is (JEP 12 for raw strings; the same
 * rule jmespath.py applies to literals).  *end is the closing delimiter. */
static vouch_status lex_delimited(lexer *lx, size_t start, char delim, const char *what,
                                  size_t *out_len, size_t *end) {
  size_t n = 0, j = start + 1;
  while (j < lx->len && lx->q[j] != delim) {
    if (lx->q[j] == '\\' && j + 1 < lx->len) {
      if (lx->q[j + 1] != delim) lx->scratch[n++] = '\\';
      lx->scratch[n++] = lx->q[j + 1];
      j += 2;
    } else {
      lx->scratch[n++] = lx->q[j++];
    }
  }
  if (j >= lx->len) return syntax_error(lx->err, start, "unterminated %s", what);
  *out_len = n;
  *end = j;
  return VOUCH_OK;
}

static vouch_status lex_one(lexer *lx, size_t *i) {
  const char *q = lx->q;
  size_t len = lx->len, p = *i;
  unsigned char c = (unsigned char)q[p];
  token *t = &lx->toks[lx->n];
  memset(t, 0, sizeof(*t));
  t->pos = p;
  size_t next = p + 1; /* one past the token */
  char c1 = p + 1 < len ? q[p + 1] : '\0';

  if (is_ident_start(c)) {
    while (next < len && is_ident_char((unsigned char)q[next])) next++;
    t->kind = T_IDENT;
    t->value = json_stringn(q + p, next - p);
    if (t->value == NULL) return nomem(lx->err);
  } else if (is_digit(c) || (c == '-' && is_digit((unsigned char)c1))) {
    bool neg = c == '-';
    next = neg ? p + 1 : p;
    int64_t v = 0;
    for (; next < len && is_digit((unsigned char)q[next]); next++) {
      /* Saturate: an index this large is out of range of any array. */
      if (v < (INT64_C(1) << 53)) v = v * 10 + (q[next] - '0');
    }
    t->kind = T_NUMBER;
    t->num = neg ? -v : v;
  } else if (c == '"') {
    size_t j = p + 1;
    while (j < len && q[j] != '"') j += q[j] == '\\' ? 2 : 1;
    if (j >= len) return syntax_error(lx->err, p, "unterminated quoted identifier");
    next = j + 1;
    /* The body is a JSON string, escapes and all (\u0000 included). */
    json_error_t jerr;
    t->value = json_loadb(q + p, next - p, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (t->value == NULL || !json_is_string(t->value)) {
      json_decref(t->value); /* not counted in lx->n yet, so not freed later */
      t->value = NULL;
      return syntax_error(lx->err, p, "invalid quoted identifier (must be a JSON string)");
    }
    t->kind = T_QUOTED;
  } else if (c == '\'') {
    size_t n, end;
    VOUCH_GUARD(lex_delimited(lx, p, '\'', "raw string", &n, &end));
    next = end + 1;
    t->kind = T_RAW;
    t->value = json_stringn(lx->scratch, n); /* NULL also for invalid UTF-8 */
    if (t->value == NULL) return syntax_error(lx->err, p, "raw string is not valid UTF-8");
  } else if (c == '`') {
    size_t n, end;
    VOUCH_GUARD(lex_delimited(lx, p, '`', "literal", &n, &end));
    next = end + 1;
    if (!json_depth_ok(lx->scratch, n, VOUCH_JMESPATH_MAX_JSON_DEPTH)) {
      return vouch_fail(lx->err, VOUCH_E_LIMIT,
                        "JmesPath: literal at column %zu nested deeper than %d", p + 1,
                        VOUCH_JMESPATH_MAX_JSON_DEPTH);
    }
    json_error_t jerr;
    t->value = json_loadb(lx->scratch, n,
                          JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (t->value == NULL) return syntax_error(lx->err, p, "invalid JSON literal: %s", jerr.text);
    t->kind = T_LITERAL;
  } else {
    switch (c) {
      case '.': t->kind = T_DOT; break;
      case '*': t->kind = T_STAR; break;
      case '@': t->kind = T_CURRENT; break;
      case ']': t->kind = T_RBRACKET; break;
      case '{': t->kind = T_LBRACE; break;
      case '}': t->kind = T_RBRACE; break;
      case '(': t->kind = T_LPAREN; break;
      case ')': t->kind = T_RPAREN; break;
      case ',': t->kind = T_COMMA; break;
      case ':': t->kind = T_COLON; break;
      case '[':
        /* No blank allowed inside "[]" and "[?", as in jmespath.py. */
        t->kind = c1 == ']' ? T_FLATTEN : c1 == '?' ? T_FILTER : T_LBRACKET;
        if (t->kind != T_LBRACKET) next++;
        break;
      case '|':
        t->kind = c1 == '|' ? T_OR : T_PIPE;
        if (c1 == '|') next++;
        break;
      case '&':
        t->kind = c1 == '&' ? T_AND : T_EXPREF;
        if (c1 == '&') next++;
        break;
      case '!':
        t->kind = c1 == '=' ? T_NE : T_NOT;
        if (c1 == '=') next++;
        break;
      case '<':
        t->kind = c1 == '=' ? T_LE : T_LT;
        if (c1 == '=') next++;
        break;
      case '>':
        t->kind = c1 == '=' ? T_GE : T_GT;
        if (c1 == '=') next++;
        break;
      case '=':
        if (c1 != '=') return syntax_error(lx->err, p, "'=' is not an operator (use '==')");
        t->kind = T_EQ;
        next++;
        break;
      default:
        if (c >= 0x21 && c < 0x7f) {
          return syntax_error(lx->err, p, "unexpected character '%c'", c);
        }
        return syntax_error(lx->err, p, "unexpected byte 0x%02x", c);
    }
  }
  lx->n++;
  *i = next;
  return VOUCH_OK;
}

static vouch_status lex(lexer *lx) {
  size_t i = 0;
  while (i < lx->len) {
    char c = lx->q[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      i++;
      continue;
    }
    VOUCH_GUARD(lex_one(lx, &i));
  }
  token *t = &lx->toks[lx->n++];
  memset(t, 0, sizeof(*t));
  t->kind = T_EOF;
  t->pos = lx->len;
  return VOUCH_OK;
}

/* ------------------------------------------------------------------------
 * Tree.  Sub-expressions, index chains and pipes are all "apply the next
 * expression to the result of the previous one", so they share one n-ary
 * N_CHAIN node; && and || are n-ary too (both are associative).  Long
 * chains therefore stay shallow, and the depth limit only bites on real
 * nesting.
 */

typedef enum {
  N_IDENTITY, /* @, and the implicit "current element" of projections */
  N_FIELD,
  N_INDEX,
  N_CHAIN,
  N_PROJECT, /* [*], [] : left must be an array */
  N_VALUES,  /* *      : left must be an object */
  N_FILTER,  /* [?cond]  */
  N_FLATTEN,
  N_CMP,
  N_AND,
  N_OR,
  N_NOT,
  N_LITERAL,
  N_FUNC,
} node_kind;

typedef enum { F_LENGTH, F_CONTAINS, F_STARTS_WITH, F_TO_STRING } func_id;
static const struct {
  const char *name;
  size_t nargs;
} kFuncs[] = {
    [F_LENGTH] = {"length", 1},
    [F_CONTAINS] = {"contains", 2},
    [F_STARTS_WITH] = {"starts_with", 2},
    [F_TO_STRING] = {"to_string", 1},
};

typedef struct node node;
struct node {
  node_kind kind;
  int depth;           /* 1 + the deepest child */
  tok_kind op;         /* N_CMP */
  func_id fn;          /* N_FUNC */
  int64_t index;       /* N_INDEX */
  const json_t *value; /* N_FIELD name, N_LITERAL value: borrowed from a token */
  node *left, *right, *cond;
  node *first, *last, *next; /* children of N_CHAIN, N_AND, N_OR, N_FUNC */
  size_t num_kids;
};

typedef struct {
  const token *toks;
  size_t i; /* current token; never moves past T_EOF */
  node *pool;
  size_t num_nodes, cap_nodes;
  int depth; /* parse_expr recursion */
  vouch_err *err;
} parser;

static const token *cur(const parser *p) { return &p->toks[p->i]; }
static tok_kind peek(const parser *p, size_t ahead) {
  for (size_t j = p->i, k = 0; p->toks[j].kind != T_EOF; j++, k++) {
    if (k == ahead) return p->toks[j].kind;
  }
  return T_EOF;
}
static void advance(parser *p) {
  if (p->toks[p->i].kind != T_EOF) p->i++;
}

static vouch_status too_deep(parser *p) {
  return vouch_fail(p->err, VOUCH_E_LIMIT,
                    "JmesPath: expression nested deeper than %d levels (column %zu)",
                    VOUCH_JMESPATH_MAX_DEPTH, cur(p)->pos + 1);
}

static vouch_status new_node(parser *p, node_kind kind, node **out) {
  /* The pool is sized from the token count (no token makes more than four
   * nodes), so running out is a bug, not an input property. */
  if (p->num_nodes >= p->cap_nodes) {
    return vouch_fail(p->err, VOUCH_E_INTERNAL, "JmesPath: node pool exhausted");
  }
  node *n = &p->pool[p->num_nodes++];
  memset(n, 0, sizeof(*n));
  n->kind = kind;
  n->depth = 1;
  *out = n;
  return VOUCH_OK;
}

/* hold: records that |kid| sits under |n|, enforcing the depth limit. */
static vouch_status hold(parser *p, node *n, const node *kid) {
  if (kid != NULL && kid->depth + 1 > n->depth) n->depth = kid->depth + 1;
  if (n->depth > VOUCH_JMESPATH_MAX_DEPTH) return too_deep(p);
  return VOUCH_OK;
}

static vouch_status list_add(parser *p, node *n, node *kid) {
  if (kid->kind == n->kind && kid->kind != N_FUNC) {
    /* Splice: (a.b).c is a.b.c, (a && b) && c is a && b && c. */
    if (kid->first == NULL) return VOUCH_OK;
    if (n->last != NULL) {
      n->last->next = kid->first;
    } else {
      n->first = kid->first;
    }
    n->last = kid->last;
    n->num_kids += kid->num_kids;
    for (const node *k = kid->first; k != NULL; k = k->next) VOUCH_GUARD(hold(p, n, k));
    return VOUCH_OK;
  }
  kid->next = NULL;
  if (n->last != NULL) {
    n->last->next = kid;
  } else {
    n->first = kid;
  }
  n->last = kid;
  n->num_kids++;
  return hold(p, n, kid);
}

/* join: |left| followed by |right| in a list node of |kind|, reusing
 * |left| when it already is one. */
static vouch_status join(parser *p, node_kind kind, node *left, node *right, node **out) {
  node *n = left;
  if (left->kind != kind) {
    VOUCH_GUARD(new_node(p, kind, &n));
    VOUCH_GUARD(list_add(p, n, left));
  }
  VOUCH_GUARD(list_add(p, n, right));
  *out = n;
  return VOUCH_OK;
}

static vouch_status make2(parser *p, node_kind kind, node *left, node *right, node **out) {
  node *n = NULL;
  VOUCH_GUARD(new_node(p, kind, &n));
  n->left = left;
  n->right = right;
  VOUCH_GUARD(hold(p, n, left));
  VOUCH_GUARD(hold(p, n, right));
  *out = n;
  return VOUCH_OK;
}

static vouch_status identity(parser *p, node **out) { return new_node(p, N_IDENTITY, out); }

static vouch_status expect(parser *p, tok_kind kind, const char *what) {
  if (cur(p)->kind != kind) {
    return syntax_error(p->err, cur(p)->pos, "expected %s, found %s", what,
                        tok_name(cur(p)->kind));
  }
  advance(p);
  return VOUCH_OK;
}

static vouch_status parse_expr(parser *p, int rbp, node **out);

/* projection_rhs: what a projection applies to each element.  A token
 * that binds weaker than a projection ends it (the element itself is
 * kept); '[', '[?' and '.' continue it. */
static vouch_status dot_rhs(parser *p, int rbp, node **out);
static vouch_status projection_rhs(parser *p, int rbp, node **out) {
  tok_kind k = cur(p)->kind;
  if (bp(k) < BP_PROJECTION_STOP) return identity(p, out);
  if (k == T_LBRACKET || k == T_FILTER) return parse_expr(p, rbp, out);
  if (k == T_DOT) {
    advance(p);
    return dot_rhs(p, rbp, out);
  }
  return syntax_error(p->err, cur(p)->pos, "unexpected %s after a projection", tok_name(k));
}

static vouch_status dot_rhs(parser *p, int rbp, node **out) {
  tok_kind k = cur(p)->kind;
  if (k == T_IDENT || k == T_QUOTED || k == T_STAR) return parse_expr(p, rbp, out);
  if (k == T_LBRACKET) return unsupported(p->err, cur(p)->pos, "multi-select list '[a, b]'");
  if (k == T_LBRACE) return unsupported(p->err, cur(p)->pos, "multi-select hash '{k: v}'");
  return syntax_error(p->err, cur(p)->pos, "expected an identifier after '.', found %s",
                      tok_name(k));
}

/* index: at the number (or ':') after '['; |open| is the '['. */
static vouch_status index_expr(parser *p, const token *open, node **out) {
  if (cur(p)->kind == T_COLON || peek(p, 1) == T_COLON) {
    return unsupported(p->err, open->pos, "slice '[start:stop:step]'");
  }
  node *n = NULL;
  VOUCH_GUARD(new_node(p, N_INDEX, &n));
  n->index = cur(p)->num;
  advance(p);
  VOUCH_GUARD(expect(p, T_RBRACKET, "']'"));
  *out = n;
  return VOUCH_OK;
}

static vouch_status filter(parser *p, node *left, node **out) {
  node *cond = NULL, *right = NULL, *n = NULL;
  VOUCH_GUARD(parse_expr(p, 0, &cond));
  VOUCH_GUARD(expect(p, T_RBRACKET, "']' closing the filter"));
  if (cur(p)->kind == T_FLATTEN) {
    VOUCH_GUARD(identity(p, &right));
  } else {
    VOUCH_GUARD(projection_rhs(p, bp(T_FILTER), &right));
  }
  VOUCH_GUARD(make2(p, N_FILTER, left, right, &n));
  n->cond = cond;
  VOUCH_GUARD(hold(p, n, cond));
  *out = n;
  return VOUCH_OK;
}

/* project: [*] / [] after |left| (already flattened for []). */
static vouch_status project(parser *p, node_kind kind, node *left, tok_kind what, node **out) {
  node *right = NULL;
  VOUCH_GUARD(projection_rhs(p, bp(what), &right));
  return make2(p, kind, left, right, out);
}

static vouch_status flatten_of(parser *p, node *child, node **out) {
  return make2(p, N_FLATTEN, child, NULL, out);
}

static vouch_status nud(parser *p, const token *t, node **out) {
  node *n = NULL, *id = NULL;
  switch (t->kind) {
    case T_LITERAL:
    case T_RAW:
      VOUCH_GUARD(new_node(p, N_LITERAL, &n));
      n->value = t->value;
      *out = n;
      return VOUCH_OK;
    case T_QUOTED:
      if (cur(p)->kind == T_LPAREN) {
        return syntax_error(p->err, t->pos, "a quoted identifier cannot name a function");
      }
      /* fall through */
    case T_IDENT:
      VOUCH_GUARD(new_node(p, N_FIELD, &n));
      n->value = t->value;
      *out = n;
      return VOUCH_OK;
    case T_CURRENT: return identity(p, out);
    case T_STAR:
      VOUCH_GUARD(identity(p, &id));
      if (cur(p)->kind == T_RBRACKET) {
        node *right = NULL;
        VOUCH_GUARD(identity(p, &right));
        return make2(p, N_VALUES, id, right, out);
      }
      return project(p, N_VALUES, id, T_STAR, out);
    case T_FILTER:
      VOUCH_GUARD(identity(p, &id));
      return filter(p, id, out);
    case T_LBRACE: return unsupported(p->err, t->pos, "multi-select hash '{k: v}'");
    case T_LPAREN:
      VOUCH_GUARD(parse_expr(p, 0, &n));
      VOUCH_GUARD(expect(p, T_RPAREN, "')'"));
      *out = n;
      return VOUCH_OK;
    case T_FLATTEN:
      VOUCH_GUARD(identity(p, &id));
      VOUCH_GUARD(flatten_of(p, id, &n));
      return project(p, N_PROJECT, n, T_FLATTEN, out);
    case T_NOT: {
      node *e = NULL;
      VOUCH_GUARD(parse_expr(p, bp(T_NOT), &e));
      return make2(p, N_NOT, e, NULL, out);
    }
    case T_LBRACKET:
      if (cur(p)->kind == T_NUMBER || cur(p)->kind == T_COLON) return index_expr(p, t, out);
      if (cur(p)->kind == T_STAR && peek(p, 1) == T_RBRACKET) {
        advance(p);
        advance(p);
        VOUCH_GUARD(identity(p, &id));
        return project(p, N_PROJECT, id, T_STAR, out);
      }
      if (cur(p)->kind == T_RBRACKET) return syntax_error(p->err, t->pos, "empty '[ ]'");
      return unsupported(p->err, t->pos, "multi-select list '[a, b]'");
    case T_EXPREF: return unsupported(p->err, t->pos, "expression reference '&expr'");
    case T_EOF: return syntax_error(p->err, t->pos, "expected an expression, found end of query");
    default: return syntax_error(p->err, t->pos, "unexpected %s", tok_name(t->kind));
  }
}

static vouch_status function(parser *p, const token *paren, node *left, node **out) {
  /* Only a bare identifier right before '(' names a function ("a.f(@)"
   * included); "(f)(@)" or "f(@)(@)" do not call anything. */
  const token *name_tok = paren - 1;
  if (left->kind != N_FIELD || name_tok->kind != T_IDENT) {
    return syntax_error(p->err, paren->pos, "'(' does not follow a function name");
  }
  const char *name = json_string_value(left->value);
  size_t name_len = json_string_length(left->value);
  size_t fn = 0;
  while (fn < sizeof(kFuncs) / sizeof(kFuncs[0]) &&
         !(strlen(kFuncs[fn].name) == name_len && memcmp(kFuncs[fn].name, name, name_len) == 0)) {
    fn++;
  }
  if (fn == sizeof(kFuncs) / sizeof(kFuncs[0])) {
    return vouch_fail(p->err, VOUCH_E_UNSUPPORTED,
                      "JmesPath: function '%.64s' is not supported (column %zu)", name,
                      name_tok->pos + 1);
  }
  node *n = NULL;
  VOUCH_GUARD(new_node(p, N_FUNC, &n));
  n->fn = (func_id)fn;
  while (cur(p)->kind != T_RPAREN) {
    if (n->num_kids > 0) VOUCH_GUARD(expect(p, T_COMMA, "',' or ')'"));
    node *arg = NULL;
    VOUCH_GUARD(parse_expr(p, 0, &arg));
    VOUCH_GUARD(list_add(p, n, arg));
  }
  advance(p);
  if (n->num_kids != kFuncs[fn].nargs) {
    return vouch_fail(p->err, VOUCH_E_MALFORMED,
                      "JmesPath: invalid-arity: %s() takes %zu argument%s, got %zu (column %zu)",
                      kFuncs[fn].name, kFuncs[fn].nargs, kFuncs[fn].nargs == 1 ? "" : "s",
                      n->num_kids, name_tok->pos + 1);
  }
  *out = n;
  return VOUCH_OK;
}

static vouch_status led(parser *p, const token *t, node *left, node **out) {
  node *right = NULL, *n = NULL;
  switch (t->kind) {
    case T_DOT:
      if (cur(p)->kind == T_STAR) {
        advance(p);
        return project(p, N_VALUES, left, T_DOT, out);
      }
      VOUCH_GUARD(dot_rhs(p, bp(T_DOT), &right));
      return join(p, N_CHAIN, left, right, out);
    case T_PIPE:
      VOUCH_GUARD(parse_expr(p, bp(T_PIPE), &right));
      return join(p, N_CHAIN, left, right, out);
    case T_OR:
    case T_AND:
      VOUCH_GUARD(parse_expr(p, bp(t->kind), &right));
      return join(p, t->kind == T_OR ? N_OR : N_AND, left, right, out);
    case T_LPAREN: return function(p, t, left, out);
    case T_FILTER: return filter(p, left, out);
    case T_EQ:
    case T_NE:
    case T_LT:
    case T_LE:
    case T_GT:
    case T_GE:
      VOUCH_GUARD(parse_expr(p, bp(t->kind), &right));
      VOUCH_GUARD(make2(p, N_CMP, left, right, &n));
      n->op = t->kind;
      *out = n;
      return VOUCH_OK;
    case T_FLATTEN:
      VOUCH_GUARD(flatten_of(p, left, &n));
      return project(p, N_PROJECT, n, T_FLATTEN, out);
    case T_LBRACKET:
      if (cur(p)->kind == T_NUMBER || cur(p)->kind == T_COLON) {
        VOUCH_GUARD(index_expr(p, t, &right));
        return join(p, N_CHAIN, left, right, out);
      }
      if (cur(p)->kind != T_STAR) {
        return syntax_error(p->err, cur(p)->pos, "expected a number, '*' or '?' after '[', found %s",
                            tok_name(cur(p)->kind));
      }
      advance(p);
      VOUCH_GUARD(expect(p, T_RBRACKET, "']'"));
      return project(p, N_PROJECT, left, T_STAR, out);
    default: return syntax_error(p->err, t->pos, "unexpected %s", tok_name(t->kind));
  }
}

static vouch_status parse_expr(parser *p, int rbp, node **out) {
  if (p->depth >= VOUCH_JMESPATH_MAX_DEPTH) return too_deep(p);
  p->depth++;
  const token *t = cur(p);
  advance(p);
  node *left = NULL;
  vouch_status s = nud(p, t, &left);
  while (s == VOUCH_OK && rbp < bp(cur(p)->kind)) {
    const token *lt = cur(p);
    advance(p);
    s = led(p, lt, left, &left);
  }
  p->depth--;
  if (s == VOUCH_OK) *out = left;
  return s;
}

/* ------------------------------------------------------------------------
 * Evaluation.  Values are jansson references: every eval result is a new
 * reference (json_null() for null) that the caller releases.
 */

typedef struct {
  uint64_t steps;
  vouch_err *err;
} evalctx;

static vouch_status charge(evalctx *e, uint64_t n) {
  if (n > VOUCH_JMESPATH_MAX_STEPS || e->steps + n > VOUCH_JMESPATH_MAX_STEPS) {
    e->steps = VOUCH_JMESPATH_MAX_STEPS + 1u;
    return vouch_fail(e->err, VOUCH_E_LIMIT, "JmesPath: evaluation exceeded %d steps",
                      VOUCH_JMESPATH_MAX_STEPS);
  }
  e->steps += n;
  return VOUCH_OK;
}
static vouch_status charge_bytes(evalctx *e, size_t n) { return charge(e, 1 + n / STEP_BYTES); }

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
  }
  return "unknown";
}

/* truthy: JMESPath's notion (0 is true; empty containers are false). */
static bool truthy(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_NULL:
    case JSON_FALSE: return false;
    case JSON_STRING: return json_string_length(v) > 0;
    case JSON_ARRAY: return json_array_size(v) > 0;
    case JSON_OBJECT: return json_object_size(v) > 0;
    default: return true;
  }
}

/* cmp_num orders two JSON numbers exactly, integers against reals too
 * (a double cast would call 2^53 + 1 equal to 2^53). */
static int cmp_int_real(json_int_t i, double d) {
  if (d >= 0x1p63) return -1;
  if (d < -0x1p63) return 1;
  long long t = (long long)d; /* truncates; exact for |d| < 2^63 */
  if (i != t) return i < t ? -1 : 1;
  double td = (double)t; /* exact: d has a fraction only below 2^52 */
  return d > td ? -1 : d < td ? 1 : 0;
}
static int cmp_num(const json_t *a, const json_t *b) {
  if (json_is_integer(a) && json_is_integer(b)) {
    json_int_t x = json_integer_value(a), y = json_integer_value(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (json_is_integer(a)) return cmp_int_real(json_integer_value(a), json_real_value(b));
  if (json_is_integer(b)) return -cmp_int_real(json_integer_value(b), json_real_value(a));
  double x = json_real_value(a), y = json_real_value(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/* equal: JMESPath equality (deep; 1 == 1.0; true is not 1), paying one
 * step per node.  Depth is bounded by the documents' own depth. */
static vouch_status equal(evalctx *e, json_t *a, json_t *b, bool *out) {
  VOUCH_GUARD(charge(e, 1));
  *out = false;
  if (json_is_number(a) && json_is_number(b)) {
    *out = cmp_num(a, b) == 0;
    return VOUCH_OK;
  }
  if (json_typeof(a) != json_typeof(b)) return VOUCH_OK;
  switch (json_typeof(a)) {
    case JSON_STRING: {
      size_t n = json_string_length(a);
      if (n != json_string_length(b)) return VOUCH_OK;
      VOUCH_GUARD(charge_bytes(e, n));
      *out = memcmp(json_string_value(a), json_string_value(b), n) == 0;
      return VOUCH_OK;
    }
    case JSON_ARRAY: {
      size_t n = json_array_size(a);
      if (n != json_array_size(b)) return VOUCH_OK;
      for (size_t i = 0; i < n; i++) {
        VOUCH_GUARD(equal(e, json_array_get(a, i), json_array_get(b, i), out));
        if (!*out) return VOUCH_OK;
      }
      *out = true;
      return VOUCH_OK;
    }
    case JSON_OBJECT: {
      if (json_object_size(a) != json_object_size(b)) return VOUCH_OK;
      for (void *it = json_object_iter(a); it != NULL; it = json_object_iter_next(a, it)) {
        json_t *bv = json_object_getn(b, json_object_iter_key(it), json_object_iter_key_len(it));
        if (bv == NULL) return VOUCH_OK;
        VOUCH_GUARD(equal(e, json_object_iter_value(it), bv, out));
        if (!*out) return VOUCH_OK;
      }
      *out = true;
      return VOUCH_OK;
    }
    default: /* true, false, null: the types matched */
      *out = true;
      return VOUCH_OK;
  }
}

/* ---- serialization: compact JSON, members in document order, integers
 * as integers, reals in the shortest form that reads back the same. */

enum { DUMP_MAX_DEPTH = 2 * VOUCH_JMESPATH_MAX_JSON_DEPTH };

static void dump_real(vouch_buf *b, double d) {
  char tmp[48];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
    if (prec == 17 || strtod(tmp, NULL) == d) break;
  }
  /* Whatever the locale's decimal separator, JSON wants '.'. */
  for (char *c = tmp; *c != '\0'; c++) {
    if (*c == ',') *c = '.';
  }
  vouch_buf_puts(b, tmp);
  /* Keep a real a real ("2.0", not "2"), as jansson and Python do. */
  if (strpbrk(tmp, ".eEn") == NULL) vouch_buf_puts(b, ".0");
}

static vouch_status dump(vouch_buf *b, json_t *v, int depth) {
  if (depth > DUMP_MAX_DEPTH) return VOUCH_E_INTERNAL; /* results are no deeper than inputs */
  switch (json_typeof(v)) {
    case JSON_OBJECT: {
      vouch_buf_putc(b, '{');
      bool first = true;
      for (void *it = json_object_iter(v); it != NULL; it = json_object_iter_next(v, it)) {
        if (!first) vouch_buf_putc(b, ',');
        first = false;
        vouch_buf_json_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
        vouch_buf_putc(b, ':');
        VOUCH_GUARD(dump(b, json_object_iter_value(it), depth + 1));
      }
      vouch_buf_putc(b, '}');
      break;
    }
    case JSON_ARRAY:
      vouch_buf_putc(b, '[');
      for (size_t i = 0; i < json_array_size(v); i++) {
        if (i > 0) vouch_buf_putc(b, ',');
        VOUCH_GUARD(dump(b, json_array_get(v, i), depth + 1));
      }
      vouch_buf_putc(b, ']');
      break;
    case JSON_STRING:
      vouch_buf_json_string(b, json_string_value(v), json_string_length(v));
      break;
    case JSON_INTEGER:
      vouch_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
      break;
    case JSON_REAL: dump_real(b, json_real_value(v)); break;
    case JSON_TRUE: vouch_buf_puts(b, "true"); break;
    case JSON_FALSE: vouch_buf_puts(b, "false"); break;
    case JSON_NULL: vouch_buf_puts(b, "null"); break;
  }
  return VOUCH_OK;
}

/* ---- evaluation proper */

static vouch_status eval(evalctx *e, const node *n, json_t *cur, json_t **out);

/* collect: appends new reference |v| to |arr| unless it is null. */
static vouch_status collect(evalctx *e, json_t *arr, json_t *v) {
  if (json_is_null(v)) return VOUCH_OK;
  if (json_array_append_new(arr, v) != 0) return nomem(e->err);
  return VOUCH_OK;
}

/* project_over: applies |n|'s right side (after |n|'s condition, for a
 * filter) to each of |items| (an array) and collects the non-null
 * results. */
static vouch_status project_over(evalctx *e, const node *n, json_t *items, json_t **out) {
  json_t *res = json_array();
  if (res == NULL) return nomem(e->err);
  vouch_status s = VOUCH_OK;
  for (size_t i = 0; i < json_array_size(items) && s == VOUCH_OK; i++) {
    json_t *el = json_array_get(items, i), *v;
    VOUCH_GUARD_GOTO(s, charge(e, 1), done);
    if (n->cond != NULL) {
      json_t *c;
      VOUCH_GUARD_GOTO(s, eval(e, n->cond, el, &c), done);
      bool keep = truthy(c);
      json_decref(c);
      if (!keep) continue;
    }
    VOUCH_GUARD_GOTO(s, eval(e, n->right, el, &v), done);
    s = collect(e, res, v);
  }
done:
  if (s != VOUCH_OK) {
    json_decref(res);
    return s;
  }
  *out = res;
  return VOUCH_OK;
}

static vouch_status eval_projection(evalctx *e, const node *n, json_t *cur, json_t **out) {
  json_t *base, *items = NULL;
  VOUCH_GUARD(eval(e, n->left, cur, &base));
  if (n->kind == N_VALUES) {
    if (json_is_object(base)) {
      items = json_array();
      if (items == NULL) {
        json_decref(base);
        return nomem(e->err);
      }
      vouch_status s = VOUCH_OK;
      for (void *it = json_object_iter(base); it != NULL && s == VOUCH_OK;
           it = json_object_iter_next(base, it)) {
        s = charge(e, 1);
        if (s == VOUCH_OK && json_array_append(items, json_object_iter_value(it)) != 0) {
          s = nomem(e->err);
        }
      }
      if (s != VOUCH_OK) {
        json_decref(items);
        json_decref(base);
        return s;
      }
    }
  } else if (json_is_array(base)) {
    items = json_incref(base);
  }
  json_decref(base);
  /* A projection of anything that is not its kind of container is null. */
  if (items == NULL) {
    *out = json_null();
    return VOUCH_OK;
  }
  vouch_status s = project_over(e, n, items, out);
  json_decref(items);
  return s;
}

static vouch_status eval_flatten(evalctx *e, const node *n, json_t *cur, json_t **out) {
  json_t *base;
  VOUCH_GUARD(eval(e, n->left, cur, &base));
  if (!json_is_array(base)) {
    json_decref(base);
    *out = json_null();
    return VOUCH_OK;
  }
  json_t *res = json_array();
  vouch_status s = res == NULL ? nomem(e->err) : VOUCH_OK;
  for (size_t i = 0; i < json_array_size(base) && s == VOUCH_OK; i++) {
    json_t *el = json_array_get(base, i);
    s = charge(e, 1);
    if (s != VOUCH_OK) break;
    if (json_is_array(el)) {
      VOUCH_GUARD_GOTO(s, charge(e, json_array_size(el)), done);
      if (json_array_extend(res, el) != 0) s = nomem(e->err);
    } else if (json_array_append(res, el) != 0) {
      s = nomem(e->err);
    }
  }
done:
  json_decref(base);
  if (s != VOUCH_OK) {
    json_decref(res);
    return s;
  }
  *out = res;
  return VOUCH_OK;
}

static vouch_status eval_cmp(evalctx *e, const node *n, json_t *cur, json_t **out) {
  json_t *a, *b;
  VOUCH_GUARD(eval(e, n->left, cur, &a));
  vouch_status s = eval(e, n->right, cur, &b);
  if (s != VOUCH_OK) {
    json_decref(a);
    return s;
  }
  if (n->op == T_EQ || n->op == T_NE) {
    bool eq;
    s = equal(e, a, b, &eq);
    if (s == VOUCH_OK) *out = json_boolean(n->op == T_EQ ? eq : !eq);
  } else if (json_is_number(a) && json_is_number(b)) {
    int c = cmp_num(a, b);
    bool r = n->op == T_LT ? c < 0 : n->op == T_LE ? c <= 0 : n->op == T_GT ? c > 0 : c >= 0;
    *out = json_boolean(r);
  } else {
    /* Ordering is only defined for numbers. */
    *out = json_null();
  }
  json_decref(a);
  json_decref(b);
  return s;
}

static vouch_status type_error(evalctx *e, func_id fn, const char *expected, const json_t *got) {
  return vouch_fail(e->err, VOUCH_E_MALFORMED, "JmesPath: invalid-type: %s() expects %s, got %s",
                    kFuncs[fn].name, expected, type_name(got));
}

static vouch_status eval_func(evalctx *e, const node *n, json_t *cur, json_t **out) {
  json_t *args[2] = {NULL, NULL};
  size_t num_args = 0;
  vouch_status s = VOUCH_OK;
  for (const node *k = n->first; k != NULL && num_args < 2; k = k->next) {
    VOUCH_GUARD_GOTO(s, eval(e, k, cur, &args[num_args]), done);
    num_args++;
  }
  json_t *a = args[0], *b = args[1];
  switch (n->fn) {
    case F_LENGTH:
      if (json_is_string(a)) {
        /* Code points, not bytes: count the bytes that start one. */
        const char *str = json_string_value(a);
        size_t len = json_string_length(a), cps = 0;
        VOUCH_GUARD_GOTO(s, charge_bytes(e, len), done);
        for (size_t i = 0; i < len; i++) cps += ((unsigned char)str[i] & 0xc0) != 0x80;
        *out = json_integer((json_int_t)cps);
      } else if (json_is_array(a)) {
        *out = json_integer((json_int_t)json_array_size(a));
      } else if (json_is_object(a)) {
        *out = json_integer((json_int_t)json_object_size(a));
      } else {
        s = type_error(e, n->fn, "a string, array or object", a);
        goto done;
      }
      break;
    case F_CONTAINS:
      if (json_is_array(a)) {
        bool found = false;
        for (size_t i = 0; i < json_array_size(a) && !found; i++) {
          VOUCH_GUARD_GOTO(s, equal(e, json_array_get(a, i), b, &found), done);
        }
        *out = json_boolean(found);
      } else if (json_is_string(a)) {
        bool found = false;
        if (json_is_string(b)) {
          VOUCH_GUARD_GOTO(s, charge_bytes(e, json_string_length(a)), done);
          found = memmem(json_string_value(a), json_string_length(a), json_string_value(b),
                         json_string_length(b)) != NULL;
        }
        *out = json_boolean(found);
      } else {
        s = type_error(e, n->fn, "an array or string", a);
        goto done;
      }
      break;
    case F_STARTS_WITH:
      if (!json_is_string(a)) {
        s = type_error(e, n->fn, "a string", a);
        goto done;
      }
      if (!json_is_string(b)) {
        s = type_error(e, n->fn, "a string", b);
        goto done;
      }
      VOUCH_GUARD_GOTO(s, charge_bytes(e, json_string_length(b)), done);
      *out = json_boolean(json_string_length(b) <= json_string_length(a) &&
                          memcmp(json_string_value(a), json_string_value(b),
                                 json_string_length(b)) == 0);
      break;
    case F_TO_STRING:
      if (json_is_string(a)) {
        *out = json_incref(a);
      } else {
        /* Capped by the remaining budget, so nested to_string() calls
         * (each one escapes the quotes of the last) cannot snowball. */
        vouch_buf tmp;
        vouch_buf_init(&tmp, (size_t)(VOUCH_JMESPATH_MAX_STEPS - e->steps) * STEP_BYTES + 1);
        s = dump(&tmp, a, 0);
        if (s == VOUCH_OK && vouch_buf_status(&tmp) == VOUCH_E_LIMIT) s = charge(e, ~0u);
        if (s == VOUCH_OK) s = vouch_buf_status(&tmp);
        if (s == VOUCH_OK) s = charge_bytes(e, tmp.len);
        if (s == VOUCH_OK) {
          *out = json_stringn(vouch_buf_cstr(&tmp), tmp.len);
          if (*out == NULL) s = nomem(e->err);
        }
        vouch_buf_free(&tmp);
        if (s != VOUCH_OK) {
          if (s != VOUCH_E_LIMIT && s != VOUCH_E_NOMEM) {
            s = vouch_fail(e->err, s, "JmesPath: to_string() failed");
          }
          goto done;
        }
      }
      break;
  }
  if (*out == NULL) s = nomem(e->err);
done:
  json_decref(args[0]);
  json_decref(args[1]);
  return s;
}

static vouch_status eval(evalctx *e, const node *n, json_t *cur, json_t **out) {
  *out = NULL;
  VOUCH_GUARD(charge(e, 1));
  switch (n->kind) {
    case N_IDENTITY: *out = json_incref(cur); return VOUCH_OK;
    case N_LITERAL: *out = json_incref((json_t *)n->value); return VOUCH_OK;
    case N_FIELD: {
      json_t *v = NULL;
      if (json_is_object(cur)) {
        v = json_object_getn(cur, json_string_value(n->value), json_string_length(n->value));
      }
      *out = v != NULL ? json_incref(v) : json_null();
      return VOUCH_OK;
    }
    case N_INDEX: {
      json_t *v = NULL;
      if (json_is_array(cur)) {
        int64_t size = (int64_t)json_array_size(cur);
        int64_t i = n->index < 0 ? size + n->index : n->index;
        if (i >= 0 && i < size) v = json_array_get(cur, (size_t)i);
      }
      *out = v != NULL ? json_incref(v) : json_null();
      return VOUCH_OK;
    }
    case N_CHAIN: {
      json_t *v = json_incref(cur);
      for (const node *k = n->first; k != NULL; k = k->next) {
        json_t *next;
        vouch_status s = eval(e, k, v, &next);
        json_decref(v);
        if (s != VOUCH_OK) return s;
        v = next;
      }
      *out = v;
      return VOUCH_OK;
    }
    case N_AND:
    case N_OR: {
      /* a && b && c is the first false operand, else the last one; ||
       * the first true one, else the last: operands, not booleans. */
      json_t *v = NULL;
      for (const node *k = n->first; k != NULL; k = k->next) {
        json_decref(v);
        VOUCH_GUARD(eval(e, k, cur, &v));
        if (truthy(v) != (n->kind == N_AND)) break;
      }
      *out = v != NULL ? v : json_null();
      return VOUCH_OK;
    }
    case N_NOT: {
      json_t *v;
      VOUCH_GUARD(eval(e, n->left, cur, &v));
      *out = json_boolean(!truthy(v));
      json_decref(v);
      return VOUCH_OK;
    }
    case N_PROJECT:
    case N_VALUES:
    case N_FILTER: return eval_projection(e, n, cur, out);
    case N_FLATTEN: return eval_flatten(e, n, cur, out);
    case N_CMP: return eval_cmp(e, n, cur, out);
    case N_FUNC: return eval_func(e, n, cur, out);
  }
  return vouch_fail(e->err, VOUCH_E_INTERNAL, "JmesPath: unknown node");
}

/* ------------------------------------------------------------------------
 * Entry point.
 */

vouch_status vouch_jmespath(const char *json, size_t json_len, const char *query,
                            size_t query_len, vouch_buf *out, vouch_err *err) {
  if (out == NULL || (json == NULL && json_len > 0) || (query == NULL && query_len > 0)) {
    return vouch_fail(err, VOUCH_E_ARG, "JmesPath: missing argument");
  }
  if (query_len > VOUCH_JMESPATH_MAX_QUERY) {
    return vouch_fail(err, VOUCH_E_LIMIT, "JmesPath: query is %zu bytes, more than %d",
                      query_len, VOUCH_JMESPATH_MAX_QUERY);
  }
  if (json_len > VOUCH_JMESPATH_MAX_JSON) {
    return vouch_fail(err, VOUCH_E_LIMIT, "JmesPath: JSON input is %zu bytes, more than %d",
                      json_len, VOUCH_JMESPATH_MAX_JSON);
  }

  vouch_status s = VOUCH_OK;
  lexer lx = {.q = query, .len = query_len, .err = err};
  parser p = {.err = err};
  json_t *doc = NULL, *result = NULL;
  size_t out_start = out->len;

  lx.toks = calloc(query_len + 1, sizeof(token));
  lx.scratch = malloc(query_len + 1);
  VOUCH_ENSURE_GOTO(s, lx.toks != NULL && lx.scratch != NULL, nomem(err), done);
  VOUCH_GUARD_GOTO(s, lex(&lx), done);

  p.toks = lx.toks;
  p.cap_nodes = 4 * lx.n + 4;
  p.pool = calloc(p.cap_nodes, sizeof(node));
  VOUCH_ENSURE_GOTO(s, p.pool != NULL, nomem(err), done);
  node *root = NULL;
  VOUCH_GUARD_GOTO(s, parse_expr(&p, 0, &root), done);
  if (cur(&p)->kind != T_EOF) {
    s = syntax_error(err, cur(&p)->pos, "unexpected %s after the expression",
                     tok_name(cur(&p)->kind));
    goto done;
  }

  if (!json_depth_ok(json, json_len, VOUCH_JMESPATH_MAX_JSON_DEPTH)) {
    s = vouch_fail(err, VOUCH_E_LIMIT, "JmesPath: JSON input nested deeper than %d",
                   VOUCH_JMESPATH_MAX_JSON_DEPTH);
    goto done;
  }
  json_error_t jerr;
  /* Duplicate member names are refused: which of two values a name means
   * differs between parsers, and a policy decision must not. */
  doc = json_loadb(json != NULL ? json : "", json_len,
                   JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
  if (doc == NULL) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "JmesPath: invalid JSON input at line %d column %d: %s",
                   jerr.line, jerr.column, jerr.text);
    goto done;
  }

  evalctx e = {.err = err};
  VOUCH_GUARD_GOTO(s, eval(&e, root, doc, &result), done);
  s = dump(out, result, 0);
  if (s == VOUCH_OK) s = vouch_buf_status(out);
  if (s != VOUCH_OK) s = vouch_fail(err, s, "JmesPath: writing the result failed");

done:
  if (s != VOUCH_OK && out->len > out_start) {
    out->len = out_start;
    out->data[out->len] = '\0';
  }
  json_decref(result);
  json_decref(doc);
  free(p.pool);
  for (size_t i = 0; i < lx.n; i++) json_decref(lx.toks[i].value);
  free(lx.toks);
  free(lx.scratch);
  return s;
}
