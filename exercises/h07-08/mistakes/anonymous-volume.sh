#!/usr/bin/env bash
# PostgreSQL re-run without -v: the image's VOLUME gives it a new anonymous volume, and the
# data of the last one stays behind, nameless.
source "$(dirname "$0")/../../lib/mistakes.sh"
run_postgres -e PGDATA=/var/lib/postgresql/data
