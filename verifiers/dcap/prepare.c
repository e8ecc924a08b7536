/* verifiers/dcap/prepare.c - stage 1 of DCAP verification: the
 * instant-independent objects built from collateral bytes (parsed chains
 * and CRLs, trust verdicts without time, signed JSON documents checked under
 * their signer), and their resolution for one quote through a memo.
 *
 * Every builder records failures in the object instead of failing the call:
 * "this chain does not verify" is a fact about those bytes like any other,
 * and caching it spares the work when the same bad bytes come again.  The
 * messages carry no stage prefix; stage 2 adds where the bytes came from. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/dcap/dcap.h"

static bool cn_contains(const struct vouch_cert *cert, const char *needle) {
  char cn[256];
  vouch_cert_subject_cn(cert, cn, sizeof(cn));
  return strstr(cn, needle) != NULL;
}

/* ---- chains -------------------------------------------------------------- */

static vouch_status assign_pck_roles(vouch_dcap_chain *c) {
  for (size_t i = 0; i < c->num_certs; i++) {
    const struct vouch_cert *cert = c->certs[i];
    const struct vouch_cert **slot = NULL;
    if (cn_contains(cert, "SGX PCK Certificate")) {
      slot = &c->leaf;
    } else if (cn_contains(cert, "Root CA")) {
      slot = &c->root;
    } else if (cn_contains(cert, "CA")) {
      slot = &c->intermediate;
    }
    if (slot == NULL || *slot != NULL) {
      char cn[256];
      vouch_cert_subject_cn(cert, cn, sizeof(cn));
      return vouch_fail(&c->err, VOUCH_E_CHAIN,
                        "unexpected certificate '%s' (need exactly one PCK certificate, one PCK "
                        "CA and one root)",
                        cn);
    }
    *slot = cert;
  }
  if (c->leaf == NULL || c->intermediate == NULL || c->root == NULL) {
    return vouch_fail(&c->err, VOUCH_E_CHAIN,
                      "needs the PCK certificate, its CA and the root (got %zu certificates)",
                      c->num_certs);
  }
  if (!vouch_cert_issued_by(c->leaf, c->intermediate) ||
      !vouch_cert_issued_by(c->intermediate, c->root)) {
    return vouch_fail(&c->err, VOUCH_E_CHAIN, "issuer names do not link leaf -> CA -> root");
  }
  const uint8_t *ext;
  size_t ext_len = 0;
  if (vouch_cert_extension(c->leaf, VOUCH_SGX_EXT_OID, &ext, &ext_len) != VOUCH_OK) {
    return vouch_fail(&c->err, VOUCH_E_MALFORMED, "the PCK certificate has no SGX extension (%s)",
                      VOUCH_SGX_EXT_OID);
  }
  vouch_err e = {0};
  vouch_status s = vouch_pck_ext_parse(ext, ext_len, &c->pck, &e);
  if (s != VOUCH_OK) return vouch_fail(&c->err, s, "PCK certificate: %s", e.msg);
  c->has_pck = true;
  char issuer[256];
  vouch_cert_issuer_cn(c->leaf, issuer, sizeof(issuer));
  c->platform_ca = strstr(issuer, "Platform") != NULL;
  return VOUCH_OK;
}

/* assign_signer_roles: the leaf is the one certificate that is not
 * self-issued and (for TCB Signing chains) has the TCB Signing CN. */
static vouch_status assign_signer_roles(vouch_dcap_chain *c) {
  for (size_t i = 0; i < c->num_certs; i++) {
    const struct vouch_cert *cert = c->certs[i];
    if (vouch_cert_is_self_issued(cert)) {
      c->root = cert;
      continue;
    }
    bool want = c->kind == VOUCH_DCAP_CHAIN_TCB_SIGNING ? cn_contains(cert, "TCB Signing")
                                                        : cn_contains(cert, "CA");
    if (want && c->leaf == NULL) c->leaf = cert;
  }
  if (c->leaf == NULL) {
    return vouch_fail(&c->err, VOUCH_E_CHAIN, "has no %s certificate",
                      c->kind == VOUCH_DCAP_CHAIN_TCB_SIGNING ? "TCB Signing" : "PCK CA");
  }
  return VOUCH_OK;
}

