/* tools/gen/common.c - helpers shared by the generator: derivation of
 * deterministic values, validity windows, P-256 keys and raw signatures. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <string.h>

#include "tools/gen/internal.h"

void gen_window(int64_t now, int64_t span, vouch_gen_validity v, int64_t *out_start,
                int64_t *out_end) {
  switch (v) {
    case VOUCH_GEN_EXPIRED:
      *out_end = now - GEN_DAY;
      *out_start = *out_end - span;
      return;
    case VOUCH_GEN_NOT_YET_VALID:
      *out_start = now + GEN_DAY;
      *out_end = *out_start + span;
      return;
    case VOUCH_GEN_VALID:
    default:
      *out_start = now - span / 2;
      *out_end = *out_start + span;
      return;
  }
}

static void put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void gen_derive(uint64_t seed, const char *label, uint64_t index, uint8_t *out, size_t len) {
  uint8_t block[32];
  uint8_t suffix[24];
  put_le64(suffix, seed);
  put_le64(suffix + 8, index);
  for (uint64_t counter = 0; len > 0; counter++) {
    put_le64(suffix + 16, counter);
    unsigned int n = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    /* A digest failure here means OpenSSL is unusable; fall back to a
     * fixed pattern rather than leave |out| uninitialized. */
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, label, strlen(label)) != 1 ||
        EVP_DigestUpdate(md, suffix, sizeof(suffix)) != 1 ||
        EVP_DigestFinal_ex(md, block, &n) != 1) {
      memset(block, 0xA5, sizeof(block));
      ERR_clear_error();
    }
    EVP_MD_CTX_free(md);
    size_t take = len < sizeof(block) ? len : sizeof(block);
    memcpy(out, block, take);
    out += take;
    len -= take;
  }
}

vouch_status gen_keygen(EVP_PKEY **out) {
  *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  if (*out == NULL) {
    ERR_clear_error();
    return VOUCH_E_CRYPTO;
  }
  return VOUCH_OK;
}

vouch_status gen_pub_raw(const EVP_PKEY *key, uint8_t out[64]) {
  uint8_t pt[65];
  size_t n = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) != 1 ||
      n != 65 || pt[0] != 0x04) {
    ERR_clear_error();
    return VOUCH_E_CRYPTO;
  }
  memcpy(out, pt + 1, 64);
  return VOUCH_OK;
}

vouch_status gen_sign_raw(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t out[64]) {
  vouch_status s = VOUCH_E_CRYPTO;
  uint8_t der[80];
  size_t der_len = sizeof(der);
  ECDSA_SIG *sig = NULL;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (md == NULL) goto done;
  if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) != 1) goto done;
  if (EVP_DigestSign(md, der, &der_len, msg, len) != 1) goto done;
  const uint8_t *p = der;
  sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  if (sig == NULL) goto done;
  const BIGNUM *r = NULL, *sv = NULL;
  ECDSA_SIG_get0(sig, &r, &sv);
  if (BN_bn2binpad(r, out, 32) != 32 || BN_bn2binpad(sv, out + 32, 32) != 32) goto done;
  s = VOUCH_OK;
done:
  if (s != VOUCH_OK) ERR_clear_error();
  ECDSA_SIG_free(sig);
  EVP_MD_CTX_free(md);
  return s;
}

void gen_hex_upper(const uint8_t *data, size_t len, char *out) {
  static const char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  out[2 * len] = '\0';
}

vouch_status gen_ossl_fail(vouch_err *err, const char *what) {
  unsigned long e = ERR_peek_last_error();
  char reason[128] = "";
  if (e != 0) ERR_error_string_n(e, reason, sizeof(reason));
  ERR_clear_error();
  return vouch_fail(err, VOUCH_E_CRYPTO, "gen: %s failed%s%s", what, e ? ": " : "", reason);
}
