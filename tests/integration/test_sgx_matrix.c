/* Every TCB status and failure mode of the SGX verifier, on synthetic
 * evidence from the test PKI generator (tools/gen): only the trust anchor
 * differs from Intel's hierarchy, so the verifier runs its real paths.
 * Each scenario states the verdict, TCB status and error code it must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "tools/gen/gen.h"
#include "verifiers/sgx/sgx.h"

#define NOW 1751328000 /* 2025-07-01T00:00:00Z: the instant the PKI is centred on */

typedef enum {
  TW_NONE,
  TW_PLATFORM_CA,
  TW_CERT_TYPE1,
  TW_DEBUG,
  TW_REVOKE_PCK,
  TW_REVOKE_PROCESSOR_CA,
  TW_REVOKE_TCB_SIGNER,
  TW_WRONG_ROOT,
  TW_QE_MRSIGNER,
  TW_QE_PRODID,
  TW_QE_ATTRIBUTES,
  TW_QE_MISCSELECT,
  TW_QE_SVN_OLD,
  TW_QE_SVN_UNKNOWN,
  TW_TCB_EXPIRED,
  TW_TCB_NOT_YET_VALID,
  TW_QE_ID_EXPIRED,
  TW_FMSPC,
  TW_PCEID,
  TW_TCB_ID_TDX,
  TW_TCB_SIG,
  TW_QE_ID_SIG,
  TW_QUOTE_SIG,
  TW_QE_REPORT_SIG,
  TW_QE_REPORT,
  TW_QE_BINDING,
  TW_PCK_EXPIRED,
  TW_PCK_NOT_YET_VALID,
  TW_TCB_SIGNER_EXPIRED,
  TW_ROOT_CRL_EXPIRED,
  TW_PROCESSOR_CRL_NOT_YET_VALID,
  TW_WRONG_PCK_CRL,
  TW_TCB_V2,
  TW_TCB_NOT_SUPPORTED,
  TW_ATT_KEY_TYPE,
  TW_VENDOR_ID,
  TW_TRAILING,
} tweak;

typedef struct {
  const char *name;
  tweak tw;
  const char *level_status; /* status of the level the platform matches */
  bool allow_expired;
  vouch_verdict verdict;
  const char *tcb_status; /* "" = none reached */
  vouch_status code;
} scenario;

