/* crypto/x509.c - certificates, CRLs and the PEM framing around them.
 *
 * PEM bodies are decoded with our strict base64 decoder rather than
 * OpenSSL's PEM reader, so a certificate has exactly one textual form we
 * accept, and the framing rules (what may sit between blocks) are ours. */
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/internal.h"

/* ---- PEM framing --------------------------------------------------------- */

vouch_status vouch_pem_next(const char *text, size_t len, const char *label, size_t *pos,
                            const char **body, size_t *body_len, bool *out_found) {
  VOUCH_ENSURE(text != NULL && label != NULL && pos != NULL && *pos <= len, VOUCH_E_ARG);
  char begin[80], end[80];
  int begin_len = snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
  int end_len = snprintf(end, sizeof(end), "-----END %s-----", label);
  VOUCH_ENSURE(begin_len > 0 && (size_t)begin_len < sizeof(begin) && end_len > 0 &&
                   (size_t)end_len < sizeof(end),
               VOUCH_E_ARG);
  *out_found = false;
  const char *b = memmem(text + *pos, len - *pos, begin, (size_t)begin_len);
  if (b == NULL) return VOUCH_OK;
  const char *start = b + begin_len;
  size_t rest = len - (size_t)(start - text);
  const char *e = memmem(start, rest, end, (size_t)end_len);
  VOUCH_ENSURE(e != NULL, VOUCH_E_PEM);
  /* A BEGIN with its END missing, followed by a complete block, would
   * otherwise swallow the next block's BEGIN line into its body. */
  VOUCH_ENSURE(memmem(start, (size_t)(e - start), "-----", 5) == NULL, VOUCH_E_PEM);
  *body = start;
  *body_len = (size_t)(e - start);
  *pos = (size_t)(e - text) + (size_t)end_len;
  *out_found = true;
  return VOUCH_OK;
}

vouch_status vouch_pem_decode_body(const char *body, size_t body_len, uint8_t **out,
                                   size_t *out_len) {
  size_t cap = vouch_base64_decoded_max(body_len);
  uint8_t *der = malloc(cap);
  VOUCH_ENSURE(der != NULL, VOUCH_E_NOMEM);
  vouch_status s = vouch_base64_decode_mime(body, body_len, der, cap, out_len);
  if (s != VOUCH_OK || *out_len == 0) {
    free(der);
    return s != VOUCH_OK ? s : VOUCH_E_PEM;
  }
  *out = der;
  return VOUCH_OK;
}

/* ---- small conversions ---------------------------------------------------- */

bool vouch_asn1_time_unix(const ASN1_TIME *t, int64_t *out) {
  struct tm tm;
  if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_clear_error();
    return false;
  }
  *out = vouch_time_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                               tm.tm_sec);
  return true;
}

void vouch_name_cn(const X509_NAME *name, char *out, size_t cap) {
  if (out == NULL || cap == 0) return;
  out[0] = '\0';
  int i = name ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
  if (i < 0) return;
  const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char *utf8 = NULL;
  int n = ASN1_STRING_to_UTF8(&utf8, d);
  if (n < 0) {
    ERR_clear_error();
    return;
  }
  size_t k = 0;
  for (; k < (size_t)n && k + 1 < cap; k++) {
    unsigned char c = utf8[k];
    out[k] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  out[k] = '\0';
  OPENSSL_free(utf8);
}

/* ---- certificates ---------------------------------------------------------- */

/* ---- CA certificates, parsed once ---------------------------------------------
 *
 * d2i_X509 costs ~250 us on OpenSSL 3.0 (its provider decoder for the
 * public key), three ECDSA verifies.  Every PCK chain of a fleet repeats
 * the same CA certificates (Intel's root, the PCK Processor/Platform CA,
 * the TCB signing chain; AMD's ARK and ASK), so certificates that are CAs
 * are kept here by their exact bytes and shared: a vouch_cert is immutable
 * and a pure function of its DER.  Leaves (one per platform) are not kept.
 * A direct-mapped table: a hint by hash, always confirmed on the full
 * bytes, the newest CA winning its slot. */
enum { kCaSlots = 64 };
static struct vouch_cert *g_ca_cache[kCaSlots];
static pthread_mutex_t g_ca_mu = PTHREAD_MUTEX_INITIALIZER;

static size_t ca_slot(const uint8_t *der, size_t len) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a over the last bytes: the signature */
  size_t from = len > 64 ? len - 64 : 0;
  for (size_t i = from; i < len; i++) h = (h ^ der[i]) * 1099511628211ULL;
  return (size_t)(h % kCaSlots);
}

