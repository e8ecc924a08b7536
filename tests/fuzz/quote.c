/* Fuzz target: the DCAP quote parser (v3/v4/v5).  Checks the parser's
 * invariants on everything it accepts. */
#include <stdlib.h>
#include <string.h>

#include "verifiers/dcap/dcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vouch_quote q;
  vouch_err err = {0};
  if (vouch_quote_parse(data, size, &q, &err) != VOUCH_OK) {
    if (err.code == VOUCH_OK || err.msg[0] == '\0') abort(); /* failures must say why */
    return 0;
  }
  if (q.total_len + q.trailing_len != size) abort();
  if (q.signed_len > q.total_len || q.signed_data != data) abort();
  if (q.cert_data_len > 0 && (q.cert_data < data || q.cert_data + q.cert_data_len > data + size)) {
    abort();
  }
  if (q.qe_report.raw == NULL || q.cert_type < 1 || q.cert_type > 5) abort();
  return 0;
}
