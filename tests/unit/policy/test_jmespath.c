/* Unit tests for policy/jmespath.c: the two queries of the Azure TPM
 * sample policy (policy.md section 10, example 8) on a TCG event log in
 * Azure's JSON shape, each supported construct with JMESPath's semantics,
 * the result serialization, and every error class and limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/base.h"
#include "policy/jmespath.h"

/* ---- helpers ---------------------------------------------------------------- */

static vouch_status run(const char *json, const char *query, vouch_buf *out, vouch_err *err) {
  vouch_buf_init(out, 0);
  vouch_err_clear(err);
  return vouch_jmespath(json, strlen(json), query, strlen(query), out, err);
}

/* check: |query| on |json| succeeds with exactly |expected|. */
static void check(const char *json, const char *query, const char *expected) {
  vouch_buf out;
  vouch_err err;
  vouch_status s = run(json, query, &out, &err);
  if (s != VOUCH_OK) print_error("query <%s> failed: %s\n", query, err.msg);
  assert_int_equal(s, VOUCH_OK);
  if (strcmp(vouch_buf_cstr(&out), expected) != 0) {
    print_error("query <%s>: got %s, want %s\n", query, vouch_buf_cstr(&out), expected);
  }
  assert_string_equal(vouch_buf_cstr(&out), expected);
  vouch_buf_free(&out);
}

/* check_fail: |query| on |json| fails with |code|, a message holding
 * |needle|, and nothing written. */
static void check_fail(const char *json, const char *query, vouch_status code,
                       const char *needle) {
  vouch_buf out;
  vouch_err err;
  vouch_status s = run(json, query, &out, &err);
  if (s != code || strstr(err.msg, needle) == NULL) {
    print_error("query <%.80s>: got %s \"%s\", want %s \"%s\"\n", query, vouch_status_name(s),
                err.msg, vouch_status_name(code), needle);
  }
  assert_int_equal(s, code);
  assert_int_equal(err.code, code);
  assert_non_null(strstr(err.msg, needle));
  assert_int_equal(out.len, 0);
  vouch_buf_free(&out);
}

/* ---- the TPM sample policy on an event log --------------------------------- */

static const char kQuery1[] =
    "Events[?EventTypeString == 'EV_EFI_VARIABLE_DRIVER_CONFIG' && "
    "ProcessedData.VariableGuid == '8BE4DF61-93CA-11D2-AA0D-00E098032B8C']";
static const char kQuery2[] =
    "[?ProcessedData.UnicodeName == 'SecureBoot'] | length(@) == `1` && "
    "@[0].ProcessedData.VariableData == 'AQ'";

#define GLOBAL_GUID "8BE4DF61-93CA-11D2-AA0D-00E098032B8C"
#define DB_GUID "D719B2CB-3D3A-4596-A3BC-DAD00E67656F"

/* driver_config: one EV_EFI_VARIABLE_DRIVER_CONFIG event, compact and in
 * the member order Azure's log uses. */
#define DRIVER_CONFIG(num, guid, name, data)                                                  \
  "{\"EventNum\":" #num ",\"PcrIndex\":7,\"EventType\":2147483649,"                           \
  "\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\",\"EventSize\":53,"                   \
  "\"Digests\":[{\"AlgorithmId\":\"sha256\",\"Digest\":"                                      \
  "\"ccfc4bb32888a345bc8aeadaba552b627d99348c767681ab3141f5b01e40a40e\"}],"                   \
  "\"ProcessedData\":{\"VariableGuid\":\"" guid "\",\"UnicodeNameLength\":10,"               \
  "\"VariableDataLength\":1,\"UnicodeName\":\"" name "\",\"VariableData\":\"" data "\"}}"

#define EV_SECUREBOOT_ON DRIVER_CONFIG(2, GLOBAL_GUID, "SecureBoot", "AQ")
#define EV_SECUREBOOT_OFF DRIVER_CONFIG(2, GLOBAL_GUID, "SecureBoot", "AA")
#define EV_PK DRIVER_CONFIG(3, GLOBAL_GUID, "PK", "oVjLxoBq")
#define EV_KEK DRIVER_CONFIG(4, GLOBAL_GUID, "KEK", "oVjLxoBr")
#define EV_DB DRIVER_CONFIG(5, DB_GUID, "db", "oVjLxoBs")
#define EV_DBX DRIVER_CONFIG(6, DB_GUID, "dbx", "JhZsDlZ5")

/* event_log: a log with |secureboot| (zero, one or more events, each with
 * a trailing comma) among the usual events of a boot. */
