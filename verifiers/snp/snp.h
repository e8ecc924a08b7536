/* verifiers/snp/snp.h - AMD SEV-SNP evidence: the attestation report
 * (versions 2 to 5), the VCEK/VLEK certificate extensions, the AMD
 * certificate chain (VCEK -> ASK -> ARK, VLEK -> ASVK -> ARK, RSASSA-PSS
 * SHA-384 / salt 48) to the built-in pinned ARKs of Milan, Genoa and Turin,
 * the binding of the report to its endorsement key (reported TCB, chip id),
 * the report's ECDSA P-384 signature, and Azure confidential-VM evidence
 * (the HCL report wrapping an SNP report and its runtime claims).
 * Spec: shared/spec/sev-snp.md (section numbers below refer to it).
 *
 * Claims (every report field; the lead maps them to Azure's
 * x-ms-sevsnpvm-* names): snp_version, snp_guest_svn, snp_policy and the
 * decoded snp_policy_{abi_minor, abi_major, smt, migrate_ma, debug,
 * single_socket, cxl_allow, mem_aes_256_xts, rapl_dis, ciphertext_hiding,
 * page_swap_disable}, snp_family_id, snp_image_id, snp_vmpl,
 * snp_signature_algo, snp_{current,reported,committed,launch}_tcb (JSON
 * {"bootloader","tee","snp","microcode"[,"fmc"]}) and the same with _raw
 * (the u64 as 16 hex digits, most significant first, as AMD tools print
 * it), snp_platform_info and snp_platform_{smt_en, tsme_en, ecc_en,
 * rapl_dis, ciphertext_hiding_dram_en, alias_check_complete, tio_en},
 * snp_signing_key ("vcek" | "vlek" | "none"), snp_mask_chip_key,
 * snp_author_key_en, snp_report_data, snp_measurement, snp_host_data,
 * snp_id_key_digest, snp_author_key_digest, snp_report_id,
 * snp_report_id_ma, snp_chip_id (hex), snp_cpuid_{fam_id,mod_id,step}
 * (v3+), snp_{current,committed}_{build,minor,major},
 * snp_{launch,current}_mit_vector (v5), snp_product ("Milan" ...), and
 * after the chain: snp_cert_product_name, snp_vlek_csp_id (VLEK),
 * snp_chip_id_masked (VCEK with an all-zero CHIP_ID),
 * snp_collateral_expiry, snp_collateral_expired; with runtime data
 * snp_runtime_data, with init data snp_init_data; Azure: snp_runtime_claims
 * (the runtime-claims JSON), snp_hcl_ak_pub (the HCLAkPub JWK).
 * Audit items: "report" (or "hcl_report"), "vcek"/"vlek", "ask"/"asvk",
 * "ark", "crl" (each the SHA-256 of the bytes used); trust_anchor is the
 * ARK's fingerprint.
 *
 * Verdict: affirming when every check passes; POLICY.DEBUG makes it at
 * best warning; contraindicated for a failed signature, chain, revocation,
 * untrusted root, binding (runtime/init data) and for an endorsement key
 * that does not belong to the report (TCB, hwID or product mismatch:
 * VOUCH_E_COLLATERAL_MISMATCH); error when the evidence cannot be
 * evaluated (malformed or unsupported report, collateral missing,
 * certificates out of their validity window).  tcb_status stays ""
 * (output null): SNP has no Intel-style TCB status, and "UpToDate" cannot
 * be claimed without a TCB baseline; the TCB values are claims for a
 * policy to compare with its minimums.
 */
#ifndef VOUCH_SNP_H
#define VOUCH_SNP_H

#include "base/base.h"
#include "crypto/crypto.h"
#include "verifiers/result.h"

#define VOUCH_SNP_REPORT_LEN 1184  /* 0x4A0 */
#define VOUCH_SNP_SIGNED_LEN 0x2A0 /* bytes covered by the signature */
#define VOUCH_SNP_MIN_VERSION 2
#define VOUCH_SNP_MAX_VERSION 5

