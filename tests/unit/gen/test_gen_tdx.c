/* tests/unit/gen/test_gen_tdx.c - the synthetic TDX evidence of tools/gen,
 * read back with the project's own parsers (vouch_quote_parse,
 * vouch_tcb_info_parse, vouch_qe_identity_parse, the collateral reader),
 * not with the generator's code: every TD report field round-trips for v4,
 * v5 TD 1.0 and v5 TD 1.5; the byte offsets of spec §4.2/§4.3; type 6
 * wrapping type 5; trailing bytes; the three signed messages of §5; the
 * TDX TCB Info and TD_QE identity shapes; the TDX kinds and the corpus. */
/* cmocka needs setjmp.h, stdarg.h, stddef.h and stdint.h first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "tools/gen/gen.h"
#include "verifiers/dcap/dcap.h"

#define NOW INT64_C(1751328000) /* 2025-07-01T00:00:00Z */

static vouch_gen_pki *g_pki;
static vouch_gen_platform *g_pl;

static void check(vouch_status s, const vouch_err *err, const char *what) {
  if (s != VOUCH_OK) fail_msg("%s: %s (%s)", what, vouch_status_name(s), err ? err->msg : "");
}

static int setup(void **state) {
  (void)state;
  vouch_err err = {0};
  vouch_gen_pki_opts po = {.now = NOW, .seed = 21};
  check(vouch_gen_pki_new(&po, &g_pki, &err), &err, "pki");
  vouch_gen_platform_opts plo;
  vouch_gen_tdx_platform_opts_default(&plo);
  check(vouch_gen_platform_new(g_pki, &plo, &g_pl, &err), &err, "platform");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  vouch_gen_platform_free(g_pl);
  vouch_gen_pki_free(g_pki);
  g_pl = NULL;
  g_pki = NULL;
  return 0;
}

static uint16_t le16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* fill sets every byte field of |o| to a distinct pattern. */
static void fill(uint8_t *p, size_t n, uint8_t tag) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(tag + 7 * i);
}

static void patterned_opts(vouch_gen_td_quote_opts *o) {
  vouch_gen_td_quote_opts_default(o);
  o->tee_tcb_svn_from_platform = false;
  fill(o->tee_tcb_svn, 16, 0x10);
  fill(o->mrseam, 48, 0x20);
  fill(o->mrsignerseam, 48, 0x30);
  fill(o->seam_attributes, 8, 0x40);
  fill(o->td_attributes, 8, 0x50); /* bit 0 of byte 0 clear: 0x50 */
  o->debug = true;
  fill(o->xfam, 8, 0x60);
  fill(o->mrtd, 48, 0x70);
  fill(o->mrconfigid, 48, 0x80);
  fill(o->mrowner, 48, 0x90);
  fill(o->mrownerconfig, 48, 0xA0);
  for (int r = 0; r < 4; r++) fill(o->rtmr[r], 48, (uint8_t)(0xB0 + r));
  fill(o->report_data, 64, 0xC0);
  o->tee_tcb_svn2_from_svn = false;
  fill(o->tee_tcb_svn2, 16, 0xD0);
  fill(o->mrservicetd, 48, 0xE0);
}

/* verify_sig checks a raw r||s ECDSA P-256 signature over |msg|. */
static bool verify_sig(const uint8_t xy[64], const uint8_t *msg, size_t len,
                       const uint8_t sig[64]) {
  struct vouch_pubkey *k = NULL;
  if (vouch_pubkey_from_p256_xy(xy, &k) != VOUCH_OK) return false;
  uint8_t h[32];
  vouch_sha256(msg, len, h);
  bool ok = vouch_ecdsa_verify_rs_digest(k, h, 32, sig, 64) == VOUCH_OK;
  vouch_pubkey_free(k);
  return ok;
}

/* pck_xy reads the PCK leaf's public key from |pl|'s certificate. */
static void pck_xy(const vouch_gen_platform *pl, uint8_t xy[64]) {
  const uint8_t *der;
  size_t len;
  vouch_gen_platform_pck_der(pl, &der, &len);
  struct vouch_cert *c = NULL;
  check(vouch_cert_from_der(der, len, &c), NULL, "pck cert");
  struct vouch_pubkey *k = NULL;
  check(vouch_cert_pubkey(c, &k), NULL, "pck key");
  check(vouch_pubkey_p256_xy(k, xy), NULL, "pck xy");
  vouch_pubkey_free(k);
  vouch_cert_free(c);
}

/* signatures_ok: quote signature, QE report signature, QE binding. */
static void expect_signatures(const vouch_quote *q, bool quote_ok, bool qe_ok, bool binding_ok) {
  assert_int_equal(verify_sig(q->att_key, q->signed_data, q->signed_len, q->signature), quote_ok);
  uint8_t xy[64];
  pck_xy(g_pl, xy);
  assert_int_equal(verify_sig(xy, q->qe_report.raw, 384, q->qe_report_sig), qe_ok);
  uint8_t msg[64 + 64], h[32];
  assert_true(q->qe_auth_len <= 64);
  memcpy(msg, q->att_key, 64);
  memcpy(msg + 64, q->qe_auth, q->qe_auth_len);
  vouch_sha256(msg, 64 + q->qe_auth_len, h);
  static const uint8_t kZero[32];
  bool bound = memcmp(h, q->qe_report.report_data, 32) == 0 &&
               memcmp(q->qe_report.report_data + 32, kZero, 32) == 0;
  assert_int_equal(bound, binding_ok);
}

static void parse(const vouch_buf *b, vouch_quote *q) {
  vouch_err err = {0};
  check(vouch_quote_parse((const uint8_t *)b->data, b->len, q, &err), &err, "quote parse");
}

/* Every field of the TD report round-trips through vouch_quote_parse, for
 * each version and body type, at the offsets of spec §4.2 / §4.3. */
