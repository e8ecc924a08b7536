/* tools/gen/corpus.c - a whole synthetic fleet streamed to a directory: the
 * engine of `vouch gen sgx` and `vouch gen tdx` (layout and guarantees in
 * gen.h, "Corpus").
 *
 * Shape of a run:
 *   1. plan: apportion the kinds over the platforms from the weights and
 *      shuffle them with the seed; pick each platform's CA.
 *   2. PKIs: the trusted one, and a second one (same names, other keys)
 *      only when wrong-root platforms are wanted.
 *   3. platforms (PCK certificate, attestation key, QE report: ~0.4 ms
 *      each), then one CRL re-signature for all revoked PCKs.
 *   4. collateral: one TCB Info per kind in use (its own FMSPC), one QE
 *      (TDX: TD_QE) Identity, the CRLs and chains, written as a collateral
 *      directory.
 *   5. quotes, streamed: quote i from platform i mod P; one ECDSA signature
 *      each, base64url-encoded straight into stdio's buffer.  Nothing kept
 *      per quote, so memory is flat in N.
 *   6. MANIFEST.json.
 *
 * Verdicts in expected.ndjson come from what the generator built (the
 * level each group's TCB Info makes its platforms match, the defect it put
 * in), not from running the verifier; the CLI tests compare the two. */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "tools/gen/internal.h"

/* ---- kinds ------------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *describe;
  const char *level_status; /* status of the TCB level the platforms match */
  /* Expected verdict; tcb_status NULL with error NULL means "the level's". */
  const char *status;
  const char *tcb_status;
  const char *error_code;
  const char *module_status; /* TDX: status of the module level matched (NULL: UpToDate) */
} kind_info;

static const kind_info kKinds[VOUCH_GEN_KIND_COUNT] = {
    [VOUCH_GEN_KIND_UP_TO_DATE] = {"UpToDate", "TCB level UpToDate: affirming", "UpToDate",
                                   "affirming", NULL, NULL},
    [VOUCH_GEN_KIND_SW_HARDENING_NEEDED] = {"SWHardeningNeeded",
                                            "TCB level SWHardeningNeeded: warning",
                                            "SWHardeningNeeded", "warning", NULL, NULL},
    [VOUCH_GEN_KIND_CONFIGURATION_NEEDED] = {"ConfigurationNeeded",
                                             "TCB level ConfigurationNeeded: warning",
                                             "ConfigurationNeeded", "warning", NULL, NULL},
    [VOUCH_GEN_KIND_CONFIGURATION_AND_SW_HARDENING_NEEDED] =
        {"ConfigurationAndSWHardeningNeeded",
         "TCB level ConfigurationAndSWHardeningNeeded: warning",
         "ConfigurationAndSWHardeningNeeded", "warning", NULL, NULL},
    [VOUCH_GEN_KIND_OUT_OF_DATE] = {"OutOfDate", "TCB level OutOfDate: contraindicated",
                                    "OutOfDate", "contraindicated", NULL, NULL},
    [VOUCH_GEN_KIND_OUT_OF_DATE_CONFIGURATION_NEEDED] =
        {"OutOfDateConfigurationNeeded", "TCB level OutOfDateConfigurationNeeded: contraindicated",
         "OutOfDateConfigurationNeeded", "contraindicated", NULL, NULL},
    [VOUCH_GEN_KIND_REVOKED_LEVEL] = {"Revoked", "TCB level with status Revoked: contraindicated",
                                      "Revoked", "contraindicated", NULL, NULL},
    [VOUCH_GEN_KIND_REVOKED_PCK] = {"revoked",
                                    "PCK certificate listed in its CA's CRL: contraindicated, "
                                    "E_REVOKED",
                                    "UpToDate", "contraindicated", "Revoked", "E_REVOKED"},
    [VOUCH_GEN_KIND_DEBUG] = {"debug",
                              "enclaves with ATTRIBUTES.DEBUG on an UpToDate platform: warning",
                              "UpToDate", "warning", NULL, NULL},
    [VOUCH_GEN_KIND_QE_MISMATCH] = {"qe-mismatch",
                                    "QE report MRSIGNER differs from the QE Identity: "
                                    "contraindicated, E_IDENTITY_MISMATCH",
                                    "UpToDate", "contraindicated", NULL, "E_IDENTITY_MISMATCH"},
    [VOUCH_GEN_KIND_WRONG_ROOT] = {"wrong-root",
                                   "PCK chain from a second PKI with the same names, whose root "
                                   "is not trusted: contraindicated, E_UNTRUSTED_ROOT",
                                   "UpToDate", "contraindicated", NULL, "E_UNTRUSTED_ROOT"},
    [VOUCH_GEN_KIND_EXPIRED_COLLATERAL] = {"expired-collateral",
                                           "its TCB Info expired a day before --now: error, "
                                           "E_EXPIRED",
                                           "UpToDate", "error", NULL, "E_EXPIRED"},
    /* The collateral directory only offers versions issued by the instant,
     * so a TCB Info issued after it is, at that instant, missing. */
    [VOUCH_GEN_KIND_NOT_YET_VALID_COLLATERAL] = {"not-yet-valid-collateral",
                                                 "its only TCB Info is issued a day after "
                                                 "--now: error, E_COLLATERAL_MISSING",
                                                 "UpToDate", "error", NULL, "E_COLLATERAL_MISSING"},
    [VOUCH_GEN_KIND_TCB_NOT_SUPPORTED] = {"tcb-not-supported",
                                          "every TCB level is above the platform's: "
                                          "contraindicated, TcbNotSupported",
                                          "UpToDate", "contraindicated", "TcbNotSupported",
                                          "E_TCB_NOT_SUPPORTED"},
    [VOUCH_GEN_KIND_BAD_SIGNATURE] = {"bad-signature",
                                      "quote signature corrupted: contraindicated, E_SIGNATURE",
                                      "UpToDate", "contraindicated", NULL, "E_SIGNATURE"},
    [VOUCH_GEN_KIND_PLATFORM_CA] = {"platform-ca",
                                    "UpToDate platform certified by the PCK Platform CA: "
                                    "affirming",
                                    "UpToDate", "affirming", NULL, NULL},
};

/* TDX kinds: every platform has the default TDX TCB (TEE_TCB_SVN 05 01 07,
 * TDX_01 module SVN 5, TD_QE svn 4); the group's TCB Info decides. */
static const kind_info kTdxKinds[VOUCH_GEN_TDX_KIND_COUNT] = {
    [VOUCH_GEN_TDX_KIND_UP_TO_DATE] = {"UpToDate", "TDX TCB level UpToDate: affirming", "UpToDate",
                                       "affirming", NULL, NULL, NULL},
    [VOUCH_GEN_TDX_KIND_SW_HARDENING_NEEDED] = {"SWHardeningNeeded",
                                                "TDX TCB level SWHardeningNeeded: warning",
                                                "SWHardeningNeeded", "warning", NULL, NULL, NULL},
    [VOUCH_GEN_TDX_KIND_CONFIGURATION_NEEDED] = {"ConfigurationNeeded",
                                                 "TDX TCB level ConfigurationNeeded: warning",
                                                 "ConfigurationNeeded", "warning", NULL, NULL,
                                                 NULL},
    [VOUCH_GEN_TDX_KIND_CONFIGURATION_AND_SW_HARDENING_NEEDED] =
        {"ConfigurationAndSWHardeningNeeded",
         "TDX TCB level ConfigurationAndSWHardeningNeeded: warning",
         "ConfigurationAndSWHardeningNeeded", "warning", NULL, NULL, NULL},
    [VOUCH_GEN_TDX_KIND_OUT_OF_DATE] = {"OutOfDate", "TDX TCB level OutOfDate: contraindicated",
                                        "OutOfDate", "contraindicated", NULL, NULL, NULL},
    [VOUCH_GEN_TDX_KIND_OUT_OF_DATE_CONFIGURATION_NEEDED] =
        {"OutOfDateConfigurationNeeded",
         "TDX TCB level OutOfDateConfigurationNeeded: contraindicated",
         "OutOfDateConfigurationNeeded", "contraindicated", NULL, NULL, NULL},
    [VOUCH_GEN_TDX_KIND_REVOKED_LEVEL] = {"Revoked",
                                          "TDX TCB level with status Revoked: contraindicated",
                                          "Revoked", "contraindicated", NULL, NULL, NULL},
    [VOUCH_GEN_TDX_KIND_MODULE_OUT_OF_DATE] = {"module-outofdate",
                                               "TDX level UpToDate but the TDX module's level "
                                               "(TDX_01, SVN 5) OutOfDate: contraindicated, "
                                               "OutOfDate",
                                               "UpToDate", "contraindicated", "OutOfDate", NULL,
                                               "OutOfDate"},
    [VOUCH_GEN_TDX_KIND_MODULE_MISMATCH] = {"module-mismatch",
                                            "MRSIGNERSEAM is not the TDX module identity's "
                                            "(Intel's, zero): contraindicated, "
                                            "E_IDENTITY_MISMATCH",
                                            "UpToDate", "contraindicated", NULL,
                                            "E_IDENTITY_MISMATCH", NULL},
    [VOUCH_GEN_TDX_KIND_SEAM_ATTRIBUTES] = {"seam-attributes",
                                            "SEAMATTRIBUTES not zero: contraindicated, "
                                            "E_IDENTITY_MISMATCH",
                                            "UpToDate", "contraindicated", NULL,
                                            "E_IDENTITY_MISMATCH", NULL},
    [VOUCH_GEN_TDX_KIND_DEBUG] = {"debug",
                                  "TDs with TDATTRIBUTES.DEBUG on an UpToDate platform: warning",
                                  "UpToDate", "warning", NULL, NULL, NULL},
    [VOUCH_GEN_TDX_KIND_TCB_NOT_SUPPORTED] = {"tcb-not-supported",
                                              "every TDX level's TDX components are above the "
                                              "TD's (the SGX part matches): contraindicated, "
                                              "TcbNotSupported",
                                              "UpToDate", "contraindicated", "TcbNotSupported",
                                              "E_TCB_NOT_SUPPORTED", NULL},
    [VOUCH_GEN_TDX_KIND_RELAUNCH] = {"relaunch",
                                     "v5 TD 1.5 quotes: module level OutOfDate, TEE_TCB_SVN2 "
                                     "at the newest module and TDX level: warning, "
                                     "TDRelaunchAdvised",
                                     "UpToDate", "warning", "TDRelaunchAdvised", NULL, "OutOfDate"},
    [VOUCH_GEN_TDX_KIND_BAD_SIGNATURE] = {"bad-signature",
                                          "quote signature corrupted: contraindicated, "
                                          "E_SIGNATURE",
                                          "UpToDate", "contraindicated", NULL, "E_SIGNATURE", NULL},
    [VOUCH_GEN_TDX_KIND_REVOKED_PCK] = {"revoked",
                                        "PCK certificate listed in its CA's CRL: "
                                        "contraindicated, E_REVOKED",
                                        "UpToDate", "contraindicated", "Revoked", "E_REVOKED",
                                        NULL},
    [VOUCH_GEN_TDX_KIND_EXPIRED_COLLATERAL] = {"expired-collateral",
                                               "its TCB Info expired a day before --now: error, "
                                               "E_EXPIRED",
                                               "UpToDate", "error", NULL, "E_EXPIRED", NULL},
};

