/* tests/unit/dcap/dcap_vectors.h - helpers shared by the DCAP parser
 * tests: locating the shared vectors (env VOUCH_VECTORS) and reading
 * files.  Tests that need a vector call VECTOR_OR_SKIP, which prints
 * "vectors not found at ..." and skips just that test when it is absent. */
#ifndef VOUCH_TESTS_DCAP_VECTORS_H
#define VOUCH_TESTS_DCAP_VECTORS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

static inline const char *dcap_vectors_dir(void) {
  const char *d = getenv("VOUCH_VECTORS");
  return d != NULL && d[0] != '\0' ? d : NULL;
}

/* dcap_read_file reads |path| into a malloc'd, NUL-terminated buffer;
 * NULL when it cannot be read. */
static inline uint8_t *dcap_read_file(const char *path, size_t *out_len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap + 1);
  while (buf != NULL) {
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (len < cap) break;
    uint8_t *grown = realloc(buf, 2 * cap + 1);
    if (grown == NULL) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  fclose(f);
  if (buf == NULL) return NULL;
  buf[len] = 0;
  *out_len = len;
  return buf;
}

/* VECTOR_OR_SKIP(buf, len, rel): read vectors/<rel> or skip the test. */
#define VECTOR_OR_SKIP(buf, len, rel)                                                           \
  do {                                                                                          \
    char vpath_[1024];                                                                          \
    const char *vdir_ = dcap_vectors_dir();                                                     \
    snprintf(vpath_, sizeof(vpath_), "%s/%s", vdir_ ? vdir_ : "$VOUCH_VECTORS (unset)", (rel)); \
    (buf) = vdir_ ? dcap_read_file(vpath_, &(len)) : NULL;                                      \
    if ((buf) == NULL) {                                                                        \
      print_message("vectors not found at %s\n", vpath_);                                       \
      skip();                                                                                   \
    }                                                                                           \
  } while (0)

static inline void dcap_unhex(const char *hex, uint8_t *out, size_t n) {
  assert_int_equal(strlen(hex), 2 * n);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
}

#endif