static struct vouch_cert *ca_lookup(const uint8_t *der, size_t len) {
  size_t i = ca_slot(der, len);
  pthread_mutex_lock(&g_ca_mu);
  struct vouch_cert *c = g_ca_cache[i];
  if (c != NULL && c->der_len == len && memcmp(c->der, der, len) == 0) {
    vouch_cert_up_ref(c);
  } else {
    c = NULL;
  }
  pthread_mutex_unlock(&g_ca_mu);
  return c;
}

static void ca_keep(struct vouch_cert *c) {
  if (X509_check_ca(c->x509) <= 0) return;
  size_t i = ca_slot(c->der, c->der_len);
  vouch_cert_up_ref(c);
  pthread_mutex_lock(&g_ca_mu);
  struct vouch_cert *old = g_ca_cache[i];
  g_ca_cache[i] = c;
  pthread_mutex_unlock(&g_ca_mu);
  vouch_cert_free(old);
}

static vouch_status cert_parse(const uint8_t *der, size_t len, struct vouch_cert **out);

vouch_status vouch_cert_from_der(const uint8_t *der, size_t len, struct vouch_cert **out) {
  VOUCH_ENSURE(der != NULL && out != NULL, VOUCH_E_ARG);
  VOUCH_ENSURE(len > 0 && len <= VOUCH_LIMIT_CERT_DATA, VOUCH_E_LIMIT);
  if ((*out = ca_lookup(der, len)) != NULL) return VOUCH_OK;
  VOUCH_GUARD(cert_parse(der, len, out));
  ca_keep(*out);
  return VOUCH_OK;
}

static vouch_status cert_parse(const uint8_t *der, size_t len, struct vouch_cert **out) {
  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)len);
  if (x == NULL) return vouch_crypto_fail(VOUCH_E_ASN1);
  vouch_status s = VOUCH_OK;
  VOUCH_ENSURE_GOTO(s, p == der + len, VOUCH_E_TRAILING, fail);
  /* d2i is lenient about some BER; a re-encoding of a different length
   * means the input was not DER. */
  VOUCH_ENSURE_GOTO(s, i2d_X509(x, NULL) == (int)len, VOUCH_E_ASN1, fail);
  /* OpenSSL fills its cache of decoded extensions (key identifiers, basic
   * constraints, key usage) lazily, on first use.  Certificates are shared
   * read-only between worker threads once cached, so fill it now, while
   * this thread is the only owner; verification then only reads it.
   * (Without this, ThreadSanitizer reports concurrent first uses.) */
  X509_check_purpose(x, -1, 0);
  ERR_clear_error();
  struct vouch_cert *c = malloc(sizeof(*c));
  uint8_t *copy = malloc(len);
  if (c == NULL || copy == NULL) {
    free(c);
    free(copy);
    s = VOUCH_E_NOMEM;
    goto fail;
  }
  memcpy(copy, der, len);
  c->x509 = x;
  c->der = copy;
  c->der_len = len;
  vouch_sha256(copy, len, c->sha256);
  atomic_init(&c->refs, 1);
  *out = c;
  return VOUCH_OK;
fail:
  X509_free(x);
  return vouch_crypto_fail(s);
}

void vouch_cert_free(struct vouch_cert *c) {
  if (c == NULL) return;
  if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1) return;
  X509_free(c->x509);
  free(c->der);
  free(c);
}

