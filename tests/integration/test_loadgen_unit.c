/* tests/integration/test_loadgen_unit.c - the pieces of vouch loadgen that
 * need no network: the histogram's geometry and percentiles, the target
 * URL, the HTTP/1.1 response parser (every framing, every reject branch,
 * every prefix of a valid response), the error-code and token helpers,
 * envelope -> attest body, the --gen spec, and request building. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/loadgen/loadgen.h"

/* ---- histogram ------------------------------------------------------------------ */

static void test_hist_geometry(void **state) {
  (void)state;
  for (size_t i = 0; i < VOUCH_HIST_BUCKETS; i++) {
    int64_t lo = vouch_hist_bucket_low(i), hi = vouch_hist_bucket_high(i);
    assert_true(lo <= hi);
    assert_int_equal(vouch_hist_index(lo), i);
    assert_int_equal(vouch_hist_index(hi), i);
    if (i + 1 < VOUCH_HIST_BUCKETS) assert_int_equal(vouch_hist_bucket_low(i + 1), hi + 1);
    /* Width at most 1/128 of the smallest value (exact below 256 ns). */
    if (lo >= 256) assert_true((double)(hi - lo + 1) / (double)lo <= 1.0 / 128 + 1e-12);
    else assert_int_equal(lo, hi);
  }
  /* The range covers 100 s; beyond is clamped into the last used bucket. */
  assert_int_equal(vouch_hist_index(VOUCH_HIST_MAX_NS), VOUCH_HIST_BUCKETS - 1);
  assert_int_equal(vouch_hist_index(INT64_MAX), vouch_hist_index(VOUCH_HIST_MAX_NS));
  assert_int_equal(vouch_hist_index(-5), 0);
}

static void test_hist_percentiles(void **state) {
  (void)state;
  vouch_hist *h = malloc(sizeof(*h)), *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
  assert_non_null(h);
  vouch_hist_init(h);
  assert_int_equal(vouch_hist_percentile(h, 50), 0);
  /* 1 us .. 10 ms, one value per microsecond. */
  for (int64_t us = 1; us <= 10000; us++) vouch_hist_record(h, us * 1000);
  assert_int_equal(h->total, 10000);
  assert_int_equal(h->min_ns, 1000);
  assert_int_equal(h->max_ns, 10000000);
  double want[][2] = {{50, 5000e3}, {90, 9000e3}, {99, 9900e3}, {99.9, 9990e3}, {1, 100e3}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    double got = (double)vouch_hist_percentile(h, want[i][0]);
    assert_true(got >= want[i][1]);               /* highest equivalent value */
    assert_true(got <= want[i][1] * (1 + 1.0 / 128));
  }
  assert_int_equal(vouch_hist_percentile(h, 100), 10000000);
  assert_int_equal(vouch_hist_percentile(h, 0), vouch_hist_percentile(h, 0.001));
  assert_true(vouch_hist_mean(h) > 5000e3 - 1 && vouch_hist_mean(h) < 5001e3);
  /* Merge = recording both. */
  vouch_hist_init(a);
  vouch_hist_init(b);
  for (int64_t us = 1; us <= 10000; us++) vouch_hist_record(us % 2 ? a : b, us * 1000);
  vouch_hist_merge(a, b);
  assert_memory_equal(a->counts, h->counts, sizeof h->counts);
  assert_int_equal(a->min_ns, h->min_ns);
  assert_int_equal(a->max_ns, h->max_ns);
  /* Over 100 s: counted at 100 s, the maximum stays exact. */
  vouch_hist_init(a);
  vouch_hist_record(a, 300 * INT64_C(1000000000));
  vouch_hist_record(a, 5);
  assert_int_equal(a->max_ns, 300 * INT64_C(1000000000));
  assert_int_equal(vouch_hist_percentile(a, 50), 5);
  assert_int_equal(vouch_hist_percentile(a, 100), 300 * INT64_C(1000000000));
  free(h);
  free(a);
  free(b);
}

/* ---- URL -------------------------------------------------------------------------- */

