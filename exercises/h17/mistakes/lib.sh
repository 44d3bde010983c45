# Sourced by the h17 solve and its mistakes: building and pushing a version of the app, and
# waiting for the api's UpdateStatus. The mistakes start from the solved block (case-api at
# 1.1.0 by digest, after a bad 1.2.0 rolled back by itself).
set -euo pipefail
lib_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo=registry:5000/reg-case-platform
svc=reg-case_case-api
sw=(docker --context swarm)
app=/workspace/reg-case-platform

build_push() { # version, extra Dockerfile line for the runtime stage (may be empty) → prints the digest
  cp "$lib_here/../../h03-04/Dockerfile" "$app/Dockerfile"
  [[ -n "$2" ]] && printf '%s\n' "$2" >>"$app/Dockerfile"
  docker build --quiet --build-arg "VERSION=$1" --tag "$repo:$1" "$app" >/dev/null
  docker push --quiet "$repo:$1" >/dev/null
  docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repo:$1" | grep "^$repo@" | head -n1
}

wait_state() { # wanted UpdateStatus states (regex), seconds
  local state=
  for _ in $(seq 1 "$2"); do
    state="$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$svc")"
    [[ "$state" =~ ^($1)$ ]] && return 0
    sleep 1
  done
  echo "UpdateStatus is '$state', not $1" >&2
  return 1
}
