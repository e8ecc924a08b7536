/* verifiers/tpm/events.c - the "events" claim: a TCG event log as the JSON
 * document Azure Attestation's TPM policies query with JmesPath
 * ({"Events": [{"EventSeq", "PcrIndex", "EventTypeString", "ProcessedData":
 * {...}}]}), and the booleans derived from it.
 *
 * Event data is not authenticated by the quote: only digests are.  So
 * ProcessedData (the decoded data that policies read) is written only for
 * events whose data hashes to their digest in every bank, and the caller
 * passes only PCRs that the quote covers and whose replay matched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/tpm/internal.h"

#define MAX_SIPA_ENTRIES 4096 /* TLVs in one container */

static const uint8_t kEfiGlobalVariable[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                               0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};

const char *vouch_tpm_derived_claim_name(int which) {
  static const char *const kNames[VOUCH_TPM_D_COUNT] = {
      "secureBootEnabled", "bootDebuggingDisabled", "osKernelDebuggingDisabled",
      "codeIntegrityEnabled", "testSigningDisabled", "notSafeMode",
      "notWinPE", "iommuEnabled", "vbsEnabled"};
  return which >= 0 && which < VOUCH_TPM_D_COUNT ? kNames[which] : NULL;
}

/* ---- helpers ------------------------------------------------------------ */

/* utf16le_to_utf8 converts |n| bytes of UTF-16LE (stopping at a NUL) into
 * |out|; false on odd length, unpaired surrogates or no room. */
static bool utf16le_to_utf8(const uint8_t *p, size_t n, vouch_buf *out) {
  if (n % 2 != 0) return false;
  for (size_t i = 0; i + 1 < n; i += 2) {
    uint32_t u = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
    if (u == 0) {
      /* A terminating NUL: only NULs may follow. */
      for (size_t k = i; k < n; k++) {
        if (p[k] != 0) return false;
      }
      break;
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 3 >= n) return false;
      uint32_t lo = (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8;
      if (lo < 0xDC00 || lo > 0xDFFF) return false;
      u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return false;
    }
    char b[4];
    size_t k;
    if (u < 0x80) {
      b[0] = (char)u;
      k = 1;
    } else if (u < 0x800) {
      b[0] = (char)(0xC0 | (u >> 6));
      b[1] = (char)(0x80 | (u & 0x3F));
      k = 2;
    } else if (u < 0x10000) {
      b[0] = (char)(0xE0 | (u >> 12));
      b[1] = (char)(0x80 | ((u >> 6) & 0x3F));
      b[2] = (char)(0x80 | (u & 0x3F));
      k = 3;
    } else {
      b[0] = (char)(0xF0 | (u >> 18));
      b[1] = (char)(0x80 | ((u >> 12) & 0x3F));
      b[2] = (char)(0x80 | ((u >> 6) & 0x3F));
      b[3] = (char)(0x80 | (u & 0x3F));
      k = 4;
    }
    vouch_buf_append(out, b, k);
  }
  return vouch_buf_status(out) == VOUCH_OK;
}

static void json_b64url(vouch_json *j, const uint8_t *data, size_t len) {
  vouch_buf b;
  vouch_buf_init(&b, VOUCH_TPM_MAX_DOC);
  vouch_base64url_encode(&b, data, len);
  if (vouch_buf_status(&b) == VOUCH_OK) {
    vouch_json_string_len(j, b.len ? b.data : "", b.len);
  } else {
    vouch_json_null(j);
  }
  vouch_buf_free(&b);
}

static void guid_string(const uint8_t g[16], char out[37]) {
  snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", g[3],
           g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
           g[15]);
}

/* ---- UEFI_VARIABLE_DATA --------------------------------------------------- */

typedef struct {
  const uint8_t *guid;
  const uint8_t *name; /* UTF-16LE */
  size_t name_len;     /* bytes */
  const uint8_t *value;
  size_t value_len;
} efi_var;

