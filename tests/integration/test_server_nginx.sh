#!/usr/bin/env bash
# The shipped nginx TLS front (tools/deploy/nginx/vouch.conf) over two real
# `vouch serve` processes sharing one state directory, on the real SGX vector:
#  - nginx -t accepts the shipped file; nginx runs unprivileged in the
#    foreground on a loopback port with a throwaway test CA's certificate;
#  - attest over https (curl --cacert, HTTP/1.1 and HTTP/2): tokens verify
#    with the /certs served through the front (vouch token verify and PyJWT
#    over https), their iss and jku are the front's https URL;
#  - requests are balanced: both backends' own access logs show attest
#    requests, and nginx's access log names both upstreams;
#  - the request id passes through; /metrics stays
#    internal (404 at the front, 200 on a backend's plain port); a body over
#    vouch's 1 MiB limit gets 413 from nginx without reaching a backend;
#  - one backend killed (SIGKILL): every following request still gets a
#    valid token, from the survivor;
#  - nginx reloaded (SIGHUP) onto a one-shot Python listener: a backend gets
#    HTTP/1.1 keep-alive with X-Forwarded-For/-Proto/-Host/-Port, X-Real-IP;
#  - the survivor still stops cleanly on SIGTERM; every process is ended on
#    exit (trap).
# Skips (exit 77) only where nginx, openssl or curl is not installed.
# Usage: test_server_nginx.sh VOUCH_BINARY VECTORS_DIR
set -euo pipefail
VOUCH=${1:?usage: test_server_nginx.sh VOUCH_BINARY VECTORS_DIR}
VECTORS=${2:?usage: test_server_nginx.sh VOUCH_BINARY VECTORS_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/vouch-server-nginx-XXXXXX)
SRV_PID=
A_PID=
B_PID=
ECHO_PID=
# shellcheck source=server_lib.sh
. "$HERE/server_lib.sh"
cleanup_on_exit A_PID B_PID SRV_PID ECHO_PID
# shellcheck source=nginx_lib.sh
. "$HERE/nginx_lib.sh"
need_tools nginx openssl curl
if ! "$PY" -c 'import jwt, cryptography' 2>/dev/null; then
  echo "FAIL: $PY cannot import jwt (PyJWT): install python3-jwt python3-cryptography" >&2
  exit 1
fi
SET=$VECTORS/sgx/phala-dcap-qvl-sgx-v3
if [ ! -f "$SET/quote.dat" ]; then
  echo "FAIL: the SGX vector is not at $SET" >&2
  exit 1
fi
AT=2025-07-19T10:00:34Z # inside the vector's collateral window (MANIFEST.md)
MRSIGNER=815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6
ATTEST="/attest/SgxEnclave?api-version=2020-10-01"
"$PY" - "$SET/quote.dat" "$WORK/attest.json" <<'EOF'
import base64, json, sys
q = open(sys.argv[1], "rb").read()
json.dump({"quote": base64.urlsafe_b64encode(q).decode().rstrip("=")}, open(sys.argv[2], "w"))
EOF
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' > "$WORK/big.json"

make_test_pki
ok "test CA and a localhost certificate made with openssl"
PORT=$(free_port)
PUBLIC=https://localhost:$PORT
# Two backends: one state directory (shared signing key), the public URL of
# the front, each its own JSON access log.
start_server a --state-dir "$WORK/state" --collateral "$SET/collateral.json" --at "$AT" \
  --workers 1 --public-url "$PUBLIC" --access-log "$WORK/a.log"
A_PID=$SRV_PID A_PORT=$SRV_PORT A_URL=$SRV_URL
start_server b --state-dir "$WORK/state" --collateral "$SET/collateral.json" --at "$AT" \
  --workers 1 --public-url "$PUBLIC" --access-log "$WORK/b.log"
B_PID=$SRV_PID B_PORT=$SRV_PORT
SRV_PID=
ok "two vouch serve backends on 127.0.0.1:$A_PORT and :$B_PORT"
start_nginx "$PORT" "$A_PORT" "$B_PORT"
ok "nginx up at $NGINX_URL"

