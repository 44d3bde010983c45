# Shared by the h15-16 mistake scripts (sourced, not run). Each script starts from `drydock solve
# h15-16` and changes the workspace's reg-case-platform/stack.yml and/or the swarm; the next solve
# puts both back (it copies the reference stack.yml over the workspace's and deploys it).
set -euo pipefail
sw=(docker --context swarm)
stack_file=/workspace/reg-case-platform/stack.yml

# The digest the solved stack was deployed with (the stack's own label keeps what the file said).
deployed_image() {
  "${sw[@]}" service inspect --format '{{index .Spec.Labels "com.docker.stack.image"}}' reg-case_case-api
}

# Deploys the edited stack file as the learner would, without waiting for convergence.
redeploy() {
  APP_IMAGE_DIGEST="${1:-$(deployed_image)}" "${sw[@]}" stack deploy --detach=true -c "$stack_file" reg-case >/dev/null
}

# Waits (at most $2 s) until a service's update is no longer in progress.
wait_updated() {
  for _ in $(seq 1 "${2:-60}"); do
    state="$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$1")"
    [[ "$state" != updating ]] && return 0
    sleep 1
  done
}
