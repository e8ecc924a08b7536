/* policy/policy.c - compiling a policy (around the parser), the interned
 * type table, the policy hash, the default policies, and the readable dump
 * of the compiled form. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"
#include "policy/internal.h"

/* ---- interning -------------------------------------------------------- */

uint32_t pol_hash(const char *s, size_t len) {
  uint32_t h = 2166136261u; /* FNV-1a: claim types are short */
  for (size_t i = 0; i < len; i++) {
    h ^= (uint8_t)s[i];
    h *= 16777619u;
  }
  return h;
}

static uint16_t lookup(const struct vouch_policy *p, const char *s, size_t len, uint32_t h) {
  if (!p->type_index_cap) return VOUCH_POLICY_NO_TYPE;
  size_t mask = p->type_index_cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint16_t id = p->type_index[i];
    if (id == VOUCH_POLICY_NO_TYPE) return VOUCH_POLICY_NO_TYPE;
    const pol_type *t = &p->types[id];
    if (t->hash == h && t->len == len && memcmp(p->strings + t->off, s, len) == 0) return id;
  }
}

static vouch_status rehash(struct vouch_policy *p, size_t cap) {
  uint16_t *idx = malloc(cap * sizeof *idx);
  if (!idx) return VOUCH_E_NOMEM;
  memset(idx, 0xFF, cap * sizeof *idx);
  for (size_t id = 0; id < p->num_types; id++) {
    size_t i = p->types[id].hash & (cap - 1);
    while (idx[i] != VOUCH_POLICY_NO_TYPE) i = (i + 1) & (cap - 1);
    idx[i] = (uint16_t)id;
  }
  free(p->type_index);
  p->type_index = idx;
  p->type_index_cap = cap;
  return VOUCH_OK;
}

vouch_status pol_intern(struct vouch_policy *p, const char *s, size_t len, uint16_t *id) {
  uint32_t h = pol_hash(s, len);
  uint16_t found = lookup(p, s, len, h);
  if (found != VOUCH_POLICY_NO_TYPE) {
    *id = found;
    return VOUCH_OK;
  }
  if (p->num_types >= VOUCH_POLICY_NO_TYPE - 1) return VOUCH_E_LIMIT;
  /* |s| may point into p->strings, which may move: copy via offset. */
  size_t src_off = (s >= p->strings && s < p->strings + p->strings_len)
                       ? (size_t)(s - p->strings)
                       : SIZE_MAX;
  if (p->strings_len + len + 1 > p->cap_strings) {
    size_t ncap = p->cap_strings ? p->cap_strings * 2 : 256;
    while (ncap < p->strings_len + len + 1) ncap *= 2;
    char *n = realloc(p->strings, ncap);
    if (!n) return VOUCH_E_NOMEM;
    p->strings = n;
    p->cap_strings = ncap;
  }
  const char *src = src_off == SIZE_MAX ? s : p->strings + src_off;
  memmove(p->strings + p->strings_len, src, len);
  p->strings[p->strings_len + len] = '\0';
  if (p->num_types + 1 > p->cap_types) {
    size_t ncap = p->cap_types ? p->cap_types * 2 : 32;
    pol_type *n = realloc(p->types, ncap * sizeof *n);
    if (!n) return VOUCH_E_NOMEM;
    p->types = n;
    p->cap_types = ncap;
  }
  p->types[p->num_types] = (pol_type){.off = (uint32_t)p->strings_len, .len = (uint32_t)len,
                                       .hash = h};
  p->strings_len += len + 1;
  *id = (uint16_t)p->num_types++;
  /* Keep the table at most half full. */
  if (p->num_types * 2 > p->type_index_cap) {
    size_t cap = p->type_index_cap ? p->type_index_cap * 2 : 64;
    VOUCH_GUARD(rehash(p, cap));
  } else {
    size_t i = h & (p->type_index_cap - 1);
    while (p->type_index[i] != VOUCH_POLICY_NO_TYPE) i = (i + 1) & (p->type_index_cap - 1);
    p->type_index[i] = *id;
  }
  return VOUCH_OK;
}

const char *pol_type_name(const struct vouch_policy *p, uint16_t id, size_t *len) {
  if (id >= p->num_types) {
    *len = 0;
    return "";
  }
  *len = p->types[id].len;
  return p->strings + p->types[id].off;
}

uint16_t vouch_policy_type_id(const struct vouch_policy *p, const char *type, size_t len) {
  return lookup(p, type, len, pol_hash(type, len));
}

bool vouch_policy_reads_any_claim(const struct vouch_policy *p) { return p->reads_any_claim; }

/* ---- compile ---------------------------------------------------------- */

