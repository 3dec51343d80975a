#!/usr/bin/env bash
# The peer of the rollback scenario: the steps a rollback takes (no build), by hand with the docker CLI; also the
# part of by-hand-deploy.sh after its build.
# Usage: by-hand-rollback.sh IMAGE APP VERSION PORT [OLD_CONTAINER]
# Prints "served" once the earlier image serves again and its hook succeeded, then removes the old container.
set -euo pipefail
image=$1 app=$2 version=$3 port=$4 old=${5:-}
docker run -d --name "$app-$version-web-1" --network host --init \
  -e APP="$app" -e CONTAINER_VERSION="$version" -e PORT="$port" "$image" sh /app/web.sh >/dev/null
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.02; done
docker run --rm --network host -e APP="$app" -e CONTAINER_VERSION="$version" "$image" sh -c true
echo served
if [ -n "$old" ]; then docker rm -f "$old" >/dev/null; fi
