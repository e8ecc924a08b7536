/* tests/unit/crypto/test_sig.c - key import and signature verification:
 * keys generated at test time plus the SGX quote's attestation key. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_test_util.h"

static const uint8_t kMsg[] = "attestation evidence, signed";
#define MSG_LEN (sizeof(kMsg) - 1)

/* sign signs |msg| with |k|; pad/salt only matter for RSA (0: default). */
static size_t sign(EVP_PKEY *k, const char *md, int pad, int salt, const uint8_t *msg, size_t len,
                   uint8_t *sig, size_t cap) {
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  EVP_PKEY_CTX *p = NULL;
  assert_int_equal(EVP_DigestSignInit_ex(m, &p, md, NULL, NULL, k, NULL), 1);
  if (pad) assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(p, pad), 1);
  if (pad == RSA_PKCS1_PSS_PADDING) assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(p, salt), 1);
  size_t n = cap;
  assert_int_equal(EVP_DigestSign(m, sig, &n, msg, len), 1);
  EVP_MD_CTX_free(m);
  return n;
}

/* der_to_rs converts an ECDSA DER signature to raw r||s of |half| each. */
static void der_to_rs(const uint8_t *der, size_t der_len, size_t half, uint8_t *rs) {
  const unsigned char *p = der;
  ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  assert_non_null(sig);
  assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, (int)half), (int)half);
  assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + half, (int)half), (int)half);
  ECDSA_SIG_free(sig);
}

static struct vouch_pubkey *p256_import(EVP_PKEY *k) {
  uint8_t point[65];
  size_t n = 0;
  assert_int_equal(
      EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &n), 1);
  assert_int_equal(n, 65);
  assert_int_equal(point[0], 4);
  struct vouch_pubkey *pub = NULL;
  assert_int_equal(vouch_pubkey_from_p256_xy(point + 1, &pub), VOUCH_OK);
  return pub;
}

static struct vouch_pubkey *spki_import(EVP_PKEY *k) {
  unsigned char *der = NULL;
  int n = i2d_PUBKEY(k, &der);
  assert_true(n > 0);
  struct vouch_pubkey *pub = NULL;
  assert_int_equal(vouch_pubkey_from_spki_der(der, (size_t)n, &pub), VOUCH_OK);
  OPENSSL_free(der);
  return pub;
}

static void test_ecdsa_p256_raw(void **state) {
  (void)state;
  EVP_PKEY *k = ct_ec_key();
  struct vouch_pubkey *pub = p256_import(k);
  uint8_t der[80], rs[64];
  size_t der_len = sign(k, "SHA256", 0, 0, kMsg, MSG_LEN, der, sizeof(der));
  der_to_rs(der, der_len, 32, rs);
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA256, kMsg, MSG_LEN, rs, 64), VOUCH_OK);
  uint8_t digest[32];
  vouch_sha256(kMsg, MSG_LEN, digest);
  assert_int_equal(vouch_ecdsa_verify_rs_digest(pub, digest, 32, rs, 64), VOUCH_OK);

  /* One flipped bit anywhere must fail: message, r, s. */
  uint8_t msg2[sizeof(kMsg)];
  memcpy(msg2, kMsg, sizeof(kMsg));
  msg2[3] ^= 0x10;
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA256, msg2, MSG_LEN, rs, 64),
                   VOUCH_E_SIGNATURE);
  for (size_t i = 0; i < 2; i++) {
    uint8_t bad[64];
    memcpy(bad, rs, 64);
    bad[i * 32 + 31] ^= 0x01;
    assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA256, kMsg, MSG_LEN, bad, 64),
                     VOUCH_E_SIGNATURE);
  }
  /* Wrong hash, wrong length. */
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA384, kMsg, MSG_LEN, rs, 64),
                   VOUCH_E_SIGNATURE);
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA256, kMsg, MSG_LEN, rs, 63),
                   VOUCH_E_MALFORMED);
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA256, kMsg, MSG_LEN, rs, 96),
                   VOUCH_E_MALFORMED);
  assert_int_equal(ERR_peek_error(), 0); /* failures leave the queue empty */
  vouch_pubkey_free(pub);
  EVP_PKEY_free(k);
}

