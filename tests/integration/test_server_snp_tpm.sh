#!/usr/bin/env bash
# `vouch serve` for SEV-SNP and TPM evidence: POST /attest/SevSnpVm with
# Azure's request shape ({"report": base64 of {"SnpReport", "VcekCertChain"}})
# for a plain Milan report and Azure's Genoa HCL report; POST /attest/Tpm
# with vouch's TPM evidence object; each answered with a token of the right
# attestation type that PyJWT verifies under /certs, and the tampered
# copies answered 400 with the reason.
# Usage: test_server_snp_tpm.sh VOUCH_BINARY VECTORS_DIR
set -euo pipefail
VOUCH=${1:?usage: test_server_snp_tpm.sh VOUCH_BINARY VECTORS_DIR}
V=${2:?usage: test_server_snp_tpm.sh VOUCH_BINARY VECTORS_DIR}
WORK=$(mktemp -d /tmp/vouch-srv-snp-XXXXXX)
trap '[ -n "${SRV_PID:-}" ] && kill -KILL "$SRV_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
source "$(dirname "$0")/server_lib.sh"

"$PY" - "$V" "$WORK" <<'EOF'
import base64, json, subprocess, sys
V, W = sys.argv[1], sys.argv[2]
b64u = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
def pem(der):
    return subprocess.run(["openssl", "x509", "-inform", "DER"], input=der,
                          capture_output=True, check=True).stdout
def snp_body(report_path, vcek_path, flip=None):
    rep = bytearray(open(report_path, "rb").read())
    if flip is not None: rep[flip] ^= 1
    doc = {"SnpReport": b64u(bytes(rep)),
           "VcekCertChain": base64.b64encode(pem(open(vcek_path, "rb").read())).decode()}
    return {"report": base64.b64encode(json.dumps(doc).encode()).decode(), "nonce": "n-123"}
json.dump(snp_body(f"{V}/snp/milan-virtee/report.bin", f"{V}/snp/milan-virtee/vcek.der"),
          open(f"{W}/snp.json", "w"))
json.dump(snp_body(f"{V}/snp/milan-virtee/report.bin", f"{V}/snp/milan-virtee/vcek.der", 0x90),
          open(f"{W}/snp-bad.json", "w"))
json.dump(snp_body(f"{V}/snp/genoa-azure/hcl-report.bin", f"{V}/snp/genoa-azure/vcek.der"),
          open(f"{W}/hcl.json", "w"))
t = f"{V}/tpm/quote_rsa_rsassa"
rb = lambda p: b64u(open(p, "rb").read())
tpm = {"quote": rb(t + ".msg"), "signature": rb(t + ".sig"), "ak_pub": rb(f"{V}/tpm/ak_rsa.tpm2b"),
       "ek_pub": rb(f"{V}/tpm/ek_rsa.tpm2b"), "pcr_values": rb(t + ".pcrvalues.bin"),
       "selection": open(t + ".selection.txt").read().strip(),
       "nonce": open(t + ".nonce.hex").read().strip()}
json.dump(tpm, open(f"{W}/tpm.json", "w"))
tpm["nonce"] = "00" * 32
json.dump(tpm, open(f"{W}/tpm-bad.json", "w"))
EOF

start_server snp --state-dir "$WORK/state" --at 2025-06-01T00:00:00Z --token-alg ES256 \
  --public-url http://attest.test
curl -s "$SRV_URL/certs" > "$WORK/certs.json"

post() { # post ROUTE FILE: writes $WORK/body, prints the status
  curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$2" "$SRV_URL/attest/$1?api-version=2025-06-01"
}
token_check() { # token_check ATTESTATION_TYPE PYTHON_ASSERTS
  "$PY" - "$WORK" "$1" "$2" <<'EOF'
import json, sys
import jwt
work, att, extra = sys.argv[1], sys.argv[2], sys.argv[3]
keys = {k["kid"]: k for k in json.load(open(f"{work}/certs.json"))["keys"]}
t = json.load(open(f"{work}/body"))["token"]
c = jwt.decode(t, jwt.PyJWK(keys[jwt.get_unverified_header(t)["kid"]]).key, algorithms=["ES256"],
               issuer="http://attest.test")
assert c["x-ms-attestation-type"] == att, c["x-ms-attestation-type"]
exec(extra)
EOF
}

code=$(post SevSnpVm "$WORK/snp.json")
if [ "$code" = 200 ] && token_check sevsnpvm 'assert c["nonce"] == "n-123" and c["x-ms-sevsnpvm-is-debuggable"] is False and len(c["x-ms-sevsnpvm-launchmeasurement"]) == 96'; then
  ok "SevSnpVm (Milan report + VCEK chain): 200, a sevsnpvm token with the report's claims"
else
  bad "SevSnpVm: $code $(head -c 300 "$WORK/body")"
fi
code=$(post SevSnpVm "$WORK/snp-bad.json")
if [ "$code" = 400 ] && grep -q 'signature invalid' "$WORK/body"; then
  ok "SevSnpVm with a flipped measurement bit: 400, report signature invalid"