void vouch_policy_hash_text(const char *text, size_t len, char out[VOUCH_POLICY_HASH_LEN + 1]) {
  /* Over the base64url text that sits in the JWS "AttestationPolicy"
   * member, not over the policy text itself (spec/policy.md §7). */
  vouch_buf b64;
  vouch_buf_init(&b64, 0);
  vouch_base64url_encode(&b64, (const uint8_t *)text, len);
  uint8_t digest[VOUCH_SHA256_LEN];
  vouch_sha256(b64.data, b64.len, digest);
  vouch_buf_free(&b64);
  vouch_buf h;
  vouch_buf_init(&h, 0);
  vouch_base64url_encode(&h, digest, sizeof digest);
  size_t n = h.len < VOUCH_POLICY_HASH_LEN ? h.len : VOUCH_POLICY_HASH_LEN;
  memcpy(out, h.data, n);
  out[n] = '\0';
  vouch_buf_free(&h);
}

vouch_status vouch_policy_compile(const char *text, size_t len, struct vouch_policy **out,
                                  vouch_policy_pos *where, vouch_err *err) {
  *out = NULL;
  if (where) *where = (vouch_policy_pos){0, 0};
  if (len > VOUCH_POLICY_MAX_TEXT)
    return vouch_fail(err, VOUCH_E_LIMIT, "policy: %zu bytes, over the limit of %d", len,
                      VOUCH_POLICY_MAX_TEXT);
  if (memchr(text, '\0', len))
    return vouch_fail(err, VOUCH_E_POLICY_SYNTAX, "policy: the text contains a NUL byte");
  struct vouch_policy *p = calloc(1, sizeof *p);
  if (!p) return vouch_fail(err, VOUCH_E_NOMEM, "policy: out of memory");
  atomic_init(&p->refs, 1);
  p->text = malloc(len + 1);
  if (!p->text) {
    free(p);
    return vouch_fail(err, VOUCH_E_NOMEM, "policy: out of memory");
  }
  memcpy(p->text, text, len);
  p->text[len] = '\0';
  p->text_len = len;
  vouch_status s = pol_parse(p, where, err);
  if (s != VOUCH_OK) {
    vouch_policy_free(p);
    return s;
  }
  vouch_policy_hash_text(text, len, p->hash);
  for (size_t i = 0; i < p->num_conds; i++)
    if (p->conds[i].type_id == VOUCH_POLICY_NO_TYPE) p->reads_any_claim = true;
  *out = p;
  return VOUCH_OK;
}

void vouch_policy_up_ref(struct vouch_policy *p) { atomic_fetch_add(&p->refs, 1); }

void vouch_policy_free(struct vouch_policy *p) {
  if (!p || atomic_fetch_sub(&p->refs, 1) != 1) return;
  free(p->text);
  free(p->rules);
  free(p->conds);
  free(p->tests);
  free(p->exprs);
  free(p->args);
  free(p->strings);
  free(p->types);
  free(p->type_index);
  free(p);
}

const char *vouch_policy_text(const struct vouch_policy *p, size_t *len) {
  if (len) *len = p->text_len;
  return p->text;
}
int vouch_policy_version(const struct vouch_policy *p) { return p->version; }
const char *vouch_policy_hash(const struct vouch_policy *p) { return p->hash; }

/* ---- defaults --------------------------------------------------------- */

/* The documented default SGX policy (spec/policy.md §9), byte for byte
 * including its tabs: its hash is what a token from a fresh provider
 * carries. */
static const char sgx_default[] =
    "version= 1.1;\n"
    "configurationrules{\n"
    "\t=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"azuredefault\");\n"
    "};\n"
    "authorizationrules{\n"
    "\t=> permit();\n"
    "};\n"
    "issuancerules{\n"
    "\tc:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);\n"
    "\tc:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);\n"
    "\tc:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);\n"
    "\tc:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);\n"
    "\tc:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);\n"
    "\tc:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);\n"
    "};\n";

/* No default is published for these types; permit-all (inferred). */
static const char permit_all[] =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{};";

const char *vouch_policy_default_text(const char *type) {
  if (strcasecmp(type, "SgxEnclave") == 0 || strcasecmp(type, "OpenEnclave") == 0 ||
      strcasecmp(type, "sgx") == 0)
    return sgx_default;
  if (strcasecmp(type, "SevSnpVm") == 0 || strcasecmp(type, "TdxVm") == 0 ||
      strcasecmp(type, "Tpm") == 0 || strcasecmp(type, "snp") == 0 ||
      strcasecmp(type, "tdx") == 0 || strcasecmp(type, "tpm") == 0)
    return permit_all;
  return NULL;
}

/* ---- names ------------------------------------------------------------ */

const char *vouch_claim_issuer_name(vouch_claim_issuer i) {
  switch (i) {
    case VOUCH_ISSUER_SERVICE: return "AttestationService";
    case VOUCH_ISSUER_POLICY: return "AttestationPolicy";
    case VOUCH_ISSUER_CUSTOM: return "CustomClaim";
  }
  return "?";
}

const char *vouch_policy_decision_name(vouch_policy_decision d) {
  return d == VOUCH_POLICY_PERMIT ? "permit" : "deny";
}

