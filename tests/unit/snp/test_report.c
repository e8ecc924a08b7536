/* SEV-SNP report parser unit tests: reports laid out by hand from the spec
 * table (§1), so the parser's offsets are checked independently of the
 * generator: every field of versions 2..5, sizes, versions, algorithms,
 * the policy's fixed and reserved bits, signer info, each reserved range,
 * the signature padding, TCB decoding for Milan/Genoa and Turin, and the
 * product the report alone tells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
/* clang-format off: cmocka needs the headers above first */
#include <cmocka.h>
/* clang-format on */

#include "verifiers/snp/snp.h"

static void put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* make_report fills |r| with distinct values in every field. */
static void make_report(uint8_t r[VOUCH_SNP_REPORT_LEN], uint32_t version) {
  memset(r, 0, VOUCH_SNP_REPORT_LEN);
  put_le(r + 0x000, version, 4);
  put_le(r + 0x004, 0x1000B, 4);
  put_le(r + 0x008, 0x3001F, 8);
  for (int i = 0; i < 16; i++) r[0x010 + i] = (uint8_t)(0x10 + i);
  for (int i = 0; i < 16; i++) r[0x020 + i] = (uint8_t)(0x20 + i);
  put_le(r + 0x030, 2, 4);
  put_le(r + 0x034, 1, 4);
  put_le(r + 0x038, 0x541700000000000AULL, 8);
  put_le(r + 0x040, 0x25, 8);
  put_le(r + 0x048, 0x4 | 0x2 | 0x1, 4); /* VLEK, mask chip key, author key */
  for (int i = 0; i < 64; i++) r[0x050 + i] = (uint8_t)(0x50 + i);
  for (int i = 0; i < 48; i++) r[0x090 + i] = (uint8_t)(0x90 + i);
  for (int i = 0; i < 32; i++) r[0x0C0 + i] = (uint8_t)(0xC0 + i);
  for (int i = 0; i < 48; i++) r[0x0E0 + i] = (uint8_t)(0xE0 + i);
  for (int i = 0; i < 48; i++) r[0x110 + i] = (uint8_t)(0x11 + i);
  for (int i = 0; i < 32; i++) r[0x140 + i] = (uint8_t)(0x40 + i);
  memset(r + 0x160, 0xFF, 32);
  put_le(r + 0x180, 0x4405000000000002ULL, 8);
  if (version >= 3) {
    r[0x188] = 0x19;
    r[0x189] = 0x11;
    r[0x18A] = 0x01;
  }
  for (int i = 0; i < 64; i++) r[0x1A0 + i] = (uint8_t)(0xA0 + i);
  put_le(r + 0x1E0, 0x1318000000000003ULL, 8);
  r[0x1E8] = 40;
  r[0x1E9] = 55;
  r[0x1EA] = 1;
  r[0x1EC] = 29;
  r[0x1ED] = 54;
  r[0x1EE] = 1;
  put_le(r + 0x1F0, 0x7308000000000004ULL, 8);
  if (version >= 5) {
    put_le(r + 0x1F8, 0x11, 8);
    put_le(r + 0x200, 0x22, 8);
  }
  /* R = 1..48 big-endian -> little-endian field; S = 0x31.. */
  for (int i = 0; i < 48; i++) {
    r[0x2A0 + i] = (uint8_t)(48 - i);
    r[0x2A0 + 0x48 + i] = (uint8_t)(0x60 - i);
  }
}

static vouch_status parse(const uint8_t *r, size_t len, vouch_snp_report *out, vouch_err *err) {
  vouch_err_clear(err);
  return vouch_snp_report_parse(r, len, out, err);
}

