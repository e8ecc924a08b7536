/* tests/unit/dcap/test_pck_trust.c - a PCK chain's trust split at its CA
 * (vouch_dcap_ca_trust_build once per CA, vouch_dcap_pck_trust_build per
 * platform) gives what one verification of the whole path gives
 * (vouch_dcap_trust_build): the same verdict, message, failing depth,
 * anchor and validity windows, on a PKI generated at test time with every
 * fault the split could treat differently (revocations at each level, CRLs
 * signed by the wrong key, a forged leaf, a root whose path length leaves
 * no room for the CA, a root that constrains names). */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto_test_util.h"
#include "verifiers/dcap/dcap.h"

#define T0 INT64_C(1704067200) /* 2024-01-01 */
#define DAY INT64_C(86400)
#define AT (T0 + 30 * DAY)
#define LEAF_SERIAL 0x1005

typedef struct {
  EVP_PKEY *root_key, *ca_key, *leaf_key;
  X509 *root_x, *ca_x;
  struct vouch_cert *leaf, *ca, *root;
  struct vouch_anchors *anchors;
} pki;

/* root_ext re-signs |x| (self-signed by |key|) with the extension |nid| =
 * |value| added or replaced. */
static void root_ext(X509 *x, EVP_PKEY *key, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  assert_non_null(ext);
  int at = X509_get_ext_by_NID(x, nid, -1);
  if (at >= 0) X509_EXTENSION_free(X509_delete_ext(x, at));
  assert_int_equal(X509_add_ext(x, ext, -1), 1);
  X509_EXTENSION_free(ext);
  assert_true(X509_sign(x, key, EVP_sha256()) > 0);
}

/* pki_make: root -> CA -> leaf; |root_nid| (0: none) adds an extension to
 * the root before it signs anything. */
static void pki_make(pki *p, int root_nid, const char *root_value) {
  p->root_key = ct_ec_key();
  p->ca_key = ct_ec_key();
  p->leaf_key = ct_ec_key();
  ct_cert_spec root = {"Split Root", 1, T0, T0 + 3650 * DAY, true};
  ct_cert_spec ca = {"Split CA", 2, T0, T0 + 1825 * DAY, true};
  ct_cert_spec leaf = {"Split Leaf", LEAF_SERIAL, T0, T0 + 365 * DAY, false};
  p->root_x = ct_make_cert(&root, p->root_key, NULL, NULL);
  if (root_nid != 0) root_ext(p->root_x, p->root_key, root_nid, root_value);
  p->ca_x = ct_make_cert(&ca, p->ca_key, p->root_x, p->root_key);
  p->leaf = ct_wrap_cert(ct_make_cert(&leaf, p->leaf_key, p->ca_x, p->ca_key));
  assert_int_equal(X509_up_ref(p->ca_x), 1);
  p->ca = ct_wrap_cert(p->ca_x);
  assert_int_equal(X509_up_ref(p->root_x), 1);
  p->root = ct_wrap_cert(p->root_x);
  p->anchors = vouch_anchors_new();
  assert_int_equal(vouch_anchors_add_cert(p->anchors, p->root), VOUCH_OK);
}

static void pki_free(pki *p) {
  vouch_cert_free(p->leaf);
  vouch_cert_free(p->ca);
  vouch_cert_free(p->root);
  vouch_anchors_free(p->anchors);
  X509_free(p->root_x);
  X509_free(p->ca_x);
  EVP_PKEY_free(p->root_key);
  EVP_PKEY_free(p->ca_key);
  EVP_PKEY_free(p->leaf_key);
}

/* crl: a vouch_dcap_crl in |issuer|'s name, signed by |key|, listing
 * |serial| (0: nothing). */
static vouch_dcap_crl crl(X509 *issuer, EVP_PKEY *key, long serial) {
  vouch_dcap_crl c = {0};
  c.crl = ct_wrap_crl(ct_make_crl(issuer, key, &serial, serial ? 1 : 0, AT - DAY, AT + 7 * DAY));
  return c;
}

/* chain_of: the vouch_dcap_chain a PCK chain of |leaf|, CA, root parses to
 * (the roles only; trust needs nothing else). */
static vouch_dcap_chain chain_of(pki *p, struct vouch_cert *leaf) {
  vouch_dcap_chain c = {0};
  c.kind = VOUCH_DCAP_CHAIN_PCK;
  c.certs[0] = leaf;
  c.certs[1] = p->ca;
  c.certs[2] = p->root;
  c.num_certs = 3;
  c.leaf = leaf;
  c.intermediate = p->ca;
  c.root = p->root;
  return c;
}

