/* policy/parse.c - lexer and parser of the claim-rule language, writing the
 * compiled form of internal.h directly (no syntax tree in between).
 *
 * The grammar is the one reconstructed in spec/policy.md §3.  Keywords and
 * function names are case-insensitive (the documentation mixes `Version`,
 * `Issuancerules`); labels are case-sensitive.  Leniencies, all of them seen
 * in Microsoft's own samples: `=` for `==` in a property test; the claim
 * argument `"type", value=...`; a missing `;` after a rule or a section;
 * typographic quotes around strings; a UTF-8 byte-order mark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/internal.h"

/* ---- lexer ------------------------------------------------------------ */

typedef enum {
  T_EOF, T_IDENT, T_STRING, T_INT,
  T_LBRACE, T_RBRACE, T_LBRACKET, T_RBRACKET, T_LPAREN, T_RPAREN,
  T_SEMI, T_COMMA, T_COLON, T_DOT, T_ARROW,
  T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_ASSIGN, T_AND, T_OR, T_NOT,
  T_BAD,
} tok_kind;

typedef struct {
  tok_kind kind;
  const char *start; /* the token's bytes in the text */
  size_t len;
  uint32_t line, col;
  int64_t ival;        /* T_INT */
  uint8_t quote_bytes; /* T_STRING: bytes of the opening (and closing) quote */
  const char *bad;     /* T_BAD: what is wrong */
} tok;

typedef struct {
  const char *p, *end;
  uint32_t line;
  const char *line_start;
} lexer;

/* Typographic quotes (U+201C, U+201D) appear in old rendered samples. */
static size_t quote_at(const char *p, const char *end) {
  if (p < end && *p == '"') return 1;
  if (end - p >= 3 && (uint8_t)p[0] == 0xE2 && (uint8_t)p[1] == 0x80 &&
      ((uint8_t)p[2] == 0x9C || (uint8_t)p[2] == 0x9D))
    return 3;
  return 0;
}

static bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}

static void lex_skip_space(lexer *lx) {
  for (;;) {
    if (lx->p >= lx->end) return;
    char c = *lx->p;
    if (c == '\n') {
      lx->p++;
      lx->line++;
      lx->line_start = lx->p;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      lx->p++;
    } else if (c == '/' && lx->end - lx->p >= 2 && lx->p[1] == '/') {
      while (lx->p < lx->end && *lx->p != '\n') lx->p++;
    } else if (c == '/' && lx->end - lx->p >= 2 && lx->p[1] == '*') {
      const char *q = lx->p + 2;
      while (q + 1 < lx->end && !(q[0] == '*' && q[1] == '/')) {
        if (*q == '\n') {
          lx->line++;
          lx->line_start = q + 1;
        }
        q++;
      }
      lx->p = (q + 1 < lx->end) ? q + 2 : lx->end; /* unterminated: to the end */
    } else {
      return;
    }
  }
}

