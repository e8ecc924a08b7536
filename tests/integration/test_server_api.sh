#!/usr/bin/env bash
# `vouch serve` end to end, through its routes, with real clients: curl for
# every route and error path, `vouch token verify` and Python's http.client
# + PyJWT as relying parties, on the real SGX vector (and an Open Enclave
# report built around it) and a real TDX vector, their collateral given as
# two --collateral files; policies set, read back byte for byte, enforced
# and reset with the admin bearer token; SIGHUP reloading a policy changed
# on disk and a rotated key; SIGTERM answering a request still arriving,
# then exiting 0.
# Usage: test_server_api.sh VOUCH_BINARY VECTORS_DIR
set -euo pipefail
VOUCH=${1:?usage: test_server_api.sh VOUCH_BINARY VECTORS_DIR}
VECTORS=${2:?usage: test_server_api.sh VOUCH_BINARY VECTORS_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/vouch-server-api-XXXXXX)
SRV_PID=
trap 'if [ -n "$SRV_PID" ]; then kill -KILL "$SRV_PID" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
# shellcheck source=server_lib.sh
. "$HERE/server_lib.sh"
if ! "$PY" -c 'import jwt, cryptography' 2>/dev/null; then
  echo "FAIL: $PY cannot import jwt (PyJWT): install python3-jwt python3-cryptography" >&2
  exit 1
fi
SET=$VECTORS/sgx/phala-dcap-qvl-sgx-v3
if [ ! -f "$SET/quote.dat" ]; then
  echo "FAIL: the SGX vector is not at $SET" >&2
  exit 1
fi
TDX=$VECTORS/tdx/phala-dcap-qvl-tdx-v4
# Inside the validity window of both vectors' collateral.
AT=2025-07-19T10:00:34Z
MRTD=91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7
MRSIGNER=815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6
ADMIN=test-admin-token-7f3a9c
printf '%s\n' "$ADMIN" > "$WORK/admin-token"

# Request bodies: the quote in base64url and in padded standard base64, the
# bit-flipped quote, an Open Enclave report (the 16-byte OE header, then the
# quote), runtime data that does not match REPORTDATA, draft policies.
"$PY" - "$SET" "$WORK" "$TDX" <<'EOF'
import base64, json, struct, sys
set_, work, tdx = sys.argv[1], sys.argv[2], sys.argv[3]
q = open(f"{set_}/quote.dat", "rb").read()
neg = open(f"{set_}/negative/quote_isv_reportdata_bitflip.dat", "rb").read()
u = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
def put(name, obj):
    json.dump(obj, open(f"{work}/{name}.json", "w"))
put("b64url", {"quote": u(q)})
put("b64", {"quote": base64.b64encode(q).decode(), "nonce": "n-\"quoted\"-\u00e9"})
put("neg", {"quote": u(neg)})
oe = struct.pack("<IIQ", 1, 2, len(q)) + q
put("oe", {"report": u(oe)})
put("oe_bad", {"report": u(struct.pack("<IIQ", 1, 2, len(q) + 1) + q)})
put("rt", {"quote": u(q), "runtimeData": {"data": u(b'{"key":"value"}'), "dataType": "JSON"}})
put("init", {"quote": u(q), "initTimeData": {"data": u(b"x"), "dataType": "Binary"}})
put("draft", {"quote": u(q), "draftPolicyForAttestation":
    'version=1.0; authorizationrules { => permit(); }; issuancerules { '
    'c:[type=="x-ms-sgx-mrsigner"] => issue(type="draft-signer", value=c.value); };'})
put("draft_bad", {"quote": u(q), "draftPolicyForAttestation":
    "version=1.0;\nauthorizationrules {\n  => permit(;\n};"})
put("legacy", {"Quote": base64.b64encode(q).decode()})
put("tdx", {"quote": u(open(f"{tdx}/quote.dat", "rb").read()), "nonce": "tdx-nonce"})
put("tdx_init", {"quote": u(open(f"{tdx}/quote.dat", "rb").read()),
                 "initTimeData": {"data": u(b"x"), "dataType": "Binary"}})
