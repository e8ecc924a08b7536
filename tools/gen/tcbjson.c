/* tools/gen/tcbjson.c - TCB Info (v3/v2, "SGX" and "TDX") and QE / TD_QE
 * Identity (v2) JSON, compact and key-ordered exactly as Intel PCS serves
 * it (spec §7.1, §7.2), signed by the TCB Signing key over the exact bytes
 * of the object text. */
#include <stdlib.h>
#include <string.h>

#include "tools/gen/internal.h"

#define DOC_SPAN (30 * GEN_DAY)

/* Intel-style advisory IDs per matched status, for the default ladder. */
static void default_advisories(vouch_gen_tcb_level *l) {
  static const struct {
    const char *status;
    const char *ids[3];
  } kTable[] = {
      {"SWHardeningNeeded", {"INTEL-SA-00615"}},
      {"ConfigurationNeeded", {"INTEL-SA-00289"}},
      {"ConfigurationAndSWHardeningNeeded", {"INTEL-SA-00289", "INTEL-SA-00615"}},
      {"OutOfDate", {"INTEL-SA-00828", "INTEL-SA-00615"}},
      {"OutOfDateConfigurationNeeded", {"INTEL-SA-00289", "INTEL-SA-00828", "INTEL-SA-00615"}},
      {"Revoked", {"INTEL-SA-00828"}},
  };
  l->num_advisory_ids = 0;
  for (size_t i = 0; i < sizeof(kTable) / sizeof(kTable[0]); i++) {
    if (strcmp(l->status, kTable[i].status) != 0) continue;
    for (size_t k = 0; k < 3 && kTable[i].ids[k] != NULL; k++)
      l->advisory_ids[l->num_advisory_ids++] = kTable[i].ids[k];
  }
}

/* bump_tdx raises the first TDX component from 2 on below 255 (components
 * 0 and 1 are the module's, matched through the module identity); false
 * when all are 255. */
static bool bump_tdx(uint8_t svn[16]) {
  for (size_t i = 2; i < 16; i++) {
    if (svn[i] < 255) {
      svn[i]++;
      return true;
    }
  }
  return false;
}

/* add_levels appends the TCB levels around the platform's own (|base|):
 * when |status| is not UpToDate, a newer UpToDate level the platform does
 * not reach (for TDX the same SGX TCB, so QVL's sgxLevel is this one, and a
 * TDX TCB it does not reach); its own level at |status|; and, where the
 * SVNs allow, an older OutOfDate one. */
static void add_levels(vouch_gen_tcb_info_opts *o, const vouch_gen_tcb_level *base,
                       const char *status, bool tdx) {
  if (strcmp(status, "UpToDate") != 0) {
    vouch_gen_tcb_level *n = &o->levels[o->num_levels++];
    *n = *base;
    if (!(tdx && bump_tdx(n->tdx_svn))) {
      if (n->comp_svn[0] < 255) {
        n->comp_svn[0]++;
      } else {
        n->pcesvn++;
      }
    }
    n->status = "UpToDate";
  }
  vouch_gen_tcb_level *m = &o->levels[o->num_levels++];
  *m = *base;
  m->status = status;
  default_advisories(m);

  if (base->comp_svn[0] > 0 || base->pcesvn > 0) { /* an older level */
    vouch_gen_tcb_level *old = &o->levels[o->num_levels++];
    *old = *base;
    if (old->comp_svn[0] > 0) {
      old->comp_svn[0]--;
    } else {
      old->pcesvn--;
    }
    if (old->tdx_svn[2] > 0) old->tdx_svn[2]--; /* TDX: older on that side too */
    old->status = "OutOfDate";
    default_advisories(old);
  }
}

void vouch_gen_tcb_info_opts_default(vouch_gen_tcb_info_opts *o, const vouch_gen_platform *pl,
                                     const char *status) {
  vouch_gen_platform_opts po;
  vouch_gen_platform_opts_default(&po);
  const vouch_gen_pck_fields *f = pl ? &pl->pck : &po.pck;
  if (status == NULL) status = "UpToDate";

  memset(o, 0, sizeof(*o));
  o->version = 3;
  memcpy(o->fmspc, f->fmspc, 6);
  memcpy(o->pce_id, f->pceid, 2);
  o->tcb_evaluation_data_number = 17;

  vouch_gen_tcb_level base = {0};
  memcpy(base.comp_svn, f->comp_svn, 16);
  base.pcesvn = f->pcesvn;

  add_levels(o, &base, status, false);
}

