/* verifiers/tpm/verify.c - one TPM quote -> vouch_result (see tpm.h for the
 * order of checks and the claims).  The verdict starts as error and only
 * the last step flips it to affirming. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/tpm/internal.h"

#define TPM_RH_ENDORSEMENT 0x4000000Bu

static vouch_verdict verdict_for(vouch_status s) {
  switch (s) {
    case VOUCH_E_SIGNATURE:
    case VOUCH_E_CHAIN:
    case VOUCH_E_UNTRUSTED_ROOT:
    case VOUCH_E_REVOKED:
    case VOUCH_E_EXPIRED:
    case VOUCH_E_NOT_YET_VALID:
    case VOUCH_E_BINDING:
      return VOUCH_VERDICT_CONTRAINDICATED;
    default:
      return VOUCH_VERDICT_ERROR;
  }
}

static void fail(vouch_result *out, vouch_err *err) {
  if (strncmp(err->msg, "tpm:", 4) != 0) vouch_err_prefix(err, "tpm: ");
  vouch_result_fail(out, verdict_for(err->code), err);
}

#define FAIL_RETURN                                                                          \
  do {                                                                                       \
    fail(out, &err);                                                                         \
    return;                                                                                  \
  } while (0)

static void hex_of(const uint8_t *p, size_t n, char *out, size_t cap) {
  if (2 * n + 1 > cap) n = (cap - 1) / 2;
  vouch_hex_encode(p, n, out);
}

/* mask_list writes "0,1,2" for |mask|. */
static void mask_list(uint32_t mask, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (int p = 0; p < VOUCH_TPM_NUM_PCRS && n < cap; p++) {
    if (mask & (1u << p)) n += (size_t)snprintf(out + n, cap - n, "%s%d", n ? "," : "", p);
  }
}

/* The AK, from whichever form the evidence has. */
typedef struct {
  struct vouch_pubkey *key; /* owned */
  vouch_tpm_public pub;     /* for TPM2B/TPMT AKs */
  bool has_pub;
  const char *source;
  bool cert_validated;
} ak_info;

static vouch_status load_ak(const vouch_tpm_evidence *ev, const vouch_tpm_opts *opts,
                            ak_info *ak, vouch_err *err) {
  int forms = (ev->ak_pub_len > 0) + (ev->ak_pem_len > 0) + (ev->ak_jwk_len > 0) +
              (ev->ak_cert_len > 0);
  if (forms != 1) {
    return vouch_fail(err, VOUCH_E_ARG,
                      forms == 0 ? "tpm: no attestation key (ak_pub, ak_pem, ak_jwk or ak_cert)"
                                 : "tpm: more than one attestation key given");
  }
  if (ev->ak_pub_len > 0) {
    ak->source = "tpm2b";
    VOUCH_GUARD(vouch_tpm_public_parse(ev->ak_pub, ev->ak_pub_len, &ak->pub, err));
    ak->has_pub = true;
    VOUCH_GUARD(vouch_tpm_public_check_ak(&ak->pub, err));
    ak->key = ak->pub.key;
    vouch_pubkey_up_ref(ak->key);
    return VOUCH_OK;
  }
  if (ev->ak_pem_len > 0) {
    ak->source = "pem";
    if (vouch_pubkey_from_pem(ev->ak_pem, ev->ak_pem_len, &ak->key) != VOUCH_OK) {
      return vouch_fail(err, VOUCH_E_PEM, "tpm: the AK PEM is not a public key");
    }
    return VOUCH_OK;
  }
  if (ev->ak_jwk_len > 0) {
    ak->source = "jwk";
    vouch_err e2 = {0};
    if (vouch_pubkey_from_jwk(ev->ak_jwk, ev->ak_jwk_len, &ak->key, &e2) != VOUCH_OK) {
      return vouch_fail(err, e2.code ? e2.code : VOUCH_E_JSON, "tpm: AK JWK: %s", e2.msg);
    }
    return VOUCH_OK;
  }
  ak->source = "cert";
  if (opts->ak_anchors == NULL) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                      "tpm: an AK certificate needs trust anchors (ak_anchors)");
  }
  struct vouch_cert *certs[VOUCH_LIMIT_PEM_CHAIN_CERTS] = {0};
  size_t num = 0;
  vouch_status s;
  bool pem = ev->ak_cert_len > 10 && memcmp(ev->ak_cert, "-----BEGIN", 10) == 0;
  if (pem) {
    s = vouch_cert_chain_from_pem((const char *)ev->ak_cert, ev->ak_cert_len, certs,
                                  VOUCH_LIMIT_PEM_CHAIN_CERTS, &num, err);
  } else {
    s = vouch_cert_from_der(ev->ak_cert, ev->ak_cert_len, &certs[0]);
    num = s == VOUCH_OK ? 1 : 0;
    if (s != VOUCH_OK) s = vouch_fail(err, s, "tpm: the AK certificate is not DER X.509");
  }
  if (s == VOUCH_OK) {
    vouch_chain_opts co = {.at = opts->at};
    vouch_chain_result cr;
    s = vouch_chain_verify(opts->ak_anchors, certs[0], certs + 1, num - 1, NULL, 0, &co, &cr,
                           err);
    if (s != VOUCH_OK) {
      vouch_err_prefix(err, "tpm: AK certificate: ");
    } else {
      s = vouch_cert_pubkey(certs[0], &ak->key);
      ak->cert_validated = s == VOUCH_OK;
    }
  }
  for (size_t i = 0; i < num; i++) vouch_cert_free(certs[i]);
  return s;
}

