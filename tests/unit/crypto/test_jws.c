/* tests/unit/crypto/test_jws.c - JOSE: signers for every alg, compact
 * signing and parsing round trips, one-bit flips anywhere, wrong keys,
 * malformed inputs with their messages, x5c and jwk headers, PEM import
 * and export, the self-signed certificate, concurrent signing. */
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_test_util.h"

static const vouch_jws_alg kAlgs[] = {VOUCH_JWS_RS256, VOUCH_JWS_PS256, VOUCH_JWS_ES256,
                                      VOUCH_JWS_ES384, VOUCH_JWS_EDDSA};
#define NUM_ALGS (sizeof(kAlgs) / sizeof(kAlgs[0]))
static const char kPayload[] = "{\"iss\":\"https://vouch.test\",\"exp\":1900000000,\"n\":42}";

/* Keys are slow to make (RSA); make one per alg for the whole file. */
static struct vouch_signer *g_signers[VOUCH_JWS_ALG_COUNT];
static struct vouch_signer *g_other[VOUCH_JWS_ALG_COUNT];

static int setup(void **state) {
  (void)state;
  for (size_t i = 0; i < NUM_ALGS; i++) {
    if (vouch_signer_generate(kAlgs[i], &g_signers[kAlgs[i]]) != VOUCH_OK) return -1;
    if (vouch_signer_generate(kAlgs[i], &g_other[kAlgs[i]]) != VOUCH_OK) return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int a = 0; a < VOUCH_JWS_ALG_COUNT; a++) {
    vouch_signer_free(g_signers[a]);
    vouch_signer_free(g_other[a]);
  }
  return 0;
}

/* header_for writes {"alg":ALG,"kid":"k-1","typ":"JWT"}. */
static void header_for(vouch_jws_alg alg, char *out, size_t cap) {
  snprintf(out, cap, "{\"alg\":\"%s\",\"kid\":\"k-1\",\"typ\":\"JWT\"}", vouch_jws_alg_name(alg));
}

/* make_token signs kPayload with the alg's signer into a malloc'd string. */
static char *make_token(vouch_jws_alg alg, const char *header) {
  char h[128];
  if (header == NULL) {
    header_for(alg, h, sizeof(h));
    header = h;
  }
  vouch_buf b;
  vouch_buf_init(&b, 0);
  assert_int_equal(vouch_jws_sign_compact(g_signers[alg], header, strlen(header),
                                          (const uint8_t *)kPayload, strlen(kPayload), &b),
                   VOUCH_OK);
  return b.data;
}

/* b64url_str encodes |data| into a malloc'd string. */
static char *b64url_str(const void *data, size_t len) {
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_base64url_encode(&b, data, len);
  vouch_buf_putc(&b, '\0');
  assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
  return b.data;
}

/* parse_fails parses |s| expecting |code| and |words| in the message. */
static void parse_fails(const char *s, vouch_status code, const char *words) {
  vouch_jws j;
  vouch_err err = {0};
  vouch_status st = vouch_jws_parse(s, strlen(s), &j, &err);
  if (st != code || strstr(err.msg, words) == NULL) {
    fail_msg("parse of '%.60s': got %s '%s', want %s with '%s'", s, vouch_status_name(st), err.msg,
             vouch_status_name(code), words);
  }
  /* Nothing to free after a failure, but freeing must be harmless. */
  vouch_jws_free(&j);
}

static void test_alg_names(void **state) {
  (void)state;
  static const char *const kNames[] = {"none", "RS256", "PS256", "ES256", "ES384", "EdDSA"};
  for (int a = 0; a < VOUCH_JWS_ALG_COUNT; a++) {
    assert_string_equal(vouch_jws_alg_name((vouch_jws_alg)a), kNames[a]);
    vouch_jws_alg got;
    assert_int_equal(vouch_jws_alg_from_name(kNames[a], strlen(kNames[a]), &got), VOUCH_OK);
    assert_int_equal(got, a);
  }
  vouch_jws_alg got;
  for (const char *const *bad =
           (const char *const[]){"rs256", "RSA256", "HS256", "EDDSA", "ES25", "", NULL};
       *bad; bad++) {
    assert_int_equal(vouch_jws_alg_from_name(*bad, strlen(*bad), &got), VOUCH_E_UNSUPPORTED);
  }
  /* Length-bounded: "RS256x" with len 5 is RS256. */
  assert_int_equal(vouch_jws_alg_from_name("RS256x", 5, &got), VOUCH_OK);
  assert_string_equal(vouch_jws_alg_name((vouch_jws_alg)99), "?");
}

