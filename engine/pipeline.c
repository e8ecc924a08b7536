/* engine/pipeline.c - the worker pool and what a worker does with a batch.
 *
 * A worker takes a whole batch and runs it in three passes:
 *   1. for every line: scan the envelope, resolve collateral (through the
 *      cache), run the verifier up to its signature checks;
 *   2. gather the signature checks of the batch, answer what the
 *      verified-signature cache already knows, sort the rest by
 *      (key, digest, signature) so duplicates are checked once and each
 *      distinct key is imported once, run them, record them;
 *   3. finish every item and serialize its result line, in input order.
 * Every line yields exactly one result line.
 *
 * Queues: work (loop -> workers) and done (workers -> loop) are bounded;
 * the loop never has more than max_in_flight batches out, so memory stays
 * flat whatever the input size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <xxhash.h>

#include "crypto/crypto.h"
#include "engine/internal.h"
#include "policy/policy.h"

/* ---- queues --------------------------------------------------------------- */

void batch_queue_init(batch_queue *q, size_t cap) {
  memset(q, 0, sizeof(*q));
  pthread_mutex_init(&q->mu, NULL);
  pthread_cond_init(&q->not_empty, NULL);
  pthread_cond_init(&q->not_full, NULL);
  q->cap = cap;
}

void batch_queue_destroy(batch_queue *q) {
  pthread_mutex_destroy(&q->mu);
  pthread_cond_destroy(&q->not_empty);
  pthread_cond_destroy(&q->not_full);
}

void batch_queue_push(batch_queue *q, vouch_batch *b) {
  pthread_mutex_lock(&q->mu);
  while (q->len >= q->cap && !q->closed) pthread_cond_wait(&q->not_full, &q->mu);
  b->next = NULL;
  if (q->tail) {
    q->tail->next = b;
  } else {
    q->head = b;
  }
  q->tail = b;
  q->len++;
  pthread_cond_signal(&q->not_empty);
  pthread_mutex_unlock(&q->mu);
}

static vouch_batch *pop_locked(batch_queue *q) {
  vouch_batch *b = q->head;
  q->head = b->next;
  if (q->head == NULL) q->tail = NULL;
  q->len--;
  pthread_cond_signal(&q->not_full);
  return b;
}

vouch_batch *batch_queue_pop(batch_queue *q) {
  pthread_mutex_lock(&q->mu);
  while (q->head == NULL && !q->closed) pthread_cond_wait(&q->not_empty, &q->mu);
  vouch_batch *b = q->head ? pop_locked(q) : NULL;
  pthread_mutex_unlock(&q->mu);
  return b;
}

vouch_batch *batch_queue_try_pop(batch_queue *q) {
  pthread_mutex_lock(&q->mu);
  vouch_batch *b = q->head ? pop_locked(q) : NULL;
  pthread_mutex_unlock(&q->mu);
  return b;
}

void batch_queue_close(batch_queue *q) {
  pthread_mutex_lock(&q->mu);
  q->closed = true;
  pthread_cond_broadcast(&q->not_empty);
  pthread_cond_broadcast(&q->not_full);
  pthread_mutex_unlock(&q->mu);
}

/* ---- batches ---------------------------------------------------------------- */

size_t engine_batch_size(const struct vouch_engine *e) {
  return e->cfg.batch;
}

vouch_batch *engine_batch_get(struct vouch_engine *e) {
  pthread_mutex_lock(&e->free_mu);
  vouch_batch *b = e->free_list;
  if (b) e->free_list = b->next;
  pthread_mutex_unlock(&e->free_mu);
  if (b == NULL) {
    b = calloc(1, sizeof(*b));
    if (b == NULL) return NULL;
    vouch_buf_init(&b->out, 0);
  }
  b->text_len = 0;
  b->num_lines = 0;
  vouch_buf_reset(&b->out);
  memset(b->by_verdict, 0, sizeof(b->by_verdict));
  memset(b->by_policy, 0, sizeof(b->by_policy));
  b->next = NULL;
  return b;
}

