/* verifiers/tdx/tdx.c - the claims of a TD report. */
#include "verifiers/tdx/tdx.h"

bool vouch_td_attribute(const vouch_td_report *td, int bit) {
  return (td->td_attributes[bit / 8] >> (bit % 8)) & 1;
}

void vouch_tdx_add_claims(vouch_result *r, const vouch_td_report *td) {
  vouch_result_claim_hex(r, "tdx_tee_tcb_svn", td->tee_tcb_svn, 16);
  /* byte 0 of TEE_TCB_SVN is the TDX module's SVN (what Azure calls
   * tdx_seamsvn), byte 1 its major version. */
  vouch_result_claim_int(r, "tdx_seamsvn", td->tee_tcb_svn[0]);
  vouch_result_claim_hex(r, "tdx_mrseam", td->mrseam, 48);
  vouch_result_claim_hex(r, "tdx_mrsignerseam", td->mrsignerseam, 48);
  vouch_result_claim_hex(r, "tdx_seam_attributes", td->seam_attributes, 8);
  vouch_result_claim_hex(r, "tdx_td_attributes", td->td_attributes, 8);
  vouch_result_claim_bool(r, "tdx_td_attributes_debug", vouch_td_attribute(td, VOUCH_TD_ATTR_DEBUG));
  vouch_result_claim_bool(r, "tdx_td_attributes_septve_disable",
                          vouch_td_attribute(td, VOUCH_TD_ATTR_SEPT_VE_DISABLE));
  vouch_result_claim_bool(r, "tdx_td_attributes_protection_keys",
                          vouch_td_attribute(td, VOUCH_TD_ATTR_PKS));
  vouch_result_claim_bool(r, "tdx_td_attributes_key_locker",
                          vouch_td_attribute(td, VOUCH_TD_ATTR_KEY_LOCKER));
  vouch_result_claim_bool(r, "tdx_td_attributes_perfmon",
                          vouch_td_attribute(td, VOUCH_TD_ATTR_PERFMON));
  vouch_result_claim_hex(r, "tdx_xfam", td->xfam, 8);
  vouch_result_claim_hex(r, "tdx_mrtd", td->mrtd, 48);
  vouch_result_claim_hex(r, "tdx_mrconfigid", td->mrconfigid, 48);
  vouch_result_claim_hex(r, "tdx_mrowner", td->mrowner, 48);
  vouch_result_claim_hex(r, "tdx_mrownerconfig", td->mrownerconfig, 48);
  static const char *const kRtmr[4] = {"tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr2", "tdx_rtmr3"};
  for (int i = 0; i < 4; i++) vouch_result_claim_hex(r, kRtmr[i], td->rtmr[i], 48);
  vouch_result_claim_hex(r, "tdx_report_data", td->report_data, 64);
  if (td->is_v15) {
    vouch_result_claim_hex(r, "tdx_tee_tcb_svn2", td->tee_tcb_svn2, 16);
    vouch_result_claim_hex(r, "tdx_mrservicetd", td->mrservicetd, 48);
  }
}
