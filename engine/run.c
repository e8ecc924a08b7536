/* engine/run.c - verifying one decoded envelope on the calling thread, the
 * reference path the batched engine must agree with. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "engine/engine.h"

/* Inline collateral repeats across items (one platform, many quotes): keep
 * the last parsed bundle and reuse it when the bytes are identical. */
typedef struct {
  char *text;
  size_t len;
  vouch_dcap_collateral coll;
  bool valid;
} inline_cache;

static void inline_cache_clear(inline_cache *c) {
  free(c->text);
  if (c->valid) vouch_dcap_collateral_cleanup(&c->coll);
  memset(c, 0, sizeof(*c));
}

static const vouch_dcap_collateral *inline_cache_get(inline_cache *c, const char *text,
                                                     size_t len, vouch_err *err) {
  if (c->valid && c->len == len && memcmp(c->text, text, len) == 0) return &c->coll;
  inline_cache_clear(c);
  if (vouch_dcap_collateral_from_json(text, len, &c->coll, err) != VOUCH_OK) return NULL;
  c->text = malloc(len);
  if (c->text == NULL) {
    vouch_dcap_collateral_cleanup(&c->coll);
    vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    return NULL;
  }
  memcpy(c->text, text, len);
  c->len = len;
  c->valid = true;
  return &c->coll;
}

static _Thread_local inline_cache g_inline;

void vouch_verify_one(const vouch_run_config *cfg, const vouch_envelope *env,
                      vouch_result *out) {
  int64_t at = env->has_at ? env->at : cfg->at;
  vouch_err err = {0};
  if (env->type != VOUCH_EV_SGX) {
    vouch_result_init(out, at);
    vouch_fail(&err, VOUCH_E_UNSUPPORTED, "%s: evidence type not supported yet",
               vouch_evidence_type_name(env->type));
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  const vouch_dcap_collateral *coll = cfg->collateral;
  if (env->collateral != NULL) {
    coll = inline_cache_get(&g_inline, env->collateral, env->collateral_len, &err);
    if (coll == NULL) {
      vouch_result_init(out, at);
      vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
      return;
    }
  }
  vouch_sgx_opts opts = {.dcap = {.at = at, .allow_expired = cfg->allow_expired,
                                  .anchors = cfg->anchors}};
  if (env->has_runtime_data) {
    opts.has_runtime_data = true;
    opts.runtime_data = env->runtime_data;
    opts.runtime_data_len = env->runtime_data_len;
  }
  vouch_sgx_verify(env->evidence, env->evidence_len, coll, cfg->source, &opts, out);
}

