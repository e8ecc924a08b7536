/* verifiers/dcap/verify.c - stage 2 of DCAP verification: one quote at its
 * own instant, on stage-1 objects (verifiers/dcap/prepare.c).
 *
 * Order of checks (QVL's; each failure stops the run and is named):
 *   1. PCK certificate chain and CRLs: roles, trust to the anchor, revocation,
 *      the PCK CRL from the PCK certificate's CA, windows at T.
 *   2. The PCK CRL issuer chain.
 *   3. TCB Info: issuer chain, signature over the exact bytes, id/version vs
 *      the quote's TEE, window at T, FMSPC and PCE-ID vs the PCK certificate.
 *   4. QE Identity: same rules, id vs the TEE.
 *   5. QE report signature (PCK key), QE report data binding.
 *   6. QE identity match (fatal) and QE TCB level.
 *   7. Quote signature (attestation key).
 *   8. Platform TCB level; convergence of platform and QE status.
 * vouch_dcap_begin runs 1-4 and the non-signature parts of 5-6, and hands
 * out the two signature checks; vouch_dcap_end applies their results in
 * that same order.  The verdict starts as "not verified"; only the last
 * step sets a status. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "verifiers/dcap/dcap.h"

static const char *const kItemNames[VOUCH_DCAP_ITEM_COUNT] = {
    "pck_chain",   "pck_crl",  "pck_crl_issuer_chain", "root_ca_crl",
    "tcb_info",    "tcb_info_issuer_chain", "qe_identity", "qe_identity_issuer_chain"};

const char *vouch_dcap_item_name(vouch_dcap_item item) {
  return (unsigned)item < VOUCH_DCAP_ITEM_COUNT ? kItemNames[item] : "unknown";
}

static void record_item(vouch_dcap_job *j, vouch_dcap_item item, const uint8_t sha[32]) {
  memcpy(j->rep->item_sha256[item], sha, VOUCH_SHA256_LEN);
  j->rep->item_used[item] = true;
}

static void note_expiry(vouch_dcap_job *j, int64_t t) {
  if (t < j->rep->collateral_expiry) j->rep->collateral_expiry = t;
}

/* fail records the first failure with a stage prefix. */
static vouch_status fail(vouch_dcap_job *j, vouch_status code, const char *prefix,
                         const char *msg) {
  j->failed = true;
  return vouch_fail(&j->rep->err, code, "%s%s", prefix, msg);
}

/* check_window enforces issueDate <= T <= nextUpdate for a JSON collateral
 * item; with allow_expired a passed nextUpdate is recorded, not fatal. */
static vouch_status check_window(vouch_dcap_job *j, const char *what, int64_t issue,
                                 int64_t next) {
  char a[VOUCH_TIME_STR_LEN], b[VOUCH_TIME_STR_LEN], msg[VOUCH_ERR_MSG_MAX];
  vouch_time_format(j->opts.at, a);
  note_expiry(j, next);
  if (j->opts.at < issue) {
    vouch_time_format(issue, b);
    snprintf(msg, sizeof(msg), "%s is not yet valid: issued %s, instant %s", what, b, a);
    return fail(j, VOUCH_E_NOT_YET_VALID, "collateral: ", msg);
  }
  if (j->opts.at > next) {
    if (j->opts.allow_expired) {
      j->rep->collateral_expired = true;
      return VOUCH_OK;
    }
    vouch_time_format(next, b);
    snprintf(msg, sizeof(msg),
             "%s expired at %s (nextUpdate), instant %s; supply collateral valid at the instant "
             "or use --allow-expired-collateral",
             what, b, a);
    return fail(j, VOUCH_E_EXPIRED, "collateral: ", msg);
  }
  return VOUCH_OK;
}

/* check_trust folds a stage-1 trust verdict in: its failure, then the
 * windows of its path at T, then the anchor (all chains of one quote must
 * end at the same root). */
static vouch_status check_trust(vouch_dcap_job *j, const char *prefix,
                                const vouch_dcap_trust *t) {
  if (t->err.code != VOUCH_OK) return fail(j, t->err.code, prefix, t->err.msg);
  bool tolerated = false;
  int64_t earliest = INT64_MAX;
  vouch_err e = {0};
  vouch_status s = vouch_chain_check_windows(&t->chain, j->opts.at, j->opts.allow_expired,
                                             &tolerated, &earliest, &e);
  if (s != VOUCH_OK) return fail(j, s, prefix, e.msg);
  note_expiry(j, earliest);
  if (tolerated) j->rep->collateral_expired = true;
  if (!j->rep->has_anchor) {
    memcpy(j->rep->anchor_sha256, t->chain.anchor_sha256, VOUCH_SHA256_LEN);
    j->rep->has_anchor = true;
  } else if (memcmp(j->rep->anchor_sha256, t->chain.anchor_sha256, VOUCH_SHA256_LEN) != 0) {
    return fail(j, VOUCH_E_UNTRUSTED_ROOT, prefix,
                "chain ends at a different trusted root than the PCK chain");
  }
  return VOUCH_OK;
}

