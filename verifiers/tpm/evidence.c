/* verifiers/tpm/evidence.c - the JSON forms of TPM evidence: the envelope's
 * "evidence" object for type "tpm" and PCR value maps.  jansson reads them
 * (not the hot-path span scanner: a TPM evidence object nests). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "verifiers/tpm/internal.h"

#define MAX_EVIDENCE_JSON (8u << 20)

static uint16_t bank_from_name(const char *n) {
  if (strcmp(n, "sha1") == 0) return VOUCH_TPM_ALG_SHA1;
  if (strcmp(n, "sha256") == 0) return VOUCH_TPM_ALG_SHA256;
  if (strcmp(n, "sha384") == 0) return VOUCH_TPM_ALG_SHA384;
  if (strcmp(n, "sha512") == 0) return VOUCH_TPM_ALG_SHA512;
  return 0;
}

static vouch_status pcrs_from_object(json_t *root, vouch_tpm_pcrs *out, vouch_err *err) {
  memset(out, 0, sizeof(*out));
  if (!json_is_object(root)) {
    return vouch_fail(err, VOUCH_E_JSON, "tpm: PCR values must be an object of banks");
  }
  const char *bank_name;
  json_t *bank;
  json_object_foreach(root, bank_name, bank) {
    uint16_t alg = bank_from_name(bank_name);
    if (alg == 0) {
      return vouch_fail(err, VOUCH_E_JSON, "tpm: unknown PCR bank \"%.16s\"", bank_name);
    }
    if (!json_is_object(bank)) {
      return vouch_fail(err, VOUCH_E_JSON, "tpm: PCR bank %s must be an object", bank_name);
    }
    vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_bank(out, alg, true);
    size_t n = vouch_tpm_hash_len(alg);
    const char *idx;
    json_t *val;
    json_object_foreach(bank, idx, val) {
      char *end = NULL;
      long p = strtol(idx, &end, 10);
      if (idx[0] < '0' || idx[0] > '9' || *end != '\0' || p < 0 || p >= VOUCH_TPM_NUM_PCRS ||
          (idx[0] == '0' && idx[1] != '\0')) {
        return vouch_fail(err, VOUCH_E_JSON, "tpm: PCR index \"%.8s\" (0-23)", idx);
      }
      const char *hex = json_string_value(val);
      if (hex == NULL || strlen(hex) != 2 * n ||
          vouch_hex_decode(hex, 2 * n, b->value[p], n) != VOUCH_OK) {
        return vouch_fail(err, VOUCH_E_HEX, "tpm: PCR %ld (%s) must be %zu hex digits", p,
                          bank_name, 2 * n);
      }
      b->present |= 1u << p;
    }
  }
  return VOUCH_OK;
}

vouch_status vouch_tpm_pcrs_from_json(const char *text, size_t len, vouch_tpm_pcrs *out,
                                      vouch_err *err) {
  VOUCH_ENSURE(text != NULL && out != NULL, VOUCH_E_ARG);
  if (len > MAX_EVIDENCE_JSON) return vouch_fail(err, VOUCH_E_LIMIT, "tpm: PCR JSON too large");
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) {
    return vouch_fail(err, VOUCH_E_JSON, "tpm: PCR values: %s (line %d)", je.text, je.line);
  }
  vouch_status s = pcrs_from_object(root, out, err);
  json_decref(root);
  return s;
}

/* ---- envelope ------------------------------------------------------------ */

/* The storage of a parsed envelope: decoded blobs back to back. */
typedef struct {
  uint8_t *blob[8];
  size_t num;
  char *text[4];
  size_t num_text;
} storage;

static vouch_status b64_member(json_t *v, const char *name, storage *st, const uint8_t **out,
                               size_t *out_len, vouch_err *err) {
  const char *s = json_string_value(v);
  if (s == NULL) return vouch_fail(err, VOUCH_E_JSON, "tpm: \"%s\" must be a base64 string", name);
  size_t n = strlen(s);
  size_t cap = vouch_base64_decoded_max(n) + 1;
  uint8_t *buf = malloc(cap);
  if (buf == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "tpm: out of memory");
  size_t got = 0;
  if (vouch_base64_decode(s, n, buf, cap, &got) != VOUCH_OK) {
    free(buf);
    return vouch_fail(err, VOUCH_E_BASE64, "tpm: \"%s\" is not valid base64", name);
  }
  if (st->num >= sizeof(st->blob) / sizeof(st->blob[0])) {
    free(buf);
    return vouch_fail(err, VOUCH_E_INTERNAL, "tpm: too many blobs");
  }
  st->blob[st->num++] = buf;
  *out = buf;
  *out_len = got;
  return VOUCH_OK;
}

