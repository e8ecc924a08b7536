#!/usr/bin/env bash
# Attestation tokens for real evidence, checked by an independent relying
# party: `vouch verify --token` on the real SGX vector, for every algorithm,
# verified by Debian's python3-jwt (PyJWT) with the JWKS of `vouch token
# jwks`; the claim names and encodings compared with the real Azure
# Attestation tokens of spec/maa-api.md §8; the policy hash of the spec's
# sample policy; EAR results; tokens refused to evidence that does not
# deserve one.
# Usage: test_token_issue.sh VOUCH_BINARY VECTORS_DIR
set -euo pipefail
VOUCH=${1:?usage: test_token_issue.sh VOUCH_BINARY VECTORS_DIR}
VECTORS=${2:?usage: test_token_issue.sh VOUCH_BINARY VECTORS_DIR}
PY=/usr/bin/python3
if ! "$PY" -c 'import jwt, cryptography' 2>/dev/null; then
  echo "FAIL: $PY cannot import jwt (PyJWT): install python3-jwt python3-cryptography" \
       "(scripts/install-deps.sh does)" >&2
  exit 1
fi
SET=$VECTORS/sgx/phala-dcap-qvl-sgx-v3
if [ ! -f "$SET/quote.dat" ]; then
  echo "FAIL: the SGX vector is not at $SET" >&2
  exit 1
fi

WORK=$(mktemp -d /tmp/vouch-token-issue-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
URL=https://attest.example.test
AT=2025-07-19T10:01:17Z
failures=0
ok() { echo "ok: $*"; }
bad() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }

verify() { # verify OUT [options...]: the real quote, its collateral, its instant
  local out=$1
  shift
  "$VOUCH" verify -q --type sgx --evidence "$SET/quote.dat" --collateral "$SET/collateral.json" \
    --at "$AT" --state-dir "$WORK/state" --public-url "$URL" "$@" > "$out"
}

# The old default SGX policy: its hash is the one in the spec's real token.
printf '%s' 'version= 1.0;authorizationrules{c:[type=="$is-debuggable"] => permit();};issuancerules{c:[type=="$is-debuggable"] => issue(type="is-debuggable", value=c.value);c:[type=="$sgx-mrsigner"] => issue(type="sgx-mrsigner", value=c.value);c:[type=="$sgx-mrenclave"] => issue(type="sgx-mrenclave", value=c.value);c:[type=="$product-id"] => issue(type="product-id", value=c.value);c:[type=="$svn"] => issue(type="svn", value=c.value);c:[type=="$tee"] => issue(type="tee", value=c.value);};' \
  > "$WORK/old-default.policy"

for alg in RS256 PS256 ES256 ES384 EdDSA; do
  verify "$WORK/$alg.json" --token --token-alg "$alg" --policy "$WORK/old-default.policy"
done
verify "$WORK/default.json" --token
"$VOUCH" token jwks --state-dir "$WORK/state" --public-url "$URL" > "$WORK/jwks.json"

if "$PY" - "$WORK" "$URL" <<'EOF'; then ok "PyJWT verifies the tokens of real evidence; claims as Azure's"; else bad "PyJWT / claim checks"; fi
import base64, json, re, sys
import jwt

work, url = sys.argv[1], sys.argv[2]
jwks = {k["kid"]: k for k in json.load(open(f"{work}/jwks.json"))["keys"]}
HEX64 = re.compile(r"^[0-9a-f]{64}$")
failed = False

