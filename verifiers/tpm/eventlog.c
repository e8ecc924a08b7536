/* verifiers/tpm/eventlog.c - TCG PC Client event logs (spec/tpm.md §5):
 * the legacy SHA-1 format (TCG_PCR_EVENT) and the crypto-agile one (a
 * "Spec ID Event03" header, then TCG_PCR_EVENT2 entries); replay into PCR
 * banks, and the TDX CCEL variant replayed into RTMR0-3.
 *
 * Logs are large and attacker-controlled: every read goes through the
 * bounded cursor, every count is checked against a limit before it drives a
 * loop, and the iterator allocates nothing.  Event headers are
 * little-endian; digests are raw bytes. */
#include <stdio.h>
#include <string.h>

#include "verifiers/tpm/internal.h"

static const uint8_t kSpecId03[16] = "Spec ID Event03";

const char *tpm_event_type_name(uint32_t type) {
  switch (type) {
    case 0x00000000: return "EV_PREBOOT_CERT";
    case 0x00000001: return "EV_POST_CODE";
    case 0x00000002: return "EV_UNUSED";
    case 0x00000003: return "EV_NO_ACTION";
    case 0x00000004: return "EV_SEPARATOR";
    case 0x00000005: return "EV_ACTION";
    case 0x00000006: return "EV_EVENT_TAG";
    case 0x00000007: return "EV_S_CRTM_CONTENTS";
    case 0x00000008: return "EV_S_CRTM_VERSION";
    case 0x00000009: return "EV_CPU_MICROCODE";
    case 0x0000000A: return "EV_PLATFORM_CONFIG_FLAGS";
    case 0x0000000B: return "EV_TABLE_OF_DEVICES";
    case 0x0000000C: return "EV_COMPACT_HASH";
    case 0x0000000D: return "EV_IPL";
    case 0x0000000E: return "EV_IPL_PARTITION_DATA";
    case 0x0000000F: return "EV_NONHOST_CODE";
    case 0x00000010: return "EV_NONHOST_CONFIG";
    case 0x00000011: return "EV_NONHOST_INFO";
    case 0x00000012: return "EV_OMIT_BOOT_DEVICE_EVENTS";
    case 0x80000001: return "EV_EFI_VARIABLE_DRIVER_CONFIG";
    case 0x80000002: return "EV_EFI_VARIABLE_BOOT";
    case 0x80000003: return "EV_EFI_BOOT_SERVICES_APPLICATION";
    case 0x80000004: return "EV_EFI_BOOT_SERVICES_DRIVER";
    case 0x80000005: return "EV_EFI_RUNTIME_SERVICES_DRIVER";
    case 0x80000006: return "EV_EFI_GPT_EVENT";
    case 0x80000007: return "EV_EFI_ACTION";
    case 0x80000008: return "EV_EFI_PLATFORM_FIRMWARE_BLOB";
    case 0x80000009: return "EV_EFI_HANDOFF_TABLES";
    case 0x8000000A: return "EV_EFI_PLATFORM_FIRMWARE_BLOB2";
    case 0x8000000B: return "EV_EFI_HANDOFF_TABLES2";
    case 0x8000000C: return "EV_EFI_VARIABLE_BOOT2";
    case 0x80000010: return "EV_EFI_HCRTM_EVENT";
    case 0x800000E0: return "EV_EFI_VARIABLE_AUTHORITY";
    case 0x800000E1: return "EV_EFI_SPDM_FIRMWARE_BLOB";
    case 0x800000E2: return "EV_EFI_SPDM_FIRMWARE_CONFIG";
    default: return NULL;
  }
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] != 0) return false;
  }
  return true;
}

/* ---- iterator ------------------------------------------------------------ */

