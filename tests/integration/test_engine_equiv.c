/* The engine's results equal the single-item path's, byte for byte, on a
 * corpus mixing every TCB status and failure mode (generated), the real
 * vectors at several instants each (where the folder is present), and
 * malformed lines; with 1, 2 and 8 workers, batch sizes 1, 7 and 64,
 * ordered and unordered, with and without the cache; and through the
 * submit/drain API.  Counts in == counts out in every run. */
/* cmocka.h needs the standard headers before it. */
/* clang-format off */
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
/* clang-format on */

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "engine/vouch.h"
#include "policy/policy.h"
#include "tools/gen/gen.h"

#define NOW 1751328000

typedef struct {
  char **lines; /* the input lines (no newline) */
  char **want;  /* reference result JSON per line, NULL for malformed lines */
  size_t num, cap;
  struct vouch_anchors *anchors;
} corpus;

static void add_line(corpus *c, const char *line) {
  if (c->num == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->lines = realloc(c->lines, c->cap * sizeof(char *));
    c->want = realloc(c->want, c->cap * sizeof(char *));
  }
  c->lines[c->num] = strdup(line);
  c->want[c->num] = NULL;
  c->num++;
}

/* envelope builds {"id":..,"type":..,"evidence":..,"at":..,"collateral":{..}}. */
static void add_typed_envelope(corpus *c, const char *type, const char *id, const uint8_t *quote,
                               size_t len, const char *bundle, size_t bundle_len, int64_t at) {
  vouch_buf b = {0};
  vouch_json j;
  vouch_json_init(&j, &b);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "id");
  vouch_json_string(&j, id);
  vouch_json_key(&j, "type");
  vouch_json_string(&j, type);
  vouch_json_key(&j, "evidence");
  vouch_buf ev = {0};
  vouch_base64url_encode(&ev, quote, len);
  vouch_json_string_len(&j, ev.data, ev.len);
  vouch_buf_free(&ev);
  vouch_json_key(&j, "at");
  vouch_json_int(&j, at);
  vouch_json_key(&j, "collateral");
  /* Compact the bundle onto one line. */
  vouch_buf compact = {0};
  json_t *root = json_loadb(bundle, bundle_len, 0, NULL);
  assert_non_null(root);
  char *dump = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  vouch_json_raw(&j, dump, strlen(dump));
  free(dump);
  json_decref(root);
  vouch_buf_free(&compact);
  vouch_json_end_object(&j);
  assert_int_equal(vouch_buf_status(&b), VOUCH_OK);
  add_line(c, b.data);
  vouch_buf_free(&b);
}

static void add_envelope(corpus *c, const char *id, const uint8_t *quote, size_t len,
                         const char *bundle, size_t bundle_len, int64_t at) {
  add_typed_envelope(c, "sgx", id, quote, len, bundle, bundle_len, at);
}

