/* Every TCB situation and failure mode of TDX verification, on synthetic
 * evidence from the test PKI generator (tools/gen): TD quotes v4 and v5
 * (TD report 1.0 and 1.5), TCB Info v3 "TDX" with module identities, the
 * TD_QE identity.  Only the trust anchor differs from Intel's hierarchy, so
 * the verifier runs its real paths.  Each scenario states, independently of
 * the generator, what the DCAP verifier must report (return code,
 * tcb_status, signatures_valid, the advisory IDs of the TDX level, the
 * module level and the TD_QE level, in that order, each once) and the
 * verdict the quote front gives; the corpus kinds' declared expectations
 * (vouch_gen_tee_corpus_expected) must agree with them.  Then the window
 * edges of the TCB Info and TD_QE identity, and one-bit flips over the
 * signed part of the quote (spec §5: header and TD body). */
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
#include "verifiers/dcap/dcap.h"
#include "verifiers/sgx/sgx.h"

#define NOW 1751328000 /* 2025-07-01T00:00:00Z: the instant the PKI is centred on */
#define DAY 86400

typedef enum {
  TW_NONE,
  TW_REVOKE_PCK,       /* PCK serial in its CA's CRL (kind revoked) */
  TW_WRONG_ROOT,       /* only a second PKI's root is trusted */
  TW_QE_SVN_OLD,       /* TD_QE svn 3: level isvsvn 2 OutOfDate */
  TW_TD_QE_MRSIGNER,   /* the TD_QE identity's MRSIGNER differs from the QE report's */
  TW_TCB_ID_SGX,       /* an SGX TCB Info for a TDX quote */
  TW_QE_ID_QE,         /* an SGX QE identity for a TDX quote */
  TW_TCB_SIG,          /* TCB Info signature corrupted */
  TW_QE_REPORT_SIG,    /* QE report signature corrupted */
  TW_QE_BINDING,       /* qe_auth_data changed: REPORTDATA does not bind the att key */
  TW_TRAILING,         /* 3065 zero bytes after the signature data */
  TW_MAJOR0,           /* TEE_TCB_SVN[1] = 0: the module through tdxModule alone */
  TW_MAJOR0_MRSIGNER,  /* ... and MRSIGNERSEAM not tdxModule's */
  TW_MAJOR2,           /* TEE_TCB_SVN[1] = 2: no TDX_02 identity */
  TW_MODULE_SVN_LOW,   /* module SVN 3, below every TDX_01 level */
  TW_SGX_LOW,          /* every level's SGX component 1 above the PCK's */
  TW_SVN2_SAME,        /* relaunch recipe but TEE_TCB_SVN2 = TEE_TCB_SVN */
  TW_SVN2_COMP2_NEWER, /* relaunch with TEE_TCB_SVN2 byte 2 at the newer TDX level */
  TW_FORMAT_V4,        /* force v4 (TD report 1.0) after the kind's recipe */
  TW_MAJOR0_SVN2,      /* major 0, TD 1.5, TEE_TCB_SVN2 at the newest TDX level */
} tweak;

typedef struct {
  const char *name;
  int kind;                   /* vouch_gen_tdx_kind, or -1: level/module statuses below */
  const char *level_status;   /* kind -1: TDX level status */
  const char *module_status;  /* kind -1: module level status */
  tweak tw;
  vouch_status code;          /* vouch_dcap_verify's return */
  const char *tcb_status;     /* NULL: none reached */
  bool sigs_valid;
  vouch_verdict verdict;
  const char *adv[4];         /* expected advisory union, in order */
} scenario;

#define SA(n) "INTEL-SA-" n
#define AFF VOUCH_VERDICT_AFFIRMING
#define WARN VOUCH_VERDICT_WARNING
#define CONTRA VOUCH_VERDICT_CONTRAINDICATED
#define ERR VOUCH_VERDICT_ERROR

