/* base/buf.c - the output builder (sticky errors, hard cap) and the JSON
 * writer on top of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/base.h"

void vouch_buf_init(vouch_buf *b, size_t max) {
  memset(b, 0, sizeof(*b));
  b->max = max;
}

void vouch_buf_free(vouch_buf *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

void vouch_buf_reset(vouch_buf *b) {
  b->len = 0;
  b->status = VOUCH_OK;
  if (b->data) b->data[0] = '\0';
}

static size_t buf_max(const vouch_buf *b) { return b->max ? b->max : VOUCH_BUF_DEFAULT_MAX; }

/* reserve makes room for |extra| more bytes plus a NUL, or sets the sticky
 * error.  Returns false when nothing may be written. */
static bool reserve(vouch_buf *b, size_t extra) {
  if (b->status != VOUCH_OK) return false;
  if (extra > buf_max(b) - b->len) {
    b->status = VOUCH_E_LIMIT;
    return false;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  char *p = realloc(b->data, cap);
  if (p == NULL) {
    b->status = VOUCH_E_NOMEM;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void vouch_buf_append(vouch_buf *b, const void *data, size_t len) {
  if (!reserve(b, len)) return;
  if (len > 0) memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void vouch_buf_puts(vouch_buf *b, const char *s) { vouch_buf_append(b, s, strlen(s)); }

void vouch_buf_putc(vouch_buf *b, char ch) { vouch_buf_append(b, &ch, 1); }

void vouch_buf_vprintf(vouch_buf *b, const char *fmt, va_list ap) {
  if (b->status != VOUCH_OK) return;
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) {
    b->status = VOUCH_E_INTERNAL;
    return;
  }
  if (!reserve(b, (size_t)n)) return;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void vouch_buf_printf(vouch_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vouch_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void vouch_buf_hex(vouch_buf *b, const uint8_t *data, size_t len) {
  static const char kHex[] = "0123456789abcdef";
  if (len > (SIZE_MAX - 1) / 2 || !reserve(b, 2 * len)) {
    if (b->status == VOUCH_OK) b->status = VOUCH_E_LIMIT;
    return;
  }
  char *o = b->data + b->len;
  for (size_t i = 0; i < len; i++) {
    o[2 * i] = kHex[data[i] >> 4];
    o[2 * i + 1] = kHex[data[i] & 15];
  }
  b->len += 2 * len;
  b->data[b->len] = '\0';
}

size_t vouch_json_plain_prefix(const char *s, size_t len) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i del = _mm_set1_epi8(0x7f), ctl_max = _mm_set1_epi8(0x1f);
  for (; i + 16 <= len; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    /* max(v, 0x1f) == 0x1f exactly for the bytes <= 0x1f (unsigned). */
    __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
        _mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_cmpeq_epi8(_mm_max_epu8(v, ctl_max), ctl_max)));
    int mask = _mm_movemask_epi8(special);
    if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
  }
#else
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\'), dl = w ^ (ones * 0x7f);
    uint64_t special = ((q - ones) & ~q) | ((bs - ones) & ~bs) | ((dl - ones) & ~dl) |
                       ((w - ones * 0x20) & ~w);
    if (special & highs) break;
  }
#endif
  for (; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) break;
  }
  return i;
}

void vouch_buf_json_string(vouch_buf *b, const char *s, size_t len) {
  static const char kHex[] = "0123456789abcdef";
  vouch_buf_putc(b, '"');
  size_t i = 0;
  while (i < len) {
    size_t run = vouch_json_plain_prefix(s + i, len - i);
    vouch_buf_append(b, s + i, run);
    i += run;
    if (i == len) break;
    unsigned char ch = (unsigned char)s[i++];
    switch (ch) {
      case '"': vouch_buf_puts(b, "\\\""); break;
      case '\\': vouch_buf_puts(b, "\\\\"); break;
      case '\n': vouch_buf_puts(b, "\\n"); break;
      case '\r': vouch_buf_puts(b, "\\r"); break;
      case '\t': vouch_buf_puts(b, "\\t"); break;
      case '\b': vouch_buf_puts(b, "\\b"); break;
      case '\f': vouch_buf_puts(b, "\\f"); break;
      default: {
        char u[7] = {'\\', 'u', '0', '0', kHex[ch >> 4], kHex[ch & 15], '\0'};
        vouch_buf_puts(b, u);
      }
    }
  }
  vouch_buf_putc(b, '"');
}

