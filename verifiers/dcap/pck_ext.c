/* verifiers/dcap/pck_ext.c - the SGX extension of PCK certificates
 * (OID 1.2.840.113741.1.13.1), spec §6.
 *
 * The value is SEQUENCE OF SEQUENCE { OID, value }; the TCB and
 * Configuration entries nest one more SEQUENCE OF SEQUENCE { OID, value }.
 * OIDs are compared by their DER content bytes: every known OID is the
 * 9-byte SGX prefix plus one or two single-byte arcs (all arcs < 128).
 * Everything is read through vouch_cur / vouch_der_*; errors name the item
 * and the absolute offset of the TLV in the input.
 */
#include <stdio.h>
#include <string.h>

#include "verifiers/dcap/dcap.h"

/* DER content of 1.2.840.113741.1.13.1. */
static const uint8_t kSgxOid[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
#define SGX_OID_LEN sizeof(kSgxOid)

enum {
  ARC_PPID = 1,
  ARC_TCB = 2,
  ARC_PCEID = 3,
  ARC_FMSPC = 4,
  ARC_SGX_TYPE = 5,
  ARC_PLATFORM_INSTANCE_ID = 6,
  ARC_CONFIGURATION = 7,
  ARC_TOP_MAX = 7,
  /* under .2 */
  ARC_TCB_PCESVN = 17,
  ARC_TCB_CPUSVN = 18,
  ARC_TCB_MAX = 18,
  /* under .7 */
  ARC_CFG_DYNAMIC_PLATFORM = 1,
  ARC_CFG_CACHED_KEYS = 2,
  ARC_CFG_SMT_ENABLED = 3,
  ARC_CFG_MAX = 3,
};

static const char *const kTopNames[ARC_TOP_MAX + 1] = {
    [ARC_PPID] = "PPID",
    [ARC_TCB] = "TCB",
    [ARC_PCEID] = "PCE-ID",
    [ARC_FMSPC] = "FMSPC",
    [ARC_SGX_TYPE] = "SGX type",
    [ARC_PLATFORM_INSTANCE_ID] = "PlatformInstanceID",
    [ARC_CONFIGURATION] = "Configuration",
};

static const char *const kCfgNames[ARC_CFG_MAX + 1] = {
    [ARC_CFG_DYNAMIC_PLATFORM] = "dynamicPlatform",
    [ARC_CFG_CACHED_KEYS] = "cachedKeys",
    [ARC_CFG_SMT_ENABLED] = "SMTEnabled",
};

#define PFX "pck extension: "

/* oid_arcs matches the OID content |oid| against the SGX prefix followed by
 * |depth| single-byte arcs.  Returns the arcs through |out| (out[0] first)
 * or false when the OID is anything else (including longer or multi-byte
 * arcs), which callers treat as unknown. */
static bool oid_arcs(const vouch_cur *oid, size_t depth, uint8_t out[2]) {
  vouch_cur t = *oid;
  const uint8_t *prefix;
  if (vouch_cur_remaining(&t) != SGX_OID_LEN + depth) return false;
  if (vouch_cur_bytes(&t, SGX_OID_LEN, &prefix) != VOUCH_OK) return false;
  if (memcmp(prefix, kSgxOid, SGX_OID_LEN) != 0) return false;
  for (size_t i = 0; i < depth; i++) {
    if (vouch_cur_u8(&t, &out[i]) != VOUCH_OK) return false;
    if (out[i] == 0 || out[i] >= 0x80) return false;
  }
  return true;
}

/* read_entry reads one SEQUENCE { OID, ... } from |list|: |entry| is left
 * positioned after the OID.  |what| names the list for messages. */
static vouch_status read_entry(vouch_cur *list, const char *what, vouch_cur *entry, vouch_cur *oid,
                               vouch_err *err) {
  size_t at = vouch_cur_offset(list);
  vouch_status s = vouch_der_expect(list, VOUCH_DER_SEQUENCE, entry);
  if (s != VOUCH_OK) return vouch_fail(err, s, PFX "bad %s entry SEQUENCE at offset %zu", what, at);
  at = vouch_cur_offset(entry);
  s = vouch_der_expect(entry, VOUCH_DER_OID, oid);
  if (s != VOUCH_OK) {
    return vouch_fail(err, s, PFX "bad OBJECT IDENTIFIER in %s entry at offset %zu", what, at);
  }
  return VOUCH_OK;
}

/* end_entry requires that the value was the entry's last element. */
static vouch_status end_entry(const vouch_cur *entry, const char *name, vouch_err *err) {
  if (vouch_cur_expect_empty(entry) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TRAILING, PFX "unexpected data after %s at offset %zu", name,
                      vouch_cur_offset(entry));
  }
  return VOUCH_OK;
}

