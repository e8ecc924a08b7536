/* Integration tests on the real SEV-SNP vectors in shared/vectors/snp/:
 * every positive set verifies with its MANIFEST verdict and key fields,
 * each neg-tampered-measurement.bin fails on the signature, a changed
 * REPORTED_TCB fails on the TCB binding, a VCEK of another chip on hwID,
 * the validity windows to the second, the product checks, the VLEK/VCEK
 * kind, one-bit flips across the signed bytes, truncations, the Azure HCL
 * report and evidence JSON, MAA's SevSnpVm body and the certificate table. */
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
#include "verifiers/snp/snp.h"
#include "vector_util.h"

/* An instant inside every set's VCEK/VLEK window (the AWS VLEK is valid
 * 2024-12-10 .. 2025-12-10). */
static int64_t at_default(void) {
  return vouch_time_from_civil(2025, 6, 1, 0, 0, 0);
}

/* read_vec reads snp/|set|/|name| of the vectors. */
static file_buf read_vec(const char *set, const char *name) {
  char rel[512];
  snprintf(rel, sizeof(rel), "snp/%s/%s", set, name);
  return vec_read(rel);
}

typedef struct {
  const char *name;
  const char *leaf;  /* vcek.der / vlek.der */
  const char *inter; /* ask.pem / asvk.pem */
  vouch_verdict verdict;
  const char *product;
} vec_set;

static const vec_set kSets[] = {
    {"milan-gsg", "vcek.der", "ask.pem", VOUCH_VERDICT_WARNING, "Milan"}, /* POLICY.DEBUG */
    {"milan-virtee", "vcek.der", "ask.pem", VOUCH_VERDICT_AFFIRMING, "Milan"},
    {"milan-vlek-aws", "vlek.der", "asvk.pem", VOUCH_VERDICT_AFFIRMING, "Milan"},
    {"genoa-azure", "vcek.der", "ask.pem", VOUCH_VERDICT_AFFIRMING, "Genoa"},
};
#define NUM_SETS (sizeof(kSets) / sizeof(kSets[0]))

static void add_file(vouch_snp_collateral *c, const char *set, const char *name) {
  file_buf f = read_vec(set, name);
  vouch_err err = {0};
  if (vouch_snp_collateral_add(c, f.data, f.len, &err) != VOUCH_OK) {
    fail_msg("%s/%s: %s", set, name, err.msg);
  }
  free(f.data);
}

/* full_collateral: leaf + intermediate + ARK of the set. */
static void full_collateral(const vec_set *s, vouch_snp_collateral *c) {
  memset(c, 0, sizeof(*c));
  add_file(c, s->name, s->leaf);
  add_file(c, s->name, s->inter);
  add_file(c, s->name, "ark.pem");
}

static vouch_result *new_result(void) {
  vouch_result *r = malloc(sizeof(*r));
  assert_non_null(r);
  return r;
}

static vouch_snp_opts opts_at(int64_t at) {
  vouch_snp_opts o = {.at = at};
  return o;
}

static void expect_ok(const vouch_result *r, vouch_verdict v) {
  if (r->error.code != VOUCH_OK || r->verdict != v) {
    fail_msg("verdict %s (want %s), error %s: %s", vouch_verdict_name(r->verdict),
             vouch_verdict_name(v), vouch_status_name(r->error.code), r->error.msg);
  }
}

static void expect_fail(const vouch_result *r, vouch_status code, vouch_verdict v,
                        const char *msg_part) {
  if (r->error.code != code || r->verdict != v ||
      (msg_part != NULL && strstr(r->error.msg, msg_part) == NULL)) {
    fail_msg("got %s/%s \"%s\", want %s/%s containing \"%s\"", vouch_verdict_name(r->verdict),
             vouch_status_name(r->error.code), r->error.msg, vouch_verdict_name(v),
             vouch_status_name(code), msg_part ? msg_part : "");
  }
}

static void claim_hex_is(const vouch_result *r, const char *name, const char *hex) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  if (c == NULL) fail_msg("claim %s missing", name);
  assert_int_equal(c->kind, VOUCH_CLAIM_HEX);
  char buf[300];
  assert_true(c->len * 2 < sizeof(buf));
  vouch_hex_encode(vouch_result_claim_bytes(r, c), c->len, buf);
  if (strcmp(buf, hex) != 0) fail_msg("claim %s = %s, want %s", name, buf, hex);
}

static int64_t claim_int(const vouch_result *r, const char *name) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  if (c == NULL) fail_msg("claim %s missing", name);
  assert_int_equal(c->kind, VOUCH_CLAIM_INT);
  return c->i;
}

static bool claim_bool(const vouch_result *r, const char *name) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  if (c == NULL) fail_msg("claim %s missing", name);
  assert_int_equal(c->kind, VOUCH_CLAIM_BOOL);
  return c->b;
}

static void claim_text_is(const vouch_result *r, const char *name, const char *want) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  if (c == NULL) fail_msg("claim %s missing", name);
  if (c->len != strlen(want) || memcmp(vouch_result_claim_bytes(r, c), want, c->len) != 0) {
    fail_msg("claim %s = %.*s, want %s", name, (int)c->len,
             (const char *)vouch_result_claim_bytes(r, c), want);
  }
}

/* manifest_field copies the value after "- |key|: " (or "; |key|: ")
 * up to the next ';' or newline. */
