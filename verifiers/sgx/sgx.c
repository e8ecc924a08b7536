/* verifiers/sgx/sgx.c - SGX quotes: DCAP verification, then claims and the
 * verdict.  The verdict rules (DESIGN.md, issue 2):
 *   affirming        UpToDate
 *   warning          SWHardeningNeeded, ConfigurationNeeded,
 *                    ConfigurationAndSWHardeningNeeded; or a debug enclave
 *   contraindicated  OutOfDate(ConfigurationNeeded), Revoked,
 *                    TcbNotSupported, any failed signature/chain/binding
 *   error            could not be evaluated: bad input, missing or
 *                    out-of-window collateral, wrong collateral */
#include "verifiers/sgx/sgx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "verifiers/tdx/tdx.h"

vouch_verdict vouch_verdict_for_tcb_status(vouch_tcb_status s) {
  switch (s) {
    case VOUCH_TCB_UP_TO_DATE:
      return VOUCH_VERDICT_AFFIRMING;
    case VOUCH_TCB_SW_HARDENING_NEEDED:
    case VOUCH_TCB_CONFIGURATION_NEEDED:
    case VOUCH_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
    case VOUCH_TCB_TD_RELAUNCH_ADVISED:
    case VOUCH_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED:
      return VOUCH_VERDICT_WARNING;
    default:
      return VOUCH_VERDICT_CONTRAINDICATED;
  }
}

/* verdict_for_failure: checks that failed mean "contraindicated"; inputs
 * we could not evaluate mean "error". */
static vouch_verdict verdict_for_failure(vouch_status s) {
  switch (s) {
    case VOUCH_E_SIGNATURE:
    case VOUCH_E_CHAIN:
    case VOUCH_E_UNTRUSTED_ROOT:
    case VOUCH_E_REVOKED:
    case VOUCH_E_CRL:
    case VOUCH_E_BINDING:
    case VOUCH_E_IDENTITY_MISMATCH:
    case VOUCH_E_TCB_NOT_SUPPORTED:
    case VOUCH_E_POLICY_DENY:
      return VOUCH_VERDICT_CONTRAINDICATED;
    default:
      return VOUCH_VERDICT_ERROR;
  }
}

/* prefix_error puts the stage in front of the message ("sgx: ...",
 * "tdx: ...") unless it already names one. */
static void prefix_error(vouch_err *e, bool tdx) {
  if (strncmp(e->msg, "collateral:", 11) == 0 || strncmp(e->msg, "sgx:", 4) == 0 ||
      strncmp(e->msg, "tdx:", 4) == 0)
    return;
  vouch_err_prefix(e, tdx ? "tdx: " : "sgx: ");
}

static void add_quote_claims(vouch_result *r, const vouch_quote *q);

static void add_report_claims(vouch_result *r, const vouch_quote *q) {
  const vouch_sgx_report *b = &q->isv;
  vouch_result_claim_bool(r, "sgx_is_debuggable", vouch_sgx_report_is_debug(b));
  vouch_result_claim_hex(r, "sgx_mrenclave", b->mrenclave, 32);
  vouch_result_claim_hex(r, "sgx_mrsigner", b->mrsigner, 32);
  vouch_result_claim_int(r, "sgx_product_id", b->isv_prod_id);
  vouch_result_claim_int(r, "sgx_svn", b->isv_svn);
  vouch_result_claim_hex(r, "sgx_report_data", b->report_data, 64);
  vouch_result_claim_hex(r, "sgx_attributes", b->attributes, 16);
  vouch_result_claim_int(r, "sgx_miscselect", b->miscselect);
  vouch_result_claim_hex(r, "sgx_cpusvn", b->cpusvn, 16);
  vouch_result_claim_hex(r, "sgx_config_id", b->config_id, 64);
  vouch_result_claim_int(r, "sgx_config_svn", b->config_svn);
  vouch_result_claim_hex(r, "sgx_isv_extended_product_id", b->isv_ext_prod_id, 16);
  vouch_result_claim_hex(r, "sgx_isv_family_id", b->isv_family_id, 16);
  add_quote_claims(r, q);
}

