/* tools/gen/gen.h - synthetic Intel SGX and TDX DCAP evidence: a test PKI
 * shaped exactly like Intel's (root, PCK Processor/Platform CAs, TCB
 * Signing, CRLs), platforms with PCK certificates and Quoting-Enclave
 * reports, SGX quote v3, TDX quote v4/v5 (TD report 1.0 and 1.5) and signed
 * collateral (TCB Info v2/v3 "SGX" and v3 "TDX", QE and TD_QE Identity).
 * Only the trust anchor differs from production, so a verifier runs its
 * real code paths.  The layouts follow shared/spec/sgx-tdx.md (quotes §2-4,
 * signed messages §5, PCK extension §6, collateral §7).
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
 * TDX (same PKI, bundle and collateral directory; see "TDX quotes" below):
 *
 *   vouch_gen_tdx_platform_opts_default(&plo);      // TD_QE, TEE_TCB_SVN 05 01 07
 *   vouch_gen_platform_new(pki, &plo, &pl, &err);
 *   vouch_gen_tdx_tcb_info_opts_default(&to, pl, "UpToDate", "UpToDate");
 *   vouch_gen_tcb_info_new(pki, &to, &ti, &err);     // id "TDX", module identities
 *   vouch_gen_td_qe_identity_opts_default(&qo);     // id "TD_QE", isvprodid 2
 *   vouch_gen_qe_identity_new(pki, &qo, &qe, &err);
 *   vouch_gen_td_quote_opts tq;
 *   vouch_gen_td_quote_opts_default(&tq);           // v4, TD report 1.0
 *   tq.version = 5; tq.body_type = VOUCH_GEN_TD_BODY_15;   // or v5 with TD 1.5
 *   vouch_gen_td_quote(pl, &tq, &quote);
 *
 * TDX recipes (vouch_gen_tdx_kind_build gives the corpus's for each kind):
 *   TDX level with status X  vouch_gen_tdx_tcb_info_opts_default(&to, pl, "X", NULL).
 *   module level status Y    vouch_gen_tdx_tcb_info_opts_default(&to, pl, NULL, "Y") (module
 *                            OutOfDate on an UpToDate level: OutOfDate, spec §8 step 12).
 *   module mismatch          tq.mrsignerseam[0] ^= 1, or tq.seam_attributes[0] = 1, or a
 *                            TEE_TCB_SVN major (byte 1) with no TDX_<major> identity.
 *   module via tdxModule     plo.tee_tcb_svn[1] = 0 (no identities are written then).
 *   TDX TCB not supported    to.levels[i].tdx_svn[2] = 250 for every level.
 *   TD relaunch advised      TD 1.5, module status OutOfDate, tq.tee_tcb_svn2_from_svn =
 *                            false and tq.tee_tcb_svn2 = TEE_TCB_SVN with byte 0 + 1.
 *   debug TD                 tq.debug = true.
 *   TD_QE out of date        plo.qe_svn = 3 (TD_QE levels: 4 UpToDate, 2 OutOfDate).
 *   trailing zero padding    tq.trailing_len = 70 (or 3065, as real v4 quotes have).
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
 * report signature); vouch_gen_quote and vouch_gen_td_quote ~25 us (one
 * ECDSA P-256 signature).
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
  /* TDX platform: its quotes are TD quotes (vouch_gen_td_quote) whose
   * certification data is type 6 wrapping |cert_data_type|; the QE is a
   * TD_QE.  |tee_tcb_svn| is the platform's TEE_TCB_SVN (byte 0 TDX module
   * SVN, byte 1 module major version, bytes 2.. further TDX components),
   * what its quotes carry by default. */
  bool tdx;
  uint8_t tee_tcb_svn[16];
} vouch_gen_platform_opts;

/* vouch_gen_platform_opts_default fills |o|: Processor CA, FMSPC
 * 00A067110000, PCE-ID 0000, components {11,11,2,2,255,1,12,0...}, PCESVN
 * 13, QE svn 8, cert data type 5, Intel's QE identity. */
void vouch_gen_platform_opts_default(vouch_gen_platform_opts *o);

/* vouch_gen_tdx_platform_opts_default fills |o| for a TDX platform: Platform
 * CA (every TDX platform seen so far), FMSPC 00806F050000, PCE-ID 0000,
 * components {7,7,2,2,3,1,0,3,0...}, PCESVN 11, TEE_TCB_SVN
 * 05 01 07 00.. (module SVN 5, major version 1), TD_QE svn 4, cert data
 * type 6 wrapping 5, Intel's TD_QE identity (MRSIGNER DC9E2A7C..,
 * ISVPRODID 2). */
void vouch_gen_tdx_platform_opts_default(vouch_gen_platform_opts *o);

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
/* vouch_gen_platform_is_tdx tells a TDX platform; vouch_gen_platform_tee_tcb_svn
 * gives its 16-byte TEE_TCB_SVN (zero for SGX platforms). */
bool vouch_gen_platform_is_tdx(const vouch_gen_platform *pl);
const uint8_t *vouch_gen_platform_tee_tcb_svn(const vouch_gen_platform *pl);

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
  uint8_t config_id[64];    /* CONFIGID (KSS); zero by default */
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
 * from |pl|.  Reads |pl| only.  VOUCH_E_ARG for a TDX platform. */
VOUCH_MUST_CHECK vouch_status vouch_gen_quote(const vouch_gen_platform *pl,
                                              const vouch_gen_quote_opts *opts, vouch_buf *out);

