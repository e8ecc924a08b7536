/* engine/colldir.c - the collateral directory: several versions of each
 * collateral item, so evidence can be verified as of any instant.
 *
 *   intel/sgx/tcbinfo/<FMSPC>/<tcbEvaluationDataNumber>.json  PCS body
 *   intel/tdx/tcbinfo/<FMSPC>/<tcbEvaluationDataNumber>.json  PCS body
 *   intel/qe/<n>.json, intel/td_qe/<n>.json                   PCS body
 *   intel/crl/{root,processor,platform}/<thisUpdate>.der      CRL, DER
 *   intel/chains/<sha256 prefix>.pem                          issuer chains
 *
 * The tree is indexed once at open (every item parsed for its window);
 * lookups then pick, per item, the newest version valid at the instant, or
 * when none is, the newest issued before it (so the verifier reports the
 * expiry precisely instead of "missing"). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/crypto.h"
#include "engine/engine.h"

typedef enum { K_TCB_SGX, K_TCB_TDX, K_QE, K_TD_QE, K_CRL_ROOT, K_CRL_PROCESSOR, K_CRL_PLATFORM,
               K_CHAIN } item_kind;

typedef struct {
  item_kind kind;
  uint8_t fmspc[6];       /* TCB Info */
  uint32_t eval;          /* tcbEvaluationDataNumber (JSON items) */
  int64_t from, until;    /* issueDate/nextUpdate, thisUpdate/nextUpdate, signer validity */
  vouch_blob text;        /* signed object text (JSON), DER (CRL), PEM (chain) */
  uint8_t sig[64];        /* JSON items */
  bool tcb_signing, processor_ca, platform_ca; /* chains: what they contain */
} item;

struct vouch_colldir {
  item *items;
  size_t num, cap;
  uint64_t store_id; /* never reused: lets caches key items by address */
};

static _Atomic uint64_t g_store_ids;

static void item_free(item *it) { vouch_blob_free(&it->text); }

void vouch_colldir_free(struct vouch_colldir *d) {
  if (d == NULL) return;
  for (size_t i = 0; i < d->num; i++) item_free(&d->items[i]);
  free(d->items);
  free(d);
}

size_t vouch_colldir_count(const struct vouch_colldir *d) { return d->num; }

static vouch_status push(struct vouch_colldir *d, item *it) {
  if (d->num == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 64;
    item *p = realloc(d->items, cap * sizeof(*p));
    if (p == NULL) return VOUCH_E_NOMEM;
    d->items = p;
    d->cap = cap;
  }
  d->items[d->num++] = *it;
  return VOUCH_OK;
}

/* ---- indexing ------------------------------------------------------------ */

/* Each fill_* reads one file's bytes into |it| (a zeroed item of its kind),
 * naming a failure in |e|; index_file does the rest for all of them. */
static vouch_status fill_json(const uint8_t *data, size_t len, item *it, vouch_err *e) {
  bool tcb = it->kind == K_TCB_SGX || it->kind == K_TCB_TDX;
  const char *obj = NULL;
  size_t obj_len = 0;
  VOUCH_GUARD(vouch_dcap_split_signed_body((const char *)data, len,
                                           tcb ? "tcbInfo" : "enclaveIdentity", &obj, &obj_len,
                                           it->sig, e));
  vouch_status s;
  if (tcb) {
    vouch_tcb_info ti = {0};
    s = vouch_tcb_info_parse(obj, obj_len, &ti, e);
    if (s == VOUCH_OK) {
      memcpy(it->fmspc, ti.fmspc, 6);
      it->eval = ti.tcb_evaluation_data_number;
      it->from = ti.issue_date;
      it->until = ti.next_update;
    }
    vouch_tcb_info_cleanup(&ti);
  } else {
    vouch_qe_identity qe = {0};
    s = vouch_qe_identity_parse(obj, obj_len, &qe, e);
    if (s == VOUCH_OK) {
      it->eval = qe.tcb_evaluation_data_number;
      it->from = qe.issue_date;
      it->until = qe.next_update;
    }
    vouch_qe_identity_cleanup(&qe);
  }
  VOUCH_GUARD(s);
  return vouch_blob_set(&it->text, obj, obj_len);
}

