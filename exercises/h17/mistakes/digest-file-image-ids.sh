#!/usr/bin/env bash
# Image IDs written down (`docker image inspect --format '{{.Id}}'`): the config digest, which no
# service runs and the registry does not know as a manifest.
set -euo pipefail
repo=registry:5000/reg-case-platform
for v in 1.0.0 1.1.0; do docker image inspect --format '{{.Id}}' "$repo:$v"; done >/workspace/reg-case-platform/previous-digests.txt