/* read_octets reads an OCTET STRING of exactly |n| bytes into |out|. */
static vouch_status read_octets(vouch_cur *c, uint8_t *out, size_t n, const char *name,
                                vouch_err *err) {
  size_t at = vouch_cur_offset(c);
  vouch_cur v;
  vouch_status s = vouch_der_expect(c, VOUCH_DER_OCTET_STRING, &v);
  if (s != VOUCH_OK)
    return vouch_fail(err, s, PFX "%s: expected OCTET STRING at offset %zu", name, at);
  if (vouch_cur_remaining(&v) != n) {
    return vouch_fail(err, VOUCH_E_MALFORMED, PFX "%s: %zu bytes, expected %zu, at offset %zu",
                      name, vouch_cur_remaining(&v), n, at);
  }
  VOUCH_GUARD(vouch_cur_copy(&v, out, n));
  return VOUCH_OK;
}

/* read_uint reads an INTEGER or ENUMERATED (|tag|) in 0..|max|.  DER
 * minimality is vouch_der_uint's: a leading 00 only before a byte >= 0x80. */
static vouch_status read_uint(vouch_cur *c, uint8_t tag, uint64_t max, const char *name,
                              vouch_err *err, uint64_t *out) {
  size_t at = vouch_cur_offset(c);
  vouch_cur v;
  const char *type = tag == VOUCH_DER_ENUMERATED ? "ENUMERATED" : "INTEGER";
  vouch_status s = vouch_der_expect(c, tag, &v);
  if (s != VOUCH_OK) return vouch_fail(err, s, PFX "%s: expected %s at offset %zu", name, type, at);
  uint64_t x;
  s = vouch_der_uint(&v, &x);
  if (s != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_MALFORMED, PFX "%s: negative or non-minimal %s at offset %zu",
                      name, type, at);
  }
  if (x > max) {
    return vouch_fail(err, VOUCH_E_MALFORMED, PFX "%s out of range at offset %zu", name, at);
  }
  *out = x;
  return VOUCH_OK;
}

static vouch_status read_bool(vouch_cur *c, const char *name, vouch_err *err, bool *out) {
  size_t at = vouch_cur_offset(c);
  vouch_cur v;
  uint8_t b;
  vouch_status s = vouch_der_expect(c, VOUCH_DER_BOOLEAN, &v);
  if (s != VOUCH_OK) return vouch_fail(err, s, PFX "%s: expected BOOLEAN at offset %zu", name, at);
  /* DER: exactly one byte, 00 or FF. */
  if (vouch_cur_remaining(&v) != 1 || vouch_cur_u8(&v, &b) != VOUCH_OK || (b != 0 && b != 0xff)) {
    return vouch_fail(err, VOUCH_E_MALFORMED, PFX "%s: invalid DER BOOLEAN at offset %zu", name,
                      at);
  }
  *out = b != 0;
  return VOUCH_OK;
}

