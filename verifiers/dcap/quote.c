/* verifiers/dcap/quote.c - the DCAP quote parser (v3, v4, v5).
 *
 * Layout (spec §4): header(48) || body || sig_data_len u32 || sig_data.
 * v5 inserts body_type u16 || body_size u32 before the body.  The signature
 * data is: quote signature(64) || attestation key(64) || then either (v3)
 * QE report(384) || QE report signature(64) || auth data || cert data, or
 * (v4/v5) a type-6 certification data item wrapping exactly that.
 * Everything goes through the bounded cursor; every failure names the field
 * and its offset. */
#include <string.h>

#include "verifiers/dcap/dcap.h"

const uint8_t vouch_intel_qe_vendor_id[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                              0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

bool vouch_sgx_report_is_debug(const vouch_sgx_report *r) { return (r->attributes[0] & 0x02) != 0; }

/* need wraps a cursor read so a failure reports what was being read and
 * where. */
static vouch_status need(vouch_status s, const vouch_cur *c, const char *what, vouch_err *err) {
  if (s == VOUCH_OK) return VOUCH_OK;
  return vouch_fail(err, VOUCH_E_TRUNCATED, "quote truncated at offset %zu (%s)",
                    vouch_cur_offset(c), what);
}

static vouch_status parse_sgx_report(vouch_cur *c, vouch_sgx_report *r, const char *what,
                                     vouch_err *err) {
  vouch_cur body;
  VOUCH_GUARD(need(vouch_cur_sub(c, VOUCH_SGX_REPORT_LEN, &body), c, what, err));
  r->raw = body.data;
  /* The 384 bytes are present, so these fixed reads cannot fail. */
  vouch_status s = VOUCH_OK;
  if ((s = vouch_cur_copy(&body, r->cpusvn, 16)) || (s = vouch_cur_u32le(&body, &r->miscselect)) ||
      (s = vouch_cur_skip(&body, 12)) || (s = vouch_cur_copy(&body, r->isv_ext_prod_id, 16)) ||
      (s = vouch_cur_copy(&body, r->attributes, 16)) ||
      (s = vouch_cur_copy(&body, r->mrenclave, 32)) || (s = vouch_cur_skip(&body, 32)) ||
      (s = vouch_cur_copy(&body, r->mrsigner, 32)) || (s = vouch_cur_skip(&body, 32)) ||
      (s = vouch_cur_copy(&body, r->config_id, 64)) ||
      (s = vouch_cur_u16le(&body, &r->isv_prod_id)) || (s = vouch_cur_u16le(&body, &r->isv_svn)) ||
      (s = vouch_cur_u16le(&body, &r->config_svn)) || (s = vouch_cur_skip(&body, 42)) ||
      (s = vouch_cur_copy(&body, r->isv_family_id, 16)) ||
      (s = vouch_cur_copy(&body, r->report_data, 64)) || (s = vouch_cur_expect_empty(&body))) {
    return vouch_fail(err, VOUCH_E_INTERNAL, "report body layout (%s)", what);
  }
  return VOUCH_OK;
}

static vouch_status parse_td_report(vouch_cur *c, size_t size, vouch_td_report *r,
                                    vouch_err *err) {
  vouch_cur body;
  VOUCH_GUARD(need(vouch_cur_sub(c, size, &body), c, "TD report body", err));
  r->raw = body.data;
  r->raw_len = size;
  r->is_v15 = size == VOUCH_TD15_REPORT_LEN;
  vouch_status s = VOUCH_OK;
  if ((s = vouch_cur_copy(&body, r->tee_tcb_svn, 16)) || (s = vouch_cur_copy(&body, r->mrseam, 48)) ||
      (s = vouch_cur_copy(&body, r->mrsignerseam, 48)) ||
      (s = vouch_cur_copy(&body, r->seam_attributes, 8)) ||
      (s = vouch_cur_copy(&body, r->td_attributes, 8)) || (s = vouch_cur_copy(&body, r->xfam, 8)) ||
      (s = vouch_cur_copy(&body, r->mrtd, 48)) || (s = vouch_cur_copy(&body, r->mrconfigid, 48)) ||
      (s = vouch_cur_copy(&body, r->mrowner, 48)) ||
      (s = vouch_cur_copy(&body, r->mrownerconfig, 48)) || (s = vouch_cur_copy(&body, r->rtmr, 192)) ||
      (s = vouch_cur_copy(&body, r->report_data, 64))) {
    return vouch_fail(err, VOUCH_E_INTERNAL, "TD report layout");
  }
  if (r->is_v15 && ((s = vouch_cur_copy(&body, r->tee_tcb_svn2, 16)) ||
                    (s = vouch_cur_copy(&body, r->mrservicetd, 48)))) {
    return vouch_fail(err, VOUCH_E_INTERNAL, "TD report 1.5 layout");
  }
  if (vouch_cur_expect_empty(&body) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_INTERNAL, "TD report layout");
  }
  return VOUCH_OK;
}

