import type Docker from "dockerode";
import { z } from "zod";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { describeChain, signalPath, type TopResult } from "../../probes/process-tree.ts";
import { ContainerParam, CTR_SOURCE, collectContainer, noContainer, runtimeCheck } from "./define.ts";

const TOP = "laptop: GET /containers/{name}/top?ps_args=-o pid,ppid,args";

/**
 * PID 1 is the app, or an init (tini, docker-init from --init, dumb-init) or a container process
 * manager (pm2-runtime, supervisord) whose child is the app. A shell or a package manager (npm
 * start, yarn, su) anywhere on the way fails: it runs the app as a child and does not pass
 * SIGTERM on (dash and busybox `sh -c 'node app'` exec the last command themselves, so such a
 * shell is gone from the tree and passes, as it should).
 */
export function evaluatePid1(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  top: TopResult | undefined,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !info) return missing as CheckOutcome;
  if (!top) return checkError(`Can't tell, because the process list of ${name} could not be read.`);
  const path = signalPath(top, info.State.Pid);
  const evidence: Evidence[] = [
    {
      source: TOP,
      field: "PID 1 command",
      observed: path?.pid1.args ?? null,
      expected: "the app (e.g. node dist/main.js api), or an init whose child is the app",
    },
    {
      source: CTR_SOURCE,
      field: "Config.Entrypoint + Cmd",
      observed: [...((info.Config.Entrypoint as string[] | null) ?? []), ...(info.Config.Cmd ?? [])],
    },
    { source: CTR_SOURCE, field: "HostConfig.Init", observed: info.HostConfig.Init ?? false },
  ];
  if (!path)
    return checkError(
      `Can't tell, because PID ${info.State.Pid} (State.Pid) is not in ${name}'s process list.`,
      evidence,
    );
  evidence.push({ source: TOP, field: "PID 1 → app", observed: describeChain(path) });
  const { pid1, blocker, app } = path;
  if (blocker) {
    const what =
      blocker.role === "shell"
        ? `a shell (${blocker.args.slice(0, 60)})`
        : `${blocker.program} (${blocker.args.slice(0, 60)})`;
    const where = blocker === pid1 ? "PID 1 is" : `PID 1 (${pid1.program}) runs`;
    return fail(`${where} ${what}, which runs the app as its child and does not pass SIGTERM on.`, evidence);
  }
  if (!app) return fail(`PID 1 (${pid1.args.slice(0, 60)}) runs no app process.`, evidence);
  if (app === pid1) return pass(`PID 1 is the app itself: ${pid1.args.slice(0, 80)}`, evidence);
  return pass(
    `PID 1 is ${pid1.program}, which forwards signals to the app: ${app.args.slice(0, 80)}`,
    evidence,
  );
}

export const pid1 = runtimeCheck({
  id: "container.pid1",
  title: "PID 1 is the app",
  kind: "snapshot",
  watches: { objects: ["container"] },
  params: z.object({ container: ContainerParam }).strict(),
  async collect(ctx, p) {
    const info = await collectContainer(ctx, p.container);
    if (!info?.State.Running) return { info, top: undefined };
    const docker = await ctx.lab.engine("laptop");
    const top = (await docker.getContainer(info.Id).top({ ps_args: "-o pid,ppid,args" })) as TopResult;
    return { info, top };
  },
  evaluate: (f, p) => evaluatePid1(p.container, f.info, f.top),
});