static vouch_status check_chain(vouch_dcap_job *j, const char *prefix,
                                const vouch_dcap_chain *c, vouch_dcap_item item) {
  if (c == NULL) return fail(j, VOUCH_E_NOMEM, prefix, "out of memory");
  if (c->err.code != VOUCH_OK) return fail(j, c->err.code, prefix, c->err.msg);
  record_item(j, item, c->sha256);
  return VOUCH_OK;
}

/* ---- 1-2. PCK chain and CRLs -------------------------------------------------- */

static vouch_status check_crl(vouch_dcap_job *j, const char *name, const vouch_dcap_crl *c,
                              const vouch_blob *bytes, vouch_dcap_item item) {
  char prefix[64];
  snprintf(prefix, sizeof(prefix), "collateral: %s", name);
  if (bytes->len == 0) return fail(j, VOUCH_E_COLLATERAL_MISSING, prefix, " is missing");
  if (c == NULL) return fail(j, VOUCH_E_NOMEM, prefix, ": out of memory");
  if (c->err.code != VOUCH_OK) {
    snprintf(prefix, sizeof(prefix), "collateral: %s: ", name);
    return fail(j, c->err.code, prefix, c->err.msg);
  }
  record_item(j, item, c->sha256);
  return VOUCH_OK;
}

static vouch_status check_pck(vouch_dcap_job *j, const vouch_dcap_collateral *coll) {
  const vouch_dcap_inputs *in = j->in;
  const vouch_quote *q = j->q;
  if (q->cert_type != 5 && coll->pck_certificate_chain.len == 0) {
    char msg[200];
    snprintf(msg, sizeof(msg),
             "the quote carries certification data type %u (no PCK chain); supply "
             "pck_certificate_chain in the collateral",
             q->cert_type);
    return fail(j, VOUCH_E_COLLATERAL_MISSING, "collateral: ", msg);
  }
  VOUCH_GUARD(check_chain(j, "PCK certificate chain: ", in->pck_chain, VOUCH_DCAP_ITEM_PCK_CHAIN));
  j->rep->pck = in->pck_chain->pck;
  j->rep->has_pck = true;
  j->rep->pck_from_platform_ca = in->pck_chain->platform_ca;
  VOUCH_GUARD(check_crl(j, "root_ca_crl", in->root_crl, &coll->root_ca_crl,
                        VOUCH_DCAP_ITEM_ROOT_CA_CRL));
  VOUCH_GUARD(check_crl(j, "pck_crl", in->pck_crl, &coll->pck_crl, VOUCH_DCAP_ITEM_PCK_CRL));
  /* The PCK CRL must come from the PCK certificate's own CA (QVL). */
  char msg[VOUCH_ERR_MSG_MAX];
  const char *crl_issuer = in->pck_crl->issuer_cn, *leaf_issuer = in->pck_chain->leaf_issuer_cn;
  if (strcmp(crl_issuer, leaf_issuer) != 0 || strstr(crl_issuer, "CA") == NULL) {
    snprintf(msg, sizeof(msg), "pck_crl is issued by '%.120s' but the PCK certificate by '%.120s'",
             crl_issuer, leaf_issuer);
    return fail(j, VOUCH_E_COLLATERAL_MISMATCH, "collateral: ", msg);
  }
  if (in->pck_trust == NULL) return fail(j, VOUCH_E_NOMEM, "PCK certificate chain: ", "out of memory");
  vouch_status s = check_trust(j, "PCK certificate chain: ", in->pck_trust);
  if (s == VOUCH_E_REVOKED) {
    /* QVL reports a revoked PCK (or CA) as the status Revoked. */
    j->rep->has_tcb_status = true;
    j->rep->tcb_status = VOUCH_TCB_REVOKED;
  }
  return s;
}

