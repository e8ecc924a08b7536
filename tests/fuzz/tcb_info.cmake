vouch_fuzz_target(tcb_info LIBS vouch_dcap)