/* add_pcr_claims writes tpm_pcrs and "pcrs" for the PCRs |sel| covers. */
static void pcr_docs(const vouch_tpm_selection *sel, const vouch_tpm_pcrs *vals, vouch_buf *tpm,
                     vouch_buf *azure) {
  vouch_json j;
  vouch_json_init(&j, tpm);
  vouch_json_begin_object(&j);
  for (size_t i = 0; i < sel->num; i++) {
    const vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_find(vals, sel->sel[i].hash_alg);
    if (b == NULL || sel->sel[i].mask == 0) continue;
    size_t n = vouch_tpm_hash_len(b->hash_alg);
    vouch_json_key(&j, vouch_tpm_hash_name(b->hash_alg));
    vouch_json_begin_object(&j);
    for (int p = 0; p < VOUCH_TPM_NUM_PCRS; p++) {
      if (!(sel->sel[i].mask & (1u << p))) continue;
      char k[4];
      snprintf(k, sizeof(k), "%d", p);
      vouch_json_key(&j, k);
      vouch_json_hex(&j, b->value[p], n);
    }
    vouch_json_end_object(&j);
  }
  vouch_json_end_object(&j);
  /* Azure: {"PCRs": [{"Index": 0, "Digests": {"SHA256": "hex"}}]} by index. */
  vouch_json_init(&j, azure);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "PCRs");
  vouch_json_begin_array(&j);
  for (int p = 0; p < VOUCH_TPM_NUM_PCRS; p++) {
    bool any = false;
    for (size_t i = 0; i < sel->num; i++) any |= (sel->sel[i].mask >> p) & 1;
    if (!any) continue;
    vouch_json_begin_object(&j);
    vouch_json_key(&j, "Index");
    vouch_json_int(&j, p);
    vouch_json_key(&j, "Digests");
    vouch_json_begin_object(&j);
    for (size_t i = 0; i < sel->num; i++) {
      if (!((sel->sel[i].mask >> p) & 1)) continue;
      const vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_find(vals, sel->sel[i].hash_alg);
      if (b == NULL) continue;
      vouch_json_key(&j, tpm_hash_upper(b->hash_alg));
      vouch_json_hex(&j, b->value[p], vouch_tpm_hash_len(b->hash_alg));
    }
    vouch_json_end_object(&j);
    vouch_json_end_object(&j);
  }
  vouch_json_end_array(&j);
  vouch_json_end_object(&j);
}

/* compute_pcr_digest hashes the selected values in selection order. */
static vouch_status compute_pcr_digest(const vouch_tpm_selection *sel, const vouch_tpm_pcrs *vals,
                                       uint16_t hash_alg, uint8_t *out, size_t *out_len,
                                       vouch_err *err) {
  vouch_hash h;
  if (!tpm_hash(hash_alg, &h)) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: hash 0x%04x", hash_alg);
  }
  vouch_buf cat;
  vouch_buf_init(&cat, VOUCH_TPM_MAX_SELECTIONS * VOUCH_TPM_NUM_PCRS * VOUCH_TPM_MAX_DIGEST);
  for (size_t i = 0; i < sel->num; i++) {
    const vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_find(vals, sel->sel[i].hash_alg);
    for (int p = 0; p < VOUCH_TPM_NUM_PCRS; p++) {
      if (!(sel->sel[i].mask & (1u << p))) continue;
      if (b == NULL || !(b->present & (1u << p))) {
        vouch_buf_free(&cat);
        return vouch_fail(err, VOUCH_E_ARG, "tpm: no value for PCR %d (%s), which the quote "
                          "covers", p, vouch_tpm_hash_name(sel->sel[i].hash_alg));
      }
      vouch_buf_append(&cat, b->value[p], vouch_tpm_hash_len(b->hash_alg));
    }
  }
  vouch_status s = vouch_buf_status(&cat);
  if (s == VOUCH_OK) s = vouch_digest(h, cat.len ? cat.data : "", cat.len, out, out_len);
  vouch_buf_free(&cat);
  if (s != VOUCH_OK) return vouch_fail(err, s, "tpm: hashing the PCR values failed");
  return VOUCH_OK;
}