static char *event_log(const char *secureboot) {
  static const char kHead[] =
      "{\"TcgEventLogVersion\":\"1.0\",\"Events\":["
      "{\"EventNum\":0,\"PcrIndex\":0,\"EventType\":3,\"EventTypeString\":\"EV_NO_ACTION\","
      "\"EventSize\":45,\"Digests\":[{\"AlgorithmId\":\"sha1\",\"Digest\":"
      "\"0000000000000000000000000000000000000000\"}],"
      "\"ProcessedData\":{\"Signature\":\"Spec ID Event03\",\"PlatformClass\":0}},"
      "{\"EventNum\":1,\"PcrIndex\":0,\"EventType\":8,\"EventTypeString\":\"EV_S_CRTM_VERSION\","
      "\"EventSize\":2,\"Digests\":[{\"AlgorithmId\":\"sha256\",\"Digest\":"
      "\"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7\"}],"
      "\"ProcessedData\":{\"Data\":\"0000\"}},";
  static const char kTail[] =
      EV_PK "," EV_KEK "," EV_DB "," EV_DBX ","
      "{\"EventNum\":7,\"PcrIndex\":1,\"EventType\":2147483650,"
      "\"EventTypeString\":\"EV_EFI_VARIABLE_BOOT\",\"EventSize\":62,\"Digests\":[],"
      "\"ProcessedData\":{\"VariableGuid\":\"" GLOBAL_GUID "\",\"UnicodeName\":\"BootOrder\","
      "\"VariableData\":\"AAA\"}},"
      "{\"EventNum\":8,\"PcrIndex\":7,\"EventType\":4,\"EventTypeString\":\"EV_SEPARATOR\","
      "\"EventSize\":4,\"Digests\":[],\"ProcessedData\":{\"Data\":\"00000000\"}}]}";
  size_t n = strlen(kHead) + strlen(secureboot) + strlen(kTail) + 1;
  char *s = malloc(n);
  assert_non_null(s);
  snprintf(s, n, "%s%s%s", kHead, secureboot, kTail);
  return s;
}

/* secure_boot_claim runs the two policy rules the way the policy engine
 * does: the first rule's result is the second one's input. */
static char *secure_boot_claim(const char *log, char **out_vars) {
  vouch_buf vars, claim;
  vouch_err err;
  assert_int_equal(run(log, kQuery1, &vars, &err), VOUCH_OK);
  assert_int_equal(run(vouch_buf_cstr(&vars), kQuery2, &claim, &err), VOUCH_OK);
  *out_vars = strdup(vouch_buf_cstr(&vars));
  char *r = strdup(vouch_buf_cstr(&claim));
  vouch_buf_free(&vars);
  vouch_buf_free(&claim);
  return r;
}

static void test_policy_secure_boot_on(void **state) {
  (void)state;
  char *log = event_log(EV_SECUREBOOT_ON ",");
  char *vars;
  char *claim = secure_boot_claim(log, &vars);
  /* Only the EFI global variables of type DRIVER_CONFIG, in log order,
   * each byte for byte as in the log (member order, large integers). */
  assert_string_equal(vars, "[" EV_SECUREBOOT_ON "," EV_PK "," EV_KEK "]");
  assert_string_equal(claim, "true");
  free(vars);
  free(claim);
  free(log);
}

static void test_policy_secure_boot_off(void **state) {
  (void)state;
  char *log = event_log(EV_SECUREBOOT_OFF ",");
  char *vars;
  char *claim = secure_boot_claim(log, &vars);
  assert_string_equal(vars, "[" EV_SECUREBOOT_OFF "," EV_PK "," EV_KEK "]");
  assert_string_equal(claim, "false");
  free(vars);
  free(claim);
  free(log);
}

static void test_policy_secure_boot_absent(void **state) {
  (void)state;
  char *log = event_log("");
  char *vars;
  char *claim = secure_boot_claim(log, &vars);
  assert_string_equal(vars, "[" EV_PK "," EV_KEK "]");
  /* length(@) == 1 is false, and false && x is false, not x. */
  assert_string_equal(claim, "false");
  free(vars);
  free(claim);
  free(log);
}

static void test_policy_secure_boot_twice(void **state) {
  (void)state;
  char *log = event_log(EV_SECUREBOOT_ON "," EV_SECUREBOOT_ON ",");
  char *vars;
  char *claim = secure_boot_claim(log, &vars);
  assert_string_equal(vars, "[" EV_SECUREBOOT_ON "," EV_SECUREBOOT_ON "," EV_PK "," EV_KEK "]");
  assert_string_equal(claim, "false");
  free(vars);
  free(claim);
  free(log);
}

static void test_policy_edge_inputs(void **state) {
  (void)state;
  /* No matching event at all: an empty list, and the second rule says
   * false. */
  check("{\"Events\":[{\"EventTypeString\":\"EV_SEPARATOR\"}]}", kQuery1, "[]");
  check("[]", kQuery2, "false");
  /* No Events member: the filter of a missing value is null. */
  check("{\"events\":[]}", kQuery1, "null");
  /* ... and the second rule on null fails like JMESPath does: the filter
   * gives null and length(null) is a type error. */
  check_fail("null", kQuery2, VOUCH_E_MALFORMED, "invalid-type: length() expects");
  /* Blanks around the JSON and the query are fine. */
  check(" \r\n[ ] \n", " \t[?a] | length(@)\n", "0");
}

/* ---- constructs ------------------------------------------------------------- */

