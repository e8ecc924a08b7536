/* VCEK/VLEK extension parser unit tests: the real VCEKs/VLEK of the vectors
 * (skipped without them), generated Milan and Turin VCEKs and a VLEK, and
 * hand-built certificates with malformed, missing or duplicated AMD
 * extensions; and the role of each AMD certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* clang-format off: cmocka needs the headers above first */
#include <cmocka.h>
/* clang-format on */

#include "crypto/crypto.h"
#include "tools/gen/gen.h"
#include "verifiers/snp/snp.h"

static const char *g_vectors;

/* ---- a tiny DER builder for hand-made certificates ----------------------------- */

static void tlv(vouch_buf *out, uint8_t tag, const void *v, size_t n) {
  uint8_t hdr[4] = {tag};
  size_t h = 2;
  if (n < 0x80) {
    hdr[1] = (uint8_t)n;
  } else if (n < 0x100) {
    hdr[1] = 0x81;
    hdr[2] = (uint8_t)n;
    h = 3;
  } else {
    hdr[1] = 0x82;
    hdr[2] = (uint8_t)(n >> 8);
    hdr[3] = (uint8_t)n;
    h = 4;
  }
  vouch_buf_append(out, hdr, h);
  vouch_buf_append(out, v, n);
}

/* amd_ext appends Extension { OID 1.3.6.1.4.1.3704.1.<sub>, OCTET STRING value }. */
static void amd_ext(vouch_buf *exts, const uint8_t *sub, size_t sub_len, const uint8_t *value,
                    size_t value_len) {
  uint8_t oid[16] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x9C, 0x78, 0x01};
  memcpy(oid + 8, sub, sub_len);
  vouch_buf e = {0};
  tlv(&e, 0x06, oid, 8 + sub_len);
  tlv(&e, 0x04, value, value_len);
  tlv(exts, 0x30, e.data, e.len);
  vouch_buf_free(&e);
}

static void spl(vouch_buf *exts, uint8_t n, uint8_t v) {
  uint8_t sub[2] = {3, n};
  uint8_t val[4] = {0x02, 0x01, v};
  size_t len = 3;
  if (v >= 0x80) {
    val[1] = 2;
    val[2] = 0;
    val[3] = v;
    len = 4;
  }
  amd_ext(exts, sub, 2, val, len);
}

/* wrap builds Certificate { tbs { [0]{2}, 0, alg, name, validity, name,
 * spki, [3] { exts } }, alg, BIT STRING } around |exts|. */
static void wrap(const vouch_buf *exts, vouch_buf *cert) {
  static const uint8_t kVersion[] = {0x02, 0x01, 0x02};
  static const uint8_t kSerial[] = {0x00};
  vouch_buf tbs = {0}, x3 = {0}, seq = {0}, c = {0};
  tlv(&tbs, 0xA0, kVersion, sizeof(kVersion));
  tlv(&tbs, 0x02, kSerial, 1);
  tlv(&tbs, 0x30, "", 0); /* alg */
  tlv(&tbs, 0x30, "", 0); /* issuer */
  tlv(&tbs, 0x30, "", 0); /* validity */
  tlv(&tbs, 0x30, "", 0); /* subject */
  tlv(&tbs, 0x30, "", 0); /* spki */
  tlv(&seq, 0x30, exts->data ? exts->data : "", exts->len);
  tlv(&tbs, 0xA3, seq.data, seq.len);
  tlv(&c, 0x30, tbs.data, tbs.len);
  tlv(&c, 0x30, "", 0);
  tlv(&c, 0x03, "\0\1", 2);
  tlv(cert, 0x30, c.data, c.len);
  vouch_buf_free(&tbs);
  vouch_buf_free(&x3);
  vouch_buf_free(&seq);
  vouch_buf_free(&c);
}

static void base_exts(vouch_buf *exts) {
  static const uint8_t kOne[] = {1}, kTwo[] = {2}, kName[] = {0x16, 0x05, 'G', 'e', 'n', 'o', 'a'};
  static const uint8_t kZero[] = {0x02, 0x01, 0x00};
  amd_ext(exts, kOne, 1, kZero, sizeof(kZero));
  amd_ext(exts, kTwo, 1, kName, sizeof(kName));
  spl(exts, 1, 10);
  spl(exts, 2, 0);
  spl(exts, 3, 23);
  spl(exts, 8, 217);
}

