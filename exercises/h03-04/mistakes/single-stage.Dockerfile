# Mistake: one stage does everything, so the runtime image keeps TypeScript, dev dependencies and sources.
FROM node:20-slim
LABEL org.opencontainers.image.title="reg-case-platform" \
      org.opencontainers.image.source="https://git.example.internal/platform/reg-case-platform"
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=bind,source=.npm-cache,target=/tmp/npm-cache,rw \
    npm ci --offline --cache /tmp/npm-cache --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --start-interval=1s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["api"]
