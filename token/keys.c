/* token/keys.c - the signing-key store (a state directory), first-use key
 * generation, rotation, external keys, and token issuance.
 *
 * Layout and the concurrency rules are in token.h.  In short: files are
 * written to a temporary name and renamed; every change of the store is
 * made under an flock() of keys/lock after re-reading the index, so two
 * processes that both generate "the" RS256 key on first use end up with
 * one; in-process, a read-write lock guards the key list, and key objects
 * are only freed at close, so a signer handed out stays valid. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "token/internal.h"

#define INDEX_NAME "index.json"
#define INDEX_MAX (1u << 20)
#define KEY_FILE_MAX (64u * 1024)
#define MAX_ISSUER_LEN 2048

/* ---- small helpers ------------------------------------------------------------ */

int64_t vouch_ks_now(const struct vouch_keystore *ks) {
  return ks->fixed_now ? ks->fixed_now : (int64_t)time(NULL);
}

bool vouch_ks_published(const struct vouch_keystore *ks, const vouch_ks_key *k, int64_t now) {
  if (k->dropped) return false;
  return !k->retired || now < k->retired_at + ks->lifetime;
}

vouch_status vouch_default_state_dir(char *out, size_t cap, vouch_err *err) {
  if (out == NULL || cap == 0) return vouch_fail(err, VOUCH_E_ARG, "state dir: invalid argument");
  const char *v = getenv("VOUCH_STATE_DIR");
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  int n;
  if (v != NULL && v[0] != '\0') {
    n = snprintf(out, cap, "%s", v);
  } else if (xdg != NULL && xdg[0] == '/') {
    /* The XDG spec says to ignore a relative XDG_DATA_HOME. */
    n = snprintf(out, cap, "%s/vouch", xdg);
  } else if (home != NULL && home[0] != '\0') {
    n = snprintf(out, cap, "%s/.local/share/vouch", home);
  } else {
    return vouch_fail(err, VOUCH_E_ARG,
                      "no state directory: set --state-dir, VOUCH_STATE_DIR or HOME");
  }
  if (n < 0 || (size_t)n >= cap) {
    return vouch_fail(err, VOUCH_E_LIMIT, "state directory path is too long");
  }
  return VOUCH_OK;
}

/* path_join writes |dir|/|name| into |out| (PATH_MAX bytes). */
static vouch_status path_join(const char *dir, const char *name, char out[PATH_MAX],
                              vouch_err *err) {
  int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
  if (n < 0 || n >= PATH_MAX)
    return vouch_fail(err, VOUCH_E_LIMIT, "path too long: %s/%s", dir, name);
  return VOUCH_OK;
}

/* mkdir_p creates |path| and its missing parents with |mode|. */
static vouch_status mkdir_p(const char *path, mode_t mode, vouch_err *err) {
  char tmp[PATH_MAX];
  int n = snprintf(tmp, sizeof(tmp), "%s", path);
  if (n <= 0 || n >= PATH_MAX) return vouch_fail(err, VOUCH_E_LIMIT, "path too long: %s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
      return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", tmp, strerror(errno));
    }
    *p = '/';
  }
  if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
    return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", tmp, strerror(errno));
  }
  return VOUCH_OK;
}

/* write_atomic writes |data| to |dir|/|name| with |mode|: temporary file,
 * fsync, rename, fsync of the directory. */
