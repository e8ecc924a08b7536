/* tools/loadgen/requests.c - what vouch loadgen sends, built before the
 * clock starts so the loop only copies bytes to sockets:
 *   - attest requests from an NDJSON corpus of evidence envelopes;
 *   - attest requests for evidence generated here with tools/gen (a test
 *     PKI, platforms, quotes), plus the collateral and trust anchor a
 *     server needs for them;
 *   - signed tokens (token/) for relying-party load tests, signed on a few
 *     threads in batches. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "token/token.h"
#include "tools/gen/gen.h"
#include "tools/loadgen/loadgen.h"

/* ---- the request set ------------------------------------------------------------ */

void vouch_lg_requests_init(vouch_lg_requests *r) {
  memset(r, 0, sizeof(*r));
  vouch_buf_init(&r->data, VOUCH_LG_MAX_REQUEST_BYTES);
}

void vouch_lg_requests_free(vouch_lg_requests *r) {
  vouch_buf_free(&r->data);
  free(r->off);
  free(r->len);
  memset(r, 0, sizeof(*r));
}

vouch_status vouch_lg_requests_add_post(vouch_lg_requests *r, const vouch_lg_url *u,
                                        const char *path, const char *body, size_t body_len) {
  if (r->num == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    size_t *off = realloc(r->off, cap * sizeof(*off));
    if (off == NULL) return VOUCH_E_NOMEM;
    r->off = off;
    size_t *len = realloc(r->len, cap * sizeof(*len));
    if (len == NULL) return VOUCH_E_NOMEM;
    r->len = len;
    r->cap = cap;
  }
  size_t start = r->data.len;
  vouch_buf_printf(&r->data,
                   "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: vouch-loadgen/" VOUCH_VERSION
                   "\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
                   "Content-Length: %zu\r\n\r\n",
                   path[0] ? path : "/", u->host_header, body_len);
  vouch_buf_append(&r->data, body, body_len);
  VOUCH_GUARD(vouch_buf_status(&r->data));
  r->off[r->num] = start;
  r->len[r->num] = r->data.len - start;
  r->num++;
  return VOUCH_OK;
}

/* ---- envelopes -> attest bodies -------------------------------------------------- */

static bool raw_is(const vouch_json_member *m, const char *s) {
  size_t n = strlen(s);
  return m->type == VOUCH_JSON_T_STRING && m->value_len == n + 2 &&
         strncasecmp(m->value + 1, s, n) == 0;
}

