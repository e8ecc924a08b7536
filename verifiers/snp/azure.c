/* verifiers/snp/azure.c - Azure confidential VMs (spec §8): the HCL report
 * that wraps an SNP report with the VM's runtime claims (the vTPM keys),
 * the trustee-style evidence JSON, and MAA's SevSnpVm request body.
 * These inputs are not on the bulk hot path; jansson reads their JSON. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/snp/internal.h"
#include "verifiers/snp/snp_azure.h"
#include "verifiers/tpm/tpm.h"

vouch_status vouch_snp_hcl_parse(const uint8_t *b, size_t len, vouch_snp_hcl *out, vouch_err *err) {
  if (b == NULL || out == NULL) return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  memset(out, 0, sizeof(*out));
  vouch_cur c = vouch_cur_make(b, len);
  const uint8_t *magic;
  if (vouch_cur_bytes(&c, 4, &magic) != VOUCH_OK ||
      vouch_cur_u32le(&c, &out->version) != VOUCH_OK ||
      vouch_cur_u32le(&c, &out->size) != VOUCH_OK ||
      vouch_cur_u32le(&c, &out->request_type) != VOUCH_OK || vouch_cur_skip(&c, 16) != VOUCH_OK ||
      vouch_cur_bytes(&c, VOUCH_SNP_REPORT_LEN, &out->report) != VOUCH_OK ||
      vouch_cur_u32le(&c, &out->data_size) != VOUCH_OK ||
      vouch_cur_u32le(&c, &out->data_version) != VOUCH_OK ||
      vouch_cur_u32le(&c, &out->report_type) != VOUCH_OK ||
      vouch_cur_u32le(&c, &out->hash_type) != VOUCH_OK ||
      vouch_cur_u32le(&c, &out->json_len) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TRUNCATED,
                      "snp: HCL report is %zu bytes, shorter than its headers (0x%X)", len,
                      VOUCH_SNP_HCL_JSON_OFFSET);
  }
  if (memcmp(magic, "HCLA", 4) != 0) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "snp: not an HCL report (no \"HCLA\" signature)");
  }
  if (out->report_type != 2) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "snp: HCL runtime claims are for report type %u (2 = SEV-SNP)",
                      out->report_type);
  }
  if (out->hash_type < 1 || out->hash_type > 3) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "snp: HCL hash type %u is not supported (1 SHA-256, 2 SHA-384, 3 SHA-512)",
                      out->hash_type);
  }
  const uint8_t *json;
  if (out->json_len == 0 || vouch_cur_bytes(&c, out->json_len, &json) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TRUNCATED,
                      "snp: HCL runtime claims of %u bytes do not fit the %zu-byte report",
                      out->json_len, len);
  }
  if ((uint64_t)out->data_size != (uint64_t)out->json_len + 20) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: HCL runtime data size %u is not 20 + the claims' %u bytes",
                      out->data_size, out->json_len);
  }
  size_t end = VOUCH_SNP_HCL_JSON_OFFSET + (size_t)out->json_len;
  if (out->size != end) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: HCL report size field %u does not match its content (%zu bytes)",
                      out->size, end);
  }
  for (size_t i = end; i < len; i++) {
    if (b[i] != 0) {
      return vouch_fail(err, VOUCH_E_TRAILING,
                        "snp: HCL report has non-zero bytes after its end (offset %zu)", i);
    }
  }
  json_error_t jerr;
  json_t *root = json_loadb((const char *)json, out->json_len, 0, &jerr);
  bool is_object = root != NULL && json_is_object(root);
  json_decref(root);
  if (!is_object) {
    return vouch_fail(err, VOUCH_E_JSON, "snp: HCL runtime claims are not a JSON object (%s)",
                      root == NULL ? jerr.text : "not an object");
  }
  out->json = (const char *)json;
  return VOUCH_OK;
}

/* ak_pub finds keys[kid == "HCLAkPub"] as compact JSON (malloc'd). */
static char *ak_pub(const vouch_snp_hcl *hcl, size_t *out_len) {
  json_t *root = json_loadb(hcl->json, hcl->json_len, 0, NULL);
  json_t *keys = json_object_get(root, "keys");
  char *text = NULL;
  size_t i;
  json_t *k;
  json_array_foreach(keys, i, k) {
    const char *kid = json_string_value(json_object_get(k, "kid"));
    if (kid != NULL && strcmp(kid, "HCLAkPub") == 0 && json_is_object(k)) {
      text = json_dumps(k, JSON_COMPACT);
      break;
    }
  }
  json_decref(root);
  *out_len = text ? strlen(text) : 0;
  return text;
}

