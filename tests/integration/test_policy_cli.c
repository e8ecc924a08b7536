/* Integration tests of attestation policies through the real `vouch`
 * binary: the ten example policies of spec/policy.md §10 (placeholders
 * filled with the real vector's values) on a real SGX quote, each with the
 * outcome a reader of the policy expects; bulk appraisal of a generated
 * corpus checked item by item against the generator's expectations;
 * `vouch policy check|compile` and their errors. */
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

#include "cli_util.h"

static const char *g_bin, *g_vectors;
static char g_tmp[256];

#define PHALA "sgx/phala-dcap-qvl-sgx-v3"
/* The real quote's enclave (see the vector's MANIFEST): release build. */
#define REAL_MRSIGNER "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6"
#define REAL_MRENCLAVE "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* verify_with runs `vouch verify` on the real quote with |policy| and
 * returns the parsed result; *rc gets the exit code. */
static json_t *verify_with(const char *policy, const char *quote, int *rc) {
  char path[512];
  snprintf(path, sizeof path, "%s/p.policy", g_tmp);
  write_file(path, policy);
  char *out;
  *rc = cli_sh(&out,
               "%s verify -q --type sgx --evidence %s/" PHALA "/%s --collateral %s/" PHALA
               "/collateral.json --at 2025-07-19T10:01:17Z --policy %s",
               g_bin, g_vectors, quote, g_vectors, path);
  json_error_t je;
  json_t *r = json_loads(out, 0, &je);
  if (!r) fail_msg("not JSON (%s): %s", je.text, out);
  free(out);
  return r;
}

static const char *policy_of(json_t *r) {
  json_t *p = json_object_get(r, "policy");
  return json_is_string(p) ? json_string_value(p) : "null";
}

static json_t *claim(json_t *r, const char *name) {
  return json_object_get(json_object_get(r, "claims"), name);
}

/* expect checks the decision, the exit code, and (optionally) a string
 * claim the issuance rules must have produced. */
static void expect(const char *label, const char *policy, const char *decision, int want_rc,
                   const char *claim_name, const char *claim_value) {
  int rc;
  json_t *r = verify_with(policy, "quote.dat", &rc);
  if (strcmp(policy_of(r), decision) != 0)
    fail_msg("%s: policy %s, expected %s (detail: %s)", label, policy_of(r), decision,
             json_string_value(json_object_get(r, "policy_detail")));
  if (rc != want_rc) fail_msg("%s: exit code %d, expected %d", label, rc, want_rc);
  /* The evidence verdict is the verifier's, whatever the policy says. */
  assert_string_equal(json_string_value(json_object_get(r, "status")), "warning");
  if (claim_name) {
    json_t *c = claim(r, claim_name);
    if (!json_is_string(c) || strcmp(json_string_value(c), claim_value) != 0)
      fail_msg("%s: claim %s missing or wrong", label, claim_name);
  }
  json_decref(r);
}

