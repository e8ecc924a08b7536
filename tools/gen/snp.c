/* tools/gen/snp.c - synthetic AMD SEV-SNP evidence (gen.h "SEV-SNP"): a
 * test ARK/ASK/ASVK hierarchy, VCEKs and VLEKs with AMD's extensions,
 * AMD-style CRLs, attestation reports, Azure HCL reports and certificate
 * tables.  Shapes follow shared/spec/sev-snp.md and AMD's production
 * certificates (subject OU, C, L, ST, O, CN in that order; PSS SHA-384
 * salt 48; VCEK serial 0; extensions in KDS order). */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen/internal.h"

static const char *const kProduct[3] = {"Milan", "Genoa", "Turin"};

/* ---- RSA keys, made once per (seed, product, role, bits) per process ------------- */

typedef struct {
  uint64_t seed;
  int product, role, bits;
  EVP_PKEY *key;
} cached_key;

enum { kKeyCacheMax = 64 };
static cached_key g_keys[kKeyCacheMax];
static size_t g_num_keys;
static pthread_mutex_t g_keys_lock = PTHREAD_MUTEX_INITIALIZER;

/* rsa_key returns a new reference to the cached key, making it if needed.
 * Generation happens under the lock: concurrent callers for the same key
 * wait instead of making two. */
static EVP_PKEY *rsa_key(uint64_t seed, int product, int role, int bits) {
  EVP_PKEY *k = NULL;
  pthread_mutex_lock(&g_keys_lock);
  for (size_t i = 0; i < g_num_keys && k == NULL; i++) {
    cached_key *c = &g_keys[i];
    if (c->seed == seed && c->product == product && c->role == role && c->bits == bits) k = c->key;
  }
  if (k == NULL) {
    k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (k != NULL && g_num_keys < kKeyCacheMax) {
      g_keys[g_num_keys++] = (cached_key){seed, product, role, bits, k};
    } else if (k != NULL) {
      pthread_mutex_unlock(&g_keys_lock);
      return k; /* cache full: an uncached key, owned by the caller */
    }
  }
  if (k != NULL) EVP_PKEY_up_ref(k);
  pthread_mutex_unlock(&g_keys_lock);
  return k;
}

/* ---- certificates ------------------------------------------------------------------ */

struct vouch_gen_snp_pki {
  int64_t now;
  uint64_t seed;
  vouch_gen_snp_product product;
  char org[128];
  gen_cert certs[VOUCH_GEN_SNP_CA_COUNT];
  uint64_t num_keys; /* creation counter of VCEKs/VLEKs: the derivation index */
};

struct vouch_gen_snp_key {
  const vouch_gen_snp_pki *pki;
  bool vlek;
  gen_cert cert; /* the VCEK/VLEK and its P-384 private key */
  uint8_t chip_id[64];
  vouch_gen_snp_tcb tcb;
};

static X509_NAME *amd_name(const char *cn, const char *org) {
  X509_NAME *n = X509_NAME_new();
  if (n == NULL) return NULL;
  const char *fields[6][2] = {{"OU", "Engineering"}, {"C", "US"}, {"L", "Santa Clara"},
                              {"ST", "CA"},          {"O", org},  {"CN", cn}};
  for (size_t i = 0; i < 6; i++) {
    int type = strcmp(fields[i][0], "C") == 0 ? MBSTRING_ASC : MBSTRING_UTF8;
    if (X509_NAME_add_entry_by_txt(n, fields[i][0], type, (const unsigned char *)fields[i][1], -1,
                                   -1, 0) != 1) {
      X509_NAME_free(n);
      return NULL;
    }
  }
  return n;
}

