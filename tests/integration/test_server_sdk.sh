#!/usr/bin/env bash
# The official Azure Attestation JS SDK (@azure/attestation 1.0.0, exact
# versions in js/package-lock.json) against two real `vouch serve` processes
# on the real SGX vector, one directly over plain http, both behind the
# shipped nginx TLS front (js/sdk_test.js says what is checked):
#  - AttestationClient, allowInsecureConnection, plain http: getOpenIdMetadata,
#    getAttestationSigners, attestSgxEnclave and attestOpenEnclave with the
#    SDK's own token validation on (signature via /certs, exp, nbf, issuer),
#    draft policy, runTimeData refused as a RestError;
#  - AttestationAdministrationClient through nginx over https (the test CA
#    in NODE_EXTRA_CA_CERTS) with a TokenCredential returning vouch's admin
#    token: getPolicy, setPolicy (token hash), resetPolicy, a wrong token;
#    AttestationClient over https under the new policy.
# The SDK is installed with `npm ci` from the committed lock file into a
# cache folder outside the checkout (VOUCH_NPM_CACHE, default
# ~/.cache/vouch/azure-sdk-<lock hash>), once per lock file.  Exit 77 (skip)
# only where node, npm or nginx is not installed or the npm registry cannot
# be reached; any other npm failure fails the test.
# Usage: test_server_sdk.sh VOUCH_BINARY VECTORS_DIR
set -euo pipefail
VOUCH=${1:?usage: test_server_sdk.sh VOUCH_BINARY VECTORS_DIR}
VECTORS=${2:?usage: test_server_sdk.sh VOUCH_BINARY VECTORS_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/vouch-server-sdk-XXXXXX)
SRV_PID=
A_PID=
B_PID=
# shellcheck source=server_lib.sh
. "$HERE/server_lib.sh"
cleanup_on_exit A_PID B_PID SRV_PID
# shellcheck source=nginx_lib.sh
. "$HERE/nginx_lib.sh"
need_tools node npm nginx openssl curl
SET=$VECTORS/sgx/phala-dcap-qvl-sgx-v3
if [ ! -f "$SET/quote.dat" ]; then
  echo "FAIL: the SGX vector is not at $SET" >&2
  exit 1
fi
AT=2025-07-19T10:00:34Z # inside the vector's collateral window (MANIFEST.md)
MRSIGNER=815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" -lt 18 ]; then
  echo "FAIL: node $(node --version) is too old: the pinned SDK dependencies need 18 or later" >&2
  exit 1
fi

# ---- the SDK, from the lock file -------------------------------------------------------
JS=$HERE/js
LOCK_HASH=$(cat "$JS/package.json" "$JS/package-lock.json" | sha256sum | cut -c1-16)
SDK=${VOUCH_NPM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/vouch}/azure-sdk-$LOCK_HASH
if [ ! -f "$SDK/.installed" ]; then
  mkdir -p "$(dirname "$SDK")"
  exec 9> "$SDK.lock"
  flock 9
  if [ ! -f "$SDK/.installed" ]; then
    rm -rf "$SDK.tmp"
    mkdir -p "$SDK.tmp"
    cp "$JS/package.json" "$JS/package-lock.json" "$SDK.tmp/"
    start=$(date +%s)
    rc=0
    (cd "$SDK.tmp" && npm ci --no-audit --no-fund --ignore-scripts) > "$WORK/npm.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
      rm -rf "$SDK.tmp"
      if grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network (request|connectivity)' "$WORK/npm.log"; then
        echo "SKIP: npm ci cannot reach the npm registry (the SDK is not installed):"
        grep -E 'npm (ERR|error)' "$WORK/npm.log" | head -5
        exit 77
      fi
      echo "FAIL: npm ci of the pinned Azure SDK failed ($rc):" >&2
      cat "$WORK/npm.log" >&2
      exit 1
    fi
    touch "$SDK.tmp/.installed"
    rm -rf "$SDK"
    mv "$SDK.tmp" "$SDK"
    ok "npm ci: @azure/attestation and its pinned dependencies in $SDK ($(( $(date +%s) - start )) s)"
  fi
  exec 9>&-
else
  ok "the pinned SDK is already installed in $SDK"
fi
SDK_VERSION=$(node -p "require('$SDK/node_modules/@azure/attestation/package.json').version")
check "@azure/attestation $SDK_VERSION on node $(node --version)" [ "$SDK_VERSION" = 1.0.0 ]

# ---- servers ---------------------------------------------------------------------------
make_test_pki
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/other.key" -out "$WORK/other.pem" \
  -days 2 -subj "/CN=not a vouch signer" 2> /dev/null
PORT=$(free_port)
PUBLIC=https://localhost:$PORT
ADMIN=sdk-admin-token-3c9d0e
printf '%s\n' "$ADMIN" > "$WORK/admin-token"
start_server a --state-dir "$WORK/state" --collateral "$SET/collateral.json" --at "$AT" \
  --workers 1 --public-url "$PUBLIC" --admin-token-file "$WORK/admin-token" \
  --access-log "$WORK/a.log"
A_PID=$SRV_PID A_URL=$SRV_URL A_PORT=$SRV_PORT
start_server b --state-dir "$WORK/state" --collateral "$SET/collateral.json" --at "$AT" \
  --workers 1 --public-url "$PUBLIC" --admin-token-file "$WORK/admin-token" \
  --access-log "$WORK/b.log"
B_PID=$SRV_PID B_PORT=$SRV_PORT
SRV_PID=
start_nginx "$PORT" "$A_PORT" "$B_PORT"
ok "backends $A_URL and :$B_PORT, the TLS front $NGINX_URL"

rc=0
NODE_PATH=$SDK/node_modules NODE_EXTRA_CA_CERTS=$WORK/ca.pem NO_PROXY='*' no_proxy='*' \
  VOUCH_HTTP_URL=$A_URL VOUCH_HTTPS_URL=$NGINX_URL VOUCH_PUBLIC_URL=$PUBLIC \
  VOUCH_PIDS="$A_PID $B_PID" VOUCH_ADMIN=$ADMIN VOUCH_QUOTE=$SET/quote.dat \
  VOUCH_MRSIGNER=$MRSIGNER VOUCH_OTHER_CERT=$WORK/other.pem \
  timeout 120 node "$JS/sdk_test.js" || rc=$?
check "the SDK's checks (js/sdk_test.js) all passed" [ "$rc" -eq 0 ]
pa=$(grep -c '"path":"/policies/SgxEnclave' "$WORK/a.log" || true)
pb=$(grep -c '"path":"/policies/SgxEnclave' "$WORK/b.log" || true)
check "the administration calls went through both backends (a: $pa, b: $pb)" [ "$pa" -ge 1 -a "$pb" -ge 1 ]

stop_nginx
SRV_PID=$B_PID SRV_ERR=$WORK/b.err
B_PID=
stop_server
SRV_PID=$A_PID SRV_ERR=$WORK/a.err
A_PID=
stop_server
finish
