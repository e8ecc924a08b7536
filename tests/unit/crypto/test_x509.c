/* tests/unit/crypto/test_x509.c - PEM chains, certificate accessors, CRL
 * parsing in its three encodings. */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_test_util.h"

#define INTEL_ROOT_SHA256 "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"
#define INTEL_ROOT_XY                                                \
  "0ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f5" \
  "67918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394"
#define SGX_EXT_OID "1.2.840.113741.1.13.1"

static void cn_is(const struct vouch_cert *c, const char *want) {
  char cn[128];
  vouch_cert_subject_cn(c, cn, sizeof(cn));
  assert_string_equal(cn, want);
}

static void test_tcb_chain_accessors(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  char *pem = ct_collateral(CT_PHALA, "tcb_info_issuer_chain");
  struct vouch_cert *c[4];
  assert_int_equal(ct_chain(pem, c, 4), 2);
  cn_is(c[0], "Intel SGX TCB Signing");
  cn_is(c[1], "Intel SGX Root CA");
  char cn[128];
  vouch_cert_issuer_cn(c[0], cn, sizeof(cn));
  assert_string_equal(cn, "Intel SGX Root CA");
  assert_true(vouch_cert_issued_by(c[0], c[1]));
  assert_false(vouch_cert_issued_by(c[1], c[0]));
  assert_true(vouch_cert_is_self_issued(c[1]));
  assert_false(vouch_cert_is_self_issued(c[0]));
  /* The root in the chain is the pinned Intel root: same DER, same hash. */
  uint8_t fp[VOUCH_SHA256_LEN];
  char hex[2 * VOUCH_SHA256_LEN + 1];
  vouch_cert_sha256(c[1], fp);
  vouch_hex_encode(fp, sizeof(fp), hex);
  assert_string_equal(hex, INTEL_ROOT_SHA256);
  size_t der_len = 0;
  uint8_t *der = ct_read("intel/Intel_SGX_Root_CA.der", &der_len);
  struct vouch_cert *from_der = NULL;
  assert_int_equal(vouch_cert_from_der(der, der_len, &from_der), VOUCH_OK);
  assert_true(vouch_cert_equal(from_der, c[1]));
  assert_false(vouch_cert_equal(from_der, c[0]));
  size_t n = 0;
  assert_memory_equal(vouch_cert_der(c[1], &n), der, der_len);
  assert_int_equal(n, der_len);
  char serial[64];
  vouch_cert_serial_hex(c[1], serial, sizeof(serial));
  assert_string_equal(serial, "22650cd65a9d3489f383b49552bf501b392706ac");
  assert_int_equal(vouch_cert_not_before(c[1]), vouch_time_from_civil(2018, 5, 21, 10, 45, 10));
  assert_int_equal(vouch_cert_not_after(c[1]), vouch_time_from_civil(2049, 12, 31, 23, 59, 59));
  vouch_cert_free(from_der);
  free(der);
  ct_free_certs(c, 2);
  free(pem);
}

static void test_cert_pubkey_matches_spec(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  size_t len = 0;
  char *pem = (char *)ct_read(CT_INTEL_ROOT, &len);
  struct vouch_cert *root = NULL;
  size_t num = 0;
  assert_int_equal(vouch_cert_chain_from_pem(pem, len, &root, 1, &num, NULL), VOUCH_OK);
  struct vouch_pubkey *k = NULL;
  assert_int_equal(vouch_cert_pubkey(root, &k), VOUCH_OK);
  uint8_t point[65];
  size_t n = 0;
  assert_int_equal(EVP_PKEY_get_octet_string_param(vouch_pubkey_evp(k), OSSL_PKEY_PARAM_PUB_KEY,
                                                   point, sizeof(point), &n),
                   1);
  char hex[129];
  vouch_hex_encode(point + 1, 64, hex);
  assert_string_equal(hex, INTEL_ROOT_XY);
  assert_non_null(vouch_cert_x509(root));
  vouch_pubkey_free(k);
  /* The certificate outlives its creator's reference while another holds it. */
  vouch_cert_up_ref(root);
  vouch_cert_free(root);
  cn_is(root, "Intel SGX Root CA");
  vouch_cert_free(root);
  vouch_cert_free(NULL);
  free(pem);
}

