#!/usr/bin/env bash
# The benchmark peers, load generator and plotter from Debian: wrk, nginx, haproxy, caddy and gnuplot (the switch
# scenario's PNG). Does nothing when all of them are there.
set -euo pipefail
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
[ ${#missing[@]} -eq 0 ] && exit 0
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "[ensure-bench-tools] installing ${missing[*]}" >&2
as_root apt-get update -qq
# The packages would start nginx, haproxy and caddy on ports 80 and 2019 where an init system runs; keep them stopped.
as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq "${missing[@]}" >/dev/null
# systemd starts their units whatever the runlevel: stop and disable the ones installed here (the bench runs its own).
if [ -d /run/systemd/system ]; then
  for unit in nginx haproxy caddy; do
    if [[ " ${missing[*]} " == *" $unit"* ]]; then as_root systemctl disable --now "$unit" >/dev/null 2>&1 || true; fi
  done
fi
