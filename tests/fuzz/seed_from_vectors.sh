#!/bin/sh
# tests/fuzz/seed_from_vectors.sh - extra fuzz seeds taken from the shared
# vectors at run time (the vectors are never copied into the repository).
#
#   tests/fuzz/seed_from_vectors.sh OUT_DIR [VECTORS_DIR]
#
# writes OUT_DIR/pck_ext/*.der (the SGX extension value of every PCK leaf:
# the first certificate of each quote's PEM chain, plus the synthetic
# vector's pck_certificate_chain) and OUT_DIR/tcb_info/*.json (the signed
# tcb_info and qe_identity texts of every collateral.json).  Then e.g.
#   build-dcap-fuzz/tests/fuzz/fuzz_tcb_info OUT_DIR/tcb_info tests/fuzz/corpus/tcb_info
# Needs python3 and the openssl CLI.
set -eu
out=${1:?usage: seed_from_vectors.sh OUT_DIR [VECTORS_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
vectors=${2:-${VOUCH_VECTORS:-$here/../../../shared/vectors}}
if [ ! -d "$vectors" ]; then
  echo "vectors not found at $vectors" >&2
  exit 1
fi
mkdir -p "$out/pck_ext" "$out/tcb_info"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$vectors" "$out" "$tmp" <<'PY'
import glob, json, os, sys
vectors, out, tmp = sys.argv[1:4]
begin, end = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"

def first_pem(blob):
    i = blob.find(begin)
    j = blob.find(end, i)
    return None if i < 0 or j < 0 else blob[i:j + len(end)] + b"\n"

for path in sorted(glob.glob(os.path.join(vectors, "*", "*"))):
    if not os.path.isdir(path):
        continue
    name = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)
    quote = os.path.join(path, "quote.dat")
    if os.path.exists(quote):
        pem = first_pem(open(quote, "rb").read())
        if pem:
            open(os.path.join(tmp, name + ".quote.pem"), "wb").write(pem)
    coll = os.path.join(path, "collateral.json")
    if os.path.exists(coll):
        c = json.load(open(coll))
        for key in ("tcb_info", "qe_identity"):
            if isinstance(c.get(key), str):
                open(os.path.join(out, "tcb_info", name + "." + key + ".json"), "w").write(c[key])
        pem = c.get("pck_certificate_chain")
        if isinstance(pem, str) and first_pem(pem.encode()):
            open(os.path.join(tmp, name + ".chain.pem"), "wb").write(first_pem(pem.encode()))
PY

# The extension value follows its OID (06 09 2A864886F84D010D01) as an
# OCTET STRING (the extension is not critical, so no BOOLEAN in between).
for pem in "$tmp"/*.pem; do
  [ -e "$pem" ] || continue
  der="$tmp/$(basename "$pem" .pem).der"
  openssl x509 -in "$pem" -outform der -out "$der"
  python3 - "$der" "$out/pck_ext/$(basename "$pem" .pem).der" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
oid = bytes.fromhex("06092a864886f84d010d01")
i = d.find(oid)
assert i >= 0, "no SGX extension"
p = i + len(oid)
assert d[p] == 0x04, "expected OCTET STRING"
n = d[p + 1]
p += 2
if n & 0x80:
    k = n & 0x7f
    n = int.from_bytes(d[p:p + k], "big")
    p += k
open(sys.argv[2], "wb").write(d[p:p + n])
PY
done
echo "seeds: $(ls "$out/pck_ext" | wc -l) pck_ext, $(ls "$out/tcb_info" | wc -l) tcb_info in $out"