static void gen_platforms(corpus *c, vouch_buf *anchor_pem) {
  static const struct {
    const char *status;
    int tweak; /* 0 none, 1 revoked, 2 debug, 3 bad sig, 4 QE mismatch, 5 expired TCB, 6 platform CA
                */
  } kKinds[] = {{"UpToDate", 0},
                {"SWHardeningNeeded", 0},
                {"ConfigurationNeeded", 0},
                {"OutOfDate", 0},
                {"Revoked", 0},
                {"UpToDate", 1},
                {"UpToDate", 2},
                {"UpToDate", 3},
                {"UpToDate", 4},
                {"UpToDate", 5},
                {"UpToDate", 6},
                {"OutOfDateConfigurationNeeded", 0},
                {"ConfigurationAndSWHardeningNeeded", 0}};
  vouch_err err = {0};
  vouch_gen_pki_opts po = {.now = NOW, .seed = 21};
  vouch_gen_pki *pki;
  assert_int_equal(vouch_gen_pki_new(&po, &pki, &err), VOUCH_OK);
  assert_int_equal(vouch_gen_pki_root_pem(pki, anchor_pem), VOUCH_OK);
  for (size_t k = 0; k < sizeof(kKinds) / sizeof(kKinds[0]); k++) {
    vouch_gen_platform_opts plo;
    vouch_gen_platform_opts_default(&plo);
    plo.pck.fmspc[5] = (uint8_t)k; /* one FMSPC (and TCB Info) per kind */
    if (kKinds[k].tweak == 6) plo.ca = VOUCH_GEN_PLATFORM_CA;
    if (kKinds[k].tweak == 4) plo.qe_mrsigner[0] ^= 1;
    vouch_gen_platform *pl;
    assert_int_equal(vouch_gen_platform_new(pki, &plo, &pl, &err), VOUCH_OK);
    vouch_gen_tcb_info_opts to;
    vouch_gen_tcb_info_opts_default(&to, pl, kKinds[k].status);
    if (kKinds[k].tweak == 5) to.validity = VOUCH_GEN_EXPIRED;
    vouch_gen_tcb_info *ti;
    assert_int_equal(vouch_gen_tcb_info_new(pki, &to, &ti, &err), VOUCH_OK);
    vouch_gen_qe_identity_opts qo;
    vouch_gen_qe_identity_opts_default(&qo);
    vouch_gen_qe_identity *qe;
    assert_int_equal(vouch_gen_qe_identity_new(pki, &qo, &qe, &err), VOUCH_OK);
    if (kKinds[k].tweak == 1) assert_int_equal(vouch_gen_pki_revoke_pck(pki, pl), VOUCH_OK);
    vouch_buf bundle = {0};
    assert_int_equal(vouch_gen_bundle_json(pki, pl, ti, qe, NULL, &bundle, &err), VOUCH_OK);
    for (int n = 0; n < 5; n++) {
      vouch_gen_quote_opts q;
      vouch_gen_quote_opts_default(&q);
      q.report_data[0] = (uint8_t)n;
      q.report_data[1] = (uint8_t)k;
      q.debug = kKinds[k].tweak == 2;
      if (kKinds[k].tweak == 3) q.corrupt = VOUCH_GEN_CORRUPT_QUOTE_SIG;
      vouch_buf quote = {0};
      assert_int_equal(vouch_gen_quote(pl, &q, &quote), VOUCH_OK);
      char id[64];
      snprintf(id, sizeof(id), "gen-%zu-%d", k, n);
      /* Mixed instants: most at NOW, some two months later (expired). */
      int64_t at = n == 4 ? NOW + 60 * 86400 : NOW;
      add_envelope(c, id, (const uint8_t *)quote.data, quote.len, bundle.data, bundle.len, at);
      /* The same quote twice: the second is a cache / dedupe case. */
      if (n == 0) {
        snprintf(id, sizeof(id), "gen-%zu-%d-again", k, n);
        add_envelope(c, id, (const uint8_t *)quote.data, quote.len, bundle.data, bundle.len, at);
      }
      vouch_buf_free(&quote);
    }
    vouch_buf_free(&bundle);
    vouch_gen_qe_identity_free(qe);
    vouch_gen_tcb_info_free(ti);
    vouch_gen_platform_free(pl);
  }
  vouch_gen_pki_free(pki);
}

