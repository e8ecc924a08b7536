/* Unit tests for base/: cursor, DER, builder, JSON writer, span scanner
 * (checked against jansson), time, hex, errors. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/base.h"

/* ---- cursor ---------------------------------------------------------------- */

static void test_cursor_reads(void **state) {
  (void)state;
  static const uint8_t buf[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b};
  vouch_cur c = vouch_cur_make(buf, sizeof(buf));
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  assert_int_equal(vouch_cur_u8(&c, &u8), VOUCH_OK);
  assert_int_equal(u8, 0x01);
  assert_int_equal(vouch_cur_u16le(&c, &u16), VOUCH_OK);
  assert_int_equal(u16, 0x0302);
  assert_int_equal(vouch_cur_u16be(&c, &u16), VOUCH_OK);
  assert_int_equal(u16, 0x0405);
  assert_int_equal(vouch_cur_u32le(&c, &u32), VOUCH_OK);
  assert_int_equal(u32, 0x09080706u);
  assert_int_equal(vouch_cur_offset(&c), 9);
  assert_int_equal(vouch_cur_remaining(&c), 2);
  /* A failed read leaves the cursor where it was. */
  assert_int_equal(vouch_cur_u32be(&c, &u32), VOUCH_E_TRUNCATED);
  assert_int_equal(vouch_cur_offset(&c), 9);
  assert_int_equal(vouch_cur_expect_empty(&c), VOUCH_E_TRAILING);
  assert_int_equal(vouch_cur_u16be(&c, &u16), VOUCH_OK);
  assert_int_equal(u16, 0x0a0b);
  assert_int_equal(vouch_cur_expect_empty(&c), VOUCH_OK);
  assert_int_equal(vouch_cur_u8(&c, &u8), VOUCH_E_TRUNCATED);
}

static void test_cursor_u64_and_sub(void **state) {
  (void)state;
  uint8_t buf[12];
  for (int i = 0; i < 12; i++) buf[i] = (uint8_t)(0x10 + i);
  vouch_cur c = vouch_cur_make(buf, sizeof(buf));
  uint64_t v;
  assert_int_equal(vouch_cur_u64le(&c, &v), VOUCH_OK);
  assert_true(v == 0x1716151413121110ull);
  vouch_cur sub;
  assert_int_equal(vouch_cur_sub(&c, 5, &sub), VOUCH_E_TRUNCATED);
  assert_int_equal(vouch_cur_sub(&c, 3, &sub), VOUCH_OK);
  assert_int_equal(vouch_cur_offset(&sub), 8);
  assert_int_equal(vouch_cur_remaining(&sub), 3);
  assert_int_equal(vouch_cur_remaining(&c), 1);
  const uint8_t *p;
  assert_int_equal(vouch_cur_bytes(&sub, 4, &p), VOUCH_E_TRUNCATED);
  assert_int_equal(vouch_cur_bytes(&sub, 3, &p), VOUCH_OK);
  assert_ptr_equal(p, buf + 8);
  vouch_cur all = vouch_cur_make(buf, sizeof(buf)), it = all;
  assert_int_equal(vouch_cur_skip(&it, 7), VOUCH_OK);
  size_t n;
  assert_int_equal(vouch_cur_consumed(&all, &it, &p, &n), VOUCH_OK);
  assert_int_equal(n, 7);
  assert_ptr_equal(p, buf);
  /* A NULL buffer is an empty cursor. */
  vouch_cur z = vouch_cur_make(NULL, 100);
  assert_int_equal(vouch_cur_remaining(&z), 0);
}

/* ---- DER ------------------------------------------------------------------- */

