/* Integration tests on the real SGX vectors in shared/vectors/sgx/:
 * verdicts, statuses and advisories as the MANIFESTs state, the validity
 * windows (one day before and after), the trust-anchor pinning, the tampered
 * negatives, and bit flips across the signed regions of a real quote. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "verifiers/sgx/sgx.h"
#include "vector_util.h"

/* A verification setup: anchors (Intel root built in, plus optional PEM),
 * a collateral bundle from the vectors. */
typedef struct {
  struct vouch_anchors *anchors;
  vouch_dcap_collateral coll;
  file_buf quote;
  vouch_result *result;
  bool tdx; /* the set is a TDX quote */
} setup;

static void setup_open(setup *s, const char *set, const char *collateral_rel, bool intel_root,
                       const char *extra_anchor_rel) {
  char rel[512];
  s->anchors = vouch_anchors_new();
  assert_non_null(s->anchors);
  if (intel_root) assert_int_equal(vouch_dcap_add_intel_root(s->anchors), VOUCH_OK);
  if (extra_anchor_rel != NULL) {
    file_buf a = vec_read(extra_anchor_rel);
    assert_int_equal(vouch_anchors_add_pem(s->anchors, (const char *)a.data, a.len, NULL), VOUCH_OK);
    free(a.data);
  }
  snprintf(rel, sizeof(rel), "%s/%s", set, collateral_rel);
  file_buf c = vec_read(rel);
  vouch_err err = {0};
  if (vouch_dcap_collateral_from_json((const char *)c.data, c.len, &s->coll, &err) != VOUCH_OK) {
    fail_msg("collateral %s: %s", rel, err.msg);
  }
  free(c.data);
  snprintf(rel, sizeof(rel), "%s/quote.dat", set);
  s->quote = vec_read(rel);
  s->result = malloc(sizeof(*s->result));
  assert_non_null(s->result);
}

static void setup_close(setup *s) {
  vouch_anchors_free(s->anchors);
  vouch_dcap_collateral_cleanup(&s->coll);
  free(s->quote.data);
  free(s->result);
}

static const vouch_result *run(setup *s, const uint8_t *quote, size_t len, int64_t at,
                               bool allow_expired) {
  vouch_sgx_opts o = {.dcap = {.at = at, .allow_expired = allow_expired, .anchors = s->anchors},
                      .tdx = s->tdx};
  vouch_sgx_verify(quote, len, &s->coll, NULL, &o, s->result);
  return s->result;
}

/* ---- expected.json-driven verdicts --------------------------------------- */

static json_t *load_expected(void) {
  file_buf f = vec_read("expected.json");
  json_t *root = json_loadb((const char *)f.data, f.len, 0, NULL);
  free(f.data);
  assert_non_null(root);
  return root;
}

/* window_from_manifest reads "Validity window ... : A .. B" from a set's
 * MANIFEST.md. */
static bool window_from_manifest(const char *set, int64_t *from, int64_t *until) {
  char rel[512];
  snprintf(rel, sizeof(rel), "%s/MANIFEST.md", set);
  file_buf f = vec_read(rel);
  const char *line = strstr((const char *)f.data, "Validity window");
  bool ok = false;
  if (line != NULL) {
    const char *colon = strstr(line, "): ");
    const char *dots = colon ? strstr(colon, " .. ") : NULL;
    if (colon && dots) {
      ok = vouch_time_parse(colon + 3, 20, from) == VOUCH_OK &&
           vouch_time_parse(dots + 4, 20, until) == VOUCH_OK;
    }
  }
  free(f.data);
  return ok;
}

static void check_advisories(const vouch_result *r, json_t *want) {
  assert_int_equal(r->num_advisory_ids, json_array_size(want));
  for (size_t i = 0; i < json_array_size(want); i++) {
    const char *id = json_string_value(json_array_get(want, i));
    bool found = false;
    for (size_t k = 0; k < r->num_advisory_ids; k++) found |= strcmp(r->advisory_ids[k], id) == 0;
    if (!found) fail_msg("advisory %s missing", id);
  }
}