static tok lex_next(lexer *lx) {
  lex_skip_space(lx);
  tok t = {.start = lx->p, .line = lx->line, .col = (uint32_t)(lx->p - lx->line_start) + 1};
  if (lx->p >= lx->end) {
    t.kind = T_EOF;
    return t;
  }
  const char *p = lx->p;
  size_t rest = (size_t)(lx->end - p);
  char c = *p;
  size_t q = quote_at(p, lx->end);
  if (q) {
    const char *s = p + q;
    for (;;) {
      if (s >= lx->end || *s == '\n') {
        t.kind = T_BAD;
        t.bad = "unterminated string";
        t.len = (size_t)(s - p);
        lx->p = s;
        return t;
      }
      if (*s == '\\' && s + 1 < lx->end && s[1] != '\n') {
        s += 2;
        continue;
      }
      size_t cq = quote_at(s, lx->end);
      if (cq) {
        s += cq;
        break;
      }
      s++;
    }
    t.kind = T_STRING;
    t.quote_bytes = (uint8_t)q;
    t.len = (size_t)(s - p);
    lx->p = s;
    return t;
  }
  if ((c >= '0' && c <= '9') || (c == '-' && rest > 1 && p[1] >= '0' && p[1] <= '9')) {
    const char *s = p;
    bool neg = false;
    if (*s == '-') {
      neg = true;
      s++;
    }
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    bool hex = (lx->end - s >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'));
    bool overflow = false;
    if (hex) {
      s += 2;
      const char *digits = s;
      for (; s < lx->end; s++) {
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else break;
        if (v > (lim - (uint64_t)d) / 16) overflow = true;
        else v = v * 16 + (uint64_t)d;
      }
      if (s == digits) {
        t.kind = T_BAD;
        t.bad = "hex number without digits";
        t.len = (size_t)(s - p);
        lx->p = s;
        return t;
      }
    } else {
      for (; s < lx->end && *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (lim - d) / 10) overflow = true;
        else v = v * 10 + d;
      }
    }
    t.len = (size_t)(s - p);
    lx->p = s;
    if (overflow) {
      t.kind = T_BAD;
      t.bad = "integer out of the 64-bit range";
      return t;
    }
    t.kind = T_INT;
    t.ival = neg ? (int64_t)(0 - v) : (int64_t)v;
    return t;
  }
  if (is_ident_start(c) || c == '$') {
    /* Labels are letters, digits and '_' ("c", "c1", "F1"); '$' and '-'
     * are allowed after the first character only so that a stray claim name
     * written without quotes gets a clear error rather than a split. */
    const char *s = p + 1;
    while (s < lx->end && (is_ident_char(*s))) s++;
    t.kind = (c == '$') ? T_BAD : T_IDENT;
    if (c == '$') t.bad = "claim types are strings: put them in quotes";
    t.len = (size_t)(s - p);
    lx->p = s;
    return t;
  }
  static const struct {
    char s[3];
    tok_kind k;
  } puncts[] = {
      {"=>", T_ARROW}, {"==", T_EQ}, {"!=", T_NE}, {"<=", T_LE}, {">=", T_GE}, {"&&", T_AND},
      {"||", T_OR},    {"{", T_LBRACE}, {"}", T_RBRACE}, {"[", T_LBRACKET}, {"]", T_RBRACKET},
      {"(", T_LPAREN}, {")", T_RPAREN}, {";", T_SEMI}, {",", T_COMMA}, {":", T_COLON},
      {".", T_DOT},    {"<", T_LT}, {">", T_GT}, {"=", T_ASSIGN}, {"!", T_NOT},
  };
  for (size_t i = 0; i < sizeof puncts / sizeof puncts[0]; i++) {
    size_t n = strlen(puncts[i].s);
    if (rest >= n && memcmp(p, puncts[i].s, n) == 0) {
      t.kind = puncts[i].k;
      t.len = n;
      lx->p = p + n;
      return t;
    }
  }
  t.kind = T_BAD;
  t.bad = "unexpected character";
  /* Take a whole UTF-8 sequence so the message shows the character. */
  size_t n = 1;
  if ((uint8_t)c >= 0xC0) {
    while (n < rest && n < 4 && ((uint8_t)p[n] & 0xC0) == 0x80) n++;
  }
  t.len = n;
  lx->p = p + n;
  return t;
}

/* ---- parser state ----------------------------------------------------- */

#define MAX_LABEL 32

typedef struct {
  struct vouch_policy *pol;
  lexer lx;
  tok cur, next;
  vouch_policy_pos *where;
  vouch_err *err;
  pol_section section;
  /* labels of the rule being parsed: name -> condition slot */
  struct {
    const char *name;
    size_t len;
    uint16_t slot;
  } labels[VOUCH_POLICY_MAX_CONDITIONS];
  size_t num_labels;
  size_t call_depth;
} parser;

static void advance(parser *ps) {
  ps->cur = ps->next;
  ps->next = lex_next(&ps->lx);
}

static const char *tok_kind_text(tok_kind k) {
  switch (k) {
    case T_EOF: return "end of policy";
    case T_IDENT: return "identifier";
    case T_STRING: return "string";
    case T_INT: return "integer";
    default: return "symbol";
  }
}

/* fail reports "policy:L:C: <msg>, found <token>" at token |t|. */
static vouch_status fail_at(parser *ps, const tok *t, const char *msg) {
  if (ps->where) {
    ps->where->line = t->line;
    ps->where->col = t->col;
  }
  if (t->kind == T_BAD)
    return vouch_fail(ps->err, VOUCH_E_POLICY_SYNTAX, "policy:%u:%u: %s (%s '%.*s')", t->line,
                      t->col, t->bad, msg, (int)(t->len > 24 ? 24 : t->len), t->start);
  if (t->kind == T_EOF)
    return vouch_fail(ps->err, VOUCH_E_POLICY_SYNTAX, "policy:%u:%u: %s, found end of policy",
                      t->line, t->col, msg);
  return vouch_fail(ps->err, VOUCH_E_POLICY_SYNTAX, "policy:%u:%u: %s, found %s '%.*s'", t->line,
                    t->col, msg, tok_kind_text(t->kind), (int)(t->len > 24 ? 24 : t->len),
                    t->start);
}
static vouch_status fail(parser *ps, const char *msg) { return fail_at(ps, &ps->cur, msg); }