typedef enum {
  VOUCH_SNP_PRODUCT_UNKNOWN = 0,
  VOUCH_SNP_MILAN,
  VOUCH_SNP_GENOA,
  VOUCH_SNP_TURIN,
} vouch_snp_product;

/* vouch_snp_product_name: "Milan", "Genoa", "Turin", "unknown". */
const char *vouch_snp_product_name(vouch_snp_product p);
/* vouch_snp_product_from_name maps a name or AMD product-name prefix
 * ("Milan", "Milan-B0", "genoa") to the product; UNKNOWN otherwise. */
vouch_snp_product vouch_snp_product_from_name(const char *s, size_t len);

/* ---- TCB_VERSION (§4) ----------------------------------------------------
 * Milan/Genoa: byte 0 boot loader, 1 TEE, 6 SNP, 7 microcode (2-5
 * reserved).  Turin: byte 0 FMC, 1 boot loader, 2 TEE, 3 SNP, 7 microcode
 * (4-6 reserved). */
typedef struct {
  uint64_t raw;
  bool turin; /* decoded with the Turin layout */
  uint8_t bootloader, tee, snp, microcode;
  uint8_t fmc;           /* Turin only; 0 otherwise */
  bool reserved_nonzero; /* a reserved byte of the layout is set */
} vouch_snp_tcb;

void vouch_snp_tcb_decode(uint64_t raw, vouch_snp_product p, vouch_snp_tcb *out);
/* vouch_snp_tcb_encode is the inverse (reserved bytes zero). */
uint64_t vouch_snp_tcb_encode(vouch_snp_product p, uint8_t fmc, uint8_t bootloader, uint8_t tee,
                              uint8_t snp, uint8_t microcode);
/* vouch_snp_tcb_format writes "bl=2 tee=0 snp=5 ucode=68" (Turin: "fmc=1
 * bl=..."). */
void vouch_snp_tcb_format(const vouch_snp_tcb *t, char *out, size_t cap);

/* ---- the report (§1-§3) ---------------------------------------------------- */
typedef enum {
  VOUCH_SNP_KEY_VCEK = 0,
  VOUCH_SNP_KEY_VLEK = 1,
  VOUCH_SNP_KEY_NONE = 7, /* unsigned report */
} vouch_snp_signing_key;

/* GUEST POLICY bits (§3). */
#define VOUCH_SNP_POLICY_SMT (UINT64_C(1) << 16)
#define VOUCH_SNP_POLICY_RESERVED_1 (UINT64_C(1) << 17) /* must be 1 */
#define VOUCH_SNP_POLICY_MIGRATE_MA (UINT64_C(1) << 18)
#define VOUCH_SNP_POLICY_DEBUG (UINT64_C(1) << 19)
#define VOUCH_SNP_POLICY_SINGLE_SOCKET (UINT64_C(1) << 20)
#define VOUCH_SNP_POLICY_CXL_ALLOW (UINT64_C(1) << 21)
#define VOUCH_SNP_POLICY_MEM_AES_256_XTS (UINT64_C(1) << 22)
#define VOUCH_SNP_POLICY_RAPL_DIS (UINT64_C(1) << 23)
#define VOUCH_SNP_POLICY_CIPHERTEXT_HIDING (UINT64_C(1) << 24)
#define VOUCH_SNP_POLICY_PAGE_SWAP_DISABLE (UINT64_C(1) << 25)
#define VOUCH_SNP_POLICY_KNOWN_MASK ((UINT64_C(1) << 26) - 1)

/* PLATFORM_INFO bits (§3). */
#define VOUCH_SNP_PLATFORM_SMT_EN (UINT64_C(1) << 0)
#define VOUCH_SNP_PLATFORM_TSME_EN (UINT64_C(1) << 1)
#define VOUCH_SNP_PLATFORM_ECC_EN (UINT64_C(1) << 2)
#define VOUCH_SNP_PLATFORM_RAPL_DIS (UINT64_C(1) << 3)
#define VOUCH_SNP_PLATFORM_CIPHERTEXT_HIDING_EN (UINT64_C(1) << 4)
#define VOUCH_SNP_PLATFORM_ALIAS_CHECK_COMPLETE (UINT64_C(1) << 5)
#define VOUCH_SNP_PLATFORM_TIO_EN (UINT64_C(1) << 7)

