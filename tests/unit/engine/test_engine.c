/* Unit tests for engine/: the envelope scanner (every reject branch) and
 * the bulk run's accounting (counts in == counts out, over-long lines,
 * CRLF, missing final newline, blank lines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "engine/vouch.h"

static vouch_status parse(const char *line, vouch_envelope *env, vouch_err *err) {
  vouch_err_clear(err);
  return vouch_envelope_parse(line, strlen(line), env, err);
}

static void test_envelope_full(void **state) {
  (void)state;
  vouch_envelope env;
  vouch_envelope_init(&env);
  vouch_err err;
  const char *line =
      "{\"id\":\"q-\\u00e9\",\"type\":\"sgx\",\"evidence\":\"AQID\",\"nonce\":\"abc\","
      "\"at\":\"2025-07-19T10:01:17Z\",\"runtime_data\":{\"data\":\"aGk\",\"data_type\":\"json\"},"
      "\"init_data\":{\"data\":\"AQID\",\"data_type\":\"binary\"},"
      "\"collateral\":{\"a\":[1]},\"unknown\":{\"ignored\":true}}";
  assert_int_equal(parse(line, &env, &err), VOUCH_OK);
  assert_true(env.has_id);
  assert_string_equal(env.id, "q-\xc3\xa9");
  assert_int_equal(env.type, VOUCH_EV_SGX);
  assert_int_equal(env.evidence_len, 3);
  assert_memory_equal(env.evidence, "\x01\x02\x03", 3);
  assert_true(env.has_runtime_data && env.runtime_data_is_json);
  assert_int_equal(env.runtime_data_len, 2);
  assert_memory_equal(env.runtime_data, "hi", 2);
  assert_true(env.has_init_data && !env.init_data_is_json);
  assert_int_equal(env.init_data_len, 3);
  assert_memory_equal(env.init_data, "\x01\x02\x03", 3);
  assert_true(env.has_at);
  assert_int_equal(env.at, 1752919277);
  assert_string_equal(env.nonce, "abc");
  assert_int_equal(env.collateral_len, strlen("{\"a\":[1]}"));
  /* Numbers for id and at; standard base64 with padding. */
  assert_int_equal(parse("{\"id\":42,\"type\":\"tdx\",\"evidence\":\"AQI=\",\"at\":1752919277}",
                         &env, &err),
                   VOUCH_OK);
  assert_string_equal(env.id, "42");
  assert_int_equal(env.type, VOUCH_EV_TDX);
  assert_int_equal(env.at, 1752919277);
  assert_int_equal(env.evidence_len, 2);
  assert_null(env.collateral);
  vouch_envelope_cleanup(&env);
}

static void test_envelope_rejects(void **state) {
  (void)state;
  static const struct {
    const char *line;
    vouch_status code;
    const char *msg;
  } kCases[] = {
      {"{\"evidence\":\"AQID\"}", VOUCH_E_MALFORMED, "\"type\" is missing"},
      {"{\"type\":\"sgx\"}", VOUCH_E_MALFORMED, "\"evidence\" is missing"},
      {"{\"type\":\"sgx\",\"evidence\":\"\"}", VOUCH_E_MALFORMED, "empty"},
      {"{\"type\":\"sgx\",\"evidence\":\"A@ID\"}", VOUCH_E_BASE64, "base64"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQ\\u0049D\"}", VOUCH_E_MALFORMED, "escapes"},
      {"{\"type\":\"sgx\",\"evidence\":5}", VOUCH_E_MALFORMED, "must be a string"},
      {"{\"type\":\"sev\",\"evidence\":\"AQID\"}", VOUCH_E_UNSUPPORTED, "unknown \"type\""},
      {"{\"type\":\"sgx\",\"type\":\"sgx\",\"evidence\":\"AQID\"}", VOUCH_E_MALFORMED, "duplicate"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"at\":\"yesterday\"}", VOUCH_E_TIME, "\"at\""},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"at\":true}", VOUCH_E_MALFORMED, "\"at\""},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"runtime_data\":\"x\"}", VOUCH_E_MALFORMED,
       "runtime_data"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"runtime_data\":{}}", VOUCH_E_MALFORMED,
       "no \"data\""},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"runtime_data\":{\"data\":\"AQ\",\"data_type\":"
       "\"xml\"}}",
       VOUCH_E_MALFORMED, "data_type"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"init_data\":{\"data\":\"AQ\",\"data_type\":"
       "\"xml\"}}",
       VOUCH_E_MALFORMED, "init_data.data_type"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"init_data\":[]}", VOUCH_E_MALFORMED,
       "\"init_data\" must be an object"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"init_data\":{\"data\":\"AQ\"},\"init_data\":"
       "{\"data\":\"AQ\"}}",
       VOUCH_E_MALFORMED, "duplicate"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"init_data\":{\"data\":\"A@\"}}", VOUCH_E_BASE64,
       "init_data.data"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"collateral\":\"x\"}", VOUCH_E_MALFORMED,
       "collateral"},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\",\"id\":[1]}", VOUCH_E_MALFORMED, "\"id\""},
      {"{\"type\":\"sgx\",\"evidence\":\"AQID\"", VOUCH_E_JSON, "json"},
      {"[1,2]", VOUCH_E_JSON, "expected '{'"},
      {"", VOUCH_E_JSON, "expected '{'"},
  };
  vouch_envelope env;
  vouch_envelope_init(&env);
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    vouch_err err;
    vouch_status s = parse(kCases[i].line, &env, &err);
    if (s != kCases[i].code || strstr(err.msg, kCases[i].msg) == NULL) {
      fail_msg("case %zu (%s): got %s '%s'", i, kCases[i].line, vouch_status_name(s), err.msg);
    }
  }
  /* Evidence beyond the size limit is refused before decoding. */
  size_t big = 400 * 1024;
  char *huge = malloc(big + 64);
  assert_non_null(huge);
  int n = snprintf(huge, 64, "{\"type\":\"sgx\",\"evidence\":\"");
  memset(huge + n, 'A', big);
  strcpy(huge + n + big, "\"}");
  vouch_err lim;
  assert_int_equal(parse(huge, &env, &lim), VOUCH_E_LIMIT);
  assert_non_null(strstr(lim.msg, "larger than"));
  free(huge);
  /* An id over the limit. */
  char line[600];
  snprintf(line, sizeof(line), "{\"id\":\"%0300d\",\"type\":\"sgx\",\"evidence\":\"AQID\"}", 0);
  vouch_err err;
  assert_int_equal(parse(line, &env, &err), VOUCH_E_MALFORMED);
  vouch_envelope_cleanup(&env);
}

