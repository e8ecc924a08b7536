/* verifiers/dcap/tcb_info.c - TCB Info (v2/v3, SGX and TDX; spec §7.1) and
 * enclave identity (QE / TD_QE / QVE v2; §7.2) parsers.
 *
 * Both parse the exact signed text of the inner object with jansson
 * (duplicate keys rejected, nothing but whitespace after the object) into
 * plain structs with owned arrays.  The schema check is strict on what we
 * use: required keys present with the right JSON type, integers that are
 * JSON integers within their field's range, hex of the exact length, known
 * statuses, parseable dates, bounded counts.  Keys we do not use
 * ("category", "type", ...) are ignored, so Intel can add fields.
 *
 * Errors name the document and the JSON path of the offending field:
 * "tcb info: tcbLevels[2].tcb.sgxtcbcomponents[4].svn: 300 out of range
 * 0..255".  Schema errors are VOUCH_E_MALFORMED, syntax errors (and
 * duplicate keys) VOUCH_E_JSON, an unknown version or id VOUCH_E_UNSUPPORTED.
 * On failure the out struct is cleaned up (zeroed, nothing owned).
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/dcap/dcap.h"

/* Bounds on what one document may make us allocate, beyond the level
 * limit: advisory IDs over all levels of one document (the real SGX TCB
 * Info of 2025 carries 68), and TDX module identities (2 seen). */
#define DOC_MAX_ADVISORIES 4096
#define DOC_MAX_MODULE_IDS 64

#define WHERE_MAX 160

typedef enum {
  LEVEL_V2,     /* tcb: {sgxtcbcomp01svn..16svn, pcesvn} */
  LEVEL_V3_SGX, /* tcb: {sgxtcbcomponents[16], pcesvn, tdxtcbcomponents[16]?} */
  LEVEL_V3_TDX, /* as V3_SGX with tdxtcbcomponents required */
  LEVEL_ISVSVN, /* tcb: {isvsvn} (identity and TDX module levels) */
} level_kind;

typedef struct {
  const char *doc; /* "tcb info" / "qe identity" */
  vouch_err *err;
  vouch_advisory_id **adv; /* the out struct's pool */
  size_t *num_adv;
  size_t cap_adv;
} pctx;

/* path formats a JSON path for messages; truncation only shortens them. */
static void path(char *dst, size_t cap, const char *fmt, ...) VOUCH_PRINTF(3, 4);
static void path(char *dst, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dst, cap, fmt, ap);
  va_end(ap);
}

/* bad records a failure on the field |key| of the object at path |where|
 * ("" for the root; |key| NULL for the object itself). */
static vouch_status bad(pctx *p, vouch_status code, const char *where, const char *key,
                        const char *fmt, ...) VOUCH_PRINTF(5, 6);
static vouch_status bad(pctx *p, vouch_status code, const char *where, const char *key,
                        const char *fmt, ...) {
  char reason[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  const char *dot = where[0] != '\0' && key != NULL ? "." : "";
  const char *name = key != NULL ? key : "";
  const char *root = where[0] == '\0' && key == NULL ? "document" : "";
  return vouch_fail(p->err, code, "%s: %s%s%s%s: %s", p->doc, root, where, dot, name, reason);
}

/* ---- typed member access -------------------------------------------- */

static vouch_status member(pctx *p, json_t *obj, const char *where, const char *key, json_t **out) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return bad(p, VOUCH_E_MALFORMED, where, key, "missing");
  *out = v;
  return VOUCH_OK;
}

static vouch_status get_object(pctx *p, json_t *obj, const char *where, const char *key,
                               json_t **out) {
  VOUCH_GUARD(member(p, obj, where, key, out));
  if (!json_is_object(*out)) return bad(p, VOUCH_E_MALFORMED, where, key, "expected an object");
  return VOUCH_OK;
}

/* get_array also bounds the element count to min_n..max_n. */
static vouch_status get_array(pctx *p, json_t *obj, const char *where, const char *key,
                              size_t min_n, size_t max_n, json_t **out) {
  VOUCH_GUARD(member(p, obj, where, key, out));
  if (!json_is_array(*out)) return bad(p, VOUCH_E_MALFORMED, where, key, "expected an array");
  size_t n = json_array_size(*out);
  if (n < min_n)
    return bad(p, VOUCH_E_MALFORMED, where, key, "%zu elements, expected at least %zu", n, min_n);
  if (n > max_n) return bad(p, VOUCH_E_LIMIT, where, key, "%zu elements, limit %zu", n, max_n);
  return VOUCH_OK;
}