static vouch_status write_atomic(const char *dir, const char *name, const void *data, size_t len,
                                 mode_t mode, vouch_err *err) {
  char final[PATH_MAX], tmp[PATH_MAX];
  VOUCH_GUARD(path_join(dir, name, final, err));
  int n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, name, (long)getpid());
  if (n < 0 || n >= PATH_MAX) return vouch_fail(err, VOUCH_E_LIMIT, "path too long: %s", final);
  /* A leftover from a crashed process that had our pid: remove it. */
  unlink(tmp);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", tmp, strerror(errno));
  vouch_status s = VOUCH_OK;
  /* The umask may have narrowed the mode; the mode must be exactly this. */
  if (fchmod(fd, mode) != 0) s = vouch_fail(err, VOUCH_E_IO, "chmod %s: %s", tmp, strerror(errno));
  const char *p = data;
  size_t left = len;
  while (s == VOUCH_OK && left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      s = vouch_fail(err, VOUCH_E_IO, "cannot write %s: %s", tmp, strerror(errno));
      break;
    }
    p += w;
    left -= (size_t)w;
  }
  if (s == VOUCH_OK && fsync(fd) != 0) {
    s = vouch_fail(err, VOUCH_E_IO, "cannot sync %s: %s", tmp, strerror(errno));
  }
  if (close(fd) != 0 && s == VOUCH_OK) {
    s = vouch_fail(err, VOUCH_E_IO, "cannot close %s: %s", tmp, strerror(errno));
  }
  if (s == VOUCH_OK && rename(tmp, final) != 0) {
    s = vouch_fail(err, VOUCH_E_IO, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
  }
  if (s != VOUCH_OK) {
    unlink(tmp);
    return s;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return VOUCH_OK;
}

/* lock_store takes the store's file lock (|op| LOCK_EX or LOCK_SH); *fd is
 * -1 when there is no lock file to take (a read-only store without one). */
static vouch_status lock_store(const struct vouch_keystore *ks, int op, int *fd, vouch_err *err) {
  char path[PATH_MAX];
  VOUCH_GUARD(path_join(ks->keys_dir, "lock", path, err));
  *fd = ks->read_only ? open(path, O_RDONLY | O_CLOEXEC)
                      : open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (*fd < 0) {
    if (ks->read_only) return VOUCH_OK;
    return vouch_fail(err, VOUCH_E_IO, "cannot open %s: %s", path, strerror(errno));
  }
  while (flock(*fd, op) != 0) {
    if (errno == EINTR) continue;
    int e = errno;
    close(*fd);
    *fd = -1;
    return vouch_fail(err, VOUCH_E_IO, "cannot lock %s: %s", path, strerror(e));
  }
  return VOUCH_OK;
}

static void unlock_store(int fd) {
  if (fd >= 0) close(fd); /* closing releases the flock */
}

/* ---- keys ---------------------------------------------------------------------- */

static void key_free(vouch_ks_key *k) {
  if (k == NULL) return;
  vouch_signer_free(k->signer);
  for (size_t i = 0; i < k->chain_len; i++) vouch_cert_free(k->chain[i]);
  free(k->chain);
  free(k->header_b64);
  free(k);
}

/* make_header precomputes base64url({"alg","jku","kid","typ"}) of |k|. */
static vouch_status make_header(const struct vouch_keystore *ks, vouch_ks_key *k) {
  vouch_buf h, jku;
  vouch_buf_init(&h, 0);
  vouch_buf_init(&jku, 0);
  vouch_json j;
  vouch_json_init(&j, &h);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "alg");
  vouch_json_string(&j, vouch_jws_alg_name(k->alg));
  if (ks->issuer[0] != '\0') {
    vouch_buf_puts(&jku, ks->issuer);
    vouch_buf_puts(&jku, "/certs");
    vouch_json_key(&j, "jku");
    vouch_json_string_len(&j, vouch_buf_cstr(&jku), jku.len);
  }
  vouch_json_key(&j, "kid");
  vouch_json_string(&j, k->kid);
  vouch_json_key(&j, "typ");
  vouch_json_string(&j, "JWT");
  vouch_json_end_object(&j);
  vouch_buf b64;
  vouch_buf_init(&b64, 0);
  vouch_status s = vouch_buf_status(&h);
  if (s == VOUCH_OK) s = vouch_buf_status(&jku);
  if (s == VOUCH_OK) {
    vouch_base64url_encode(&b64, (const uint8_t *)h.data, h.len);
    s = vouch_buf_status(&b64);
  }
  if (s == VOUCH_OK) {
    k->header_b64 = b64.data; /* ownership moves to the key */
    k->header_b64_len = b64.len;
  } else {
    vouch_buf_free(&b64);
  }
  vouch_buf_free(&h);
  vouch_buf_free(&jku);
  return s;
}

/* kid_of writes the kid of |cert| and the file stem "<ALG>-<hex16>". */
static void kid_of(const struct vouch_cert *cert, vouch_jws_alg alg,
                   char kid[VOUCH_TOKEN_KID_LEN + 1], char stem[32]) {
  uint8_t h[VOUCH_SHA256_LEN];
  vouch_cert_sha256(cert, h);
  char small[VOUCH_TOKEN_KID_LEN + 8];
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_base64_encode(&b, h, sizeof(h));
  snprintf(small, sizeof(small), "%s", vouch_buf_cstr(&b));
  vouch_buf_free(&b);
  memcpy(kid, small, VOUCH_TOKEN_KID_LEN);
  kid[VOUCH_TOKEN_KID_LEN] = '\0';
  char hex[17];
  vouch_hex_encode(h, 8, hex);
  snprintf(stem, 32, "%s-%s", vouch_jws_alg_name(alg), hex);
}

/* key_new wraps |signer| and |chain| (both taken on success). */
static vouch_status key_new(const struct vouch_keystore *ks, vouch_jws_alg alg,
                            struct vouch_signer *signer, struct vouch_cert **chain,
                            size_t chain_len, int64_t created, bool external, vouch_ks_key **out) {
  vouch_ks_key *k = calloc(1, sizeof(*k));
  VOUCH_ENSURE(k != NULL, VOUCH_E_NOMEM);
  k->alg = alg;
  k->created = created;
  k->external = external;
  kid_of(chain[0], alg, k->kid, k->stem);
  if (external) k->stem[0] = '\0';
  vouch_status s = make_header(ks, k);
  if (s != VOUCH_OK) {
    free(k);
    return s;
  }
  k->signer = signer;
  k->chain = chain;
  k->chain_len = chain_len;
  *out = k;
  return VOUCH_OK;
}

static vouch_status push_key(struct vouch_keystore *ks, vouch_ks_key *k) {
  if (ks->num_keys == ks->cap_keys) {
    size_t cap = ks->cap_keys ? 2 * ks->cap_keys : 8;
    vouch_ks_key **nk = realloc(ks->keys, cap * sizeof(*nk));
    VOUCH_ENSURE(nk != NULL, VOUCH_E_NOMEM);
    ks->keys = nk;
    ks->cap_keys = cap;
  }
  ks->keys[ks->num_keys++] = k;
  return VOUCH_OK;
}