static bool manifest_field(const char *text, const char *key, char *out, size_t cap) {
  char pat[64];
  snprintf(pat, sizeof(pat), " %s: ", key);
  const char *p = strstr(text, pat);
  if (p == NULL) return false;
  p += strlen(pat);
  size_t n = 0;
  while (p[n] && p[n] != '\n' && p[n] != ';' && p[n] != ' ' && n + 1 < cap) n++;
  memcpy(out, p, n);
  out[n] = '\0';
  return true;
}

/* ---- positive sets --------------------------------------------------------------- */

static void test_positive_sets(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  for (size_t i = 0; i < NUM_SETS; i++) {
    const vec_set *s = &kSets[i];
    vouch_snp_collateral c;
    full_collateral(s, &c);
    file_buf rep = read_vec(s->name, "report.bin");
    vouch_snp_opts o = opts_at(at_default());
    vouch_snp_verify(rep.data, rep.len, &c, &o, r);
    expect_ok(r, s->verdict);
    assert_string_equal(vouch_result_attestation_type(r), "sevsnpvm");
    claim_text_is(r, "snp_product", s->product);
    /* the MANIFEST's key fields */
    file_buf m = read_vec(s->name, "MANIFEST.md");
    char *text = realloc(m.data, m.len + 1);
    assert_non_null(text);
    text[m.len] = '\0';
    char v[200];
    static const char *const kHex[] = {"report_data",   "measurement", "host_data",
                                       "id_key_digest", "report_id",   "chip_id"};
    for (size_t k = 0; k < sizeof(kHex) / sizeof(kHex[0]); k++) {
      assert_true(manifest_field(text, kHex[k], v, sizeof(v)));
      char name[64];
      snprintf(name, sizeof(name), "snp_%s", kHex[k]);
      claim_hex_is(r, name, v);
    }
    assert_true(manifest_field(text, "version", v, sizeof(v)));
    assert_int_equal(claim_int(r, "snp_version"), strtol(v, NULL, 0));
    assert_true(manifest_field(text, "policy", v, sizeof(v)));
    assert_int_equal(claim_int(r, "snp_policy"), strtoll(v, NULL, 16));
    assert_true(manifest_field(text, "vmpl", v, sizeof(v)));
    assert_int_equal(claim_int(r, "snp_vmpl"), strtol(v, NULL, 0));
    assert_true(manifest_field(text, "platform_info", v, sizeof(v)));
    assert_int_equal(claim_int(r, "snp_platform_info"), strtoll(v, NULL, 16));
    assert_true(manifest_field(text, "guest_svn", v, sizeof(v)));
    assert_int_equal(claim_int(r, "snp_guest_svn"), strtoll(v, NULL, 16));
    /* "reported_tcb: bl=2 tee=0 snp=5 ucode=68 (raw 0x4405000000000002)" */
    const char *raw = strstr(strstr(text, "reported_tcb:"), "(raw 0x");
    assert_non_null(raw);
    char want_raw[17];
    memcpy(want_raw, raw + 7, 16);
    want_raw[16] = '\0';
    claim_hex_is(r, "snp_reported_tcb_raw", want_raw);
    assert_true(claim_bool(r, "snp_policy_debug") == (s->verdict == VOUCH_VERDICT_WARNING));
    free(text);
    /* audit: report, leaf, intermediate, ark; anchor is the pinned ARK */
    assert_true(r->has_anchor);
    assert_memory_equal(
        r->anchor_sha256,
        vouch_snp_ark_sha256(vouch_snp_product_from_name(s->product, strlen(s->product))), 32);
    assert_int_equal(r->num_items, 4);
    assert_string_equal(r->items[0].name, "report");
    assert_string_equal(r->items[1].name, strcmp(s->leaf, "vlek.der") == 0 ? "vlek" : "vcek");
    assert_string_equal(r->items[3].name, "ark");
    /* The leaf alone: the built-in ASK/ASVK and ARK complete the chain. */
    vouch_snp_collateral leaf_only = {0};
    add_file(&leaf_only, s->name, s->leaf);
    vouch_snp_verify(rep.data, rep.len, &leaf_only, &o, r);
    expect_ok(r, s->verdict);
    vouch_snp_collateral_cleanup(&leaf_only);
    /* Each tampered report fails on the signature. */
    file_buf neg = read_vec(s->name, "neg-tampered-measurement.bin");
    vouch_snp_verify(neg.data, neg.len, &c, &o, r);
    expect_fail(r, VOUCH_E_SIGNATURE, VOUCH_VERDICT_CONTRAINDICATED,
                "snp: report signature invalid");
    free(neg.data);
    free(rep.data);
    vouch_snp_collateral_cleanup(&c);
  }
  free(r);
}

/* ---- binding ---------------------------------------------------------------------- */

static void test_reported_tcb_changed(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  vouch_snp_collateral c;
  full_collateral(&kSets[0], &c);
  file_buf rep = read_vec("milan-gsg", "report.bin");
  vouch_snp_opts o = opts_at(at_default());
  rep.data[0x180] ^= 1; /* boot loader SPL 2 -> 3 */
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISMATCH, VOUCH_VERDICT_CONTRAINDICATED,
              "snp: VCEK is for TCB bl=2 tee=0 snp=5 ucode=68 but the report is signed for bl=3 "
              "tee=0 snp=5 ucode=68");
  /* A reserved byte of the TCB: same components, still refused. */
  rep.data[0x180] ^= 1;
  rep.data[0x183] = 1;
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISMATCH, VOUCH_VERDICT_CONTRAINDICATED, "reserved bytes");
  free(rep.data);
  vouch_snp_collateral_cleanup(&c);
  free(r);
}

