/* A real software TPM: tpm_swtpm_quotes.sh starts Debian's swtpm (unix
 * sockets in a fresh temporary folder), makes an ECC EK, three AKs under it
 * (RSA-RSASSA, RSA-PSS, ECC P-256) and a quote from each with tpm2-tools;
 * vouch must verify every quote (qualifiedSigner checked against the EK)
 * and reject a wrong nonce, a tampered PCR, a tampered message and the
 * wrong key with their precise errors.  Without swtpm or tpm2-tools this
 * test FAILS: CI installs them (scripts/install-deps.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verifiers/tpm/tpm.h"

#ifndef TPM_SWTPM_SCRIPT
#error "TPM_SWTPM_SCRIPT must name tests/integration/tpm_swtpm_quotes.sh"
#endif

static char g_dir[256];

typedef struct {
  uint8_t *data;
  size_t len;
} file_buf;

static file_buf rd(const char *name) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", g_dir, name);
  file_buf f = {0};
  vouch_err err = {0};
  if (vouch_read_file(path, 1 << 20, &f.data, &f.len, &err) != VOUCH_OK) {
    fail_msg("cannot read %s: %s", path, err.msg);
  }
  return f;
}

static int make_quotes(void **state) {
  (void)state;
  const char *tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof(g_dir), "%s/vouch-swtpm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(g_dir) == NULL) return -1;
  char cmd[1024];
  snprintf(cmd, sizeof(cmd), "%s '%s' >'%s/make.log' 2>&1", TPM_SWTPM_SCRIPT, g_dir, g_dir);
  int rc = system(cmd);
  if (rc != 0) {
    char log[600];
    snprintf(log, sizeof(log), "cat '%s/make.log' >&2", g_dir);
    if (system(log) != 0) fprintf(stderr, "(no log)\n");
    fprintf(stderr, "tpm_swtpm: making quotes with swtpm + tpm2-tools failed (rc %d); "
            "install swtpm swtpm-tools tpm2-tools (scripts/install-deps.sh)\n", rc);
    return -1;
  }
  return 0;
}

static int cleanup(void **state) {
  (void)state;
  if (g_dir[0] != '\0' && strncmp(g_dir + strlen(g_dir) - 19, "/vouch-swtpm-", 13) == 0) {
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
  }
  return 0;
}

typedef struct {
  file_buf msg, sig, ak, ek, values, nonce_hex, sel_txt;
  uint8_t nonce[32];
  vouch_tpm_selection sel;
  vouch_tpm_evidence ev;
  vouch_tpm_opts opts;
  vouch_result r;
} qset;

static qset *open_set(const char *k) {
  qset *q = calloc(1, sizeof(*q));
  assert_non_null(q);
  char n[64];
  snprintf(n, sizeof(n), "%s.msg", k);
  q->msg = rd(n);
  snprintf(n, sizeof(n), "%s.sig", k);
  q->sig = rd(n);
  snprintf(n, sizeof(n), "%s.ak.tpm2b", k);
  q->ak = rd(n);
  q->ek = rd("ek.tpm2b");
  q->values = rd("values.bin");
  q->nonce_hex = rd("nonce.hex");
  q->sel_txt = rd("selection.txt");
  assert_int_equal(q->nonce_hex.len, 64);
  assert_int_equal(vouch_hex_decode((const char *)q->nonce_hex.data, 64, q->nonce, 32), VOUCH_OK);
  vouch_err err = {0};
  assert_int_equal(vouch_tpm_selection_parse((const char *)q->sel_txt.data, q->sel_txt.len,
                                             &q->sel, &err),
                   VOUCH_OK);
  q->ev = (vouch_tpm_evidence){.quote = q->msg.data, .quote_len = q->msg.len,
                               .sig = q->sig.data, .sig_len = q->sig.len,
                               .ak_pub = q->ak.data, .ak_pub_len = q->ak.len,
                               .ek_pub = q->ek.data, .ek_pub_len = q->ek.len,
                               .pcr_values = q->values.data, .pcr_values_len = q->values.len};
  q->opts = (vouch_tpm_opts){.nonce = q->nonce, .nonce_len = 32, .has_nonce = true,
                             .selection = &q->sel, .require_qualified_signer = true};
  return q;
}

static void close_set(qset *q) {
  free(q->msg.data);
  free(q->sig.data);
  free(q->ak.data);
  free(q->ek.data);
  free(q->values.data);
  free(q->nonce_hex.data);
  free(q->sel_txt.data);
  free(q);
}

static void expect(qset *q, vouch_verdict v, const char *part) {
  vouch_tpm_verify(&q->ev, &q->opts, &q->r, NULL);
  if (q->r.verdict != v || (part && strstr(q->r.error.msg, part) == NULL)) {
    fail_msg("verdict %s (want %s): \"%s\" (want \"%s\")", vouch_verdict_name(q->r.verdict),
             vouch_verdict_name(v), q->r.error.msg, part ? part : "");
  }
}

static void check_one(const char *k, const char *alg) {
  qset *q = open_set(k);
  expect(q, VOUCH_VERDICT_AFFIRMING, NULL);
  const vouch_claim *c = vouch_result_find_claim(&q->r, "tpm_qualified_signer_checked");
  assert_non_null(c);
  assert_true(c->b);
  c = vouch_result_find_claim(&q->r, "tpm_sig_alg");
  assert_non_null(c);
  assert_memory_equal(vouch_result_claim_bytes(&q->r, c), alg, strlen(alg));
  /* Wrong nonce. */
  q->nonce[0] ^= 0xff;
  expect(q, VOUCH_VERDICT_CONTRAINDICATED, "is not the expected nonce");
  q->nonce[0] ^= 0xff;
  /* Tampered PCR (PCR 7, the fifth selected value). */
  q->values.data[4 * 32] ^= 1;
  expect(q, VOUCH_VERDICT_CONTRAINDICATED,
         "tpm: pcrDigest does not match PCRs 0,1,2,3,7,16 (sha256)");
  q->values.data[4 * 32] ^= 1;
  /* Tampered message (last byte: inside pcrDigest). */
  q->msg.data[q->msg.len - 1] ^= 1;
  expect(q, VOUCH_VERDICT_CONTRAINDICATED, "does not verify with the AK");
  q->msg.data[q->msg.len - 1] ^= 1;
  expect(q, VOUCH_VERDICT_AFFIRMING, NULL);
  close_set(q);
}