static void add_vectors(corpus *c) {
  const char *v = getenv("VOUCH_VECTORS");
  if (v == NULL) return;
  char path[1024];
  static const struct {
    const char *set, *quote, *type;
    int64_t at[3];
  } kSets[] = {
      {"sgx/phala-dcap-qvl-sgx-v3", "quote.dat", "sgx", {1752919277, 1753006477, 1750327200}},
      {"sgx/phala-dcap-qvl-sgx-v3",
       "negative/quote_qe_report_bitflip.dat",
       "sgx",
       {1752919277, 0, 0}},
      {"sgx/intel-qvl-synthetic-sgx", "quote.dat", "sgx", {1577836800, 0, 0}},
      /* TDX evidence through the same pool; the v4 quote also as "sgx" (refused). */
      {"tdx/phala-dcap-qvl-tdx-v4", "quote.dat", "tdx", {1752919234, 1760000000, 0}},
      {"tdx/phala-dcap-qvl-tdx-v4", "quote.dat", "sgx", {1752919234, 0, 0}},
      {"tdx/automata-tdx-v4-outofdate", "quote.dat", "tdx", {1749095100, 0, 0}},
      {"tdx/phala-dcap-qvl-tdx-v5-no-tcb-level", "quote.dat", "tdx", {1774003274, 0, 0}},
      {"tdx/go-tdx-guest-v4-tcb-not-supported", "quote.dat", "tdx", {1688173200, 0, 0}},
  };
  for (size_t i = 0; i < sizeof(kSets) / sizeof(kSets[0]); i++) {
    uint8_t *q, *coll;
    size_t qlen = 0, clen = 0;
    snprintf(path, sizeof(path), "%s/%s/%s", v, kSets[i].set, kSets[i].quote);
    if (vouch_read_file(path, 1 << 20, &q, &qlen, NULL) != VOUCH_OK) {
      print_message("vectors not found at %s; skipping the vector part\n", v);
      return;
    }
    snprintf(path, sizeof(path), "%s/%s/collateral.json", v, kSets[i].set);
    assert_int_equal(vouch_read_file(path, 1 << 22, &coll, &clen, NULL), VOUCH_OK);
    for (int k = 0; k < 3 && kSets[i].at[k]; k++) {
      char id[64];
      snprintf(id, sizeof(id), "vec-%zu-%d", i, k);
      add_typed_envelope(c, kSets[i].type, id, q, qlen, (const char *)coll, clen, kSets[i].at[k]);
    }
    free(q);
    free(coll);
  }
}

/* With a policy, both paths also appraise (the last test sets it). */
static struct vouch_policy *g_policy;

static void reference(corpus *c) {
  vouch_run_config cfg = {.at = NOW, .anchors = c->anchors, .policy = g_policy};
  struct vouch_policy_eval *ev = g_policy ? vouch_policy_eval_new() : NULL;
  vouch_envelope env;
  vouch_envelope_init(&env);
  vouch_result *r = malloc(sizeof(*r));
  for (size_t i = 0; i < c->num; i++) {
    if (vouch_envelope_parse(c->lines[i], strlen(c->lines[i]), &env, NULL) != VOUCH_OK) continue;
    vouch_verify_one(&cfg, &env, r);
    vouch_appraisal a;
    vouch_appraise(g_policy, ev, r, &a);
    vouch_buf b = {0};
    vouch_json j;
    vouch_json_init(&j, &b);
    vouch_write_result(&a, &env, r, &j);
    free(c->want[i]);
    c->want[i] = strdup(b.data);
    vouch_buf_free(&b);
  }
  free(r);
  vouch_policy_eval_free(ev);
  vouch_envelope_cleanup(&env);
}

static corpus g_corpus;
static char g_input_path[64];

static int setup_corpus(void **state) {
  (void)state;
  corpus *c = &g_corpus;
  vouch_buf anchor = {0};
  gen_platforms(c, &anchor);
  add_vectors(c);
  /* Malformed lines, mixed in. */
  add_line(c, "{\"id\":\"bad-json\",\"type\":\"sgx\",\"evidence\":");
  add_line(c, "{\"id\":\"bad-type\",\"type\":\"xyz\",\"evidence\":\"AAAA\"}");
  add_line(c, "{\"id\":\"bad-b64\",\"type\":\"sgx\",\"evidence\":\"!!!!\"}");
  add_line(c, "{\"id\":\"truncated\",\"type\":\"sgx\",\"evidence\":\"AwACAAAAAAAKAA8A\"}");
  add_line(c, "not json");
  c->anchors = vouch_anchors_new();
  assert_int_equal(vouch_dcap_add_intel_root(c->anchors), VOUCH_OK);
  assert_int_equal(vouch_anchors_add_pem(c->anchors, anchor.data, anchor.len, NULL), VOUCH_OK);
  const char *v = getenv("VOUCH_VECTORS");
  if (v) {
    char p[1024];
    snprintf(p, sizeof(p), "%s/sgx/intel-qvl-synthetic-sgx/test_root_ca.pem", v);
    uint8_t *pem;
    size_t len;
    if (vouch_read_file(p, 1 << 20, &pem, &len, NULL) == VOUCH_OK) {
      assert_int_equal(vouch_anchors_add_pem(c->anchors, (const char *)pem, len, NULL), VOUCH_OK);
      free(pem);
    }
  }
  vouch_buf_free(&anchor);
  reference(c);
  /* The input file, with blank lines (not items) in it. */
  snprintf(g_input_path, sizeof(g_input_path), "/tmp/vouch-equiv-XXXXXX");
  int fd = mkstemp(g_input_path);
  FILE *f = fdopen(fd, "w");
  for (size_t i = 0; i < c->num; i++) {
    fprintf(f, "%s\n", c->lines[i]);
    if (i % 17 == 3) fputs("\n", f);
  }
  fclose(f);
  return 0;
}