static void test_round_trip_every_alg(void **state) {
  (void)state;
  static const size_t kSigLen[VOUCH_JWS_ALG_COUNT] = {[VOUCH_JWS_RS256] = 256,
                                                      [VOUCH_JWS_PS256] = 256,
                                                      [VOUCH_JWS_ES256] = 64,
                                                      [VOUCH_JWS_ES384] = 96,
                                                      [VOUCH_JWS_EDDSA] = 64};
  for (size_t i = 0; i < NUM_ALGS; i++) {
    vouch_jws_alg alg = kAlgs[i];
    assert_int_equal(vouch_signer_alg(g_signers[alg]), alg);
    char *tok = make_token(alg, NULL);
    /* Three parts, no padding. */
    assert_null(strchr(tok, '='));
    vouch_jws j;
    vouch_err err = {0};
    assert_int_equal(vouch_jws_parse(tok, strlen(tok), &j, &err), VOUCH_OK);
    assert_int_equal(j.alg, alg);
    assert_string_equal(j.kid, "k-1");
    assert_string_equal(j.typ, "JWT");
    assert_int_equal(j.payload_len, strlen(kPayload));
    assert_memory_equal(j.payload, kPayload, j.payload_len);
    assert_int_equal(j.sig_len, kSigLen[alg]);
    assert_int_equal(j.num_x5c, 0);
    assert_false(j.has_jwk);
    assert_ptr_equal(j.signing_input, tok);
    assert_int_equal(j.signing_input_len, (size_t)(strrchr(tok, '.') - tok));
    assert_int_equal(vouch_jws_verify(&j, vouch_signer_pubkey(g_signers[alg]), &err), VOUCH_OK);
    /* Another key of the same kind does not verify it. */
    err = (vouch_err){0};
    assert_int_equal(vouch_jws_verify(&j, vouch_signer_pubkey(g_other[alg]), &err),
                     VOUCH_E_SIGNATURE);
    assert_non_null(strstr(err.msg, "does not verify"));
    vouch_jws_free(&j);
    free(tok);
  }
}

/* The raw signature API: ECDSA as r||s that vouch_ecdsa_verify_rs takes. */
static void test_signer_sign_raw(void **state) {
  (void)state;
  static const uint8_t kMsg[] = "abc.def";
  vouch_buf sig;
  vouch_buf_init(&sig, 0);
  assert_int_equal(vouch_signer_sign(g_signers[VOUCH_JWS_ES256], kMsg, 7, &sig), VOUCH_OK);
  assert_int_equal(sig.len, 64);
  assert_int_equal(vouch_ecdsa_verify_rs(vouch_signer_pubkey(g_signers[VOUCH_JWS_ES256]),
                                         VOUCH_HASH_SHA256, kMsg, 7, (uint8_t *)sig.data, 64),
                   VOUCH_OK);
  vouch_buf_reset(&sig);
  assert_int_equal(vouch_signer_sign(g_signers[VOUCH_JWS_ES384], kMsg, 7, &sig), VOUCH_OK);
  assert_int_equal(sig.len, 96);
  assert_int_equal(vouch_ecdsa_verify_rs(vouch_signer_pubkey(g_signers[VOUCH_JWS_ES384]),
                                         VOUCH_HASH_SHA384, kMsg, 7, (uint8_t *)sig.data, 96),
                   VOUCH_OK);
  vouch_buf_reset(&sig);
  assert_int_equal(vouch_signer_sign(g_signers[VOUCH_JWS_PS256], kMsg, 7, &sig), VOUCH_OK);
  assert_int_equal(
      vouch_verify_sig(vouch_signer_pubkey(g_signers[VOUCH_JWS_PS256]), VOUCH_SIG_RSA_PSS,
                       VOUCH_HASH_SHA256, 32, kMsg, 7, (uint8_t *)sig.data, sig.len),
      VOUCH_OK);
  /* An empty message is signable. */
  vouch_buf_reset(&sig);
  assert_int_equal(vouch_signer_sign(g_signers[VOUCH_JWS_EDDSA], NULL, 0, &sig), VOUCH_OK);
  assert_int_equal(sig.len, 64);
  vouch_buf_free(&sig);
}

/* reassemble joins three parts with dots (malloc'd). */
static char *reassemble(const char *h, const char *p, const char *s) {
  size_t n = strlen(h) + strlen(p) + strlen(s) + 3;
  char *out = malloc(n);
  assert_non_null(out);
  snprintf(out, n, "%s.%s.%s", h, p, s);
  return out;
}

/* decode_part decodes part |idx| of |tok| (malloc'd, *len set). */
static uint8_t *decode_part(const char *tok, int idx, size_t *len) {
  const char *start = tok;
  for (int i = 0; i < idx; i++) start = strchr(start, '.') + 1;
  size_t n = strcspn(start, ".");
  uint8_t *out = malloc(n + 4);
  assert_non_null(out);
  assert_int_equal(vouch_base64_decode(start, n, out, n + 4, len), VOUCH_OK);
  return out;
}

/* Every single-bit flip of the decoded header, payload or signature makes
 * the token fail: to parse, or to verify. */