static const char *sig_alg_name(const vouch_tpm_signature *sig, char buf[32]) {
  const char *a = sig->sig_alg == VOUCH_TPM_ALG_RSASSA  ? "rsassa"
                  : sig->sig_alg == VOUCH_TPM_ALG_RSAPSS ? "rsapss"
                                                         : "ecdsa";
  snprintf(buf, 32, "%s-%s", a, vouch_tpm_hash_name(sig->hash_alg));
  return buf;
}

/* The work state of one verification (heap: the PCR sets are ~6 KB each). */
typedef struct {
  vouch_tpm_attest q;
  vouch_tpm_signature sig;
  ak_info ak;
  vouch_tpm_public ek;
  bool has_ek;
  vouch_tpm_pcrs values;
  vouch_eventlog_replay replay;
  vouch_buf tmp_tpm, tmp_azure, tmp_events;
} work;

static void run(const vouch_tpm_evidence *ev, const vouch_tpm_opts *opts, vouch_result *out,
                vouch_tpm_docs *docs, work *w) {
  vouch_err err = {0};
  if ((ev->quote == NULL && ev->quote_len) || (ev->sig == NULL && ev->sig_len)) {
    vouch_fail(&err, VOUCH_E_ARG, "tpm: bad evidence pointers");
    FAIL_RETURN;
  }
  if (ev->quote_len == 0) {
    vouch_fail(&err, VOUCH_E_ARG, "tpm: no quote");
    FAIL_RETURN;
  }
  if (ev->sig_len == 0) {
    vouch_fail(&err, VOUCH_E_ARG, "tpm: no quote signature");
    FAIL_RETURN;
  }
  /* 1. The quote. */
  if (vouch_tpm_attest_parse(ev->quote, ev->quote_len, &w->q, &err) != VOUCH_OK) {
    FAIL_RETURN;
  }
  out->attestation_type = "tpm";
  uint8_t qhash[32];
  vouch_sha256(ev->quote, ev->quote_len, qhash);
  vouch_result_add_item(out, "quote", qhash);
  vouch_result_claim_int(out, "tpmVersion", 2);
  vouch_result_claim_bool(out, "tpm_magic_ok", true);
  vouch_result_claim_hex(out, "tpm_qualified_signer", w->q.qualified_signer,
                         w->q.qualified_signer_len);
  vouch_result_claim_hex(out, "tpm_extra_data", w->q.extra_data, w->q.extra_data_len);
  vouch_result_claim_int(out, "tpm_clock", (int64_t)(w->q.clock & INT64_MAX));
  vouch_result_claim_int(out, "tpm_reset_count", w->q.reset_count);
  vouch_result_claim_int(out, "tpm_restart_count", w->q.restart_count);
  vouch_result_claim_bool(out, "tpm_safe", w->q.safe);
  uint8_t fw[8];
  for (int i = 0; i < 8; i++) fw[i] = (uint8_t)(w->q.firmware_version >> (56 - 8 * i));
  vouch_result_claim_hex(out, "tpm_firmware_version", fw, 8);
  vouch_buf selbuf;
  vouch_buf_init(&selbuf, 4096);
  vouch_tpm_selection_format(&w->q.selection, &selbuf);
  vouch_result_claim_string(out, "tpm_pcr_selection", vouch_buf_cstr(&selbuf));
  vouch_buf_free(&selbuf);
  vouch_result_claim_hex(out, "tpm_pcr_digest", w->q.pcr_digest, w->q.pcr_digest_len);

  /* 2. The signature, 3. the AK. */
  if (vouch_tpm_signature_parse(ev->sig, ev->sig_len, ev->sig_format, ev->bare_hash_alg, &w->sig,
                                &err) != VOUCH_OK) {
    FAIL_RETURN;
  }
  char an[32];
  vouch_result_claim_string(out, "tpm_sig_alg", sig_alg_name(&w->sig, an));
  if (load_ak(ev, opts, &w->ak, &err) != VOUCH_OK) FAIL_RETURN;
  vouch_result_claim_string(out, "tpm_ak_source", w->ak.source);
  vouch_result_claim_bool(out, "aikValidated", w->ak.cert_validated);
  uint8_t *spki = NULL;
  size_t spki_len = 0;
  if (vouch_pubkey_spki_der(w->ak.key, &spki, &spki_len) == VOUCH_OK) {
    uint8_t h[32];
    vouch_sha256(spki, spki_len, h);
    vouch_buf b64;
    vouch_buf_init(&b64, 128);
    vouch_base64_encode(&b64, h, sizeof(h));
    vouch_result_claim_string(out, "aikPubHash", vouch_buf_cstr(&b64));
    vouch_buf_free(&b64);
    vouch_result_add_item(out, "ak", h);
    free(spki);
  }
  if (w->ak.has_pub) {
    vouch_result_claim_hex(out, "tpm_ak_name", w->ak.pub.name, w->ak.pub.name_len);
    /* A restricted key signs only with its own scheme. */
    if (w->ak.pub.scheme != VOUCH_TPM_ALG_NULL &&
        (w->ak.pub.scheme != w->sig.sig_alg || w->ak.pub.scheme_hash != w->sig.hash_alg)) {
      vouch_fail(&err, VOUCH_E_SIGNATURE,
                 "tpm: signature scheme 0x%04x/%s does not match the AK's scheme 0x%04x/%s",
                 w->sig.sig_alg, vouch_tpm_hash_name(w->sig.hash_alg), w->ak.pub.scheme,
                 vouch_tpm_hash_name(w->ak.pub.scheme_hash) ? vouch_tpm_hash_name(
                                                                  w->ak.pub.scheme_hash)
                                                            : "?");
      FAIL_RETURN;
    }
  }
  if (vouch_tpm_verify_signature(w->ak.key, &w->sig, ev->quote, ev->quote_len, &err) !=
      VOUCH_OK) {
    FAIL_RETURN;
  }

  /* 4. qualifiedSigner. */
  bool qs_checked = false;
  if (ev->ek_pub_len > 0) {
    if (vouch_tpm_public_parse(ev->ek_pub, ev->ek_pub_len, &w->ek, &err) != VOUCH_OK) {
      vouch_err e2 = {0};
      vouch_fail(&e2, err.code, "tpm: EK: %s",
                 strncmp(err.msg, "tpm: ", 5) == 0 ? err.msg + 5 : err.msg);
      err = e2;
      FAIL_RETURN;
    }
    w->has_ek = true;
    if (!w->ak.has_pub) {
      vouch_fail(&err, VOUCH_E_ARG,
                 "tpm: checking qualifiedSigner needs the AK as TPM2B_PUBLIC (its Name), not %s",
                 w->ak.source);
      FAIL_RETURN;
    }
    uint8_t qn[VOUCH_TPM_MAX_NAME];
    size_t qn_len = 0;
    if (vouch_tpm_qualified_name(&w->ak.pub, &w->ek, TPM_RH_ENDORSEMENT, qn, &qn_len) !=
        VOUCH_OK) {
      vouch_fail(&err, VOUCH_E_UNSUPPORTED, "tpm: cannot compute the AK's qualified name");
      FAIL_RETURN;
    }
    if (qn_len != w->q.qualified_signer_len || memcmp(qn, w->q.qualified_signer, qn_len) != 0) {
      char a[2 * VOUCH_TPM_MAX_NAME + 1], b[2 * VOUCH_TPM_MAX_NAME + 1];
      hex_of(qn, qn_len, a, sizeof(a));
      hex_of(w->q.qualified_signer, w->q.qualified_signer_len, b, sizeof(b));
      vouch_fail(&err, VOUCH_E_BINDING,
                 "tpm: qualifiedSigner %s is not the AK's qualified name under the EK (%s)", b, a);
      FAIL_RETURN;
    }
    qs_checked = true;
  } else if (opts->require_qualified_signer) {
    vouch_fail(&err, VOUCH_E_ARG, "tpm: no EK given to check qualifiedSigner against");
    FAIL_RETURN;
  }
  vouch_result_claim_bool(out, "tpm_qualified_signer_checked", qs_checked);

  /* 5. The nonce. */
  if (opts->has_nonce) {
    if (opts->nonce_len != w->q.extra_data_len ||
        (opts->nonce_len && memcmp(opts->nonce, w->q.extra_data, opts->nonce_len) != 0)) {
      char a[129], b[129];
      hex_of(w->q.extra_data, w->q.extra_data_len, a, sizeof(a));
      hex_of(opts->nonce, opts->nonce_len, b, sizeof(b));
      vouch_fail(&err, VOUCH_E_BINDING, "tpm: extraData %s is not the expected nonce %s", a, b);
      FAIL_RETURN;
    }
  }
  vouch_result_claim_bool(out, "tpm_nonce_checked", opts->has_nonce);

  /* 6. The selection. */
  if (opts->selection != NULL && !vouch_tpm_selection_equal(opts->selection, &w->q.selection)) {
    vouch_buf a, b;
    vouch_buf_init(&a, 1024);
    vouch_buf_init(&b, 1024);
    vouch_tpm_selection_format(&w->q.selection, &a);
    vouch_tpm_selection_format(opts->selection, &b);
    vouch_fail(&err, VOUCH_E_BINDING, "tpm: the quote covers PCRs %s, not the expected %s",
               vouch_buf_cstr(&a), vouch_buf_cstr(&b));
    vouch_buf_free(&a);
    vouch_buf_free(&b);
    FAIL_RETURN;
  }

  /* 8 (first half). Replay the log, when there is one. */
  bool have_log = ev->event_log_len > 0;
  if (!have_log && opts->require_event_log) {
    vouch_fail(&err, VOUCH_E_ARG, "tpm: no event log");
    FAIL_RETURN;
  }
  if (have_log) {
    if (vouch_eventlog_replay_log(ev->event_log, ev->event_log_len, &w->replay, &err) !=
        VOUCH_OK) {
      FAIL_RETURN;
    }
    vouch_result_claim_string(out, "tpm_event_log_format",
                              w->replay.crypto_agile ? "crypto-agile" : "legacy");
    vouch_result_claim_int(out, "tpm_event_log_events", (int64_t)w->replay.num_events);
  }

  /* 7. pcrDigest over the given values (or the replayed ones). */
  int given = (ev->pcr_values_len > 0) + (ev->pcrs != NULL);
  if (given > 1) {
    vouch_fail(&err, VOUCH_E_ARG, "tpm: PCR values given twice (pcr_values and pcrs)");
    FAIL_RETURN;
  }
  bool have_values = false;
  const char *values_from = "PCRs";
  if (ev->pcr_values_len > 0) {
    if (vouch_tpm_pcrs_from_values(&w->q.selection, ev->pcr_values, ev->pcr_values_len,
                                   &w->values, &err) != VOUCH_OK) {
      FAIL_RETURN;
    }
    have_values = true;
  } else if (ev->pcrs != NULL) {
    w->values = *ev->pcrs;
    have_values = true;
  } else if (have_log) {
    w->values = w->replay.pcrs;
    have_values = true;
    values_from = "the event log replay of PCRs";
  }
  if (have_values) {
    uint8_t d[VOUCH_TPM_MAX_DIGEST];
    size_t dl = 0;
    if (compute_pcr_digest(&w->q.selection, &w->values, w->sig.hash_alg, d, &dl, &err) !=
        VOUCH_OK) {
      FAIL_RETURN;
    }
    if (dl != w->q.pcr_digest_len || memcmp(d, w->q.pcr_digest, dl) != 0) {
      vouch_buf sb;
      vouch_buf_init(&sb, 1024);
      for (size_t i = 0; i < w->q.selection.num; i++) {
        char list[96];
        mask_list(w->q.selection.sel[i].mask, list, sizeof(list));
        vouch_buf_printf(&sb, "%s%s (%s)", i ? "; " : "", list,
                         vouch_tpm_hash_name(w->q.selection.sel[i].hash_alg));
      }
      vouch_fail(&err, VOUCH_E_BINDING, "tpm: pcrDigest does not match %s %s", values_from,
                 vouch_buf_cstr(&sb));
      vouch_buf_free(&sb);
      FAIL_RETURN;
    }
  }

  /* 8 (second half). Replayed == quoted for every quoted PCR. */
  uint32_t replay_verified = 0;
  if (have_log) {
    uint32_t must = opts->replay_mask ? opts->replay_mask : 0xFFFFFFu;
    for (size_t i = 0; i < w->q.selection.num; i++) {
      const vouch_tpm_pcr_select *sel = &w->q.selection.sel[i];
      uint32_t check = sel->mask & must;
      if (check == 0) continue;
      const vouch_tpm_pcr_bank *rb = vouch_tpm_pcrs_find(&w->replay.pcrs, sel->hash_alg);
      const vouch_tpm_pcr_bank *qb = vouch_tpm_pcrs_find(&w->values, sel->hash_alg);
      if (rb == NULL) {
        vouch_fail(&err, VOUCH_E_BINDING,
                   "tpm: the event log has no %s bank, but the quote covers %s PCRs",
                   vouch_tpm_hash_name(sel->hash_alg), vouch_tpm_hash_name(sel->hash_alg));
        FAIL_RETURN;
      }
      size_t n = vouch_tpm_hash_len(sel->hash_alg);
      for (int p = 0; p < VOUCH_TPM_NUM_PCRS; p++) {
        if (!(check & (1u << p))) continue;
        if (memcmp(rb->value[p], qb->value[p], n) != 0) {
          char a[129], b[129];
          hex_of(rb->value[p], n, a, sizeof(a));
          hex_of(qb->value[p], n, b, sizeof(b));
          vouch_fail(&err, VOUCH_E_BINDING,
                     "tpm: event log replay of PCR %d (%s) gives %s but the quote has %s", p,
                     vouch_tpm_hash_name(sel->hash_alg), a, b);
          FAIL_RETURN;
        }
        replay_verified |= 1u << p;
      }
    }
    vouch_result_claim_bool(out, "tpm_event_log_replayed", true);
  }

  /* Claims from the values and the log. */
  if (have_values) {
    vouch_buf_init(&w->tmp_tpm, 1u << 20);
    vouch_buf_init(&w->tmp_azure, 1u << 20);
    vouch_buf *az = docs ? &docs->pcrs : &w->tmp_azure;
    if (docs) vouch_buf_reset(&docs->pcrs);
    pcr_docs(&w->q.selection, &w->values, &w->tmp_tpm, az);
    if (vouch_buf_status(&w->tmp_tpm) == VOUCH_OK && vouch_buf_status(az) == VOUCH_OK) {
      vouch_result_claim_json(out, "tpm_pcrs", w->tmp_tpm.data, w->tmp_tpm.len);
      vouch_result_claim_json(out, "pcrs", az->data, az->len);
    }
  }
  if (have_log) {
    vouch_buf *evb = docs ? &docs->events : &w->tmp_events;
    if (docs) vouch_buf_reset(evb);
    else vouch_buf_init(evb, VOUCH_TPM_MAX_DOC);
    vouch_tpm_derived derived;
    if (vouch_tpm_events_json(ev->event_log, ev->event_log_len, replay_verified,
                              opts->events_raw_data, evb, &derived, &err) != VOUCH_OK) {
      FAIL_RETURN;
    }
    /* Whole or not at all: a partial list could flip a policy's verdict. */
    if (evb->len <= VOUCH_RESULT_ARENA - out->arena_len &&
        out->num_claims + VOUCH_TPM_D_COUNT + 1 < VOUCH_RESULT_MAX_CLAIMS) {
      vouch_result_claim_json(out, "events", evb->data, evb->len);
    }
    for (int k = 0; k < VOUCH_TPM_D_COUNT; k++) {
      if (derived.has[k]) {
        vouch_result_claim_bool(out, vouch_tpm_derived_claim_name(k), derived.value[k]);
      }
    }
  }
  out->verdict = VOUCH_VERDICT_AFFIRMING;
}

void vouch_tpm_verify(const vouch_tpm_evidence *ev, const vouch_tpm_opts *opts,
                      vouch_result *out, vouch_tpm_docs *docs) {
  vouch_result_init(out, opts ? opts->at : 0);
  vouch_err err = {0};
  if (ev == NULL || opts == NULL) {
    vouch_fail(&err, VOUCH_E_ARG, "tpm: no evidence or options");
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  work *w = calloc(1, sizeof(*w));
  if (w == NULL) {
    vouch_fail(&err, VOUCH_E_NOMEM, "tpm: out of memory");
    vouch_result_fail(out, VOUCH_VERDICT_ERROR, &err);
    return;
  }
  run(ev, opts, out, docs, w);
  vouch_pubkey_free(w->ak.key);
  vouch_tpm_public_cleanup(&w->ak.pub);
  vouch_tpm_public_cleanup(&w->ek);
  vouch_buf_free(&w->tmp_tpm);
  vouch_buf_free(&w->tmp_azure);
  vouch_buf_free(&w->tmp_events);
  free(w);
  vouch_crypto_clear_errors();
}
