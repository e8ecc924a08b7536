/* verifiers/snp/internal.h - private to vouch_snp. */
#ifndef VOUCH_SNP_INTERNAL_H
#define VOUCH_SNP_INTERNAL_H

#include "verifiers/snp/snp.h"

/* A certificate's DER, walked: spans borrow the input. */
typedef struct {
  const uint8_t *tbs; /* whole TBSCertificate TLV: the signed bytes */
  size_t tbs_len;
  const uint8_t *tbs_sig_alg; /* AlgorithmIdentifier TLV inside the TBS */
  size_t tbs_sig_alg_len;
  const uint8_t *issuer, *subject; /* Name TLVs */
  size_t issuer_len, subject_len;
  bool has_exts;
  vouch_cur exts;         /* contents of the Extensions SEQUENCE */
  const uint8_t *sig_alg; /* outer AlgorithmIdentifier TLV */
  size_t sig_alg_len;
  const uint8_t *sig; /* signature bits (after the unused-bits octet) */
  size_t sig_len;
} snp_der_cert;

VOUCH_MUST_CHECK vouch_status snp_der_cert_parse(const uint8_t *der, size_t len, snp_der_cert *out,
                                                 vouch_err *err);
VOUCH_MUST_CHECK vouch_status snp_cert_ext_from_exts(const snp_der_cert *d, vouch_snp_cert_ext *out,
                                                     vouch_err *err);
/* snp_check_pss_alg: |alg| (AlgorithmIdentifier TLV) is RSASSA-PSS with
 * SHA-384, MGF1-SHA-384, salt 48, trailer 1 (VOUCH_E_CHAIN naming |what|). */
VOUCH_MUST_CHECK vouch_status snp_check_pss_alg(const uint8_t *alg, size_t alg_len,
                                                const char *what, vouch_err *err);
/* snp_check_signed_by: |child|'s signature (PSS parameters pinned) verifies
 * under |issuer|'s key (VOUCH_E_CHAIN otherwise). */
VOUCH_MUST_CHECK vouch_status snp_check_signed_by(const struct vouch_cert *child,
                                                  const char *child_what,
                                                  const struct vouch_cert *issuer, vouch_err *err);
/* snp_builtin_anchors: the pinned ARKs as an anchor set (process lifetime;
 * NULL if they could not be loaded). */
const struct vouch_anchors *snp_builtin_anchors(void);
/* snp_builtin_product: the product whose built-in ARK has fingerprint
 * |sha256|, or UNKNOWN. */
vouch_snp_product snp_builtin_product(const uint8_t sha256[32]);

#endif /* VOUCH_SNP_INTERNAL_H */
