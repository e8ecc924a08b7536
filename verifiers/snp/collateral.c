/* verifiers/snp/collateral.c - certificates and CRLs given for SNP reports,
 * recognized by content: PEM (certificates, CRLs, chains), DER
 * certificates, DER CRLs, and the extended report's certificate table. */
#include <stdlib.h>
#include <string.h>

#include "verifiers/snp/internal.h"

/* GUIDs of the certificate table (AMD GHCB specification), in the byte
 * order of their text form; tables are also accepted with the first three
 * groups little-endian (Microsoft GUID layout). */
typedef struct {
  uint8_t guid[16];
  const char *name;
} table_guid;

static const table_guid kGuids[] = {
    {{0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac,
      0xcd},
     "VCEK"},
    {{0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8,
      0xa1},
     "VLEK"},
    {{0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7,
      0x82},
     "ASK"},
    {{0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0,
      0xae},
     "ARK"},
};

static void guid_swap(const uint8_t in[16], uint8_t out[16]) {
  static const uint8_t kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  for (int i = 0; i < 16; i++) out[i] = in[kOrder[i]];
}

static const char *known_guid(const uint8_t g[16]) {
  uint8_t swapped[16];
  guid_swap(g, swapped);
  for (size_t i = 0; i < sizeof(kGuids) / sizeof(kGuids[0]); i++) {
    if (memcmp(g, kGuids[i].guid, 16) == 0 || memcmp(swapped, kGuids[i].guid, 16) == 0) {
      return kGuids[i].name;
    }
  }
  return NULL;
}

/* A batch being added: committed only when everything parsed. */
typedef struct {
  struct vouch_cert *certs[VOUCH_SNP_MAX_CERTS];
  vouch_snp_role roles[VOUCH_SNP_MAX_CERTS];
  size_t num_certs;
  struct vouch_crl *crls[VOUCH_SNP_MAX_CRLS];
  size_t num_crls;
} batch;

static void batch_free(batch *b) {
  for (size_t i = 0; i < b->num_certs; i++) vouch_cert_free(b->certs[i]);
  for (size_t i = 0; i < b->num_crls; i++) vouch_crl_free(b->crls[i]);
  b->num_certs = b->num_crls = 0;
}

/* batch_cert takes ownership of |c|. */
static vouch_status batch_cert(batch *b, struct vouch_cert *c, vouch_err *err) {
  vouch_snp_role role;
  vouch_status s = vouch_snp_cert_role(c, &role, err);
  if (s == VOUCH_OK && b->num_certs == VOUCH_SNP_MAX_CERTS) {
    s = vouch_fail(err, VOUCH_E_LIMIT, "snp: more than %d certificates", VOUCH_SNP_MAX_CERTS);
  }
  if (s != VOUCH_OK) {
    vouch_cert_free(c);
    return s;
  }
  b->certs[b->num_certs] = c;
  b->roles[b->num_certs++] = role;
  return VOUCH_OK;
}

static vouch_status batch_crl(batch *b, struct vouch_crl *crl, vouch_err *err) {
  if (b->num_crls == VOUCH_SNP_MAX_CRLS) {
    vouch_crl_free(crl);
    return vouch_fail(err, VOUCH_E_LIMIT, "snp: more than %d CRLs", VOUCH_SNP_MAX_CRLS);
  }
  b->crls[b->num_crls++] = crl;
  return VOUCH_OK;
}

static const uint8_t *find(const uint8_t *hay, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= len; i++) {
    if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, n) == 0) return hay + i;
  }
  return NULL;
}

static vouch_status add_pem(batch *b, const uint8_t *bytes, size_t len, vouch_err *err) {
  static const char kCrlBegin[] = "-----BEGIN X509 CRL-----";
  static const char kCrlEnd[] = "-----END X509 CRL-----";
  bool any = false;
  if (find(bytes, len, "-----BEGIN CERTIFICATE-----") != NULL) {
    struct vouch_cert *certs[VOUCH_SNP_MAX_CERTS];
    size_t n = 0;
    vouch_err e2 = {0};
    if (vouch_cert_chain_from_pem((const char *)bytes, len, certs, VOUCH_SNP_MAX_CERTS, &n, &e2) !=
        VOUCH_OK) {
      return vouch_fail(err, e2.code, "snp: collateral PEM: %s", e2.msg);
    }
    vouch_status s = VOUCH_OK;
    for (size_t i = 0; i < n; i++) {
      if (s == VOUCH_OK) {
        s = batch_cert(b, certs[i], err);
      } else {
        vouch_cert_free(certs[i]);
      }
    }
    VOUCH_GUARD(s);
    any = true;
  }
  const uint8_t *p = bytes, *end = bytes + len;
  for (;;) {
    const uint8_t *begin = find(p, (size_t)(end - p), kCrlBegin);
    if (begin == NULL) break;
    const uint8_t *stop = find(begin, (size_t)(end - begin), kCrlEnd);
    if (stop == NULL) return vouch_fail(err, VOUCH_E_PEM, "snp: CRL PEM block without END line");
    stop += sizeof(kCrlEnd) - 1;
    struct vouch_crl *crl = NULL;
    vouch_err e2 = {0};
    if (vouch_crl_parse(begin, (size_t)(stop - begin), &crl, &e2) != VOUCH_OK) {
      return vouch_fail(err, e2.code, "snp: collateral CRL: %s", e2.msg);
    }
    VOUCH_GUARD(batch_crl(b, crl, err));
    any = true;
    p = stop;
  }
  if (!any) return vouch_fail(err, VOUCH_E_PEM, "snp: collateral PEM has no certificate or CRL");
  return VOUCH_OK;
}

