/* verifiers/result.h - the result of verifying one evidence item, shared by
 * every verifier, the engine and the CLI: verdict, TCB status, advisory IDs,
 * typed claims, error, and the audit fields (instant, verifier version,
 * trust anchor, hashes of the collateral used).  Fixed-size, no allocation:
 * workers reuse one per item. */
#ifndef VOUCH_RESULT_H
#define VOUCH_RESULT_H

#include "base/base.h"

typedef enum {
  VOUCH_VERDICT_AFFIRMING,       /* UpToDate, nothing to act on */
  VOUCH_VERDICT_WARNING,         /* needs action but not out of date; debug */
  VOUCH_VERDICT_CONTRAINDICATED, /* out of date, revoked, any failed check */
  VOUCH_VERDICT_ERROR,           /* could not be evaluated */
} vouch_verdict;

const char *vouch_verdict_name(vouch_verdict v);

typedef enum {
  VOUCH_CLAIM_HEX,    /* bytes, rendered as lower-case hex */
  VOUCH_CLAIM_INT,
  VOUCH_CLAIM_BOOL,
  VOUCH_CLAIM_STRING,
  VOUCH_CLAIM_JSON,   /* pre-serialized JSON value */
} vouch_claim_kind;

typedef struct {
  const char *name; /* static string */
  vouch_claim_kind kind;
  int64_t i;
  bool b;
  uint32_t off, len; /* bytes in the result's arena (HEX, STRING, JSON) */
} vouch_claim;

#define VOUCH_RESULT_MAX_CLAIMS 96
#define VOUCH_RESULT_ARENA (128 * 1024) /* a TPM event log as "events" fits */
#define VOUCH_RESULT_MAX_ITEMS 16
#define VOUCH_RESULT_MAX_ADVISORIES 64

typedef struct {
  vouch_verdict verdict;
  char tcb_status[48]; /* "" when the evaluation did not reach a status */
  char advisory_ids[VOUCH_RESULT_MAX_ADVISORIES][32];
  size_t num_advisory_ids;
  vouch_claim claims[VOUCH_RESULT_MAX_CLAIMS];
  size_t num_claims;
  uint8_t arena[VOUCH_RESULT_ARENA];
  size_t arena_len;
  bool overflow; /* a claim did not fit (reported in the output) */
  const char *attestation_type; /* Azure's x-ms-attestation-type ("sgx", "tdxvm"), static;
                                   NULL until a verifier recognized the evidence */
  vouch_err error; /* code VOUCH_OK: no error */
  int64_t at;
  bool has_anchor;
  uint8_t anchor_sha256[32];
  struct {
    const char *name; /* static */
    uint8_t sha256[32];
  } items[VOUCH_RESULT_MAX_ITEMS];
  size_t num_items;
} vouch_result;

/* vouch_result_attestation_type: the result's x-ms-attestation-type, "sgx"
 * when no verifier set one. */
const char *vouch_result_attestation_type(const vouch_result *r);
/* vouch_result_init resets |r| for an item verified as of |at|: verdict
 * error ("not verified") until a verifier decides otherwise. */
void vouch_result_init(vouch_result *r, int64_t at);
void vouch_result_claim_hex(vouch_result *r, const char *name, const uint8_t *data, size_t len);
void vouch_result_claim_int(vouch_result *r, const char *name, int64_t v);
void vouch_result_claim_bool(vouch_result *r, const char *name, bool v);
void vouch_result_claim_string(vouch_result *r, const char *name, const char *s);
void vouch_result_claim_json(vouch_result *r, const char *name, const char *json, size_t len);
/* vouch_result_claim_time adds an RFC 3339 string claim. */
void vouch_result_claim_time(vouch_result *r, const char *name, int64_t t);
/* vouch_result_find_claim returns the claim called |name| or NULL. */
const vouch_claim *vouch_result_find_claim(const vouch_result *r, const char *name);
/* vouch_result_claim_bytes returns the arena bytes of a HEX/STRING/JSON claim. */
const uint8_t *vouch_result_claim_bytes(const vouch_result *r, const vouch_claim *c);
/* vouch_result_add_advisory appends |id| unless already present. */
void vouch_result_add_advisory(vouch_result *r, const char *id);
void vouch_result_add_item(vouch_result *r, const char *name, const uint8_t sha256[32]);
/* vouch_result_fail sets the verdict and copies the error. */
void vouch_result_fail(vouch_result *r, vouch_verdict v, const vouch_err *err);
/* vouch_result_write_json writes the output object of DESIGN.md. */
void vouch_result_write_json(const vouch_result *r, const char *id, size_t id_len,
                             vouch_json *j);

/* Extension of the result object: extra claims inside "claims" (e.g. those a
 * policy issued) and extra members after it ("policy", "token").  |shadows|
 * (optional) returns true for a verifier claim name that an extra claim
 * replaces, so no key appears twice. */
typedef struct {
  void *ctx;
  void (*claims)(void *ctx, vouch_json *j);
  void (*members)(void *ctx, vouch_json *j);
  bool (*shadows)(void *ctx, const char *name);
  bool brief; /* leave out "claims" and "collateral" (a caller that wants only the
                 verdict, the policy's outcome and the token) */
} vouch_result_ext;

void vouch_result_write_json_ext(const vouch_result *r, const char *id, size_t id_len,
                                 const vouch_result_ext *ext, vouch_json *j);

/* ---- Azure Attestation's names for the claims ---------------------------
 * vouch names claims after the structure they come from (sgx_mrsigner);
 * Azure Attestation's policies and tokens use their own names
 * (x-ms-sgx-mrsigner) and encodings (hex, base64url, objects).
 * vouch_result_maa_claims emits a result's claims under those names:
 *  - VOUCH_MAA_TOKEN: the token's claims (spec/maa-api.md §3), with
 *    x-ms-attestation-type;
 *  - VOUCH_MAA_POLICY: the incoming claims of a policy: the token's names,
 *    x-ms-ver, the legacy `$` names the old default policy uses ($is-debuggable,
 *    $sgx-mrsigner, ..., also $mrsigner/$mrenclave), and vouch's appraisal as
 *    vouch-status, vouch-tcb-status, vouch-advisory-ids (a set),
 *    vouch-fmspc, vouch-tcb-evaluation-data-number, vouch-tcb-date.
 * Strings passed to the sink are only valid during the call. */
enum { VOUCH_MAA_TOKEN = 1, VOUCH_MAA_POLICY = 2 };

typedef struct {
  void *ctx;
  void (*string)(void *ctx, const char *name, const char *s, size_t len);
  void (*integer)(void *ctx, const char *name, int64_t v);
  void (*boolean)(void *ctx, const char *name, bool v);
  /* a JSON object or array as text; |is_set| for an array of primitives */
  void (*json)(void *ctx, const char *name, const char *text, size_t len, bool is_set);
  /* optional: false for a claim the consumer will not look at, so its value
   * is not rendered (a policy that names only a few claim types) */
  bool (*wants)(void *ctx, const char *name);
} vouch_maa_sink;

/* |attestation_type| is the token's x-ms-attestation-type ("sgx" for SGX
 * and Open Enclave). */
void vouch_result_maa_claims(const vouch_result *r, const char *attestation_type,
                             unsigned which, const vouch_maa_sink *sink);

#endif /* VOUCH_RESULT_H */
