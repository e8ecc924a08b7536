/* The collateral directory's SEV-SNP part (engine/colldir.c, DESIGN.md
 * "Collateral directory"): VCEKs found by product, hwID and reported TCB as
 * a KDS cache keeps them, VLEKs by key hash (and chosen by TCB and
 * signature, never by chip id), CA certificates and CRLs per product; a
 * miss names what is missing; a VCEK for another TCB of the same chip is
 * never served; a file filed under the wrong name is refused at open.
 * Reports and certificates come from the generator (tools/gen, RSA-2048
 * hierarchies to keep key generation fast). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka.h needs the standard headers above. */
#include <cmocka.h>

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "tools/gen/gen.h"

#define NOW 1751328000 /* 2025-07-01T00:00:00Z */

static void ok(vouch_status s, const vouch_err *err, const char *what) {
  if (s != VOUCH_OK) fail_msg("%s: %s %s", what, vouch_status_name(s), err ? err->msg : "");
}

/* sh runs "|verb| |path|" (mkdir -p, rm -rf). */
static void sh(const char *verb, const char *path) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s '%s'", verb, path);
  assert_int_equal(system(cmd), 0);
}

static void put_file(const char *dir, const char *name, const void *data, size_t len) {
  sh("mkdir -p", dir);
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

/* The fixture: a Milan hierarchy, two chips, chip 0 with VCEKs for two
 * TCBs, chip 1 with one; two VLEKs (two providers) at the same TCB. */
typedef struct {
  char dir[64];
  vouch_gen_snp_pki *pki;
  vouch_gen_snp_key *chip0, *chip0_old, *chip1, *chip2, *vlek_a, *vlek_b;
  struct vouch_anchors *anchors;
} fixture;

static const vouch_gen_snp_tcb kTcb = {.bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};
static const vouch_gen_snp_tcb kOld = {.bootloader = 2, .tee = 0, .snp = 7, .microcode = 115};

static void vcek_path(const vouch_gen_snp_key *k, const vouch_gen_snp_tcb *t, char *dir,
                      size_t dcap, char *name, size_t ncap, const char *root) {
  char hwid[129];
  vouch_hex_encode(vouch_gen_snp_key_chip_id(k), 64, hwid);
  snprintf(dir, dcap, "%s/amd/Milan/vcek/%s", root, hwid);
  snprintf(name, ncap, "%016llx.der",
           (unsigned long long)vouch_gen_snp_tcb_raw(VOUCH_GEN_SNP_MILAN, t));
}

static void file_vcek(const fixture *f, const vouch_gen_snp_key *k, const vouch_gen_snp_tcb *t) {
  char dir[512], name[64];
  vcek_path(k, t, dir, sizeof dir, name, sizeof name, f->dir);
  const uint8_t *der;
  size_t len;
  assert_int_equal(vouch_gen_snp_key_cert_der(k, &der, &len), VOUCH_OK);
  put_file(dir, name, der, len);
}

static void vlek_name(const vouch_gen_snp_key *k, char out[80]) {
  const uint8_t *der;
  size_t len;
  assert_int_equal(vouch_gen_snp_key_cert_der(k, &der, &len), VOUCH_OK);
  struct vouch_cert *c = NULL;
  struct vouch_pubkey *pk = NULL;
  uint8_t *spki = NULL, h[32];
  size_t spki_len = 0;
  assert_int_equal(vouch_cert_from_der(der, len, &c), VOUCH_OK);
  assert_int_equal(vouch_cert_pubkey(c, &pk), VOUCH_OK);
  assert_int_equal(vouch_pubkey_spki_der(pk, &spki, &spki_len), VOUCH_OK);
  vouch_sha256(spki, spki_len, h);
  vouch_hex_encode(h, 32, out);
  strcat(out, ".der");
  free(spki);
  vouch_pubkey_free(pk);
  vouch_cert_free(c);
}

static void file_vlek(const fixture *f, const vouch_gen_snp_key *k) {
  char dir[512], name[80];
  snprintf(dir, sizeof dir, "%s/amd/Milan/vlek", f->dir);
  vlek_name(k, name);
  const uint8_t *der;
  size_t len;
  assert_int_equal(vouch_gen_snp_key_cert_der(k, &der, &len), VOUCH_OK);
  put_file(dir, name, der, len);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->dir, sizeof f->dir, "/tmp/vouch-colldir-snp-XXXXXX");
  if (mkdtemp(f->dir) == NULL) return -1;
  vouch_err err = {0};
  vouch_gen_snp_pki_opts po = {
      .now = NOW, .seed = 21, .product = VOUCH_GEN_SNP_MILAN, .rsa_bits = 2048};
  ok(vouch_gen_snp_pki_new(&po, &f->pki, &err), &err, "pki");
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  ko.tcb = kTcb;
  ok(vouch_gen_snp_key_new(f->pki, &ko, &f->chip0, &err), &err, "chip0");
  ok(vouch_gen_snp_key_new(f->pki, &ko, &f->chip1, &err), &err, "chip1");
  ok(vouch_gen_snp_key_new(f->pki, &ko, &f->chip2, &err), &err, "chip2"); /* not filed */
  vouch_gen_snp_key_opts oo = ko;
  oo.tcb = kOld;
  memcpy(oo.chip_id, vouch_gen_snp_key_chip_id(f->chip0), 64);
  ok(vouch_gen_snp_key_new(f->pki, &oo, &f->chip0_old, &err), &err, "chip0 old");
  vouch_gen_snp_key_opts vo = ko;
  vo.vlek = true;
  vo.csp_id = "provider-a";
  ok(vouch_gen_snp_key_new(f->pki, &vo, &f->vlek_a, &err), &err, "vlek a");
  vo.csp_id = "provider-b";
  ok(vouch_gen_snp_key_new(f->pki, &vo, &f->vlek_b, &err), &err, "vlek b");
  file_vcek(f, f->chip0, &kTcb);
  file_vcek(f, f->chip0_old, &kOld);
  file_vcek(f, f->chip1, &kTcb);
  file_vlek(f, f->vlek_a);
  file_vlek(f, f->vlek_b);
  /* The ASK and ASVK as KDS serves them (intermediate, then ARK). */
  char dir[512];
  snprintf(dir, sizeof dir, "%s/amd/Milan", f->dir);
  vouch_buf pem;
  vouch_buf_init(&pem, 0);
  assert_int_equal(vouch_gen_snp_pki_cert_pem(f->pki, VOUCH_GEN_SNP_ASK, &pem), VOUCH_OK);
  assert_int_equal(vouch_gen_snp_pki_cert_pem(f->pki, VOUCH_GEN_SNP_ARK, &pem), VOUCH_OK);
  put_file(dir, "cert_chain.pem", pem.data, pem.len);
  vouch_buf_reset(&pem);
  assert_int_equal(vouch_gen_snp_pki_cert_pem(f->pki, VOUCH_GEN_SNP_ASVK, &pem), VOUCH_OK);
  put_file(dir, "vlek_cert_chain.pem", pem.data, pem.len);
  vouch_buf_reset(&pem);
  assert_int_equal(vouch_gen_snp_pki_cert_pem(f->pki, VOUCH_GEN_SNP_ARK, &pem), VOUCH_OK);
  f->anchors = vouch_anchors_new();
  ok(vouch_anchors_add_pem(f->anchors, pem.data, pem.len, &err), &err, "anchor");
  vouch_buf_free(&pem);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  sh("rm -rf", f->dir);
  vouch_gen_snp_key_free(f->chip0);
  vouch_gen_snp_key_free(f->chip0_old);
  vouch_gen_snp_key_free(f->chip1);
  vouch_gen_snp_key_free(f->chip2);
  vouch_gen_snp_key_free(f->vlek_a);
  vouch_gen_snp_key_free(f->vlek_b);
  vouch_gen_snp_pki_free(f->pki);
  vouch_anchors_free(f->anchors);
  free(f);
  return 0;
}

