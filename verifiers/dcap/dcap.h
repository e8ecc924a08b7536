/* verifiers/dcap/dcap.h - Intel DCAP code shared by the SGX and TDX
 * verifiers: the quote parser (v3/v4/v5), PCK certificate SGX extensions,
 * TCB Info (v2/v3, SGX and TDX), QE / TD_QE Identity, the collateral bundle,
 * and the verification algorithm of Intel's QVL (spec: shared/spec/sgx-tdx.md).
 *
 * Parsers fill plain structs; byte fields that point into the input are
 * borrowed views valid as long as the input buffer.
 */
#ifndef VOUCH_DCAP_H
#define VOUCH_DCAP_H

#include "base/base.h"
#include "crypto/crypto.h"

/* ======================================================================
 * TCB statuses (TCB Info levels, QE identity levels, module levels, and the
 * combined result).
 */
typedef enum {
  VOUCH_TCB_UP_TO_DATE,
  VOUCH_TCB_SW_HARDENING_NEEDED,
  VOUCH_TCB_CONFIGURATION_NEEDED,
  VOUCH_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
  VOUCH_TCB_OUT_OF_DATE,
  VOUCH_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
  VOUCH_TCB_REVOKED,
  VOUCH_TCB_NOT_SUPPORTED,
  VOUCH_TCB_TD_RELAUNCH_ADVISED,
  VOUCH_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
  VOUCH_TCB_STATUS_COUNT
} vouch_tcb_status;

/* vouch_tcb_status_name gives Intel's spelling ("UpToDate",
 * "ConfigurationAndSWHardeningNeeded", ...) and "TcbNotSupported". */
const char *vouch_tcb_status_name(vouch_tcb_status s);
/* vouch_tcb_status_parse maps Intel's spelling back (exact match). */
VOUCH_MUST_CHECK vouch_status vouch_tcb_status_parse(const char *s, size_t len,
                                                     vouch_tcb_status *out);

/* ======================================================================
 * PCK certificate SGX extensions (OID 1.2.840.113741.1.13.1), spec §6.
 */
#define VOUCH_SGX_EXT_OID "1.2.840.113741.1.13.1"
#define VOUCH_TCB_COMPONENTS 16

typedef struct {
  uint8_t ppid[16];
  uint8_t comp_svn[VOUCH_TCB_COMPONENTS]; /* sgxtcbcomp01svn..16 (0..255) */
  uint16_t pcesvn;
  uint8_t cpusvn[16];
  uint8_t pceid[2];
  uint8_t fmspc[6];
  uint8_t sgx_type; /* 0 Standard, 1 Scalable, 2 ScalableWithIntegrity */
  /* Platform CA certificates only: */
  bool has_platform_instance_id;
  uint8_t platform_instance_id[16];
  bool has_configuration;
  bool dynamic_platform, cached_keys, smt_enabled;
  bool has_dynamic_platform, has_cached_keys, has_smt_enabled;
} vouch_pck_ext;

/* vouch_pck_ext_parse parses the extension value (the DER SEQUENCE inside
 * the extnValue OCTET STRING).  Entries may come in any order; unknown OIDs
 * are ignored; duplicates are rejected; PPID, TCB (all 16 components,
 * PCESVN, CPUSVN), PCE-ID, FMSPC and SGX Type are required.  INTEGER SVNs
 * may be encoded on more than one byte (255 = 02 02 00 FF) but must fit
 * their field. */
VOUCH_MUST_CHECK vouch_status vouch_pck_ext_parse(const uint8_t *der, size_t len,
                                                  vouch_pck_ext *out, vouch_err *err);

/* ======================================================================
 * TCB Info (spec §7.1) and enclave identity (§7.2).
 */
#define VOUCH_ADVISORY_MAX 32 /* bytes per advisory ID incl. NUL */
typedef char vouch_advisory_id[VOUCH_ADVISORY_MAX];

typedef struct {
  uint8_t sgx_svn[VOUCH_TCB_COMPONENTS];
  uint16_t pcesvn;
  bool has_tdx;
  uint8_t tdx_svn[VOUCH_TCB_COMPONENTS];
  uint16_t isvsvn; /* QE identity and TDX module levels */
  int64_t tcb_date;
  vouch_tcb_status status;
  size_t adv_first; /* index into the document's advisories */
  size_t adv_count;
} vouch_tcb_level;

