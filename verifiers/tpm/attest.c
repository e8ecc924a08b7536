/* verifiers/tpm/attest.c - TPM structures: TPMS_ATTEST, TPMT_SIGNATURE,
 * TPM2B_PUBLIC (unmarshalled by libtss2-mu, then checked field by field),
 * Names and Qualified Names, PCR selections and values, and the quote
 * signature check.  TPM structures are big-endian (spec/tpm.md §1-4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "verifiers/tpm/internal.h"

#define TPM_GENERATED_VALUE 0xFF544347u
#define TPM_ST_ATTEST_QUOTE 0x8018

void vouch_tpm_quiet_tss2_logging(void) { setenv("TSS2_LOG", "all+none", 0); }

/* ---- hashes ------------------------------------------------------------ */

bool tpm_hash(uint16_t alg, vouch_hash *out) {
  switch (alg) {
    case VOUCH_TPM_ALG_SHA1: *out = VOUCH_HASH_SHA1; return true;
    case VOUCH_TPM_ALG_SHA256: *out = VOUCH_HASH_SHA256; return true;
    case VOUCH_TPM_ALG_SHA384: *out = VOUCH_HASH_SHA384; return true;
    case VOUCH_TPM_ALG_SHA512: *out = VOUCH_HASH_SHA512; return true;
    default: return false;
  }
}

const char *vouch_tpm_hash_name(uint16_t alg) {
  switch (alg) {
    case VOUCH_TPM_ALG_SHA1: return "sha1";
    case VOUCH_TPM_ALG_SHA256: return "sha256";
    case VOUCH_TPM_ALG_SHA384: return "sha384";
    case VOUCH_TPM_ALG_SHA512: return "sha512";
    default: return NULL;
  }
}

const char *tpm_hash_upper(uint16_t alg) {
  switch (alg) {
    case VOUCH_TPM_ALG_SHA1: return "SHA1";
    case VOUCH_TPM_ALG_SHA256: return "SHA256";
    case VOUCH_TPM_ALG_SHA384: return "SHA384";
    case VOUCH_TPM_ALG_SHA512: return "SHA512";
    default: return NULL;
  }
}

size_t vouch_tpm_hash_len(uint16_t alg) {
  switch (alg) {
    case VOUCH_TPM_ALG_SHA1: return 20;
    case VOUCH_TPM_ALG_SHA256: return 32;
    case VOUCH_TPM_ALG_SHA384: return 48;
    case VOUCH_TPM_ALG_SHA512: return 64;
    default: return 0;
  }
}

int tpm_bank_index(uint16_t alg) {
  switch (alg) {
    case VOUCH_TPM_ALG_SHA1: return 0;
    case VOUCH_TPM_ALG_SHA256: return 1;
    case VOUCH_TPM_ALG_SHA384: return 2;
    case VOUCH_TPM_ALG_SHA512: return 3;
    default: return -1;
  }
}

void tpm_pcr_initial(uint32_t pcr, size_t len, uint8_t *out) {
  memset(out, (pcr >= 17 && pcr <= 22) ? 0xff : 0x00, len);
}

static const char *hash_label(uint16_t alg, char buf[16]) {
  const char *n = vouch_tpm_hash_name(alg);
  if (n != NULL) return n;
  snprintf(buf, 16, "0x%04x", alg);
  return buf;
}

/* ---- selections ----------------------------------------------------------- */

static vouch_status selection_from_tpml(const TPML_PCR_SELECTION *in, vouch_tpm_selection *out,
                                        vouch_err *err) {
  memset(out, 0, sizeof(*out));
  if (in->count > VOUCH_TPM_MAX_SELECTIONS) {
    return vouch_fail(err, VOUCH_E_LIMIT, "tpm: %u PCR selections (at most %d)", in->count,
                      VOUCH_TPM_MAX_SELECTIONS);
  }
  for (uint32_t i = 0; i < in->count; i++) {
    const TPMS_PCR_SELECTION *s = &in->pcrSelections[i];
    char hb[16];
    if (vouch_tpm_hash_len(s->hash) == 0) {
      return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: PCR selection %u uses hash %s", i,
                        hash_label(s->hash, hb));
    }
    for (uint32_t j = 0; j < i; j++) {
      if (out->sel[j].hash_alg == s->hash) {
        return vouch_fail(err, VOUCH_E_MALFORMED, "tpm: PCR selection lists bank %s twice",
                          hash_label(s->hash, hb));
      }
    }
    uint32_t mask = 0;
    for (uint32_t b = 0; b < s->sizeofSelect && b < TPM2_PCR_SELECT_MAX; b++) {
      mask |= (uint32_t)s->pcrSelect[b] << (8 * b);
    }
    if (s->sizeofSelect > TPM2_PCR_SELECT_MAX) {
      return vouch_fail(err, VOUCH_E_MALFORMED, "tpm: sizeofSelect %u", s->sizeofSelect);
    }
    if (mask >> VOUCH_TPM_NUM_PCRS) {
      return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: PCR selection names PCRs above 23");
    }
    out->sel[i].hash_alg = s->hash;
    out->sel[i].mask = mask;
  }
  out->num = in->count;
  return VOUCH_OK;
}