static bool add_conf(X509 *x, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
  if (ext == NULL) return false;
  bool ok = X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

static bool add_raw_ext(X509 *x, const char *oid, const uint8_t *value, size_t len) {
  ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  X509_EXTENSION *ext = NULL;
  bool ok = obj != NULL && os != NULL && ASN1_OCTET_STRING_set(os, value, (int)len) == 1 &&
            (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
            X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(os);
  ASN1_OBJECT_free(obj);
  return ok;
}

/* DER INTEGER 0..255, minimal (255 = 02 02 00 FF). */
static bool add_int_ext(X509 *x, const char *oid, unsigned v) {
  uint8_t der[4] = {0x02, 0x01, (uint8_t)v, 0};
  size_t n = 3;
  if (v >= 0x80) {
    der[1] = 2;
    der[2] = 0;
    der[3] = (uint8_t)v;
    n = 4;
  }
  return add_raw_ext(x, oid, der, n);
}

static bool add_ia5_ext(X509 *x, const char *oid, const char *s) {
  size_t n = strlen(s);
  uint8_t der[130];
  if (n > 127) return false;
  der[0] = 0x16;
  der[1] = (uint8_t)n;
  memcpy(der + 2, s, n);
  return add_raw_ext(x, oid, der, n + 2);
}

/* sign_pss signs |x| with |key|: RSASSA-PSS SHA-384, MGF1-SHA-384, salt 48. */
static bool sign_pss(X509 *x, X509_CRL *crl, EVP_PKEY *key) {
  EVP_MD_CTX *mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  bool ok = mctx != NULL && EVP_DigestSignInit(mctx, &pctx, EVP_sha384(), NULL, key) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) == 1 &&
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) == 1 &&
            (x ? X509_sign_ctx(x, mctx) : X509_CRL_sign_ctx(crl, mctx)) > 0;
  EVP_MD_CTX_free(mctx);
  return ok;
}

