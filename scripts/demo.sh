#!/usr/bin/env bash
# The main job on an embedded default: install what is missing, build
# Release, then verify evidence in bulk and print the summary.
#
# Until `vouch gen` lands, the default evidence is the real SGX quotes in
# ../shared/vectors (each verified as of the instant its collateral is
# valid, from envelopes built with `vouch envelope`).
set -euo pipefail
cd "$(dirname "$0")/.."
VECTORS=${VOUCH_VECTORS_DIR:-$PWD/../shared/vectors}

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target vouch

OUT=${DEMO_OUT:-$PWD/out/demo}
mkdir -p "$OUT"
if [ ! -d "$VECTORS/sgx" ]; then
  echo "demo: no vectors at $VECTORS (set VOUCH_VECTORS_DIR)" >&2
  exit 1
fi
P=$VECTORS/sgx/phala-dcap-qvl-sgx-v3
S=$VECTORS/sgx/intel-qvl-synthetic-sgx
{
  build/vouch envelope --id phala-sgx-v3 --evidence "$P/quote.dat" --collateral "$P/collateral.json" --at 1752919277
  build/vouch envelope --id phala-sgx-v3-day-after --evidence "$P/quote.dat" --collateral "$P/collateral.json" --at 1753006477
  build/vouch envelope --id tampered-report-data --evidence "$P/negative/quote_isv_reportdata_bitflip.dat" --collateral "$P/collateral.json" --at 1752919277
  build/vouch envelope --id intel-sample-real-root --evidence "$S/quote.dat" --collateral "$S/collateral.json" --at 1577836800
} > "$OUT/evidence.ndjson"
echo "demo: verifying $(wc -l < "$OUT/evidence.ndjson") envelopes -> $OUT/results.ndjson"
set +e
build/vouch verify --output "$OUT/results.ndjson" "$OUT/evidence.ndjson"
rc=$?
set -e
# Show id, status, TCB status and error of each result.
sed -E 's/^\{"id":("[^"]*"|null),"status":"([a-z]+)","tcb_status":("[^"]*"|null).*"error":(null|\{"code":"[A-Z_]+","message":"[^"]*"\}).*/  \1  \2  \3  \4/' "$OUT/results.ndjson"
echo "demo: vouch verify exited $rc (0 all good, 1 contraindicated, 2 error; this mix has all three)"