void snp_azure_claims(const snp_azure_ctx *az, vouch_result *out) {
  vouch_result_claim_json(out, "snp_runtime_claims", az->hcl.json, az->hcl.json_len);
  if (az->ak_pub != NULL)
    vouch_result_claim_json(out, "snp_hcl_ak_pub", az->ak_pub, az->ak_pub_len);
}

vouch_status snp_azure_check(const snp_azure_ctx *az, const vouch_snp_report *rep, vouch_err *err) {
  static const vouch_hash kHash[4] = {VOUCH_HASH_SHA256, VOUCH_HASH_SHA256, VOUCH_HASH_SHA384,
                                      VOUCH_HASH_SHA512};
  static const char *const kName[4] = {"", "SHA-256", "SHA-384", "SHA-512"};
  uint8_t d[VOUCH_MAX_DIGEST_LEN];
  size_t n = 0;
  VOUCH_GUARD(vouch_digest(kHash[az->hcl.hash_type], az->hcl.json, az->hcl.json_len, d, &n));
  bool ok = memcmp(d, rep->report_data, n) == 0;
  for (size_t i = n; i < 64 && ok; i++) ok = rep->report_data[i] == 0;
  if (!ok) {
    return vouch_fail(err, VOUCH_E_BINDING,
                      "snp: REPORT_DATA is not the %s of the HCL runtime claims (then zeros)",
                      kName[az->hcl.hash_type]);
  }
  return VOUCH_OK;
}

/* copy_claim copies claim |name| of |from| into |to| (when present). */
static void copy_claim(const vouch_result *from, const char *name, vouch_result *to) {
  const vouch_claim *c = vouch_result_find_claim(from, name);
  if (c == NULL) return;
  const uint8_t *b = vouch_result_claim_bytes(from, c);
  switch (c->kind) {
    case VOUCH_CLAIM_BOOL:
      vouch_result_claim_bool(to, c->name, c->b);
      break;
    case VOUCH_CLAIM_INT:
      vouch_result_claim_int(to, c->name, c->i);
      break;
    case VOUCH_CLAIM_HEX:
      vouch_result_claim_hex(to, c->name, b, c->len);
      break;
    case VOUCH_CLAIM_JSON:
      vouch_result_claim_json(to, c->name, (const char *)b, c->len);
      break;
    case VOUCH_CLAIM_STRING: {
      char tmp[256];
      if (c->len < sizeof tmp) {
        memcpy(tmp, b, c->len);
        tmp[c->len] = '\0';
        vouch_result_claim_string(to, c->name, tmp);
      }
      break;
    }
    default:
      break;
  }
}

