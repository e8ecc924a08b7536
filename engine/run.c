/* engine/run.c - verifying one decoded envelope on the calling thread, the
 * reference path the batched engine must agree with, and the envelope
 * checks both share. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "verifiers/snp/snp.h"
#include "verifiers/tpm/tpm.h"

/* snp_inline_collateral adds the certificates and CRLs of an envelope's
 * "collateral" object: every member a string (PEM text, or base64 of DER
 * or of an extended report's certificate table) or an array of them. */
static vouch_status snp_inline_collateral(const char *json, size_t len, vouch_snp_collateral *c,
                                          vouch_err *err) {
  vouch_json_members it;
  vouch_json_members_init(&it, json, len);
  for (;;) {
    vouch_json_member m;
    bool has = false;
    VOUCH_GUARD(vouch_json_members_next(&it, &m, &has, err));
    if (!has) return VOUCH_OK;
    if (m.type != VOUCH_JSON_T_STRING)
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "collateral: SNP collateral members are strings (PEM, or base64 DER)");
    size_t cap = m.value_len + 1;
    char *text = malloc(cap);
    uint8_t *bin = malloc(cap);
    size_t n = 0, bn = 0;
    vouch_status s = (text && bin) ? VOUCH_OK : VOUCH_E_NOMEM;
    if (s == VOUCH_OK) s = vouch_json_unescape(m.value, m.value_len, text, cap, &n);
    if (s == VOUCH_OK) {
      if (n >= 10 && memcmp(text, "-----BEGIN", 10) == 0) {
        s = vouch_snp_collateral_add(c, (const uint8_t *)text, n, err);
      } else if (vouch_base64_decode(text, n, bin, cap, &bn) == VOUCH_OK) {
        s = vouch_snp_collateral_add(c, bin, bn, err);
      } else {
        s = vouch_fail(err, VOUCH_E_BASE64, "collateral: \"%.*s\" is neither PEM nor base64",
                       (int)(m.key_len > 32 ? 32 : m.key_len), m.key);
      }
    }
    free(text);
    free(bin);
    VOUCH_GUARD(s);
  }
}

static void verify_snp(const vouch_envelope *env, int64_t at, bool allow_expired,
                       const struct vouch_anchors *anchors, const void *snp_collateral,
                       const vouch_snp_source *snp_source, const vouch_snp_memo *snp_memo,
                       vouch_result *out) {
  vouch_snp_collateral inline_coll = {0};
  const vouch_snp_collateral *coll = snp_collateral;
  if (env->collateral) {
    vouch_err err = {0};
    if (snp_inline_collateral(env->collateral, env->collateral_len, &inline_coll, &err) !=
        VOUCH_OK) {
      vouch_snp_collateral_cleanup(&inline_coll);
      vouch_result_init(out, at);
      vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
      return;
    }
    coll = &inline_coll;
  }
  vouch_snp_opts o = {.at = at,
                      .allow_expired = allow_expired,
                      .extra_anchors = anchors,
                      .source = snp_source,
                      .memo = snp_memo};
  if (env->has_runtime_data) {
    o.runtime_data = env->runtime_data;
    o.runtime_data_len = env->runtime_data_len;
    o.has_runtime_data = true;
  }
  if (env->has_init_data) { /* SHA-256 of it must be HOST_DATA */
    o.init_data = env->init_data;
    o.init_data_len = env->init_data_len;
    o.has_init_data = true;
  }
  if (env->type == VOUCH_EV_SNP_AZURE && env->evidence_is_json) {
    vouch_snp_azure_envelope ae;
    vouch_err err = {0};
    if (vouch_snp_azure_envelope_parse((const char *)env->evidence, env->evidence_len, &ae, &err) !=
        VOUCH_OK) {
      vouch_result_init(out, at);
      vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    } else {
      vouch_snp_azure_verify_vtpm(ae.hcl, ae.hcl_len, coll, &o, ae.has_vtpm ? &ae.vtpm : NULL, out);
      vouch_snp_azure_envelope_free(&ae);
    }
  } else if (env->type == VOUCH_EV_SNP_AZURE)
    vouch_snp_azure_verify(env->evidence, env->evidence_len, coll, &o, out);
  else
    vouch_snp_verify(env->evidence, env->evidence_len, coll, &o, out);
  vouch_snp_collateral_cleanup(&inline_coll);
}