/* ======================================================================
 * TDX quotes (spec §3.2, §4.2, §4.3): v4 = header(48, version 4, tee_type
 * 0x81) || TD report 1.0 (584) || sig_data_len || sig_data; v5 = header ||
 * body_type u16 || body_size u32 || body || sig_data_len || sig_data, body
 * type 2 (TD report 1.0, 584) or 3 (TD report 1.5, 648: + TEE_TCB_SVN2 and
 * MRSERVICETD).  sig_data = quote signature (64) || attestation key (64) ||
 * certification data type 6 (u16) || size (u32) || [QE report (384) || QE
 * report signature (64) || qe_auth_data size (u16) || qe_auth_data (32) ||
 * inner certification data type (u16, 5 by default) || size (u32) || PEM
 * chain + NUL].  The quote signature covers header .. end of body.  The
 * header's qe_svn and pce_svn are 0, as in TDX quotes seen.
 */
#define VOUCH_GEN_TD10_REPORT_LEN 584
#define VOUCH_GEN_TD15_REPORT_LEN 648
#define VOUCH_GEN_TEE_TYPE_TDX 0x81u

/* v5 body types. */
enum {
  VOUCH_GEN_TD_BODY_10 = 2, /* TD report 1.0 */
  VOUCH_GEN_TD_BODY_15 = 3, /* TD report 1.5 */
};

/* Quote formats the corpus spreads TDX platforms over. */
typedef enum {
  VOUCH_GEN_TD_FORMAT_V4 = 0,  /* v4, TD report 1.0 */
  VOUCH_GEN_TD_FORMAT_V5_TD10, /* v5, body type 2 */
  VOUCH_GEN_TD_FORMAT_V5_TD15, /* v5, body type 3 */
  VOUCH_GEN_TD_FORMAT_COUNT
} vouch_gen_td_format;

typedef struct {
  uint16_t version;   /* 4 (default) or 5 */
  uint16_t body_type; /* v5: VOUCH_GEN_TD_BODY_10 (default) or _15; v4: must be 0 or _10 */
  /* TD report body fields, in body order (spec §3.2). */
  bool tee_tcb_svn_from_platform; /* TEE_TCB_SVN = the platform's (default true) */
  uint8_t tee_tcb_svn[16];        /* used when !tee_tcb_svn_from_platform */
  uint8_t mrseam[48];
  uint8_t mrsignerseam[48];   /* all zero: Intel's module */
  uint8_t seam_attributes[8]; /* must be zero for a valid quote */
  uint8_t td_attributes[8];   /* bit 0 DEBUG, bit 28 SEPT_VE_DISABLE */
  bool debug;                 /* sets TDATTRIBUTES.DEBUG (bit 0 of byte 0) */
  uint8_t xfam[8];
  uint8_t mrtd[48];
  uint8_t mrconfigid[48];
  uint8_t mrowner[48];
  uint8_t mrownerconfig[48];
  uint8_t rtmr[4][48];
  uint8_t report_data[64];
  /* TD report 1.5 only.  TEE_TCB_SVN2 is the TCB a relaunched TD would
   * get (after a TD-preserving module update); by default the TEE_TCB_SVN
   * in use (no update pending). */
  bool tee_tcb_svn2_from_svn; /* default true */
  uint8_t tee_tcb_svn2[16];   /* used when !tee_tcb_svn2_from_svn */
  uint8_t mrservicetd[48];
  uint16_t att_key_type;    /* 2 */
  uint8_t qe_vendor_id[16]; /* Intel's */
  unsigned corrupt;         /* VOUCH_GEN_CORRUPT_* */
  size_t trailing_len;      /* zero bytes after sig_data, outside every length */
} vouch_gen_td_quote_opts;

/* vouch_gen_td_quote_opts_default fills |o|: v4, TEE_TCB_SVN and
 * TEE_TCB_SVN2 from the platform, a fixed test MRSEAM, Intel's (zero)
 * MRSIGNERSEAM, SEAMATTRIBUTES 0, TDATTRIBUTES SEPT_VE_DISABLE (not debug),
 * XFAM E7 1A 06 00.., fixed test MRTD and RTMR0-2, zero MRCONFIGID,
 * MROWNER, MROWNERCONFIG, RTMR3, REPORTDATA and MRSERVICETD, Intel's
 * vendor id, no corruption. */
void vouch_gen_td_quote_opts_default(vouch_gen_td_quote_opts *o);

/* vouch_gen_td_quote_set_format sets version and body_type for |f|. */
void vouch_gen_td_quote_set_format(vouch_gen_td_quote_opts *o, vouch_gen_td_format f);

/* vouch_gen_td_quote appends one TD quote of TDX platform |pl| to |out|:
 * one ECDSA P-256 signature over header .. body; the rest of sig_data is
 * copied from |pl|.  VOUCH_E_ARG for an SGX platform or a bad
 * version/body type.  Reads |pl| only. */
VOUCH_MUST_CHECK vouch_status vouch_gen_td_quote(const vouch_gen_platform *pl,
                                                 const vouch_gen_td_quote_opts *opts,
                                                 vouch_buf *out);

/* ======================================================================
 * Collateral: TCB Info (v3 or v2) and QE Identity (v2), compact JSON as
 * Intel serves it, signed by the TCB Signing key over the exact text.
 */
#define VOUCH_GEN_MAX_TCB_LEVELS 32
#define VOUCH_GEN_MAX_ADVISORIES 16

/* One TCB level.  TCB Info uses comp_svn/pcesvn (and tdx_svn in a "TDX"
 * TCB Info), QE Identity and TDX module identities isvsvn.  Strings are
 * borrowed for the duration of the _new call and written verbatim (an
 * invalid status string is a valid negative test).  A zero tcb_date is
 * derived from the pki's now: midnight, 90 days before it for the first
 * level and 180 days older for each level after. */
typedef struct {
  uint8_t comp_svn[16];
  uint16_t pcesvn;
  uint16_t isvsvn;
  const char *status;
  int64_t tcb_date;
  const char *advisory_ids[VOUCH_GEN_MAX_ADVISORIES];
  size_t num_advisory_ids; /* 0: no "advisoryIDs" key, as Intel does */
  uint8_t tdx_svn[16];     /* tdxtcbcomponents (TDX TCB Info only) */
} vouch_gen_tcb_level;