static void test_bit_flips(void **state) {
  (void)state;
  for (size_t i = 0; i < NUM_ALGS; i++) {
    vouch_jws_alg alg = kAlgs[i];
    char *tok = make_token(alg, NULL);
    size_t lens[3];
    uint8_t *parts[3];
    for (int p = 0; p < 3; p++) parts[p] = decode_part(tok, p, &lens[p]);
    for (int p = 0; p < 3; p++) {
      /* Signatures are long: flip one bit in each byte, varying which. */
      for (size_t byte = 0; byte < lens[p]; byte++) {
        for (int bit = 0; bit < 8; bit++) {
          if (p == 2 && bit != (int)(byte % 8)) continue;
          parts[p][byte] ^= (uint8_t)(1u << bit);
          char *e[3];
          for (int q = 0; q < 3; q++) e[q] = b64url_str(parts[q], lens[q]);
          char *t2 = reassemble(e[0], e[1], e[2]);
          vouch_jws j;
          if (vouch_jws_parse(t2, strlen(t2), &j, NULL) == VOUCH_OK) {
            vouch_status st = vouch_jws_verify(&j, vouch_signer_pubkey(g_signers[alg]), NULL);
            if (st == VOUCH_OK) {
              fail_msg("%s: flip of bit %d of byte %zu of part %d verified",
                       vouch_jws_alg_name(alg), bit, byte, p);
            }
            vouch_jws_free(&j);
          }
          for (int q = 0; q < 3; q++) free(e[q]);
          free(t2);
          parts[p][byte] ^= (uint8_t)(1u << bit);
        }
      }
    }
    for (int p = 0; p < 3; p++) free(parts[p]);
    free(tok);
  }
}

/* A key of the wrong type or curve is a clean E_SIGNATURE naming both. */
static void test_wrong_key_type(void **state) {
  (void)state;
  char *tok = make_token(VOUCH_JWS_ES256, NULL);
  vouch_jws j;
  assert_int_equal(vouch_jws_parse(tok, strlen(tok), &j, NULL), VOUCH_OK);
  struct {
    vouch_jws_alg key;
    const char *words;
  } cases[] = {
      {VOUCH_JWS_RS256, "RSA-2048"}, {VOUCH_JWS_ES384, "secp384r1"}, {VOUCH_JWS_EDDSA, "Ed25519"}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    vouch_err err = {0};
    assert_int_equal(vouch_jws_verify(&j, vouch_signer_pubkey(g_signers[cases[i].key]), &err),
                     VOUCH_E_SIGNATURE);
    assert_non_null(strstr(err.msg, "wrong key type"));
    assert_non_null(strstr(err.msg, cases[i].words));
    assert_non_null(strstr(err.msg, "P-256"));
  }
  char why[128];
  assert_false(vouch_jws_key_fits(vouch_signer_pubkey(g_signers[VOUCH_JWS_ES256]), VOUCH_JWS_RS256,
                                  why, sizeof(why)));
  assert_true(vouch_jws_key_fits(vouch_signer_pubkey(g_signers[VOUCH_JWS_RS256]), VOUCH_JWS_PS256,
                                 NULL, 0));
  assert_false(vouch_jws_key_fits(vouch_signer_pubkey(g_signers[VOUCH_JWS_RS256]), VOUCH_JWS_NONE,
                                  why, sizeof(why)));
  vouch_jws_free(&j);
  free(tok);

  /* RS256 and PS256 with the same RSA key: a PKCS#1 signature relabelled
   * PS256 (or the reverse) fails. */
  char *rs = make_token(VOUCH_JWS_RS256, NULL);
  size_t hl, pl, sl;
  uint8_t *h = decode_part(rs, 0, &hl), *p = decode_part(rs, 1, &pl), *s = decode_part(rs, 2, &sl);
  (void)h;
  char hdr[128];
  header_for(VOUCH_JWS_PS256, hdr, sizeof(hdr));
  char *e0 = b64url_str(hdr, strlen(hdr)), *e1 = b64url_str(p, pl), *e2 = b64url_str(s, sl);
  char *t2 = reassemble(e0, e1, e2);
  assert_int_equal(vouch_jws_parse(t2, strlen(t2), &j, NULL), VOUCH_OK);
  assert_int_equal(j.alg, VOUCH_JWS_PS256);
  assert_int_equal(vouch_jws_verify(&j, vouch_signer_pubkey(g_signers[VOUCH_JWS_RS256]), NULL),
                   VOUCH_E_SIGNATURE);
  vouch_jws_free(&j);
  free(h);
  free(p);
  free(s);
  free(e0);
  free(e1);
  free(e2);
  free(t2);
  free(rs);
}

static void test_unsigned(void **state) {
  (void)state;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  const char *hdr = "{\"alg\":\"none\"}";
  assert_int_equal(vouch_jws_unsigned_compact(hdr, strlen(hdr), NULL, 0, &b), VOUCH_OK);
  /* The exact string the SDKs send for a policy reset (maa-api.md §5). */
  assert_string_equal(vouch_buf_cstr(&b), "eyJhbGciOiJub25lIn0..");
  vouch_jws j;
  vouch_err err = {0};
  assert_int_equal(vouch_jws_parse(b.data, b.len, &j, &err), VOUCH_OK);
  assert_int_equal(j.alg, VOUCH_JWS_NONE);
  assert_int_equal(j.sig_len, 0);
  assert_int_equal(j.payload_len, 0);
  assert_non_null(j.payload);
  assert_int_equal(vouch_jws_verify(&j, vouch_signer_pubkey(g_signers[VOUCH_JWS_RS256]), &err),
                   VOUCH_E_SIGNATURE);
  assert_non_null(strstr(err.msg, "unsigned token"));
  vouch_jws_free(&j);
  /* alg none with a signature is malformed. */
  parse_fails("eyJhbGciOiJub25lIn0.e30.AAAA", VOUCH_E_MALFORMED, "non-empty signature");
  vouch_buf_free(&b);
}

