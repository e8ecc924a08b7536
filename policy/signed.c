/* policy/signed.c - policies as JWSs (spec/policy.md §8): the upload
 * format of PUT /policies/{type}, unsigned or signed by a trusted policy
 * signer. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "policy/policy.h"

bool vouch_policy_looks_like_jws(const char *s, size_t len) {
  /* Trailing whitespace (a newline at the end of a file) is not part of it. */
  while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ')) len--;
  size_t dots = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '.') dots++;
    else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_'))
      return false;
  }
  return dots == 2 && len > 2;
}

void vouch_policy_jws_cleanup(vouch_policy_jws *p) {
  free(p->text);
  vouch_cert_free(p->signer);
  *p = (vouch_policy_jws){0};
}

/* payload_text takes the policy text out of {"AttestationPolicy": ...}:
 * base64url of the text; old samples embed the raw text instead, accepted
 * when the value does not decode (spec/policy.md §8, step 4). */
static vouch_status payload_text(const uint8_t *payload, size_t len, vouch_policy_jws *out,
                                 vouch_err *err) {
  json_error_t je;
  json_t *root = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &je);
  if (!root || !json_is_object(root)) {
    json_decref(root);
    return vouch_fail(err, VOUCH_E_MALFORMED, "policy JWS: the payload is not a JSON object");
  }
  json_t *v = json_object_get(root, "AttestationPolicy");
  if (!json_is_string(v)) {
    json_decref(root);
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "policy JWS: the payload has no \"AttestationPolicy\" string");
  }
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  size_t cap = vouch_base64_decoded_max(n);
  uint8_t *text = malloc(cap + 1);
  size_t tlen = 0;
  if (!text) {
    json_decref(root);
    return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  }
  bool url_safe = strpbrk(s, "+/") == NULL;
  if (!url_safe || vouch_base64_decode(s, n, text, cap, &tlen) != VOUCH_OK) {
    free(text);
    text = malloc(n + 1);
    if (!text) {
      json_decref(root);
      return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    }
    memcpy(text, s, n);
    tlen = n;
  }
  text[tlen] = '\0';
  json_decref(root);
  out->text = (char *)text;
  out->len = tlen;
  return VOUCH_OK;
}

vouch_status vouch_jws_check_signer(const vouch_jws *j, struct vouch_cert *const *trusted,
                                   size_t n, int64_t at, const struct vouch_cert **signer,
                                   vouch_err *err) {
  if (j->alg == VOUCH_JWS_NONE)
    return vouch_fail(err, VOUCH_E_SIGNATURE,
                      "the JWS is unsigned (alg none); it must be signed by a policy signer "
                      "certificate");
  struct vouch_pubkey *key = NULL;
  vouch_status st = VOUCH_OK;
  if (j->num_x5c > 0) {
    st = vouch_cert_pubkey(j->x5c[0], &key);
  } else if (j->jwk) {
    key = j->jwk;
    vouch_pubkey_up_ref(key);
  } else {
    return vouch_fail(err, VOUCH_E_MALFORMED, "the JWS header has neither x5c nor jwk");
  }
  if (st == VOUCH_OK) st = vouch_jws_verify(j, key, err);
  if (st != VOUCH_OK) goto done;
  if (j->num_x5c == 0) {
    /* A bare jwk: trusted when it is the key of a trusted certificate. */
    for (size_t i = 0; i < n; i++) {
      struct vouch_pubkey *tk = NULL;
      if (vouch_cert_pubkey(trusted[i], &tk) != VOUCH_OK) continue;
      bool same = vouch_pubkey_equal(tk, key);
      vouch_pubkey_free(tk);
      if (same) {
        if (signer) *signer = trusted[i];
        goto done;
      }
    }
    st = vouch_fail(err, VOUCH_E_UNTRUSTED_ROOT,
                    "the signing key is not one of the policy signer certificates");
    goto done;
  }
  if (signer) *signer = j->x5c[0];
  for (size_t i = 0; i < n; i++)
    if (vouch_cert_equal(j->x5c[0], trusted[i])) goto done;
  /* A chain in x5c that ends at a trusted (CA) certificate (inferred). */
  struct vouch_anchors *a = vouch_anchors_new();
  if (!a) {
    st = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    /* Only self-signed certificates can anchor a path; a registered
     * intermediate can still match the leaf byte for byte (above). */
    if (vouch_anchors_add_cert(a, trusted[i]) == VOUCH_E_NOMEM) {
      vouch_anchors_free(a);
      st = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
      goto done;
    }
  }
  vouch_chain_opts opts = {.at = at};
  vouch_chain_result res;
  vouch_err cerr = {0};
  st = vouch_chain_verify(a, j->x5c[0], (struct vouch_cert *const *)j->x5c + 1, j->num_x5c - 1,
                          NULL, 0, &opts, &res, &cerr);
  vouch_anchors_free(a);
  if (st != VOUCH_OK)
    st = vouch_fail(err, VOUCH_E_UNTRUSTED_ROOT,
                    "the signer is not a policy signer certificate and its x5c chain does not "
                    "lead to one (%s)",
                    cerr.msg);
done:
  vouch_pubkey_free(key);
  return st;
}

