vouch_fuzz_target(eventlog LIBS vouch_tpm PkgConfig::JANSSON)
