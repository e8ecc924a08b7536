#!/usr/bin/env bash
# vouch loadgen against a stub target (loadgen_stub.py, Python stdlib) on
# 127.0.0.1: the counts match what the stub saw, error kind by error kind;
# the achieved rate is the target rate; latency includes an injected delay;
# with the stub stalled, latencies measured from the intended send instant
# grow for every request that queued behind the stall (coordinated
# omission corrected); timeouts end the run on time; --json prints one
# object with the documented members; bad targets are refused clearly.
# Usage: test_loadgen.sh VOUCH_BINARY
set -euo pipefail
VOUCH=${1:?usage: test_loadgen.sh VOUCH_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/vouch-loadgen-XXXXXX)
STUB_PID=
trap 'if [ -n "$STUB_PID" ]; then kill "$STUB_PID" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
failures=0
ok() { echo "ok: $*"; }
bad() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }

# start_stub [stub options...]: STUB_PID, STUB_URL.
start_stub() {
  stop_stub
  "$PY" "$HERE/loadgen_stub.py" "$@" > "$WORK/stub.out" 2> "$WORK/stub.err" &
  STUB_PID=$!
  local i
  for i in $(seq 1 200); do
    if grep -q '^port ' "$WORK/stub.out" 2>/dev/null; then break; fi
    sleep 0.05
  done
  STUB_URL=http://127.0.0.1:$(awk '/^port /{print $2}' "$WORK/stub.out")
  if [ "$STUB_URL" = "http://127.0.0.1:" ]; then
    echo "FAIL: the stub did not start:" >&2
    cat "$WORK/stub.err" >&2
    exit 1
  fi
}
stop_stub() {
  if [ -n "$STUB_PID" ]; then
    kill "$STUB_PID" 2>/dev/null || true
    wait "$STUB_PID" 2>/dev/null || true
    STUB_PID=
  fi
}
stub_stats() { curl -sS "$STUB_URL/__stats" > "$WORK/stats.json"; }

# Evidence: a small generated corpus (the stub does not verify it).
"$VOUCH" loadgen --gen sgx:platforms=2,quotes=40 --gen-out "$WORK/gen" 2> "$WORK/gen.err"
test -s "$WORK/gen/evidence.ndjson" && test -s "$WORK/gen/trust-anchor.pem" &&
  test -d "$WORK/gen/collateral/intel" && ok "--gen --gen-out writes evidence, anchor, collateral" ||
  bad "--gen-out files missing: $(cat "$WORK/gen.err")"
[ "$(wc -l < "$WORK/gen/evidence.ndjson")" -eq 40 ] && ok "40 envelopes" || bad "envelope count"
CORPUS=$WORK/gen/evidence.ndjson

# ---- rate, counts, --json -------------------------------------------------------
start_stub
rc=0
"$VOUCH" loadgen --target "$STUB_URL" --corpus "$CORPUS" --rate 200 --duration 3 --json \
  > "$WORK/rate.json" 2> "$WORK/rate.err" || rc=$?
stub_stats
[ "$rc" -eq 0 ] && ok "a clean run exits 0" || bad "rate run exited $rc: $(cat "$WORK/rate.err")"
if "$PY" - "$WORK/rate.json" "$WORK/stats.json" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)  # exactly one object: json.loads refuses trailing data
assert text.count("\n") == 1 and text.endswith("}\n"), "one line, one object"
stats = json.load(open(sys.argv[2]))
for k in ("requests", "errors", "errors_by_kind", "rps", "latency_ms", "ok", "target_rate",
          "duration_s", "errors_by_code", "send_delay_ms", "elapsed_s", "connections"):
    assert k in d, "missing " + k
for k in ("p50", "p90", "p99", "p999", "max"):
    assert isinstance(d["latency_ms"][k], (int, float)), "latency_ms." + k
kinds = {"connect", "timeout", "closed", "parse", "http_4xx", "http_5xx",
         "http_503_retry_after", "http_other"}
assert set(d["errors_by_kind"]) == kinds, d["errors_by_kind"]
assert d["requests"] == 600, d["requests"]
assert d["requests"] == d["ok"] + d["errors"]
assert d["errors"] == 0, d
assert stats["requests"] == d["requests"], (stats, d["requests"])
assert stats["bad_body"] == 0, stats
assert abs(d["rps"] - 200) <= 20, "rps %s not within 10%% of 200" % d["rps"]
l = d["latency_ms"]
assert 0 < l["p50"] <= l["p90"] <= l["p99"] <= l["p999"] <= l["max"], l
EOF
then ok "200 rps x 3 s: 600 requests, as the stub counted; rps within 10%; --json one object"
else bad "rate run: $(cat "$WORK/rate.json")"; fi

# ---- error kinds against what the stub did ------------------------------------------
start_stub --plan 10:400,15:503,21:close,29:garbage,35:500,17:reset,23:notoken,19:chunked,13:continue,11:http10,31:400body,37:404,41:503nr
rc=0
"$VOUCH" loadgen --target "$STUB_URL" --corpus "$CORPUS" --rate 300 --duration 2 --json \
  --connections 8 > "$WORK/err.json" 2> "$WORK/err.err" || rc=$?