/* verify_with runs vouch_snp_verify on |report| with the directory of |f|
 * (opened for this call) and no other collateral. */
static void verify_with(const fixture *f, const char *dir, const vouch_buf *report,
                        vouch_result *r) {
  vouch_err err = {0};
  struct vouch_colldir *d = NULL;
  ok(vouch_colldir_open(dir, &d, &err), &err, "open");
  vouch_snp_source src = vouch_colldir_snp_source(d);
  vouch_snp_opts o = {.at = NOW, .extra_anchors = f->anchors, .source = &src};
  vouch_snp_verify((const uint8_t *)report->data, report->len, NULL, &o, r);
  vouch_colldir_free(d);
}

static void make_report(const vouch_gen_snp_key *k, void (*tweak)(vouch_gen_snp_report_opts *),
                        vouch_buf *out) {
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, k);
  if (tweak) tweak(&ro);
  vouch_buf_reset(out);
  assert_int_equal(vouch_gen_snp_report(k, &ro, out), VOUCH_OK);
}

/* expect_in: |needle| is in |msg| (which is shown when not). */
static void expect_in(const char *msg, const char *needle) {
  if (strstr(msg, needle) == NULL) fail_msg("'%s' not in: %s", needle, msg);
}

static const vouch_claim *claim(const vouch_result *r, const char *name) {
  const vouch_claim *c = vouch_result_find_claim(r, name);
  if (c == NULL) fail_msg("no claim %s", name);
  return c;
}

