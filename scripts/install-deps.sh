#!/usr/bin/env bash
# Installs the Debian 12 packages vouch needs to build and test, skipping
# those already installed.  Run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates time
  clang libclang-rt-dev           # libFuzzer and the sanitizer runtimes
  libssl-dev                      # OpenSSL 3 libcrypto
  liburing-dev libjemalloc-dev libxxhash-dev libjansson-dev
  libcmocka-dev libbenchmark-dev
  libtss2-dev libhttp-parser-dev
  swtpm swtpm-tools tpm2-tools     # the real software TPM of the TPM tests
  python3-jwt python3-cryptography # the independent relying party of the token tests
  curl openssl                    # the HTTP client and certificate maker of the server tests
  nginx                           # the TLS front of the deployment test (tools/deploy/nginx)
  systemd strace                  # systemd-analyze and the syscall trace of the unit test
  nodejs                          # the official Azure Attestation JS SDK's test (18 or later)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm: Debian's nodejs (18) has it as a package of its own; a nodejs from
# elsewhere (NodeSource's, which conflicts with Debian's npm) bundles it.
if ! command -v npm > /dev/null; then missing+=(npm); fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