/* make_ca builds the ARK (issuer NULL) or an ASK/ASVK. */
static bool make_ca(gen_cert *c, const gen_cert *issuer, EVP_PKEY *key, const char *cn,
                    const char *org, const char *crl_url, uint64_t serial, int64_t nb, int64_t na) {
  X509_NAME *subject = amd_name(cn, org);
  c->x509 = X509_new();
  c->key = key;
  c->not_before = nb;
  c->not_after = na;
  X509 *x = c->x509;
  char dp[160];
  snprintf(dp, sizeof(dp), "URI:%s", crl_url);
  bool ok = subject != NULL && x != NULL && X509_set_version(x, X509_VERSION_3) == 1 &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) == 1 &&
            X509_set_subject_name(x, subject) == 1 &&
            X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x509) : subject) == 1 &&
            ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL &&
            ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL &&
            X509_set_pubkey(x, key) == 1;
  if (ok && issuer == NULL) { /* ARK: as AMD's */
    ok = add_conf(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_conf(x, NULL, NID_subject_key_identifier, "hash") &&
         add_conf(x, NULL, NID_basic_constraints, "critical,CA:TRUE") &&
         add_conf(x, NULL, NID_crl_distribution_points, dp);
  } else if (ok) { /* ASK / ASVK */
    ok = add_conf(x, issuer->x509, NID_subject_key_identifier, "hash") &&
         add_conf(x, issuer->x509, NID_authority_key_identifier, "keyid:always") &&
         add_conf(x, issuer->x509, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
         add_conf(x, issuer->x509, NID_key_usage, "critical,keyCertSign") &&
         add_conf(x, issuer->x509, NID_crl_distribution_points, dp);
  }
  ok = ok && sign_pss(x, NULL, issuer ? issuer->key : key) && gen_finish_cert(c);
  X509_NAME_free(subject);
  return ok;
}

vouch_status vouch_gen_snp_pki_new(const vouch_gen_snp_pki_opts *opts, vouch_gen_snp_pki **out,
                                   vouch_err *err) {
  if (opts == NULL || out == NULL || opts->product > VOUCH_GEN_SNP_TURIN ||
      (opts->rsa_bits != 0 && opts->rsa_bits < 2048)) {
    return vouch_fail(err, VOUCH_E_ARG, "gen: snp pki: invalid argument");
  }
  *out = NULL;
  vouch_gen_snp_pki *pki = calloc(1, sizeof(*pki));
  if (pki == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "gen: snp pki: out of memory");
  pki->now = opts->now;
  pki->seed = opts->seed;
  pki->product = opts->product;
  snprintf(pki->org, sizeof(pki->org), "%s",
           opts->organization ? opts->organization : "vouch TEST PKI");
  int bits = opts->rsa_bits ? opts->rsa_bits : 4096;
  const char *p = kProduct[opts->product];
  char cn[3][64], url[3][128];
  snprintf(cn[0], sizeof(cn[0]), "ARK-%s", p);
  snprintf(cn[1], sizeof(cn[1]), "SEV-%s", p);
  snprintf(cn[2], sizeof(cn[2]), "SEV-VLEK-%s", p);
  snprintf(url[0], sizeof(url[0]), "https://kdsintf.amd.com/vcek/v1/%s/crl", p);
  snprintf(url[1], sizeof(url[1]), "https://kdsintf.amd.com/vcek/v1/%s/crl", p);
  snprintf(url[2], sizeof(url[2]), "https://kdsintf.amd.com/vlek/v1/%s/crl", p);
  for (int i = 0; i < VOUCH_GEN_SNP_CA_COUNT; i++) {
    EVP_PKEY *key = rsa_key(opts->seed, (int)opts->product, i, bits);
    if (key == NULL) {
      vouch_gen_snp_pki_free(pki);
      return gen_ossl_fail(err, "snp RSA key generation");
    }
    int64_t nb, na;
    gen_window(opts->now, 25 * GEN_YEAR, opts->validity[i], &nb, &na);
    uint64_t serial = (uint64_t)(i + 1) << 16 | (opts->seed & 0xFFFF);
    if (!make_ca(&pki->certs[i], i == 0 ? NULL : &pki->certs[0], key, cn[i], pki->org, url[i],
                 serial, nb, na)) {
      vouch_gen_snp_pki_free(pki);
      return gen_ossl_fail(err, "snp CA certificate");
    }
  }
  *out = pki;
  return VOUCH_OK;
}

void vouch_gen_snp_pki_free(vouch_gen_snp_pki *pki) {
  if (pki == NULL) return;
  for (int i = 0; i < VOUCH_GEN_SNP_CA_COUNT; i++) gen_cert_cleanup(&pki->certs[i]);
  free(pki);
}

vouch_status vouch_gen_snp_pki_cert_der(const vouch_gen_snp_pki *pki, vouch_gen_snp_ca which,
                                        const uint8_t **out, size_t *out_len) {
  if (pki == NULL || which >= VOUCH_GEN_SNP_CA_COUNT || out == NULL || out_len == NULL) {
    return VOUCH_E_ARG;
  }
  *out = pki->certs[which].der;
  *out_len = pki->certs[which].der_len;
  return VOUCH_OK;
}

vouch_status vouch_gen_snp_pki_cert_pem(const vouch_gen_snp_pki *pki, vouch_gen_snp_ca which,
                                        vouch_buf *out) {
  if (pki == NULL || which >= VOUCH_GEN_SNP_CA_COUNT || out == NULL) return VOUCH_E_ARG;
  vouch_buf_append(out, pki->certs[which].pem, pki->certs[which].pem_len);
  return vouch_buf_status(out);
}

vouch_status vouch_gen_snp_crl(const vouch_gen_snp_pki *pki, const vouch_gen_snp_crl_opts *opts,
                               vouch_buf *out_der, vouch_err *err) {
  if (pki == NULL || opts == NULL || out_der == NULL) {
    return vouch_fail(err, VOUCH_E_ARG, "gen: snp crl: invalid argument");
  }
  const gen_cert *ark = &pki->certs[VOUCH_GEN_SNP_ARK];
  int64_t tu, nu;
  gen_window(pki->now, opts->span > 0 ? opts->span : 7 * GEN_DAY, opts->validity, &tu, &nu);
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t_this = ASN1_TIME_set(NULL, (time_t)tu), *t_next = ASN1_TIME_set(NULL, (time_t)nu);
  unsigned char *der = NULL;
  bool ok = crl != NULL && t_this != NULL && t_next != NULL && X509_CRL_set_version(crl, 1) == 1 &&
            X509_CRL_set_issuer_name(crl, X509_get_subject_name(ark->x509)) == 1 &&
            X509_CRL_set1_lastUpdate(crl, t_this) == 1 &&
            X509_CRL_set1_nextUpdate(crl, t_next) == 1;
  const bool revoke[VOUCH_GEN_SNP_CA_COUNT] = {false, opts->revoke_ask, opts->revoke_asvk};
  for (int i = 1; i < VOUCH_GEN_SNP_CA_COUNT && ok; i++) {
    if (!revoke[i]) continue;
    X509_REVOKED *r = X509_REVOKED_new();
    ok = r != NULL &&
         X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(pki->certs[i].x509)) == 1 &&
         X509_REVOKED_set_revocationDate(r, t_this) == 1 && X509_CRL_add0_revoked(crl, r) == 1;
    if (!ok) X509_REVOKED_free(r);
  }
  ok = ok && X509_CRL_sort(crl) == 1 && sign_pss(NULL, crl, ark->key);
  int n = ok ? i2d_X509_CRL(crl, &der) : 0;
  if (n > 0) vouch_buf_append(out_der, der, (size_t)n);
  OPENSSL_free(der);
  ASN1_TIME_free(t_this);
  ASN1_TIME_free(t_next);
  X509_CRL_free(crl);
  if (n <= 0) return gen_ossl_fail(err, "snp CRL");
  return vouch_buf_status(out_der);
}

