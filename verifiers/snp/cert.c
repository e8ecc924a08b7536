/* verifiers/snp/cert.c - AMD certificates (spec §5): the DER walk of a
 * certificate through the bounded cursor, the VCEK/VLEK extensions, the
 * RSASSA-PSS parameters AMD signs with, one certificate's signature under
 * its issuer, and the role of a certificate in the AMD hierarchy.
 *
 * Why the VCEK -> ASK step is checked here and not by vouch_chain_verify:
 * that runs OpenSSL's path validation in X509_STRICT mode, which rejects
 * every real VCEK and VLEK (they carry no Authority Key Identifier).  The
 * ASK/ASVK -> ARK step passes strict validation and goes through it (with
 * the CRLs); the leaf is checked here explicitly: issuer name, PSS
 * parameters pinned to SHA-384 / MGF1-SHA-384 / salt 48, the signature over
 * the exact TBS bytes, the key type, the validity window. */
#include <stdio.h>
#include <string.h>

#include "verifiers/snp/internal.h"

/* ---- DER walk of a certificate ------------------------------------------------ */

/* next_tlv reads one TLV and gives its whole encoding as well. */
static vouch_status next_tlv(vouch_cur *c, uint8_t *tag, vouch_cur *content, const uint8_t **tlv,
                             size_t *tlv_len) {
  vouch_cur start = *c;
  VOUCH_GUARD(vouch_der_next(c, tag, content));
  return vouch_cur_consumed(&start, c, tlv, tlv_len);
}

vouch_status snp_der_cert_parse(const uint8_t *der, size_t len, snp_der_cert *out, vouch_err *err) {
  memset(out, 0, sizeof(*out));
  vouch_cur c = vouch_cur_make(der, len), cert, tbs, sig, v;
  uint8_t tag;
  vouch_status s = vouch_der_expect(&c, VOUCH_DER_SEQUENCE, &cert);
  if (s == VOUCH_OK) s = vouch_cur_expect_empty(&c);
  if (s == VOUCH_OK) s = next_tlv(&cert, &tag, &tbs, &out->tbs, &out->tbs_len);
  if (s == VOUCH_OK && tag != VOUCH_DER_SEQUENCE) s = VOUCH_E_ASN1;
  if (s != VOUCH_OK) return vouch_fail(err, VOUCH_E_ASN1, "certificate: not a DER certificate");
  /* signatureAlgorithm, signatureValue */
  s = next_tlv(&cert, &tag, &v, &out->sig_alg, &out->sig_alg_len);
  if (s == VOUCH_OK && tag != VOUCH_DER_SEQUENCE) s = VOUCH_E_ASN1;
  if (s == VOUCH_OK) s = vouch_der_expect(&cert, VOUCH_DER_BIT_STRING, &sig);
  if (s == VOUCH_OK) s = vouch_cur_expect_empty(&cert);
  uint8_t unused = 1;
  if (s == VOUCH_OK) s = vouch_cur_u8(&sig, &unused);
  if (s != VOUCH_OK || unused != 0 || vouch_cur_remaining(&sig) == 0) {
    return vouch_fail(err, VOUCH_E_ASN1, "certificate: malformed signature fields");
  }
  out->sig = sig.data;
  out->sig_len = sig.len;
  /* tbsCertificate */
  uint8_t first;
  s = vouch_cur_peek_u8(&tbs, &first);
  if (s == VOUCH_OK && first == 0xA0) s = vouch_der_next(&tbs, &tag, &v); /* version */
  if (s == VOUCH_OK) s = vouch_der_expect(&tbs, VOUCH_DER_INTEGER, &v);   /* serial */
  if (s == VOUCH_OK) s = next_tlv(&tbs, &tag, &v, &out->tbs_sig_alg, &out->tbs_sig_alg_len);
  if (s == VOUCH_OK && tag != VOUCH_DER_SEQUENCE) s = VOUCH_E_ASN1;
  if (s == VOUCH_OK) s = next_tlv(&tbs, &tag, &v, &out->issuer, &out->issuer_len);
  if (s == VOUCH_OK && tag != VOUCH_DER_SEQUENCE) s = VOUCH_E_ASN1;
  if (s == VOUCH_OK) s = vouch_der_expect(&tbs, VOUCH_DER_SEQUENCE, &v); /* validity */
  if (s == VOUCH_OK) s = next_tlv(&tbs, &tag, &v, &out->subject, &out->subject_len);
  if (s == VOUCH_OK && tag != VOUCH_DER_SEQUENCE) s = VOUCH_E_ASN1;
  if (s == VOUCH_OK) s = vouch_der_expect(&tbs, VOUCH_DER_SEQUENCE, &v); /* SPKI */
  while (s == VOUCH_OK && vouch_cur_remaining(&tbs) > 0) {
    vouch_cur item;
    s = vouch_der_next(&tbs, &tag, &item);
    if (s != VOUCH_OK) break;
    if (tag == 0x81 || tag == 0x82) continue; /* unique identifiers */
    if (tag != 0xA3 || out->has_exts) {
      s = VOUCH_E_ASN1;
      break;
    }
    vouch_cur exts;
    s = vouch_der_expect(&item, VOUCH_DER_SEQUENCE, &exts);
    if (s == VOUCH_OK) s = vouch_cur_expect_empty(&item);
    if (s == VOUCH_OK) {
      out->has_exts = true;
      out->exts = exts;
    }
  }
  if (s != VOUCH_OK) return vouch_fail(err, VOUCH_E_ASN1, "certificate: malformed TBSCertificate");
  return VOUCH_OK;
}

