#!/usr/bin/env bash
# Debian's Docker registry for the multi-worker tests (each test run starts its own on a loopback port; nothing here
# starts one). Does nothing when it is installed.
set -euo pipefail
command -v docker-registry >/dev/null 2>&1 && exit 0
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "[ensure-registry] installing docker-registry" >&2
as_root apt-get update -qq
# Where an init system runs, the package would start a registry on 5000; keep it stopped.
as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq docker-registry >/dev/null