#define LOG_FAIL(err, code, off, fmt, ...)                                                   \
  vouch_fail((err), (code), "tpm: event log at offset %zu: " fmt, (size_t)(off), ##__VA_ARGS__)

static vouch_status parse_spec_id(const uint8_t *data, size_t len, vouch_eventlog_iter *it,
                                  size_t at, vouch_err *err) {
  vouch_cur c = vouch_cur_make(data, len);
  uint32_t platform_class, num_algs;
  uint8_t minor, major, errata, uintn, vendor_len;
  if (vouch_cur_skip(&c, 16) != VOUCH_OK || vouch_cur_u32le(&c, &platform_class) != VOUCH_OK ||
      vouch_cur_u8(&c, &minor) != VOUCH_OK || vouch_cur_u8(&c, &major) != VOUCH_OK ||
      vouch_cur_u8(&c, &errata) != VOUCH_OK || vouch_cur_u8(&c, &uintn) != VOUCH_OK ||
      vouch_cur_u32le(&c, &num_algs) != VOUCH_OK) {
    return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "Spec ID event truncated");
  }
  (void)platform_class;
  (void)minor;
  (void)errata;
  if (major != 2) {
    return LOG_FAIL(err, VOUCH_E_UNSUPPORTED, at, "Spec ID version %u.%u (2.x expected)", major,
                    minor);
  }
  if (uintn != 1 && uintn != 2) {
    return LOG_FAIL(err, VOUCH_E_MALFORMED, at, "Spec ID uintnSize %u", uintn);
  }
  if (num_algs == 0 || num_algs > VOUCH_TPM_MAX_LOG_ALGS) {
    return LOG_FAIL(err, num_algs == 0 ? VOUCH_E_MALFORMED : VOUCH_E_LIMIT, at,
                    "Spec ID lists %u algorithms (1 to %d)", num_algs, VOUCH_TPM_MAX_LOG_ALGS);
  }
  for (uint32_t i = 0; i < num_algs; i++) {
    uint16_t alg, size;
    if (vouch_cur_u16le(&c, &alg) != VOUCH_OK || vouch_cur_u16le(&c, &size) != VOUCH_OK) {
      return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "Spec ID algorithm table truncated");
    }
    size_t known = vouch_tpm_hash_len(alg);
    if (size == 0 || size > VOUCH_TPM_MAX_DIGEST || (known != 0 && known != size)) {
      return LOG_FAIL(err, VOUCH_E_MALFORMED, at, "Spec ID gives algorithm 0x%04x size %u", alg,
                      size);
    }
    for (uint32_t j = 0; j < i; j++) {
      if (it->algs[j].alg == alg) {
        return LOG_FAIL(err, VOUCH_E_MALFORMED, at, "Spec ID lists algorithm 0x%04x twice", alg);
      }
    }
    it->algs[i].alg = alg;
    it->algs[i].size = size;
  }
  it->num_algs = num_algs;
  if (vouch_cur_u8(&c, &vendor_len) != VOUCH_OK || vouch_cur_skip(&c, vendor_len) != VOUCH_OK) {
    return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "Spec ID vendor info truncated");
  }
  if (vouch_cur_remaining(&c) != 0) {
    return LOG_FAIL(err, VOUCH_E_TRAILING, at, "%zu bytes after the Spec ID event",
                    vouch_cur_remaining(&c));
  }
  return VOUCH_OK;
}

/* read_legacy reads one TCG_PCR_EVENT. */
static vouch_status read_legacy(vouch_cur *c, vouch_eventlog_event *ev, vouch_err *err) {
  size_t at = vouch_cur_offset(c);
  uint32_t size;
  const uint8_t *digest;
  if (vouch_cur_u32le(c, &ev->pcr) != VOUCH_OK || vouch_cur_u32le(c, &ev->type) != VOUCH_OK ||
      vouch_cur_bytes(c, 20, &digest) != VOUCH_OK || vouch_cur_u32le(c, &size) != VOUCH_OK) {
    return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "event header truncated");
  }
  if (vouch_cur_bytes(c, size, &ev->data) != VOUCH_OK) {
    return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "event data of %u bytes runs past the log", size);
  }
  ev->data_len = size;
  ev->num_digests = 1;
  ev->digests[0].alg = VOUCH_TPM_ALG_SHA1;
  ev->digests[0].digest = digest;
  ev->digests[0].len = 20;
  ev->offset = at;
  return VOUCH_OK;
}

