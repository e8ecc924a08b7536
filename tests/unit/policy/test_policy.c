/* Unit tests for policy/: the grammar (every example of spec/policy.md
 * parses; errors name line and column), the semantics of evaluation (join,
 * deny wins, rule order, negation, functions, read-only claims), limits, and
 * the policy hash checked against the real token in the spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "policy/policy.h"

/* ---- helpers ------------------------------------------------------------ */

static struct vouch_policy *compile_ok(const char *text) {
  struct vouch_policy *p = NULL;
  vouch_err err = {0};
  vouch_status s = vouch_policy_compile(text, strlen(text), &p, NULL, &err);
  if (s != VOUCH_OK) fail_msg("policy did not compile: %s\n%s", err.msg, text);
  return p;
}

/* compile_err asserts a syntax error at line:col whose message contains
 * |needle|. */
static void compile_err(const char *text, vouch_status code, uint32_t line, uint32_t col,
                        const char *needle) {
  struct vouch_policy *p = NULL;
  vouch_err err = {0};
  vouch_policy_pos where = {0, 0};
  vouch_status s = vouch_policy_compile(text, strlen(text), &p, &where, &err);
  if (s == VOUCH_OK) fail_msg("policy compiled but should not:\n%s", text);
  assert_null(p);
  assert_int_equal(s, code);
  if (line) {
    if (where.line != line || where.col != col)
      fail_msg("error at %u:%u, expected %u:%u (%s)", where.line, where.col, line, col, err.msg);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "policy:%u:%u: ", line, col);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
      fail_msg("message '%s' does not start with '%s'", err.msg, prefix);
  }
  if (strstr(err.msg, needle) == NULL) fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

typedef struct {
  struct vouch_policy *pol;
  struct vouch_policy_eval *ev;
} fixture;

static void add_bool(fixture *f, const char *type, bool b) {
  vouch_pval v = {.kind = VOUCH_PVAL_BOOL, .b = b};
  assert_int_equal(vouch_policy_eval_add(f->ev, type, strlen(type), &v, VOUCH_ISSUER_SERVICE, false),
                   VOUCH_OK);
}
static void add_int(fixture *f, const char *type, int64_t i) {
  vouch_pval v = {.kind = VOUCH_PVAL_INT, .i = i};
  assert_int_equal(vouch_policy_eval_add(f->ev, type, strlen(type), &v, VOUCH_ISSUER_SERVICE, false),
                   VOUCH_OK);
}
static void add_str_issuer(fixture *f, const char *type, const char *s, vouch_claim_issuer iss,
                           bool ro, vouch_pval_kind kind) {
  vouch_pval v = {.kind = kind, .s = s, .len = (uint32_t)strlen(s)};
  assert_int_equal(vouch_policy_eval_add(f->ev, type, strlen(type), &v, iss, ro), VOUCH_OK);
}
static void add_str(fixture *f, const char *type, const char *s) {
  add_str_issuer(f, type, s, VOUCH_ISSUER_SERVICE, false, VOUCH_PVAL_STRING);
}

static void start(fixture *f, const char *text) {
  f->pol = compile_ok(text);
  f->ev = vouch_policy_eval_new();
  assert_non_null(f->ev);
  vouch_policy_eval_begin(f->ev, f->pol);
}
static void finish(fixture *f) {
  vouch_policy_eval_free(f->ev);
  vouch_policy_free(f->pol);
}
static vouch_policy_decision run_ok(fixture *f) {
  vouch_policy_decision d;
  vouch_err err = {0};
  vouch_status s = vouch_policy_eval_run(f->ev, &d, &err);
  if (s != VOUCH_OK) fail_msg("evaluation failed: %s", err.msg);
  return d;
}

/* outgoing_json renders the outgoing claims as one JSON object. */
static char *outgoing_json(fixture *f) {
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  vouch_policy_write_outgoing(f->ev, &j);
  vouch_json_end_object(&j);
  assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
  char *s = strdup(vouch_buf_cstr(&b));
  vouch_buf_free(&b);
  return s;
}

static void assert_outgoing(fixture *f, const char *want) {
  char *got = outgoing_json(f);
  if (strcmp(got, want) != 0) fail_msg("outgoing claims\n got  %s\n want %s", got, want);
  free(got);
}

/* The SGX incoming claims of a release enclave, both spellings. */
#define MRSIGNER "c30d5a39d7d3b8c9e7c0a8a5f5d6f3b1a4bc2e9d8f7a6b5c4d3e2f1a0b9c8d7e"
#define MRENCLAVE "d971961f724b71dfc5f1553ac4efb68ad160e849602cdd851cb840423e592a73"
static void add_sgx(fixture *f, bool debug, int64_t product, int64_t svn) {
  add_bool(f, "x-ms-sgx-is-debuggable", debug);
  add_str(f, "x-ms-sgx-mrsigner", MRSIGNER);
  add_str(f, "x-ms-sgx-mrenclave", MRENCLAVE);
  add_int(f, "x-ms-sgx-product-id", product);
  add_int(f, "x-ms-sgx-svn", svn);
  add_str(f, "x-ms-attestation-type", "sgx");
  add_bool(f, "$is-debuggable", debug);
  add_str(f, "$sgx-mrsigner", MRSIGNER);
  add_str(f, "$sgx-mrenclave", MRENCLAVE);
  add_int(f, "$product-id", product);
  add_int(f, "$svn", svn);
  add_str(f, "$tee", "sgx");
}

/* ---- policy hash ---------------------------------------------------------- */

static const char kOldSgxDefault[] =
    "version= 1.0;authorizationrules{c:[type==\"$is-debuggable\"] => permit();};"
    "issuancerules{c:[type==\"$is-debuggable\"] => issue(type=\"is-debuggable\", "
    "value=c.value);c:[type==\"$sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", "
    "value=c.value);c:[type==\"$sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", "
    "value=c.value);c:[type==\"$product-id\"] => issue(type=\"product-id\", "
    "value=c.value);c:[type==\"$svn\"] => issue(type=\"svn\", value=c.value);"
    "c:[type==\"$tee\"] => issue(type=\"tee\", value=c.value);};";

