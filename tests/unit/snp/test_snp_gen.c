/* SEV-SNP verifier on generated evidence (tools/gen/snp.c): the test
 * Milan hierarchy (RSA-4096 PSS, as AMD's) made once, then every policy
 * bit, each TCB component mismatch, the VLEK path, report versions, each
 * corruption, the trust-anchor rules (pinned, extra, supplied-but-not-
 * trusted, other product), CRLs (revoked ASK, expired CRL), expired and
 * not-yet-valid certificates, a forged VCEK signature, Turin's TCB layout
 * and 8-byte hwID, masked chip ids, the HCL report and the certificate
 * table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* clang-format off: cmocka needs the headers above first */
#include <cmocka.h>
/* clang-format on */

#include "crypto/crypto.h"
#include "tools/gen/gen.h"
#include "verifiers/snp/snp.h"

static int64_t g_now;
static vouch_gen_snp_pki *g_milan; /* RSA-4096 */
static vouch_gen_snp_key *g_vcek;  /* default VCEK of g_milan */
static vouch_gen_snp_key *g_vlek;
static struct vouch_anchors *g_anchors; /* g_milan's ARK */
static vouch_result *g_r;

static int setup(void **state) {
  (void)state;
  g_now = vouch_time_from_civil(2025, 6, 1, 0, 0, 0);
  vouch_gen_snp_pki_opts po = {.now = g_now, .seed = 11, .product = VOUCH_GEN_SNP_MILAN};
  vouch_err err = {0};
  if (vouch_gen_snp_pki_new(&po, &g_milan, &err) != VOUCH_OK) return -1;
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  if (vouch_gen_snp_key_new(g_milan, &ko, &g_vcek, &err) != VOUCH_OK) return -1;
  ko.vlek = true;
  if (vouch_gen_snp_key_new(g_milan, &ko, &g_vlek, &err) != VOUCH_OK) return -1;
  vouch_buf pem = {0};
  if (vouch_gen_snp_pki_cert_pem(g_milan, VOUCH_GEN_SNP_ARK, &pem) != VOUCH_OK) return -1;
  g_anchors = vouch_anchors_new();
  if (vouch_anchors_add_pem(g_anchors, pem.data, pem.len, &err) != VOUCH_OK) return -1;
  vouch_buf_free(&pem);
  g_r = malloc(sizeof(*g_r));
  return g_r ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  free(g_r);
  vouch_anchors_free(g_anchors);
  vouch_gen_snp_key_free(g_vlek);
  vouch_gen_snp_key_free(g_vcek);
  vouch_gen_snp_pki_free(g_milan);
  return 0;
}

/* collateral_for: the key's certificate and its ASK/ASVK (DER). */
static void collateral_for(const vouch_gen_snp_pki *pki, const vouch_gen_snp_key *k, bool vlek,
                           vouch_snp_collateral *c) {
  memset(c, 0, sizeof(*c));
  const uint8_t *der;
  size_t len;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_key_cert_der(k, &der, &len), VOUCH_OK);
  if (vouch_snp_collateral_add(c, der, len, &err) != VOUCH_OK) fail_msg("%s", err.msg);
  assert_int_equal(
      vouch_gen_snp_pki_cert_der(pki, vlek ? VOUCH_GEN_SNP_ASVK : VOUCH_GEN_SNP_ASK, &der, &len),
      VOUCH_OK);
  if (vouch_snp_collateral_add(c, der, len, &err) != VOUCH_OK) fail_msg("%s", err.msg);
}

static const vouch_result *verify_with(const vouch_gen_snp_key *k,
                                       const vouch_gen_snp_report_opts *ro,
                                       const vouch_snp_collateral *c,
                                       const struct vouch_anchors *anchors, int64_t at) {
  vouch_buf rep = {0};
  assert_int_equal(vouch_gen_snp_report(k, ro, &rep), VOUCH_OK);
  assert_int_equal(rep.len, VOUCH_SNP_REPORT_LEN);
  vouch_snp_opts o = {.at = at, .extra_anchors = anchors};
  vouch_snp_verify((const uint8_t *)rep.data, rep.len, c, &o, g_r);
  vouch_buf_free(&rep);
  return g_r;
}