static void test_ecdsa_wrong_key_and_zero(void **state) {
  (void)state;
  EVP_PKEY *k = ct_ec_key(), *other = ct_ec_key();
  struct vouch_pubkey *pub = p256_import(k), *wrong = p256_import(other);
  uint8_t der[80], rs[64];
  size_t der_len = sign(k, "SHA256", 0, 0, kMsg, MSG_LEN, der, sizeof(der));
  der_to_rs(der, der_len, 32, rs);
  assert_int_equal(vouch_ecdsa_verify_rs(wrong, VOUCH_HASH_SHA256, kMsg, MSG_LEN, rs, 64),
                   VOUCH_E_SIGNATURE);
  /* A one-bit change in the key's X makes it a different (here: off-curve)
   * point, which import rejects. */
  uint8_t point[65];
  size_t n = 0;
  assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point, 65, &n), 1);
  point[1 + 7] ^= 0x04;
  struct vouch_pubkey *flipped = NULL;
  assert_int_equal(vouch_pubkey_from_p256_xy(point + 1, &flipped), VOUCH_E_MALFORMED);
  assert_null(flipped);

  uint8_t zero[64];
  memcpy(zero, rs, 64);
  memset(zero, 0, 32); /* r = 0 */
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA256, kMsg, MSG_LEN, zero, 64),
                   VOUCH_E_SIGNATURE);
  memcpy(zero, rs, 64);
  memset(zero + 32, 0, 32); /* s = 0 */
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA256, kMsg, MSG_LEN, zero, 64),
                   VOUCH_E_SIGNATURE);
  /* r||s back to DER gives exactly the signer's (minimal) DER. */
  uint8_t *out = NULL;
  size_t out_len = 0;
  assert_int_equal(vouch_ecdsa_rs_to_der(rs, 64, &out, &out_len), VOUCH_OK);
  assert_int_equal(out_len, der_len);
  assert_memory_equal(out, der, der_len);
  free(out);
  assert_int_equal(vouch_ecdsa_rs_to_der(rs, 63, &out, &out_len), VOUCH_E_MALFORMED);
  vouch_pubkey_free(pub);
  vouch_pubkey_free(wrong);
  EVP_PKEY_free(k);
  EVP_PKEY_free(other);
}

static void test_ecdsa_p384(void **state) {
  (void)state;
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
  assert_non_null(k);
  struct vouch_pubkey *pub = spki_import(k);
  uint8_t der[120], rs[96];
  der_to_rs(der, sign(k, "SHA384", 0, 0, kMsg, MSG_LEN, der, sizeof(der)), 48, rs);
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA384, kMsg, MSG_LEN, rs, 96), VOUCH_OK);
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA384, kMsg, MSG_LEN, rs, 64),
                   VOUCH_E_MALFORMED);
  rs[95] ^= 1;
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA384, kMsg, MSG_LEN, rs, 96),
                   VOUCH_E_SIGNATURE);
  vouch_pubkey_free(pub);
  EVP_PKEY_free(k);
}

static void test_off_curve_rejected(void **state) {
  (void)state;
  uint8_t xy[64] = {0};
  struct vouch_pubkey *pub = NULL;
  assert_int_equal(vouch_pubkey_from_p256_xy(xy, &pub), VOUCH_E_MALFORMED); /* (0,0) */
  xy[31] = 1;
  xy[63] = 1;
  assert_int_equal(vouch_pubkey_from_p256_xy(xy, &pub), VOUCH_E_MALFORMED); /* (1,1) */
  memset(xy, 0xff, sizeof(xy));
  assert_int_equal(vouch_pubkey_from_p256_xy(xy, &pub), VOUCH_E_MALFORMED); /* >= p */
  assert_null(pub);
  assert_int_equal(ERR_peek_error(), 0);
}

