vouch_fuzz_target(pem LIBS vouch_crypto)
