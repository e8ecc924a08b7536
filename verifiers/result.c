/* verifiers/result.c - building and serializing vouch_result. */
#include <stdio.h>
#include <string.h>

#include "verifiers/result.h"

const char *vouch_verdict_name(vouch_verdict v) {
  switch (v) {
    case VOUCH_VERDICT_AFFIRMING: return "affirming";
    case VOUCH_VERDICT_WARNING: return "warning";
    case VOUCH_VERDICT_CONTRAINDICATED: return "contraindicated";
    case VOUCH_VERDICT_ERROR: return "error";
  }
  return "error";
}

const char *vouch_result_attestation_type(const vouch_result *r) {
  return r->attestation_type ? r->attestation_type : "sgx";
}

void vouch_result_init(vouch_result *r, int64_t at) {
  /* Only the header fields; the arrays are bounded by their counts. */
  r->verdict = VOUCH_VERDICT_ERROR;
  r->tcb_status[0] = '\0';
  r->num_advisory_ids = 0;
  r->num_claims = 0;
  r->arena_len = 0;
  r->overflow = false;
  r->attestation_type = NULL;
  vouch_err_clear(&r->error);
  r->at = at;
  r->has_anchor = false;
  r->num_items = 0;
}

static vouch_claim *new_claim(vouch_result *r, const char *name, vouch_claim_kind kind,
                              const void *data, size_t len) {
  if (r->num_claims >= VOUCH_RESULT_MAX_CLAIMS || len > VOUCH_RESULT_ARENA - r->arena_len) {
    r->overflow = true;
    return NULL;
  }
  vouch_claim *c = &r->claims[r->num_claims++];
  c->name = name;
  c->kind = kind;
  c->i = 0;
  c->b = false;
  c->off = (uint32_t)r->arena_len;
  c->len = (uint32_t)len;
  if (len > 0) memcpy(r->arena + r->arena_len, data, len);
  r->arena_len += len;
  return c;
}

void vouch_result_claim_hex(vouch_result *r, const char *name, const uint8_t *data, size_t len) {
  new_claim(r, name, VOUCH_CLAIM_HEX, data, len);
}

void vouch_result_claim_int(vouch_result *r, const char *name, int64_t v) {
  vouch_claim *c = new_claim(r, name, VOUCH_CLAIM_INT, NULL, 0);
  if (c) c->i = v;
}

void vouch_result_claim_bool(vouch_result *r, const char *name, bool v) {
  vouch_claim *c = new_claim(r, name, VOUCH_CLAIM_BOOL, NULL, 0);
  if (c) c->b = v;
}

void vouch_result_claim_string(vouch_result *r, const char *name, const char *s) {
  new_claim(r, name, VOUCH_CLAIM_STRING, s, strlen(s));
}

void vouch_result_claim_json(vouch_result *r, const char *name, const char *json, size_t len) {
  new_claim(r, name, VOUCH_CLAIM_JSON, json, len);
}

void vouch_result_claim_time(vouch_result *r, const char *name, int64_t t) {
  char s[VOUCH_TIME_STR_LEN];
  vouch_time_format(t, s);
  vouch_result_claim_string(r, name, s);
}

const vouch_claim *vouch_result_find_claim(const vouch_result *r, const char *name) {
  for (size_t i = 0; i < r->num_claims; i++) {
    if (strcmp(r->claims[i].name, name) == 0) return &r->claims[i];
  }
  return NULL;
}

const uint8_t *vouch_result_claim_bytes(const vouch_result *r, const vouch_claim *c) {
  return r->arena + c->off;
}

void vouch_result_add_advisory(vouch_result *r, const char *id) {
  for (size_t i = 0; i < r->num_advisory_ids; i++) {
    if (strcmp(r->advisory_ids[i], id) == 0) return;
  }
  if (r->num_advisory_ids >= VOUCH_RESULT_MAX_ADVISORIES) {
    r->overflow = true;
    return;
  }
  snprintf(r->advisory_ids[r->num_advisory_ids++], sizeof(r->advisory_ids[0]), "%s", id);
}