/* TDX TCB Info parts (spec §7.1). */
#define VOUCH_GEN_MAX_MODULE_IDS 4
#define VOUCH_GEN_MAX_MODULE_LEVELS 8

typedef struct {
  uint8_t mrsigner[48];
  uint8_t attributes[8];
  uint8_t attributes_mask[8];
} vouch_gen_tdx_module;

typedef struct {
  uint8_t major; /* id "TDX_%02X" of it */
  uint8_t mrsigner[48];
  uint8_t attributes[8];
  uint8_t attributes_mask[8];
  vouch_gen_tcb_level levels[VOUCH_GEN_MAX_MODULE_LEVELS]; /* isvsvn levels, newest first */
  size_t num_levels;
} vouch_gen_tdx_module_identity;

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
  /* TDX parts (version 3): every level carries tdxtcbcomponents, and the
   * object carries tdxModule and (when num_module_ids > 0)
   * tdxModuleIdentities, in Intel's key order.  With |tdx| a NULL |id|
   * means "TDX"; without it an id "TDX" gets no TDX parts (a malformed TDX
   * TCB Info, for negative tests). */
  bool tdx;
  vouch_gen_tdx_module tdx_module;
  vouch_gen_tdx_module_identity module_ids[VOUCH_GEN_MAX_MODULE_IDS];
  size_t num_module_ids;
} vouch_gen_tcb_info_opts;

/* vouch_gen_tcb_info_opts_default fills |o| for |pl| (FMSPC, PCE-ID, levels;
 * |pl| may be NULL for the default platform) so that the platform matches
 * a level with status |status| (NULL = "UpToDate"): the levels are a newer
 * UpToDate level when |status| is not UpToDate, the platform's own TCB with
 * |status| and Intel-style advisory IDs, and an older OutOfDate level. */
void vouch_gen_tcb_info_opts_default(vouch_gen_tcb_info_opts *o, const vouch_gen_platform *pl,
                                     const char *status);

/* vouch_gen_tdx_tcb_info_opts_default fills a "TDX" TCB Info (version 3)
 * for TDX platform |pl| (NULL: the default TDX platform) so that its TD
 * quotes (TEE_TCB_SVN from the platform) match a TDX level with status
 * |status| and a module level with status |module_status| (NULL =
 * "UpToDate" for both):
 *   - TCB levels: when |status| is not UpToDate a newer UpToDate level
 *     whose SGX part equals the platform's but whose TDX component 2 is one
 *     higher (the SGX test passes, the TDX test does not: QVL's sgxLevel
 *     and tdxLevel differ); the platform's own level (SGX components and
 *     PCESVN of the PCK certificate, tdxtcbcomponents = TEE_TCB_SVN) with
 *     |status| and Intel-style advisory IDs; an older OutOfDate level.
 *   - tdxModule: MRSIGNER zero (Intel), attributes 0, mask FF..FF.
 *   - tdxModuleIdentities: first a decoy for another major version (a
 *     verifier that takes the first identity instead of TDX_<major> gets
 *     other results), then TDX_<major> (byte 1 of TEE_TCB_SVN) with levels
 *     by ISVSVN: a newer UpToDate one when |module_status| is not
 *     UpToDate, the platform's module SVN (byte 0) with |module_status|
 *     (module advisory IDs when not UpToDate), an older OutOfDate one. */
void vouch_gen_tdx_tcb_info_opts_default(vouch_gen_tcb_info_opts *o, const vouch_gen_platform *pl,
                                         const char *status, const char *module_status);

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

/* vouch_gen_td_qe_identity_opts_default fills |o| with Intel's production
 * TD_QE values (id "TD_QE", mrsigner DC9E2A7C.., isvprodid 2, miscselect
 * and attributes as the QE's) and levels isvsvn 4 UpToDate, 2 OutOfDate
 * (advisory INTEL-SA-00837). */
void vouch_gen_td_qe_identity_opts_default(vouch_gen_qe_identity_opts *o);

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
 * Corpus: a whole fleet at once, streamed to a directory (`vouch gen sgx`,
 * `vouch gen tdx`).
 *
 *   DIR/evidence.ndjson   one envelope per quote: {"id","type":"sgx"|"tdx","evidence"}
 *                         (no inline collateral, no "at": verify at the wall clock)
 *   DIR/expected.ndjson   one line per quote, same id and order: the verdict
 *                         vouch must give: {"id","status","tcb_status",
 *                         "advisory_ids","error_code","kind","platform"}
 *   DIR/collateral/       the collateral directory (vouch_gen_collateral_dir_write)
 *   DIR/trust-anchor.pem  the test root
 *   DIR/MANIFEST.json     what was made: options, counts per kind, files
 *
 * Every platform gets one kind (of the corpus's TEE).  Kinds are
 * apportioned in proportion to the weights (largest remainder; every kind
 * of non-zero weight gets at least one platform) and shuffled over the
 * platforms with the seed.  Each kind is its own group: its own FMSPC
 * (SGX 00A06711 || kind || 00, TDX 00806F05 || kind || 00) and its own TCB
 * Info, so a platform matches exactly the level it was built for.  SGX
 * platforms are issued by the Processor CA, about one in four by the
 * Platform CA (all of kind platform-ca); TDX platforms the other way round
 * (every TDX platform seen so far has a Platform CA PCK).  Quote i
 * (0-based) comes from platform i mod P; its REPORTDATA derives from
 * (seed, i) and its enclave (SGX: MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN)
 * or TD identity (TDX: MRTD, MRCONFIGID, MROWNER, RTMR0-2) is one of E
 * derived from the seed.  Each TDX platform makes one quote format, drawn
 * with the seed among v4, v5 TD 1.0 and v5 TD 1.5 (v5 TD 1.5 for kind
 * relaunch).
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
  VOUCH_GEN_TEE_SGX = 0, /* SGX quote v3, kinds vouch_gen_kind */
  VOUCH_GEN_TEE_TDX,     /* TDX quote v4/v5, kinds vouch_gen_tdx_kind */
} vouch_gen_tee;

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