/* run_on feeds |input| to the engine (through a file, as `vouch verify`
 * does) and returns the output. */
static char *run_on(const char *input, size_t len, size_t max_line, vouch_engine_stats *st) {
  char in_path[] = "/tmp/vouch-engine-in-XXXXXX", out_path[] = "/tmp/vouch-engine-out-XXXXXX";
  int in_fd = mkstemp(in_path), out_fd = mkstemp(out_path);
  assert_true(in_fd >= 0 && out_fd >= 0);
  assert_int_equal(write(in_fd, input, len), (ssize_t)len);
  struct vouch_anchors *anchors = vouch_anchors_new();
  vouch_engine_config cfg = {.at = 1752919277, .anchors = anchors, .max_line = max_line,
                             .jobs = 2, .batch = 2, .ordered = true};
  vouch_err err = {0};
  struct vouch_engine *e = vouch_engine_new(&cfg, &err);
  assert_non_null(e);
  vouch_engine_input in = {.name = "test", .fd = in_fd, .size = (int64_t)len};
  assert_int_equal(vouch_engine_run(e, &in, 1, out_fd, 0, st, &err), VOUCH_OK);
  vouch_engine_free(e);
  vouch_anchors_free(anchors);
  off_t n = lseek(out_fd, 0, SEEK_END);
  char *out = calloc(1, (size_t)n + 1);
  assert_int_equal(pread(out_fd, out, (size_t)n, 0), n);
  close(in_fd);
  close(out_fd);
  unlink(in_path);
  unlink(out_path);
  return out;
}

static size_t count_char(const char *s, char c) {
  size_t n = 0;
  for (; *s; s++) n += *s == c;
  return n;
}

static void test_run_counts(void **state) {
  (void)state;
  const char *input =
      "{\"id\":\"a\",\"type\":\"sgx\",\"evidence\":\"AQID\"}\r\n"
      "\n"
      "   \n"
      "garbage\n"
      "{\"id\":\"b\",\"type\":\"tpm\",\"evidence\":\"AQID\"}\n"
      "{\"id\":\"c\",\"type\":\"sgx\",\"evidence\":\"AQID\"}"; /* no final newline */
  vouch_engine_stats st;
  char *out = run_on(input, strlen(input), 0, &st);
  assert_int_equal(st.items, 4);
  assert_int_equal(count_char(out, '\n'), 4);
  assert_int_equal(st.by_verdict[VOUCH_VERDICT_ERROR], 4);
  assert_non_null(strstr(out, "\"id\":\"a\""));
  assert_non_null(strstr(out, "\"id\":\"c\""));
  assert_non_null(strstr(out, "line 4:")); /* the garbage line is named */
  /* TPM evidence is a JSON object: a base64 string is refused by name. */
  assert_non_null(strstr(out, "tpm \\\"evidence\\\" must be an object"));
  free(out);
}