static vouch_status check_pck_crl_chain(vouch_dcap_job *j) {
  const vouch_dcap_inputs *in = j->in;
  const char *prefix = "collateral: pck_crl_issuer_chain: ";
  VOUCH_GUARD(check_chain(j, prefix, in->pck_crl_chain, VOUCH_DCAP_ITEM_PCK_CRL_ISSUER_CHAIN));
  char msg[VOUCH_ERR_MSG_MAX];
  const char *ca_cn = in->pck_crl_chain->leaf_cn, *crl_cn = in->pck_crl->issuer_cn;
  if (strcmp(ca_cn, crl_cn) != 0) {
    snprintf(msg, sizeof(msg), "is for '%.120s', the PCK CRL is from '%.120s'", ca_cn, crl_cn);
    return fail(j, VOUCH_E_COLLATERAL_MISMATCH, prefix, msg);
  }
  if (in->pck_crl_trust == NULL) return fail(j, VOUCH_E_NOMEM, prefix, "out of memory");
  return check_trust(j, prefix, in->pck_crl_trust);
}

/* ---- 3-4. Signed JSON collateral ---------------------------------------------- */

static vouch_status check_signed(vouch_dcap_job *j, const char *what, const vouch_dcap_chain *chain,
                                 const vouch_dcap_trust *trust, const vouch_dcap_signed *doc,
                                 const vouch_blob *text, const vouch_blob *sig,
                                 vouch_dcap_item chain_item, vouch_dcap_item doc_item) {
  char prefix[96];
  if (text->len == 0 || sig->len != 64) {
    snprintf(prefix, sizeof(prefix), "collateral: %s%s", what, text->len == 0 ? "" : " signature");
    return fail(j, VOUCH_E_COLLATERAL_MISSING, prefix, " is missing");
  }
  snprintf(prefix, sizeof(prefix), "collateral: %s_issuer_chain: ", what);
  VOUCH_GUARD(check_chain(j, prefix, chain, chain_item));
  if (trust == NULL) return fail(j, VOUCH_E_NOMEM, prefix, "out of memory");
  VOUCH_GUARD(check_trust(j, prefix, trust));
  if (doc == NULL) return fail(j, VOUCH_E_NOMEM, prefix, "out of memory");
  if (doc->err.code == VOUCH_E_SIGNATURE) {
    snprintf(prefix, sizeof(prefix), "collateral: %s ", what);
    return fail(j, VOUCH_E_SIGNATURE, prefix, doc->err.msg);
  }
  if (doc->err.code != VOUCH_OK) {
    snprintf(prefix, sizeof(prefix), "collateral: %s: ", what);
    return fail(j, doc->err.code, prefix, doc->err.msg);
  }
  record_item(j, doc_item, doc->sha256);
  return VOUCH_OK;
}

static vouch_status check_tcb_info(vouch_dcap_job *j, const vouch_dcap_collateral *coll) {
  const vouch_dcap_inputs *in = j->in;
  VOUCH_GUARD(check_signed(j, "tcb_info", in->tcb_chain, in->tcb_trust, in->tcb_info,
                           &coll->tcb_info, &coll->tcb_info_signature,
                           VOUCH_DCAP_ITEM_TCB_INFO_ISSUER_CHAIN, VOUCH_DCAP_ITEM_TCB_INFO));
  const vouch_tcb_info *ti = &in->tcb_info->tcb_info;
  bool tdx = j->q->tee_type == VOUCH_TEE_TDX;
  const char *want = tdx ? "TDX" : "SGX";
  char msg[VOUCH_ERR_MSG_MAX];
  if ((ti->version >= 3 && strcmp(ti->id, want) != 0) || (ti->version < 3 && tdx)) {
    snprintf(msg, sizeof(msg), "tcb_info is for %s (version %d) but the quote is %s",
             ti->id[0] ? ti->id : "SGX", ti->version, want);
    return fail(j, VOUCH_E_COLLATERAL_MISMATCH, "collateral: ", msg);
  }
  if (memcmp(ti->fmspc, j->rep->pck.fmspc, 6) != 0) {
    char a[13], b[13];
    vouch_hex_encode(ti->fmspc, 6, a);
    vouch_hex_encode(j->rep->pck.fmspc, 6, b);
    snprintf(msg, sizeof(msg),
             "tcb_info is for FMSPC %s but the PCK certificate has FMSPC %s", a, b);
    return fail(j, VOUCH_E_COLLATERAL_MISMATCH, "collateral: ", msg);
  }
  if (memcmp(ti->pce_id, j->rep->pck.pceid, 2) != 0) {
    return fail(j, VOUCH_E_COLLATERAL_MISMATCH, "collateral: ",
                "tcb_info PCE-ID differs from the PCK certificate's");
  }
  j->rep->tcb_evaluation_data_number = ti->tcb_evaluation_data_number;
  return check_window(j, "tcb_info", ti->issue_date, ti->next_update);
}