/* The quote is binary with the PEM chain embedded: everything around the
 * blocks (including the NUL terminator) is ignored. */
static void test_quote_chain_and_extension(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  size_t len = 0;
  uint8_t *q = ct_read(CT_PHALA "/quote.dat", &len);
  struct vouch_cert *c[4];
  size_t num = 0;
  vouch_err err = {0};
  assert_int_equal(vouch_cert_chain_from_pem((const char *)q, len, c, 4, &num, &err), VOUCH_OK);
  assert_int_equal(num, 3);
  cn_is(c[0], "Intel SGX PCK Certificate");
  cn_is(c[1], "Intel SGX PCK Processor CA");
  const uint8_t *ext = NULL;
  size_t ext_len = 0;
  assert_int_equal(vouch_cert_extension(c[0], SGX_EXT_OID, &ext, &ext_len), VOUCH_OK);
  assert_true(ext_len > 100);
  assert_int_equal(ext[0], 0x30); /* SEQUENCE of {OID, value} */
  /* The bytes are borrowed from the certificate's DER. */
  size_t der_len = 0;
  const uint8_t *der = vouch_cert_der(c[0], &der_len);
  assert_non_null(memmem(der, der_len, ext, ext_len));
  assert_int_equal(vouch_cert_extension(c[1], SGX_EXT_OID, &ext, &ext_len), VOUCH_E_MALFORMED);
  assert_int_equal(vouch_cert_extension(c[0], "1.2.3.4.5", &ext, &ext_len), VOUCH_E_MALFORMED);
  assert_int_equal(vouch_cert_extension(c[0], "not an oid", &ext, &ext_len), VOUCH_E_ARG);
  assert_int_equal(ERR_peek_error(), 0);
  ct_free_certs(c, num);
  free(q);
}

/* pem_with builds "junk BEGIN <body> END junk" around |body|. */
static char *pem_with(const char *body) {
  static const char kFmt[] = "junk\n-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n";
  size_t n = strlen(kFmt) + strlen(body) + 1;
  char *s = malloc(n);
  snprintf(s, n, kFmt, body);
  return s;
}

static vouch_status parse(const char *pem, size_t len, size_t max, size_t *num, vouch_err *err) {
  struct vouch_cert *c[8] = {0};
  vouch_status s = vouch_cert_chain_from_pem(pem, len, c, max, num, err);
  if (s == VOUCH_OK) ct_free_certs(c, *num);
  for (size_t i = 0; s != VOUCH_OK && i < 8; i++) assert_null(c[i]); /* nothing returned */
  return s;
}

static void test_pem_garbage(void **state) {
  (void)state;
  size_t num = 0;
  vouch_err err = {0};
  assert_int_equal(parse("hello", 5, 8, &num, &err), VOUCH_E_PEM);
  assert_int_equal(parse("", 0, 8, &num, NULL), VOUCH_E_PEM);
  char *p = pem_with("Zm9v!");
  assert_int_equal(parse(p, strlen(p), 8, &num, NULL), VOUCH_E_BASE64);
  free(p);
  p = pem_with("Zm9vYmFy"); /* valid base64, not a certificate */
  vouch_err_clear(&err);
  assert_int_equal(parse(p, strlen(p), 8, &num, &err), VOUCH_E_ASN1);
  assert_non_null(strstr(err.msg, "certificate 0"));
  free(p);
  p = pem_with("");
  assert_int_equal(parse(p, strlen(p), 8, &num, NULL), VOUCH_E_PEM);
  free(p);
  assert_int_equal(ERR_peek_error(), 0);
}