/* TDX kinds (`vouch gen tdx --mix`).  Every platform has the default TDX
 * platform TCB (vouch_gen_tdx_platform_opts_default: TEE_TCB_SVN 05 01 07,
 * TDX_01 module SVN 5) and TD_QE svn 4 (UpToDate). */
typedef enum {
  /* The TDX TCB level matched has that status; module level UpToDate. */
  VOUCH_GEN_TDX_KIND_UP_TO_DATE = 0,
  VOUCH_GEN_TDX_KIND_SW_HARDENING_NEEDED,
  VOUCH_GEN_TDX_KIND_CONFIGURATION_NEEDED,
  VOUCH_GEN_TDX_KIND_CONFIGURATION_AND_SW_HARDENING_NEEDED,
  VOUCH_GEN_TDX_KIND_OUT_OF_DATE,
  VOUCH_GEN_TDX_KIND_OUT_OF_DATE_CONFIGURATION_NEEDED,
  VOUCH_GEN_TDX_KIND_REVOKED_LEVEL, /* "Revoked" */
  /* TDX level UpToDate, TDX_01 module level OutOfDate: OutOfDate (§8.12). */
  VOUCH_GEN_TDX_KIND_MODULE_OUT_OF_DATE,
  /* MRSIGNERSEAM not the module identity's (zero): E_IDENTITY_MISMATCH. */
  VOUCH_GEN_TDX_KIND_MODULE_MISMATCH,
  /* SEAMATTRIBUTES non-zero: E_IDENTITY_MISMATCH. */
  VOUCH_GEN_TDX_KIND_SEAM_ATTRIBUTES,
  VOUCH_GEN_TDX_KIND_DEBUG, /* every quote has TDATTRIBUTES.DEBUG */
  /* Every TDX level's TDX components above the TD's: TcbNotSupported. */
  VOUCH_GEN_TDX_KIND_TCB_NOT_SUPPORTED,
  /* v5 TD 1.5: module OutOfDate, TEE_TCB_SVN2 at the newest module and TDX
   * level: TDRelaunchAdvised (§8.12). */
  VOUCH_GEN_TDX_KIND_RELAUNCH,
  VOUCH_GEN_TDX_KIND_BAD_SIGNATURE,      /* quote signature corrupted */
  VOUCH_GEN_TDX_KIND_REVOKED_PCK,        /* "revoked": PCK serial in its CA's CRL */
  VOUCH_GEN_TDX_KIND_EXPIRED_COLLATERAL, /* its TCB Info expired a day before now */
  VOUCH_GEN_TDX_KIND_COUNT
} vouch_gen_tdx_kind;

/* Room for the kinds of any TEE (weights and counts are indexed by kind). */
#define VOUCH_GEN_MAX_KINDS 24

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

/* The same for either TEE; a kind is an index below
 * vouch_gen_tee_kind_count(tee) (vouch_gen_kind or vouch_gen_tdx_kind). */
unsigned vouch_gen_tee_kind_count(vouch_gen_tee tee);
const char *vouch_gen_tee_name(vouch_gen_tee tee); /* "sgx" / "tdx" */
const char *vouch_gen_tee_kind_name(vouch_gen_tee tee, unsigned k);
const char *vouch_gen_tee_kind_describe(vouch_gen_tee tee, unsigned k);
VOUCH_MUST_CHECK vouch_status vouch_gen_tee_kind_parse(vouch_gen_tee tee, const char *name,
                                                       size_t len, unsigned *out);

/* The verdict a kind must get from `vouch verify` (DESIGN.md result). */
typedef struct {
  const char *status;     /* "affirming" | "warning" | "contraindicated" | "error" */
  const char *tcb_status; /* NULL: none reached */
  const char *error_code; /* vouch_status_name, NULL for none */
  /* Advisory IDs of the matched levels (kinds without an error only):
   * SGX the TCB level's; TDX the union, in this order and without
   * duplicates, of the TDX TCB level's, the TDX module level's and the
   * TD_QE level's. */
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
  uint32_t num_enclaves;  /* 1 .. VOUCH_GEN_CORPUS_MAX_ENCLAVES (TDX: TD identities) */
  /* Signing threads (0 or 1: the calling thread alone; at most
   * VOUCH_GEN_CORPUS_MAX_JOBS).  The output does not depend on it. */
  unsigned jobs;
  vouch_gen_tee tee; /* VOUCH_GEN_TEE_SGX (default) or VOUCH_GEN_TEE_TDX */
  /* Relative weights per kind of |tee| (entries from
   * vouch_gen_tee_kind_count(tee) on must be 0); all zero means UpToDate
   * only.  The number of kinds with a non-zero weight must not exceed
   * num_platforms. */
  uint32_t weights[VOUCH_GEN_MAX_KINDS];
  /* Called on the calling thread every 1,024 quotes written and at the
   * end (done == total); may be NULL. */
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  void *progress_ctx;
} vouch_gen_corpus_opts;

/* vouch_gen_corpus_opts_default: SGX, 10 platforms, 1000 quotes, seed 1, 4
 * enclaves, UpToDate only, one job, now = 0 (the caller sets it). */
void vouch_gen_corpus_opts_default(vouch_gen_corpus_opts *o);

typedef struct {
  uint64_t platforms[VOUCH_GEN_MAX_KINDS]; /* per kind */
  uint64_t quotes[VOUCH_GEN_MAX_KINDS];
  uint64_t platform_ca_platforms; /* issued by the Platform CA (the rest: Processor CA) */
  uint64_t by_status[4];          /* expected: affirming, warning, contraindicated, error */
  uint64_t td_format_quotes[VOUCH_GEN_TD_FORMAT_COUNT]; /* TDX: quotes per format */
  uint64_t evidence_bytes;                              /* size of evidence.ndjson */
  double setup_seconds;                                 /* PKIs, platforms, collateral */
  double quote_seconds;                                 /* signing and writing the quotes */
} vouch_gen_corpus_stats;