# front METHOD PATH [curl options]: through nginx; status on stdout, body in
# $WORK/body, headers in $WORK/headers.
front() {
  local method=$1 path=$2
  shift 2
  curl -sS --cacert "$WORK/ca.pem" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' \
    -X "$method" "$NGINX_URL$path" "$@"
}
attests() { grep -c '"path":"/attest/SgxEnclave' "$1" 2>/dev/null || true; }

code=$(front GET /certs)
cp "$WORK/body" "$WORK/jwks.json"
check "GET /certs through the front: 200" [ "$code" = 200 ]
: > "$WORK/tokens"
n_ok=0
for i in $(seq 1 8); do
  code=$(front POST "$ATTEST" -H 'Content-Type: application/json' --data-binary @"$WORK/attest.json")
  if [ "$code" = 200 ]; then
    n_ok=$((n_ok + 1))
    jget 'd["token"]' >> "$WORK/tokens"
  else
    bad "attest #$i through the front: $code $(cat "$WORK/body")"
  fi
done
check "8 attest requests over https: 8 x 200" [ "$n_ok" = 8 ]
grep -qi '^x-ms-request-id: ' "$WORK/headers" && ok "x-ms-request-id passes the front" ||
  bad "no x-ms-request-id through the front"
grep -qi '^strict-transport-security: ' "$WORK/headers" && ok "HSTS at the front" || bad "no HSTS header"
verified=0
while read -r tok; do
  if "$VOUCH" token verify --jwks "$WORK/jwks.json" --iss "$PUBLIC" "$tok" > "$WORK/v.json" &&
     [ "$(jget 'd["x-ms-sgx-mrsigner"]' "$WORK/v.json")" = "$MRSIGNER" ]; then
    verified=$((verified + 1))
  fi
done < "$WORK/tokens"
check "all 8 tokens verify (vouch token verify, /certs from the front, iss = $PUBLIC)" [ "$verified" = 8 ]
# An independent relying party over https: Python's ssl with the test CA, PyJWT.
if "$PY" - "$PORT" "$PUBLIC" "$WORK/ca.pem" "$WORK/tokens" <<'EOF'; then
import http.client, json, ssl, sys
import jwt
port, url, ca, tokens = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
c = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=10)
c.request("GET", "/.well-known/openid-configuration")
d = json.loads(c.getresponse().read())
assert d["issuer"] == url and d["jwks_uri"] == url + "/certs", d
c.request("GET", "/certs")
keys = {k["kid"]: k for k in json.loads(c.getresponse().read())["keys"]}
for t in open(tokens).read().split():
    h = jwt.get_unverified_header(t)
    assert h["jku"] == url + "/certs", h
    claims = jwt.decode(t, jwt.PyJWK(keys[h["kid"]]).key, algorithms=[h["alg"]], issuer=url)
    assert claims["x-ms-attestation-type"] == "sgx", claims
EOF
  ok "PyJWT over https: discovery and jku name the front; every token verifies"
else
  bad "PyJWT relying party over https"
fi
na=$(attests "$WORK/a.log")
nb=$(attests "$WORK/b.log")
check "both backends served attest requests (a: $na, b: $nb, 8 in all)" \
  [ "$na" -ge 1 -a "$nb" -ge 1 -a $((na + nb)) -eq 8 ]
check "nginx's access log names both upstreams" \
  [ "$(grep -c "upstream=127.0.0.1:$A_PORT " "$NGINX_LOG")" -ge 1 -a \
    "$(grep -c "upstream=127.0.0.1:$B_PORT " "$NGINX_LOG")" -ge 1 ]
check "nginx's access log carries vouch's request ids" grep -q 'rid=[^-]' "$NGINX_LOG"

proto=$(curl -sS --http2 --cacert "$WORK/ca.pem" -o "$WORK/body" -w '%{http_version}' \
  -X POST --data-binary @"$WORK/attest.json" "$NGINX_URL$ATTEST")
check "HTTP/2 at the front: a token ($proto)" [ "$proto" = 2 -a -n "$(jget 'd.get("token","")')" ]