static vouch_status check_qe_identity(vouch_dcap_job *j, const vouch_dcap_collateral *coll) {
  const vouch_dcap_inputs *in = j->in;
  VOUCH_GUARD(check_signed(j, "qe_identity", in->qe_chain, in->qe_trust, in->qe_identity,
                           &coll->qe_identity, &coll->qe_identity_signature,
                           VOUCH_DCAP_ITEM_QE_IDENTITY_ISSUER_CHAIN,
                           VOUCH_DCAP_ITEM_QE_IDENTITY));
  const vouch_qe_identity *qe = &in->qe_identity->qe_identity;
  const char *want = j->q->tee_type == VOUCH_TEE_TDX ? "TD_QE" : "QE";
  if (strcmp(qe->id, want) != 0) {
    char msg[VOUCH_ERR_MSG_MAX];
    snprintf(msg, sizeof(msg), "qe_identity is for %s but the quote needs %s", qe->id, want);
    return fail(j, VOUCH_E_COLLATERAL_MISMATCH, "collateral: ", msg);
  }
  j->rep->qe_tcb_evaluation_data_number = qe->tcb_evaluation_data_number;
  return check_window(j, "qe_identity", qe->issue_date, qe->next_update);
}

/* ---- 5-6. QE report ----------------------------------------------------------- */

static bool qe_binding_ok(const vouch_quote *q) {
  /* REPORTDATA = SHA-256(attestation key || QE auth data) || 32 zero bytes.
   * QVL checks only the first half; the zero tail is stricter and holds for
   * every genuine quote. */
  uint8_t h[VOUCH_SHA256_LEN];
  uint8_t msg[64 + VOUCH_LIMIT_QE_AUTH];
  memcpy(msg, q->att_key, 64);
  if (q->qe_auth_len > 0) memcpy(msg + 64, q->qe_auth, q->qe_auth_len);
  vouch_sha256(msg, 64 + q->qe_auth_len, h);
  static const uint8_t kZero[32];
  return memcmp(h, q->qe_report.report_data, 32) == 0 &&
         memcmp(q->qe_report.report_data + 32, kZero, 32) == 0;
}

static void copy_advisories(vouch_advisory_id *dst, size_t *num, const vouch_advisory_id *pool,
                            size_t first, size_t count) {
  for (size_t i = 0; i < count && *num < VOUCH_DCAP_MAX_ADVISORIES; i++) {
    memcpy(dst[*num], pool[first + i], sizeof(vouch_advisory_id));
    (*num)++;
  }
}

/* match_qe_identity: MISCSELECT/ATTRIBUTES under their masks, MRSIGNER,
 * ISVPRODID (a mismatch is fatal), then the QE TCB level. */
static void match_qe_identity(vouch_dcap_job *j) {
  const vouch_qe_identity *id = &j->in->qe_identity->qe_identity;
  const vouch_sgx_report *r = &j->q->qe_report;
  uint8_t misc[4] = {(uint8_t)r->miscselect, (uint8_t)(r->miscselect >> 8),
                     (uint8_t)(r->miscselect >> 16), (uint8_t)(r->miscselect >> 24)};
  const char *what = NULL;
  for (int i = 0; i < 4 && what == NULL; i++) {
    if ((misc[i] & id->miscselect_mask[i]) != id->miscselect[i]) what = "MISCSELECT";
  }
  for (int i = 0; i < 16 && what == NULL; i++) {
    if ((r->attributes[i] & id->attributes_mask[i]) != id->attributes[i]) what = "ATTRIBUTES";
  }
  if (what == NULL && memcmp(r->mrsigner, id->mrsigner, 32) != 0) what = "MRSIGNER";
  if (what == NULL && r->isv_prod_id != id->isvprodid) what = "ISVPRODID";
  if (what != NULL) {
    j->identity_status = vouch_fail(&j->identity_err, VOUCH_E_IDENTITY_MISMATCH,
                                    "QE identity mismatch: the QE report's %s does not match the "
                                    "%s identity",
                                    what, id->id);
    return;
  }
  /* QE TCB: the highest level with isvsvn <= the QE's. */
  const vouch_tcb_level *best = NULL;
  for (size_t i = 0; i < id->num_levels; i++) {
    const vouch_tcb_level *l = &id->levels[i];
    if (l->isvsvn <= r->isv_svn && (best == NULL || l->isvsvn > best->isvsvn)) best = l;
  }
  if (best == NULL) {
    j->rep->qe_status = VOUCH_TCB_NOT_SUPPORTED;
    return;
  }
  j->rep->qe_status = best->status;
  j->rep->qe_tcb_date = best->tcb_date;
  copy_advisories(j->rep->qe_advisories, &j->rep->num_qe_advisories, id->advisories,
                  best->adv_first, best->adv_count);
}

