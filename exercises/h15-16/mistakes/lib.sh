# Sourced by the h15-16 mistakes. Each starts from the solved block (image pushed, secrets made,
# the reference stack deployed by digest) and changes one thing: most edit the workspace's
# reg-case-platform/stack.yml (the reference copy the solve wrote) and deploy it again, which
# updates only the services whose spec changed.
set -euo pipefail
repo=registry:5000/reg-case-platform
version="${VERSION:-1.0.0}"
sw=(docker --context swarm)
stack_file=/workspace/reg-case-platform/stack.yml
digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repo:$version" | grep "^$repo@" | head -n1 || true)"

# edit <sed script> <grep -E pattern the edited file must (or, with !, must not) contain>
edit() {
  sed -i "$1" "$stack_file"
  if [[ "$2" == !* ]]; then
    ! grep -qE "${2#!}" "$stack_file" || { echo "the edit '$1' did not apply to $stack_file" >&2; exit 3; }
  else
    grep -qE "$2" "$stack_file" || { echo "the edit '$1' did not apply to $stack_file" >&2; exit 3; }
  fi
}

# redeploy [image]: the stack file as edited, with the app image by digest unless told otherwise.
redeploy() {
  [[ -n "${1:-$digest}" ]] || { echo "no digest for $repo:$version: solve h15-16 first" >&2; exit 1; }
  APP_IMAGE_DIGEST="${1:-$digest}" "${sw[@]}" stack deploy --prune --detach=true -c "$stack_file" reg-case >/dev/null
}

# settle <service> <seconds>: wait until the service runs as many tasks as it wants, with no update running.
settle() {
  for _ in $(seq 1 "$2"); do
    local replicas updating
    replicas="$("${sw[@]}" service ls --filter "name=reg-case_$1" --format '{{.Name}} {{.Replicas}}' | awk -v n="reg-case_$1" '$1==n {print $2}')"
    updating="$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "reg-case_$1")"
    [[ -n "$replicas" && "${replicas%%/*}" == "${replicas##*/}" && "$updating" != updating ]] && return 0
    sleep 1
  done
  echo "reg-case_$1 did not settle in $2 s" >&2
}