/* token_with_header signs kPayload (ES256) under an arbitrary header. */
static char *token_with_header(const char *header) {
  return make_token(VOUCH_JWS_ES256, header);
}

static void test_malformed(void **state) {
  (void)state;
  char *tok = make_token(VOUCH_JWS_ES256, NULL);
  size_t n = strlen(tok);
  char *buf = malloc(n + 16);
  assert_non_null(buf);

  parse_fails("", VOUCH_E_MALFORMED, "empty input");
  /* Truncated: two parts, one part. */
  memcpy(buf, tok, n + 1);
  *strrchr(buf, '.') = '\0';
  parse_fails(buf, VOUCH_E_MALFORMED, "2 parts");
  *strchr(buf, '.') = '\0';
  parse_fails(buf, VOUCH_E_MALFORMED, "1 part,");
  /* Four parts. */
  snprintf(buf, n + 16, "%s.AAAA", tok);
  parse_fails(buf, VOUCH_E_MALFORMED, "more than three");
  /* Padding, whitespace, the standard alphabet, other bytes. */
  snprintf(buf, n + 16, "%s==", tok);
  parse_fails(buf, VOUCH_E_BASE64, "padding '='");
  snprintf(buf, n + 16, "%s\n", tok);
  parse_fails(buf, VOUCH_E_BASE64, "whitespace");
  snprintf(buf, n + 16, " %s", tok);
  parse_fails(buf, VOUCH_E_BASE64, "whitespace at offset 0 (in the header)");
  memcpy(buf, tok, n + 1);
  buf[strchr(tok, '.') - tok + 3] = '+';
  parse_fails(buf, VOUCH_E_BASE64, "in the payload) is not base64url");
  memcpy(buf, tok, n + 1);
  buf[n - 2] = '/';
  parse_fails(buf, VOUCH_E_BASE64, "in the signature) is not base64url");
  /* A part of impossible length, and non-canonical final bits. */
  parse_fails("eyJhbGciOiJub25lIn0.A.", VOUCH_E_BASE64, "not a valid length");
  parse_fails("eyJhbGciOiJub25lIn0.AB.", VOUCH_E_BASE64, "non-canonical");
  /* Empty header. */
  parse_fails(".e30.", VOUCH_E_MALFORMED, "empty header");

  /* Header documents. */
  static const struct {
    const char *header;
    vouch_status code;
    const char *words;
  } kHeaders[] = {
      {"not json", VOUCH_E_JSON, "header is not JSON"},
      {"[\"alg\"]", VOUCH_E_MALFORMED, "not a JSON object"},
      {"{\"typ\":\"JWT\"}", VOUCH_E_MALFORMED, "no \"alg\""},
      {"{\"alg\":256}", VOUCH_E_MALFORMED, "no \"alg\""},
      {"{\"alg\":\"HS256\"}", VOUCH_E_UNSUPPORTED, "unsupported alg \"HS256\""},
      {"{\"alg\":\"ES256\",\"alg\":\"none\"}", VOUCH_E_JSON, "duplicate"},
      {"{\"alg\":\"ES256\",\"crit\":[\"exp\"]}", VOUCH_E_UNSUPPORTED, "crit"},
      {"{\"alg\":\"ES256\",\"kid\":7}", VOUCH_E_MALFORMED, "\"kid\" is not a string"},
      {"{\"alg\":\"ES256\",\"x5c\":[]}", VOUCH_E_MALFORMED, "x5c"},
      {"{\"alg\":\"ES256\",\"x5c\":[\"AAAA\"]}", VOUCH_E_ASN1, "x5c[0] is not a DER certificate"},
      {"{\"alg\":\"ES256\",\"x5c\":[\"ab-_\"]}", VOUCH_E_BASE64, "x5c takes standard base64"},
      {"{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}}", VOUCH_E_UNSUPPORTED,
       "key type \"oct\""},
      {"{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}"
       "}",
       VOUCH_E_MALFORMED, "32 bytes"},
  };
  for (size_t i = 0; i < sizeof(kHeaders) / sizeof(kHeaders[0]); i++) {
    char *t = token_with_header(kHeaders[i].header);
    parse_fails(t, kHeaders[i].code, kHeaders[i].words);
    free(t);
  }
  /* Limits. */
  size_t big = VOUCH_JWS_MAX_LEN + 1;
  char *huge = malloc(big + 1);
  assert_non_null(huge);
  memset(huge, 'A', big);
  huge[big] = '\0';
  parse_fails(huge, VOUCH_E_LIMIT, "limit");
  size_t hb = (VOUCH_JWS_MAX_HEADER + 3) / 3 * 4 + 8;
  memset(huge, 'A', hb);
  memcpy(huge + hb, ".e30.", 6);
  parse_fails(huge, VOUCH_E_LIMIT, "header is longer than the limit");
  free(huge);
  free(buf);
  free(tok);
}

