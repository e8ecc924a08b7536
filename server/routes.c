/* server/routes.c - Azure Attestation's routes (spec/maa-api.md §1):
 * dispatch on method and path, attest request bodies to evidence envelopes,
 * engine results to responses, and the read-only documents (/certs, OpenID
 * discovery, /healthz, /metrics).  Policy and certificate management is in
 * admin.c.
 *
 * Any api-version query (or none) is accepted.  Paths are compared as
 * documented (case-sensitive); the attestation type in them is matched
 * without regard to case, since clients differ in how they spell it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "server/internal.h"
#include "token/token.h"
#include "verifiers/snp/snp.h"

const char *const kTypeNames[T_COUNT] = {"SgxEnclave", "OpenEnclave", "TdxVm", "SevSnpVm", "Tpm"};

bool att_type_from_name(const char *name, size_t len, att_type *out) {
  for (int t = 0; t < T_COUNT; t++) {
    if (strlen(kTypeNames[t]) == len && strncasecmp(kTypeNames[t], name, len) == 0) {
      *out = (att_type)t;
      return true;
    }
  }
  return false;
}

/* ---- attest ------------------------------------------------------------------ */

/* An attest request body is the HTTP form of an evidence envelope and is
 * on the hot path of the one loop thread: it is read with base's bounded
 * span scanner, as envelopes are (DESIGN.md; jansson costs ~60 µs on a
 * 6 KB body, most of what the loop would spend per request).  Base64
 * strings go into the envelope as they came when they need no unescaping:
 * the engine decodes both alphabets, padded or not, and enforces the
 * evidence size limit. */
typedef struct {
  bool present; /* present and not null */
  vouch_json_member m;
} field;

/* text unescapes a string field into a malloc'd, NUL-terminated buffer. */
static char *text(const field *f, size_t *len) {
  char *out = malloc(f->m.value_len + 1);
  if (out != NULL &&
      vouch_json_unescape(f->m.value, f->m.value_len, out, f->m.value_len + 1, len) != VOUCH_OK) {
    free(out);
    out = NULL;
  }
  return out;
}

/* is_b64: |s| holds |n| base64 or base64url characters and is followed by
 * a byte outside that alphabet (a JSON string's closing quote, or a NUL),
 * so strspn (a table walk, not a chain of compares per byte) stops there. */
static bool is_b64(const char *s, size_t n) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=";
  return n > 0 && strspn(s, kAlphabet) == n;
}

/* put_b64 writes a base64 string field as an envelope value: verbatim when
 * it has no escapes, else unescaped first.  False: not base64 at all. */
static bool put_b64(vouch_json *j, const field *f) {
  const char *raw = f->m.value + 1;
  size_t n = f->m.value_len - 2;
  if (memchr(raw, '\\', n) == NULL) {
    if (!is_b64(raw, n)) return false;
    vouch_json_raw(j, f->m.value, f->m.value_len);
    return true;
  }
  size_t len = 0;
  char *t = text(f, &len);
  bool ok = t != NULL && is_b64(t, len);
  if (ok) vouch_json_string_len(j, t, len);
  free(t);
  return ok;
}

/* read_fields scans a JSON object for the members named in |names| (raw
 * keys), refusing duplicates; |out| is indexed like |names|. */
static bool read_fields(req *r, const char *json, size_t len, const char *const *names, size_t n,
                        field *out, const char *what) {
  vouch_json_members it;
  vouch_json_members_init(&it, json, len);
  for (;;) {
    vouch_json_member m;
    bool has = false;
    vouch_err err = {0};
    if (vouch_json_members_next(&it, &m, &has, &err) != VOUCH_OK) {
      req_error(r, 400, "InvalidParameter", "%s is not a JSON object: %s", what, err.msg);
      return false;
    }
    if (!has) return true;
    for (size_t i = 0; i < n; i++) {
      if (!vouch_json_key_is(&m, names[i])) continue;
      if (out[i].m.key != NULL) {
        req_error(r, 400, "InvalidParameter", "%s has \"%s\" twice", what, names[i]);
        return false;
      }
      out[i].m = m;
      out[i].present = m.type != VOUCH_JSON_T_NULL;
    }
  }
}

/* read_data_object reads MAA's {"data": ..., "dataType": "Binary"|"JSON"}
 * (runtimeData, initTimeData): |out|[0] is the data string; false after
 * answering 400. */
