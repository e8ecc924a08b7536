/* Integration tests of the real `vouch` binary: single and bulk verify,
 * counts in == counts out with bad lines mixed in, exit codes, the
 * collateral directory (import, then verify from it), help texts. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_util.h"

static const char *g_bin, *g_vectors;
static char g_tmp[256];

#define PHALA "sgx/phala-dcap-qvl-sgx-v3"
#define SYNTH "sgx/intel-qvl-synthetic-sgx"

static void test_single_verify(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL && g_vectors != NULL, "VOUCH_BIN or the vectors");
  char *out;
  int rc = cli_sh(&out, "%s verify --type sgx --evidence %s/" PHALA "/quote.dat --collateral %s/" PHALA
              "/collateral.json --at 2025-07-19T10:01:17Z",
              g_bin, g_vectors, g_vectors);
  assert_int_equal(rc, 0); /* warning counts as success */
  json_t *r = json_loads(out, 0, NULL);
  assert_non_null(r);
  assert_string_equal(json_string_value(json_object_get(r, "status")), "warning");
  assert_string_equal(json_string_value(json_object_get(r, "tcb_status")),
                      "ConfigurationAndSWHardeningNeeded");
  assert_string_equal(json_string_value(json_object_get(r, "trust_anchor")),
                      "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
  assert_string_equal(json_string_value(json_object_get(r, "at")), "2025-07-19T10:01:17Z");
  json_decref(r);
  free(out);
  /* One day later: error, exit code 2. */
  rc = cli_sh(&out, "%s verify -q --type sgx --evidence %s/" PHALA "/quote.dat --collateral %s/" PHALA
          "/collateral.json --at 1753006477",
          g_bin, g_vectors, g_vectors);
  assert_int_equal(rc, 2);
  assert_non_null(strstr(out, "\"E_EXPIRED\""));
  free(out);
  /* Synthetic sample without its root: contraindicated, exit code 1. */
  rc = cli_sh(&out, "%s verify -q --type sgx --evidence %s/" SYNTH "/quote.dat --collateral %s/" SYNTH
          "/collateral.json --at 1577836800",
          g_bin, g_vectors, g_vectors);
  assert_int_equal(rc, 1);
  free(out);
  rc = cli_sh(&out, "%s verify -q --type sgx --evidence %s/" SYNTH "/quote.dat --collateral %s/" SYNTH
          "/collateral.json --at 1577836800 --trust-anchor %s/" SYNTH "/test_root_ca.pem",
          g_bin, g_vectors, g_vectors, g_vectors);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "\"affirming\""));
  free(out);
}

/* Bulk: good and bad lines mixed; one output line per non-blank input line,
 * ids kept, the run continues past every bad line. */
static void test_bulk_counts(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL && g_vectors != NULL, "VOUCH_BIN or the vectors");
  char path[512];
  snprintf(path, sizeof(path), "%s/in.ndjson", g_tmp);
  assert_int_equal(cli_sh(NULL,
                      "set -e; %s envelope --id good-1 --evidence %s/" PHALA
                      "/quote.dat --collateral %s/" PHALA "/collateral.json --at 1752919277 > %s",
                      g_bin, g_vectors, g_vectors, path),
                   0);
  FILE *f = fopen(path, "a");
  assert_non_null(f);
  fputs("{\"id\":\"bad-json\",\"type\":\"sgx\",\"evidence\":\n", f);
  fputs("\n", f); /* blank: not an item */
  fputs("{\"id\":\"bad-b64\",\"type\":\"sgx\",\"evidence\":\"@@@@\"}\n", f);
  fputs("{\"id\":\"bad-type\",\"type\":\"xyz\",\"evidence\":\"AAAA\"}\n", f);
  fputs("{\"id\":\"no-coll\",\"type\":\"sgx\",\"evidence\":\"AwACAAAAAAA\"}\n", f);
  fputs("not json at all\n", f);
  fputs("{\"id\":\"tdx\",\"type\":\"tdx\",\"evidence\":\"AAAA\"}\n", f);
  fclose(f);
  assert_int_equal(cli_sh(NULL,
                      "%s envelope --id good-2 --evidence %s/" PHALA "/quote.dat --collateral %s/" PHALA
                      "/collateral.json --at 2025-07-19T10:01:17Z >> %s",
                      g_bin, g_vectors, g_vectors, path),
                   0);
  char *out;
  int rc = cli_sh(&out, "%s verify -q %s", g_bin, path);
  assert_int_equal(rc, 2);
  assert_int_equal(cli_count_lines(out), 8);
  /* A line that breaks after its id still reports the id. */
  static const char *const kIds[] = {"good-1", "bad-json", "bad-b64", "bad-type", "no-coll",
                                     NULL,     "tdx", "good-2"};
  static const char *const kStatus[] = {"warning", "error", "error", "error",
                                        "error",   "error", "error", "warning"};
  char *line = out;
  for (int i = 0; i < 8; i++) {
    char *nl = strchr(line, '\n');
    *nl = '\0';
    json_t *r = json_loads(line, 0, NULL);
    if (r == NULL) fail_msg("output line %d is not JSON: %s", i, line);
    json_t *id = json_object_get(r, "id");
    if (kIds[i]) {
      assert_string_equal(json_string_value(id), kIds[i]);
    } else {
      assert_true(json_is_null(id));
    }
    assert_string_equal(json_string_value(json_object_get(r, "status")), kStatus[i]);
    if (strcmp(kStatus[i], "error") == 0) {
      const char *msg = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
      assert_non_null(msg);
      print_message("line %d: %s\n", i, msg);
    }
    json_decref(r);
    line = nl + 1;
  }
  free(out);

  /* Over-long lines are errors, and the run continues. */
  rc = cli_sh(&out, "%s verify -q --max-line 2000 %s", g_bin, path);
  assert_int_equal(cli_count_lines(out), 8);
  assert_non_null(strstr(out, "longer than the limit"));
  free(out);
  /* stdin works the same. */
  rc = cli_sh(&out, "%s verify -q - < %s | wc -l", g_bin, path);
  assert_int_equal(atoi(out), 8);
  free(out);
}

