#!/usr/bin/env bash
# The api reserves 64 GB of memory, which no node has, so its new tasks stay pending.
source "$(dirname "$0")/lib.sh"
edit 's#memory: 64M }, limits: { cpus: "0.50", memory: 256M } } \# mark:api-resources#memory: 64G }, limits: { cpus: "0.50", memory: 128G } }#' 'memory: 64G'
redeploy
echo "case-api reserves 64G"