static const scenario kScenarios[] = {
    /* The corpus kinds (vouch gen tdx --mix), one each. */
    {"UpToDate", VOUCH_GEN_TDX_KIND_UP_TO_DATE, NULL, NULL, TW_NONE, VOUCH_OK, "UpToDate", true,
     AFF, {NULL}},
    {"SWHardeningNeeded", VOUCH_GEN_TDX_KIND_SW_HARDENING_NEEDED, NULL, NULL, TW_NONE, VOUCH_OK,
     "SWHardeningNeeded", true, WARN, {SA("00615")}},
    {"ConfigurationNeeded", VOUCH_GEN_TDX_KIND_CONFIGURATION_NEEDED, NULL, NULL, TW_NONE,
     VOUCH_OK, "ConfigurationNeeded", true, WARN, {SA("00289")}},
    {"ConfigurationAndSWHardeningNeeded",
     VOUCH_GEN_TDX_KIND_CONFIGURATION_AND_SW_HARDENING_NEEDED, NULL, NULL, TW_NONE, VOUCH_OK,
     "ConfigurationAndSWHardeningNeeded", true, WARN, {SA("00289"), SA("00615")}},
    {"OutOfDate", VOUCH_GEN_TDX_KIND_OUT_OF_DATE, NULL, NULL, TW_NONE, VOUCH_OK, "OutOfDate",
     true, CONTRA, {SA("00828"), SA("00615")}},
    {"OutOfDateConfigurationNeeded", VOUCH_GEN_TDX_KIND_OUT_OF_DATE_CONFIGURATION_NEEDED, NULL,
     NULL, TW_NONE, VOUCH_OK, "OutOfDateConfigurationNeeded", true, CONTRA,
     {SA("00289"), SA("00828"), SA("00615")}},
    {"Revoked level", VOUCH_GEN_TDX_KIND_REVOKED_LEVEL, NULL, NULL, TW_NONE, VOUCH_OK, "Revoked",
     true, CONTRA, {SA("00828")}},
    {"module-outofdate", VOUCH_GEN_TDX_KIND_MODULE_OUT_OF_DATE, NULL, NULL, TW_NONE, VOUCH_OK,
     "OutOfDate", true, CONTRA, {SA("01036"), SA("00615")}},
    {"module-mismatch", VOUCH_GEN_TDX_KIND_MODULE_MISMATCH, NULL, NULL, TW_NONE,
     VOUCH_E_IDENTITY_MISMATCH, NULL, true, CONTRA, {NULL}},
    {"seam-attributes", VOUCH_GEN_TDX_KIND_SEAM_ATTRIBUTES, NULL, NULL, TW_NONE,
     VOUCH_E_IDENTITY_MISMATCH, NULL, true, CONTRA, {NULL}},
    {"debug", VOUCH_GEN_TDX_KIND_DEBUG, NULL, NULL, TW_NONE, VOUCH_OK, "UpToDate", true, WARN,
     {NULL}},
    {"tcb-not-supported", VOUCH_GEN_TDX_KIND_TCB_NOT_SUPPORTED, NULL, NULL, TW_NONE,
     VOUCH_E_TCB_NOT_SUPPORTED, "TcbNotSupported", true, CONTRA, {NULL}},
    {"relaunch", VOUCH_GEN_TDX_KIND_RELAUNCH, NULL, NULL, TW_NONE, VOUCH_OK, "TDRelaunchAdvised",
     true, WARN, {SA("01036"), SA("00615")}},
    {"bad-signature", VOUCH_GEN_TDX_KIND_BAD_SIGNATURE, NULL, NULL, TW_NONE, VOUCH_E_SIGNATURE,
     NULL, false, CONTRA, {NULL}},
    {"revoked PCK", VOUCH_GEN_TDX_KIND_REVOKED_PCK, NULL, NULL, TW_REVOKE_PCK, VOUCH_E_REVOKED,
     "Revoked", false, CONTRA, {NULL}},
    {"expired-collateral", VOUCH_GEN_TDX_KIND_EXPIRED_COLLATERAL, NULL, NULL, TW_NONE,
     VOUCH_E_EXPIRED, NULL, false, ERR, {NULL}},

    /* Module status convergence (spec §8 step 12) and the union without
     * repeats (INTEL-SA-00615 is on both the level and the module level). */
    {"SWHardeningNeeded + module OutOfDate", -1, "SWHardeningNeeded", "OutOfDate", TW_NONE,
     VOUCH_OK, "OutOfDate", true, CONTRA, {SA("00615"), SA("01036")}},
    {"ConfigurationNeeded + module OutOfDate", -1, "ConfigurationNeeded", "OutOfDate", TW_NONE,
     VOUCH_OK, "OutOfDateConfigurationNeeded", true, CONTRA,
     {SA("00289"), SA("01036"), SA("00615")}},
    {"module Revoked", -1, "UpToDate", "Revoked", TW_NONE, VOUCH_OK, "Revoked", true, CONTRA,
     {SA("01036"), SA("00615")}},
    {"module SVN below every module level", -1, "UpToDate", "UpToDate", TW_MODULE_SVN_LOW,
     VOUCH_E_TCB_NOT_SUPPORTED, "TcbNotSupported", true, CONTRA, {NULL}},
    {"no TDX_02 module identity", -1, "UpToDate", "UpToDate", TW_MAJOR2,
     VOUCH_E_IDENTITY_MISMATCH, NULL, true, CONTRA, {NULL}},
    {"major 0: tdxModule, all 16 TDX components", -1, "UpToDate", "UpToDate", TW_MAJOR0,
     VOUCH_OK, "UpToDate", true, AFF, {NULL}},
    {"major 0: MRSIGNERSEAM not tdxModule's", -1, "UpToDate", "UpToDate", TW_MAJOR0_MRSIGNER,
     VOUCH_E_IDENTITY_MISMATCH, NULL, true, CONTRA, {NULL}},
    {"SGX components below every level", -1, "UpToDate", "UpToDate", TW_SGX_LOW,
     VOUCH_E_TCB_NOT_SUPPORTED, "TcbNotSupported", true, CONTRA, {NULL}},

    /* TD relaunch (TD report 1.5 only). */
    {"relaunch, TEE_TCB_SVN2 not updated", VOUCH_GEN_TDX_KIND_RELAUNCH, NULL, NULL, TW_SVN2_SAME,
     VOUCH_OK, "OutOfDate", true, CONTRA, {SA("01036"), SA("00615")}},
    {"relaunch recipe on a v4 quote", VOUCH_GEN_TDX_KIND_RELAUNCH, NULL, NULL, TW_FORMAT_V4,
     VOUCH_OK, "OutOfDate", true, CONTRA, {SA("01036"), SA("00615")}},
    {"relaunch, TD_QE out of date", VOUCH_GEN_TDX_KIND_RELAUNCH, NULL, NULL, TW_QE_SVN_OLD,
     VOUCH_OK, "OutOfDate", true, CONTRA, {SA("01036"), SA("00615"), SA("00837")}},
    {"relaunch + ConfigurationNeeded", -1, "ConfigurationNeeded", "OutOfDate",
     TW_SVN2_COMP2_NEWER, VOUCH_OK, "TDRelaunchAdvisedConfigurationNeeded", true, WARN,
     {SA("00289"), SA("01036"), SA("00615")}},

    /* TD_QE (spec §8 steps 5, 9, 12). */
    {"TD_QE out of date", -1, "UpToDate", "UpToDate", TW_QE_SVN_OLD, VOUCH_OK, "OutOfDate", true,
     CONTRA, {SA("00837")}},
    {"TD_QE MRSIGNER mismatch", -1, "UpToDate", "UpToDate", TW_TD_QE_MRSIGNER,
     VOUCH_E_IDENTITY_MISMATCH, NULL, false, CONTRA, {NULL}},
    {"QE identity id QE for a TDX quote", -1, "UpToDate", "UpToDate", TW_QE_ID_QE,
     VOUCH_E_COLLATERAL_MISMATCH, NULL, false, ERR, {NULL}},
    {"TCB Info id SGX for a TDX quote", -1, "UpToDate", "UpToDate", TW_TCB_ID_SGX,
     VOUCH_E_COLLATERAL_MISMATCH, NULL, false, ERR, {NULL}},

    /* Signatures and the rest of the chain. */
    {"TCB Info signature", -1, "UpToDate", "UpToDate", TW_TCB_SIG, VOUCH_E_SIGNATURE, NULL, false,
     CONTRA, {NULL}},
    {"QE report signature", -1, "UpToDate", "UpToDate", TW_QE_REPORT_SIG, VOUCH_E_SIGNATURE, NULL,
     false, CONTRA, {NULL}},
    {"QE report data binding", -1, "UpToDate", "UpToDate", TW_QE_BINDING, VOUCH_E_BINDING, NULL,
     false, CONTRA, {NULL}},
    {"wrong root", -1, "UpToDate", "UpToDate", TW_WRONG_ROOT, VOUCH_E_UNTRUSTED_ROOT, NULL, false,
     CONTRA, {NULL}},
    {"trailing zero bytes", -1, "UpToDate", "UpToDate", TW_TRAILING, VOUCH_OK, "UpToDate", true,
     AFF, {NULL}},
};

