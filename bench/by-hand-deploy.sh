#!/usr/bin/env bash
# The peer of the deploy scenario: the same steps a deployment takes, by hand with the docker CLI.
# Usage: by-hand-deploy.sh DIR APP VERSION PORT [OLD_CONTAINER]
# Prints "served" once the new version serves and its hook succeeded, then removes the old container.
set -euo pipefail
dir=$1 app=$2 version=$3 port=$4 old=${5:-}
tag="bench-by-hand/$app:$version"
docker build -q -t "$tag" "$dir" >/dev/null
docker run -d --name "$app-$version-web-1" --network host --init \
  -e APP="$app" -e CONTAINER_VERSION="$version" -e PORT="$port" "$tag" sh /app/web.sh >/dev/null
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.02; done
docker run --rm --network host -e APP="$app" -e CONTAINER_VERSION="$version" "$tag" sh -c true
echo served
if [ -n "$old" ]; then docker rm -f "$old" >/dev/null; fi