static vouch_status parse_header(vouch_cur *c, vouch_quote *q, vouch_err *err) {
  vouch_status s = VOUCH_OK;
  if ((s = vouch_cur_u16le(c, &q->version)) || (s = vouch_cur_u16le(c, &q->att_key_type)) ||
      (s = vouch_cur_u32le(c, &q->tee_type)) || (s = vouch_cur_u16le(c, &q->qe_svn)) ||
      (s = vouch_cur_u16le(c, &q->pce_svn)) || (s = vouch_cur_copy(c, q->qe_vendor_id, 16)) ||
      (s = vouch_cur_copy(c, q->user_data, 20))) {
    return need(s, c, "header", err);
  }
  if (q->version < 3 || q->version > 5) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "quote version %u is not supported (3, 4 or 5)",
                      q->version);
  }
  if (q->att_key_type != 2) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "attestation key type %u is not supported (2 = ECDSA P-256)",
                      q->att_key_type);
  }
  if (q->tee_type != VOUCH_TEE_SGX && q->tee_type != VOUCH_TEE_TDX) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "TEE type 0x%x is neither SGX (0) nor TDX (0x81)",
                      q->tee_type);
  }
  if (q->version == 3 && q->tee_type != VOUCH_TEE_SGX) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "quote v3 must be SGX (TEE type 0x%x)", q->tee_type);
  }
  if (memcmp(q->qe_vendor_id, vouch_intel_qe_vendor_id, 16) != 0) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED, "QE vendor id is not Intel's");
  }
  return VOUCH_OK;
}

static vouch_status parse_body(vouch_cur *c, vouch_quote *q, vouch_err *err) {
  if (q->version == 5) {
    uint16_t type;
    uint32_t size;
    vouch_status s = VOUCH_OK;
    if ((s = vouch_cur_u16le(c, &type)) || (s = vouch_cur_u32le(c, &size))) {
      return need(s, c, "v5 body type and size", err);
    }
    size_t want = type == VOUCH_BODY_SGX    ? VOUCH_SGX_REPORT_LEN
                  : type == VOUCH_BODY_TD10 ? VOUCH_TD10_REPORT_LEN
                  : type == VOUCH_BODY_TD15 ? VOUCH_TD15_REPORT_LEN
                                            : 0;
    if (want == 0) return vouch_fail(err, VOUCH_E_UNSUPPORTED, "v5 body type %u is unknown", type);
    if (size != want) {
      return vouch_fail(err, VOUCH_E_MALFORMED, "v5 body type %u must have size %zu, not %u", type,
                        want, size);
    }
    if ((type == VOUCH_BODY_SGX) != (q->tee_type == VOUCH_TEE_SGX)) {
      return vouch_fail(err, VOUCH_E_MALFORMED, "v5 body type %u does not match TEE type 0x%x",
                        type, q->tee_type);
    }
    q->body_type = (vouch_body_type)type;
  } else {
    q->body_type = q->tee_type == VOUCH_TEE_SGX ? VOUCH_BODY_SGX : VOUCH_BODY_TD10;
  }
  if (q->body_type == VOUCH_BODY_SGX) return parse_sgx_report(c, &q->isv, "ISV report body", err);
  size_t size = q->body_type == VOUCH_BODY_TD15 ? VOUCH_TD15_REPORT_LEN : VOUCH_TD10_REPORT_LEN;
  return parse_td_report(c, size, &q->td, err);
}

/* parse_qe_cert_data reads QE report || QE report sig || auth data ||
 * inner certification data; |c| must be consumed exactly. */