static void test_url(void **state) {
  (void)state;
  vouch_lg_url u;
  vouch_err err = {0};
  assert_int_equal(vouch_lg_url_parse("http://127.0.0.1:8080", &u, &err), VOUCH_OK);
  assert_string_equal(u.host, "127.0.0.1");
  assert_int_equal(u.port, 8080);
  assert_string_equal(u.path, "");
  assert_string_equal(u.host_header, "127.0.0.1:8080");
  assert_int_equal(vouch_lg_url_parse("HTTP://attest.local/base/v1//", &u, &err), VOUCH_OK);
  assert_string_equal(u.host, "attest.local");
  assert_int_equal(u.port, 80);
  assert_string_equal(u.path, "/base/v1");
  assert_int_equal(vouch_lg_url_parse("http://[::1]:9/", &u, &err), VOUCH_OK);
  assert_string_equal(u.host, "::1");
  assert_int_equal(u.port, 9);
  assert_string_equal(u.host_header, "[::1]:9");
  err = (vouch_err){0};
  assert_int_equal(vouch_lg_url_parse("https://127.0.0.1:443", &u, &err), VOUCH_E_UNSUPPORTED);
  assert_non_null(strstr(err.msg, "https is out of scope"));
  static const char *const kBad[] = {
      "", "ftp://x", "127.0.0.1:80", "http://", "http://:80", "http://h:0", "http://h:65536",
      "http://h:8x", "http://h:", "http://u@h", "http://h/p?q=1", "http://h/p#f",
      "http://h/a b", "http://[::1", "http://[::1]x", "http://h_o$t", "http://[]:1"};
  for (size_t i = 0; i < sizeof kBad / sizeof kBad[0]; i++) {
    err = (vouch_err){0};
    assert_int_not_equal(vouch_lg_url_parse(kBad[i], &u, &err), VOUCH_OK);
    assert_true(err.msg[0] != '\0');
  }
}

/* ---- responses -------------------------------------------------------------------- */

static vouch_lg_resp_result parse(const char *s, size_t len, bool eof, vouch_buf *scratch,
                                  vouch_lg_response *r) {
  return vouch_lg_parse_response((const uint8_t *)s, len, eof, scratch, r);
}

/* every_prefix_incomplete: each proper prefix of a valid response is
 * INCOMPLETE (never BAD, never DONE early). */
static void every_prefix_incomplete(const char *s, size_t total) {
  vouch_buf scratch;
  vouch_buf_init(&scratch, 0);
  for (size_t n = 0; n < total; n++) {
    vouch_lg_response r;
    char *copy = malloc(n + 1); /* exact-size copy: ASan sees any over-read */
    memcpy(copy, s, n);
    assert_int_equal(vouch_lg_parse_response((const uint8_t *)copy, n, false, &scratch, &r),
                     VOUCH_LG_RESP_INCOMPLETE);
    free(copy);
  }
  vouch_buf_free(&scratch);
}