/* ---- VCEKs and VLEKs ------------------------------------------------------------------ */

uint64_t vouch_gen_snp_tcb_raw(vouch_gen_snp_product p, const vouch_gen_snp_tcb *t) {
  if (p == VOUCH_GEN_SNP_TURIN) {
    return (uint64_t)t->fmc | (uint64_t)t->bootloader << 8 | (uint64_t)t->tee << 16 |
           (uint64_t)t->snp << 24 | (uint64_t)t->microcode << 56;
  }
  return (uint64_t)t->bootloader | (uint64_t)t->tee << 8 | (uint64_t)t->snp << 48 |
         (uint64_t)t->microcode << 56;
}

void vouch_gen_snp_key_opts_default(vouch_gen_snp_key_opts *o) {
  memset(o, 0, sizeof(*o));
  o->tcb = (vouch_gen_snp_tcb){.fmc = 1, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};
}

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

vouch_status vouch_gen_snp_key_new(vouch_gen_snp_pki *pki, const vouch_gen_snp_key_opts *o,
                                   vouch_gen_snp_key **out, vouch_err *err) {
  if (pki == NULL || o == NULL || out == NULL) {
    return vouch_fail(err, VOUCH_E_ARG, "gen: snp key: invalid argument");
  }
  *out = NULL;
  vouch_gen_snp_key *k = calloc(1, sizeof(*k));
  if (k == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "gen: snp key: out of memory");
  k->pki = pki;
  k->vlek = o->vlek;
  k->tcb = o->tcb;
  bool turin = pki->product == VOUCH_GEN_SNP_TURIN;
  uint64_t index = pki->num_keys++; /* the derivation index of the chip id */
  if (!o->vlek) {
    if (all_zero(o->chip_id, 64)) {
      gen_derive(pki->seed, "snp-chip-id", index, k->chip_id, turin ? 8 : 64);
    } else {
      memcpy(k->chip_id, o->chip_id, 64);
    }
  }
  const gen_cert *issuer = &pki->certs[o->vlek ? VOUCH_GEN_SNP_ASVK : VOUCH_GEN_SNP_ASK];
  const char *p = kProduct[pki->product];
  char name[64];
  snprintf(name, sizeof(name), "%s",
           o->product_name                       ? o->product_name
           : o->vlek                             ? p
           : pki->product == VOUCH_GEN_SNP_MILAN ? "Milan-B0"
                                                 : p);
  X509_NAME *subject = amd_name(o->vlek ? "SEV-VLEK" : "SEV-VCEK", pki->org);
  gen_cert *c = &k->cert;
  c->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
  c->x509 = X509_new();
  X509 *x = c->x509;
  gen_window(pki->now, 7 * GEN_YEAR, o->validity, &c->not_before, &c->not_after);
  static const char *const kSpl[4] = {"1.3.6.1.4.1.3704.1.3.4", "1.3.6.1.4.1.3704.1.3.5",
                                      "1.3.6.1.4.1.3704.1.3.6", "1.3.6.1.4.1.3704.1.3.7"};
  bool ok = subject != NULL && c->key != NULL && x != NULL &&
            X509_set_version(x, X509_VERSION_3) == 1 &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), 0) == 1 && /* as AMD's */
            X509_set_subject_name(x, subject) == 1 &&
            X509_set_issuer_name(x, X509_get_subject_name(issuer->x509)) == 1 &&
            ASN1_TIME_set(X509_getm_notBefore(x), (time_t)c->not_before) != NULL &&
            ASN1_TIME_set(X509_getm_notAfter(x), (time_t)c->not_after) != NULL &&
            X509_set_pubkey(x, c->key) == 1 && add_int_ext(x, "1.3.6.1.4.1.3704.1.1", 0) &&
            add_ia5_ext(x, "1.3.6.1.4.1.3704.1.2", name) &&
            add_int_ext(x, "1.3.6.1.4.1.3704.1.3.1", o->tcb.bootloader) &&
            add_int_ext(x, "1.3.6.1.4.1.3704.1.3.2", o->tcb.tee);
  for (int i = 0; i < 4 && ok; i++) ok = add_int_ext(x, kSpl[i], 0);
  ok = ok && add_int_ext(x, "1.3.6.1.4.1.3704.1.3.3", o->tcb.snp) &&
       add_int_ext(x, "1.3.6.1.4.1.3704.1.3.8", o->tcb.microcode);
  if (ok && turin && !o->omit_fmc_spl) ok = add_int_ext(x, "1.3.6.1.4.1.3704.1.3.9", o->tcb.fmc);
  if (ok && !o->vlek && !o->omit_hwid) {
    ok = add_raw_ext(x, "1.3.6.1.4.1.3704.1.4", k->chip_id, turin ? 8 : 64);
  }
  if (ok && o->vlek) {
    ok = add_ia5_ext(x, "1.3.6.1.4.1.3704.1.5", o->csp_id ? o->csp_id : "CN=vouch-test-csp");
  }
  ok = ok && sign_pss(x, NULL, issuer->key);
  if (ok && o->corrupt_signature) {
    const ASN1_BIT_STRING *sig = NULL;
    X509_get0_signature(&sig, NULL, x);
    /* The signature bits are re-encoded from this string by i2d_X509. */
    ok = sig != NULL && ASN1_STRING_length(sig) > 10;
    if (ok) ((unsigned char *)ASN1_STRING_get0_data(sig))[5] ^= 0x01;
  }
  ok = ok && gen_finish_cert(c);
  X509_NAME_free(subject);
  if (!ok) {
    vouch_gen_snp_key_free(k);
    return gen_ossl_fail(err, "snp VCEK/VLEK certificate");
  }
  *out = k;
  return VOUCH_OK;
}