typedef struct {
  const uint8_t *raw; /* borrowed: the VOUCH_SNP_REPORT_LEN input bytes */
  uint32_t version;
  uint32_t guest_svn;
  uint64_t policy;
  uint8_t policy_abi_minor, policy_abi_major;
  uint8_t family_id[16];
  uint8_t image_id[16];
  uint32_t vmpl;
  uint32_t signature_algo; /* always 1 after a successful parse */
  uint64_t platform_info;
  uint32_t signer_info;
  vouch_snp_signing_key signing_key;
  bool mask_chip_key;
  bool author_key_en;
  uint8_t report_data[64];
  uint8_t measurement[48];
  uint8_t host_data[32];
  uint8_t id_key_digest[48];
  uint8_t author_key_digest[48];
  uint8_t report_id[32];
  uint8_t report_id_ma[32];
  uint8_t chip_id[64];
  /* decoded for |product| (vouch_snp_report_set_product re-decodes) */
  vouch_snp_tcb current_tcb, reported_tcb, committed_tcb, launch_tcb;
  bool has_cpuid; /* v3+ */
  uint8_t cpuid_fam_id, cpuid_mod_id, cpuid_step;
  uint8_t current_build, current_minor, current_major;
  uint8_t committed_build, committed_minor, committed_major;
  bool has_mit_vectors; /* v5 */
  uint64_t launch_mit_vector, current_mit_vector;
  uint8_t sig_rs[96]; /* r || s, big-endian, 48 bytes each (for crypto) */
  /* The product as far as the report alone tells: CPUID family/model on
   * v3+, else CHIP_ID with bytes 8..63 zero and 0..7 not means Turin, else
   * UNKNOWN (decoded as Milan/Genoa, which share a layout). */
  vouch_snp_product report_product;
  vouch_snp_product product; /* the layout the TCBs are decoded with */
} vouch_snp_report;

/* vouch_snp_report_parse checks and decodes one report: exactly
 * VOUCH_SNP_REPORT_LEN bytes (shorter: VOUCH_E_TRUNCATED, longer:
 * VOUCH_E_TRAILING, both naming the size), VERSION 2..5 and
 * SIGNATURE_ALGO 1 (else VOUCH_E_UNSUPPORTED), and VOUCH_E_MALFORMED
 * naming the offset for: POLICY bit 17 clear or a reserved POLICY bit
 * (26..63) set, signer-info bits 31:5 set or SIGNING_KEY 2..6, any
 * reserved byte range not zero (0x04C, 0x188/0x18B..0x19F, 0x1EB, 0x1EF,
 * 0x1F8/0x208..0x29F, signature +0x90..), and R or S with non-zero bytes
 * beyond their 48.  Unknown PLATFORM_INFO bits are accepted (they
 * describe the host, and firmware adds them).  Byte fields are copies;
 * |raw| borrows the input. */
VOUCH_MUST_CHECK vouch_status vouch_snp_report_parse(const uint8_t *b, size_t len,
                                                     vouch_snp_report *out, vouch_err *err);
/* vouch_snp_report_set_product re-decodes the four TCBs for |p| (UNKNOWN:
 * the report's own guess). */
void vouch_snp_report_set_product(vouch_snp_report *r, vouch_snp_product p);

/* ---- VCEK / VLEK extensions (§5) --------------------------------------------- */
#define VOUCH_SNP_OID_ARC "1.3.6.1.4.1.3704.1"

