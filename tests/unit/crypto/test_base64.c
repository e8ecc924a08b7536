/* tests/unit/crypto/test_base64.c - strict base64 and the digests. */
/* cmocka.h needs the standard headers before it. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
/* clang-format on */

#include "crypto/crypto.h"

/* decode_str decodes a C string with |fn|; returns the status. */
typedef vouch_status (*decode_fn)(const char *, size_t, uint8_t *, size_t, size_t *);

static vouch_status dec(decode_fn fn, const char *in, uint8_t *out, size_t *out_len) {
  return fn(in, strlen(in), out, vouch_base64_decoded_max(strlen(in)), out_len);
}

static void expect_decodes(const char *in, const char *want) {
  uint8_t out[128];
  size_t n = 0;
  assert_int_equal(dec(vouch_base64_decode, in, out, &n), VOUCH_OK);
  assert_int_equal(n, strlen(want));
  assert_memory_equal(out, want, n);
}

static void expect_rejects(const char *in) {
  uint8_t out[128];
  size_t n = 0;
  if (dec(vouch_base64_decode, in, out, &n) != VOUCH_E_BASE64) fail_msg("accepted \"%s\"", in);
}

static void test_rfc4648_vectors(void **state) {
  (void)state;
  static const char *const kCases[][3] = {
      {"", "", ""},
      {"f", "Zg==", "Zg"},
      {"fo", "Zm8=", "Zm8"},
      {"foo", "Zm9v", "Zm9v"},
      {"foob", "Zm9vYg==", "Zm9vYg"},
      {"fooba", "Zm9vYmE=", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
  };
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    expect_decodes(kCases[i][1], kCases[i][0]); /* padded */
    expect_decodes(kCases[i][2], kCases[i][0]); /* unpadded */
    vouch_buf b = {0};
    vouch_base64_encode(&b, (const uint8_t *)kCases[i][0], strlen(kCases[i][0]));
    assert_string_equal(vouch_buf_cstr(&b), kCases[i][1]);
    vouch_buf_reset(&b);
    vouch_base64url_encode(&b, (const uint8_t *)kCases[i][0], strlen(kCases[i][0]));
    assert_string_equal(vouch_buf_cstr(&b), kCases[i][2]);
    assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
    vouch_buf_free(&b);
  }
}

static void test_both_alphabets(void **state) {
  (void)state;
  const uint8_t raw[] = {0xfb, 0xff};
  expect_decodes("+/+/", "\xfb\xff\xbf"); /* std */
  expect_decodes("-_-_", "\xfb\xff\xbf"); /* url */
  vouch_buf b = {0};
  vouch_base64_encode(&b, raw, 2);
  assert_string_equal(vouch_buf_cstr(&b), "+/8=");
  vouch_buf_reset(&b);
  vouch_base64url_encode(&b, raw, 2);
  assert_string_equal(vouch_buf_cstr(&b), "-_8");
  vouch_buf_free(&b);
  expect_decodes("+/8=", "\xfb\xff");
  expect_decodes("-_8", "\xfb\xff");
  expect_decodes("-_8=", "\xfb\xff"); /* url alphabet with padding is fine */
}

static void test_rejects(void **state) {
  (void)state;
  static const char *const kBad[] = {
      "Zm9v!A==", "Zm 9v",    "Zm9v\n",   "Zm9\x80",         /* characters */
      "Zg==Zg==", "Z=g=",     "=Zg=",     "Zm9v=",   "Zg=",  /* misplaced or short '=' */
      "Zg===",    "Zm9v====", "Zm8=A",    "====",            /* too much '=' */
      "ab+_",     "+/-_",     "Zm9v-/",                      /* mixed alphabets */
      "Zh==",     "Zh",       "Zm9=",     "Zm9",     "AB==", /* non-zero trailing bits */
      "A",        "Zm9vY",    "Zm9vY===",                    /* length 1 mod 4 */
  };
  for (size_t i = 0; i < sizeof(kBad) / sizeof(kBad[0]); i++) expect_rejects(kBad[i]);
  /* Embedded NUL is a character like any other. */
  uint8_t out[8];
  size_t n;
  assert_int_equal(vouch_base64_decode("Zm\0v", 4, out, sizeof(out), &n), VOUCH_E_BASE64);
}

