/* engine/appraise.c - the policy step between verification and output: the
 * result's claims go into the policy under Azure Attestation's names, the
 * policy runs, and the result line gets its decision and the claims the
 * issuance rules produced.  Shared by the batched engine and the
 * single-item path, so both write the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "policy/policy.h"

typedef struct {
  struct vouch_policy_eval *ev;
  const struct vouch_policy *policy;
  bool all;            /* the policy may read claims of any type */
  vouch_status status; /* first failure while adding claims */
} feed_ctx;

static bool on_wants(void *ctx, const char *name) {
  feed_ctx *f = ctx;
  return f->all || vouch_policy_eval_names_static(f->ev, name);
}

static void feed(feed_ctx *f, const char *name, const vouch_pval *v) {
  if (f->status != VOUCH_OK) return;
  /* Names are static strings of the claim table: borrowed as they are. */
  f->status = vouch_policy_eval_add_static(f->ev, name, v, VOUCH_ISSUER_SERVICE, false);
}

static const char *copy_str(feed_ctx *f, const char *s, size_t len) {
  char *o = vouch_policy_eval_alloc(f->ev, len + 1);
  if (!o) {
    if (f->status == VOUCH_OK) f->status = VOUCH_E_LIMIT;
    return NULL;
  }
  memcpy(o, s, len);
  o[len] = '\0';
  return o;
}

static void on_string(void *ctx, const char *name, const char *s, size_t len) {
  feed_ctx *f = ctx;
  const char *o = copy_str(f, s, len);
  if (!o) return;
  vouch_pval v = {.kind = VOUCH_PVAL_STRING, .s = o, .len = (uint32_t)len};
  feed(f, name, &v);
}
static void on_integer(void *ctx, const char *name, int64_t i) {
  vouch_pval v = {.kind = VOUCH_PVAL_INT, .i = i};
  feed(ctx, name, &v);
}
static void on_boolean(void *ctx, const char *name, bool b) {
  vouch_pval v = {.kind = VOUCH_PVAL_BOOL, .b = b};
  feed(ctx, name, &v);
}
static void on_json(void *ctx, const char *name, const char *text, size_t len, bool is_set) {
  feed_ctx *f = ctx;
  const char *o = copy_str(f, text, len);
  if (!o || f->status != VOUCH_OK) return;
  vouch_pval v = {.kind = is_set ? VOUCH_PVAL_SET : VOUCH_PVAL_JSON, .s = o, .len = (uint32_t)len};
  /* The TPM's raw evidence (event log, PCRs) is read-only, as Azure marks
   * it: policies test it and derive from it, never issue it. */
  bool read_only = strcmp(name, "events") == 0 || strcmp(name, "pcrs") == 0;
  f->status = vouch_policy_eval_add_static(f->ev, name, &v, VOUCH_ISSUER_SERVICE, read_only);
}

/* check_baseline applies the x-ms-sgx-tcbidentifier property.  Azure maps
 * identifiers to TCB evaluation data numbers ("10".."13"); offline, the
 * collateral given is what the evidence was appraised against, so a
 * numeric identifier N requires that collateral's tcbEvaluationDataNumber
 * to be at least N, and "azuredefault" (Azure's own choice of collateral)
 * adds no requirement (inferred, spec/policy.md §6). */
static bool check_baseline(struct vouch_policy_eval *ev, const vouch_result *r, vouch_err *err) {
  const vouch_pclaim *p = vouch_policy_eval_find_property(ev, "x-ms-sgx-tcbidentifier");
  if (!p) return true;
  if (p->value.kind != VOUCH_PVAL_STRING) {
    vouch_fail(err, VOUCH_E_POLICY_EVAL, "x-ms-sgx-tcbidentifier must be a string");
    return false;
  }
  if (p->value.len == 12 && memcmp(p->value.s, "azuredefault", 12) == 0) return true;
  int64_t want = 0;
  if (p->value.len == 0 || p->value.len > 9) goto unknown;
  for (uint32_t i = 0; i < p->value.len; i++) {
    if (p->value.s[i] < '0' || p->value.s[i] > '9') goto unknown;
    want = want * 10 + (p->value.s[i] - '0');
  }
  const vouch_claim *have = vouch_result_find_claim(r, "dcap_tcb_evaluation_data_number");
  if (!have || have->i < want) {
    vouch_fail(err, VOUCH_E_POLICY_DENY,
               "the collateral's TCB evaluation data number %lld is below the baseline %lld "
               "that x-ms-sgx-tcbidentifier asks for",
               have ? (long long)have->i : -1LL, (long long)want);
    return false;
  }
  return true;
unknown:
  vouch_fail(err, VOUCH_E_POLICY_EVAL,
             "unknown x-ms-sgx-tcbidentifier \"%.*s\" (\"azuredefault\" or a TCB evaluation "
             "data number such as \"17\")",
             (int)(p->value.len > 32 ? 32 : p->value.len), p->value.s);
  return false;
}

