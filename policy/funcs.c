/* policy/funcs.c - the functions of policy version 1.2: JmesPath,
 * JsonToClaimValue, IsSubsetOf, AppendString, NegateBool, ContainsOnlyValue.
 *
 * Sets are claim values of kind VOUCH_PVAL_SET holding the text of a JSON
 * array of primitives (what JsonToClaimValue makes of an array).  The JSON
 * work goes through jansson; only 1.2 policies pay for it. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "policy/funcs.h"
#include "policy/jmespath.h"

static vouch_status to_arena(pol_call_ctx *cc, const char *s, size_t len, const char **out) {
  char *o = vouch_policy_eval_alloc(cc->ev, len + 1);
  if (!o) return vouch_fail(cc->err, VOUCH_E_LIMIT, "the policy's string arena is full");
  memcpy(o, s, len);
  o[len] = '\0';
  *out = o;
  return VOUCH_OK;
}

static bool is_text(const vouch_pval *v) {
  return v->kind == VOUCH_PVAL_STRING || v->kind == VOUCH_PVAL_JSON || v->kind == VOUCH_PVAL_SET;
}

static const char *kind_name(const vouch_pval *v) { return pol_pval_kind_name(v->kind); }

/* as_set turns a value into a JSON array: a set or JSON array as is, a
 * scalar as a one-element set. */
static vouch_status as_set(pol_call_ctx *cc, const vouch_pval *v, const char *what,
                           json_t **out) {
  json_t *a = NULL;
  switch (v->kind) {
    case VOUCH_PVAL_SET:
    case VOUCH_PVAL_JSON: {
      json_error_t je;
      a = json_loadb(v->s, v->len, JSON_DECODE_ANY, &je);
      if (!a || !json_is_array(a)) {
        json_decref(a);
        return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL, "%s is not a set (a JSON array)", what);
      }
      break;
    }
    case VOUCH_PVAL_BOOL: a = json_pack("[b]", v->b); break;
    case VOUCH_PVAL_INT: a = json_pack("[I]", (json_int_t)v->i); break;
    case VOUCH_PVAL_STRING: a = json_pack("[s#]", v->s, (int)v->len); break;
    case VOUCH_PVAL_EMPTY:
      return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL, "%s is empty", what);
  }
  if (!a) return vouch_fail(cc->err, VOUCH_E_NOMEM, "out of memory");
  *out = a;
  return VOUCH_OK;
}

static json_t *scalar_json(const vouch_pval *v) {
  switch (v->kind) {
    case VOUCH_PVAL_BOOL: return json_boolean(v->b);
    case VOUCH_PVAL_INT: return json_integer((json_int_t)v->i);
    case VOUCH_PVAL_STRING: return json_stringn(v->s, v->len);
    default: return NULL;
  }
}

static vouch_status fn_jmespath(pol_call_ctx *cc, const vouch_pval *argv, vouch_pval *out) {
  if (!is_text(&argv[0]) || argv[0].len == 0)
    return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL,
                      "the first argument must be non-empty JSON text, not %s",
                      kind_name(&argv[0]));
  if (argv[1].kind != VOUCH_PVAL_STRING || argv[1].len == 0)
    return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL,
                      "the second argument must be a non-empty query string");
  vouch_buf_reset(cc->scratch);
  VOUCH_GUARD(vouch_jmespath(argv[0].s, argv[0].len, argv[1].s, argv[1].len, cc->scratch,
                             cc->err));
  if (vouch_buf_status(cc->scratch) != VOUCH_OK)
    return vouch_fail(cc->err, VOUCH_E_LIMIT, "the query result is too large");
  const char *s = NULL;
  VOUCH_GUARD(to_arena(cc, (const char *)cc->scratch->data, cc->scratch->len, &s));
  *out = (vouch_pval){.kind = VOUCH_PVAL_STRING, .s = s, .len = (uint32_t)cc->scratch->len};
  return VOUCH_OK;
}

static vouch_status fn_json_to_claim_value(pol_call_ctx *cc, const vouch_pval *arg,
                                           vouch_pval *out, bool *out_ro, bool arg_ro) {
  if (!is_text(arg))
    return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL, "the argument must be JSON text, not %s",
                      kind_name(arg));
  json_error_t je;
  json_t *j = json_loadb(arg->s, arg->len, JSON_DECODE_ANY, &je);
  if (!j)
    return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL, "the argument is not JSON: %s", je.text);
  vouch_status s = VOUCH_OK;
  /* A Boolean or Integer result is a verdict about the evidence, not the
   * evidence itself, so it is not read-only even when its input was: this
   * is what lets the spec's TPM example issue secureBootEnabled computed
   * from the read-only event log (inferred). */
  *out_ro = false;
  switch (json_typeof(j)) {
    case JSON_NULL: *out = (vouch_pval){.kind = VOUCH_PVAL_EMPTY}; break;
    case JSON_TRUE: *out = (vouch_pval){.kind = VOUCH_PVAL_BOOL, .b = true}; break;
    case JSON_FALSE: *out = (vouch_pval){.kind = VOUCH_PVAL_BOOL, .b = false}; break;
    case JSON_INTEGER:
      *out = (vouch_pval){.kind = VOUCH_PVAL_INT, .i = (int64_t)json_integer_value(j)};
      break;
    case JSON_REAL:
      s = vouch_fail(cc->err, VOUCH_E_POLICY_EVAL, "%g is a fraction, not an integer",
                     json_real_value(j));
      break;
    case JSON_STRING: {
      const char *o = NULL;
      s = to_arena(cc, json_string_value(j), json_string_length(j), &o);
      if (s == VOUCH_OK)
        *out = (vouch_pval){.kind = VOUCH_PVAL_STRING, .s = o,
                            .len = (uint32_t)json_string_length(j)};
      *out_ro = arg_ro;
      break;
    }
    case JSON_ARRAY: {
      size_t i;
      json_t *e;
      json_array_foreach(j, i, e) {
        if (!json_is_string(e) && !json_is_integer(e) && !json_is_boolean(e)) {
          s = vouch_fail(cc->err, VOUCH_E_POLICY_EVAL,
                         "element %zu of the array is not a string, integer or boolean", i);
          break;
        }
      }
      if (s != VOUCH_OK) break;
      char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
      if (!text) {
        s = vouch_fail(cc->err, VOUCH_E_NOMEM, "out of memory");
        break;
      }
      const char *o = NULL;
      size_t n = strlen(text);
      s = to_arena(cc, text, n, &o);
      free(text);
      if (s == VOUCH_OK) *out = (vouch_pval){.kind = VOUCH_PVAL_SET, .s = o, .len = (uint32_t)n};
      *out_ro = arg_ro;
      break;
    }
    case JSON_OBJECT:
      s = vouch_fail(cc->err, VOUCH_E_POLICY_EVAL,
                     "an object has no claim value (use JmesPath to pick a member)");
      break;
  }
  json_decref(j);
  return s;
}

