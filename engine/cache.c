/* engine/cache.c - the collateral and signature cache.
 *
 * Design:
 *  - Keys are byte strings (the exact bytes an object was built from, or a
 *    composite of other entries' ids); the table is keyed by their XXH3-128
 *    hash, and every hit is confirmed by comparing the full key bytes: XXH3
 *    is not collision-resistant and evidence is attacker-controlled, so a
 *    crafted collision must never borrow another blob's verdict.
 *  - Sharded by hash; each shard has one mutex, a chained hash table and a
 *    CLOCK ring for eviction.  Objects are built outside the lock; if two
 *    threads build the same object, the first insert wins and the other copy
 *    is destroyed.
 *  - Entries are immutable once published and refcounted: the cache holds
 *    one reference, each acquire another.  Eviction unlinks an entry and
 *    drops the cache's reference; the last release frees it.  So an entry
 *    in use by a worker is never freed under it.
 *  - Bounded in entries and in (estimated) bytes per shard.
 * Owned by: the engine.  Guarded by: each shard's mutex (table, ring,
 * counters); entry->refs is atomic. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/engine.h"

typedef struct entry {
  struct entry *next; /* bucket chain */
  uint64_t h_lo, h_hi;
  uint8_t *key; /* owned copy, for confirming hits */
  size_t key_len;
  void *obj;
  void (*destroy)(void *obj);
  uint64_t id;
  size_t cost;
  atomic_int refs;
  bool referenced; /* CLOCK bit */
  bool linked;     /* in the table and the ring */
  size_t ring_pos;
} entry;

typedef struct {
  pthread_mutex_t mu;
  entry **buckets;
  size_t num_buckets; /* power of two */
  entry **ring;       /* CLOCK ring: live entries, compacted on removal */
  size_t ring_len, ring_cap, hand;
  size_t bytes;
  uint64_t hits, misses, evictions, collisions;
  uint64_t rebuilt; /* misses of keys the cache had evicted (probably) */
} shard;

/* Evicted keys leave a bit here (by hash), so that a miss can tell that
 * the cache once held the key: "built again after eviction" is what a too
 * small budget costs, where an eviction alone may be harmless (an entry
 * never needed again).  A bitmap (1 MiB, its pages touched only as keys
 * are evicted), so the count is an estimate: a new key can find a bit
 * another evicted key set, 1 in 80 once 100,000 keys were evicted. */
enum { kEvictedBits = 1u << 23 };

struct vouch_cache {
  shard *shards;
  size_t num_shards;
  size_t max_entries_per_shard, max_bytes_per_shard;
  _Atomic uint64_t *evicted; /* kEvictedBits bits */
  atomic_uint_fast64_t next_id;
  void (*hash)(const uint8_t *key, size_t len, uint64_t *lo, uint64_t *hi);
};

static void xxh3_hash(const uint8_t *key, size_t len, uint64_t *lo, uint64_t *hi) {
  XXH128_hash_t h = XXH3_128bits(key, len);
  *lo = h.low64;
  *hi = h.high64;
}

struct vouch_cache *vouch_cache_new(const vouch_cache_config *cfg) {
  vouch_cache_config c = cfg ? *cfg : (vouch_cache_config){0};
  if (c.shards == 0) c.shards = 64;
  if (c.max_entries == 0) c.max_entries = 200000;
  if (c.max_bytes == 0) c.max_bytes = 128u << 20;
  struct vouch_cache *cache = calloc(1, sizeof(*cache));
  if (cache == NULL) return NULL;
  cache->shards = calloc(c.shards, sizeof(shard));
  if (cache->shards == NULL) {
    free(cache);
    return NULL;
  }
  cache->evicted = calloc(kEvictedBits / 64, sizeof(*cache->evicted));
  if (cache->evicted == NULL) {
    free(cache->shards);
    free(cache);
    return NULL;
  }
  cache->num_shards = c.shards;
  cache->max_entries_per_shard = (c.max_entries + c.shards - 1) / c.shards;
  cache->max_bytes_per_shard = (c.max_bytes + c.shards - 1) / c.shards;
  cache->hash = xxh3_hash;
  for (size_t i = 0; i < c.shards; i++) pthread_mutex_init(&cache->shards[i].mu, NULL);
  return cache;
}

