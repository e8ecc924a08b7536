/* TPM evidence appraised by the spec's version 1.2 TPM policy (example 8):
 * a generated quote over a UEFI boot whose event log says SecureBoot is on
 * (or off) goes through the engine's single-item path; the TPM verifier's
 * read-only "events" claim feeds the policy's JmesPath queries, which issue
 * secureBootEnabled true (or false); a policy that tries to issue the raw
 * events fails with a read-only error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "policy/policy.h"
#include "tools/gen/gen.h"

static const char kExample8[] =
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

/* envelope_for makes a TPM evidence object for a boot with or without
 * SecureBoot: ECDSA P-256 AK (fast to make), crypto-agile SHA-256 log. */
static char *envelope_for(bool secure_boot) {
  vouch_err err = {0};
  vouch_gen_tpm_key *ak;
  assert_int_equal(vouch_gen_tpm_ak_new(VOUCH_GEN_TPM_ECDSA_P256, 0, &ak, &err), VOUCH_OK);
  static const uint16_t kBanks[] = {0x000B};
  vouch_gen_tpm_pcrs pcrs;
  vouch_gen_tpm_log *log;
  assert_int_equal(vouch_gen_tpm_log_new(true, kBanks, 1, &pcrs, &log, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_tpm_log_boot(log, secure_boot), VOUCH_OK);
  vouch_gen_tpm_quote_opts q;
  vouch_gen_tpm_quote_opts_default(&q);
  q.pcrs = &pcrs;
  vouch_buf msg = {0}, sig = {0}, values = {0}, pub = {0}, b = {0};
  assert_int_equal(vouch_gen_tpm_quote(ak, &q, &msg, &sig, &values, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_tpm_key_public(ak, &pub), VOUCH_OK);
  size_t log_len = 0;
  const uint8_t *log_bytes = vouch_gen_tpm_log_bytes(log, &log_len);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  vouch_buf t = {0};
#define B64_MEMBER(name, D, L)                               \
  do {                                                       \
    vouch_buf_reset(&t);                                     \
    vouch_base64url_encode(&t, (const uint8_t *)(D), L);     \
    vouch_json_key(&j, name);                                \
    vouch_json_string_len(&j, t.data, t.len);                \
  } while (0)
  B64_MEMBER("quote", msg.data, msg.len);
  B64_MEMBER("signature", sig.data, sig.len);
  B64_MEMBER("ak_pub", pub.data, pub.len);
  B64_MEMBER("pcr_values", values.data, values.len);
  B64_MEMBER("event_log", log_bytes, log_len);
#undef B64_MEMBER
  char nonce[2 * 64 + 1];
  vouch_hex_encode(q.nonce, q.nonce_len, nonce);
  vouch_json_key(&j, "nonce");
  vouch_json_string(&j, nonce);
  vouch_json_key(&j, "selection");
  vouch_json_string(&j, "sha256:0,1,2,3,4,5,6,7");
  vouch_json_end_object(&j);
  assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
  char *out = strdup(b.data);
  vouch_buf_free(&t);
  vouch_buf_free(&b);
  vouch_buf_free(&msg);
  vouch_buf_free(&sig);
  vouch_buf_free(&values);
  vouch_buf_free(&pub);
  vouch_gen_tpm_log_free(log);
  vouch_gen_tpm_key_free(ak);
  return out;
}

/* appraise verifies the evidence and runs |policy_text|; returns the
 * outgoing claims as JSON (malloc'd) and the appraisal outcome. */
static char *appraise(const char *evidence, const char *policy_text,
                      vouch_appraisal_outcome *outcome, char *detail, size_t cap) {
  vouch_envelope env;
  vouch_envelope_init(&env);
  env.type = VOUCH_EV_TPM;
  env.evidence = (const uint8_t *)evidence;
  env.evidence_len = strlen(evidence);
  env.evidence_is_json = true;
  vouch_result *r = malloc(sizeof *r);
  vouch_run_config cfg = {.at = 1751328000};
  vouch_verify_one(&cfg, &env, r);
  if (r->error.code != VOUCH_OK) fail_msg("TPM evidence did not verify: %s", r->error.msg);
  const vouch_claim *ev = vouch_result_find_claim(r, "events");
  assert_non_null(ev); /* the whole event log as a claim */
  struct vouch_policy *p = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_policy_compile(policy_text, strlen(policy_text), &p, NULL, &err),
                   VOUCH_OK);
  struct vouch_policy_eval *e = vouch_policy_eval_new();
  vouch_appraisal a;
  vouch_appraise(p, e, r, &a);
  *outcome = a.outcome;
  snprintf(detail, cap, "%s", a.err.msg);
  vouch_buf b = {0};
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  if (a.outcome == VOUCH_APPRAISAL_PERMIT) vouch_policy_write_outgoing(e, &j);
  vouch_json_end_object(&j);
  char *out = strdup(b.data);
  vouch_buf_free(&b);
  vouch_policy_eval_free(e);
  vouch_policy_free(p);
  free(r);
  return out;
}

static void test_example8_on_tpm_evidence(void **state) {
  (void)state;
  char detail[VOUCH_ERR_MSG_MAX];
  vouch_appraisal_outcome o;
  char *ev = envelope_for(true);
  char *out = appraise(ev, kExample8, &o, detail, sizeof detail);
  assert_int_equal(o, VOUCH_APPRAISAL_PERMIT);
  assert_string_equal(out, "{\"secureBootEnabled\":true}");
  free(out);
  free(ev);
  ev = envelope_for(false);
  out = appraise(ev, kExample8, &o, detail, sizeof detail);
  assert_int_equal(o, VOUCH_APPRAISAL_PERMIT);
  assert_string_equal(out, "{\"secureBootEnabled\":false}");
  free(out);
  /* The raw event log is read-only: issuing it is an evaluation error. */
  out = appraise(ev,
                 "version=1.2; authorizationrules{=>permit();}; issuancerules{ "
                 "c:[type==\"events\"] => issue(type=\"log\", value=c.value); };",
                 &o, detail, sizeof detail);
  assert_int_equal(o, VOUCH_APPRAISAL_ERROR);
  assert_non_null(strstr(detail, "read-only"));
  free(out);
  free(ev);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example8_on_tpm_evidence),
  };
  return cmocka_run_group_tests_name("tpm_policy", tests, NULL, NULL);
}
