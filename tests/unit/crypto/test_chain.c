/* tests/unit/crypto/test_chain.c - trust anchors and path validation: the
 * real Intel chains and CRLs at their instants, and a small PKI generated at
 * test time for revocation and forgery cases the vectors do not contain. */
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_test_util.h"

#define INTEL_ROOT_SHA256 "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"

/* ---- helpers ---------------------------------------------------------------- */

typedef struct {
  vouch_status status;
  vouch_chain_result res;
  vouch_err err;
} outcome;

static outcome verify(const struct vouch_anchors *a, struct vouch_cert **chain, size_t n,
                      struct vouch_crl **crls, size_t num_crls, int64_t at, bool allow_expired,
                      bool require_crls) {
  outcome o = {0};
  vouch_chain_opts opts = {.at = at, .allow_expired = allow_expired, .require_crls = require_crls};
  o.status = vouch_chain_verify(a, chain[0], chain, n, crls, num_crls, &opts, &o.res, &o.err);
  assert_int_equal(ERR_peek_error(), 0);
  return o;
}

static void expect_ok(const outcome *o) {
  if (o->status != VOUCH_OK) fail_msg("%s: %s", vouch_status_name(o->status), o->err.msg);
  assert_int_equal(o->res.x509_error, 0);
  assert_int_equal(o->res.failed_depth, -1);
}

static void expect_fail(const outcome *o, vouch_status want, int x509_error) {
  if (o->status != want) {
    fail_msg("want %s, got %s: %s", vouch_status_name(want), vouch_status_name(o->status),
             o->err.msg);
  }
  assert_int_equal(o->err.code, want);
  if (x509_error) assert_int_equal(o->res.x509_error, x509_error);
  assert_true(o->res.failed_depth >= 0);
}

static void anchor_is(const outcome *o, const char *want_hex) {
  char hex[2 * VOUCH_SHA256_LEN + 1];
  vouch_hex_encode(o->res.anchor_sha256, VOUCH_SHA256_LEN, hex);
  assert_string_equal(hex, want_hex);
}

/* Vector material for the phala set, loaded per test. */
typedef struct {
  struct vouch_anchors *intel;
  struct vouch_cert *tcb[4], *pck_issuer[4], *quote[4];
  size_t num_tcb, num_pck_issuer, num_quote;
  struct vouch_crl *root_crl, *pck_crl;
} phala;

static void phala_load(phala *p) {
  p->intel = ct_anchors_from(CT_INTEL_ROOT);
  char *s = ct_collateral(CT_PHALA, "tcb_info_issuer_chain");
  p->num_tcb = ct_chain(s, p->tcb, 4);
  free(s);
  s = ct_collateral(CT_PHALA, "pck_crl_issuer_chain");
  p->num_pck_issuer = ct_chain(s, p->pck_issuer, 4);
  free(s);
  s = ct_collateral(CT_PHALA, "root_ca_crl");
  p->root_crl = ct_crl_from_text(s);
  free(s);
  s = ct_collateral(CT_PHALA, "pck_crl");
  p->pck_crl = ct_crl_from_text(s);
  free(s);
  size_t len = 0;
  uint8_t *q = ct_read(CT_PHALA "/quote.dat", &len);
  assert_int_equal(
      vouch_cert_chain_from_pem((const char *)q, len, p->quote, 4, &p->num_quote, NULL), VOUCH_OK);
  assert_int_equal(p->num_quote, 3);
  free(q);
}

static void phala_free(phala *p) {
  vouch_anchors_free(p->intel);
  ct_free_certs(p->tcb, p->num_tcb);
  ct_free_certs(p->pck_issuer, p->num_pck_issuer);
  ct_free_certs(p->quote, p->num_quote);
  vouch_crl_free(p->root_crl);
  vouch_crl_free(p->pck_crl);
}

/* ---- the real Intel vectors --------------------------------------------------- */

