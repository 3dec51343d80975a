#!/usr/bin/env bash
# Makes a minimal Debian base image without a registry: debootstrap from the apt mirror this machine already uses,
# then docker import. Usage: scripts/make-base-image.sh [NAME] (default engine-base:bookworm).
set -euo pipefail
name="${1:-engine-base:bookworm}"
docker image inspect "$name" >/dev/null 2>&1 && exit 0
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
command -v debootstrap >/dev/null 2>&1 || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
root="$(mktemp -d)"
trap 'as_root rm -rf "$root"' EXIT
as_root debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >/dev/null
as_root tar -C "$root" -c . | docker import - "$name" >/dev/null
echo "$name"