code=$(front GET /metrics)
check "/metrics through the front: 404 (internal)" [ "$code" = 404 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$A_URL/metrics")
check "/metrics on a backend's plain port: 200" [ "$code" = 200 ]
code=$(front GET /healthz)
check "/healthz through the front: 200" [ "$code" = 200 ]
before=$(( $(wc -l < "$WORK/a.log") + $(wc -l < "$WORK/b.log") ))
code=$(front POST "$ATTEST" -H 'Content-Type: application/json' --data-binary @"$WORK/big.json")
after=$(( $(wc -l < "$WORK/a.log") + $(wc -l < "$WORK/b.log") ))
check "a 2 MiB body: 413 from nginx, never forwarded" [ "$code" = 413 -a "$before" = "$after" ]

# One backend dies: every request still gets a token, from the other one.
kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null || true
A_PID=
nb0=$(attests "$WORK/b.log")
n_ok=0
: > "$WORK/tokens"
for i in $(seq 1 6); do
  code=$(front POST "$ATTEST" -H 'Content-Type: application/json' --data-binary @"$WORK/attest.json")
  if [ "$code" = 200 ]; then
    n_ok=$((n_ok + 1))
    jget 'd["token"]' >> "$WORK/tokens"
  else
    bad "attest #$i with backend a dead: $code $(cat "$WORK/body")"
  fi
done
verified=0
while read -r tok; do
  "$VOUCH" token verify --jwks "$WORK/jwks.json" --iss "$PUBLIC" "$tok" > /dev/null &&
    verified=$((verified + 1))
done < "$WORK/tokens"
nb1=$(attests "$WORK/b.log")
check "backend a killed: 6 of 6 requests still 200 with valid tokens, all from b ($((nb1 - nb0)))" \
  [ "$n_ok" = 6 -a "$verified" = 6 -a $((nb1 - nb0)) = 6 ]

# What a backend receives: nginx reloaded (SIGHUP) with a one-shot Python
# listener as its only backend, which records the forwarded request.
EPORT=$(free_port)
"$PY" - "$EPORT" "$WORK/forwarded.json" <<'EOF' &
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        json.dump({"headers": {k.lower(): v for k, v in self.headers.items()},
                   "path": self.path, "len": len(body), "version": self.request_version},
                  open(sys.argv[2], "w"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
        self.close_connection = True  # one request only (no header says so)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.timeout = 20
s.handle_request()
EOF
ECHO_PID=$!
echo "server 127.0.0.1:$EPORT;" > "$WORK/nginx/conf/vouch/backends.conf"
kill -HUP "$NGINX_PID"
for i in $(seq 1 50); do
  # While nginx reloads, an old worker may close a connection mid-request
  # (seen: curl 16, HTTP/2 framing): retried like any other miss.
  code=$(front POST "$ATTEST" -H 'Content-Type: application/json' --data-binary @"$WORK/attest.json") ||
    code=000
  [ -s "$WORK/forwarded.json" ] && break
  sleep 0.1
done
wait "$ECHO_PID" 2>/dev/null || true
ECHO_PID=
if [ -s "$WORK/forwarded.json" ] && "$PY" - "$WORK/forwarded.json" "$PORT" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
h, port = d["headers"], sys.argv[2]
assert d["version"] == "HTTP/1.1" and d["path"].startswith("/attest/SgxEnclave"), d
assert h["x-forwarded-for"] == "127.0.0.1" and h["x-real-ip"] == "127.0.0.1", h
assert h["x-forwarded-proto"] == "https" and h["x-forwarded-port"] == port, h
assert h["x-forwarded-host"] == "localhost" and h["host"] == "localhost", h
assert "connection" not in h, h
EOF
  ok "a backend gets HTTP/1.1 keep-alive, X-Forwarded-For/-Proto/-Host/-Port, X-Real-IP"
else
  bad "forwarded headers: $(cat "$WORK/forwarded.json" 2>/dev/null)"
fi

stop_nginx
ok "nginx stopped (SIGQUIT)"
SRV_PID=$B_PID SRV_ERR=$WORK/b.err
B_PID=
stop_server
finish
