/* crypto/pubkey.c - public-key import and signature verification.
 *
 * Every verify path ends in one OpenSSL call whose result is compared with
 * exactly 1: OpenSSL's verify functions return 0 for a bad signature but a
 * negative value for other failures, and treating "not 0" as success is the
 * classic bug this rules out. */
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
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
  k->spki = NULL;
  k->spki_len = 0;
  *out = k;
  return VOUCH_OK;
}

void vouch_pubkey_free(struct vouch_pubkey *k) {
  if (k == NULL) return;
  if (atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1) return;
  EVP_PKEY_free(k->pkey);
  free(k->spki);
  free(k);
}

void vouch_pubkey_up_ref(struct vouch_pubkey *k) {
  if (k != NULL) atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
}

void *vouch_pubkey_evp(const struct vouch_pubkey *k) {
  return k ? k->pkey : NULL;
}

/* wrap_or_free hands |pkey| to a new wrapper, freeing it if that fails.
 * |spki| (may be NULL) is the key's DER SubjectPublicKeyInfo, kept so that
 * vouch_pubkey_spki_der need not encode it again. */
static vouch_status wrap_or_free(EVP_PKEY *pkey, const uint8_t *spki, size_t spki_len,
                                 struct vouch_pubkey **out) {
  uint8_t *copy = NULL;
  if (spki != NULL) {
    copy = malloc(spki_len);
    if (copy == NULL) {
      EVP_PKEY_free(pkey);
      return VOUCH_E_NOMEM;
    }
    memcpy(copy, spki, spki_len);
  }
  vouch_status s = vouch_pubkey_wrap(pkey, out);
  if (s != VOUCH_OK) {
    EVP_PKEY_free(pkey);
    free(copy);
    return s;
  }
  (*out)->spki = copy;
  (*out)->spki_len = spki_len;
  return VOUCH_OK;
}

/* ---- Keys from their numbers ----------------------------------------------------
 *
 * OpenSSL 3.0 routes d2i_PUBKEY and i2d_PUBKEY through its provider
 * decoder/encoder framework: ~200 us to import and ~120 us to encode one
 * key on this project's machine (most of it in name lookups under a global
 * read-write lock, so threads also contend), three times an ECDSA P-256
 * verify.  TPM quotes carry their AK (and EK) as key material, so that was
 * most of a TPM item's cost.  Building the key from its numbers is ~5 us.
 *
 * EC: EVP_PKEY_fromdata with a group name rebuilds the EC_GROUP on every
 * call (~38 us).  Instead each curve's group is built once into a
 * parameters-only template, and each import copies the parameters and sets
 * the point.  The templates are never modified after their once-init, and
 * copying parameters only reads them, so threads share them. */
static EVP_PKEY *g_ec_params[2]; /* P-256, P-384 */
static pthread_once_t g_ec_once = PTHREAD_ONCE_INIT;

static void make_ec_params(void) {
  static const char *const kGroups[2] = {"prime256v1", "secp384r1"};
  for (int i = 0; i < 2; i++) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)kGroups[i], 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &g_ec_params[i], EVP_PKEY_KEY_PARAMETERS, params) != 1) {
      EVP_PKEY_free(g_ec_params[i]);
      g_ec_params[i] = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
  }
  ERR_clear_error();
}

/* point_is_valid runs OpenSSL's quick public check (on the curve, not the
 * point at infinity, coordinates in range).  Decoding the point already
 * rejects off-curve points in 3.0, but that is not documented, so do not
 * rely on it.  The full check adds an order multiplication that P-256 and
 * P-384 (cofactor 1) do not need. */
