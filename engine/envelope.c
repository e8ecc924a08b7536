/* engine/envelope.c - the per-item envelope scanner (hot path).
 *
 * One pass over the line with the span scanner; known keys only are looked
 * at, base64 is decoded straight from the line into the envelope's reused
 * scratch buffer.  jansson is not used here: it costs more than a signature
 * check on a 6 KB line. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "engine/engine.h"

const char *vouch_evidence_type_name(vouch_evidence_type t) {
  switch (t) {
    case VOUCH_EV_SGX:
      return "sgx";
    case VOUCH_EV_TDX:
      return "tdx";
    case VOUCH_EV_SNP:
      return "snp";
    case VOUCH_EV_SNP_AZURE:
      return "snp-azure";
    case VOUCH_EV_TPM:
      return "tpm";
    case VOUCH_EV_COUNT:
      break;
  }
  return "unknown";
}

void vouch_envelope_init(vouch_envelope *env) {
  memset(env, 0, sizeof(*env));
}

void vouch_envelope_cleanup(vouch_envelope *env) {
  free(env->scratch);
  memset(env, 0, sizeof(*env));
}

static void reset(vouch_envelope *env) {
  uint8_t *scratch = env->scratch;
  size_t cap = env->scratch_cap;
  memset(env, 0, sizeof(*env));
  env->scratch = scratch;
  env->scratch_cap = cap;
}

/* string_value gives the raw content of a JSON string member (between the
 * quotes) when it has no escapes; base64 and hex never need them. */
static vouch_status plain_string(const vouch_json_member *m, const char *what, const char **out,
                                 size_t *out_len, vouch_err *err) {
  if (m->type != VOUCH_JSON_T_STRING) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: \"%s\" must be a string", what);
  }
  const char *s = m->value + 1;
  size_t n = m->value_len - 2;
  if (memchr(s, '\\', n) != NULL) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: \"%s\" must not contain escapes", what);
  }
  *out = s;
  *out_len = n;
  return VOUCH_OK;
}

static vouch_status decode_b64(const char *s, size_t n, const char *what, uint8_t *dst, size_t cap,
                               size_t *out_len, vouch_err *err) {
  if (vouch_base64_decode(s, n, dst, cap, out_len) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_BASE64, "envelope: \"%s\" is not valid base64/base64url", what);
  }
  return VOUCH_OK;
}

vouch_status vouch_evidence_type_parse(const char *s, size_t n, vouch_evidence_type *out,
                                       vouch_err *err) {
  static const struct {
    const char *name;
    vouch_evidence_type type;
  } kTypes[] = {{"sgx", VOUCH_EV_SGX},
                {"tdx", VOUCH_EV_TDX},
                {"snp", VOUCH_EV_SNP},
                {"snp-azure", VOUCH_EV_SNP_AZURE},
                {"tpm", VOUCH_EV_TPM}};
  for (size_t i = 0; i < sizeof(kTypes) / sizeof(kTypes[0]); i++) {
    if (strlen(kTypes[i].name) == n && memcmp(kTypes[i].name, s, n) == 0) {
      *out = kTypes[i].type;
      return VOUCH_OK;
    }
  }
  return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                    "envelope: unknown \"type\" '%.*s' (sgx, tdx, snp, snp-azure, tpm)",
                    (int)(n > 32 ? 32 : n), s);
}

static vouch_status parse_at(const vouch_json_member *m, int64_t *out, vouch_err *err) {
  const char *s = m->value;
  size_t n = m->value_len;
  if (m->type == VOUCH_JSON_T_STRING) {
    s++;
    n -= 2;
  } else if (m->type != VOUCH_JSON_T_NUMBER) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: \"at\" must be a string or a number");
  }
  if (vouch_time_parse(s, n, out) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TIME, "envelope: \"at\" is not RFC 3339 or Unix seconds: '%.*s'",
                      (int)(n > 40 ? 40 : n), s);
  }
  return VOUCH_OK;
}

/* runtime_data and init_data (|what|): {"data": "<base64url>",
 * "data_type": "binary"|"json"}. */
static vouch_status parse_data_object(const vouch_json_member *m, const char *what,
                                      const char **data, size_t *data_len, bool *is_json,
                                      vouch_err *err) {
  if (m->type != VOUCH_JSON_T_OBJECT) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: \"%s\" must be an object", what);
  }
  vouch_json_members it;
  vouch_json_members_init(&it, m->value, m->value_len);
  *data = NULL;
  *is_json = false;
  for (;;) {
    vouch_json_member f;
    bool has;
    VOUCH_GUARD(vouch_json_members_next(&it, &f, &has, err));
    if (!has) break;
    if (vouch_json_key_is(&f, "data")) {
      VOUCH_GUARD(plain_string(&f, "data", data, data_len, err));
    } else if (vouch_json_key_is(&f, "data_type") || vouch_json_key_is(&f, "dataType")) {
      const char *t = NULL;
      size_t tn = 0;
      VOUCH_GUARD(plain_string(&f, "data_type", &t, &tn, err));
      if (tn == 4 && memcmp(t, "json", 4) == 0) {
        *is_json = true;
      } else if (!(tn == 6 && memcmp(t, "binary", 6) == 0)) {
        return vouch_fail(err, VOUCH_E_MALFORMED,
                          "envelope: %s.data_type must be \"binary\" or \"json\"", what);
      }
    }
  }
  if (*data == NULL) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: %s has no \"data\"", what);
  }
  return VOUCH_OK;
}