static const scenario kScenarios[] = {
    {"UpToDate", TW_NONE, "UpToDate", false, VOUCH_VERDICT_AFFIRMING, "UpToDate", VOUCH_OK},
    {"SWHardeningNeeded", TW_NONE, "SWHardeningNeeded", false, VOUCH_VERDICT_WARNING,
     "SWHardeningNeeded", VOUCH_OK},
    {"ConfigurationNeeded", TW_NONE, "ConfigurationNeeded", false, VOUCH_VERDICT_WARNING,
     "ConfigurationNeeded", VOUCH_OK},
    {"ConfigurationAndSWHardeningNeeded", TW_NONE, "ConfigurationAndSWHardeningNeeded", false,
     VOUCH_VERDICT_WARNING, "ConfigurationAndSWHardeningNeeded", VOUCH_OK},
    {"OutOfDate", TW_NONE, "OutOfDate", false, VOUCH_VERDICT_CONTRAINDICATED, "OutOfDate",
     VOUCH_OK},
    {"OutOfDateConfigurationNeeded", TW_NONE, "OutOfDateConfigurationNeeded", false,
     VOUCH_VERDICT_CONTRAINDICATED, "OutOfDateConfigurationNeeded", VOUCH_OK},
    {"Revoked level", TW_NONE, "Revoked", false, VOUCH_VERDICT_CONTRAINDICATED, "Revoked",
     VOUCH_OK},
    {"Platform CA", TW_PLATFORM_CA, "UpToDate", false, VOUCH_VERDICT_AFFIRMING, "UpToDate",
     VOUCH_OK},
    {"cert data type 1", TW_CERT_TYPE1, "UpToDate", false, VOUCH_VERDICT_AFFIRMING, "UpToDate",
     VOUCH_OK},
    {"debug enclave", TW_DEBUG, "UpToDate", false, VOUCH_VERDICT_WARNING, "UpToDate", VOUCH_OK},
    {"debug + OutOfDate", TW_DEBUG, "OutOfDate", false, VOUCH_VERDICT_CONTRAINDICATED,
     "OutOfDate", VOUCH_OK},
    {"TCB Info v2", TW_TCB_V2, "UpToDate", false, VOUCH_VERDICT_AFFIRMING, "UpToDate", VOUCH_OK},
    {"trailing bytes", TW_TRAILING, "UpToDate", false, VOUCH_VERDICT_AFFIRMING, "UpToDate",
     VOUCH_OK},
    /* QE status convergence (QVL): QE OutOfDate turns UpToDate into OutOfDate
     * and ConfigurationNeeded into OutOfDateConfigurationNeeded. */
    {"QE out of date", TW_QE_SVN_OLD, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED,
     "OutOfDate", VOUCH_OK},
    {"QE out of date + config", TW_QE_SVN_OLD, "ConfigurationNeeded", false,
     VOUCH_VERDICT_CONTRAINDICATED, "OutOfDateConfigurationNeeded", VOUCH_OK},
    {"QE svn below every level", TW_QE_SVN_UNKNOWN, "UpToDate", false,
     VOUCH_VERDICT_CONTRAINDICATED, "TcbNotSupported", VOUCH_E_TCB_NOT_SUPPORTED},
    {"TCB not supported", TW_TCB_NOT_SUPPORTED, "UpToDate", false,
     VOUCH_VERDICT_CONTRAINDICATED, "TcbNotSupported", VOUCH_E_TCB_NOT_SUPPORTED},
    {"revoked PCK", TW_REVOKE_PCK, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED, "Revoked",
     VOUCH_E_REVOKED},
    {"revoked Processor CA", TW_REVOKE_PROCESSOR_CA, "UpToDate", false,
     VOUCH_VERDICT_CONTRAINDICATED, "Revoked", VOUCH_E_REVOKED},
    {"revoked TCB Signing", TW_REVOKE_TCB_SIGNER, "UpToDate", false,
     VOUCH_VERDICT_CONTRAINDICATED, "", VOUCH_E_REVOKED},
    {"wrong root", TW_WRONG_ROOT, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED, "",
     VOUCH_E_UNTRUSTED_ROOT},
    {"QE MRSIGNER mismatch", TW_QE_MRSIGNER, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED,
     "", VOUCH_E_IDENTITY_MISMATCH},
    {"QE ISVPRODID mismatch", TW_QE_PRODID, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED,
     "", VOUCH_E_IDENTITY_MISMATCH},
    {"QE ATTRIBUTES mismatch", TW_QE_ATTRIBUTES, "UpToDate", false,
     VOUCH_VERDICT_CONTRAINDICATED, "", VOUCH_E_IDENTITY_MISMATCH},
    {"QE MISCSELECT mismatch", TW_QE_MISCSELECT, "UpToDate", false,
     VOUCH_VERDICT_CONTRAINDICATED, "", VOUCH_E_IDENTITY_MISMATCH},
    {"TCB Info expired", TW_TCB_EXPIRED, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_EXPIRED},
    {"TCB Info expired, allowed", TW_TCB_EXPIRED, "UpToDate", true, VOUCH_VERDICT_AFFIRMING,
     "UpToDate", VOUCH_OK},
    {"TCB Info not yet valid", TW_TCB_NOT_YET_VALID, "UpToDate", true, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_NOT_YET_VALID},
    {"QE Identity expired", TW_QE_ID_EXPIRED, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_EXPIRED},
    {"PCK expired", TW_PCK_EXPIRED, "UpToDate", false, VOUCH_VERDICT_ERROR, "", VOUCH_E_EXPIRED},
    {"PCK expired, allowed", TW_PCK_EXPIRED, "UpToDate", true, VOUCH_VERDICT_AFFIRMING,
     "UpToDate", VOUCH_OK},
    {"PCK not yet valid", TW_PCK_NOT_YET_VALID, "UpToDate", true, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_NOT_YET_VALID},
    {"TCB Signing expired", TW_TCB_SIGNER_EXPIRED, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_EXPIRED},
    {"Root CA CRL expired", TW_ROOT_CRL_EXPIRED, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_EXPIRED},
    {"Processor CRL not yet valid", TW_PROCESSOR_CRL_NOT_YET_VALID, "UpToDate", false,
     VOUCH_VERDICT_ERROR, "", VOUCH_E_NOT_YET_VALID},
    {"FMSPC mismatch", TW_FMSPC, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_COLLATERAL_MISMATCH},
    {"PCE-ID mismatch", TW_PCEID, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_COLLATERAL_MISMATCH},
    /* id "TDX" without the TDX parts is not a valid TDX TCB Info: the
     * parser rejects it before the id can be compared with the quote. */
    {"TCB Info id TDX, no TDX parts", TW_TCB_ID_TDX, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_MALFORMED},
    {"PCK CRL of the other CA", TW_WRONG_PCK_CRL, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_COLLATERAL_MISMATCH},
    {"TCB Info signature", TW_TCB_SIG, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED, "",
     VOUCH_E_SIGNATURE},
    {"QE Identity signature", TW_QE_ID_SIG, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED, "",
     VOUCH_E_SIGNATURE},
    {"quote signature", TW_QUOTE_SIG, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED, "",
     VOUCH_E_SIGNATURE},
    {"QE report signature", TW_QE_REPORT_SIG, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED,
     "", VOUCH_E_SIGNATURE},
    {"QE report altered", TW_QE_REPORT, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED, "",
     VOUCH_E_SIGNATURE},
    {"QE report data binding", TW_QE_BINDING, "UpToDate", false, VOUCH_VERDICT_CONTRAINDICATED,
     "", VOUCH_E_BINDING},
    {"attestation key type 3", TW_ATT_KEY_TYPE, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_UNSUPPORTED},
    {"QE vendor not Intel", TW_VENDOR_ID, "UpToDate", false, VOUCH_VERDICT_ERROR, "",
     VOUCH_E_UNSUPPORTED},
};