/* Advisory IDs of a TDX module level that is not UpToDate.  INTEL-SA-00615
 * is also on the SWHardeningNeeded TCB level: the union must not repeat
 * it. */
static void module_advisories(vouch_gen_tcb_level *l) {
  l->num_advisory_ids = 0;
  if (strcmp(l->status, "UpToDate") == 0) return;
  l->advisory_ids[l->num_advisory_ids++] = "INTEL-SA-01036";
  l->advisory_ids[l->num_advisory_ids++] = "INTEL-SA-00615";
}

void vouch_gen_tdx_tcb_info_opts_default(vouch_gen_tcb_info_opts *o, const vouch_gen_platform *pl,
                                         const char *status, const char *module_status) {
  vouch_gen_platform_opts po;
  vouch_gen_tdx_platform_opts_default(&po);
  const vouch_gen_pck_fields *f = pl ? &pl->pck : &po.pck;
  const uint8_t *svn = pl ? pl->tee_tcb_svn : po.tee_tcb_svn;
  if (status == NULL) status = "UpToDate";
  if (module_status == NULL) module_status = "UpToDate";

  memset(o, 0, sizeof(*o));
  o->version = 3;
  o->tdx = true;
  memcpy(o->fmspc, f->fmspc, 6);
  memcpy(o->pce_id, f->pceid, 2);
  o->tcb_evaluation_data_number = 17;

  vouch_gen_tcb_level base = {0};
  memcpy(base.comp_svn, f->comp_svn, 16);
  base.pcesvn = f->pcesvn;
  memcpy(base.tdx_svn, svn, 16);

  add_levels(o, &base, status, true);

  /* Intel's module: MRSIGNER zero, attributes 0, mask all ones. */
  memset(o->tdx_module.attributes_mask, 0xFF, 8);
  uint8_t major = svn[1];
  if (major == 0) return; /* the module is matched through tdxModule alone */
  vouch_gen_tdx_module_identity *decoy = &o->module_ids[o->num_module_ids++];
  decoy->major = (uint8_t)(major ^ 2);
  memset(decoy->attributes_mask, 0xFF, 8);
  decoy->levels[0].status = "UpToDate";
  decoy->num_levels = 1;

  vouch_gen_tdx_module_identity *mid = &o->module_ids[o->num_module_ids++];
  mid->major = major;
  memset(mid->attributes_mask, 0xFF, 8);
  uint16_t msvn = svn[0];
  if (strcmp(module_status, "UpToDate") != 0) {
    vouch_gen_tcb_level *n = &mid->levels[mid->num_levels++];
    n->isvsvn = (uint16_t)(msvn + 1);
    n->status = "UpToDate";
  }
  vouch_gen_tcb_level *ml = &mid->levels[mid->num_levels++];
  ml->isvsvn = msvn;
  ml->status = module_status;
  module_advisories(ml);
  if (msvn > 0) {
    vouch_gen_tcb_level *old = &mid->levels[mid->num_levels++];
    old->isvsvn = (uint16_t)(msvn - 1);
    old->status = "OutOfDate";
    module_advisories(old);
  }
}

void vouch_gen_td_qe_identity_opts_default(vouch_gen_qe_identity_opts *o) {
  static const uint8_t kMrsigner[32] = {0xDC, 0x9E, 0x2A, 0x7C, 0x6F, 0x94, 0x8F, 0x17,
                                        0x47, 0x4E, 0x34, 0xA7, 0xFC, 0x43, 0xED, 0x03,
                                        0x0F, 0x7C, 0x15, 0x63, 0xF1, 0xBA, 0xBD, 0xDF,
                                        0x63, 0x40, 0xC8, 0x2E, 0x0E, 0x54, 0xA8, 0xC5};
  vouch_gen_qe_identity_opts_default(o);
  o->id = "TD_QE";
  memcpy(o->mrsigner, kMrsigner, 32);
  o->isvprodid = 2;
  memset(o->levels, 0, sizeof(o->levels));
  o->num_levels = 2;
  o->levels[0].isvsvn = 4;
  o->levels[0].status = "UpToDate";
  o->levels[1].isvsvn = 2;
  o->levels[1].status = "OutOfDate";
  o->levels[1].advisory_ids[0] = "INTEL-SA-00837";
  o->levels[1].num_advisory_ids = 1;
}

