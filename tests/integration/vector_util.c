/* tests/integration/vector_util.c - see vector_util.h. */
/* cmocka.h needs the standard headers before it. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
/* clang-format on */

#include "base/base.h"
#include "vector_util.h"

const char *g_vectors;

void vec_init(const char *test, const char *probe) {
  const char *dir = getenv("VOUCH_VECTORS");
  FILE *f = NULL;
  if (dir != NULL) {
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", dir, probe);
    f = fopen(p, "rb");
  }
  if (f == NULL) {
    fprintf(stderr, "%s: vectors not found at %s; vector tests will be SKIPPED\n", test,
            dir ? dir : "(VOUCH_VECTORS unset)");
    g_vectors = NULL;
    return;
  }
  fclose(f);
  g_vectors = dir;
}

file_buf vec_read(const char *rel) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", g_vectors, rel);
  file_buf f = {0};
  vouch_err err = {0};
  if (vouch_read_file(path, 16 << 20, &f.data, &f.len, &err) != VOUCH_OK) {
    fail_msg("cannot read %s: %s", path, err.msg);
  }
  return f;
}