static bool read_data_object(req *r, const field *obj, const char *what, field out[2],
                             bool *is_json) {
  static const char *const kNames[2] = {"data", "dataType"};
  *is_json = false;
  if (obj->m.type != VOUCH_JSON_T_OBJECT) {
    req_error(r, 400, "InvalidParameter", "\"%s\" must be {\"data\": ..., \"dataType\": ...}",
              what);
    return false;
  }
  if (!read_fields(r, obj->m.value, obj->m.value_len, kNames, 2, out, what)) return false;
  if (!out[0].present || out[0].m.type != VOUCH_JSON_T_STRING) {
    req_error(r, 400, "InvalidParameter", "%s has no \"data\" string", what);
    return false;
  }
  if (out[1].present) {
    char dt[16];
    size_t dn = 0;
    if (out[1].m.type != VOUCH_JSON_T_STRING ||
        vouch_json_unescape(out[1].m.value, out[1].m.value_len, dt, sizeof dt, &dn) != VOUCH_OK ||
        (strcasecmp(dt, "json") != 0 && strcasecmp(dt, "binary") != 0)) {
      req_error(r, 400, "InvalidParameter", "%s.dataType must be \"Binary\" or \"JSON\"", what);
      return false;
    }
    *is_json = strcasecmp(dt, "json") == 0;
  }
  return true;
}

/* put_data_object writes the envelope's {"data", "data_type"} member |key|;
 * false after answering 400. */
static bool put_data_object(req *r, vouch_json *j, const char *key, const field *data, bool is_json,
                            const char *what) {
  vouch_json_key(j, key);
  vouch_json_begin_object(j);
  vouch_json_key(j, "data");
  if (!put_b64(j, data)) {
    req_error(r, 400, "InvalidParameter", "%s.data is not base64url (or base64)", what);
    return false;
  }
  vouch_json_key(j, "data_type");
  vouch_json_string(j, is_json ? "json" : "binary");
  vouch_json_end_object(j);
  return true;
}

enum {
  F_QUOTE,
  F_REPORT,
  F_LEGACY_QUOTE,
  F_LEGACY_EHD,
  F_RUNTIME,
  F_INIT,
  F_DRAFT,
  F_NONCE,
  F_COUNT
};

/* finish_and_submit closes an envelope with the server's instant (never the
 * client's) and hands it to the engine, unless too many are in flight. */
static void finish_and_submit(server *s, req *r, vouch_json *j, vouch_buf *line,
                              struct vouch_policy *policy, bool unsigned_token,
                              struct vouch_cert *signer) {
  vouch_json_key(j, "at");
  vouch_json_int(j, s->cfg.at != 0 ? s->cfg.at : (int64_t)time(NULL));
  vouch_json_end_object(j);
  if (vouch_buf_status(line) != VOUCH_OK) {
    req_error(r, 500, "InternalError", "cannot build the evidence envelope");
    return;
  }
  if (s->in_flight >= s->lim.max_in_flight) {
    req_error(r, 503, "ServiceUnavailable",
              "%zu attestation requests are in flight (the limit): retry shortly", s->in_flight);
    return;
  }
  server_submit(s, r, line->data, line->len, policy, unsigned_token, signer);
}

/* attest_tpm: POST /attest/Tpm takes vouch's TPM evidence object (quote,
 * signature, AK, PCRs, event log, nonce: verifiers/tpm/tpm.h) as the body;
 * Azure's multi-round TPM/VBS protocol is out of scope. */
static void attest_tpm(server *s, req *r) {
  vouch_buf line;
  vouch_buf_init(&line, 0);
  vouch_json_members it;
  vouch_json_members_init(&it, r->body.data ? r->body.data : "", r->body.len);
  vouch_json_member m;
  bool has = false;
  if (r->body.len == 0 || vouch_json_members_next(&it, &m, &has, NULL) != VOUCH_OK) {
    req_error(r, 400, "InvalidParameter",
              "the body must be a TPM evidence object {\"quote\", \"signature\", \"ak_pub\", ...}");
    goto done;
  }
  vouch_json j;
  vouch_json_init(&j, &line);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "id");
  vouch_json_string(&j, r->id);
  vouch_json_key(&j, "type");
  vouch_json_string(&j, "tpm");
  vouch_json_key(&j, "evidence");
  vouch_json_raw(&j, r->body.data, r->body.len); /* checked again by the TPM verifier */
  struct vouch_policy *p = admin_policy(s, T_TPM);
  finish_and_submit(s, r, &j, &line, p, false, p ? s->policies[T_TPM].signer : NULL);
