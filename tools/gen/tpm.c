/* tools/gen/tpm.c - synthetic TPM 2.0 evidence with software keys: AKs and
 * EKs as TPM2B_PUBLIC, quotes (TPMS_ATTEST + TPMT_SIGNATURE) and TCG event
 * logs (see gen.h, "TPM").  TPM structures are big-endian, event log
 * headers little-endian (shared/spec/tpm.md).  Written independently of
 * verifiers/tpm (no libtss2), so the verifier's unmarshalling is checked
 * against a second encoder. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen/gen.h"

#define ALG_RSA 0x0001
#define ALG_SHA1 0x0004
#define ALG_SHA256 0x000B
#define ALG_SHA384 0x000C
#define ALG_SHA512 0x000D
#define ALG_NULL 0x0010
#define ALG_RSASSA 0x0014
#define ALG_RSAPSS 0x0016
#define ALG_ECDSA 0x0018
#define ALG_ECC 0x0023
#define ALG_AES 0x0006
#define ALG_CFB 0x0043

struct vouch_gen_tpm_key {
  EVP_PKEY *pkey;
  vouch_gen_tpm_scheme scheme;
  bool is_ek;
  uint16_t hash_alg;
  uint32_t attributes;
  uint8_t area[1024]; /* TPMT_PUBLIC */
  size_t area_len;
};

struct vouch_gen_tpm_log {
  vouch_buf bytes;
  bool crypto_agile;
  size_t num_algs;
  uint16_t algs[VOUCH_GEN_TPM_MAX_BANKS];
  vouch_gen_tpm_pcrs *pcrs; /* borrowed */
  bool pcr0_extended;
};

static const EVP_MD *md_for(uint16_t alg) {
  switch (alg) {
    case ALG_SHA1: return EVP_sha1();
    case ALG_SHA256: return EVP_sha256();
    case ALG_SHA384: return EVP_sha384();
    case ALG_SHA512: return EVP_sha512();
    default: return NULL;
  }
}

static size_t hash_len(uint16_t alg) {
  const EVP_MD *md = md_for(alg);
  return md ? (size_t)EVP_MD_get_size(md) : 0;
}

static vouch_status digest(uint16_t alg, const void *data, size_t len, uint8_t *out) {
  const EVP_MD *md = md_for(alg);
  unsigned n = 0;
  static const uint8_t kEmpty[1];
  if (md == NULL || EVP_Digest(len ? data : kEmpty, len, out, &n, md, NULL) != 1) {
    return VOUCH_E_CRYPTO;
  }
  return VOUCH_OK;
}

static void be16(vouch_buf *b, uint16_t v) {
  uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  vouch_buf_append(b, x, 2);
}
static void be32(vouch_buf *b, uint32_t v) {
  be16(b, (uint16_t)(v >> 16));
  be16(b, (uint16_t)v);
}
static void be64(vouch_buf *b, uint64_t v) {
  be32(b, (uint32_t)(v >> 32));
  be32(b, (uint32_t)v);
}
static void tpm2b(vouch_buf *b, const uint8_t *data, size_t len) {
  be16(b, (uint16_t)len);
  vouch_buf_append(b, data, len);
}
static void le16(vouch_buf *b, uint16_t v) {
  uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  vouch_buf_append(b, x, 2);
}
static void le32(vouch_buf *b, uint32_t v) {
  le16(b, (uint16_t)v);
  le16(b, (uint16_t)(v >> 16));
}
static void le64(vouch_buf *b, uint64_t v) {
  le32(b, (uint32_t)v);
  le32(b, (uint32_t)(v >> 32));
}

static vouch_status crypto_fail(vouch_err *err, const char *what) {
  ERR_clear_error();
  return vouch_fail(err, VOUCH_E_CRYPTO, "gen tpm: %s failed", what);
}

/* bn_param writes an OpenSSL BIGNUM parameter big-endian in |n| bytes. */
static bool bn_param(const EVP_PKEY *k, const char *name, uint8_t *out, size_t n) {
  BIGNUM *bn = NULL;
  bool ok = EVP_PKEY_get_bn_param(k, name, &bn) == 1 && BN_bn2binpad(bn, out, (int)n) == (int)n;
  BN_free(bn);
  return ok;
}

