/* Unit tests for engine/cache.c: hits build once, forced hash collisions
 * never share an entry (also through the verifier), eviction under a tiny
 * budget keeps entries in use alive, misses of evicted keys are counted as
 * rebuilt, and concurrent use (run under TSan in CI). */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "tools/gen/gen.h"

static atomic_int g_builds;

static void build_copy(void *obj, void *arg) {
  atomic_fetch_add(&g_builds, 1);
  snprintf(obj, 32, "%s", (const char *)arg);
}

static void same_hash(const uint8_t *key, size_t len, uint64_t *lo, uint64_t *hi) {
  (void)key;
  (void)len;
  *lo = 42;
  *hi = 42;
}

static void *get(struct vouch_cache *c, const char *key, char **obj, uint64_t *id) {
  return vouch_cache_acquire(c, (const uint8_t *)key, strlen(key), 32, build_copy, (void *)key,
                             NULL, (void **)obj, id);
}

static void test_hit_builds_once(void **state) {
  (void)state;
  struct vouch_cache *c = vouch_cache_new(NULL);
  atomic_store(&g_builds, 0);
  char *a, *b;
  uint64_t ia, ib;
  void *ha = get(c, "alpha", &a, &ia);
  void *hb = get(c, "alpha", &b, &ib);
  assert_non_null(ha);
  assert_ptr_equal(a, b);
  assert_int_equal(ia, ib);
  assert_int_equal(atomic_load(&g_builds), 1);
  assert_string_equal(a, "alpha");
  vouch_cache_release(c, ha);
  vouch_cache_release(c, hb);
  vouch_cache_stats st;
  vouch_cache_stats_get(c, &st);
  assert_int_equal(st.hits, 1);
  assert_int_equal(st.misses, 1);
  vouch_cache_free(c);
}

/* Two different keys with the same forced hash: each gets its own entry,
 * built from its own bytes; the collision is counted, never served. */
static void test_forced_collision(void **state) {
  (void)state;
  struct vouch_cache *c = vouch_cache_new(NULL);
  vouch_cache_set_hash_for_testing(c, same_hash);
  atomic_store(&g_builds, 0);
  char *a, *b, *a2;
  uint64_t ia, ib, ia2;
  void *ha = get(c, "genuine", &a, &ia);
  void *hb = get(c, "forged!", &b, &ib);
  void *ha2 = get(c, "genuine", &a2, &ia2);
  assert_ptr_not_equal(a, b);
  assert_int_not_equal(ia, ib);
  assert_string_equal(a, "genuine");
  assert_string_equal(b, "forged!");
  assert_ptr_equal(a, a2);
  assert_int_equal(atomic_load(&g_builds), 2);
  vouch_cache_stats st;
  vouch_cache_stats_get(c, &st);
  assert_true(st.collisions >= 1);
  vouch_cache_release(c, ha);
  vouch_cache_release(c, hb);
  vouch_cache_release(c, ha2);

  /* The verified-signature cache under the same forced collision. */
  uint8_t k1[160] = {1}, k2[160] = {2};
  int r = -1;
  vouch_cache_sig_store(c, k1, sizeof(k1), 1);
  assert_true(vouch_cache_sig_lookup(c, k1, sizeof(k1), &r));
  assert_int_equal(r, 1);
  assert_false(vouch_cache_sig_lookup(c, k2, sizeof(k2), &r));
  vouch_cache_free(c);
}

/* 20,000 entries over 64 shards: with the shard and the bucket taken
 * from different bits of the hash every bucket is used, and no chain
 * grows past a few entries (taking both from the same bits once left
 * chains ~40 long, a walk on every lookup). */
static void test_buckets_spread(void **state) {
  (void)state;
  struct vouch_cache *c = vouch_cache_new(&(vouch_cache_config){.shards = 64});
  assert_non_null(c);
  for (uint32_t i = 0; i < 20000; i++) {
    uint8_t key[16] = {0};
    memcpy(key, &i, sizeof i);
    vouch_cache_sig_store(c, key, sizeof key, 1);
  }
  for (uint32_t i = 0; i < 20000; i += 997) {
    uint8_t key[16] = {0};
    memcpy(key, &i, sizeof i);
    int r = 0;
    assert_true(vouch_cache_sig_lookup(c, key, sizeof key, &r));
    assert_int_equal(r, 1);
  }
  size_t longest = vouch_cache_longest_chain_for_testing(c);
  assert_true(longest >= 1);
  assert_true(longest <= 10);
  vouch_cache_free(c);
}

