vouch_fuzz_target(spki LIBS vouch_crypto PkgConfig::LIBCRYPTO)