static void test_intel_chains_valid(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  phala p;
  phala_load(&p);
  /* TCB Signing + root, covered by the Root CA CRL. */
  outcome o = verify(p.intel, p.tcb, p.num_tcb, &p.root_crl, 1, CT_PHALA_T, false, true);
  expect_ok(&o);
  anchor_is(&o, INTEL_ROOT_SHA256);
  assert_false(o.res.expired_tolerated);
  assert_int_equal(o.res.earliest_expiry, vouch_crl_next_update(p.root_crl));
  /* Processor CA + root with the Root CA CRL. */
  o = verify(p.intel, p.pck_issuer, p.num_pck_issuer, &p.root_crl, 1, CT_PHALA_T, false, true);
  expect_ok(&o);
  anchor_is(&o, INTEL_ROOT_SHA256);
  /* The quote's PCK chain with both CRLs: the PCK CRL expires first. */
  struct vouch_crl *both[] = {p.root_crl, p.pck_crl};
  o = verify(p.intel, p.quote, 3, both, 2, CT_PHALA_T, false, true);
  expect_ok(&o);
  assert_int_equal(o.res.earliest_expiry, vouch_crl_next_update(p.pck_crl));
  assert_true(o.res.earliest_expiry > CT_PHALA_T);
  /* Without CRLs the earliest expiry is a certificate's notAfter. */
  o = verify(p.intel, p.quote, 3, NULL, 0, CT_PHALA_T, false, false);
  expect_ok(&o);
  assert_int_equal(o.res.earliest_expiry, vouch_cert_not_after(p.quote[0]));
  phala_free(&p);
}

static void test_intel_time_window(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  phala p;
  phala_load(&p);
  struct vouch_crl *both[] = {p.root_crl, p.pck_crl};
  /* T + 1 day: the PCK CRL has expired. */
  outcome o = verify(p.intel, p.quote, 3, both, 2, CT_PHALA_T + 86400, false, true);
  expect_fail(&o, VOUCH_E_EXPIRED, X509_V_ERR_CRL_HAS_EXPIRED);
  assert_non_null(strstr(o.err.msg, "Intel SGX PCK Processor CA"));
  assert_non_null(strstr(o.err.msg, "2025-07-19T10:23:18Z"));
  /* ... which allow_expired tolerates, and says so. */
  o = verify(p.intel, p.quote, 3, both, 2, CT_PHALA_T + 86400, true, true);
  expect_ok(&o);
  assert_true(o.res.expired_tolerated);
  assert_true(o.res.earliest_expiry < CT_PHALA_T + 86400);
  /* Before the PCK CRL's thisUpdate. */
  o = verify(p.intel, p.quote, 3, both, 2, INT64_C(1750327200), false, true);
  expect_fail(&o, VOUCH_E_NOT_YET_VALID, X509_V_ERR_CRL_NOT_YET_VALID);
  /* An expired certificate, named with both instants. */
  int64_t y2034 = vouch_time_from_civil(2034, 1, 1, 0, 0, 0);
  o = verify(p.intel, p.quote, 3, NULL, 0, y2034, false, false);
  expect_fail(&o, VOUCH_E_EXPIRED, X509_V_ERR_CERT_HAS_EXPIRED);
  assert_string_equal(o.err.msg,
                      "certificate 'Intel SGX PCK Processor CA' expired at "
                      "2033-05-21T10:50:10Z (instant 2034-01-01T00:00:00Z)");
  assert_int_equal(o.res.failed_depth, 1);
  /* Before the root existed. */
  o = verify(p.intel, p.tcb, p.num_tcb, NULL, 0, vouch_time_from_civil(2018, 1, 1, 0, 0, 0), false,
             false);
  expect_fail(&o, VOUCH_E_NOT_YET_VALID, X509_V_ERR_CERT_NOT_YET_VALID);
  phala_free(&p);
}

static void test_intel_crl_coverage(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  phala p;
  phala_load(&p);
  /* The PCK CRL is the Processor CA's: it covers the PCK leaf, not the CA
   * itself, so with CRLs required the CA has none. */
  outcome o =
      verify(p.intel, p.pck_issuer, p.num_pck_issuer, &p.pck_crl, 1, CT_PHALA_T, false, true);
  expect_fail(&o, VOUCH_E_CRL, X509_V_ERR_UNABLE_TO_GET_CRL);
  /* Not required: uncovered certificates are simply not checked. */
  o = verify(p.intel, p.pck_issuer, p.num_pck_issuer, &p.pck_crl, 1, CT_PHALA_T, false, false);
  expect_ok(&o);
  /* Required with no CRLs at all. */
  o = verify(p.intel, p.tcb, p.num_tcb, NULL, 0, CT_PHALA_T, false, true);
  expect_fail(&o, VOUCH_E_CRL, X509_V_ERR_UNABLE_TO_GET_CRL);
  /* The quote chain with only the Root CA CRL: the leaf is uncovered. */
  o = verify(p.intel, p.quote, 3, &p.root_crl, 1, CT_PHALA_T, false, true);
  expect_fail(&o, VOUCH_E_CRL, X509_V_ERR_UNABLE_TO_GET_CRL);
  assert_int_equal(o.res.failed_depth, 0);
  phala_free(&p);
}