vouch_status vouch_lg_envelope_body(const char *line, size_t len, vouch_buf *body,
                                    const char **route, vouch_err *err) {
  vouch_json_members it;
  vouch_json_members_init(&it, line, len);
  vouch_json_member ev = {0}, rt = {0}, nonce = {0};
  bool has_ev = false, has_rt = false, has_nonce = false;
  *route = "SgxEnclave";
  for (;;) {
    vouch_json_member m;
    bool has;
    VOUCH_GUARD(vouch_json_members_next(&it, &m, &has, err));
    if (!has) break;
    if (vouch_json_key_is(&m, "type")) {
      if (raw_is(&m, "sgx")) {
        *route = "SgxEnclave";
      } else if (raw_is(&m, "tdx")) {
        *route = "TdxVm";
      } else {
        return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                          "type %.*s: loadgen sends SGX quotes (SgxEnclave) and TDX quotes "
                          "(TdxVm) only",
                          (int)(m.value_len > 40 ? 40 : m.value_len), m.value);
      }
    } else if (vouch_json_key_is(&m, "evidence")) {
      if (m.type != VOUCH_JSON_T_STRING || m.value_len <= 2)
        return vouch_fail(err, VOUCH_E_MALFORMED, "\"evidence\" must be a non-empty string");
      ev = m;
      has_ev = true;
    } else if (vouch_json_key_is(&m, "runtime_data")) {
      if (m.type != VOUCH_JSON_T_OBJECT)
        return vouch_fail(err, VOUCH_E_MALFORMED, "\"runtime_data\" must be an object");
      rt = m;
      has_rt = true;
    } else if (vouch_json_key_is(&m, "nonce")) {
      if (m.type != VOUCH_JSON_T_STRING && m.type != VOUCH_JSON_T_NUMBER)
        return vouch_fail(err, VOUCH_E_MALFORMED, "\"nonce\" must be a string");
      nonce = m;
      has_nonce = true;
    }
  }
  if (!has_ev) return vouch_fail(err, VOUCH_E_MALFORMED, "no \"evidence\"");
  vouch_buf_reset(body);
  vouch_buf_puts(body, "{\"quote\":");
  vouch_buf_append(body, ev.value, ev.value_len);
  if (has_rt) {
    vouch_json_members rit;
    vouch_json_members_init(&rit, rt.value, rt.value_len);
    vouch_json_member data = {0};
    bool has_data = false, json = false;
    for (;;) {
      vouch_json_member m;
      bool has;
      VOUCH_GUARD(vouch_json_members_next(&rit, &m, &has, err));
      if (!has) break;
      if (vouch_json_key_is(&m, "data")) {
        if (m.type != VOUCH_JSON_T_STRING)
          return vouch_fail(err, VOUCH_E_MALFORMED, "\"runtime_data.data\" must be a string");
        data = m;
        has_data = true;
      } else if (vouch_json_key_is(&m, "data_type") || vouch_json_key_is(&m, "dataType")) {
        if (raw_is(&m, "json")) {
          json = true;
        } else if (!raw_is(&m, "binary")) {
          return vouch_fail(err, VOUCH_E_MALFORMED,
                            "\"runtime_data.data_type\" must be \"binary\" or \"json\"");
        }
      }
    }
    if (!has_data) return vouch_fail(err, VOUCH_E_MALFORMED, "\"runtime_data\" has no \"data\"");
    vouch_buf_puts(body, ",\"runtimeData\":{\"data\":");
    vouch_buf_append(body, data.value, data.value_len);
    vouch_buf_puts(body, json ? ",\"dataType\":\"JSON\"}" : ",\"dataType\":\"Binary\"}");
  }
  if (has_nonce) {
    vouch_buf_puts(body, ",\"nonce\":");
    if (nonce.type == VOUCH_JSON_T_NUMBER) vouch_buf_putc(body, '"');
    vouch_buf_append(body, nonce.value, nonce.value_len);
    if (nonce.type == VOUCH_JSON_T_NUMBER) vouch_buf_putc(body, '"');
  }
  vouch_buf_putc(body, '}');
  return vouch_buf_status(body);
}

static vouch_status add_attest(vouch_lg_requests *r, const vouch_lg_url *u, const char *route,
                               const vouch_buf *body, vouch_buf *path) {
  vouch_buf_reset(path);
  vouch_buf_printf(path, "%s/attest/%s?api-version=2025-06-01", u->path, route);
  VOUCH_GUARD(vouch_buf_status(path));
  return vouch_lg_requests_add_post(r, u, path->data, body->data, body->len);
}