static void test_examples_on_real_quote(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL && g_vectors != NULL, "VOUCH_BIN or the vectors");
  char *def;
  assert_int_equal(cli_sh(&def, "%s policy default SgxEnclave", g_bin), 0);
  expect("default SGX policy", def, "permit", 0, "sgx-mrsigner", REAL_MRSIGNER);
  expect("default SGX policy", def, "permit", 0, "tee", "sgx");
  free(def);

  /* 1: custom SGX policy, placeholders filled with the real enclave's
   * values: permit; with another signer: deny (no permit rule applies). */
  static const char kEx1[] =
      "version= 1.0;\n"
      "authorizationrules\n"
      "{\n"
      "       [ type==\"x-ms-sgx-is-debuggable\", value==false ]\n"
      "        && [ type==\"x-ms-sgx-product-id\", value==%d ]\n"
      "        && [ type==\"x-ms-sgx-svn\", value>= 0 ]\n"
      "        && [ type==\"x-ms-sgx-mrsigner\", value==\"%s\"]\n"
      "    => permit();\n"
      "};\n"
      "issuancerules {\n"
      "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"enclave-signer\", value=c.value);\n"
      "};\n";
  char p[2048];
  snprintf(p, sizeof p, kEx1, 0, REAL_MRSIGNER);
  expect("example 1", p, "permit", 0, "enclave-signer", REAL_MRSIGNER);
  snprintf(p, sizeof p, kEx1, 0, "0000000000000000000000000000000000000000000000000000000000000000");
  expect("example 1, other signer", p, "deny", 1, NULL, NULL);
  snprintf(p, sizeof p, kEx1, 7, REAL_MRSIGNER);
  expect("example 1, other product", p, "deny", 1, NULL, NULL);

  /* 2: only debug enclaves of two signers: this release enclave is denied. */
  static const char kEx2[] =
      "version= 1.0;\nauthorizationrules\n{\n"
      "\t[ type==\"x-ms-sgx-is-debuggable\", value==true ]&&\n"
      "\t[ type==\"x-ms-sgx-mrsigner\", value==\"mrsigner1\"] => permit();\n"
      "\t[ type==\"x-ms-sgx-is-debuggable\", value==true ]&&\n"
      "\t[ type==\"x-ms-sgx-mrsigner\", value==\"" REAL_MRSIGNER "\"] => permit();\n};\n";
  expect("example 2", kEx2, "deny", 1, NULL, NULL);

  /* 3: signer rotation, release enclaves: permitted under the first signer. */
  static const char kEx3[] =
      "version= 1.0;\nauthorizationrules\n{\n"
      "[ type==\"x-ms-sgx-is-debuggable\", value==false]&&\n"
      "[ type==\"x-ms-sgx-mrsigner\", value==\"" REAL_MRSIGNER "\"] => permit();\n"
      "[ type==\"x-ms-sgx-is-debuggable\", value==false ]&&\n"
      "[ type==\"x-ms-sgx-mrsigner\", value==\"mrsigner2\"] => permit();\n};\n";
  expect("example 3", kEx3, "permit", 0, NULL, NULL);

  /* 4: TCB baseline "11": the vector's collateral is evaluation data
   * number 17, so permitted; a baseline of 18 is not met. */
  static const char kEx4[] =
      "version = 1.1;\nconfigurationrules\n{\n=> issueproperty (\n"
      "type = \"x-ms-sgx-tcbidentifier\", value = \"%s\"\n);\n};\n"
      "authorizationrules\n{\n=> permit();\n};\nIssuancerules\n{\n"
      "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);\n"
      "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);\n"
      "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);\n"
      "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);\n"
      "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);\n"
      "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);\n};\n";
  snprintf(p, sizeof p, kEx4, "11");
  expect("example 4, baseline 11", p, "permit", 0, "sgx-mrenclave", REAL_MRENCLAVE);
  snprintf(p, sizeof p, kEx4, "18");
  int rc;
  json_t *r = verify_with(p, "quote.dat", &rc);
  assert_string_equal(policy_of(r), "deny");
  assert_int_equal(rc, 1);
  const char *detail = json_string_value(json_object_get(r, "policy_detail"));
  assert_non_null(detail);
  assert_non_null(strstr(detail, "17 is below the baseline 18"));
  json_decref(r);
  snprintf(p, sizeof p, kEx4, "latest");
  r = verify_with(p, "quote.dat", &rc);
  assert_string_equal(policy_of(r), "error");
  assert_int_equal(rc, 2);
  json_decref(r);

  /* 5: deny debuggable, else permit (legacy $ claims): release: permit. */
  static const char kEx5[] =
      "version=1.0;authorizationrules {c:[type==\"$is-debuggable\"] && [value==true] => "
      "deny();=> permit();};issuancerules {    c:[type==\"$is-debuggable\"] => "
      "issue(type=\"NotDebuggable\", value=c.value);    c:[type==\"$sgx-mrsigner\"] => "
      "issue(type=\"sgx-mrsigner\", value=c.value);    c:[type==\"$tee\"] => "
      "issue(type=\"tee\", value=c.value);};";
  expect("example 5", kEx5, "permit", 0, "sgx-mrsigner", REAL_MRSIGNER);
  r = verify_with(kEx5, "quote.dat", &rc);
  assert_true(json_is_false(claim(r, "NotDebuggable")));
  json_decref(r);

  /* 6 and 7: TPM policies see none of their claims in SGX evidence: they
   * permit (their authorization rule is unconditional) and issue nothing;
   * 7's configuration properties are not claims of the result. */
  static const char kEx7[] =
      "version=1.1;\nconfigurationrules{\n=> issueproperty(type = \"required_pcr_mask\", value = "
      "15);\n=> issueproperty(type = \"require_valid_aik_cert\", value = false);\n};\n"
      "authorizationrules {\n    => permit();\n};\nissuancerules\n{\n"
      "[type==\"aikValidated\", value==true]&&\n[type==\"secureBootEnabled\", value==true] &&\n"
      "[type==\"bootDebuggingDisabled\", value==true] &&\n[type==\"notSafeMode\", value==true] => "
      "issue(type=\"PlatformAttested\", value=true);\n};\n";
  r = verify_with(kEx7, "quote.dat", &rc);
  assert_string_equal(policy_of(r), "permit");
  assert_null(claim(r, "PlatformAttested"));
  assert_null(claim(r, "required_pcr_mask"));
  json_decref(r);

  /* 8: the 1.2 TPM policy without an event log: '!' issues
   * secureBootEnabled = false. */
  static const char kEx8[] =
      "version=1.2;\nauthorizationrules {\n  => permit();\n};\nissuancerules\n{\n"
      "c:[type == \"events\", issuer==\"AttestationService\"] => add(type = \"efiConfigVariables\", "
      "value = JmesPath(c.value, \"Events[?EventTypeString == 'EV_EFI_VARIABLE_DRIVER_CONFIG' && "
      "ProcessedData.VariableGuid == '8BE4DF61-93CA-11D2-AA0D-00E098032B8C']\"));\n"
      "c:[type==\"efiConfigVariables\", issuer=\"AttestationPolicy\"]=> issue(type = "
      "\"secureBootEnabled\", value = JsonToClaimValue(JmesPath(c.value, "
      "\"[?ProcessedData.UnicodeName == 'SecureBoot'] | length(@) == `1` && "
      "@[0].ProcessedData.VariableData == 'AQ'\")));\n"
      "![type==\"secureBootEnabled\", issuer==\"AttestationPolicy\"] => "
      "issue(type=\"secureBootEnabled\", value=false);\n};\n";
  r = verify_with(kEx8, "quote.dat", &rc);
  assert_string_equal(policy_of(r), "permit");
  assert_true(json_is_false(claim(r, "secureBootEnabled")));
  json_decref(r);

  /* 9: cross-claim reference: no attester claims here, nothing issued. */
  static const char kEx9[] =
      "version=1.0; authorizationrules { => permit(); }; issuancerules {\n"
      "F1:[type==\"OSName\", issuer==\"CustomClaim\"] &&\n"
      "C2:[type==\"OSName\", issuer==\"AttestationService\", value==F1.value]\n"
      "=> issue(claim = C2);\n};";
  r = verify_with(kEx9, "quote.dat", &rc);
  assert_string_equal(policy_of(r), "permit");
  assert_null(claim(r, "OSName"));
  json_decref(r);

  /* 10: minimal. */
  expect("example 10", "version=1.0; authorizationrules{=> permit();}; issuancerules{};", "permit",
         0, NULL, NULL);

  /* A quote with a flipped bit is not appraised at all. */
  r = verify_with("version=1.0; authorizationrules{=> permit();};",
                  "negative/quote_isv_reportdata_bitflip.dat", &rc);
  assert_string_equal(json_string_value(json_object_get(r, "status")), "contraindicated");
  assert_true(json_is_null(json_object_get(r, "policy")));
  assert_non_null(strstr(json_string_value(json_object_get(r, "policy_detail")), "not evaluated"));
  assert_int_equal(rc, 1);
  json_decref(r);
}