/* parse_tcb reads the value of the .2 entry: SEQUENCE OF { .2.N, value }. */
static vouch_status parse_tcb(vouch_cur *c, vouch_pck_ext *out, vouch_err *err) {
  size_t at = vouch_cur_offset(c);
  vouch_cur list;
  vouch_status s = vouch_der_expect(c, VOUCH_DER_SEQUENCE, &list);
  if (s != VOUCH_OK) return vouch_fail(err, s, PFX "TCB: expected SEQUENCE at offset %zu", at);

  uint32_t seen = 0;
  while (vouch_cur_remaining(&list) > 0) {
    size_t entry_at = vouch_cur_offset(&list);
    vouch_cur entry, oid;
    uint8_t arcs[2];
    VOUCH_GUARD(read_entry(&list, "TCB", &entry, &oid, err));
    if (!oid_arcs(&oid, 2, arcs) || arcs[0] != ARC_TCB || arcs[1] > ARC_TCB_MAX) continue;

    unsigned n = arcs[1];
    char name[48];
    if (n <= VOUCH_TCB_COMPONENTS) {
      snprintf(name, sizeof(name), "TCB component %u SVN", n);
    } else {
      snprintf(name, sizeof(name), "%s", n == ARC_TCB_PCESVN ? "PCESVN" : "CPUSVN");
    }
    if (seen & (UINT32_C(1) << n)) {
      return vouch_fail(err, VOUCH_E_MALFORMED, PFX "duplicate %s at offset %zu", name, entry_at);
    }
    seen |= UINT32_C(1) << n;

    uint64_t v;
    if (n <= VOUCH_TCB_COMPONENTS) {
      VOUCH_GUARD(read_uint(&entry, VOUCH_DER_INTEGER, 255, name, err, &v));
      out->comp_svn[n - 1] = (uint8_t)v;
    } else if (n == ARC_TCB_PCESVN) {
      VOUCH_GUARD(read_uint(&entry, VOUCH_DER_INTEGER, 65535, name, err, &v));
      out->pcesvn = (uint16_t)v;
    } else {
      VOUCH_GUARD(read_octets(&entry, out->cpusvn, sizeof(out->cpusvn), name, err));
    }
    VOUCH_GUARD(end_entry(&entry, name, err));
  }

  for (unsigned n = 1; n <= ARC_TCB_MAX; n++) {
    if (seen & (UINT32_C(1) << n)) continue;
    if (n <= VOUCH_TCB_COMPONENTS) {
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        PFX "missing TCB component %u SVN in TCB at offset %zu", n, at);
    }
    return vouch_fail(err, VOUCH_E_MALFORMED, PFX "missing %s in TCB at offset %zu",
                      n == ARC_TCB_PCESVN ? "PCESVN" : "CPUSVN", at);
  }
  return VOUCH_OK;
}

/* parse_config reads the value of the .7 entry: SEQUENCE OF { .7.N, BOOLEAN }. */
static vouch_status parse_config(vouch_cur *c, vouch_pck_ext *out, vouch_err *err) {
  size_t at = vouch_cur_offset(c);
  vouch_cur list;
  vouch_status s = vouch_der_expect(c, VOUCH_DER_SEQUENCE, &list);
  if (s != VOUCH_OK) {
    return vouch_fail(err, s, PFX "Configuration: expected SEQUENCE at offset %zu", at);
  }
  while (vouch_cur_remaining(&list) > 0) {
    size_t entry_at = vouch_cur_offset(&list);
    vouch_cur entry, oid;
    uint8_t arcs[2];
    VOUCH_GUARD(read_entry(&list, "Configuration", &entry, &oid, err));
    if (!oid_arcs(&oid, 2, arcs) || arcs[0] != ARC_CONFIGURATION || arcs[1] > ARC_CFG_MAX) continue;

    const char *name = kCfgNames[arcs[1]];
    bool *has, *val;
    switch (arcs[1]) {
      case ARC_CFG_DYNAMIC_PLATFORM:
        has = &out->has_dynamic_platform, val = &out->dynamic_platform;
        break;
      case ARC_CFG_CACHED_KEYS:
        has = &out->has_cached_keys, val = &out->cached_keys;
        break;
      default:
        has = &out->has_smt_enabled, val = &out->smt_enabled;
        break;
    }
    if (*has) {
      return vouch_fail(err, VOUCH_E_MALFORMED, PFX "duplicate %s at offset %zu", name, entry_at);
    }
    VOUCH_GUARD(read_bool(&entry, name, err, val));
    VOUCH_GUARD(end_entry(&entry, name, err));
    *has = true;
  }
  out->has_configuration = true;
  return VOUCH_OK;
}