vouch_status vouch_lg_load_corpus(const char *file, const vouch_lg_url *u, vouch_lg_requests *r,
                                  bool *out_truncated, vouch_err *err) {
  *out_truncated = false;
  r->expect_token = true;
  FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
  if (f == NULL) return vouch_fail(err, VOUCH_E_IO, "cannot open %s: %s", file, strerror(errno));
  vouch_status s = VOUCH_OK;
  vouch_buf body, path;
  vouch_buf_init(&body, 0);
  vouch_buf_init(&path, 0);
  size_t cap = 1 << 16, have = 0;
  char *buf = malloc(cap);
  uint64_t line_no = 0;
  bool eof = false;
  if (buf == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  while (!eof || have > 0) {
    char *nl = have ? memchr(buf, '\n', have) : NULL;
    if (nl == NULL && !eof) {
      if (have == cap) {
        if (cap >= VOUCH_LIMIT_LINE) {
          s = vouch_fail(err, VOUCH_E_LIMIT, "%s line %llu: longer than %d bytes", file,
                         (unsigned long long)line_no + 1, VOUCH_LIMIT_LINE);
          goto done;
        }
        char *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
          s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
          goto done;
        }
        buf = nb;
        cap *= 2;
      }
      size_t n = fread(buf + have, 1, cap - have, f);
      if (n == 0) {
        if (ferror(f)) {
          s = vouch_fail(err, VOUCH_E_IO, "error reading %s", file);
          goto done;
        }
        eof = true;
      }
      have += n;
      continue;
    }
    size_t llen = nl ? (size_t)(nl - buf) : have;
    line_no++;
    size_t a = 0, b = llen;
    while (a < b && (buf[a] == ' ' || buf[a] == '\t')) a++;
    while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r')) b--;
    if (b > a) {
      if (r->num >= VOUCH_LG_MAX_CORPUS_LINES ||
          r->data.len + (b - a) + 512 > VOUCH_LG_MAX_REQUEST_BYTES) {
        *out_truncated = true;
        break;
      }
      const char *route;
      vouch_err le = {0};
      if (vouch_lg_envelope_body(buf + a, b - a, &body, &route, &le) != VOUCH_OK) {
        s = vouch_fail(err, VOUCH_E_MALFORMED, "%s line %llu: %s", file,
                       (unsigned long long)line_no, le.msg);
        goto done;
      }
      if (add_attest(r, u, route, &body, &path) != VOUCH_OK) {
        s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory building requests");
        goto done;
      }
    }
    size_t used = nl ? llen + 1 : llen;
    memmove(buf, buf + used, have - used);
    have -= used;
  }
  if (r->num == 0) s = vouch_fail(err, VOUCH_E_ARG, "%s holds no envelope", file);
done:
  free(buf);
  vouch_buf_free(&body);
  vouch_buf_free(&path);
  if (f != stdin) fclose(f);
  return s;
}

/* ---- generated evidence --------------------------------------------------------- */

vouch_status vouch_lg_gen_spec_parse(const char *s, vouch_lg_gen_spec *out, vouch_err *err) {
  *out = (vouch_lg_gen_spec){.platforms = 10, .quotes = 0, .seed = 1};
  if (strncmp(s, "sgx:", 4) != 0 && strcmp(s, "sgx") != 0)
    return vouch_fail(err, VOUCH_E_ARG,
                      "--gen takes sgx:platforms=N[,quotes=M][,seed=S] (SGX only)");
  const char *p = s[3] == ':' ? s + 4 : s + 3;
  while (*p) {
    size_t n = strcspn(p, ",");
    const char *eq = memchr(p, '=', n);
    if (eq == NULL) return vouch_fail(err, VOUCH_E_ARG, "--gen: '%.*s' is not KEY=VALUE", (int)n, p);
    size_t kl = (size_t)(eq - p);
    char val[32];
    size_t vl = n - kl - 1;
    if (vl == 0 || vl >= sizeof val) return vouch_fail(err, VOUCH_E_ARG, "--gen: bad value");
    memcpy(val, eq + 1, vl);
    val[vl] = '\0';
    uint64_t v = 0;
    for (size_t i = 0; i < vl; i++) {
      if (val[i] < '0' || val[i] > '9' || v > UINT64_MAX / 10 - 9)
        return vouch_fail(err, VOUCH_E_ARG, "--gen: '%s' is not a whole number", val);
      v = v * 10 + (uint64_t)(val[i] - '0');
    }
    if (kl == 9 && strncmp(p, "platforms", 9) == 0) {
      if (v < 1 || v > 100000) return vouch_fail(err, VOUCH_E_ARG, "--gen: platforms is 1..100000");
      out->platforms = (uint32_t)v;
    } else if (kl == 6 && strncmp(p, "quotes", 6) == 0) {
      if (v < 1 || v > VOUCH_LG_MAX_GEN_QUOTES)
        return vouch_fail(err, VOUCH_E_ARG, "--gen: quotes is 1..%d", VOUCH_LG_MAX_GEN_QUOTES);
      out->quotes = (uint32_t)v;
    } else if (kl == 4 && strncmp(p, "seed", 4) == 0) {
      out->seed = v;
    } else {
      return vouch_fail(err, VOUCH_E_ARG, "--gen: unknown key '%.*s' (platforms, quotes, seed)",
                        (int)kl, p);
    }
    p += n;
    if (*p == ',') p++;
  }
  if (out->quotes == 0) out->quotes = out->platforms > 1000 ? out->platforms : 1000;
  return VOUCH_OK;
}

