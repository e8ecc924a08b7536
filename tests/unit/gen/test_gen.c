/* tests/unit/gen/test_gen.c - structural checks of the synthetic SGX
 * evidence generator, done with OpenSSL and an independent byte walk (not
 * with the generator's own code): quote lengths, the three signed messages
 * of spec §5, chains and CRLs at |now|, the PCK extension DER, per-platform
 * reuse of the QE material, validity knobs, and the output layouts. */
/* cmocka needs setjmp.h, stdarg.h, stddef.h and stdint.h first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <ftw.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/gen/gen.h"

#define NOW INT64_C(1751328000) /* 2025-07-01T00:00:00Z */

/* ---- fixture ------------------------------------------------------------ */

typedef struct {
  vouch_gen_pki *pki;
  vouch_gen_platform *pl;
  vouch_gen_tcb_info *ti;
  vouch_gen_qe_identity *qe;
  vouch_buf quote;
  vouch_buf bundle;
  json_t *bundle_json;
} fixture;

static vouch_gen_pki *new_pki(uint64_t seed, const vouch_gen_validity *validity) {
  vouch_gen_pki_opts po = {.now = NOW, .seed = seed};
  if (validity) memcpy(po.validity, validity, sizeof(po.validity));
  vouch_gen_pki *pki = NULL;
  vouch_err err = {0};
  vouch_status s = vouch_gen_pki_new(&po, &pki, &err);
  if (s != VOUCH_OK) fail_msg("pki: %s", err.msg);
  return pki;
}

static vouch_gen_platform *new_platform(vouch_gen_pki *pki, const vouch_gen_platform_opts *o) {
  vouch_gen_platform_opts def;
  if (o == NULL) {
    vouch_gen_platform_opts_default(&def);
    o = &def;
  }
  vouch_gen_platform *pl = NULL;
  vouch_err err = {0};
  if (vouch_gen_platform_new(pki, o, &pl, &err) != VOUCH_OK) fail_msg("platform: %s", err.msg);
  return pl;
}

static void make_quote(const vouch_gen_platform *pl, const vouch_gen_quote_opts *o,
                       vouch_buf *out) {
  vouch_gen_quote_opts def;
  if (o == NULL) {
    vouch_gen_quote_opts_default(&def);
    o = &def;
  }
  assert_int_equal(vouch_gen_quote(pl, o, out), VOUCH_OK);
}

static void fixture_build(fixture *f, vouch_gen_pki *pki, vouch_gen_platform *pl) {
  memset(f, 0, sizeof(*f));
  f->pki = pki;
  f->pl = pl;
  vouch_err err = {0};
  vouch_gen_tcb_info_opts to;
  vouch_gen_tcb_info_opts_default(&to, pl, NULL);
  assert_int_equal(vouch_gen_tcb_info_new(pki, &to, &f->ti, &err), VOUCH_OK);
  vouch_gen_qe_identity_opts qo;
  vouch_gen_qe_identity_opts_default(&qo);
  assert_int_equal(vouch_gen_qe_identity_new(pki, &qo, &f->qe, &err), VOUCH_OK);
  make_quote(pl, NULL, &f->quote);
  assert_int_equal(vouch_gen_bundle_json(pki, pl, f->ti, f->qe, NULL, &f->bundle, &err), VOUCH_OK);
  json_error_t jerr;
  f->bundle_json = json_loadb(f->bundle.data, f->bundle.len, 0, &jerr);
  if (f->bundle_json == NULL) fail_msg("bundle is not JSON: %s", jerr.text);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  vouch_gen_pki *pki = new_pki(1, NULL);
  fixture_build(f, pki, new_platform(pki, NULL));
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  json_decref(f->bundle_json);
  vouch_buf_free(&f->quote);
  vouch_buf_free(&f->bundle);
  vouch_gen_qe_identity_free(f->qe);
  vouch_gen_tcb_info_free(f->ti);
  vouch_gen_platform_free(f->pl);
  vouch_gen_pki_free(f->pki);
  free(f);
  return 0;
}

/* ---- helpers: independent quote walk ------------------------------------ */

static uint16_t le16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef struct {
  const uint8_t *q;
  size_t len;
  uint32_t sig_data_len;
  const uint8_t *sig, *att_key, *qe_report, *qe_sig, *auth;
  uint16_t auth_len;
  uint16_t cert_type;
  uint32_t cert_len;
  const uint8_t *cert;
  size_t end; /* offset just past the certification data */
} quote_view;

/* walk_quote lays the v3 structure over |q| with explicit bounds checks. */
static quote_view walk_quote(const vouch_buf *b) {
  quote_view v = {.q = (const uint8_t *)b->data, .len = b->len};
  assert_true(v.len >= 1020);
  v.sig_data_len = le32(v.q + 432);
  v.sig = v.q + 436;
  v.att_key = v.q + 500;
  v.qe_report = v.q + 564;
  v.qe_sig = v.q + 948;
  v.auth_len = le16(v.q + 1012);
  v.auth = v.q + 1014;
  assert_true(1014u + v.auth_len + 6 <= v.len);
  v.cert_type = le16(v.q + 1014 + v.auth_len);
  v.cert_len = le32(v.q + 1016 + v.auth_len);
  v.cert = v.q + 1020 + v.auth_len;
  v.end = 1020u + v.auth_len + v.cert_len;
  assert_true(v.end <= v.len);
  return v;
}

static EVP_PKEY *pub_from_raw(const uint8_t xy[64]) {
  uint8_t pt[65] = {0x04};
  memcpy(pt + 1, xy, 64);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  assert_non_null(bld);
  assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0), 1);
  assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 65), 1);
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_PKEY *key = NULL;
  assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
  assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

/* verify_raw checks a raw r||s P-256/SHA-256 signature; returns 1 if valid. */
static int verify_raw(EVP_PKEY *key, const void *msg, size_t len, const uint8_t sig[64]) {
  ECDSA_SIG *es = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
  assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
  unsigned char *der = NULL;
  int der_len = i2d_ECDSA_SIG(es, &der);
  assert_true(der_len > 0);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
  int rc = EVP_DigestVerify(md, der, (size_t)der_len, msg, len);
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  ECDSA_SIG_free(es);
  ERR_clear_error();
  return rc;
}

/* read_certs parses every certificate of a PEM text. */
static size_t read_certs(const void *pem, size_t len, X509 **out, size_t max) {
  BIO *bio = BIO_new_mem_buf(pem, (int)len);
  size_t n = 0;
  X509 *x;
  while (n < max && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) out[n++] = x;
  ERR_clear_error();
  BIO_free(bio);
  return n;
}

static void free_certs(X509 **c, size_t n) {
  for (size_t i = 0; i < n; i++) X509_free(c[i]);
}

static const char *bundle_str(const fixture *f, const char *key) {
  const char *s = json_string_value(json_object_get(f->bundle_json, key));
  if (s == NULL) fail_msg("bundle key %s missing", key);
  return s;
}