/* A semantic error at a token, without the "found" part. */
static vouch_status fail_plain(parser *ps, const tok *t, vouch_status code, const char *msg) {
  if (ps->where) {
    ps->where->line = t->line;
    ps->where->col = t->col;
  }
  return vouch_fail(ps->err, code, "policy:%u:%u: %s", t->line, t->col, msg);
}

static bool is_kw(const tok *t, const char *kw) {
  return t->kind == T_IDENT && strlen(kw) == t->len && strncasecmp(t->start, kw, t->len) == 0;
}

static vouch_status expect(parser *ps, tok_kind k, const char *msg) {
  if (ps->cur.kind != k) return fail(ps, msg);
  advance(ps);
  return VOUCH_OK;
}

/* ---- growable arrays -------------------------------------------------- */

static vouch_status grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return VOUCH_OK;
  size_t ncap = *cap ? *cap * 2 : 16;
  while (ncap < need) ncap *= 2;
  void *n = realloc(*arr, ncap * elem);
  if (!n) return VOUCH_E_NOMEM;
  *arr = n;
  *cap = ncap;
  return VOUCH_OK;
}
#define PUSH(ps, field, value, idx_out)                                                       \
  do {                                                                                        \
    struct vouch_policy *p_ = (ps)->pol;                                                      \
    if (grow((void **)&p_->field, &p_->cap_##field, p_->num_##field + 1,                      \
             sizeof(*p_->field)) != VOUCH_OK)                                                 \
      return vouch_fail((ps)->err, VOUCH_E_NOMEM, "policy: out of memory");                   \
    p_->field[p_->num_##field] = (value);                                                     \
    *(idx_out) = (uint32_t)p_->num_##field++;                                                 \
  } while (0)

/* store_string decodes the string literal token |t| into pol->strings. */
static vouch_status store_string(parser *ps, const tok *t, uint32_t *off, uint32_t *len) {
  struct vouch_policy *p = ps->pol;
  const char *s = t->start + t->quote_bytes;
  /* The closing quote is one byte, or three for a typographic one. */
  const char *e = t->start + t->len;
  if (e - s >= 3 && (uint8_t)e[-3] == 0xE2 && (uint8_t)e[-2] == 0x80 &&
      ((uint8_t)e[-1] == 0x9C || (uint8_t)e[-1] == 0x9D))
    e -= 3;
  else
    e -= 1;
  size_t max = (size_t)(e - s);
  if (grow((void **)&p->strings, &p->cap_strings, p->strings_len + max + 1, 1) != VOUCH_OK)
    return vouch_fail(ps->err, VOUCH_E_NOMEM, "policy: out of memory");
  char *o = p->strings + p->strings_len;
  size_t n = 0;
  for (const char *q = s; q < e; q++) {
    if (*q == '\\' && q + 1 < e) {
      q++;
      switch (*q) {
        case 'n': o[n++] = '\n'; break;
        case 't': o[n++] = '\t'; break;
        case 'r': o[n++] = '\r'; break;
        default: o[n++] = *q; break; /* \" \\ and anything else: the character */
      }
    } else {
      o[n++] = *q;
    }
  }
  o[n] = '\0';
  *off = (uint32_t)p->strings_len;
  *len = (uint32_t)n;
  p->strings_len += n + 1;
  return VOUCH_OK;
}

/* ---- expressions ------------------------------------------------------ */

static const char *const func_names[FN_COUNT] = {
    "JmesPath", "JsonToClaimValue", "IsSubsetOf", "AppendString", "NegateBool",
    "ContainsOnlyValue",
};
static const uint8_t func_arity[FN_COUNT] = {2, 1, 2, 2, 1, 2};

const char *pol_func_name(pol_func f) { return f < FN_COUNT ? func_names[f] : "?"; }

static bool parse_prop(const tok *t, pol_prop *out) {
  static const char *const names[] = {"type", "value", "issuer", "valueType"};
  for (int i = 0; i < 4; i++)
    if (is_kw(t, names[i])) {
      *out = (pol_prop)i;
      return true;
    }
  return false;
}

static bool find_label(parser *ps, const tok *t, uint16_t *slot) {
  for (size_t i = 0; i < ps->num_labels; i++)
    if (ps->labels[i].len == t->len && memcmp(ps->labels[i].name, t->start, t->len) == 0) {
      *slot = ps->labels[i].slot;
      return true;
    }
  return false;
}

static vouch_status parse_expr(parser *ps, uint32_t *out);

static vouch_status parse_call(parser *ps, uint32_t *out) {
  tok name = ps->cur;
  int f = -1;
  for (int i = 0; i < FN_COUNT; i++)
    if (is_kw(&name, func_names[i])) f = i;
  if (f < 0) {
    char msg[96];
    snprintf(msg, sizeof msg, "unknown function '%.*s'", (int)(name.len > 32 ? 32 : name.len),
             name.start);
    return fail_plain(ps, &name, VOUCH_E_POLICY_SYNTAX, msg);
  }
  if (ps->pol->version < 12)
    return fail_plain(ps, &name, VOUCH_E_POLICY_SYNTAX,
                      "function calls need policy version 1.2");
  if (ps->call_depth >= VOUCH_POLICY_MAX_CALL_DEPTH)
    return fail_plain(ps, &name, VOUCH_E_LIMIT, "function calls nested too deeply");
  advance(ps); /* name */
  advance(ps); /* ( */
  uint32_t argv[4];
  size_t argc = 0;
  ps->call_depth++;
  if (ps->cur.kind != T_RPAREN) {
    for (;;) {
      if (argc == 4) return fail(ps, "too many arguments");
      VOUCH_GUARD(parse_expr(ps, &argv[argc]));
      argc++;
      if (ps->cur.kind == T_COMMA) {
        advance(ps);
        continue;
      }
      break;
    }
  }
  ps->call_depth--;
  VOUCH_GUARD(expect(ps, T_RPAREN, "expected ')' after the function's arguments"));
  if (argc != func_arity[f]) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s takes %u argument%s, not %zu", func_names[f], func_arity[f],
             func_arity[f] == 1 ? "" : "s", argc);
    return fail_plain(ps, &name, VOUCH_E_POLICY_SYNTAX, msg);
  }
  uint32_t first = 0;
  for (size_t i = 0; i < argc; i++) {
    uint32_t idx;
    PUSH(ps, args, argv[i], &idx);
    if (i == 0) first = idx;
  }
  pol_expr e = {.kind = EX_CALL, .func = (uint8_t)f, .nargs = (uint8_t)argc, .args = first,
                .line = name.line, .col = name.col, .lit_type = VOUCH_POLICY_NO_TYPE};
  PUSH(ps, exprs, e, out);
  return VOUCH_OK;
}

