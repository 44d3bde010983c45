#!/usr/bin/env bash
# COPY src moved up beside the manifests "to keep the copies together".
source "$(dirname "$0")/lib.sh"
edit '^COPY src ./src' '/^COPY src .\/src$/d'
edit '^COPY package.json package-lock.json ./' 's#^COPY package.json package-lock.json ./#COPY package.json package-lock.json ./\nCOPY src ./src#'
rebuild
