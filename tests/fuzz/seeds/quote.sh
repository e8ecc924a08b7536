#!/usr/bin/env bash
# Adds the vectors' real quotes to a fuzz working corpus (at run time only).
set -euo pipefail
V=$1; OUT=$2
for f in "$V"/sgx/*/quote.dat "$V"/sgx/*/negative/*.dat "$V"/tdx/*/quote.dat; do
  [ -f "$f" ] && cp "$f" "$OUT/vec-$(echo "$f" | md5sum | cut -c1-12)"
done
