/* crypto/hash.c - digests through OpenSSL's EVP layer.
 *
 * The EVP_MDs are fetched once per process and kept: the legacy
 * EVP_sha256() objects would do an implicit fetch (a locked method-store
 * lookup) on every EVP_DigestInit, and hashing runs several times per
 * quote. */
#include <openssl/err.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto/internal.h"

static const char *const kMdNames[] = {
    [VOUCH_HASH_SHA1] = "SHA1",
    [VOUCH_HASH_SHA256] = "SHA256",
    [VOUCH_HASH_SHA384] = "SHA384",
    [VOUCH_HASH_SHA512] = "SHA512",
};
#define NUM_MDS (sizeof(kMdNames) / sizeof(kMdNames[0]))

static EVP_MD *g_mds[NUM_MDS]; /* written once under g_md_once, then read-only */
static pthread_once_t g_md_once = PTHREAD_ONCE_INIT;

static void fetch_mds(void) {
  for (size_t i = 0; i < NUM_MDS; i++) g_mds[i] = EVP_MD_fetch(NULL, kMdNames[i], NULL);
  ERR_clear_error();
}

const EVP_MD *vouch_crypto_md(vouch_hash h) {
  if ((unsigned)h >= NUM_MDS) return NULL;
  pthread_once(&g_md_once, fetch_mds);
  return g_mds[h];
}

vouch_status vouch_crypto_fail(vouch_status s) {
  ERR_clear_error();
  return s;
}

void vouch_crypto_clear_errors(void) {
  ERR_clear_error();
}

size_t vouch_hash_len(vouch_hash h) {
  switch (h) {
    case VOUCH_HASH_SHA1:
      return 20;
    case VOUCH_HASH_SHA256:
      return 32;
    case VOUCH_HASH_SHA384:
      return 48;
    case VOUCH_HASH_SHA512:
      return 64;
  }
  return 0;
}

vouch_status vouch_digest(vouch_hash h, const void *data, size_t len, uint8_t *out,
                          size_t *out_len) {
  VOUCH_ENSURE_REF(out);
  VOUCH_ENSURE(data != NULL || len == 0, VOUCH_E_ARG);
  const EVP_MD *md = vouch_crypto_md(h);
  VOUCH_ENSURE(md != NULL, VOUCH_E_UNSUPPORTED);
  unsigned int n = 0;
  /* EVP_Digest with a NULL pointer and zero length is fine, but be explicit. */
  static const uint8_t kEmpty[1];
  if (EVP_Digest(len ? data : kEmpty, len, out, &n, md, NULL) != 1) {
    return vouch_crypto_fail(VOUCH_E_CRYPTO);
  }
  if (out_len != NULL) *out_len = n;
  return VOUCH_OK;
}

/* The fixed-size helpers cannot report failure; a failing SHA-2 means the
 * library is unusable, and continuing with an unset digest could make two
 * different inputs compare equal, so stop. */
static void digest_or_die(vouch_hash h, const void *data, size_t len, uint8_t *out) {
  size_t n;
  if (vouch_digest(h, data, len, out, &n) != VOUCH_OK) abort();
}

vouch_status vouch_random_bytes(uint8_t *out, size_t len) {
  if (len > INT32_MAX || RAND_bytes(out, (int)len) != 1) return VOUCH_E_CRYPTO;
  return VOUCH_OK;
}

void vouch_sha256(const void *data, size_t len, uint8_t out[VOUCH_SHA256_LEN]) {
  digest_or_die(VOUCH_HASH_SHA256, data, len, out);
}

void vouch_sha384(const void *data, size_t len, uint8_t out[VOUCH_SHA384_LEN]) {
  digest_or_die(VOUCH_HASH_SHA384, data, len, out);
}