/* TDX evidence under a policy on TDX claims: the real v4 quote. */
static void test_tdx_policy(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL && g_vectors != NULL, "VOUCH_BIN or the vectors");
  static const char kPolicy[] =
      "version=1.0;\n"
      "authorizationrules {\n"
      "  [type==\"tdx_td_attributes_debug\", value==true] => deny();\n"
      "  [type==\"x-ms-attestation-type\", value==\"tdxvm\"] &&\n"
      "  [type==\"attester_tcb_status\", value==\"UpToDate\"] &&\n"
      "  [type==\"tdx_mrtd\", value==\"%s\"] => permit();\n"
      "};\n"
      "issuancerules { c:[type==\"tdx_rtmr0\"] => issue(type=\"rtmr0\", value=c.value); };\n";
  static const char kMrtd[] =
      "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7";
  char path[512], text[1024];
  snprintf(path, sizeof path, "%s/tdx.policy", g_tmp);
  for (int mismatch = 0; mismatch < 2; mismatch++) {
    snprintf(text, sizeof text, kPolicy, mismatch ? "00" : kMrtd);
    write_file(path, text);
    char *out;
    int rc = cli_sh(&out,
                    "%s verify -q --type tdx --evidence %s/tdx/phala-dcap-qvl-tdx-v4/quote.dat "
                    "--collateral %s/tdx/phala-dcap-qvl-tdx-v4/collateral.json --at 1752919234 "
                    "--policy %s",
                    g_bin, g_vectors, g_vectors, path);
    json_t *r = json_loads(out, 0, NULL);
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "affirming");
    if (mismatch) {
      assert_string_equal(policy_of(r), "deny");
      assert_int_equal(rc, 1);
    } else {
      assert_string_equal(policy_of(r), "permit");
      assert_int_equal(rc, 0);
      assert_true(json_is_string(claim(r, "rtmr0")));
      assert_string_equal(json_string_value(claim(r, "rtmr0")),
                          json_string_value(claim(r, "tdx_rtmr0")));
    }
    json_decref(r);
    free(out);
  }
}

