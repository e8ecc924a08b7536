/* Integration tests on the real TPM vectors: shared/vectors/tpm/ (swtpm
 * quotes, their negatives), tpm/eventlogs/ (real TCG logs, the Windows GCE
 * quote + log end to end) and snp/genoa-azure/ (the Azure vTPM quote, bare
 * RSASSA, AK = HCLAkPub from the HCL report's runtime JSON).  Each set gives
 * its MANIFEST verdict; one-bit flips in the quote, the signature, the AK,
 * the EK, a PCR value and an event give the named failure. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "verifiers/tpm/tpm.h"
#include "vector_util.h"

/* One swtpm quote set with everything it needs. */
typedef struct {
  file_buf msg, sig, ak, ak_pem, ek, values, nonce_hex, sel_txt;
  uint8_t nonce[64];
  size_t nonce_len;
  vouch_tpm_selection sel;
  vouch_tpm_evidence ev;
  vouch_tpm_opts opts;
  vouch_result *r;
} qset;

static void qset_open(qset *q, const char *name, const char *ak) {
  memset(q, 0, sizeof(*q));
  char rel[256];
#define RD(field, fmt, arg)                   \
  snprintf(rel, sizeof(rel), "tpm/" fmt, arg); \
  q->field = vec_read(rel)
  RD(msg, "%s.msg", name);
  RD(sig, "%s.sig", name);
  RD(values, "%s.pcrvalues.bin", name);
  RD(nonce_hex, "%s.nonce.hex", name);
  RD(sel_txt, "%s.selection.txt", name);
  RD(ak, "%s.tpm2b", ak);
  RD(ak_pem, "%s.pem", ak);
#undef RD
  q->ek = vec_read("tpm/ek_rsa.tpm2b");
  q->nonce_len = q->nonce_hex.len / 2;
  assert_int_equal(vouch_hex_decode((const char *)q->nonce_hex.data, q->nonce_hex.len, q->nonce,
                                    q->nonce_len),
                   VOUCH_OK);
  vouch_err err = {0};
  assert_int_equal(vouch_tpm_selection_parse((const char *)q->sel_txt.data, q->sel_txt.len,
                                             &q->sel, &err),
                   VOUCH_OK);
  q->ev.quote = q->msg.data;
  q->ev.quote_len = q->msg.len;
  q->ev.sig = q->sig.data;
  q->ev.sig_len = q->sig.len;
  q->ev.ak_pub = q->ak.data;
  q->ev.ak_pub_len = q->ak.len;
  q->ev.ek_pub = q->ek.data;
  q->ev.ek_pub_len = q->ek.len;
  q->ev.pcr_values = q->values.data;
  q->ev.pcr_values_len = q->values.len;
  q->opts.at = vouch_time_from_civil(2026, 11, 28, 0, 0, 0);
  q->opts.nonce = q->nonce;
  q->opts.nonce_len = q->nonce_len;
  q->opts.has_nonce = true;
  q->opts.selection = &q->sel;
  q->r = malloc(sizeof(vouch_result));
  assert_non_null(q->r);
}

static void qset_close(qset *q) {
  free(q->msg.data);
  free(q->sig.data);
  free(q->ak.data);
  free(q->ak_pem.data);
  free(q->ek.data);
  free(q->values.data);
  free(q->nonce_hex.data);
  free(q->sel_txt.data);
  free(q->r);
}

static const char *claim_str(const vouch_result *r, const char *name, char *buf, size_t cap) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  if (c == NULL) return NULL;
  const uint8_t *b = vouch_result_claim_bytes(r, c);
  if (c->kind == VOUCH_CLAIM_HEX) {
    if (2 * c->len + 1 > cap) return NULL;
    vouch_hex_encode(b, c->len, buf);
  } else {
    if (c->len + 1 > cap) return NULL;
    memcpy(buf, b, c->len);
    buf[c->len] = '\0';
  }
  return buf;
}

static bool claim_bool(const vouch_result *r, const char *name) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  assert_non_null(c);
  assert_int_equal(c->kind, VOUCH_CLAIM_BOOL);
  return c->b;
}

static void expect(const vouch_result *r, vouch_verdict v, const char *msg_part) {
  if (r->verdict != v || (msg_part && strstr(r->error.msg, msg_part) == NULL)) {
    fail_msg("verdict %s (want %s), error \"%s\" (want \"%s\")", vouch_verdict_name(r->verdict),
             vouch_verdict_name(v), r->error.msg, msg_part ? msg_part : "");
  }
}

static void verify(qset *q) { vouch_tpm_verify(&q->ev, &q->opts, q->r, NULL); }

/* ---- the swtpm sets pass as the MANIFEST says ------------------------------- */

