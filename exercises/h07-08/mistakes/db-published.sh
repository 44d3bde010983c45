#!/usr/bin/env bash
# PostgreSQL published "to connect from a GUI on the laptop": -p 5432:5432 is every interface.
source "$(dirname "$0")/../../lib/mistakes.sh"
run_postgres -v reg-case-pgdata:/var/lib/postgresql/data -p 5432:5432
