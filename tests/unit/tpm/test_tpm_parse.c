/* verifiers/tpm unit tests: selections, TPMS_ATTEST / TPMT_SIGNATURE /
 * TPM2B_PUBLIC unmarshalling (each reject branch), Names and Qualified
 * Names, all on structures made by the independent encoder in tools/gen. */
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
#include "verifiers/tpm/tpm.h"

static vouch_gen_tpm_key *g_ek, *g_rsa, *g_ecc;

static int setup(void **state) {
  (void)state;
  vouch_err err = {0};
  if (vouch_gen_tpm_ek_new(&g_ek, &err) != VOUCH_OK) return -1;
  if (vouch_gen_tpm_ak_new(VOUCH_GEN_TPM_RSASSA, 0, &g_rsa, &err) != VOUCH_OK) return -1;
  if (vouch_gen_tpm_ak_new(VOUCH_GEN_TPM_ECDSA_P256, 0, &g_ecc, &err) != VOUCH_OK) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  vouch_gen_tpm_key_free(g_ek);
  vouch_gen_tpm_key_free(g_rsa);
  vouch_gen_tpm_key_free(g_ecc);
  return 0;
}

static void test_selection(void **state) {
  (void)state;
  vouch_tpm_selection s, t;
  vouch_err err = {0};
  const char *in = "sha1:0,7+sha256:16,23";
  assert_int_equal(vouch_tpm_selection_parse(in, strlen(in), &s, &err), VOUCH_OK);
  assert_int_equal(s.num, 2);
  assert_int_equal(s.sel[0].hash_alg, VOUCH_TPM_ALG_SHA1);
  assert_int_equal(s.sel[0].mask, 0x81);
  assert_int_equal(s.sel[1].mask, 0x810000);
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_tpm_selection_format(&s, &b);
  assert_string_equal(vouch_buf_cstr(&b), in);
  vouch_buf_free(&b);
  assert_int_equal(vouch_tpm_selection_parse("sha256:all", 10, &t, &err), VOUCH_OK);
  assert_int_equal(t.sel[0].mask, 0xFFFFFF);
  assert_false(vouch_tpm_selection_equal(&s, &t));
  assert_true(vouch_tpm_selection_equal(&s, &s));
  static const char *kBad[] = {"",          "sha256",      "sha3:0",       "sha256:24",
                               "sha256:",   "sha256:0,,1", "sha256:0+",    "sha256:0+sha256:1",
                               "sha256:-1", "sha256:0001", "sha256:0,1x"};
  for (size_t i = 0; i < sizeof(kBad) / sizeof(kBad[0]); i++) {
    vouch_err e = {0};
    if (vouch_tpm_selection_parse(kBad[i], strlen(kBad[i]), &t, &e) == VOUCH_OK) {
      fail_msg("selection '%s' accepted", kBad[i]);
    }
    assert_true(strncmp(e.msg, "tpm: ", 5) == 0);
  }
}

static void make_quote(const vouch_gen_tpm_key *ak, vouch_gen_tpm_quote_opts *o, vouch_buf *msg,
                       vouch_buf *sig, vouch_buf *vals) {
  vouch_err err = {0};
  vouch_buf_init(msg, 0);
  vouch_buf_init(sig, 0);
  vouch_buf_init(vals, 0);
  assert_int_equal(vouch_gen_tpm_quote(ak, o, msg, sig, vals, &err), VOUCH_OK);
}