/* One generated case: PKI, platform, collateral, quote. */
typedef struct {
  vouch_gen_pki *pki, *other;
  vouch_gen_platform *pl;
  vouch_gen_tcb_info *ti;
  vouch_gen_qe_identity *qe;
  vouch_buf quote, bundle, anchor;
  vouch_result *result;
} gen_case;

static void check(vouch_status s, const vouch_err *err, const char *what) {
  if (s != VOUCH_OK) fail_msg("%s: %s (%s)", what, vouch_status_name(s), err ? err->msg : "");
}

static void build(const scenario *sc, gen_case *g) {
  vouch_err err = {0};
  vouch_gen_pki_opts po = {.now = NOW, .seed = 7};
  switch (sc->tw) {
    case TW_TCB_SIGNER_EXPIRED: po.validity[VOUCH_GEN_TCB_SIGNING] = VOUCH_GEN_EXPIRED; break;
    case TW_ROOT_CRL_EXPIRED: po.validity[VOUCH_GEN_ROOT_CRL] = VOUCH_GEN_EXPIRED; break;
    case TW_PROCESSOR_CRL_NOT_YET_VALID:
      po.validity[VOUCH_GEN_PROCESSOR_CRL] = VOUCH_GEN_NOT_YET_VALID;
      break;
    default: break;
  }
  check(vouch_gen_pki_new(&po, &g->pki, &err), &err, "pki");

  vouch_gen_platform_opts plo;
  vouch_gen_platform_opts_default(&plo);
  switch (sc->tw) {
    case TW_PLATFORM_CA: plo.ca = VOUCH_GEN_PLATFORM_CA; break;
    case TW_CERT_TYPE1: plo.cert_data_type = 1; break;
    case TW_QE_SVN_OLD: plo.qe_svn = 7; break;     /* default levels: 8 UpToDate, 6 OutOfDate */
    case TW_QE_SVN_UNKNOWN: plo.qe_svn = 1; break; /* below the lowest level (2) */
    case TW_PCK_EXPIRED: plo.pck_validity = VOUCH_GEN_EXPIRED; break;
    case TW_PCK_NOT_YET_VALID: plo.pck_validity = VOUCH_GEN_NOT_YET_VALID; break;
    default: break;
  }
  check(vouch_gen_platform_new(g->pki, &plo, &g->pl, &err), &err, "platform");

  vouch_gen_tcb_info_opts to;
  vouch_gen_tcb_info_opts_default(&to, g->pl, sc->level_status);
  switch (sc->tw) {
    case TW_TCB_EXPIRED: to.validity = VOUCH_GEN_EXPIRED; break;
    case TW_TCB_NOT_YET_VALID: to.validity = VOUCH_GEN_NOT_YET_VALID; break;
    case TW_FMSPC: to.fmspc[5] ^= 1; break;
    case TW_PCEID: to.pce_id[1] ^= 1; break;
    case TW_TCB_ID_TDX: to.id = "TDX"; break;
    case TW_TCB_SIG: to.corrupt_signature = true; break;
    case TW_TCB_V2: to.version = 2; break;
    case TW_TCB_NOT_SUPPORTED:
      /* Only levels above the platform's TCB. */
      for (size_t i = 0; i < to.num_levels; i++) to.levels[i].comp_svn[0] = 250;
      break;
    default: break;
  }
  check(vouch_gen_tcb_info_new(g->pki, &to, &g->ti, &err), &err, "tcb info");

  vouch_gen_qe_identity_opts qo;
  vouch_gen_qe_identity_opts_default(&qo);
  switch (sc->tw) {
    case TW_QE_MRSIGNER: qo.mrsigner[0] ^= 1; break;
    case TW_QE_PRODID: qo.isvprodid = 2; break;
    case TW_QE_ATTRIBUTES: qo.attributes[0] ^= 0x20; break; /* a masked-in bit */
    case TW_QE_MISCSELECT: qo.miscselect[0] ^= 1; break;
    case TW_QE_ID_EXPIRED: qo.validity = VOUCH_GEN_EXPIRED; break;
    case TW_QE_ID_SIG: qo.corrupt_signature = true; break;
    default: break;
  }
  check(vouch_gen_qe_identity_new(g->pki, &qo, &g->qe, &err), &err, "qe identity");

  switch (sc->tw) {
    case TW_REVOKE_PCK: check(vouch_gen_pki_revoke_pck(g->pki, g->pl), NULL, "revoke"); break;
    case TW_REVOKE_PROCESSOR_CA:
      check(vouch_gen_pki_revoke(g->pki, VOUCH_GEN_PROCESSOR_CA), NULL, "revoke");
      break;
    case TW_REVOKE_TCB_SIGNER:
      check(vouch_gen_pki_revoke(g->pki, VOUCH_GEN_TCB_SIGNING), NULL, "revoke");
      break;
    default: break;
  }

  vouch_gen_quote_opts q;
  vouch_gen_quote_opts_default(&q);
  q.report_data[0] = 0x42;
  switch (sc->tw) {
    case TW_DEBUG: q.debug = true; break;
    case TW_QUOTE_SIG: q.corrupt = VOUCH_GEN_CORRUPT_QUOTE_SIG; break;
    case TW_QE_REPORT_SIG: q.corrupt = VOUCH_GEN_CORRUPT_QE_REPORT_SIG; break;
    case TW_QE_REPORT: q.corrupt = VOUCH_GEN_CORRUPT_QE_REPORT; break;
    case TW_QE_BINDING: q.corrupt = VOUCH_GEN_CORRUPT_QE_AUTH_DATA; break;
    case TW_ATT_KEY_TYPE: q.att_key_type = 3; break;
    case TW_VENDOR_ID: q.qe_vendor_id[0] ^= 1; break;
    case TW_TRAILING: q.trailing_len = 70; break;
    default: break;
  }
  check(vouch_gen_quote(g->pl, &q, &g->quote), NULL, "quote");
  vouch_gen_bundle_opts bo = {.wrong_pck_crl = sc->tw == TW_WRONG_PCK_CRL};
  check(vouch_gen_bundle_json(g->pki, g->pl, g->ti, g->qe, &bo, &g->bundle, &err), &err,
        "bundle");
  if (sc->tw == TW_WRONG_ROOT) {
    po.seed = 99;
    check(vouch_gen_pki_new(&po, &g->other, &err), &err, "second pki");
    check(vouch_gen_pki_root_pem(g->other, &g->anchor), NULL, "anchor");
  } else {
    check(vouch_gen_pki_root_pem(g->pki, &g->anchor), NULL, "anchor");
  }
  g->result = malloc(sizeof(*g->result));
  assert_non_null(g->result);
}