void vouch_gen_qe_identity_opts_default(vouch_gen_qe_identity_opts *o) {
  static const uint8_t kMrsigner[32] = {0x8C, 0x4F, 0x57, 0x75, 0xD7, 0x96, 0x50, 0x3E,
                                        0x96, 0x13, 0x7F, 0x77, 0xC6, 0x8A, 0x82, 0x9A,
                                        0x00, 0x56, 0xAC, 0x8D, 0xED, 0x70, 0x14, 0x0B,
                                        0x08, 0x1B, 0x09, 0x44, 0x90, 0xC5, 0x7B, 0xFF};
  memset(o, 0, sizeof(*o));
  o->version = 2;
  o->tcb_evaluation_data_number = 17;
  memset(o->miscselect_mask, 0xFF, 4);
  o->attributes[0] = 0x11;
  memset(o->attributes_mask, 0xFF, 8);
  o->attributes_mask[0] = 0xFB;
  memcpy(o->mrsigner, kMrsigner, 32);
  o->isvprodid = 1;
  static const struct {
    uint16_t isvsvn;
    const char *status;
    const char *ids[2];
  } kLevels[] = {
      {8, "UpToDate", {NULL}},
      {6, "OutOfDate", {"INTEL-SA-00615"}},
      {5, "OutOfDate", {"INTEL-SA-00477", "INTEL-SA-00615"}},
      {2, "OutOfDate", {"INTEL-SA-00334", "INTEL-SA-00615"}},
  };
  for (size_t i = 0; i < sizeof(kLevels) / sizeof(kLevels[0]); i++) {
    vouch_gen_tcb_level *l = &o->levels[o->num_levels++];
    l->isvsvn = kLevels[i].isvsvn;
    l->status = kLevels[i].status;
    for (size_t k = 0; k < 2 && kLevels[i].ids[k] != NULL; k++)
      l->advisory_ids[l->num_advisory_ids++] = kLevels[i].ids[k];
  }
}

/* ---- serialization ----------------------------------------------------- */

static void json_time(vouch_json *j, int64_t t) {
  char s[VOUCH_TIME_STR_LEN];
  vouch_time_format(t, s);
  vouch_json_string(j, s);
}

static void json_hex_upper(vouch_json *j, const uint8_t *data, size_t len) {
  char s[2 * 48 + 1];
  vouch_hex_encode_upper(data, len, s);
  vouch_json_string(j, s);
}

/* level_date: an explicit tcbDate, or one derived from |now| (levels
 * further down the list are older: 90 days, then 180 days apart), at
 * midnight as Intel's are. */
static int64_t level_date(const vouch_gen_tcb_level *l, size_t index, int64_t now) {
  if (l->tcb_date != 0) return l->tcb_date;
  int64_t t = now - 90 * GEN_DAY - (int64_t)index * 180 * GEN_DAY;
  return t - (((t % GEN_DAY) + GEN_DAY) % GEN_DAY);
}

static void json_level_tail(vouch_json *j, const vouch_gen_tcb_level *l, size_t index,
                            int64_t now) {
  vouch_json_key(j, "tcbDate");
  json_time(j, level_date(l, index, now));
  vouch_json_key(j, "tcbStatus");
  vouch_json_string(j, l->status ? l->status : "UpToDate");
  if (l->num_advisory_ids > 0) {
    vouch_json_key(j, "advisoryIDs");
    vouch_json_begin_array(j);
    for (size_t k = 0; k < l->num_advisory_ids && k < VOUCH_GEN_MAX_ADVISORIES; k++)
      vouch_json_string(j, l->advisory_ids[k] ? l->advisory_ids[k] : "");
    vouch_json_end_array(j);
  }
}

static void json_components(vouch_json *j, const char *key, const uint8_t svn[16]) {
  vouch_json_key(j, key);
  vouch_json_begin_array(j);
  for (size_t c = 0; c < 16; c++) {
    vouch_json_begin_object(j);
    vouch_json_key(j, "svn");
    vouch_json_uint(j, svn[c]);
    vouch_json_end_object(j);
  }
  vouch_json_end_array(j);
}