static int teardown_corpus(void **state) {
  (void)state;
  for (size_t i = 0; i < g_corpus.num; i++) {
    free(g_corpus.lines[i]);
    free(g_corpus.want[i]);
  }
  free(g_corpus.lines);
  free(g_corpus.want);
  vouch_anchors_free(g_corpus.anchors);
  unlink(g_input_path);
  return 0;
}

/* check_output compares the engine's lines with the reference. */
static void check_output(const char *out, bool ordered, const char *label) {
  corpus *c = &g_corpus;
  bool *seen = calloc(c->num, sizeof(bool));
  size_t lines = 0;
  const char *p = out;
  while (*p) {
    const char *nl = strchr(p, '\n');
    assert_non_null(nl);
    size_t len = (size_t)(nl - p);
    size_t match = c->num;
    if (ordered) {
      match = lines;
    } else {
      for (size_t i = 0; i < c->num; i++) {
        if (!seen[i] && c->want[i] && strlen(c->want[i]) == len &&
            memcmp(c->want[i], p, len) == 0) {
          match = i;
          break;
        }
      }
      if (match == c->num) { /* a malformed line's error */
        for (size_t i = 0; i < c->num; i++) {
          if (!seen[i] && c->want[i] == NULL) {
            match = i;
            break;
          }
        }
      }
    }
    if (match >= c->num) fail_msg("%s: unexpected extra line %zu", label, lines);
    if (c->want[match] != NULL) {
      if (strlen(c->want[match]) != len || memcmp(c->want[match], p, len) != 0) {
        size_t d = 0;
        while (d < len && c->want[match][d] == p[d]) d++;
        size_t from = d > 80 ? d - 80 : 0;
        fail_msg(
            "%s: line %zu differs from the single-item path at byte %zu:\n got  ...%.200s\n want "
            "...%.200s",
            label, lines, d, p + from, c->want[match] + from);
      }
    } else if (memmem(p, len, "\"status\":\"error\"", 16) == NULL ||
               memmem(p, len, "line ", 5) == NULL) {
      fail_msg("%s: malformed line %zu not reported as an error with its line", label, match);
    }
    seen[match] = true;
    lines++;
    p = nl + 1;
  }
  assert_int_equal(lines, c->num); /* counts in == counts out */
  free(seen);
}

/* Cache modes of run_engine. */
enum { CACHE_ON, NO_CACHE, NO_SIG_CACHE };

static void run_engine(unsigned jobs, size_t batch, bool ordered, int mode) {
  static const char *const kMode[] = {"", " no-cache", " no-sig-cache"};
  bool no_cache = mode == NO_CACHE;
  char label[96];
  snprintf(label, sizeof(label), "jobs %u batch %zu %s%s", jobs, batch,
           ordered ? "ordered" : "unordered", kMode[mode]);
  char out_path[] = "/tmp/vouch-equiv-out-XXXXXX";
  int out_fd = mkstemp(out_path);
  int in_fd = open(g_input_path, O_RDONLY);
  vouch_engine_config cfg = {.at = NOW,
                             .anchors = g_corpus.anchors,
                             .jobs = jobs,
                             .batch = batch,
                             .ordered = ordered,
                             .no_cache = no_cache,
                             .no_sig_cache = mode == NO_SIG_CACHE,
                             .policy = g_policy};
  vouch_err err = {0};
  struct vouch_engine *e = vouch_engine_new(&cfg, &err);
  assert_non_null(e);
  vouch_engine_input in = {.name = "corpus", .fd = in_fd, .size = lseek(in_fd, 0, SEEK_END)};
  vouch_engine_stats st;
  assert_int_equal(vouch_engine_run(e, &in, 1, out_fd, 0, &st, &err), VOUCH_OK);
  vouch_engine_free(e);
  if (st.items != g_corpus.num || st.lines_in != g_corpus.num) {
    fail_msg("%s: %llu items, %llu lines in, want %zu", label, (unsigned long long)st.items,
             (unsigned long long)st.lines_in, g_corpus.num);
  }
  off_t n = lseek(out_fd, 0, SEEK_END);
  char *out = calloc(1, (size_t)n + 1);
  assert_int_equal(pread(out_fd, out, (size_t)n, 0), n);
  close(out_fd);
  close(in_fd);
  unlink(out_path);
  check_output(out, ordered, label);
  if (mode == CACHE_ON) assert_true(st.sig_checked < st.sig_requested);
  /* Without the signature cache every check is computed; --no-sig-cache
   * keeps the collateral cache (its hits show), --no-cache has none. */
  if (mode != CACHE_ON) assert_int_equal(st.sig_checked, st.sig_requested);
  if (mode != CACHE_ON) assert_int_equal(st.sig_cache_hits + st.sig_batch_dups, 0);
  if (mode == NO_SIG_CACHE) assert_true(st.cache_hits > 0);
  if (mode == NO_CACHE) assert_int_equal(st.cache_hits, 0);
  free(out);
}

