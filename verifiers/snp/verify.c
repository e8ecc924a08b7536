/* verifiers/snp/verify.c - one SNP report to a vouch_result (spec §6).
 *
 * Order of the checks (the first failure decides the error):
 *   parse -> SIGNING_KEY -> endorsement key (VCEK/VLEK) from the collateral
 *   -> its extensions -> product -> TCB and chip binding -> VCEK/VLEK under
 *   the ASK/ASVK -> its validity -> ASK/ASVK to a trusted ARK (+ CRLs) ->
 *   report signature -> runtime / init data (-> Azure runtime claims).
 * Binding comes before the signature because it is cheap and says exactly
 * which value disagrees; the P-384 check (the costly one) comes last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/snp/internal.h"
#include "verifiers/snp/snp_azure.h"

static vouch_verdict verdict_for_failure(vouch_status s) {
  switch (s) {
    case VOUCH_E_SIGNATURE:
    case VOUCH_E_CHAIN:
    case VOUCH_E_UNTRUSTED_ROOT:
    case VOUCH_E_REVOKED:
    case VOUCH_E_CRL:
    case VOUCH_E_BINDING:
    case VOUCH_E_COLLATERAL_MISMATCH:
    case VOUCH_E_POLICY_DENY:
      return VOUCH_VERDICT_CONTRAINDICATED;
    default:
      return VOUCH_VERDICT_ERROR;
  }
}

static void fail(vouch_result *out, vouch_err *err) {
  if (strncmp(err->msg, "snp:", 4) != 0 && strncmp(err->msg, "collateral:", 11) != 0) {
    vouch_err_prefix(err, "snp: ");
  }
  vouch_result_fail(out, verdict_for_failure(err->code), err);
}

/* ---- claims ------------------------------------------------------------------------ */

static void tcb_claims(vouch_result *r, const char *name, const char *raw_name,
                       const vouch_snp_tcb *t) {
  char json[160];
  int n;
  if (t->turin) {
    n = snprintf(json, sizeof(json),
                 "{\"bootloader\":%u,\"tee\":%u,\"snp\":%u,\"microcode\":%u,\"fmc\":%u}",
                 t->bootloader, t->tee, t->snp, t->microcode, t->fmc);
  } else {
    n = snprintf(json, sizeof(json), "{\"bootloader\":%u,\"tee\":%u,\"snp\":%u,\"microcode\":%u}",
                 t->bootloader, t->tee, t->snp, t->microcode);
  }
  if (n > 0 && (size_t)n < sizeof(json)) vouch_result_claim_json(r, name, json, (size_t)n);
  uint8_t be[8];
  for (int i = 0; i < 8; i++) be[i] = (uint8_t)(t->raw >> (56 - 8 * i));
  vouch_result_claim_hex(r, raw_name, be, 8);
}

static void u64_claim(vouch_result *r, const char *name, uint64_t v) {
  if (v <= (uint64_t)INT64_MAX) {
    vouch_result_claim_int(r, name, (int64_t)v);
  } else {
    uint8_t be[8];
    for (int i = 0; i < 8; i++) be[i] = (uint8_t)(v >> (56 - 8 * i));
    vouch_result_claim_hex(r, name, be, 8);
  }
}

