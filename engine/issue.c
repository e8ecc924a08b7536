/* engine/issue.c - the token of an appraised item: an Azure Attestation
 * compatible JWT (spec/maa-api.md §3) or an IETF EAR (spec/ear.md), built
 * from the result's claims under Azure's names, the claims the policy
 * issued, and the service claims, then signed with the key store's key.
 *
 * Who gets a token: evidence that verified with status affirming or
 * warning, under a policy that permitted it.  Contraindicated evidence gets
 * none, whatever the policy says (a relying party reading an Azure-style
 * token takes its existence as the good news).  EAR is different by design:
 * it states the appraisal, so every evaluated item gets one, its ear.status
 * saying how it went; only items that could not be evaluated get none. */
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "policy/policy.h"
#include "token/token.h"

/* ---- the claims set ----------------------------------------------------- */

/* The names written so far, so that a policy-issued claim never repeats a
 * service claim (the service's claims are always there, spec §5). */
#define MAX_NAMES 96
typedef struct {
  vouch_json *j;
  const char *names[MAX_NAMES];
  size_t lens[MAX_NAMES];
  size_t num;
} claim_writer;

static void note(claim_writer *w, const char *name, size_t len) {
  if (w->num < MAX_NAMES) {
    w->names[w->num] = name;
    w->lens[w->num++] = len;
  }
}
static bool written(const claim_writer *w, const char *name, size_t len) {
  for (size_t i = 0; i < w->num; i++)
    if (w->lens[i] == len && memcmp(w->names[i], name, len) == 0) return true;
  return false;
}

static void w_string(void *ctx, const char *name, const char *s, size_t len) {
  claim_writer *w = ctx;
  vouch_json_key(w->j, name);
  vouch_json_string_len(w->j, s, len);
  note(w, name, strlen(name));
}
static void w_integer(void *ctx, const char *name, int64_t v) {
  claim_writer *w = ctx;
  vouch_json_key(w->j, name);
  vouch_json_int(w->j, v);
  note(w, name, strlen(name));
}
static void w_boolean(void *ctx, const char *name, bool v) {
  claim_writer *w = ctx;
  vouch_json_key(w->j, name);
  vouch_json_bool(w->j, v);
  note(w, name, strlen(name));
}
static void w_json(void *ctx, const char *name, const char *text, size_t len, bool is_set) {
  (void)is_set;
  claim_writer *w = ctx;
  vouch_json_key(w->j, name);
  vouch_json_raw(w->j, text, len);
  note(w, name, strlen(name));
}

/* valid_json_object: the runtime data of data_type JSON becomes the
 * x-ms-runtime object claim verbatim, so it must be one JSON object. */
static bool valid_json_object(const uint8_t *data, size_t len) {
  vouch_json_members m;
  vouch_json_member mem;
  vouch_json_members_init(&m, (const char *)data, len);
  for (;;) {
    bool has = false;
    if (vouch_json_members_next(&m, &mem, &has, NULL) != VOUCH_OK) return false;
    if (!has) return true;
  }
}

static void write_outgoing_unique(claim_writer *w, const struct vouch_policy_eval *ev) {
  /* Policy claims in issue order; a type issued several times becomes an
   * array (as vouch_policy_write_outgoing does), minus service names. */
  size_t n = vouch_policy_eval_num_outgoing(ev);
  for (size_t i = 0; i < n; i++) {
    const vouch_pclaim *c = vouch_policy_eval_outgoing(ev, i);
    if (c->value.kind == VOUCH_PVAL_EMPTY || written(w, c->type, c->type_len)) continue;
    size_t count = 0;
    for (size_t k = i; k < n; k++) {
      const vouch_pclaim *d = vouch_policy_eval_outgoing(ev, k);
      if (d->type_len == c->type_len && memcmp(d->type, c->type, c->type_len) == 0) count++;
    }
    vouch_json_key_len(w->j, c->type, c->type_len);
    if (count == 1) {
      vouch_policy_write_value(w->j, &c->value);
    } else {
      vouch_json_begin_array(w->j);
      for (size_t k = i; k < n; k++) {
        const vouch_pclaim *d = vouch_policy_eval_outgoing(ev, k);
        if (d->type_len == c->type_len && memcmp(d->type, c->type, c->type_len) == 0)
          vouch_policy_write_value(w->j, &d->value);
      }
      vouch_json_end_array(w->j);
    }
    note(w, c->type, c->type_len);
  }
}

