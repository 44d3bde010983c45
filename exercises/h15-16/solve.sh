#!/usr/bin/env bash
# Hours 15-16, solved: the image from hours 3-4 pushed to the lab registry, secrets created on the
# swarm, and the reference stack deployed by digest as `reg-case` through the `swarm` context.
# Changes reg-case-platform/stack.yml in the workspace (the reference copy). The realistic mistakes
# are in mistakes/ (`drydock solve h15-16 --mistake <id>` runs one after this).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo=registry:5000/reg-case-platform
version="${VERSION:-1.0.0}"
sw=(docker --context swarm)
stack_file=/workspace/reg-case-platform/stack.yml

IMAGE="$repo:$version" bash "$here/../h03-04/solve.sh"
docker push --quiet "$repo:$version" >/dev/null
digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repo:$version" | grep "^$repo@" | head -n1)"
[[ -n "$digest" ]] || { echo "no digest for $repo:$version" >&2; exit 1; }

secret() { "${sw[@]}" secret inspect "$1" >/dev/null 2>&1 || printf '%s' "$2" | "${sw[@]}" secret create "$1" - >/dev/null; }
secret postgres_password case-swarm-pw
secret database_url "postgres://case:case-swarm-pw@postgres:5432/case"

cp "$here/stack.yml" "$stack_file"
# A removed service (e.g. redis after a network change) must go too.
APP_IMAGE_DIGEST="$digest" "${sw[@]}" stack deploy --prune --detach=true -c "$stack_file" reg-case >/dev/null
for _ in $(seq 1 120); do
  pending="$("${sw[@]}" service ls --filter label=com.docker.stack.namespace=reg-case --format '{{.Replicas}}' | awk -F'[/ ]' '$1!=$2' | wc -l)"
  updating="$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' reg-case_case-api)"
  [[ "$pending" == 0 && "$updating" != updating ]] && break
  sleep 1
done
"${sw[@]}" stack services reg-case
echo "deployed $digest"
