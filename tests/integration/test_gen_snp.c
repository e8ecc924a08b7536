/* Integration tests of `vouch gen snp`, through the real binary
 * (VOUCH_BIN): a corpus of every kind, generated then verified by `vouch
 * verify`, gets exactly the verdicts of its expected.ndjson, with the
 * VCEKs inline (--inline-vcek) and from the collateral directory; the
 * directory is laid out as a KDS cache keeps VCEKs (by product, hwID and
 * reported TCB) and VLEKs (by key hash); the generated ARK is trusted only
 * through --trust-anchor; Turin (8-byte hwID, fmcSPL) works the same.
 * Each corpus costs about 3 s of RSA-4096 key generation (once per
 * process). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka.h needs the standard headers above. */
#include <cmocka.h>

#include "cli_util.h"
#include "ndjson_util.h"

static const char *g_bin;
static char g_tmp[256];

#define NOW "2025-07-01T00:00:00Z"


static const char *str_or_null(json_t *v) {
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool same_str(const char *a, const char *b) {
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* check_results compares the results with expected.ndjson, in order (the
 * verify runs are --ordered), and counts the kinds seen. */
static size_t check_results(const char *dir, const char *results_path, size_t *num_kinds) {
  char path[512];
  snprintf(path, sizeof(path), "%s/expected.ndjson", dir);
  json_t *expected = ndjson_load(path);
  json_t *results = ndjson_load(results_path);
  assert_int_equal(json_array_size(results), json_array_size(expected));
  json_t *kinds = json_object();
  size_t mismatches = 0, i;
  json_t *v;
  json_array_foreach(results, i, v) {
    json_t *e = json_array_get(expected, i);
    const char *id = str_or_null(json_object_get(v, "id"));
    assert_non_null(id);
    assert_string_equal(id, json_string_value(json_object_get(e, "id")));
    json_t *err = json_object_get(v, "error");
    const char *got_code = json_is_object(err) ? str_or_null(json_object_get(err, "code")) : NULL;
    const char *kind = json_string_value(json_object_get(e, "kind"));
    json_object_set_new(kinds, kind, json_true());
    if (!same_str(str_or_null(json_object_get(v, "status")),
                  str_or_null(json_object_get(e, "status"))) ||
        !same_str(got_code, str_or_null(json_object_get(e, "error_code")))) {
      char *r = json_dumps(v, JSON_COMPACT), *x = json_dumps(e, JSON_COMPACT);
      print_message("MISMATCH %s (%s)\n  got      %.400s\n  expected %s\n", id, kind, r, x);
      free(r);
      free(x);
      mismatches++;
    }
  }
  assert_int_equal(mismatches, 0);
  *num_kinds = json_object_size(kinds);
  size_t n = json_array_size(results);
  json_decref(kinds);
  json_decref(results);
  json_decref(expected);
  return n;
}

/* gen_and_verify makes a corpus in g_tmp/|name| and verifies it; the
 * results go to DIR/results.ndjson. */
static void gen_and_verify(const char *name, const char *gen_args, const char *verify_args,
                           char *dir, size_t cap) {
  snprintf(dir, cap, "%s/%s", g_tmp, name);
  char *out = NULL;
  int rc = cli_sh(&out, "%s gen snp -q --out %s --now %s %s 2>&1", g_bin, dir, NOW, gen_args);
  if (rc != 0) fail_msg("vouch gen snp %s: exit %d\n%s", gen_args, rc, out);
  free(out);
  /* Exit 1 (some items not affirming) is expected: the corpus has negatives. */
  rc = cli_sh(&out,
              "%s verify -q --ordered --jobs 2 --at %s --trust-anchor %s/trust-anchor.pem %s "
              "%s/evidence.ndjson > %s/results.ndjson 2>&1",
              g_bin, NOW, dir, verify_args, dir, dir);
  if (rc != 0 && rc != 1 && rc != 2) fail_msg("vouch verify: exit %d\n%s", rc, out);
  free(out);
}

/* (a) Self-contained lines: every kind gets its stated verdict. */
static void test_inline_every_kind(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512], path[600];
  gen_and_verify("inline", "--inline-vcek --chips 3 --reports 40", "", dir, sizeof dir);
  snprintf(path, sizeof path, "%s/results.ndjson", dir);
  size_t kinds = 0;
  assert_int_equal(check_results(dir, path, &kinds), 40);
  assert_int_equal(kinds, 8);
  /* The tcb-mismatch kind names both TCBs. */
  char *text = cli_read_file(path, NULL);
  assert_non_null(strstr(text,
                         "VCEK is for TCB bl=3 tee=0 snp=8 ucode=115 but the report is "
                         "signed for bl=3 tee=0 snp=9 ucode=115"));
  free(text);
}

/* evidence_of writes the "evidence" text of line |n| (0-based) of
 * DIR/evidence.ndjson to |path| (vouch verify --evidence reads base64). */
static void evidence_of(const char *dir, int n, const char *path) {
  char *out = NULL;
  assert_int_equal(
      cli_sh(&out,
             "sed -n '%dp' %s/evidence.ndjson | sed 's/.*\"evidence\":\"\\([^\"]*\\)\".*/\\1/' "
             "> %s",
             n + 1, dir, path),
      0);
  free(out);
}

/* (b) The default: VCEKs and VLEK from the collateral directory, for bulk
 * and for single-report verification. */
static void test_colldir_every_kind(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512], path[600];
  char args[600];
  snprintf(args, sizeof args, "--collateral %s/colldir/collateral", g_tmp);
  gen_and_verify("colldir", "--chips 3 --reports 40", args, dir, sizeof dir);
  snprintf(path, sizeof path, "%s/results.ndjson", dir);
  size_t kinds = 0;
  assert_int_equal(check_results(dir, path, &kinds), 40);
  assert_int_equal(kinds, 8);
  char *text = cli_read_file(path, NULL);
  assert_non_null(strstr(text, "collateral: no VCEK for Milan chip "));
  free(text);
  /* The chain cache changes nothing: the same results line for line
   * without it (one worker each, so the cached run really reuses). */
  char *out = NULL;
  int rc = cli_sh(&out,
                  "cd %s && for c in '' --no-cache; do %s verify -q --ordered --jobs 1 $c --at %s "
                  "--trust-anchor trust-anchor.pem --collateral collateral evidence.ndjson > "
                  "r$c.ndjson; done; cmp r.ndjson r--no-cache.ndjson && echo same",
                  dir, g_bin, NOW);
  if (strstr(out, "same") == NULL) fail_msg("cache vs --no-cache: exit %d: %s", rc, out);
  free(out);
  /* One report on its own: report 0 (good), report 19 (tcb-mismatch: with
   * 3 chips, kind (19 mod 3 + 19 div 3) mod 8 = 7). */
  char ev[600];
  snprintf(ev, sizeof ev, "%s/one.b64", dir);
  evidence_of(dir, 0, ev);
  rc = cli_sh(&out,
              "%s verify -q --type snp --evidence %s --collateral %s/collateral --at %s "
              "--trust-anchor %s/trust-anchor.pem",
              g_bin, ev, dir, NOW, dir);
  if (rc != 0 || strstr(out, "\"status\":\"affirming\"") == NULL)
    fail_msg("single report 0: exit %d: %s", rc, out);
  free(out);
  evidence_of(dir, 19, ev);
  rc = cli_sh(&out,
              "%s verify --type snp --evidence %s --collateral %s/collateral --at %s "
              "--trust-anchor %s/trust-anchor.pem 2>&1",
              g_bin, ev, dir, NOW, dir);
  if (rc == 0 || strstr(out, "no VCEK for Milan chip") == NULL ||
      strstr(out, "at TCB 7309000000000003") == NULL)
    fail_msg("single report 19: exit %d: %s", rc, out);
  free(out);
}