static void test_attest_parse(void **state) {
  (void)state;
  vouch_gen_tpm_quote_opts o;
  vouch_gen_tpm_quote_opts_default(&o);
  o.ek = g_ek;
  o.clock = 123456789;
  o.reset_count = 3;
  o.restart_count = 4;
  o.safe = false;
  vouch_buf msg, sig, vals;
  make_quote(g_rsa, &o, &msg, &sig, &vals);
  vouch_tpm_attest a;
  vouch_err err = {0};
  const uint8_t *m = (const uint8_t *)msg.data;
  assert_int_equal(vouch_tpm_attest_parse(m, msg.len, &a, &err), VOUCH_OK);
  assert_int_equal(a.magic, 0xFF544347u);
  assert_int_equal(a.type, 0x8018);
  assert_int_equal(a.clock, 123456789);
  assert_int_equal(a.reset_count, 3);
  assert_int_equal(a.restart_count, 4);
  assert_false(a.safe);
  assert_true(a.firmware_version == 0x2019102300163636ull);
  assert_int_equal(a.extra_data_len, 32);
  assert_memory_equal(a.extra_data, o.nonce, 32);
  assert_int_equal(a.selection.num, 1);
  assert_int_equal(a.selection.sel[0].mask, 0xFF);
  assert_int_equal(a.pcr_digest_len, 32);
  /* qualifiedSigner = QN(AK) under the EK, computed by the verifier too. */
  vouch_buf pub, ekpub;
  vouch_buf_init(&pub, 0);
  vouch_buf_init(&ekpub, 0);
  assert_int_equal(vouch_gen_tpm_key_public(g_rsa, &pub), VOUCH_OK);
  assert_int_equal(vouch_gen_tpm_key_public(g_ek, &ekpub), VOUCH_OK);
  vouch_tpm_public ak, ek;
  assert_int_equal(vouch_tpm_public_parse((const uint8_t *)pub.data, pub.len, &ak, &err), VOUCH_OK);
  assert_int_equal(vouch_tpm_public_parse((const uint8_t *)ekpub.data, ekpub.len, &ek, &err),
                   VOUCH_OK);
  uint8_t qn[VOUCH_TPM_MAX_NAME];
  size_t qn_len = 0;
  assert_int_equal(vouch_tpm_qualified_name(&ak, &ek, 0x4000000B, qn, &qn_len), VOUCH_OK);
  assert_int_equal(qn_len, a.qualified_signer_len);
  assert_memory_equal(qn, a.qualified_signer, qn_len);
  /* The Name is not the qualified name. */
  assert_memory_not_equal(ak.name, a.qualified_signer, 34);
  uint8_t name[34];
  vouch_gen_tpm_key_name(g_rsa, name);
  assert_memory_equal(name, ak.name, 34);
  vouch_tpm_public_cleanup(&ak);
  vouch_tpm_public_cleanup(&ek);

  /* Reject branches. */
  uint8_t *bad = malloc(msg.len + 1);
  assert_non_null(bad);
  memcpy(bad, m, msg.len);
  bad[msg.len] = 0;
  vouch_err e = {0};
  assert_int_equal(vouch_tpm_attest_parse(bad, msg.len + 1, &a, &e), VOUCH_E_TRAILING);
  bad[0] ^= 1;
  vouch_err_clear(&e);
  assert_int_equal(vouch_tpm_attest_parse(bad, msg.len, &a, &e), VOUCH_E_MALFORMED);
  assert_non_null(strstr(e.msg, "magic"));
  bad[0] ^= 1;
  bad[5] = 0x17; /* TPM_ST_ATTEST_CERTIFY */
  vouch_err_clear(&e);
  assert_int_equal(vouch_tpm_attest_parse(bad, msg.len, &a, &e), VOUCH_E_UNSUPPORTED);
  bad[5] = 0x18;
  /* safe must be 0 or 1: clock (u64) follows extraData (offset 44 + 32). */
  bad[44 + 32 + 16] = 2;
  vouch_err_clear(&e);
  assert_int_equal(vouch_tpm_attest_parse(bad, msg.len, &a, &e), VOUCH_E_MALFORMED);
  assert_non_null(strstr(e.msg, "safe"));
  bad[44 + 32 + 16] = 0;
  /* The selection's hash: after firmwareVersion (+8) and count (+4). */
  size_t sel_at = 44 + 32 + 17 + 8 + 4;
  bad[sel_at + 1] = 0x12; /* SM3 */
  vouch_err_clear(&e);
  assert_int_not_equal(vouch_tpm_attest_parse(bad, msg.len, &a, &e), VOUCH_OK);
  bad[sel_at + 1] = 0x0B;
  assert_int_equal(vouch_tpm_attest_parse(bad, msg.len, &a, &e), VOUCH_OK);
  for (size_t k = 0; k < msg.len; k++) {
    vouch_err_clear(&e);
    assert_int_not_equal(vouch_tpm_attest_parse(bad, k, &a, &e), VOUCH_OK);
    assert_true(e.msg[0] != '\0');
  }
  free(bad);
  vouch_buf_free(&pub);
  vouch_buf_free(&ekpub);
  vouch_buf_free(&msg);
  vouch_buf_free(&sig);
  vouch_buf_free(&vals);
}

