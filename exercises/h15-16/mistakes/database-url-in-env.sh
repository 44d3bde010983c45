#!/usr/bin/env bash
# DATABASE_URL with the password written into the api's environment.
source "$(dirname "$0")/lib.sh"
edit 's#DATABASE_URL_FILE: /run/secrets/database_url \# mark:api-db-url#DATABASE_URL: postgres://case:case-swarm-pw@postgres:5432/case#' '^      DATABASE_URL: '
redeploy
echo "case-api has DATABASE_URL in its environment"
