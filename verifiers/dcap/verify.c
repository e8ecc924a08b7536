/* verifiers/dcap/verify.c - Intel DCAP quote verification (QVL algorithm,
 * spec §8), as of a caller-given instant.
 *
 * Order of checks (each failure stops the run and is named precisely):
 *   1. PCK certificate chain: roles by CN, leaf -> intermediate -> trusted
 *      root, Root CA CRL and PCK CRL, validity of everything at T.
 *   2. PCK certificate SGX extensions.
 *   3. TCB Info: issuer chain (TCB Signing -> root, Root CA CRL), signature
 *      over the exact JSON bytes, id/version vs the quote's TEE, window at T,
 *      FMSPC and PCE-ID vs the PCK certificate.
 *   4. QE Identity: same chain and signature rule, id vs the TEE.
 *   5. QE report signature (PCK key), QE report data binding.
 *   6. QE identity match (fatal) and QE TCB level.
 *   7. Quote signature (attestation key).
 *   8. Platform TCB level; convergence of platform and QE status.
 * The verdict starts as "not verified"; only the last step sets a status.
 */
#include <stdio.h>
#include <string.h>

#include "verifiers/dcap/dcap.h"

static const char *const kItemNames[VOUCH_DCAP_ITEM_COUNT] = {
    "pck_chain",   "pck_crl",  "pck_crl_issuer_chain", "root_ca_crl",
    "tcb_info",    "tcb_info_issuer_chain", "qe_identity", "qe_identity_issuer_chain"};

const char *vouch_dcap_item_name(vouch_dcap_item item) {
  return (unsigned)item < VOUCH_DCAP_ITEM_COUNT ? kItemNames[item] : "unknown";
}

/* Everything parsed for one run; released by ctx_cleanup. */
typedef struct {
  const vouch_quote *q;
  const vouch_dcap_collateral *coll;
  const vouch_dcap_opts *opts;
  vouch_dcap_report *rep;
  bool tdx;
  struct vouch_cert *pck_chain[VOUCH_LIMIT_PEM_CHAIN_CERTS];
  size_t num_pck_chain;
  const struct vouch_cert *leaf, *intermediate, *root;
  struct vouch_crl *root_crl, *pck_crl;
  vouch_tcb_info tcb_info;
  vouch_qe_identity qe_identity;
  struct vouch_pubkey *pck_key;
} ctx;

static void ctx_cleanup(ctx *c) {
  for (size_t i = 0; i < c->num_pck_chain; i++) vouch_cert_free(c->pck_chain[i]);
  vouch_crl_free(c->root_crl);
  vouch_crl_free(c->pck_crl);
  vouch_tcb_info_cleanup(&c->tcb_info);
  vouch_qe_identity_cleanup(&c->qe_identity);
  vouch_pubkey_free(c->pck_key);
}

static void record_item(ctx *c, vouch_dcap_item item, const void *data, size_t len) {
  vouch_sha256(data, len, c->rep->item_sha256[item]);
  c->rep->item_used[item] = true;
}

static void note_expiry(ctx *c, int64_t t) {
  if (t < c->rep->collateral_expiry) c->rep->collateral_expiry = t;
}

static void fmt_time(int64_t t, char out[VOUCH_TIME_STR_LEN]) { vouch_time_format(t, out); }

/* check_window enforces issueDate <= T <= nextUpdate for a JSON collateral
 * item; with allow_expired a passed nextUpdate is recorded, not fatal. */
static vouch_status check_window(ctx *c, const char *what, int64_t issue, int64_t next) {
  char a[VOUCH_TIME_STR_LEN], b[VOUCH_TIME_STR_LEN];
  fmt_time(c->opts->at, a);
  note_expiry(c, next);
  if (c->opts->at < issue) {
    fmt_time(issue, b);
    return vouch_fail(&c->rep->err, VOUCH_E_NOT_YET_VALID,
                      "collateral: %s is not yet valid: issued %s, instant %s", what, b, a);
  }
  if (c->opts->at > next) {
    if (c->opts->allow_expired) {
      c->rep->collateral_expired = true;
      return VOUCH_OK;
    }
    fmt_time(next, b);
    return vouch_fail(&c->rep->err, VOUCH_E_EXPIRED,
                      "collateral: %s expired at %s (nextUpdate), instant %s; "
                      "supply collateral valid at the instant or use --allow-expired-collateral",
                      what, b, a);
  }
  return VOUCH_OK;
}

