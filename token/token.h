/* token/token.h - attestation tokens: the signing keys (a key store in a
 * state directory), JWS issuance with the header Azure Attestation sends,
 * the JWKS and OpenID discovery documents relying parties fetch, and
 * relying-party verification of a token against a JWKS.
 *
 * Claims are assembled elsewhere (the engine, from verifier results and the
 * policy); this layer signs whatever JSON payload it is given and checks
 * tokens the way a careful relying party does.  See spec/maa-api.md §3, §4
 * and §9 for the formats and for what known clients require.
 */
#ifndef VOUCH_TOKEN_H
#define VOUCH_TOKEN_H

#include "base/base.h"
#include "crypto/crypto.h"

/* Token lifetime (exp - iat) of the real service: 8 hours. */
#define VOUCH_TOKEN_DEFAULT_LIFETIME INT64_C(28800)
/* Clock skew tolerated on exp and nbf when verifying, unless told. */
#define VOUCH_TOKEN_DEFAULT_SKEW INT64_C(60)
/* Validity of the self-signed certificate of a generated key: from one
 * day before its creation (relying parties with slow clocks) to ten years
 * after.  Keys are rotated by the operator, not by certificate expiry. */
#define VOUCH_TOKEN_CERT_BACKDATE INT64_C(86400)
#define VOUCH_TOKEN_CERT_VALIDITY (INT64_C(3650) * 86400)
/* A kid: standard base64 (padded) of SHA-256 of the certificate DER, the
 * 44-character form the real service uses. */
#define VOUCH_TOKEN_KID_LEN 44
/* Limits on a JWKS document given to the verifier. */
#define VOUCH_JWKS_MAX_LEN (1u << 20)
#define VOUCH_JWKS_MAX_KEYS 64

/* vouch_default_state_dir writes the state directory used when none is
 * given: $VOUCH_STATE_DIR, else $XDG_DATA_HOME/vouch (when absolute), else
 * $HOME/.local/share/vouch.  The same for verify, serve and token. */
VOUCH_MUST_CHECK vouch_status vouch_default_state_dir(char *out, size_t cap, vouch_err *err);

/* ---- the key store ---------------------------------------------------------
 *
 * Layout under <state_dir>/keys/ (directory mode 0700):
 *   index.json                 {"version":1,"keys":[{"alg","kid","created",
 *                              "retired_at"},...]} (retired_at null while active)
 *   <ALG>-<hex16>.key.pem      the private key, PKCS#8 PEM, mode 0600
 *   <ALG>-<hex16>.cert.pem     its self-signed certificate (CN = the public
 *                              URL, or "vouch"), mode 0644
 *   lock                       flock()ed while the store is changed
 * where hex16 is the first 8 bytes of the certificate's SHA-256 (the kid's
 * bytes), so the file names follow from the index and cannot point
 * elsewhere.  Every file is written to a temporary name and renamed into
 * place, so a crash leaves either the old or the new version.  Several
 * processes may share one store: changes happen under the lock file, after
 * re-reading the index.  A running process sees keys made by another one
 * (vouch token rotate) only when it reopens the store.
 *
 * One active key per algorithm.  Rotation makes a new active key; the old
 * one is retired (retired_at = now) and stays in the JWKS until retired_at
 * + lifetime, so every token it signed can still be checked until that
 * token expires; after that it is left out of the JWKS and its files are
 * deleted at the next rotation.
 *
 * Threads: after open, any number of threads may call vouch_keystore_signer,
 * vouch_token_sign, vouch_keystore_jwks and vouch_token_verify at once.
 * Lookups take a read lock; a key generated on first use is made under the
 * write lock (once; concurrent first users wait for it).  To keep key
 * generation off the request path, name the algorithms in |ensure_algs|.
 * Key objects live until vouch_keystore_close, so the pointers handed out
 * stay valid that long, across rotations.
 *
 * The key material is never logged, printed or put in an error message. */
struct vouch_keystore;

