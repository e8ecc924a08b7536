vouch_fuzz_target(pck_ext LIBS vouch_dcap)