/* verify_chain runs the crypto chain check and folds its result in. */
static vouch_status verify_chain(ctx *c, const char *what, const struct vouch_cert *leaf,
                                 struct vouch_cert *const *untrusted, size_t num_untrusted,
                                 struct vouch_crl *const *crls, size_t num_crls) {
  vouch_chain_opts o = {.at = c->opts->at, .allow_expired = c->opts->allow_expired,
                        .require_crls = true};
  vouch_chain_result r;
  vouch_err e = {0};
  vouch_status s = vouch_chain_verify(c->opts->anchors, leaf, untrusted, num_untrusted, crls,
                                      num_crls, &o, &r, &e);
  if (s != VOUCH_OK) return vouch_fail(&c->rep->err, s, "%s: %s", what, e.msg);
  note_expiry(c, r.earliest_expiry);
  if (r.expired_tolerated) c->rep->collateral_expired = true;
  if (!c->rep->has_anchor) {
    memcpy(c->rep->anchor_sha256, r.anchor_sha256, VOUCH_SHA256_LEN);
    c->rep->has_anchor = true;
  } else if (memcmp(c->rep->anchor_sha256, r.anchor_sha256, VOUCH_SHA256_LEN) != 0) {
    /* All of one quote's chains must end at the same root. */
    return vouch_fail(&c->rep->err, VOUCH_E_UNTRUSTED_ROOT,
                      "%s: chain ends at a different trusted root than the PCK chain", what);
  }
  return VOUCH_OK;
}

static bool cn_contains(const struct vouch_cert *cert, const char *needle) {
  char cn[256];
  vouch_cert_subject_cn(cert, cn, sizeof(cn));
  return strstr(cn, needle) != NULL;
}

/* parse_pem_chain parses an issuer chain from collateral. */
static vouch_status parse_pem_chain(ctx *c, const char *what, const vouch_blob *pem,
                                    struct vouch_cert **out, size_t *num) {
  vouch_err e = {0};
  if (pem->len == 0) {
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISSING, "collateral: %s is missing", what);
  }
  vouch_status s = vouch_cert_chain_from_pem((const char *)pem->data, pem->len, out,
                                             VOUCH_LIMIT_PEM_CHAIN_CERTS, num, &e);
  if (s != VOUCH_OK) return vouch_fail(&c->rep->err, s, "collateral: %s: %s", what, e.msg);
  return VOUCH_OK;
}

static void free_chain(struct vouch_cert **certs, size_t n) {
  for (size_t i = 0; i < n; i++) vouch_cert_free(certs[i]);
}

/* ---- 1. PCK chain ------------------------------------------------------ */