/* ---- RSASSA-PSS parameters ------------------------------------------------------- */

static const uint8_t kOidPss[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A};
static const uint8_t kOidMgf1[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08};
static const uint8_t kOidSha384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};

static bool cur_is(const vouch_cur *c, const uint8_t *want, size_t n) {
  return c->len == n && memcmp(c->data, want, n) == 0;
}

/* hash_alg_is_sha384: AlgorithmIdentifier { sha384 [, NULL] }. */
static bool hash_alg_is_sha384(vouch_cur *c) {
  vouch_cur alg, oid, null_v;
  uint8_t tag;
  if (vouch_der_expect(c, VOUCH_DER_SEQUENCE, &alg) != VOUCH_OK) return false;
  if (vouch_der_expect(&alg, VOUCH_DER_OID, &oid) != VOUCH_OK) return false;
  if (!cur_is(&oid, kOidSha384, sizeof(kOidSha384))) return false;
  if (vouch_cur_remaining(&alg) > 0) {
    if (vouch_der_next(&alg, &tag, &null_v) != VOUCH_OK || tag != VOUCH_DER_NULL ||
        null_v.len != 0) {
      return false;
    }
  }
  return vouch_cur_remaining(&alg) == 0 && vouch_cur_remaining(c) == 0;
}

/* explicit_uint reads [n] { INTEGER } and its value. */
static bool explicit_uint(vouch_cur *params, uint8_t tag_want, uint64_t *out) {
  vouch_cur wrap, val;
  if (vouch_der_expect(params, tag_want, &wrap) != VOUCH_OK) return false;
  if (vouch_der_expect(&wrap, VOUCH_DER_INTEGER, &val) != VOUCH_OK) return false;
  if (vouch_cur_remaining(&wrap) != 0) return false;
  return vouch_der_uint(&val, out) == VOUCH_OK;
}

vouch_status snp_check_pss_alg(const uint8_t *alg, size_t alg_len, const char *what,
                               vouch_err *err) {
  vouch_cur c = vouch_cur_make(alg, alg_len), seq, oid, params, wrap, mgf, mgf_oid;
  uint64_t salt = 0, trailer = 1;
  uint8_t peek;
  bool ok = vouch_der_expect(&c, VOUCH_DER_SEQUENCE, &seq) == VOUCH_OK &&
            vouch_cur_remaining(&c) == 0 &&
            vouch_der_expect(&seq, VOUCH_DER_OID, &oid) == VOUCH_OK &&
            cur_is(&oid, kOidPss, sizeof(kOidPss));
  if (!ok) {
    return vouch_fail(err, VOUCH_E_CHAIN,
                      "%s is not signed with RSASSA-PSS (AMD signs with RSASSA-PSS SHA-384)", what);
  }
  ok = vouch_der_expect(&seq, VOUCH_DER_SEQUENCE, &params) == VOUCH_OK &&
       vouch_cur_remaining(&seq) == 0 &&
       /* [0] hashAlgorithm: SHA-384 */
       vouch_der_expect(&params, 0xA0, &wrap) == VOUCH_OK && hash_alg_is_sha384(&wrap) &&
       /* [1] maskGenAlgorithm: MGF1 with SHA-384 */
       vouch_der_expect(&params, 0xA1, &wrap) == VOUCH_OK &&
       vouch_der_expect(&wrap, VOUCH_DER_SEQUENCE, &mgf) == VOUCH_OK &&
       vouch_cur_remaining(&wrap) == 0 &&
       vouch_der_expect(&mgf, VOUCH_DER_OID, &mgf_oid) == VOUCH_OK &&
       cur_is(&mgf_oid, kOidMgf1, sizeof(kOidMgf1)) && hash_alg_is_sha384(&mgf) &&
       /* [2] saltLength: 48 */
       explicit_uint(&params, 0xA2, &salt) && salt == 48;
  /* [3] trailerField: 1 (DEFAULT, so usually absent) */
  if (ok && vouch_cur_peek_u8(&params, &peek) == VOUCH_OK) {
    ok = peek == 0xA3 && explicit_uint(&params, 0xA3, &trailer) && trailer == 1;
  }
  ok = ok && vouch_cur_remaining(&params) == 0;
  if (!ok) {
    return vouch_fail(err, VOUCH_E_CHAIN,
                      "%s: RSASSA-PSS parameters are not SHA-384, MGF1-SHA-384, salt 48", what);
  }
  return VOUCH_OK;
}

