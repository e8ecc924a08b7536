/* crypto/pubkey.c - public-key import and signature verification.
 *
 * Every verify path ends in one OpenSSL call whose result is compared with
 * exactly 1: OpenSSL's verify functions return 0 for a bad signature but a
 * negative value for other failures, and treating "not 0" as success is the
 * classic bug this rules out. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/internal.h"

/* The largest raw r||s we accept: P-521, 2 x 66 bytes. */
#define MAX_RS_LEN 132
/* DER of an ECDSA-Sig-Value with 66-byte halves is at most 3 + 2 * 70. */
#define MAX_ECDSA_DER_LEN 160

vouch_status vouch_pubkey_wrap(EVP_PKEY *pkey, struct vouch_pubkey **out) {
  struct vouch_pubkey *k = malloc(sizeof(*k));
  VOUCH_ENSURE(k != NULL, VOUCH_E_NOMEM);
  k->pkey = pkey;
  atomic_init(&k->refs, 1);
  *out = k;
  return VOUCH_OK;
}

void vouch_pubkey_free(struct vouch_pubkey *k) {
  if (k == NULL) return;
  if (atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1) return;
  EVP_PKEY_free(k->pkey);
  free(k);
}

void vouch_pubkey_up_ref(struct vouch_pubkey *k) {
  if (k != NULL) atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
}

void *vouch_pubkey_evp(const struct vouch_pubkey *k) {
  return k ? k->pkey : NULL;
}

/* wrap_or_free hands |pkey| to a new wrapper, freeing it if that fails. */
static vouch_status wrap_or_free(EVP_PKEY *pkey, struct vouch_pubkey **out) {
  vouch_status s = vouch_pubkey_wrap(pkey, out);
  if (s != VOUCH_OK) EVP_PKEY_free(pkey);
  return s;
}

/* P-256 import.  The obvious EVP_PKEY_fromdata(group name + point) costs
 * ~38 us per call on OpenSSL 3.0 (it rebuilds the EC_GROUP every time),
 * more than half an ECDSA verify, and it runs per quote.  Instead the group
 * is built once into a parameters-only template, and each import copies the
 * parameters and sets the point (~6 us).  The template is never modified
 * after the once-init, and copying parameters only reads it, so threads
 * share it. */
static EVP_PKEY *g_p256_params;
static pthread_once_t g_p256_once = PTHREAD_ONCE_INIT;

static void make_p256_params(void) {
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &g_p256_params, EVP_PKEY_KEY_PARAMETERS, params) != 1) {
    EVP_PKEY_free(g_p256_params);
    g_p256_params = NULL;
  }
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
}

/* p256_from_point builds an EC public key from an uncompressed point;
 * setting the point decodes it, which rejects coordinates off the curve. */
static EVP_PKEY *p256_from_point(const uint8_t xy[64]) {
  pthread_once(&g_p256_once, make_p256_params);
  if (g_p256_params == NULL) return NULL;
  uint8_t point[65];
  point[0] = POINT_CONVERSION_UNCOMPRESSED;
  memcpy(point + 1, xy, 64);
  EVP_PKEY *pkey = EVP_PKEY_new();
  if (pkey == NULL || EVP_PKEY_copy_parameters(pkey, g_p256_params) != 1 ||
      EVP_PKEY_set1_encoded_public_key(pkey, point, sizeof(point)) != 1) {
    EVP_PKEY_free(pkey);
    return NULL;
  }
  return pkey;
}

/* point_is_valid runs OpenSSL's quick public check (on the curve, not the
 * point at infinity, coordinates in range).  Decoding the point already
 * rejects off-curve points in 3.0, but that is not documented, so do not
 * rely on it.  The full check adds an order multiplication that P-256
 * (cofactor 1) does not need. */
