#!/usr/bin/env bash
# npm prune --omit=dev is forgotten, so TypeScript and its tsc ship in the runtime image.
source "$(dirname "$0")/lib.sh"
edit '^RUN npm run build && npm prune --omit=dev' 's#^RUN npm run build && npm prune --omit=dev#RUN npm run build#'
rebuild