static vouch_status get_uint(pctx *p, json_t *obj, const char *where, const char *key, uint64_t max,
                             uint64_t *out) {
  json_t *v = NULL;
  VOUCH_GUARD(member(p, obj, where, key, &v));
  if (!json_is_integer(v)) return bad(p, VOUCH_E_MALFORMED, where, key, "expected an integer");
  json_int_t x = json_integer_value(v);
  if (x < 0 || (uint64_t)x > max) {
    return bad(p, VOUCH_E_MALFORMED, where, key, "%lld out of range 0..%llu", (long long)x,
               (unsigned long long)max);
  }
  *out = (uint64_t)x;
  return VOUCH_OK;
}

static vouch_status get_string(pctx *p, json_t *obj, const char *where, const char *key,
                               const char **out, size_t *out_len) {
  json_t *v = NULL;
  VOUCH_GUARD(member(p, obj, where, key, &v));
  if (!json_is_string(v)) return bad(p, VOUCH_E_MALFORMED, where, key, "expected a string");
  *out = json_string_value(v);
  *out_len = json_string_length(v);
  return VOUCH_OK;
}

static vouch_status get_hex(pctx *p, json_t *obj, const char *where, const char *key, uint8_t *out,
                            size_t n) {
  const char *s = NULL;
  size_t len = 0;
  VOUCH_GUARD(get_string(p, obj, where, key, &s, &len));
  if (len != 2 * n) {
    return bad(p, VOUCH_E_MALFORMED, where, key, "%zu hex digits, expected %zu", len, 2 * n);
  }
  if (vouch_hex_decode(s, len, out, n) != VOUCH_OK) {
    return bad(p, VOUCH_E_MALFORMED, where, key, "invalid hex");
  }
  return VOUCH_OK;
}

static vouch_status get_date(pctx *p, json_t *obj, const char *where, const char *key,
                             int64_t *out) {
  const char *s = NULL;
  size_t len = 0;
  VOUCH_GUARD(get_string(p, obj, where, key, &s, &len));
  if (vouch_time_parse(s, len, out) != VOUCH_OK) {
    return bad(p, VOUCH_E_MALFORMED, where, key, "invalid date \"%.40s\"", s);
  }
  return VOUCH_OK;
}

static vouch_status get_status(pctx *p, json_t *obj, const char *where, const char *key,
                               vouch_tcb_status *out) {
  const char *s = NULL;
  size_t len = 0;
  VOUCH_GUARD(get_string(p, obj, where, key, &s, &len));
  if (vouch_tcb_status_parse(s, len, out) != VOUCH_OK) {
    return bad(p, VOUCH_E_MALFORMED, where, key, "unknown status \"%.48s\"", s);
  }
  return VOUCH_OK;
}

/* is_printable: 1..max_len bytes of printable ASCII (no NUL, no controls). */
static bool is_printable(const char *s, size_t len, size_t max_len) {
  if (len == 0 || len > max_len) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch > 0x7e) return false;
  }
  return true;
}

/* ---- levels ----------------------------------------------------------- */

static vouch_status add_advisory(pctx *p, const char *where, const char *s, size_t len) {
  if (*p->num_adv >= DOC_MAX_ADVISORIES) {
    return bad(p, VOUCH_E_LIMIT, where, "advisoryIDs", "more than %d advisory IDs in the document",
               DOC_MAX_ADVISORIES);
  }
  if (*p->num_adv == p->cap_adv) {
    size_t cap = p->cap_adv == 0 ? 16 : 2 * p->cap_adv;
    if (cap > DOC_MAX_ADVISORIES) cap = DOC_MAX_ADVISORIES;
    vouch_advisory_id *grown = realloc(*p->adv, cap * sizeof(**p->adv));
    if (grown == NULL) return vouch_fail(p->err, VOUCH_E_NOMEM, "%s: out of memory", p->doc);
    *p->adv = grown;
    p->cap_adv = cap;
  }
  char *dst = (*p->adv)[*p->num_adv];
  memcpy(dst, s, len);
  dst[len] = '\0';
  (*p->num_adv)++;
  return VOUCH_OK;
}

