/* tools/gen/pki.c - the test PKI: certificates and CRLs shaped like Intel's
 * SGX PKI (shared/spec/sgx-tdx.md §1, §7.3).
 *
 * Shapes copied from production certificates:
 *  - names CN, O, L=Santa Clara, ST=CA, C=US in that order; CN/O/L/ST
 *    UTF8String, C PrintableString; v3; 20-byte serials; ecdsa-with-SHA256.
 *  - extensions in Intel's order: AKID (key id only), CRL Distribution
 *    Points, SKID, keyUsage (critical), basicConstraints (critical), then
 *    the SGX extension on PCK certificates.
 *  - CRLs: v2, thisUpdate/nextUpdate, entries with a reason code, then the
 *    CRL Number and AKID extensions.
 * Every CRL is re-signed when its revocation list changes, so all readers
 * see immutable bytes and the pki can be read from several threads.
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen/internal.h"

static const char kRootCrlUrl[] =
    "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";
static const char kProcessorCrlUrl[] =
    "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor&encoding=der";
static const char kPlatformCrlUrl[] =
    "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=platform&encoding=der";

static const char *const kCn[4] = {
    "Intel SGX Root CA",
    "Intel SGX PCK Processor CA",
    "Intel SGX PCK Platform CA",
    "Intel SGX TCB Signing",
};

typedef enum { ROLE_ROOT, ROLE_CA, ROLE_SIGNER, ROLE_PCK } cert_role;

/* spans of each PKI item, mirroring Intel's (spec §1, §7.3). */
static int64_t item_span(vouch_gen_pki_item item) {
  switch (item) {
    case VOUCH_GEN_ROOT_CA:
      return 30 * GEN_YEAR;
    case VOUCH_GEN_PROCESSOR_CA:
    case VOUCH_GEN_PLATFORM_CA:
      return 15 * GEN_YEAR;
    case VOUCH_GEN_TCB_SIGNING:
      return 7 * GEN_YEAR;
    case VOUCH_GEN_ROOT_CRL:
      return 365 * GEN_DAY;
    default:
      return 30 * GEN_DAY;
  }
}

void gen_cert_cleanup(gen_cert *c) {
  X509_free(c->x509);
  EVP_PKEY_free(c->key);
  OPENSSL_free(c->der);
  free(c->pem);
  memset(c, 0, sizeof(*c));
}

const gen_cert *gen_pki_cert(const vouch_gen_pki *pki, vouch_gen_pki_item item) {
  if (pki == NULL || item < VOUCH_GEN_ROOT_CA || item > VOUCH_GEN_TCB_SIGNING) return NULL;
  return &pki->certs[item];
}

static X509_NAME *make_name(const char *cn, const char *org) {
  X509_NAME *n = X509_NAME_new();
  if (n == NULL) return NULL;
  const char *fields[5][2] = {
      {"CN", cn}, {"O", org}, {"L", "Santa Clara"}, {"ST", "CA"}, {"C", "US"}};
  for (size_t i = 0; i < 5; i++) {
    if (X509_NAME_add_entry_by_txt(n, fields[i][0], MBSTRING_UTF8,
                                   (const unsigned char *)fields[i][1], -1, -1, 0) != 1) {
      X509_NAME_free(n);
      return NULL;
    }
  }
  return n;
}

static ASN1_INTEGER *make_serial(const uint8_t *bytes, size_t len) {
  BIGNUM *bn = BN_bin2bn(bytes, (int)len, NULL);
  if (bn == NULL) return NULL;
  ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
  BN_free(bn);
  return ai;
}

/* add_conf adds one extension from OpenSSL's config syntax. */
static bool add_conf(X509 *x, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, NULL, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
  if (ext == NULL) return false;
  bool ok = X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

static AUTHORITY_KEYID *make_akid(const uint8_t keyid[20]) {
  AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
  if (akid == NULL) return NULL;
  akid->keyid = ASN1_OCTET_STRING_new();
  if (akid->keyid == NULL || ASN1_OCTET_STRING_set(akid->keyid, keyid, 20) != 1) {
    AUTHORITY_KEYID_free(akid);
    return NULL;
  }
  return akid;
}

static bool add_akid(X509 *x, const uint8_t keyid[20]) {
  AUTHORITY_KEYID *akid = make_akid(keyid);
  if (akid == NULL) return false;
  bool ok = X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT) == 1;
  AUTHORITY_KEYID_free(akid);
  return ok;
}