/* recompute_active picks each alg's active key: the last external key
 * added, else the newest stored key that is neither retired nor dropped. */
static void recompute_active(struct vouch_keystore *ks) {
  for (int a = 0; a < VOUCH_JWS_ALG_COUNT; a++) ks->active[a] = NULL;
  for (size_t i = 0; i < ks->num_keys; i++) {
    vouch_ks_key *k = ks->keys[i];
    vouch_ks_key **slot = &ks->active[k->alg];
    if (k->external) {
      *slot = k;
    } else if (!k->retired && !k->dropped &&
               (*slot == NULL || (!(*slot)->external && k->created >= (*slot)->created))) {
      *slot = k;
    }
  }
}

/* cert_cn makes the CN for a generated certificate: the public URL cut to
 * 64 bytes on a UTF-8 boundary, or "vouch". */
static void cert_cn(const struct vouch_keystore *ks, char out[65]) {
  if (ks->issuer[0] == '\0') {
    strcpy(out, "vouch");
    return;
  }
  size_t n = strlen(ks->issuer);
  if (n > 64) {
    n = 64;
    while (n > 0 && ((unsigned char)ks->issuer[n] & 0xc0) == 0x80) n--;
  }
  memcpy(out, ks->issuer, n);
  out[n] = '\0';
}

static bool cert_holds(const struct vouch_cert *c, const struct vouch_signer *s) {
  struct vouch_pubkey *pk = NULL;
  if (vouch_cert_pubkey(c, &pk) != VOUCH_OK) return false;
  bool eq = vouch_pubkey_equal(pk, vouch_signer_pubkey(s));
  vouch_pubkey_free(pk);
  return eq;
}

/* wipe_free clears a builder that held key material, then frees it. */
static void wipe_free(vouch_buf *b) {
  if (b->data != NULL) {
    volatile char *p = b->data;
    for (size_t i = 0; i < b->cap; i++) p[i] = 0;
  }
  vouch_buf_free(b);
}

