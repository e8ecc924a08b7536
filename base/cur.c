/* base/cur.c - the bounded cursor over untrusted bytes, and DER TLVs.
 *
 * This is the only file in vouch that does pointer arithmetic on untrusted
 * input.  Every read checks the remaining length first and leaves the cursor
 * untouched on failure. */
#include <string.h>

#include "base/base.h"

vouch_cur vouch_cur_make(const void *data, size_t len) {
  vouch_cur c = {.data = data, .len = data ? len : 0, .offset = 0};
  return c;
}

size_t vouch_cur_remaining(const vouch_cur *c) { return c->len; }
size_t vouch_cur_offset(const vouch_cur *c) { return c->offset; }

static void advance(vouch_cur *c, size_t n) {
  c->data += n;
  c->len -= n;
  c->offset += n;
}

vouch_status vouch_cur_bytes(vouch_cur *c, size_t n, const uint8_t **out) {
  VOUCH_ENSURE(n <= c->len, VOUCH_E_TRUNCATED);
  *out = c->data;
  advance(c, n);
  return VOUCH_OK;
}

vouch_status vouch_cur_copy(vouch_cur *c, void *out, size_t n) {
  const uint8_t *p;
  VOUCH_GUARD(vouch_cur_bytes(c, n, &p));
  if (n > 0) memcpy(out, p, n);
  return VOUCH_OK;
}

vouch_status vouch_cur_skip(vouch_cur *c, size_t n) {
  const uint8_t *p;
  return vouch_cur_bytes(c, n, &p);
}

vouch_status vouch_cur_sub(vouch_cur *c, size_t n, vouch_cur *child) {
  VOUCH_ENSURE(n <= c->len, VOUCH_E_TRUNCATED);
  child->data = c->data;
  child->len = n;
  child->offset = c->offset;
  advance(c, n);
  return VOUCH_OK;
}

vouch_status vouch_cur_peek_u8(const vouch_cur *c, uint8_t *out) {
  VOUCH_ENSURE(c->len >= 1, VOUCH_E_TRUNCATED);
  *out = c->data[0];
  return VOUCH_OK;
}

vouch_status vouch_cur_u8(vouch_cur *c, uint8_t *out) {
  VOUCH_GUARD(vouch_cur_peek_u8(c, out));
  advance(c, 1);
  return VOUCH_OK;
}

/* Little/big-endian reads assemble the value from bytes, so they work on any
 * host and never make unaligned loads. */
static vouch_status read_uint(vouch_cur *c, size_t n, bool big_endian, uint64_t *out) {
  const uint8_t *p;
  VOUCH_GUARD(vouch_cur_bytes(c, n, &p));
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    size_t idx = big_endian ? i : n - 1 - i;
    v = (v << 8) | p[idx];
  }
  *out = v;
  return VOUCH_OK;
}

vouch_status vouch_cur_u16le(vouch_cur *c, uint16_t *out) {
  uint64_t v;
  VOUCH_GUARD(read_uint(c, 2, false, &v));
  *out = (uint16_t)v;
  return VOUCH_OK;
}

vouch_status vouch_cur_u32le(vouch_cur *c, uint32_t *out) {
  uint64_t v;
  VOUCH_GUARD(read_uint(c, 4, false, &v));
  *out = (uint32_t)v;
  return VOUCH_OK;
}

vouch_status vouch_cur_u64le(vouch_cur *c, uint64_t *out) { return read_uint(c, 8, false, out); }

vouch_status vouch_cur_u16be(vouch_cur *c, uint16_t *out) {
  uint64_t v;
  VOUCH_GUARD(read_uint(c, 2, true, &v));
  *out = (uint16_t)v;
  return VOUCH_OK;
}

vouch_status vouch_cur_u32be(vouch_cur *c, uint32_t *out) {
  uint64_t v;
  VOUCH_GUARD(read_uint(c, 4, true, &v));
  *out = (uint32_t)v;
  return VOUCH_OK;
}

vouch_status vouch_cur_expect_empty(const vouch_cur *c) {
  return c->len == 0 ? VOUCH_OK : VOUCH_E_TRAILING;
}

vouch_status vouch_cur_consumed(const vouch_cur *start, const vouch_cur *c, const uint8_t **out,
                                size_t *out_len) {
  /* |c| must lie within |start| and be at or after it. */
  VOUCH_ENSURE(c->offset >= start->offset, VOUCH_E_INTERNAL);
  size_t n = c->offset - start->offset;
  VOUCH_ENSURE(n <= start->len && start->len - n == c->len, VOUCH_E_INTERNAL);
  *out = start->data;
  *out_len = n;
  return VOUCH_OK;
}

/* ---- DER ------------------------------------------------------------- */

vouch_status vouch_der_next(vouch_cur *c, uint8_t *out_tag, vouch_cur *content) {
  vouch_cur t = *c;
  uint8_t tag, len0;
  VOUCH_GUARD(vouch_cur_u8(&t, &tag));
  /* Multi-byte (high) tag numbers do not occur in the structures we read. */
  VOUCH_ENSURE((tag & 0x1f) != 0x1f, VOUCH_E_ASN1);
  VOUCH_GUARD(vouch_cur_u8(&t, &len0));
  size_t len;
  if (len0 < 0x80) {
    len = len0;
  } else {
    size_t num = len0 & 0x7f;
    /* 0x80 is indefinite length (BER only); more than 4 length bytes is
     * beyond any limit we accept. */
    VOUCH_ENSURE(num >= 1 && num <= 4, VOUCH_E_ASN1);
    len = 0;
    for (size_t i = 0; i < num; i++) {
      uint8_t b;
      VOUCH_GUARD(vouch_cur_u8(&t, &b));
      VOUCH_ENSURE(!(i == 0 && b == 0), VOUCH_E_ASN1); /* non-minimal */
      len = (len << 8) | b;
    }
    VOUCH_ENSURE(len >= 0x80, VOUCH_E_ASN1); /* should have used short form */
  }
  VOUCH_GUARD(vouch_cur_sub(&t, len, content));
  *out_tag = tag;
  *c = t;
  return VOUCH_OK;
}

vouch_status vouch_der_expect(vouch_cur *c, uint8_t tag, vouch_cur *content) {
  vouch_cur t = *c;
  uint8_t got;
  VOUCH_GUARD(vouch_der_next(&t, &got, content));
  VOUCH_ENSURE(got == tag, VOUCH_E_ASN1);
  *c = t;
  return VOUCH_OK;
}

vouch_status vouch_der_uint(const vouch_cur *content, uint64_t *out) {
  vouch_cur t = *content;
  size_t n = vouch_cur_remaining(&t);
  VOUCH_ENSURE(n >= 1, VOUCH_E_ASN1);
  uint8_t first;
  VOUCH_GUARD(vouch_cur_peek_u8(&t, &first));
  VOUCH_ENSURE((first & 0x80) == 0, VOUCH_E_ASN1); /* negative */
  if (first == 0 && n > 1) {
    uint8_t second;
    VOUCH_GUARD(vouch_cur_skip(&t, 1));
    VOUCH_GUARD(vouch_cur_peek_u8(&t, &second));
    VOUCH_ENSURE((second & 0x80) != 0, VOUCH_E_ASN1); /* superfluous leading zero */
    n--;
  }
  VOUCH_ENSURE(n <= 8, VOUCH_E_ASN1);
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t b;
    VOUCH_GUARD(vouch_cur_u8(&t, &b));
    v = (v << 8) | b;
  }
  *out = v;
  return VOUCH_OK;
}