static void test_pem_truncated_and_limits(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  char *pem = ct_collateral(CT_PHALA, "tcb_info_issuer_chain");
  size_t len = strlen(pem), num = 0;
  vouch_err err = {0};
  /* >max certificates. */
  assert_int_equal(parse(pem, len, 1, &num, &err), VOUCH_E_LIMIT);
  assert_int_equal(parse(pem, len, 2, &num, NULL), VOUCH_OK);
  assert_int_equal(num, 2);
  /* Truncated: the last END line cut off. */
  assert_int_equal(parse(pem, len - 20, 8, &num, NULL), VOUCH_E_PEM);
  /* Truncated in the middle of the first body, then a full block. */
  char *second = strstr(pem + 1, "-----BEGIN");
  assert_non_null(second);
  char *cut = malloc(len);
  size_t head = 200;
  memcpy(cut, pem, head);
  memcpy(cut + head, second, strlen(second));
  vouch_err_clear(&err);
  assert_int_equal(parse(cut, head + strlen(second), 8, &num, &err), VOUCH_E_PEM);
  assert_non_null(strstr(err.msg, "certificate 0"));
  /* A corrupted second block is named by its index. */
  memcpy(cut, pem, len);
  cut[(size_t)(second - pem) + 100] = '!';
  vouch_err_clear(&err);
  assert_int_equal(parse(cut, len, 8, &num, &err), VOUCH_E_BASE64);
  assert_non_null(strstr(err.msg, "certificate 1"));
  /* NUL bytes and text between and after blocks are fine. */
  char *nul = malloc(len + 8);
  size_t first_len = (size_t)(second - pem);
  memcpy(nul, pem, first_len);
  memcpy(nul + first_len, "\0x\0", 3);
  memcpy(nul + first_len + 3, second, len - first_len);
  memcpy(nul + len + 3, "\0\0", 2);
  assert_int_equal(parse(nul, len + 5, 8, &num, NULL), VOUCH_OK);
  assert_int_equal(num, 2);
  free(nul);
  free(cut);
  free(pem);
}

static void test_der_strictness(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  size_t len = 0;
  uint8_t *der = ct_read("intel/Intel_SGX_Root_CA.der", &len);
  struct vouch_cert *c = NULL;
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, der, len);
  longer[len] = 0;
  assert_int_equal(vouch_cert_from_der(longer, len + 1, &c), VOUCH_E_TRAILING);
  assert_int_equal(vouch_cert_from_der(der, len - 1, &c), VOUCH_E_ASN1);
  assert_null(c);
  assert_int_equal(ERR_peek_error(), 0);
  free(longer);
  free(der);
}

static void crl_times(const struct vouch_crl *crl, int64_t this_update, int64_t next_update) {
  assert_int_equal(vouch_crl_this_update(crl), this_update);
  assert_int_equal(vouch_crl_next_update(crl), next_update);
}

static void test_crl_encodings(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  char *hex = ct_collateral(CT_PHALA, "root_ca_crl");
  struct vouch_crl *from_hex = ct_crl_from_text(hex);
  char cn[128];
  vouch_crl_issuer_cn(from_hex, cn, sizeof(cn));
  assert_string_equal(cn, "Intel SGX Root CA");
  crl_times(from_hex, vouch_time_from_civil(2025, 3, 20, 11, 21, 57),
            vouch_time_from_civil(2026, 4, 3, 11, 21, 57));
  size_t der_len = 0;
  const uint8_t *der = vouch_crl_der(from_hex, &der_len);
  assert_int_equal(der_len, strlen(hex) / 2);

  /* Same CRL as DER and as PEM (with surrounding whitespace). */
  struct vouch_crl *from_der = NULL, *from_pem = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_crl_parse(der, der_len, &from_der, &err), VOUCH_OK);
  vouch_buf pem = {0};
  vouch_buf_puts(&pem, "\n -----BEGIN X509 CRL-----\n");
  vouch_base64_encode(&pem, der, der_len);
  vouch_buf_puts(&pem, "\n-----END X509 CRL-----\n\n");
  assert_int_equal(vouch_crl_parse((const uint8_t *)pem.data, pem.len, &from_pem, &err), VOUCH_OK);
  size_t n1 = 0, n2 = 0;
  assert_memory_equal(vouch_crl_der(from_der, &n1), der, der_len);
  assert_memory_equal(vouch_crl_der(from_pem, &n2), der, der_len);
  assert_int_equal(n1 + n2, 2 * der_len);

  /* Rejects: trailing DER byte, odd hex, garbage, two PEM blocks. */
  uint8_t *longer = malloc(der_len + 1);
  memcpy(longer, der, der_len);
  longer[der_len] = 0;
  struct vouch_crl *bad = NULL;
  assert_int_equal(vouch_crl_parse(longer, der_len + 1, &bad, NULL), VOUCH_E_TRAILING);
  hex[strlen(hex) - 1] = '\0';
  assert_int_equal(vouch_crl_parse((const uint8_t *)hex, strlen(hex), &bad, NULL), VOUCH_E_HEX);
  assert_int_equal(vouch_crl_parse((const uint8_t *)"garbage!", 8, &bad, NULL), VOUCH_E_ASN1);
  char *once = strdup(vouch_buf_cstr(&pem)); /* appending a buffer to itself may move it */
  vouch_buf_puts(&pem, once);
  free(once);
  vouch_err_clear(&err);
  assert_int_equal(vouch_crl_parse((const uint8_t *)pem.data, pem.len, &bad, &err), VOUCH_E_PEM);
  assert_null(bad);
  assert_int_equal(ERR_peek_error(), 0);

  vouch_crl_up_ref(from_pem);
  vouch_crl_free(from_pem);
  vouch_crl_issuer_cn(from_pem, cn, sizeof(cn)); /* still alive */
  vouch_crl_free(from_pem);
  vouch_crl_free(NULL);
  vouch_buf_free(&pem);
  free(longer);
  vouch_crl_free(from_der);
  vouch_crl_free(from_hex);
  free(hex);
}