/* self_signed makes the certificate of a key created at |now|. */
static vouch_status self_signed(const struct vouch_keystore *ks, const struct vouch_signer *s,
                                int64_t now, struct vouch_cert ***chain, vouch_err *err) {
  char cn[65];
  cert_cn(ks, cn);
  *chain = calloc(1, sizeof(**chain));
  if (*chain == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  vouch_status st = vouch_signer_self_signed_cert(s, cn, now - VOUCH_TOKEN_CERT_BACKDATE,
                                                  now + VOUCH_TOKEN_CERT_VALIDITY, &(*chain)[0]);
  if (st != VOUCH_OK) {
    free(*chain);
    *chain = NULL;
    return vouch_fail(err, st, "cannot make the self-signed certificate (%s)",
                      vouch_status_name(st));
  }
  return VOUCH_OK;
}

/* generate_key makes a key for |alg| and writes its two files. */
static vouch_status generate_key(struct vouch_keystore *ks, vouch_jws_alg alg, int64_t now,
                                 vouch_ks_key **out, vouch_err *err) {
  struct vouch_signer *s = NULL;
  vouch_status st = vouch_signer_generate(alg, &s);
  if (st != VOUCH_OK) {
    return vouch_fail(err, st, "cannot generate a %s key (%s)", vouch_jws_alg_name(alg),
                      vouch_status_name(st));
  }
  struct vouch_cert **chain = NULL;
  st = self_signed(ks, s, now, &chain, err);
  if (st != VOUCH_OK) {
    vouch_signer_free(s);
    return st;
  }
  vouch_ks_key *k = NULL;
  st = key_new(ks, alg, s, chain, 1, now, false, &k);
  if (st != VOUCH_OK) {
    vouch_cert_free(chain[0]);
    free(chain);
    vouch_signer_free(s);
    return vouch_fail(err, st, "cannot set up the new %s key", vouch_jws_alg_name(alg));
  }
  char name[64];
  vouch_buf pem;
  vouch_buf_init(&pem, 0);
  st = vouch_signer_to_pem(s, &pem);
  if (st != VOUCH_OK) {
    st = vouch_fail(err, st, "cannot encode the new %s key", vouch_jws_alg_name(alg));
  } else {
    snprintf(name, sizeof(name), "%s.key.pem", k->stem);
    st = write_atomic(ks->keys_dir, name, pem.data, pem.len, 0600, err);
  }
  wipe_free(&pem);
  if (st == VOUCH_OK) {
    vouch_buf_init(&pem, 0);
    size_t der_len = 0;
    const uint8_t *der = vouch_cert_der(chain[0], &der_len);
    vouch_cert_pem_encode(&pem, der, der_len);
    st = vouch_buf_status(&pem);
    snprintf(name, sizeof(name), "%s.cert.pem", k->stem);
    if (st == VOUCH_OK) st = write_atomic(ks->keys_dir, name, pem.data, pem.len, 0644, err);
    vouch_buf_free(&pem);
    if (st != VOUCH_OK) {
      char path[PATH_MAX];
      snprintf(name, sizeof(name), "%s.key.pem", k->stem);
      if (path_join(ks->keys_dir, name, path, NULL) == VOUCH_OK) unlink(path);
    }
  }
  if (st != VOUCH_OK) {
    key_free(k);
    return st;
  }
  vouch_log(VOUCH_LOG_INFO, "token: new %s signing key, kid %s", vouch_jws_alg_name(alg), k->kid);
  *out = k;
  return VOUCH_OK;
}

/* unlink_key_files removes a stored key's two files. */
static void unlink_key_files(const struct vouch_keystore *ks, const vouch_ks_key *k) {
  static const char *const kSuffix[] = {".key.pem", ".cert.pem"};
  for (int i = 0; i < 2; i++) {
    char name[64], path[PATH_MAX];
    snprintf(name, sizeof(name), "%s%s", k->stem, kSuffix[i]);
    if (path_join(ks->keys_dir, name, path, NULL) == VOUCH_OK) unlink(path);
  }
}

/* load_key reads a stored key's files and checks them against its index
 * entry. */
static vouch_status load_key(const struct vouch_keystore *ks, vouch_jws_alg alg, const char *kid,
                             int64_t created, vouch_ks_key **out, vouch_err *err) {
  /* The file stem follows from the kid: hex of its first 8 bytes. */
  uint8_t h[VOUCH_SHA256_LEN + 3];
  size_t h_len = 0;
  if (strlen(kid) != VOUCH_TOKEN_KID_LEN ||
      vouch_base64_decode(kid, VOUCH_TOKEN_KID_LEN, h, sizeof(h), &h_len) != VOUCH_OK ||
      h_len != VOUCH_SHA256_LEN) {
    return vouch_fail(err, VOUCH_E_MALFORMED, "%s/" INDEX_NAME ": invalid kid", ks->keys_dir);
  }
  char hex[17], stem[32], name[64], path[PATH_MAX];
  vouch_hex_encode(h, 8, hex);
  snprintf(stem, sizeof(stem), "%s-%s", vouch_jws_alg_name(alg), hex);
  snprintf(name, sizeof(name), "%s.key.pem", stem);
  VOUCH_GUARD(path_join(ks->keys_dir, name, path, err));
  struct stat st_buf;
  if (stat(path, &st_buf) == 0 && (st_buf.st_mode & 077) != 0) {
    vouch_log(VOUCH_LOG_WARN, "token: %s is accessible to other users (mode %03o); chmod 600 it",
              path, (unsigned)(st_buf.st_mode & 0777));
  }
  uint8_t *pem = NULL;
  size_t pem_len = 0;
  VOUCH_GUARD(vouch_read_file(path, KEY_FILE_MAX, &pem, &pem_len, err));
  struct vouch_signer *s = NULL;
  vouch_status st = vouch_signer_from_pem((const char *)pem, pem_len, alg, &s, err);
  volatile uint8_t *wipe = pem;
  for (size_t i = 0; i < pem_len; i++) wipe[i] = 0;
  free(pem);
  if (st != VOUCH_OK) {
    vouch_err_prefix(err, "%s: ", path);
    return st;
  }
  snprintf(name, sizeof(name), "%s.cert.pem", stem);
  struct vouch_cert **chain = calloc(1, sizeof(*chain));
  size_t num = 0;
  st = chain == NULL ? VOUCH_E_NOMEM : path_join(ks->keys_dir, name, path, err);
  if (st == VOUCH_OK) st = vouch_read_file(path, KEY_FILE_MAX, &pem, &pem_len, err);
  if (st == VOUCH_OK) {
    st = vouch_cert_chain_from_pem((const char *)pem, pem_len, chain, 1, &num, err);
    free(pem);
    if (st != VOUCH_OK) vouch_err_prefix(err, "%s: ", path);
  }
  if (st == VOUCH_OK && !cert_holds(chain[0], s)) {
    st = vouch_fail(err, VOUCH_E_MALFORMED, "%s does not hold the key of %s.key.pem", path, stem);
  }
  vouch_ks_key *k = NULL;
  if (st == VOUCH_OK) {
    st = key_new(ks, alg, s, chain, 1, created, false, &k);
    if (st == VOUCH_OK && strcmp(k->kid, kid) != 0) {
      st = vouch_fail(err, VOUCH_E_MALFORMED, "%s: the certificate's kid is %s, the index says %s",
                      path, k->kid, kid);
      k->signer = NULL; /* freed below with the chain */
      k->chain = NULL;
      k->chain_len = 0;
      key_free(k);
      k = NULL;
    } else if (st != VOUCH_OK) {
      st = vouch_fail(err, st, "%s: cannot set up the key", path);
    }
  }
  if (st != VOUCH_OK) {
    if (chain != NULL && num > 0) vouch_cert_free(chain[0]);
    free(chain);
    vouch_signer_free(s);
    return vouch_fail(err, st, "cannot load key %s", stem);
  }
  *out = k;
  return VOUCH_OK;
}

/* ---- the index ------------------------------------------------------------------ */

static vouch_ks_key *find_stored(struct vouch_keystore *ks, const char *kid) {
  for (size_t i = 0; i < ks->num_keys; i++) {
    vouch_ks_key *k = ks->keys[i];
    if (!k->external && strcmp(k->kid, kid) == 0) return k;
  }
  return NULL;
}

/* sync_from_disk merges the index on disk into memory: new entries are
 * loaded, known ones take the index's retirement, keys missing from the
 * index are dropped.  Write lock (or sole ownership) held. */
static vouch_status sync_from_disk(struct vouch_keystore *ks, vouch_err *err) {
  char path[PATH_MAX];
  VOUCH_GUARD(path_join(ks->keys_dir, INDEX_NAME, path, err));
  uint8_t *text = NULL;
  size_t len = 0;
  if (access(path, F_OK) != 0 && errno == ENOENT) {
    for (size_t i = 0; i < ks->num_keys; i++) {
      if (!ks->keys[i]->external) ks->keys[i]->dropped = true;
    }
    recompute_active(ks);
    return VOUCH_OK;
  }
  VOUCH_GUARD(vouch_read_file(path, INDEX_MAX, &text, &len, err));
  json_error_t je;
  json_t *root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &je);
  free(text);
  if (root == NULL) {
    return vouch_fail(err, VOUCH_E_JSON, "%s: invalid JSON at line %d: %s", path, je.line, je.text);
  }
  vouch_status s = VOUCH_OK;
  json_t *keys = json_object_get(root, "keys");
  json_t *ver = json_object_get(root, "version");
  if (!json_is_integer(ver) || json_integer_value(ver) != 1 || !json_is_array(keys)) {
    s = vouch_fail(err, VOUCH_E_MALFORMED, "%s: not a version 1 key index", path);
    goto done;
  }
  bool *seen = calloc(ks->num_keys + 1, sizeof(bool));
  if (seen == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto done;
  }
  size_t known = ks->num_keys;
  for (size_t i = 0; i < json_array_size(keys); i++) {
    json_t *e = json_array_get(keys, i);
    const char *alg_s = json_string_value(json_object_get(e, "alg"));
    const char *kid = json_string_value(json_object_get(e, "kid"));
    json_t *created = json_object_get(e, "created");
    json_t *retired = json_object_get(e, "retired_at");
    vouch_jws_alg alg;
    if (alg_s == NULL || kid == NULL || !json_is_integer(created) ||
        (retired != NULL && !json_is_null(retired) && !json_is_integer(retired)) ||
        vouch_jws_alg_from_name(alg_s, strlen(alg_s), &alg) != VOUCH_OK || alg == VOUCH_JWS_NONE) {
      s = vouch_fail(err, VOUCH_E_MALFORMED, "%s: entry %zu is invalid", path, i);
      break;
    }
    vouch_ks_key *k = find_stored(ks, kid);
    if (k == NULL) {
      s = load_key(ks, alg, kid, json_integer_value(created), &k, err);
      if (s == VOUCH_OK && (s = push_key(ks, k)) != VOUCH_OK) {
        key_free(k);
        s = vouch_fail(err, s, "out of memory");
      }
      if (s != VOUCH_OK) break;
    } else {
      for (size_t j = 0; j < known; j++) {
        if (ks->keys[j] == k) seen[j] = true;
      }
    }
    k->dropped = false;
    k->retired = json_is_integer(retired);
    k->retired_at = k->retired ? json_integer_value(retired) : 0;
  }
  if (s == VOUCH_OK) {
    for (size_t j = 0; j < known; j++) {
      if (!seen[j] && !ks->keys[j]->external) ks->keys[j]->dropped = true;
    }
  }
  free(seen);
  recompute_active(ks);
done:
  json_decref(root);
  return s;
}

