/* tools/gen/gen.h - synthetic Intel SGX DCAP evidence: a test PKI shaped
 * exactly like Intel's (root, PCK Processor/Platform CAs, TCB Signing, CRLs),
 * platforms with PCK certificates and Quoting-Enclave reports, SGX quote v3
 * and signed collateral (TCB Info, QE Identity).  Only the trust anchor
 * differs from production, so a verifier runs its real code paths.  The
 * layouts follow shared/spec/sgx-tdx.md (quote §4.1, signed messages §5, PCK
 * extension §6, collateral §7).
 *
 * Usage (errors unchecked for brevity; every call returns vouch_status):
 *
 *   vouch_gen_pki_opts po = {.now = vouch_time_from_civil(2025, 7, 1, 0, 0, 0), .seed = 1};
 *   vouch_gen_pki *pki;
 *   vouch_gen_pki_new(&po, &pki, &err);
 *
 *   vouch_gen_platform_opts plo;
 *   vouch_gen_platform_opts_default(&plo);          // Processor CA, UpToDate TCB
 *   vouch_gen_platform *pl;
 *   vouch_gen_platform_new(pki, &plo, &pl, &err);    // PCK cert + QE report, once
 *
 *   vouch_gen_tcb_info_opts to;
 *   vouch_gen_tcb_info_opts_default(&to, pl, "SWHardeningNeeded"); // pl matches that level
 *   vouch_gen_tcb_info *ti;
 *   vouch_gen_tcb_info_new(pki, &to, &ti, &err);
 *
 *   vouch_gen_qe_identity_opts qo;
 *   vouch_gen_qe_identity_opts_default(&qo);        // QE svn 8 = UpToDate
 *   vouch_gen_qe_identity *qe;
 *   vouch_gen_qe_identity_new(pki, &qo, &qe, &err);
 *
 *   vouch_gen_quote_opts q;
 *   vouch_gen_quote_opts_default(&q);
 *   q.report_data[0] = 42;
 *   vouch_buf quote = {0}, bundle = {0}, anchor = {0};
 *   vouch_gen_quote(pl, &q, &quote);                  // one ECDSA sign per call
 *   vouch_gen_bundle_json(pki, pl, ti, qe, NULL, &bundle, &err); // collateral.json shape
 *   vouch_gen_pki_root_pem(pki, &anchor);             // --trust-anchor
 *   ... verify quote.data/quote.len with bundle at po.now ...
 *   vouch_gen_qe_identity_free(qe); vouch_gen_tcb_info_free(ti);
 *   vouch_gen_platform_free(pl); vouch_gen_pki_free(pki);
 *
 * Recipes for the verifier's test matrix:
 *   valid UpToDate platform  all defaults, vouch_gen_tcb_info_opts_default(&to, pl, NULL).
 *   level with status X      vouch_gen_tcb_info_opts_default(&to, pl, "X"); or write to.levels.
 *   TCB not supported        every level in to.levels above the platform's TCB.
 *   revoked PCK              vouch_gen_pki_revoke_pck(pki, pl) (re-signs that CA's CRL).
 *   revoked CA / TCB signer  vouch_gen_pki_revoke(pki, VOUCH_GEN_PROCESSOR_CA) etc.
 *   debug enclave            q.debug = true.
 *   QE identity mismatch     qo.mrsigner[0] ^= 1 (or isvprodid, attributes, miscselect).
 *   QE out of date           plo.qe_svn = 7 (default levels: 8 UpToDate, 6/5/2 OutOfDate).
 *   expired TCB info         to.validity = VOUCH_GEN_EXPIRED (likewise qo, plo.pck_validity,
 *                            po.validity[item] for CAs, TCB signing and CRLs).
 *   FMSPC / PCEID mismatch   to.fmspc[5] ^= 1 / to.pce_id[1] ^= 1.
 *   bad signatures           to.corrupt_signature, qo.corrupt_signature,
 *                            q.corrupt = VOUCH_GEN_CORRUPT_QUOTE_SIG | ..._QE_REPORT_SIG.
 *   wrong root               make a second pki (another seed) and trust its root instead.
 *   cert data type 1         plo.cert_data_type = 1; the bundle then carries
 *                            pck_certificate_chain.
 *
 * Determinism: keys and ECDSA nonces are random; every other value
 * (serials, dates, PPIDs, QE_IDs, measurements) derives from the seed, the
 * instant |now| and the order in which platforms are created.
 *
 * Threads: functions that take a const object only read it, so one pki,
 * platform, TCB Info or identity may serve several threads at once (each
 * vouch_gen_quote call uses its own OpenSSL contexts; OpenSSL 3 allows
 * concurrent signing with one EVP_PKEY).  Functions taking a non-const pki
 * (platform creation, revocation) need exclusive access.
 *
 * Cost: vouch_gen_platform_new ~0.4 ms (two keys, one certificate, one QE
 * report signature); vouch_gen_quote ~25 us (one ECDSA P-256 signature).
 */
