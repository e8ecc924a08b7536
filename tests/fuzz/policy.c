/* Fuzz target: the policy compiler, and the evaluator on what compiles.
 * Every input must end: compile fails cleanly or yields a policy whose
 * evaluation (over a fixed SGX-like claim set plus a read-only JSON claim)
 * returns a decision or an error within the step limit.  The dump of the
 * compiled form must not crash either. */
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static struct vouch_policy_eval *g_ev;

static void add(const char *type, vouch_pval v, vouch_claim_issuer iss, bool ro) {
  if (vouch_policy_eval_add(g_ev, type, strlen(type), &v, iss, ro) != VOUCH_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!g_ev) g_ev = vouch_policy_eval_new();
  struct vouch_policy *p = NULL;
  vouch_err err = {0};
  vouch_policy_pos where;
  if (vouch_policy_compile((const char *)data, size, &p, &where, &err) != VOUCH_OK) {
    if (p) abort();
    return 0;
  }
  vouch_buf dump;
  vouch_buf_init(&dump, 1 << 22);
  vouch_policy_dump(p, &dump);
  vouch_buf_free(&dump);

  vouch_policy_eval_begin(g_ev, p);
  static const char mr[] = "c30d5a39d7d3b8c9e7c0a8a5f5d6f3b1a4bc2e9d8f7a6b5c4d3e2f1a0b9c8d7e";
  static const char events[] =
      "{\"Events\":[{\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\",\"ProcessedData\":"
      "{\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\",\"UnicodeName\":\"SecureBoot\","
      "\"VariableData\":\"AQ\"}}]}";
  add("x-ms-sgx-is-debuggable", (vouch_pval){.kind = VOUCH_PVAL_BOOL, .b = false},
      VOUCH_ISSUER_SERVICE, false);
  add("x-ms-sgx-mrsigner", (vouch_pval){.kind = VOUCH_PVAL_STRING, .s = mr, .len = 64},
      VOUCH_ISSUER_SERVICE, false);
  add("x-ms-sgx-product-id", (vouch_pval){.kind = VOUCH_PVAL_INT, .i = 1}, VOUCH_ISSUER_SERVICE,
      false);
  add("x-ms-sgx-svn", (vouch_pval){.kind = VOUCH_PVAL_INT, .i = 2}, VOUCH_ISSUER_SERVICE, false);
  add("$is-debuggable", (vouch_pval){.kind = VOUCH_PVAL_BOOL, .b = false}, VOUCH_ISSUER_SERVICE,
      false);
  add("events", (vouch_pval){.kind = VOUCH_PVAL_JSON, .s = events, .len = sizeof events - 1},
      VOUCH_ISSUER_SERVICE, true);
  add("vouch-advisory-ids", (vouch_pval){.kind = VOUCH_PVAL_SET, .s = "[\"A\",\"B\"]", .len = 9},
      VOUCH_ISSUER_SERVICE, false);
  add("OSName", (vouch_pval){.kind = VOUCH_PVAL_STRING, .s = "Linux", .len = 5},
      VOUCH_ISSUER_CUSTOM, false);
  vouch_policy_decision d;
  vouch_err e2 = {0};
  if (vouch_policy_eval_run(g_ev, &d, &e2) == VOUCH_OK) {
    if (d != VOUCH_POLICY_PERMIT && d != VOUCH_POLICY_DENY && d != VOUCH_POLICY_NO_PERMIT)
      abort();
    vouch_buf out;
    vouch_buf_init(&out, 1 << 22);
    vouch_json j;
    vouch_json_init(&j, &out);
    vouch_json_begin_object(&j);
    vouch_policy_write_outgoing(g_ev, &j);
    vouch_json_end_object(&j);
    vouch_buf_free(&out);
  }
  vouch_policy_free(p);
  return 0;
}
