#!/usr/bin/env bash
# Tokens from `vouch token sign` checked by an independent relying party:
# Debian's python3-jwt (PyJWT) with the JWKS from `vouch token jwks`, for
# every algorithm, plus PyJWT's rejection of a tampered token and
# `vouch token verify`'s rejections (tampered, alg none, expired, unknown
# kid, wrong issuer, disallowed alg).
# Usage: test_token_pyjwt.sh VOUCH_BINARY
#
# PyJWT is a hard requirement (CI installs python3-jwt python3-cryptography,
# see scripts/install-deps.sh): without it this test fails, it does not skip.
# /usr/bin/python3 is used on purpose: a python3 earlier on PATH (pyenv) may
# not see Debian's packages.
set -euo pipefail
VOUCH=${1:?usage: test_token_pyjwt.sh VOUCH_BINARY}
PY=/usr/bin/python3
if ! "$PY" -c 'import jwt, cryptography' 2>/dev/null; then
  echo "FAIL: $PY cannot import jwt (PyJWT) and cryptography: install python3-jwt and" \
       "python3-cryptography (apt-get install python3-jwt python3-cryptography," \
       "or scripts/install-deps.sh)" >&2
  exit 1
fi

WORK=$(mktemp -d /tmp/vouch-token-test-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
STATE=$WORK/state
OTHER=$WORK/other
URL=https://attest.example.test
ALGS=(RS256 PS256 ES256 ES384 EdDSA)
failures=0
passes=0
ok() { passes=$((passes + 1)); echo "ok: $*"; }
bad() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }

now=$(date +%s)
printf '{"iss":"%s","iat":%d,"nbf":%d,"exp":%d,"x-ms-ver":"1.0","x-ms-attestation-type":"sgx","n":[1,2,3]}\n' \
  "$URL" "$now" "$now" "$((now + 600))" > "$WORK/claims.json"
printf '{"iss":"%s","iat":%d,"nbf":%d,"exp":%d}\n' \
  "$URL" "$((now - 7200))" "$((now - 7200))" "$((now - 3600))" > "$WORK/expired.json"

# One token per alg, each from its own key in the store.
for alg in "${ALGS[@]}"; do
  "$VOUCH" token sign --state-dir "$STATE" --alg "$alg" --public-url "$URL/" "$WORK/claims.json" \
    > "$WORK/$alg.jwt"
done
"$VOUCH" token jwks --state-dir "$STATE" > "$WORK/jwks.json"

# PyJWT: keys from the JWKS entries' n/e, crv/x/y, crv/x (PyJWK), and
# separately from x5c[0] (what MAA clients use); header fields as the real
# service sends them; a tampered payload must not verify.
if "$PY" - "$WORK" "$URL" "${ALGS[@]}" <<'EOF'; then ok "PyJWT verifies every alg and rejects tampering"; else bad "PyJWT checks"; fi
import base64, json, sys
import jwt
from cryptography import x509

work, url, algs = sys.argv[1], sys.argv[2], sys.argv[3:]
jwks = json.load(open(f"{work}/jwks.json"))
by_kid = {k["kid"]: k for k in jwks["keys"]}
want = json.load(open(f"{work}/claims.json"))
assert len(by_kid) == len(algs), f"{len(by_kid)} keys in the JWKS for {len(algs)} algs"
failed = False
for alg in algs:
    token = open(f"{work}/{alg}.jwt").read().strip()
    try:
        raw_header = base64.urlsafe_b64decode(token.split(".")[0] + "==")
        assert raw_header.startswith(b'{"alg":"' + alg.encode() + b'","jku":'), raw_header
        h = jwt.get_unverified_header(token)
        assert list(h) == ["alg", "jku", "kid", "typ"], h
        assert h["alg"] == alg and h["typ"] == "JWT" and h["jku"] == url + "/certs", h
        assert len(h["kid"]) == 44, h["kid"]
        entry = by_kid[h["kid"]]
        assert entry["alg"] == alg and entry["use"] == "sig", entry
        key = jwt.PyJWK(entry).key
        got = jwt.decode(token, key, algorithms=[alg], issuer=url)
        assert got == want, got
        cert = x509.load_der_x509_certificate(base64.b64decode(entry["x5c"][0]))
        got = jwt.decode(token, cert.public_key(), algorithms=[alg])
        assert got == want, got
        cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
        assert cn == url, cn
        hb, pb, sb = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(pb + "=="))
        claims["x-ms-attestation-type"] = "tdxvm"
        pb2 = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        for tampered in (f"{hb}.{pb2}.{sb}", token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]):
            try:
                jwt.decode(tampered, key, algorithms=[alg])
            except (jwt.InvalidSignatureError, jwt.DecodeError):
                pass
            else:
                raise AssertionError("PyJWT accepted a tampered token")
        print(f"  PyJWT {alg}: verified (JWK and x5c), tampered rejected")
    except Exception as e:
        print(f"  PyJWT {alg}: {type(e).__name__}: {e}", file=sys.stderr)
        failed = True
