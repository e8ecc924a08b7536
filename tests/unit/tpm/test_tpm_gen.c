/* The generator (tools/gen/tpm.c) round trip: quotes from software AKs of
 * every scheme, over several banks, with an event log, verify affirming
 * end to end; the derived claims come out; the bare-signature form works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/gen/gen.h"
#include "verifiers/tpm/tpm.h"

static void round_trip(vouch_gen_tpm_scheme scheme, uint16_t hash, bool bare, const char *alg) {
  vouch_err err = {0};
  vouch_gen_tpm_key *ek = NULL, *ak = NULL;
  assert_int_equal(vouch_gen_tpm_ek_new(&ek, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_tpm_ak_new(scheme, hash, &ak, &err), VOUCH_OK);
  static const uint16_t kBanks[] = {VOUCH_TPM_ALG_SHA1, VOUCH_TPM_ALG_SHA256,
                                    VOUCH_TPM_ALG_SHA384};
  vouch_gen_tpm_pcrs *pcrs = malloc(sizeof(*pcrs));
  assert_non_null(pcrs);
  vouch_gen_tpm_log *log = NULL;
  assert_int_equal(vouch_gen_tpm_log_new(true, kBanks, 3, pcrs, &log, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_tpm_log_boot(log, true), VOUCH_OK);
  vouch_gen_tpm_quote_opts o;
  vouch_gen_tpm_quote_opts_default(&o);
  o.num_sel = 2;
  o.sel[0].hash_alg = VOUCH_TPM_ALG_SHA1;
  o.sel[0].mask = 0x81;
  o.sel[1].hash_alg = VOUCH_TPM_ALG_SHA256;
  o.sel[1].mask = 0x10FF; /* 0-7, 12 */
  o.pcrs = pcrs;
  o.ek = ek;
  o.bare_signature = bare;
  vouch_buf msg, sig, vals, pub, ekpub;
  vouch_buf_init(&msg, 0);
  vouch_buf_init(&sig, 0);
  vouch_buf_init(&vals, 0);
  vouch_buf_init(&pub, 0);
  vouch_buf_init(&ekpub, 0);
  assert_int_equal(vouch_gen_tpm_quote(ak, &o, &msg, &sig, &vals, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_tpm_key_public(ak, &pub), VOUCH_OK);
  assert_int_equal(vouch_gen_tpm_key_public(ek, &ekpub), VOUCH_OK);
  size_t log_len = 0;
  const uint8_t *log_bytes = vouch_gen_tpm_log_bytes(log, &log_len);
  vouch_tpm_selection sel;
  assert_int_equal(vouch_tpm_selection_parse("sha1:0,7+sha256:0,1,2,3,4,5,6,7,12", 34, &sel, &err),
                   VOUCH_OK);
  vouch_tpm_evidence ev = {.quote = (const uint8_t *)msg.data, .quote_len = msg.len,
                           .sig = (const uint8_t *)sig.data, .sig_len = sig.len,
                           .bare_hash_alg = hash,
                           .ak_pub = (const uint8_t *)pub.data, .ak_pub_len = pub.len,
                           .ek_pub = (const uint8_t *)ekpub.data, .ek_pub_len = ekpub.len,
                           .pcr_values = (const uint8_t *)vals.data, .pcr_values_len = vals.len,
                           .event_log = log_bytes, .event_log_len = log_len};
  vouch_tpm_opts opts = {.nonce = o.nonce, .nonce_len = o.nonce_len, .has_nonce = true,
                         .selection = &sel, .require_event_log = true,
                         .require_qualified_signer = true};
  vouch_result *r = malloc(sizeof(*r));
  assert_non_null(r);
  vouch_tpm_verify(&ev, &opts, r, NULL);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("%s: %s", alg, r->error.msg);
  const vouch_claim *c = vouch_result_find_claim(r, "tpm_sig_alg");
  assert_non_null(c);
  assert_int_equal(c->len, strlen(alg));
  assert_memory_equal(vouch_result_claim_bytes(r, c), alg, c->len);
  c = vouch_result_find_claim(r, "secureBootEnabled");
  assert_non_null(c);
  assert_true(c->b);
  c = vouch_result_find_claim(r, "bootDebuggingDisabled");
  assert_non_null(c);
  assert_true(c->b);
  assert_non_null(vouch_result_find_claim(r, "events")); /* a small log fits the arena */
  /* An event the quote's PCRs do not reflect: extend PCR 4 once more in
   * the log only. */
  assert_int_equal(vouch_gen_tpm_log_event(log, 4, 0x80000003, (const uint8_t *)"x", 1), VOUCH_OK);
  ev.event_log = vouch_gen_tpm_log_bytes(log, &ev.event_log_len);
  vouch_tpm_verify(&ev, &opts, r, NULL);
  assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
  assert_non_null(strstr(r->error.msg, "tpm: event log replay of PCR 4 (sha256) gives "));
  /* ...unless PCR 4 is left out of the replay check. */
  opts.replay_mask = 0xFFFFFF & ~(1u << 4);
  vouch_tpm_verify(&ev, &opts, r, NULL);
  assert_int_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
  free(r);
  free(pcrs);
  vouch_buf_free(&msg);
  vouch_buf_free(&sig);
  vouch_buf_free(&vals);
  vouch_buf_free(&pub);
  vouch_buf_free(&ekpub);
  vouch_gen_tpm_log_free(log);
  vouch_gen_tpm_key_free(ak);
  vouch_gen_tpm_key_free(ek);
}

static void test_rsassa(void **state) {
  (void)state;
  round_trip(VOUCH_GEN_TPM_RSASSA, 0, false, "rsassa-sha256");
  round_trip(VOUCH_GEN_TPM_RSASSA, VOUCH_TPM_ALG_SHA384, false, "rsassa-sha384");
  round_trip(VOUCH_GEN_TPM_RSASSA, VOUCH_TPM_ALG_SHA1, false, "rsassa-sha1");
}

static void test_rsassa_bare(void **state) {
  (void)state;
  round_trip(VOUCH_GEN_TPM_RSASSA, 0, true, "rsassa-sha256");
}

static void test_rsapss(void **state) {
  (void)state;
  round_trip(VOUCH_GEN_TPM_RSAPSS, 0, false, "rsapss-sha256");
}

static void test_ecdsa(void **state) {
  (void)state;
  round_trip(VOUCH_GEN_TPM_ECDSA_P256, 0, false, "ecdsa-sha256");
  round_trip(VOUCH_GEN_TPM_ECDSA_P384, VOUCH_TPM_ALG_SHA384, false, "ecdsa-sha384");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rsassa),
      cmocka_unit_test(test_rsassa_bare),
      cmocka_unit_test(test_rsapss),
      cmocka_unit_test(test_ecdsa),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