/* Found: each chip's VCEK for its TCB, the older TCB's too, both VLEKs
 * (the right one picked by signature), a v2 report (no CPUID: any product). */
static void test_found(void **state) {
  fixture *f = *state;
  vouch_buf rep;
  vouch_buf_init(&rep, 0);
  vouch_result *r = malloc(sizeof(*r));
  const vouch_gen_snp_key *keys[] = {f->chip0, f->chip0_old, f->chip1, f->vlek_a, f->vlek_b};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    make_report(keys[i], NULL, &rep);
    verify_with(f, f->dir, &rep, r);
    if (r->verdict != VOUCH_VERDICT_AFFIRMING)
      fail_msg("key %zu: %s %s", i, vouch_status_name(r->error.code), r->error.msg);
    /* The audit item "vcek"/"vlek" is the filed certificate. */
    const uint8_t *der;
    size_t len;
    uint8_t h[32];
    assert_int_equal(vouch_gen_snp_key_cert_der(keys[i], &der, &len), VOUCH_OK);
    vouch_sha256(der, len, h);
    bool seen = false;
    for (size_t k = 0; k < r->num_items; k++) {
      seen = seen || memcmp(r->items[k].sha256, h, 32) == 0;
    }
    assert_true(seen);
  }
  make_report(f->vlek_b, NULL, &rep);
  verify_with(f, f->dir, &rep, r);
  const vouch_claim *csp = claim(r, "snp_vlek_csp_id");
  assert_int_equal(csp->len, strlen("provider-b"));
  assert_memory_equal(vouch_result_claim_bytes(r, csp), "provider-b", csp->len);
  make_report(f->chip1, NULL, &rep);
  /* v2: the lookup searches every product for the chip. */
  vouch_gen_snp_report_opts ro;
  vouch_gen_snp_report_opts_default(&ro, f->chip1);
  ro.version = 2;
  vouch_buf_reset(&rep);
  assert_int_equal(vouch_gen_snp_report(f->chip1, &ro, &rep), VOUCH_OK);
  verify_with(f, f->dir, &rep, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("v2: %s", r->error.msg);
  free(r);
  vouch_buf_free(&rep);
}

static void claim_newer_tcb(vouch_gen_snp_report_opts *o) {
  o->reported_tcb.snp = 9;
}

/* Missing: a chip with no VCEK filed; a TCB the chip has no VCEK for (its
 * VCEK for another TCB is not used: the error is "missing", naming the TCB
 * it does have, not a mismatch); a VLEK TCB with no VLEK. */