/* The quote's own fields, for either TEE. */
static void add_quote_claims(vouch_result *r, const vouch_quote *q) {
  vouch_result_claim_int(r, "quote_version", q->version);
  vouch_result_claim_int(r, "quote_qe_svn", q->qe_report.isv_svn);
  vouch_result_claim_int(r, "quote_pce_svn", q->pce_svn);
  vouch_result_claim_int(r, "quote_certification_data_type", q->cert_type);
  vouch_result_claim_int(r, "quote_trailing_bytes", (int64_t)q->trailing_len);
}

static void advisories_json(vouch_result *r, const char *name, const vouch_advisory_id *ids,
                            size_t n) {
  vouch_buf b;
  vouch_buf_init(&b, 4096);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_array(&j);
  for (size_t i = 0; i < n; i++) vouch_json_string(&j, ids[i]);
  vouch_json_end_array(&j);
  if (vouch_buf_status(&b) == VOUCH_OK) vouch_result_claim_json(r, name, b.data, b.len);
  vouch_buf_free(&b);
}

static void add_dcap_claims(vouch_result *r, const vouch_dcap_report *d) {
  if (d->has_pck) {
    vouch_result_claim_hex(r, "dcap_fmspc", d->pck.fmspc, 6);
    vouch_result_claim_hex(r, "dcap_pceid", d->pck.pceid, 2);
    vouch_result_claim_int(r, "dcap_pcesvn", d->pck.pcesvn);
    vouch_result_claim_hex(r, "dcap_pck_cpusvn", d->pck.cpusvn, 16);
    vouch_result_claim_string(r, "dcap_pck_ca", d->pck_from_platform_ca ? "platform" : "processor");
  }
  vouch_result_claim_bool(r, "dcap_signatures_valid", d->signatures_valid);
  if (!d->signatures_valid) return;
  vouch_result_claim_string(r, "dcap_platform_tcb_status",
                            vouch_tcb_status_name(d->platform_status));
  vouch_result_claim_string(r, "dcap_qe_tcb_status", vouch_tcb_status_name(d->qe_status));
  if (d->platform_status != VOUCH_TCB_NOT_SUPPORTED) {
    vouch_result_claim_time(r, "dcap_tcb_date", d->tcb_date);
  }
  vouch_result_claim_int(r, "dcap_tcb_evaluation_data_number", d->tcb_evaluation_data_number);
  vouch_result_claim_int(r, "dcap_qe_tcb_evaluation_data_number", d->qe_tcb_evaluation_data_number);
  advisories_json(r, "dcap_platform_advisory_ids", d->platform_advisories,
                  d->num_platform_advisories);
  advisories_json(r, "dcap_qe_advisory_ids", d->qe_advisories, d->num_qe_advisories);
  if (d->is_tdx) {
    vouch_result_claim_string(r, "dcap_tdx_module_id", d->tdx_module_id);
    if (d->has_module_status) {
      vouch_result_claim_string(r, "dcap_tdx_module_tcb_status",
                                vouch_tcb_status_name(d->module_status));
      advisories_json(r, "dcap_tdx_module_advisory_ids", d->module_advisories,
                      d->num_module_advisories);
    }
  }
  if (d->collateral_expiry != INT64_MAX) {
    vouch_result_claim_time(r, "dcap_collateral_expiry", d->collateral_expiry);
  }
  vouch_result_claim_bool(r, "dcap_collateral_expired", d->collateral_expired);
}

static void add_audit(vouch_result *r, const vouch_dcap_report *d) {
  if (d->has_anchor) {
    r->has_anchor = true;
    memcpy(r->anchor_sha256, d->anchor_sha256, 32);
  }
  for (int i = 0; i < VOUCH_DCAP_ITEM_COUNT; i++) {
    if (d->item_used[i]) {
      vouch_result_add_item(r, vouch_dcap_item_name((vouch_dcap_item)i), d->item_sha256[i]);
    }
  }
}

