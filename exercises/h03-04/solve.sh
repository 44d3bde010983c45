#!/usr/bin/env bash
# Hours 3-4, solved: the reference Dockerfile built on laptop as registry:5000/reg-case-platform:dev.
# Mistakes are scripts in mistakes/ that start from this solved state (exercise.yaml `mistakes:`).
# Until every runner runs them itself, `--mistake <mistake-id | deliverable-id>` runs one after the solve.
# The learner's files it changes: reg-case-platform/Dockerfile and .dockerignore (the reference's);
# a different version of the learner's own is kept under .drydock/kept/ first, and it says so.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/keep-and-place.sh"
app=/workspace/reg-case-platform
image="${IMAGE:-registry:5000/reg-case-platform:dev}"
mistake=""
if [[ "${1:-}" == "--mistake" ]]; then mistake="${2:?--mistake needs a mistake or deliverable id}"; fi

[[ -f "$app/package.json" ]] || { echo "the starter app is missing from $app" >&2; exit 1; }
place "$here/Dockerfile" "$app/Dockerfile"
place "$here/dockerignore" "$app/.dockerignore"
docker build --quiet --tag "$image" "$app" >/dev/null
echo "built $image ($(docker image inspect --format '{{.Id}}' "$image"))"
[[ -z "$mistake" ]] && exit 0

# A deliverable id picks its first mistake.
case "$mistake" in
  dockerfile-multi-stage) mistake=single-stage ;;
  build-cache-ordered) mistake=copy-all-first ;;
  image-non-root) mistake=user-root ;;
  image-oci-labels) mistake=labels-removed ;;
  image-healthcheck) mistake=healthcheck-removed ;;
  runtime-image-lean) mistake=no-prune ;;
  no-secrets-in-image) mistake=env-database-url ;;
  image-read-only-ready) mistake=readonly-marker ;;
esac
script="$here/mistakes/$mistake.sh"
[[ -f "$script" ]] || { echo "no mistake is defined as $mistake" >&2; exit 2; }
cd /workspace
bash "$script"
