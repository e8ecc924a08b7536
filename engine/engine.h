/* engine/engine.h - the engine's building blocks: the per-item envelope
 * scanner, the collateral directory, the collateral/signature cache, and
 * the single-item verification path.
 *
 * The engine itself (pool, batches, cache, I/O loop) is used through
 * engine/vouch.h; this header has the pieces it is built from, which tools
 * and tests use directly. */
#ifndef VOUCH_ENGINE_H
#define VOUCH_ENGINE_H

#include <stdio.h>

#include "verifiers/sgx/sgx.h"
#include "verifiers/snp/snp.h"

/* ---- Evidence envelope (DESIGN.md) ------------------------------------- */
typedef enum {
  VOUCH_EV_SGX,
  VOUCH_EV_TDX,
  VOUCH_EV_SNP,
  VOUCH_EV_SNP_AZURE,
  VOUCH_EV_TPM,
  VOUCH_EV_COUNT
} vouch_evidence_type;

const char *vouch_evidence_type_name(vouch_evidence_type t);
/* vouch_evidence_type_parse maps "sgx", "tdx", "snp", "snp-azure", "tpm". */
VOUCH_MUST_CHECK vouch_status vouch_evidence_type_parse(const char *s, size_t n,
                                                        vouch_evidence_type *out, vouch_err *err);

#define VOUCH_ENVELOPE_ID_MAX 256
#define VOUCH_ENVELOPE_NONCE_MAX 1024