static X509_CRL *crl_from_hex(const char *hex) {
  size_t n = strlen(hex) / 2;
  uint8_t *der = malloc(n);
  assert_int_equal(vouch_hex_decode(hex, 2 * n, der, n), VOUCH_OK);
  const uint8_t *p = der;
  X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)n);
  free(der);
  assert_non_null(crl);
  return crl;
}

/* chain_check is `openssl verify -crl_check_all -x509_strict -attime t`:
 * |leaf| against the trusted |root| with |inter| untrusted and both CRLs. */
static int chain_check(X509 *leaf, X509 *inter, X509 *root, X509_CRL *root_crl, X509_CRL *ca_crl,
                       int64_t t, int *out_err) {
  X509_STORE *store = X509_STORE_new();
  X509_STORE_add_cert(store, root);
  if (root_crl) X509_STORE_add_crl(store, root_crl);
  if (ca_crl) X509_STORE_add_crl(store, ca_crl);
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  if (inter) sk_X509_push(untrusted, inter);
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, untrusted);
  X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_time(param, (time_t)t);
  unsigned long flags = X509_V_FLAG_X509_STRICT;
  if (root_crl || ca_crl) flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  X509_VERIFY_PARAM_set_flags(param, flags);
  int rc = X509_verify_cert(ctx);
  *out_err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  ERR_clear_error();
  return rc;
}

/* ---- tiny DER walk for the SGX extension ---------------------------------- */

static const uint8_t kSgxOid[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};

/* ext_entry finds SEQUENCE { OID <base>.<a>, value } in |seq| and returns
 * the value's tag and content. */
static bool ext_entry(vouch_cur seq, uint8_t a, uint8_t *out_tag, vouch_cur *out_value) {
  while (vouch_cur_remaining(&seq) > 0) {
    vouch_cur entry, oid, value;
    uint8_t tag;
    assert_int_equal(vouch_der_expect(&seq, VOUCH_DER_SEQUENCE, &entry), VOUCH_OK);
    assert_int_equal(vouch_der_expect(&entry, VOUCH_DER_OID, &oid), VOUCH_OK);
    assert_int_equal(vouch_der_next(&entry, &tag, &value), VOUCH_OK);
    assert_int_equal(vouch_cur_expect_empty(&entry), VOUCH_OK);
    if (oid.len == sizeof(kSgxOid) + 1 && memcmp(oid.data, kSgxOid, sizeof(kSgxOid)) == 0 &&
        oid.data[sizeof(kSgxOid)] == a) {
      *out_tag = tag;
      *out_value = value;
      return true;
    }
  }
  return false;
}

static vouch_cur sgx_ext_of(X509 *x) {
  ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
  int idx = X509_get_ext_by_OBJ(x, obj, -1);
  ASN1_OBJECT_free(obj);
  assert_true(idx >= 0);
  X509_EXTENSION *ext = X509_get_ext(x, idx);
  assert_int_equal(X509_EXTENSION_get_critical(ext), 0);
  const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(ext);
  vouch_cur c = vouch_cur_make(ASN1_STRING_get0_data(os), (size_t)ASN1_STRING_length(os));
  vouch_cur seq;
  assert_int_equal(vouch_der_expect(&c, VOUCH_DER_SEQUENCE, &seq), VOUCH_OK);
  assert_int_equal(vouch_cur_expect_empty(&c), VOUCH_OK);
  return seq;
}

static X509 *pck_of(const vouch_gen_platform *pl) {
  const uint8_t *der;
  size_t len;
  vouch_gen_platform_pck_der(pl, &der, &len);
  X509 *x = d2i_X509(NULL, &der, (long)len);
  assert_non_null(x);
  return x;
}

static bool memmem_has(const void *hay, size_t hay_len, const void *needle, size_t n) {
  return memmem(hay, hay_len, needle, n) != NULL;
}

/* ---- tests --------------------------------------------------------------- */

static void test_quote_layout(void **state) {
  fixture *f = *state;
  quote_view v = walk_quote(&f->quote);
  assert_int_equal(le16(v.q + 0), 3);
  assert_int_equal(le16(v.q + 2), 2);
  assert_int_equal(le32(v.q + 4), 0);
  assert_int_equal(le16(v.q + 8), 8);   /* qe_svn */
  assert_int_equal(le16(v.q + 10), 13); /* pce_svn */
  static const uint8_t kVendor[16] = {0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
                                      0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};
  assert_memory_equal(v.q + 12, kVendor, 16);
  static const uint8_t kZero4[4] = {0};
  assert_memory_equal(v.q + 44, kZero4, 4); /* user_data tail */
  /* sig_data_len covers everything after offset 436 exactly */
  assert_int_equal(v.sig_data_len, v.len - 436);
  assert_int_equal(v.end, v.len);
  assert_int_equal(v.auth_len, 32);
  for (int i = 0; i < 32; i++) assert_int_equal(v.auth[i], i);
  assert_int_equal(v.cert_type, 5);
  /* PEM chain of three certificates followed by one NUL counted in the size */
  assert_int_equal(v.cert[v.cert_len - 1], 0);
  assert_non_null(strstr((const char *)v.cert, "-----BEGIN CERTIFICATE-----"));
  X509 *certs[4];
  size_t n = read_certs(v.cert, v.cert_len - 1, certs, 4);
  assert_int_equal(n, 3);
  char cn[128];
  X509_NAME_get_text_by_NID(X509_get_subject_name(certs[0]), NID_commonName, cn, sizeof(cn));
  assert_string_equal(cn, "Intel SGX PCK Certificate");
  X509_NAME_get_text_by_NID(X509_get_subject_name(certs[1]), NID_commonName, cn, sizeof(cn));
  assert_string_equal(cn, "Intel SGX PCK Processor CA");
  X509_NAME_get_text_by_NID(X509_get_subject_name(certs[2]), NID_commonName, cn, sizeof(cn));
  assert_string_equal(cn, "Intel SGX Root CA");
  free_certs(certs, n);
  /* ISV report body: default attributes, not debug */
  assert_int_equal(v.q[48 + 48], 0x05);
  assert_int_equal(v.q[48 + 56], 0xE7);
}

static void test_quote_signature(void **state) {
  fixture *f = *state;
  quote_view v = walk_quote(&f->quote);
  assert_memory_equal(v.att_key, vouch_gen_platform_att_key(f->pl), 64);
  EVP_PKEY *att = pub_from_raw(v.att_key);
  assert_int_equal(verify_raw(att, v.q, 432, v.sig), 1);
  /* any change to the signed range breaks it */
  uint8_t copy[432];
  memcpy(copy, v.q, 432);
  copy[368] ^= 1; /* REPORTDATA[0] */
  assert_int_not_equal(verify_raw(att, copy, 432, v.sig), 1);
  EVP_PKEY_free(att);
}

