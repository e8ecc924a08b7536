/* crypto/chain.c - trust anchors and X.509 path validation.
 *
 * Design: OpenSSL's X509_verify_cert does the path building and every
 * check (signatures, validity at the caller's instant, basic constraints,
 * CRLs); this file decides what it is allowed to see and translates its
 * verdict.
 *  - The X509_STORE holds the anchors and nothing else (no default paths),
 *    so a path can only end at a pinned root.
 *  - Self-signed certificates in the untrusted list are dropped before
 *    OpenSSL sees them: the copy of the root that quotes carry is not
 *    needed (the anchor is in the store), and a self-signed impostor with
 *    the anchor's subject must not be able to terminate a path.
 *  - A verify callback records the first failure with the certificate it
 *    concerns (only valid inside the callback) and implements the two
 *    tolerances: expiry under allow_expired, and a missing CRL when CRLs
 *    are given but not required.
 *
 * Concurrency: an anchor set is built once, then only read; X509_STORE
 * lookups take the store's own lock, so one set can serve many threads.
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/internal.h"

/* Bounds on what one verification hands to OpenSSL's path builder. */
enum { kMaxUntrusted = 32, kMaxCrls = 32, kMaxAnchorPem = 64 };

/* ---- anchors ------------------------------------------------------------ */

/* Anchor-set ids: caches key trust verdicts by them, so every set (and
 * every change to one) gets a fresh id. */
static _Atomic uint64_t g_anchor_ids;

static void new_anchor_id(struct vouch_anchors *a) { a->id = atomic_fetch_add(&g_anchor_ids, 1) + 1; }

uint64_t vouch_anchors_id(const struct vouch_anchors *a) { return a->id; }

struct vouch_anchors *vouch_anchors_new(void) {
  struct vouch_anchors *a = calloc(1, sizeof(*a));
  if (a == NULL) return NULL;
  new_anchor_id(a);
  a->store = X509_STORE_new();
  if (a->store == NULL) {
    free(a);
    ERR_clear_error();
    return NULL;
  }
  return a;
}

void vouch_anchors_free(struct vouch_anchors *a) {
  if (a == NULL) return;
  for (size_t i = 0; i < a->num_certs; i++) vouch_cert_free(a->certs[i]);
  free(a->certs);
  X509_STORE_free(a->store);
  free(a);
}

size_t vouch_anchors_count(const struct vouch_anchors *a) {
  return a ? a->num_certs : 0;
}

const struct vouch_cert *vouch_anchors_find(const struct vouch_anchors *a,
                                            const struct vouch_cert *c) {
  if (a == NULL || c == NULL) return NULL;
  for (size_t i = 0; i < a->num_certs; i++) {
    if (vouch_cert_equal(a->certs[i], c)) return a->certs[i];
  }
  return NULL;
}

/* is_self_signed: self-issued and the signature verifies under its own key
 * (X509_self_signed also checks AKID/SKID and keyUsage consistency). */
static bool is_self_signed(const struct vouch_cert *c) {
  bool ok = vouch_cert_is_self_issued(c) && X509_self_signed(c->x509, 1) == 1;
  ERR_clear_error();
  return ok;
}

vouch_status vouch_anchors_add_cert(struct vouch_anchors *a, struct vouch_cert *c) {
  VOUCH_ENSURE(a != NULL && c != NULL, VOUCH_E_ARG);
  if (vouch_anchors_find(a, c) != NULL) return VOUCH_OK;
  VOUCH_ENSURE(is_self_signed(c), VOUCH_E_ARG);
  if (a->num_certs == a->cap) {
    size_t cap = a->cap ? 2 * a->cap : 4;
    struct vouch_cert **certs = realloc(a->certs, cap * sizeof(*certs));
    VOUCH_ENSURE(certs != NULL, VOUCH_E_NOMEM);
    a->certs = certs;
    a->cap = cap;
  }
  if (X509_STORE_add_cert(a->store, c->x509) != 1) return vouch_crypto_fail(VOUCH_E_CRYPTO);
  vouch_cert_up_ref(c);
  a->certs[a->num_certs++] = c;
  new_anchor_id(a);
  return VOUCH_OK;
}

