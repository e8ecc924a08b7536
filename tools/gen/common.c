/* tools/gen/common.c - helpers shared by the generator: derivation of
 * deterministic values, validity windows, P-256 keys and raw signatures. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <pthread.h>
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

/* The SHA-256 implementation, fetched once: an implicit fetch on every
 * digest (EVP_sha256() in a call) costs locks and a table walk. */
static EVP_MD *g_sha256;
static pthread_once_t g_sha256_once = PTHREAD_ONCE_INIT;
static void fetch_sha256(void) {
  g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* der_int_raw copies a DER INTEGER's magnitude into 32 big-endian bytes. */
static bool der_int_raw(const uint8_t **p, const uint8_t *end, uint8_t out[32]) {
  if (end - *p < 2 || (*p)[0] != 0x02) return false;
  size_t len = (*p)[1];
  const uint8_t *v = *p + 2;
  if (len == 0 || len > 33 || (size_t)(end - v) < len) return false;
  *p = v + len;
  while (len > 0 && *v == 0) { /* sign padding and leading zeros */
    v++;
    len--;
  }
  if (len > 32) return false;
  memset(out, 0, 32 - len);
  memcpy(out + 32 - len, v, len);
  return true;
}

vouch_status gen_sign_ctx_raw(EVP_PKEY_CTX *ctx, const uint8_t *msg, size_t len, uint8_t out[64]) {
  pthread_once(&g_sha256_once, fetch_sha256);
  uint8_t digest[32], der[80];
  unsigned int digest_len = 0;
  size_t der_len = sizeof(der);
  if (g_sha256 == NULL || EVP_Digest(msg, len, digest, &digest_len, g_sha256, NULL) != 1 ||
      digest_len != 32 || EVP_PKEY_sign(ctx, der, &der_len, digest, 32) != 1) {
    ERR_clear_error();
    return VOUCH_E_CRYPTO;
  }
  /* SEQUENCE { INTEGER r, INTEGER s }, short form (at most 72 bytes). */
  const uint8_t *p = der, *end = der + der_len;
  if (der_len < 8 || der[0] != 0x30 || der[1] != der_len - 2) return VOUCH_E_CRYPTO;
  p += 2;
  if (!der_int_raw(&p, end, out) || !der_int_raw(&p, end, out + 32) || p != end)
    return VOUCH_E_CRYPTO;
  return VOUCH_OK;
}

vouch_status gen_sign_ctx_new(EVP_PKEY *key, EVP_PKEY_CTX **out) {
  *out = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
  if (*out == NULL || EVP_PKEY_sign_init(*out) != 1) {
    EVP_PKEY_CTX_free(*out);
    *out = NULL;
    ERR_clear_error();
    return VOUCH_E_CRYPTO;
  }
  return VOUCH_OK;
}

vouch_status gen_sign_raw(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t out[64]) {
  EVP_PKEY_CTX *ctx = NULL;
  VOUCH_GUARD(gen_sign_ctx_new(key, &ctx));
  vouch_status s = gen_sign_ctx_raw(ctx, msg, len, out);
  EVP_PKEY_CTX_free(ctx);
  return s;
}


vouch_status gen_ossl_fail(vouch_err *err, const char *what) {
  unsigned long e = ERR_peek_last_error();
  char reason[128] = "";
  if (e != 0) ERR_error_string_n(e, reason, sizeof(reason));
  ERR_clear_error();
  return vouch_fail(err, VOUCH_E_CRYPTO, "gen: %s failed%s%s", what, e ? ": " : "", reason);
}