static vouch_status load_pck_chain(ctx *c) {
  const vouch_quote *q = c->q;
  const char *pem;
  size_t pem_len;
  if (q->cert_type == 5) {
    pem = (const char *)q->cert_data;
    pem_len = q->cert_data_len;
  } else if (c->coll->pck_certificate_chain.len > 0) {
    pem = (const char *)c->coll->pck_certificate_chain.data;
    pem_len = c->coll->pck_certificate_chain.len;
  } else {
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISSING,
                      "collateral: the quote carries certification data type %u (no PCK chain); "
                      "supply pck_certificate_chain in the collateral",
                      q->cert_type);
  }
  vouch_err e = {0};
  vouch_status s = vouch_cert_chain_from_pem(pem, pem_len, c->pck_chain,
                                             VOUCH_LIMIT_PEM_CHAIN_CERTS, &c->num_pck_chain, &e);
  if (s != VOUCH_OK) return vouch_fail(&c->rep->err, s, "PCK certificate chain: %s", e.msg);
  record_item(c, VOUCH_DCAP_ITEM_PCK_CHAIN, pem, pem_len);

  /* Roles by CN (spec §8 step 2): exactly one leaf, one CA, one root. */
  for (size_t i = 0; i < c->num_pck_chain; i++) {
    const struct vouch_cert *cert = c->pck_chain[i];
    const struct vouch_cert **slot = NULL;
    if (cn_contains(cert, "SGX PCK Certificate")) {
      slot = &c->leaf;
    } else if (cn_contains(cert, "Root CA")) {
      slot = &c->root;
    } else if (cn_contains(cert, "CA")) {
      slot = &c->intermediate;
    }
    if (slot == NULL || *slot != NULL) {
      char cn[256];
      vouch_cert_subject_cn(cert, cn, sizeof(cn));
      return vouch_fail(&c->rep->err, VOUCH_E_CHAIN,
                        "PCK certificate chain: unexpected certificate '%s' (need exactly one PCK "
                        "certificate, one PCK CA and one root)",
                        cn);
    }
    *slot = cert;
  }
  if (c->leaf == NULL || c->intermediate == NULL || c->root == NULL) {
    return vouch_fail(&c->rep->err, VOUCH_E_CHAIN,
                      "PCK certificate chain: needs the PCK certificate, its CA and the root "
                      "(got %zu certificates)",
                      c->num_pck_chain);
  }
  if (!vouch_cert_issued_by(c->leaf, c->intermediate) ||
      !vouch_cert_issued_by(c->intermediate, c->root)) {
    return vouch_fail(&c->rep->err, VOUCH_E_CHAIN,
                      "PCK certificate chain: issuer names do not link leaf -> CA -> root");
  }
  c->rep->pck_from_platform_ca = cn_contains(c->intermediate, "Platform");
  return VOUCH_OK;
}

static vouch_status load_crls(ctx *c) {
  const vouch_dcap_collateral *coll = c->coll;
  vouch_err e = {0};
  if (coll->root_ca_crl.len == 0 || coll->pck_crl.len == 0) {
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISSING, "collateral: %s is missing",
                      coll->root_ca_crl.len == 0 ? "root_ca_crl" : "pck_crl");
  }
  vouch_status s = vouch_crl_parse(coll->root_ca_crl.data, coll->root_ca_crl.len, &c->root_crl, &e);
  if (s != VOUCH_OK) return vouch_fail(&c->rep->err, s, "collateral: root_ca_crl: %s", e.msg);
  s = vouch_crl_parse(coll->pck_crl.data, coll->pck_crl.len, &c->pck_crl, &e);
  if (s != VOUCH_OK) return vouch_fail(&c->rep->err, s, "collateral: pck_crl: %s", e.msg);
  size_t len = 0;
  const uint8_t *der = vouch_crl_der(c->root_crl, &len);
  record_item(c, VOUCH_DCAP_ITEM_ROOT_CA_CRL, der, len);
  der = vouch_crl_der(c->pck_crl, &len);
  record_item(c, VOUCH_DCAP_ITEM_PCK_CRL, der, len);
  return VOUCH_OK;
}

static vouch_status check_pck_chain(ctx *c) {
  /* The PCK CRL must come from the PCK certificate's own CA (QVL). */
  char crl_issuer[256], leaf_issuer[256];
  vouch_crl_issuer_cn(c->pck_crl, crl_issuer, sizeof(crl_issuer));
  vouch_cert_issuer_cn(c->leaf, leaf_issuer, sizeof(leaf_issuer));
  if (strcmp(crl_issuer, leaf_issuer) != 0 || strstr(crl_issuer, "CA") == NULL) {
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISMATCH,
                      "collateral: pck_crl is issued by '%s' but the PCK certificate by '%s'",
                      crl_issuer, leaf_issuer);
  }
  struct vouch_cert *untrusted[] = {(struct vouch_cert *)c->intermediate};
  struct vouch_crl *crls[] = {c->root_crl, c->pck_crl};
  vouch_status s = verify_chain(c, "PCK certificate chain", c->leaf, untrusted, 1, crls, 2);
  if (s == VOUCH_E_REVOKED) {
    /* QVL reports a revoked PCK (or CA) as the status Revoked. */
    c->rep->has_tcb_status = true;
    c->rep->tcb_status = VOUCH_TCB_REVOKED;
  }
  VOUCH_GUARD(s);
  /* The root shipped in the quote must be the trusted root itself. */
  uint8_t fp[VOUCH_SHA256_LEN];
  vouch_cert_sha256(c->root, fp);
  if (memcmp(fp, c->rep->anchor_sha256, sizeof(fp)) != 0) {
    return vouch_fail(&c->rep->err, VOUCH_E_UNTRUSTED_ROOT,
                      "PCK certificate chain: the root in the quote is not the trusted root");
  }
  return VOUCH_OK;
}