typedef struct {
  char id[16]; /* "TDX_01" ... */
  uint8_t mrsigner[48];
  uint8_t attributes[8];
  uint8_t attributes_mask[8];
  size_t level_first; /* index into vouch_tcb_info.module_levels */
  size_t level_count;
} vouch_tdx_module_identity;

typedef struct {
  int version;    /* 2 or 3 */
  char id[8];     /* "SGX" / "TDX"; "" for v2 */
  int64_t issue_date;
  int64_t next_update;
  uint8_t fmspc[6];
  uint8_t pce_id[2];
  int tcb_type;
  uint32_t tcb_evaluation_data_number;
  vouch_tcb_level *levels; /* owned, in the order served (newest first) */
  size_t num_levels;
  /* TDX only */
  bool has_tdx_module;
  uint8_t tdx_module_mrsigner[48];
  uint8_t tdx_module_attributes[8];
  uint8_t tdx_module_attributes_mask[8];
  vouch_tdx_module_identity *module_ids; /* owned */
  size_t num_module_ids;
  vouch_tcb_level *module_levels; /* owned (isvsvn levels) */
  size_t num_module_levels;
  vouch_advisory_id *advisories; /* owned pool for all levels */
  size_t num_advisories;
} vouch_tcb_info;

/* vouch_tcb_info_parse parses the exact text of the tcbInfo object (the
 * bytes that are signed).  Strict: required keys present with the right
 * types, hex fields of the right length, 16 components per array, statuses
 * known, dates RFC 3339, at most VOUCH_LIMIT_TCB_LEVELS levels. */
VOUCH_MUST_CHECK vouch_status vouch_tcb_info_parse(const char *json, size_t len,
                                                   vouch_tcb_info *out, vouch_err *err);
void vouch_tcb_info_cleanup(vouch_tcb_info *ti);

typedef struct {
  char id[8]; /* "QE", "TD_QE", "QVE" */
  int version;
  int64_t issue_date;
  int64_t next_update;
  uint32_t tcb_evaluation_data_number;
  uint8_t miscselect[4];
  uint8_t miscselect_mask[4];
  uint8_t attributes[16];
  uint8_t attributes_mask[16];
  uint8_t mrsigner[32];
  uint16_t isvprodid;
  vouch_tcb_level *levels; /* owned (isvsvn levels) */
  size_t num_levels;
  vouch_advisory_id *advisories; /* owned */
  size_t num_advisories;
} vouch_qe_identity;

/* vouch_qe_identity_parse parses the exact text of the enclaveIdentity
 * object. */
VOUCH_MUST_CHECK vouch_status vouch_qe_identity_parse(const char *json, size_t len,
                                                      vouch_qe_identity *out, vouch_err *err);
void vouch_qe_identity_cleanup(vouch_qe_identity *qe);


/* ======================================================================
 * Quotes (spec §§2-4): v3 (SGX), v4 (TDX or SGX body), v5 (body type 1-3).
 */
#define VOUCH_QUOTE_HEADER_LEN 48
#define VOUCH_SGX_REPORT_LEN 384
#define VOUCH_TD10_REPORT_LEN 584
#define VOUCH_TD15_REPORT_LEN 648
#define VOUCH_TEE_SGX 0x00000000u
#define VOUCH_TEE_TDX 0x00000081u

/* An SGX report body (the enclave's, or the Quoting Enclave's). */
typedef struct {
  const uint8_t *raw; /* the 384 bytes, borrowed */
  uint8_t cpusvn[16];
  uint32_t miscselect;
  uint8_t isv_ext_prod_id[16];
  uint8_t attributes[16]; /* flags u64 LE || xfrm u64 LE */
  uint8_t mrenclave[32];
  uint8_t mrsigner[32];
  uint8_t config_id[64];
  uint16_t isv_prod_id;
  uint16_t isv_svn;
  uint16_t config_svn;
  uint8_t isv_family_id[16];
  uint8_t report_data[64];
} vouch_sgx_report;

/* vouch_sgx_report_is_debug: ATTRIBUTES.DEBUG (bit 1 of the flags). */
bool vouch_sgx_report_is_debug(const vouch_sgx_report *r);