static void test_qe_report_signature_and_binding(void **state) {
  fixture *f = *state;
  quote_view v = walk_quote(&f->quote);
  X509 *certs[3];
  size_t n = read_certs(v.cert, v.cert_len - 1, certs, 3);
  assert_int_equal(n, 3);
  EVP_PKEY *pck_key = X509_get0_pubkey(certs[0]);
  assert_int_equal(verify_raw(pck_key, v.qe_report, 384, v.qe_sig), 1);
  /* REPORTDATA = SHA-256(att_key || qe_auth_data) || 0^32 */
  uint8_t msg[64 + 32], md[32];
  memcpy(msg, v.att_key, 64);
  memcpy(msg + 64, v.auth, 32);
  unsigned int md_len = 0;
  assert_int_equal(EVP_Digest(msg, sizeof(msg), md, &md_len, EVP_sha256(), NULL), 1);
  assert_memory_equal(v.qe_report + 320, md, 32);
  static const uint8_t kZero[32] = {0};
  assert_memory_equal(v.qe_report + 352, kZero, 32);
  /* QE identity fields of the report */
  static const uint8_t kMrsigner[32] = {0x8C, 0x4F, 0x57, 0x75, 0xD7, 0x96, 0x50, 0x3E,
                                        0x96, 0x13, 0x7F, 0x77, 0xC6, 0x8A, 0x82, 0x9A,
                                        0x00, 0x56, 0xAC, 0x8D, 0xED, 0x70, 0x14, 0x0B,
                                        0x08, 0x1B, 0x09, 0x44, 0x90, 0xC5, 0x7B, 0xFF};
  assert_memory_equal(v.qe_report + 128, kMrsigner, 32);
  assert_int_equal(le16(v.qe_report + 256), 1);
  assert_int_equal(le16(v.qe_report + 258), 8);
  assert_int_equal(v.qe_report[48] & 0xFB, 0x11); /* attributes under Intel's mask */
  free_certs(certs, n);
}

static void test_qe_material_shared(void **state) {
  fixture *f = *state;
  vouch_buf q2 = {0};
  vouch_gen_quote_opts o;
  vouch_gen_quote_opts_default(&o);
  o.report_data[0] = 0x42;
  o.isvsvn = 3;
  make_quote(f->pl, &o, &q2);
  quote_view a = walk_quote(&f->quote), b = walk_quote(&q2);
  assert_int_equal(a.len, b.len);
  /* everything from the attestation key on is byte-identical */
  assert_memory_equal(a.att_key, b.att_key, a.len - 500);
  assert_memory_equal(a.qe_report, vouch_gen_platform_qe_report(f->pl), 384);
  assert_memory_equal(a.qe_sig, vouch_gen_platform_qe_report_sig(f->pl), 64);
  /* the ISV part and its signature differ */
  assert_memory_not_equal(a.sig, b.sig, 64);
  assert_int_equal(b.q[368], 0x42);
  assert_int_equal(le16(b.q + 48 + 258), 3);
  EVP_PKEY *att = pub_from_raw(b.att_key);
  assert_int_equal(verify_raw(att, b.q, 432, b.sig), 1);
  EVP_PKEY_free(att);
  vouch_buf_free(&q2);
}

static void test_tcb_info_signature(void **state) {
  fixture *f = *state;
  const char *text = bundle_str(f, "tcb_info");
  size_t len = 0;
  assert_string_equal(text, vouch_gen_tcb_info_text(f->ti, &len));
  assert_int_equal(strlen(text), len);
  uint8_t sig[64];
  assert_int_equal(vouch_hex_decode(bundle_str(f, "tcb_info_signature"), 128, sig, 64), VOUCH_OK);
  const char *chain = bundle_str(f, "tcb_info_issuer_chain");
  X509 *certs[3];
  size_t n = read_certs(chain, strlen(chain), certs, 3);
  assert_int_equal(n, 2);
  char cn[128];
  X509_NAME_get_text_by_NID(X509_get_subject_name(certs[0]), NID_commonName, cn, sizeof(cn));
  assert_string_equal(cn, "Intel SGX TCB Signing");
  EVP_PKEY *key = X509_get0_pubkey(certs[0]);
  assert_int_equal(verify_raw(key, text, len, sig), 1);
  /* QE identity, same signer */
  const char *qe_text = bundle_str(f, "qe_identity");
  assert_int_equal(vouch_hex_decode(bundle_str(f, "qe_identity_signature"), 128, sig, 64),
                   VOUCH_OK);
  assert_int_equal(verify_raw(key, qe_text, strlen(qe_text), sig), 1);
  /* and the signing chain verifies to the root with the Root CA CRL */
  X509_CRL *root_crl = crl_from_hex(bundle_str(f, "root_ca_crl"));
  int verr = 0;
  assert_int_equal(chain_check(certs[0], NULL, certs[1], root_crl, NULL, NOW, &verr), 1);
  X509_CRL_free(root_crl);
  free_certs(certs, n);
}

static void test_tcb_info_shape(void **state) {
  fixture *f = *state;
  size_t len = 0;
  const char *text = vouch_gen_tcb_info_text(f->ti, &len);
  assert_null(memchr(text, ' ', len)); /* compact, as Intel serves it */
  assert_true(strncmp(text, "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"", 37) == 0);
  json_t *root = json_loadb(text, len, 0, NULL);
  assert_non_null(root);
  assert_string_equal(json_string_value(json_object_get(root, "fmspc")), "00A067110000");
  assert_string_equal(json_string_value(json_object_get(root, "pceId")), "0000");
  assert_int_equal(json_integer_value(json_object_get(root, "tcbType")), 0);
  json_t *levels = json_object_get(root, "tcbLevels");
  assert_int_equal(json_array_size(levels), 2); /* UpToDate (the platform), older OutOfDate */
  json_t *l0 = json_array_get(levels, 0);
  assert_string_equal(json_string_value(json_object_get(l0, "tcbStatus")), "UpToDate");
  assert_null(json_object_get(l0, "advisoryIDs"));
  json_t *comps = json_object_get(json_object_get(l0, "tcb"), "sgxtcbcomponents");
  assert_int_equal(json_array_size(comps), 16);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(comps, 4), "svn")), 255);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(l0, "tcb"), "pcesvn")), 13);
  json_t *l1 = json_array_get(levels, 1);
  assert_string_equal(json_string_value(json_object_get(l1, "tcbStatus")), "OutOfDate");
  assert_true(json_array_size(json_object_get(l1, "advisoryIDs")) > 0);
  const char *tcb_date = json_string_value(json_object_get(l0, "tcbDate"));
  assert_int_equal(strlen(tcb_date), 20);
  assert_string_equal(tcb_date + 10, "T00:00:00Z");
  json_decref(root);
}