typedef struct {
  bool has_id;
  char id[VOUCH_ENVELOPE_ID_MAX]; /* unescaped, NUL-terminated */
  size_t id_len;
  vouch_evidence_type type;
  const uint8_t *evidence; /* decoded, in |scratch|; or (TPM) the JSON object text */
  size_t evidence_len;
  bool evidence_is_json;   /* "evidence" was an object, borrowed from the line */
  bool has_runtime_data;
  bool runtime_data_is_json; /* data_type "json" (else "binary") */
  const uint8_t *runtime_data; /* decoded, in |scratch| */
  size_t runtime_data_len;
  bool has_init_data;          /* "init_data" (MAA initTimeData), as runtime_data */
  bool init_data_is_json;
  const uint8_t *init_data; /* decoded, in |scratch| */
  size_t init_data_len;
  bool has_nonce;
  char nonce[VOUCH_ENVELOPE_NONCE_MAX];
  const uint8_t *event_log; /* TDX: a CCEL event log (decoded, in |scratch|), or NULL */
  size_t event_log_len;
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
/* vouch_colldir_snp_source returns the SEV-SNP source backed by |d|
 * (amd/<product>/vcek/<hwid>/<reported_tcb>.der, amd/<product>/vlek/
 * <sha256 of the key>.der, and each product's CA certificates and CRLs):
 * the VCEK of exactly the report's chip and reported TCB, the VLEKs of its
 * TCB, never a VCEK for another TCB; a miss names product, chip id and TCB. */
vouch_snp_source vouch_colldir_snp_source(struct vouch_colldir *d);
/* vouch_colldir_stats: items indexed. */
size_t vouch_colldir_count(const struct vouch_colldir *d);

/* vouch_colldir_import files one input into the tree under |dir|: a
 * collateral.json bundle, a PCS TCB Info / QE Identity body, a CRL (DER, PEM
 * or hex), or a PEM issuer chain.  *out_num counts files written. */
VOUCH_MUST_CHECK vouch_status vouch_colldir_import(const char *dir, const uint8_t *data,
                                                   size_t len, size_t *out_num, vouch_err *err);

/* ---- Collateral and signature cache (engine/cache.c) ---------------------- */
struct vouch_cache;

typedef struct {
  size_t max_entries; /* 0: 200000 */
  size_t max_bytes;   /* estimated; 0: 128 MiB */
  size_t shards;      /* 0: 64 */
} vouch_cache_config;

typedef struct {
  uint64_t hits, misses, evictions;
  uint64_t collisions; /* same hash, different bytes: counted, never served */
  uint64_t entries, bytes;
  uint64_t budget_bytes; /* the configured bound (max_bytes) */
  uint64_t rebuilt;      /* misses of keys evicted before (an estimate: see cache.c) */
} vouch_cache_stats;

struct vouch_cache *vouch_cache_new(const vouch_cache_config *cfg);
void vouch_cache_free(struct vouch_cache *c);
/* vouch_cache_acquire: the object built from exactly |key| (built on a
 * miss, outside the lock).  Returns a handle for vouch_cache_release, or
 * NULL when memory runs out.  *out_id is unique per distinct entry. */
void *vouch_cache_acquire(struct vouch_cache *c, const uint8_t *key, size_t key_len,
                          size_t obj_size, void (*build)(void *obj, void *arg), void *arg,
                          void (*destroy)(void *obj), void **out_obj, uint64_t *out_id);
void vouch_cache_release(struct vouch_cache *c, void *handle);
/* Verified-signature cache: key = public point || digest || signature. */
bool vouch_cache_sig_lookup(struct vouch_cache *c, const uint8_t *key, size_t key_len,
                            int *out_result);
void vouch_cache_sig_store(struct vouch_cache *c, const uint8_t *key, size_t key_len, int result);
void vouch_cache_stats_get(const struct vouch_cache *c, vouch_cache_stats *out);
/* vouch_cache_memo adapts the cache to the DCAP verifier's memo. */
vouch_dcap_memo vouch_cache_memo(struct vouch_cache *c);
/* For tests: the longest bucket chain of any shard (a well-spread table
 * keeps it at a few entries whatever the number of entries). */
size_t vouch_cache_longest_chain_for_testing(struct vouch_cache *c);
/* For tests: replace the hash (to force collisions). */
void vouch_cache_set_hash_for_testing(struct vouch_cache *c,
                                      void (*hash)(const uint8_t *key, size_t len, uint64_t *lo,
                                                   uint64_t *hi));

/* ---- Appraisal: the policy on a verified result ------------------------- */
struct vouch_policy;
struct vouch_policy_eval;

typedef enum {
  VOUCH_APPRAISAL_NOT_RUN, /* no policy, or the evidence did not verify */
  VOUCH_APPRAISAL_PERMIT,
  VOUCH_APPRAISAL_DENY,    /* deny() fired, no permit(), or below the TCB baseline */
  VOUCH_APPRAISAL_ERROR,   /* the policy could not be evaluated */
} vouch_appraisal_outcome;

typedef struct {
  vouch_appraisal_outcome outcome;
  vouch_err err;                 /* why not permit (the message a client sees) */
  struct vouch_policy_eval *ev;  /* the evaluation (issued claims); NULL: no policy */
  /* Set by the caller after vouch_issue_token, for vouch_write_result: */
  bool token_wanted;             /* results carry "token" (null when none) */
  const char *token;             /* the compact JWS, or NULL */
  size_t token_len;
  bool brief;                    /* write no "claims" or "collateral" (the token
                                    carries them; see vouch_item_opts.brief_result) */
} vouch_appraisal;

const char *vouch_appraisal_name(vouch_appraisal_outcome o); /* "permit", "deny", "error" */

/* vouch_appraise runs |policy| (NULL: none) on a result, with the calling
 * thread's |ev|: the result's claims become the policy's incoming claims
 * under Azure Attestation's names; a policy's x-ms-sgx-tcbidentifier is
 * applied.  Items whose verification failed are not evaluated. */
void vouch_appraise(const struct vouch_policy *policy, struct vouch_policy_eval *ev,
                    const vouch_result *r, vouch_appraisal *out);

/* vouch_write_result writes an item's result object; with an appraisal
 * (|a| may be NULL), also "policy", "policy_detail" and the issued claims,
 * and "token" when one was wanted. */
void vouch_write_result(const vouch_appraisal *a, const vouch_envelope *env,
                        const vouch_result *r, vouch_json *j);

/* ---- Tokens: an appraised item as a signed JWT or EAR -------------------- */
struct vouch_keystore;
struct vouch_cert;

typedef enum {
  VOUCH_TOKEN_FORMAT_JWT, /* Azure Attestation's token (spec/maa-api.md §3) */
  VOUCH_TOKEN_FORMAT_EAR, /* IETF EAR, veraison JSON names (spec/ear.md) */
} vouch_token_format;

typedef struct vouch_token_config {
  struct vouch_keystore *keys;           /* signing keys, issuer, lifetime */
  int alg;                               /* a vouch_jws_alg */
  vouch_token_format format;
  const struct vouch_cert *policy_signer; /* x-ms-policy-signer, or NULL */
  bool unsigned_token;                   /* alg "none" (draft policies) */
  int64_t now;                           /* token clock for tests; 0 = real clock */
} vouch_token_config;

/* vouch_issue_token builds and signs the token of an appraised item into
 * |out|, using |scratch| for the claims.  A JWT is issued only for evidence
 * that verified affirming or warning under a policy that permitted it; an
 * EAR for every evaluated item.  Otherwise VOUCH_E_POLICY_DENY saying why.
 * iat/nbf/exp come from the real clock, never from the verification
 * instant. */
VOUCH_MUST_CHECK vouch_status vouch_issue_token(const vouch_token_config *tc,
                                                const struct vouch_policy *policy,
                                                const vouch_appraisal *a,
                                                const vouch_envelope *env,
                                                const vouch_result *r, vouch_buf *scratch,
                                                vouch_buf *out, vouch_err *err);

/* ---- Bulk verification -------------------------------------------------- */
/* The configuration of the single-item path. */
typedef struct {
  int64_t at;                      /* default instant (items may override) */
  bool allow_expired;
  const struct vouch_anchors *anchors;
  const vouch_dcap_collateral *collateral; /* fixed bundle, or NULL */
  const vouch_dcap_source *source;         /* directory source, or NULL */
  const struct vouch_policy *policy;       /* appraisal policy, or NULL */
  const vouch_token_config *token;         /* issue tokens (needs a policy), or NULL */
  const void *snp_collateral;              /* a vouch_snp_collateral for SNP items, or NULL */
  const vouch_snp_source *snp_source;      /* VCEKs/VLEKs from a directory, or NULL */
} vouch_run_config;

/* vouch_envelope_sgx_opts derives the verifier options of an envelope (its
 * own instant, else |default_at|; its runtime data).  Returns false, with an
 * error result in |out|, for evidence types not supported yet. */
bool vouch_envelope_sgx_opts(const vouch_envelope *env, int64_t default_at, bool allow_expired,
                             const struct vouch_anchors *anchors, vouch_sgx_opts *opts,
                             vouch_result *out);

/* vouch_verify_direct verifies evidence whose verifier has no batched
 * signature stage (SEV-SNP, Azure's SNP HCL report, TPM) on the calling
 * thread: true when |env| was such evidence and |out| is filled.
 * |snp_collateral| (a vouch_snp_collateral, or NULL) serves SNP items that
 * carry no inline collateral; |snp_source| (or NULL) supplies the VCEK or
 * VLEK of a report whose collateral has none; |snp_memo| (or NULL) caches
 * SNP chain verifications across items. */
bool vouch_verify_direct(const vouch_envelope *env, int64_t default_at, bool allow_expired,
                         const struct vouch_anchors *anchors, const void *snp_collateral,
                         const vouch_snp_source *snp_source, const vouch_snp_memo *snp_memo,
                         vouch_result *out);

/* vouch_check_event_log: for a TDX item whose envelope carries a CCEL
 * "event_log", replays it into RTMR0-3 and requires the quote's values
 * (contraindicated, E_BINDING, naming the RTMR, when they differ); on
 * success the claim tdx_event_log_replayed is true.  Items that did not
 * verify are left as they are. */
void vouch_check_event_log(const vouch_envelope *env, vouch_result *r);

/* vouch_verify_one verifies one decoded envelope into |out|. */
void vouch_verify_one(const vouch_run_config *cfg, const vouch_envelope *env,
                      vouch_result *out);

#endif /* VOUCH_ENGINE_H */
