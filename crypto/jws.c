/* crypto/jws.c - JOSE: signers, compact JWS signing, parsing and
 * verification, JWK import and export.
 *
 * Signing runs on the hot path of token issuance (tens of thousands of
 * ES256 tokens a second), so a signer does the expensive part of
 * EVP_DigestSignInit once: it keeps a template context, initialised with
 * its key, digest and padding, and each signature starts from a copy of
 * it.  Copying only reads the template (and takes references with atomic
 * counts), so threads share one signer without a lock; the template itself
 * is never used to sign.
 *
 * Parsing follows the rest of vouch: strict base64url (one textual form
 * per token), jansson for the header document with duplicate members
 * refused (two "alg"s are a classic confusion), explicit limits before any
 * allocation, and messages that name the part and the offset. */
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/internal.h"

/* ---- algorithms ------------------------------------------------------------ */

static const char *const kAlgNames[VOUCH_JWS_ALG_COUNT] = {
    [VOUCH_JWS_NONE] = "none",   [VOUCH_JWS_RS256] = "RS256", [VOUCH_JWS_PS256] = "PS256",
    [VOUCH_JWS_ES256] = "ES256", [VOUCH_JWS_ES384] = "ES384", [VOUCH_JWS_EDDSA] = "EdDSA",
};

const char *vouch_jws_alg_name(vouch_jws_alg alg) {
  return (unsigned)alg < VOUCH_JWS_ALG_COUNT ? kAlgNames[alg] : "?";
}

vouch_status vouch_jws_alg_from_name(const char *name, size_t len, vouch_jws_alg *out) {
  VOUCH_ENSURE(name != NULL && out != NULL, VOUCH_E_ARG);
  for (int a = 0; a < VOUCH_JWS_ALG_COUNT; a++) {
    if (strlen(kAlgNames[a]) == len && memcmp(kAlgNames[a], name, len) == 0) {
      *out = (vouch_jws_alg)a;
      return VOUCH_OK;
    }
  }
  return VOUCH_E_UNSUPPORTED;
}

/* The smallest RSA modulus we sign or verify with (RFC 7518 §3.3). */
#define MIN_RSA_BITS 2048
#define MAX_RSA_BITS 16384

/* alg_hash is the digest of a signed alg (EdDSA: unused). */
static vouch_hash alg_hash(vouch_jws_alg alg) {
  return alg == VOUCH_JWS_ES384 ? VOUCH_HASH_SHA384 : VOUCH_HASH_SHA256;
}

/* alg_curve is the OpenSSL group name an ECDSA alg needs, else NULL. */
static const char *alg_curve(vouch_jws_alg alg) {
  return alg == VOUCH_JWS_ES256 ? "prime256v1" : alg == VOUCH_JWS_ES384 ? "secp384r1" : NULL;
}

/* ec_group copies |pkey|'s group name ("" when it has none). */
static void ec_group(EVP_PKEY *pkey, char *out, size_t cap) {
  size_t n = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, out, cap, &n) != 1) {
    ERR_clear_error();
    out[0] = '\0';
  }
}

/* key_desc names a key for messages: "RSA-2048", "EC secp384r1", "Ed25519". */
static void key_desc(EVP_PKEY *pkey, char *out, size_t cap) {
  if (EVP_PKEY_is_a(pkey, "RSA") == 1 || EVP_PKEY_is_a(pkey, "RSA-PSS") == 1) {
    snprintf(out, cap, "RSA-%d", EVP_PKEY_get_bits(pkey));
  } else if (EVP_PKEY_is_a(pkey, "EC") == 1) {
    char g[32];
    ec_group(pkey, g, sizeof(g));
    snprintf(out, cap, "EC %s", g[0] ? g : "(no curve)");
  } else if (EVP_PKEY_is_a(pkey, "ED25519") == 1) {
    snprintf(out, cap, "Ed25519");
  } else {
    const char *t = EVP_PKEY_get0_type_name(pkey);
    snprintf(out, cap, "%s", t ? t : "unknown key type");
  }
}

static bool pkey_fits(EVP_PKEY *pkey, vouch_jws_alg alg, char *why, size_t cap) {
  char d[48];
  bool ok = false;
  switch (alg) {
    case VOUCH_JWS_NONE:
      if (why) snprintf(why, cap, "alg none takes no key");
      return false;
    case VOUCH_JWS_RS256:
    case VOUCH_JWS_PS256:
      /* A PSS-restricted key ("RSA-PSS") cannot make PKCS#1 v1.5 blocks. */
      ok = EVP_PKEY_is_a(pkey, "RSA") == 1 ||
           (alg == VOUCH_JWS_PS256 && EVP_PKEY_is_a(pkey, "RSA-PSS") == 1);
      if (ok &&
          (EVP_PKEY_get_bits(pkey) < MIN_RSA_BITS || EVP_PKEY_get_bits(pkey) > MAX_RSA_BITS)) {
        key_desc(pkey, d, sizeof(d));
        if (why)
          snprintf(why, cap, "%s: %s needs %d to %d bits", d, kAlgNames[alg], MIN_RSA_BITS,
                   MAX_RSA_BITS);
        return false;
      }
      break;
    case VOUCH_JWS_ES256:
    case VOUCH_JWS_ES384:
      if (EVP_PKEY_is_a(pkey, "EC") == 1) {
        char g[32];
        ec_group(pkey, g, sizeof(g));
        ok = strcmp(g, alg_curve(alg)) == 0;
      }
      break;
    case VOUCH_JWS_EDDSA:
      ok = EVP_PKEY_is_a(pkey, "ED25519") == 1;
      break;
  }
  if (!ok && why) {
    key_desc(pkey, d, sizeof(d));
    static const char *const kWant[VOUCH_JWS_ALG_COUNT] = {[VOUCH_JWS_RS256] = "an RSA key",
                                                           [VOUCH_JWS_PS256] = "an RSA key",
                                                           [VOUCH_JWS_ES256] = "a P-256 key",
                                                           [VOUCH_JWS_ES384] = "a P-384 key",
                                                           [VOUCH_JWS_EDDSA] = "an Ed25519 key"};
    snprintf(why, cap, "%s is a %s key, it needs %s", kAlgNames[alg], d, kWant[alg]);
  }
  ERR_clear_error();
  return ok;
}

