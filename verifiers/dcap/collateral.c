/* verifiers/dcap/collateral.c - the collateral bundle: reading the
 * collateral.json shape and PCS response bodies.
 *
 * The signed JSON texts must be kept byte for byte: a TCB Info signature
 * covers the exact bytes Intel served.  jansson gives us decoded strings
 * (for collateral.json, where the signed text is a JSON string value), and
 * the span scanner gives us exact object bytes when the value is the PCS
 * body itself. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/dcap/dcap.h"

vouch_status vouch_blob_set(vouch_blob *b, const void *data, size_t len) {
  uint8_t *p = malloc(len + 1);
  VOUCH_ENSURE(p != NULL, VOUCH_E_NOMEM);
  if (len > 0) memcpy(p, data, len);
  p[len] = 0; /* texts stay NUL-terminated for convenience */
  free(b->data);
  b->data = p;
  b->len = len;
  return VOUCH_OK;
}

void vouch_blob_free(vouch_blob *b) {
  free(b->data);
  b->data = NULL;
  b->len = 0;
}

void vouch_dcap_collateral_cleanup(vouch_dcap_collateral *c) {
  if (c->borrowed) {
    memset(c, 0, sizeof(*c));
    return;
  }
  vouch_blob *all[] = {&c->pck_crl_issuer_chain,  &c->root_ca_crl,
                       &c->pck_crl,               &c->tcb_info_issuer_chain,
                       &c->tcb_info,              &c->tcb_info_signature,
                       &c->qe_identity_issuer_chain, &c->qe_identity,
                       &c->qe_identity_signature, &c->pck_certificate_chain};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) vouch_blob_free(all[i]);
}

vouch_status vouch_dcap_split_signed_body(const char *body, size_t len, const char *key,
                                          const char **out_obj, size_t *out_obj_len,
                                          uint8_t out_sig[64], vouch_err *err) {
  vouch_json_members it;
  vouch_json_members_init(&it, body, len);
  const char *obj = NULL, *sig = NULL;
  size_t obj_len = 0, sig_len = 0;
  for (;;) {
    vouch_json_member m;
    bool has;
    VOUCH_GUARD(vouch_json_members_next(&it, &m, &has, err));
    if (!has) break;
    if (vouch_json_key_is(&m, key)) {
      if (obj != NULL || m.type != VOUCH_JSON_T_OBJECT) {
        return vouch_fail(err, VOUCH_E_MALFORMED, "collateral: \"%s\" must be one object", key);
      }
      obj = m.value;
      obj_len = m.value_len;
    } else if (vouch_json_key_is(&m, "signature")) {
      if (sig != NULL || m.type != VOUCH_JSON_T_STRING) {
        return vouch_fail(err, VOUCH_E_MALFORMED, "collateral: \"signature\" must be one string");
      }
      sig = m.value + 1; /* inside the quotes; hex has no escapes */
      sig_len = m.value_len - 2;
    }
  }
  if (obj == NULL) return vouch_fail(err, VOUCH_E_MALFORMED, "collateral: no \"%s\" object", key);
  if (sig == NULL) return vouch_fail(err, VOUCH_E_MALFORMED, "collateral: no \"signature\"");
  if (vouch_hex_decode(sig, sig_len, out_sig, 64) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_HEX, "collateral: signature of \"%s\" must be 128 hex digits",
                      key);
  }
  *out_obj = obj;
  *out_obj_len = obj_len;
  return VOUCH_OK;
}

/* take_string copies a string member (verbatim) into |b|. */
static vouch_status take_string(json_t *root, const char *key, bool required, vouch_blob *b,
                                vouch_err *err) {
  json_t *v = json_object_get(root, key);
  if (v == NULL || json_is_null(v)) {
    if (!required) return VOUCH_OK;
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING, "collateral: \"%s\" is missing", key);
  }
  if (!json_is_string(v)) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "collateral: \"%s\" must be a string", key);
  }
  return vouch_blob_set(b, json_string_value(v), json_string_length(v));
}

static vouch_status take_signature(json_t *root, const char *key, vouch_blob *b,
                                   vouch_err *err) {
  vouch_blob hex = {0};
  VOUCH_GUARD(take_string(root, key, true, &hex, err));
  uint8_t sig[64];
  vouch_status s = vouch_hex_decode((const char *)hex.data, hex.len, sig, sizeof(sig));
  vouch_blob_free(&hex);
  if (s != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_HEX, "collateral: \"%s\" must be 128 hex digits (r||s)", key);
  }
  return vouch_blob_set(b, sig, sizeof(sig));
}