static void test_missing(void **state) {
  fixture *f = *state;
  vouch_buf rep;
  vouch_buf_init(&rep, 0);
  vouch_result *r = malloc(sizeof(*r));
  char hwid[129];

  make_report(f->chip2, NULL, &rep);
  verify_with(f, f->dir, &rep, r);
  assert_int_equal(r->verdict, VOUCH_VERDICT_ERROR);
  assert_int_equal(r->error.code, VOUCH_E_COLLATERAL_MISSING);
  vouch_hex_encode(vouch_gen_snp_key_chip_id(f->chip2), 64, hwid);
  expect_in(r->error.msg, "collateral: no VCEK for Milan chip ");
  assert_non_null(strstr(r->error.msg, hwid));
  expect_in(r->error.msg, "at TCB 7308000000000003");
  assert_null(strstr(r->error.msg, "it has this chip's"));
  /* The report's claims are there even so (parsed before the lookup). */
  assert_non_null(vouch_result_find_claim(r, "snp_chip_id"));

  /* Chip 0 signing for TCB snp=9 with its snp=8 VCEK: that file exists
   * under 7308...; it must not be served for 7309... */
  make_report(f->chip0, claim_newer_tcb, &rep);
  verify_with(f, f->dir, &rep, r);
  assert_int_equal(r->error.code, VOUCH_E_COLLATERAL_MISSING);
  expect_in(r->error.msg, "at TCB 7309000000000003");
  expect_in(r->error.msg, "it has this chip's for TCB 7307000000000002,7308000000000003");
  /* The same report with the VCEK given inline: the given key is used and
   * found not to belong (a mismatch, not a lookup). */
  vouch_snp_collateral inl = {0};
  const uint8_t *der;
  size_t len;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_key_cert_der(f->chip0, &der, &len), VOUCH_OK);
  ok(vouch_snp_collateral_add(&inl, der, len, &err), &err, "inline");
  assert_int_equal(vouch_gen_snp_pki_cert_der(f->pki, VOUCH_GEN_SNP_ASK, &der, &len), VOUCH_OK);
  ok(vouch_snp_collateral_add(&inl, der, len, &err), &err, "inline ask");
  struct vouch_colldir *d = NULL;
  ok(vouch_colldir_open(f->dir, &d, &err), &err, "open");
  vouch_snp_source src = vouch_colldir_snp_source(d);
  vouch_snp_opts o = {.at = NOW, .extra_anchors = f->anchors, .source = &src};
  vouch_snp_verify((const uint8_t *)rep.data, rep.len, &inl, &o, r);
  assert_int_equal(r->error.code, VOUCH_E_COLLATERAL_MISMATCH);
  vouch_colldir_free(d);
  vouch_snp_collateral_cleanup(&inl);

  /* VLEK at a TCB no VLEK is for. */
  make_report(f->vlek_a, claim_newer_tcb, &rep);
  verify_with(f, f->dir, &rep, r);
  assert_int_equal(r->error.code, VOUCH_E_COLLATERAL_MISSING);
  expect_in(r->error.msg, "no VLEK for Milan at TCB 7309000000000003");
  free(r);
  vouch_buf_free(&rep);
}

static void corrupt_measurement(vouch_gen_snp_report_opts *o) {
  o->corrupt = VOUCH_GEN_SNP_CORRUPT_MEASUREMENT;
}

/* A VLEK report whose signature neither VLEK verifies fails on the
 * signature (neither VLEK is chosen by anything but its key). */
static void test_vlek_signature_decides(void **state) {
  fixture *f = *state;
  vouch_buf rep;
  vouch_buf_init(&rep, 0);
  vouch_result *r = malloc(sizeof(*r));
  make_report(f->vlek_b, corrupt_measurement, &rep);
  verify_with(f, f->dir, &rep, r);
  assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
  assert_int_equal(r->error.code, VOUCH_E_SIGNATURE);
  free(r);
  vouch_buf_free(&rep);
}

/* Misfiled: a VCEK under another TCB's name, under another chip's hwID, a
 * VLEK under a name that is not its key's hash, an unknown product folder:
 * open fails naming the file and what is wrong. */
