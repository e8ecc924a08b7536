/* tests/unit/token/test_token.c - the key store (files, modes, stable
 * kids, rotation with an injected clock, external keys, concurrent first
 * use), issuance for every alg, the JWKS and discovery documents, and the
 * relying-party checks with their rejections. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */
#include <dirent.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token/token.h"

static const vouch_jws_alg kAlgs[] = {VOUCH_JWS_RS256, VOUCH_JWS_PS256, VOUCH_JWS_ES256,
                                      VOUCH_JWS_ES384, VOUCH_JWS_EDDSA};
#define NUM_ALGS (sizeof(kAlgs) / sizeof(kAlgs[0]))
#define T0 INT64_C(1795000000) /* 2026-11-18 */
#define URL "https://attest.example.test"

/* ---- helpers ---------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

typedef struct {
  char dir[64];
} fixture;

static int setup_dir(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  if (f == NULL) return -1;
  strcpy(f->dir, "/tmp/vouch-token-unit-XXXXXX");
  if (mkdtemp(f->dir) == NULL) return -1;
  *state = f;
  return 0;
}

static int teardown_dir(void **state) {
  fixture *f = *state;
  nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

/* state_path writes <dir>/<sub> into |out|. */
static const char *sub(const fixture *f, const char *s, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", f->dir, s);
  return out;
}

static struct vouch_keystore *open_at(const char *dir, int64_t now, const char *url) {
  vouch_keystore_opts o = {.public_url = url, .now = now};
  struct vouch_keystore *ks = NULL;
  vouch_err err = {0};
  if (vouch_keystore_open(dir, &o, &ks, &err) != VOUCH_OK) fail_msg("open %s: %s", dir, err.msg);
  return ks;
}

static const char *kid_of(struct vouch_keystore *ks, vouch_jws_alg alg) {
  const char *kid = NULL;
  vouch_err err = {0};
  if (vouch_keystore_signer(ks, alg, NULL, &kid, NULL, &err) != VOUCH_OK) {
    fail_msg("signer %s: %s", vouch_jws_alg_name(alg), err.msg);
  }
  return kid;
}

/* claims makes a payload with the given window (malloc'd). */
static char *claims(int64_t iat, int64_t nbf, int64_t exp, const char *iss) {
  char *p = malloc(512);
  assert_non_null(p);
  snprintf(p, 512,
           "{\"iss\":\"%s\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"x-ms-ver\":\"1.0\","
           "\"x-ms-attestation-type\":\"sgx\"}",
           iss, (long long)iat, (long long)nbf, (long long)exp);
  return p;
}

static char *sign(struct vouch_keystore *ks, vouch_jws_alg alg, const char *payload) {
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_err err = {0};
  if (vouch_token_sign(ks, alg, (const uint8_t *)payload, strlen(payload), &b, &err) != VOUCH_OK) {
    fail_msg("sign: %s", err.msg);
  }
  return b.data;
}

static char *jwks_of(struct vouch_keystore *ks) {
  vouch_buf b;
  vouch_buf_init(&b, 0);
  assert_int_equal(vouch_keystore_jwks(ks, &b), VOUCH_OK);
  return b.data;
}

/* jwks_has counts the JWKS entries with |kid|. */
static int jwks_has(const char *jwks, const char *kid) {
  json_t *root = json_loads(jwks, 0, NULL);
  assert_non_null(root);
  int n = 0;
  json_t *keys = json_object_get(root, "keys"), *k;
  size_t i;
  json_array_foreach(keys, i, k) {
    if (strcmp(json_string_value(json_object_get(k, "kid")), kid) == 0) n++;
  }
  json_decref(root);
  return n;
}

static size_t jwks_size(const char *jwks) {
  json_t *root = json_loads(jwks, 0, NULL);
  assert_non_null(root);
  size_t n = json_array_size(json_object_get(root, "keys"));
  json_decref(root);
  return n;
}

static size_t count_files(const char *dir, const char *suffix) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name), s = strlen(suffix);
    if (l > s && strcmp(e->d_name + l - s, suffix) == 0) n++;
  }
  closedir(d);
  return n;
}

/* verify_with runs vouch_token_verify with keys from |ks| (or |jwks|). */
static vouch_status verify_with(const char *tok, struct vouch_keystore *ks, const char *jwks,
                                int64_t now, const char *iss, vouch_err *err) {
  vouch_token_verify_opts o;
  vouch_token_verify_opts_default(&o);
  o.keystore = jwks ? NULL : ks;
  o.jwks_json = jwks;
  o.jwks_len = jwks ? strlen(jwks) : 0;
  o.now = now;
  o.issuer = iss;
  *err = (vouch_err){0};
  return vouch_token_verify(tok, strlen(tok), &o, NULL, err);
}

static char *b64url(const char *s) {
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_base64url_encode(&b, (const uint8_t *)s, strlen(s));
  vouch_buf_putc(&b, '\0');
  return b.data;
}

/* ---- the store ----------------------------------------------------------------------- */

