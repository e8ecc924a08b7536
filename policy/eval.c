/* policy/eval.c - evaluating a compiled policy against one item's claims.
 *
 * Semantics (spec/policy.md §5): sections run in order (configuration,
 * authorization, issuance); rules run top to bottom and each sees the
 * claims that earlier rules added.  A rule's conditions are matched left to
 * right as a join over the incoming set, and the action runs once for every
 * combination of claims that satisfies the whole list (AD FS semantics,
 * marked "inferred" by the spec).  A negated condition is true when no claim
 * matches it.  Deny wins over permit regardless of order ("inferred": the
 * real service's message is "A Deny claim was issued").
 *
 * Everything lives in the fixed-size state of vouch_policy_eval: claim
 * arrays, per-type chains and a string arena, reused from item to item. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/funcs.h"
#include "policy/internal.h"

enum { F_OUTGOING = 1, F_PROPERTY = 2 };

struct vouch_policy_eval {
  const struct vouch_policy *pol;
  vouch_pclaim claims[VOUCH_POLICY_MAX_CLAIMS];
  uint8_t flags[VOUCH_POLICY_MAX_CLAIMS];
  /* Claims of one interned type form a chain in insertion order, so a
   * condition with `type == "x"` visits only the claims of type x. */
  uint16_t next_same[VOUCH_POLICY_MAX_CLAIMS];
  uint16_t *head, *tail;
  size_t heads_cap;
  size_t num_claims;
  uint16_t out[VOUCH_POLICY_MAX_CLAIMS];
  size_t num_out;
  uint16_t props[VOUCH_POLICY_MAX_CLAIMS];
  size_t num_props;
  uint64_t steps;
  bool permitted, denied;
  bool heads_failed;
  vouch_buf scratch; /* function results before they move to the arena */
  /* Interned ids of static claim names, by address, for memo_policy. */
  const struct vouch_policy *memo_policy;
  struct {
    const char *name;
    uint16_t id;
    uint32_t len;
  } memo[256];
  size_t arena_len;
  char arena[VOUCH_POLICY_ARENA];
};

struct vouch_policy_eval *vouch_policy_eval_new(void) {
  struct vouch_policy_eval *ev = calloc(1, sizeof *ev);
  if (ev) vouch_buf_init(&ev->scratch, VOUCH_POLICY_ARENA);
  return ev;
}

void vouch_policy_eval_free(struct vouch_policy_eval *ev) {
  if (!ev) return;
  free(ev->head);
  free(ev->tail);
  vouch_buf_free(&ev->scratch);
  free(ev);
}

void vouch_policy_eval_begin(struct vouch_policy_eval *ev, const struct vouch_policy *p) {
  ev->pol = p;
  ev->num_claims = ev->num_out = ev->num_props = 0;
  ev->arena_len = 0;
  ev->steps = 0;
  ev->permitted = ev->denied = false;
  ev->heads_failed = false;
  size_t n = p->num_types;
  if (n > ev->heads_cap) {
    /* Grows only when a policy with more claim types than any before comes
     * along; the hot path never allocates. */
    uint16_t *h = realloc(ev->head, n * sizeof *h);
    if (h) ev->head = h;
    uint16_t *t = h ? realloc(ev->tail, n * sizeof *t) : NULL;
    if (t) ev->tail = t;
    if (!h || !t) {
      ev->heads_failed = true;
      return;
    }
    ev->heads_cap = n;
  }
  if (n) memset(ev->head, 0xFF, n * sizeof *ev->head);
}

char *vouch_policy_eval_alloc(struct vouch_policy_eval *ev, size_t n) {
  if (n > sizeof ev->arena - ev->arena_len) return NULL;
  char *p = ev->arena + ev->arena_len;
  ev->arena_len += (n + 7) & ~(size_t)7;
  if (ev->arena_len > sizeof ev->arena) ev->arena_len = sizeof ev->arena;
  return p;
}