done:
  vouch_buf_free(&line);
}

/* put_snp_evidence: SevSnpVm's "report" is base64 of a JSON document
 * {"SnpReport": base64url(report or Azure HCL report), "VcekCertChain":
 * base64(PEM chain)} (spec/maa-api.md §2): the envelope gets the report and
 * the certificates as inline collateral. */
static bool put_snp_evidence(req *r, const field *q, vouch_json *j, vouch_buf *tmp) {
  size_t rl = 0;
  char *rep = text(q, &rl);
  uint8_t *report = NULL;
  size_t report_len = 0;
  bool is_hcl = false;
  vouch_snp_collateral coll = {0};
  vouch_err err = {0};
  bool ok = rep != NULL && vouch_snp_maa_request_parse(rep, rl, &report, &report_len, &is_hcl,
                                                       &coll, &err) == VOUCH_OK;
  free(rep);
  if (!ok) {
    vouch_snp_collateral_cleanup(&coll);
    req_error(r, 400, "InvalidParameter", "\"report\": %s",
              err.msg[0] ? err.msg : "not base64 of {\"SnpReport\", \"VcekCertChain\"}");
    return false;
  }
  vouch_json_key(j, "type");
  vouch_json_string(j, is_hcl ? "snp-azure" : "snp");
  vouch_json_key(j, "evidence");
  vouch_buf_reset(tmp);
  vouch_base64url_encode(tmp, report, report_len);
  vouch_json_string_len(j, vouch_buf_cstr(tmp), tmp->len);
  vouch_json_key(j, "collateral");
  vouch_json_begin_object(j);
  for (size_t i = 0; i < coll.num_certs; i++) {
    char key[32];
    snprintf(key, sizeof key, "cert%zu", i);
    size_t dl = 0;
    const uint8_t *der = vouch_cert_der(coll.certs[i], &dl);
    vouch_buf_reset(tmp);
    vouch_base64_encode(tmp, der, dl);
    vouch_json_key(j, key);
    vouch_json_string_len(j, vouch_buf_cstr(tmp), tmp->len);
  }
  vouch_json_end_object(j);
  free(report);
  vouch_snp_collateral_cleanup(&coll);
  return true;
}