_Static_assert(VOUCH_GEN_KIND_COUNT <= VOUCH_GEN_MAX_KINDS, "VOUCH_GEN_MAX_KINDS too small");
_Static_assert(VOUCH_GEN_TDX_KIND_COUNT <= VOUCH_GEN_MAX_KINDS, "VOUCH_GEN_MAX_KINDS too small");

static const kind_info *kinds_of(vouch_gen_tee tee, unsigned *out_count) {
  if (tee == VOUCH_GEN_TEE_TDX) {
    *out_count = VOUCH_GEN_TDX_KIND_COUNT;
    return kTdxKinds;
  }
  *out_count = VOUCH_GEN_KIND_COUNT;
  return kKinds;
}

static const kind_info *kind_of(vouch_gen_tee tee, unsigned k) {
  unsigned n;
  const kind_info *t = kinds_of(tee, &n);
  return k < n ? &t[k] : NULL;
}

unsigned vouch_gen_tee_kind_count(vouch_gen_tee tee) {
  unsigned n;
  kinds_of(tee, &n);
  return n;
}

const char *vouch_gen_tee_name(vouch_gen_tee tee) {
  return tee == VOUCH_GEN_TEE_TDX ? "tdx" : "sgx";
}

const char *vouch_gen_tee_kind_name(vouch_gen_tee tee, unsigned k) {
  const kind_info *ki = kind_of(tee, k);
  return ki ? ki->name : "unknown";
}

const char *vouch_gen_tee_kind_describe(vouch_gen_tee tee, unsigned k) {
  const kind_info *ki = kind_of(tee, k);
  return ki ? ki->describe : "unknown";
}

vouch_status vouch_gen_tee_kind_parse(vouch_gen_tee tee, const char *name, size_t len,
                                      unsigned *out) {
  VOUCH_ENSURE_REF(name);
  VOUCH_ENSURE_REF(out);
  unsigned n;
  const kind_info *t = kinds_of(tee, &n);
  for (unsigned k = 0; k < n; k++) {
    if (strlen(t[k].name) == len && memcmp(t[k].name, name, len) == 0) {
      *out = k;
      return VOUCH_OK;
    }
  }
  unsigned found = 0, num_found = 0;
  for (unsigned k = 0; k < n; k++) {
    if (strlen(t[k].name) == len && strncasecmp(t[k].name, name, len) == 0) {
      found = k;
      num_found++;
    }
  }
  if (num_found == 1) {
    *out = found;
    return VOUCH_OK;
  }
  if (len == 11 && strncasecmp(name, "revoked-pck", 11) == 0) {
    *out = tee == VOUCH_GEN_TEE_TDX ? (unsigned)VOUCH_GEN_TDX_KIND_REVOKED_PCK
                                    : (unsigned)VOUCH_GEN_KIND_REVOKED_PCK;
    return VOUCH_OK;
  }
  return VOUCH_E_ARG;
}

const char *vouch_gen_kind_name(vouch_gen_kind k) {
  return vouch_gen_tee_kind_name(VOUCH_GEN_TEE_SGX, (unsigned)k);
}

const char *vouch_gen_kind_describe(vouch_gen_kind k) {
  return vouch_gen_tee_kind_describe(VOUCH_GEN_TEE_SGX, (unsigned)k);
}

vouch_status vouch_gen_kind_parse(const char *name, size_t len, vouch_gen_kind *out) {
  VOUCH_ENSURE_REF(out);
  unsigned k = 0;
  VOUCH_GUARD(vouch_gen_tee_kind_parse(VOUCH_GEN_TEE_SGX, name, len, &k));
  *out = (vouch_gen_kind)k;
  return VOUCH_OK;
}

static bool is_revoked_pck(vouch_gen_tee tee, unsigned k) {
  return tee == VOUCH_GEN_TEE_TDX ? k == VOUCH_GEN_TDX_KIND_REVOKED_PCK
                                  : k == VOUCH_GEN_KIND_REVOKED_PCK;
}

/* ---- groups: one FMSPC and one TCB Info per kind ------------------------ */

static void group_fmspc(vouch_gen_tee tee, unsigned k, uint8_t out[6]) {
  static const uint8_t kBase[6] = {0x00, 0xA0, 0x67, 0x11, 0x00, 0x00};
  static const uint8_t kTdxBase[6] = {0x00, 0x80, 0x6F, 0x05, 0x00, 0x00};
  memcpy(out, tee == VOUCH_GEN_TEE_TDX ? kTdxBase : kBase, 6);
  out[4] = (uint8_t)k;
}

/* group_tcb_opts fills the TCB Info of kind |k|'s group.  Its platforms all
 * have the default platform TCB (vouch_gen_platform_opts_default). */
static void group_tcb_opts(vouch_gen_kind k, vouch_gen_tcb_info_opts *to) {
  vouch_gen_tcb_info_opts_default(to, NULL, kKinds[k].level_status);
  group_fmspc(VOUCH_GEN_TEE_SGX, k, to->fmspc);
  switch (k) {
    case VOUCH_GEN_KIND_EXPIRED_COLLATERAL:
      to->validity = VOUCH_GEN_EXPIRED;
      break;
    case VOUCH_GEN_KIND_NOT_YET_VALID_COLLATERAL:
      to->validity = VOUCH_GEN_NOT_YET_VALID;
      break;
    case VOUCH_GEN_KIND_TCB_NOT_SUPPORTED:
      /* Only levels above the platform's TCB (component 1 at 250). */
      for (size_t i = 0; i < to->num_levels; i++) to->levels[i].comp_svn[0] = 250;
      break;
    default:
      break;
  }
}

/* ---- TDX groups ---------------------------------------------------------- */

void vouch_gen_tdx_kind_build(vouch_gen_tdx_kind kind, vouch_gen_platform_opts *plo,
                              const vouch_gen_platform *pl, vouch_gen_tcb_info_opts *to,
                              vouch_gen_td_quote_opts *q) {
  const kind_info *ki = kind_of(VOUCH_GEN_TEE_TDX, (unsigned)kind);
  if (ki == NULL) return;
  if (plo != NULL) {
    vouch_gen_tdx_platform_opts_default(plo);
    group_fmspc(VOUCH_GEN_TEE_TDX, (unsigned)kind, plo->pck.fmspc);
  }
  if (to != NULL) {
    vouch_gen_tdx_tcb_info_opts_default(to, pl, ki->level_status, ki->module_status);
    if (pl == NULL) group_fmspc(VOUCH_GEN_TEE_TDX, (unsigned)kind, to->fmspc);
    if (kind == VOUCH_GEN_TDX_KIND_EXPIRED_COLLATERAL) to->validity = VOUCH_GEN_EXPIRED;
    if (kind == VOUCH_GEN_TDX_KIND_TCB_NOT_SUPPORTED) {
      /* Every level's TDX component 2 above the TD's; the SGX part still
       * matches (QVL finds an sgxLevel but no tdxLevel). */
      for (size_t i = 0; i < to->num_levels; i++) to->levels[i].tdx_svn[2] = 250;
    }
  }
  if (q != NULL) {
    switch (kind) {
      case VOUCH_GEN_TDX_KIND_MODULE_MISMATCH:
        /* A module signed by someone other than Intel. */
        gen_derive(0, "vouch test foreign mrsignerseam", 0, q->mrsignerseam, 48);
        break;
      case VOUCH_GEN_TDX_KIND_SEAM_ATTRIBUTES:
        q->seam_attributes[0] = 0x01;
        break;
      case VOUCH_GEN_TDX_KIND_DEBUG:
        q->debug = true;
        break;
      case VOUCH_GEN_TDX_KIND_BAD_SIGNATURE:
        q->corrupt = VOUCH_GEN_CORRUPT_QUOTE_SIG;
        break;
      case VOUCH_GEN_TDX_KIND_RELAUNCH: {
        /* The TD runs on module SVN 5 (now OutOfDate); the module has since
         * been updated in place to SVN 6, the newest level, and a relaunch
         * would get it: TEE_TCB_SVN2 = 06 01 07 .. (the platform's with
         * byte 0 one higher). */
        vouch_gen_platform_opts po;
        vouch_gen_tdx_platform_opts_default(&po);
        const uint8_t *svn = pl ? pl->tee_tcb_svn : po.tee_tcb_svn;
        vouch_gen_td_quote_set_format(q, VOUCH_GEN_TD_FORMAT_V5_TD15);
        q->tee_tcb_svn2_from_svn = false;
        memcpy(q->tee_tcb_svn2, q->tee_tcb_svn_from_platform ? svn : q->tee_tcb_svn, 16);
        q->tee_tcb_svn2[0]++;
        break;
      }
      default:
        break;
    }
  }
}

