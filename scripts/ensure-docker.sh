#!/usr/bin/env bash
# Makes sure a Docker engine answers, Debian's docker-compose is installed and a `busybox` image exists; does nothing
# when all three hold.
set -euo pipefail

log() { echo "[ensure-docker] $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing Debian's docker.io"
    apt_install docker.io
  fi
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    mkdir -p /var/log
    as_root sh -c 'nohup dockerd >/var/log/engine-dockerd.log 2>&1 &'
    for _ in $(seq 1 120); do
      docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /var/log/engine-dockerd.log"; tail -20 /var/log/engine-dockerd.log >&2 || true; exit 1; }
  fi
fi

if ! command -v docker-compose >/dev/null 2>&1; then
  log "installing Debian's docker-compose"
  apt_install docker-compose
fi

if ! docker image inspect busybox:latest >/dev/null 2>&1; then
  if ! timeout 30 docker pull -q busybox:latest >/dev/null 2>&1; then
    log "no registry reachable: importing busybox from Debian's busybox-static"
    [ -x /bin/busybox ] || apt_install busybox-static
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
    done
    chmod 1777 "$root/tmp"
    echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
    echo 'root:x:0:' > "$root/etc/group"
    tar -C "$root" -c . | docker import -c 'CMD ["sh"]' -c 'ENV PATH=/bin' - busybox:latest >/dev/null
    rm -rf "$root"
  fi
fi
log "docker is up, docker-compose is installed and busybox:latest is present"
