/* server/admin.c - policy and policy-signer management (spec/maa-api.md §5
 * and §6, spec/policy.md §8): GET/PUT /policies/{type}, POST
 * /policies/{type}:reset, GET /certificates, POST /certificates:add|remove.
 *
 * Who may write:
 *  - with an admin token, every write needs "Authorization: Bearer TOKEN";
 *  - with policy signer certificates (isolated mode), a policy or a reset
 *    must be a JWS signed by one of them (or by a certificate whose x5c
 *    chain leads to one), and so must every certificate change;
 *  - with both, both; with neither, writes are refused (403): a server
 *    started without saying who administers it must not take policies from
 *    anyone who can reach it.
 *
 * State (under the state directory, written atomically: temporary file,
 * fsync, rename, fsync of the folder, so a crash at any point leaves the
 * old or the new file, never a torn one):
 *   policies/<Type>.jws                the policy JWS exactly as uploaded
 *   policy-signers/<SHA1>.pem          signer certificates added over the API
 * Policies in force are reference counted: replacing one does not disturb
 * the items the engine is evaluating under the old one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "server/internal.h"
#include "token/token.h"

#define MAX_SIGNERS 64

/* ---- files ----------------------------------------------------------------------- */

static void state_path(const server *s, const char *sub, const char *name, char *out, size_t cap) {
  if (name)
    snprintf(out, cap, "%s/%s/%s", s->cfg.state_dir, sub, name);
  else
    snprintf(out, cap, "%s/%s", s->cfg.state_dir, sub);
}

static vouch_status fsync_dir(const char *dir, vouch_err *err) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return vouch_fail(err, VOUCH_E_IO, "cannot open %s: %s", dir, strerror(errno));
  int r = fsync(fd);
  int e = errno;
  close(fd);
  if (r != 0) return vouch_fail(err, VOUCH_E_IO, "cannot sync %s: %s", dir, strerror(e));
  return VOUCH_OK;
}

/* write_atomic replaces <state>/<sub>/<name> with |data|. */
static vouch_status write_atomic(const server *s, const char *sub, const char *name,
                                 const void *data, size_t len, vouch_err *err) {
  char dir[4096], tmp[4400], dst[4400];
  state_path(s, sub, NULL, dir, sizeof dir);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", dir, strerror(errno));
  snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, name, (long)getpid());
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", tmp, strerror(errno));
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp);
      return vouch_fail(err, VOUCH_E_IO, "cannot write %s: %s", tmp, strerror(e));
    }
    p += w;
    left -= (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    int e = errno;
    unlink(tmp);
    return vouch_fail(err, VOUCH_E_IO, "cannot sync %s: %s", tmp, strerror(e));
  }
  if (rename(tmp, dst) != 0) {
    int e = errno;
    unlink(tmp);
    return vouch_fail(err, VOUCH_E_IO, "cannot rename %s: %s", tmp, strerror(e));
  }
  return fsync_dir(dir, err);
}

static vouch_status remove_durable(const server *s, const char *sub, const char *name,
                                   vouch_err *err) {
  char dir[4096], path[4400];
  state_path(s, sub, NULL, dir, sizeof dir);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (unlink(path) != 0) {
    if (errno == ENOENT) return VOUCH_OK;
    return vouch_fail(err, VOUCH_E_IO, "cannot remove %s: %s", path, strerror(errno));
  }
  return fsync_dir(dir, err);
}

/* ---- signers ---------------------------------------------------------------------- */

static void thumbprint(const struct vouch_cert *c, char out[41]) {
  size_t dlen = 0, hlen = 0;
  const uint8_t *der = vouch_cert_der(c, &dlen);
  uint8_t h[VOUCH_MAX_DIGEST_LEN];
  if (vouch_digest(VOUCH_HASH_SHA1, der, dlen, h, &hlen) != VOUCH_OK) hlen = 0;
  vouch_hex_encode_upper(h, hlen, out);
}

static int find_signer(const server *s, const struct vouch_cert *c) {
  for (size_t i = 0; i < s->num_signers; i++)
    if (vouch_cert_equal(s->signers[i], c)) return (int)i;
  return -1;
}

