#!/usr/bin/env bash
# The bundle of an earlier incident kept, collected more than an hour ago.
set -euo pipefail
for d in /workspace/reg-case-platform/ops/incidents/incident-*/; do touch -d '-2 hours' "$d"*; done
ls -l /workspace/reg-case-platform/ops/incidents/incident-*/