static void entry_free(entry *e) {
  if (e->destroy) e->destroy(e->obj);
  free(e->obj);
  free(e->key);
  free(e);
}

static void entry_unref(entry *e) {
  if (atomic_fetch_sub(&e->refs, 1) == 1) entry_free(e);
}

void vouch_cache_free(struct vouch_cache *cache) {
  if (cache == NULL) return;
  for (size_t i = 0; i < cache->num_shards; i++) {
    shard *s = &cache->shards[i];
    for (size_t k = 0; k < s->ring_len; k++) entry_unref(s->ring[k]);
    free(s->ring);
    free(s->buckets);
    pthread_mutex_destroy(&s->mu);
  }
  free(cache->shards);
  free((void *)cache->evicted);
  free(cache);
}

void vouch_cache_set_hash_for_testing(struct vouch_cache *cache,
                                      void (*hash)(const uint8_t *key, size_t len, uint64_t *lo,
                                                   uint64_t *hi)) {
  cache->hash = hash ? hash : xxh3_hash;
}

size_t vouch_cache_longest_chain_for_testing(struct vouch_cache *c) {
  size_t longest = 0;
  for (size_t i = 0; i < c->num_shards; i++) {
    shard *s = &c->shards[i];
    pthread_mutex_lock(&s->mu);
    for (size_t b = 0; b < s->num_buckets; b++) {
      size_t n = 0;
      for (const entry *e = s->buckets[b]; e != NULL; e = e->next) n++;
      if (n > longest) longest = n;
    }
    pthread_mutex_unlock(&s->mu);
  }
  return longest;
}

/* ---- shard internals (mutex held) ---------------------------------------------- */

static entry *find(shard *s, uint64_t lo, uint64_t hi, const uint8_t *key, size_t len) {
  if (s->num_buckets == 0) return NULL;
  for (entry *e = s->buckets[lo & (s->num_buckets - 1)]; e != NULL; e = e->next) {
    if (e->h_lo != lo || e->h_hi != hi) continue;
    if (e->key_len == len && memcmp(e->key, key, len) == 0) return e;
    s->collisions++; /* same hash, different bytes: never a hit */
  }
  return NULL;
}

static bool grow(shard *s) {
  if (s->ring_len + 1 > s->ring_cap) {
    size_t cap = s->ring_cap ? 2 * s->ring_cap : 16;
    entry **r = realloc(s->ring, cap * sizeof(*r));
    if (r == NULL) return false;
    s->ring = r;
    s->ring_cap = cap;
  }
  if (s->ring_len + 1 > s->num_buckets) {
    size_t nb = s->num_buckets ? 2 * s->num_buckets : 16;
    entry **b = calloc(nb, sizeof(*b));
    if (b == NULL) return false;
    for (size_t i = 0; i < s->ring_len; i++) {
      entry *e = s->ring[i];
      e->next = b[e->h_lo & (nb - 1)];
      b[e->h_lo & (nb - 1)] = e;
    }
    free(s->buckets);
    s->buckets = b;
    s->num_buckets = nb;
  }
  return true;
}

/* The bit of a key in the evicted map: from the hash's high half's upper
 * bits (its low bits choose the shard). */
static size_t evicted_bit(uint64_t hi) { return (size_t)(hi >> 32) & (kEvictedBits - 1); }

static void mark_evicted(struct vouch_cache *c, uint64_t hi) {
  size_t b = evicted_bit(hi);
  atomic_fetch_or_explicit(&c->evicted[b / 64], UINT64_C(1) << (b % 64), memory_order_relaxed);
}

static bool was_evicted(const struct vouch_cache *c, uint64_t hi) {
  size_t b = evicted_bit(hi);
  return (atomic_load_explicit(&c->evicted[b / 64], memory_order_relaxed) >> (b % 64)) & 1;
}