static void test_response_framing(void **state) {
  (void)state;
  vouch_buf sc;
  vouch_buf_init(&sc, 0);
  vouch_lg_response r;
  /* Content-Length, keep-alive, with a pipelined next response after it. */
  const char *a = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n"
                  "{\"token\": \"x\"}HTTP/1.1 200";
  size_t a_total = strlen(a) - strlen("HTTP/1.1 200");
  assert_int_equal(parse(a, strlen(a), false, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_int_equal(r.status, 200);
  assert_false(r.close);
  assert_int_equal(r.total_len, a_total);
  assert_int_equal(r.body_len, 14);
  assert_memory_equal(r.body, "{\"token\": \"x\"}", 14);
  assert_true(vouch_lg_body_has_token(r.body, r.body_len));
  every_prefix_incomplete(a, a_total);
  assert_int_equal(parse(a, a_total - 3, false, &sc, &r), VOUCH_LG_RESP_INCOMPLETE);
  assert_int_equal(r.need_len, a_total);

  /* Chunked, with an extension, a trailer and bare LF line ends. */
  const char *c = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                  "5;x=y\r\n{\"tok\r\nA\nen\": \"abc\"\r\n1\r\n}\r\n0\r\nX-T: 1\r\n\r\n";
  assert_int_equal(parse(c, strlen(c), false, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_true(r.chunked);
  assert_int_equal(r.total_len, strlen(c));
  assert_int_equal(r.body_len, 16);
  assert_memory_equal(r.body, "{\"token\": \"abc\"}", 16);
  assert_true(vouch_lg_body_has_token(r.body, r.body_len));
  every_prefix_incomplete(c, strlen(c));

  /* Interim 100, then the response. */
  const char *i = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  assert_int_equal(parse(i, strlen(i), false, &sc, &r), VOUCH_LG_RESP_INTERIM);
  assert_int_equal(r.total_len, 25);
  assert_int_equal(parse(i + 25, strlen(i) - 25, false, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_int_equal(r.status, 204);
  assert_int_equal(r.body_len, 0);

  /* HTTP/1.0: closes unless keep-alive; Connection: close; no length. */
  const char *h10 = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  assert_int_equal(parse(h10, strlen(h10), false, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_true(r.close);
  const char *h10k = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n";
  assert_int_equal(parse(h10k, strlen(h10k), false, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_false(r.close);
  const char *cl = "HTTP/1.1 503 Busy\r\nconnection: foo, close\r\nretry-after: 1\r\n"
                   "X-MS-Error-Code: Service<Unavailable>\"\r\nContent-Length: 2\r\n\r\n{}";
  assert_int_equal(parse(cl, strlen(cl), false, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_true(r.close);
  assert_true(r.retry_after);
  assert_string_equal(r.code, "ServiceUnavailable");
  const char *uc = "HTTP/1.1 200 OK\r\n\r\n{\"token\":\"y\"}";
  assert_int_equal(parse(uc, strlen(uc), false, &sc, &r), VOUCH_LG_RESP_INCOMPLETE);
  assert_int_equal(parse(uc, strlen(uc), true, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_true(r.until_close && r.close);
  assert_int_equal(r.body_len, 13);
  /* A TE other than chunked: the body runs to the close too. */
  const char *te = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabcdef";
  assert_int_equal(parse(te, strlen(te), false, &sc, &r), VOUCH_LG_RESP_INCOMPLETE);
  assert_int_equal(parse(te, strlen(te), true, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_int_equal(r.body_len, 6);
  /* Chunked + Content-Length: chunked wins, no reuse. */
  const char *both = "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  assert_int_equal(parse(both, strlen(both), false, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_true(r.close);
  /* Same Content-Length twice is fine; a status line without reason too. */
  const char *dup = "HTTP/1.1 404\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx";
  assert_int_equal(parse(dup, strlen(dup), false, &sc, &r), VOUCH_LG_RESP_DONE);
  assert_int_equal(r.status, 404);
  vouch_buf_free(&sc);
}

static void test_response_rejects(void **state) {
  (void)state;
  vouch_buf sc;
  vouch_buf_init(&sc, 0);
  vouch_lg_response r;
  static const char *const kBad[] = {
      "garbage",
      "garbage\r\n\r\n",
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 200OK\r\n\r\n",
      "HTTP/1.1 099 X\r\n\r\n",
      "HTTP/1.1 101 Switching\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: empty\r\n\r\n",
      "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n",
      "HTTP/1.1 200 OK\r\nA: v\x01\r\n\r\n",
      "HTTP/1.1 200 O\x02K\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 x\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
  };
  for (size_t i = 0; i < sizeof kBad / sizeof kBad[0]; i++) {
    vouch_lg_resp_result got = parse(kBad[i], strlen(kBad[i]), false, &sc, &r);
    if (got != VOUCH_LG_RESP_BAD) fail_msg("case %zu (%s): %d", i, kBad[i], (int)got);
  }
  static const char *const kBig[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000000\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n",
  };
  for (size_t i = 0; i < sizeof kBig / sizeof kBig[0]; i++) {
    vouch_lg_resp_result got = parse(kBig[i], strlen(kBig[i]), false, &sc, &r);
    if (got != VOUCH_LG_RESP_TOO_BIG) fail_msg("big case %zu: %d", i, (int)got);
  }
  /* A head that never ends within the limit; too many header lines; too
   * many chunks; an until-close body over the limit. */
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_buf_puts(&b, "HTTP/1.1 200 OK\r\nX: ");
  while (b.len < VOUCH_LG_MAX_HEAD + 10) vouch_buf_putc(&b, 'a');
  assert_int_equal(parse(b.data, b.len, false, &sc, &r), VOUCH_LG_RESP_TOO_BIG);
  vouch_buf_reset(&b);
  vouch_buf_puts(&b, "HTTP/1.1 200 OK\r\n");
  for (int i = 0; i <= VOUCH_LG_MAX_HEADERS; i++) vouch_buf_puts(&b, "A: b\r\n");
  vouch_buf_puts(&b, "\r\n");
  assert_int_equal(parse(b.data, b.len, false, &sc, &r), VOUCH_LG_RESP_TOO_BIG);
  vouch_buf_reset(&b);
  vouch_buf_puts(&b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i <= VOUCH_LG_MAX_CHUNKS + 1; i++) vouch_buf_puts(&b, "1\r\nx\r\n");
  vouch_buf_puts(&b, "0\r\n\r\n");
  assert_int_equal(parse(b.data, b.len, false, &sc, &r), VOUCH_LG_RESP_TOO_BIG);
  vouch_buf_reset(&b);
  vouch_buf_puts(&b, "HTTP/1.1 200 OK\r\n\r\n");
  while (b.len < VOUCH_LG_MAX_BODY + 64) vouch_buf_putc(&b, 'z');
  assert_int_equal(parse(b.data, b.len, true, &sc, &r), VOUCH_LG_RESP_TOO_BIG);
  vouch_buf_free(&b);
  /* Incomplete, not wrong: a partial status line that could still match. */
  assert_int_equal(parse("HTTP/1.", 7, false, &sc, &r), VOUCH_LG_RESP_INCOMPLETE);
  assert_int_equal(parse("HTT", 3, false, &sc, &r), VOUCH_LG_RESP_INCOMPLETE);
  assert_int_equal(parse("HTX", 3, false, &sc, &r), VOUCH_LG_RESP_BAD);
  vouch_buf_free(&sc);
}

static void test_bodies(void **state) {
  (void)state;
  char code[VOUCH_LG_CODE_MAX + 1];
  const char *e = "{\"error\":{\"message\":\"no\",\"code\":\"Policy\\u0045valuationError\"}}";
  assert_true(vouch_lg_body_error_code((const uint8_t *)e, strlen(e), code));
  assert_string_equal(code, "PolicyEvaluationError");
  static const char *const kNone[] = {"", "{}", "[1]", "{\"error\":\"x\"}",
                                      "{\"error\":{\"code\":5}}", "{\"error\":{\"code\":\"<>\"}}",
                                      "not json"};
  for (size_t i = 0; i < sizeof kNone / sizeof kNone[0]; i++)
    assert_false(vouch_lg_body_error_code((const uint8_t *)kNone[i], strlen(kNone[i]), code));
  assert_true(vouch_lg_body_has_token((const uint8_t *)"{\"token\":\"a.b.c\"}", 17));
  assert_false(vouch_lg_body_has_token((const uint8_t *)"{\"token\":\"\"}", 12));
  assert_false(vouch_lg_body_has_token((const uint8_t *)"{\"token\":1}", 11));
  assert_false(vouch_lg_body_has_token((const uint8_t *)"{\"tok\":\"x\"}", 11));
  assert_false(vouch_lg_body_has_token((const uint8_t *)"", 0));
}

/* ---- requests --------------------------------------------------------------------- */

static void test_envelope_body(void **state) {
  (void)state;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  const char *route;
  vouch_err err = {0};
  const char *env = "{\"id\":\"q-1\",\"type\":\"sgx\",\"evidence\":\"AAEC\",\"at\":\"2025-01-01T00:00:00Z\","
                    "\"runtime_data\":{\"data\":\"e30\",\"data_type\":\"json\"},\"nonce\":\"n-1\","
                    "\"collateral\":{\"x\":[1,2]}}";
  assert_int_equal(vouch_lg_envelope_body(env, strlen(env), &b, &route, &err), VOUCH_OK);
  assert_string_equal(route, "SgxEnclave");
  assert_string_equal(b.data, "{\"quote\":\"AAEC\",\"runtimeData\":{\"data\":\"e30\",\"dataType\":"
                              "\"JSON\"},\"nonce\":\"n-1\"}");
  const char *tdx = "{\"evidence\":\"AA\",\"type\":\"tdx\",\"nonce\":42,"
                    "\"runtime_data\":{\"dataType\":\"Binary\",\"data\":\"AQ\"}}";
  assert_int_equal(vouch_lg_envelope_body(tdx, strlen(tdx), &b, &route, &err), VOUCH_OK);
  assert_string_equal(route, "TdxVm");
  assert_string_equal(b.data, "{\"quote\":\"AA\",\"runtimeData\":{\"data\":\"AQ\",\"dataType\":"
                              "\"Binary\"},\"nonce\":\"42\"}");
  const char *plain = "{\"evidence\":\"AA\"}";
  assert_int_equal(vouch_lg_envelope_body(plain, strlen(plain), &b, &route, &err), VOUCH_OK);
  assert_string_equal(b.data, "{\"quote\":\"AA\"}");
  assert_string_equal(route, "SgxEnclave");
  static const char *const kBad[] = {
      "{}", "{\"evidence\":1}", "{\"evidence\":\"\"}", "{\"evidence\":\"A\",\"type\":\"snp\"}",
      "{\"evidence\":\"A\",\"runtime_data\":\"x\"}", "{\"evidence\":\"A\",\"runtime_data\":{}}",
      "{\"evidence\":\"A\",\"runtime_data\":{\"data\":\"A\",\"data_type\":\"xml\"}}",
      "{\"evidence\":\"A\",\"nonce\":[1]}", "{\"evidence\":\"A\"", "[]", "not json"};
  for (size_t i = 0; i < sizeof kBad / sizeof kBad[0]; i++) {
    err = (vouch_err){0};
    if (vouch_lg_envelope_body(kBad[i], strlen(kBad[i]), &b, &route, &err) == VOUCH_OK)
      fail_msg("accepted %s", kBad[i]);
  }
  vouch_buf_free(&b);
}

static void test_gen_spec(void **state) {
  (void)state;
  vouch_lg_gen_spec s;
  vouch_err err = {0};
  assert_int_equal(vouch_lg_gen_spec_parse("sgx:platforms=7", &s, &err), VOUCH_OK);
  assert_int_equal(s.platforms, 7);
  assert_int_equal(s.quotes, 1000);
  assert_int_equal(vouch_lg_gen_spec_parse("sgx:platforms=2000,quotes=5,seed=9", &s, &err), VOUCH_OK);
  assert_int_equal(s.platforms, 2000);
  assert_int_equal(s.quotes, 5);
  assert_int_equal(s.seed, 9);
  assert_int_equal(vouch_lg_gen_spec_parse("sgx:platforms=2000", &s, &err), VOUCH_OK);
  assert_int_equal(s.quotes, 2000);
  assert_int_equal(vouch_lg_gen_spec_parse("sgx", &s, &err), VOUCH_OK);
  static const char *const kBad[] = {"tdx:platforms=1", "sgx:platforms=0", "sgx:platforms=x",
                                     "sgx:quotes=200001", "sgx:color=red", "sgx:platforms",
                                     "sgx:platforms=99999999999999999999999"};
  for (size_t i = 0; i < sizeof kBad / sizeof kBad[0]; i++)
    assert_int_not_equal(vouch_lg_gen_spec_parse(kBad[i], &s, &err), VOUCH_OK);
}

static void test_requests(void **state) {
  (void)state;
  vouch_lg_url u;
  vouch_err err = {0};
  assert_int_equal(vouch_lg_url_parse("http://127.0.0.1:8080/b", &u, &err), VOUCH_OK);
  vouch_lg_requests r;
  vouch_lg_requests_init(&r);
  for (int i = 0; i < 100; i++)
    assert_int_equal(vouch_lg_requests_add_post(&r, &u, "/b/x", "{}", 2), VOUCH_OK);
  assert_int_equal(r.num, 100);
  const char *want = "POST /b/x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: vouch-loadgen/" VOUCH_VERSION
                     "\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
                     "Content-Length: 2\r\n\r\n{}";
  assert_int_equal(r.len[99], strlen(want));
  assert_memory_equal(r.data.data + r.off[99], want, strlen(want));
  /* The request parses as what a server would read: its head ends once. */
  assert_non_null(strstr(r.data.data + r.off[0], "\r\n\r\n{}POST"));
  vouch_lg_requests_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hist_geometry),   cmocka_unit_test(test_hist_percentiles),
      cmocka_unit_test(test_url),             cmocka_unit_test(test_response_framing),
      cmocka_unit_test(test_response_rejects), cmocka_unit_test(test_bodies),
      cmocka_unit_test(test_envelope_body),   cmocka_unit_test(test_gen_spec),
      cmocka_unit_test(test_requests),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