static void test_swtpm_sets_pass(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  static const struct {
    const char *name, *ak, *sig_alg;
  } kSets[] = {{"quote_rsa_rsassa", "ak_rsa", "rsassa-sha256"},
               {"quote_rsa_rsapss", "ak_rsapss", "rsapss-sha256"},
               {"quote_ecc_p256", "ak_ecc", "ecdsa-sha256"}};
  for (size_t i = 0; i < sizeof(kSets) / sizeof(kSets[0]); i++) {
    qset q;
    qset_open(&q, kSets[i].name, kSets[i].ak);
    verify(&q);
    if (q.r->verdict != VOUCH_VERDICT_AFFIRMING) {
      fail_msg("%s: %s: %s", kSets[i].name, vouch_verdict_name(q.r->verdict), q.r->error.msg);
    }
    char buf[4096];
    assert_string_equal(claim_str(q.r, "tpm_sig_alg", buf, sizeof(buf)), kSets[i].sig_alg);
    assert_true(claim_bool(q.r, "tpm_qualified_signer_checked"));
    assert_true(claim_bool(q.r, "tpm_nonce_checked"));
    assert_true(claim_bool(q.r, "tpm_magic_ok"));
    assert_false(claim_bool(q.r, "aikValidated"));
    assert_string_equal(claim_str(q.r, "tpm_firmware_version", buf, sizeof(buf)),
                        "2019102300163636");
    assert_string_equal(claim_str(q.r, "tpm_ak_source", buf, sizeof(buf)), "tpm2b");
    assert_string_equal(q.r->attestation_type, "tpm");
    /* The AK's Name is what the .name file holds. */
    char rel[128];
    snprintf(rel, sizeof(rel), "tpm/%s.name", kSets[i].ak);
    file_buf name = vec_read(rel);
    char hex[200];
    vouch_hex_encode(name.data, name.len, hex);
    assert_string_equal(claim_str(q.r, "tpm_ak_name", buf, sizeof(buf)), hex);
    free(name.data);
    /* Only quoted PCRs become claims. */
    const char *pcrs = claim_str(q.r, "tpm_pcrs", buf, sizeof(buf));
    assert_non_null(pcrs);
    assert_non_null(strstr(pcrs, "\"23\":"));
    if (i == 2) assert_null(strstr(pcrs, "\"1\":")); /* ecc quote: sha256:0,7,16,23 */
    if (i == 1) assert_non_null(strstr(pcrs, "\"sha1\":{\"0\":\"cee38dfaa1a3e1ccb152c787164cf121e2d114ef\""));
    const char *az = claim_str(q.r, "pcrs", buf, sizeof(buf));
    assert_non_null(az);
    assert_non_null(strstr(az, "{\"PCRs\":[{\"Index\":0,\"Digests\":{"));

    /* The same quote with the AK as PEM: no parent Name, so no QN check. */
    q.ev.ak_pub = NULL;
    q.ev.ak_pub_len = 0;
    q.ev.ak_pem = (const char *)q.ak_pem.data;
    q.ev.ak_pem_len = q.ak_pem.len;
    q.ev.ek_pub_len = 0;
    verify(&q);
    expect(q.r, VOUCH_VERDICT_AFFIRMING, NULL);
    assert_false(claim_bool(q.r, "tpm_qualified_signer_checked"));
    assert_null(vouch_result_find_claim(q.r, "tpm_ak_name"));
    /* ... and with the EK but a PEM AK: QN cannot be computed. */
    q.ev.ek_pub_len = q.ek.len;
    verify(&q);
    expect(q.r, VOUCH_VERDICT_ERROR, "needs the AK as TPM2B_PUBLIC");
    qset_close(&q);
  }
}