typedef struct {
  /* The service's public base URL ("https://attest.example.com"): the
   * token's iss and the header's jku (<url>/certs), the discovery
   * document's issuer, and the CN of generated certificates (cut to 64
   * bytes).  Trailing slashes are removed.  NULL or "": no jku. */
  const char *public_url;
  int64_t lifetime_s; /* token lifetime; 0 = VOUCH_TOKEN_DEFAULT_LIFETIME */
  int64_t now;        /* clock for tests (Unix seconds); 0 = the real clock */
  /* Open an existing store without creating or changing anything (no
   * directory, no key generation, no rotation): for verification. */
  bool read_only;
  /* Algorithms whose key is made at open if missing (NULL: none; keys are
   * then made on first use). */
  const vouch_jws_alg *ensure_algs;
  size_t num_ensure_algs;
} vouch_keystore_opts;

/* vouch_keystore_open opens (creating, unless read_only) the store under
 * |state_dir|.  A key or certificate file that does not load, a key that
 * does not match its certificate or its index entry fails the open, naming
 * the file.  A key file readable by others is accepted with a warning. */
VOUCH_MUST_CHECK vouch_status vouch_keystore_open(const char *state_dir,
                                                  const vouch_keystore_opts *o,
                                                  struct vouch_keystore **out, vouch_err *err);
void vouch_keystore_close(struct vouch_keystore *ks);

/* The normalized public URL ("" when none) and the token lifetime. */
const char *vouch_keystore_issuer(const struct vouch_keystore *ks);
int64_t vouch_keystore_lifetime(const struct vouch_keystore *ks);

/* vouch_keystore_signer returns the active key for |alg| (an external key
 * first, else the stored one), generating and storing it on first use.
 * The three outputs (any may be NULL) are borrowed until close. */
VOUCH_MUST_CHECK vouch_status vouch_keystore_signer(struct vouch_keystore *ks, vouch_jws_alg alg,
                                                    const struct vouch_signer **signer,
                                                    const char **kid,
                                                    const struct vouch_cert **cert, vouch_err *err);

/* vouch_keystore_add_external installs a user-supplied key
 * (--signing-key PEM [--signing-cert PEM]) as the active key of its alg:
 * |alg|, or with VOUCH_JWS_NONE the alg its type implies (RSA -> RS256,
 * P-256 -> ES256, P-384 -> ES384, Ed25519 -> EdDSA).  With a certificate
 * chain (leaf first, at most 8) the leaf must hold the key, and the chain
 * is published as the key's x5c; without one a self-signed certificate is
 * made.  External keys live only in memory: nothing is written to the
 * state directory, and they are never rotated.  A stored key of the same
 * alg stays in the JWKS (tokens it signed may be out there). */
VOUCH_MUST_CHECK vouch_status vouch_keystore_add_external(struct vouch_keystore *ks,
                                                          const char *key_pem, size_t key_len,
                                                          const char *cert_pem, size_t cert_len,
                                                          vouch_jws_alg alg, vouch_err *err);

/* vouch_keystore_rotate makes a new active key for |alg| and retires the
 * previous stored one (see above); keys whose publication ended are
 * deleted.  *out_kid (optional) is the new kid, borrowed until close. */
VOUCH_MUST_CHECK vouch_status vouch_keystore_rotate(struct vouch_keystore *ks, vouch_jws_alg alg,
                                                    const char **out_kid, vouch_err *err);

/* vouch_keystore_algs lists the algorithms that have an active key, in
 * enum order; returns how many (at most |cap| are written). */
size_t vouch_keystore_algs(struct vouch_keystore *ks, vouch_jws_alg *out, size_t cap);

/* vouch_keystore_jwks appends {"keys":[...]} for every active key and
 * every retired key still within its publication window: kid, kty, the key
 * members (n/e for RSA, crv/x/y for EC, crv/x for OKP, so ordinary JWT
 * libraries can use them), alg, use "sig", x5c (standard base64 DER, leaf
 * first).  Active keys come first.
 * Note: Gramine's MAA client rejects the whole set if any key is not RSA
 * (spec/maa-api.md §9).  The default store only ever holds RS256 keys; EC
 * and OKP keys appear only once someone asks for such a token (or
 * rotates, or adds such an external key). */
VOUCH_MUST_CHECK vouch_status vouch_keystore_jwks(struct vouch_keystore *ks, vouch_buf *out);

