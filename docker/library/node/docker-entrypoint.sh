#!/bin/sh
# As the official image: `docker run node:20-slim -e "..."` or `... app.js` runs node.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" || :)" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