static bool parse_efi_var(const uint8_t *data, size_t len, efi_var *v) {
  vouch_cur c = vouch_cur_make(data, len);
  uint64_t name_chars, value_len;
  if (vouch_cur_bytes(&c, 16, &v->guid) != VOUCH_OK ||
      vouch_cur_u64le(&c, &name_chars) != VOUCH_OK ||
      vouch_cur_u64le(&c, &value_len) != VOUCH_OK) {
    return false;
  }
  if (name_chars > len || value_len > len) return false;
  if (vouch_cur_bytes(&c, (size_t)name_chars * 2, &v->name) != VOUCH_OK ||
      vouch_cur_bytes(&c, (size_t)value_len, &v->value) != VOUCH_OK ||
      vouch_cur_expect_empty(&c) != VOUCH_OK) {
    return false;
  }
  v->name_len = (size_t)name_chars * 2;
  v->value_len = (size_t)value_len;
  return true;
}

static bool efi_var_named(const efi_var *v, const char *ascii) {
  size_t n = strlen(ascii);
  if (v->name_len != 2 * n) return false;
  for (size_t i = 0; i < n; i++) {
    if (v->name[2 * i] != (uint8_t)ascii[i] || v->name[2 * i + 1] != 0) return false;
  }
  return true;
}

static bool is_efi_variable_event(uint32_t type) {
  return type == TPM_EV_EFI_VARIABLE_DRIVER_CONFIG || type == TPM_EV_EFI_VARIABLE_BOOT ||
         type == TPM_EV_EFI_VARIABLE_BOOT2 || type == TPM_EV_EFI_VARIABLE_AUTHORITY;
}

/* ---- Windows SIPA (WBCL) TLVs ---------------------------------------------- */

typedef enum { SIPA_RAW, SIPA_BOOL, SIPA_NUMBER, SIPA_VALUE, SIPA_STRING } sipa_kind;

typedef struct {
  uint32_t type;
  const char *name;
  sipa_kind kind;
} sipa_def;

