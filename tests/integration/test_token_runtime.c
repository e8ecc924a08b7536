/* Tokens and runtime data: a generated quote whose REPORTDATA binds the
 * SHA-256 of runtime data; JSON runtime data becomes the x-ms-runtime
 * object, binary data the base64url x-ms-sgx-ehd; data that does not match
 * gives a contraindicated result that says so, and no token; a nonce is
 * copied into the token; the token's times come from the clock given, not
 * from the verification instant. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "policy/policy.h"
#include "token/token.h"
#include "tools/gen/gen.h"
#include "gen_fixture.h"

#define NOW 1751328000
#define CLOCK 1800000000

typedef struct {
  gen_fixture fx; /* PKI, platform, anchors, collateral */
  struct vouch_keystore *ks;
  struct vouch_policy *policy;
  char dir[64];
} fixture;

static fixture g;
static vouch_status g_last_token_error;

static int setup(void **state) {
  (void)state;
  vouch_err err = {0};
  gen_fixture_init(&g.fx, NOW, 3, false);
  snprintf(g.dir, sizeof g.dir, "/tmp/vouch-token-rt-XXXXXX");
  assert_non_null(mkdtemp(g.dir));
  vouch_keystore_opts ko = {.public_url = "https://rt.example", .now = CLOCK};
  assert_int_equal(vouch_keystore_open(g.dir, &ko, &g.ks, &err), VOUCH_OK);
  const char *def = vouch_policy_default_text("SgxEnclave");
  assert_int_equal(vouch_policy_compile(def, strlen(def), &g.policy, NULL, &err), VOUCH_OK);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  vouch_policy_free(g.policy);
  vouch_keystore_close(g.ks);
  gen_fixture_cleanup(&g.fx);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", g.dir);
  if (system(cmd) != 0) return -1;
  return 0;
}

/* run verifies a quote binding |bound| with |given| as the envelope's
 * runtime data, appraises it, and issues a token; returns the token's
 * claims (NULL when none was issued) and the result's verdict. */
/* When set, run() also binds this JSON as init-time data (CONFIGID). */
static const char *g_init_json;

static json_t *run(const char *bound, const char *given, bool is_json, const char *nonce,
                   vouch_verdict *verdict, vouch_result *r) {
  vouch_gen_quote_opts q;
  vouch_gen_quote_opts_default(&q);
  memset(q.report_data, 0, sizeof q.report_data);
  vouch_sha256(bound, strlen(bound), q.report_data);
  if (g_init_json) vouch_sha256(g_init_json, strlen(g_init_json), q.config_id);
  vouch_buf quote = {0};
  assert_int_equal(vouch_gen_quote(g.fx.pl, &q, &quote), VOUCH_OK);
  vouch_envelope env;
  vouch_envelope_init(&env);
  env.type = VOUCH_EV_SGX;
  env.evidence = (const uint8_t *)quote.data;
  env.evidence_len = quote.len;
  env.has_runtime_data = true;
  env.runtime_data_is_json = is_json;
  env.runtime_data = (const uint8_t *)given;
  env.runtime_data_len = strlen(given);
  if (g_init_json) {
    env.has_init_data = true;
    env.init_data_is_json = true;
    env.init_data = (const uint8_t *)g_init_json;
    env.init_data_len = strlen(g_init_json);
  }
  if (nonce) {
    env.has_nonce = true;
    snprintf(env.nonce, sizeof env.nonce, "%s", nonce);
  }
  vouch_run_config cfg = {.at = NOW, .anchors = g.fx.anchors, .collateral = &g.fx.coll};
  vouch_verify_one(&cfg, &env, r);
  *verdict = r->verdict;
  struct vouch_policy_eval *ev = vouch_policy_eval_new();
  vouch_appraisal a;
  vouch_appraise(g.policy, ev, r, &a);
  vouch_token_config tc = {.keys = g.ks, .alg = VOUCH_JWS_ES256, .now = CLOCK};
  vouch_buf scratch = {0}, tok = {0};
  vouch_err err = {0};
  json_t *claims = NULL;
  if (vouch_issue_token(&tc, g.policy, &a, &env, r, &scratch, &tok, &err) == VOUCH_OK) {
    /* Check it as a relying party would, then read its claims. */
    vouch_token_verify_opts vo;
    vouch_token_verify_opts_default(&vo);
    vo.keystore = g.ks;
    vo.now = CLOCK + 10;
    vouch_buf out = {0};
    assert_int_equal(vouch_token_verify(tok.data, tok.len, &vo, &out, &err), VOUCH_OK);
    claims = json_loadb(out.data, out.len, 0, NULL);
    assert_non_null(claims);
    vouch_buf_free(&out);
  } else {
    g_last_token_error = err.code;
  }
  vouch_buf_free(&scratch);
  vouch_buf_free(&tok);
  vouch_policy_eval_free(ev);
  env.evidence = NULL;
  env.runtime_data = NULL;
  env.init_data = NULL;
  vouch_envelope_cleanup(&env);
  vouch_buf_free(&quote);
  return claims;
}