bool vouch_jws_key_fits(const struct vouch_pubkey *k, vouch_jws_alg alg, char *why, size_t cap) {
  if (k == NULL || (unsigned)alg >= VOUCH_JWS_ALG_COUNT) {
    if (why && cap) snprintf(why, cap, "no key or unknown alg");
    return false;
  }
  return pkey_fits(k->pkey, alg, why, cap);
}

/* ---- signers ---------------------------------------------------------------- */

struct vouch_signer {
  EVP_PKEY *pkey; /* owned; holds the private key */
  vouch_jws_alg alg;
  struct vouch_pubkey *pub; /* owned; public half only (re-imported from SPKI) */
  EVP_MD_CTX *tmpl;         /* owned; DigestSign-initialised, copied per signature */
  size_t rs_half;           /* ECDSA: bytes per r and s; 0 otherwise */
  atomic_int refs;
};

/* ECDSA DER signatures: P-384 is at most 3 + 2 * (2 + 49) bytes. */
#define MAX_ECDSA_DER 112

void vouch_signer_free(struct vouch_signer *s) {
  if (s == NULL) return;
  if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
  EVP_MD_CTX_free(s->tmpl);
  EVP_PKEY_free(s->pkey);
  vouch_pubkey_free(s->pub);
  free(s);
}

void vouch_signer_up_ref(struct vouch_signer *s) {
  if (s != NULL) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

vouch_jws_alg vouch_signer_alg(const struct vouch_signer *s) {
  return s ? s->alg : VOUCH_JWS_NONE;
}

struct vouch_pubkey *vouch_signer_pubkey(const struct vouch_signer *s) {
  return s ? s->pub : NULL;
}

/* make_template initialises |s|'s template context for its alg. */
static bool make_template(struct vouch_signer *s) {
  const EVP_MD *md = NULL;
  if (s->alg != VOUCH_JWS_EDDSA) {
    md = vouch_crypto_md(alg_hash(s->alg));
    if (md == NULL) return false;
  }
  EVP_PKEY_CTX *pctx = NULL; /* owned by the template */
  s->tmpl = EVP_MD_CTX_new();
  if (s->tmpl == NULL || EVP_DigestSignInit_ex(s->tmpl, &pctx, md ? EVP_MD_get0_name(md) : NULL,
                                               NULL, NULL, s->pkey, NULL) != 1) {
    return false;
  }
  if (s->alg == VOUCH_JWS_RS256) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  if (s->alg == VOUCH_JWS_PS256) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, VOUCH_SHA256_LEN) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;
  }
  return true;
}

/* signer_wrap builds a signer around |pkey| (taking ownership on success
 * only).  The key must already fit |alg|. */
static vouch_status signer_wrap(EVP_PKEY *pkey, vouch_jws_alg alg, struct vouch_signer **out) {
  struct vouch_signer *s = calloc(1, sizeof(*s));
  VOUCH_ENSURE(s != NULL, VOUCH_E_NOMEM);
  s->alg = alg;
  s->pkey = pkey;
  atomic_init(&s->refs, 1);
  if (alg == VOUCH_JWS_ES256 || alg == VOUCH_JWS_ES384) {
    s->rs_half = ((size_t)EVP_PKEY_get_bits(pkey) + 7) / 8;
  }
  /* The public half goes through SPKI DER, so the vouch_pubkey handed out
   * carries no private component. */
  vouch_status st = VOUCH_E_CRYPTO;
  unsigned char *der = NULL;
  int n = i2d_PUBKEY(pkey, &der);
  if (n > 0) st = vouch_pubkey_from_spki_der(der, (size_t)n, &s->pub);
  OPENSSL_free(der);
  if (st == VOUCH_OK && !make_template(s)) st = VOUCH_E_CRYPTO;
  if (st != VOUCH_OK) {
    s->pkey = NULL; /* the caller keeps it */
    vouch_signer_free(s);
    return vouch_crypto_fail(st);
  }
  *out = s;
  return VOUCH_OK;
}

vouch_status vouch_signer_generate(vouch_jws_alg alg, struct vouch_signer **out) {
  VOUCH_ENSURE(out != NULL, VOUCH_E_ARG);
  EVP_PKEY *pkey = NULL;
  switch (alg) {
    case VOUCH_JWS_RS256:
    case VOUCH_JWS_PS256:
      pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
      break;
    case VOUCH_JWS_ES256:
      pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
      break;
    case VOUCH_JWS_ES384:
      pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
      break;
    case VOUCH_JWS_EDDSA:
      pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
      break;
    default:
      return VOUCH_E_ARG;
  }
  if (pkey == NULL) return vouch_crypto_fail(VOUCH_E_CRYPTO);
  vouch_status s = signer_wrap(pkey, alg, out);
  if (s != VOUCH_OK) EVP_PKEY_free(pkey);
  return s;
}

/* int_to_fixed writes the DER INTEGER content |v| (non-negative, minimal)
 * left-padded to |half| bytes. */
static vouch_status int_to_fixed(vouch_cur *v, size_t half, uint8_t *out) {
  size_t n = vouch_cur_remaining(v);
  while (n > half) {
    uint8_t b;
    VOUCH_GUARD(vouch_cur_u8(v, &b));
    VOUCH_ENSURE(b == 0, VOUCH_E_CRYPTO);
    n--;
  }
  memset(out, 0, half - n);
  return vouch_cur_copy(v, out + (half - n), n);
}

/* ecdsa_der_to_rs converts OpenSSL's ECDSA-Sig-Value to JOSE's r||s. */
static vouch_status ecdsa_der_to_rs(const uint8_t *der, size_t der_len, size_t half, uint8_t *rs) {
  vouch_cur c = vouch_cur_make(der, der_len), seq, r, sv;
  VOUCH_GUARD(vouch_der_expect(&c, VOUCH_DER_SEQUENCE, &seq));
  VOUCH_GUARD(vouch_cur_expect_empty(&c));
  VOUCH_GUARD(vouch_der_expect(&seq, VOUCH_DER_INTEGER, &r));
  VOUCH_GUARD(vouch_der_expect(&seq, VOUCH_DER_INTEGER, &sv));
  VOUCH_GUARD(vouch_cur_expect_empty(&seq));
  VOUCH_GUARD(int_to_fixed(&r, half, rs));
  return int_to_fixed(&sv, half, rs + half);
}