/* Intel's sample data: a TEST root with the real root's subject. */
static void test_synthetic_root_is_not_intel(void **state) {
  (void)state;
  CT_NEED_VECTORS();
  struct vouch_anchors *intel = ct_anchors_from(CT_INTEL_ROOT);
  struct vouch_anchors *test_root = ct_anchors_from(CT_SYNTH "/test_root_ca.pem");
  char *s = ct_collateral(CT_SYNTH, "tcb_info_issuer_chain");
  struct vouch_cert *c[4];
  size_t n = ct_chain(s, c, 4);
  free(s);
  s = ct_collateral(CT_SYNTH, "root_ca_crl");
  struct vouch_crl *crl = ct_crl_from_text(s);
  free(s);
  outcome o = verify(intel, c, n, NULL, 0, CT_SYNTH_T, false, false);
  assert_true(o.status == VOUCH_E_UNTRUSTED_ROOT || o.status == VOUCH_E_SIGNATURE);
  o = verify(intel, c, n, &crl, 1, CT_SYNTH_T, true, true);
  assert_true(o.status == VOUCH_E_UNTRUSTED_ROOT || o.status == VOUCH_E_SIGNATURE);
  o = verify(test_root, c, n, &crl, 1, CT_SYNTH_T, false, true);
  expect_ok(&o);
  /* With both roots trusted the path ends at the test root, and the
   * fingerprint says which. */
  struct vouch_cert *test_root_cert = NULL;
  size_t len = 0, one = 0;
  char *pem = (char *)ct_read(CT_SYNTH "/test_root_ca.pem", &len);
  assert_int_equal(vouch_cert_chain_from_pem(pem, len, &test_root_cert, 1, &one, NULL), VOUCH_OK);
  assert_int_equal(vouch_anchors_add_cert(intel, test_root_cert), VOUCH_OK);
  assert_int_equal(vouch_anchors_count(intel), 2);
  o = verify(intel, c, n, NULL, 0, CT_SYNTH_T, false, false);
  expect_ok(&o);
  uint8_t fp[VOUCH_SHA256_LEN];
  vouch_cert_sha256(test_root_cert, fp);
  assert_memory_equal(o.res.anchor_sha256, fp, VOUCH_SHA256_LEN);
  vouch_cert_free(test_root_cert);
  free(pem);
  vouch_crl_free(crl);
  ct_free_certs(c, n);
  vouch_anchors_free(intel);
  vouch_anchors_free(test_root);
}

/* ---- a generated PKI: root -> intermediate -> leaf ----------------------------- */

#define T0 INT64_C(1704067200) /* 2024-01-01 */
#define DAY INT64_C(86400)
#define AT (T0 + 30 * DAY)
#define LEAF_SERIAL 0x1005

typedef struct {
  EVP_PKEY *root_key, *inter_key, *leaf_key;
  X509 *root_x, *inter_x;      /* kept for issuing more certificates and CRLs */
  struct vouch_cert *chain[3]; /* leaf, intermediate, root */
  struct vouch_anchors *anchors;
} pki;

static void pki_make(pki *p, int64_t leaf_not_after) {
  p->root_key = ct_ec_key();
  p->inter_key = ct_ec_key();
  p->leaf_key = ct_ec_key();
  ct_cert_spec root = {"Test Root", 1, T0, T0 + 3650 * DAY, true};
  ct_cert_spec inter = {"Test Intermediate", 2, T0, T0 + 1825 * DAY, true};
  ct_cert_spec leaf = {"Test Leaf", LEAF_SERIAL, T0, leaf_not_after, false};
  p->root_x = ct_make_cert(&root, p->root_key, NULL, NULL);
  p->inter_x = ct_make_cert(&inter, p->inter_key, p->root_x, p->root_key);
  p->chain[0] = ct_wrap_cert(ct_make_cert(&leaf, p->leaf_key, p->inter_x, p->inter_key));
  assert_int_equal(X509_up_ref(p->inter_x), 1);
  p->chain[1] = ct_wrap_cert(p->inter_x);
  assert_int_equal(X509_up_ref(p->root_x), 1);
  p->chain[2] = ct_wrap_cert(p->root_x);
  p->anchors = vouch_anchors_new();
  assert_int_equal(vouch_anchors_add_cert(p->anchors, p->chain[2]), VOUCH_OK);
}