void vouch_dcap_chain_build(vouch_dcap_chain_kind kind, const char *pem, size_t len,
                            vouch_dcap_chain *out) {
  memset(out, 0, sizeof(*out));
  out->kind = kind;
  vouch_sha256(pem, len, out->sha256);
  if (len == 0) {
    vouch_fail(&out->err, VOUCH_E_COLLATERAL_MISSING, "is missing");
    return;
  }
  vouch_err e = {0};
  vouch_status s = vouch_cert_chain_from_pem(pem, len, out->certs, VOUCH_LIMIT_PEM_CHAIN_CERTS,
                                             &out->num_certs, &e);
  if (s != VOUCH_OK) {
    vouch_fail(&out->err, s, "%s", e.msg);
    return;
  }
  s = kind == VOUCH_DCAP_CHAIN_PCK ? assign_pck_roles(out) : assign_signer_roles(out);
  if (s != VOUCH_OK) return;
  /* Names stage 2 compares for every item: extracted once here. */
  vouch_cert_subject_cn(out->leaf, out->leaf_cn, sizeof(out->leaf_cn));
  vouch_cert_issuer_cn(out->leaf, out->leaf_issuer_cn, sizeof(out->leaf_issuer_cn));
  if (vouch_cert_pubkey(out->leaf, &out->leaf_key) != VOUCH_OK ||
      vouch_pubkey_p256_xy(out->leaf_key, out->leaf_xy) != VOUCH_OK) {
    vouch_crypto_clear_errors();
    vouch_fail(&out->err, VOUCH_E_UNSUPPORTED, "the %s key is not ECDSA P-256",
               kind == VOUCH_DCAP_CHAIN_PCK ? "PCK certificate" : "signing certificate");
  }
}

void vouch_dcap_chain_cleanup(vouch_dcap_chain *c) {
  for (size_t i = 0; i < c->num_certs; i++) vouch_cert_free(c->certs[i]);
  vouch_pubkey_free(c->leaf_key);
  memset(c, 0, sizeof(*c));
}

/* ---- CRLs ------------------------------------------------------------------ */

void vouch_dcap_crl_build(const uint8_t *data, size_t len, vouch_dcap_crl *out) {
  memset(out, 0, sizeof(*out));
  if (len == 0) {
    vouch_fail(&out->err, VOUCH_E_COLLATERAL_MISSING, "is missing");
    return;
  }
  vouch_err e = {0};
  vouch_status s = vouch_crl_parse(data, len, &out->crl, &e);
  if (s != VOUCH_OK) {
    vouch_fail(&out->err, s, "%s", e.msg);
    return;
  }
  size_t der_len = 0;
  const uint8_t *der = vouch_crl_der(out->crl, &der_len);
  vouch_sha256(der, der_len, out->sha256);
  vouch_crl_issuer_cn(out->crl, out->issuer_cn, sizeof(out->issuer_cn));
}

void vouch_dcap_crl_cleanup(vouch_dcap_crl *c) {
  vouch_crl_free(c->crl);
  memset(c, 0, sizeof(*c));
}

/* ---- trust ------------------------------------------------------------------ */

/* check_shipped_root: a root shipped with the chain must be the trusted
 * root itself. */
static void check_shipped_root(const vouch_dcap_chain *chain, vouch_dcap_trust *out) {
  if (chain->root == NULL) return;
  uint8_t fp[VOUCH_SHA256_LEN];
  vouch_cert_sha256(chain->root, fp);
  if (memcmp(fp, out->chain.anchor_sha256, sizeof(fp)) != 0) {
    vouch_fail(&out->err, VOUCH_E_UNTRUSTED_ROOT, "the root in the chain is not the trusted root");
  }
}

/* verify_without_time runs vouch_chain_verify as stage 1 does (every
 * certificate below the anchor covered by a CRL; validity windows kept in
 * |res| for the per-instant check instead of checked) and records a
 * failure in |err|. */