void vouch_gen_snp_key_free(vouch_gen_snp_key *k) {
  if (k == NULL) return;
  gen_cert_cleanup(&k->cert);
  free(k);
}

vouch_status vouch_gen_snp_key_cert_der(const vouch_gen_snp_key *k, const uint8_t **out,
                                        size_t *out_len) {
  if (k == NULL || out == NULL || out_len == NULL) return VOUCH_E_ARG;
  *out = k->cert.der;
  *out_len = k->cert.der_len;
  return VOUCH_OK;
}

vouch_status vouch_gen_snp_key_cert_pem(const vouch_gen_snp_key *k, vouch_buf *out) {
  if (k == NULL || out == NULL) return VOUCH_E_ARG;
  vouch_buf_append(out, k->cert.pem, k->cert.pem_len);
  return vouch_buf_status(out);
}

const uint8_t *vouch_gen_snp_key_chip_id(const vouch_gen_snp_key *k) {
  return k->chip_id;
}

/* ---- reports ------------------------------------------------------------------------------ */

void vouch_gen_snp_report_opts_default(vouch_gen_snp_report_opts *o, const vouch_gen_snp_key *key) {
  memset(o, 0, sizeof(*o));
  o->version = 3;
  o->policy = 0x30000;
  o->signature_algo = 1;
  o->current_tcb = o->reported_tcb = o->committed_tcb = o->launch_tcb = key->tcb;
  o->platform_info = 0x25; /* SMT, ECC, alias check complete */
  o->signing_key = key->vlek ? 1 : 0;
  memcpy(o->chip_id, key->chip_id, 64);
  uint64_t seed = key->pki->seed;
  gen_derive(seed, "snp-measurement", 0, o->measurement, 48);
  gen_derive(seed, "snp-report-id", 0, o->report_id, 32);
  memset(o->report_id_ma, 0xFF, 32);
  static const uint8_t kCpuid[3][3] = {{0x19, 0x01, 0x01}, {0x19, 0x11, 0x01}, {0x1A, 0x02, 0x00}};
  o->cpuid_fam_id = kCpuid[key->pki->product][0];
  o->cpuid_mod_id = kCpuid[key->pki->product][1];
  o->cpuid_step = kCpuid[key->pki->product][2];
  o->current_build = o->committed_build = 40;
  o->current_minor = o->committed_minor = 55;
  o->current_major = o->committed_major = 1;
}

