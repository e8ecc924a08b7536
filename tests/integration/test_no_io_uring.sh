#!/usr/bin/env bash
# Where io_uring is refused (a seccomp filter, as in containers whose
# profile forbids it: no_io_uring.c), with the real binaries:
#  - vouch verify says so once, with what to change, falls back to plain
#    reads and writes, and gives exactly the results it gives with io_uring
#    (the same lines, in order, with --ordered) over a generated corpus;
#  - vouch serve and vouch loadgen, which need io_uring, refuse to start with
#    a message that says how to allow it (exit status 4), never hang.
# Usage: test_no_io_uring.sh VOUCH_BINARY NO_IO_URING_BINARY
set -euo pipefail
VOUCH=${1:?usage: test_no_io_uring.sh VOUCH_BINARY NO_IO_URING_BINARY}
NOURING=${2:?usage: test_no_io_uring.sh VOUCH_BINARY NO_IO_URING_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/vouch-no-io-uring-XXXXXX)
# shellcheck source=server_lib.sh
. "$HERE/server_lib.sh"
cleanup_on_exit
# A machine that cannot install seccomp filters at all cannot run this test
# (it says so and is reported as skipped, never as passed).
if ! "$NOURING" true 2> "$WORK/probe.err"; then
  echo "SKIP: $(cat "$WORK/probe.err")"
  exit 77
fi

"$VOUCH" gen sgx --out "$WORK/c" --platforms 16 --quotes 300 --mix all --quiet
args=(verify --ordered --jobs 2 --trust-anchor "$WORK/c/trust-anchor.pem"
      --collateral "$WORK/c/collateral" --at "$(date -u +%s)" --no-progress)
rc=0
"$VOUCH" "${args[@]}" -o "$WORK/with.ndjson" "$WORK/c/evidence.ndjson" 2> "$WORK/with.err" || rc=$?
check "with io_uring: exit 0-2 (the verdicts decide), the summary says io_uring" \
  [ "$rc" -le 2 -a -n "$(grep -o '; io_uring' "$WORK/with.err")" ]
rc2=0
"$NOURING" "$VOUCH" "${args[@]}" -o "$WORK/without.ndjson" "$WORK/c/evidence.ndjson" \
  2> "$WORK/without.err" || rc2=$?
check "refused: the same exit status ($rc2 = $rc)" [ "$rc2" = "$rc" ]
check "refused: said once, with what to change" \
  [ "$(grep -c 'io_uring is not available' "$WORK/without.err")" = 1 -a \
    -n "$(grep -o 'io_uring_disabled=0' "$WORK/without.err")" ]
check "refused: the summary says plain I/O" grep -q '; plain I/O' "$WORK/without.err"
check "refused: 300 result lines, identical to io_uring's (ids, verdicts, claims)" \
  [ "$(wc -l < "$WORK/without.ndjson")" = 300 ] && cmp -s "$WORK/with.ndjson" "$WORK/without.ndjson"
# stdin and stdout through plain reads and writes too.
"$NOURING" "$VOUCH" "${args[@]}" < "$WORK/c/evidence.ndjson" > "$WORK/pipe.ndjson" 2> /dev/null || true
check "refused, stdin to stdout: the same 300 lines" cmp -s "$WORK/with.ndjson" "$WORK/pipe.ndjson"

rc=0
timeout 20 "$NOURING" "$VOUCH" serve --listen 127.0.0.1:0 --state-dir "$WORK/state" \
  2> "$WORK/serve.err" || rc=$?
check "vouch serve refuses to start (exit 4), saying how to allow io_uring" \
  [ "$rc" = 4 -a -n "$(grep -o 'vouch serve needs it' "$WORK/serve.err")" ]
rc=0
timeout 20 "$NOURING" "$VOUCH" loadgen --target http://127.0.0.1:9 --gen sgx:platforms=1,quotes=10 \
  --rate 10 --duration 1 2> "$WORK/loadgen.err" > /dev/null || rc=$?
check "vouch loadgen refuses to start, saying how to allow io_uring (exit $rc)" \
  [ "$rc" -ne 0 -a "$rc" -ne 124 -a -n "$(grep -o 'vouch loadgen needs it' "$WORK/loadgen.err")" ]
finish
