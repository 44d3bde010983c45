#!/usr/bin/env bash
# Prometheus told to scrape the api on Prometheus's own port (api:9090), then reloaded.
set -euo pipefail
app=/workspace/reg-case-platform
sed -i 's/"api:8080"/"api:9090"/' "$app/prometheus/prometheus.yml"
docker compose --project-directory "$app" -f "$app/compose.yml" -f "$app/compose.observability.yml" \
  kill -s SIGHUP prometheus >/dev/null
for _ in $(seq 1 60); do
  curl -fsS 'http://127.0.0.1:9090/api/v1/targets?state=active' |
    jq -e '.data.activeTargets[] | select(.scrapeUrl == "http://api:9090/metrics" and .health == "down")' >/dev/null 2>&1 && break
  sleep 1
done
grep -n 'api:' "$app/prometheus/prometheus.yml"