/* sign_into signs |msg| into |out| (room for VOUCH_JWS_MAX_SIG bytes). */
static vouch_status sign_into(const struct vouch_signer *s, const uint8_t *msg, size_t len,
                              uint8_t out[VOUCH_JWS_MAX_SIG], size_t *out_len) {
  static const uint8_t kEmpty[1];
  uint8_t der[MAX_ECDSA_DER];
  uint8_t *dst = s->rs_half ? der : out;
  size_t n = s->rs_half ? sizeof(der) : VOUCH_JWS_MAX_SIG;
  vouch_status st = VOUCH_E_CRYPTO;
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  if (m == NULL || EVP_MD_CTX_copy_ex(m, s->tmpl) != 1 ||
      EVP_DigestSign(m, dst, &n, len ? msg : kEmpty, len) != 1) {
    goto done;
  }
  if (s->rs_half) {
    st = ecdsa_der_to_rs(der, n, s->rs_half, out);
    if (st != VOUCH_OK) goto done;
    n = 2 * s->rs_half;
  }
  *out_len = n;
  st = VOUCH_OK;
done:
  EVP_MD_CTX_free(m);
  return st == VOUCH_OK ? st : vouch_crypto_fail(st);
}

vouch_status vouch_signer_sign(const struct vouch_signer *s, const uint8_t *msg, size_t len,
                               vouch_buf *sig) {
  VOUCH_ENSURE(s != NULL && sig != NULL && (msg != NULL || len == 0), VOUCH_E_ARG);
  uint8_t out[VOUCH_JWS_MAX_SIG];
  size_t n = 0;
  VOUCH_GUARD(sign_into(s, msg, len, out, &n));
  vouch_buf_append(sig, out, n);
  return vouch_buf_status(sig);
}

/* self_test signs and verifies a fixed message: a key file whose public
 * part does not belong to its private part (corruption, tampering) is
 * caught at load instead of producing tokens nobody can verify. */
static vouch_status self_test(const struct vouch_signer *s) {
  static const uint8_t kMsg[] = "vouch signer self-test";
  vouch_jws j = {.alg = s->alg};
  uint8_t sig[VOUCH_JWS_MAX_SIG];
  VOUCH_GUARD(sign_into(s, kMsg, sizeof(kMsg) - 1, sig, &j.sig_len));
  j.sig = sig;
  j.signing_input = (const char *)kMsg;
  j.signing_input_len = sizeof(kMsg) - 1;
  return vouch_jws_verify(&j, s->pub, NULL);
}

/* The PEM labels of the unencrypted private key forms we read. */
static const char *const kKeyLabels[] = {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"};

vouch_status vouch_signer_from_pem(const char *pem, size_t len, vouch_jws_alg alg,
                                   struct vouch_signer **out, vouch_err *err) {
  if (pem == NULL || out == NULL || alg == VOUCH_JWS_NONE || (unsigned)alg >= VOUCH_JWS_ALG_COUNT) {
    return vouch_fail(err, VOUCH_E_ARG, "signing key: invalid argument");
  }
  const char *body = NULL;
  size_t body_len = 0, found_num = 0;
  for (size_t i = 0; i < sizeof(kKeyLabels) / sizeof(kKeyLabels[0]); i++) {
    for (size_t pos = 0;;) {
      const char *b;
      size_t bl;
      bool found = false;
      if (vouch_pem_next(pem, len, kKeyLabels[i], &pos, &b, &bl, &found) != VOUCH_OK) {
        return vouch_fail(err, VOUCH_E_PEM, "signing key: broken PEM block (%s)", kKeyLabels[i]);
      }
      if (!found) break;
      body = b;
      body_len = bl;
      found_num++;
    }
  }
  if (found_num == 0) {
    size_t pos = 0;
    const char *b;
    size_t bl;
    bool enc = false;
    if (vouch_pem_next(pem, len, "ENCRYPTED PRIVATE KEY", &pos, &b, &bl, &enc) == VOUCH_OK && enc) {
      return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                        "signing key: the key is encrypted; give it unencrypted (openssl pkey "
                        "-in KEY -out PLAIN.pem) and protect the file instead");
    }
    return vouch_fail(err, VOUCH_E_PEM, "signing key: no PEM private key block");
  }
  if (found_num > 1) {
    return vouch_fail(err, VOUCH_E_PEM, "signing key: %zu private keys in one PEM, expected one",
                      found_num);
  }
  uint8_t *der = NULL;
  size_t der_len = 0;
  if (vouch_pem_decode_body(body, body_len, &der, &der_len) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_PEM, "signing key: invalid base64 in the PEM body");
  }
  const unsigned char *p = der;
  EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)der_len);
  bool trailing = pkey != NULL && p != der + der_len;
  OPENSSL_cleanse(der, der_len);
  free(der);
  if (pkey == NULL || trailing) {
    EVP_PKEY_free(pkey);
    vouch_crypto_clear_errors();
    return vouch_fail(
        err, VOUCH_E_ASN1, "signing key: %s",
        trailing ? "trailing bytes after the DER private key" : "not a valid DER private key");
  }
  char why[128];
  if (EVP_PKEY_is_a(pkey, "RSA-PSS") == 1) {
    EVP_PKEY_free(pkey);
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "signing key: PSS-restricted RSA keys are not supported; use a plain RSA "
                      "key (PS256 signs with it all the same)");
  }
  if (!pkey_fits(pkey, alg, why, sizeof(why))) {
    EVP_PKEY_free(pkey);
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "signing key: %s", why);
  }
  vouch_status s = signer_wrap(pkey, alg, out);
  if (s != VOUCH_OK) {
    EVP_PKEY_free(pkey);
    return vouch_fail(err, s, "signing key: cannot set up signing (%s)", vouch_status_name(s));
  }
  if (self_test(*out) != VOUCH_OK) {
    vouch_signer_free(*out);
    *out = NULL;
    return vouch_fail(err, VOUCH_E_CRYPTO,
                      "signing key: its public part does not match its private part");
  }
  return VOUCH_OK;
}