static vouch_status keep_text(storage *st, const char *s, size_t len, const char **out,
                              vouch_err *err) {
  char *copy = malloc(len + 1);
  if (copy == NULL || st->num_text >= 4) {
    free(copy);
    return vouch_fail(err, VOUCH_E_NOMEM, "tpm: out of memory");
  }
  memcpy(copy, s, len);
  copy[len] = '\0';
  st->text[st->num_text++] = copy;
  *out = copy;
  return VOUCH_OK;
}

/* ak_cert as an array: DER certificates, leaf first, re-encoded as one PEM
 * chain for the chain verifier. */
static vouch_status cert_array(json_t *arr, storage *st, vouch_tpm_evidence *ev, vouch_err *err) {
  size_t n = json_array_size(arr);
  if (n == 0 || n > VOUCH_LIMIT_PEM_CHAIN_CERTS) {
    return vouch_fail(err, VOUCH_E_JSON, "tpm: \"ak_cert\" needs 1 to %d certificates",
                      VOUCH_LIMIT_PEM_CHAIN_CERTS);
  }
  vouch_buf pem;
  vouch_buf_init(&pem, MAX_EVIDENCE_JSON);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *der;
    size_t der_len;
    vouch_status s = b64_member(json_array_get(arr, i), "ak_cert", st, &der, &der_len, err);
    if (s != VOUCH_OK) {
      vouch_buf_free(&pem);
      return s;
    }
    vouch_cert_pem_encode(&pem, der, der_len);
    /* The DER copy is no longer needed. */
    free(st->blob[--st->num]);
  }
  vouch_status s = vouch_buf_status(&pem);
  const char *t = NULL;
  if (s == VOUCH_OK) s = keep_text(st, pem.data, pem.len, &t, err);
  if (s == VOUCH_OK) {
    ev->ak_cert = (const uint8_t *)t;
    ev->ak_cert_len = pem.len;
  }
  vouch_buf_free(&pem);
  return s;
}

static void storage_free(storage *st) {
  if (st == NULL) return;
  for (size_t i = 0; i < st->num; i++) free(st->blob[i]);
  for (size_t i = 0; i < st->num_text; i++) free(st->text[i]);
  free(st);
}

void vouch_tpm_envelope_free(vouch_tpm_envelope *e) {
  if (e == NULL) return;
  storage_free(e->storage);
  e->storage = NULL;
}

