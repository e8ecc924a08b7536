#!/usr/bin/env bash
# The main job on an embedded default: install what is missing, build
# Release, then verify evidence in bulk and print the summary.
#
# The evidence is a small synthetic fleet made by `vouch gen sgx` (a test
# PKI shaped like Intel's; only the trust anchor differs): 20 platforms,
# 2,000 quotes, several TCB statuses and a few failure cases, with its
# collateral directory and the verdict each quote must get.  It needs no
# network and no shared files, and its collateral is valid at the wall
# clock, so no --at is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target vouch

OUT=${DEMO_OUT:-$PWD/out/demo}
MIX=UpToDate=10,SWHardeningNeeded=2,ConfigurationNeeded=1,ConfigurationAndSWHardeningNeeded=1
MIX=$MIX,OutOfDate=2,revoked=1,debug=1,expired-collateral=1,bad-signature=1

echo "demo: generating 2000 quotes from 20 platforms into $OUT"
build/vouch gen sgx --platforms 20 --quotes 2000 --seed 1 --mix "$MIX" --out "$OUT"

echo
echo "demo: verifying them -> $OUT/results.ndjson"
set +e
build/vouch verify --trust-anchor "$OUT/trust-anchor.pem" --collateral "$OUT/collateral" \
  -o "$OUT/results.ndjson" "$OUT/evidence.ndjson"
rc=$?
set -e

# id, status, TCB status, advisory IDs and error code of a result or an
# expected line, so the two files can be compared without jq.
project() {
  sed -E 's/^\{"id":"([^"]*)","status":"([a-z]+)","tcb_status":("[^"]*"|null),"advisory_ids":\[([^]]*)\].*"error(_code)?":(null|"[A-Z_]+"|\{"code":"[A-Z_]+").*/\1 \2 \3 [\4] \6/; s/\{"code"://' "$1" | sort
}

echo
echo "demo: one result per kind of verdict (id, status, TCB status, advisory IDs, error):"
project "$OUT/results.ndjson" | awk '!seen[$2 $3 $4 $5]++ { print "  " $0 }'

echo
if diff <(project "$OUT/expected.ndjson") <(project "$OUT/results.ndjson") >/dev/null; then
  echo "demo: all $(wc -l < "$OUT/results.ndjson") results are the verdicts the generator expected ($OUT/expected.ndjson)"
else
  echo "demo: results differ from $OUT/expected.ndjson:" >&2
  diff <(project "$OUT/expected.ndjson") <(project "$OUT/results.ndjson") | head -20 >&2
  exit 1
fi
echo "demo: vouch verify exited $rc (0 all good, 1 contraindicated, 2 error; this mix has all three)"
