#!/usr/bin/env bash
# Builds the engine-node:local and engine-lighthouse:local images that docker-compose.yml runs. Both projects are
# published self-contained into .build/, so the images need no .NET and no network: BASE_IMAGE (default
# debian:bookworm-slim) only has to provide glibc. Offline, make a base with scripts/make-base-image.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
base="${BASE_IMAGE:-debian:bookworm-slim}"
rm -rf .build
for project in Engine Lighthouse; do
  out=".build/$(echo "$project" | tr '[:upper:]' '[:lower:]')"
  dotnet publish "src/$project" -c Release -r linux-x64 --self-contained -p:UseAppHost=true -o "$out" --nologo -v q
done
docker build -q -f src/Lighthouse/Dockerfile --build-arg "BASE_IMAGE=$base" -t engine-lighthouse:local .
docker build -q -f src/Engine/Dockerfile --build-arg "BASE_IMAGE=$base" -t engine-node:local .