static void test_rsassa(void **state) {
  (void)state;
  check_one("rsassa", "rsassa-sha256");
}

static void test_rsapss(void **state) {
  (void)state;
  check_one("rsapss", "rsapss-sha256");
}

static void test_ecc(void **state) {
  (void)state;
  check_one("ecc", "ecdsa-sha256");
}

/* The wrong key: each quote against another AK. */
static void test_wrong_key(void **state) {
  (void)state;
  qset *a = open_set("rsassa");
  file_buf ecc = rd("ecc.ak.tpm2b");
  file_buf pss = rd("rsapss.ak.tpm2b");
  a->ev.ak_pub = pss.data;
  a->ev.ak_pub_len = pss.len;
  expect(a, VOUCH_VERDICT_CONTRAINDICATED, "does not match the AK's scheme");
  a->ev.ak_pub = ecc.data;
  a->ev.ak_pub_len = ecc.len;
  expect(a, VOUCH_VERDICT_CONTRAINDICATED, "does not match the AK's scheme");
  free(ecc.data);
  free(pss.data);
  close_set(a);
  /* The scheme check comes before the signature: check the RSAPSS
   * signature itself under the (other) RSASSA AK's key too. */
  qset *b = open_set("rsapss");
  file_buf rsa = rd("rsassa.ak.tpm2b");
  vouch_tpm_public pub;
  vouch_err err = {0};
  assert_int_equal(vouch_tpm_public_parse(rsa.data, rsa.len, &pub, &err), VOUCH_OK);
  vouch_tpm_signature sig;
  assert_int_equal(vouch_tpm_signature_parse(b->sig.data, b->sig.len, VOUCH_TPM_SIG_TPMT, 0, &sig,
                                             &err),
                   VOUCH_OK);
  assert_int_equal(vouch_tpm_verify_signature(pub.key, &sig, b->msg.data, b->msg.len, &err),
                   VOUCH_E_SIGNATURE);
  vouch_tpm_public_cleanup(&pub);
  free(rsa.data);
  /* And another EK (its authPolicy changed, so its Name): the qualified
   * name no longer matches. */
  b->ek.data[12] ^= 1;
  expect(b, VOUCH_VERDICT_CONTRAINDICATED, "is not the AK's qualified name under the EK");
  close_set(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rsassa),
      cmocka_unit_test(test_rsapss),
      cmocka_unit_test(test_ecc),
      cmocka_unit_test(test_wrong_key),
  };
  return cmocka_run_group_tests(tests, make_quotes, cleanup);
}
