/* tools/gen/bundle.c - output: the collateral.json bundle of shared/vectors,
 * PCS-shaped bodies, and the collateral directory of shared/DESIGN.md. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/gen/internal.h"

static void json_pem_chain(vouch_json *j, const vouch_gen_pki *pki, vouch_gen_pki_item item,
                           vouch_buf *scratch) {
  vouch_buf_reset(scratch);
  if (vouch_gen_pki_chain_pem(pki, item, scratch) != VOUCH_OK && j->out->status == VOUCH_OK)
    j->out->status = VOUCH_E_INTERNAL;
  vouch_json_string_len(j, scratch->data ? scratch->data : "", scratch->len);
}

static void json_crl(vouch_json *j, const vouch_gen_pki *pki, vouch_gen_pki_item item) {
  const uint8_t *der = NULL;
  size_t len = 0;
  if (vouch_gen_pki_crl_der(pki, item, &der, &len) != VOUCH_OK && j->out->status == VOUCH_OK)
    j->out->status = VOUCH_E_INTERNAL;
  vouch_json_hex(j, der, len);
}

vouch_status vouch_gen_bundle_json(const vouch_gen_pki *pki, const vouch_gen_platform *pl,
                                   const vouch_gen_tcb_info *ti, const vouch_gen_qe_identity *qe,
                                   const vouch_gen_bundle_opts *opts, vouch_buf *out,
                                   vouch_err *err) {
  if (pki == NULL || pl == NULL || ti == NULL || qe == NULL || out == NULL)
    return vouch_fail(err, VOUCH_E_ARG, "gen: bundle: NULL argument");
  vouch_gen_bundle_opts none = {0};
  if (opts == NULL) opts = &none;
  vouch_gen_pki_item ca = pl->ca;
  if (opts->wrong_pck_crl)
    ca = ca == VOUCH_GEN_PLATFORM_CA ? VOUCH_GEN_PROCESSOR_CA : VOUCH_GEN_PLATFORM_CA;
  vouch_gen_pki_item pck_crl =
      ca == VOUCH_GEN_PLATFORM_CA ? VOUCH_GEN_PLATFORM_CRL : VOUCH_GEN_PROCESSOR_CRL;

  vouch_buf scratch;
  vouch_buf_init(&scratch, 0);
  vouch_json j;
  vouch_json_init(&j, out);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "pck_crl_issuer_chain");
  json_pem_chain(&j, pki, ca, &scratch);
  vouch_json_key(&j, "root_ca_crl");
  json_crl(&j, pki, VOUCH_GEN_ROOT_CRL);
  vouch_json_key(&j, "pck_crl");
  json_crl(&j, pki, pck_crl);
  vouch_json_key(&j, "tcb_info_issuer_chain");
  json_pem_chain(&j, pki, VOUCH_GEN_TCB_SIGNING, &scratch);
  vouch_json_key(&j, "tcb_info");
  vouch_json_string_len(&j, ti->text, ti->text_len);
  vouch_json_key(&j, "tcb_info_signature");
  vouch_json_hex(&j, ti->sig, 64);
  vouch_json_key(&j, "qe_identity_issuer_chain");
  json_pem_chain(&j, pki, VOUCH_GEN_TCB_SIGNING, &scratch);
  vouch_json_key(&j, "qe_identity");
  size_t qe_len = 0;
  const char *qe_text = vouch_gen_qe_identity_text(qe, &qe_len);
  vouch_json_string_len(&j, qe_text, qe_len);
  vouch_json_key(&j, "qe_identity_signature");
  vouch_json_hex(&j, vouch_gen_qe_identity_signature(qe), 64);
  if (pl->cert_data_type != 5 || opts->force_pck_chain) {
    vouch_json_key(&j, "pck_certificate_chain");
    vouch_buf_reset(&scratch);
    if (vouch_gen_platform_pck_chain_pem(pl, &scratch) != VOUCH_OK && out->status == VOUCH_OK)
      out->status = VOUCH_E_INTERNAL;
    vouch_json_string_len(&j, scratch.data ? scratch.data : "", scratch.len);
  }
  vouch_json_end_object(&j);
  vouch_buf_free(&scratch);
  vouch_status s = vouch_buf_status(out);
  if (s != VOUCH_OK) return vouch_fail(err, s, "gen: bundle: serialization failed");
  return VOUCH_OK;
}

static vouch_status pcs_json(const char *key, const char *text, size_t len, const uint8_t sig[64],
                             vouch_buf *out) {
  vouch_json j;
  vouch_json_init(&j, out);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, key);
  vouch_json_raw(&j, text, len); /* the exact signed bytes */
  vouch_json_key(&j, "signature");
  vouch_json_hex(&j, sig, 64);
  vouch_json_end_object(&j);
  return vouch_buf_status(out);
}

vouch_status vouch_gen_tcb_info_pcs_json(const vouch_gen_tcb_info *ti, vouch_buf *out) {
  VOUCH_ENSURE_REF(ti);
  VOUCH_ENSURE_REF(out);
  return pcs_json("tcbInfo", ti->text, ti->text_len, ti->sig, out);
}

vouch_status vouch_gen_qe_identity_pcs_json(const vouch_gen_qe_identity *qe, vouch_buf *out) {
  VOUCH_ENSURE_REF(qe);
  VOUCH_ENSURE_REF(out);
  size_t len = 0;
  const char *text = vouch_gen_qe_identity_text(qe, &len);
  return pcs_json("enclaveIdentity", text, len, vouch_gen_qe_identity_signature(qe), out);
}

/* ---- collateral directory ---------------------------------------------- */