static void test_ecdsa_der_sig(void **state) {
  (void)state;
  EVP_PKEY *k = ct_ec_key();
  struct vouch_pubkey *pub = spki_import(k);
  uint8_t der[81];
  size_t n = sign(k, "SHA256", 0, 0, kMsg, MSG_LEN, der, sizeof(der) - 1);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_ECDSA, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, der, n),
      VOUCH_OK);
  der[n] = 0; /* trailing garbage after the DER */
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_ECDSA, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, der, n + 1),
      VOUCH_E_SIGNATURE);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PKCS1, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, der, n),
      VOUCH_E_SIGNATURE);
  assert_int_equal(ERR_peek_error(), 0);
  vouch_pubkey_free(pub);
  EVP_PKEY_free(k);
}

static void test_rsa_pkcs1_and_pss(void **state) {
  (void)state;
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  assert_non_null(k);
  struct vouch_pubkey *pub = spki_import(k);
  uint8_t sig[256];
  size_t n = sign(k, "SHA256", RSA_PKCS1_PADDING, 0, kMsg, MSG_LEN, sig, sizeof(sig));
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PKCS1, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, sig, n),
      VOUCH_OK);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PSS, VOUCH_HASH_SHA256, -1, kMsg, MSG_LEN, sig, n),
      VOUCH_E_SIGNATURE);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PKCS1, VOUCH_HASH_SHA384, 0, kMsg, MSG_LEN, sig, n),
      VOUCH_E_SIGNATURE);
  sig[100] ^= 0x80;
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PKCS1, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, sig, n),
      VOUCH_E_SIGNATURE);

  n = sign(k, "SHA256", RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST, kMsg, MSG_LEN, sig,
           sizeof(sig));
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PSS, VOUCH_HASH_SHA256, -1, kMsg, MSG_LEN, sig, n),
      VOUCH_OK);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PSS, VOUCH_HASH_SHA256, 32, kMsg, MSG_LEN, sig, n),
      VOUCH_OK);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PSS, VOUCH_HASH_SHA256, 20, kMsg, MSG_LEN, sig, n),
      VOUCH_E_SIGNATURE);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PKCS1, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, sig, n),
      VOUCH_E_SIGNATURE);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_RSA_PSS, VOUCH_HASH_SHA256, -1, kMsg, MSG_LEN - 1, sig, n),
      VOUCH_E_SIGNATURE);
  /* An RSA key cannot verify an ECDSA signature, whatever the bytes. */
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_ECDSA, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, sig, n),
      VOUCH_E_SIGNATURE);
  uint8_t rs[64] = {1};
  assert_int_equal(vouch_ecdsa_verify_rs(pub, VOUCH_HASH_SHA256, kMsg, MSG_LEN, rs, 64),
                   VOUCH_E_SIGNATURE);
  assert_int_equal(ERR_peek_error(), 0);
  vouch_pubkey_free(pub);
  EVP_PKEY_free(k);
}

static void test_ed25519(void **state) {
  (void)state;
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  assert_non_null(k);
  struct vouch_pubkey *pub = spki_import(k);
  uint8_t sig[64];
  size_t n = sign(k, NULL, 0, 0, kMsg, MSG_LEN, sig, sizeof(sig));
  assert_int_equal(n, 64);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_EDDSA, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, sig, n),
      VOUCH_OK);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_EDDSA, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN - 1, sig, n),
      VOUCH_E_SIGNATURE);
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_ECDSA, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, sig, n),
      VOUCH_E_SIGNATURE);
  sig[10] ^= 2;
  assert_int_equal(
      vouch_verify_sig(pub, VOUCH_SIG_EDDSA, VOUCH_HASH_SHA256, 0, kMsg, MSG_LEN, sig, n),
      VOUCH_E_SIGNATURE);
  assert_int_equal(ERR_peek_error(), 0);
  vouch_pubkey_free(pub);
  EVP_PKEY_free(k);
}