typedef struct {
  bool has_struct_version;
  uint64_t struct_version; /* .1 */
  bool has_product_name;
  char product_name[64];            /* .2, printable ASCII */
  vouch_snp_product product;        /* from the product name's prefix */
  uint8_t bl_spl, tee_spl, snp_spl; /* .3.1, .3.2, .3.3 */
  uint8_t ucode_spl;                /* .3.8 */
  bool has_fmc_spl;
  uint8_t fmc_spl; /* .3.9, Turin */
  bool has_hwid;
  uint8_t hwid[64]; /* .4 (VCEK): 64 bytes, Turin 8 */
  size_t hwid_len;
  bool has_csp_id;
  char csp_id[128]; /* .5 (VLEK), printable ASCII */
} vouch_snp_cert_ext;

/* vouch_snp_cert_ext_parse_der walks a DER certificate to its extensions
 * (through the bounded cursor) and decodes the AMD ones: SPLs are DER
 * INTEGERs 0..255, productName and cspID IA5Strings, hwID the raw bytes
 * (64, or 8 on Turin; a DER OCTET STRING wrapping them is accepted too).
 * blSPL, teeSPL, snpSPL and ucodeSPL are required; an AMD extension
 * present twice, or a malformed value, is VOUCH_E_MALFORMED naming it.
 * Other extensions are skipped. */
VOUCH_MUST_CHECK vouch_status vouch_snp_cert_ext_parse_der(const uint8_t *der, size_t len,
                                                           vouch_snp_cert_ext *out, vouch_err *err);
VOUCH_MUST_CHECK vouch_status vouch_snp_cert_ext_parse(const struct vouch_cert *c,
                                                       vouch_snp_cert_ext *out, vouch_err *err);

/* ---- collateral ------------------------------------------------------------------ */
typedef enum {
  VOUCH_SNP_ROLE_VCEK,
  VOUCH_SNP_ROLE_VLEK,
  VOUCH_SNP_ROLE_ASK,
  VOUCH_SNP_ROLE_ASVK,
  VOUCH_SNP_ROLE_ARK,
} vouch_snp_role;

const char *vouch_snp_role_name(vouch_snp_role r); /* "VCEK", "ASK", ... */

#define VOUCH_SNP_MAX_CERTS 16
#define VOUCH_SNP_MAX_CRLS 4

/* The certificates and CRLs given for one report (or many).  Zeroed is
 * empty; every entry holds one reference; byte-identical duplicates are
 * kept once.  Roles come from the subject: self-issued = ARK, CN
 * "SEV-VCEK" / "SEV-VLEK" = VCEK / VLEK, "SEV-VLEK-<product>" = ASVK,
 * "SEV-<product>" = ASK (and, for other names, an AMD hwID extension makes
 * a VCEK, a cspID a VLEK). */
typedef struct vouch_snp_collateral {
  struct vouch_cert *certs[VOUCH_SNP_MAX_CERTS];
  vouch_snp_role roles[VOUCH_SNP_MAX_CERTS];
  size_t num_certs;
  struct vouch_crl *crls[VOUCH_SNP_MAX_CRLS];
  size_t num_crls;
} vouch_snp_collateral;

/* vouch_snp_collateral_add adds what |bytes| holds, recognized by content:
 * PEM (any number of CERTIFICATE and X509 CRL blocks), a DER certificate,
 * a DER CRL, or an extended report's certificate table (24-byte entries
 * {GUID, offset u32, length u32} up to an all-zero entry, offsets from the
 * table's start; VCEK/VLEK/ASK/ARK GUIDs in either byte order; unknown
 * GUIDs skipped).  On failure |c| is unchanged. */
VOUCH_MUST_CHECK vouch_status vouch_snp_collateral_add(vouch_snp_collateral *c,
                                                       const uint8_t *bytes, size_t len,
                                                       vouch_err *err);
/* _add_cert / _add_crl take a new reference (engines that cache parsed
 * objects). */
VOUCH_MUST_CHECK vouch_status vouch_snp_collateral_add_cert(vouch_snp_collateral *c,
                                                            struct vouch_cert *cert,
                                                            vouch_err *err);