static void add_report_claims(vouch_result *r, const vouch_snp_report *p) {
  uint64_t pol = p->policy, pi = p->platform_info;
  vouch_result_claim_int(r, "snp_version", p->version);
  vouch_result_claim_int(r, "snp_guest_svn", p->guest_svn);
  vouch_result_claim_int(r, "snp_policy", (int64_t)pol);
  vouch_result_claim_int(r, "snp_policy_abi_minor", p->policy_abi_minor);
  vouch_result_claim_int(r, "snp_policy_abi_major", p->policy_abi_major);
  vouch_result_claim_bool(r, "snp_policy_smt", pol & VOUCH_SNP_POLICY_SMT);
  vouch_result_claim_bool(r, "snp_policy_migrate_ma", pol & VOUCH_SNP_POLICY_MIGRATE_MA);
  vouch_result_claim_bool(r, "snp_policy_debug", pol & VOUCH_SNP_POLICY_DEBUG);
  vouch_result_claim_bool(r, "snp_policy_single_socket", pol & VOUCH_SNP_POLICY_SINGLE_SOCKET);
  vouch_result_claim_bool(r, "snp_policy_cxl_allow", pol & VOUCH_SNP_POLICY_CXL_ALLOW);
  vouch_result_claim_bool(r, "snp_policy_mem_aes_256_xts", pol & VOUCH_SNP_POLICY_MEM_AES_256_XTS);
  vouch_result_claim_bool(r, "snp_policy_rapl_dis", pol & VOUCH_SNP_POLICY_RAPL_DIS);
  vouch_result_claim_bool(r, "snp_policy_ciphertext_hiding",
                          pol & VOUCH_SNP_POLICY_CIPHERTEXT_HIDING);
  vouch_result_claim_bool(r, "snp_policy_page_swap_disable",
                          pol & VOUCH_SNP_POLICY_PAGE_SWAP_DISABLE);
  vouch_result_claim_hex(r, "snp_family_id", p->family_id, 16);
  vouch_result_claim_hex(r, "snp_image_id", p->image_id, 16);
  vouch_result_claim_int(r, "snp_vmpl", p->vmpl);
  vouch_result_claim_int(r, "snp_signature_algo", p->signature_algo);
  tcb_claims(r, "snp_current_tcb", "snp_current_tcb_raw", &p->current_tcb);
  tcb_claims(r, "snp_reported_tcb", "snp_reported_tcb_raw", &p->reported_tcb);
  /* The reported TCB's parts as integers, for Azure's x-ms-sevsnpvm-*-svn. */
  vouch_result_claim_int(r, "snp_reported_bootloader_svn", p->reported_tcb.bootloader);
  vouch_result_claim_int(r, "snp_reported_tee_svn", p->reported_tcb.tee);
  vouch_result_claim_int(r, "snp_reported_snp_svn", p->reported_tcb.snp);
  vouch_result_claim_int(r, "snp_reported_microcode_svn", p->reported_tcb.microcode);
  tcb_claims(r, "snp_committed_tcb", "snp_committed_tcb_raw", &p->committed_tcb);
  tcb_claims(r, "snp_launch_tcb", "snp_launch_tcb_raw", &p->launch_tcb);
  u64_claim(r, "snp_platform_info", pi);
  vouch_result_claim_bool(r, "snp_platform_smt_en", pi & VOUCH_SNP_PLATFORM_SMT_EN);
  vouch_result_claim_bool(r, "snp_platform_tsme_en", pi & VOUCH_SNP_PLATFORM_TSME_EN);
  vouch_result_claim_bool(r, "snp_platform_ecc_en", pi & VOUCH_SNP_PLATFORM_ECC_EN);
  vouch_result_claim_bool(r, "snp_platform_rapl_dis", pi & VOUCH_SNP_PLATFORM_RAPL_DIS);
  vouch_result_claim_bool(r, "snp_platform_ciphertext_hiding_dram_en",
                          pi & VOUCH_SNP_PLATFORM_CIPHERTEXT_HIDING_EN);
  vouch_result_claim_bool(r, "snp_platform_alias_check_complete",
                          pi & VOUCH_SNP_PLATFORM_ALIAS_CHECK_COMPLETE);
  vouch_result_claim_bool(r, "snp_platform_tio_en", pi & VOUCH_SNP_PLATFORM_TIO_EN);
  vouch_result_claim_string(r, "snp_signing_key",
                            p->signing_key == VOUCH_SNP_KEY_VCEK   ? "vcek"
                            : p->signing_key == VOUCH_SNP_KEY_VLEK ? "vlek"
                                                                   : "none");
  vouch_result_claim_bool(r, "snp_mask_chip_key", p->mask_chip_key);
  vouch_result_claim_bool(r, "snp_author_key_en", p->author_key_en);
  vouch_result_claim_hex(r, "snp_report_data", p->report_data, 64);
  vouch_result_claim_hex(r, "snp_measurement", p->measurement, 48);
  vouch_result_claim_hex(r, "snp_host_data", p->host_data, 32);
  vouch_result_claim_hex(r, "snp_id_key_digest", p->id_key_digest, 48);
  vouch_result_claim_hex(r, "snp_author_key_digest", p->author_key_digest, 48);
  vouch_result_claim_hex(r, "snp_report_id", p->report_id, 32);
  vouch_result_claim_hex(r, "snp_report_id_ma", p->report_id_ma, 32);
  vouch_result_claim_hex(r, "snp_chip_id", p->chip_id, 64);
  if (p->has_cpuid) {
    vouch_result_claim_int(r, "snp_cpuid_fam_id", p->cpuid_fam_id);
    vouch_result_claim_int(r, "snp_cpuid_mod_id", p->cpuid_mod_id);
    vouch_result_claim_int(r, "snp_cpuid_step", p->cpuid_step);
  }
  vouch_result_claim_int(r, "snp_current_build", p->current_build);
  vouch_result_claim_int(r, "snp_current_minor", p->current_minor);
  vouch_result_claim_int(r, "snp_current_major", p->current_major);
  vouch_result_claim_int(r, "snp_committed_build", p->committed_build);
  vouch_result_claim_int(r, "snp_committed_minor", p->committed_minor);
  vouch_result_claim_int(r, "snp_committed_major", p->committed_major);
  if (p->has_mit_vectors) {
    u64_claim(r, "snp_launch_mit_vector", p->launch_mit_vector);
    u64_claim(r, "snp_current_mit_vector", p->current_mit_vector);
  }
}

/* ---- the endorsement key ---------------------------------------------------------------- */

typedef struct {
  const struct vouch_cert *cert;
  vouch_snp_cert_ext ext;
  vouch_snp_product product;
} leaf_info;

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* issuer_product: "SEV-<P>" / "SEV-VLEK-<P>". */
static vouch_snp_product issuer_product(const struct vouch_cert *c) {
  char cn[128];
  vouch_cert_issuer_cn(c, cn, sizeof(cn));
  const char *p = cn;
  if (strncmp(p, "SEV-VLEK-", 9) == 0) {
    p += 9;
  } else if (strncmp(p, "SEV-", 4) == 0) {
    p += 4;
  } else {
    return VOUCH_SNP_PRODUCT_UNKNOWN;
  }
  return vouch_snp_product_from_name(p, strlen(p));
}