static void vectors_verdicts(const char *type) {
  json_t *root = load_expected();
  const char *set;
  json_t *exp;
  int checked = 0;
  bool tdx = strcmp(type, "tdx") == 0;
  json_object_foreach(root, set, exp) {
    if (strcmp(json_string_value(json_object_get(exp, "type")), type) != 0) continue;
    const char *anchor = json_string_value(json_object_get(exp, "trust_anchor"));
    char anchor_rel[512];
    if (anchor) snprintf(anchor_rel, sizeof(anchor_rel), "%s/%s", set, anchor);
    setup s = {.tdx = tdx};
    setup_open(&s, set, json_string_value(json_object_get(exp, "collateral")), true,
               anchor ? anchor_rel : NULL);
    int64_t at = json_integer_value(json_object_get(exp, "at"));
    const vouch_result *r = run(&s, s.quote.data, s.quote.len, at, false);
    const char *want = json_string_value(json_object_get(exp, "status"));
    print_message("%s: %s %s %s\n", set, vouch_verdict_name(r->verdict), r->tcb_status,
                  r->error.msg);
    assert_string_equal(r->tcb_status, want);
    check_advisories(r, json_object_get(exp, "advisory_ids"));
    const vouch_claim *sv = vouch_result_find_claim(r, "dcap_signatures_valid");
    assert_non_null(sv);
    assert_true(sv->b); /* every vector's signatures are good, negatives included */
    bool not_supported = strcmp(want, "TcbNotSupported") == 0;
    if (not_supported) {
      /* No matching level: contraindicated, saying so, signatures valid. */
      assert_int_equal(r->error.code, VOUCH_E_TCB_NOT_SUPPORTED);
      assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
    } else {
      assert_int_equal(r->error.code, VOUCH_OK);
      vouch_tcb_status st;
      assert_int_equal(vouch_tcb_status_parse(want, strlen(want), &st), VOUCH_OK);
      assert_int_equal(r->verdict, vouch_verdict_for_tcb_status(st));
    }
    if (tdx) {
      assert_non_null(vouch_result_find_claim(r, "tdx_mrtd"));
      assert_non_null(vouch_result_find_claim(r, "tdx_rtmr3"));
      assert_non_null(vouch_result_find_claim(r, "dcap_tdx_module_id"));
      /* The same quote as SGX evidence: refused, not misread. */
      s.tdx = false;
      r = run(&s, s.quote.data, s.quote.len, at, false);
      assert_int_equal(r->error.code, VOUCH_E_UNSUPPORTED);
      s.tdx = true;
      r = run(&s, s.quote.data, s.quote.len, at, false);
    }
    assert_true(r->has_anchor);
    assert_true(r->num_items >= 9); /* quote + 8 collateral items recorded */

    /* The window: one day before it opens, one day after it closes. */
    int64_t from, until;
    assert_true(window_from_manifest(set, &from, &until));
    assert_true(from <= at && at <= until);
    r = run(&s, s.quote.data, s.quote.len, from - 86400, false);
    assert_int_equal(r->verdict, VOUCH_VERDICT_ERROR);
    assert_int_equal(r->error.code, VOUCH_E_NOT_YET_VALID);
    r = run(&s, s.quote.data, s.quote.len, until + 86400, false);
    assert_int_equal(r->verdict, VOUCH_VERDICT_ERROR);
    assert_int_equal(r->error.code, VOUCH_E_EXPIRED);
    assert_non_null(strstr(r->error.msg, "expired"));
    /* Intel's behaviour on request: the verdict stands, the flag is set. */
    r = run(&s, s.quote.data, s.quote.len, until + 86400, true);
    assert_int_equal(r->error.code, not_supported ? VOUCH_E_TCB_NOT_SUPPORTED : VOUCH_OK);
    assert_string_equal(r->tcb_status, want);
    const vouch_claim *c = vouch_result_find_claim(r, "dcap_collateral_expired");
    assert_non_null(c);
    assert_true(c->b);
    /* expected.json's own instants, where given. */
    json_t *exp_at = json_object_get(exp, "expired_at");
    if (exp_at) {
      r = run(&s, s.quote.data, s.quote.len, json_integer_value(exp_at), false);
      assert_int_equal(r->error.code, VOUCH_E_EXPIRED);
    }
    json_t *nyv_at = json_object_get(exp, "not_yet_valid_at");
    if (nyv_at) {
      r = run(&s, s.quote.data, s.quote.len, json_integer_value(nyv_at), false);
      assert_int_equal(r->error.code, VOUCH_E_NOT_YET_VALID);
    }
    setup_close(&s);
    checked++;
  }
  json_decref(root);
  assert_true(checked >= 2);
}