/* write_index writes every stored, not dropped key to the index. */
static vouch_status write_index(struct vouch_keystore *ks, vouch_err *err) {
  json_t *root = json_object(), *arr = json_array();
  bool ok = root != NULL && arr != NULL &&
            json_object_set_new(root, "version", json_integer(1)) == 0 &&
            json_object_set(root, "keys", arr) == 0;
  for (size_t i = 0; ok && i < ks->num_keys; i++) {
    const vouch_ks_key *k = ks->keys[i];
    if (k->external || k->dropped) continue;
    json_t *e = json_object();
    ok = e != NULL && json_object_set_new(e, "alg", json_string(vouch_jws_alg_name(k->alg))) == 0 &&
         json_object_set_new(e, "kid", json_string(k->kid)) == 0 &&
         json_object_set_new(e, "created", json_integer(k->created)) == 0 &&
         json_object_set_new(e, "retired_at",
                             k->retired ? json_integer(k->retired_at) : json_null()) == 0 &&
         json_array_append_new(arr, e) == 0;
    if (!ok && e != NULL) json_decref(e);
  }
  char *text = ok ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  json_decref(arr);
  json_decref(root);
  if (text == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "cannot serialize the key index");
  size_t len = strlen(text);
  vouch_buf b;
  vouch_buf_init(&b, 0);
  vouch_buf_append(&b, text, len);
  vouch_buf_putc(&b, '\n');
  free(text);
  vouch_status s = vouch_buf_status(&b);
  if (s == VOUCH_OK) s = write_atomic(ks->keys_dir, INDEX_NAME, b.data, b.len, 0600, err);
  vouch_buf_free(&b);
  return s;
}

/* ---- open / close ------------------------------------------------------------------ */