/* leaf_product decides the product of |l| (see vouch_snp_verify). */
static vouch_status leaf_product(leaf_info *l, const char *kind, const vouch_snp_report *rep,
                                 const vouch_snp_opts *opts, vouch_err *err) {
  vouch_snp_product by_issuer = issuer_product(l->cert), by_name = l->ext.product;
  if (by_issuer != VOUCH_SNP_PRODUCT_UNKNOWN && by_name != VOUCH_SNP_PRODUCT_UNKNOWN &&
      by_issuer != by_name) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISMATCH,
                      "snp: %s productName '%s' does not match its issuer's product %s", kind,
                      l->ext.product_name, vouch_snp_product_name(by_issuer));
  }
  vouch_snp_product p = by_issuer != VOUCH_SNP_PRODUCT_UNKNOWN ? by_issuer : by_name;
  if (opts->product != VOUCH_SNP_PRODUCT_UNKNOWN) {
    if (p != VOUCH_SNP_PRODUCT_UNKNOWN && p != opts->product) {
      return vouch_fail(err, VOUCH_E_COLLATERAL_MISMATCH,
                        "snp: the %s is for %s, but the product given is %s", kind,
                        vouch_snp_product_name(p), vouch_snp_product_name(opts->product));
    }
    p = opts->product;
  }
  if (rep->has_cpuid && rep->report_product != VOUCH_SNP_PRODUCT_UNKNOWN) {
    if (p != VOUCH_SNP_PRODUCT_UNKNOWN && p != rep->report_product) {
      return vouch_fail(err, VOUCH_E_COLLATERAL_MISMATCH,
                        "snp: the %s is for %s, but the report's CPUID (family 0x%02X model "
                        "0x%02X) is %s",
                        kind, vouch_snp_product_name(p), rep->cpuid_fam_id, rep->cpuid_mod_id,
                        vouch_snp_product_name(rep->report_product));
    }
    p = rep->report_product;
  }
  if (p == VOUCH_SNP_PRODUCT_UNKNOWN) p = rep->report_product;
  if (p == VOUCH_SNP_PRODUCT_UNKNOWN) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                      "snp: the product (Milan, Genoa, Turin) cannot be told from the %s or the "
                      "report; give it",
                      kind);
  }
  l->product = p;
  return VOUCH_OK;
}

/* check_tcb: REPORTED_TCB against the certificate's SPLs. */
static vouch_status check_tcb(const leaf_info *l, bool vcek, const vouch_snp_report *rep,
                              vouch_err *err) {
  const char *kind = vcek ? "VCEK" : "VLEK";
  const vouch_snp_cert_ext *x = &l->ext;
  if (l->product == VOUCH_SNP_TURIN && !x->has_fmc_spl) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISMATCH,
                      "snp: the %s has no fmcSPL extension, which a Turin TCB needs", kind);
  }
  uint64_t want =
      vouch_snp_tcb_encode(l->product, x->fmc_spl, x->bl_spl, x->tee_spl, x->snp_spl, x->ucode_spl);
  if (want == rep->reported_tcb.raw) return VOUCH_OK;
  vouch_snp_tcb cert_tcb, rep_tcb;
  vouch_snp_tcb_decode(want, l->product, &cert_tcb);
  vouch_snp_tcb_decode(rep->reported_tcb.raw, l->product, &rep_tcb);
  char a[96], b[96];
  vouch_snp_tcb_format(&cert_tcb, a, sizeof(a));
  vouch_snp_tcb_format(&rep_tcb, b, sizeof(b));
  return vouch_fail(err, VOUCH_E_COLLATERAL_MISMATCH,
                    "snp: %s is for TCB %s but the report is signed for %s%s", kind, a, b,
                    rep_tcb.reserved_nonzero ? " (REPORTED_TCB sets reserved bytes)" : "");
}

/* check_chip: CHIP_ID against the VCEK's hwID (VLEKs carry no chip
 * binding; an all-zero CHIP_ID, MASK_CHIP_ID, leaves the binding to the
 * signature). */
static vouch_status check_chip(const leaf_info *l, bool vcek, const vouch_snp_report *rep,
                               bool *out_chip_masked, vouch_err *err) {
  const vouch_snp_cert_ext *x = &l->ext;
  *out_chip_masked = false;
  if (!vcek) return VOUCH_OK;
  if (all_zero(rep->chip_id, 64)) {
    *out_chip_masked = true;
    return VOUCH_OK;
  }
  if (!x->has_hwid) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISMATCH, "snp: VCEK has no hwID extension");
  }
  size_t want_len = l->product == VOUCH_SNP_TURIN ? 8 : 64;
  if (x->hwid_len != want_len) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISMATCH,
                      "snp: VCEK hwID is %zu bytes, a %s hwID is %zu", x->hwid_len,
                      vouch_snp_product_name(l->product), want_len);
  }
  if (memcmp(x->hwid, rep->chip_id, want_len) != 0 ||
      !all_zero(rep->chip_id + want_len, 64 - want_len)) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISMATCH, "snp: VCEK hwID does not match CHIP_ID");
  }
  return VOUCH_OK;
}

/* signs_report: the report's signature verifies under |c|'s key. */
static bool signs_report(const struct vouch_cert *c, const vouch_snp_report *rep) {
  struct vouch_pubkey *key = NULL;
  if (vouch_cert_pubkey(c, &key) != VOUCH_OK) return false;
  bool ok = vouch_ecdsa_verify_rs(key, VOUCH_HASH_SHA384, rep->raw, VOUCH_SNP_SIGNED_LEN,
                                  rep->sig_rs, sizeof(rep->sig_rs)) == VOUCH_OK;
  vouch_pubkey_free(key);
  return ok;
}

