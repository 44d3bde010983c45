# Sourced by the h03-04 mistakes. Each starts from the solved block: it edits the workspace's
# reg-case-platform/Dockerfile (the reference copy the solve wrote) and rebuilds the image.
set -euo pipefail
app=/workspace/reg-case-platform
df="$app/Dockerfile"
image="${IMAGE:-registry:5000/reg-case-platform:dev}"

# edit <sed script> <grep -E pattern the edited file must (or, with !, must not) contain>
edit() {
  sed -i "$1" "$df"
  if [[ "$2" == !* ]]; then
    ! grep -qE "${2#!}" "$df" || { echo "the edit '$1' did not apply to $df" >&2; exit 3; }
  else
    grep -qE "$2" "$df" || { echo "the edit '$1' did not apply to $df" >&2; exit 3; }
  fi
}

rebuild() {
  docker build --quiet --tag "$image" "$app" >/dev/null
  echo "rebuilt $image ($(docker image inspect --format '{{.Id}}' "$image")) with the mistake $1"
}
