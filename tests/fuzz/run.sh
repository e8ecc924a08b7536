#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD/fuzz for SECONDS each, on a
# working copy of its seed corpus (tests/fuzz/corpus/<name>/) plus, where
# tests/fuzz/seeds/<name>.sh exists, seeds it extracts from the shared
# vectors at run time (vector files are never copied into the repository).
# Usage: tests/fuzz/run.sh BUILD SECONDS [VECTORS]
set -euo pipefail
BUILD=$1
SECONDS_EACH=$2
VECTORS=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$BUILD/fuzz-work
shopt -s nullglob
targets=("$BUILD"/fuzz/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets in $BUILD/fuzz" >&2
  exit 1
fi
failed=0
for bin in "${targets[@]}"; do
  name=$(basename "$bin"); name=${name#fuzz_}
  corpus=$WORK/$name
  rm -rf "$corpus"; mkdir -p "$corpus"
  if [ -d "$HERE/corpus/$name" ]; then cp -r "$HERE/corpus/$name/." "$corpus/"; fi
  if [ -x "$HERE/seeds/$name.sh" ] && [ -n "$VECTORS" ] && [ -d "$VECTORS" ]; then
    "$HERE/seeds/$name.sh" "$VECTORS" "$corpus" || true
  fi
  dict=()
  if [ -f "$HERE/$name.dict" ]; then dict=(-dict="$HERE/$name.dict"); fi
  echo "fuzz: $name for ${SECONDS_EACH}s ($(ls "$corpus" | wc -l) seeds)"
  if ! "$bin" "${dict[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$WORK/$name-" "$corpus" > "$WORK/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; last lines of $WORK/$name.log:" >&2
    tail -40 "$WORK/$name.log" >&2
    failed=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$WORK/$name.log" | tr '\n' ' '
    echo
  fi
done
exit $failed