/* Major version 0: no module level, so the module status is not OutOfDate
 * (QVL's checkTdxModuleTcbStatus gives STATUS_OK) and the relaunch rule,
 * which needs a module status OutOfDate, does not apply, even with
 * TEE_TCB_SVN2 at the newest level (spec §8 step 12; QVL
 * TDRelaunchCheck.cpp).  Its own test, so the matrix runs in full either
 * way. */
static const scenario kMajor0Relaunch = {
    "major 0, TEE_TCB_SVN2 at newest: no relaunch", -1, "OutOfDate", NULL, TW_MAJOR0_SVN2,
    VOUCH_OK, "OutOfDate", true, CONTRA, {SA("00828"), SA("00615")}};

/* One generated case: PKI, TDX platform, collateral, quote. */
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

/* build makes scenario |sc| with quote format |fmt|.  |ti_window| (both
 * non-zero) pins the TCB Info's issueDate/nextUpdate, |qe_window| the
 * TD_QE identity's. */
static void build(const scenario *sc, vouch_gen_td_format fmt, const int64_t ti_window[2],
                  const int64_t qe_window[2], gen_case *g) {
  vouch_err err = {0};
  memset(g, 0, sizeof(*g));
  vouch_gen_pki_opts po = {.now = NOW, .seed = 17};
  check(vouch_gen_pki_new(&po, &g->pki, &err), &err, "pki");

  vouch_gen_platform_opts plo;
  if (sc->kind >= 0) {
    vouch_gen_tdx_kind_build((vouch_gen_tdx_kind)sc->kind, &plo, NULL, NULL, NULL);
  } else {
    vouch_gen_tdx_platform_opts_default(&plo);
  }
  switch (sc->tw) {
    case TW_QE_SVN_OLD: plo.qe_svn = 3; break;
    case TW_MAJOR0:
    case TW_MAJOR0_MRSIGNER:
    case TW_MAJOR0_SVN2: plo.tee_tcb_svn[1] = 0; break;
    default: break;
  }
  check(vouch_gen_platform_new(g->pki, &plo, &g->pl, &err), &err, "platform");

  vouch_gen_tcb_info_opts to;
  vouch_gen_td_quote_opts q;
  vouch_gen_td_quote_opts_default(&q);
  vouch_gen_td_quote_set_format(&q, fmt);
  q.report_data[0] = 0x42;
  if (sc->kind >= 0) {
    vouch_gen_tdx_kind_build((vouch_gen_tdx_kind)sc->kind, NULL, g->pl, &to, &q);
  } else {
    vouch_gen_tdx_tcb_info_opts_default(&to, g->pl, sc->level_status, sc->module_status);
  }
  static const uint8_t kSvnLow[16] = {3, 1, 7};
  static const uint8_t kSvnMajor2[16] = {5, 2, 7};
  switch (sc->tw) {
    case TW_TCB_ID_SGX: vouch_gen_tcb_info_opts_default(&to, g->pl, NULL); break;
    case TW_TCB_SIG: to.corrupt_signature = true; break;
    case TW_SGX_LOW:
      for (size_t i = 0; i < to.num_levels; i++) to.levels[i].comp_svn[0] = 250;
      break;
    case TW_MODULE_SVN_LOW:
      q.tee_tcb_svn_from_platform = false;
      memcpy(q.tee_tcb_svn, kSvnLow, 16);
      break;
    case TW_MAJOR2:
      q.tee_tcb_svn_from_platform = false;
      memcpy(q.tee_tcb_svn, kSvnMajor2, 16);
      break;
    case TW_MAJOR0_MRSIGNER: q.mrsignerseam[47] = 0x01; break;
    case TW_SVN2_SAME: q.tee_tcb_svn2_from_svn = true; break;
    case TW_SVN2_COMP2_NEWER:
      /* A relaunched TD would get module SVN 6 (the newest TDX_01 level)
       * and the newer TDX level's component 2. */
      vouch_gen_td_quote_set_format(&q, VOUCH_GEN_TD_FORMAT_V5_TD15);
      q.tee_tcb_svn2_from_svn = false;
      memcpy(q.tee_tcb_svn2, vouch_gen_platform_tee_tcb_svn(g->pl), 16);
      q.tee_tcb_svn2[0] = (uint8_t)(q.tee_tcb_svn2[0] + 1);
      q.tee_tcb_svn2[2] = to.levels[0].tdx_svn[2];
      assert_true(to.levels[0].tdx_svn[2] > vouch_gen_platform_tee_tcb_svn(g->pl)[2]);
      break;
    case TW_FORMAT_V4: vouch_gen_td_quote_set_format(&q, VOUCH_GEN_TD_FORMAT_V4); break;
    case TW_MAJOR0_SVN2:
      /* The newest level is the UpToDate one above the platform's (TDX
       * component 2 one higher); TEE_TCB_SVN2 reaches it. */
      vouch_gen_td_quote_set_format(&q, VOUCH_GEN_TD_FORMAT_V5_TD15);
      q.tee_tcb_svn2_from_svn = false;
      memcpy(q.tee_tcb_svn2, to.levels[0].tdx_svn, 16);
      assert_string_equal(to.levels[0].status, "UpToDate");
      assert_int_equal(to.num_module_ids, 0);
      break;
    case TW_QE_REPORT_SIG: q.corrupt = VOUCH_GEN_CORRUPT_QE_REPORT_SIG; break;
    case TW_QE_BINDING: q.corrupt = VOUCH_GEN_CORRUPT_QE_AUTH_DATA; break;
    case TW_TRAILING: q.trailing_len = 3065; break;
    default: break;
  }
  if (ti_window != NULL) {
    to.issue_date = ti_window[0];
    to.next_update = ti_window[1];
  }
  check(vouch_gen_tcb_info_new(g->pki, &to, &g->ti, &err), &err, "tcb info");

  vouch_gen_qe_identity_opts qo;
  if (sc->tw == TW_QE_ID_QE) {
    vouch_gen_qe_identity_opts_default(&qo);
  } else {
    vouch_gen_td_qe_identity_opts_default(&qo);
  }
  if (sc->tw == TW_TD_QE_MRSIGNER) qo.mrsigner[0] ^= 1;
  if (qe_window != NULL) {
    qo.issue_date = qe_window[0];
    qo.next_update = qe_window[1];
  }
  check(vouch_gen_qe_identity_new(g->pki, &qo, &g->qe, &err), &err, "td_qe identity");

  if (sc->tw == TW_REVOKE_PCK) check(vouch_gen_pki_revoke_pck(g->pki, g->pl), NULL, "revoke");
  check(vouch_gen_td_quote(g->pl, &q, &g->quote), NULL, "td quote");
  check(vouch_gen_bundle_json(g->pki, g->pl, g->ti, g->qe, NULL, &g->bundle, &err), &err,
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

/* dcap_verify runs vouch_dcap_verify on |quote| with |g|'s collateral at
 * |at|, trusting the generated root (and Intel's, which must not matter). */
static vouch_status dcap_verify(const gen_case *g, const uint8_t *quote, size_t len, int64_t at,
                                vouch_dcap_report *rep) {
  vouch_err err = {0};
  struct vouch_anchors *anchors = vouch_anchors_new();
  check(vouch_dcap_add_intel_root(anchors), NULL, "intel root");
  check(vouch_anchors_add_pem(anchors, g->anchor.data, g->anchor.len, &err), &err, "anchor");
  vouch_dcap_collateral coll;
  check(vouch_dcap_collateral_from_json(g->bundle.data, g->bundle.len, &coll, &err), &err,
        "collateral");
  vouch_quote q;
  check(vouch_quote_parse(quote, len, &q, &err), &err, "quote parse");
  vouch_dcap_opts o = {.at = at, .anchors = anchors};
  vouch_status s = vouch_dcap_verify(&q, &coll, &o, rep);
  vouch_dcap_collateral_cleanup(&coll);
  vouch_anchors_free(anchors);
  return s;
}

/* full_verify runs the quote front (verdict, flat advisory list). */
static const vouch_result *full_verify(gen_case *g, int64_t at) {
  vouch_err err = {0};
  struct vouch_anchors *anchors = vouch_anchors_new();
  check(vouch_anchors_add_pem(anchors, g->anchor.data, g->anchor.len, &err), &err, "anchor");
  vouch_dcap_collateral coll;
  check(vouch_dcap_collateral_from_json(g->bundle.data, g->bundle.len, &coll, &err), &err,
        "collateral");
  vouch_sgx_opts o = {.dcap = {.at = at, .anchors = anchors}, .tdx = true};
  vouch_sgx_verify((const uint8_t *)g->quote.data, g->quote.len, &coll, NULL, &o, g->result);
  vouch_dcap_collateral_cleanup(&coll);
  vouch_anchors_free(anchors);
  return g->result;
}

static size_t num_adv(const scenario *sc) {
  size_t n = 0;
  while (n < 4 && sc->adv[n] != NULL) n++;
  return n;
}

/* add_unique appends |id| to |list| unless present. */
static void add_unique(const char *list[], size_t *n, size_t cap, const char *id) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp(list[i], id) == 0) return;
  if (*n < cap) list[(*n)++] = id;
}