static vouch_status add_der(batch *b, const uint8_t *bytes, size_t len, vouch_err *err) {
  struct vouch_cert *c = NULL;
  if (vouch_cert_from_der(bytes, len, &c) == VOUCH_OK) return batch_cert(b, c, err);
  struct vouch_crl *crl = NULL;
  vouch_err e2 = {0};
  if (vouch_crl_parse(bytes, len, &crl, &e2) == VOUCH_OK) return batch_crl(b, crl, err);
  return vouch_fail(err, VOUCH_E_ASN1, "snp: collateral DER is neither a certificate nor a CRL");
}

static bool is_pem(const uint8_t *bytes, size_t len) {
  return find(bytes, len, "-----BEGIN ") != NULL;
}

static vouch_status add_bytes(batch *b, const uint8_t *bytes, size_t len, int depth,
                              vouch_err *err);

/* add_table reads the certificate table: entries up to the all-zero one. */
static vouch_status add_table(batch *b, const uint8_t *bytes, size_t len, vouch_err *err) {
  vouch_cur c = vouch_cur_make(bytes, len);
  size_t header_end = 0;
  /* First pass: find the terminator, so offsets can be checked against it. */
  for (size_t i = 0;; i++) {
    const uint8_t *guid;
    uint32_t off, n;
    if (vouch_cur_bytes(&c, 16, &guid) != VOUCH_OK || vouch_cur_u32le(&c, &off) != VOUCH_OK ||
        vouch_cur_u32le(&c, &n) != VOUCH_OK) {
      return vouch_fail(err, VOUCH_E_TRUNCATED,
                        "snp: certificate table entry %zu truncated (no all-zero terminator)", i);
    }
    bool zero = off == 0 && n == 0;
    for (int k = 0; k < 16 && zero; k++) zero = guid[k] == 0;
    if (zero) {
      header_end = vouch_cur_offset(&c);
      break;
    }
    if (i >= 32)
      return vouch_fail(err, VOUCH_E_LIMIT, "snp: certificate table has over 32 entries");
  }
  c = vouch_cur_make(bytes, header_end);
  size_t added = 0;
  for (size_t i = 0; vouch_cur_remaining(&c) > 24; i++) {
    const uint8_t *guid;
    uint32_t off, n;
    if (vouch_cur_bytes(&c, 16, &guid) != VOUCH_OK || vouch_cur_u32le(&c, &off) != VOUCH_OK ||
        vouch_cur_u32le(&c, &n) != VOUCH_OK) {
      return vouch_fail(err, VOUCH_E_INTERNAL, "snp: certificate table");
    }
    const char *name = known_guid(guid);
    if (name == NULL) continue; /* other GUIDs (extra platform info, ...) */
    if (off < header_end || off > len || n > len - off || n == 0) {
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "snp: certificate table entry %zu (%s): bytes %u+%u outside the table "
                        "data (%zu bytes, entries end at %zu)",
                        i, name, off, n, len, header_end);
    }
    /* Hosts may pad an entry: after a DER certificate only zero bytes. */
    size_t m = n;
    if (bytes[off] == VOUCH_DER_SEQUENCE) {
      vouch_cur d = vouch_cur_make(bytes + off, n), body;
      uint8_t tag;
      if (vouch_der_next(&d, &tag, &body) == VOUCH_OK) {
        m = n - vouch_cur_remaining(&d);
        for (size_t k = m; k < n; k++) {
          if (bytes[off + k] != 0) {
            return vouch_fail(err, VOUCH_E_MALFORMED,
                              "snp: certificate table entry %zu (%s): non-zero bytes after the "
                              "certificate",
                              i, name);
          }
        }
      }
    }
    vouch_status s = add_bytes(b, bytes + off, m, 1, err);
    if (s != VOUCH_OK) {
      vouch_err_prefix(err, "certificate table entry %zu (%s): ", i, name);
      return s;
    }
    added++;
  }
  if (added == 0)
    return vouch_fail(err, VOUCH_E_MALFORMED, "snp: certificate table has no entries");
  return VOUCH_OK;
}

