#!/usr/bin/env bash
# Redis has no placement constraint, so its data may land on any node. (Changes the workspace's stack.yml.)
source "$(dirname "$0")/lib.sh"
sed -i '/# mark:redis-place/d' "$stack_file"
redeploy
echo "redis placement constraint removed"