static vouch_status parse_expr(parser *ps, uint32_t *out) {
  tok t = ps->cur;
  pol_expr e = {.kind = EX_LITERAL, .line = t.line, .col = t.col, .lit_type = VOUCH_POLICY_NO_TYPE};
  switch (t.kind) {
    case T_STRING: {
      uint32_t off = 0, len = 0;
      VOUCH_GUARD(store_string(ps, &t, &off, &len));
      e.lit.kind = VOUCH_PVAL_STRING;
      e.str_off = off;
      e.lit.len = len;
      advance(ps);
      break;
    }
    case T_INT:
      e.lit.kind = VOUCH_PVAL_INT;
      e.lit.i = t.ival;
      advance(ps);
      break;
    case T_IDENT:
      if (is_kw(&t, "true") || is_kw(&t, "false")) {
        e.lit.kind = VOUCH_PVAL_BOOL;
        e.lit.b = is_kw(&t, "true");
        advance(ps);
        break;
      }
      if (ps->next.kind == T_LPAREN) return parse_call(ps, out);
      if (ps->next.kind == T_DOT) {
        uint16_t slot;
        if (!find_label(ps, &t, &slot)) {
          char msg[96];
          snprintf(msg, sizeof msg, "'%.*s' is not the label of an earlier condition of this rule",
                   (int)(t.len > 32 ? 32 : t.len), t.start);
          return fail_plain(ps, &t, VOUCH_E_POLICY_SYNTAX, msg);
        }
        advance(ps);
        advance(ps); /* . */
        pol_prop pr;
        if (!parse_prop(&ps->cur, &pr))
          return fail(ps, "expected a claim property (type, value, issuer, valueType) after '.'");
        advance(ps);
        e.kind = EX_REF;
        e.slot = slot;
        e.prop = (uint8_t)pr;
        break;
      }
      return fail(ps, "expected a value (string, integer, true, false, label.property or "
                      "function call)");
    default:
      return fail(ps, "expected a value (string, integer, true, false, label.property or "
                      "function call)");
  }
  PUSH(ps, exprs, e, out);
  return VOUCH_OK;
}