def check(name, alg, result, policy_hash):
    token = result["token"]
    assert isinstance(token, str), f"no token: {result.get('policy_detail')}"
    h = jwt.get_unverified_header(token)
    assert list(h) == ["alg", "jku", "kid", "typ"] and h["alg"] == alg, h
    assert h["jku"] == url + "/certs" and h["typ"] == "JWT", h
    c = jwt.decode(token, jwt.PyJWK(jwks[h["kid"]]).key, algorithms=[alg], issuer=url)
    # The real token's shapes (spec/maa-api.md §3 and §8): booleans,
    # integers, lower-case hex, base64url policy hash, the collateral object.
    assert c["x-ms-ver"] == "1.0" and c["x-ms-attestation-type"] == "sgx", c
    assert c["x-ms-sgx-is-debuggable"] is False
    assert c["x-ms-sgx-mrsigner"] == "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6"
    assert c["x-ms-sgx-mrenclave"] == "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"
    assert type(c["x-ms-sgx-product-id"]) is int and type(c["x-ms-sgx-svn"]) is int
    assert re.match(r"^[0-9a-f]{128}$", c["x-ms-sgx-report-data"])
    assert c["x-ms-sgx-report-data"].startswith("48656c6c6f2c20776f726c6421")  # "Hello, world!"
    coll = c["x-ms-sgx-collateral"]
    assert sorted(coll) == ["qeidcertshash", "qeidcrlhash", "qeidhash", "quotehash",
                            "tcbinfocertshash", "tcbinfocrlhash", "tcbinfohash"], coll
    assert all(HEX64.match(v) for v in coll.values()), coll
    # quotehash is the SHA-256 of the quote, as the audit field says.
    assert coll["quotehash"] == result["collateral"]["quote"]
    assert c["x-ms-policy-hash"] == policy_hash, c["x-ms-policy-hash"]
    assert HEX64.match(c["jti"]) and c["iss"] == url
    assert type(c["iat"]) is int and c["nbf"] == c["iat"] and c["exp"] - c["iat"] == 28800
    # Issued by the policy: the legacy names the old default issues.
    assert c["is-debuggable"] is False and c["tee"] == "sgx" and c["svn"] == c["x-ms-sgx-svn"]
    assert c["sgx-mrsigner"] == c["x-ms-sgx-mrsigner"]
    # iat is the real clock, not the verification instant of 2025-07-19.
    assert c["iat"] > 1752919277 + 86400, c["iat"]

for alg in ["RS256", "PS256", "ES256", "ES384", "EdDSA"]:
    try:
        r = json.load(open(f"{work}/{alg}.json"))
        check("old default", alg, r, "egjnANIzEpS2WgpE4Nk-QEwM69XRCgTs42_G0qLlbnk")
        print(f"  {alg}: verified by PyJWT, claims as the real service's")
    except Exception as e:
        print(f"  {alg}: {type(e).__name__}: {e}", file=sys.stderr)
        failed = True
try:
    r = json.load(open(f"{work}/default.json"))
    assert r["policy"] == "permit", r
    token = r["token"]
    c = jwt.decode(token, jwt.PyJWK(jwks[jwt.get_unverified_header(token)["kid"]]).key,
                   algorithms=["RS256"])
    assert c["product-id"] == 0 and c["tee"] == "sgx", c  # the current default's issuance
except Exception as e:
    print(f"  default policy: {type(e).__name__}: {e}", file=sys.stderr)
    failed = True
sys.exit(1 if failed else 0)
EOF

# vouch token verify accepts the token and rejects it tampered.
tok=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$WORK/ES256.json")
if "$VOUCH" token verify --state-dir "$WORK/state" --iss "$URL" "$tok" > /dev/null; then
  ok "vouch token verify accepts the ES256 token"
else
  bad "vouch token verify ES256"
fi
tampered=$(printf '%s' "$tok" | sed 's/\.\(.\)/.X\1/')
if "$VOUCH" token verify --state-dir "$WORK/state" "$tampered" > /dev/null 2>&1; then
  bad "a tampered token verified"
else
  ok "a tampered token is rejected"
fi

# A flipped bit in the quote: contraindicated, no token, exit 1.
rc=0
"$VOUCH" verify -q --type sgx --evidence "$SET/negative/quote_isv_reportdata_bitflip.dat" \
  --collateral "$SET/collateral.json" --at "$AT" --state-dir "$WORK/state" --token \
  > "$WORK/neg.json" || rc=$?