/* pick_leaf chooses the VCEK/VLEK: the one that binds to the report;
 * failing that, the error reported is that of the best candidate (this
 * chip's VCEK for another TCB before another chip's, before one whose
 * extensions or product do not fit).  Several VLEKs can bind (VLEK
 * reports name no key: a collateral directory offers every VLEK of the
 * TCB): then the one whose key verifies the report's signature is taken
 * (the first when none does, whose signature check then fails). */
static vouch_status pick_leaf(const vouch_snp_collateral *coll, bool vcek,
                              const vouch_snp_report *rep, const vouch_snp_opts *opts,
                              leaf_info *out, vouch_err *err) {
  vouch_snp_role want = vcek ? VOUCH_SNP_ROLE_VCEK : VOUCH_SNP_ROLE_VLEK;
  const char *kind = vcek ? "VCEK" : "VLEK";
  bool other_kind = false;
  int best_rank = -1;
  vouch_err best_err = {0};
  leaf_info best, bound;
  memset(&best, 0, sizeof(best));
  size_t num_bound = 0;
  for (size_t i = 0; coll != NULL && i < coll->num_certs; i++) {
    if (coll->roles[i] != want) {
      other_kind |= coll->roles[i] == (vcek ? VOUCH_SNP_ROLE_VLEK : VOUCH_SNP_ROLE_VCEK);
      continue;
    }
    leaf_info l;
    memset(&l, 0, sizeof(l));
    l.cert = coll->certs[i];
    vouch_err e = {0};
    bool masked;
    int rank = 0;
    if (vouch_snp_cert_ext_parse(l.cert, &l.ext, &e) == VOUCH_OK &&
        leaf_product(&l, kind, rep, opts, &e) == VOUCH_OK) {
      rank = 1;
      if (check_chip(&l, vcek, rep, &masked, &e) == VOUCH_OK) {
        rank = 2;
        if (check_tcb(&l, vcek, rep, &e) == VOUCH_OK) {
          if (vcek) {
            *out = l;
            return VOUCH_OK;
          }
          if (num_bound == 0) bound = l;
          if (num_bound++ == 0) continue;
          /* A second VLEK binds: let the signature decide between them. */
          if (num_bound == 2 && signs_report(bound.cert, rep)) break;
          if (signs_report(l.cert, rep)) {
            bound = l;
            break;
          }
          continue;
        }
      }
    }
    if (rank > best_rank) {
      best_rank = rank;
      best_err = e;
      best = l;
    }
  }
  if (num_bound > 0) {
    *out = bound;
    return VOUCH_OK;
  }
  if (best_rank >= 0) {
    *out = best; /* for the claims: its product, if it got that far */
    if (err != NULL) *err = best_err;
    return best_err.code;
  }
  if (other_kind) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                      "snp: the report is signed by a %s (SIGNING_KEY %d) but only a %s was given",
                      kind, vcek ? 0 : 1, vcek ? "VLEK" : "VCEK");
  }
  return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                    "snp: no %s among the collateral (the report is signed by one; give it as DER "
                    "or PEM)",
                    kind);
}

/* ---- the chain ---------------------------------------------------------------------------- */

typedef struct {
  const struct vouch_cert *inter;
  uint8_t anchor_sha256[32];
  int64_t earliest_expiry;
  bool expired_tolerated;
} chain_info;

static vouch_status check_window(const struct vouch_cert *c, const vouch_snp_opts *opts,
                                 bool *tolerated, vouch_err *err) {
  int64_t nb = vouch_cert_not_before(c), na = vouch_cert_not_after(c);
  char cn[96], at[VOUCH_TIME_STR_LEN], when[VOUCH_TIME_STR_LEN];
  vouch_cert_subject_cn(c, cn, sizeof(cn));
  vouch_time_format(opts->at, at);
  if (opts->at < nb) {
    vouch_time_format(nb, when);
    return vouch_fail(err, VOUCH_E_NOT_YET_VALID,
                      "snp: certificate '%s' not valid before %s (instant %s)", cn, when, at);
  }
  if (opts->at > na) {
    if (opts->allow_expired) {
      *tolerated = true;
      return VOUCH_OK;
    }
    vouch_time_format(na, when);
    return vouch_fail(err, VOUCH_E_EXPIRED, "snp: certificate '%s' expired at %s (instant %s)", cn,
                      when, at);
  }
  return VOUCH_OK;
}

/* list_intermediates: the ASK/ASVK candidates for the leaf (supplied,
 * then built-in), in a fixed order (the chain cache's key depends on it). */
static size_t list_intermediates(const leaf_info *l, bool vcek, const vouch_snp_collateral *coll,
                                 const struct vouch_cert *cands[VOUCH_SNP_MAX_CERTS + 1]) {
  vouch_snp_role want = vcek ? VOUCH_SNP_ROLE_ASK : VOUCH_SNP_ROLE_ASVK;
  size_t n = 0;
  for (size_t i = 0; coll != NULL && i < coll->num_certs; i++) {
    if (coll->roles[i] == want && vouch_cert_issued_by(l->cert, coll->certs[i])) {
      cands[n++] = coll->certs[i];
    }
  }
  const struct vouch_cert *builtin = vouch_snp_builtin_cert(l->product, want);
  if (builtin != NULL && vouch_cert_issued_by(l->cert, builtin)) {
    bool dup = false;
    for (size_t i = 0; i < n && !dup; i++) dup = vouch_cert_equal(cands[i], builtin);
    if (!dup) cands[n++] = builtin;
  }
  return n;
}