static void attest(server *s, req *r, att_type t) {
  if (t == T_TPM) {
    attest_tpm(s, r);
    return;
  }
  static const char *const kNames[F_COUNT] = {"quote",
                                              "report",
                                              "Quote",
                                              "EnclaveHeldData",
                                              "runtimeData",
                                              "initTimeData",
                                              "draftPolicyForAttestation",
                                              "nonce"};
  field f[F_COUNT] = {0};
  uint8_t *ev = NULL;
  char *nonce = NULL, *draft_text = NULL;
  struct vouch_policy *draft = NULL;
  vouch_buf line, b64;
  vouch_buf_init(&line, 0);
  vouch_buf_init(&b64, 0);
  if (r->body.len == 0) {
    req_error(r, 400, "InvalidParameter", "the request has no body (a JSON object is expected)");
    goto done;
  }
  if (!read_fields(r, r->body.data, r->body.len, kNames, F_COUNT, f, "the request body")) goto done;
  /* The evidence: "quote" (SGX, TDX) or "report" (Open Enclave); the 2018
   * preview's {"Quote", "EnclaveHeldData"} is accepted for SGX. */
  bool oe = t == T_OE;
  const char *name = (oe || t == T_SNP) ? "report" : "quote";
  field *q = (oe || t == T_SNP) ? &f[F_REPORT] : &f[F_QUOTE];
  field *rt_data = NULL;
  bool legacy = false;
  if (!q->present && t == T_SGX && f[F_LEGACY_QUOTE].present) {
    q = &f[F_LEGACY_QUOTE];
    legacy = true;
  }
  if (!q->present || q->m.type != VOUCH_JSON_T_STRING) {
    req_error(r, 400, "InvalidParameter", "the request has no \"%s\" string", name);
    goto done;
  }
  /* Runtime data: SHA-256 of it must be the first half of REPORTDATA (the
   * verifier checks that); "JSON" also becomes the x-ms-runtime claim. */
  bool rt_json = false, init_json = false;
  field rd[2] = {0}, id[2] = {0};
  field *init_data = NULL;
  if (f[F_RUNTIME].present) {
    if (!read_data_object(r, &f[F_RUNTIME], "runtimeData", rd, &rt_json)) goto done;
    rt_data = &rd[0];
  } else if (legacy && f[F_LEGACY_EHD].present) {
    if (f[F_LEGACY_EHD].m.type != VOUCH_JSON_T_STRING) {
      req_error(r, 400, "InvalidParameter", "\"EnclaveHeldData\" must be a string");
      goto done;
    }
    rt_data = &f[F_LEGACY_EHD];
  }
  /* Init-time data: SHA-256 of it must be CONFIGID[0:32] (SGX, Open
   * Enclave) or HOST_DATA (SEV-SNP); "JSON" also becomes x-ms-inittime. */
  if (f[F_INIT].present) {
    if (t == T_TDX) {
      req_error(r, 400, "InvalidParameter",
                "initTimeData cannot be bound to a TDX quote (Azure defines no binding for it)");
      goto done;
    }
    if (!read_data_object(r, &f[F_INIT], "initTimeData", id, &init_json)) goto done;
    init_data = &id[0];
  }
  size_t nonce_len = 0;
  if (f[F_NONCE].present) {
    if (f[F_NONCE].m.type != VOUCH_JSON_T_STRING ||
        (nonce = text(&f[F_NONCE], &nonce_len)) == NULL) {
      req_error(r, 400, "InvalidParameter", "\"nonce\" must be a string");
      goto done;
    }
    if (nonce_len >= VOUCH_ENVELOPE_NONCE_MAX || memchr(nonce, 0, nonce_len) != NULL) {
      req_error(r, 400, "InvalidParameter", "\"nonce\" must be at most %d bytes, without NUL",
                VOUCH_ENVELOPE_NONCE_MAX - 1);
      goto done;
    }
  }
  /* A draft policy is evaluated instead of the stored one, and the token
   * is unsigned: vouch never signs under a policy the caller wrote. */
  if (f[F_DRAFT].present) {
    size_t dl = 0;
    if (f[F_DRAFT].m.type != VOUCH_JSON_T_STRING || (draft_text = text(&f[F_DRAFT], &dl)) == NULL) {
      req_error(r, 400, "InvalidParameter", "\"draftPolicyForAttestation\" must be a string");
      goto done;
    }
    vouch_err perr = {0};
    if (vouch_policy_compile(draft_text, dl, &draft, NULL, &perr) != VOUCH_OK) {
      req_error(r, 400, "PolicyParsingError", "%s", perr.msg);
      goto done;
    }
  }

  /* The envelope (DESIGN.md): the instant is the server's, never the
   * client's; collateral comes from the server's configuration. */
  vouch_json j;
  vouch_json_init(&j, &line);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "id");
  vouch_json_string(&j, r->id);
  if (t == T_SNP) {
    if (!put_snp_evidence(r, q, &j, &b64)) goto done;
  } else {
    vouch_json_key(&j, "type");
    vouch_json_string(&j, t == T_TDX ? "tdx" : "sgx");
    vouch_json_key(&j, "evidence");
  }
  if (t == T_SNP) {
    /* evidence and collateral written above */
  } else if (oe) {
    /* The Open Enclave report (oe_report_header_t): version 1, type 2 (remote:
     * an SGX quote follows), the size of what follows; then the quote. */
    size_t rl = 0, ev_len = 0;
    char *rep = text(q, &rl);
    size_t cap = rep ? vouch_base64_decoded_max(rl) : 0;
    if (rep == NULL || cap > VOUCH_LIMIT_EVIDENCE + 64 || (ev = malloc(cap + 1)) == NULL ||
        vouch_base64_decode(rep, rl, ev, cap, &ev_len) != VOUCH_OK) {
      free(rep);
      req_error(r, 400, "InvalidParameter",
                "\"report\" is not base64url (or base64) of at most %d bytes",
                VOUCH_LIMIT_EVIDENCE + 16);
      goto done;
    }
    free(rep);
    vouch_cur cur = vouch_cur_make(ev, ev_len);
    uint32_t version = 0, type = 0;
    uint64_t size = 0;
    if (vouch_cur_u32le(&cur, &version) != VOUCH_OK || vouch_cur_u32le(&cur, &type) != VOUCH_OK ||
        vouch_cur_u64le(&cur, &size) != VOUCH_OK) {
      req_error(r, 400, "InvalidParameter",
                "OpenEnclave report: %zu bytes, shorter than its 16-byte header", ev_len);
      goto done;
    }
    if (version != 1 || type != 2) {
      req_error(r, 400, "InvalidParameter",
                "OpenEnclave report: header version %u, type %u (expected version 1, type 2: "
                "a remote report)",
                version, type);
      goto done;
    }
    if (size != vouch_cur_remaining(&cur) || size == 0) {
      req_error(r, 400, "InvalidParameter",
                "OpenEnclave report: the header says %llu bytes of report, %zu follow",
                (unsigned long long)size, vouch_cur_remaining(&cur));
      goto done;
    }
    vouch_base64url_encode(&b64, cur.data, cur.len);
    vouch_json_string_len(&j, vouch_buf_cstr(&b64), b64.len);
  } else if (!put_b64(&j, q)) {
    req_error(r, 400, "InvalidParameter", "\"%s\" is not base64url (or base64)", name);
    goto done;
  }
  if (rt_data != NULL && !put_data_object(r, &j, "runtime_data", rt_data, rt_json, "runtimeData"))
    goto done;
  if (init_data != NULL &&
      !put_data_object(r, &j, "init_data", init_data, init_json, "initTimeData"))
    goto done;
  if (nonce != NULL) {
    vouch_json_key(&j, "nonce");
    vouch_json_string_len(&j, nonce, nonce_len);
  }
  struct vouch_policy *policy = draft ? draft : admin_policy(s, t);
  /* Tokens under an uploaded signed policy carry its signer (spec §3). */
  finish_and_submit(s, r, &j, &line, policy, draft != NULL,
                    draft || !policy ? NULL : s->policies[t].signer);