static void test_store_files_and_modes(void **state) {
  fixture *f = *state;
  char dir[128], keys[160], path[256];
  sub(f, "a/b/state", dir, sizeof(dir));
  snprintf(keys, sizeof(keys), "%s/keys", dir);
  mode_t old = umask(0); /* the store's modes must not depend on the umask */
  struct vouch_keystore *ks = open_at(dir, T0, URL "/");
  umask(old);
  assert_string_equal(vouch_keystore_issuer(ks), URL);
  assert_int_equal(vouch_keystore_lifetime(ks), VOUCH_TOKEN_DEFAULT_LIFETIME);
  /* Nothing is generated until a key is asked for. */
  assert_int_equal(vouch_keystore_algs(ks, NULL, 0), 0);
  assert_int_equal(count_files(keys, ".key.pem"), 0);
  const struct vouch_signer *s = NULL;
  const struct vouch_cert *cert = NULL;
  const char *kid = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_keystore_signer(ks, VOUCH_JWS_RS256, &s, &kid, &cert, &err), VOUCH_OK);
  assert_int_equal(vouch_signer_alg(s), VOUCH_JWS_RS256);
  /* kid = standard base64 of SHA-256(cert DER), 44 characters. */
  uint8_t h[32];
  vouch_cert_sha256(cert, h);
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_base64_encode(&b, h, 32);
  assert_int_equal(strlen(kid), 44);
  assert_string_equal(kid, vouch_buf_cstr(&b));
  vouch_buf_free(&b);
  char cn[128];
  vouch_cert_subject_cn(cert, cn, sizeof(cn));
  assert_string_equal(cn, URL);
  assert_true(vouch_cert_not_before(cert) <= T0 && vouch_cert_not_after(cert) > T0 + 86400 * 365);
  /* Modes: keys/ 0700, the private key and the index 0600. */
  struct stat sb;
  assert_int_equal(stat(keys, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  assert_int_equal(stat(dir, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  char hex[17];
  vouch_hex_encode(h, 8, hex);
  snprintf(path, sizeof(path), "%s/RS256-%s.key.pem", keys, hex);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  snprintf(path, sizeof(path), "%s/RS256-%s.cert.pem", keys, hex);
  assert_int_equal(stat(path, &sb), 0);
  snprintf(path, sizeof(path), "%s/index.json", keys);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  /* The index names alg, kid, created, retired_at; no temporary files. */
  json_t *idx = json_load_file(path, 0, NULL);
  assert_non_null(idx);
  json_t *e = json_array_get(json_object_get(idx, "keys"), 0);
  assert_string_equal(json_string_value(json_object_get(e, "alg")), "RS256");
  assert_string_equal(json_string_value(json_object_get(e, "kid")), kid);
  assert_int_equal(json_integer_value(json_object_get(e, "created")), T0);
  assert_true(json_is_null(json_object_get(e, "retired_at")));
  json_decref(idx);
  assert_int_equal(count_files(keys, ".tmp"), 0);
  /* A loose keys/ directory is tightened on open. */
  vouch_keystore_close(ks);
  assert_int_equal(chmod(keys, 0755), 0);
  ks = open_at(dir, T0, URL);
  assert_int_equal(stat(keys, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  vouch_keystore_close(ks);
}

static void test_kid_stable_across_reopen(void **state) {
  fixture *f = *state;
  char dir[128];
  sub(f, "s", dir, sizeof(dir));
  struct vouch_keystore *ks = open_at(dir, T0, URL);
  char kids[NUM_ALGS][48];
  for (size_t i = 0; i < NUM_ALGS; i++) snprintf(kids[i], 48, "%s", kid_of(ks, kAlgs[i]));
  /* The same store returns the same key again. */
  for (size_t i = 0; i < NUM_ALGS; i++) assert_string_equal(kid_of(ks, kAlgs[i]), kids[i]);
  vouch_jws_alg algs[8];
  assert_int_equal(vouch_keystore_algs(ks, algs, 8), NUM_ALGS);
  for (size_t i = 0; i < NUM_ALGS; i++) assert_int_equal(algs[i], kAlgs[i]);
  vouch_keystore_close(ks);
  ks = open_at(dir, T0 + 3600, "https://other.example");
  for (size_t i = 0; i < NUM_ALGS; i++) assert_string_equal(kid_of(ks, kAlgs[i]), kids[i]);
  char keys[160];
  snprintf(keys, sizeof(keys), "%s/keys", dir);
  assert_int_equal(count_files(keys, ".key.pem"), NUM_ALGS);
  vouch_keystore_close(ks);
  /* A read-only open sees them too, and makes nothing new. */
  vouch_keystore_opts ro = {.read_only = true, .now = T0};
  vouch_err err = {0};
  assert_int_equal(vouch_keystore_open(dir, &ro, &ks, &err), VOUCH_OK);
  assert_string_equal(kid_of(ks, VOUCH_JWS_ES256), kids[2]);
  assert_int_equal(vouch_keystore_rotate(ks, VOUCH_JWS_ES256, NULL, &err), VOUCH_E_ARG);
  vouch_keystore_close(ks);
  /* Read-only on a directory without a store is an error that says so. */
  char empty[128];
  sub(f, "nothing-here", empty, sizeof(empty));
  err = (vouch_err){0};
  assert_int_equal(vouch_keystore_open(empty, &ro, &ks, &err), VOUCH_E_IO);
  assert_non_null(strstr(err.msg, "no key store"));
}

static void test_tampered_store_refused(void **state) {
  fixture *f = *state;
  char dir[128], a[128];
  sub(f, "t", dir, sizeof(dir));
  sub(f, "u", a, sizeof(a));
  struct vouch_keystore *ks = open_at(dir, T0, URL), *ka = open_at(a, T0, URL);
  const char *kid = kid_of(ks, VOUCH_JWS_ES256);
  const char *kid_a = kid_of(ka, VOUCH_JWS_ES256);
  /* Put another store's key in place of this one's (same file name). */
  char from[256], to[256];
  uint8_t h[33];
  size_t hl;
  assert_int_equal(vouch_base64_decode(kid, 44, h, sizeof(h), &hl), VOUCH_OK);
  char hex[17];
  vouch_hex_encode(h, 8, hex);
  snprintf(to, sizeof(to), "%s/keys/ES256-%s.key.pem", dir, hex);
  assert_int_equal(vouch_base64_decode(kid_a, 44, h, sizeof(h), &hl), VOUCH_OK);
  vouch_hex_encode(h, 8, hex);
  snprintf(from, sizeof(from), "%s/keys/ES256-%s.key.pem", a, hex);
  vouch_keystore_close(ks);
  vouch_keystore_close(ka);
  assert_int_equal(rename(from, to), 0);
  vouch_err err = {0};
  assert_int_equal(vouch_keystore_open(dir, NULL, &ks, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "does not hold the key"));
}

static void test_rotation_window(void **state) {
  fixture *f = *state;
  char dir[128], keys[160];
  sub(f, "r", dir, sizeof(dir));
  snprintf(keys, sizeof(keys), "%s/keys", dir);
  const int64_t life = VOUCH_TOKEN_DEFAULT_LIFETIME;
  struct vouch_keystore *ks = open_at(dir, T0, URL);
  char kid1[48];
  snprintf(kid1, sizeof(kid1), "%s", kid_of(ks, VOUCH_JWS_RS256));
  char *p = claims(T0, T0, T0 + life, URL);
  char *old_tok = sign(ks, VOUCH_JWS_RS256, p);
  free(p);
  vouch_keystore_close(ks);

  /* Rotate one hour later. */
  ks = open_at(dir, T0 + 3600, URL);
  const char *nk = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_keystore_rotate(ks, VOUCH_JWS_RS256, &nk, &err), VOUCH_OK);
  char kid2[48];
  snprintf(kid2, sizeof(kid2), "%s", nk);
  assert_string_not_equal(kid1, kid2);
  assert_string_equal(kid_of(ks, VOUCH_JWS_RS256), kid2);
  char *j = jwks_of(ks);
  assert_int_equal(jwks_has(j, kid1), 1);
  assert_int_equal(jwks_has(j, kid2), 1);
  /* The active key comes first. */
  json_t *root = json_loads(j, 0, NULL);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(json_object_get(root, "keys"), 0), "kid")),
      kid2);
  json_decref(root);
  free(j);
  /* New tokens use the new key; the old token still verifies. */
  p = claims(T0 + 3600, T0 + 3600, T0 + 3600 + life, URL);
  char *new_tok = sign(ks, VOUCH_JWS_RS256, p);
  free(p);
  vouch_jws parsed;
  assert_int_equal(vouch_jws_parse(new_tok, strlen(new_tok), &parsed, NULL), VOUCH_OK);
  assert_string_equal(parsed.kid, kid2);
  vouch_jws_free(&parsed);
  assert_int_equal(verify_with(old_tok, ks, NULL, T0 + 3700, NULL, &err), VOUCH_OK);
  assert_int_equal(verify_with(new_tok, ks, NULL, T0 + 3700, NULL, &err), VOUCH_OK);
  vouch_keystore_close(ks);

  /* Just before retired_at + lifetime the old key is still published... */
  ks = open_at(dir, T0 + 3600 + life - 1, URL);
  j = jwks_of(ks);
  assert_int_equal(jwks_has(j, kid1), 1);
  free(j);
  vouch_keystore_close(ks);
  /* ...at it, it is gone, and a token naming it is an unknown kid. */
  ks = open_at(dir, T0 + 3600 + life, URL);
  j = jwks_of(ks);
  assert_int_equal(jwks_has(j, kid1), 0);
  assert_int_equal(jwks_has(j, kid2), 1);
  assert_int_equal(jwks_size(j), 1);
  free(j);
  assert_int_equal(verify_with(old_tok, ks, NULL, T0 + 1000, NULL, &err), VOUCH_E_SIGNATURE);
  assert_non_null(strstr(err.msg, "unknown kid"));
  /* Its files stay until the next rotation, which deletes them. */
  assert_int_equal(count_files(keys, ".key.pem"), 2);
  assert_int_equal(vouch_keystore_rotate(ks, VOUCH_JWS_RS256, NULL, &err), VOUCH_OK);
  assert_int_equal(count_files(keys, ".key.pem"), 2); /* kid2 (retired now) and kid3 */
  assert_int_equal(count_files(keys, ".cert.pem"), 2);
  vouch_keystore_close(ks);
  ks = open_at(dir, T0 + 3600 + life, URL);
  j = jwks_of(ks);
  assert_int_equal(jwks_size(j), 2);
  assert_int_equal(jwks_has(j, kid1), 0);
  free(j);
  vouch_keystore_close(ks);
  /* Rotating an alg with no key yet just makes one. */
  ks = open_at(dir, T0, URL);
  assert_int_equal(vouch_keystore_rotate(ks, VOUCH_JWS_EDDSA, &nk, &err), VOUCH_OK);
  assert_string_equal(kid_of(ks, VOUCH_JWS_EDDSA), nk);
  vouch_keystore_close(ks);
  free(old_tok);
  free(new_tok);
}

/* Another process's rotation is seen by a store opened after it, and a
 * rotation in a store opened before it keeps the other's keys. */
static void test_two_handles(void **state) {
  fixture *f = *state;
  char dir[128];
  sub(f, "two", dir, sizeof(dir));
  struct vouch_keystore *a = open_at(dir, T0, URL), *b = open_at(dir, T0, URL);
  char ka[48];
  snprintf(ka, sizeof(ka), "%s", kid_of(a, VOUCH_JWS_ES256));
  /* b had no ES256 key when opened: first use re-reads the index and
   * finds a's instead of making a second one. */
  assert_string_equal(kid_of(b, VOUCH_JWS_ES256), ka);
  vouch_err err = {0};
  assert_int_equal(vouch_keystore_rotate(b, VOUCH_JWS_RS256, NULL, &err), VOUCH_OK);
  assert_int_equal(vouch_keystore_rotate(a, VOUCH_JWS_EDDSA, NULL, &err), VOUCH_OK);
  vouch_keystore_close(a);
  vouch_keystore_close(b);
  struct vouch_keystore *c = open_at(dir, T0, URL);
  assert_int_equal(vouch_keystore_algs(c, NULL, 0), 3);
  vouch_keystore_close(c);
}

/* ---- issuance and the documents ---------------------------------------------------- */

static void test_sign_verify_every_alg(void **state) {
  fixture *f = *state;
  char dir[128];
  sub(f, "sv", dir, sizeof(dir));
  struct vouch_keystore *ks = open_at(dir, T0, URL);
  for (size_t i = 0; i < NUM_ALGS; i++) assert_non_null(kid_of(ks, kAlgs[i]));
  char *jwks = jwks_of(ks);
  struct vouch_jwks *parsed_jwks = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_jwks_parse(jwks, strlen(jwks), &parsed_jwks, &err), VOUCH_OK);
  assert_int_equal(vouch_jwks_count(parsed_jwks), NUM_ALGS);
  char *p = claims(T0, T0, T0 + 600, URL);
  for (size_t i = 0; i < NUM_ALGS; i++) {
    vouch_jws_alg alg = kAlgs[i];
    char *tok = sign(ks, alg, p);
    /* The header, byte for byte, as the real service sends it. */
    char want[256];
    snprintf(want, sizeof(want),
             "{\"alg\":\"%s\",\"jku\":\"" URL "/certs\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
             vouch_jws_alg_name(alg), kid_of(ks, alg));
    vouch_jws j;
    assert_int_equal(vouch_jws_parse(tok, strlen(tok), &j, &err), VOUCH_OK);
    assert_string_equal(j.header, want);
    assert_string_equal((const char *)j.payload, p);
    vouch_jws_free(&j);
    /* Verified against the store, the JWKS text, and the parsed JWKS. */
    vouch_buf out;
    vouch_buf_init(&out, 0);
    vouch_token_verify_opts o;
    vouch_token_verify_opts_default(&o);
    assert_int_equal(o.skew_s, 60);
    o.now = T0 + 10;
    o.issuer = URL;
    o.keystore = ks;
    assert_int_equal(vouch_token_verify(tok, strlen(tok), &o, &out, &err), VOUCH_OK);
    assert_string_equal(vouch_buf_cstr(&out), p);
    o.keystore = NULL;
    o.jwks_json = jwks;
    o.jwks_len = strlen(jwks);
    assert_int_equal(vouch_token_verify(tok, strlen(tok), &o, NULL, &err), VOUCH_OK);
    o.jwks_json = NULL;
    o.jwks = parsed_jwks;
    assert_int_equal(vouch_token_verify(tok, strlen(tok), &o, NULL, &err), VOUCH_OK);
    /* An allow-list without the alg refuses it. */
    vouch_jws_alg only = alg == VOUCH_JWS_RS256 ? VOUCH_JWS_ES256 : VOUCH_JWS_RS256;
    o.allowed_algs = &only;
    o.num_allowed_algs = 1;
    err = (vouch_err){0};
    assert_int_equal(vouch_token_verify(tok, strlen(tok), &o, NULL, &err), VOUCH_E_SIGNATURE);
    assert_non_null(strstr(err.msg, "is not allowed"));
    vouch_buf_free(&out);
    free(tok);
  }
  free(p);
  vouch_jwks_free(parsed_jwks);
  /* JWKS entries: kid, kty, the key numbers, alg, use, x5c. */
  json_t *root = json_loads(jwks, 0, NULL);
  json_t *k;
  size_t i;
  json_array_foreach(json_object_get(root, "keys"), i, k) {
    const char *kty = json_string_value(json_object_get(k, "kty"));
    assert_non_null(kty);
    assert_string_equal(json_string_value(json_object_get(k, "use")), "sig");
    assert_int_equal(json_array_size(json_object_get(k, "x5c")), 1);
    assert_int_equal(strlen(json_string_value(json_object_get(k, "kid"))), 44);
    if (strcmp(kty, "RSA") == 0) {
      assert_string_equal(json_string_value(json_object_get(k, "e")), "AQAB");
      assert_int_equal(strlen(json_string_value(json_object_get(k, "n"))), 342);
    } else if (strcmp(kty, "EC") == 0) {
      assert_non_null(json_object_get(k, "y"));
    } else {
      assert_string_equal(kty, "OKP");
      assert_string_equal(json_string_value(json_object_get(k, "crv")), "Ed25519");
    }
  }
  json_decref(root);
  free(jwks);
  vouch_keystore_close(ks);
}

