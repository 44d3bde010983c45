#!/usr/bin/env bash
# A "small fix" rebuilt and pushed as 1.0.0 after the evidence was written: the release tag moved.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$app"
docker build --quiet --build-arg VERSION=$version --label hotfix=late -t "$repo:$version" . >/dev/null
docker push --quiet "$repo:$version" >/dev/null
echo "pushed $repo:$version again at $(digest_of "$repo:$version")"
