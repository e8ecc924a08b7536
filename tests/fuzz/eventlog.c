/* Fuzz target: TCG event logs (legacy and crypto-agile): the iterator, the
 * PCR replay, the TDX RTMR replay, and the "events" JSON document with its
 * EFI-variable and Windows SIPA decoding.  Logs are large and
 * attacker-controlled: everything must stay bounded and every failure must
 * say why.  Seeds: tests/fuzz/seeds/eventlog.sh (the vectors' real logs). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/tpm/tpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vouch_err err = {0};
  vouch_eventlog_iter it;
  size_t events = 0;
  if (vouch_eventlog_iter_init(&it, data, size, &err) == VOUCH_OK) {
    for (;;) {
      vouch_eventlog_event ev;
      bool has = false;
      vouch_err e2 = {0};
      if (vouch_eventlog_iter_next(&it, &ev, &has, &e2) != VOUCH_OK) {
        if (e2.msg[0] == '\0') abort();
        break;
      }
      if (!has) break;
      if (ev.data_len > size || ev.num_digests > VOUCH_TPM_MAX_LOG_ALGS) abort();
      if (ev.data_len && (ev.data < data || ev.data + ev.data_len > data + size)) abort();
      events++;
    }
  } else if (err.msg[0] == '\0') {
    abort();
  }
  static vouch_eventlog_replay rep;
  vouch_err e3 = {0};
  vouch_status s = vouch_eventlog_replay_log(data, size, &rep, &e3);
  if (s != VOUCH_OK && e3.msg[0] == '\0') abort();
  if (s == VOUCH_OK && rep.num_events != events) abort();
  uint8_t rtmr[4][48];
  vouch_err e4 = {0};
  if (vouch_eventlog_replay_rtmrs(data, size, rtmr, &e4) != VOUCH_OK && e4.msg[0] == '\0') abort();
  vouch_buf doc;
  vouch_buf_init(&doc, 0);
  vouch_tpm_derived dv;
  vouch_err e5 = {0};
  if (vouch_tpm_events_json(data, size, 0xFFFFFF, size & 1, &doc, &dv, &e5) == VOUCH_OK) {
    /* The document is valid JSON. */
    json_error_t je;
    json_t *j = json_loadb(doc.data, doc.len, 0, &je);
    if (j == NULL) abort();
    json_decref(j);
  } else if (e5.msg[0] == '\0') {
    abort();
  }
  vouch_buf_free(&doc);
  return 0;
}
