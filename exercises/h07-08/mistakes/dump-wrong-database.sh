#!/usr/bin/env bash
# The backup taken of the default `postgres` database, not of `case`: it restores, and holds nothing.
source "$(dirname "$0")/../../lib/mistakes.sh"
docker exec reg-case-postgres pg_dump -U case -d postgres -Fc > /workspace/backups/case.dump