static vouch_status fill_crl(const uint8_t *data, size_t len, item *it, vouch_err *e) {
  struct vouch_crl *crl = NULL;
  VOUCH_GUARD(vouch_crl_parse(data, len, &crl, e));
  size_t der_len;
  const uint8_t *der = vouch_crl_der(crl, &der_len);
  it->from = vouch_crl_this_update(crl);
  it->until = vouch_crl_next_update(crl);
  vouch_status s = vouch_blob_set(&it->text, der, der_len);
  vouch_crl_free(crl);
  return s;
}

static vouch_status fill_chain(const uint8_t *data, size_t len, item *it, vouch_err *e) {
  struct vouch_cert *certs[VOUCH_LIMIT_PEM_CHAIN_CERTS];
  size_t n = 0;
  it->from = INT64_MIN;
  it->until = INT64_MAX;
  VOUCH_GUARD(vouch_cert_chain_from_pem((const char *)data, len, certs,
                                        VOUCH_LIMIT_PEM_CHAIN_CERTS, &n, e));
  for (size_t i = 0; i < n; i++) {
    char cn[256];
    vouch_cert_subject_cn(certs[i], cn, sizeof(cn));
    if (strstr(cn, "TCB Signing")) {
      it->tcb_signing = true;
      it->from = vouch_cert_not_before(certs[i]);
      it->until = vouch_cert_not_after(certs[i]);
    }
    if (strstr(cn, "Processor CA")) it->processor_ca = true;
    if (strstr(cn, "Platform CA")) it->platform_ca = true;
    vouch_cert_free(certs[i]);
  }
  return vouch_blob_set(&it->text, data, len);
}

static bool is_crl_kind(item_kind kind) { return kind >= K_CRL_ROOT && kind <= K_CRL_PLATFORM; }

/* index_file reads one file of |kind| and adds it to the index. */
static vouch_status index_file(struct vouch_colldir *d, item_kind kind, const char *path,
                               vouch_err *err) {
  uint8_t *data = NULL;
  size_t len = 0;
  size_t max = is_crl_kind(kind) ? VOUCH_LIMIT_CRL_BYTES : VOUCH_LIMIT_COLLATERAL;
  VOUCH_GUARD(vouch_read_file(path, max, &data, &len, err));
  item it = {.kind = kind};
  vouch_err e = {0};
  vouch_status s = kind == K_CHAIN      ? fill_chain(data, len, &it, &e)
                   : is_crl_kind(kind) ? fill_crl(data, len, &it, &e)
                                       : fill_json(data, len, &it, &e);
  if (s == VOUCH_OK) s = push(d, &it);
  if (s != VOUCH_OK) {
    item_free(&it);
    s = vouch_fail(err, s, "collateral directory: %s: %s", path,
                   e.msg[0] ? e.msg : vouch_status_message(s));
  }
  free(data);
  return s;
}

static bool has_suffix(const char *name, const char *suffix) {
  size_t n = strlen(name), k = strlen(suffix);
  return n >= k && strcmp(name + n - k, suffix) == 0;
}

/* index_dir indexes the files with |suffix| in |dir| (missing dir: fine).
 * With |recurse_once|, it walks one level of subfolders (the FMSPCs). */
static vouch_status index_dir(struct vouch_colldir *d, const char *dir, const char *suffix,
                              item_kind kind, bool recurse_once, vouch_err *err) {
  DIR *dh = opendir(dir);
  if (dh == NULL) return errno == ENOENT ? VOUCH_OK : vouch_fail(err, VOUCH_E_IO, "cannot read %s: %s", dir, strerror(errno));
  vouch_status s = VOUCH_OK;
  struct dirent *de;
  while (s == VOUCH_OK && (de = readdir(dh)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path)) continue;
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (recurse_once) s = index_dir(d, path, suffix, kind, false, err);
      continue;
    }
    if (!S_ISREG(st.st_mode) || !has_suffix(de->d_name, suffix)) continue;
    s = index_file(d, kind, path, err);
  }
  closedir(dh);
  return s;
}