static const sipa_def kSipa[] = {
    {0x40010001, "EVENT_TRUSTBOUNDARY", SIPA_RAW},
    {0x40010002, "EVENT_ELAM_AGGREGATION", SIPA_RAW},
    {0x40010003, "EVENT_LOADEDMODULE_AGGREGATION", SIPA_RAW},
    {0xC0010004, "EVENT_TRUSTPOINT_AGGREGATION", SIPA_RAW},
    {0x40010005, "EVENT_KSR_AGGREGATION", SIPA_RAW},
    {0x40010006, "EVENT_KSR_SIGNED_MEASUREMENT_AGGREGATION", SIPA_RAW},
    {0x00020001, "EVENT_INFORMATION", SIPA_RAW},
    {0x00020002, "EVENT_BOOTCOUNTER", SIPA_NUMBER},
    {0x00020003, "EVENT_TRANSFER_CONTROL", SIPA_VALUE},
    {0x00020004, "EVENT_APPLICATION_RETURN", SIPA_VALUE},
    {0x00020005, "EVENT_BITLOCKER_UNLOCK", SIPA_VALUE},
    {0x00020006, "EVENT_EVENTCOUNTER", SIPA_NUMBER},
    {0x00020007, "EVENT_COUNTERID", SIPA_NUMBER},
    {0x00020008, "EVENT_MORBIT_NOT_CANCELABLE", SIPA_BOOL},
    {0x00020009, "EVENT_APPLICATION_SVN", SIPA_NUMBER},
    {0x0002000A, "EVENT_SVN_CHAIN_STATUS", SIPA_NUMBER},
    {0x0002000B, "EVENT_MORBIT_API_STATUS", SIPA_VALUE},
    {0x00040001, "EVENT_BOOTDEBUGGING", SIPA_BOOL},
    {0x00040002, "EVENT_BOOT_REVOCATION_LIST", SIPA_RAW},
    {0x00050001, "EVENT_OSKERNELDEBUG", SIPA_BOOL},
    {0x00050002, "EVENT_CODEINTEGRITY", SIPA_BOOL},
    {0x00050003, "EVENT_TESTSIGNING", SIPA_BOOL},
    {0x00050004, "EVENT_DATAEXECUTIONPREVENTION", SIPA_VALUE},
    {0x00050005, "EVENT_SAFEMODE", SIPA_BOOL},
    {0x00050006, "EVENT_WINPE", SIPA_BOOL},
    {0x00050007, "EVENT_PHYSICALADDRESSEXTENSION", SIPA_BOOL},
    {0x00050008, "EVENT_OSDEVICE", SIPA_VALUE},
    {0x00050009, "EVENT_SYSTEMROOT", SIPA_STRING},
    {0x0005000A, "EVENT_HYPERVISOR_LAUNCH_TYPE", SIPA_VALUE},
    {0x0005000B, "EVENT_HYPERVISOR_PATH", SIPA_STRING},
    {0x0005000C, "EVENT_HYPERVISOR_IOMMU_POLICY", SIPA_VALUE},
    {0x0005000D, "EVENT_HYPERVISOR_DEBUG", SIPA_BOOL},
    {0x0005000E, "EVENT_DRIVER_LOAD_POLICY", SIPA_VALUE},
    {0x0005000F, "EVENT_SI_POLICY", SIPA_RAW},
    {0x00050010, "EVENT_HYPERVISOR_MMIO_NX_POLICY", SIPA_VALUE},
    {0x00050011, "EVENT_HYPERVISOR_MSR_FILTER_POLICY", SIPA_VALUE},
    {0x00050012, "EVENT_VSM_LAUNCH_TYPE", SIPA_VALUE},
    {0x00050013, "EVENT_OS_REVOCATION_LIST", SIPA_RAW},
    {0x00050014, "EVENT_SMT_STATUS", SIPA_VALUE},
    {0x00050020, "EVENT_VSM_IDK_INFO", SIPA_RAW},
    {0x00050021, "EVENT_FLIGHTSIGNING", SIPA_BOOL},
    {0x00050022, "EVENT_PAGEFILE_ENCRYPTION_ENABLED", SIPA_BOOL},
    {0x00050023, "EVENT_VSM_IDKS_INFO", SIPA_RAW},
    {0x00050024, "EVENT_HIBERNATION_DISABLED", SIPA_BOOL},
    {0x00050025, "EVENT_DUMPS_DISABLED", SIPA_BOOL},
    {0x00050026, "EVENT_DUMP_ENCRYPTION_ENABLED", SIPA_BOOL},
    {0x00050027, "EVENT_DUMP_ENCRYPTION_KEY_DIGEST", SIPA_RAW},
    {0x00050028, "EVENT_LSAISO_CONFIG", SIPA_VALUE},
    {0x00060001, "EVENT_NOAUTHORITY", SIPA_RAW},
    {0x00060002, "EVENT_AUTHORITYPUBKEY", SIPA_RAW},
    {0x00070001, "EVENT_FILEPATH", SIPA_STRING},
    {0x00070002, "EVENT_IMAGESIZE", SIPA_NUMBER},
    {0x00070003, "EVENT_HASHALGORITHMID", SIPA_NUMBER},
    {0x00070004, "EVENT_AUTHENTICODEHASH", SIPA_RAW},
    {0x00070005, "EVENT_AUTHORITYISSUER", SIPA_STRING},
    {0x00070006, "EVENT_AUTHORITYSERIAL", SIPA_RAW},
    {0x00070007, "EVENT_IMAGEBASE", SIPA_NUMBER},
    {0x00070008, "EVENT_AUTHORITYPUBLISHER", SIPA_STRING},
    {0x00070009, "EVENT_AUTHORITYSHA1THUMBPRINT", SIPA_RAW},
    {0x0007000A, "EVENT_IMAGEVALIDATED", SIPA_BOOL},
    {0x0007000B, "EVENT_MODULE_SVN", SIPA_NUMBER},
    {0x80080001, "EVENT_QUOTE", SIPA_RAW},
    {0x80080002, "EVENT_QUOTESIGNATURE", SIPA_RAW},
    {0x80080003, "EVENT_AIKID", SIPA_RAW},
    {0x80080004, "EVENT_AIKPUBDIGEST", SIPA_RAW},
    {0x00090001, "EVENT_ELAM_KEYNAME", SIPA_STRING},
    {0x00090002, "EVENT_ELAM_CONFIGURATION", SIPA_RAW},
    {0x00090003, "EVENT_ELAM_POLICY", SIPA_RAW},
    {0x00090004, "EVENT_ELAM_MEASURED", SIPA_RAW},
    {0x000A0001, "EVENT_VBS_VSM_REQUIRED", SIPA_BOOL},
    {0x000A0002, "EVENT_VBS_SECUREBOOT_REQUIRED", SIPA_BOOL},
    {0x000A0003, "EVENT_VBS_IOMMU_REQUIRED", SIPA_BOOL},
    {0x000A0004, "EVENT_VBS_MMIO_NX_REQUIRED", SIPA_BOOL},
    {0x000A0005, "EVENT_VBS_MSR_FILTERING_REQUIRED", SIPA_BOOL},
    {0x000A0006, "EVENT_VBS_MANDATORY_ENFORCEMENT", SIPA_BOOL},
    {0x000A0007, "EVENT_VBS_HVCI_POLICY", SIPA_RAW},
    {0x000A0008, "EVENT_VBS_MICROSOFT_BOOT_CHAIN_REQUIRED", SIPA_BOOL},
    {0x000B0001, "EVENT_KSR_SIGNATURE", SIPA_RAW},
};