/* expect_advisories: the union of the report's TDX level, module level and
 * QE level advisory IDs, in that order, each once, is exactly |sc|'s. */
static void expect_advisories(const scenario *sc, const char *what, const vouch_dcap_report *rep) {
  const char *got[3 * VOUCH_DCAP_MAX_ADVISORIES];
  size_t n = 0, cap = sizeof(got) / sizeof(got[0]);
  for (size_t i = 0; i < rep->num_platform_advisories; i++)
    add_unique(got, &n, cap, rep->platform_advisories[i]);
  for (size_t i = 0; i < rep->num_module_advisories; i++)
    add_unique(got, &n, cap, rep->module_advisories[i]);
  for (size_t i = 0; i < rep->num_qe_advisories; i++)
    add_unique(got, &n, cap, rep->qe_advisories[i]);
  size_t want = num_adv(sc);
  bool ok = n == want;
  for (size_t i = 0; ok && i < n; i++) ok = strcmp(got[i], sc->adv[i]) == 0;
  if (!ok) {
    char buf[512] = "";
    for (size_t i = 0; i < n; i++) {
      strncat(buf, got[i], sizeof(buf) - strlen(buf) - 2);
      strncat(buf, " ", sizeof(buf) - strlen(buf) - 1);
    }
    fail_msg("%s: advisory union [%s], want %zu IDs starting %s", what, buf, want,
             want ? sc->adv[0] : "(none)");
  }
}