#ifndef VOUCH_GEN_H
#define VOUCH_GEN_H

#include "base/base.h"

/* ======================================================================
 * Validity knobs.  A zeroed knob means valid: the item's window is centred
 * on |now|.  EXPIRED places the window entirely before |now| (it ends one
 * day earlier), NOT_YET_VALID entirely after (it starts one day later).
 * Spans mirror Intel's: root 30 years, CAs 15, TCB Signing and PCK 7, Root
 * CA CRL 1 year, PCK CRLs, TCB Info and QE Identity 30 days.
 */
typedef enum {
  VOUCH_GEN_VALID = 0,
  VOUCH_GEN_EXPIRED,
  VOUCH_GEN_NOT_YET_VALID,
} vouch_gen_validity;

/* The PKI's certificates and CRLs. */
typedef enum {
  VOUCH_GEN_ROOT_CA = 0,   /* CN=Intel SGX Root CA, self-signed, pathlen 1 */
  VOUCH_GEN_PROCESSOR_CA,  /* CN=Intel SGX PCK Processor CA, pathlen 0 */
  VOUCH_GEN_PLATFORM_CA,   /* CN=Intel SGX PCK Platform CA, pathlen 0 */
  VOUCH_GEN_TCB_SIGNING,   /* CN=Intel SGX TCB Signing, leaf */
  VOUCH_GEN_ROOT_CRL,      /* issued by the root: intermediates, TCB Signing */
  VOUCH_GEN_PROCESSOR_CRL, /* issued by the Processor CA: its PCK certs */
  VOUCH_GEN_PLATFORM_CRL,  /* issued by the Platform CA: its PCK certs */
  VOUCH_GEN_PKI_ITEM_COUNT
} vouch_gen_pki_item;

/* ======================================================================
 * Test PKI.
 */
typedef struct vouch_gen_pki vouch_gen_pki;

typedef struct {
  int64_t now;   /* the instant the whole PKI is centred on (Unix seconds) */
  uint64_t seed; /* drives serials and every derived value */
  /* O= of every subject; NULL means "vouch TEST PKI".  CNs always mirror
   * Intel's, since verifiers assign roles by CN. */
  const char *organization;
  vouch_gen_validity validity[VOUCH_GEN_PKI_ITEM_COUNT];
} vouch_gen_pki_opts;

/* vouch_gen_pki_new creates the root, both PCK CAs, the TCB Signing cert
 * (fresh P-256 keys) and the three CRLs (empty), all ECDSA P-256/SHA-256.
 * On success *out is owned by the caller (vouch_gen_pki_free). */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_new(const vouch_gen_pki_opts *opts, vouch_gen_pki **out,
                                                vouch_err *err);
/* vouch_gen_pki_free frees |pki| (NULL is fine).  Platforms, TCB Infos and
 * identities made from it must be freed first. */
void vouch_gen_pki_free(vouch_gen_pki *pki);

/* vouch_gen_pki_now returns the instant the PKI was made for. */
int64_t vouch_gen_pki_now(const vouch_gen_pki *pki);

/* vouch_gen_pki_root_pem appends the root certificate as PEM (the trust
 * anchor) to |out|. */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_root_pem(const vouch_gen_pki *pki, vouch_buf *out);
/* vouch_gen_pki_cert_pem appends one certificate (ROOT_CA .. TCB_SIGNING)
 * as PEM; vouch_gen_pki_cert_der gives its DER, borrowed from |pki|. */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_cert_pem(const vouch_gen_pki *pki,
                                                     vouch_gen_pki_item item, vouch_buf *out);
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_cert_der(const vouch_gen_pki *pki,
                                                     vouch_gen_pki_item item, const uint8_t **out,
                                                     size_t *out_len);
/* vouch_gen_pki_chain_pem appends the issuer chain Intel serves for |item|:
 * the certificate, then the root (for ROOT_CA just the root). */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_chain_pem(const vouch_gen_pki *pki,
                                                      vouch_gen_pki_item item, vouch_buf *out);