static bool add_skid(X509 *x, const uint8_t skid[20]) {
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  if (os == NULL) return false;
  bool ok = ASN1_OCTET_STRING_set(os, skid, 20) == 1 &&
            X509_add1_ext_i2d(x, NID_subject_key_identifier, os, 0, X509V3_ADD_DEFAULT) == 1;
  ASN1_OCTET_STRING_free(os);
  return ok;
}

static bool add_sgx_ext(X509 *x, const uint8_t *der, size_t len) {
  bool ok = false;
  ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  X509_EXTENSION *ext = NULL;
  if (obj == NULL || os == NULL || ASN1_OCTET_STRING_set(os, der, (int)len) != 1) goto done;
  ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
  if (ext == NULL) goto done;
  ok = X509_add_ext(x, ext, -1) == 1;
done:
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(os);
  ASN1_OBJECT_free(obj);
  return ok;
}

bool gen_finish_cert(gen_cert *c) {
  unsigned char *der = NULL;
  int n = i2d_X509(c->x509, &der);
  if (n <= 0) return false;
  c->der = der;
  c->der_len = (size_t)n;
  BIO *bio = BIO_new(BIO_s_mem());
  if (bio == NULL) return false;
  bool ok = false;
  char *mem = NULL;
  if (PEM_write_bio_X509(bio, c->x509) != 1) goto done;
  long len = BIO_get_mem_data(bio, &mem);
  if (len <= 0) goto done;
  c->pem = malloc((size_t)len + 1);
  if (c->pem == NULL) goto done;
  memcpy(c->pem, mem, (size_t)len);
  c->pem[len] = '\0';
  c->pem_len = (size_t)len;
  ok = true;
done:
  BIO_free(bio);
  return ok;
}

/* make_cert builds and signs one certificate.  |issuer| NULL = self-signed.
 * On success |c| owns the certificate and |key|. */
static vouch_status make_cert(gen_cert *c, const gen_cert *issuer, EVP_PKEY *key, const char *cn,
                              const char *org, const X509_NAME *issuer_name, cert_role role,
                              const char *crl_url, int64_t not_before, int64_t not_after,
                              const uint8_t *sgx_ext, size_t sgx_ext_len, vouch_err *err) {
  static const char *const kKu[] = {
      [ROLE_ROOT] = "critical,keyCertSign,cRLSign",
      [ROLE_CA] = "critical,keyCertSign,cRLSign",
      [ROLE_SIGNER] = "critical,digitalSignature,nonRepudiation",
      [ROLE_PCK] = "critical,digitalSignature,nonRepudiation",
  };
  static const char *const kBc[] = {
      [ROLE_ROOT] = "critical,CA:TRUE,pathlen:1",
      [ROLE_CA] = "critical,CA:TRUE,pathlen:0",
      [ROLE_SIGNER] = "critical,CA:FALSE",
      [ROLE_PCK] = "critical,CA:FALSE",
  };
  X509_NAME *subject = make_name(cn, org);
  ASN1_INTEGER *serial = make_serial(c->serial, sizeof(c->serial));
  c->x509 = X509_new();
  c->key = key;
  c->not_before = not_before;
  c->not_after = not_after;
  if (subject == NULL || serial == NULL || c->x509 == NULL) goto fail;
  X509 *x = c->x509;
  unsigned int md_len = 0;
  if (X509_set_version(x, X509_VERSION_3) != 1 || X509_set_serialNumber(x, serial) != 1 ||
      X509_set_subject_name(x, subject) != 1 ||
      X509_set_issuer_name(x, issuer ? issuer_name : subject) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) == NULL ||
      ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) == NULL ||
      X509_set_pubkey(x, key) != 1 || X509_pubkey_digest(x, EVP_sha1(), c->skid, &md_len) != 1 ||
      md_len != 20)
    goto fail;
  const uint8_t *akid = issuer ? issuer->skid : c->skid;
  char crldp[256];
  snprintf(crldp, sizeof(crldp), "URI:%s", crl_url);
  if (!add_akid(x, akid) || !add_conf(x, NID_crl_distribution_points, crldp) ||
      !add_skid(x, c->skid) || !add_conf(x, NID_key_usage, kKu[role]) ||
      !add_conf(x, NID_basic_constraints, kBc[role]))
    goto fail;
  if (sgx_ext != NULL && !add_sgx_ext(x, sgx_ext, sgx_ext_len)) goto fail;
  if (X509_sign(x, issuer ? issuer->key : key, EVP_sha256()) <= 0) goto fail;
  if (!gen_finish_cert(c)) goto fail;
  X509_NAME_free(subject);
  ASN1_INTEGER_free(serial);
  return VOUCH_OK;
