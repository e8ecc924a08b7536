/* verifiers/maa.c - a result's claims under Azure Attestation's names and
 * encodings (spec/maa-api.md §3, spec/policy.md §12).
 *
 * Driven by a table sorted by vouch's claim name: one pass over the
 * result's claims, a binary search for each, so the cost per item is a few
 * hundred nanoseconds and nothing is allocated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "verifiers/result.h"

typedef enum { R_AS_IS, R_B64URL } render;

enum {
  KSS_ONLY = 1,    /* only for enclaves with ATTRIBUTES.KSS */
  POLICY_ONLY = 2, /* raw evidence (TPM events, PCRs): read-only for policies, never in tokens */
};

typedef struct {
  const char *vouch_name;
  const char *maa_name;
  render how;
  unsigned flags;
  const char *aliases[2]; /* legacy `$` names, for policies only */
} maa_entry;

/* Sorted by vouch_name (strcmp order): bsearch. */
/* Sorted by vouch_name (strcmp order, so upper case first): bsearch.
 * SGX and SEV-SNP map vouch's names to Azure's (x-ms-sgx-*, x-ms-sevsnpvm-*);
 * Azure's TDX token and TPM claims use the verifiers' own names (for TPM
 * also vouch's tpm_* checks: qualified signer, nonce, PCR selection...). */