static void test_policy_hash_matches_real_token(void **state) {
  (void)state;
  struct vouch_policy *p = compile_ok(kOldSgxDefault);
  /* The x-ms-policy-hash of the spec's real SGX token. */
  assert_string_equal(vouch_policy_hash(p), "egjnANIzEpS2WgpE4Nk-QEwM69XRCgTs42_G0qLlbnk");
  char h[VOUCH_POLICY_HASH_LEN + 1];
  vouch_policy_hash_text(kOldSgxDefault, strlen(kOldSgxDefault), h);
  assert_string_equal(h, vouch_policy_hash(p));
  /* Hashed as stored: one more space changes it. */
  char *t = malloc(sizeof kOldSgxDefault + 1);
  memcpy(t, kOldSgxDefault, sizeof kOldSgxDefault);
  strcat(t, " ");
  vouch_policy_hash_text(t, strlen(t), h);
  assert_string_not_equal(h, "egjnANIzEpS2WgpE4Nk-QEwM69XRCgTs42_G0qLlbnk");
  free(t);
  size_t len;
  assert_memory_equal(vouch_policy_text(p, &len), kOldSgxDefault, sizeof kOldSgxDefault - 1);
  assert_int_equal(len, sizeof kOldSgxDefault - 1);
  vouch_policy_free(p);
}

/* ---- the old default policy evaluates as the real service did --------------- */

static void test_old_default_issues_legacy_claims(void **state) {
  (void)state;
  fixture f;
  start(&f, kOldSgxDefault);
  add_sgx(&f, false, 4639, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"is-debuggable\":false,\"sgx-mrsigner\":\"" MRSIGNER
                      "\",\"sgx-mrenclave\":\"" MRENCLAVE
                      "\",\"product-id\":4639,\"svn\":1,\"tee\":\"sgx\"}");
  finish(&f);
}

static void test_sgx_default_policy(void **state) {
  (void)state;
  fixture f;
  start(&f, vouch_policy_default_text("SgxEnclave"));
  assert_int_equal(vouch_policy_version(f.pol), 11);
  add_sgx(&f, true, 1, 2);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"is-debuggable\":true,\"sgx-mrsigner\":\"" MRSIGNER
                      "\",\"sgx-mrenclave\":\"" MRENCLAVE
                      "\",\"product-id\":1,\"svn\":2,\"tee\":\"sgx\"}");
  const vouch_pclaim *prop = vouch_policy_eval_find_property(f.ev, "x-ms-sgx-tcbidentifier");
  assert_non_null(prop);
  assert_int_equal(prop->value.kind, VOUCH_PVAL_STRING);
  assert_memory_equal(prop->value.s, "azuredefault", 12);
  /* Property claims are not outgoing. */
  assert_int_equal(vouch_policy_eval_num_outgoing(f.ev), 6);
  finish(&f);
  assert_non_null(vouch_policy_default_text("OpenEnclave"));
  assert_non_null(vouch_policy_default_text("tdxvm"));
  assert_null(vouch_policy_default_text("Pluton"));
}

/* ---- the ten examples of spec/policy.md §10 ----------------------------------- */

static const char kEx1[] =
    "version= 1.0;\n"
    "authorizationrules\n"
    "{\n"
    "       [ type==\"x-ms-sgx-is-debuggable\", value==false ]\n"
    "        && [ type==\"x-ms-sgx-product-id\", value==4639 ]\n"
    "        && [ type==\"x-ms-sgx-svn\", value>= 0 ]\n"
    "        && [ type==\"x-ms-sgx-mrsigner\", value==\"" MRSIGNER "\"]\n"
    "    => permit();\n"
    "};\n"
    "issuancerules {\n"
    "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"enclave-signer\", value=c.value);\n"
    "};\n";

static void test_example1_custom_sgx(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx1);
  add_sgx(&f, false, 4639, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"enclave-signer\":\"" MRSIGNER "\"}");
  finish(&f);
  /* Each condition can fail alone. */
  start(&f, kEx1);
  add_sgx(&f, true, 4639, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_NO_PERMIT);
  finish(&f);
  start(&f, kEx1);
  add_sgx(&f, false, 4640, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_NO_PERMIT);
  finish(&f);
  start(&f, kEx1);
  add_sgx(&f, false, 4639, -1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_NO_PERMIT);
  finish(&f);
}

static const char kEx2[] =
    "version= 1.0;\n"
    "authorizationrules\n"
    "{\n"
    "\t[ type==\"x-ms-sgx-is-debuggable\", value==true ]&&\n"
    "\t[ type==\"x-ms-sgx-mrsigner\", value==\"mrsigner1\"] => permit();\n"
    "\t[ type==\"x-ms-sgx-is-debuggable\", value==true ]&&\n"
    "\t[ type==\"x-ms-sgx-mrsigner\", value==\"" MRSIGNER "\"] => permit();\n"
    "};\n";

static void test_example2_alternation_by_rules(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx2);
  add_sgx(&f, true, 1, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_int_equal(vouch_policy_eval_num_outgoing(f.ev), 0); /* no issuancerules */
  finish(&f);
  start(&f, kEx2);
  add_sgx(&f, false, 1, 1); /* this policy admits only debug enclaves */
  assert_int_equal(run_ok(&f), VOUCH_POLICY_NO_PERMIT);
  finish(&f);
}

static const char kEx3[] =
    "version= 1.0;\n"
    "authorizationrules\n"
    "{\n"
    "[ type==\"x-ms-sgx-is-debuggable\", value==false]&&\n"
    "[ type==\"x-ms-sgx-mrsigner\", value==\"" MRSIGNER "\"] => permit();\n"
    "[ type==\"x-ms-sgx-is-debuggable\", value==false ]&&\n"
    "[ type==\"x-ms-sgx-mrsigner\", value==\"mrsigner2\"] => permit();\n"
    "};\n";

static void test_example3_rotation(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx3);
  add_sgx(&f, false, 1, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  finish(&f);
  start(&f, kEx3);
  add_sgx(&f, true, 1, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_NO_PERMIT);
  finish(&f);
}

static const char kEx4[] =
    "version = 1.1;\n"
    "configurationrules\n"
    "{\n"
    "=> issueproperty (\n"
    "type = \"x-ms-sgx-tcbidentifier\", value = \"11\"\n"
    ");\n"
    "};\n"
    "authorizationrules\n"
    "{\n"
    "=> permit();\n"
    "};\n"
    "Issuancerules\n"
    "{\n"
    "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);\n"
    "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);\n"
    "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);\n"
    "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);\n"
    "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);\n"
    "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);\n"
    "};\n";

