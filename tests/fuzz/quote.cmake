vouch_fuzz_target(quote LIBS vouch_dcap)
