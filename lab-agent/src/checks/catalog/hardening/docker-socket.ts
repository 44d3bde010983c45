import { posix } from "node:path";
import { hardeningCheck } from "./define.ts";
import { count, type HardeningFacts, type HardeningParams, type Reviewed, review } from "./review.ts";

/** Engine sockets by name (Docker, rootless and Desktop variants, containerd, Podman, CRI shims). */
const SOCKET_NAMES =
  /^(docker\.sock(\.raw)?|containerd\.sock|podman\.sock|dockershim\.sock|cri-dockerd\.sock|buildkitd\.sock)$/;
/** Where the engine's socket is (on Debian /var/run is a link to /run), and the folders above it. */
const SOCKET_DIRS = [
  "/",
  "/run",
  "/var/run",
  "/run/docker",
  "/var/run/docker",
  "/run/containerd",
  "/var/run/containerd",
];

const canon = (p: string) => {
  const n = posix.normalize(p).replace(/\/+$/, "") || "/";
  return n === "/var/run" || n.startsWith("/var/run/") ? n.replace(/^\/var\/run/, "/run") : n;
};

/** Why a path on the host reaches an engine socket, or null. */
export function socketPath(path: string, kind = ""): string | null {
  const c = canon(path);
  if (SOCKET_NAMES.test(posix.basename(c))) return `${path} is an engine socket`;
  if (kind === "socket") return `${path} is a socket`;
  if (SOCKET_DIRS.map(canon).includes(c))
    return `${path} holds the engine's socket (${c === "/" ? "/run/docker.sock" : `${c}/docker.sock`})`;
  return null;
}

export function judgeSocket(r: Reviewed) {
  const found: string[] = [];
  const observed: string[] = [];
  for (const m of r.inspect.Mounts ?? []) {
    const dst = m.Destination ?? "";
    if (m.Type === "bind" && m.Source) {
      const s = r.sources[m.Source];
      const resolved = s?.resolved ?? m.Source;
      observed.push(`bind ${m.Source}${resolved !== m.Source ? ` (→ ${resolved})` : ""} → ${dst}`);
      const why = socketPath(resolved, s?.kind) ?? socketPath(m.Source);
      if (why)
        found.push(`mounts ${why}${resolved !== m.Source ? ` (${m.Source} links there)` : ""} at ${dst}`);
    } else if (m.Type === "volume" && m.Name) {
      const opts = r.volumes[m.Name]?.Options ?? {};
      const device = opts.o?.split(",").includes("bind") ? opts.device : undefined;
      observed.push(`volume ${m.Name}${device ? ` (a bind of ${device})` : ""} → ${dst}`);
      const why = device ? socketPath(device) : null;
      if (why) found.push(`mounts the volume ${m.Name}, whose driver options bind ${why}, at ${dst}`);
    } else observed.push(`${m.Type} → ${dst}`);
    if (SOCKET_NAMES.test(posix.basename(dst)) && !found.some((f) => f.endsWith(` at ${dst}`)))
      found.push(`mounts something named like an engine socket at ${dst}`);
  }
  for (const e of r.inspect.Config?.Env ?? []) {
    if (/^DOCKER_HOST=/.test(e)) {
      observed.push(e);
      found.push(`reaches an engine through ${e}`);
    }
  }
  return found.length ? { problem: found.join("; "), observed } : { observed };
}

export function evaluateSocket(facts: HardeningFacts, p: HardeningParams) {
  return review(facts, p, {
    what: "Docker socket",
    field: "mounts",
    expected: "no mount that reaches an engine socket (by name, folder, link or volume)",
    judge: judgeSocket,
    bench: [
      {
        id: "5.32",
        reason: (r, ours, bench) => {
          if (ours && !bench) {
            const j = judgeSocket(r).problem ?? "";
            return `docker-bench looks for the text "docker.sock" in the mounts; this one ${/holds the engine|links there|volume|DOCKER_HOST|a socket|containerd|podman/.test(j) ? "reaches it another way" : "does not say it"} (${j})`;
          }
          return undefined;
        },
      },
    ],
    passSummary: (cs) => `${count(cs)} mount no engine socket.`,
  });
}

export const hardeningDockerSocket = hardeningCheck(
  "hardening.docker-socket",
  "No container mounts the Docker socket",
  evaluateSocket,
);