EOF

start_server api --state-dir "$WORK/state" --collateral "$SET/collateral.json" \
  --collateral "$TDX/collateral.json" --at "$AT" \
  --workers 2 --cache-mb 64 --admin-token-file "$WORK/admin-token" --access-log "$WORK/access.log"
ok "server up at $SRV_URL"
ATTEST="/attest/SgxEnclave?api-version=2022-08-01"

# ---- attest ----------------------------------------------------------------------
code=$(call POST "$ATTEST" -H 'Content-Type: application/json' --data-binary @"$WORK/b64url.json")
if [ "$code" = 200 ] && TOKEN=$(jget 'd["token"]'); then
  ok "attest SgxEnclave (base64url quote): 200 with a token"
else
  bad "attest base64url: $code $(cat "$WORK/body")"
  TOKEN=x.y.z
fi
grep -qi '^x-ms-request-id: ' "$WORK/headers" && ok "x-ms-request-id header" || bad "no x-ms-request-id"
code=$(call POST "$ATTEST" --data-binary @"$WORK/b64.json")
if [ "$code" = 200 ]; then
  TOKEN_B64=$(jget 'd["token"]')
  ok "attest with standard padded base64: 200"
else
  bad "attest base64: $code $(cat "$WORK/body")"
  TOKEN_B64=x.y.z
fi
code=$(call POST /attest/sgxenclave --data-binary @"$WORK/legacy.json")
check "lower-case type and the 2018 {\"Quote\"} shape: 200" [ "$code" = 200 ]

code=$(call GET /certs)
cp "$WORK/body" "$WORK/jwks.json"
check "GET /certs: 200" [ "$code" = 200 ]
if "$VOUCH" token verify --jwks "$WORK/jwks.json" --iss "$SRV_URL" "$TOKEN" > "$WORK/verified.json" &&
   [ "$(jget 'd["x-ms-sgx-mrsigner"]' "$WORK/verified.json")" = "$MRSIGNER" ]; then
  ok "vouch token verify accepts the token with GET /certs; x-ms-sgx-mrsigner is the vector's"
else
  bad "vouch token verify: $(cat "$WORK/verified.json" 2>/dev/null)"
fi
code=$(call GET /certs/ -H 'Accept: application/jwk+json, application/json')
check "GET /certs/ (trailing slash) with the JS SDK's Accept: application/json (all the SDK parses)" \
  grep -qi '^content-type: application/json' "$WORK/headers"

# An independent relying party: http.client fetches /certs, PyJWT checks.
if "$PY" - "$SRV_PORT" "$SRV_URL" "$TOKEN" "$TOKEN_B64" "$MRSIGNER" <<'EOF'; then
import http.client, json, sys
import jwt
port, url, tok, tok2, mrsigner = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request("GET", "/certs")
r = c.getresponse()
assert r.status == 200, r.status
keys = {k["kid"]: k for k in json.loads(r.read())["keys"]}
for t in (tok, tok2):
    h = jwt.get_unverified_header(t)
    assert h["alg"] == "RS256" and h["typ"] == "JWT" and h["jku"] == url + "/certs", h
    claims = jwt.decode(t, jwt.PyJWK(keys[h["kid"]]).key, algorithms=["RS256"], issuer=url)
    assert claims["x-ms-sgx-mrsigner"] == mrsigner, claims
    assert claims["x-ms-attestation-type"] == "sgx" and claims["x-ms-ver"] == "1.0"
    assert claims["x-ms-sgx-is-debuggable"] is False
c.request("GET", "/.well-known/openid-configuration")
r = c.getresponse()
d = json.loads(r.read())
assert d["issuer"] == url and d["jwks_uri"] == url + "/certs", d
claims = jwt.decode(tok2, options={"verify_signature": False})
assert claims["nonce"] == 'n-"quoted"-\u00e9', claims.get("nonce")
EOF
  ok "http.client + PyJWT: both tokens verify with /certs; issuer, jku, claims, nonce"