static void test_sgx_vectors_verdicts(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vectors_verdicts("sgx");
}

/* Every TDX set: the MANIFEST's status (TcbNotSupported ones as
 * contraindicated with the signatures valid), the windows, the flag. */
static void test_tdx_vectors_verdicts(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  vectors_verdicts("tdx");
}

/* Bit flips across the signed regions of a real TDX v4 quote: header, TD
 * report body, signature, attestation key, QE report and its signature, QE
 * auth data. */
static void test_tdx_bit_flips(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  setup s = {.tdx = true};
  setup_open(&s, "tdx/phala-dcap-qvl-tdx-v4", "collateral.json", true, NULL);
  const int64_t at = 1752919234;
  vouch_quote q;
  assert_int_equal(vouch_quote_parse(s.quote.data, s.quote.len, &q, NULL), VOUCH_OK);
  size_t signed_end = (size_t)(q.qe_auth - s.quote.data) + q.qe_auth_len;
  uint8_t *copy = malloc(s.quote.len);
  assert_non_null(copy);
  int flips = 0;
  for (size_t pos = 0; pos < signed_end; pos += 11) {
    memcpy(copy, s.quote.data, s.quote.len);
    copy[pos] ^= (uint8_t)(1u << (pos % 8));
    const vouch_result *r = run(&s, copy, s.quote.len, at, false);
    if (r->error.code == VOUCH_OK) fail_msg("TDX bit flip at offset %zu was not detected", pos);
    flips++;
  }
  /* The 70 bytes of zero padding after the signature data are not signed:
   * tolerated and reported. */
  memcpy(copy, s.quote.data, s.quote.len);
  copy[s.quote.len - 1] ^= 1;
  const vouch_result *r = run(&s, copy, s.quote.len, at, false);
  assert_int_equal(r->error.code, VOUCH_OK);
  const vouch_claim *t = vouch_result_find_claim(r, "quote_trailing_bytes");
  assert_non_null(t);
  assert_int_equal(t->i, 70);
  print_message("%d TDX bit flips, all rejected\n", flips);
  assert_true(flips >= 64);
  free(copy);
  setup_close(&s);
}

/* The Intel test sample chains to a TEST root with the real root's subject:
 * it must fail with the real root alone. */
static void test_synthetic_needs_its_root(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  setup s = {0};
  setup_open(&s, "sgx/intel-qvl-synthetic-sgx", "collateral.json", true, NULL);
  const vouch_result *r = run(&s, s.quote.data, s.quote.len, 1577836800, false);
  assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
  assert_true(r->error.code == VOUCH_E_UNTRUSTED_ROOT || r->error.code == VOUCH_E_SIGNATURE);
  assert_string_equal(r->tcb_status, "");
  setup_close(&s);
  /* And the real quote must fail when only the test root is trusted. */
  setup_open(&s, "sgx/phala-dcap-qvl-sgx-v3", "collateral.json", false,
             "sgx/intel-qvl-synthetic-sgx/test_root_ca.pem");
  r = run(&s, s.quote.data, s.quote.len, 1752919277, false);
  assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
  assert_true(r->error.code == VOUCH_E_UNTRUSTED_ROOT || r->error.code == VOUCH_E_SIGNATURE);
  setup_close(&s);
}