static void test_td_quote_round_trip(void **state) {
  (void)state;
  static const struct {
    vouch_gen_td_format f;
    uint16_t version, body_type;
    size_t body_off, body_len, sig_len_off;
  } kCases[] = {
      {VOUCH_GEN_TD_FORMAT_V4, 4, VOUCH_BODY_TD10, 48, 584, 632},
      {VOUCH_GEN_TD_FORMAT_V5_TD10, 5, VOUCH_BODY_TD10, 54, 584, 638},
      {VOUCH_GEN_TD_FORMAT_V5_TD15, 5, VOUCH_BODY_TD15, 54, 648, 702},
  };
  for (size_t c = 0; c < sizeof(kCases) / sizeof(kCases[0]); c++) {
    vouch_gen_td_quote_opts o;
    patterned_opts(&o);
    vouch_gen_td_quote_set_format(&o, kCases[c].f);
    vouch_buf b;
    vouch_buf_init(&b, 0);
    check(vouch_gen_td_quote(g_pl, &o, &b), NULL, "td quote");
    const uint8_t *raw = (const uint8_t *)b.data;
    vouch_quote q;
    parse(&b, &q);

    /* Header (§2): TDX quotes carry qe_svn and pce_svn 0. */
    assert_int_equal(q.version, kCases[c].version);
    assert_int_equal(q.att_key_type, 2);
    assert_int_equal(q.tee_type, 0x81);
    assert_int_equal(q.qe_svn, 0);
    assert_int_equal(q.pce_svn, 0);
    assert_memory_equal(q.qe_vendor_id, vouch_intel_qe_vendor_id, 16);
    static const uint8_t kZero4[4];
    assert_memory_equal(q.user_data + 16, kZero4, 4);
    assert_int_equal(q.body_type, kCases[c].body_type);
    if (kCases[c].version == 5) {
      assert_int_equal(le16(raw + 48), kCases[c].body_type);
      assert_int_equal(le32(raw + 50), kCases[c].body_len);
    }

    /* TD report body (§3.2): every field, and its offset in the quote. */
    const vouch_td_report *td = &q.td;
    assert_ptr_equal(td->raw, raw + kCases[c].body_off);
    assert_int_equal(td->raw_len, kCases[c].body_len);
    assert_int_equal(td->is_v15, kCases[c].body_type == VOUCH_BODY_TD15);
    assert_memory_equal(td->tee_tcb_svn, o.tee_tcb_svn, 16);
    assert_memory_equal(td->mrseam, o.mrseam, 48);
    assert_memory_equal(td->mrsignerseam, o.mrsignerseam, 48);
    assert_memory_equal(td->seam_attributes, o.seam_attributes, 8);
    uint8_t tda[8];
    memcpy(tda, o.td_attributes, 8);
    tda[0] |= 0x01; /* debug */
    assert_memory_equal(td->td_attributes, tda, 8);
    assert_memory_equal(td->xfam, o.xfam, 8);
    assert_memory_equal(td->mrtd, o.mrtd, 48);
    assert_memory_equal(td->mrconfigid, o.mrconfigid, 48);
    assert_memory_equal(td->mrowner, o.mrowner, 48);
    assert_memory_equal(td->mrownerconfig, o.mrownerconfig, 48);
    assert_memory_equal(td->rtmr, o.rtmr, 4 * 48);
    assert_memory_equal(td->report_data, o.report_data, 64);
    assert_memory_equal(td->raw + 0, o.tee_tcb_svn, 16);
    assert_memory_equal(td->raw + 136, o.mrtd, 48);
    assert_memory_equal(td->raw + 472, o.rtmr[3], 48);
    assert_memory_equal(td->raw + 520, o.report_data, 64);
    if (td->is_v15) {
      assert_memory_equal(td->tee_tcb_svn2, o.tee_tcb_svn2, 16);
      assert_memory_equal(td->mrservicetd, o.mrservicetd, 48);
      assert_memory_equal(td->raw + 584, o.tee_tcb_svn2, 16);
      assert_memory_equal(td->raw + 600, o.mrservicetd, 48);
    }

    /* Signed range and signature data (§4.2, §5). */
    size_t sl = kCases[c].sig_len_off;
    assert_ptr_equal(q.signed_data, raw);
    assert_int_equal(q.signed_len, sl);
    assert_int_equal(le32(raw + sl), b.len - sl - 4);
    assert_ptr_equal(q.signature, raw + sl + 4);
    assert_ptr_equal(q.att_key, raw + sl + 68);
    assert_memory_equal(q.att_key, vouch_gen_platform_att_key(g_pl), 64);
    assert_int_equal(le16(raw + sl + 132), 6); /* outer type 6 header */
    assert_int_equal(le32(raw + sl + 134), b.len - (sl + 138));
    assert_int_equal(q.outer_cert_type, 6);
    assert_ptr_equal(q.qe_report.raw, raw + sl + 138);
    assert_memory_equal(q.qe_report.raw, vouch_gen_platform_qe_report(g_pl), 384);
    assert_memory_equal(q.qe_report_sig, vouch_gen_platform_qe_report_sig(g_pl), 64);
    assert_int_equal(q.qe_auth_len, 32);
    for (size_t i = 0; i < 32; i++) assert_int_equal(q.qe_auth[i], i);
    assert_int_equal(q.cert_type, 5); /* inner: the PCK chain */
    vouch_buf chain;
    vouch_buf_init(&chain, 0);
    check(vouch_gen_platform_pck_chain_pem(g_pl, &chain), NULL, "chain");
    vouch_buf_putc(&chain, '\0'); /* counted in the size, as Intel's QE does */
    assert_int_equal(q.cert_data_len, chain.len);
    assert_memory_equal(q.cert_data, chain.data, chain.len);
    vouch_buf_free(&chain);
    assert_int_equal(q.total_len, b.len);
    assert_int_equal(q.trailing_len, 0);
    /* The TD_QE report: Intel's TD_QE identity, svn 4. */
    static const uint8_t kTdQeMrsigner[4] = {0xDC, 0x9E, 0x2A, 0x7C};
    assert_memory_equal(q.qe_report.mrsigner, kTdQeMrsigner, 4);
    assert_int_equal(q.qe_report.isv_prod_id, 2);
    assert_int_equal(q.qe_report.isv_svn, 4);
    expect_signatures(&q, true, true, true);
    vouch_buf_free(&b);
  }
}

