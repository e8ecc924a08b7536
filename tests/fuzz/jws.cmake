vouch_fuzz_target(jws LIBS vouch_token)
