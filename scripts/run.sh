#!/usr/bin/env bash
# Starts a node on the embedded defaults (SQLite journal in ./data, local Docker, router on :8080, admin API on :4000),
# deploys examples/hello and prints the URL that serves it. The node keeps running in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
dotnet build src/Engine -c Release --nologo -v q
engine() { dotnet src/Engine/bin/Release/net10.0/engine.dll "$@"; }
mkdir -p data
if ! engine apps >/dev/null 2>&1; then
  nohup dotnet src/Engine/bin/Release/net10.0/engine.dll serve --data-dir data >data/engine.log 2>&1 &
  echo $! >data/engine.pid
  for _ in $(seq 1 120); do engine apps >/dev/null 2>&1 && break; sleep 0.5; done
  engine apps >/dev/null || { echo "the node did not start; see data/engine.log" >&2; tail -20 data/engine.log >&2; exit 1; }
fi
engine deploy examples/hello --app hello
echo
echo "hello is served at http://hello.localhost:8080/"
echo "(node log: data/engine.log; stop it with: kill \$(cat data/engine.pid))"