/* vouch_gen_pki_crl_der gives the current DER of a CRL item (ROOT_CRL ..
 * PLATFORM_CRL), borrowed from |pki| until the next revocation. */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_crl_der(const vouch_gen_pki *pki,
                                                    vouch_gen_pki_item item, const uint8_t **out,
                                                    size_t *out_len);
/* vouch_gen_pki_window gives an item's validity: notBefore/notAfter of a
 * certificate, thisUpdate/nextUpdate of a CRL. */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_window(const vouch_gen_pki *pki,
                                                   vouch_gen_pki_item item, int64_t *out_not_before,
                                                   int64_t *out_not_after);

/* vouch_gen_pki_revoke lists a PCK CA or the TCB Signing cert in the Root
 * CA CRL and re-signs that CRL (CRL Number + 1). */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_revoke(vouch_gen_pki *pki, vouch_gen_pki_item cert);
/* vouch_gen_pki_revoke_serial lists an arbitrary serial (big-endian
 * magnitude, at most 32 bytes) in CRL |crl| and re-signs it. */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_revoke_serial(vouch_gen_pki *pki,
                                                          vouch_gen_pki_item crl,
                                                          const uint8_t *serial, size_t serial_len);

/* ======================================================================
 * PCK certificate SGX extension (OID 1.2.840.113741.1.13.1).
 */
typedef struct {
  uint8_t ppid[16];
  uint8_t comp_svn[16]; /* sgxtcbcomp01svn .. comp16svn */
  uint16_t pcesvn;
  uint8_t cpusvn[16];
  uint8_t pceid[2];
  uint8_t fmspc[6];
  uint8_t sgx_type; /* 0 Standard, 1 Scalable, 2 ScalableWithIntegrity */
  /* PlatformInstanceID and Configuration: only when set (Platform CA). */
  bool has_platform_fields;
  uint8_t platform_instance_id[16];
  bool dynamic_platform, cached_keys, smt_enabled;
} vouch_gen_pck_fields;

/* vouch_gen_pck_ext_encode appends the DER of the extension value (the
 * SEQUENCE that goes inside extnValue) exactly as Intel encodes it: one
 * {OID, value} SEQUENCE per field, INTEGERs minimal (255 = 02 02 00 FF). */
VOUCH_MUST_CHECK vouch_status vouch_gen_pck_ext_encode(const vouch_gen_pck_fields *f,
                                                       vouch_buf *out);

/* ======================================================================
 * Platforms: one PCK certificate, one attestation key, one QE report and
 * its PCK signature, made once and copied into every quote of the
 * platform, as a real Quoting Enclave does.
 */
typedef struct vouch_gen_platform vouch_gen_platform;

typedef struct {
  vouch_gen_pki_item ca; /* VOUCH_GEN_PROCESSOR_CA or VOUCH_GEN_PLATFORM_CA */
  /* Extension content.  An all-zero ppid / platform_instance_id is derived
   * from the seed.  has_platform_fields is forced on for the Platform CA
   * (Intel puts them in every Platform CA cert) unless
   * omit_platform_fields. */
  vouch_gen_pck_fields pck;
  bool omit_platform_fields;
  vouch_gen_validity pck_validity;
  uint16_t qe_svn; /* QE ISVSVN: QE report and quote header */
  /* 5 (PEM chain + NUL, default), 4 (PCK leaf PEM + NUL) or 1 (PPID
   * cleartext || CPUSVN || PCESVN || PCEID, 36 bytes). */
  uint16_t cert_data_type;
  /* QE report identity; defaults are Intel's production QE. */
  uint8_t qe_mrsigner[32];
  uint8_t qe_mrenclave[32];
  uint16_t qe_isvprodid;
  uint8_t qe_attributes[16];
  uint32_t qe_miscselect;
} vouch_gen_platform_opts;

/* vouch_gen_platform_opts_default fills |o|: Processor CA, FMSPC
 * 00A067110000, PCE-ID 0000, components {11,11,2,2,255,1,12,0...}, PCESVN
 * 13, QE svn 8, cert data type 5, Intel's QE identity. */
void vouch_gen_platform_opts_default(vouch_gen_platform_opts *o);

/* vouch_gen_platform_new issues the PCK certificate from |opts->ca|, makes
 * the attestation key, the QE report (REPORTDATA = SHA-256(att_key ||
 * qe_auth_data) || 0^32) and its signature.  |pki| must outlive the
 * platform.  On success *out is owned by the caller. */