fail:
  X509_NAME_free(subject);
  ASN1_INTEGER_free(serial);
  vouch_status s = gen_ossl_fail(err, "certificate creation");
  gen_cert_cleanup(c); /* frees |key| too */
  return s;
}

/* serial_for derives a 20-byte positive serial with a non-zero first byte,
 * like Intel's (whose DER is 20 or 21 bytes). */
static void serial_for(uint64_t seed, const char *label, uint64_t index, uint8_t out[20]) {
  gen_derive(seed, label, index, out, GEN_SERIAL_LEN);
  if (out[0] == 0) out[0] = 1;
}

static vouch_status sign_crl(vouch_gen_pki *pki, vouch_gen_pki_item item, vouch_err *err) {
  gen_crl *c = &pki->crls[item - VOUCH_GEN_ROOT_CRL];
  const gen_cert *issuer = &pki->certs[item == VOUCH_GEN_ROOT_CRL        ? VOUCH_GEN_ROOT_CA
                                       : item == VOUCH_GEN_PROCESSOR_CRL ? VOUCH_GEN_PROCESSOR_CA
                                                                         : VOUCH_GEN_PLATFORM_CA];
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t_this = ASN1_TIME_set(NULL, (time_t)c->this_update);
  ASN1_TIME *t_next = ASN1_TIME_set(NULL, (time_t)c->next_update);
  ASN1_INTEGER *number = ASN1_INTEGER_new();
  AUTHORITY_KEYID *akid = make_akid(issuer->skid);
  ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
  unsigned char *der = NULL;
  bool ok = false;
  if (crl == NULL || t_this == NULL || t_next == NULL || number == NULL || akid == NULL ||
      reason == NULL)
    goto done;
  if (X509_CRL_set_version(crl, 1 /* v2 */) != 1 ||
      X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer->x509)) != 1 ||
      X509_CRL_set1_lastUpdate(crl, t_this) != 1 || X509_CRL_set1_nextUpdate(crl, t_next) != 1 ||
      ASN1_ENUMERATED_set(reason, CRL_REASON_KEY_COMPROMISE) != 1)
    goto done;
  for (size_t i = 0; i < c->num_revoked; i++) {
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *sn = make_serial(c->revoked[i].bytes, c->revoked[i].len);
    bool r_ok = r != NULL && sn != NULL && X509_REVOKED_set_serialNumber(r, sn) == 1 &&
                X509_REVOKED_set_revocationDate(r, t_this) == 1 &&
                X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0) == 1 &&
                X509_CRL_add0_revoked(crl, r) == 1;
    ASN1_INTEGER_free(sn);
    if (!r_ok) {
      X509_REVOKED_free(r);
      goto done;
    }
  }
  if (X509_CRL_sort(crl) != 1 || ASN1_INTEGER_set_uint64(number, c->number + 1) != 1 ||
      X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0) != 1 ||
      X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0, 0) != 1 ||
      X509_CRL_sign(crl, issuer->key, EVP_sha256()) <= 0)
    goto done;
  int n = i2d_X509_CRL(crl, &der);
  if (n <= 0) goto done;
  OPENSSL_free(c->der);
  c->der = der;
  c->der_len = (size_t)n;
  c->number++;
  ok = true;
