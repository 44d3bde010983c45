#!/usr/bin/env bash
# Hour 17, solved: from the hours 15-16 stack (case-api at 1.0.0 by digest), a rolling update to
# 1.1.0 by digest, then a rollout of a bad image (it listens on the wrong port, so the stack's
# health gate fails) that Swarm rolls back by itself. Before each update the digest running is
# appended to the learner's release log, /workspace/reg-case-platform/previous-digests.txt (it
# only adds lines). Releases are built from a scratch copy of the app under
# /workspace/.drydock/h17/build, never from the learner's own files; the broken release's
# `ENV APP_PORT=8081` goes only into that copy. The other learner files changed are those of the
# hours 15-16 solve run first (Dockerfile, .dockerignore, stack.yml: the reference's, with a
# different version of the learner's kept under .drydock/kept/, as it prints).
# Mistakes are separate scripts (mistakes/*.sh), run after this one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo=registry:5000/reg-case-platform
svc=reg-case_case-api
sw=(docker --context swarm)
app=/workspace/reg-case-platform
build=/workspace/.drydock/h17/build
log="$app/previous-digests.txt"
source "$here/mistakes/lib.sh"

bash "$here/../h15-16/solve.sh"

# A scratch copy of the app with the reference Dockerfile: the learner's Dockerfile stays as it is.
rm -rf "$build"
mkdir -p "$build"
cp -a "$app/." "$build/"
rm -f "$build/previous-digests.txt"
cp "$here/../h03-04/Dockerfile" "$build/Dockerfile"
cp "$here/../h03-04/dockerignore" "$build/.dockerignore"

record_running >>"$log"
v2="$(build_push 1.1.0 "$build")"
update_and_wait completed 240 --image "$v2"
echo "rolled to $v2"

record_running >>"$log"
printf '%s\n' "ENV APP_PORT=8081" >>"$build/Dockerfile"
bad="$(build_push 1.2.0-bad "$build")"
update_and_wait rollback_completed 300 --image "$bad"
echo "the bad rollout to $bad was rolled back to $v2"