static bool point_is_valid(EVP_PKEY *pkey) {
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  bool ok = ctx != NULL && EVP_PKEY_public_check_quick(ctx) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

vouch_status vouch_pubkey_from_p256_xy(const uint8_t xy[64], struct vouch_pubkey **out) {
  VOUCH_ENSURE_REF(xy);
  VOUCH_ENSURE_REF(out);
  EVP_PKEY *pkey = p256_from_point(xy);
  if (pkey == NULL) return vouch_crypto_fail(VOUCH_E_MALFORMED);
  if (!point_is_valid(pkey)) {
    EVP_PKEY_free(pkey);
    return vouch_crypto_fail(VOUCH_E_MALFORMED);
  }
  return wrap_or_free(pkey, out);
}

bool vouch_pubkey_equal(const struct vouch_pubkey *a, const struct vouch_pubkey *b) {
  if (a == NULL || b == NULL) return false;
  bool eq = EVP_PKEY_eq(vouch_pubkey_evp(a), vouch_pubkey_evp(b)) == 1;
  vouch_crypto_clear_errors(); /* a type mismatch leaves an error behind */
  return eq;
}

vouch_status vouch_pubkey_from_spki_der(const uint8_t *der, size_t len, struct vouch_pubkey **out) {
  VOUCH_ENSURE_REF(der);
  VOUCH_ENSURE_REF(out);
  VOUCH_ENSURE(len > 0 && len <= VOUCH_LIMIT_CERT_DATA, VOUCH_E_LIMIT);
  const unsigned char *p = der;
  EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);
  if (pkey == NULL) return vouch_crypto_fail(VOUCH_E_ASN1);
  if (p != der + len) {
    EVP_PKEY_free(pkey);
    return vouch_crypto_fail(VOUCH_E_TRAILING);
  }
  return wrap_or_free(pkey, out);
}

vouch_status vouch_pubkey_from_pem(const char *pem, size_t len, struct vouch_pubkey **out) {
  VOUCH_ENSURE_REF(pem);
  VOUCH_ENSURE_REF(out);
  size_t pos = 0, body_len = 0;
  const char *body = NULL;
  bool found = false;
  VOUCH_GUARD(vouch_pem_next(pem, len, "PUBLIC KEY", &pos, &body, &body_len, &found));
  VOUCH_ENSURE(found, VOUCH_E_PEM);
  uint8_t *der = NULL;
  size_t der_len = 0;
  VOUCH_GUARD(vouch_pem_decode_body(body, body_len, &der, &der_len));
  vouch_status s = vouch_pubkey_from_spki_der(der, der_len, out);
  free(der);
  return s;
}

vouch_status vouch_pubkey_spki_der(const struct vouch_pubkey *k, uint8_t **out, size_t *out_len) {
  VOUCH_ENSURE(k != NULL && out != NULL && out_len != NULL, VOUCH_E_ARG);
  /* Encode into our own malloc'd buffer: callers free() it, and OpenSSL's
   * allocator may be replaced. */
  int n = i2d_PUBKEY(k->pkey, NULL);
  if (n <= 0) return vouch_crypto_fail(VOUCH_E_CRYPTO);
  uint8_t *der = malloc((size_t)n);
  VOUCH_ENSURE(der != NULL, VOUCH_E_NOMEM);
  unsigned char *p = der;
  if (i2d_PUBKEY(k->pkey, &p) != n) {
    free(der);
    return vouch_crypto_fail(VOUCH_E_CRYPTO);
  }
  *out = der;
  *out_len = (size_t)n;
  return VOUCH_OK;
}

/* ---- ECDSA with raw r||s ------------------------------------------------ */

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* rs_to_der writes the DER ECDSA-Sig-Value for |rs| into |der| (room for
 * MAX_ECDSA_DER_LEN bytes). */