static bool has_window(const vouch_chain_result *r, const vouch_chain_window *w) {
  for (size_t i = 0; i < r->num_windows; i++) {
    const vouch_chain_window *v = &r->windows[i];
    if (v->is_crl == w->is_crl && v->from == w->from && v->until == w->until &&
        strcmp(v->name, w->name) == 0) {
      return true;
    }
  }
  return false;
}

/* same_trust: the split verdict equals the whole path's; returns the
 * status, for the caller to say which it expects. */
static vouch_status same_trust(pki *p, struct vouch_cert *leaf, vouch_dcap_crl *root_crl,
                               vouch_dcap_crl *pck_crl) {
  vouch_dcap_chain chain = chain_of(p, leaf);
  vouch_dcap_trust whole, split;
  vouch_dcap_trust_build(p->anchors, &chain, root_crl, pck_crl, &whole);
  vouch_dcap_ca_trust ca;
  vouch_dcap_ca_trust_build(p->anchors, p->ca, root_crl, &ca);
  vouch_dcap_pck_trust_build(p->anchors, &chain, &ca, root_crl, pck_crl, &split);
  assert_int_equal(ERR_peek_error(), 0);
  if (whole.err.code != split.err.code || strcmp(whole.err.msg, split.err.msg) != 0) {
    fail_msg("whole path: %s '%s'; split: %s '%s'", vouch_status_name(whole.err.code),
             whole.err.msg, vouch_status_name(split.err.code), split.err.msg);
  }
  assert_int_equal(whole.chain.x509_error, split.chain.x509_error);
  assert_int_equal(whole.chain.failed_depth, split.chain.failed_depth);
  if (whole.err.code == VOUCH_OK) {
    assert_non_null(ca.issuer); /* the split did happen */
    assert_memory_equal(whole.chain.anchor_sha256, split.chain.anchor_sha256, VOUCH_SHA256_LEN);
    assert_int_equal(whole.chain.earliest_expiry, split.chain.earliest_expiry);
    assert_int_equal(whole.chain.num_windows, split.chain.num_windows);
    for (size_t i = 0; i < whole.chain.num_windows; i++) {
      assert_true(has_window(&split.chain, &whole.chain.windows[i]));
    }
  }
  vouch_dcap_ca_trust_cleanup(&ca);
  return whole.err.code;
}

static void free_crls(vouch_dcap_crl *a, vouch_dcap_crl *b) {
  vouch_crl_free(a->crl);
  vouch_crl_free(b->crl);
}

static void test_valid_and_revocations(void **state) {
  (void)state;
  pki p;
  pki_make(&p, 0, NULL);
  vouch_dcap_crl root_crl = crl(p.root_x, p.root_key, 0), pck_crl = crl(p.ca_x, p.ca_key, 0);
  assert_int_equal(same_trust(&p, p.leaf, &root_crl, &pck_crl), VOUCH_OK);
  free_crls(&root_crl, &pck_crl);
  /* The leaf, the CA and the root itself, each listed by its issuer. */
  const long listed[][2] = {{0, LEAF_SERIAL}, {2, 0}, {1, 0}};
  for (size_t i = 0; i < 3; i++) {
    root_crl = crl(p.root_x, p.root_key, listed[i][0]);
    pck_crl = crl(p.ca_x, p.ca_key, listed[i][1]);
    assert_int_equal(same_trust(&p, p.leaf, &root_crl, &pck_crl), VOUCH_E_REVOKED);
    free_crls(&root_crl, &pck_crl);
  }
  pki_free(&p);
}

static void test_crls_signed_by_another_key(void **state) {
  (void)state;
  pki p;
  pki_make(&p, 0, NULL);
  EVP_PKEY *mallory = ct_ec_key();
  vouch_dcap_crl root_crl = crl(p.root_x, p.root_key, 0), pck_crl = crl(p.ca_x, mallory, 0);
  assert_int_equal(same_trust(&p, p.leaf, &root_crl, &pck_crl), VOUCH_E_CRL);
  free_crls(&root_crl, &pck_crl);
  root_crl = crl(p.root_x, mallory, 0);
  pck_crl = crl(p.ca_x, p.ca_key, 0);
  assert_int_equal(same_trust(&p, p.leaf, &root_crl, &pck_crl), VOUCH_E_CRL);
  free_crls(&root_crl, &pck_crl);
  EVP_PKEY_free(mallory);
  pki_free(&p);
}