vouch_status vouch_anchors_add_pem(struct vouch_anchors *a, const char *pem, size_t len,
                                   vouch_err *err) {
  if (a == NULL) return vouch_fail(err, VOUCH_E_ARG, "anchors: invalid argument");
  struct vouch_cert *certs[kMaxAnchorPem];
  size_t num = 0;
  VOUCH_GUARD(vouch_cert_chain_from_pem(pem, len, certs, kMaxAnchorPem, &num, err));
  vouch_status s = VOUCH_OK;
  /* Check all before adding any, so a bad file changes nothing. */
  for (size_t i = 0; i < num && s == VOUCH_OK; i++) {
    if (!is_self_signed(certs[i])) {
      char cn[128];
      vouch_cert_subject_cn(certs[i], cn, sizeof(cn));
      s = vouch_fail(err, VOUCH_E_ARG, "anchor %zu ('%s') is not a self-signed root", i, cn);
    }
  }
  for (size_t i = 0; i < num && s == VOUCH_OK; i++) {
    s = vouch_anchors_add_cert(a, certs[i]);
    if (s != VOUCH_OK) s = vouch_fail(err, s, "anchor %zu: cannot add", i);
  }
  for (size_t i = 0; i < num; i++) vouch_cert_free(certs[i]);
  return s;
}

/* constrains_below: extensions by which a CA limits the names or policies
 * of the certificates under it (RFC 5280 4.2.1.10, 4.2.1.11, 4.2.1.14,
 * 4.2.1.5).  A split verification does not carry them down to the leaf. */
static bool constrains_below(const X509 *x) {
  static const int kNids[] = {NID_name_constraints, NID_policy_constraints,
                              NID_inhibit_any_policy, NID_policy_mappings};
  for (size_t i = 0; i < sizeof(kNids) / sizeof(kNids[0]); i++) {
    if (X509_get_ext_by_NID(x, kNids[i], -1) >= 0) return true;
  }
  return false;
}

struct vouch_anchors *vouch_anchors_for_issuer(const struct vouch_anchors *anchors,
                                               const uint8_t root_sha256[VOUCH_SHA256_LEN],
                                               struct vouch_cert *ca) {
  if (anchors == NULL || root_sha256 == NULL || ca == NULL) return NULL;
  if (vouch_anchors_find(anchors, ca) != NULL) return NULL;
  const struct vouch_cert *root = NULL;
  for (size_t i = 0; i < anchors->num_certs && root == NULL; i++) {
    if (memcmp(anchors->certs[i]->sha256, root_sha256, VOUCH_SHA256_LEN) == 0) {
      root = anchors->certs[i];
    }
  }
  if (root == NULL || constrains_below(root->x509)) return NULL;
  struct vouch_anchors *a = vouch_anchors_new();
  if (a == NULL) return NULL;
  a->partial = true;
  a->certs = malloc(sizeof(*a->certs));
  if (a->certs == NULL || X509_STORE_add_cert(a->store, ca->x509) != 1) {
    ERR_clear_error();
    vouch_anchors_free(a);
    return NULL;
  }
  vouch_cert_up_ref(ca);
  a->certs[0] = ca;
  a->num_certs = a->cap = 1;
  return a;
}

/* ---- verification state and callback ----------------------------------------- */

typedef struct {
  const vouch_chain_opts *opts;
  bool expired_tolerated;
  bool failed; /* the fields below describe the first failure */
  int error;
  int depth;
  char cn[128];     /* subject CN of the certificate concerned */
  char serial[100]; /* its serial */
  int64_t not_before, not_after;
  bool have_crl; /* a CRL was being checked */
  char crl_cn[128];
  int64_t crl_this, crl_next;
} verify_state;

/* is_anchor_depth: the error concerns the top of the path, which by the
 * time revocation is checked is the (trusted) anchor. */
static bool is_anchor_depth(X509_STORE_CTX *ctx) {
  STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
  return chain != NULL && X509_STORE_CTX_get_error_depth(ctx) == sk_X509_num(chain) - 1;
}