/* ---- tampered negatives ----------------------------------------------------- */

static void test_negatives(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  const char *set = "sgx/phala-dcap-qvl-sgx-v3";
  const int64_t at = 1752919277;
  static const struct {
    const char *quote, *collateral, *msg;
    vouch_status code;
  } kCases[] = {
      {"negative/quote_isv_reportdata_bitflip.dat", "collateral.json", "quote signature",
       VOUCH_E_SIGNATURE},
      {"negative/quote_qe_report_bitflip.dat", "collateral.json", "QE report signature",
       VOUCH_E_SIGNATURE},
      {NULL, "negative/collateral_tcbinfo_modified.json", "tcb_info signature", VOUCH_E_SIGNATURE},
      {NULL, "negative/collateral_qeidentity_modified.json", "qe_identity signature",
       VOUCH_E_SIGNATURE},
  };
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    setup s = {0};
    setup_open(&s, set, kCases[i].collateral, true, NULL);
    file_buf q = s.quote;
    file_buf alt = {0};
    if (kCases[i].quote) {
      char rel[512];
      snprintf(rel, sizeof(rel), "%s/%s", set, kCases[i].quote);
      alt = vec_read(rel);
      q = alt;
    }
    const vouch_result *r = run(&s, q.data, q.len, at, false);
    print_message("case %zu: %s\n", i, r->error.msg);
    assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
    assert_int_equal(r->error.code, kCases[i].code);
    assert_non_null(strstr(r->error.msg, kCases[i].msg));
    free(alt.data);
    setup_close(&s);
  }
}

/* Bit flips at >= 64 positions spread over the signed regions of the real
 * quote (header, report body, signature, attestation key, QE report, its
 * signature, QE auth data) and over the PCK leaf's base64: every one must
 * fail, none may be affirming or warning. */
static void test_bit_flips(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  setup s = {0};
  setup_open(&s, "sgx/phala-dcap-qvl-sgx-v3", "collateral.json", true, NULL);
  const int64_t at = 1752919277;
  vouch_quote q;
  assert_int_equal(vouch_quote_parse(s.quote.data, s.quote.len, &q, NULL), VOUCH_OK);
  size_t signed_end = (size_t)(q.qe_auth - s.quote.data) + q.qe_auth_len; /* 1046 */
  uint8_t *copy = malloc(s.quote.len);
  assert_non_null(copy);
  int flips = 0;
  for (size_t pos = 0; pos < signed_end; pos += 13) {
    memcpy(copy, s.quote.data, s.quote.len);
    copy[pos] ^= (uint8_t)(1u << (pos % 8));
    const vouch_result *r = run(&s, copy, s.quote.len, at, false);
    if (r->verdict == VOUCH_VERDICT_AFFIRMING || r->verdict == VOUCH_VERDICT_WARNING ||
        r->error.code == VOUCH_OK) {
      fail_msg("bit flip at offset %zu was not detected", pos);
    }
    flips++;
  }
  /* Inside the PEM body of the PCK leaf: base64 characters only. */
  size_t pem0 = (size_t)(q.cert_data - s.quote.data) + 28; /* after BEGIN line */
  for (size_t pos = pem0; pos < pem0 + 1200 && pos < s.quote.len; pos += 37) {
    uint8_t ch = s.quote.data[pos];
    bool b64 = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (!b64) continue;
    memcpy(copy, s.quote.data, s.quote.len);
    copy[pos] ^= 0x01;
    const vouch_result *r = run(&s, copy, s.quote.len, at, false);
    if (r->error.code == VOUCH_OK) fail_msg("PEM bit flip at offset %zu was not detected", pos);
    flips++;
  }
  print_message("%d bit flips, all rejected\n", flips);
  assert_true(flips >= 64);
  free(copy);
  setup_close(&s);
}