static void test_signature_parse(void **state) {
  (void)state;
  vouch_gen_tpm_quote_opts o;
  vouch_gen_tpm_quote_opts_default(&o);
  vouch_buf msg, sig, vals;
  make_quote(g_ecc, &o, &msg, &sig, &vals);
  vouch_tpm_signature s;
  vouch_err err = {0};
  const uint8_t *sp = (const uint8_t *)sig.data;
  assert_int_equal(vouch_tpm_signature_parse(sp, sig.len, VOUCH_TPM_SIG_AUTO, 0, &s, &err),
                   VOUCH_OK);
  assert_int_equal(s.sig_alg, VOUCH_TPM_ALG_ECDSA);
  assert_int_equal(s.r_len, 32);
  assert_int_equal(s.s_len, 32);
  assert_false(s.bare);
  /* ECDSA r and s shorter than the curve size still verify (left-padded). */
  vouch_buf pub;
  vouch_buf_init(&pub, 0);
  assert_int_equal(vouch_gen_tpm_key_public(g_ecc, &pub), VOUCH_OK);
  vouch_tpm_public ak;
  assert_int_equal(vouch_tpm_public_parse((const uint8_t *)pub.data, pub.len, &ak, &err), VOUCH_OK);
  assert_int_equal(vouch_tpm_verify_signature(ak.key, &s, (const uint8_t *)msg.data, msg.len, &err),
                   VOUCH_OK);
  if (s.r[0] == 0) {
    memmove(s.r, s.r + 1, 31);
    s.r_len = 31;
    assert_int_equal(vouch_tpm_verify_signature(ak.key, &s, (const uint8_t *)msg.data, msg.len,
                                                &err),
                     VOUCH_OK);
  }
  vouch_tpm_public_cleanup(&ak);
  vouch_buf_free(&pub);
  /* Unknown sigAlg (ECDAA) and unknown hash. */
  uint8_t *b = malloc(sig.len);
  assert_non_null(b);
  memcpy(b, sp, sig.len);
  b[1] = 0x1A;
  vouch_err e = {0};
  assert_int_not_equal(vouch_tpm_signature_parse(b, sig.len, VOUCH_TPM_SIG_TPMT, 0, &s, &e),
                       VOUCH_OK);
  b[1] = 0x18;
  b[3] = 0x12; /* SM3 */
  vouch_err_clear(&e);
  assert_int_not_equal(vouch_tpm_signature_parse(b, sig.len, VOUCH_TPM_SIG_TPMT, 0, &s, &e),
                       VOUCH_OK);
  free(b);
  /* Trailing bytes. */
  uint8_t big[300] = {0};
  memcpy(big, sp, sig.len);
  vouch_err_clear(&e);
  assert_int_equal(vouch_tpm_signature_parse(big, sig.len + 1, VOUCH_TPM_SIG_TPMT, 0, &s, &e),
                   VOUCH_E_TRAILING);
  /* Bare: 256 bytes is taken as RSASSA; 200 is not an RSA size. */
  uint8_t raw[256];
  memset(raw, 0x5a, sizeof(raw));
  assert_int_equal(vouch_tpm_signature_parse(raw, 256, VOUCH_TPM_SIG_AUTO, 0, &s, &err), VOUCH_OK);
  assert_true(s.bare);
  assert_int_equal(s.hash_alg, VOUCH_TPM_ALG_SHA256);
  assert_int_equal(vouch_tpm_signature_parse(raw, 256, VOUCH_TPM_SIG_BARE_RSASSA,
                                             VOUCH_TPM_ALG_SHA384, &s, &err),
                   VOUCH_OK);
  assert_int_equal(s.hash_alg, VOUCH_TPM_ALG_SHA384);
  vouch_err_clear(&e);
  assert_int_not_equal(vouch_tpm_signature_parse(raw, 200, VOUCH_TPM_SIG_AUTO, 0, &s, &e),
                       VOUCH_OK);
  vouch_err_clear(&e);
  assert_int_not_equal(vouch_tpm_signature_parse(raw, 100, VOUCH_TPM_SIG_BARE_RSASSA, 0, &s, &e),
                       VOUCH_OK);
  vouch_buf_free(&msg);
  vouch_buf_free(&sig);
  vouch_buf_free(&vals);
}