static bool verify_without_time(const struct vouch_anchors *anchors, const struct vouch_cert *leaf,
                                struct vouch_cert *const *untrusted, size_t num_untrusted,
                                struct vouch_crl *const *crls, size_t num_crls, int depth_offset,
                                vouch_chain_result *res, vouch_err *err) {
  vouch_chain_opts o = {.require_crls = true, .no_time_check = true, .depth_offset = depth_offset};
  vouch_err e = {0};
  vouch_status s =
      vouch_chain_verify(anchors, leaf, untrusted, num_untrusted, crls, num_crls, &o, res, &e);
  vouch_crypto_clear_errors();
  if (s != VOUCH_OK) vouch_fail(err, s, "%s", e.msg);
  return s == VOUCH_OK;
}

void vouch_dcap_trust_build(const struct vouch_anchors *anchors, const vouch_dcap_chain *chain,
                            const vouch_dcap_crl *root_crl, const vouch_dcap_crl *ca_crl,
                            vouch_dcap_trust *out) {
  memset(out, 0, sizeof(*out));
  if (chain->err.code != VOUCH_OK) {
    out->err = chain->err;
    return;
  }
  struct vouch_crl *crls[2];
  size_t num_crls = 0;
  if (root_crl == NULL || root_crl->err.code != VOUCH_OK) {
    vouch_fail(&out->err, VOUCH_E_COLLATERAL_MISSING, "no usable Root CA CRL");
    return;
  }
  crls[num_crls++] = root_crl->crl;
  if (ca_crl != NULL) {
    if (ca_crl->err.code != VOUCH_OK) {
      vouch_fail(&out->err, VOUCH_E_COLLATERAL_MISSING, "no usable PCK CRL");
      return;
    }
    crls[num_crls++] = ca_crl->crl;
  }
  if (!verify_without_time(anchors, chain->leaf, chain->certs, chain->num_certs, crls, num_crls,
                           0, &out->chain, &out->err)) {
    return;
  }
  check_shipped_root(chain, out);
}

/* ---- trust, split at the PCK CA ------------------------------------------------------ */

void vouch_dcap_ca_trust_build(const struct vouch_anchors *anchors, struct vouch_cert *ca,
                               const vouch_dcap_crl *root_crl, vouch_dcap_ca_trust *out) {
  memset(out, 0, sizeof(*out));
  if (root_crl == NULL || root_crl->err.code != VOUCH_OK) {
    vouch_fail(&out->err, VOUCH_E_COLLATERAL_MISSING, "no usable Root CA CRL");
    return;
  }
  struct vouch_crl *crls[1] = {root_crl->crl};
  if (!verify_without_time(anchors, ca, NULL, 0, crls, 1, 1, &out->chain, &out->err)) return;
  out->issuer = vouch_anchors_for_issuer(anchors, out->chain.anchor_sha256, ca);
}

void vouch_dcap_ca_trust_cleanup(vouch_dcap_ca_trust *t) {
  vouch_anchors_free(t->issuer);
  memset(t, 0, sizeof(*t));
}

/* add_windows appends the windows of |from| that |to| lacks. */
static void add_windows(vouch_chain_result *to, const vouch_chain_result *from) {
  for (size_t i = 0; i < from->num_windows; i++) {
    const vouch_chain_window *w = &from->windows[i];
    bool have = false;
    for (size_t k = 0; k < to->num_windows && !have; k++) {
      const vouch_chain_window *v = &to->windows[k];
      have = v->is_crl == w->is_crl && v->from == w->from && v->until == w->until &&
             strcmp(v->name, w->name) == 0;
    }
    if (!have && to->num_windows < VOUCH_CHAIN_MAX_WINDOWS) to->windows[to->num_windows++] = *w;
  }
  if (from->earliest_expiry < to->earliest_expiry) to->earliest_expiry = from->earliest_expiry;
}