static const char *const kFormatNames[VOUCH_GEN_TD_FORMAT_COUNT] = {"v4", "v5 TD1.0", "v5 TD1.5"};

/* run_scenario checks |sc| in quote format |fmt|. */
static void run_scenario(const scenario *sc, vouch_gen_td_format fmt) {
  gen_case g;
  build(sc, fmt, NULL, NULL, &g);
  /* Name the format the quote really has (some recipes pin it). */
  const uint8_t *raw = (const uint8_t *)g.quote.data;
  fmt = raw[0] == 4 ? VOUCH_GEN_TD_FORMAT_V4
        : raw[48] == VOUCH_GEN_TD_BODY_15 ? VOUCH_GEN_TD_FORMAT_V5_TD15
                                         : VOUCH_GEN_TD_FORMAT_V5_TD10;
  char what[160];
  snprintf(what, sizeof(what), "%s (%s)", sc->name, kFormatNames[fmt]);
  vouch_dcap_report *rep = malloc(sizeof(*rep));
  assert_non_null(rep);
  vouch_status s = dcap_verify(&g, (const uint8_t *)g.quote.data, g.quote.len, NOW, rep);
  print_message("%-44s %-9s %-22s %-36s %s\n", sc->name, kFormatNames[fmt], vouch_status_name(s),
                rep->has_tcb_status ? vouch_tcb_status_name(rep->tcb_status) : "-", rep->err.msg);
  if (s != sc->code)
    fail_msg("%s: returned %s (%s), want %s", what, vouch_status_name(s), rep->err.msg,
             vouch_status_name(sc->code));
  assert_true(rep->is_tdx);
  if (rep->has_tcb_status != (sc->tcb_status != NULL))
    fail_msg("%s: has_tcb_status %d, want %s", what, rep->has_tcb_status,
             sc->tcb_status ? sc->tcb_status : "none");
  if (sc->tcb_status != NULL && strcmp(vouch_tcb_status_name(rep->tcb_status), sc->tcb_status) != 0)
    fail_msg("%s: tcb_status %s, want %s", what, vouch_tcb_status_name(rep->tcb_status),
             sc->tcb_status);
  if (rep->signatures_valid != sc->sigs_valid)
    fail_msg("%s: signatures_valid %d, want %d", what, rep->signatures_valid, sc->sigs_valid);
  if (sc->code == VOUCH_OK) expect_advisories(sc, what, rep);
  if (sc->code != VOUCH_OK) assert_true(strlen(rep->err.msg) > 10);
  free(rep);

  /* The quote front: verdict (a debug TD is at best a warning), the TCB
   * status string and the flat advisory list in the same order. */
  const vouch_result *r = full_verify(&g, NOW);
  if (r->verdict != sc->verdict || r->error.code != sc->code)
    fail_msg("%s: front gives %s/%s (%s), want %s/%s", what, vouch_verdict_name(r->verdict),
             vouch_status_name(r->error.code), r->error.msg, vouch_verdict_name(sc->verdict),
             vouch_status_name(sc->code));
  assert_string_equal(r->tcb_status, sc->tcb_status ? sc->tcb_status : "");
  assert_int_equal(r->num_advisory_ids, sc->code == VOUCH_OK ? num_adv(sc) : 0);
  for (size_t i = 0; i < r->num_advisory_ids; i++)
    assert_string_equal(r->advisory_ids[i], sc->adv[i]);
  const vouch_claim *dbg = vouch_result_find_claim(r, "tdx_td_attributes_debug");
  if (sc->code == VOUCH_OK) {
    assert_non_null(dbg);
    assert_int_equal(dbg->b, sc->kind == VOUCH_GEN_TDX_KIND_DEBUG);
  }
  release(&g);
}