stub_stats
[ "$rc" -eq 1 ] && ok "a run with errors exits 1" || bad "error run exited $rc: $(cat "$WORK/err.err")"
if "$PY" - "$WORK/err.json" "$WORK/stats.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
a = s["by_action"].get
k = d["errors_by_kind"]
assert d["requests"] == s["requests"] == 600, (d["requests"], s["requests"])
want = {
    "ok": a("ok", 0) + a("chunked", 0) + a("continue", 0) + a("http10", 0),
    "http_4xx": a("400", 0) + a("400body", 0) + a("404", 0),
    "http_503_retry_after": a("503", 0),
    "http_5xx": a("500", 0) + a("503nr", 0),
    "closed": a("close", 0) + a("reset", 0),
    "parse": a("garbage", 0) + a("notoken", 0),
}
got = dict(k, ok=d["ok"])
for name, n in want.items():
    assert got[name] == n, "%s: loadgen %d, stub %d (%s)" % (name, got[name], n, s)
assert k["connect"] == k["timeout"] == k["http_other"] == 0, k
c = d["errors_by_code"]
assert c.get("400 PolicyEvaluationError") == a("400"), c
assert c.get("400 InvalidParameter") == a("400body"), c
assert c.get("404") == a("404"), c
assert c.get("503 ServiceUnavailable") == a("503"), c
assert c.get("500 InternalError") == a("500"), c
assert d["errors"] == sum(k.values()) and d["ok"] + d["errors"] == d["requests"]
EOF
then ok "errors by kind and by code match the stub's own tally (400/404/500/503/close/reset/garbage/no token/chunked/100/HTTP 1.0)"
else bad "error kinds: $(cat "$WORK/err.json") stub: $(cat "$WORK/stats.json")"; fi

# ---- latency includes the server's delay ------------------------------------------
start_stub --delay-ms 50
"$VOUCH" loadgen --target "$STUB_URL" --corpus "$CORPUS" --rate 100 --duration 2 --json \
  > "$WORK/delay.json" 2> "$WORK/delay.err" || true
if "$PY" - "$WORK/delay.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["errors"] == 0 and d["requests"] == 200, d
assert d["latency_ms"]["p50"] >= 50, d["latency_ms"]
assert d["latency_ms"]["min"] >= 50, d["latency_ms"]
EOF
then ok "50 ms server delay: p50 >= 50 ms"
else bad "delay: $(cat "$WORK/delay.json") $(cat "$WORK/delay.err")"; fi

# ---- a stall: open-loop latencies grow (coordinated omission corrected) -------------
# 200 rps for 3 s over 4 connections; request 200 (t = 1 s) stalls the stub
# for 1 s.  Every request due during the stall queues in the loadgen and its
# latency counts from its intended instant: about a third of the requests
# see up to 1 s.  A closed-loop client would report only the 4 requests that
# were on the wire (0.7%), leaving p90 and p99 near zero.
STALL_MS=1000
start_stub --stall-after 200 --stall-ms $STALL_MS
"$VOUCH" loadgen --target "$STUB_URL" --corpus "$CORPUS" --rate 200 --duration 3 \
  --connections 4 --json > "$WORK/stall.json" 2> "$WORK/stall.err" || true
stub_stats
if "$PY" - "$WORK/stall.json" "$WORK/stats.json" $STALL_MS <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
stall = float(sys.argv[3])
l = d["latency_ms"]
assert d["errors"] == 0 and d["requests"] == 600 == s["requests"], (d, s)
assert l["max"] >= stall, l
assert l["p99"] >= 0.9 * stall, l
assert l["p90"] >= 0.5 * stall, l
assert d["send_delay_ms"]["max"] >= 0.9 * stall, d["send_delay_ms"]
EOF
then ok "stalled stub: p99 >= 0.9 x stall, p90 >= stall / 2, max >= stall"
else bad "stall: $(cat "$WORK/stall.json") $(cat "$WORK/stall.err")"; fi

# ---- timeouts: the run ends by duration + timeout ----------------------------------
start_stub --stall-after 20 --stall-ms 8000
start=$(date +%s.%N)
"$VOUCH" loadgen --target "$STUB_URL" --corpus "$CORPUS" --rate 50 --duration 2 \
  --timeout-ms 500 --connections 4 --json > "$WORK/timeout.json" 2> "$WORK/timeout.err" || true
end=$(date +%s.%N)
if "$PY" - "$WORK/timeout.json" "$start" "$end" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
took = float(sys.argv[3]) - float(sys.argv[2])
k = d["errors_by_kind"]
assert d["requests"] == 100 and d["ok"] + d["errors"] == 100, d
assert k["timeout"] >= 70, k
assert d["ok"] >= 15, d
assert took < 2 + 0.5 + 3, "took %.1f s" % took
EOF
then ok "stub stalled for 8 s: timeouts counted, the run ended by duration + timeout"
else bad "timeout: $(cat "$WORK/timeout.json") $(cat "$WORK/timeout.err")"; fi