/* Defaults: TEE_TCB_SVN (and TEE_TCB_SVN2) from the platform, Intel's
 * module, SEPT_VE_DISABLE, not debug. */
static void test_td_quote_defaults(void **state) {
  (void)state;
  static const uint8_t kSvn[16] = {5, 1, 7};
  assert_true(vouch_gen_platform_is_tdx(g_pl));
  assert_memory_equal(vouch_gen_platform_tee_tcb_svn(g_pl), kSvn, 16);
  vouch_gen_td_quote_opts o;
  vouch_gen_td_quote_opts_default(&o);
  assert_int_equal(o.version, 4);
  vouch_buf b;
  vouch_buf_init(&b, 0);
  check(vouch_gen_td_quote(g_pl, &o, &b), NULL, "td quote");
  vouch_quote q;
  parse(&b, &q);
  assert_memory_equal(q.td.tee_tcb_svn, kSvn, 16);
  static const uint8_t kZero48[48];
  assert_memory_equal(q.td.mrsignerseam, kZero48, 48);
  assert_memory_equal(q.td.seam_attributes, kZero48, 8);
  assert_int_equal(q.td.td_attributes[0] & 1, 0);
  assert_int_equal(q.td.td_attributes[3], 0x10);
  assert_memory_not_equal(q.td.mrtd, kZero48, 48);
  expect_signatures(&q, true, true, true);
  vouch_buf_reset(&b);
  vouch_gen_td_quote_set_format(&o, VOUCH_GEN_TD_FORMAT_V5_TD15);
  check(vouch_gen_td_quote(g_pl, &o, &b), NULL, "td quote 1.5");
  parse(&b, &q);
  assert_true(q.td.is_v15);
  assert_memory_equal(q.td.tee_tcb_svn2, kSvn, 16);
  assert_memory_equal(q.td.mrservicetd, kZero48, 48);
  vouch_buf_free(&b);
}

/* Zero padding after the signature data is outside every length and
 * reported as trailing bytes. */
static void test_td_quote_trailing(void **state) {
  (void)state;
  static const size_t kTrailing[] = {70, 3065};
  for (size_t i = 0; i < 2; i++) {
    vouch_gen_td_quote_opts o;
    vouch_gen_td_quote_opts_default(&o);
    o.trailing_len = kTrailing[i];
    vouch_buf b;
    vouch_buf_init(&b, 0);
    check(vouch_gen_td_quote(g_pl, &o, &b), NULL, "td quote");
    vouch_quote q;
    parse(&b, &q);
    assert_int_equal(q.trailing_len, kTrailing[i]);
    assert_int_equal(q.total_len + kTrailing[i], b.len);
    for (size_t k = q.total_len; k < b.len; k++) assert_int_equal((uint8_t)b.data[k], 0);
    expect_signatures(&q, true, true, true);
    vouch_buf_free(&b);
  }
}

/* Corruptions hit exactly the named signed message. */
static void test_td_quote_corruptions(void **state) {
  (void)state;
  static const struct {
    unsigned corrupt;
    bool quote_ok, qe_ok, binding_ok;
  } kCases[] = {
      {VOUCH_GEN_CORRUPT_QUOTE_SIG, false, true, true},
      {VOUCH_GEN_CORRUPT_QE_REPORT_SIG, true, false, true},
      {VOUCH_GEN_CORRUPT_QE_REPORT, true, false, true},
      {VOUCH_GEN_CORRUPT_QE_AUTH_DATA, true, true, false},
  };
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    vouch_gen_td_quote_opts o;
    vouch_gen_td_quote_opts_default(&o);
    vouch_gen_td_quote_set_format(&o, (vouch_gen_td_format)(i % VOUCH_GEN_TD_FORMAT_COUNT));
    o.corrupt = kCases[i].corrupt;
    vouch_buf b;
    vouch_buf_init(&b, 0);
    check(vouch_gen_td_quote(g_pl, &o, &b), NULL, "td quote");
    vouch_quote q;
    parse(&b, &q);
    expect_signatures(&q, kCases[i].quote_ok, kCases[i].qe_ok, kCases[i].binding_ok);
    vouch_buf_free(&b);
  }
  /* The platform's own QE material is untouched. */
  vouch_gen_td_quote_opts o;
  vouch_gen_td_quote_opts_default(&o);
  vouch_buf b;
  vouch_buf_init(&b, 0);
  check(vouch_gen_td_quote(g_pl, &o, &b), NULL, "td quote");
  vouch_quote q;
  parse(&b, &q);
  expect_signatures(&q, true, true, true);
  vouch_buf_free(&b);
}

/* Inner certification data types 1 and 4 are wrapped in type 6 too. */
static void test_td_quote_inner_types(void **state) {
  (void)state;
  static const uint16_t kTypes[] = {1, 4};
  for (size_t i = 0; i < 2; i++) {
    vouch_gen_platform_opts plo;
    vouch_gen_tdx_platform_opts_default(&plo);
    plo.cert_data_type = kTypes[i];
    vouch_gen_platform *pl = NULL;
    vouch_err err = {0};
    check(vouch_gen_platform_new(g_pki, &plo, &pl, &err), &err, "platform");
    vouch_gen_td_quote_opts o;
    vouch_gen_td_quote_opts_default(&o);
    vouch_buf b;
    vouch_buf_init(&b, 0);
    check(vouch_gen_td_quote(pl, &o, &b), NULL, "td quote");
    vouch_quote q;
    parse(&b, &q);
    assert_int_equal(q.outer_cert_type, 6);
    assert_int_equal(q.cert_type, kTypes[i]);
    if (kTypes[i] == 1) assert_int_equal(q.cert_data_len, 36);
    vouch_buf_free(&b);
    vouch_gen_platform_free(pl);
  }
}