static vouch_status push_claim(struct vouch_policy_eval *ev, const vouch_pclaim *c,
                               uint8_t flags, vouch_err *err) {
  if (ev->num_claims >= VOUCH_POLICY_MAX_CLAIMS)
    return vouch_fail(err, VOUCH_E_LIMIT, "policy: more than %d claims",
                      VOUCH_POLICY_MAX_CLAIMS);
  size_t i = ev->num_claims++;
  ev->claims[i] = *c;
  ev->flags[i] = flags;
  ev->next_same[i] = VOUCH_POLICY_NO_TYPE;
  uint16_t id = c->type_id;
  if (id != VOUCH_POLICY_NO_TYPE) {
    if (ev->head[id] == VOUCH_POLICY_NO_TYPE) ev->head[id] = (uint16_t)i;
    else ev->next_same[ev->tail[id]] = (uint16_t)i;
    ev->tail[id] = (uint16_t)i;
  }
  if (flags & F_OUTGOING) ev->out[ev->num_out++] = (uint16_t)i;
  if (flags & F_PROPERTY) ev->props[ev->num_props++] = (uint16_t)i;
  return VOUCH_OK;
}

static size_t memo_slot(struct vouch_policy_eval *ev, const char *name) {
  if (ev->memo_policy != ev->pol) {
    memset(ev->memo, 0, sizeof ev->memo);
    ev->memo_policy = ev->pol;
  }
  uintptr_t a = (uintptr_t)name;
  size_t slot = (size_t)((a >> 3) ^ (a >> 11)) & 255;
  if (ev->memo[slot].name != name) {
    size_t len = strlen(name);
    ev->memo[slot].name = name;
    ev->memo[slot].len = (uint32_t)len;
    ev->memo[slot].id = vouch_policy_type_id(ev->pol, name, len);
  }
  return slot;
}

bool vouch_policy_eval_names_static(struct vouch_policy_eval *ev, const char *static_type) {
  return ev->memo[memo_slot(ev, static_type)].id != VOUCH_POLICY_NO_TYPE;
}

vouch_status vouch_policy_eval_add_static(struct vouch_policy_eval *ev, const char *static_type,
                                          const vouch_pval *value, vouch_claim_issuer issuer,
                                          bool read_only) {
  if (ev->heads_failed) return VOUCH_E_NOMEM;
  if (value->len > UINT32_MAX / 2) return VOUCH_E_LIMIT;
  size_t slot = memo_slot(ev, static_type);
  vouch_pclaim c = {.type = static_type,
                    .type_len = ev->memo[slot].len,
                    .type_id = ev->memo[slot].id,
                    .issuer = issuer,
                    .read_only = read_only,
                    .value = *value};
  return push_claim(ev, &c, 0, NULL);
}

vouch_status vouch_policy_eval_add(struct vouch_policy_eval *ev, const char *type,
                                   size_t type_len, const vouch_pval *value,
                                   vouch_claim_issuer issuer, bool read_only) {
  if (ev->heads_failed) return VOUCH_E_NOMEM;
  if (type_len > UINT32_MAX || value->len > UINT32_MAX / 2) return VOUCH_E_LIMIT;
  vouch_pclaim c = {.type = type,
                    .type_len = (uint32_t)type_len,
                    .type_id = vouch_policy_type_id(ev->pol, type, type_len),
                    .issuer = issuer,
                    .read_only = read_only,
                    .value = *value};
  return push_claim(ev, &c, 0, NULL);
}

/* ---- values ----------------------------------------------------------- */

