/* tests/fuzz/jmespath.c - libFuzzer target for the JMESPath subset of the
 * policy module.  Input: the first line is the query, the rest the JSON
 * document (no newline: the whole input is the query, run on a small
 * fixed document).  On success the result must be valid JSON that reads
 * back and re-serializes to itself, and a second run must give the same
 * bytes; on failure the status must be one the API documents, recorded in
 * the error with a message, and nothing may be left in the output. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/jmespath.h"

static const char kDefaultDoc[] =
    "{\"Events\":[{\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\",\"ProcessedData\":"
    "{\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\",\"UnicodeName\":\"SecureBoot\","
    "\"VariableData\":\"AQ\"}},{\"EventTypeString\":\"EV_SEPARATOR\",\"n\":[1,2.5,[3]],"
    "\"s\":\"x\"}],\"a\":{\"b\":[{\"c\":1},{\"c\":null},{}]},\"t\":true}";

static bool expected_failure(vouch_status s) {
  return s == VOUCH_E_MALFORMED || s == VOUCH_E_UNSUPPORTED || s == VOUCH_E_LIMIT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  const char *nl = memchr(text, '\n', size);
  const char *query = text, *json = kDefaultDoc;
  size_t query_len = size, json_len = sizeof(kDefaultDoc) - 1;
  if (nl != NULL) {
    query_len = (size_t)(nl - text);
    json = nl + 1;
    json_len = size - query_len - 1;
  }
  /* Exact-size copies, so ASan sees any read past either end. */
  char *q = malloc(query_len + 1), *j = malloc(json_len + 1);
  if (q == NULL || j == NULL) abort();
  memcpy(q, query, query_len);
  memcpy(j, json, json_len);

  vouch_buf out, again;
  vouch_buf_init(&out, 1u << 20);
  vouch_buf_init(&again, 1u << 20);
  vouch_err err = {0}, err2 = {0};
  vouch_status s = vouch_jmespath(j, json_len, q, query_len, &out, &err);
  vouch_status s2 = vouch_jmespath(j, json_len, q, query_len, &again, &err2);
  if (s != s2) abort();
  if (s != VOUCH_OK) {
    if (!expected_failure(s) || err.code != s || err.msg[0] == '\0') abort();
    if (out.len != 0) abort();
  } else {
    if (out.len == 0 || out.len != again.len || memcmp(out.data, again.data, out.len) != 0) {
      abort();
    }
    json_error_t jerr;
    json_t *v = json_loadb(out.data, out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v == NULL) abort();
    json_decref(v);
    /* Running "@" over the result must give the result back unchanged:
     * the output is canonical (compact, order kept, numbers stable). */
    vouch_buf round;
    vouch_buf_init(&round, 1u << 21);
    vouch_err err3 = {0};
    if (vouch_jmespath(out.data, out.len, "@", 1, &round, &err3) != VOUCH_OK ||
        round.len != out.len || memcmp(round.data, out.data, out.len) != 0) {
      abort();
    }
    vouch_buf_free(&round);
  }
  vouch_buf_free(&out);
  vouch_buf_free(&again);
  free(q);
  free(j);
  return 0;
}