void engine_batch_put(struct vouch_engine *e, vouch_batch *b) {
  /* Keep recycled batches from holding on to a one-off huge line. */
  if (b->text_cap > (8u << 20)) {
    free(b->text);
    b->text = NULL;
    b->text_cap = 0;
  }
  pthread_mutex_lock(&e->free_mu);
  b->next = e->free_list;
  e->free_list = b;
  pthread_mutex_unlock(&e->free_mu);
}

static void batch_free(vouch_batch *b) {
  for (size_t i = 0; i < b->num_lines; i++) {
    vouch_policy_free(b->lines[i].policy);
    vouch_cert_free(b->lines[i].policy_signer);
  }
  free(b->text);
  free(b->lines);
  vouch_buf_free(&b->out);
  free(b);
}

vouch_status engine_batch_add(vouch_batch *b, const char *line, size_t len, uint64_t line_no,
                              bool overlong) {
  if (b->num_lines == b->cap_lines) {
    size_t cap = b->cap_lines ? 2 * b->cap_lines : 64;
    batch_line *l = realloc(b->lines, cap * sizeof(*l));
    if (l == NULL) return VOUCH_E_NOMEM;
    b->lines = l;
    b->cap_lines = cap;
  }
  size_t keep = overlong ? 0 : len;
  if (b->text_len + keep > b->text_cap) {
    size_t cap = b->text_cap ? b->text_cap : 1 << 16;
    while (cap < b->text_len + keep) cap *= 2;
    char *t = realloc(b->text, cap);
    if (t == NULL) return VOUCH_E_NOMEM;
    b->text = t;
    b->text_cap = cap;
  }
  batch_line *l = &b->lines[b->num_lines++];
  memset(l, 0, sizeof(*l));
  l->off = b->text_len;
  l->len = keep;
  l->line_no = line_no;
  l->overlong = overlong;
  if (keep) memcpy(b->text + b->text_len, line, keep);
  b->text_len += keep;
  return VOUCH_OK;
}

/* ---- workers ------------------------------------------------------------------ */

/* Inline collateral bundles come back for many items: the parsed bundle is
 * a cache entry like any other (key: its exact bytes). */
typedef struct {
  vouch_err err;
  vouch_dcap_collateral coll;
} bundle_obj;

typedef struct {
  const char *text;
  size_t len;
} bundle_arg;

static void build_bundle(void *obj, void *arg) {
  bundle_obj *o = obj;
  bundle_arg *a = arg;
  if (vouch_dcap_collateral_from_json(a->text, a->len, &o->coll, &o->err) != VOUCH_OK) {
    memset(&o->coll, 0, sizeof(o->coll));
  }
}

static void destroy_bundle(void *obj) {
  bundle_obj *o = obj;
  vouch_dcap_collateral_cleanup(&o->coll);
}

/* Imported attestation keys are cached too: a platform signs all its quotes
 * with one key, and importing a P-256 point costs a fifth of a verify. */
typedef struct {
  struct vouch_pubkey *key; /* NULL: not a valid point */
} key_obj;

static void build_key(void *obj, void *arg) {
  key_obj *k = obj;
  if (vouch_pubkey_from_p256_xy(arg, &k->key) != VOUCH_OK) {
    vouch_crypto_clear_errors();
    k->key = NULL;
  }
}

static void destroy_key(void *obj) {
  vouch_pubkey_free(((key_obj *)obj)->key);
}

/* One signature request of the batch, with its dedupe key. */
typedef struct {
  uint8_t key[64 + 32 + 64]; /* point || digest || signature */
  vouch_dcap_sig *sig;
} sig_ref;

/* A worker's L1 in front of the shared cache.  Nearly every item of a run
 * asks for the same few objects (TCB Info, QE Identity, CRLs, trust
 * verdicts); going to the shared cache for each would make every worker
 * write the same mutexes and reference counts, which then bounce between
 * cores.  The L1 holds one shared reference per slot and hands out its
 * objects without touching shared memory.  A slot is replaced only if no
 * item of the current batch used it, since items hold what they got until
 * the end of the batch. */
enum { kL1Slots = 256 };
typedef struct {
  uint64_t lo, hi;
  uint8_t *key; /* owned copy; NULL: empty slot */
  size_t key_len;
  void *handle; /* the L1's reference in the shared cache */
  void *obj;
  uint64_t id;
  uint64_t stamp; /* the batch that last used the slot */
} l1_slot;