vouch_status vouch_colldir_open(const char *path, struct vouch_colldir **out, vouch_err *err) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return vouch_fail(err, VOUCH_E_IO, "collateral directory %s does not exist", path);
  }
  struct vouch_colldir *d = calloc(1, sizeof(*d));
  if (d == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  d->store_id = atomic_fetch_add(&g_store_ids, 1) + 1;
  static const struct {
    const char *sub, *suffix;
    item_kind kind;
    bool recurse;
  } kLayout[] = {
      {"intel/sgx/tcbinfo", ".json", K_TCB_SGX, true},
      {"intel/tdx/tcbinfo", ".json", K_TCB_TDX, true},
      {"intel/qe", ".json", K_QE, false},
      {"intel/td_qe", ".json", K_TD_QE, false},
      {"intel/crl/root", ".der", K_CRL_ROOT, false},
      {"intel/crl/processor", ".der", K_CRL_PROCESSOR, false},
      {"intel/crl/platform", ".der", K_CRL_PLATFORM, false},
      {"intel/chains", ".pem", K_CHAIN, false},
  };
  vouch_status s = VOUCH_OK;
  for (size_t i = 0; s == VOUCH_OK && i < sizeof(kLayout) / sizeof(kLayout[0]); i++) {
    char sub[4096];
    snprintf(sub, sizeof(sub), "%s/%s", path, kLayout[i].sub);
    s = index_dir(d, sub, kLayout[i].suffix, kLayout[i].kind, kLayout[i].recurse, err);
  }
  if (s == VOUCH_OK && d->num == 0) {
    s = vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                   "collateral directory %s holds no collateral (expected intel/...; "
                   "use 'vouch collateral import' to fill it)",
                   path);
  }
  if (s != VOUCH_OK) {
    vouch_colldir_free(d);
    return s;
  }
  *out = d;
  return VOUCH_OK;
}

/* ---- lookup ---------------------------------------------------------------- */

typedef bool (*item_filter)(const item *it, const void *arg);

/* pick returns the best item matching |f| at instant |at|: valid at |at|
 * and newest (eval number, then start); else the newest started before
 * |at|; else NULL. */
static const item *pick(const struct vouch_colldir *d, item_filter f, const void *arg,
                        int64_t at) {
  const item *best_valid = NULL, *best_past = NULL;
  for (size_t i = 0; i < d->num; i++) {
    const item *it = &d->items[i];
    if (!f(it, arg) || it->from > at) continue;
    bool newer_past = best_past == NULL || it->eval > best_past->eval ||
                      (it->eval == best_past->eval && it->from > best_past->from);
    if (newer_past) best_past = it;
    if (at <= it->until) {
      bool newer = best_valid == NULL || it->eval > best_valid->eval ||
                   (it->eval == best_valid->eval && it->from > best_valid->from);
      if (newer) best_valid = it;
    }
  }
  return best_valid ? best_valid : best_past;
}

static bool is_kind(const item *it, const void *arg) { return it->kind == *(const item_kind *)arg; }

typedef struct {
  item_kind kind;
  const uint8_t *fmspc;
} tcb_key;

static bool is_tcb(const item *it, const void *arg) {
  const tcb_key *k = arg;
  return it->kind == k->kind && memcmp(it->fmspc, k->fmspc, 6) == 0;
}

static bool is_tcb_chain(const item *it, const void *arg) {
  (void)arg;
  return it->kind == K_CHAIN && it->tcb_signing;
}

static bool is_ca_chain(const item *it, const void *arg) {
  bool platform = *(const bool *)arg;
  return it->kind == K_CHAIN && (platform ? it->platform_ca : it->processor_ca);
}