static void test_engine_matches_single_path(void **state) {
  (void)state;
  static const unsigned kJobs[] = {1, 2, 8};
  static const size_t kBatch[] = {1, 7, 64};
  for (size_t j = 0; j < 3; j++) {
    for (size_t b = 0; b < 3; b++) {
      for (int ordered = 1; ordered >= 0; ordered--) {
        run_engine(kJobs[j], kBatch[b], ordered, CACHE_ON);
      }
    }
  }
  run_engine(2, 7, true, NO_CACHE);
  run_engine(8, 1, false, NO_CACHE);
  run_engine(2, 7, true, NO_SIG_CACHE);
  run_engine(1, 64, false, NO_SIG_CACHE);
}

typedef struct {
  size_t next;
  int bad;
} api_state;

static void on_result(void *user, const char *json, size_t len, int verdict) {
  api_state *s = user;
  corpus *c = &g_corpus;
  size_t i = s->next++;
  (void)verdict;
  if (i >= c->num) {
    s->bad++;
    return;
  }
  if (c->want[i] && (strlen(c->want[i]) != len || memcmp(c->want[i], json, len) != 0)) s->bad++;
  if (!c->want[i] && memmem(json, len, "\"status\":\"error\"", 16) == NULL) s->bad++;
}

static void test_submit_api(void **state) {
  (void)state;
  vouch_engine_config cfg = {.at = NOW, .anchors = g_corpus.anchors, .jobs = 2, .batch = 5};
  struct vouch_engine *e = vouch_engine_new(&cfg, NULL);
  assert_non_null(e);
  api_state s = {0};
  for (size_t i = 0; i < g_corpus.num; i++) {
    assert_int_equal(
        vouch_engine_submit(e, g_corpus.lines[i], strlen(g_corpus.lines[i]), on_result, &s),
        VOUCH_OK);
  }
  vouch_engine_drain(e);
  assert_int_equal(s.next, g_corpus.num);
  assert_int_equal(s.bad, 0);
  vouch_engine_free(e);
}

/* An event loop's way in: submit_item with no_wait never blocks.  With one
 * worker and one-item batches the window (4 batches) fills at once, so
 * submissions are refused with VOUCH_E_BUSY (nothing queued); the caller
 * waits on the notify fd, polls, and submits the same item again.  Every
 * result arrives exactly once, in submission order, as the single-item path
 * gives it, and the API-mode counters count them. */