void vouch_dcap_pck_trust_build(const struct vouch_anchors *anchors, const vouch_dcap_chain *chain,
                                const vouch_dcap_ca_trust *ca, const vouch_dcap_crl *root_crl,
                                const vouch_dcap_crl *pck_crl, vouch_dcap_trust *out) {
  bool split = ca != NULL && (ca->err.code != VOUCH_OK || ca->issuer != NULL) &&
               chain->err.code == VOUCH_OK && root_crl != NULL &&
               root_crl->err.code == VOUCH_OK && pck_crl != NULL && pck_crl->err.code == VOUCH_OK;
  if (!split) {
    vouch_dcap_trust_build(anchors, chain, root_crl, pck_crl, out);
    return;
  }
  memset(out, 0, sizeof(*out));
  /* A fault of the CA's path is reported first.  Each fault alone is
   * reported as the whole path would be; with faults at both levels the
   * whole path might name the leaf's first (it checks revocation from the
   * leaf up, signatures from the top down). */
  if (ca->err.code != VOUCH_OK) {
    out->err = ca->err;
    out->chain = ca->chain;
    return;
  }
  struct vouch_crl *crls[1] = {pck_crl->crl};
  if (!verify_without_time(ca->issuer, chain->leaf, NULL, 0, crls, 1, 0, &out->chain, &out->err)) {
    return;
  }
  memcpy(out->chain.anchor_sha256, ca->chain.anchor_sha256, VOUCH_SHA256_LEN);
  add_windows(&out->chain, &ca->chain);
  check_shipped_root(chain, out);
}

/* ---- signed JSON ---------------------------------------------------------------- */

void vouch_dcap_signed_build(bool is_tcb_info, const char *text, size_t len,
                             const uint8_t sig[64], const vouch_dcap_chain *signer,
                             vouch_dcap_signed *out) {
  memset(out, 0, sizeof(*out));
  out->is_tcb_info = is_tcb_info;
  vouch_sha256(text, len, out->sha256);
  if (signer->err.code != VOUCH_OK) {
    out->err = signer->err;
    return;
  }
  if (vouch_ecdsa_verify_rs(signer->leaf_key, VOUCH_HASH_SHA256, (const uint8_t *)text, len, sig,
                            64) != VOUCH_OK) {
    vouch_crypto_clear_errors();
    vouch_fail(&out->err, VOUCH_E_SIGNATURE, "signature is invalid (TCB Signing key, exact JSON bytes)");
    return;
  }
  vouch_err e = {0};
  vouch_status s = is_tcb_info ? vouch_tcb_info_parse(text, len, &out->tcb_info, &e)
                               : vouch_qe_identity_parse(text, len, &out->qe_identity, &e);
  if (s != VOUCH_OK) vouch_fail(&out->err, s, "%s", e.msg);
}

void vouch_dcap_signed_cleanup(vouch_dcap_signed *s) {
  vouch_tcb_info_cleanup(&s->tcb_info);
  vouch_qe_identity_cleanup(&s->qe_identity);
  memset(s, 0, sizeof(*s));
}

/* ---- the memo that keeps nothing ------------------------------------------------ */

typedef struct {
  void *obj;
  void (*destroy)(void *obj);
} none_handle;

static _Atomic uint64_t g_none_ids;

static void *none_acquire(void *ctx, const uint8_t *key, size_t key_len, size_t obj_size,
                          void (*build)(void *obj, void *arg), void *arg,
                          void (*destroy)(void *obj), void **out_obj, uint64_t *out_id) {
  (void)ctx;
  (void)key;
  (void)key_len;
  none_handle *h = malloc(sizeof(*h));
  void *obj = calloc(1, obj_size);
  if (h == NULL || obj == NULL) {
    free(h);
    free(obj);
    return NULL;
  }
  build(obj, arg);
  h->obj = obj;
  h->destroy = destroy;
  *out_obj = obj;
  *out_id = atomic_fetch_add(&g_none_ids, 1) + 1;
  return h;
}

static void none_release(void *ctx, void *handle) {
  (void)ctx;
  none_handle *h = handle;
  h->destroy(h->obj);
  free(h->obj);
  free(h);
}

const vouch_dcap_memo vouch_dcap_memo_none = {.acquire = none_acquire, .release = none_release};

/* ---- resolution through the memo ------------------------------------------------- */

/* Memo keys: a tag byte, then the exact inputs.  Composite objects name
 * their parts by memo id, which is unique per distinct object, so their
 * keys need no bytes of the parts. */
enum {
  TAG_CHAIN = 'C',
  TAG_CRL = 'R',
  TAG_TRUST = 'T',
  TAG_CA_TRUST = 'A',
  TAG_PCK_TRUST = 'P',
  TAG_SIGNED = 'S'
};