static vouch_status rs_to_der(const uint8_t *rs, size_t rs_len, uint8_t *der, size_t *der_len) {
  VOUCH_ENSURE(rs_len > 0 && rs_len % 2 == 0 && rs_len <= MAX_RS_LEN, VOUCH_E_MALFORMED);
  size_t half = rs_len / 2;
  /* Zero is never a valid r or s; reject before OpenSSL sees it. */
  VOUCH_ENSURE(!all_zero(rs, half) && !all_zero(rs + half, half), VOUCH_E_SIGNATURE);
  vouch_status s = VOUCH_E_CRYPTO;
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(rs, (int)half, NULL);
  BIGNUM *sv = BN_bin2bn(rs + half, (int)half, NULL);
  if (sig == NULL || r == NULL || sv == NULL || ECDSA_SIG_set0(sig, r, sv) != 1) {
    BN_free(r);
    BN_free(sv);
    goto done;
  }
  /* |sig| owns r and s now. */
  int n = i2d_ECDSA_SIG(sig, NULL);
  if (n <= 0 || n > MAX_ECDSA_DER_LEN) goto done;
  unsigned char *p = der;
  if (i2d_ECDSA_SIG(sig, &p) != n) goto done;
  *der_len = (size_t)n;
  s = VOUCH_OK;
done:
  ECDSA_SIG_free(sig);
  return s == VOUCH_OK ? s : vouch_crypto_fail(s);
}

vouch_status vouch_ecdsa_rs_to_der(const uint8_t *rs, size_t rs_len, uint8_t **out,
                                   size_t *out_len) {
  VOUCH_ENSURE(rs != NULL && out != NULL && out_len != NULL, VOUCH_E_ARG);
  uint8_t der[MAX_ECDSA_DER_LEN];
  size_t n = 0;
  VOUCH_GUARD(rs_to_der(rs, rs_len, der, &n));
  uint8_t *copy = malloc(n);
  VOUCH_ENSURE(copy != NULL, VOUCH_E_NOMEM);
  memcpy(copy, der, n);
  *out = copy;
  *out_len = n;
  return VOUCH_OK;
}

/* ec_rs_len is the raw r||s length for |pkey|'s curve, 0 if not EC. */
static size_t ec_rs_len(EVP_PKEY *pkey) {
  if (EVP_PKEY_is_a(pkey, "EC") != 1) return 0;
  int bits = EVP_PKEY_get_bits(pkey);
  return bits > 0 ? 2 * (((size_t)bits + 7) / 8) : 0;
}

vouch_status vouch_ecdsa_verify_rs_digest(const struct vouch_pubkey *k, const uint8_t *digest,
                                          size_t digest_len, const uint8_t *rs, size_t rs_len) {
  VOUCH_ENSURE(k != NULL && digest != NULL && rs != NULL && digest_len > 0, VOUCH_E_ARG);
  size_t want = ec_rs_len(k->pkey);
  if (want == 0) return vouch_crypto_fail(VOUCH_E_SIGNATURE); /* not an EC key */
  VOUCH_ENSURE(rs_len == want, VOUCH_E_MALFORMED);
  uint8_t der[MAX_ECDSA_DER_LEN];
  size_t der_len = 0;
  VOUCH_GUARD(rs_to_der(rs, rs_len, der, &der_len));

  vouch_status s = VOUCH_E_CRYPTO;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
  if (ctx == NULL || EVP_PKEY_verify_init(ctx) != 1) goto done;
  s = EVP_PKEY_verify(ctx, der, der_len, digest, digest_len) == 1 ? VOUCH_OK : VOUCH_E_SIGNATURE;
done:
  EVP_PKEY_CTX_free(ctx);
  return s == VOUCH_OK ? s : vouch_crypto_fail(s);
}

vouch_status vouch_ecdsa_verify_rs(const struct vouch_pubkey *k, vouch_hash h, const uint8_t *msg,
                                   size_t msg_len, const uint8_t *rs, size_t rs_len) {
  VOUCH_ENSURE(msg != NULL || msg_len == 0, VOUCH_E_ARG);
  uint8_t digest[VOUCH_MAX_DIGEST_LEN];
  size_t digest_len = 0;
  VOUCH_GUARD(vouch_digest(h, msg, msg_len, digest, &digest_len));
  return vouch_ecdsa_verify_rs_digest(k, digest, digest_len, rs, rs_len);
}

/* ---- signatures in native encodings ------------------------------------ */

/* key_fits_alg keeps, e.g., an RSA key from verifying an "ECDSA" signature
 * (PKCS#1 on an EC key would fail anyway; this makes it fail for a stated
 * reason). */