static void test_eviction_keeps_users_safe(void **state) {
  (void)state;
  vouch_cache_config cfg = {.max_entries = 8, .shards = 1};
  struct vouch_cache *c = vouch_cache_new(&cfg);
  char *held;
  uint64_t id;
  void *h = get(c, "held-entry", &held, &id);
  char key[32];
  for (int i = 0; i < 200; i++) {
    char *o;
    uint64_t oid;
    snprintf(key, sizeof(key), "key-%d", i);
    void *x = get(c, key, &o, &oid);
    assert_non_null(x);
    assert_string_equal(o, key);
    vouch_cache_release(c, x);
  }
  vouch_cache_stats st;
  vouch_cache_stats_get(c, &st);
  assert_true(st.entries <= 8);
  assert_true(st.evictions >= 190);
  /* Still readable although it was evicted long ago (ASan would object). */
  assert_string_equal(held, "held-entry");
  vouch_cache_release(c, h);
  vouch_cache_free(c);
}

/* A miss for a key the cache once held and evicted counts as rebuilt (what
 * a too small budget costs); a miss for a key it never held does not.
 * (The evicted-key map is a bitmap: a new key could find another's bit,
 * about 1 in 8 million per evicted key; not with these eight.) */
static void test_rebuilt_after_eviction(void **state) {
  (void)state;
  vouch_cache_config cfg = {.max_entries = 4, .shards = 1};
  struct vouch_cache *c = vouch_cache_new(&cfg);
  char key[32];
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 8; i++) {
      char *o;
      uint64_t id;
      snprintf(key, sizeof(key), "rebuilt-%d", i);
      vouch_cache_release(c, get(c, key, &o, &id));
    }
    vouch_cache_stats st;
    vouch_cache_stats_get(c, &st);
    assert_true(st.evictions >= 4);
    if (round == 0) {
      assert_int_equal(st.misses, 8);
      assert_int_equal(st.rebuilt, 0); /* first sight of every key */
    } else {
      /* Every second-round miss is a key evicted in the first. */
      assert_true(st.misses > 8);
      assert_int_equal(st.rebuilt, st.misses - 8);
    }
  }
  vouch_cache_free(c);
}

typedef struct {
  struct vouch_cache *c;
  unsigned seed;
  int bad;
} thread_arg;

static void *hammer(void *p) {
  thread_arg *a = p;
  char key[32];
  for (int i = 0; i < 20000; i++) {
    a->seed = a->seed * 1103515245u + 12345u;
    snprintf(key, sizeof(key), "k%u", (a->seed >> 8) % 97);
    char *o;
    uint64_t id;
    void *h = get(a->c, key, &o, &id);
    if (h == NULL || strcmp(o, key) != 0) a->bad++;
    vouch_cache_release(a->c, h);
    if (i % 7 == 0) {
      uint8_t sk[160] = {0};
      memcpy(sk, key, strlen(key));
      int r;
      if (!vouch_cache_sig_lookup(a->c, sk, sizeof(sk), &r)) vouch_cache_sig_store(a->c, sk, sizeof(sk), 1);
    }
  }
  return NULL;
}

