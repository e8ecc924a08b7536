vouch_fuzz_target(envelope LIBS vouch_engine)