static void test_vcek_of_another_chip(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  /* milan-gsg's report with milan-virtee's VCEK, its REPORTED_TCB set to
   * that VCEK's TCB so only the chip differs. */
  vouch_snp_collateral c = {0};
  add_file(&c, "milan-virtee", "vcek.der");
  file_buf rep = read_vec("milan-gsg", "report.bin");
  static const uint8_t kTcb[8] = {0x03, 0, 0, 0, 0, 0, 0x08, 0x73}; /* 0x7308000000000003 */
  memcpy(rep.data + 0x180, kTcb, 8);
  vouch_snp_opts o = opts_at(at_default());
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISMATCH, VOUCH_VERDICT_CONTRAINDICATED,
              "snp: VCEK hwID does not match CHIP_ID");
  /* With its own VCEK added, that one is picked: the TCB is then wrong. */
  add_file(&c, "milan-gsg", "vcek.der");
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISMATCH, VOUCH_VERDICT_CONTRAINDICATED, "VCEK is for TCB");
  /* The untouched report picks the right VCEK among the two. */
  free(rep.data);
  rep = read_vec("milan-gsg", "report.bin");
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_ok(r, VOUCH_VERDICT_WARNING);
  free(rep.data);
  vouch_snp_collateral_cleanup(&c);
  free(r);
}

/* ---- validity windows --------------------------------------------------------------- */

static void test_validity_edges(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  for (size_t i = 0; i < NUM_SETS; i++) {
    const vec_set *s = &kSets[i];
    vouch_snp_collateral c;
    full_collateral(s, &c);
    file_buf leaf = read_vec(s->name, s->leaf);
    struct vouch_cert *cert = NULL;
    assert_int_equal(vouch_cert_from_der(leaf.data, leaf.len, &cert), VOUCH_OK);
    int64_t nb = vouch_cert_not_before(cert), na = vouch_cert_not_after(cert);
    vouch_cert_free(cert);
    free(leaf.data);
    file_buf rep = read_vec(s->name, "report.bin");
    vouch_snp_opts o = opts_at(nb);
    vouch_snp_verify(rep.data, rep.len, &c, &o, r);
    expect_ok(r, s->verdict);
    o.at = na;
    vouch_snp_verify(rep.data, rep.len, &c, &o, r);
    expect_ok(r, s->verdict);
    o.at = na + 1;
    vouch_snp_verify(rep.data, rep.len, &c, &o, r);
    expect_fail(r, VOUCH_E_EXPIRED, VOUCH_VERDICT_ERROR, "expired at");
    o.at = nb - 1;
    vouch_snp_verify(rep.data, rep.len, &c, &o, r);
    expect_fail(r, VOUCH_E_NOT_YET_VALID, VOUCH_VERDICT_ERROR, "not valid before");
    /* allow_expired tolerates the passed notAfter and says so */
    o.at = na + 1;
    o.allow_expired = true;
    vouch_snp_verify(rep.data, rep.len, &c, &o, r);
    expect_ok(r, s->verdict);
    assert_true(claim_bool(r, "snp_collateral_expired"));
    free(rep.data);
    vouch_snp_collateral_cleanup(&c);
  }
  /* Before Milan's ARK and ASK start (2020-10-22T17:23:05Z): the VCEK,
   * checked first, is not yet valid either, and is named. */
  vouch_snp_collateral c;
  full_collateral(&kSets[0], &c);
  file_buf rep = read_vec("milan-gsg", "report.bin");
  vouch_snp_opts o = opts_at(vouch_time_from_civil(2020, 10, 22, 17, 23, 4));
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_NOT_YET_VALID, VOUCH_VERDICT_ERROR, "SEV-VCEK");
  free(rep.data);
  vouch_snp_collateral_cleanup(&c);
  free(r);
}

/* ---- products, kinds, collateral -------------------------------------------------------- */