/* encode_area writes the key's TPMT_PUBLIC. */
static vouch_status encode_area(vouch_gen_tpm_key *k) {
  vouch_buf b;
  vouch_buf_init(&b, sizeof(k->area));
  bool rsa = k->scheme == VOUCH_GEN_TPM_RSASSA || k->scheme == VOUCH_GEN_TPM_RSAPSS;
  be16(&b, rsa ? ALG_RSA : ALG_ECC);
  be16(&b, ALG_SHA256);
  be32(&b, k->attributes);
  if (k->is_ek) {
    static const uint8_t kPolicy[32] = {
        0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5, 0xD7, 0x24,
        0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA};
    tpm2b(&b, kPolicy, sizeof(kPolicy));
    be16(&b, ALG_AES);
    be16(&b, 128);
    be16(&b, ALG_CFB);
    be16(&b, ALG_NULL); /* scheme */
  } else {
    be16(&b, 0); /* authPolicy */
    be16(&b, ALG_NULL); /* symmetric */
    uint16_t scheme = k->scheme == VOUCH_GEN_TPM_RSASSA   ? ALG_RSASSA
                      : k->scheme == VOUCH_GEN_TPM_RSAPSS ? ALG_RSAPSS
                                                          : ALG_ECDSA;
    be16(&b, scheme);
    be16(&b, k->hash_alg);
  }
  vouch_status s = VOUCH_OK;
  if (rsa) {
    uint8_t n[256];
    if (!bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, n, sizeof(n))) s = VOUCH_E_CRYPTO;
    be16(&b, 2048);
    be32(&b, 0); /* exponent 0 = 65537 */
    tpm2b(&b, n, sizeof(n));
  } else {
    size_t cs = k->scheme == VOUCH_GEN_TPM_ECDSA_P256 ? 32 : 48;
    uint8_t x[48], y[48];
    if (!bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, x, cs) ||
        !bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, y, cs)) {
      s = VOUCH_E_CRYPTO;
    }
    be16(&b, cs == 32 ? 0x0003 : 0x0004);
    be16(&b, ALG_NULL); /* kdf */
    tpm2b(&b, x, cs);
    tpm2b(&b, y, cs);
  }
  if (s == VOUCH_OK) s = vouch_buf_status(&b);
  if (s == VOUCH_OK) {
    memcpy(k->area, b.data, b.len);
    k->area_len = b.len;
  }
  vouch_buf_free(&b);
  return s;
}

static vouch_status key_new(vouch_gen_tpm_scheme scheme, uint16_t hash_alg, bool ek,
                            vouch_gen_tpm_key **out, vouch_err *err) {
  VOUCH_ENSURE(out != NULL, VOUCH_E_ARG);
  if (hash_alg == 0) hash_alg = ALG_SHA256;
  if (md_for(hash_alg) == NULL) {
    return vouch_fail(err, VOUCH_E_ARG, "gen tpm: hash 0x%04x", hash_alg);
  }
  vouch_gen_tpm_key *k = calloc(1, sizeof(*k));
  if (k == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "gen tpm: out of memory");
  k->scheme = scheme;
  k->hash_alg = hash_alg;
  k->is_ek = ek;
  k->attributes = ek ? 0x000300B2u : 0x00050072u;
  if (scheme == VOUCH_GEN_TPM_RSASSA || scheme == VOUCH_GEN_TPM_RSAPSS) {
    k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  } else {
    k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
                                scheme == VOUCH_GEN_TPM_ECDSA_P256 ? "P-256" : "P-384");
  }
  if (k->pkey == NULL || encode_area(k) != VOUCH_OK) {
    vouch_gen_tpm_key_free(k);
    return crypto_fail(err, "key generation");
  }
  *out = k;
  return VOUCH_OK;
}

vouch_status vouch_gen_tpm_ak_new(vouch_gen_tpm_scheme scheme, uint16_t hash_alg,
                                  vouch_gen_tpm_key **out, vouch_err *err) {
  return key_new(scheme, hash_alg, false, out, err);
}

