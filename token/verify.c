/* token/verify.c - relying-party verification: JWKS parsing and the checks
 * a careful relying party makes on a token (spec/maa-api.md §9 lists what
 * known clients do; this is stricter: alg none is never accepted, exp is
 * required, the key is chosen only by kid from the given JWKS, never from
 * the token's own header). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "token/internal.h"

typedef struct {
  char *kid; /* NULL: the entry has none (cannot be chosen) */
  bool has_alg;
  vouch_jws_alg alg;
  struct vouch_pubkey *key; /* NULL when unusable ... */
  char *error;              /* ... and why */
} jwks_entry;

struct vouch_jwks {
  jwks_entry *e;
  size_t n;
};

/* clean copies untrusted text for a message (control bytes and quotes
 * replaced, cut to |cap| - 1 bytes). */
static void clean(const char *s, char *out, size_t cap) {
  size_t k = 0;
  for (; s[k] != '\0' && k + 1 < cap; k++) {
    unsigned char c = (unsigned char)s[k];
    out[k] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
  }
  out[k] = '\0';
}

void vouch_jwks_free(struct vouch_jwks *jwks) {
  if (jwks == NULL) return;
  for (size_t i = 0; i < jwks->n; i++) {
    free(jwks->e[i].kid);
    free(jwks->e[i].error);
    vouch_pubkey_free(jwks->e[i].key);
  }
  free(jwks->e);
  free(jwks);
}

size_t vouch_jwks_count(const struct vouch_jwks *jwks) {
  return jwks ? jwks->n : 0;
}

static void entry_error(jwks_entry *e, const char *msg) {
  if (e->error == NULL) e->error = strdup(msg);
  vouch_pubkey_free(e->key);
  e->key = NULL;
}

/* x5c_key takes the key of the entry's first certificate. */
static bool x5c_key(json_t *x5c, jwks_entry *e) {
  json_t *first = json_array_get(x5c, 0);
  if (!json_is_array(x5c) || !json_is_string(first)) {
    entry_error(e, "x5c is not a non-empty array of strings");
    return false;
  }
  const char *s = json_string_value(first);
  size_t len = json_string_length(first);
  size_t cap = vouch_base64_decoded_max(len);
  if (cap > VOUCH_LIMIT_CERT_DATA + 3) {
    entry_error(e, "x5c[0] is too large");
    return false;
  }
  uint8_t *der = malloc(cap);
  size_t der_len = 0;
  struct vouch_cert *c = NULL;
  bool ok = der != NULL && strcspn(s, "-_") == len &&
            vouch_base64_decode(s, len, der, cap, &der_len) == VOUCH_OK && der_len > 0 &&
            vouch_cert_from_der(der, der_len, &c) == VOUCH_OK &&
            vouch_cert_pubkey(c, &e->key) == VOUCH_OK;
  free(der);
  vouch_cert_free(c);
  vouch_crypto_clear_errors();
  if (!ok) entry_error(e, "x5c[0] is not a standard-base64 DER certificate");
  return ok;
}

static void parse_entry(json_t *o, jwks_entry *e) {
  if (!json_is_object(o)) {
    entry_error(e, "not a JSON object");
    return;
  }
  json_t *kid = json_object_get(o, "kid");
  if (json_is_string(kid)) e->kid = strdup(json_string_value(kid));
  json_t *use = json_object_get(o, "use");
  if (use != NULL && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0)) {
    entry_error(e, "its \"use\" is not \"sig\"");
    return;
  }
  json_t *alg = json_object_get(o, "alg");
  if (alg != NULL) {
    if (!json_is_string(alg) ||
        vouch_jws_alg_from_name(json_string_value(alg), json_string_length(alg), &e->alg) !=
            VOUCH_OK ||
        e->alg == VOUCH_JWS_NONE) {
      entry_error(e, "its \"alg\" is not one vouch verifies");
      return;
    }
    e->has_alg = true;
  }
  json_t *x5c = json_object_get(o, "x5c");
  bool has_members = json_object_get(o, "n") != NULL || json_object_get(o, "x") != NULL;
  if (x5c != NULL && !x5c_key(x5c, e)) return;
  if (!has_members && e->key != NULL) return;
  /* The key members: the key itself, or a cross-check of x5c[0]. */
  char *text = json_dumps(o, JSON_COMPACT);
  struct vouch_pubkey *k = NULL;
  vouch_err err = {0};
  vouch_status s = text ? vouch_pubkey_from_jwk(text, strlen(text), &k, &err) : VOUCH_E_NOMEM;
  free(text);
  if (s != VOUCH_OK) {
    entry_error(e, err.msg[0] ? err.msg : "invalid key members");
  } else if (e->key != NULL && !vouch_pubkey_equal(e->key, k)) {
    entry_error(e, "x5c[0] and the key members (n/e, x/y) are different keys");
  } else if (e->key == NULL) {
    e->key = k;
    k = NULL;
  }
  vouch_pubkey_free(k);
}