static void test_concurrent(void **state) {
  (void)state;
  vouch_cache_config cfg = {.max_entries = 64, .shards = 4};
  struct vouch_cache *c = vouch_cache_new(&cfg);
  pthread_t th[4];
  thread_arg args[4];
  for (int i = 0; i < 4; i++) {
    args[i] = (thread_arg){.c = c, .seed = (unsigned)i * 7919u + 1};
    assert_int_equal(pthread_create(&th[i], NULL, hammer, &args[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(args[i].bad, 0);
  }
  vouch_cache_free(c);
}

/* Through the verifier: a genuine bundle is verified and cached; a forged
 * bundle (TCB Info with a bad signature) whose every cache key hashes the
 * same must be verified on its own and fail. */
static void test_collision_through_verifier(void **state) {
  (void)state;
  const int64_t now = 1751328000;
  vouch_err err = {0};
  vouch_gen_pki_opts po = {.now = now, .seed = 11};
  vouch_gen_pki *pki;
  assert_int_equal(vouch_gen_pki_new(&po, &pki, &err), VOUCH_OK);
  vouch_gen_platform_opts plo;
  vouch_gen_platform_opts_default(&plo);
  vouch_gen_platform *pl;
  assert_int_equal(vouch_gen_platform_new(pki, &plo, &pl, &err), VOUCH_OK);
  vouch_gen_tcb_info_opts to;
  vouch_gen_tcb_info_opts_default(&to, pl, "UpToDate");
  vouch_gen_tcb_info *good, *bad;
  assert_int_equal(vouch_gen_tcb_info_new(pki, &to, &good, &err), VOUCH_OK);
  to.corrupt_signature = true;
  assert_int_equal(vouch_gen_tcb_info_new(pki, &to, &bad, &err), VOUCH_OK);
  vouch_gen_qe_identity_opts qo;
  vouch_gen_qe_identity_opts_default(&qo);
  vouch_gen_qe_identity *qe;
  assert_int_equal(vouch_gen_qe_identity_new(pki, &qo, &qe, &err), VOUCH_OK);
  vouch_buf quote = {0}, b_good = {0}, b_bad = {0}, anchor = {0};
  vouch_gen_quote_opts q;
  vouch_gen_quote_opts_default(&q);
  assert_int_equal(vouch_gen_quote(pl, &q, &quote), VOUCH_OK);
  assert_int_equal(vouch_gen_bundle_json(pki, pl, good, qe, NULL, &b_good, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_bundle_json(pki, pl, bad, qe, NULL, &b_bad, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_pki_root_pem(pki, &anchor), VOUCH_OK);
  struct vouch_anchors *anchors = vouch_anchors_new();
  assert_int_equal(vouch_anchors_add_pem(anchors, anchor.data, anchor.len, &err), VOUCH_OK);

  struct vouch_cache *c = vouch_cache_new(NULL);
  vouch_cache_set_hash_for_testing(c, same_hash);
  vouch_dcap_memo memo = vouch_cache_memo(c);
  vouch_sgx_opts o = {.dcap = {.at = now, .anchors = anchors}};
  vouch_result *r = malloc(sizeof(*r));
  vouch_sgx_item *it = malloc(sizeof(*it));
  const vouch_buf *bundles[] = {&b_good, &b_bad, &b_good};
  const vouch_verdict want[] = {VOUCH_VERDICT_AFFIRMING, VOUCH_VERDICT_CONTRAINDICATED,
                                VOUCH_VERDICT_AFFIRMING};
  for (int k = 0; k < 3; k++) {
    vouch_dcap_collateral coll;
    assert_int_equal(
        vouch_dcap_collateral_from_json(bundles[k]->data, bundles[k]->len, &coll, &err), VOUCH_OK);
    vouch_sgx_begin(it, (const uint8_t *)quote.data, quote.len, &coll, NULL, &o, &memo, r);
    vouch_dcap_collateral_cleanup(&coll);
    for (size_t i = 0; i < it->num_sigs; i++) vouch_dcap_check_sig(it->sigs[i]);
    vouch_sgx_end(it, r);
    if (r->verdict != want[k]) fail_msg("round %d: %s %s", k, vouch_verdict_name(r->verdict), r->error.msg);
    if (k == 1) assert_int_equal(r->error.code, VOUCH_E_SIGNATURE);
  }
  vouch_cache_stats st;
  vouch_cache_stats_get(c, &st);
  assert_true(st.collisions > 0);
  assert_true(st.hits > 0);
  free(it);
  free(r);
  vouch_cache_free(c);
  vouch_anchors_free(anchors);
  vouch_buf_free(&quote);
  vouch_buf_free(&b_good);
  vouch_buf_free(&b_bad);
  vouch_buf_free(&anchor);
  vouch_gen_qe_identity_free(qe);
  vouch_gen_tcb_info_free(good);
  vouch_gen_tcb_info_free(bad);
  vouch_gen_platform_free(pl);
  vouch_gen_pki_free(pki);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hit_builds_once),
      cmocka_unit_test(test_forced_collision),
      cmocka_unit_test(test_buckets_spread),
      cmocka_unit_test(test_eviction_keeps_users_safe),
      cmocka_unit_test(test_rebuilt_after_eviction),
      cmocka_unit_test(test_concurrent),
      cmocka_unit_test(test_collision_through_verifier),
  };
  return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