static void test_identifiers(void **state) {
  (void)state;
  const char *doc = "{\"a\":{\"b\":{\"c\":1}},\"Event Type\":\"x\",\"a.b\":2,\"q\\\"t\":3,"
                    "\"A\":\"upper\",\"_x9\":5}";
  check(doc, "a", "{\"b\":{\"c\":1}}");
  check(doc, "a.b.c", "1");
  check(doc, "a.b.c.d", "null");
  check(doc, "a.x.c", "null");
  check(doc, "A", "\"upper\"");
  check(doc, "_x9", "5");
  check(doc, "\"Event Type\"", "\"x\"");
  check(doc, "\"a.b\"", "2");
  check(doc, "\"a\".\"b\".c", "1");
  check(doc, "\"q\\\"t\"", "3");
  /* jansson refuses NUL in member names, so this one matches nothing. */
  check(doc, "\"n\\u0000ul\"", "null");
  check(doc, "\"\\u0041\"", "\"upper\"");
  check(doc, "missing", "null");
  /* A field of a non-object is null, not an error. */
  check("[1,2]", "a", "null");
  check("\"s\"", "a", "null");
  /* @ is the current node. */
  check(doc, "@.a.b", "{\"c\":1}");
  check("[1,2]", "@", "[1,2]");
  check("42", "@", "42");
}

static void test_index(void **state) {
  (void)state;
  const char *doc = "{\"a\":[10,[20,21],30],\"o\":{\"0\":1}}";
  check(doc, "a[0]", "10");
  check(doc, "a[2]", "30");
  check(doc, "a[-1]", "30");
  check(doc, "a[-3]", "10");
  check(doc, "a[3]", "null");
  check(doc, "a[-4]", "null");
  check(doc, "a[1][1]", "21");
  check(doc, "a[1][-2]", "20");
  check(doc, "a[99999999999999999999999]", "null");
  check(doc, "a[-99999999999999999999999]", "null");
  check(doc, "o[0]", "null");
  check("[\"x\",\"y\"]", "[1]", "\"y\"");
  check("[\"x\",\"y\"]", "@[0]", "\"x\"");
}

static void test_projections(void **state) {
  (void)state;
  const char *doc = "{\"a\":[{\"b\":1},{\"c\":2},{\"b\":null},{\"b\":3},5,\"s\",{\"b\":[7,8]}]}";
  /* Null results are dropped; the rest keep their order. */
  check(doc, "a[*].b", "[1,3,[7,8]]");
  check(doc, "a[*].b[0]", "[7]");
  check(doc, "a[*]", "[{\"b\":1},{\"c\":2},{\"b\":null},{\"b\":3},5,\"s\",{\"b\":[7,8]}]");
  check(doc, "a[*].x", "[]");
  /* A projection of a non-array is null. */
  check(doc, "x[*].b", "null");
  check("{\"a\":{\"b\":1}}", "a[*].b", "null");
  check("{\"a\":\"str\"}", "a[?b]", "null");
  /* Nested projections keep the nesting. */
  check("{\"a\":[{\"b\":[{\"c\":1},{\"c\":2}]},{\"b\":[{\"c\":3}]}]}", "a[*].b[*].c",
        "[[1,2],[3]]");
  /* Flatten merges one level and projects too. */
  check("{\"a\":[[1,2],3,[4,[5]]]}", "a[]", "[1,2,3,4,[5]]");
  check("{\"a\":[[1,2],3,[4,[5]]]}", "a[][]", "[1,2,3,4,5]");
  check("{\"a\":[{\"b\":[1,2]},{\"b\":[3]}]}", "a[*].b[]", "[1,2,3]");
  check("{\"a\":[{\"b\":1},{\"b\":2}]}", "a[].b", "[1,2]");
  check("[[1],[2]]", "[]", "[1,2]");
  check("[{\"a\":1},{\"a\":2}]", "[*].a", "[1,2]");
  check("{\"a\":1}", "a[]", "null");
  /* The object wildcard projects the values, in document order. */
  check("{\"o\":{\"y\":{\"v\":1},\"x\":{\"v\":2},\"z\":{}}}", "o.*.v", "[1,2]");
  check("{\"y\":1,\"x\":2}", "*", "[1,2]");
  check("[1]", "*", "null");
}

static void test_pipe_stops_projection(void **state) {
  (void)state;
  const char *doc = "{\"a\":[{\"b\":[1,2]},{\"b\":[3,4]}]}";
  /* Without a pipe the index applies to each element ... */
  check(doc, "a[*].b[0]", "[1,3]");
  /* ... with one it applies to the projected list. */
  check(doc, "a[*].b | [0]", "[1,2]");
  check(doc, "a[*].b | [-1][0]", "3");
  check(doc, "a[*] | length(@)", "2");
  check(doc, "a | [*].b | [1] | [1]", "4");
  /* Comparators and && also end a projection (they bind weaker). */
  check(doc, "a[*].b == `[[1,2],[3,4]]`", "true");
}

