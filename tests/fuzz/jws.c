/* Fuzz target: the compact JWS parser that `vouch token verify` and the
 * signed-policy checks use (header JSON, x5c, jwk), signature checks over
 * whatever it accepts, JWK import, and JWKS documents. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "token/token.h"

/* Keys of every kind, made once: a parsed token is checked against each,
 * which drives the key-type checks and the r||s conversion. */
static struct vouch_signer *g_keys[VOUCH_JWS_ALG_COUNT];

static void init_keys(void) {
  static const vouch_jws_alg kAlgs[] = {VOUCH_JWS_RS256, VOUCH_JWS_ES256, VOUCH_JWS_ES384,
                                        VOUCH_JWS_EDDSA};
  for (size_t i = 0; i < sizeof(kAlgs) / sizeof(kAlgs[0]); i++) {
    if (vouch_signer_generate(kAlgs[i], &g_keys[kAlgs[i]]) != VOUCH_OK) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (g_keys[VOUCH_JWS_ES256] == NULL) init_keys();
  const char *text = (const char *)data;
  vouch_jws j;
  vouch_err err = {0};
  if (vouch_jws_parse(text, size, &j, &err) == VOUCH_OK) {
    if (j.signing_input != text || j.signing_input_len >= size || j.num_x5c > VOUCH_JWS_MAX_X5C ||
        j.sig_len > VOUCH_JWS_MAX_SIG || j.payload == NULL || j.header == NULL ||
        (j.alg == VOUCH_JWS_NONE && j.sig_len != 0) || (j.jwk != NULL) != j.has_jwk) {
      abort();
    }
    /* No key of ours signed anything the fuzzer made: never valid. */
    for (int a = 0; a < VOUCH_JWS_ALG_COUNT; a++) {
      if (g_keys[a] != NULL &&
          vouch_jws_verify(&j, vouch_signer_pubkey(g_keys[a]), NULL) == VOUCH_OK) {
        abort();
      }
    }
    if (j.jwk != NULL) (void)vouch_jws_verify(&j, j.jwk, NULL);
    struct vouch_pubkey *k = NULL;
    if (j.num_x5c > 0 && vouch_cert_pubkey(j.x5c[0], &k) == VOUCH_OK) {
      (void)vouch_jws_verify(&j, k, NULL);
      vouch_pubkey_free(k);
    }
    vouch_jws_free(&j);
  } else if (err.code == VOUCH_OK || err.msg[0] == '\0') {
    abort(); /* every failure says why */
  }
  /* The same bytes as a JWK: an import must export and re-import to the
   * same key. */
  struct vouch_pubkey *k = NULL;
  if (vouch_pubkey_from_jwk(text, size, &k, NULL) == VOUCH_OK) {
    vouch_buf b;
    vouch_buf_init(&b, 0);
    vouch_json jw;
    vouch_json_init(&jw, &b);
    vouch_json_begin_object(&jw);
    struct vouch_pubkey *k2 = NULL;
    if (vouch_pubkey_write_jwk(k, &jw) == VOUCH_OK) {
      vouch_json_end_object(&jw);
      if (vouch_buf_status(&b) != VOUCH_OK ||
          vouch_pubkey_from_jwk(b.data, b.len, &k2, NULL) != VOUCH_OK) {
        abort();
      }
      uint8_t *d1 = NULL, *d2 = NULL;
      size_t l1 = 0, l2 = 0;
      if (vouch_pubkey_spki_der(k, &d1, &l1) != VOUCH_OK ||
          vouch_pubkey_spki_der(k2, &d2, &l2) != VOUCH_OK || l1 != l2 || memcmp(d1, d2, l1) != 0) {
        abort();
      }
      free(d1);
      free(d2);
    }
    vouch_pubkey_free(k2);
    vouch_buf_free(&b);
    vouch_pubkey_free(k);
  }
  /* And as a JWKS. */
  struct vouch_jwks *jwks = NULL;
  if (vouch_jwks_parse(text, size, &jwks, NULL) == VOUCH_OK) {
    if (vouch_jwks_count(jwks) > VOUCH_JWKS_MAX_KEYS) abort();
    vouch_jwks_free(jwks);
  }
  vouch_crypto_clear_errors();
  return 0;
}