vouch_status vouch_signer_to_pem(const struct vouch_signer *s, vouch_buf *out) {
  VOUCH_ENSURE(s != NULL && out != NULL, VOUCH_E_ARG);
  PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(s->pkey);
  if (p8 == NULL) return vouch_crypto_fail(VOUCH_E_CRYPTO);
  unsigned char *der = NULL;
  int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (n <= 0) return vouch_crypto_fail(VOUCH_E_CRYPTO);
  vouch_buf b64;
  vouch_buf_init(&b64, 0);
  vouch_base64_encode(&b64, der, (size_t)n);
  OPENSSL_clear_free(der, (size_t)n);
  vouch_status st = vouch_buf_status(&b64);
  if (st == VOUCH_OK) {
    vouch_buf_puts(out, "-----BEGIN PRIVATE KEY-----\n");
    for (size_t i = 0; i < b64.len; i += 64) {
      vouch_buf_append(out, b64.data + i, b64.len - i < 64 ? b64.len - i : 64);
      vouch_buf_putc(out, '\n');
    }
    vouch_buf_puts(out, "-----END PRIVATE KEY-----\n");
    st = vouch_buf_status(out);
  }
  if (b64.data) OPENSSL_cleanse(b64.data, b64.cap);
  vouch_buf_free(&b64);
  return st;
}

vouch_status vouch_signer_self_signed_cert(const struct vouch_signer *s, const char *cn,
                                           int64_t not_before, int64_t not_after,
                                           struct vouch_cert **out) {
  VOUCH_ENSURE(s != NULL && cn != NULL && out != NULL, VOUCH_E_ARG);
  /* RFC 5280's upper bound for a commonName (OpenSSL enforces it too). */
  VOUCH_ENSURE(cn[0] != '\0' && strlen(cn) <= 64 && not_before <= not_after, VOUCH_E_ARG);
  vouch_status st = VOUCH_E_CRYPTO;
  X509 *x = X509_new();
  BIGNUM *serial = NULL;
  X509_EXTENSION *bc = NULL, *ku = NULL;
  unsigned char *der = NULL;
  uint8_t rnd[16];
  if (x == NULL || X509_set_version(x, X509_VERSION_3) != 1 || RAND_bytes(rnd, 16) != 1) goto done;
  /* Positive and exactly 16 bytes in DER: top bit clear, next bit set. */
  rnd[0] = (uint8_t)((rnd[0] & 0x3f) | 0x40);
  serial = BN_bin2bn(rnd, sizeof(rnd), NULL);
  if (serial == NULL || BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL) goto done;
  X509_NAME *name = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) !=
          1 ||
      X509_set_issuer_name(x, name) != 1) {
    st = VOUCH_E_ARG; /* not UTF-8 */
    goto done;
  }
  if (ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) == NULL ||
      ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) == NULL ||
      X509_set_pubkey(x, s->pkey) != 1) {
    goto done;
  }
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
  bc = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:FALSE");
  ku = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, "critical,digitalSignature");
  if (bc == NULL || ku == NULL || X509_add_ext(x, bc, -1) != 1 || X509_add_ext(x, ku, -1) != 1) {
    goto done;
  }
  const EVP_MD *md = NULL;
  if (s->alg != VOUCH_JWS_EDDSA) md = vouch_crypto_md(alg_hash(s->alg));
  if ((md == NULL && s->alg != VOUCH_JWS_EDDSA) || X509_sign(x, s->pkey, md) <= 0) goto done;
  int n = i2d_X509(x, &der);
  if (n <= 0) goto done;
  st = vouch_cert_from_der(der, (size_t)n, out);
done:
  OPENSSL_free(der);
  X509_EXTENSION_free(bc);
  X509_EXTENSION_free(ku);
  BN_free(serial);
  X509_free(x);
  return st == VOUCH_OK ? st : vouch_crypto_fail(st);
}

/* ---- compact serialization -------------------------------------------------- */

vouch_status vouch_jws_sign_compact_b64h(const struct vouch_signer *s, const char *header_b64,
                                         size_t hb64_len, const uint8_t *payload, size_t plen,
                                         vouch_buf *out) {
  VOUCH_ENSURE(s != NULL && header_b64 != NULL && out != NULL && (payload != NULL || plen == 0),
               VOUCH_E_ARG);
  VOUCH_GUARD(vouch_buf_status(out));
  size_t start = out->len;
  vouch_buf_append(out, header_b64, hb64_len);
  vouch_buf_putc(out, '.');
  vouch_base64url_encode(out, payload, plen);
  vouch_status st = vouch_buf_status(out);
  uint8_t sig[VOUCH_JWS_MAX_SIG];
  size_t n = 0;
  /* The signing input is what was just appended; |out| is not touched
   * until the signature is done, so the view stays valid. */
  if (st == VOUCH_OK)
    st = sign_into(s, (const uint8_t *)out->data + start, out->len - start, sig, &n);
  if (st == VOUCH_OK) {
    vouch_buf_putc(out, '.');
    vouch_base64url_encode(out, sig, n);
    st = vouch_buf_status(out);
  }
  if (st != VOUCH_OK && out->data != NULL && out->len >= start) {
    out->len = start;
    out->data[start] = '\0';
  }
  return st;
}

vouch_status vouch_jws_sign_compact(const struct vouch_signer *s, const char *header_json,
                                    size_t hlen, const uint8_t *payload, size_t plen,
                                    vouch_buf *out) {
  VOUCH_ENSURE(header_json != NULL && hlen > 0, VOUCH_E_ARG);
  vouch_buf h;
  vouch_buf_init(&h, 0);
  vouch_base64url_encode(&h, (const uint8_t *)header_json, hlen);
  vouch_status st = vouch_buf_status(&h);
  if (st == VOUCH_OK) st = vouch_jws_sign_compact_b64h(s, h.data, h.len, payload, plen, out);
  vouch_buf_free(&h);
  return st;
}

vouch_status vouch_jws_unsigned_compact(const char *header_json, size_t hlen,
                                        const uint8_t *payload, size_t plen, vouch_buf *out) {
  VOUCH_ENSURE(header_json != NULL && hlen > 0 && out != NULL && (payload != NULL || plen == 0),
               VOUCH_E_ARG);
  vouch_base64url_encode(out, (const uint8_t *)header_json, hlen);
  vouch_buf_putc(out, '.');
  vouch_base64url_encode(out, payload, plen);
  vouch_buf_putc(out, '.');
  return vouch_buf_status(out);
}