static vouch_status mkdir_p(const char *path, vouch_err *err) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof tmp) return vouch_fail(err, VOUCH_E_ARG, "bad directory name");
  memcpy(tmp, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] != '/' && tmp[i] != '\0') continue;
    char c = tmp[i];
    tmp[i] = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
      return vouch_fail(err, VOUCH_E_IO, "mkdir %s: %s", tmp, strerror(errno));
    tmp[i] = c;
  }
  return VOUCH_OK;
}

static vouch_status write_file(const char *dir, const char *name, const char *data, size_t len,
                               vouch_err *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) return vouch_fail(err, VOUCH_E_IO, "cannot write %s: %s", path, strerror(errno));
  size_t w = fwrite(data, 1, len, f);
  if (fclose(f) != 0 || w != len)
    return vouch_fail(err, VOUCH_E_IO, "cannot write %s", path);
  return VOUCH_OK;
}

/* gen_envelope appends the envelope of quote |i|: its runtime data is a
 * small JSON object bound to the quote by REPORTDATA[0..32) = SHA-256. */
static vouch_status gen_one(const vouch_gen_platform *pl, uint64_t i, vouch_buf *quote,
                            vouch_buf *env) {
  char rt[96];
  int n = snprintf(rt, sizeof rt, "{\"loadgen\":%llu,\"purpose\":\"vouch loadgen\"}",
                   (unsigned long long)i);
  vouch_gen_quote_opts q;
  vouch_gen_quote_opts_default(&q);
  vouch_sha256(rt, (size_t)n, q.report_data);
  for (int k = 0; k < 8; k++) q.report_data[32 + k] = (uint8_t)(i >> (8 * k));
  vouch_buf_reset(quote);
  VOUCH_GUARD(vouch_gen_quote(pl, &q, quote));
  vouch_buf_printf(env, "{\"id\":\"lg-%llu\",\"type\":\"sgx\",\"evidence\":\"",
                   (unsigned long long)i);
  vouch_base64url_encode(env, (const uint8_t *)quote->data, quote->len);
  vouch_buf_puts(env, "\",\"runtime_data\":{\"data\":\"");
  vouch_base64url_encode(env, (const uint8_t *)rt, (size_t)n);
  vouch_buf_printf(env, "\",\"data_type\":\"json\"},\"nonce\":\"lg-%llu\"}",
                   (unsigned long long)i);
  return vouch_buf_status(env);
}

