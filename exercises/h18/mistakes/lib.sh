# Shared by h18's solve and mistake scripts (sourced, not run). They run on laptop.
set -euo pipefail
sw=(docker --context swarm)
stack_file=/workspace/reg-case-platform/stack.yml
certs=/certs/client

# docker against one node's engine (TLS, the lab's client certificate).
on_node() {
  local node="$1"
  shift
  docker -H "tcp://$node:2376" --tlsverify --tlscacert "$certs/ca.pem" --tlscert "$certs/cert.pem" \
    --tlskey "$certs/key.pem" "$@"
}

node_enforces() {
  on_node "$1" info --format '{{json .SecurityOptions}}' 2>/dev/null | grep -q 'name=no-new-privileges'
}

deployed_image() {
  "${sw[@]}" service inspect --format '{{index .Spec.Labels "com.docker.stack.image"}}' reg-case_case-api
}

# Until every service of the stack runs all its replicas and none is updating (at most $1 s).
wait_converged() {
  for _ in $(seq 1 "${1:-180}"); do
    local pending states
    pending="$("${sw[@]}" service ls --filter label=com.docker.stack.namespace=reg-case --format '{{.Replicas}}' 2>/dev/null | awk -F'[/ ]' '$1!=$2' | wc -l)"
    states="$("${sw[@]}" service ls -q --filter label=com.docker.stack.namespace=reg-case 2>/dev/null |
      xargs "${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' 2>/dev/null | tr '\n' ' ')"
    [[ "$pending" == 0 && ! "$states" =~ updating ]] && return 0
    sleep 1
  done
}
