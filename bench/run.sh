#!/usr/bin/env bash
# Runs every benchmark scenario side by side with its peer and writes bench/RESULTS.md.
# Extra arguments go to the harness (e.g. --runs 5 --duration 10 --scenarios router).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
bash scripts/ensure-bench-tools.sh
bash scripts/ensure-native-toolchain.sh
dotnet build src/Engine -c Release --nologo -v q
dotnet publish src/Engine.Client -c Release --nologo -v q
dotnet build bench/Engine.Bench -c Release --nologo -v q
dotnet bench/Engine.Bench/bin/Release/net10.0/engine-bench.dll "$@"