static void test_td_quote_bad_arguments(void **state) {
  (void)state;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_gen_td_quote_opts o;
  vouch_gen_td_quote_opts_default(&o);
  o.version = 3;
  assert_int_equal(vouch_gen_td_quote(g_pl, &o, &b), VOUCH_E_ARG);
  o.version = 4;
  o.body_type = VOUCH_GEN_TD_BODY_15; /* TD 1.5 needs v5 */
  assert_int_equal(vouch_gen_td_quote(g_pl, &o, &b), VOUCH_E_ARG);
  o.version = 5;
  o.body_type = 1; /* SGX body */
  assert_int_equal(vouch_gen_td_quote(g_pl, &o, &b), VOUCH_E_ARG);
  /* An SGX quote from a TDX platform, a TD quote from an SGX platform. */
  vouch_gen_quote_opts sq;
  vouch_gen_quote_opts_default(&sq);
  assert_int_equal(vouch_gen_quote(g_pl, &sq, &b), VOUCH_E_ARG);
  vouch_gen_platform_opts plo;
  vouch_gen_platform_opts_default(&plo);
  vouch_gen_platform *sgx = NULL;
  vouch_err err = {0};
  check(vouch_gen_platform_new(g_pki, &plo, &sgx, &err), &err, "sgx platform");
  vouch_gen_td_quote_opts_default(&o);
  assert_int_equal(vouch_gen_td_quote(sgx, &o, &b), VOUCH_E_ARG);
  assert_false(vouch_gen_platform_is_tdx(sgx));
  assert_int_equal(b.len, 0);
  vouch_gen_platform_free(sgx);
  vouch_buf_free(&b);
}

/* ---- collateral ----------------------------------------------------------- */

static vouch_gen_tcb_info *new_tcb_info(const vouch_gen_tcb_info_opts *to) {
  vouch_gen_tcb_info *ti = NULL;
  vouch_err err = {0};
  check(vouch_gen_tcb_info_new(g_pki, to, &ti, &err), &err, "tcb info");
  return ti;
}

static void parse_tcb_info(const vouch_gen_tcb_info *ti, vouch_tcb_info *out) {
  size_t len;
  const char *text = vouch_gen_tcb_info_text(ti, &len);
  vouch_err err = {0};
  check(vouch_tcb_info_parse(text, len, out, &err), &err, "tcb info parse");
}

static void tcb_signing_xy(uint8_t xy[64]) {
  const uint8_t *der;
  size_t len;
  check(vouch_gen_pki_cert_der(g_pki, VOUCH_GEN_TCB_SIGNING, &der, &len), NULL, "der");
  struct vouch_cert *c = NULL;
  check(vouch_cert_from_der(der, len, &c), NULL, "tcb signing cert");
  struct vouch_pubkey *k = NULL;
  check(vouch_cert_pubkey(c, &k), NULL, "key");
  check(vouch_pubkey_p256_xy(k, xy), NULL, "xy");
  vouch_pubkey_free(k);
  vouch_cert_free(c);
}

static bool has_advisory(const vouch_tcb_info *ti, const vouch_tcb_level *l, const char *id) {
  for (size_t i = 0; i < l->adv_count; i++)
    if (strcmp(ti->advisories[l->adv_first + i], id) == 0) return true;
  return false;
}

/* The TDX TCB Info parses with the project's parser: id TDX, the module
 * identities, TDX components per level, and the platform lands on the
 * level and module level it was built for. */
