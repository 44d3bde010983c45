# Shared by h17's solve and mistake scripts (sourced, not run).
repo=registry:5000/reg-case-platform
svc=reg-case_case-api
sw=(docker --context swarm)

build_push() { # version, build folder → prints the pushed digest reference
  docker build --quiet --build-arg "VERSION=$1" --tag "$repo:$1" "$2" >/dev/null
  docker push --quiet "$repo:$1" >/dev/null
  docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repo:$1" | grep "^$repo@" | head -n1
}
digest_of() { # tag → the digest reference it was pushed as
  docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repo:$1" | grep "^$repo@" | head -n1
}
record_running() { # what the service runs now, as the page has the learner write it down
  "${sw[@]}" service inspect "$svc" --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}'
}
started_at() { "${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.StartedAt}}{{end}}' "$svc"; }
wait_state() { # wanted UpdateStatus states (regex), seconds[, a StartedAt the update must differ from]
  local state="" started=""
  for _ in $(seq 1 "$2"); do
    state="$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$svc")"
    started="$(started_at)"
    [[ "$state" =~ ^($1)$ && ( -z "${3:-}" || "$started" != "$3" ) ]] && return 0
    sleep 1
  done
  echo "UpdateStatus of $svc is '$state' after $2 s, not $1: $("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.Message}}{{end}}' "$svc")" >&2
  return 1
}
update_and_wait() { # wanted states (regex), seconds, `docker service update` options… (the update must be a new one)
  local want="$1" secs="$2" before
  shift 2
  before="$(started_at)"
  "${sw[@]}" service update --quiet --detach "$@" "$svc" >/dev/null
  wait_state "$want" "$secs" "${before:-none}"
}
redeploy_stack() { # stack rm, wait until it is gone, deploy the hours 15-16 stack again
  "${sw[@]}" stack rm reg-case >/dev/null
  for _ in $(seq 1 60); do
    [[ -z "$("${sw[@]}" service ls -q --filter label=com.docker.stack.namespace=reg-case)" ]] && break
    sleep 1
  done
  # The overlay network goes a moment after its services.
  for _ in $(seq 1 30); do
    [[ -z "$("${sw[@]}" network ls -q --filter label=com.docker.stack.namespace=reg-case)" ]] && break
    sleep 1
  done
  bash "$(dirname "${BASH_SOURCE[0]}")/../../h15-16/solve.sh" >/dev/null
}