#define SIPA_AGGREGATION 0x40000000u

static const sipa_def *sipa_find(uint32_t type) {
  for (size_t i = 0; i < sizeof(kSipa) / sizeof(kSipa[0]); i++) {
    if (kSipa[i].type == type) return &kSipa[i];
  }
  return NULL;
}

/* Names that are arrays even when they occur once (policies index them). */
static bool sipa_always_array(uint32_t type) {
  return type == 0x40010003 /* LOADEDMODULE_AGGREGATION */ || type == 0x0005000F /* SI_POLICY */;
}

/* The SIPA booleans behind the derived claims: type, claim, wanted value. */
static const struct {
  uint32_t type;
  int which;
  bool want;
} kSipaDerived[] = {
    {0x00040001, VOUCH_TPM_D_BOOT_DEBUGGING_DISABLED, false},
    {0x00050001, VOUCH_TPM_D_OS_KERNEL_DEBUGGING_DISABLED, false},
    {0x00050002, VOUCH_TPM_D_CODE_INTEGRITY_ENABLED, true},
    {0x00050003, VOUCH_TPM_D_TEST_SIGNING_DISABLED, false},
    {0x00050005, VOUCH_TPM_D_NOT_SAFE_MODE, false},
    {0x00050006, VOUCH_TPM_D_NOT_WIN_PE, false},
    {0x000A0003, VOUCH_TPM_D_IOMMU_ENABLED, true},
    {0x000A0001, VOUCH_TPM_D_VBS_ENABLED, true},
    {0x000A0006, VOUCH_TPM_D_VBS_ENABLED, true},
};

typedef struct {
  uint32_t type;
  const uint8_t *data;
  size_t len;
  size_t pos; /* original position */
  size_t group_first; /* position of the first entry of the same type */
  size_t group_count;
} sipa_entry;

/* Derived facts collected while writing. */
typedef struct {
  bool seen[VOUCH_TPM_D_COUNT];
  bool all_match[VOUCH_TPM_D_COUNT];
  int secure_boot_events;
  bool secure_boot_value;
} derive_ctx;

/* sipa_valid checks the TLV structure of |data| (nesting at most |depth|). */
static bool sipa_valid(const uint8_t *data, size_t len, int depth) {
  vouch_cur c = vouch_cur_make(data, len);
  size_t n = 0;
  while (vouch_cur_remaining(&c) > 0) {
    uint32_t type, size;
    const uint8_t *v;
    if (vouch_cur_u32le(&c, &type) != VOUCH_OK || vouch_cur_u32le(&c, &size) != VOUCH_OK ||
        vouch_cur_bytes(&c, size, &v) != VOUCH_OK || ++n > MAX_SIPA_ENTRIES) {
      return false;
    }
    if ((type & SIPA_AGGREGATION) && (depth <= 1 || !sipa_valid(v, size, depth - 1))) {
      return false;
    }
  }
  return n > 0;
}