/* A TD report body, TDX 1.0 (584 bytes) or 1.5 (648). */
typedef struct {
  const uint8_t *raw; /* borrowed */
  size_t raw_len;
  bool is_v15;
  uint8_t tee_tcb_svn[16];
  uint8_t mrseam[48];
  uint8_t mrsignerseam[48];
  uint8_t seam_attributes[8];
  uint8_t td_attributes[8];
  uint8_t xfam[8];
  uint8_t mrtd[48];
  uint8_t mrconfigid[48];
  uint8_t mrowner[48];
  uint8_t mrownerconfig[48];
  uint8_t rtmr[4][48];
  uint8_t report_data[64];
  uint8_t tee_tcb_svn2[16]; /* 1.5 only */
  uint8_t mrservicetd[48];  /* 1.5 only */
} vouch_td_report;

typedef enum {
  VOUCH_BODY_SGX = 1,  /* SGX enclave report (384) */
  VOUCH_BODY_TD10 = 2, /* TD report 1.0 (584) */
  VOUCH_BODY_TD15 = 3, /* TD report 1.5 (648) */
} vouch_body_type;

typedef struct {
  /* header */
  uint16_t version;
  uint16_t att_key_type;
  uint32_t tee_type;
  uint16_t qe_svn;
  uint16_t pce_svn;
  uint8_t qe_vendor_id[16];
  uint8_t user_data[20];
  /* body */
  vouch_body_type body_type;
  vouch_sgx_report isv; /* when body_type == VOUCH_BODY_SGX */
  vouch_td_report td;   /* when TD */
  /* signed range: header || [v5 body type+size] || body (borrowed) */
  const uint8_t *signed_data;
  size_t signed_len;
  /* signature data (all borrowed) */
  const uint8_t *signature; /* 64: r||s */
  const uint8_t *att_key;   /* 64: X||Y */
  vouch_sgx_report qe_report;
  const uint8_t *qe_report_sig; /* 64 */
  const uint8_t *qe_auth;
  size_t qe_auth_len;
  uint16_t outer_cert_type; /* v3: == cert_type; v4/v5: 6 */
  uint16_t cert_type;       /* the (inner) certification data type, 1..5 */
  const uint8_t *cert_data;
  size_t cert_data_len;
  size_t total_len;     /* bytes the structure describes */
  size_t trailing_len;  /* bytes after the signature data (tolerated, reported) */
} vouch_quote;

/* vouch_quote_parse parses |len| bytes of a quote.  Every length field is
 * bounded against what remains; the certification data must be consumed
 * exactly.  Errors name the field and the offset ("sgx: quote truncated at
 * offset 436 (QE report)").  |q| borrows from |buf|. */
VOUCH_MUST_CHECK vouch_status vouch_quote_parse(const uint8_t *buf, size_t len, vouch_quote *q,
                                                vouch_err *err);

/* Intel's QE vendor id and production QE identities (spec §2, §7.2). */
extern const uint8_t vouch_intel_qe_vendor_id[16];

/* The built-in trust anchor: Intel SGX Root CA, PEM, pinned by the SHA-256
 * of its DER (vouch_intel_root_sha256); vouch_dcap_add_intel_root checks
 * the fingerprint before adding it. */
extern const char vouch_intel_root_pem[];
extern const uint8_t vouch_intel_root_sha256[32];
VOUCH_MUST_CHECK vouch_status vouch_dcap_add_intel_root(struct vouch_anchors *anchors);

/* ======================================================================
 * Collateral bundle: the raw bytes of every item one quote needs, in the
 * shape of the vectors' collateral.json ("QuoteCollateralV3").  Owned.
 */
typedef struct {
  uint8_t *data;
  size_t len;
} vouch_blob;

typedef struct {
  vouch_blob pck_crl_issuer_chain;  /* PEM */
  vouch_blob root_ca_crl;           /* DER, PEM or hex DER */
  vouch_blob pck_crl;               /* DER, PEM or hex DER */
  vouch_blob tcb_info_issuer_chain; /* PEM */
  vouch_blob tcb_info;              /* exact signed text of the tcbInfo object */
  vouch_blob tcb_info_signature;    /* 64 bytes r||s (decoded) */
  vouch_blob qe_identity_issuer_chain;
  vouch_blob qe_identity;           /* exact signed text of enclaveIdentity */
  vouch_blob qe_identity_signature; /* 64 bytes r||s */
  vouch_blob pck_certificate_chain; /* PEM, for certification data types 1-4 */
  bool borrowed; /* the blobs point into a longer-lived store: cleanup frees nothing */
  /* Non-zero: the blobs are immutable bytes of a store that keeps them for
   * its whole life and whose id is never reused in this process, so stage-1
   * objects may be keyed by (store, address, length) instead of the bytes. */
  uint64_t store_id;
} vouch_dcap_collateral;