sys.exit(1 if failed else 0)
EOF

# vouch token verify: accepts the good ones, from the JWKS file and the store.
for alg in "${ALGS[@]}"; do
  if "$VOUCH" token verify --jwks "$WORK/jwks.json" --iss "$URL" "$(cat "$WORK/$alg.jwt")" \
       > "$WORK/out.json" && cmp -s <(tr -d '\n' < "$WORK/out.json") <(tr -d '\n' < "$WORK/claims.json"); then
    ok "vouch token verify $alg (JWKS file) prints the claims"
  else
    bad "vouch token verify $alg (JWKS file)"
  fi
  if "$VOUCH" token verify --state-dir "$STATE" - < "$WORK/$alg.jwt" > /dev/null; then
    ok "vouch token verify $alg (state dir, token on stdin)"
  else
    bad "vouch token verify $alg (state dir)"
  fi
done

# expect_reject NAME WORDS TOKEN [OPTIONS...]: exit 1 and WORDS in the message.
expect_reject() {
  local name=$1 words=$2 token=$3
  shift 3
  local rc=0
  "$VOUCH" token verify --jwks "$WORK/jwks.json" "$@" "$token" > "$WORK/out" 2> "$WORK/err" || rc=$?
  if [ "$rc" -eq 1 ] && grep -q -- "$words" "$WORK/err" && [ ! -s "$WORK/out" ]; then
    ok "rejected $name: $(head -1 "$WORK/err")"
  else
    bad "$name: want exit 1 and '$words', got exit $rc: $(cat "$WORK/err")"
  fi
}

good=$(cat "$WORK/ES256.jwt")
IFS=. read -r hb pb sb <<< "$good"
tampered_payload=$(printf '%s' '{"iss":"https://attest.example.test","exp":9999999999,"x-ms-sgx-is-debuggable":false}' \
  | base64 -w0 | tr '+/' '-_' | tr -d '=')
expect_reject "tampered payload" "does not verify" "$hb.$tampered_payload.$sb"
# Change a character in the middle of the signature (every bit of it counts;
# the last character's spare bits would make it a base64 error instead).
mid=${sb:10:1}; [ "$mid" = A ] && flip=B || flip=A
expect_reject "tampered signature" "does not verify" "$hb.$pb.${sb:0:10}$flip${sb:11}"
none_header=$(printf '%s' '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
expect_reject "alg none" "unsigned" "$none_header.$pb."
expect_reject "disallowed alg" "not allowed" "$good" --alg-allow RS256,PS256
expect_reject "wrong issuer" "issuer" "$good" --iss https://other.example.test
"$VOUCH" token sign --state-dir "$STATE" --alg ES256 "$WORK/expired.json" > "$WORK/expired.jwt"
expect_reject "expired token" "expired at" "$(cat "$WORK/expired.jwt")"
"$VOUCH" token sign --state-dir "$OTHER" --alg ES256 "$WORK/claims.json" > "$WORK/other.jwt"
expect_reject "unknown kid (another store's key)" "unknown kid" "$(cat "$WORK/other.jwt")"
expect_reject "four parts" "three" "$good.AAAA"

# Usage errors are exit 3, never 1.
rc=0
"$VOUCH" token verify --alg-allow none "$good" 2> /dev/null || rc=$?
if [ "$rc" -eq 3 ]; then ok "--alg-allow none is a usage error"; else bad "--alg-allow none: exit $rc"; fi

# PyJWT must also refuse the expired token (its own check, for comparison).
if "$PY" - "$WORK" <<'EOF'; then ok "PyJWT rejects the expired token"; else bad "PyJWT expired"; fi
import json, sys, jwt
work = sys.argv[1]
jwks = {k["kid"]: k for k in json.load(open(f"{work}/jwks.json"))["keys"]}
token = open(f"{work}/expired.jwt").read().strip()
key = jwt.PyJWK(jwks[jwt.get_unverified_header(token)["kid"]]).key
try:
    jwt.decode(token, key, algorithms=["ES256"])
except jwt.ExpiredSignatureError:
    sys.exit(0)
sys.exit(1)
EOF

echo "token_pyjwt: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