done:
  ASN1_ENUMERATED_free(reason);
  AUTHORITY_KEYID_free(akid);
  ASN1_INTEGER_free(number);
  ASN1_TIME_free(t_next);
  ASN1_TIME_free(t_this);
  X509_CRL_free(crl);
  return ok ? VOUCH_OK : gen_ossl_fail(err, "CRL signing");
}

vouch_status vouch_gen_pki_new(const vouch_gen_pki_opts *opts, vouch_gen_pki **out,
                               vouch_err *err) {
  if (opts == NULL || out == NULL) return vouch_fail(err, VOUCH_E_ARG, "gen: pki: NULL argument");
  *out = NULL;
  vouch_gen_pki *pki = calloc(1, sizeof(*pki));
  if (pki == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "gen: pki: out of memory");
  vouch_status s = VOUCH_OK;
  pki->now = opts->now;
  pki->seed = opts->seed;
  snprintf(pki->org, sizeof(pki->org), "%s",
           opts->organization ? opts->organization : "vouch TEST PKI");
  memcpy(pki->validity, opts->validity, sizeof(pki->validity));

  static const char *const kSerialLabel[4] = {"root-serial", "processor-ca-serial",
                                              "platform-ca-serial", "tcb-signing-serial"};
  static const cert_role kRole[4] = {ROLE_ROOT, ROLE_CA, ROLE_CA, ROLE_SIGNER};
  const gen_cert *root = &pki->certs[VOUCH_GEN_ROOT_CA];
  for (int i = VOUCH_GEN_ROOT_CA; i <= VOUCH_GEN_TCB_SIGNING; i++) {
    gen_cert *c = &pki->certs[i];
    int64_t nb, na;
    gen_window(pki->now, item_span((vouch_gen_pki_item)i), pki->validity[i], &nb, &na);
    serial_for(pki->seed, kSerialLabel[i], 0, c->serial);
    EVP_PKEY *key = NULL;
    if (gen_keygen(&key) != VOUCH_OK) {
      s = vouch_fail(err, VOUCH_E_CRYPTO, "gen: pki: key generation failed");
      goto fail;
    }
    VOUCH_GUARD_GOTO(s,
                     make_cert(c, i == VOUCH_GEN_ROOT_CA ? NULL : root, key, kCn[i], pki->org,
                               i == VOUCH_GEN_ROOT_CA ? NULL : X509_get_subject_name(root->x509),
                               kRole[i], kRootCrlUrl, nb, na, NULL, 0, err),
                     fail);
  }
  for (int i = VOUCH_GEN_ROOT_CRL; i <= VOUCH_GEN_PLATFORM_CRL; i++) {
    gen_crl *c = &pki->crls[i - VOUCH_GEN_ROOT_CRL];
    gen_window(pki->now, item_span((vouch_gen_pki_item)i), pki->validity[i], &c->this_update,
               &c->next_update);
    VOUCH_GUARD_GOTO(s, sign_crl(pki, (vouch_gen_pki_item)i, err), fail);
  }
  *out = pki;
  return VOUCH_OK;
fail:
  vouch_gen_pki_free(pki);
  return s;
}

void vouch_gen_pki_free(vouch_gen_pki *pki) {
  if (pki == NULL) return;
  for (size_t i = 0; i < 4; i++) gen_cert_cleanup(&pki->certs[i]);
  for (size_t i = 0; i < 3; i++) {
    free(pki->crls[i].revoked);
    OPENSSL_free(pki->crls[i].der);
  }
  free(pki);
}

int64_t vouch_gen_pki_now(const vouch_gen_pki *pki) {
  return pki->now;
}

static bool is_cert(vouch_gen_pki_item item) {
  return item >= VOUCH_GEN_ROOT_CA && item <= VOUCH_GEN_TCB_SIGNING;
}
static bool is_crl(vouch_gen_pki_item item) {
  return item >= VOUCH_GEN_ROOT_CRL && item <= VOUCH_GEN_PLATFORM_CRL;
}

vouch_status vouch_gen_pki_root_pem(const vouch_gen_pki *pki, vouch_buf *out) {
  return vouch_gen_pki_cert_pem(pki, VOUCH_GEN_ROOT_CA, out);
}