static void test_swtpm_negatives(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  qset q;
  /* neg_wrong_nonce */
  qset_open(&q, "quote_rsa_rsassa", "ak_rsa");
  file_buf wn = vec_read("tpm/neg_wrong_nonce.nonce.hex");
  uint8_t wrong[32];
  assert_int_equal(vouch_hex_decode((const char *)wn.data, wn.len, wrong, sizeof(wrong)), VOUCH_OK);
  q.opts.nonce = wrong;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "tpm: extraData 000102");
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "is not the expected nonce ff0102");
  free(wn.data);
  q.opts.nonce = q.nonce;
  q.opts.nonce_len = 16; /* a shorter nonce is a mismatch too */
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "is not the expected nonce");
  q.opts.nonce_len = q.nonce_len;
  /* neg_tampered_pcr */
  file_buf tp = vec_read("tpm/neg_tampered_pcr.pcrvalues.bin");
  q.ev.pcr_values = tp.data;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED,
         "tpm: pcrDigest does not match PCRs 0,1,2,3,4,5,6,7,16,23 (sha256)");
  free(tp.data);
  q.ev.pcr_values = q.values.data;
  /* neg_wrong_key: the RSASSA quote against the RSAPSS AK (PEM: the
   * signature fails; TPM2B: the AK's scheme does not even match). */
  file_buf pss_pem = vec_read("tpm/ak_rsapss.pem");
  file_buf pss_pub = vec_read("tpm/ak_rsapss.tpm2b");
  q.ev.ak_pub = NULL;
  q.ev.ak_pub_len = 0;
  q.ev.ek_pub_len = 0;
  q.ev.ak_pem = (const char *)pss_pem.data;
  q.ev.ak_pem_len = pss_pem.len;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED,
         "tpm: quote signature (RSASSA-sha256) does not verify with the AK");
  q.ev.ak_pem = NULL;
  q.ev.ak_pem_len = 0;
  q.ev.ak_pub = pss_pub.data;
  q.ev.ak_pub_len = pss_pub.len;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "does not match the AK's scheme");
  free(pss_pem.data);
  free(pss_pub.data);
  qset_close(&q);
  /* neg_tampered_msg: ECDSA signature invalid. */
  qset_open(&q, "quote_ecc_p256", "ak_ecc");
  file_buf tm = vec_read("tpm/neg_tampered_msg.msg");
  q.ev.quote = tm.data;
  q.ev.quote_len = tm.len;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED,
         "tpm: quote signature (ECDSA-sha256) does not verify with the AK");
  free(tm.data);
  qset_close(&q);
}

static void test_swtpm_selection_and_inputs(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  qset q;
  qset_open(&q, "quote_rsa_rsapss", "ak_rsapss");
  vouch_tpm_selection other;
  vouch_err err = {0};
  assert_int_equal(vouch_tpm_selection_parse("sha256:16,23+sha1:0,7", 21, &other, &err), VOUCH_OK);
  q.opts.selection = &other; /* same PCRs, other bank order: not the quote's selection */
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED,
         "tpm: the quote covers PCRs sha1:0,7+sha256:16,23, not the expected sha256:16,23+sha1:0,7");
  assert_int_equal(vouch_tpm_selection_parse("sha1:0,7", 8, &other, &err), VOUCH_OK);
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "not the expected sha1:0,7");
  q.opts.selection = NULL; /* any selection: verifies */
  verify(&q);
  expect(q.r, VOUCH_VERDICT_AFFIRMING, NULL);
  /* PCR values of the wrong length. */
  q.ev.pcr_values_len--;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_ERROR, "PCR values end before PCR 23 (sha256)");
  q.ev.pcr_values_len += 2;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_ERROR, "beyond the selection");
  q.ev.pcr_values_len--;
  /* Without PCR values: signature and nonce verified, no PCR claims. */
  q.ev.pcr_values_len = 0;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_AFFIRMING, NULL);
  assert_null(vouch_result_find_claim(q.r, "tpm_pcrs"));
  /* No EK, and one required. */
  q.ev.ek_pub_len = 0;
  q.opts.require_qualified_signer = true;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_ERROR, "no EK given");
  qset_close(&q);
}