static int cmp_entry(const void *a, const void *b) {
  const sipa_entry *x = a, *y = b;
  if (x->type != y->type) return x->type < y->type ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos ? 1 : 0;
}

static uint64_t le_uint(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i > 0; i--) v = v << 8 | p[i - 1];
  return v;
}

static bool sipa_object(vouch_json *j, const uint8_t *data, size_t len, int depth,
                        derive_ctx *d);

static void sipa_value(vouch_json *j, const sipa_entry *e, int depth, derive_ctx *d) {
  if (e->type & SIPA_AGGREGATION) {
    if (!sipa_object(j, e->data, e->len, depth - 1, d)) vouch_json_null(j);
    return;
  }
  const sipa_def *def = sipa_find(e->type);
  sipa_kind kind = def ? def->kind : SIPA_RAW;
  bool int_size = e->len == 1 || e->len == 2 || e->len == 4 || e->len == 8;
  if (kind == SIPA_BOOL && e->len == 1) {
    bool v = e->data[0] != 0;
    vouch_json_bool(j, v);
    for (size_t i = 0; i < sizeof(kSipaDerived) / sizeof(kSipaDerived[0]); i++) {
      if (kSipaDerived[i].type != e->type) continue;
      int w = kSipaDerived[i].which;
      if (!d->seen[w]) d->all_match[w] = true;
      d->seen[w] = true;
      if (v != kSipaDerived[i].want) d->all_match[w] = false;
    }
    return;
  }
  if (kind == SIPA_NUMBER && int_size) {
    vouch_json_uint(j, le_uint(e->data, e->len));
    return;
  }
  if (kind == SIPA_VALUE && int_size) {
    vouch_json_begin_object(j);
    vouch_json_key(j, "Value");
    vouch_json_uint(j, le_uint(e->data, e->len));
    vouch_json_end_object(j);
    return;
  }
  if (kind == SIPA_STRING) {
    vouch_buf s;
    vouch_buf_init(&s, 1u << 20);
    if (utf16le_to_utf8(e->data, e->len, &s)) {
      vouch_json_string_len(j, s.len ? s.data : "", s.len);
      vouch_buf_free(&s);
      return;
    }
    vouch_buf_free(&s);
  }
  vouch_json_begin_object(j);
  vouch_json_key(j, "RawData");
  json_b64url(j, e->data, e->len);
  vouch_json_end_object(j);
}

/* sipa_object writes the TLVs of |data| as one JSON object, repeated types
 * as arrays at the position of their first occurrence. */