VOUCH_MUST_CHECK vouch_status vouch_snp_collateral_add_crl(vouch_snp_collateral *c,
                                                           struct vouch_crl *crl, vouch_err *err);
void vouch_snp_collateral_cleanup(vouch_snp_collateral *c);
/* vouch_snp_cert_role classifies one certificate as _add does. */
VOUCH_MUST_CHECK vouch_status vouch_snp_cert_role(const struct vouch_cert *c, vouch_snp_role *out,
                                                  vouch_err *err);

/* ---- built-in AMD certificates (§7) -----------------------------------------------
 * The ARKs of Milan, Genoa and Turin, pinned by the SHA-256 of their DER;
 * and the ASKs and ASVKs AMD serves with them (used when none is given;
 * they are verified under the ARK like any supplied one). */
/* vouch_snp_ark_sha256 returns the pinned fingerprint (NULL for UNKNOWN). */
const uint8_t *vouch_snp_ark_sha256(vouch_snp_product p);
/* vouch_snp_add_amd_roots adds the three pinned ARKs to |a|. */
VOUCH_MUST_CHECK vouch_status vouch_snp_add_amd_roots(struct vouch_anchors *a);
/* vouch_snp_builtin_cert returns the built-in ARK, ASK or ASVK of |p|
 * (borrowed, process lifetime), or NULL. */
const struct vouch_cert *vouch_snp_builtin_cert(vouch_snp_product p, vouch_snp_role role);

/* ---- a source of endorsement keys (the collateral directory) ------------------------
 * Asked when the collateral given with a report holds no certificate of
 * the kind its SIGNING_KEY names: it adds the VCEK for (product, chip id,
 * reported TCB), as a KDS cache keeps them, or the VLEKs of (product,
 * reported TCB) (VLEKs are never looked up by chip id: a VLEK report
 * carries none), plus the product's ASK/ASVK, ARK and CRLs it holds. */
typedef struct {
  vouch_snp_product product; /* from the report (CPUID, v3+) or the options; UNKNOWN: any */
  bool vlek;                 /* SIGNING_KEY 1 */
  const uint8_t *chip_id;    /* 64 bytes (VCEK) */
  uint64_t reported_tcb;     /* REPORTED_TCB as read (the raw u64) */
  int64_t at;                /* verification instant (to choose among CRLs) */
} vouch_snp_lookup;

typedef struct {
  /* find adds what it has for |key| to |out| (new references); when it has
   * no VCEK/VLEK for it: VOUCH_E_COLLATERAL_MISSING naming the product,
   * chip id and TCB looked for, starting "collateral: ". */
  vouch_status (*find)(void *ctx, const vouch_snp_lookup *key, vouch_snp_collateral *out,
                       vouch_err *err);
  void *ctx;
} vouch_snp_source;

/* A cache of instant-independent facts, shared between items (the
 * engine's collateral cache): acquire returns the object built from
 * exactly |key| (|build| runs on a miss; hits are confirmed byte for
 * byte), or NULL; release drops the handle. */
typedef struct {
  void *(*acquire)(void *ctx, const uint8_t *key, size_t key_len, size_t obj_size,
                   void (*build)(void *obj, void *arg), void *arg, void (*destroy)(void *obj),
                   void **out_obj, uint64_t *out_id);
  void (*release)(void *ctx, void *handle);
  void *ctx;
} vouch_snp_memo;

