#!/usr/bin/env bash
# The peer of the deploy scenario: the same steps a deployment takes, by hand with the docker CLI: a build, then
# what a rollback does (by-hand-rollback.sh).
# Usage: by-hand-deploy.sh DIR APP VERSION PORT [OLD_CONTAINER]
# Prints "served" once the new version serves and its hook succeeded, then removes the old container.
set -euo pipefail
dir=$1 app=$2 version=$3 port=$4 old=${5:-}
tag="bench-by-hand/$app:$version"
docker build -q -t "$tag" "$dir" >/dev/null
exec bash "$(dirname "$0")/by-hand-rollback.sh" "$tag" "$app" "$version" "$port" "$old"