vouch_status vouch_gen_tpm_ek_new(vouch_gen_tpm_key **out, vouch_err *err) {
  return key_new(VOUCH_GEN_TPM_RSASSA, ALG_SHA256, true, out, err);
}

void vouch_gen_tpm_key_free(vouch_gen_tpm_key *k) {
  if (k == NULL) return;
  EVP_PKEY_free(k->pkey);
  free(k);
}

void vouch_gen_tpm_key_set_attributes(vouch_gen_tpm_key *k, uint32_t attributes) {
  k->attributes = attributes;
  /* The attributes sit at bytes 4..7 of TPMT_PUBLIC. */
  k->area[4] = (uint8_t)(attributes >> 24);
  k->area[5] = (uint8_t)(attributes >> 16);
  k->area[6] = (uint8_t)(attributes >> 8);
  k->area[7] = (uint8_t)attributes;
}

vouch_status vouch_gen_tpm_key_public(const vouch_gen_tpm_key *k, vouch_buf *out) {
  tpm2b(out, k->area, k->area_len);
  return vouch_buf_status(out);
}

vouch_status vouch_gen_tpm_key_pem(const vouch_gen_tpm_key *k, vouch_buf *out) {
  BIO *bio = BIO_new(BIO_s_mem());
  vouch_status s = VOUCH_E_CRYPTO;
  char *p = NULL;
  if (bio != NULL && PEM_write_bio_PUBKEY(bio, k->pkey) == 1) {
    long n = BIO_get_mem_data(bio, &p);
    if (n > 0) {
      vouch_buf_append(out, p, (size_t)n);
      s = vouch_buf_status(out);
    }
  }
  BIO_free(bio);
  ERR_clear_error();
  return s;
}

void vouch_gen_tpm_key_name(const vouch_gen_tpm_key *k, uint8_t out[34]) {
  out[0] = ALG_SHA256 >> 8;
  out[1] = ALG_SHA256 & 0xff;
  if (digest(ALG_SHA256, k->area, k->area_len, out + 2) != VOUCH_OK) memset(out + 2, 0, 32);
}

/* ---- PCRs ------------------------------------------------------------------ */

static void pcr_reset_value(uint32_t pcr, size_t n, uint8_t *out) {
  memset(out, (pcr >= 17 && pcr <= 22) ? 0xff : 0, n);
}

vouch_status vouch_gen_tpm_pcrs_reset(vouch_gen_tpm_pcrs *p, const uint16_t *algs,
                                      size_t num_algs) {
  VOUCH_ENSURE(p != NULL && num_algs <= VOUCH_GEN_TPM_MAX_BANKS, VOUCH_E_ARG);
  memset(p, 0, sizeof(*p));
  for (size_t i = 0; i < num_algs; i++) {
    size_t n = hash_len(algs[i]);
    VOUCH_ENSURE(n != 0, VOUCH_E_ARG);
    p->hash_alg[i] = algs[i];
    for (uint32_t r = 0; r < VOUCH_GEN_TPM_NUM_PCRS; r++) pcr_reset_value(r, n, p->value[i][r]);
  }
  return VOUCH_OK;
}

static vouch_status extend_bank(uint16_t alg, uint8_t *pcr, const uint8_t *d) {
  size_t n = hash_len(alg);
  uint8_t buf[128];
  memcpy(buf, pcr, n);
  memcpy(buf + n, d, n);
  return digest(alg, buf, 2 * n, pcr);
}

vouch_status vouch_gen_tpm_pcrs_extend(vouch_gen_tpm_pcrs *p, uint32_t pcr, const uint8_t *data,
                                       size_t len) {
  VOUCH_ENSURE(p != NULL && pcr < VOUCH_GEN_TPM_NUM_PCRS, VOUCH_E_ARG);
  for (int i = 0; i < VOUCH_GEN_TPM_MAX_BANKS; i++) {
    if (p->hash_alg[i] == 0) continue;
    uint8_t d[64];
    VOUCH_GUARD(digest(p->hash_alg[i], data, len, d));
    VOUCH_GUARD(extend_bank(p->hash_alg[i], p->value[i][pcr], d));
  }
  return VOUCH_OK;
}