static void test_tcb_info_status_ladder(void **state) {
  fixture *f = *state;
  vouch_gen_tcb_info_opts to;
  vouch_gen_tcb_info_opts_default(&to, f->pl, "ConfigurationAndSWHardeningNeeded");
  vouch_gen_tcb_info *ti = NULL;
  assert_int_equal(vouch_gen_tcb_info_new(f->pki, &to, &ti, NULL), VOUCH_OK);
  json_t *root = json_loads(vouch_gen_tcb_info_text(ti, NULL), 0, NULL);
  json_t *levels = json_object_get(root, "tcbLevels");
  assert_int_equal(json_array_size(levels), 3);
  /* QVL's match: the first level whose every component and pcesvn the
   * platform reaches. */
  const vouch_gen_pck_fields *pck = vouch_gen_platform_pck(f->pl);
  const char *matched = NULL;
  for (size_t i = 0; i < json_array_size(levels) && matched == NULL; i++) {
    json_t *l = json_array_get(levels, i), *tcb = json_object_get(l, "tcb");
    json_t *comps = json_object_get(tcb, "sgxtcbcomponents");
    bool ok = pck->pcesvn >= json_integer_value(json_object_get(tcb, "pcesvn"));
    for (size_t c = 0; c < 16; c++)
      ok = ok &&
           pck->comp_svn[c] >= json_integer_value(json_object_get(json_array_get(comps, c), "svn"));
    if (ok) {
      matched = json_string_value(json_object_get(l, "tcbStatus"));
      assert_int_equal(json_array_size(json_object_get(l, "advisoryIDs")), 2);
    }
  }
  assert_non_null(matched);
  assert_string_equal(matched, "ConfigurationAndSWHardeningNeeded");
  json_decref(root);
  vouch_gen_tcb_info_free(ti);
}

static void test_tcb_info_v2_and_knobs(void **state) {
  fixture *f = *state;
  vouch_gen_tcb_info_opts to;
  vouch_gen_tcb_info_opts_default(&to, f->pl, NULL);
  to.version = 2;
  to.fmspc[5] ^= 1; /* FMSPC mismatch with the PCK cert */
  to.corrupt_signature = true;
  to.validity = VOUCH_GEN_EXPIRED;
  vouch_gen_tcb_info *ti = NULL;
  assert_int_equal(vouch_gen_tcb_info_new(f->pki, &to, &ti, NULL), VOUCH_OK);
  size_t len = 0;
  const char *text = vouch_gen_tcb_info_text(ti, &len);
  assert_true(strncmp(text, "{\"version\":2,", 13) == 0);
  assert_non_null(strstr(text, "\"fmspc\":\"00A067110001\""));
  assert_non_null(strstr(text, "{\"tcb\":{\"sgxtcbcomp01svn\":11,\"sgxtcbcomp02svn\":11,"));
  assert_non_null(strstr(text, "\"sgxtcbcomp16svn\":0,\"pcesvn\":13},\"tcbDate\""));
  int64_t issue, next;
  vouch_gen_tcb_info_window(ti, &issue, &next);
  assert_true(next < NOW && issue < next);
  char s[VOUCH_TIME_STR_LEN], key[64];
  vouch_time_format(next, s);
  snprintf(key, sizeof(key), "\"nextUpdate\":\"%s\"", s);
  assert_non_null(strstr(text, key));
  /* the corrupted signature does not verify */
  const uint8_t *der;
  size_t der_len;
  assert_int_equal(vouch_gen_pki_cert_der(f->pki, VOUCH_GEN_TCB_SIGNING, &der, &der_len), VOUCH_OK);
  X509 *signer = d2i_X509(NULL, &der, (long)der_len);
  assert_int_not_equal(
      verify_raw(X509_get0_pubkey(signer), text, len, vouch_gen_tcb_info_signature(ti)), 1);
  X509_free(signer);
  vouch_gen_tcb_info_free(ti);
}

static void test_qe_identity_shape(void **state) {
  fixture *f = *state;
  size_t len = 0;
  const char *text = vouch_gen_qe_identity_text(f->qe, &len);
  assert_null(memchr(text, ' ', len));
  assert_true(strncmp(text, "{\"id\":\"QE\",\"version\":2,\"issueDate\":", 35) == 0);
  assert_non_null(strstr(text,
                         "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
                         "\"attributes\":\"11000000000000000000000000000000\","
                         "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
                         "\"mrsigner\":\"8C4F5775D796503E96137F77C68A829A0056AC8DED70140B0"
                         "81B094490C57BFF\",\"isvprodid\":1,\"tcbLevels\":[{\"tcb\":{"
                         "\"isvsvn\":8},\"tcbDate\":"));
  /* knobs for identity mismatch */
  vouch_gen_qe_identity_opts qo;
  vouch_gen_qe_identity_opts_default(&qo);
  qo.mrsigner[0] ^= 0xFF;
  qo.isvprodid = 2;
  vouch_gen_qe_identity *qe = NULL;
  assert_int_equal(vouch_gen_qe_identity_new(f->pki, &qo, &qe, NULL), VOUCH_OK);
  text = vouch_gen_qe_identity_text(qe, NULL);
  assert_non_null(strstr(text, "\"mrsigner\":\"734F5775"));
  assert_non_null(strstr(text, "\"isvprodid\":2,"));
  vouch_gen_qe_identity_free(qe);
}