static bool text_equal(const vouch_pval *a, const vouch_pval *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

static bool is_texty(vouch_pval_kind k) {
  return k == VOUCH_PVAL_STRING || k == VOUCH_PVAL_JSON || k == VOUCH_PVAL_SET;
}

static bool pval_equal(const vouch_pval *a, const vouch_pval *b) {
  if (a->kind == VOUCH_PVAL_EMPTY || b->kind == VOUCH_PVAL_EMPTY) return false;
  if (is_texty(a->kind) && is_texty(b->kind)) return text_equal(a, b);
  if (a->kind != b->kind) return false;
  return a->kind == VOUCH_PVAL_INT ? a->i == b->i : a->b == b->b;
}

/* compare: values of different types never compare true, not even with
 * != (spec/policy.md §5, "inferred"); ordering applies to integers. */
static bool compare(const vouch_pval *a, pol_op op, const vouch_pval *b) {
  if (a->kind == VOUCH_PVAL_EMPTY || b->kind == VOUCH_PVAL_EMPTY) return false;
  bool texty = is_texty(a->kind) && is_texty(b->kind);
  if (!texty && a->kind != b->kind) return false;
  if (a->kind == VOUCH_PVAL_INT) {
    switch (op) {
      case OP_EQ: return a->i == b->i;
      case OP_NE: return a->i != b->i;
      case OP_LT: return a->i < b->i;
      case OP_LE: return a->i <= b->i;
      case OP_GT: return a->i > b->i;
      case OP_GE: return a->i >= b->i;
    }
  }
  if (op == OP_EQ) return pval_equal(a, b);
  if (op == OP_NE) return !pval_equal(a, b);
  return false;
}

static vouch_pval str_pval(const char *s, size_t len) {
  return (vouch_pval){.kind = VOUCH_PVAL_STRING, .s = s, .len = (uint32_t)len};
}

typedef struct {
  struct vouch_policy_eval *ev;
  const pol_rule *rule;
  uint16_t bound[VOUCH_POLICY_MAX_CONDITIONS];
  size_t limit; /* claims that existed when the rule started */
  pol_section section;
  vouch_err *err;
} rule_ctx;

static vouch_status eval_expr(rule_ctx *rc, uint32_t ei, vouch_pval *out, bool *ro) {
  const struct vouch_policy *p = rc->ev->pol;
  const pol_expr *e = &p->exprs[ei];
  *ro = false;
  switch (e->kind) {
    case EX_LITERAL:
      *out = e->lit;
      return VOUCH_OK;
    case EX_REF: {
      const vouch_pclaim *c = &rc->ev->claims[rc->bound[e->slot]];
      switch ((pol_prop)e->prop) {
        case PROP_TYPE: *out = str_pval(c->type, c->type_len); break;
        case PROP_VALUE:
          *out = c->value;
          *ro = c->read_only;
          break;
        case PROP_ISSUER: {
          const char *n = vouch_claim_issuer_name(c->issuer);
          *out = str_pval(n, strlen(n));
          break;
        }
        case PROP_VALUETYPE: {
          const char *n = pol_pval_kind_name(c->value.kind);
          *out = str_pval(n, strlen(n));
          break;
        }
      }
      return VOUCH_OK;
    }
    case EX_CALL: {
      vouch_pval argv[4];
      bool argro[4];
      for (unsigned i = 0; i < e->nargs; i++)
        VOUCH_GUARD(eval_expr(rc, p->args[e->args + i], &argv[i], &argro[i]));
      /* A call costs a step plus one per 16 bytes of its arguments: the
       * JSON functions walk their input, and a policy that calls them in a
       * large join must still hit the step limit, not run for minutes. */
      uint64_t cost = 1;
      for (unsigned i = 0; i < e->nargs; i++) cost += argv[i].len / 16;
      rc->ev->steps += cost;
      if (rc->ev->steps > VOUCH_POLICY_MAX_STEPS)
        return vouch_fail(rc->err, VOUCH_E_LIMIT, "evaluation took more than %d steps",
                          VOUCH_POLICY_MAX_STEPS);
      pol_call_ctx cc = {.ev = rc->ev, .scratch = &rc->ev->scratch, .err = rc->err};
      vouch_status s = pol_call(&cc, (pol_func)e->func, argv, argro, e->nargs, out, ro);
      if (s != VOUCH_OK)
        vouch_err_prefix(rc->err, "%s (%u:%u): ", pol_func_name((pol_func)e->func), e->line,
                         e->col);
      return s;
    }
  }
  return VOUCH_E_INTERNAL;
}

static vouch_status test_claim(rule_ctx *rc, const pol_cond *cond, const vouch_pclaim *c,
                               bool *match) {
  const struct vouch_policy *p = rc->ev->pol;
  for (uint16_t t = 0; t < cond->num_tests; t++) {
    const pol_test *test = &p->tests[cond->tests + t];
    const pol_expr *e = &p->exprs[test->expr];
    bool ok;
    if (test->prop == PROP_TYPE && e->kind == EX_LITERAL) {
      bool same = c->type_id != VOUCH_POLICY_NO_TYPE && c->type_id == e->lit_type;
      ok = test->op == OP_EQ ? same : !same;
    } else {
      vouch_pval v;
      bool ro;
      VOUCH_GUARD(eval_expr(rc, test->expr, &v, &ro));
      vouch_pval lhs;
      switch ((pol_prop)test->prop) {
        case PROP_TYPE: lhs = str_pval(c->type, c->type_len); break;
        case PROP_VALUE: lhs = c->value; break;
        case PROP_ISSUER: {
          const char *n = vouch_claim_issuer_name(c->issuer);
          lhs = str_pval(n, strlen(n));
          break;
        }
        case PROP_VALUETYPE: {
          const char *n = pol_pval_kind_name(c->value.kind);
          lhs = str_pval(n, strlen(n));
          break;
        }
        default: return VOUCH_E_INTERNAL;
      }
      ok = compare(&lhs, (pol_op)test->op, &v);
    }
    if (!ok) {
      *match = false;
      return VOUCH_OK;
    }
  }
  *match = true;
  return VOUCH_OK;
}

/* ---- actions ---------------------------------------------------------- */

static bool same_claim(const vouch_pclaim *a, const vouch_pclaim *b) {
  return a->type_len == b->type_len && memcmp(a->type, b->type, a->type_len) == 0 &&
         a->value.kind == b->value.kind && pval_equal(&a->value, &b->value);
}

/* coerce applies valueType= to a value (inferred: the documentation gives
 * valueType as a claim property but not the conversions; these are the
 * lossless ones, anything else is an evaluation error). */
static vouch_status coerce(rule_ctx *rc, vouch_pval *v, vouch_pval_kind want) {
  if (v->kind == want || v->kind == VOUCH_PVAL_EMPTY) return VOUCH_OK;
  if (want == VOUCH_PVAL_STRING && (v->kind == VOUCH_PVAL_INT || v->kind == VOUCH_PVAL_BOOL)) {
    char *o = vouch_policy_eval_alloc(rc->ev, 24);
    if (!o) return vouch_fail(rc->err, VOUCH_E_LIMIT, "policy string arena full");
    int n = v->kind == VOUCH_PVAL_INT ? snprintf(o, 24, "%lld", (long long)v->i)
                                      : snprintf(o, 24, "%s", v->b ? "true" : "false");
    *v = str_pval(o, (size_t)n);
    return VOUCH_OK;
  }
  if (v->kind == VOUCH_PVAL_STRING && want == VOUCH_PVAL_BOOL) {
    if (v->len == 4 && memcmp(v->s, "true", 4) == 0) *v = (vouch_pval){.kind = want, .b = true};
    else if (v->len == 5 && memcmp(v->s, "false", 5) == 0) *v = (vouch_pval){.kind = want};
    else goto bad;
    return VOUCH_OK;
  }
  if (v->kind == VOUCH_PVAL_STRING && want == VOUCH_PVAL_INT) {
    int64_t x = 0;
    bool neg = false;
    size_t i = 0;
    if (v->len && v->s[0] == '-') {
      neg = true;
      i = 1;
    }
    if (i == v->len || v->len - i > 18) goto bad;
    for (; i < v->len; i++) {
      if (v->s[i] < '0' || v->s[i] > '9') goto bad;
      x = x * 10 + (v->s[i] - '0');
    }
    *v = (vouch_pval){.kind = want, .i = neg ? -x : x};
    return VOUCH_OK;
  }
bad:
  return vouch_fail(rc->err, VOUCH_E_POLICY_EVAL, "a %s value cannot be given valueType %s",
                    pol_pval_kind_name(v->kind), pol_pval_kind_name(want));
}

static vouch_status run_action(rule_ctx *rc) {
  struct vouch_policy_eval *ev = rc->ev;
  const struct vouch_policy *p = ev->pol;
  const pol_action *a = &rc->rule->action;
  if (a->kind == ACT_PERMIT) {
    ev->permitted = true;
    return VOUCH_OK;
  }
  if (a->kind == ACT_DENY) {
    ev->denied = true;
    return VOUCH_OK;
  }
  vouch_pclaim c = {.issuer = VOUCH_ISSUER_POLICY, .type_id = VOUCH_POLICY_NO_TYPE};
  if (a->copy_claim) {
    const vouch_pclaim *src = &ev->claims[rc->bound[a->slot]];
    c.type = src->type;
    c.type_len = src->type_len;
    c.type_id = src->type_id;
    c.value = src->value;
    c.read_only = src->read_only;
  } else {
    vouch_pval t;
    bool ro;
    VOUCH_GUARD(eval_expr(rc, a->type_expr, &t, &ro));
    if (t.kind != VOUCH_PVAL_STRING || t.len == 0)
      return vouch_fail(rc->err, VOUCH_E_POLICY_EVAL, "the claim type is not a non-empty string");
    c.type = t.s;
    c.type_len = t.len;
    const pol_expr *te = &p->exprs[a->type_expr];
    c.type_id = te->kind == EX_LITERAL ? te->lit_type : vouch_policy_type_id(p, t.s, t.len);
    VOUCH_GUARD(eval_expr(rc, a->value_expr, &c.value, &c.read_only));
    if (a->value_type >= 0) VOUCH_GUARD(coerce(rc, &c.value, (vouch_pval_kind)a->value_type));
  }
  /* An empty value (JsonToClaimValue of null) makes the action a no-op
   * (documented). */
  if (c.value.kind == VOUCH_PVAL_EMPTY) return VOUCH_OK;
  uint8_t flags = 0;
  if (a->kind == ACT_ISSUE) flags = F_OUTGOING;
  if (a->kind == ACT_ISSUEPROPERTY) flags = F_PROPERTY;
  if (flags && c.read_only) {
    size_t n;
    const char *name = c.type;
    n = c.type_len;
    return vouch_fail(rc->err, VOUCH_E_POLICY_EVAL,
                      "'%.*s' would carry a read-only value (derived from raw evidence) out of "
                      "the policy; only add() may use it",
                      (int)(n > 64 ? 64 : n), name);
  }
  /* Identical claims from several combinations are kept once (inferred:
   * the spec recommends de-duplicating before serialising). */
  for (size_t i = 0; i < ev->num_claims; i++)
    if (ev->claims[i].issuer == VOUCH_ISSUER_POLICY && ev->flags[i] == flags &&
        same_claim(&ev->claims[i], &c))
      return VOUCH_OK;
  return push_claim(ev, &c, flags, rc->err);
}

/* join matches condition |k| and the ones after it; on a full match the
 * action runs once for the combination of claims bound so far. */
static vouch_status join(rule_ctx *rc, uint16_t k) {
  struct vouch_policy_eval *ev = rc->ev;
  const pol_rule *r = rc->rule;
  if (k == r->num_conds) return run_action(rc);
  const pol_cond *cond = &ev->pol->conds[r->conds + k];
  /* Claims added by this rule's own actions are not visited by this rule:
   * `c:[type=="x"] => add(type="x", ...)` must end. */
  size_t limit = rc->limit;
  size_t i;
  if (cond->type_id != VOUCH_POLICY_NO_TYPE) i = ev->head[cond->type_id];
  else i = 0;
  while (i < limit) {
    if (++ev->steps > VOUCH_POLICY_MAX_STEPS)
      return vouch_fail(rc->err, VOUCH_E_LIMIT, "evaluation took more than %d steps",
                        VOUCH_POLICY_MAX_STEPS);
    bool match;
    VOUCH_GUARD(test_claim(rc, cond, &ev->claims[i], &match));
    if (match) {
      if (cond->negated) return VOUCH_OK; /* a claim matches: the rule fails */
      rc->bound[k] = (uint16_t)i;
      VOUCH_GUARD(join(rc, (uint16_t)(k + 1)));
    }
    i = cond->type_id != VOUCH_POLICY_NO_TYPE ? ev->next_same[i] : i + 1;
  }
  if (cond->negated) return join(rc, (uint16_t)(k + 1));
  return VOUCH_OK;
}

vouch_status vouch_policy_eval_run(struct vouch_policy_eval *ev, vouch_policy_decision *decision,
                                   vouch_err *err) {
  if (ev->heads_failed) return vouch_fail(err, VOUCH_E_NOMEM, "policy: out of memory");
  const struct vouch_policy *p = ev->pol;
  for (int s = 0; s < SEC_COUNT; s++) {
    const pol_sec *sec = &p->sections[s];
    for (uint32_t r = 0; r < sec->num_rules; r++) {
      rule_ctx rc = {.ev = ev, .rule = &p->rules[sec->rules + r], .limit = ev->num_claims,
                     .section = (pol_section)s, .err = err};
      vouch_status st = join(&rc, 0);
      if (st != VOUCH_OK) {
        vouch_err_prefix(err, "policy rule at line %u: ", rc.rule->line);
        return st;
      }
    }
  }
  *decision = ev->denied ? VOUCH_POLICY_DENY
                         : (ev->permitted ? VOUCH_POLICY_PERMIT : VOUCH_POLICY_NO_PERMIT);
  return VOUCH_OK;
}

/* ---- results ---------------------------------------------------------- */

size_t vouch_policy_eval_num_outgoing(const struct vouch_policy_eval *ev) { return ev->num_out; }
const vouch_pclaim *vouch_policy_eval_outgoing(const struct vouch_policy_eval *ev, size_t i) {
  return i < ev->num_out ? &ev->claims[ev->out[i]] : NULL;
}
size_t vouch_policy_eval_num_properties(const struct vouch_policy_eval *ev) {
  return ev->num_props;
}
const vouch_pclaim *vouch_policy_eval_property(const struct vouch_policy_eval *ev, size_t i) {
  return i < ev->num_props ? &ev->claims[ev->props[i]] : NULL;
}
const vouch_pclaim *vouch_policy_eval_find_property(const struct vouch_policy_eval *ev,
                                                    const char *type) {
  size_t n = strlen(type);
  for (size_t i = ev->num_props; i-- > 0;) {
    const vouch_pclaim *c = &ev->claims[ev->props[i]];
    if (c->type_len == n && memcmp(c->type, type, n) == 0) return c;
  }
  return NULL;
}
size_t vouch_policy_eval_num_incoming(const struct vouch_policy_eval *ev) {
  return ev->num_claims;
}
const vouch_pclaim *vouch_policy_eval_incoming(const struct vouch_policy_eval *ev, size_t i) {
  return i < ev->num_claims ? &ev->claims[i] : NULL;
}

void vouch_policy_write_value(vouch_json *j, const vouch_pval *v) {
  switch (v->kind) {
    case VOUCH_PVAL_BOOL: vouch_json_bool(j, v->b); break;
    case VOUCH_PVAL_INT: vouch_json_int(j, v->i); break;
    case VOUCH_PVAL_STRING: vouch_json_string_len(j, v->s, v->len); break;
    case VOUCH_PVAL_JSON:
    case VOUCH_PVAL_SET: vouch_json_raw(j, v->s, v->len); break;
    case VOUCH_PVAL_EMPTY: vouch_json_null(j); break;
  }
}

void vouch_policy_write_outgoing(const struct vouch_policy_eval *ev, vouch_json *j) {
  /* One member per type; a type issued several times becomes an array
   * (inferred, spec/policy.md §5).  Quadratic in the number of outgoing
   * claims, which is small (tens). */
  for (size_t i = 0; i < ev->num_out; i++) {
    const vouch_pclaim *c = &ev->claims[ev->out[i]];
    bool seen = false;
    for (size_t k = 0; k < i && !seen; k++) {
      const vouch_pclaim *d = &ev->claims[ev->out[k]];
      seen = d->type_len == c->type_len && memcmp(d->type, c->type, c->type_len) == 0;
    }
    if (seen) continue;
    size_t count = 0;
    for (size_t k = i; k < ev->num_out; k++) {
      const vouch_pclaim *d = &ev->claims[ev->out[k]];
      if (d->type_len == c->type_len && memcmp(d->type, c->type, c->type_len) == 0) count++;
    }
    vouch_json_key_len(j, c->type, c->type_len);
    if (count == 1) {
      vouch_policy_write_value(j, &c->value);
      continue;
    }
    vouch_json_begin_array(j);
    for (size_t k = i; k < ev->num_out; k++) {
      const vouch_pclaim *d = &ev->claims[ev->out[k]];
      if (d->type_len == c->type_len && memcmp(d->type, c->type, c->type_len) == 0)
        vouch_policy_write_value(j, &d->value);
    }
    vouch_json_end_array(j);
  }
}
