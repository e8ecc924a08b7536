/* verifiers/snp/report.c - the SEV-SNP attestation report (spec §1-§4):
 * every field read through the bounded cursor, reserved ranges checked,
 * TCB_VERSION decoded per product. */
#include <stdio.h>
#include <string.h>

#include "verifiers/snp/snp.h"

const char *vouch_snp_product_name(vouch_snp_product p) {
  switch (p) {
    case VOUCH_SNP_MILAN:
      return "Milan";
    case VOUCH_SNP_GENOA:
      return "Genoa";
    case VOUCH_SNP_TURIN:
      return "Turin";
    default:
      return "unknown";
  }
}

static bool prefix_ci(const char *s, size_t len, const char *p) {
  size_t n = strlen(p);
  if (len < n) return false;
  for (size_t i = 0; i < n; i++) {
    char a = s[i], b = p[i];
    if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
    if (a != b) return false;
  }
  /* "Milan" or "Milan-B0", not "Milanese" */
  return len == n || s[n] == '-' || s[n] == '_' || s[n] == ' ';
}

vouch_snp_product vouch_snp_product_from_name(const char *s, size_t len) {
  if (s == NULL) return VOUCH_SNP_PRODUCT_UNKNOWN;
  if (prefix_ci(s, len, "milan")) return VOUCH_SNP_MILAN;
  if (prefix_ci(s, len, "genoa")) return VOUCH_SNP_GENOA;
  if (prefix_ci(s, len, "turin")) return VOUCH_SNP_TURIN;
  return VOUCH_SNP_PRODUCT_UNKNOWN;
}

/* ---- TCB_VERSION ------------------------------------------------------------ */

void vouch_snp_tcb_decode(uint64_t raw, vouch_snp_product p, vouch_snp_tcb *out) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(raw >> (8 * i));
  memset(out, 0, sizeof(*out));
  out->raw = raw;
  if (p == VOUCH_SNP_TURIN) {
    out->turin = true;
    out->fmc = b[0];
    out->bootloader = b[1];
    out->tee = b[2];
    out->snp = b[3];
    out->microcode = b[7];
    out->reserved_nonzero = (b[4] | b[5] | b[6]) != 0;
  } else {
    out->bootloader = b[0];
    out->tee = b[1];
    out->snp = b[6];
    out->microcode = b[7];
    out->reserved_nonzero = (b[2] | b[3] | b[4] | b[5]) != 0;
  }
}

uint64_t vouch_snp_tcb_encode(vouch_snp_product p, uint8_t fmc, uint8_t bootloader, uint8_t tee,
                              uint8_t snp, uint8_t microcode) {
  if (p == VOUCH_SNP_TURIN) {
    return (uint64_t)fmc | (uint64_t)bootloader << 8 | (uint64_t)tee << 16 | (uint64_t)snp << 24 |
           (uint64_t)microcode << 56;
  }
  return (uint64_t)bootloader | (uint64_t)tee << 8 | (uint64_t)snp << 48 |
         (uint64_t)microcode << 56;
}

void vouch_snp_tcb_format(const vouch_snp_tcb *t, char *out, size_t cap) {
  if (t->turin) {
    snprintf(out, cap, "fmc=%u bl=%u tee=%u snp=%u ucode=%u", t->fmc, t->bootloader, t->tee, t->snp,
             t->microcode);
  } else {
    snprintf(out, cap, "bl=%u tee=%u snp=%u ucode=%u", t->bootloader, t->tee, t->snp, t->microcode);
  }
}

/* ---- the report ---------------------------------------------------------------- */

/* product_from_cpuid: family 0x19 model 0x0X Milan, 0x1X / 0xAX Genoa
 * (Genoa, Bergamo, Siena share Genoa's keys); family 0x1A Turin. */
static vouch_snp_product product_from_cpuid(uint8_t fam, uint8_t mod) {
  if (fam == 0x19) {
    if ((mod >> 4) == 0x0) return VOUCH_SNP_MILAN;
    if ((mod >> 4) == 0x1 || (mod >> 4) == 0xA) return VOUCH_SNP_GENOA;
    return VOUCH_SNP_PRODUCT_UNKNOWN;
  }
  if (fam == 0x1A) return VOUCH_SNP_TURIN;
  return VOUCH_SNP_PRODUCT_UNKNOWN;
}

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* mbz reads |n| bytes that must be zero. */
static vouch_status mbz(vouch_cur *c, size_t n, const char *what, vouch_err *err) {
  size_t off = vouch_cur_offset(c);
  const uint8_t *p;
  VOUCH_GUARD(vouch_cur_bytes(c, n, &p));
  for (size_t i = 0; i < n; i++) {
    if (p[i] != 0) {
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "snp: reserved byte at offset 0x%zX (%s, 0x%zX..0x%zX) is 0x%02X, must be "
                        "zero",
                        off + i, what, off, off + n - 1, p[i]);
    }
  }
  return VOUCH_OK;
}

