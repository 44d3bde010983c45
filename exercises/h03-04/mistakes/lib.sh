# Shared by the hours 3-4 mistake scripts: each starts from the solved state (the reference
# Dockerfile in the workspace's reg-case-platform/), changes it, and rebuilds the image.
# They change reg-case-platform/Dockerfile (and, where said, one more file); `drydock solve h03-04` restores them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
app="${APP:-/workspace/reg-case-platform}"
df="$app/Dockerfile"
image="${IMAGE:-registry:5000/reg-case-platform:dev}"

# edit <grep pattern that must be there> <sed script>
edit() {
  grep -qE -- "$1" "$df" || { echo "the Dockerfile has no line matching $1: run drydock solve h03-04 first" >&2; exit 1; }
  sed -i -e "$2" "$df"
}

rebuild() {
  docker build --quiet --tag "$image" "$@" "$app" >/dev/null
  echo "rebuilt $image ($(docker image inspect --format '{{.Id}}' "$image"))"
}