/* vouch_gen_corpus_expected fills the verdict of SGX kind |kind| (advisory
 * IDs of the level a platform of that kind matches, as the corpus builds
 * it); vouch_gen_tee_corpus_expected for either TEE. */
void vouch_gen_corpus_expected(vouch_gen_kind kind, vouch_gen_expected *out);
void vouch_gen_tee_corpus_expected(vouch_gen_tee tee, unsigned kind, vouch_gen_expected *out);

/* vouch_gen_tdx_kind_build gives what the corpus builds for TDX kind
 * |kind|, for tests that build one case by hand: the platform options,
 * the TCB Info options (for platform |pl|, NULL: as the corpus makes it)
 * and the changes to a TD quote's options (|q| is adjusted in place, after
 * vouch_gen_td_quote_opts_default).  Any output may be NULL.  PCK
 * revocation (kind revoked) is not expressed here: revoke the platform
 * (vouch_gen_pki_revoke_pck). */
void vouch_gen_tdx_kind_build(vouch_gen_tdx_kind kind, vouch_gen_platform_opts *plo,
                              const vouch_gen_platform *pl, vouch_gen_tcb_info_opts *to,
                              vouch_gen_td_quote_opts *q);

/* vouch_gen_corpus_write makes the whole corpus under |opts->out_dir|.
 * Fails with VOUCH_E_ARG on bad options, VOUCH_E_IO on a file error (the
 * message names the path), VOUCH_E_CRYPTO on an OpenSSL failure. */
VOUCH_MUST_CHECK vouch_status vouch_gen_corpus_write(const vouch_gen_corpus_opts *opts,
                                                     vouch_gen_corpus_stats *out_stats,
                                                     vouch_err *err);

/* ======================================================================
 * SEV-SNP (tools/gen/snp.c): a test AMD hierarchy shaped like AMD's
 * (spec shared/spec/sev-snp.md §5): ARK (self-signed RSA-4096) -> ASK and
 * ASVK (RSA-4096) -> VCEKs and VLEKs (P-384), every certificate signed with
 * RSASSA-PSS SHA-384 / MGF1-SHA-384 / salt 48, VCEKs with serial 0 and the
 * real extensions (1.3.6.1.4.1.3704.1.1 structVersion, .2 productName,
 * .3.1-.3.9 SPLs, .4 hwID raw bytes, .5 cspID), an AMD-style CRL; and
 * attestation reports (v2, v3, v5) signed by a VCEK or VLEK (ECDSA P-384 /
 * SHA-384, little-endian r and s), Azure HCL reports and extended-report
 * certificate tables.  Subjects mirror AMD's CNs (ARK-Milan, SEV-Milan,
 * SEV-VLEK-Milan, SEV-VCEK, SEV-VLEK) with O= the test organization, so a
 * verifier assigns roles as for real certificates but never confuses them
 * with AMD's; the test ARK is trusted through an extra anchor.
 *
 *   vouch_gen_snp_pki_opts po = {.now = now, .seed = 1, .product = VOUCH_GEN_SNP_MILAN};
 *   vouch_gen_snp_pki *pki;
 *   vouch_gen_snp_pki_new(&po, &pki, &err);        // RSA keys cached per (seed, product)
 *   vouch_gen_snp_key_opts ko;
 *   vouch_gen_snp_key_opts_default(&ko);           // VCEK, TCB bl=3 tee=0 snp=8 ucode=115
 *   vouch_gen_snp_key *vcek;
 *   vouch_gen_snp_key_new(pki, &ko, &vcek, &err);
 *   vouch_gen_snp_report_opts ro;
 *   vouch_gen_snp_report_opts_default(&ro, vcek);  // v3, policy 0x30000, TCBs = the key's
 *   ro.policy |= 1 << 19;                          // e.g. debug
 *   vouch_gen_snp_report(vcek, &ro, &report);      // 1184 bytes appended
 *   ... verify with the VCEK (vouch_gen_snp_key_cert_der), the ASK
 *   (vouch_gen_snp_pki_cert_der) and the ARK as an extra trust anchor ...
 *
 * Cost: RSA-4096 key generation takes seconds, so the three RSA keys of a
 * (seed, product) are made once per process and reused by every later
 * vouch_gen_snp_pki_new (rsa_bits 2048 makes quick throwaway ones); a
 * VCEK ~1 ms; a report ~1.5 ms (one P-384 signature).
 */
typedef enum {
  VOUCH_GEN_SNP_MILAN = 0,
  VOUCH_GEN_SNP_GENOA,
  VOUCH_GEN_SNP_TURIN,
} vouch_gen_snp_product;

typedef enum {
  VOUCH_GEN_SNP_ARK = 0, /* CN=ARK-<product>, self-signed, 25 years */
  VOUCH_GEN_SNP_ASK,     /* CN=SEV-<product>, issues VCEKs */
  VOUCH_GEN_SNP_ASVK,    /* CN=SEV-VLEK-<product>, issues VLEKs */
  VOUCH_GEN_SNP_CA_COUNT
} vouch_gen_snp_ca;

typedef struct vouch_gen_snp_pki vouch_gen_snp_pki;
typedef struct vouch_gen_snp_key vouch_gen_snp_key;

typedef struct {
  int64_t now;   /* the instant the hierarchy is centred on */
  uint64_t seed; /* chip ids, serials; with |product| the cache key of the RSA keys */
  vouch_gen_snp_product product;
  const char *organization; /* O= of every subject; NULL: "vouch TEST PKI" */
  int rsa_bits;             /* 0: 4096 (AMD's); 2048 for fast throwaway hierarchies */
  vouch_gen_validity validity[VOUCH_GEN_SNP_CA_COUNT];
} vouch_gen_snp_pki_opts;

