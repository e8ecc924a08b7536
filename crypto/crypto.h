/* crypto/crypto.h - OpenSSL 3 wrappers: hashes, base64, raw-key import,
 * ECDSA/RSA verification, X.509 certificates, CRLs and chain verification
 * to a pinned trust anchor at a caller-given instant, and JOSE: JWS
 * signing (signers, self-signed certificates), parsing and verification,
 * JWK import and export.
 *
 * Rules every function here follows:
 *  - a signature is valid only when OpenSSL returns exactly 1; anything
 *    else (0, -1, an exception) is VOUCH_E_SIGNATURE or VOUCH_E_CRYPTO;
 *  - the thread's OpenSSL error queue is cleared before returning a failure;
 *  - the verification instant always comes from the caller, never from the
 *    clock.
 * Objects are opaque; _free functions accept NULL.
 */
#ifndef VOUCH_CRYPTO_H
#define VOUCH_CRYPTO_H

#include "base/base.h"

/* ---- hashes ------------------------------------------------------------ */
typedef enum { VOUCH_HASH_SHA1, VOUCH_HASH_SHA256, VOUCH_HASH_SHA384, VOUCH_HASH_SHA512 } vouch_hash;
#define VOUCH_SHA256_LEN 32
#define VOUCH_SHA384_LEN 48
#define VOUCH_MAX_DIGEST_LEN 64
void vouch_sha256(const void *data, size_t len, uint8_t out[VOUCH_SHA256_LEN]);
void vouch_sha384(const void *data, size_t len, uint8_t out[VOUCH_SHA384_LEN]);
/* vouch_digest hashes |data| with |h| into |out| (VOUCH_MAX_DIGEST_LEN
 * bytes of room) and sets *out_len. */
VOUCH_MUST_CHECK vouch_status vouch_digest(vouch_hash h, const void *data, size_t len,
                                           uint8_t *out, size_t *out_len);
size_t vouch_hash_len(vouch_hash h);
/* vouch_random_bytes fills |out| from OpenSSL's CSPRNG (VOUCH_E_CRYPTO if it
 * cannot). */
VOUCH_MUST_CHECK vouch_status vouch_random_bytes(uint8_t *out, size_t len);

/* ---- base64 ------------------------------------------------------------ */
/* vouch_base64_decode accepts standard and URL-safe alphabets, padded or
 * unpadded (but never mixed alphabets in one input, and padding only at the
 * end).  No whitespace.  Non-zero trailing bits are rejected.  |out| needs
 * vouch_base64_decoded_max(in_len) bytes. */
size_t vouch_base64_decoded_max(size_t in_len);
VOUCH_MUST_CHECK vouch_status vouch_base64_decode(const char *in, size_t in_len, uint8_t *out,
                                                  size_t out_cap, size_t *out_len);
/* vouch_base64_decode_mime is vouch_base64_decode that skips ASCII whitespace
 * (line breaks inside PEM bodies). */
VOUCH_MUST_CHECK vouch_status vouch_base64_decode_mime(const char *in, size_t in_len,
                                                       uint8_t *out, size_t out_cap,
                                                       size_t *out_len);
/* Encoders append to a builder: standard alphabet padded, URL-safe unpadded. */
void vouch_base64_encode(vouch_buf *b, const uint8_t *data, size_t len);
void vouch_base64url_encode(vouch_buf *b, const uint8_t *data, size_t len);
/* vouch_json_string_b64url writes base64url(|data|) as a JSON string value
 * (null if the encoding would pass the builder's default limit). */
void vouch_json_string_b64url(vouch_json *j, const uint8_t *data, size_t len);
/* vouch_cert_pem_encode appends DER certificate bytes as one PEM
 * "CERTIFICATE" block with 64-character lines (RFC 7468); check the
 * builder's status afterwards. */
void vouch_cert_pem_encode(vouch_buf *b, const uint8_t *der, size_t len);

/* ---- public keys and signatures ----------------------------------------- */
struct vouch_pubkey; /* wraps an EVP_PKEY */

/* vouch_pubkey_from_p256_xy imports a raw uncompressed P-256 point X||Y
 * (64 bytes, no 0x04 prefix); the point must be on the curve. */