void vouch_appraise(const struct vouch_policy *policy, struct vouch_policy_eval *ev,
                    const vouch_result *r, vouch_appraisal *out) {
  *out = (vouch_appraisal){.outcome = VOUCH_APPRAISAL_NOT_RUN};
  vouch_err_clear(&out->err);
  if (!policy || !ev) return;
  out->ev = ev;
  if (r->error.code != VOUCH_OK) {
    vouch_fail(&out->err, VOUCH_E_POLICY_EVAL, "not evaluated: the evidence did not verify");
    return;
  }
  vouch_policy_eval_begin(ev, policy);
  feed_ctx f = {.ev = ev, .policy = policy, .all = vouch_policy_reads_any_claim(policy),
               .status = VOUCH_OK};
  vouch_maa_sink sink = {.ctx = &f, .string = on_string, .integer = on_integer,
                         .boolean = on_boolean, .json = on_json, .wants = on_wants};
  vouch_result_maa_claims(r, vouch_result_attestation_type(r), VOUCH_MAA_POLICY, &sink);
  if (f.status != VOUCH_OK) {
    out->outcome = VOUCH_APPRAISAL_ERROR;
    vouch_fail(&out->err, f.status, "policy: the evidence's claims do not fit the policy's limits");
    return;
  }
  vouch_policy_decision d;
  if (vouch_policy_eval_run(ev, &d, &out->err) != VOUCH_OK) {
    out->outcome = VOUCH_APPRAISAL_ERROR;
    return;
  }
  switch (d) {
    case VOUCH_POLICY_PERMIT:
      if (!check_baseline(ev, r, &out->err)) {
        out->outcome = out->err.code == VOUCH_E_POLICY_DENY ? VOUCH_APPRAISAL_DENY
                                                            : VOUCH_APPRAISAL_ERROR;
        return;
      }
      out->outcome = VOUCH_APPRAISAL_PERMIT;
      return;
    case VOUCH_POLICY_DENY:
      out->outcome = VOUCH_APPRAISAL_DENY;
      vouch_fail(&out->err, VOUCH_E_POLICY_DENY, "A Deny claim was issued, authorization failed.");
      return;
    case VOUCH_POLICY_NO_PERMIT:
      out->outcome = VOUCH_APPRAISAL_DENY;
      vouch_fail(&out->err, VOUCH_E_POLICY_DENY, "no permit() rule applied to this evidence");
      return;
  }
}

const char *vouch_appraisal_name(vouch_appraisal_outcome o) {
  switch (o) {
    case VOUCH_APPRAISAL_PERMIT: return "permit";
    case VOUCH_APPRAISAL_DENY: return "deny";
    case VOUCH_APPRAISAL_ERROR: return "error";
    case VOUCH_APPRAISAL_NOT_RUN: break;
  }
  return "not evaluated";
}

/* ---- the result line -------------------------------------------------- */

typedef struct {
  const vouch_appraisal *a;
} write_ctx;

static bool issued_type(const struct vouch_policy_eval *ev, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < vouch_policy_eval_num_outgoing(ev); i++) {
    const vouch_pclaim *c = vouch_policy_eval_outgoing(ev, i);
    if (c->type_len == n && memcmp(c->type, name, n) == 0) return true;
  }
  return false;
}

static bool ext_shadows(void *ctx, const char *name) {
  write_ctx *w = ctx;
  if (!w->a->ev) return false;
  /* A claim the policy issued under the same name as one of vouch's own
   * replaces it: the policy is the user's word on what the output says. */
  return (w->a->outcome == VOUCH_APPRAISAL_PERMIT || w->a->outcome == VOUCH_APPRAISAL_DENY) &&
         issued_type(w->a->ev, name);
}

static void ext_claims(void *ctx, vouch_json *j) {
  write_ctx *w = ctx;
  if (!w->a->ev) return;
  if (w->a->outcome == VOUCH_APPRAISAL_PERMIT || w->a->outcome == VOUCH_APPRAISAL_DENY)
    vouch_policy_write_outgoing(w->a->ev, j);
}

static void ext_members(void *ctx, vouch_json *j) {
  write_ctx *w = ctx;
  if (w->a->ev) {
    vouch_json_key(j, "policy");
    if (w->a->outcome == VOUCH_APPRAISAL_NOT_RUN) vouch_json_null(j);
    else vouch_json_string(j, vouch_appraisal_name(w->a->outcome));
    vouch_json_key(j, "policy_detail");
    if (w->a->err.code != VOUCH_OK) vouch_json_string(j, w->a->err.msg);
    else vouch_json_null(j);
  }
  if (w->a->token_wanted) {
    vouch_json_key(j, "token");
    if (w->a->token) vouch_json_string_len(j, w->a->token, w->a->token_len);
    else vouch_json_null(j);
  }
}

void vouch_write_result(const vouch_appraisal *a, const vouch_envelope *env,
                        const vouch_result *r, vouch_json *j) {
  const char *id = env && env->has_id ? env->id : NULL;
  size_t id_len = env && env->has_id ? env->id_len : 0;
  if (!a || (!a->ev && !a->token_wanted && !a->brief)) {
    vouch_result_write_json(r, id, id_len, j);
    return;
  }
  write_ctx w = {.a = a};
  vouch_result_ext ext = {.ctx = &w, .claims = ext_claims, .members = ext_members,
                          .shadows = ext_shadows, .brief = a->brief};
  vouch_result_write_json_ext(r, id, id_len, &ext, j);
}
