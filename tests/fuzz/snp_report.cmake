vouch_fuzz_target(snp_report LIBS vouch_snp)