/* ---- one certificate under its issuer --------------------------------------------- */

vouch_status snp_check_signed_by(const struct vouch_cert *child, const char *child_what,
                                 const struct vouch_cert *issuer, vouch_err *err) {
  size_t der_len = 0;
  const uint8_t *der = vouch_cert_der(child, &der_len);
  snp_der_cert d;
  vouch_err e2 = {0};
  if (snp_der_cert_parse(der, der_len, &d, &e2) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_CHAIN, "%s: %s", child_what, e2.msg);
  }
  if (d.sig_alg_len != d.tbs_sig_alg_len || memcmp(d.sig_alg, d.tbs_sig_alg, d.sig_alg_len) != 0) {
    return vouch_fail(err, VOUCH_E_CHAIN,
                      "%s: the signature algorithm differs inside and outside the TBS", child_what);
  }
  VOUCH_GUARD(snp_check_pss_alg(d.sig_alg, d.sig_alg_len, child_what, err));
  struct vouch_pubkey *key = NULL;
  if (vouch_cert_pubkey(issuer, &key) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_CHAIN, "%s: cannot read the issuer's key", child_what);
  }
  vouch_status s = vouch_verify_sig(key, VOUCH_SIG_RSA_PSS, VOUCH_HASH_SHA384, 48, d.tbs, d.tbs_len,
                                    d.sig, d.sig_len);
  vouch_pubkey_free(key);
  if (s != VOUCH_OK) {
    char cn[96];
    vouch_cert_subject_cn(issuer, cn, sizeof(cn));
    return vouch_fail(err, VOUCH_E_CHAIN, "%s: signature does not verify under '%s'", child_what,
                      cn);
  }
  return VOUCH_OK;
}

/* ---- VCEK / VLEK extensions ----------------------------------------------------------- */

/* 1.3.6.1.4.1.3704.1 */
static const uint8_t kAmdArc[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x9C, 0x78, 0x01};

static vouch_status ext_spl(const vouch_cur *value, const char *name, uint8_t *out,
                            vouch_err *err) {
  vouch_cur v = *value, i;
  uint64_t u = 0;
  if (vouch_der_expect(&v, VOUCH_DER_INTEGER, &i) != VOUCH_OK || vouch_cur_remaining(&v) != 0 ||
      vouch_der_uint(&i, &u) != VOUCH_OK || u > 255) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: certificate extension %s is not a DER INTEGER 0..255", name);
  }
  *out = (uint8_t)u;
  return VOUCH_OK;
}

static vouch_status ext_string(const vouch_cur *value, const char *name, char *out, size_t cap,
                               vouch_err *err) {
  vouch_cur v = *value, s;
  if (vouch_der_expect(&v, 0x16 /* IA5String */, &s) != VOUCH_OK || vouch_cur_remaining(&v) != 0 ||
      s.len == 0 || s.len >= cap) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: certificate extension %s is not an IA5String of 1..%zu characters",
                      name, cap - 1);
  }
  for (size_t k = 0; k < s.len; k++) {
    if (s.data[k] < 0x20 || s.data[k] > 0x7E) {
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "snp: certificate extension %s has a non-printable character", name);
    }
  }
  memcpy(out, s.data, s.len);
  out[s.len] = '\0';
  return VOUCH_OK;
}