static const uint8_t *pcr_value(const vouch_gen_tpm_pcrs *p, uint16_t alg, uint32_t pcr) {
  for (int i = 0; i < VOUCH_GEN_TPM_MAX_BANKS; i++) {
    if (p->hash_alg[i] == alg) return p->value[i][pcr];
  }
  return NULL;
}

/* ---- quotes ------------------------------------------------------------------ */

void vouch_gen_tpm_quote_opts_default(vouch_gen_tpm_quote_opts *o) {
  memset(o, 0, sizeof(*o));
  for (int i = 0; i < 32; i++) o->nonce[i] = (uint8_t)i;
  o->nonce_len = 32;
  o->num_sel = 1;
  o->sel[0].hash_alg = ALG_SHA256;
  o->sel[0].mask = 0xFF;
  o->clock = 2400;
  o->safe = true;
  o->firmware_version = 0x2019102300163636ull;
}

static vouch_status sign_raw(const vouch_gen_tpm_key *ak, const uint8_t *msg, size_t len,
                             uint8_t *out, size_t *out_len) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  vouch_status s = VOUCH_E_CRYPTO;
  size_t n = *out_len;
  if (ctx == NULL || EVP_DigestSignInit(ctx, &pctx, md_for(ak->hash_alg), NULL, ak->pkey) != 1) {
    goto done;
  }
  if (ak->scheme == VOUCH_GEN_TPM_RSASSA &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    goto done;
  }
  if (ak->scheme == VOUCH_GEN_TPM_RSAPSS &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    goto done;
  }
  if (EVP_DigestSign(ctx, out, &n, msg, len) != 1) goto done;
  *out_len = n;
  s = VOUCH_OK;
done:
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return s;
}