void vouch_result_add_item(vouch_result *r, const char *name, const uint8_t sha256[32]) {
  if (r->num_items >= VOUCH_RESULT_MAX_ITEMS) {
    r->overflow = true;
    return;
  }
  r->items[r->num_items].name = name;
  memcpy(r->items[r->num_items].sha256, sha256, 32);
  r->num_items++;
}

void vouch_result_fail(vouch_result *r, vouch_verdict v, const vouch_err *err) {
  r->verdict = v;
  if (err != NULL) r->error = *err;
}

void vouch_result_write_json(const vouch_result *r, const char *id, size_t id_len,
                             vouch_json *j) {
  vouch_result_write_json_ext(r, id, id_len, NULL, j);
}

void vouch_result_write_json_ext(const vouch_result *r, const char *id, size_t id_len,
                                 const vouch_result_ext *ext, vouch_json *j) {
  char t[VOUCH_TIME_STR_LEN];
  vouch_json_begin_object(j);
  vouch_json_key(j, "id");
  if (id != NULL) {
    vouch_json_string_len(j, id, id_len);
  } else {
    vouch_json_null(j);
  }
  vouch_json_key(j, "status");
  vouch_json_string(j, vouch_verdict_name(r->verdict));
  vouch_json_key(j, "tcb_status");
  if (r->tcb_status[0]) {
    vouch_json_string(j, r->tcb_status);
  } else {
    vouch_json_null(j);
  }
  vouch_json_key(j, "advisory_ids");
  vouch_json_begin_array(j);
  for (size_t i = 0; i < r->num_advisory_ids; i++) vouch_json_string(j, r->advisory_ids[i]);
  vouch_json_end_array(j);
  bool brief = ext != NULL && ext->brief; /* no claims, no collateral */
  if (!brief) {
    vouch_json_key(j, "claims");
    vouch_json_begin_object(j);
    for (size_t i = 0; i < r->num_claims; i++) {
      const vouch_claim *c = &r->claims[i];
      if (ext && ext->shadows && ext->shadows(ext->ctx, c->name)) continue;
      vouch_json_key(j, c->name);
      switch (c->kind) {
        case VOUCH_CLAIM_HEX: vouch_json_hex(j, r->arena + c->off, c->len); break;
        case VOUCH_CLAIM_INT: vouch_json_int(j, c->i); break;
        case VOUCH_CLAIM_BOOL: vouch_json_bool(j, c->b); break;
        case VOUCH_CLAIM_STRING:
          vouch_json_string_len(j, (const char *)r->arena + c->off, c->len);
          break;
        case VOUCH_CLAIM_JSON: vouch_json_raw(j, (const char *)r->arena + c->off, c->len); break;
      }
    }
    if (ext && ext->claims) ext->claims(ext->ctx, j);
    vouch_json_end_object(j);
  }
  if (ext && ext->members) ext->members(ext->ctx, j);
  vouch_json_key(j, "error");
  if (r->error.code != VOUCH_OK) {
    vouch_json_begin_object(j);
    vouch_json_key(j, "code");
    vouch_json_string(j, vouch_status_name(r->error.code));
    vouch_json_key(j, "message");
    vouch_json_string(j, r->error.msg);
    vouch_json_end_object(j);
  } else {
    vouch_json_null(j);
  }
  vouch_time_format(r->at, t);
  vouch_json_key(j, "at");
  vouch_json_string(j, t);
  vouch_json_key(j, "verifier");
  vouch_json_string(j, "vouch " VOUCH_VERSION);
  vouch_json_key(j, "trust_anchor");
  if (r->has_anchor) {
    vouch_json_hex(j, r->anchor_sha256, 32);
  } else {
    vouch_json_null(j);
  }
  if (!brief) {
    vouch_json_key(j, "collateral");
    vouch_json_begin_object(j);
    for (size_t i = 0; i < r->num_items; i++) {
      vouch_json_key(j, r->items[i].name);
      vouch_json_hex(j, r->items[i].sha256, 32);
    }
    vouch_json_end_object(j);
  }
  if (r->overflow) {
    vouch_json_key(j, "truncated");
    vouch_json_bool(j, true);
  }
  vouch_json_end_object(j);
}