vouch_status vouch_tpm_selection_parse(const char *text, size_t len, vouch_tpm_selection *out,
                                       vouch_err *err) {
  VOUCH_ENSURE(text != NULL && out != NULL, VOUCH_E_ARG);
  memset(out, 0, sizeof(*out));
  size_t i = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && text[i] != ':') i++;
    if (i >= len) {
      return vouch_fail(err, VOUCH_E_ARG, "tpm: selection '%.*s' lacks ':' (e.g. sha256:0,1,7)",
                        (int)(len > 64 ? 64 : len), text);
    }
    uint16_t alg = 0;
    static const struct { const char *n; uint16_t a; } kBanks[] = {
        {"sha1", VOUCH_TPM_ALG_SHA1}, {"sha256", VOUCH_TPM_ALG_SHA256},
        {"sha384", VOUCH_TPM_ALG_SHA384}, {"sha512", VOUCH_TPM_ALG_SHA512}};
    for (size_t k = 0; k < sizeof(kBanks) / sizeof(kBanks[0]); k++) {
      if (strlen(kBanks[k].n) == i - start && memcmp(kBanks[k].n, text + start, i - start) == 0) {
        alg = kBanks[k].a;
      }
    }
    if (alg == 0) {
      return vouch_fail(err, VOUCH_E_ARG, "tpm: unknown PCR bank '%.*s' (sha1, sha256, sha384, "
                        "sha512)", (int)(i - start > 16 ? 16 : i - start), text + start);
    }
    i++; /* ':' */
    uint32_t mask = 0;
    size_t lstart = i;
    while (i < len && text[i] != '+') i++;
    size_t lend = i;
    if (lend - lstart == 3 && memcmp(text + lstart, "all", 3) == 0) {
      mask = (1u << VOUCH_TPM_NUM_PCRS) - 1;
    } else {
      size_t p = lstart;
      while (p < lend) {
        unsigned v = 0;
        size_t digits = 0;
        while (p < lend && text[p] >= '0' && text[p] <= '9' && digits < 3) {
          v = v * 10 + (unsigned)(text[p] - '0');
          p++;
          digits++;
        }
        if (digits == 0 || v >= VOUCH_TPM_NUM_PCRS || (p < lend && text[p] != ',')) {
          return vouch_fail(err, VOUCH_E_ARG, "tpm: bad PCR list '%.*s' (numbers 0-23)",
                            (int)(lend - lstart > 64 ? 64 : lend - lstart), text + lstart);
        }
        mask |= 1u << v;
        if (p < lend) p++; /* ',' */
      }
    }
    if (mask == 0) return vouch_fail(err, VOUCH_E_ARG, "tpm: empty PCR list in selection");
    for (size_t k = 0; k < out->num; k++) {
      if (out->sel[k].hash_alg == alg) {
        return vouch_fail(err, VOUCH_E_ARG, "tpm: bank %s listed twice in selection",
                          vouch_tpm_hash_name(alg));
      }
    }
    if (out->num >= VOUCH_TPM_MAX_SELECTIONS) {
      return vouch_fail(err, VOUCH_E_ARG, "tpm: too many banks in selection");
    }
    out->sel[out->num].hash_alg = alg;
    out->sel[out->num].mask = mask;
    out->num++;
    if (i < len) i++; /* '+' */
    if (i == len && text[len - 1] == '+') {
      return vouch_fail(err, VOUCH_E_ARG, "tpm: selection ends with '+'");
    }
  }
  if (out->num == 0) return vouch_fail(err, VOUCH_E_ARG, "tpm: empty PCR selection");
  return VOUCH_OK;
}

