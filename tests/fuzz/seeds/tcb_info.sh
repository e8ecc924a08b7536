#!/usr/bin/env bash
# Adds the vectors' TCB Info and QE identity texts to a fuzz working corpus
# (at run time only), through ../seed_from_vectors.sh.
set -euo pipefail
V=$1; OUT=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$(dirname "$0")/../seed_from_vectors.sh" "$tmp" "$V" >/dev/null
cp "$tmp"/tcb_info/* "$OUT"/