vouch_status vouch_lg_gen(const vouch_lg_gen_spec *spec, const vouch_lg_url *u,
                          vouch_lg_requests *r, const char *out_dir, vouch_err *err) {
  vouch_status s = VOUCH_OK;
  vouch_gen_pki *pki = NULL;
  vouch_gen_platform **pls = calloc(spec->platforms, sizeof(*pls));
  vouch_gen_tcb_info *ti = NULL;
  vouch_gen_qe_identity *qe = NULL;
  FILE *ev_out = NULL;
  vouch_buf quote, env, body, path, pem;
  vouch_buf_init(&quote, 0);
  vouch_buf_init(&env, 0);
  vouch_buf_init(&body, 0);
  vouch_buf_init(&path, 0);
  vouch_buf_init(&pem, 0);
  if (r) r->expect_token = true;
  if (pls == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  vouch_gen_pki_opts po = {.now = (int64_t)time(NULL), .seed = spec->seed,
                           .organization = "vouch loadgen TEST PKI"};
  VOUCH_GUARD_GOTO(s, vouch_gen_pki_new(&po, &pki, err), done);
  for (uint32_t i = 0; i < spec->platforms; i++) {
    vouch_gen_platform_opts plo;
    vouch_gen_platform_opts_default(&plo);
    VOUCH_GUARD_GOTO(s, vouch_gen_platform_new(pki, &plo, &pls[i], err), done);
  }
  vouch_gen_tcb_info_opts to;
  vouch_gen_tcb_info_opts_default(&to, pls[0], NULL);
  VOUCH_GUARD_GOTO(s, vouch_gen_tcb_info_new(pki, &to, &ti, err), done);
  vouch_gen_qe_identity_opts qo;
  vouch_gen_qe_identity_opts_default(&qo);
  VOUCH_GUARD_GOTO(s, vouch_gen_qe_identity_new(pki, &qo, &qe, err), done);
  if (out_dir != NULL) {
    char sub[4200];
    VOUCH_GUARD_GOTO(s, mkdir_p(out_dir, err), done);
    snprintf(sub, sizeof sub, "%s/collateral", out_dir);
    const vouch_gen_tcb_info *tis[1] = {ti};
    const vouch_gen_qe_identity *qes[1] = {qe};
    VOUCH_GUARD_GOTO(s, vouch_gen_collateral_dir_write(sub, pki, tis, 1, qes, 1, err), done);
    if (vouch_gen_pki_root_pem(pki, &pem) != VOUCH_OK) {
      s = vouch_fail(err, VOUCH_E_INTERNAL, "cannot encode the trust anchor");
      goto done;
    }
    VOUCH_GUARD_GOTO(s, write_file(out_dir, "trust-anchor.pem", pem.data, pem.len, err), done);
    snprintf(sub, sizeof sub, "%s/evidence.ndjson", out_dir);
    ev_out = fopen(sub, "wb");
    if (ev_out == NULL) {
      s = vouch_fail(err, VOUCH_E_IO, "cannot write %s: %s", sub, strerror(errno));
      goto done;
    }
  }
  for (uint32_t i = 0; i < spec->quotes; i++) {
    vouch_buf_reset(&env);
    if (gen_one(pls[i % spec->platforms], i, &quote, &env) != VOUCH_OK) {
      s = vouch_fail(err, VOUCH_E_INTERNAL, "cannot generate quote %u", i);
      goto done;
    }
    if (ev_out != NULL && (fwrite(env.data, 1, env.len, ev_out) != env.len ||
                           fputc('\n', ev_out) == EOF)) {
      s = vouch_fail(err, VOUCH_E_IO, "cannot write %s/evidence.ndjson", out_dir);
      goto done;
    }
    if (r == NULL) continue;
    const char *route;
    VOUCH_GUARD_GOTO(s, vouch_lg_envelope_body(env.data, env.len, &body, &route, err), done);
    if (add_attest(r, u, route, &body, &path) != VOUCH_OK) {
      s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory building requests");
      goto done;
    }
  }
  if (ev_out != NULL) {
    FILE *f = ev_out;
    ev_out = NULL;
    if (fclose(f) != 0) s = vouch_fail(err, VOUCH_E_IO, "cannot write %s/evidence.ndjson", out_dir);
  }
done:
  if (ev_out != NULL) fclose(ev_out);
  vouch_gen_qe_identity_free(qe);
  vouch_gen_tcb_info_free(ti);
  if (pls != NULL) {
    for (uint32_t i = 0; i < spec->platforms; i++) vouch_gen_platform_free(pls[i]);
  }
  free(pls);
  vouch_gen_pki_free(pki);
  vouch_buf_free(&quote);
  vouch_buf_free(&env);
  vouch_buf_free(&body);
  vouch_buf_free(&path);
  vouch_buf_free(&pem);
  return s;
}

/* ---- tokens --------------------------------------------------------------------- */

/* hex_of writes the hex SHA-256 of "vouch-loadgen/<what>/<n>" (stable,
 * realistic-looking measurements and hashes). */
static void hex_of(const char *what, uint64_t n, char out[65]) {
  char in[96];
  int len = snprintf(in, sizeof in, "vouch-loadgen/%s/%llu", what, (unsigned long long)n);
  uint8_t d[VOUCH_SHA256_LEN];
  vouch_sha256(in, (size_t)len, d);
  vouch_hex_encode(d, sizeof d, out);
}

static pthread_once_t g_hash_once = PTHREAD_ONCE_INIT;
static char g_policy_hash[VOUCH_POLICY_HASH_LEN + 1];

/* The x-ms-policy-hash of the default SGX policy, what a fresh provider's
 * tokens carry. */
static void init_policy_hash(void) {
  const char *t = vouch_policy_default_text("SgxEnclave");
  if (t == NULL) t = "";
  vouch_policy_hash_text(t, strlen(t), g_policy_hash);
}

vouch_status vouch_lg_token_claims(const struct vouch_keystore *keys, int64_t now,
                                   uint64_t serial, vouch_buf *out) {
  pthread_once(&g_hash_once, init_policy_hash);
  uint8_t rnd[32];
  VOUCH_GUARD(vouch_random_bytes(rnd, sizeof rnd));
  char jti[65], mrenclave[65], mrsigner[65], h[65];
  vouch_hex_encode(rnd, sizeof rnd, jti);
  uint64_t enclave = serial % 4; /* a few enclaves, as a fleet has */
  hex_of("mrenclave", enclave, mrenclave);
  hex_of("mrsigner", enclave / 2, mrsigner);
  /* Runtime data ("enclave held data") and REPORTDATA bound to it. */
  char rt[80];
  int rn = snprintf(rt, sizeof rt, "{\"loadgen\":%llu}", (unsigned long long)serial);
  uint8_t rd[64] = {0};
  vouch_sha256(rt, (size_t)rn, rd);
  vouch_json j;
  vouch_json_init(&j, out);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "exp");
  vouch_json_int(&j, now + vouch_keystore_lifetime(keys));
  vouch_json_key(&j, "iat");
  vouch_json_int(&j, now);
  const char *iss = vouch_keystore_issuer(keys);
  if (iss[0]) {
    vouch_json_key(&j, "iss");
    vouch_json_string(&j, iss);
  }
  vouch_json_key(&j, "jti");
  vouch_json_string(&j, jti);
  vouch_json_key(&j, "nbf");
  vouch_json_int(&j, now);
  char nonce[32];
  snprintf(nonce, sizeof nonce, "lg-%llu", (unsigned long long)serial);
  vouch_json_key(&j, "nonce");
  vouch_json_string(&j, nonce);
  vouch_json_key(&j, "x-ms-attestation-type");
  vouch_json_string(&j, "sgx");
  vouch_json_key(&j, "x-ms-policy-hash");
  vouch_json_string(&j, g_policy_hash);
  vouch_json_key(&j, "x-ms-runtime");
  vouch_json_raw(&j, rt, (size_t)rn);
  vouch_json_key(&j, "x-ms-sgx-collateral");
  vouch_json_begin_object(&j);
  static const char *const kColl[] = {"qeidcertshash",    "qeidcrlhash",    "qeidhash",
                                      "quotehash",        "tcbinfocertshash", "tcbinfocrlhash",
                                      "tcbinfohash"};
  for (size_t i = 0; i < sizeof kColl / sizeof kColl[0]; i++) {
    hex_of(kColl[i], strcmp(kColl[i], "quotehash") == 0 ? serial : 0, h);
    vouch_json_key(&j, kColl[i]);
    vouch_json_string(&j, h);
  }
  vouch_json_end_object(&j);
  vouch_buf ehd;
  vouch_buf_init(&ehd, 0);
  vouch_base64url_encode(&ehd, (const uint8_t *)rt, (size_t)rn);
  vouch_json_key(&j, "x-ms-sgx-ehd");
  vouch_json_string_len(&j, vouch_buf_cstr(&ehd), ehd.len);
  vouch_buf_free(&ehd);
  vouch_json_key(&j, "x-ms-sgx-is-debuggable");
  vouch_json_bool(&j, false);
  vouch_json_key(&j, "x-ms-sgx-mrenclave");
  vouch_json_string(&j, mrenclave);
  vouch_json_key(&j, "x-ms-sgx-mrsigner");
  vouch_json_string(&j, mrsigner);
  vouch_json_key(&j, "x-ms-sgx-product-id");
  vouch_json_int(&j, (int64_t)(enclave / 2));
  vouch_json_key(&j, "x-ms-sgx-report-data");
  vouch_json_hex(&j, rd, sizeof rd);
  vouch_json_key(&j, "x-ms-sgx-svn");
  vouch_json_int(&j, 1);
  vouch_json_key(&j, "x-ms-ver");
  vouch_json_string(&j, "1.0");
  /* What the default SGX policy issues. */
  vouch_json_key(&j, "is-debuggable");
  vouch_json_bool(&j, false);
  vouch_json_key(&j, "sgx-mrsigner");
  vouch_json_string(&j, mrsigner);
  vouch_json_key(&j, "sgx-mrenclave");
  vouch_json_string(&j, mrenclave);
  vouch_json_key(&j, "product-id");
  vouch_json_int(&j, (int64_t)(enclave / 2));
  vouch_json_key(&j, "svn");
  vouch_json_int(&j, 1);
  vouch_json_key(&j, "tee");
  vouch_json_string(&j, "sgx");
  vouch_json_end_object(&j);
  return vouch_buf_status(out);
}