static void lend(vouch_blob *dst, const uint8_t *data, size_t len) {
  dst->data = (uint8_t *)data; /* read only: the collateral is marked borrowed */
  dst->len = len;
}

static vouch_status resolve(void *ctx, const vouch_dcap_lookup *key, vouch_dcap_collateral *out,
                            vouch_err *err) {
  const struct vouch_colldir *d = ctx;
  memset(out, 0, sizeof(*out));
  char fmspc[13], at[VOUCH_TIME_STR_LEN];
  vouch_hex_encode(key->fmspc, 6, fmspc);
  vouch_time_format(key->at, at);
  tcb_key tk = {.kind = key->tdx ? K_TCB_TDX : K_TCB_SGX, .fmspc = key->fmspc};
  item_kind qe_kind = key->tdx ? K_TD_QE : K_QE;
  item_kind root_kind = K_CRL_ROOT;
  item_kind pck_kind = key->platform_ca ? K_CRL_PLATFORM : K_CRL_PROCESSOR;
  bool platform = key->platform_ca;
  const item *tcb = pick(d, is_tcb, &tk, key->at);
  const item *qe = pick(d, is_kind, &qe_kind, key->at);
  const item *root = pick(d, is_kind, &root_kind, key->at);
  const item *pck = pick(d, is_kind, &pck_kind, key->at);
  const item *tcb_chain = pick(d, is_tcb_chain, NULL, key->at);
  const item *ca_chain = pick(d, is_ca_chain, &platform, key->at);
  const char *missing = tcb == NULL     ? "TCB info"
                        : qe == NULL    ? (key->tdx ? "TD_QE identity" : "QE identity")
                        : root == NULL  ? "Root CA CRL"
                        : pck == NULL   ? (platform ? "Platform CA CRL" : "Processor CA CRL")
                        : tcb_chain == NULL ? "TCB Signing issuer chain"
                        : ca_chain == NULL  ? "PCK CA issuer chain"
                                            : NULL;
  if (missing != NULL) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                      "collateral: %s%s%s not found (none issued by %s) in the collateral "
                      "directory",
                      missing, tcb == NULL ? " for FMSPC " : "", tcb == NULL ? fmspc : "", at);
  }
  /* Borrowed views: the directory's items outlive every item verified
   * with them, and copying ~20 KB per quote would cost more than parsing
   * the envelope. */
  out->borrowed = true;
  out->store_id = d->store_id;
  lend(&out->tcb_info, tcb->text.data, tcb->text.len);
  lend(&out->tcb_info_signature, tcb->sig, 64);
  lend(&out->tcb_info_issuer_chain, tcb_chain->text.data, tcb_chain->text.len);
  lend(&out->qe_identity, qe->text.data, qe->text.len);
  lend(&out->qe_identity_signature, qe->sig, 64);
  lend(&out->qe_identity_issuer_chain, tcb_chain->text.data, tcb_chain->text.len);
  lend(&out->root_ca_crl, root->text.data, root->text.len);
  lend(&out->pck_crl, pck->text.data, pck->text.len);
  lend(&out->pck_crl_issuer_chain, ca_chain->text.data, ca_chain->text.len);
  return VOUCH_OK;
}

vouch_dcap_source vouch_colldir_source(struct vouch_colldir *d) {
  vouch_dcap_source src = {.resolve = resolve, .ctx = d};
  return src;
}

/* ---- import ------------------------------------------------------------------ */

static vouch_status mkdirs(const char *path, vouch_err *err) {
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof(tmp), "%s", path) >= sizeof(tmp)) {
    return vouch_fail(err, VOUCH_E_ARG, "path too long");
  }
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
      return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", tmp, strerror(errno));
    }
    *p = '/';
  }
  if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
    return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", tmp, strerror(errno));
  }
  return VOUCH_OK;
}

