#!/usr/bin/env bash
# Adds the vectors' real TCG event logs to a fuzz working corpus (at run
# time only).
set -euo pipefail
V=$1; OUT=$2
for f in "$V"/tpm/eventlogs/*; do
  case "$f" in *.json|*.md) continue ;; esac
  [ -f "$f" ] && cp "$f" "$OUT/vec-$(echo "$f" | md5sum | cut -c1-12)"
done