/* verify_default: g_milan's VCEK (or VLEK) with its collateral. */
static const vouch_result *verify_default(const vouch_gen_snp_report_opts *ro, bool vlek) {
  vouch_snp_collateral c;
  collateral_for(g_milan, vlek ? g_vlek : g_vcek, vlek, &c);
  const vouch_result *r = verify_with(vlek ? g_vlek : g_vcek, ro, &c, g_anchors, g_now);
  vouch_snp_collateral_cleanup(&c);
  return r;
}

static void expect(const vouch_result *r, vouch_verdict v, vouch_status code, const char *part) {
  if (r->verdict != v || r->error.code != code ||
      (part != NULL && strstr(r->error.msg, part) == NULL)) {
    fail_msg("got %s/%s \"%s\", want %s/%s \"%s\"", vouch_verdict_name(r->verdict),
             vouch_status_name(r->error.code), r->error.msg, vouch_verdict_name(v),
             vouch_status_name(code), part ? part : "");
  }
}

static bool claim_bool(const vouch_result *r, const char *name) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  if (c == NULL) fail_msg("claim %s missing", name);
  return c->b;
}

static void claim_json_is(const vouch_result *r, const char *name, const char *want) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  if (c == NULL) fail_msg("claim %s missing", name);
  const char *got = (const char *)vouch_result_claim_bytes(r, c);
  if (c->len != strlen(want) || memcmp(got, want, c->len) != 0) {
    fail_msg("claim %s = %.*s, want %s", name, (int)c->len, got, want);
  }
}

/* ---- the matrix ------------------------------------------------------------------------- */

