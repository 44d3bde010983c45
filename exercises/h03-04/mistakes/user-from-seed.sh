#!/usr/bin/env bash
# USER app:app copied from the seed's Dockerfile without its groupadd/useradd: docker run refuses it.
source "$(dirname "$0")/lib.sh"
edit '^USER node' 's#^USER node#USER app:app#'
rebuild
