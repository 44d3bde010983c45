#!/usr/bin/env bash
# Hours 1-2, solved: one object of each kind on laptop, each inspected in an interactive shell
# that keeps its history where Drydock's terminals keep laptop's (/workspace/.laptop_history),
# and the one-page diagram as Mermaid in the workspace. No swarm: service inspect counts once
# one exists (hours 15-16).
set -euo pipefail
docker image inspect busybox >/dev/null 2>&1 || docker pull --quiet busybox >/dev/null
docker network inspect lab-net >/dev/null 2>&1 || docker network create lab-net >/dev/null
docker volume create lab-data >/dev/null
docker rm -f mm-box >/dev/null 2>&1 || true
docker run -d --name mm-box --network lab-net -v lab-data:/data busybox sleep 3600 >/dev/null
HISTFILE=/workspace/.laptop_history bash -i >/dev/null 2>&1 <<'SH'
docker image inspect busybox --format '{{.Id}}'
docker container inspect mm-box --format '{{.State.Status}}'
docker network inspect lab-net --format '{{range .Containers}}{{.Name}} {{end}}'
docker volume inspect lab-data --format '{{.Mountpoint}}'
SH
mkdir -p /workspace/reg-case-platform/ops
cat >/workspace/reg-case-platform/ops/mental-model.md <<'MD'
# Mental model: from source to Swarm

```mermaid
flowchart LR
  subgraph source[source state]
    Dockerfile & compose[compose.yml] & stack[stack.yml]
  end
  Dockerfile -->|docker build| Image
  Image -->|push, by digest| Registry
  Registry -->|pull| Engine[Docker Engine]
  Engine -->|run| Container
  Container --- Network & Volume
  compose -->|docker compose up| Container
  stack -->|docker stack deploy| Service
  Service -->|scheduled as| Task -->|runs as| Container
```
MD
tail -n 4 /workspace/.laptop_history
# The page's quiz, answered all right: left where `drydock solve` submits it to the agent's grader
# (a script on laptop cannot reach the agent), as the page's Submit would.
mkdir -p /workspace/.drydock/quiz-answers
cat >/workspace/.drydock/quiz-answers/h01-02.json <<'JSON'
{"answers": {"image-vs-container": "b", "service-vs-task": "c", "task-replaced": "a", "digest-identity": "d",
  "volume-outlives-container": "b", "where-the-fix-goes": "d", "runtime-state": "b", "compose-vs-stack": "a"}}
JSON