/* A line longer than the whole read buffer is skipped to its newline,
 * reported once, and the lines around it are processed. */
static void test_run_overlong(void **state) {
  (void)state;
  const size_t big = (3u << 20) + 17;
  const char *head = "{\"id\":\"before\",\"type\":\"sgx\",\"evidence\":\"AQID\"}\n";
  const char *tail = "\n{\"id\":\"after\",\"type\":\"sgx\",\"evidence\":\"AQID\"}\n";
  size_t len = strlen(head) + big + strlen(tail);
  char *input = malloc(len + 1);
  assert_non_null(input);
  strcpy(input, head);
  memset(input + strlen(head), 'x', big);
  strcpy(input + strlen(head) + big, tail);
  vouch_engine_stats st;
  char *out = run_on(input, len, 4096, &st);
  assert_int_equal(st.items, 3);
  assert_int_equal(count_char(out, '\n'), 3);
  assert_non_null(strstr(out, "\"id\":\"before\""));
  assert_non_null(strstr(out, "line 2: longer than the limit of 4096 bytes"));
  assert_non_null(strstr(out, "\"id\":\"after\""));
  free(out);
  /* Just over the limit, within one buffer. */
  memset(input, 'y', 5000);
  input[5000] = '\n';
  out = run_on(input, 5001, 4096, &st);
  assert_int_equal(st.items, 1);
  assert_non_null(strstr(out, "longer than the limit"));
  free(out);
  free(input);
}

/* Differential check against jansson: envelopes with every field, then
 * each with one byte changed.  Where jansson says the line is not JSON the
 * scanner must refuse it; where both accept it, they must read the same id,
 * type and evidence bytes. */
static void test_envelope_vs_jansson(void **state) {
  (void)state;
  static const char *const kLines[] = {
      "{\"id\":\"q-1\",\"type\":\"sgx\",\"evidence\":\"AQIDBAUG\",\"at\":1752919277}",
      " {\"type\":\"tdx\", \"id\":\"a\\\"b\\u00e9\",\"evidence\":\"_-8=\",\"nonce\":\"n\"} ",
      "{\"id\":\"x\",\"type\":\"sgx\",\"evidence\":\"AQID\",\"runtime_data\":{\"data\":\"aGk\","
      "\"data_type\":\"binary\"},\"collateral\":{\"k\":[1,2,{\"z\":null}]},\"extra\":[true]}",
  };
  static const char kMutations[] = "{}[]\",:\\ 0a-_=";
  vouch_envelope env;
  vouch_envelope_init(&env);
  size_t agreed = 0, refused = 0;
  for (size_t l = 0; l < sizeof(kLines) / sizeof(kLines[0]); l++) {
    size_t len = strlen(kLines[l]);
    char *line = malloc(len + 1);
    for (size_t pos = 0; pos <= len; pos++) {
      for (size_t m = 0; m < sizeof(kMutations); m++) {
        memcpy(line, kLines[l], len + 1);
        if (pos < len) {
          if (m == sizeof(kMutations) - 1) continue;
          line[pos] = kMutations[m];
        } else if (m > 0) {
          continue; /* the unmutated line, once */
        }
        json_error_t je;
        json_t *root = json_loadb(line, len, 0, &je);
        vouch_err err = {0};
        vouch_status s = vouch_envelope_parse(line, len, &env, &err);
        if (root == NULL) {
          if (s == VOUCH_OK) fail_msg("scanner accepted what jansson rejects: %s", line);
          refused++;
          continue;
        }
        if (s == VOUCH_OK && json_is_object(root)) {
          const char *id = json_string_value(json_object_get(root, "id"));
          if (id != NULL) assert_string_equal(env.id, id);
          const char *type = json_string_value(json_object_get(root, "type"));
          assert_non_null(type);
          assert_string_equal(vouch_evidence_type_name(env.type), type);
          const char *ev = json_string_value(json_object_get(root, "evidence"));
          assert_non_null(ev);
          uint8_t dec[64];
          size_t dec_len;
          assert_int_equal(vouch_base64_decode(ev, strlen(ev), dec, sizeof(dec), &dec_len),
                           VOUCH_OK);
          assert_int_equal(dec_len, env.evidence_len);
          assert_memory_equal(dec, env.evidence, dec_len);
          agreed++;
        }
        json_decref(root);
      }
    }
    free(line);
  }
  vouch_envelope_cleanup(&env);
  print_message("%zu lines read alike, %zu refused by both\n", agreed, refused);
  assert_true(agreed > 10 && refused > 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_envelope_full),
      cmocka_unit_test(test_envelope_rejects),
      cmocka_unit_test(test_run_counts),
      cmocka_unit_test(test_run_overlong),
      cmocka_unit_test(test_envelope_vs_jansson),
  };
  return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