struct worker {
  struct vouch_engine *e;
  l1_slot l1[kL1Slots];
  uint64_t stamp; /* batches processed */
  char l1_token;  /* the address handed out as "an L1 handle" */
  vouch_dcap_memo l1_memo;
  pthread_t thread;
  size_t cap;           /* items per batch */
  vouch_envelope *envs; /* per item: decoded evidence lives here until the end */
  vouch_sgx_item *items;
  vouch_result *results;
  bool *pending; /* item waiting for its signatures */
  sig_ref *refs;
  size_t cap_refs;
  struct vouch_policy_eval *policy_eval; /* with a policy: this worker's evaluator */
  vouch_buf token_claims, token_out;     /* with tokens: reused per item */
};

static int cmp_ref(const void *a, const void *b) {
  return memcmp(((const sig_ref *)a)->key, ((const sig_ref *)b)->key, sizeof(((sig_ref *)0)->key));
}

static void error_result(vouch_result *r, int64_t at, vouch_status code, const char *msg,
                         uint64_t line_no) {
  vouch_err err = {0};
  vouch_result_init(r, at);
  vouch_fail(&err, code, "line %llu: %s", (unsigned long long)line_no, msg);
  vouch_result_fail(r, VOUCH_VERDICT_ERROR, &err);
}

/* begin_item: pass 1 for one line. */
static void begin_item(worker *w, vouch_batch *b, size_t i) {
  struct vouch_engine *e = w->e;
  const vouch_engine_config *cfg = &e->cfg;
  batch_line *l = &b->lines[i];
  vouch_envelope *env = &w->envs[i];
  vouch_result *r = &w->results[i];
  w->pending[i] = false;
  env->has_id = false;
  if (l->overlong) {
    char msg[96];
    snprintf(msg, sizeof(msg), "longer than the limit of %zu bytes", cfg->max_line);
    error_result(r, cfg->at, VOUCH_E_LIMIT, msg, l->line_no);
    return;
  }
  vouch_err err = {0};
  if (vouch_envelope_parse(b->text + l->off, l->len, env, &err) != VOUCH_OK) {
    error_result(r, cfg->at, err.code, err.msg, l->line_no);
    return;
  }
  /* SNP chains (RSA-4096 PSS) are verified once per distinct VCEK/VLEK in
   * the shared cache; the L1 layer is the DCAP verifier's. */
  vouch_snp_memo snp_memo = {.acquire = e->memo.acquire, .release = e->memo.release,
                             .ctx = e->memo.ctx};
  if (vouch_verify_direct(env, cfg->at, cfg->allow_expired, cfg->anchors, cfg->snp_collateral,
                          cfg->snp_source, e->cache ? &snp_memo : NULL, r))
    return;
  vouch_sgx_opts opts;
  if (!vouch_envelope_sgx_opts(env, cfg->at, cfg->allow_expired, cfg->anchors, &opts, r)) return;
  int64_t at = opts.dcap.at;
  const vouch_dcap_collateral *coll = cfg->collateral;
  void *bundle_handle = NULL;
  const vouch_dcap_memo *memo = e->cache ? &w->l1_memo : &vouch_dcap_memo_none;
  if (env->collateral != NULL) {
    bundle_obj *obj = NULL;
    uint64_t id;
    vouch_buf key;
    vouch_buf_init(&key, 0);
    vouch_buf_putc(&key, 'B');
    vouch_buf_append(&key, env->collateral, env->collateral_len);
    bundle_arg a = {.text = env->collateral, .len = env->collateral_len};
    bundle_handle = memo->acquire(memo->ctx, (const uint8_t *)key.data, key.len, sizeof(bundle_obj),
                                  build_bundle, &a, destroy_bundle, (void **)&obj, &id);
    vouch_buf_free(&key);
    if (bundle_handle == NULL || obj->err.code != VOUCH_OK) {
      vouch_result_init(r, at);
      if (bundle_handle == NULL) {
        vouch_fail(&err, VOUCH_E_NOMEM, "collateral: out of memory");
      } else {
        err = obj->err;
      }
      vouch_result_fail(r, VOUCH_VERDICT_ERROR, &err);
      if (bundle_handle) memo->release(memo->ctx, bundle_handle);
      return;
    }
    coll = &obj->coll;
  }
  vouch_sgx_begin(&w->items[i], env->evidence, env->evidence_len, coll, cfg->collateral_source,
                  &opts, memo, r);
  if (bundle_handle) memo->release(memo->ctx, bundle_handle);
  w->pending[i] = w->items[i].stage == VOUCH_SGX_SIGNATURES; /* end() must run */
}

