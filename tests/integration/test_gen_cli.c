/* Integration tests of `vouch gen sgx` and `vouch gen tdx`, through the real
 * binary (VOUCH_BIN): a corpus of every kind verifies through `vouch
 * verify` with exactly the verdicts in its expected.ndjson; the same seed
 * and instant give the same corpus; 10,000 quotes from 100 platforms
 * verify completely; usage errors say what to do.  About 8 s in Release
 * and 50 s under ASan (mostly the two 10,000-quote runs). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* cmocka.h needs the standard headers above. */
#include <cmocka.h>

#include "cli_util.h"
#include "ndjson_util.h"

static const char *g_bin;
static char g_tmp[256];

#define NUM_KINDS 16
static const char *const kKinds[NUM_KINDS] = {"UpToDate",
                                              "SWHardeningNeeded",
                                              "ConfigurationNeeded",
                                              "ConfigurationAndSWHardeningNeeded",
                                              "OutOfDate",
                                              "OutOfDateConfigurationNeeded",
                                              "Revoked",
                                              "revoked",
                                              "debug",
                                              "qe-mismatch",
                                              "wrong-root",
                                              "expired-collateral",
                                              "not-yet-valid-collateral",
                                              "tcb-not-supported",
                                              "bad-signature",
                                              "platform-ca"};

#define NUM_TDX_KINDS 16
static const char *const kTdxKinds[NUM_TDX_KINDS] = {"UpToDate",
                                                     "SWHardeningNeeded",
                                                     "ConfigurationNeeded",
                                                     "ConfigurationAndSWHardeningNeeded",
                                                     "OutOfDate",
                                                     "OutOfDateConfigurationNeeded",
                                                     "Revoked",
                                                     "module-outofdate",
                                                     "module-mismatch",
                                                     "seam-attributes",
                                                     "debug",
                                                     "tcb-not-supported",
                                                     "relaunch",
                                                     "bad-signature",
                                                     "revoked",
                                                     "expired-collateral"};

static char *read_all(const char *path, size_t *out_len) {
  char *data = cli_read_file(path, out_len);
  if (data == NULL) fail_msg("cannot open %s", path);
  return data;
}

static json_t *load_json(const char *path) {
  json_error_t e;
  json_t *v = json_load_file(path, 0, &e);
  if (v == NULL) fail_msg("%s: %s", path, e.text);
  return v;
}

