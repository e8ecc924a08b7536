/* verifiers/sgx/sgx.h - Intel SGX evidence: a DCAP quote (v3, or v4/v5 with
 * an SGX body) -> vouch_result with the enclave's claims.
 *
 * Claims are named so the token issuer can map them to Azure Attestation's:
 * sgx_X -> x-ms-sgx-X (sgx_mrenclave, sgx_mrsigner, sgx_product_id, sgx_svn,
 * sgx_is_debuggable, sgx_report_data, sgx_config_id, sgx_config_svn,
 * sgx_isv_extended_product_id, sgx_isv_family_id, sgx_ehd), plus the DCAP
 * appraisal (dcap_*) and quote facts (quote_*). */
#ifndef VOUCH_SGX_H
#define VOUCH_SGX_H

#include "verifiers/dcap/dcap.h"
#include "verifiers/result.h"

typedef struct {
  vouch_dcap_opts dcap; /* instant, expiry mode, trust anchors */
  /* Runtime data (MAA "runtimeData", binary): when present, SHA-256 of it
   * must equal REPORTDATA[0:32]. */
  const uint8_t *runtime_data;
  size_t runtime_data_len;
  bool has_runtime_data;
  /* Init-time data (MAA "initTimeData"): when present, SHA-256 of it must
   * equal the first 32 bytes of the report's CONFIGID (SGX with KSS).
   * Azure defines no such binding for TDX: there it is an error. */
  const uint8_t *init_data;
  size_t init_data_len;
  bool has_init_data;
  /* The evidence is a TDX quote (envelope type "tdx"): a TD report body is
   * expected, its claims are the tdx_* ones (verifiers/tdx/tdx.h), and the
   * runtime data binds its REPORTDATA.  Otherwise an SGX report is. */
  bool tdx;
} vouch_sgx_opts;

/* vouch_sgx_verify verifies one quote and always fills |out| (verdict error
 * with the reason when it cannot be evaluated).  Collateral comes from
 * |coll| when non-NULL, else from |source| (which may then be NULL only if
 * the caller accepts a "collateral missing" error). */
void vouch_sgx_verify(const uint8_t *quote, size_t quote_len, const vouch_dcap_collateral *coll,
                      const vouch_dcap_source *source, const vouch_sgx_opts *opts,
                      vouch_result *out);

/* The same in two steps, for engines that batch signature checks:
 * vouch_sgx_begin parses, resolves collateral (stage-1 objects through
 * |memo|, NULL for none) and runs every check before the signatures; it
 * lists the signature checks still needed in it->sigs.  The caller runs
 * them (vouch_dcap_check_sig, or its own batched checker setting each
 * ->result), then vouch_sgx_end finishes |out|.  |quote| must stay valid
 * until vouch_sgx_end; collateral only until vouch_sgx_begin returns.
 * Always call vouch_sgx_end after begin (with num_sigs 0 when an earlier
 * check already failed; it does nothing when begin finished the result
 * itself).  vouch_sgx_abandon releases an item that will not be ended. */
typedef enum { VOUCH_SGX_DONE, VOUCH_SGX_SIGNATURES } vouch_sgx_stage;

typedef struct {
  vouch_sgx_stage stage;
  vouch_sgx_opts opts;
  vouch_quote q;
  bool has_inputs;
  vouch_dcap_inputs in;
  vouch_dcap_report rep;
  vouch_dcap_job job;
  vouch_dcap_sig *sigs[2];
  size_t num_sigs;
} vouch_sgx_item;

void vouch_sgx_begin(vouch_sgx_item *it, const uint8_t *quote, size_t quote_len,
                     const vouch_dcap_collateral *coll, const vouch_dcap_source *source,
                     const vouch_sgx_opts *opts, const vouch_dcap_memo *memo, vouch_result *out);
void vouch_sgx_end(vouch_sgx_item *it, vouch_result *out);
void vouch_sgx_abandon(vouch_sgx_item *it);

/* vouch_verdict_for_tcb_status maps a DCAP TCB status to a verdict. */
vouch_verdict vouch_verdict_for_tcb_status(vouch_tcb_status s);

#endif /* VOUCH_SGX_H */