/* Truncation at every length and wrong collateral must give a clear error. */
static void test_truncations_and_wrong_collateral(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  setup s = {0};
  setup_open(&s, "sgx/phala-dcap-qvl-sgx-v3", "collateral.json", true, NULL);
  for (size_t len = 0; len < s.quote.len; len += (len < 1100 ? 1 : 97)) {
    const vouch_result *r = run(&s, s.quote.data, len, 1752919277, false);
    assert_int_equal(r->verdict, VOUCH_VERDICT_ERROR); /* cannot be evaluated */
    assert_int_not_equal(r->error.code, VOUCH_OK);
    assert_true(strlen(r->error.msg) > 10);
  }
  setup_close(&s);
  /* The synthetic sample's collateral with the real quote: FMSPC mismatch or
   * chain failure, never a verdict. */
  setup_open(&s, "sgx/phala-dcap-qvl-sgx-v3", "../intel-qvl-synthetic-sgx/collateral.json", true,
             "sgx/intel-qvl-synthetic-sgx/test_root_ca.pem");
  const vouch_result *r = run(&s, s.quote.data, s.quote.len, 1752919277, false);
  print_message("wrong collateral: %s\n", r->error.msg);
  assert_int_not_equal(r->error.code, VOUCH_OK);
  assert_true(r->verdict == VOUCH_VERDICT_ERROR || r->verdict == VOUCH_VERDICT_CONTRAINDICATED);
  setup_close(&s);
}

/* The TDX vectors' structure as the parser sees it. */
static void test_tdx_quotes_parse(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  static const char *const kSets[] = {
      "tdx/phala-dcap-qvl-tdx-v4", "tdx/phala-near-gastest-tdx-v4",
      "tdx/automata-tdx-v4-outofdate", "tdx/phala-dcap-qvl-tdx-v5-no-tcb-level",
      "tdx/go-tdx-guest-v4-tcb-not-supported"};
  for (size_t i = 0; i < sizeof(kSets) / sizeof(kSets[0]); i++) {
    char rel[512];
    snprintf(rel, sizeof(rel), "%s/quote.dat", kSets[i]);
    file_buf f = vec_read(rel);
    vouch_quote q;
    vouch_err err = {0};
    if (vouch_quote_parse(f.data, f.len, &q, &err) != VOUCH_OK) fail_msg("%s: %s", rel, err.msg);
    assert_int_equal(q.tee_type, VOUCH_TEE_TDX);
    assert_int_equal(q.cert_type, 5);
    assert_int_equal(q.outer_cert_type, 6);
    assert_int_equal(q.total_len + q.trailing_len, f.len);
    free(f.data);
  }
  /* The go-tdx-guest quote carries trailing text; the Phala v4 quote 70 zero bytes. */
  file_buf f = vec_read("tdx/phala-dcap-qvl-tdx-v4/quote.dat");
  vouch_quote q;
  assert_int_equal(vouch_quote_parse(f.data, f.len, &q, NULL), VOUCH_OK);
  assert_int_equal(q.trailing_len, 70);
  free(f.data);
}

int main(void) {
  vec_init("sgx_vectors", "expected.json");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sgx_vectors_verdicts),
      cmocka_unit_test(test_synthetic_needs_its_root),
      cmocka_unit_test(test_negatives),
      cmocka_unit_test(test_bit_flips),
      cmocka_unit_test(test_truncations_and_wrong_collateral),
      cmocka_unit_test(test_tdx_quotes_parse),
      cmocka_unit_test(test_tdx_vectors_verdicts),
      cmocka_unit_test(test_tdx_bit_flips),
  };
  return cmocka_run_group_tests_name("sgx_vectors", tests, NULL, NULL);
}