static vouch_status parse_exts(const vouch_buf *exts, vouch_snp_cert_ext *out, vouch_err *err) {
  vouch_buf cert = {0};
  wrap(exts, &cert);
  vouch_err_clear(err);
  vouch_status s = vouch_snp_cert_ext_parse_der((const uint8_t *)cert.data, cert.len, out, err);
  vouch_buf_free(&cert);
  return s;
}

static void test_hand_built(void **state) {
  (void)state;
  vouch_snp_cert_ext x;
  vouch_err err;
  vouch_buf exts = {0};
  base_exts(&exts);
  assert_int_equal(parse_exts(&exts, &x, &err), VOUCH_OK);
  assert_true(x.has_struct_version);
  assert_string_equal(x.product_name, "Genoa");
  assert_int_equal(x.product, VOUCH_SNP_GENOA);
  assert_int_equal(x.bl_spl, 10);
  assert_int_equal(x.snp_spl, 23);
  assert_int_equal(x.ucode_spl, 217); /* 02 02 00 D9 */
  assert_false(x.has_hwid);
  assert_false(x.has_fmc_spl);
  /* hwID raw 64, raw 8 (Turin), or wrapped in an OCTET STRING */
  uint8_t hw[66] = {0x04, 64};
  for (int i = 0; i < 64; i++) hw[2 + i] = (uint8_t)i;
  static const uint8_t kFour[] = {4}, kFive[] = {5};
  vouch_buf e2 = {0};
  base_exts(&e2);
  amd_ext(&e2, kFour, 1, hw + 2, 64);
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_OK);
  assert_int_equal(x.hwid_len, 64);
  assert_int_equal(x.hwid[63], 63);
  vouch_buf_reset(&e2);
  base_exts(&e2);
  amd_ext(&e2, kFour, 1, hw, 66);
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_OK);
  assert_int_equal(x.hwid_len, 64);
  assert_int_equal(x.hwid[0], 0);
  vouch_buf_reset(&e2);
  base_exts(&e2);
  amd_ext(&e2, kFour, 1, hw + 2, 8);
  spl(&e2, 9, 7);
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_OK);
  assert_int_equal(x.hwid_len, 8);
  assert_true(x.has_fmc_spl);
  assert_int_equal(x.fmc_spl, 7);
  vouch_buf_reset(&e2);
  base_exts(&e2);
  amd_ext(&e2, kFour, 1, hw + 2, 32); /* wrong length */
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "hwID is 32 bytes"));
  /* cspID */
  static const uint8_t kCsp[] = {0x16, 0x03, 'a', 'w', 's'};
  vouch_buf_reset(&e2);
  base_exts(&e2);
  amd_ext(&e2, kFive, 1, kCsp, sizeof(kCsp));
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_OK);
  assert_string_equal(x.csp_id, "aws");
  /* duplicates */
  vouch_buf_reset(&e2);
  base_exts(&e2);
  spl(&e2, 3, 24);
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "snpSPL appears twice"));
  /* missing required SPL */
  vouch_buf_reset(&e2);
  spl(&e2, 1, 1);
  spl(&e2, 2, 0);
  spl(&e2, 3, 1);
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "ucodeSPL"));
  /* SPL out of range (256) and not an INTEGER */
  static const uint8_t kSub8[] = {3, 8};
  static const uint8_t k256[] = {0x02, 0x02, 0x01, 0x00}, kOctet[] = {0x04, 0x01, 0x05};
  vouch_buf_reset(&e2);
  spl(&e2, 1, 1);
  spl(&e2, 2, 0);
  spl(&e2, 3, 1);
  amd_ext(&e2, kSub8, 2, k256, sizeof(k256));
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "ucodeSPL is not a DER INTEGER 0..255"));
  vouch_buf_reset(&e2);
  spl(&e2, 1, 1);
  spl(&e2, 2, 0);
  spl(&e2, 3, 1);
  amd_ext(&e2, kSub8, 2, kOctet, sizeof(kOctet));
  assert_int_equal(parse_exts(&e2, &x, &err), VOUCH_E_MALFORMED);
  /* productName not an IA5String / not printable */
  static const uint8_t kTwo[] = {2}, kUtf8[] = {0x0C, 0x02, 'M', 'i'},
                       kCtl[] = {0x16, 0x02, 'M', 1};
  vouch_buf_reset(&e2);
  base_exts(&e2);
  vouch_buf e3 = {0};
  spl(&e3, 1, 1);
  spl(&e3, 2, 0);
  spl(&e3, 3, 1);
  spl(&e3, 8, 1);
  amd_ext(&e3, kTwo, 1, kUtf8, sizeof(kUtf8));
  assert_int_equal(parse_exts(&e3, &x, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "productName"));
  vouch_buf_reset(&e3);
  spl(&e3, 1, 1);
  spl(&e3, 2, 0);
  spl(&e3, 3, 1);
  spl(&e3, 8, 1);
  amd_ext(&e3, kTwo, 1, kCtl, sizeof(kCtl));
  assert_int_equal(parse_exts(&e3, &x, &err), VOUCH_E_MALFORMED);
  /* not a certificate at all */
  vouch_err_clear(&err);
  assert_int_equal(vouch_snp_cert_ext_parse_der((const uint8_t *)"\x30\x00", 2, &x, &err),
                   VOUCH_E_MALFORMED);
  vouch_buf_free(&e3);
  vouch_buf_free(&e2);
  vouch_buf_free(&exts);
}

