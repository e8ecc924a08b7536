#!/usr/bin/env bash
# vouch loadgen --tokens: tokens written with --out are accepted by
# `vouch token verify` with the same state directory (signature, kid, exp),
# carry fresh jtis and now-based iat/nbf/exp and the SGX claims; tokens sent
# to a relying party (the stub) arrive as POST {"token": "..."} at the rate
# asked, and verify too.
# Usage: test_loadgen_tokens.sh VOUCH_BINARY
set -euo pipefail
VOUCH=${1:?usage: test_loadgen_tokens.sh VOUCH_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/vouch-loadgen-tokens-XXXXXX)
STUB_PID=
trap 'if [ -n "$STUB_PID" ]; then kill "$STUB_PID" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
failures=0
ok() { echo "ok: $*"; }
bad() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }
N=8

# ---- --out -: N tokens, each verified by vouch token verify ---------------------
for alg in ES256 RS256; do
  rc=0
  "$VOUCH" loadgen --tokens --out - --count $N --state-dir "$WORK/state" --token-alg $alg \
    > "$WORK/$alg.txt" 2> "$WORK/$alg.err" || rc=$?
  [ "$rc" -eq 0 ] && [ "$(wc -l < "$WORK/$alg.txt")" -eq $N ] && ok "$alg: $N tokens on stdout" ||
    bad "$alg: rc $rc, $(wc -l < "$WORK/$alg.txt") lines: $(cat "$WORK/$alg.err")"
  verified=0
  : > "$WORK/$alg.claims"
  while IFS= read -r tok; do
    if "$VOUCH" token verify --state-dir "$WORK/state" "$tok" >> "$WORK/$alg.claims"; then
      verified=$((verified + 1))
    fi
  done < "$WORK/$alg.txt"
  [ "$verified" -eq $N ] && ok "$alg: vouch token verify accepts all $N" ||
    bad "$alg: only $verified of $N verify"
  if "$PY" - "$WORK/$alg.claims" "$WORK/$alg.txt" $alg <<'PYEOF'
import base64, json, sys, time
claims = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
toks = [l.strip() for l in open(sys.argv[2]) if l.strip()]
hdr = json.loads(base64.urlsafe_b64decode(toks[0].split(".")[0] + "=="))
assert hdr["alg"] == sys.argv[3] and hdr["typ"] == "JWT" and "kid" in hdr, hdr
now = time.time()
assert len({c["jti"] for c in claims}) == len(claims), "jti repeats"
for c in claims:
    assert len(c["jti"]) == 64
    assert abs(c["iat"] - now) < 120 and c["nbf"] == c["iat"] and c["exp"] == c["iat"] + 28800, c
    assert c["x-ms-attestation-type"] == "sgx" and len(c["x-ms-sgx-mrenclave"]) == 64, c
    assert len(c["x-ms-policy-hash"]) == 43 and c["x-ms-ver"] == "1.0", c
PYEOF
  then ok "$alg: fresh jti, iat/nbf now, exp = iat + 8 h, SGX claims"
  else bad "$alg claims: $(head -c 600 "$WORK/$alg.claims")"; fi
done
rc=0
"$VOUCH" loadgen --tokens --out "$WORK/file.txt" --rate 20 --duration 1 --state-dir "$WORK/state" \
  --token-alg ES256 --token-lifetime 60 2> /dev/null || rc=$?
[ "$rc" -eq 0 ] && [ "$(wc -l < "$WORK/file.txt")" -eq 20 ] &&
  "$VOUCH" token verify --state-dir "$WORK/state" "$(head -1 "$WORK/file.txt")" > "$WORK/one.json" &&
  "$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["exp"]-c["iat"]==60' "$WORK/one.json" &&
  ok "--out FILE with rate x duration = 20 tokens, --token-lifetime 60" ||
  bad "--out FILE: rc $rc"

# ---- sent to a relying party ---------------------------------------------------
"$PY" "$HERE/loadgen_stub.py" --save-bodies "$WORK/bodies.ndjson" > "$WORK/stub.out" 2>&1 &
STUB_PID=$!
for _ in $(seq 1 200); do grep -q '^port ' "$WORK/stub.out" 2>/dev/null && break; sleep 0.05; done
URL=http://127.0.0.1:$(awk '/^port /{print $2}' "$WORK/stub.out")/rp/check
rc=0
"$VOUCH" loadgen --tokens --target "$URL" --rate 100 --duration 2 --state-dir "$WORK/state" \
  --token-alg ES256 --json > "$WORK/send.json" 2> "$WORK/send.err" || rc=$?
curl -sS "${URL%/rp/check}/__stats" > "$WORK/stats.json"
if [ "$rc" -eq 0 ] && "$PY" - "$WORK/send.json" "$WORK/stats.json" "$WORK/bodies.ndjson" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
bodies = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
assert d["mode"] == "tokens" and d["requests"] == 200 and d["ok"] == 200, d
assert s["requests"] == 200 and s["bad_body"] == 0, s
assert len(bodies) == 200 and all(set(b) == {"token"} for b in bodies)
assert len({b["token"] for b in bodies}) == 200, "every request its own token"
open(sys.argv[3] + ".first", "w").write(bodies[0]["token"])
open(sys.argv[3] + ".last", "w").write(bodies[-1]["token"])
PYEOF
then ok "--tokens --target: 200 POST {\"token\"} at 100 rps, each token distinct"
else bad "tokens sent: rc $rc $(cat "$WORK/send.json" "$WORK/send.err")"; fi
for which in first last; do
  "$VOUCH" token verify --state-dir "$WORK/state" - < "$WORK/bodies.ndjson.$which" > /dev/null &&
    ok "the $which token the relying party got verifies" || bad "the $which token does not verify"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
