#!/usr/bin/env bash
# The api's resources block is dropped, so it reserves nothing and may use everything.
source "$(dirname "$0")/lib.sh"
edit '/# mark:api-resources/d' '!mark:api-resources'
redeploy
echo "case-api has no resources block"