static void test_misfiled(void **state) {
  fixture *f = *state;
  char dir[128], sub[600], name[64];
  const uint8_t *der;
  size_t len;
  vouch_err err = {0};
  struct vouch_colldir *d = NULL;
  assert_int_equal(vouch_gen_snp_key_cert_der(f->chip0, &der, &len), VOUCH_OK);

  snprintf(dir, sizeof dir, "%s-tcb", f->dir);
  vcek_path(f->chip0, &kOld, sub, sizeof sub, name, sizeof name, dir); /* snp=8 VCEK as snp=7 */
  put_file(sub, name, der, len);
  assert_int_equal(vouch_colldir_open(dir, &d, &err), VOUCH_E_COLLATERAL_MISMATCH);
  expect_in(err.msg, "/7307000000000002.der: it is for TCB 7308000000000003, not its name's");
  sh("rm -rf", dir);

  snprintf(dir, sizeof dir, "%s-hwid", f->dir);
  vcek_path(f->chip1, &kTcb, sub, sizeof sub, name, sizeof name, dir); /* chip 0's in chip 1's */
  put_file(sub, name, der, len);
  vouch_err_clear(&err);
  assert_int_equal(vouch_colldir_open(dir, &d, &err), VOUCH_E_COLLATERAL_MISMATCH);
  expect_in(err.msg, ") is not its folder's");
  sh("rm -rf", dir);

  snprintf(dir, sizeof dir, "%s-vlek", f->dir);
  snprintf(sub, sizeof sub, "%s/amd/Milan/vlek", dir);
  assert_int_equal(vouch_gen_snp_key_cert_der(f->vlek_a, &der, &len), VOUCH_OK);
  put_file(sub, "0000000000000000000000000000000000000000000000000000000000000000.der", der, len);
  vouch_err_clear(&err);
  assert_int_equal(vouch_colldir_open(dir, &d, &err), VOUCH_E_COLLATERAL_MISMATCH);
  expect_in(err.msg, "a VLEK is filed under the SHA-256 of its key");
  sh("rm -rf", dir);

  /* A VCEK in the VLEK folder is refused too. */
  snprintf(dir, sizeof dir, "%s-kind", f->dir);
  snprintf(sub, sizeof sub, "%s/amd/Milan/vlek", dir);
  assert_int_equal(vouch_gen_snp_key_cert_der(f->chip0, &der, &len), VOUCH_OK);
  put_file(sub, "x.der", der, len);
  vouch_err_clear(&err);
  assert_int_equal(vouch_colldir_open(dir, &d, &err), VOUCH_E_MALFORMED);
  expect_in(err.msg, "the certificate is a VCEK, not a VLEK");
  sh("rm -rf", dir);

  snprintf(dir, sizeof dir, "%s-prod", f->dir);
  snprintf(sub, sizeof sub, "%s/amd/Rome", dir);
  put_file(sub, "crl.der", "x", 1);
  vouch_err_clear(&err);
  assert_int_equal(vouch_colldir_open(dir, &d, &err), VOUCH_E_MALFORMED);
  expect_in(err.msg, "not an AMD product");
  sh("rm -rf", dir);
  assert_null(d);
}

/* A directory holding only AMD collateral opens (no intel/ needed), and
 * its CRL is used: a CRL revoking the ASK makes the chain fail. */
static void test_crl_from_directory(void **state) {
  fixture *f = *state;
  char dir[128], sub[256];
  snprintf(dir, sizeof dir, "%s-crl", f->dir);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "mkdir -p %s && cp -r %s/amd %s/", dir, f->dir, dir);
  assert_int_equal(system(cmd), 0);
  vouch_gen_snp_crl_opts co = {.revoke_ask = true};
  vouch_buf crl;
  vouch_buf_init(&crl, 0);
  vouch_err err = {0};
  ok(vouch_gen_snp_crl(f->pki, &co, &crl, &err), &err, "crl");
  snprintf(sub, sizeof sub, "%s/amd/Milan", dir);
  put_file(sub, "crl.der", crl.data, crl.len);
  vouch_buf rep;
  vouch_buf_init(&rep, 0);
  make_report(f->chip1, NULL, &rep);
  vouch_result *r = malloc(sizeof(*r));
  verify_with(f, dir, &rep, r);
  assert_int_equal(r->error.code, VOUCH_E_REVOKED);
  /* Before the CRL was issued it is not chosen. */
  vouch_snp_opts o;
  struct vouch_colldir *d = NULL;
  ok(vouch_colldir_open(dir, &d, &err), &err, "open");
  vouch_snp_source src = vouch_colldir_snp_source(d);
  o = (vouch_snp_opts){.at = NOW - 30 * 86400, .extra_anchors = f->anchors, .source = &src};
  vouch_snp_verify((const uint8_t *)rep.data, rep.len, NULL, &o, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("before the CRL: %s", r->error.msg);
  vouch_colldir_free(d);
  free(r);
  vouch_buf_free(&rep);
  vouch_buf_free(&crl);
  sh("rm -rf", dir);
}

/* ---- the chain cache (engine/cache.c through vouch_snp_opts.memo) ---------------------- */