static void test_submit_no_wait(void **state) {
  (void)state;
  vouch_engine_config cfg = {.at = NOW, .anchors = g_corpus.anchors, .jobs = 1, .batch = 1};
  struct vouch_engine *e = vouch_engine_new(&cfg, NULL);
  assert_non_null(e);
  api_state s = {0};
  vouch_item_opts o = {.no_wait = true};
  size_t busy = 0, rounds = 3;
  for (size_t round = 0; round < rounds; round++) {
    s.next = 0;
    for (size_t i = 0; i < g_corpus.num; i++) {
      for (;;) {
        vouch_status st = vouch_engine_submit_item(e, g_corpus.lines[i], strlen(g_corpus.lines[i]),
                                                   &o, on_result, &s);
        if (st == VOUCH_OK) break;
        assert_int_equal(st, VOUCH_E_BUSY);
        busy++;
        struct pollfd p = {.fd = vouch_engine_notify_fd(e), .events = POLLIN};
        assert_true(poll(&p, 1, 10000) == 1); /* a batch comes back */
        uint64_t n;
        assert_int_equal(read(p.fd, &n, sizeof n), (ssize_t)sizeof n);
        vouch_engine_poll(e);
      }
    }
    /* Hand over the rest without waiting, then let it finish. */
    while (!vouch_engine_try_flush(e)) {
      struct pollfd p = {.fd = vouch_engine_notify_fd(e), .events = POLLIN};
      assert_true(poll(&p, 1, 10000) == 1);
      uint64_t n;
      assert_int_equal(read(p.fd, &n, sizeof n), (ssize_t)sizeof n);
    }
    vouch_engine_drain(e);
    assert_int_equal(s.next, g_corpus.num);
  }
  assert_int_equal(s.bad, 0);
  assert_true(busy > 0); /* the refusal path ran */
  vouch_engine_stats st = {0};
  vouch_engine_stats_get(e, &st);
  assert_int_equal(st.items, rounds * g_corpus.num);
  assert_int_equal(st.by_verdict[0] + st.by_verdict[1] + st.by_verdict[2] + st.by_verdict[3],
                   rounds * g_corpus.num);
  assert_true(st.by_verdict[3] > 0); /* the corpus' malformed lines */
  assert_int_equal(vouch_engine_pending(e), 0);
  vouch_engine_free(e);
}

/* inline_work: no worker threads.  Each batch is verified on the thread
 * that fills or flushes it, and its callbacks run before that call
 * returns: results equal the single-item path's, in order, never refused
 * (no window to fill), nothing pending after a try-flush, and the counters
 * count them.  A bulk run refuses the mode (it needs workers). */
static pthread_t g_submitter;
static size_t g_off_thread;

static void on_result_inline(void *user, const char *json, size_t len, int verdict) {
  if (!pthread_equal(pthread_self(), g_submitter)) g_off_thread++;
  on_result(user, json, len, verdict);
}

static void test_submit_inline(void **state) {
  (void)state;
  vouch_engine_config cfg = {
      .at = NOW, .anchors = g_corpus.anchors, .inline_work = true, .jobs = 8, .batch = 5};
  struct vouch_engine *e = vouch_engine_new(&cfg, NULL);
  assert_non_null(e);
  g_submitter = pthread_self();
  g_off_thread = 0;
  api_state s = {0};
  vouch_item_opts o = {.no_wait = true};
  for (size_t i = 0; i < g_corpus.num; i++) {
    assert_int_equal(vouch_engine_submit_item(e, g_corpus.lines[i], strlen(g_corpus.lines[i]), &o,
                                              on_result_inline, &s),
                     VOUCH_OK);
    /* A full batch was verified inside the call that filled it. */
    assert_int_equal(s.next, (i + 1) / 5 * 5);
  }
  assert_true(vouch_engine_try_flush(e));
  assert_int_equal(s.next, g_corpus.num);
  assert_int_equal(vouch_engine_pending(e), 0);
  assert_int_equal(s.bad, 0);
  assert_int_equal(g_off_thread, 0);
  vouch_engine_stats st = {0};
  vouch_engine_stats_get(e, &st);
  assert_int_equal(st.items, g_corpus.num);
  assert_true(st.by_verdict[3] > 0); /* the corpus' malformed lines */

  vouch_engine_stats bulk;
  vouch_err err = {0};
  vouch_engine_input in = {.name = g_input_path, .fd = -1, .size = -1};
  assert_int_equal(vouch_engine_run(e, &in, 1, -1, 0, &bulk, &err), VOUCH_E_ARG);
  assert_non_null(strstr(err.msg, "worker threads"));
  vouch_engine_free(e);
}

/* brief_result (the server's way): each result is the full one without
 * "claims" and "collateral", every other member identical. */
