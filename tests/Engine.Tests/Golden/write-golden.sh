#!/usr/bin/env bash
# Writes a golden journal: the history of a few apps as a real node (SQLite, real Docker) journals it, for
# GoldenJournalTests. Run once per released journal format, into a new directory; never over an existing one.
#   bash tests/Engine.Tests/Golden/write-golden.sh tests/Engine.Tests/Golden/v2
# v1 was written before rollbacks existed; from v2 on the history also holds two rollbacks (RollbackPlanned,
# ReleaseReused), one of them with --skip-hook and --current-env; from v3 on, three one-off runs (OneOffStarted,
# OneOffEnded in one-offs-shop): attached ones exiting 0 and 2, and a detached one stopped by `engine run stop`; from v4
# on, HTTP checks set, a deployment that plans them and checks off (ChecksChanged, ChecksPlanned), a lock, an unlock and a
# lock kept (AppLocked, AppUnlocked), and maintenance on, off and on (MaintenanceChanged).
set -euo pipefail
out=${1:?usage: write-golden.sh OUT_DIR}
[ ! -e "$out" ] || { echo "$out exists: a golden journal is never rewritten" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/../../.." && pwd)
export ENGINE_SERVER=http://127.0.0.1:4390
engine() { dotnet "$repo/src/Engine/bin/Release/net10.0/engine.dll" "$@"; }
data=$(mktemp -d)
failing=$(mktemp -d)
cp -r "$repo/examples/hello/." "$failing/"
printf 'web: sh /app/web.sh\npostdeploy: echo migrating; exit 3\n' >"$failing/Procfile"
dotnet "$repo/src/Engine/bin/Release/net10.0/engine.dll" serve --data-dir "$data" --admin-url http://127.0.0.1:4390 \
  --router-url http://127.0.0.1:8390 --stability-window 0 >"$data/node.log" 2>&1 &
node=$!
cleanup() {
  kill $node 2>/dev/null || true
  docker ps -aq --filter "label=engine.instance=$(cat "$data/instance-id")" | xargs -r docker rm -f >/dev/null
  rm -rf "$data" "$failing"
}
trap cleanup EXIT
for _ in $(seq 1 120); do engine apps >/dev/null 2>&1 && break; sleep 0.5; done
engine env set shop GREETING=hello DATABASE_URL=postgres://shop@db/shop
engine deploy "$repo/examples/hello" --app shop
engine env unset shop GREETING
engine deploy "$repo/examples/hello" --app shop
engine deploy "$failing" --app shop || true
engine scale shop web=2
engine apps restart shop
engine env set idle FEATURE=on
if engine rollback --help >/dev/null 2>&1; then
  engine rollback shop --to v1
  engine rollback shop --to v2 --skip-hook --current-env
fi
if engine run --help >/dev/null 2>&1; then
  engine run shop -- sh -c 'echo "$GREETING-$CONTAINER"'
  engine run shop -e FLAG=1 -- sh -c 'exit 2' || true
  engine run shop --detach -- sleep 600
  engine run stop shop/one-off-3
fi
if engine checks --help >/dev/null 2>&1; then
  engine checks shop --path / --interval 2s
  engine deploy "$repo/examples/hello" --app shop
  engine checks shop --off
fi
if engine maintenance --help >/dev/null 2>&1; then
  engine apps lock shop --reason "golden freeze"
  engine apps unlock shop
  engine apps lock shop --reason "kept locked"
  engine maintenance shop on --message "golden maintenance" --retry-after 60
  engine maintenance shop off
  engine maintenance shop on --message "kept on"
fi
# A routed container dies: the keeper starts it again (ContainerRestarted).
docker kill "$(docker ps -q --filter "label=engine.instance=$(cat "$data/instance-id")" --filter label=engine.container=web-1)" >/dev/null
for _ in $(seq 1 60); do engine ps shop --json | grep -q '"restarts": *[1-9]' && break; sleep 0.5; done
engine ps shop --json | grep -q '"restarts": *[1-9]' || { echo "web-1 was not revived" >&2; exit 1; }
kill $node; wait $node || true
mkdir -p "$out"
cp "$data/engine.db" "$data/secret.key" "$out/"
echo "written: $out"
