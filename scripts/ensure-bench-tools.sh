#!/usr/bin/env bash
# The benchmark peers, load generator and plotter from Debian: wrk, nginx and gnuplot (the switch scenario's PNG).
# Does nothing when all three are there.
set -euo pipefail
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
[ ${#missing[@]} -eq 0 ] && exit 0
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "[ensure-bench-tools] installing ${missing[*]}" >&2
as_root apt-get update -qq
# The package would start nginx on port 80 where an init system runs; keep it stopped.
as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq "${missing[@]}" >/dev/null