static void test_spki_and_pem_round_trip(void **state) {
  (void)state;
  EVP_PKEY *k = ct_ec_key();
  struct vouch_pubkey *pub = p256_import(k);
  uint8_t *der = NULL;
  size_t der_len = 0;
  assert_int_equal(vouch_pubkey_spki_der(pub, &der, &der_len), VOUCH_OK);
  vouch_buf pem = {0};
  vouch_buf_puts(&pem, "junk before\n-----BEGIN PUBLIC KEY-----\n");
  vouch_base64_encode(&pem, der, der_len);
  vouch_buf_puts(&pem, "\n-----END PUBLIC KEY-----\n");
  struct vouch_pubkey *back = NULL;
  assert_int_equal(vouch_pubkey_from_pem(pem.data, pem.len, &back), VOUCH_OK);
  assert_int_equal(EVP_PKEY_eq(vouch_pubkey_evp(back), k), 1);
  /* Trailing bytes after the SPKI are refused. */
  uint8_t *longer = malloc(der_len + 1);
  memcpy(longer, der, der_len);
  longer[der_len] = 0;
  struct vouch_pubkey *bad = NULL;
  assert_int_equal(vouch_pubkey_from_spki_der(longer, der_len + 1, &bad), VOUCH_E_TRAILING);
  assert_int_equal(vouch_pubkey_from_pem("no pem", 6, &bad), VOUCH_E_PEM);
  /* References: one extra up_ref keeps it alive through one free. */
  vouch_pubkey_up_ref(back);
  vouch_pubkey_free(back);
  assert_non_null(vouch_pubkey_evp(back));
  vouch_pubkey_free(back);
  vouch_pubkey_free(NULL);
  free(longer);
  free(der);
  vouch_buf_free(&pem);
  vouch_pubkey_free(pub);
  EVP_PKEY_free(k);
}

/* import_matches_openssl: vouch_pubkey_from_spki_der on |der| succeeds
 * exactly when OpenSSL's d2i_PUBKEY does (consuming all of it), gives the
 * same key, and hands back the SPKI OpenSSL would encode.  Returns whether
 * it was accepted. */
static bool import_matches_openssl(const uint8_t *der, size_t len) {
  struct vouch_pubkey *ours = NULL;
  bool ours_ok = vouch_pubkey_from_spki_der(der, len, &ours) == VOUCH_OK;
  const unsigned char *p = der;
  EVP_PKEY *ref = d2i_PUBKEY(NULL, &p, (long)len);
  bool ref_ok = ref != NULL && p == der + len;
  ERR_clear_error();
  if (ours_ok != ref_ok)
    fail_msg("vouch %s a key OpenSSL %s", ours_ok ? "accepts" : "refuses",
             ref_ok ? "accepts" : "refuses");
  if (ours_ok) {
    assert_int_equal(EVP_PKEY_eq(vouch_pubkey_evp(ours), ref), 1);
    uint8_t *back = NULL;
    size_t back_len = 0;
    assert_int_equal(vouch_pubkey_spki_der(ours, &back, &back_len), VOUCH_OK);
    unsigned char *want = NULL;
    int want_len = i2d_PUBKEY(ref, &want);
    assert_int_equal(back_len, (size_t)want_len);
    assert_memory_equal(back, want, back_len);
    free(back);
    OPENSSL_free(want);
  }
  EVP_PKEY_free(ref);
  vouch_pubkey_free(ours);
  return ours_ok;
}

/* vouch reads RSA and P-256/P-384 SPKIs itself (OpenSSL 3.0's decoder costs
 * ~200 us a key) and leaves the rest to OpenSSL: every key kind, and every
 * single-bit change of the fast-path ones, must be judged the same way. */