done:
  vouch_policy_free(draft); /* the engine holds its own reference */
  free(ev);
  free(nonce);
  free(draft_text);
  vouch_buf_free(&line);
  vouch_buf_free(&b64);
}

/* member reads a top-level member of the result line (the engine's own
 * output: the span scanner, no tree). */
static bool member(const char *json, size_t len, const char *key, vouch_json_member *m) {
  bool found = false;
  return vouch_json_find(json, len, key, m, &found, NULL) == VOUCH_OK && found;
}

static void member_text(const vouch_json_member *m, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  if (m->type == VOUCH_JSON_T_STRING &&
      vouch_json_unescape(m->value, m->value_len, out, cap, &n) != VOUCH_OK)
    snprintf(out, cap, "(unreadable)");
}

void route_attest_result(req *r, const char *json, size_t len) {
  vouch_json_member m;
  char text[2 * VOUCH_ERR_MSG_MAX];
  if (member(json, len, "token", &m) && m.type == VOUCH_JSON_T_STRING) {
    /* A compact JWS has no characters JSON escapes: the span is the value. */
    vouch_buf body;
    vouch_buf_init(&body, 0);
    vouch_buf_puts(&body, "{\"token\":");
    vouch_buf_append(&body, m.value, m.value_len);
    vouch_buf_putc(&body, '}');
    req_respond(r, 200, "application/json; charset=utf-8", vouch_buf_cstr(&body), body.len, NULL);
    vouch_buf_free(&body);
    return;
  }
  if (member(json, len, "error", &m) && m.type == VOUCH_JSON_T_OBJECT) {
    vouch_json_member msg;
    if (member(m.value, m.value_len, "message", &msg))
      member_text(&msg, text, sizeof text);
    else
      snprintf(text, sizeof text, "the evidence could not be verified");
    req_error(r, 400, "InvalidParameter", "%s", text);
    return;
  }
  if (member(json, len, "policy", &m) && m.type == VOUCH_JSON_T_STRING &&
      (strncmp(m.value, "\"deny\"", 6) == 0 || strncmp(m.value, "\"error\"", 7) == 0)) {
    vouch_json_member d;
    if (member(json, len, "policy_detail", &d))
      member_text(&d, text, sizeof text);
    else
      text[0] = '\0';
    req_error(r, 400, "PolicyEvaluationError", "%s",
              text[0] ? text : "the attestation policy did not permit the evidence");
    return;
  }
  char status[32] = "", tcb[64] = "";
  if (member(json, len, "status", &m)) member_text(&m, status, sizeof status);
  if (member(json, len, "tcb_status", &m)) member_text(&m, tcb, sizeof tcb);
  if (strcmp(status, "affirming") == 0 || strcmp(status, "warning") == 0) {
    req_error(r, 500, "InternalError", "the evidence verified but no token could be issued");
    return;
  }
  req_error(r, 400, "InvalidParameter", "evidence is contraindicated (tcb_status %s)",
            tcb[0] ? tcb : "none");
}