static void test_every_field(void **state) {
  (void)state;
  for (uint32_t v = 2; v <= 5; v++) {
    uint8_t r[VOUCH_SNP_REPORT_LEN];
    make_report(r, v);
    vouch_snp_report p;
    vouch_err err;
    if (parse(r, sizeof(r), &p, &err) != VOUCH_OK) fail_msg("v%u: %s", v, err.msg);
    assert_ptr_equal(p.raw, r);
    assert_int_equal(p.version, v);
    assert_int_equal(p.guest_svn, 0x1000B);
    assert_int_equal(p.policy, 0x3001F);
    assert_int_equal(p.policy_abi_minor, 0x1F);
    assert_int_equal(p.policy_abi_major, 0);
    assert_int_equal(p.family_id[0], 0x10);
    assert_int_equal(p.image_id[15], 0x2F);
    assert_int_equal(p.vmpl, 2);
    assert_int_equal(p.signature_algo, 1);
    assert_int_equal(p.current_tcb.raw, 0x541700000000000AULL);
    assert_int_equal(p.platform_info, 0x25);
    assert_int_equal(p.signing_key, VOUCH_SNP_KEY_VLEK);
    assert_true(p.mask_chip_key);
    assert_true(p.author_key_en);
    assert_int_equal(p.report_data[63], 0x8F);
    assert_int_equal(p.measurement[0], 0x90);
    assert_int_equal(p.host_data[31], 0xDF);
    assert_int_equal(p.id_key_digest[0], 0xE0);
    assert_int_equal(p.author_key_digest[47], 0x11 + 47);
    assert_int_equal(p.report_id[0], 0x40);
    assert_int_equal(p.report_id_ma[31], 0xFF);
    assert_int_equal(p.reported_tcb.raw, 0x4405000000000002ULL);
    assert_int_equal(p.chip_id[63], 0xDF);
    assert_int_equal(p.committed_tcb.raw, 0x1318000000000003ULL);
    assert_int_equal(p.launch_tcb.raw, 0x7308000000000004ULL);
    assert_int_equal(p.current_build, 40);
    assert_int_equal(p.current_minor, 55);
    assert_int_equal(p.current_major, 1);
    assert_int_equal(p.committed_build, 29);
    assert_int_equal(p.committed_minor, 54);
    assert_int_equal(p.committed_major, 1);
    assert_int_equal(p.has_cpuid, v >= 3);
    if (v >= 3) {
      assert_int_equal(p.cpuid_fam_id, 0x19);
      assert_int_equal(p.cpuid_mod_id, 0x11);
      assert_int_equal(p.cpuid_step, 0x01);
      assert_int_equal(p.report_product, VOUCH_SNP_GENOA);
    } else {
      assert_int_equal(p.report_product, VOUCH_SNP_PRODUCT_UNKNOWN);
    }
    assert_int_equal(p.has_mit_vectors, v >= 5);
    if (v >= 5) {
      assert_int_equal(p.launch_mit_vector, 0x11);
      assert_int_equal(p.current_mit_vector, 0x22);
    }
    /* r and s come out big-endian */
    for (int i = 0; i < 48; i++) {
      assert_int_equal(p.sig_rs[i], i + 1);
      assert_int_equal(p.sig_rs[48 + i], 0x60 - 47 + i);
    }
    /* Milan/Genoa TCB layout */
    assert_int_equal(p.reported_tcb.bootloader, 2);
    assert_int_equal(p.reported_tcb.tee, 0);
    assert_int_equal(p.reported_tcb.snp, 5);
    assert_int_equal(p.reported_tcb.microcode, 68);
    assert_int_equal(p.current_tcb.bootloader, 10);
    assert_int_equal(p.current_tcb.snp, 23);
    assert_int_equal(p.current_tcb.microcode, 84);
  }
}

static void test_sizes_versions_algo(void **state) {
  (void)state;
  uint8_t r[VOUCH_SNP_REPORT_LEN + 1];
  make_report(r, 3);
  r[VOUCH_SNP_REPORT_LEN] = 0;
  vouch_snp_report p;
  vouch_err err;
  assert_int_equal(parse(r, VOUCH_SNP_REPORT_LEN - 1, &p, &err), VOUCH_E_TRUNCATED);
  assert_non_null(strstr(err.msg, "1183 bytes"));
  assert_int_equal(parse(r, 0, &p, &err), VOUCH_E_TRUNCATED);
  assert_int_equal(parse(r, VOUCH_SNP_REPORT_LEN + 1, &p, &err), VOUCH_E_TRAILING);
  assert_non_null(strstr(err.msg, "1185 bytes"));
  static const uint32_t kBad[] = {0, 1, 6, 0xFFFFFFFF};
  for (size_t i = 0; i < sizeof(kBad) / sizeof(kBad[0]); i++) {
    put_le(r, kBad[i], 4);
    assert_int_equal(parse(r, VOUCH_SNP_REPORT_LEN, &p, &err), VOUCH_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "VERSION"));
  }
  make_report(r, 3);
  put_le(r + 0x34, 2, 4);
  assert_int_equal(parse(r, VOUCH_SNP_REPORT_LEN, &p, &err), VOUCH_E_UNSUPPORTED);
  assert_non_null(strstr(err.msg, "SIGNATURE_ALGO 2"));
}