static vouch_status ext_hwid(const vouch_cur *value, vouch_snp_cert_ext *out, vouch_err *err) {
  const uint8_t *p = value->data;
  size_t n = value->len;
  if (n == 66 && p[0] == VOUCH_DER_OCTET_STRING && p[1] == 64) {
    p += 2;
    n = 64;
  } else if (n == 10 && p[0] == VOUCH_DER_OCTET_STRING && p[1] == 8) {
    p += 2;
    n = 8;
  }
  if (n != 64 && n != 8) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "snp: certificate extension hwID is %zu bytes (64, or 8 on Turin)", n);
  }
  memcpy(out->hwid, p, n);
  out->hwid_len = n;
  out->has_hwid = true;
  return VOUCH_OK;
}

/* One AMD extension: |sub| are the OID bytes after the arc. */
static vouch_status amd_ext(const uint8_t *sub, size_t sub_len, const vouch_cur *value,
                            vouch_snp_cert_ext *out, unsigned *seen, vouch_err *err) {
  /* bit in |seen| per known extension, to refuse duplicates */
  int id = -1;
  const char *name = "?";
  if (sub_len == 1 && sub[0] == 1) id = 0, name = "structVersion";
  if (sub_len == 1 && sub[0] == 2) id = 1, name = "productName";
  if (sub_len == 2 && sub[0] == 3 && sub[1] == 1) id = 2, name = "blSPL";
  if (sub_len == 2 && sub[0] == 3 && sub[1] == 2) id = 3, name = "teeSPL";
  if (sub_len == 2 && sub[0] == 3 && sub[1] == 3) id = 4, name = "snpSPL";
  if (sub_len == 2 && sub[0] == 3 && sub[1] == 8) id = 5, name = "ucodeSPL";
  if (sub_len == 2 && sub[0] == 3 && sub[1] == 9) id = 6, name = "fmcSPL";
  if (sub_len == 1 && sub[0] == 4) id = 7, name = "hwID";
  if (sub_len == 1 && sub[0] == 5) id = 8, name = "cspID";
  if (id < 0) return VOUCH_OK; /* spl_4..spl_7 and anything newer */
  if (*seen & (1u << id)) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "snp: certificate extension %s appears twice", name);
  }
  *seen |= 1u << id;
  switch (id) {
    case 0: {
      vouch_cur v = *value, i;
      if (vouch_der_expect(&v, VOUCH_DER_INTEGER, &i) != VOUCH_OK || vouch_cur_remaining(&v) != 0 ||
          vouch_der_uint(&i, &out->struct_version) != VOUCH_OK) {
        return vouch_fail(err, VOUCH_E_MALFORMED,
                          "snp: certificate extension structVersion is not a DER INTEGER");
      }
      out->has_struct_version = true;
      return VOUCH_OK;
    }
    case 1:
      VOUCH_GUARD(ext_string(value, name, out->product_name, sizeof(out->product_name), err));
      out->has_product_name = true;
      out->product = vouch_snp_product_from_name(out->product_name, strlen(out->product_name));
      return VOUCH_OK;
    case 2:
      return ext_spl(value, name, &out->bl_spl, err);
    case 3:
      return ext_spl(value, name, &out->tee_spl, err);
    case 4:
      return ext_spl(value, name, &out->snp_spl, err);
    case 5:
      return ext_spl(value, name, &out->ucode_spl, err);
    case 6:
      out->has_fmc_spl = true;
      return ext_spl(value, name, &out->fmc_spl, err);
    case 7:
      return ext_hwid(value, out, err);
    default:
      VOUCH_GUARD(ext_string(value, name, out->csp_id, sizeof(out->csp_id), err));
      out->has_csp_id = true;
      return VOUCH_OK;
  }
}

