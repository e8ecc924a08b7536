/* tools/gen/quote.c - SGX quote v3 bytes (spec §4.1), TDX quote v4/v5
 * bytes (§3.2, §4.2, §4.3) and the per-platform Quoting Enclave material.
 *
 * A real QE signs its own report with the PCK key once (per attestation
 * key) and copies it, with the certification data, into every quote.  We do
 * the same: gen_platform_build_qe precomputes the "tail" of sig_data (att
 * key .. certification data: SGX quote offset 500 onwards, for TDX the att
 * key, then the type-6 item wrapping QE report .. inner certification
 * data), and a quote only lays out header || body, signs it with the
 * attestation key and appends the tail. */
#include <stdlib.h>
#include <string.h>

#include "tools/gen/internal.h"

#define QE_AUTH_LEN 32
/* offsets inside the tail (sig_data minus the 64-byte quote signature),
 * relative to the QE report (pl->tail_qe_report) */
#define TAIL_QE_SIG VOUCH_GEN_REPORT_LEN
#define TAIL_QE_AUTH (TAIL_QE_SIG + 64 + 2)
#define TD_SIGNED_MAX (VOUCH_GEN_QUOTE_HEADER_LEN + 6 + VOUCH_GEN_TD15_REPORT_LEN)

static const uint8_t kIntelQeVendorId[16] = {0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
                                             0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};

static void put_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* report_body lays out an SGX report body (spec §3.1); reserved fields,
 * ISVEXTPRODID, CONFIGID and ISVFAMILYID are zero. */
static void report_body(uint8_t out[VOUCH_GEN_REPORT_LEN], const uint8_t cpusvn[16],
                        uint32_t miscselect, const uint8_t attributes[16],
                        const uint8_t mrenclave[32], const uint8_t mrsigner[32], uint16_t isvprodid,
                        uint16_t isvsvn, uint16_t configsvn, const uint8_t report_data[64]) {
  memset(out, 0, VOUCH_GEN_REPORT_LEN);
  memcpy(out + 0, cpusvn, 16);
  put_le32(out + 16, miscselect);
  memcpy(out + 48, attributes, 16);
  memcpy(out + 64, mrenclave, 32);
  memcpy(out + 128, mrsigner, 32);
  put_le16(out + 256, isvprodid);
  put_le16(out + 258, isvsvn);
  put_le16(out + 260, configsvn);
  memcpy(out + 320, report_data, 64);
}

/* cert_data appends the certification data payload of |pl|'s type. */
static void cert_data(const vouch_gen_platform *pl, vouch_buf *b) {
  const gen_cert *ca = gen_pki_cert(pl->pki, pl->ca);
  const gen_cert *root = gen_pki_cert(pl->pki, VOUCH_GEN_ROOT_CA);
  switch (pl->cert_data_type) {
    case 1: { /* PPID cleartext || CPUSVN || PCESVN || PCEID */
      uint8_t pcesvn[2];
      put_le16(pcesvn, pl->pck.pcesvn);
      vouch_buf_append(b, pl->pck.ppid, 16);
      vouch_buf_append(b, pl->pck.cpusvn, 16);
      vouch_buf_append(b, pcesvn, 2);
      vouch_buf_append(b, pl->pck.pceid, 2);
      return;
    }
    case 4: /* PCK leaf PEM */
      vouch_buf_append(b, pl->cert.pem, pl->cert.pem_len);
      vouch_buf_putc(b, '\0');
      return;
    default: /* 5: leaf, CA, root, then one NUL counted in the size, as Intel's QE */
      vouch_buf_append(b, pl->cert.pem, pl->cert.pem_len);
      vouch_buf_append(b, ca->pem, ca->pem_len);
      vouch_buf_append(b, root->pem, root->pem_len);
      vouch_buf_putc(b, '\0');
      return;
  }
}

