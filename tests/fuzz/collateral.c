/* Fuzz target: collateral bundle (collateral.json shape) and PCS body
 * splitting. */
#include <stdlib.h>

#include "verifiers/dcap/dcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vouch_dcap_collateral c;
  vouch_err err = {0};
  if (vouch_dcap_collateral_from_json((const char *)data, size, &c, &err) == VOUCH_OK) {
    if (c.tcb_info_signature.len != 64 || c.qe_identity_signature.len != 64) abort();
    vouch_dcap_collateral_cleanup(&c);
  }
  const char *obj;
  size_t obj_len;
  uint8_t sig[64];
  if (vouch_dcap_split_signed_body((const char *)data, size, "tcbInfo", &obj, &obj_len, sig,
                                   NULL) == VOUCH_OK) {
    if (obj < (const char *)data || obj + obj_len > (const char *)data + size) abort();
  }
  return 0;
}
