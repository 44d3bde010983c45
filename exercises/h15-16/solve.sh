#!/usr/bin/env bash
# Hours 15-16, solved: the image from hours 3-4 pushed to the lab registry, secrets created on the
# swarm, and the reference stack deployed by digest as `reg-case` through the `swarm` context.
# Realistic mistakes are scripts in mistakes/ (run after this one); this script undoes any of them:
# it copies the reference stack.yml over the workspace's reg-case-platform/stack.yml, deploys it,
# and gives the workers back their role (Drydock's swarm shortcut, run first, restores node labels).
# The learner's files it changes: those of h03-04's solve, and reg-case-platform/stack.yml (a
# different version of the learner's own is kept under .drydock/kept/ first, and it says so).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../h03-04/keep-and-place.sh"
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

place "$here/stack.yml" "$stack_file"
image="$digest"
# A removed service (e.g. redis after a network change) must go too.
deploy() { APP_IMAGE_DIGEST="$image" "${sw[@]}" stack deploy --prune --detach=true -c "$stack_file" reg-case >/dev/null; }
# Update states of the stack's services, e.g. "updating rollback_started".
states() {
  "${sw[@]}" service ls -q --filter label=com.docker.stack.namespace=reg-case |
    xargs "${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' | tr '\n' ' '
}
# Fresh services cannot be rolled back to whatever spec was there before: used when an update was.
redeploy_fresh() {
  "${sw[@]}" stack rm reg-case >/dev/null
  for _ in $(seq 1 90); do
    [[ -z "$("${sw[@]}" service ls -q --filter label=com.docker.stack.namespace=reg-case)$("${sw[@]}" network ls -q --filter label=com.docker.stack.namespace=reg-case)" ]] && break
    sleep 1
  done
  deploy
}
deploy
# Wait for convergence, at most 3 minutes per deploy (the checks say what is still behind). A task
# that fails its health check during the update (a loaded machine, or the state a mistake left)
# makes Swarm roll back to the previous spec, which may be a mistake's, or pause: then the stack
# is removed and deployed afresh (its volumes stay), once.
for attempt in 1 2; do
  again=""
  for _ in $(seq 1 180); do
    pending="$("${sw[@]}" service ls --filter label=com.docker.stack.namespace=reg-case --format '{{.Replicas}}' | awk -F'[/ ]' '$1!=$2' | wc -l)"
    st="$(states)"
    labels="$("${sw[@]}" service inspect --format '{{index .Spec.Labels "com.docker.stack.image"}}' reg-case_case-api reg-case_worker | sort -u)"
    # Rolled back: the spec (and its stack label) went back to the previous one. Paused: stuck.
    if [[ "$attempt" == 1 && ( "$labels" != "$image" || "$st" =~ paused ) ]]; then again=1; break; fi
    [[ "$pending" == 0 && ! "$st" =~ updating ]] && break
    sleep 1
  done
  [[ -z "$again" ]] && break
  echo "an update ended as: $st(image ${labels//$'\n'/, }); removing the stack and deploying it afresh" >&2
  redeploy_fresh
done
"${sw[@]}" stack services reg-case
echo "deployed $image"