/* der_b64 returns standard base64 of |c|'s DER (malloc'd). */
static char *der_b64(const struct vouch_cert *c) {
  size_t len = 0;
  const uint8_t *der = vouch_cert_der(c, &len);
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_base64_encode(&b, der, len);
  vouch_buf_putc(&b, '\0');
  return b.data;
}

static void test_x5c_and_jwk_headers(void **state) {
  (void)state;
  struct vouch_cert *leaf = NULL, *other = NULL;
  assert_int_equal(vouch_signer_self_signed_cert(g_signers[VOUCH_JWS_ES256], "policy signer",
                                                 1700000000, 1900000000, &leaf),
                   VOUCH_OK);
  assert_int_equal(vouch_signer_self_signed_cert(g_signers[VOUCH_JWS_RS256], "other", 1700000000,
                                                 1900000000, &other),
                   VOUCH_OK);
  char *b1 = der_b64(leaf), *b2 = der_b64(other);
  size_t cap = strlen(b1) * 9 + strlen(b2) + 256;
  char *hdr = malloc(cap);
  assert_non_null(hdr);
  snprintf(hdr, cap, "{\"alg\":\"ES256\",\"x5c\":[\"%s\",\"%s\"]}", b1, b2);
  char *tok = token_with_header(hdr);
  vouch_jws j;
  vouch_err err = {0};
  assert_int_equal(vouch_jws_parse(tok, strlen(tok), &j, &err), VOUCH_OK);
  assert_int_equal(j.num_x5c, 2);
  assert_true(vouch_cert_equal(j.x5c[0], leaf));
  assert_true(vouch_cert_equal(j.x5c[1], other));
  assert_null(j.kid);
  /* The signing certificate's key verifies the token. */
  struct vouch_pubkey *k = NULL;
  assert_int_equal(vouch_cert_pubkey(j.x5c[0], &k), VOUCH_OK);
  assert_int_equal(vouch_jws_verify(&j, k, &err), VOUCH_OK);
  vouch_pubkey_free(k);
  vouch_jws_free(&j);
  free(tok);
  /* A signed-policy-shaped JWS: payload {"AttestationPolicy": ...}. */
  const char *pol = "{\"AttestationPolicy\":\"dmVyc2lvbj0gMS4wOw\"}";
  vouch_buf b;
  vouch_buf_init(&b, 0);
  assert_int_equal(vouch_jws_sign_compact(g_signers[VOUCH_JWS_ES256], hdr, strlen(hdr),
                                          (const uint8_t *)pol, strlen(pol), &b),
                   VOUCH_OK);
  assert_int_equal(vouch_jws_parse(b.data, b.len, &j, &err), VOUCH_OK);
  assert_string_equal((const char *)j.payload, pol);
  vouch_jws_free(&j);
  vouch_buf_free(&b);

  /* Nine certificates are over the limit. */
  size_t pos = (size_t)snprintf(hdr, cap, "{\"alg\":\"ES256\",\"x5c\":[");
  for (int i = 0; i < 9; i++)
    pos += (size_t)snprintf(hdr + pos, cap - pos, "%s\"%s\"", i ? "," : "", b1);
  snprintf(hdr + pos, cap - pos, "]}");
  tok = token_with_header(hdr);
  parse_fails(tok, VOUCH_E_LIMIT, "9 certificates");
  free(tok);

  /* jwk: the key members as vouch_pubkey_write_jwk writes them. */
  for (size_t i = 0; i < NUM_ALGS; i++) {
    vouch_buf jb;
    vouch_buf_init(&jb, 0);
    vouch_json jj;
    vouch_json_init(&jj, &jb);
    vouch_json_begin_object(&jj);
    vouch_json_key(&jj, "alg");
    vouch_json_string(&jj, "ES256");
    vouch_json_key(&jj, "jwk");
    vouch_json_begin_object(&jj);
    assert_int_equal(vouch_pubkey_write_jwk(vouch_signer_pubkey(g_signers[kAlgs[i]]), &jj),
                     VOUCH_OK);
    vouch_json_end_object(&jj);
    vouch_json_end_object(&jj);
    assert_int_equal(vouch_buf_status(&jb), VOUCH_OK);
    tok = token_with_header(jb.data);
    assert_int_equal(vouch_jws_parse(tok, strlen(tok), &j, &err), VOUCH_OK);
    assert_true(j.has_jwk);
    assert_non_null(j.jwk);
    uint8_t *d1, *d2;
    size_t l1, l2;
    assert_int_equal(vouch_pubkey_spki_der(j.jwk, &d1, &l1), VOUCH_OK);
    assert_int_equal(vouch_pubkey_spki_der(vouch_signer_pubkey(g_signers[kAlgs[i]]), &d2, &l2),
                     VOUCH_OK);
    assert_int_equal(l1, l2);
    assert_memory_equal(d1, d2, l1);
    free(d1);
    free(d2);
    assert_int_equal(vouch_jws_verify(&j, j.jwk, NULL),
                     kAlgs[i] == VOUCH_JWS_ES256 ? VOUCH_OK : VOUCH_E_SIGNATURE);
    vouch_jws_free(&j);
    free(tok);
    vouch_buf_free(&jb);
  }
  free(hdr);
  free(b1);
  free(b2);
  vouch_cert_free(leaf);
  vouch_cert_free(other);
}