enum {
  SEEN_ID = 1,
  SEEN_TYPE = 2,
  SEEN_EVIDENCE = 4,
  SEEN_RUNTIME = 8,
  SEEN_NONCE = 16,
  SEEN_AT = 32,
  SEEN_COLLATERAL = 64,
  SEEN_EVENT_LOG = 128,
  SEEN_INIT = 256
};

static vouch_status once(unsigned *seen, unsigned bit, const char *key, vouch_err *err) {
  if (*seen & bit) return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: duplicate key \"%s\"", key);
  *seen |= bit;
  return VOUCH_OK;
}

vouch_status vouch_envelope_parse(const char *line, size_t len, vouch_envelope *env,
                                  vouch_err *err) {
  reset(env);
  if (len > VOUCH_LIMIT_LINE * (size_t)64) {
    return vouch_fail(err, VOUCH_E_LIMIT, "envelope: line too long");
  }
  const char *ev = NULL, *rt = NULL;
  const char *ev_obj = NULL;
  const char *el = NULL, *in = NULL;
  size_t el_len = 0, in_len = 0;
  size_t ev_obj_len = 0;
  size_t ev_len = 0, rt_len = 0;
  unsigned seen = 0;
  vouch_json_members it;
  vouch_json_members_init(&it, line, len);
  for (;;) {
    vouch_json_member m;
    bool has;
    vouch_err e = {0};
    if (vouch_json_members_next(&it, &m, &has, &e) != VOUCH_OK) {
      return vouch_fail(err, VOUCH_E_JSON, "envelope: %s", e.msg);
    }
    if (!has) break;
    if (vouch_json_key_is(&m, "id")) {
      VOUCH_GUARD(once(&seen, SEEN_ID, "id", err));
      if (m.type == VOUCH_JSON_T_NUMBER && m.value_len < sizeof(env->id)) {
        memcpy(env->id, m.value, m.value_len);
        env->id[m.value_len] = '\0';
        env->id_len = m.value_len;
      } else if (m.type != VOUCH_JSON_T_STRING ||
                 vouch_json_unescape(m.value, m.value_len, env->id, sizeof(env->id),
                                     &env->id_len) != VOUCH_OK) {
        return vouch_fail(err, VOUCH_E_MALFORMED,
                          "envelope: \"id\" must be a string of at most %d bytes",
                          VOUCH_ENVELOPE_ID_MAX - 1);
      }
      env->has_id = true;
    } else if (vouch_json_key_is(&m, "type")) {
      const char *s = NULL;
      size_t n = 0;
      VOUCH_GUARD(once(&seen, SEEN_TYPE, "type", err));
      VOUCH_GUARD(plain_string(&m, "type", &s, &n, err));
      VOUCH_GUARD(vouch_evidence_type_parse(s, n, &env->type, err));
    } else if (vouch_json_key_is(&m, "evidence")) {
      VOUCH_GUARD(once(&seen, SEEN_EVIDENCE, "evidence", err));
      if (m.type == VOUCH_JSON_T_OBJECT) {
        /* Structured evidence (TPM: quote, signature, AK, PCRs, log), left
         * as JSON text for its verifier. */
        ev_obj = m.value;
        ev_obj_len = m.value_len;
      } else {
        VOUCH_GUARD(plain_string(&m, "evidence", &ev, &ev_len, err));
      }
    } else if (vouch_json_key_is(&m, "runtime_data")) {
      VOUCH_GUARD(once(&seen, SEEN_RUNTIME, "runtime_data", err));
      VOUCH_GUARD(
          parse_data_object(&m, "runtime_data", &rt, &rt_len, &env->runtime_data_is_json, err));
      env->has_runtime_data = true;
    } else if (vouch_json_key_is(&m, "init_data")) {
      VOUCH_GUARD(once(&seen, SEEN_INIT, "init_data", err));
      VOUCH_GUARD(parse_data_object(&m, "init_data", &in, &in_len, &env->init_data_is_json, err));
      env->has_init_data = true;
    } else if (vouch_json_key_is(&m, "nonce")) {
      size_t n = 0;
      VOUCH_GUARD(once(&seen, SEEN_NONCE, "nonce", err));
      if (m.type != VOUCH_JSON_T_STRING ||
          vouch_json_unescape(m.value, m.value_len, env->nonce, sizeof(env->nonce), &n) !=
              VOUCH_OK) {
        return vouch_fail(err, VOUCH_E_MALFORMED,
                          "envelope: \"nonce\" must be a string of at most %d bytes",
                          VOUCH_ENVELOPE_NONCE_MAX - 1);
      }
      env->has_nonce = true;
    } else if (vouch_json_key_is(&m, "at")) {
      VOUCH_GUARD(once(&seen, SEEN_AT, "at", err));
      VOUCH_GUARD(parse_at(&m, &env->at, err));
      env->has_at = true;
    } else if (vouch_json_key_is(&m, "event_log")) {
      /* TDX: the CCEL event log whose replay must give the quote's RTMRs. */
      VOUCH_GUARD(once(&seen, SEEN_EVENT_LOG, "event_log", err));
      VOUCH_GUARD(plain_string(&m, "event_log", &el, &el_len, err));
    } else if (vouch_json_key_is(&m, "collateral")) {
      VOUCH_GUARD(once(&seen, SEEN_COLLATERAL, "collateral", err));
      if (m.type == VOUCH_JSON_T_OBJECT) {
        env->collateral = m.value;
        env->collateral_len = m.value_len;
      } else if (m.type != VOUCH_JSON_T_NULL) {
        return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: \"collateral\" must be an object");
      }
    }
  }
  if (!(seen & SEEN_TYPE))
    return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: \"type\" is missing");
  if (env->type == VOUCH_EV_TPM) {
    if (ev_obj == NULL)
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "envelope: tpm \"evidence\" must be an object (quote, signature, AK, ...)");
    env->evidence = (const uint8_t *)ev_obj;
    env->evidence_len = ev_obj_len;
    env->evidence_is_json = true;
    ev = NULL;
  } else if (ev_obj != NULL && env->type == VOUCH_EV_SNP_AZURE) {
    /* The HCL report with its vTPM quote ({"hcl_report": ..., "vtpm_quote":
     * ...}), read by the SNP verifier; the plain base64 form stays too. */
    env->evidence = (const uint8_t *)ev_obj;
    env->evidence_len = ev_obj_len;
    env->evidence_is_json = true;
  } else if (ev_obj != NULL) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "envelope: \"evidence\" must be a base64 string for type %s",
                      vouch_evidence_type_name(env->type));
  }
  if (ev == NULL && !env->evidence_is_json)
    return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: \"evidence\" is missing");

  /* Decode evidence and runtime data into the scratch buffer. */
  size_t need_ev = ev ? vouch_base64_decoded_max(ev_len) : 0;
  size_t need_rt = rt ? vouch_base64_decoded_max(rt_len) : 0;
  size_t need_el = el ? vouch_base64_decoded_max(el_len) : 0;
  size_t need_in = in ? vouch_base64_decoded_max(in_len) : 0;
  if (need_ev > VOUCH_LIMIT_EVIDENCE || need_rt > VOUCH_LIMIT_EVIDENCE ||
      need_in > VOUCH_LIMIT_EVIDENCE || need_el > VOUCH_LIMIT_LINE) {
    return vouch_fail(err, VOUCH_E_LIMIT, "envelope: evidence larger than %d bytes",
                      VOUCH_LIMIT_EVIDENCE);
  }
  size_t need = need_ev + need_rt + need_el + need_in + 1;
  if (need > env->scratch_cap) {
    uint8_t *p = realloc(env->scratch, need);
    if (p == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "envelope: out of memory");
    env->scratch = p;
    env->scratch_cap = need;
  }
  if (ev != NULL) {
    VOUCH_GUARD(decode_b64(ev, ev_len, "evidence", env->scratch, need_ev, &env->evidence_len, err));
    if (env->evidence_len == 0)
      return vouch_fail(err, VOUCH_E_MALFORMED, "envelope: \"evidence\" is empty");
    env->evidence = env->scratch;
  }
  if (rt != NULL) {
    VOUCH_GUARD(decode_b64(rt, rt_len, "runtime_data.data", env->scratch + need_ev, need_rt,
                           &env->runtime_data_len, err));
    env->runtime_data = env->scratch + need_ev;
  }
  if (el != NULL) {
    VOUCH_GUARD(decode_b64(el, el_len, "event_log", env->scratch + need_ev + need_rt, need_el,
                           &env->event_log_len, err));
    env->event_log = env->scratch + need_ev + need_rt;
  }
  if (in != NULL) {
    uint8_t *at = env->scratch + need_ev + need_rt + need_el;
    VOUCH_GUARD(decode_b64(in, in_len, "init_data.data", at, need_in, &env->init_data_len, err));
    env->init_data = at;
  }
  return VOUCH_OK;
}
