/* tools/setup.c - what `vouch verify` and `vouch serve` both load before
 * verifying: trust anchors (the built-in Intel SGX Root CA plus
 * --trust-anchor PEMs) and collateral (--collateral FILE|DIR). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "tools/commands.h"

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* merge_files files several collateral documents into a temporary
 * collateral directory and indexes it (the index keeps every item in
 * memory, so the folder is removed right after). */
static vouch_status merge_files(vouch_verify_setup *s, const char *const *paths, size_t n,
                                vouch_err *err) {
  char dir[] = "/tmp/vouch-collateral-XXXXXX";
  if (mkdtemp(dir) == NULL)
    return vouch_fail(err, VOUCH_E_IO, "cannot create a temporary collateral directory");
  vouch_status st = VOUCH_OK;
  for (size_t i = 0; i < n && st == VOUCH_OK; i++) {
    uint8_t *data = NULL;
    size_t len = 0, num = 0;
    st = vouch_read_file(paths[i], VOUCH_LIMIT_COLLATERAL, &data, &len, err);
    if (st == VOUCH_OK) st = vouch_colldir_import(dir, data, len, &num, err);
    free(data);
    if (st != VOUCH_OK) vouch_err_prefix(err, "--collateral %s: ", paths[i]);
  }
  if (st == VOUCH_OK) {
    st = vouch_colldir_open(dir, &s->dir, err);
    if (st == VOUCH_OK)
      s->source = vouch_colldir_source(s->dir);
    else
      vouch_err_prefix(err, "--collateral: ");
  }
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return st;
}

static vouch_status load_collateral(vouch_verify_setup *s, const char *const *paths, size_t n,
                                    vouch_err *err) {
  if (n == 0) return VOUCH_OK;
  if (n > 1) {
    for (size_t i = 0; i < n; i++)
      if (is_dir(paths[i]))
        return vouch_fail(err, VOUCH_E_ARG,
                          "--collateral %s: a directory cannot be combined with other "
                          "--collateral options (import the files into it instead)",
                          paths[i]);
    return merge_files(s, paths, n, err);
  }
  vouch_status st;
  if (is_dir(paths[0])) {
    st = vouch_colldir_open(paths[0], &s->dir, err);
    if (st == VOUCH_OK) {
      s->source = vouch_colldir_source(s->dir);
      s->snp_source = vouch_colldir_snp_source(s->dir);
    }
  } else {
    uint8_t *data = NULL;
    size_t len = 0;
    st = vouch_read_file(paths[0], VOUCH_LIMIT_COLLATERAL, &data, &len, err);
    if (st == VOUCH_OK)
      st = vouch_dcap_collateral_from_json((const char *)data, len, &s->bundle, err);
    free(data);
    if (st == VOUCH_OK) s->has_bundle = true;
  }
  if (st != VOUCH_OK) vouch_err_prefix(err, "--collateral %s: ", paths[0]);
  return st;
}

vouch_status vouch_setup_load(vouch_verify_setup *s, const char *const *anchors, size_t num_anchors,
                              const char *const *collateral, size_t num_collateral,
                              vouch_err *err) {
  *s = (vouch_verify_setup){0};
  s->anchors = vouch_anchors_new();
  if (s->anchors == NULL || vouch_dcap_add_intel_root(s->anchors) != VOUCH_OK)
    return vouch_fail(err, VOUCH_E_INTERNAL, "cannot load the built-in Intel SGX Root CA");
  for (size_t i = 0; i < num_anchors; i++) {
    uint8_t *pem = NULL;
    size_t len = 0;
    vouch_status st = vouch_read_file(anchors[i], 1 << 20, &pem, &len, err);
    if (st == VOUCH_OK) st = vouch_anchors_add_pem(s->anchors, (const char *)pem, len, err);
    free(pem);
    if (st != VOUCH_OK) {
      vouch_err_prefix(err, "--trust-anchor %s: ", anchors[i]);
      return st;
    }
  }
  return load_collateral(s, collateral, num_collateral, err);
}

void vouch_setup_free(vouch_verify_setup *s) {
  vouch_anchors_free(s->anchors);
  if (s->has_bundle) vouch_dcap_collateral_cleanup(&s->bundle);
  vouch_colldir_free(s->dir);
  *s = (vouch_verify_setup){0};
}