vouch_status vouch_tpm_envelope_parse(const char *text, size_t len, vouch_tpm_envelope *out,
                                      vouch_err *err) {
  VOUCH_ENSURE(text != NULL && out != NULL, VOUCH_E_ARG);
  memset(out, 0, sizeof(*out));
  if (len > MAX_EVIDENCE_JSON) {
    return vouch_fail(err, VOUCH_E_LIMIT, "tpm: evidence object of %zu bytes", len);
  }
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) {
    return vouch_fail(err, VOUCH_E_JSON, "tpm: evidence: %s (line %d)", je.text, je.line);
  }
  storage *st = calloc(1, sizeof(*st));
  vouch_status s = VOUCH_OK;
  if (st == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "tpm: out of memory");
    goto done;
  }
  if (!json_is_object(root)) {
    s = vouch_fail(err, VOUCH_E_JSON, "tpm: evidence must be a JSON object");
    goto done;
  }
  vouch_tpm_evidence *ev = &out->ev;
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    if (strcmp(key, "quote") == 0) {
      s = b64_member(v, key, st, &ev->quote, &ev->quote_len, err);
    } else if (strcmp(key, "signature") == 0) {
      s = b64_member(v, key, st, &ev->sig, &ev->sig_len, err);
    } else if (strcmp(key, "signature_format") == 0) {
      const char *f = json_string_value(v);
      if (f != NULL && strcmp(f, "tpmt") == 0) {
        ev->sig_format = VOUCH_TPM_SIG_TPMT;
      } else if (f != NULL && strcmp(f, "bare-rsassa") == 0) {
        ev->sig_format = VOUCH_TPM_SIG_BARE_RSASSA;
      } else {
        s = vouch_fail(err, VOUCH_E_JSON, "tpm: \"signature_format\" is \"tpmt\" or \"bare-rsassa\"");
      }
    } else if (strcmp(key, "ak_pub") == 0) {
      s = b64_member(v, key, st, &ev->ak_pub, &ev->ak_pub_len, err);
    } else if (strcmp(key, "ak_pem") == 0) {
      const char *p = json_string_value(v);
      if (p == NULL) {
        s = vouch_fail(err, VOUCH_E_JSON, "tpm: \"ak_pem\" must be a string");
      } else {
        ev->ak_pem = p; /* re-pointed below, after copying */
        s = keep_text(st, p, json_string_length(v), &ev->ak_pem, err);
        ev->ak_pem_len = json_string_length(v);
      }
    } else if (strcmp(key, "ak_jwk") == 0) {
      char *dump = json_is_object(v) ? json_dumps(v, JSON_COMPACT) : NULL;
      if (dump == NULL) {
        s = vouch_fail(err, VOUCH_E_JSON, "tpm: \"ak_jwk\" must be a JWK object");
      } else {
        s = keep_text(st, dump, strlen(dump), &ev->ak_jwk, err);
        ev->ak_jwk_len = strlen(dump);
        free(dump);
      }
    } else if (strcmp(key, "ak_cert") == 0) {
      s = json_is_array(v) ? cert_array(v, st, ev, err)
                           : b64_member(v, key, st, &ev->ak_cert, &ev->ak_cert_len, err);
    } else if (strcmp(key, "ek_pub") == 0) {
      s = b64_member(v, key, st, &ev->ek_pub, &ev->ek_pub_len, err);
    } else if (strcmp(key, "pcrs") == 0) {
      s = pcrs_from_object(v, &out->pcrs, err);
      ev->pcrs = &out->pcrs;
    } else if (strcmp(key, "pcr_values") == 0) {
      s = b64_member(v, key, st, &ev->pcr_values, &ev->pcr_values_len, err);
    } else if (strcmp(key, "event_log") == 0) {
      s = b64_member(v, key, st, &ev->event_log, &ev->event_log_len, err);
    } else if (strcmp(key, "selection") == 0) {
      const char *t = json_string_value(v);
      s = t ? vouch_tpm_selection_parse(t, strlen(t), &out->selection, err)
            : vouch_fail(err, VOUCH_E_JSON, "tpm: \"selection\" must be a string");
      out->has_selection = s == VOUCH_OK;
    } else if (strcmp(key, "nonce") == 0) {
      const char *t = json_string_value(v);
      size_t n = t ? strlen(t) : 0;
      if (t == NULL || n % 2 != 0 || n / 2 > sizeof(out->nonce) ||
          vouch_hex_decode(t, n, out->nonce, n / 2) != VOUCH_OK) {
        s = vouch_fail(err, VOUCH_E_HEX, "tpm: \"nonce\" must be hex (at most 64 bytes)");
      } else {
        out->nonce_len = n / 2;
        out->has_nonce = true;
      }
    } else {
      s = vouch_fail(err, VOUCH_E_JSON, "tpm: unknown evidence member \"%.32s\"", key);
    }
    if (s != VOUCH_OK) goto done;
  }
  if (ev->quote == NULL || ev->sig == NULL) {
    s = vouch_fail(err, VOUCH_E_JSON, "tpm: evidence needs \"quote\" and \"signature\"");
    goto done;
  }
  if (ev->ak_pub == NULL && ev->ak_pem == NULL && ev->ak_jwk == NULL && ev->ak_cert == NULL) {
    s = vouch_fail(err, VOUCH_E_JSON,
                   "tpm: evidence needs an AK (\"ak_pub\", \"ak_pem\", \"ak_jwk\" or \"ak_cert\")");
    goto done;
  }
done:
  json_decref(root);
  if (s != VOUCH_OK) {
    storage_free(st);
    memset(out, 0, sizeof(*out));
  } else {
    out->storage = st;
  }
  return s;
}
