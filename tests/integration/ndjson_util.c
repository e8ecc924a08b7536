/* tests/integration/ndjson_util.c - see ndjson_util.h. */
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

#include "cli_util.h"
#include "ndjson_util.h"

json_t *ndjson_load(const char *path) {
  char *text = cli_read_file(path, NULL);
  if (text == NULL) fail_msg("cannot open %s", path);
  json_t *arr = json_array();
  char *line = text;
  while (*line) {
    char *nl = strchr(line, '\n');
    if (nl == NULL) fail_msg("%s: last line has no newline", path);
    *nl = '\0';
    json_error_t e;
    json_t *v = json_loads(line, 0, &e);
    if (v == NULL) fail_msg("%s: not JSON: %s (%.80s)", path, e.text, line);
    json_array_append_new(arr, v);
    line = nl + 1;
  }
  free(text);
  return arr;
}
