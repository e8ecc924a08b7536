#!/usr/bin/env bash
# Adds the vectors' root certificates and AMD chains to a fuzz corpus (run time only).
set -euo pipefail
V=$1; OUT=$2
for f in "$V"/intel/*.pem "$V"/amd/*.pem "$V"/sgx/*/test_root_ca.pem; do
  [ -f "$f" ] && cp "$f" "$OUT/vec-$(echo "$f" | md5sum | cut -c1-12)"
done