/* json_tdx_module writes tdxModule and tdxModuleIdentities (Intel's key
 * order: mrsigner, attributes, attributesMask; identities add id first
 * and tcbLevels last). */
static void json_tdx_module(vouch_json *j, const vouch_gen_tcb_info_opts *o, int64_t now) {
  vouch_json_key(j, "tdxModule");
  vouch_json_begin_object(j);
  vouch_json_key(j, "mrsigner");
  json_hex_upper(j, o->tdx_module.mrsigner, 48);
  vouch_json_key(j, "attributes");
  json_hex_upper(j, o->tdx_module.attributes, 8);
  vouch_json_key(j, "attributesMask");
  json_hex_upper(j, o->tdx_module.attributes_mask, 8);
  vouch_json_end_object(j);
  if (o->num_module_ids == 0) return;
  vouch_json_key(j, "tdxModuleIdentities");
  vouch_json_begin_array(j);
  for (size_t m = 0; m < o->num_module_ids; m++) {
    const vouch_gen_tdx_module_identity *mid = &o->module_ids[m];
    char id[16];
    snprintf(id, sizeof(id), "TDX_%02X", (unsigned)mid->major);
    vouch_json_begin_object(j);
    vouch_json_key(j, "id");
    vouch_json_string(j, id);
    vouch_json_key(j, "mrsigner");
    json_hex_upper(j, mid->mrsigner, 48);
    vouch_json_key(j, "attributes");
    json_hex_upper(j, mid->attributes, 8);
    vouch_json_key(j, "attributesMask");
    json_hex_upper(j, mid->attributes_mask, 8);
    vouch_json_key(j, "tcbLevels");
    vouch_json_begin_array(j);
    for (size_t i = 0; i < mid->num_levels; i++) {
      const vouch_gen_tcb_level *l = &mid->levels[i];
      vouch_json_begin_object(j);
      vouch_json_key(j, "tcb");
      vouch_json_begin_object(j);
      vouch_json_key(j, "isvsvn");
      vouch_json_uint(j, l->isvsvn);
      vouch_json_end_object(j);
      json_level_tail(j, l, i, now);
      vouch_json_end_object(j);
    }
    vouch_json_end_array(j);
    vouch_json_end_object(j);
  }
  vouch_json_end_array(j);
}

static void doc_window(int64_t now, vouch_gen_validity v, int64_t issue, int64_t next,
                       int64_t *out_issue, int64_t *out_next) {
  if (issue != 0 && next != 0) {
    *out_issue = issue;
    *out_next = next;
    return;
  }
  gen_window(now, DOC_SPAN, v, out_issue, out_next);
}

/* sign_text signs |b|'s text with the TCB Signing key and moves the text
 * out of |b| into *out_text. */
static vouch_status sign_text(const vouch_gen_pki *pki, vouch_buf *b, bool corrupt, uint8_t sig[64],
                              char **out_text, size_t *out_len, vouch_err *err) {
  vouch_status s = vouch_buf_status(b);
  if (s != VOUCH_OK) return vouch_fail(err, s, "gen: JSON serialization failed");
  const gen_cert *signer = gen_pki_cert(pki, VOUCH_GEN_TCB_SIGNING);
  s = gen_sign_raw(signer->key, (const uint8_t *)b->data, b->len, sig);
  if (s != VOUCH_OK) return vouch_fail(err, s, "gen: JSON signing failed");
  if (corrupt) sig[31] ^= 0x01;
  *out_text = b->data; /* ownership moves out of the builder */
  *out_len = b->len;
  memset(b, 0, sizeof(*b));
  return VOUCH_OK;
}

