#!/usr/bin/env bash
# End-to-end benchmark of `vouch verify` against this machine's own limit.
#
# In one run:
#   1. the limit: OpenSSL's ECDSA P-256 verify rate on one core, through the
#      same EVP path vouch uses (bench/micro.cc BM_P256VerifyKeyReady);
#   2. a corpus from `vouch gen sgx` (PLATFORMS platforms, QUOTES quotes);
#   3. `vouch verify` over it with 1 worker, with all cores, and with
#      --no-cache (all cores);
#   4. for each: quotes/s, peak RSS, and the ratio to the bound
#        bound = workers x P-256 rate / (1 + platforms/quotes)
#      (per quote one unshareable check, the quote signature, plus one per
#      platform for its QE report: everything else is collateral, verified
#      once per distinct blob).
#   With BIG=1 it also runs 10x the corpus to show memory stays flat.
#
# Usage: bench/e2e.sh [PLATFORMS] [QUOTES]   (defaults 1000 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
PLATFORMS=${1:-1000}
QUOTES=${2:-200000}
CORES=$(nproc)
WORK=${WORK:-$PWD/out/bench}
mkdir -p "$WORK"

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DVOUCH_BENCH=ON -DVOUCH_TESTS=OFF >/dev/null
cmake --build build-bench -j "$CORES" --target vouch vouch_bench >/dev/null

echo "== limit: OpenSSL ECDSA P-256 verify, one core (EVP, key ready)"
build-bench/vouch_bench --benchmark_filter='BM_P256VerifyKeyReady' \
  --benchmark_min_time=1 --benchmark_format=csv > "$WORK/micro.csv" 2>/dev/null
# CSV columns: name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,...
# items_per_second over CPU time (Google Benchmark's default for rates).
P256=$(awk -F, '/BM_P256VerifyKeyReady/ {print $7}' "$WORK/micro.csv")
printf '   %.0f verifies/s per core\n' "$P256"

run_corpus() { # platforms quotes label
  local p=$1 q=$2 dir="$WORK/corpus-$1-$2"
  if [ ! -f "$dir/evidence.ndjson" ]; then
    echo "== generating $q quotes from $p platforms"
    /usr/bin/time -f '   gen: %e s, peak RSS %M KiB' \
      build-bench/vouch gen sgx --platforms "$p" --quotes "$q" --seed 1 --out "$dir" --quiet
  fi
  local bound1 boundN
  bound1=$(awk -v r="$P256" -v p="$p" -v q="$q" 'BEGIN{printf "%.0f", r/(1+p/q)}')
  boundN=$(awk -v r="$P256" -v p="$p" -v q="$q" -v c="$CORES" 'BEGIN{printf "%.0f", c*r/(1+p/q)}')
  # --no-cache re-verifies every collateral item per quote (~100x slower):
  # it runs on the first NOCACHE_LINES quotes only.
  head -n "${NOCACHE_LINES:-5000}" "$dir/evidence.ndjson" > "$WORK/nocache.ndjson"
  for mode in "1" "$CORES" "nocache"; do
    local args=(--jobs "$mode") bound=$boundN input="$dir/evidence.ndjson"
    [ "$mode" = 1 ] && bound=$bound1
    if [ "$mode" = nocache ]; then
      args=(--jobs "$CORES" --no-cache)
      input="$WORK/nocache.ndjson"
    fi
    /usr/bin/time -f '%M %U %S' -o "$WORK/rss" build-bench/vouch verify "${args[@]}" \
      --trust-anchor "$dir/trust-anchor.pem" --collateral "$dir/collateral" \
      --no-progress -o /dev/null "$input" 2> "$WORK/summary" || true
    local rate items
    rate=$(sed -n 's/.*(\([0-9]*\) items\/s).*/\1/p' "$WORK/summary" | head -1)
    items=$(sed -n 's/^vouch: \([0-9]*\) items in.*/\1/p' "$WORK/summary" | head -1)
    read -r rss user sys < "$WORK/rss"
    # CPU ratio: quotes per CPU-second over P-256 verifies per CPU-second,
    # insensitive to time stolen by other tenants of the machine.
    printf '   %-8s workers=%-3s %8s quotes/s  bound %8s  ratio %.2f  cpu-ratio %.2f  peak RSS %6.1f MiB  (%s items)\n' \
      "$3" "${mode/nocache/$CORES nc}" "$rate" "$bound" \
      "$(awk -v a="$rate" -v b="$bound" 'BEGIN{print a/b}')" \
      "$(awk -v n="$items" -v u="$user" -v s="$sys" -v r="$P256" -v p="$p" -v q="$q" \
          'BEGIN{print (n/(u+s)) / (r/(1+p/q))}')" \
      "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$items"
  done
}

echo "== vouch verify ($CORES cores; ratio = quotes/s / bound)"
run_corpus "$PLATFORMS" "$QUOTES" "corpus"
if [ "${BIG:-0}" = 1 ]; then
  run_corpus "$PLATFORMS" $((QUOTES * 10)) "10x"
fi