void vouch_sgx_begin(vouch_sgx_item *it, const uint8_t *quote, size_t quote_len,
                     const vouch_dcap_collateral *coll, const vouch_dcap_source *source,
                     const vouch_sgx_opts *opts, const vouch_dcap_memo *memo, vouch_result *out) {
  vouch_result_init(out, opts->dcap.at);
  it->stage = VOUCH_SGX_DONE;
  it->num_sigs = 0;
  it->has_inputs = false;
  it->opts = *opts;
  vouch_err err = {0};
  vouch_dcap_collateral resolved = {0};

  if (vouch_quote_parse(quote, quote_len, &it->q, &err) != VOUCH_OK) {
    prefix_error(&err, opts->tdx);
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  const vouch_quote *q = &it->q;
  if (!opts->tdx && q->body_type != VOUCH_BODY_SGX) {
    vouch_fail(&err, VOUCH_E_UNSUPPORTED, "sgx: the quote carries a TD report (use type tdx)");
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  if (opts->tdx && (q->body_type == VOUCH_BODY_SGX || q->tee_type != VOUCH_TEE_TDX)) {
    vouch_fail(&err, VOUCH_E_UNSUPPORTED,
               "tdx: the quote carries an SGX enclave report (use type sgx)");
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  out->attestation_type = opts->tdx ? "tdxvm" : "sgx";
  if (opts->tdx) {
    vouch_tdx_add_claims(out, &q->td);
    add_quote_claims(out, q);
  } else {
    add_report_claims(out, q);
  }
  uint8_t qhash[32];
  vouch_sha256(quote, q->total_len, qhash);
  vouch_result_add_item(out, "quote", qhash);

  vouch_dcap_inputs_init(&it->in, memo);
  it->has_inputs = true;
  if (coll == NULL) {
    vouch_dcap_lookup key;
    if (source == NULL || source->resolve == NULL) {
      vouch_fail(&err, VOUCH_E_COLLATERAL_MISSING,
                 "collateral: none given (inline \"collateral\", or --collateral FILE|DIR)");
    } else if (vouch_dcap_pck_lookup(q, NULL, &it->in, opts->dcap.at, &key, &err) == VOUCH_OK) {
      source->resolve(source->ctx, &key, &resolved, &err);
    }
    if (err.code != VOUCH_OK) {
      prefix_error(&err, opts->tdx);
      vouch_result_fail(out, verdict_for_failure(err.code), &err);
      vouch_dcap_collateral_cleanup(&resolved);
      vouch_sgx_abandon(it);
      return;
    }
    coll = &resolved;
  }
  /* Stage 1 through the memo, then stage 2 up to the signatures.  The
   * collateral bytes are needed only until vouch_dcap_begin returns. */
  vouch_dcap_inputs_resolve(q, coll, opts->dcap.anchors, &it->in);
  vouch_dcap_begin(q, &it->in, &opts->dcap, &it->rep, &it->job);
  it->in.coll = NULL;
  vouch_dcap_collateral_cleanup(&resolved);
  it->num_sigs = it->job.num_sigs;
  for (size_t i = 0; i < it->num_sigs; i++) it->sigs[i] = &it->job.sigs[i];
  it->stage = VOUCH_SGX_SIGNATURES;
}

void vouch_sgx_end(vouch_sgx_item *it, vouch_result *out) {
  if (it->stage != VOUCH_SGX_SIGNATURES) return; /* already final */
  it->stage = VOUCH_SGX_DONE;
  const vouch_quote *q = &it->q;
  const vouch_sgx_opts *opts = &it->opts;
  const vouch_dcap_report *rep = &it->rep;
  vouch_err err = {0};
  vouch_status s = vouch_dcap_end(&it->job);
  vouch_dcap_inputs_release(&it->in);
  it->has_inputs = false;
  add_dcap_claims(out, rep);
  add_audit(out, rep);
  if (rep->has_tcb_status) {
    snprintf(out->tcb_status, sizeof(out->tcb_status), "%s",
             vouch_tcb_status_name(rep->tcb_status));
  }
  if (s != VOUCH_OK) {
    err = rep->err;
    prefix_error(&err, opts->tdx);
    vouch_result_fail(out, verdict_for_failure(s), &err);
    return;
  }
  for (size_t i = 0; i < rep->num_platform_advisories; i++) {
    vouch_result_add_advisory(out, rep->platform_advisories[i]);
  }
  /* One flat list (DESIGN.md): the platform (TDX) level's, the module
   * level's, then the QE level's, each once. */
  for (size_t i = 0; i < rep->num_module_advisories; i++) {
    vouch_result_add_advisory(out, rep->module_advisories[i]);
  }
  for (size_t i = 0; i < rep->num_qe_advisories; i++) {
    vouch_result_add_advisory(out, rep->qe_advisories[i]);
  }

  /* Runtime data binding (Azure Attestation semantics: SHA-256 of the data
   * is the first half of the report data, for SGX and TDX alike). */
  if (opts->has_runtime_data) {
    uint8_t h[32];
    vouch_sha256(opts->runtime_data, opts->runtime_data_len, h);
    vouch_result_claim_hex(out, opts->tdx ? "tdx_ehd" : "sgx_ehd", opts->runtime_data,
                           opts->runtime_data_len);
    const uint8_t *rd = opts->tdx ? q->td.report_data : q->isv.report_data;
    if (memcmp(h, rd, 32) != 0) {
      vouch_fail(&err, VOUCH_E_BINDING,
                 "%s: runtime data does not match REPORTDATA[0:32] "
                 "(SHA-256 of the data)",
                 opts->tdx ? "tdx" : "sgx");
      vouch_result_fail(out, VOUCH_VERDICT_CONTRAINDICATED, &err);
      return;
    }
  }

  /* Init-time data binding (Azure Attestation: SHA-256 of it is the low
   * half of CONFIGID, which the enclave's creator set). */
  if (opts->has_init_data) {
    if (opts->tdx) {
      vouch_fail(&err, VOUCH_E_UNSUPPORTED,
                 "tdx: init-time data has no binding in a TDX quote (Azure defines none)");
      vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
      return;
    }
    uint8_t h[32];
    vouch_sha256(opts->init_data, opts->init_data_len, h);
    if (memcmp(h, q->isv.config_id, 32) != 0) {
      vouch_fail(&err, VOUCH_E_BINDING,
                 "sgx: init-time data does not match CONFIGID[0:32] (SHA-256 of the data)");
      vouch_result_fail(out, VOUCH_VERDICT_CONTRAINDICATED, &err);
      return;
    }
  }

  /* Only now, with every check passed, does the verdict leave "error". */
  vouch_verdict v = vouch_verdict_for_tcb_status(rep->tcb_status);
  bool debug = opts->tdx ? vouch_td_attribute(&q->td, VOUCH_TD_ATTR_DEBUG)
                         : vouch_sgx_report_is_debug(&q->isv);
  if (debug && v == VOUCH_VERDICT_AFFIRMING) {
    v = VOUCH_VERDICT_WARNING; /* a debug enclave or TD is at best a warning */
  }
  out->verdict = v;
}

void vouch_sgx_abandon(vouch_sgx_item *it) {
  if (it->has_inputs) vouch_dcap_inputs_release(&it->in);
  it->has_inputs = false;
  it->stage = VOUCH_SGX_DONE;
}

void vouch_sgx_verify(const uint8_t *quote, size_t quote_len, const vouch_dcap_collateral *coll,
                      const vouch_dcap_source *source, const vouch_sgx_opts *opts,
                      vouch_result *out) {
  vouch_sgx_item *it = malloc(sizeof(*it));
  if (it == NULL) {
    vouch_err err = {0};
    vouch_result_init(out, opts->dcap.at);
    vouch_fail(&err, VOUCH_E_NOMEM, "sgx: out of memory");
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  vouch_sgx_begin(it, quote, quote_len, coll, source, opts, NULL, out);
  for (size_t i = 0; i < it->num_sigs; i++) vouch_dcap_check_sig(it->sigs[i]);
  vouch_sgx_end(it, out);
  free(it);
}
