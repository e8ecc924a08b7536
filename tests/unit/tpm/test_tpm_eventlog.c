/* Event-log unit tests: legacy and crypto-agile parsing and replay on logs
 * made by tools/gen (StartupLocality, padding, every reject branch), the
 * TDX CCEL replay into RTMRs, the "events" document and the derived
 * booleans (only from authenticated events). */
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
#include "tools/gen/gen.h"
#include "verifiers/tpm/tpm.h"

static const uint16_t kBanks3[] = {VOUCH_TPM_ALG_SHA1, VOUCH_TPM_ALG_SHA256, VOUCH_TPM_ALG_SHA384};

static vouch_gen_tpm_log *boot_log(bool agile, vouch_gen_tpm_pcrs *pcrs, bool secure_boot) {
  vouch_gen_tpm_log *log = NULL;
  vouch_err err = {0};
  static const uint16_t kSha1[] = {VOUCH_TPM_ALG_SHA1};
  assert_int_equal(vouch_gen_tpm_log_new(agile, agile ? kBanks3 : kSha1, agile ? 3 : 1, pcrs, &log,
                                         &err),
                   VOUCH_OK);
  assert_int_equal(vouch_gen_tpm_log_boot(log, secure_boot), VOUCH_OK);
  return log;
}

static void check_replay(const uint8_t *d, size_t n, const vouch_gen_tpm_pcrs *want) {
  vouch_eventlog_replay *r = malloc(sizeof(*r));
  assert_non_null(r);
  vouch_err err = {0};
  if (vouch_eventlog_replay_log(d, n, r, &err) != VOUCH_OK) fail_msg("%s", err.msg);
  for (int i = 0; i < VOUCH_GEN_TPM_MAX_BANKS; i++) {
    if (want->hash_alg[i] == 0) continue;
    const vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_find(&r->pcrs, want->hash_alg[i]);
    assert_non_null(b);
    size_t len = vouch_tpm_hash_len(want->hash_alg[i]);
    for (int p = 0; p < 24; p++) assert_memory_equal(b->value[p], want->value[i][p], len);
  }
  free(r);
}

static void test_replay_agile_and_legacy(void **state) {
  (void)state;
  for (int agile = 0; agile <= 1; agile++) {
    vouch_gen_tpm_pcrs pcrs;
    vouch_gen_tpm_log *log = boot_log(agile, &pcrs, true);
    size_t n = 0;
    const uint8_t *d = vouch_gen_tpm_log_bytes(log, &n);
    check_replay(d, n, &pcrs);
    /* Trailing zero padding is ignored. */
    uint8_t *pad = calloc(1, n + 4096);
    assert_non_null(pad);
    memcpy(pad, d, n);
    check_replay(pad, n + 4096, &pcrs);
    /* Every truncation is an error, never a crash (except at an entry
     * boundary, which is a shorter valid log). */
    vouch_eventlog_iter it;
    vouch_err err = {0};
    assert_int_equal(vouch_eventlog_iter_init(&it, d, n, &err), VOUCH_OK);
    assert_int_equal(it.crypto_agile, agile);
    vouch_eventlog_replay *r = malloc(sizeof(*r));
    assert_non_null(r);
    for (size_t k = 0; k < n; k += 3) {
      vouch_err e = {0};
      if (vouch_eventlog_replay_log(pad, k, r, &e) != VOUCH_OK) assert_true(e.msg[0] != '\0');
    }
    free(r);
    free(pad);
    vouch_gen_tpm_log_free(log);
  }
}

