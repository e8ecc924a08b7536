#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. install missing Debian packages
#   2. Release build, warnings as errors, every test
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build, every test
#   4. ThreadSanitizer build, the engine and server tests (label "tsan")
#   5. each libFuzzer target on its seed corpus for FUZZ_SECONDS (default:
#      20, or less so that all targets together take about 5 minutes)
# Tests read the shared vectors from ../shared/vectors (override with
# VOUCH_VECTORS_DIR); they say so clearly when the folder is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-}
VECTORS=${VOUCH_VECTORS_DIR:-$ROOT/../shared/vectors}

scripts/install-deps.sh

step() { printf '\n=== %s ===\n' "$*"; }

configure_build() { # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -DVOUCH_WERROR=ON -DVOUCH_TESTS=ON -DVOUCH_VECTORS_DIR="$VECTORS" "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

step "Release build + tests"
configure_build build -DCMAKE_BUILD_TYPE=Release
ctest --test-dir build --output-on-failure -j "$JOBS"

step "ASan + UBSan build + tests"
configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DVOUCH_ASAN=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$JOBS"

step "TSan build + engine/server tests"
configure_build build-tsan -DCMAKE_BUILD_TYPE=Debug -DVOUCH_TSAN=ON
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j "$JOBS" -L tsan

step "libFuzzer targets (about 5 minutes in all)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DVOUCH_FUZZ=ON \
  -DVOUCH_TESTS=ON -DVOUCH_WERROR=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DVOUCH_VECTORS_DIR="$VECTORS" >/dev/null
cmake --build build-fuzz -j "$JOBS" --target fuzz_all
if [ -z "$FUZZ_SECONDS" ]; then
  targets=$(find build-fuzz/fuzz -maxdepth 1 -name 'fuzz_*' -type f | wc -l)
  FUZZ_SECONDS=$(( targets > 15 ? 300 / targets : 20 ))
fi
echo "fuzz: ${FUZZ_SECONDS} s per target"
tests/fuzz/run.sh build-fuzz "$FUZZ_SECONDS" "$VECTORS"

echo
echo "all test stages passed"