VOUCH_MUST_CHECK vouch_status vouch_pubkey_from_p256_xy(const uint8_t xy[64],
                                                        struct vouch_pubkey **out);
/* vouch_pubkey_from_spki_der / _pem import a SubjectPublicKeyInfo. */
VOUCH_MUST_CHECK vouch_status vouch_pubkey_from_spki_der(const uint8_t *der, size_t len,
                                                         struct vouch_pubkey **out);
VOUCH_MUST_CHECK vouch_status vouch_pubkey_from_pem(const char *pem, size_t len,
                                                    struct vouch_pubkey **out);
void vouch_pubkey_free(struct vouch_pubkey *k);
/* vouch_pubkey_up_ref adds a reference; vouch_pubkey_free drops one. */
void vouch_pubkey_up_ref(struct vouch_pubkey *k);
/* vouch_pubkey_spki_der returns the DER SubjectPublicKeyInfo (malloc'd). */
VOUCH_MUST_CHECK vouch_status vouch_pubkey_spki_der(const struct vouch_pubkey *k, uint8_t **out,
                                                    size_t *out_len);
/* vouch_pubkey_p256_xy writes the raw point X||Y of a P-256 key
 * (VOUCH_E_UNSUPPORTED for other keys). */
VOUCH_MUST_CHECK vouch_status vouch_pubkey_p256_xy(const struct vouch_pubkey *k, uint8_t out[64]);
/* vouch_pubkey_equal: the same public key (type, parameters and value). */
bool vouch_pubkey_equal(const struct vouch_pubkey *a, const struct vouch_pubkey *b);
/* vouch_pubkey_evp returns the underlying EVP_PKEY* (borrowed), as void*
 * so this header does not pull in OpenSSL's. */
void *vouch_pubkey_evp(const struct vouch_pubkey *k);

/* vouch_ecdsa_verify_rs checks an ECDSA signature given as raw r||s
 * (big-endian, each half the curve's size: 64 bytes for P-256, 96 for
 * P-384) over |msg| hashed with |h|.  VOUCH_OK only for a valid signature. */
VOUCH_MUST_CHECK vouch_status vouch_ecdsa_verify_rs(const struct vouch_pubkey *k, vouch_hash h,
                                                    const uint8_t *msg, size_t msg_len,
                                                    const uint8_t *rs, size_t rs_len);
/* vouch_ecdsa_verify_rs_digest is the same over a precomputed digest. */
VOUCH_MUST_CHECK vouch_status vouch_ecdsa_verify_rs_digest(const struct vouch_pubkey *k,
                                                           const uint8_t *digest,
                                                           size_t digest_len,
                                                           const uint8_t *rs, size_t rs_len);
/* vouch_ecdsa_rs_to_der converts raw r||s to a DER ECDSA-Sig-Value
 * (malloc'd). */
VOUCH_MUST_CHECK vouch_status vouch_ecdsa_rs_to_der(const uint8_t *rs, size_t rs_len,
                                                    uint8_t **out, size_t *out_len);
/* vouch_verify_sig checks a signature in the algorithm's native encoding
 * (DER for ECDSA, PKCS#1 / PSS block for RSA) over |msg|.  For PSS,
 * |pss_salt_len| is the required salt length (-1: digest length). */
typedef enum { VOUCH_SIG_ECDSA, VOUCH_SIG_RSA_PKCS1, VOUCH_SIG_RSA_PSS, VOUCH_SIG_EDDSA } vouch_sig_alg;
VOUCH_MUST_CHECK vouch_status vouch_verify_sig(const struct vouch_pubkey *k, vouch_sig_alg alg,
                                               vouch_hash h, int pss_salt_len,
                                               const uint8_t *msg, size_t msg_len,
                                               const uint8_t *sig, size_t sig_len);

/* ---- X.509 certificates ------------------------------------------------ */
struct vouch_cert; /* wraps an X509 plus its DER bytes; refcounted */

VOUCH_MUST_CHECK vouch_status vouch_cert_from_der(const uint8_t *der, size_t len,
                                                  struct vouch_cert **out);