vouch_status vouch_gen_tcb_info_new(const vouch_gen_pki *pki, const vouch_gen_tcb_info_opts *o,
                                    vouch_gen_tcb_info **out, vouch_err *err) {
  if (pki == NULL || o == NULL || out == NULL)
    return vouch_fail(err, VOUCH_E_ARG, "gen: tcb info: NULL argument");
  *out = NULL;
  if (o->num_levels > VOUCH_GEN_MAX_TCB_LEVELS)
    return vouch_fail(err, VOUCH_E_ARG, "gen: tcb info: too many levels");
  if (o->version != 2 && o->version != 3)
    return vouch_fail(err, VOUCH_E_ARG, "gen: tcb info: version %d not supported", o->version);
  bool tdx = o->tdx && o->version == 3;
  if (o->tdx && o->version != 3)
    return vouch_fail(err, VOUCH_E_ARG, "gen: tcb info: TDX parts need version 3");
  if (tdx && o->num_module_ids > VOUCH_GEN_MAX_MODULE_IDS)
    return vouch_fail(err, VOUCH_E_ARG, "gen: tcb info: too many module identities");
  for (size_t m = 0; tdx && m < o->num_module_ids; m++)
    if (o->module_ids[m].num_levels > VOUCH_GEN_MAX_MODULE_LEVELS)
      return vouch_fail(err, VOUCH_E_ARG, "gen: tcb info: too many module levels");
  vouch_gen_tcb_info *ti = calloc(1, sizeof(*ti));
  if (ti == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "gen: tcb info: out of memory");
  ti->version = o->version;
  snprintf(ti->id, sizeof(ti->id), "%s",
           o->version == 2 ? "" : (o->id ? o->id : (tdx ? "TDX" : "SGX")));
  memcpy(ti->fmspc, o->fmspc, 6);
  ti->eval_number = o->tcb_evaluation_data_number;
  doc_window(pki->now, o->validity, o->issue_date, o->next_update, &ti->issue_date,
             &ti->next_update);

  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  if (o->version == 3) {
    vouch_json_key(&j, "id");
    vouch_json_string(&j, ti->id);
  }
  vouch_json_key(&j, "version");
  vouch_json_int(&j, o->version);
  vouch_json_key(&j, "issueDate");
  json_time(&j, ti->issue_date);
  vouch_json_key(&j, "nextUpdate");
  json_time(&j, ti->next_update);
  vouch_json_key(&j, "fmspc");
  json_hex_upper(&j, o->fmspc, 6);
  vouch_json_key(&j, "pceId");
  json_hex_upper(&j, o->pce_id, 2);
  vouch_json_key(&j, "tcbType");
  vouch_json_int(&j, o->tcb_type);
  vouch_json_key(&j, "tcbEvaluationDataNumber");
  vouch_json_uint(&j, o->tcb_evaluation_data_number);
  if (tdx) json_tdx_module(&j, o, pki->now);
  vouch_json_key(&j, "tcbLevels");
  vouch_json_begin_array(&j);
  for (size_t i = 0; i < o->num_levels; i++) {
    const vouch_gen_tcb_level *l = &o->levels[i];
    vouch_json_begin_object(&j);
    vouch_json_key(&j, "tcb");
    vouch_json_begin_object(&j);
    if (o->version == 3) {
      json_components(&j, "sgxtcbcomponents", l->comp_svn);
    } else {
      for (size_t c = 0; c < 16; c++) {
        char key[32];
        snprintf(key, sizeof(key), "sgxtcbcomp%02zusvn", c + 1);
        vouch_json_key(&j, key);
        vouch_json_uint(&j, l->comp_svn[c]);
      }
    }
    vouch_json_key(&j, "pcesvn");
    vouch_json_uint(&j, l->pcesvn);
    if (tdx) json_components(&j, "tdxtcbcomponents", l->tdx_svn);
    vouch_json_end_object(&j);
    json_level_tail(&j, l, i, pki->now);
    vouch_json_end_object(&j);
  }
  vouch_json_end_array(&j);
  vouch_json_end_object(&j);

  vouch_status s = sign_text(pki, &b, o->corrupt_signature, ti->sig, &ti->text, &ti->text_len, err);
  vouch_buf_free(&b);
  if (s != VOUCH_OK) {
    vouch_gen_tcb_info_free(ti);
    return s;
  }
  *out = ti;
  return VOUCH_OK;
}

void vouch_gen_tcb_info_free(vouch_gen_tcb_info *ti) {
  if (ti == NULL) return;
  free(ti->text);
  free(ti);
}