/* ---- 8. TCB level and convergence ------------------------------------------------ */

/* level_cmp orders TCB levels the way QVL's comparator does: component
 * SVNs lexicographically, then PCESVN, then TDX components. */
static int level_cmp(const vouch_tcb_level *a, const vouch_tcb_level *b) {
  int d = memcmp(a->sgx_svn, b->sgx_svn, VOUCH_TCB_COMPONENTS);
  if (d != 0) return d;
  if (a->pcesvn != b->pcesvn) return a->pcesvn < b->pcesvn ? -1 : 1;
  return memcmp(a->tdx_svn, b->tdx_svn, VOUCH_TCB_COMPONENTS);
}

/* sort_levels writes the indexes of |ti|'s levels from highest to lowest
 * (stable for equal keys) and returns their count. */
static size_t sort_levels(const vouch_tcb_info *ti, size_t order[VOUCH_LIMIT_TCB_LEVELS]) {
  size_t n = ti->num_levels < VOUCH_LIMIT_TCB_LEVELS ? ti->num_levels : VOUCH_LIMIT_TCB_LEVELS;
  for (size_t i = 0; i < n; i++) {
    size_t k = i;
    while (k > 0 && level_cmp(&ti->levels[order[k - 1]], &ti->levels[i]) < 0) {
      order[k] = order[k - 1];
      k--;
    }
    order[k] = i;
  }
  return n;
}

static void match_platform_level(vouch_dcap_job *j) {
  const vouch_tcb_info *ti = &j->in->tcb_info->tcb_info;
  const vouch_pck_ext *pck = &j->rep->pck;
  bool tdx = j->q->tee_type == VOUCH_TEE_TDX;
  const uint8_t *svn = j->q->td.tee_tcb_svn;
  /* With a module major version (TEE_TCB_SVN[1] > 0), bytes 0 and 1 belong
   * to the module identity (step 6); the TDX components start at 2. */
  int tdx_from = (tdx && svn[1] > 0) ? 2 : 0;
  size_t order[VOUCH_LIMIT_TCB_LEVELS];
  size_t n = sort_levels(ti, order);
  bool have_sgx_level = false;
  for (size_t k = 0; k < n; k++) {
    const vouch_tcb_level *l = &ti->levels[order[k]];
    bool ok = pck->pcesvn >= l->pcesvn;
    for (int i = 0; i < VOUCH_TCB_COMPONENTS && ok; i++) ok = pck->comp_svn[i] >= l->sgx_svn[i];
    if (!ok) continue;
    if (!have_sgx_level) {
      have_sgx_level = true;
      j->rep->sgx_level_status = l->status;
    }
    if (tdx) {
      /* TDX: the first level (among those the SGX side passes) whose TDX
       * components the TD's TEE_TCB_SVN reaches. */
      bool tdx_ok = l->has_tdx;
      for (int i = tdx_from; i < VOUCH_TCB_COMPONENTS && tdx_ok; i++)
        tdx_ok = svn[i] >= l->tdx_svn[i];
      if (!tdx_ok) continue;
    }
    j->rep->platform_status = l->status;
    j->rep->tcb_date = l->tcb_date;
    copy_advisories(j->rep->platform_advisories, &j->rep->num_platform_advisories,
                    ti->advisories, l->adv_first, l->adv_count);
    return;
  }
  j->rep->platform_status = VOUCH_TCB_NOT_SUPPORTED;
}

/* ---- TDX module identity (spec §8 step 6) ------------------------------------------ */

/* find_module_identity returns the tdxModuleIdentities entry "TDX_<major>"
 * (hex, case-insensitive), or NULL; |want| receives the id looked for. */
static const vouch_tdx_module_identity *find_module_identity(const vouch_tcb_info *ti,
                                                            uint8_t major, char want[16]) {
  snprintf(want, 16, "TDX_%02X", major);
  for (size_t i = 0; i < ti->num_module_ids; i++) {
    if (strcasecmp(ti->module_ids[i].id, want) == 0) return &ti->module_ids[i];
  }
  return NULL;
}

/* match_tdx_module checks MRSIGNERSEAM and SEAMATTRIBUTES against the module
 * identity TEE_TCB_SVN[1] selects, and finds the module's TCB level.  QVL
 * requires SEAMATTRIBUTES to be zero and MRSIGNERSEAM to equal the
 * identity's mrsigner; it applies no mask, nor does this. */