/* count_miss: a miss, and whether the key is one the cache evicted. */
static void count_miss(const struct vouch_cache *c, shard *s, uint64_t hi) {
  s->misses++;
  if (was_evicted(c, hi)) s->rebuilt++;
}

static void unlink_entry(shard *s, entry *e) {
  entry **p = &s->buckets[e->h_lo & (s->num_buckets - 1)];
  while (*p != e) p = &(*p)->next;
  *p = e->next;
  /* Keep the ring dense: move the last entry into the hole. */
  size_t pos = e->ring_pos;
  s->ring[pos] = s->ring[--s->ring_len];
  s->ring[pos]->ring_pos = pos;
  if (s->hand >= s->ring_len) s->hand = 0;
  s->bytes -= e->cost;
  e->linked = false;
  s->evictions++;
  entry_unref(e); /* the cache's reference */
}

/* evict runs the CLOCK hand until the shard is within budget.  |keep| is
 * the entry just inserted, which must survive its own insertion. */
static void evict(struct vouch_cache *c, shard *s, const entry *keep) {
  size_t sweeps = 0;
  while ((s->ring_len > c->max_entries_per_shard || s->bytes > c->max_bytes_per_shard) &&
         s->ring_len > 1 && sweeps < 4 * s->ring_len + 4) {
    sweeps++;
    entry *e = s->ring[s->hand];
    if (e == keep || e->referenced) {
      e->referenced = false;
      s->hand = (s->hand + 1) % s->ring_len;
      continue;
    }
    mark_evicted(c, e->h_hi);
    unlink_entry(s, e);
  }
}

/* insert publishes |e| unless an equal entry exists; returns the winner
 * with a reference for the caller. */
static entry *insert(struct vouch_cache *c, shard *s, entry *e) {
  entry *old = find(s, e->h_lo, e->h_hi, e->key, e->key_len);
  if (old != NULL) {
    atomic_fetch_add(&old->refs, 1);
    old->referenced = true;
    return old;
  }
  if (!grow(s)) return NULL;
  size_t b = e->h_lo & (s->num_buckets - 1);
  e->next = s->buckets[b];
  s->buckets[b] = e;
  e->ring_pos = s->ring_len;
  s->ring[s->ring_len++] = e;
  e->linked = true;
  s->bytes += e->cost;
  atomic_store(&e->refs, 2); /* the cache's and the caller's */
  evict(c, s, e);
  return e;
}

/* ---- public API ------------------------------------------------------------------- */

/* lock_and_find hashes |key|, locks its shard and looks it up; the caller
 * unlocks *out_shard. */
static entry *lock_and_find(struct vouch_cache *c, const uint8_t *key, size_t key_len,
                            uint64_t *lo, uint64_t *hi, shard **out_shard) {
  c->hash(key, key_len, lo, hi);
  /* The shard from the high half, the bucket (within the shard) from the
   * low half: taking both from the same bits would leave all but
   * 1/num_shards of each shard's buckets empty. */
  shard *s = &c->shards[*hi % c->num_shards];
  pthread_mutex_lock(&s->mu);
  *out_shard = s;
  return find(s, *lo, *hi, key, key_len);
}

