/* engine/colldir.c - the collateral directory: several versions of each
 * collateral item, so evidence can be verified as of any instant.
 *
 *   intel/sgx/tcbinfo/<FMSPC>/<tcbEvaluationDataNumber>.json  PCS body
 *   intel/tdx/tcbinfo/<FMSPC>/<tcbEvaluationDataNumber>.json  PCS body
 *   intel/qe/<n>.json, intel/td_qe/<n>.json                   PCS body
 *   intel/crl/{root,processor,platform}/<thisUpdate>.der      CRL, DER
 *   intel/chains/<sha256 prefix>.pem                          issuer chains
 *   amd/<product>/vcek/<hwid>/<reported_tcb>.der              VCEKs, DER
 *   amd/<product>/vlek/<sha256 of the key>.der                VLEKs, DER
 *   amd/<product>/<name>.pem, amd/<product>/<name>.der        ASK/ASVK/ARK, CRLs
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
#include <strings.h>
#include <sys/stat.h>

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "verifiers/snp/snp.h"

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

/* An AMD item: a VCEK or VLEK keyed as a KDS cache keeps it, or one of a
 * product's CA certificates or CRLs.  Parsed once at open; lookups hand
 * out references. */
typedef enum { S_VCEK, S_VLEK, S_CA, S_CRL } snp_kind;

typedef struct {
  snp_kind kind;
  vouch_snp_product product;
  uint8_t hwid[64]; /* VCEK: 64 bytes, Turin 8 (the rest zero) */
  uint64_t tcb;     /* VCEK/VLEK: the TCB_VERSION its SPLs encode */
  struct vouch_cert *cert;
  struct vouch_crl *crl;
} snp_item;

struct vouch_colldir {
  item *items;
  size_t num, cap;
  snp_item *snp; /* VCEKs sorted by (product, hwid, tcb) after open */
  size_t num_snp, cap_snp;
  uint64_t store_id; /* never reused: lets caches key items by address */
};

static _Atomic uint64_t g_store_ids;

static void item_free(item *it) { vouch_blob_free(&it->text); }

static void snp_item_free(snp_item *it) {
  vouch_cert_free(it->cert);
  vouch_crl_free(it->crl);
}

void vouch_colldir_free(struct vouch_colldir *d) {
  if (d == NULL) return;
  for (size_t i = 0; i < d->num; i++) item_free(&d->items[i]);
  for (size_t i = 0; i < d->num_snp; i++) snp_item_free(&d->snp[i]);
  free(d->items);
  free(d->snp);
  free(d);
}

size_t vouch_colldir_count(const struct vouch_colldir *d) { return d->num + d->num_snp; }

/* grow_array returns |arr| (|*cap| elements of |size|) with room for one
 * more after |num|, doubling from 64; NULL (|arr| untouched) without
 * memory. */
static void *grow_array(void *arr, size_t num, size_t *cap, size_t size) {
  if (num < *cap) return arr;
  size_t n = *cap ? *cap * 2 : 64;
  void *p = realloc(arr, n * size);
  if (p != NULL) *cap = n;
  return p;
}