static void test_example4_tcb_baseline(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx4);
  add_sgx(&f, false, 3, 4);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  const vouch_pclaim *prop = vouch_policy_eval_find_property(f.ev, "x-ms-sgx-tcbidentifier");
  assert_non_null(prop);
  assert_memory_equal(prop->value.s, "11", 2);
  assert_int_equal(vouch_policy_eval_num_outgoing(f.ev), 6);
  finish(&f);
}

static const char kEx5[] =
    "version=1.0;authorizationrules {c:[type==\"$is-debuggable\"] && [value==true] => "
    "deny();=> permit();};issuancerules {    c:[type==\"$is-debuggable\"] => "
    "issue(type=\"NotDebuggable\", value=c.value);    c:[type==\"$is-debuggable\"] => "
    "issue(type=\"is-debuggable\", value=c.value);    c:[type==\"$sgx-mrsigner\"] => "
    "issue(type=\"sgx-mrsigner\", value=c.value);    c:[type==\"$sgx-mrenclave\"] => "
    "issue(type=\"sgx-mrenclave\", value=c.value);    c:[type==\"$product-id\"] => "
    "issue(type=\"product-id\", value=c.value);    c:[type==\"$svn\"] => issue(type=\"svn\", "
    "value=c.value);    c:[type==\"$tee\"] => issue(type=\"tee\", value=c.value);};";

static void test_example5_deny_wins(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx5);
  add_sgx(&f, true, 1, 1);
  /* deny() fires first, permit() after it: deny wins regardless of order. */
  assert_int_equal(run_ok(&f), VOUCH_POLICY_DENY);
  finish(&f);
  start(&f, kEx5);
  add_sgx(&f, false, 1, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  char *out = outgoing_json(&f);
  assert_non_null(strstr(out, "\"NotDebuggable\":false"));
  assert_non_null(strstr(out, "\"tee\":\"sgx\""));
  free(out);
  finish(&f);
  /* The same with permit first and deny last. */
  start(&f, "version=1.0; authorizationrules { => permit(); [type==\"$is-debuggable\", "
            "value==true] => deny(); };");
  add_sgx(&f, true, 1, 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_DENY);
  finish(&f);
}

static const char kEx6[] =
    "version=1.0;\n"
    "authorizationrules {\n"
    "    => permit();\n"
    "};\n"
    "issuancerules\n"
    "{\n"
    "[type==\"aikValidated\", value==true]&&\n"
    "[type==\"secureBootEnabled\", value==true] &&\n"
    "[type==\"bootDebuggingDisabled\", value==true] &&\n"
    "[type==\"notSafeMode\", value==true] => issue(type=\"PlatformAttested\", value=true);\n"
    "};\n";

static void add_tpm(fixture *f, bool aik, bool sb, bool nodbg, bool notsafe) {
  add_bool(f, "aikValidated", aik);
  add_bool(f, "secureBootEnabled", sb);
  add_bool(f, "bootDebuggingDisabled", nodbg);
  add_bool(f, "notSafeMode", notsafe);
}

static void test_example6_tpm(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx6);
  add_tpm(&f, true, true, true, true);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"PlatformAttested\":true}");
  finish(&f);
  start(&f, kEx6);
  add_tpm(&f, true, false, true, true);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{}");
  finish(&f);
}

static const char kEx7[] =
    "version=1.1;\n"
    "configurationrules{\n"
    "=> issueproperty(type = \"required_pcr_mask\", value = 15);\n"
    "=> issueproperty(type = \"require_valid_aik_cert\", value = false);\n"
    "};\n"
    "authorizationrules {\n"
    "    => permit();\n"
    "};\n"
    "issuancerules\n"
    "{\n"
    "[type==\"aikValidated\", value==true]&&\n"
    "[type==\"secureBootEnabled\", value==true] &&\n"
    "[type==\"bootDebuggingDisabled\", value==true] &&\n"
    "[type==\"notSafeMode\", value==true] => issue(type=\"PlatformAttested\", value=true);\n"
    "[type==\"aikValidated\", value==false]&&\n"
    "[type==\"secureBootEnabled\", value==true] &&\n"
    "[type==\"bootDebuggingDisabled\", value==true] &&\n"
    "[type==\"notSafeMode\", value==true] => issue(type=\"PlatformAttested\", value=false);\n"
    "};\n";

static void test_example7_tpm_config(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx7);
  add_tpm(&f, false, true, true, true);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"PlatformAttested\":false}");
  const vouch_pclaim *mask = vouch_policy_eval_find_property(f.ev, "required_pcr_mask");
  assert_non_null(mask);
  assert_int_equal(mask->value.kind, VOUCH_PVAL_INT);
  assert_int_equal(mask->value.i, 15);
  const vouch_pclaim *aik = vouch_policy_eval_find_property(f.ev, "require_valid_aik_cert");
  assert_non_null(aik);
  assert_int_equal(aik->value.kind, VOUCH_PVAL_BOOL);
  assert_false(aik->value.b);
  finish(&f);
}

static const char kEx8[] =
    "version=1.2;\n"
    "authorizationrules {\n"
    "  => permit();\n"
    "};\n"
    "issuancerules\n"
    "{\n"
    "c:[type == \"events\", issuer==\"AttestationService\"] => add(type = \"efiConfigVariables\", "
    "value = JmesPath(c.value, \"Events[?EventTypeString == 'EV_EFI_VARIABLE_DRIVER_CONFIG' && "
    "ProcessedData.VariableGuid == '8BE4DF61-93CA-11D2-AA0D-00E098032B8C']\"));\n"
    "c:[type==\"efiConfigVariables\", issuer=\"AttestationPolicy\"]=> issue(type = "
    "\"secureBootEnabled\", value = JsonToClaimValue(JmesPath(c.value, \"[?ProcessedData.UnicodeName "
    "== 'SecureBoot'] | length(@) == `1` && @[0].ProcessedData.VariableData == 'AQ'\")));\n"
    "![type==\"secureBootEnabled\", issuer==\"AttestationPolicy\"] => issue(type=\"secureBootEnabled\", "
    "value=false);\n"
    "};\n";

