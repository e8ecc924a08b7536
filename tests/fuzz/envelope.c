/* Fuzz target: the per-item envelope scanner and the JSON span scanner it
 * is built on.  Every object value the scanner hands out must itself scan
 * cleanly (spans are always well-formed). */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

static void walk(const char *text, size_t len, int depth) {
  vouch_json_members it;
  vouch_json_members_init(&it, text, len);
  for (;;) {
    vouch_json_member m;
    bool has;
    if (vouch_json_members_next(&it, &m, &has, NULL) != VOUCH_OK) {
      if (depth > 0) abort(); /* a span we handed out must re-scan */
      return;
    }
    if (!has) return;
    if (m.type == VOUCH_JSON_T_OBJECT && depth < 4) walk(m.value, m.value_len, depth + 1);
    if (m.type == VOUCH_JSON_T_STRING) {
      char out[512];
      size_t n;
      (void)vouch_json_unescape(m.value, m.value_len, out, sizeof(out), &n);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  walk((const char *)data, size, 0);
  vouch_envelope env;
  vouch_envelope_init(&env);
  vouch_err err = {0};
  if (vouch_envelope_parse((const char *)data, size, &env, &err) == VOUCH_OK) {
    if (env.evidence == NULL || env.evidence_len == 0) abort();
    if (env.has_id && strlen(env.id) > env.id_len) abort();
  } else if (err.msg[0] == '\0') {
    abort();
  }
  vouch_envelope_cleanup(&env);
  return 0;
}