static void test_startup_locality(void **state) {
  (void)state;
  vouch_gen_tpm_pcrs pcrs;
  vouch_gen_tpm_log *log = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_tpm_log_new(true, kBanks3 + 1, 1, &pcrs, &log, &err), VOUCH_OK);
  static const uint8_t kLoc[17] = "StartupLocality\0\3";
  assert_int_equal(vouch_gen_tpm_log_no_action(log, 0, kLoc, sizeof(kLoc)), VOUCH_OK);
  assert_int_equal(pcrs.value[0][0][31], 3);
  assert_int_equal(vouch_gen_tpm_log_event(log, 0, 0x8, (const uint8_t *)"v", 1), VOUCH_OK);
  size_t n = 0;
  const uint8_t *d = vouch_gen_tpm_log_bytes(log, &n);
  check_replay(d, n, &pcrs);
  vouch_eventlog_replay *r = malloc(sizeof(*r));
  assert_non_null(r);
  assert_int_equal(vouch_eventlog_replay_log(d, n, r, &err), VOUCH_OK);
  assert_int_equal(r->startup_locality, 3);
  /* A StartupLocality after PCR 0 was extended is malformed. */
  assert_int_equal(vouch_gen_tpm_log_event(log, 1, 0x8, (const uint8_t *)"v", 1), VOUCH_OK);
  uint8_t *twice = malloc(2 * n);
  assert_non_null(twice);
  d = vouch_gen_tpm_log_bytes(log, &n);
  memcpy(twice, d, n);
  /* Append a copy of the StartupLocality entry (header 32+4+2+32 bytes). */
  vouch_eventlog_iter it;
  assert_int_equal(vouch_eventlog_iter_init(&it, d, n, &err), VOUCH_OK);
  vouch_eventlog_event ev;
  bool has;
  assert_int_equal(vouch_eventlog_iter_next(&it, &ev, &has, &err), VOUCH_OK); /* header */
  assert_int_equal(vouch_eventlog_iter_next(&it, &ev, &has, &err), VOUCH_OK); /* locality */
  size_t entry = 4 + 4 + 4 + 2 + 32 + 4 + 17;
  memcpy(twice + n, d + ev.offset, entry);
  vouch_err e = {0};
  assert_int_equal(vouch_eventlog_replay_log(twice, n + entry, r, &e), VOUCH_E_MALFORMED);
  assert_non_null(strstr(e.msg, "StartupLocality"));
  free(twice);
  free(r);
  vouch_gen_tpm_log_free(log);
}

/* Hand-built crypto-agile logs for the reject branches. */
static size_t spec_log(uint8_t *out, uint32_t num_algs, uint16_t alg, uint16_t size) {
  size_t o = 0;
  memset(out, 0, 8 + 20);
  out[4] = 3; /* EV_NO_ACTION */
  o = 28;
  uint8_t spec[64] = "Spec ID Event03";
  size_t s = 16 + 4;
  spec[s++] = 0;
  spec[s++] = 2;
  spec[s++] = 0;
  spec[s++] = 2;
  spec[s++] = (uint8_t)num_algs;
  spec[s++] = 0;
  spec[s++] = 0;
  spec[s++] = 0;
  for (uint32_t i = 0; i < num_algs && i < 2; i++) {
    spec[s++] = (uint8_t)alg;
    spec[s++] = (uint8_t)(alg >> 8);
    spec[s++] = (uint8_t)size;
    spec[s++] = (uint8_t)(size >> 8);
  }
  spec[s++] = 0; /* vendor info */
  out[o++] = (uint8_t)s;
  out[o++] = 0;
  out[o++] = 0;
  out[o++] = 0;
  memcpy(out + o, spec, s);
  return o + s;
}

