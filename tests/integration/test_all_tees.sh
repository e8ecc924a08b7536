#!/usr/bin/env bash
# Every evidence type through one bulk run: real SGX, TDX, SEV-SNP (VCEK and
# VLEK), Azure's SNP HCL report and a TPM quote, as NDJSON envelopes, on the
# worker pool, with a policy that reads each type's own claims and a token
# per item; checked item by item (status, policy decision, the token's
# attestation type and claims, verified by PyJWT with the JWKS); tampered
# copies of each fail.  Counts in == counts out.
# Usage: test_all_tees.sh VOUCH_BINARY VECTORS_DIR
set -euo pipefail
VOUCH=${1:?usage: test_all_tees.sh VOUCH_BINARY VECTORS_DIR}
V=${2:?usage: test_all_tees.sh VOUCH_BINARY VECTORS_DIR}
PY=/usr/bin/python3
"$PY" -c 'import jwt' 2>/dev/null || { echo "FAIL: $PY lacks PyJWT (python3-jwt)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/vouch-all-tees-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The envelopes, built from the vectors at run time.
"$PY" - "$V" > "$WORK/in.ndjson" <<'EOF'
import base64, json, sys
V = sys.argv[1]
b64 = lambda p: base64.urlsafe_b64encode(open(p, "rb").read()).decode().rstrip("=")
def flip(p, off):
    b = bytearray(open(p, "rb").read()); b[off] ^= 1
    return base64.urlsafe_b64encode(bytes(b)).decode().rstrip("=")
coll = lambda s: json.load(open(f"{V}/{s}/collateral.json"))
out = []
out.append({"id": "sgx", "type": "sgx", "evidence": b64(f"{V}/sgx/phala-dcap-qvl-sgx-v3/quote.dat"),
            "at": 1752919277, "collateral": coll("sgx/phala-dcap-qvl-sgx-v3")})
out.append({"id": "tdx", "type": "tdx", "evidence": b64(f"{V}/tdx/phala-dcap-qvl-tdx-v4/quote.dat"),
            "at": 1752919234, "collateral": coll("tdx/phala-dcap-qvl-tdx-v4")})
out.append({"id": "tdx-bad", "type": "tdx",
            "evidence": flip(f"{V}/tdx/phala-dcap-qvl-tdx-v4/quote.dat", 200),
            "at": 1752919234, "collateral": coll("tdx/phala-dcap-qvl-tdx-v4")})
snp_at = "2025-06-01T00:00:00Z"
out.append({"id": "snp-vcek", "type": "snp", "evidence": b64(f"{V}/snp/milan-virtee/report.bin"),
            "at": snp_at, "collateral": {"vcek": b64(f"{V}/snp/milan-virtee/vcek.der")}})
out.append({"id": "snp-vlek", "type": "snp", "evidence": b64(f"{V}/snp/milan-vlek-aws/report.bin"),
            "at": snp_at, "collateral": {"vlek": b64(f"{V}/snp/milan-vlek-aws/vlek.der")}})
out.append({"id": "snp-bad", "type": "snp",
            "evidence": b64(f"{V}/snp/milan-virtee/neg-tampered-measurement.bin"),
            "at": snp_at, "collateral": {"vcek": b64(f"{V}/snp/milan-virtee/vcek.der")}})
out.append({"id": "snp-azure", "type": "snp-azure", "evidence": b64(f"{V}/snp/genoa-azure/hcl-report.bin"),
            "at": snp_at, "collateral": {"vcek": b64(f"{V}/snp/genoa-azure/vcek.der")}})
t = f"{V}/tpm/quote_rsa_rsassa"
tpm = {"quote": b64(t + ".msg"), "signature": b64(t + ".sig"), "ak_pub": b64(f"{V}/tpm/ak_rsa.tpm2b"),
       "ek_pub": b64(f"{V}/tpm/ek_rsa.tpm2b"), "pcr_values": b64(t + ".pcrvalues.bin"),
       "selection": open(t + ".selection.txt").read().strip(), "nonce": open(t + ".nonce.hex").read().strip()}
out.append({"id": "tpm", "type": "tpm", "evidence": tpm})
bad = dict(tpm); bad["nonce"] = "00" * 32
out.append({"id": "tpm-bad-nonce", "type": "tpm", "evidence": bad})
for o in out: print(json.dumps(o, separators=(",", ":")))
EOF

# One policy for all: each type's own claims decide.
cat > "$WORK/all.policy" <<'EOF'
version=1.0;
authorizationrules {
  [type=="x-ms-sgx-is-debuggable", value==false] => permit();
  [type=="tdx_td_attributes_debug", value==false] => permit();
  [type=="x-ms-sevsnpvm-is-debuggable", value==false] => permit();
  [type=="x-ms-attestation-type", value=="tpm"] && [type=="tpm_qualified_signer_checked", value==true] => permit();
};
issuancerules {
  c:[type=="x-ms-attestation-type"] => issue(type="tee", value=c.value);
  c:[type=="x-ms-sevsnpvm-launchmeasurement"] => issue(type="measurement", value=c.value);
  c:[type=="tdx_mrtd"] => issue(type="measurement", value=c.value);
  c:[type=="x-ms-sgx-mrenclave"] => issue(type="measurement", value=c.value);
};
EOF

rc=0
"$VOUCH" verify -q --jobs 2 --batch 3 --ordered --policy "$WORK/all.policy" --token \
  --token-alg ES256 --state-dir "$WORK/state" "$WORK/in.ndjson" > "$WORK/out.ndjson" || rc=$?
"$VOUCH" token jwks --state-dir "$WORK/state" > "$WORK/jwks.json"
"$PY" - "$WORK" "$rc" <<'EOF'
import json, sys
import jwt
work, rc = sys.argv[1], int(sys.argv[2])
jwks = {k["kid"]: k for k in json.load(open(f"{work}/jwks.json"))["keys"]}
lines = [json.loads(l) for l in open(f"{work}/out.ndjson")]
assert len(lines) == 9, len(lines)  # counts in == counts out
by = {r["id"]: r for r in lines}
want = {  # id: (status, policy, x-ms-attestation-type or None when no token)
    "sgx": ("warning", "permit", "sgx"),
    "tdx": ("affirming", "permit", "tdxvm"),
    "tdx-bad": ("contraindicated", None, None),
    "snp-vcek": ("affirming", "permit", "sevsnpvm"),
    "snp-vlek": ("affirming", "permit", "sevsnpvm"),
    "snp-bad": ("contraindicated", None, None),
    "snp-azure": ("affirming", "permit", "sevsnpvm"),
    "tpm": ("affirming", "permit", "tpm"),
    "tpm-bad-nonce": ("contraindicated", None, None),
}
failed = False
for id_, (status, policy, att) in want.items():
    r = by[id_]
    try:
        assert r["status"] == status, (r["status"], r["error"])
        assert r["policy"] == policy, (r["policy"], r.get("policy_detail"))
        if att is None:
            assert r["token"] is None and r["error"] is not None, r
            continue
        t = r["token"]
        c = jwt.decode(t, jwt.PyJWK(jwks[jwt.get_unverified_header(t)["kid"]]).key, algorithms=["ES256"])
        assert c["x-ms-attestation-type"] == att and c["tee"] == att, c
        if att != "tpm":
            assert len(c["measurement"]) in (64, 96), c
        if att == "sevsnpvm":
            assert c["x-ms-sevsnpvm-launchmeasurement"] == r["claims"]["snp_measurement"]
            assert c["x-ms-sevsnpvm-is-debuggable"] is False and type(c["x-ms-sevsnpvm-vmpl"]) is int
            assert "events" not in c and "pcrs" not in c
        if att == "tpm":
            assert c["tpmVersion"] == 2 and "pcrs" not in c  # raw evidence never in a token
        print(f"  {id_}: {status}, {policy}, token {att}")
    except Exception as e:
        print(f"FAIL {id_}: {type(e).__name__}: {e}", file=sys.stderr)
        failed = True
assert not by["snp-bad"]["error"] is None and "signature" in by["snp-bad"]["error"]["message"]
assert "nonce" in by["tpm-bad-nonce"]["error"]["message"], by["tpm-bad-nonce"]["error"]
assert rc == 1, f"exit code {rc}, want 1 (contraindicated items, none error)"
sys.exit(1 if failed else 0)
EOF
# Single mode: `vouch verify --type snp|tpm --evidence FILE`.
"$PY" - "$WORK" <<'EOF2'
import json, sys
w = sys.argv[1]
for l in open(f"{w}/in.ndjson"):
    o = json.loads(l)
    if o["id"] == "tpm": json.dump(o["evidence"], open(f"{w}/tpm.json", "w"))
EOF2
out=$("$VOUCH" verify -q --type tpm --evidence "$WORK/tpm.json")
echo "$out" | grep -q '"status":"affirming"' || { echo "FAIL: single-mode TPM: $out" >&2; exit 1; }
rc=0
out=$("$VOUCH" verify -q --type snp --evidence "$V/snp/milan-virtee/neg-tampered-measurement.bin" \
  --collateral "$V/snp/milan-virtee/vcek.der" --at 2025-06-01T00:00:00Z) || rc=$?
echo "$out" | grep -q 'report signature invalid' && [ "$rc" = 1 ] ||
  { echo "FAIL: single-mode SNP tampered: rc $rc $out" >&2; exit 1; }
out=$("$VOUCH" verify -q --type snp --evidence "$V/snp/milan-virtee/report.bin" \
  --collateral "$V/snp/milan-virtee/vcek.der" --collateral "$V/snp/milan-virtee/ask.pem" \
  --collateral "$V/snp/milan-virtee/ark.pem" --at 2025-06-01T00:00:00Z)
echo "$out" | grep -q '"status":"affirming"' || { echo "FAIL: single-mode SNP: $out" >&2; exit 1; }
# Single mode with tpm2-tools' files instead of the JSON object.
T=$V/tpm/quote_rsa_rsassa
out=$("$VOUCH" verify -q --type tpm --evidence "$T.msg" --signature "$T.sig" --ak "$V/tpm/ak_rsa.tpm2b" \
  --ek "$V/tpm/ek_rsa.tpm2b" --pcrs "$T.pcrvalues.bin" --selection "$(cat "$T.selection.txt")" \
  --nonce "$(cat "$T.nonce.hex")")
echo "$out" | grep -q '"tpm_qualified_signer_checked":true' ||
  { echo "FAIL: single-mode TPM from files: $out" >&2; exit 1; }
rc=0
out=$("$VOUCH" verify -q --type tpm --evidence "$T.msg" --signature "$T.sig" --ak "$V/tpm/ak_rsa.pem" \
  --pcrs "$V/tpm/neg_tampered_pcr.pcrvalues.bin" --selection "$(cat "$T.selection.txt")") || rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q 'pcrDigest' ||
  { echo "FAIL: single-mode TPM tampered PCR: rc $rc $out" >&2; exit 1; }
# vouch gen tpm: a corpus whose every verdict is the one it states.
"$VOUCH" gen tpm -q --out "$WORK/tpmgen" --quotes 24 --seed 3
"$VOUCH" verify -q --jobs 2 "$WORK/tpmgen/evidence.ndjson" > "$WORK/tpmgen/out.ndjson" || true
"$PY" - "$WORK/tpmgen" <<'EOF2'
import json, sys
d = sys.argv[1]
out = {json.loads(l)["id"]: json.loads(l) for l in open(f"{d}/out.ndjson")}
exp = [json.loads(l) for l in open(f"{d}/expected.ndjson")]
assert len(out) == len(exp) == 24
for e in exp:
    r = out[e["id"]]
    code = r["error"]["code"] if r["error"] else None
    assert (r["status"], code) == (e["status"], e["error_code"]), (e, r["status"], r["error"])
    if code is None:
        sb = r["claims"].get("secureBootEnabled")
        assert sb is (e["kind"] != "secureboot-off"), (e["kind"], sb)
print("  vouch gen tpm: 24 verdicts as stated, secureBootEnabled from the log")
EOF2
echo "all TEEs: ok"