static void test_policy_and_signer(void **state) {
  (void)state;
  uint8_t r[VOUCH_SNP_REPORT_LEN];
  vouch_snp_report p;
  vouch_err err;
  make_report(r, 3);
  put_le(r + 0x08, 0x10000, 8); /* bit 17 clear */
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "bit 17"));
  for (int bit = 26; bit < 64; bit += 5) {
    put_le(r + 0x08, 0x30000 | (UINT64_C(1) << bit), 8);
    assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_E_MALFORMED);
    assert_non_null(strstr(err.msg, "reserved bits"));
  }
  /* every defined bit parses */
  put_le(r + 0x08, VOUCH_SNP_POLICY_KNOWN_MASK, 8);
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_OK);
  assert_int_equal(p.policy_abi_major, 0xFF);
  /* signer info */
  make_report(r, 3);
  put_le(r + 0x48, 0x20, 4);
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "31:5"));
  for (uint32_t key = 2; key <= 6; key++) {
    put_le(r + 0x48, key << 2, 4);
    assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_E_MALFORMED);
    assert_non_null(strstr(err.msg, "reserved"));
  }
  put_le(r + 0x48, 7 << 2, 4);
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_OK);
  assert_int_equal(p.signing_key, VOUCH_SNP_KEY_NONE);
  assert_false(p.mask_chip_key);
  assert_false(p.author_key_en);
  put_le(r + 0x48, 0, 4);
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_OK);
  assert_int_equal(p.signing_key, VOUCH_SNP_KEY_VCEK);
  /* unknown PLATFORM_INFO bits are accepted */
  put_le(r + 0x40, UINT64_C(1) << 40, 8);
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_OK);
}

static void test_reserved_ranges(void **state) {
  (void)state;
  /* offset, versions the byte is reserved in (bit v set) */
  static const struct {
    size_t off;
    unsigned versions;
  } kReserved[] = {
      {0x04C, 0x3C},
      {0x04F, 0x3C},
      {0x188, 0x04},
      {0x18A, 0x04},
      {0x18B, 0x3C},
      {0x19F, 0x3C},
      {0x1EB, 0x3C},
      {0x1EF, 0x3C},
      {0x1F8, 0x1C},
      {0x207, 0x1C},
      {0x208, 0x3C},
      {0x29F, 0x3C},
      {0x2A0 + 48, 0x3C},
      {0x2A0 + 71, 0x3C},
      {0x2A0 + 0x48 + 48, 0x3C},
      {0x2A0 + 0x90, 0x3C},
      {VOUCH_SNP_REPORT_LEN - 1, 0x3C},
  };
  for (uint32_t v = 2; v <= 5; v++) {
    for (size_t i = 0; i < sizeof(kReserved) / sizeof(kReserved[0]); i++) {
      uint8_t r[VOUCH_SNP_REPORT_LEN];
      make_report(r, v);
      r[kReserved[i].off] ^= 0x40;
      vouch_snp_report p;
      vouch_err err;
      vouch_status s = parse(r, sizeof(r), &p, &err);
      bool reserved = (kReserved[i].versions >> v) & 1;
      if (reserved && s != VOUCH_E_MALFORMED) {
        fail_msg("v%u: byte 0x%zx set: %s", v, kReserved[i].off, vouch_status_name(s));
      }
      if (!reserved && s != VOUCH_OK) fail_msg("v%u: byte 0x%zx: %s", v, kReserved[i].off, err.msg);
      if (reserved) {
        char off[16];
        snprintf(off, sizeof(off), "0x%zX", kReserved[i].off);
        if (strstr(err.msg, off) == NULL) fail_msg("message does not name %s: %s", off, err.msg);
      }
    }
  }
}

