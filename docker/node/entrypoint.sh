#!/bin/sh
# Starts one lab node's Docker engine: local socket for the learner's shell,
# TLS on :2376 for the agent and for other nodes (client certs only).
set -eu
role=${DRYDOCK_ROLE:-node}
certs=${DRYDOCK_CERTS:-/certs}

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2: leave the namespace root so dockerd may enable controllers below it (as docker:dind does).
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \
    > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || :
fi

set -- --host unix:///var/run/docker.sock
if [ -f "$certs/server/cert.pem" ]; then
  set -- "$@" --host tcp://0.0.0.0:2376 --tlsverify \
    --tlscacert "$certs/server/ca.pem" --tlscert "$certs/server/cert.pem" --tlskey "$certs/server/key.pem"
fi

# cgroup v1 with the host hierarchy bind-mounted: nest the inner containers under this
# node's own cgroup so the node's memory and pids caps also bound what runs inside it.
if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  own=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
  if [ -n "$own" ] && [ "$own" != "/" ] && [ -d "/sys/fs/cgroup/memory$own" ]; then
    set -- "$@" --cgroup-parent "$own/inner"
  fi
fi

if [ "$role" = laptop ] && [ -f "$certs/client/cert.pem" ] && ! docker context inspect swarm >/dev/null 2>&1; then
  docker context create swarm --description "the lab swarm (manager-1)" \
    --docker "host=tcp://manager-1:2376,ca=$certs/client/ca.pem,cert=$certs/client/cert.pem,key=$certs/client/key.pem" >/dev/null
fi

echo "drydock-node: role=$role starting dockerd $*"
exec dockerd "$@"