/* ---- JWK ------------------------------------------------------------------- */

/* clean_copy copies at most |cap|-1 bytes of untrusted |s| for a message,
 * control bytes and quotes replaced by '?'. */
static void clean_copy(const char *s, size_t len, char *out, size_t cap) {
  size_t k = 0;
  for (; k < len && k + 1 < cap; k++) {
    unsigned char c = (unsigned char)s[k];
    out[k] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
  }
  out[k] = '\0';
}

/* is_b64url_char: the URL-safe alphabet, no padding. */
static inline bool is_b64url_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/* b64url_member decodes the base64url string member |name| of |o| into
 * |out| (|cap| bytes).  |what| prefixes messages. */
static vouch_status b64url_member(json_t *o, const char *name, uint8_t *out, size_t cap,
                                  size_t *out_len, const char *what, vouch_err *err) {
  json_t *v = json_object_get(o, name);
  if (!json_is_string(v)) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "%s: member \"%s\" missing or not a string", what,
                      name);
  }
  const char *s = json_string_value(v);
  size_t len = json_string_length(v);
  for (size_t i = 0; i < len; i++) {
    if (!is_b64url_char((unsigned char)s[i])) {
      return vouch_fail(err, VOUCH_E_BASE64, "%s: \"%s\" is not base64url (byte %zu)", what, name,
                        i);
    }
  }
  if (len % 4 == 1 || len == 0) {
    return vouch_fail(err, VOUCH_E_BASE64, "%s: \"%s\" is not valid base64url", what, name);
  }
  if (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > cap) {
    return vouch_fail(err, VOUCH_E_LIMIT, "%s: \"%s\" is longer than %zu bytes", what, name, cap);
  }
  if (vouch_base64_decode(s, len, out, cap, out_len) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_BASE64, "%s: \"%s\" is not valid base64url", what, name);
  }
  return VOUCH_OK;
}

static const char *member_str(json_t *o, const char *name) {
  json_t *v = json_object_get(o, name);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* jwk_rsa builds an RSA public key from n and e. */
static vouch_status jwk_rsa(json_t *o, EVP_PKEY **out, vouch_err *err) {
  uint8_t n[MAX_RSA_BITS / 8], e[16];
  size_t n_len = 0, e_len = 0;
  VOUCH_GUARD(b64url_member(o, "n", n, sizeof(n), &n_len, "jwk", err));
  VOUCH_GUARD(b64url_member(o, "e", e, sizeof(e), &e_len, "jwk", err));
  BIGNUM *bn = BN_bin2bn(n, (int)n_len, NULL), *be = BN_bin2bn(e, (int)e_len, NULL);
  int bits = bn ? BN_num_bits(bn) : 0;
  bool e_ok = be != NULL && BN_is_odd(be) && !BN_is_one(be);
  BN_free(bn);
  BN_free(be);
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS || !e_ok) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "jwk: RSA key of %d bits or bad exponent (need %d to %d bits, odd e > 1)",
                      bits, MIN_RSA_BITS, MAX_RSA_BITS);
  }
  *out = vouch_evp_rsa_public(n, n_len, e, e_len);
  if (*out == NULL) return vouch_fail(err, VOUCH_E_CRYPTO, "jwk: cannot build the RSA key");
  return VOUCH_OK;
}

/* jwk_ec builds an EC public key from crv, x, y and checks the point. */
static vouch_status jwk_ec(json_t *o, EVP_PKEY **out, vouch_err *err) {
  const char *crv = member_str(o, "crv");
  size_t half;
  if (crv != NULL && strcmp(crv, "P-256") == 0) {
    half = 32;
  } else if (crv != NULL && strcmp(crv, "P-384") == 0) {
    half = 48;
  } else {
    char c[24];
    clean_copy(crv ? crv : "(none)", crv ? strlen(crv) : 6, c, sizeof(c));
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "jwk: EC curve \"%s\" (P-256 and P-384 only)", c);
  }
  uint8_t point[1 + 2 * 48];
  size_t x_len = 0, y_len = 0;
  VOUCH_GUARD(b64url_member(o, "x", point + 1, half, &x_len, "jwk", err));
  VOUCH_GUARD(b64url_member(o, "y", point + 1 + half, half, &y_len, "jwk", err));
  if (x_len != half || y_len != half) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "jwk: %s coordinates must be %zu bytes each", crv,
                      half);
  }
  point[0] = 0x04;
  *out = vouch_evp_ec_public((int)half * 8, point, 1 + 2 * half);
  if (*out == NULL) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "jwk: the %s point is not on the curve", crv);
  }
  return VOUCH_OK;
}

static vouch_status jwk_okp(json_t *o, EVP_PKEY **out, vouch_err *err) {
  const char *crv = member_str(o, "crv");
  if (crv == NULL || strcmp(crv, "Ed25519") != 0) {
    char c[24];
    clean_copy(crv ? crv : "(none)", crv ? strlen(crv) : 6, c, sizeof(c));
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "jwk: OKP curve \"%s\" (Ed25519 only)", c);
  }
  uint8_t x[32];
  size_t x_len = 0;
  VOUCH_GUARD(b64url_member(o, "x", x, sizeof(x), &x_len, "jwk", err));
  if (x_len != 32) return vouch_fail(err, VOUCH_E_MALFORMED, "jwk: Ed25519 x must be 32 bytes");
  *out = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, x, 32);
  if (*out == NULL) {
    vouch_crypto_clear_errors();
    return vouch_fail(err, VOUCH_E_MALFORMED, "jwk: invalid Ed25519 public key");
  }
  return VOUCH_OK;
}

