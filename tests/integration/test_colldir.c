/* The collateral directory: PCS bodies, DER CRLs and PEM chains imported
 * one file at a time, several versions of the TCB Info, and "as of"
 * selection (the newest version valid at the instant). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "tools/gen/gen.h"

#define NOW 1751328000 /* 2025-07-01T00:00:00Z */
#define DAY 86400

static void ok(vouch_status s, const vouch_err *err, const char *what) {
  if (s != VOUCH_OK) fail_msg("%s: %s %s", what, vouch_status_name(s), err ? err->msg : "");
}

static void import_bytes(const char *dir, const void *data, size_t len) {
  size_t n = 0;
  vouch_err err = {0};
  ok(vouch_colldir_import(dir, data, len, &n, &err), &err, "import");
  assert_true(n >= 1);
}

static void import_buf(const char *dir, vouch_buf *b) {
  import_bytes(dir, b->data, b->len);
  vouch_buf_reset(b);
}

static const vouch_result *verify_at(const char *dir, const vouch_buf *quote,
                                     const vouch_buf *anchor, int64_t at, vouch_result *r) {
  vouch_err err = {0};
  struct vouch_colldir *d = NULL;
  ok(vouch_colldir_open(dir, &d, &err), &err, "open");
  vouch_dcap_source src = vouch_colldir_source(d);
  struct vouch_anchors *anchors = vouch_anchors_new();
  ok(vouch_anchors_add_pem(anchors, anchor->data, anchor->len, &err), &err, "anchor");
  vouch_sgx_opts o = {.dcap = {.at = at, .anchors = anchors}};
  vouch_sgx_verify((const uint8_t *)quote->data, quote->len, NULL, &src, &o, r);
  vouch_anchors_free(anchors);
  vouch_colldir_free(d);
  return r;
}

