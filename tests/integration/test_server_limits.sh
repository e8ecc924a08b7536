#!/usr/bin/env bash
# `vouch serve` under abuse: every limit with its status (431, 413, 408, 503,
# 505), malformed requests (400 and close), slowloris, pipelining in order,
# abrupt disconnects mid-request and mid-response, then a soak of
# sequential connections (10,000 by default) with the server's descriptor
# count and RSS compared before and after.  Raw sockets: server_raw.py.
# Usage: test_server_limits.sh VOUCH_BINARY VECTORS_DIR [CONNECTIONS]
set -euo pipefail
VOUCH=${1:?usage: test_server_limits.sh VOUCH_BINARY VECTORS_DIR [CONNECTIONS]}
VECTORS=${2:?usage: test_server_limits.sh VOUCH_BINARY VECTORS_DIR [CONNECTIONS]}
CONNECTIONS=${3:-10000}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/vouch-server-limits-XXXXXX)
SRV_PID=
trap 'if [ -n "$SRV_PID" ]; then kill -KILL "$SRV_PID" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
# shellcheck source=server_lib.sh
. "$HERE/server_lib.sh"
SET=$VECTORS/sgx/phala-dcap-qvl-sgx-v3
if [ ! -f "$SET/quote.dat" ]; then
  echo "FAIL: the SGX vector is not at $SET" >&2
  exit 1
fi
"$PY" -c 'import base64,json,sys
q=open(sys.argv[1],"rb").read()
json.dump({"quote": base64.urlsafe_b64encode(q).decode().rstrip("=")}, open(sys.argv[2],"w"))' \
  "$SET/quote.dat" "$WORK/attest.json"
COMMON=(--collateral "$SET/collateral.json" --at 2025-07-19T10:01:17Z --workers 1 --token-alg ES256)

start_server limits --state-dir "$WORK/state" "${COMMON[@]}" --max-connections 4 \
  --max-in-flight 1 --header-timeout 1 --body-timeout 1 --idle-timeout 5 \
  --max-header-bytes 4096 --max-headers 16 --max-body-bytes 65536 \
  --max-requests-per-connection 50 --max-pipeline 4
if "$PY" "$HERE/server_raw.py" limits "$SRV_PORT" "$SRV_PID" "$WORK/attest.json"; then
  ok "limits and malformed requests"
else
  bad "limits and malformed requests"
fi
stop_server

# Under AddressSanitizer freed memory sits in a quarantine (256 MiB by
# default), which would read as growth: the soak server keeps none.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0" \
  start_server soak --state-dir "$WORK/state" "${COMMON[@]}"
if "$PY" "$HERE/server_raw.py" soak "$SRV_PORT" "$SRV_PID" "$WORK/attest.json" "$CONNECTIONS"; then
  ok "soak: $CONNECTIONS connections, no descriptor or memory growth"
else
  bad "soak"
fi
stop_server
finish