static void test_public_parse(void **state) {
  (void)state;
  vouch_buf pub;
  vouch_buf_init(&pub, 0);
  assert_int_equal(vouch_gen_tpm_key_public(g_ecc, &pub), VOUCH_OK);
  vouch_tpm_public p;
  vouch_err err = {0};
  const uint8_t *d = (const uint8_t *)pub.data;
  assert_int_equal(vouch_tpm_public_parse(d, pub.len, &p, &err), VOUCH_OK);
  assert_int_equal(p.type, VOUCH_TPM_ALG_ECC);
  assert_int_equal(p.curve, VOUCH_TPM_ECC_NIST_P256);
  assert_int_equal(p.attributes, 0x00050072);
  assert_int_equal(p.scheme, VOUCH_TPM_ALG_ECDSA);
  assert_int_equal(p.scheme_hash, VOUCH_TPM_ALG_SHA256);
  assert_int_equal(vouch_tpm_public_check_ak(&p, &err), VOUCH_OK);
  /* The PEM form is the same key. */
  vouch_buf pem;
  vouch_buf_init(&pem, 0);
  assert_int_equal(vouch_gen_tpm_key_pem(g_ecc, &pem), VOUCH_OK);
  struct vouch_pubkey *k = NULL;
  assert_int_equal(vouch_pubkey_from_pem(pem.data, pem.len, &k), VOUCH_OK);
  assert_true(vouch_pubkey_equal(k, p.key));
  vouch_pubkey_free(k);
  vouch_buf_free(&pem);
  vouch_tpm_public_cleanup(&p);
  /* A bare TPMT_PUBLIC (no size prefix) gives the same Name. */
  assert_int_equal(vouch_tpm_public_parse(d + 2, pub.len - 2, &p, &err), VOUCH_OK);
  uint8_t name[34];
  vouch_gen_tpm_key_name(g_ecc, name);
  assert_memory_equal(p.name, name, 34);
  vouch_tpm_public_cleanup(&p);
  /* Attribute checks, each named. */
  static const struct {
    uint32_t attrs;
    const char *msg;
  } kAttrs[] = {{0x00050072 & ~VOUCH_TPMA_RESTRICTED, "lacks restricted"},
                {0x00050072 & ~VOUCH_TPMA_SIGN, "lacks sign"},
                {0x00050072 & ~VOUCH_TPMA_FIXED_TPM, "lacks fixedTPM"},
                {0x00050072 | VOUCH_TPMA_DECRYPT, "has decrypt set"}};
  for (size_t i = 0; i < sizeof(kAttrs) / sizeof(kAttrs[0]); i++) {
    vouch_gen_tpm_key_set_attributes(g_ecc, kAttrs[i].attrs);
    vouch_buf_reset(&pub);
    assert_int_equal(vouch_gen_tpm_key_public(g_ecc, &pub), VOUCH_OK);
    assert_int_equal(vouch_tpm_public_parse((const uint8_t *)pub.data, pub.len, &p, &err),
                     VOUCH_OK);
    vouch_err e = {0};
    assert_int_equal(vouch_tpm_public_check_ak(&p, &e), VOUCH_E_UNSUPPORTED);
    assert_non_null(strstr(e.msg, kAttrs[i].msg));
    vouch_tpm_public_cleanup(&p);
  }
  vouch_gen_tpm_key_set_attributes(g_ecc, 0x00050072);
  vouch_buf_reset(&pub);
  assert_int_equal(vouch_gen_tpm_key_public(g_ecc, &pub), VOUCH_OK);
  /* A point off the curve, a truncated area, trailing bytes. */
  uint8_t *b = malloc(pub.len + 1);
  assert_non_null(b);
  memcpy(b, pub.data, pub.len);
  b[pub.len - 1] ^= 1;
  vouch_err e = {0};
  assert_int_not_equal(vouch_tpm_public_parse(b, pub.len, &p, &e), VOUCH_OK);
  assert_non_null(strstr(e.msg, "not a point on the curve"));
  b[pub.len - 1] ^= 1;
  for (size_t n = 0; n < pub.len; n++) {
    vouch_err_clear(&e);
    assert_int_not_equal(vouch_tpm_public_parse(b, n, &p, &e), VOUCH_OK);
  }
  b[pub.len] = 0;
  vouch_err_clear(&e);
  assert_int_not_equal(vouch_tpm_public_parse(b, pub.len + 1, &p, &e), VOUCH_OK);
  free(b);
  vouch_buf_free(&pub);
}

static void test_pcrs_json(void **state) {
  (void)state;
  vouch_tpm_pcrs p;
  vouch_err err = {0};
  const char *j = "{\"sha1\":{\"0\":\"0000000000000000000000000000000000000001\"},"
                  "\"sha256\":{\"23\":\"" "00000000000000000000000000000000"
                  "000000000000000000000000000000ff\"}}";
  assert_int_equal(vouch_tpm_pcrs_from_json(j, strlen(j), &p, &err), VOUCH_OK);
  const vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_find(&p, VOUCH_TPM_ALG_SHA256);
  assert_non_null(b);
  assert_int_equal(b->present, 1u << 23);
  assert_int_equal(b->value[23][31], 0xff);
  static const char *kBad[] = {"[]", "{\"sha3\":{}}", "{\"sha1\":{\"x\":\"00\"}}",
                               "{\"sha1\":{\"0\":\"00\"}}", "{\"sha1\":{\"07\":\"00\"}}",
                               "{\"sha1\":[]}", "{\"sha1\":{\"0\":1}}"};
  for (size_t i = 0; i < sizeof(kBad) / sizeof(kBad[0]); i++) {
    vouch_err e = {0};
    assert_int_not_equal(vouch_tpm_pcrs_from_json(kBad[i], strlen(kBad[i]), &p, &e), VOUCH_OK);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_selection),
      cmocka_unit_test(test_attest_parse),
      cmocka_unit_test(test_signature_parse),
      cmocka_unit_test(test_public_parse),
      cmocka_unit_test(test_pcrs_json),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