static bool format_pinned(const scenario *sc) {
  return sc->kind == VOUCH_GEN_TDX_KIND_RELAUNCH || sc->tw == TW_SVN2_COMP2_NEWER ||
         sc->tw == TW_FORMAT_V4 || sc->tw == TW_MAJOR0_SVN2;
}

static void test_matrix(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(kScenarios) / sizeof(kScenarios[0]); i++) {
    const scenario *sc = &kScenarios[i];
    if (format_pinned(sc)) {
      /* The recipe sets the format itself (TD 1.5, or v4 on purpose). */
      run_scenario(sc, VOUCH_GEN_TD_FORMAT_V5_TD15);
      continue;
    }
    for (int f = 0; f < VOUCH_GEN_TD_FORMAT_COUNT; f++) run_scenario(sc, (vouch_gen_td_format)f);
  }
}

static void test_major0_no_relaunch(void **state) {
  (void)state;
  run_scenario(&kMajor0Relaunch, VOUCH_GEN_TD_FORMAT_V5_TD15);
}

/* What `vouch gen tdx` writes to expected.ndjson for each kind is what
 * this matrix states (so the corpus and the verifier agree by kind). */
static void test_corpus_expectations_agree(void **state) {
  (void)state;
  bool covered[VOUCH_GEN_TDX_KIND_COUNT] = {false};
  static const char *const kVerdicts[] = {"affirming", "warning", "contraindicated", "error"};
  for (size_t i = 0; i < sizeof(kScenarios) / sizeof(kScenarios[0]); i++) {
    const scenario *sc = &kScenarios[i];
    /* The kinds as the corpus makes them (revoked: its CRL listing). */
    bool corpus_kind = sc->kind >= 0 && (sc->tw == TW_NONE || sc->tw == TW_REVOKE_PCK);
    if (!corpus_kind) continue;
    covered[sc->kind] = true;
    vouch_gen_expected e;
    vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, (unsigned)sc->kind, &e);
    assert_string_equal(e.status, kVerdicts[sc->verdict]);
    if (sc->tcb_status == NULL) {
      assert_null(e.tcb_status);
    } else {
      assert_non_null(e.tcb_status);
      assert_string_equal(e.tcb_status, sc->tcb_status);
    }
    if (sc->code == VOUCH_OK) {
      assert_null(e.error_code);
    } else {
      assert_non_null(e.error_code);
      assert_string_equal(e.error_code, vouch_status_name(sc->code));
    }
    assert_int_equal(e.num_advisory_ids, sc->code == VOUCH_OK ? num_adv(sc) : 0);
    for (size_t a = 0; a < e.num_advisory_ids; a++)
      assert_string_equal(e.advisory_ids[a], sc->adv[a]);
  }
  for (int k = 0; k < VOUCH_GEN_TDX_KIND_COUNT; k++)
    if (!covered[k])
      fail_msg("kind %s has no scenario", vouch_gen_tee_kind_name(VOUCH_GEN_TEE_TDX, (unsigned)k));
}

