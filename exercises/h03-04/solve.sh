#!/usr/bin/env bash
# Hours 3-4, solved: the reference Dockerfile built on laptop as registry:5000/reg-case-platform:dev.
# `--mistake <deliverable>` then rebuilds it with that deliverable's realistic mistake.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
app=/workspace/reg-case-platform
image="${IMAGE:-registry:5000/reg-case-platform:dev}"
mistake=""
if [[ "${1:-}" == "--mistake" ]]; then mistake="${2:?--mistake needs a deliverable id}"; fi

[[ -f "$app/package.json" ]] || { echo "the starter app is missing from $app" >&2; exit 1; }
cp "$here/Dockerfile" "$app/Dockerfile"
cp "$here/dockerignore" "$app/.dockerignore"
df="$app/Dockerfile"
case "$mistake" in
  "") ;;
  dockerfile-multi-stage) cp "$here/mistakes/single-stage.Dockerfile" "$df" ;;
  build-cache-ordered) sed -i 's#^COPY package.json package-lock.json ./#COPY . .#' "$df" ;;
  image-non-root) sed -i 's#^USER node#USER root#' "$df" ;;
  image-read-only-ready)
    # Writes a marker file at start: fine on a writable root, fatal on a read-only one.
    sed -i 's#^ENTRYPOINT .*#ENTRYPOINT ["sh", "-c", "date > /home/node/.started-at \&\& exec node dist/main.js \\"$@\\"", "--"]#' "$df" ;;
  image-oci-labels) sed -i '/^LABEL /,/image.version=/d' "$df" ;;
  image-healthcheck) sed -i '/^HEALTHCHECK /,/CMD \[/d' "$df" ;;
  runtime-image-lean) sed -i 's#^RUN npm run build && npm prune --omit=dev#RUN npm run build#' "$df" ;;
  no-secrets-in-image) sed -i 's#^ENV NODE_ENV=production#ENV DATABASE_URL=postgres://case:case_dev_secret@postgres:5432/case \\\n    NODE_ENV=production#' "$df" ;;
  *) echo "no mistake is defined for $mistake" >&2; exit 2 ;;
esac
docker build --quiet --tag "$image" "$app" >/dev/null
echo "built $image ($(docker image inspect --format '{{.Id}}' "$image"))${mistake:+ with the mistake for $mistake}"