static void test_crl_lists_serials(void **state) {
  (void)state;
  EVP_PKEY *ca_key = ct_ec_key(), *leaf_key = ct_ec_key();
  int64_t t0 = vouch_time_from_civil(2024, 1, 1, 0, 0, 0);
  ct_cert_spec ca_spec = {"Test CA", 1, t0, t0 + 86400 * 365, true};
  X509 *ca = ct_make_cert(&ca_spec, ca_key, NULL, NULL);
  ct_cert_spec a_spec = {"A", 5, t0, t0 + 86400 * 30, false};
  ct_cert_spec b_spec = {"B", 6, t0, t0 + 86400 * 30, false};
  struct vouch_cert *a = ct_wrap_cert(ct_make_cert(&a_spec, leaf_key, ca, ca_key));
  struct vouch_cert *b = ct_wrap_cert(ct_make_cert(&b_spec, leaf_key, ca, ca_key));
  long revoked[] = {5, 77};
  struct vouch_crl *crl = ct_wrap_crl(ct_make_crl(ca, ca_key, revoked, 2, t0, t0 + 86400));
  assert_true(vouch_crl_lists(crl, a));
  assert_false(vouch_crl_lists(crl, b));
  crl_times(crl, t0, t0 + 86400);
  char serial[16];
  vouch_cert_serial_hex(a, serial, sizeof(serial));
  assert_string_equal(serial, "05");
  vouch_crl_free(crl);
  vouch_cert_free(a);
  vouch_cert_free(b);
  X509_free(ca);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(leaf_key);
}

/* der_of returns |x|'s DER (OPENSSL_malloc'd) and its length. */
static unsigned char *der_of(X509 *x, size_t *len) {
  unsigned char *der = NULL;
  int n = i2d_X509(x, &der);
  assert_true(n > 0);
  *len = (size_t)n;
  return der;
}

/* CA certificates are parsed once and shared by their exact bytes (they
 * repeat in every chain of a fleet); leaves are parsed each time; one
 * changed byte is another certificate; more CAs than the table holds still
 * parse right. */