static void test_products_and_kinds(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  vouch_snp_collateral c;
  full_collateral(&kSets[1], &c); /* milan-virtee */
  file_buf rep = read_vec("milan-virtee", "report.bin");
  vouch_snp_opts o = opts_at(at_default());
  o.product = VOUCH_SNP_GENOA;
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISMATCH, VOUCH_VERDICT_CONTRAINDICATED,
              "the VCEK is for Milan, but the product given is Genoa");
  o.product = VOUCH_SNP_MILAN;
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  o.product = VOUCH_SNP_PRODUCT_UNKNOWN;
  /* Milan VCEK with only Genoa's ASK and ARK: the built-in Milan ASK is
   * found by name and verifies; Genoa's are not used. */
  vouch_snp_collateral g = {0};
  add_file(&g, "milan-virtee", "vcek.der");
  add_file(&g, "genoa-azure", "ask.pem");
  add_file(&g, "genoa-azure", "ark.pem");
  vouch_snp_verify(rep.data, rep.len, &g, &o, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  vouch_snp_collateral_cleanup(&g);
  /* No certificate at all. */
  vouch_snp_verify(rep.data, rep.len, NULL, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISSING, VOUCH_VERDICT_ERROR, "no VCEK among the collateral");
  /* A VCEK-signed report with only a VLEK given. */
  vouch_snp_collateral v = {0};
  add_file(&v, "milan-vlek-aws", "vlek.der");
  vouch_snp_verify(rep.data, rep.len, &v, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISSING, VOUCH_VERDICT_ERROR, "only a VLEK was given");
  /* The VLEK report with only a VCEK. */
  file_buf vrep = read_vec("milan-vlek-aws", "report.bin");
  vouch_snp_verify(vrep.data, vrep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISSING, VOUCH_VERDICT_ERROR, "only a VCEK was given");
  vouch_snp_verify(vrep.data, vrep.len, &v, &o, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  claim_text_is(r, "snp_signing_key", "vlek");
  claim_text_is(r, "snp_vlek_csp_id", "CN=cc-us-east-2.amazonaws.com");
  /* SIGNING_KEY flipped to VCEK in the VLEK report: wrong kind given. */
  vrep.data[0x48] &= (uint8_t)~0x1C;
  vouch_snp_verify(vrep.data, vrep.len, &v, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISSING, VOUCH_VERDICT_ERROR, "signed by a VCEK");
  /* SIGNING_KEY 7: unsigned */
  vrep.data[0x48] |= 0x1C;
  vouch_snp_verify(vrep.data, vrep.len, &v, &o, r);
  expect_fail(r, VOUCH_E_SIGNATURE, VOUCH_VERDICT_CONTRAINDICATED, "not signed");
  free(vrep.data);
  /* The Genoa report with the Milan VCEK: product from CPUID (v3). */
  file_buf grep = read_vec("genoa-azure", "report.bin");
  vouch_snp_verify(grep.data, grep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_COLLATERAL_MISMATCH, VOUCH_VERDICT_CONTRAINDICATED, "CPUID");
  free(grep.data);
  vouch_snp_collateral_cleanup(&v);
  free(rep.data);
  vouch_snp_collateral_cleanup(&c);
  free(r);
}

/* ---- bit flips and truncations ---------------------------------------------------------- */

static void test_bit_flips(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  vouch_snp_collateral c;
  full_collateral(&kSets[3], &c); /* genoa-azure, v3 */
  file_buf rep = read_vec("genoa-azure", "report.bin");
  vouch_snp_opts o = opts_at(at_default());
  int contraindicated = 0, errors = 0;
  for (size_t off = 0; off < VOUCH_SNP_REPORT_LEN; off += 7) {
    rep.data[off] ^= 0x01;
    vouch_snp_verify(rep.data, rep.len, &c, &o, r);
    if (r->verdict == VOUCH_VERDICT_AFFIRMING || r->verdict == VOUCH_VERDICT_WARNING) {
      fail_msg("bit flip at 0x%zx still verifies", off);
    }
    if (r->error.code == VOUCH_OK || strncmp(r->error.msg, "snp: ", 5) != 0) {
      fail_msg("bit flip at 0x%zx: no precise error (%s)", off, r->error.msg);
    }
    contraindicated += r->verdict == VOUCH_VERDICT_CONTRAINDICATED;
    errors += r->verdict == VOUCH_VERDICT_ERROR;
    rep.data[off] ^= 0x01;
  }
  assert_true(contraindicated > 50);
  assert_true(errors > 10); /* reserved bytes, version, policy bit 17 */
  /* truncated / trailing */
  vouch_snp_verify(rep.data, rep.len - 1, &c, &o, r);
  expect_fail(r, VOUCH_E_TRUNCATED, VOUCH_VERDICT_ERROR, "1183 bytes");
  uint8_t *longer = malloc(rep.len + 3);
  assert_non_null(longer);
  memcpy(longer, rep.data, rep.len);
  memset(longer + rep.len, 0, 3);
  vouch_snp_verify(longer, rep.len + 3, &c, &o, r);
  expect_fail(r, VOUCH_E_TRAILING, VOUCH_VERDICT_ERROR, "1187 bytes");
  free(longer);
  free(rep.data);
  vouch_snp_collateral_cleanup(&c);
  free(r);
}

/* ---- runtime data ------------------------------------------------------------------------- */

static void test_runtime_data(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  vouch_snp_collateral c;
  full_collateral(&kSets[3], &c);
  file_buf rep = read_vec("genoa-azure", "report.bin");
  file_buf hcl = read_vec("genoa-azure", "hcl-report.bin");
  uint32_t json_len = (uint32_t)hcl.data[0x4D0] | (uint32_t)hcl.data[0x4D1] << 8 |
                      (uint32_t)hcl.data[0x4D2] << 16 | (uint32_t)hcl.data[0x4D3] << 24;
  vouch_snp_opts o = opts_at(at_default());
  o.runtime_data = hcl.data + 0x4D4;
  o.runtime_data_len = json_len;
  o.has_runtime_data = true;
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  o.runtime_data_len--;
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_BINDING, VOUCH_VERDICT_CONTRAINDICATED, "runtime data");
  o.has_runtime_data = false;
  /* init data: HOST_DATA is zero here, so no data hashes to it */
  o.init_data = (const uint8_t *)"x";
  o.init_data_len = 1;
  o.has_init_data = true;
  vouch_snp_verify(rep.data, rep.len, &c, &o, r);
  expect_fail(r, VOUCH_E_BINDING, VOUCH_VERDICT_CONTRAINDICATED, "HOST_DATA");
  free(hcl.data);
  free(rep.data);
  vouch_snp_collateral_cleanup(&c);
  free(r);
}

