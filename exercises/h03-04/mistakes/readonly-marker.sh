#!/usr/bin/env bash
# The entrypoint writes a marker file into the home directory at start, which a read-only root refuses.
source "$(dirname "$0")/lib.sh"
edit '^ENTRYPOINT ' 's#^ENTRYPOINT .*#ENTRYPOINT ["sh", "-c", "date > /home/node/.started-at \&\& exec node dist/main.js \\"$@\\"", "--"]#'
rebuild