bool vouch_verify_direct(const vouch_envelope *env, int64_t default_at, bool allow_expired,
                         const struct vouch_anchors *anchors, const void *snp_collateral,
                         const vouch_snp_source *snp_source, const vouch_snp_memo *snp_memo,
                         vouch_result *out) {
  int64_t at = env->has_at ? env->at : default_at;
  if (env->type == VOUCH_EV_SNP || env->type == VOUCH_EV_SNP_AZURE) {
    verify_snp(env, at, allow_expired, anchors, snp_collateral, snp_source, snp_memo, out);
    return true;
  }
  if (env->type != VOUCH_EV_TPM) return false;
  vouch_tpm_envelope te;
  vouch_err err = {0};
  if (vouch_tpm_envelope_parse((const char *)env->evidence, env->evidence_len, &te, &err) !=
      VOUCH_OK) {
    vouch_result_init(out, at);
    vouch_err_prefix(&err, "tpm: ");
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return true;
  }
  /* The expected nonce and PCR selection travel in the evidence object
   * (they are the relying party's, not the attester's, in a real flow:
   * whoever builds the envelope sets them). */
  vouch_tpm_opts o = {.at = at, .ak_anchors = anchors};
  if (te.has_nonce) {
    o.nonce = te.nonce;
    o.nonce_len = te.nonce_len;
    o.has_nonce = true;
  }
  if (te.has_selection) o.selection = &te.selection;
  vouch_tpm_verify(&te.ev, &o, out, NULL);
  vouch_tpm_envelope_free(&te);
  return true;
}

bool vouch_envelope_sgx_opts(const vouch_envelope *env, int64_t default_at, bool allow_expired,
                             const struct vouch_anchors *anchors, vouch_sgx_opts *opts,
                             vouch_result *out) {
  int64_t at = env->has_at ? env->at : default_at;
  if (env->type != VOUCH_EV_SGX && env->type != VOUCH_EV_TDX) {
    vouch_err err = {0};
    vouch_result_init(out, at);
    vouch_fail(&err, VOUCH_E_UNSUPPORTED, "%s: evidence type not supported yet",
               vouch_evidence_type_name(env->type));
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return false;
  }
  *opts = (vouch_sgx_opts){.dcap = {.at = at, .allow_expired = allow_expired, .anchors = anchors},
                           .tdx = env->type == VOUCH_EV_TDX};
  if (env->has_runtime_data) {
    opts->has_runtime_data = true;
    opts->runtime_data = env->runtime_data;
    opts->runtime_data_len = env->runtime_data_len;
  }
  if (env->has_init_data) {
    opts->has_init_data = true;
    opts->init_data = env->init_data;
    opts->init_data_len = env->init_data_len;
  }
  return true;
}

void vouch_check_event_log(const vouch_envelope *env, vouch_result *r) {
  if (env->type != VOUCH_EV_TDX || env->event_log == NULL || r->error.code != VOUCH_OK) return;
  uint8_t rtmr[4][48];
  static const char *const kNames[4] = {"tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr2", "tdx_rtmr3"};
  for (int i = 0; i < 4; i++) {
    const vouch_claim *c = vouch_result_find_claim(r, kNames[i]);
    if (!c || c->kind != VOUCH_CLAIM_HEX || c->len != 48) return; /* not a TD result */
    memcpy(rtmr[i], vouch_result_claim_bytes(r, c), 48);
  }
  vouch_err err = {0};
  if (vouch_eventlog_check_rtmrs(env->event_log, env->event_log_len, rtmr, &err) != VOUCH_OK) {
    vouch_result_fail(
        r, err.code == VOUCH_E_BINDING ? VOUCH_VERDICT_CONTRAINDICATED : VOUCH_VERDICT_ERROR, &err);
    return;
  }
  vouch_result_claim_bool(r, "tdx_event_log_replayed", true);
}

void vouch_verify_one(const vouch_run_config *cfg, const vouch_envelope *env, vouch_result *out) {
  if (vouch_verify_direct(env, cfg->at, cfg->allow_expired, cfg->anchors, cfg->snp_collateral,
                          cfg->snp_source, NULL, out))
    return;
  vouch_sgx_opts opts;
  if (!vouch_envelope_sgx_opts(env, cfg->at, cfg->allow_expired, cfg->anchors, &opts, out)) {
    return;
  }
  /* Inline collateral is parsed for this item alone: caching is the
   * engine's business, and this path is its reference. */
  vouch_dcap_collateral inline_coll;
  const vouch_dcap_collateral *coll = cfg->collateral;
  if (env->collateral != NULL) {
    vouch_err err = {0};
    if (vouch_dcap_collateral_from_json(env->collateral, env->collateral_len, &inline_coll, &err) !=
        VOUCH_OK) {
      vouch_result_init(out, opts.dcap.at);
      vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
      return;
    }
    coll = &inline_coll;
  }
  vouch_sgx_verify(env->evidence, env->evidence_len, coll, cfg->source, &opts, out);
  vouch_check_event_log(env, out);
  if (coll == &inline_coll) vouch_dcap_collateral_cleanup(&inline_coll);
}