static const char *str_or_null(json_t *v) {
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool same_str(const char *a, const char *b) {
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* same_set compares two JSON arrays of strings as sets. */
static bool same_set(json_t *a, json_t *b) {
  if (!json_is_array(a) || !json_is_array(b) || json_array_size(a) != json_array_size(b))
    return false;
  size_t i, k;
  json_t *x, *y;
  json_array_foreach(a, i, x) {
    bool found = false;
    json_array_foreach(b, k, y) found = found || json_equal(x, y);
    if (!found) return false;
  }
  return true;
}

/* check_results compares every result line with expected.ndjson by id
 * and returns the number compared.  Also checks, for results that reached
 * a TCB level, that the FMSPC the verifier read from the PCK certificate's
 * SGX extension is the kind's (MANIFEST.json), and that exactly the debug
 * kind is debuggable.  Advisory IDs must match in order (SGX: the level's;
 * TDX: the TDX level's, the module level's, the TD_QE level's). */
static size_t check_results(const char *dir, const char *results_path, bool *saw_platform_ca,
                            bool *saw_processor_ca) {
  char path[512];
  snprintf(path, sizeof(path), "%s/expected.ndjson", dir);
  json_t *expected = ndjson_load(path);
  json_t *results = ndjson_load(results_path);
  snprintf(path, sizeof(path), "%s/MANIFEST.json", dir);
  json_t *manifest = load_json(path);
  bool tdx = strcmp(json_string_value(json_object_get(manifest, "type")), "tdx") == 0;
  const char *debug_claim = tdx ? "tdx_td_attributes_debug" : "sgx_is_debuggable";
  json_t *fmspc_of = json_object(); /* kind -> fmspc (lower case) */
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(manifest, "kinds"), i, v) {
    char low[13] = "";
    const char *f = json_string_value(json_object_get(v, "fmspc"));
    assert_non_null(f);
    for (size_t k = 0; k < 12 && f[k]; k++)
      low[k] = (char)(f[k] >= 'A' && f[k] <= 'F' ? f[k] + 32 : f[k]);
    json_object_set_new(fmspc_of, json_string_value(json_object_get(v, "kind")), json_string(low));
  }
  json_t *by_id = json_object();
  json_array_foreach(expected, i, v) {
    const char *id = json_string_value(json_object_get(v, "id"));
    assert_non_null(id);
    assert_null(json_object_get(by_id, id)); /* ids are unique */
    json_object_set(by_id, id, v);
  }
  /* Counts in == counts out, and every id answered exactly once. */
  assert_int_equal(json_array_size(results), json_array_size(expected));
  size_t mismatches = 0;
  json_array_foreach(results, i, v) {
    const char *id = str_or_null(json_object_get(v, "id"));
    if (id == NULL) fail_msg("result line %zu has no id", i);
    json_t *e = json_object_get(by_id, id);
    if (e == NULL) fail_msg("result %s: not in expected.ndjson (or answered twice)", id);
    const char *kind = json_string_value(json_object_get(e, "kind"));
    const char *got_status = str_or_null(json_object_get(v, "status"));
    const char *got_tcb = str_or_null(json_object_get(v, "tcb_status"));
    json_t *err = json_object_get(v, "error");
    const char *got_code = json_is_object(err) ? str_or_null(json_object_get(err, "code")) : NULL;
    const char *want_status = str_or_null(json_object_get(e, "status"));
    const char *want_tcb = str_or_null(json_object_get(e, "tcb_status"));
    const char *want_code = str_or_null(json_object_get(e, "error_code"));
    bool ok = same_str(got_status, want_status) && same_str(got_tcb, want_tcb) &&
              same_str(got_code, want_code) &&
              same_set(json_object_get(v, "advisory_ids"), json_object_get(e, "advisory_ids"));
    if (tdx)
      ok = ok && json_equal(json_object_get(v, "advisory_ids"), json_object_get(e, "advisory_ids"));
    if (!ok) {
      char *r = json_dumps(v, JSON_COMPACT);
      char *x = json_dumps(e, JSON_COMPACT);
      print_message("MISMATCH %s (%s)\n  got      %.600s\n  expected %s\n", id, kind, r, x);
      free(r);
      free(x);
      mismatches++;
    }
    json_t *claims = json_object_get(v, "claims");
    if (got_tcb != NULL && got_code == NULL) {
      const char *fmspc = str_or_null(json_object_get(claims, "dcap_fmspc"));
      assert_non_null(fmspc);
      assert_string_equal(fmspc, json_string_value(json_object_get(fmspc_of, kind)));
      const char *ca = str_or_null(json_object_get(claims, "dcap_pck_ca"));
      assert_non_null(ca);
      if (strcmp(ca, "platform") == 0) *saw_platform_ca = true;
      if (strcmp(ca, "processor") == 0) *saw_processor_ca = true;
      if (strcmp(kind, "platform-ca") == 0) assert_string_equal(ca, "platform");
      assert_int_equal(json_is_true(json_object_get(claims, debug_claim)),
                       strcmp(kind, "debug") == 0);
    }
    json_object_del(by_id, id);
  }
  assert_int_equal(json_object_size(by_id), 0);
  assert_int_equal(mismatches, 0);
  size_t n = json_array_size(results);
  json_decref(fmspc_of);
  json_decref(by_id);
  json_decref(manifest);
  json_decref(results);
  json_decref(expected);
  return n;
}

static size_t count_lines_in(const char *path) {
  char *t = read_all(path, NULL);
  size_t n = cli_count_lines(t);
  free(t);
  return n;
}

/* (a) Every kind in one corpus, verified at the wall clock (no --now, no
 * --at): each result as expected.ndjson says, counts in == counts out. */
static void test_every_kind(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512], mix[1024] = "";
  snprintf(dir, sizeof(dir), "%s/every-kind", g_tmp);
  /* Names exactly as the help lists them; UpToDate weighs more. */
  for (int k = 0; k < NUM_KINDS; k++) {
    size_t n = strlen(mix);
    snprintf(mix + n, sizeof(mix) - n, "%s%s=%d", k ? "," : "", kKinds[k], k == 0 ? 4 : 2);
  }
  char *out;
  int rc = cli_sh(&out, "%s gen sgx --platforms 40 --quotes 400 --seed 11 --mix %s --out %s 2>&1",
              g_bin, mix, dir);
  if (rc != 0) fail_msg("vouch gen failed (%d): %s", rc, out);
  assert_non_null(strstr(out, "quotes/s")); /* the summary */
  assert_non_null(strstr(out, "vouch verify --trust-anchor"));
  free(out);

  char path[600];
  snprintf(path, sizeof(path), "%s/MANIFEST.json", dir);
  json_t *m = load_json(path);
  assert_int_equal(json_integer_value(json_object_get(m, "quotes")), 400);
  assert_int_equal(json_integer_value(json_object_get(m, "platforms")), 40);
  assert_int_equal(json_array_size(json_object_get(m, "kinds")), NUM_KINDS);
  assert_true(json_integer_value(json_object_get(m, "platform_ca_platforms")) > 1);
  assert_true(json_integer_value(json_object_get(m, "processor_ca_platforms")) > 1);
  json_t *exp_status = json_object_get(m, "expected_status");

  snprintf(path, sizeof(path), "%s/evidence.ndjson", dir);
  assert_int_equal(count_lines_in(path), 400);
  /* Stored evidence: no inline collateral, no instant. */
  char *ev = read_all(path, NULL);
  assert_null(strstr(ev, "\"collateral\""));
  assert_null(strstr(ev, "\"at\""));
  free(ev);

  char results[600], summary[600];
  snprintf(results, sizeof(results), "%s/results.ndjson", dir);
  snprintf(summary, sizeof(summary), "%s/summary.txt", dir);
  rc = cli_sh(NULL,
          "%s verify --trust-anchor %s/trust-anchor.pem --collateral %s/collateral "
          "%s/evidence.ndjson -o %s 2> %s",
          g_bin, dir, dir, dir, results, summary);
  assert_int_equal(rc, 2); /* some kinds are errors by design */
  bool saw_platform = false, saw_processor = false;
  assert_int_equal(check_results(dir, results, &saw_platform, &saw_processor), 400);
  assert_true(saw_platform);
  assert_true(saw_processor);

  /* vouch verify's summary agrees with the manifest's expected counts. */
  char want[256];
  snprintf(want, sizeof(want), "affirming %lld, warning %lld, contraindicated %lld, error %lld",
           json_integer_value(json_object_get(exp_status, "affirming")),
           json_integer_value(json_object_get(exp_status, "warning")),
           json_integer_value(json_object_get(exp_status, "contraindicated")),
           json_integer_value(json_object_get(exp_status, "error")));
  char *sum = read_all(summary, NULL);
  if (strstr(sum, want) == NULL) fail_msg("summary '%s' lacks '%s'", sum, want);
  free(sum);
  json_decref(m);
}