static void pki_free(pki *p) {
  ct_free_certs(p->chain, 3);
  vouch_anchors_free(p->anchors);
  X509_free(p->root_x);
  X509_free(p->inter_x);
  EVP_PKEY_free(p->root_key);
  EVP_PKEY_free(p->inter_key);
  EVP_PKEY_free(p->leaf_key);
}

/* crl issues a CRL valid around AT from |issuer| listing |serial| (0: none). */
static struct vouch_crl *crl(X509 *issuer, EVP_PKEY *key, long serial) {
  return ct_wrap_crl(ct_make_crl(issuer, key, &serial, serial ? 1 : 0, AT - DAY, AT + 7 * DAY));
}

static void test_generated_pki_valid(void **state) {
  (void)state;
  pki p;
  pki_make(&p, T0 + 365 * DAY);
  struct vouch_crl *crls[] = {crl(p.root_x, p.root_key, 0), crl(p.inter_x, p.inter_key, 0)};
  outcome o = verify(p.anchors, p.chain, 3, crls, 2, AT, false, true);
  expect_ok(&o);
  uint8_t fp[VOUCH_SHA256_LEN];
  vouch_cert_sha256(p.chain[2], fp);
  assert_memory_equal(o.res.anchor_sha256, fp, VOUCH_SHA256_LEN);
  assert_int_equal(o.res.earliest_expiry, AT + 7 * DAY);
  /* Only the leaf and intermediate in |untrusted|, root only as anchor. */
  vouch_chain_opts opts = {.at = AT};
  assert_int_equal(
      vouch_chain_verify(p.anchors, p.chain[0], p.chain, 2, NULL, 0, &opts, NULL, NULL), VOUCH_OK);
  vouch_crl_free(crls[0]);
  vouch_crl_free(crls[1]);
  pki_free(&p);
}

static void test_revoked(void **state) {
  (void)state;
  pki p;
  pki_make(&p, T0 + 365 * DAY);
  struct vouch_crl *crls[] = {crl(p.root_x, p.root_key, 0),
                              crl(p.inter_x, p.inter_key, LEAF_SERIAL)};
  outcome o = verify(p.anchors, p.chain, 3, crls, 2, AT, false, true);
  expect_fail(&o, VOUCH_E_REVOKED, X509_V_ERR_CERT_REVOKED);
  assert_int_equal(o.res.failed_depth, 0);
  assert_non_null(strstr(o.err.msg, "'Test Leaf'"));
  assert_non_null(strstr(o.err.msg, "serial 1005"));
  /* Revoked even when CRLs are not required: a given CRL is always used. */
  o = verify(p.anchors, p.chain, 3, crls, 2, AT, true, false);
  expect_fail(&o, VOUCH_E_REVOKED, X509_V_ERR_CERT_REVOKED);
  /* The intermediate revoked by the root. */
  vouch_crl_free(crls[0]);
  vouch_crl_free(crls[1]);
  crls[0] = crl(p.root_x, p.root_key, 2);
  crls[1] = crl(p.inter_x, p.inter_key, 0);
  o = verify(p.anchors, p.chain, 3, crls, 2, AT, false, true);
  expect_fail(&o, VOUCH_E_REVOKED, X509_V_ERR_CERT_REVOKED);
  assert_int_equal(o.res.failed_depth, 1);
  vouch_crl_free(crls[0]);
  vouch_crl_free(crls[1]);
  pki_free(&p);
}

static void test_crl_wrong_key(void **state) {
  (void)state;
  pki p;
  pki_make(&p, T0 + 365 * DAY);
  EVP_PKEY *mallory = ct_ec_key();
  /* In the intermediate's name, signed by someone else. */
  struct vouch_crl *crls[] = {crl(p.root_x, p.root_key, 0), crl(p.inter_x, mallory, 0)};
  outcome o = verify(p.anchors, p.chain, 3, crls, 2, AT, false, true);
  expect_fail(&o, VOUCH_E_CRL, X509_V_ERR_CRL_SIGNATURE_FAILURE);
  /* A bad CRL is fatal even when CRLs are optional. */
  o = verify(p.anchors, p.chain, 3, crls, 2, AT, true, false);
  expect_fail(&o, VOUCH_E_CRL, 0);
  EVP_PKEY_free(mallory);
  vouch_crl_free(crls[0]);
  vouch_crl_free(crls[1]);
  pki_free(&p);
}