static vouch_status push(struct vouch_colldir *d, item *it) {
  item *p = grow_array(d->items, d->num, &d->cap, sizeof(*it));
  if (p == NULL) return VOUCH_E_NOMEM;
  d->items = p;
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

/* ---- AMD (SEV-SNP) items -------------------------------------------------- */

static vouch_status push_snp(struct vouch_colldir *d, snp_item *it) {
  snp_item *p = grow_array(d->snp, d->num_snp, &d->cap_snp, sizeof(*it));
  if (p == NULL) return VOUCH_E_NOMEM;
  d->snp = p;
  d->snp[d->num_snp++] = *it;
  return VOUCH_OK;
}

/* snp_key_cert reads a VCEK/VLEK file and checks that it is what its path
 * says: a file filed under the wrong hwID, TCB or key hash would otherwise
 * be served for reports it does not belong to (the verifier would reject
 * it, but as a mismatch, hiding that the right one is missing). */
static vouch_status snp_key_cert(const char *path, vouch_snp_product product, bool vlek,
                                 const char *hwid_hex, const char *name, snp_item *it,
                                 vouch_err *e) {
  uint8_t *data = NULL;
  size_t len = 0;
  VOUCH_GUARD(vouch_read_file(path, VOUCH_LIMIT_COLLATERAL, &data, &len, e));
  it->product = product;
  it->kind = vlek ? S_VLEK : S_VCEK;
  vouch_status s = vouch_cert_from_der(data, len, &it->cert);
  free(data);
  if (s != VOUCH_OK) return vouch_fail(e, s, "not a DER certificate");
  vouch_snp_role role;
  VOUCH_GUARD(vouch_snp_cert_role(it->cert, &role, e));
  if (role != (vlek ? VOUCH_SNP_ROLE_VLEK : VOUCH_SNP_ROLE_VCEK)) {
    return vouch_fail(e, VOUCH_E_MALFORMED, "the certificate is a %s, not a %s",
                      vouch_snp_role_name(role), vlek ? "VLEK" : "VCEK");
  }
  vouch_snp_cert_ext x;
  VOUCH_GUARD(vouch_snp_cert_ext_parse(it->cert, &x, e));
  if (x.product != VOUCH_SNP_PRODUCT_UNKNOWN && x.product != product) {
    return vouch_fail(e, VOUCH_E_COLLATERAL_MISMATCH,
                      "its productName '%s' is not %s (the folder's product)", x.product_name,
                      vouch_snp_product_name(product));
  }
  it->tcb = vouch_snp_tcb_encode(product, x.fmc_spl, x.bl_spl, x.tee_spl, x.snp_spl, x.ucode_spl);
  char want[2 * VOUCH_SHA256_LEN + 8];
  if (vlek) {
    struct vouch_pubkey *k = NULL;
    uint8_t *spki = NULL, h[VOUCH_SHA256_LEN];
    size_t spki_len = 0;
    s = vouch_cert_pubkey(it->cert, &k);
    if (s == VOUCH_OK) s = vouch_pubkey_spki_der(k, &spki, &spki_len);
    if (s == VOUCH_OK) vouch_sha256(spki, spki_len, h);
    free(spki);
    vouch_pubkey_free(k);
    if (s != VOUCH_OK) return vouch_fail(e, s, "cannot read its public key");
    vouch_hex_encode(h, sizeof h, want);
    if (strlen(name) != 68 || strncasecmp(name, want, 64) != 0) {
      return vouch_fail(e, VOUCH_E_COLLATERAL_MISMATCH,
                        "a VLEK is filed under the SHA-256 of its key (SPKI DER): %s.der", want);
    }
    return VOUCH_OK;
  }
  size_t hw_len = product == VOUCH_SNP_TURIN ? 8 : 64;
  if (!x.has_hwid || x.hwid_len != hw_len) {
    return vouch_fail(e, VOUCH_E_COLLATERAL_MISMATCH, "the VCEK has no %zu-byte hwID", hw_len);
  }
  memcpy(it->hwid, x.hwid, hw_len);
  uint8_t named[64];
  /* (The path, with both names, starts the message: keep these short.) */
  if (strlen(hwid_hex) != 2 * hw_len || vouch_hex_decode(hwid_hex, 2 * hw_len, named, hw_len) ||
      memcmp(named, it->hwid, hw_len) != 0) {
    char hex[17];
    vouch_hex_encode(it->hwid, 8, hex);
    return vouch_fail(e, VOUCH_E_COLLATERAL_MISMATCH, "its hwID (%s...) is not its folder's", hex);
  }
  snprintf(want, sizeof want, "%016llx.der", (unsigned long long)it->tcb);
  if (strcasecmp(name, want) != 0) {
    return vouch_fail(e, VOUCH_E_COLLATERAL_MISMATCH, "it is for TCB %.16s, not its name's", want);
  }
  return VOUCH_OK;
}

/* snp_ca_file reads a product's PEM certificates (ASK/ASVK/ARK) or a DER
 * CRL. */
static vouch_status snp_ca_file(struct vouch_colldir *d, const char *path,
                                vouch_snp_product product, bool crl, vouch_err *e) {
  uint8_t *data = NULL;
  size_t len = 0;
  VOUCH_GUARD(
      vouch_read_file(path, crl ? VOUCH_LIMIT_CRL_BYTES : VOUCH_LIMIT_COLLATERAL, &data, &len, e));
  vouch_status s = VOUCH_OK;
  if (crl) {
    snp_item it = {.kind = S_CRL, .product = product};
    s = vouch_crl_parse(data, len, &it.crl, e);
    if (s == VOUCH_OK && (s = push_snp(d, &it)) != VOUCH_OK) snp_item_free(&it);
  } else {
    struct vouch_cert *certs[VOUCH_LIMIT_PEM_CHAIN_CERTS];
    size_t n = 0;
    s = vouch_cert_chain_from_pem((const char *)data, len, certs, VOUCH_LIMIT_PEM_CHAIN_CERTS, &n,
                                  e);
    for (size_t i = 0; i < n; i++) {
      snp_item it = {.kind = S_CA, .product = product, .cert = certs[i]};
      if (s == VOUCH_OK) s = push_snp(d, &it);
      if (s != VOUCH_OK) vouch_cert_free(certs[i]);
    }
  }
  free(data);
  return s;
}

/* index_snp_file indexes one file of amd/<product>/ (|sub|: NULL, "vcek"
 * or "vlek"; |hwid|: the VCEK's folder). */
static vouch_status index_snp_file(struct vouch_colldir *d, const char *path,
                                   vouch_snp_product product, const char *sub, const char *hwid,
                                   const char *name, vouch_err *err) {
  vouch_err e = {0};
  vouch_status s = VOUCH_OK;
  if (sub == NULL) {
    if (has_suffix(name, ".pem")) s = snp_ca_file(d, path, product, false, &e);
    if (has_suffix(name, ".der")) s = snp_ca_file(d, path, product, true, &e);
  } else if (has_suffix(name, ".der")) {
    snp_item it = {0};
    s = snp_key_cert(path, product, strcmp(sub, "vlek") == 0, hwid ? hwid : "", name, &it, &e);
    if (s == VOUCH_OK) s = push_snp(d, &it);
    if (s != VOUCH_OK) snp_item_free(&it);
  }
  if (s != VOUCH_OK) {
    s = vouch_fail(err, s, "collateral directory: %s: %s", path,
                   e.msg[0] ? e.msg : vouch_status_message(s));
  }
  return s;
}

/* walk_snp indexes amd/<product>/: its files, vcek/<hwid>/<tcb>.der and
 * vlek/<hash>.der.  |sub| is NULL at the product level, else "vcek"/"vlek";
 * |hwid| the VCEK folder. */
static vouch_status walk_snp(struct vouch_colldir *d, const char *dir, vouch_snp_product product,
                             const char *sub, const char *hwid, vouch_err *err) {
  DIR *dh = opendir(dir);
  if (dh == NULL) return vouch_fail(err, VOUCH_E_IO, "cannot read %s: %s", dir, strerror(errno));
  vouch_status s = VOUCH_OK;
  struct dirent *de;
  while (s == VOUCH_OK && (de = readdir(dh)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path)) continue;
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (sub == NULL && (strcmp(de->d_name, "vcek") == 0 || strcmp(de->d_name, "vlek") == 0)) {
        s = walk_snp(d, path, product, de->d_name, NULL, err);
      } else if (sub != NULL && strcmp(sub, "vcek") == 0 && hwid == NULL) {
        s = walk_snp(d, path, product, sub, de->d_name, err);
      }
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    if (sub != NULL && strcmp(sub, "vcek") == 0 && hwid == NULL)
      continue; /* not in a hwID folder */
    s = index_snp_file(d, path, product, sub, hwid, de->d_name, err);
  }
  closedir(dh);
  return s;
}