vouch_status vouch_eventlog_iter_init(vouch_eventlog_iter *it, const uint8_t *log, size_t len,
                                      vouch_err *err) {
  VOUCH_ENSURE(it != NULL && (log != NULL || len == 0), VOUCH_E_ARG);
  memset(it, 0, sizeof(*it));
  if (len > VOUCH_TPM_MAX_EVENT_LOG) {
    return vouch_fail(err, VOUCH_E_LIMIT, "tpm: event log of %zu bytes (at most %u)", len,
                      VOUCH_TPM_MAX_EVENT_LOG);
  }
  if (len == 0) return vouch_fail(err, VOUCH_E_TRUNCATED, "tpm: empty event log");
  it->cur = vouch_cur_make(log, len);
  /* Where the trailing zero padding starts (found once: rescanning the
   * rest at each entry would be quadratic on crafted logs). */
  vouch_cur whole = it->cur;
  const uint8_t *all = NULL;
  VOUCH_GUARD(vouch_cur_bytes(&whole, len, &all));
  it->zero_tail = len;
  while (it->zero_tail > 0 && all[it->zero_tail - 1] == 0) it->zero_tail--;
  it->num_algs = 1;
  it->algs[0].alg = VOUCH_TPM_ALG_SHA1;
  it->algs[0].size = 20;
  /* Peek at the first entry: a Spec ID Event03 header means crypto-agile. */
  vouch_cur peek = it->cur;
  vouch_eventlog_event first;
  memset(&first, 0, sizeof(first));
  VOUCH_GUARD(read_legacy(&peek, &first, err));
  if (first.pcr == 0 && first.type == TPM_EV_NO_ACTION && all_zero(first.digests[0].digest, 20) &&
      first.data_len >= 16 && memcmp(first.data, kSpecId03, 16) == 0) {
    VOUCH_GUARD(parse_spec_id(first.data, first.data_len, it, 0, err));
    it->crypto_agile = true;
    it->header = first;
    it->header.seq = 0;
    it->header_pending = true;
    it->cur = peek;
    it->next_seq = 1;
  }
  return VOUCH_OK;
}

static const vouch_eventlog_alg *find_alg(const vouch_eventlog_iter *it, uint16_t alg) {
  for (size_t i = 0; i < it->num_algs; i++) {
    if (it->algs[i].alg == alg) return &it->algs[i];
  }
  return NULL;
}