/* One-bit flips: quote, signature, AK, EK, PCR value. */
static void test_swtpm_bit_flips(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  qset q;
  qset_open(&q, "quote_rsa_rsassa", "ak_rsa");
  /* Every byte of the quote, bit 0: never affirming; the header bytes
   * name the field; elsewhere the signature fails. */
  for (size_t i = 0; i < q.msg.len; i++) {
    q.msg.data[i] ^= 1;
    verify(&q);
    if (q.r->verdict == VOUCH_VERDICT_AFFIRMING) fail_msg("flip at quote byte %zu verified", i);
    if (i < 4) expect(q.r, VOUCH_VERDICT_ERROR, "quote magic is 0x");
    if (i == 4 || i == 5) expect(q.r, VOUCH_VERDICT_ERROR, "attestation type is 0x");
    /* qualifiedSigner's name (8..41), extraData (44..75) */
    if ((i >= 8 && i < 42) || (i >= 44 && i < 76)) {
      expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "quote signature");
    }
    if (i >= q.msg.len - 32) expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "quote signature");
    q.msg.data[i] ^= 1;
  }
  /* The signature: every byte of the RSA block. */
  for (size_t i = 6; i < q.sig.len; i += 7) {
    q.sig.data[i] ^= 0x80;
    verify(&q);
    expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "tpm: quote signature (RSASSA-sha256)");
    q.sig.data[i] ^= 0x80;
  }
  q.sig.data[1] ^= 1; /* sigAlg 0x0014 -> 0x0015 */
  verify(&q);
  expect(q.r, VOUCH_VERDICT_ERROR, "tpm: signature");
  q.sig.data[1] ^= 1;
  /* The AK: the modulus (signature fails), the attributes (sign bit). */
  size_t n = q.ak.len;
  q.ak.data[n - 10] ^= 1;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "does not verify with the AK");
  q.ak.data[n - 10] ^= 1;
  q.ak.data[7] ^= 0x04; /* objectAttributes byte 2 (bits 16-23): bit 18 = sign */
  verify(&q);
  expect(q.r, VOUCH_VERDICT_ERROR, "lacks sign");
  q.ak.data[7] ^= 0x04;
  q.ak.data[7] ^= 0x02; /* bit 17 = decrypt */
  verify(&q);
  expect(q.r, VOUCH_VERDICT_ERROR, "has decrypt set");
  q.ak.data[7] ^= 0x02;
  q.ak.data[9] ^= 0x02; /* bit 1 = fixedTPM */
  verify(&q);
  expect(q.r, VOUCH_VERDICT_ERROR, "lacks fixedTPM");
  q.ak.data[9] ^= 0x02;
  /* The EK: its Name changes, so QN(AK) does. */
  q.ek.data[q.ek.len - 1] ^= 1;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED,
         "is not the AK's qualified name under the EK");
  q.ek.data[q.ek.len - 1] ^= 1;
  /* A PCR value: PCR 7, the eighth value. */
  q.values.data[7 * 32 + 5] ^= 1;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_CONTRAINDICATED, "tpm: pcrDigest does not match PCRs");
  q.values.data[7 * 32 + 5] ^= 1;
  verify(&q);
  expect(q.r, VOUCH_VERDICT_AFFIRMING, NULL);
  /* Truncations of the quote and signature are errors, never crashes. */
  size_t full = q.ev.quote_len;
  for (size_t k = 0; k < full; k++) {
    q.ev.quote_len = k;
    verify(&q);
    assert_int_equal(q.r->verdict, VOUCH_VERDICT_ERROR);
  }
  q.ev.quote_len = full;
  qset_close(&q);
}

/* ---- event logs ----------------------------------------------------------------- */

static void test_eventlogs_replay(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  static const char *kLogs[] = {"crypto_agile_eventlog",
                                "coreos_36_shielded_vm_no_secure_boot_eventlog",
                                "ubuntu_2104_shielded_vm_no_secure_boot_eventlog",
                                "sb_cert_eventlog", "windows_gcp_shielded_vm.eventlog"};
  vouch_eventlog_replay *rep = malloc(sizeof(*rep));
  assert_non_null(rep);
  for (size_t i = 0; i < sizeof(kLogs) / sizeof(kLogs[0]); i++) {
    char rel[256];
    snprintf(rel, sizeof(rel), "tpm/eventlogs/%s", kLogs[i]);
    file_buf log = vec_read(rel);
    snprintf(rel, sizeof(rel), "%s/tpm/eventlogs/%s.pcrs.json", g_vectors, kLogs[i]);
    json_error_t je;
    json_t *want = json_load_file(rel, 0, &je);
    assert_non_null(want);
    vouch_err err = {0};
    if (vouch_eventlog_replay_log(log.data, log.len, rep, &err) != VOUCH_OK) {
      fail_msg("%s: %s", kLogs[i], err.msg);
    }
    assert_int_equal(rep->crypto_agile, json_is_true(json_object_get(want, "crypto_agile")));
    assert_int_equal(rep->num_events,
                     json_integer_value(json_object_get(want, "events_including_header")));
    json_t *banks = json_object_get(want, "replayed_pcrs");
    const char *bank;
    json_t *vals;
    json_object_foreach(banks, bank, vals) {
      uint16_t alg = strcmp(bank, "sha1") == 0     ? VOUCH_TPM_ALG_SHA1
                     : strcmp(bank, "sha256") == 0 ? VOUCH_TPM_ALG_SHA256
                                                   : VOUCH_TPM_ALG_SHA384;
      const vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_find(&rep->pcrs, alg);
      assert_non_null(b);
      int idx = alg == VOUCH_TPM_ALG_SHA1 ? 0 : alg == VOUCH_TPM_ALG_SHA256 ? 1 : 2;
      uint32_t listed = 0;
      const char *pcr;
      json_t *hex;
      json_object_foreach(vals, pcr, hex) {
        int p = atoi(pcr);
        listed |= 1u << p;
        char got[129];
        vouch_hex_encode(b->value[p], vouch_tpm_hash_len(alg), got);
        if (strcmp(got, json_string_value(hex)) != 0) {
          fail_msg("%s %s PCR %d: %s, want %s", kLogs[i], bank, p, got, json_string_value(hex));
        }
      }
      /* The listed PCRs are exactly the ones the log extends. */
      assert_int_equal(listed, rep->touched[idx]);
    }
    /* The events document parses and the header is not in it. */
    vouch_buf doc;
    vouch_buf_init(&doc, 0);
    assert_int_equal(vouch_tpm_events_json(log.data, log.len, 0xFFFFFF, true, &doc, NULL, &err),
                     VOUCH_OK);
    json_t *d = json_loadb(doc.data, doc.len, 0, &je);
    assert_non_null(d);
    assert_int_equal(json_array_size(json_object_get(d, "Events")) > 0, 1);
    json_decref(d);
    vouch_buf_free(&doc);
    json_decref(want);
    free(log.data);
  }
  free(rep);
}

