/* engine/internal.h - private to engine/: batches, queues, the engine
 * object shared by the pool (pipeline.c) and the I/O loop (loop.c). */
#ifndef VOUCH_ENGINE_INTERNAL_H
#define VOUCH_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "engine/engine.h"
#include "engine/vouch.h"

/* One input line inside a batch. */
typedef struct {
  size_t off, len;   /* in batch->text */
  uint64_t line_no;  /* 1-based, over all inputs */
  bool overlong;     /* the line exceeded max_line: reported, not parsed */
  vouch_result_fn fn; /* API mode */
  void *user;
  struct vouch_policy *policy; /* API mode: this item's policy (a reference), or NULL */
  bool unsigned_token;         /* API mode: alg none (a draft policy) */
  bool brief_result;           /* API mode: no "claims"/"collateral" in the result */
  struct vouch_cert *policy_signer; /* API mode: x-ms-policy-signer (a reference), or NULL */
  size_t out_off, out_len; /* the item's result in batch->out (without newline) */
  int verdict;             /* the item's vouch_verdict */
} batch_line;

/* A batch: lines in, result lines out.  Owned by the loop while filling and
 * writing, by one worker while processing; handed over through queues. */
typedef struct vouch_batch {
  uint64_t seq;
  char *text; /* the lines' bytes, concatenated */
  size_t text_len, text_cap;
  batch_line *lines;
  size_t num_lines, cap_lines;
  vouch_buf out; /* one result line per input line, in order */
  uint64_t by_verdict[4];
  uint64_t by_policy[4]; /* by vouch_appraisal_outcome */
  struct vouch_batch *next; /* queue / free list link */
} vouch_batch;

/* A bounded FIFO of batches (mutex + condition variables). */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t not_empty, not_full;
  vouch_batch *head, *tail;
  size_t len, cap;
  bool closed;
} batch_queue;

void batch_queue_init(batch_queue *q, size_t cap);
void batch_queue_destroy(batch_queue *q);
void batch_queue_push(batch_queue *q, vouch_batch *b); /* blocks while full */
vouch_batch *batch_queue_pop(batch_queue *q);          /* blocks; NULL when closed and empty */
vouch_batch *batch_queue_try_pop(batch_queue *q);
void batch_queue_close(batch_queue *q);

typedef struct worker worker;

struct vouch_engine {
  vouch_engine_config cfg;
  struct vouch_cache *cache; /* NULL with no_cache */
  vouch_dcap_memo memo;
  worker *workers;
  size_t num_workers;     /* threads started */
  bool inline_ready;      /* inline_work: workers[0] is initialized, no thread */
  batch_queue work; /* loop -> workers */
  batch_queue done; /* workers -> loop */
  pthread_mutex_t free_mu;
  vouch_batch *free_list; /* recycled batches */
  size_t max_in_flight;   /* batches dispatched and not yet collected */
  /* API mode */
  int notify_fd;          /* eventfd the workers bump after each batch, or -1 */
  size_t pending_items;   /* submitted, callback not yet run */
  vouch_batch *filling;
  uint64_t next_seq, next_deliver, next_line;
  size_t in_flight;
  vouch_batch **reorder; /* max_in_flight slots, by seq */
  /* counters summed from the workers */
  atomic_uint_fast64_t sig_requested, sig_checked, sig_cache_hits, sig_batch_dups;
  atomic_uint_fast64_t by_verdict[4];
  atomic_uint_fast64_t by_policy[4];
};

vouch_batch *engine_batch_get(struct vouch_engine *e);
void engine_batch_put(struct vouch_engine *e, vouch_batch *b);
/* engine_batch_add copies one line into |b|. */
VOUCH_MUST_CHECK vouch_status engine_batch_add(vouch_batch *b, const char *line, size_t len,
                                               uint64_t line_no, bool overlong);
size_t engine_batch_size(const struct vouch_engine *e);

#endif /* VOUCH_ENGINE_INTERNAL_H */