static const char *events_log(const char *secure_boot_data) {
  static char buf[1024];
  snprintf(buf, sizeof buf,
           "{\"Events\":[{\"EventTypeString\":\"EV_SEPARATOR\",\"ProcessedData\":{}},"
           "{\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\",\"ProcessedData\":{"
           "\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\",\"UnicodeName\":\"SecureBoot\","
           "\"VariableData\":\"%s\"}},"
           "{\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\",\"ProcessedData\":{"
           "\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\",\"UnicodeName\":\"PK\","
           "\"VariableData\":\"AAAA\"}}]}",
           secure_boot_data);
  return buf;
}

static void test_example8_tpm_functions(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx8);
  /* events is raw evidence: read-only, as the service marks it. */
  add_str_issuer(&f, "events", events_log("AQ"), VOUCH_ISSUER_SERVICE, true, VOUCH_PVAL_JSON);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"secureBootEnabled\":true}");
  finish(&f);
  start(&f, kEx8);
  add_str_issuer(&f, "events", events_log("AA"), VOUCH_ISSUER_SERVICE, true, VOUCH_PVAL_JSON);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"secureBootEnabled\":false}");
  finish(&f);
  /* No event log at all: the '!' rule issues false. */
  start(&f, kEx8);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"secureBootEnabled\":false}");
  finish(&f);
  /* An events claim from the attester is not the service's: ignored. */
  start(&f, kEx8);
  add_str_issuer(&f, "events", events_log("AQ"), VOUCH_ISSUER_CUSTOM, false, VOUCH_PVAL_JSON);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"secureBootEnabled\":false}");
  finish(&f);
}

static const char kEx9[] =
    "version=1.0; authorizationrules { => permit(); }; issuancerules {\n"
    "F1:[type==\"OSName\", issuer==\"CustomClaim\"] &&\n"
    "C2:[type==\"OSName\", issuer==\"AttestationService\", value==F1.value]\n"
    "=> issue(claim = C2);\n"
    "};";

static void test_example9_cross_reference(void **state) {
  (void)state;
  fixture f;
  start(&f, kEx9);
  add_str_issuer(&f, "OSName", "Windows", VOUCH_ISSUER_CUSTOM, false, VOUCH_PVAL_STRING);
  add_str_issuer(&f, "OSName", "Linux", VOUCH_ISSUER_SERVICE, false, VOUCH_PVAL_STRING);
  add_str_issuer(&f, "OSName", "Windows", VOUCH_ISSUER_SERVICE, false, VOUCH_PVAL_STRING);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"OSName\":\"Windows\"}");
  const vouch_pclaim *c = vouch_policy_eval_outgoing(f.ev, 0);
  assert_int_equal(c->issuer, VOUCH_ISSUER_POLICY);
  finish(&f);
  /* The attester's claim alone matches nothing. */
  start(&f, kEx9);
  add_str_issuer(&f, "OSName", "Windows", VOUCH_ISSUER_CUSTOM, false, VOUCH_PVAL_STRING);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{}");
  finish(&f);
}

static void test_example10_minimal_and_crlf(void **state) {
  (void)state;
  fixture f;
  start(&f, "version=1.0; authorizationrules{=> permit();}; issuancerules{};");
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  finish(&f);
  /* As stored by the portal: leading CRLF. */
  start(&f, "\r\nversion=1.0;\r\nauthorizationrules { => permit(); };\r\nissuancerules {};");
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  finish(&f);
}

/* ---- semantics -------------------------------------------------------------- */

static void test_join_multiplicity_and_dedupe(void **state) {
  (void)state;
  fixture f;
  start(&f, "version=1.0; authorizationrules{=>permit();}; issuancerules{\n"
            "c:[type==\"x\"] => issue(type=\"y\", value=c.value);\n"
            "a:[type==\"x\"] && b:[type==\"z\"] => issue(type=\"pair\", "
            "value=b.value);\n"
            "};");
  add_int(&f, "x", 1);
  add_int(&f, "x", 2);
  add_int(&f, "x", 1);
  add_str(&f, "z", "p");
  add_str(&f, "z", "q");
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  /* One y per incoming x, identical values kept once; the join fires per
   * combination (3 x 2), deduplicated to the two distinct values. */
  assert_outgoing(&f, "{\"y\":[1,2],\"pair\":[\"p\",\"q\"]}");
  finish(&f);
}

static void test_rules_see_earlier_claims_and_end(void **state) {
  (void)state;
  fixture f;
  start(&f, "version=1.0; authorizationrules{\n"
            "=> add(type=\"step\", value=1);\n"
            "c:[type==\"step\", value==1] => add(type=\"step\", value=2);\n"
            "c:[type==\"step\"] => add(type=\"step\", value=3);\n" /* must not loop */
            "[type==\"step\", value==2] => permit();\n"
            "};");
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  /* 1, 2, then 3 once: rule 3 sees two step claims, both give value 3. */
  assert_int_equal(vouch_policy_eval_num_incoming(f.ev), 3);
  finish(&f);
}

static void test_no_rules_means_no_permit(void **state) {
  (void)state;
  fixture f;
  start(&f, "version=1.0; authorizationrules{ }; issuancerules{ };");
  assert_int_equal(run_ok(&f), VOUCH_POLICY_NO_PERMIT);
  assert_string_equal(vouch_policy_decision_name(VOUCH_POLICY_NO_PERMIT), "deny");
  finish(&f);
}

static void test_comparisons_and_types(void **state) {
  (void)state;
  fixture f;
  start(&f, "version=1.0; authorizationrules{\n"
            "[type==\"n\", value > 4] && [type==\"n\", value <= 5] && [type==\"n\", value != 6] "
            "=> add(type=\"ok1\", value=true);\n"
            /* different types never compare equal, not even with != */
            "[type==\"n\", value == \"5\"] => add(type=\"bad1\", value=true);\n"
            "[type==\"n\", value != \"5\"] => add(type=\"bad2\", value=true);\n"
            "[type==\"s\", value == \"ABC\"] => add(type=\"bad3\", value=true);\n" /* case */
            "[type==\"s\", value == \"abc\", valueType == \"String\"] => add(type=\"ok2\", value=1);\n"
            "[type==\"n\", valueType == \"Integer\"] => add(type=\"ok3\", value=1);\n"
            "[issuer == \"AttestationService\", type != \"n\"] => add(type=\"ok4\", value=1);\n"
            "=> permit();\n"
            "};");
  add_int(&f, "n", 5);
  add_str(&f, "s", "abc");
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  bool seen[8] = {0};
  for (size_t i = 0; i < vouch_policy_eval_num_incoming(f.ev); i++) {
    const vouch_pclaim *c = vouch_policy_eval_incoming(f.ev, i);
    if (c->type_len == 3 && memcmp(c->type, "bad", 3) == 0) fail_msg("a bad rule fired");
    if (c->type_len == 3 && memcmp(c->type, "ok", 2) == 0) seen[c->type[2] - '0'] = true;
  }
  assert_true(seen[1] && seen[2] && seen[3] && seen[4]);
  finish(&f);
}