/* vouch_cert_chain_from_pem parses concatenated PEM certificates (any text
 * or NUL bytes between/after blocks are ignored; at least one block is
 * required, at most |max| certificates).  On failure nothing is returned. */
VOUCH_MUST_CHECK vouch_status vouch_cert_chain_from_pem(const char *pem, size_t len,
                                                        struct vouch_cert **out, size_t max,
                                                        size_t *out_num, vouch_err *err);
void vouch_cert_free(struct vouch_cert *c);
void vouch_cert_up_ref(struct vouch_cert *c);
/* vouch_cert_der returns the certificate's DER bytes (borrowed). */
const uint8_t *vouch_cert_der(const struct vouch_cert *c, size_t *out_len);
/* vouch_cert_sha256 is the SHA-256 of the DER (the fingerprint). */
void vouch_cert_sha256(const struct vouch_cert *c, uint8_t out[VOUCH_SHA256_LEN]);
/* vouch_cert_pubkey returns the subject key (new reference). */
VOUCH_MUST_CHECK vouch_status vouch_cert_pubkey(const struct vouch_cert *c,
                                                struct vouch_pubkey **out);
/* vouch_cert_subject_cn / _issuer_cn copy the commonName ("" if none). */
void vouch_cert_subject_cn(const struct vouch_cert *c, char *out, size_t cap);
void vouch_cert_issuer_cn(const struct vouch_cert *c, char *out, size_t cap);
/* vouch_cert_issued_by is true when |c|'s issuer DN equals |issuer|'s
 * subject DN. */
bool vouch_cert_issued_by(const struct vouch_cert *c, const struct vouch_cert *issuer);
bool vouch_cert_is_self_issued(const struct vouch_cert *c);
/* Validity window as Unix seconds. */
int64_t vouch_cert_not_before(const struct vouch_cert *c);
int64_t vouch_cert_not_after(const struct vouch_cert *c);
/* vouch_cert_serial_hex writes the serial as lower-case hex. */
void vouch_cert_serial_hex(const struct vouch_cert *c, char *out, size_t cap);
/* vouch_cert_extension finds the extension with dotted |oid| and returns
 * its extnValue contents (the bytes inside the OCTET STRING), borrowed
 * from |c|.  VOUCH_E_COLLATERAL_MISSING-free: VOUCH_E_MALFORMED if absent. */
VOUCH_MUST_CHECK vouch_status vouch_cert_extension(const struct vouch_cert *c, const char *oid,
                                                   const uint8_t **out, size_t *out_len);
/* vouch_cert_equal compares DER bytes. */
bool vouch_cert_equal(const struct vouch_cert *a, const struct vouch_cert *b);
void *vouch_cert_x509(const struct vouch_cert *c); /* borrowed X509* */

/* ---- CRLs -------------------------------------------------------------- */
struct vouch_crl; /* wraps an X509_CRL; refcounted */

/* vouch_crl_parse accepts DER, PEM, or hex-encoded DER (as in the vectors'
 * collateral.json) and detects which. */
VOUCH_MUST_CHECK vouch_status vouch_crl_parse(const uint8_t *data, size_t len,
                                              struct vouch_crl **out, vouch_err *err);
void vouch_crl_free(struct vouch_crl *crl);
void vouch_crl_up_ref(struct vouch_crl *crl);
const uint8_t *vouch_crl_der(const struct vouch_crl *crl, size_t *out_len);
int64_t vouch_crl_this_update(const struct vouch_crl *crl);
/* vouch_crl_next_update is INT64_MAX when the CRL has none. */
int64_t vouch_crl_next_update(const struct vouch_crl *crl);
void vouch_crl_issuer_cn(const struct vouch_crl *crl, char *out, size_t cap);
/* vouch_crl_lists is true when |c|'s serial is listed (the issuer
 * must be checked by the caller or by vouch_chain_verify). */
bool vouch_crl_lists(const struct vouch_crl *crl, const struct vouch_cert *c);

/* ---- trust anchors ----------------------------------------------------- */
struct vouch_anchors; /* a set of trusted self-signed roots */

