/* verifiers/tpm/tpm.h - TPM 2.0 quotes and TCG event logs -> vouch_result.
 *
 * What is checked (shared/spec/tpm.md), in this order:
 *   1. the quote (TPMS_ATTEST): strict unmarshalling through libtss2-mu,
 *      magic TPM_GENERATED_VALUE, type TPM_ST_ATTEST_QUOTE, no trailing bytes;
 *   2. the signature: TPMT_SIGNATURE (RSASSA / RSAPSS with SHA-1/256/384/512,
 *      ECDSA on P-256 / P-384) or a bare RSASSA-PKCS1-v1_5 block (Azure vTPM);
 *   3. the attestation key (AK): a TPM2B_PUBLIC (or bare TPMT_PUBLIC) that
 *      must be fixedTPM + restricted + sign and not decrypt, a PEM
 *      SubjectPublicKeyInfo, a JWK (Azure HCLAkPub), or an X.509 AK
 *      certificate chained to given anchors at the verification instant;
 *      a restricted AK's scheme and hash must match the signature's;
 *   4. qualifiedSigner: with the AK's parent (an EK TPM2B_PUBLIC) the AK's
 *      Qualified Name QN = nameAlg || H(QN(EK) || Name(AK)), QN(EK) = nameAlg
 *      || H(0x4000000B || Name(EK)), must equal it; without a parent the claim
 *      tpm_qualified_signer_checked is false.  The AK's Name alone is never
 *      compared with qualifiedSigner (it differs for every real quote);
 *   5. extraData == the expected nonce (when one is given);
 *   6. pcrSelect == the expected selection (when one is given);
 *   7. pcrDigest == H_sig(values of the selected PCRs in selection order),
 *      H_sig the signature's hash (not the bank's);
 *   8. with an event log: replay (legacy SHA-1 or crypto-agile, every bank
 *      the log has) and require replayed == quoted for every quoted PCR.
 * Any signature / name / nonce / selection / PCR / replay mismatch gives
 * verdict contraindicated, malformed input or a missing piece gives error,
 * everything verified gives affirming.  Errors read "tpm: ...".
 *
 * Claims (names are static; the lead maps them to Azure's where needed):
 *   tpm_magic_ok, tpm_qualified_signer (hex), tpm_extra_data (hex),
 *   tpm_clock, tpm_reset_count, tpm_restart_count, tpm_safe,
 *   tpm_firmware_version (16 hex digits), tpm_pcr_selection ("sha256:0,1,7"),
 *   tpm_pcr_digest (hex), tpm_sig_alg ("rsassa-sha256", "rsapss-sha256",
 *   "ecdsa-sha256"), tpm_ak_source ("tpm2b", "pem", "jwk", "cert"),
 *   tpm_ak_name (hex, TPM2B/TPMT AKs), tpm_qualified_signer_checked,
 *   tpm_nonce_checked, tpm_pcrs (JSON {"sha256": {"0": "hex", ...}}, only the
 *   PCRs the quote covers), tpm_event_log_format ("legacy" / "crypto-agile"),
 *   tpm_event_log_events (count), tpm_event_log_replayed (bool);
 *   Azure's names: tpmVersion (2), aikValidated (true only for an AK
 *   certificate verified to the anchors), aikPubHash (base64 of SHA-256 of
 *   the AK's DER SubjectPublicKeyInfo), "pcrs" (JSON {"PCRs": [{"Index": 0,
 *   "Digests": {"SHA256": "hex"}}]}), "events" (JSON {"Events": [...]}, see
 *   vouch_tpm_events_json; in the result only when it fits the arena, always
 *   in vouch_tpm_docs), and the booleans derived from authenticated log
 *   events (vouch_tpm_derived): secureBootEnabled, bootDebuggingDisabled,
 *   osKernelDebuggingDisabled, codeIntegrityEnabled, testSigningDisabled,
 *   notSafeMode, notWinPE, iommuEnabled, vbsEnabled.
 */
#ifndef VOUCH_TPM_H
#define VOUCH_TPM_H

#include "base/base.h"
#include "verifiers/result.h"

struct vouch_anchors;
struct vouch_pubkey;