static vouch_status parse_advisories(pctx *p, json_t *lv, const char *where, vouch_tcb_level *out) {
  out->adv_first = *p->num_adv;
  out->adv_count = 0;
  if (json_object_get(lv, "advisoryIDs") == NULL) return VOUCH_OK; /* optional */
  json_t *arr;
  VOUCH_GUARD(get_array(p, lv, where, "advisoryIDs", 0, VOUCH_LIMIT_ADVISORIES, &arr));
  size_t i;
  json_t *v = NULL;
  json_array_foreach(arr, i, v) {
    const char *s = json_string_value(v);
    size_t len = json_is_string(v) ? json_string_length(v) : 0;
    if (s == NULL || !is_printable(s, len, VOUCH_ADVISORY_MAX - 1)) {
      char key[32];
      path(key, sizeof(key), "advisoryIDs[%zu]", i);
      return bad(p, VOUCH_E_MALFORMED, where, key, "expected 1..%d printable characters",
                 VOUCH_ADVISORY_MAX - 1);
    }
    VOUCH_GUARD(add_advisory(p, where, s, len));
    out->adv_count++;
  }
  return VOUCH_OK;
}

/* parse_components reads |key| of |tcb|: exactly 16 objects {svn, ...}. */
static vouch_status parse_components(pctx *p, json_t *tcb, const char *where, const char *key,
                                     uint8_t out[VOUCH_TCB_COMPONENTS]) {
  json_t *arr;
  VOUCH_GUARD(get_array(p, tcb, where, key, 0, SIZE_MAX, &arr));
  if (json_array_size(arr) != VOUCH_TCB_COMPONENTS) {
    return bad(p, VOUCH_E_MALFORMED, where, key, "%zu components, expected %d",
               json_array_size(arr), VOUCH_TCB_COMPONENTS);
  }
  for (size_t i = 0; i < VOUCH_TCB_COMPONENTS; i++) {
    char w[WHERE_MAX];
    path(w, sizeof(w), "%s.%s[%zu]", where, key, i);
    json_t *comp = json_array_get(arr, i);
    if (!json_is_object(comp)) return bad(p, VOUCH_E_MALFORMED, w, NULL, "expected an object");
    uint64_t svn = 0;
    VOUCH_GUARD(get_uint(p, comp, w, "svn", 255, &svn));
    out[i] = (uint8_t)svn;
  }
  return VOUCH_OK;
}

static vouch_status parse_level(pctx *p, json_t *lv, const char *where, level_kind kind,
                                vouch_tcb_level *out) {
  if (!json_is_object(lv)) return bad(p, VOUCH_E_MALFORMED, where, NULL, "expected an object");
  json_t *tcb;
  VOUCH_GUARD(get_object(p, lv, where, "tcb", &tcb));
  char w[WHERE_MAX];
  path(w, sizeof(w), "%s.tcb", where);

  uint64_t v = 0;
  switch (kind) {
    case LEVEL_V2:
      for (int i = 0; i < VOUCH_TCB_COMPONENTS; i++) {
        char key[24];
        path(key, sizeof(key), "sgxtcbcomp%02dsvn", i + 1);
        VOUCH_GUARD(get_uint(p, tcb, w, key, 255, &v));
        out->sgx_svn[i] = (uint8_t)v;
      }
      VOUCH_GUARD(get_uint(p, tcb, w, "pcesvn", 65535, &v));
      out->pcesvn = (uint16_t)v;
      break;
    case LEVEL_V3_SGX:
    case LEVEL_V3_TDX:
      VOUCH_GUARD(parse_components(p, tcb, w, "sgxtcbcomponents", out->sgx_svn));
      VOUCH_GUARD(get_uint(p, tcb, w, "pcesvn", 65535, &v));
      out->pcesvn = (uint16_t)v;
      if (kind == LEVEL_V3_TDX || json_object_get(tcb, "tdxtcbcomponents") != NULL) {
        VOUCH_GUARD(parse_components(p, tcb, w, "tdxtcbcomponents", out->tdx_svn));
        out->has_tdx = true;
      }
      break;
    case LEVEL_ISVSVN:
      VOUCH_GUARD(get_uint(p, tcb, w, "isvsvn", 65535, &v));
      out->isvsvn = (uint16_t)v;
      break;
  }
  VOUCH_GUARD(get_date(p, lv, where, "tcbDate", &out->tcb_date));
  VOUCH_GUARD(get_status(p, lv, where, "tcbStatus", &out->status));
  return parse_advisories(p, lv, where, out);
}

/* parse_levels parses |arr| (already bounded) into |out|, which holds
 * json_array_size(arr) elements.  |where| names the array. */