struct vouch_anchors *vouch_anchors_new(void);
void vouch_anchors_free(struct vouch_anchors *a);
/* vouch_anchors_add_pem adds every certificate in |pem|. */
VOUCH_MUST_CHECK vouch_status vouch_anchors_add_pem(struct vouch_anchors *a, const char *pem,
                                                    size_t len, vouch_err *err);
VOUCH_MUST_CHECK vouch_status vouch_anchors_add_cert(struct vouch_anchors *a,
                                                     struct vouch_cert *c);
/* vouch_anchors_find returns the anchor byte-identical to |c|, or NULL. */
const struct vouch_cert *vouch_anchors_find(const struct vouch_anchors *a,
                                            const struct vouch_cert *c);
size_t vouch_anchors_count(const struct vouch_anchors *a);
/* vouch_anchors_id identifies the set's current content within the process
 * (a fresh value per set and per change), for keying cached verdicts. */
uint64_t vouch_anchors_id(const struct vouch_anchors *a);

/* ---- chain verification ------------------------------------------------- */
typedef struct {
  int64_t at;         /* the verification instant (Unix seconds), required */
  bool allow_expired; /* tolerate notAfter / CRL nextUpdate passed (QVL mode) */
  bool require_crls;  /* every certificate below the anchor must be covered by a CRL
                         from its issuer (CRL_CHECK_ALL).  Without it, given CRLs are
                         still checked (signature, window, listing) for the
                         certificates they cover; uncovered ones go unchecked. */
  bool no_time_check; /* check everything but validity windows (|at| unused); the
                         windows come back in the result for vouch_chain_check_windows */
  int depth_offset;   /* the leaf given is a CA that sits this many certificates above
                         the end of the whole path (1: the issuer of the leaves that
                         vouch_anchors_for_issuer will verify).  Error depths are those of
                         the whole path, and the path length constraints above the CA
                         must leave room for those certificates. */
} vouch_chain_opts;

/* vouch_anchors_for_issuer: an anchor set holding the CA certificate |ca|
 * alone, whose own path to |anchors| (ending at the anchor |root_sha256|)
 * was verified by vouch_chain_verify with depth_offset 1.  vouch_chain_verify
 * with it checks a leaf that |ca| issued as a partial path ending at |ca|
 * (with CRLs: the leaf's only), so a fleet's leaves under one CA skip
 * re-verifying the CA's signature and the root's CRL every time.  Together
 * the two checks cover what one verification of the whole path does, except
 * constraints the root places on names and policies below the CA: a root
 * with such extensions gets NULL (verify whole paths then), as does a |ca|
 * that is itself an anchor.  NULL also when memory runs out.  Free with
 * vouch_anchors_free. */
struct vouch_anchors *vouch_anchors_for_issuer(const struct vouch_anchors *anchors,
                                               const uint8_t root_sha256[VOUCH_SHA256_LEN],
                                               struct vouch_cert *ca);

/* A validity window of something on a verified path. */
#define VOUCH_CHAIN_MAX_WINDOWS 16
typedef struct {
  char name[64]; /* certificate subject CN, or CRL issuer CN */
  bool is_crl;
  int64_t from;  /* notBefore / thisUpdate */
  int64_t until; /* notAfter / nextUpdate (INT64_MAX: none) */
} vouch_chain_window;

typedef struct {
  uint8_t anchor_sha256[VOUCH_SHA256_LEN]; /* the anchor the chain ended at */
  int64_t earliest_expiry;  /* min notAfter / CRL nextUpdate over what was used */
  bool expired_tolerated;   /* allow_expired hid an expiry */
  int x509_error;           /* OpenSSL X509_V_ERR_* of the failure, 0 if none */
  int failed_depth;         /* depth (0 = leaf) of the failing certificate, -1 */
  /* On success: every certificate of the path (anchor included) and every
   * CRL covering one of them, leaf first. */
  vouch_chain_window windows[VOUCH_CHAIN_MAX_WINDOWS];
  size_t num_windows;
} vouch_chain_result;