static void add_advisories(vouch_gen_expected *out, const vouch_gen_tcb_level *l) {
  for (size_t a = 0; a < l->num_advisory_ids && a < VOUCH_GEN_MAX_ADVISORIES; a++) {
    bool seen = false;
    for (size_t b = 0; b < out->num_advisory_ids; b++)
      seen = seen || strcmp(out->advisory_ids[b], l->advisory_ids[a]) == 0;
    if (!seen && out->num_advisory_ids < VOUCH_GEN_MAX_ADVISORIES)
      out->advisory_ids[out->num_advisory_ids++] = l->advisory_ids[a];
  }
}

/* tdx_expected: the TDX level's, the module level's and the TD_QE level's
 * advisory IDs, each found as the level built with the platform's exact
 * TCB (as the generator built it). */
static void tdx_expected(unsigned kind, vouch_gen_expected *out) {
  const kind_info *ki = kind_of(VOUCH_GEN_TEE_TDX, kind);
  out->status = ki->status;
  out->error_code = ki->error_code;
  out->tcb_status = ki->tcb_status;
  if (ki->error_code != NULL) return; /* no level reached: no advisories */
  if (out->tcb_status == NULL) out->tcb_status = ki->level_status;
  vouch_gen_platform_opts po;
  vouch_gen_tcb_info_opts to;
  vouch_gen_tdx_kind_build((vouch_gen_tdx_kind)kind, &po, NULL, &to, NULL);
  for (size_t i = 0; i < to.num_levels; i++) {
    const vouch_gen_tcb_level *l = &to.levels[i];
    if (memcmp(l->comp_svn, po.pck.comp_svn, 16) == 0 && l->pcesvn == po.pck.pcesvn &&
        memcmp(l->tdx_svn, po.tee_tcb_svn, 16) == 0) {
      add_advisories(out, l);
      break;
    }
  }
  for (size_t m = 0; m < to.num_module_ids; m++) {
    const vouch_gen_tdx_module_identity *mid = &to.module_ids[m];
    if (mid->major != po.tee_tcb_svn[1]) continue;
    for (size_t i = 0; i < mid->num_levels; i++) {
      if (mid->levels[i].isvsvn != po.tee_tcb_svn[0]) continue;
      add_advisories(out, &mid->levels[i]);
      break;
    }
  }
  vouch_gen_qe_identity_opts qo;
  vouch_gen_td_qe_identity_opts_default(&qo);
  for (size_t i = 0; i < qo.num_levels; i++) {
    if (qo.levels[i].isvsvn != po.qe_svn) continue;
    add_advisories(out, &qo.levels[i]);
    break;
  }
}

void vouch_gen_tee_corpus_expected(vouch_gen_tee tee, unsigned kind, vouch_gen_expected *out) {
  if (tee != VOUCH_GEN_TEE_TDX) {
    vouch_gen_corpus_expected((vouch_gen_kind)kind, out);
    return;
  }
  memset(out, 0, sizeof(*out));
  if (kind >= VOUCH_GEN_TDX_KIND_COUNT) return;
  tdx_expected(kind, out);
}

void vouch_gen_corpus_expected(vouch_gen_kind kind, vouch_gen_expected *out) {
  memset(out, 0, sizeof(*out));
  if ((unsigned)kind >= VOUCH_GEN_KIND_COUNT) return;
  const kind_info *ki = &kKinds[kind];
  out->status = ki->status;
  out->error_code = ki->error_code;
  out->tcb_status = ki->tcb_status;
  if (ki->error_code != NULL) return; /* no level reached: no advisories */
  out->tcb_status = ki->level_status;
  /* The level the group's platforms match: the one with their exact TCB. */
  vouch_gen_platform_opts po;
  vouch_gen_platform_opts_default(&po);
  vouch_gen_tcb_info_opts to;
  group_tcb_opts(kind, &to);
  for (size_t i = 0; i < to.num_levels; i++) {
    const vouch_gen_tcb_level *l = &to.levels[i];
    if (memcmp(l->comp_svn, po.pck.comp_svn, 16) != 0 || l->pcesvn != po.pck.pcesvn) continue;
    for (size_t a = 0; a < l->num_advisory_ids && a < VOUCH_GEN_MAX_ADVISORIES; a++)
      out->advisory_ids[out->num_advisory_ids++] = l->advisory_ids[a];
    break;
  }
}

/* ---- small helpers --------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* below returns a uniform value in [0, n) (n > 0), without modulo bias. */
static uint64_t below(uint64_t *rng, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    uint64_t v = splitmix64(rng);
    if (v < limit) return v % n;
  }
}

static double mono_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* b64url writes the unpadded base64url of |data| to |out| (room for
 * 4 * ceil(len / 3) bytes) and returns the length written. */
static size_t b64url(const uint8_t *data, size_t len, char *out) {
  char *o = out;
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
    o[0] = kB64Url[v >> 18];
    o[1] = kB64Url[(v >> 12) & 63];
    o[2] = kB64Url[(v >> 6) & 63];
    o[3] = kB64Url[v & 63];
    o += 4;
  }
  size_t rem = len - i;
  if (rem > 0) {
    uint32_t v = (uint32_t)data[i] << 16 | (rem == 2 ? (uint32_t)data[i + 1] << 8 : 0);
    *o++ = kB64Url[v >> 18];
    *o++ = kB64Url[(v >> 12) & 63];
    if (rem == 2) *o++ = kB64Url[(v >> 6) & 63];
  }
  return (size_t)(o - out);
}

static bool path_exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* ---- the corpus ------------------------------------------------------------- */

static const char *const kCorpusFiles[] = {"evidence.ndjson", "expected.ndjson", "trust-anchor.pem",
                                           "MANIFEST.json", "collateral"};

typedef struct {
  vouch_gen_platform *pl;
  uint8_t kind;
  uint8_t format; /* TDX: vouch_gen_td_format of its quotes */
} corpus_platform;

/* Everything a run owns; released by corpus_cleanup. */
typedef struct {
  const vouch_gen_corpus_opts *o;
  vouch_gen_corpus_stats *st;
  vouch_err *err;
  vouch_gen_pki *pki, *rogue; /* rogue: the untrusted second PKI (wrong-root) */
  corpus_platform *plats;
  unsigned num_kinds;     /* of the corpus's TEE */
  const kind_info *kinds; /* kKinds or kTdxKinds */
  vouch_gen_tcb_info *tcb[VOUCH_GEN_MAX_KINDS];
  vouch_gen_qe_identity *qe;
  FILE *evidence, *expected;
  char *evidence_buf, *expected_buf; /* stdio buffers */
  char path[4096];
} corpus;

static void corpus_cleanup(corpus *c) {
  if (c->evidence) fclose(c->evidence);
  if (c->expected) fclose(c->expected);
  free(c->evidence_buf);
  free(c->expected_buf);
  if (c->plats != NULL) {
    for (uint64_t i = 0; i < c->o->num_platforms; i++) vouch_gen_platform_free(c->plats[i].pl);
    free(c->plats);
  }
  for (int k = 0; k < VOUCH_GEN_MAX_KINDS; k++) vouch_gen_tcb_info_free(c->tcb[k]);
  vouch_gen_qe_identity_free(c->qe);
  vouch_gen_pki_free(c->pki);
  vouch_gen_pki_free(c->rogue);
}

static const char *corpus_path(corpus *c, const char *name) {
  snprintf(c->path, sizeof(c->path), "%s/%s", c->o->out_dir, name);
  return c->path;
}