const char *pol_prop_name(pol_prop pr) {
  static const char *const n[] = {"type", "value", "issuer", "valueType"};
  return (unsigned)pr < 4 ? n[pr] : "?";
}
const char *pol_op_name(pol_op op) {
  static const char *const n[] = {"==", "!=", "<", "<=", ">", ">="};
  return (unsigned)op < 6 ? n[op] : "?";
}
const char *pol_pval_kind_name(vouch_pval_kind k) {
  switch (k) {
    case VOUCH_PVAL_BOOL: return "Boolean";
    case VOUCH_PVAL_INT: return "Integer";
    case VOUCH_PVAL_STRING: return "String";
    case VOUCH_PVAL_JSON: return "JSON";
    case VOUCH_PVAL_SET: return "Set";
    case VOUCH_PVAL_EMPTY: return "Empty";
  }
  return "?";
}

/* ---- dump ------------------------------------------------------------- */

static void dump_expr(const struct vouch_policy *p, uint32_t ei, vouch_buf *o) {
  const pol_expr *e = &p->exprs[ei];
  switch (e->kind) {
    case EX_LITERAL:
      switch (e->lit.kind) {
        case VOUCH_PVAL_STRING:
          vouch_buf_json_string(o, e->lit.s, e->lit.len);
          if (e->lit_type != VOUCH_POLICY_NO_TYPE) vouch_buf_printf(o, "#%u", e->lit_type);
          break;
        case VOUCH_PVAL_INT: vouch_buf_printf(o, "%lld", (long long)e->lit.i); break;
        case VOUCH_PVAL_BOOL: vouch_buf_puts(o, e->lit.b ? "true" : "false"); break;
        default: vouch_buf_puts(o, "?"); break;
      }
      break;
    case EX_REF:
      vouch_buf_printf(o, "$%u.%s", e->slot, pol_prop_name((pol_prop)e->prop));
      break;
    case EX_CALL:
      vouch_buf_printf(o, "%s(", pol_func_name((pol_func)e->func));
      for (unsigned i = 0; i < e->nargs; i++) {
        if (i) vouch_buf_puts(o, ", ");
        dump_expr(p, p->args[e->args + i], o);
      }
      vouch_buf_putc(o, ')');
      break;
  }
}

void vouch_policy_dump(const struct vouch_policy *p, vouch_buf *o) {
  static const char *const secs[SEC_COUNT] = {"configurationrules", "authorizationrules",
                                               "issuancerules"};
  static const char *const acts[] = {"permit", "deny", "add", "issue", "issueproperty"};
  vouch_buf_printf(o, "version %d.%d\npolicy hash %s\n", p->version / 10, p->version % 10,
                   p->hash);
  vouch_buf_printf(o, "%zu rules, %zu conditions, %zu tests, %zu expressions, %zu claim types\n",
                   p->num_rules, p->num_conds, p->num_tests, p->num_exprs, p->num_types);
  for (int s = 0; s < SEC_COUNT; s++) {
    const pol_sec *sec = &p->sections[s];
    if (!sec->present) continue;
    vouch_buf_printf(o, "\n%s (%u rules)\n", secs[s], sec->num_rules);
    for (uint32_t r = 0; r < sec->num_rules; r++) {
      const pol_rule *rule = &p->rules[sec->rules + r];
      vouch_buf_printf(o, "  rule %u (line %u)\n", r, rule->line);
      for (uint16_t c = 0; c < rule->num_conds; c++) {
        const pol_cond *cond = &p->conds[rule->conds + c];
        vouch_buf_printf(o, "    $%u %s[", c, cond->negated ? "none of " : "");
        for (uint16_t t = 0; t < cond->num_tests; t++) {
          const pol_test *test = &p->tests[cond->tests + t];
          if (t) vouch_buf_puts(o, ", ");
          vouch_buf_printf(o, "%s %s ", pol_prop_name((pol_prop)test->prop),
                           pol_op_name((pol_op)test->op));
          dump_expr(p, test->expr, o);
        }
        vouch_buf_putc(o, ']');
        if (cond->type_id != VOUCH_POLICY_NO_TYPE)
          vouch_buf_printf(o, "  (indexed by type #%u)", cond->type_id);
        vouch_buf_putc(o, '\n');
      }
      const pol_action *a = &rule->action;
      vouch_buf_printf(o, "    => %s", acts[a->kind]);
      if (a->kind == ACT_PERMIT || a->kind == ACT_DENY) {
        vouch_buf_puts(o, "()\n");
        continue;
      }
      if (a->copy_claim) {
        vouch_buf_printf(o, "(claim=$%u)\n", a->slot);
        continue;
      }
      vouch_buf_puts(o, "(type=");
      dump_expr(p, a->type_expr, o);
      vouch_buf_puts(o, ", value=");
      dump_expr(p, a->value_expr, o);
      if (a->value_type >= 0)
        vouch_buf_printf(o, ", valueType=%s", pol_pval_kind_name((vouch_pval_kind)a->value_type));
      vouch_buf_puts(o, ")\n");
    }
  }
  vouch_buf_puts(o, "\nclaim types\n");
  for (size_t i = 0; i < p->num_types; i++) {
    size_t n;
    const char *name = pol_type_name(p, (uint16_t)i, &n);
    vouch_buf_printf(o, "  #%zu %.*s\n", i, (int)n, name);
  }
}