static void test_der(void **state) {
  (void)state;
  static const uint8_t seq[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x7f};
  vouch_cur c = vouch_cur_make(seq, sizeof(seq)), body, v;
  uint8_t tag;
  uint64_t x;
  assert_int_equal(vouch_der_next(&c, &tag, &body), VOUCH_OK);
  assert_int_equal(tag, 0x30);
  assert_int_equal(vouch_der_expect(&body, VOUCH_DER_INTEGER, &v), VOUCH_OK);
  assert_int_equal(vouch_der_uint(&v, &x), VOUCH_OK);
  assert_int_equal(x, 5);
  assert_int_equal(vouch_der_expect(&body, VOUCH_DER_OCTET_STRING, &v), VOUCH_E_ASN1);
  assert_int_equal(vouch_der_expect(&body, VOUCH_DER_INTEGER, &v), VOUCH_OK);
  assert_int_equal(vouch_cur_expect_empty(&body), VOUCH_OK);

  /* 255 needs a leading zero (02 02 00 FF); a superfluous one is rejected. */
  static const uint8_t i255[] = {0x00, 0xff}, i_bad[] = {0x00, 0x7f}, neg[] = {0x80};
  vouch_cur k = vouch_cur_make(i255, 2);
  assert_int_equal(vouch_der_uint(&k, &x), VOUCH_OK);
  assert_int_equal(x, 255);
  k = vouch_cur_make(i_bad, 2);
  assert_int_equal(vouch_der_uint(&k, &x), VOUCH_E_ASN1);
  k = vouch_cur_make(neg, 1);
  assert_int_equal(vouch_der_uint(&k, &x), VOUCH_E_ASN1);
  k = vouch_cur_make(neg, 0);
  assert_int_equal(vouch_der_uint(&k, &x), VOUCH_E_ASN1);

  /* Long form lengths: minimal only; indefinite rejected; bounded. */
  uint8_t longform[3 + 200] = {0x04, 0x81, 200};
  c = vouch_cur_make(longform, sizeof(longform));
  assert_int_equal(vouch_der_next(&c, &tag, &body), VOUCH_OK);
  assert_int_equal(vouch_cur_remaining(&body), 200);
  static const uint8_t nonmin[] = {0x04, 0x81, 0x05, 1, 2, 3, 4, 5};
  c = vouch_cur_make(nonmin, sizeof(nonmin));
  assert_int_equal(vouch_der_next(&c, &tag, &body), VOUCH_E_ASN1);
  static const uint8_t lead0[] = {0x04, 0x82, 0x00, 0x81};
  c = vouch_cur_make(lead0, sizeof(lead0));
  assert_int_equal(vouch_der_next(&c, &tag, &body), VOUCH_E_ASN1);
  static const uint8_t indef[] = {0x30, 0x80, 0x00, 0x00};
  c = vouch_cur_make(indef, sizeof(indef));
  assert_int_equal(vouch_der_next(&c, &tag, &body), VOUCH_E_ASN1);
  static const uint8_t hightag[] = {0x1f, 0x81, 0x01, 0x00};
  c = vouch_cur_make(hightag, sizeof(hightag));
  assert_int_equal(vouch_der_next(&c, &tag, &body), VOUCH_E_ASN1);
  static const uint8_t overlong[] = {0x04, 0x05, 1, 2};
  c = vouch_cur_make(overlong, sizeof(overlong));
  assert_int_equal(vouch_der_next(&c, &tag, &body), VOUCH_E_TRUNCATED);
  assert_int_equal(vouch_cur_offset(&c), 0);
}

/* ---- builder and JSON writer ----------------------------------------------- */

static void test_builder_sticky(void **state) {
  (void)state;
  vouch_buf b;
  vouch_buf_init(&b, 8);
  vouch_buf_puts(&b, "abcdef");
  assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
  vouch_buf_puts(&b, "ghi"); /* 9 > 8: fails, and so does everything after */
  assert_int_equal(vouch_buf_status(&b), VOUCH_E_LIMIT);
  vouch_buf_putc(&b, 'x');
  assert_string_equal(vouch_buf_cstr(&b), "abcdef");
  vouch_buf_reset(&b);
  assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
  vouch_buf_printf(&b, "%d-%s", 42, "x");
  assert_string_equal(vouch_buf_cstr(&b), "42-x");
  vouch_buf_free(&b);

  vouch_buf z = {0}; /* a zeroed builder is valid */
  vouch_buf_hex(&z, (const uint8_t *)"\x00\xff\x10", 3);
  assert_string_equal(vouch_buf_cstr(&z), "00ff10");
  vouch_buf_free(&z);
}

/* ref_escape: the JSON string writer's rules, one byte at a time. */
static void ref_escape(vouch_buf *b, const char *s, size_t len) {
  vouch_buf_putc(b, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *shorts = "\"\"\\\\\nn\rr\tt\bb\ff";
    const char *hit = NULL;
    for (const char *p = shorts; *p && !hit; p += 2) {
      if ((unsigned char)*p == c) hit = p;
    }
    if (hit) {
      vouch_buf_putc(b, '\\');
      vouch_buf_putc(b, hit[1]);
    } else if (c < 0x20 || c == 0x7f) {
      vouch_buf_printf(b, "\\u00%02x", c);
    } else {
      vouch_buf_putc(b, (char)c);
    }
  }
  vouch_buf_putc(b, '"');
}

