#!/usr/bin/env bash
# Installs the build into a scratch prefix, builds an embedding program
# against it with pkg-config only, and runs it (counts in == counts out).
set -euo pipefail
BUILD=$1; SRC=$2
PREFIX=$(mktemp -d /tmp/vouch-install-XXXXXX)
trap 'rm -rf "$PREFIX"' EXIT
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig:$PREFIX/lib/x86_64-linux-gnu/pkgconfig"
CFLAGS=$(pkg-config --define-variable=prefix="$PREFIX" --cflags vouch)
LIBS=$(pkg-config --define-variable=prefix="$PREFIX" --static --libs vouch)
cc -std=c17 -o "$PREFIX/embed" "$SRC/tests/integration/embed_example.c" $CFLAGS $LIBS
printf '%s\n' '{"id":"a","type":"sgx","evidence":"AwACAAAAAAA"}' 'garbage' \
  '{"id":"c","type":"tdx","evidence":"AAAA"}' > "$PREFIX/in.ndjson"
out=$("$PREFIX/embed" < "$PREFIX/in.ndjson")
echo "$out"
test "$(echo "$out" | wc -l)" -eq 3
echo "install test: 3 passed, 0 failed"