static void test_vectors(void **state) {
  (void)state;
  if (g_vectors == NULL) skip();
  static const struct {
    const char *path;
    const char *name;
    uint8_t bl, tee, snp, ucode;
    bool hwid, csp;
    vouch_snp_role role;
  } kCerts[] = {
      {"snp/milan-gsg/vcek.der", "Milan-B0", 2, 0, 5, 68, true, false, VOUCH_SNP_ROLE_VCEK},
      {"snp/milan-virtee/vcek.der", "Milan-B0", 3, 0, 8, 115, true, false, VOUCH_SNP_ROLE_VCEK},
      {"snp/genoa-azure/vcek.der", "Genoa", 10, 0, 23, 84, true, false, VOUCH_SNP_ROLE_VCEK},
      {"snp/milan-vlek-aws/vlek.der", "Milan", 4, 0, 24, 217, false, true, VOUCH_SNP_ROLE_VLEK},
  };
  for (size_t i = 0; i < sizeof(kCerts) / sizeof(kCerts[0]); i++) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", g_vectors, kCerts[i].path);
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(vouch_read_file(path, 1 << 20, &der, &len, NULL), VOUCH_OK);
    vouch_snp_cert_ext x;
    vouch_err err = {0};
    if (vouch_snp_cert_ext_parse_der(der, len, &x, &err) != VOUCH_OK)
      fail_msg("%s: %s", path, err.msg);
    assert_string_equal(x.product_name, kCerts[i].name);
    assert_int_equal(x.bl_spl, kCerts[i].bl);
    assert_int_equal(x.tee_spl, kCerts[i].tee);
    assert_int_equal(x.snp_spl, kCerts[i].snp);
    assert_int_equal(x.ucode_spl, kCerts[i].ucode);
    assert_int_equal(x.has_hwid, kCerts[i].hwid);
    assert_int_equal(x.has_csp_id, kCerts[i].csp);
    if (x.has_hwid) assert_int_equal(x.hwid_len, 64);
    assert_true(x.has_struct_version);
    assert_int_equal(x.struct_version, 0);
    /* the same through the vouch_cert wrapper, and the role */
    struct vouch_cert *c = NULL;
    assert_int_equal(vouch_cert_from_der(der, len, &c), VOUCH_OK);
    vouch_snp_cert_ext y;
    assert_int_equal(vouch_snp_cert_ext_parse(c, &y, NULL), VOUCH_OK);
    assert_memory_equal(&x, &y, sizeof(x));
    vouch_snp_role role;
    assert_int_equal(vouch_snp_cert_role(c, &role, NULL), VOUCH_OK);
    assert_int_equal(role, kCerts[i].role);
    vouch_cert_free(c);
    /* every truncation fails cleanly */
    for (size_t cut = 0; cut < len; cut += 13) {
      vouch_err e2 = {0};
      assert_int_not_equal(vouch_snp_cert_ext_parse_der(der, cut, &x, &e2), VOUCH_OK);
      assert_true(e2.msg[0] != '\0');
    }
    free(der);
  }
}