vouch_status vouch_gen_tpm_quote(const vouch_gen_tpm_key *ak, const vouch_gen_tpm_quote_opts *o,
                                 vouch_buf *msg, vouch_buf *sig, vouch_buf *pcr_values,
                                 vouch_err *err) {
  VOUCH_ENSURE(ak != NULL && o != NULL && msg != NULL && sig != NULL, VOUCH_E_ARG);
  if (ak->is_ek) return vouch_fail(err, VOUCH_E_ARG, "gen tpm: an EK does not sign quotes");
  if (o->num_sel > VOUCH_GEN_TPM_MAX_SEL || o->nonce_len > sizeof(o->nonce)) {
    return vouch_fail(err, VOUCH_E_ARG, "gen tpm: bad quote options");
  }
  if (o->bare_signature && ak->scheme != VOUCH_GEN_TPM_RSASSA) {
    return vouch_fail(err, VOUCH_E_ARG, "gen tpm: a bare signature needs an RSASSA AK");
  }
  vouch_gen_tpm_pcrs reset;
  const vouch_gen_tpm_pcrs *pcrs = o->pcrs;
  if (pcrs == NULL) {
    uint16_t all[] = {ALG_SHA1, ALG_SHA256, ALG_SHA384, ALG_SHA512};
    VOUCH_GUARD(vouch_gen_tpm_pcrs_reset(&reset, all, 4));
    pcrs = &reset;
  }
  /* The selected values, in selection order. */
  vouch_buf vals;
  vouch_buf_init(&vals, 1u << 16);
  for (size_t i = 0; i < o->num_sel; i++) {
    for (uint32_t p = 0; p < VOUCH_GEN_TPM_NUM_PCRS; p++) {
      if (!(o->sel[i].mask & (1u << p))) continue;
      const uint8_t *v = pcr_value(pcrs, o->sel[i].hash_alg, p);
      if (v == NULL) {
        vouch_buf_free(&vals);
        return vouch_fail(err, VOUCH_E_ARG, "gen tpm: no PCR bank 0x%04x", o->sel[i].hash_alg);
      }
      vouch_buf_append(&vals, v, hash_len(o->sel[i].hash_alg));
    }
  }
  uint8_t pcr_digest[64];
  vouch_status s = vouch_buf_status(&vals);
  if (s == VOUCH_OK) s = digest(ak->hash_alg, vals.len ? vals.data : "", vals.len, pcr_digest);
  if (s != VOUCH_OK) {
    vouch_buf_free(&vals);
    return crypto_fail(err, "pcrDigest");
  }
  /* qualifiedSigner: QN(AK) under the EK, or the AK's Name. */
  uint8_t name[34], qn[34];
  vouch_gen_tpm_key_name(ak, name);
  memcpy(qn, name, sizeof(qn));
  if (o->ek != NULL) {
    uint8_t ekname[34], buf[4 + 34 + 34];
    vouch_gen_tpm_key_name(o->ek, ekname);
    static const uint8_t kEndorsement[4] = {0x40, 0x00, 0x00, 0x0B};
    memcpy(buf, kEndorsement, 4);
    memcpy(buf + 4, ekname, 34);
    uint8_t qn_ek[34] = {ALG_SHA256 >> 8, ALG_SHA256 & 0xff};
    s = digest(ALG_SHA256, buf, 4 + 34, qn_ek + 2);
    memcpy(buf, qn_ek, 34);
    memcpy(buf + 34, name, 34);
    if (s == VOUCH_OK) s = digest(ALG_SHA256, buf, 68, qn + 2);
    if (s != VOUCH_OK) {
      vouch_buf_free(&vals);
      return crypto_fail(err, "qualified name");
    }
  }
  size_t msg_start = msg->len;
  be32(msg, 0xFF544347u);
  be16(msg, 0x8018);
  tpm2b(msg, qn, sizeof(qn));
  tpm2b(msg, o->nonce, o->nonce_len);
  be64(msg, o->clock);
  be32(msg, o->reset_count);
  be32(msg, o->restart_count);
  vouch_buf_putc(msg, o->safe ? 1 : 0);
  be64(msg, o->firmware_version);
  be32(msg, (uint32_t)o->num_sel);
  for (size_t i = 0; i < o->num_sel; i++) {
    be16(msg, o->sel[i].hash_alg);
    vouch_buf_putc(msg, 3);
    for (int k = 0; k < 3; k++) vouch_buf_putc(msg, (char)(o->sel[i].mask >> (8 * k)));
  }
  tpm2b(msg, pcr_digest, hash_len(ak->hash_alg));
  s = vouch_buf_status(msg);
  if (s != VOUCH_OK) {
    vouch_buf_free(&vals);
    return vouch_fail(err, s, "gen tpm: quote buffer");
  }
  uint8_t raw[512];
  size_t raw_len = sizeof(raw);
  if (sign_raw(ak, (const uint8_t *)msg->data + msg_start, msg->len - msg_start, raw, &raw_len) !=
      VOUCH_OK) {
    vouch_buf_free(&vals);
    return crypto_fail(err, "signing");
  }
  if (o->bare_signature) {
    vouch_buf_append(sig, raw, raw_len);
  } else if (ak->scheme == VOUCH_GEN_TPM_RSASSA || ak->scheme == VOUCH_GEN_TPM_RSAPSS) {
    be16(sig, ak->scheme == VOUCH_GEN_TPM_RSASSA ? ALG_RSASSA : ALG_RSAPSS);
    be16(sig, ak->hash_alg);
    tpm2b(sig, raw, raw_len);
  } else {
    /* DER ECDSA-Sig-Value -> fixed-size r and s. */
    const unsigned char *p = raw;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)raw_len);
    size_t cs = ak->scheme == VOUCH_GEN_TPM_ECDSA_P256 ? 32 : 48;
    uint8_t r[48], sv[48];
    bool ok = es != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(es), r, (int)cs) == (int)cs &&
              BN_bn2binpad(ECDSA_SIG_get0_s(es), sv, (int)cs) == (int)cs;
    ECDSA_SIG_free(es);
    if (!ok) {
      vouch_buf_free(&vals);
      return crypto_fail(err, "ECDSA signature decoding");
    }
    be16(sig, ALG_ECDSA);
    be16(sig, ak->hash_alg);
    tpm2b(sig, r, cs);
    tpm2b(sig, sv, cs);
  }
  if (pcr_values != NULL) vouch_buf_append(pcr_values, vals.data, vals.len);
  vouch_buf_free(&vals);
  s = vouch_buf_status(sig);
  if (s == VOUCH_OK && pcr_values != NULL) s = vouch_buf_status(pcr_values);
  return s == VOUCH_OK ? s : vouch_fail(err, s, "gen tpm: output buffer");
}