static void test_tdx_tcb_info(void **state) {
  (void)state;
  vouch_gen_tcb_info_opts to;
  vouch_gen_tdx_tcb_info_opts_default(&to, g_pl, "SWHardeningNeeded", "OutOfDate");
  vouch_gen_tcb_info *ti = new_tcb_info(&to);
  size_t len;
  const char *text = vouch_gen_tcb_info_text(ti, &len);
  /* Intel's key order (vector tdx/automata-tdx-v4-outofdate). */
  const char *keys[] = {"{\"id\":\"TDX\",\"version\":3,",
                        "\"tcbEvaluationDataNumber\":17,",
                        "\"tdxModule\":{\"mrsigner\":\"",
                        "\"tdxModuleIdentities\":[{\"id\":\"TDX_03\"",
                        "{\"id\":\"TDX_01\"",
                        "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\""};
  const char *at = text;
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    const char *p = strstr(at, keys[i]);
    if (p == NULL)
      fail_msg("TCB Info lacks %s after offset %zu: %s", keys[i], (size_t)(at - text), text);
    at = p;
  }
  assert_non_null(
      strstr(text, "\"pcesvn\":11,\"tdxtcbcomponents\":[{\"svn\":5},{\"svn\":1},{\"svn\":7}"));
  assert_non_null(strstr(text, "\"attributesMask\":\"FFFFFFFFFFFFFFFF\""));

  uint8_t xy[64];
  tcb_signing_xy(xy);
  assert_true(verify_sig(xy, (const uint8_t *)text, len, vouch_gen_tcb_info_signature(ti)));

  vouch_tcb_info p;
  parse_tcb_info(ti, &p);
  assert_int_equal(p.version, 3);
  assert_string_equal(p.id, "TDX");
  assert_memory_equal(p.fmspc, vouch_gen_platform_pck(g_pl)->fmspc, 6);
  assert_true(p.has_tdx_module);
  static const uint8_t kZero48[48];
  static const uint8_t kOnes8[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  assert_memory_equal(p.tdx_module_mrsigner, kZero48, 48);
  assert_memory_equal(p.tdx_module_attributes, kZero48, 8);
  assert_memory_equal(p.tdx_module_attributes_mask, kOnes8, 8);
  /* Levels: newer UpToDate (TDX component 2 one higher), the platform's
   * (SWHardeningNeeded), an older OutOfDate. */
  const uint8_t *svn = vouch_gen_platform_tee_tcb_svn(g_pl);
  const vouch_gen_pck_fields *pck = vouch_gen_platform_pck(g_pl);
  assert_int_equal(p.num_levels, 3);
  for (size_t i = 0; i < 3; i++) assert_true(p.levels[i].has_tdx);
  assert_int_equal(p.levels[0].status, VOUCH_TCB_UP_TO_DATE);
  assert_memory_equal(p.levels[0].sgx_svn, pck->comp_svn, 16);
  assert_int_equal(p.levels[0].tdx_svn[2], svn[2] + 1);
  assert_int_equal(p.levels[1].status, VOUCH_TCB_SW_HARDENING_NEEDED);
  assert_memory_equal(p.levels[1].sgx_svn, pck->comp_svn, 16);
  assert_int_equal(p.levels[1].pcesvn, pck->pcesvn);
  assert_memory_equal(p.levels[1].tdx_svn, svn, 16);
  assert_true(has_advisory(&p, &p.levels[1], "INTEL-SA-00615"));
  assert_int_equal(p.levels[2].status, VOUCH_TCB_OUT_OF_DATE);
  assert_int_equal(p.levels[2].tdx_svn[2], svn[2] - 1);
  /* Module identities: a decoy TDX_03 first, then TDX_01 with the module
   * SVN 5 level OutOfDate under a newer UpToDate one. */
  assert_int_equal(p.num_module_ids, 2);
  assert_string_equal(p.module_ids[0].id, "TDX_03");
  assert_string_equal(p.module_ids[1].id, "TDX_01");
  const vouch_tdx_module_identity *m = &p.module_ids[1];
  assert_memory_equal(m->mrsigner, kZero48, 48);
  assert_memory_equal(m->attributes_mask, kOnes8, 8);
  assert_int_equal(m->level_count, 3);
  const vouch_tcb_level *ml = &p.module_levels[m->level_first];
  assert_int_equal(ml[0].isvsvn, 6);
  assert_int_equal(ml[0].status, VOUCH_TCB_UP_TO_DATE);
  assert_int_equal(ml[1].isvsvn, 5);
  assert_int_equal(ml[1].status, VOUCH_TCB_OUT_OF_DATE);
  assert_true(has_advisory(&p, &ml[1], "INTEL-SA-01036"));
  assert_int_equal(ml[2].isvsvn, 4);
  vouch_tcb_info_cleanup(&p);
  vouch_gen_tcb_info_free(ti);

  /* UpToDate with an UpToDate module: no newer level, module SVN 5 on top. */
  vouch_gen_tdx_tcb_info_opts_default(&to, NULL, NULL, NULL);
  ti = new_tcb_info(&to);
  parse_tcb_info(ti, &p);
  assert_int_equal(p.num_levels, 2);
  assert_int_equal(p.levels[0].status, VOUCH_TCB_UP_TO_DATE);
  assert_int_equal(p.levels[0].adv_count, 0);
  assert_int_equal(p.module_levels[p.module_ids[1].level_first].isvsvn, 5);
  assert_int_equal(p.module_levels[p.module_ids[1].level_first].status, VOUCH_TCB_UP_TO_DATE);
  vouch_tcb_info_cleanup(&p);
  vouch_gen_tcb_info_free(ti);

  /* Major version 0: matched through tdxModule alone, no identities. */
  vouch_gen_platform_opts plo;
  vouch_gen_tdx_platform_opts_default(&plo);
  plo.tee_tcb_svn[1] = 0;
  vouch_gen_platform *pl0 = NULL;
  vouch_err err = {0};
  check(vouch_gen_platform_new(g_pki, &plo, &pl0, &err), &err, "platform");
  vouch_gen_tdx_tcb_info_opts_default(&to, pl0, NULL, NULL);
  ti = new_tcb_info(&to);
  text = vouch_gen_tcb_info_text(ti, &len);
  assert_null(strstr(text, "tdxModuleIdentities"));
  parse_tcb_info(ti, &p);
  assert_true(p.has_tdx_module);
  assert_int_equal(p.num_module_ids, 0);
  vouch_tcb_info_cleanup(&p);
  vouch_gen_tcb_info_free(ti);
  vouch_gen_platform_free(pl0);

  /* An SGX TCB Info given the id "TDX" without the TDX parts stays
   * malformed (the SGX matrix relies on it). */
  vouch_gen_tcb_info_opts_default(&to, NULL, NULL);
  to.id = "TDX";
  ti = new_tcb_info(&to);
  text = vouch_gen_tcb_info_text(ti, &len);
  assert_null(strstr(text, "tdxModule"));
  assert_null(strstr(text, "tdxtcbcomponents"));
  assert_int_equal(vouch_tcb_info_parse(text, len, &p, &err), VOUCH_E_MALFORMED);
  vouch_gen_tcb_info_free(ti);
  /* TDX parts need version 3. */
  vouch_gen_tdx_tcb_info_opts_default(&to, NULL, NULL, NULL);
  to.version = 2;
  assert_int_equal(vouch_gen_tcb_info_new(g_pki, &to, &ti, &err), VOUCH_E_ARG);
}