/* ---- TPM algorithm identifiers (TPM 2.0 Part 2, TPM_ALG_ID) ------------- */
enum {
  VOUCH_TPM_ALG_RSA = 0x0001,
  VOUCH_TPM_ALG_SHA1 = 0x0004,
  VOUCH_TPM_ALG_SHA256 = 0x000B,
  VOUCH_TPM_ALG_SHA384 = 0x000C,
  VOUCH_TPM_ALG_SHA512 = 0x000D,
  VOUCH_TPM_ALG_NULL = 0x0010,
  VOUCH_TPM_ALG_RSASSA = 0x0014,
  VOUCH_TPM_ALG_RSAPSS = 0x0016,
  VOUCH_TPM_ALG_ECDSA = 0x0018,
  VOUCH_TPM_ALG_ECC = 0x0023,
};
enum { VOUCH_TPM_ECC_NIST_P256 = 0x0003, VOUCH_TPM_ECC_NIST_P384 = 0x0004 };

/* Object attributes an AK must have (fixedTPM, restricted, sign) and must
 * not have (decrypt). */
enum {
  VOUCH_TPMA_FIXED_TPM = 1u << 1,
  VOUCH_TPMA_FIXED_PARENT = 1u << 4,
  VOUCH_TPMA_SENSITIVE_DATA_ORIGIN = 1u << 5,
  VOUCH_TPMA_USER_WITH_AUTH = 1u << 6,
  VOUCH_TPMA_NO_DA = 1u << 10,
  VOUCH_TPMA_RESTRICTED = 1u << 16,
  VOUCH_TPMA_DECRYPT = 1u << 17,
  VOUCH_TPMA_SIGN = 1u << 18,
};

#define VOUCH_TPM_NUM_PCRS 24
#define VOUCH_TPM_MAX_BANKS 4      /* sha1, sha256, sha384, sha512 */
#define VOUCH_TPM_MAX_SELECTIONS 16 /* TPML_PCR_SELECTION count (TPM2_NUM_PCR_BANKS) */
#define VOUCH_TPM_MAX_DIGEST 64
#define VOUCH_TPM_MAX_NAME 66       /* nameAlg + 64-byte digest */

/* Limits on untrusted event logs (VOUCH_E_LIMIT beyond them). */
#define VOUCH_TPM_MAX_EVENT_LOG (4u << 20) /* bytes */
#define VOUCH_TPM_MAX_EVENTS 65536
#define VOUCH_TPM_MAX_LOG_ALGS 8           /* Spec ID numberOfAlgorithms */
#define VOUCH_TPM_MAX_SIPA_DEPTH 4         /* nested Windows SIPA containers */
#define VOUCH_TPM_MAX_DOC (16u << 20)      /* the "events" JSON document */

/* vouch_tpm_hash_name: "sha1", "sha256", "sha384", "sha512", or NULL for
 * another TPM_ALG_ID.  vouch_tpm_hash_len: the digest size, 0 if unknown. */
const char *vouch_tpm_hash_name(uint16_t alg);
size_t vouch_tpm_hash_len(uint16_t alg);

/* ---- PCR selections and values ------------------------------------------ */

/* One TPMS_PCR_SELECTION: a bank and a mask (bit n = PCR n, 0..23). */
typedef struct {
  uint16_t hash_alg;
  uint32_t mask;
} vouch_tpm_pcr_select;

/* TPML_PCR_SELECTION, in wire order (which is the pcrDigest order). */
typedef struct {
  size_t num;
  vouch_tpm_pcr_select sel[VOUCH_TPM_MAX_SELECTIONS];
} vouch_tpm_selection;

/* vouch_tpm_selection_parse reads tpm2-tools syntax: "sha256:0,1,7",
 * "sha1:0,7+sha256:16,23", "sha256:all" (PCRs 0-23).  Banks in the given
 * order; a bank listed twice or a PCR above 23 is VOUCH_E_ARG. */
VOUCH_MUST_CHECK vouch_status vouch_tpm_selection_parse(const char *text, size_t len,
                                                        vouch_tpm_selection *out,
                                                        vouch_err *err);
/* vouch_tpm_selection_format writes the same syntax ("" for none). */
void vouch_tpm_selection_format(const vouch_tpm_selection *s, vouch_buf *out);
/* vouch_tpm_selection_equal: same banks in the same order with the same
 * masks (empty banks ignored on both sides). */