/* Window edges: 1 s before issueDate is not yet valid, 1 s after
 * nextUpdate expired, both edges themselves valid; for the TCB Info and the
 * TD_QE identity.  The windows sit inside every other item's. */
static void test_window_edges(void **state) {
  (void)state;
  const scenario *up = &kScenarios[0];
  const int64_t win[2] = {NOW - 5 * DAY, NOW + 5 * DAY};
  static const struct {
    int64_t offset;
    bool from_end;
    vouch_status code;
  } kEdges[] = {
      {-1, false, VOUCH_E_NOT_YET_VALID},
      {0, false, VOUCH_OK},
      {0, true, VOUCH_OK},
      {1, true, VOUCH_E_EXPIRED},
  };
  for (int which = 0; which < 2; which++) {
    for (int f = 0; f < VOUCH_GEN_TD_FORMAT_COUNT; f++) {
      gen_case g;
      build(up, (vouch_gen_td_format)f, which == 0 ? win : NULL, which == 1 ? win : NULL, &g);
      for (size_t e = 0; e < sizeof(kEdges) / sizeof(kEdges[0]); e++) {
        int64_t at = (kEdges[e].from_end ? win[1] : win[0]) + kEdges[e].offset;
        vouch_dcap_report *rep = malloc(sizeof(*rep));
        assert_non_null(rep);
        vouch_status s = dcap_verify(&g, (const uint8_t *)g.quote.data, g.quote.len, at, rep);
        if (s != kEdges[e].code)
          fail_msg("%s window, %s, at %+lld s from %s: %s (%s), want %s",
                   which == 0 ? "TCB Info" : "TD_QE identity", kFormatNames[f],
                   (long long)kEdges[e].offset, kEdges[e].from_end ? "nextUpdate" : "issueDate",
                   vouch_status_name(s), rep->err.msg, vouch_status_name(kEdges[e].code));
        if (s == VOUCH_OK) assert_string_equal(vouch_tcb_status_name(rep->tcb_status), "UpToDate");
        free(rep);
        const vouch_result *r = full_verify(&g, at);
        assert_int_equal(r->error.code, kEdges[e].code);
        assert_int_equal(r->verdict, s == VOUCH_OK ? VOUCH_VERDICT_AFFIRMING : VOUCH_VERDICT_ERROR);
      }
      release(&g);
    }
  }
}