static void test_ca_certificates_parsed_once(void **state) {
  (void)state;
  EVP_PKEY *ca_key = ct_ec_key(), *leaf_key = ct_ec_key();
  int64_t t0 = vouch_time_from_civil(2024, 1, 1, 0, 0, 0);
  ct_cert_spec ca_spec = {"Shared CA", 1, t0, t0 + 86400 * 365, true};
  X509 *ca = ct_make_cert(&ca_spec, ca_key, NULL, NULL);
  ct_cert_spec leaf_spec = {"Leaf", 9, t0, t0 + 86400 * 30, false};
  X509 *leaf = ct_make_cert(&leaf_spec, leaf_key, ca, ca_key);
  size_t ca_len = 0, leaf_len = 0;
  unsigned char *ca_der = der_of(ca, &ca_len), *leaf_der = der_of(leaf, &leaf_len);
  struct vouch_cert *c1 = NULL, *c2 = NULL, *l1 = NULL, *l2 = NULL;
  assert_int_equal(vouch_cert_from_der(ca_der, ca_len, &c1), VOUCH_OK);
  assert_int_equal(vouch_cert_from_der(ca_der, ca_len, &c2), VOUCH_OK);
  assert_ptr_equal(c1, c2); /* the same object, one reference each */
  vouch_cert_free(c2);
  assert_non_null(vouch_cert_x509(c1)); /* still alive */
  assert_int_equal(vouch_cert_from_der(leaf_der, leaf_len, &l1), VOUCH_OK);
  assert_int_equal(vouch_cert_from_der(leaf_der, leaf_len, &l2), VOUCH_OK);
  assert_ptr_not_equal(l1, l2);
  assert_true(vouch_cert_equal(l1, l2));
  /* One byte of the signature changed: parsed on its own, never the kept one. */
  ca_der[ca_len - 1] ^= 1;
  struct vouch_cert *c3 = NULL;
  if (vouch_cert_from_der(ca_der, ca_len, &c3) == VOUCH_OK) {
    assert_ptr_not_equal(c3, c1);
    assert_false(vouch_cert_equal(c3, c1));
    vouch_cert_free(c3);
  }
  ca_der[ca_len - 1] ^= 1;
  /* 100 distinct CAs (more than the table's slots): each parses to itself. */
  for (long i = 0; i < 100; i++) {
    ct_cert_spec spec = {"Many CA", 100 + i, t0, t0 + 86400, true};
    X509 *x = ct_make_cert(&spec, ca_key, NULL, NULL);
    size_t n = 0;
    unsigned char *d = der_of(x, &n);
    struct vouch_cert *c = NULL;
    assert_int_equal(vouch_cert_from_der(d, n, &c), VOUCH_OK);
    size_t got = 0;
    const uint8_t *back = vouch_cert_der(c, &got);
    assert_int_equal(got, n);
    assert_memory_equal(back, d, n);
    vouch_cert_free(c);
    OPENSSL_free(d);
    X509_free(x);
  }
  vouch_cert_free(c1);
  vouch_cert_free(l1);
  vouch_cert_free(l2);
  OPENSSL_free(ca_der);
  OPENSSL_free(leaf_der);
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(leaf_key);
}

static void test_synthetic_pck_crl_lists_nothing_of_ours(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  char *hex = ct_collateral(CT_SYNTH, "pck_crl");
  char *pem = ct_collateral(CT_SYNTH, "pck_certificate_chain");
  struct vouch_crl *crl = ct_crl_from_text(hex);
  struct vouch_cert *c[4];
  size_t num = ct_chain(pem, c, 4);
  assert_true(num >= 2);
  /* The CRL lists 1d210d4e..., not the shipped PCK certificate. */
  assert_false(vouch_crl_lists(crl, c[0]));
  char serial[64];
  vouch_cert_serial_hex(c[0], serial, sizeof(serial));
  assert_string_equal(serial, "ba27043775e12ff5cdf754f99b5f3ac23e9e02d5");
  ct_free_certs(c, num);
  vouch_crl_free(crl);
  free(pem);
  free(hex);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tcb_chain_accessors),
      cmocka_unit_test(test_cert_pubkey_matches_spec),
      cmocka_unit_test(test_quote_chain_and_extension),
      cmocka_unit_test(test_pem_garbage),
      cmocka_unit_test(test_pem_truncated_and_limits),
      cmocka_unit_test(test_der_strictness),
      cmocka_unit_test(test_crl_encodings),
      cmocka_unit_test(test_crl_lists_serials),
      cmocka_unit_test(test_ca_certificates_parsed_once),
      cmocka_unit_test(test_synthetic_pck_crl_lists_nothing_of_ours),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