bool vouch_tpm_selection_equal(const vouch_tpm_selection *a, const vouch_tpm_selection *b);

/* PCR values by bank.  A zeroed struct holds none. */
typedef struct {
  uint16_t hash_alg; /* 0: unused slot */
  uint32_t present;  /* bit n: value[n] is set */
  uint8_t value[VOUCH_TPM_NUM_PCRS][VOUCH_TPM_MAX_DIGEST];
} vouch_tpm_pcr_bank;

typedef struct {
  vouch_tpm_pcr_bank bank[VOUCH_TPM_MAX_BANKS];
} vouch_tpm_pcrs;

/* vouch_tpm_pcrs_bank returns the bank for |alg| (creating it when
 * |create|), or NULL (unknown hash, no room, or absent). */
vouch_tpm_pcr_bank *vouch_tpm_pcrs_bank(vouch_tpm_pcrs *p, uint16_t alg, bool create);
const vouch_tpm_pcr_bank *vouch_tpm_pcrs_find(const vouch_tpm_pcrs *p, uint16_t alg);
/* vouch_tpm_pcrs_from_values splits |values| (the selected PCR values
 * concatenated in selection order, as tpm2_pcrread -o writes them) into
 * banks.  The length must match the selection exactly. */
VOUCH_MUST_CHECK vouch_status vouch_tpm_pcrs_from_values(const vouch_tpm_selection *sel,
                                                         const uint8_t *values, size_t len,
                                                         vouch_tpm_pcrs *out, vouch_err *err);
/* vouch_tpm_pcrs_from_json reads {"sha256": {"0": "hex", ...}, "sha1": ...}
 * (hex digits of exactly the bank's size, PCR indexes 0..23). */
VOUCH_MUST_CHECK vouch_status vouch_tpm_pcrs_from_json(const char *json, size_t len,
                                                       vouch_tpm_pcrs *out, vouch_err *err);

/* ---- TPMS_ATTEST ----------------------------------------------------------- */
typedef struct {
  uint32_t magic;
  uint16_t type;
  uint8_t qualified_signer[VOUCH_TPM_MAX_NAME];
  size_t qualified_signer_len;
  uint8_t extra_data[64];
  size_t extra_data_len;
  uint64_t clock;
  uint32_t reset_count, restart_count;
  bool safe;
  uint64_t firmware_version;
  vouch_tpm_selection selection;
  uint8_t pcr_digest[VOUCH_TPM_MAX_DIGEST];
  size_t pcr_digest_len;
} vouch_tpm_attest;

/* vouch_tpm_attest_parse unmarshals a quote's TPMS_ATTEST (the signed bytes,
 * no TPM2B size prefix): magic must be TPM_GENERATED_VALUE and type
 * TPM_ST_ATTEST_QUOTE, every byte consumed, selection banks known hashes
 * and PCRs 0..23.  Failures are VOUCH_E_MALFORMED / E_TRAILING /
 * E_UNSUPPORTED with |err| naming the field ("tpm: ..."). */
VOUCH_MUST_CHECK vouch_status vouch_tpm_attest_parse(const uint8_t *data, size_t len,
                                                     vouch_tpm_attest *out, vouch_err *err);

/* ---- TPMT_SIGNATURE ---------------------------------------------------------- */
typedef enum {
  VOUCH_TPM_SIG_AUTO = 0,    /* TPMT_SIGNATURE if it parses exactly, else bare RSASSA
                                when the length is an RSA size (128, 256, 384, 512) */
  VOUCH_TPM_SIG_TPMT,        /* TPMT_SIGNATURE only */
  VOUCH_TPM_SIG_BARE_RSASSA, /* a bare PKCS#1 v1.5 block (Azure vTPM quotes) */
} vouch_tpm_sig_format;

typedef struct {
  uint16_t sig_alg;  /* VOUCH_TPM_ALG_RSASSA / _RSAPSS / _ECDSA */
  uint16_t hash_alg; /* VOUCH_TPM_ALG_SHA* */
  bool bare;         /* came without a TPMT_SIGNATURE header */
  uint8_t sig[512];  /* RSA signature */
  size_t sig_len;
  uint8_t r[128], s[128]; /* ECDSA, big-endian as the TPM gave them */
  size_t r_len, s_len;
} vouch_tpm_signature;