static void test_chain_and_crls(void **state) {
  fixture *f = *state;
  quote_view v = walk_quote(&f->quote);
  X509 *certs[3];
  size_t n = read_certs(v.cert, v.cert_len - 1, certs, 3);
  assert_int_equal(n, 3);
  X509_CRL *root_crl = crl_from_hex(bundle_str(f, "root_ca_crl"));
  X509_CRL *pck_crl = crl_from_hex(bundle_str(f, "pck_crl"));
  int verr = 0;
  int rc = chain_check(certs[0], certs[1], certs[2], root_crl, pck_crl, NOW, &verr);
  if (rc != 1) fail_msg("chain: %s", X509_verify_cert_error_string(verr));
  /* the bundle's PCK CRL issuer chain is the intermediate + root */
  const char *crl_chain = bundle_str(f, "pck_crl_issuer_chain");
  X509 *cc[3];
  size_t m = read_certs(crl_chain, strlen(crl_chain), cc, 3);
  assert_int_equal(m, 2);
  assert_int_equal(X509_cmp(cc[0], certs[1]), 0);
  assert_int_equal(X509_cmp(cc[1], certs[2]), 0);
  /* the root is the pki's trust anchor */
  vouch_buf anchor = {0};
  assert_int_equal(vouch_gen_pki_root_pem(f->pki, &anchor), VOUCH_OK);
  X509 *root[1] = {NULL};
  assert_int_equal(read_certs(anchor.data, anchor.len, root, 1), 1);
  assert_int_equal(X509_cmp(root[0], certs[2]), 0);
  /* basic constraints as Intel: root pathlen 1, CA pathlen 0, leaf not CA */
  assert_int_equal(X509_get_pathlen(certs[2]), 1);
  assert_int_equal(X509_get_pathlen(certs[1]), 0);
  assert_int_equal(X509_check_ca(certs[0]), 0);
  assert_int_equal(X509_get_key_usage(certs[0]), KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
  assert_int_equal(X509_get_key_usage(certs[1]), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
  /* an unrelated PKI's root does not anchor this chain (wrong root) */
  vouch_gen_pki *other = new_pki(2, NULL);
  const uint8_t *der;
  size_t der_len;
  assert_int_equal(vouch_gen_pki_cert_der(other, VOUCH_GEN_ROOT_CA, &der, &der_len), VOUCH_OK);
  X509 *other_root = d2i_X509(NULL, &der, (long)der_len);
  assert_int_not_equal(chain_check(certs[0], certs[1], other_root, NULL, NULL, NOW, &verr), 1);
  X509_free(other_root);
  vouch_gen_pki_free(other);
  X509_free(root[0]);
  vouch_buf_free(&anchor);
  free_certs(cc, m);
  X509_CRL_free(pck_crl);
  X509_CRL_free(root_crl);
  free_certs(certs, n);
}

static void test_revocation(void **state) {
  (void)state;
  vouch_gen_pki *pki = new_pki(3, NULL);
  vouch_gen_platform_opts o;
  vouch_gen_platform_opts_default(&o);
  o.ca = VOUCH_GEN_PLATFORM_CA;
  vouch_gen_platform *revoked = new_platform(pki, &o);
  vouch_gen_platform *good = new_platform(pki, &o);
  assert_int_equal(vouch_gen_pki_revoke_pck(pki, revoked), VOUCH_OK);

  const uint8_t *der;
  size_t len;
  assert_int_equal(vouch_gen_pki_crl_der(pki, VOUCH_GEN_PLATFORM_CRL, &der, &len), VOUCH_OK);
  X509_CRL *pck_crl = d2i_X509_CRL(NULL, &der, (long)len);
  assert_non_null(pck_crl);
  assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(pck_crl)), 1);
  assert_int_equal(vouch_gen_pki_crl_der(pki, VOUCH_GEN_ROOT_CRL, &der, &len), VOUCH_OK);
  X509_CRL *root_crl = d2i_X509_CRL(NULL, &der, (long)len);
  assert_int_equal(vouch_gen_pki_cert_der(pki, VOUCH_GEN_PLATFORM_CA, &der, &len), VOUCH_OK);
  X509 *ca = d2i_X509(NULL, &der, (long)len);
  assert_int_equal(vouch_gen_pki_cert_der(pki, VOUCH_GEN_ROOT_CA, &der, &len), VOUCH_OK);
  X509 *root = d2i_X509(NULL, &der, (long)len);
  X509 *leaf_bad = pck_of(revoked), *leaf_good = pck_of(good);
  int verr = 0;
  assert_int_equal(chain_check(leaf_good, ca, root, root_crl, pck_crl, NOW, &verr), 1);
  assert_int_not_equal(chain_check(leaf_bad, ca, root, root_crl, pck_crl, NOW, &verr), 1);
  assert_int_equal(verr, X509_V_ERR_CERT_REVOKED);

  /* revoking the intermediate in the Root CA CRL catches the good leaf too */
  assert_int_equal(vouch_gen_pki_revoke(pki, VOUCH_GEN_PLATFORM_CA), VOUCH_OK);
  X509_CRL_free(root_crl);
  assert_int_equal(vouch_gen_pki_crl_der(pki, VOUCH_GEN_ROOT_CRL, &der, &len), VOUCH_OK);
  root_crl = d2i_X509_CRL(NULL, &der, (long)len);
  assert_int_not_equal(chain_check(leaf_good, ca, root, root_crl, pck_crl, NOW, &verr), 1);
  assert_int_equal(verr, X509_V_ERR_CERT_REVOKED);

  X509_free(leaf_good);
  X509_free(leaf_bad);
  X509_free(root);
  X509_free(ca);
  X509_CRL_free(root_crl);
  X509_CRL_free(pck_crl);
  vouch_gen_platform_free(good);
  vouch_gen_platform_free(revoked);
  vouch_gen_pki_free(pki);
}

static void expect_ext_bytes(vouch_cur seq, uint8_t a, uint8_t tag, const uint8_t *want, size_t n) {
  uint8_t t;
  vouch_cur value;
  assert_true(ext_entry(seq, a, &t, &value));
  assert_int_equal(t, tag);
  assert_int_equal(value.len, n);
  assert_memory_equal(value.data, want, n);
}

static void test_pck_extension(void **state) {
  fixture *f = *state;
  X509 *x = pck_of(f->pl);
  const vouch_gen_pck_fields *p = vouch_gen_platform_pck(f->pl);
  vouch_cur seq = sgx_ext_of(x);
  static const uint8_t kFmspc[6] = {0x00, 0xA0, 0x67, 0x11, 0x00, 0x00};
  expect_ext_bytes(seq, 4, VOUCH_DER_OCTET_STRING, kFmspc, 6);
  static const uint8_t kPceid[2] = {0, 0};
  expect_ext_bytes(seq, 3, VOUCH_DER_OCTET_STRING, kPceid, 2);
  expect_ext_bytes(seq, 1, VOUCH_DER_OCTET_STRING, p->ppid, 16);
  static const uint8_t kType[1] = {0};
  expect_ext_bytes(seq, 5, VOUCH_DER_ENUMERATED, kType, 1);
  uint8_t tag;
  vouch_cur tcb;
  assert_false(ext_entry(seq, 6, &tag, &tcb)); /* Processor CA: no platform fields */
  assert_true(ext_entry(seq, 2, &tag, &tcb));
  assert_int_equal(tag, VOUCH_DER_SEQUENCE);
  /* TCB: 16 components + PCESVN as INTEGER, CPUSVN as OCTET STRING */
  for (uint8_t i = 1; i <= 18; i++) {
    vouch_cur entry, oid, value;
    assert_int_equal(vouch_der_expect(&tcb, VOUCH_DER_SEQUENCE, &entry), VOUCH_OK);
    assert_int_equal(vouch_der_expect(&entry, VOUCH_DER_OID, &oid), VOUCH_OK);
    assert_int_equal(oid.len, sizeof(kSgxOid) + 2);
    assert_int_equal(oid.data[sizeof(kSgxOid)], 2);
    assert_int_equal(oid.data[sizeof(kSgxOid) + 1], i);
    if (i == 18) {
      assert_int_equal(vouch_der_expect(&entry, VOUCH_DER_OCTET_STRING, &value), VOUCH_OK);
      assert_memory_equal(value.data, p->cpusvn, 16);
      continue;
    }
    assert_int_equal(vouch_der_expect(&entry, VOUCH_DER_INTEGER, &value), VOUCH_OK);
    uint64_t u = 0;
    assert_int_equal(vouch_der_uint(&value, &u), VOUCH_OK);
    assert_int_equal(u, i == 17 ? p->pcesvn : p->comp_svn[i - 1]);
    if (i == 5) { /* 255 is minimally 02 02 00 FF */
      assert_int_equal(value.len, 2);
      assert_int_equal(value.data[0], 0x00);
      assert_int_equal(value.data[1], 0xFF);
    } else if (i != 17) {
      assert_int_equal(value.len, 1);
    }
  }
  assert_int_equal(vouch_cur_remaining(&tcb), 0);
  X509_free(x);
}