static void test_output_capacity(void **state) {
  (void)state;
  uint8_t out[6];
  size_t n = 0;
  assert_int_equal(vouch_base64_decode("Zm9vYmFy", 8, out, 5, &n), VOUCH_E_ARG);
  assert_int_equal(vouch_base64_decode("Zm9vYmFy", 8, out, 6, &n), VOUCH_OK);
  assert_int_equal(n, 6);
  assert_true(vouch_base64_decoded_max(8) >= 6);
  assert_true(vouch_base64_decoded_max(7) >= 5);
  assert_true(vouch_base64_decoded_max(0) <= 3);
}

static void test_mime_skips_whitespace(void **state) {
  (void)state;
  const char *in = " Zm9v\r\nYmFy\n\tZm9v\nYg==\n";
  uint8_t out[32];
  size_t n = 0;
  assert_int_equal(dec(vouch_base64_decode_mime, in, out, &n), VOUCH_OK);
  assert_int_equal(n, 10);
  assert_memory_equal(out, "foobarfoob", 10);
  /* Whitespace is the only extra allowance: the strict rules still hold. */
  assert_int_equal(dec(vouch_base64_decode, in, out, &n), VOUCH_E_BASE64);
  assert_int_equal(dec(vouch_base64_decode_mime, "Zm9v\n!", out, &n), VOUCH_E_BASE64);
  assert_int_equal(dec(vouch_base64_decode_mime, "Zg==\nZg==", out, &n), VOUCH_E_BASE64);
  assert_int_equal(dec(vouch_base64_decode_mime, "Zh==\n", out, &n), VOUCH_E_BASE64);
}

static void test_round_trip(void **state) {
  (void)state;
  uint8_t data[300], back[310];
  for (size_t i = 0; i < sizeof(data); i++) data[i] = (uint8_t)(i * 131 + 7);
  for (size_t len = 0; len <= sizeof(data); len += (len < 20 ? 1 : 37)) {
    for (int url = 0; url < 2; url++) {
      vouch_buf b = {0};
      if (url) {
        vouch_base64url_encode(&b, data, len);
      } else {
        vouch_base64_encode(&b, data, len);
      }
      assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
      size_t n = 0;
      assert_int_equal(vouch_base64_decode(b.data, b.len, back, sizeof(back), &n), VOUCH_OK);
      assert_int_equal(n, len);
      if (len) assert_memory_equal(back, data, len);
      vouch_buf_free(&b);
    }
  }
}

/* The compact decoder (four characters per step through shifted tables)
 * and the whitespace-skipping one (a character at a time) follow the same
 * rules: on 200,000 pseudo-random strings without whitespace, drawn from
 * both alphabets, '=' and a few bad bytes, they agree on the status and the
 * bytes. */
static void test_compact_matches_mime(void **state) {
  (void)state;
  static const char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_==!\x80\x00";
  uint64_t x = 0x9e3779b97f4a7c15ull;
  size_t agreed_ok = 0;
  for (int t = 0; t < 200000; t++) {
    char in[48];
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    size_t len = x % sizeof in;
    int rare = (int)(x >> 40) % 4; /* 0: any character; else base64 of one alphabet */
    for (size_t i = 0; i < len; i++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      size_t k = (size_t)(x >> 33) % (sizeof kChars - 1);
      if (rare == 1 && k >= 64) k = (size_t)(x >> 20) % 64; /* std only */
      if (rare == 2 && k >= 62) k = k % 2 ? 64 : 65;        /* url-specific */
      if (rare == 3) k = (size_t)(x >> 20) % 62;            /* common */
      in[i] = kChars[k];
    }
    if (rare && len > 2 && (x & 3) == 0) in[len - 1] = '=';
    uint8_t a[48], b[48];
    size_t na = 0, nb = 0;
    vouch_status sa = vouch_base64_decode(in, len, a, sizeof a, &na);
    vouch_status sb = vouch_base64_decode_mime(in, len, b, sizeof b, &nb);
    assert_int_equal(sa, sb);
    if (sa == VOUCH_OK) {
      assert_int_equal(na, nb);
      if (na) assert_memory_equal(a, b, na);
      agreed_ok++;
    }
  }
  assert_true(agreed_ok > 10000); /* the valid path ran, not only refusals */
}

/* test_cert_pem_layout checks the PEM writer: armour lines, body lines of
 * exactly 64 characters but the last, and a body that decodes back. */