/* vouch_dcap_collateral_from_json reads the collateral.json shape.  String
 * values are taken verbatim (the signed JSON texts byte for byte); a
 * tcb_info / qe_identity value may also be a whole PCS body
 * {"tcbInfo":{..},"signature":".."}, as text or as an object, in which case
 * the exact object bytes and the signature are taken from it. */
VOUCH_MUST_CHECK vouch_status vouch_dcap_collateral_from_json(const char *json, size_t len,
                                                              vouch_dcap_collateral *out,
                                                              vouch_err *err);
/* vouch_dcap_split_signed_body takes a PCS body {"<key>":{...},"signature":"hex"}
 * and returns the exact bytes of the object under |key| and the decoded
 * 64-byte signature (both borrowed/written into the caller's storage). */
VOUCH_MUST_CHECK vouch_status vouch_dcap_split_signed_body(const char *body, size_t len,
                                                           const char *key,
                                                           const char **out_obj,
                                                           size_t *out_obj_len,
                                                           uint8_t out_sig[64], vouch_err *err);
VOUCH_MUST_CHECK vouch_status vouch_blob_set(vouch_blob *b, const void *data, size_t len);
void vouch_blob_free(vouch_blob *b);
void vouch_dcap_collateral_cleanup(vouch_dcap_collateral *c);

/* ======================================================================
 * Verification (spec §8): everything Intel's QVL checks, at instant |at|.
 *
 * It is split in two so an engine can cache and batch:
 *  - Stage 1, instant-independent facts built from bytes (parsed chains,
 *    CRLs, a chain checked against the anchors and its CRLs without time,
 *    a signed JSON document checked under its signer).  Each depends only
 *    on the bytes it was built from (and the anchor set), so it can be
 *    cached by those bytes and shared read-only between threads.
 *  - Stage 2, per item at its own instant: validity windows, collateral
 *    matching, TCB appraisal; its two ECDSA checks (QE report, quote) are
 *    handed out as requests so a batch can deduplicate and group them.
 * vouch_dcap_verify runs both stages for one quote without a cache.
 */
typedef struct {
  int64_t at;                          /* verification instant, Unix seconds */
  bool allow_expired;                  /* QVL behaviour: expiry reported, not fatal */
  const struct vouch_anchors *anchors; /* trusted roots (borrowed) */
} vouch_dcap_opts;

typedef enum {
  VOUCH_DCAP_CHAIN_PCK,         /* PCK certificate, its CA, the root */
  VOUCH_DCAP_CHAIN_TCB_SIGNING, /* TCB Signing certificate (and root) */
  VOUCH_DCAP_CHAIN_CA,          /* a PCK CA (and root): the PCK CRL issuer chain */
} vouch_dcap_chain_kind;

/* A parsed PEM chain with its roles.  err.code != VOUCH_OK records why it
 * is unusable (that outcome is cached like any other). */
typedef struct {
  vouch_err err;
  vouch_dcap_chain_kind kind;
  struct vouch_cert *certs[VOUCH_LIMIT_PEM_CHAIN_CERTS]; /* owned */
  size_t num_certs;
  const struct vouch_cert *leaf;         /* PCK cert / TCB Signing / the CA */
  const struct vouch_cert *intermediate; /* PCK chains: the PCK CA */
  const struct vouch_cert *root;         /* the root shipped with the chain, if any */
  struct vouch_pubkey *leaf_key;         /* owned */
  uint8_t leaf_xy[64];                   /* the leaf's P-256 point */
  bool has_pck;
  vouch_pck_ext pck;     /* PCK chains */
  bool platform_ca;      /* PCK issued by the Platform CA */
  char leaf_cn[128];        /* subject CN of the leaf */
  char leaf_issuer_cn[128]; /* issuer CN of the leaf */
  uint8_t sha256[VOUCH_SHA256_LEN]; /* of the PEM bytes */
} vouch_dcap_chain;

void vouch_dcap_chain_build(vouch_dcap_chain_kind kind, const char *pem, size_t len,
                            vouch_dcap_chain *out);
void vouch_dcap_chain_cleanup(vouch_dcap_chain *c);