/* ---- event logs ------------------------------------------------------------------ */

vouch_status vouch_gen_tpm_log_new(bool crypto_agile, const uint16_t *algs, size_t num_algs,
                                   vouch_gen_tpm_pcrs *pcrs, vouch_gen_tpm_log **out,
                                   vouch_err *err) {
  VOUCH_ENSURE(algs != NULL && pcrs != NULL && out != NULL, VOUCH_E_ARG);
  if (num_algs == 0 || num_algs > VOUCH_GEN_TPM_MAX_BANKS ||
      (!crypto_agile && (num_algs != 1 || algs[0] != ALG_SHA1))) {
    return vouch_fail(err, VOUCH_E_ARG, "gen tpm: a legacy log has exactly the SHA-1 bank");
  }
  if (vouch_gen_tpm_pcrs_reset(pcrs, algs, num_algs) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_ARG, "gen tpm: unknown bank");
  }
  vouch_gen_tpm_log *log = calloc(1, sizeof(*log));
  if (log == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "gen tpm: out of memory");
  vouch_buf_init(&log->bytes, 64u << 20);
  log->crypto_agile = crypto_agile;
  log->num_algs = num_algs;
  memcpy(log->algs, algs, num_algs * sizeof(algs[0]));
  log->pcrs = pcrs;
  if (crypto_agile) {
    vouch_buf spec;
    vouch_buf_init(&spec, 4096);
    vouch_buf_append(&spec, "Spec ID Event03", 16);
    le32(&spec, 0); /* platformClass: client */
    vouch_buf_putc(&spec, 0); /* specVersionMinor */
    vouch_buf_putc(&spec, 2); /* specVersionMajor */
    vouch_buf_putc(&spec, 0); /* errata */
    vouch_buf_putc(&spec, 2); /* uintnSize: 64-bit */
    le32(&spec, (uint32_t)num_algs);
    for (size_t i = 0; i < num_algs; i++) {
      le16(&spec, algs[i]);
      le16(&spec, (uint16_t)hash_len(algs[i]));
    }
    vouch_buf_putc(&spec, 0); /* vendorInfoSize */
    le32(&log->bytes, 0);
    le32(&log->bytes, 3); /* EV_NO_ACTION */
    static const uint8_t kZero[20];
    vouch_buf_append(&log->bytes, kZero, 20);
    le32(&log->bytes, (uint32_t)spec.len);
    vouch_buf_append(&log->bytes, spec.data, spec.len);
    vouch_buf_free(&spec);
  }
  if (vouch_buf_status(&log->bytes) != VOUCH_OK) {
    vouch_gen_tpm_log_free(log);
    return vouch_fail(err, VOUCH_E_NOMEM, "gen tpm: out of memory");
  }
  *out = log;
  return VOUCH_OK;
}

void vouch_gen_tpm_log_free(vouch_gen_tpm_log *log) {
  if (log == NULL) return;
  vouch_buf_free(&log->bytes);
  free(log);
}

const uint8_t *vouch_gen_tpm_log_bytes(const vouch_gen_tpm_log *log, size_t *out_len) {
  *out_len = log->bytes.len;
  return (const uint8_t *)log->bytes.data;
}

