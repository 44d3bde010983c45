#!/usr/bin/env bash
# Deployed by tag, as in Docker's swarm tutorial: Swarm pins some digest itself, but nobody chose it.
source "$(dirname "$0")/lib.sh"
redeploy registry:5000/reg-case-platform:1.0.0
echo "stack deployed with registry:5000/reg-case-platform:1.0.0"
