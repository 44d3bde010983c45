#!/usr/bin/env bash
# The official postgres image's entrypoint contract, for Debian's PostgreSQL 17:
# POSTGRES_USER/PASSWORD/DB (or *_FILE), POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR and
# POSTGRES_HOST_AUTH_METHOD; initialisation, including /docker-entrypoint-initdb.d/*, runs
# only on an empty data directory; the server runs as postgres and is exec'd (PID 1).
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR from $VAR, or from the file named by $VAR_FILE (Docker secrets).
file_env() {
  local var=$1 file_var="${1}_FILE" value=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$file_var"
    exit 1
  fi
  if [ -n "${!var:-}" ]; then
    value=${!var}
  elif [ -n "${!file_var:-}" ]; then
    value=$(<"${!file_var}")
  fi
  export "$var"="$value"
  unset "$file_var"
}

wants_help() {
  local arg
  for arg; do
    case "$arg" in -'?' | --help | --describe-config | -V | --version) return 0 ;; esac
  done
  return 1
}

setup_env() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
  export POSTGRES_HOST_AUTH_METHOD
}

# Runs SQL from stdin or -f as the superuser over the local socket (trusted, like the official image).
process_sql() {
  local runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ -n "$POSTGRES_DB" ]; then runner+=(--dbname "$POSTGRES_DB"); fi
  PGHOST= PGHOSTADDR= "${runner[@]}" "$@"
}

init_database() {
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
MSG
    exit 1
  fi
  # Fail now, not half-way, when the init folder is unreadable.
  ls /docker-entrypoint-initdb.d/ >/dev/null

  local initdb_args=()
  if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then initdb_args+=(--waldir "$POSTGRES_INITDB_WALDIR"); fi
  # The password goes through a pipe, never the command line; eval lets POSTGRES_INITDB_ARGS quote.
  eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"' "${initdb_args[@]}"'

  # Local socket connections stay trusted (initdb's default); everything else needs a password.
  {
    echo
    if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then echo '# warning: trust is enabled for all connections'; fi
    printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
  } >>"$PGDATA/pg_hba.conf"

  # A temporary server on the socket only, for creating the database and running init files.
  shift # "postgres"
  local server_args=("$@" -c listen_addresses='' -p "${PGPORT:-5432}")
  PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${server_args[@]}")" -w start

  if [ "$POSTGRES_DB" != postgres ]; then
    local exists
    exists=$(POSTGRES_DB= process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only \
      <<<"SELECT 1 FROM pg_database WHERE datname = :'db' ;")
    if [ -z "$exists" ]; then
      POSTGRES_DB= process_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
    fi
  fi

  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        # Executable scripts run; others are sourced, as in the official image.
        if [ -x "$f" ]; then
          printf '%s: running %s\n' "$0" "$f"
          "$f"
        else
          printf '%s: sourcing %s\n' "$0" "$f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) printf '%s: running %s\n' "$0" "$f" && process_sql -f "$f" ;;
      *.sql.gz) printf '%s: running %s\n' "$0" "$f" && gunzip -c "$f" | process_sql ;;
      *.sql.xz) printf '%s: running %s\n' "$0" "$f" && xzcat "$f" | process_sql ;;
      *.sql.zst) printf '%s: running %s\n' "$0" "$f" && zstd -dc "$f" | process_sql ;;
      *) printf '%s: ignoring %s\n' "$0" "$f" ;;
    esac
  done

  pg_ctl -D "$PGDATA" -m fast -w stop
  printf '\nPostgreSQL init process complete; ready for start up.\n\n'
}

# `docker run postgres:17 -c shared_buffers=256MB`: options go to postgres.
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ] && ! wants_help "$@"; then
  setup_env
  if [ "$(id -u)" = 0 ]; then
    # A new volume (or bind mount) is made postgres's own, then root is dropped for good.
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 00700 "$PGDATA" || :
    chmod 03775 /var/run/postgresql || :
    if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
      mkdir -p "$POSTGRES_INITDB_WALDIR"
      find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
      chmod 700 "$POSTGRES_INITDB_WALDIR"
    fi
    find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
    export HOME=/var/lib/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
  fi
  if [ -s "$PGDATA/PG_VERSION" ]; then
    printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
  else
    mkdir -p "$PGDATA" && chmod 00700 "$PGDATA" 2>/dev/null || :
    init_database "$@"
  fi
fi

exec "$@"