/* The Windows GCE set: go-attestation's dump of AK, quote, PCRs and log. */
typedef struct {
  uint8_t *ak, *quote, *sig, *log;
  size_t ak_len, quote_len, sig_len, log_len;
  vouch_tpm_pcrs pcrs;
} gce_set;

static uint8_t *b64(json_t *v, size_t *len) {
  const char *s = json_string_value(v);
  assert_non_null(s);
  size_t n = strlen(s);
  uint8_t *out = malloc(vouch_base64_decoded_max(n) + 1);
  assert_non_null(out);
  assert_int_equal(vouch_base64_decode(s, n, out, vouch_base64_decoded_max(n) + 1, len), VOUCH_OK);
  return out;
}

static void gce_open(gce_set *g) {
  memset(g, 0, sizeof(*g));
  char path[1024];
  snprintf(path, sizeof(path), "%s/tpm/eventlogs/windows_gcp_shielded_vm.json", g_vectors);
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  assert_non_null(root);
  g->ak = b64(json_object_get(json_object_get(root, "AK"), "Public"), &g->ak_len);
  json_t *quote = json_object_get(root, "Quote");
  g->quote = b64(json_object_get(quote, "Quote"), &g->quote_len);
  g->sig = b64(json_object_get(quote, "Signature"), &g->sig_len);
  json_t *log = json_object_get(root, "Log");
  g->log = b64(json_object_get(log, "Raw"), &g->log_len);
  json_t *pcrs = json_object_get(log, "PCRs");
  vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_bank(&g->pcrs, VOUCH_TPM_ALG_SHA1, true);
  for (size_t i = 0; i < json_array_size(pcrs); i++) {
    json_t *p = json_array_get(pcrs, i);
    size_t dl = 0;
    uint8_t *d = b64(json_object_get(p, "Digest"), &dl);
    int idx = (int)json_integer_value(json_object_get(p, "Index"));
    assert_int_equal(dl, 20);
    memcpy(b->value[idx], d, 20);
    b->present |= 1u << idx;
    free(d);
  }
  json_decref(root);
}

static void gce_close(gce_set *g) {
  free(g->ak);
  free(g->quote);
  free(g->sig);
  free(g->log);
}

