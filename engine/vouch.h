/* vouch.h - embedding API of the vouch engine (installed as <vouch.h>).
 *
 * An engine verifies evidence envelopes (one JSON object per line, see
 * DESIGN.md) on a pool of worker threads, in batches: collateral is parsed
 * and verified once per distinct blob (cached by XXH3-128 of its bytes,
 * every hit confirmed byte for byte), signature checks are deduplicated
 * within and across batches, and each input line yields exactly one result
 * line (a JSON object), errors included.
 *
 * Two ways in:
 *  - vouch_engine_run: streams NDJSON from file descriptors to a file
 *    descriptor (io_uring where the kernel allows it, plain reads and writes
 *    otherwise).  This is what `vouch verify` uses.
 *  - vouch_engine_submit / vouch_engine_drain: the caller hands lines in and
 *    receives each result through a callback, in submission order.
 *
 * Threads: one engine may be used by one caller thread at a time; its
 * workers are internal.  Results reach the callback on the caller's thread,
 * inside vouch_engine_submit or vouch_engine_drain.
 */
#ifndef VOUCH_H
#define VOUCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct vouch_anchors;
struct vouch_policy;
struct vouch_token_config;
struct vouch_cert;
struct vouch_engine;

typedef struct {
  unsigned jobs;          /* worker threads; 0 = online cores */
  bool inline_work;       /* API mode only: no worker threads; each batch is verified on
                             the thread that submits or flushes it (one core per event
                             loop: no hand-off, no wake-ups); |jobs| is ignored */
  size_t batch;           /* items per batch; 0 = 64 */
  unsigned flush_ms;      /* dispatch a partial batch after this idle time; 0 = 20 */
  bool ordered;           /* results in input order (bounded reorder window) */
  bool no_cache;          /* no collateral cache, no signature dedupe (for comparison) */
  bool no_sig_cache;      /* collateral cache on, but every signature checked on its own:
                             no verified-signature cache, no dedupe within a batch (for
                             comparison with verifiers that repeat each check) */
  size_t cache_bytes;     /* cache budget, estimated; 0 = 128 MiB */
  size_t max_line;        /* longest accepted line; 0 = 1 MiB */
  int64_t at;             /* default verification instant (items may carry their own) */
  bool allow_expired;     /* keep verdicts on expired collateral (flagged) */
  const struct vouch_anchors *anchors;       /* trusted roots (borrowed) */
  const void *collateral;                    /* a vouch_dcap_collateral bundle, or NULL */
  const void *collateral_source;             /* a vouch_dcap_source, or NULL */
  unsigned shard_index, shard_count;         /* process only shard K of N (count 0 = all) */
  bool progress;                             /* progress line on stderr */
  bool no_io_uring;                          /* force plain reads and writes */
  const struct vouch_policy *policy;         /* appraisal policy (policy/policy.h), or NULL */
  /* Per evidence type (indexed by vouch_evidence_type of engine/engine.h),
   * used instead of |policy| where set: the per-type default policies. */
  const struct vouch_policy *policy_by_type[8]; /* >= VOUCH_EV_COUNT */
  const void *snp_collateral;                /* a vouch_snp_collateral (VCEK/VLEK, ASK, ARK,
                                                CRL) for SNP items without inline
                                                collateral, or NULL */
  const void *snp_source;                    /* a vouch_snp_source (the collateral
                                                directory's VCEKs/VLEKs), or NULL */
  const struct vouch_token_config *token;    /* issue a token per item (engine/engine.h; needs
                                                a policy), or NULL */
} vouch_engine_config;

typedef struct {
  uint64_t lines_in;        /* non-blank input lines seen */
  uint64_t items;           /* results written (equals lines_in minus other shards' items) */
  uint64_t skipped_shard;   /* items belonging to other shards */
  uint64_t by_verdict[4];   /* affirming, warning, contraindicated, error */
  uint64_t by_policy[4];    /* with a policy: not evaluated, permit, deny, error */
  uint64_t bytes_in;
  uint64_t sig_requested;   /* signature checks the items needed */
  uint64_t sig_checked;     /* ... actually computed */
  uint64_t sig_cache_hits;  /* ... answered by the verified-signature cache */
  uint64_t sig_batch_dups;  /* ... shared with another item of the same batch */
  uint64_t cache_hits, cache_misses, cache_evictions, cache_collisions, cache_entries;
  uint64_t cache_bytes;
  uint64_t cache_budget;    /* its bound, bytes (cache_bytes' limit) */
  uint64_t cache_rebuilt;   /* entries built again after the cache evicted them (estimate) */
  double seconds;
  bool used_io_uring;
} vouch_engine_stats;