static void *memo_acquire(void *ctx, const uint8_t *key, size_t key_len, size_t obj_size,
                          void (*build)(void *obj, void *arg), void *arg,
                          void (*destroy)(void *obj), void **out_obj, uint64_t *out_id) {
  return vouch_cache_acquire(ctx, key, key_len, obj_size, build, arg, destroy, out_obj, out_id);
}
static void memo_release(void *ctx, void *handle) {
  vouch_cache_release(ctx, handle);
}

static void same_hash(const uint8_t *key, size_t len, uint64_t *lo, uint64_t *hi) {
  (void)key;
  (void)len;
  *lo = 42;
  *hi = 42;
}

/* verify_cached runs vouch_snp_verify with the VCEK (and |crl|, when not
 * NULL) inline (no directory) and |memo|, at |at|. */
static void verify_crl(const fixture *f, const vouch_gen_snp_key *k, const vouch_buf *report,
                       const vouch_buf *crl, const vouch_snp_memo *memo, int64_t at,
                       vouch_result *r) {
  vouch_snp_collateral c = {0};
  const uint8_t *der;
  size_t len;
  vouch_err err = {0};
  assert_int_equal(vouch_gen_snp_key_cert_der(k, &der, &len), VOUCH_OK);
  ok(vouch_snp_collateral_add(&c, der, len, &err), &err, "vcek");
  assert_int_equal(vouch_gen_snp_pki_cert_der(f->pki, VOUCH_GEN_SNP_ASK, &der, &len), VOUCH_OK);
  ok(vouch_snp_collateral_add(&c, der, len, &err), &err, "ask");
  if (crl != NULL)
    ok(vouch_snp_collateral_add(&c, (const uint8_t *)crl->data, crl->len, &err), &err, "crl");
  vouch_snp_opts o = {.at = at, .extra_anchors = f->anchors, .memo = memo};
  vouch_snp_verify((const uint8_t *)report->data, report->len, &c, &o, r);
  vouch_snp_collateral_cleanup(&c);
}

static void verify_cached(const fixture *f, const vouch_gen_snp_key *k, const vouch_buf *report,
                          const vouch_snp_memo *memo, int64_t at, vouch_result *r) {
  verify_crl(f, k, report, NULL, memo, at, r);
}

static void other_report_data(vouch_gen_snp_report_opts *o) {
  o->report_data[0] = 0x77;
}

/* A second report with the same VCEK is a cache hit (no new chain
 * verification); its validity windows are still its own instant's. */
