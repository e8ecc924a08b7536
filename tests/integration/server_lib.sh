# tests/integration/server_lib.sh - what the `vouch serve` tests share:
# starting a real server on 127.0.0.1 port 0 (the port read from its
# "listening on" line), stopping it and checking it exited 0, curl helpers,
# and the ok/bad tally.  Source it after setting VOUCH (the binary) and WORK
# (a scratch folder).
PY=/usr/bin/python3
failures=0
ok() { echo "ok: $*"; }
bad() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
# cleanup_on_exit VAR...: on exit (or INT/TERM), end nginx (when
# nginx_lib.sh is loaded) and the processes whose pids the named variables
# hold at that moment, then remove $WORK.
cleanup_on_exit() {
  CLEANUP_PID_VARS=("$@")
  trap _cleanup EXIT
  trap 'exit 1' INT TERM
}
_cleanup() {
  local v p
  if declare -F kill_nginx > /dev/null; then kill_nginx; fi
  for v in "${CLEANUP_PID_VARS[@]}"; do
    p=${!v:-}
    if [ -n "$p" ]; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}

# start_server NAME [serve options...]: SRV_PID, SRV_URL, SRV_PORT, SRV_ERR.
start_server() {
  local name=$1
  shift
  SRV_ERR=$WORK/$name.err
  "$VOUCH" serve --listen 127.0.0.1:0 "$@" 2> "$SRV_ERR" &
  SRV_PID=$!
  local i
  for i in $(seq 1 600); do
    if grep -q 'listening on' "$SRV_ERR" 2>/dev/null; then break; fi
    if ! kill -0 "$SRV_PID" 2>/dev/null; then
      echo "FAIL: server $name did not start:" >&2
      cat "$SRV_ERR" >&2
      exit 1
    fi
    sleep 0.05
  done
  SRV_URL=$(sed -n 's/^vouch: listening on \(http:[^ ]*\)$/\1/p' "$SRV_ERR")
  SRV_PORT=${SRV_URL##*:}
  if [ -z "$SRV_URL" ]; then
    echo "FAIL: server $name printed no address" >&2
    cat "$SRV_ERR" >&2
    exit 1
  fi
}

# stop_server: SIGTERM, then it must exit 0 within 20 s.
stop_server() {
  kill -TERM "$SRV_PID"
  local rc=0 i
  for i in $(seq 1 400); do
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$SRV_PID" 2>/dev/null; then
    bad "the server did not stop within 20 s of SIGTERM"
    kill -KILL "$SRV_PID"
  fi
  wait "$SRV_PID" || rc=$?
  SRV_PID=
  if [ "$rc" -eq 0 ]; then ok "SIGTERM: the server exited 0"; else
    bad "the server exited $rc; its stderr:"
    cat "$SRV_ERR" >&2
  fi
}

# call METHOD PATH [curl options...]: the status code on stdout, the body in
# $WORK/body and the headers in $WORK/headers.
call() {
  local method=$1 path=$2
  shift 2
  curl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$method" \
    "$SRV_URL$path" "$@"
}

# jget EXPR [FILE]: a value of the JSON document in FILE ($WORK/body), by a
# Python expression over `d`.
jget() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' \
    "$1" "${2:-$WORK/body}"
}

# claims TOKEN: the decoded payload of a JWS (no signature check).
claims() {
  "$PY" -c 'import base64,sys
p=sys.argv[1].split(".")[1]
print(base64.urlsafe_b64decode(p+"="*(-len(p)%4)).decode())' "$1"
}
# jws_header TOKEN: the decoded header.
jws_header() {
  "$PY" -c 'import base64,sys
p=sys.argv[1].split(".")[0]
print(base64.urlsafe_b64decode(p+"="*(-len(p)%4)).decode())' "$1"
}
# unsigned_jws FILE: the policy JWS of PUT /policies (alg none) around FILE's
# text, without checking it.
unsigned_jws() {
  "$PY" -c 'import base64,json,sys
u=lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
t=open(sys.argv[1],"rb").read()
sys.stdout.write(u(b"{\"alg\":\"none\"}")+"."+u(json.dumps({"AttestationPolicy":u(t)}).encode())+".")' "$1"
}