vouch_status vouch_gen_pki_cert_pem(const vouch_gen_pki *pki, vouch_gen_pki_item item,
                                    vouch_buf *out) {
  VOUCH_ENSURE_REF(pki);
  VOUCH_ENSURE_REF(out);
  VOUCH_ENSURE(is_cert(item), VOUCH_E_ARG);
  vouch_buf_append(out, pki->certs[item].pem, pki->certs[item].pem_len);
  return vouch_buf_status(out);
}

vouch_status vouch_gen_pki_cert_der(const vouch_gen_pki *pki, vouch_gen_pki_item item,
                                    const uint8_t **out, size_t *out_len) {
  VOUCH_ENSURE_REF(pki);
  VOUCH_ENSURE(is_cert(item), VOUCH_E_ARG);
  *out = pki->certs[item].der;
  *out_len = pki->certs[item].der_len;
  return VOUCH_OK;
}

vouch_status vouch_gen_pki_chain_pem(const vouch_gen_pki *pki, vouch_gen_pki_item item,
                                     vouch_buf *out) {
  VOUCH_GUARD(vouch_gen_pki_cert_pem(pki, item, out));
  if (item == VOUCH_GEN_ROOT_CA) return VOUCH_OK;
  return vouch_gen_pki_cert_pem(pki, VOUCH_GEN_ROOT_CA, out);
}

vouch_status vouch_gen_pki_crl_der(const vouch_gen_pki *pki, vouch_gen_pki_item item,
                                   const uint8_t **out, size_t *out_len) {
  VOUCH_ENSURE_REF(pki);
  VOUCH_ENSURE(is_crl(item), VOUCH_E_ARG);
  const gen_crl *c = &pki->crls[item - VOUCH_GEN_ROOT_CRL];
  *out = c->der;
  *out_len = c->der_len;
  return VOUCH_OK;
}

vouch_status vouch_gen_pki_window(const vouch_gen_pki *pki, vouch_gen_pki_item item,
                                  int64_t *out_not_before, int64_t *out_not_after) {
  VOUCH_ENSURE_REF(pki);
  if (is_cert(item)) {
    *out_not_before = pki->certs[item].not_before;
    *out_not_after = pki->certs[item].not_after;
    return VOUCH_OK;
  }
  VOUCH_ENSURE(is_crl(item), VOUCH_E_ARG);
  *out_not_before = pki->crls[item - VOUCH_GEN_ROOT_CRL].this_update;
  *out_not_after = pki->crls[item - VOUCH_GEN_ROOT_CRL].next_update;
  return VOUCH_OK;
}

vouch_status vouch_gen_pki_revoke_serial(vouch_gen_pki *pki, vouch_gen_pki_item crl,
                                         const uint8_t *serial, size_t serial_len) {
  VOUCH_ENSURE_REF(pki);
  VOUCH_ENSURE_REF(serial);
  VOUCH_ENSURE(is_crl(crl), VOUCH_E_ARG);
  VOUCH_ENSURE(serial_len > 0 && serial_len <= GEN_MAX_SERIAL, VOUCH_E_ARG);
  gen_crl *c = &pki->crls[crl - VOUCH_GEN_ROOT_CRL];
  gen_serial *grown = realloc(c->revoked, (c->num_revoked + 1) * sizeof(*grown));
  VOUCH_ENSURE(grown != NULL, VOUCH_E_NOMEM);
  c->revoked = grown;
  memcpy(grown[c->num_revoked].bytes, serial, serial_len);
  grown[c->num_revoked].len = serial_len;
  c->num_revoked++;
  vouch_status s = sign_crl(pki, crl, NULL);
  if (s != VOUCH_OK) c->num_revoked--; /* keep the list in sync with the DER */
  return s;
}

vouch_status vouch_gen_pki_revoke(vouch_gen_pki *pki, vouch_gen_pki_item cert) {
  VOUCH_ENSURE_REF(pki);
  VOUCH_ENSURE(cert == VOUCH_GEN_PROCESSOR_CA || cert == VOUCH_GEN_PLATFORM_CA ||
                   cert == VOUCH_GEN_TCB_SIGNING,
               VOUCH_E_ARG);
  return vouch_gen_pki_revoke_serial(pki, VOUCH_GEN_ROOT_CRL, pki->certs[cert].serial,
                                     GEN_SERIAL_LEN);
}

