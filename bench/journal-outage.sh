#!/usr/bin/env bash
# How soon a node on PostgreSQL takes writes again after the database comes back (bench/RESULTS.md, "Journal outage").
# One node, its own PostgreSQL; two outages of OUTAGE seconds: one while writes are tried (an existing app's env and a
# new app's registration, every 0.5 s), one while idle (stale pooled connections). Prints the seconds from PostgreSQL
# answering again (pg_ctl start -w returned) to the first accepted `env set` (PATCH /api/apps/APP/env, as the CLI sends).
# Usage: bash bench/journal-outage.sh [OUTAGE_SECONDS] (after `dotnet build src/Engine -c Release`).
set -euo pipefail
cd "$(dirname "$0")/.."
outage=${1:-30}
bin=$(ls -d /usr/lib/postgresql/*/bin | head -1)
work=$(mktemp -d /tmp/engine-outage-XXXX)
chown postgres "$work"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg=$(port); admin=$(port); router=$(port)
pgctl() { runuser -u postgres -- "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p $pg -k $work -c listen_addresses=127.0.0.1" "$@" >/dev/null; }
runuser -u postgres -- "$bin/initdb" -D "$work/pg" -A trust -U engine >/dev/null
pgctl start
runuser -u postgres -- "$bin/psql" -h 127.0.0.1 -p "$pg" -U engine -d postgres -qc 'CREATE DATABASE engine'
dotnet src/Engine/bin/Release/net10.0/engine.dll serve --data-dir "$work/data" --admin-url "http://127.0.0.1:$admin" \
  --router-url "http://127.0.0.1:$router" --journal postgres --journal-connection "Host=127.0.0.1;Port=$pg;Username=engine;Database=engine" \
  >"$work/node.log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null; pgctl -m immediate stop 2>/dev/null; rm -rf "$work"' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$admin/api/apps"; do sleep 0.2; done

# 0 when the node accepted the write.
set_env() { curl -fs -o /dev/null -m 30 -X PATCH -H 'Content-Type: application/json' -H "X-Engine-User: bench" \
  -d "{\"set\":{\"N\":\"$2\"}}" "http://127.0.0.1:$admin/api/apps/$1/env"; }
now() { date +%s.%N; }
# Seconds from now until a write to app $1 is accepted.
# Seconds from now until a write to app $1 is accepted, and how many were refused first.
until_accepted() { local from refused=0; from=$(now); until set_env "$1" x; do refused=$((refused + 1)); sleep 0.1; done
  echo "$(echo "$(now) - $from" | bc | sed 's/^\./0./')s ($refused refused first)"; }

set_env outage-app 0
for mode in writes idle; do
  pgctl -m fast stop
  end=$(( $(date +%s) + outage )); n=0
  while [ "$(date +%s)" -lt "$end" ]; do
    if [ "$mode" = writes ]; then set_env outage-app $n || true; set_env "outage-new-$n" 1 || true; n=$((n + 1)); fi
    sleep 0.5
  done
  pgctl start
  existing=$(until_accepted outage-app)
  fresh=$(until_accepted "outage-$mode-fresh")
  echo "outage ${outage}s, $mode during it: existing app's env set accepted after $existing, a new app's after another $fresh"
done
grep -c '57P01' "$work/node.log" | sed 's/^/node log lines with 57P01: /' || true
cp "$work/node.log" "${NODE_LOG:-/dev/null}"
