/* tests/integration/vector_util.h - what the tests on the real vectors of
 * ../shared/vectors share: finding the folder (VOUCH_VECTORS), reading a
 * file of it, and skipping, with a message, when it is absent.  Include
 * after <cmocka.h>. */
#ifndef VOUCH_TESTS_VECTOR_UTIL_H
#define VOUCH_TESTS_VECTOR_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The vectors folder, or NULL when absent (set by vec_init). */
extern const char *g_vectors;

/* vec_init sets g_vectors from VOUCH_VECTORS when |probe| (a path relative
 * to it) exists there; otherwise it says, once, that |test|'s vector tests
 * will be skipped, and leaves g_vectors NULL. */
void vec_init(const char *test, const char *probe);

typedef struct {
  uint8_t *data;
  size_t len;
} file_buf;

/* vec_read reads g_vectors/|rel| whole (malloc'd); fails the test if it
 * cannot. */
file_buf vec_read(const char *rel);

#define SKIP_WITHOUT_VECTORS()                                                      \
  do {                                                                              \
    if (g_vectors == NULL) {                                                        \
      print_message("vectors not found (set VOUCH_VECTORS), skipping this test\n"); \
      skip();                                                                       \
    }                                                                               \
  } while (0)

#endif /* VOUCH_TESTS_VECTOR_UTIL_H */