/* check_signatures: pass 2 over every pending item of the batch. */
static void check_signatures(worker *w, size_t n) {
  struct vouch_engine *e = w->e;
  size_t num = 0;
  for (size_t i = 0; i < n; i++) {
    if (!w->pending[i]) continue;
    for (size_t k = 0; k < w->items[i].num_sigs; k++) {
      if (num == w->cap_refs) return; /* cannot happen: sized for 2 per item */
      sig_ref *r = &w->refs[num++];
      vouch_dcap_sig *s = w->items[i].sigs[k];
      memcpy(r->key, s->xy, 64);
      memcpy(r->key + 64, s->digest, 32);
      memcpy(r->key + 96, s->sig, 64);
      r->sig = s;
    }
  }
  atomic_fetch_add(&e->sig_requested, num);
  if (e->cache == NULL || e->cfg.no_sig_cache) { /* every check on its own */
    for (size_t i = 0; i < num; i++) vouch_dcap_check_sig(w->refs[i].sig);
    atomic_fetch_add(&e->sig_checked, num);
    return;
  }
  qsort(w->refs, num, sizeof(sig_ref), cmp_ref);
  uint64_t checked = 0, hits = 0, dups = 0;
  const struct vouch_pubkey *key = NULL; /* imported once per distinct point */
  void *key_handle = NULL;
  const uint8_t *key_xy = NULL;
  for (size_t i = 0; i < num;) {
    size_t j = i + 1;
    while (j < num && memcmp(w->refs[j].key, w->refs[i].key, sizeof(w->refs[i].key)) == 0) j++;
    dups += j - i - 1;
    vouch_dcap_sig *s = w->refs[i].sig;
    int result;
    /* Only checks under certificate keys are ever stored (see below). */
    if (s->key != NULL &&
        vouch_cache_sig_lookup(e->cache, w->refs[i].key, sizeof(w->refs[i].key), &result)) {
      hits++;
    } else {
      if (s->key == NULL && (key_xy == NULL || memcmp(key_xy, s->xy, 64) != 0)) {
        vouch_cache_release(e->cache, key_handle);
        key_xy = s->xy;
        uint8_t kk[65] = {'K'};
        memcpy(kk + 1, s->xy, 64);
        key_obj *ko = NULL;
        uint64_t id;
        key_handle = vouch_cache_acquire(e->cache, kk, sizeof(kk), sizeof(key_obj), build_key,
                                         (void *)s->xy, destroy_key, (void **)&ko, &id);
        key = key_handle ? ko->key : NULL;
      }
      const struct vouch_pubkey *k = s->key ? s->key : key;
      if (k == NULL) {
        result = 2; /* not a valid point */
      } else {
        result = vouch_ecdsa_verify_rs_digest(k, s->digest, 32, s->sig, 64) == VOUCH_OK ? 1 : 0;
        vouch_crypto_clear_errors();
      }
      checked++;
      /* Remember checks that recur: those under a certificate key (a
       * platform's QE report, the same in all its quotes).  A quote's own
       * signature is unique to it and would only crowd the cache. */
      if (s->key != NULL) {
        vouch_cache_sig_store(e->cache, w->refs[i].key, sizeof(w->refs[i].key), result);
      }
    }
    for (size_t k = i; k < j; k++) w->refs[k].sig->result = result;
    i = j;
  }
  vouch_cache_release(e->cache, key_handle);
  atomic_fetch_add(&e->sig_checked, checked);
  atomic_fetch_add(&e->sig_cache_hits, hits);
  atomic_fetch_add(&e->sig_batch_dups, dups);
}