/* The PCK CRL issuer chain from collateral: CA -> root with the Root CA CRL. */
static vouch_status check_pck_crl_issuer_chain(ctx *c) {
  struct vouch_cert *chain[VOUCH_LIMIT_PEM_CHAIN_CERTS];
  size_t n = 0;
  VOUCH_GUARD(parse_pem_chain(c, "pck_crl_issuer_chain", &c->coll->pck_crl_issuer_chain, chain, &n));
  record_item(c, VOUCH_DCAP_ITEM_PCK_CRL_ISSUER_CHAIN, c->coll->pck_crl_issuer_chain.data,
              c->coll->pck_crl_issuer_chain.len);
  vouch_status s = VOUCH_OK;
  const struct vouch_cert *ca = NULL;
  for (size_t i = 0; i < n; i++) {
    if (!vouch_cert_is_self_issued(chain[i])) ca = chain[i];
  }
  if (ca == NULL) {
    s = vouch_fail(&c->rep->err, VOUCH_E_CHAIN, "collateral: pck_crl_issuer_chain has no CA");
    goto done;
  }
  char ca_cn[256], crl_cn[256];
  vouch_cert_subject_cn(ca, ca_cn, sizeof(ca_cn));
  vouch_crl_issuer_cn(c->pck_crl, crl_cn, sizeof(crl_cn));
  if (strcmp(ca_cn, crl_cn) != 0) {
    s = vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISMATCH,
                   "collateral: pck_crl_issuer_chain is for '%s', the PCK CRL is from '%s'", ca_cn,
                   crl_cn);
    goto done;
  }
  struct vouch_crl *crls[] = {c->root_crl};
  s = verify_chain(c, "collateral: pck_crl_issuer_chain", ca, chain, n, crls, 1);
done:
  free_chain(chain, n);
  return s;
}

/* ---- 3/4. Signed JSON collateral ---------------------------------------- */

/* verify_signed_json checks an issuer chain (TCB Signing -> root, with the
 * Root CA CRL) and the ECDSA signature over the exact JSON bytes. */
static vouch_status verify_signed_json(ctx *c, const char *what, const vouch_blob *chain_pem,
                                       vouch_dcap_item chain_item, const vouch_blob *text,
                                       const vouch_blob *sig) {
  if (text->len == 0 || sig->len != 64) {
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISSING, "collateral: %s%s is missing",
                      what, text->len == 0 ? "" : " signature");
  }
  struct vouch_cert *chain[VOUCH_LIMIT_PEM_CHAIN_CERTS];
  size_t n = 0;
  char chain_name[64];
  snprintf(chain_name, sizeof(chain_name), "%s_issuer_chain", what);
  VOUCH_GUARD(parse_pem_chain(c, chain_name, chain_pem, chain, &n));
  record_item(c, chain_item, chain_pem->data, chain_pem->len);
  vouch_status s = VOUCH_OK;
  struct vouch_pubkey *key = NULL;
  const struct vouch_cert *signer = NULL;
  for (size_t i = 0; i < n; i++) {
    if (cn_contains(chain[i], "TCB Signing")) signer = chain[i];
  }
  if (signer == NULL) {
    s = vouch_fail(&c->rep->err, VOUCH_E_CHAIN, "collateral: %s has no TCB Signing certificate",
                   chain_name);
    goto done;
  }
  struct vouch_crl *crls[] = {c->root_crl};
  char label[96];
  snprintf(label, sizeof(label), "collateral: %s", chain_name);
  VOUCH_GUARD_GOTO(s, verify_chain(c, label, signer, chain, n, crls, 1), done);
  VOUCH_GUARD_GOTO(s, vouch_cert_pubkey(signer, &key), done);
  s = vouch_ecdsa_verify_rs(key, VOUCH_HASH_SHA256, text->data, text->len, sig->data, sig->len);
  vouch_crypto_clear_errors();
  if (s != VOUCH_OK) {
    s = vouch_fail(&c->rep->err, VOUCH_E_SIGNATURE,
                   "collateral: %s signature is invalid (TCB Signing key, exact JSON bytes)", what);
  }
