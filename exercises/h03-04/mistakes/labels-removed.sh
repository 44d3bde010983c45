#!/usr/bin/env bash
# No LABEL at all, so the image only carries the labels inherited from node:20-slim.
source "$(dirname "$0")/lib.sh"
edit '^LABEL ' '/^LABEL /,/image.version=/d'
rebuild