VOUCH_MUST_CHECK vouch_status vouch_gen_platform_new(vouch_gen_pki *pki,
                                                     const vouch_gen_platform_opts *opts,
                                                     vouch_gen_platform **out, vouch_err *err);
void vouch_gen_platform_free(vouch_gen_platform *pl);

/* Accessors; pointers are borrowed from |pl|. */
const vouch_gen_pck_fields *vouch_gen_platform_pck(const vouch_gen_platform *pl);
vouch_gen_pki_item vouch_gen_platform_ca(const vouch_gen_platform *pl);
uint16_t vouch_gen_platform_qe_svn(const vouch_gen_platform *pl);
uint16_t vouch_gen_platform_cert_data_type(const vouch_gen_platform *pl);
/* vouch_gen_platform_pck_der gives the PCK certificate DER. */
void vouch_gen_platform_pck_der(const vouch_gen_platform *pl, const uint8_t **out, size_t *out_len);
/* vouch_gen_platform_pck_serial gives the PCK serial (big-endian). */
void vouch_gen_platform_pck_serial(const vouch_gen_platform *pl, const uint8_t **out,
                                   size_t *out_len);
/* vouch_gen_platform_pck_window gives the PCK notBefore/notAfter. */
void vouch_gen_platform_pck_window(const vouch_gen_platform *pl, int64_t *out_not_before,
                                   int64_t *out_not_after);
/* vouch_gen_platform_pck_chain_pem appends leaf, CA, root as PEM (no NUL). */
VOUCH_MUST_CHECK vouch_status vouch_gen_platform_pck_chain_pem(const vouch_gen_platform *pl,
                                                               vouch_buf *out);
/* vouch_gen_platform_att_key gives the raw attestation public key X||Y. */
const uint8_t *vouch_gen_platform_att_key(const vouch_gen_platform *pl);
/* vouch_gen_platform_qe_report gives the 384-byte QE report and its 64-byte
 * r||s signature by the PCK key. */
const uint8_t *vouch_gen_platform_qe_report(const vouch_gen_platform *pl);
const uint8_t *vouch_gen_platform_qe_report_sig(const vouch_gen_platform *pl);

/* vouch_gen_pki_revoke_pck lists |pl|'s PCK serial in the CRL of the CA that
 * issued it and re-signs that CRL. */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_revoke_pck(vouch_gen_pki *pki,
                                                       const vouch_gen_platform *pl);

/* ======================================================================
 * Quotes (SGX quote v3, spec §4.1).
 */
#define VOUCH_GEN_QUOTE_HEADER_LEN 48
#define VOUCH_GEN_REPORT_LEN 384
#define VOUCH_GEN_QUOTE_SIGNED_LEN 432 /* header || ISV report body */

/* Corruption bits for vouch_gen_quote_opts.corrupt. */
enum {
  VOUCH_GEN_CORRUPT_QUOTE_SIG = 1u << 0,     /* flip a bit of the quote signature */
  VOUCH_GEN_CORRUPT_QE_REPORT_SIG = 1u << 1, /* flip a bit of the QE report signature */
  VOUCH_GEN_CORRUPT_QE_REPORT = 1u << 2,     /* flip a bit of the QE report (MRENCLAVE) */
  VOUCH_GEN_CORRUPT_QE_AUTH_DATA = 1u << 3,  /* change qe_auth_data: QE binding fails */
};

typedef struct {
  uint8_t mrenclave[32];
  uint8_t mrsigner[32];
  uint16_t isvprodid;
  uint16_t isvsvn;
  uint16_t configsvn;
  uint32_t miscselect;
  uint8_t attributes[16];    /* flags u64 || XFRM u64 */
  bool debug;                /* sets ATTRIBUTES.DEBUG (bit 1 of byte 0) */
  bool cpusvn_from_platform; /* report CPUSVN = PCK CPUSVN (default true) */
  uint8_t cpusvn[16];        /* used when !cpusvn_from_platform */
  uint8_t report_data[64];
  uint16_t att_key_type;    /* 2 */
  uint8_t qe_vendor_id[16]; /* Intel's 939A7233F79C4CA9940A0DB3957F0607 */
  unsigned corrupt;         /* VOUCH_GEN_CORRUPT_* */
  size_t trailing_len;      /* zero bytes after sig_data, outside every length */
} vouch_gen_quote_opts;

/* vouch_gen_quote_opts_default fills |o|: fixed test MRENCLAVE/MRSIGNER,
 * ISVPRODID/ISVSVN 0, ATTRIBUTES flags 0x05 (INIT|MODE64BIT) XFRM 0xE7, not
 * debug, zero REPORTDATA, Intel's vendor id, no corruption. */