static vouch_status check_opts(const vouch_gen_corpus_opts *o, uint32_t weights[], vouch_err *err) {
  if (o->tee != VOUCH_GEN_TEE_SGX && o->tee != VOUCH_GEN_TEE_TDX)
    return vouch_fail(err, VOUCH_E_ARG, "gen: unknown TEE %d", (int)o->tee);
  if (o->out_dir == NULL || o->out_dir[0] == '\0')
    return vouch_fail(err, VOUCH_E_ARG, "gen: no output directory given");
  if (strlen(o->out_dir) > 3000)
    return vouch_fail(err, VOUCH_E_ARG, "gen: output directory path too long");
  if (o->num_platforms < 1 || o->num_platforms > VOUCH_GEN_CORPUS_MAX_PLATFORMS)
    return vouch_fail(err, VOUCH_E_ARG, "gen: platforms must be between 1 and %u",
                      VOUCH_GEN_CORPUS_MAX_PLATFORMS);
  if (o->jobs > VOUCH_GEN_CORPUS_MAX_JOBS)
    return vouch_fail(err, VOUCH_E_ARG, "gen: jobs must be at most %u", VOUCH_GEN_CORPUS_MAX_JOBS);
  if (o->num_enclaves < 1 || o->num_enclaves > VOUCH_GEN_CORPUS_MAX_ENCLAVES)
    return vouch_fail(err, VOUCH_E_ARG, "gen: enclaves must be between 1 and %u",
                      VOUCH_GEN_CORPUS_MAX_ENCLAVES);
  uint64_t num_kinds = 0;
  unsigned count = vouch_gen_tee_kind_count(o->tee);
  for (unsigned k = 0; k < VOUCH_GEN_MAX_KINDS; k++) {
    weights[k] = o->weights[k];
    if (k >= count && weights[k] > 0)
      return vouch_fail(err, VOUCH_E_ARG, "gen: weight given for kind %u; %s has %u kinds", k,
                        vouch_gen_tee_name(o->tee), count);
    num_kinds += weights[k] > 0;
  }
  if (num_kinds == 0) {
    weights[0] = 1; /* UpToDate, for every TEE */
    num_kinds = 1;
  }
  if (num_kinds > o->num_platforms)
    return vouch_fail(err, VOUCH_E_ARG,
                      "gen: the mix has %" PRIu64 " kinds but there are only %" PRIu64
                      " platforms; every kind needs at least one platform: raise --platforms "
                      "to %" PRIu64 " or more",
                      num_kinds, o->num_platforms, num_kinds);
  return VOUCH_OK;
}

/* plan_kinds shares the platforms among the kinds in proportion to the
 * weights (largest remainder, ties to the lower kind), then makes sure
 * every kind of non-zero weight has one (taken from the largest share),
 * then shuffles the assignment with the seed (Fisher-Yates). */
static void plan_kinds(corpus *c, const uint32_t weights[]) {
  const int K = (int)c->num_kinds;
  uint64_t P = c->o->num_platforms, W = 0, n[VOUCH_GEN_MAX_KINDS] = {0};
  uint64_t rem[VOUCH_GEN_MAX_KINDS] = {0}, given = 0;
  for (int k = 0; k < K; k++) W += weights[k];
  /* P <= 1e5 and weights <= 2^32, so P * w fits in 64 bits. */
  for (int k = 0; k < K; k++) {
    n[k] = P * weights[k] / W;
    rem[k] = P * weights[k] % W;
    given += n[k];
  }
  for (; given < P; given++) {
    int best = -1;
    for (int k = 0; k < K; k++)
      if (weights[k] > 0 && (best < 0 || rem[k] > rem[best])) best = k;
    n[best]++;
    rem[best] = 0;
  }
  for (int k = 0; k < K; k++) {
    if (weights[k] == 0 || n[k] > 0) continue;
    int largest = 0; /* check_opts guarantees P >= kinds, so it has 2+ */
    for (int m = 1; m < K; m++)
      if (n[m] > n[largest]) largest = m;
    n[largest]--;
    n[k] = 1;
  }
  uint64_t i = 0;
  for (int k = 0; k < K; k++)
    for (uint64_t m = 0; m < n[k]; m++) c->plats[i++].kind = (uint8_t)k;
  uint64_t rng = c->o->seed ^ UINT64_C(0x6B696E6473000000); /* "kinds" */
  for (uint64_t j = P - 1; j > 0; j--) {
    uint64_t r = below(&rng, j + 1);
    uint8_t t = c->plats[j].kind;
    c->plats[j].kind = c->plats[r].kind;
    c->plats[r].kind = t;
  }
}

static vouch_status make_platforms(corpus *c) {
  vouch_status s = VOUCH_OK;
  uint64_t rng = c->o->seed ^ UINT64_C(0x6361000000000000); /* "ca" */
  uint64_t num_revoked = 0;
  uint64_t fmt_rng = c->o->seed ^ UINT64_C(0x746466746D740000); /* "tdfmt" */
  bool tdx = c->o->tee == VOUCH_GEN_TEE_TDX;
  for (uint64_t i = 0; i < c->o->num_platforms; i++) {
    corpus_platform *cp = &c->plats[i];
    unsigned k = cp->kind;
    vouch_gen_platform_opts po;
    vouch_gen_pki *issuer = c->pki;
    /* One platform in four certified by the other CA (the real mix varies
     * by platform type); drawn for every platform so adding a kind does not
     * move the others' CAs. */
    bool other_ca = below(&rng, 4) == 0;
    if (!tdx) {
      vouch_gen_platform_opts_default(&po);
      group_fmspc(VOUCH_GEN_TEE_SGX, k, po.pck.fmspc);
      po.ca = other_ca || k == VOUCH_GEN_KIND_PLATFORM_CA ? VOUCH_GEN_PLATFORM_CA
                                                          : VOUCH_GEN_PROCESSOR_CA;
      if (k == VOUCH_GEN_KIND_QE_MISMATCH) po.qe_mrsigner[0] ^= 0x01;
      if (k == VOUCH_GEN_KIND_WRONG_ROOT) issuer = c->rogue;
    } else {
      vouch_gen_tdx_kind_build((vouch_gen_tdx_kind)k, &po, NULL, NULL, NULL);
      po.ca = other_ca ? VOUCH_GEN_PROCESSOR_CA : VOUCH_GEN_PLATFORM_CA;
      /* Each platform's QE makes one quote format (the corpus splices its
       * precomputed tail into every quote); relaunch needs TD 1.5. */
      cp->format = (uint8_t)below(&fmt_rng, VOUCH_GEN_TD_FORMAT_COUNT);
      if (k == VOUCH_GEN_TDX_KIND_RELAUNCH) cp->format = VOUCH_GEN_TD_FORMAT_V5_TD15;
    }
    VOUCH_GUARD(vouch_gen_platform_new(issuer, &po, &cp->pl, c->err));
    /* The parsed PCK certificate and its private key served the QE report
     * signature; quotes need only the attestation key and the tail (and
     * revocation the serial).  Dropping them halves a platform's memory. */
    X509_free(cp->pl->cert.x509);
    cp->pl->cert.x509 = NULL;
    EVP_PKEY_free(cp->pl->cert.key);
    cp->pl->cert.key = NULL;
    c->st->platforms[k]++;
    c->st->platform_ca_platforms += po.ca == VOUCH_GEN_PLATFORM_CA;
    num_revoked += is_revoked_pck(c->o->tee, k);
  }
  if (num_revoked == 0) return VOUCH_OK;
  const vouch_gen_platform **revoked = malloc(num_revoked * sizeof(*revoked));
  if (revoked == NULL) return vouch_fail(c->err, VOUCH_E_NOMEM, "gen: out of memory");
  size_t n = 0;
  for (uint64_t i = 0; i < c->o->num_platforms; i++)
    if (is_revoked_pck(c->o->tee, c->plats[i].kind)) revoked[n++] = c->plats[i].pl;
  s = vouch_gen_pki_revoke_pcks(c->pki, revoked, n);
  free(revoked);
  if (s != VOUCH_OK) return vouch_fail(c->err, s, "gen: revoking PCK certificates failed");
  return VOUCH_OK;
}