static vouch_status parse_levels(pctx *p, json_t *arr, const char *where, level_kind kind,
                                 vouch_tcb_level *out) {
  size_t i;
  json_t *lv;
  json_array_foreach(arr, i, lv) {
    char w[WHERE_MAX];
    path(w, sizeof(w), "%s[%zu]", where, i);
    VOUCH_GUARD(parse_level(p, lv, w, kind, &out[i]));
  }
  return VOUCH_OK;
}

/* alloc_levels allocates |n| zeroed levels (n >= 1, bounded by the caller). */
static vouch_status alloc_levels(pctx *p, size_t n, vouch_tcb_level **out) {
  *out = calloc(n, sizeof(**out));
  if (*out == NULL) return vouch_fail(p->err, VOUCH_E_NOMEM, "%s: out of memory", p->doc);
  return VOUCH_OK;
}

/* ---- TCB Info --------------------------------------------------------- */

static vouch_status parse_module_identities(pctx *p, json_t *root, vouch_tcb_info *out) {
  json_t *ids;
  VOUCH_GUARD(get_array(p, root, "", "tdxModuleIdentities", 0, DOC_MAX_MODULE_IDS, &ids));
  size_t n = json_array_size(ids);
  if (n == 0) return VOUCH_OK;

  /* First pass: shape and the total level count, so one allocation does. */
  size_t total = 0;
  size_t i;
  json_t *mid;
  json_array_foreach(ids, i, mid) {
    char w[WHERE_MAX];
    path(w, sizeof(w), "tdxModuleIdentities[%zu]", i);
    if (!json_is_object(mid)) return bad(p, VOUCH_E_MALFORMED, w, NULL, "expected an object");
    json_t *levels;
    VOUCH_GUARD(get_array(p, mid, w, "tcbLevels", 1, VOUCH_LIMIT_TCB_LEVELS, &levels));
    total += json_array_size(levels);
    if (total > VOUCH_LIMIT_TCB_LEVELS) {
      return bad(p, VOUCH_E_LIMIT, "", "tdxModuleIdentities", "more than %d levels in all",
                 VOUCH_LIMIT_TCB_LEVELS);
    }
  }

  out->module_ids = calloc(n, sizeof(*out->module_ids));
  if (out->module_ids == NULL)
    return vouch_fail(p->err, VOUCH_E_NOMEM, "%s: out of memory", p->doc);
  out->num_module_ids = n;
  VOUCH_GUARD(alloc_levels(p, total, &out->module_levels));
  out->num_module_levels = total;

  size_t next = 0;
  json_array_foreach(ids, i, mid) {
    vouch_tdx_module_identity *m = &out->module_ids[i];
    char w[WHERE_MAX];
    path(w, sizeof(w), "tdxModuleIdentities[%zu]", i);
    const char *id = NULL;
    size_t id_len = 0;
    VOUCH_GUARD(get_string(p, mid, w, "id", &id, &id_len));
    if (!is_printable(id, id_len, sizeof(m->id) - 1)) {
      return bad(p, VOUCH_E_MALFORMED, w, "id", "expected 1..%zu printable characters",
                 sizeof(m->id) - 1);
    }
    memcpy(m->id, id, id_len);
    VOUCH_GUARD(get_hex(p, mid, w, "mrsigner", m->mrsigner, sizeof(m->mrsigner)));
    VOUCH_GUARD(get_hex(p, mid, w, "attributes", m->attributes, sizeof(m->attributes)));
    VOUCH_GUARD(
        get_hex(p, mid, w, "attributesMask", m->attributes_mask, sizeof(m->attributes_mask)));
    json_t *levels = json_object_get(mid, "tcbLevels"); /* checked in the first pass */
    m->level_first = next;
    m->level_count = json_array_size(levels);
    char lw[WHERE_MAX];
    path(lw, sizeof(lw), "%s.tcbLevels", w);
    VOUCH_GUARD(parse_levels(p, levels, lw, LEVEL_ISVSVN, &out->module_levels[next]));
    next += m->level_count;
  }
  return VOUCH_OK;
}