static void test_expired_leaf_and_tolerance(void **state) {
  (void)state;
  pki p;
  pki_make(&p, AT - DAY);
  outcome o = verify(p.anchors, p.chain, 3, NULL, 0, AT, false, false);
  expect_fail(&o, VOUCH_E_EXPIRED, X509_V_ERR_CERT_HAS_EXPIRED);
  assert_non_null(strstr(o.err.msg, "certificate 'Test Leaf' expired at"));
  assert_int_equal(o.res.failed_depth, 0);
  o = verify(p.anchors, p.chain, 3, NULL, 0, AT, true, false);
  expect_ok(&o);
  assert_true(o.res.expired_tolerated);
  assert_int_equal(o.res.earliest_expiry, AT - DAY);
  /* allow_expired does not stretch notBefore. */
  o = verify(p.anchors, p.chain, 3, NULL, 0, T0 - DAY, true, false);
  expect_fail(&o, VOUCH_E_NOT_YET_VALID, X509_V_ERR_CERT_NOT_YET_VALID);
  pki_free(&p);
}

static void test_forged_signature(void **state) {
  (void)state;
  pki p;
  pki_make(&p, T0 + 365 * DAY);
  /* Right issuer name and key id, wrong signing key. */
  EVP_PKEY *mallory = ct_ec_key();
  ct_cert_spec spec = {"Forged Leaf", 9, T0, T0 + 365 * DAY, false};
  struct vouch_cert *forged[] = {ct_wrap_cert(ct_make_cert(&spec, p.leaf_key, p.inter_x, mallory)),
                                 p.chain[1]};
  outcome o = verify(p.anchors, forged, 2, NULL, 0, AT, false, false);
  expect_fail(&o, VOUCH_E_SIGNATURE, X509_V_ERR_CERT_SIGNATURE_FAILURE);
  vouch_cert_free(forged[0]);
  EVP_PKEY_free(mallory);
  pki_free(&p);
}

/* A self-signed certificate in |untrusted| with the anchor's name but its
 * own key cannot end a path. */
