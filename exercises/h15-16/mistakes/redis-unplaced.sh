#!/usr/bin/env bash
# Redis has no placement constraint, so its data may land on any node.
source "$(dirname "$0")/lib.sh"
edit '/# mark:redis-place/d' '!mark:redis-place'
redeploy
echo "redis has no placement constraint"
