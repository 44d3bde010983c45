/**
 * The process tree of a container (GET /containers/{id}/top?ps_args=-o pid,ppid,args) and who
 * stands between PID 1 and the app: a shell or a package manager there does not pass SIGTERM on
 * (or not reliably), an init (tini, docker-init from --init, dumb-init) does.
 */

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

export interface Proc {
  pid: string;
  ppid: string;
  args: string;
  program: string;
  role: ProcRole;
}

export type ProcRole = "shell" | "init" | "wrapper" | "supervisor" | "app";

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"]);
const INITS = new Set(["docker-init", "tini", "tini-static", "dumb-init", "catatonit", "init"]);
/** Run the app as a child and do not reliably pass SIGTERM on (npm, su, nodemon…). */
const WRAPPERS = new Set(["npm", "npx", "yarn", "pnpm", "nodemon", "su", "sudo", "runuser", "ts-node-dev"]);
/** Process managers made for containers: they forward signals to the app they run. */
const SUPERVISORS = new Set(["pm2-runtime", "supervisord", "s6-svscan", "runsvdir"]);
const INTERPRETERS = new Set(["node", "nodejs", "bun", "deno", "python", "python3", "ruby", "perl"]);

function base(token: string): string {
  return (token.split("/").pop() ?? token).replace(/\.(c|m)?js$/, "");
}

/** The program a command line runs: `node /usr/local/bin/npm start` runs npm; `npm start` too. */
export function programOf(args: string): string {
  const tokens = args.trim().split(/\s+/);
  const first = base(tokens[0] ?? "");
  if (!INTERPRETERS.has(first)) return first;
  const script = tokens.slice(1).find((t) => !t.startsWith("-"));
  if (!script) return first;
  const name = base(script) === "npm-cli" ? "npm" : base(script);
  return WRAPPERS.has(name) || SUPERVISORS.has(name) ? name : first;
}

export function roleOf(program: string): ProcRole {
  if (SHELLS.has(program)) return "shell";
  if (INITS.has(program)) return "init";
  if (WRAPPERS.has(program)) return "wrapper";
  if (SUPERVISORS.has(program)) return "supervisor";
  return "app";
}

/** Reads Docker's top answer, whatever ps titled the command column (CMD, COMMAND). */
export function parseTop(top: TopResult): Proc[] {
  const col = (...names: string[]) => top.Titles.findIndex((t) => names.includes(t.toUpperCase()));
  const [pid, ppid, cmd] = [col("PID"), col("PPID"), col("CMD", "COMMAND", "ARGS")];
  if (pid < 0 || ppid < 0 || cmd < 0) return [];
  return top.Processes.map((p) => {
    const args = p.slice(cmd).join(" ");
    const program = programOf(args);
    return { pid: p[pid] ?? "", ppid: p[ppid] ?? "", args, program, role: roleOf(program) };
  });
}

/** Parses `docker top … -o pid,ppid,args` as text (the fixtures record it so). */
export function topFromText(text: string): TopResult {
  const [head, ...rows] = text.trim().split("\n");
  return {
    Titles: (head ?? "").trim().split(/\s+/),
    Processes: rows.map((l) => {
      const [p, pp, ...rest] = l.trim().split(/\s+/);
      return [p ?? "", pp ?? "", rest.join(" ")];
    }),
  };
}

export interface SignalPath {
  pid1: Proc;
  /** PID 1, then each process it runs the app through, ending with the app (when there is one). */
  chain: Proc[];
  app: Proc | undefined;
  /** The first shell or wrapper on the way from PID 1 to the app. */
  blocker: Proc | undefined;
}

/**
 * PID 1 inside the container is State.Pid on the engine's side (health-probe execs also have a
 * parent outside the container, so "parent outside" alone is not enough). From it, follows the
 * first child while the process is an init, shell, wrapper or supervisor.
 */
export function signalPath(top: TopResult, statePid: number): SignalPath | undefined {
  const procs = parseTop(top);
  const pid1 = procs.find((p) => p.pid === String(statePid));
  if (!pid1) return undefined;
  const chain: Proc[] = [pid1];
  let current = pid1;
  while (current.role !== "app") {
    const child = procs.find((p) => p.ppid === current.pid);
    if (!child || chain.includes(child)) break;
    chain.push(child);
    current = child;
  }
  const app = current.role === "app" ? current : undefined;
  const blocker = chain
    .slice(0, app ? -1 : undefined)
    .find((p) => p.role === "shell" || p.role === "wrapper");
  return { pid1, chain, app, blocker };
}

export function describeChain(path: SignalPath): string {
  return path.chain.map((p) => p.args.slice(0, 60)).join(" → ");
}