static void *acquire(struct vouch_cache *c, const uint8_t *key, size_t key_len, size_t obj_size,
                     void (*build)(void *obj, void *arg), void *arg, void (*destroy)(void *obj),
                     void **out_obj, uint64_t *out_id, bool count) {
  uint64_t lo, hi;
  shard *s;
  entry *e = lock_and_find(c, key, key_len, &lo, &hi, &s);
  if (e != NULL) {
    atomic_fetch_add(&e->refs, 1);
    e->referenced = true;
    if (count) s->hits++;
    pthread_mutex_unlock(&s->mu);
    *out_obj = e->obj;
    *out_id = e->id;
    return e;
  }
  if (count) count_miss(c, s, hi);
  pthread_mutex_unlock(&s->mu);

  /* Build outside the lock. */
  entry *n = calloc(1, sizeof(*n));
  void *obj = calloc(1, obj_size);
  uint8_t *kcopy = malloc(key_len ? key_len : 1);
  if (n == NULL || obj == NULL || kcopy == NULL) {
    free(n);
    free(obj);
    free(kcopy);
    return NULL;
  }
  build(obj, arg);
  if (key_len) memcpy(kcopy, key, key_len);
  n->h_lo = lo;
  n->h_hi = hi;
  n->key = kcopy;
  n->key_len = key_len;
  n->obj = obj;
  n->destroy = destroy;
  n->id = atomic_fetch_add(&c->next_id, 1) + 1;
  /* Estimated footprint: the key copy, the object, and what parsing makes
   * of the key's bytes (OpenSSL objects run at a few times their DER). */
  n->cost = sizeof(*n) + obj_size + 4 * key_len;
  pthread_mutex_lock(&s->mu);
  entry *w = insert(c, s, n);
  pthread_mutex_unlock(&s->mu);
  if (w != n) {
    entry_free(n); /* lost the race (or could not grow): ours was never published */
    if (w == NULL) return NULL;
  }
  *out_obj = w->obj;
  *out_id = w->id;
  return w;
}

void *vouch_cache_acquire(struct vouch_cache *c, const uint8_t *key, size_t key_len,
                          size_t obj_size, void (*build)(void *obj, void *arg), void *arg,
                          void (*destroy)(void *obj), void **out_obj, uint64_t *out_id) {
  return acquire(c, key, key_len, obj_size, build, arg, destroy, out_obj, out_id, true);
}

void vouch_cache_release(struct vouch_cache *c, void *handle) {
  (void)c;
  if (handle != NULL) entry_unref(handle);
}

static void sig_build(void *obj, void *arg) { *(int *)obj = *(const int *)arg; }

bool vouch_cache_sig_lookup(struct vouch_cache *c, const uint8_t *key, size_t key_len,
                            int *out_result) {
  uint64_t lo, hi;
  shard *s;
  entry *e = lock_and_find(c, key, key_len, &lo, &hi, &s);
  if (e != NULL) {
    e->referenced = true;
    *out_result = *(const int *)e->obj;
    s->hits++;
  } else {
    count_miss(c, s, hi);
  }
  pthread_mutex_unlock(&s->mu);
  return e != NULL;
}

void vouch_cache_sig_store(struct vouch_cache *c, const uint8_t *key, size_t key_len,
                           int result) {
  void *obj;
  uint64_t id;
  /* The lookup that missed was already counted. */
  void *h = acquire(c, key, key_len, sizeof(int), sig_build, &result, NULL, &obj, &id, false);
  vouch_cache_release(c, h);
}

void vouch_cache_stats_get(const struct vouch_cache *c, vouch_cache_stats *out) {
  memset(out, 0, sizeof(*out));
  for (size_t i = 0; i < c->num_shards; i++) {
    shard *s = &c->shards[i];
    pthread_mutex_lock(&s->mu);
    out->hits += s->hits;
    out->misses += s->misses;
    out->evictions += s->evictions;
    out->rebuilt += s->rebuilt;
    out->collisions += s->collisions;
    out->entries += s->ring_len;
    out->bytes += s->bytes;
    pthread_mutex_unlock(&s->mu);
  }
  out->budget_bytes = (uint64_t)c->max_bytes_per_shard * c->num_shards;
}

/* The dcap memo adapter. */
static void *memo_acquire(void *ctx, const uint8_t *key, size_t key_len, size_t obj_size,
                          void (*build)(void *obj, void *arg), void *arg,
                          void (*destroy)(void *obj), void **out_obj, uint64_t *out_id) {
  return vouch_cache_acquire(ctx, key, key_len, obj_size, build, arg, destroy, out_obj, out_id);
}

static void memo_release(void *ctx, void *handle) { vouch_cache_release(ctx, handle); }

vouch_dcap_memo vouch_cache_memo(struct vouch_cache *c) {
  vouch_dcap_memo m = {.acquire = memo_acquire, .release = memo_release, .ctx = c};
  return m;
}
