#!/usr/bin/env bash
# The benchmark suite in one command: installs what is missing (as root),
# builds the Release binaries in build-bench/, and runs bench/suite.py
# (limits, bulk verify per evidence type, the server's highest rate at p99
# <= 10 ms, the @phala/dcap-qvl peer).  Results: out/bench/results.json and
# out/bench/results.md.  Takes ~10 minutes on 2 cores; --quick is a smoke run
# of ~2 minutes whose numbers are not for quoting.  Run it on an idle
# machine: other work lowers the wall-clock ratios.
#   bench/run.sh [--quick] [--only limits,bulk,server,peer]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DVOUCH_BENCH=ON -DVOUCH_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target vouch vouch_bench >/dev/null
exec python3 bench/suite.py "$@"
