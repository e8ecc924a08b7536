/* tools/gen/quote.c - SGX quote v3 bytes (spec §4.1) and the per-platform
 * Quoting Enclave material.
 *
 * A real QE signs its own report with the PCK key once (per attestation
 * key) and copies it, with the certification data, into every quote.  We do
 * the same: gen_platform_build_qe precomputes the "tail" of sig_data (att
 * key .. certification data, quote offset 500 onwards), and vouch_gen_quote
 * only lays out header || ISV body, signs those 432 bytes with the
 * attestation key and appends the tail. */
#include <stdlib.h>
#include <string.h>

#include "tools/gen/internal.h"

#define QE_AUTH_LEN 32
/* offsets inside the tail (sig_data minus the 64-byte quote signature) */
#define TAIL_QE_REPORT 64
#define TAIL_QE_SIG (TAIL_QE_REPORT + VOUCH_GEN_REPORT_LEN)
#define TAIL_QE_AUTH (TAIL_QE_SIG + 64 + 2)

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
  put_le16(hdr, QE_AUTH_LEN);
  vouch_buf_append(&tail, pl->att_pub, 64);
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
  vouch_buf_append(out, pl->tail, pl->tail_len);
  static const uint8_t kZeros[256];
  for (size_t left = opts->trailing_len; left > 0;) {
    size_t n = left < sizeof(kZeros) ? left : sizeof(kZeros);
    vouch_buf_append(out, kZeros, n);
    left -= n;
  }
  VOUCH_GUARD(vouch_buf_status(out));

  /* Tamper with the copied QE material, never with the platform's. */
  uint8_t *tail = (uint8_t *)out->data + start + VOUCH_GEN_QUOTE_SIGNED_LEN + 4 + 64;
  if (opts->corrupt & VOUCH_GEN_CORRUPT_QE_REPORT) tail[TAIL_QE_REPORT + 64] ^= 0x01;
  if (opts->corrupt & VOUCH_GEN_CORRUPT_QE_REPORT_SIG) tail[TAIL_QE_SIG + 31] ^= 0x01;
  if (opts->corrupt & VOUCH_GEN_CORRUPT_QE_AUTH_DATA) tail[TAIL_QE_AUTH] ^= 0x01;
  return VOUCH_OK;
}
