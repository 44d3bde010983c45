#!/usr/bin/env bash
# Seed section 16's incident bundle, from laptop through the swarm context, into the workspace
# (ops/incidents/incident-<date>-<time>/). `docker events` needs --until, or it waits forever.
set -euo pipefail
sw=(docker --context swarm)
d="/workspace/reg-case-platform/ops/incidents/incident-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$d"
"${sw[@]}" node ls >"$d/nodes.txt"
"${sw[@]}" service ls >"$d/services.txt"
"${sw[@]}" stack ps reg-case --no-trunc >"$d/stack-ps.txt"
"${sw[@]}" service inspect reg-case_case-api >"$d/case-api.inspect.json"
"${sw[@]}" service logs --since 1h reg-case_case-api >"$d/case-api.logs.txt" 2>&1
"${sw[@]}" events --since 1h --until "$(date +%s)" >"$d/docker-events.txt" 2>&1 || true
echo "$d"