typedef struct {
  vouch_dcap_inputs *in;
  vouch_buf key;
  bool oom;
  uint64_t store_id; /* of the collateral being resolved (0: key by bytes) */
} resolver;

/* put_blob appends what identifies |data|: the bytes themselves, or, for a
 * store's immutable bytes, the store and the address (cheaper than copying,
 * hashing and comparing kilobytes of collateral for every item). */
static void put_blob(resolver *r, const void *data, size_t len, bool from_store) {
  if (from_store && r->store_id != 0) {
    uint64_t v[3] = {r->store_id, (uint64_t)(uintptr_t)data, (uint64_t)len};
    vouch_buf_putc(&r->key, 'S');
    vouch_buf_append(&r->key, v, sizeof(v));
    return;
  }
  vouch_buf_putc(&r->key, 'B');
  vouch_buf_append(&r->key, data, len);
}

static void *acquire(resolver *r, size_t obj_size, void (*build)(void *, void *), void *arg,
                     void (*destroy)(void *), uint64_t *id) {
  vouch_dcap_inputs *in = r->in;
  void *obj = NULL;
  if (vouch_buf_status(&r->key) != VOUCH_OK || in->num_handles >= VOUCH_DCAP_MAX_HANDLES) {
    r->oom = true;
    return NULL;
  }
  void *h = in->memo->acquire(in->memo->ctx, (const uint8_t *)r->key.data, r->key.len, obj_size,
                              build, arg, destroy, &obj, id);
  if (h == NULL) {
    r->oom = true;
    return NULL;
  }
  in->handles[in->num_handles++] = h;
  return obj;
}

static void put_u64(vouch_buf *b, uint64_t v) { vouch_buf_append(b, &v, sizeof(v)); }

typedef struct {
  vouch_dcap_chain_kind kind;
  const char *pem;
  size_t len;
} chain_arg;

static void build_chain(void *obj, void *arg) {
  chain_arg *a = arg;
  vouch_dcap_chain_build(a->kind, a->pem, a->len, obj);
}
static void destroy_chain(void *obj) { vouch_dcap_chain_cleanup(obj); }

static const vouch_dcap_chain *get_chain(resolver *r, vouch_dcap_chain_kind kind, const void *pem,
                                         size_t len, bool from_store, uint64_t *id) {
  vouch_buf_reset(&r->key);
  vouch_buf_putc(&r->key, TAG_CHAIN);
  vouch_buf_putc(&r->key, (char)kind);
  put_blob(r, pem, len, from_store);
  chain_arg a = {.kind = kind, .pem = pem, .len = len};
  return acquire(r, sizeof(vouch_dcap_chain), build_chain, &a, destroy_chain, id);
}

typedef struct {
  const uint8_t *data;
  size_t len;
} crl_arg;

static void build_crl(void *obj, void *arg) {
  crl_arg *a = arg;
  vouch_dcap_crl_build(a->data, a->len, obj);
}
static void destroy_crl(void *obj) { vouch_dcap_crl_cleanup(obj); }

static const vouch_dcap_crl *get_crl(resolver *r, const vouch_blob *b, uint64_t *id) {
  vouch_buf_reset(&r->key);
  vouch_buf_putc(&r->key, TAG_CRL);
  put_blob(r, b->data, b->len, true);
  crl_arg a = {.data = b->data, .len = b->len};
  return acquire(r, sizeof(vouch_dcap_crl), build_crl, &a, destroy_crl, id);
}

typedef struct {
  const struct vouch_anchors *anchors;
  const vouch_dcap_chain *chain;
  const vouch_dcap_crl *root_crl, *ca_crl;
} trust_arg;

static void build_trust(void *obj, void *arg) {
  trust_arg *a = arg;
  vouch_dcap_trust_build(a->anchors, a->chain, a->root_crl, a->ca_crl, obj);
}
static void destroy_trust(void *obj) { memset(obj, 0, sizeof(vouch_dcap_trust)); }

/* put_trust_key: a trust verdict's key: what it is (|tag|), the anchors,
 * and the memo ids of the chain and CRLs it was built from. */