/* A parsed CRL (DER, PEM or hex). */
typedef struct {
  vouch_err err;
  struct vouch_crl *crl; /* owned */
  char issuer_cn[128];
  uint8_t sha256[VOUCH_SHA256_LEN]; /* of the DER */
} vouch_dcap_crl;

void vouch_dcap_crl_build(const uint8_t *data, size_t len, vouch_dcap_crl *out);
void vouch_dcap_crl_cleanup(vouch_dcap_crl *c);

/* A chain checked against the anchors and CRLs, without time: signatures,
 * constraints, revocation, the root shipped in the chain being the anchor,
 * the CA CRL coming from the right CA.  The windows of everything used are
 * kept for the per-instant check. */
typedef struct {
  vouch_err err; /* E_REVOKED: a certificate on the path is listed */
  vouch_chain_result chain;
} vouch_dcap_trust;

/* vouch_dcap_trust_build: |ca_crl| is the PCK CRL (PCK chains, and CA
 * chains where it must come from that CA), NULL for TCB Signing chains. */
void vouch_dcap_trust_build(const struct vouch_anchors *anchors, const vouch_dcap_chain *chain,
                            const vouch_dcap_crl *root_crl, const vouch_dcap_crl *ca_crl,
                            vouch_dcap_trust *out);

/* The PCK CA of a PCK chain checked up to the anchors with the Root CA CRL,
 * without time: what every platform under that CA shares.  |issuer| (NULL:
 * not usable, see vouch_anchors_for_issuer) then verifies each platform's
 * PCK certificate as a path ending at the CA, with the PCK CRL.  A fleet's
 * thousands of PCK chains thus check the CA's signature and the root CRL's
 * once, not once per platform (X509_verify_cert re-verifies every
 * signature on the path each time: four per platform, where one is the
 * platform's own). */
typedef struct {
  vouch_err err;
  vouch_chain_result chain;      /* the CA up to the anchor */
  struct vouch_anchors *issuer;  /* owned; the CA as the end of leaf paths */
} vouch_dcap_ca_trust;

void vouch_dcap_ca_trust_build(const struct vouch_anchors *anchors, struct vouch_cert *ca,
                               const vouch_dcap_crl *root_crl, vouch_dcap_ca_trust *out);
void vouch_dcap_ca_trust_cleanup(vouch_dcap_ca_trust *t);

/* vouch_dcap_pck_trust_build: the trust of a PCK chain from its CA's
 * (|ca|, built for chain->intermediate) and the PCK certificate checked
 * under the CA with |pck_crl|: the same verdicts and windows as
 * vouch_dcap_trust_build(anchors, chain, root_crl, pck_crl), which it falls
 * back to when |ca| is NULL or has no issuer set. */
void vouch_dcap_pck_trust_build(const struct vouch_anchors *anchors, const vouch_dcap_chain *chain,
                                const vouch_dcap_ca_trust *ca, const vouch_dcap_crl *root_crl,
                                const vouch_dcap_crl *pck_crl, vouch_dcap_trust *out);

/* A TCB Info or QE Identity: signature over the exact bytes checked with the
 * signer chain's leaf key, then parsed. */
typedef struct {
  vouch_err err;
  bool is_tcb_info;
  vouch_tcb_info tcb_info;       /* owned */
  vouch_qe_identity qe_identity; /* owned */
  uint8_t sha256[VOUCH_SHA256_LEN]; /* of the signed text */
} vouch_dcap_signed;

void vouch_dcap_signed_build(bool is_tcb_info, const char *text, size_t len,
                             const uint8_t sig[64], const vouch_dcap_chain *signer,
                             vouch_dcap_signed *out);
void vouch_dcap_signed_cleanup(vouch_dcap_signed *s);

/* A memo: where stage-1 objects come from.  acquire returns the object
 * built from exactly |key| (building it with |build| into a zeroed object
 * of |obj_size| bytes on a miss) and a handle to release it with; |id| is
 * unique per distinct object for the life of the memo, so composite keys
 * can name their parts.  vouch_dcap_memo_none builds every time. */
typedef struct {
  void *(*acquire)(void *ctx, const uint8_t *key, size_t key_len, size_t obj_size,
                   void (*build)(void *obj, void *arg), void *arg,
                   void (*destroy)(void *obj), void **out_obj, uint64_t *out_id);
  void (*release)(void *ctx, void *handle);
  void *ctx;
} vouch_dcap_memo;

extern const vouch_dcap_memo vouch_dcap_memo_none;