static vouch_status match_tdx_module(vouch_dcap_job *j) {
  const vouch_tcb_info *ti = &j->in->tcb_info->tcb_info;
  const vouch_td_report *td = &j->q->td;
  vouch_dcap_report *rep = j->rep;
  uint8_t major = td->tee_tcb_svn[1];
  const uint8_t *mrsigner = NULL;
  const vouch_tdx_module_identity *mid = NULL;
  if (major > 0 && j->q->version >= 4) {
    char want[16];
    mid = find_module_identity(ti, major, want);
    if (mid == NULL) {
      char msg[160];
      snprintf(msg, sizeof(msg),
               "TDX module mismatch: tcb_info has no tdxModuleIdentities entry %s (TEE_TCB_SVN "
               "major version %u)",
               want, major);
      return fail(j, VOUCH_E_IDENTITY_MISMATCH, "", msg);
    }
    mrsigner = mid->mrsigner;
    snprintf(rep->tdx_module_id, sizeof(rep->tdx_module_id), "%s", mid->id);
  } else {
    if (!ti->has_tdx_module) {
      return fail(j, VOUCH_E_COLLATERAL_MISMATCH, "collateral: ",
                  "tcb_info has no tdxModule for this TDX quote");
    }
    mrsigner = ti->tdx_module_mrsigner;
    snprintf(rep->tdx_module_id, sizeof(rep->tdx_module_id), "tdxModule");
  }
  if (memcmp(td->mrsignerseam, mrsigner, 48) != 0) {
    char msg[160];
    snprintf(msg, sizeof(msg),
             "TDX module mismatch: MRSIGNERSEAM differs from the mrsigner of %s",
             rep->tdx_module_id);
    return fail(j, VOUCH_E_IDENTITY_MISMATCH, "", msg);
  }
  static const uint8_t kZero8[8];
  if (memcmp(td->seam_attributes, kZero8, 8) != 0) {
    return fail(j, VOUCH_E_IDENTITY_MISMATCH, "",
                "TDX module mismatch: SEAMATTRIBUTES must be zero");
  }
  if (mid == NULL || mid->level_count == 0) return VOUCH_OK; /* no module levels to match */
  /* The module's TCB level: the highest isvsvn the module SVN reaches. */
  const vouch_tcb_level *best = NULL;
  for (size_t i = 0; i < mid->level_count; i++) {
    const vouch_tcb_level *l = &ti->module_levels[mid->level_first + i];
    if (l->isvsvn <= td->tee_tcb_svn[0] && (best == NULL || l->isvsvn > best->isvsvn)) best = l;
  }
  rep->has_module_status = true;
  if (best == NULL) {
    rep->module_status = VOUCH_TCB_NOT_SUPPORTED;
    return VOUCH_OK;
  }
  rep->module_status = best->status;
  copy_advisories(rep->module_advisories, &rep->num_module_advisories, ti->advisories,
                  best->adv_first, best->adv_count);
  return VOUCH_OK;
}

/* with_out_of_date applies an OutOfDate component (module or QE) to a
 * platform status, as QVL's convergence does. */
static vouch_tcb_status with_out_of_date(vouch_tcb_status platform) {
  switch (platform) {
    case VOUCH_TCB_UP_TO_DATE:
    case VOUCH_TCB_SW_HARDENING_NEEDED:
      return VOUCH_TCB_OUT_OF_DATE;
    case VOUCH_TCB_CONFIGURATION_NEEDED:
    case VOUCH_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
      return VOUCH_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    default:
      return platform;
  }
}

static bool has_configuration(vouch_tcb_status s) {
  return s == VOUCH_TCB_CONFIGURATION_NEEDED ||
         s == VOUCH_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
         s == VOUCH_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
}

/* relaunch_advised: TD report 1.5 only.  A TD launched on an out-of-date
 * module whose platform has since been updated (TEE_TCB_SVN2 reaches the
 * newest level) is advised to relaunch rather than reported out of date
 * (spec §8 step 12). */
