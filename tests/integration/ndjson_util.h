/* tests/integration/ndjson_util.h - reading an NDJSON file (evidence,
 * results, expected verdicts) into a jansson array, for the tests that
 * compare them line by line.  Include after <cmocka.h>. */
#ifndef VOUCH_TESTS_NDJSON_UTIL_H
#define VOUCH_TESTS_NDJSON_UTIL_H

#include <jansson.h>

/* ndjson_load parses every line of |path| (each ending in a newline) into
 * one JSON array; fails the test on a missing file or a line that is not
 * JSON. */
json_t *ndjson_load(const char *path);

#endif /* VOUCH_TESTS_NDJSON_UTIL_H */
