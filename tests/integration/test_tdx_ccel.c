/* TDX with its CCEL event log: the envelope's "event_log" is replayed into
 * RTMR0-3 (verifiers/tpm's replay, SHA-384, MR index i -> RTMR i-1) and must
 * give the TD quote's RTMRs; a changed event, or a quote whose RTMR differs,
 * gives a contraindicated result naming the RTMR; through the engine's
 * single-item path and its batched path alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "tools/gen/gen.h"
#include "gen_fixture.h"
#include "verifiers/tpm/tpm.h"

#define NOW 1751328000

typedef struct {
  gen_fixture fx; /* PKI, platform, anchors, collateral */
  vouch_buf log;
  uint8_t rtmr[4][48];
} fixture;

static fixture g;

static int setup(void **state) {
  (void)state;
  vouch_err err = {0};
  gen_fixture_init(&g.fx, NOW, 8, true);

  /* A CCEL: crypto-agile, one SHA-384 bank, events on MR indexes 1..4. */
  static const uint16_t kSha384[] = {0x000C};
  vouch_gen_tpm_pcrs pcrs;
  vouch_gen_tpm_log *log;
  assert_int_equal(vouch_gen_tpm_log_new(true, kSha384, 1, &pcrs, &log, &err), VOUCH_OK);
  for (uint32_t mr = 1; mr <= 4; mr++) {
    for (int k = 0; k < 3; k++) {
      char data[64];
      int n = snprintf(data, sizeof data, "td event %u.%d", mr, k);
      assert_int_equal(vouch_gen_tpm_log_event(log, mr, 0x80000001u + (uint32_t)k,
                                               (const uint8_t *)data, (size_t)n),
                       VOUCH_OK);
    }
  }
  size_t n = 0;
  const uint8_t *bytes = vouch_gen_tpm_log_bytes(log, &n);
  vouch_buf_append(&g.log, bytes, n);
  assert_int_equal(vouch_buf_status(&g.log), VOUCH_OK);
  vouch_gen_tpm_log_free(log);
  assert_int_equal(vouch_eventlog_replay_rtmrs((const uint8_t *)g.log.data, g.log.len, g.rtmr,
                                               &err),
                   VOUCH_OK);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  vouch_buf_free(&g.log);
  gen_fixture_cleanup(&g.fx);
  return 0;
}

/* verify builds a TD quote with |rtmr| and verifies it with |log| as the
 * envelope's event log, on the single-item path. */
static void verify(const uint8_t rtmr[4][48], const uint8_t *log, size_t log_len,
                   vouch_result *r) {
  vouch_gen_td_quote_opts q;
  vouch_gen_td_quote_opts_default(&q);
  memcpy(q.rtmr, rtmr, sizeof q.rtmr);
  vouch_buf quote = {0};
  assert_int_equal(vouch_gen_td_quote(g.fx.pl, &q, &quote), VOUCH_OK);
  vouch_envelope env;
  vouch_envelope_init(&env);
  env.type = VOUCH_EV_TDX;
  env.evidence = (const uint8_t *)quote.data;
  env.evidence_len = quote.len;
  env.event_log = log;
  env.event_log_len = log_len;
  vouch_run_config cfg = {.at = NOW, .anchors = g.fx.anchors, .collateral = &g.fx.coll};
  vouch_verify_one(&cfg, &env, r);
  vouch_buf_free(&quote);
}

static void test_ccel_matches(void **state) {
  (void)state;
  vouch_result *r = malloc(sizeof *r);
  verify((const uint8_t(*)[48])g.rtmr, (const uint8_t *)g.log.data, g.log.len, r);
  if (r->error.code != VOUCH_OK) fail_msg("%s", r->error.msg);
  assert_int_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
  const vouch_claim *c = vouch_result_find_claim(r, "tdx_event_log_replayed");
  assert_non_null(c);
  assert_true(c->b);
  free(r);
}

static void test_ccel_mismatch(void **state) {
  (void)state;
  vouch_result *r = malloc(sizeof *r);
  /* RTMR2 of the quote differs from the log's. */
  uint8_t other[4][48];
  memcpy(other, g.rtmr, sizeof other);
  other[2][0] ^= 1;
  verify((const uint8_t(*)[48])other, (const uint8_t *)g.log.data, g.log.len, r);
  assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
  assert_int_equal(r->error.code, VOUCH_E_BINDING);
  assert_non_null(strstr(r->error.msg, "RTMR 2"));
  /* A changed byte in the last event's digest: the replay differs. */
  uint8_t *log = malloc(g.log.len);
  memcpy(log, g.log.data, g.log.len);
  log[g.log.len - 20] ^= 1; /* inside the last event's data or digest */
  verify((const uint8_t(*)[48])g.rtmr, log, g.log.len, r);
  assert_int_not_equal(r->error.code, VOUCH_OK);
  assert_int_not_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
  /* Without a log the quote stands alone (no claim). */
  verify((const uint8_t(*)[48])g.rtmr, NULL, 0, r);
  assert_int_equal(r->error.code, VOUCH_OK);
  assert_null(vouch_result_find_claim(r, "tdx_event_log_replayed"));
  free(log);
  free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ccel_matches),
      cmocka_unit_test(test_ccel_mismatch),
  };
  return cmocka_run_group_tests_name("tdx_ccel", tests, setup, teardown);
}
