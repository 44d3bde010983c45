#!/usr/bin/env bash
# Hours 15-16, solved: the image from hours 3-4 pushed to the lab registry, secrets created on the
# swarm, and the reference stack deployed by digest as `reg-case` through the `swarm` context.
# `--mistake <deliverable>` deploys it with that deliverable's realistic mistake.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo=registry:5000/reg-case-platform
version="${VERSION:-1.0.0}"
sw=(docker --context swarm)
stack_file=/workspace/reg-case-platform/stack.yml
mistake=""
if [[ "${1:-}" == "--mistake" ]]; then mistake="${2:?--mistake needs a deliverable id}"; fi

if [[ "$mistake" == swarm-initialized ]]; then
  # Removing a worker from the manager's list: the swarm is one node short.
  "${sw[@]}" node rm --force worker-2 >/dev/null
  echo "worker-2 removed from the swarm"
  exit 0
fi

IMAGE="$repo:$version" bash "$here/../h03-04/solve.sh"
docker push --quiet "$repo:$version" >/dev/null
digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repo:$version" | grep "^$repo@" | head -n1)"
[[ -n "$digest" ]] || { echo "no digest for $repo:$version" >&2; exit 1; }

secret() { "${sw[@]}" secret inspect "$1" >/dev/null 2>&1 || printf '%s' "$2" | "${sw[@]}" secret create "$1" - >/dev/null; }
secret postgres_password case-swarm-pw
secret database_url "postgres://case:case-swarm-pw@postgres:5432/case"

cp "$here/stack.yml" "$stack_file"
image="$digest"
case "$mistake" in
  "") ;;
  stack-deployed) image="$repo:$version" ;; # by tag: Swarm pins it, but nobody chose that digest
  overlay-network-works) sed -i 's#networks: \[app-net\] \# mark:redis-net#networks: [cache-net]#; s#^networks:$#networks:\n  cache-net:\n    driver: overlay#' "$stack_file" ;;
  services-converged) sed -i 's#memory: 64M }, limits: { cpus: "0.50", memory: 256M } } \# mark:api-resources#memory: 64G }, limits: { cpus: "0.50", memory: 128G } }#' "$stack_file" ;;
  placement-constraints-tested) sed -i '/# mark:redis-place/d' "$stack_file" ;;
  resources-reserved-limited) sed -i '/# mark:api-resources/d' "$stack_file" ;;
  database-url-secret) sed -i 's#DATABASE_URL_FILE: /run/secrets/database_url \# mark:api-db-url#DATABASE_URL: postgres://case:case-swarm-pw@postgres:5432/case#' "$stack_file" ;;
  *) echo "no mistake is defined for $mistake" >&2; exit 2 ;;
esac
# A removed service (e.g. redis after a network change) must go too.
APP_IMAGE_DIGEST="$image" "${sw[@]}" stack deploy --prune --detach=true -c "$stack_file" reg-case >/dev/null
# Wait for convergence (a mistake may keep it from converging: then stop waiting after a while).
limit=120
[[ -n "$mistake" ]] && limit=45
for _ in $(seq 1 "$limit"); do
  pending="$("${sw[@]}" service ls --filter label=com.docker.stack.namespace=reg-case --format '{{.Replicas}}' | awk -F'[/ ]' '$1!=$2' | wc -l)"
  updating="$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' reg-case_case-api)"
  [[ "$pending" == 0 && "$updating" != updating ]] && break
  sleep 1
done
"${sw[@]}" stack services reg-case
echo "deployed $image${mistake:+ (mistake: $mistake)}"