# ---- warm-up, text report, tokens route --------------------------------------------
start_stub
rc=0
"$VOUCH" loadgen --target "$STUB_URL/base/" --corpus "$CORPUS" --rate 100 --duration 1 \
  --warmup 1 > "$WORK/text.out" 2> "$WORK/text.err" || rc=$?
stub_stats
[ "$rc" -eq 0 ] && grep -q '^  requests 100: ok 100, errors 0' "$WORK/text.out" &&
  grep -q 'latency (ms' "$WORK/text.out" && ok "text report; --warmup 1 s not counted" ||
  bad "text: rc $rc $(cat "$WORK/text.out" "$WORK/text.err")"
"$PY" -c 'import json,sys; assert json.load(open(sys.argv[1]))["requests"] == 200' \
  "$WORK/stats.json" && ok "warm-up requests were sent (200 in all)" || bad "warm-up count"

# ---- the target goes away mid-run: connect errors, the run still ends on time -----
start_stub
"$VOUCH" loadgen --target "$STUB_URL" --corpus "$CORPUS" --rate 100 --duration 3 --json \
  --connections 4 > "$WORK/gone.json" 2> "$WORK/gone.err" &
LG=$!
sleep 1.2
kill -KILL "$STUB_PID"
wait "$STUB_PID" 2>/dev/null || true
STUB_PID=
rc=0
wait "$LG" || rc=$?
if [ "$rc" -eq 1 ] && "$PY" - "$WORK/gone.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
k = d["errors_by_kind"]
assert d["requests"] == 300 and d["ok"] + d["errors"] == 300, d
assert 10 <= d["ok"] <= 200, d
assert k["connect"] >= 50, k
assert d["connect_failures"] > 0, d
EOF
then ok "stub killed after 1.2 s: the rest are connect errors, 300 outcomes, exit 1"
else bad "killed stub: rc $rc $(cat "$WORK/gone.json" "$WORK/gone.err")"; fi

# ---- SIGINT: the schedule ends early and the report covers what was sent --------------
start_stub
"$VOUCH" loadgen --target "$STUB_URL" --corpus "$CORPUS" --rate 100 --duration 30 --json \
  > "$WORK/int.json" 2> "$WORK/int.err" &
LG=$!
sleep 1.5
kill -INT "$LG"
rc=0
wait "$LG" || rc=$?
stub_stats
if [ "$rc" -eq 0 ] && "$PY" - "$WORK/int.json" "$WORK/stats.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
assert d["interrupted"] is True, d
assert 5 <= d["requests"] <= 600 and d["requests"] == s["requests"] == d["ok"], (d, s)
EOF
then ok "SIGINT after 1.5 s of 30: report of the requests sent, all answered, exit 0"
else bad "SIGINT: rc $rc $(cat "$WORK/int.json" "$WORK/int.err")"; fi

# ---- refusals --------------------------------------------------------------------
stop_stub
rc=0
"$VOUCH" loadgen --target "${STUB_URL}" --corpus "$CORPUS" --rate 10 --duration 1 \
  > /dev/null 2> "$WORK/refused.err" || rc=$?
[ "$rc" -eq 4 ] && grep -q 'cannot connect' "$WORK/refused.err" &&
  ok "nothing listening: exit 4, 'cannot connect'" || bad "refused: rc $rc $(cat "$WORK/refused.err")"
rc=0
"$VOUCH" loadgen --target https://127.0.0.1:1 --corpus "$CORPUS" --rate 10 --duration 1 \
  2> "$WORK/https.err" || rc=$?
[ "$rc" -eq 3 ] && grep -q 'https is out of scope' "$WORK/https.err" && ok "https refused (exit 3)" ||
  bad "https: rc $rc $(cat "$WORK/https.err")"
for args in "--corpus $CORPUS --rate 10 --duration 1" \
            "--target http://127.0.0.1:1 --rate 10 --duration 1" \
            "--target http://127.0.0.1:1 --corpus $CORPUS --duration 1" \
            "--target http://127.0.0.1:1 --corpus $CORPUS --rate 0 --duration 1" \
            "--target http://127.0.0.1:1/x?y --corpus $CORPUS --rate 1 --duration 1" \
            "--target http://127.0.0.1:1 --corpus $CORPUS --gen sgx --rate 1 --duration 1" \
            "--tokens --corpus $CORPUS --target http://127.0.0.1:1 --rate 1 --duration 1"; do
  rc=0
  # shellcheck disable=SC2086
  "$VOUCH" loadgen $args 2> /dev/null || rc=$?
  [ "$rc" -eq 3 ] || bad "usage error expected (exit 3, got $rc): $args"
done
ok "bad command lines exit 3"
printf '{"id":"x","type":"snp","evidence":"AAAA"}\n' > "$WORK/snp.ndjson"
rc=0
"$VOUCH" loadgen --target http://127.0.0.1:1 --corpus "$WORK/snp.ndjson" --rate 1 --duration 1 \
  2> "$WORK/snp.err" || rc=$?
[ "$rc" -eq 4 ] && grep -q 'line 1' "$WORK/snp.err" && ok "unsupported envelope type named with its line" ||
  bad "snp corpus: rc $rc $(cat "$WORK/snp.err")"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