static bool point_is_valid(EVP_PKEY *pkey) {
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  bool ok = ctx != NULL && EVP_PKEY_public_check_quick(ctx) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

EVP_PKEY *vouch_evp_ec_public(int bits, const uint8_t *point, size_t len) {
  if (bits != 256 && bits != 384) return NULL;
  pthread_once(&g_ec_once, make_ec_params);
  EVP_PKEY *params = g_ec_params[bits == 256 ? 0 : 1];
  if (params == NULL) return NULL;
  EVP_PKEY *pkey = EVP_PKEY_new();
  if (pkey == NULL || EVP_PKEY_copy_parameters(pkey, params) != 1 ||
      EVP_PKEY_set1_encoded_public_key(pkey, point, len) != 1 || !point_is_valid(pkey)) {
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return NULL;
  }
  return pkey;
}

EVP_PKEY *vouch_evp_rsa_public(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len) {
  if (n_len == 0 || e_len == 0 || n_len > INT_MAX || e_len > INT_MAX) return NULL;
  EVP_PKEY *pkey = NULL;
  BIGNUM *bn = BN_bin2bn(n, (int)n_len, NULL), *be = BN_bin2bn(e, (int)e_len, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  if (bn == NULL || be == NULL || bld == NULL ||
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1 ||
      (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
      (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
      EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    EVP_PKEY_free(pkey);
    pkey = NULL;
    ERR_clear_error();
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn);
  BN_free(be);
  return pkey;
}

/* The DER SubjectPublicKeyInfo of a P-256 key up to the point's 64 bytes:
 * SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING 04||x||y }. */
static const uint8_t kP256SpkiPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                          0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                          0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};

vouch_status vouch_pubkey_from_p256_xy(const uint8_t xy[64], struct vouch_pubkey **out) {
  VOUCH_ENSURE_REF(xy);
  VOUCH_ENSURE_REF(out);
  uint8_t spki[sizeof(kP256SpkiPrefix) + 64];
  memcpy(spki, kP256SpkiPrefix, sizeof(kP256SpkiPrefix));
  memcpy(spki + sizeof(kP256SpkiPrefix), xy, 64);
  EVP_PKEY *pkey = vouch_evp_ec_public(256, spki + sizeof(kP256SpkiPrefix) - 1, 65);
  if (pkey == NULL) return vouch_crypto_fail(VOUCH_E_MALFORMED);
  return wrap_or_free(pkey, spki, sizeof(spki), out);
}

bool vouch_pubkey_equal(const struct vouch_pubkey *a, const struct vouch_pubkey *b) {
  if (a == NULL || b == NULL) return false;
  bool eq = EVP_PKEY_eq(vouch_pubkey_evp(a), vouch_pubkey_evp(b)) == 1;
  vouch_crypto_clear_errors(); /* a type mismatch leaves an error behind */
  return eq;
}

/* ---- SubjectPublicKeyInfo -------------------------------------------------------- */

static const uint8_t kOidRsaEncryption[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t kOidEcPublicKey[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t kOidP256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t kOidP384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};

static bool cur_is(const vouch_cur *c, const uint8_t *want, size_t n) {
  return c->len == n && memcmp(c->data, want, n) == 0;
}

/* positive_int reads a DER INTEGER that is positive and minimally encoded,
 * giving its magnitude without the sign byte. */
static bool positive_int(vouch_cur *c, vouch_cur *mag) {
  if (vouch_der_expect(c, VOUCH_DER_INTEGER, mag) != VOUCH_OK || mag->len == 0) return false;
  uint8_t first = mag->data[0];
  if (first & 0x80) return false; /* negative */
  if (first == 0) {
    if (mag->len == 1 || !(mag->data[1] & 0x80)) return false; /* zero, or not minimal */
    if (vouch_cur_skip(mag, 1) != VOUCH_OK) return false;
  }
  return true;
}

/* spki_fast builds the key of the common, canonical SubjectPublicKeyInfo
 * forms directly: rsaEncryption with NULL parameters and a clean
 * RSAPublicKey, id-ecPublicKey on named P-256 or P-384.  NULL means "not
 * one of those, or OpenSSL refused the numbers": the caller then hands the
 * bytes to d2i_PUBKEY, so what is accepted, and how a refusal reads, stays
 * OpenSSL's. */
static EVP_PKEY *spki_fast(const uint8_t *der, size_t len) {
  vouch_cur c = vouch_cur_make(der, len), spki, alg, oid, bits, param;
  if (vouch_der_expect(&c, VOUCH_DER_SEQUENCE, &spki) != VOUCH_OK ||
      vouch_cur_expect_empty(&c) != VOUCH_OK ||
      vouch_der_expect(&spki, VOUCH_DER_SEQUENCE, &alg) != VOUCH_OK ||
      vouch_der_expect(&spki, VOUCH_DER_BIT_STRING, &bits) != VOUCH_OK ||
      vouch_cur_expect_empty(&spki) != VOUCH_OK ||
      vouch_der_expect(&alg, VOUCH_DER_OID, &oid) != VOUCH_OK) {
    return NULL;
  }
  uint8_t param_tag = 0;
  if (vouch_der_next(&alg, &param_tag, &param) != VOUCH_OK ||
      vouch_cur_expect_empty(&alg) != VOUCH_OK) {
    return NULL;
  }
  uint8_t unused = 1;
  if (vouch_cur_u8(&bits, &unused) != VOUCH_OK || unused != 0) return NULL;
  if (cur_is(&oid, kOidRsaEncryption, sizeof(kOidRsaEncryption))) {
    vouch_cur rsa, n, e;
    if (param_tag != VOUCH_DER_NULL || param.len != 0 ||
        vouch_der_expect(&bits, VOUCH_DER_SEQUENCE, &rsa) != VOUCH_OK ||
        vouch_cur_expect_empty(&bits) != VOUCH_OK || !positive_int(&rsa, &n) ||
        !positive_int(&rsa, &e) || vouch_cur_expect_empty(&rsa) != VOUCH_OK) {
      return NULL;
    }
    return vouch_evp_rsa_public(n.data, n.len, e.data, e.len);
  }
  if (cur_is(&oid, kOidEcPublicKey, sizeof(kOidEcPublicKey)) && param_tag == VOUCH_DER_OID) {
    /* Uncompressed points only: other encodings are rare and go to OpenSSL. */
    if (bits.len == 0 || bits.data[0] != POINT_CONVERSION_UNCOMPRESSED) return NULL;
    if (cur_is(&param, kOidP256, sizeof(kOidP256)) && bits.len == 65) {
      return vouch_evp_ec_public(256, bits.data, bits.len);
    }
    if (cur_is(&param, kOidP384, sizeof(kOidP384)) && bits.len == 97) {
      return vouch_evp_ec_public(384, bits.data, bits.len);
    }
  }
  return NULL;
}

vouch_status vouch_pubkey_from_spki_der(const uint8_t *der, size_t len, struct vouch_pubkey **out) {
  VOUCH_ENSURE_REF(der);
  VOUCH_ENSURE_REF(out);
  VOUCH_ENSURE(len > 0 && len <= VOUCH_LIMIT_CERT_DATA, VOUCH_E_LIMIT);
  EVP_PKEY *pkey = spki_fast(der, len);
  /* The fast path reads canonical DER only, which is exactly what
   * i2d_PUBKEY would write back: keep it.  OpenSSL's decoder may accept
   * other encodings; those keys are encoded afresh when asked. */
  if (pkey != NULL) return wrap_or_free(pkey, der, len, out);
  const unsigned char *p = der;
  pkey = d2i_PUBKEY(NULL, &p, (long)len);
  if (pkey == NULL) return vouch_crypto_fail(VOUCH_E_ASN1);
  if (p != der + len) {
    EVP_PKEY_free(pkey);
    return vouch_crypto_fail(VOUCH_E_TRAILING);
  }
  return wrap_or_free(pkey, NULL, 0, out);
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
  if (k->spki != NULL) { /* kept at import: no encoder round trip */
    uint8_t *copy = malloc(k->spki_len);
    VOUCH_ENSURE(copy != NULL, VOUCH_E_NOMEM);
    memcpy(copy, k->spki, k->spki_len);
    *out = copy;
    *out_len = k->spki_len;
    return VOUCH_OK;
  }
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
