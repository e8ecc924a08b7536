/* tests/fuzz/snp_report.c - libFuzzer target for the SEV-SNP report parser
 * and the HCL (Azure) wrapper.  Beyond "no crash": a failure carries its
 * status and a message; a success is exactly 1184 bytes, stable when
 * parsed again, and its decoded fields agree with the raw bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/snp/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vouch_snp_report r, again;
  vouch_err err = {0};
  vouch_status s = vouch_snp_report_parse(data, size, &r, &err);
  if (s != VOUCH_OK) {
    if (err.code != s || err.msg[0] == '\0') abort();
  } else {
    if (size != VOUCH_SNP_REPORT_LEN || r.raw != data) abort();
    if (r.version < 2 || r.version > 5 || r.signature_algo != 1) abort();
    if ((r.policy & VOUCH_SNP_POLICY_RESERVED_1) == 0) abort();
    if (memcmp(r.measurement, data + 0x90, 48) != 0) abort();
    uint64_t tcb = 0;
    for (int i = 7; i >= 0; i--) tcb = tcb << 8 | data[0x180 + i];
    if (r.reported_tcb.raw != tcb) abort();
    vouch_err_clear(&err);
    if (vouch_snp_report_parse(data, size, &again, &err) != VOUCH_OK) abort();
    if (memcmp(&r, &again, sizeof(r)) != 0) abort();
    /* every product layout decodes */
    for (int p = VOUCH_SNP_PRODUCT_UNKNOWN; p <= VOUCH_SNP_TURIN; p++) {
      vouch_snp_report_set_product(&again, (vouch_snp_product)p);
      char text[96];
      vouch_snp_tcb_format(&again.reported_tcb, text, sizeof(text));
    }
  }
  /* The same bytes as an HCL report. */
  vouch_snp_hcl hcl;
  vouch_err_clear(&err);
  s = vouch_snp_hcl_parse(data, size, &hcl, &err);
  if (s != VOUCH_OK) {
    if (err.code != s || err.msg[0] == '\0') abort();
    return 0;
  }
  if (hcl.report != data + VOUCH_SNP_HCL_REPORT_OFFSET) abort();
  if ((const uint8_t *)hcl.json != data + VOUCH_SNP_HCL_JSON_OFFSET) abort();
  if (VOUCH_SNP_HCL_JSON_OFFSET + (size_t)hcl.json_len > size) abort();
  return 0;
}