static void test_cert_pem_layout(void **state) {
  (void)state;
  static const char kBegin[] = "-----BEGIN CERTIFICATE-----\n";
  static const char kEnd[] = "-----END CERTIFICATE-----\n";
  uint8_t der[200], back[210];
  for (size_t i = 0; i < sizeof(der); i++) der[i] = (uint8_t)(i * 29 + 3);
  const size_t lens[] = {1, 47, 48, 49, 96, 200};
  for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
    size_t len = lens[k];
    vouch_buf b = {0};
    vouch_cert_pem_encode(&b, der, len);
    assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
    const char *pem = vouch_buf_cstr(&b);
    assert_true(b.len > strlen(kBegin) + strlen(kEnd));
    assert_memory_equal(pem, kBegin, strlen(kBegin));
    assert_string_equal(pem + b.len - strlen(kEnd), kEnd);
    const char *body = pem + strlen(kBegin);
    size_t body_len = b.len - strlen(kBegin) - strlen(kEnd);
    size_t lines = 0, last = 0;
    for (const char *p = body; p < body + body_len;) {
      const char *nl = memchr(p, '\n', (size_t)(body + body_len - p));
      assert_non_null(nl);
      last = (size_t)(nl - p);
      assert_true(last >= 1 && last <= 64);
      if (nl + 1 < body + body_len) assert_int_equal(last, 64);
      lines++;
      p = nl + 1;
    }
    assert_int_equal(lines, (len + 47) / 48);
    size_t n = 0;
    assert_int_equal(vouch_base64_decode_mime(body, body_len, back, sizeof(back), &n), VOUCH_OK);
    assert_int_equal(n, len);
    assert_memory_equal(back, der, len);
    vouch_buf_free(&b);
  }
}

static void expect_digest(vouch_hash h, const char *msg, const char *want_hex) {
  uint8_t out[VOUCH_MAX_DIGEST_LEN];
  size_t n = 0;
  assert_int_equal(vouch_digest(h, msg, strlen(msg), out, &n), VOUCH_OK);
  assert_int_equal(n, vouch_hash_len(h));
  char hex[2 * VOUCH_MAX_DIGEST_LEN + 1];
  vouch_hex_encode(out, n, hex);
  assert_string_equal(hex, want_hex);
}

static void test_digests(void **state) {
  (void)state;
  expect_digest(VOUCH_HASH_SHA256, "abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  expect_digest(VOUCH_HASH_SHA256, "",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  expect_digest(VOUCH_HASH_SHA384, "abc",
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
                "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  expect_digest(VOUCH_HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d");
  expect_digest(VOUCH_HASH_SHA512, "abc",
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  uint8_t a[VOUCH_SHA256_LEN], b[VOUCH_SHA384_LEN];
  vouch_sha256("abc", 3, a);
  assert_int_equal(a[0], 0xba);
  assert_int_equal(a[31], 0xad);
  vouch_sha384("abc", 3, b);
  assert_int_equal(b[0], 0xcb);
  assert_int_equal(b[47], 0xa7);
  uint8_t out[VOUCH_MAX_DIGEST_LEN];
  size_t n;
  assert_int_equal(vouch_digest((vouch_hash)99, "x", 1, out, &n), VOUCH_E_UNSUPPORTED);
  assert_int_equal(vouch_hash_len((vouch_hash)99), 0);
}

/* A base64url JSON string value: the unpadded URL alphabet, quoted. */
static void test_json_string_b64url(void **state) {
  (void)state;
  static const uint8_t kData[] = {0xfb, 0xff, 0x01, 0x02};
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "k");
  vouch_json_string_b64url(&j, kData, sizeof kData);
  vouch_json_key(&j, "empty");
  vouch_json_string_b64url(&j, kData, 0);
  vouch_json_end_object(&j);
  assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
  assert_string_equal(vouch_buf_cstr(&b), "{\"k\":\"-_8BAg\",\"empty\":\"\"}");
  vouch_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc4648_vectors),
      cmocka_unit_test(test_both_alphabets),
      cmocka_unit_test(test_rejects),
      cmocka_unit_test(test_output_capacity),
      cmocka_unit_test(test_mime_skips_whitespace),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_compact_matches_mime),
      cmocka_unit_test(test_cert_pem_layout),
      cmocka_unit_test(test_digests),
      cmocka_unit_test(test_json_string_b64url),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