static void put_trust_key(resolver *r, char tag, const struct vouch_anchors *anchors,
                          uint64_t chain_id, uint64_t root_id, uint64_t crl_id) {
  vouch_buf_reset(&r->key);
  vouch_buf_putc(&r->key, tag);
  put_u64(&r->key, vouch_anchors_id(anchors));
  put_u64(&r->key, chain_id);
  put_u64(&r->key, root_id);
  put_u64(&r->key, crl_id);
}

static const vouch_dcap_trust *get_trust(resolver *r, const struct vouch_anchors *anchors,
                                         const vouch_dcap_chain *chain, uint64_t chain_id,
                                         const vouch_dcap_crl *root_crl, uint64_t root_id,
                                         const vouch_dcap_crl *ca_crl, uint64_t ca_id) {
  put_trust_key(r, TAG_TRUST, anchors, chain_id, root_id, ca_crl ? ca_id : 0);
  trust_arg a = {.anchors = anchors, .chain = chain, .root_crl = root_crl, .ca_crl = ca_crl};
  uint64_t id;
  return acquire(r, sizeof(vouch_dcap_trust), build_trust, &a, destroy_trust, &id);
}

typedef struct {
  const struct vouch_anchors *anchors;
  struct vouch_cert *ca;
  const vouch_dcap_crl *root_crl;
} ca_trust_arg;

static void build_ca_trust(void *obj, void *arg) {
  ca_trust_arg *a = arg;
  vouch_dcap_ca_trust_build(a->anchors, a->ca, a->root_crl, obj);
}
static void destroy_ca_trust(void *obj) { vouch_dcap_ca_trust_cleanup(obj); }

/* get_ca_trust: keyed by the CA's bytes, not by the chain that carries
 * it, so that every platform under the CA shares one. */
static const vouch_dcap_ca_trust *get_ca_trust(resolver *r, const struct vouch_anchors *anchors,
                                               struct vouch_cert *ca,
                                               const vouch_dcap_crl *root_crl, uint64_t root_id) {
  size_t der_len = 0;
  const uint8_t *der = vouch_cert_der(ca, &der_len);
  vouch_buf_reset(&r->key);
  vouch_buf_putc(&r->key, TAG_CA_TRUST);
  put_u64(&r->key, vouch_anchors_id(anchors));
  put_u64(&r->key, root_id);
  put_blob(r, der, der_len, false);
  ca_trust_arg a = {.anchors = anchors, .ca = ca, .root_crl = root_crl};
  uint64_t id;
  return acquire(r, sizeof(vouch_dcap_ca_trust), build_ca_trust, &a, destroy_ca_trust, &id);
}

typedef struct {
  resolver *r;
  const struct vouch_anchors *anchors;
  const vouch_dcap_chain *chain;
  const vouch_dcap_crl *root_crl, *pck_crl;
  uint64_t root_id;
} pck_trust_arg;

/* owned_cert: the chain's own (mutable, reference-counted) pointer to |c|. */
static struct vouch_cert *owned_cert(const vouch_dcap_chain *chain, const struct vouch_cert *c) {
  for (size_t i = 0; i < chain->num_certs; i++) {
    if (chain->certs[i] == c) return chain->certs[i];
  }
  return NULL;
}

/* build_pck_trust fetches the CA's shared trust only now, when a platform's
 * own is built (once per platform, not per quote).  The nested lookup gets
 * its own key buffer: the caller's still holds this object's key, which the
 * memo copies after the build.  Without the CA's (no memory, no handle
 * left) the whole path is verified: slower, the same verdict. */
static void build_pck_trust(void *obj, void *arg) {
  pck_trust_arg *a = arg;
  const vouch_dcap_ca_trust *ca = NULL;
  struct vouch_cert *ca_cert = owned_cert(a->chain, a->chain->intermediate);
  if (a->chain->err.code == VOUCH_OK && ca_cert != NULL && a->root_crl->err.code == VOUCH_OK) {
    resolver sub = {.in = a->r->in, .store_id = a->r->store_id};
    vouch_buf_init(&sub.key, VOUCH_LIMIT_CERT_DATA + 64);
    ca = get_ca_trust(&sub, a->anchors, ca_cert, a->root_crl, a->root_id);
    vouch_buf_free(&sub.key);
  }
  vouch_dcap_pck_trust_build(a->anchors, a->chain, ca, a->root_crl, a->pck_crl, obj);
}