/* vouch_chain_verify builds and checks the path from |leaf| through
 * |untrusted| (intermediates; a copy of a root among them is ignored) to one
 * of |anchors|, at opts->at: every signature, validity window, basic
 * constraints, and, with |crls|, revocation (each CRL's own signature and
 * validity window included).  Failures map to VOUCH_E_EXPIRED,
 * VOUCH_E_NOT_YET_VALID, VOUCH_E_REVOKED, VOUCH_E_UNTRUSTED_ROOT,
 * VOUCH_E_SIGNATURE, VOUCH_E_CRL (CRL missing, bad or out of its window) or
 * VOUCH_E_CHAIN, with |err| naming the certificate (its CN) and the reason. */
VOUCH_MUST_CHECK vouch_status vouch_chain_verify(const struct vouch_anchors *anchors,
                                                 const struct vouch_cert *leaf,
                                                 struct vouch_cert *const *untrusted,
                                                 size_t num_untrusted,
                                                 struct vouch_crl *const *crls, size_t num_crls,
                                                 const vouch_chain_opts *opts,
                                                 vouch_chain_result *out, vouch_err *err);

/* vouch_chain_check_windows checks the windows of a path verified with
 * no_time_check at instant |at|: VOUCH_E_NOT_YET_VALID or VOUCH_E_EXPIRED
 * naming the certificate or CRL, with the same wording as
 * vouch_chain_verify.  With |allow_expired| a passed notAfter/nextUpdate
 * sets *out_expired_tolerated instead.  *out_earliest_expiry (optional) is
 * the earliest end of any window. */
VOUCH_MUST_CHECK vouch_status vouch_chain_check_windows(const vouch_chain_result *r, int64_t at,
                                                        bool allow_expired,
                                                        bool *out_expired_tolerated,
                                                        int64_t *out_earliest_expiry,
                                                        vouch_err *err);

/* ---- JOSE: JWS compact serialization, signers, JWKs --------------------- */
/* The signing and verification layer under attestation tokens (token/) and
 * signed attestation policies (policy/).  Algorithms are the JOSE names of
 * RFC 7518 / RFC 8037; signatures are in their JOSE encodings (ECDSA as
 * raw fixed-width r||s, not DER). */
typedef enum {
  VOUCH_JWS_NONE, /* "none": unsigned; never verifies through vouch_jws_verify */
  VOUCH_JWS_RS256, /* RSASSA-PKCS1-v1_5 with SHA-256 (RSA >= 2048 bits) */
  VOUCH_JWS_PS256, /* RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 bytes */
  VOUCH_JWS_ES256, /* ECDSA P-256 with SHA-256, r||s 64 bytes */
  VOUCH_JWS_ES384, /* ECDSA P-384 with SHA-384, r||s 96 bytes */
  VOUCH_JWS_EDDSA, /* Ed25519 (PureEdDSA); Ed448 is not supported */
} vouch_jws_alg;
#define VOUCH_JWS_ALG_COUNT 6

/* vouch_jws_alg_name returns the exact JOSE name ("RS256", "EdDSA", "none"),
 * or "?" outside the enum. */
const char *vouch_jws_alg_name(vouch_jws_alg alg);
/* vouch_jws_alg_from_name maps an exact, case-sensitive JOSE name to the
 * enum (VOUCH_E_UNSUPPORTED for anything else: "rs256" and "RSA256" too). */
VOUCH_MUST_CHECK vouch_status vouch_jws_alg_from_name(const char *name, size_t len,
                                                      vouch_jws_alg *out);

/* A private key bound to one algorithm.  Refcounted and immutable after
 * construction: any number of threads may sign with one signer at once.
 * vouch_signer_free drops a reference.  The key material never appears in
 * an error message or a log line. */
struct vouch_signer;

/* vouch_signer_generate makes a fresh key for |alg|: RSA-2048 (e = 65537)
 * for RS256 and PS256, P-256, P-384, Ed25519. */