/* vouch_openid_metadata appends the discovery document of
 * /.well-known/openid-configuration (spec/maa-api.md §4): issuer, jwks_uri
 * (<issuer>/certs), response_types_supported, the signing algs given,
 * revocation_endpoint, claims_supported.  |issuer| is required. */
VOUCH_MUST_CHECK vouch_status vouch_openid_metadata(const char *issuer, const vouch_jws_alg *algs,
                                                    size_t n, vouch_buf *out);

/* vouch_token_sign appends a compact JWS of |payload_json| (used verbatim:
 * the caller makes it a JSON object with the claims) signed by the active
 * key of |alg|, with the header
 *   {"alg":"RS256","jku":"<issuer>/certs","kid":"...","typ":"JWT"}
 * in exactly that member order (jku omitted without a public URL).  The
 * header's base64url is computed once per key. */
VOUCH_MUST_CHECK vouch_status vouch_token_sign(struct vouch_keystore *ks, vouch_jws_alg alg,
                                               const uint8_t *payload_json, size_t len,
                                               vouch_buf *out, vouch_err *err);

/* ---- relying-party verification --------------------------------------------- */

/* A parsed JWKS.  Entries that cannot be used (unknown kty, bad key,
 * "use" other than "sig") are kept with the reason, which is reported
 * when a token names their kid. */
struct vouch_jwks;

/* vouch_jwks_parse reads {"keys":[...]} (at most VOUCH_JWKS_MAX_KEYS).  An
 * entry's key comes from x5c[0] when present (and must then equal its
 * n/e or crv/x/y if those are given too), else from the key members. */
VOUCH_MUST_CHECK vouch_status vouch_jwks_parse(const char *json, size_t len,
                                               struct vouch_jwks **out, vouch_err *err);
void vouch_jwks_free(struct vouch_jwks *jwks);
/* vouch_jwks_count is the number of entries (usable or not). */
size_t vouch_jwks_count(const struct vouch_jwks *jwks);

typedef struct {
  /* The keys, exactly one of: a JWKS document, a parsed JWKS (cheapest
   * for many tokens), or a key store (its published keys). */
  const char *jwks_json;
  size_t jwks_len;
  const struct vouch_jwks *jwks;
  struct vouch_keystore *keystore;
  /* Accepted algorithms (NULL: every signed one).  "none" is refused
   * whatever the list says. */
  const vouch_jws_alg *allowed_algs;
  size_t num_allowed_algs;
  int64_t now;        /* Unix seconds (>= 0); 0 = the real clock */
  int64_t skew_s;     /* tolerance on exp and nbf, seconds (>= 0) */
  const char *issuer; /* expected iss (compared exactly), NULL: not checked */
} vouch_token_verify_opts;

/* vouch_token_verify_opts_default zeroes |o| and sets skew_s to
 * VOUCH_TOKEN_DEFAULT_SKEW (a zeroed struct means no skew). */
void vouch_token_verify_opts_default(vouch_token_verify_opts *o);

/* vouch_token_verify checks a compact JWS token as a relying party would:
 * the JWS syntax, alg on the allow-list (none always refused), a kid that
 * names a usable JWKS entry whose alg (if stated) is the header's, the
 * signature, a payload that is a JSON object, exp (required) and nbf
 * (optional) against now with the skew, and iss when asked.  On success
 * the payload (the claims JSON) is appended to |claims_out| (optional).
 * Failures: VOUCH_E_SIGNATURE (alg refused, unknown kid, wrong key, bad
 * signature), VOUCH_E_EXPIRED, VOUCH_E_NOT_YET_VALID,
 * VOUCH_E_IDENTITY_MISMATCH (iss), VOUCH_E_MALFORMED / E_BASE64 / E_JSON /
 * E_UNSUPPORTED / E_LIMIT (the token's syntax), each with a message. */
VOUCH_MUST_CHECK vouch_status vouch_token_verify(const char *token, size_t len,
                                                 const vouch_token_verify_opts *o,
                                                 vouch_buf *claims_out, vouch_err *err);

#endif /* VOUCH_TOKEN_H */