static vouch_status write_small_file(corpus *c, const char *name, const void *data, size_t len) {
  const char *path = corpus_path(c, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return vouch_fail(c->err, VOUCH_E_IO, "gen: cannot create %s: %s", path, strerror(errno));
  bool ok = fwrite(data, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  if (!ok) return vouch_fail(c->err, VOUCH_E_IO, "gen: cannot write %s: %s", path, strerror(errno));
  return VOUCH_OK;
}

static vouch_status write_collateral(corpus *c) {
  const vouch_gen_tcb_info *tis[VOUCH_GEN_MAX_KINDS];
  size_t num = 0;
  bool tdx = c->o->tee == VOUCH_GEN_TEE_TDX;
  for (unsigned k = 0; k < c->num_kinds; k++) {
    if (c->st->platforms[k] == 0) continue;
    vouch_gen_tcb_info_opts to;
    if (tdx) {
      vouch_gen_tdx_kind_build((vouch_gen_tdx_kind)k, NULL, NULL, &to, NULL);
    } else {
      group_tcb_opts((vouch_gen_kind)k, &to);
    }
    VOUCH_GUARD(vouch_gen_tcb_info_new(c->pki, &to, &c->tcb[k], c->err));
    tis[num++] = c->tcb[k];
  }
  vouch_gen_qe_identity_opts qo;
  if (tdx) {
    vouch_gen_td_qe_identity_opts_default(&qo);
  } else {
    vouch_gen_qe_identity_opts_default(&qo);
  }
  VOUCH_GUARD(vouch_gen_qe_identity_new(c->pki, &qo, &c->qe, c->err));
  const vouch_gen_qe_identity *qes[1] = {c->qe};
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/collateral", c->o->out_dir);
  VOUCH_GUARD(vouch_gen_collateral_dir_write(dir, c->pki, tis, num, qes, 1, c->err));

  vouch_buf pem;
  vouch_buf_init(&pem, 0);
  vouch_status s = vouch_gen_pki_root_pem(c->pki, &pem);
  if (s == VOUCH_OK) s = write_small_file(c, "trust-anchor.pem", pem.data, pem.len);
  vouch_buf_free(&pem);
  return s;
}

static vouch_status open_stream(corpus *c, const char *name, FILE **out, char **out_buf) {
  const char *path = corpus_path(c, name);
  *out = fopen(path, "wb");
  if (*out == NULL)
    return vouch_fail(c->err, VOUCH_E_IO, "gen: cannot create %s: %s", path, strerror(errno));
  enum { kStdioBuf = 1 << 20 };
  *out_buf = malloc(kStdioBuf);
  if (*out_buf != NULL) setvbuf(*out, *out_buf, _IOFBF, kStdioBuf);
  return VOUCH_OK;
}

/* expected_tail appends the part of an expected line after the id, up to
 * and including "platform": (identical for every quote of a kind). */
static void expected_tail(vouch_gen_tee tee, unsigned k, vouch_buf *b) {
  vouch_gen_expected e;
  vouch_gen_tee_corpus_expected(tee, k, &e);
  vouch_buf_puts(b, ",\"status\":\"");
  vouch_buf_puts(b, e.status);
  vouch_buf_puts(b, "\",\"tcb_status\":");
  if (e.tcb_status) {
    vouch_buf_json_string(b, e.tcb_status, strlen(e.tcb_status));
  } else {
    vouch_buf_puts(b, "null");
  }
  vouch_buf_puts(b, ",\"advisory_ids\":[");
  for (size_t a = 0; a < e.num_advisory_ids; a++) {
    if (a > 0) vouch_buf_putc(b, ',');
    vouch_buf_json_string(b, e.advisory_ids[a], strlen(e.advisory_ids[a]));
  }
  vouch_buf_puts(b, "],\"error_code\":");
  if (e.error_code) {
    vouch_buf_json_string(b, e.error_code, strlen(e.error_code));
  } else {
    vouch_buf_puts(b, "null");
  }
  vouch_buf_puts(b, ",\"kind\":\"");
  vouch_buf_puts(b, vouch_gen_tee_kind_name(tee, k));
  vouch_buf_puts(b, "\",\"platform\":");
}

static int status_index(const char *status) {
  static const char *const kNames[4] = {"affirming", "warning", "contraindicated", "error"};
  for (int i = 0; i < 4; i++)
    if (strcmp(status, kNames[i]) == 0) return i;
  return 3;
}

/* An enclave identity of the corpus: E of them, two per signer.  TDX: a
 * TD identity, two per TD image (MRTD, RTMR0 firmware), each with its own
 * configuration (MRCONFIGID, MROWNER) and boot chain (RTMR1, RTMR2). */
typedef struct {
  uint8_t mrenclave[32];
  uint8_t mrsigner[32];
  uint16_t isvprodid, isvsvn;
  uint8_t mrtd[48], mrconfigid[48], mrowner[48], rtmr[3][48];
} enclave_id;

static void derive_enclave(uint64_t seed, uint32_t e, enclave_id *out) {
  gen_derive(seed, "corpus enclave mrenclave", e, out->mrenclave, 32);
  gen_derive(seed, "corpus enclave mrsigner", e / 2, out->mrsigner, 32);
  out->isvprodid = (uint16_t)(1 + e / 2);
  out->isvsvn = (uint16_t)(1 + e % 4);
}

static void derive_td(uint64_t seed, uint32_t e, enclave_id *out) {
  gen_derive(seed, "corpus td mrtd", e / 2, out->mrtd, 48);
  gen_derive(seed, "corpus td rtmr0", e / 2, out->rtmr[0], 48);
  gen_derive(seed, "corpus td mrconfigid", e, out->mrconfigid, 48);
  gen_derive(seed, "corpus td mrowner", e, out->mrowner, 48);
  gen_derive(seed, "corpus td rtmr1", e, out->rtmr[1], 48);
  gen_derive(seed, "corpus td rtmr2", e, out->rtmr[2], 48);
}

/* ---- quotes: batches, made by workers, written in order -----------------
 *
 * Quote i depends only on (seed, i) and its platform, so any split of the
 * work gives the same bytes (up to the random signatures).  Batches of
 * kBatch quotes are made into slot buffers; the calling thread writes slot
 * after slot in batch order.  With one job it makes them itself.  With J
 * workers there are J + 2 slots: a worker claims the next batch only once
 * its slot has been written out, so memory stays at (J + 2) batches. */
enum { kBatch = 128, kCtxCache = 1024, kProgressEvery = 1024 };

/* Per platform, shared read-only by the workers: the base64url of the
 * quote tail after its first |skip| bytes (identical in every quote: att
 * key, QE report and signature, auth data, PCK chain).  The quote's own
 * part (SGX VOUCH_GEN_QUOTE_PREFIX_LEN = 500 bytes; TDX 700, 706 or 770 by
 * format) plus |skip| (1, 2 or 1) is a multiple of 3, so
 * base64(prefix || tail[0:skip]) || base64(tail[skip:]) == base64(quote). */
typedef struct {
  char *tail_b64;
  size_t tail_b64_len;
  size_t skip;
} platform_b64;

#define MAX_PREFIX_LEN (VOUCH_GEN_QUOTE_HEADER_LEN + 6 + VOUCH_GEN_TD15_REPORT_LEN + 4 + 64)

typedef struct {
  const corpus *c;
  const platform_b64 *b64;
  const enclave_id *enclaves;
  const vouch_buf *tails; /* expected line tails, per kind */
  int width;              /* digits of the ids */
} quote_plan;

/* A worker's own state: signing contexts of recently used platforms
 * (direct-mapped by platform index) and a scratch quote. */
typedef struct {
  struct {
    uint64_t platform_plus1;
    EVP_PKEY_CTX *ctx;
  } cache[kCtxCache];
  vouch_buf quote;
} worker_state;

static void worker_state_cleanup(worker_state *w) {
  for (size_t i = 0; i < kCtxCache; i++) EVP_PKEY_CTX_free(w->cache[i].ctx);
  vouch_buf_free(&w->quote);
}

static vouch_status sign_ctx_for(worker_state *w, const vouch_gen_platform *pl, uint64_t p,
                                 EVP_PKEY_CTX **out) {
  size_t slot = (size_t)(p % kCtxCache);
  if (w->cache[slot].platform_plus1 != p + 1) {
    EVP_PKEY_CTX_free(w->cache[slot].ctx);
    w->cache[slot].ctx = NULL;
    w->cache[slot].platform_plus1 = 0;
    VOUCH_GUARD(gen_sign_ctx_new(pl->att_key, &w->cache[slot].ctx));
    w->cache[slot].platform_plus1 = p + 1;
  }
  *out = w->cache[slot].ctx;
  return VOUCH_OK;
}

/* put_id appends "q-" and |n| zero-padded to |width| digits. */
static void put_id(vouch_buf *b, uint64_t n, int width) {
  char digits[24];
  int k = 0;
  do {
    digits[k++] = (char)('0' + n % 10);
    n /= 10;
  } while (n > 0);
  char out[48];
  int o = 0;
  out[o++] = 'q';
  out[o++] = '-';
  for (int pad = width - k; pad > 0 && o < 40; pad--) out[o++] = '0';
  while (k > 0) out[o++] = digits[--k];
  vouch_buf_append(b, out, (size_t)o);
}

static void put_u64(vouch_buf *b, uint64_t n) {
  char digits[24];
  int k = 0;
  do {
    digits[k++] = (char)('0' + n % 10);
    n /= 10;
  } while (n > 0);
  char out[24];
  int o = 0;
  while (k > 0) out[o++] = digits[--k];
  vouch_buf_append(b, out, (size_t)o);
}

/* sgx_quote_opts sets the per-quote values of SGX quote i from
 * (seed, i): enclave and REPORTDATA, and the kind's defect. */
static void sgx_quote_opts(const quote_plan *plan, uint64_t i, unsigned k,
                           vouch_gen_quote_opts *q) {
  const vouch_gen_corpus_opts *o = plan->c->o;
  uint64_t rng = o->seed ^ (i * UINT64_C(0xD1B54A32D192ED03));
  splitmix64(&rng);
  const enclave_id *en = &plan->enclaves[below(&rng, o->num_enclaves)];
  memcpy(q->mrenclave, en->mrenclave, 32);
  memcpy(q->mrsigner, en->mrsigner, 32);
  q->isvprodid = en->isvprodid;
  q->isvsvn = en->isvsvn;
  for (size_t b = 0; b < 64; b += 8) {
    uint64_t v = splitmix64(&rng);
    for (size_t j = 0; j < 8; j++) q->report_data[b + j] = (uint8_t)(v >> (8 * j));
  }
  q->debug = k == VOUCH_GEN_KIND_DEBUG;
  q->corrupt = k == VOUCH_GEN_KIND_BAD_SIGNATURE ? VOUCH_GEN_CORRUPT_QUOTE_SIG : 0;
}

/* td_quote_opts sets TD quote i: the platform's format, the TD identity
 * and REPORTDATA from (seed, i), then the kind's changes. */
static void td_quote_opts(const quote_plan *plan, uint64_t i, const corpus_platform *cp,
                          const vouch_gen_td_quote_opts *base, vouch_gen_td_quote_opts *q) {
  const vouch_gen_corpus_opts *o = plan->c->o;
  *q = *base; /* the defaults, derived once per batch */
  vouch_gen_td_quote_set_format(q, (vouch_gen_td_format)cp->format);
  uint64_t rng = o->seed ^ (i * UINT64_C(0xD1B54A32D192ED03));
  splitmix64(&rng);
  const enclave_id *en = &plan->enclaves[below(&rng, o->num_enclaves)];
  memcpy(q->mrtd, en->mrtd, 48);
  memcpy(q->mrconfigid, en->mrconfigid, 48);
  memcpy(q->mrowner, en->mrowner, 48);
  memcpy(q->rtmr, en->rtmr, 3 * 48);
  for (size_t b = 0; b < 64; b += 8) {
    uint64_t v = splitmix64(&rng);
    for (size_t j = 0; j < 8; j++) q->report_data[b + j] = (uint8_t)(v >> (8 * j));
  }
  vouch_gen_tdx_kind_build((vouch_gen_tdx_kind)cp->kind, NULL, cp->pl, NULL, q);
}

/* make_batch appends the evidence and expected lines of quotes [first,
 * first + count) to |ev| and |ex|. */
static vouch_status make_batch(const quote_plan *plan, worker_state *w, uint64_t first,
                               uint64_t count, vouch_buf *ev, vouch_buf *ex) {
  const vouch_gen_corpus_opts *o = plan->c->o;
  bool tdx = o->tee == VOUCH_GEN_TEE_TDX;
  vouch_gen_quote_opts q;
  vouch_gen_quote_opts_default(&q);
  vouch_gen_td_quote_opts tq, td_base;
  if (tdx) vouch_gen_td_quote_opts_default(&td_base);
  const char *envelope =
      tdx ? "\",\"type\":\"tdx\",\"evidence\":\"" : "\",\"type\":\"sgx\",\"evidence\":\"";
  for (uint64_t i = first; i < first + count; i++) {
    uint64_t p = i % o->num_platforms;
    const corpus_platform *cp = &plan->c->plats[p];
    unsigned k = cp->kind;
    const platform_b64 *pb = &plan->b64[p];

    EVP_PKEY_CTX *ctx = NULL;
    VOUCH_GUARD(sign_ctx_for(w, cp->pl, p, &ctx));
    vouch_buf_reset(&w->quote);
    size_t prefix_len;
    if (tdx) {
      td_quote_opts(plan, i, cp, &td_base, &tq);
      prefix_len = gen_td_quote_prefix_len(&tq);
      VOUCH_GUARD(gen_td_quote_build(cp->pl, &tq, ctx, false, &w->quote));
    } else {
      sgx_quote_opts(plan, i, k, &q);
      prefix_len = VOUCH_GEN_QUOTE_PREFIX_LEN;
      VOUCH_GUARD(gen_quote_build(cp->pl, &q, ctx, false, &w->quote));
    }
    VOUCH_ENSURE(w->quote.len == prefix_len && (prefix_len + pb->skip) % 3 == 0 &&
                     cp->pl->tail_len > pb->skip,
                 VOUCH_E_INTERNAL);
    uint8_t head[MAX_PREFIX_LEN + 2];
    memcpy(head, w->quote.data, prefix_len);
    memcpy(head + prefix_len, cp->pl->tail, pb->skip);
    char head_b64[(MAX_PREFIX_LEN + 2) / 3 * 4 + 4];
    size_t head_len = b64url(head, prefix_len + pb->skip, head_b64);

    vouch_buf_puts(ev, "{\"id\":\"");
    put_id(ev, i + 1, plan->width);
    vouch_buf_puts(ev, envelope);
    vouch_buf_append(ev, head_b64, head_len);
    vouch_buf_append(ev, pb->tail_b64, pb->tail_b64_len);
    vouch_buf_puts(ev, "\"}\n");

    vouch_buf_puts(ex, "{\"id\":\"");
    put_id(ex, i + 1, plan->width);
    vouch_buf_putc(ex, '"');
    vouch_buf_append(ex, plan->tails[k].data, plan->tails[k].len);
    put_u64(ex, p);
    vouch_buf_puts(ex, "}\n");
  }
  VOUCH_GUARD(vouch_buf_status(ev));
  return vouch_buf_status(ex);
}

typedef enum { SLOT_FREE, SLOT_FILLING, SLOT_FULL } slot_state;

typedef struct {
  vouch_buf ev, ex;
  uint64_t batch;
  slot_state state; /* guarded by pool.mu */
  vouch_status status;
} slot;

/* The worker pool.  Owned by write_quotes; mu guards next_batch, stop and
 * every slot's state/batch/status (the buffers belong to whoever set the
 * state: the worker while FILLING, the writer while FULL). */
typedef struct {
  const quote_plan *plan;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  slot *slots;
  size_t num_slots;
  uint64_t next_batch, num_batches;
  bool stop;
} pool;

static uint64_t batch_count(const pool *pl, uint64_t b) {
  uint64_t n = pl->plan->c->o->num_quotes;
  uint64_t first = b * kBatch;
  return n - first < kBatch ? n - first : kBatch;
}

static void *worker_main(void *arg) {
  pool *pl = arg;
  worker_state *w = calloc(1, sizeof(*w));
  pthread_mutex_lock(&pl->mu);
  if (w == NULL) pl->stop = true; /* the writer sees a batch never filled: stop */
  for (;;) {
    while (!pl->stop && pl->next_batch < pl->num_batches &&
           pl->slots[pl->next_batch % pl->num_slots].state != SLOT_FREE)
      pthread_cond_wait(&pl->cv, &pl->mu);
    if (pl->stop || pl->next_batch >= pl->num_batches) break;
    uint64_t b = pl->next_batch++;
    slot *sl = &pl->slots[b % pl->num_slots];
    sl->state = SLOT_FILLING;
    sl->batch = b;
    pthread_mutex_unlock(&pl->mu);
    vouch_buf_reset(&sl->ev);
    vouch_buf_reset(&sl->ex);
    vouch_status s = make_batch(pl->plan, w, b * kBatch, batch_count(pl, b), &sl->ev, &sl->ex);
    pthread_mutex_lock(&pl->mu);
    sl->status = s;
    sl->state = SLOT_FULL;
    pthread_cond_broadcast(&pl->cv);
  }
  pthread_cond_broadcast(&pl->cv);
  pthread_mutex_unlock(&pl->mu);
  if (w != NULL) {
    worker_state_cleanup(w);
    free(w);
  }
  return NULL;
}

/* write_slot writes one made batch to the two streams. */
static vouch_status write_slot(corpus *c, const slot *sl, bool *io_ok) {
  if (sl->status != VOUCH_OK)
    return vouch_fail(c->err, sl->status, "gen: making quotes failed (%s)",
                      vouch_status_name(sl->status));
  *io_ok = *io_ok && fwrite(sl->ev.data, 1, sl->ev.len, c->evidence) == sl->ev.len;
  *io_ok = *io_ok && fwrite(sl->ex.data, 1, sl->ex.len, c->expected) == sl->ex.len;
  c->st->evidence_bytes += sl->ev.len;
  return VOUCH_OK;
}

static vouch_status run_batches(corpus *c, const quote_plan *plan, bool *io_ok) {
  const vouch_gen_corpus_opts *o = c->o;
  pool pl = {.plan = plan, .num_batches = (o->num_quotes + kBatch - 1) / kBatch};
  unsigned jobs = o->jobs == 0 ? 1 : o->jobs;
  if (jobs > VOUCH_GEN_CORPUS_MAX_JOBS) jobs = VOUCH_GEN_CORPUS_MAX_JOBS;
  if (pl.num_batches < jobs) jobs = (unsigned)(pl.num_batches ? pl.num_batches : 1);
  pl.num_slots = jobs == 1 ? 1 : jobs + 2;
  pl.slots = calloc(pl.num_slots, sizeof(*pl.slots));
  if (pl.slots == NULL) return vouch_fail(c->err, VOUCH_E_NOMEM, "gen: out of memory");
  vouch_status s = VOUCH_OK;
  uint64_t done = 0;

  if (jobs == 1) {
    worker_state *w = calloc(1, sizeof(*w));
    if (w == NULL) {
      s = vouch_fail(c->err, VOUCH_E_NOMEM, "gen: out of memory");
    }
    for (uint64_t b = 0; w != NULL && b < pl.num_batches && s == VOUCH_OK && *io_ok; b++) {
      slot *sl = &pl.slots[0];
      vouch_buf_reset(&sl->ev);
      vouch_buf_reset(&sl->ex);
      sl->status = make_batch(plan, w, b * kBatch, batch_count(&pl, b), &sl->ev, &sl->ex);
      s = write_slot(c, sl, io_ok);
      done += batch_count(&pl, b);
      if (o->progress != NULL && done % kProgressEvery < kBatch)
        o->progress(o->progress_ctx, done, o->num_quotes);
    }
    if (w != NULL) {
      worker_state_cleanup(w);
      free(w);
    }
  } else {
    pthread_t threads[VOUCH_GEN_CORPUS_MAX_JOBS];
    unsigned started = 0;
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    for (; started < jobs; started++)
      if (pthread_create(&threads[started], NULL, worker_main, &pl) != 0) break;
    if (started == 0) s = vouch_fail(c->err, VOUCH_E_NOMEM, "gen: cannot start worker threads");
    for (uint64_t b = 0; started > 0 && b < pl.num_batches && s == VOUCH_OK && *io_ok; b++) {
      slot *sl = &pl.slots[b % pl.num_slots];
      pthread_mutex_lock(&pl.mu);
      while (!(sl->state == SLOT_FULL && sl->batch == b) && !pl.stop)
        pthread_cond_wait(&pl.cv, &pl.mu);
      bool stopped = !(sl->state == SLOT_FULL && sl->batch == b);
      pthread_mutex_unlock(&pl.mu);
      if (stopped) {
        s = vouch_fail(c->err, VOUCH_E_NOMEM, "gen: a worker thread failed (out of memory)");
        break;
      }
      s = write_slot(c, sl, io_ok); /* FULL: the writer owns the buffers */
      done += batch_count(&pl, b);
      pthread_mutex_lock(&pl.mu);
      sl->state = SLOT_FREE;
      pthread_cond_broadcast(&pl.cv);
      pthread_mutex_unlock(&pl.mu);
      if (o->progress != NULL && done % kProgressEvery < kBatch)
        o->progress(o->progress_ctx, done, o->num_quotes);
    }
    pthread_mutex_lock(&pl.mu);
    pl.stop = true;
    pthread_cond_broadcast(&pl.cv);
    pthread_mutex_unlock(&pl.mu);
    for (unsigned t = 0; t < started; t++) pthread_join(threads[t], NULL);
    pthread_cond_destroy(&pl.cv);
    pthread_mutex_destroy(&pl.mu);
  }
  for (size_t i = 0; i < pl.num_slots; i++) {
    vouch_buf_free(&pl.slots[i].ev);
    vouch_buf_free(&pl.slots[i].ex);
  }
  free(pl.slots);
  return s;
}

static vouch_status write_quotes(corpus *c) {
  vouch_status s = VOUCH_OK;
  const vouch_gen_corpus_opts *o = c->o;
  enclave_id *enclaves = calloc(o->num_enclaves, sizeof(*enclaves));
  platform_b64 *b64 = calloc(o->num_platforms, sizeof(*b64));
  vouch_buf tails[VOUCH_GEN_MAX_KINDS];
  bool tdx = o->tee == VOUCH_GEN_TEE_TDX;
  for (unsigned k = 0; k < VOUCH_GEN_MAX_KINDS; k++) {
    vouch_buf_init(&tails[k], 0);
    if (k < c->num_kinds) expected_tail(o->tee, k, &tails[k]);
  }
  if (enclaves == NULL || b64 == NULL) {
    s = vouch_fail(c->err, VOUCH_E_NOMEM, "gen: out of memory");
    goto done;
  }
  for (unsigned k = 0; k < VOUCH_GEN_MAX_KINDS; k++)
    VOUCH_GUARD_GOTO(s, vouch_buf_status(&tails[k]), done);
  for (uint32_t e = 0; e < o->num_enclaves; e++) {
    if (tdx) {
      derive_td(o->seed, e, &enclaves[e]);
    } else {
      derive_enclave(o->seed, e, &enclaves[e]);
    }
  }
  for (uint64_t p = 0; p < o->num_platforms; p++) {
    const vouch_gen_platform *pl = c->plats[p].pl;
    size_t prefix = VOUCH_GEN_QUOTE_PREFIX_LEN;
    if (tdx) {
      vouch_gen_td_quote_opts tq = {0};
      vouch_gen_td_quote_set_format(&tq, (vouch_gen_td_format)c->plats[p].format);
      prefix = gen_td_quote_prefix_len(&tq);
    }
    b64[p].skip = (3 - prefix % 3) % 3;
    VOUCH_ENSURE_GOTO(s, pl->tail_len > b64[p].skip, VOUCH_E_INTERNAL, done);
    b64[p].tail_b64 = malloc((pl->tail_len + 1) / 3 * 4 + 4);
    VOUCH_ENSURE_GOTO(s, b64[p].tail_b64 != NULL, VOUCH_E_NOMEM, done);
    b64[p].tail_b64_len =
        b64url(pl->tail + b64[p].skip, pl->tail_len - b64[p].skip, b64[p].tail_b64);
  }
  VOUCH_GUARD_GOTO(s, open_stream(c, "evidence.ndjson", &c->evidence, &c->evidence_buf), done);
  VOUCH_GUARD_GOTO(s, open_stream(c, "expected.ndjson", &c->expected, &c->expected_buf), done);

  quote_plan plan = {.c = c, .b64 = b64, .enclaves = enclaves, .tails = tails, .width = 1};
  for (uint64_t v = o->num_quotes; v >= 10; v /= 10) plan.width++;
  bool io_ok = true;
  VOUCH_GUARD_GOTO(s, run_batches(c, &plan, &io_ok), done);
  bool ok1 = io_ok && fflush(c->evidence) == 0 && !ferror(c->evidence);
  bool ok2 = io_ok && fflush(c->expected) == 0 && !ferror(c->expected);
  if (!ok1 || !ok2) {
    s = vouch_fail(c->err, VOUCH_E_IO, "gen: cannot write %s: %s",
                   corpus_path(c, ferror(c->evidence) ? "evidence.ndjson" : "expected.ndjson"),
                   strerror(errno ? errno : EIO));
    goto done;
  }
  /* Quote i comes from platform i mod P. */
  for (uint64_t p = 0; p < o->num_platforms; p++) {
    uint64_t n = o->num_quotes / o->num_platforms + (p < o->num_quotes % o->num_platforms ? 1 : 0);
    c->st->quotes[c->plats[p].kind] += n;
    if (tdx) c->st->td_format_quotes[c->plats[p].format] += n;
  }
  if (o->progress != NULL) o->progress(o->progress_ctx, o->num_quotes, o->num_quotes);
done:
  if (b64 != NULL)
    for (uint64_t p = 0; p < o->num_platforms; p++) free(b64[p].tail_b64);
  free(b64);
  free(enclaves);
  for (unsigned k = 0; k < VOUCH_GEN_MAX_KINDS; k++) vouch_buf_free(&tails[k]);
  return s;
}

static void json_time(vouch_json *j, int64_t t) {
  char s[VOUCH_TIME_STR_LEN];
  vouch_time_format(t, s);
  vouch_json_string(j, s);
}

static vouch_status write_manifest(corpus *c, const uint32_t weights[]) {
  const vouch_gen_corpus_opts *o = c->o;
  const vouch_gen_corpus_stats *st = c->st;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "generator");
  vouch_json_string(&j, "vouch " VOUCH_VERSION);
  vouch_json_key(&j, "type");
  vouch_json_string(&j, vouch_gen_tee_name(o->tee));
  vouch_json_key(&j, "seed");
  vouch_json_uint(&j, o->seed);
  vouch_json_key(&j, "now");
  json_time(&j, o->now);
  vouch_json_key(&j, "now_unix");
  vouch_json_int(&j, o->now);
  /* Every item is valid in this window (TCB Info, QE Identity and PCK CRLs
   * span 30 days centred on now), except what a kind made invalid. */
  vouch_json_key(&j, "valid_from");
  json_time(&j, o->now - 15 * GEN_DAY);
  vouch_json_key(&j, "valid_until");
  json_time(&j, o->now + 15 * GEN_DAY);
  vouch_json_key(&j, "platforms");
  vouch_json_uint(&j, o->num_platforms);
  vouch_json_key(&j, "quotes");
  vouch_json_uint(&j, o->num_quotes);
  vouch_json_key(&j, "enclaves");
  vouch_json_uint(&j, o->num_enclaves);
  vouch_json_key(&j, "processor_ca_platforms");
  vouch_json_uint(&j, o->num_platforms - st->platform_ca_platforms);
  vouch_json_key(&j, "platform_ca_platforms");
  vouch_json_uint(&j, st->platform_ca_platforms);
  vouch_json_key(&j, "mix");
  vouch_json_begin_object(&j);
  for (unsigned k = 0; k < c->num_kinds; k++) {
    if (weights[k] == 0) continue;
    vouch_json_key(&j, c->kinds[k].name);
    vouch_json_uint(&j, weights[k]);
  }
  vouch_json_end_object(&j);
  vouch_json_key(&j, "kinds");
  vouch_json_begin_array(&j);
  for (unsigned k = 0; k < c->num_kinds; k++) {
    if (st->platforms[k] == 0) continue;
    vouch_gen_expected e;
    vouch_gen_tee_corpus_expected(o->tee, k, &e);
    uint8_t fmspc[6];
    char fmspc_hex[13];
    group_fmspc(o->tee, k, fmspc);
    vouch_hex_encode_upper(fmspc, 6, fmspc_hex);
    vouch_json_begin_object(&j);
    vouch_json_key(&j, "kind");
    vouch_json_string(&j, c->kinds[k].name);
    vouch_json_key(&j, "description");
    vouch_json_string(&j, c->kinds[k].describe);
    vouch_json_key(&j, "fmspc");
    vouch_json_string(&j, fmspc_hex);
    vouch_json_key(&j, "platforms");
    vouch_json_uint(&j, st->platforms[k]);
    vouch_json_key(&j, "quotes");
    vouch_json_uint(&j, st->quotes[k]);
    vouch_json_key(&j, "expected");
    vouch_json_begin_object(&j);
    vouch_json_key(&j, "status");
    vouch_json_string(&j, e.status);
    vouch_json_key(&j, "tcb_status");
    if (e.tcb_status) {
      vouch_json_string(&j, e.tcb_status);
    } else {
      vouch_json_null(&j);
    }
    vouch_json_key(&j, "advisory_ids");
    vouch_json_begin_array(&j);
    for (size_t a = 0; a < e.num_advisory_ids; a++) vouch_json_string(&j, e.advisory_ids[a]);
    vouch_json_end_array(&j);
    vouch_json_key(&j, "error_code");
    if (e.error_code) {
      vouch_json_string(&j, e.error_code);
    } else {
      vouch_json_null(&j);
    }
    vouch_json_end_object(&j);
    vouch_json_end_object(&j);
  }
  vouch_json_end_array(&j);
  if (o->tee == VOUCH_GEN_TEE_TDX) {
    static const char *const kFormats[VOUCH_GEN_TD_FORMAT_COUNT] = {"v4", "v5_td10", "v5_td15"};
    vouch_json_key(&j, "td_quote_formats");
    vouch_json_begin_object(&j);
    for (int f = 0; f < VOUCH_GEN_TD_FORMAT_COUNT; f++) {
      vouch_json_key(&j, kFormats[f]);
      vouch_json_uint(&j, st->td_format_quotes[f]);
    }
    vouch_json_end_object(&j);
  }
  vouch_json_key(&j, "expected_status");
  vouch_json_begin_object(&j);
  static const char *const kStatus[4] = {"affirming", "warning", "contraindicated", "error"};
  for (int i = 0; i < 4; i++) {
    vouch_json_key(&j, kStatus[i]);
    vouch_json_uint(&j, st->by_status[i]);
  }
  vouch_json_end_object(&j);
  vouch_json_key(&j, "files");
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "evidence");
  vouch_json_string(&j, "evidence.ndjson");
  vouch_json_key(&j, "expected");
  vouch_json_string(&j, "expected.ndjson");
  vouch_json_key(&j, "collateral");
  vouch_json_string(&j, "collateral");
  vouch_json_key(&j, "trust_anchor");
  vouch_json_string(&j, "trust-anchor.pem");
  vouch_json_end_object(&j);
  vouch_json_key(&j, "verify");
  vouch_json_string(&j,
                    "vouch verify --trust-anchor trust-anchor.pem --collateral collateral "
                    "evidence.ndjson");
  vouch_json_end_object(&j);
  vouch_buf_putc(&b, '\n');
  vouch_status s = vouch_buf_status(&b);
  if (s == VOUCH_OK) {
    s = write_small_file(c, "MANIFEST.json", b.data, b.len);
  } else {
    vouch_fail(c->err, s, "gen: MANIFEST.json serialization failed");
  }
  vouch_buf_free(&b);
  return s;
}