static void process_batch(worker *w, vouch_batch *b) {
  size_t n = b->num_lines;
  w->stamp++;
  for (size_t i = 0; i < n; i++) begin_item(w, b, i);
  check_signatures(w, n);
  for (size_t i = 0; i < n; i++) {
    vouch_result *r = &w->results[i];
    if (w->pending[i]) vouch_sgx_end(&w->items[i], r);
    vouch_check_event_log(&w->envs[i], r);
    batch_line *l = &b->lines[i];
    vouch_json j;
    vouch_json_init(&j, &b->out);
    l->out_off = b->out.len;
    const vouch_envelope *env = &w->envs[i];
    const struct vouch_policy *policy = l->policy ? l->policy : w->e->cfg.policy;
    if (!l->policy && (unsigned)env->type < 8 && w->e->cfg.policy_by_type[env->type])
      policy = w->e->cfg.policy_by_type[env->type];
    if (policy && !w->policy_eval) w->policy_eval = vouch_policy_eval_new(); /* NULL: no policy */
    vouch_appraisal a;
    vouch_appraise(policy, w->policy_eval, r, &a);
    a.brief = l->brief_result;
    if (w->e->cfg.token && policy) {
      vouch_token_config tc = *w->e->cfg.token;
      if (l->unsigned_token) tc.unsigned_token = true;
      if (l->policy_signer) tc.policy_signer = l->policy_signer;
      a.token_wanted = true;
      vouch_buf_reset(&w->token_out);
      if (vouch_issue_token(&tc, policy, &a, env, r, &w->token_claims, &w->token_out, NULL) ==
          VOUCH_OK) {
        a.token = w->token_out.data;
        a.token_len = w->token_out.len;
      }
    }
    vouch_write_result(&a, env, r, &j);
    b->by_policy[a.outcome]++;
    l->out_len = b->out.len - l->out_off;
    vouch_buf_putc(&b->out, '\n');
    l->verdict = r->verdict;
    b->by_verdict[r->verdict]++;
  }
  if (vouch_buf_status(&b->out) != VOUCH_OK) {
    /* Never drop a line: rebuild the batch's output as bare error lines. */
    vouch_buf_reset(&b->out);
    for (size_t i = 0; i < n; i++) {
      b->lines[i].out_off = b->out.len;
      vouch_buf_printf(&b->out,
                       "{\"id\":null,\"status\":\"error\",\"error\":{\"code\":\"E_NOMEM\","
                       "\"message\":\"line %llu: result too large to serialize\"}}",
                       (unsigned long long)b->lines[i].line_no);
      b->lines[i].out_len = b->out.len - b->lines[i].out_off;
      vouch_buf_putc(&b->out, '\n');
    }
  }
}

static void *l1_acquire(void *ctx, const uint8_t *key, size_t key_len, size_t obj_size,
                        void (*build)(void *obj, void *arg), void *arg, void (*destroy)(void *obj),
                        void **out_obj, uint64_t *out_id) {
  worker *w = ctx;
  XXH128_hash_t h = XXH3_128bits(key, key_len);
  l1_slot *slot = &w->l1[h.low64 & (kL1Slots - 1)];
  if (slot->key != NULL && slot->lo == h.low64 && slot->hi == h.high64 &&
      slot->key_len == key_len && memcmp(slot->key, key, key_len) == 0) {
    slot->stamp = w->stamp;
    *out_obj = slot->obj;
    *out_id = slot->id;
    return &w->l1_token;
  }
  void *obj;
  uint64_t id;
  void *handle =
      vouch_cache_acquire(w->e->cache, key, key_len, obj_size, build, arg, destroy, &obj, &id);
  if (handle == NULL) return NULL;
  *out_obj = obj;
  *out_id = id;
  if (slot->key != NULL && slot->stamp == w->stamp) return handle; /* slot in use */
  uint8_t *copy = malloc(key_len ? key_len : 1);
  if (copy == NULL) return handle;
  if (slot->key != NULL) {
    vouch_cache_release(w->e->cache, slot->handle);
    free(slot->key);
  }
  memcpy(copy, key, key_len);
  *slot = (l1_slot){.lo = h.low64,
                    .hi = h.high64,
                    .key = copy,
                    .key_len = key_len,
                    .handle = handle,
                    .obj = obj,
                    .id = id,
                    .stamp = w->stamp};
  return &w->l1_token; /* the slot keeps the reference */
}

