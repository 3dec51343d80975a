#!/usr/bin/env bash
# Runs the whole test suite: unit tests and integration tests against a real Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
bash scripts/ensure-bench-tools.sh # the benchmark smoke test runs wrk, nginx, haproxy, caddy and gnuplot
bash scripts/ensure-postgres.sh # the PostgreSQL journal tests start their own server
bash scripts/ensure-registry.sh # the multi-worker tests start their own registry
bash scripts/ensure-native-toolchain.sh # the tests run the CLI as the native client they publish
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Engine.sln --nologo --logger "console;verbosity=normal" 2>&1 | tee "$log" && exit 0
# A CI log keeps only its tail: name each failed test and the start of its error there.
echo "== failed tests =="
grep -E -A 4 '^\s+Failed [A-Za-z]' "$log" | cut -c1-400 || true
exit 1
