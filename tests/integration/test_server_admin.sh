#!/usr/bin/env bash
# `vouch serve` policy administration in each auth mode:
#  - isolated mode (--policy-signer): policies must be signed by a policy
#    signer certificate; /certificates lists, :add and :remove change the
#    signers with JWSs signed by a registered one (both body shapes, all
#    payload claim spellings the spec lists); the last signer stays; signed
#    resets; the signer set survives a restart;
#  - admin token and isolated mode together: both are required;
#  - neither configured: writes are refused (403).
# Certificates are made with openssl, JWSs with PyJWT (independent of vouch).
# Usage: test_server_admin.sh VOUCH_BINARY
set -euo pipefail
VOUCH=${1:?usage: test_server_admin.sh VOUCH_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/vouch-server-admin-XXXXXX)
SRV_PID=
A_PID=
# shellcheck source=server_lib.sh
. "$HERE/server_lib.sh"
cleanup_on_exit SRV_PID A_PID
if ! "$PY" -c 'import jwt, cryptography' 2>/dev/null; then
  echo "FAIL: $PY cannot import jwt (PyJWT): install python3-jwt python3-cryptography" >&2
  exit 1
fi
for n in 1 2 3; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/s$n.key" -out "$WORK/s$n.pem" \
    -days 30 -subj "/CN=vouch test policy signer $n" 2> /dev/null
done

# jws KEY CERT PAYLOAD_JSON|'' : a compact JWS signed with RS256, x5c = CERT.
jws() {
  "$PY" - "$@" <<'EOF'
import base64, sys
import jwt
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
key, cert, payload = open(sys.argv[1]).read(), open(sys.argv[2], "rb").read(), sys.argv[3]
der = x509.load_pem_x509_certificate(cert).public_bytes(Encoding.DER)
sys.stdout.write(jwt.api_jws.encode(payload.encode(), key, algorithm="RS256",
                                    headers={"x5c": [base64.b64encode(der).decode()]}))
EOF
}
# cert_claim CERT [CLAIM]: {"policyCertificate": {"kty":"RSA","x5c":[DER]}}
cert_claim() {
  "$PY" - "$1" "${2:-policyCertificate}" <<'EOF'
import base64, json, sys
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
der = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read()).public_bytes(Encoding.DER)
print(json.dumps({sys.argv[2]: {"kty": "RSA", "x5c": [base64.b64encode(der).decode()]}}))
EOF
}
thumb() {
  openssl x509 -in "$1" -outform DER | sha1sum | cut -c1-40 | tr a-f A-F
}
token_claims() { claims "$(jget 'd["token"]')" > "$WORK/claims.json"; }
cget() { jget "$1" "$WORK/claims.json"; }

printf 'version=1.0; authorizationrules { => permit(); }; issuancerules { };' > "$WORK/p.policy"
"$VOUCH" policy sign --unsigned "$WORK/p.policy" | tr -d '\n' > "$WORK/unsigned.jws"
"$VOUCH" policy sign --key "$WORK/s1.key" --cert "$WORK/s1.pem" "$WORK/p.policy" | tr -d '\n' > "$WORK/s1.jws"
"$VOUCH" policy sign --key "$WORK/s2.key" --cert "$WORK/s2.pem" "$WORK/p.policy" | tr -d '\n' > "$WORK/s2.jws"

# ---- isolated mode ----------------------------------------------------------------------
start_server iso --state-dir "$WORK/state" --policy-signer "$WORK/s1.pem" --token-alg ES256
code=$(call GET "/certificates?api-version=2022-08-01")
token_claims
if [ "$code" = 200 ] && [ "$(cget 'len(d["x-ms-policy-certificates"]["keys"])')" = 1 ]; then
  ok "GET /certificates: the configured signer"
else
  bad "GET /certificates: $code $(cat "$WORK/body")"
fi
code=$(call PUT /policies/SgxEnclave -H 'Content-Type: text/plain' --data-binary @"$WORK/unsigned.jws")
check "isolated: an unsigned policy is 400 InvalidOperation" \
  [ "$code" = 400 -a "$(jget 'd["error"]["code"]')" = InvalidOperation ]
code=$(call PUT /policies/SgxEnclave --data-binary @"$WORK/s2.jws")
check "isolated: a policy signed by an unregistered certificate is 400 InvalidOperation" \
  [ "$code" = 400 -a "$(jget 'd["error"]["code"]')" = InvalidOperation ]