/* vouch_engine_new starts the workers.  NULL on failure (|err| says why). */
struct vouch_engine *vouch_engine_new(const vouch_engine_config *cfg, vouch_err *err);
/* vouch_engine_free stops the workers; pending submitted items are dropped
 * only if vouch_engine_drain was not called. */
void vouch_engine_free(struct vouch_engine *e);

typedef struct {
  const char *name; /* for messages ("-" for stdin) */
  int fd;
  int64_t size;     /* bytes, or -1 when unknown (pipes) */
} vouch_engine_input;

/* vouch_engine_run reads every input in turn and writes one result line per
 * input line to |out_fd|.  |resume_skip| lines of the (concatenated) input
 * are skipped first (for --resume).  Fails only on I/O errors. */
VOUCH_MUST_CHECK vouch_status vouch_engine_run(struct vouch_engine *e,
                                               const vouch_engine_input *inputs, size_t num_inputs,
                                               int out_fd, uint64_t resume_skip,
                                               vouch_engine_stats *stats, vouch_err *err);

/* Callback for submitted items: |json| is the result object (no newline),
 * valid during the call; |verdict| is a vouch_verdict. */
typedef void (*vouch_result_fn)(void *user, const char *json, size_t len, int verdict);

/* vouch_engine_submit queues one envelope line (copied).  Results of
 * earlier submissions may be delivered during the call. */
VOUCH_MUST_CHECK vouch_status vouch_engine_submit(struct vouch_engine *e, const char *line,
                                                  size_t len, vouch_result_fn fn, void *user);
/* vouch_engine_drain waits until every submitted item's callback has run. */
void vouch_engine_drain(struct vouch_engine *e);

/* ---- for event loops (the HTTP server) ---------------------------------- */
/* Per-item options for vouch_engine_submit_item. */
typedef struct {
  struct vouch_policy *policy; /* appraise under this policy instead of the
                                  configured one (a reference is taken until
                                  the callback has run), or NULL */
  bool unsigned_token;         /* the token is unsigned (alg none), as for a
                                  draft policy */
  struct vouch_cert *policy_signer; /* the policy's signer, for the token's
                                       x-ms-policy-signer (a reference is taken), or NULL */
  bool no_wait;                /* never block: when the batch being filled is full
                                  and every in-flight slot is taken, fail with
                                  VOUCH_E_BUSY (nothing queued) instead of waiting
                                  for the workers; an event loop keeps the item and
                                  submits it again after the next notification */
  bool brief_result;           /* the result object leaves out "claims" and
                                  "collateral": for a caller that answers with the
                                  token (which carries the claims) or the error,
                                  as the server does; writing and scanning them
                                  again was ~4% of a request's instructions */
} vouch_item_opts;

/* vouch_engine_submit_item is vouch_engine_submit with options. */
VOUCH_MUST_CHECK vouch_status vouch_engine_submit_item(struct vouch_engine *e, const char *line,
                                                       size_t len, const vouch_item_opts *opts,
                                                       vouch_result_fn fn, void *user);
/* vouch_engine_flush hands the partly filled batch to the workers now
 * (a server flushes at the end of each turn of its loop: latency over
 * batch size).  It waits for a free in-flight slot if none is left. */
void vouch_engine_flush(struct vouch_engine *e);
/* vouch_engine_try_flush is the same without waiting: it collects the
 * batches already done (running their callbacks) and hands over the
 * partly filled batch if a slot is free.  False when items stay behind
 * (every slot taken): call again after the notify fd fires. */
bool vouch_engine_try_flush(struct vouch_engine *e);
/* vouch_engine_poll runs the callbacks of every item already done, in
 * submission order, without waiting. */
void vouch_engine_poll(struct vouch_engine *e);
/* vouch_engine_notify_fd: an eventfd that becomes readable when a batch
 * is done (read its 8-byte counter to reset it, then poll). */
int vouch_engine_notify_fd(const struct vouch_engine *e);
/* vouch_engine_pending: items submitted whose callback has not run. */
size_t vouch_engine_pending(const struct vouch_engine *e);
/* vouch_engine_stats_get reads the counters so far into |out|, which the
 * caller zeroes: the counts of submitted items (items, by_verdict,
 * by_policy: the callbacks run) are added to what |out| holds, so that a
 * bulk run's own counts (vouch_engine_run) stay; the rest is assigned. */
void vouch_engine_stats_get(struct vouch_engine *e, vouch_engine_stats *out);

#endif /* VOUCH_H */