/* The first 432 bytes of each quote (header and ISV report body), one line
 * per quote, via base64url decoding. */
static const int8_t *b64_table(void) {
  static int8_t t[256];
  static bool init;
  if (!init) {
    memset(t, -1, sizeof(t));
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 64; i++) t[(uint8_t)a[i]] = (int8_t)i;
    init = true;
  }
  return t;
}

static size_t b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap) {
  const int8_t *t = b64_table();
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    int8_t v = t[(uint8_t)in[i]];
    if (v < 0) fail_msg("bad base64url character");
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < cap) out[n] = (uint8_t)(acc >> bits);
      n++;
    }
  }
  return n;
}

/* The signed part of a quote (spec §5): SGX v3 [0, 432); TDX v4 [0, 632),
 * v5 [0, 54 + body size) = 638 (TD 1.0) or 702 (TD 1.5). */
#define MAX_SIGNED 702
static size_t signed_len_of(const uint8_t *q, size_t n) {
  assert_true(n > 1000);
  uint16_t version = (uint16_t)(q[0] | q[1] << 8);
  if (version == 3) return 432;
  if (version == 4) return 632;
  assert_int_equal(version, 5);
  return q[48] == 3 ? 702 : 638;
}

/* signed_bodies reads each quote's signed part (zero-padded to
 * MAX_SIGNED), checking every envelope's type is |type|. */
static void signed_bodies(const char *dir, const char *type, json_t **out_ids, uint8_t **out_bodies,
                          size_t *num) {
  char path[600];
  snprintf(path, sizeof(path), "%s/evidence.ndjson", dir);
  json_t *lines = ndjson_load(path);
  *num = json_array_size(lines);
  *out_ids = json_array();
  *out_bodies = calloc(*num, MAX_SIGNED);
  assert_non_null(*out_bodies);
  size_t i;
  json_t *v;
  json_array_foreach(lines, i, v) {
    json_array_append(*out_ids, json_object_get(v, "id"));
    assert_string_equal(json_string_value(json_object_get(v, "type")), type);
    const char *b64 = json_string_value(json_object_get(v, "evidence"));
    assert_non_null(b64);
    uint8_t *quote = malloc(strlen(b64));
    size_t n = b64url_decode(b64, strlen(b64), quote, strlen(b64));
    memcpy(*out_bodies + i * MAX_SIGNED, quote, signed_len_of(quote, n));
    free(quote);
  }
  json_decref(lines);
}

/* signed_object returns a TCB Info / QE Identity file without its
 * signature: the exact signed text and everything before it. */