static vouch_status jti(char out[65]) {
  uint8_t r[32];
  VOUCH_GUARD(vouch_random_bytes(r, sizeof r));
  vouch_hex_encode(r, sizeof r, out);
  return VOUCH_OK;
}

/* The JWT claims set of an SGX item (the real service's claims, then what
 * the policy issued). */
static vouch_status build_jwt(const vouch_token_config *tc, const struct vouch_policy *policy,
                              const vouch_appraisal *a, const vouch_envelope *env,
                              const vouch_result *r, int64_t now, vouch_buf *b, vouch_err *err) {
  char id[65];
  if (jti(id) != VOUCH_OK) return vouch_fail(err, VOUCH_E_CRYPTO, "token: no random bytes");
  vouch_json j;
  vouch_json_init(&j, b);
  claim_writer w = {.j = &j};
  vouch_json_begin_object(&j);
  int64_t life = vouch_keystore_lifetime(tc->keys);
  w_integer(&w, "exp", now + life);
  w_integer(&w, "iat", now);
  const char *iss = vouch_keystore_issuer(tc->keys);
  if (iss[0]) w_string(&w, "iss", iss, strlen(iss));
  w_string(&w, "jti", id, 64);
  w_integer(&w, "nbf", now);
  if (env && env->has_nonce) w_string(&w, "nonce", env->nonce, strlen(env->nonce));
  vouch_maa_sink sink = {
      .ctx = &w, .string = w_string, .integer = w_integer, .boolean = w_boolean, .json = w_json};
  vouch_result_maa_claims(r, vouch_result_attestation_type(r), VOUCH_MAA_TOKEN, &sink);
  w_string(&w, "x-ms-policy-hash", vouch_policy_hash(policy), VOUCH_POLICY_HASH_LEN);
  if (tc->policy_signer) {
    struct vouch_pubkey *k = NULL;
    if (vouch_cert_pubkey(tc->policy_signer, &k) == VOUCH_OK) {
      vouch_json_key(&j, "x-ms-policy-signer");
      vouch_json_begin_object(&j);
      if (vouch_pubkey_write_jwk(k, &j) == VOUCH_OK) {
        size_t dlen;
        const uint8_t *der = vouch_cert_der(tc->policy_signer, &dlen);
        vouch_buf c;
        vouch_buf_init(&c, 0);
        vouch_base64_encode(&c, der, dlen);
        vouch_json_key(&j, "x5c");
        vouch_json_begin_array(&j);
        vouch_json_string_len(&j, c.data ? c.data : "", c.len);
        vouch_json_end_array(&j);
        vouch_buf_free(&c);
      }
      vouch_json_end_object(&j);
      vouch_pubkey_free(k);
      note(&w, "x-ms-policy-signer", 18);
    }
  }
  if (env && env->has_runtime_data && env->runtime_data_is_json) {
    if (!valid_json_object(env->runtime_data, env->runtime_data_len))
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "token: runtime data of data_type JSON is not a JSON object");
    w_json(&w, "x-ms-runtime", (const char *)env->runtime_data, env->runtime_data_len, false);
  }
  if (env && env->has_init_data && env->init_data_is_json) {
    if (!valid_json_object(env->init_data, env->init_data_len))
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "token: init-time data of data_type JSON is not a JSON object");
    w_json(&w, "x-ms-inittime", (const char *)env->init_data, env->init_data_len, false);
  }
  w_string(&w, "x-ms-ver", "1.0", 3);
  if (a->ev) write_outgoing_unique(&w, a->ev);
  vouch_json_end_object(&j);
  return VOUCH_OK;
}

/* ---- EAR ---------------------------------------------------------------- */

/* The appraisal as an AR4SI trustworthiness vector (spec/ear.md §4 and the
 * mapping proposed in §4, written down in the README). */
typedef struct {
  int instance_identity, configuration, executables, hardware, runtime_opaque;
} trust_vector;

