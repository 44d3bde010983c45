#!/usr/bin/env bash
# The api reserves 64 GB (a "G" for an "M"), which no node has: its new tasks stay pending.
# (Changes the workspace's stack.yml.)
source "$(dirname "$0")/lib.sh"
sed -i 's#memory: 64M }, limits: { cpus: "0.50", memory: 256M } } \# mark:api-resources#memory: 64G }, limits: { cpus: "0.50", memory: 128G } }#' "$stack_file"
grep -q 'memory: 64G' "$stack_file"
redeploy
echo "case-api reserves 64G"