/* ensure_key returns the active key for |alg|, making it on first use. */
static vouch_status ensure_key(struct vouch_keystore *ks, vouch_jws_alg alg, vouch_ks_key **out,
                               vouch_err *err) {
  if ((unsigned)alg >= VOUCH_JWS_ALG_COUNT || alg == VOUCH_JWS_NONE) {
    return vouch_fail(err, VOUCH_E_ARG, "token: no signing key for alg %s",
                      vouch_jws_alg_name(alg));
  }
  pthread_rwlock_rdlock(&ks->lock);
  vouch_ks_key *k = ks->active[alg];
  pthread_rwlock_unlock(&ks->lock);
  if (k != NULL) {
    *out = k;
    return VOUCH_OK;
  }
  if (ks->read_only) {
    return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                      "token: the key store has no %s key (opened read-only)",
                      vouch_jws_alg_name(alg));
  }
  pthread_rwlock_wrlock(&ks->lock);
  vouch_status s = VOUCH_OK;
  int fd = -1;
  if (ks->active[alg] != NULL) goto done; /* another thread made it */
  VOUCH_GUARD_GOTO(s, lock_store(ks, LOCK_EX, &fd, err), done);
  VOUCH_GUARD_GOTO(s, sync_from_disk(ks, err), done);
  if (ks->active[alg] != NULL) goto done; /* another process made it */
  vouch_ks_key *nk = NULL;
  VOUCH_GUARD_GOTO(s, generate_key(ks, alg, vouch_ks_now(ks), &nk, err), done);
  if ((s = push_key(ks, nk)) != VOUCH_OK) {
    unlink_key_files(ks, nk);
    key_free(nk);
    s = vouch_fail(err, s, "out of memory");
    goto done;
  }
  if ((s = write_index(ks, err)) != VOUCH_OK) {
    unlink_key_files(ks, nk);
    nk->dropped = true;
  }
  recompute_active(ks);
done:
  unlock_store(fd);
  k = ks->active[alg];
  pthread_rwlock_unlock(&ks->lock);
  if (s != VOUCH_OK) return s;
  if (k == NULL)
    return vouch_fail(err, VOUCH_E_INTERNAL, "token: no %s key after generation",
                      vouch_jws_alg_name(alg));
  *out = k;
  return VOUCH_OK;
}

/* normalize_issuer copies |url| without trailing slashes. */
static vouch_status normalize_issuer(const char *url, char **out, vouch_err *err) {
  size_t n = url ? strlen(url) : 0;
  while (n > 0 && url[n - 1] == '/') n--;
  if (n > MAX_ISSUER_LEN) {
    return vouch_fail(err, VOUCH_E_LIMIT, "public URL longer than %d bytes", MAX_ISSUER_LEN);
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)url[i];
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\') {
      return vouch_fail(err, VOUCH_E_ARG, "public URL contains a space, quote or control byte");
    }
  }
  *out = malloc(n + 1);
  if (*out == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  if (n) memcpy(*out, url, n);
  (*out)[n] = '\0';
  return VOUCH_OK;
}

void vouch_keystore_close(struct vouch_keystore *ks) {
  if (ks == NULL) return;
  for (size_t i = 0; i < ks->num_keys; i++) key_free(ks->keys[i]);
  free(ks->keys);
  free(ks->keys_dir);
  free(ks->issuer);
  pthread_rwlock_destroy(&ks->lock);
  free(ks);
}

