vouch_fuzz_target(tpm_attest LIBS vouch_tpm)