static char *signed_object(const char *path) {
  char *t = read_all(path, NULL);
  char *sig = strstr(t, ",\"signature\":\"");
  if (sig == NULL) fail_msg("%s: no signature member", path);
  *sig = '\0';
  return t;
}

/* check_deterministic makes three corpora of |tee| with |args| in
 * g_tmp/<name>-{a,b,c}: a with --seed 7 --jobs 1; b with --seed 99, then
 * into the same directory --seed 7 --jobs 3 (the first corpus is replaced);
 * c with --seed 8.  a and b must have byte-identical expected.ndjson and
 * MANIFEST.json, the same collateral files (|must_have| among them) with
 * identical signed texts (|num_signed| of them), the same ids and signed
 * quote parts (|quotes| quotes, each differing from the previous in its
 * first |distinct_len| bytes); c another expected.ndjson.  |a_out| gets a's
 * path. */
static void check_deterministic(const char *tee, const char *name, const char *args,
                                size_t quotes, size_t num_signed, const char *const *must_have,
                                size_t distinct_len, char *a_out, size_t a_cap) {
  char a[512], b[512], c[512];
  snprintf(a, sizeof(a), "%s/%s-a", g_tmp, name);
  snprintf(b, sizeof(b), "%s/%s-b", g_tmp, name);
  snprintf(c, sizeof(c), "%s/%s-c", g_tmp, name);
  snprintf(a_out, a_cap, "%s", a);
  assert_int_equal(cli_sh(NULL, "%s gen %s --seed 7 %s --jobs 1 --out %s", g_bin, tee, args, a),
                   0);
  assert_int_equal(cli_sh(NULL, "%s gen %s --seed 99 %s --out %s", g_bin, tee, args, b), 0);
  assert_int_equal(cli_sh(NULL, "%s gen %s --seed 7 %s --jobs 3 --out %s", g_bin, tee, args, b),
                   0);
  assert_int_equal(cli_sh(NULL, "%s gen %s --seed 8 %s --out %s", g_bin, tee, args, c), 0);

  assert_int_equal(cli_sh(NULL, "cmp -s %s/expected.ndjson %s/expected.ndjson", a, b), 0);
  assert_int_equal(cli_sh(NULL, "cmp -s %s/MANIFEST.json %s/MANIFEST.json", a, b), 0);
  assert_int_not_equal(cli_sh(NULL, "cmp -s %s/expected.ndjson %s/expected.ndjson", a, c), 0);
  /* The same collateral files (names carry FMSPCs, evaluation numbers and
   * CRL thisUpdate instants). */
  char *la, *lb;
  assert_int_equal(cli_sh(&la, "cd %s/collateral && find . -type f | sort", a), 0);
  assert_int_equal(cli_sh(&lb, "cd %s/collateral && find . -type f | sort", b), 0);
  assert_string_equal(la, lb);
  for (size_t i = 0; must_have[i] != NULL; i++) assert_non_null(strstr(la, must_have[i]));
  size_t got_signed = 0;
  for (char *line = la; *line;) {
    char *nl = strchr(line, '\n');
    *nl = '\0';
    if (strstr(line, ".json") != NULL) {
      char pa[1024], pb[1024];
      snprintf(pa, sizeof(pa), "%s/collateral/%s", a, line + 2);
      snprintf(pb, sizeof(pb), "%s/collateral/%s", b, line + 2);
      char *ta = signed_object(pa), *tb = signed_object(pb);
      assert_string_equal(ta, tb);
      free(ta);
      free(tb);
      got_signed++;
    }
    line = nl + 1;
  }
  assert_int_equal(got_signed, num_signed);
  free(la);
  free(lb);

  json_t *ids_a, *ids_b;
  uint8_t *bodies_a, *bodies_b;
  size_t na, nb;
  signed_bodies(a, tee, &ids_a, &bodies_a, &na);
  signed_bodies(b, tee, &ids_b, &bodies_b, &nb);
  assert_int_equal(na, quotes);
  assert_int_equal(nb, quotes);
  assert_true(json_equal(ids_a, ids_b));
  assert_memory_equal(bodies_a, bodies_b, na * MAX_SIGNED);
  for (size_t i = 1; i < na; i++)
    assert_memory_not_equal(bodies_a + (i - 1) * MAX_SIGNED, bodies_a + i * MAX_SIGNED,
                            distinct_len);
  free(bodies_a);
  free(bodies_b);
  json_decref(ids_a);
  json_decref(ids_b);
}