static bool relaunch_advised(const vouch_dcap_job *j, vouch_tcb_status converged) {
  const vouch_dcap_report *rep = j->rep;
  const vouch_td_report *td = &j->q->td;
  if (!td->is_v15) return false;
  if (rep->qe_status == VOUCH_TCB_OUT_OF_DATE || rep->qe_status == VOUCH_TCB_REVOKED ||
      rep->qe_status == VOUCH_TCB_NOT_SUPPORTED)
    return false;
  switch (rep->sgx_level_status) {
    case VOUCH_TCB_UP_TO_DATE:
    case VOUCH_TCB_SW_HARDENING_NEEDED:
    case VOUCH_TCB_CONFIGURATION_NEEDED:
    case VOUCH_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
      break;
    default:
      return false;
  }
  if (converged != VOUCH_TCB_OUT_OF_DATE && converged != VOUCH_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED)
    return false;
  /* Only a module that is out of date can be fixed by a relaunch; without
   * module levels (major version 0) QVL takes the module as fine. */
  if (!rep->has_module_status || rep->module_status != VOUCH_TCB_OUT_OF_DATE) return false;
  /* TEE_TCB_SVN2 against the newest level. */
  const vouch_tcb_info *ti = &j->in->tcb_info->tcb_info;
  size_t order[VOUCH_LIMIT_TCB_LEVELS];
  if (sort_levels(ti, order) == 0) return false;
  const vouch_tcb_level *newest = &ti->levels[order[0]];
  uint8_t major2 = td->tee_tcb_svn2[1];
  if (major2 > 0) {
    char want[16];
    const vouch_tdx_module_identity *mid = find_module_identity(ti, major2, want);
    if (mid == NULL || mid->level_count == 0) return false;
    uint16_t top = 0;
    for (size_t i = 0; i < mid->level_count; i++) {
      uint16_t v = ti->module_levels[mid->level_first + i].isvsvn;
      if (v > top) top = v;
    }
    if (td->tee_tcb_svn2[0] < top) return false;
  } else if (td->tee_tcb_svn2[0] < newest->tdx_svn[0]) {
    return false;
  }
  return td->tee_tcb_svn2[2] >= newest->tdx_svn[2];
}

/* converge applies QVL's convergeTcbStatusWithQeTcbStatus. */
static vouch_tcb_status converge(vouch_tcb_status platform, vouch_tcb_status qe) {
  if (platform == VOUCH_TCB_NOT_SUPPORTED || qe == VOUCH_TCB_NOT_SUPPORTED) {
    return VOUCH_TCB_NOT_SUPPORTED;
  }
  if (qe == VOUCH_TCB_REVOKED) return VOUCH_TCB_REVOKED;
  if (qe == VOUCH_TCB_OUT_OF_DATE) return with_out_of_date(platform);
  return platform;
}

/* ---- the two stages' driver ------------------------------------------------------- */

static vouch_status begin_checks(vouch_dcap_job *j, const vouch_dcap_collateral *coll) {
  if (j->in->out_of_memory) return fail(j, VOUCH_E_NOMEM, "dcap: ", "out of memory");
  VOUCH_GUARD(check_pck(j, coll));
  VOUCH_GUARD(check_pck_crl_chain(j));
  VOUCH_GUARD(check_tcb_info(j, coll));
  VOUCH_GUARD(check_qe_identity(j, coll));
  j->rep->parsed_collateral = true;
  return VOUCH_OK;
}

static void begin(const vouch_quote *q, const vouch_dcap_collateral *coll,
                  const vouch_dcap_inputs *in, const vouch_dcap_opts *opts,
                  vouch_dcap_report *report, vouch_dcap_job *j) {
  memset(report, 0, sizeof(*report));
  memset(j, 0, sizeof(*j));
  report->collateral_expiry = INT64_MAX;
  j->q = q;
  j->in = in;
  j->opts = *opts;
  j->rep = report;
  report->is_tdx = q->tee_type == VOUCH_TEE_TDX;
  if (begin_checks(j, coll) != VOUCH_OK) return;
  /* The signature checks, as requests. */
  vouch_dcap_sig *qe = &j->sigs[0], *quote = &j->sigs[1];
  qe->xy = in->pck_chain->leaf_xy;
  qe->key = in->pck_chain->leaf_key;
  vouch_sha256(q->qe_report.raw, VOUCH_SGX_REPORT_LEN, qe->digest);
  qe->sig = q->qe_report_sig;
  qe->result = -1;
  quote->xy = q->att_key;
  quote->key = NULL;
  vouch_sha256(q->signed_data, q->signed_len, quote->digest);
  quote->sig = q->signature;
  quote->result = -1;
  j->num_sigs = 2;
  j->binding_ok = qe_binding_ok(q);
  match_qe_identity(j);
}

void vouch_dcap_begin(const vouch_quote *q, const vouch_dcap_inputs *in,
                      const vouch_dcap_opts *opts, vouch_dcap_report *report,
                      vouch_dcap_job *job) {
  begin(q, in->coll, in, opts, report, job);
}

