/* Fuzz target: the TPM structures of a quote, through libtss2-mu and our
 * checks: TPMS_ATTEST, TPMT_SIGNATURE (and the bare form), TPM2B_PUBLIC /
 * TPMT_PUBLIC with the AK attribute check and the qualified name.  The
 * first byte picks the parser (seeds: tests/fuzz/seeds/tpm_attest.sh). */
#include <stdlib.h>
#include <string.h>

#include "verifiers/tpm/tpm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  setenv("TSS2_LOG", "all+none", 1); /* libtss2 logs every unmarshalling failure */
  return 0;
}

static void must_say_why(vouch_status s, const vouch_err *err) {
  if (s != VOUCH_OK && (err->code == VOUCH_OK || err->msg[0] == '\0')) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t which = data[0] % 4;
  data++;
  size--;
  vouch_err err = {0};
  if (which == 0) {
    vouch_tpm_attest a;
    vouch_status s = vouch_tpm_attest_parse(data, size, &a, &err);
    must_say_why(s, &err);
    if (s == VOUCH_OK) {
      if (a.magic != 0xFF544347u || a.type != 0x8018) abort();
      if (a.selection.num > VOUCH_TPM_MAX_SELECTIONS || a.pcr_digest_len > 64) abort();
      for (size_t i = 0; i < a.selection.num; i++) {
        if (a.selection.sel[i].mask >> VOUCH_TPM_NUM_PCRS) abort();
      }
      vouch_buf b;
      vouch_buf_init(&b, 4096);
      vouch_tpm_selection_format(&a.selection, &b);
      vouch_tpm_selection back;
      vouch_err e2 = {0};
      /* Round trip: the formatted selection parses to the same one. */
      if (b.len > 0 && (vouch_tpm_selection_parse(b.data, b.len, &back, &e2) != VOUCH_OK ||
                        !vouch_tpm_selection_equal(&back, &a.selection))) {
        abort();
      }
      vouch_buf_free(&b);
    }
  } else if (which == 1 || which == 2) {
    vouch_tpm_signature sig;
    vouch_status s = vouch_tpm_signature_parse(
        data, size, which == 1 ? VOUCH_TPM_SIG_AUTO : VOUCH_TPM_SIG_TPMT, 0, &sig, &err);
    must_say_why(s, &err);
    if (s == VOUCH_OK && (sig.sig_len > sizeof(sig.sig) || sig.r_len > 66 || sig.s_len > 66)) {
      abort();
    }
  } else {
    vouch_tpm_public p;
    vouch_status s = vouch_tpm_public_parse(data, size, &p, &err);
    must_say_why(s, &err);
    if (s == VOUCH_OK) {
      if (p.key == NULL || p.name_len < 22) abort();
      vouch_err e2 = {0};
      (void)vouch_tpm_public_check_ak(&p, &e2);
      uint8_t qn[VOUCH_TPM_MAX_NAME];
      size_t qn_len = 0;
      if (vouch_tpm_qualified_name(&p, &p, 0x4000000B, qn, &qn_len) != VOUCH_OK) abort();
      vouch_tpm_public_cleanup(&p);
    }
  }
  return 0;
}
