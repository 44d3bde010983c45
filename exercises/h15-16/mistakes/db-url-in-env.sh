#!/usr/bin/env bash
# DATABASE_URL with the password written into the api's environment, as in the Compose file.
# (Changes the workspace's stack.yml.)
source "$(dirname "$0")/lib.sh"
sed -i 's#DATABASE_URL_FILE: /run/secrets/database_url \# mark:api-db-url#DATABASE_URL: postgres://case:case-swarm-pw@postgres:5432/case#' "$stack_file"
grep -q 'DATABASE_URL: postgres://' "$stack_file"
redeploy
echo "case-api has DATABASE_URL in its environment"