static bool supplied_untrusted_ark(const vouch_snp_collateral *coll, const struct vouch_cert *inter,
                                   char *cn, size_t cap) {
  for (size_t i = 0; coll != NULL && i < coll->num_certs; i++) {
    if (coll->roles[i] == VOUCH_SNP_ROLE_ARK && vouch_cert_issued_by(inter, coll->certs[i])) {
      vouch_cert_subject_cn(coll->certs[i], cn, cap);
      return true;
    }
  }
  return false;
}

/* What the chain VCEK/VLEK -> ASK/ASVK -> ARK amounts to without the
 * instant: the signatures (RSA-4096 PSS, the costly part of an SNP item),
 * the PSS parameters, basic constraints, the path to a trusted ARK of the
 * right product, and revocation by the given CRLs.  It depends only on the
 * bytes of the leaf, the candidate intermediates, the supplied ARKs and
 * CRLs, the product and the trust anchors, which is what it is cached
 * under; the validity windows (kept in |cr|) are checked per item at its
 * own instant. */
typedef struct {
  vouch_status status;
  vouch_err err;
  bool before_leaf_window; /* no intermediate signed the leaf: reported first */
  int inter_index;         /* the intermediate among list_intermediates'; -1: none */
  vouch_chain_result cr;   /* the path's windows (ASK/ASVK, ARK, CRLs) and its anchor */
} chain_fact;

typedef struct {
  const leaf_info *l;
  bool vcek;
  const vouch_snp_collateral *coll;
  const vouch_snp_opts *opts;
  const struct vouch_cert *const *cands;
  size_t num_cands;
} fact_arg;

static void build_fact(void *obj, void *arg) {
  chain_fact *f = obj;
  const fact_arg *a = arg;
  const leaf_info *l = a->l;
  bool vcek = a->vcek;
  const char *kind = vcek ? "VCEK" : "VLEK", *ikind = vcek ? "ASK" : "ASVK";
  memset(f, 0, sizeof(*f));
  f->inter_index = -1;
  if (a->num_cands == 0) {
    char issuer[128];
    vouch_cert_issuer_cn(l->cert, issuer, sizeof(issuer));
    f->before_leaf_window = true;
    f->status = vouch_fail(&f->err, VOUCH_E_COLLATERAL_MISSING,
                           "snp: no %s '%s' (the %s's issuer) among the collateral or the built-in "
                           "AMD certificates",
                           ikind, issuer, kind);
    return;
  }
  for (size_t i = 0; i < a->num_cands && f->inter_index < 0; i++) {
    vouch_err e = {0};
    if (snp_check_signed_by(l->cert, kind, a->cands[i], &e) == VOUCH_OK) {
      f->inter_index = (int)i;
    } else if (i == 0) {
      f->err = e;
    }
  }
  if (f->inter_index < 0) {
    f->before_leaf_window = true;
    f->status = f->err.code;
    return;
  }
  vouch_err_clear(&f->err);
  const struct vouch_cert *inter = a->cands[f->inter_index];
  /* The intermediate's own PSS parameters (OpenSSL accepts any). */
  {
    size_t der_len = 0;
    const uint8_t *der = vouch_cert_der(inter, &der_len);
    snp_der_cert d;
    vouch_err e = {0};
    if (snp_der_cert_parse(der, der_len, &d, &e) != VOUCH_OK) {
      f->status = vouch_fail(&f->err, VOUCH_E_CHAIN, "snp: %s: %s", ikind, e.msg);
      return;
    }
    if ((f->status = snp_check_pss_alg(d.sig_alg, d.sig_alg_len, ikind, &f->err)) != VOUCH_OK)
      return;
  }
  const struct vouch_anchors *builtin = snp_builtin_anchors();
  if (builtin == NULL) {
    f->status = vouch_fail(&f->err, VOUCH_E_INTERNAL, "snp: the built-in AMD roots did not load");
    return;
  }
  const vouch_snp_collateral *coll = a->coll;
  vouch_chain_opts co = {.no_time_check = true};
  vouch_err e = {0};
  struct vouch_crl *const *crls = coll != NULL ? coll->crls : NULL;
  size_t num_crls = coll != NULL ? coll->num_crls : 0;
  vouch_status s = vouch_chain_verify(builtin, inter, NULL, 0, crls, num_crls, &co, &f->cr, &e);
  if (s == VOUCH_E_UNTRUSTED_ROOT && a->opts->extra_anchors != NULL) {
    vouch_err_clear(&e);
    s = vouch_chain_verify(a->opts->extra_anchors, inter, NULL, 0, crls, num_crls, &co, &f->cr, &e);
  }
  if (s != VOUCH_OK) {
    char cn[96], ark[96];
    vouch_cert_subject_cn(inter, cn, sizeof(cn));
    if (s == VOUCH_E_UNTRUSTED_ROOT && supplied_untrusted_ark(coll, inter, ark, sizeof(ark))) {
      f->status = vouch_fail(&f->err, s,
                             "snp: %s '%s' does not chain to a trusted ARK: the supplied '%s' is "
                             "not a pinned AMD root (trust it with --trust-anchor)",
                             ikind, cn, ark);
    } else {
      f->status = vouch_fail(&f->err, s, "snp: %s '%s' to the ARK: %s", ikind, cn, e.msg);
    }
    return;
  }
  /* The ARK must be of the leaf's product. */
  vouch_snp_product ark_product = snp_builtin_product(f->cr.anchor_sha256);
  if (ark_product == VOUCH_SNP_PRODUCT_UNKNOWN) {
    char issuer[96];
    vouch_cert_issuer_cn(inter, issuer, sizeof(issuer));
    if (strncmp(issuer, "ARK-", 4) == 0) {
      ark_product = vouch_snp_product_from_name(issuer + 4, strlen(issuer + 4));
    }
  }
  if (ark_product != VOUCH_SNP_PRODUCT_UNKNOWN && ark_product != l->product) {
    f->status = vouch_fail(
        &f->err, VOUCH_E_UNTRUSTED_ROOT, "snp: the chain ends at the %s ARK, but the %s is for %s",
        vouch_snp_product_name(ark_product), kind, vouch_snp_product_name(l->product));
  }
}