/* (b) Same --seed and --now: byte-identical expected.ndjson and
 * MANIFEST.json, identical TCB Info and QE Identity texts, the same
 * collateral files, the same ids and signed quote bodies (keys and ECDSA
 * signatures are random).  The number of jobs does not matter. */
static void test_deterministic(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  static const char *const kFiles[] = {"./intel/qe/17.json", NULL};
  char a[512];
  check_deterministic("sgx", "det",
                      "--platforms 24 --quotes 300 --enclaves 5 --now 2025-07-01T00:00:00Z "
                      "--mix all -q",
                      300, NUM_KINDS + 1 /* a TCB Info per kind, one QE Identity */, kFiles,
                      432 /* REPORTDATA from the seed and the index */, a, sizeof a);
}

/* (c) 10,000 quotes from 100 platforms, default mix: all affirming. */
static void test_scale(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512];
  snprintf(dir, sizeof(dir), "%s/scale", g_tmp);
  char *out;
  int rc = cli_sh(&out, "%s gen sgx --platforms 100 --quotes 10000 --out %s 2>&1", g_bin, dir);
  if (rc != 0) fail_msg("vouch gen failed (%d): %s", rc, out);
  print_message("%s", out);
  free(out);
  rc = cli_sh(&out,
          "%s verify --trust-anchor %s/trust-anchor.pem --collateral %s/collateral "
          "%s/evidence.ndjson -o %s/results.ndjson 2>&1",
          g_bin, dir, dir, dir, dir);
  print_message("%s", out);
  free(out);
  assert_int_equal(rc, 0);
  char results[600];
  snprintf(results, sizeof(results), "%s/results.ndjson", dir);
  assert_int_equal(count_lines_in(results), 10000);
  /* Every line affirming, and as expected.ndjson says. */
  assert_int_equal(cli_sh(&out, "grep -vc '\"status\":\"affirming\"' %s", results), 1);
  assert_int_equal(atoi(out), 0);
  free(out);
  bool saw_platform = false, saw_processor = false;
  assert_int_equal(check_results(dir, results, &saw_platform, &saw_processor), 10000);
  assert_true(saw_platform);
  assert_true(saw_processor);
}