void snp_azure_vtpm(const snp_azure_ctx *az, int64_t at, vouch_result *out) {
  vouch_err err = {0};
  if (az->ak_pub == NULL) {
    vouch_fail(&err, VOUCH_E_COLLATERAL_MISSING,
               "snp: vTPM: the HCL runtime claims have no HCLAkPub key to verify the quote with");
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  const vouch_snp_vtpm *v = az->vtpm;
  vouch_tpm_evidence ev = {.quote = v->quote,
                           .quote_len = v->quote_len,
                           .sig = v->sig,
                           .sig_len = v->sig_len,
                           .ak_jwk = az->ak_pub,
                           .ak_jwk_len = az->ak_pub_len,
                           .pcr_values = v->pcr_values,
                           .pcr_values_len = v->pcr_values_len};
  vouch_tpm_opts to = {
      .at = at, .nonce = v->nonce, .nonce_len = v->nonce_len, .has_nonce = v->has_nonce};
  /* A whole result for the TPM verifier (its arena holds a PCR document):
   * too big for the stack of a worker thread. */
  vouch_result *t = malloc(sizeof(*t));
  if (t == NULL) {
    vouch_fail(&err, VOUCH_E_NOMEM, "snp: vTPM: out of memory");
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  vouch_tpm_verify(&ev, &to, t, NULL);
  if (t->verdict != VOUCH_VERDICT_AFFIRMING) {
    err = t->error;
    if (err.code == VOUCH_OK) vouch_fail(&err, VOUCH_E_INTERNAL, "quote not verified");
    vouch_err_prefix(&err, "snp: vTPM: ");
    vouch_result_fail(out,
                      t->verdict == VOUCH_VERDICT_CONTRAINDICATED ? VOUCH_VERDICT_CONTRAINDICATED
                                                                  : VOUCH_VERDICT_ERROR,
                      &err);
    free(t);
    return;
  }
  static const char *const kClaims[] = {"tpm_pcrs",       "tpm_pcr_selection", "tpm_pcr_digest",
                                        "tpm_extra_data", "tpm_sig_alg",       "tpm_nonce_checked"};
  for (size_t i = 0; i < sizeof kClaims / sizeof kClaims[0]; i++) copy_claim(t, kClaims[i], out);
  vouch_result_claim_bool(out, "snp_vtpm_verified", true);
  free(t);
}

/* ---- the "snp-azure" envelope's evidence object ------------------------------------------ */

void vouch_snp_azure_envelope_free(vouch_snp_azure_envelope *e) {
  if (e == NULL) return;
  free(e->hcl);
  free(e->storage);
  memset(e, 0, sizeof(*e));
}

vouch_status vouch_snp_azure_envelope_parse(const char *json, size_t len,
                                            vouch_snp_azure_envelope *out, vouch_err *err) {
  memset(out, 0, sizeof(*out));
  json_error_t jerr;
  json_t *root = json_loadb(json, len, 0, &jerr);
  if (!json_is_object(root)) {
    json_decref(root);
    return vouch_fail(err, VOUCH_E_JSON, "snp: snp-azure evidence is not a JSON object (%s)",
                      root == NULL ? jerr.text : "not an object");
  }
  static const char *const kB64[4] = {"hcl_report", "vtpm_quote", "vtpm_signature", "vtpm_pcrs"};
  const char *text[4] = {NULL};
  size_t text_len[4] = {0};
  vouch_status s = VOUCH_OK;
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    int k = -1;
    for (int i = 0; i < 4; i++)
      if (strcmp(key, kB64[i]) == 0) k = i;
    if (k < 0 && strcmp(key, "vtpm_nonce") != 0) {
      s = vouch_fail(err, VOUCH_E_JSON,
                     "snp: snp-azure evidence: unknown member \"%.40s\" (hcl_report, vtpm_quote, "
                     "vtpm_signature, vtpm_pcrs, vtpm_nonce)",
                     key);
      goto done;
    }
    if (!json_is_string(v)) {
      s = vouch_fail(err, VOUCH_E_JSON, "snp: snp-azure evidence: \"%s\" must be a string", key);
      goto done;
    }
    if (k >= 0) {
      text[k] = json_string_value(v);
      text_len[k] = json_string_length(v);
    }
  }
  if (text[0] == NULL) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "snp: snp-azure evidence has no \"hcl_report\"");
    goto done;
  }
  if ((text[1] == NULL) != (text[2] == NULL) || (text[3] != NULL && text[1] == NULL)) {
    s = vouch_fail(err, VOUCH_E_MALFORMED,
                   "snp: snp-azure evidence: vtpm_quote and vtpm_signature go together (and "
                   "vtpm_pcrs with them)");
    goto done;
  }
  size_t cap = 0;
  for (int i = 1; i < 4; i++) cap += text[i] ? vouch_base64_decoded_max(text_len[i]) : 0;
  json_t *nonce = json_object_get(root, "vtpm_nonce");
  size_t nonce_hex = nonce ? json_string_length(nonce) : 0;
  if (nonce != NULL && (nonce_hex == 0 || nonce_hex % 2 != 0 || nonce_hex > 128)) {
    s = vouch_fail(err, VOUCH_E_MALFORMED,
                   "snp: snp-azure evidence: \"vtpm_nonce\" must be 1 to 64 bytes in hex");
    goto done;
  }
  cap += nonce_hex / 2;
  out->storage = malloc(cap + 1);
  out->hcl = malloc(vouch_base64_decoded_max(text_len[0]) + 1);
  if (out->storage == NULL || out->hcl == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "snp: out of memory");
    goto done;
  }
  if (vouch_base64_decode(text[0], text_len[0], out->hcl, vouch_base64_decoded_max(text_len[0]),
                          &out->hcl_len) != VOUCH_OK) {
    s = vouch_fail(err, VOUCH_E_BASE64, "snp: snp-azure evidence: \"hcl_report\" is not base64");
    goto done;
  }
  size_t off = 0;
  const uint8_t **views[4] = {NULL, &out->vtpm.quote, &out->vtpm.sig, &out->vtpm.pcr_values};
  size_t *lens[4] = {NULL, &out->vtpm.quote_len, &out->vtpm.sig_len, &out->vtpm.pcr_values_len};
  for (int i = 1; i < 4; i++) {
    if (text[i] == NULL) continue;
    size_t n = 0, max = vouch_base64_decoded_max(text_len[i]);
    if (vouch_base64_decode(text[i], text_len[i], out->storage + off, max, &n) != VOUCH_OK ||
        n == 0) {
      s = vouch_fail(err, VOUCH_E_BASE64, "snp: snp-azure evidence: \"%s\" is not base64", kB64[i]);
      goto done;
    }
    *views[i] = out->storage + off;
    *lens[i] = n;
    off += n;
  }
  if (nonce != NULL) {
    if (vouch_hex_decode(json_string_value(nonce), nonce_hex, out->storage + off, nonce_hex / 2) !=
        VOUCH_OK) {
      s = vouch_fail(err, VOUCH_E_MALFORMED, "snp: snp-azure evidence: \"vtpm_nonce\" is not hex");
      goto done;
    }
    out->vtpm.nonce = out->storage + off;
    out->vtpm.nonce_len = nonce_hex / 2;
    out->vtpm.has_nonce = true;
  }
  out->has_vtpm = text[1] != NULL;
