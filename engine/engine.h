/* engine/engine.h - from input streams to result streams: the per-item
 * envelope scanner, the collateral directory, and the bulk verification
 * run (NDJSON in, one NDJSON result per input line out).
 *
 * This first cut processes items in order on the calling thread with plain
 * reads and writes; the io_uring loop, batching pool and collateral cache
 * replace the internals of vouch_run_verify behind this same interface. */
#ifndef VOUCH_ENGINE_H
#define VOUCH_ENGINE_H

#include <stdio.h>

#include "verifiers/sgx/sgx.h"

/* ---- Evidence envelope (DESIGN.md) ------------------------------------- */
typedef enum {
  VOUCH_EV_SGX,
  VOUCH_EV_TDX,
  VOUCH_EV_SNP,
  VOUCH_EV_SNP_AZURE,
  VOUCH_EV_TPM,
} vouch_evidence_type;

const char *vouch_evidence_type_name(vouch_evidence_type t);

#define VOUCH_ENVELOPE_ID_MAX 256
#define VOUCH_ENVELOPE_NONCE_MAX 1024

typedef struct {
  bool has_id;
  char id[VOUCH_ENVELOPE_ID_MAX]; /* unescaped, NUL-terminated */
  size_t id_len;
  vouch_evidence_type type;
  const uint8_t *evidence; /* decoded, in |scratch| */
  size_t evidence_len;
  bool has_runtime_data;
  bool runtime_data_is_json; /* data_type "json" (else "binary") */
  const uint8_t *runtime_data; /* decoded, in |scratch| */
  size_t runtime_data_len;
  bool has_nonce;
  char nonce[VOUCH_ENVELOPE_NONCE_MAX];
  bool has_at;
  int64_t at;
  const char *collateral; /* raw JSON span of "collateral" (borrowed from the line) */
  size_t collateral_len;
  /* owned scratch for decoded bytes; reused across calls */
  uint8_t *scratch;
  size_t scratch_cap;
} vouch_envelope;

void vouch_envelope_init(vouch_envelope *env);
void vouch_envelope_cleanup(vouch_envelope *env);
/* vouch_envelope_parse scans one NDJSON line: a JSON object with "type"
 * and "evidence" (base64/base64url) required, "id", "runtime_data"
 * ({"data", "data_type"}), "nonce", "at" (RFC 3339 string or Unix seconds)
 * and "collateral" (object) optional; unknown keys are ignored; duplicate
 * keys are rejected.  On failure |env->id| is still set when the id was
 * read before the problem. */
VOUCH_MUST_CHECK vouch_status vouch_envelope_parse(const char *line, size_t len,
                                                   vouch_envelope *env, vouch_err *err);

/* ---- Collateral directory (DESIGN.md "Collateral directory") ------------ */
struct vouch_colldir;

/* vouch_colldir_open indexes the tree under |path| (reads every item once). */
VOUCH_MUST_CHECK vouch_status vouch_colldir_open(const char *path, struct vouch_colldir **out,
                                                 vouch_err *err);
void vouch_colldir_free(struct vouch_colldir *d);
/* vouch_colldir_source returns a DCAP collateral source backed by |d|: for
 * each item the newest version valid at the instant (or, when none is
 * valid, the newest issued before it, so the verifier reports the expiry
 * precisely). */
vouch_dcap_source vouch_colldir_source(struct vouch_colldir *d);
/* vouch_colldir_stats: items indexed. */
size_t vouch_colldir_count(const struct vouch_colldir *d);

/* vouch_colldir_import files one input into the tree under |dir|: a
 * collateral.json bundle, a PCS TCB Info / QE Identity body, a CRL (DER, PEM
 * or hex), or a PEM issuer chain.  *out_num counts files written. */
VOUCH_MUST_CHECK vouch_status vouch_colldir_import(const char *dir, const uint8_t *data,
                                                   size_t len, size_t *out_num, vouch_err *err);

/* ---- Bulk verification -------------------------------------------------- */
typedef struct {
  int64_t at;                      /* default instant (items may override) */
  bool allow_expired;
  const struct vouch_anchors *anchors;
  const vouch_dcap_collateral *collateral; /* fixed bundle, or NULL */
  const vouch_dcap_source *source;         /* directory source, or NULL */
  size_t max_line;                 /* 0 = VOUCH_LIMIT_LINE */
  bool progress;                   /* progress line on stderr */
} vouch_run_config;

typedef struct {
  uint64_t items;
  uint64_t by_verdict[4]; /* indexed by vouch_verdict */
  uint64_t bytes_in;
  double seconds;
} vouch_run_stats;

/* vouch_run_verify reads NDJSON envelopes from |in| and writes one result
 * line per input line to |out| (blank lines are skipped and not counted).
 * Lines over the limit, malformed envelopes and unsupported types give
 * error results; the run continues.  Fails only on I/O errors. */
VOUCH_MUST_CHECK vouch_status vouch_run_verify(const vouch_run_config *cfg, FILE *in,
                                               const char *in_name, FILE *out,
                                               vouch_run_stats *stats, vouch_err *err);

/* vouch_verify_one verifies one decoded envelope into |out|. */
void vouch_verify_one(const vouch_run_config *cfg, const vouch_envelope *env,
                      vouch_result *out);

#endif /* VOUCH_ENGINE_H */