static void l1_release(void *ctx, void *handle) {
  worker *w = ctx;
  if (handle != &w->l1_token) vouch_cache_release(w->e->cache, handle);
}

static void *worker_main(void *arg) {
  worker *w = arg;
  for (;;) {
    vouch_batch *b = batch_queue_pop(&w->e->work);
    if (b == NULL) break;
    process_batch(w, b);
    batch_queue_push(&w->e->done, b);
    if (w->e->notify_fd >= 0) {
      uint64_t one = 1;
      /* A full counter (it never is) would only mean a wake-up is pending. */
      if (write(w->e->notify_fd, &one, sizeof one) < 0) {
      }
    }
  }
  return NULL;
}

static bool worker_init(worker *w, struct vouch_engine *e) {
  w->e = e;
  w->l1_memo = (vouch_dcap_memo){.acquire = l1_acquire, .release = l1_release, .ctx = w};
  w->cap = e->cfg.batch;
  w->envs = calloc(w->cap, sizeof(*w->envs));
  w->items = calloc(w->cap, sizeof(*w->items));
  w->results = calloc(w->cap, sizeof(*w->results));
  w->pending = calloc(w->cap, sizeof(*w->pending));
  w->cap_refs = 2 * w->cap;
  w->refs = calloc(w->cap_refs, sizeof(*w->refs));
  if (e->cfg.policy) {
    w->policy_eval = vouch_policy_eval_new();
    if (!w->policy_eval) return false;
  }
  return w->envs && w->items && w->results && w->pending && w->refs;
}

static void worker_cleanup(worker *w) {
  for (size_t i = 0; i < kL1Slots; i++) {
    if (w->l1[i].key == NULL) continue;
    vouch_cache_release(w->e->cache, w->l1[i].handle);
    free(w->l1[i].key);
    w->l1[i].key = NULL;
  }
  for (size_t i = 0; w->envs && i < w->cap; i++) vouch_envelope_cleanup(&w->envs[i]);
  free(w->envs);
  free(w->items);
  free(w->results);
  free(w->pending);
  free(w->refs);
  vouch_policy_eval_free(w->policy_eval);
  vouch_buf_free(&w->token_claims);
  vouch_buf_free(&w->token_out);
}

/* ---- the engine ------------------------------------------------------------------ */

struct vouch_engine *vouch_engine_new(const vouch_engine_config *cfg, vouch_err *err) {
  if (cfg->token && !cfg->policy) {
    /* A token states a policy's outcome (x-ms-policy-hash): no policy, no
     * token.  Callers pass the default policy of the type when the user
     * gave none. */
    vouch_fail(err, VOUCH_E_ARG, "engine: tokens need a policy");
    return NULL;
  }
  struct vouch_engine *e = calloc(1, sizeof(*e));
  if (e == NULL) {
    vouch_fail(err, VOUCH_E_NOMEM, "engine: out of memory");
    return NULL;
  }
  e->cfg = *cfg;
  /* Event loops (the server) wait on this; the bulk loop does not need it
   * but it costs one descriptor. */
  e->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (e->cfg.jobs == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    e->cfg.jobs = n > 0 ? (unsigned)n : 1;
  }
  if (e->cfg.jobs > 256) e->cfg.jobs = 256;
  if (e->cfg.batch == 0) e->cfg.batch = 64;
  if (e->cfg.batch > 4096) e->cfg.batch = 4096;
  if (e->cfg.flush_ms == 0) e->cfg.flush_ms = 20;
  if (e->cfg.max_line == 0) e->cfg.max_line = VOUCH_LIMIT_LINE;
  if (e->cfg.inline_work) e->cfg.jobs = 1; /* one worker state, no thread */
  e->max_in_flight = 2 * (size_t)e->cfg.jobs + 2;
  if (!e->cfg.no_cache) {
    vouch_cache_config cc = {.max_bytes = e->cfg.cache_bytes};
    e->cache = vouch_cache_new(&cc);
    if (e->cache == NULL) {
      free(e);
      vouch_fail(err, VOUCH_E_NOMEM, "engine: cannot create the cache");
      return NULL;
    }
    e->memo = vouch_cache_memo(e->cache);
  }
  batch_queue_init(&e->work, e->max_in_flight);
  batch_queue_init(&e->done, e->max_in_flight);
  pthread_mutex_init(&e->free_mu, NULL);
  e->reorder = calloc(e->max_in_flight, sizeof(*e->reorder));
  e->workers = calloc(e->cfg.jobs, sizeof(worker));
  if (e->reorder == NULL || e->workers == NULL) goto fail;
  for (size_t i = 0; i < e->cfg.jobs; i++) {
    if (!worker_init(&e->workers[i], e)) {
      worker_cleanup(&e->workers[i]);
      goto fail;
    }
    if (e->cfg.inline_work) {
      e->inline_ready = true;
      break;
    }
    if (pthread_create(&e->workers[i].thread, NULL, worker_main, &e->workers[i]) != 0) {
      worker_cleanup(&e->workers[i]);
      goto fail;
    }
    e->num_workers++;
  }
  return e;
fail:
  vouch_fail(err, VOUCH_E_NOMEM, "engine: cannot start %u workers", e->cfg.jobs);
  vouch_engine_free(e);
  return NULL;
}

