#!/usr/bin/env bash
# The shipped systemd unit (tools/deploy/systemd/vouch@.service), checked
# offline: systemd does not run as PID 1 here, so the unit is never started
# by systemd; what can be checked without it is:
#  - `systemd-analyze verify` on the shipped file, copied byte for byte into
#    a scratch root (--root) with the built vouch as /usr/local/bin/vouch:
#    no diagnostic at all (a misspelt value in a copy must give one, so the
#    check is known to see them);
#  - `systemd-analyze security --offline`: exposure at most 2.0 ("OK");
#  - the system call filter: the unit's SystemCallFilter lines expanded with
#    `systemd-analyze syscall-filter` (allow list less deny list) must allow
#    io_uring_setup/enter/register and every system call vouch serve makes
#    (strace -f) while starting, creating its keys, answering an attest with
#    the real SGX vector and a policy write, reloading and draining;
#  - the unit's own ExecStart, ExecReload and KillSignal, run as systemd
#    would substitute them (%i = a free port, ${STATE_DIRECTORY},
#    ${CREDENTIALS_DIRECTORY}/admin-token from LoadCredential=, $VOUCH_OPTS
#    split into words): vouch listens on 127.0.0.1:%i, the admin token
#    reaches it, ExecReload makes it reload, KillSignal makes it exit 0.
# Skips (exit 77) only where systemd-analyze, strace or curl is not installed.
# Usage: test_deploy_systemd.sh VOUCH_BINARY VECTORS_DIR
set -euo pipefail
VOUCH=${1:?usage: test_deploy_systemd.sh VOUCH_BINARY VECTORS_DIR}
VECTORS=${2:?usage: test_deploy_systemd.sh VOUCH_BINARY VECTORS_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
UNIT_SRC=$(cd "$HERE/../../tools/deploy/systemd" && pwd)/vouch@.service
WORK=$(mktemp -d /tmp/vouch-deploy-systemd-XXXXXX)
SRV_PID=
TRACE_PID=
# shellcheck source=server_lib.sh
. "$HERE/server_lib.sh"
cleanup_on_exit SRV_PID TRACE_PID
missing=()
for t in systemd-analyze strace curl; do command -v "$t" > /dev/null || missing+=("$t"); done
if [ ${#missing[@]} -ne 0 ]; then
  echo "SKIP: not installed: ${missing[*]} (scripts/install-deps.sh installs them)"
  exit 77
fi
SET=$VECTORS/sgx/phala-dcap-qvl-sgx-v3
if [ ! -f "$SET/quote.dat" ]; then
  echo "FAIL: the SGX vector is not at $SET" >&2
  exit 1
fi
AT=2025-07-19T10:00:34Z # inside the vector's collateral window (MANIFEST.md)
echo "$(systemd-analyze --version | head -1); PID 1 here: $(ps -o comm= -p 1)"

# ---- systemd-analyze verify, in a scratch root ----------------------------------------
ROOT=$WORK/root
mkdir -p "$ROOT/usr/local/bin" "$ROOT/usr/bin" "$ROOT/usr/lib/systemd/system" \
  "$ROOT/etc/systemd/system"
ln -s usr/bin "$ROOT/bin"
cp "$VOUCH" "$ROOT/usr/local/bin/vouch"
cp "$(type -P kill || echo /bin/kill)" "$ROOT/usr/bin/kill"
for d in /usr/lib/systemd/system /lib/systemd/system; do
  if ls "$d"/*.target > /dev/null 2>&1; then cp "$d"/*.target "$ROOT/usr/lib/systemd/system/"; break; fi
done
cp "$UNIT_SRC" "$ROOT/etc/systemd/system/vouch@.service"
cmp -s "$UNIT_SRC" "$ROOT/etc/systemd/system/vouch@.service"
rc=0
systemd-analyze verify --root="$ROOT" vouch@8081.service > "$WORK/verify.out" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$WORK/verify.out" ]; then
  ok "systemd-analyze verify: vouch@8081.service, no diagnostic"
else
  bad "systemd-analyze verify exited $rc:"
  cat "$WORK/verify.out" >&2
fi
sed 's/^ProtectSystem=strict$/ProtectSystem=stric/' "$UNIT_SRC" > "$ROOT/etc/systemd/system/vouch@.service"
systemd-analyze verify --root="$ROOT" vouch@8081.service > "$WORK/verify.out" 2>&1 || true
check "systemd-analyze verify reports a misspelt value (the check sees diagnostics)" \
  grep -q 'ProtectSystem\|protect system' "$WORK/verify.out"
cp "$UNIT_SRC" "$ROOT/etc/systemd/system/vouch@.service"
rc=0
systemd-analyze security --offline=yes --root="$ROOT" --threshold=20 vouch@8081.service \
  > "$WORK/security.out" 2>&1 || rc=$?
exposure=$(grep -o 'Overall exposure level for [^:]*: [0-9.]* [A-Z]*' "$WORK/security.out" || true)
if [ "$rc" -eq 0 ] && [ -n "$exposure" ]; then
  ok "systemd-analyze security --offline: $exposure (at most 2.0 required)"
else
  bad "systemd-analyze security exited $rc: ${exposure:-no exposure line}"
  tail -40 "$WORK/security.out" >&2
fi

# ---- the unit's own command lines, as systemd would run them ---------------------------
PORT=$("$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/state" "$WORK/creds"
ADMIN=unit-admin-token-5b1e
printf '%s\n' "$ADMIN" > "$WORK/creds/admin-token"
# unit_cmd KEY: KEY's command line, one word a line, with %i, ${VAR} and
# $VAR substituted the way systemd.service(5) says ($VAR splits into words).
unit_cmd() {
  "$PY" - "$UNIT_SRC" "$1" "$PORT" "$WORK/state" "$WORK/creds" "$VOUCH" "$SET/collateral.json" \
    "$AT" "${MAINPID:-}" <<'EOF'
import re, shlex, sys
unit, key, port, state, creds, vouch, coll, at, mainpid = sys.argv[1:]
text = re.sub(r"\\\n", " ", open(unit).read())
lines = [l.split("=", 1)[1] for l in text.splitlines() if l.startswith(key + "=")]
assert len(lines) == 1, (key, lines)
env = {"STATE_DIRECTORY": state, "CREDENTIALS_DIRECTORY": creds, "MAINPID": mainpid,
       "VOUCH_OPTS": f"--collateral {coll} --at {at} --workers 2"}
out = []
for w in shlex.split(lines[0]):
    w = w.replace("%i", port)
    m = re.fullmatch(r"\$([A-Z_]+)", w)
    if m:
        out += env[m.group(1)].split()
        continue
    w = re.sub(r"\$\{([A-Z_]+)\}", lambda m: env[m.group(1)], w)
    out.append(w)
if out[0] == "/usr/local/bin/vouch":
    out[0] = vouch
print("\n".join(out))
EOF
}
unit_value() { sed -n "s/^$1=//p" "$UNIT_SRC"; }
mapfile -t START < <(unit_cmd ExecStart)
check "ExecStart runs vouch serve on 127.0.0.1:%i" \
  [ "${START[1]}" = serve -a "${START[3]}" = "127.0.0.1:$PORT" ]
SRV_ERR=$WORK/serve.err
strace -f -qq -o "$WORK/trace" -- "${START[@]}" 2> "$SRV_ERR" &
TRACE_PID=$!
for i in $(seq 1 600); do
  grep -q 'listening on' "$SRV_ERR" 2>/dev/null && break
  kill -0 "$TRACE_PID" 2>/dev/null || break
  sleep 0.05
done
SRV_PID=$(pgrep -P "$TRACE_PID" | head -1 || true)
if ! grep -q "listening on http://127.0.0.1:$PORT" "$SRV_ERR" || [ -z "$SRV_PID" ]; then
  echo "FAIL: the unit's ExecStart did not start vouch serve:" >&2
  cat "$SRV_ERR" >&2
  exit 1
fi
SRV_URL=http://127.0.0.1:$PORT
ok "ExecStart under strace: listening on $SRV_URL (pid $SRV_PID)"
"$PY" - "$SET/quote.dat" "$WORK/attest.json" <<'EOF'
import base64, json, sys
q = open(sys.argv[1], "rb").read()
json.dump({"quote": base64.urlsafe_b64encode(q).decode().rstrip("=")}, open(sys.argv[2], "w"))
EOF
code=$(call POST /attest/SgxEnclave --data-binary @"$WORK/attest.json")
check "attest through the unit's command line: 200 with a token" \
  [ "$code" = 200 -a -n "$(jget 'd.get("token","")')" ]
printf 'version=1.0; authorizationrules { => permit(); }; issuancerules { };' > "$WORK/p.policy"
unsigned_jws "$WORK/p.policy" > "$WORK/p.jws"
code=$(call PUT /policies/SgxEnclave -H "Authorization: Bearer $ADMIN" --data-binary @"$WORK/p.jws")
check "the LoadCredential admin token reaches vouch: a policy write is 200" [ "$code" = 200 ]
code=$(call PUT /policies/SgxEnclave -H "Authorization: Bearer wrong" --data-binary @"$WORK/p.jws")
check "... and a wrong token is refused ($code)" [ "$code" = 401 -o "$code" = 403 ]

MAINPID=$SRV_PID
mapfile -t RELOAD < <(unit_cmd ExecReload)
"${RELOAD[@]}"
for i in $(seq 1 100); do
  grep -q 'SIGHUP' "$SRV_ERR" && break
  sleep 0.05
done
code=$(call GET /healthz)
check "ExecReload (${RELOAD[*]}): vouch reloads and keeps serving" \
  [ "$code" = 200 ] && grep -q 'SIGHUP' "$SRV_ERR"
SIG=$(unit_value KillSignal)
check "KillSignal is SIGTERM (vouch drains on it)" [ "$SIG" = SIGTERM ]
kill -s "${SIG#SIG}" "$SRV_PID"
rc=0
wait "$TRACE_PID" || rc=$?
TRACE_PID= SRV_PID=
check "KillSignal: vouch exits 0 (strace passes its status on: $rc)" [ "$rc" -eq 0 ]

# ---- the system call filter ------------------------------------------------------------
if "$PY" - "$UNIT_SRC" "$WORK/trace" <<'EOF'; then
import re, subprocess, sys
unit, trace = sys.argv[1], sys.argv[2]
cache = {}
def expand(name):
    if not name.startswith("@"):
        return {name}
    if name not in cache:
        out = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                             capture_output=True, text=True).stdout.splitlines()
        s = set()
        for l in out[1:]:
            l = l.strip()
            if l and not l.startswith("#"):
                s |= expand(l)
        cache[name] = s
    return cache[name]
allow, deny = set(), set()
for l in open(unit).read().splitlines():
    if l.startswith("SystemCallFilter="):
        v = l.split("=", 1)[1]
        if v.startswith("~"):
            for n in v[1:].split(): deny |= expand(n)
        else:
            for n in v.split(): allow |= expand(n)
allowed = allow - deny
for s in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
    assert s in allowed, s + " is not allowed"
for s in ("mount", "ptrace", "setrlimit", "init_module", "reboot", "setuid"):
    assert s not in allowed, s + " is allowed"  # the deny list takes effect
used = set()
for l in open(trace):
    m = re.match(r"\d+ +(?:<\.\.\. )?([a-z0-9_]+)[( ]", l)
    if m and m.group(1) not in ("exited", "killed", "resumed"):
        used.add(m.group(1))
refused = sorted(used - allowed)
print(f"vouch serve made {len(used)} distinct system calls; "
      f"the unit allows {len(allowed)}; refused: {refused}")
sys.exit(1 if refused or len(used) < 10 else 0)
EOF
  ok "SystemCallFilter allows io_uring and every system call vouch serve made"
else
  bad "SystemCallFilter refuses system calls vouch serve makes (above)"
fi
finish