static void test_filters(void **state) {
  (void)state;
  const char *doc =
      "{\"p\":[{\"n\":\"a\",\"v\":1,\"t\":true},{\"n\":\"b\",\"v\":2,\"t\":false},"
      "{\"n\":\"c\",\"v\":3},{\"n\":\"d\",\"v\":\"3\",\"t\":[]}],\"nums\":[1,5,2,8]}";
  check(doc, "p[?v > `1`].n", "[\"b\",\"c\"]");
  check(doc, "p[?v >= `2`].n", "[\"b\",\"c\"]");
  check(doc, "p[?v < `2`].n", "[\"a\"]");
  check(doc, "p[?v <= `2`].n", "[\"a\",\"b\"]");
  check(doc, "p[?v == `3`].n", "[\"c\"]");
  check(doc, "p[?v == '3'].n", "[\"d\"]");
  check(doc, "p[?v != `3`].n", "[\"a\",\"b\",\"d\"]");
  check(doc, "p[?t].n", "[\"a\"]");
  check(doc, "p[?!t].n", "[\"b\",\"c\",\"d\"]");
  check(doc, "p[?n == 'a' || n == 'c'].v", "[1,3]");
  check(doc, "p[?(n == 'a' || n == 'c') && v > `1`].n", "[\"c\"]");
  check(doc, "p[?n == 'a' || n == 'c' && v > `1`].n", "[\"a\",\"c\"]");
  check(doc, "p[?!(n == 'a')].n | [0]", "\"b\"");
  check(doc, "nums[?@ > `2`]", "[5,8]");
  check(doc, "p[?n == 'zz']", "[]");
  /* A filter keeps projecting: each kept element's .n, nulls dropped. */
  check(doc, "p[?v].t", "[true,false,[]]");
  /* A filter right after a filter applies to each kept element (here
   * objects, so null, dropped); a pipe applies it to the kept list. */
  check(doc, "p[?v > `1`][?n != 'c'].n", "[]");
  check(doc, "p[?v > `1`] | [?n != 'c'].n", "[\"b\"]");
  check(doc, "p[?v > `1`] | [0].n", "\"b\"");
  /* '[?...][]' flattens the filtered list. */
  check("[[1,2],[3]]", "[?length(@) > `1`][]", "[1,2]");
}

static void test_literals(void **state) {
  (void)state;
  check("{}", "'abc'", "\"abc\"");
  check("{}", "'it\\'s'", "\"it's\"");
  /* Only \' is an escape in a raw string (JEP 12); other backslashes
   * stay, so '\\' is two backslashes. */
  check("{}", "'a\\\\b'", "\"a\\\\\\\\b\"");
  check("{}", "'\\z'", "\"\\\\z\"");
  check("{}", "'a\"b'", "\"a\\\"b\"");
  check("{}", "''", "\"\"");
  check("{}", "'caf\xc3\xa9'", "\"caf\xc3\xa9\"");
  check("{}", "`1`", "1");
  check("{}", "`-7`", "-7");
  check("{}", "`1.5`", "1.5");
  check("{}", "`2.0`", "2.0");
  check("{}", "`0.1`", "0.1");
  check("{}", "`1e300`", "1e+300");
  check("{}", "`\"x\"`", "\"x\"");
  check("{}", "`\"\\u00e9\"`", "\"\xc3\xa9\"");
  check("{}", "`true`", "true");
  check("{}", "`false`", "false");
  check("{}", "`null`", "null");
  check("{}", "`[1, 2]`", "[1,2]");
  check("{}", "` {\"b\": 1, \"a\": [true]} `", "{\"b\":1,\"a\":[true]}");
  check("{}", "`\"a\\`b\"`", "\"a`b\"");
  check("{}", "`{\"a\": \"b\"}`.a", "\"b\"");
  check("{}", "`[1,2,3]`[-1]", "3");
}

static void test_comparisons(void **state) {
  (void)state;
  const char *doc = "{\"i\":1,\"r\":1.0,\"s\":\"1\",\"b\":true,\"n\":null,\"a\":[1,2],"
                    "\"o\":{\"x\":1,\"y\":[2]}}";
  check(doc, "i == r", "true");
  check(doc, "i == s", "false");
  check(doc, "i == b", "false");
  check(doc, "b == `true`", "true");
  check(doc, "n == missing", "true");
  check(doc, "n == `null`", "true");
  check(doc, "n == `false`", "false");
  check(doc, "a == `[1, 2]`", "true");
  check(doc, "a == `[2, 1]`", "false");
  check(doc, "a == `[1.0, 2]`", "true");
  check(doc, "o == `{\"y\": [2], \"x\": 1}`", "true");
  check(doc, "o == `{\"y\": [2], \"x\": 1, \"z\": 0}`", "false");
  check(doc, "o != `{}`", "true");
  check(doc, "s == '1'", "true");
  check(doc, "s != '1'", "false");
  /* Ordering is only for numbers: anything else is null. */
  check(doc, "i < `2`", "true");
  check(doc, "r > `0.5`", "true");
  check(doc, "r >= i", "true");
  check(doc, "s < '2'", "null");
  check(doc, "i < s", "null");
  check(doc, "b > `0`", "null");
  check(doc, "n < `1`", "null");
  check(doc, "a > `1`", "null");
  /* Integers and reals compare exactly, also beyond 2^53. */
  check("{}", "`9007199254740993` == `9007199254740992`", "false");
  check("{}", "`9007199254740993` > `9007199254740992.0`", "true");
  check("{}", "`9007199254740992` == `9007199254740992.0`", "true");
  check("{}", "`-3` < `-2.5`", "true");
  check("{}", "`2.5` > `2`", "true");
  check("{}", "`9223372036854775807` < `1e19`", "true");
  /* Comparisons nest left to right, as in the reference parser. */
  check(doc, "i == r == `true`", "true");
}