void vouch_gen_quote_opts_default(vouch_gen_quote_opts *o);

/* vouch_gen_quote appends one quote of |pl| to |out|.  Costs one ECDSA
 * P-256 signature (over bytes [0,432)); the rest of sig_data is copied
 * from |pl|.  Reads |pl| only. */
VOUCH_MUST_CHECK vouch_status vouch_gen_quote(const vouch_gen_platform *pl,
                                              const vouch_gen_quote_opts *opts, vouch_buf *out);

/* ======================================================================
 * Collateral: TCB Info (v3 or v2) and QE Identity (v2), compact JSON as
 * Intel serves it, signed by the TCB Signing key over the exact text.
 */
#define VOUCH_GEN_MAX_TCB_LEVELS 32
#define VOUCH_GEN_MAX_ADVISORIES 16

/* One TCB level.  TCB Info uses comp_svn/pcesvn, QE Identity isvsvn.
 * Strings are borrowed for the duration of the _new call and written
 * verbatim (an invalid status string is a valid negative test).  A zero
 * tcb_date is derived from the pki's now: midnight, 90 days before it for
 * the first level and 180 days older for each level after. */
typedef struct {
  uint8_t comp_svn[16];
  uint16_t pcesvn;
  uint16_t isvsvn;
  const char *status;
  int64_t tcb_date;
  const char *advisory_ids[VOUCH_GEN_MAX_ADVISORIES];
  size_t num_advisory_ids; /* 0: no "advisoryIDs" key, as Intel does */
} vouch_gen_tcb_level;

typedef struct vouch_gen_tcb_info vouch_gen_tcb_info;

typedef struct {
  int version;    /* 3 (keys "id", sgxtcbcomponents) or 2 (sgxtcbcompNNsvn) */
  const char *id; /* v3 "id"; NULL means "SGX" */
  uint8_t fmspc[6];
  uint8_t pce_id[2];
  int tcb_type; /* 0 */
  uint32_t tcb_evaluation_data_number;
  vouch_gen_validity validity;     /* issueDate/nextUpdate around the pki's now */
  int64_t issue_date, next_update; /* both non-zero: used instead */
  vouch_gen_tcb_level levels[VOUCH_GEN_MAX_TCB_LEVELS]; /* newest first */
  size_t num_levels;
  bool corrupt_signature;
} vouch_gen_tcb_info_opts;

/* vouch_gen_tcb_info_opts_default fills |o| for |pl| (FMSPC, PCE-ID, levels;
 * |pl| may be NULL for the default platform) so that the platform matches
 * a level with status |status| (NULL = "UpToDate"): the levels are a newer
 * UpToDate level when |status| is not UpToDate, the platform's own TCB with
 * |status| and Intel-style advisory IDs, and an older OutOfDate level. */
void vouch_gen_tcb_info_opts_default(vouch_gen_tcb_info_opts *o, const vouch_gen_platform *pl,
                                     const char *status);

/* vouch_gen_tcb_info_new serializes and signs a TCB Info.  On success *out
 * is owned by the caller; |pki| is not referenced afterwards. */
VOUCH_MUST_CHECK vouch_status vouch_gen_tcb_info_new(const vouch_gen_pki *pki,
                                                     const vouch_gen_tcb_info_opts *opts,
                                                     vouch_gen_tcb_info **out, vouch_err *err);
void vouch_gen_tcb_info_free(vouch_gen_tcb_info *ti);
/* vouch_gen_tcb_info_text gives the exact signed text of the tcbInfo object
 * (NUL-terminated, borrowed). */
const char *vouch_gen_tcb_info_text(const vouch_gen_tcb_info *ti, size_t *out_len);
/* vouch_gen_tcb_info_signature gives the 64-byte r||s signature. */
const uint8_t *vouch_gen_tcb_info_signature(const vouch_gen_tcb_info *ti);
const uint8_t *vouch_gen_tcb_info_fmspc(const vouch_gen_tcb_info *ti);
uint32_t vouch_gen_tcb_info_eval_number(const vouch_gen_tcb_info *ti);
void vouch_gen_tcb_info_window(const vouch_gen_tcb_info *ti, int64_t *out_issue,
                               int64_t *out_next_update);

typedef struct vouch_gen_qe_identity vouch_gen_qe_identity;