else
  bad "PyJWT relying party"
fi

code=$(call POST "$ATTEST" --data-binary @"$WORK/neg.json")
if [ "$code" = 400 ] && [ "$(jget 'd["error"]["code"]')" = InvalidParameter ] &&
   grep -qi '^x-ms-error-code: InvalidParameter' "$WORK/headers"; then
  ok "bit-flipped quote: 400 InvalidParameter ($(jget 'd["error"]["message"]'))"
else
  bad "bit-flipped quote: $code $(cat "$WORK/body")"
fi

code=$(call POST "$ATTEST" --data-binary @"$WORK/draft.json")
if [ "$code" = 200 ]; then
  t=$(jget 'd["token"]')
  if jws_header "$t" | grep -q '^{"alg":"none"' && [ "${t##*.}" = "" ] &&
     claims "$t" | grep -c "\"draft-signer\":\"$MRSIGNER\"" > /dev/null; then
    ok "draft policy: an unsigned token (alg none) with the draft's issued claim"
  else
    bad "draft policy token: $(jws_header "$t") $(claims "$t" | head -c 300)"
  fi
else
  bad "draft policy: $code $(cat "$WORK/body")"
fi
code=$(call POST "$ATTEST" --data-binary @"$WORK/draft_bad.json")
if [ "$code" = 400 ] && [ "$(jget 'd["error"]["code"]')" = PolicyParsingError ] &&
   jget 'd["error"]["message"]' | grep -Eq '^policy:[0-9]+:[0-9]+: '; then
  ok "draft policy with a syntax error: 400 PolicyParsingError ($(jget 'd["error"]["message"]'))"
else
  bad "draft syntax error: $code $(cat "$WORK/body")"
fi
code=$(call POST "$ATTEST" --data-binary @"$WORK/rt.json")
if [ "$code" = 400 ] && [ "$(jget 'd["error"]["code"]')" = InvalidParameter ]; then
  ok "runtimeData whose hash is not in REPORTDATA: 400 ($(jget 'd["error"]["message"]'))"
else
  bad "runtimeData mismatch: $code $(cat "$WORK/body")"
fi
code=$(call POST "$ATTEST" --data-binary @"$WORK/init.json")
# The vector's CONFIGID is zero: no data hashes to it, so the binding fails
# (the binding itself is tested with generated quotes in sgx_matrix_test).
check "initTimeData whose hash is not CONFIGID[0:32]: 400 naming the binding" \
  grep -q 'init-time data does not match CONFIGID' "$WORK/body"
code=$(call POST /attest/OpenEnclave --data-binary @"$WORK/oe.json")
if [ "$code" = 200 ] && claims "$(jget 'd["token"]')" | grep -c "\"x-ms-sgx-mrsigner\":\"$MRSIGNER\"" > /dev/null; then
  ok "attest OpenEnclave (OE header + quote): 200 with the SGX claims"
else
  bad "OpenEnclave: $code $(cat "$WORK/body")"
fi
code=$(call POST /attest/OpenEnclave --data-binary @"$WORK/oe_bad.json")
check "OpenEnclave report whose header size is wrong: 400" [ "$code" = 400 ]
code=$(call POST "/attest/TdxVm?api-version=2025-06-01" --data-binary @"$WORK/tdx.json")
if [ "$code" = 200 ] && claims "$(jget 'd["token"]')" > "$WORK/tdx-claims.json" &&
   [ "$(jget 'd["x-ms-attestation-type"]' "$WORK/tdx-claims.json")" = tdxvm ] &&
   [ "$(jget 'd["tdx_mrtd"]' "$WORK/tdx-claims.json")" = "$MRTD" ] &&
   [ "$(jget 'd["nonce"]' "$WORK/tdx-claims.json")" = tdx-nonce ] &&
   "$VOUCH" token verify --jwks "$WORK/jwks.json" "$(jget 'd["token"]')" > /dev/null; then
  ok "attest TdxVm (real TDX quote): 200, a token with the TD's claims that verifies"
