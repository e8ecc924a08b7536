/* policy/policy.h - Azure Attestation's policy language (claim rules,
 * versions 1.0, 1.1 and 1.2): compile once, evaluate per evidence item.
 *
 * A policy is compiled into a compact, immutable form (interned claim types,
 * literals typed and comparisons resolved at compile time) that any number of
 * threads may evaluate at once.  Each thread owns a vouch_policy_eval: fixed
 * capacity claim sets and a string arena, reused from item to item, so the
 * evaluation of a 1.0/1.1 policy allocates nothing.  (The 1.2 JmesPath
 * function goes through jansson, which allocates.)
 *
 * Per item: vouch_policy_eval_begin, add the incoming claims (the verifier's
 * claims under the names Azure Attestation gives them), vouch_policy_eval_run,
 * then read the decision, the outgoing claims (for the token) and the
 * property claims (configuration). */
#ifndef VOUCH_POLICY_H
#define VOUCH_POLICY_H

#include "base/base.h"
#include "crypto/crypto.h"

/* Limits.  A policy over a limit is refused at compile time; an evaluation
 * over a limit ends with VOUCH_E_LIMIT, never a hang. */
enum {
  VOUCH_POLICY_MAX_TEXT = 256 * 1024,   /* bytes of policy text */
  VOUCH_POLICY_MAX_RULES = 4096,        /* rules in all sections */
  VOUCH_POLICY_MAX_CONDITIONS = 32,     /* conditions in one rule */
  VOUCH_POLICY_MAX_TESTS = 16,          /* property tests in one condition */
  VOUCH_POLICY_MAX_CALL_DEPTH = 8,      /* nested function calls */
  VOUCH_POLICY_MAX_CLAIMS = 1024,       /* claims in the evaluation's sets */
  VOUCH_POLICY_ARENA = 256 * 1024,      /* bytes of strings made while evaluating */
  VOUCH_POLICY_MAX_STEPS = 1000000,     /* claim tests + function calls per item */
};

/* The issuer of a claim (a claim property policies can test). */
typedef enum {
  VOUCH_ISSUER_SERVICE, /* "AttestationService": derived from the evidence */
  VOUCH_ISSUER_POLICY,  /* "AttestationPolicy": made by a rule */
  VOUCH_ISSUER_CUSTOM,  /* "CustomClaim": supplied by the attester */
} vouch_claim_issuer;

const char *vouch_claim_issuer_name(vouch_claim_issuer i);

/* A claim value.  Strings are not NUL-terminated and are borrowed. */
typedef enum {
  VOUCH_PVAL_EMPTY,  /* no value (JsonToClaimValue of null): actions skip it */
  VOUCH_PVAL_BOOL,
  VOUCH_PVAL_INT,
  VOUCH_PVAL_STRING,
  VOUCH_PVAL_JSON,   /* a JSON object or array as text (e.g. TPM "events") */
  VOUCH_PVAL_SET,    /* a set of primitives, as the text of a JSON array */
} vouch_pval_kind;

typedef struct {
  vouch_pval_kind kind;
  bool b;
  int64_t i;
  const char *s;
  uint32_t len;
} vouch_pval;

typedef struct {
  const char *type; /* borrowed, not NUL-terminated */
  uint32_t type_len;
  uint16_t type_id; /* the policy's interned id, or VOUCH_POLICY_NO_TYPE */
  vouch_claim_issuer issuer;
  bool read_only;   /* may be tested, never issued */
  vouch_pval value;
} vouch_pclaim;

#define VOUCH_POLICY_NO_TYPE 0xFFFFu

struct vouch_policy; /* compiled, immutable, shareable between threads */

/* Where a parse error is (1-based; 0 when it concerns the whole text). */
typedef struct {
  uint32_t line, col;
} vouch_policy_pos;

/* vouch_policy_compile parses and compiles |text| (kept verbatim: the policy
 * hash is over the exact bytes).  On a syntax error: VOUCH_E_POLICY_SYNTAX
 * with |err| reading "policy:LINE:COL: expected ..." and *where (optional)
 * set; VOUCH_E_LIMIT for a policy over a limit. */
VOUCH_MUST_CHECK vouch_status vouch_policy_compile(const char *text, size_t len,
                                                   struct vouch_policy **out,
                                                   vouch_policy_pos *where, vouch_err *err);
/* Policies are reference counted (atomically): vouch_policy_free drops a
 * reference, vouch_policy_up_ref adds one, so a server can replace a
 * policy while items evaluated under the old one are still in flight. */