static void test_td_qe_identity(void **state) {
  (void)state;
  vouch_gen_qe_identity_opts qo;
  vouch_gen_td_qe_identity_opts_default(&qo);
  vouch_gen_qe_identity *qe = NULL;
  vouch_err err = {0};
  check(vouch_gen_qe_identity_new(g_pki, &qo, &qe, &err), &err, "td_qe");
  assert_string_equal(vouch_gen_qe_identity_id(qe), "TD_QE");
  size_t len;
  const char *text = vouch_gen_qe_identity_text(qe, &len);
  assert_non_null(strstr(text, "{\"id\":\"TD_QE\",\"version\":2,"));
  uint8_t xy[64];
  tcb_signing_xy(xy);
  assert_true(verify_sig(xy, (const uint8_t *)text, len, vouch_gen_qe_identity_signature(qe)));
  vouch_qe_identity p;
  check(vouch_qe_identity_parse(text, len, &p, &err), &err, "td_qe parse");
  assert_string_equal(p.id, "TD_QE");
  assert_int_equal(p.isvprodid, 2);
  static const uint8_t kMrsigner[32] = {0xDC, 0x9E, 0x2A, 0x7C, 0x6F, 0x94, 0x8F, 0x17,
                                        0x47, 0x4E, 0x34, 0xA7, 0xFC, 0x43, 0xED, 0x03,
                                        0x0F, 0x7C, 0x15, 0x63, 0xF1, 0xBA, 0xBD, 0xDF,
                                        0x63, 0x40, 0xC8, 0x2E, 0x0E, 0x54, 0xA8, 0xC5};
  assert_memory_equal(p.mrsigner, kMrsigner, 32);
  assert_int_equal(p.num_levels, 2);
  assert_int_equal(p.levels[0].isvsvn, 4);
  assert_int_equal(p.levels[0].status, VOUCH_TCB_UP_TO_DATE);
  assert_int_equal(p.levels[1].isvsvn, 2);
  assert_int_equal(p.levels[1].status, VOUCH_TCB_OUT_OF_DATE);
  /* The TDX platform's TD_QE report matches it under the masks. */
  const uint8_t *rep = vouch_gen_platform_qe_report(g_pl);
  for (int i = 0; i < 16; i++)
    assert_int_equal(rep[48 + i] & p.attributes_mask[i], p.attributes[i]);
  assert_memory_equal(rep + 128, p.mrsigner, 32);
  assert_int_equal(le16(rep + 256), p.isvprodid);
  vouch_qe_identity_cleanup(&p);
  vouch_gen_qe_identity_free(qe);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* The bundle reads back as collateral; the directory files TDX TCB Info
 * under intel/tdx/ and the TD_QE identity under intel/td_qe/. */
static void test_tdx_bundle_and_dir(void **state) {
  (void)state;
  vouch_gen_tcb_info_opts to;
  vouch_gen_tdx_tcb_info_opts_default(&to, g_pl, NULL, NULL);
  vouch_gen_tcb_info *ti = new_tcb_info(&to);
  vouch_gen_qe_identity_opts qo;
  vouch_gen_td_qe_identity_opts_default(&qo);
  vouch_gen_qe_identity *qe = NULL;
  vouch_err err = {0};
  check(vouch_gen_qe_identity_new(g_pki, &qo, &qe, &err), &err, "td_qe");
  vouch_buf b;
  vouch_buf_init(&b, 0);
  check(vouch_gen_bundle_json(g_pki, g_pl, ti, qe, NULL, &b, &err), &err, "bundle");
  vouch_dcap_collateral coll;
  check(vouch_dcap_collateral_from_json(b.data, b.len, &coll, &err), &err, "collateral");
  size_t len;
  const char *text = vouch_gen_tcb_info_text(ti, &len);
  assert_int_equal(coll.tcb_info.len, len);
  assert_memory_equal(coll.tcb_info.data, text, len);
  assert_int_equal(coll.pck_certificate_chain.len, 0); /* the quote carries it */
  assert_non_null(memmem(coll.qe_identity.data, coll.qe_identity.len, "\"TD_QE\"", 7));
  vouch_dcap_collateral_cleanup(&coll);
  vouch_buf_free(&b);

  char dir[] = "/tmp/vouch-gen-tdx-XXXXXX";
  assert_non_null(mkdtemp(dir));
  const vouch_gen_tcb_info *tis[1] = {ti};
  const vouch_gen_qe_identity *qes[1] = {qe};
  check(vouch_gen_collateral_dir_write(dir, g_pki, tis, 1, qes, 1, &err), &err, "dir");
  char path[256];
  snprintf(path, sizeof(path), "%s/intel/tdx/tcbinfo/00806F050000/17.json", dir);
  assert_int_equal(access(path, R_OK), 0);
  snprintf(path, sizeof(path), "%s/intel/td_qe/17.json", dir);
  assert_int_equal(access(path, R_OK), 0);
  snprintf(path, sizeof(path), "%s/intel/sgx", dir);
  assert_int_not_equal(access(path, F_OK), 0);
  snprintf(path, sizeof(path), "%s/intel/qe", dir);
  assert_int_not_equal(access(path, F_OK), 0);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  vouch_gen_qe_identity_free(qe);
  vouch_gen_tcb_info_free(ti);
}

/* ---- kinds and corpus ---------------------------------------------------- */

static void expect_ids(const vouch_gen_expected *e, const char *const *ids, size_t n) {
  if (e->num_advisory_ids != n) fail_msg("%zu advisory IDs, want %zu", e->num_advisory_ids, n);
  for (size_t i = 0; i < n; i++) assert_string_equal(e->advisory_ids[i], ids[i]);
}

static void test_tdx_kinds(void **state) {
  (void)state;
  assert_int_equal(vouch_gen_tee_kind_count(VOUCH_GEN_TEE_TDX), VOUCH_GEN_TDX_KIND_COUNT);
  for (unsigned k = 0; k < VOUCH_GEN_TDX_KIND_COUNT; k++) {
    const char *name = vouch_gen_tee_kind_name(VOUCH_GEN_TEE_TDX, k);
    unsigned back = 99;
    assert_int_equal(vouch_gen_tee_kind_parse(VOUCH_GEN_TEE_TDX, name, strlen(name), &back),
                     VOUCH_OK);
    assert_int_equal(back, k);
    vouch_gen_expected e;
    vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, k, &e);
    assert_non_null(e.status);
    if (e.error_code != NULL) assert_int_equal(e.num_advisory_ids, 0);
  }
  unsigned k = 0;
  assert_int_equal(vouch_gen_tee_kind_parse(VOUCH_GEN_TEE_TDX, "revoked-pck", 11, &k), VOUCH_OK);
  assert_int_equal(k, VOUCH_GEN_TDX_KIND_REVOKED_PCK);
  assert_int_equal(vouch_gen_tee_kind_parse(VOUCH_GEN_TEE_TDX, "REVOKED", 7, &k), VOUCH_E_ARG);
  assert_int_equal(vouch_gen_tee_kind_parse(VOUCH_GEN_TEE_TDX, "qe-mismatch", 11, &k), VOUCH_E_ARG);
  assert_int_equal(vouch_gen_tee_kind_parse(VOUCH_GEN_TEE_SGX, "relaunch", 8, &k), VOUCH_E_ARG);

  /* Expected verdicts and the advisory union (TDX level, module, QE). */
  vouch_gen_expected e;
  vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, VOUCH_GEN_TDX_KIND_UP_TO_DATE, &e);
  assert_string_equal(e.status, "affirming");
  assert_string_equal(e.tcb_status, "UpToDate");
  expect_ids(&e, NULL, 0);
  vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, VOUCH_GEN_TDX_KIND_OUT_OF_DATE, &e);
  static const char *const kOod[] = {"INTEL-SA-00828", "INTEL-SA-00615"};
  expect_ids(&e, kOod, 2);
  vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, VOUCH_GEN_TDX_KIND_MODULE_OUT_OF_DATE, &e);
  assert_string_equal(e.status, "contraindicated");
  assert_string_equal(e.tcb_status, "OutOfDate");
  static const char *const kModule[] = {"INTEL-SA-01036", "INTEL-SA-00615"};
  expect_ids(&e, kModule, 2);
  vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, VOUCH_GEN_TDX_KIND_RELAUNCH, &e);
  assert_string_equal(e.status, "warning");
  assert_string_equal(e.tcb_status, "TDRelaunchAdvised");
  expect_ids(&e, kModule, 2);
  vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, VOUCH_GEN_TDX_KIND_DEBUG, &e);
  assert_string_equal(e.status, "warning");
  assert_string_equal(e.tcb_status, "UpToDate");
  vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, VOUCH_GEN_TDX_KIND_MODULE_MISMATCH, &e);
  assert_null(e.tcb_status);
  assert_string_equal(e.error_code, "E_IDENTITY_MISMATCH");
  vouch_gen_tee_corpus_expected(VOUCH_GEN_TEE_TDX, VOUCH_GEN_TDX_KIND_TCB_NOT_SUPPORTED, &e);
  assert_string_equal(e.tcb_status, "TcbNotSupported");
  assert_string_equal(e.error_code, "E_TCB_NOT_SUPPORTED");

  /* What each kind changes. */
  vouch_gen_platform_opts plo;
  vouch_gen_tcb_info_opts to;
  vouch_gen_td_quote_opts q;
  static const uint8_t kZero48[48];
  vouch_gen_td_quote_opts_default(&q);
  vouch_gen_tdx_kind_build(VOUCH_GEN_TDX_KIND_MODULE_MISMATCH, &plo, NULL, &to, &q);
  assert_true(plo.tdx);
  assert_int_equal(plo.pck.fmspc[4], VOUCH_GEN_TDX_KIND_MODULE_MISMATCH);
  assert_int_equal(to.fmspc[4], VOUCH_GEN_TDX_KIND_MODULE_MISMATCH);
  assert_memory_not_equal(q.mrsignerseam, kZero48, 48);
  vouch_gen_td_quote_opts_default(&q);
  vouch_gen_tdx_kind_build(VOUCH_GEN_TDX_KIND_SEAM_ATTRIBUTES, NULL, NULL, NULL, &q);
  assert_memory_not_equal(q.seam_attributes, kZero48, 8);
  vouch_gen_td_quote_opts_default(&q);
  vouch_gen_tdx_kind_build(VOUCH_GEN_TDX_KIND_RELAUNCH, NULL, NULL, &to, &q);
  assert_int_equal(q.version, 5);
  assert_int_equal(q.body_type, VOUCH_GEN_TD_BODY_15);
  assert_false(q.tee_tcb_svn2_from_svn);
  assert_int_equal(q.tee_tcb_svn2[0], 6);
  assert_int_equal(q.tee_tcb_svn2[1], 1);
  assert_int_equal(q.tee_tcb_svn2[2], 7);
  /* The newest module level of TDX_01 is what TEE_TCB_SVN2 reaches. */
  assert_int_equal(to.module_ids[1].major, 1);
  assert_int_equal(to.module_ids[1].levels[0].isvsvn, 6);
  vouch_gen_tdx_kind_build(VOUCH_GEN_TDX_KIND_TCB_NOT_SUPPORTED, NULL, NULL, &to, NULL);
  for (size_t i = 0; i < to.num_levels; i++) assert_int_equal(to.levels[i].tdx_svn[2], 250);
  vouch_gen_tdx_kind_build(VOUCH_GEN_TDX_KIND_EXPIRED_COLLATERAL, NULL, NULL, &to, NULL);
  assert_int_equal(to.validity, VOUCH_GEN_EXPIRED);
}

