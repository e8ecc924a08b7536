/* tools/gen/platform.c - a synthetic SGX or TDX platform: PCK certificate
 * (with the SGX extension), attestation key and the Quoting Enclave's (TDX:
 * TD Quoting Enclave's) report, all made once so that each further quote
 * costs one signature. */
#include <stdlib.h>
#include <string.h>

#include "tools/gen/internal.h"

/* Intel's production QE (spec §7.2) and the QE report seen in real quotes. */
static const uint8_t kIntelQeMrsigner[32] = {
    0x8C, 0x4F, 0x57, 0x75, 0xD7, 0x96, 0x50, 0x3E, 0x96, 0x13, 0x7F, 0x77, 0xC6, 0x8A, 0x82, 0x9A,
    0x00, 0x56, 0xAC, 0x8D, 0xED, 0x70, 0x14, 0x0B, 0x08, 0x1B, 0x09, 0x44, 0x90, 0xC5, 0x7B, 0xFF};
static const uint8_t kQeMrenclave[32] = {
    0x96, 0xB3, 0x47, 0xA6, 0x4E, 0x5A, 0x04, 0x5E, 0x27, 0x36, 0x9C, 0x26, 0xE6, 0xDC, 0xDA, 0x51,
    0xFD, 0x7C, 0x85, 0x0E, 0x9B, 0x3A, 0x3A, 0x79, 0xE7, 0x18, 0xF4, 0x32, 0x61, 0xDE, 0xE1, 0xE4};
/* flags INIT|MODE64BIT|PROVISIONKEY (0x15), XFRM 0xE7: under Intel's mask
 * FBFF.. this reads as the identity's 0x11. */
static const uint8_t kQeAttributes[16] = {0x15, 0, 0, 0, 0, 0, 0, 0, 0xE7, 0, 0, 0, 0, 0, 0, 0};
/* Intel's production TD_QE (spec §7.2) and a TD_QE MRENCLAVE seen in a real
 * TDX quote (vector tdx/automata-tdx-v4-outofdate). */
static const uint8_t kIntelTdQeMrsigner[32] = {
    0xDC, 0x9E, 0x2A, 0x7C, 0x6F, 0x94, 0x8F, 0x17, 0x47, 0x4E, 0x34, 0xA7, 0xFC, 0x43, 0xED, 0x03,
    0x0F, 0x7C, 0x15, 0x63, 0xF1, 0xBA, 0xBD, 0xDF, 0x63, 0x40, 0xC8, 0x2E, 0x0E, 0x54, 0xA8, 0xC5};
static const uint8_t kTdQeMrenclave[32] = {
    0xE5, 0xA3, 0xA7, 0xB5, 0xD8, 0x30, 0xC2, 0x95, 0x3B, 0x98, 0x53, 0x4C, 0x6C, 0x59, 0xA3, 0xA3,
    0x4F, 0xDC, 0x34, 0xE9, 0x33, 0xF7, 0xF5, 0x89, 0x8F, 0x0A, 0x85, 0xCF, 0x08, 0x84, 0x6B, 0xCA};