vouch_status vouch_eventlog_iter_next(vouch_eventlog_iter *it, vouch_eventlog_event *out,
                                      bool *out_has, vouch_err *err) {
  VOUCH_ENSURE(it != NULL && out != NULL && out_has != NULL, VOUCH_E_ARG);
  *out_has = false;
  if (it->header_pending) {
    it->header_pending = false;
    *out = it->header;
    *out_has = true;
    return VOUCH_OK;
  }
  vouch_cur *c = &it->cur;
  size_t left = vouch_cur_remaining(c);
  if (left == 0) return VOUCH_OK;
  /* Trailing zero padding ends the log (seen in firmware-provided logs). */
  if (vouch_cur_offset(c) >= it->zero_tail) {
    return vouch_cur_skip(c, left);
  }
  if (it->next_seq >= VOUCH_TPM_MAX_EVENTS) {
    return vouch_fail(err, VOUCH_E_LIMIT, "tpm: event log has more than %d entries",
                      VOUCH_TPM_MAX_EVENTS);
  }
  memset(out, 0, sizeof(*out));
  out->seq = it->next_seq;
  if (!it->crypto_agile) {
    VOUCH_GUARD(read_legacy(c, out, err));
    it->next_seq++;
    *out_has = true;
    return VOUCH_OK;
  }
  size_t at = vouch_cur_offset(c);
  uint32_t count, size;
  if (vouch_cur_u32le(c, &out->pcr) != VOUCH_OK || vouch_cur_u32le(c, &out->type) != VOUCH_OK ||
      vouch_cur_u32le(c, &count) != VOUCH_OK) {
    return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "event %u header truncated", out->seq);
  }
  if (count > it->num_algs) {
    return LOG_FAIL(err, VOUCH_E_MALFORMED, at, "event %u has %u digests (the Spec ID lists %zu)",
                    out->seq, count, it->num_algs);
  }
  for (uint32_t i = 0; i < count; i++) {
    uint16_t alg;
    if (vouch_cur_u16le(c, &alg) != VOUCH_OK) {
      return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "event %u digests truncated", out->seq);
    }
    const vouch_eventlog_alg *a = find_alg(it, alg);
    if (a == NULL) {
      return LOG_FAIL(err, VOUCH_E_MALFORMED, at,
                      "event %u has a digest of algorithm 0x%04x, not in the Spec ID", out->seq,
                      alg);
    }
    for (uint32_t j = 0; j < i; j++) {
      if (out->digests[j].alg == alg) {
        return LOG_FAIL(err, VOUCH_E_MALFORMED, at, "event %u has two 0x%04x digests",
                        out->seq, alg);
      }
    }
    out->digests[i].alg = alg;
    out->digests[i].len = a->size;
    if (vouch_cur_bytes(c, a->size, &out->digests[i].digest) != VOUCH_OK) {
      return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "event %u digests truncated", out->seq);
    }
  }
  out->num_digests = count;
  if (out->type != TPM_EV_NO_ACTION && count != it->num_algs) {
    return LOG_FAIL(err, VOUCH_E_MALFORMED, at,
                    "event %u (PCR %u) has %u of the %zu banks' digests", out->seq, out->pcr,
                    count, it->num_algs);
  }
  if (vouch_cur_u32le(c, &size) != VOUCH_OK || vouch_cur_bytes(c, size, &out->data) != VOUCH_OK) {
    return LOG_FAIL(err, VOUCH_E_TRUNCATED, at, "event %u data runs past the log", out->seq);
  }
  out->data_len = size;
  out->offset = at;
  it->next_seq++;
  *out_has = true;
  return VOUCH_OK;
}

/* ---- replay --------------------------------------------------------------- */

static vouch_status extend(uint16_t alg, uint8_t *pcr, const uint8_t *digest, size_t len) {
  vouch_hash h;
  VOUCH_ENSURE(tpm_hash(alg, &h), VOUCH_E_UNSUPPORTED);
  uint8_t buf[2 * VOUCH_TPM_MAX_DIGEST];
  memcpy(buf, pcr, len);
  memcpy(buf + len, digest, len);
  size_t n = 0;
  return vouch_digest(h, buf, 2 * len, pcr, &n);
}

static bool is_startup_locality(const vouch_eventlog_event *ev) {
  static const uint8_t kSig[16] = "StartupLocality";
  return ev->pcr == 0 && ev->data_len == 17 && memcmp(ev->data, kSig, 16) == 0;
}