/* (d) Usage errors: exit 3 and a message that says what to do. */
static void test_usage(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512];
  snprintf(dir, sizeof(dir), "%s/usage", g_tmp);
  /* DIR in the arguments stands for the output directory. */
  static const struct {
    const char *args;
    int rc;
    const char *says;
  } kCases[] = {
      {"sgx --out DIR --mix bogus=1", 3, "unknown kind 'bogus' (kinds: UpToDate,"},
      {"sgx --out DIR --mix UpToDate=abc", 3, "a weight is a whole number"},
      {"sgx --out DIR --mix UpToDate=-1", 3, "a weight is a whole number"},
      {"sgx --out DIR --mix UpToDate=0", 3, "give at least one kind a weight above 0"},
      {"sgx --out DIR --mix debug=1,debug=2", 3, "given twice"},
      {"sgx --out DIR --mix debug=1,,UpToDate=1", 3, "write KIND=WEIGHT"},
      {"sgx --out DIR --mix REVOKED=1", 3, "is ambiguous: write 'Revoked'"},
      {"sgx --out DIR --mix all --platforms 8", 3, "raise --platforms to 16"},
      {"sgx --out DIR --platforms 0", 3, "--platforms '0'"},
      {"sgx --out DIR --quotes 1e6", 3, "--quotes '1e6'"},
      {"sgx --out DIR --now yesterday", 3, "RFC 3339"},
      {"sgx --out DIR --jobs 0", 3, "--jobs '0'"},
      {"sgx --out DIR --frobnicate", 3, "unknown option '--frobnicate'"},
      {"sgx --out DIR extra", 3, "unexpected argument 'extra'"},
      {"sgx --platforms 2", 3, "--out DIR is required"},
      {"sgx --out", 3, "--out needs a value"},
      {"tdx --out DIR --mix qe-mismatch=1", 3, "unknown kind 'qe-mismatch' (kinds: UpToDate,"},
      {"tdx --out DIR --mix REVOKED=1", 3, "is ambiguous: write 'Revoked'"},
      {"tdx --out DIR --mix all --platforms 15", 3, "raise --platforms to 16"},
      {"tdx --out DIR --jobs 65", 3, "--jobs '65'"},
      {"sgx --out DIR --mix relaunch=1", 3, "unknown kind 'relaunch'"},
      {"snp --out DIR --chips 0", 3, "--chips takes 1 to 100000"},
      {"snp --out DIR --product rome", 3, "--product takes milan, genoa or turin"},
      {"snp --out DIR --now soon", 3, "--now takes RFC 3339"},
      {"snp --reports 8", 3, "give --out DIR"},
      {"tpm --quotes 0 --out DIR", 3, "--quotes takes 1 to 1000000"},
      {"bogus", 3, "vouch gen sgx --out DIR"},
      {"bogus", 3, "vouch gen tdx --out DIR"},
      {"", 3, "usage: vouch gen sgx"},
      {"", 3, "vouch gen tdx --out DIR"},
  };
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    char args[1024] = "", *out;
    const char *a = kCases[i].args, *at = strstr(a, "DIR");
    if (at != NULL) {
      snprintf(args, sizeof(args), "%.*s%s%s", (int)(at - a), a, dir, at + 3);
    } else {
      snprintf(args, sizeof(args), "%s", a);
    }
    int rc = cli_sh(&out, "%s gen %s 2>&1", g_bin, args);
    if (rc != kCases[i].rc || strstr(out, kCases[i].says) == NULL)
      fail_msg("'vouch gen %s': exit %d, output:\n%s\nwanted exit %d and '%s'", args, rc, out,
               kCases[i].rc, kCases[i].says);
    free(out);
  }
  assert_int_equal(cli_sh(NULL, "test -e %s", dir), 1); /* nothing was made */
  /* Names are case-insensitive where unambiguous. */
  char *out;
  assert_int_equal(cli_sh(&out,
                      "%s gen sgx -q --out %s --platforms 2 --quotes 4 --mix uptodate=1,"
                      "REVOKED-PCK=1 2>&1",
                      g_bin, dir),
                   0);
  free(out);
  char path[600];
  snprintf(path, sizeof(path), "%s/expected.ndjson", dir);
  assert_int_equal(count_lines_in(path), 4);
  assert_int_equal(cli_sh(NULL, "grep -q '\"kind\":\"revoked\"' %s", path), 0);

  /* A directory holding someone's collateral is not overwritten. */
  char foreign[512];
  snprintf(foreign, sizeof(foreign), "%s/foreign", g_tmp);
  assert_int_equal(cli_sh(NULL, "mkdir -p %s/collateral && touch %s/collateral/mine", foreign, foreign),
                   0);
  int rc = cli_sh(&out, "%s gen sgx --out %s 2>&1", g_bin, foreign);
  assert_int_equal(rc, 3);
  assert_non_null(strstr(out, "choose a new or empty --out directory"));
  free(out);
  assert_int_equal(cli_sh(NULL, "test -f %s/collateral/mine", foreign), 0);
  /* Output that cannot be written: exit 4. */
  rc = cli_sh(&out, "%s gen sgx --out %s/collateral/mine/x 2>&1", g_bin, foreign);
  assert_int_equal(rc, 4);
  assert_non_null(strstr(out, "cannot create directory"));
  free(out);

  /* The help documents every option, kind, file and the verify command. */
  assert_int_equal(cli_sh(&out, "%s gen sgx --help", g_bin), 0);
  static const char *const kHelp[] = {"--platforms",
                                      "--quotes",
                                      "--seed",
                                      "--now",
                                      "--enclaves",
                                      "--mix",
                                      "--jobs",
                                      "--quiet",
                                      "evidence.ndjson",
                                      "expected.ndjson",
                                      "collateral/",
                                      "trust-anchor.pem",
                                      "MANIFEST.json",
                                      "exit codes",
                                      "vouch verify --trust-anchor DIR/trust-anchor.pem "
                                      "--collateral DIR/collateral"};
  for (size_t i = 0; i < sizeof(kHelp) / sizeof(kHelp[0]); i++)
    if (strstr(out, kHelp[i]) == NULL) fail_msg("help lacks '%s'", kHelp[i]);
  for (int k = 0; k < NUM_KINDS; k++) {
    char needle[64];
    snprintf(needle, sizeof(needle), "\n  %s ", kKinds[k]);
    if (strstr(out, needle) == NULL) fail_msg("help lacks kind '%s'", kKinds[k]);
  }
  free(out);
  /* The same for vouch gen tdx, with its own kinds and envelope type. */
  assert_int_equal(cli_sh(&out, "%s gen tdx --help", g_bin), 0);
  for (size_t i = 0; i < sizeof(kHelp) / sizeof(kHelp[0]); i++)
    if (strstr(out, kHelp[i]) == NULL) fail_msg("tdx help lacks '%s'", kHelp[i]);
  for (int k = 0; k < NUM_TDX_KINDS; k++) {
    char needle[64];
    snprintf(needle, sizeof(needle), "\n  %s ", kTdxKinds[k]);
    if (strstr(out, needle) == NULL) fail_msg("tdx help lacks kind '%s'", kTdxKinds[k]);
  }
  assert_non_null(strstr(out, "usage: vouch gen tdx"));
  assert_non_null(strstr(out, "\"type\":\"tdx\""));
  assert_non_null(strstr(out, "TDRelaunchAdvised"));
  assert_null(strstr(out, "qe-mismatch"));
  free(out);
}

