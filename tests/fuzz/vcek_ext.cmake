vouch_fuzz_target(vcek_ext LIBS vouch_snp)
