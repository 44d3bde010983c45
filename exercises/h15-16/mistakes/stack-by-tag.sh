#!/usr/bin/env bash
# The stack names the image by tag; Swarm pins some digest by itself, but nobody chose it.
source "$(dirname "$0")/lib.sh"
redeploy "$repo:$version"
echo "deployed by tag $repo:$version"