/* Import the bundle into a collateral directory; verify from it. */
static void test_collateral_directory(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL && g_vectors != NULL, "VOUCH_BIN or the vectors");
  char dir[512];
  snprintf(dir, sizeof(dir), "%s/colldir", g_tmp);
  char *out;
  int rc = cli_sh(&out, "%s collateral import --out %s %s/" PHALA "/collateral.json 2>&1", g_bin, dir,
              g_vectors);
  assert_int_equal(rc, 0);
  free(out);
  rc = cli_sh(&out, "ls %s/intel/sgx/tcbinfo/00A067110000/17.json %s/intel/qe/17.json", dir, dir);
  assert_int_equal(rc, 0);
  free(out);
  rc = cli_sh(&out, "%s verify --type sgx --evidence %s/" PHALA "/quote.dat --collateral %s --at 1752919277",
          g_bin, g_vectors, dir);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "\"ConfigurationAndSWHardeningNeeded\""));
  free(out);
  /* One day later the directory has nothing valid: precise expiry error. */
  rc = cli_sh(&out, "%s verify -q --type sgx --evidence %s/" PHALA "/quote.dat --collateral %s --at 1753006477",
          g_bin, g_vectors, dir);
  assert_int_equal(rc, 2);
  assert_non_null(strstr(out, "expired"));
  free(out);
  /* Before anything was issued: missing, with the FMSPC named. */
  rc = cli_sh(&out, "%s verify -q --type sgx --evidence %s/" PHALA "/quote.dat --collateral %s --at 1600000000",
          g_bin, g_vectors, dir);
  assert_int_equal(rc, 2);
  assert_non_null(strstr(out, "E_COLLATERAL_MISSING"));
  free(out);
}

static void test_help_and_usage(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL && g_vectors != NULL, "VOUCH_BIN or the vectors");
  char *out;
  assert_int_equal(cli_sh(&out, "%s verify --help", g_bin), 0);
  assert_non_null(strstr(out, "exit codes"));
  free(out);
  assert_int_equal(cli_sh(&out, "%s --help", g_bin), 0);
  free(out);
  assert_int_equal(cli_sh(&out, "%s verify --at yesterday 2>&1", g_bin), 3);
  assert_non_null(strstr(out, "RFC 3339"));
  free(out);
  assert_int_equal(cli_sh(&out, "%s frobnicate 2>&1", g_bin), 3);
  free(out);
  assert_int_equal(cli_sh(&out, "%s verify -q /nonexistent.ndjson 2>&1", g_bin), 4);
  free(out);
}

int main(void) {
  g_bin = getenv("VOUCH_BIN");
  g_vectors = getenv("VOUCH_VECTORS");
  if (g_bin && access(g_bin, X_OK) != 0) g_bin = NULL;
  if (g_vectors) {
    char p[1024];
    snprintf(p, sizeof(p), "%s/" PHALA "/quote.dat", g_vectors);
    if (access(p, R_OK) != 0) {
      fprintf(stderr, "cli: vectors not found at %s; vector tests will be SKIPPED\n", g_vectors);
      g_vectors = NULL;
    }
  }
  snprintf(g_tmp, sizeof(g_tmp), "/tmp/vouch-cli-test-XXXXXX");
  if (mkdtemp(g_tmp) == NULL) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_verify),
      cmocka_unit_test(test_bulk_counts),
      cmocka_unit_test(test_collateral_directory),
      cmocka_unit_test(test_help_and_usage),
  };
  int rc = cmocka_run_group_tests_name("cli", tests, NULL, NULL);
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", g_tmp);
  if (system(cmd) != 0) rc = rc ? rc : 1;
  return rc;
}
