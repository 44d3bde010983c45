#!/bin/sh
# The official redis image's entrypoint contract, for Debian's Redis 8.
set -e

# `docker run redis:8 --appendonly yes` or `... /path/redis.conf`: arguments go to redis-server.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi

# Started as root (the default): the data folder becomes redis's own, then root is dropped.
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$1" = redis-server ]; then
  # The official image builds Redis with protected mode off (the container network is the
  # boundary); Debian's keeps Redis's default, so it is turned off here, ahead of the user's
  # options so theirs win. A config file (always the first argument) decides it if it says so.
  shift
  if [ "$1" = - ] || { [ -n "$1" ] && [ "${1#-}" = "$1" ]; }; then
    conf=$1
    shift
    if [ -f "$conf" ] && grep -Eq '^[[:space:]]*protected-mode[[:space:]]' "$conf"; then
      set -- "$conf" "$@"
    else
      set -- "$conf" --protected-mode no "$@"
    fi
  else
    set -- --protected-mode no "$@"
  fi
  set -- redis-server "$@"
fi

# Files Redis writes (RDB, AOF) are private unless a umask was chosen.
if [ "$(umask)" = 0022 ]; then umask 0077; fi
exec "$@"