static void test_jwk_import_errors(void **state) {
  (void)state;
  static const struct {
    const char *jwk;
    vouch_status code;
    const char *words;
  } kCases[] = {
      {"[]", VOUCH_E_MALFORMED, "not a JSON object"},
      {"{}", VOUCH_E_MALFORMED, "kty"},
      {"{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", VOUCH_E_UNSUPPORTED, "17 bits"},
      {"{\"kty\":\"RSA\",\"e\":\"AQAB\"}", VOUCH_E_MALFORMED, "\"n\" missing"},
      {"{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AA\",\"y\":\"AA\"}", VOUCH_E_UNSUPPORTED,
       "P-521"},
      {"{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"AA\"}", VOUCH_E_UNSUPPORTED, "Ed448"},
      {"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA==\"}", VOUCH_E_BASE64, "not base64url"},
  };
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    struct vouch_pubkey *k = NULL;
    vouch_err err = {0};
    vouch_status st = vouch_pubkey_from_jwk(kCases[i].jwk, strlen(kCases[i].jwk), &k, &err);
    if (st != kCases[i].code || strstr(err.msg, kCases[i].words) == NULL) {
      fail_msg("jwk %s: got %s '%s'", kCases[i].jwk, vouch_status_name(st), err.msg);
    }
  }
  /* A P-256 point off the curve. */
  char bad[256];
  char *x = b64url_str(
      "\x01\x02\x03\x04\x05\x06\x07\x08\x01\x02\x03\x04\x05\x06\x07\x08"
      "\x01\x02\x03\x04\x05\x06\x07\x08\x01\x02\x03\x04\x05\x06\x07\x08",
      32);
  snprintf(bad, sizeof(bad), "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", x, x);
  struct vouch_pubkey *k = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_pubkey_from_jwk(bad, strlen(bad), &k, &err), VOUCH_E_MALFORMED);
  assert_non_null(strstr(err.msg, "not on the curve"));
  free(x);
}