vouch_status vouch_policy_from_jws(const char *s, size_t len, struct vouch_cert *const *trusted,
                                   size_t num_trusted, bool allow_unsigned, int64_t at,
                                   vouch_policy_jws *out, vouch_err *err) {
  *out = (vouch_policy_jws){0};
  while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ')) len--;
  vouch_jws j;
  vouch_status st = vouch_jws_parse(s, len, &j, err);
  if (st != VOUCH_OK) {
    vouch_err_prefix(err, "policy JWS: ");
    return st;
  }
  if (j.alg == VOUCH_JWS_NONE) {
    if (!allow_unsigned) {
      vouch_jws_free(&j);
      return vouch_fail(err, VOUCH_E_SIGNATURE,
                        "policy JWS: unsigned (alg none), and only signed policies are accepted");
    }
  } else {
    if (j.alg == VOUCH_JWS_EDDSA) {
      vouch_jws_free(&j);
      return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                        "policy JWS: alg EdDSA (policies are signed with RS256, PS256, ES256 "
                        "or ES384)");
    }
    st = vouch_jws_check_signer(&j, trusted, num_trusted, at, NULL, err);
    if (st != VOUCH_OK) {
      vouch_err_prefix(err, "policy JWS: ");
      vouch_jws_free(&j);
      return st;
    }
    out->is_signed = true;
    if (j.num_x5c > 0) {
      out->signer = j.x5c[0];
      vouch_cert_up_ref(out->signer);
    }
  }
  st = payload_text(j.payload, j.payload_len, out, err);
  vouch_jws_free(&j);
  if (st != VOUCH_OK) vouch_policy_jws_cleanup(out);
  return st;
}

vouch_status vouch_policy_to_jws(const char *text, size_t len, const struct vouch_signer *s,
                                 struct vouch_cert *const *chain, size_t chain_len,
                                 vouch_buf *out, vouch_err *err) {
  vouch_buf payload, header;
  vouch_buf_init(&payload, 0);
  vouch_buf_init(&header, 0);
  vouch_json j;
  vouch_json_init(&j, &payload);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "AttestationPolicy");
  vouch_json_string_b64url(&j, (const uint8_t *)text, len);
  vouch_json_end_object(&j);
  vouch_json_init(&j, &header);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "alg");
  vouch_json_string(&j, s ? vouch_jws_alg_name(vouch_signer_alg(s)) : "none");
  if (s && chain_len) {
    vouch_json_key(&j, "x5c");
    vouch_json_begin_array(&j);
    for (size_t i = 0; i < chain_len; i++) {
      size_t dlen;
      const uint8_t *der = vouch_cert_der(chain[i], &dlen);
      vouch_buf c;
      vouch_buf_init(&c, 0);
      vouch_base64_encode(&c, der, dlen);
      vouch_json_string_len(&j, c.data ? c.data : "", c.len);
      vouch_buf_free(&c);
    }
    vouch_json_end_array(&j);
  }
  vouch_json_end_object(&j);
  vouch_status st = vouch_buf_status(&payload);
  if (st == VOUCH_OK) st = vouch_buf_status(&header);
  if (st == VOUCH_OK) {
    st = s ? vouch_jws_sign_compact(s, header.data, header.len, (const uint8_t *)payload.data,
                                    payload.len, out)
           : vouch_jws_unsigned_compact(header.data, header.len, (const uint8_t *)payload.data,
                                        payload.len, out);
  }
  vouch_buf_free(&payload);
  vouch_buf_free(&header);
  if (st != VOUCH_OK) return vouch_fail(err, st, "policy JWS: cannot build it");
  return VOUCH_OK;
}