static void put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* der_int48 copies a DER INTEGER's magnitude into 48 big-endian bytes. */
static bool der_int48(const uint8_t **p, const uint8_t *end, uint8_t out[48]) {
  if (end - *p < 2 || (*p)[0] != 0x02) return false;
  size_t len = (*p)[1];
  const uint8_t *v = *p + 2;
  if (len == 0 || (size_t)(end - v) < len) return false;
  *p = v + len;
  while (len > 0 && *v == 0) {
    v++;
    len--;
  }
  if (len > 48) return false;
  memset(out, 0, 48 - len);
  memcpy(out + 48 - len, v, len);
  return true;
}

/* sign_p384 signs |msg| (ECDSA P-384 / SHA-384) into big-endian r || s. */
static bool sign_p384(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t rs[96]) {
  uint8_t der[128];
  size_t der_len = sizeof(der);
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  bool ok = m != NULL && EVP_DigestSignInit(m, NULL, EVP_sha384(), NULL, key) == 1 &&
            EVP_DigestSign(m, der, &der_len, msg, len) == 1;
  EVP_MD_CTX_free(m);
  if (!ok) return false;
  /* SEQUENCE (short or 0x81 long form) { INTEGER r, INTEGER s } */
  const uint8_t *p = der, *end = der + der_len;
  if (der_len < 8 || der[0] != 0x30) return false;
  p += der[1] == 0x81 ? 3 : 2;
  return der_int48(&p, end, rs) && der_int48(&p, end, rs + 48) && p == end;
}

static vouch_status build_report(const vouch_gen_snp_key *key, const vouch_gen_snp_report_opts *o,
                                 uint8_t r[1184]) {
  vouch_gen_snp_product prod = key->pki->product;
  memset(r, 0, 1184);
  put_le(r + 0x000, o->version, 4);
  put_le(r + 0x004, o->guest_svn, 4);
  put_le(r + 0x008, o->policy, 8);
  memcpy(r + 0x010, o->family_id, 16);
  memcpy(r + 0x020, o->image_id, 16);
  put_le(r + 0x030, o->vmpl, 4);
  put_le(r + 0x034, o->signature_algo, 4);
  put_le(r + 0x038, vouch_gen_snp_tcb_raw(prod, &o->current_tcb), 8);
  put_le(r + 0x040, o->platform_info, 8);
  uint32_t signer =
      (o->author_key_en ? 1u : 0u) | (o->mask_chip_key ? 2u : 0u) | (o->signing_key & 7u) << 2;
  put_le(r + 0x048, signer, 4);
  memcpy(r + 0x050, o->report_data, 64);
  memcpy(r + 0x090, o->measurement, 48);
  memcpy(r + 0x0C0, o->host_data, 32);
  memcpy(r + 0x0E0, o->id_key_digest, 48);
  memcpy(r + 0x110, o->author_key_digest, 48);
  memcpy(r + 0x140, o->report_id, 32);
  memcpy(r + 0x160, o->report_id_ma, 32);
  put_le(r + 0x180, vouch_gen_snp_tcb_raw(prod, &o->reported_tcb), 8);
  if (o->version >= 3) {
    r[0x188] = o->cpuid_fam_id;
    r[0x189] = o->cpuid_mod_id;
    r[0x18A] = o->cpuid_step;
  }
  memcpy(r + 0x1A0, o->chip_id, 64);
  put_le(r + 0x1E0, vouch_gen_snp_tcb_raw(prod, &o->committed_tcb), 8);
  r[0x1E8] = o->current_build;
  r[0x1E9] = o->current_minor;
  r[0x1EA] = o->current_major;
  r[0x1EC] = o->committed_build;
  r[0x1ED] = o->committed_minor;
  r[0x1EE] = o->committed_major;
  put_le(r + 0x1F0, vouch_gen_snp_tcb_raw(prod, &o->launch_tcb), 8);
  if (o->version >= 5) {
    put_le(r + 0x1F8, o->launch_mit_vector, 8);
    put_le(r + 0x200, o->current_mit_vector, 8);
  }
  if (o->corrupt & VOUCH_GEN_SNP_CORRUPT_RESERVED) r[0x04C] = 1;
  if (!(o->corrupt & VOUCH_GEN_SNP_CORRUPT_ZERO_SIGNATURE)) {
    uint8_t rs[96];
    if (!sign_p384(key->cert.key, r, 0x2A0, rs)) {
      ERR_clear_error();
      return VOUCH_E_CRYPTO;
    }
    for (int i = 0; i < 48; i++) {
      r[0x2A0 + i] = rs[47 - i];        /* R, little-endian */
      r[0x2A0 + 0x48 + i] = rs[95 - i]; /* S */
    }
  }
  if (o->corrupt & VOUCH_GEN_SNP_CORRUPT_SIGNATURE) r[0x2A0 + 3] ^= 0x01;
  if (o->corrupt & VOUCH_GEN_SNP_CORRUPT_MEASUREMENT) r[0x090] ^= 0x01;
  if (o->corrupt & VOUCH_GEN_SNP_CORRUPT_SIG_PADDING) r[0x2A0 + 50] = 1;
  return VOUCH_OK;
}