/* A policy that does not parse stops the run before any item, naming the
 * file, line and column. */
static void test_bad_policy_file(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL && g_vectors != NULL, "VOUCH_BIN or the vectors");
  char path[512];
  snprintf(path, sizeof path, "%s/bad.policy", g_tmp);
  write_file(path, "version=1.0;\nauthorizationrules {\n  [type==\"a\"] permit();\n};\n");
  char *out;
  int rc = cli_sh(&out,
                  "%s verify --type sgx --evidence %s/" PHALA "/quote.dat --collateral %s/" PHALA
                  "/collateral.json --at 2025-07-19T10:01:17Z --policy %s 2>&1",
                  g_bin, g_vectors, g_vectors, path);
  assert_int_equal(rc, 4);
  assert_non_null(strstr(out, "policy:3:15: expected '=>' after condition list"));
  free(out);

  rc = cli_sh(&out, "%s policy check %s 2>&1", g_bin, path);
  assert_int_equal(rc, 1);
  char want[600];
  snprintf(want, sizeof want, "%s:3:15: expected '=>' after condition list", path);
  assert_non_null(strstr(out, want));
  free(out);
  rc = cli_sh(&out, "%s policy check --json %s", g_bin, path);
  assert_int_equal(rc, 1);
  json_t *j = json_loads(out, 0, NULL);
  assert_non_null(j);
  json_t *e = json_object_get(j, "error");
  assert_string_equal(json_string_value(json_object_get(e, "code")), "PolicyParsingError");
  assert_int_equal(json_integer_value(json_object_get(e, "line")), 3);
  assert_int_equal(json_integer_value(json_object_get(e, "column")), 15);
  json_decref(j);
  free(out);

  rc = cli_sh(&out, "%s policy default SgxEnclave | %s policy check --json -", g_bin, g_bin);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "\"valid\":true"));
  assert_non_null(strstr(out, "\"version\":\"1.1\""));
  free(out);
  rc = cli_sh(&out, "%s policy default SgxEnclave | %s policy compile -", g_bin, g_bin);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "issuancerules (6 rules)"));
  assert_non_null(strstr(out, "indexed by type"));
  free(out);
  assert_int_equal(cli_sh(NULL, "%s policy nope 2>/dev/null", g_bin), 3);
  assert_int_equal(cli_sh(NULL, "%s policy check /nonexistent/p 2>/dev/null", g_bin), 4);
}

/* Bulk: every item of a generated corpus with every kind, appraised by a
 * policy that denies debug enclaves and permits UpToDate or
 * SWHardeningNeeded platforms; each result checked against the
 * generator's expectation for its item. */