code=$(call PUT /policies/SgxEnclave --data-binary @"$WORK/s1.jws")
token_claims
if [ "$code" = 200 ] && [ "$(cget 'd["x-ms-policy-result"]')" = Updated ] &&
   [ -n "$(cget 'd["x-ms-policy-signer"]["x5c"][0]')" ]; then
  ok "isolated: a policy signed by the signer is Updated, with x-ms-policy-signer"
else
  bad "signed PUT: $code $(cat "$WORK/body")"
fi
call GET /policies/SgxEnclave > /dev/null
token_claims
check "GET after a signed PUT: the JWS byte for byte, and its signer" \
  [ "$(cget 'd["x-ms-policy"]')" = "$(cat "$WORK/s1.jws")" -a -n "$(cget 'd["x-ms-policy-signer"]["kty"]')" ]

# Add signer 2, signed by signer 1: the SDK's body (the JWS as a JSON string).
add2=$(jws "$WORK/s1.key" "$WORK/s1.pem" "$(cert_claim "$WORK/s2.pem")")
code=$(call POST "/certificates:add?api-version=2022-08-01" -H 'Content-Type: application/json' \
  --data-binary "\"$add2\"")
token_claims
if [ "$code" = 200 ] && [ "$(cget 'd["x-ms-policycertificates-result"]')" = IsPresent ] &&
   [ "$(cget 'd["x-ms-certificate-thumbprint"]')" = "$(thumb "$WORK/s2.pem")" ] &&
   [ -f "$WORK/state/policy-signers/$(thumb "$WORK/s2.pem").pem" ]; then
  ok "certificates:add: IsPresent, SHA-1 thumbprint, stored under policy-signers/"
else
  bad "certificates:add: $code $(cat "$WORK/body")"
fi
code=$(call POST /certificates:add --data-binary "{\"policyCertificateToAdd\":\"$add2\"}")
token_claims
check "certificates:add again ({\"policyCertificateToAdd\"} body): still IsPresent" \
  [ "$code" = 200 -a "$(cget 'd["x-ms-policycertificates-result"]')" = IsPresent ]
code=$(call GET /certificates)
token_claims
check "GET /certificates: two signers now" [ "$(cget 'len(d["x-ms-policy-certificates"]["keys"])')" = 2 ]
code=$(call PUT /policies/SgxEnclave --data-binary @"$WORK/s2.jws")
check "a policy signed by the added signer is accepted" [ "$code" = 200 ]
add3=$(jws "$WORK/s3.key" "$WORK/s3.pem" "$(cert_claim "$WORK/s3.pem" maa-policyCertificate)")
code=$(call POST /certificates:add --data-binary "\"$add3\"")
check "certificates:add signed by an unregistered certificate: 400 InvalidOperation" \
  [ "$code" = 400 -a "$(jget 'd["error"]["code"]')" = InvalidOperation ]
code=$(call POST /certificates:add --data-binary '"not.a.jws"')
check "certificates:add with a malformed JWS: 400" [ "$code" = 400 ]

rm2=$(jws "$WORK/s1.key" "$WORK/s1.pem" "$(cert_claim "$WORK/s2.pem" x-ms-policyCertificate)")
code=$(call POST /certificates:remove --data-binary "{\"policyCertificateToRemove\":\"$rm2\"}")
token_claims
if [ "$code" = 200 ] && [ "$(cget 'd["x-ms-policycertificates-result"]')" = IsAbsent ] &&
   [ ! -e "$WORK/state/policy-signers/$(thumb "$WORK/s2.pem").pem" ]; then
  ok "certificates:remove: IsAbsent, file removed"
else
  bad "certificates:remove: $code $(cat "$WORK/body")"
fi
code=$(call PUT /policies/SgxEnclave --data-binary @"$WORK/s2.jws")
check "... and its policies are refused again" [ "$code" = 400 ]
rm1=$(jws "$WORK/s1.key" "$WORK/s1.pem" "$(cert_claim "$WORK/s1.pem" aas-policyCertificate)")
code=$(call POST /certificates:remove --data-binary "\"$rm1\"")
check "the last signer certificate cannot be removed: 400 InvalidOperation" \
  [ "$code" = 400 -a "$(jget 'd["error"]["code"]')" = InvalidOperation ]

code=$(call POST /policies/SgxEnclave:reset --data-binary 'eyJhbGciOiJub25lIn0..')
check "isolated: an unsigned reset is 400 InvalidOperation" \
  [ "$code" = 400 -a "$(jget 'd["error"]["code"]')" = InvalidOperation ]