/* ---- Azure ---------------------------------------------------------------------------------- */

static void test_azure(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  vouch_snp_collateral c = {0};
  add_file(&c, "genoa-azure", "vcek.der");
  file_buf hcl = read_vec("genoa-azure", "hcl-report.bin");
  vouch_snp_opts o = opts_at(at_default());
  vouch_snp_azure_verify(hcl.data, hcl.len, &c, &o, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  const vouch_claim *rc = vouch_result_find_claim(r, "snp_runtime_claims");
  assert_non_null(rc);
  assert_int_equal(rc->kind, VOUCH_CLAIM_JSON);
  assert_int_equal(rc->len, 1200);
  const vouch_claim *ak = vouch_result_find_claim(r, "snp_hcl_ak_pub");
  assert_non_null(ak);
  assert_true(memmem(vouch_result_claim_bytes(r, ak), ak->len, "\"kid\":\"HCLAkPub\"", 16) != NULL);
  assert_string_equal(r->items[0].name, "hcl_report");
  /* The report inside equals report.bin. */
  file_buf rep = read_vec("genoa-azure", "report.bin");
  assert_memory_equal(hcl.data + 0x20, rep.data, VOUCH_SNP_REPORT_LEN);
  free(rep.data);
  /* A changed runtime claim (still valid JSON) breaks the binding. */
  uint8_t *p = memmem(hcl.data + 0x4D4, 1200, "HCLAkPub", 8);
  assert_non_null(p);
  p[0] = 'X';
  vouch_snp_azure_verify(hcl.data, hcl.len, &c, &o, r);
  expect_fail(r, VOUCH_E_BINDING, VOUCH_VERDICT_CONTRAINDICATED, "HCL runtime claims");
  p[0] = 'H';
  /* Headers: magic, size field, non-zero padding. */
  hcl.data[0] = 'X';
  vouch_snp_azure_verify(hcl.data, hcl.len, &c, &o, r);
  expect_fail(r, VOUCH_E_MALFORMED, VOUCH_VERDICT_ERROR, "HCLA");
  hcl.data[0] = 'H';
  hcl.data[hcl.len - 1] = 1;
  vouch_snp_azure_verify(hcl.data, hcl.len, &c, &o, r);
  expect_fail(r, VOUCH_E_TRAILING, VOUCH_VERDICT_ERROR, "after its end");
  hcl.data[hcl.len - 1] = 0;
  vouch_snp_azure_verify(hcl.data, 0x4D4 + 10, &c, &o, r);
  expect_fail(r, VOUCH_E_TRUNCATED, VOUCH_VERDICT_ERROR, "do not fit");
  /* The same evidence as trustee's JSON. */
  file_buf ev = read_vec("genoa-azure", "evidence-genoa.json");
  vouch_snp_collateral c2 = {0};
  uint8_t *hcl2 = NULL;
  size_t hcl2_len = 0;
  vouch_err err = {0};
  assert_int_equal(
      vouch_snp_azure_evidence_parse((const char *)ev.data, ev.len, &hcl2, &hcl2_len, &c2, &err),
      VOUCH_OK);
  assert_int_equal(hcl2_len, hcl.len);
  assert_memory_equal(hcl2, hcl.data, hcl.len);
  assert_int_equal(c2.num_certs, 1);
  vouch_snp_azure_verify(hcl2, hcl2_len, &c2, &o, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  free(hcl2);
  vouch_snp_collateral_cleanup(&c2);
  free(ev.data);
  free(hcl.data);
  vouch_snp_collateral_cleanup(&c);
  free(r);
}

/* The vTPM part of the genoa-azure set: the quote verifies under HCLAkPub
 * (from the runtime claims the SNP report binds), its PCRs become claims;
 * a bit flip in the quote, a PCR or the expected nonce fails precisely;
 * the envelope object carries the same. */
static void test_azure_vtpm(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  vouch_snp_collateral c = {0};
  add_file(&c, "genoa-azure", "vcek.der");
  file_buf hcl = read_vec("genoa-azure", "hcl-report.bin");
  file_buf msg = read_vec("genoa-azure", "vtpm-quote.msg");
  file_buf sig = read_vec("genoa-azure", "vtpm-quote.sig.raw");
  file_buf pcrs = read_vec("genoa-azure", "vtpm-pcrs-sha256-0-23.bin");
  static const char kNonce[] =
      "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea3"
      "5d950f";
  uint8_t nonce[48];
  assert_int_equal(vouch_hex_decode(kNonce, 96, nonce, 48), VOUCH_OK);
  vouch_snp_vtpm v = {.quote = msg.data,
                      .quote_len = msg.len,
                      .sig = sig.data,
                      .sig_len = sig.len,
                      .pcr_values = pcrs.data,
                      .pcr_values_len = pcrs.len,
                      .nonce = nonce,
                      .nonce_len = 48,
                      .has_nonce = true};
  vouch_snp_opts o = opts_at(at_default());
  vouch_snp_azure_verify_vtpm(hcl.data, hcl.len, &c, &o, &v, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  assert_false(r->overflow);
  assert_true(claim_bool(r, "snp_vtpm_verified"));
  assert_true(claim_bool(r, "tpm_nonce_checked"));
  claim_hex_is(r, "tpm_pcr_digest",
               "2b30a66d715a7801b86d7912b710838bd3bd8d9aeec7c7135563f938cf8b3399");
  claim_text_is(r, "tpm_sig_alg", "rsassa-sha256");
  const vouch_claim *pc = vouch_result_find_claim(r, "tpm_pcrs");
  assert_non_null(pc);
  assert_int_equal(pc->kind, VOUCH_CLAIM_JSON);
  /* PCR 0's value, as the file has it. */
  char pcr0[65];
  vouch_hex_encode(pcrs.data, 32, pcr0);
  assert_non_null(memmem(vouch_result_claim_bytes(r, pc), pc->len, pcr0, 64));
  /* The SNP claims are all still there. */
  claim_text_is(r, "snp_product", "Genoa");

  /* A bit of the quote (in pcrDigest, the last byte): the signature. */
  msg.data[msg.len - 1] ^= 1;
  vouch_snp_azure_verify_vtpm(hcl.data, hcl.len, &c, &o, &v, r);
  expect_fail(r, VOUCH_E_SIGNATURE, VOUCH_VERDICT_CONTRAINDICATED, "snp: vTPM: tpm: ");
  msg.data[msg.len - 1] ^= 1;
  /* A bit of PCR 23: the digest. */
  pcrs.data[23 * 32] ^= 1;
  vouch_snp_azure_verify_vtpm(hcl.data, hcl.len, &c, &o, &v, r);
  expect_fail(r, VOUCH_E_BINDING, VOUCH_VERDICT_CONTRAINDICATED,
              "snp: vTPM: tpm: pcrDigest does not match");
  pcrs.data[23 * 32] ^= 1;
  /* A bit of the signature. */
  sig.data[7] ^= 0x40;
  vouch_snp_azure_verify_vtpm(hcl.data, hcl.len, &c, &o, &v, r);
  expect_fail(r, VOUCH_E_SIGNATURE, VOUCH_VERDICT_CONTRAINDICATED, "snp: vTPM: ");
  sig.data[7] ^= 0x40;
  /* Another nonce expected. */
  nonce[0] ^= 1;
  vouch_snp_azure_verify_vtpm(hcl.data, hcl.len, &c, &o, &v, r);
  expect_fail(r, VOUCH_E_BINDING, VOUCH_VERDICT_CONTRAINDICATED, "nonce");
  nonce[0] ^= 1;
  /* Fewer PCR values than the quote selects: an error, not a pass. */
  v.pcr_values_len -= 32;
  vouch_snp_azure_verify_vtpm(hcl.data, hcl.len, &c, &o, &v, r);
  assert_int_not_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
  assert_non_null(strstr(r->error.msg, "snp: vTPM: "));
  v.pcr_values_len += 32;
  /* The quote's key comes only from the bound runtime claims: with
   * HCLAkPub renamed the binding fails first (REPORT_DATA). */
  uint8_t *p = memmem(hcl.data + 0x4D4, 1200, "HCLAkPub", 8);
  assert_non_null(p);
  p[0] = 'X';
  vouch_snp_azure_verify_vtpm(hcl.data, hcl.len, &c, &o, &v, r);
  expect_fail(r, VOUCH_E_BINDING, VOUCH_VERDICT_CONTRAINDICATED, "HCL runtime claims");
  p[0] = 'H';
  /* A failed SNP part is never masked by a good vTPM quote. */
  hcl.data[0x20 + 0x90] ^= 1;
  vouch_snp_azure_verify_vtpm(hcl.data, hcl.len, &c, &o, &v, r);
  expect_fail(r, VOUCH_E_SIGNATURE, VOUCH_VERDICT_CONTRAINDICATED, "report signature invalid");
  assert_null(vouch_result_find_claim(r, "snp_vtpm_verified"));
  hcl.data[0x20 + 0x90] ^= 1;

  /* The envelope's evidence object. */
  vouch_buf j;
  vouch_buf_init(&j, 0);
  vouch_buf_puts(&j, "{\"hcl_report\":\"");
  vouch_base64url_encode(&j, hcl.data, hcl.len);
  vouch_buf_puts(&j, "\",\"vtpm_quote\":\"");
  vouch_base64_encode(&j, msg.data, msg.len);
  vouch_buf_puts(&j, "\",\"vtpm_signature\":\"");
  vouch_base64url_encode(&j, sig.data, sig.len);
  vouch_buf_puts(&j, "\",\"vtpm_pcrs\":\"");
  vouch_base64url_encode(&j, pcrs.data, pcrs.len);
  vouch_buf_printf(&j, "\",\"vtpm_nonce\":\"%s\"}", kNonce);
  vouch_snp_azure_envelope ae;
  vouch_err err = {0};
  assert_int_equal(vouch_snp_azure_envelope_parse(j.data, j.len, &ae, &err), VOUCH_OK);
  assert_true(ae.has_vtpm);
  assert_int_equal(ae.hcl_len, hcl.len);
  assert_int_equal(ae.vtpm.pcr_values_len, pcrs.len);
  assert_int_equal(ae.vtpm.nonce_len, 48);
  vouch_snp_azure_verify_vtpm(ae.hcl, ae.hcl_len, &c, &o, &ae.vtpm, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  vouch_snp_azure_envelope_free(&ae);
  /* Malformed objects: each refused with its reason. */
  static const struct {
    const char *json, *says;
  } kBad[] = {
      {"{\"vtpm_quote\":\"AA\"}", "no \"hcl_report\""},
      {"{\"hcl_report\":\"AAAA\",\"vtpm_quote\":\"AAAA\"}", "go together"},
      {"{\"hcl_report\":\"AAAA\",\"vtpm_qoute\":\"AAAA\"}", "unknown member \"vtpm_qoute\""},
      {"{\"hcl_report\":1}", "must be a string"},
      {"{\"hcl_report\":\"AAAA\",\"vtpm_nonce\":\"abc\"}", "1 to 64 bytes in hex"},
      {"{\"hcl_report\":\"AAAA\",\"vtpm_nonce\":\"zz\"}", "is not hex"},
      {"{\"hcl_report\":\"!!\"}", "is not base64"},
      {"[1]", "not a JSON object"},
  };
  for (size_t i = 0; i < sizeof kBad / sizeof kBad[0]; i++) {
    vouch_err_clear(&err);
    assert_int_not_equal(
        vouch_snp_azure_envelope_parse(kBad[i].json, strlen(kBad[i].json), &ae, &err), VOUCH_OK);
    if (strstr(err.msg, kBad[i].says) == NULL) fail_msg("%s: %s", kBad[i].json, err.msg);
  }
  vouch_buf_free(&j);
  free(hcl.data);
  free(msg.data);
  free(sig.data);
  free(pcrs.data);
  vouch_snp_collateral_cleanup(&c);
  free(r);
}

/* ---- MAA request, certificate table, PEM chains --------------------------------------------- */

static void test_maa_request_and_table(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vouch_result *r = new_result();
  vouch_snp_opts o = opts_at(at_default());
  file_buf rep = read_vec("milan-virtee", "report.bin");
  file_buf vcek = read_vec("milan-virtee", "vcek.der");
  file_buf ask = read_vec("milan-virtee", "ask.pem");
  file_buf ark = read_vec("milan-virtee", "ark.pem");
  /* VcekCertChain: base64 of the PEM chain VCEK, ASK, ARK. */
  vouch_buf pem = {0};
  vouch_buf_puts(&pem, "-----BEGIN CERTIFICATE-----\n");
  vouch_base64_encode(&pem, vcek.data, vcek.len);
  vouch_buf_puts(&pem, "\n-----END CERTIFICATE-----\n");
  vouch_buf_append(&pem, ask.data, ask.len);
  vouch_buf_append(&pem, ark.data, ark.len);
  vouch_buf json = {0};
  vouch_buf_puts(&json, "{\"SnpReport\":\"");
  vouch_base64url_encode(&json, rep.data, rep.len);
  vouch_buf_puts(&json, "\",\"VcekCertChain\":\"");
  vouch_base64_encode(&json, (const uint8_t *)pem.data, pem.len);
  vouch_buf_puts(&json, "\",\"Endorsements\":\"\"}");
  vouch_buf body = {0};
  vouch_base64_encode(&body, (const uint8_t *)json.data, json.len);
  assert_int_equal(vouch_buf_status(&body), VOUCH_OK);
  for (int form = 0; form < 2; form++) {
    const vouch_buf *in = form == 0 ? &body : &json;
    vouch_snp_collateral c = {0};
    uint8_t *report = NULL;
    size_t report_len = 0;
    bool is_hcl = true;
    vouch_err err = {0};
    if (vouch_snp_maa_request_parse(in->data, in->len, &report, &report_len, &is_hcl, &c, &err) !=
        VOUCH_OK) {
      fail_msg("maa request: %s", err.msg);
    }
    assert_false(is_hcl);
    assert_int_equal(report_len, VOUCH_SNP_REPORT_LEN);
    assert_int_equal(c.num_certs, 3);
    vouch_snp_verify(report, report_len, &c, &o, r);
    expect_ok(r, VOUCH_VERDICT_AFFIRMING);
    free(report);
    vouch_snp_collateral_cleanup(&c);
  }
  /* Malformed bodies fail with a message. */
  {
    vouch_snp_collateral c = {0};
    uint8_t *report = NULL;
    size_t report_len = 0;
    bool is_hcl;
    vouch_err err = {0};
    assert_int_equal(vouch_snp_maa_request_parse("{\"SnpReport\":\"AAAA\"}", 20, &report,
                                                 &report_len, &is_hcl, &c, &err),
                     VOUCH_E_MALFORMED);
    assert_non_null(strstr(err.msg, "3 bytes"));
    vouch_err_clear(&err);
    assert_int_equal(vouch_snp_maa_request_parse("!!", 2, &report, &report_len, &is_hcl, &c, &err),
                     VOUCH_E_BASE64);
  }
  /* Extended-report certificate table: VCEK, ASK, ARK (DER), GUIDs as in
   * the GHCB spec, entries padded to 8 bytes. */
  struct vouch_cert *ask_c = NULL, *ark_c = NULL;
  size_t n;
  assert_int_equal(vouch_cert_chain_from_pem((const char *)ask.data, ask.len, &ask_c, 1, &n, NULL),
                   VOUCH_OK);
  assert_int_equal(vouch_cert_chain_from_pem((const char *)ark.data, ark.len, &ark_c, 1, &n, NULL),
                   VOUCH_OK);
  static const uint8_t kGuids[3][16] = {{0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5,
                                         0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd},
                                        {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f,
                                         0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82},
                                        {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43,
                                         0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae}};
  const uint8_t *ders[3];
  size_t lens[3];
  ders[0] = vcek.data;
  lens[0] = vcek.len;
  ders[1] = vouch_cert_der(ask_c, &lens[1]);
  ders[2] = vouch_cert_der(ark_c, &lens[2]);
  uint8_t table[16384] = {0};
  size_t off = 4 * 24;
  for (int i = 0; i < 3; i++) {
    memcpy(table + 24 * i, kGuids[i], 16);
    uint32_t o32 = (uint32_t)off, l32 = (uint32_t)((lens[i] + 7) & ~(size_t)7);
    memcpy(table + 24 * i + 16, &o32, 4); /* little-endian host */
    memcpy(table + 24 * i + 20, &l32, 4);
    memcpy(table + off, ders[i], lens[i]);
    off += l32;
  }
  vouch_snp_collateral tc = {0};
  vouch_err err = {0};
  if (vouch_snp_collateral_add(&tc, table, off, &err) != VOUCH_OK) fail_msg("table: %s", err.msg);
  assert_int_equal(tc.num_certs, 3);
  assert_int_equal(tc.roles[0], VOUCH_SNP_ROLE_VCEK);
  assert_int_equal(tc.roles[1], VOUCH_SNP_ROLE_ASK);
  assert_int_equal(tc.roles[2], VOUCH_SNP_ROLE_ARK);
  vouch_snp_verify(rep.data, rep.len, &tc, &o, r);
  expect_ok(r, VOUCH_VERDICT_AFFIRMING);
  /* the same table again adds nothing (duplicates) */
  assert_int_equal(vouch_snp_collateral_add(&tc, table, off, &err), VOUCH_OK);
  assert_int_equal(tc.num_certs, 3);
  vouch_snp_collateral_cleanup(&tc);
  /* an entry pointing outside the data */
  uint32_t bad = (uint32_t)off;
  memcpy(table + 16, &bad, 4);
  vouch_err_clear(&err);
  assert_int_equal(vouch_snp_collateral_add(&tc, table, off, &err), VOUCH_E_MALFORMED);
  assert_int_equal(tc.num_certs, 0);
  vouch_cert_free(ask_c);
  vouch_cert_free(ark_c);
  vouch_buf_free(&pem);
  vouch_buf_free(&json);
  vouch_buf_free(&body);
  free(rep.data);
  free(vcek.data);
  free(ask.data);
  free(ark.data);
  free(r);
}

/* ---- the AMD chain files and pinned roots --------------------------------------------------- */

static void test_amd_chains(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  static const char *const kProducts[3] = {"milan", "genoa", "turin"};
  static const vouch_snp_product kP[3] = {VOUCH_SNP_MILAN, VOUCH_SNP_GENOA, VOUCH_SNP_TURIN};
  for (int i = 0; i < 3; i++) {
    for (int kind = 0; kind < 2; kind++) {
      char path[1024];
      snprintf(path, sizeof(path), "%s/amd/cert_chain_%s_%s.pem", g_vectors, kProducts[i],
               kind ? "vlek" : "vcek");
      uint8_t *data = NULL;
      size_t len = 0;
      assert_int_equal(vouch_read_file(path, 1 << 20, &data, &len, NULL), VOUCH_OK);
      vouch_snp_collateral c = {0};
      vouch_err err = {0};
      if (vouch_snp_collateral_add(&c, data, len, &err) != VOUCH_OK)
        fail_msg("%s: %s", path, err.msg);
      assert_int_equal(c.num_certs, 2);
      assert_int_equal(c.roles[0], kind ? VOUCH_SNP_ROLE_ASVK : VOUCH_SNP_ROLE_ASK);
      assert_int_equal(c.roles[1], VOUCH_SNP_ROLE_ARK);
      /* the KDS files are byte-identical to the built-in certificates */
      assert_true(vouch_cert_equal(c.certs[0], vouch_snp_builtin_cert(kP[i], c.roles[0])));
      assert_true(vouch_cert_equal(c.certs[1], vouch_snp_builtin_cert(kP[i], VOUCH_SNP_ROLE_ARK)));
      uint8_t fp[32];
      vouch_cert_sha256(c.certs[1], fp);
      assert_memory_equal(fp, vouch_snp_ark_sha256(kP[i]), 32);
      vouch_snp_collateral_cleanup(&c);
      free(data);
    }
  }
  struct vouch_anchors *a = vouch_anchors_new();
  assert_int_equal(vouch_snp_add_amd_roots(a), VOUCH_OK);
  assert_int_equal(vouch_anchors_count(a), 3);
  vouch_anchors_free(a);
}

int main(void) {
  vec_init("snp_vectors", "snp/milan-gsg/report.bin");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_positive_sets),        cmocka_unit_test(test_reported_tcb_changed),
      cmocka_unit_test(test_vcek_of_another_chip), cmocka_unit_test(test_validity_edges),
      cmocka_unit_test(test_products_and_kinds),   cmocka_unit_test(test_bit_flips),
      cmocka_unit_test(test_runtime_data),         cmocka_unit_test(test_azure),
      cmocka_unit_test(test_azure_vtpm),           cmocka_unit_test(test_maa_request_and_table),
      cmocka_unit_test(test_amd_chains),
  };
  return cmocka_run_group_tests_name("snp_vectors", tests, NULL, NULL);
}
