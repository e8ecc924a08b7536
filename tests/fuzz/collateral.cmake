vouch_fuzz_target(collateral LIBS vouch_dcap)
