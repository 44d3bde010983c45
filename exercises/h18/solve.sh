#!/usr/bin/env bash
# Hour 18, solved: the hours 15-16 stack hardened. case-api and worker get a read-only root with a
# tmpfs at /tmp, cap_drop ALL and a PIDs limit (the reference stack.yml here, copied over the
# workspace's reg-case-platform/stack.yml and deployed by digest), and every swarm node's engine
# enforces no-new-privileges: "no-new-privileges": true in its /etc/docker/daemon.json, then the
# engine restarted (docker stack deploy ignores security_opt, so Swarm tasks get it only from the
# engine). A node is restarted only when its engine does not enforce it yet.
# Undoes mistakes/: the stack file (copied again), the laptop debug container, laptop's daemon.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sw=(docker --context swarm)
stack_file=/workspace/reg-case-platform/stack.yml
source "$here/mistakes/lib.sh"

# The laptop side of the mistakes: a debug copy of the api, daemon.json edited without a restart.
docker rm -f reg-case-debug >/dev/null 2>&1 || true
if [[ -f /etc/docker/daemon.json.before-h18 ]]; then mv /etc/docker/daemon.json.before-h18 /etc/docker/daemon.json; fi

bash "$here/../h15-16/solve.sh"

# no-new-privileges on each swarm node's engine, as on a real node: edit daemon.json, restart the
# engine. Here each node is reached through its own Engine API (TLS) from laptop: a throwaway
# container in the node's PID namespace edits the file and stops dockerd, and the node restarts it.
# One node at a time, workers first and the manager last, each back (enforcing, and Ready in the
# swarm) before the next: restarting all three at once on a loaded host left workers rejoining
# under new node ids and tasks pending for good.
ready_count() { "${sw[@]}" node ls --format '{{.Status}}' 2>/dev/null | grep -c Ready || true; }
for node in worker-1 worker-2 manager-1; do
  if node_enforces "$node"; then continue; fi
  on_node "$node" run --rm --pid host --security-opt apparmor=unconfined -v /etc/docker:/etc/docker \
    --entrypoint node node:20-slim -e '
      const fs = require("fs"), f = "/etc/docker/daemon.json";
      const conf = JSON.parse(fs.readFileSync(f, "utf8"));
      conf["no-new-privileges"] = true;
      fs.writeFileSync(f, JSON.stringify(conf, null, 2) + "\n");
      const argv0 = (p) => { try { return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0")[0]; } catch { return ""; } };
      const pid = fs.readdirSync("/proc").find((p) => /^\d+$/.test(p) && argv0(p).endsWith("dockerd"));
      process.kill(Number(pid), "SIGTERM");' >/dev/null 2>&1 || true
  for _ in $(seq 1 180); do node_enforces "$node" && break; sleep 1; done
  node_enforces "$node" || { echo "$node's engine does not enforce no-new-privileges after 180 s" >&2; exit 1; }
  # Back in the swarm: its own engine says active (not pending) and the manager counts 3 Ready.
  for _ in $(seq 1 180); do
    [[ "$(on_node "$node" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" == active && "$(ready_count)" == 3 ]] && break
    sleep 1
  done
  [[ "$(ready_count)" == 3 ]] || { echo "the swarm has $(ready_count) of 3 nodes Ready after restarting $node" >&2; exit 1; }
  echo "$node's engine restarted with no-new-privileges; 3 nodes Ready"
done

# The hardened stack, deployed with the digest that runs now: every app task is created anew, on
# engines that enforce no-new-privileges.
image="$(deployed_image)"
cp "$here/stack.yml" "$stack_file"
hardened() {
  [[ "$("${sw[@]}" service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.ReadOnly}}' reg-case_case-api reg-case_worker | sort -u)" == true ]]
}
# A rollout that fails its health gate on a loaded machine rolls back to the unhardened spec: once more.
for _ in 1 2; do
  APP_IMAGE_DIGEST="$image" "${sw[@]}" stack deploy --detach=true -c "$stack_file" reg-case >/dev/null 2>&1
  wait_converged 240
  hardened && break
  echo "the hardened rollout was rolled back; deploying it again" >&2
done
hardened || { echo "the stack is not hardened after two deploys" >&2; exit 1; }
"${sw[@]}" stack services reg-case
echo "hardened reg-case with $image"