typedef struct {
  const char *id; /* NULL means "QE" */
  int version;    /* 2 */
  uint32_t tcb_evaluation_data_number;
  vouch_gen_validity validity;
  int64_t issue_date, next_update; /* both non-zero: used instead */
  uint8_t miscselect[4], miscselect_mask[4];
  uint8_t attributes[16], attributes_mask[16];
  uint8_t mrsigner[32];
  uint16_t isvprodid;
  vouch_gen_tcb_level levels[VOUCH_GEN_MAX_TCB_LEVELS]; /* isvsvn levels, newest first */
  size_t num_levels;
  bool corrupt_signature;
} vouch_gen_qe_identity_opts;

/* vouch_gen_qe_identity_opts_default fills |o| with Intel's production QE
 * values (miscselect 00000000/FFFFFFFF, attributes 11../FBFF..., mrsigner
 * 8C4F57..., isvprodid 1) and levels isvsvn 8 UpToDate, 6, 5, 2 OutOfDate. */
void vouch_gen_qe_identity_opts_default(vouch_gen_qe_identity_opts *o);

VOUCH_MUST_CHECK vouch_status vouch_gen_qe_identity_new(const vouch_gen_pki *pki,
                                                        const vouch_gen_qe_identity_opts *opts,
                                                        vouch_gen_qe_identity **out,
                                                        vouch_err *err);
void vouch_gen_qe_identity_free(vouch_gen_qe_identity *qe);
/* vouch_gen_qe_identity_text gives the exact signed text of the
 * enclaveIdentity object (NUL-terminated, borrowed). */
const char *vouch_gen_qe_identity_text(const vouch_gen_qe_identity *qe, size_t *out_len);
const uint8_t *vouch_gen_qe_identity_signature(const vouch_gen_qe_identity *qe);
const char *vouch_gen_qe_identity_id(const vouch_gen_qe_identity *qe);
uint32_t vouch_gen_qe_identity_eval_number(const vouch_gen_qe_identity *qe);

/* ======================================================================
 * Output.
 */
typedef struct {
  /* Carry pck_certificate_chain even for cert data type 5 (it is always
   * carried for the other types). */
  bool force_pck_chain;
  /* Put the other PCK CA's CRL (and issuer chain) in pck_crl: a CRL issuer
   * mismatch. */
  bool wrong_pck_crl;
} vouch_gen_bundle_opts;

/* vouch_gen_bundle_json appends the collateral for quotes of |pl| as one
 * JSON object with the keys of shared/vectors collateral.json, in that
 * order: pck_crl_issuer_chain, root_ca_crl (lower-case hex DER), pck_crl,
 * tcb_info_issuer_chain, tcb_info (the exact signed text, as a string),
 * tcb_info_signature (hex r||s), qe_identity_issuer_chain, qe_identity,
 * qe_identity_signature, and pck_certificate_chain when the quote does not
 * carry the chain.  PEM chains are leaf first, root last.  |opts| may be
 * NULL. */
VOUCH_MUST_CHECK vouch_status vouch_gen_bundle_json(const vouch_gen_pki *pki,
                                                    const vouch_gen_platform *pl,
                                                    const vouch_gen_tcb_info *ti,
                                                    const vouch_gen_qe_identity *qe,
                                                    const vouch_gen_bundle_opts *opts,
                                                    vouch_buf *out, vouch_err *err);

/* vouch_gen_tcb_info_pcs_json / vouch_gen_qe_identity_pcs_json append the
 * body PCS serves: {"tcbInfo":<exact text>,"signature":"<hex>"} and
 * {"enclaveIdentity":<exact text>,"signature":"<hex>"}. */
VOUCH_MUST_CHECK vouch_status vouch_gen_tcb_info_pcs_json(const vouch_gen_tcb_info *ti,
                                                          vouch_buf *out);
VOUCH_MUST_CHECK vouch_status vouch_gen_qe_identity_pcs_json(const vouch_gen_qe_identity *qe,
                                                             vouch_buf *out);

/* vouch_gen_collateral_dir_write writes the collateral directory layout of
 * shared/DESIGN.md under |dir| (created as needed; existing files are
 * overwritten):
 *   intel/sgx/tcbinfo/<FMSPC upper hex>/<tcbEvaluationDataNumber>.json
 *       (intel/tdx/... when the TCB Info id is "TDX")
 *   intel/qe/<tcbEvaluationDataNumber>.json   (intel/td_qe/ for id "TD_QE")
 *   intel/crl/{root,processor,platform}/<thisUpdate unix>.der
 *   intel/chains/{tcb_signing,pck_processor_ca,pck_platform_ca}.pem
 * The trust anchor is not written there (vouch_gen_pki_root_pem). */