/* (c) Without --trust-anchor the generated ARK is not trusted: nothing
 * affirms, and the good reports say why. */
static void test_untrusted_ark(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512];
  snprintf(dir, sizeof dir, "%s/untrusted", g_tmp);
  char *out = NULL;
  assert_int_equal(cli_sh(&out, "%s gen snp -q --out %s --now %s --inline-vcek --reports 8 2>&1",
                          g_bin, dir, NOW),
                   0);
  free(out);
  int rc = cli_sh(&out, "%s verify -q --ordered --at %s %s/evidence.ndjson", g_bin, NOW, dir);
  assert_int_not_equal(rc, 0);
  assert_null(strstr(out, "\"status\":\"affirming\""));
  assert_null(strstr(out, "\"status\":\"warning\""));
  assert_non_null(strstr(out, "E_UNTRUSTED_ROOT"));
  free(out);
}

/* (d) The layout: VCEKs by hwID and TCB (the chip of the older-tcb kind
 * has two), one VLEK by the SHA-256 of its key, chains and CRL; by
 * default the envelopes carry no collateral. */
static void test_layout(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512];
  snprintf(dir, sizeof dir, "%s/layout", g_tmp);
  char *out = NULL;
  assert_int_equal(
      cli_sh(&out, "%s gen snp -q --out %s --now %s --chips 2 --reports 16 2>&1", g_bin, dir, NOW),
      0);
  free(out);
  assert_int_equal(cli_sh(&out, "cd %s/collateral && find amd -type f | sort", dir), 0);
  /* 2 chips at TCB 7308000000000003 (bl=3 snp=8 ucode=0x73), both also at
   * 7307000000000002 (reports 9 and 10 are older-tcb, chips 1 and 0). */
  assert_int_equal(cli_count_lines(out), 2 + 2 + 1 + 3);
  assert_non_null(strstr(out, "amd/Milan/cert_chain.pem\n"));
  assert_non_null(strstr(out, "amd/Milan/vlek_cert_chain.pem\n"));
  assert_non_null(strstr(out, "amd/Milan/crl.der\n"));
  size_t at_tcb = 0, at_old = 0;
  for (const char *p = out; (p = strstr(p, "/7308000000000003.der\n")) != NULL; p++) at_tcb++;
  for (const char *p = out; (p = strstr(p, "/7307000000000002.der\n")) != NULL; p++) at_old++;
  assert_int_equal(at_tcb, 2);
  assert_int_equal(at_old, 2);
  const char *vlek = strstr(out, "amd/Milan/vlek/");
  assert_non_null(vlek);
  assert_int_equal(strcspn(vlek + 15, "."), 64); /* SHA-256, hex */
  const char *vcek = strstr(out, "amd/Milan/vcek/");
  assert_non_null(vcek);
  assert_int_equal(strcspn(vcek + 15, "/"), 128); /* 64-byte hwID, hex */
  free(out);
  char path[600];
  snprintf(path, sizeof path, "%s/evidence.ndjson", dir);
  char *ev = cli_read_file(path, NULL);
  assert_non_null(ev);
  assert_int_equal(cli_count_lines(ev), 16);
  assert_null(strstr(ev, "collateral"));
  free(ev);
}