/* write_signer_jwk writes a certificate's key as a JWK with its x5c. */
static void write_signer_jwk(vouch_json *j, const struct vouch_cert *c) {
  struct vouch_pubkey *k = NULL;
  vouch_json_begin_object(j);
  if (vouch_cert_pubkey(c, &k) == VOUCH_OK) {
    if (vouch_pubkey_write_jwk(k, j) != VOUCH_OK) {
      /* A key type JWKs cannot carry: the x5c alone identifies it. */
    }
    vouch_pubkey_free(k);
  }
  size_t dlen = 0;
  const uint8_t *der = vouch_cert_der(c, &dlen);
  vouch_buf b64;
  vouch_buf_init(&b64, 0);
  vouch_base64_encode(&b64, der, dlen);
  vouch_json_key(j, "x5c");
  vouch_json_begin_array(j);
  vouch_json_string_len(j, vouch_buf_cstr(&b64), b64.len);
  vouch_json_end_array(j);
  vouch_buf_free(&b64);
  vouch_json_end_object(j);
}

/* signed_by_signer parses |text| as a JWS and checks it is signed by a
 * policy signer: its x5c leaf is one, or its bare jwk is the key of one, or
 * its x5c chain leads to one (a CA) at the current time.  On success |j|
 * holds the parsed JWS (payload included) and *signer (optional) the
 * signing certificate (borrowed from |j|, or a registered one).
 * (vouch_jws_check_signer: the rule vouch_policy_from_jws applies too.) */
static vouch_status signed_by_signer(server *s, const char *text, size_t len, vouch_jws *j,
                                     const struct vouch_cert **signer, vouch_err *err) {
  VOUCH_GUARD(vouch_jws_parse(text, len, j, err));
  vouch_status st =
      vouch_jws_check_signer(j, s->signers, s->num_signers, (int64_t)time(NULL), signer, err);
  if (st != VOUCH_OK) vouch_jws_free(j);
  return st;
}

static void free_stored_signers(server *s) {
  for (size_t i = s->num_cli_signers; i < s->num_signers; i++) vouch_cert_free(s->signers[i]);
  s->num_signers = s->num_cli_signers;
}