static vouch_status read_tcb(vouch_cur *c, uint64_t *out) {
  return vouch_cur_u64le(c, out);
}

/* sig_component reads one 72-byte little-endian R or S into 48 big-endian
 * bytes, checking the zero padding. */
static vouch_status sig_component(vouch_cur *c, const char *name, uint8_t out[48], vouch_err *err) {
  size_t off = vouch_cur_offset(c);
  const uint8_t *p;
  VOUCH_GUARD(vouch_cur_bytes(c, 72, &p));
  for (size_t i = 48; i < 72; i++) {
    if (p[i] != 0) {
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "snp: signature %s has a non-zero byte at offset 0x%zX (bytes 48..71 of "
                        "the 72-byte field must be zero)",
                        name, off + i);
    }
  }
  for (size_t i = 0; i < 48; i++) out[i] = p[47 - i];
  return VOUCH_OK;
}

static vouch_status parse_body(vouch_cur *c, vouch_snp_report *r, vouch_err *err) {
  VOUCH_GUARD(vouch_cur_u32le(c, &r->version));
  if (r->version < VOUCH_SNP_MIN_VERSION || r->version > VOUCH_SNP_MAX_VERSION) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "snp: report VERSION %u is not supported (2..5)",
                      r->version);
  }
  VOUCH_GUARD(vouch_cur_u32le(c, &r->guest_svn));
  VOUCH_GUARD(vouch_cur_u64le(c, &r->policy));
  if ((r->policy & VOUCH_SNP_POLICY_RESERVED_1) == 0) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: POLICY 0x%llX has bit 17 clear (reserved, must be 1)",
                      (unsigned long long)r->policy);
  }
  if ((r->policy & ~VOUCH_SNP_POLICY_KNOWN_MASK) != 0) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: POLICY 0x%llX sets reserved bits (26..63 must be zero)",
                      (unsigned long long)r->policy);
  }
  r->policy_abi_minor = (uint8_t)(r->policy & 0xFF);
  r->policy_abi_major = (uint8_t)((r->policy >> 8) & 0xFF);
  VOUCH_GUARD(vouch_cur_copy(c, r->family_id, 16));
  VOUCH_GUARD(vouch_cur_copy(c, r->image_id, 16));
  VOUCH_GUARD(vouch_cur_u32le(c, &r->vmpl));
  VOUCH_GUARD(vouch_cur_u32le(c, &r->signature_algo));
  if (r->signature_algo != 1) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "snp: SIGNATURE_ALGO %u is not supported (1 = ECDSA P-384 with SHA-384)",
                      r->signature_algo);
  }
  uint64_t current, reported, committed, launch;
  VOUCH_GUARD(read_tcb(c, &current));
  VOUCH_GUARD(vouch_cur_u64le(c, &r->platform_info));
  VOUCH_GUARD(vouch_cur_u32le(c, &r->signer_info));
  if ((r->signer_info >> 5) != 0) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: signer info 0x%X at offset 0x48 sets reserved bits 31:5",
                      r->signer_info);
  }
  unsigned key = (r->signer_info >> 2) & 7;
  if (key != VOUCH_SNP_KEY_VCEK && key != VOUCH_SNP_KEY_VLEK && key != VOUCH_SNP_KEY_NONE) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: SIGNING_KEY %u is reserved (0 VCEK, 1 VLEK, 7 none)", key);
  }
  r->signing_key = (vouch_snp_signing_key)key;
  r->mask_chip_key = (r->signer_info & 2) != 0;
  r->author_key_en = (r->signer_info & 1) != 0;
  VOUCH_GUARD(mbz(c, 4, "after signer info", err));
  VOUCH_GUARD(vouch_cur_copy(c, r->report_data, 64));
  VOUCH_GUARD(vouch_cur_copy(c, r->measurement, 48));
  VOUCH_GUARD(vouch_cur_copy(c, r->host_data, 32));
  VOUCH_GUARD(vouch_cur_copy(c, r->id_key_digest, 48));
  VOUCH_GUARD(vouch_cur_copy(c, r->author_key_digest, 48));
  VOUCH_GUARD(vouch_cur_copy(c, r->report_id, 32));
  VOUCH_GUARD(vouch_cur_copy(c, r->report_id_ma, 32));
  VOUCH_GUARD(read_tcb(c, &reported));
  if (r->version >= 3) {
    r->has_cpuid = true;
    VOUCH_GUARD(vouch_cur_u8(c, &r->cpuid_fam_id));
    VOUCH_GUARD(vouch_cur_u8(c, &r->cpuid_mod_id));
    VOUCH_GUARD(vouch_cur_u8(c, &r->cpuid_step));
    VOUCH_GUARD(mbz(c, 21, "after CPUID", err));
  } else {
    VOUCH_GUARD(mbz(c, 24, "after REPORTED_TCB", err));
  }
  VOUCH_GUARD(vouch_cur_copy(c, r->chip_id, 64));
  VOUCH_GUARD(read_tcb(c, &committed));
  VOUCH_GUARD(vouch_cur_u8(c, &r->current_build));
  VOUCH_GUARD(vouch_cur_u8(c, &r->current_minor));
  VOUCH_GUARD(vouch_cur_u8(c, &r->current_major));
  VOUCH_GUARD(mbz(c, 1, "after CURRENT_MAJOR", err));
  VOUCH_GUARD(vouch_cur_u8(c, &r->committed_build));
  VOUCH_GUARD(vouch_cur_u8(c, &r->committed_minor));
  VOUCH_GUARD(vouch_cur_u8(c, &r->committed_major));
  VOUCH_GUARD(mbz(c, 1, "after COMMITTED_MAJOR", err));
  VOUCH_GUARD(read_tcb(c, &launch));
  if (r->version >= 5) {
    r->has_mit_vectors = true;
    VOUCH_GUARD(vouch_cur_u64le(c, &r->launch_mit_vector));
    VOUCH_GUARD(vouch_cur_u64le(c, &r->current_mit_vector));
    VOUCH_GUARD(mbz(c, 0x2A0 - 0x208, "before SIGNATURE", err));
  } else {
    VOUCH_GUARD(mbz(c, 0x2A0 - 0x1F8, "before SIGNATURE", err));
  }
  VOUCH_GUARD(sig_component(c, "R", r->sig_rs, err));
  VOUCH_GUARD(sig_component(c, "S", r->sig_rs + 48, err));
  VOUCH_GUARD(mbz(c, 512 - 144, "signature tail", err));
  VOUCH_GUARD(vouch_cur_expect_empty(c));

  /* The product as the report alone tells it. */
  r->report_product = VOUCH_SNP_PRODUCT_UNKNOWN;
  if (r->has_cpuid) {
    r->report_product = product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id);
  } else if (!all_zero(r->chip_id, 8) && all_zero(r->chip_id + 8, 56)) {
    r->report_product = VOUCH_SNP_TURIN;
  }
  r->current_tcb.raw = current;
  r->reported_tcb.raw = reported;
  r->committed_tcb.raw = committed;
  r->launch_tcb.raw = launch;
  vouch_snp_report_set_product(r, VOUCH_SNP_PRODUCT_UNKNOWN);
  return VOUCH_OK;
}