/* jwk_import is vouch_pubkey_from_jwk on a parsed object. */
static vouch_status jwk_import(json_t *o, struct vouch_pubkey **out, vouch_err *err) {
  if (!json_is_object(o)) return vouch_fail(err, VOUCH_E_MALFORMED, "jwk: not a JSON object");
  const char *kty = member_str(o, "kty");
  if (kty == NULL) return vouch_fail(err, VOUCH_E_MALFORMED, "jwk: no \"kty\" string");
  EVP_PKEY *pkey = NULL;
  if (strcmp(kty, "RSA") == 0) {
    VOUCH_GUARD(jwk_rsa(o, &pkey, err));
  } else if (strcmp(kty, "EC") == 0) {
    VOUCH_GUARD(jwk_ec(o, &pkey, err));
  } else if (strcmp(kty, "OKP") == 0) {
    VOUCH_GUARD(jwk_okp(o, &pkey, err));
  } else {
    char k[24];
    clean_copy(kty, strlen(kty), k, sizeof(k));
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "jwk: key type \"%s\" (RSA, EC, OKP only)", k);
  }
  vouch_status s = vouch_pubkey_wrap(pkey, out);
  if (s != VOUCH_OK) {
    EVP_PKEY_free(pkey);
    return vouch_fail(err, s, "jwk: out of memory");
  }
  return VOUCH_OK;
}

vouch_status vouch_pubkey_from_jwk(const char *json, size_t len, struct vouch_pubkey **out,
                                   vouch_err *err) {
  if (json == NULL || out == NULL) return vouch_fail(err, VOUCH_E_ARG, "jwk: invalid argument");
  if (len > VOUCH_JWS_MAX_HEADER) {
    return vouch_fail(err, VOUCH_E_LIMIT, "jwk: %zu bytes, more than the limit of %u", len,
                      VOUCH_JWS_MAX_HEADER);
  }
  json_error_t je;
  json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
  if (o == NULL) return vouch_fail(err, VOUCH_E_JSON, "jwk: not JSON (line %d)", je.line);
  vouch_status s = jwk_import(o, out, err);
  json_decref(o);
  return s;
}

/* put_b64url writes member |key| as the base64url of |data|. */
static bool put_b64url(vouch_json *j, const char *key, const uint8_t *data, size_t len) {
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_base64url_encode(&b, data, len);
  bool ok = vouch_buf_status(&b) == VOUCH_OK && b.len > 0;
  if (ok) {
    vouch_json_key(j, key);
    vouch_json_string_len(j, b.data, b.len);
  }
  vouch_buf_free(&b);
  return ok;
}

static bool put_bn(vouch_json *j, const char *key, EVP_PKEY *pkey, const char *param, size_t pad) {
  BIGNUM *bn = NULL;
  uint8_t buf[MAX_RSA_BITS / 8];
  if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1) return false;
  size_t n = (size_t)BN_num_bytes(bn);
  bool ok = n <= sizeof(buf) && pad <= sizeof(buf);
  if (ok) {
    if (pad) n = pad;
    ok = (pad ? BN_bn2binpad(bn, buf, (int)pad) : BN_bn2bin(bn, buf)) == (int)n;
  }
  ok = ok && put_b64url(j, key, buf, n);
  BN_free(bn);
  return ok;
}

vouch_status vouch_pubkey_write_jwk(const struct vouch_pubkey *k, vouch_json *j) {
  VOUCH_ENSURE(k != NULL && j != NULL, VOUCH_E_ARG);
  EVP_PKEY *pkey = k->pkey;
  bool ok = false;
  if (EVP_PKEY_is_a(pkey, "RSA") == 1) {
    vouch_json_key(j, "kty");
    vouch_json_string(j, "RSA");
    ok = put_bn(j, "n", pkey, OSSL_PKEY_PARAM_RSA_N, 0) &&
         put_bn(j, "e", pkey, OSSL_PKEY_PARAM_RSA_E, 0);
  } else if (EVP_PKEY_is_a(pkey, "EC") == 1) {
    char g[32];
    ec_group(pkey, g, sizeof(g));
    const char *crv = strcmp(g, "prime256v1") == 0  ? "P-256"
                      : strcmp(g, "secp384r1") == 0 ? "P-384"
                                                    : NULL;
    if (crv == NULL) return vouch_crypto_fail(VOUCH_E_UNSUPPORTED);
    size_t half = crv[2] == '2' ? 32 : 48;
    vouch_json_key(j, "kty");
    vouch_json_string(j, "EC");
    vouch_json_key(j, "crv");
    vouch_json_string(j, crv);
    ok = put_bn(j, "x", pkey, OSSL_PKEY_PARAM_EC_PUB_X, half) &&
         put_bn(j, "y", pkey, OSSL_PKEY_PARAM_EC_PUB_Y, half);
  } else if (EVP_PKEY_is_a(pkey, "ED25519") == 1) {
    uint8_t x[32];
    size_t n = sizeof(x);
    ok = EVP_PKEY_get_raw_public_key(pkey, x, &n) == 1 && n == 32;
    if (ok) {
      vouch_json_key(j, "kty");
      vouch_json_string(j, "OKP");
      vouch_json_key(j, "crv");
      vouch_json_string(j, "Ed25519");
      ok = put_b64url(j, "x", x, 32);
    }
  } else {
    return VOUCH_E_UNSUPPORTED;
  }
  if (!ok) return vouch_crypto_fail(VOUCH_E_CRYPTO);
  return vouch_buf_status(j->out);
}

/* ---- parsing ---------------------------------------------------------------- */

static const char *const kPartNames[3] = {"header", "payload", "signature"};

void vouch_jws_free(vouch_jws *j) {
  if (j == NULL) return;
  free(j->kid);
  free(j->typ);
  free(j->header);
  free(j->payload);
  free(j->sig);
  for (size_t i = 0; i < j->num_x5c; i++) vouch_cert_free(j->x5c[i]);
  vouch_pubkey_free(j->jwk);
  memset(j, 0, sizeof(*j));
}

/* decode_part decodes base64url part |idx| (characters already checked)
 * into a malloc'd, NUL-terminated buffer of at most |max| bytes. */
static vouch_status decode_part(const uint8_t *b64, size_t len, int idx, size_t max, uint8_t **out,
                                size_t *out_len, vouch_err *err) {
  *out = NULL;
  *out_len = 0;
  if (len == 0) return VOUCH_OK;
  if (len % 4 == 1) {
    return vouch_fail(err, VOUCH_E_BASE64,
                      "jws: %s: %zu base64url characters is not a valid length", kPartNames[idx],
                      len);
  }
  size_t cap = vouch_base64_decoded_max(len);
  if (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > max) {
    return vouch_fail(err, VOUCH_E_LIMIT, "jws: %s is longer than the limit of %zu bytes",
                      kPartNames[idx], max);
  }
  uint8_t *buf = malloc(cap + 1);
  if (buf == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "jws: out of memory");
  if (vouch_base64_decode((const char *)b64, len, buf, cap, out_len) != VOUCH_OK) {
    free(buf);
    return vouch_fail(err, VOUCH_E_BASE64,
                      "jws: %s: non-canonical base64url (the last character has stray bits)",
                      kPartNames[idx]);
  }
  buf[*out_len] = '\0';
  *out = buf;
  return VOUCH_OK;
}