VOUCH_MUST_CHECK vouch_status vouch_gen_snp_pki_new(const vouch_gen_snp_pki_opts *opts,
                                                    vouch_gen_snp_pki **out, vouch_err *err);
void vouch_gen_snp_pki_free(vouch_gen_snp_pki *pki);
/* The DER (borrowed from |pki|) and PEM (appended) of the ARK, ASK, ASVK. */
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_pki_cert_der(const vouch_gen_snp_pki *pki,
                                                         vouch_gen_snp_ca which,
                                                         const uint8_t **out, size_t *out_len);
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_pki_cert_pem(const vouch_gen_snp_pki *pki,
                                                         vouch_gen_snp_ca which, vouch_buf *out);

/* An AMD-style CRL signed by the ARK (PSS), listing the ASK and/or ASVK. */
typedef struct {
  bool revoke_ask, revoke_asvk;
  vouch_gen_validity validity; /* |span| around |now| when valid */
  int64_t span;                /* seconds from thisUpdate to nextUpdate; 0: 7 days */
} vouch_gen_snp_crl_opts;
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_crl(const vouch_gen_snp_pki *pki,
                                                const vouch_gen_snp_crl_opts *opts,
                                                vouch_buf *out_der, vouch_err *err);

/* A TCB_VERSION's components; |fmc| is used on Turin only. */
typedef struct {
  uint8_t fmc, bootloader, tee, snp, microcode;
} vouch_gen_snp_tcb;

/* vouch_gen_snp_tcb_raw encodes |t| for |p| (Milan/Genoa: bytes 0 bl, 1
 * tee, 6 snp, 7 ucode; Turin: 0 fmc, 1 bl, 2 tee, 3 snp, 7 ucode). */
uint64_t vouch_gen_snp_tcb_raw(vouch_gen_snp_product p, const vouch_gen_snp_tcb *t);

typedef struct {
  bool vlek;            /* VLEK from the ASVK (no hwID; cspID) instead of a VCEK */
  uint8_t chip_id[64];  /* all zero: derived from the seed and the key's index
                           (Turin: 8 bytes, the rest zero) */
  vouch_gen_snp_tcb tcb; /* the SPL extensions */
  vouch_gen_validity validity; /* 7 years around |now| when valid */
  const char *product_name; /* NULL: "Milan-B0", "Genoa", "Turin" (VLEK: no suffix) */
  const char *csp_id;       /* VLEK; NULL: "CN=vouch-test-csp" */
  bool omit_hwid;           /* VCEK without hwID */
  bool omit_fmc_spl;        /* Turin VCEK without fmcSPL */
  bool corrupt_signature;   /* flip a bit of the certificate's signature */
} vouch_gen_snp_key_opts;

/* Defaults: VCEK, TCB fmc=1 bl=3 tee=0 snp=8 ucode=115, valid. */
void vouch_gen_snp_key_opts_default(vouch_gen_snp_key_opts *o);
/* vouch_gen_snp_key_new makes a P-384 key and its certificate; |pki| must
 * outlive the key (and is written: it counts keys for the chip ids). */
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_key_new(vouch_gen_snp_pki *pki,
                                                    const vouch_gen_snp_key_opts *opts,
                                                    vouch_gen_snp_key **out, vouch_err *err);
void vouch_gen_snp_key_free(vouch_gen_snp_key *k);
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_key_cert_der(const vouch_gen_snp_key *k,
                                                         const uint8_t **out, size_t *out_len);
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_key_cert_pem(const vouch_gen_snp_key *k,
                                                         vouch_buf *out);
/* The 64-byte chip id the key is for (all zero for a VLEK). */
const uint8_t *vouch_gen_snp_key_chip_id(const vouch_gen_snp_key *k);

/* Report corruptions (applied while or after signing). */
enum {
  VOUCH_GEN_SNP_CORRUPT_SIGNATURE = 1 << 0,   /* flip a bit of R after signing */
  VOUCH_GEN_SNP_CORRUPT_MEASUREMENT = 1 << 1, /* flip bit 0 of MEASUREMENT after signing */
  VOUCH_GEN_SNP_CORRUPT_SIG_PADDING = 1 << 2, /* a non-zero byte in R's zero padding */
  VOUCH_GEN_SNP_CORRUPT_RESERVED = 1 << 3,    /* a reserved byte set (signed as such) */
  VOUCH_GEN_SNP_CORRUPT_ZERO_SIGNATURE = 1 << 4, /* an all-zero signature */
};

/* Every field of the report (spec §1); the TCBs as components. */
typedef struct {
  uint32_t version; /* 2, 3, 5 (4 is laid out like 3) */
  uint32_t guest_svn;
  uint64_t policy;
  uint8_t family_id[16], image_id[16];
  uint32_t vmpl;
  uint32_t signature_algo;
  vouch_gen_snp_tcb current_tcb, reported_tcb, committed_tcb, launch_tcb;
  uint64_t platform_info;
  bool author_key_en, mask_chip_key;
  uint32_t signing_key; /* 0 VCEK, 1 VLEK, 7 none (set by the default from the key) */
  uint8_t report_data[64], measurement[48], host_data[32];
  uint8_t id_key_digest[48], author_key_digest[48];
  uint8_t report_id[32], report_id_ma[32];
  uint8_t chip_id[64];
  uint8_t cpuid_fam_id, cpuid_mod_id, cpuid_step; /* v3+ */
  uint8_t current_build, current_minor, current_major;
  uint8_t committed_build, committed_minor, committed_major;
  uint64_t launch_mit_vector, current_mit_vector; /* v5 */
  unsigned corrupt; /* VOUCH_GEN_SNP_CORRUPT_* */
} vouch_gen_snp_report_opts;

/* Defaults for a report signed by |key|: v3, policy 0x30000 (SMT +
 * reserved bit 17), VMPL 0, every TCB = the key's, chip id = the key's
 * (zero for a VLEK), SIGNING_KEY from the key, CPUID of the product
 * (19/01/01 Milan, 19/11/01 Genoa, 1A/02/00 Turin), firmware 1.55.40,
 * derived MEASUREMENT and REPORT_ID, REPORT_ID_MA all 0xFF. */