else
  bad "SevSnpVm tampered: $code $(head -c 300 "$WORK/body")"
fi
code=$(post SevSnpVm "$WORK/hcl.json")
if [ "$code" = 200 ] && token_check sevsnpvm 'assert isinstance(c["x-ms-runtime"], dict) and "keys" in c["x-ms-runtime"]'; then
  ok "SevSnpVm (Azure HCL report): 200, the runtime claims as x-ms-runtime"
else
  bad "SevSnpVm HCL: $code $(head -c 300 "$WORK/body")"
fi
code=$(post Tpm "$WORK/tpm.json")
if [ "$code" = 200 ] && token_check tpm 'assert c["tpm_qualified_signer_checked"] is True and c["tpm_nonce_checked"] is True and "pcrs" not in c'; then
  ok "Tpm (vouch's evidence object): 200, a tpm token"
else
  bad "Tpm: $code $(head -c 300 "$WORK/body")"
fi
code=$(post Tpm "$WORK/tpm-bad.json")
if [ "$code" = 400 ] && grep -q 'nonce' "$WORK/body"; then
  ok "Tpm with the wrong nonce: 400 naming the nonce"
else
  bad "Tpm wrong nonce: $code $(head -c 300 "$WORK/body")"
fi
printf 'not json' > "$WORK/junk"
code=$(post Tpm "$WORK/junk")
if [ "$code" = 400 ]; then ok "Tpm with a body that is not an object: 400"; else bad "Tpm junk: $code"; fi
stop_server

# A SevSnpVm request without VcekCertChain: the VCEK comes from the server's
# collateral directory (by product, chip id and reported TCB), made by
# vouch gen snp with its test ARK as the trust anchor.
"$VOUCH" gen snp --out "$WORK/gsnp" --chips 2 --reports 16 --quiet
"$PY" - "$WORK" <<'PYEOF'
import base64, json, sys
W = sys.argv[1]
want = {}
for line in open(f"{W}/gsnp/expected.ndjson"):
    e = json.loads(line)
    want.setdefault(e["kind"], e["id"])
for line in open(f"{W}/gsnp/evidence.ndjson"):
    env = json.loads(line)
    for kind, name in (("good", "dir-good"), ("tcb-mismatch", "dir-missing")):
        if env["id"] == want.get(kind):
            doc = {"SnpReport": env["evidence"]}  # no VcekCertChain
            body = {"report": base64.b64encode(json.dumps(doc).encode()).decode()}
            json.dump(body, open(f"{W}/{name}.json", "w"))
PYEOF
start_server dir --state-dir "$WORK/state-dir" --token-alg ES256 --public-url http://attest.test \
  --collateral "$WORK/gsnp/collateral" --trust-anchor "$WORK/gsnp/trust-anchor.pem"
curl -s "$SRV_URL/certs" > "$WORK/certs.json"
code=$(post SevSnpVm "$WORK/dir-good.json")
if [ "$code" = 200 ] && token_check sevsnpvm "assert c['x-ms-sevsnpvm-is-debuggable'] is False"; then
  ok "SevSnpVm without VcekCertChain: the VCEK from --collateral DIR, 200 with a token"
else
  bad "SevSnpVm from the directory: $code $(head -c 300 "$WORK/body")"
fi
code=$(post SevSnpVm "$WORK/dir-missing.json")
check "SevSnpVm whose reported TCB has no VCEK in the directory: 400 naming what is missing" \
  [ "$code" = 400 -a -n "$(grep -o 'no VCEK' "$WORK/body")" ]
stop_server

# Isolated mode: a signed policy for Tpm, then tokens carry its signer.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/s.key" -out "$WORK/s.pem" \
  -subj /CN=policy-signer -days 2 2> /dev/null
printf 'version=1.0; authorizationrules { => permit(); }; issuancerules { };' > "$WORK/p.policy"
"$VOUCH" policy sign --key "$WORK/s.key" --cert "$WORK/s.pem" "$WORK/p.policy" | tr -d '\n' \
  > "$WORK/p.jws"
start_server iso --state-dir "$WORK/state2" --policy-signer "$WORK/s.pem" --token-alg ES256 \
  --public-url http://attest.test
curl -s "$SRV_URL/certs" > "$WORK/certs.json"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
  --data-binary @"$WORK/p.jws" "$SRV_URL/policies/Tpm?api-version=2025-06-01")
[ "$code" = 200 ] || bad "PUT signed Tpm policy: $code $(head -c 300 "$WORK/body")"
signer_der=$(openssl x509 -in "$WORK/s.pem" -outform DER | base64 -w0)
code=$(post Tpm "$WORK/tpm.json")
if [ "$code" = 200 ] && token_check tpm "assert c['x-ms-policy-signer']['x5c'][0] == '$signer_der' and c['x-ms-policy-signer']['kty'] == 'RSA'"; then
  ok "a token under an uploaded signed policy carries x-ms-policy-signer (its x5c is the signer)"
else
  bad "x-ms-policy-signer: $code $(head -c 300 "$WORK/body")"
fi
stop_server
finish