void vouch_tpm_selection_format(const vouch_tpm_selection *s, vouch_buf *out) {
  bool first_bank = true;
  for (size_t i = 0; i < s->num; i++) {
    if (s->sel[i].mask == 0) continue;
    char hb[16];
    vouch_buf_printf(out, "%s%s:", first_bank ? "" : "+", hash_label(s->sel[i].hash_alg, hb));
    first_bank = false;
    bool first = true;
    for (int p = 0; p < VOUCH_TPM_NUM_PCRS; p++) {
      if (!(s->sel[i].mask & (1u << p))) continue;
      vouch_buf_printf(out, "%s%d", first ? "" : ",", p);
      first = false;
    }
  }
}

bool vouch_tpm_selection_equal(const vouch_tpm_selection *a, const vouch_tpm_selection *b) {
  size_t i = 0, j = 0;
  for (;;) {
    while (i < a->num && a->sel[i].mask == 0) i++;
    while (j < b->num && b->sel[j].mask == 0) j++;
    if (i == a->num || j == b->num) return i == a->num && j == b->num;
    if (a->sel[i].hash_alg != b->sel[j].hash_alg || a->sel[i].mask != b->sel[j].mask) return false;
    i++;
    j++;
  }
}

/* ---- PCR values ------------------------------------------------------------ */

vouch_tpm_pcr_bank *vouch_tpm_pcrs_bank(vouch_tpm_pcrs *p, uint16_t alg, bool create) {
  int idx = tpm_bank_index(alg);
  if (idx < 0) return NULL;
  vouch_tpm_pcr_bank *b = &p->bank[idx];
  if (b->hash_alg == alg) return b;
  if (!create) return NULL;
  memset(b, 0, sizeof(*b));
  b->hash_alg = alg;
  return b;
}

const vouch_tpm_pcr_bank *vouch_tpm_pcrs_find(const vouch_tpm_pcrs *p, uint16_t alg) {
  int idx = tpm_bank_index(alg);
  if (idx < 0 || p->bank[idx].hash_alg != alg) return NULL;
  return &p->bank[idx];
}

vouch_status vouch_tpm_pcrs_from_values(const vouch_tpm_selection *sel, const uint8_t *values,
                                        size_t len, vouch_tpm_pcrs *out, vouch_err *err) {
  VOUCH_ENSURE(sel != NULL && out != NULL && (values != NULL || len == 0), VOUCH_E_ARG);
  memset(out, 0, sizeof(*out));
  vouch_cur c = vouch_cur_make(values, len);
  for (size_t i = 0; i < sel->num; i++) {
    size_t dlen = vouch_tpm_hash_len(sel->sel[i].hash_alg);
    vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_bank(out, sel->sel[i].hash_alg, true);
    if (b == NULL || dlen == 0) {
      return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: PCR bank 0x%04x",
                        sel->sel[i].hash_alg);
    }
    for (int p = 0; p < VOUCH_TPM_NUM_PCRS; p++) {
      if (!(sel->sel[i].mask & (1u << p))) continue;
      if (vouch_cur_copy(&c, b->value[p], dlen) != VOUCH_OK) {
        return vouch_fail(err, VOUCH_E_TRUNCATED,
                          "tpm: PCR values end before PCR %d (%s); %zu bytes for the selection",
                          p, vouch_tpm_hash_name(b->hash_alg), len);
      }
      b->present |= 1u << p;
    }
  }
  if (vouch_cur_remaining(&c) != 0) {
    return vouch_fail(err, VOUCH_E_TRAILING,
                      "tpm: %zu bytes of PCR values beyond the selection's %zu", len,
                      len - vouch_cur_remaining(&c));
  }
  return VOUCH_OK;
}

/* ---- TPMS_ATTEST --------------------------------------------------------------- */