/* vouch_tpm_signature_parse reads |data| in |format|.  A bare signature
 * must be 128..512 bytes and is taken as RSASSA with |bare_hash_alg|
 * (0: SHA-256). */
VOUCH_MUST_CHECK vouch_status vouch_tpm_signature_parse(const uint8_t *data, size_t len,
                                                        vouch_tpm_sig_format format,
                                                        uint16_t bare_hash_alg,
                                                        vouch_tpm_signature *out, vouch_err *err);

/* ---- TPM2B_PUBLIC / TPMT_PUBLIC --------------------------------------------- */
typedef struct {
  uint16_t type;       /* VOUCH_TPM_ALG_RSA / _ECC */
  uint16_t name_alg;
  uint32_t attributes;
  uint16_t scheme;     /* VOUCH_TPM_ALG_NULL when the key has none */
  uint16_t scheme_hash;
  uint16_t curve;      /* ECC */
  uint16_t key_bits;   /* RSA */
  uint8_t name[VOUCH_TPM_MAX_NAME]; /* nameAlg || H_nameAlg(TPMT_PUBLIC) */
  size_t name_len;
  struct vouch_pubkey *key; /* owned; vouch_tpm_public_cleanup frees it */
} vouch_tpm_public;

/* vouch_tpm_public_parse reads a TPM2B_PUBLIC, or a bare TPMT_PUBLIC (as
 * go-attestation stores AKs) when the size prefix does not fit; RSA (any
 * exponent, 1024..4096 bits) and ECC P-256 / P-384 keys.  It computes the
 * Name and imports the key.  It does not check attributes (see
 * vouch_tpm_public_check_ak). */
VOUCH_MUST_CHECK vouch_status vouch_tpm_public_parse(const uint8_t *data, size_t len,
                                                     vouch_tpm_public *out, vouch_err *err);
void vouch_tpm_public_cleanup(vouch_tpm_public *p);
/* vouch_tpm_public_check_ak requires fixedTPM, restricted, sign and not
 * decrypt (VOUCH_E_UNSUPPORTED naming each missing or extra attribute). */
VOUCH_MUST_CHECK vouch_status vouch_tpm_public_check_ak(const vouch_tpm_public *p, vouch_err *err);
/* vouch_tpm_qualified_name computes QN(key) for a key directly under a
 * primary key |parent| in the hierarchy |hierarchy_handle| (0x4000000B for
 * the endorsement hierarchy): QN(parent) = parent.nameAlg ||
 * H(handle || Name(parent)), QN(key) = key.nameAlg || H(QN(parent) ||
 * Name(key)). */
VOUCH_MUST_CHECK vouch_status vouch_tpm_qualified_name(const vouch_tpm_public *key,
                                                       const vouch_tpm_public *parent,
                                                       uint32_t hierarchy_handle,
                                                       uint8_t out[VOUCH_TPM_MAX_NAME],
                                                       size_t *out_len);

/* vouch_tpm_verify_signature checks |sig| over |msg| with |key|.  RSAPSS
 * accepts salt = digest length (current TPMs) and salt = maximum (older
 * ones); ECDSA r and s may be shorter than the curve size. */
VOUCH_MUST_CHECK vouch_status vouch_tpm_verify_signature(const struct vouch_pubkey *key,
                                                         const vouch_tpm_signature *sig,
                                                         const uint8_t *msg, size_t msg_len,
                                                         vouch_err *err);

/* ---- TCG event logs ------------------------------------------------------------ */
typedef struct {
  uint16_t alg;
  uint16_t size;
} vouch_eventlog_alg;

typedef struct {
  uint32_t seq;   /* 0-based position in the log, the header entry included */
  uint32_t pcr;   /* PCR index (TDX CCEL: MR index) */
  uint32_t type;  /* EV_* */
  size_t num_digests;
  struct {
    uint16_t alg;
    const uint8_t *digest; /* borrowed from the log */
    size_t len;
  } digests[VOUCH_TPM_MAX_LOG_ALGS];
  const uint8_t *data; /* borrowed from the log */
  size_t data_len;
  size_t offset;       /* of the entry in the log */
} vouch_eventlog_event;