static void test_tcb_layouts(void **state) {
  (void)state;
  vouch_snp_tcb t;
  vouch_snp_tcb_decode(0x4405000000000002ULL, VOUCH_SNP_MILAN, &t);
  assert_false(t.turin);
  assert_int_equal(t.bootloader, 2);
  assert_int_equal(t.tee, 0);
  assert_int_equal(t.snp, 5);
  assert_int_equal(t.microcode, 68);
  assert_false(t.reserved_nonzero);
  char s[96];
  vouch_snp_tcb_format(&t, s, sizeof(s));
  assert_string_equal(s, "bl=2 tee=0 snp=5 ucode=68");
  /* Turin: fmc=1 bl=2 tee=3 snp=4 ucode=5 */
  uint64_t raw = vouch_snp_tcb_encode(VOUCH_SNP_TURIN, 1, 2, 3, 4, 5);
  assert_int_equal(raw, 0x0500000004030201ULL);
  vouch_snp_tcb_decode(raw, VOUCH_SNP_TURIN, &t);
  assert_true(t.turin);
  assert_int_equal(t.fmc, 1);
  assert_int_equal(t.bootloader, 2);
  assert_int_equal(t.tee, 3);
  assert_int_equal(t.snp, 4);
  assert_int_equal(t.microcode, 5);
  vouch_snp_tcb_format(&t, s, sizeof(s));
  assert_string_equal(s, "fmc=1 bl=2 tee=3 snp=4 ucode=5");
  /* The same raw value read as Milan: reserved bytes set. */
  vouch_snp_tcb_decode(raw, VOUCH_SNP_GENOA, &t);
  assert_int_equal(t.bootloader, 1);
  assert_int_equal(t.tee, 2);
  assert_true(t.reserved_nonzero);
  assert_int_equal(vouch_snp_tcb_encode(VOUCH_SNP_GENOA, 9, 10, 0, 23, 84), 0x541700000000000AULL);
  /* A report's own product guess and re-decoding. */
  uint8_t r[VOUCH_SNP_REPORT_LEN];
  make_report(r, 3);
  r[0x188] = 0x1A;
  r[0x189] = 0x02;
  put_le(r + 0x180, raw, 8);
  vouch_snp_report p;
  vouch_err err;
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_OK);
  assert_int_equal(p.report_product, VOUCH_SNP_TURIN);
  assert_true(p.reported_tcb.turin);
  assert_int_equal(p.reported_tcb.fmc, 1);
  vouch_snp_report_set_product(&p, VOUCH_SNP_MILAN);
  assert_false(p.reported_tcb.turin);
  assert_int_equal(p.reported_tcb.bootloader, 1);
  /* v2: chip id with only 8 significant bytes means Turin */
  make_report(r, 2);
  memset(r + 0x1A0 + 8, 0, 56);
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_OK);
  assert_int_equal(p.report_product, VOUCH_SNP_TURIN);
  memset(r + 0x1A0, 0, 64); /* all zero (masked / VLEK): unknown */
  assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_OK);
  assert_int_equal(p.report_product, VOUCH_SNP_PRODUCT_UNKNOWN);
  /* CPUID families and models */
  static const struct {
    uint8_t fam, mod;
    vouch_snp_product p;
  } kCpuid[] = {{0x19, 0x01, VOUCH_SNP_MILAN},           {0x19, 0x11, VOUCH_SNP_GENOA},
                {0x19, 0xA0, VOUCH_SNP_GENOA},           {0x1A, 0x02, VOUCH_SNP_TURIN},
                {0x19, 0x61, VOUCH_SNP_PRODUCT_UNKNOWN}, {0x17, 0x31, VOUCH_SNP_PRODUCT_UNKNOWN}};
  for (size_t i = 0; i < sizeof(kCpuid) / sizeof(kCpuid[0]); i++) {
    make_report(r, 3);
    r[0x188] = kCpuid[i].fam;
    r[0x189] = kCpuid[i].mod;
    assert_int_equal(parse(r, sizeof(r), &p, &err), VOUCH_OK);
    assert_int_equal(p.report_product, kCpuid[i].p);
  }
}

static void test_product_names(void **state) {
  (void)state;
  assert_int_equal(vouch_snp_product_from_name("Milan", 5), VOUCH_SNP_MILAN);
  assert_int_equal(vouch_snp_product_from_name("Milan-B0", 8), VOUCH_SNP_MILAN);
  assert_int_equal(vouch_snp_product_from_name("genoa", 5), VOUCH_SNP_GENOA);
  assert_int_equal(vouch_snp_product_from_name("Turin", 5), VOUCH_SNP_TURIN);
  assert_int_equal(vouch_snp_product_from_name("Milanese", 8), VOUCH_SNP_PRODUCT_UNKNOWN);
  assert_int_equal(vouch_snp_product_from_name("Mila", 4), VOUCH_SNP_PRODUCT_UNKNOWN);
  assert_int_equal(vouch_snp_product_from_name(NULL, 0), VOUCH_SNP_PRODUCT_UNKNOWN);
  assert_string_equal(vouch_snp_product_name(VOUCH_SNP_GENOA), "Genoa");
  assert_string_equal(vouch_snp_product_name(VOUCH_SNP_PRODUCT_UNKNOWN), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_field),       cmocka_unit_test(test_sizes_versions_algo),
      cmocka_unit_test(test_policy_and_signer), cmocka_unit_test(test_reserved_ranges),
      cmocka_unit_test(test_tcb_layouts),       cmocka_unit_test(test_product_names),
  };
  return cmocka_run_group_tests_name("snp_report", tests, NULL, NULL);
}