/* `vouch collateral import` files AMD's files where the directory expects
 * them: importing every file of a generated directory gives a directory
 * that verifies the corpus to the same result lines; a real VCEK (AMD KDS,
 * DER) lands under its chip and TCB and serves its report. */
static void test_import_amd(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512], imp[512];
  snprintf(dir, sizeof dir, "%s/import-src", g_tmp);
  snprintf(imp, sizeof imp, "%s/import-dst", g_tmp);
  char *out = NULL;
  assert_int_equal(
      cli_sh(&out, "%s gen snp -q --out %s --now %s --chips 2 --reports 16 2>&1", g_bin, dir, NOW),
      0);
  free(out);
  int rc = cli_sh(&out, "%s collateral import --out %s $(find %s/collateral/amd -type f) 2>&1",
                  g_bin, imp, dir);
  if (rc != 0) fail_msg("import: %s", out);
  free(out);
  assert_int_equal(cli_sh(&out, "cd %s && find amd -type f | sort", imp), 0);
  assert_non_null(strstr(out, "amd/Milan/ark.pem\n"));
  assert_non_null(strstr(out, "amd/Milan/ask.pem\n"));
  assert_non_null(strstr(out, "amd/Milan/asvk.pem\n"));
  assert_non_null(strstr(out, "amd/Milan/crl-"));
  assert_non_null(strstr(out, "/7308000000000003.der\n"));
  assert_non_null(strstr(out, "amd/Milan/vlek/"));
  assert_int_equal(cli_count_lines(out), 3 + 1 + 4 + 1);
  free(out);
  char *a = NULL, *b = NULL;
  cli_sh(&a, "%s verify -q --ordered --at %s --trust-anchor %s/trust-anchor.pem --collateral "
             "%s/collateral %s/evidence.ndjson", g_bin, NOW, dir, dir, dir);
  cli_sh(&b, "%s verify -q --ordered --at %s --trust-anchor %s/trust-anchor.pem --collateral %s "
             "%s/evidence.ndjson", g_bin, NOW, dir, imp, dir);
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(cli_count_lines(a), 16);
  assert_string_equal(a, b);
  free(a);
  free(b);
  /* A real Milan VCEK, as AMD's KDS serves it. */
  const char *vec = getenv("VOUCH_VECTORS");
  if (vec == NULL) return;
  char real[512];
  snprintf(real, sizeof real, "%s/real-import", g_tmp);
  rc = cli_sh(&out, "%s collateral import --out %s %s/snp/milan-virtee/vcek.der 2>&1 && "
                    "cd %s && find amd -type f", g_bin, real, vec, real);
  if (rc != 0) fail_msg("import of the real VCEK: %s", out);
  assert_non_null(strstr(out, "amd/Milan/vcek/"));
  assert_non_null(strstr(out, "/7308000000000003.der"));
  free(out);
  rc = cli_sh(&out, "%s verify --type snp --evidence %s/snp/milan-virtee/report.bin "
                    "--collateral %s", g_bin, vec, real);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "\"status\":\"affirming\""));
  free(out);
}