/* ---- conditions ------------------------------------------------------- */

static bool parse_rel(tok_kind k, pol_op *op) {
  switch (k) {
    case T_EQ: case T_ASSIGN: *op = OP_EQ; return true;
    case T_NE: *op = OP_NE; return true;
    case T_LT: *op = OP_LT; return true;
    case T_LE: *op = OP_LE; return true;
    case T_GT: *op = OP_GT; return true;
    case T_GE: *op = OP_GE; return true;
    default: return false;
  }
}

static vouch_status parse_test(parser *ps, pol_cond *c, uint32_t *out) {
  pol_prop pr;
  tok ptok = ps->cur;
  if (!parse_prop(&ptok, &pr))
    return fail(ps, "expected a claim property (type, value, issuer, valueType)");
  advance(ps);
  pol_op op;
  tok optok = ps->cur;
  if (!parse_rel(optok.kind, &op))
    return fail(ps, "expected a comparison (==, !=, <, <=, >, >=) after the property");
  advance(ps);
  uint32_t ex;
  VOUCH_GUARD(parse_expr(ps, &ex));
  pol_expr *e = &ps->pol->exprs[ex];
  bool ordering = op != OP_EQ && op != OP_NE;
  if (pr != PROP_VALUE && ordering)
    return fail_plain(ps, &optok, VOUCH_E_POLICY_SYNTAX,
                      "only == and != apply to type, issuer and valueType");
  if (e->kind == EX_LITERAL) {
    if (ordering && e->lit.kind != VOUCH_PVAL_INT)
      return fail_plain(ps, &optok, VOUCH_E_POLICY_SYNTAX,
                        "<, <=, > and >= compare integers; strings and booleans take == and !=");
    if (pr != PROP_VALUE && e->lit.kind != VOUCH_PVAL_STRING) {
      char msg[80];
      snprintf(msg, sizeof msg, "%s is compared with a string", pol_prop_name(pr));
      return fail_plain(ps, &ptok, VOUCH_E_POLICY_SYNTAX, msg);
    }
    if (pr == PROP_TYPE) {
      /* Interned: at run time a type test is an integer comparison. */
      const char *s = ps->pol->strings + e->str_off;
      uint16_t id;
      VOUCH_GUARD(pol_intern(ps->pol, s, e->lit.len, &id));
      e = &ps->pol->exprs[ex]; /* interning does not move exprs, but stay safe */
      e->lit_type = id;
      if (op == OP_EQ && c->type_id == VOUCH_POLICY_NO_TYPE) c->type_id = id;
    }
  }
  pol_test t = {.prop = (uint8_t)pr, .op = (uint8_t)op, .expr = ex};
  PUSH(ps, tests, t, out);
  return VOUCH_OK;
}

