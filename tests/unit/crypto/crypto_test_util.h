/* tests/unit/crypto/crypto_test_util.h - shared by the crypto tests:
 * access to the shared vectors (skipped, with a message, when absent) and a
 * tiny test PKI built with OpenSSL at run time. */
#ifndef VOUCH_TESTS_CRYPTO_TEST_UTIL_H
#define VOUCH_TESTS_CRYPTO_TEST_UTIL_H

/* cmocka.h needs the standard headers before it. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"

/* The phala SGX set: its instant and the Intel root's fingerprint. */
#define CT_PHALA "sgx/phala-dcap-qvl-sgx-v3"
#define CT_SYNTH "sgx/intel-qvl-synthetic-sgx"
#define CT_PHALA_T INT64_C(1752919277)
#define CT_SYNTH_T INT64_C(1577836800)
#define CT_INTEL_ROOT "intel/Intel_SGX_Root_CA.pem"

/* ct_vectors_dir returns the vectors folder, or NULL (after printing
 * "vectors not found at ..., skipping vector tests" once) when absent. */
const char *ct_vectors_dir(void);
#define CT_NEED_VECTORS()                 \
  do {                                    \
    if (ct_vectors_dir() == NULL) skip(); \
  } while (0)

/* ct_read reads vectors/<rel> (malloc'd, NUL-terminated); fails the test if
 * it cannot. */
uint8_t *ct_read(const char *rel, size_t *out_len);
/* ct_collateral returns a string field of <set>/collateral.json (malloc'd). */
char *ct_collateral(const char *set, const char *key);
/* ct_chain parses a PEM chain, failing the test on error. */
size_t ct_chain(const char *pem, struct vouch_cert **out, size_t max);
void ct_free_certs(struct vouch_cert **certs, size_t num);
/* ct_anchors_from returns an anchor set with the PEM file vectors/<rel>. */
struct vouch_anchors *ct_anchors_from(const char *rel);
struct vouch_crl *ct_crl_from_text(const char *text);

/* ---- test PKI ---- */
EVP_PKEY *ct_ec_key(void);
typedef struct {
  const char *cn;
  long serial;
  int64_t not_before, not_after;
  bool ca;
} ct_cert_spec;
/* ct_make_cert issues |spec| for |key|, signed by |issuer_key| under
 * |issuer|'s name and key id, or self-signed when |issuer| is NULL. */
X509 *ct_make_cert(const ct_cert_spec *spec, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key);
/* ct_make_crl: a CRL in |issuer|'s name listing |serials|, signed by
 * |sign_key| (normally the issuer's key). */
X509_CRL *ct_make_crl(X509 *issuer, EVP_PKEY *sign_key, const long *serials, size_t num,
                      int64_t this_update, int64_t next_update);
/* ct_wrap_* convert to vouch objects via DER and free the OpenSSL object. */
struct vouch_cert *ct_wrap_cert(X509 *x);
struct vouch_crl *ct_wrap_crl(X509_CRL *crl);

#endif
