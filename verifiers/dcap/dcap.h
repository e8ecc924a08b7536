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

#endif /* VOUCH_DCAP_H */