vouch_status vouch_gen_snp_report(const vouch_gen_snp_key *key, const vouch_gen_snp_report_opts *o,
                                  vouch_buf *out) {
  if (key == NULL || o == NULL || out == NULL) return VOUCH_E_ARG;
  uint8_t r[1184];
  VOUCH_GUARD(build_report(key, o, r));
  vouch_buf_append(out, r, sizeof(r));
  return vouch_buf_status(out);
}

vouch_status vouch_gen_snp_hcl_report(const vouch_gen_snp_key *key,
                                      const vouch_gen_snp_report_opts *opts, const char *json,
                                      size_t json_len, vouch_buf *out) {
  if (key == NULL || opts == NULL || json == NULL || out == NULL || json_len > 1u << 20) {
    return VOUCH_E_ARG;
  }
  vouch_gen_snp_report_opts o = *opts;
  memset(o.report_data, 0, sizeof(o.report_data));
  unsigned int n = 0;
  if (EVP_Digest(json, json_len, o.report_data, &n, EVP_sha256(), NULL) != 1) {
    ERR_clear_error();
    return VOUCH_E_CRYPTO;
  }
  uint8_t hdr[0x20] = {'H', 'C', 'L', 'A'}, rep[1184], rt[20];
  put_le(hdr + 4, 2, 4);                /* version */
  put_le(hdr + 8, 0x4D4 + json_len, 4); /* size */
  put_le(hdr + 12, 2, 4);               /* request type */
  VOUCH_GUARD(build_report(key, &o, rep));
  put_le(rt + 0, 20 + json_len, 4); /* data size */
  put_le(rt + 4, 1, 4);             /* version */
  put_le(rt + 8, 2, 4);             /* report type: SNP */
  put_le(rt + 12, 1, 4);            /* hash type: SHA-256 */
  put_le(rt + 16, json_len, 4);
  vouch_buf_append(out, hdr, sizeof(hdr));
  vouch_buf_append(out, rep, sizeof(rep));
  vouch_buf_append(out, rt, sizeof(rt));
  vouch_buf_append(out, json, json_len);
  return vouch_buf_status(out);
}

vouch_status vouch_gen_snp_cert_table(const vouch_gen_snp_key *key, bool with_ark, vouch_buf *out) {
  if (key == NULL || out == NULL) return VOUCH_E_ARG;
  static const uint8_t kVcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                    0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
  static const uint8_t kVlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                    0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
  static const uint8_t kAsk[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                   0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
  static const uint8_t kArk[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                   0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
  const gen_cert *certs[3] = {&key->cert,
                              &key->pki->certs[key->vlek ? VOUCH_GEN_SNP_ASVK : VOUCH_GEN_SNP_ASK],
                              &key->pki->certs[VOUCH_GEN_SNP_ARK]};
  const uint8_t *guids[3] = {key->vlek ? kVlek : kVcek, kAsk, kArk};
  int n = with_ark ? 3 : 2;
  uint8_t entry[24];
  size_t off = (size_t)(n + 1) * 24;
  for (int i = 0; i < n; i++) {
    memcpy(entry, guids[i], 16);
    put_le(entry + 16, off, 4);
    put_le(entry + 20, certs[i]->der_len, 4);
    vouch_buf_append(out, entry, sizeof(entry));
    off += certs[i]->der_len;
  }
  memset(entry, 0, sizeof(entry));
  vouch_buf_append(out, entry, sizeof(entry));
  for (int i = 0; i < n; i++) vouch_buf_append(out, certs[i]->der, certs[i]->der_len);
  return vouch_buf_status(out);
}