void vouch_gen_snp_report_opts_default(vouch_gen_snp_report_opts *o, const vouch_gen_snp_key *key);
/* vouch_gen_snp_report appends the signed 1184-byte report to |out|. */
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_report(const vouch_gen_snp_key *key,
                                                   const vouch_gen_snp_report_opts *opts,
                                                   vouch_buf *out);
/* vouch_gen_snp_hcl_report appends an Azure HCL report wrapping a report
 * whose REPORT_DATA is SHA-256(|json|) || zeros (|opts| otherwise). */
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_hcl_report(const vouch_gen_snp_key *key,
                                                       const vouch_gen_snp_report_opts *opts,
                                                       const char *json, size_t json_len,
                                                       vouch_buf *out);
/* vouch_gen_snp_cert_table appends an extended report's certificate table:
 * the key's certificate (VCEK or VLEK GUID), its ASK/ASVK (ASK GUID) and,
 * with |with_ark|, the ARK (ARK GUID), DER, after the all-zero entry. */
VOUCH_MUST_CHECK vouch_status vouch_gen_snp_cert_table(const vouch_gen_snp_key *key,
                                                       bool with_ark, vouch_buf *out);


/* ======================================================================
 * TPM (tools/gen/tpm.c): TPM 2.0 quotes made with software attestation
 * keys, no TPM needed, for corpora, tests and benchmarks.  The structures
 * are the TPM's own (shared/spec/tpm.md): TPM2B_PUBLIC AKs (restricted
 * signing keys, attributes 0x00050072 as swtpm makes them) under an RSA
 * EK (TCG default template), TPMS_ATTEST quotes whose qualifiedSigner is
 * the AK's Qualified Name under that EK, TPMT_SIGNATURE (RSASSA, RSAPSS
 * with salt = digest length, ECDSA P-256 / P-384) or a bare RSASSA block
 * (Azure vTPM), and TCG event logs (legacy SHA-1 or crypto-agile) whose
 * replay gives the PCR values the quote covers.
 *
 *   vouch_gen_tpm_key *ek, *ak;
 *   vouch_gen_tpm_ek_new(&ek, &err);
 *   vouch_gen_tpm_ak_new(VOUCH_GEN_TPM_RSASSA, 0, &ak, &err);   // SHA-256
 *   uint16_t banks[] = {0x0004, 0x000B};                          // sha1, sha256
 *   vouch_gen_tpm_pcrs pcrs;
 *   vouch_gen_tpm_log *log;
 *   vouch_gen_tpm_log_new(true, banks, 2, &pcrs, &log, &err);      // resets pcrs
 *   vouch_gen_tpm_log_boot(log, true);                             // a UEFI boot, SecureBoot on
 *   vouch_gen_tpm_quote_opts q;
 *   vouch_gen_tpm_quote_opts_default(&q);                          // sha256:0-7, 32-byte nonce
 *   q.pcrs = &pcrs; q.ek = ek;
 *   vouch_gen_tpm_quote(ak, &q, &msg, &sig, &values, &err);
 *   // verify msg/sig with the AK's vouch_gen_tpm_key_public, the EK's,
 *   // values (= tpm2_pcrread -o), the log's bytes and q.nonce.
 *
 * Cost: an RSA-2048 key ~50-100 ms, an ECC key ~0.1 ms; a quote is one
 * signature (RSA-2048 sign ~0.8 ms, P-256 ~0.03 ms).  Keys are random;
 * everything else is determined by the options.
 */
typedef enum {
  VOUCH_GEN_TPM_RSASSA,     /* RSA-2048, RSASSA-PKCS1-v1_5 */
  VOUCH_GEN_TPM_RSAPSS,     /* RSA-2048, RSASSA-PSS, salt = digest length */
  VOUCH_GEN_TPM_ECDSA_P256, /* NIST P-256 */
  VOUCH_GEN_TPM_ECDSA_P384, /* NIST P-384 */
} vouch_gen_tpm_scheme;

#define VOUCH_GEN_TPM_MAX_BANKS 4
#define VOUCH_GEN_TPM_NUM_PCRS 24
#define VOUCH_GEN_TPM_MAX_SEL 4

/* An AK or EK: a software private key and its TPMT_PUBLIC. */
typedef struct vouch_gen_tpm_key vouch_gen_tpm_key;

/* vouch_gen_tpm_ak_new makes an AK: fixedTPM, fixedParent,
 * sensitiveDataOrigin, userWithAuth, restricted, sign; nameAlg SHA-256;
 * the scheme's hash |hash_alg| (a TPM_ALG_ID; 0: SHA-256). */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_ak_new(vouch_gen_tpm_scheme scheme, uint16_t hash_alg,
                                                   vouch_gen_tpm_key **out, vouch_err *err);
/* vouch_gen_tpm_ek_new makes an RSA-2048 EK with the TCG default EK
 * template (attributes 0x000300B2, AES-128-CFB, the standard authPolicy). */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_ek_new(vouch_gen_tpm_key **out, vouch_err *err);
void vouch_gen_tpm_key_free(vouch_gen_tpm_key *k);
/* vouch_gen_tpm_key_set_attributes replaces objectAttributes (negative
 * tests: an AK without "restricted", with "decrypt"); the Name changes. */
void vouch_gen_tpm_key_set_attributes(vouch_gen_tpm_key *k, uint32_t attributes);
/* vouch_gen_tpm_key_public appends the TPM2B_PUBLIC (tpm2_createak -u). */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_key_public(const vouch_gen_tpm_key *k, vouch_buf *out);
/* vouch_gen_tpm_key_pem appends the public key as SubjectPublicKeyInfo PEM. */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_key_pem(const vouch_gen_tpm_key *k, vouch_buf *out);
/* vouch_gen_tpm_key_name writes the Name (nameAlg || SHA-256(TPMT_PUBLIC)),
 * 34 bytes. */