/* index_amd walks amd/<product>/ for every product folder ("Milan",
 * "genoa", ...; other names are an error: a typo would hide VCEKs). */
static vouch_status index_amd(struct vouch_colldir *d, const char *root, vouch_err *err) {
  char amd[4096];
  snprintf(amd, sizeof amd, "%s/amd", root);
  DIR *dh = opendir(amd);
  if (dh == NULL) {
    return errno == ENOENT
               ? VOUCH_OK
               : vouch_fail(err, VOUCH_E_IO, "cannot read %s: %s", amd, strerror(errno));
  }
  vouch_status s = VOUCH_OK;
  struct dirent *de;
  while (s == VOUCH_OK && (de = readdir(dh)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", amd, de->d_name) >= sizeof(path)) continue;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    vouch_snp_product p = vouch_snp_product_from_name(de->d_name, strlen(de->d_name));
    if (p == VOUCH_SNP_PRODUCT_UNKNOWN) {
      s = vouch_fail(err, VOUCH_E_MALFORMED,
                     "collateral directory: %s: not an AMD product (Milan, Genoa, Turin)", path);
      break;
    }
    s = walk_snp(d, path, p, NULL, NULL, err);
  }
  closedir(dh);
  return s;
}

static int cmp_snp(const void *a, const void *b) {
  const snp_item *x = a, *y = b;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  if (x->product != y->product) return x->product < y->product ? -1 : 1;
  int c = memcmp(x->hwid, y->hwid, 64);
  if (c != 0) return c;
  return x->tcb < y->tcb ? -1 : x->tcb > y->tcb ? 1 : 0;
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
  if (s == VOUCH_OK) s = index_amd(d, path, err);
  /* Sorted so that a VCEK lookup is a binary search, whatever the fleet. */
  if (s == VOUCH_OK && d->num_snp > 1) qsort(d->snp, d->num_snp, sizeof(*d->snp), cmp_snp);
  if (s == VOUCH_OK && d->num == 0 && d->num_snp == 0) {
    s = vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                   "collateral directory %s holds no collateral (expected intel/... or amd/...; "
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

/* ---- SEV-SNP lookup ---------------------------------------------------------- */

static bool product_fits(vouch_snp_product want, vouch_snp_product have) {
  return want == VOUCH_SNP_PRODUCT_UNKNOWN || want == have;
}

/* vcek_hwid: the chip id as the product's hwID (Turin: 8 bytes, the rest
 * of the report's 64 must be zero to match). */
static bool vcek_hwid(vouch_snp_product p, const uint8_t chip_id[64], uint8_t out[64]) {
  memset(out, 0, 64);
  size_t n = p == VOUCH_SNP_TURIN ? 8 : 64;
  for (size_t i = n; i < 64; i++)
    if (chip_id[i] != 0) return false;
  memcpy(out, chip_id, n);
  return true;
}

/* add_product_cas adds the CA certificates of |p| and its CRLs: those
 * valid at |at| (a product can have two, the VCEK and the VLEK CRL, both
 * the ARK's), or, when none is, the newest issued before |at| (so the
 * verifier reports its expiry instead of a missing CRL).  Older CRLs stay
 * out: every CRL given is checked, and a superseded one is expired. */
static vouch_status add_product_cas(const struct vouch_colldir *d, vouch_snp_product p, int64_t at,
                                    vouch_snp_collateral *out, vouch_err *err) {
  const snp_item *newest = NULL;
  bool any_valid = false;
  for (size_t i = 0; i < d->num_snp; i++) {
    const snp_item *it = &d->snp[i];
    if (it->product != p) continue;
    if (it->kind == S_CA) VOUCH_GUARD(vouch_snp_collateral_add_cert(out, it->cert, err));
    if (it->kind != S_CRL || vouch_crl_this_update(it->crl) > at) continue;
    if (at <= vouch_crl_next_update(it->crl) && out->num_crls < VOUCH_SNP_MAX_CRLS) {
      VOUCH_GUARD(vouch_snp_collateral_add_crl(out, it->crl, err));
      any_valid = true;
    }
    if (newest == NULL || vouch_crl_this_update(it->crl) > vouch_crl_this_update(newest->crl))
      newest = it;
  }
  if (!any_valid && newest != NULL && out->num_crls < VOUCH_SNP_MAX_CRLS)
    VOUCH_GUARD(vouch_snp_collateral_add_crl(out, newest->crl, err));
  return VOUCH_OK;
}

static vouch_status snp_find(void *ctx, const vouch_snp_lookup *key, vouch_snp_collateral *out,
                             vouch_err *err) {
  const struct vouch_colldir *d = ctx;
  char tcb_hex[17];
  snprintf(tcb_hex, sizeof tcb_hex, "%016llx", (unsigned long long)key->reported_tcb);
  bool found[4] = {false}; /* by product */
  size_t other_tcbs = 0;
  char other[3 * 17] = "";
  for (int p = VOUCH_SNP_MILAN; p <= VOUCH_SNP_TURIN; p++) {
    if (!product_fits(key->product, (vouch_snp_product)p)) continue;
    if (key->vlek) {
      /* VLEKs by product and TCB; the signature picks among several. */
      for (size_t i = 0; i < d->num_snp; i++) {
        const snp_item *it = &d->snp[i];
        if (it->kind != S_VLEK || it->product != (vouch_snp_product)p ||
            it->tcb != key->reported_tcb)
          continue;
        VOUCH_GUARD(vouch_snp_collateral_add_cert(out, it->cert, err));
        found[p] = true;
      }
      continue;
    }
    snp_item probe = {.kind = S_VCEK, .product = (vouch_snp_product)p, .tcb = 0};
    if (!vcek_hwid(probe.product, key->chip_id, probe.hwid)) continue;
    /* Lower bound of (VCEK, p, hwid, tcb 0): the chip's VCEKs follow. */
    size_t lo = 0, hi = d->num_snp;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (cmp_snp(&d->snp[mid], &probe) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (size_t i = lo; i < d->num_snp; i++) {
      const snp_item *it = &d->snp[i];
      if (it->kind != S_VCEK || it->product != probe.product ||
          memcmp(it->hwid, probe.hwid, 64) != 0)
        break;
      if (it->tcb != key->reported_tcb) {
        /* Never served for another TCB: named in the error instead. */
        if (other_tcbs < 3) {
          size_t n = strlen(other);
          snprintf(other + n, sizeof other - n, "%s%016llx", other_tcbs ? "," : "",
                   (unsigned long long)it->tcb);
        }
        other_tcbs++;
        continue;
      }
      VOUCH_GUARD(vouch_snp_collateral_add_cert(out, it->cert, err));
      found[p] = true;
    }
  }
  bool any = false;
  for (int p = VOUCH_SNP_MILAN; p <= VOUCH_SNP_TURIN; p++) {
    if (!found[p]) continue;
    any = true;
    VOUCH_GUARD(add_product_cas(d, (vouch_snp_product)p, key->at, out, err));
  }
  if (any) return VOUCH_OK;
  const char *prod = key->product == VOUCH_SNP_PRODUCT_UNKNOWN
                         ? "any product"
                         : vouch_snp_product_name(key->product);
  if (key->vlek) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                      "collateral: no VLEK for %s at TCB %s in the collateral directory "
                      "(amd/<product>/vlek/<sha256 of key>.der)",
                      prod, tcb_hex);
  }
  size_t hw_len = key->product == VOUCH_SNP_TURIN ? 8 : 64;
  char hwid[129];
  vouch_hex_encode(key->chip_id, hw_len, hwid);
  /* The whole hwID: it is the folder name to look for (and fits in a
   * message with the rest). */
  if (other_tcbs > 0) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                      "collateral: no VCEK for %s chip %s at TCB %s in the collateral directory; "
                      "it has this chip's for TCB %s%s",
                      prod, hwid, tcb_hex, other, other_tcbs > 3 ? ",..." : "");
  }
  return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                    "collateral: no VCEK for %s chip %s at TCB %s in the collateral directory "
                    "(amd/<product>/vcek/<hwid>/<tcb>.der)",
                    prod, hwid, tcb_hex);
}