static void test_pck_extension_platform_ca(void **state) {
  fixture *f = *state;
  vouch_gen_platform_opts o;
  vouch_gen_platform_opts_default(&o);
  o.ca = VOUCH_GEN_PLATFORM_CA;
  o.pck.sgx_type = 1;
  o.pck.cached_keys = false;
  o.pck.pcesvn = 128; /* 02 02 00 80 */
  vouch_gen_platform *pl = new_platform(f->pki, &o);
  X509 *x = pck_of(pl);
  char cn[128];
  X509_NAME_get_text_by_NID(X509_get_issuer_name(x), NID_commonName, cn, sizeof(cn));
  assert_string_equal(cn, "Intel SGX PCK Platform CA");
  vouch_cur seq = sgx_ext_of(x);
  static const uint8_t kType[1] = {1};
  expect_ext_bytes(seq, 5, VOUCH_DER_ENUMERATED, kType, 1);
  expect_ext_bytes(seq, 6, VOUCH_DER_OCTET_STRING, vouch_gen_platform_pck(pl)->platform_instance_id,
                   16);
  uint8_t tag;
  vouch_cur conf;
  assert_true(ext_entry(seq, 7, &tag, &conf));
  assert_int_equal(tag, VOUCH_DER_SEQUENCE);
  const bool want[3] = {true, false, true};
  for (int i = 0; i < 3; i++) {
    vouch_cur entry, oid, value;
    assert_int_equal(vouch_der_expect(&conf, VOUCH_DER_SEQUENCE, &entry), VOUCH_OK);
    assert_int_equal(vouch_der_expect(&entry, VOUCH_DER_OID, &oid), VOUCH_OK);
    assert_int_equal(oid.data[sizeof(kSgxOid)], 7);
    assert_int_equal(oid.data[sizeof(kSgxOid) + 1], i + 1);
    assert_int_equal(vouch_der_expect(&entry, VOUCH_DER_BOOLEAN, &value), VOUCH_OK);
    assert_int_equal(value.len, 1);
    assert_int_equal(value.data[0], want[i] ? 0xFF : 0x00);
  }
  /* PCESVN 128 needs a leading zero octet */
  vouch_buf ext = {0};
  assert_int_equal(vouch_gen_pck_ext_encode(vouch_gen_platform_pck(pl), &ext), VOUCH_OK);
  static const uint8_t kPce[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D,
                                 0x01, 0x02, 0x11, 0x02, 0x02, 0x00, 0x80};
  assert_true(memmem_has(ext.data, ext.len, kPce, sizeof(kPce)));
  vouch_buf_free(&ext);
  X509_free(x);
  vouch_gen_platform_free(pl);
}

/* window_check: VALID contains |now|, EXPIRED ends before, NOT_YET_VALID
 * starts after; for certificates the X.509 dates agree with the window. */
static void window_check(vouch_gen_validity v, int64_t start, int64_t end) {
  assert_true(start < end);
  switch (v) {
    case VOUCH_GEN_VALID:
      assert_true(start <= NOW && NOW <= end);
      break;
    case VOUCH_GEN_EXPIRED:
      assert_true(end < NOW);
      break;
    case VOUCH_GEN_NOT_YET_VALID:
      assert_true(start > NOW);
      break;
  }
}

static void x509_dates_check(X509 *x, int64_t start, int64_t end) {
  ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)start);
  int day = 0, sec = 0;
  assert_int_equal(ASN1_TIME_diff(&day, &sec, t, X509_get0_notBefore(x)), 1);
  assert_int_equal(day, 0);
  assert_int_equal(sec, 0);
  ASN1_TIME_free(t);
  t = ASN1_TIME_set(NULL, (time_t)end);
  assert_int_equal(ASN1_TIME_diff(&day, &sec, t, X509_get0_notAfter(x)), 1);
  assert_int_equal(day, 0);
  assert_int_equal(sec, 0);
  ASN1_TIME_free(t);
}

static void test_validity_knobs(void **state) {
  (void)state;
  for (int v = VOUCH_GEN_VALID; v <= VOUCH_GEN_NOT_YET_VALID; v++) {
    vouch_gen_validity all[VOUCH_GEN_PKI_ITEM_COUNT];
    for (int i = 0; i < VOUCH_GEN_PKI_ITEM_COUNT; i++) all[i] = (vouch_gen_validity)v;
    vouch_gen_pki *pki = new_pki(4, all);
    for (int i = 0; i < VOUCH_GEN_PKI_ITEM_COUNT; i++) {
      int64_t start, end;
      assert_int_equal(vouch_gen_pki_window(pki, (vouch_gen_pki_item)i, &start, &end), VOUCH_OK);
      window_check((vouch_gen_validity)v, start, end);
      const uint8_t *der;
      size_t len;
      if (i <= VOUCH_GEN_TCB_SIGNING) {
        assert_int_equal(vouch_gen_pki_cert_der(pki, (vouch_gen_pki_item)i, &der, &len), VOUCH_OK);
        X509 *x = d2i_X509(NULL, &der, (long)len);
        x509_dates_check(x, start, end);
        X509_free(x);
      } else {
        assert_int_equal(vouch_gen_pki_crl_der(pki, (vouch_gen_pki_item)i, &der, &len), VOUCH_OK);
        X509_CRL *crl = d2i_X509_CRL(NULL, &der, (long)len);
        int day = 0, sec = 0;
        ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)end);
        assert_int_equal(ASN1_TIME_diff(&day, &sec, t, X509_CRL_get0_nextUpdate(crl)), 1);
        assert_true(day == 0 && sec == 0);
        ASN1_TIME_free(t);
        X509_CRL_free(crl);
      }
    }
    vouch_gen_platform_opts o;
    vouch_gen_platform_opts_default(&o);
    o.pck_validity = (vouch_gen_validity)v;
    vouch_gen_platform *pl = new_platform(pki, &o);
    int64_t start, end;
    vouch_gen_platform_pck_window(pl, &start, &end);
    window_check((vouch_gen_validity)v, start, end);
    X509 *x = pck_of(pl);
    x509_dates_check(x, start, end);
    X509_free(x);
    vouch_gen_tcb_info_opts to;
    vouch_gen_tcb_info_opts_default(&to, pl, NULL);
    to.validity = (vouch_gen_validity)v;
    vouch_gen_tcb_info *ti = NULL;
    assert_int_equal(vouch_gen_tcb_info_new(pki, &to, &ti, NULL), VOUCH_OK);
    vouch_gen_tcb_info_window(ti, &start, &end);
    window_check((vouch_gen_validity)v, start, end);
    vouch_gen_tcb_info_free(ti);
    vouch_gen_platform_free(pl);
    vouch_gen_pki_free(pki);
  }
  /* one expired item only: the PCK fails the chain check with "expired" */
  vouch_gen_pki *pki = new_pki(5, NULL);
  vouch_gen_platform_opts o;
  vouch_gen_platform_opts_default(&o);
  o.pck_validity = VOUCH_GEN_EXPIRED;
  vouch_gen_platform *pl = new_platform(pki, &o);
  const uint8_t *der;
  size_t len;
  assert_int_equal(vouch_gen_pki_cert_der(pki, VOUCH_GEN_PROCESSOR_CA, &der, &len), VOUCH_OK);
  X509 *ca = d2i_X509(NULL, &der, (long)len);
  assert_int_equal(vouch_gen_pki_cert_der(pki, VOUCH_GEN_ROOT_CA, &der, &len), VOUCH_OK);
  X509 *root = d2i_X509(NULL, &der, (long)len);
  X509 *leaf = pck_of(pl);
  int verr = 0;
  assert_int_not_equal(chain_check(leaf, ca, root, NULL, NULL, NOW, &verr), 1);
  assert_int_equal(verr, X509_V_ERR_CERT_HAS_EXPIRED);
  X509_free(leaf);
  X509_free(root);
  X509_free(ca);
  vouch_gen_platform_free(pl);
  vouch_gen_pki_free(pki);
}