/* kMarker starts every MANIFEST.json this code writes: the proof that a
 * directory's corpus files are ours to replace. */
static const char kMarker[] = "{\"generator\":\"vouch ";

static bool has_marker(const char *path) {
  char head[sizeof(kMarker)] = "";
  FILE *f = fopen(path, "rb");
  if (f == NULL) return false;
  size_t n = fread(head, 1, sizeof(kMarker) - 1, f);
  fclose(f);
  return n == sizeof(kMarker) - 1 && memcmp(head, kMarker, n) == 0;
}

/* prepare_dir creates the output directory and removes a previous corpus
 * from it: only the corpus's own files, and only when its MANIFEST.json
 * says vouch made it (a directory called "collateral" may be someone's real
 * collateral).  Stale collateral would otherwise be read beside the new one
 * (other keys, other FMSPCs).  Then it marks the directory as a corpus in
 * the making (the full MANIFEST.json is written last). */
static vouch_status prepare_dir(corpus *c) {
  const char *dir = c->o->out_dir;
  char tmp[4096];
  size_t n = strlen(dir);
  memcpy(tmp, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] != '/' && tmp[i] != '\0') continue;
    char saved = tmp[i];
    tmp[i] = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
      return vouch_fail(c->err, VOUCH_E_IO, "gen: cannot create directory %s: %s", tmp,
                        strerror(errno));
    tmp[i] = saved;
  }
  struct stat sb;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return vouch_fail(c->err, VOUCH_E_IO, "gen: %s is not a directory", dir);
  bool ours = has_marker(corpus_path(c, "MANIFEST.json"));
  for (size_t i = 0; i < sizeof(kCorpusFiles) / sizeof(kCorpusFiles[0]); i++) {
    const char *path = corpus_path(c, kCorpusFiles[i]);
    if (!path_exists(path)) continue;
    if (!ours)
      return vouch_fail(c->err, VOUCH_E_ARG,
                        "gen: %s already exists and %s/MANIFEST.json does not show a corpus "
                        "made by vouch gen; choose a new or empty --out directory",
                        path, dir);
  }
  for (size_t i = 0; i < sizeof(kCorpusFiles) / sizeof(kCorpusFiles[0]); i++) {
    const char *path = corpus_path(c, kCorpusFiles[i]);
    if (!path_exists(path)) continue;
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
      return vouch_fail(c->err, VOUCH_E_IO, "gen: cannot remove the previous %s: %s", path,
                        strerror(errno));
  }
  static const char kIncomplete[] =
      "{\"generator\":\"vouch " VOUCH_VERSION "\",\"complete\":false}\n";
  return write_small_file(c, "MANIFEST.json", kIncomplete, sizeof(kIncomplete) - 1);
}