vouch_status vouch_jwks_parse(const char *json, size_t len, struct vouch_jwks **out,
                              vouch_err *err) {
  if (json == NULL || out == NULL) return vouch_fail(err, VOUCH_E_ARG, "jwks: invalid argument");
  if (len > VOUCH_JWKS_MAX_LEN) {
    return vouch_fail(err, VOUCH_E_LIMIT, "jwks: %zu bytes, more than the limit of %u", len,
                      VOUCH_JWKS_MAX_LEN);
  }
  json_error_t je;
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) {
    char why[96];
    clean(je.text, why, sizeof(why));
    return vouch_fail(err, VOUCH_E_JSON, "jwks: not JSON: %s (line %d)", why, je.line);
  }
  vouch_status s = VOUCH_OK;
  json_t *keys = json_object_get(root, "keys");
  struct vouch_jwks *jw = NULL;
  if (!json_is_array(keys)) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "jwks: no \"keys\" array");
    goto done;
  }
  size_t n = json_array_size(keys);
  if (n > VOUCH_JWKS_MAX_KEYS) {
    s = vouch_fail(err, VOUCH_E_LIMIT, "jwks: %zu keys, more than the limit of %d", n,
                   VOUCH_JWKS_MAX_KEYS);
    goto done;
  }
  jw = calloc(1, sizeof(*jw));
  if (jw == NULL || (n > 0 && (jw->e = calloc(n, sizeof(*jw->e))) == NULL)) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  jw->n = n;
  for (size_t i = 0; i < n; i++) parse_entry(json_array_get(keys, i), &jw->e[i]);
  *out = jw;
  jw = NULL;
done:
  vouch_jwks_free(jw);
  json_decref(root);
  return s;
}

/* ---- the checks ------------------------------------------------------------------ */

void vouch_token_verify_opts_default(vouch_token_verify_opts *o) {
  if (o == NULL) return;
  memset(o, 0, sizeof(*o));
  o->skew_s = VOUCH_TOKEN_DEFAULT_SKEW;
}

/* The key a kid names, and the alg its publisher states for it. */
typedef struct {
  struct vouch_pubkey *key; /* a reference */
  bool has_alg;
  vouch_jws_alg alg;
} found_key;

static vouch_status find_in_jwks(const struct vouch_jwks *jw, const char *kid, found_key *out,
                                 vouch_err *err) {
  const jwks_entry *hit = NULL;
  size_t hits = 0;
  for (size_t i = 0; i < jw->n; i++) {
    if (jw->e[i].kid != NULL && strcmp(jw->e[i].kid, kid) == 0) {
      hit = &jw->e[i];
      hits++;
    }
  }
  char k[80];
  clean(kid, k, sizeof(k));
  if (hits == 0) {
    return vouch_fail(err, VOUCH_E_SIGNATURE,
                      "unknown kid \"%s\" (not among the %zu keys of the JWKS)", k, jw->n);
  }
  if (hits > 1) {
    return vouch_fail(err, VOUCH_E_SIGNATURE, "kid \"%s\" names %zu keys of the JWKS", k, hits);
  }
  if (hit->key == NULL) {
    return vouch_fail(err, VOUCH_E_SIGNATURE, "kid \"%s\": its JWKS entry is unusable: %s", k,
                      hit->error ? hit->error : "no key");
  }
  vouch_pubkey_up_ref(hit->key);
  out->key = hit->key;
  out->has_alg = hit->has_alg;
  out->alg = hit->alg;
  return VOUCH_OK;
}