static bool sipa_object(vouch_json *j, const uint8_t *data, size_t len, int depth,
                        derive_ctx *d) {
  size_t cap = len / 8 + 1;
  if (cap > MAX_SIPA_ENTRIES) cap = MAX_SIPA_ENTRIES;
  sipa_entry *e = calloc(cap, sizeof(*e));
  sipa_entry *sorted = calloc(cap, sizeof(*sorted));
  bool ok = false;
  if (e == NULL || sorted == NULL) goto done;
  size_t n = 0;
  vouch_cur c = vouch_cur_make(data, len);
  while (vouch_cur_remaining(&c) > 0 && n < cap) {
    uint32_t size;
    if (vouch_cur_u32le(&c, &e[n].type) != VOUCH_OK || vouch_cur_u32le(&c, &size) != VOUCH_OK ||
        vouch_cur_bytes(&c, size, &e[n].data) != VOUCH_OK) {
      goto done;
    }
    e[n].len = size;
    e[n].pos = n;
    n++;
  }
  if (vouch_cur_remaining(&c) != 0) goto done;
  memcpy(sorted, e, n * sizeof(*e));
  qsort(sorted, n, sizeof(*sorted), cmp_entry);
  for (size_t i = 0; i < n;) {
    size_t k = i;
    while (k < n && sorted[k].type == sorted[i].type) k++;
    for (size_t m = i; m < k; m++) {
      e[sorted[m].pos].group_first = sorted[i].pos;
      e[sorted[m].pos].group_count = k - i;
    }
    i = k;
  }
  vouch_json_begin_object(j);
  for (size_t i = 0; i < n; i++) {
    if (e[i].group_first != i) continue;
    const sipa_def *def = sipa_find(e[i].type);
    char name[40];
    if (def) {
      snprintf(name, sizeof(name), "%s", def->name);
    } else {
      snprintf(name, sizeof(name), "EVENT_UNKNOWN_0x%08X", e[i].type);
    }
    vouch_json_key(j, name);
    if (e[i].group_count == 1 && !sipa_always_array(e[i].type)) {
      sipa_value(j, &e[i], depth, d);
      continue;
    }
    vouch_json_begin_array(j);
    for (size_t m = i; m < n; m++) {
      if (e[m].group_first == i) sipa_value(j, &e[m], depth, d);
    }
    vouch_json_end_array(j);
  }
  vouch_json_end_object(j);
  ok = true;
done:
  free(e);
  free(sorted);
  return ok;
}

/* ---- the document ----------------------------------------------------------- */

/* data_matches: the event data (or, for |alt|, another view) hashes to the
 * event's digest in every bank it has; false when no bank's hash is known. */
static bool data_matches(const vouch_eventlog_event *ev, const uint8_t *data, size_t len) {
  size_t checked = 0;
  for (size_t i = 0; i < ev->num_digests; i++) {
    vouch_hash h;
    if (!tpm_hash(ev->digests[i].alg, &h)) continue;
    uint8_t md[VOUCH_MAX_DIGEST_LEN];
    size_t n = 0;
    if (vouch_digest(h, data, len, md, &n) != VOUCH_OK || n != ev->digests[i].len ||
        memcmp(md, ev->digests[i].digest, n) != 0) {
      return false;
    }
    checked++;
  }
  return checked > 0;
}

static void write_event(vouch_json *j, const vouch_eventlog_event *ev, bool raw_data,
                        derive_ctx *d) {
  vouch_json_begin_object(j);
  vouch_json_key(j, "EventSeq");
  vouch_json_uint(j, ev->seq);
  vouch_json_key(j, "PcrIndex");
  vouch_json_uint(j, ev->pcr);
  vouch_json_key(j, "EventType");
  vouch_json_uint(j, ev->type);
  vouch_json_key(j, "EventTypeString");
  const char *tn = tpm_event_type_name(ev->type);
  char unk[32];
  if (tn == NULL) {
    snprintf(unk, sizeof(unk), "EV_UNKNOWN_0x%08X", ev->type);
    tn = unk;
  }
  vouch_json_string(j, tn);
  vouch_json_key(j, "Digests");
  vouch_json_begin_object(j);
  for (size_t i = 0; i < ev->num_digests; i++) {
    const char *hn = tpm_hash_upper(ev->digests[i].alg);
    char alg[16];
    if (hn == NULL) {
      snprintf(alg, sizeof(alg), "0x%04X", ev->digests[i].alg);
      hn = alg;
    }
    vouch_json_key(j, hn);
    vouch_json_hex(j, ev->digests[i].digest, ev->digests[i].len);
  }
  vouch_json_end_object(j);
  efi_var v;
  bool is_var = is_efi_variable_event(ev->type) && parse_efi_var(ev->data, ev->data_len, &v);
  bool verified = data_matches(ev, ev->data, ev->data_len);
  /* Some firmware measures only VariableData for boot variables. */
  if (!verified && is_var &&
      (ev->type == TPM_EV_EFI_VARIABLE_BOOT || ev->type == TPM_EV_EFI_VARIABLE_BOOT2)) {
    verified = data_matches(ev, v.value, v.value_len);
  }
  vouch_json_key(j, "DigestVerified");
  vouch_json_bool(j, verified);
  vouch_json_key(j, "EventSize");
  vouch_json_uint(j, ev->data_len);
  if (raw_data) {
    vouch_json_key(j, "EventData");
    json_b64url(j, ev->data, ev->data_len);
  }
  if (verified && is_var) {
    vouch_buf name;
    vouch_buf_init(&name, 1u << 16);
    if (utf16le_to_utf8(v.name, v.name_len, &name)) {
      char guid[37];
      guid_string(v.guid, guid);
      vouch_json_key(j, "ProcessedData");
      vouch_json_begin_object(j);
      vouch_json_key(j, "VariableGuid");
      vouch_json_string(j, guid);
      vouch_json_key(j, "UnicodeName");
      vouch_json_string_len(j, name.len ? name.data : "", name.len);
      vouch_json_key(j, "VariableData");
      json_b64url(j, v.value, v.value_len);
      vouch_json_end_object(j);
      if (ev->type == TPM_EV_EFI_VARIABLE_DRIVER_CONFIG && ev->pcr == 7 &&
          memcmp(v.guid, kEfiGlobalVariable, 16) == 0 && efi_var_named(&v, "SecureBoot")) {
        d->secure_boot_events++;
        d->secure_boot_value = v.value_len == 1 && v.value[0] == 1;
      }
    }
    vouch_buf_free(&name);
  } else if (verified && ev->type == TPM_EV_EVENT_TAG &&
             sipa_valid(ev->data, ev->data_len, VOUCH_TPM_MAX_SIPA_DEPTH)) {
    vouch_json_key(j, "ProcessedData");
    if (!sipa_object(j, ev->data, ev->data_len, VOUCH_TPM_MAX_SIPA_DEPTH, d)) {
      vouch_json_null(j);
    }
  }
  vouch_json_end_object(j);
}