static void release(gen_case *g) {
  vouch_buf_free(&g->quote);
  vouch_buf_free(&g->bundle);
  vouch_buf_free(&g->anchor);
  vouch_gen_qe_identity_free(g->qe);
  vouch_gen_tcb_info_free(g->ti);
  vouch_gen_platform_free(g->pl);
  vouch_gen_pki_free(g->pki);
  vouch_gen_pki_free(g->other);
  free(g->result);
}

/* verify runs the SGX verifier on |g| with only the generated root trusted
 * (plus Intel's, which must not matter). */
static const vouch_result *verify_opts(gen_case *g, vouch_sgx_opts o);

static const vouch_result *verify(gen_case *g, bool allow_expired, const uint8_t *rt,
                                  size_t rt_len) {
  vouch_sgx_opts o = {.dcap = {.at = NOW, .allow_expired = allow_expired},
                      .runtime_data = rt, .runtime_data_len = rt_len, .has_runtime_data = rt != NULL};
  return verify_opts(g, o);
}

/* verify_opts is verify with any options; the anchors are set here. */
static const vouch_result *verify_opts(gen_case *g, vouch_sgx_opts o) {
  vouch_err err = {0};
  struct vouch_anchors *anchors = vouch_anchors_new();
  check(vouch_dcap_add_intel_root(anchors), NULL, "intel root");
  check(vouch_anchors_add_pem(anchors, g->anchor.data, g->anchor.len, &err), &err, "anchor");
  vouch_dcap_collateral coll;
  check(vouch_dcap_collateral_from_json(g->bundle.data, g->bundle.len, &coll, &err), &err,
        "collateral");
  o.dcap.anchors = anchors;
  vouch_sgx_verify((const uint8_t *)g->quote.data, g->quote.len, &coll, NULL, &o, g->result);
  vouch_dcap_collateral_cleanup(&coll);
  vouch_anchors_free(anchors);
  return g->result;
}

