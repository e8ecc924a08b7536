/* tests/fuzz/vcek_ext.c - libFuzzer target for the VCEK/VLEK extension
 * parser (the certificate DER walk through the bounded cursor and the AMD
 * extensions) and for the SNP collateral recognizer (PEM, DER certificate
 * or CRL, extended-report certificate table).  A failure carries its
 * status and a message; a success is stable and within its bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/snp/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vouch_snp_cert_ext x, again;
  vouch_err err = {0};
  vouch_status s = vouch_snp_cert_ext_parse_der(data, size, &x, &err);
  if (s != VOUCH_OK) {
    if (err.code != s || err.msg[0] == '\0') abort();
  } else {
    if (x.has_hwid && x.hwid_len != 64 && x.hwid_len != 8) abort();
    if (x.has_product_name && strlen(x.product_name) >= sizeof(x.product_name)) abort();
    vouch_err_clear(&err);
    if (vouch_snp_cert_ext_parse_der(data, size, &again, &err) != VOUCH_OK) abort();
    if (memcmp(&x, &again, sizeof(x)) != 0) abort();
  }
  vouch_snp_collateral c = {0};
  vouch_err_clear(&err);
  s = vouch_snp_collateral_add(&c, data, size, &err);
  if (s != VOUCH_OK) {
    if (err.code != s || err.msg[0] == '\0' || c.num_certs != 0 || c.num_crls != 0) abort();
  } else if (c.num_certs + c.num_crls == 0 || c.num_certs > VOUCH_SNP_MAX_CERTS) {
    abort();
  }
  vouch_snp_collateral_cleanup(&c);
  return 0;
}