static vouch_status parse_qe_cert_data(vouch_cur *c, vouch_quote *q, vouch_err *err) {
  VOUCH_GUARD(parse_sgx_report(c, &q->qe_report, "QE report", err));
  VOUCH_GUARD(need(vouch_cur_bytes(c, 64, &q->qe_report_sig), c, "QE report signature", err));
  uint16_t auth_len;
  VOUCH_GUARD(need(vouch_cur_u16le(c, &auth_len), c, "QE auth data size", err));
  if (auth_len > VOUCH_LIMIT_QE_AUTH) {
    return vouch_fail(err, VOUCH_E_LIMIT, "QE auth data size %u exceeds the limit of %d",
                      auth_len, VOUCH_LIMIT_QE_AUTH);
  }
  VOUCH_GUARD(need(vouch_cur_bytes(c, auth_len, &q->qe_auth), c, "QE auth data", err));
  q->qe_auth_len = auth_len;
  uint32_t cert_len;
  vouch_status s = VOUCH_OK;
  if ((s = vouch_cur_u16le(c, &q->cert_type)) || (s = vouch_cur_u32le(c, &cert_len))) {
    return need(s, c, "certification data header", err);
  }
  if (q->cert_type < 1 || q->cert_type > 5) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "certification data type %u is not supported here (1-5)", q->cert_type);
  }
  if (cert_len > VOUCH_LIMIT_CERT_DATA) {
    return vouch_fail(err, VOUCH_E_LIMIT, "certification data size %u exceeds the limit of %d",
                      cert_len, VOUCH_LIMIT_CERT_DATA);
  }
  VOUCH_GUARD(need(vouch_cur_bytes(c, cert_len, &q->cert_data), c, "certification data", err));
  q->cert_data_len = cert_len;
  if (vouch_cur_expect_empty(c) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TRAILING,
                      "%zu unexpected bytes after the certification data at offset %zu",
                      vouch_cur_remaining(c), vouch_cur_offset(c));
  }
  return VOUCH_OK;
}

vouch_status vouch_quote_parse(const uint8_t *buf, size_t len, vouch_quote *q, vouch_err *err) {
  memset(q, 0, sizeof(*q));
  if (len > VOUCH_LIMIT_EVIDENCE) {
    return vouch_fail(err, VOUCH_E_LIMIT, "quote of %zu bytes exceeds the limit of %d", len,
                      VOUCH_LIMIT_EVIDENCE);
  }
  vouch_cur all = vouch_cur_make(buf, len);
  vouch_cur c = all;
  VOUCH_GUARD(parse_header(&c, q, err));
  VOUCH_GUARD(parse_body(&c, q, err));
  if (vouch_cur_consumed(&all, &c, &q->signed_data, &q->signed_len) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_INTERNAL, "quote: signed range");
  }

  uint32_t sig_len;
  VOUCH_GUARD(need(vouch_cur_u32le(&c, &sig_len), &c, "signature data length", err));
  vouch_cur sig;
  if (vouch_cur_sub(&c, sig_len, &sig) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TRUNCATED,
                      "signature data length %u at offset %zu exceeds the %zu bytes left", sig_len,
                      vouch_cur_offset(&c) - 4, vouch_cur_remaining(&c));
  }
  q->total_len = vouch_cur_offset(&c);
  q->trailing_len = vouch_cur_remaining(&c);

  VOUCH_GUARD(need(vouch_cur_bytes(&sig, 64, &q->signature), &sig, "quote signature", err));
  VOUCH_GUARD(need(vouch_cur_bytes(&sig, 64, &q->att_key), &sig, "attestation key", err));
  if (q->version == 3) {
    VOUCH_GUARD(parse_qe_cert_data(&sig, q, err));
    q->outer_cert_type = q->cert_type;
    return VOUCH_OK;
  }
  /* v4/v5: outer certification data must be type 6 wrapping the QE part. */
  uint32_t outer_len;
  vouch_status s = VOUCH_OK;
  if ((s = vouch_cur_u16le(&sig, &q->outer_cert_type)) || (s = vouch_cur_u32le(&sig, &outer_len))) {
    return need(s, &sig, "certification data header", err);
  }
  if (q->outer_cert_type != 6) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "v%u quote needs certification data type 6 (QE report), not %u", q->version,
                      q->outer_cert_type);
  }
  vouch_cur outer;
  VOUCH_GUARD(need(vouch_cur_sub(&sig, outer_len, &outer), &sig, "QE report certification data",
                   err));
  VOUCH_GUARD(parse_qe_cert_data(&outer, q, err));
  if (vouch_cur_expect_empty(&sig) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TRAILING, "%zu unexpected bytes inside the signature data",
                      vouch_cur_remaining(&sig));
  }
  return VOUCH_OK;
}