static void test_header_without_public_url(void **state) {
  fixture *f = *state;
  char dir[128];
  sub(f, "nourl", dir, sizeof(dir));
  struct vouch_keystore *ks = open_at(dir, T0, NULL);
  char *p = claims(T0, T0, T0 + 60, "x");
  char *tok = sign(ks, VOUCH_JWS_ES256, p);
  vouch_jws j;
  assert_int_equal(vouch_jws_parse(tok, strlen(tok), &j, NULL), VOUCH_OK);
  char want[160];
  snprintf(want, sizeof(want), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"JWT\"}", j.kid);
  assert_string_equal(j.header, want);
  vouch_jws_free(&j);
  const struct vouch_cert *cert = NULL;
  assert_int_equal(vouch_keystore_signer(ks, VOUCH_JWS_ES256, NULL, NULL, &cert, NULL), VOUCH_OK);
  char cn[64];
  vouch_cert_subject_cn(cert, cn, sizeof(cn));
  assert_string_equal(cn, "vouch");
  free(p);
  free(tok);
  vouch_keystore_close(ks);
}

static void test_openid_metadata(void **state) {
  (void)state;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_jws_alg algs[] = {VOUCH_JWS_RS256, VOUCH_JWS_ES256};
  assert_int_equal(vouch_openid_metadata(URL "/", algs, 2, &b), VOUCH_OK);
  json_t *m = json_loads(b.data, 0, NULL);
  assert_non_null(m);
  assert_string_equal(json_string_value(json_object_get(m, "issuer")), URL);
  assert_string_equal(json_string_value(json_object_get(m, "jwks_uri")), URL "/certs");
  assert_string_equal(json_string_value(json_object_get(m, "revocation_endpoint")), URL "/revoke");
  json_t *a = json_object_get(m, "id_token_signing_alg_values_supported");
  assert_int_equal(json_array_size(a), 2);
  assert_string_equal(json_string_value(json_array_get(a, 1)), "ES256");
  json_t *r = json_object_get(m, "response_types_supported");
  assert_string_equal(json_string_value(json_array_get(r, 0)), "token");
  assert_int_equal(json_array_size(json_object_get(m, "claims_supported")), 9);
  json_decref(m);
  vouch_buf_free(&b);
  assert_int_equal(vouch_openid_metadata("", algs, 2, &b), VOUCH_E_ARG);
}