/* get_pck_trust: a PCK chain's trust, from its CA's shared one (see
 * vouch_dcap_ca_trust).  Its key is that of get_trust (the chain names its
 * CA), under its own tag. */
static const vouch_dcap_trust *get_pck_trust(resolver *r, const struct vouch_anchors *anchors,
                                             const vouch_dcap_chain *chain, uint64_t chain_id,
                                             const vouch_dcap_crl *root_crl, uint64_t root_id,
                                             const vouch_dcap_crl *pck_crl, uint64_t pck_crl_id) {
  put_trust_key(r, TAG_PCK_TRUST, anchors, chain_id, root_id, pck_crl_id);
  pck_trust_arg a = {.r = r,
                     .anchors = anchors,
                     .chain = chain,
                     .root_crl = root_crl,
                     .pck_crl = pck_crl,
                     .root_id = root_id};
  uint64_t id;
  return acquire(r, sizeof(vouch_dcap_trust), build_pck_trust, &a, destroy_trust, &id);
}

typedef struct {
  bool tcb;
  const vouch_blob *text, *sig;
  const vouch_dcap_chain *signer;
} signed_arg;

static void build_signed(void *obj, void *arg) {
  signed_arg *a = arg;
  vouch_dcap_signed_build(a->tcb, (const char *)a->text->data, a->text->len, a->sig->data,
                          a->signer, obj);
}
static void destroy_signed(void *obj) { vouch_dcap_signed_cleanup(obj); }

static const vouch_dcap_signed *get_signed(resolver *r, bool tcb, const vouch_blob *text,
                                           const vouch_blob *sig, const vouch_dcap_chain *signer,
                                           uint64_t signer_id) {
  if (text->len == 0 || sig->len != 64) return NULL; /* stage 2 reports it missing */
  vouch_buf_reset(&r->key);
  vouch_buf_putc(&r->key, TAG_SIGNED);
  vouch_buf_putc(&r->key, tcb ? 1 : 0);
  put_u64(&r->key, signer_id);
  put_blob(r, sig->data, 64, true);
  put_blob(r, text->data, text->len, true);
  signed_arg a = {.tcb = tcb, .text = text, .sig = sig, .signer = signer};
  uint64_t id;
  return acquire(r, sizeof(vouch_dcap_signed), build_signed, &a, destroy_signed, &id);
}

void vouch_dcap_inputs_init(vouch_dcap_inputs *in, const vouch_dcap_memo *memo) {
  memset(in, 0, sizeof(*in));
  in->memo = memo ? memo : &vouch_dcap_memo_none;
}

