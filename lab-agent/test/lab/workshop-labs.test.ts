import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerName } from "../../src/lab/lab-names.ts";
import type { AgentServer } from "../../src/server/agent-server.ts";
import { labelledLeftovers, removeLabResources } from "../../src/workshop/remove-lab.ts";
import { drydock, tempHome } from "../support/cli.ts";
import { execIn, hostDocker, labelledResources, until } from "../support/lab-helpers.ts";
import { callAgent, startWorkshopAgent } from "../support/offline-agent.ts";

/**
 * Issue 17, the lab side: two learners join a workshop on a real agent and each gets a lab of
 * their own, on a subnet of Drydock's pool; from inside learner A's laptop, learner B's engine
 * port and registry cannot be reached (A's own can); `drydock workshop stop` leaves no container,
 * network or volume labelled with either lab. Opt in with DRYDOCK_WORKSHOP_TEST=1.
 */
const home = tempHome();
const token = "w".repeat(43);
let docker: Docker;
let agent: AgentServer;
let code = "";
const learners: Array<{ credential: string; lab: string }> = [];

beforeAll(async () => {
  docker = await hostDocker();
  ({ agent, code } = await startWorkshopAgent({ home, token, docker, seats: 2 }));
});
afterAll(async () => {
  await agent?.close();
  // Whatever a failed run left: only these two labs, by their labels.
  for (const l of learners) await removeLabResources(docker, l.lab).catch(() => {});
});

const call = async (path: string, as: string | undefined, body?: unknown) =>
  (await callAgent(agent.origin, path, as, body)).json;

/** Exit code of a TCP connect from a lab's laptop (bash's /dev/tcp, 5 s at most). */
async function connectFrom(lab: string, host: string, port: number): Promise<number> {
  const r = await execIn(docker, lab, "laptop", [
    "timeout",
    "5",
    "bash",
    "-c",
    `exec 3<>/dev/tcp/${host}/${port}`,
  ]);
  return r.code;
}

async function addressOf(lab: string, role: "laptop" | "registry"): Promise<string> {
  const info = await docker.getContainer(containerName(lab, role)).inspect();
  const ip = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress;
  if (!ip) throw new Error(`${role} of ${lab} has no address`);
  return ip;
}

describe("workshop learners' labs", () => {
  it("gives each learner who joins a lab of their own, on a distinct subnet of the pool", async () => {
    for (const name of ["Ana", "Budi"]) {
      const joined = await call("/api/workshop/join", undefined, { code, name });
      expect(joined.labState, JSON.stringify(joined)).toBe("provisioning");
      learners.push({ credential: joined.credential, lab: joined.learner.lab });
    }
    for (const l of learners) {
      const me = await until(
        `${l.lab} ready`,
        async () => {
          const m = await call("/api/workshop/me", l.credential);
          if (m.lab.state === "failed") throw new Error(`${l.lab} failed: ${m.lab.error}`);
          return m.lab.state === "ready" ? m : undefined;
        },
        600_000,
      );
      expect(me.lab.id).toBe(l.lab);
    }
    const roster = await call("/api/workshop/roster", token);
    const subnets = roster.learners.map((r: { subnet: string }) => r.subnet);
    expect(subnets[0]).toMatch(/^10\.213\.\d+\.0\/24$/);
    expect(subnets[1]).toMatch(/^10\.213\.\d+\.0\/24$/);
    expect(subnets[0]).not.toBe(subnets[1]);
    for (const [i, l] of learners.entries()) {
      const net = (await labelledResources(docker, l.lab)).networks[0];
      const inspected = await docker.getNetwork(net?.Id ?? "").inspect();
      expect(inspected.IPAM?.Config?.[0]?.Subnet).toBe(subnets[i]);
      const laptop = await docker.getContainer(containerName(l.lab, "laptop")).inspect();
      expect(laptop.HostConfig.NanoCpus).toBe(1e9);
      expect(laptop.HostConfig.Memory).toBe(768 * 1024 ** 2);
      expect(laptop.HostConfig.PidsLimit).toBe(1200);
    }
  }, 900_000);

  it("keeps learner A's laptop from reaching learner B's engine and registry, and not from its own", async () => {
    const [a, b] = learners as [(typeof learners)[0], (typeof learners)[0]];
    const bLaptop = await addressOf(b.lab, "laptop");
    const bRegistry = await addressOf(b.lab, "registry");
    expect(await connectFrom(a.lab, "laptop", 2376)).toBe(0);
    expect(await connectFrom(a.lab, "registry", 5000)).toBe(0);
    expect(await connectFrom(a.lab, bLaptop, 2376)).not.toBe(0);
    expect(await connectFrom(a.lab, bRegistry, 5000)).not.toBe(0);
    // And the other way round: B's own works, A's does not.
    expect(await connectFrom(b.lab, "laptop", 2376)).toBe(0);
    expect(await connectFrom(b.lab, await addressOf(a.lab, "laptop"), 2376)).not.toBe(0);
  });

  it("stop removes every lab of the event and leaves nothing labelled with them", async () => {
    const stop = await drydock(["workshop", "stop", "--json"], { home });
    expect(stop.code, `${stop.stderr}\n${stop.stdout}`).toBe(0);
    const out = JSON.parse(stop.stdout);
    expect(out.labs).toBe(2);
    expect(out.leftovers).toEqual({ containers: [], networks: [], volumes: [] });
    expect(
      await labelledLeftovers(
        docker,
        learners.map((l) => l.lab),
      ),
    ).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
    for (const l of learners) {
      const left = await labelledResources(docker, l.lab);
      expect([left.containers.length, left.networks.length, left.volumes.length]).toEqual([0, 0, 0]);
    }
  });
});