static void test_truthiness(void **state) {
  (void)state;
  /* && and || yield an operand, not a boolean. */
  check("{}", "`0` && 'yes'", "\"yes\"");
  check("{}", "`[]` && 'yes'", "[]");
  check("{}", "'' && 'yes'", "\"\"");
  check("{}", "`{}` && 'yes'", "{}");
  check("{}", "`false` && 'yes'", "false");
  check("{}", "missing && 'yes'", "null");
  check("{}", "`[]` || 'dflt'", "\"dflt\"");
  check("{}", "'x' || 'dflt'", "\"x\"");
  check("{}", "`false` || `null`", "null");
  check("{}", "`null` || `false` || `0`", "0");
  check("{}", "`1` && `2` && `3`", "3");
  check("{}", "`1` && `[]` && `3`", "[]");
  /* ! yields a boolean. */
  check("{}", "!`[]`", "true");
  check("{}", "!`{}`", "true");
  check("{}", "!''", "true");
  check("{}", "!`0`", "false");
  check("{}", "!' '", "false");
  check("{}", "!`[0]`", "false");
  check("{}", "!missing", "true");
  check("{}", "!!`1`", "true");
  /* ! binds tighter than '.', as in jmespath.py: !a.b is (!a).b. */
  check("{\"a\":{\"b\":false}}", "!a.b", "null");
  check("{\"a\":{\"b\":false}}", "!(a.b)", "true");
}

static void test_functions(void **state) {
  (void)state;
  const char *doc = "{\"s\":\"h\xc3\xa9llo\",\"a\":[1,\"x\",[2]],\"o\":{\"k\":1,\"l\":2},\"n\":7}";
  check(doc, "length(s)", "5"); /* code points, not bytes */
  check(doc, "length(a)", "3");
  check(doc, "length(o)", "2");
  check(doc, "length('')", "0");
  check(doc, "a.length(@)", "3");
  check(doc, "length(a) == `3`", "true");
  check(doc, "contains(a, 'x')", "true");
  check(doc, "contains(a, `[2]`)", "true");
  check(doc, "contains(a, `2`)", "false");
  check(doc, "contains(a, `1.0`)", "true");
  check(doc, "contains(s, 'll')", "true");
  check(doc, "contains(s, '')", "true");
  check(doc, "contains(s, 'x')", "false");
  check(doc, "contains(s, `1`)", "false");
  check(doc, "starts_with(s, 'h\xc3\xa9')", "true");
  check(doc, "starts_with(s, 'hello')", "false");
  check(doc, "starts_with(s, '')", "true");
  check(doc, "starts_with('a', 'ab')", "false");
  check(doc, "to_string(s)", "\"h\xc3\xa9llo\"");
  check(doc, "to_string(n)", "\"7\"");
  check(doc, "to_string(o)", "\"{\\\"k\\\":1,\\\"l\\\":2}\"");
  check(doc, "to_string(`[1, {\"a\": \"b\"}, null, 2.5]`)",
        "\"[1,{\\\"a\\\":\\\"b\\\"},null,2.5]\"");
  check(doc, "to_string(missing)", "\"null\"");
  check(doc, "to_string(to_string(to_string(a)))", "\"[1,\\\"x\\\",[2]]\"");
  /* Run-time type errors are JMESPath's invalid-type. */
  check_fail(doc, "length(n)", VOUCH_E_MALFORMED, "invalid-type: length() expects");
  check_fail(doc, "length(missing)", VOUCH_E_MALFORMED, "got null");
  check_fail(doc, "contains(n, `7`)", VOUCH_E_MALFORMED, "invalid-type: contains()");
  check_fail(doc, "starts_with(n, 'x')", VOUCH_E_MALFORMED, "invalid-type: starts_with()");
  check_fail(doc, "starts_with(s, n)", VOUCH_E_MALFORMED, "got number");
  /* Arity is checked when parsing, before the input is even read. */
  check_fail("{", "length(a, s)", VOUCH_E_MALFORMED, "invalid-arity: length() takes 1 argument");
  check_fail(doc, "contains(a)", VOUCH_E_MALFORMED, "takes 2 arguments, got 1");
  check_fail(doc, "to_string()", VOUCH_E_MALFORMED, "got 0");
}