/* (e) TDX: every kind in one corpus (names as the help lists them),
 * verified at the wall clock: each result as expected.ndjson says (advisory
 * IDs in order), counts in == counts out, the three quote formats present,
 * vouch verify's summary equal to the manifest's expected counts. */
static void test_tdx_every_kind(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512], mix[1024] = "";
  snprintf(dir, sizeof(dir), "%s/tdx-every-kind", g_tmp);
  for (int k = 0; k < NUM_TDX_KINDS; k++) {
    size_t n = strlen(mix);
    snprintf(mix + n, sizeof(mix) - n, "%s%s=%d", k ? "," : "", kTdxKinds[k], k == 0 ? 4 : 2);
  }
  char *out;
  int rc = cli_sh(&out, "%s gen tdx --platforms 48 --quotes 480 --seed 12 --mix %s --out %s 2>&1",
                  g_bin, mix, dir);
  if (rc != 0) fail_msg("vouch gen tdx failed (%d): %s", rc, out);
  assert_non_null(strstr(out, "TDX quotes from 48 platforms"));
  assert_non_null(strstr(out, "quote formats: v4 "));
  free(out);

  char path[600];
  snprintf(path, sizeof(path), "%s/MANIFEST.json", dir);
  json_t *m = load_json(path);
  assert_string_equal(json_string_value(json_object_get(m, "type")), "tdx");
  assert_int_equal(json_integer_value(json_object_get(m, "quotes")), 480);
  assert_int_equal(json_integer_value(json_object_get(m, "platforms")), 48);
  assert_int_equal(json_array_size(json_object_get(m, "kinds")), NUM_TDX_KINDS);
  json_t *formats = json_object_get(m, "td_quote_formats");
  json_int_t v4 = json_integer_value(json_object_get(formats, "v4"));
  json_int_t v5a = json_integer_value(json_object_get(formats, "v5_td10"));
  json_int_t v5b = json_integer_value(json_object_get(formats, "v5_td15"));
  assert_true(v4 > 0 && v5a > 0 && v5b > 0);
  assert_int_equal(v4 + v5a + v5b, 480);
  json_t *exp_status = json_object_get(m, "expected_status");

  snprintf(path, sizeof(path), "%s/evidence.ndjson", dir);
  assert_int_equal(count_lines_in(path), 480);
  assert_int_equal(cli_sh(NULL, "grep -vqc '\"type\":\"tdx\"' %s", path), 1);
  snprintf(path, sizeof(path), "%s/collateral/intel/td_qe/17.json", dir);
  assert_int_equal(cli_sh(NULL, "test -f %s", path), 0);
  assert_int_equal(cli_sh(NULL, "test -e %s/collateral/intel/sgx", dir), 1);

  char results[600], summary[600];
  snprintf(results, sizeof(results), "%s/results.ndjson", dir);
  snprintf(summary, sizeof(summary), "%s/summary.txt", dir);
  rc = cli_sh(NULL,
              "%s verify --trust-anchor %s/trust-anchor.pem --collateral %s/collateral "
              "%s/evidence.ndjson -o %s 2> %s",
              g_bin, dir, dir, dir, results, summary);
  assert_int_equal(rc, 2); /* expired-collateral is an error by design */
  bool saw_platform = false, saw_processor = false;
  assert_int_equal(check_results(dir, results, &saw_platform, &saw_processor), 480);
  assert_true(saw_platform);
  assert_true(saw_processor);
  char want[256];
  snprintf(want, sizeof(want), "affirming %lld, warning %lld, contraindicated %lld, error %lld",
           json_integer_value(json_object_get(exp_status, "affirming")),
           json_integer_value(json_object_get(exp_status, "warning")),
           json_integer_value(json_object_get(exp_status, "contraindicated")),
           json_integer_value(json_object_get(exp_status, "error")));
  char *sum = read_all(summary, NULL);
  if (strstr(sum, want) == NULL) fail_msg("summary '%s' lacks '%s'", sum, want);
  free(sum);
  json_decref(m);
}

/* (f) TDX determinism: the same --seed and --now give byte-identical
 * expected.ndjson and MANIFEST.json, the same collateral files and signed
 * texts, the same ids and signed quote parts (header and TD body) for any
 * --jobs; another seed gives another corpus.  Counts per kind and format
 * add up. */