static void test_matrix(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(kScenarios) / sizeof(kScenarios[0]); i++) {
    const scenario *sc = &kScenarios[i];
    gen_case g = {0};
    build(sc, &g);
    const vouch_result *r = verify(&g, sc->allow_expired, NULL, 0);
    print_message("%-36s %-15s %-34s %s\n", sc->name, vouch_verdict_name(r->verdict),
                  r->tcb_status, r->error.msg);
    if (r->verdict != sc->verdict || strcmp(r->tcb_status, sc->tcb_status) != 0 ||
        r->error.code != sc->code) {
      fail_msg("%s: got %s/%s/%s, want %s/%s/%s", sc->name, vouch_verdict_name(r->verdict),
               r->tcb_status, vouch_status_name(r->error.code), vouch_verdict_name(sc->verdict),
               sc->tcb_status, vouch_status_name(sc->code));
    }
    if (sc->code != VOUCH_OK) assert_true(strlen(r->error.msg) > 10);
    if (sc->allow_expired && sc->code == VOUCH_OK) {
      const vouch_claim *c = vouch_result_find_claim(r, "dcap_collateral_expired");
      assert_non_null(c);
      assert_true(c->b);
    }
    release(&g);
  }
}

/* Advisory IDs of the matched level come out in the flat list and in the
 * labelled claim. */
static void test_advisories(void **state) {
  (void)state;
  scenario sc = {"advisories", TW_NONE, "OutOfDate", false, VOUCH_VERDICT_CONTRAINDICATED,
                 "OutOfDate", VOUCH_OK};
  gen_case g = {0};
  build(&sc, &g);
  /* Read back what the generator put on the matched level. */
  size_t len;
  const char *text = vouch_gen_tcb_info_text(g.ti, &len);
  assert_non_null(strstr(text, "advisoryIDs"));
  const vouch_result *r = verify(&g, false, NULL, 0);
  assert_string_equal(r->tcb_status, "OutOfDate");
  assert_true(r->num_advisory_ids > 0);
  for (size_t i = 0; i < r->num_advisory_ids; i++) {
    assert_non_null(strstr(text, r->advisory_ids[i]));
    assert_int_equal(strncmp(r->advisory_ids[i], "INTEL-SA-", 9), 0);
  }
  const vouch_claim *c = vouch_result_find_claim(r, "dcap_platform_advisory_ids");
  assert_non_null(c);
  assert_non_null(memchr(vouch_result_claim_bytes(r, c), '[', c->len));
  release(&g);
}

