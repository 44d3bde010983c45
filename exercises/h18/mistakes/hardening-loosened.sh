#!/usr/bin/env bash
# Realistic ways a hardened platform loosens again, made together (one redeploy, no engine restart):
# - the worker, "to debug a permission error", is redeployed as user "0:0" with cap_add SYS_ADMIN
#   instead of cap_drop ALL, /var/run mounted for a stats script, its /tmp tmpfs dropped (read_only
#   kept), its limits dropped and DATABASE_URL written into its environment again;
# - a debug copy of the api image is started on laptop with the host's network and PID namespace;
# - laptop's daemon.json gets "no-new-privileges": true, but its engine is never restarted.
# (Changes the workspace's stack.yml and laptop's /etc/docker/daemon.json; the solve puts both back.)
source "$(dirname "$0")/lib.sh"
sed -i \
  -e 's#DATABASE_URL_FILE: /run/secrets/database_url \# mark:worker-db-url#DATABASE_URL: postgres://case:case-swarm-pw@postgres:5432/case#' \
  -e 's#      - { type: tmpfs, target: /tmp } \# mark:worker-tmp#      - /var/run:/host-run#' \
  -e 's#    cap_drop: \[ALL\] \# mark:worker-caps#    cap_add: [SYS_ADMIN]\n    user: "0:0"#' \
  "$stack_file"
grep -q 'user: "0:0"' "$stack_file"
grep -q '/var/run:/host-run' "$stack_file"
# The worker's limits line, inside its resources block (as the formatter lays it out).
perl -0pi -e 's/(\n\s+)limits: \{[^\n]*\},?(\n\s+\} # mark:worker-resources)/$2/' "$stack_file"
# Every edit must have taken (a reformatted stack.yml once made the limits edit a silent no-op).
if perl -0ne 'exit(/limits: [^\n]*\n\s+\} # mark:worker-resources/ ? 0 : 1)' "$stack_file"; then
  echo "the worker's limits are still in $stack_file" >&2
  exit 1
fi
grep -q 'DATABASE_URL: postgres://' "$stack_file"
worker_update() { "${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}} {{.UpdateStatus.StartedAt}}{{end}}' reg-case_worker; }
before="$(worker_update)"
APP_IMAGE_DIGEST="$(deployed_image)" "${sw[@]}" stack deploy --detach=true -c "$stack_file" reg-case >/dev/null 2>&1
docker run -d --name reg-case-debug --network host --pid host --entrypoint sleep \
  "$(deployed_image)" infinity >/dev/null
[[ -f /etc/docker/daemon.json.before-h18 ]] || cp /etc/docker/daemon.json /etc/docker/daemon.json.before-h18
jq '. + {"no-new-privileges": true}' /etc/docker/daemon.json.before-h18 >/etc/docker/daemon.json
# The worker's new task (one replica, start-first) replaces the old one: wait for this update
# (a StartedAt other than before) to finish, not for a state the deploy has not reached yet.
for _ in $(seq 1 240); do
  now="$(worker_update)"
  [[ -n "$now" && "$now" != "$before" && "$now" != updating* ]] && break
  sleep 1
done
wait_converged 120
echo "worker loosened, reg-case-debug runs on laptop, laptop's daemon.json edited"
