/* engine/run.c - verifying one decoded envelope on the calling thread, the
 * reference path the batched engine must agree with, and the envelope
 * checks both share. */
#include "engine/engine.h"

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
  return true;
}

void vouch_verify_one(const vouch_run_config *cfg, const vouch_envelope *env,
                      vouch_result *out) {
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
    if (vouch_dcap_collateral_from_json(env->collateral, env->collateral_len, &inline_coll,
                                        &err) != VOUCH_OK) {
      vouch_result_init(out, opts.dcap.at);
      vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
      return;
    }
    coll = &inline_coll;
  }
  vouch_sgx_verify(env->evidence, env->evidence_len, coll, cfg->source, &opts, out);
  if (coll == &inline_coll) vouch_dcap_collateral_cleanup(&inline_coll);
}