void vouch_gen_platform_opts_default(vouch_gen_platform_opts *o) {
  static const uint8_t kComps[16] = {11, 11, 2, 2, 255, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  static const uint8_t kFmspc[6] = {0x00, 0xA0, 0x67, 0x11, 0x00, 0x00};
  memset(o, 0, sizeof(*o));
  o->ca = VOUCH_GEN_PROCESSOR_CA;
  memcpy(o->pck.comp_svn, kComps, 16);
  memcpy(o->pck.cpusvn, kComps, 16);
  o->pck.pcesvn = 13;
  memcpy(o->pck.fmspc, kFmspc, 6);
  o->pck.dynamic_platform = true;
  o->pck.cached_keys = true;
  o->pck.smt_enabled = true;
  o->qe_svn = 8;
  o->cert_data_type = 5;
  memcpy(o->qe_mrsigner, kIntelQeMrsigner, 32);
  memcpy(o->qe_mrenclave, kQeMrenclave, 32);
  o->qe_isvprodid = 1;
  memcpy(o->qe_attributes, kQeAttributes, 16);
}

void vouch_gen_tdx_platform_opts_default(vouch_gen_platform_opts *o) {
  static const uint8_t kComps[16] = {7, 7, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  static const uint8_t kFmspc[6] = {0x00, 0x80, 0x6F, 0x05, 0x00, 0x00};
  static const uint8_t kTeeTcbSvn[16] = {5, 1, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  vouch_gen_platform_opts_default(o);
  o->ca = VOUCH_GEN_PLATFORM_CA;
  memcpy(o->pck.comp_svn, kComps, 16);
  memcpy(o->pck.cpusvn, kComps, 16);
  o->pck.pcesvn = 11;
  memcpy(o->pck.fmspc, kFmspc, 6);
  o->pck.sgx_type = 1; /* Scalable, as the TDX PCK certificates seen */
  o->qe_svn = 4;
  memcpy(o->qe_mrsigner, kIntelTdQeMrsigner, 32);
  memcpy(o->qe_mrenclave, kTdQeMrenclave, 32);
  o->qe_isvprodid = 2;
  o->tdx = true;
  memcpy(o->tee_tcb_svn, kTeeTcbSvn, 16);
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0) return false;
  return true;
}

vouch_status vouch_gen_platform_new(vouch_gen_pki *pki, const vouch_gen_platform_opts *opts,
                                    vouch_gen_platform **out, vouch_err *err) {
  if (pki == NULL || opts == NULL || out == NULL)
    return vouch_fail(err, VOUCH_E_ARG, "gen: platform: NULL argument");
  *out = NULL;
  if (opts->cert_data_type != 1 && opts->cert_data_type != 4 && opts->cert_data_type != 5)
    return vouch_fail(err, VOUCH_E_ARG, "gen: platform: cert_data_type %u not supported",
                      (unsigned)opts->cert_data_type);
  vouch_gen_platform *pl = calloc(1, sizeof(*pl));
  if (pl == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "gen: platform: out of memory");
  vouch_status s = VOUCH_OK;
  vouch_buf ext;
  vouch_buf_init(&ext, 0);

  pl->pki = pki;
  pl->index = pki->num_platforms++;
  pl->ca = opts->ca;
  pl->qe_svn = opts->qe_svn;
  pl->cert_data_type = opts->cert_data_type;
  pl->tdx = opts->tdx;
  if (opts->tdx) memcpy(pl->tee_tcb_svn, opts->tee_tcb_svn, 16);
  pl->pck = opts->pck;
  if (all_zero(pl->pck.ppid, 16)) gen_derive(pki->seed, "ppid", pl->index, pl->pck.ppid, 16);
  if (opts->ca == VOUCH_GEN_PLATFORM_CA) pl->pck.has_platform_fields = !opts->omit_platform_fields;
  if (pl->pck.has_platform_fields && all_zero(pl->pck.platform_instance_id, 16))
    gen_derive(pki->seed, "platform-instance-id", pl->index, pl->pck.platform_instance_id, 16);
  gen_derive(pki->seed, "qe-id", pl->index, pl->qe_id, 16);

  VOUCH_GUARD_GOTO(s, vouch_gen_pck_ext_encode(&pl->pck, &ext), fail);
  VOUCH_GUARD_GOTO(s,
                   gen_pki_issue_pck(pki, opts->ca, pl->index, opts->pck_validity,
                                     (const uint8_t *)ext.data, ext.len, &pl->cert, err),
                   fail);
  VOUCH_ENSURE_GOTO(s, gen_keygen(&pl->att_key) == VOUCH_OK, VOUCH_E_CRYPTO, fail);
  VOUCH_GUARD_GOTO(s, gen_pub_raw(pl->att_key, pl->att_pub), fail);
  VOUCH_GUARD_GOTO(s, gen_platform_build_qe(pl, opts, err), fail);
  vouch_buf_free(&ext);
  *out = pl;
  return VOUCH_OK;
fail:
  vouch_buf_free(&ext);
  vouch_gen_platform_free(pl);
  return vouch_fail(err, s, "gen: platform: creation failed (%s)", vouch_status_name(s));
}

void vouch_gen_platform_free(vouch_gen_platform *pl) {
  if (pl == NULL) return;
  gen_cert_cleanup(&pl->cert);
  EVP_PKEY_free(pl->att_key);
  free(pl->tail);
  free(pl);
}

const vouch_gen_pck_fields *vouch_gen_platform_pck(const vouch_gen_platform *pl) {
  return &pl->pck;
}
vouch_gen_pki_item vouch_gen_platform_ca(const vouch_gen_platform *pl) {
  return pl->ca;
}
uint16_t vouch_gen_platform_qe_svn(const vouch_gen_platform *pl) {
  return pl->qe_svn;
}
uint16_t vouch_gen_platform_cert_data_type(const vouch_gen_platform *pl) {
  return pl->cert_data_type;
}

void vouch_gen_platform_pck_der(const vouch_gen_platform *pl, const uint8_t **out,
                                size_t *out_len) {
  *out = pl->cert.der;
  *out_len = pl->cert.der_len;
}

void vouch_gen_platform_pck_serial(const vouch_gen_platform *pl, const uint8_t **out,
                                   size_t *out_len) {
  *out = pl->cert.serial;
  *out_len = GEN_SERIAL_LEN;
}

void vouch_gen_platform_pck_window(const vouch_gen_platform *pl, int64_t *out_not_before,
                                   int64_t *out_not_after) {
  *out_not_before = pl->cert.not_before;
  *out_not_after = pl->cert.not_after;
}

vouch_status vouch_gen_platform_pck_chain_pem(const vouch_gen_platform *pl, vouch_buf *out) {
  VOUCH_ENSURE_REF(pl);
  VOUCH_ENSURE_REF(out);
  vouch_buf_append(out, pl->cert.pem, pl->cert.pem_len);
  return vouch_gen_pki_chain_pem(pl->pki, pl->ca, out);
}

const uint8_t *vouch_gen_platform_att_key(const vouch_gen_platform *pl) {
  return pl->att_pub;
}
const uint8_t *vouch_gen_platform_qe_report(const vouch_gen_platform *pl) {
  return pl->qe_report;
}
const uint8_t *vouch_gen_platform_qe_report_sig(const vouch_gen_platform *pl) {
  return pl->qe_report_sig;
}

bool vouch_gen_platform_is_tdx(const vouch_gen_platform *pl) {
  return pl->tdx;
}
const uint8_t *vouch_gen_platform_tee_tcb_svn(const vouch_gen_platform *pl) {
  return pl->tee_tcb_svn;
}