vouch_status vouch_tpm_attest_parse(const uint8_t *data, size_t len, vouch_tpm_attest *out,
                                    vouch_err *err) {
  VOUCH_ENSURE(out != NULL && (data != NULL || len == 0), VOUCH_E_ARG);
  memset(out, 0, sizeof(*out));
  /* Check the fixed header ourselves first: a wrong magic or type gets a
   * precise message before libtss2-mu looks at the union. */
  vouch_cur c = vouch_cur_make(data, len);
  uint32_t magic = 0;
  uint16_t type = 0;
  if (vouch_cur_u32be(&c, &magic) != VOUCH_OK || vouch_cur_u16be(&c, &type) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TRUNCATED, "tpm: quote of %zu bytes is too short", len);
  }
  if (magic != TPM_GENERATED_VALUE) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "tpm: quote magic is 0x%08x, not TPM_GENERATED_VALUE 0xff544347 (not "
                      "made by a TPM)", magic);
  }
  if (type != TPM_ST_ATTEST_QUOTE) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "tpm: attestation type is 0x%04x, not TPM_ST_ATTEST_QUOTE 0x8018", type);
  }
  TPMS_ATTEST a;
  memset(&a, 0, sizeof(a));
  size_t off = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(data, len, &off, &a) != TSS2_RC_SUCCESS) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "tpm: quote (TPMS_ATTEST, %zu bytes) does not unmarshal", len);
  }
  if (off != len) {
    return vouch_fail(err, VOUCH_E_TRAILING, "tpm: %zu bytes after the TPMS_ATTEST", len - off);
  }
  out->magic = a.magic;
  out->type = a.type;
  if (a.qualifiedSigner.size > sizeof(out->qualified_signer) ||
      a.extraData.size > sizeof(out->extra_data) ||
      a.attested.quote.pcrDigest.size > sizeof(out->pcr_digest)) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "tpm: oversized field in TPMS_ATTEST");
  }
  memcpy(out->qualified_signer, a.qualifiedSigner.name, a.qualifiedSigner.size);
  out->qualified_signer_len = a.qualifiedSigner.size;
  memcpy(out->extra_data, a.extraData.buffer, a.extraData.size);
  out->extra_data_len = a.extraData.size;
  out->clock = a.clockInfo.clock;
  out->reset_count = a.clockInfo.resetCount;
  out->restart_count = a.clockInfo.restartCount;
  if (a.clockInfo.safe > 1) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "tpm: clockInfo.safe is %u (not a TPMI_YES_NO)",
                      a.clockInfo.safe);
  }
  out->safe = a.clockInfo.safe == 1;
  out->firmware_version = a.firmwareVersion;
  VOUCH_GUARD(selection_from_tpml(&a.attested.quote.pcrSelect, &out->selection, err));
  memcpy(out->pcr_digest, a.attested.quote.pcrDigest.buffer, a.attested.quote.pcrDigest.size);
  out->pcr_digest_len = a.attested.quote.pcrDigest.size;
  return VOUCH_OK;
}

/* ---- TPMT_SIGNATURE ---------------------------------------------------------------- */

static vouch_status parse_tpmt_signature(const uint8_t *data, size_t len,
                                         vouch_tpm_signature *out, vouch_err *err) {
  TPMT_SIGNATURE t;
  memset(&t, 0, sizeof(t));
  size_t off = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(data, len, &off, &t) != TSS2_RC_SUCCESS) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "tpm: signature (TPMT_SIGNATURE, %zu bytes) does not unmarshal", len);
  }
  if (off != len) {
    return vouch_fail(err, VOUCH_E_TRAILING, "tpm: %zu bytes after the TPMT_SIGNATURE", len - off);
  }
  out->sig_alg = t.sigAlg;
  switch (t.sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS: {
      const TPMS_SIGNATURE_RSA *r = t.sigAlg == TPM2_ALG_RSASSA ? &t.signature.rsassa
                                                                : &t.signature.rsapss;
      out->hash_alg = r->hash;
      if (r->sig.size == 0 || r->sig.size > sizeof(out->sig)) {
        return vouch_fail(err, VOUCH_E_MALFORMED, "tpm: RSA signature of %u bytes", r->sig.size);
      }
      memcpy(out->sig, r->sig.buffer, r->sig.size);
      out->sig_len = r->sig.size;
      break;
    }
    case TPM2_ALG_ECDSA: {
      const TPMS_SIGNATURE_ECC *e = &t.signature.ecdsa;
      out->hash_alg = e->hash;
      if (e->signatureR.size == 0 || e->signatureS.size == 0 || e->signatureR.size > 66 ||
          e->signatureS.size > 66) {
        return vouch_fail(err, VOUCH_E_MALFORMED, "tpm: ECDSA r/s of %u/%u bytes",
                          e->signatureR.size, e->signatureS.size);
      }
      memcpy(out->r, e->signatureR.buffer, e->signatureR.size);
      memcpy(out->s, e->signatureS.buffer, e->signatureS.size);
      out->r_len = e->signatureR.size;
      out->s_len = e->signatureS.size;
      break;
    }
    default:
      return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                        "tpm: signature algorithm 0x%04x (RSASSA, RSAPSS and ECDSA are supported)",
                        t.sigAlg);
  }
  if (vouch_tpm_hash_len(out->hash_alg) == 0) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: signature hash 0x%04x", out->hash_alg);
  }
  return VOUCH_OK;
}

