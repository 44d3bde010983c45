#!/usr/bin/env bash
# The stack is removed and deployed again instead of updated: nothing was rolled, and Swarm has
# no previous spec to roll back to.
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
"${sw[@]}" stack rm reg-case >/dev/null
for _ in $(seq 1 60); do
  [[ -z "$("${sw[@]}" service ls -q --filter label=com.docker.stack.namespace=reg-case)" ]] && break
  sleep 1
done
# The stack's networks go a moment after its services.
for _ in $(seq 1 30); do
  [[ -z "$("${sw[@]}" network ls -q --filter label=com.docker.stack.namespace=reg-case)" ]] && break
  sleep 1
done
bash "$here/../../h15-16/solve.sh"
echo "reg-case removed and deployed again"