/* ---- rejections ------------------------------------------------------------------------ */

static void expect(vouch_status got, vouch_status want, const vouch_err *err, const char *words) {
  if (got != want || strstr(err->msg, words) == NULL) {
    fail_msg("got %s '%s', want %s with '%s'", vouch_status_name(got), err->msg,
             vouch_status_name(want), words);
  }
}

static void test_rejections(void **state) {
  fixture *f = *state;
  char dir[128], dir2[128];
  sub(f, "rej", dir, sizeof(dir));
  sub(f, "rej2", dir2, sizeof(dir2));
  struct vouch_keystore *ks = open_at(dir, T0, URL), *other = open_at(dir2, T0, URL);
  char *p = claims(T0, T0, T0 + 600, URL);
  char *tok = sign(ks, VOUCH_JWS_ES256, p);
  char *jwks = jwks_of(ks);
  vouch_err err;

  /* Tampered payload: same header and signature, other claims. */
  char *evil = b64url("{\"iss\":\"" URL "\",\"exp\":9999999999,\"x-ms-sgx-is-debuggable\":false}");
  char *dot1 = strchr(tok, '.'), *dot2 = strrchr(tok, '.');
  size_t n = strlen(tok) + strlen(evil) + 1;
  char *t2 = malloc(n);
  snprintf(t2, n, "%.*s.%s%s", (int)(dot1 - tok), tok, evil, dot2);
  expect(verify_with(t2, NULL, jwks, T0, NULL, &err), VOUCH_E_SIGNATURE, &err, "does not verify");
  free(t2);
  free(evil);

  /* Wrong key: the other store's JWKS does not know the kid... */
  char *jwks2 = jwks_of(other);
  (void)kid_of(other, VOUCH_JWS_ES256);
  free(jwks2);
  jwks2 = jwks_of(other);
  expect(verify_with(tok, NULL, jwks2, T0, NULL, &err), VOUCH_E_SIGNATURE, &err, "unknown kid");
  /* ...and with our kid pasted onto its key, the signature fails. */
  json_t *root = json_loads(jwks2, 0, NULL);
  vouch_jws parsed;
  assert_int_equal(vouch_jws_parse(tok, strlen(tok), &parsed, NULL), VOUCH_OK);
  json_t *entry = json_array_get(json_object_get(root, "keys"), 0);
  json_object_set_new(entry, "kid", json_string(parsed.kid));
  char *forged = json_dumps(root, JSON_COMPACT);
  expect(verify_with(tok, NULL, forged, T0, NULL, &err), VOUCH_E_SIGNATURE, &err,
         "does not verify");
  /* A JWKS entry whose alg differs from the token's. */
  json_object_set_new(entry, "alg", json_string("ES384"));
  free(forged);
  forged = json_dumps(root, JSON_COMPACT);
  expect(verify_with(tok, NULL, forged, T0, NULL, &err), VOUCH_E_SIGNATURE, &err,
         "is published for ES384");
  /* An entry whose x5c and n/e disagree is unusable, and says why. */
  json_t *mine = json_loads(jwks, 0, NULL);
  json_object_set(entry, "x5c",
                  json_object_get(json_array_get(json_object_get(mine, "keys"), 0), "x5c"));
  json_object_set_new(entry, "alg", json_string("ES256"));
  free(forged);
  forged = json_dumps(root, JSON_COMPACT);
  expect(verify_with(tok, NULL, forged, T0, NULL, &err), VOUCH_E_SIGNATURE, &err, "different keys");
  json_decref(mine);
  free(forged);
  json_decref(root);
  vouch_jws_free(&parsed);
  free(jwks2);

  /* alg none, even with a kid the JWKS knows. */
  char hdr[160];
  assert_int_equal(vouch_jws_parse(tok, strlen(tok), &parsed, NULL), VOUCH_OK);
  snprintf(hdr, sizeof(hdr), "{\"alg\":\"none\",\"kid\":\"%s\",\"typ\":\"JWT\"}", parsed.kid);
  vouch_jws_free(&parsed);
  vouch_buf nb;
  vouch_buf_init(&nb, 0);
  assert_int_equal(vouch_jws_unsigned_compact(hdr, strlen(hdr), (const uint8_t *)p, strlen(p), &nb),
                   VOUCH_OK);
  expect(verify_with(nb.data, NULL, jwks, T0, NULL, &err), VOUCH_E_SIGNATURE, &err,
         "unsigned tokens");
  vouch_buf_free(&nb);

  /* Expired: rejected past exp + skew, accepted within the skew. */
  expect(verify_with(tok, NULL, jwks, T0 + 600 + 60, NULL, &err), VOUCH_E_EXPIRED, &err,
         "token expired at 2026-11-18T11:16:40Z (now 2026-11-18T11:17:40Z, skew 60 s)");
  assert_int_equal(verify_with(tok, NULL, jwks, T0 + 600 + 59, NULL, &err), VOUCH_OK);
  /* nbf in the future, beyond the skew. */
  char *future = claims(T0, T0 + 3600, T0 + 7200, URL);
  char *ftok = sign(ks, VOUCH_JWS_ES256, future);
  expect(verify_with(ftok, NULL, jwks, T0, NULL, &err), VOUCH_E_NOT_YET_VALID, &err,
         "not valid before");
  assert_int_equal(verify_with(ftok, NULL, jwks, T0 + 3600 - 60, NULL, &err), VOUCH_OK);
  free(future);
  free(ftok);
  /* Extreme NumericDates neither overflow nor pass. */
  char *lo = sign(ks, VOUCH_JWS_ES256, "{\"exp\":-9223372036854775808}");
  expect(verify_with(lo, NULL, jwks, T0, NULL, &err), VOUCH_E_EXPIRED, &err, "expired");
  free(lo);
  char *hi = sign(ks, VOUCH_JWS_ES256,
                  "{\"exp\":9223372036854775807,\"nbf\":9223372036854775807}");
  expect(verify_with(hi, NULL, jwks, T0, NULL, &err), VOUCH_E_NOT_YET_VALID, &err,
         "not valid before");
  free(hi);
  char *real = sign(ks, VOUCH_JWS_ES256, "{\"exp\":1e300}");
  expect(verify_with(real, NULL, jwks, T0, NULL, &err), VOUCH_E_MALFORMED, &err, "NumericDate");
  free(real);
  char *frac = sign(ks, VOUCH_JWS_ES256, "{\"exp\":1795000100.75}");
  assert_int_equal(verify_with(frac, NULL, jwks, T0, NULL, &err), VOUCH_OK);
  free(frac);
  /* No exp at all. */
  char *noexp = sign(ks, VOUCH_JWS_ES256, "{\"iss\":\"x\"}");
  expect(verify_with(noexp, NULL, jwks, T0, NULL, &err), VOUCH_E_MALFORMED, &err, "no exp");
  free(noexp);
  /* A payload that is not an object. */
  char *arr = sign(ks, VOUCH_JWS_ES256, "[1,2]");
  expect(verify_with(arr, NULL, jwks, T0, NULL, &err), VOUCH_E_JSON, &err, "not a JSON object");
  free(arr);
  /* Issuer. */
  expect(verify_with(tok, NULL, jwks, T0, "https://evil.example", &err), VOUCH_E_IDENTITY_MISMATCH,
         &err, "is not the expected");
  assert_int_equal(verify_with(tok, NULL, jwks, T0, URL, &err), VOUCH_OK);
  /* No kid in the header. */
  vouch_buf nk;
  vouch_buf_init(&nk, 0);
  const struct vouch_signer *s = NULL;
  assert_int_equal(vouch_keystore_signer(ks, VOUCH_JWS_ES256, &s, NULL, NULL, NULL), VOUCH_OK);
  assert_int_equal(
      vouch_jws_sign_compact(s, "{\"alg\":\"ES256\"}", 15, (const uint8_t *)p, strlen(p), &nk),
      VOUCH_OK);
  expect(verify_with(nk.data, NULL, jwks, T0, NULL, &err), VOUCH_E_SIGNATURE, &err, "no kid");
  vouch_buf_free(&nk);
  /* Broken JWKS documents. */
  expect(verify_with(tok, NULL, "{\"nokeys\":1}", T0, NULL, &err), VOUCH_E_MALFORMED, &err,
         "no \"keys\" array");
  expect(verify_with(tok, NULL, "{", T0, NULL, &err), VOUCH_E_JSON, &err, "jwks: not JSON");
  /* Exactly one key source. */
  vouch_token_verify_opts o;
  vouch_token_verify_opts_default(&o);
  err = (vouch_err){0};
  assert_int_equal(vouch_token_verify(tok, strlen(tok), &o, NULL, &err), VOUCH_E_ARG);
  free(p);
  free(tok);
  free(jwks);
  vouch_keystore_close(ks);
  vouch_keystore_close(other);
}

