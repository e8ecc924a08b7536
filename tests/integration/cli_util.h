/* tests/integration/cli_util.h - what the tests that drive the `vouch`
 * binary share: running a shell command, reading a file, counting lines,
 * and the skip guard.  Include after <cmocka.h>. */
#ifndef VOUCH_TESTS_CLI_UTIL_H
#define VOUCH_TESTS_CLI_UTIL_H

#include <stddef.h>

/* cli_sh runs a shell command and returns its exit status (-1 if it did
 * not exit); its stdout goes to a malloc'd NUL-terminated string in *out
 * when |out| is not NULL. */
int cli_sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_read_file reads a whole file (NUL-terminated, malloc'd); NULL when it
 * cannot be opened. */
char *cli_read_file(const char *path, size_t *out_len);

/* cli_count_lines counts the newlines of |s|. */
size_t cli_count_lines(const char *s);

/* CLI_NEED(cond, what) skips the test, saying why, when |cond| is false. */
#define CLI_NEED(cond, what)                                  \
  do {                                                        \
    if (!(cond)) {                                            \
      print_message("%s not available, skipping this test\n", what); \
      skip();                                                 \
    }                                                         \
  } while (0)

#endif /* VOUCH_TESTS_CLI_UTIL_H */