reset=$(jws "$WORK/s1.key" "$WORK/s1.pem" '')
code=$(call POST /policies/SgxEnclave:reset --data-binary "$reset")
token_claims
check "isolated: a reset signed by the signer is Removed" \
  [ "$code" = 200 -a "$(cget 'd["x-ms-policy-result"]')" = Removed ]

code=$(call POST /certificates:add --data-binary "\"$add2\"")
stop_server
start_server iso2 --state-dir "$WORK/state" --policy-signer "$WORK/s1.pem" --token-alg ES256
call GET /certificates > /dev/null
token_claims
check "the added signer survives a restart (state-dir/policy-signers)" \
  [ "$(cget 'len(d["x-ms-policy-certificates"]["keys"])')" = 2 ]
stop_server

# ---- admin token and isolated mode together --------------------------------------------------
printf 'both-admin-token\n' > "$WORK/admin"
start_server both --state-dir "$WORK/state-both" --policy-signer "$WORK/s1.pem" \
  --admin-token-file "$WORK/admin" --token-alg ES256
code=$(call PUT /policies/SgxEnclave --data-binary @"$WORK/s1.jws")
check "both modes: a signed policy without the bearer is 401" [ "$code" = 401 ]
code=$(call PUT /policies/SgxEnclave -H 'Authorization: Bearer both-admin-token' --data-binary @"$WORK/unsigned.jws")
check "both modes: the bearer with an unsigned policy is 400 InvalidOperation" [ "$code" = 400 ]
code=$(call PUT /policies/SgxEnclave -H 'Authorization: Bearer both-admin-token' --data-binary @"$WORK/s1.jws")
check "both modes: the bearer and a signed policy: 200" [ "$code" = 200 ]
stop_server

# ---- two instances, one state directory (behind one front) -----------------------------------
# A policy written through one instance rules on the other within ~2 s,
# without a SIGHUP: each checks the state directory once a second.
printf 'shared-admin-token\n' > "$WORK/admin-shared"
start_server shared-a --state-dir "$WORK/state-shared" --admin-token-file "$WORK/admin-shared" \
  --token-alg ES256
A_PID=$SRV_PID A_URL=$SRV_URL A_ERR=$SRV_ERR
start_server shared-b --state-dir "$WORK/state-shared" --admin-token-file "$WORK/admin-shared" \
  --token-alg ES256
B_PID=$SRV_PID B_URL=$SRV_URL
# policy_on URL: the policy JWS (x-ms-policy) the instance at URL serves.
policy_on() {
  SRV_URL=$1 call GET /policies/SgxEnclave > /dev/null
  token_claims
  cget 'd.get("x-ms-policy", "")'
}
# wait_policy URL WANT: up to 5 s for the instance at URL to serve WANT.
wait_policy() {
  local i
  for i in $(seq 1 50); do
    [ "$(policy_on "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
default_b=$(policy_on "$B_URL")
code=$(SRV_URL=$A_URL call PUT /policies/SgxEnclave -H 'Authorization: Bearer shared-admin-token' \
  --data-binary @"$WORK/unsigned.jws")
check "shared state: PUT through instance A is 200" [ "$code" = 200 ]
check "shared state: instance B serves A's policy within 5 s, no SIGHUP" \
  wait_policy "$B_URL" "$(cat "$WORK/unsigned.jws")"
code=$(SRV_URL=$B_URL call POST /policies/SgxEnclave:reset \
  -H 'Authorization: Bearer shared-admin-token' --data-binary 'eyJhbGciOiJub25lIn0..')
check "shared state: reset through instance B is 200" [ "$code" = 200 ]
check "shared state: instance A is back on the default policy within 5 s" \
  wait_policy "$A_URL" "$default_b"
stop_server # B
SRV_PID=$A_PID SRV_URL=$A_URL SRV_ERR=$A_ERR
stop_server

# ---- neither: writes refused ----------------------------------------------------------------
start_server none --state-dir "$WORK/state-none" --token-alg ES256
code=$(call PUT /policies/SgxEnclave --data-binary @"$WORK/unsigned.jws")
check "no admin token, no signer: PUT is 403" [ "$code" = 403 ]
code=$(call POST /policies/SgxEnclave:reset --data-binary 'eyJhbGciOiJub25lIn0..')
check "... reset is 403" [ "$code" = 403 ]
code=$(call POST /certificates:add --data-binary "\"$add2\"")
check "... certificates:add is 403" [ "$code" = 403 ]
code=$(call GET /policies/SgxEnclave)
check "... reading still works" [ "$code" = 200 ]
check "no policy file was written" [ ! -e "$WORK/state-none/policies" ]
stop_server
finish
