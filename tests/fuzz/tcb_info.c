/* tests/fuzz/tcb_info.c - libFuzzer target for the TCB Info and enclave
 * identity parsers.  Every input goes to both.  On success the struct's
 * indices must stay inside its owned arrays (levels -> advisories, module
 * identities -> module levels); on failure it must come back zeroed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/dcap/dcap.h"

static void check_level(const vouch_tcb_level *lv, size_t num_adv, const vouch_advisory_id *adv) {
  if (lv->adv_first > num_adv || lv->adv_count > num_adv - lv->adv_first) abort();
  if ((unsigned)lv->status >= VOUCH_TCB_STATUS_COUNT) abort();
  for (size_t k = 0; k < lv->adv_count; k++) {
    size_t n = strnlen(adv[lv->adv_first + k], VOUCH_ADVISORY_MAX);
    if (n == 0 || n >= VOUCH_ADVISORY_MAX) abort();
  }
}

static void fuzz_tcb_info(const char *text, size_t size) {
  vouch_tcb_info ti;
  vouch_err err = {0};
  vouch_status s = vouch_tcb_info_parse(text, size, &ti, &err);
  if (s != VOUCH_OK) {
    if (err.code != s || err.msg[0] == '\0') abort();
    if (ti.levels != NULL || ti.advisories != NULL || ti.module_ids != NULL ||
        ti.module_levels != NULL) {
      abort();
    }
    return;
  }
  if (ti.version != 2 && ti.version != 3) abort();
  if (ti.num_levels == 0 || ti.num_levels > VOUCH_LIMIT_TCB_LEVELS) abort();
  for (size_t i = 0; i < ti.num_levels; i++) {
    check_level(&ti.levels[i], ti.num_advisories, ti.advisories);
  }
  for (size_t i = 0; i < ti.num_module_ids; i++) {
    const vouch_tdx_module_identity *m = &ti.module_ids[i];
    if (m->level_first > ti.num_module_levels ||
        m->level_count > ti.num_module_levels - m->level_first) {
      abort();
    }
  }
  for (size_t i = 0; i < ti.num_module_levels; i++) {
    check_level(&ti.module_levels[i], ti.num_advisories, ti.advisories);
  }
  vouch_tcb_info_cleanup(&ti);
  vouch_tcb_info_cleanup(&ti);
}

static void fuzz_qe_identity(const char *text, size_t size) {
  vouch_qe_identity qe;
  vouch_err err = {0};
  vouch_status s = vouch_qe_identity_parse(text, size, &qe, &err);
  if (s != VOUCH_OK) {
    if (err.code != s || err.msg[0] == '\0') abort();
    if (qe.levels != NULL || qe.advisories != NULL) abort();
    return;
  }
  if (qe.num_levels == 0 || qe.num_levels > VOUCH_LIMIT_TCB_LEVELS) abort();
  for (size_t i = 0; i < qe.num_levels; i++) {
    check_level(&qe.levels[i], qe.num_advisories, qe.advisories);
  }
  vouch_qe_identity_cleanup(&qe);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A heap copy of exactly |size| bytes, so ASAN catches any over-read of
   * the (not NUL-terminated) input. */
  char *text = malloc(size ? size : 1);
  if (text == NULL) return 0;
  memcpy(text, data, size);
  fuzz_tcb_info(text, size);
  fuzz_qe_identity(text, size);
  free(text);
  return 0;
}