/* (e) Turin: 8-byte hwID, the Turin TCB layout, fmcSPL. */
static void test_turin_inline(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char dir[512], path[600];
  gen_and_verify("turin", "--product turin --inline-vcek --chips 2 --reports 16", "", dir,
                 sizeof dir);
  snprintf(path, sizeof path, "%s/results.ndjson", dir);
  size_t kinds = 0;
  assert_int_equal(check_results(dir, path, &kinds), 16);
  assert_int_equal(kinds, 8);
  char *text = cli_read_file(path, NULL);
  assert_non_null(strstr(text, "\"snp_product\":\"Turin\""));
  assert_non_null(strstr(text, "\"fmc\":1"));
  free(text);
}

/* (f) Not generated: the real genoa-azure set's vTPM quote through `vouch
 * verify`, as files (single mode) and as an snp-azure envelope's evidence
 * object (bulk), and a flipped PCR refused. */
static void test_azure_vtpm_cli(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  const char *vec = getenv("VOUCH_VECTORS");
  CLI_NEED(vec != NULL, "VOUCH_VECTORS");
  char v[512], dir[512], *out = NULL;
  snprintf(v, sizeof v, "%s/snp/genoa-azure", vec);
  snprintf(dir, sizeof dir, "%s/azure", g_tmp);
  static const char kNonce[] =
      "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea3"
      "5d950f";
  int rc = cli_sh(&out,
                  "%s verify -q --type snp-azure --evidence %s/hcl-report.bin --collateral "
                  "%s/vcek.der --vtpm-quote %s/vtpm-quote.msg --signature %s/vtpm-quote.sig.raw "
                  "--pcrs %s/vtpm-pcrs-sha256-0-23.bin --nonce %s --at 2025-06-01T00:00:00Z",
                  g_bin, v, v, v, v, v, kNonce);
  if (rc != 0 || strstr(out, "\"status\":\"affirming\"") == NULL ||
      strstr(out, "\"snp_vtpm_verified\":true") == NULL ||
      strstr(out,
             "\"tpm_pcr_digest\":"
             "\"2b30a66d715a7801b86d7912b710838bd3bd8d9aeec7c7135563f938cf8b3399\"") == NULL)
    fail_msg("single mode: exit %d: %.600s", rc, out);
  free(out);
  /* PCR 5 flipped in a copy. */
  rc = cli_sh(&out,
              "mkdir -p %s && cp %s/vtpm-pcrs-sha256-0-23.bin %s/pcrs.bin && chmod u+w %s/pcrs.bin "
              "&& printf '\\001' | dd of=%s/pcrs.bin bs=1 seek=160 conv=notrunc 2>/dev/null",
              dir, v, dir, dir, dir);
  assert_int_equal(rc, 0);
  free(out);
  rc = cli_sh(&out,
              "%s verify --type snp-azure --evidence %s/hcl-report.bin --collateral %s/vcek.der "
              "--vtpm-quote %s/vtpm-quote.msg --signature %s/vtpm-quote.sig.raw --pcrs "
              "%s/pcrs.bin --at 2025-06-01T00:00:00Z 2>&1",
              g_bin, v, v, v, v, dir);
  if (rc == 0 || strstr(out, "\"status\":\"contraindicated\"") == NULL ||
      strstr(out, "snp: vTPM: tpm: pcrDigest does not match") == NULL)
    fail_msg("flipped PCR: exit %d: %.600s", rc, out);
  free(out);
  /* Bulk: the evidence object in an envelope, good and with the flipped PCR. */
  rc = cli_sh(&out,
              "cd %s && b() { base64 -w0 \"$1\"; } && for p in %s/vtpm-pcrs-sha256-0-23.bin "
              "pcrs.bin; do printf '{\"id\":\"%%s\",\"type\":\"snp-azure\",\"evidence\":"
              "{\"hcl_report\":\"%%s\",\"vtpm_quote\":\"%%s\",\"vtpm_signature\":\"%%s\","
              "\"vtpm_pcrs\":\"%%s\"},\"collateral\":{\"vcek\":\"%%s\"}}\\n' \"$(basename "
              "$p)\" \"$(b %s/hcl-report.bin)\" \"$(b %s/vtpm-quote.msg)\" \"$(b "
              "%s/vtpm-quote.sig.raw)\" \"$(b $p)\" \"$(b %s/vcek.der)\"; done > az.ndjson && %s "
              "verify -q --ordered --at 2025-06-01T00:00:00Z az.ndjson",
              dir, v, v, v, v, v, g_bin);
  const char *second = out ? strchr(out, '\n') : NULL;
  if (rc != 1 || second == NULL || strstr(out, "\"snp_vtpm_verified\":true") == NULL ||
      strstr(second, "snp: vTPM: tpm: pcrDigest does not match") == NULL)
    fail_msg("bulk: exit %d: second line: %.900s", rc, second ? second : "(none)");
  free(out);
}

int main(void) {
  g_bin = getenv("VOUCH_BIN");
  if (g_bin && access(g_bin, X_OK) != 0) g_bin = NULL;
  if (g_bin == NULL) fprintf(stderr, "gen_snp: VOUCH_BIN not usable; tests will be SKIPPED\n");
  snprintf(g_tmp, sizeof(g_tmp), "/tmp/vouch-gen-snp-XXXXXX");
  if (mkdtemp(g_tmp) == NULL) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inline_every_kind), cmocka_unit_test(test_colldir_every_kind),
      cmocka_unit_test(test_untrusted_ark),     cmocka_unit_test(test_layout),
      cmocka_unit_test(test_import_amd),
      cmocka_unit_test(test_turin_inline),      cmocka_unit_test(test_azure_vtpm_cli),
  };
  int rc = cmocka_run_group_tests_name("gen_snp", tests, NULL, NULL);
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", g_tmp);
  if (system(cmd) != 0) rc = rc ? rc : 1;
  return rc;
}