static void test_signer_pem(void **state) {
  (void)state;
  for (size_t i = 0; i < NUM_ALGS; i++) {
    vouch_jws_alg alg = kAlgs[i];
    vouch_buf pem;
    vouch_buf_init(&pem, 0);
    assert_int_equal(vouch_signer_to_pem(g_signers[alg], &pem), VOUCH_OK);
    assert_non_null(strstr(pem.data, "-----BEGIN PRIVATE KEY-----\n"));
    struct vouch_signer *s = NULL;
    vouch_err err = {0};
    assert_int_equal(vouch_signer_from_pem(pem.data, pem.len, alg, &s, &err), VOUCH_OK);
    /* The reloaded key signs what the original key's public half checks. */
    char hdr[128];
    header_for(alg, hdr, sizeof(hdr));
    vouch_buf tok;
    vouch_buf_init(&tok, 0);
    assert_int_equal(vouch_jws_sign_compact(s, hdr, strlen(hdr), (const uint8_t *)"{}", 2, &tok),
                     VOUCH_OK);
    vouch_jws j;
    assert_int_equal(vouch_jws_parse(tok.data, tok.len, &j, NULL), VOUCH_OK);
    assert_int_equal(vouch_jws_verify(&j, vouch_signer_pubkey(g_signers[alg]), NULL), VOUCH_OK);
    vouch_jws_free(&j);
    vouch_buf_free(&tok);
    vouch_signer_free(s);
    /* The key must fit the alg. */
    for (size_t k = 0; k < NUM_ALGS; k++) {
      vouch_jws_alg other = kAlgs[k];
      bool fits = other == alg || (alg == VOUCH_JWS_RS256 && other == VOUCH_JWS_PS256) ||
                  (alg == VOUCH_JWS_PS256 && other == VOUCH_JWS_RS256);
      err = (vouch_err){0};
      vouch_status st = vouch_signer_from_pem(pem.data, pem.len, other, &s, &err);
      if (fits) {
        assert_int_equal(st, VOUCH_OK);
        vouch_signer_free(s);
      } else {
        assert_int_equal(st, VOUCH_E_UNSUPPORTED);
        assert_non_null(strstr(err.msg, "it needs"));
      }
    }
    vouch_buf_free(&pem);
  }
  /* Traditional forms (OpenSSL's "EC PRIVATE KEY"). */
  EVP_PKEY *ec = ct_ec_key();
  BIO *bio = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, ec, NULL, NULL, 0, NULL, NULL), 1);
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  assert_non_null(strstr(data, "BEGIN EC PRIVATE KEY"));
  struct vouch_signer *s = NULL;
  vouch_err err = {0};
  assert_int_equal(vouch_signer_from_pem(data, (size_t)len, VOUCH_JWS_ES256, &s, &err), VOUCH_OK);
  vouch_signer_free(s);
  BIO_free(bio);
  /* Encrypted: a clear refusal. */
  bio = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, ec, EVP_aes_128_cbc(), "pw", 2, NULL, NULL),
                   1);
  len = BIO_get_mem_data(bio, &data);
  err = (vouch_err){0};
  assert_int_equal(vouch_signer_from_pem(data, (size_t)len, VOUCH_JWS_ES256, &s, &err),
                   VOUCH_E_UNSUPPORTED);
  assert_non_null(strstr(err.msg, "encrypted"));
  BIO_free(bio);
  EVP_PKEY_free(ec);
  /* A PSS-restricted RSA key: refused, saying what to use instead. */
  EVP_PKEY *pss = NULL;
  EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
  assert_non_null(kctx);
  assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
  assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(kctx, 2048), 1);
  assert_int_equal(EVP_PKEY_generate(kctx, &pss), 1);
  EVP_PKEY_CTX_free(kctx);
  bio = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PrivateKey(bio, pss, NULL, NULL, 0, NULL, NULL), 1);
  len = BIO_get_mem_data(bio, &data);
  err = (vouch_err){0};
  assert_int_equal(vouch_signer_from_pem(data, (size_t)len, VOUCH_JWS_PS256, &s, &err),
                   VOUCH_E_UNSUPPORTED);
  assert_non_null(strstr(err.msg, "PSS-restricted"));
  BIO_free(bio);
  EVP_PKEY_free(pss);
  /* No key, two keys, broken base64. */
  err = (vouch_err){0};
  assert_int_equal(vouch_signer_from_pem("hello", 5, VOUCH_JWS_ES256, &s, &err), VOUCH_E_PEM);
  vouch_buf two;
  vouch_buf_init(&two, 0);
  assert_int_equal(vouch_signer_to_pem(g_signers[VOUCH_JWS_ES256], &two), VOUCH_OK);
  assert_int_equal(vouch_signer_to_pem(g_signers[VOUCH_JWS_ES256], &two), VOUCH_OK);
  err = (vouch_err){0};
  assert_int_equal(vouch_signer_from_pem(two.data, two.len, VOUCH_JWS_ES256, &s, &err),
                   VOUCH_E_PEM);
  assert_non_null(strstr(err.msg, "2 private keys"));
  vouch_buf_free(&two);
  const char *junk = "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n";
  assert_int_equal(vouch_signer_from_pem(junk, strlen(junk), VOUCH_JWS_ES256, &s, NULL),
                   VOUCH_E_PEM);
  const char *notkey = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  assert_int_equal(vouch_signer_from_pem(notkey, strlen(notkey), VOUCH_JWS_ES256, &s, NULL),
                   VOUCH_E_ASN1);
}

static void test_self_signed_cert(void **state) {
  (void)state;
  static const int kSigNid[VOUCH_JWS_ALG_COUNT] = {[VOUCH_JWS_RS256] = NID_sha256WithRSAEncryption,
                                                   [VOUCH_JWS_PS256] = NID_sha256WithRSAEncryption,
                                                   [VOUCH_JWS_ES256] = NID_ecdsa_with_SHA256,
                                                   [VOUCH_JWS_ES384] = NID_ecdsa_with_SHA384,
                                                   [VOUCH_JWS_EDDSA] = NID_ED25519};
  for (size_t i = 0; i < NUM_ALGS; i++) {
    vouch_jws_alg alg = kAlgs[i];
    struct vouch_cert *c = NULL;
    assert_int_equal(vouch_signer_self_signed_cert(g_signers[alg], "https://attest.example",
                                                   1700000000, 2000000000, &c),
                     VOUCH_OK);
    char cn[80];
    vouch_cert_subject_cn(c, cn, sizeof(cn));
    assert_string_equal(cn, "https://attest.example");
    vouch_cert_issuer_cn(c, cn, sizeof(cn));
    assert_string_equal(cn, "https://attest.example");
    assert_true(vouch_cert_is_self_issued(c));
    assert_int_equal(vouch_cert_not_before(c), 1700000000);
    assert_int_equal(vouch_cert_not_after(c), 2000000000);
    char serial[80];
    vouch_cert_serial_hex(c, serial, sizeof(serial));
    assert_int_equal(strlen(serial), 32);
    X509 *x = vouch_cert_x509(c);
    assert_int_equal(X509_get_version(x), X509_VERSION_3);
    assert_int_equal(X509_get_signature_nid(x), kSigNid[alg]);
    int crit = -1;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
    assert_non_null(bc);
    assert_int_equal(crit, 1);
    assert_false(bc->ca);
    BASIC_CONSTRAINTS_free(bc);
    ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
    assert_non_null(ku);
    assert_int_equal(crit, 1);
    assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
    ASN1_BIT_STRING_free(ku);
    /* Signed by the key itself; the certificate holds the signer's key. */
    assert_int_equal(X509_verify(x, X509_get0_pubkey(x)), 1);
    struct vouch_pubkey *pk = NULL;
    assert_int_equal(vouch_cert_pubkey(c, &pk), VOUCH_OK);
    assert_true(vouch_jws_key_fits(pk, alg, NULL, 0));
    vouch_pubkey_free(pk);
    vouch_cert_free(c);
  }
  /* Two certificates of one key get different serials. */
  struct vouch_cert *a = NULL, *b = NULL;
  assert_int_equal(vouch_signer_self_signed_cert(g_signers[VOUCH_JWS_ES256], "x", 0, 1, &a),
                   VOUCH_OK);
  assert_int_equal(vouch_signer_self_signed_cert(g_signers[VOUCH_JWS_ES256], "x", 0, 1, &b),
                   VOUCH_OK);
  char sa[80], sb[80];
  vouch_cert_serial_hex(a, sa, sizeof(sa));
  vouch_cert_serial_hex(b, sb, sizeof(sb));
  assert_string_not_equal(sa, sb);
  vouch_cert_free(a);
  vouch_cert_free(b);
  /* A CN over RFC 5280's 64 bytes is refused. */
  char longcn[80];
  memset(longcn, 'c', 65);
  longcn[65] = '\0';
  assert_int_equal(vouch_signer_self_signed_cert(g_signers[VOUCH_JWS_ES256], longcn, 0, 1, &a),
                   VOUCH_E_ARG);
}

