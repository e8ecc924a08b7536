/* verifiers/snp/snp_azure.h - private to vouch_snp: the Azure (HCL) part
 * of a verification, called from the core. */
#ifndef VOUCH_SNP_AZURE_H
#define VOUCH_SNP_AZURE_H

#include "verifiers/snp/snp.h"

typedef struct {
  vouch_snp_hcl hcl;
  char *ak_pub; /* HCLAkPub JWK, compact JSON (malloc'd), or NULL */
  size_t ak_pub_len;
  const vouch_snp_vtpm *vtpm; /* the vTPM quote to check with it, or NULL */
} snp_azure_ctx;

/* snp_verify_core: vouch_snp_verify after vouch_result_init, with the
 * Azure checks when |az| is non-NULL. */
void snp_verify_core(const uint8_t *report, size_t len, const vouch_snp_collateral *coll,
                     const vouch_snp_opts *opts, const snp_azure_ctx *az, vouch_result *out);
void snp_azure_claims(const snp_azure_ctx *az, vouch_result *out);
/* snp_azure_check: REPORT_DATA = hash(runtime-claims JSON). */
VOUCH_MUST_CHECK vouch_status snp_azure_check(const snp_azure_ctx *az, const vouch_snp_report *rep,
                                              vouch_err *err);

/* snp_azure_vtpm: the vTPM quote of |az| (when given) under HCLAkPub, on
 * a result whose SNP part passed; fails |out| when it does not verify. */
void snp_azure_vtpm(const snp_azure_ctx *az, int64_t at, vouch_result *out);

#endif /* VOUCH_SNP_AZURE_H */
