#!/usr/bin/env bash
# Adds the vectors' VCEKs/VLEK (DER) and the AMD certificate chains (PEM) to
# a fuzz working corpus (at run time only).
set -euo pipefail
V=$1; OUT=$2
for f in "$V"/snp/*/vcek.der "$V"/snp/*/vlek.der "$V"/amd/cert_chain_*.pem "$V"/amd/*_ask.pem; do
  [ -f "$f" ] && cp "$f" "$OUT/vec-$(echo "$f" | md5sum | cut -c1-12)"
done
exit 0