const char *vouch_buf_cstr(const vouch_buf *b) { return b->data ? b->data : ""; }

vouch_status vouch_buf_status(const vouch_buf *b) { return b->status; }

/* ---- JSON writer ------------------------------------------------------- */

void vouch_json_init(vouch_json *j, vouch_buf *out) {
  memset(j, 0, sizeof(*j));
  j->out = out;
}

static void json_misuse(vouch_json *j) {
  if (j->out->status == VOUCH_OK) j->out->status = VOUCH_E_INTERNAL;
}

/* before_value places the comma (arrays) and checks that an object member
 * got its key first. */
static void before_value(vouch_json *j) {
  if (j->depth == 0) return;
  if (j->in_object[j->depth - 1]) {
    if (!j->have_key) json_misuse(j);
    j->have_key = false;
    return;
  }
  if (j->need_comma[j->depth - 1]) vouch_buf_putc(j->out, ',');
  j->need_comma[j->depth - 1] = true;
}

static void begin(vouch_json *j, bool object) {
  before_value(j);
  if (j->depth >= VOUCH_JSON_MAX_DEPTH) {
    json_misuse(j);
    return;
  }
  vouch_buf_putc(j->out, object ? '{' : '[');
  j->in_object[j->depth] = object;
  j->need_comma[j->depth] = false;
  j->depth++;
}

static void end(vouch_json *j, bool object) {
  if (j->depth == 0 || j->in_object[j->depth - 1] != object || j->have_key) {
    json_misuse(j);
    return;
  }
  j->depth--;
  vouch_buf_putc(j->out, object ? '}' : ']');
}

void vouch_json_begin_object(vouch_json *j) { begin(j, true); }
void vouch_json_end_object(vouch_json *j) { end(j, true); }
void vouch_json_begin_array(vouch_json *j) { begin(j, false); }
void vouch_json_end_array(vouch_json *j) { end(j, false); }

void vouch_json_key(vouch_json *j, const char *key) { vouch_json_key_len(j, key, strlen(key)); }

void vouch_json_key_len(vouch_json *j, const char *key, size_t len) {
  if (j->depth == 0 || !j->in_object[j->depth - 1] || j->have_key) {
    json_misuse(j);
    return;
  }
  if (j->need_comma[j->depth - 1]) vouch_buf_putc(j->out, ',');
  j->need_comma[j->depth - 1] = true;
  vouch_buf_json_string(j->out, key, len);
  vouch_buf_putc(j->out, ':');
  j->have_key = true;
}

void vouch_json_string(vouch_json *j, const char *s) { vouch_json_string_len(j, s, strlen(s)); }

void vouch_json_string_len(vouch_json *j, const char *s, size_t len) {
  before_value(j);
  vouch_buf_json_string(j->out, s, len);
}

void vouch_json_hex(vouch_json *j, const uint8_t *data, size_t len) {
  before_value(j);
  vouch_buf_putc(j->out, '"');
  vouch_buf_hex(j->out, data, len);
  vouch_buf_putc(j->out, '"');
}

/* put_u64 formats without printf: results carry many small integers. */
static void put_u64(vouch_buf *b, uint64_t v, bool negative) {
  char tmp[24];
  size_t i = sizeof(tmp);
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (negative) tmp[--i] = '-';
  vouch_buf_append(b, tmp + i, sizeof(tmp) - i);
}

void vouch_json_int(vouch_json *j, int64_t v) {
  before_value(j);
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  put_u64(j->out, mag, v < 0);
}

void vouch_json_uint(vouch_json *j, uint64_t v) {
  before_value(j);
  put_u64(j->out, v, false);
}

void vouch_json_bool(vouch_json *j, bool v) {
  before_value(j);
  vouch_buf_puts(j->out, v ? "true" : "false");
}

void vouch_json_null(vouch_json *j) {
  before_value(j);
  vouch_buf_puts(j->out, "null");
}

void vouch_json_raw(vouch_json *j, const char *text, size_t len) {
  before_value(j);
  vouch_buf_append(j->out, text, len);
}