done:
  vouch_pubkey_free(key);
  free_chain(chain, n);
  return s;
}

static vouch_status check_tcb_info(ctx *c) {
  const vouch_dcap_collateral *coll = c->coll;
  VOUCH_GUARD(verify_signed_json(c, "tcb_info", &coll->tcb_info_issuer_chain,
                                 VOUCH_DCAP_ITEM_TCB_INFO_ISSUER_CHAIN, &coll->tcb_info,
                                 &coll->tcb_info_signature));
  record_item(c, VOUCH_DCAP_ITEM_TCB_INFO, coll->tcb_info.data, coll->tcb_info.len);
  vouch_err e = {0};
  vouch_status s = vouch_tcb_info_parse((const char *)coll->tcb_info.data, coll->tcb_info.len,
                                        &c->tcb_info, &e);
  if (s != VOUCH_OK) return vouch_fail(&c->rep->err, s, "collateral: tcb_info: %s", e.msg);
  const vouch_tcb_info *ti = &c->tcb_info;
  const char *want = c->tdx ? "TDX" : "SGX";
  if ((ti->version >= 3 && strcmp(ti->id, want) != 0) || (ti->version < 3 && c->tdx)) {
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISMATCH,
                      "collateral: tcb_info is for %s (version %d) but the quote is %s",
                      ti->id[0] ? ti->id : "SGX", ti->version, want);
  }
  if (memcmp(ti->fmspc, c->rep->pck.fmspc, 6) != 0) {
    char a[13], b[13];
    vouch_hex_encode(ti->fmspc, 6, a);
    vouch_hex_encode(c->rep->pck.fmspc, 6, b);
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISMATCH,
                      "collateral: tcb_info is for FMSPC %s but the PCK certificate has FMSPC %s",
                      a, b);
  }
  if (memcmp(ti->pce_id, c->rep->pck.pceid, 2) != 0) {
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISMATCH,
                      "collateral: tcb_info PCE-ID differs from the PCK certificate's");
  }
  c->rep->tcb_evaluation_data_number = ti->tcb_evaluation_data_number;
  return check_window(c, "tcb_info", ti->issue_date, ti->next_update);
}

static vouch_status check_qe_identity(ctx *c) {
  const vouch_dcap_collateral *coll = c->coll;
  VOUCH_GUARD(verify_signed_json(c, "qe_identity", &coll->qe_identity_issuer_chain,
                                 VOUCH_DCAP_ITEM_QE_IDENTITY_ISSUER_CHAIN, &coll->qe_identity,
                                 &coll->qe_identity_signature));
  record_item(c, VOUCH_DCAP_ITEM_QE_IDENTITY, coll->qe_identity.data, coll->qe_identity.len);
  vouch_err e = {0};
  vouch_status s = vouch_qe_identity_parse((const char *)coll->qe_identity.data,
                                           coll->qe_identity.len, &c->qe_identity, &e);
  if (s != VOUCH_OK) return vouch_fail(&c->rep->err, s, "collateral: qe_identity: %s", e.msg);
  const char *want = c->tdx ? "TD_QE" : "QE";
  if (strcmp(c->qe_identity.id, want) != 0) {
    return vouch_fail(&c->rep->err, VOUCH_E_COLLATERAL_MISMATCH,
                      "collateral: qe_identity is for %s but the quote needs %s",
                      c->qe_identity.id, want);
  }
  c->rep->qe_tcb_evaluation_data_number = c->qe_identity.tcb_evaluation_data_number;
  return check_window(c, "qe_identity", c->qe_identity.issue_date, c->qe_identity.next_update);
}