typedef struct {
  vouch_cur cur;
  bool crypto_agile;
  size_t num_algs; /* crypto-agile: the Spec ID table; legacy: one, SHA-1 */
  vouch_eventlog_alg algs[VOUCH_TPM_MAX_LOG_ALGS];
  uint32_t next_seq;
  size_t zero_tail;    /* offset where the trailing zero bytes start */
  bool header_pending; /* the Spec ID entry is yielded first */
  vouch_eventlog_event header;
} vouch_eventlog_iter;

/* vouch_eventlog_iter_init checks the log's first entry: a crypto-agile
 * log starts with a TCG_PCR_EVENT EV_NO_ACTION "Spec ID Event03" entry;
 * anything else is read as a legacy SHA-1 log.  The log must be at most
 * VOUCH_TPM_MAX_EVENT_LOG bytes and stay valid while iterating. */
VOUCH_MUST_CHECK vouch_status vouch_eventlog_iter_init(vouch_eventlog_iter *it, const uint8_t *log,
                                                       size_t len, vouch_err *err);
/* vouch_eventlog_iter_next yields the next entry (the header entry first),
 * or *out_has = false at the end (trailing zero padding is skipped).
 * Every crypto-agile event must carry exactly the Spec ID's algorithms,
 * each once; EV_NO_ACTION entries may carry any subset. */
VOUCH_MUST_CHECK vouch_status vouch_eventlog_iter_next(vouch_eventlog_iter *it,
                                                       vouch_eventlog_event *out, bool *out_has,
                                                       vouch_err *err);

/* The replay of a whole log.  pcrs holds every bank the log has whose hash
 * vouch can compute, all 24 PCRs present (initial value: zero, PCR 17-22
 * all ones, PCR 0 per a StartupLocality event); touched[i] has bit n set
 * when an event extended PCR n in pcrs.bank[i]. */
typedef struct {
  bool crypto_agile;
  size_t num_algs;
  vouch_eventlog_alg algs[VOUCH_TPM_MAX_LOG_ALGS];
  size_t num_events; /* entries, the header included */
  uint8_t startup_locality;
  vouch_tpm_pcrs pcrs;
  uint32_t touched[VOUCH_TPM_MAX_BANKS];
} vouch_eventlog_replay;

/* vouch_eventlog_replay_log parses and replays a TPM event log. */
VOUCH_MUST_CHECK vouch_status vouch_eventlog_replay_log(const uint8_t *log, size_t len,
                                                        vouch_eventlog_replay *out,
                                                        vouch_err *err);

/* vouch_eventlog_replay_rtmrs replays a TDX CCEL log (crypto-agile, with a
 * SHA-384 bank) into RTMR0-3: an event with MR index i (1..4) extends
 * RTMR[i-1] = SHA-384(RTMR || digest); RTMRs start at zero; EV_NO_ACTION
 * entries are skipped; any other index (0 = MRTD, which no event can
 * extend, or above 4) is VOUCH_E_MALFORMED. */
VOUCH_MUST_CHECK vouch_status vouch_eventlog_replay_rtmrs(const uint8_t *log, size_t len,
                                                          uint8_t out_rtmr[4][48],
                                                          vouch_err *err);
/* vouch_eventlog_check_rtmrs replays |log| and compares with a TD quote's
 * RTMRs: VOUCH_E_BINDING "tdx: event log replay of RTMR 2 gives ... but the
 * quote has ..." on the first difference. */
VOUCH_MUST_CHECK vouch_status vouch_eventlog_check_rtmrs(const uint8_t *log, size_t len,
                                                         const uint8_t rtmr[4][48],
                                                         vouch_err *err);