static int tier(int v) {
  if (v >= 96 || v <= -97) return 3; /* contraindicated */
  if (v >= 32 || v <= -33) return 2; /* warning */
  if (v >= 2 || v <= -2) return 1;   /* affirming */
  return 0;                          /* none */
}

static trust_vector vector_for(const vouch_result *r, const vouch_appraisal *a) {
  trust_vector t = {0};
  t.runtime_opaque = 2; /* an SGX enclave's or a TD's memory is encrypted */
  vouch_status e = r->error.code;
  if (e == VOUCH_E_SIGNATURE || e == VOUCH_E_CHAIN || e == VOUCH_E_BINDING || e == VOUCH_E_CRL)
    t.instance_identity = 99; /* cryptographic validation failed */
  else if (e == VOUCH_E_UNTRUSTED_ROOT)
    t.instance_identity = 97; /* not recognized */
  else if (e == VOUCH_E_REVOKED || e == VOUCH_E_IDENTITY_MISMATCH)
    t.instance_identity = 96; /* recognized but untrustworthy */
  else
    t.instance_identity = 2;
  const char *s = r->tcb_status;
  if (e == VOUCH_E_TCB_NOT_SUPPORTED)
    t.hardware = 97;
  else if (strcmp(s, "UpToDate") == 0)
    t.hardware = 2;
  else if (strcmp(s, "SWHardeningNeeded") == 0 || strcmp(s, "ConfigurationNeeded") == 0 ||
           strcmp(s, "ConfigurationAndSWHardeningNeeded") == 0)
    t.hardware = 32;
  else if (s[0])
    t.hardware = 96; /* OutOfDate*, Revoked */
  const vouch_claim *dbg = vouch_result_find_claim(r, "sgx_is_debuggable");
  if (!dbg) dbg = vouch_result_find_claim(r, "tdx_td_attributes_debug");
  t.configuration = (dbg && dbg->b) ? 32 : 2;
  if (a->outcome == VOUCH_APPRAISAL_PERMIT)
    t.executables = 2;
  else if (a->outcome == VOUCH_APPRAISAL_DENY || a->outcome == VOUCH_APPRAISAL_ERROR)
    t.executables = 96;
  return t;
}

static const char *const kTierNames[4] = {"none", "affirming", "warning", "contraindicated"};