done:
  json_decref(root);
  if (s != VOUCH_OK) vouch_snp_azure_envelope_free(out);
  return s;
}

void vouch_snp_azure_verify(const uint8_t *hcl, size_t len, const vouch_snp_collateral *coll,
                            const vouch_snp_opts *opts, vouch_result *out) {
  vouch_snp_azure_verify_vtpm(hcl, len, coll, opts, NULL, out);
}

void vouch_snp_azure_verify_vtpm(const uint8_t *hcl, size_t len, const vouch_snp_collateral *coll,
                                 const vouch_snp_opts *opts, const vouch_snp_vtpm *vtpm,
                                 vouch_result *out) {
  vouch_result_init(out, opts->at);
  vouch_err err = {0};
  snp_azure_ctx az;
  memset(&az, 0, sizeof(az));
  if (vouch_snp_hcl_parse(hcl, len, &az.hcl, &err) != VOUCH_OK) {
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  uint8_t h[VOUCH_SHA256_LEN];
  vouch_sha256(hcl, len, h);
  vouch_result_add_item(out, "hcl_report", h);
  az.ak_pub = ak_pub(&az.hcl, &az.ak_pub_len);
  az.vtpm = vtpm;
  snp_verify_core(az.hcl.report, VOUCH_SNP_REPORT_LEN, coll, opts, &az, out);
  free(az.ak_pub);
}

/* ---- evidence documents ----------------------------------------------------------------- */

vouch_status vouch_snp_azure_evidence_parse(const char *text, size_t len, uint8_t **out_hcl,
                                            size_t *out_len, vouch_snp_collateral *coll,
                                            vouch_err *err) {
  if (text == NULL || out_hcl == NULL || out_len == NULL || coll == NULL) {
    return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  }
  json_error_t jerr;
  json_t *root = json_loadb(text, len, 0, &jerr);
  if (!json_is_object(root)) {
    json_decref(root);
    return vouch_fail(err, VOUCH_E_JSON, "snp: Azure evidence is not a JSON object (%s)",
                      root == NULL ? jerr.text : "not an object");
  }
  vouch_status s = VOUCH_OK;
  uint8_t *bytes = NULL;
  json_t *report = json_object_get(root, "report");
  size_t n = json_array_size(report);
  if (!json_is_array(report) || n == 0 || n > VOUCH_LIMIT_EVIDENCE) {
    s = vouch_fail(err, VOUCH_E_MALFORMED,
                   "snp: Azure evidence has no \"report\" array of bytes (1..%d)",
                   VOUCH_LIMIT_EVIDENCE);
    goto done;
  }
  bytes = malloc(n);
  if (bytes == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "snp: out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    json_t *v = json_array_get(report, i);
    json_int_t b = json_integer_value(v);
    if (!json_is_integer(v) || b < 0 || b > 255) {
      s = vouch_fail(err, VOUCH_E_MALFORMED, "snp: Azure evidence \"report\"[%zu] is not a byte",
                     i);
      goto done;
    }
    bytes[i] = (uint8_t)b;
  }
  json_t *vcek = json_object_get(root, "vcek");
  if (vcek != NULL) {
    if (!json_is_string(vcek)) {
      s = vouch_fail(err, VOUCH_E_MALFORMED, "snp: Azure evidence \"vcek\" is not a string");
      goto done;
    }
    s = vouch_snp_collateral_add(coll, (const uint8_t *)json_string_value(vcek),
                                 json_string_length(vcek), err);
    if (s != VOUCH_OK) goto done;
  }
  *out_hcl = bytes;
  *out_len = n;
  bytes = NULL;
done:
  free(bytes);
  json_decref(root);
  return s;
}

/* decode_b64 decodes standard or URL-safe base64 (whitespace skipped). */
static vouch_status decode_b64(const char *in, size_t len, uint8_t **out, size_t *out_len) {
  size_t cap = vouch_base64_decoded_max(len) + 1;
  uint8_t *b = malloc(cap);
  if (b == NULL) return VOUCH_E_NOMEM;
  vouch_status s = vouch_base64_decode_mime(in, len, b, cap, out_len);
  if (s != VOUCH_OK) {
    free(b);
    return s;
  }
  b[*out_len] = 0;
  *out = b;
  return VOUCH_OK;
}

vouch_status vouch_snp_maa_request_parse(const char *text, size_t len, uint8_t **out_report,
                                         size_t *out_len, bool *out_is_hcl,
                                         vouch_snp_collateral *coll, vouch_err *err) {
  if (text == NULL || out_report == NULL || out_len == NULL || out_is_hcl == NULL || coll == NULL) {
    return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  }
  if (len > VOUCH_LIMIT_LINE) {
    return vouch_fail(err, VOUCH_E_LIMIT, "snp: SevSnpVm report of %zu bytes exceeds the limit",
                      len);
  }
  size_t a = 0;
  while (a < len && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r' || text[a] == '\n')) a++;
  uint8_t *decoded = NULL;
  const char *json = text + a;
  size_t json_len = len - a;
  if (json_len == 0 || json[0] != '{') {
    size_t n = 0;
    if (decode_b64(json, json_len, &decoded, &n) != VOUCH_OK) {
      return vouch_fail(err, VOUCH_E_BASE64, "snp: SevSnpVm \"report\" is not base64 of JSON");
    }
    json = (const char *)decoded;
    json_len = n;
  }
  json_error_t jerr;
  json_t *root = json_loadb(json, json_len, 0, &jerr);
  vouch_status s = VOUCH_OK;
  uint8_t *report = NULL, *chain = NULL;
  size_t report_len = 0, chain_len = 0;
  if (!json_is_object(root)) {
    s = vouch_fail(err, VOUCH_E_JSON, "snp: SevSnpVm report is not a JSON object (%s)",
                   root == NULL ? jerr.text : "not an object");
    goto done;
  }
  json_t *r = json_object_get(root, "SnpReport");
  if (!json_is_string(r) ||
      decode_b64(json_string_value(r), json_string_length(r), &report, &report_len) != VOUCH_OK) {
    s = vouch_fail(err, VOUCH_E_MALFORMED,
                   "snp: SevSnpVm report has no \"SnpReport\" string in base64url");
    goto done;
  }
  bool hcl = report_len >= 4 && memcmp(report, "HCLA", 4) == 0;
  if (!hcl && report_len != VOUCH_SNP_REPORT_LEN) {
    s = vouch_fail(err, VOUCH_E_MALFORMED,
                   "snp: SevSnpVm \"SnpReport\" is %zu bytes: neither an SNP report (%u) nor an "
                   "HCL report",
                   report_len, VOUCH_SNP_REPORT_LEN);
    goto done;
  }
  json_t *vc = json_object_get(root, "VcekCertChain");
  if (vc != NULL) {
    if (!json_is_string(vc)) {
      s = vouch_fail(err, VOUCH_E_MALFORMED, "snp: SevSnpVm \"VcekCertChain\" is not a string");
      goto done;
    }
    const char *v = json_string_value(vc);
    size_t vlen = json_string_length(vc);
    if (strstr(v, "-----BEGIN") != NULL) {
      s = vouch_snp_collateral_add(coll, (const uint8_t *)v, vlen, err);
    } else if (decode_b64(v, vlen, &chain, &chain_len) == VOUCH_OK) {
      s = vouch_snp_collateral_add(coll, chain, chain_len, err);
    } else {
      s = vouch_fail(err, VOUCH_E_BASE64, "snp: SevSnpVm \"VcekCertChain\" is not base64 of PEM");
    }
    if (s != VOUCH_OK) goto done;
  }
  *out_report = report;
  *out_len = report_len;
  *out_is_hcl = hcl;
  report = NULL;
done:
  free(report);
  free(chain);
  free(decoded);
  json_decref(root);
  return s;
}