vouch_status snp_cert_ext_from_exts(const snp_der_cert *d, vouch_snp_cert_ext *out,
                                    vouch_err *err) {
  memset(out, 0, sizeof(*out));
  unsigned seen = 0;
  vouch_cur exts = d->exts;
  while (d->has_exts && vouch_cur_remaining(&exts) > 0) {
    vouch_cur ext, oid, value;
    uint8_t tag;
    bool ok = vouch_der_expect(&exts, VOUCH_DER_SEQUENCE, &ext) == VOUCH_OK &&
              vouch_der_expect(&ext, VOUCH_DER_OID, &oid) == VOUCH_OK &&
              vouch_der_next(&ext, &tag, &value) == VOUCH_OK;
    if (ok && tag == VOUCH_DER_BOOLEAN) ok = vouch_der_next(&ext, &tag, &value) == VOUCH_OK;
    ok = ok && tag == VOUCH_DER_OCTET_STRING && vouch_cur_remaining(&ext) == 0;
    if (!ok) {
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "snp: malformed certificate extension at offset %zu",
                        vouch_cur_offset(&exts));
    }
    if (oid.len > sizeof(kAmdArc) && memcmp(oid.data, kAmdArc, sizeof(kAmdArc)) == 0) {
      VOUCH_GUARD(
          amd_ext(oid.data + sizeof(kAmdArc), oid.len - sizeof(kAmdArc), &value, out, &seen, err));
    }
  }
  static const char *const kRequired[] = {"blSPL", "teeSPL", "snpSPL", "ucodeSPL"};
  static const int kRequiredId[] = {2, 3, 4, 5};
  for (size_t i = 0; i < 4; i++) {
    if (!(seen & (1u << kRequiredId[i]))) {
      return vouch_fail(err, VOUCH_E_MALFORMED, "snp: certificate has no %s extension (%s.3.x)",
                        kRequired[i], VOUCH_SNP_OID_ARC);
    }
  }
  return VOUCH_OK;
}

vouch_status vouch_snp_cert_ext_parse_der(const uint8_t *der, size_t len, vouch_snp_cert_ext *out,
                                          vouch_err *err) {
  if (der == NULL || out == NULL) return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  snp_der_cert d;
  vouch_err e2 = {0};
  if (snp_der_cert_parse(der, len, &d, &e2) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "snp: %s", e2.msg);
  }
  return snp_cert_ext_from_exts(&d, out, err);
}

vouch_status vouch_snp_cert_ext_parse(const struct vouch_cert *c, vouch_snp_cert_ext *out,
                                      vouch_err *err) {
  if (c == NULL) return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  size_t len = 0;
  const uint8_t *der = vouch_cert_der(c, &len);
  return vouch_snp_cert_ext_parse_der(der, len, out, err);
}

/* ---- roles ------------------------------------------------------------------------------ */

const char *vouch_snp_role_name(vouch_snp_role r) {
  switch (r) {
    case VOUCH_SNP_ROLE_VCEK:
      return "VCEK";
    case VOUCH_SNP_ROLE_VLEK:
      return "VLEK";
    case VOUCH_SNP_ROLE_ASK:
      return "ASK";
    case VOUCH_SNP_ROLE_ASVK:
      return "ASVK";
    case VOUCH_SNP_ROLE_ARK:
      return "ARK";
  }
  return "?";
}

vouch_status vouch_snp_cert_role(const struct vouch_cert *c, vouch_snp_role *out, vouch_err *err) {
  if (c == NULL || out == NULL) return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  char cn[128];
  vouch_cert_subject_cn(c, cn, sizeof(cn));
  if (vouch_cert_is_self_issued(c)) {
    *out = VOUCH_SNP_ROLE_ARK;
    return VOUCH_OK;
  }
  if (strcmp(cn, "SEV-VCEK") == 0) {
    *out = VOUCH_SNP_ROLE_VCEK;
    return VOUCH_OK;
  }
  if (strcmp(cn, "SEV-VLEK") == 0) {
    *out = VOUCH_SNP_ROLE_VLEK;
    return VOUCH_OK;
  }
  if (strncmp(cn, "SEV-VLEK-", 9) == 0) {
    *out = VOUCH_SNP_ROLE_ASVK;
    return VOUCH_OK;
  }
  if (strncmp(cn, "SEV-", 4) == 0 &&
      vouch_snp_product_from_name(cn + 4, strlen(cn + 4)) != VOUCH_SNP_PRODUCT_UNKNOWN) {
    *out = VOUCH_SNP_ROLE_ASK;
    return VOUCH_OK;
  }
  vouch_snp_cert_ext ext;
  if (vouch_snp_cert_ext_parse(c, &ext, NULL) == VOUCH_OK && (ext.has_hwid || ext.has_csp_id)) {
    *out = ext.has_hwid ? VOUCH_SNP_ROLE_VCEK : VOUCH_SNP_ROLE_VLEK;
    return VOUCH_OK;
  }
  return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                    "snp: certificate '%s' is not an AMD SEV certificate (ARK, ASK, ASVK, VCEK or "
                    "VLEK)",
                    cn);
}