static vouch_status build_ear(const vouch_token_config *tc, const struct vouch_policy *policy,
                              const vouch_appraisal *a, const vouch_envelope *env,
                              const vouch_result *r, int64_t now, vouch_buf *b, vouch_err *err) {
  (void)err;
  trust_vector t = vector_for(r, a);
  int worst = 0;
  const int vals[] = {t.instance_identity, t.configuration, t.executables, t.hardware,
                      t.runtime_opaque};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
    if (tier(vals[i]) > worst) worst = tier(vals[i]);
  /* The verifier's own verdict bounds the status too. */
  int verdict_tier = r->verdict == VOUCH_VERDICT_AFFIRMING ? 1
                     : r->verdict == VOUCH_VERDICT_WARNING ? 2
                                                           : 3;
  if (verdict_tier > worst) worst = verdict_tier;

  vouch_json j;
  vouch_json_init(&j, b);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "eat_profile");
  vouch_json_string(&j, "tag:github.com,2023:veraison/ear");
  vouch_json_key(&j, "iat");
  vouch_json_int(&j, now);
  vouch_json_key(&j, "exp");
  vouch_json_int(&j, now + vouch_keystore_lifetime(tc->keys));
  if (env && env->has_nonce) {
    /* eat_nonce is 8 to 88 characters; a nonce outside that is not one. */
    size_t n = strlen(env->nonce);
    if (n >= 8 && n <= 88) {
      vouch_json_key(&j, "eat_nonce");
      vouch_json_string(&j, env->nonce);
    }
  }
  vouch_json_key(&j, "ear.verifier-id");
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "build");
  vouch_json_string(&j, "vouch " VOUCH_VERSION);
  vouch_json_key(&j, "developer");
  const char *iss = vouch_keystore_issuer(tc->keys);
  vouch_json_string(&j, iss[0] ? iss : "vouch");
  vouch_json_end_object(&j);
  vouch_json_key(&j, "submods");
  vouch_json_begin_object(&j);
  /* The submodule is named after the TEE. */
  const char *type = vouch_result_attestation_type(r);
  const char *submod = strcmp(type, "tdxvm") == 0      ? "tdx"
                       : strcmp(type, "sevsnpvm") == 0 ? "snp"
                                                       : type;
  vouch_json_key(&j, submod);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "ear.status");
  vouch_json_string(&j, kTierNames[worst]);
  vouch_json_key(&j, "ear.trustworthiness-vector");
  vouch_json_begin_object(&j);
  static const char *const kNames[] = {"instance-identity", "configuration", "executables",
                                       "hardware", "runtime-opaque"};
  for (size_t i = 0; i < 5; i++) {
    if (vals[i] == 0) continue; /* no claim */
    vouch_json_key(&j, kNames[i]);
    vouch_json_int(&j, vals[i]);
  }
  vouch_json_end_object(&j);
  if (policy) {
    char pid[64 + VOUCH_POLICY_HASH_LEN];
    snprintf(pid, sizeof pid, "urn:maa-policy-hash:%s", vouch_policy_hash(policy));
    vouch_json_key(&j, "ear.appraisal-policy-id");
    vouch_json_string(&j, pid);
  }
  vouch_json_key(&j, "ear.veraison.annotated-evidence");
  vouch_json_begin_object(&j);
  claim_writer w = {.j = &j};
  vouch_maa_sink sink = {
      .ctx = &w, .string = w_string, .integer = w_integer, .boolean = w_boolean, .json = w_json};
  vouch_result_maa_claims(r, vouch_result_attestation_type(r), VOUCH_MAA_TOKEN, &sink);
  if (r->tcb_status[0]) {
    vouch_json_key(&j, "tcb-status");
    vouch_json_string(&j, r->tcb_status);
  }
  vouch_json_end_object(&j);
  if (a->ev && vouch_policy_eval_num_outgoing(a->ev) > 0) {
    vouch_json_key(&j, "ear.veraison.policy-claims");
    vouch_json_begin_object(&j);
    claim_writer pw = {.j = &j};
    write_outgoing_unique(&pw, a->ev);
    vouch_json_end_object(&j);
  }
  vouch_json_end_object(&j); /* the submod */
  vouch_json_end_object(&j); /* submods */
  vouch_json_end_object(&j);
  return VOUCH_OK;
}

/* ---- issuing -------------------------------------------------------------- */

vouch_status vouch_issue_token(const vouch_token_config *tc, const struct vouch_policy *policy,
                               const vouch_appraisal *a, const vouch_envelope *env,
                               const vouch_result *r, vouch_buf *scratch, vouch_buf *out,
                               vouch_err *err) {
  bool ear = tc->format == VOUCH_TOKEN_FORMAT_EAR;
  if (r->verdict == VOUCH_VERDICT_ERROR)
    return vouch_fail(err, VOUCH_E_POLICY_DENY, "no token: the evidence could not be evaluated");
  if (!ear) {
    if (r->verdict == VOUCH_VERDICT_CONTRAINDICATED)
      return vouch_fail(err, VOUCH_E_POLICY_DENY, "no token: the evidence is contraindicated");
    if (a->outcome != VOUCH_APPRAISAL_PERMIT)
      return vouch_fail(err, VOUCH_E_POLICY_DENY, "no token: the policy did not permit it");
  }
  int64_t now = tc->now ? tc->now : (int64_t)time(NULL);
  vouch_buf_reset(scratch);
  VOUCH_GUARD(ear ? build_ear(tc, policy, a, env, r, now, scratch, err)
                  : build_jwt(tc, policy, a, env, r, now, scratch, err));
  if (vouch_buf_status(scratch) != VOUCH_OK)
    return vouch_fail(err, VOUCH_E_LIMIT, "token: the claims do not fit");
  if (tc->unsigned_token) {
    static const char kNone[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
    vouch_status s = vouch_jws_unsigned_compact(kNone, sizeof kNone - 1,
                                                (const uint8_t *)scratch->data, scratch->len, out);
    return s == VOUCH_OK ? s : vouch_fail(err, s, "token: cannot serialize");
  }
  return vouch_token_sign(tc->keys, tc->alg, (const uint8_t *)scratch->data, scratch->len, out,
                          err);
}