/* ---- verification ------------------------------------------------------------------- */
typedef struct {
  int64_t at;         /* verification instant (Unix seconds) */
  bool allow_expired; /* tolerate a passed notAfter / CRL nextUpdate */
  /* ARKs trusted besides the built-in pinned ones (--trust-anchor; tests
   * and the generator's hierarchy).  A supplied ARK is otherwise used only
   * if byte-equal to a pinned one. */
  const struct vouch_anchors *extra_anchors;
  /* UNKNOWN: from the certificates (issuer "SEV-<product>", productName);
   * otherwise they must agree with it. */
  vouch_snp_product product;
  /* MAA runtimeData: SHA-256 of it must equal REPORT_DATA[0:32]. */
  const uint8_t *runtime_data;
  size_t runtime_data_len;
  bool has_runtime_data;
  /* MAA initTimeData: SHA-256 of it must equal HOST_DATA. */
  const uint8_t *init_data;
  size_t init_data_len;
  bool has_init_data;
  /* Where the VCEK/VLEK comes from when the collateral has none of the
   * report's kind (NULL: nowhere; the report then fails as missing it). */
  const vouch_snp_source *source;
  /* Caches the VCEK/VLEK -> ASK/ASVK -> ARK chain (signatures, path,
   * revocation) by the exact bytes it depends on; windows are still
   * checked per report at its instant.  NULL: verified every time. */
  const vouch_snp_memo *memo;
} vouch_snp_opts;

/* vouch_snp_verify verifies one report (exactly VOUCH_SNP_REPORT_LEN
 * bytes) with the certificates of |coll| (NULL: none; the built-in
 * ASK/ASVK and ARK complete the chain) and always fills |out|.  Checks, in
 * order: parse; SIGNING_KEY not 7; a VCEK (SIGNING_KEY 0) or VLEK (1)
 * among the collateral (several: the one matching hwID and TCB); its
 * extensions; the product (opts, issuer, productName, CPUID on v3+ must
 * agree); REPORTED_TCB = the certificate's SPLs and, VCEK only, CHIP_ID =
 * hwID (skipped when CHIP_ID is all zero, MASK_CHIP_ID); the VCEK/VLEK
 * signed by an ASK/ASVK (supplied or built-in) with RSASSA-PSS
 * SHA-384/MGF1-SHA-384/salt 48, a P-384 key, inside its validity; the
 * ASK/ASVK to a trusted ARK (vouch_chain_verify: signatures, windows, the
 * CRLs of |coll|); the report signature (ECDSA P-384/SHA-384 over
 * 0x000..0x29F); runtime and init data.  Errors start with "snp: ". */
void vouch_snp_verify(const uint8_t *report, size_t len, const vouch_snp_collateral *coll,
                      const vouch_snp_opts *opts, vouch_result *out);

/* ---- Azure confidential VMs (§8) --------------------------------------------------- */
#define VOUCH_SNP_HCL_REPORT_OFFSET 0x20
#define VOUCH_SNP_HCL_RUNTIME_OFFSET 0x4C0
#define VOUCH_SNP_HCL_JSON_OFFSET 0x4D4

typedef struct {
  uint32_t version, size, request_type;
  const uint8_t *report; /* borrowed: VOUCH_SNP_REPORT_LEN bytes */
  uint32_t data_size, data_version, report_type, hash_type, json_len;
  const char *json; /* borrowed: the runtime-claims JSON */
} vouch_snp_hcl;

/* vouch_snp_hcl_parse checks the HCL header ("HCLA", a size that covers
 * the runtime claims and fits |len|; bytes after it must be zero), the
 * runtime-claims header (report type 2 = SNP, hash type 1/2/3 =
 * SHA-256/384/512, data size = 20 + JSON length) and that the JSON is an
 * object. */
VOUCH_MUST_CHECK vouch_status vouch_snp_hcl_parse(const uint8_t *b, size_t len, vouch_snp_hcl *out,
                                                  vouch_err *err);

/* vouch_snp_azure_verify verifies an HCL report: the SNP report inside it
 * as vouch_snp_verify does, then REPORT_DATA = hash(runtime-claims JSON)
 * (SHA-256: bytes 0..31, the rest zero; VOUCH_E_BINDING otherwise), and
 * adds snp_runtime_claims and snp_hcl_ak_pub.  The vTPM quote is NOT
 * verified here: that waits for the TPM verifier. */
void vouch_snp_azure_verify(const uint8_t *hcl, size_t len, const vouch_snp_collateral *coll,
                            const vouch_snp_opts *opts, vouch_result *out);

/* The vTPM quote of an Azure CVM, checked with the attestation key the HCL
 * report binds (HCLAkPub): borrowed views. */