static bool tolerated(verify_state *st, X509_STORE_CTX *ctx, int e) {
  if (st->opts->allow_expired &&
      (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CRL_HAS_EXPIRED)) {
    st->expired_tolerated = true;
    return true;
  }
  if (e != X509_V_ERR_UNABLE_TO_GET_CRL) return false;
  /* CRLs given but not required: a certificate no CRL covers is simply not
   * revocation-checked, while a CRL that is present must still be valid.
   * CRL_CHECK_ALL also asks for a CRL covering the anchor itself; trust in
   * an anchor comes from pinning, not from a CRL (RFC 5280 6.1), so its
   * absence is never an error.  (A CRL that is present and lists the
   * anchor still revokes it: OpenSSL finds it in scope, and refusing is
   * the safe reading of a root revoking itself.) */
  return !st->opts->require_crls || is_anchor_depth(ctx);
}

static void record_failure(verify_state *st, X509_STORE_CTX *ctx, int e) {
  st->failed = true;
  st->error = e;
  st->depth = X509_STORE_CTX_get_error_depth(ctx);
  X509 *x = X509_STORE_CTX_get_current_cert(ctx);
  if (x != NULL) {
    struct vouch_cert view = {.x509 = x}; /* borrowed, for the accessors */
    vouch_cert_subject_cn(&view, st->cn, sizeof(st->cn));
    vouch_cert_serial_hex(&view, st->serial, sizeof(st->serial));
    st->not_before = vouch_cert_not_before(&view);
    st->not_after = vouch_cert_not_after(&view);
  }
  X509_CRL *crl = X509_STORE_CTX_get0_current_crl(ctx);
  if (crl != NULL) {
    struct vouch_crl view = {.crl = crl};
    st->have_crl = true;
    vouch_crl_issuer_cn(&view, st->crl_cn, sizeof(st->crl_cn));
    st->crl_this = vouch_crl_this_update(&view);
    st->crl_next = vouch_crl_next_update(&view);
  }
}

static int verify_cb(int ok, X509_STORE_CTX *ctx) {
  if (ok == 1) return 1;
  verify_state *st = X509_STORE_CTX_get_app_data(ctx);
  int e = X509_STORE_CTX_get_error(ctx);
  if (tolerated(st, ctx, e)) return 1;
  if (!st->failed) record_failure(st, ctx, e);
  return 0;
}

/* ---- translating the verdict ----------------------------------------------- */

static vouch_status map_error(int e) {
  switch (e) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CRL_HAS_EXPIRED:
      return VOUCH_E_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return VOUCH_E_NOT_YET_VALID;
    case X509_V_ERR_CERT_REVOKED:
      return VOUCH_E_REVOKED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
      return VOUCH_E_UNTRUSTED_ROOT;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
      return VOUCH_E_SIGNATURE;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
    case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
      return VOUCH_E_CRL;
    default:
      return VOUCH_E_CHAIN;
  }
}

static vouch_status report(const verify_state *st, const vouch_chain_opts *opts, vouch_err *err) {
  vouch_status s = map_error(st->error);
  char at[VOUCH_TIME_STR_LEN], when[VOUCH_TIME_STR_LEN];
  vouch_time_format(opts->at, at);
  const char *why = X509_verify_cert_error_string(st->error);
  bool crl_time =
      st->error == X509_V_ERR_CRL_HAS_EXPIRED || st->error == X509_V_ERR_CRL_NOT_YET_VALID;
  if (crl_time && st->have_crl) {
    bool expired = st->error == X509_V_ERR_CRL_HAS_EXPIRED;
    vouch_time_format(expired ? st->crl_next : st->crl_this, when);
    return vouch_fail(err, s, "CRL issued by '%s' %s %s (instant %s)", st->crl_cn,
                      expired ? "expired at" : "not valid before", when, at);
  }
  switch (st->error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      vouch_time_format(st->not_after, when);
      return vouch_fail(err, s, "certificate '%s' expired at %s (instant %s)", st->cn, when, at);
    case X509_V_ERR_CERT_NOT_YET_VALID:
      vouch_time_format(st->not_before, when);
      return vouch_fail(err, s, "certificate '%s' not valid before %s (instant %s)", st->cn, when,
                        at);
    case X509_V_ERR_CERT_REVOKED:
      return vouch_fail(err, s, "certificate '%s' (serial %s) revoked by CRL issued by '%s'",
                        st->cn, st->serial, st->have_crl ? st->crl_cn : "?");
    default:
      break;
  }
  if (s == VOUCH_E_UNTRUSTED_ROOT) {
    return vouch_fail(err, s, "certificate '%s': %s (no path to a trusted root)", st->cn, why);
  }
  return vouch_fail(err, s, "certificate '%s' at depth %d: %s", st->cn,
                    st->depth + opts->depth_offset, why);
}