vouch_status vouch_tpm_signature_parse(const uint8_t *data, size_t len,
                                       vouch_tpm_sig_format format, uint16_t bare_hash_alg,
                                       vouch_tpm_signature *out, vouch_err *err) {
  VOUCH_ENSURE(out != NULL && (data != NULL || len == 0), VOUCH_E_ARG);
  memset(out, 0, sizeof(*out));
  if (format != VOUCH_TPM_SIG_BARE_RSASSA) {
    vouch_err tmp = {0};
    vouch_status s = parse_tpmt_signature(data, len, out, &tmp);
    bool rsa_size = len == 128 || len == 256 || len == 384 || len == 512;
    if (s == VOUCH_OK || format == VOUCH_TPM_SIG_TPMT || !rsa_size) {
      if (s != VOUCH_OK && err != NULL && err->code == VOUCH_OK) *err = tmp;
      return s;
    }
    memset(out, 0, sizeof(*out));
  }
  if (len < 128 || len > 512) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "tpm: bare RSASSA signature of %zu bytes (128 to 512 expected)", len);
  }
  uint16_t h = bare_hash_alg ? bare_hash_alg : VOUCH_TPM_ALG_SHA256;
  if (vouch_tpm_hash_len(h) == 0) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: hash 0x%04x for a bare signature", h);
  }
  out->sig_alg = VOUCH_TPM_ALG_RSASSA;
  out->hash_alg = h;
  out->bare = true;
  memcpy(out->sig, data, len);
  out->sig_len = len;
  return VOUCH_OK;
}

/* ---- TPM2B_PUBLIC -------------------------------------------------------------------- */

/* A tiny DER writer for SubjectPublicKeyInfo (the crypto module imports
 * keys from SPKI). */
static void der_len(vouch_buf *b, size_t n) {
  if (n < 0x80) {
    vouch_buf_putc(b, (char)n);
  } else if (n < 0x100) {
    vouch_buf_putc(b, (char)0x81);
    vouch_buf_putc(b, (char)n);
  } else {
    vouch_buf_putc(b, (char)0x82);
    vouch_buf_putc(b, (char)(n >> 8));
    vouch_buf_putc(b, (char)n);
  }
}

static void der_tlv(vouch_buf *b, uint8_t tag, const void *v, size_t n) {
  vouch_buf_putc(b, (char)tag);
  der_len(b, n);
  vouch_buf_append(b, v, n);
}

/* der_uint writes a positive INTEGER from big-endian bytes. */
static void der_uint(vouch_buf *b, const uint8_t *v, size_t n) {
  while (n > 1 && v[0] == 0) {
    v++;
    n--;
  }
  bool pad = n > 0 && (v[0] & 0x80);
  vouch_buf_putc(b, 0x02);
  der_len(b, n + (pad ? 1 : 0));
  if (pad) vouch_buf_putc(b, 0);
  vouch_buf_append(b, v, n);
}

static vouch_status spki_import(const uint8_t *alg_id, size_t alg_id_len, const uint8_t *bits,
                                size_t bits_len, struct vouch_pubkey **out) {
  vouch_buf bs, spki;
  vouch_buf_init(&bs, 4096);
  vouch_buf_init(&spki, 4096);
  vouch_buf_putc(&bs, 0); /* unused bits */
  vouch_buf_append(&bs, bits, bits_len);
  vouch_buf inner;
  vouch_buf_init(&inner, 4096);
  vouch_buf_append(&inner, alg_id, alg_id_len);
  der_tlv(&inner, 0x03, bs.data, bs.len);
  der_tlv(&spki, 0x30, inner.data, inner.len);
  vouch_status s = vouch_buf_status(&bs);
  if (s == VOUCH_OK) s = vouch_buf_status(&inner);
  if (s == VOUCH_OK) s = vouch_buf_status(&spki);
  if (s == VOUCH_OK) s = vouch_pubkey_from_spki_der((const uint8_t *)spki.data, spki.len, out);
  vouch_buf_free(&bs);
  vouch_buf_free(&inner);
  vouch_buf_free(&spki);
  return s;
}