/* Signing in batches: thread t signs the tokens t, t + T, t + 2T, ... of
 * the batch into its slots, then the caller hands the batch to the sink in
 * order.  The key store allows concurrent signing (token/token.h). */
enum { kBatch = 1024 };

typedef struct {
  const vouch_lg_token_opts *o;
  vouch_buf *slots;   /* kBatch, shared; each written by one thread */
  uint64_t first, n;  /* the batch: tokens first .. first + n - 1 */
  unsigned t, num_threads;
  vouch_status status;
  vouch_err err;
} sign_job;

static void *sign_worker(void *arg) {
  sign_job *job = arg;
  vouch_buf claims;
  vouch_buf_init(&claims, 0);
  int64_t now = (int64_t)time(NULL);
  for (uint64_t i = job->t; i < job->n && job->status == VOUCH_OK; i += job->num_threads) {
    vouch_buf_reset(&claims);
    vouch_buf *tok = &job->slots[i];
    vouch_buf_reset(tok);
    job->status = vouch_lg_token_claims(job->o->keys, now, job->first + i, &claims);
    if (job->status != VOUCH_OK) {
      vouch_fail(&job->err, job->status, "cannot build the claims");
      break;
    }
    job->status = vouch_token_sign(job->o->keys, (vouch_jws_alg)job->o->alg,
                                   (const uint8_t *)claims.data, claims.len, tok, &job->err);
  }
  vouch_buf_free(&claims);
  return NULL;
}