static void test_default_and_versions(void **state) {
  (void)state;
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  const vouch_result *r = verify_default(&ro, false);
  expect(r, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  claim_json_is(r, "snp_reported_tcb", "{\"bootloader\":3,\"tee\":0,\"snp\":8,\"microcode\":115}");
  assert_non_null(vouch_result_find_claim(r, "snp_cpuid_fam_id"));
  assert_false(claim_bool(r, "snp_chip_id_masked"));
  assert_true(r->has_anchor);
  /* every version; v5 has the mitigation vectors */
  static const uint32_t kVersions[] = {2, 3, 4, 5};
  for (size_t i = 0; i < 4; i++) {
    vouch_gen_snp_report_opts_default(&ro, g_vcek);
    ro.version = kVersions[i];
    ro.launch_mit_vector = ro.version >= 5 ? 3 : 0;
    ro.current_mit_vector = ro.version >= 5 ? 7 : 0;
    r = verify_default(&ro, false);
    expect(r, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
    const vouch_claim *mv = vouch_result_find_claim(r, "snp_current_mit_vector");
    if (kVersions[i] >= 5) {
      assert_non_null(mv);
      assert_int_equal(mv->i, 7);
    } else {
      assert_null(mv);
    }
    assert_int_equal(vouch_result_find_claim(r, "snp_cpuid_fam_id") != NULL, kVersions[i] >= 3);
  }
  /* current, committed and launch TCBs may differ from the reported one */
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  ro.current_tcb.microcode = 120;
  ro.committed_tcb.snp = 9;
  ro.launch_tcb.bootloader = 2;
  r = verify_default(&ro, false);
  expect(r, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  claim_json_is(r, "snp_current_tcb", "{\"bootloader\":3,\"tee\":0,\"snp\":8,\"microcode\":120}");
}

static void test_policy_bits(void **state) {
  (void)state;
  static const struct {
    int bit;
    const char *claim;
  } kBits[] = {
      {16, "snp_policy_smt"},
      {18, "snp_policy_migrate_ma"},
      {19, "snp_policy_debug"},
      {20, "snp_policy_single_socket"},
      {21, "snp_policy_cxl_allow"},
      {22, "snp_policy_mem_aes_256_xts"},
      {23, "snp_policy_rapl_dis"},
      {24, "snp_policy_ciphertext_hiding"},
      {25, "snp_policy_page_swap_disable"},
  };
  for (size_t i = 0; i < sizeof(kBits) / sizeof(kBits[0]); i++) {
    vouch_gen_snp_report_opts ro;
    vouch_gen_snp_report_opts_default(&ro, g_vcek);
    ro.policy = (UINT64_C(1) << 17) | (UINT64_C(1) << kBits[i].bit);
    const vouch_result *r = verify_default(&ro, false);
    bool debug = kBits[i].bit == 19;
    expect(r, debug ? VOUCH_VERDICT_WARNING : VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
    for (size_t k = 0; k < sizeof(kBits) / sizeof(kBits[0]); k++) {
      assert_int_equal(claim_bool(r, kBits[k].claim), k == i);
    }
  }
  /* bit 17 clear, a reserved bit: the parser refuses */
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  ro.policy = 0x10000;
  expect(verify_default(&ro, false), VOUCH_VERDICT_ERROR, VOUCH_E_MALFORMED, "bit 17");
  ro.policy = 0x30000 | (UINT64_C(1) << 30);
  expect(verify_default(&ro, false), VOUCH_VERDICT_ERROR, VOUCH_E_MALFORMED, "reserved bits");
}

static void test_tcb_mismatches(void **state) {
  (void)state;
  static const char *const kWant[4] = {
      "VCEK is for TCB bl=3 tee=0 snp=8 ucode=115 but the report is signed for bl=4 tee=0 snp=8 "
      "ucode=115",
      "but the report is signed for bl=3 tee=1 snp=8 ucode=115",
      "but the report is signed for bl=3 tee=0 snp=9 ucode=115",
      "but the report is signed for bl=3 tee=0 snp=8 ucode=116"};
  for (int comp = 0; comp < 4; comp++) {
    vouch_gen_snp_report_opts ro;
    vouch_gen_snp_report_opts_default(&ro, g_vcek);
    uint8_t *f[4] = {&ro.reported_tcb.bootloader, &ro.reported_tcb.tee, &ro.reported_tcb.snp,
                     &ro.reported_tcb.microcode};
    (*f[comp])++;
    expect(verify_default(&ro, false), VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_COLLATERAL_MISMATCH,
           kWant[comp]);
  }
  /* A VCEK made for the changed TCB: binding holds, so the signature is
   * what fails when the report's TCB bytes are altered after signing. */
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  ko.tcb.snp = 9;
  uint8_t chip[64];
  memcpy(chip, vouch_gen_snp_key_chip_id(g_vcek), 64);
  memcpy(ko.chip_id, chip, 64);
  vouch_gen_snp_key *k9 = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_key_new(g_milan, &ko, &k9, &err), VOUCH_OK);
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, g_vcek); /* signed by g_vcek for snp=8 */
  vouch_buf rep = {0};
  assert_int_equal(vouch_gen_snp_report(g_vcek, &ro, &rep), VOUCH_OK);
  rep.data[0x180 + 6] = 9; /* REPORTED_TCB.snp 8 -> 9 */
  vouch_snp_collateral c;
  collateral_for(g_milan, k9, false, &c);
  vouch_snp_opts o = {.at = g_now, .extra_anchors = g_anchors};
  vouch_snp_verify((const uint8_t *)rep.data, rep.len, &c, &o, g_r);
  expect(g_r, VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_SIGNATURE, "snp: report signature invalid");
  vouch_snp_collateral_cleanup(&c);
  vouch_buf_free(&rep);
  vouch_gen_snp_key_free(k9);
}

static void test_vlek_and_chip(void **state) {
  (void)state;
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, g_vlek);
  const vouch_result *r = verify_default(&ro, true);
  expect(r, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  assert_int_equal(r->num_items, 4);
  assert_string_equal(r->items[1].name, "vlek");
  assert_string_equal(r->items[2].name, "asvk");
  /* VLEK with the report's SIGNING_KEY saying VCEK */
  ro.signing_key = 0;
  expect(verify_default(&ro, true), VOUCH_VERDICT_ERROR, VOUCH_E_COLLATERAL_MISSING,
         "only a VLEK was given");
  /* VCEK: another chip's id, then a masked (all-zero) chip id */
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  ro.chip_id[5] ^= 1;
  expect(verify_default(&ro, false), VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_COLLATERAL_MISMATCH,
         "VCEK hwID does not match CHIP_ID");
  memset(ro.chip_id, 0, 64);
  r = verify_default(&ro, false);
  expect(r, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  assert_true(claim_bool(r, "snp_chip_id_masked"));
  /* VCEK without hwID */
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  ko.omit_hwid = true;
  vouch_gen_snp_key *k = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_key_new(g_milan, &ko, &k, &err), VOUCH_OK);
  vouch_snp_collateral c;
  collateral_for(g_milan, k, false, &c);
  vouch_gen_snp_report_opts_default(&ro, k);
  memset(ro.chip_id, 0x11, 64);
  expect(verify_with(k, &ro, &c, g_anchors, g_now), VOUCH_VERDICT_CONTRAINDICATED,
         VOUCH_E_COLLATERAL_MISMATCH, "no hwID");
  vouch_snp_collateral_cleanup(&c);
  vouch_gen_snp_key_free(k);
  /* The product from CPUID must agree with the certificate's. */
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  ro.cpuid_mod_id = 0x11; /* Genoa */
  expect(verify_default(&ro, false), VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_COLLATERAL_MISMATCH,
         "CPUID");
}

static void test_corruptions(void **state) {
  (void)state;
  static const struct {
    unsigned corrupt;
    vouch_verdict v;
    vouch_status code;
    const char *part;
  } kCases[] = {
      {VOUCH_GEN_SNP_CORRUPT_SIGNATURE, VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_SIGNATURE,
       "snp: report signature invalid"},
      {VOUCH_GEN_SNP_CORRUPT_MEASUREMENT, VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_SIGNATURE,
       "snp: report signature invalid"},
      {VOUCH_GEN_SNP_CORRUPT_SIG_PADDING, VOUCH_VERDICT_ERROR, VOUCH_E_MALFORMED, "signature R"},
      {VOUCH_GEN_SNP_CORRUPT_RESERVED, VOUCH_VERDICT_ERROR, VOUCH_E_MALFORMED, "0x4C"},
      {VOUCH_GEN_SNP_CORRUPT_ZERO_SIGNATURE, VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_SIGNATURE,
       "MASK_CHIP_KEY"},
  };
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    vouch_gen_snp_report_opts ro;
    vouch_gen_snp_report_opts_default(&ro, g_vcek);
    ro.corrupt = kCases[i].corrupt;
    ro.mask_chip_key = kCases[i].corrupt == VOUCH_GEN_SNP_CORRUPT_ZERO_SIGNATURE;
    expect(verify_default(&ro, false), kCases[i].v, kCases[i].code, kCases[i].part);
  }
  /* unsigned report */
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  ro.signing_key = 7;
  expect(verify_default(&ro, false), VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_SIGNATURE,
         "not signed");
  /* a VCEK whose own signature is broken */
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  ko.corrupt_signature = true;
  vouch_gen_snp_key *k = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_key_new(g_milan, &ko, &k, &err), VOUCH_OK);
  vouch_snp_collateral c;
  collateral_for(g_milan, k, false, &c);
  vouch_gen_snp_report_opts_default(&ro, k);
  expect(verify_with(k, &ro, &c, g_anchors, g_now), VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_CHAIN,
         "signature does not verify under 'SEV-Milan'");
  vouch_snp_collateral_cleanup(&c);
  vouch_gen_snp_key_free(k);
}

