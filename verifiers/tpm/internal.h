/* verifiers/tpm/internal.h - shared inside verifiers/tpm only. */
#ifndef VOUCH_TPM_INTERNAL_H
#define VOUCH_TPM_INTERNAL_H

#include "crypto/crypto.h"
#include "verifiers/tpm/tpm.h"

/* tpm_hash maps a TPM hash algorithm to vouch_hash (false if unknown). */
bool tpm_hash(uint16_t alg, vouch_hash *out);
/* tpm_hash_upper: "SHA1", "SHA256", ... (Azure's spelling in "pcrs"). */
const char *tpm_hash_upper(uint16_t alg);
/* tpm_bank_index: slot 0..3 for sha1/256/384/512, -1 otherwise. */
int tpm_bank_index(uint16_t alg);

/* tpm_pcr_initial writes the value PCR |pcr| has after reset (0..0, or
 * ff..ff for 17-22) in a bank of |len| bytes. */
void tpm_pcr_initial(uint32_t pcr, size_t len, uint8_t *out);

/* tpm_event_type_name: "EV_SEPARATOR", ... or NULL for an unknown type. */
const char *tpm_event_type_name(uint32_t type);

enum {
  TPM_EV_NO_ACTION = 0x3,
  TPM_EV_SEPARATOR = 0x4,
  TPM_EV_EVENT_TAG = 0x6,
  TPM_EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001,
  TPM_EV_EFI_VARIABLE_BOOT = 0x80000002,
  TPM_EV_EFI_VARIABLE_BOOT2 = 0x8000000C,
  TPM_EV_EFI_VARIABLE_AUTHORITY = 0x800000E0,
};

#endif /* VOUCH_TPM_INTERNAL_H */
