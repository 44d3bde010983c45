#!/usr/bin/env bash
# A developer's .env copied into the image. Also writes reg-case-platform/.env (the dev database URL).
source "$(dirname "$0")/lib.sh"
printf 'APP_PORT=8080\nDATABASE_URL=postgres://case:case_dev_secret@localhost:5432/case\n' > "$app/.env"
edit '^COPY package.json ./$' 's#^COPY package.json ./$#COPY package.json .env ./#'
rebuild