static void put_blob(vouch_buf *k, const uint8_t *d, size_t n) {
  uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  vouch_buf_append(k, len, 4);
  vouch_buf_append(k, d, n);
}

/* fact_key: every byte the fact depends on, length-prefixed (so no two
 * different inputs concatenate to the same key). */
static void fact_key(const fact_arg *a, vouch_buf *k) {
  const struct vouch_anchors *builtin = snp_builtin_anchors();
  uint64_t ids[2] = {builtin ? vouch_anchors_id(builtin) : 0,
                     a->opts->extra_anchors ? vouch_anchors_id(a->opts->extra_anchors) : 0};
  vouch_buf_append(k, "snp-chain", 9);
  uint8_t head[2] = {(uint8_t)a->vcek, (uint8_t)a->l->product};
  vouch_buf_append(k, head, 2);
  vouch_buf_append(k, ids, sizeof ids);
  size_t n;
  const uint8_t *d = vouch_cert_der(a->l->cert, &n);
  put_blob(k, d, n);
  for (size_t i = 0; i < a->num_cands; i++) {
    d = vouch_cert_der(a->cands[i], &n);
    put_blob(k, d, n);
  }
  vouch_buf_putc(k, 'A');
  for (size_t i = 0; a->coll != NULL && i < a->coll->num_certs; i++) {
    if (a->coll->roles[i] != VOUCH_SNP_ROLE_ARK) continue;
    d = vouch_cert_der(a->coll->certs[i], &n);
    put_blob(k, d, n);
  }
  vouch_buf_putc(k, 'C');
  for (size_t i = 0; a->coll != NULL && i < a->coll->num_crls; i++) {
    d = vouch_crl_der(a->coll->crls[i], &n);
    put_blob(k, d, n);
  }
}

static vouch_status check_chain(const leaf_info *l, bool vcek, const vouch_snp_collateral *coll,
                                const vouch_snp_opts *opts, chain_info *ci, vouch_err *err) {
  const char *ikind = vcek ? "ASK" : "ASVK";
  const struct vouch_cert *cands[VOUCH_SNP_MAX_CERTS + 1];
  fact_arg a = {.l = l, .vcek = vcek, .coll = coll, .opts = opts, .cands = cands};
  a.num_cands = list_intermediates(l, vcek, coll, cands);
  /* The instant-independent part: from the cache when there is one. */
  chain_fact local, *f = &local;
  void *handle = NULL;
  const vouch_snp_memo *m = opts->memo;
  if (m != NULL && m->acquire != NULL) {
    vouch_buf key;
    vouch_buf_init(&key, 0);
    fact_key(&a, &key);
    uint64_t id = 0;
    if (vouch_buf_status(&key) == VOUCH_OK) {
      handle = m->acquire(m->ctx, (const uint8_t *)key.data, key.len, sizeof(chain_fact),
                          build_fact, &a, NULL, (void **)&f, &id);
    }
    vouch_buf_free(&key);
  }
  if (handle == NULL) {
    f = &local;
    build_fact(f, &a);
  }
  vouch_status s = VOUCH_OK;
  if (f->status != VOUCH_OK && f->before_leaf_window) {
    if (err != NULL) *err = f->err;
    s = f->status;
    goto done;
  }
  ci->inter = cands[f->inter_index];
  bool tolerated = false;
  if ((s = check_window(l->cert, opts, &tolerated, err)) != VOUCH_OK) goto done;
  if (f->status != VOUCH_OK) {
    if (err != NULL) *err = f->err;
    s = f->status;
    goto done;
  }
  /* The windows of the ASK/ASVK, the ARK and the CRLs, at this item's instant. */
  bool tolerated2 = false;
  int64_t earliest = INT64_MAX;
  vouch_err e = {0};
  s = vouch_chain_check_windows(&f->cr, opts->at, opts->allow_expired, &tolerated2, &earliest, &e);
  if (s != VOUCH_OK) {
    char cn[96];
    vouch_cert_subject_cn(ci->inter, cn, sizeof(cn));
    vouch_fail(err, s, "snp: %s '%s' to the ARK: %s", ikind, cn, e.msg);
    goto done;
  }
  memcpy(ci->anchor_sha256, f->cr.anchor_sha256, 32);
  ci->earliest_expiry = earliest;
  int64_t na = vouch_cert_not_after(l->cert);
  if (na < ci->earliest_expiry) ci->earliest_expiry = na;
  ci->expired_tolerated = tolerated || tolerated2;
done:
  if (handle != NULL) m->release(m->ctx, handle);
  return s;
}