static vouch_status find_in_store(struct vouch_keystore *ks, const char *kid, found_key *out,
                                  vouch_err *err) {
  int64_t now = vouch_ks_now(ks);
  const vouch_ks_key *hit = NULL;
  size_t published = 0;
  pthread_rwlock_rdlock(&ks->lock);
  for (size_t i = 0; i < ks->num_keys; i++) {
    const vouch_ks_key *k = ks->keys[i];
    if (!vouch_ks_published(ks, k, now)) continue;
    published++;
    if (strcmp(k->kid, kid) == 0) hit = k;
  }
  if (hit != NULL) {
    out->key = vouch_signer_pubkey(hit->signer);
    vouch_pubkey_up_ref(out->key);
    out->has_alg = true;
    out->alg = hit->alg;
  }
  pthread_rwlock_unlock(&ks->lock);
  if (hit == NULL) {
    char k[80];
    clean(kid, k, sizeof(k));
    return vouch_fail(err, VOUCH_E_SIGNATURE,
                      "unknown kid \"%s\" (not among the %zu published keys of the store)", k,
                      published);
  }
  return VOUCH_OK;
}

/* numeric_date reads claim |name| as a NumericDate (seconds; a fraction is
 * dropped). */
static vouch_status numeric_date(json_t *claims, const char *name, bool *present, int64_t *out,
                                 vouch_err *err) {
  json_t *v = json_object_get(claims, name);
  *present = v != NULL;
  if (v == NULL) return VOUCH_OK;
  if (json_is_integer(v)) {
    *out = (int64_t)json_integer_value(v);
    return VOUCH_OK;
  }
  if (json_is_real(v)) {
    double d = json_real_value(v);
    if (isfinite(d) && d > -9.2e18 && d < 9.2e18) {
      *out = (int64_t)floor(d);
      return VOUCH_OK;
    }
  }
  return vouch_fail(err, VOUCH_E_MALFORMED, "token claim \"%s\" is not a NumericDate (seconds)",
                    name);
}

static void join_algs(const vouch_token_verify_opts *o, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i < o->num_allowed_algs; i++) {
    int w =
        snprintf(out + n, cap - n, "%s%s", i ? ", " : "", vouch_jws_alg_name(o->allowed_algs[i]));
    if (w < 0 || (size_t)w >= cap - n) return;
    n += (size_t)w;
  }
}

/* check_claims checks the payload's time window and issuer. */
static vouch_status check_claims(const vouch_jws *j, const vouch_token_verify_opts *o, int64_t now,
                                 vouch_err *err) {
  json_error_t je;
  json_t *c = json_loadb((const char *)j->payload, j->payload_len, JSON_REJECT_DUPLICATES, &je);
  if (c == NULL || !json_is_object(c)) {
    json_decref(c);
    return vouch_fail(err, VOUCH_E_JSON, "token payload is not a JSON object");
  }
  vouch_status s = VOUCH_OK;
  bool has_exp, has_nbf;
  int64_t exp = 0, nbf = 0;
  char t[VOUCH_TIME_STR_LEN], tn[VOUCH_TIME_STR_LEN];
  vouch_time_format(now, tn);
  VOUCH_GUARD_GOTO(s, numeric_date(c, "exp", &has_exp, &exp, err), done);
  VOUCH_GUARD_GOTO(s, numeric_date(c, "nbf", &has_nbf, &nbf, err), done);
  if (!has_exp) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "token has no exp claim (vouch requires one)");
    goto done;
  }
  /* RFC 7519 §4.1.4: valid strictly before exp (+ skew).  Written so
   * that no claim value, however extreme, overflows: now >= 0 and
   * skew >= 0 make now - skew safe, and nbf > now makes the unsigned
   * difference exact. */
  if (exp <= now - o->skew_s) {
    vouch_time_format(exp, t);
    s = vouch_fail(err, VOUCH_E_EXPIRED, "token expired at %s (now %s, skew %lld s)", t, tn,
                   (long long)o->skew_s);
    goto done;
  }
  if (has_nbf && nbf > now && (uint64_t)nbf - (uint64_t)now > (uint64_t)o->skew_s) {
    vouch_time_format(nbf, t);
    s = vouch_fail(err, VOUCH_E_NOT_YET_VALID, "token not valid before %s (now %s, skew %lld s)", t,
                   tn, (long long)o->skew_s);
    goto done;
  }
  if (o->issuer != NULL) {
    json_t *iss = json_object_get(c, "iss");
    if (!json_is_string(iss) || strcmp(json_string_value(iss), o->issuer) != 0) {
      char got[128];
      clean(json_is_string(iss) ? json_string_value(iss) : "(none)", got, sizeof(got));
      s = vouch_fail(err, VOUCH_E_IDENTITY_MISMATCH,
                     "token issuer \"%s\" is not the expected \"%s\"", got, o->issuer);
    }
  }