static void test_tdx_deterministic(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  static const char *const kFiles[] = {"./intel/td_qe/17.json",
                                       "./intel/tdx/tcbinfo/00806F050000/17.json", NULL};
  char a[512];
  check_deterministic("tdx", "tdx-det",
                      "--platforms 20 --quotes 250 --enclaves 6 --now 2025-07-01T00:00:00Z "
                      "--mix all -q",
                      250, NUM_TDX_KINDS + 1 /* a TCB Info per kind, one TD_QE Identity */,
                      kFiles, MAX_SIGNED, a, sizeof a);

  /* Counts: per kind and per format they add up to --quotes and
   * --platforms; expected.ndjson has a line per quote, in id order. */
  char path[600];
  snprintf(path, sizeof(path), "%s/MANIFEST.json", a);
  json_t *m = load_json(path);
  json_int_t quotes = 0, platforms = 0, formats = 0;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(m, "kinds"), i, v) {
    quotes += json_integer_value(json_object_get(v, "quotes"));
    platforms += json_integer_value(json_object_get(v, "platforms"));
  }
  const char *key;
  json_object_foreach(json_object_get(m, "td_quote_formats"), key, v) formats +=
      json_integer_value(v);
  assert_int_equal(quotes, 250);
  assert_int_equal(platforms, 20);
  assert_int_equal(formats, 250);
  json_t *status = json_object_get(m, "expected_status");
  json_int_t by_status = 0;
  json_object_foreach(status, key, v) by_status += json_integer_value(v);
  assert_int_equal(by_status, 250);
  json_decref(m);
  snprintf(path, sizeof(path), "%s/expected.ndjson", a);
  json_t *exp = ndjson_load(path);
  assert_int_equal(json_array_size(exp), 250);
  json_array_foreach(exp, i, v) {
    char id[32];
    snprintf(id, sizeof(id), "q-%03zu", i + 1);
    assert_string_equal(json_string_value(json_object_get(v, "id")), id);
  }
  json_decref(exp);
}

/* (g) TDX at scale: 10,000 quotes from 100 platforms in a few seconds,
 * every one affirming through vouch verify. */
static void test_tdx_scale(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512];
  snprintf(dir, sizeof(dir), "%s/tdx-scale", g_tmp);
  char *out;
  int rc = cli_sh(&out,
                  "s=$(date +%%s%%N); %s gen tdx -q --platforms 100 --quotes 10000 --out %s && "
                  "echo $(( ($(date +%%s%%N) - s) / 1000000 ))",
                  g_bin, dir);
  if (rc != 0) fail_msg("vouch gen tdx failed (%d): %s", rc, out);
  long ms = atol(out);
  print_message("vouch gen tdx: 10000 quotes in %ld ms\n", ms);
  free(out);
  assert_true(ms < 60000); /* a few seconds in Release; sanitizers are slower */
  rc = cli_sh(&out,
              "%s verify --trust-anchor %s/trust-anchor.pem --collateral %s/collateral "
              "%s/evidence.ndjson -o %s/results.ndjson 2>&1",
              g_bin, dir, dir, dir, dir);
  print_message("%s", out);
  free(out);
  assert_int_equal(rc, 0);
  char results[600];
  snprintf(results, sizeof(results), "%s/results.ndjson", dir);
  assert_int_equal(count_lines_in(results), 10000);
  assert_int_equal(cli_sh(&out, "grep -vc '\"status\":\"affirming\"' %s", results), 1);
  assert_int_equal(atoi(out), 0);
  free(out);
  bool saw_platform = false, saw_processor = false;
  assert_int_equal(check_results(dir, results, &saw_platform, &saw_processor), 10000);
  assert_true(saw_platform);
  assert_true(saw_processor);
}

int main(void) {
  g_bin = getenv("VOUCH_BIN");
  if (g_bin && access(g_bin, X_OK) != 0) g_bin = NULL;
  if (g_bin == NULL) fprintf(stderr, "gen_cli: VOUCH_BIN not usable; tests will be SKIPPED\n");
  snprintf(g_tmp, sizeof(g_tmp), "/tmp/vouch-gen-cli-XXXXXX");
  if (mkdtemp(g_tmp) == NULL) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_usage),
      cmocka_unit_test(test_scale),
      cmocka_unit_test(test_tdx_every_kind),
      cmocka_unit_test(test_tdx_deterministic),
      cmocka_unit_test(test_tdx_scale),
  };
  int rc = cmocka_run_group_tests_name("gen_cli", tests, NULL, NULL);
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", g_tmp);
  if (system(cmd) != 0) rc = rc ? rc : 1;
  return rc;
}