static void test_corruption_flags(void **state) {
  fixture *f = *state;
  vouch_gen_quote_opts o;
  vouch_gen_quote_opts_default(&o);
  o.debug = true;
  o.corrupt = VOUCH_GEN_CORRUPT_QUOTE_SIG | VOUCH_GEN_CORRUPT_QE_AUTH_DATA;
  o.trailing_len = 70;
  vouch_buf q = {0};
  make_quote(f->pl, &o, &q);
  quote_view v = walk_quote(&q);
  assert_int_equal(v.end + 70, v.len); /* trailing bytes outside every length */
  assert_int_equal(v.sig_data_len, v.end - 436);
  assert_int_equal(v.q[48 + 48] & 0x02, 0x02); /* DEBUG */
  EVP_PKEY *att = pub_from_raw(v.att_key);
  assert_int_not_equal(verify_raw(att, v.q, 432, v.sig), 1);
  /* QE report still verifies, but the binding does not */
  X509 *pck = pck_of(f->pl);
  assert_int_equal(verify_raw(X509_get0_pubkey(pck), v.qe_report, 384, v.qe_sig), 1);
  uint8_t msg[96], md[32];
  memcpy(msg, v.att_key, 64);
  memcpy(msg + 64, v.auth, 32);
  assert_int_equal(EVP_Digest(msg, sizeof(msg), md, NULL, EVP_sha256(), NULL), 1);
  assert_memory_not_equal(v.qe_report + 320, md, 32);

  vouch_buf_reset(&q);
  o.corrupt = VOUCH_GEN_CORRUPT_QE_REPORT_SIG;
  o.trailing_len = 0;
  make_quote(f->pl, &o, &q);
  v = walk_quote(&q);
  assert_int_equal(verify_raw(att, v.q, 432, v.sig), 1);
  assert_int_not_equal(verify_raw(X509_get0_pubkey(pck), v.qe_report, 384, v.qe_sig), 1);
  /* the platform's own copy is untouched */
  assert_int_equal(verify_raw(X509_get0_pubkey(pck), vouch_gen_platform_qe_report(f->pl), 384,
                              vouch_gen_platform_qe_report_sig(f->pl)),
                   1);
  X509_free(pck);
  EVP_PKEY_free(att);
  vouch_buf_free(&q);
}

static void test_cert_data_type1(void **state) {
  (void)state;
  fixture f;
  vouch_gen_pki *pki = new_pki(6, NULL);
  vouch_gen_platform_opts o;
  vouch_gen_platform_opts_default(&o);
  o.cert_data_type = 1;
  o.pck.pceid[1] = 0x01;
  fixture_build(&f, pki, new_platform(pki, &o));
  quote_view v = walk_quote(&f.quote);
  assert_int_equal(v.cert_type, 1);
  assert_int_equal(v.cert_len, 36);
  assert_int_equal(v.end, v.len);
  const vouch_gen_pck_fields *p = vouch_gen_platform_pck(f.pl);
  assert_memory_equal(v.cert, p->ppid, 16);
  assert_memory_equal(v.cert + 16, p->cpusvn, 16);
  assert_int_equal(le16(v.cert + 32), 13);
  assert_memory_equal(v.cert + 34, p->pceid, 2);
  /* the PCK chain travels in the collateral instead */
  const char *chain = bundle_str(&f, "pck_certificate_chain");
  X509 *certs[4];
  size_t n = read_certs(chain, strlen(chain), certs, 4);
  assert_int_equal(n, 3);
  EVP_PKEY *pck_key = X509_get0_pubkey(certs[0]);
  assert_int_equal(verify_raw(pck_key, v.qe_report, 384, v.qe_sig), 1);
  free_certs(certs, n);
  /* and the TCB Info follows the PCE-ID */
  assert_non_null(strstr(bundle_str(&f, "tcb_info"), "\"pceId\":\"0001\""));
  fixture *fp = &f;
  json_decref(fp->bundle_json);
  vouch_buf_free(&fp->quote);
  vouch_buf_free(&fp->bundle);
  vouch_gen_qe_identity_free(fp->qe);
  vouch_gen_tcb_info_free(fp->ti);
  vouch_gen_platform_free(fp->pl);
  vouch_gen_pki_free(fp->pki);
}

static void test_bundle_keys(void **state) {
  fixture *f = *state;
  static const char *const kKeys[] = {
      "pck_crl_issuer_chain",     "root_ca_crl", "pck_crl",
      "tcb_info_issuer_chain",    "tcb_info",    "tcb_info_signature",
      "qe_identity_issuer_chain", "qe_identity", "qe_identity_signature"};
  /* same keys, same order as the vectors' collateral.json */
  const char *text = f->bundle.data;
  const char *prev = text;
  for (size_t i = 0; i < sizeof(kKeys) / sizeof(kKeys[0]); i++) {
    char quoted[64];
    snprintf(quoted, sizeof(quoted), "\"%s\":", kKeys[i]);
    const char *at = strstr(text, quoted);
    assert_non_null(at);
    assert_true(at >= prev);
    prev = at;
  }
  assert_int_equal(json_object_size(f->bundle_json), 9);
  /* CRLs and signatures are lower-case hex */
  const char *crl = bundle_str(f, "root_ca_crl");
  for (const char *p = crl; *p; p++)
    assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
  assert_int_equal(strlen(bundle_str(f, "tcb_info_signature")), 128);
  /* wrong_pck_crl swaps in the other CA's CRL */
  vouch_gen_bundle_opts bo = {.wrong_pck_crl = true};
  vouch_buf b = {0};
  assert_int_equal(vouch_gen_bundle_json(f->pki, f->pl, f->ti, f->qe, &bo, &b, NULL), VOUCH_OK);
  json_t *j = json_loadb(b.data, b.len, 0, NULL);
  X509_CRL *c = crl_from_hex(json_string_value(json_object_get(j, "pck_crl")));
  char cn[128];
  X509_NAME_get_text_by_NID(X509_CRL_get_issuer(c), NID_commonName, cn, sizeof(cn));
  assert_string_equal(cn, "Intel SGX PCK Platform CA");
  X509_CRL_free(c);
  json_decref(j);
  vouch_buf_free(&b);
}