void vouch_gen_corpus_opts_default(vouch_gen_corpus_opts *o) {
  memset(o, 0, sizeof(*o));
  o->seed = 1;
  o->num_platforms = 10;
  o->num_quotes = 1000;
  o->num_enclaves = 4;
  o->weights[VOUCH_GEN_KIND_UP_TO_DATE] = 1;
}

vouch_status vouch_gen_corpus_write(const vouch_gen_corpus_opts *opts,
                                    vouch_gen_corpus_stats *out_stats, vouch_err *err) {
  if (opts == NULL || out_stats == NULL)
    return vouch_fail(err, VOUCH_E_ARG, "gen: corpus: NULL argument");
  memset(out_stats, 0, sizeof(*out_stats));
  uint32_t weights[VOUCH_GEN_MAX_KINDS];
  VOUCH_GUARD(check_opts(opts, weights, err));
  double t0 = mono_seconds();
  corpus c = {.o = opts, .st = out_stats, .err = err};
  c.kinds = kinds_of(opts->tee, &c.num_kinds);
  vouch_status s = VOUCH_OK;
  c.plats = calloc(opts->num_platforms, sizeof(*c.plats));
  VOUCH_ENSURE_GOTO(s, c.plats != NULL, VOUCH_E_NOMEM, nomem);
  VOUCH_GUARD_GOTO(s, prepare_dir(&c), done);
  plan_kinds(&c, weights);

  vouch_gen_pki_opts po = {.now = opts->now, .seed = opts->seed};
  VOUCH_GUARD_GOTO(s, vouch_gen_pki_new(&po, &c.pki, err), done);
  if (opts->tee == VOUCH_GEN_TEE_SGX && weights[VOUCH_GEN_KIND_WRONG_ROOT] > 0) {
    po.seed = opts->seed ^ UINT64_C(0x726F677565000000); /* "rogue" */
    VOUCH_GUARD_GOTO(s, vouch_gen_pki_new(&po, &c.rogue, err), done);
  }
  VOUCH_GUARD_GOTO(s, make_platforms(&c), done);
  VOUCH_GUARD_GOTO(s, write_collateral(&c), done);
  double t1 = mono_seconds();
  out_stats->setup_seconds = t1 - t0;
  VOUCH_GUARD_GOTO(s, write_quotes(&c), done);
  out_stats->quote_seconds = mono_seconds() - t1;
  for (unsigned k = 0; k < c.num_kinds; k++)
    out_stats->by_status[status_index(c.kinds[k].status)] += out_stats->quotes[k];
  /* Close the streams before the manifest: a complete MANIFEST.json means
   * a complete corpus. */
  bool ok1 = fclose(c.evidence) == 0, ok2 = fclose(c.expected) == 0;
  c.evidence = c.expected = NULL;
  if (!ok1 || !ok2) {
    s = vouch_fail(err, VOUCH_E_IO, "gen: cannot write %s: %s",
                   corpus_path(&c, ok1 ? "expected.ndjson" : "evidence.ndjson"), strerror(errno));
    goto done;
  }
  VOUCH_GUARD_GOTO(s, write_manifest(&c, weights), done);
  goto done;
nomem:
  vouch_fail(err, s, "gen: out of memory");
done:
  corpus_cleanup(&c);
  return s;
}