vouch_status vouch_eventlog_replay_log(const uint8_t *log, size_t len, vouch_eventlog_replay *out,
                                       vouch_err *err) {
  VOUCH_ENSURE(out != NULL, VOUCH_E_ARG);
  memset(out, 0, sizeof(*out));
  vouch_eventlog_iter it;
  VOUCH_GUARD(vouch_eventlog_iter_init(&it, log, len, err));
  out->crypto_agile = it.crypto_agile;
  out->num_algs = it.num_algs;
  memcpy(out->algs, it.algs, sizeof(out->algs));
  for (size_t i = 0; i < it.num_algs; i++) {
    vouch_tpm_pcr_bank *b = vouch_tpm_pcrs_bank(&out->pcrs, it.algs[i].alg, true);
    if (b == NULL) continue; /* a hash vouch cannot compute: that bank is not replayed */
    for (uint32_t p = 0; p < VOUCH_TPM_NUM_PCRS; p++) {
      tpm_pcr_initial(p, it.algs[i].size, b->value[p]);
    }
    b->present = (1u << VOUCH_TPM_NUM_PCRS) - 1;
  }
  bool pcr0_extended = false;
  for (;;) {
    vouch_eventlog_event ev;
    bool has = false;
    VOUCH_GUARD(vouch_eventlog_iter_next(&it, &ev, &has, err));
    if (!has) break;
    out->num_events++;
    if (ev.type == TPM_EV_NO_ACTION) {
      if (is_startup_locality(&ev)) {
        if (pcr0_extended) {
          return LOG_FAIL(err, VOUCH_E_MALFORMED, ev.offset,
                          "StartupLocality event after PCR 0 was extended");
        }
        out->startup_locality = ev.data[16];
        for (int b = 0; b < VOUCH_TPM_MAX_BANKS; b++) {
          vouch_tpm_pcr_bank *bank = &out->pcrs.bank[b];
          if (bank->hash_alg == 0) continue;
          size_t n = vouch_tpm_hash_len(bank->hash_alg);
          memset(bank->value[0], 0, n);
          bank->value[0][n - 1] = ev.data[16];
        }
      }
      continue;
    }
    if (ev.pcr >= VOUCH_TPM_NUM_PCRS) continue; /* not a PCR (e.g. Windows trust points) */
    if (ev.pcr == 0) pcr0_extended = true;
    for (size_t d = 0; d < ev.num_digests; d++) {
      int idx = tpm_bank_index(ev.digests[d].alg);
      if (idx < 0 || out->pcrs.bank[idx].hash_alg != ev.digests[d].alg) continue;
      VOUCH_GUARD(extend(ev.digests[d].alg, out->pcrs.bank[idx].value[ev.pcr],
                         ev.digests[d].digest, ev.digests[d].len));
      out->touched[idx] |= 1u << ev.pcr;
    }
  }
  return VOUCH_OK;
}

vouch_status vouch_eventlog_replay_rtmrs(const uint8_t *log, size_t len, uint8_t out_rtmr[4][48],
                                         vouch_err *err) {
  VOUCH_ENSURE(out_rtmr != NULL, VOUCH_E_ARG);
  memset(out_rtmr, 0, 4 * 48);
  vouch_eventlog_iter it;
  VOUCH_GUARD(vouch_eventlog_iter_init(&it, log, len, err));
  if (!it.crypto_agile || find_alg(&it, VOUCH_TPM_ALG_SHA384) == NULL) {
    return vouch_fail(err, VOUCH_E_MALFORMED,
                      "tdx: CCEL event log is not crypto-agile with a SHA-384 bank");
  }
  for (;;) {
    vouch_eventlog_event ev;
    bool has = false;
    VOUCH_GUARD(vouch_eventlog_iter_next(&it, &ev, &has, err));
    if (!has) break;
    if (ev.type == TPM_EV_NO_ACTION) continue;
    if (ev.pcr < 1 || ev.pcr > 4) {
      return vouch_fail(err, VOUCH_E_MALFORMED,
                        "tdx: CCEL event %u at offset %zu has MR index %u (1-4 = RTMR0-3)", ev.seq,
                        ev.offset, ev.pcr);
    }
    for (size_t d = 0; d < ev.num_digests; d++) {
      if (ev.digests[d].alg != VOUCH_TPM_ALG_SHA384) continue;
      VOUCH_GUARD(extend(VOUCH_TPM_ALG_SHA384, out_rtmr[ev.pcr - 1], ev.digests[d].digest, 48));
    }
  }
  return VOUCH_OK;
}

vouch_status vouch_eventlog_check_rtmrs(const uint8_t *log, size_t len, const uint8_t rtmr[4][48],
                                        vouch_err *err) {
  uint8_t got[4][48];
  VOUCH_GUARD(vouch_eventlog_replay_rtmrs(log, len, got, err));
  for (int i = 0; i < 4; i++) {
    if (memcmp(got[i], rtmr[i], 48) != 0) {
      char a[97], b[97];
      vouch_hex_encode(got[i], 48, a);
      vouch_hex_encode(rtmr[i], 48, b);
      return vouch_fail(err, VOUCH_E_BINDING,
                        "tdx: event log replay of RTMR %d gives %s but the quote has %s", i, a, b);
    }
  }
  return VOUCH_OK;
}