VOUCH_MUST_CHECK vouch_status vouch_signer_generate(vouch_jws_alg alg, struct vouch_signer **out);
/* vouch_signer_from_pem reads an unencrypted private key in PEM: PKCS#8
 * ("PRIVATE KEY"), or the traditional "RSA PRIVATE KEY" / "EC PRIVATE KEY"
 * forms.  The key must fit |alg| (RSA of at least 2048 bits for RS256 and
 * PS256, the alg's curve for ES256/ES384, Ed25519 for EdDSA), or the
 * result is VOUCH_E_UNSUPPORTED naming both.  PSS-restricted RSA keys
 * (id-RSASSA-PSS) are refused: their certificate and JWK forms differ,
 * which relying parties would see as two keys.  The key is checked by
 * signing and verifying once. */
VOUCH_MUST_CHECK vouch_status vouch_signer_from_pem(const char *pem, size_t len, vouch_jws_alg alg,
                                                    struct vouch_signer **out, vouch_err *err);
void vouch_signer_free(struct vouch_signer *s);
void vouch_signer_up_ref(struct vouch_signer *s);
vouch_jws_alg vouch_signer_alg(const struct vouch_signer *s);
/* vouch_signer_to_pem appends the key as unencrypted PKCS#8 PEM.  The
 * builder then holds secret bytes: the caller wipes and frees it. */
VOUCH_MUST_CHECK vouch_status vouch_signer_to_pem(const struct vouch_signer *s, vouch_buf *out);
/* vouch_signer_pubkey returns the public half (borrowed, valid as long as
 * |s|; vouch_pubkey_up_ref to keep it longer).  It holds no private part. */
struct vouch_pubkey *vouch_signer_pubkey(const struct vouch_signer *s);
/* vouch_signer_sign appends the JOSE signature of |msg| (the signing
 * input) to |sig|: PKCS#1 v1.5 or PSS block for RS256/PS256, raw r||s of
 * fixed width for ES256/ES384, the 64-byte signature for EdDSA. */
VOUCH_MUST_CHECK vouch_status vouch_signer_sign(const struct vouch_signer *s, const uint8_t *msg,
                                                size_t len, vouch_buf *sig);
/* vouch_signer_self_signed_cert issues an X.509 v3 certificate for the
 * signer's key, signed by the key itself: subject = issuer = CN=|cn| (at
 * most 64 bytes of UTF-8), random positive 16-byte serial, the given
 * validity window (Unix seconds), basicConstraints CA:FALSE (critical) and
 * keyUsage digitalSignature (critical).  Signature: SHA-256 for RSA
 * (PKCS#1 v1.5) and P-256, SHA-384 for P-384, PureEdDSA for Ed25519. */
VOUCH_MUST_CHECK vouch_status vouch_signer_self_signed_cert(const struct vouch_signer *s,
                                                            const char *cn, int64_t not_before,
                                                            int64_t not_after,
                                                            struct vouch_cert **out);

/* vouch_jws_sign_compact appends the compact JWS
 *   base64url(header) "." base64url(payload) "." base64url(signature)
 * (no padding) to |out|.  |header_json| is used verbatim: the caller owns
 * its member order and must put the signer's alg in it.  On failure |out|
 * is left as it was before the call (its sticky error aside). */
VOUCH_MUST_CHECK vouch_status vouch_jws_sign_compact(const struct vouch_signer *s,
                                                     const char *header_json, size_t hlen,
                                                     const uint8_t *payload, size_t plen,
                                                     vouch_buf *out);
/* vouch_jws_sign_compact_b64h is the same with the header already
 * base64url-encoded: issuers precompute it once per key (hot path). */
VOUCH_MUST_CHECK vouch_status vouch_jws_sign_compact_b64h(const struct vouch_signer *s,
                                                          const char *header_b64, size_t hb64_len,
                                                          const uint8_t *payload, size_t plen,
                                                          vouch_buf *out);
/* vouch_jws_unsigned_compact appends "base64url(header).base64url(payload)."
 * (alg "none": empty signature), e.g. an unsigned policy for PUT
 * /policies.  The header should say {"alg":"none"}. */
VOUCH_MUST_CHECK vouch_status vouch_jws_unsigned_compact(const char *header_json, size_t hlen,
                                                         const uint8_t *payload, size_t plen,
                                                         vouch_buf *out);

