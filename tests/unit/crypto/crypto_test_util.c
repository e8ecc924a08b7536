/* tests/unit/crypto/crypto_test_util.c - see crypto_test_util.h. */
#include "crypto_test_util.h"

#include <jansson.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *ct_vectors_dir(void) {
  static bool warned;
  const char *d = getenv("VOUCH_VECTORS");
  struct stat st;
  if (d != NULL && d[0] != '\0' && stat(d, &st) == 0 && S_ISDIR(st.st_mode)) return d;
  if (!warned) {
    print_message("vectors not found at %s, skipping vector tests\n",
                  d && d[0] ? d : "$VOUCH_VECTORS (unset)");
    warned = true;
  }
  return NULL;
}

uint8_t *ct_read(const char *rel, size_t *out_len) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", ct_vectors_dir(), rel);
  uint8_t *buf = NULL;
  vouch_err err = {0};
  if (vouch_read_file(path, 16u << 20, &buf, out_len, &err) != VOUCH_OK) {
    fail_msg("cannot read %s: %s", path, err.msg);
  }
  return buf;
}

char *ct_collateral(const char *set, const char *key) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s/collateral.json", ct_vectors_dir(), set);
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (root == NULL) fail_msg("cannot load %s: %s", path, je.text);
  const char *v = json_string_value(json_object_get(root, key));
  if (v == NULL) fail_msg("%s has no string %s", path, key);
  char *copy = strdup(v);
  json_decref(root);
  return copy;
}

size_t ct_chain(const char *pem, struct vouch_cert **out, size_t max) {
  size_t num = 0;
  vouch_err err = {0};
  vouch_status s = vouch_cert_chain_from_pem(pem, strlen(pem), out, max, &num, &err);
  if (s != VOUCH_OK) fail_msg("chain: %s %s", vouch_status_name(s), err.msg);
  return num;
}

void ct_free_certs(struct vouch_cert **certs, size_t num) {
  for (size_t i = 0; i < num; i++) vouch_cert_free(certs[i]);
}

struct vouch_anchors *ct_anchors_from(const char *rel) {
  size_t len = 0;
  char *pem = (char *)ct_read(rel, &len);
  struct vouch_anchors *a = vouch_anchors_new();
  assert_non_null(a);
  vouch_err err = {0};
  assert_int_equal(vouch_anchors_add_pem(a, pem, len, &err), VOUCH_OK);
  free(pem);
  return a;
}

struct vouch_crl *ct_crl_from_text(const char *text) {
  struct vouch_crl *crl = NULL;
  vouch_err err = {0};
  vouch_status s = vouch_crl_parse((const uint8_t *)text, strlen(text), &crl, &err);
  if (s != VOUCH_OK) fail_msg("crl: %s %s", vouch_status_name(s), err.msg);
  return crl;
}

/* ---- test PKI ---- */

EVP_PKEY *ct_ec_key(void) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  assert_non_null(k);
  return k;
}

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, v3, nid, value);
  assert_non_null(ext);
  assert_int_equal(X509_add_ext(x, ext, -1), 1);
  X509_EXTENSION_free(ext);
}

static void set_time(ASN1_TIME *t, int64_t when) {
  assert_non_null(ASN1_TIME_set(t, (time_t)when));
}

X509 *ct_make_cert(const ct_cert_spec *spec, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key) {
  X509 *x = X509_new();
  assert_non_null(x);
  assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
  assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), spec->serial), 1);
  X509_NAME *name = X509_get_subject_name(x);
  assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                              (const unsigned char *)"vouch test", -1, -1, 0),
                   1);
  assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                              (const unsigned char *)spec->cn, -1, -1, 0),
                   1);
  X509 *signer = issuer ? issuer : x;
  assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(signer)), 1);
  set_time(X509_getm_notBefore(x), spec->not_before);
  set_time(X509_getm_notAfter(x), spec->not_after);
  assert_int_equal(X509_set_pubkey(x, key), 1);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, signer, x, NULL, NULL, 0);
  add_ext(x, &v3, NID_basic_constraints, spec->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(x, &v3, NID_key_usage,
          spec->ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_ext(x, &v3, NID_subject_key_identifier, "hash");
  add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
  assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
  return x;
}

X509_CRL *ct_make_crl(X509 *issuer, EVP_PKEY *sign_key, const long *serials, size_t num,
                      int64_t this_update, int64_t next_update) {
  X509_CRL *crl = X509_CRL_new();
  assert_non_null(crl);
  assert_int_equal(X509_CRL_set_version(crl, X509_CRL_VERSION_2), 1);
  assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)), 1);
  ASN1_TIME *t = ASN1_TIME_new();
  set_time(t, this_update);
  assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
  for (size_t i = 0; i < num; i++) {
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *sn = ASN1_INTEGER_new();
    assert_int_equal(ASN1_INTEGER_set(sn, serials[i]), 1);
    assert_int_equal(X509_REVOKED_set_serialNumber(r, sn), 1);
    assert_int_equal(X509_REVOKED_set_revocationDate(r, t), 1);
    assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
    ASN1_INTEGER_free(sn);
  }
  set_time(t, next_update);
  assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
  ASN1_TIME_free(t);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, NULL, NULL, crl, 0);
  X509_EXTENSION *akid =
      X509V3_EXT_nconf_nid(NULL, &v3, NID_authority_key_identifier, "keyid:always");
  assert_non_null(akid);
  assert_int_equal(X509_CRL_add_ext(crl, akid, -1), 1);
  X509_EXTENSION_free(akid);
  ASN1_INTEGER *number = ASN1_INTEGER_new();
  assert_int_equal(ASN1_INTEGER_set(number, 1), 1);
  assert_int_equal(X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0), 1);
  ASN1_INTEGER_free(number);
  assert_int_equal(X509_CRL_sort(crl), 1);
  assert_true(X509_CRL_sign(crl, sign_key, EVP_sha256()) > 0);
  return crl;
}

struct vouch_cert *ct_wrap_cert(X509 *x) {
  unsigned char *der = NULL;
  int n = i2d_X509(x, &der);
  assert_true(n > 0);
  struct vouch_cert *c = NULL;
  assert_int_equal(vouch_cert_from_der(der, (size_t)n, &c), VOUCH_OK);
  OPENSSL_free(der);
  X509_free(x);
  return c;
}

struct vouch_crl *ct_wrap_crl(X509_CRL *crl) {
  unsigned char *der = NULL;
  int n = i2d_X509_CRL(crl, &der);
  assert_true(n > 0);
  struct vouch_crl *c = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_crl_parse(der, (size_t)n, &c, &err), VOUCH_OK);
  OPENSSL_free(der);
  X509_CRL_free(crl);
  return c;
}
