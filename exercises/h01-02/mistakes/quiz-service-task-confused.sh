#!/usr/bin/env bash
# The quiz retaken with a task taken for the service and a tag trusted as an artifact's identity.
set -euo pipefail
mkdir -p /workspace/.drydock/quiz-answers
cat >/workspace/.drydock/quiz-answers/h01-02.json <<'JSON'
{"answers": {"image-vs-container": "b", "service-vs-task": "b", "task-replaced": "c", "digest-identity": "b",
  "volume-outlives-container": "b", "where-the-fix-goes": "d", "runtime-state": "b", "compose-vs-stack": "a"}}
JSON