void vouch_snp_report_set_product(vouch_snp_report *r, vouch_snp_product p) {
  if (p == VOUCH_SNP_PRODUCT_UNKNOWN) p = r->report_product;
  r->product = p;
  vouch_snp_tcb_decode(r->current_tcb.raw, p, &r->current_tcb);
  vouch_snp_tcb_decode(r->reported_tcb.raw, p, &r->reported_tcb);
  vouch_snp_tcb_decode(r->committed_tcb.raw, p, &r->committed_tcb);
  vouch_snp_tcb_decode(r->launch_tcb.raw, p, &r->launch_tcb);
}

vouch_status vouch_snp_report_parse(const uint8_t *b, size_t len, vouch_snp_report *out,
                                    vouch_err *err) {
  if (out == NULL || (b == NULL && len > 0)) {
    return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  }
  if (len < VOUCH_SNP_REPORT_LEN) {
    return vouch_fail(err, VOUCH_E_TRUNCATED,
                      "snp: report is %zu bytes, an attestation report is %u", len,
                      VOUCH_SNP_REPORT_LEN);
  }
  if (len > VOUCH_SNP_REPORT_LEN) {
    return vouch_fail(err, VOUCH_E_TRAILING,
                      "snp: report is %zu bytes, an attestation report is %u (%zu trailing)", len,
                      VOUCH_SNP_REPORT_LEN, len - VOUCH_SNP_REPORT_LEN);
  }
  vouch_snp_report r;
  memset(&r, 0, sizeof(r));
  r.raw = b;
  vouch_cur c = vouch_cur_make(b, len);
  vouch_status s = parse_body(&c, &r, err);
  if (s != VOUCH_OK) {
    /* Reads cannot run out (the length is exact), but say so if they do. */
    if (err != NULL && err->code == VOUCH_OK) {
      vouch_fail(err, s, "snp: report truncated at offset 0x%zX", vouch_cur_offset(&c));
    }
    return s;
  }
  *out = r;
  return VOUCH_OK;
}