/* copy_string_member copies optional string member |name| of |h|. */
static vouch_status copy_string_member(json_t *h, const char *name, char **out, vouch_err *err) {
  json_t *v = json_object_get(h, name);
  if (v == NULL) return VOUCH_OK;
  if (!json_is_string(v)) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "jws: header \"%s\" is not a string", name);
  }
  size_t n = json_string_length(v);
  *out = malloc(n + 1);
  if (*out == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "jws: out of memory");
  memcpy(*out, json_string_value(v), n);
  (*out)[n] = '\0';
  return VOUCH_OK;
}

/* parse_x5c decodes the header's certificate chain (RFC 7515 §4.1.6:
 * standard base64, not base64url). */
static vouch_status parse_x5c(json_t *arr, vouch_jws *out, vouch_err *err) {
  if (!json_is_array(arr) || json_array_size(arr) == 0) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "jws: header \"x5c\" is not a non-empty array");
  }
  if (json_array_size(arr) > VOUCH_JWS_MAX_X5C) {
    return vouch_fail(err, VOUCH_E_LIMIT, "jws: header \"x5c\" has %zu certificates, limit %d",
                      json_array_size(arr), VOUCH_JWS_MAX_X5C);
  }
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_t *v = json_array_get(arr, i);
    if (!json_is_string(v)) {
      return vouch_fail(err, VOUCH_E_MALFORMED, "jws: x5c[%zu] is not a string", i);
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strcspn(s, "-_") < len) {
      return vouch_fail(err, VOUCH_E_BASE64,
                        "jws: x5c[%zu] is base64url; x5c takes standard base64 (RFC 7515)", i);
    }
    size_t cap = vouch_base64_decoded_max(len);
    if (cap > VOUCH_LIMIT_CERT_DATA + 3) {
      return vouch_fail(err, VOUCH_E_LIMIT, "jws: x5c[%zu] is larger than %d bytes", i,
                        VOUCH_LIMIT_CERT_DATA);
    }
    uint8_t *der = malloc(cap);
    size_t der_len = 0;
    if (der == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "jws: out of memory");
    vouch_status s2 = vouch_base64_decode(s, len, der, cap, &der_len);
    if (s2 != VOUCH_OK) {
      free(der);
      return vouch_fail(err, VOUCH_E_BASE64, "jws: x5c[%zu] is not valid base64", i);
    }
    s2 = der_len ? vouch_cert_from_der(der, der_len, &out->x5c[out->num_x5c]) : VOUCH_E_ASN1;
    free(der);
    if (s2 != VOUCH_OK) {
      return vouch_fail(err, s2, "jws: x5c[%zu] is not a DER certificate (%s)", i,
                        vouch_status_name(s2));
    }
    out->num_x5c++;
  }
  return VOUCH_OK;
}

/* parse_header checks the decoded header document and fills |out|. */
static vouch_status parse_header(vouch_jws *out, vouch_err *err) {
  json_error_t je;
  json_t *h = json_loadb(out->header, out->header_len, JSON_REJECT_DUPLICATES, &je);
  if (h == NULL) {
    char why[96];
    clean_copy(je.text, strlen(je.text), why, sizeof(why));
    return vouch_fail(err, VOUCH_E_JSON, "jws: header is not JSON: %s (column %d)", why, je.column);
  }
  vouch_status s = VOUCH_OK;
  if (!json_is_object(h)) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "jws: header is not a JSON object");
    goto done;
  }
  json_t *alg = json_object_get(h, "alg");
  if (!json_is_string(alg)) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "jws: header has no \"alg\" string");
    goto done;
  }
  if (vouch_jws_alg_from_name(json_string_value(alg), json_string_length(alg), &out->alg) !=
      VOUCH_OK) {
    char name[40];
    clean_copy(json_string_value(alg), json_string_length(alg), name, sizeof(name));
    s = vouch_fail(err, VOUCH_E_UNSUPPORTED,
                   "jws: unsupported alg \"%s\" (RS256, PS256, ES256, ES384, EdDSA, none)", name);
    goto done;
  }
  if (json_object_get(h, "crit") != NULL) {
    s = vouch_fail(err, VOUCH_E_UNSUPPORTED,
                   "jws: header has \"crit\" extensions, and vouch understands none of them");
    goto done;
  }
  VOUCH_GUARD_GOTO(s, copy_string_member(h, "kid", &out->kid, err), done);
  VOUCH_GUARD_GOTO(s, copy_string_member(h, "typ", &out->typ, err), done);
  json_t *x5c = json_object_get(h, "x5c");
  if (x5c != NULL) VOUCH_GUARD_GOTO(s, parse_x5c(x5c, out, err), done);
  json_t *jwk = json_object_get(h, "jwk");
  if (jwk != NULL) {
    out->has_jwk = true;
    VOUCH_GUARD_GOTO(s, jwk_import(jwk, &out->jwk, err), done);
  }
done:
  json_decref(h);
  return s;
}