static void test_json_runtime_data(void **state) {
  (void)state;
  const char *rt = "{\"keys\":[{\"kid\":\"TpmEphemeralEncryptionKey\",\"kty\":\"RSA\"}],\"n\":1}";
  vouch_result *r = malloc(sizeof *r);
  vouch_verdict v;
  json_t *c = run(rt, rt, true, "nonce-123", &v, r);
  assert_int_equal(v, VOUCH_VERDICT_AFFIRMING);
  assert_non_null(c);
  json_t *x = json_object_get(c, "x-ms-runtime");
  assert_true(json_is_object(x));
  assert_int_equal(json_integer_value(json_object_get(x, "n")), 1);
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(json_object_get(x, "keys"), 0), "kid")),
                      "TpmEphemeralEncryptionKey");
  assert_string_equal(json_string_value(json_object_get(c, "nonce")), "nonce-123");
  /* Times from the token clock, not from the verification instant. */
  assert_int_equal(json_integer_value(json_object_get(c, "iat")), CLOCK);
  assert_int_equal(json_integer_value(json_object_get(c, "exp")), CLOCK + 28800);
  /* The binary-data claim carries the same bytes, base64url. */
  vouch_buf b64 = {0};
  vouch_base64url_encode(&b64, (const uint8_t *)rt, strlen(rt));
  assert_string_equal(json_string_value(json_object_get(c, "x-ms-sgx-ehd")), b64.data);
  vouch_buf_free(&b64);
  json_decref(c);
  free(r);
}

/* Init-time data of data_type JSON, bound by CONFIGID, becomes the
 * x-ms-inittime object claim. */
static void test_json_init_data(void **state) {
  (void)state;
  g_init_json = "{\"cfg\":7,\"mode\":\"prod\"}";
  vouch_result *r = malloc(sizeof *r);
  vouch_verdict v;
  json_t *c = run("rt", "rt", false, NULL, &v, r);
  g_init_json = NULL;
  assert_int_equal(v, VOUCH_VERDICT_AFFIRMING);
  assert_non_null(c);
  json_t *x = json_object_get(c, "x-ms-inittime");
  assert_true(json_is_object(x));
  assert_int_equal(json_integer_value(json_object_get(x, "cfg")), 7);
  assert_string_equal(json_string_value(json_object_get(x, "mode")), "prod");
  assert_null(json_object_get(c, "x-ms-runtime")); /* that runtime data was binary */
  json_decref(c);
  free(r);
}

static void test_binary_runtime_data(void **state) {
  (void)state;
  vouch_result *r = malloc(sizeof *r);
  vouch_verdict v;
  json_t *c = run("opaque bytes", "opaque bytes", false, NULL, &v, r);
  assert_non_null(c);
  assert_null(json_object_get(c, "x-ms-runtime"));
  assert_null(json_object_get(c, "nonce"));
  assert_string_equal(json_string_value(json_object_get(c, "x-ms-sgx-ehd")), "b3BhcXVlIGJ5dGVz");
  json_decref(c);
  free(r);
}

static void test_mismatched_runtime_data(void **state) {
  (void)state;
  vouch_result *r = malloc(sizeof *r);
  vouch_verdict v;
  json_t *c = run("{\"a\":1}", "{\"a\":2}", true, NULL, &v, r);
  assert_null(c); /* no token */
  assert_int_equal(g_last_token_error, VOUCH_E_POLICY_DENY);
  assert_int_equal(v, VOUCH_VERDICT_CONTRAINDICATED);
  assert_int_equal(r->error.code, VOUCH_E_BINDING);
  assert_non_null(strstr(r->error.msg, "runtime data does not match REPORTDATA"));
  free(r);
}

static void test_json_runtime_data_not_json(void **state) {
  (void)state;
  vouch_result *r = malloc(sizeof *r);
  vouch_verdict v;
  /* Bound correctly, but data_type JSON and not an object: no token. */
  json_t *c = run("not json", "not json", true, NULL, &v, r);
  assert_int_equal(v, VOUCH_VERDICT_AFFIRMING);
  assert_null(c);
  assert_int_equal(g_last_token_error, VOUCH_E_MALFORMED);
  free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_runtime_data),
      cmocka_unit_test(test_binary_runtime_data),
      cmocka_unit_test(test_json_init_data),
      cmocka_unit_test(test_mismatched_runtime_data),
      cmocka_unit_test(test_json_runtime_data_not_json),
  };
  return cmocka_run_group_tests_name("token_runtime", tests, setup, teardown);
}