vouch_status gen_platform_build_qe(vouch_gen_platform *pl, const vouch_gen_platform_opts *opts,
                                   vouch_err *err) {
  uint8_t auth[QE_AUTH_LEN];
  for (size_t i = 0; i < QE_AUTH_LEN; i++) auth[i] = (uint8_t)i;

  /* REPORTDATA = SHA-256(att_key || qe_auth_data) || 0^32 (spec §5). */
  uint8_t rd[64] = {0};
  uint8_t msg[64 + QE_AUTH_LEN];
  memcpy(msg, pl->att_pub, 64);
  memcpy(msg + 64, auth, QE_AUTH_LEN);
  unsigned int md_len = 0;
  if (EVP_Digest(msg, sizeof(msg), rd, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
    return gen_ossl_fail(err, "QE report data hash");

  report_body(pl->qe_report, pl->pck.cpusvn, opts->qe_miscselect, opts->qe_attributes,
              opts->qe_mrenclave, opts->qe_mrsigner, opts->qe_isvprodid, opts->qe_svn, 0, rd);
  if (gen_sign_raw(pl->cert.key, pl->qe_report, VOUCH_GEN_REPORT_LEN, pl->qe_report_sig) !=
      VOUCH_OK)
    return vouch_fail(err, VOUCH_E_CRYPTO, "gen: QE report signing failed");

  vouch_buf cd, tail;
  vouch_buf_init(&cd, 0);
  vouch_buf_init(&tail, 0);
  cert_data(pl, &cd);
  uint8_t hdr[6];
  vouch_buf_append(&tail, pl->att_pub, 64);
  pl->tail_qe_report = 64;
  if (pl->tdx) {
    /* Type 6 (QE Report Certification Data) wrapping everything below. */
    size_t inner = VOUCH_GEN_REPORT_LEN + 64 + 2 + QE_AUTH_LEN + 6 + cd.len;
    put_le16(hdr, 6);
    put_le32(hdr + 2, (uint32_t)inner);
    vouch_buf_append(&tail, hdr, 6);
    pl->tail_qe_report += 6;
  }
  put_le16(hdr, QE_AUTH_LEN);
  vouch_buf_append(&tail, pl->qe_report, VOUCH_GEN_REPORT_LEN);
  vouch_buf_append(&tail, pl->qe_report_sig, 64);
  vouch_buf_append(&tail, hdr, 2);
  vouch_buf_append(&tail, auth, QE_AUTH_LEN);
  put_le16(hdr, pl->cert_data_type);
  put_le32(hdr + 2, (uint32_t)cd.len);
  vouch_buf_append(&tail, hdr, 6);
  vouch_buf_append(&tail, cd.data, cd.len);
  vouch_status s = vouch_buf_status(&cd);
  if (s == VOUCH_OK) s = vouch_buf_status(&tail);
  vouch_buf_free(&cd);
  if (s != VOUCH_OK) {
    vouch_buf_free(&tail);
    return vouch_fail(err, s, "gen: building QE data failed");
  }
  /* Take ownership of the builder's memory. */
  pl->tail = (uint8_t *)tail.data;
  pl->tail_len = tail.len;
  return VOUCH_OK;
}

/* append_tail appends |pl|'s tail (which starts at |tail_at| in |out|),
 * then |trailing| zero bytes, and applies the QE corruptions to the copy,
 * never to the platform's. */
static vouch_status append_tail(const vouch_gen_platform *pl, unsigned corrupt, size_t trailing,
                                size_t tail_at, vouch_buf *out) {
  vouch_buf_append(out, pl->tail, pl->tail_len);
  static const uint8_t kZeros[256];
  for (size_t left = trailing; left > 0;) {
    size_t n = left < sizeof(kZeros) ? left : sizeof(kZeros);
    vouch_buf_append(out, kZeros, n);
    left -= n;
  }
  VOUCH_GUARD(vouch_buf_status(out));
  uint8_t *qe = (uint8_t *)out->data + tail_at + pl->tail_qe_report;
  if (corrupt & VOUCH_GEN_CORRUPT_QE_REPORT) qe[64] ^= 0x01;
  if (corrupt & VOUCH_GEN_CORRUPT_QE_REPORT_SIG) qe[TAIL_QE_SIG + 31] ^= 0x01;
  if (corrupt & VOUCH_GEN_CORRUPT_QE_AUTH_DATA) qe[TAIL_QE_AUTH] ^= 0x01;
  return VOUCH_OK;
}

void vouch_gen_quote_opts_default(vouch_gen_quote_opts *o) {
  memset(o, 0, sizeof(*o));
  gen_derive(0, "vouch test enclave mrenclave", 0, o->mrenclave, 32);
  gen_derive(0, "vouch test enclave mrsigner", 0, o->mrsigner, 32);
  o->attributes[0] = 0x05; /* INIT | MODE64BIT */
  o->attributes[8] = 0xE7; /* XFRM */
  o->cpusvn_from_platform = true;
  o->att_key_type = 2;
  memcpy(o->qe_vendor_id, kIntelQeVendorId, 16);
}

vouch_status vouch_gen_quote(const vouch_gen_platform *pl, const vouch_gen_quote_opts *opts,
                             vouch_buf *out) {
  return gen_quote_build(pl, opts, NULL, true, out);
}

vouch_status gen_quote_build(const vouch_gen_platform *pl, const vouch_gen_quote_opts *opts,
                             EVP_PKEY_CTX *sign_ctx, bool with_tail, vouch_buf *out) {
  VOUCH_ENSURE_REF(pl);
  VOUCH_ENSURE_REF(opts);
  VOUCH_ENSURE_REF(out);
  VOUCH_ENSURE(!pl->tdx, VOUCH_E_ARG); /* TDX platforms make TD quotes */
  VOUCH_ENSURE(pl->tail_len <= UINT32_MAX - 64, VOUCH_E_INTERNAL);
  VOUCH_ENSURE(with_tail || (opts->corrupt & ~(unsigned)VOUCH_GEN_CORRUPT_QUOTE_SIG) == 0,
               VOUCH_E_ARG);
  VOUCH_ENSURE(with_tail || opts->trailing_len == 0, VOUCH_E_ARG);

  uint8_t signed_part[VOUCH_GEN_QUOTE_SIGNED_LEN] = {0};
  uint8_t *h = signed_part;
  put_le16(h + 0, 3);
  put_le16(h + 2, opts->att_key_type);
  put_le32(h + 4, 0); /* tee_type: SGX */
  put_le16(h + 8, pl->qe_svn);
  put_le16(h + 10, pl->pck.pcesvn);
  memcpy(h + 12, opts->qe_vendor_id, 16);
  memcpy(h + 28, pl->qe_id, 16); /* user_data: QE_ID || 0^4 */

  uint8_t attributes[16];
  memcpy(attributes, opts->attributes, 16);
  if (opts->debug) attributes[0] |= 0x02;
  report_body(signed_part + VOUCH_GEN_QUOTE_HEADER_LEN,
              opts->cpusvn_from_platform ? pl->pck.cpusvn : opts->cpusvn, opts->miscselect,
              attributes, opts->mrenclave, opts->mrsigner, opts->isvprodid, opts->isvsvn,
              opts->configsvn, opts->report_data);
  memcpy(signed_part + VOUCH_GEN_QUOTE_HEADER_LEN + 192, opts->config_id, 64); /* CONFIGID */

  uint8_t sig[64];
  if (sign_ctx != NULL) {
    VOUCH_GUARD(gen_sign_ctx_raw(sign_ctx, signed_part, sizeof(signed_part), sig));
  } else {
    VOUCH_GUARD(gen_sign_raw(pl->att_key, signed_part, sizeof(signed_part), sig));
  }
  if (opts->corrupt & VOUCH_GEN_CORRUPT_QUOTE_SIG) sig[31] ^= 0x01;

  uint8_t len_le[4];
  put_le32(len_le, (uint32_t)(64 + pl->tail_len));
  size_t start = out->len;
  vouch_buf_append(out, signed_part, sizeof(signed_part));
  vouch_buf_append(out, len_le, 4);
  vouch_buf_append(out, sig, 64);
  if (!with_tail) return vouch_buf_status(out);
  return append_tail(pl, opts->corrupt, opts->trailing_len,
                     start + VOUCH_GEN_QUOTE_SIGNED_LEN + 4 + 64, out);
}

/* ---- TDX ---------------------------------------------------------------- */

void vouch_gen_td_quote_opts_default(vouch_gen_td_quote_opts *o) {
  memset(o, 0, sizeof(*o));
  o->version = 4;
  o->body_type = VOUCH_GEN_TD_BODY_10;
  o->tee_tcb_svn_from_platform = true;
  o->tee_tcb_svn2_from_svn = true;
  gen_derive(0, "vouch test td mrseam", 0, o->mrseam, 48);
  o->td_attributes[3] = 0x10; /* SEPT_VE_DISABLE (bit 28), as real TDs */
  o->xfam[0] = 0xE7;
  o->xfam[1] = 0x1A;
  o->xfam[2] = 0x06;
  gen_derive(0, "vouch test td mrtd", 0, o->mrtd, 48);
  for (size_t r = 0; r < 3; r++) gen_derive(0, "vouch test td rtmr", r, o->rtmr[r], 48);
  o->att_key_type = 2;
  memcpy(o->qe_vendor_id, kIntelQeVendorId, 16);
}

void vouch_gen_td_quote_set_format(vouch_gen_td_quote_opts *o, vouch_gen_td_format f) {
  o->version = f == VOUCH_GEN_TD_FORMAT_V4 ? 4 : 5;
  o->body_type = f == VOUCH_GEN_TD_FORMAT_V5_TD15 ? VOUCH_GEN_TD_BODY_15 : VOUCH_GEN_TD_BODY_10;
}

static bool td_is_v15(const vouch_gen_td_quote_opts *o) {
  return o->version == 5 && o->body_type == VOUCH_GEN_TD_BODY_15;
}

/* td_signed_len: header || [v5 body type and size] || body. */
static size_t td_signed_len(const vouch_gen_td_quote_opts *o) {
  return VOUCH_GEN_QUOTE_HEADER_LEN + (o->version == 5 ? 6 : 0) +
         (td_is_v15(o) ? VOUCH_GEN_TD15_REPORT_LEN : VOUCH_GEN_TD10_REPORT_LEN);
}

size_t gen_td_quote_prefix_len(const vouch_gen_td_quote_opts *o) {
  return td_signed_len(o) + 4 + 64;
}

/* td_body lays out a TD report body (spec §3.2) of |pl| at |out|. */
static void td_body(uint8_t *out, const vouch_gen_platform *pl, const vouch_gen_td_quote_opts *o) {
  const uint8_t *svn = o->tee_tcb_svn_from_platform ? pl->tee_tcb_svn : o->tee_tcb_svn;
  memcpy(out + 0, svn, 16);
  memcpy(out + 16, o->mrseam, 48);
  memcpy(out + 64, o->mrsignerseam, 48);
  memcpy(out + 112, o->seam_attributes, 8);
  memcpy(out + 120, o->td_attributes, 8);
  if (o->debug) out[120] |= 0x01;
  memcpy(out + 128, o->xfam, 8);
  memcpy(out + 136, o->mrtd, 48);
  memcpy(out + 184, o->mrconfigid, 48);
  memcpy(out + 232, o->mrowner, 48);
  memcpy(out + 280, o->mrownerconfig, 48);
  memcpy(out + 328, o->rtmr, 4 * 48);
  memcpy(out + 520, o->report_data, 64);
  if (td_is_v15(o)) {
    memcpy(out + 584, o->tee_tcb_svn2_from_svn ? svn : o->tee_tcb_svn2, 16);
    memcpy(out + 600, o->mrservicetd, 48);
  }
}

vouch_status vouch_gen_td_quote(const vouch_gen_platform *pl, const vouch_gen_td_quote_opts *opts,
                                vouch_buf *out) {
  return gen_td_quote_build(pl, opts, NULL, true, out);
}

vouch_status gen_td_quote_build(const vouch_gen_platform *pl, const vouch_gen_td_quote_opts *opts,
                                EVP_PKEY_CTX *sign_ctx, bool with_tail, vouch_buf *out) {
  VOUCH_ENSURE_REF(pl);
  VOUCH_ENSURE_REF(opts);
  VOUCH_ENSURE_REF(out);
  VOUCH_ENSURE(pl->tdx, VOUCH_E_ARG);
  VOUCH_ENSURE(opts->version == 4 || opts->version == 5, VOUCH_E_ARG);
  VOUCH_ENSURE(opts->body_type == 0 || opts->body_type == VOUCH_GEN_TD_BODY_10 ||
                   (opts->version == 5 && opts->body_type == VOUCH_GEN_TD_BODY_15),
               VOUCH_E_ARG);
  VOUCH_ENSURE(pl->tail_len <= UINT32_MAX - 64, VOUCH_E_INTERNAL);
  VOUCH_ENSURE(with_tail || (opts->corrupt & ~(unsigned)VOUCH_GEN_CORRUPT_QUOTE_SIG) == 0,
               VOUCH_E_ARG);
  VOUCH_ENSURE(with_tail || opts->trailing_len == 0, VOUCH_E_ARG);

  uint8_t signed_part[TD_SIGNED_MAX] = {0};
  size_t signed_len = td_signed_len(opts);
  uint8_t *h = signed_part;
  put_le16(h + 0, opts->version);
  put_le16(h + 2, opts->att_key_type);
  put_le32(h + 4, VOUCH_GEN_TEE_TYPE_TDX);
  /* qe_svn, pce_svn: reserved (0) in TDX quotes */
  memcpy(h + 12, opts->qe_vendor_id, 16);
  memcpy(h + 28, pl->qe_id, 16); /* user_data: QE_ID || 0^4 */
  uint8_t *body = signed_part + VOUCH_GEN_QUOTE_HEADER_LEN;
  if (opts->version == 5) {
    bool v15 = td_is_v15(opts);
    put_le16(body, v15 ? VOUCH_GEN_TD_BODY_15 : VOUCH_GEN_TD_BODY_10);
    put_le32(body + 2, v15 ? VOUCH_GEN_TD15_REPORT_LEN : VOUCH_GEN_TD10_REPORT_LEN);
    body += 6;
  }
  td_body(body, pl, opts);

  uint8_t sig[64];
  if (sign_ctx != NULL) {
    VOUCH_GUARD(gen_sign_ctx_raw(sign_ctx, signed_part, signed_len, sig));
  } else {
    VOUCH_GUARD(gen_sign_raw(pl->att_key, signed_part, signed_len, sig));
  }
  if (opts->corrupt & VOUCH_GEN_CORRUPT_QUOTE_SIG) sig[31] ^= 0x01;

  uint8_t len_le[4];
  put_le32(len_le, (uint32_t)(64 + pl->tail_len));
  size_t start = out->len;
  vouch_buf_append(out, signed_part, signed_len);
  vouch_buf_append(out, len_le, 4);
  vouch_buf_append(out, sig, 64);
  if (!with_tail) return vouch_buf_status(out);
  return append_tail(pl, opts->corrupt, opts->trailing_len, start + signed_len + 4 + 64, out);
}