/* ---- documents ----------------------------------------------------------------- */

static void certs(server *s, req *r) {
  struct vouch_keystore *ks = server_keys(s);
  if (ks == NULL) {
    req_error(r, 503, "ServiceUnavailable", "no signing keys are loaded");
    return;
  }
  vouch_buf b;
  vouch_buf_init(&b, 0);
  if (vouch_keystore_jwks(ks, &b) != VOUCH_OK) {
    req_error(r, 500, "InternalError", "cannot write the key set");
  } else {
    /* application/json whatever the Accept header says: the JS SDK sends
     * "application/jwk+json, application/json" but parses only an
     * application/json (or text/json) body; application/jwk+json leaves it
     * with no signers, so it cannot verify any token. */
    req_respond(r, 200, "application/json; charset=utf-8", vouch_buf_cstr(&b), b.len, NULL);
  }
  vouch_buf_free(&b);
}

static void openid(server *s, req *r) {
  struct vouch_keystore *ks = server_keys(s);
  if (ks == NULL) {
    req_error(r, 503, "ServiceUnavailable", "no signing keys are loaded");
    return;
  }
  vouch_jws_alg algs[VOUCH_JWS_ALG_COUNT];
  size_t n = vouch_keystore_algs(ks, algs, VOUCH_JWS_ALG_COUNT);
  vouch_buf b;
  vouch_buf_init(&b, 0);
  if (vouch_openid_metadata(vouch_keystore_issuer(ks), algs, n, &b) != VOUCH_OK)
    req_error(r, 500, "InternalError", "cannot write the discovery document");
  else
    req_respond(r, 200, "application/json; charset=utf-8", vouch_buf_cstr(&b), b.len, NULL);
  vouch_buf_free(&b);
}

/* ---- dispatch -------------------------------------------------------------------- */

/* decode_path percent-decodes the path of the request target into |out|;
 * false for a malformed target, an encoded NUL, or one longer than |cap|. */
static bool decode_path(const req *r, char *out, size_t cap) {
  const char *url = vouch_buf_cstr(&r->url);
  struct http_parser_url u;
  http_parser_url_init(&u);
  if (r->url.len == 0 || http_parser_parse_url(url, r->url.len, 0, &u) != 0 ||
      !(u.field_set & (1 << UF_PATH)))
    return false;
  const char *p = url + u.field_data[UF_PATH].off;
  size_t n = u.field_data[UF_PATH].len, o = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = p[i];
    if (ch == '%') {
      uint8_t v;
      if (i + 2 >= n || vouch_hex_decode(p + i + 1, 2, &v, 1) != VOUCH_OK || v == 0) return false;
      ch = (char)v;
      i += 2;
    }
    if (o + 1 >= cap) return false;
    out[o++] = ch;
  }
  out[o] = '\0';
  return true;
}

static bool method_is(const req *r, enum http_method m) {
  return r->method == (int)m || (m == HTTP_GET && r->method == HTTP_HEAD);
}

static void wrong_method(req *r, const char *allow) {
  char extra[96];
  snprintf(extra, sizeof extra, "Allow: %s\r\n", allow);
  vouch_buf body;
  vouch_buf_init(&body, 0);
  vouch_buf_printf(
      &body, "{\"error\":{\"code\":\"MethodNotAllowed\",\"message\":\"this route takes %s\"}}",
      allow);
  char all[160];
  snprintf(all, sizeof all, "%sx-ms-error-code: MethodNotAllowed\r\n", extra);
  req_respond(r, 405, "application/json; charset=utf-8", vouch_buf_cstr(&body), body.len, all);
  vouch_buf_free(&body);
}