static vouch_status import_rsa(const TPM2B_PUBLIC_KEY_RSA *n, uint32_t exponent,
                               struct vouch_pubkey **out) {
  static const uint8_t kRsaAlg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                    0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  uint32_t e = exponent ? exponent : 65537;
  uint8_t eb[4] = {(uint8_t)(e >> 24), (uint8_t)(e >> 16), (uint8_t)(e >> 8), (uint8_t)e};
  vouch_buf key, seq;
  vouch_buf_init(&key, 4096);
  vouch_buf_init(&seq, 4096);
  der_uint(&key, n->buffer, n->size);
  der_uint(&key, eb, 4);
  der_tlv(&seq, 0x30, key.data, key.len);
  vouch_status s = vouch_buf_status(&key);
  if (s == VOUCH_OK) s = vouch_buf_status(&seq);
  if (s == VOUCH_OK) s = spki_import(kRsaAlg, sizeof(kRsaAlg), (const uint8_t *)seq.data, seq.len, out);
  vouch_buf_free(&key);
  vouch_buf_free(&seq);
  return s;
}

static vouch_status import_ecc(uint16_t curve, const TPMS_ECC_POINT *pt, struct vouch_pubkey **out,
                               vouch_err *err) {
  static const uint8_t kP256Alg[] = {0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                                     0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  static const uint8_t kP384Alg[] = {0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                     0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
  size_t n = curve == TPM2_ECC_NIST_P256 ? 32 : curve == TPM2_ECC_NIST_P384 ? 48 : 0;
  if (n == 0) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: ECC curve 0x%04x (P-256 and P-384 only)",
                      curve);
  }
  if (pt->x.size == 0 || pt->y.size == 0 || pt->x.size > n || pt->y.size > n) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "tpm: ECC point coordinates of %u/%u bytes",
                      pt->x.size, pt->y.size);
  }
  uint8_t point[1 + 2 * 48] = {0x04};
  memcpy(point + 1 + (n - pt->x.size), pt->x.buffer, pt->x.size);
  memcpy(point + 1 + n + (n - pt->y.size), pt->y.buffer, pt->y.size);
  vouch_status s = curve == TPM2_ECC_NIST_P256
                       ? spki_import(kP256Alg, sizeof(kP256Alg), point, 1 + 2 * n, out)
                       : spki_import(kP384Alg, sizeof(kP384Alg), point, 1 + 2 * n, out);
  if (s != VOUCH_OK) {
    return vouch_fail(err, s == VOUCH_E_NOMEM ? s : VOUCH_E_MALFORMED,
                      "tpm: the ECC public key is not a point on the curve");
  }
  return VOUCH_OK;
}