static void test_output(void **state) {
  (void)state;
  /* Members in document order (not sorted), integers as integers of any
   * size jansson holds, reals that read back the same, escapes. */
  check("{\"z\":1,\"a\":2,\"m\":{\"y\":true,\"b\":null}}", "@",
        "{\"z\":1,\"a\":2,\"m\":{\"y\":true,\"b\":null}}");
  check("{\"v\":[9223372036854775807,-9223372036854775808,4294967296,0,-0]}", "v",
        "[9223372036854775807,-9223372036854775808,4294967296,0,0]");
  check("[0.1,1.5,-2.0,1e-7,3.141592653589793,1.7976931348623157e308]", "@",
        "[0.1,1.5,-2.0,1e-07,3.141592653589793,1.7976931348623157e+308]");
  check("[\"tab\\there\",\"nl\\n\",\"q\\\"\",\"bs\\\\\",\"nul\\u0000\",\"\\u00e9\\ud83d\\ude00\"]",
        "@",
        "[\"tab\\there\",\"nl\\n\",\"q\\\"\",\"bs\\\\\",\"nul\\u0000\","
        "\"\xc3\xa9\xf0\x9f\x98\x80\"]");
  /* The result is appended to what |out| holds. */
  vouch_buf out;
  vouch_err err;
  vouch_buf_init(&out, 0);
  vouch_err_clear(&err);
  vouch_buf_puts(&out, "x=");
  assert_int_equal(vouch_jmespath("{\"a\":1}", 7, "a", 1, &out, &err), VOUCH_OK);
  assert_string_equal(vouch_buf_cstr(&out), "x=1");
  /* ... and a failure leaves it as it was. */
  assert_int_equal(vouch_jmespath("{\"a\":1}", 7, "length(a)", 9, &out, &err), VOUCH_E_MALFORMED);
  assert_string_equal(vouch_buf_cstr(&out), "x=1");
  vouch_buf_free(&out);
  /* A result larger than |out|'s cap is its limit error, nothing kept. */
  vouch_buf_init(&out, 8);
  vouch_err_clear(&err);
  vouch_buf_puts(&out, "ab");
  assert_int_equal(vouch_jmespath("[1,2,3,4,5]", 11, "@", 1, &out, &err), VOUCH_E_LIMIT);
  assert_int_equal(out.len, 2);
  assert_string_equal(vouch_buf_cstr(&out), "ab");
  vouch_buf_free(&out);
}

/* ---- errors ----------------------------------------------------------------- */

static void test_syntax_errors(void **state) {
  (void)state;
  check_fail("{}", "", VOUCH_E_MALFORMED, "syntax error at column 1: expected an expression");
  check_fail("{}", "   ", VOUCH_E_MALFORMED, "column 4");
  check_fail("{}", "Events[?EventTypeString == ]", VOUCH_E_MALFORMED,
             "syntax error at column 28: unexpected ']'");
  check_fail("{}", "a.", VOUCH_E_MALFORMED,
             "column 3: expected an identifier after '.', found end of query");
  check_fail("{}", "a b", VOUCH_E_MALFORMED, "column 3: unexpected identifier after the expression");
  check_fail("{}", "a = 'x'", VOUCH_E_MALFORMED, "column 3: '=' is not an operator");
  check_fail("{}", "[?a == 'x'", VOUCH_E_MALFORMED, "column 11: expected ']' closing the filter");
  check_fail("{}", "'abc", VOUCH_E_MALFORMED, "column 1: unterminated raw string");
  check_fail("{}", "'abc\\'", VOUCH_E_MALFORMED, "unterminated raw string");
  check_fail("{}", "`1", VOUCH_E_MALFORMED, "column 1: unterminated literal");
  check_fail("{}", "a == `{1}`", VOUCH_E_MALFORMED, "column 6: invalid JSON literal");
  check_fail("{}", "``", VOUCH_E_MALFORMED, "invalid JSON literal");
  check_fail("{}", "`foo`", VOUCH_E_MALFORMED, "invalid JSON literal");
  check_fail("{}", "\"abc", VOUCH_E_MALFORMED, "unterminated quoted identifier");
  check_fail("{}", "\"a\\qb\"", VOUCH_E_MALFORMED, "invalid quoted identifier");
  check_fail("{}", "a[b]", VOUCH_E_MALFORMED, "column 3: expected a number, '*' or '?'");
  check_fail("{}", "a[0", VOUCH_E_MALFORMED, "expected ']'");
  check_fail("{}", "(a", VOUCH_E_MALFORMED, "expected ')'");
  check_fail("{}", "a)", VOUCH_E_MALFORMED, "unexpected ')' after the expression");
  check_fail("{}", "a | ", VOUCH_E_MALFORMED, "found end of query");
  check_fail("{}", "a &&", VOUCH_E_MALFORMED, "found end of query");
  /* An identifier ends a projection (it binds weaker), so it is then left
   * over; '*' does not, so it is a bad projection right-hand side. */
  check_fail("{}", "a[*]b", VOUCH_E_MALFORMED, "column 5: unexpected identifier after the expression");
  check_fail("{}", "a[*]*", VOUCH_E_MALFORMED, "column 5: unexpected '*' after a projection");
  check_fail("{}", "a ! b", VOUCH_E_MALFORMED, "column 3: unexpected '!'");
  check_fail("{}", "- 1", VOUCH_E_MALFORMED, "unexpected character '-'");
  check_fail("{}", "a # b", VOUCH_E_MALFORMED, "column 3: unexpected character '#'");
  check_fail("{}", "$x", VOUCH_E_MALFORMED, "unexpected character '$'");
  check_fail("{}", "a\xc3\xa9", VOUCH_E_MALFORMED, "column 2: unexpected byte 0xc3");
  check_fail("{}", "'\xff'", VOUCH_E_MALFORMED, "raw string is not valid UTF-8");
  check_fail("{}", "[ ]", VOUCH_E_MALFORMED, "empty '[ ]'");
}

