#!/usr/bin/env bash
# Hours 3-4, solved: the reference Dockerfile built on laptop as registry:5000/reg-case-platform:dev.
# Changes reg-case-platform/Dockerfile and .dockerignore in the workspace (the reference copies).
# The realistic mistakes are in mistakes/ (`drydock solve h03-04 --mistake <id>` runs one after this).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
app=/workspace/reg-case-platform
image="${IMAGE:-registry:5000/reg-case-platform:dev}"

[[ -f "$app/package.json" ]] || { echo "the starter app is missing from $app" >&2; exit 1; }
cp "$here/Dockerfile" "$app/Dockerfile"
cp "$here/dockerignore" "$app/.dockerignore"
docker build --quiet --tag "$image" "$app" >/dev/null
echo "built $image ($(docker image inspect --format '{{.Id}}' "$image"))"