vouch_status vouch_tpm_public_parse(const uint8_t *data, size_t len, vouch_tpm_public *out,
                                    vouch_err *err) {
  VOUCH_ENSURE(out != NULL && (data != NULL || len == 0), VOUCH_E_ARG);
  memset(out, 0, sizeof(*out));
  /* TPM2B_PUBLIC when the size prefix covers exactly the rest; else a bare
   * TPMT_PUBLIC (go-attestation's AK.Public). */
  vouch_cur c = vouch_cur_make(data, len);
  uint16_t size = 0;
  const uint8_t *area = data;
  size_t area_len = len;
  if (vouch_cur_u16be(&c, &size) == VOUCH_OK && size == len - 2) {
    VOUCH_GUARD(vouch_cur_bytes(&c, size, &area));
    area_len = size;
  }
  if (area_len == 0) return vouch_fail(err, VOUCH_E_TRUNCATED, "tpm: empty public area");
  TPMT_PUBLIC t;
  memset(&t, 0, sizeof(t));
  size_t off = 0;
  if (Tss2_MU_TPMT_PUBLIC_Unmarshal(area, area_len, &off, &t) != TSS2_RC_SUCCESS) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "tpm: public key (TPM2B_PUBLIC / TPMT_PUBLIC, %zu bytes) does not unmarshal",
                      len);
  }
  if (off != area_len) {
    return vouch_fail(err, VOUCH_E_TRAILING, "tpm: %zu bytes after the TPMT_PUBLIC",
                      area_len - off);
  }
  out->type = t.type;
  out->name_alg = t.nameAlg;
  out->attributes = t.objectAttributes;
  vouch_hash h;
  if (!tpm_hash(t.nameAlg, &h)) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: public key nameAlg 0x%04x", t.nameAlg);
  }
  out->name[0] = (uint8_t)(t.nameAlg >> 8);
  out->name[1] = (uint8_t)t.nameAlg;
  size_t dl = 0;
  VOUCH_GUARD(vouch_digest(h, area, area_len, out->name + 2, &dl));
  out->name_len = 2 + dl;
  vouch_status s;
  if (t.type == TPM2_ALG_RSA) {
    const TPMS_RSA_PARMS *p = &t.parameters.rsaDetail;
    out->scheme = p->scheme.scheme;
    out->scheme_hash = p->scheme.scheme == TPM2_ALG_NULL ? 0 : p->scheme.details.anySig.hashAlg;
    out->key_bits = p->keyBits;
    if (p->keyBits < 1024 || p->keyBits > 4096 || t.unique.rsa.size * 8u != p->keyBits) {
      return vouch_fail(err, VOUCH_E_MALFORMED, "tpm: RSA key of %u bits with a %u-byte modulus",
                        p->keyBits, t.unique.rsa.size);
    }
    s = import_rsa(&t.unique.rsa, p->exponent, &out->key);
    if (s != VOUCH_OK) {
      return vouch_fail(err, s == VOUCH_E_NOMEM ? s : VOUCH_E_MALFORMED,
                        "tpm: the RSA public key does not import");
    }
  } else if (t.type == TPM2_ALG_ECC) {
    const TPMS_ECC_PARMS *p = &t.parameters.eccDetail;
    out->scheme = p->scheme.scheme;
    out->scheme_hash = p->scheme.scheme == TPM2_ALG_NULL ? 0 : p->scheme.details.anySig.hashAlg;
    out->curve = p->curveID;
    VOUCH_GUARD(import_ecc(p->curveID, &t.unique.ecc, &out->key, err));
  } else {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: public key type 0x%04x (RSA and ECC only)",
                      t.type);
  }
  return VOUCH_OK;
}

void vouch_tpm_public_cleanup(vouch_tpm_public *p) {
  if (p == NULL) return;
  vouch_pubkey_free(p->key);
  p->key = NULL;
}

vouch_status vouch_tpm_public_check_ak(const vouch_tpm_public *p, vouch_err *err) {
  char missing[160] = "";
  size_t n = 0;
  static const struct { uint32_t bit; const char *name; } kNeed[] = {
      {VOUCH_TPMA_FIXED_TPM, "fixedTPM"},
      {VOUCH_TPMA_RESTRICTED, "restricted"},
      {VOUCH_TPMA_SIGN, "sign"}};
  for (size_t i = 0; i < sizeof(kNeed) / sizeof(kNeed[0]); i++) {
    if (!(p->attributes & kNeed[i].bit)) {
      n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s%s", n ? ", " : "", kNeed[i].name);
    }
  }
  if (n > 0) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "tpm: the AK (attributes 0x%08x) lacks %s: not a restricted TPM "
                      "signing key", p->attributes, missing);
  }
  if (p->attributes & VOUCH_TPMA_DECRYPT) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "tpm: the AK (attributes 0x%08x) has decrypt set: not a pure signing key",
                      p->attributes);
  }
  return VOUCH_OK;
}