void vouch_dcap_inputs_resolve(const vouch_quote *q, const vouch_dcap_collateral *coll,
                               const struct vouch_anchors *anchors, vouch_dcap_inputs *in) {
  in->coll = coll;
  resolver r = {.in = in, .store_id = coll->store_id};
  vouch_buf_init(&r.key, VOUCH_LIMIT_COLLATERAL + 256);
  uint64_t pck_id = in->pck_chain_id, root_id = 0, pck_crl_id = 0, ca_id = 0, tcb_id = 0,
           qe_id = 0;

  /* The PCK chain: in the quote (type 5) or from collateral (types 1-4),
   * unless vouch_dcap_pck_lookup already brought it. */
  if (in->pck_chain != NULL) {
    /* kept */
  } else if (q->cert_type == 5) {
    in->pck_chain =
        get_chain(&r, VOUCH_DCAP_CHAIN_PCK, q->cert_data, q->cert_data_len, false, &pck_id);
  } else if (coll->pck_certificate_chain.len > 0) {
    in->pck_chain = get_chain(&r, VOUCH_DCAP_CHAIN_PCK, coll->pck_certificate_chain.data,
                              coll->pck_certificate_chain.len, true, &pck_id);
  }
  if (coll->root_ca_crl.len > 0) in->root_crl = get_crl(&r, &coll->root_ca_crl, &root_id);
  if (coll->pck_crl.len > 0) in->pck_crl = get_crl(&r, &coll->pck_crl, &pck_crl_id);
  bool crls_ok = in->root_crl && in->pck_crl;
  if (in->pck_chain && crls_ok) {
    in->pck_trust = get_pck_trust(&r, anchors, in->pck_chain, pck_id, in->root_crl, root_id,
                                  in->pck_crl, pck_crl_id);
  }
  in->pck_crl_chain = get_chain(&r, VOUCH_DCAP_CHAIN_CA, coll->pck_crl_issuer_chain.data,
                                coll->pck_crl_issuer_chain.len, true, &ca_id);
  if (in->pck_crl_chain && in->root_crl) {
    in->pck_crl_trust =
        get_trust(&r, anchors, in->pck_crl_chain, ca_id, in->root_crl, root_id, NULL, 0);
  }
  in->tcb_chain = get_chain(&r, VOUCH_DCAP_CHAIN_TCB_SIGNING, coll->tcb_info_issuer_chain.data,
                            coll->tcb_info_issuer_chain.len, true, &tcb_id);
  if (in->tcb_chain && in->root_crl) {
    in->tcb_trust = get_trust(&r, anchors, in->tcb_chain, tcb_id, in->root_crl, root_id, NULL, 0);
  }
  if (in->tcb_chain) {
    in->tcb_info = get_signed(&r, true, &coll->tcb_info, &coll->tcb_info_signature,
                              in->tcb_chain, tcb_id);
  }
  in->qe_chain = get_chain(&r, VOUCH_DCAP_CHAIN_TCB_SIGNING, coll->qe_identity_issuer_chain.data,
                           coll->qe_identity_issuer_chain.len, true, &qe_id);
  if (in->qe_chain && in->root_crl) {
    in->qe_trust = get_trust(&r, anchors, in->qe_chain, qe_id, in->root_crl, root_id, NULL, 0);
  }
  if (in->qe_chain) {
    in->qe_identity = get_signed(&r, false, &coll->qe_identity, &coll->qe_identity_signature,
                                 in->qe_chain, qe_id);
  }
  in->out_of_memory = r.oom;
  vouch_buf_free(&r.key);
}

void vouch_dcap_inputs_release(vouch_dcap_inputs *in) {
  for (size_t i = in->num_handles; i > 0; i--) in->memo->release(in->memo->ctx, in->handles[i - 1]);
  in->num_handles = 0;
}

vouch_status vouch_dcap_pck_lookup(const vouch_quote *q, const vouch_blob *pck_chain_pem,
                                   vouch_dcap_inputs *in, int64_t at, vouch_dcap_lookup *out,
                                   vouch_err *err) {
  memset(out, 0, sizeof(*out));
  const uint8_t *pem = q->cert_data;
  size_t len = q->cert_data_len;
  if (q->cert_type != 5) {
    if (pck_chain_pem == NULL || pck_chain_pem->len == 0) {
      return vouch_fail(err, VOUCH_E_COLLATERAL_MISSING,
                        "collateral: the quote carries certification data type %u (no PCK "
                        "chain); supply pck_certificate_chain",
                        q->cert_type);
    }
    pem = pck_chain_pem->data;
    len = pck_chain_pem->len;
  }
  /* Through the memo, into |in|: stage 1 then uses this very object. */
  resolver r = {.in = in};
  vouch_buf_init(&r.key, VOUCH_LIMIT_COLLATERAL + 256);
  /* Bytes from the quote, or from a bundle that is not a store's. */
  const vouch_dcap_chain *c =
      get_chain(&r, VOUCH_DCAP_CHAIN_PCK, pem, len, false, &in->pck_chain_id);
  vouch_buf_free(&r.key);
  if (c == NULL) return vouch_fail(err, VOUCH_E_NOMEM, "out of memory");
  if (c->err.code != VOUCH_OK) {
    return vouch_fail(err, c->err.code, "PCK certificate chain: %s", c->err.msg);
  }
  in->pck_chain = c;
  memcpy(out->fmspc, c->pck.fmspc, 6);
  out->platform_ca = c->platform_ca;
  out->tdx = q->tee_type == VOUCH_TEE_TDX;
  out->at = at;
  return VOUCH_OK;
}