VOUCH_MUST_CHECK vouch_status vouch_gen_collateral_dir_write(
    const char *dir, const vouch_gen_pki *pki, const vouch_gen_tcb_info *const *tcb_infos,
    size_t num_tcb_infos, const vouch_gen_qe_identity *const *qe_ids, size_t num_qe_ids,
    vouch_err *err);

/* vouch_gen_pki_revoke_pcks lists the PCK serials of |num| platforms in the
 * CRLs of the CAs that issued them and re-signs each touched CRL once (so
 * revoking many platforms costs one signature per CRL, not one each). */
VOUCH_MUST_CHECK vouch_status vouch_gen_pki_revoke_pcks(vouch_gen_pki *pki,
                                                        const vouch_gen_platform *const *pls,
                                                        size_t num);

/* ======================================================================
 * Corpus: a whole fleet at once, streamed to a directory (`vouch gen sgx`).
 *
 *   DIR/evidence.ndjson   one envelope per quote: {"id","type":"sgx","evidence"}
 *                         (no inline collateral, no "at": verify at the wall clock)
 *   DIR/expected.ndjson   one line per quote, same id and order: the verdict
 *                         vouch must give: {"id","status","tcb_status",
 *                         "advisory_ids","error_code","kind","platform"}
 *   DIR/collateral/       the collateral directory (vouch_gen_collateral_dir_write)
 *   DIR/trust-anchor.pem  the test root
 *   DIR/MANIFEST.json     what was made: options, counts per kind, files
 *
 * Every platform gets one kind.  Kinds are apportioned in proportion to
 * the weights (largest remainder; every kind of non-zero weight gets at
 * least one platform) and shuffled over the platforms with the seed.  Each
 * kind is its own group: its own FMSPC (00A06711 || kind || 00) and its own
 * TCB Info, so a platform matches exactly the level it was built for.
 * Platforms are issued by the Processor CA, about one in four by the
 * Platform CA (all of kind platform-ca).  Quote i (0-based) comes from
 * platform i mod P; its REPORTDATA derives from (seed, i) and its enclave
 * identity is one of E derived from the seed.
 *
 * Determinism: the same options give byte-identical expected.ndjson and
 * MANIFEST.json, identical TCB Info / QE Identity texts (the signed
 * objects) and the same ids, quote bodies and PCK extensions.  Keys and
 * ECDSA signatures are random, so signed bytes differ between runs.
 *
 * Memory does not grow with the number of quotes: evidence is signed and
 * encoded in batches of 128 quotes (one batch in flight per job, plus two)
 * and written in order through buffered stdio. */
typedef enum {
  /* Platforms matching a TCB level with that status. */
  VOUCH_GEN_KIND_UP_TO_DATE = 0,
  VOUCH_GEN_KIND_SW_HARDENING_NEEDED,
  VOUCH_GEN_KIND_CONFIGURATION_NEEDED,
  VOUCH_GEN_KIND_CONFIGURATION_AND_SW_HARDENING_NEEDED,
  VOUCH_GEN_KIND_OUT_OF_DATE,
  VOUCH_GEN_KIND_OUT_OF_DATE_CONFIGURATION_NEEDED,
  VOUCH_GEN_KIND_REVOKED_LEVEL, /* "Revoked": the TCB level's status */
  /* Failure kinds (UpToDate TCB unless stated). */
  VOUCH_GEN_KIND_REVOKED_PCK,              /* "revoked": PCK serial in its CA's CRL */
  VOUCH_GEN_KIND_DEBUG,                    /* every quote has ATTRIBUTES.DEBUG */
  VOUCH_GEN_KIND_QE_MISMATCH,              /* QE report MRSIGNER differs from the QE Identity */
  VOUCH_GEN_KIND_WRONG_ROOT,               /* PCK chain from a second PKI (untrusted root) */
  VOUCH_GEN_KIND_EXPIRED_COLLATERAL,       /* its TCB Info expired a day before now */
  VOUCH_GEN_KIND_NOT_YET_VALID_COLLATERAL, /* its TCB Info issued a day after now */
  VOUCH_GEN_KIND_TCB_NOT_SUPPORTED,        /* every TCB level above the platform's */
  VOUCH_GEN_KIND_BAD_SIGNATURE,            /* quote (ISV) signature corrupted */
  VOUCH_GEN_KIND_PLATFORM_CA,              /* valid, UpToDate, issued by the Platform CA */
  VOUCH_GEN_KIND_COUNT
} vouch_gen_kind;