else
  bad "TdxVm: $code $(head -c 300 "$WORK/body")"
fi
code=$(call POST /attest/SgxEnclave --data-binary @"$WORK/tdx.json")
check "a TDX quote sent to /attest/SgxEnclave: 400" [ "$code" = 400 ]
code=$(call POST "/attest/TdxVm?api-version=2025-06-01" --data-binary @"$WORK/tdx_init.json")
check "TdxVm with initTimeData: 400 (Azure defines no binding for TDX)" \
  [ "$code" = 400 -a -n "$(grep -o 'cannot be bound to a TDX quote' "$WORK/body")" ]
code=$(call POST /attest/SevSnpVm --data-binary @"$WORK/b64url.json")
check "an SGX quote body sent to /attest/SevSnpVm: 400" [ "$code" = 400 ]
code=$(call POST "$ATTEST" --data-binary 'not json')
check "a body that is not JSON: 400" [ "$code" = 400 ]

# ---- documents, errors -----------------------------------------------------------------
code=$(call GET /healthz)
check "GET /healthz: 200 ok" [ "$code" = 200 -a "$(cat "$WORK/body")" = ok ]
code=$(call GET /no/such/route)
check "unknown route: 404 JSON error" [ "$code" = 404 -a "$(jget 'd["error"]["code"]')" = NotFound ]
code=$(call DELETE /certs)
check "wrong method: 405 with Allow" grep -qi '^allow: GET' "$WORK/headers"

# ---- policies: GET, PUT, reset with the admin bearer --------------------------------------
"$VOUCH" policy default SgxEnclave > "$WORK/default.policy"
policy_of_get() { # the x-ms-policy JWS of GET /policies/SgxEnclave
  call GET "/policies/SgxEnclave?api-version=2022-08-01" > /dev/null
  claims "$(jget 'd["token"]')" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["x-ms-policy"])'
}
policy_text() { # the text inside a policy JWS
  claims "$1" | "$PY" -c 'import base64,json,sys
p=json.load(sys.stdin)["AttestationPolicy"]
sys.stdout.write(base64.urlsafe_b64decode(p+"="*(-len(p)%4)).decode())'
}
jws=$(policy_of_get)
if [ "$(policy_text "$jws")" = "$(cat "$WORK/default.policy")" ]; then
  ok "GET /policies/SgxEnclave: the default policy, as an unsigned JWS in a signed token"
else
  bad "GET default policy: $(policy_text "$jws" | head -c 200)"
fi
printf 'version=1.0; authorizationrules { [type=="x-ms-sgx-svn", value > 5] => permit(); };' \
  > "$WORK/deny.policy"