/* take_signed_json handles tcb_info / qe_identity: either the exact object
 * text as a string (with the signature in |sig_key|), or a PCS body (as a
 * string or an embedded object) carrying its own signature. */
static vouch_status take_signed_json(json_t *root, const char *raw_json, size_t raw_len,
                                     const char *key, const char *pcs_key, const char *sig_key,
                                     vouch_blob *text, vouch_blob *sig, vouch_err *err) {
  json_t *v = json_object_get(root, key);
  if (v == NULL) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING, "collateral: \"%s\" is missing", key);
  }
  const char *body = NULL;
  size_t body_len = 0;
  if (json_is_string(v)) {
    body = json_string_value(v);
    body_len = json_string_length(v);
  } else if (json_is_object(v)) {
    /* An embedded object: find its exact bytes in the raw document (which
     * jansson has already checked holds no duplicate keys). */
    vouch_json_member m;
    bool found;
    VOUCH_GUARD(vouch_json_find(raw_json, raw_len, key, &m, &found, err));
    if (found) {
      body = m.value;
      body_len = m.value_len;
    }
  }
  if (body == NULL) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "collateral: \"%s\" must be a string or an object",
                      key);
  }
  /* A PCS body starts with {"tcbInfo": / {"enclaveIdentity":. */
  json_t *probe = json_loadb(body, body_len, 0, NULL);
  bool is_pcs = probe != NULL && json_object_get(probe, pcs_key) != NULL;
  json_decref(probe);
  if (!is_pcs) {
    VOUCH_GUARD(vouch_blob_set(text, body, body_len));
    return take_signature(root, sig_key, sig, err);
  }
  const char *obj = NULL;
  size_t obj_len = 0;
  uint8_t raw_sig[64];
  VOUCH_GUARD(vouch_dcap_split_signed_body(body, body_len, pcs_key, &obj, &obj_len, raw_sig, err));
  VOUCH_GUARD(vouch_blob_set(text, obj, obj_len));
  return vouch_blob_set(sig, raw_sig, sizeof(raw_sig));
}

vouch_status vouch_dcap_collateral_from_json(const char *json, size_t len,
                                             vouch_dcap_collateral *out, vouch_err *err) {
  memset(out, 0, sizeof(*out));
  if (len > VOUCH_LIMIT_COLLATERAL) {
    return vouch_fail(err, VOUCH_E_LIMIT, "collateral document of %zu bytes exceeds the limit",
                      len);
  }
  json_error_t jerr;
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    return vouch_fail(err, VOUCH_E_JSON, "collateral: invalid JSON at line %d column %d: %s",
                      jerr.line, jerr.column, jerr.text);
  }
  vouch_status s = VOUCH_OK;
  if (!json_is_object(root)) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "collateral: must be a JSON object");
    goto done;
  }
  VOUCH_GUARD_GOTO(s, take_string(root, "pck_crl_issuer_chain", true, &out->pck_crl_issuer_chain, err), done);
  VOUCH_GUARD_GOTO(s, take_string(root, "root_ca_crl", true, &out->root_ca_crl, err), done);
  VOUCH_GUARD_GOTO(s, take_string(root, "pck_crl", true, &out->pck_crl, err), done);
  VOUCH_GUARD_GOTO(s, take_string(root, "tcb_info_issuer_chain", true, &out->tcb_info_issuer_chain, err), done);
  VOUCH_GUARD_GOTO(s, take_signed_json(root, json, len, "tcb_info", "tcbInfo", "tcb_info_signature",
                                       &out->tcb_info, &out->tcb_info_signature, err), done);
  VOUCH_GUARD_GOTO(s, take_string(root, "qe_identity_issuer_chain", true, &out->qe_identity_issuer_chain, err), done);
  VOUCH_GUARD_GOTO(s, take_signed_json(root, json, len, "qe_identity", "enclaveIdentity",
                                       "qe_identity_signature", &out->qe_identity,
                                       &out->qe_identity_signature, err), done);
  VOUCH_GUARD_GOTO(s, take_string(root, "pck_certificate_chain", false, &out->pck_certificate_chain, err), done);
done:
  json_decref(root);
  if (s != VOUCH_OK) vouch_dcap_collateral_cleanup(out);
  return s;
}