static void on_result_brief(void *user, const char *json, size_t len, int verdict) {
  api_state *s = user;
  corpus *c = &g_corpus;
  size_t i = s->next++;
  (void)verdict;
  json_t *got = json_loadb(json, len, 0, NULL);
  if (got == NULL || i >= c->num || json_object_get(got, "claims") != NULL ||
      json_object_get(got, "collateral") != NULL || json_object_get(got, "status") == NULL) {
    s->bad++;
    json_decref(got);
    return;
  }
  if (c->want[i]) {
    json_t *full = json_loads(c->want[i], 0, NULL);
    json_object_del(full, "claims");
    json_object_del(full, "collateral");
    if (!json_equal(full, got)) s->bad++;
    json_decref(full);
  } else if (strcmp(json_string_value(json_object_get(got, "status")), "error") != 0) {
    s->bad++;
  }
  json_decref(got);
}

static void test_submit_brief(void **state) {
  (void)state;
  vouch_engine_config cfg = {.at = NOW, .anchors = g_corpus.anchors, .jobs = 2, .batch = 7};
  struct vouch_engine *e = vouch_engine_new(&cfg, NULL);
  assert_non_null(e);
  api_state s = {0};
  vouch_item_opts o = {.brief_result = true};
  size_t affirming = 0;
  for (size_t i = 0; i < g_corpus.num; i++) {
    assert_int_equal(vouch_engine_submit_item(e, g_corpus.lines[i], strlen(g_corpus.lines[i]), &o,
                                              on_result_brief, &s),
                     VOUCH_OK);
    if (g_corpus.want[i] && strstr(g_corpus.want[i], "\"status\":\"affirming\"")) affirming++;
  }
  vouch_engine_drain(e);
  assert_int_equal(s.next, g_corpus.num);
  assert_int_equal(s.bad, 0);
  assert_true(affirming > 0); /* verified items, not only errors, were compared */
  vouch_engine_free(e);
}

/* With a policy: the engine's workers appraise exactly as the single-item
 * path does (decision, detail, issued claims), whatever the batching. */
static void test_engine_with_policy(void **state) {
  (void)state;
  static const char kPolicy[] =
      "version=1.0;\n"
      "authorizationrules {\n"
      "  [type==\"x-ms-sgx-is-debuggable\", value==true] => deny();\n"
      "  [type==\"vouch-tcb-status\", value==\"UpToDate\"] => permit();\n"
      "  [type==\"vouch-tcb-status\", value==\"SWHardeningNeeded\"] => permit();\n"
      "};\n"
      "issuancerules {\n"
      "  c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"signer\", value=c.value);\n"
      "  c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);\n"
      "};\n";
  vouch_err err = {0};
  assert_int_equal(vouch_policy_compile(kPolicy, sizeof kPolicy - 1, &g_policy, NULL, &err),
                   VOUCH_OK);
  reference(&g_corpus);
  size_t permit = 0, deny = 0, none = 0;
  for (size_t i = 0; i < g_corpus.num; i++) {
    const char *w = g_corpus.want[i];
    if (!w) continue;
    if (strstr(w, "\"policy\":\"permit\"") && strstr(w, "\"signer\":\"")) permit++;
    if (strstr(w, "\"policy\":\"deny\"")) deny++;
    if (strstr(w, "\"policy\":null,\"policy_detail\":\"not evaluated")) none++;
  }
  /* The corpus has each kind: all three outcomes must be there. */
  if (!permit || !deny || !none)
    fail_msg("policy outcomes: %zu permit, %zu deny, %zu not evaluated", permit, deny, none);
  run_engine(2, 7, false, false);
  run_engine(1, 64, true, false);
  run_engine(8, 1, false, true);
  vouch_policy_free(g_policy);
  g_policy = NULL;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_engine_matches_single_path),
      cmocka_unit_test(test_submit_api),
      cmocka_unit_test(test_submit_no_wait),
      cmocka_unit_test(test_submit_inline),
      cmocka_unit_test(test_submit_brief),
      cmocka_unit_test(test_engine_with_policy), /* last: it changes the reference */
  };
  return cmocka_run_group_tests_name("engine_equiv", tests, setup_corpus, teardown_corpus);
}