void vouch_cert_up_ref(struct vouch_cert *c) {
  if (c != NULL) atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

/* parse_pem_block decodes one block body into a certificate. */
static vouch_status parse_pem_block(const char *body, size_t body_len, size_t index,
                                    struct vouch_cert **out, vouch_err *err) {
  uint8_t *der = NULL;
  size_t der_len = 0;
  vouch_status s = vouch_pem_decode_body(body, body_len, &der, &der_len);
  if (s != VOUCH_OK) {
    return vouch_fail(err, s, "certificate %zu: invalid base64 body (%s)", index,
                      vouch_status_name(s));
  }
  s = vouch_cert_from_der(der, der_len, out);
  free(der);
  if (s != VOUCH_OK) {
    return vouch_fail(err, s, "certificate %zu: invalid DER certificate (%s)", index,
                      vouch_status_name(s));
  }
  return VOUCH_OK;
}

vouch_status vouch_cert_chain_from_pem(const char *pem, size_t len, struct vouch_cert **out,
                                       size_t max, size_t *out_num, vouch_err *err) {
  if (pem == NULL || out == NULL || out_num == NULL || max == 0) {
    return vouch_fail(err, VOUCH_E_ARG, "certificate chain: invalid argument");
  }
  vouch_status s = VOUCH_OK;
  size_t num = 0, pos = 0;
  for (;;) {
    const char *body = NULL;
    size_t body_len = 0;
    bool found = false;
    s = vouch_pem_next(pem, len, "CERTIFICATE", &pos, &body, &body_len, &found);
    if (s != VOUCH_OK) {
      s = vouch_fail(err, s, "certificate %zu: PEM block without a proper END line", num);
      goto fail;
    }
    if (!found) break;
    if (num == max) {
      s = vouch_fail(err, VOUCH_E_LIMIT, "certificate chain: more than %zu certificates", max);
      goto fail;
    }
    VOUCH_GUARD_GOTO(s, parse_pem_block(body, body_len, num, &out[num], err), fail);
    num++;
  }
  if (num == 0) {
    return vouch_fail(err, VOUCH_E_PEM, "certificate chain: no PEM certificate found");
  }
  *out_num = num;
  return VOUCH_OK;
fail:
  for (size_t i = 0; i < num; i++) {
    vouch_cert_free(out[i]);
    out[i] = NULL;
  }
  return s;
}

const uint8_t *vouch_cert_der(const struct vouch_cert *c, size_t *out_len) {
  *out_len = c->der_len;
  return c->der;
}

void vouch_cert_sha256(const struct vouch_cert *c, uint8_t out[VOUCH_SHA256_LEN]) {
  memcpy(out, c->sha256, VOUCH_SHA256_LEN);
}

vouch_status vouch_cert_pubkey(const struct vouch_cert *c, struct vouch_pubkey **out) {
  VOUCH_ENSURE(c != NULL && out != NULL, VOUCH_E_ARG);
  EVP_PKEY *pkey = X509_get0_pubkey(c->x509);
  if (pkey == NULL) return vouch_crypto_fail(VOUCH_E_UNSUPPORTED);
  if (EVP_PKEY_up_ref(pkey) != 1) return vouch_crypto_fail(VOUCH_E_CRYPTO);
  vouch_status s = vouch_pubkey_wrap(pkey, out);
  if (s != VOUCH_OK) EVP_PKEY_free(pkey);
  return s;
}

void vouch_cert_subject_cn(const struct vouch_cert *c, char *out, size_t cap) {
  vouch_name_cn(X509_get_subject_name(c->x509), out, cap);
}

void vouch_cert_issuer_cn(const struct vouch_cert *c, char *out, size_t cap) {
  vouch_name_cn(X509_get_issuer_name(c->x509), out, cap);
}

bool vouch_cert_issued_by(const struct vouch_cert *c, const struct vouch_cert *issuer) {
  return X509_NAME_cmp(X509_get_issuer_name(c->x509), X509_get_subject_name(issuer->x509)) == 0;
}

bool vouch_cert_is_self_issued(const struct vouch_cert *c) {
  return vouch_cert_issued_by(c, c);
}

/* An unreadable validity time makes the certificate never valid: notBefore
 * in the far future, notAfter in the far past. */
int64_t vouch_cert_not_before(const struct vouch_cert *c) {
  int64_t t;
  return vouch_asn1_time_unix(X509_get0_notBefore(c->x509), &t) ? t : INT64_MAX;
}

int64_t vouch_cert_not_after(const struct vouch_cert *c) {
  int64_t t;
  return vouch_asn1_time_unix(X509_get0_notAfter(c->x509), &t) ? t : INT64_MIN;
}

void vouch_cert_serial_hex(const struct vouch_cert *c, char *out, size_t cap) {
  static const char kHex[] = "0123456789abcdef";
  if (cap == 0) return;
  const ASN1_INTEGER *sn = X509_get0_serialNumber(c->x509);
  const unsigned char *d = ASN1_STRING_get0_data(sn);
  size_t n = (size_t)ASN1_STRING_length(sn), k = 0;
  if (ASN1_STRING_type(sn) == V_ASN1_NEG_INTEGER && k + 1 < cap) out[k++] = '-';
  /* ASN1_INTEGER holds the magnitude, big-endian, without a sign octet. */
  for (size_t i = 0; i < n && k + 2 < cap; i++) {
    out[k++] = kHex[d[i] >> 4];
    out[k++] = kHex[d[i] & 15];
  }
  if (n == 0 && k + 1 < cap) out[k++] = '0';
  out[k] = '\0';
}

vouch_status vouch_cert_extension(const struct vouch_cert *c, const char *oid, const uint8_t **out,
                                  size_t *out_len) {
  VOUCH_ENSURE(c != NULL && oid != NULL && out != NULL && out_len != NULL, VOUCH_E_ARG);
  ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1); /* numeric form only */
  if (obj == NULL) return vouch_crypto_fail(VOUCH_E_ARG);
  vouch_status s = VOUCH_E_MALFORMED;
  int i = X509_get_ext_by_OBJ(c->x509, obj, -1);
  /* An extension present twice is ambiguous; RFC 5280 forbids it. */
  if (i < 0 || X509_get_ext_by_OBJ(c->x509, obj, i) >= 0) goto done;
  const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(c->x509, i));
  if (v == NULL) goto done;
  *out = ASN1_STRING_get0_data(v);
  *out_len = (size_t)ASN1_STRING_length(v);
  s = VOUCH_OK;