vouch_status vouch_tpm_qualified_name(const vouch_tpm_public *key, const vouch_tpm_public *parent,
                                      uint32_t hierarchy_handle, uint8_t out[VOUCH_TPM_MAX_NAME],
                                      size_t *out_len) {
  VOUCH_ENSURE(key != NULL && parent != NULL && out != NULL && out_len != NULL, VOUCH_E_ARG);
  vouch_hash hp, hk;
  VOUCH_ENSURE(tpm_hash(parent->name_alg, &hp) && tpm_hash(key->name_alg, &hk),
               VOUCH_E_UNSUPPORTED);
  uint8_t buf[4 + 2 * VOUCH_TPM_MAX_NAME];
  buf[0] = (uint8_t)(hierarchy_handle >> 24);
  buf[1] = (uint8_t)(hierarchy_handle >> 16);
  buf[2] = (uint8_t)(hierarchy_handle >> 8);
  buf[3] = (uint8_t)hierarchy_handle;
  memcpy(buf + 4, parent->name, parent->name_len);
  uint8_t qn_parent[VOUCH_TPM_MAX_NAME];
  qn_parent[0] = (uint8_t)(parent->name_alg >> 8);
  qn_parent[1] = (uint8_t)parent->name_alg;
  size_t dl = 0;
  VOUCH_GUARD(vouch_digest(hp, buf, 4 + parent->name_len, qn_parent + 2, &dl));
  size_t qnp_len = 2 + dl;
  memcpy(buf, qn_parent, qnp_len);
  memcpy(buf + qnp_len, key->name, key->name_len);
  out[0] = (uint8_t)(key->name_alg >> 8);
  out[1] = (uint8_t)key->name_alg;
  VOUCH_GUARD(vouch_digest(hk, buf, qnp_len + key->name_len, out + 2, &dl));
  *out_len = 2 + dl;
  return VOUCH_OK;
}

/* ---- signature check ---------------------------------------------------------------- */

vouch_status vouch_tpm_verify_signature(const struct vouch_pubkey *key,
                                        const vouch_tpm_signature *sig, const uint8_t *msg,
                                        size_t msg_len, vouch_err *err) {
  VOUCH_ENSURE(key != NULL && sig != NULL, VOUCH_E_ARG);
  vouch_hash h;
  if (!tpm_hash(sig->hash_alg, &h)) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: signature hash 0x%04x", sig->hash_alg);
  }
  const char *hn = vouch_tpm_hash_name(sig->hash_alg);
  vouch_status s = VOUCH_E_SIGNATURE;
  switch (sig->sig_alg) {
    case VOUCH_TPM_ALG_RSASSA:
      s = vouch_verify_sig(key, VOUCH_SIG_RSA_PKCS1, h, 0, msg, msg_len, sig->sig, sig->sig_len);
      break;
    case VOUCH_TPM_ALG_RSAPSS: {
      size_t hl = vouch_tpm_hash_len(sig->hash_alg);
      s = vouch_verify_sig(key, VOUCH_SIG_RSA_PSS, h, (int)hl, msg, msg_len, sig->sig,
                           sig->sig_len);
      if (s == VOUCH_E_SIGNATURE && sig->sig_len > hl + 2) {
        /* Older TPMs used the largest salt that fits. */
        s = vouch_verify_sig(key, VOUCH_SIG_RSA_PSS, h, (int)(sig->sig_len - hl - 2), msg,
                             msg_len, sig->sig, sig->sig_len);
      }
      break;
    }
    case VOUCH_TPM_ALG_ECDSA: {
      size_t n = sig->r_len > sig->s_len ? sig->r_len : sig->s_len;
      uint8_t rs[2 * 66] = {0};
      memcpy(rs + (n - sig->r_len), sig->r, sig->r_len);
      memcpy(rs + n + (n - sig->s_len), sig->s, sig->s_len);
      uint8_t *der = NULL;
      size_t der_len = 0;
      s = vouch_ecdsa_rs_to_der(rs, 2 * n, &der, &der_len);
      if (s == VOUCH_OK) {
        s = vouch_verify_sig(key, VOUCH_SIG_ECDSA, h, 0, msg, msg_len, der, der_len);
      } else if (s != VOUCH_E_NOMEM) {
        s = VOUCH_E_SIGNATURE;
      }
      free(der);
      break;
    }
    default:
      return vouch_fail(err, VOUCH_E_UNSUPPORTED, "tpm: signature algorithm 0x%04x",
                        sig->sig_alg);
  }
  if (s == VOUCH_OK) return VOUCH_OK;
  if (s == VOUCH_E_NOMEM) return vouch_fail(err, s, "tpm: out of memory");
  const char *an = sig->sig_alg == VOUCH_TPM_ALG_RSASSA  ? "RSASSA"
                   : sig->sig_alg == VOUCH_TPM_ALG_RSAPSS ? "RSAPSS"
                                                          : "ECDSA";
  return vouch_fail(err, VOUCH_E_SIGNATURE,
                    "tpm: quote signature (%s%s-%s) does not verify with the AK", an,
                    sig->bare ? " bare" : "", hn);
}
