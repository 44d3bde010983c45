#!/bin/sh
# Runs the mounted checkout's CLI (the working directory, compose.yml's `working_dir`).
set -e
if [ ! -f lab-agent/bin/drydock.mjs ]; then
  echo "drydock-agent: $(pwd) is not a Drydock checkout; run docker compose from the checkout." >&2
  exit 64
fi
if [ ! -d node_modules/dockerode ]; then
  echo "drydock-agent: the checkout has no node_modules; run \`npm ci\` on the host first." >&2
  exit 64
fi
# The native modules were compiled by the host's npm: they load only in the same Node major.
if ! node -e 'require("better-sqlite3"); require("node-pty")' 2>/dev/null; then
  echo "drydock-agent: node_modules was installed by another Node than this container's $(node --version)" \
    "(native modules do not load); install it on the host with Node 20." >&2
  exit 64
fi
exec node lab-agent/bin/drydock.mjs "$@"