vouch_snp_source vouch_colldir_snp_source(struct vouch_colldir *d) {
  vouch_snp_source src = {.find = snp_find, .ctx = d};
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

/* ---- AMD (SEV-SNP) files --------------------------------------------------------- */

static bool amd_name(const char *cn) {
  return strncmp(cn, "ARK-", 4) == 0 || strncmp(cn, "SEV-", 4) == 0;
}

/* looks_amd: certificates or CRLs named as AMD names its CAs and keys
 * (ARK-<product>, SEV-<product>, SEV-VLEK-<product>, SEV-VCEK, SEV-VLEK). */
static bool looks_amd(const vouch_snp_collateral *c) {
  char cn[256];
  for (size_t i = 0; i < c->num_certs; i++) {
    vouch_cert_issuer_cn(c->certs[i], cn, sizeof cn);
    if (amd_name(cn)) return true;
  }
  for (size_t i = 0; i < c->num_crls; i++) {
    vouch_crl_issuer_cn(c->crls[i], cn, sizeof cn);
    if (amd_name(cn)) return true;
  }
  return false;
}

/* product_of_cn: the product a CA's name carries ("ARK-Milan",
 * "SEV-VLEK-Genoa", "SEV-Turin"), or UNKNOWN. */
static vouch_snp_product product_of_cn(const char *cn) {
  const char *dash = strrchr(cn, '-');
  return dash ? vouch_snp_product_from_name(dash + 1, strlen(dash + 1)) : VOUCH_SNP_PRODUCT_UNKNOWN;
}

/* import_amd_key files a VCEK under amd/<product>/vcek/<hwID>/<TCB>.der and
 * a VLEK under amd/<product>/vlek/<SHA-256 of its SPKI>.der: the names the
 * directory checks at open. */
static vouch_status import_amd_key(const char *dir, struct vouch_cert *c, bool vlek, size_t *num,
                                   vouch_err *err) {
  vouch_snp_cert_ext x;
  VOUCH_GUARD(vouch_snp_cert_ext_parse(c, &x, err));
  char cn[256], sub[4096], name[96];
  vouch_cert_issuer_cn(c, cn, sizeof cn);
  vouch_snp_product p = x.product != VOUCH_SNP_PRODUCT_UNKNOWN ? x.product : product_of_cn(cn);
  if (p == VOUCH_SNP_PRODUCT_UNKNOWN) {
    return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                      "%s: neither its productName nor its issuer ('%s') names the product",
                      vlek ? "VLEK" : "VCEK", cn);
  }
  const char *pn = vouch_snp_product_name(p);
  if (vlek) {
    struct vouch_pubkey *k = NULL;
    uint8_t *spki = NULL, h[VOUCH_SHA256_LEN];
    size_t spki_len = 0;
    vouch_status s = vouch_cert_pubkey(c, &k);
    if (s == VOUCH_OK) s = vouch_pubkey_spki_der(k, &spki, &spki_len);
    if (s == VOUCH_OK) vouch_sha256(spki, spki_len, h);
    free(spki);
    vouch_pubkey_free(k);
    if (s != VOUCH_OK) return vouch_fail(err, s, "VLEK: cannot read its public key");
    char hex[2 * VOUCH_SHA256_LEN + 1];
    vouch_hex_encode(h, sizeof h, hex);
    snprintf(sub, sizeof sub, "%s/amd/%s/vlek", dir, pn);
    snprintf(name, sizeof name, "%s.der", hex);
  } else {
    size_t hw_len = p == VOUCH_SNP_TURIN ? 8 : 64;
    if (!x.has_hwid || x.hwid_len != hw_len) {
      return vouch_fail(err, VOUCH_E_MALFORMED, "VCEK: no %zu-byte hwID extension", hw_len);
    }
    char hex[2 * 64 + 1];
    vouch_hex_encode(x.hwid, hw_len, hex);
    uint64_t tcb = vouch_snp_tcb_encode(p, x.fmc_spl, x.bl_spl, x.tee_spl, x.snp_spl, x.ucode_spl);
    snprintf(sub, sizeof sub, "%s/amd/%s/vcek/%s", dir, pn, hex);
    snprintf(name, sizeof name, "%016llx.der", (unsigned long long)tcb);
  }
  size_t der_len = 0;
  const uint8_t *der = vouch_cert_der(c, &der_len);
  return write_file(sub, name, der, der_len, num, err);
}

