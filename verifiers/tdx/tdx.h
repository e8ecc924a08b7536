/* verifiers/tdx/tdx.h - Intel TDX evidence: the claims of a TD report
 * (TDX 1.0 and 1.5 bodies of quote v4/v5).  Verification itself is the
 * shared DCAP code (verifiers/dcap: PCK chain, CRLs, TD_QE identity, TDX
 * TCB levels, module identity), driven by the quote front in
 * verifiers/sgx/sgx.h, which handles both TEEs. */
#ifndef VOUCH_TDX_H
#define VOUCH_TDX_H

#include "verifiers/dcap/dcap.h"
#include "verifiers/result.h"

/* TDATTRIBUTES bits (TDX module ABI). */
enum {
  VOUCH_TD_ATTR_DEBUG = 0,            /* bit 0: the TD is debuggable */
  VOUCH_TD_ATTR_SEPT_VE_DISABLE = 28, /* bit 28 */
  VOUCH_TD_ATTR_PKS = 30,             /* bit 30: protection keys */
  VOUCH_TD_ATTR_KEY_LOCKER = 31,      /* bit 31 */
  VOUCH_TD_ATTR_PERFMON = 63,         /* bit 63 */
};

/* vouch_td_attribute reads one TDATTRIBUTES bit (little-endian 64-bit). */
bool vouch_td_attribute(const vouch_td_report *td, int bit);

/* vouch_tdx_add_claims adds every field of the TD report as a claim, named
 * as Azure Attestation's TDX token names them (tdx_mrtd, tdx_rtmr0, ...,
 * tdx_td_attributes_debug, tdx_seamsvn; TD 1.5: tdx_tee_tcb_svn2,
 * tdx_mrservicetd). */
void vouch_tdx_add_claims(vouch_result *r, const vouch_td_report *td);

#endif /* VOUCH_TDX_H */