static int64_t b64url_decode(const char *in, size_t len, uint8_t *out) {
  static int8_t t[256];
  if (t['B'] == 0) {
    memset(t, -1, sizeof(t));
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 64; i++) t[(uint8_t)a[i]] = (int8_t)i;
  }
  uint32_t acc = 0;
  int bits = 0;
  int64_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (t[(uint8_t)in[i]] < 0) return -1;
    acc = acc << 6 | (uint32_t)t[(uint8_t)in[i]];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  return n;
}

/* A TDX corpus: every quote parses, is a TD quote of its platform's
 * format, carries its kind's defect and verifies cryptographically; the
 * manifest counts formats; the same seed gives the same expected.ndjson. */
static void test_tdx_corpus(void **state) {
  (void)state;
  char dir[] = "/tmp/vouch-gen-tdx-corpus-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char out_dir[256], again[256];
  snprintf(out_dir, sizeof(out_dir), "%s/a", dir);
  snprintf(again, sizeof(again), "%s/b", dir);
  vouch_gen_corpus_opts o;
  vouch_gen_corpus_opts_default(&o);
  o.tee = VOUCH_GEN_TEE_TDX;
  o.out_dir = out_dir;
  o.now = NOW;
  o.seed = 5;
  o.num_platforms = 32;
  o.num_quotes = 160;
  o.jobs = 2;
  for (unsigned k = 0; k < VOUCH_GEN_TDX_KIND_COUNT; k++) o.weights[k] = 1;
  vouch_gen_corpus_stats st;
  vouch_err err = {0};
  check(vouch_gen_corpus_write(&o, &st, &err), &err, "corpus");
  uint64_t total = 0, formats = 0;
  for (unsigned k = 0; k < VOUCH_GEN_TDX_KIND_COUNT; k++) {
    assert_true(st.platforms[k] >= 1);
    total += st.quotes[k];
  }
  for (int f = 0; f < VOUCH_GEN_TD_FORMAT_COUNT; f++) formats += st.td_format_quotes[f];
  assert_int_equal(total, 160);
  assert_int_equal(formats, 160);

  char path[512];
  snprintf(path, sizeof(path), "%s/evidence.ndjson", out_dir);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  snprintf(path, sizeof(path), "%s/expected.ndjson", out_dir);
  FILE *fe = fopen(path, "r");
  assert_non_null(fe);
  char *line = NULL, *eline = NULL;
  size_t cap = 0, ecap = 0;
  uint8_t *quote = malloc(1 << 16);
  assert_non_null(quote);
  uint64_t n = 0, seen_format[VOUCH_GEN_TD_FORMAT_COUNT] = {0};
  while (getline(&line, &cap, f) > 0) {
    assert_true(getline(&eline, &ecap, fe) > 0);
    json_error_t je;
    json_t *ev = json_loads(line, 0, &je), *ex = json_loads(eline, 0, &je);
    assert_non_null(ev);
    assert_non_null(ex);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "tdx");
    assert_string_equal(json_string_value(json_object_get(ev, "id")),
                        json_string_value(json_object_get(ex, "id")));
    const char *b64 = json_string_value(json_object_get(ev, "evidence"));
    int64_t len = b64url_decode(b64, strlen(b64), quote);
    assert_true(len > 1000);
    vouch_quote q;
    check(vouch_quote_parse(quote, (size_t)len, &q, &err), &err, "corpus quote");
    assert_int_equal(q.tee_type, 0x81);
    assert_int_equal(q.outer_cert_type, 6);
    assert_int_equal(q.cert_type, 5);
    assert_int_equal(q.trailing_len, 0);
    int fmt = q.version == 4 ? 0 : q.body_type == VOUCH_BODY_TD10 ? 1 : 2;
    seen_format[fmt]++;
    const char *kind = json_string_value(json_object_get(ex, "kind"));
    bool quote_ok = verify_sig(q.att_key, q.signed_data, q.signed_len, q.signature);
    assert_int_equal(quote_ok, strcmp(kind, "bad-signature") != 0);
    static const uint8_t kZero48[48];
    assert_int_equal(memcmp(q.td.mrsignerseam, kZero48, 48) != 0,
                     strcmp(kind, "module-mismatch") == 0);
    assert_int_equal(memcmp(q.td.seam_attributes, kZero48, 8) != 0,
                     strcmp(kind, "seam-attributes") == 0);
    assert_int_equal(q.td.td_attributes[0] & 1, strcmp(kind, "debug") == 0);
    if (strcmp(kind, "relaunch") == 0) {
      assert_int_equal(fmt, 2);
      assert_int_equal(q.td.tee_tcb_svn2[0], q.td.tee_tcb_svn[0] + 1);
    } else if (q.td.is_v15) {
      assert_memory_equal(q.td.tee_tcb_svn2, q.td.tee_tcb_svn, 16);
    }
    json_decref(ev);
    json_decref(ex);
    n++;
  }
  assert_int_equal(getline(&eline, &ecap, fe), -1);
  fclose(f);
  fclose(fe);
  free(line);
  free(eline);
  free(quote);
  assert_int_equal(n, 160);
  for (int i = 0; i < VOUCH_GEN_TD_FORMAT_COUNT; i++) {
    assert_int_equal(seen_format[i], st.td_format_quotes[i]);
    assert_true(seen_format[i] > 0);
  }

  snprintf(path, sizeof(path), "%s/MANIFEST.json", out_dir);
  json_error_t je;
  json_t *m = json_load_file(path, 0, &je);
  assert_non_null(m);
  assert_string_equal(json_string_value(json_object_get(m, "type")), "tdx");
  json_t *tf = json_object_get(m, "td_quote_formats");
  assert_int_equal(json_integer_value(json_object_get(tf, "v4")), st.td_format_quotes[0]);
  assert_int_equal(json_integer_value(json_object_get(tf, "v5_td15")), st.td_format_quotes[2]);
  assert_int_equal(json_array_size(json_object_get(m, "kinds")), VOUCH_GEN_TDX_KIND_COUNT);
  json_decref(m);
  snprintf(path, sizeof(path), "%s/collateral/intel/td_qe/17.json", out_dir);
  assert_int_equal(access(path, R_OK), 0);
  snprintf(path, sizeof(path), "%s/collateral/intel/tdx/tcbinfo/00806F050000/17.json", out_dir);
  assert_int_equal(access(path, R_OK), 0);

  /* Same options, one job: the same expected.ndjson and MANIFEST.json. */
  o.out_dir = again;
  o.jobs = 1;
  check(vouch_gen_corpus_write(&o, &st, &err), &err, "corpus again");
  char cmd[1200];
  snprintf(cmd, sizeof(cmd),
           "cmp -s %s/expected.ndjson %s/expected.ndjson && cmp -s %s/MANIFEST.json "
           "%s/MANIFEST.json",
           out_dir, again, out_dir, again);
  assert_int_equal(system(cmd), 0);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

  /* Weights beyond the TEE's kinds are refused. */
  o.weights[VOUCH_GEN_TDX_KIND_COUNT] = 1;
  assert_int_equal(vouch_gen_corpus_write(&o, &st, &err), VOUCH_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_td_quote_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_td_quote_defaults, setup, teardown),
      cmocka_unit_test_setup_teardown(test_td_quote_trailing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_td_quote_corruptions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_td_quote_inner_types, setup, teardown),
      cmocka_unit_test_setup_teardown(test_td_quote_bad_arguments, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tdx_tcb_info, setup, teardown),
      cmocka_unit_test_setup_teardown(test_td_qe_identity, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tdx_bundle_and_dir, setup, teardown),
      cmocka_unit_test(test_tdx_kinds),
      cmocka_unit_test(test_tdx_corpus),
  };
  return cmocka_run_group_tests_name("gen_tdx", tests, NULL, NULL);
}
