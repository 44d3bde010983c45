import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { activeRun } from "../../src/drills/drill-state.ts";
import { DrillRun } from "../../src/drills/drill-types.ts";
import { drydock, drydockKilledAt } from "./cli.ts";
import { execIn, hostDocker } from "./lab-helpers.ts";

/**
 * The six drills' lab tests (issue 14), registered on a lab that already runs the hours 15–16
 * stack (the page test's swarm lab, pages.test.ts, after its `drydock solve h15-16`: one solved
 * swarm shared with the swarm pages). Each drill through the CLI as a learner runs it: start →
 * the fault happens → verification passes → stop restores. Missing-safeguard variants that need
 * no extra rollout run here (one replica); the rest are in each drill's unit table. Timings go
 * to `timed`, which the page test prints for the suite's budget.
 */
export interface DrillLab {
  readonly lab: string;
  readonly home: string;
}
export type Timed = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export function describeDrillRuns(t: DrillLab, timed: Timed, before: () => Promise<void>): void {
  const drill = async (name: string, action: string, ...extra: string[]) => {
    const r = await drydock(["drill", name, action, "--lab", t.lab, "--json", ...extra], { home: t.home });
    return { code: r.code, stderr: r.stderr, run: DrillRun.parse(JSON.parse(r.stdout)) };
  };
  const manager = async (cmd: string) => {
    const r = await execIn(await hostDocker(), t.lab, "manager-1", ["sh", "-c", cmd]);
    return r.output.trim();
  };
  const summary = (run: DrillRun) =>
    `${run.phase} ${run.reason ?? ""}\n${run.items.map((i) => `${i.status} ${i.id}: ${i.summary}`).join("\n")}`;
  const expectPass = (run: DrillRun) => {
    expect(run.verdict, summary(run)).toBe("pass");
    expect(run.items.length).toBeGreaterThanOrEqual(3);
    for (const i of run.items) expect(i.evidence.length, i.id).toBeGreaterThan(0);
  };
  /** Waits (up to 2 min) until every service of the stack runs all its replicas and no update runs. */
  const converged = async () => {
    const until = Date.now() + 120_000;
    let last = "";
    while (Date.now() < until) {
      last = await manager(
        "docker service ls --filter label=com.docker.stack.namespace=reg-case --format '{{.Name}} {{.Replicas}}'; docker service inspect reg-case_case-api --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}'",
      );
      const counts = [...last.matchAll(/ (\d+)\/(\d+)/g)];
      if (counts.length > 0 && counts.every((m) => m[1] === m[2]) && !/updating|rollback_started/.test(last))
        return;
      await new Promise((r) => setTimeout(r, 2000));
    }
    throw new Error(`the stack did not converge within 2 min:\n${last}`);
  };
  /** With DRYDOCK_DRILL_RECORD=<dir>: the run, its timeline and the swarm's JSON, for a unit table's fixtures. */
  const record = async (drillName: string, as: string) => {
    const dir = process.env.DRYDOCK_DRILL_RECORD;
    if (!dir) return;
    const out = join(dir, as);
    mkdirSync(out, { recursive: true });
    for (const ext of ["json", "timeline.jsonl"])
      copyFileSync(
        join(t.home, "drills", t.lab, `${drillName}.${ext}`),
        join(out, ext === "json" ? "run.json" : ext),
      );
    writeFileSync(
      join(out, "case-api.inspect.json"),
      await manager("docker service inspect reg-case_case-api"),
    );
    writeFileSync(
      join(out, "tasks.json"),
      await manager("docker inspect $(docker service ps -q reg-case_case-api)"),
    );
    writeFileSync(join(out, "nodes.json"), await manager("docker node inspect $(docker node ls -q)"));
  };
  const noProber = async () =>
    expect(await manager("docker service ls -q --filter name=drydock-drill-prober")).toBe("");

  describe.sequential(`the drills on the solved swarm`, () => {
    // The lab must be at hours 15–16's solved state first (the caller solves it if not).
    beforeAll(before, 900_000);
    // Each drill starts from a converged stack (a drill's stop restores the lab, but a moved task
    // may still be starting): preconditions then test the drill, not the previous one's tail.
    beforeEach(() => timed("converged", converged), 150_000);
    // A failed test may leave its drill active, which would block every later one ("another drill
    // is active"): stop it, so one failure stays one failure.
    afterEach(async () => {
      const left = activeRun(t.home, t.lab);
      if (left) await timed(`${left.drill} stop after a failure`, () => drill(left.drill, "stop"));
    }, 300_000);
    it("container-crash: SIGKILL to a case-api task; replaced per policy, cause in the logs, not healthy early", async () => {
      const start = await timed("container-crash start", () =>
        drill("container-crash", "start", "--signal", "KILL"),
      );
      expect(start.code, summary(start.run)).toBe(0);
      expectPass(start.run);
      expect(JSON.stringify(start.run.items)).toMatch(/non-zero exit \(137\)/);
      const stop = await timed("container-crash stop", () => drill("container-crash", "stop"));
      expect(stop.run.phase).toBe("stopped");
      await noProber();
    });

    it("node-drain: one replica is refused with a clear message; killed mid-drill, stop still restores the node", async () => {
      await timed("node-drain one replica", async () => {
        await manager("docker service scale -d reg-case_case-api=1 >/dev/null");
        const blocked = await drill("node-drain", "start");
        expect(blocked.code).toBe(10);
        expect(blocked.run.phase).toBe("blocked");
        expect(blocked.run.reason).toMatch(/reg-case_case-api runs 1 replica; this drill needs at least 2/);
        await manager("docker service scale reg-case_case-api=2 >/dev/null");
      });
      await timed("node-drain killed mid-drill + stop", async () => {
        await drydockKilledAt(["drill", "node-drain", "start", "--lab", t.lab], "Watching the swarm", {
          home: t.home,
        });
        expect(await manager("docker node inspect -f '{{.Spec.Availability}}' worker-1")).toBe("drain");
        const stop = await drill("node-drain", "stop");
        expect(stop.run.phase).toBe("stopped");
        expect(await manager("docker node inspect -f '{{.Spec.Availability}}' worker-1")).toBe("active");
        await noProber();
      });
    });

    it("node-drain: no tasks left on worker-1, replicas elsewhere, the stateful services as placed; stop restores", async () => {
      const start = await timed("node-drain start", () => drill("node-drain", "start"));
      expect(start.code, summary(start.run)).toBe(0);
      expectPass(start.run);
      const stop = await timed("node-drain stop", () => drill("node-drain", "stop"));
      expect(stop.run.phase).toBe("stopped");
      expect(await manager("docker node inspect -f '{{.Spec.Availability}}' worker-1")).toBe("active");
    });

    it("secret-rotation: case-api and worker move to a test credential, the old secret kept, no value in the logs; the old secret removed → no rollback path; stop (killed once) restores it all", async () => {
      const secrets = () => manager("docker secret ls --format '{{.Name}}' | sort | tr '\\n' ' '");
      const before = await secrets();
      const start = await timed("secret-rotation start", () => drill("secret-rotation", "start"));
      expect(start.code, summary(start.run)).toBe(0);
      expectPass(start.run);
      expect(start.run.items.map((i) => i.id)).toEqual([
        "all-sharers-rotated",
        "only-intended-updated",
        "old-secret-kept",
        "rollback-restores",
        "no-secret-in-logs",
        "app-kept-serving",
      ]);
      expect([...(start.run.params.consumers as string[])].sort()).toEqual([
        "reg-case_case-api",
        "reg-case_worker",
      ]);
      // No value in what Drydock keeps or serves: the run names the role, never its password.
      expect(JSON.stringify(start.run)).not.toMatch(/case-swarm-pw|postgres:\/\/[^"\s]*:[^*"\s]+@/);
      const role = String(start.run.params.role);
      // The safeguard removed, for real: nothing names database_url now, so Docker lets it go.
      await timed("secret-rotation old secret removed + status", async () => {
        await manager("docker secret rm database_url >/dev/null");
        const status = await drill("secret-rotation", "status");
        expect(status.code).toBe(14);
        const rb = status.run.items.find((i) => i.id === "rollback-restores");
        expect(rb?.status, summary(status.run)).toBe("fail");
        expect(rb?.summary).toMatch(/database_url was removed/);
      });
      // stop killed once while it waits for the tasks to leave the test secret; the second one finishes.
      await timed("secret-rotation stop (killed once)", async () => {
        await drydockKilledAt(
          ["drill", "secret-rotation", "stop", "--lab", t.lab],
          "Restoring: remove-secret",
          {
            home: t.home,
          },
        );
        const stop = await drill("secret-rotation", "stop");
        expect(stop.run.phase, summary(stop.run)).toBe("stopped");
        expect(stop.run.items.find((i) => i.id === "rollback-restores")?.status, summary(stop.run)).toBe(
          "pass",
        );
      });
      expect(await secrets()).toBe(before);
      expect(
        await manager(
          "docker service inspect reg-case_case-api reg-case_worker --format '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}{{end}}'",
        ),
      ).toBe("database_url\ndatabase_url");
      await noProber();
      // The stack's own credential still works (so `drydock solve h15-16` may run again) and the role is gone.
      const api = await manager(
        "docker service ps -q --filter desired-state=running reg-case_case-api | head -n1 | xargs docker inspect -f '{{.NodeID}} {{.Status.ContainerStatus.ContainerID}}'",
      );
      const [nodeId, container] = api.split(" ");
      const node = await manager(`docker node inspect -f '{{.Description.Hostname}}' ${nodeId}`);
      const ready = await execIn(await hostDocker(), t.lab, node as "worker-1", [
        "docker",
        "exec",
        container as string,
        "node",
        "-e",
        "fetch('http://127.0.0.1:8080/ready').then(r=>console.log(r.status))",
      ]);
      expect(ready.output.trim()).toBe("200");
      const pg = await execIn(await hostDocker(), t.lab, "worker-2", [
        "sh",
        "-c",
        `docker exec $(docker ps -q --filter label=com.docker.swarm.service.name=reg-case_postgres | head -n1) psql -U case -d case -At -c "SELECT count(*) FROM pg_roles WHERE rolname = '${role}'"`,
      ]);
      expect(pg.output.trim()).toBe("0");
    });

    // Six rollouts in all (no limit, the stack's limit, the drill's, the learner's, the stack's, one
    // replica): two tests, so each has its own time on a loaded 2-core host.
    const resources = () =>
      manager("docker service inspect -f '{{json .Spec.TaskTemplate.Resources}}' reg-case_case-api");
    const STACK_LIMIT = /"MemoryBytes":268435456/;
    it("resource-pressure: no limit is refused; killed mid-drill, stop restores the limits exactly", async () => {
      const before = await resources();
      expect(before).toMatch(STACK_LIMIT);
      await timed("resource-pressure no limit", async () => {
        await manager("docker service update -q --limit-memory 0 reg-case_case-api >/dev/null");
        await converged();
        const blocked = await drill("resource-pressure", "start");
        expect(blocked.code).toBe(10);
        expect(blocked.run.phase).toBe("blocked");
        expect(blocked.run.reason).toMatch(/reg-case_case-api has no memory limit .* nothing to lower/);
        // Under a loaded host the rollout may be rolled back (monitor 10 s): the stack's limit again until it holds.
        for (let i = 0; i < 3 && (await resources()) !== before; i++)
          await manager("docker service update -q --limit-memory 256M reg-case_case-api >/dev/null 2>&1");
        expect(await resources()).toBe(before);
        await converged();
      });
      await timed("resource-pressure killed mid-drill + stop", async () => {
        await drydockKilledAt(
          ["drill", "resource-pressure", "start", "--lab", t.lab],
          "Running a memory consumer",
          {
            home: t.home,
          },
        );
        expect(await resources()).not.toBe(before);
        const stop = await drill("resource-pressure", "stop");
        expect(stop.run.phase, summary(stop.run)).toBe("stopped");
        expect(await resources()).toBe(before);
        await noProber();
        await converged();
      });
    }, 600_000);

    it("resource-pressure: the OOM kill visible, replaced, kept serving, your new limit judged; one replica fails", async () => {
      const before = await resources();
      expect(before).toMatch(STACK_LIMIT);
      const start = await timed("resource-pressure start", () => drill("resource-pressure", "start"));
      expect(start.code, summary(start.run)).toBe(0);
      expect(start.run.items.map((i) => i.id)).toEqual([
        "oom-kill-visible",
        "task-replaced",
        "kept-serving",
        "limit-adjusted",
      ]);
      for (const i of start.run.items.slice(0, 3)) {
        expect(i.status, summary(start.run)).toBe("pass");
        expect(i.evidence.length, i.id).toBeGreaterThan(0);
      }
      // The learner's part is still to do: pending, which is no failure.
      expect(start.run.items[3]?.status, summary(start.run)).toBe("pending");
      expect(start.run.verdict).toBe("pending");
      expect(JSON.stringify(start.run.items[0])).toMatch(/non-zero exit \(137\)/);
      expect(JSON.stringify(start.run.items[0])).toMatch(/OOMKilled=true/);
      await record("resource-pressure", "resource-pressure");
      // The learner sets a limit above the one the task was killed at, then asks again.
      const lowered = Number(start.run.params.lowered);
      await timed("resource-pressure learner's limit + status", async () => {
        await manager(
          `docker service update -q --limit-memory ${Math.round(lowered / 1048576) + 64}M reg-case_case-api >/dev/null`,
        );
        // The check judges a limit once its rollout has ended ("rolling out … ask again" before).
        await converged();
        const status = await drill("resource-pressure", "status");
        expect(status.code, summary(status.run)).toBe(0);
        expectPass(status.run);
      });
      const stop = await timed("resource-pressure stop", () => drill("resource-pressure", "stop"));
      expect(stop.run.phase).toBe("stopped");
      expect(stop.run.verdict, summary(stop.run)).toBe("pass");
      expect(await resources()).toBe(before);
      await noProber();
      // The safeguard missing: one replica, so the OOM kill is an outage the prober counts.
      await timed("resource-pressure one replica", async () => {
        await manager("docker service scale reg-case_case-api=1 >/dev/null");
        await converged();
        const one = await drill("resource-pressure", "start");
        expect(one.code, summary(one.run)).toBe(14);
        const serving = one.run.items.find((i) => i.id === "kept-serving");
        expect(serving?.status, summary(one.run)).toBe("fail");
        expect(serving?.summary).toMatch(/runs 1 replica/);
        await record("resource-pressure", "resource-pressure-one-replica");
        const stopOne = await drill("resource-pressure", "stop");
        expect(stopOne.run.phase).toBe("stopped");
        expect(await resources()).toBe(before);
        await manager("docker service scale reg-case_case-api=2 >/dev/null");
      });
      await noProber();
    }, 600_000);

    it("bad-image-rollout: the monitor catches it, Swarm rolls back per policy, the previous digest keeps serving", async () => {
      const before = await manager(
        "docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' reg-case_case-api",
      );
      const start = await timed("bad-image-rollout start", () => drill("bad-image-rollout", "start"));
      expect(start.code, summary(start.run)).toBe(0);
      expectPass(start.run);
      const stop = await timed("bad-image-rollout stop", () => drill("bad-image-rollout", "stop"));
      expect(stop.run.phase).toBe("stopped");
      expect(
        await manager(
          "docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' reg-case_case-api",
        ),
      ).toBe(before);
      await noProber();
    });

    it("registry-outage: killed mid-drill, stop still lifts the firewall; then running tasks run on, the release's pull fails visibly, Swarm rolls back, recovery after stop", async () => {
      const rules = async () => {
        const out = await Promise.all(
          (["worker-1", "worker-2"] as const).map(
            async (n) =>
              (await execIn(await hostDocker(), t.lab, n, ["iptables", "-w", "-S", "OUTPUT"])).output,
          ),
        );
        return out.join("\n");
      };
      const image = () =>
        manager("docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' reg-case_case-api");
      await timed("registry-outage wait for convergence", converged);
      const before = await image();
      await timed("registry-outage killed mid-drill + stop", async () => {
        const said = await drydockKilledAt(
          ["drill", "registry-outage", "start", "--lab", t.lab],
          "Building the release",
          { home: t.home },
        );
        expect(said).toContain("Building the release");
        expect(await rules()).toMatch(/--dport 5000 -j REJECT/);
        const stop = await drill("registry-outage", "stop");
        expect(stop.run.phase).toBe("stopped");
        expect(await rules()).not.toMatch(/--dport 5000/);
        await noProber();
      });
      const start = await timed("registry-outage start", () => drill("registry-outage", "start"));
      expect(start.code, summary(start.run)).toBe(0);
      expectPass(start.run);
      expect(JSON.stringify(start.run.items)).toMatch(/No such image|connection refused/);
      const stop = await timed("registry-outage stop", () => drill("registry-outage", "stop"));
      expect(stop.run.phase).toBe("stopped");
      expect(stop.run.verdict, summary(stop.run)).toBe("pass");
      expect(stop.run.items.find((i) => i.id === "recovered")?.status, summary(stop.run)).toBe("pass");
      expect(await rules()).not.toMatch(/--dport 5000/);
      expect(await image()).toBe(before);
      await noProber();
    });
  });
}