static void test_reject_branches(void **state) {
  (void)state;
  uint8_t log[512];
  vouch_eventlog_replay *r = malloc(sizeof(*r));
  assert_non_null(r);
  vouch_err e = {0};
  size_t n = spec_log(log, 1, VOUCH_TPM_ALG_SHA256, 32);
  assert_int_equal(vouch_eventlog_replay_log(log, n, r, &e), VOUCH_OK);
  assert_true(r->crypto_agile);
  assert_int_equal(r->num_events, 1);
  /* Wrong digest size for a known hash; zero algorithms; duplicate. */
  n = spec_log(log, 1, VOUCH_TPM_ALG_SHA256, 20);
  assert_int_equal(vouch_eventlog_replay_log(log, n, r, &e), VOUCH_E_MALFORMED);
  n = spec_log(log, 0, VOUCH_TPM_ALG_SHA256, 32);
  vouch_err_clear(&e);
  assert_int_equal(vouch_eventlog_replay_log(log, n, r, &e), VOUCH_E_MALFORMED);
  n = spec_log(log, 2, VOUCH_TPM_ALG_SHA256, 32);
  vouch_err_clear(&e);
  assert_int_equal(vouch_eventlog_replay_log(log, n, r, &e), VOUCH_E_MALFORMED);
  assert_non_null(strstr(e.msg, "twice"));
  /* An event with a digest of an algorithm not in the Spec ID. */
  n = spec_log(log, 1, VOUCH_TPM_ALG_SHA256, 32);
  uint8_t ev[] = {7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x04, 0x00};
  memcpy(log + n, ev, sizeof(ev));
  vouch_err_clear(&e);
  assert_int_equal(vouch_eventlog_replay_log(log, n + sizeof(ev) + 20, r, &e), VOUCH_E_MALFORMED);
  assert_non_null(strstr(e.msg, "not in the Spec ID"));
  /* An event missing a bank: zero digests but not EV_NO_ACTION. */
  uint8_t ev0[] = {7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  memcpy(log + n, ev0, sizeof(ev0));
  vouch_err_clear(&e);
  assert_int_equal(vouch_eventlog_replay_log(log, n + sizeof(ev0), r, &e), VOUCH_E_MALFORMED);
  assert_non_null(strstr(e.msg, "banks' digests"));
  /* Data running past the log. */
  uint8_t ev1[14 + 32 + 4] = {7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x0B, 0x00};
  ev1[14 + 32] = 0xff;
  memcpy(log + n, ev1, sizeof(ev1));
  vouch_err_clear(&e);
  assert_int_equal(vouch_eventlog_replay_log(log, n + sizeof(ev1), r, &e), VOUCH_E_TRUNCATED);
  /* Empty and oversized logs. */
  vouch_err_clear(&e);
  assert_int_not_equal(vouch_eventlog_replay_log(log, 0, r, &e), VOUCH_OK);
  vouch_err_clear(&e);
  assert_int_equal(vouch_eventlog_replay_log(log, VOUCH_TPM_MAX_EVENT_LOG + 1, r, &e),
                   VOUCH_E_LIMIT);
  free(r);
}

static void test_ccel_rtmrs(void **state) {
  (void)state;
  static const uint16_t kSha384[] = {VOUCH_TPM_ALG_SHA384};
  vouch_gen_tpm_pcrs pcrs;
  vouch_gen_tpm_log *log = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_tpm_log_new(true, kSha384, 1, &pcrs, &log, &err), VOUCH_OK);
  for (uint32_t mr = 1; mr <= 4; mr++) {
    char data[32];
    snprintf(data, sizeof(data), "rtmr event %u", mr);
    assert_int_equal(vouch_gen_tpm_log_event(log, mr, 0x80000007, (const uint8_t *)data,
                                             strlen(data)),
                     VOUCH_OK);
  }
  assert_int_equal(vouch_gen_tpm_log_event(log, 2, 0xD, (const uint8_t *)"kernel", 6), VOUCH_OK);
  size_t n = 0;
  const uint8_t *d = vouch_gen_tpm_log_bytes(log, &n);
  uint8_t rtmr[4][48];
  assert_int_equal(vouch_eventlog_replay_rtmrs(d, n, rtmr, &err), VOUCH_OK);
  for (int i = 0; i < 4; i++) assert_memory_equal(rtmr[i], pcrs.value[0][i + 1], 48);
  assert_int_equal(vouch_eventlog_check_rtmrs(d, n, (const uint8_t(*)[48])rtmr, &err), VOUCH_OK);
  rtmr[2][0] ^= 1;
  vouch_err e = {0};
  assert_int_equal(vouch_eventlog_check_rtmrs(d, n, (const uint8_t(*)[48])rtmr, &e),
                   VOUCH_E_BINDING);
  assert_non_null(strstr(e.msg, "tdx: event log replay of RTMR 2 gives "));
  /* MR index 0 (MRTD) or 5 cannot be extended. */
  assert_int_equal(vouch_gen_tpm_log_event(log, 5, 0x80000007, (const uint8_t *)"x", 1), VOUCH_OK);
  d = vouch_gen_tpm_log_bytes(log, &n);
  vouch_err_clear(&e);
  assert_int_equal(vouch_eventlog_replay_rtmrs(d, n, rtmr, &e), VOUCH_E_MALFORMED);
  assert_non_null(strstr(e.msg, "MR index 5"));
  vouch_gen_tpm_log_free(log);
  /* A log without SHA-384 is not a CCEL log. */
  vouch_gen_tpm_pcrs p2;
  vouch_gen_tpm_log *l2 = boot_log(false, &p2, true);
  d = vouch_gen_tpm_log_bytes(l2, &n);
  vouch_err_clear(&e);
  assert_int_equal(vouch_eventlog_replay_rtmrs(d, n, rtmr, &e), VOUCH_E_MALFORMED);
  vouch_gen_tpm_log_free(l2);
}

static json_t *events_doc(const uint8_t *d, size_t n, uint32_t mask, vouch_tpm_derived *dv) {
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_err err = {0};
  if (vouch_tpm_events_json(d, n, mask, false, &b, dv, &err) != VOUCH_OK) fail_msg("%s", err.msg);
  json_error_t je;
  json_t *j = json_loadb(b.data, b.len, 0, &je);
  assert_non_null(j);
  vouch_buf_free(&b);
  return j;
}

