/* crypto/base64.c - strict RFC 4648 base64, table driven.
 *
 * Strictness is the point: every accepted input has exactly one decoding
 * and (up to alphabet and padding) one encoding, so two different strings
 * never name the same bytes.  Hence: one alphabet per input, '=' only as
 * the final padding of a complete group, zero trailing bits, no length
 * that leaves 6 dangling bits.
 */
#include <pthread.h>
#include <string.h>

#include "crypto/internal.h"

/* kDecode maps a character to 1 + its 6-bit value, 0 for characters outside
 * both alphabets ('+' and '-' are 62, '/' and '_' are 63).  kClass marks the
 * characters specific to one alphabet. */
enum { kStd = 1, kUrl = 2 };

#define R4(c, v) [c] = (v), [(c) + 1] = (v) + 1, [(c) + 2] = (v) + 2, [(c) + 3] = (v) + 3
#define R13(c, v) R4(c, v), R4((c) + 4, (v) + 4), R4((c) + 8, (v) + 8), [(c) + 12] = (v) + 12
static const uint8_t kDecode[256] = {
    R13('A', 1), R13('N', 14), R13('a', 27), R13('n', 40), R4('0', 53), R4('4', 57),
    ['8'] = 61,  ['9'] = 62,   ['+'] = 63,   ['-'] = 63,   ['/'] = 64,  ['_'] = 64,
};
#undef R4
#undef R13
static const uint8_t kClass[256] = {['+'] = kStd, ['/'] = kStd, ['-'] = kUrl, ['_'] = kUrl};

static inline bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

size_t vouch_base64_decoded_max(size_t in_len) {
  return in_len / 4 * 3 + 3;
}

/* scan validates the characters of |in| and counts the significant ones
 * (*out_n) and the trailing '='s (*out_pad). */
static vouch_status scan(const char *in, size_t in_len, bool skip_ws, size_t *out_n,
                         size_t *out_pad) {
  size_t n = 0, pad = 0;
  unsigned cls = 0;
  for (size_t i = 0; i < in_len; i++) {
    unsigned char c = (unsigned char)in[i];
    if (skip_ws && is_space(c)) continue;
    if (c == '=') {
      pad++;
      continue;
    }
    VOUCH_ENSURE(pad == 0 && kDecode[c] != 0, VOUCH_E_BASE64);
    cls |= kClass[c];
    n++;
  }
  VOUCH_ENSURE(cls != (kStd | kUrl), VOUCH_E_BASE64);
  VOUCH_ENSURE(n % 4 != 1 && pad <= 2, VOUCH_E_BASE64);
  /* Padding, if any, must complete the last group exactly. */
  VOUCH_ENSURE(pad == 0 || (n + pad) % 4 == 0, VOUCH_E_BASE64);
  *out_n = n;
  *out_pad = pad;
  return VOUCH_OK;
}

/* finish_group writes the bytes of a final partial group of |rem| (2 or 3)
 * characters held in |acc|.  Such a group carries 4 or 2 bits beyond its
 * last byte; they must be zero or the encoding is not canonical. */
static vouch_status finish_group(uint32_t acc, size_t rem, uint8_t *out, size_t o,
                                 size_t *out_len) {
  if (rem == 2) {
    VOUCH_ENSURE((acc & 0xf) == 0, VOUCH_E_BASE64);
    out[o++] = (uint8_t)(acc >> 4);
  } else if (rem == 3) {
    VOUCH_ENSURE((acc & 0x3) == 0, VOUCH_E_BASE64);
    out[o++] = (uint8_t)(acc >> 10);
    out[o++] = (uint8_t)(acc >> 2);
  }
  *out_len = o;
  return VOUCH_OK;
}

static vouch_status decode(const char *in, size_t in_len, bool skip_ws, uint8_t *out,
                           size_t out_cap, size_t *out_len) {
  VOUCH_ENSURE(in != NULL || in_len == 0, VOUCH_E_ARG);
  VOUCH_ENSURE_REF(out_len);
  size_t n, pad;
  VOUCH_GUARD(scan(in, in_len, skip_ws, &n, &pad));
  size_t rem = n % 4;
  size_t need = n / 4 * 3 + (rem ? rem - 1 : 0);
  VOUCH_ENSURE(need <= out_cap && (out != NULL || need == 0), VOUCH_E_ARG);

  uint32_t acc = 0;
  size_t got = 0, o = 0;
  for (size_t i = 0; i < in_len && got < n; i++) {
    unsigned char c = (unsigned char)in[i];
    if (skip_ws && is_space(c)) continue;
    acc = acc << 6 | (uint32_t)(kDecode[c] - 1);
    if (++got % 4 == 0) {
      out[o++] = (uint8_t)(acc >> 16);
      out[o++] = (uint8_t)(acc >> 8);
      out[o++] = (uint8_t)acc;
      acc = 0;
    }
  }
  return finish_group(acc, rem, out, o, out_len);
}

/* g_shifted[k][c] is character |c| in position |k| of a group of four,
 * already shifted into place in the group's 24 bits (k = 0: bits 18-23),
 * with the flags in the top byte: kBadBit for a character outside both
 * alphabets, kStd/kUrl << 25 for the alphabet-specific ones.  A group is
 * then four lookups ORed together, its flags above its three bytes. */
enum { kBadBit = 1u << 24, kClassShift = 25 };
static uint32_t g_shifted[4][256];
static pthread_once_t g_shifted_once = PTHREAD_ONCE_INIT;