static void test_value_only_condition_and_labels(void **state) {
  (void)state;
  fixture f;
  /* [value==true] with no type matches any claim (AD FS semantics). */
  start(&f, "version=1.0; authorizationrules{ [value==true] => permit(); };");
  add_int(&f, "a", 1);
  add_bool(&f, "b", true);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  finish(&f);
  start(&f, "version=1.0; authorizationrules{ [value==true] => permit(); };");
  add_bool(&f, "b", false);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_NO_PERMIT);
  finish(&f);
  /* c.type and c.issuer in actions. */
  start(&f, "version=1.0; authorizationrules{=>permit();}; issuancerules{ "
            "c:[type==\"a\"] => issue(type=\"t\", value=c.type); "
            "c:[type==\"a\"] => issue(type=\"i\", value=c.issuer); "
            "c:[type==\"a\"] => issue(type=\"v\", value=c.valueType); };");
  add_int(&f, "a", 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"t\":\"a\",\"i\":\"AttestationService\",\"v\":\"Integer\"}");
  finish(&f);
}

static void test_functions(void **state) {
  (void)state;
  fixture f;
  start(&f, "version=1.2; authorizationrules{=>permit();}; issuancerules{\n"
            "=> issue(type=\"cat\", value=AppendString(\"ab\", \"cd\"));\n"
            "=> issue(type=\"neg\", value=NegateBool(true));\n"
            "=> issue(type=\"j\", value=JsonToClaimValue(\"42\"));\n"
            "=> issue(type=\"set\", value=JsonToClaimValue(\"[1,2,3]\"));\n"
            "=> issue(type=\"none\", value=JsonToClaimValue(\"null\"));\n"
            "=> issue(type=\"sub\", value=IsSubsetOf(JsonToClaimValue(\"[1,3]\"), "
            "JsonToClaimValue(\"[1,2,3]\")));\n"
            "=> issue(type=\"nsub\", value=IsSubsetOf(JsonToClaimValue(\"[1,4]\"), "
            "JsonToClaimValue(\"[1,2,3]\")));\n"
            "=> issue(type=\"only\", value=ContainsOnlyValue(JsonToClaimValue(\"[7,7]\"), 7));\n"
            "=> issue(type=\"nonly\", value=ContainsOnlyValue(JsonToClaimValue(\"[7,8]\"), 7));\n"
            "=> issue(type=\"jp\", value=JmesPath(\"{\\\"foo\\\": \\\"bar\\\"}\", \"foo\"));\n"
            "=> issue(type=\"vt\", value=\"17\", valueType=\"Integer\");\n"
            "};");
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"cat\":\"abcd\",\"neg\":false,\"j\":42,\"set\":[1,2,3],\"sub\":true,"
                      "\"nsub\":false,\"only\":true,\"nonly\":false,\"jp\":\"\\\"bar\\\"\","
                      "\"vt\":17}");
  finish(&f);
}

static void eval_fails(const char *text, vouch_status code, const char *needle) {
  fixture f;
  start(&f, text);
  add_str_issuer(&f, "events", "{\"a\":[1]}", VOUCH_ISSUER_SERVICE, true, VOUCH_PVAL_JSON);
  vouch_policy_decision d;
  vouch_err err = {0};
  vouch_status s = vouch_policy_eval_run(f.ev, &d, &err);
  if (s != code) fail_msg("status %s, expected %s (%s)", vouch_status_name(s),
                          vouch_status_name(code), err.msg);
  if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
  if (!strstr(err.msg, "policy rule at line")) fail_msg("no rule line in '%s'", err.msg);
  finish(&f);
}

static void test_evaluation_errors(void **state) {
  (void)state;
  eval_fails("version=1.2; authorizationrules{=>permit();}; issuancerules{"
             "=> issue(type=\"x\", value=JsonToClaimValue(\"1.5\"));};",
             VOUCH_E_POLICY_EVAL, "fraction");
  eval_fails("version=1.2; authorizationrules{=>permit();}; issuancerules{"
             "=> issue(type=\"x\", value=JsonToClaimValue(\"{}\"));};",
             VOUCH_E_POLICY_EVAL, "object");
  eval_fails("version=1.2; authorizationrules{=>permit();}; issuancerules{"
             "=> issue(type=\"x\", value=NegateBool(1));};",
             VOUCH_E_POLICY_EVAL, "boolean");
  /* Raw evidence may not leave through issue(), even through a function. */
  eval_fails("version=1.2; authorizationrules{=>permit();}; issuancerules{"
             "c:[type==\"events\"] => issue(type=\"x\", value=c.value);};",
             VOUCH_E_POLICY_EVAL, "read-only");
  eval_fails("version=1.2; authorizationrules{=>permit();}; issuancerules{"
             "c:[type==\"events\"] => issue(type=\"x\", value=JmesPath(c.value, \"a\"));};",
             VOUCH_E_POLICY_EVAL, "read-only");
  eval_fails("version=1.2; authorizationrules{=>permit();}; issuancerules{"
             "=> issue(type=\"x\", value=JmesPath(\"{}\", \"sort(@)\"));};",
             VOUCH_E_UNSUPPORTED, "sort");
  eval_fails("version=1.0; authorizationrules{=>permit();}; issuancerules{"
             "=> issue(type=\"x\", value=\"abc\", valueType=\"Integer\");};",
             VOUCH_E_POLICY_EVAL, "valueType");
}