static vouch_status parse_condition(parser *ps, uint16_t slot) {
  pol_cond c = {.type_id = VOUCH_POLICY_NO_TYPE};
  tok start = ps->cur;
  if (ps->cur.kind == T_NOT) {
    if (ps->pol->version < 12)
      return fail_plain(ps, &start, VOUCH_E_POLICY_SYNTAX,
                        "'!' (no claim matches) needs policy version 1.2");
    c.negated = true;
    advance(ps);
  }
  tok label = {0};
  if (ps->cur.kind == T_IDENT && ps->next.kind == T_COLON) {
    if (c.negated)
      return fail_plain(ps, &ps->cur, VOUCH_E_POLICY_SYNTAX,
                        "a negated condition matches no claim, so it cannot bind a label");
    label = ps->cur;
    uint16_t dummy;
    if (find_label(ps, &label, &dummy))
      return fail_plain(ps, &label, VOUCH_E_POLICY_SYNTAX, "label already used in this rule");
    advance(ps);
    advance(ps);
    c.labelled = true;
  }
  VOUCH_GUARD(expect(ps, T_LBRACKET, "expected '[' to start a condition"));
  c.tests = (uint32_t)ps->pol->num_tests;
  if (ps->cur.kind != T_RBRACKET) {
    for (;;) {
      if (c.num_tests == VOUCH_POLICY_MAX_TESTS)
        return fail_plain(ps, &ps->cur, VOUCH_E_LIMIT, "too many tests in one condition");
      uint32_t ti;
      VOUCH_GUARD(parse_test(ps, &c, &ti));
      c.num_tests++;
      if (ps->cur.kind == T_COMMA) {
        advance(ps);
        continue;
      }
      break;
    }
  }
  VOUCH_GUARD(expect(ps, T_RBRACKET, "expected ',' or ']' after a property test"));
  /* The label becomes visible after its own condition: a condition cannot
   * refer to the claim it is still looking for. */
  if (c.labelled) {
    ps->labels[ps->num_labels].name = label.start;
    ps->labels[ps->num_labels].len = label.len;
    ps->labels[ps->num_labels].slot = slot;
    ps->num_labels++;
  }
  uint32_t idx;
  PUSH(ps, conds, c, &idx);
  return VOUCH_OK;
}

/* ---- actions ---------------------------------------------------------- */

static bool value_type_kind(const char *s, size_t n, int8_t *out) {
  if (n == 6 && strncasecmp(s, "String", 6) == 0) *out = VOUCH_PVAL_STRING;
  else if (n == 7 && strncasecmp(s, "Integer", 7) == 0) *out = VOUCH_PVAL_INT;
  else if (n == 7 && strncasecmp(s, "Boolean", 7) == 0) *out = VOUCH_PVAL_BOOL;
  else return false;
  return true;
}

static vouch_status parse_claim_args(parser *ps, pol_action *a) {
  /* claim=LABEL */
  if (is_kw(&ps->cur, "claim") && ps->next.kind == T_ASSIGN) {
    advance(ps);
    advance(ps);
    tok l = ps->cur;
    if (l.kind != T_IDENT) return fail(ps, "expected the label of a condition after 'claim='");
    if (!find_label(ps, &l, &a->slot)) {
      return fail_plain(ps, &l, VOUCH_E_POLICY_SYNTAX,
                        "claim= names no label of this rule's conditions");
    }
    a->copy_claim = true;
    advance(ps);
    return VOUCH_OK;
  }
  bool have_type = false, have_value = false;
  /* Lenient form seen once in the docs: issue("type", value=...). */
  if (ps->cur.kind == T_STRING) {
    VOUCH_GUARD(parse_expr(ps, &a->type_expr));
    have_type = true;
    VOUCH_GUARD(expect(ps, T_COMMA, "expected ', value=' after the claim type"));
  }
  for (;;) {
    tok name = ps->cur;
    bool is_type = is_kw(&name, "type"), is_value = is_kw(&name, "value"),
         is_vt = is_kw(&name, "valueType");
    if (!is_type && !is_value && !is_vt)
      return fail(ps, "expected type=, value= or valueType= in the claim");
    advance(ps);
    VOUCH_GUARD(expect(ps, T_ASSIGN, "expected '=' after the claim property"));
    if ((is_type && have_type) || (is_value && have_value) || (is_vt && a->value_type >= 0))
      return fail_plain(ps, &name, VOUCH_E_POLICY_SYNTAX, "claim property given twice");
    if (is_vt) {
      tok v = ps->cur;
      int8_t k;
      if (v.kind != T_STRING ||
          !value_type_kind(v.start + v.quote_bytes, v.len - 2 * (size_t)v.quote_bytes, &k))
        return fail(ps, "valueType is \"String\", \"Integer\" or \"Boolean\"");
      a->value_type = k;
      advance(ps);
    } else if (is_type) {
      VOUCH_GUARD(parse_expr(ps, &a->type_expr));
      pol_expr *e = &ps->pol->exprs[a->type_expr];
      if (e->kind == EX_LITERAL && e->lit.kind != VOUCH_PVAL_STRING)
        return fail_plain(ps, &name, VOUCH_E_POLICY_SYNTAX, "a claim type is a string");
      if (e->kind == EX_LITERAL) {
        uint16_t id;
        VOUCH_GUARD(pol_intern(ps->pol, ps->pol->strings + e->str_off, e->lit.len, &id));
        ps->pol->exprs[a->type_expr].lit_type = id;
      }
      have_type = true;
    } else {
      VOUCH_GUARD(parse_expr(ps, &a->value_expr));
      have_value = true;
    }
    if (ps->cur.kind == T_COMMA) {
      advance(ps);
      continue;
    }
    break;
  }
  if (!have_type) return fail(ps, "the claim needs type=");
  if (!have_value) return fail(ps, "the claim needs value=");
  return VOUCH_OK;
}