static void test_syntax_errors_functions(void **state) {
  (void)state;
  check_fail("{}", "\"length\"(@)", VOUCH_E_MALFORMED, "quoted identifier cannot name a function");
  check_fail("{}", "(length)(@)", VOUCH_E_MALFORMED, "'(' does not follow a function name");
  check_fail("{}", "@(a)", VOUCH_E_MALFORMED, "does not follow a function name");
  check_fail("{}", "length(@) (@)", VOUCH_E_MALFORMED, "does not follow a function name");
  check_fail("{}", "contains(a b)", VOUCH_E_MALFORMED, "expected ',' or ')'");
  check_fail("{}", "contains(a,)", VOUCH_E_MALFORMED, "unexpected ')'");
  check_fail("{}", "length(@", VOUCH_E_MALFORMED, "found end of query");
  check_fail("{}", "a[0]]", VOUCH_E_MALFORMED, "column 5: unexpected ']' after the expression");
}

static void test_unsupported(void **state) {
  (void)state;
  check_fail("{}", "abs(a)", VOUCH_E_UNSUPPORTED, "JmesPath: function 'abs' is not supported");
  check_fail("{}", "a | sort_by(@, &b)", VOUCH_E_UNSUPPORTED,
             "function 'sort_by' is not supported (column 5)");
  check_fail("{}", "Length(@)", VOUCH_E_UNSUPPORTED, "function 'Length'");
  check_fail("{}", "{a: b}", VOUCH_E_UNSUPPORTED,
             "multi-select hash '{k: v}' is not supported (column 1)");
  check_fail("{}", "x.{a: b}", VOUCH_E_UNSUPPORTED, "multi-select hash '{k: v}'");
  check_fail("{}", "[a, b]", VOUCH_E_UNSUPPORTED, "multi-select list '[a, b]'");
  check_fail("{}", "x.[a, b]", VOUCH_E_UNSUPPORTED, "multi-select list '[a, b]' is not supported (column 3)");
  check_fail("{}", "&a", VOUCH_E_UNSUPPORTED, "expression reference '&expr'");
  check_fail("{}", "a[0:2]", VOUCH_E_UNSUPPORTED, "slice '[start:stop:step]' is not supported (column 2)");
  check_fail("{}", "a[:2]", VOUCH_E_UNSUPPORTED, "slice");
  check_fail("{}", "a[::-1]", VOUCH_E_UNSUPPORTED, "slice");
  /* The first construct outside the subset is the one named. */
  check_fail("{}", "a[1:] | abs(@)", VOUCH_E_UNSUPPORTED, "slice");
  check_fail("{}", "max(@) | {a: b}", VOUCH_E_UNSUPPORTED, "function 'max'");
}

static void test_invalid_json(void **state) {
  (void)state;
  check_fail("{\"a\":", "a", VOUCH_E_MALFORMED, "JmesPath: invalid JSON input at line 1");
  check_fail("", "a", VOUCH_E_MALFORMED, "invalid JSON input");
  check_fail("{\"a\":1} x", "a", VOUCH_E_MALFORMED, "invalid JSON input");
  check_fail("{'a':1}", "a", VOUCH_E_MALFORMED, "invalid JSON input");
  check_fail("[\"\xff\"]", "@", VOUCH_E_MALFORMED, "invalid JSON input");
  check_fail("{\"a\":1,\"a\":2}", "a", VOUCH_E_MALFORMED, "duplicate");
  check_fail("{\"a\\u0000\":1}", "a", VOUCH_E_MALFORMED, "NUL byte in object key");
  check_fail("[99999999999999999999]", "@", VOUCH_E_MALFORMED, "too big integer");
  /* The query is checked first: a bad query on bad JSON is a query
   * error. */
  check_fail("{", "abs(@)", VOUCH_E_UNSUPPORTED, "function 'abs'");
  /* NULL arguments. */
  vouch_buf out;
  vouch_err err;
  vouch_buf_init(&out, 0);
  vouch_err_clear(&err);
  assert_int_equal(vouch_jmespath(NULL, 3, "a", 1, &out, &err), VOUCH_E_ARG);
  assert_int_equal(vouch_jmespath("{}", 2, "a", 1, NULL, &err), VOUCH_E_ARG);
  /* A NULL error sink is allowed. */
  assert_int_equal(vouch_jmespath("{}", 2, "a(", 2, &out, NULL), VOUCH_E_UNSUPPORTED);
  vouch_buf_free(&out);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail) {
  size_t len = strlen(head) + strlen(unit) * n + strlen(tail) + 1;
  char *s = malloc(len);
  assert_non_null(s);
  char *p = s;
  p += sprintf(p, "%s", head);
  for (size_t i = 0; i < n; i++) p += sprintf(p, "%s", unit);
  sprintf(p, "%s", tail);
  return s;
}