/* append writes one entry; |extend| false for EV_NO_ACTION. */
static vouch_status append(vouch_gen_tpm_log *log, uint32_t pcr, uint32_t type,
                           const uint8_t *measured, size_t measured_len, const uint8_t *data,
                           size_t len, bool extend) {
  VOUCH_ENSURE(pcr < VOUCH_GEN_TPM_NUM_PCRS || !extend, VOUCH_E_ARG);
  VOUCH_ENSURE(log->num_algs <= VOUCH_GEN_TPM_MAX_BANKS, VOUCH_E_INTERNAL);
  uint8_t d[VOUCH_GEN_TPM_MAX_BANKS][64];
  memset(d, 0, sizeof(d));
  for (size_t i = 0; extend && i < log->num_algs; i++) {
    VOUCH_GUARD(digest(log->algs[i], measured, measured_len, d[i]));
  }
  vouch_buf *b = &log->bytes;
  le32(b, pcr);
  le32(b, type);
  if (log->crypto_agile) {
    le32(b, (uint32_t)log->num_algs);
    for (size_t i = 0; i < log->num_algs; i++) {
      le16(b, log->algs[i]);
      vouch_buf_append(b, d[i], hash_len(log->algs[i]));
    }
  } else {
    vouch_buf_append(b, d[0], 20);
  }
  le32(b, (uint32_t)len);
  vouch_buf_append(b, data, len);
  VOUCH_GUARD(vouch_buf_status(b));
  if (!extend) return VOUCH_OK;
  if (pcr == 0) log->pcr0_extended = true;
  for (size_t i = 0; i < log->num_algs; i++) {
    for (int k = 0; k < VOUCH_GEN_TPM_MAX_BANKS; k++) {
      if (log->pcrs->hash_alg[k] == log->algs[i]) {
        VOUCH_GUARD(extend_bank(log->algs[i], log->pcrs->value[k][pcr], d[i]));
      }
    }
  }
  return VOUCH_OK;
}

vouch_status vouch_gen_tpm_log_event(vouch_gen_tpm_log *log, uint32_t pcr, uint32_t type,
                                     const uint8_t *data, size_t len) {
  VOUCH_ENSURE(log != NULL && (data != NULL || len == 0), VOUCH_E_ARG);
  return append(log, pcr, type, data, len, data, len, true);
}

vouch_status vouch_gen_tpm_log_event_measured(vouch_gen_tpm_log *log, uint32_t pcr, uint32_t type,
                                              const uint8_t *measured, size_t measured_len,
                                              const uint8_t *data, size_t len) {
  VOUCH_ENSURE(log != NULL && (data != NULL || len == 0), VOUCH_E_ARG);
  return append(log, pcr, type, measured, measured_len, data, len, true);
}

vouch_status vouch_gen_tpm_log_no_action(vouch_gen_tpm_log *log, uint32_t pcr,
                                         const uint8_t *data, size_t len) {
  VOUCH_ENSURE(log != NULL && (data != NULL || len == 0), VOUCH_E_ARG);
  VOUCH_GUARD(append(log, pcr, 3, NULL, 0, data, len, false));
  if (pcr == 0 && len == 17 && memcmp(data, "StartupLocality", 16) == 0) {
    VOUCH_ENSURE(!log->pcr0_extended, VOUCH_E_ARG);
    for (int k = 0; k < VOUCH_GEN_TPM_MAX_BANKS; k++) {
      size_t n = hash_len(log->pcrs->hash_alg[k]);
      if (n == 0) continue;
      memset(log->pcrs->value[k][0], 0, n);
      log->pcrs->value[k][0][n - 1] = data[16];
    }
  }
  return VOUCH_OK;
}

vouch_status vouch_gen_tpm_log_efi_variable(vouch_gen_tpm_log *log, uint32_t pcr, uint32_t type,
                                            const uint8_t guid[16], const char *name,
                                            const uint8_t *value, size_t len) {
  VOUCH_ENSURE(log != NULL && guid != NULL && name != NULL, VOUCH_E_ARG);
  vouch_buf v;
  vouch_buf_init(&v, 1u << 20);
  vouch_buf_append(&v, guid, 16);
  size_t n = strlen(name);
  le64(&v, n);
  le64(&v, len);
  for (size_t i = 0; i < n; i++) le16(&v, (uint8_t)name[i]);
  vouch_buf_append(&v, value, len);
  vouch_status s = vouch_buf_status(&v);
  if (s == VOUCH_OK) s = vouch_gen_tpm_log_event(log, pcr, type, (const uint8_t *)v.data, v.len);
  vouch_buf_free(&v);
  return s;
}

