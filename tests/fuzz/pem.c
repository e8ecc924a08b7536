/* Fuzz target: PEM certificate chains, CRLs (DER/PEM/hex) and base64. */
#include <stdlib.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct vouch_cert *certs[VOUCH_LIMIT_PEM_CHAIN_CERTS];
  size_t n = 0;
  if (vouch_cert_chain_from_pem((const char *)data, size, certs, VOUCH_LIMIT_PEM_CHAIN_CERTS, &n,
                                NULL) == VOUCH_OK) {
    if (n == 0 || n > VOUCH_LIMIT_PEM_CHAIN_CERTS) abort();
    for (size_t i = 0; i < n; i++) vouch_cert_free(certs[i]);
  }
  struct vouch_crl *crl = NULL;
  if (vouch_crl_parse(data, size, &crl, NULL) == VOUCH_OK) vouch_crl_free(crl);
  size_t cap = vouch_base64_decoded_max(size);
  uint8_t *out = malloc(cap + 1);
  size_t out_len;
  if (out != NULL &&
      vouch_base64_decode((const char *)data, size, out, cap, &out_len) == VOUCH_OK &&
      out_len > cap) {
    abort();
  }
  free(out);
  vouch_crypto_clear_errors();
  return 0;
}