/* Booleans an event log lets us decide, each only when the log says so:
 * has_X false means "not derived" (no claim).  Only events that are (a)
 * in a PCR the quote covers and whose replay matched and (b) whose data
 * hashes to their digest in every bank count.
 *  secure_boot:        the one EV_EFI_VARIABLE_DRIVER_CONFIG event in PCR 7
 *                      for EFI_GLOBAL_VARIABLE "SecureBoot": data == {1};
 *  Windows SIPA (EV_EVENT_TAG) booleans, true when every occurrence has the
 *  wanted value: boot_debugging_disabled (BOOTDEBUGGING all false),
 *  os_kernel_debugging_disabled (OSKERNELDEBUG), code_integrity_enabled
 *  (CODEINTEGRITY all true), test_signing_disabled (TESTSIGNING),
 *  not_safe_mode (SAFEMODE), not_win_pe (WINPE), iommu_enabled
 *  (VBS_IOMMU_REQUIRED all true), vbs_enabled (VBS_VSM_REQUIRED and
 *  VBS_MANDATORY_ENFORCEMENT all true). */
enum {
  VOUCH_TPM_D_SECURE_BOOT,
  VOUCH_TPM_D_BOOT_DEBUGGING_DISABLED,
  VOUCH_TPM_D_OS_KERNEL_DEBUGGING_DISABLED,
  VOUCH_TPM_D_CODE_INTEGRITY_ENABLED,
  VOUCH_TPM_D_TEST_SIGNING_DISABLED,
  VOUCH_TPM_D_NOT_SAFE_MODE,
  VOUCH_TPM_D_NOT_WIN_PE,
  VOUCH_TPM_D_IOMMU_ENABLED,
  VOUCH_TPM_D_VBS_ENABLED,
  VOUCH_TPM_D_COUNT
};
typedef struct {
  bool has[VOUCH_TPM_D_COUNT];
  bool value[VOUCH_TPM_D_COUNT];
} vouch_tpm_derived;
/* vouch_tpm_derived_claim_name: Azure's claim name ("secureBootEnabled"). */
const char *vouch_tpm_derived_claim_name(int which);

/* vouch_tpm_events_json writes the events of |log| as Azure's "events"
 * claim: {"Events": [{"EventSeq", "PcrIndex", "EventType",
 * "EventTypeString", "Digests": {"SHA256": "hex", ...}, "DigestVerified",
 * "EventSize", ["EventData": base64url], ["ProcessedData": {...}]}, ...]}.
 * Only events whose PCR is in |pcr_mask| are written (EV_NO_ACTION and the
 * header never).  DigestVerified: the event data hashes to its digest in
 * every bank.  ProcessedData only for verified events: EFI variable events
 * {"VariableGuid": "8BE4DF61-93CA-11D2-AA0D-00E098032B8C", "UnicodeName",
 * "VariableData": base64url, unpadded}; Windows EV_EVENT_TAG events the
 * SIPA TLVs as {"EVENT_TRUSTBOUNDARY": {"EVENT_BOOTDEBUGGING": false, ...}}
 * (booleans, numbers, {"Value": n}, UTF-16 strings, else {"RawData":
 * base64url}; repeated names become arrays).  With |raw_data| every event
 * also carries EventData.  |derived| (optional) receives the booleans
 * above, counted over the events written. */
VOUCH_MUST_CHECK vouch_status vouch_tpm_events_json(const uint8_t *log, size_t len,
                                                    uint32_t pcr_mask, bool raw_data,
                                                    vouch_buf *out, vouch_tpm_derived *derived,
                                                    vouch_err *err);

/* ---- verification ---------------------------------------------------------------- */

/* The evidence: borrowed views, valid for the call. */
typedef struct {
  const uint8_t *quote; /* TPMS_ATTEST bytes (tpm2_quote -m) */
  size_t quote_len;
  const uint8_t *sig;   /* TPMT_SIGNATURE (tpm2_quote -s) or a bare RSASSA block */
  size_t sig_len;
  vouch_tpm_sig_format sig_format;
  uint16_t bare_hash_alg; /* hash of a bare RSASSA signature; 0: SHA-256 */
  /* The AK: exactly one of these. */
  const uint8_t *ak_pub;  /* TPM2B_PUBLIC or TPMT_PUBLIC */
  size_t ak_pub_len;
  const char *ak_pem;     /* SubjectPublicKeyInfo PEM */
  size_t ak_pem_len;
  const char *ak_jwk;     /* public JWK (JSON text), e.g. Azure's HCLAkPub */
  size_t ak_jwk_len;
  const uint8_t *ak_cert; /* DER certificate, or PEM chain leaf first */
  size_t ak_cert_len;
  /* The AK's parent (an EK primary), TPM2B_PUBLIC: optional. */
  const uint8_t *ek_pub;
  size_t ek_pub_len;
  /* PCR values: at most one of these; neither is fine with an event log
   * (the replay then supplies the values) or without (no PCR claims). */
  const uint8_t *pcr_values; /* selected values concatenated in selection order */
  size_t pcr_values_len;
  const vouch_tpm_pcrs *pcrs;
  /* TCG event log: optional. */
  const uint8_t *event_log;
  size_t event_log_len;
} vouch_tpm_evidence;