/* mkdir_p creates |path| and its parents (mode 0755). */
static vouch_status mkdir_p(const char *path, vouch_err *err) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof(tmp)) return vouch_fail(err, VOUCH_E_ARG, "gen: path too long");
  memcpy(tmp, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] != '/' && tmp[i] != '\0') continue;
    char saved = tmp[i];
    tmp[i] = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
      return vouch_fail(err, VOUCH_E_IO, "gen: mkdir %s: %s", tmp, strerror(errno));
    tmp[i] = saved;
  }
  return VOUCH_OK;
}

/* write_file writes |data| to |dir|/|name|, creating |dir| first. */
static vouch_status write_file(const char *dir, const char *name, const void *data, size_t len,
                               vouch_err *err) {
  VOUCH_GUARD(mkdir_p(dir, err));
  char path[4096];
  int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= sizeof(path)) return vouch_fail(err, VOUCH_E_ARG, "gen: path too long");
  FILE *f = fopen(path, "wb");
  if (f == NULL) return vouch_fail(err, VOUCH_E_IO, "gen: open %s: %s", path, strerror(errno));
  bool ok = fwrite(data, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  if (!ok) return vouch_fail(err, VOUCH_E_IO, "gen: write %s failed", path);
  return VOUCH_OK;
}

static vouch_status write_buf(const char *dir, const char *name, const vouch_buf *b,
                              vouch_err *err) {
  return write_file(dir, name, b->data, b->len, err);
}

vouch_status vouch_gen_collateral_dir_write(const char *dir, const vouch_gen_pki *pki,
                                            const vouch_gen_tcb_info *const *tcb_infos,
                                            size_t num_tcb_infos,
                                            const vouch_gen_qe_identity *const *qe_ids,
                                            size_t num_qe_ids, vouch_err *err) {
  if (dir == NULL || pki == NULL || (num_tcb_infos > 0 && tcb_infos == NULL) ||
      (num_qe_ids > 0 && qe_ids == NULL))
    return vouch_fail(err, VOUCH_E_ARG, "gen: collateral dir: NULL argument");
  vouch_status s = VOUCH_OK;
  char sub[4096], name[64];
  vouch_buf b;
  vouch_buf_init(&b, 0);

  for (size_t i = 0; i < num_tcb_infos; i++) {
    const vouch_gen_tcb_info *ti = tcb_infos[i];
    char fmspc[13];
    vouch_hex_encode_upper(ti->fmspc, 6, fmspc);
    snprintf(sub, sizeof(sub), "%s/intel/%s/tcbinfo/%s", dir,
             strcmp(ti->id, "TDX") == 0 ? "tdx" : "sgx", fmspc);
    snprintf(name, sizeof(name), "%u.json", (unsigned)ti->eval_number);
    vouch_buf_reset(&b);
    VOUCH_GUARD_GOTO(s, vouch_gen_tcb_info_pcs_json(ti, &b), done);
    VOUCH_GUARD_GOTO(s, write_buf(sub, name, &b, err), done);
  }
  for (size_t i = 0; i < num_qe_ids; i++) {
    const vouch_gen_qe_identity *qe = qe_ids[i];
    snprintf(sub, sizeof(sub), "%s/intel/%s", dir,
             strcmp(vouch_gen_qe_identity_id(qe), "TD_QE") == 0 ? "td_qe" : "qe");
    snprintf(name, sizeof(name), "%u.json", (unsigned)vouch_gen_qe_identity_eval_number(qe));
    vouch_buf_reset(&b);
    VOUCH_GUARD_GOTO(s, vouch_gen_qe_identity_pcs_json(qe, &b), done);
    VOUCH_GUARD_GOTO(s, write_buf(sub, name, &b, err), done);
  }

  static const struct {
    vouch_gen_pki_item item;
    const char *dir;
  } kCrls[] = {{VOUCH_GEN_ROOT_CRL, "root"},
               {VOUCH_GEN_PROCESSOR_CRL, "processor"},
               {VOUCH_GEN_PLATFORM_CRL, "platform"}};
  for (size_t i = 0; i < 3; i++) {
    const uint8_t *der = NULL;
    size_t len = 0;
    int64_t this_update = 0, next_update = 0;
    VOUCH_GUARD_GOTO(s, vouch_gen_pki_crl_der(pki, kCrls[i].item, &der, &len), done);
    VOUCH_GUARD_GOTO(s, vouch_gen_pki_window(pki, kCrls[i].item, &this_update, &next_update), done);
    snprintf(sub, sizeof(sub), "%s/intel/crl/%s", dir, kCrls[i].dir);
    snprintf(name, sizeof(name), "%lld.der", (long long)this_update);
    VOUCH_GUARD_GOTO(s, write_file(sub, name, der, len, err), done);
  }

  static const struct {
    vouch_gen_pki_item item;
    const char *name;
  } kChains[] = {{VOUCH_GEN_TCB_SIGNING, "tcb_signing.pem"},
                 {VOUCH_GEN_PROCESSOR_CA, "pck_processor_ca.pem"},
                 {VOUCH_GEN_PLATFORM_CA, "pck_platform_ca.pem"}};
  snprintf(sub, sizeof(sub), "%s/intel/chains", dir);
  for (size_t i = 0; i < 3; i++) {
    vouch_buf_reset(&b);
    VOUCH_GUARD_GOTO(s, vouch_gen_pki_chain_pem(pki, kChains[i].item, &b), done);
    VOUCH_GUARD_GOTO(s, write_buf(sub, kChains[i].name, &b, err), done);
  }
done:
  vouch_buf_free(&b);
  if (s != VOUCH_OK) vouch_fail(err, s, "gen: collateral dir: writing %s failed", dir);
  return s;
}