static vouch_status parse_item(unsigned arc, vouch_cur *entry, vouch_pck_ext *out, vouch_err *err) {
  const char *name = kTopNames[arc];
  uint64_t v;
  switch (arc) {
    case ARC_PPID:
      return read_octets(entry, out->ppid, sizeof(out->ppid), name, err);
    case ARC_TCB:
      return parse_tcb(entry, out, err);
    case ARC_PCEID:
      return read_octets(entry, out->pceid, sizeof(out->pceid), name, err);
    case ARC_FMSPC:
      return read_octets(entry, out->fmspc, sizeof(out->fmspc), name, err);
    case ARC_SGX_TYPE:
      VOUCH_GUARD(read_uint(entry, VOUCH_DER_ENUMERATED, 255, name, err, &v));
      out->sgx_type = (uint8_t)v;
      return VOUCH_OK;
    case ARC_PLATFORM_INSTANCE_ID:
      VOUCH_GUARD(read_octets(entry, out->platform_instance_id, sizeof(out->platform_instance_id),
                              name, err));
      out->has_platform_instance_id = true;
      return VOUCH_OK;
    default:
      return parse_config(entry, out, err);
  }
}

static vouch_status parse(const uint8_t *der, size_t len, vouch_pck_ext *out, vouch_err *err) {
  vouch_cur in = vouch_cur_make(der, len);
  vouch_cur list;
  vouch_status s = vouch_der_expect(&in, VOUCH_DER_SEQUENCE, &list);
  if (s != VOUCH_OK) return vouch_fail(err, s, PFX "expected SEQUENCE at offset 0");
  if (vouch_cur_expect_empty(&in) != VOUCH_OK) {
    return vouch_fail(err, VOUCH_E_TRAILING, PFX "%zu trailing bytes at offset %zu",
                      vouch_cur_remaining(&in), vouch_cur_offset(&in));
  }

  uint32_t seen = 0;
  while (vouch_cur_remaining(&list) > 0) {
    size_t entry_at = vouch_cur_offset(&list);
    vouch_cur entry, oid;
    uint8_t arcs[2];
    VOUCH_GUARD(read_entry(&list, "extension", &entry, &oid, err));
    if (!oid_arcs(&oid, 1, arcs) || arcs[0] > ARC_TOP_MAX) continue; /* unknown: ignored */

    unsigned arc = arcs[0];
    if (seen & (UINT32_C(1) << arc)) {
      return vouch_fail(err, VOUCH_E_MALFORMED, PFX "duplicate %s at offset %zu", kTopNames[arc],
                        entry_at);
    }
    seen |= UINT32_C(1) << arc;
    VOUCH_GUARD(parse_item(arc, &entry, out, err));
    VOUCH_GUARD(end_entry(&entry, kTopNames[arc], err));
  }

  static const unsigned kRequired[] = {ARC_PPID, ARC_TCB, ARC_PCEID, ARC_FMSPC, ARC_SGX_TYPE};
  for (size_t i = 0; i < sizeof(kRequired) / sizeof(kRequired[0]); i++) {
    if (!(seen & (UINT32_C(1) << kRequired[i]))) {
      return vouch_fail(err, VOUCH_E_MALFORMED, PFX "missing %s", kTopNames[kRequired[i]]);
    }
  }
  return VOUCH_OK;
}

vouch_status vouch_pck_ext_parse(const uint8_t *der, size_t len, vouch_pck_ext *out,
                                 vouch_err *err) {
  if (out == NULL) return vouch_fail(err, VOUCH_E_ARG, PFX "invalid argument");
  memset(out, 0, sizeof(*out));
  if (der == NULL && len > 0) return vouch_fail(err, VOUCH_E_ARG, PFX "invalid argument");
  vouch_status s = parse(der, len, out, err);
  if (s != VOUCH_OK) memset(out, 0, sizeof(*out));
  return s;
}