/* ---- the verification ----------------------------------------------------------------------- */

static void add_cert_item(vouch_result *r, const char *name, const struct vouch_cert *c) {
  uint8_t h[VOUCH_SHA256_LEN];
  vouch_cert_sha256(c, h);
  vouch_result_add_item(r, name, h);
}

/* verify_report: the checks of vouch_snp_verify with |coll| as given
 * (the source already consulted); |source_err|, when set, is why the
 * source could not supply the endorsement key. */
static void verify_report(const uint8_t *report, size_t len, const vouch_snp_collateral *coll,
                          const vouch_snp_opts *opts, const snp_azure_ctx *az,
                          const vouch_err *source_err, vouch_result *out) {
  vouch_err err = {0};
  vouch_snp_report rep;
  if (vouch_snp_report_parse(report, len, &rep, &err) != VOUCH_OK) {
    fail(out, &err);
    return;
  }
  out->attestation_type = "sevsnpvm";
  uint8_t h[VOUCH_SHA256_LEN];
  vouch_sha256(report, len, h);
  vouch_result_add_item(out, "report", h);

  bool vcek = rep.signing_key == VOUCH_SNP_KEY_VCEK;
  leaf_info leaf;
  memset(&leaf, 0, sizeof(leaf));
  vouch_status s = VOUCH_OK;
  if (rep.signing_key == VOUCH_SNP_KEY_NONE) {
    s = vouch_fail(&err, VOUCH_E_SIGNATURE, "snp: the report is not signed (SIGNING_KEY 7)");
  } else if (source_err != NULL && source_err->code != VOUCH_OK) {
    err = *source_err;
    s = err.code;
  } else {
    s = pick_leaf(coll, vcek, &rep, opts, &leaf, &err);
  }
  /* Claims with the TCBs decoded for the product as far as it is known. */
  vouch_snp_product product = leaf.product;
  if (product == VOUCH_SNP_PRODUCT_UNKNOWN) product = opts->product;
  vouch_snp_report_set_product(&rep, product);
  add_report_claims(out, &rep);
  if (rep.product != VOUCH_SNP_PRODUCT_UNKNOWN) {
    vouch_result_claim_string(out, "snp_product", vouch_snp_product_name(rep.product));
  }
  if (az != NULL) snp_azure_claims(az, out);
  if (opts->has_runtime_data) {
    vouch_result_claim_hex(out, "snp_runtime_data", opts->runtime_data, opts->runtime_data_len);
  }
  if (opts->has_init_data) {
    vouch_result_claim_hex(out, "snp_init_data", opts->init_data, opts->init_data_len);
  }
  if (s != VOUCH_OK) {
    fail(out, &err);
    return;
  }
  add_cert_item(out, vcek ? "vcek" : "vlek", leaf.cert);
  if (leaf.ext.has_product_name) {
    vouch_result_claim_string(out, "snp_cert_product_name", leaf.ext.product_name);
  }
  if (leaf.ext.has_csp_id) vouch_result_claim_string(out, "snp_vlek_csp_id", leaf.ext.csp_id);
  bool masked = false;
  if (check_chip(&leaf, vcek, &rep, &masked, &err) != VOUCH_OK) { /* passed in pick_leaf */
    fail(out, &err);
    return;
  }
  if (vcek) vouch_result_claim_bool(out, "snp_chip_id_masked", masked);

  chain_info ci;
  memset(&ci, 0, sizeof(ci));
  if (check_chain(&leaf, vcek, coll, opts, &ci, &err) != VOUCH_OK) {
    if (ci.inter != NULL) add_cert_item(out, vcek ? "ask" : "asvk", ci.inter);
    fail(out, &err);
    return;
  }
  add_cert_item(out, vcek ? "ask" : "asvk", ci.inter);
  vouch_result_add_item(out, "ark", ci.anchor_sha256);
  out->has_anchor = true;
  memcpy(out->anchor_sha256, ci.anchor_sha256, 32);
  char ark_cn[96];
  vouch_cert_issuer_cn(ci.inter, ark_cn, sizeof(ark_cn));
  for (size_t i = 0; coll != NULL && i < coll->num_crls; i++) {
    char cn[96];
    vouch_crl_issuer_cn(coll->crls[i], cn, sizeof(cn));
    if (strcmp(cn, ark_cn) != 0) continue;
    size_t n = 0;
    const uint8_t *der = vouch_crl_der(coll->crls[i], &n);
    vouch_sha256(der, n, h);
    vouch_result_add_item(out, "crl", h);
  }
  if (ci.earliest_expiry != INT64_MAX) {
    vouch_result_claim_time(out, "snp_collateral_expiry", ci.earliest_expiry);
  }
  vouch_result_claim_bool(out, "snp_collateral_expired", ci.expired_tolerated);

  /* The report signature. */
  struct vouch_pubkey *key = NULL;
  char why[96] = "";
  if (vouch_cert_pubkey(leaf.cert, &key) != VOUCH_OK ||
      !vouch_jws_key_fits(key, VOUCH_JWS_ES384, why, sizeof(why))) {
    vouch_pubkey_free(key);
    vouch_fail(&err, VOUCH_E_CHAIN, "snp: the %s key is not ECDSA P-384 (%s)",
               vcek ? "VCEK" : "VLEK", why);
    fail(out, &err);
    return;
  }
  s = vouch_ecdsa_verify_rs(key, VOUCH_HASH_SHA384, report, VOUCH_SNP_SIGNED_LEN, rep.sig_rs,
                            sizeof(rep.sig_rs));
  vouch_pubkey_free(key);
  if (s != VOUCH_OK) {
    if (all_zero(rep.sig_rs, sizeof(rep.sig_rs))) {
      vouch_fail(&err, VOUCH_E_SIGNATURE, "snp: report signature invalid (all zero%s)",
                 rep.mask_chip_key ? "; MASK_CHIP_KEY is set: the firmware did not sign" : "");
    } else {
      vouch_fail(&err, VOUCH_E_SIGNATURE, "snp: report signature invalid");
    }
    fail(out, &err);
    return;
  }

  /* Data bound by hash (Azure Attestation semantics). */
  if (opts->has_runtime_data) {
    vouch_sha256(opts->runtime_data, opts->runtime_data_len, h);
    if (memcmp(h, rep.report_data, 32) != 0) {
      vouch_fail(&err, VOUCH_E_BINDING,
                 "snp: runtime data does not match REPORT_DATA[0:32] (SHA-256 of the data)");
      fail(out, &err);
      return;
    }
  }
  if (opts->has_init_data) {
    vouch_sha256(opts->init_data, opts->init_data_len, h);
    if (memcmp(h, rep.host_data, 32) != 0) {
      vouch_fail(&err, VOUCH_E_BINDING,
                 "snp: init data does not match HOST_DATA (SHA-256 of the data)");
      fail(out, &err);
      return;
    }
  }
  if (az != NULL && snp_azure_check(az, &rep, &err) != VOUCH_OK) {
    fail(out, &err);
    return;
  }

  /* Only now, with every check passed, does the verdict leave "error". */
  out->verdict =
      (rep.policy & VOUCH_SNP_POLICY_DEBUG) ? VOUCH_VERDICT_WARNING : VOUCH_VERDICT_AFFIRMING;
  /* The vTPM quote last: its key is trusted only through the report. */
  if (az != NULL && az->vtpm != NULL) snp_azure_vtpm(az, opts->at, out);
}

