vouch_fuzz_target(jmespath LIBS vouch_policy PkgConfig::JANSSON)