/* Every byte JSON escapes, at every position of strings longer and
 * shorter than the writer's eight-byte steps, next to UTF-8: the writer
 * agrees with the byte-at-a-time rules. */
static void test_json_string_escapes(void **state) {
  (void)state;
  vouch_buf got, want;
  vouch_buf_init(&got, 0);
  vouch_buf_init(&want, 0);
  for (int c = 0; c < 256; c++) {
    if (!(c < 0x20 || c == '"' || c == '\\' || c == 0x7f || c == 0xc3)) continue;
    for (size_t len = 1; len <= 21; len += 4) {
      for (size_t pos = 0; pos < len; pos++) {
        char s[32];
        for (size_t i = 0; i < len; i++) s[i] = (char)('a' + i % 26);
        s[pos] = (char)c;
        if (c == 0xc3 && pos + 1 < len) s[pos + 1] = (char)0xa9; /* U+00E9 */
        vouch_buf_reset(&got);
        vouch_buf_reset(&want);
        vouch_buf_json_string(&got, s, len);
        ref_escape(&want, s, len);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
      }
    }
  }
  vouch_buf_free(&got);
  vouch_buf_free(&want);
}

static void test_json_writer(void **state) {
  (void)state;
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "s");
  vouch_json_string(&j, "a\"b\\c\n\x01");
  vouch_json_key(&j, "n");
  vouch_json_int(&j, -5);
  vouch_json_key(&j, "a");
  vouch_json_begin_array(&j);
  vouch_json_bool(&j, true);
  vouch_json_null(&j);
  vouch_json_hex(&j, (const uint8_t *)"\xab", 1);
  vouch_json_uint(&j, 18446744073709551615ull);
  vouch_json_end_array(&j);
  vouch_json_key(&j, "r");
  vouch_json_raw(&j, "{\"x\":[]}", 8);
  vouch_json_end_object(&j);
  assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
  assert_string_equal(vouch_buf_cstr(&b),
                      "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":-5,\"a\":[true,null,\"ab\","
                      "18446744073709551615],\"r\":{\"x\":[]}}");
  /* jansson agrees it is JSON and decodes the string back. */
  json_t *root = json_loads(vouch_buf_cstr(&b), JSON_DECODE_INT_AS_REAL, NULL);
  assert_non_null(root);
  assert_string_equal(json_string_value(json_object_get(root, "s")), "a\"b\\c\n\x01");
  json_decref(root);

  /* Misuse: a value without a key inside an object. */
  vouch_buf_reset(&b);
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  vouch_json_int(&j, 1);
  assert_int_equal(vouch_buf_status(&b), VOUCH_E_INTERNAL);
  /* Misuse: closing the wrong container. */
  vouch_buf_reset(&b);
  vouch_json_init(&j, &b);
  vouch_json_begin_array(&j);
  vouch_json_end_object(&j);
  assert_int_equal(vouch_buf_status(&b), VOUCH_E_INTERNAL);
  vouch_buf_free(&b);
}

/* ---- span scanner ------------------------------------------------------------- */

/* scan_all walks the members of |text|; returns the status and the count. */
static vouch_status scan_all(const char *text, size_t *num) {
  vouch_json_members it;
  vouch_json_members_init(&it, text, strlen(text));
  *num = 0;
  for (;;) {
    vouch_json_member m;
    bool has;
    vouch_status s = vouch_json_members_next(&it, &m, &has, NULL);
    if (s != VOUCH_OK) return s;
    if (!has) return VOUCH_OK;
    (*num)++;
  }
}

static void test_scanner_spans(void **state) {
  (void)state;
  const char *text = " { \"a\" : \"x\\\"y\", \"b\":[1,{\"c\":null}] ,\"d\":-1.5e+3,\"e\":{},\"f\":true} \n";
  vouch_json_members it;
  vouch_json_members_init(&it, text, strlen(text));
  vouch_json_member m;
  bool has;
  assert_int_equal(vouch_json_members_next(&it, &m, &has, NULL), VOUCH_OK);
  assert_true(has && vouch_json_key_is(&m, "a") && m.type == VOUCH_JSON_T_STRING);
  assert_int_equal(m.value_len, 6); /* "x\"y" with its quotes */
  char out[16];
  size_t n;
  assert_int_equal(vouch_json_unescape(m.value, m.value_len, out, sizeof(out), &n), VOUCH_OK);
  assert_string_equal(out, "x\"y");
  assert_int_equal(vouch_json_members_next(&it, &m, &has, NULL), VOUCH_OK);
  assert_true(vouch_json_key_is(&m, "b") && m.type == VOUCH_JSON_T_ARRAY);
  assert_int_equal(m.value_len, strlen("[1,{\"c\":null}]"));
  assert_int_equal(vouch_json_members_next(&it, &m, &has, NULL), VOUCH_OK);
  assert_true(vouch_json_key_is(&m, "d") && m.type == VOUCH_JSON_T_NUMBER);
  assert_int_equal(vouch_json_members_next(&it, &m, &has, NULL), VOUCH_OK);
  assert_true(vouch_json_key_is(&m, "e") && m.type == VOUCH_JSON_T_OBJECT);
  assert_int_equal(vouch_json_members_next(&it, &m, &has, NULL), VOUCH_OK);
  assert_true(vouch_json_key_is(&m, "f") && m.type == VOUCH_JSON_T_TRUE);
  assert_int_equal(vouch_json_members_next(&it, &m, &has, NULL), VOUCH_OK);
  assert_false(has);
}