/* has_role: |coll| holds a certificate of role |r|. */
static bool has_role(const vouch_snp_collateral *coll, vouch_snp_role r) {
  for (size_t i = 0; coll != NULL && i < coll->num_certs; i++) {
    if (coll->roles[i] == r) return true;
  }
  return false;
}

void snp_verify_core(const uint8_t *report, size_t len, const vouch_snp_collateral *coll,
                     const vouch_snp_opts *opts, const snp_azure_ctx *az, vouch_result *out) {
  /* The source is asked only when the collateral given has no key of the
   * report's kind: what comes with the evidence takes precedence (as
   * inline collateral does for SGX). */
  vouch_snp_report rep;
  vouch_err err = {0};
  if (opts->source == NULL || opts->source->find == NULL ||
      vouch_snp_report_parse(report, len, &rep, &err) != VOUCH_OK ||
      rep.signing_key == VOUCH_SNP_KEY_NONE ||
      has_role(coll,
               rep.signing_key == VOUCH_SNP_KEY_VCEK ? VOUCH_SNP_ROLE_VCEK : VOUCH_SNP_ROLE_VLEK)) {
    verify_report(report, len, coll, opts, az, NULL, out);
    return;
  }
  /* The given certificates (ASK, ARK, CRLs) stay; the source adds its own. */
  vouch_snp_collateral merged = {0};
  for (size_t i = 0; coll != NULL && i < coll->num_certs; i++) {
    vouch_cert_up_ref(coll->certs[i]);
    merged.certs[i] = coll->certs[i];
    merged.roles[i] = coll->roles[i];
    merged.num_certs = i + 1;
  }
  for (size_t i = 0; coll != NULL && i < coll->num_crls; i++) {
    vouch_crl_up_ref(coll->crls[i]);
    merged.crls[i] = coll->crls[i];
    merged.num_crls = i + 1;
  }
  vouch_snp_lookup key = {
      /* The report's own guess: CPUID on v3+, Turin's chip-id shape; a v2
       * report cannot tell Milan from Genoa (UNKNOWN: the source looks in
       * every product). */
      .product = opts->product != VOUCH_SNP_PRODUCT_UNKNOWN ? opts->product : rep.report_product,
      .vlek = rep.signing_key == VOUCH_SNP_KEY_VLEK,
      .chip_id = rep.chip_id,
      .reported_tcb = rep.reported_tcb.raw,
      .at = opts->at};
  vouch_err source_err = {0};
  (void)opts->source->find(opts->source->ctx, &key, &merged, &source_err);
  verify_report(report, len, &merged, opts, az, &source_err, out);
  vouch_snp_collateral_cleanup(&merged);
}

void vouch_snp_verify(const uint8_t *report, size_t len, const vouch_snp_collateral *coll,
                      const vouch_snp_opts *opts, vouch_result *out) {
  vouch_result_init(out, opts->at);
  snp_verify_core(report, len, coll, opts, NULL, out);
}