typedef struct {
  int64_t at;              /* verification instant (AK certificate chain) */
  const uint8_t *nonce;    /* expected extraData, when has_nonce */
  size_t nonce_len;
  bool has_nonce;
  const vouch_tpm_selection *selection;  /* required pcrSelect; NULL: any */
  const struct vouch_anchors *ak_anchors; /* roots for ak_cert (required then) */
  uint32_t replay_mask;    /* PCRs whose replay must match; 0: every quoted PCR */
  bool require_event_log;  /* error without one */
  bool require_qualified_signer; /* error without an EK */
  bool events_raw_data;    /* "events" carries EventData for every event */
} vouch_tpm_opts;

/* Large JSON documents, complete even when they do not fit in the
 * result's arena.  Zero-initialize; the caller frees both buffers. */
typedef struct {
  vouch_buf events; /* the "events" claim ("" when there is no log) */
  vouch_buf pcrs;   /* the "pcrs" claim ("" when no PCR values) */
} vouch_tpm_docs;

/* vouch_tpm_verify verifies one quote and always fills |out|; |docs| is
 * optional.  out->attestation_type is "tpm". */
void vouch_tpm_verify(const vouch_tpm_evidence *ev, const vouch_tpm_opts *opts,
                      vouch_result *out, vouch_tpm_docs *docs);

/* vouch_tpm_quiet_tss2_logging silences libtss2-mu's own stderr warnings
 * on malformed input (TSS2_LOG=all+none unless the environment already
 * sets TSS2_LOG): untrusted evidence must not be able to flood stderr.
 * It calls setenv, so call it once at startup, before any thread starts. */
void vouch_tpm_quiet_tss2_logging(void);

/* ---- envelope ---------------------------------------------------------------------- */
/* The "evidence" member of an NDJSON envelope with "type": "tpm" is a JSON
 * object (binary members in base64 or base64url):
 *   {"quote": B64, "signature": B64, "signature_format": "tpmt"|"bare-rsassa",
 *    "ak_pub": B64 (TPM2B_PUBLIC) | "ak_pem": "-----BEGIN PUBLIC KEY-----..."
 *      | "ak_jwk": {JWK} | "ak_cert": B64 DER or [B64 DER leaf, intermediates...],
 *    "ek_pub": B64, "pcrs": {"sha256": {"0": "hex", ...}} | "pcr_values": B64,
 *    "selection": "sha256:0,1,7", "event_log": B64, "nonce": "hex"}
 * quote, signature and one AK member are required.  "selection" and
 * "nonce" are what the verifier expects (they belong to the caller: an
 * envelope-level nonce or --selection overrides them). */
typedef struct {
  vouch_tpm_evidence ev;    /* views into the storage below */
  vouch_tpm_pcrs pcrs;      /* ev.pcrs points here when "pcrs" was given */
  vouch_tpm_selection selection;
  bool has_selection;
  uint8_t nonce[64];
  size_t nonce_len;
  bool has_nonce;
  void *storage; /* owned */
} vouch_tpm_envelope;

/* vouch_tpm_envelope_parse reads the evidence object |json| (the whole of
 * it).  Unknown members are VOUCH_E_JSON (a typo must not silently drop a
 * check).  On success the caller frees with vouch_tpm_envelope_free. */
VOUCH_MUST_CHECK vouch_status vouch_tpm_envelope_parse(const char *json, size_t len,
                                                       vouch_tpm_envelope *out, vouch_err *err);
void vouch_tpm_envelope_free(vouch_tpm_envelope *e);

#endif /* VOUCH_TPM_H */