void vouch_gen_tpm_key_name(const vouch_gen_tpm_key *k, uint8_t out[34]);

/* PCR banks the generator tracks: hash_alg[i] = 0 marks an unused slot. */
typedef struct {
  uint16_t hash_alg[VOUCH_GEN_TPM_MAX_BANKS];
  uint8_t value[VOUCH_GEN_TPM_MAX_BANKS][VOUCH_GEN_TPM_NUM_PCRS][64];
} vouch_gen_tpm_pcrs;

/* vouch_gen_tpm_pcrs_reset gives |p| the banks |algs| (SHA-1/256/384/512)
 * at their reset values (0, PCR 17-22 all ones). */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_pcrs_reset(vouch_gen_tpm_pcrs *p, const uint16_t *algs,
                                                       size_t num_algs);
/* vouch_gen_tpm_pcrs_extend extends PCR |pcr| of every bank with the
 * bank's hash of |data| (what tpm2_pcrextend does with those digests). */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_pcrs_extend(vouch_gen_tpm_pcrs *p, uint32_t pcr,
                                                        const uint8_t *data, size_t len);

typedef struct {
  uint8_t nonce[64]; /* extraData */
  size_t nonce_len;
  size_t num_sel;    /* the PCR selection, in wire order */
  struct {
    uint16_t hash_alg;
    uint32_t mask; /* bit n = PCR n */
  } sel[VOUCH_GEN_TPM_MAX_SEL];
  const vouch_gen_tpm_pcrs *pcrs; /* values quoted; NULL: all banks at reset */
  const vouch_gen_tpm_key *ek;    /* the AK's parent; NULL: qualifiedSigner = the AK's Name */
  uint64_t clock;
  uint32_t reset_count, restart_count;
  bool safe;
  uint64_t firmware_version;
  bool bare_signature; /* RSASSA AKs: the bare PKCS#1 block, no TPMT_SIGNATURE */
} vouch_gen_tpm_quote_opts;

/* vouch_gen_tpm_quote_opts_default: sha256:0-7, nonce 00 01 .. 1f, clock
 * 2400 ms, reset 0, restart 0, safe, firmware 0x2019102300163636. */
void vouch_gen_tpm_quote_opts_default(vouch_gen_tpm_quote_opts *o);

/* vouch_gen_tpm_quote appends the TPMS_ATTEST to |msg|, its signature to
 * |sig| and (optional) the selected PCR values in selection order to
 * |pcr_values|.  pcrDigest is the AK scheme's hash of those values. */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_quote(const vouch_gen_tpm_key *ak,
                                                  const vouch_gen_tpm_quote_opts *o, vouch_buf *msg,
                                                  vouch_buf *sig, vouch_buf *pcr_values,
                                                  vouch_err *err);

/* A TCG event log under construction; each event extends |pcrs| (given to
 * vouch_gen_tpm_log_new, borrowed) in every bank, so a quote of |pcrs|
 * matches the log's replay. */
typedef struct vouch_gen_tpm_log vouch_gen_tpm_log;

/* vouch_gen_tpm_log_new starts a log: crypto-agile (a Spec ID Event03
 * header listing |algs|) or legacy (SHA-1 only: |algs| must be {SHA-1}).
 * |pcrs| is reset to the banks |algs|. */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_log_new(bool crypto_agile, const uint16_t *algs,
                                                    size_t num_algs, vouch_gen_tpm_pcrs *pcrs,
                                                    vouch_gen_tpm_log **out, vouch_err *err);
void vouch_gen_tpm_log_free(vouch_gen_tpm_log *log);
/* vouch_gen_tpm_log_event appends an event whose digests hash |data|. */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_log_event(vouch_gen_tpm_log *log, uint32_t pcr,
                                                      uint32_t type, const uint8_t *data,
                                                      size_t len);
/* vouch_gen_tpm_log_event_measured appends an event with data |data|
 * whose digests hash |measured| instead (an image, a PE file). */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_log_event_measured(vouch_gen_tpm_log *log,
                                                               uint32_t pcr, uint32_t type,
                                                               const uint8_t *measured,
                                                               size_t measured_len,
                                                               const uint8_t *data, size_t len);
/* vouch_gen_tpm_log_no_action appends an EV_NO_ACTION event (no extend);
 * "StartupLocality\0" + locality in PCR 0 also sets PCR 0's reset value. */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_log_no_action(vouch_gen_tpm_log *log, uint32_t pcr,
                                                          const uint8_t *data, size_t len);
/* vouch_gen_tpm_log_efi_variable appends a UEFI_VARIABLE_DATA event
 * (EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001 and the like) for variable
 * |name| (ASCII) of vendor |guid| (EFI byte order). */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_log_efi_variable(vouch_gen_tpm_log *log, uint32_t pcr,
                                                             uint32_t type, const uint8_t guid[16],
                                                             const char *name,
                                                             const uint8_t *value, size_t len);
/* vouch_gen_tpm_log_boot appends a small UEFI boot: S-CRTM version (PCR
 * 0), SecureBoot (|secure_boot| 1 or 0), PK, KEK, db, dbx (PCR 7),
 * separators in PCRs 0-7, a boot application (PCR 4), and a Windows
 * EV_EVENT_TAG trust boundary in PCR 12 with BOOTDEBUGGING, OSKERNELDEBUG,
 * TESTSIGNING, SAFEMODE and WINPE all false and CODEINTEGRITY true. */
VOUCH_MUST_CHECK vouch_status vouch_gen_tpm_log_boot(vouch_gen_tpm_log *log, bool secure_boot);
/* vouch_gen_tpm_log_bytes returns the log so far (borrowed from |log|). */
const uint8_t *vouch_gen_tpm_log_bytes(const vouch_gen_tpm_log *log, size_t *out_len);

#endif /* VOUCH_GEN_H */
