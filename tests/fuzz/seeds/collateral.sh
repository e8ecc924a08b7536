#!/usr/bin/env bash
# Adds the vectors' collateral bundles to a fuzz working corpus (run time only).
set -euo pipefail
V=$1; OUT=$2
for f in "$V"/sgx/*/collateral.json "$V"/tdx/*/collateral.json; do
  [ -f "$f" ] && cp "$f" "$OUT/vec-$(echo "$f" | md5sum | cut -c1-12)"
done