vouch_status vouch_dcap_end(vouch_dcap_job *j) {
  vouch_dcap_report *rep = j->rep;
  if (j->failed) return rep->err.code;
  if (j->sigs[0].result != 1) {
    return fail(j, VOUCH_E_SIGNATURE, "", "QE report signature is invalid (PCK certificate key)");
  }
  if (!j->binding_ok) {
    return fail(j, VOUCH_E_BINDING, "",
                "QE report data does not bind the attestation key (SHA-256(attestation key || "
                "QE auth data))");
  }
  if (j->identity_status != VOUCH_OK) return fail(j, j->identity_status, "", j->identity_err.msg);
  if (j->sigs[1].result == 2) {
    return fail(j, VOUCH_E_SIGNATURE, "", "attestation key is not a valid P-256 point");
  }
  if (j->sigs[1].result != 1) {
    return fail(j, VOUCH_E_SIGNATURE, "",
                "quote signature is invalid (attestation key over header and report body)");
  }
  rep->signatures_valid = true;
  if (rep->is_tdx) VOUCH_GUARD(match_tdx_module(j));
  match_platform_level(j);
  vouch_tcb_status status = rep->platform_status;
  if (rep->is_tdx && status != VOUCH_TCB_NOT_SUPPORTED && rep->has_module_status) {
    /* The module's status first (QVL convergeTcbStatusWithTdxModuleStatus),
     * then the relaunch advice, then the QE's. */
    if (rep->module_status == VOUCH_TCB_NOT_SUPPORTED) status = VOUCH_TCB_NOT_SUPPORTED;
    else if (rep->module_status == VOUCH_TCB_REVOKED) status = VOUCH_TCB_REVOKED;
    else if (rep->module_status == VOUCH_TCB_OUT_OF_DATE) status = with_out_of_date(status);
  }
  if (rep->is_tdx && status != VOUCH_TCB_NOT_SUPPORTED && relaunch_advised(j, status)) {
    status = (has_configuration(status) || has_configuration(rep->sgx_level_status))
                 ? VOUCH_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
                 : VOUCH_TCB_TD_RELAUNCH_ADVISED;
  }
  rep->tcb_status = converge(status, rep->qe_status);
  rep->has_tcb_status = true;
  if (rep->tcb_status == VOUCH_TCB_NOT_SUPPORTED) {
    char msg[200];
    if (rep->is_tdx && rep->has_module_status)
      snprintf(msg, sizeof(msg), "no TCB level matches: platform %s, TDX module %s, QE %s",
               vouch_tcb_status_name(rep->platform_status),
               vouch_tcb_status_name(rep->module_status), vouch_tcb_status_name(rep->qe_status));
    else
      snprintf(msg, sizeof(msg), "no TCB level matches: platform %s, QE %s",
               vouch_tcb_status_name(rep->platform_status), vouch_tcb_status_name(rep->qe_status));
    return fail(j, VOUCH_E_TCB_NOT_SUPPORTED, "", msg);
  }
  return VOUCH_OK;
}

void vouch_dcap_check_sig(vouch_dcap_sig *sig) {
  struct vouch_pubkey *imported = NULL;
  const struct vouch_pubkey *key = sig->key;
  if (key == NULL) {
    if (vouch_pubkey_from_p256_xy(sig->xy, &imported) != VOUCH_OK) {
      vouch_crypto_clear_errors();
      sig->result = 2;
      return;
    }
    key = imported;
  }
  vouch_status s = vouch_ecdsa_verify_rs_digest(key, sig->digest, VOUCH_SHA256_LEN, sig->sig, 64);
  vouch_crypto_clear_errors();
  sig->result = s == VOUCH_OK ? 1 : 0;
  vouch_pubkey_free(imported);
}

vouch_status vouch_dcap_verify(const vouch_quote *q, const vouch_dcap_collateral *coll,
                               const vouch_dcap_opts *opts, vouch_dcap_report *report) {
  if (opts == NULL || opts->anchors == NULL || coll == NULL) {
    memset(report, 0, sizeof(*report));
    return vouch_fail(&report->err, VOUCH_E_ARG, "dcap: missing collateral or trust anchors");
  }
  vouch_dcap_inputs in;
  vouch_dcap_inputs_init(&in, NULL);
  vouch_dcap_inputs_resolve(q, coll, opts->anchors, &in);
  vouch_dcap_job job;
  vouch_dcap_begin(q, &in, opts, report, &job);
  for (size_t i = 0; i < job.num_sigs; i++) vouch_dcap_check_sig(&job.sigs[i]);
  vouch_status s = vouch_dcap_end(&job);
  vouch_dcap_inputs_release(&in);
  return s;
}