/* Many threads sign with one signer at once (the issuance hot path). */
typedef struct {
  vouch_jws_alg alg;
  int ok;
} sign_job;

static void *sign_worker(void *arg) {
  sign_job *job = arg;
  char hdr[128];
  header_for(job->alg, hdr, sizeof(hdr));
  vouch_buf b;
  vouch_buf_init(&b, 0);
  for (int i = 0; i < 50; i++) {
    vouch_buf_reset(&b);
    vouch_jws j;
    if (vouch_jws_sign_compact(g_signers[job->alg], hdr, strlen(hdr), (const uint8_t *)kPayload,
                               strlen(kPayload), &b) != VOUCH_OK ||
        vouch_jws_parse(b.data, b.len, &j, NULL) != VOUCH_OK) {
      continue;
    }
    if (vouch_jws_verify(&j, vouch_signer_pubkey(g_signers[job->alg]), NULL) == VOUCH_OK) job->ok++;
    vouch_jws_free(&j);
  }
  vouch_buf_free(&b);
  return NULL;
}

static void test_concurrent_signing(void **state) {
  (void)state;
  enum { kThreads = 4 };
  static const vouch_jws_alg kThreadAlgs[] = {VOUCH_JWS_ES256, VOUCH_JWS_EDDSA, VOUCH_JWS_PS256};
  for (size_t a = 0; a < sizeof(kThreadAlgs) / sizeof(kThreadAlgs[0]); a++) {
    pthread_t t[kThreads];
    sign_job jobs[kThreads];
    for (int i = 0; i < kThreads; i++) {
      jobs[i] = (sign_job){.alg = kThreadAlgs[a]};
      assert_int_equal(pthread_create(&t[i], NULL, sign_worker, &jobs[i]), 0);
    }
    for (int i = 0; i < kThreads; i++) {
      pthread_join(t[i], NULL);
      assert_int_equal(jobs[i].ok, 50);
    }
  }
}

/* A failed signature leaves the output as it was. */
static void test_output_untouched_on_error(void **state) {
  (void)state;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_buf_puts(&b, "prefix:");
  assert_int_equal(vouch_jws_sign_compact(NULL, "{}", 2, NULL, 0, &b), VOUCH_E_ARG);
  assert_int_equal(vouch_jws_sign_compact(g_signers[VOUCH_JWS_ES256], "", 0, NULL, 0, &b),
                   VOUCH_E_ARG);
  assert_string_equal(vouch_buf_cstr(&b), "prefix:");
  /* Appending after existing content works (the signing input is only
   * the new part). */
  assert_int_equal(vouch_jws_sign_compact(g_signers[VOUCH_JWS_ES256], "{\"alg\":\"ES256\"}", 15,
                                          (const uint8_t *)"{}", 2, &b),
                   VOUCH_OK);
  vouch_jws j;
  assert_int_equal(vouch_jws_parse(b.data + 7, b.len - 7, &j, NULL), VOUCH_OK);
  assert_int_equal(vouch_jws_verify(&j, vouch_signer_pubkey(g_signers[VOUCH_JWS_ES256]), NULL),
                   VOUCH_OK);
  vouch_jws_free(&j);
  vouch_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_names),
      cmocka_unit_test(test_round_trip_every_alg),
      cmocka_unit_test(test_signer_sign_raw),
      cmocka_unit_test(test_bit_flips),
      cmocka_unit_test(test_wrong_key_type),
      cmocka_unit_test(test_unsigned),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_x5c_and_jwk_headers),
      cmocka_unit_test(test_jwk_import_errors),
      cmocka_unit_test(test_signer_pem),
      cmocka_unit_test(test_self_signed_cert),
      cmocka_unit_test(test_concurrent_signing),
      cmocka_unit_test(test_output_untouched_on_error),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