static const maa_entry kClaims[] = {
    {"aikPubHash", "aikPubHash", R_AS_IS, 0, {NULL, NULL}},
    {"aikValidated", "aikValidated", R_AS_IS, 0, {NULL, NULL}},
    {"bootDebuggingDisabled", "bootDebuggingDisabled", R_AS_IS, 0, {NULL, NULL}},
    {"codeIntegrityEnabled", "codeIntegrityEnabled", R_AS_IS, 0, {NULL, NULL}},
    {"events", "events", R_AS_IS, POLICY_ONLY, {NULL, NULL}},
    {"iommuEnabled", "iommuEnabled", R_AS_IS, 0, {NULL, NULL}},
    {"notSafeMode", "notSafeMode", R_AS_IS, 0, {NULL, NULL}},
    {"notWinPE", "notWinPE", R_AS_IS, 0, {NULL, NULL}},
    {"osKernelDebuggingDisabled", "osKernelDebuggingDisabled", R_AS_IS, 0, {NULL, NULL}},
    {"pcrs", "pcrs", R_AS_IS, POLICY_ONLY, {NULL, NULL}},
    {"secureBootEnabled", "secureBootEnabled", R_AS_IS, 0, {NULL, NULL}},
    {"sgx_config_id", "x-ms-sgx-config-id", R_AS_IS, KSS_ONLY, {NULL, NULL}},
    {"sgx_config_svn", "x-ms-sgx-config-svn", R_AS_IS, KSS_ONLY, {NULL, NULL}},
    {"sgx_ehd", "x-ms-sgx-ehd", R_B64URL, 0, {"$maa-ehd", "$aas-ehd"}},
    {"sgx_is_debuggable", "x-ms-sgx-is-debuggable", R_AS_IS, 0, {"$is-debuggable", NULL}},
    {"sgx_isv_extended_product_id", "x-ms-sgx-isv-extended-product-id", R_AS_IS, KSS_ONLY,
     {NULL, NULL}},
    {"sgx_isv_family_id", "x-ms-sgx-isv-family-id", R_AS_IS, KSS_ONLY, {NULL, NULL}},
    {"sgx_mrenclave", "x-ms-sgx-mrenclave", R_AS_IS, 0, {"$sgx-mrenclave", "$mrenclave"}},
    {"sgx_mrsigner", "x-ms-sgx-mrsigner", R_AS_IS, 0, {"$sgx-mrsigner", "$mrsigner"}},
    {"sgx_product_id", "x-ms-sgx-product-id", R_AS_IS, 0, {"$product-id", NULL}},
    {"sgx_report_data", "x-ms-sgx-report-data", R_AS_IS, 0, {NULL, NULL}},
    {"sgx_svn", "x-ms-sgx-svn", R_AS_IS, 0, {"$svn", NULL}},
    {"snp_author_key_digest", "x-ms-sevsnpvm-authorkeydigest", R_AS_IS, 0, {NULL, NULL}},
    {"snp_family_id", "x-ms-sevsnpvm-familyId", R_AS_IS, 0, {NULL, NULL}},
    {"snp_guest_svn", "x-ms-sevsnpvm-guestsvn", R_AS_IS, 0, {NULL, NULL}},
    {"snp_host_data", "x-ms-sevsnpvm-hostdata", R_AS_IS, 0, {NULL, NULL}},
    {"snp_id_key_digest", "x-ms-sevsnpvm-idkeydigest", R_AS_IS, 0, {NULL, NULL}},
    {"snp_image_id", "x-ms-sevsnpvm-imageId", R_AS_IS, 0, {NULL, NULL}},
    {"snp_measurement", "x-ms-sevsnpvm-launchmeasurement", R_AS_IS, 0, {NULL, NULL}},
    {"snp_policy_debug", "x-ms-sevsnpvm-is-debuggable", R_AS_IS, 0, {NULL, NULL}},
    {"snp_policy_migrate_ma", "x-ms-sevsnpvm-migration-allowed", R_AS_IS, 0, {NULL, NULL}},
    {"snp_policy_smt", "x-ms-sevsnpvm-smt-allowed", R_AS_IS, 0, {NULL, NULL}},
    {"snp_report_data", "x-ms-sevsnpvm-reportdata", R_AS_IS, 0, {NULL, NULL}},
    {"snp_report_id", "x-ms-sevsnpvm-reportid", R_AS_IS, 0, {NULL, NULL}},
    {"snp_reported_bootloader_svn", "x-ms-sevsnpvm-bootloader-svn", R_AS_IS, 0, {NULL, NULL}},
    {"snp_reported_microcode_svn", "x-ms-sevsnpvm-microcode-svn", R_AS_IS, 0, {NULL, NULL}},
    {"snp_reported_snp_svn", "x-ms-sevsnpvm-snpfw-svn", R_AS_IS, 0, {NULL, NULL}},
    {"snp_reported_tee_svn", "x-ms-sevsnpvm-tee-svn", R_AS_IS, 0, {NULL, NULL}},
    {"snp_runtime_claims", "x-ms-runtime", R_AS_IS, 0, {NULL, NULL}},
    {"snp_vmpl", "x-ms-sevsnpvm-vmpl", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_mrconfigid", "tdx_mrconfigid", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_mrowner", "tdx_mrowner", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_mrownerconfig", "tdx_mrownerconfig", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_mrseam", "tdx_mrseam", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_mrservicetd", "tdx_mrservicetd", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_mrsignerseam", "tdx_mrsignerseam", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_mrtd", "tdx_mrtd", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_report_data", "tdx_report_data", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_rtmr0", "tdx_rtmr0", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_rtmr1", "tdx_rtmr1", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_rtmr2", "tdx_rtmr2", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_rtmr3", "tdx_rtmr3", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_seam_attributes", "tdx_seam_attributes", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_seamsvn", "tdx_seamsvn", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_td_attributes", "tdx_td_attributes", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_td_attributes_debug", "tdx_td_attributes_debug", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_td_attributes_key_locker", "tdx_td_attributes_key_locker", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_td_attributes_perfmon", "tdx_td_attributes_perfmon", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_td_attributes_protection_keys", "tdx_td_attributes_protection_keys", R_AS_IS, 0,
     {NULL, NULL}},
    {"tdx_td_attributes_septve_disable", "tdx_td_attributes_septve_disable", R_AS_IS, 0,
     {NULL, NULL}},
    {"tdx_tee_tcb_svn", "tdx_tee_tcb_svn", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_tee_tcb_svn2", "tdx_tee_tcb_svn2", R_AS_IS, 0, {NULL, NULL}},
    {"tdx_xfam", "tdx_xfam", R_AS_IS, 0, {NULL, NULL}},
    {"testSigningDisabled", "testSigningDisabled", R_AS_IS, 0, {NULL, NULL}},
    {"tpmVersion", "tpmVersion", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_ak_name", "tpm_ak_name", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_ak_source", "tpm_ak_source", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_clock", "tpm_clock", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_event_log_replayed", "tpm_event_log_replayed", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_extra_data", "tpm_extra_data", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_firmware_version", "tpm_firmware_version", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_nonce_checked", "tpm_nonce_checked", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_pcr_digest", "tpm_pcr_digest", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_pcr_selection", "tpm_pcr_selection", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_qualified_signer", "tpm_qualified_signer", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_qualified_signer_checked", "tpm_qualified_signer_checked", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_reset_count", "tpm_reset_count", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_restart_count", "tpm_restart_count", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_safe", "tpm_safe", R_AS_IS, 0, {NULL, NULL}},
    {"tpm_sig_alg", "tpm_sig_alg", R_AS_IS, 0, {NULL, NULL}},
    {"vbsEnabled", "vbsEnabled", R_AS_IS, 0, {NULL, NULL}},
};

static int cmp_entry(const void *key, const void *elem) {
  return strcmp((const char *)key, ((const maa_entry *)elem)->vouch_name);
}

/* lookup finds the table entry of a claim name.  Verifiers name claims
 * with string literals, so the answer is memoized per thread by the name's
 * address: after the first item, no string comparison at all. */
static const maa_entry *lookup(const char *name) {
  static _Thread_local struct {
    const char *name;
    const maa_entry *entry;
  } memo[128];
  uintptr_t a = (uintptr_t)name;
  size_t slot = (size_t)((a >> 3) ^ (a >> 10)) & 127;
  if (memo[slot].name != name) {
    memo[slot].name = name;
    memo[slot].entry =
        bsearch(name, kClaims, sizeof kClaims / sizeof kClaims[0], sizeof kClaims[0], cmp_entry);
  }
  return memo[slot].entry;
}

/* x-ms-sgx-collateral: which audit hash goes under which key.  The QE
 * identity and the TCB info are both signed by the TCB signing chain and
 * both chains' CRL is the Root CA CRL, as the real token shows
 * (qeidcrlhash == tcbinfocrlhash). */
static const struct {
  const char *key;
  const char *item;
} kCollateral[] = {
    {"qeidcertshash", "qe_identity_issuer_chain"},
    {"qeidcrlhash", "root_ca_crl"},
    {"qeidhash", "qe_identity"},
    {"quotehash", "quote"},
    {"tcbinfocertshash", "tcb_info_issuer_chain"},
    {"tcbinfocrlhash", "root_ca_crl"},
    {"tcbinfohash", "tcb_info"},
};

#define NUM_COLLATERAL (sizeof kCollateral / sizeof kCollateral[0])

static void write_collateral(const vouch_result *r, const char *prefix, vouch_buf *b) {
  /* One pass over the result's items, then the object in key order. */
  const uint8_t *hashes[NUM_COLLATERAL] = {0};
  for (size_t k = 0; k < r->num_items; k++)
    for (size_t i = 0; i < NUM_COLLATERAL; i++)
      if (r->items[k].name[0] == kCollateral[i].item[0] &&
          strcmp(r->items[k].name, kCollateral[i].item) == 0)
        hashes[i] = r->items[k].sha256;
  vouch_json j;
  vouch_json_init(&j, b);
  vouch_json_begin_object(&j);
  for (size_t i = 0; i < NUM_COLLATERAL; i++) {
    const uint8_t *h = hashes[i];
    if (!h) continue;
    char key[48];
    size_t pl = strlen(prefix), kl = strlen(kCollateral[i].key);
    memcpy(key, prefix, pl);
    memcpy(key + pl, kCollateral[i].key, kl + 1);
    vouch_json_key(&j, key);
    vouch_json_hex(&j, h, 32);
  }
  vouch_json_end_object(&j);
}

static bool wants(const vouch_maa_sink *k, const char *name) {
  return k->wants == NULL || k->wants(k->ctx, name);
}

static void emit(const vouch_maa_sink *k, const char *name, const vouch_result *r,
                 const vouch_claim *c, render how) {
  if (!wants(k, name)) return;
  const uint8_t *bytes = r->arena + c->off;
  switch (c->kind) {
    case VOUCH_CLAIM_INT: k->integer(k->ctx, name, c->i); return;
    case VOUCH_CLAIM_BOOL: k->boolean(k->ctx, name, c->b); return;
    case VOUCH_CLAIM_STRING: k->string(k->ctx, name, (const char *)bytes, c->len); return;
    case VOUCH_CLAIM_JSON: k->json(k->ctx, name, (const char *)bytes, c->len, false); return;
    case VOUCH_CLAIM_HEX: break;
  }
  /* Hex claims are at most REPORTDATA/CONFIGID (64 bytes) and go through
   * the stack; runtime data (base64url) can be long and goes through the
   * heap, as would any longer hex claim. */
  if (how == R_AS_IS && c->len <= 128) {
    char hex[2 * 128 + 1];
    vouch_hex_encode(bytes, c->len, hex);
    k->string(k->ctx, name, hex, 2 * (size_t)c->len);
    return;
  }
  vouch_buf b;
  vouch_buf_init(&b, 0);
  if (how == R_B64URL) vouch_base64url_encode(&b, bytes, c->len);
  else vouch_buf_hex(&b, bytes, c->len);
  if (vouch_buf_status(&b) == VOUCH_OK)
    k->string(k->ctx, name, b.data ? (const char *)b.data : "", b.len);
  vouch_buf_free(&b);
}

void vouch_result_maa_claims(const vouch_result *r, const char *attestation_type,
                             unsigned which, const vouch_maa_sink *k) {
  bool policy = which & VOUCH_MAA_POLICY;
  /* KSS claims only for enclaves with ATTRIBUTES.KSS (bit 7), as the
   * service does. */
  bool kss = false;
  const vouch_claim *attr = vouch_result_find_claim(r, "sgx_attributes");
  if (attr && attr->kind == VOUCH_CLAIM_HEX && attr->len >= 1)
    kss = (r->arena[attr->off] & 0x80) != 0;

  for (size_t i = 0; i < r->num_claims; i++) {
    const vouch_claim *c = &r->claims[i];
    const maa_entry *e = lookup(c->name);
    if (!e || ((e->flags & KSS_ONLY) && !kss) || ((e->flags & POLICY_ONLY) && !policy)) continue;
    emit(k, e->maa_name, r, c, e->how);
    if (!policy) continue;
    for (int a = 0; a < 2; a++)
      if (e->aliases[a]) emit(k, e->aliases[a], r, c, e->how);
  }
  bool tdx = strcmp(attestation_type, "tdxvm") == 0;
  bool sgx = strcmp(attestation_type, "sgx") == 0;
  if (wants(k, "x-ms-attestation-type"))
    k->string(k->ctx, "x-ms-attestation-type", attestation_type, strlen(attestation_type));
  if (policy && sgx && wants(k, "$tee"))
    k->string(k->ctx, "$tee", attestation_type, strlen(attestation_type));
  if (policy && wants(k, "x-ms-ver")) k->string(k->ctx, "x-ms-ver", "1.0", 3);
  if (tdx) {
    /* Azure's TDX EAT profile claims (spec/maa-api.md §3). */
    static const char kProfile[] = "https://aka.ms/maa-eat-profile-tdxvm";
    if (wants(k, "eat_profile")) k->string(k->ctx, "eat_profile", kProfile, sizeof kProfile - 1);
    const vouch_claim *dbg = vouch_result_find_claim(r, "tdx_td_attributes_debug");
    if (dbg && wants(k, "dbgstat"))
      k->string(k->ctx, "dbgstat", dbg->b ? "enabled" : "disabled", dbg->b ? 7 : 8);
    if (wants(k, "intuse")) k->string(k->ctx, "intuse", "generic", 7);
    if (r->tcb_status[0] && wants(k, "attester_tcb_status"))
      k->string(k->ctx, "attester_tcb_status", r->tcb_status, strlen(r->tcb_status));
  }
  if (r->num_items && sgx) {
    vouch_buf b;
    vouch_buf_init(&b, 0);
    if (wants(k, "x-ms-sgx-collateral")) {
      write_collateral(r, "", &b);
      if (vouch_buf_status(&b) == VOUCH_OK)
        k->json(k->ctx, "x-ms-sgx-collateral", (const char *)b.data, b.len, false);
    }
    if (policy && wants(k, "$maa-attestationcollateral")) {
      vouch_buf_reset(&b);
      write_collateral(r, "maa-", &b);
      if (vouch_buf_status(&b) == VOUCH_OK)
        k->json(k->ctx, "$maa-attestationcollateral", (const char *)b.data, b.len, false);
    }
    vouch_buf_free(&b);
  }
  if (!policy) return;

  if (wants(k, "vouch-status"))
    k->string(k->ctx, "vouch-status", vouch_verdict_name(r->verdict),
              strlen(vouch_verdict_name(r->verdict)));
  if (r->tcb_status[0] && wants(k, "vouch-tcb-status"))
    k->string(k->ctx, "vouch-tcb-status", r->tcb_status, strlen(r->tcb_status));
  if (!wants(k, "vouch-advisory-ids")) goto extra;
  char set[VOUCH_RESULT_MAX_ADVISORIES * 36 + 2];
  size_t n = 0;
  set[n++] = '[';
  for (size_t i = 0; i < r->num_advisory_ids; i++) {
    size_t l = strnlen(r->advisory_ids[i], sizeof r->advisory_ids[i]);
    if (i) set[n++] = ',';
    set[n++] = '"';
    /* IDs are like INTEL-SA-00615; anything that would need escaping is
     * replaced rather than trusted. */
    for (size_t c = 0; c < l; c++) {
      char ch = r->advisory_ids[i][c];
      set[n++] = (ch == '"' || ch == '\\' || (unsigned char)ch < 0x20) ? '?' : ch;
    }
    set[n++] = '"';
  }
  set[n++] = ']';
  k->json(k->ctx, "vouch-advisory-ids", set, n, true);
extra:;
  static const struct {
    const char *from, *to;
  } kExtra[] = {
      {"dcap_fmspc", "vouch-fmspc"},
      {"dcap_tcb_evaluation_data_number", "vouch-tcb-evaluation-data-number"},
      {"dcap_tcb_date", "vouch-tcb-date"},
  };
  for (size_t i = 0; i < sizeof kExtra / sizeof kExtra[0]; i++) {
    const vouch_claim *c = vouch_result_find_claim(r, kExtra[i].from);
    if (c) emit(k, kExtra[i].to, r, c, R_AS_IS);
  }
}