if [ "$rc" -eq 1 ] && grep -q '"token":null' "$WORK/neg.json" &&
   grep -q '"status":"contraindicated"' "$WORK/neg.json"; then
  ok "contraindicated evidence gets no token"
else
  bad "bit-flipped quote: rc $rc, $(cat "$WORK/neg.json")"
fi

# A policy that denies: no token.
printf 'version=1.0; authorizationrules { [type=="x-ms-sgx-svn", value > 5] => permit(); };' \
  > "$WORK/deny.policy"
rc=0
verify "$WORK/denied.json" --token --policy "$WORK/deny.policy" || rc=$?
if [ "$rc" -eq 1 ] && grep -q '"policy":"deny"' "$WORK/denied.json" &&
   grep -q '"token":null' "$WORK/denied.json"; then
  ok "a denied item gets no token"
else
  bad "denied: rc $rc, $(cat "$WORK/denied.json")"
fi

# EAR: the appraisal as a signed EAR; the bit-flipped quote gets one too,
# saying contraindicated with the crypto failure in its vector.
verify "$WORK/ear.json" --format ear --token-alg ES256
"$VOUCH" verify -q --type sgx --evidence "$SET/negative/quote_isv_reportdata_bitflip.dat" \
  --collateral "$SET/collateral.json" --at "$AT" --state-dir "$WORK/state" --format ear \
  --token-alg ES256 > "$WORK/ear-neg.json" || true
"$VOUCH" token jwks --state-dir "$WORK/state" --public-url "$URL" > "$WORK/jwks.json"
if "$PY" - "$WORK" <<'EOF'; then ok "EAR results verify and map the appraisal"; else bad "EAR checks"; fi
import json, sys
import jwt
work = sys.argv[1]
jwks = {k["kid"]: k for k in json.load(open(f"{work}/jwks.json"))["keys"]}
def decode(path):
    t = json.load(open(path))["token"]
    return jwt.decode(t, jwt.PyJWK(jwks[jwt.get_unverified_header(t)["kid"]]).key,
                      algorithms=["ES256"])
e = decode(f"{work}/ear.json")
assert e["eat_profile"] == "tag:github.com,2023:veraison/ear", e
assert e["ear.verifier-id"]["build"].startswith("vouch "), e
s = e["submods"]["sgx"]
# ConfigurationAndSWHardeningNeeded: hardware 32, so warning.
assert s["ear.status"] == "warning", s
v = s["ear.trustworthiness-vector"]
assert v["hardware"] == 32 and v["instance-identity"] == 2 and v["runtime-opaque"] == 2, v
assert v["executables"] == 2, v  # the default policy permitted
assert s["ear.appraisal-policy-id"].startswith("urn:maa-policy-hash:"), s
assert s["ear.veraison.annotated-evidence"]["x-ms-sgx-svn"] == 0, s
n = decode(f"{work}/ear-neg.json")["submods"]["sgx"]
assert n["ear.status"] == "contraindicated", n
assert n["ear.trustworthiness-vector"]["instance-identity"] == 99, n
EOF

# TDX: the token of a real TDX quote under the TdxVm default policy, with
# Azure's TDX EAT-profile claims.
TDX=$VECTORS/tdx/phala-dcap-qvl-tdx-v4
"$VOUCH" verify -q --type tdx --evidence "$TDX/quote.dat" --collateral "$TDX/collateral.json" \
  --at 1752919234 --state-dir "$WORK/state" --public-url "$URL" --token --token-alg ES256 \
  > "$WORK/tdx.json"