/* Differential check against jansson: for each input, the scanner accepts
 * exactly when jansson accepts an object (inputs chosen within both
 * parsers' common ground: valid UTF-8, small numbers, shallow nesting). */
static void test_scanner_vs_jansson(void **state) {
  (void)state;
  static const char *const kInputs[] = {
      "{}", "{\"a\":1}", "{\"a\":[1,2,{\"b\":[]}],\"c\":\"\\u00e9\\n\"}", " {\"a\" : {\"b\" : {}}} ",
      "{\"a\":-0.5E-2}", "{\"a\":\"\\ud83d\\ude00\"}", "{\"a\":[true,false,null]}",
      /* invalid */
      "", "[]", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
      "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}",
      "{\"a\":nul}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"abc}", "{a:1}",
      "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":1} x", "{\"a\":1}}", "{\"a\":\"\x01\"}",
      "{\"a\":+1}", "{\"a\":[1 2]}", "{'a':1}", "{\"a\":1}{}",
  };
  for (size_t i = 0; i < sizeof(kInputs) / sizeof(kInputs[0]); i++) {
    size_t num;
    bool ours = scan_all(kInputs[i], &num) == VOUCH_OK;
    json_t *root = json_loads(kInputs[i], 0, NULL);
    bool theirs = root != NULL && json_is_object(root);
    if (ours != theirs) fail_msg("scanner and jansson disagree on input %zu: %s", i, kInputs[i]);
    if (theirs) assert_int_equal(num, json_object_size(root));
    json_decref(root);
  }
}

static void test_scanner_depth_limit(void **state) {
  (void)state;
  char deep[512];
  size_t n = 0;
  n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"a\":");
  for (int i = 0; i < 40; i++) deep[n++] = '[';
  for (int i = 0; i < 40; i++) deep[n++] = ']';
  deep[n++] = '}';
  deep[n] = '\0';
  size_t num;
  vouch_err err = {0};
  vouch_json_members it;
  vouch_json_members_init(&it, deep, n);
  vouch_json_member m;
  bool has;
  assert_int_equal(vouch_json_members_next(&it, &m, &has, &err), VOUCH_E_JSON);
  assert_non_null(strstr(err.msg, "offset"));
  (void)num;
}

static void test_unescape(void **state) {
  (void)state;
  char out[16];
  size_t n;
  assert_int_equal(vouch_json_unescape("\"\\u0041\\u00e9\\ud83d\\ude00\"", 26, out, sizeof(out), &n),
                   VOUCH_OK);
  assert_int_equal(n, 1 + 2 + 4);
  assert_memory_equal(out, "A\xc3\xa9\xf0\x9f\x98\x80", 7);
  /* Lone surrogates, bad escapes, and overflow of the output. */
  assert_int_equal(vouch_json_unescape("\"\\ud83d\"", 8, out, sizeof(out), &n), VOUCH_E_JSON);
  assert_int_equal(vouch_json_unescape("\"\\ude00\"", 8, out, sizeof(out), &n), VOUCH_E_JSON);
  assert_int_equal(vouch_json_unescape("\"\\q\"", 4, out, sizeof(out), &n), VOUCH_E_JSON);
  assert_int_equal(vouch_json_unescape("\"abcdefghijklmnopq\"", 19, out, sizeof(out), &n),
                   VOUCH_E_LIMIT);
  assert_int_equal(vouch_json_unescape("abc", 3, out, sizeof(out), &n), VOUCH_E_JSON);
}

/* ---- time, hex, errors --------------------------------------------------------- */