static void test_windows_gce_end_to_end(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  gce_set *g = malloc(sizeof(*g));
  assert_non_null(g);
  gce_open(g);
  vouch_tpm_evidence ev = {.quote = g->quote, .quote_len = g->quote_len, .sig = g->sig,
                           .sig_len = g->sig_len, .ak_pub = g->ak, .ak_pub_len = g->ak_len,
                           .pcrs = &g->pcrs, .event_log = g->log, .event_log_len = g->log_len};
  vouch_tpm_selection sel;
  vouch_err err = {0};
  assert_int_equal(vouch_tpm_selection_parse("sha1:all", 8, &sel, &err), VOUCH_OK);
  vouch_tpm_opts opts = {.at = 1700000000, .has_nonce = true, .nonce_len = 0, .selection = &sel};
  vouch_result *r = malloc(sizeof(*r));
  assert_non_null(r);
  vouch_tpm_docs docs;
  memset(&docs, 0, sizeof(docs));
  vouch_tpm_verify(&ev, &opts, r, &docs);
  expect(r, VOUCH_VERDICT_AFFIRMING, NULL);
  char buf[8192];
  assert_string_equal(claim_str(r, "tpm_sig_alg", buf, sizeof(buf)), "rsassa-sha1");
  assert_string_equal(claim_str(r, "tpm_event_log_format", buf, sizeof(buf)), "legacy");
  assert_true(claim_bool(r, "tpm_event_log_replayed"));
  assert_false(claim_bool(r, "tpm_qualified_signer_checked"));
  assert_string_equal(claim_str(r, "tpm_pcr_selection", buf, sizeof(buf)),
                      "sha1:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23");
  /* The events document: Secure Boot variable decoded, SIPA decoded. */
  json_error_t je;
  json_t *doc = json_loadb(docs.events.data, docs.events.len, 0, &je);
  assert_non_null(doc);
  json_t *events = json_object_get(doc, "Events");
  assert_int_equal(json_array_size(events), 21); /* a legacy log has no header entry */
  bool saw_sb = false, saw_sipa = false;
  for (size_t i = 0; i < json_array_size(events); i++) {
    json_t *e = json_array_get(events, i);
    json_t *pd = json_object_get(e, "ProcessedData");
    const char *ts = json_string_value(json_object_get(e, "EventTypeString"));
    if (strcmp(ts, "EV_EFI_VARIABLE_DRIVER_CONFIG") == 0 &&
        strcmp(json_string_value(json_object_get(pd, "UnicodeName")), "SecureBoot") == 0) {
      assert_string_equal(json_string_value(json_object_get(pd, "VariableGuid")),
                          "8BE4DF61-93CA-11D2-AA0D-00E098032B8C");
      saw_sb = true;
    }
    if (strcmp(ts, "EV_EVENT_TAG") == 0 && pd != NULL &&
        json_object_get(pd, "EVENT_TRUSTBOUNDARY") != NULL) {
      saw_sipa = true;
    }
  }
  assert_true(saw_sb);
  assert_true(saw_sipa);
  json_decref(doc);
  /* secureBootEnabled and the SIPA booleans came from authenticated events. */
  assert_non_null(vouch_result_find_claim(r, "secureBootEnabled"));
  assert_true(claim_bool(r, "bootDebuggingDisabled"));
  /* A flipped event digest: the replay of its PCR no longer matches. */
  g->log[8 + 5] ^= 1; /* the first event's digest (PCR 0) */
  ev.event_log = g->log;
  vouch_tpm_verify(&ev, &opts, r, &docs);
  expect(r, VOUCH_VERDICT_CONTRAINDICATED, "tpm: event log replay of PCR 0 (sha1) gives ");
  expect(r, VOUCH_VERDICT_CONTRAINDICATED, " but the quote has 51c323de0c0c694f4601cdd02beb58ff13629f74");
  g->log[8 + 5] ^= 1;
  /* A flipped byte of event data (the SecureBoot variable's value): the
   * replay still matches (digests are unchanged) but the data no longer
   * hashes to the digest, so it is not decoded and nothing is derived. */
  size_t sb_val = (32 + 2) + 32 + 52; /* after event 0 (2 data bytes): event 1's last byte */
  assert_int_equal(g->log[sb_val], 1);
  g->log[sb_val] ^= 1;
  vouch_tpm_verify(&ev, &opts, r, &docs);
  expect(r, VOUCH_VERDICT_AFFIRMING, NULL);
  assert_null(vouch_result_find_claim(r, "secureBootEnabled"));
  assert_non_null(strstr(docs.events.data, "\"DigestVerified\":false"));
  g->log[sb_val] ^= 1;
  /* A PCR outside the log's concern in the quote differs from the replay. */
  g->pcrs.bank[0].value[10][0] ^= 1;
  vouch_tpm_verify(&ev, &opts, r, &docs);
  expect(r, VOUCH_VERDICT_CONTRAINDICATED, "tpm: pcrDigest does not match PCRs");
  g->pcrs.bank[0].value[10][0] ^= 1;
  /* Without PCR values, the replay supplies them and must hash to pcrDigest. */
  ev.pcrs = NULL;
  vouch_tpm_verify(&ev, &opts, r, &docs);
  expect(r, VOUCH_VERDICT_AFFIRMING, NULL);
  g->log[8 + 5] ^= 1;
  vouch_tpm_verify(&ev, &opts, r, &docs);
  expect(r, VOUCH_VERDICT_CONTRAINDICATED,
         "tpm: pcrDigest does not match the event log replay of PCRs");
  g->log[8 + 5] ^= 1;
  /* A one-bit flip in the quote's pcrDigest. */
  g->quote[g->quote_len - 1] ^= 1;
  vouch_tpm_verify(&ev, &opts, r, &docs);
  expect(r, VOUCH_VERDICT_CONTRAINDICATED, "quote signature (RSASSA-sha1)");
  g->quote[g->quote_len - 1] ^= 1;
  vouch_buf_free(&docs.events);
  vouch_buf_free(&docs.pcrs);
  free(r);
  gce_close(g);
  free(g);
}

/* ---- Azure vTPM (genoa-azure) -------------------------------------------------- */

static char *hcl_ak_jwk(void) {
  file_buf hcl = vec_read("snp/genoa-azure/hcl-report.bin");
  vouch_cur c = vouch_cur_make(hcl.data, hcl.len);
  uint32_t n = 0;
  const uint8_t *json = NULL;
  assert_int_equal(vouch_cur_skip(&c, 0x4D0), VOUCH_OK);
  assert_int_equal(vouch_cur_u32le(&c, &n), VOUCH_OK);
  assert_int_equal(vouch_cur_bytes(&c, n, &json), VOUCH_OK);
  json_error_t je;
  json_t *root = json_loadb((const char *)json, n, 0, &je);
  assert_non_null(root);
  json_t *keys = json_object_get(root, "keys");
  char *out = NULL;
  for (size_t i = 0; i < json_array_size(keys); i++) {
    json_t *k = json_array_get(keys, i);
    if (strcmp(json_string_value(json_object_get(k, "kid")), "HCLAkPub") == 0) {
      out = json_dumps(k, JSON_COMPACT);
    }
  }
  assert_non_null(out);
  json_decref(root);
  free(hcl.data);
  return out;
}