const char *vouch_gen_tcb_info_text(const vouch_gen_tcb_info *ti, size_t *out_len) {
  if (out_len) *out_len = ti->text_len;
  return ti->text;
}
const uint8_t *vouch_gen_tcb_info_signature(const vouch_gen_tcb_info *ti) {
  return ti->sig;
}
const uint8_t *vouch_gen_tcb_info_fmspc(const vouch_gen_tcb_info *ti) {
  return ti->fmspc;
}
uint32_t vouch_gen_tcb_info_eval_number(const vouch_gen_tcb_info *ti) {
  return ti->eval_number;
}
void vouch_gen_tcb_info_window(const vouch_gen_tcb_info *ti, int64_t *out_issue,
                               int64_t *out_next_update) {
  *out_issue = ti->issue_date;
  *out_next_update = ti->next_update;
}

vouch_status vouch_gen_qe_identity_new(const vouch_gen_pki *pki,
                                       const vouch_gen_qe_identity_opts *o,
                                       vouch_gen_qe_identity **out, vouch_err *err) {
  if (pki == NULL || o == NULL || out == NULL)
    return vouch_fail(err, VOUCH_E_ARG, "gen: qe identity: NULL argument");
  *out = NULL;
  if (o->num_levels > VOUCH_GEN_MAX_TCB_LEVELS)
    return vouch_fail(err, VOUCH_E_ARG, "gen: qe identity: too many levels");
  vouch_gen_qe_identity *qe = calloc(1, sizeof(*qe));
  if (qe == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "gen: qe identity: out of memory");
  snprintf(qe->id, sizeof(qe->id), "%s", o->id ? o->id : "QE");
  qe->eval_number = o->tcb_evaluation_data_number;
  int64_t issue, next;
  doc_window(pki->now, o->validity, o->issue_date, o->next_update, &issue, &next);

  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "id");
  vouch_json_string(&j, qe->id);
  vouch_json_key(&j, "version");
  vouch_json_int(&j, o->version);
  vouch_json_key(&j, "issueDate");
  json_time(&j, issue);
  vouch_json_key(&j, "nextUpdate");
  json_time(&j, next);
  vouch_json_key(&j, "tcbEvaluationDataNumber");
  vouch_json_uint(&j, o->tcb_evaluation_data_number);
  vouch_json_key(&j, "miscselect");
  json_hex_upper(&j, o->miscselect, 4);
  vouch_json_key(&j, "miscselectMask");
  json_hex_upper(&j, o->miscselect_mask, 4);
  vouch_json_key(&j, "attributes");
  json_hex_upper(&j, o->attributes, 16);
  vouch_json_key(&j, "attributesMask");
  json_hex_upper(&j, o->attributes_mask, 16);
  vouch_json_key(&j, "mrsigner");
  json_hex_upper(&j, o->mrsigner, 32);
  vouch_json_key(&j, "isvprodid");
  vouch_json_uint(&j, o->isvprodid);
  vouch_json_key(&j, "tcbLevels");
  vouch_json_begin_array(&j);
  for (size_t i = 0; i < o->num_levels; i++) {
    const vouch_gen_tcb_level *l = &o->levels[i];
    vouch_json_begin_object(&j);
    vouch_json_key(&j, "tcb");
    vouch_json_begin_object(&j);
    vouch_json_key(&j, "isvsvn");
    vouch_json_uint(&j, l->isvsvn);
    vouch_json_end_object(&j);
    json_level_tail(&j, l, i, pki->now);
    vouch_json_end_object(&j);
  }
  vouch_json_end_array(&j);
  vouch_json_end_object(&j);

  vouch_status s = sign_text(pki, &b, o->corrupt_signature, qe->sig, &qe->text, &qe->text_len, err);
  vouch_buf_free(&b);
  if (s != VOUCH_OK) {
    vouch_gen_qe_identity_free(qe);
    return s;
  }
  *out = qe;
  return VOUCH_OK;
}

void vouch_gen_qe_identity_free(vouch_gen_qe_identity *qe) {
  if (qe == NULL) return;
  free(qe->text);
  free(qe);
}

const char *vouch_gen_qe_identity_text(const vouch_gen_qe_identity *qe, size_t *out_len) {
  if (out_len) *out_len = qe->text_len;
  return qe->text;
}
const uint8_t *vouch_gen_qe_identity_signature(const vouch_gen_qe_identity *qe) {
  return qe->sig;
}
const char *vouch_gen_qe_identity_id(const vouch_gen_qe_identity *qe) {
  return qe->id;
}
uint32_t vouch_gen_qe_identity_eval_number(const vouch_gen_qe_identity *qe) {
  return qe->eval_number;
}