/* Everything stage 2 needs for one quote, with the handles that keep it. */
#define VOUCH_DCAP_MAX_HANDLES 16
typedef struct {
  const vouch_dcap_chain *pck_chain;
  const vouch_dcap_crl *root_crl, *pck_crl;
  const vouch_dcap_trust *pck_trust;
  const vouch_dcap_chain *pck_crl_chain;
  const vouch_dcap_trust *pck_crl_trust;
  const vouch_dcap_chain *tcb_chain;
  const vouch_dcap_trust *tcb_trust;
  const vouch_dcap_signed *tcb_info;
  const vouch_dcap_chain *qe_chain;
  const vouch_dcap_trust *qe_trust;
  const vouch_dcap_signed *qe_identity;
  bool out_of_memory; /* an object could not be had at all */
  uint64_t pck_chain_id; /* memo id of pck_chain */
  const vouch_dcap_collateral *coll; /* borrowed: valid until stage 2 is done */
  /* private */
  const vouch_dcap_memo *memo;
  void *handles[VOUCH_DCAP_MAX_HANDLES];
  size_t num_handles;
} vouch_dcap_inputs;

/* vouch_dcap_inputs_init prepares |in| to take objects from |memo| (NULL:
 * build every time).  vouch_dcap_inputs_resolve then builds (or finds)
 * every stage-1 object for |q| with |coll|.  Objects that fail carry their
 * error; the stage-2 run reports the first in QVL's order.  Always call
 * vouch_dcap_inputs_release after init. */
void vouch_dcap_inputs_init(vouch_dcap_inputs *in, const vouch_dcap_memo *memo);
void vouch_dcap_inputs_resolve(const vouch_quote *q, const vouch_dcap_collateral *coll,
                               const struct vouch_anchors *anchors, vouch_dcap_inputs *in);
void vouch_dcap_inputs_release(vouch_dcap_inputs *in);

/* Hashes of everything a verdict was decided with (DESIGN.md "audit"). */
typedef enum {
  VOUCH_DCAP_ITEM_PCK_CHAIN,
  VOUCH_DCAP_ITEM_PCK_CRL,
  VOUCH_DCAP_ITEM_PCK_CRL_ISSUER_CHAIN,
  VOUCH_DCAP_ITEM_ROOT_CA_CRL,
  VOUCH_DCAP_ITEM_TCB_INFO,
  VOUCH_DCAP_ITEM_TCB_INFO_ISSUER_CHAIN,
  VOUCH_DCAP_ITEM_QE_IDENTITY,
  VOUCH_DCAP_ITEM_QE_IDENTITY_ISSUER_CHAIN,
  VOUCH_DCAP_ITEM_COUNT
} vouch_dcap_item;
const char *vouch_dcap_item_name(vouch_dcap_item item);

#define VOUCH_DCAP_MAX_ADVISORIES 64
typedef struct {
  /* Stages passed.  |err| holds the first failure (code VOUCH_OK if none). */
  vouch_err err;
  bool parsed_collateral;
  bool signatures_valid; /* every signature, chain and CRL check passed */
  bool has_tcb_status;   /* TCB evaluation ran to a status */
  vouch_tcb_status tcb_status;      /* combined (QVL convergence) */
  vouch_tcb_status platform_status; /* matched platform level */
  vouch_tcb_status qe_status;       /* matched QE identity level */
  int64_t tcb_date;                 /* of the platform level */
  int64_t qe_tcb_date;
  uint32_t tcb_evaluation_data_number;
  uint32_t qe_tcb_evaluation_data_number;
  vouch_advisory_id platform_advisories[VOUCH_DCAP_MAX_ADVISORIES];
  size_t num_platform_advisories;
  vouch_advisory_id qe_advisories[VOUCH_DCAP_MAX_ADVISORIES];
  size_t num_qe_advisories;
  /* TDX only (spec §8 steps 6, 11, 12) */
  bool is_tdx;
  char tdx_module_id[16];               /* "TDX_01", or "tdxModule" when major is 0 */
  bool has_module_status;               /* the module identity has TCB levels */
  vouch_tcb_status module_status;       /* matched module level */
  vouch_tcb_status sgx_level_status;    /* the SGX-side level the TDX level was chosen among */
  vouch_advisory_id module_advisories[VOUCH_DCAP_MAX_ADVISORIES];
  size_t num_module_advisories;
  bool has_pck;
  vouch_pck_ext pck;
  bool pck_from_platform_ca; /* PCK issued by the Platform CA (else Processor CA) */
  bool has_anchor;
  uint8_t anchor_sha256[VOUCH_SHA256_LEN];
  int64_t collateral_expiry;  /* earliest expiry over everything used */
  bool collateral_expired;    /* allow_expired hid an expiry */
  bool item_used[VOUCH_DCAP_ITEM_COUNT];
  uint8_t item_sha256[VOUCH_DCAP_ITEM_COUNT][VOUCH_SHA256_LEN];
} vouch_dcap_report;