static void test_forged_leaf(void **state) {
  (void)state;
  pki p;
  pki_make(&p, 0, NULL);
  EVP_PKEY *mallory = ct_ec_key();
  ct_cert_spec spec = {"Split Leaf", 9, T0, T0 + 365 * DAY, false};
  struct vouch_cert *forged = ct_wrap_cert(ct_make_cert(&spec, p.leaf_key, p.ca_x, mallory));
  vouch_dcap_crl root_crl = crl(p.root_x, p.root_key, 0), pck_crl = crl(p.ca_x, p.ca_key, 0);
  assert_int_equal(same_trust(&p, forged, &root_crl, &pck_crl), VOUCH_E_SIGNATURE);
  free_crls(&root_crl, &pck_crl);
  vouch_cert_free(forged);
  EVP_PKEY_free(mallory);
  pki_free(&p);
}

/* A root that allows no CA under it: the CA's own path (CA -> root) is
 * fine on its own, the whole path is not, and the split must say so. */
static void test_root_path_length(void **state) {
  (void)state;
  pki p;
  pki_make(&p, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  vouch_dcap_crl root_crl = crl(p.root_x, p.root_key, 0), pck_crl = crl(p.ca_x, p.ca_key, 0);
  assert_int_equal(same_trust(&p, p.leaf, &root_crl, &pck_crl), VOUCH_E_CHAIN);
  free_crls(&root_crl, &pck_crl);
  pki_free(&p);
  /* One CA allowed: valid. */
  pki_make(&p, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
  root_crl = crl(p.root_x, p.root_key, 0);
  pck_crl = crl(p.ca_x, p.ca_key, 0);
  assert_int_equal(same_trust(&p, p.leaf, &root_crl, &pck_crl), VOUCH_OK);
  free_crls(&root_crl, &pck_crl);
  pki_free(&p);
}

/* A root with name constraints: no split (the leaf step would not see
 * them); the fallback verifies whole paths and agrees by construction. */
static void test_constraining_root_is_not_split(void **state) {
  (void)state;
  pki p;
  pki_make(&p, NID_name_constraints, "permitted;DNS:example.com");
  vouch_dcap_crl root_crl = crl(p.root_x, p.root_key, 0);
  vouch_dcap_ca_trust ca;
  vouch_dcap_ca_trust_build(p.anchors, p.ca, &root_crl, &ca);
  assert_int_equal(ca.err.code, VOUCH_OK);
  assert_null(ca.issuer);
  vouch_dcap_ca_trust_cleanup(&ca);
  /* Nor when the CA is itself trusted as an anchor set's member. */
  uint8_t fp[VOUCH_SHA256_LEN];
  vouch_cert_sha256(p.root, fp);
  struct vouch_anchors *issuer = vouch_anchors_for_issuer(p.anchors, fp, p.root);
  assert_null(issuer);
  vouch_crl_free(root_crl.crl);
  pki_free(&p);
  /* Without constraints the same build splits. */
  pki_make(&p, 0, NULL);
  root_crl = crl(p.root_x, p.root_key, 0);
  vouch_dcap_ca_trust_build(p.anchors, p.ca, &root_crl, &ca);
  assert_non_null(ca.issuer);
  vouch_dcap_ca_trust_cleanup(&ca);
  vouch_crl_free(root_crl.crl);
  pki_free(&p);
}

/* A missing or broken CRL: the same message as before the split. */
static void test_missing_crls(void **state) {
  (void)state;
  pki p;
  pki_make(&p, 0, NULL);
  vouch_dcap_crl root_crl = crl(p.root_x, p.root_key, 0), pck_crl = crl(p.ca_x, p.ca_key, 0);
  vouch_dcap_crl broken = {0};
  vouch_fail(&broken.err, VOUCH_E_ASN1, "not a CRL");
  assert_int_equal(same_trust(&p, p.leaf, &broken, &pck_crl), VOUCH_E_COLLATERAL_MISSING);
  assert_int_equal(same_trust(&p, p.leaf, &root_crl, &broken), VOUCH_E_COLLATERAL_MISSING);
  free_crls(&root_crl, &pck_crl);
  pki_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_and_revocations),
      cmocka_unit_test(test_crls_signed_by_another_key),
      cmocka_unit_test(test_forged_leaf),
      cmocka_unit_test(test_root_path_length),
      cmocka_unit_test(test_constraining_root_is_not_split),
      cmocka_unit_test(test_missing_crls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