static void test_time(void **state) {
  (void)state;
  int64_t t;
  assert_int_equal(vouch_time_parse("2025-07-19T10:01:17Z", 20, &t), VOUCH_OK);
  assert_int_equal(t, 1752919277);
  assert_int_equal(vouch_time_parse("1752919277", 10, &t), VOUCH_OK);
  assert_int_equal(t, 1752919277);
  assert_int_equal(vouch_time_parse("2025-07-19T12:01:17.123+02:00", 29, &t), VOUCH_OK);
  assert_int_equal(t, 1752919277);
  assert_int_equal(vouch_time_parse("1970-01-01T00:00:00Z", 20, &t), VOUCH_OK);
  assert_int_equal(t, 0);
  assert_int_equal(vouch_time_parse("2024-02-29T00:00:00Z", 20, &t), VOUCH_OK);
  assert_int_equal(vouch_time_parse("2023-02-29T00:00:00Z", 20, &t), VOUCH_E_TIME);
  assert_int_equal(vouch_time_parse("2025-13-01T00:00:00Z", 20, &t), VOUCH_E_TIME);
  assert_int_equal(vouch_time_parse("2025-07-19 10:01:17Z", 20, &t), VOUCH_E_TIME);
  assert_int_equal(vouch_time_parse("2025-07-19T10:01:17", 19, &t), VOUCH_E_TIME);
  assert_int_equal(vouch_time_parse("2025-07-19T25:01:17Z", 20, &t), VOUCH_E_TIME);
  assert_int_equal(vouch_time_parse("17529x9277", 10, &t), VOUCH_E_TIME);
  assert_int_equal(vouch_time_parse("", 0, &t), VOUCH_E_TIME);
  char s[VOUCH_TIME_STR_LEN];
  vouch_time_format(1752919277, s);
  assert_string_equal(s, "2025-07-19T10:01:17Z");
  vouch_time_format(951782400, s); /* 2000-02-29 */
  assert_string_equal(s, "2000-02-29T00:00:00Z");
  /* Round trip over a spread of instants. */
  for (int64_t x = -86400LL * 365; x < 4102444800LL; x += 7777777) {
    vouch_time_format(x, s);
    assert_int_equal(vouch_time_parse(s, strlen(s), &t), VOUCH_OK);
    assert_int_equal(t, x);
  }
}

static void test_hex_and_errors(void **state) {
  (void)state;
  uint8_t out[3];
  assert_int_equal(vouch_hex_decode("00aAfF", 6, out, 3), VOUCH_OK);
  assert_memory_equal(out, "\x00\xaa\xff", 3);
  assert_int_equal(vouch_hex_decode("00aAf", 5, out, 2), VOUCH_E_HEX);
  assert_int_equal(vouch_hex_decode("00aAfg", 6, out, 3), VOUCH_E_HEX);
  assert_int_equal(vouch_hex_decode("0011", 4, out, 3), VOUCH_E_HEX);

  vouch_err e = {0};
  assert_int_equal(vouch_fail(&e, VOUCH_E_SIGNATURE, "first %d", 1), VOUCH_E_SIGNATURE);
  assert_int_equal(vouch_fail(&e, VOUCH_E_IO, "second"), VOUCH_E_IO);
  assert_int_equal(e.code, VOUCH_E_SIGNATURE); /* the first failure wins */
  assert_string_equal(e.msg, "first 1");
  vouch_err_prefix(&e, "stage %s: ", "x");
  assert_string_equal(e.msg, "stage x: first 1");
  assert_string_equal(vouch_status_name(VOUCH_E_SIGNATURE), "E_SIGNATURE");
  assert_string_equal(vouch_status_name((vouch_status)9999), "E_UNKNOWN");
  for (int s = 0; s < VOUCH_STATUS_COUNT; s++) {
    assert_true(strlen(vouch_status_message((vouch_status)s)) > 0);
  }
  vouch_err_clear(&e);
  assert_int_equal(e.code, VOUCH_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cursor_reads),      cmocka_unit_test(test_cursor_u64_and_sub),
      cmocka_unit_test(test_der),               cmocka_unit_test(test_builder_sticky),
      cmocka_unit_test(test_json_writer), cmocka_unit_test(test_json_string_escapes),      cmocka_unit_test(test_scanner_spans),
      cmocka_unit_test(test_scanner_vs_jansson), cmocka_unit_test(test_scanner_depth_limit),
      cmocka_unit_test(test_unescape),          cmocka_unit_test(test_time),
      cmocka_unit_test(test_hex_and_errors),
  };
  return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