/* One ECDSA P-256 check stage 2 needs: |xy| (64 bytes) identifies the key,
 * |key| is an imported key when one exists (else the checker imports |xy|),
 * |digest| is SHA-256 of the message, |sig| 64 bytes r||s.  The checker
 * sets |result| to 1 (valid) or 0. */
typedef struct {
  const uint8_t *xy;
  const struct vouch_pubkey *key;
  uint8_t digest[VOUCH_SHA256_LEN];
  const uint8_t *sig;
  int result; /* -1 until checked */
} vouch_dcap_sig;

/* Stage 2 state for one quote (borrows the quote and the inputs). */
typedef struct {
  const vouch_quote *q;
  const vouch_dcap_inputs *in;
  vouch_dcap_opts opts;
  vouch_dcap_report *rep;
  bool failed;        /* a check before the signatures failed */
  vouch_dcap_sig sigs[2]; /* [0] QE report (PCK key), [1] quote (attestation key) */
  size_t num_sigs;        /* 0 when the signatures are not needed */
  bool binding_ok;
  vouch_status identity_status;
  vouch_err identity_err;
} vouch_dcap_job;

/* vouch_dcap_begin runs every check before the signatures (in QVL's order)
 * and lists the signature checks in job->sigs.  vouch_dcap_end takes their
 * results and finishes the report; it returns VOUCH_OK when the quote
 * could be appraised (the verdict is then report->tcb_status), otherwise
 * the failure, also in report->err.  A revoked PCK certificate yields
 * VOUCH_E_REVOKED with tcb_status Revoked; no matching TCB level yields
 * VOUCH_E_TCB_NOT_SUPPORTED with signatures_valid set. */
void vouch_dcap_begin(const vouch_quote *q, const vouch_dcap_inputs *in,
                      const vouch_dcap_opts *opts, vouch_dcap_report *report, vouch_dcap_job *job);
VOUCH_MUST_CHECK vouch_status vouch_dcap_end(vouch_dcap_job *job);

/* vouch_dcap_check_sig runs one signature request in place. */
void vouch_dcap_check_sig(vouch_dcap_sig *sig);

/* vouch_dcap_verify runs both stages for one quote, no cache. */
VOUCH_MUST_CHECK vouch_status vouch_dcap_verify(const vouch_quote *q,
                                                const vouch_dcap_collateral *coll,
                                                const vouch_dcap_opts *opts,
                                                vouch_dcap_report *report);

/* Collateral lookup, for sources that hold collateral for many platforms
 * (the collateral directory): what a quote needs is decided by its PCK
 * certificate. */
typedef struct {
  uint8_t fmspc[6];
  bool platform_ca; /* PCK issued by the Platform CA (else Processor CA) */
  bool tdx;
  int64_t at;
} vouch_dcap_lookup;

typedef struct {
  /* resolve fills |out| (owned by the caller afterwards) or fails with
   * VOUCH_E_COLLATERAL_MISSING naming what is missing. */
  vouch_status (*resolve)(void *ctx, const vouch_dcap_lookup *key, vouch_dcap_collateral *out,
                          vouch_err *err);
  void *ctx;
} vouch_dcap_source;

/* vouch_dcap_pck_lookup reads the quote's PCK certificate (from its type-5
 * certification data, or |pck_chain_pem| for types 1-4) through the inputs'
 * memo (so a chain is parsed once per distinct chain, not per quote), keeps
 * it in |in| for vouch_dcap_inputs_resolve, and fills the lookup key. */
VOUCH_MUST_CHECK vouch_status vouch_dcap_pck_lookup(const vouch_quote *q,
                                                    const vouch_blob *pck_chain_pem,
                                                    vouch_dcap_inputs *in, int64_t at,
                                                    vouch_dcap_lookup *out, vouch_err *err);


#endif /* VOUCH_DCAP_H */