static vouch_status parse_tcb_info(pctx *p, json_t *root, vouch_tcb_info *out) {
  if (!json_is_object(root)) return bad(p, VOUCH_E_MALFORMED, "", NULL, "expected an object");
  uint64_t v = 0;
  VOUCH_GUARD(get_uint(p, root, "", "version", INT_MAX, &v));
  if (v != 2 && v != 3) {
    return bad(p, VOUCH_E_UNSUPPORTED, "", "version", "%llu not supported (expected 2 or 3)",
               (unsigned long long)v);
  }
  out->version = (int)v;

  bool tdx = false;
  if (out->version == 3) {
    const char *id = NULL;
    size_t id_len = 0;
    VOUCH_GUARD(get_string(p, root, "", "id", &id, &id_len));
    if (id_len == 3 && memcmp(id, "TDX", 3) == 0) {
      tdx = true;
    } else if (!(id_len == 3 && memcmp(id, "SGX", 3) == 0)) {
      return bad(p, VOUCH_E_UNSUPPORTED, "", "id", "\"%.16s\" not supported (expected SGX or TDX)",
                 id);
    }
    memcpy(out->id, id, 3);
  }

  VOUCH_GUARD(get_date(p, root, "", "issueDate", &out->issue_date));
  VOUCH_GUARD(get_date(p, root, "", "nextUpdate", &out->next_update));
  VOUCH_GUARD(get_hex(p, root, "", "fmspc", out->fmspc, sizeof(out->fmspc)));
  VOUCH_GUARD(get_hex(p, root, "", "pceId", out->pce_id, sizeof(out->pce_id)));
  VOUCH_GUARD(get_uint(p, root, "", "tcbType", INT_MAX, &v));
  out->tcb_type = (int)v;
  VOUCH_GUARD(get_uint(p, root, "", "tcbEvaluationDataNumber", UINT32_MAX, &v));
  out->tcb_evaluation_data_number = (uint32_t)v;

  if (tdx) {
    json_t *mod = NULL;
    VOUCH_GUARD(get_object(p, root, "", "tdxModule", &mod));
    VOUCH_GUARD(get_hex(p, mod, "tdxModule", "mrsigner", out->tdx_module_mrsigner,
                        sizeof(out->tdx_module_mrsigner)));
    VOUCH_GUARD(get_hex(p, mod, "tdxModule", "attributes", out->tdx_module_attributes,
                        sizeof(out->tdx_module_attributes)));
    VOUCH_GUARD(get_hex(p, mod, "tdxModule", "attributesMask", out->tdx_module_attributes_mask,
                        sizeof(out->tdx_module_attributes_mask)));
    out->has_tdx_module = true;
    if (json_object_get(root, "tdxModuleIdentities") != NULL) {
      VOUCH_GUARD(parse_module_identities(p, root, out));
    }
  }

  json_t *levels;
  VOUCH_GUARD(get_array(p, root, "", "tcbLevels", 1, VOUCH_LIMIT_TCB_LEVELS, &levels));
  size_t n = json_array_size(levels);
  VOUCH_GUARD(alloc_levels(p, n, &out->levels));
  out->num_levels = n;
  level_kind kind = out->version == 2 ? LEVEL_V2 : tdx ? LEVEL_V3_TDX : LEVEL_V3_SGX;
  return parse_levels(p, levels, "tcbLevels", kind, out->levels);
}

/* load parses |json| into a jansson tree: one JSON object or array,
 * duplicate keys rejected, only whitespace after it. */
static vouch_status load(pctx *p, const char *json, size_t len, json_t **out) {
  if (len > VOUCH_LIMIT_COLLATERAL) {
    return vouch_fail(p->err, VOUCH_E_LIMIT, "%s: %zu bytes exceeds the limit of %d bytes", p->doc,
                      len, VOUCH_LIMIT_COLLATERAL);
  }
  json_error_t je;
  *out = json_loadb(json != NULL ? json : "", len, JSON_REJECT_DUPLICATES, &je);
  if (*out == NULL) {
    return vouch_fail(p->err, VOUCH_E_JSON, "%s: invalid JSON at line %d column %d: %s", p->doc,
                      je.line, je.column, je.text);
  }
  return VOUCH_OK;
}

vouch_status vouch_tcb_info_parse(const char *json, size_t len, vouch_tcb_info *out,
                                  vouch_err *err) {
  if (out == NULL) return vouch_fail(err, VOUCH_E_ARG, "tcb info: invalid argument");
  memset(out, 0, sizeof(*out));
  if (json == NULL && len > 0) return vouch_fail(err, VOUCH_E_ARG, "tcb info: invalid argument");
  pctx p = {
      .doc = "tcb info", .err = err, .adv = &out->advisories, .num_adv = &out->num_advisories};
  json_t *root;
  VOUCH_GUARD(load(&p, json, len, &root));
  vouch_status s = parse_tcb_info(&p, root, out);
  json_decref(root);
  if (s != VOUCH_OK) vouch_tcb_info_cleanup(out);
  return s;
}

