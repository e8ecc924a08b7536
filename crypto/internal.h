/* crypto/internal.h - private to vouch_crypto: the layout of the opaque
 * objects and helpers shared between the module's files.  Never include
 * from outside crypto/. */
#ifndef VOUCH_CRYPTO_INTERNAL_H
#define VOUCH_CRYPTO_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdatomic.h>

#include "crypto/crypto.h"

/* Refcounted wrappers.  Immutable after construction, so sharing between
 * threads needs nothing but the atomic count. */
struct vouch_pubkey {
  EVP_PKEY *pkey; /* owned */
  atomic_int refs;
  uint8_t *spki;  /* owned DER SubjectPublicKeyInfo when known at import, else NULL */
  size_t spki_len;
};

struct vouch_cert {
  X509 *x509;   /* owned */
  uint8_t *der; /* owned malloc'd copy of the exact input bytes */
  size_t der_len;
  uint8_t sha256[VOUCH_SHA256_LEN]; /* of |der|, computed once */
  atomic_int refs;
};

struct vouch_crl {
  X509_CRL *crl; /* owned */
  uint8_t *der;  /* owned */
  size_t der_len;
  atomic_int refs;
};

struct vouch_anchors {
  struct vouch_cert **certs; /* each holds one reference */
  size_t num_certs;
  size_t cap;
  X509_STORE *store; /* owned; holds exactly |certs|, built as they are added */
  uint64_t id;       /* process-unique, changes when the set changes */
  bool partial;      /* holds a verified CA, not roots: paths end at it (PARTIAL_CHAIN) */
};

/* vouch_crypto_md returns the fetched (cached, never freed) EVP_MD for |h|,
 * or NULL if the provider lacks it. */
const EVP_MD *vouch_crypto_md(vouch_hash h);

/* vouch_crypto_fail clears the thread's OpenSSL error queue and returns |s|:
 * every failure path that touched OpenSSL ends with it. */
vouch_status vouch_crypto_fail(vouch_status s);

/* vouch_pubkey_wrap takes ownership of |pkey| on success only. */
VOUCH_MUST_CHECK vouch_status vouch_pubkey_wrap(EVP_PKEY *pkey, struct vouch_pubkey **out);

/* Public keys built from their numbers, without OpenSSL's decoder framework
 * (see crypto/pubkey.c for why).  NULL when OpenSSL refuses them.
 * vouch_evp_rsa_public: big-endian n and e, as given (no policy on sizes).
 * vouch_evp_ec_public: an encoded point (uncompressed, compressed or
 * hybrid) on P-256 (|bits| 256) or P-384 (384), checked to be on the curve
 * and not the point at infinity. */
EVP_PKEY *vouch_evp_rsa_public(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len);
EVP_PKEY *vouch_evp_ec_public(int bits, const uint8_t *point, size_t len);

/* vouch_pem_next finds the next "-----BEGIN |label|-----" ... "-----END
 * |label|-----" block in |text| at or after *pos.  On VOUCH_OK, *out_found
 * says whether one was found; if so |body| spans the text between the two
 * lines and *pos moves past the END line.  A block without its END line, or
 * with another PEM boundary inside, is VOUCH_E_PEM. */
VOUCH_MUST_CHECK vouch_status vouch_pem_next(const char *text, size_t len, const char *label,
                                             size_t *pos, const char **body, size_t *body_len,
                                             bool *out_found);

/* vouch_pem_decode_body decodes a PEM body into a malloc'd buffer. */
VOUCH_MUST_CHECK vouch_status vouch_pem_decode_body(const char *body, size_t body_len,
                                                    uint8_t **out, size_t *out_len);

/* vouch_asn1_time_unix converts an ASN1_TIME to Unix seconds; false if it
 * cannot be represented. */
bool vouch_asn1_time_unix(const ASN1_TIME *t, int64_t *out);

/* vouch_name_cn copies |name|'s first commonName as UTF-8 with control
 * bytes replaced by '?' (it ends up in messages); "" if none. */
void vouch_name_cn(const X509_NAME *name, char *out, size_t cap);

#endif /* VOUCH_CRYPTO_INTERNAL_H */
