/* tests/fuzz/pck_ext.c - libFuzzer target for vouch_pck_ext_parse (the SGX
 * extension value of PCK certificates).  Checks the contract beyond "no
 * crash": a failure carries its status and a message, and a success is
 * stable (parsing again yields the same struct). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/dcap/dcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vouch_pck_ext ext, again;
  vouch_err err = {0};
  vouch_status s = vouch_pck_ext_parse(data, size, &ext, &err);
  if (s != VOUCH_OK) {
    if (err.code != s || err.msg[0] == '\0') abort();
    return 0;
  }
  vouch_err_clear(&err);
  if (vouch_pck_ext_parse(data, size, &again, &err) != VOUCH_OK) abort();
  if (memcmp(&ext, &again, sizeof(ext)) != 0) abort();
  /* required fields present means the config flags are consistent */
  if (!ext.has_configuration &&
      (ext.has_dynamic_platform || ext.has_cached_keys || ext.has_smt_enabled)) {
    abort();
  }
  return 0;
}