void vouch_tcb_info_cleanup(vouch_tcb_info *ti) {
  if (ti == NULL) return;
  free(ti->levels);
  free(ti->module_ids);
  free(ti->module_levels);
  free(ti->advisories);
  memset(ti, 0, sizeof(*ti));
}

/* ---- enclave identity --------------------------------------------------- */

static vouch_status parse_qe_identity(pctx *p, json_t *root, vouch_qe_identity *out) {
  if (!json_is_object(root)) return bad(p, VOUCH_E_MALFORMED, "", NULL, "expected an object");
  uint64_t v = 0;
  VOUCH_GUARD(get_uint(p, root, "", "version", INT_MAX, &v));
  if (v != 2) {
    return bad(p, VOUCH_E_UNSUPPORTED, "", "version", "%llu not supported (expected 2)",
               (unsigned long long)v);
  }
  out->version = 2;

  const char *id = NULL;
  size_t id_len = 0;
  VOUCH_GUARD(get_string(p, root, "", "id", &id, &id_len));
  static const char *const kIds[] = {"QE", "TD_QE", "QVE"};
  bool known = false;
  for (size_t i = 0; i < sizeof(kIds) / sizeof(kIds[0]); i++) {
    if (id_len == strlen(kIds[i]) && memcmp(id, kIds[i], id_len) == 0) known = true;
  }
  if (!known) {
    return bad(p, VOUCH_E_UNSUPPORTED, "", "id",
               "\"%.16s\" not supported (expected QE, TD_QE or QVE)", id);
  }
  memcpy(out->id, id, id_len);

  VOUCH_GUARD(get_date(p, root, "", "issueDate", &out->issue_date));
  VOUCH_GUARD(get_date(p, root, "", "nextUpdate", &out->next_update));
  VOUCH_GUARD(get_uint(p, root, "", "tcbEvaluationDataNumber", UINT32_MAX, &v));
  out->tcb_evaluation_data_number = (uint32_t)v;
  VOUCH_GUARD(get_hex(p, root, "", "miscselect", out->miscselect, sizeof(out->miscselect)));
  VOUCH_GUARD(
      get_hex(p, root, "", "miscselectMask", out->miscselect_mask, sizeof(out->miscselect_mask)));
  VOUCH_GUARD(get_hex(p, root, "", "attributes", out->attributes, sizeof(out->attributes)));
  VOUCH_GUARD(
      get_hex(p, root, "", "attributesMask", out->attributes_mask, sizeof(out->attributes_mask)));
  VOUCH_GUARD(get_hex(p, root, "", "mrsigner", out->mrsigner, sizeof(out->mrsigner)));
  VOUCH_GUARD(get_uint(p, root, "", "isvprodid", 65535, &v));
  out->isvprodid = (uint16_t)v;

  json_t *levels;
  VOUCH_GUARD(get_array(p, root, "", "tcbLevels", 1, VOUCH_LIMIT_TCB_LEVELS, &levels));
  size_t n = json_array_size(levels);
  VOUCH_GUARD(alloc_levels(p, n, &out->levels));
  out->num_levels = n;
  return parse_levels(p, levels, "tcbLevels", LEVEL_ISVSVN, out->levels);
}

vouch_status vouch_qe_identity_parse(const char *json, size_t len, vouch_qe_identity *out,
                                     vouch_err *err) {
  if (out == NULL) return vouch_fail(err, VOUCH_E_ARG, "qe identity: invalid argument");
  memset(out, 0, sizeof(*out));
  if (json == NULL && len > 0) return vouch_fail(err, VOUCH_E_ARG, "qe identity: invalid argument");
  pctx p = {
      .doc = "qe identity", .err = err, .adv = &out->advisories, .num_adv = &out->num_advisories};
  json_t *root;
  VOUCH_GUARD(load(&p, json, len, &root));
  vouch_status s = parse_qe_identity(&p, root, out);
  json_decref(root);
  if (s != VOUCH_OK) vouch_qe_identity_cleanup(out);
  return s;
}

void vouch_qe_identity_cleanup(vouch_qe_identity *qe) {
  if (qe == NULL) return;
  free(qe->levels);
  free(qe->advisories);
  memset(qe, 0, sizeof(*qe));
}