vouch_status vouch_gen_pki_revoke_pck(vouch_gen_pki *pki, const vouch_gen_platform *pl) {
  VOUCH_ENSURE_REF(pki);
  VOUCH_ENSURE_REF(pl);
  VOUCH_ENSURE(pl->pki == pki, VOUCH_E_ARG);
  vouch_gen_pki_item crl =
      pl->ca == VOUCH_GEN_PLATFORM_CA ? VOUCH_GEN_PLATFORM_CRL : VOUCH_GEN_PROCESSOR_CRL;
  return vouch_gen_pki_revoke_serial(pki, crl, pl->cert.serial, GEN_SERIAL_LEN);
}

vouch_status gen_pki_issue_pck(const vouch_gen_pki *pki, vouch_gen_pki_item ca, uint64_t index,
                               vouch_gen_validity validity, const uint8_t *ext_der, size_t ext_len,
                               gen_cert *out, vouch_err *err) {
  if (ca != VOUCH_GEN_PROCESSOR_CA && ca != VOUCH_GEN_PLATFORM_CA)
    return vouch_fail(err, VOUCH_E_ARG, "gen: platform: CA must be Processor or Platform CA");
  const gen_cert *issuer = &pki->certs[ca];
  int64_t nb, na;
  gen_window(pki->now, 7 * GEN_YEAR, validity, &nb, &na);
  memset(out, 0, sizeof(*out));
  serial_for(pki->seed, "pck-serial", index, out->serial);
  EVP_PKEY *key = NULL;
  if (gen_keygen(&key) != VOUCH_OK)
    return vouch_fail(err, VOUCH_E_CRYPTO, "gen: platform: key generation failed");
  return make_cert(out, issuer, key, "Intel SGX PCK Certificate", pki->org,
                   X509_get_subject_name(issuer->x509), ROLE_PCK,
                   ca == VOUCH_GEN_PLATFORM_CA ? kPlatformCrlUrl : kProcessorCrlUrl, nb, na,
                   ext_der, ext_len, err);
}

vouch_status vouch_gen_pki_revoke_pcks(vouch_gen_pki *pki, const vouch_gen_platform *const *pls,
                                       size_t num) {
  VOUCH_ENSURE_REF(pki);
  VOUCH_ENSURE(num == 0 || pls != NULL, VOUCH_E_ARG);
  size_t added[3] = {0, 0, 0}; /* per CRL: processor and platform used */
  for (size_t i = 0; i < num; i++) {
    VOUCH_ENSURE(pls[i] != NULL && pls[i]->pki == pki, VOUCH_E_ARG);
    added[pls[i]->ca == VOUCH_GEN_PLATFORM_CA ? 2 : 1]++;
  }
  vouch_status s = VOUCH_OK;
  for (size_t k = 1; k < 3; k++) {
    if (added[k] == 0) continue;
    gen_crl *c = &pki->crls[k];
    VOUCH_ENSURE(added[k] <= SIZE_MAX / sizeof(gen_serial) - c->num_revoked, VOUCH_E_LIMIT);
    gen_serial *grown = realloc(c->revoked, (c->num_revoked + added[k]) * sizeof(*grown));
    VOUCH_ENSURE(grown != NULL, VOUCH_E_NOMEM);
    c->revoked = grown;
    size_t before = c->num_revoked;
    vouch_gen_pki_item ca = k == 2 ? VOUCH_GEN_PLATFORM_CA : VOUCH_GEN_PROCESSOR_CA;
    for (size_t i = 0; i < num; i++) {
      if (pls[i]->ca != ca) continue;
      memcpy(grown[c->num_revoked].bytes, pls[i]->cert.serial, GEN_SERIAL_LEN);
      grown[c->num_revoked].len = GEN_SERIAL_LEN;
      c->num_revoked++;
    }
    s = sign_crl(pki, (vouch_gen_pki_item)(VOUCH_GEN_ROOT_CRL + k), NULL);
    if (s != VOUCH_OK) {
      c->num_revoked = before; /* keep the list in sync with the DER */
      return s;
    }
  }
  return s;
}