/* ---- external keys ---------------------------------------------------------------------- */

static void test_external_key(void **state) {
  fixture *f = *state;
  char dir[128], keys[160];
  sub(f, "ext", dir, sizeof(dir));
  snprintf(keys, sizeof(keys), "%s/keys", dir);
  struct vouch_keystore *ks = open_at(dir, T0, URL);
  struct vouch_signer *mine = NULL;
  assert_int_equal(vouch_signer_generate(VOUCH_JWS_ES256, &mine), VOUCH_OK);
  vouch_buf pem;
  vouch_buf_init(&pem, 0);
  assert_int_equal(vouch_signer_to_pem(mine, &pem), VOUCH_OK);
  vouch_err err = {0};
  /* The alg follows from the key type; a self-signed certificate is made. */
  assert_int_equal(
      vouch_keystore_add_external(ks, pem.data, pem.len, NULL, 0, VOUCH_JWS_NONE, &err), VOUCH_OK);
  const struct vouch_signer *s = NULL;
  const struct vouch_cert *cert = NULL;
  const char *kid = NULL;
  assert_int_equal(vouch_keystore_signer(ks, VOUCH_JWS_ES256, &s, &kid, &cert, &err), VOUCH_OK);
  struct vouch_pubkey *ck = NULL;
  assert_int_equal(vouch_cert_pubkey(cert, &ck), VOUCH_OK);
  uint8_t *d1, *d2;
  size_t l1, l2;
  assert_int_equal(vouch_pubkey_spki_der(ck, &d1, &l1), VOUCH_OK);
  assert_int_equal(vouch_pubkey_spki_der(vouch_signer_pubkey(mine), &d2, &l2), VOUCH_OK);
  assert_int_equal(l1, l2);
  assert_memory_equal(d1, d2, l1);
  free(d1);
  free(d2);
  vouch_pubkey_free(ck);
  /* Nothing was written. */
  assert_int_equal(count_files(keys, ".key.pem"), 0);
  /* Its tokens verify with the JWKS, which lists it. */
  char *p = claims(T0, T0, T0 + 60, URL);
  char *tok = sign(ks, VOUCH_JWS_ES256, p);
  char *jwks = jwks_of(ks);
  assert_int_equal(jwks_has(jwks, kid), 1);
  assert_int_equal(verify_with(tok, NULL, jwks, T0, NULL, &err), VOUCH_OK);
  free(jwks);
  free(tok);
  /* With a certificate: it must be this key's. */
  struct vouch_cert *c = NULL;
  assert_int_equal(vouch_signer_self_signed_cert(mine, "mine", T0, T0 + 86400, &c), VOUCH_OK);
  size_t der_len;
  const uint8_t *der = vouch_cert_der(c, &der_len);
  vouch_buf cpem;
  vouch_buf_init(&cpem, 0);
  vouch_buf_puts(&cpem, "-----BEGIN CERTIFICATE-----\n");
  vouch_base64_encode(&cpem, der, der_len);
  vouch_buf_puts(&cpem, "\n-----END CERTIFICATE-----\n");
  assert_int_equal(vouch_keystore_add_external(ks, pem.data, pem.len, cpem.data, cpem.len,
                                               VOUCH_JWS_ES256, &err),
                   VOUCH_OK);
  assert_int_equal(vouch_keystore_signer(ks, VOUCH_JWS_ES256, NULL, NULL, &cert, &err), VOUCH_OK);
  assert_true(vouch_cert_equal(cert, c));
  struct vouch_signer *stranger = NULL;
  assert_int_equal(vouch_signer_generate(VOUCH_JWS_ES256, &stranger), VOUCH_OK);
  vouch_buf spem;
  vouch_buf_init(&spem, 0);
  assert_int_equal(vouch_signer_to_pem(stranger, &spem), VOUCH_OK);
  err = (vouch_err){0};
  assert_int_equal(vouch_keystore_add_external(ks, spem.data, spem.len, cpem.data, cpem.len,
                                               VOUCH_JWS_NONE, &err),
                   VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "not for the signing key"));
  /* An RSA key asked to be ES256. */
  struct vouch_signer *rsa = NULL;
  assert_int_equal(vouch_signer_generate(VOUCH_JWS_RS256, &rsa), VOUCH_OK);
  vouch_buf rpem;
  vouch_buf_init(&rpem, 0);
  assert_int_equal(vouch_signer_to_pem(rsa, &rpem), VOUCH_OK);
  err = (vouch_err){0};
  assert_int_equal(
      vouch_keystore_add_external(ks, rpem.data, rpem.len, NULL, 0, VOUCH_JWS_ES256, &err),
      VOUCH_E_UNSUPPORTED);
  assert_int_equal(
      vouch_keystore_add_external(ks, rpem.data, rpem.len, NULL, 0, VOUCH_JWS_NONE, &err),
      VOUCH_OK);
  assert_non_null(kid_of(ks, VOUCH_JWS_RS256));
  assert_int_equal(count_files(keys, ".key.pem"), 0);
  vouch_buf_free(&rpem);
  vouch_buf_free(&spem);
  vouch_buf_free(&cpem);
  vouch_buf_free(&pem);
  vouch_signer_free(rsa);
  vouch_signer_free(stranger);
  vouch_signer_free(mine);
  vouch_cert_free(c);
  free(p);
  vouch_keystore_close(ks);
}