static void build_shifted(void) {
  for (int c = 0; c < 256; c++) {
    for (int k = 0; k < 4; k++) {
      g_shifted[k][c] = kDecode[c] == 0 ? kBadBit
                                        : (uint32_t)(kDecode[c] - 1) << (18 - 6 * k) |
                                              (uint32_t)kClass[c] << kClassShift;
    }
  }
}

/* decode_compact is decode without whitespace, in one pass and four
 * characters at a time: the envelope's evidence (kilobytes per item) goes
 * through it on the hot path.  Same rules, same results. */
static vouch_status decode_compact(const char *in, size_t in_len, uint8_t *out, size_t out_cap,
                                   size_t *out_len) {
  VOUCH_ENSURE(in != NULL || in_len == 0, VOUCH_E_ARG);
  VOUCH_ENSURE_REF(out_len);
  size_t pad = 0;
  while (pad < 2 && in_len > 0 && in[in_len - 1] == '=') {
    in_len--;
    pad++;
  }
  size_t n = in_len, rem = n % 4;
  VOUCH_ENSURE(rem != 1, VOUCH_E_BASE64);
  VOUCH_ENSURE(pad == 0 || (n + pad) % 4 == 0, VOUCH_E_BASE64);
  size_t need = n / 4 * 3 + (rem ? rem - 1 : 0);
  VOUCH_ENSURE(need <= out_cap && (out != NULL || need == 0), VOUCH_E_ARG);
  pthread_once(&g_shifted_once, build_shifted);
  const unsigned char *u = (const unsigned char *)in;
  uint32_t flags = 0; /* kBadBit and the alphabet bits seen */
  size_t i = 0, o = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t v = g_shifted[0][u[i]] | g_shifted[1][u[i + 1]] | g_shifted[2][u[i + 2]] |
                 g_shifted[3][u[i + 3]];
    flags |= v;
    out[o] = (uint8_t)(v >> 16);
    out[o + 1] = (uint8_t)(v >> 8);
    out[o + 2] = (uint8_t)v;
    o += 3;
  }
  uint32_t acc = 0;
  for (; i < n; i++) {
    uint32_t v = g_shifted[3][u[i]]; /* the value in the low six bits */
    flags |= v;
    acc = acc << 6 | (v & 63);
  }
  unsigned cls = (flags >> kClassShift) & (kStd | kUrl);
  VOUCH_ENSURE(!(flags & kBadBit) && cls != (kStd | kUrl), VOUCH_E_BASE64);
  return finish_group(acc, rem, out, o, out_len);
}

vouch_status vouch_base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap,
                                 size_t *out_len) {
  return decode_compact(in, in_len, out, out_cap, out_len);
}

vouch_status vouch_base64_decode_mime(const char *in, size_t in_len, uint8_t *out, size_t out_cap,
                                      size_t *out_len) {
  return decode(in, in_len, true, out, out_cap, out_len);
}

static void encode(vouch_buf *b, const uint8_t *data, size_t len, const char *alphabet, bool pad) {
  char chunk[256]; /* batched appends: 64 groups at a time */
  size_t c = 0;
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
    chunk[c++] = alphabet[v >> 18];
    chunk[c++] = alphabet[(v >> 12) & 63];
    chunk[c++] = alphabet[(v >> 6) & 63];
    chunk[c++] = alphabet[v & 63];
    if (c == sizeof(chunk)) {
      vouch_buf_append(b, chunk, c);
      c = 0;
    }
  }
  size_t rem = len - i;
  if (rem > 0) {
    uint32_t v = (uint32_t)data[i] << 16 | (rem == 2 ? (uint32_t)data[i + 1] << 8 : 0);
    chunk[c++] = alphabet[v >> 18];
    chunk[c++] = alphabet[(v >> 12) & 63];
    if (rem == 2) chunk[c++] = alphabet[(v >> 6) & 63];
    if (pad) {
      if (rem == 1) chunk[c++] = '=';
      chunk[c++] = '=';
    }
  }
  if (c > 0) vouch_buf_append(b, chunk, c);
}

void vouch_base64_encode(vouch_buf *b, const uint8_t *data, size_t len) {
  encode(b, data, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

void vouch_base64url_encode(vouch_buf *b, const uint8_t *data, size_t len) {
  encode(b, data, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false);
}

void vouch_json_string_b64url(vouch_json *j, const uint8_t *data, size_t len) {
  vouch_buf t;
  vouch_buf_init(&t, 0);
  vouch_base64url_encode(&t, data, len);
  if (vouch_buf_status(&t) == VOUCH_OK) {
    vouch_json_string_len(j, t.data ? t.data : "", t.len);
  } else {
    vouch_json_null(j);
  }
  vouch_buf_free(&t);
}

void vouch_cert_pem_encode(vouch_buf *b, const uint8_t *der, size_t len) {
  /* 48 input bytes are exactly one 64-character line, so each chunk encodes
   * without padding except the last. */
  vouch_buf_puts(b, "-----BEGIN CERTIFICATE-----\n");
  for (size_t i = 0; i < len; i += 48) {
    vouch_base64_encode(b, der + i, len - i < 48 ? len - i : 48);
    vouch_buf_putc(b, '\n');
  }
  vouch_buf_puts(b, "-----END CERTIFICATE-----\n");
}
