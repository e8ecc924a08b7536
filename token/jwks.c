/* token/jwks.c - what relying parties fetch: the JWKS of the store's
 * published keys (GET /certs) and the OpenID discovery document
 * (GET /.well-known/openid-configuration), in the shapes of
 * spec/maa-api.md §4. */
#include <string.h>

#include "token/internal.h"

/* write_key writes one JWKS entry. */
static vouch_status write_key(vouch_json *j, const vouch_ks_key *k) {
  vouch_json_begin_object(j);
  vouch_json_key(j, "kid");
  vouch_json_string(j, k->kid);
  /* kty and n/e, crv/x/y or crv/x: what JWT libraries build the key from;
   * MAA's own clients use x5c[0] instead. */
  VOUCH_GUARD(vouch_pubkey_write_jwk(vouch_signer_pubkey(k->signer), j));
  vouch_json_key(j, "alg");
  vouch_json_string(j, vouch_jws_alg_name(k->alg));
  vouch_json_key(j, "use");
  vouch_json_string(j, "sig");
  vouch_json_key(j, "x5c");
  vouch_json_begin_array(j);
  vouch_buf b64;
  vouch_buf_init(&b64, 0);
  for (size_t i = 0; i < k->chain_len; i++) {
    size_t len = 0;
    const uint8_t *der = vouch_cert_der(k->chain[i], &len);
    vouch_buf_reset(&b64);
    vouch_base64_encode(&b64, der, len); /* x5c is standard base64 (RFC 7517 §4.7) */
    if (vouch_buf_status(&b64) != VOUCH_OK) break;
    vouch_json_string_len(j, b64.data, b64.len);
  }
  vouch_status s = vouch_buf_status(&b64);
  vouch_buf_free(&b64);
  vouch_json_end_array(j);
  vouch_json_end_object(j);
  return s;
}

vouch_status vouch_keystore_jwks(struct vouch_keystore *ks, vouch_buf *out) {
  VOUCH_ENSURE(ks != NULL && out != NULL, VOUCH_E_ARG);
  int64_t now = vouch_ks_now(ks);
  vouch_json j;
  vouch_json_init(&j, out);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "keys");
  vouch_json_begin_array(&j);
  vouch_status s = VOUCH_OK;
  pthread_rwlock_rdlock(&ks->lock);
  /* Active keys first (alg order), then the other published ones, newest
   * first: clients that take the first RSA key get the current one. */
  for (int a = 0; a < VOUCH_JWS_ALG_COUNT && s == VOUCH_OK; a++) {
    if (ks->active[a] != NULL) s = write_key(&j, ks->active[a]);
  }
  for (size_t i = ks->num_keys; i-- > 0 && s == VOUCH_OK;) {
    const vouch_ks_key *k = ks->keys[i];
    if (ks->active[k->alg] == k || !vouch_ks_published(ks, k, now)) continue;
    s = write_key(&j, k);
  }
  pthread_rwlock_unlock(&ks->lock);
  vouch_json_end_array(&j);
  vouch_json_end_object(&j);
  return s != VOUCH_OK ? s : vouch_buf_status(out);
}

/* The claims of the spec's discovery example (maa-api.md §4). */
static const char *const kClaims[] = {
    "is-debuggable", "sgx-mrsigner", "sgx-mrenclave",  "product-id",         "svn",
    "tee",           "device_id",    "component_0_id", "expected_components"};

vouch_status vouch_openid_metadata(const char *issuer, const vouch_jws_alg *algs, size_t n,
                                   vouch_buf *out) {
  VOUCH_ENSURE(issuer != NULL && issuer[0] != '\0' && out != NULL && (algs != NULL || n == 0),
               VOUCH_E_ARG);
  size_t ilen = strlen(issuer);
  while (ilen > 0 && issuer[ilen - 1] == '/') ilen--;
  VOUCH_ENSURE(ilen > 0, VOUCH_E_ARG);
  vouch_buf url;
  vouch_buf_init(&url, 0);
  vouch_json j;
  vouch_json_init(&j, out);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "issuer");
  vouch_json_string_len(&j, issuer, ilen);
  vouch_json_key(&j, "jwks_uri");
  vouch_buf_append(&url, issuer, ilen);
  vouch_buf_puts(&url, "/certs");
  vouch_json_string_len(&j, vouch_buf_cstr(&url), url.len);
  vouch_json_key(&j, "response_types_supported");
  vouch_json_begin_array(&j);
  vouch_json_string(&j, "token");
  vouch_json_string(&j, "none");
  vouch_json_end_array(&j);
  vouch_json_key(&j, "id_token_signing_alg_values_supported");
  vouch_json_begin_array(&j);
  for (size_t i = 0; i < n; i++) {
    if (algs[i] != VOUCH_JWS_NONE) vouch_json_string(&j, vouch_jws_alg_name(algs[i]));
  }
  vouch_json_end_array(&j);
  vouch_json_key(&j, "revocation_endpoint");
  vouch_buf_reset(&url);
  vouch_buf_append(&url, issuer, ilen);
  vouch_buf_puts(&url, "/revoke");
  vouch_json_string_len(&j, vouch_buf_cstr(&url), url.len);
  vouch_json_key(&j, "claims_supported");
  vouch_json_begin_array(&j);
  for (size_t i = 0; i < sizeof(kClaims) / sizeof(kClaims[0]); i++) {
    vouch_json_string(&j, kClaims[i]);
  }
  vouch_json_end_array(&j);
  vouch_json_end_object(&j);
  vouch_status s = vouch_buf_status(&url);
  vouch_buf_free(&url);
  return s != VOUCH_OK ? s : vouch_buf_status(out);
}