static void test_events_and_derived(void **state) {
  (void)state;
  for (int sb = 0; sb <= 1; sb++) {
    vouch_gen_tpm_pcrs pcrs;
    vouch_gen_tpm_log *log = boot_log(true, &pcrs, sb);
    size_t n = 0;
    const uint8_t *d = vouch_gen_tpm_log_bytes(log, &n);
    vouch_tpm_derived dv;
    json_t *j = events_doc(d, n, 0xFFFFFF, &dv);
    assert_true(dv.has[VOUCH_TPM_D_SECURE_BOOT]);
    assert_int_equal(dv.value[VOUCH_TPM_D_SECURE_BOOT], sb);
    assert_true(dv.has[VOUCH_TPM_D_BOOT_DEBUGGING_DISABLED]);
    assert_true(dv.value[VOUCH_TPM_D_BOOT_DEBUGGING_DISABLED]);
    assert_true(dv.value[VOUCH_TPM_D_CODE_INTEGRITY_ENABLED]);
    assert_true(dv.value[VOUCH_TPM_D_NOT_SAFE_MODE]);
    assert_true(dv.value[VOUCH_TPM_D_NOT_WIN_PE]);
    assert_false(dv.has[VOUCH_TPM_D_VBS_ENABLED]); /* the log says nothing about VBS */
    /* The shape the Azure policy example queries. */
    json_t *events = json_object_get(j, "Events");
    bool found = false;
    for (size_t i = 0; i < json_array_size(events); i++) {
      json_t *e = json_array_get(events, i);
      json_t *pd = json_object_get(e, "ProcessedData");
      if (pd && json_object_get(pd, "UnicodeName") &&
          strcmp(json_string_value(json_object_get(pd, "UnicodeName")), "SecureBoot") == 0) {
        assert_string_equal(json_string_value(json_object_get(e, "EventTypeString")),
                            "EV_EFI_VARIABLE_DRIVER_CONFIG");
        assert_string_equal(json_string_value(json_object_get(pd, "VariableGuid")),
                            "8BE4DF61-93CA-11D2-AA0D-00E098032B8C");
        assert_string_equal(json_string_value(json_object_get(pd, "VariableData")),
                            sb ? "AQ" : "AA");
        assert_int_equal(json_integer_value(json_object_get(e, "PcrIndex")), 7);
        found = true;
      }
      if (json_integer_value(json_object_get(e, "PcrIndex")) == 12) {
        json_t *tb = json_object_get(pd, "EVENT_TRUSTBOUNDARY");
        assert_non_null(tb);
        assert_true(json_is_false(json_object_get(tb, "EVENT_BOOTDEBUGGING")));
        assert_int_equal(json_integer_value(json_object_get(tb, "EVENT_APPLICATION_SVN")), 1);
      }
    }
    assert_true(found);
    json_decref(j);
    /* PCR 7 not covered: no SecureBoot events, nothing derived from it. */
    j = events_doc(d, n, 0xFFFFFF & ~(1u << 7), &dv);
    assert_false(dv.has[VOUCH_TPM_D_SECURE_BOOT]);
    json_decref(j);
    /* Tampered data of the SecureBoot event: digests unchanged, the data
     * no longer hashes to them; not decoded, not derived. */
    uint8_t *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, d, n);
    vouch_eventlog_iter it;
    vouch_err err = {0};
    assert_int_equal(vouch_eventlog_iter_init(&it, copy, n, &err), VOUCH_OK);
    vouch_eventlog_event ev;
    bool has = true;
    while (has) {
      assert_int_equal(vouch_eventlog_iter_next(&it, &ev, &has, &err), VOUCH_OK);
      if (has && ev.type == 0x80000001) break;
    }
    assert_true(has);
    size_t at = (size_t)(ev.data - copy) + ev.data_len - 1; /* the value byte */
    copy[at] ^= 1;
    j = events_doc(copy, n, 0xFFFFFF, &dv);
    assert_false(dv.has[VOUCH_TPM_D_SECURE_BOOT]);
    json_decref(j);
    free(copy);
    vouch_gen_tpm_log_free(log);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_agile_and_legacy),
      cmocka_unit_test(test_startup_locality),
      cmocka_unit_test(test_reject_branches),
      cmocka_unit_test(test_ccel_rtmrs),
      cmocka_unit_test(test_events_and_derived),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