/* write_file writes atomically (temp file + rename) into |dir|/|name|. */
static vouch_status write_file(const char *dir, const char *name, const void *data, size_t len,
                               size_t *num, vouch_err *err) {
  VOUCH_GUARD(mkdirs(dir, err));
  char path[4096], tmp[4200];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) return vouch_fail(err, VOUCH_E_IO, "cannot write %s: %s", tmp, strerror(errno));
  bool ok = fwrite(data, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return vouch_fail(err, VOUCH_E_IO, "cannot write %s", path);
  }
  (*num)++;
  return VOUCH_OK;
}

static vouch_status import_signed_json(const char *dir, const char *obj, size_t obj_len,
                                       const uint8_t sig[64], bool tcb, size_t *num,
                                       vouch_err *err) {
  char sub[4096], name[64];
  vouch_buf body;
  vouch_buf_init(&body, 0);
  vouch_status s = VOUCH_OK;
  vouch_err e = {0};
  if (tcb) {
    vouch_tcb_info ti = {0};
    s = vouch_tcb_info_parse(obj, obj_len, &ti, &e);
    if (s == VOUCH_OK) {
      char fmspc[13];
      vouch_hex_encode_upper(ti.fmspc, 6, fmspc);
      snprintf(sub, sizeof(sub), "%s/intel/%s/tcbinfo/%s", dir,
               strcmp(ti.id, "TDX") == 0 ? "tdx" : "sgx", fmspc);
      snprintf(name, sizeof(name), "%u.json", ti.tcb_evaluation_data_number);
    }
    vouch_tcb_info_cleanup(&ti);
  } else {
    vouch_qe_identity qe = {0};
    s = vouch_qe_identity_parse(obj, obj_len, &qe, &e);
    if (s == VOUCH_OK) {
      const char *kind = strcmp(qe.id, "TD_QE") == 0 ? "td_qe" : strcmp(qe.id, "QE") == 0 ? "qe" : NULL;
      if (kind == NULL) {
        s = vouch_fail(&e, VOUCH_E_UNSUPPORTED, "enclave identity '%s' is not a QE identity", qe.id);
      } else {
        snprintf(sub, sizeof(sub), "%s/intel/%s", dir, kind);
        snprintf(name, sizeof(name), "%u.json", qe.tcb_evaluation_data_number);
      }
    }
    vouch_qe_identity_cleanup(&qe);
  }
  if (s != VOUCH_OK) return vouch_fail(err, s, "%s", e.msg);
  /* Rebuild the PCS body around the exact signed bytes. */
  vouch_buf_puts(&body, tcb ? "{\"tcbInfo\":" : "{\"enclaveIdentity\":");
  vouch_buf_append(&body, obj, obj_len);
  vouch_buf_puts(&body, ",\"signature\":\"");
  vouch_buf_hex(&body, sig, 64);
  vouch_buf_puts(&body, "\"}");
  s = vouch_buf_status(&body);
  if (s == VOUCH_OK) s = write_file(sub, name, body.data, body.len, num, err);
  vouch_buf_free(&body);
  return s;
}

static vouch_status import_crl(const char *dir, const uint8_t *data, size_t len, size_t *num,
                               vouch_err *err) {
  struct vouch_crl *crl = NULL;
  VOUCH_GUARD(vouch_crl_parse(data, len, &crl, err));
  char cn[256], sub[4096], name[64];
  vouch_crl_issuer_cn(crl, cn, sizeof(cn));
  const char *kind = strstr(cn, "Root CA")        ? "root"
                     : strstr(cn, "Processor CA") ? "processor"
                     : strstr(cn, "Platform CA")  ? "platform"
                                                  : NULL;
  vouch_status s = VOUCH_OK;
  if (kind == NULL) {
    s = vouch_fail(err, VOUCH_E_UNSUPPORTED, "CRL issuer '%s' is not an Intel SGX CA", cn);
  } else {
    size_t der_len;
    const uint8_t *der = vouch_crl_der(crl, &der_len);
    snprintf(sub, sizeof(sub), "%s/intel/crl/%s", dir, kind);
    snprintf(name, sizeof(name), "%lld.der", (long long)vouch_crl_this_update(crl));
    s = write_file(sub, name, der, der_len, num, err);
  }
  vouch_crl_free(crl);
  return s;
}

