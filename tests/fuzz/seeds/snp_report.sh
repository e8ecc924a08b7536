#!/usr/bin/env bash
# Adds the vectors' real SEV-SNP reports (plain, tampered, and the Azure HCL
# report) to a fuzz working corpus (at run time only).
set -euo pipefail
V=$1; OUT=$2
for f in "$V"/snp/*/report.bin "$V"/snp/*/neg-tampered-measurement.bin "$V"/snp/*/hcl-report.bin; do
  [ -f "$f" ] && cp "$f" "$OUT/vec-$(echo "$f" | md5sum | cut -c1-12)"
done
exit 0