vouch_status vouch_keystore_open(const char *state_dir, const vouch_keystore_opts *o,
                                 struct vouch_keystore **out, vouch_err *err) {
  if (state_dir == NULL || state_dir[0] == '\0' || out == NULL) {
    return vouch_fail(err, VOUCH_E_ARG, "key store: no state directory given");
  }
  vouch_keystore_opts def = {0};
  if (o == NULL) o = &def;
  if (o->lifetime_s < 0 || o->now < 0) {
    return vouch_fail(err, VOUCH_E_ARG, "key store: negative lifetime or clock");
  }
  struct vouch_keystore *ks = calloc(1, sizeof(*ks));
  if (ks == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  if (pthread_rwlock_init(&ks->lock, NULL) != 0) {
    free(ks);
    return vouch_fail(err, VOUCH_E_NOMEM, "key store: cannot create its lock");
  }
  ks->lifetime = o->lifetime_s ? o->lifetime_s : VOUCH_TOKEN_DEFAULT_LIFETIME;
  ks->fixed_now = o->now;
  ks->read_only = o->read_only;
  vouch_status s = normalize_issuer(o->public_url, &ks->issuer, err);
  size_t n = strlen(state_dir);
  if (s == VOUCH_OK && (ks->keys_dir = malloc(n + 6)) == NULL) {
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  }
  if (s != VOUCH_OK) goto fail;
  snprintf(ks->keys_dir, n + 6, "%s/keys", state_dir);
  if (strlen(ks->keys_dir) >= PATH_MAX - 64) {
    s = vouch_fail(err, VOUCH_E_LIMIT, "state directory path is too long");
    goto fail;
  }
  struct stat sb;
  if (ks->read_only) {
    if (stat(ks->keys_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      s = vouch_fail(err, VOUCH_E_IO, "no key store in %s (%s is missing)", state_dir,
                     ks->keys_dir);
      goto fail;
    }
  } else {
    VOUCH_GUARD_GOTO(s, mkdir_p(state_dir, 0700, err), fail);
    if (mkdir(ks->keys_dir, 0700) != 0 && errno != EEXIST) {
      s = vouch_fail(err, VOUCH_E_IO, "cannot create %s: %s", ks->keys_dir, strerror(errno));
      goto fail;
    }
    if (lstat(ks->keys_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      s = vouch_fail(err, VOUCH_E_IO, "%s is not a directory", ks->keys_dir);
      goto fail;
    }
    /* Private keys live here: nobody else gets in, whatever the umask. */
    if ((sb.st_mode & 0777) != 0700 && chmod(ks->keys_dir, 0700) != 0) {
      s = vouch_fail(err, VOUCH_E_IO, "cannot chmod 700 %s: %s", ks->keys_dir, strerror(errno));
      goto fail;
    }
  }
  int fd = -1;
  VOUCH_GUARD_GOTO(s, lock_store(ks, LOCK_SH, &fd, err), fail);
  s = sync_from_disk(ks, err);
  unlock_store(fd);
  if (s != VOUCH_OK) goto fail;
  for (size_t i = 0; i < o->num_ensure_algs; i++) {
    vouch_ks_key *k;
    VOUCH_GUARD_GOTO(s, ensure_key(ks, o->ensure_algs[i], &k, err), fail);
  }
  *out = ks;
  return VOUCH_OK;
fail:
  vouch_keystore_close(ks);
  return s;
}

const char *vouch_keystore_issuer(const struct vouch_keystore *ks) {
  return ks ? ks->issuer : "";
}

int64_t vouch_keystore_lifetime(const struct vouch_keystore *ks) {
  return ks ? ks->lifetime : VOUCH_TOKEN_DEFAULT_LIFETIME;
}

vouch_status vouch_keystore_signer(struct vouch_keystore *ks, vouch_jws_alg alg,
                                   const struct vouch_signer **signer, const char **kid,
                                   const struct vouch_cert **cert, vouch_err *err) {
  if (ks == NULL) return vouch_fail(err, VOUCH_E_ARG, "token: no key store");
  vouch_ks_key *k = NULL;
  VOUCH_GUARD(ensure_key(ks, alg, &k, err));
  if (signer) *signer = k->signer;
  if (kid) *kid = k->kid;
  if (cert) *cert = k->chain[0];
  return VOUCH_OK;
}

size_t vouch_keystore_algs(struct vouch_keystore *ks, vouch_jws_alg *out, size_t cap) {
  if (ks == NULL) return 0;
  size_t n = 0;
  pthread_rwlock_rdlock(&ks->lock);
  for (int a = 0; a < VOUCH_JWS_ALG_COUNT; a++) {
    if (ks->active[a] == NULL) continue;
    if (out != NULL && n < cap) out[n] = (vouch_jws_alg)a;
    n++;
  }
  pthread_rwlock_unlock(&ks->lock);
  return n;
}

vouch_status vouch_keystore_rotate(struct vouch_keystore *ks, vouch_jws_alg alg,
                                   const char **out_kid, vouch_err *err) {
  if (ks == NULL || alg == VOUCH_JWS_NONE || (unsigned)alg >= VOUCH_JWS_ALG_COUNT) {
    return vouch_fail(err, VOUCH_E_ARG, "rotate: invalid argument");
  }
  if (ks->read_only) return vouch_fail(err, VOUCH_E_ARG, "rotate: the key store is read-only");
  int64_t now = vouch_ks_now(ks);
  int fd = -1;
  pthread_rwlock_wrlock(&ks->lock);
  vouch_status s = lock_store(ks, LOCK_EX, &fd, err);
  if (s == VOUCH_OK) s = sync_from_disk(ks, err);
  vouch_ks_key *nk = NULL;
  if (s == VOUCH_OK) s = generate_key(ks, alg, now, &nk, err);
  if (s == VOUCH_OK && (s = push_key(ks, nk)) != VOUCH_OK) {
    unlink_key_files(ks, nk);
    key_free(nk);
    nk = NULL;
    s = vouch_fail(err, s, "out of memory");
  }
  if (s != VOUCH_OK) goto done;
  /* Retire the previous stored keys of this alg; forget those whose
   * publication window is over.  Remember what changed to undo it if the
   * index cannot be written. */
  bool *was_retired = calloc(ks->num_keys, sizeof(bool));
  bool *was_dropped = calloc(ks->num_keys, sizeof(bool));
  if (was_retired == NULL || was_dropped == NULL) {
    free(was_retired);
    free(was_dropped);
    s = vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    goto undo_new;
  }
  for (size_t i = 0; i < ks->num_keys; i++) {
    vouch_ks_key *k = ks->keys[i];
    was_retired[i] = k->retired;
    was_dropped[i] = k->dropped;
    if (k == nk || k->external || k->dropped) continue;
    if (k->alg == alg && !k->retired) {
      k->retired = true;
      k->retired_at = now;
    }
    if (k->retired && now >= k->retired_at + ks->lifetime) k->dropped = true;
  }
  s = write_index(ks, err);
  for (size_t i = 0; i < ks->num_keys; i++) {
    vouch_ks_key *k = ks->keys[i];
    if (k == nk || k->external) continue;
    if (s != VOUCH_OK) {
      k->retired = was_retired[i];
      k->dropped = was_dropped[i];
    } else if (k->dropped && !was_dropped[i]) {
      unlink_key_files(ks, k); /* after the index stopped naming them */
    }
  }
  free(was_retired);
  free(was_dropped);
  if (s == VOUCH_OK) {
    if (out_kid) *out_kid = nk->kid;
    vouch_log(VOUCH_LOG_INFO, "token: rotated %s, new kid %s", vouch_jws_alg_name(alg), nk->kid);
    goto done;
  }
undo_new:
  unlink_key_files(ks, nk);
  nk->dropped = true;
done:
  recompute_active(ks);
  unlock_store(fd);
  pthread_rwlock_unlock(&ks->lock);
  return s;
}

/* external_signer reads a user-supplied key for |alg|, or, with
 * VOUCH_JWS_NONE, for the alg its type implies (written back). */
static vouch_status external_signer(const char *pem, size_t len, vouch_jws_alg *alg,
                                    struct vouch_signer **out, vouch_err *err) {
  if (*alg != VOUCH_JWS_NONE) return vouch_signer_from_pem(pem, len, *alg, out, err);
  static const vouch_jws_alg kTry[] = {VOUCH_JWS_RS256, VOUCH_JWS_ES256, VOUCH_JWS_ES384,
                                       VOUCH_JWS_EDDSA};
  for (size_t i = 0; i < sizeof(kTry) / sizeof(kTry[0]); i++) {
    vouch_err e = {0};
    if (vouch_signer_from_pem(pem, len, kTry[i], out, &e) == VOUCH_OK) {
      *alg = kTry[i];
      return VOUCH_OK;
    }
    if (e.code != VOUCH_E_UNSUPPORTED) return vouch_fail(err, e.code, "%s", e.msg);
  }
  return vouch_fail(err, VOUCH_E_UNSUPPORTED,
                    "signing key: not an RSA (2048 bits or more), P-256, P-384 or Ed25519 key");
}

vouch_status vouch_keystore_add_external(struct vouch_keystore *ks, const char *key_pem,
                                         size_t key_len, const char *cert_pem, size_t cert_len,
                                         vouch_jws_alg alg, vouch_err *err) {
  if (ks == NULL || key_pem == NULL || (unsigned)alg >= VOUCH_JWS_ALG_COUNT) {
    return vouch_fail(err, VOUCH_E_ARG, "signing key: invalid argument");
  }
  struct vouch_signer *s = NULL;
  VOUCH_GUARD(external_signer(key_pem, key_len, &alg, &s, err));
  int64_t now = vouch_ks_now(ks);
  struct vouch_cert **chain = NULL;
  size_t num = 0;
  vouch_status st = VOUCH_OK;
  if (cert_pem != NULL) {
    chain = calloc(VOUCH_JWS_MAX_X5C, sizeof(*chain));
    st = chain ? vouch_cert_chain_from_pem(cert_pem, cert_len, chain, VOUCH_JWS_MAX_X5C, &num, err)
               : vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
    if (st != VOUCH_OK) {
      vouch_err_prefix(err, "signing certificate: ");
    } else if (!cert_holds(chain[0], s)) {
      st = vouch_fail(err, VOUCH_E_MALFORMED,
                      "signing certificate: its (first) certificate is not for the signing key");
    }
  } else {
    st = self_signed(ks, s, now, &chain, err);
    num = st == VOUCH_OK ? 1 : 0;
  }
  vouch_ks_key *k = NULL;
  if (st == VOUCH_OK) st = key_new(ks, alg, s, chain, num, now, true, &k);
  if (st == VOUCH_OK) {
    pthread_rwlock_wrlock(&ks->lock);
    st = push_key(ks, k);
    recompute_active(ks);
    pthread_rwlock_unlock(&ks->lock);
    if (st == VOUCH_OK) return VOUCH_OK;
    k->signer = NULL;
    k->chain = NULL;
    k->chain_len = 0;
    key_free(k);
  }
  for (size_t i = 0; chain != NULL && i < num; i++) vouch_cert_free(chain[i]);
  free(chain);
  vouch_signer_free(s);
  return vouch_fail(err, st, "signing key: cannot install it (%s)", vouch_status_name(st));
}

/* ---- issuance ---------------------------------------------------------------------- */

vouch_status vouch_token_sign(struct vouch_keystore *ks, vouch_jws_alg alg,
                              const uint8_t *payload_json, size_t len, vouch_buf *out,
                              vouch_err *err) {
  if (ks == NULL || out == NULL || payload_json == NULL || len == 0) {
    return vouch_fail(err, VOUCH_E_ARG, "token: invalid argument");
  }
  vouch_ks_key *k = NULL;
  VOUCH_GUARD(ensure_key(ks, alg, &k, err));
  vouch_status s = vouch_jws_sign_compact_b64h(k->signer, k->header_b64, k->header_b64_len,
                                               payload_json, len, out);
  if (s != VOUCH_OK) {
    return vouch_fail(err, s, "token: signing with %s key %s failed (%s)", vouch_jws_alg_name(alg),
                      k->kid, vouch_status_name(s));
  }
  return VOUCH_OK;
}