static void test_versions_as_of(void **state) {
  (void)state;
  char dir[] = "/tmp/vouch-colldir-XXXXXX";
  assert_non_null(mkdtemp(dir));
  vouch_err err = {0};
  vouch_gen_pki_opts po = {.now = NOW, .seed = 3};
  vouch_gen_pki *pki;
  ok(vouch_gen_pki_new(&po, &pki, &err), &err, "pki");
  vouch_gen_platform_opts plo;
  vouch_gen_platform_opts_default(&plo);
  vouch_gen_platform *pl;
  ok(vouch_gen_platform_new(pki, &plo, &pl, &err), &err, "platform");

  /* Two TCB Info versions: #10 (the platform is UpToDate) valid NOW-14d ..
   * NOW-5d, then #11 after a TCB recovery (the platform is OutOfDate) valid
   * from NOW-3d. */
  vouch_gen_tcb_info_opts to;
  vouch_gen_tcb_info_opts_default(&to, pl, "UpToDate");
  to.tcb_evaluation_data_number = 10;
  to.issue_date = NOW - 14 * DAY;
  to.next_update = NOW - 5 * DAY;
  vouch_gen_tcb_info *ti10, *ti11;
  ok(vouch_gen_tcb_info_new(pki, &to, &ti10, &err), &err, "tcb 10");
  vouch_gen_tcb_info_opts_default(&to, pl, "OutOfDate");
  to.tcb_evaluation_data_number = 11;
  to.issue_date = NOW - 3 * DAY;
  to.next_update = NOW + 27 * DAY;
  ok(vouch_gen_tcb_info_new(pki, &to, &ti11, &err), &err, "tcb 11");
  vouch_gen_qe_identity_opts qo;
  vouch_gen_qe_identity_opts_default(&qo);
  qo.issue_date = NOW - 20 * DAY;
  qo.next_update = NOW + 20 * DAY;
  vouch_gen_qe_identity *qe;
  ok(vouch_gen_qe_identity_new(pki, &qo, &qe, &err), &err, "qe");

  /* Import each item as its own file, the way PCS serves them. */
  vouch_buf b = {0};
  ok(vouch_gen_tcb_info_pcs_json(ti10, &b), NULL, "pcs 10");
  import_buf(dir, &b);
  ok(vouch_gen_tcb_info_pcs_json(ti11, &b), NULL, "pcs 11");
  import_buf(dir, &b);
  ok(vouch_gen_qe_identity_pcs_json(qe, &b), NULL, "pcs qe");
  import_buf(dir, &b);
  static const vouch_gen_pki_item kCrls[] = {VOUCH_GEN_ROOT_CRL, VOUCH_GEN_PROCESSOR_CRL,
                                             VOUCH_GEN_PLATFORM_CRL};
  for (size_t i = 0; i < 3; i++) {
    const uint8_t *der;
    size_t len;
    ok(vouch_gen_pki_crl_der(pki, kCrls[i], &der, &len), NULL, "crl");
    import_bytes(dir, der, len);
  }
  ok(vouch_gen_pki_chain_pem(pki, VOUCH_GEN_TCB_SIGNING, &b), NULL, "chain");
  import_buf(dir, &b);
  ok(vouch_gen_pki_chain_pem(pki, VOUCH_GEN_PROCESSOR_CA, &b), NULL, "chain");
  import_buf(dir, &b);
  /* Importing the same file twice is harmless (same path, same bytes). */
  ok(vouch_gen_tcb_info_pcs_json(ti11, &b), NULL, "pcs 11");
  import_buf(dir, &b);

  char path[256];
  snprintf(path, sizeof(path), "%s/intel/sgx/tcbinfo/%s/11.json", dir, "00A067110000");
  vouch_buf quote = {0}, anchor = {0};
  vouch_gen_quote_opts q;
  vouch_gen_quote_opts_default(&q);
  ok(vouch_gen_quote(pl, &q, &quote), NULL, "quote");
  ok(vouch_gen_pki_root_pem(pki, &anchor), NULL, "anchor");
  vouch_result *r = malloc(sizeof(*r));

  /* Now: #11 applies, the platform is out of date. */
  verify_at(dir, &quote, &anchor, NOW, r);
  assert_string_equal(r->tcb_status, "OutOfDate");
  const vouch_claim *c = vouch_result_find_claim(r, "dcap_tcb_evaluation_data_number");
  assert_non_null(c);
  assert_int_equal(c->i, 11);
  /* Ten days ago: #10 was the valid one, the platform was up to date. */
  verify_at(dir, &quote, &anchor, NOW - 10 * DAY, r);
  assert_string_equal(r->tcb_status, "UpToDate");
  c = vouch_result_find_claim(r, "dcap_tcb_evaluation_data_number");
  assert_int_equal(c->i, 10);
  assert_int_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
  /* Four days ago: #10 had expired and #11 was not yet issued. */
  verify_at(dir, &quote, &anchor, NOW - 4 * DAY, r);
  assert_int_equal(r->verdict, VOUCH_VERDICT_ERROR);
  assert_int_equal(r->error.code, VOUCH_E_EXPIRED);
  assert_non_null(strstr(r->error.msg, "tcb_info"));
  /* Before anything was issued: missing, FMSPC named. */
  verify_at(dir, &quote, &anchor, NOW - 40 * DAY, r);
  assert_int_equal(r->error.code, VOUCH_E_COLLATERAL_MISSING);
  assert_non_null(strstr(r->error.msg, "00a067110000"));

  free(r);
  vouch_buf_free(&b);
  vouch_buf_free(&quote);
  vouch_buf_free(&anchor);
  vouch_gen_qe_identity_free(qe);
  vouch_gen_tcb_info_free(ti10);
  vouch_gen_tcb_info_free(ti11);
  vouch_gen_platform_free(pl);
  vouch_gen_pki_free(pki);
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

static void test_import_rejects(void **state) {
  (void)state;
  char dir[] = "/tmp/vouch-colldir-XXXXXX";
  assert_non_null(mkdtemp(dir));
  size_t n = 0;
  vouch_err err = {0};
  static const char *const kBad[] = {
      "{\"hello\":1}",                                  /* JSON of no known kind */
      "{\"tcbInfo\":{\"id\":\"SGX\"},\"signature\":\"00\"}", /* bad signature length */
      "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
      "\x30\x03\x02\x01\x01", /* DER, but not a CRL */
      "",
  };
  for (size_t i = 0; i < sizeof(kBad) / sizeof(kBad[0]); i++) {
    vouch_err_clear(&err);
    vouch_status s = vouch_colldir_import(dir, (const uint8_t *)kBad[i], strlen(kBad[i]), &n, &err);
    if (s == VOUCH_OK) fail_msg("import of bad input %zu succeeded", i);
    assert_int_equal(n, 0);
    assert_true(strlen(err.msg) > 0);
  }
  /* An empty directory is an error that says what to do. */
  struct vouch_colldir *d = NULL;
  vouch_err_clear(&err);
  assert_int_equal(vouch_colldir_open(dir, &d, &err), VOUCH_E_COLLATERAL_MISSING);
  assert_non_null(strstr(err.msg, "vouch collateral import"));
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_versions_as_of),
      cmocka_unit_test(test_import_rejects),
  };
  return cmocka_run_group_tests_name("colldir", tests, NULL, NULL);
}