static void test_self_signed_impostor_ignored(void **state) {
  (void)state;
  pki p;
  pki_make(&p, T0 + 365 * DAY);
  EVP_PKEY *mallory = ct_ec_key();
  ct_cert_spec root = {"Test Root", 1, T0, T0 + 3650 * DAY, true};
  X509 *fake_root = ct_make_cert(&root, mallory, NULL, NULL);
  ct_cert_spec leaf = {"Impostor Leaf", 3, T0, T0 + 365 * DAY, false};
  struct vouch_cert *chain[] = {ct_wrap_cert(ct_make_cert(&leaf, p.leaf_key, fake_root, mallory)),
                                NULL};
  assert_int_equal(X509_up_ref(fake_root), 1);
  chain[1] = ct_wrap_cert(fake_root);
  outcome o = verify(p.anchors, chain, 2, NULL, 0, AT, false, false);
  assert_true(o.status == VOUCH_E_UNTRUSTED_ROOT || o.status == VOUCH_E_SIGNATURE);
  /* Trusted as an anchor it would work, which shows the chain is sound. */
  struct vouch_anchors *a = vouch_anchors_new();
  assert_int_equal(vouch_anchors_add_cert(a, chain[1]), VOUCH_OK);
  o = verify(a, chain, 2, NULL, 0, AT, false, false);
  expect_ok(&o);
  /* A self-signed leaf that is not an anchor. */
  o = verify(p.anchors, &chain[1], 1, NULL, 0, AT, false, false);
  expect_fail(&o, VOUCH_E_UNTRUSTED_ROOT, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  vouch_anchors_free(a);
  X509_free(fake_root);
  ct_free_certs(chain, 2);
  EVP_PKEY_free(mallory);
  pki_free(&p);
}

static void test_anchor_set_rules(void **state) {
  (void)state;
  pki p;
  pki_make(&p, T0 + 365 * DAY);
  assert_int_equal(vouch_anchors_count(p.anchors), 1);
  /* Non-self-signed certificates are refused; duplicates are no-ops. */
  assert_int_equal(vouch_anchors_add_cert(p.anchors, p.chain[1]), VOUCH_E_ARG);
  assert_int_equal(vouch_anchors_add_cert(p.anchors, p.chain[2]), VOUCH_OK);
  assert_int_equal(vouch_anchors_count(p.anchors), 1);
  assert_ptr_equal(vouch_anchors_find(p.anchors, p.chain[2]), p.chain[2]);
  assert_null(vouch_anchors_find(p.anchors, p.chain[1]));
  /* Self-issued name but a signature by another key: not self-signed. */
  EVP_PKEY *other = ct_ec_key();
  ct_cert_spec spec = {"Broken Root", 7, T0, T0 + DAY, true};
  X509 *x = ct_make_cert(&spec, p.root_key, NULL, NULL);
  assert_true(X509_sign(x, other, EVP_sha256()) > 0);
  struct vouch_cert *broken = ct_wrap_cert(x);
  assert_int_equal(vouch_anchors_add_cert(p.anchors, broken), VOUCH_E_ARG);
  /* A PEM file with a non-root adds nothing. */
  vouch_buf pem = {0};
  size_t der_len = 0;
  const uint8_t *der = vouch_cert_der(p.chain[1], &der_len);
  vouch_buf_puts(&pem, "-----BEGIN CERTIFICATE-----\n");
  vouch_base64_encode(&pem, der, der_len);
  vouch_buf_puts(&pem, "\n-----END CERTIFICATE-----\n");
  struct vouch_anchors *a = vouch_anchors_new();
  vouch_err err = {0};
  assert_int_equal(vouch_anchors_add_pem(a, pem.data, pem.len, &err), VOUCH_E_ARG);
  assert_non_null(strstr(err.msg, "Test Intermediate"));
  assert_int_equal(vouch_anchors_count(a), 0);
  /* No anchors: nothing is trusted. */
  outcome o = verify(a, p.chain, 3, NULL, 0, AT, false, false);
  assert_int_equal(o.status, VOUCH_E_UNTRUSTED_ROOT);
  assert_int_equal(ERR_peek_error(), 0);
  vouch_anchors_free(a);
  vouch_anchors_free(NULL);
  vouch_buf_free(&pem);
  vouch_cert_free(broken);
  EVP_PKEY_free(other);
  pki_free(&p);
}

/* The anchor itself under CRL_CHECK_ALL.  OpenSSL 3.0 checks every
 * certificate of the path, the anchor included, and the root's own CRL is
 * in scope for the root (same issuer name). */
static void test_root_under_crl_check_all(void **state) {
  (void)state;
  pki p;
  pki_make(&p, T0 + 365 * DAY);
  struct vouch_crl *root_crl = crl(p.root_x, p.root_key, 0);
  /* Intermediate -> root: the root CRL alone satisfies require_crls. */
  outcome o = verify(p.anchors, &p.chain[1], 2, &root_crl, 1, AT, false, true);
  expect_ok(&o);
  /* The anchor alone needs no CRL even when CRLs are required. */
  o = verify(p.anchors, &p.chain[2], 1, NULL, 0, AT, false, true);
  expect_ok(&o);
  vouch_crl_free(root_crl);
  /* A root CRL listing the root's own serial revokes the root. */
  root_crl = crl(p.root_x, p.root_key, 1);
  o = verify(p.anchors, &p.chain[1], 2, &root_crl, 1, AT, false, true);
  expect_fail(&o, VOUCH_E_REVOKED, X509_V_ERR_CERT_REVOKED);
  assert_int_equal(o.res.failed_depth, 1);
  vouch_crl_free(root_crl);
  pki_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_intel_chains_valid),
      cmocka_unit_test(test_intel_time_window),
      cmocka_unit_test(test_intel_crl_coverage),
      cmocka_unit_test(test_synthetic_root_is_not_intel),
      cmocka_unit_test(test_generated_pki_valid),
      cmocka_unit_test(test_revoked),
      cmocka_unit_test(test_crl_wrong_key),
      cmocka_unit_test(test_expired_leaf_and_tolerance),
      cmocka_unit_test(test_forged_signature),
      cmocka_unit_test(test_self_signed_impostor_ignored),
      cmocka_unit_test(test_anchor_set_rules),
      cmocka_unit_test(test_root_under_crl_check_all),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