static vouch_status fn_is_subset_of(pol_call_ctx *cc, const vouch_pval *argv, vouch_pval *out) {
  json_t *a, *b;
  VOUCH_GUARD(as_set(cc, &argv[0], "the first argument", &a));
  vouch_status s = as_set(cc, &argv[1], "the second argument", &b);
  if (s != VOUCH_OK) {
    json_decref(a);
    return s;
  }
  bool subset = true;
  size_t i, k;
  json_t *x, *y;
  json_array_foreach(a, i, x) {
    bool found = false;
    json_array_foreach(b, k, y) {
      if (json_equal(x, y)) {
        found = true;
        break;
      }
    }
    if (!found) {
      subset = false;
      break;
    }
  }
  json_decref(a);
  json_decref(b);
  *out = (vouch_pval){.kind = VOUCH_PVAL_BOOL, .b = subset};
  return VOUCH_OK;
}

static vouch_status fn_contains_only_value(pol_call_ctx *cc, const vouch_pval *argv,
                                           vouch_pval *out) {
  json_t *set;
  VOUCH_GUARD(as_set(cc, &argv[0], "the first argument", &set));
  json_t *v = scalar_json(&argv[1]);
  if (!v) {
    json_decref(set);
    return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL,
                      "the second argument must be a string, integer or boolean, not %s",
                      kind_name(&argv[1]));
  }
  bool only = json_array_size(set) > 0;
  size_t i;
  json_t *x;
  json_array_foreach(set, i, x) {
    if (!json_equal(x, v)) {
      only = false;
      break;
    }
  }
  json_decref(set);
  json_decref(v);
  *out = (vouch_pval){.kind = VOUCH_PVAL_BOOL, .b = only};
  return VOUCH_OK;
}

vouch_status pol_call(pol_call_ctx *cc, pol_func f, const vouch_pval *argv, const bool *argro,
                      size_t argc, vouch_pval *out, bool *out_ro) {
  bool any_ro = false;
  for (size_t i = 0; i < argc; i++) any_ro = any_ro || argro[i];
  *out_ro = false;
  switch (f) {
    case FN_JMESPATH:
      *out_ro = any_ro;
      return fn_jmespath(cc, argv, out);
    case FN_JSON_TO_CLAIM_VALUE:
      return fn_json_to_claim_value(cc, &argv[0], out, out_ro, argro[0]);
    case FN_IS_SUBSET_OF:
      return fn_is_subset_of(cc, argv, out);
    case FN_CONTAINS_ONLY_VALUE:
      return fn_contains_only_value(cc, argv, out);
    case FN_APPEND_STRING: {
      if (argv[0].kind != VOUCH_PVAL_STRING || argv[1].kind != VOUCH_PVAL_STRING)
        return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL, "both arguments must be strings");
      size_t n = (size_t)argv[0].len + argv[1].len;
      char *o = vouch_policy_eval_alloc(cc->ev, n + 1);
      if (!o) return vouch_fail(cc->err, VOUCH_E_LIMIT, "the policy's string arena is full");
      if (argv[0].len) memcpy(o, argv[0].s, argv[0].len);
      if (argv[1].len) memcpy(o + argv[0].len, argv[1].s, argv[1].len);
      o[n] = '\0';
      *out = (vouch_pval){.kind = VOUCH_PVAL_STRING, .s = o, .len = (uint32_t)n};
      *out_ro = any_ro;
      return VOUCH_OK;
    }
    case FN_NEGATE_BOOL:
      if (argv[0].kind != VOUCH_PVAL_BOOL)
        return vouch_fail(cc->err, VOUCH_E_POLICY_EVAL, "the argument must be a boolean, not %s",
                          kind_name(&argv[0]));
      *out = (vouch_pval){.kind = VOUCH_PVAL_BOOL, .b = !argv[0].b};
      return VOUCH_OK;
    case FN_COUNT: break;
  }
  return VOUCH_E_INTERNAL;
}