/* ---- the verification ---------------------------------------------------------- */

/* untrusted_stack keeps the intermediates OpenSSL may use (see the design
 * note); the stack borrows the X509s. */
static STACK_OF(X509) * untrusted_stack(const struct vouch_anchors *anchors,
                                        struct vouch_cert *const *untrusted, size_t num) {
  STACK_OF(X509) *sk = sk_X509_new_null();
  for (size_t i = 0; sk != NULL && i < num; i++) {
    if (vouch_anchors_find(anchors, untrusted[i]) != NULL) continue;
    if (vouch_cert_is_self_issued(untrusted[i])) continue;
    if (sk_X509_push(sk, untrusted[i]->x509) <= 0) {
      sk_X509_free(sk);
      return NULL;
    }
  }
  return sk;
}

static STACK_OF(X509_CRL) * crl_stack(struct vouch_crl *const *crls, size_t num) {
  STACK_OF(X509_CRL) *sk = sk_X509_CRL_new_null();
  for (size_t i = 0; sk != NULL && i < num; i++) {
    if (sk_X509_CRL_push(sk, crls[i]->crl) <= 0) {
      sk_X509_CRL_free(sk);
      return NULL;
    }
  }
  return sk;
}

/* earliest_expiry is the first instant something on the path stops being
 * valid: a certificate's notAfter or the nextUpdate of a CRL that covers a
 * certificate on the path (same issuer name). */
static int64_t earliest_expiry(STACK_OF(X509) * chain, struct vouch_crl *const *crls,
                               size_t num_crls, bool crls_used) {
  int64_t min = INT64_MAX;
  for (int i = 0; i < sk_X509_num(chain); i++) {
    X509 *x = sk_X509_value(chain, i);
    struct vouch_cert view = {.x509 = x};
    int64_t t = vouch_cert_not_after(&view);
    if (t < min) min = t;
    for (size_t j = 0; crls_used && j < num_crls; j++) {
      if (X509_NAME_cmp(X509_CRL_get_issuer(crls[j]->crl), X509_get_issuer_name(x)) != 0) {
        continue;
      }
      t = vouch_crl_next_update(crls[j]);
      if (t < min) min = t;
    }
  }
  return min;
}

/* find_anchor returns the anchor identical to the path's last certificate. */
static const struct vouch_cert *find_anchor(const struct vouch_anchors *anchors,
                                            STACK_OF(X509) * chain) {
  int n = sk_X509_num(chain);
  if (n <= 0) return NULL;
  X509 *top = sk_X509_value(chain, n - 1);
  for (size_t i = 0; i < anchors->num_certs; i++) {
    if (X509_cmp(anchors->certs[i]->x509, top) == 0) return anchors->certs[i];
  }
  return NULL;
}

static void configure(X509_STORE_CTX *ctx, const struct vouch_anchors *anchors,
                      const vouch_chain_opts *opts, bool check_crls) {
  unsigned long flags = X509_V_FLAG_X509_STRICT;
  /* A partial set's CA had its own path and CRL checked: below it there is
   * only the leaf, and only the leaf needs its CRL. */
  if (anchors->partial) flags |= X509_V_FLAG_PARTIAL_CHAIN;
  if (check_crls) {
    flags |= X509_V_FLAG_CRL_CHECK | (anchors->partial ? 0 : X509_V_FLAG_CRL_CHECK_ALL);
  }
  if (opts->no_time_check) flags |= X509_V_FLAG_NO_CHECK_TIME;
  X509_STORE_CTX_set_flags(ctx, flags);
  /* Sets X509_V_FLAG_USE_CHECK_TIME too: the clock is never consulted. */
  if (!opts->no_time_check) X509_STORE_CTX_set_time(ctx, 0, (time_t)opts->at);
  X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
}