void vouch_engine_free(struct vouch_engine *e) {
  if (e == NULL) return;
  batch_queue_close(&e->work);
  for (size_t i = 0; i < e->num_workers; i++) {
    pthread_join(e->workers[i].thread, NULL);
    worker_cleanup(&e->workers[i]);
  }
  if (e->inline_ready) worker_cleanup(&e->workers[0]);
  free(e->workers);
  vouch_batch *b;
  while ((b = batch_queue_try_pop(&e->work)) != NULL) batch_free(b);
  while ((b = batch_queue_try_pop(&e->done)) != NULL) batch_free(b);
  for (size_t i = 0; e->reorder && i < e->max_in_flight; i++) {
    if (e->reorder[i]) batch_free(e->reorder[i]);
  }
  if (e->filling) batch_free(e->filling);
  while ((b = e->free_list) != NULL) {
    e->free_list = b->next;
    batch_free(b);
  }
  free(e->reorder);
  batch_queue_destroy(&e->work);
  batch_queue_destroy(&e->done);
  if (e->notify_fd >= 0) close(e->notify_fd);
  pthread_mutex_destroy(&e->free_mu);
  vouch_cache_free(e->cache);
  free(e);
}

void vouch_engine_stats_get(struct vouch_engine *e, vouch_engine_stats *out) {
  /* Submitted items (API mode) count here as their callbacks run; a bulk
   * run counts its own lines and items and adds to these. */
  for (int k = 0; k < 4; k++) {
    out->by_verdict[k] += atomic_load(&e->by_verdict[k]);
    out->by_policy[k] += atomic_load(&e->by_policy[k]);
    out->items += atomic_load(&e->by_verdict[k]);
  }
  out->sig_requested = atomic_load(&e->sig_requested);
  out->sig_checked = atomic_load(&e->sig_checked);
  out->sig_cache_hits = atomic_load(&e->sig_cache_hits);
  out->sig_batch_dups = atomic_load(&e->sig_batch_dups);
  if (e->cache) {
    vouch_cache_stats cs;
    vouch_cache_stats_get(e->cache, &cs);
    out->cache_hits = cs.hits;
    out->cache_misses = cs.misses;
    out->cache_evictions = cs.evictions;
    out->cache_collisions = cs.collisions;
    out->cache_entries = cs.entries;
    out->cache_bytes = cs.bytes;
    out->cache_budget = cs.budget_bytes;
    out->cache_rebuilt = cs.rebuilt;
  }
}

/* ---- API mode: submit / drain ------------------------------------------------------ */