static vouch_status parse_action(parser *ps, pol_action *a) {
  static const struct {
    const char *name;
    pol_action_kind kind;
    uint8_t sections; /* bit per pol_section where it may appear */
  } acts[] = {
      {"permit", ACT_PERMIT, 1u << SEC_AUTHZ},
      {"deny", ACT_DENY, 1u << SEC_AUTHZ},
      {"add", ACT_ADD, (1u << SEC_CONFIG) | (1u << SEC_AUTHZ) | (1u << SEC_ISSUANCE)},
      {"issue", ACT_ISSUE, 1u << SEC_ISSUANCE},
      {"issueproperty", ACT_ISSUEPROPERTY, (1u << SEC_CONFIG) | (1u << SEC_ISSUANCE)},
  };
  static const char *const section_names[SEC_COUNT] = {"configurationrules",
                                                        "authorizationrules", "issuancerules"};
  tok t = ps->cur;
  int which = -1;
  for (int i = 0; i < 5; i++)
    if (is_kw(&t, acts[i].name)) which = i;
  if (which < 0) return fail(ps, "expected an action (permit, deny, issue, add, issueproperty)");
  if (!(acts[which].sections & (1u << ps->section))) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s() is not allowed in %s", acts[which].name,
             section_names[ps->section]);
    return fail_plain(ps, &t, VOUCH_E_POLICY_SYNTAX, msg);
  }
  a->kind = acts[which].kind;
  a->value_type = -1;
  advance(ps);
  VOUCH_GUARD(expect(ps, T_LPAREN, "expected '(' after the action"));
  if (a->kind == ACT_PERMIT || a->kind == ACT_DENY) {
    VOUCH_GUARD(expect(ps, T_RPAREN, "permit() and deny() take no arguments: expected ')'"));
    return VOUCH_OK;
  }
  VOUCH_GUARD(parse_claim_args(ps, a));
  return expect(ps, T_RPAREN, "expected ')' after the claim");
}

/* A token that can begin a rule (for the missing-';' leniency). */
static bool starts_rule(const parser *ps) {
  switch (ps->cur.kind) {
    case T_ARROW: case T_LBRACKET: case T_NOT: return true;
    case T_IDENT: return ps->next.kind == T_COLON;
    default: return false;
  }
}

static vouch_status parse_rule(parser *ps) {
  pol_rule r = {.line = ps->cur.line};
  ps->num_labels = 0;
  r.conds = (uint32_t)ps->pol->num_conds;
  if (ps->cur.kind != T_ARROW) {
    for (;;) {
      if (r.num_conds == VOUCH_POLICY_MAX_CONDITIONS)
        return fail_plain(ps, &ps->cur, VOUCH_E_LIMIT, "too many conditions in one rule");
      VOUCH_GUARD(parse_condition(ps, r.num_conds));
      r.num_conds++;
      if (ps->cur.kind == T_AND) {
        advance(ps);
        continue;
      }
      if (ps->cur.kind == T_OR)
        return fail_plain(ps, &ps->cur, VOUCH_E_POLICY_SYNTAX,
                          "'||' is not part of the language: write each alternative as its own "
                          "rule");
      break;
    }
  }
  VOUCH_GUARD(expect(ps, T_ARROW, "expected '=>' after condition list"));
  VOUCH_GUARD(parse_action(ps, &r.action));
  if (ps->cur.kind == T_SEMI) advance(ps);
  else if (ps->cur.kind != T_RBRACE && !starts_rule(ps))
    return fail(ps, "expected ';' after the rule");
  if (ps->pol->num_rules >= VOUCH_POLICY_MAX_RULES)
    return vouch_fail(ps->err, VOUCH_E_LIMIT, "policy: more than %d rules",
                      VOUCH_POLICY_MAX_RULES);
  uint32_t idx;
  PUSH(ps, rules, r, &idx);
  return VOUCH_OK;
}

/* ---- the policy ------------------------------------------------------- */

