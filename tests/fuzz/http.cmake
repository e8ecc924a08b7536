vouch_fuzz_target(http LIBS vouch_server)