"$VOUCH" token jwks --state-dir "$WORK/state" --public-url "$URL" > "$WORK/jwks.json"
if "$PY" - "$WORK" "$URL" <<'EOF3'; then ok "TDX token: PyJWT verifies it; tdx_* claims as Azure's"; else bad "TDX token"; fi
import json, re, sys
import jwt
work, url = sys.argv[1], sys.argv[2]
jwks = {k["kid"]: k for k in json.load(open(f"{work}/jwks.json"))["keys"]}
r = json.load(open(f"{work}/tdx.json"))
t = r["token"]
c = jwt.decode(t, jwt.PyJWK(jwks[jwt.get_unverified_header(t)["kid"]]).key, algorithms=["ES256"],
               issuer=url)
assert c["x-ms-attestation-type"] == "tdxvm", c
assert c["eat_profile"] == "https://aka.ms/maa-eat-profile-tdxvm"
assert c["attester_tcb_status"] == "UpToDate" and c["dbgstat"] == "disabled" and c["intuse"] == "generic"
for k in ["tdx_mrtd", "tdx_mrseam", "tdx_mrsignerseam", "tdx_mrconfigid", "tdx_mrowner",
          "tdx_mrownerconfig", "tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr2", "tdx_rtmr3"]:
    assert re.match(r"^[0-9a-f]{96}$", c[k]), k
assert c["tdx_mrtd"] == r["claims"]["tdx_mrtd"]
assert re.match(r"^[0-9a-f]{128}$", c["tdx_report_data"])
assert re.match(r"^[0-9a-f]{16}$", c["tdx_td_attributes"]) and re.match(r"^[0-9a-f]{16}$", c["tdx_xfam"])
assert re.match(r"^[0-9a-f]{32}$", c["tdx_tee_tcb_svn"]) and type(c["tdx_seamsvn"]) is int
assert c["tdx_td_attributes_debug"] is False
assert "tee" not in c  # the TdxVm default policy issues nothing
assert "x-ms-sgx-mrsigner" not in c and "x-ms-sgx-collateral" not in c
EOF3

# Bulk, on the worker pool: a generated corpus with every kind; a token for
# exactly the items that verified affirming or warning (the default policy
# permits all of them), each one valid under the JWKS.
"$VOUCH" gen sgx -q --platforms 28 --quotes 84 --mix all --seed 4 --now 2025-07-01T00:00:00Z \
  --out "$WORK/corpus"
rc=0
"$VOUCH" verify -q --jobs 2 --batch 5 --collateral "$WORK/corpus/collateral" \
  --trust-anchor "$WORK/corpus/trust-anchor.pem" --at 2025-07-01T00:00:00Z --token \
  --token-alg ES256 --state-dir "$WORK/state" --public-url "$URL" \
  "$WORK/corpus/evidence.ndjson" > "$WORK/bulk.ndjson" || rc=$?
"$VOUCH" token jwks --state-dir "$WORK/state" --public-url "$URL" > "$WORK/jwks.json"
if [ "$rc" -eq 2 ] && "$PY" - "$WORK" <<'EOF2'; then ok "bulk: tokens for exactly the good items, all valid"; else bad "bulk tokens (rc $rc)"; fi
import json, sys
import jwt
work = sys.argv[1]
jwks = {k["kid"]: k for k in json.load(open(f"{work}/jwks.json"))["keys"]}
n = with_token = 0
for line in open(f"{work}/bulk.ndjson"):
    r = json.loads(line)
    n += 1
    good = r["status"] in ("affirming", "warning")
    assert (r["token"] is not None) == good, (r["id"], r["status"], r["token"] is not None)
    if good:
        with_token += 1
        t = r["token"]
        c = jwt.decode(t, jwt.PyJWK(jwks[jwt.get_unverified_header(t)["kid"]]).key,
                       algorithms=["ES256"])
        assert c["x-ms-sgx-mrenclave"] == r["claims"]["sgx_mrenclave"], r["id"]
assert n == 84 and 0 < with_token < n, (n, with_token)
print(f"  {n} results, {with_token} tokens")
EOF2

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all token issuance checks passed"