"$VOUCH" policy sign --unsigned "$WORK/deny.policy" | tr -d '\n' > "$WORK/deny.jws"
code=$(call PUT /policies/SgxEnclave -H 'Content-Type: text/plain' --data-binary @"$WORK/deny.jws")
check "PUT without a bearer token: 401" [ "$code" = 401 ]
code=$(call PUT /policies/SgxEnclave -H "Authorization: Bearer wrong-$ADMIN" --data-binary @"$WORK/deny.jws")
check "PUT with a wrong bearer token: 401" [ "$code" = 401 ]
code=$(call PUT "/policies/SgxEnclave?api-version=2022-08-01" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: text/plain' --data-binary @"$WORK/deny.jws")
if [ "$code" = 200 ] && claims "$(jget 'd["token"]')" > "$WORK/put.json" &&
   [ "$(jget 'd["x-ms-policy-result"]' "$WORK/put.json")" = Updated ] &&
   [ "$(jget 'd["x-ms-policy-token-hash"]' "$WORK/put.json")" = \
     "$("$PY" -c 'import base64,hashlib,sys; print(base64.urlsafe_b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).decode().rstrip("="))' "$WORK/deny.jws")" ]; then
  ok "PUT /policies/SgxEnclave with the bearer: Updated, token hash over the JWS as sent"
else
  bad "PUT policy: $code $(cat "$WORK/body")"
fi
check "GET after PUT returns the JWS byte for byte" [ "$(policy_of_get)" = "$(cat "$WORK/deny.jws")" ]
check "the policy is stored as policies/SgxEnclave.jws" cmp -s "$WORK/deny.jws" "$WORK/state/policies/SgxEnclave.jws"
code=$(call POST "$ATTEST" --data-binary @"$WORK/b64url.json")
if [ "$code" = 400 ] && [ "$(jget 'd["error"]["code"]')" = PolicyEvaluationError ]; then
  ok "a policy that denies: 400 PolicyEvaluationError ($(jget 'd["error"]["message"]'))"
else
  bad "deny policy: $code $(cat "$WORK/body")"
fi
code=$(call POST /attest/OpenEnclave --data-binary @"$WORK/oe.json")
check "the OpenEnclave policy is separate (still the default): 200" [ "$code" = 200 ]
printf 'version=1.0;\nauthorizationrules {\n  => permit(;\n};' > "$WORK/bad.policy"
unsigned_jws "$WORK/bad.policy" > "$WORK/bad.jws" # vouch policy sign refuses it
code=$(call PUT /policies/SgxEnclave -H "Authorization: Bearer $ADMIN" --data-binary @"$WORK/bad.jws")
if [ "$code" = 400 ] && [ "$(jget 'd["error"]["code"]')" = PolicyParsingError ] &&
   jget 'd["error"]["message"]' | grep -Eq '^policy:[0-9]+:[0-9]+: '; then
  ok "PUT of a policy with a syntax error: 400 PolicyParsingError with line:col"
else
  bad "PUT syntax error: $code $(cat "$WORK/body")"
fi
check "... and the policy in force is unchanged" [ "$(policy_of_get)" = "$(cat "$WORK/deny.jws")" ]
code=$(call POST "/policies/SgxEnclave:reset?api-version=2022-08-01" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: text/plain' --data-binary 'eyJhbGciOiJub25lIn0..')
claims "$(jget 'd["token"]' 2>/dev/null || echo x.e30.)" > "$WORK/reset.json" || true
if [ "$code" = 200 ] && [ "$(jget 'd["x-ms-policy-result"]' "$WORK/reset.json")" = Removed ] &&
   [ "$(jget '"x-ms-policy-token-hash" in d' "$WORK/reset.json")" = False ]; then
  ok "POST /policies/SgxEnclave:reset: Removed, no token hash"
else
  bad "reset: $code $(cat "$WORK/body")"
fi
check "after reset GET gives the default back" [ "$(policy_text "$(policy_of_get)")" = "$(cat "$WORK/default.policy")" ]
check "after reset the file is gone" [ ! -e "$WORK/state/policies/SgxEnclave.jws" ]
code=$(call POST "$ATTEST" --data-binary @"$WORK/b64url.json")
check "after reset attest is permitted again: 200" [ "$code" = 200 ]

# ---- SIGHUP: a policy changed on disk, a rotated key ----------------------------------------
cp "$WORK/deny.jws" "$WORK/state/policies/SgxEnclave.jws"
"$VOUCH" token rotate --state-dir "$WORK/state" --alg RS256 > /dev/null 2>&1
kill -HUP "$SRV_PID"
reloaded=no
for i in $(seq 1 100); do
  code=$(call POST "$ATTEST" --data-binary @"$WORK/b64url.json")
  if [ "$code" = 400 ]; then reloaded=yes; break; fi
  sleep 0.05
done
check "SIGHUP reloads a policy file changed on disk (now denied)" [ "$reloaded" = yes ]
rm "$WORK/state/policies/SgxEnclave.jws"
kill -HUP "$SRV_PID"
for i in $(seq 1 100); do
  code=$(call POST "$ATTEST" --data-binary @"$WORK/b64url.json")
  [ "$code" = 200 ] && break
  sleep 0.05
done
if [ "$code" = 200 ]; then
  t=$(jget 'd["token"]')
  call GET /certs > /dev/null
  cp "$WORK/body" "$WORK/jwks2.json"
  kid=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["kid"])' "$(jws_header "$t")")
  if [ "$(jget 'len(d["keys"])' "$WORK/jwks2.json")" = 2 ] &&
     [ "$(jget 'd["keys"][0]["kid"]' "$WORK/jwks2.json")" = "$kid" ] &&
     "$VOUCH" token verify --jwks "$WORK/jwks2.json" "$t" > /dev/null &&
     "$VOUCH" token verify --jwks "$WORK/jwks2.json" "$TOKEN" > /dev/null; then
    ok "SIGHUP picks up a rotated key: new tokens use it, the old key stays in /certs"
  else
    bad "key reload: kid $kid, $(cat "$WORK/jwks2.json" | head -c 300)"
  fi
else
  bad "after the second SIGHUP: $code $(cat "$WORK/body")"
fi

# ---- metrics, access log ------------------------------------------------------------------
code=$(call GET /metrics)
if [ "$code" = 200 ] && grep -q '^vouch_http_requests_total{route="/attest/SgxEnclave",status="200"} [1-9]' "$WORK/body" &&
   grep -q '^vouch_http_requests_total{route="/attest/SgxEnclave",status="400"} [1-9]' "$WORK/body" &&
   grep -q '^vouch_http_request_duration_seconds_count{route="/attest/SgxEnclave"} [1-9]' "$WORK/body" &&
   grep -q '^vouch_engine_signature_checks_total{kind="computed"} [1-9]' "$WORK/body" &&
   grep -q '^vouch_http_open_connections 1$' "$WORK/body" &&
   grep -q '^vouch_engine_cache_budget_bytes 67108864$' "$WORK/body" &&
   grep -q '^vouch_engine_cache_rebuilt_total 0$' "$WORK/body"; then
  ok "GET /metrics: requests by route and status, latency, engine counters, connections, the --cache-mb budget"
else
  bad "metrics: $(head -c 600 "$WORK/body")"
fi
if "$PY" - "$WORK/access.log" <<'EOF'; then
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) >= 30, len(lines)
for l in lines:
    assert set(l) == {"time", "remote", "method", "path", "status", "bytes", "latency_us", "request_id"}, l