static void test_spki_fast_path_matches_openssl(void **state) {
  (void)state;
  EVP_PKEY *keys[] = {
      EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048),
      EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
      EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"),
      EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"), /* OpenSSL's path */
      EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"),     /* OpenSSL's path */
  };
  for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
    assert_non_null(keys[k]);
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(keys[k], &der);
    assert_true(n > 0);
    assert_true(import_matches_openssl(der, (size_t)n));
    if (k < 3) { /* the fast-path kinds: every bit of the encoding */
      size_t accepted = 0;
      for (int i = 0; i < n; i++) {
        for (int b = 0; b < 8; b++) {
          der[i] ^= (uint8_t)(1u << b);
          accepted += import_matches_openssl(der, (size_t)n);
          der[i] ^= (uint8_t)(1u << b);
        }
      }
      /* RSA: flips in n (and some in e) are still keys; EC: off the curve. */
      if (k == 0) assert_true(accepted > 0);
    }
    OPENSSL_free(der);
    EVP_PKEY_free(keys[k]);
  }
  /* A compressed P-256 point goes to OpenSSL and is the same key. */
  EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  assert_int_equal(
      EVP_PKEY_set_utf8_string_param(ec, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"),
      1);
  unsigned char *der = NULL;
  int n = i2d_PUBKEY(ec, &der);
  assert_int_equal(n, 59);
  struct vouch_pubkey *pub = NULL;
  assert_int_equal(vouch_pubkey_from_spki_der(der, (size_t)n, &pub), VOUCH_OK);
  assert_int_equal(EVP_PKEY_eq(vouch_pubkey_evp(pub), ec), 1);
  vouch_pubkey_free(pub);
  OPENSSL_free(der);
  EVP_PKEY_free(ec);
}

/* A key made from a quote's raw point keeps the SPKI OpenSSL would write. */
static void test_p256_xy_spki(void **state) {
  (void)state;
  EVP_PKEY *k = ct_ec_key();
  struct vouch_pubkey *pub = p256_import(k);
  uint8_t *der = NULL;
  size_t der_len = 0;
  assert_int_equal(vouch_pubkey_spki_der(pub, &der, &der_len), VOUCH_OK);
  unsigned char *want = NULL;
  int want_len = i2d_PUBKEY(k, &want);
  assert_int_equal(der_len, (size_t)want_len);
  assert_memory_equal(der, want, der_len);
  free(der);
  OPENSSL_free(want);
  vouch_pubkey_free(pub);
  EVP_PKEY_free(k);
}

/* The v3 quote's signature (at 436) over [0,432) with the key at 500. */
static void test_quote_attestation_key(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  size_t len = 0;
  uint8_t *q = ct_read(CT_PHALA "/quote.dat", &len);
  assert_true(len >= 564);
  struct vouch_pubkey *ak = NULL;
  assert_int_equal(vouch_pubkey_from_p256_xy(q + 500, &ak), VOUCH_OK);
  assert_int_equal(vouch_ecdsa_verify_rs(ak, VOUCH_HASH_SHA256, q, 432, q + 436, 64), VOUCH_OK);
  q[368] ^= 0x01; /* report_data[0], as in the negative vector */
  assert_int_equal(vouch_ecdsa_verify_rs(ak, VOUCH_HASH_SHA256, q, 432, q + 436, 64),
                   VOUCH_E_SIGNATURE);
  q[368] ^= 0x01;
  q[436 + 40] ^= 0x01; /* s */
  assert_int_equal(vouch_ecdsa_verify_rs(ak, VOUCH_HASH_SHA256, q, 432, q + 436, 64),
                   VOUCH_E_SIGNATURE);
  vouch_pubkey_free(ak);
  free(q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ecdsa_p256_raw),
      cmocka_unit_test(test_ecdsa_wrong_key_and_zero),
      cmocka_unit_test(test_ecdsa_p384),
      cmocka_unit_test(test_off_curve_rejected),
      cmocka_unit_test(test_ecdsa_der_sig),
      cmocka_unit_test(test_rsa_pkcs1_and_pss),
      cmocka_unit_test(test_ed25519),
      cmocka_unit_test(test_spki_and_pem_round_trip),
      cmocka_unit_test(test_spki_fast_path_matches_openssl),
      cmocka_unit_test(test_p256_xy_spki),
      cmocka_unit_test(test_quote_attestation_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