done:
  ASN1_OBJECT_free(obj);
  return s == VOUCH_OK ? s : vouch_crypto_fail(s);
}

bool vouch_cert_equal(const struct vouch_cert *a, const struct vouch_cert *b) {
  return a->der_len == b->der_len && memcmp(a->der, b->der, a->der_len) == 0;
}

void *vouch_cert_x509(const struct vouch_cert *c) {
  return c ? c->x509 : NULL;
}

/* ---- CRLs ------------------------------------------------------------------- */

static bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static vouch_status crl_from_der(const uint8_t *der, size_t len, struct vouch_crl **out,
                                 vouch_err *err) {
  if (len == 0 || len > VOUCH_LIMIT_CRL_BYTES) {
    return vouch_fail(err, VOUCH_E_LIMIT, "CRL: %zu bytes of DER is out of range", len);
  }
  const unsigned char *p = der;
  X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
  if (crl == NULL) {
    ERR_clear_error();
    return vouch_fail(err, VOUCH_E_ASN1, "CRL: invalid DER");
  }
  vouch_status s = VOUCH_OK;
  if (p != der + len || i2d_X509_CRL(crl, NULL) != (int)len) {
    s = vouch_fail(err, VOUCH_E_TRAILING, "CRL: DER not consumed exactly (%zu of %zu bytes)",
                   (size_t)(p - der), len);
    goto fail;
  }
  struct vouch_crl *c = malloc(sizeof(*c));
  uint8_t *copy = malloc(len);
  if (c == NULL || copy == NULL) {
    free(c);
    free(copy);
    s = vouch_fail(err, VOUCH_E_NOMEM, "CRL: out of memory");
    goto fail;
  }
  memcpy(copy, der, len);
  c->crl = crl;
  c->der = copy;
  c->der_len = len;
  atomic_init(&c->refs, 1);
  *out = c;
  return VOUCH_OK;
fail:
  X509_CRL_free(crl);
  return vouch_crypto_fail(s);
}

static vouch_status crl_from_pem(const char *text, size_t len, struct vouch_crl **out,
                                 vouch_err *err) {
  size_t pos = 0, body_len = 0;
  const char *body = NULL;
  bool found = false;
  if (vouch_pem_next(text, len, "X509 CRL", &pos, &body, &body_len, &found) != VOUCH_OK || !found) {
    return vouch_fail(err, VOUCH_E_PEM, "CRL: PEM block without a proper END line");
  }
  size_t pos2 = pos;
  const char *body2;
  size_t body2_len;
  bool found2 = false;
  if (vouch_pem_next(text, len, "X509 CRL", &pos2, &body2, &body2_len, &found2) != VOUCH_OK ||
      found2) {
    return vouch_fail(err, VOUCH_E_PEM, "CRL: more than one PEM block");
  }
  uint8_t *der = NULL;
  size_t der_len = 0;
  vouch_status s = vouch_pem_decode_body(body, body_len, &der, &der_len);
  if (s != VOUCH_OK) return vouch_fail(err, s, "CRL: invalid base64 body");
  s = crl_from_der(der, der_len, out, err);
  free(der);
  return s;
}