/* Parser limits (inputs beyond them are VOUCH_E_LIMIT). */
#define VOUCH_JWS_MAX_LEN (1u << 20)         /* whole compact serialization */
#define VOUCH_JWS_MAX_HEADER (64u * 1024)    /* decoded header JSON (room for 8 x5c) */
#define VOUCH_JWS_MAX_SIG 1024               /* decoded signature (RSA up to 8192 bits) */
#define VOUCH_JWS_MAX_X5C 8                  /* certificates in a header x5c */

/* A parsed compact JWS.  Everything is owned by the struct except
 * |signing_input|, which points into the caller's string (keep it alive
 * while the signature is checked).  Strings are NUL-terminated copies. */
typedef struct {
  vouch_jws_alg alg;
  char *kid;  /* header "kid", NULL when absent */
  char *typ;  /* header "typ", NULL when absent */
  char *header;                /* decoded header JSON (for other members: jansson) */
  size_t header_len;
  uint8_t *payload;            /* decoded payload, NUL-terminated (may be empty) */
  size_t payload_len;
  const char *signing_input;   /* borrowed: header_b64 "." payload_b64 */
  size_t signing_input_len;
  uint8_t *sig;                /* decoded signature (NULL when empty) */
  size_t sig_len;
  struct vouch_cert *x5c[VOUCH_JWS_MAX_X5C]; /* header "x5c", leaf first */
  size_t num_x5c;
  bool has_jwk;                /* header "jwk" present ... */
  struct vouch_pubkey *jwk;    /* ... and its key */
} vouch_jws;

/* vouch_jws_parse splits and decodes a compact JWS: exactly three parts,
 * each strict base64url (no padding, no whitespace, no '+' or '/'); the
 * header a JSON object without duplicate members, with a string "alg" we
 * know (unknown: VOUCH_E_UNSUPPORTED naming it), optional string "kid" and
 * "typ", optional "x5c" (array of at most 8 standard-base64 DER
 * certificates), optional "jwk" (a public JWK, see vouch_pubkey_from_jwk).
 * A "crit" member is refused (no extension is understood).  alg "none"
 * requires an empty signature.  The signature is not checked here.  On
 * failure |out| holds nothing to free. */
VOUCH_MUST_CHECK vouch_status vouch_jws_parse(const char *s, size_t len, vouch_jws *out,
                                              vouch_err *err);
void vouch_jws_free(vouch_jws *j);
/* vouch_jws_verify checks |j|'s signature for j->alg with |k|.  The key
 * must fit the alg (type, curve, RSA size); an unsigned JWS (alg none)
 * always fails with VOUCH_E_SIGNATURE ("unsigned token"). */
VOUCH_MUST_CHECK vouch_status vouch_jws_verify(const vouch_jws *j, const struct vouch_pubkey *k,
                                               vouch_err *err);
/* vouch_jws_key_fits says whether |k| can sign or verify |alg|; when it
 * cannot, |why| (optional) receives a short reason. */
bool vouch_jws_key_fits(const struct vouch_pubkey *k, vouch_jws_alg alg, char *why, size_t cap);

/* vouch_pubkey_from_jwk imports a public JWK (JSON object text): kty RSA
 * (n, e; at least 2048 bits), EC (crv P-256 / P-384, x, y; the point must
 * be on the curve) or OKP (crv Ed25519, x).  Private members are ignored;
 * x5c is not looked at (callers that prefer the certificate do that). */
VOUCH_MUST_CHECK vouch_status vouch_pubkey_from_jwk(const char *json, size_t len,
                                                    struct vouch_pubkey **out, vouch_err *err);
/* vouch_pubkey_write_jwk writes the key members of |k| into the object
 * open in |j|: "kty" then n/e (RSA), crv/x/y (EC), crv/x (OKP). */
VOUCH_MUST_CHECK vouch_status vouch_pubkey_write_jwk(const struct vouch_pubkey *k, vouch_json *j);

/* vouch_crypto_clear_errors empties the thread's OpenSSL error queue. */
void vouch_crypto_clear_errors(void);

#endif /* VOUCH_CRYPTO_H */