void vouch_policy_free(struct vouch_policy *p);
void vouch_policy_up_ref(struct vouch_policy *p);

/* The policy's text exactly as given, and its version (10, 11, 12). */
const char *vouch_policy_text(const struct vouch_policy *p, size_t *len);
int vouch_policy_version(const struct vouch_policy *p);

/* x-ms-policy-hash: base64url(SHA-256(ASCII(base64url(text)))), unpadded:
 * 43 characters and a NUL. */
#define VOUCH_POLICY_HASH_LEN 43
void vouch_policy_hash_text(const char *text, size_t len, char out[VOUCH_POLICY_HASH_LEN + 1]);
const char *vouch_policy_hash(const struct vouch_policy *p);

/* vouch_policy_type_id returns the interned id of a claim type the policy
 * mentions, or VOUCH_POLICY_NO_TYPE. */
uint16_t vouch_policy_type_id(const struct vouch_policy *p, const char *type, size_t len);

/* vouch_policy_reads_any_claim: some condition has no `type == "literal"`
 * test, so it may match a claim of any type.  When false, only claims of
 * types the policy names can ever be read, and callers may leave the
 * others out of the incoming set (same outcome, less work). */
bool vouch_policy_reads_any_claim(const struct vouch_policy *p);

/* vouch_policy_dump writes the compiled form readably: sections, rules with
 * their source line, conditions, resolved tests, actions, and the interned
 * type table. */
void vouch_policy_dump(const struct vouch_policy *p, vouch_buf *out);

/* Default policy text for an Azure Attestation type ("SgxEnclave",
 * "OpenEnclave", "SevSnpVm", "TdxVm", "Tpm"; case-insensitive), NULL for an
 * unknown type.  SGX and Open Enclave get the documented SGX default; the
 * others the permit-all policy (none is published for them). */
const char *vouch_policy_default_text(const char *attestation_type);

/* ---- signed policies (spec/policy.md §8) ------------------------------- */
/* A policy travels as a compact JWS whose payload is
 * {"AttestationPolicy": base64url(policy text)}: unsigned (alg "none") or
 * signed (RS256, PS256, ES256, ES384) with the signer's certificate chain in
 * the header's x5c (or its key as "jwk"). */
struct vouch_cert;
struct vouch_signer;

typedef struct {
  char *text;                /* the policy text (malloc'd, NUL-terminated) */
  size_t len;
  bool is_signed;
  struct vouch_cert *signer; /* the signing certificate (a reference), or NULL */
} vouch_policy_jws;

/* vouch_policy_from_jws checks a policy JWS and extracts its text.
 * Unsigned JWSs are accepted only with |allow_unsigned|.  A signed one must
 * verify under its header key and come from a trusted signer: its leaf (or
 * the key of its "jwk") equals one of |trusted|, or its x5c chain leads to
 * one of them at instant |at| (CA certificates only).  VOUCH_E_SIGNATURE,
 * VOUCH_E_UNTRUSTED_ROOT or VOUCH_E_MALFORMED with the reason otherwise.
 * The text is not compiled here. */
VOUCH_MUST_CHECK vouch_status vouch_policy_from_jws(const char *jws, size_t len,
                                                    struct vouch_cert *const *trusted,
                                                    size_t num_trusted, bool allow_unsigned,
                                                    int64_t at, vouch_policy_jws *out,
                                                    vouch_err *err);
void vouch_policy_jws_cleanup(vouch_policy_jws *p);

/* vouch_jws_check_signer: |j| is signed (not alg none), verifies under its
 * header key (x5c[0], or a bare jwk), and that signer is trusted: the leaf
 * equals one of |trusted|, the jwk is the key of one, or the x5c chain
 * leads to a self-signed one at |at|.  *signer (optional) receives the
 * signing certificate (borrowed from |j| or |trusted|).  The rule for
 * signed policies, policy resets and signer-certificate changes alike. */
VOUCH_MUST_CHECK vouch_status vouch_jws_check_signer(const vouch_jws *j,
                                                     struct vouch_cert *const *trusted,
                                                     size_t num_trusted, int64_t at,
                                                     const struct vouch_cert **signer,
                                                     vouch_err *err);

/* vouch_policy_to_jws wraps |text| into a policy JWS: signed by |s| with
 * |chain| (leaf first, may be empty) as x5c, or unsigned when |s| is NULL. */
VOUCH_MUST_CHECK vouch_status vouch_policy_to_jws(const char *text, size_t len,
                                                  const struct vouch_signer *s,
                                                  struct vouch_cert *const *chain,
                                                  size_t chain_len, vouch_buf *out,
                                                  vouch_err *err);