done:
  json_decref(c);
  return s;
}

vouch_status vouch_token_verify(const char *token, size_t len, const vouch_token_verify_opts *o,
                                vouch_buf *claims_out, vouch_err *err) {
  if (token == NULL || o == NULL || o->skew_s < 0 || o->now < 0) {
    return vouch_fail(err, VOUCH_E_ARG, "token verify: invalid argument");
  }
  int sources = (o->jwks_json != NULL) + (o->jwks != NULL) + (o->keystore != NULL);
  if (sources != 1) {
    return vouch_fail(err, VOUCH_E_ARG,
                      "token verify: give exactly one of a JWKS document, a parsed JWKS or a key "
                      "store");
  }
  vouch_jws j;
  VOUCH_GUARD(vouch_jws_parse(token, len, &j, err));
  vouch_status s = VOUCH_OK;
  struct vouch_jwks *own = NULL;
  found_key fk = {0};
  const char *alg = vouch_jws_alg_name(j.alg);
  if (j.alg == VOUCH_JWS_NONE) {
    s = vouch_fail(err, VOUCH_E_SIGNATURE,
                   "unsigned token (alg none) refused: vouch never accepts unsigned tokens");
    goto done;
  }
  if (o->allowed_algs != NULL) {
    bool ok = false;
    for (size_t i = 0; i < o->num_allowed_algs; i++) ok = ok || o->allowed_algs[i] == j.alg;
    if (!ok) {
      char list[96];
      join_algs(o, list, sizeof(list));
      s = vouch_fail(err, VOUCH_E_SIGNATURE, "alg %s is not allowed (allowed: %s)", alg, list);
      goto done;
    }
  }
  if (j.kid == NULL) {
    s = vouch_fail(err, VOUCH_E_SIGNATURE, "token header has no kid, so no key can be chosen");
    goto done;
  }
  if (o->keystore != NULL) {
    VOUCH_GUARD_GOTO(s, find_in_store(o->keystore, j.kid, &fk, err), done);
  } else {
    const struct vouch_jwks *jw = o->jwks;
    if (jw == NULL) {
      VOUCH_GUARD_GOTO(s, vouch_jwks_parse(o->jwks_json, o->jwks_len, &own, err), done);
      jw = own;
    }
    VOUCH_GUARD_GOTO(s, find_in_jwks(jw, j.kid, &fk, err), done);
  }
  if (fk.has_alg && fk.alg != j.alg) {
    char k[80];
    clean(j.kid, k, sizeof(k));
    s = vouch_fail(err, VOUCH_E_SIGNATURE, "kid \"%s\" is published for %s, the token says %s", k,
                   vouch_jws_alg_name(fk.alg), alg);
    goto done;
  }
  if ((s = vouch_jws_verify(&j, fk.key, err)) != VOUCH_OK) goto done;
  VOUCH_GUARD_GOTO(s, check_claims(&j, o, o->now ? o->now : (int64_t)time(NULL), err), done);
  if (claims_out != NULL) {
    vouch_buf_append(claims_out, j.payload, j.payload_len);
    s = vouch_buf_status(claims_out);
  }
done:
  vouch_pubkey_free(fk.key);
  vouch_jwks_free(own);
  vouch_jws_free(&j);
  return s;
}