static void test_azure_vtpm_quote(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  file_buf msg = vec_read("snp/genoa-azure/vtpm-quote.msg");
  file_buf sig = vec_read("snp/genoa-azure/vtpm-quote.sig.raw");
  file_buf pcrs = vec_read("snp/genoa-azure/vtpm-pcrs-sha256-0-23.bin");
  char *jwk = hcl_ak_jwk();
  static const char kNonce[] =
      "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea35d950f";
  uint8_t nonce[48];
  assert_int_equal(vouch_hex_decode(kNonce, 96, nonce, 48), VOUCH_OK);
  vouch_tpm_selection sel;
  vouch_err err = {0};
  assert_int_equal(vouch_tpm_selection_parse("sha256:all", 10, &sel, &err), VOUCH_OK);
  vouch_tpm_evidence ev = {.quote = msg.data, .quote_len = msg.len, .sig = sig.data,
                           .sig_len = sig.len, .ak_jwk = jwk, .ak_jwk_len = strlen(jwk),
                           .pcr_values = pcrs.data, .pcr_values_len = pcrs.len};
  vouch_tpm_opts opts = {.at = 1760000000, .nonce = nonce, .nonce_len = 48, .has_nonce = true,
                         .selection = &sel};
  vouch_result *r = malloc(sizeof(*r));
  assert_non_null(r);
  vouch_tpm_verify(&ev, &opts, r, NULL);
  expect(r, VOUCH_VERDICT_AFFIRMING, NULL);
  char buf[4096];
  assert_string_equal(claim_str(r, "tpm_sig_alg", buf, sizeof(buf)), "rsassa-sha256");
  assert_string_equal(claim_str(r, "tpm_ak_source", buf, sizeof(buf)), "jwk");
  assert_string_equal(claim_str(r, "tpm_pcr_digest", buf, sizeof(buf)),
                      "2b30a66d715a7801b86d7912b710838bd3bd8d9aeec7c7135563f938cf8b3399");
  /* Declared as bare explicitly: same result. */
  ev.sig_format = VOUCH_TPM_SIG_BARE_RSASSA;
  vouch_tpm_verify(&ev, &opts, r, NULL);
  expect(r, VOUCH_VERDICT_AFFIRMING, NULL);
  /* Declared as TPMT_SIGNATURE: it is not one. */
  ev.sig_format = VOUCH_TPM_SIG_TPMT;
  vouch_tpm_verify(&ev, &opts, r, NULL);
  expect(r, VOUCH_VERDICT_ERROR, "TPMT_SIGNATURE");
  ev.sig_format = VOUCH_TPM_SIG_AUTO;
  /* Wrong nonce, flipped signature, flipped PCR. */
  nonce[47] ^= 1;
  vouch_tpm_verify(&ev, &opts, r, NULL);
  expect(r, VOUCH_VERDICT_CONTRAINDICATED, "is not the expected nonce");
  nonce[47] ^= 1;
  sig.data[100] ^= 1;
  vouch_tpm_verify(&ev, &opts, r, NULL);
  expect(r, VOUCH_VERDICT_CONTRAINDICATED, "quote signature (RSASSA bare-sha256)");
  sig.data[100] ^= 1;
  pcrs.data[23 * 32] ^= 1;
  vouch_tpm_verify(&ev, &opts, r, NULL);
  expect(r, VOUCH_VERDICT_CONTRAINDICATED, "tpm: pcrDigest does not match PCRs 0,1,2");
  pcrs.data[23 * 32] ^= 1;
  vouch_tpm_verify(&ev, &opts, r, NULL);
  expect(r, VOUCH_VERDICT_AFFIRMING, NULL);
  free(r);
  free(jwk);
  free(msg.data);
  free(sig.data);
  free(pcrs.data);
}

/* ---- the envelope form ------------------------------------------------------------- */

static void b64_into(vouch_buf *b, const file_buf *f) {
  vouch_buf_putc(b, '"');
  vouch_base64url_encode(b, f->data, f->len);
  vouch_buf_putc(b, '"');
}

