#!/usr/bin/env bash
# Adds the vectors' TPM quotes, signatures and public keys to a fuzz working
# corpus (at run time only), each prefixed with the selector byte
# tpm_attest.c reads: 0 quote, 1 signature, 3 public key.
set -euo pipefail
V=$1; OUT=$2
add() { # selector file
  [ -f "$2" ] || return 0
  { printf "\\x$1"; cat "$2"; } >"$OUT/vec-$1-$(echo "$2" | md5sum | cut -c1-12)"
}
for f in "$V"/tpm/*.msg "$V"/snp/genoa-azure/vtpm-quote.msg; do add 00 "$f"; done
for f in "$V"/tpm/*.sig "$V"/snp/genoa-azure/vtpm-quote.sig.raw; do add 01 "$f"; done
for f in "$V"/tpm/*.tpm2b; do add 03 "$f"; done
