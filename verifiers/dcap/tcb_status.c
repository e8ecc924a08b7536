/* verifiers/dcap/tcb_status.c - TCB status names (Intel's spellings). */
#include <string.h>

#include "verifiers/dcap/dcap.h"

/* Indexed by vouch_tcb_status.  |level| marks the statuses that may appear
 * in a TCB Info / identity level; the others are only combined results. */
static const struct {
  const char *name;
  bool level;
} kStatuses[VOUCH_TCB_STATUS_COUNT] = {
    [VOUCH_TCB_UP_TO_DATE] = {"UpToDate", true},
    [VOUCH_TCB_SW_HARDENING_NEEDED] = {"SWHardeningNeeded", true},
    [VOUCH_TCB_CONFIGURATION_NEEDED] = {"ConfigurationNeeded", true},
    [VOUCH_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = {"ConfigurationAndSWHardeningNeeded", true},
    [VOUCH_TCB_OUT_OF_DATE] = {"OutOfDate", true},
    [VOUCH_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = {"OutOfDateConfigurationNeeded", true},
    [VOUCH_TCB_REVOKED] = {"Revoked", true},
    [VOUCH_TCB_NOT_SUPPORTED] = {"TcbNotSupported", false},
    [VOUCH_TCB_TD_RELAUNCH_ADVISED] = {"TDRelaunchAdvised", false},
    [VOUCH_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED] = {"TDRelaunchAdvisedConfigurationNeeded",
                                                            false},
};

const char *vouch_tcb_status_name(vouch_tcb_status s) {
  if ((unsigned)s >= VOUCH_TCB_STATUS_COUNT) return "Unknown";
  return kStatuses[s].name;
}

vouch_status vouch_tcb_status_parse(const char *s, size_t len, vouch_tcb_status *out) {
  VOUCH_ENSURE_REF(out);
  VOUCH_ENSURE(s != NULL || len == 0, VOUCH_E_ARG);
  for (size_t i = 0; i < VOUCH_TCB_STATUS_COUNT; i++) {
    if (!kStatuses[i].level) continue;
    size_t n = strlen(kStatuses[i].name);
    if (n == len && memcmp(kStatuses[i].name, s, n) == 0) {
      *out = (vouch_tcb_status)i;
      return VOUCH_OK;
    }
  }
  return VOUCH_E_MALFORMED;
}