/* deliver runs the callbacks of collected batches in submission order. */
static void deliver(struct vouch_engine *e, vouch_batch *b) {
  e->reorder[b->seq % e->max_in_flight] = b;
  for (;;) {
    vouch_batch *n = e->reorder[e->next_deliver % e->max_in_flight];
    if (n == NULL || n->seq != e->next_deliver) break;
    e->reorder[e->next_deliver % e->max_in_flight] = NULL;
    for (size_t i = 0; i < n->num_lines; i++) {
      batch_line *l = &n->lines[i];
      const char *json = n->out.data + l->out_off;
      if (l->fn) l->fn(l->user, json, l->out_len, l->verdict);
      vouch_policy_free(l->policy);
      l->policy = NULL;
      vouch_cert_free(l->policy_signer);
      l->policy_signer = NULL;
    }
    e->pending_items -= n->num_lines;
    for (int k = 0; k < 4; k++) atomic_fetch_add(&e->by_verdict[k], n->by_verdict[k]);
    for (int k = 0; k < 4; k++) atomic_fetch_add(&e->by_policy[k], n->by_policy[k]);
    e->next_deliver++;
    e->in_flight--;
    engine_batch_put(e, n);
  }
}

static void dispatch_filling(struct vouch_engine *e) {
  if (e->filling == NULL || e->filling->num_lines == 0) return;
  /* Keep at most max_in_flight out: collect first if needed. */
  while (e->in_flight >= e->max_in_flight) deliver(e, batch_queue_pop(&e->done));
  vouch_batch *b = e->filling;
  e->filling = NULL; /* a callback may submit again: it starts a new batch */
  b->seq = e->next_seq++;
  e->in_flight++;
  if (e->cfg.inline_work) {
    process_batch(&e->workers[0], b);
    deliver(e, b);
    return;
  }
  batch_queue_push(&e->work, b);
}

vouch_status vouch_engine_submit(struct vouch_engine *e, const char *line, size_t len,
                                 vouch_result_fn fn, void *user) {
  return vouch_engine_submit_item(e, line, len, NULL, fn, user);
}

/* try_dispatch collects the batches already done, then hands the filling
 * batch over if an in-flight slot is free; false if items stay behind. */
static bool try_dispatch(struct vouch_engine *e) {
  vouch_engine_poll(e);
  if (e->filling == NULL || e->filling->num_lines == 0) return true;
  if (e->in_flight >= e->max_in_flight) return false;
  dispatch_filling(e); /* a slot is free: does not wait */
  return true;
}

vouch_status vouch_engine_submit_item(struct vouch_engine *e, const char *line, size_t len,
                                      const vouch_item_opts *opts, vouch_result_fn fn, void *user) {
  bool no_wait = opts != NULL && opts->no_wait;
  if (no_wait && e->filling != NULL && e->filling->num_lines >= e->cfg.batch && !try_dispatch(e)) {
    return VOUCH_E_BUSY;
  }
  if (e->filling == NULL && (e->filling = engine_batch_get(e)) == NULL) return VOUCH_E_NOMEM;
  bool overlong = len > e->cfg.max_line;
  VOUCH_GUARD(engine_batch_add(e->filling, line, len, ++e->next_line, overlong));
  batch_line *l = &e->filling->lines[e->filling->num_lines - 1];
  l->fn = fn;
  l->user = user;
  if (opts) {
    if (opts->policy) vouch_policy_up_ref(opts->policy);
    l->policy = opts->policy;
    if (opts->policy_signer) vouch_cert_up_ref(opts->policy_signer);
    l->policy_signer = opts->policy_signer;
    l->unsigned_token = opts->unsigned_token;
    l->brief_result = opts->brief_result;
  }
  e->pending_items++;
  if (e->filling->num_lines >= e->cfg.batch) {
    if (no_wait) {
      (void)try_dispatch(e); /* a full window keeps it: the next call or flush retries */
      return VOUCH_OK;
    }
    dispatch_filling(e);
  }
  vouch_engine_poll(e);
  return VOUCH_OK;
}

void vouch_engine_drain(struct vouch_engine *e) {
  dispatch_filling(e);
  while (e->in_flight > 0) deliver(e, batch_queue_pop(&e->done));
}

void vouch_engine_flush(struct vouch_engine *e) {
  dispatch_filling(e);
}

bool vouch_engine_try_flush(struct vouch_engine *e) {
  return try_dispatch(e);
}

void vouch_engine_poll(struct vouch_engine *e) {
  vouch_batch *b;
  while ((b = batch_queue_try_pop(&e->done)) != NULL) deliver(e, b);
}

int vouch_engine_notify_fd(const struct vouch_engine *e) {
  return e->notify_fd;
}

size_t vouch_engine_pending(const struct vouch_engine *e) {
  return e->pending_items;
}