/* One-bit flips in the signed part (spec §5: header and TD body; the v5
 * body type and size too) fail the quote signature, whatever the field:
 * the verifier must not reach a module or TCB verdict on altered bytes.
 * Bytes whose change the parser itself rejects (version, key type, TEE
 * type, vendor id, v5 body type/size) are left out; every other byte of
 * every field is flipped in one of its bits.  The flips leave the
 * certification data alone, so the stage-1 objects (chains, CRLs, signed
 * collateral) are resolved once and each flipped quote runs the same
 * stages vouch_dcap_verify runs (begin, the signature checks, end). */
static void test_bit_flips(void **state) {
  (void)state;
  const scenario *up = &kScenarios[0];
  for (int f = 0; f < VOUCH_GEN_TD_FORMAT_COUNT; f++) {
    gen_case g;
    build(up, (vouch_gen_td_format)f, NULL, NULL, &g);
    vouch_dcap_report *rep = malloc(sizeof(*rep));
    assert_non_null(rep);
    assert_int_equal(dcap_verify(&g, (const uint8_t *)g.quote.data, g.quote.len, NOW, rep),
                     VOUCH_OK);
    vouch_err err = {0};
    struct vouch_anchors *anchors = vouch_anchors_new();
    check(vouch_anchors_add_pem(anchors, g.anchor.data, g.anchor.len, &err), &err, "anchor");
    vouch_dcap_collateral coll;
    check(vouch_dcap_collateral_from_json(g.bundle.data, g.bundle.len, &coll, &err), &err,
          "collateral");
    vouch_quote q;
    check(vouch_quote_parse((const uint8_t *)g.quote.data, g.quote.len, &q, &err), &err, "parse");
    vouch_dcap_inputs in;
    vouch_dcap_inputs_init(&in, NULL);
    vouch_dcap_inputs_resolve(&q, &coll, anchors, &in);
    vouch_dcap_opts o = {.at = NOW, .anchors = anchors};
    size_t body = (size_t)(q.td.raw - (const uint8_t *)g.quote.data);
    size_t signed_len = q.signed_len;
    uint8_t *copy = malloc(g.quote.len);
    assert_non_null(copy);
    size_t flipped = 0;
    for (size_t off = 0; off < signed_len; off++) {
      bool parse_field = off < 8 || (off >= 12 && off < 28) || (off >= 48 && off < body);
      if (parse_field) continue;
      memcpy(copy, g.quote.data, g.quote.len);
      copy[off] ^= (uint8_t)(1u << (off % 8));
      vouch_quote fq;
      check(vouch_quote_parse(copy, g.quote.len, &fq, &err), &err, "flipped parse");
      vouch_dcap_job job;
      vouch_dcap_begin(&fq, &in, &o, rep, &job);
      for (size_t i = 0; i < job.num_sigs; i++) vouch_dcap_check_sig(&job.sigs[i]);
      vouch_status s = vouch_dcap_end(&job);
      if (s != VOUCH_E_SIGNATURE || rep->signatures_valid || rep->has_tcb_status)
        fail_msg("%s: bit %zu of byte %zu (body offset %lld) flipped: %s (%s)", kFormatNames[f],
                 off % 8, off, (long long)off - (long long)body, vouch_status_name(s),
                 rep->err.msg);
      flipped++;
    }
    /* The unflipped quote through the same stages: affirmed. */
    vouch_dcap_job job;
    vouch_dcap_begin(&q, &in, &o, rep, &job);
    for (size_t i = 0; i < job.num_sigs; i++) vouch_dcap_check_sig(&job.sigs[i]);
    assert_int_equal(vouch_dcap_end(&job), VOUCH_OK);
    assert_int_equal(rep->tcb_status, VOUCH_TCB_UP_TO_DATE);
    print_message("%s: %zu one-bit flips over bytes [0, %zu) rejected\n", kFormatNames[f],
                  flipped, signed_len);
    assert_true(flipped >= 20 + 4 + (f == 2 ? 648 : 584));
    vouch_dcap_inputs_release(&in);
    vouch_dcap_collateral_cleanup(&coll);
    vouch_anchors_free(anchors);
    free(copy);
    free(rep);
    release(&g);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matrix),
      cmocka_unit_test(test_major0_no_relaunch),
      cmocka_unit_test(test_corpus_expectations_agree),
      cmocka_unit_test(test_window_edges),
      cmocka_unit_test(test_bit_flips),
  };
  return cmocka_run_group_tests_name("tdx_matrix", tests, NULL, NULL);
}