static void test_step_limit(void **state) {
  (void)state;
  /* 8 conditions over 64 claims each: 64^8 combinations, stopped by the
   * step limit rather than running for ever. */
  fixture f;
  start(&f, "version=1.0; authorizationrules{ [type==\"x\"] && [type==\"x\"] && [type==\"x\"] "
            "&& [type==\"x\"] && [type==\"x\"] && [type==\"x\"] && [type==\"x\"] && "
            "[type==\"x\"] => add(type=\"y\", value=1); };");
  for (int i = 0; i < 64; i++) add_int(&f, "x", i);
  vouch_policy_decision d;
  vouch_err err = {0};
  assert_int_equal(vouch_policy_eval_run(f.ev, &d, &err), VOUCH_E_LIMIT);
  assert_non_null(strstr(err.msg, "steps"));
  /* The evaluator is reusable after a failure. */
  vouch_policy_eval_begin(f.ev, f.pol);
  add_int(&f, "x", 1);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_NO_PERMIT);
  finish(&f);
}

static void test_claim_set_limit(void **state) {
  (void)state;
  fixture f;
  start(&f, "version=1.0; authorizationrules{=>permit();};");
  vouch_pval v = {.kind = VOUCH_PVAL_INT};
  vouch_status s = VOUCH_OK;
  int added = 0;
  for (int i = 0; i < VOUCH_POLICY_MAX_CLAIMS + 1 && s == VOUCH_OK; i++) {
    s = vouch_policy_eval_add(f.ev, "x", 1, &v, VOUCH_ISSUER_SERVICE, false);
    if (s == VOUCH_OK) added++;
  }
  assert_int_equal(s, VOUCH_E_LIMIT);
  assert_int_equal(added, VOUCH_POLICY_MAX_CLAIMS);
  finish(&f);
}

/* ---- grammar: leniencies and errors ---------------------------------------------- */

static void test_leniencies(void **state) {
  (void)state;
  static const char *const ok[] = {
      /* case-insensitive keywords, = for ==, missing ';' after a rule and a section */
      "VERSION=1.0; AuthorizationRules { [Type=\"a\", VALUE=TRUE] => Permit() } IssuanceRules {}",
      /* the sloppy claim argument form, comments, typographic quotes */
      "version=1.0; // comment\nauthorizationrules{ /* block */ => permit(); };"
      "issuancerules{ => issue(\"x\", value=1); => issue(type=\xE2\x80\x9Cy\xE2\x80\x9D, value=2); };",
      /* hex integers, negative integers, empty condition */
      "version=1.0; authorizationrules{ [type==\"a\", value==0xFFFFFF] && [] => permit(); "
      "[type==\"b\", value > -5] => permit(); };",
      /* UTF-8 byte-order mark */
      "\xEF\xBB\xBFversion=1.0; authorizationrules{ => permit(); };",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) vouch_policy_free(compile_ok(ok[i]));
  fixture f;
  start(&f, ok[0]);
  add_bool(&f, "a", true);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  finish(&f);
  start(&f, ok[1]);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  assert_outgoing(&f, "{\"x\":1,\"y\":2}");
  finish(&f);
  start(&f, ok[2]);
  add_int(&f, "a", 0xFFFFFF);
  assert_int_equal(run_ok(&f), VOUCH_POLICY_PERMIT);
  finish(&f);
}

