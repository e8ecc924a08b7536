#!/usr/bin/env bash
# Makes fresh TPM 2.0 quotes with a real software TPM (Debian's swtpm +
# tpm2-tools) for test_tpm_swtpm.c:
#   tpm_swtpm_quotes.sh OUT_DIR
# A throw-away TPM state in OUT_DIR/state, swtpm on unix sockets in OUT_DIR
# (no network port), stopped by PID on exit.  Writes, per AK kind K in
# rsassa, rsapss, ecc: K.ak.tpm2b, K.msg, K.sig
# plus values.bin (the selected PCR values in selection order), ek.tpm2b
# (an ECC EK), nonce.hex and selection.txt.  The AKs' PEM forms are not
# made (the verifier's own TPM2B import is what is tested).  Exits non-zero
# (and says why) when a tool is missing: CI installs them (scripts/install-deps.sh), so the test fails, not skips.
set -euo pipefail
OUT=${1:?usage: tpm_swtpm_quotes.sh OUT_DIR}
for t in swtpm tpm2_createek tpm2_createak tpm2_quote tpm2_pcrextend tpm2_pcrread tpm2_flushcontext \
         timeout od; do
  command -v "$t" >/dev/null || { echo "tpm_swtpm_quotes: $t not found (apt-get install swtpm swtpm-tools tpm2-tools)" >&2; exit 2; }
done
mkdir -p "$OUT/state"
SOCK="$OUT/swtpm.sock"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

swtpm socket --tpm2 --tpmstate dir="$OUT/state" \
  --server type=unixio,path="$SOCK" --ctrl type=unixio,path="$SOCK.ctrl" \
  --flags not-need-init,startup-clear >"$OUT/swtpm.log" 2>&1 &
PID=$!
export TPM2TOOLS_TCTI="swtpm:path=$SOCK"
export TSS2_LOG=all+none
T="timeout 20"
ready=0
for _ in $(seq 100); do
  if [ -S "$SOCK" ] && $T tpm2_pcrread sha256:0 >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.05
done
[ "$ready" = 1 ] || { echo "tpm_swtpm_quotes: swtpm did not come up" >&2; cat "$OUT/swtpm.log" >&2; exit 3; }

cd "$OUT"
# No resource manager on a raw swtpm socket: flush transient objects and
# sessions after each step, or the TPM's few slots fill up.
fl() { tpm2_flushcontext -t >/dev/null 2>&1 || true; tpm2_flushcontext -s >/dev/null 2>&1 || true; }
# An ECC EK (P-256, TCG default template): quick to make; the AKs' qualified
# names hash its Name.
$T tpm2_createek -c ek.ctx -G ecc -u ek.tpm2b >/dev/null
fl
for spec in rsassa:rsa:rsassa rsapss:rsa:rsapss ecc:ecc:ecdsa; do
  IFS=: read -r k alg scheme <<<"$spec"
  $T tpm2_createak -C ek.ctx -c "$k.ctx" -G "$alg" -g sha256 -s "$scheme" -u "$k.ak.tpm2b" >/dev/null
  fl
done
# Measurements: fixed digests (sha256 of ASCII strings) into PCRs 0, 7, 16.
$T tpm2_pcrextend "0:sha256=631f74b036e261c26b35abe80516fb8bcdef9ab53802b2938003def4044c04f5"
$T tpm2_pcrextend "7:sha256=da2a87be8731ea8d1b0b8c4a7e417d40dbc1aaaff5e86389a7e087cd2c8cd6cb"
$T tpm2_pcrextend "16:sha256=1c6fd1b87f06d848739ca04e20fc33ddd2f2556e9c7b866630ba049b41676ee7"
NONCE=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
SEL=sha256:0,1,2,3,7,16
printf '%s' "$NONCE" >nonce.hex
printf '%s' "$SEL" >selection.txt
for k in rsassa rsapss ecc; do
  scheme=$k; [ "$k" = ecc ] && scheme=ecdsa
  $T tpm2_quote -c "$k.ctx" -l "$SEL" -q "$NONCE" -g sha256 --scheme "$scheme" \
    -m "$k.msg" -s "$k.sig" >/dev/null
  fl
done
# The PCRs do not change between the quotes: one read serves all three.
$T tpm2_pcrread "$SEL" -o values.bin >/dev/null
echo "tpm_swtpm_quotes: quotes written to $OUT"