static vouch_status import_chain(const char *dir, const uint8_t *data, size_t len, size_t *num,
                                 vouch_err *err) {
  struct vouch_cert *certs[VOUCH_LIMIT_PEM_CHAIN_CERTS];
  size_t n = 0;
  VOUCH_GUARD(vouch_cert_chain_from_pem((const char *)data, len, certs,
                                        VOUCH_LIMIT_PEM_CHAIN_CERTS, &n, err));
  for (size_t i = 0; i < n; i++) vouch_cert_free(certs[i]);
  uint8_t h[32];
  char hex[65], sub[4096], name[96];
  vouch_sha256(data, len, h);
  vouch_hex_encode(h, 32, hex);
  hex[16] = '\0';
  snprintf(sub, sizeof(sub), "%s/intel/chains", dir);
  snprintf(name, sizeof(name), "%.16s.pem", hex);
  return write_file(sub, name, data, len, num, err);
}

static vouch_status import_bundle(const char *dir, const char *json, size_t len, size_t *num,
                                  vouch_err *err) {
  vouch_dcap_collateral c;
  VOUCH_GUARD(vouch_dcap_collateral_from_json(json, len, &c, err));
  vouch_status s = VOUCH_OK;
  if ((s = import_signed_json(dir, (const char *)c.tcb_info.data, c.tcb_info.len,
                              c.tcb_info_signature.data, true, num, err)) ||
      (s = import_signed_json(dir, (const char *)c.qe_identity.data, c.qe_identity.len,
                              c.qe_identity_signature.data, false, num, err)) ||
      (s = import_crl(dir, c.root_ca_crl.data, c.root_ca_crl.len, num, err)) ||
      (s = import_crl(dir, c.pck_crl.data, c.pck_crl.len, num, err)) ||
      (s = import_chain(dir, c.tcb_info_issuer_chain.data, c.tcb_info_issuer_chain.len, num,
                        err)) ||
      (s = import_chain(dir, c.qe_identity_issuer_chain.data, c.qe_identity_issuer_chain.len, num,
                        err)) ||
      (s = import_chain(dir, c.pck_crl_issuer_chain.data, c.pck_crl_issuer_chain.len, num,
                        err))) {
    /* error already recorded */
  }
  vouch_dcap_collateral_cleanup(&c);
  return s;
}

vouch_status vouch_colldir_import(const char *dir, const uint8_t *data, size_t len,
                                  size_t *out_num, vouch_err *err) {
  *out_num = 0;
  size_t i = 0;
  while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) i++;
  if (i < len && data[i] == '{') {
    json_t *root = json_loadb((const char *)data, len, 0, NULL);
    bool tcb = root && json_object_get(root, "tcbInfo");
    bool qe = root && json_object_get(root, "enclaveIdentity");
    bool bundle = root && json_object_get(root, "tcb_info");
    json_decref(root);
    if (tcb || qe) {
      const char *obj = NULL;
      size_t obj_len = 0;
      uint8_t sig[64];
      VOUCH_GUARD(vouch_dcap_split_signed_body((const char *)data, len,
                                               tcb ? "tcbInfo" : "enclaveIdentity", &obj,
                                               &obj_len, sig, err));
      return import_signed_json(dir, obj, obj_len, sig, tcb, out_num, err);
    }
    if (bundle) return import_bundle(dir, (const char *)data, len, out_num, err);
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "JSON is neither a PCS TCB Info / QE Identity body nor a collateral bundle");
  }
  if (len - i >= 27 && memcmp(data + i, "-----BEGIN CERTIFICATE-----", 27) == 0) {
    return import_chain(dir, data, len, out_num, err);
  }
  return import_crl(dir, data, len, out_num, err);
}