/* load_signers reads the PEM files of policy-signers/ after the command line's ones. */
static vouch_status load_signers(server *s, vouch_err *err) {
  char dir[4096];
  state_path(s, "policy-signers", NULL, dir, sizeof dir);
  free_stored_signers(s);
  DIR *d = opendir(dir);
  if (d == NULL)
    return errno == ENOENT
               ? VOUCH_OK
               : vouch_fail(err, VOUCH_E_IO, "cannot read %s: %s", dir, strerror(errno));
  vouch_status st = VOUCH_OK;
  struct dirent *de;
  while (st == VOUCH_OK && (de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (de->d_name[0] == '.' || n < 5 || strcmp(de->d_name + n - 4, ".pem") != 0) continue;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    uint8_t *pem = NULL;
    size_t len = 0;
    struct vouch_cert *c = NULL;
    size_t got = 0;
    st = vouch_read_file(path, 1 << 20, &pem, &len, err);
    if (st == VOUCH_OK) st = vouch_cert_chain_from_pem((const char *)pem, len, &c, 1, &got, err);
    free(pem);
    if (st != VOUCH_OK) {
      vouch_err_prefix(err, "%s: ", path);
      break;
    }
    if (find_signer(s, c) >= 0) {
      vouch_cert_free(c);
    } else if (s->num_signers == MAX_SIGNERS) {
      vouch_cert_free(c);
      st = vouch_fail(err, VOUCH_E_LIMIT, "more than %d policy signer certificates", MAX_SIGNERS);
    } else {
      s->signers[s->num_signers++] = c;
    }
  }
  closedir(d);
  return st;
}

/* ---- policies ------------------------------------------------------------------------ */

static void slot_clear(policy_slot *p) {
  free(p->jws);
  vouch_policy_free(p->policy);
  vouch_cert_free(p->signer);
  *p = (policy_slot){0};
}

static vouch_status default_slot(att_type t, policy_slot *out, vouch_err *err) {
  *out = (policy_slot){0};
  const char *text = vouch_policy_default_text(kTypeNames[t]);
  if (text == NULL)
    return vouch_fail(err, VOUCH_E_INTERNAL, "no default policy for %s", kTypeNames[t]);
  return vouch_policy_compile(text, strlen(text), &out->policy, NULL, err);
}

static size_t trimmed(const char *s, size_t len) {
  while (len > 0 &&
         (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
    len--;
  return len;
}

/* policy_from_upload turns an uploaded body (or a stored file) into a
 * compiled slot.  A JWS must pass vouch_policy_from_jws (signed by a
 * signer in isolated mode); plain policy text is accepted outside isolated
 * mode (spec/maa-api.md §5: "optional leniency") and stored as the unsigned
 * JWS of it.  |syntax| tells a PolicyParsingError from an InvalidOperation. */
static vouch_status policy_from_upload(server *s, const char *body, size_t len, policy_slot *out,
                                       bool *syntax, vouch_err *err) {
  *out = (policy_slot){0};
  *syntax = false;
  len = trimmed(body, len);
  bool isolated = s->num_signers > 0;
  char *text = NULL;
  size_t text_len = 0;
  vouch_buf jws;
  vouch_buf_init(&jws, VOUCH_JWS_MAX_LEN);
  vouch_status st;
  if (len == 0) {
    st = vouch_fail(err, VOUCH_E_MALFORMED, "the body must be a policy JWS");
    goto fail;
  }
  /* Some clients send the JWS JSON-quoted (it is a JSON string in the
   * REST spec's model); a JWS has nothing JSON would escape. */
  if (len >= 2 && body[0] == '"' && body[len - 1] == '"' &&
      vouch_policy_looks_like_jws(body + 1, len - 2)) {
    body++;
    len -= 2;
  }
  if (vouch_policy_looks_like_jws(body, len)) {
    vouch_policy_jws pj;
    st = vouch_policy_from_jws(body, len, s->signers, s->num_signers, !isolated,
                               (int64_t)time(NULL), &pj, err);
    if (st != VOUCH_OK) {
      if (isolated && st == VOUCH_E_SIGNATURE && strstr(err->msg, "unsigned"))
        vouch_err_prefix(err, "isolated mode: ");
      goto fail;
    }
    text = pj.text;
    text_len = pj.len;
    out->signer = pj.signer;
    pj.text = NULL;
    pj.signer = NULL;
    vouch_policy_jws_cleanup(&pj);
    vouch_buf_append(&jws, body, len);
  } else {
    if (isolated) {
      st = vouch_fail(err, VOUCH_E_SIGNATURE,
                      "isolated mode: a policy must be a JWS signed by a policy signer "
                      "certificate");
      goto fail;
    }
    text = malloc(len + 1);
    if (text == NULL) {
      st = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
      goto fail;
    }
    memcpy(text, body, len);
    text[len] = '\0';
    text_len = len;
    st = vouch_policy_to_jws(text, text_len, NULL, NULL, 0, &jws, err);
    if (st != VOUCH_OK) goto fail;
  }
  st = vouch_policy_compile(text, text_len, &out->policy, NULL, err);
  if (st != VOUCH_OK) {
    *syntax = true;
    goto fail;
  }
  if (vouch_buf_status(&jws) != VOUCH_OK) {
    st = vouch_fail(err, VOUCH_E_LIMIT, "the policy JWS is too large");
    goto fail;
  }
  out->jws = jws.data;
  out->jws_len = jws.len;
  free(text);
  return VOUCH_OK;
fail:
  free(text);
  vouch_buf_free(&jws);
  slot_clear(out);
  return st;
}

static vouch_status load_policies(server *s, policy_slot fresh[T_COUNT], vouch_err *err) {
  for (int t = 0; t < T_COUNT; t++) {
    char name[64], path[4400];
    snprintf(name, sizeof name, "%s.jws", kTypeNames[t]);
    state_path(s, "policies", name, path, sizeof path);
    uint8_t *data = NULL;
    size_t len = 0;
    vouch_err rerr = {0};
    vouch_status st;
    if (access(path, F_OK) != 0) {
      st = default_slot((att_type)t, &fresh[t], err);
    } else {
      st = vouch_read_file(path, VOUCH_JWS_MAX_LEN, &data, &len, &rerr);
      bool syntax;
      if (st == VOUCH_OK)
        st = policy_from_upload(s, (const char *)data, len, &fresh[t], &syntax, &rerr);
      free(data);
      if (st != VOUCH_OK) vouch_fail(err, st, "%s: %s", path, rerr.msg);
    }
    if (st != VOUCH_OK) {
      for (int k = 0; k <= t; k++) slot_clear(&fresh[k]);
      return st;
    }
  }
  return VOUCH_OK;
}

/* ---- several instances, one state directory ----------------------------------------
 *
 * Instances behind one front share the state directory, and a policy or
 * signer written through one must rule on all of them.  Every write is a
 * rename into place, so a new file is a new inode and its directory's
 * times change: a fingerprint of those stat fields tells, for the price of
 * a few stat calls a second, that another instance wrote something. */

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xbf58476d1ce4e5b9ULL;
}

static uint64_t mix_stat(uint64_t h, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return mix(h, (uint64_t)errno);
  h = mix(h, (uint64_t)st.st_ino);
  h = mix(h, (uint64_t)st.st_size);
  h = mix(h, (uint64_t)st.st_mtim.tv_sec);
  h = mix(h, (uint64_t)st.st_mtim.tv_nsec);
  h = mix(h, (uint64_t)st.st_ctim.tv_sec);
  return mix(h, (uint64_t)st.st_ctim.tv_nsec);
}

uint64_t admin_state_stamp(const server *s) {
  if (s->cfg.state_dir == NULL) return 0;
  char path[4400];
  uint64_t h = 1;
  for (int t = 0; t < T_COUNT; t++) {
    char name[64];
    snprintf(name, sizeof name, "%s.jws", kTypeNames[t]);
    state_path(s, "policies", name, path, sizeof path);
    h = mix_stat(h, path);
  }
  state_path(s, "policy-signers", NULL, path, sizeof path);
  return mix_stat(h, path);
}

vouch_status admin_load(server *s, bool reload, vouch_err *err) {
  if (s->signers == NULL) {
    s->signers = calloc(MAX_SIGNERS, sizeof(*s->signers));
    if (s->signers == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    for (size_t i = 0; i < s->cfg.num_policy_signers && i < MAX_SIGNERS; i++) {
      if (find_signer(s, s->cfg.policy_signers[i]) >= 0) continue;
      vouch_cert_up_ref(s->cfg.policy_signers[i]);
      s->signers[s->num_signers++] = s->cfg.policy_signers[i];
    }
    s->num_cli_signers = s->num_signers;
  }
  if (s->cfg.state_dir == NULL) return VOUCH_OK; /* offline: defaults only */
  vouch_err lerr = {0};
  vouch_status st = load_signers(s, &lerr);
  policy_slot fresh[T_COUNT] = {0};
  if (st == VOUCH_OK) st = load_policies(s, fresh, &lerr);
  if (st != VOUCH_OK) {
    if (!reload) return vouch_fail(err, st, "%s", lerr.msg);
    vouch_log(VOUCH_LOG_ERROR, "vouch serve: reload: %s (the policies in force are kept)",
              lerr.msg);
    return VOUCH_OK;
  }
  for (int t = 0; t < T_COUNT; t++) {
    slot_clear(&s->policies[t]);
    s->policies[t] = fresh[t];
  }
  return VOUCH_OK;
}

void admin_refresh(server *s) {
  uint64_t stamp = admin_state_stamp(s);
  if (stamp == s->state_stamp) return;
  s->state_stamp = stamp;
  vouch_log(VOUCH_LOG_INFO, "vouch serve: the state directory changed: reloading policies");
  vouch_err err = {0};
  if (admin_load(s, true, &err) != VOUCH_OK) {
    /* With |reload| it logs and keeps the state in force; nothing to add. */
  }
}

void admin_free(server *s) {
  for (int t = 0; t < T_COUNT; t++) slot_clear(&s->policies[t]);
  for (size_t i = 0; i < s->num_signers; i++) vouch_cert_free(s->signers[i]);
  free(s->signers);
  s->signers = NULL;
  s->num_signers = s->num_cli_signers = 0;
}

struct vouch_policy *admin_policy(server *s, att_type t) {
  if (s->policies[t].policy == NULL) {
    vouch_err err = {0};
    if (default_slot(t, &s->policies[t], &err) != VOUCH_OK) return NULL;
  }
  return s->policies[t].policy;
}

/* ---- responses ------------------------------------------------------------------------ */

void admin_sign_response(server *s, req *r, const char *claims, size_t len) {
  struct vouch_keystore *ks = server_keys(s);
  if (ks == NULL) {
    req_error(r, 503, "ServiceUnavailable", "no signing keys are loaded");
    return;
  }
  uint8_t rnd[32];
  char jti[65];
  if (vouch_random_bytes(rnd, sizeof rnd) != VOUCH_OK) {
    req_error(r, 500, "InternalError", "no random bytes");
    return;
  }
  vouch_hex_encode(rnd, sizeof rnd, jti);
  int64_t now = (int64_t)time(NULL);
  vouch_buf payload, tok, body;
  vouch_buf_init(&payload, 0);
  vouch_buf_init(&tok, 0);
  vouch_buf_init(&body, 0);
  const char *iss = vouch_keystore_issuer(ks);
  vouch_buf_printf(&payload, "{\"exp\":%lld,\"iat\":%lld,",
                   (long long)(now + vouch_keystore_lifetime(ks)), (long long)now);
  if (iss[0]) {
    vouch_buf_puts(&payload, "\"iss\":");
    vouch_buf_json_string(&payload, iss, strlen(iss));
    vouch_buf_putc(&payload, ',');
  }
  vouch_buf_printf(&payload, "\"jti\":\"%s\",\"nbf\":%lld", jti, (long long)now);
  if (len > 0) {
    vouch_buf_putc(&payload, ',');
    vouch_buf_append(&payload, claims, len);
  }
  vouch_buf_putc(&payload, '}');
  vouch_err err = {0};
  if (vouch_buf_status(&payload) != VOUCH_OK ||
      vouch_token_sign(ks, (vouch_jws_alg)server_token_alg(s), (const uint8_t *)payload.data,
                       payload.len, &tok, &err) != VOUCH_OK) {
    req_error(r, 500, "InternalError", "cannot sign the response: %s", err.msg);
  } else {
    vouch_buf_puts(&body, "{\"token\":");
    vouch_buf_json_string(&body, tok.data, tok.len);
    vouch_buf_putc(&body, '}');
    req_respond(r, 200, "application/json; charset=utf-8", vouch_buf_cstr(&body), body.len, NULL);
  }
  vouch_buf_free(&payload);
  vouch_buf_free(&tok);
  vouch_buf_free(&body);
}

/* write_allowed answers 401/403 and returns false when |r| may not write. */
static bool write_allowed(server *s, req *r) {
  const char *tok = s->cfg.admin_token;
  if (tok != NULL) {
    bool ok = false;
    if (r->has_auth && !r->auth_bad && r->auth_len > 7 && strncasecmp(r->auth, "Bearer ", 7) == 0) {
      const char *given = r->auth + 7;
      size_t glen = r->auth_len - 7, tlen = strlen(tok);
      while (glen > 0 && *given == ' ') {
        given++;
        glen--;
      }
      /* Compare in time independent of where they differ. */
      unsigned char diff = glen != tlen;
      for (size_t i = 0; i < tlen; i++) diff |= (unsigned char)(tok[i] ^ given[i < glen ? i : 0]);
      ok = diff == 0;
    }
    if (!ok) {
      req_error(r, 401, "Unauthorized",
                "policy and certificate writes need \"Authorization: Bearer <admin token>\"");
      return false;
    }
    return true;
  }
  if (s->num_signers == 0) {
    req_error(r, 403, "Forbidden",
              "policy and certificate writes are disabled: the server was started with neither "
              "--admin-token nor --policy-signer");
    return false;
  }
  return true;
}

void admin_policy_get(server *s, req *r, att_type t) {
  policy_slot *p = &s->policies[t];
  if (admin_policy(s, t) == NULL) {
    req_error(r, 500, "InternalError", "no policy for %s", kTypeNames[t]);
    return;
  }
  vouch_buf jws, claims;
  vouch_buf_init(&jws, 0);
  vouch_buf_init(&claims, 0);
  vouch_err err = {0};
  if (p->jws != NULL) {
    vouch_buf_append(&jws, p->jws, p->jws_len);
  } else {
    size_t len = 0;
    const char *text = vouch_policy_text(p->policy, &len);
    if (vouch_policy_to_jws(text, len, NULL, NULL, 0, &jws, &err) != VOUCH_OK) {
      req_error(r, 500, "InternalError", "%s", err.msg);
      goto done;
    }
  }
  vouch_json j;
  vouch_json_init(&j, &claims);
  /* Members of the payload object opened by admin_sign_response. */
  vouch_buf_puts(&claims, "\"x-ms-policy\":");
  vouch_buf_json_string(&claims, jws.data, jws.len);
  if (p->signer) {
    vouch_buf_puts(&claims, ",\"x-ms-policy-signer\":");
    write_signer_jwk(&j, p->signer);
  }
  admin_sign_response(s, r, claims.data, claims.len);
done:
  vouch_buf_free(&jws);
  vouch_buf_free(&claims);
}

void admin_policy_put(server *s, req *r, att_type t) {
  if (!write_allowed(s, r)) return;
  policy_slot fresh;
  bool syntax = false;
  vouch_err err = {0};
  if (policy_from_upload(s, r->body.data ? r->body.data : "", r->body.len, &fresh, &syntax, &err) !=
      VOUCH_OK) {
    if (syntax)
      req_error(r, 400, "PolicyParsingError", "%s", err.msg);
    else
      req_error(r, 400, "InvalidOperation", "%s", err.msg);
    return;
  }
  char name[64];
  snprintf(name, sizeof name, "%s.jws", kTypeNames[t]);
  if (write_atomic(s, "policies", name, fresh.jws, fresh.jws_len, &err) != VOUCH_OK) {
    vouch_log(VOUCH_LOG_ERROR, "vouch serve: %s", err.msg);
    req_error(r, 500, "InternalError", "the policy could not be stored");
    slot_clear(&fresh);
    return;
  }
  slot_clear(&s->policies[t]);
  s->policies[t] = fresh;
  policy_slot *p = &s->policies[t];
  /* x-ms-policy-token-hash: over the JWS exactly as received (the SDKs
   * compute it over what they sent). */
  uint8_t h[VOUCH_SHA256_LEN];
  vouch_sha256(r->body.data ? r->body.data : "", r->body.len, h);
  vouch_buf claims;
  vouch_buf_init(&claims, 0);
  vouch_json j;
  vouch_json_init(&j, &claims);
  vouch_buf_puts(&claims, "\"x-ms-policy-result\":\"Updated\",\"x-ms-policy-token-hash\":\"");
  vouch_base64url_encode(&claims, h, sizeof h);
  vouch_buf_puts(&claims, "\"");
  if (p->signer) {
    vouch_buf_puts(&claims, ",\"x-ms-policy-signer\":");
    write_signer_jwk(&j, p->signer);
  }
  vouch_buf_puts(&claims, ",\"x-ms-policy\":");
  vouch_buf_json_string(&claims, p->jws, p->jws_len);
  admin_sign_response(s, r, claims.data, claims.len);
  vouch_buf_free(&claims);
}

void admin_policy_reset(server *s, req *r, att_type t) {
  if (!write_allowed(s, r)) return;
  vouch_err err = {0};
  const struct vouch_cert *signer = NULL;
  vouch_jws j;
  bool have_jws = false;
  if (s->num_signers > 0) {
    /* Isolated mode: the reset itself must be signed (its payload is empty). */
    size_t len = trimmed(r->body.data ? r->body.data : "", r->body.len);
    if (signed_by_signer(s, r->body.data ? r->body.data : "", len, &j, &signer, &err) != VOUCH_OK) {
      req_error(r, 400, "InvalidOperation", "isolated mode: %s", err.msg);
      return;
    }
    have_jws = true;
  }
  policy_slot fresh;
  char name[64];
  snprintf(name, sizeof name, "%s.jws", kTypeNames[t]);
  vouch_buf claims;
  vouch_buf_init(&claims, 0);
  if (default_slot(t, &fresh, &err) != VOUCH_OK) {
    req_error(r, 500, "InternalError", "%s", err.msg);
  } else if (remove_durable(s, "policies", name, &err) != VOUCH_OK) {
    vouch_log(VOUCH_LOG_ERROR, "vouch serve: %s", err.msg);
    req_error(r, 500, "InternalError", "the stored policy could not be removed");
    slot_clear(&fresh);
  } else {
    slot_clear(&s->policies[t]);
    s->policies[t] = fresh;
    vouch_json jw;
    vouch_json_init(&jw, &claims);
    vouch_buf_puts(&claims, "\"x-ms-policy-result\":\"Removed\"");
    if (signer) {
      vouch_buf_puts(&claims, ",\"x-ms-policy-signer\":");
      write_signer_jwk(&jw, signer);
    }
    admin_sign_response(s, r, claims.data, claims.len);
  }
  vouch_buf_free(&claims);
  if (have_jws) vouch_jws_free(&j);
}

void admin_certificates_get(server *s, req *r) {
  vouch_buf claims;
  vouch_buf_init(&claims, 0);
  vouch_json j;
  vouch_json_init(&j, &claims);
  vouch_buf_puts(&claims, "\"x-ms-policy-certificates\":{\"keys\":[");
  for (size_t i = 0; i < s->num_signers; i++) {
    if (i) vouch_buf_putc(&claims, ',');
    vouch_json_init(&j, &claims);
    write_signer_jwk(&j, s->signers[i]);
  }
  vouch_buf_puts(&claims, "]}");
  admin_sign_response(s, r, claims.data, claims.len);
  vouch_buf_free(&claims);
}

/* certificate_of reads the certificate named by a certificate-change JWS's
 * payload: {"policyCertificate": JWK with x5c} (or the claim's other
 * spellings, spec/maa-api.md §6). */
static vouch_status certificate_of(const vouch_jws *j, struct vouch_cert **out, vouch_err *err) {
  json_error_t je;
  json_t *root = json_loadb((const char *)j->payload, j->payload_len, JSON_REJECT_DUPLICATES, &je);
  vouch_status st = VOUCH_OK;
  if (!json_is_object(root)) {
    st = vouch_fail(err, VOUCH_E_MALFORMED, "the JWS payload is not a JSON object");
    goto done;
  }
  static const char *const kClaims[] = {"policyCertificate", "maa-policyCertificate",
                                        "x-ms-policyCertificate", "aas-policyCertificate"};
  json_t *jwk = NULL;
  for (size_t i = 0; i < 4 && jwk == NULL; i++) jwk = json_object_get(root, kClaims[i]);
  json_t *x5c = json_is_object(jwk) ? json_object_get(jwk, "x5c") : NULL;
  json_t *leaf = json_is_array(x5c) ? json_array_get(x5c, 0) : NULL;
  if (!json_is_string(leaf)) {
    st = vouch_fail(err, VOUCH_E_MALFORMED,
                    "the JWS payload has no policyCertificate JWK with an x5c certificate");
    goto done;
  }
  size_t n = json_string_length(leaf), cap = vouch_base64_decoded_max(n), len = 0;
  uint8_t *der = malloc(cap + 1);
  if (der == NULL) {
    st = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  st = vouch_base64_decode(json_string_value(leaf), n, der, cap, &len);
  if (st == VOUCH_OK) st = vouch_cert_from_der(der, len, out);
  free(der);
  if (st != VOUCH_OK) st = vouch_fail(err, st, "policyCertificate x5c[0] is not a DER certificate");
done:
  json_decref(root);
  return st;
}

void admin_certificates_modify(server *s, req *r, bool add) {
  if (!write_allowed(s, r)) return;
  /* The body: the JWS as a JSON string (SDK 1.0.0), or
   * {"policyCertificateToAdd"|"policyCertificateToRemove": JWS} (2025-06-01). */
  json_error_t je;
  json_t *root = r->body.len ? json_loadb(r->body.data, r->body.len,
                                          JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je)
                             : NULL;
  json_t *v = root;
  if (json_is_object(root)) {
    v = json_object_get(root, add ? "policyCertificateToAdd" : "policyCertificateToRemove");
    if (v == NULL) v = json_object_get(root, "policyCertificate");
  }
  vouch_err err = {0};
  vouch_jws j;
  struct vouch_cert *c = NULL;
  vouch_buf claims, pem;
  vouch_buf_init(&claims, 0);
  vouch_buf_init(&pem, 0);
  if (!json_is_string(v)) {
    req_error(r, 400, "InvalidOperation",
              "the body must be a JWS as a JSON string, or {\"%s\": JWS}",
              add ? "policyCertificateToAdd" : "policyCertificateToRemove");
    goto done;
  }
  if (s->num_signers == 0) {
    req_error(r, 400, "InvalidOperation",
              "no policy signer certificates are configured (isolated mode is off): start the "
              "server with --policy-signer");
    goto done;
  }
  if (signed_by_signer(s, json_string_value(v), json_string_length(v), &j, NULL, &err) !=
      VOUCH_OK) {
    req_error(r, 400, "InvalidOperation", "%s", err.msg);
    goto done;
  }
  vouch_status st = certificate_of(&j, &c, &err);
  vouch_jws_free(&j);
  if (st != VOUCH_OK) {
    req_error(r, 400, "InvalidOperation", "%s", err.msg);
    goto done;
  }
  char thumb[41], name[64];
  thumbprint(c, thumb);
  snprintf(name, sizeof name, "%s.pem", thumb);
  int at = find_signer(s, c);
  if (add && at < 0) {
    if (s->num_signers == MAX_SIGNERS) {
      req_error(r, 400, "InvalidOperation", "at most %d policy signer certificates", MAX_SIGNERS);
      goto done;
    }
    size_t dlen = 0;
    const uint8_t *der = vouch_cert_der(c, &dlen);
    vouch_cert_pem_encode(&pem, der, dlen);
    if (vouch_buf_status(&pem) != VOUCH_OK ||
        write_atomic(s, "policy-signers", name, pem.data, pem.len, &err) != VOUCH_OK) {
      vouch_log(VOUCH_LOG_ERROR, "vouch serve: %s", err.msg);
      req_error(r, 500, "InternalError", "the certificate could not be stored");
      goto done;
    }
    s->signers[s->num_signers++] = c;
    c = NULL;
  } else if (!add && at >= 0) {
    if (s->num_signers == 1) {
      req_error(r, 400, "InvalidOperation", "the last policy signer certificate cannot be removed");
      goto done;
    }
    if ((size_t)at < s->num_cli_signers) {
      req_error(r, 400, "InvalidOperation",
                "this certificate is configured with --policy-signer; remove it there");
      goto done;
    }
    if (remove_durable(s, "policy-signers", name, &err) != VOUCH_OK) {
      vouch_log(VOUCH_LOG_ERROR, "vouch serve: %s", err.msg);
      req_error(r, 500, "InternalError", "the certificate could not be removed");
      goto done;
    }
    vouch_cert_free(s->signers[at]);
    memmove(s->signers + at, s->signers + at + 1,
            (s->num_signers - (size_t)at - 1) * sizeof(*s->signers));
    s->num_signers--;
  }
  vouch_buf_printf(
      &claims, "\"x-ms-certificate-thumbprint\":\"%s\",\"x-ms-policycertificates-result\":\"%s\"",
      thumb, add ? "IsPresent" : "IsAbsent");
  admin_sign_response(s, r, claims.data, claims.len);
done:
  vouch_cert_free(c);
  json_decref(root);
  vouch_buf_free(&claims);
  vouch_buf_free(&pem);
}