static void test_envelope(void **state) {
  (void)state;
  SKIP_WITHOUT_VECTORS();
  qset q;
  qset_open(&q, "quote_rsa_rsassa", "ak_rsa");
  vouch_buf j;
  vouch_buf_init(&j, 0);
  vouch_buf_puts(&j, "{\"quote\":");
  b64_into(&j, &q.msg);
  vouch_buf_puts(&j, ",\"signature\":");
  b64_into(&j, &q.sig);
  vouch_buf_puts(&j, ",\"ak_pub\":");
  b64_into(&j, &q.ak);
  vouch_buf_puts(&j, ",\"ek_pub\":");
  b64_into(&j, &q.ek);
  vouch_buf_puts(&j, ",\"pcr_values\":");
  b64_into(&j, &q.values);
  vouch_buf_printf(&j, ",\"selection\":\"%.*s\",\"nonce\":\"%.*s\"}", (int)q.sel_txt.len,
                   (const char *)q.sel_txt.data, (int)q.nonce_hex.len,
                   (const char *)q.nonce_hex.data);
  vouch_tpm_envelope env;
  vouch_err err = {0};
  if (vouch_tpm_envelope_parse(j.data, j.len, &env, &err) != VOUCH_OK) fail_msg("%s", err.msg);
  assert_true(env.has_nonce && env.has_selection);
  vouch_tpm_opts opts = {.at = 0, .nonce = env.nonce, .nonce_len = env.nonce_len,
                         .has_nonce = true, .selection = &env.selection};
  vouch_tpm_verify(&env.ev, &opts, q.r, NULL);
  expect(q.r, VOUCH_VERDICT_AFFIRMING, NULL);
  assert_true(claim_bool(q.r, "tpm_qualified_signer_checked"));
  vouch_tpm_envelope_free(&env);
  /* The same with the PCRs as a JSON map. */
  vouch_buf_reset(&j);
  vouch_buf_puts(&j, "{\"quote\":");
  b64_into(&j, &q.msg);
  vouch_buf_puts(&j, ",\"signature\":");
  b64_into(&j, &q.sig);
  vouch_buf_puts(&j, ",\"ak_pem\":");
  vouch_buf_json_string(&j, (const char *)q.ak_pem.data, q.ak_pem.len);
  vouch_buf_puts(&j, ",\"pcrs\":{\"sha256\":{");
  static const int kIdx[] = {0, 1, 2, 3, 4, 5, 6, 7, 16, 23};
  for (int i = 0; i < 10; i++) {
    char hex[65];
    vouch_hex_encode(q.values.data + 32 * i, 32, hex);
    vouch_buf_printf(&j, "%s\"%d\":\"%s\"", i ? "," : "", kIdx[i], hex);
  }
  vouch_buf_puts(&j, "}}}");
  if (vouch_tpm_envelope_parse(j.data, j.len, &env, &err) != VOUCH_OK) fail_msg("%s", err.msg);
  vouch_tpm_verify(&env.ev, &q.opts, q.r, NULL);
  expect(q.r, VOUCH_VERDICT_AFFIRMING, NULL);
  vouch_tpm_envelope_free(&env);
  /* Unknown members and missing pieces are errors. */
  static const char *kBad[] = {
      "{\"quote\":\"AA\",\"signature\":\"AA\",\"ak_pem\":\"x\",\"nonse\":\"00\"}",
      "{\"quote\":\"AA\",\"ak_pem\":\"x\"}",
      "{\"quote\":\"AA\",\"signature\":\"AA\"}",
      "{\"quote\":\"A\",\"signature\":\"AA\",\"ak_pem\":\"x\"}",
      "{\"quote\":\"AA\",\"signature\":\"AA\",\"ak_pem\":\"x\",\"pcrs\":{\"sha256\":{\"24\":\"00\"}}}",
      "{\"quote\":\"AA\",\"signature\":\"AA\",\"ak_pem\":\"x\",\"selection\":\"sha3:0\"}",
      "[1]"};
  for (size_t i = 0; i < sizeof(kBad) / sizeof(kBad[0]); i++) {
    vouch_err e2 = {0};
    assert_int_not_equal(vouch_tpm_envelope_parse(kBad[i], strlen(kBad[i]), &env, &e2), VOUCH_OK);
    assert_true(strncmp(e2.msg, "tpm:", 4) == 0);
  }
  vouch_buf_free(&j);
  qset_close(&q);
}

int main(void) {
  vouch_tpm_quiet_tss2_logging();
  vec_init("tpm_vectors", "tpm/MANIFEST.md");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_swtpm_sets_pass),
      cmocka_unit_test(test_swtpm_negatives),
      cmocka_unit_test(test_swtpm_selection_and_inputs),
      cmocka_unit_test(test_swtpm_bit_flips),
      cmocka_unit_test(test_eventlogs_replay),
      cmocka_unit_test(test_windows_gce_end_to_end),
      cmocka_unit_test(test_azure_vtpm_quote),
      cmocka_unit_test(test_envelope),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