/* ---- 5/6. QE report ------------------------------------------------------ */

static vouch_status check_qe_report(ctx *c) {
  const vouch_quote *q = c->q;
  VOUCH_GUARD(vouch_cert_pubkey(c->leaf, &c->pck_key));
  vouch_status s = vouch_ecdsa_verify_rs(c->pck_key, VOUCH_HASH_SHA256, q->qe_report.raw,
                                         VOUCH_SGX_REPORT_LEN, q->qe_report_sig, 64);
  vouch_crypto_clear_errors();
  if (s != VOUCH_OK) {
    return vouch_fail(&c->rep->err, VOUCH_E_SIGNATURE,
                      "QE report signature is invalid (PCK certificate key)");
  }
  /* REPORTDATA = SHA-256(attestation key || QE auth data) || 32 zero bytes.
   * QVL checks only the first half; the zero tail is stricter and holds for
   * every genuine quote. */
  uint8_t h[VOUCH_SHA256_LEN];
  uint8_t msg[64 + VOUCH_LIMIT_QE_AUTH];
  memcpy(msg, q->att_key, 64);
  if (q->qe_auth_len > 0) memcpy(msg + 64, q->qe_auth, q->qe_auth_len);
  vouch_sha256(msg, 64 + q->qe_auth_len, h);
  static const uint8_t kZero[32];
  if (memcmp(h, q->qe_report.report_data, 32) != 0 ||
      memcmp(q->qe_report.report_data + 32, kZero, 32) != 0) {
    return vouch_fail(&c->rep->err, VOUCH_E_BINDING,
                      "QE report data does not bind the attestation key "
                      "(SHA-256(attestation key || QE auth data))");
  }
  return VOUCH_OK;
}

static void copy_advisories(vouch_advisory_id *dst, size_t *num, const vouch_advisory_id *pool,
                            size_t first, size_t count) {
  for (size_t i = 0; i < count && *num < VOUCH_DCAP_MAX_ADVISORIES; i++) {
    memcpy(dst[*num], pool[first + i], sizeof(vouch_advisory_id));
    (*num)++;
  }
}

static vouch_status check_qe_identity_match(ctx *c) {
  const vouch_qe_identity *id = &c->qe_identity;
  const vouch_sgx_report *r = &c->q->qe_report;
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
    return vouch_fail(&c->rep->err, VOUCH_E_IDENTITY_MISMATCH,
                      "QE identity mismatch: the QE report's %s does not match the %s identity",
                      what, id->id);
  }
  /* QE TCB: first level (descending isvsvn) with isvsvn <= the QE's. */
  const vouch_tcb_level *best = NULL;
  for (size_t i = 0; i < id->num_levels; i++) {
    const vouch_tcb_level *l = &id->levels[i];
    if (l->isvsvn <= r->isv_svn && (best == NULL || l->isvsvn > best->isvsvn)) best = l;
  }
  if (best == NULL) {
    c->rep->qe_status = VOUCH_TCB_NOT_SUPPORTED;
    return VOUCH_OK;
  }
  c->rep->qe_status = best->status;
  c->rep->qe_tcb_date = best->tcb_date;
  copy_advisories(c->rep->qe_advisories, &c->rep->num_qe_advisories, id->advisories,
                  best->adv_first, best->adv_count);
  return VOUCH_OK;
}

/* ---- 7. Quote signature ---------------------------------------------------- */

static vouch_status check_quote_signature(ctx *c) {
  struct vouch_pubkey *ak = NULL;
  vouch_status s = vouch_pubkey_from_p256_xy(c->q->att_key, &ak);
  if (s != VOUCH_OK) {
    vouch_crypto_clear_errors();
    return vouch_fail(&c->rep->err, VOUCH_E_SIGNATURE,
                      "attestation key is not a valid P-256 point");
  }
  s = vouch_ecdsa_verify_rs(ak, VOUCH_HASH_SHA256, c->q->signed_data, c->q->signed_len,
                            c->q->signature, 64);
  vouch_crypto_clear_errors();
  vouch_pubkey_free(ak);
  if (s != VOUCH_OK) {
    return vouch_fail(&c->rep->err, VOUCH_E_SIGNATURE,
                      "quote signature is invalid (attestation key over header and report body)");
  }
  return VOUCH_OK;
}