static bool starts(const char *s, const char *prefix, const char **rest) {
  size_t n = strlen(prefix);
  if (strncmp(s, prefix, n) != 0) return false;
  *rest = s + n;
  return true;
}

/* dispatch answers |r| (or hands it to the engine) by route and method. */
static void dispatch(server *s, req *r, const char *path) {
  const char *rest;
  att_type t;
  if (strcmp(path, "/healthz") == 0) {
    r->route = R_HEALTHZ;
    if (!method_is(r, HTTP_GET))
      wrong_method(r, "GET");
    else if (s->draining)
      req_respond(r, 503, "text/plain; charset=utf-8", "draining\n", 9, "Retry-After: 1\r\n");
    else
      req_respond(r, 200, "text/plain; charset=utf-8", "ok\n", 3, NULL);
  } else if (strcmp(path, "/metrics") == 0) {
    r->route = R_METRICS;
    if (!method_is(r, HTTP_GET)) {
      wrong_method(r, "GET");
      return;
    }
    vouch_buf b;
    vouch_buf_init(&b, 0);
    metrics_write(s, &b);
    req_respond(r, 200, "text/plain; version=0.0.4; charset=utf-8", vouch_buf_cstr(&b), b.len,
                NULL);
    vouch_buf_free(&b);
  } else if (strcmp(path, "/certs") == 0 || strcmp(path, "/certs/") == 0) {
    r->route = R_CERTS;
    if (!method_is(r, HTTP_GET))
      wrong_method(r, "GET");
    else
      certs(s, r);
  } else if (strcmp(path, "/.well-known/openid-configuration") == 0) {
    r->route = R_OPENID;
    if (!method_is(r, HTTP_GET))
      wrong_method(r, "GET");
    else
      openid(s, r);
  } else if (starts(path, "/attest/", &rest) && att_type_from_name(rest, strlen(rest), &t)) {
    r->route = t == T_SGX   ? R_ATTEST_SGX
               : t == T_OE  ? R_ATTEST_OE
               : t == T_TDX ? R_ATTEST_TDX
                            : R_ATTEST_OTHER;
    if (!method_is(r, HTTP_POST))
      wrong_method(r, "POST");
    else
      attest(s, r, t);
  } else if (starts(path, "/policies/", &rest) &&
             att_type_from_name(rest, strcspn(rest, ":"), &t) &&
             (rest[strcspn(rest, ":")] == '\0' ||
              strcmp(rest + strcspn(rest, ":"), ":reset") == 0)) {
    if (rest[strcspn(rest, ":")] == ':') {
      r->route = R_POLICY_RESET;
      if (!method_is(r, HTTP_POST))
        wrong_method(r, "POST");
      else
        admin_policy_reset(s, r, t);
    } else if (r->method == HTTP_PUT) {
      r->route = R_POLICY_PUT;
      admin_policy_put(s, r, t);
    } else {
      r->route = R_POLICY_GET;
      if (!method_is(r, HTTP_GET))
        wrong_method(r, "GET, PUT");
      else
        admin_policy_get(s, r, t);
    }
  } else if (strcmp(path, "/certificates") == 0) {
    r->route = R_CERTIFICATES_GET;
    if (!method_is(r, HTTP_GET))
      wrong_method(r, "GET");
    else
      admin_certificates_get(s, r);
  } else if (strcmp(path, "/certificates:add") == 0 || strcmp(path, "/certificates:remove") == 0) {
    bool add = path[14] == 'a';
    r->route = add ? R_CERTIFICATES_ADD : R_CERTIFICATES_REMOVE;
    if (!method_is(r, HTTP_POST))
      wrong_method(r, "POST");
    else
      admin_certificates_modify(s, r, add);
  } else {
    r->route = R_NOT_FOUND;
    req_error(r, 404, "NotFound", "no route for %s", path);
  }
}

void route_request(server *s, req *r) {
  char path[512];
  if (!decode_path(r, path, sizeof path)) {
    r->route = R_NOT_FOUND;
    if (r->url.len >= sizeof path)
      req_error(r, 404, "NotFound", "no route for so long a path");
    else
      req_error(r, 400, "BadRequest", "the request target is not a valid path");
    return;
  }
  dispatch(s, r, path);
}