vouch_status vouch_tpm_events_json(const uint8_t *log, size_t len, uint32_t pcr_mask,
                                   bool raw_data, vouch_buf *out, vouch_tpm_derived *derived,
                                   vouch_err *err) {
  VOUCH_ENSURE(out != NULL, VOUCH_E_ARG);
  if (derived) memset(derived, 0, sizeof(*derived));
  vouch_eventlog_iter it;
  VOUCH_GUARD(vouch_eventlog_iter_init(&it, log, len, err));
  derive_ctx d;
  memset(&d, 0, sizeof(d));
  size_t start = out->len;
  vouch_json j;
  vouch_json_init(&j, out);
  vouch_json_begin_object(&j);
  vouch_json_key(&j, "Events");
  vouch_json_begin_array(&j);
  for (;;) {
    vouch_eventlog_event ev;
    bool has = false;
    vouch_status s = vouch_eventlog_iter_next(&it, &ev, &has, err);
    if (s != VOUCH_OK) return s;
    if (!has) break;
    if (ev.type == TPM_EV_NO_ACTION || ev.pcr >= VOUCH_TPM_NUM_PCRS) continue;
    if (!(pcr_mask & (1u << ev.pcr))) continue;
    write_event(&j, &ev, raw_data, &d);
  }
  vouch_json_end_array(&j);
  vouch_json_end_object(&j);
  vouch_status s = vouch_buf_status(out);
  if (s != VOUCH_OK) {
    return vouch_fail(err, s == VOUCH_E_NOMEM ? s : VOUCH_E_LIMIT,
                      "tpm: the events document exceeds %zu bytes",
                      out->max ? out->max - start : (size_t)VOUCH_BUF_DEFAULT_MAX);
  }
  if (derived) {
    if (d.secure_boot_events == 1) {
      derived->has[VOUCH_TPM_D_SECURE_BOOT] = true;
      derived->value[VOUCH_TPM_D_SECURE_BOOT] = d.secure_boot_value;
    }
    for (int w = 0; w < VOUCH_TPM_D_COUNT; w++) {
      if (w == VOUCH_TPM_D_SECURE_BOOT || !d.seen[w]) continue;
      derived->has[w] = true;
      derived->value[w] = d.all_match[w];
    }
  }
  return VOUCH_OK;
}