/* ---- 8. TCB level and convergence ---------------------------------------- */

/* level_cmp orders TCB levels the way QVL's comparator does: component
 * SVNs lexicographically, then PCESVN, then TDX components. */
static int level_cmp(const vouch_tcb_level *a, const vouch_tcb_level *b) {
  int d = memcmp(a->sgx_svn, b->sgx_svn, VOUCH_TCB_COMPONENTS);
  if (d != 0) return d;
  if (a->pcesvn != b->pcesvn) return a->pcesvn < b->pcesvn ? -1 : 1;
  return memcmp(a->tdx_svn, b->tdx_svn, VOUCH_TCB_COMPONENTS);
}

static vouch_status match_platform_level(ctx *c) {
  const vouch_tcb_info *ti = &c->tcb_info;
  const vouch_pck_ext *pck = &c->rep->pck;
  /* Walk levels from highest to lowest (stable for equal keys). */
  size_t order[VOUCH_LIMIT_TCB_LEVELS];
  size_t n = ti->num_levels < VOUCH_LIMIT_TCB_LEVELS ? ti->num_levels : VOUCH_LIMIT_TCB_LEVELS;
  for (size_t i = 0; i < n; i++) {
    size_t j = i;
    while (j > 0 && level_cmp(&ti->levels[order[j - 1]], &ti->levels[i]) < 0) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  for (size_t k = 0; k < n; k++) {
    const vouch_tcb_level *l = &ti->levels[order[k]];
    bool ok = pck->pcesvn >= l->pcesvn;
    for (int i = 0; i < VOUCH_TCB_COMPONENTS && ok; i++) ok = pck->comp_svn[i] >= l->sgx_svn[i];
    if (!ok) continue;
    c->rep->platform_status = l->status;
    c->rep->tcb_date = l->tcb_date;
    copy_advisories(c->rep->platform_advisories, &c->rep->num_platform_advisories,
                    ti->advisories, l->adv_first, l->adv_count);
    return VOUCH_OK;
  }
  c->rep->platform_status = VOUCH_TCB_NOT_SUPPORTED;
  return VOUCH_OK;
}

/* converge applies QVL's convergeTcbStatusWithQeTcbStatus. */
static vouch_tcb_status converge(vouch_tcb_status platform, vouch_tcb_status qe) {
  if (platform == VOUCH_TCB_NOT_SUPPORTED || qe == VOUCH_TCB_NOT_SUPPORTED) {
    return VOUCH_TCB_NOT_SUPPORTED;
  }
  if (qe == VOUCH_TCB_REVOKED) return VOUCH_TCB_REVOKED;
  if (qe == VOUCH_TCB_OUT_OF_DATE) {
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
  return platform;
}

static vouch_status run(ctx *c) {
  vouch_dcap_report *rep = c->rep;
  VOUCH_GUARD(load_pck_chain(c));
  VOUCH_GUARD(load_crls(c));
  VOUCH_GUARD(check_pck_chain(c));
  VOUCH_GUARD(check_pck_crl_issuer_chain(c));

  const uint8_t *ext;
  size_t ext_len;
  if (vouch_cert_extension(c->leaf, VOUCH_SGX_EXT_OID, &ext, &ext_len) != VOUCH_OK) {
    return vouch_fail(&rep->err, VOUCH_E_MALFORMED,
                      "PCK certificate has no SGX extension (%s)", VOUCH_SGX_EXT_OID);
  }
  vouch_err e = {0};
  vouch_status s = vouch_pck_ext_parse(ext, ext_len, &rep->pck, &e);
  if (s != VOUCH_OK) return vouch_fail(&rep->err, s, "PCK certificate: %s", e.msg);
  rep->has_pck = true;

  VOUCH_GUARD(check_tcb_info(c));
  VOUCH_GUARD(check_qe_identity(c));
  rep->parsed_collateral = true;
  VOUCH_GUARD(check_qe_report(c));
  VOUCH_GUARD(check_qe_identity_match(c));
  VOUCH_GUARD(check_quote_signature(c));
  rep->signatures_valid = true;

  VOUCH_GUARD(match_platform_level(c));
  rep->tcb_status = converge(rep->platform_status, rep->qe_status);
  rep->has_tcb_status = true;
  if (rep->tcb_status == VOUCH_TCB_NOT_SUPPORTED) {
    return vouch_fail(&rep->err, VOUCH_E_TCB_NOT_SUPPORTED,
                      "no TCB level matches: platform %s, QE %s",
                      vouch_tcb_status_name(rep->platform_status),
                      vouch_tcb_status_name(rep->qe_status));
  }
  return VOUCH_OK;
}

vouch_status vouch_dcap_verify(const vouch_quote *q, const vouch_dcap_collateral *coll,
                               const vouch_dcap_opts *opts, vouch_dcap_report *report) {
  memset(report, 0, sizeof(*report));
  report->collateral_expiry = INT64_MAX;
  if (opts == NULL || opts->anchors == NULL || coll == NULL) {
    return vouch_fail(&report->err, VOUCH_E_ARG, "dcap: missing collateral or trust anchors");
  }
  if (q->tee_type == VOUCH_TEE_TDX) {
    /* TDX appraisal (module identity, TDX levels) is its own issue. */
    return vouch_fail(&report->err, VOUCH_E_UNSUPPORTED,
                      "dcap: TDX quotes are not supported yet");
  }
  ctx c = {.q = q, .coll = coll, .opts = opts, .rep = report, .tdx = false};
  vouch_status s = run(&c);
  ctx_cleanup(&c);
  if (s != VOUCH_OK && report->err.code == VOUCH_OK) {
    vouch_fail(&report->err, s, "dcap: %s", vouch_status_message(s));
  }
  return s;
}

vouch_status vouch_dcap_lookup_for_quote(const vouch_quote *q, const vouch_blob *pck_chain_pem,
                                         int64_t at, vouch_dcap_lookup *out, vouch_err *err) {
  memset(out, 0, sizeof(*out));
  const char *pem = (const char *)q->cert_data;
  size_t pem_len = q->cert_data_len;
  if (q->cert_type != 5) {
    if (pck_chain_pem == NULL || pck_chain_pem->len == 0) {
      return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                        "collateral: the quote carries certification data type %u (no PCK "
                        "chain); supply pck_certificate_chain",
                        q->cert_type);
    }
    pem = (const char *)pck_chain_pem->data;
    pem_len = pck_chain_pem->len;
  }
  struct vouch_cert *chain[VOUCH_LIMIT_PEM_CHAIN_CERTS];
  size_t n = 0;
  vouch_err e = {0};
  vouch_status s = vouch_cert_chain_from_pem(pem, pem_len, chain, VOUCH_LIMIT_PEM_CHAIN_CERTS, &n,
                                             &e);
  if (s != VOUCH_OK) return vouch_fail(err, s, "PCK certificate chain: %s", e.msg);
  const struct vouch_cert *leaf = NULL;
  for (size_t i = 0; i < n; i++) {
    if (cn_contains(chain[i], "SGX PCK Certificate")) leaf = chain[i];
  }
  const uint8_t *ext;
  size_t ext_len;
  vouch_pck_ext pck;
  if (leaf == NULL) {
    s = vouch_fail(err, VOUCH_E_CHAIN, "PCK certificate chain: no PCK certificate");
  } else if (vouch_cert_extension(leaf, VOUCH_SGX_EXT_OID, &ext, &ext_len) != VOUCH_OK) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "PCK certificate has no SGX extension");
  } else if ((s = vouch_pck_ext_parse(ext, ext_len, &pck, &e)) != VOUCH_OK) {
    s = vouch_fail(err, s, "PCK certificate: %s", e.msg);
  } else {
    char issuer[256];
    vouch_cert_issuer_cn(leaf, issuer, sizeof(issuer));
    memcpy(out->fmspc, pck.fmspc, 6);
    out->platform_ca = strstr(issuer, "Platform") != NULL;
    out->tdx = q->tee_type == VOUCH_TEE_TDX;
    out->at = at;
  }
  free_chain(chain, n);
  return s;
}
