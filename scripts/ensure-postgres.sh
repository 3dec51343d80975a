#!/usr/bin/env bash
# PostgreSQL server binaries for the tests that run the journal on PostgreSQL (each test run starts its own
# throw-away server; nothing here starts one). Does nothing when they are installed.
set -euo pipefail
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && exit 0
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "[ensure-postgres] installing postgresql" >&2
as_root apt-get update -qq
# Where an init system runs, the package would start a server on 5432; keep it stopped.
as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq postgresql >/dev/null