static vouch_status crl_from_hex(const char *hex, size_t len, struct vouch_crl **out,
                                 vouch_err *err) {
  if (len % 2 != 0) return vouch_fail(err, VOUCH_E_HEX, "CRL: odd number of hex digits");
  if (len / 2 > VOUCH_LIMIT_CRL_BYTES) {
    return vouch_fail(err, VOUCH_E_LIMIT, "CRL: larger than %d bytes", VOUCH_LIMIT_CRL_BYTES);
  }
  uint8_t *der = malloc(len / 2);
  if (der == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "CRL: out of memory");
  vouch_status s = vouch_hex_decode(hex, len, der, len / 2);
  if (s == VOUCH_OK) {
    s = crl_from_der(der, len / 2, out, err);
  } else {
    s = vouch_fail(err, s, "CRL: invalid hex");
  }
  free(der);
  return s;
}

vouch_status vouch_crl_parse(const uint8_t *data, size_t len, struct vouch_crl **out,
                             vouch_err *err) {
  if (data == NULL || out == NULL) return vouch_fail(err, VOUCH_E_ARG, "CRL: invalid argument");
  if (len > 2 * (size_t)VOUCH_LIMIT_CRL_BYTES + 4096) {
    return vouch_fail(err, VOUCH_E_LIMIT, "CRL: input larger than the limit");
  }
  const char *text = (const char *)data;
  size_t a = 0, b = len;
  while (a < b && is_space(data[a])) a++;
  while (b > a && is_space(data[b - 1])) b--;
  static const char kBegin[] = "-----BEGIN X509 CRL-----";
  if (b - a >= sizeof(kBegin) - 1 && memcmp(text + a, kBegin, sizeof(kBegin) - 1) == 0) {
    return crl_from_pem(text + a, b - a, out, err);
  }
  /* A DER CRL starts with 0x30 ('0') but its length octet (0x82 for any
   * real CRL) is not a hex digit, so "all hex" cannot be DER. */
  bool all_hex = b > a;
  for (size_t i = a; i < b && all_hex; i++) all_hex = is_hex(data[i]);
  if (all_hex) return crl_from_hex(text + a, b - a, out, err);
  return crl_from_der(data, len, out, err);
}

void vouch_crl_free(struct vouch_crl *crl) {
  if (crl == NULL) return;
  if (atomic_fetch_sub_explicit(&crl->refs, 1, memory_order_acq_rel) != 1) return;
  X509_CRL_free(crl->crl);
  free(crl->der);
  free(crl);
}

void vouch_crl_up_ref(struct vouch_crl *crl) {
  if (crl != NULL) atomic_fetch_add_explicit(&crl->refs, 1, memory_order_relaxed);
}

const uint8_t *vouch_crl_der(const struct vouch_crl *crl, size_t *out_len) {
  *out_len = crl->der_len;
  return crl->der;
}

/* Unreadable times make the CRL never current (like certificates). */
int64_t vouch_crl_this_update(const struct vouch_crl *crl) {
  int64_t t;
  return vouch_asn1_time_unix(X509_CRL_get0_lastUpdate(crl->crl), &t) ? t : INT64_MAX;
}

int64_t vouch_crl_next_update(const struct vouch_crl *crl) {
  const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl->crl);
  if (next == NULL) return INT64_MAX;
  int64_t t;
  return vouch_asn1_time_unix(next, &t) ? t : INT64_MIN;
}

void vouch_crl_issuer_cn(const struct vouch_crl *crl, char *out, size_t cap) {
  vouch_name_cn(X509_CRL_get_issuer(crl->crl), out, cap);
}

bool vouch_crl_lists(const struct vouch_crl *crl, const struct vouch_cert *c) {
  X509_REVOKED *rev = NULL;
  /* The lookup sorts the CRL's entries once, under the CRL's own lock, so
   * the cast away from const is safe for shared CRLs. 2 means "removed
   * from CRL" (delta CRLs only): not revoked. */
  int r = X509_CRL_get0_by_serial((X509_CRL *)crl->crl, &rev, X509_get0_serialNumber(c->x509));
  ERR_clear_error();
  return r == 1;
}