static bool key_fits_alg(EVP_PKEY *pkey, vouch_sig_alg alg) {
  switch (alg) {
    case VOUCH_SIG_ECDSA:
      return EVP_PKEY_is_a(pkey, "EC") == 1;
    case VOUCH_SIG_RSA_PKCS1:
      return EVP_PKEY_is_a(pkey, "RSA") == 1;
    case VOUCH_SIG_RSA_PSS:
      return EVP_PKEY_is_a(pkey, "RSA") == 1 || EVP_PKEY_is_a(pkey, "RSA-PSS") == 1;
    case VOUCH_SIG_EDDSA:
      return EVP_PKEY_is_a(pkey, "ED25519") == 1 || EVP_PKEY_is_a(pkey, "ED448") == 1;
  }
  return false;
}

/* set_rsa_padding configures |pctx| (from EVP_DigestVerifyInit) for |alg|. */
static bool set_rsa_padding(EVP_PKEY_CTX *pctx, vouch_sig_alg alg, const EVP_MD *md,
                            int pss_salt_len) {
  if (alg == VOUCH_SIG_RSA_PKCS1) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  if (alg != VOUCH_SIG_RSA_PSS) return true;
  int salt = pss_salt_len == -1 ? RSA_PSS_SALTLEN_DIGEST : pss_salt_len;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;
}

vouch_status vouch_verify_sig(const struct vouch_pubkey *k, vouch_sig_alg alg, vouch_hash h,
                              int pss_salt_len, const uint8_t *msg, size_t msg_len,
                              const uint8_t *sig, size_t sig_len) {
  VOUCH_ENSURE(k != NULL && sig != NULL && (msg != NULL || msg_len == 0), VOUCH_E_ARG);
  VOUCH_ENSURE(alg != VOUCH_SIG_RSA_PSS || pss_salt_len >= -1, VOUCH_E_ARG);
  if (!key_fits_alg(k->pkey, alg)) return vouch_crypto_fail(VOUCH_E_SIGNATURE);
  VOUCH_ENSURE(sig_len > 0, VOUCH_E_SIGNATURE);
  /* EdDSA hashes internally (PureEdDSA): no digest to choose. */
  const EVP_MD *md = NULL;
  if (alg != VOUCH_SIG_EDDSA) {
    md = vouch_crypto_md(h);
    VOUCH_ENSURE(md != NULL, VOUCH_E_UNSUPPORTED);
  }
  vouch_status s = VOUCH_E_CRYPTO;
  EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
  EVP_MD_CTX *mctx = EVP_MD_CTX_new();
  if (mctx == NULL || EVP_DigestVerifyInit(mctx, &pctx, md, NULL, k->pkey) != 1 ||
      !set_rsa_padding(pctx, alg, md, pss_salt_len)) {
    goto done;
  }
  static const uint8_t kEmpty[1];
  s = EVP_DigestVerify(mctx, sig, sig_len, msg_len ? msg : kEmpty, msg_len) == 1
          ? VOUCH_OK
          : VOUCH_E_SIGNATURE;
done:
  EVP_MD_CTX_free(mctx);
  return s == VOUCH_OK ? s : vouch_crypto_fail(s);
}

vouch_status vouch_pubkey_p256_xy(const struct vouch_pubkey *k, uint8_t out[64]) {
  VOUCH_ENSURE(k != NULL, VOUCH_E_ARG);
  EVP_PKEY *pkey = vouch_pubkey_evp(k);
  char group[32];
  size_t group_len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &group_len) != 1 ||
      strcmp(group, "prime256v1") != 0) {
    ERR_clear_error();
    return VOUCH_E_UNSUPPORTED;
  }
  uint8_t pt[65];
  size_t pt_len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &pt_len) !=
          1 ||
      pt_len != 65 || pt[0] != 0x04) {
    ERR_clear_error();
    return VOUCH_E_UNSUPPORTED;
  }
  memcpy(out, pt + 1, 64);
  return VOUCH_OK;
}
