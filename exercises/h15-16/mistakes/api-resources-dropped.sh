#!/usr/bin/env bash
# The api's deploy.resources dropped: it reserves nothing and may use the whole node.
# (Changes the workspace's stack.yml.)
source "$(dirname "$0")/lib.sh"
sed -i '/# mark:api-resources/d' "$stack_file"
redeploy
echo "case-api resources removed"