static void test_syntax_errors(void **state) {
  (void)state;
  compile_err("version=1.0;\nauthorizationrules {\n  [type==\"a\"] permit();\n};",
              VOUCH_E_POLICY_SYNTAX, 3, 15, "expected '=>' after condition list");
  compile_err("authorizationrules{};", VOUCH_E_POLICY_SYNTAX, 1, 1, "expected 'version=1.x;'");
  compile_err("version=2.0; authorizationrules{};", VOUCH_E_POLICY_SYNTAX, 1, 9,
              "unsupported policy version 2.0");
  compile_err("version=1.3; authorizationrules{};", VOUCH_E_POLICY_SYNTAX, 1, 9,
              "unsupported policy version 1.3");
  compile_err("version=1.0;\nissuancerules{};", VOUCH_E_POLICY_SYNTAX, 2, 17,
              "expected an authorizationrules section");
  compile_err("version=1.0; issuancerules{}; authorizationrules{};", VOUCH_E_POLICY_SYNTAX, 1, 31,
              "must come before");
  compile_err("version=1.0; authorizationrules{}; authorizationrules{};", VOUCH_E_POLICY_SYNTAX, 1,
              36, "appears twice");
  compile_err("version=1.0; configurationrules{}; authorizationrules{};", VOUCH_E_POLICY_SYNTAX, 1,
              14, "needs policy version 1.1");
  compile_err("version=1.1; authorizationrules{ ![type==\"a\"] => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 34, "needs policy version 1.2");
  compile_err("version=1.1; authorizationrules{ => add(type=\"a\", value=NegateBool(true)); };",
              VOUCH_E_POLICY_SYNTAX, 1, 57, "function calls need policy version 1.2");
  compile_err("version=1.2; authorizationrules{ => add(type=\"a\", value=Frob(1)); };",
              VOUCH_E_POLICY_SYNTAX, 1, 57, "unknown function 'Frob'");
  compile_err("version=1.2; authorizationrules{ => add(type=\"a\", value=NegateBool(1, 2)); };",
              VOUCH_E_POLICY_SYNTAX, 1, 57, "NegateBool takes 1 argument, not 2");
  compile_err("version=1.0; authorizationrules{ [type==\"a\"] || [type==\"b\"] => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 46, "'||' is not part of the language");
  compile_err("version=1.0; authorizationrules{ => issue(type=\"a\", value=1); };",
              VOUCH_E_POLICY_SYNTAX, 1, 37, "issue() is not allowed in authorizationrules");
  compile_err("version=1.0; authorizationrules{=>permit();}; issuancerules{ => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 65, "permit() is not allowed in issuancerules");
  compile_err("version=1.0; authorizationrules{ [type==\"a\", value < \"x\"] => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 52, "compare integers");
  compile_err("version=1.0; authorizationrules{ [type > \"a\"] => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 40, "only == and !=");
  compile_err("version=1.0; authorizationrules{ => add(type=\"a\", value=c.value); };",
              VOUCH_E_POLICY_SYNTAX, 1, 57, "'c' is not the label of an earlier condition");
  compile_err("version=1.0; authorizationrules{ c:[type==\"a\"] && c:[type==\"b\"] => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 51, "label already used");
  compile_err("version=1.0; authorizationrules{ [type==\"a\", value==\"x] => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 53, "unterminated string");
  compile_err("version=1.0; authorizationrules{ [type==$is-debuggable] => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 41, "put them in quotes");
  compile_err("version=1.0; authorizationrules{ { => permit(); } };", VOUCH_E_POLICY_SYNTAX, 1, 34,
              "sections do not nest");
  compile_err("version=1.0; authorizationrules{ => permit();", VOUCH_E_POLICY_SYNTAX, 1, 46,
              "expected '}' to close the section");
  compile_err("version=1.0; authorizationrules{ => add(type=\"a\"); };", VOUCH_E_POLICY_SYNTAX, 1,
              49, "the claim needs value=");
  compile_err("version=1.0; authorizationrules{ [value==99999999999999999999] => permit(); };",
              VOUCH_E_POLICY_SYNTAX, 1, 42, "64-bit range");
  compile_err("version=1.0; authorizationrules{ => permit() permit(); };", VOUCH_E_POLICY_SYNTAX,
              1, 46, "expected ';' after the rule");
  compile_err("version=1.0; authorizationrules{ => add(type=\"a\", value=1, valueType=\"Float\"); };",
              VOUCH_E_POLICY_SYNTAX, 1, 70, "valueType is");
  compile_err("version=1.0; authorizationrules{}; bogus{};", VOUCH_E_POLICY_SYNTAX, 1, 36,
              "expected a section");
  /* NUL in the text */
  struct vouch_policy *p = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_policy_compile("version=1.0;\0", 13, &p, NULL, &err),
                   VOUCH_E_POLICY_SYNTAX);
}

static void test_limits(void **state) {
  (void)state;
  /* Text size: at the limit compiles, one byte over is refused. */
  const char head[] = "version=1.0; authorizationrules{=>permit();};";
  size_t n = VOUCH_POLICY_MAX_TEXT;
  char *t = malloc(n + 2);
  memcpy(t, head, sizeof head - 1);
  memset(t + sizeof head - 1, ' ', n - (sizeof head - 1));
  struct vouch_policy *p = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_policy_compile(t, n, &p, NULL, &err), VOUCH_OK);
  vouch_policy_free(p);
  t[n] = ' ';
  assert_int_equal(vouch_policy_compile(t, n + 1, &p, NULL, &err), VOUCH_E_LIMIT);
  assert_null(p);
  free(t);

  /* Conditions per rule. */
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_buf_puts(&b, "version=1.0; authorizationrules{ ");
  for (int i = 0; i < VOUCH_POLICY_MAX_CONDITIONS; i++)
    vouch_buf_puts(&b, i ? " && [type==\"a\"]" : "[type==\"a\"]");
  vouch_buf_puts(&b, " => permit(); };");
  assert_int_equal(vouch_policy_compile(b.data, b.len, &p, NULL, &err), VOUCH_OK);
  vouch_policy_free(p);
  vouch_buf_reset(&b);
  vouch_buf_puts(&b, "version=1.0; authorizationrules{ ");
  for (int i = 0; i <= VOUCH_POLICY_MAX_CONDITIONS; i++)
    vouch_buf_puts(&b, i ? " && [type==\"a\"]" : "[type==\"a\"]");
  vouch_buf_puts(&b, " => permit(); };");
  vouch_err_clear(&err);
  assert_int_equal(vouch_policy_compile(b.data, b.len, &p, NULL, &err), VOUCH_E_LIMIT);
  assert_non_null(strstr(err.msg, "too many conditions"));

  /* Nested calls. */
  vouch_buf_reset(&b);
  vouch_buf_puts(&b, "version=1.2; authorizationrules{ => add(type=\"a\", value=");
  for (int i = 0; i < VOUCH_POLICY_MAX_CALL_DEPTH + 1; i++) vouch_buf_puts(&b, "NegateBool(");
  vouch_buf_puts(&b, "true");
  for (int i = 0; i < VOUCH_POLICY_MAX_CALL_DEPTH + 1; i++) vouch_buf_putc(&b, ')');
  vouch_buf_puts(&b, "); };");
  vouch_err_clear(&err);
  assert_int_equal(vouch_policy_compile(b.data, b.len, &p, NULL, &err), VOUCH_E_LIMIT);
  assert_non_null(strstr(err.msg, "nested too deeply"));

  /* Rules. */
  vouch_buf_reset(&b);
  vouch_buf_puts(&b, "version=1.0; authorizationrules{ ");
  for (int i = 0; i <= VOUCH_POLICY_MAX_RULES; i++) vouch_buf_puts(&b, "=>permit();");
  vouch_buf_puts(&b, "};");
  assert_int_equal(vouch_policy_compile(b.data, b.len, &p, NULL, &err), VOUCH_E_LIMIT);
  vouch_buf_free(&b);
}

static void test_dump_and_interning(void **state) {
  (void)state;
  struct vouch_policy *p = compile_ok(vouch_policy_default_text("SgxEnclave"));
  uint16_t a = vouch_policy_type_id(p, "x-ms-sgx-mrsigner", 17);
  assert_int_not_equal(a, VOUCH_POLICY_NO_TYPE);
  assert_int_equal(vouch_policy_type_id(p, "x-ms-sgx-mrsigner", 17), a);
  assert_int_equal(vouch_policy_type_id(p, "x-ms-sgx-nothing", 16), VOUCH_POLICY_NO_TYPE);
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_policy_dump(p, &b);
  const char *d = vouch_buf_cstr(&b);
  assert_non_null(strstr(d, "version 1.1"));
  assert_non_null(strstr(d, "issuancerules (6 rules)"));
  assert_non_null(strstr(d, "(line 9)"));
  assert_non_null(strstr(d, "indexed by type"));
  assert_non_null(strstr(d, "x-ms-sgx-tcbidentifier"));
  vouch_buf_free(&b);
  vouch_policy_free(p);
}

/* ---- signed policies -------------------------------------------------------- */

static void test_policy_jws_unsigned_roundtrip(void **state) {
  (void)state;
  const char *text = vouch_policy_default_text("SgxEnclave");
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_err err = {0};
  assert_int_equal(vouch_policy_to_jws(text, strlen(text), NULL, NULL, 0, &b, &err), VOUCH_OK);
  /* {"alg":"none"} and an empty signature, as the SDKs send it */
  assert_memory_equal(b.data, "eyJhbGciOiJub25lIn0.", 20);
  assert_int_equal(b.data[b.len - 1], '.');
  assert_true(vouch_policy_looks_like_jws(b.data, b.len));
  assert_false(vouch_policy_looks_like_jws(text, strlen(text)));
  vouch_policy_jws pj;
  assert_int_equal(vouch_policy_from_jws(b.data, b.len, NULL, 0, true, 0, &pj, &err), VOUCH_OK);
  assert_int_equal(pj.len, strlen(text));
  assert_memory_equal(pj.text, text, pj.len);
  assert_false(pj.is_signed);
  vouch_policy_jws_cleanup(&pj);
  /* Isolated mode: unsigned is refused. */
  assert_int_equal(vouch_policy_from_jws(b.data, b.len, NULL, 0, false, 0, &pj, &err),
                   VOUCH_E_SIGNATURE);
  vouch_buf_free(&b);
  /* Old samples put the raw text in AttestationPolicy. */
  vouch_buf raw;
  vouch_buf_init(&raw, 0);
  static const char kPayload[] =
      "{\"AttestationPolicy\":\"version=1.0; authorizationrules{=>permit();};\"}";
  assert_int_equal(vouch_jws_unsigned_compact("{\"alg\":\"none\"}", 14,
                                              (const uint8_t *)kPayload, sizeof kPayload - 1, &raw),
                   VOUCH_OK);
  assert_int_equal(vouch_policy_from_jws(raw.data, raw.len, NULL, 0, true, 0, &pj, &err), VOUCH_OK);
  assert_string_equal(pj.text, "version=1.0; authorizationrules{=>permit();};");
  vouch_policy_jws_cleanup(&pj);
  vouch_buf_free(&raw);
}

static void signed_case(vouch_jws_alg alg) {
  struct vouch_signer *s = NULL, *other = NULL;
  assert_int_equal(vouch_signer_generate(alg, &s), VOUCH_OK);
  assert_int_equal(vouch_signer_generate(alg, &other), VOUCH_OK);
  struct vouch_cert *cert = NULL, *other_cert = NULL;
  int64_t now = 1767225600; /* 2026-01-01 */
  assert_int_equal(vouch_signer_self_signed_cert(s, "policy signer", now - 86400, now + 86400,
                                                 &cert),
                   VOUCH_OK);
  assert_int_equal(vouch_signer_self_signed_cert(other, "someone else", now - 86400, now + 86400,
                                                 &other_cert),
                   VOUCH_OK);
  const char *text = "version=1.0; authorizationrules{=>permit();}; issuancerules{};";
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_err err = {0};
  assert_int_equal(vouch_policy_to_jws(text, strlen(text), s, &cert, 1, &b, &err), VOUCH_OK);
  vouch_policy_jws pj;
  /* Trusted signer: accepted, signer reported. */
  assert_int_equal(vouch_policy_from_jws(b.data, b.len, &cert, 1, false, now, &pj, &err),
                   VOUCH_OK);
  assert_true(pj.is_signed);
  assert_non_null(pj.signer);
  assert_true(vouch_cert_equal(pj.signer, cert));
  assert_string_equal(pj.text, text);
  vouch_policy_jws_cleanup(&pj);
  /* Someone else's certificate is trusted, not this one. */
  vouch_err_clear(&err);
  assert_int_equal(vouch_policy_from_jws(b.data, b.len, &other_cert, 1, true, now, &pj, &err),
                   VOUCH_E_UNTRUSTED_ROOT);
  /* A one-bit change in the payload part breaks the signature. */
  char *bad = strdup(b.data);
  char *dot = strchr(bad, '.');
  dot[5] = dot[5] == 'A' ? 'B' : 'A';
  vouch_err_clear(&err);
  vouch_status st = vouch_policy_from_jws(bad, strlen(bad), &cert, 1, true, now, &pj, &err);
  assert_int_not_equal(st, VOUCH_OK);
  free(bad);
  /* The signature part truncated. */
  vouch_err_clear(&err);
  assert_int_not_equal(vouch_policy_from_jws(b.data, b.len - 4, &cert, 1, true, now, &pj, &err),
                       VOUCH_OK);
  vouch_buf_free(&b);
  vouch_cert_free(cert);
  vouch_cert_free(other_cert);
  vouch_signer_free(s);
  vouch_signer_free(other);
}

static void test_policy_jws_signed(void **state) {
  (void)state;
  signed_case(VOUCH_JWS_RS256);
  signed_case(VOUCH_JWS_PS256);
  signed_case(VOUCH_JWS_ES256);
  signed_case(VOUCH_JWS_ES384);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_policy_hash_matches_real_token),
      cmocka_unit_test(test_old_default_issues_legacy_claims),
      cmocka_unit_test(test_sgx_default_policy),
      cmocka_unit_test(test_example1_custom_sgx),
      cmocka_unit_test(test_example2_alternation_by_rules),
      cmocka_unit_test(test_example3_rotation),
      cmocka_unit_test(test_example4_tcb_baseline),
      cmocka_unit_test(test_example5_deny_wins),
      cmocka_unit_test(test_example6_tpm),
      cmocka_unit_test(test_example7_tpm_config),
      cmocka_unit_test(test_example8_tpm_functions),
      cmocka_unit_test(test_example9_cross_reference),
      cmocka_unit_test(test_example10_minimal_and_crlf),
      cmocka_unit_test(test_join_multiplicity_and_dedupe),
      cmocka_unit_test(test_rules_see_earlier_claims_and_end),
      cmocka_unit_test(test_no_rules_means_no_permit),
      cmocka_unit_test(test_comparisons_and_types),
      cmocka_unit_test(test_value_only_condition_and_labels),
      cmocka_unit_test(test_functions),
      cmocka_unit_test(test_evaluation_errors),
      cmocka_unit_test(test_step_limit),
      cmocka_unit_test(test_claim_set_limit),
      cmocka_unit_test(test_leniencies),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_dump_and_interning),
      cmocka_unit_test(test_policy_jws_unsigned_roundtrip),
      cmocka_unit_test(test_policy_jws_signed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