static uint8_t *slurp(const char *path, size_t *out_len) {
  uint8_t *data = NULL;
  vouch_err err = {0};
  if (vouch_read_file(path, 1 << 20, &data, out_len, &err) != VOUCH_OK) fail_msg("%s", err.msg);
  return data;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void test_collateral_dir(void **state) {
  fixture *f = *state;
  char dir[] = "/tmp/vouch-gen-test-XXXXXX";
  assert_non_null(mkdtemp(dir));
  const vouch_gen_tcb_info *tis[] = {f->ti};
  const vouch_gen_qe_identity *qes[] = {f->qe};
  vouch_err err = {0};
  vouch_status s = vouch_gen_collateral_dir_write(dir, f->pki, tis, 1, qes, 1, &err);
  if (s != VOUCH_OK) fail_msg("%s", err.msg);
  char path[512];
  size_t len = 0, text_len = 0;
  snprintf(path, sizeof(path), "%s/intel/sgx/tcbinfo/00A067110000/17.json", dir);
  uint8_t *body = slurp(path, &len);
  const char *text = vouch_gen_tcb_info_text(f->ti, &text_len);
  assert_true(len > text_len);
  assert_memory_equal(body, "{\"tcbInfo\":", 11);
  assert_memory_equal(body + 11, text, text_len); /* the exact signed bytes */
  assert_memory_equal(body + 11 + text_len, ",\"signature\":\"", 14);
  free(body);
  snprintf(path, sizeof(path), "%s/intel/qe/17.json", dir);
  body = slurp(path, &len);
  text = vouch_gen_qe_identity_text(f->qe, &text_len);
  assert_memory_equal(body, "{\"enclaveIdentity\":", 19);
  assert_memory_equal(body + 19, text, text_len);
  free(body);
  int64_t this_update, next_update;
  assert_int_equal(
      vouch_gen_pki_window(f->pki, VOUCH_GEN_PROCESSOR_CRL, &this_update, &next_update), VOUCH_OK);
  snprintf(path, sizeof(path), "%s/intel/crl/processor/%lld.der", dir, (long long)this_update);
  body = slurp(path, &len);
  const uint8_t *der;
  size_t der_len;
  assert_int_equal(vouch_gen_pki_crl_der(f->pki, VOUCH_GEN_PROCESSOR_CRL, &der, &der_len),
                   VOUCH_OK);
  assert_int_equal(len, der_len);
  assert_memory_equal(body, der, len);
  free(body);
  static const char *const kFiles[] = {"intel/chains/tcb_signing.pem",
                                       "intel/chains/pck_processor_ca.pem",
                                       "intel/chains/pck_platform_ca.pem"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, kFiles[i]);
    body = slurp(path, &len);
    X509 *certs[3];
    size_t n = read_certs(body, len, certs, 3);
    assert_int_equal(n, 2);
    free_certs(certs, n);
    free(body);
  }
  assert_int_equal(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_determinism(void **state) {
  (void)state;
  vouch_gen_pki *a = new_pki(9, NULL), *b = new_pki(9, NULL), *c = new_pki(10, NULL);
  vouch_gen_platform *pa = new_platform(a, NULL), *pb = new_platform(b, NULL),
                     *pc = new_platform(c, NULL);
  const uint8_t *sa, *sb, *sc;
  size_t la, lb, lc;
  vouch_gen_platform_pck_serial(pa, &sa, &la);
  vouch_gen_platform_pck_serial(pb, &sb, &lb);
  vouch_gen_platform_pck_serial(pc, &sc, &lc);
  assert_int_equal(la, 20);
  assert_memory_equal(sa, sb, 20);
  assert_memory_not_equal(sa, sc, 20);
  assert_memory_equal(vouch_gen_platform_pck(pa)->ppid, vouch_gen_platform_pck(pb)->ppid, 16);
  /* keys are fresh: same serials, different attestation keys */
  assert_memory_not_equal(vouch_gen_platform_att_key(pa), vouch_gen_platform_att_key(pb), 64);
  /* the second platform of a pki gets a different serial */
  vouch_gen_platform *pa2 = new_platform(a, NULL);
  const uint8_t *sa2;
  vouch_gen_platform_pck_serial(pa2, &sa2, &la);
  assert_memory_not_equal(sa, sa2, 20);
  vouch_gen_platform_free(pa2);
  vouch_gen_platform_free(pc);
  vouch_gen_platform_free(pb);
  vouch_gen_platform_free(pa);
  vouch_gen_pki_free(c);
  vouch_gen_pki_free(b);
  vouch_gen_pki_free(a);
}

static void test_bad_arguments(void **state) {
  fixture *f = *state;
  vouch_gen_platform_opts o;
  vouch_gen_platform_opts_default(&o);
  o.cert_data_type = 6;
  vouch_gen_platform *pl = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_platform_new(f->pki, &o, &pl, &err), VOUCH_E_ARG);
  assert_null(pl);
  vouch_gen_platform_opts_default(&o);
  o.ca = VOUCH_GEN_TCB_SIGNING;
  vouch_err_clear(&err);
  assert_int_equal(vouch_gen_platform_new(f->pki, &o, &pl, &err), VOUCH_E_ARG);
  assert_int_equal(vouch_gen_pki_revoke(f->pki, VOUCH_GEN_ROOT_CA), VOUCH_E_ARG);
  const uint8_t *der;
  size_t len;
  assert_int_equal(vouch_gen_pki_crl_der(f->pki, VOUCH_GEN_ROOT_CA, &der, &len), VOUCH_E_ARG);
  vouch_gen_tcb_info_opts to;
  vouch_gen_tcb_info_opts_default(&to, NULL, NULL);
  to.num_levels = VOUCH_GEN_MAX_TCB_LEVELS + 1;
  vouch_gen_tcb_info *ti = NULL;
  assert_int_equal(vouch_gen_tcb_info_new(f->pki, &to, &ti, NULL), VOUCH_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_quote_layout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_quote_signature, setup, teardown),
      cmocka_unit_test_setup_teardown(test_qe_report_signature_and_binding, setup, teardown),
      cmocka_unit_test_setup_teardown(test_qe_material_shared, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tcb_info_signature, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tcb_info_shape, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tcb_info_status_ladder, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tcb_info_v2_and_knobs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_qe_identity_shape, setup, teardown),
      cmocka_unit_test_setup_teardown(test_chain_and_crls, setup, teardown),
      cmocka_unit_test(test_revocation),
      cmocka_unit_test_setup_teardown(test_pck_extension, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pck_extension_platform_ca, setup, teardown),
      cmocka_unit_test(test_validity_knobs),
      cmocka_unit_test_setup_teardown(test_corruption_flags, setup, teardown),
      cmocka_unit_test(test_cert_data_type1),
      cmocka_unit_test_setup_teardown(test_bundle_keys, setup, teardown),
      cmocka_unit_test_setup_teardown(test_collateral_dir, setup, teardown),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