assert any(l["path"].startswith("/attest/SgxEnclave") and l["status"] == 200 for l in lines)
assert any(l["status"] == 401 and l["method"] == "PUT" for l in lines)
EOF
  ok "access log: one JSON line per response with every field"
else
  bad "access log"
fi

# ---- SIGTERM while a request is still arriving: it is answered, then exit 0 --------------
if "$PY" - "$SRV_PORT" "$SRV_PID" "$WORK/b64url.json" <<'EOF'; then
import os, signal, socket, sys, time
port, pid, body = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
s = socket.create_connection(("127.0.0.1", port), timeout=10)
head = b"POST /attest/SgxEnclave HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body)
s.sendall(head + body[:100])
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
time.sleep(0.3)
s.sendall(body[100:])
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
assert data.startswith(b"HTTP/1.1 200 OK\r\n"), data[:200]
assert b"\r\nConnection: close" in data.split(b"\r\n\r\n")[0], data[:300]
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    raise SystemExit("still accepting after SIGTERM")
except ConnectionRefusedError:
    pass
EOF
  ok "SIGTERM: the request in progress is answered (Connection: close), no new connections"
else
  bad "SIGTERM with a request in progress"
fi
rc=0
for i in $(seq 1 200); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.05; done
wait "$SRV_PID" || rc=$?
SRV_PID=
check "... then the server exits 0" [ "$rc" -eq 0 ]
finish