/* vouch_gen_kind_name gives the kind's name as `--mix` takes it: the TCB
 * status for status kinds ("UpToDate", "Revoked"), lower-case words for
 * failure kinds ("revoked", "wrong-root"). */
const char *vouch_gen_kind_name(vouch_gen_kind k);
/* vouch_gen_kind_describe gives a one-line description of the kind. */
const char *vouch_gen_kind_describe(vouch_gen_kind k);
/* vouch_gen_kind_parse finds a kind by name: exact match first, then a
 * case-insensitive match when it is unique ("uptodate"; "REVOKED" is
 * ambiguous), then the alias "revoked-pck". */
VOUCH_MUST_CHECK vouch_status vouch_gen_kind_parse(const char *name, size_t len,
                                                   vouch_gen_kind *out);

/* The verdict a kind must get from `vouch verify` (DESIGN.md result). */
typedef struct {
  const char *status;     /* "affirming" | "warning" | "contraindicated" | "error" */
  const char *tcb_status; /* NULL: none reached */
  const char *error_code; /* vouch_status_name, NULL for none */
  /* Advisory IDs of the matched TCB level (status kinds only). */
  const char *advisory_ids[VOUCH_GEN_MAX_ADVISORIES];
  size_t num_advisory_ids;
} vouch_gen_expected;

/* Platforms are kept in memory while the quotes are made: about 17 KB
 * each (attestation key, PCK certificate bytes, QE data and its base64url,
 * signing contexts). */
#define VOUCH_GEN_CORPUS_MAX_PLATFORMS 100000u
#define VOUCH_GEN_CORPUS_MAX_ENCLAVES 65536u
#define VOUCH_GEN_CORPUS_MAX_JOBS 64u

typedef struct {
  const char *out_dir; /* created if missing; corpus files in it are replaced */
  uint64_t seed;
  int64_t now;            /* collateral and certificates are centred on it */
  uint64_t num_platforms; /* 1 .. VOUCH_GEN_CORPUS_MAX_PLATFORMS */
  uint64_t num_quotes;    /* >= 0 */
  uint32_t num_enclaves;  /* 1 .. VOUCH_GEN_CORPUS_MAX_ENCLAVES */
  /* Signing threads (0 or 1: the calling thread alone; at most
   * VOUCH_GEN_CORPUS_MAX_JOBS).  The output does not depend on it. */
  unsigned jobs;
  /* Relative weights per kind; all zero means UpToDate only.  The number
   * of kinds with a non-zero weight must not exceed num_platforms. */
  uint32_t weights[VOUCH_GEN_KIND_COUNT];
  /* Called on the calling thread every 1,024 quotes written and at the
   * end (done == total); may be NULL. */
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  void *progress_ctx;
} vouch_gen_corpus_opts;

/* vouch_gen_corpus_opts_default: 10 platforms, 1000 quotes, seed 1, 4
 * enclaves, UpToDate only, one job, now = 0 (the caller sets it). */
void vouch_gen_corpus_opts_default(vouch_gen_corpus_opts *o);

typedef struct {
  uint64_t platforms[VOUCH_GEN_KIND_COUNT]; /* per kind */
  uint64_t quotes[VOUCH_GEN_KIND_COUNT];
  uint64_t platform_ca_platforms; /* issued by the Platform CA (the rest: Processor CA) */
  uint64_t by_status[4];          /* expected: affirming, warning, contraindicated, error */
  uint64_t evidence_bytes;        /* size of evidence.ndjson */
  double setup_seconds;           /* PKIs, platforms, collateral */
  double quote_seconds;           /* signing and writing the quotes */
} vouch_gen_corpus_stats;

/* vouch_gen_corpus_expected fills the verdict of |kind| (advisory IDs of
 * the level a platform of that kind matches, as the corpus builds it). */
void vouch_gen_corpus_expected(vouch_gen_kind kind, vouch_gen_expected *out);

/* vouch_gen_corpus_write makes the whole corpus under |opts->out_dir|.
 * Fails with VOUCH_E_ARG on bad options, VOUCH_E_IO on a file error (the
 * message names the path), VOUCH_E_CRYPTO on an OpenSSL failure. */
VOUCH_MUST_CHECK vouch_status vouch_gen_corpus_write(const vouch_gen_corpus_opts *opts,
                                                     vouch_gen_corpus_stats *out_stats,
                                                     vouch_err *err);

#endif /* VOUCH_GEN_H */
