vouch_fuzz_target(policy LIBS vouch_policy)
