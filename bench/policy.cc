// bench/policy.cc - the cost of appraising one item with a policy, to set
// beside the cost of verifying it (BM_P256VerifyKeyReady in micro.cc is the
// floor of that: one ECDSA verify per quote once collateral is cached).
// The issue's bound: policy evaluation under 5% of per-item verification.
//
//  - BM_PolicyAppraiseSgxDefault: the documented default SGX policy on a
//    verified SGX result: claims mapped to Azure names, 8 rules run, the
//    x-ms-sgx-tcbidentifier property applied.
//  - BM_PolicyAppraiseLargest: the largest example of spec/policy.md (the
//    signed-policy example 5, 8 rules with legacy names and a deny) on the
//    same result.
//  - BM_PolicyWriteOutgoing: serializing the issued claims into the result.
//  - BM_PolicyTpm12JmesPath: example 8 (version 1.2, two JmesPath queries
//    over an event log through jansson): the expensive kind of policy.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "crypto/crypto.h"
#include "engine/engine.h"
#include "policy/policy.h"
#include "tools/gen/gen.h"
#include "verifiers/sgx/sgx.h"
}

namespace {

constexpr int64_t kNow = 1751328000;

// One verified SGX result from the synthetic generator.
struct Verified {
  vouch_result *r = nullptr;
  Verified() {
    vouch_err err = {};
    vouch_gen_pki_opts po = {};
    po.now = kNow;
    po.seed = 9;
    vouch_gen_pki *pki;
    if (vouch_gen_pki_new(&po, &pki, &err) != VOUCH_OK) abort();
    vouch_gen_platform_opts plo;
    vouch_gen_platform_opts_default(&plo);
    vouch_gen_platform *pl;
    if (vouch_gen_platform_new(pki, &plo, &pl, &err) != VOUCH_OK) abort();
    vouch_gen_quote_opts q;
    vouch_gen_quote_opts_default(&q);
    vouch_buf quote = {};
    if (vouch_gen_quote(pl, &q, &quote) != VOUCH_OK) abort();
    vouch_gen_tcb_info_opts to;
    vouch_gen_tcb_info_opts_default(&to, pl, "SWHardeningNeeded");
    vouch_gen_tcb_info *ti;
    if (vouch_gen_tcb_info_new(pki, &to, &ti, &err) != VOUCH_OK) abort();
    vouch_gen_qe_identity_opts qo;
    vouch_gen_qe_identity_opts_default(&qo);
    vouch_gen_qe_identity *qe;
    if (vouch_gen_qe_identity_new(pki, &qo, &qe, &err) != VOUCH_OK) abort();
    vouch_buf bundle = {}, anchor = {};
    if (vouch_gen_bundle_json(pki, pl, ti, qe, nullptr, &bundle, &err) != VOUCH_OK) abort();
    if (vouch_gen_pki_root_pem(pki, &anchor) != VOUCH_OK) abort();
    struct vouch_anchors *anchors = vouch_anchors_new();
    if (vouch_anchors_add_pem(anchors, anchor.data, anchor.len, &err) != VOUCH_OK) abort();
    vouch_dcap_collateral coll;
    if (vouch_dcap_collateral_from_json(bundle.data, bundle.len, &coll, &err) != VOUCH_OK) abort();
    vouch_sgx_opts o = {};
    o.dcap.at = kNow;
    o.dcap.anchors = anchors;
    r = static_cast<vouch_result *>(malloc(sizeof(vouch_result)));
    vouch_sgx_verify(reinterpret_cast<const uint8_t *>(quote.data), quote.len, &coll, nullptr, &o,
                     r);
    if (r->verdict != VOUCH_VERDICT_WARNING) abort();
    vouch_dcap_collateral_cleanup(&coll);
    vouch_anchors_free(anchors);
    vouch_buf_free(&bundle);
    vouch_buf_free(&anchor);
    vouch_buf_free(&quote);
    vouch_gen_qe_identity_free(qe);
    vouch_gen_tcb_info_free(ti);
    vouch_gen_platform_free(pl);
    vouch_gen_pki_free(pki);
  }
  ~Verified() { free(r); }
};

Verified &verified() {
  static Verified v;
  return v;
}

struct vouch_policy *compile(const char *text) {
  struct vouch_policy *p = nullptr;
  vouch_err err = {};
  if (vouch_policy_compile(text, strlen(text), &p, nullptr, &err) != VOUCH_OK) {
    fprintf(stderr, "%s\n", err.msg);
    abort();
  }
  return p;
}

const char kExample5[] =
    "version=1.0;authorizationrules {c:[type==\"$is-debuggable\"] && [value==true] => "
    "deny();=> permit();};issuancerules {    c:[type==\"$is-debuggable\"] => "
    "issue(type=\"NotDebuggable\", value=c.value);    c:[type==\"$is-debuggable\"] => "
    "issue(type=\"is-debuggable\", value=c.value);    c:[type==\"$sgx-mrsigner\"] => "
    "issue(type=\"sgx-mrsigner\", value=c.value);    c:[type==\"$sgx-mrenclave\"] => "
    "issue(type=\"sgx-mrenclave\", value=c.value);    c:[type==\"$product-id\"] => "
    "issue(type=\"product-id\", value=c.value);    c:[type==\"$svn\"] => issue(type=\"svn\", "
    "value=c.value);    c:[type==\"$tee\"] => issue(type=\"tee\", value=c.value);};";

void appraise_loop(benchmark::State &state, const char *text, vouch_appraisal_outcome want) {
  vouch_result *r = verified().r;
  struct vouch_policy *p = compile(text);
  struct vouch_policy_eval *ev = vouch_policy_eval_new();
  vouch_appraisal a;
  vouch_appraise(p, ev, r, &a);
  if (a.outcome != want) {
    fprintf(stderr, "appraisal: %s (%s)\n", vouch_appraisal_name(a.outcome), a.err.msg);
    abort();
  }
  for (auto _ : state) {
    vouch_appraise(p, ev, r, &a);
    benchmark::DoNotOptimize(a.outcome);
  }
  state.SetItemsProcessed(state.iterations());
  vouch_policy_eval_free(ev);
  vouch_policy_free(p);
}

void BM_PolicyAppraiseSgxDefault(benchmark::State &state) {
  appraise_loop(state, vouch_policy_default_text("SgxEnclave"), VOUCH_APPRAISAL_PERMIT);
}
BENCHMARK(BM_PolicyAppraiseSgxDefault);

void BM_PolicyAppraiseLargest(benchmark::State &state) {
  appraise_loop(state, kExample5, VOUCH_APPRAISAL_PERMIT);
}
BENCHMARK(BM_PolicyAppraiseLargest);

void BM_PolicyWriteOutgoing(benchmark::State &state) {
  vouch_result *r = verified().r;
  struct vouch_policy *p = compile(vouch_policy_default_text("SgxEnclave"));
  struct vouch_policy_eval *ev = vouch_policy_eval_new();
  vouch_appraisal a;
  vouch_appraise(p, ev, r, &a);
  vouch_buf b = {};
  for (auto _ : state) {
    vouch_buf_reset(&b);
    vouch_json j;
    vouch_json_init(&j, &b);
    vouch_json_begin_object(&j);
    vouch_policy_write_outgoing(ev, &j);
    vouch_json_end_object(&j);
    benchmark::DoNotOptimize(b.data);
  }
  state.SetItemsProcessed(state.iterations());
  vouch_buf_free(&b);
  vouch_policy_eval_free(ev);
  vouch_policy_free(p);
}
BENCHMARK(BM_PolicyWriteOutgoing);

const char kExample8[] =
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

void BM_PolicyTpm12JmesPath(benchmark::State &state) {
  // An event log of 40 events, 4 of them EFI variables: a small real boot.
  std::string log = "{\"Events\":[";
  for (int i = 0; i < 40; i++) {
    if (i) log += ",";
    if (i % 10 == 3)
      log += "{\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\",\"ProcessedData\":{"
             "\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\",\"UnicodeName\":\"" +
             std::string(i == 3 ? "SecureBoot" : "PK") + "\",\"VariableData\":\"AQ\"}}";
    else
      log += "{\"EventTypeString\":\"EV_EFI_BOOT_SERVICES_APPLICATION\",\"ProcessedData\":{}}";
  }
  log += "]}";
  struct vouch_policy *p = compile(kExample8);
  struct vouch_policy_eval *ev = vouch_policy_eval_new();
  for (auto _ : state) {
    vouch_policy_eval_begin(ev, p);
    vouch_pval v = {};
    v.kind = VOUCH_PVAL_JSON;
    v.s = log.data();
    v.len = static_cast<uint32_t>(log.size());
    if (vouch_policy_eval_add(ev, "events", 6, &v, VOUCH_ISSUER_SERVICE, true) != VOUCH_OK) abort();
    vouch_policy_decision d;
    if (vouch_policy_eval_run(ev, &d, nullptr) != VOUCH_OK) abort();
    benchmark::DoNotOptimize(d);
  }
  if (vouch_policy_eval_num_outgoing(ev) != 1) abort();
  state.SetItemsProcessed(state.iterations());
  vouch_policy_eval_free(ev);
  vouch_policy_free(p);
}
BENCHMARK(BM_PolicyTpm12JmesPath);

}  // namespace