static vouch_status add_bytes(batch *b, const uint8_t *bytes, size_t len, int depth,
                              vouch_err *err) {
  if (len == 0) return vouch_fail(err, VOUCH_E_MALFORMED, "snp: empty collateral");
  if (len > VOUCH_LIMIT_COLLATERAL) {
    return vouch_fail(err, VOUCH_E_LIMIT, "snp: collateral of %zu bytes exceeds the limit", len);
  }
  if (is_pem(bytes, len)) return add_pem(b, bytes, len, err);
  /* No table GUID starts with 0x30 in either byte order. */
  if (bytes[0] == VOUCH_DER_SEQUENCE) return add_der(b, bytes, len, err);
  if (depth == 0 && len >= 24 && known_guid(bytes) != NULL) return add_table(b, bytes, len, err);
  return vouch_fail(err, VOUCH_E_MALFORMED,
                    "snp: collateral is neither PEM, a DER certificate or CRL, nor a certificate "
                    "table");
}

/* commit moves |b| into |c|, skipping byte-identical duplicates. */
static vouch_status commit(vouch_snp_collateral *c, batch *b, vouch_err *err) {
  size_t certs = c->num_certs, crls = c->num_crls;
  for (size_t i = 0; i < b->num_certs; i++) {
    bool dup = false;
    for (size_t k = 0; k < c->num_certs && !dup; k++)
      dup = vouch_cert_equal(c->certs[k], b->certs[i]);
    for (size_t k = 0; k < i && !dup; k++) dup = vouch_cert_equal(b->certs[k], b->certs[i]);
    if (!dup) certs++;
  }
  for (size_t i = 0; i < b->num_crls; i++) crls++;
  if (certs > VOUCH_SNP_MAX_CERTS || crls > VOUCH_SNP_MAX_CRLS) {
    batch_free(b);
    return vouch_fail(err, VOUCH_E_LIMIT,
                      "snp: collateral holds more than %d certificates or %d CRLs",
                      VOUCH_SNP_MAX_CERTS, VOUCH_SNP_MAX_CRLS);
  }
  for (size_t i = 0; i < b->num_certs; i++) {
    bool dup = false;
    for (size_t k = 0; k < c->num_certs && !dup; k++)
      dup = vouch_cert_equal(c->certs[k], b->certs[i]);
    if (dup) {
      vouch_cert_free(b->certs[i]);
      continue;
    }
    c->certs[c->num_certs] = b->certs[i];
    c->roles[c->num_certs++] = b->roles[i];
  }
  for (size_t i = 0; i < b->num_crls; i++) c->crls[c->num_crls++] = b->crls[i];
  b->num_certs = b->num_crls = 0;
  return VOUCH_OK;
}

vouch_status vouch_snp_collateral_add(vouch_snp_collateral *c, const uint8_t *bytes, size_t len,
                                      vouch_err *err) {
  if (c == NULL || (bytes == NULL && len > 0)) {
    return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  }
  batch b;
  b.num_certs = b.num_crls = 0;
  vouch_status s = add_bytes(&b, bytes, len, 0, err);
  if (s != VOUCH_OK) {
    batch_free(&b);
    return s;
  }
  return commit(c, &b, err);
}

vouch_status vouch_snp_collateral_add_cert(vouch_snp_collateral *c, struct vouch_cert *cert,
                                           vouch_err *err) {
  if (c == NULL || cert == NULL) return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  batch b;
  b.num_certs = b.num_crls = 0;
  vouch_cert_up_ref(cert);
  VOUCH_GUARD(batch_cert(&b, cert, err));
  return commit(c, &b, err);
}

vouch_status vouch_snp_collateral_add_crl(vouch_snp_collateral *c, struct vouch_crl *crl,
                                          vouch_err *err) {
  if (c == NULL || crl == NULL) return vouch_fail(err, VOUCH_E_ARG, "snp: invalid argument");
  if (c->num_crls == VOUCH_SNP_MAX_CRLS) {
    return vouch_fail(err, VOUCH_E_LIMIT, "snp: more than %d CRLs", VOUCH_SNP_MAX_CRLS);
  }
  vouch_crl_up_ref(crl);
  c->crls[c->num_crls++] = crl;
  return VOUCH_OK;
}

void vouch_snp_collateral_cleanup(vouch_snp_collateral *c) {
  if (c == NULL) return;
  for (size_t i = 0; i < c->num_certs; i++) vouch_cert_free(c->certs[i]);
  for (size_t i = 0; i < c->num_crls; i++) vouch_crl_free(c->crls[i]);
  c->num_certs = c->num_crls = 0;
}