/* ---- threads --------------------------------------------------------------------------- */

typedef struct {
  struct vouch_keystore *ks;
  const char *kid;
  int ok;
} first_use_job;

static void *first_use(void *arg) {
  first_use_job *job = arg;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  const char *p = "{\"exp\":9999999999}";
  for (int i = 0; i < 20; i++) {
    vouch_buf_reset(&b);
    if (vouch_token_sign(job->ks, VOUCH_JWS_ES256, (const uint8_t *)p, strlen(p), &b, NULL) ==
        VOUCH_OK) {
      job->ok++;
    }
  }
  if (vouch_keystore_signer(job->ks, VOUCH_JWS_ES256, NULL, &job->kid, NULL, NULL) != VOUCH_OK) {
    job->ok = -1;
  }
  vouch_buf_free(&b);
  return NULL;
}

static void test_concurrent_first_use(void **state) {
  fixture *f = *state;
  char dir[128], keys[160];
  sub(f, "thr", dir, sizeof(dir));
  snprintf(keys, sizeof(keys), "%s/keys", dir);
  struct vouch_keystore *ks = open_at(dir, 0, URL);
  enum { kThreads = 4 };
  pthread_t t[kThreads];
  first_use_job jobs[kThreads];
  for (int i = 0; i < kThreads; i++) {
    jobs[i] = (first_use_job){.ks = ks};
    assert_int_equal(pthread_create(&t[i], NULL, first_use, &jobs[i]), 0);
  }
  for (int i = 0; i < kThreads; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(jobs[i].ok, 20);
    assert_string_equal(jobs[i].kid, jobs[0].kid);
  }
  assert_int_equal(count_files(keys, ".key.pem"), 1);
  vouch_keystore_close(ks);
}