static void test_generated(void **state) {
  (void)state;
  static const vouch_gen_snp_product kP[2] = {VOUCH_GEN_SNP_MILAN, VOUCH_GEN_SNP_TURIN};
  for (int i = 0; i < 2; i++) {
    vouch_gen_snp_pki_opts po = {.now = vouch_time_from_civil(2025, 6, 1, 0, 0, 0),
                                 .seed = 7,
                                 .product = kP[i],
                                 .rsa_bits = 2048};
    vouch_gen_snp_pki *pki = NULL;
    vouch_err err = {0};
    assert_int_equal(vouch_gen_snp_pki_new(&po, &pki, &err), VOUCH_OK);
    for (int vlek = 0; vlek < 2; vlek++) {
      vouch_gen_snp_key_opts ko;
      vouch_gen_snp_key_opts_default(&ko);
      ko.vlek = vlek;
      ko.tcb.microcode = 200;
      vouch_gen_snp_key *k = NULL;
      assert_int_equal(vouch_gen_snp_key_new(pki, &ko, &k, &err), VOUCH_OK);
      const uint8_t *der;
      size_t len;
      assert_int_equal(vouch_gen_snp_key_cert_der(k, &der, &len), VOUCH_OK);
      vouch_snp_cert_ext x;
      if (vouch_snp_cert_ext_parse_der(der, len, &x, &err) != VOUCH_OK) fail_msg("%s", err.msg);
      assert_int_equal(x.ucode_spl, 200);
      assert_int_equal(x.bl_spl, 3);
      assert_int_equal(x.snp_spl, 8);
      assert_int_equal(x.has_fmc_spl, kP[i] == VOUCH_GEN_SNP_TURIN);
      assert_int_equal(x.has_hwid, !vlek);
      assert_int_equal(x.has_csp_id, vlek);
      if (!vlek) {
        assert_int_equal(x.hwid_len, kP[i] == VOUCH_GEN_SNP_TURIN ? 8 : 64);
        assert_memory_equal(x.hwid, vouch_gen_snp_key_chip_id(k), x.hwid_len);
      }
      assert_int_equal(x.product, kP[i] == VOUCH_GEN_SNP_TURIN ? VOUCH_SNP_TURIN : VOUCH_SNP_MILAN);
      vouch_gen_snp_key_free(k);
    }
    /* roles of the CAs */
    for (int ca = 0; ca < VOUCH_GEN_SNP_CA_COUNT; ca++) {
      const uint8_t *der;
      size_t len;
      assert_int_equal(vouch_gen_snp_pki_cert_der(pki, (vouch_gen_snp_ca)ca, &der, &len), VOUCH_OK);
      struct vouch_cert *c = NULL;
      assert_int_equal(vouch_cert_from_der(der, len, &c), VOUCH_OK);
      vouch_snp_role role;
      assert_int_equal(vouch_snp_cert_role(c, &role, NULL), VOUCH_OK);
      static const vouch_snp_role kRole[3] = {VOUCH_SNP_ROLE_ARK, VOUCH_SNP_ROLE_ASK,
                                              VOUCH_SNP_ROLE_ASVK};
      assert_int_equal(role, kRole[ca]);
      vouch_cert_free(c);
    }
    vouch_gen_snp_pki_free(pki);
  }
}

int main(void) {
  g_vectors = getenv("VOUCH_VECTORS");
  if (g_vectors != NULL) {
    char p[1024];
    snprintf(p, sizeof(p), "%s/snp/milan-gsg/vcek.der", g_vectors);
    FILE *f = fopen(p, "rb");
    if (f == NULL) g_vectors = NULL;
    if (f != NULL) fclose(f);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hand_built),
      cmocka_unit_test(test_vectors),
      cmocka_unit_test(test_generated),
  };
  return cmocka_run_group_tests_name("snp_cert_ext", tests, NULL, NULL);
}