/* import_amd files what |c| holds: VCEKs and VLEKs by chip/TCB or key,
 * ASK/ASVK/ARK as amd/<product>/<role>.pem, CRLs as
 * amd/<product>/crl-<thisUpdate>.der (the ARK's product). */
static vouch_status import_amd(const char *dir, const vouch_snp_collateral *c, size_t *num,
                               vouch_err *err) {
  char cn[256], sub[4096], name[96];
  for (size_t i = 0; i < c->num_certs; i++) {
    vouch_snp_role role = c->roles[i];
    if (role == VOUCH_SNP_ROLE_VCEK || role == VOUCH_SNP_ROLE_VLEK) {
      VOUCH_GUARD(import_amd_key(dir, c->certs[i], role == VOUCH_SNP_ROLE_VLEK, num, err));
      continue;
    }
    vouch_cert_subject_cn(c->certs[i], cn, sizeof cn);
    vouch_snp_product p = product_of_cn(cn);
    if (p == VOUCH_SNP_PRODUCT_UNKNOWN) {
      return vouch_fail(err, VOUCH_E_UNSUPPORTED, "%s '%s': no product in its name",
                        vouch_snp_role_name(role), cn);
    }
    size_t der_len = 0;
    const uint8_t *der = vouch_cert_der(c->certs[i], &der_len);
    vouch_buf pem;
    vouch_buf_init(&pem, 0);
    vouch_cert_pem_encode(&pem, der, der_len);
    snprintf(sub, sizeof sub, "%s/amd/%s", dir, vouch_snp_product_name(p));
    snprintf(name, sizeof name, "%s.pem", role == VOUCH_SNP_ROLE_ARK    ? "ark"
                                          : role == VOUCH_SNP_ROLE_ASK  ? "ask"
                                                                         : "asvk");
    vouch_status s = vouch_buf_status(&pem);
    if (s == VOUCH_OK) s = write_file(sub, name, pem.data, pem.len, num, err);
    vouch_buf_free(&pem);
    VOUCH_GUARD(s);
  }
  for (size_t i = 0; i < c->num_crls; i++) {
    vouch_crl_issuer_cn(c->crls[i], cn, sizeof cn);
    vouch_snp_product p = product_of_cn(cn);
    if (p == VOUCH_SNP_PRODUCT_UNKNOWN) {
      return vouch_fail(err, VOUCH_E_UNSUPPORTED, "CRL issuer '%s': no product in its name", cn);
    }
    size_t der_len = 0;
    const uint8_t *der = vouch_crl_der(c->crls[i], &der_len);
    snprintf(sub, sizeof sub, "%s/amd/%s", dir, vouch_snp_product_name(p));
    snprintf(name, sizeof name, "crl-%lld.der", (long long)vouch_crl_this_update(c->crls[i]));
    VOUCH_GUARD(write_file(sub, name, der, der_len, num, err));
  }
  return VOUCH_OK;
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
  /* AMD's files (a VCEK or VLEK in DER or PEM, the ASK/ARK chain, a CRL,
   * an extended report's certificate table) are told apart by their
   * issuers' names. */
  vouch_snp_collateral amd = {0};
  vouch_err ignored = {0};
  if (vouch_snp_collateral_add(&amd, data, len, &ignored) == VOUCH_OK && looks_amd(&amd)) {
    vouch_status s = import_amd(dir, &amd, out_num, err);
    vouch_snp_collateral_cleanup(&amd);
    return s;
  }
  vouch_snp_collateral_cleanup(&amd);
  if (len - i >= 27 && memcmp(data + i, "-----BEGIN CERTIFICATE-----", 27) == 0) {
    return import_chain(dir, data, len, out_num, err);
  }
  return import_crl(dir, data, len, out_num, err);
}