static void test_trust_anchors(void **state) {
  (void)state;
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  vouch_snp_collateral c;
  collateral_for(g_milan, g_vcek, false, &c);
  /* Without the test ARK as an anchor: the built-in AMD ARKs do not sign
   * the test ASK. */
  expect(verify_with(g_vcek, &ro, &c, NULL, g_now), VOUCH_VERDICT_CONTRAINDICATED,
         VOUCH_E_UNTRUSTED_ROOT, NULL);
  /* The test ARK supplied as collateral is ignored, and the message says so. */
  const uint8_t *der;
  size_t len;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_pki_cert_der(g_milan, VOUCH_GEN_SNP_ARK, &der, &len), VOUCH_OK);
  assert_int_equal(vouch_snp_collateral_add(&c, der, len, &err), VOUCH_OK);
  expect(verify_with(g_vcek, &ro, &c, NULL, g_now), VOUCH_VERDICT_CONTRAINDICATED,
         VOUCH_E_UNTRUSTED_ROOT, "is not a pinned AMD root");
  expect(verify_with(g_vcek, &ro, &c, g_anchors, g_now), VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  /* Another product's ARK as the only extra anchor: untrusted. */
  vouch_gen_snp_pki_opts po = {
      .now = g_now, .seed = 11, .product = VOUCH_GEN_SNP_GENOA, .rsa_bits = 2048};
  vouch_gen_snp_pki *genoa = NULL;
  assert_int_equal(vouch_gen_snp_pki_new(&po, &genoa, &err), VOUCH_OK);
  vouch_buf pem = {0};
  assert_int_equal(vouch_gen_snp_pki_cert_pem(genoa, VOUCH_GEN_SNP_ARK, &pem), VOUCH_OK);
  struct vouch_anchors *ga = vouch_anchors_new();
  assert_int_equal(vouch_anchors_add_pem(ga, pem.data, pem.len, &err), VOUCH_OK);
  expect(verify_with(g_vcek, &ro, &c, ga, g_now), VOUCH_VERDICT_CONTRAINDICATED,
         VOUCH_E_UNTRUSTED_ROOT, NULL);
  /* ... and opts.product Genoa with the Milan chain */
  vouch_buf rep = {0};
  assert_int_equal(vouch_gen_snp_report(g_vcek, &ro, &rep), VOUCH_OK);
  vouch_snp_opts o = {.at = g_now, .extra_anchors = g_anchors, .product = VOUCH_SNP_GENOA};
  vouch_snp_verify((const uint8_t *)rep.data, rep.len, &c, &o, g_r);
  expect(g_r, VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_COLLATERAL_MISMATCH, "product given is Genoa");
  vouch_buf_free(&rep);
  vouch_anchors_free(ga);
  vouch_buf_free(&pem);
  vouch_gen_snp_pki_free(genoa);
  vouch_snp_collateral_cleanup(&c);
}