static void add_window(vouch_chain_result *out, const char *name, bool is_crl, int64_t from,
                       int64_t until) {
  if (out->num_windows >= VOUCH_CHAIN_MAX_WINDOWS) return;
  vouch_chain_window *w = &out->windows[out->num_windows++];
  snprintf(w->name, sizeof(w->name), "%.63s", name);
  w->is_crl = is_crl;
  w->from = from;
  w->until = until;
}

/* collect_windows records the windows of the path and of the CRLs covering
 * it (same issuer name as a certificate on the path), each CRL once. */
static void collect_windows(STACK_OF(X509) * chain, struct vouch_crl *const *crls,
                            size_t num_crls, bool crls_used, vouch_chain_result *out) {
  bool crl_seen[kMaxCrls] = {false};
  for (int i = 0; i < sk_X509_num(chain); i++) {
    struct vouch_cert view = {.x509 = sk_X509_value(chain, i)};
    char cn[128];
    vouch_cert_subject_cn(&view, cn, sizeof(cn));
    add_window(out, cn, false, vouch_cert_not_before(&view), vouch_cert_not_after(&view));
  }
  for (int i = 0; crls_used && i < sk_X509_num(chain); i++) {
    X509 *x = sk_X509_value(chain, i);
    for (size_t j = 0; j < num_crls && j < kMaxCrls; j++) {
      if (crl_seen[j] ||
          X509_NAME_cmp(X509_CRL_get_issuer(crls[j]->crl), X509_get_issuer_name(x)) != 0) {
        continue;
      }
      crl_seen[j] = true;
      char cn[128];
      vouch_crl_issuer_cn(crls[j], cn, sizeof(cn));
      add_window(out, cn, true, vouch_crl_this_update(crls[j]), vouch_crl_next_update(crls[j]));
    }
  }
}

vouch_status vouch_chain_check_windows(const vouch_chain_result *r, int64_t at,
                                       bool allow_expired, bool *out_expired_tolerated,
                                       int64_t *out_earliest_expiry, vouch_err *err) {
  int64_t earliest = INT64_MAX;
  bool tolerated = false;
  char at_s[VOUCH_TIME_STR_LEN], when[VOUCH_TIME_STR_LEN];
  vouch_time_format(at, at_s);
  for (size_t i = 0; i < r->num_windows; i++) {
    const vouch_chain_window *w = &r->windows[i];
    if (w->until < earliest) earliest = w->until;
    const char *what = w->is_crl ? "CRL issued by" : "certificate";
    if (at < w->from) {
      vouch_time_format(w->from, when);
      return vouch_fail(err, VOUCH_E_NOT_YET_VALID, "%s '%s' not valid before %s (instant %s)",
                        what, w->name, when, at_s);
    }
    if (at > w->until) {
      if (allow_expired) {
        tolerated = true;
        continue;
      }
      vouch_time_format(w->until, when);
      return vouch_fail(err, VOUCH_E_EXPIRED, "%s '%s' expired at %s (instant %s)", what,
                        w->name, when, at_s);
    }
  }
  if (out_expired_tolerated) *out_expired_tolerated = tolerated;
  if (out_earliest_expiry) *out_earliest_expiry = earliest;
  return VOUCH_OK;
}

/* check_room_below: with opts->depth_offset certificates under the path's
 * first one, every CA above must allow them in its pathLenConstraint (the
 * count of CAs that may follow it; OpenSSL checked the path as given).
 * Self-issued CAs are counted too, which can only refuse more. */
static vouch_status check_room_below(STACK_OF(X509) * chain, const vouch_chain_opts *opts,
                                     vouch_chain_result *out, vouch_err *err) {
  for (int i = 1; i < sk_X509_num(chain); i++) {
    X509 *x = sk_X509_value(chain, i);
    long limit = X509_get_pathlen(x);
    long below = (long)(i - 1) + opts->depth_offset;
    if (limit < 0 || limit >= below) continue;
    struct vouch_cert view = {.x509 = x};
    char cn[128];
    vouch_cert_subject_cn(&view, cn, sizeof(cn));
    out->x509_error = X509_V_ERR_PATH_LENGTH_EXCEEDED;
    out->failed_depth = i + opts->depth_offset;
    return vouch_fail(err, VOUCH_E_CHAIN, "certificate '%s' at depth %d: %s", cn,
                      out->failed_depth,
                      X509_verify_cert_error_string(X509_V_ERR_PATH_LENGTH_EXCEEDED));
  }
  return VOUCH_OK;
}