vouch_status vouch_jws_parse(const char *s, size_t len, vouch_jws *out, vouch_err *err) {
  if (out == NULL) return vouch_fail(err, VOUCH_E_ARG, "jws: invalid argument");
  memset(out, 0, sizeof(*out));
  if (s == NULL) return vouch_fail(err, VOUCH_E_ARG, "jws: invalid argument");
  if (len == 0) return vouch_fail(err, VOUCH_E_MALFORMED, "jws: empty input");
  if (len > VOUCH_JWS_MAX_LEN) {
    return vouch_fail(err, VOUCH_E_LIMIT, "jws: %zu bytes, more than the limit of %u", len,
                      VOUCH_JWS_MAX_LEN);
  }
  /* One pass: find the two dots and check every other byte is base64url,
   * naming the first offender and its part. */
  size_t dots[2] = {0, 0}, num_dots = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_b64url_char(c)) continue;
    if (c == '.') {
      if (num_dots == 2) {
        return vouch_fail(err, VOUCH_E_MALFORMED,
                          "jws: more than three dot-separated parts (a compact JWS is "
                          "header.payload.signature; JWE and JSON serializations are not "
                          "supported)");
      }
      dots[num_dots++] = i;
      continue;
    }
    const char *part = kPartNames[num_dots];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      return vouch_fail(err, VOUCH_E_BASE64, "jws: whitespace at offset %zu (in the %s)", i, part);
    }
    if (c == '=') {
      return vouch_fail(err, VOUCH_E_BASE64,
                        "jws: padding '=' at offset %zu (in the %s); JWS base64url has none", i,
                        part);
    }
    return vouch_fail(err, VOUCH_E_BASE64,
                      "jws: byte 0x%02x at offset %zu (in the %s) is not base64url", c, i, part);
  }
  if (num_dots < 2) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "jws: %zu part%s, a compact JWS has three (header.payload.signature)",
                      num_dots + 1, num_dots ? "s" : "");
  }
  vouch_cur c = vouch_cur_make(s, len);
  const uint8_t *parts[3];
  size_t lens[3] = {dots[0], dots[1] - dots[0] - 1, len - dots[1] - 1};
  vouch_status st = VOUCH_OK;
  for (int i = 0; i < 3; i++) {
    VOUCH_GUARD_GOTO(st, vouch_cur_bytes(&c, lens[i], &parts[i]), fail);
    if (i < 2) VOUCH_GUARD_GOTO(st, vouch_cur_skip(&c, 1), fail);
  }
  if (lens[0] == 0) {
    st = vouch_fail(err, VOUCH_E_MALFORMED, "jws: empty header");
    goto fail;
  }
  out->signing_input = s;
  out->signing_input_len = dots[1];
  uint8_t *header = NULL;
  VOUCH_GUARD_GOTO(
      st, decode_part(parts[0], lens[0], 0, VOUCH_JWS_MAX_HEADER, &header, &out->header_len, err),
      fail);
  out->header = (char *)header;
  VOUCH_GUARD_GOTO(st, parse_header(out, err), fail);
  VOUCH_GUARD_GOTO(
      st,
      decode_part(parts[1], lens[1], 1, VOUCH_JWS_MAX_LEN, &out->payload, &out->payload_len, err),
      fail);
  if (out->payload == NULL) {
    /* Present an empty payload as "" rather than NULL. */
    out->payload = calloc(1, 1);
    if (out->payload == NULL) {
      st = vouch_fail(err, VOUCH_E_NOMEM, "jws: out of memory");
      goto fail;
    }
  }
  VOUCH_GUARD_GOTO(
      st, decode_part(parts[2], lens[2], 2, VOUCH_JWS_MAX_SIG, &out->sig, &out->sig_len, err),
      fail);
  if (out->alg == VOUCH_JWS_NONE && out->sig_len != 0) {
    st = vouch_fail(err, VOUCH_E_MALFORMED, "jws: alg none with a non-empty signature");
    goto fail;
  }
  return VOUCH_OK;
fail:
  vouch_jws_free(out);
  vouch_crypto_clear_errors();
  return st;
}

/* ---- verification ----------------------------------------------------------- */

vouch_status vouch_jws_verify(const vouch_jws *j, const struct vouch_pubkey *k, vouch_err *err) {
  if (j == NULL || k == NULL || (unsigned)j->alg >= VOUCH_JWS_ALG_COUNT ||
      (j->signing_input == NULL && j->signing_input_len > 0)) {
    return vouch_fail(err, VOUCH_E_ARG, "jws: invalid argument");
  }
  if (j->alg == VOUCH_JWS_NONE) {
    return vouch_fail(err, VOUCH_E_SIGNATURE, "jws: unsigned token (alg none) refused");
  }
  const char *name = kAlgNames[j->alg];
  char why[128];
  if (!pkey_fits(k->pkey, j->alg, why, sizeof(why))) {
    return vouch_fail(err, VOUCH_E_SIGNATURE, "jws: wrong key type: %s", why);
  }
  if (j->sig == NULL || j->sig_len == 0) {
    return vouch_fail(err, VOUCH_E_SIGNATURE, "jws: %s token with an empty signature", name);
  }
  const uint8_t *msg = (const uint8_t *)j->signing_input;
  size_t msg_len = j->signing_input_len;
  vouch_status s;
  switch (j->alg) {
    case VOUCH_JWS_RS256:
      s = vouch_verify_sig(k, VOUCH_SIG_RSA_PKCS1, VOUCH_HASH_SHA256, 0, msg, msg_len, j->sig,
                           j->sig_len);
      break;
    case VOUCH_JWS_PS256:
      s = vouch_verify_sig(k, VOUCH_SIG_RSA_PSS, VOUCH_HASH_SHA256, VOUCH_SHA256_LEN, msg, msg_len,
                           j->sig, j->sig_len);
      break;
    case VOUCH_JWS_ES256:
    case VOUCH_JWS_ES384: {
      size_t want = j->alg == VOUCH_JWS_ES256 ? 64 : 96;
      if (j->sig_len != want) {
        return vouch_fail(err, VOUCH_E_SIGNATURE,
                          "jws: %s signature is %zu bytes; it must be r||s of %zu bytes", name,
                          j->sig_len, want);
      }
      s = vouch_ecdsa_verify_rs(k, alg_hash(j->alg), msg, msg_len, j->sig, j->sig_len);
      break;
    }
    case VOUCH_JWS_EDDSA:
      if (j->sig_len != 64) {
        return vouch_fail(err, VOUCH_E_SIGNATURE, "jws: EdDSA signature is %zu bytes, not 64",
                          j->sig_len);
      }
      s = vouch_verify_sig(k, VOUCH_SIG_EDDSA, VOUCH_HASH_SHA256, 0, msg, msg_len, j->sig,
                           j->sig_len);
      break;
    default:
      s = VOUCH_E_ARG;
      break;
  }
  if (s == VOUCH_OK) return VOUCH_OK;
  if (s == VOUCH_E_NOMEM) return vouch_fail(err, s, "jws: out of memory");
  return vouch_fail(err, VOUCH_E_SIGNATURE, "jws: %s signature does not verify", name);
}