/* sipa appends one Windows SIPA TLV (type, size, data), little-endian. */
static void sipa(vouch_buf *b, uint32_t type, const void *data, size_t len) {
  le32(b, type);
  le32(b, (uint32_t)len);
  vouch_buf_append(b, data, len);
}

vouch_status vouch_gen_tpm_log_boot(vouch_gen_tpm_log *log, bool secure_boot) {
  VOUCH_ENSURE(log != NULL, VOUCH_E_ARG);
  static const uint8_t kGlobal[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                      0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
  static const uint8_t kImageSecurity[16] = {0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
                                             0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f};
  static const uint8_t kSeparator[4] = {0};
  static const char kVersion[] = "vouch synthetic firmware 1.0";
  const uint32_t kDriverConfig = 0x80000001, kBootApp = 0x80000003;
  VOUCH_GUARD(vouch_gen_tpm_log_event(log, 0, 0x8, (const uint8_t *)kVersion, sizeof(kVersion)));
  uint8_t sb = secure_boot ? 1 : 0;
  VOUCH_GUARD(vouch_gen_tpm_log_efi_variable(log, 7, kDriverConfig, kGlobal, "SecureBoot", &sb, 1));
  static const uint8_t kPk[] = "synthetic PK";
  static const uint8_t kKek[] = "synthetic KEK";
  static const uint8_t kDb[] = "synthetic db";
  static const uint8_t kDbx[] = "synthetic dbx";
  VOUCH_GUARD(vouch_gen_tpm_log_efi_variable(log, 7, kDriverConfig, kGlobal, "PK", kPk, sizeof(kPk)));
  VOUCH_GUARD(vouch_gen_tpm_log_efi_variable(log, 7, kDriverConfig, kGlobal, "KEK", kKek,
                                             sizeof(kKek)));
  VOUCH_GUARD(vouch_gen_tpm_log_efi_variable(log, 7, kDriverConfig, kImageSecurity, "db", kDb,
                                             sizeof(kDb)));
  VOUCH_GUARD(vouch_gen_tpm_log_efi_variable(log, 7, kDriverConfig, kImageSecurity, "dbx", kDbx,
                                             sizeof(kDbx)));
  for (uint32_t p = 0; p <= 7; p++) {
    VOUCH_GUARD(vouch_gen_tpm_log_event(log, p, 0x4, kSeparator, sizeof(kSeparator)));
  }
  static const uint8_t kImage[] = "synthetic boot application image";
  static const uint8_t kDevPath[] = "\\EFI\\BOOT\\BOOTX64.EFI";
  VOUCH_GUARD(vouch_gen_tpm_log_event_measured(log, 4, kBootApp, kImage, sizeof(kImage), kDevPath,
                                               sizeof(kDevPath)));
  /* A Windows trust boundary (PCR 12), the shape boot managers log. */
  vouch_buf inner, outer;
  vouch_buf_init(&inner, 4096);
  vouch_buf_init(&outer, 4096);
  const uint8_t f = 0, t = 1;
  static const uint8_t kSvn[4] = {1, 0, 0, 0};
  sipa(&inner, 0x00020009, kSvn, 4); /* APPLICATION_SVN, little-endian */
  sipa(&inner, 0x00040001, &f, 1);   /* BOOTDEBUGGING */
  sipa(&inner, 0x00050001, &f, 1);   /* OSKERNELDEBUG */
  sipa(&inner, 0x00050002, &t, 1);   /* CODEINTEGRITY */
  sipa(&inner, 0x00050003, &f, 1);   /* TESTSIGNING */
  sipa(&inner, 0x00050005, &f, 1);   /* SAFEMODE */
  sipa(&inner, 0x00050006, &f, 1);   /* WINPE */
  sipa(&outer, 0x40010001, inner.data, inner.len); /* TRUSTBOUNDARY */
  vouch_status s = vouch_buf_status(&outer);
  if (s == VOUCH_OK) {
    s = vouch_gen_tpm_log_event(log, 12, 0x6, (const uint8_t *)outer.data, outer.len);
  }
  vouch_buf_free(&inner);
  vouch_buf_free(&outer);
  return s;
}