/* Runtime data binding: SHA-256(runtime data) must equal REPORTDATA[0:32]. */
static void test_runtime_data(void **state) {
  (void)state;
  static const uint8_t rt[] = "nonce-and-public-key";
  uint8_t h[32];
  vouch_sha256(rt, sizeof(rt), h);
  scenario sc = {"runtime data", TW_NONE, "UpToDate", false, VOUCH_VERDICT_AFFIRMING,
                 "UpToDate", VOUCH_OK};
  gen_case g = {0};
  build(&sc, &g);
  /* Rebuild the quote with REPORTDATA = SHA-256(rt). */
  vouch_gen_quote_opts q;
  vouch_gen_quote_opts_default(&q);
  memcpy(q.report_data, h, 32);
  vouch_buf_reset(&g.quote);
  check(vouch_gen_quote(g.pl, &q, &g.quote), NULL, "quote");
  const vouch_result *r = verify(&g, false, rt, sizeof(rt));
  assert_int_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
  assert_non_null(vouch_result_find_claim(r, "sgx_ehd"));
  r = verify(&g, false, rt, sizeof(rt) - 1);
  assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
  assert_int_equal(r->error.code, VOUCH_E_BINDING);
  release(&g);
}

/* Init-time data binding (MAA initTimeData): SHA-256 of it must equal
 * CONFIGID[0:32]; the rest of CONFIGID is not constrained. */
static void test_init_data(void **state) {
  (void)state;
  static const uint8_t init[] = "{\"config\":\"enclave launch settings\"}";
  scenario sc = {"init data", TW_NONE, "UpToDate", false, VOUCH_VERDICT_AFFIRMING, "UpToDate",
                 VOUCH_OK};
  gen_case g = {0};
  build(&sc, &g);
  vouch_gen_quote_opts q;
  vouch_gen_quote_opts_default(&q);
  vouch_sha256(init, sizeof(init) - 1, q.config_id);
  q.config_id[40] = 0xA5; /* beyond the bound half */
  vouch_buf_reset(&g.quote);
  check(vouch_gen_quote(g.pl, &q, &g.quote), NULL, "quote");
  vouch_sgx_opts o = {.dcap = {.at = NOW}, .init_data = init, .init_data_len = sizeof(init) - 1,
                      .has_init_data = true};
  const vouch_result *r = verify_opts(&g, o);
  assert_int_equal(r->error.code, VOUCH_OK);
  assert_int_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
  /* One byte less: another hash. */
  o.init_data_len--;
  r = verify_opts(&g, o);
  assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
  assert_int_equal(r->error.code, VOUCH_E_BINDING);
  assert_non_null(strstr(r->error.msg, "CONFIGID"));
  /* Without init data the quote verifies as before (CONFIGID is a claim). */
  o.has_init_data = false;
  r = verify_opts(&g, o);
  assert_int_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
  release(&g);
}

/* Quotes of one platform share the QE report byte for byte; each verifies. */
static void test_many_quotes_one_platform(void **state) {
  (void)state;
  scenario sc = {"fleet", TW_NONE, "UpToDate", false, VOUCH_VERDICT_AFFIRMING, "UpToDate",
                 VOUCH_OK};
  gen_case g = {0};
  build(&sc, &g);
  for (int i = 0; i < 5; i++) {
    vouch_gen_quote_opts q;
    vouch_gen_quote_opts_default(&q);
    q.report_data[0] = (uint8_t)i;
    q.isvsvn = (uint16_t)i;
    vouch_buf_reset(&g.quote);
    check(vouch_gen_quote(g.pl, &q, &g.quote), NULL, "quote");
    const vouch_result *r = verify(&g, false, NULL, 0);
    assert_int_equal(r->verdict, VOUCH_VERDICT_AFFIRMING);
    const vouch_claim *svn = vouch_result_find_claim(r, "sgx_svn");
    assert_non_null(svn);
    assert_int_equal(svn->i, i);
  }
  release(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matrix),
      cmocka_unit_test(test_advisories),
      cmocka_unit_test(test_runtime_data),
      cmocka_unit_test(test_init_data),
      cmocka_unit_test(test_many_quotes_one_platform),
  };
  return cmocka_run_group_tests_name("sgx_matrix", tests, NULL, NULL);
}