static void test_crls_and_windows(void **state) {
  (void)state;
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  static const struct {
    vouch_gen_snp_crl_opts crl;
    vouch_verdict v;
    vouch_status code;
    const char *part;
  } kCrls[] = {
      {{.revoke_ask = false}, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL},
      {{.revoke_asvk = true}, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL},
      {{.revoke_ask = true}, VOUCH_VERDICT_CONTRAINDICATED, VOUCH_E_REVOKED, "revoked"},
      {{.validity = VOUCH_GEN_EXPIRED}, VOUCH_VERDICT_ERROR, VOUCH_E_EXPIRED, "CRL"},
      {{.validity = VOUCH_GEN_NOT_YET_VALID}, VOUCH_VERDICT_ERROR, VOUCH_E_NOT_YET_VALID, "CRL"},
  };
  for (size_t i = 0; i < sizeof(kCrls) / sizeof(kCrls[0]); i++) {
    vouch_snp_collateral c;
    collateral_for(g_milan, g_vcek, false, &c);
    vouch_buf crl = {0};
    vouch_err err = {0};
    assert_int_equal(vouch_gen_snp_crl(g_milan, &kCrls[i].crl, &crl, &err), VOUCH_OK);
    if (vouch_snp_collateral_add(&c, (const uint8_t *)crl.data, crl.len, &err) != VOUCH_OK) {
      fail_msg("crl: %s", err.msg);
    }
    assert_int_equal(c.num_crls, 1);
    const vouch_result *r = verify_with(g_vcek, &ro, &c, g_anchors, g_now);
    expect(r, kCrls[i].v, kCrls[i].code, kCrls[i].part);
    if (kCrls[i].code == VOUCH_OK) assert_string_equal(r->items[4].name, "crl");
    vouch_buf_free(&crl);
    vouch_snp_collateral_cleanup(&c);
  }
  /* The VLEK's ASVK revoked. */
  vouch_snp_collateral c;
  collateral_for(g_milan, g_vlek, true, &c);
  vouch_gen_snp_crl_opts co = {.revoke_asvk = true};
  vouch_buf crl = {0};
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_crl(g_milan, &co, &crl, &err), VOUCH_OK);
  assert_int_equal(vouch_snp_collateral_add(&c, (const uint8_t *)crl.data, crl.len, &err),
                   VOUCH_OK);
  vouch_gen_snp_report_opts rv;
  vouch_gen_snp_report_opts_default(&rv, g_vlek);
  expect(verify_with(g_vlek, &rv, &c, g_anchors, g_now), VOUCH_VERDICT_CONTRAINDICATED,
         VOUCH_E_REVOKED, "SEV-VLEK-Milan");
  vouch_buf_free(&crl);
  vouch_snp_collateral_cleanup(&c);
  /* Expired / not-yet-valid VCEK; a not-yet-valid ASK (own hierarchy). */
  static const vouch_gen_validity kV[2] = {VOUCH_GEN_EXPIRED, VOUCH_GEN_NOT_YET_VALID};
  static const vouch_status kS[2] = {VOUCH_E_EXPIRED, VOUCH_E_NOT_YET_VALID};
  for (int i = 0; i < 2; i++) {
    vouch_gen_snp_key_opts ko;
    vouch_gen_snp_key_opts_default(&ko);
    ko.validity = kV[i];
    vouch_gen_snp_key *k = NULL;
    assert_int_equal(vouch_gen_snp_key_new(g_milan, &ko, &k, &err), VOUCH_OK);
    collateral_for(g_milan, k, false, &c);
    vouch_gen_snp_report_opts_default(&ro, k);
    expect(verify_with(k, &ro, &c, g_anchors, g_now), VOUCH_VERDICT_ERROR, kS[i], "SEV-VCEK");
    vouch_snp_collateral_cleanup(&c);
    vouch_gen_snp_key_free(k);
  }
  vouch_gen_snp_pki_opts po = {
      .now = g_now, .seed = 12, .product = VOUCH_GEN_SNP_MILAN, .rsa_bits = 2048};
  po.validity[VOUCH_GEN_SNP_ASK] = VOUCH_GEN_NOT_YET_VALID;
  vouch_gen_snp_pki *pki = NULL;
  assert_int_equal(vouch_gen_snp_pki_new(&po, &pki, &err), VOUCH_OK);
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  vouch_gen_snp_key *k = NULL;
  assert_int_equal(vouch_gen_snp_key_new(pki, &ko, &k, &err), VOUCH_OK);
  vouch_buf pem = {0};
  assert_int_equal(vouch_gen_snp_pki_cert_pem(pki, VOUCH_GEN_SNP_ARK, &pem), VOUCH_OK);
  struct vouch_anchors *a = vouch_anchors_new();
  assert_int_equal(vouch_anchors_add_pem(a, pem.data, pem.len, &err), VOUCH_OK);
  collateral_for(pki, k, false, &c);
  vouch_gen_snp_report_opts_default(&ro, k);
  expect(verify_with(k, &ro, &c, a, g_now), VOUCH_VERDICT_ERROR, VOUCH_E_NOT_YET_VALID,
         "SEV-Milan");
  vouch_snp_collateral_cleanup(&c);
  vouch_anchors_free(a);
  vouch_buf_free(&pem);
  vouch_gen_snp_key_free(k);
  vouch_gen_snp_pki_free(pki);
}

