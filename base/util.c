/* base/util.c - hex and whole-file reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static int hex_nibble(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

vouch_status vouch_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len) {
  VOUCH_ENSURE(hex_len % 2 == 0 && hex_len / 2 == out_len, VOUCH_E_HEX);
  for (size_t i = 0; i < out_len; i++) {
    int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
    VOUCH_ENSURE(hi >= 0 && lo >= 0, VOUCH_E_HEX);
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return VOUCH_OK;
}

static void hex_encode(const uint8_t *data, size_t len, char *out, const char *digits) {
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  out[2 * len] = '\0';
}

void vouch_hex_encode(const uint8_t *data, size_t len, char *out) {
  hex_encode(data, len, out, "0123456789abcdef");
}

void vouch_hex_encode_upper(const uint8_t *data, size_t len, char *out) {
  hex_encode(data, len, out, "0123456789ABCDEF");
}

vouch_status vouch_read_file(const char *path, size_t max, uint8_t **out, size_t *out_len,
                             vouch_err *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return vouch_fail(err, VOUCH_E_IO, "cannot open %s: %s", path, strerror(errno));
  }
  vouch_status s = VOUCH_OK;
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap + 1);
  VOUCH_ENSURE_GOTO(s, buf != NULL, VOUCH_E_NOMEM, done);
  for (;;) {
    if (len == cap) {
      if (cap >= max) {
        s = vouch_fail(err, VOUCH_E_LIMIT, "%s is larger than the limit of %zu bytes", path, max);
        goto done;
      }
      size_t ncap = cap * 2 > max ? max : cap * 2;
      uint8_t *nb = realloc(buf, ncap + 1);
      VOUCH_ENSURE_GOTO(s, nb != NULL, VOUCH_E_NOMEM, done);
      buf = nb;
      cap = ncap;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0) break;
  }
  if (ferror(f)) {
    s = vouch_fail(err, VOUCH_E_IO, "error reading %s", path);
    goto done;
  }
  buf[len] = 0;
  *out = buf;
  *out_len = len;
  buf = NULL;
done:
  free(buf);
  fclose(f);
  return s;
}