static void test_chain_cache_hit(void **state) {
  fixture *f = *state;
  struct vouch_cache *cache = vouch_cache_new(NULL);
  vouch_snp_memo memo = {.acquire = memo_acquire, .release = memo_release, .ctx = cache};
  vouch_buf rep;
  vouch_buf_init(&rep, 0);
  vouch_result *r = malloc(sizeof(*r)), *plain = malloc(sizeof(*r));
  vouch_cache_stats st;
  make_report(f->chip0, NULL, &rep);
  verify_cached(f, f->chip0, &rep, &memo, NOW, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("first: %s", r->error.msg);
  vouch_cache_stats_get(cache, &st);
  assert_int_equal(st.misses, 1);
  assert_int_equal(st.hits, 0);
  make_report(f->chip0, other_report_data, &rep);
  verify_cached(f, f->chip0, &rep, &memo, NOW, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("second: %s", r->error.msg);
  vouch_cache_stats_get(cache, &st);
  assert_int_equal(st.misses, 1);
  assert_int_equal(st.hits, 1);
  /* The same result as without a cache, audit items and claims included. */
  verify_cached(f, f->chip0, &rep, NULL, NOW, plain);
  assert_int_equal(plain->num_items, r->num_items);
  for (size_t i = 0; i < r->num_items; i++) {
    assert_string_equal(plain->items[i].name, r->items[i].name);
    assert_memory_equal(plain->items[i].sha256, r->items[i].sha256, 32);
  }
  assert_int_equal(plain->num_claims, r->num_claims);
  assert_memory_equal(plain->anchor_sha256, r->anchor_sha256, 32);
  /* Four years on, the VCEK (7 years, centred on NOW) has expired: the
   * cached chain does not hide it. */
  verify_cached(f, f->chip0, &rep, &memo, NOW + 4 * 366 * 86400LL, r);
  assert_int_equal(r->error.code, VOUCH_E_EXPIRED);
  expect_in(r->error.msg, "SEV-VCEK");
  /* With a CRL (valid 7 days around NOW): a new chain fact (the CRL is
   * part of it), then, ten days on, the CRL's window fails from the cached
   * windows, worded as the uncached path words it. */
  vouch_gen_snp_crl_opts co = {0};
  vouch_buf crl;
  vouch_buf_init(&crl, 0);
  vouch_err err = {0};
  ok(vouch_gen_snp_crl(f->pki, &co, &crl, &err), &err, "crl");
  verify_crl(f, f->chip0, &rep, &crl, &memo, NOW, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("with CRL: %s", r->error.msg);
  int64_t later = NOW + 10 * 86400LL;
  verify_crl(f, f->chip0, &rep, &crl, &memo, later, r);
  verify_crl(f, f->chip0, &rep, &crl, NULL, later, plain);
  assert_int_equal(r->error.code, VOUCH_E_EXPIRED);
  expect_in(r->error.msg, "CRL issued by 'ARK-Milan' expired at");
  assert_int_equal(r->error.code, plain->error.code);
  assert_string_equal(r->error.msg, plain->error.msg);
  vouch_cache_stats_get(cache, &st);
  assert_int_equal(st.misses, 2);
  assert_int_equal(st.hits, 3);
  vouch_buf_free(&crl);
  free(r);
  free(plain);
  vouch_buf_free(&rep);
  vouch_cache_free(cache);
}

/* With every key hashing alike, a different VCEK is verified on its own:
 * chip 1's good VCEK passes, and a VCEK whose signature is broken fails
 * even though a good chain sits under the same hash. */
static void test_chain_cache_collision(void **state) {
  fixture *f = *state;
  struct vouch_cache *cache = vouch_cache_new(NULL);
  vouch_cache_set_hash_for_testing(cache, same_hash);
  vouch_snp_memo memo = {.acquire = memo_acquire, .release = memo_release, .ctx = cache};
  vouch_buf rep;
  vouch_buf_init(&rep, 0);
  vouch_result *r = malloc(sizeof(*r));
  make_report(f->chip0, NULL, &rep);
  verify_cached(f, f->chip0, &rep, &memo, NOW, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("chip0: %s", r->error.msg);
  make_report(f->chip1, NULL, &rep);
  verify_cached(f, f->chip1, &rep, &memo, NOW, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("chip1: %s", r->error.msg);
  vouch_cache_stats st;
  vouch_cache_stats_get(cache, &st);
  assert_int_equal(st.misses, 2);
  assert_true(st.collisions >= 1);
  /* A VCEK of chip 2's id with a flipped signature bit. */
  vouch_gen_snp_key_opts ko;
  vouch_gen_snp_key_opts_default(&ko);
  ko.tcb = kTcb;
  ko.corrupt_signature = true;
  vouch_gen_snp_key *bad = NULL;
  vouch_err err = {0};
  ok(vouch_gen_snp_key_new(f->pki, &ko, &bad, &err), &err, "bad vcek");
  make_report(bad, NULL, &rep);
  verify_cached(f, bad, &rep, &memo, NOW, r);
  assert_int_equal(r->verdict, VOUCH_VERDICT_CONTRAINDICATED);
  assert_int_equal(r->error.code, VOUCH_E_CHAIN);
  /* ... every time (the failure is cached for it alone). */
  verify_cached(f, bad, &rep, &memo, NOW, r);
  assert_int_equal(r->error.code, VOUCH_E_CHAIN);
  make_report(f->chip1, other_report_data, &rep);
  verify_cached(f, f->chip1, &rep, &memo, NOW, r);
  if (r->verdict != VOUCH_VERDICT_AFFIRMING) fail_msg("chip1 again: %s", r->error.msg);
  vouch_gen_snp_key_free(bad);
  free(r);
  vouch_buf_free(&rep);
  vouch_cache_free(cache);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_found),
      cmocka_unit_test(test_missing),
      cmocka_unit_test(test_vlek_signature_decides),
      cmocka_unit_test(test_misfiled),
      cmocka_unit_test(test_crl_from_directory),
      cmocka_unit_test(test_chain_cache_hit),
      cmocka_unit_test(test_chain_cache_collision),
  };
  return cmocka_run_group_tests_name("colldir_snp", tests, setup, teardown);
}