vouch_status vouch_lg_tokens(const vouch_lg_token_opts *o, uint64_t n, vouch_lg_token_sink sink,
                             void *ctx, vouch_err *err) {
  unsigned threads = o->threads;
  if (threads == 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    threads = c > 0 ? (unsigned)c : 1;
  }
  if (threads > 16) threads = 16;
  /* Make sure the key exists before several threads ask for it. */
  VOUCH_GUARD(vouch_keystore_signer(o->keys, (vouch_jws_alg)o->alg, NULL, NULL, NULL, err));
  vouch_buf *slots = calloc(kBatch, sizeof(*slots));
  sign_job *jobs = calloc(threads, sizeof(*jobs));
  pthread_t *tids = calloc(threads, sizeof(*tids));
  vouch_status s = VOUCH_OK;
  if (slots == NULL || jobs == NULL || tids == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < kBatch; i++) vouch_buf_init(&slots[i], 0);
  for (uint64_t first = 0; first < n && s == VOUCH_OK; first += kBatch) {
    uint64_t count = n - first < kBatch ? n - first : kBatch;
    unsigned used = count < threads ? (unsigned)count : threads;
    unsigned started = 0;
    for (unsigned t = 0; t < used; t++) {
      jobs[t] = (sign_job){.o = o, .slots = slots, .first = first, .n = count, .t = t,
                           .num_threads = used};
      if (used == 1) {
        sign_worker(&jobs[t]);
      } else if (pthread_create(&tids[t], NULL, sign_worker, &jobs[t]) == 0) {
        started++;
      } else {
        jobs[t].status = vouch_fail(&jobs[t].err, VOUCH_E_INTERNAL, "cannot start a thread");
        break;
      }
    }
    for (unsigned t = 0; t < started; t++) pthread_join(tids[t], NULL);
    for (unsigned t = 0; t < used; t++) {
      if (jobs[t].status != VOUCH_OK && s == VOUCH_OK) {
        s = vouch_fail(err, jobs[t].status, "signing a token: %s", jobs[t].err.msg);
      }
    }
    for (uint64_t i = 0; i < count && s == VOUCH_OK; i++) {
      if (!sink(ctx, first + i, slots[i].data, slots[i].len)) {
        s = VOUCH_E_IO;
        break;
      }
    }
  }
done:
  if (slots != NULL) {
    for (size_t i = 0; i < kBatch; i++) vouch_buf_free(&slots[i]);
  }
  free(slots);
  free(jobs);
  free(tids);
  return s;
}