static vouch_status parse_version(parser *ps) {
  if (!is_kw(&ps->cur, "version")) return fail(ps, "expected 'version=1.x;' first");
  advance(ps);
  VOUCH_GUARD(expect(ps, T_ASSIGN, "expected '=' after 'version'"));
  tok major = ps->cur;
  if (major.kind != T_INT) return fail(ps, "expected a version number such as 1.0");
  advance(ps);
  VOUCH_GUARD(expect(ps, T_DOT, "expected '.' in the version number"));
  tok minor = ps->cur;
  if (minor.kind != T_INT) return fail(ps, "expected a version number such as 1.0");
  advance(ps);
  if (major.ival != 1 || minor.ival < 0 || minor.ival > 2 || minor.len != 1) {
    char msg[96];
    snprintf(msg, sizeof msg, "unsupported policy version %.*s.%.*s (1.0, 1.1 and 1.2 are)",
             (int)(major.len > 8 ? 8 : major.len), major.start,
             (int)(minor.len > 8 ? 8 : minor.len), minor.start);
    return fail_plain(ps, &major, VOUCH_E_POLICY_SYNTAX, msg);
  }
  ps->pol->version = 10 + (int)minor.ival;
  return expect(ps, T_SEMI, "expected ';' after the version");
}

vouch_status pol_parse(struct vouch_policy *p, vouch_policy_pos *where, vouch_err *err) {
  parser ps = {.pol = p, .where = where, .err = err};
  ps.lx.p = p->text;
  ps.lx.end = p->text + p->text_len;
  ps.lx.line = 1;
  ps.lx.line_start = p->text;
  if (p->text_len >= 3 && memcmp(p->text, "\xEF\xBB\xBF", 3) == 0) {
    ps.lx.p += 3;
    ps.lx.line_start += 3;
  }
  ps.next = lex_next(&ps.lx);
  advance(&ps);
  VOUCH_GUARD(parse_version(&ps));

  static const char *const names[SEC_COUNT] = {"configurationrules", "authorizationrules",
                                                "issuancerules"};
  int last = -1;
  while (ps.cur.kind != T_EOF) {
    tok st = ps.cur;
    int s = -1;
    for (int i = 0; i < SEC_COUNT; i++)
      if (is_kw(&st, names[i])) s = i;
    if (s < 0)
      return fail(&ps, "expected a section (configurationrules, authorizationrules, "
                       "issuancerules)");
    if (p->sections[s].present) {
      char msg[80];
      snprintf(msg, sizeof msg, "section %s appears twice", names[s]);
      return fail_plain(&ps, &st, VOUCH_E_POLICY_SYNTAX, msg);
    }
    if (s < last) {
      char msg[128];
      snprintf(msg, sizeof msg, "section %s must come before %s", names[s], names[last]);
      return fail_plain(&ps, &st, VOUCH_E_POLICY_SYNTAX, msg);
    }
    if (s == SEC_CONFIG && p->version < 11)
      return fail_plain(&ps, &st, VOUCH_E_POLICY_SYNTAX,
                        "configurationrules needs policy version 1.1 or later");
    last = s;
    ps.section = (pol_section)s;
    advance(&ps);
    VOUCH_GUARD(expect(&ps, T_LBRACE, "expected '{' after the section name"));
    p->sections[s].present = true;
    p->sections[s].rules = (uint32_t)p->num_rules;
    while (ps.cur.kind != T_RBRACE) {
      if (ps.cur.kind == T_LBRACE)
        return fail_plain(&ps, &ps.cur, VOUCH_E_POLICY_SYNTAX,
                          "sections do not nest: expected a rule or '}'");
      if (ps.cur.kind == T_EOF) return fail(&ps, "expected '}' to close the section");
      VOUCH_GUARD(parse_rule(&ps));
      p->sections[s].num_rules++;
    }
    advance(&ps); /* } */
    if (ps.cur.kind == T_SEMI) advance(&ps);
  }
  if (!p->sections[SEC_AUTHZ].present)
    return fail_at(&ps, &ps.cur, "expected an authorizationrules section");

  /* Literal strings were stored while the buffer could still move. */
  for (size_t i = 0; i < p->num_exprs; i++) {
    pol_expr *e = &p->exprs[i];
    if (e->kind == EX_LITERAL && e->lit.kind == VOUCH_PVAL_STRING)
      e->lit.s = p->strings + e->str_off;
  }
  return VOUCH_OK;
}
