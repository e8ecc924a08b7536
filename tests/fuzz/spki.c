/* Fuzz target: SubjectPublicKeyInfo import, differentially.  vouch reads
 * the common canonical forms itself (crypto/pubkey.c, spki_fast) and hands
 * everything else to OpenSSL's d2i_PUBKEY; the two must agree on every
 * input: accepted by one iff by the other, the same key when both accept,
 * and the SPKI vouch keeps equal to what OpenSSL would encode. */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct vouch_pubkey *ours = NULL;
  bool ours_ok = vouch_pubkey_from_spki_der(data, size, &ours) == VOUCH_OK;
  EVP_PKEY *ref = NULL;
  bool ref_ok = false;
  if (size > 0 && size <= VOUCH_LIMIT_CERT_DATA) {
    const unsigned char *p = data;
    ref = d2i_PUBKEY(NULL, &p, (long)size);
    ref_ok = ref != NULL && p == data + size;
  }
  if (ours_ok != ref_ok) abort();
  if (ours_ok) {
    if (EVP_PKEY_eq(vouch_pubkey_evp(ours), ref) != 1) abort();
    uint8_t *der = NULL;
    size_t der_len = 0;
    unsigned char *want = NULL;
    int want_len = i2d_PUBKEY(ref, &want);
    if (vouch_pubkey_spki_der(ours, &der, &der_len) != VOUCH_OK || want_len <= 0 ||
        (size_t)want_len != der_len || memcmp(der, want, der_len) != 0) {
      abort();
    }
    free(der);
    OPENSSL_free(want);
  }
  EVP_PKEY_free(ref);
  vouch_pubkey_free(ours);
  vouch_crypto_clear_errors();
  return 0;
}