static void test_default_state_dir(void **state) {
  (void)state;
  char buf[256];
  char *saved[3];
  const char *names[3] = {"VOUCH_STATE_DIR", "XDG_DATA_HOME", "HOME"};
  for (int i = 0; i < 3; i++) saved[i] = getenv(names[i]) ? strdup(getenv(names[i])) : NULL;
  setenv("VOUCH_STATE_DIR", "/srv/vouch", 1);
  setenv("XDG_DATA_HOME", "/x/data", 1);
  setenv("HOME", "/home/u", 1);
  assert_int_equal(vouch_default_state_dir(buf, sizeof(buf), NULL), VOUCH_OK);
  assert_string_equal(buf, "/srv/vouch");
  unsetenv("VOUCH_STATE_DIR");
  assert_int_equal(vouch_default_state_dir(buf, sizeof(buf), NULL), VOUCH_OK);
  assert_string_equal(buf, "/x/data/vouch");
  setenv("XDG_DATA_HOME", "relative/ignored", 1);
  assert_int_equal(vouch_default_state_dir(buf, sizeof(buf), NULL), VOUCH_OK);
  assert_string_equal(buf, "/home/u/.local/share/vouch");
  unsetenv("XDG_DATA_HOME");
  unsetenv("HOME");
  vouch_err err = {0};
  assert_int_equal(vouch_default_state_dir(buf, sizeof(buf), &err), VOUCH_E_ARG);
  assert_non_null(strstr(err.msg, "--state-dir"));
  setenv("HOME", "/home/u", 1);
  assert_int_equal(vouch_default_state_dir(buf, 8, NULL), VOUCH_E_LIMIT);
  for (int i = 0; i < 3; i++) {
    if (saved[i])
      setenv(names[i], saved[i], 1);
    else
      unsetenv(names[i]);
    free(saved[i]);
  }
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup_dir, teardown_dir)
  const struct CMUnitTest tests[] = {
      T(test_store_files_and_modes),
      T(test_kid_stable_across_reopen),
      T(test_tampered_store_refused),
      T(test_rotation_window),
      T(test_two_handles),
      T(test_sign_verify_every_alg),
      T(test_header_without_public_url),
      cmocka_unit_test(test_openid_metadata),
      T(test_rejections),
      T(test_external_key),
      T(test_concurrent_first_use),
      cmocka_unit_test(test_default_state_dir),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