static void test_bulk_policy_on_corpus(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512], pol[512];
  snprintf(dir, sizeof dir, "%s/corpus", g_tmp);
  snprintf(pol, sizeof pol, "%s/bulk.policy", g_tmp);
  write_file(pol,
             "version=1.0;\n"
             "authorizationrules {\n"
             "  [type==\"x-ms-sgx-is-debuggable\", value==true] => deny();\n"
             "  [type==\"vouch-tcb-status\", value==\"UpToDate\"] => permit();\n"
             "  [type==\"vouch-tcb-status\", value==\"SWHardeningNeeded\"] => permit();\n"
             "};\n"
             "issuancerules {\n"
             "  c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"signer\", value=c.value);\n"
             "  c:[type==\"vouch-advisory-ids\"] => issue(type=\"advisories\", value=c.value);\n"
             "};\n");
  assert_int_equal(cli_sh(NULL,
                          "%s gen sgx -q --platforms 28 --quotes 112 --mix all --seed 5 "
                          "--now 2025-07-01T00:00:00Z --out %s",
                          g_bin, dir),
                   0);
  char *out;
  int rc = cli_sh(&out,
                  "%s verify -q --jobs 2 --ordered --collateral %s/collateral --trust-anchor "
                  "%s/trust-anchor.pem --at 2025-07-01T00:00:00Z --policy %s %s/evidence.ndjson",
                  g_bin, dir, dir, pol, dir);
  assert_int_equal(rc, 2); /* the corpus has error items */
  char path[600];
  snprintf(path, sizeof path, "%s/expected.ndjson", dir);
  char *expected = cli_read_file(path, NULL);
  assert_non_null(expected);
  assert_int_equal(cli_count_lines(out), cli_count_lines(expected));
  size_t counts[3] = {0};
  char *save_o = NULL, *save_e = NULL;
  for (char *lo = strtok_r(out, "\n", &save_o), *le = strtok_r(expected, "\n", &save_e);
       lo && le; lo = strtok_r(NULL, "\n", &save_o), le = strtok_r(NULL, "\n", &save_e)) {
    json_t *o = json_loads(lo, 0, NULL), *e = json_loads(le, 0, NULL);
    assert_non_null(o);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(o, "id")),
                        json_string_value(json_object_get(e, "id")));
    const char *kind = json_string_value(json_object_get(e, "kind"));
    const char *tcb = json_string_value(json_object_get(e, "tcb_status"));
    const char *want;
    if (!json_is_null(json_object_get(e, "error_code"))) want = "null"; /* did not verify */
    else if (strcmp(kind, "debug") == 0) want = "deny";
    else if (tcb && (strcmp(tcb, "UpToDate") == 0 || strcmp(tcb, "SWHardeningNeeded") == 0))
      want = "permit";
    else want = "deny";
    const char *got = policy_of(o);
    if (strcmp(got, want) != 0)
      fail_msg("%s (%s, %s): policy %s, expected %s", json_string_value(json_object_get(e, "id")),
               kind, tcb ? tcb : "-", got, want);
    if (strcmp(want, "permit") == 0) {
      counts[0]++;
      assert_true(json_is_string(claim(o, "signer")));
      assert_true(json_is_array(claim(o, "advisories")));
    } else if (strcmp(want, "deny") == 0) {
      counts[1]++;
    } else {
      counts[2]++;
    }
    json_decref(o);
    json_decref(e);
  }
  assert_true(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
  free(out);
  free(expected);
}

static int setup(void **state) {
  (void)state;
  g_bin = getenv("VOUCH_BIN");
  g_vectors = getenv("VOUCH_VECTORS");
  snprintf(g_tmp, sizeof g_tmp, "/tmp/vouch-policy-cli-XXXXXX");
  if (!mkdtemp(g_tmp)) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  cli_sh(NULL, "rm -rf %s", g_tmp);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_examples_on_real_quote),
      cmocka_unit_test(test_tdx_policy),
      cmocka_unit_test(test_bad_policy_file),
      cmocka_unit_test(test_bulk_policy_on_corpus),
  };
  return cmocka_run_group_tests_name("policy_cli", tests, setup, teardown);
}
