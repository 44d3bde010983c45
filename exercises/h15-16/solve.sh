#!/usr/bin/env bash
# Hours 15-16, solved: the image from hours 3-4 pushed to the lab registry, secrets created on the
# swarm, and the reference stack deployed by digest as `reg-case` through the `swarm` context.
# Realistic mistakes are scripts in mistakes/ (run after this one); this script undoes any of them:
# it copies the reference stack.yml over the workspace's reg-case-platform/stack.yml, deploys it,
# and gives the workers back their role (Drydock's swarm shortcut, run first, restores node labels).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo=registry:5000/reg-case-platform
version="${VERSION:-1.0.0}"
sw=(docker --context swarm)
stack_file=/workspace/reg-case-platform/stack.yml

for w in worker-1 worker-2; do
  if [[ "$("${sw[@]}" node inspect --format '{{.Spec.Role}}' "$w")" == manager ]]; then
    "${sw[@]}" node demote "$w" >/dev/null
  fi
done

IMAGE="$repo:$version" bash "$here/../h03-04/solve.sh"
docker push --quiet "$repo:$version" >/dev/null
digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repo:$version" | grep "^$repo@" | head -n1)"
[[ -n "$digest" ]] || { echo "no digest for $repo:$version" >&2; exit 1; }

secret() { "${sw[@]}" secret inspect "$1" >/dev/null 2>&1 || printf '%s' "$2" | "${sw[@]}" secret create "$1" - >/dev/null; }
secret postgres_password case-swarm-pw
secret database_url "postgres://case:case-swarm-pw@postgres:5432/case"

cp "$here/stack.yml" "$stack_file"
image="$digest"
# A removed service (e.g. redis after a network change) must go too.
APP_IMAGE_DIGEST="$image" "${sw[@]}" stack deploy --prune --detach=true -c "$stack_file" reg-case >/dev/null
# Wait for convergence, at most 3 minutes (the checks say what is still behind).
for _ in $(seq 1 180); do
  pending="$("${sw[@]}" service ls --filter label=com.docker.stack.namespace=reg-case --format '{{.Replicas}}' | awk -F'[/ ]' '$1!=$2' | wc -l)"
  updating="$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' reg-case_case-api)"
  [[ "$pending" == 0 && "$updating" != updating ]] && break
  sleep 1
done
"${sw[@]}" stack services reg-case
echo "deployed $image"