/* nested: |open| n times, |mid|, |close| n times. */
static char *nested(const char *open, size_t n, const char *mid, const char *close) {
  char *head = repeat("", open, n, mid);
  char *s = repeat(head, close, n, "");
  free(head);
  return s;
}

static void test_limits(void **state) {
  (void)state;
  /* Query length. */
  char *q = repeat("", "a.", VOUCH_JMESPATH_MAX_QUERY / 2, "a");
  check_fail("{}", q, VOUCH_E_LIMIT, "query is 4097 bytes, more than 4096");
  free(q);
  /* A long but flat chain is not deep. */
  q = repeat("", "a.", VOUCH_JMESPATH_MAX_QUERY / 2 - 1, "a");
  check("{}", q, "null");
  free(q);
  q = repeat("", "a && ", 600, "`1`");
  check("{\"a\":true}", q, "1");
  free(q);
  /* Nesting: parentheses, nots, nested projections. */
  q = repeat("", "(", VOUCH_JMESPATH_MAX_DEPTH + 8, "a");
  check_fail("{}", q, VOUCH_E_LIMIT, "expression nested deeper than 32 levels (column 33)");
  free(q);
  q = nested("(", VOUCH_JMESPATH_MAX_DEPTH - 1, "a", ")");
  check("{\"a\":3}", q, "3");
  free(q);
  q = repeat("", "!", 1000, "a");
  check_fail("{}", q, VOUCH_E_LIMIT, "nested deeper than 32");
  free(q);
  q = repeat("a", "[*].a", 40, "");
  check_fail("{}", q, VOUCH_E_LIMIT, "nested deeper than 32");
  free(q);
  q = repeat("a", "[]", 40, "");
  check_fail("{}", q, VOUCH_E_LIMIT, "nested deeper than 32");
  free(q);
  q = repeat("a", " == a", 40, "");
  check_fail("{}", q, VOUCH_E_LIMIT, "nested deeper than 32");
  free(q);
  /* Nesting of the input and of literals. */
  char *doc = repeat("", "[", 100, "");
  check_fail(doc, "@", VOUCH_E_LIMIT, "JSON input nested deeper than 64");
  free(doc);
  q = repeat("`", "[", 70, "`");
  check_fail("{}", q, VOUCH_E_LIMIT, "literal at column 1 nested deeper than 64");
  free(q);
  doc = nested("[", VOUCH_JMESPATH_MAX_JSON_DEPTH, "", "]");
  check(doc, "length(@)", "1");
  free(doc);
  /* Input size. */
  vouch_buf out;
  vouch_err err;
  vouch_buf_init(&out, 0);
  vouch_err_clear(&err);
  static const char kBig[1];
  assert_int_equal(vouch_jmespath(kBig, (size_t)VOUCH_JMESPATH_MAX_JSON + 1, "a", 1, &out, &err),
                   VOUCH_E_LIMIT);
  assert_non_null(strstr(err.msg, "JSON input is"));
  vouch_buf_free(&out);
}

static void test_step_budget(void **state) {
  (void)state;
  /* About six steps per element: a filter over 200k elements runs out
   * of budget, the same filter over 1000 does not. */
  const char *query = "[?a == `1` && b == `2`] | length(@)";
  char *doc = repeat("[", "{},", 200000, "{}]");
  check_fail(doc, query, VOUCH_E_LIMIT, "JmesPath: evaluation exceeded 1048576 steps");
  free(doc);
  doc = repeat("[", "{\"a\":1,\"b\":2},", 1000, "{}]");
  check(doc, query, "1000");
  free(doc);
  /* A plain projection pays too. */
  doc = repeat("[", "0,", 1100000, "0]");
  check_fail(doc, "[*]", VOUCH_E_LIMIT, "exceeded");
  check(doc, "length(@)", "1100001");
  free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_policy_secure_boot_on),
      cmocka_unit_test(test_policy_secure_boot_off),
      cmocka_unit_test(test_policy_secure_boot_absent),
      cmocka_unit_test(test_policy_secure_boot_twice),
      cmocka_unit_test(test_policy_edge_inputs),
      cmocka_unit_test(test_identifiers),
      cmocka_unit_test(test_index),
      cmocka_unit_test(test_projections),
      cmocka_unit_test(test_pipe_stops_projection),
      cmocka_unit_test(test_filters),
      cmocka_unit_test(test_literals),
      cmocka_unit_test(test_comparisons),
      cmocka_unit_test(test_truthiness),
      cmocka_unit_test(test_functions),
      cmocka_unit_test(test_output),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_syntax_errors_functions),
      cmocka_unit_test(test_unsupported),
      cmocka_unit_test(test_invalid_json),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_step_budget),
  };
  return cmocka_run_group_tests_name("jmespath", tests, NULL, NULL);
}
