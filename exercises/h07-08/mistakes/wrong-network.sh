#!/usr/bin/env bash
# case-api re-run on a network of its own ("a front network for the API"), which
# reg-case-postgres is not on: the name in DATABASE_URL resolves nowhere.
source "$(dirname "$0")/../../lib/mistakes.sh"
docker network inspect reg-case-front >/dev/null 2>&1 || docker network create reg-case-front >/dev/null
net=reg-case-front rerun_api