/* vouch_policy_looks_like_jws: three dot-separated base64url parts and
 * nothing else (so a policy file may hold either form). */
bool vouch_policy_looks_like_jws(const char *s, size_t len);

/* ---- evaluation ------------------------------------------------------- */

typedef enum {
  VOUCH_POLICY_PERMIT,       /* a permit() fired and no deny() */
  VOUCH_POLICY_DENY,         /* a deny() fired (deny wins) */
  VOUCH_POLICY_NO_PERMIT,    /* no rule permitted */
} vouch_policy_decision;

const char *vouch_policy_decision_name(vouch_policy_decision d); /* permit/deny */

struct vouch_policy_eval; /* per-thread evaluation state */

struct vouch_policy_eval *vouch_policy_eval_new(void);
void vouch_policy_eval_free(struct vouch_policy_eval *ev);

/* vouch_policy_eval_begin starts an item under |p|: all sets empty. */
void vouch_policy_eval_begin(struct vouch_policy_eval *ev, const struct vouch_policy *p);

/* vouch_policy_eval_add adds an incoming claim.  The type and any string
 * value are borrowed until the end of the item (vouch_policy_eval_alloc
 * gives memory that lives that long).  VOUCH_E_LIMIT when the set is full. */
VOUCH_MUST_CHECK vouch_status vouch_policy_eval_add(struct vouch_policy_eval *ev,
                                                    const char *type, size_t type_len,
                                                    const vouch_pval *value,
                                                    vouch_claim_issuer issuer, bool read_only);
/* The same for a claim type with static storage (a verifier's claim
 * table): its interned id is memoized by address for the evaluator's
 * current policy, so feeding the same names item after item costs no
 * hashing. */
VOUCH_MUST_CHECK vouch_status vouch_policy_eval_add_static(struct vouch_policy_eval *ev,
                                                           const char *static_type,
                                                           const vouch_pval *value,
                                                           vouch_claim_issuer issuer,
                                                           bool read_only);
/* vouch_policy_eval_names_static: the current policy names this type. */
bool vouch_policy_eval_names_static(struct vouch_policy_eval *ev, const char *static_type);
/* vouch_policy_eval_alloc returns |n| bytes that live until the next
 * vouch_policy_eval_begin, or NULL when the arena is full. */
char *vouch_policy_eval_alloc(struct vouch_policy_eval *ev, size_t n);

/* vouch_policy_eval_run runs configurationrules, authorizationrules and
 * issuancerules.  VOUCH_OK: *decision is set.  Otherwise the evaluation
 * failed (VOUCH_E_POLICY_EVAL: a function's argument error; VOUCH_E_LIMIT: a
 * limit) and |err| says which rule (by line) and why. */
VOUCH_MUST_CHECK vouch_status vouch_policy_eval_run(struct vouch_policy_eval *ev,
                                                    vouch_policy_decision *decision,
                                                    vouch_err *err);

/* The outgoing claims (issue()) in order, duplicates of (type, value)
 * removed; the property claims (issueproperty()); every claim of the
 * incoming set (evidence claims plus what rules added). */
size_t vouch_policy_eval_num_outgoing(const struct vouch_policy_eval *ev);
const vouch_pclaim *vouch_policy_eval_outgoing(const struct vouch_policy_eval *ev, size_t i);
size_t vouch_policy_eval_num_properties(const struct vouch_policy_eval *ev);
const vouch_pclaim *vouch_policy_eval_property(const struct vouch_policy_eval *ev, size_t i);
/* vouch_policy_eval_find_property returns the last property claim of the
 * type (later rules override earlier ones), or NULL. */
const vouch_pclaim *vouch_policy_eval_find_property(const struct vouch_policy_eval *ev,
                                                    const char *type);
size_t vouch_policy_eval_num_incoming(const struct vouch_policy_eval *ev);
const vouch_pclaim *vouch_policy_eval_incoming(const struct vouch_policy_eval *ev, size_t i);

/* vouch_policy_write_value writes one claim value as a JSON value. */
void vouch_policy_write_value(vouch_json *j, const vouch_pval *v);
/* vouch_policy_write_outgoing writes the outgoing claims as members of the
 * current JSON object: one member per type, several claims of one type
 * become an array (in issue order), empty values are left out. */
void vouch_policy_write_outgoing(const struct vouch_policy_eval *ev, vouch_json *j);

#endif /* VOUCH_POLICY_H */