/* run_verify runs OpenSSL's verification and fills |out| on success. */
static vouch_status run_verify(X509_STORE_CTX *ctx, verify_state *st,
                               const struct vouch_anchors *anchors, struct vouch_crl *const *crls,
                               size_t num_crls, bool check_crls, vouch_chain_result *out,
                               vouch_err *err) {
  int r = X509_verify_cert(ctx);
  if (r != 1 || st->failed) {
    if (!st->failed) {
      st->error = X509_STORE_CTX_get_error(ctx);
      st->depth = X509_STORE_CTX_get_error_depth(ctx);
      st->failed = true;
    }
    out->x509_error = st->error;
    out->failed_depth = st->depth + st->opts->depth_offset;
    if (st->error == X509_V_OK) {
      return vouch_fail(err, VOUCH_E_CRYPTO, "chain: verification failed inside OpenSSL");
    }
    return report(st, st->opts, err);
  }
  STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
  const struct vouch_cert *anchor = find_anchor(anchors, chain);
  if (anchor == NULL) {
    return vouch_fail(err, VOUCH_E_UNTRUSTED_ROOT, "chain: path does not end at an anchor");
  }
  if (st->opts->depth_offset > 0) VOUCH_GUARD(check_room_below(chain, st->opts, out, err));
  memcpy(out->anchor_sha256, anchor->sha256, VOUCH_SHA256_LEN);
  out->earliest_expiry = earliest_expiry(chain, crls, num_crls, check_crls);
  out->expired_tolerated = st->expired_tolerated;
  collect_windows(chain, crls, num_crls, check_crls, out);
  return VOUCH_OK;
}

vouch_status vouch_chain_verify(const struct vouch_anchors *anchors, const struct vouch_cert *leaf,
                                struct vouch_cert *const *untrusted, size_t num_untrusted,
                                struct vouch_crl *const *crls, size_t num_crls,
                                const vouch_chain_opts *opts, vouch_chain_result *out,
                                vouch_err *err) {
  vouch_chain_result scratch;
  if (out == NULL) out = &scratch;
  memset(out, 0, sizeof(*out));
  out->failed_depth = -1;
  if (anchors == NULL || leaf == NULL || opts == NULL || (num_untrusted && !untrusted) ||
      (num_crls && !crls) || opts->depth_offset < 0 || opts->depth_offset > kMaxUntrusted) {
    return vouch_fail(err, VOUCH_E_ARG, "chain: invalid argument");
  }
  if (num_untrusted > kMaxUntrusted || num_crls > kMaxCrls) {
    return vouch_fail(err, VOUCH_E_LIMIT, "chain: too many certificates or CRLs");
  }
  if (anchors->num_certs == 0) {
    return vouch_fail(err, VOUCH_E_UNTRUSTED_ROOT, "chain: no trust anchors configured");
  }
  bool check_crls = num_crls > 0 || opts->require_crls;
  verify_state st = {.opts = opts, .depth = -1};
  vouch_status s = VOUCH_E_CRYPTO;
  STACK_OF(X509) *sk = untrusted_stack(anchors, untrusted, num_untrusted);
  STACK_OF(X509_CRL) *crl_sk = crl_stack(crls, num_crls);
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  if (sk == NULL || crl_sk == NULL || ctx == NULL ||
      X509_STORE_CTX_init(ctx, anchors->store, leaf->x509, sk) != 1 ||
      X509_STORE_CTX_set_app_data(ctx, &st) != 1) {
    s = vouch_fail(err, VOUCH_E_CRYPTO, "chain: cannot set up verification");
    goto done;
  }
  configure(ctx, anchors, opts, check_crls);
  if (check_crls) X509_STORE_CTX_set0_crls(ctx, crl_sk);
  s = run_verify(ctx, &st, anchors, crls, num_crls, check_crls, out, err);
done:
  X509_STORE_CTX_free(ctx);
  sk_X509_CRL_free(crl_sk);
  sk_X509_free(sk);
  ERR_clear_error();
  return s;
}