typedef struct {
  const uint8_t *quote; /* TPMS_ATTEST */
  size_t quote_len;
  const uint8_t *sig; /* bare RSASSA-PKCS1-v1_5 (as the vTPM returns it) or TPMT_SIGNATURE */
  size_t sig_len;
  const uint8_t *pcr_values; /* the quoted PCRs' values, concatenated in the quote's selection
                                order (tpm2_pcrread -o); optional */
  size_t pcr_values_len;
  const uint8_t *nonce; /* expected extraData, when has_nonce */
  size_t nonce_len;
  bool has_nonce;
} vouch_snp_vtpm;

/* vouch_snp_azure_verify_vtpm is vouch_snp_azure_verify that then, when
 * the SNP part passed, verifies |vtpm| (NULL: none) with the TPM verifier:
 * the AK is HCLAkPub from the runtime claims the report binds (none there:
 * error), the signature over the quote, the PCR values against its
 * pcrDigest, extraData against the nonce when given.  A failure is the
 * item's (E_SIGNATURE, E_BINDING: contraindicated), its message starting
 * "snp: vTPM: tpm: ".  Adds snp_vtpm_verified and the TPM verifier's
 * tpm_pcrs, tpm_pcr_selection, tpm_pcr_digest, tpm_extra_data,
 * tpm_sig_alg, tpm_nonce_checked. */
void vouch_snp_azure_verify_vtpm(const uint8_t *hcl, size_t len, const vouch_snp_collateral *coll,
                                 const vouch_snp_opts *opts, const vouch_snp_vtpm *vtpm,
                                 vouch_result *out);

/* The "evidence" object of an "snp-azure" envelope (the base64 HCL report
 * alone is also accepted there):
 *   {"hcl_report": B64, "vtpm_quote": B64, "vtpm_signature": B64,
 *    "vtpm_pcrs": B64 (values in the quote's selection order),
 *    "vtpm_nonce": "hex"}
 * hcl_report is required; vtpm_quote and vtpm_signature come together;
 * unknown members are VOUCH_E_JSON (a typo must not drop a check). */
typedef struct {
  uint8_t *hcl; /* owned */
  size_t hcl_len;
  bool has_vtpm;
  vouch_snp_vtpm vtpm; /* views into |storage| */
  uint8_t *storage;    /* owned */
} vouch_snp_azure_envelope;

VOUCH_MUST_CHECK vouch_status vouch_snp_azure_envelope_parse(const char *json, size_t len,
                                                             vouch_snp_azure_envelope *out,
                                                             vouch_err *err);
void vouch_snp_azure_envelope_free(vouch_snp_azure_envelope *e);

/* vouch_snp_azure_evidence_parse reads the trustee-style Azure evidence
 * JSON ({"report": [bytes...], "vcek": "PEM", "quote": {...}}) into the
 * HCL report bytes (malloc'd) and adds the VCEK to |coll|. */
VOUCH_MUST_CHECK vouch_status vouch_snp_azure_evidence_parse(const char *json, size_t len,
                                                             uint8_t **out_hcl, size_t *out_len,
                                                             vouch_snp_collateral *coll,
                                                             vouch_err *err);

/* vouch_snp_maa_request_parse reads MAA's SevSnpVm request "report": the
 * base64 (or the decoded JSON text itself) of {"SnpReport":
 * b64url(report), "VcekCertChain": b64(PEM chain), ...}.  *out_report is
 * malloc'd: a 1184-byte SNP report, or an HCL report (*out_is_hcl; verify
 * it with vouch_snp_azure_verify); the chain's certificates go to |coll|. */
VOUCH_MUST_CHECK vouch_status vouch_snp_maa_request_parse(const char *text, size_t len,
                                                          uint8_t **out_report, size_t *out_len,
                                                          bool *out_is_hcl,
                                                          vouch_snp_collateral *coll,
                                                          vouch_err *err);

#endif /* VOUCH_SNP_H */