static void test_turin(void **state) {
  (void)state;
  vouch_gen_snp_pki_opts po = {
      .now = g_now, .seed = 13, .product = VOUCH_GEN_SNP_TURIN, .rsa_bits = 2048};
  vouch_gen_snp_pki *pki = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_pki_new(&po, &pki, &err), VOUCH_OK);
  vouch_buf pem = {0};
  assert_int_equal(vouch_gen_snp_pki_cert_pem(pki, VOUCH_GEN_SNP_ARK, &pem), VOUCH_OK);
  struct vouch_anchors *a = vouch_anchors_new();
  assert_int_equal(vouch_anchors_add_pem(a, pem.data, pem.len, &err), VOUCH_OK);
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  ko.tcb = (vouch_gen_snp_tcb){.fmc = 2, .bootloader = 4, .tee = 1, .snp = 5, .microcode = 60};
  vouch_gen_snp_key *k = NULL;
  assert_int_equal(vouch_gen_snp_key_new(pki, &ko, &k, &err), VOUCH_OK);
  vouch_snp_collateral c;
  collateral_for(pki, k, false, &c);
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, k);
  const vouch_result *r = verify_with(k, &ro, &c, a, g_now);
  expect(r, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  claim_json_is(r, "snp_reported_tcb",
                "{\"bootloader\":4,\"tee\":1,\"snp\":5,\"microcode\":60,\"fmc\":2}");
  /* the same as a v2 report (no CPUID): Turin from the certificate */
  ro.version = 2;
  expect(verify_with(k, &ro, &c, a, g_now), VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  /* FMC mismatch */
  vouch_gen_snp_report_opts_default(&ro, k);
  ro.reported_tcb.fmc = 3;
  expect(verify_with(k, &ro, &c, a, g_now), VOUCH_VERDICT_CONTRAINDICATED,
         VOUCH_E_COLLATERAL_MISMATCH,
         "VCEK is for TCB fmc=2 bl=4 tee=1 snp=5 ucode=60 but the report is signed for fmc=3");
  /* only 8 chip-id bytes are significant */
  vouch_gen_snp_report_opts_default(&ro, k);
  ro.chip_id[20] = 1;
  expect(verify_with(k, &ro, &c, a, g_now), VOUCH_VERDICT_CONTRAINDICATED,
         VOUCH_E_COLLATERAL_MISMATCH, "hwID does not match");
  vouch_snp_collateral_cleanup(&c);
  vouch_gen_snp_key_free(k);
  /* a Turin VCEK without fmcSPL */
  ko.omit_fmc_spl = true;
  assert_int_equal(vouch_gen_snp_key_new(pki, &ko, &k, &err), VOUCH_OK);
  collateral_for(pki, k, false, &c);
  vouch_gen_snp_report_opts_default(&ro, k);
  expect(verify_with(k, &ro, &c, a, g_now), VOUCH_VERDICT_CONTRAINDICATED,
         VOUCH_E_COLLATERAL_MISMATCH, "fmcSPL");
  vouch_snp_collateral_cleanup(&c);
  vouch_gen_snp_key_free(k);
  vouch_anchors_free(a);
  vouch_buf_free(&pem);
  vouch_gen_snp_pki_free(pki);
}

static void test_hcl_and_table(void **state) {
  (void)state;
  static const char kJson[] =
      "{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"xyz\"}],"
      "\"vm-configuration\":{\"tpm-enabled\":true}}";
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, g_vcek);
  vouch_buf hcl = {0};
  assert_int_equal(vouch_gen_snp_hcl_report(g_vcek, &ro, kJson, sizeof(kJson) - 1, &hcl), VOUCH_OK);
  vouch_snp_collateral c;
  collateral_for(g_milan, g_vcek, false, &c);
  vouch_snp_opts o = {.at = g_now, .extra_anchors = g_anchors};
  vouch_snp_azure_verify((const uint8_t *)hcl.data, hcl.len, &c, &o, g_r);
  expect(g_r, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  claim_json_is(g_r, "snp_hcl_ak_pub",
                "{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"xyz\"}");
  claim_json_is(g_r, "snp_runtime_claims", kJson);
  /* the plain report (REPORT_DATA = SHA-256 of the JSON) with the JSON as
   * runtime data */
  o.runtime_data = (const uint8_t *)kJson;
  o.runtime_data_len = sizeof(kJson) - 1;
  o.has_runtime_data = true;
  vouch_snp_verify((const uint8_t *)hcl.data + 0x20, VOUCH_SNP_REPORT_LEN, &c, &o, g_r);
  expect(g_r, VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
  vouch_buf_free(&hcl);
  vouch_snp_collateral_cleanup(&c);
  /* certificate table as the only collateral (VCEK, ASK, ARK) */
  for (int vlek = 0; vlek < 2; vlek++) {
    const vouch_gen_snp_key *k = vlek ? g_vlek : g_vcek;
    vouch_buf table = {0};
    assert_int_equal(vouch_gen_snp_cert_table(k, true, &table), VOUCH_OK);
    vouch_snp_collateral tc = {0};
    vouch_err err = {0};
    if (vouch_snp_collateral_add(&tc, (const uint8_t *)table.data, table.len, &err) != VOUCH_OK) {
      fail_msg("table: %s", err.msg);
    }
    assert_int_equal(tc.num_certs, 3);
    vouch_gen_snp_report_opts_default(&ro, k);
    expect(verify_with(k, &ro, &tc, g_anchors, g_now), VOUCH_VERDICT_AFFIRMING, VOUCH_OK, NULL);
    vouch_snp_collateral_cleanup(&tc);
    vouch_buf_free(&table);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_and_versions), cmocka_unit_test(test_policy_bits),
      cmocka_unit_test(test_tcb_mismatches),       cmocka_unit_test(test_vlek_and_chip),
      cmocka_unit_test(test_corruptions),          cmocka_unit_test(test_trust_anchors),
      cmocka_unit_test(test_crls_and_windows),     cmocka_unit_test(test_turin),
      cmocka_unit_test(test_hcl_and_table),
  };
  return cmocka_run_group_tests_name("snp_gen", tests, setup, teardown);
}
