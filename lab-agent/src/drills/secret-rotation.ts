import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { execArgv, readFileFrom, splitStreams } from "../checks/engine-reads.ts";
import { errorMessage } from "../common/errors.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import { LABEL } from "../lab/lab-names.ts";
import { proberEvidence } from "./drill-runner.ts";
import { drillDir } from "./drill-state.ts";
import type {
  DrillDefinition,
  DrillEnv,
  DrillFacts,
  DrillItem,
  DrillRun,
  SecretRef,
  SnapService,
  SnapTask,
  SwarmSnapshot,
} from "./drill-types.ts";
import { CREATE_ROLE_SQL, postgresTask, psql, SESSIONS_SQL } from "./pg-role.ts";
import { DRILL_LABEL, PROBER_SERVICE } from "./prober.ts";
import { hostnameOf, serviceNamed, tasksOf } from "./timeline.ts";
import { cantTell, fail, line, ms, pass } from "./verify-helpers.ts";

/*
 * Secret rotation: the database URL secret (`database_url` in hours 15-16) moves to a new version
 * that holds a test credential: a new PostgreSQL role with its own password, created next to the
 * stack's user (both valid while services move, as a real rotation overlaps old and new), so the
 * app keeps working. Every service that mounts the secret (case-api AND worker) is updated with
 * --secret-rm/--secret-add under the same target, at once. The old secret stays. `stop` moves them
 * back, waits until no task uses the test secret, removes it and drops the role; the stack's own
 * password never changes, so `drydock solve h15-16` works afterwards as before.
 */

const stackOf = (f: DrillFacts) => String(f.run.params.stack ?? "reg-case");
const strs = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : []);
const stackServices = (s: SwarmSnapshot, stack: string) =>
  s.services.filter((x) => x.Spec.Labels?.["com.docker.stack.namespace"] === stack);
const refsOf = (svc: SnapService | undefined): SecretRef[] =>
  svc?.Spec.TaskTemplate?.ContainerSpec?.Secrets ?? [];
const envOf = (svc: SnapService | undefined): string[] => svc?.Spec.TaskTemplate?.ContainerSpec?.Env ?? [];
const envValue = (svc: SnapService | undefined, name: string) =>
  envOf(svc)
    .find((e) => e.startsWith(`${name}=`))
    ?.slice(name.length + 1);
const mountPath = (ref: SecretRef) => {
  const name = ref.File?.Name ?? ref.SecretName ?? "";
  return name.startsWith("/") ? name : `/run/secrets/${name}`;
};
const taskSecrets = (t: SnapTask) => (t.Spec?.ContainerSpec?.Secrets ?? []).map((x) => x.SecretName ?? "");
const live = (s: SwarmSnapshot, svc: SnapService | undefined) =>
  tasksOf(s, svc).filter((t) => t.DesiredState === "running" && t.Status?.State === "running");

/** The secret that brings case-api its database URL: the one mounted where DATABASE_URL_FILE points. */
export function dbUrlRef(svc: SnapService | undefined): SecretRef | undefined {
  const file = envValue(svc, "DATABASE_URL_FILE");
  const refs = refsOf(svc);
  return (
    (file ? refs.find((r) => mountPath(r) === file) : undefined) ??
    refs.find((r) => /database_url|db_url/i.test(r.SecretName ?? ""))
  );
}

/** The next version's name: database_url → database_url_v2, database_url_v2 → database_url_v3 (free ones only). */
export function nextVersion(name: string, taken: ReadonlySet<string>): string {
  const m = /^(.*)_v(\d+)$/.exec(name);
  const stem = m?.[1] ?? name;
  let n = m ? Number(m[2]) + 1 : 2;
  while (taken.has(`${stem}_v${n}`)) n++;
  return `${stem}_v${n}`;
}

/**
 * Services that share the credential but that a rotation of the secret cannot reach: the URL in an
 * environment variable, or DATABASE_URL_FILE on another secret (a copy). The database itself is not
 * one (its POSTGRES_PASSWORD_FILE is read once, when the data directory is created).
 */
export function unreachedSharers(
  s: SwarmSnapshot,
  stack: string,
  rotated: { old: string; new: string; dbService: string },
): string[] {
  const out: string[] = [];
  for (const svc of stackServices(s, stack)) {
    if (svc.Spec.Name === rotated.dbService) continue;
    const url = envOf(svc).find((e) => /^[A-Z0-9_]*=postgres(ql)?:\/\//i.test(e));
    if (url)
      out.push(
        `${svc.Spec.Name} has the database URL in its environment (${url.split("=")[0]}): no secret rotation reaches it`,
      );
    const file = envValue(svc, "DATABASE_URL_FILE");
    if (!file) continue;
    const ref = refsOf(svc).find((r) => mountPath(r) === file);
    if (ref && ref.SecretName !== rotated.old && ref.SecretName !== rotated.new)
      out.push(
        `${svc.Spec.Name} reads DATABASE_URL_FILE=${file} from its own secret ${ref.SecretName}, a copy the rotation did not touch`,
      );
  }
  return out;
}

interface Credentials {
  oldUrl: string;
  newUrl: string;
  oldPassword: string;
  newPassword: string;
}
/** The values live only in memory between inject and afterWait: never in the run (the API serves it). */
const values = new WeakMap<DrillRun, Credentials>();

/** What the log scan found, without the values: where, and which value. */
export interface LogHit {
  service: string;
  task: string;
  node: string;
  which: string;
  line: number;
  /** The line with every credential value masked. */
  excerpt: string;
}

/** Lines of a log that contain a value, masked (pure; the unit table feeds it text). */
export function findValues(
  text: string,
  needles: Array<{ which: string; value: string; forms?: string[] }>,
): Array<{ which: string; line: number; excerpt: string }> {
  const variants = needles.flatMap((n) => {
    const forms = new Set([n.value, encodeURIComponent(n.value), ...(n.forms ?? [])]);
    return [...forms].filter((v) => v.length > 0).map((v) => ({ which: n.which, value: v }));
  });
  const mask = (l: string) => variants.reduce((acc, v) => acc.split(v.value).join("‹redacted›"), l);
  const hits: Array<{ which: string; line: number; excerpt: string }> = [];
  text.split("\n").forEach((l, i) => {
    for (const v of variants) {
      if (!l.includes(v.value)) continue;
      hits.push({ which: v.which, line: i + 1, excerpt: mask(l).slice(0, 200) });
      break;
    }
  });
  return hits;
}

/** What to search for: a short or guessable password only where it sits in a URL (user:password@). */
export function needlesFor(c: Credentials): Array<{ which: string; value: string; forms?: string[] }> {
  const parts = (u: string) => {
    try {
      const url = new URL(u);
      return { user: url.username, password: url.password };
    } catch {
      return { user: "", password: "" };
    }
  };
  const one = (which: string, pw: string, url: string) => {
    // As the URL spells it too (percent-encoded where userinfo needs it).
    const inUrl = parts(url);
    return pw.length >= 8
      ? [
          {
            which,
            value: pw,
            ...(inUrl.password && inUrl.password !== pw ? { forms: [inUrl.password] } : {}),
          },
        ]
      : pw
        ? [{ which: `${which} (in its URL)`, value: `${inUrl.user}:${inUrl.password}@` }]
        : [];
  };
  return [
    ...one("the old password", c.oldPassword, c.oldUrl),
    ...one("the new password", c.newPassword, c.newUrl),
  ];
}

async function scanLogs(env: DrillEnv, run: DrillRun, snap: SwarmSnapshot, c: Credentials) {
  const needles = needlesFor(c);
  const hits: LogHit[] = [];
  const errors: string[] = [];
  let containers = 0;
  let lines = 0;
  const services = stackServices(snap, env.stack);
  for (const svc of services) {
    for (const t of tasksOf(snap, svc)) {
      const id = t.Status?.ContainerStatus?.ContainerID;
      if (!id || !t.NodeID) continue;
      const node = hostnameOf(snap, t.NodeID);
      try {
        const engine = await env.lab.engine(node as EngineRole);
        const buf = (await engine
          .getContainer(id)
          .logs({ stdout: true, stderr: true, tail: 20_000 })) as unknown as Buffer;
        const { stdout, stderr } = splitStreams(buf);
        const text = `${stdout}\n${stderr}`;
        containers++;
        lines += text.split("\n").filter(Boolean).length;
        for (const h of findValues(text, needles))
          hits.push({ service: svc.Spec.Name ?? svc.ID, task: t.ID, node, ...h });
      } catch (err) {
        if (!/no such container|404/i.test(errorMessage(err)))
          errors.push(`${svc.Spec.Name} task ${t.ID.slice(0, 12)} on ${node}: ${errorMessage(err)}`);
      }
    }
  }
  run.params.logScan = {
    services: services.map((s) => s.Spec.Name),
    containers,
    lines,
    searched: needles.map((n) => n.which),
    hits: hits.slice(0, 20),
    errors,
  };
}

/** GET /ready inside each running task of the consumers: can it reach PostgreSQL with what it mounts? */
async function readiness(env: DrillEnv, run: DrillRun, snap: SwarmSnapshot) {
  const out: Array<{ service: string; task: string; node: string; secrets: string[]; result: string }> = [];
  for (const name of strs(run.params.consumers)) {
    const svc = serviceNamed(snap, name);
    const port = Number(envValue(svc, "APP_PORT") ?? 8080);
    for (const t of live(snap, svc)) {
      const id = t.Status?.ContainerStatus?.ContainerID;
      if (!id) continue;
      const node = hostnameOf(snap, t.NodeID);
      let result: string;
      try {
        const engine = await env.lab.engine(node as EngineRole);
        const r = await execArgv(
          engine.getContainer(id),
          [
            "node",
            "-e",
            "fetch(process.argv[1]).then(async r=>console.log(r.status,await r.text()),e=>console.log('error',e.message))",
            `http://127.0.0.1:${port}/ready`,
          ],
          20_000,
        );
        result = (r.stdout || r.stderr).trim().slice(0, 300);
      } catch (err) {
        result = `error ${errorMessage(err)}`;
      }
      out.push({ service: name, task: t.ID, node, secrets: taskSecrets(t), result });
    }
  }
  run.params.ready = out;
}

/** Per consumer, as it stands: the summary verification uses after `stop` moved them back. */
export function rotationState(s: SwarmSnapshot, consumers: string[], oldName: string, newName: string) {
  return consumers.map((name) => {
    const svc = serviceNamed(s, name);
    const tasks = live(s, svc);
    return {
      service: name,
      want: svc?.Spec.Mode?.Replicated?.Replicas ?? null,
      running: tasks.length,
      onNew: tasks.filter((t) => taskSecrets(t).includes(newName) && !taskSecrets(t).includes(oldName))
        .length,
      onOld: tasks.filter((t) => taskSecrets(t).includes(oldName)).length,
      spec: refsOf(svc).map((r) => r.SecretName ?? ""),
      previous: (svc?.PreviousSpec?.TaskTemplate?.ContainerSpec?.Secrets ?? []).map(
        (r) => r.SecretName ?? "",
      ),
      update: svc?.UpdateStatus?.State ?? null,
      message: svc?.UpdateStatus?.Message ?? null,
    };
  });
}
type Rotation = ReturnType<typeof rotationState>[number];

const BAD_END = ["rollback_completed", "rollback_paused", "paused", "rollback_started"];

export const secretRotation: DrillDefinition = {
  id: "secret-rotation",
  title: "rotate the database URL secret to a test credential",
  needs: [],
  learner: [
    "docker secret ls",
    "docker service inspect reg-case_case-api reg-case_worker --format '{{.Spec.Name}}: {{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}} as {{.File.Name}} {{end}}'",
    "docker service ps reg-case_case-api reg-case_worker --no-trunc",
    "docker service logs --since 10m reg-case_case-api",
    "docker secret rm database_url   # refused while a service uses it; after the rotation, it would take your way back",
    "docker service rollback reg-case_case-api   # back to the previous secret (what `drydock drill secret-rotation stop` does, for both)",
  ],
  preconditions(snap, stack) {
    const api = serviceNamed(snap, `${stack}_case-api`);
    if (!api) return [];
    const ref = dbUrlRef(api);
    if (!ref)
      return [
        `${stack}_case-api mounts no database URL secret (DATABASE_URL_FILE=${envValue(api, "DATABASE_URL_FILE") ?? "unset"}): there is nothing to rotate. Hours 15-16's database-url-secret deliverable puts it there.`,
      ];
    const leftover = snap.secrets.find((x) => x.Spec?.Labels?.[DRILL_LABEL] === "secret-rotation");
    if (leftover && leftover.Spec?.Name !== ref.SecretName)
      return [
        `The test secret ${leftover.Spec?.Name} of an earlier secret-rotation drill is still there: \`drydock drill secret-rotation stop\` removes it.`,
      ];
    return [];
  },
  waitMs: 240_000,
  async inject(env, run, snap) {
    const stack = env.stack;
    const api = serviceNamed(snap, `${stack}_case-api`);
    const ref = dbUrlRef(api);
    const oldName = ref?.SecretName;
    if (!api || !ref || !oldName) throw new Error("case-api mounts no database URL secret");
    const oldId = ref.SecretID ?? snap.secrets.find((x) => x.Spec?.Name === oldName)?.ID;
    const consumers = stackServices(snap, stack)
      .filter((svc) => refsOf(svc).some((r) => r.SecretID === oldId || r.SecretName === oldName))
      .map((svc) => svc.Spec.Name as string);
    const task = live(snap, api).find((t) => t.Status?.ContainerStatus?.ContainerID);
    if (!task) throw new Error("no running case-api task to read the database URL from");
    const engine = await env.lab.engine(hostnameOf(snap, task.NodeID) as EngineRole);
    // The current URL, read where the app reads it: the archive API does not see the secrets'
    // tmpfs on every engine, so `cat` (argv, no shell) in the task when it comes back empty.
    const container = engine.getContainer(task.Status?.ContainerStatus?.ContainerID as string);
    let oldUrl = ((await readFileFrom(container, mountPath(ref)).catch(() => null)) ?? "").trim();
    if (!oldUrl) oldUrl = (await execArgv(container, ["cat", mountPath(ref)])).stdout.trim();
    let url: URL;
    try {
      url = new URL(oldUrl);
      if (!/^postgres(ql)?:$/.test(url.protocol)) throw new Error("not postgres");
    } catch {
      throw new Error(`${mountPath(ref)} in case-api does not hold a postgres:// URL`);
    }
    const user = decodeURIComponent(url.username);
    const db = decodeURIComponent(url.pathname.replace(/^\//, "")) || user;
    const dbService = `${stack}_${url.hostname}`;
    if (!serviceNamed(snap, dbService))
      throw new Error(
        `the URL's host ${url.hostname} is not a service of the ${stack} stack: the test credential is made in the stack's own PostgreSQL`,
      );
    const role = `drydock_rot_${randomBytes(3).toString("hex")}`;
    const newPassword = randomBytes(16).toString("hex");
    const next = new URL(oldUrl);
    next.username = role;
    next.password = newPassword;
    const newUrl = next.toString();
    const newName = nextVersion(oldName, new Set(snap.secrets.map((x) => x.Spec?.Name ?? "")));
    values.set(run, { oldUrl, newUrl, oldPassword: decodeURIComponent(url.password), newPassword });
    run.params = {
      ...run.params,
      stack,
      secret: oldName,
      secretId: oldId,
      newSecret: newName,
      target: mountPath(ref),
      consumers,
      role,
      dbService,
      dbUser: user,
      db,
    };

    // 1. The test credential in PostgreSQL.
    run.undo.push({ kind: "db-role", service: dbService, user, db, role });
    env.save();
    env.note(`CREATE ROLE ${role} LOGIN (member of ${user}) in ${dbService}`);
    const pg = await postgresTask(env.lab, dbService, snap);
    if (!pg) throw new Error(`${dbService} has no running task`);
    const made = await psql(pg, CREATE_ROLE_SQL, { user, db, role, password: newPassword });
    if (made.code !== 0 || !made.stdout.includes("created"))
      throw new Error(`the test role was not created: ${(made.stderr || made.stdout).trim().slice(0, 300)}`);

    // 2. The new version of the secret, next to the old one.
    const manager = await env.lab.engine("manager-1");
    run.undo.push({ kind: "remove-secret", name: newName });
    env.save();
    env.note(`docker secret create ${newName} (the URL with the test role)`);
    const created = (await manager.createSecret({
      Name: newName,
      Labels: { [DRILL_LABEL]: "secret-rotation", [LABEL.lab]: run.lab },
      Data: Buffer.from(newUrl).toString("base64"),
    } as unknown as Parameters<Docker["createSecret"]>[0])) as { id?: string };
    const newId = created.id ?? ((await manager.getSecret(newName).inspect()) as { ID: string }).ID;

    // 3. Every consumer at once, under the same target: --secret-rm old --secret-add source=new,target=….
    for (const name of consumers) {
      const s = manager.getService(name);
      const full = (await s.inspect()) as {
        Version: { Index: number };
        Spec: { TaskTemplate: { ContainerSpec: { Secrets?: SecretRef[] } } };
      };
      const before = full.Spec.TaskTemplate.ContainerSpec.Secrets ?? [];
      run.undo.push({ kind: "service-secret", service: name, secrets: before });
      env.save();
      env.note(
        `docker service update --secret-rm ${oldName} --secret-add source=${newName},target=${ref.File?.Name ?? oldName} ${name}`,
      );
      full.Spec.TaskTemplate.ContainerSpec.Secrets = before.map((r) =>
        r.SecretID === oldId || r.SecretName === oldName ? { ...r, SecretID: newId, SecretName: newName } : r,
      );
      await s.update({ version: full.Version.Index, ...full.Spec });
    }
    run.injectedAt = new Date().toISOString();
    // 4. Should the old secret be removed meanwhile (it may, once no service names it), stop creates it again.
    const dir = drillDir(env.home, run.lab);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, "secret-rotation.restore");
    writeFileSync(file, oldUrl, { mode: 0o600 });
    run.undo.push({
      kind: "restore-secret",
      name: oldName,
      file,
      labels: snap.secrets.find((x) => x.ID === oldId)?.Spec?.Labels ?? {},
    });
    env.save();
  },
  settled(f) {
    const consumers = strs(f.run.params.consumers);
    const state = rotationState(
      f.snapshot,
      consumers,
      String(f.run.params.secret),
      String(f.run.params.newSecret),
    );
    const rolledBack = f.timeline.some(
      (e) =>
        e.kind === "update" &&
        consumers.includes(e.service ?? "") &&
        ms(e.at) >= ms(f.run.injectedAt) - 1000 &&
        BAD_END.includes(e.state ?? ""),
    );
    return (
      rolledBack ||
      state.every(
        (c) =>
          c.update !== "updating" &&
          c.running === (c.want ?? c.running) &&
          c.onNew === c.running &&
          c.running > 0,
      )
    );
  },
  async afterWait(env, run, snap) {
    const consumers = strs(run.params.consumers);
    run.params.rotation = rotationState(
      snap,
      consumers,
      String(run.params.secret),
      String(run.params.newSecret),
    );
    env.progress("Asking each rotated task whether it reaches PostgreSQL (GET /ready)…");
    await readiness(env, run, snap);
    try {
      const pg = await postgresTask(env.lab, String(run.params.dbService), snap);
      const r = pg
        ? await psql(pg, SESSIONS_SQL, { user: String(run.params.dbUser), db: String(run.params.db) })
        : undefined;
      run.params.sessions = r?.code === 0 ? r.stdout.trim().split("\n").filter(Boolean) : null;
    } catch {
      run.params.sessions = null;
    }
    const c = values.get(run);
    if (c) {
      env.progress("Searching the stack's logs for the old and the new credential…");
      await scanLogs(env, run, snap, c);
    }
  },
  recovered(f) {
    const state = rotationState(
      f.snapshot,
      strs(f.run.params.consumers),
      String(f.run.params.secret),
      String(f.run.params.newSecret),
    );
    return state.every(
      (c) =>
        c.update !== "updating" &&
        c.spec.includes(String(f.run.params.secret)) &&
        c.running === (c.want ?? c.running) &&
        c.onOld === c.running,
    );
  },
  recoveryWaitMs: 120_000,
  verify: verifyRotation,
};

/** Timeline events of the rotation: after the injection, before `stop` began restoring. */
function rotationWindow(f: DrillFacts) {
  const from = ms(f.run.injectedAt) - 2000;
  const stopAt = f.timeline.find((e) => e.kind === "drill" && /^restored /.test(e.message ?? ""));
  const to = stopAt ? ms(stopAt.at) : Number.POSITIVE_INFINITY;
  return f.timeline.filter((e) => ms(e.at) >= from && ms(e.at) < to);
}

export function verifyRotation(f: DrillFacts): DrillItem[] {
  const stack = stackOf(f);
  const oldName = String(f.run.params.secret ?? "");
  const newName = String(f.run.params.newSecret ?? "");
  const consumers = strs(f.run.params.consumers);
  const dbService = String(f.run.params.dbService ?? `${stack}_postgres`);
  const stopped = Boolean(f.run.stoppedAt);
  const window = rotationWindow(f);
  const items: DrillItem[] = [];
  if (!oldName || !newName || consumers.length === 0)
    return [
      cantTell(
        "rotated",
        "The secret was rotated",
        "the drill recorded no secret and no services that use it.",
      ),
    ];

  // 1. Every service that shares the credential now runs with the new version, and reaches the database.
  const state: Rotation[] = stopped
    ? ((f.run.params.rotation as Rotation[] | undefined) ?? [])
    : rotationState(f.snapshot, consumers, oldName, newName);
  const ready =
    (f.run.params.ready as Array<{ service: string; task: string; result: string }> | undefined) ?? [];
  const sessions = strs(f.run.params.sessions);
  const role = String(f.run.params.role ?? "");
  const unreached = unreachedSharers(f.snapshot, stack, { old: oldName, new: newName, dbService });
  const stateText = state.map(
    (c) =>
      `${c.service}: ${c.onNew}/${c.want ?? "?"} running tasks mount ${newName}${c.onOld ? `, ${c.onOld} still ${oldName}` : ""}; spec ${c.spec.join(",") || "no secrets"}; update ${c.update ?? "none"}${c.message ? ` (${c.message})` : ""}`,
  );
  const readyText = ready.map((r) => `${r.service} task ${r.task.slice(0, 12)}: GET /ready → ${r.result}`);
  const sessionText = sessions.length
    ? [`PostgreSQL sessions (user application count): ${sessions.join("; ")}`]
    : [];
  const notMoved = state.filter(
    (c) => c.running === 0 || c.onNew !== c.running || (c.want !== null && c.running !== c.want),
  );
  const rolledBack = state.filter((c) => c.update && BAD_END.includes(c.update));
  const notReady = ready.filter((r) => !/^200\b/.test(r.result));
  const missing = consumers.filter((c) => !state.some((x) => x.service === c));
  const title1 = "Every service that shares the credential moved to the new version";
  if (state.length === 0) {
    items.push(cantTell("all-sharers-rotated", title1, "the rotation's outcome was not recorded."));
  } else if (missing.length || notMoved.length || rolledBack.length || unreached.length || notReady.length) {
    const why = [
      ...missing.map((m) => `${m} was not followed`),
      ...rolledBack.map(
        (c) => `${c.service}'s update ended ${c.update}: its new tasks failed, it is back on ${oldName}`,
      ),
      ...notMoved
        .filter((c) => !rolledBack.includes(c))
        .map((c) => `${c.service} runs ${c.onNew} of ${c.want ?? c.running} tasks with ${newName}`),
      ...unreached,
      ...notReady.map(
        (r) => `${r.service} task ${r.task.slice(0, 12)} cannot reach PostgreSQL with it (${r.result})`,
      ),
    ];
    items.push(
      fail("all-sharers-rotated", title1, `${why.join("; ")}.`, [...stateText, ...readyText, ...sessionText]),
    );
  } else {
    const roleSessions = sessions.filter((x) => x.startsWith(`${role} `));
    items.push(
      pass(
        "all-sharers-rotated",
        title1,
        `${consumers.join(" and ")} run every task with ${newName}, and each answers /ready with the test credential${roleSessions.length ? ` (PostgreSQL shows ${role}'s sessions)` : ""}.`,
        [...stateText, ...readyText, ...sessionText],
      ),
    );
  }

  // 2. Only those services were updated: the database, the cache, any other service untouched.
  const others = stackServices(f.snapshot, stack)
    .map((s) => s.Spec.Name ?? s.ID)
    .filter((n) => !consumers.includes(n) && n !== PROBER_SERVICE);
  const touched = window.filter(
    (e) =>
      others.includes(e.service ?? "") &&
      ((e.kind === "service" && e.action !== undefined) ||
        (e.kind === "update" && e.state === "updating") ||
        (e.kind === "task" && e.detail?.first === true)),
  );
  const consumerChanges = window.filter(
    (e) => consumers.includes(e.service ?? "") && e.kind === "service" && e.action === "secrets",
  );
  const title2 = "Only the services that use the secret were updated";
  if (touched.length > 0) {
    const names = [...new Set(touched.map((e) => e.service))];
    items.push(
      fail(
        "only-intended-updated",
        title2,
        `${names.join(", ")} changed during the rotation, though ${names.length === 1 ? "it does" : "they do"} not use ${oldName}.`,
        touched.slice(0, 8).map(line),
      ),
    );
  } else {
    items.push(
      pass(
        "only-intended-updated",
        title2,
        `${consumers.join(", ")} changed their secrets; ${others.join(", ") || "no other service"} kept ${others.length === 1 ? "its" : "their"} spec and tasks.`,
        consumerChanges.length
          ? consumerChanges.map(line)
          : [`consumers of ${oldName}: ${consumers.join(", ")}`],
      ),
    );
  }

  // 3. The old secret was kept until the rollout finished.
  const removed = window.find((e) => e.kind === "secret" && e.action === "remove" && e.message === oldName);
  const completed = consumers.map(
    (c) => window.find((e) => e.kind === "update" && e.service === c && e.state === "completed")?.at,
  );
  const doneAt = completed.every(Boolean) ? Math.max(...completed.map((x) => ms(x))) : Number.NaN;
  const oldTasksEnd = window
    .filter(
      (e) =>
        e.kind === "task" &&
        consumers.includes(e.service ?? "") &&
        ["shutdown", "complete", "failed"].includes(e.state ?? "") &&
        !window.some((x) => x.task === e.task && x.detail?.first === true),
    )
    .map((e) => ms(e.at));
  const lastOld = oldTasksEnd.length ? Math.max(...oldTasksEnd) : Number.NaN;
  const title3 = "The old secret was kept until the rollout finished";
  const oldNow = f.snapshot.secrets.find((x) => x.Spec?.Name === oldName);
  const updateLines = window
    .filter((e) => e.kind === "update" && consumers.includes(e.service ?? ""))
    .slice(0, 6)
    .map(line);
  const recreated = oldNow && f.run.params.secretId && oldNow.ID !== f.run.params.secretId;
  if (!removed && recreated) {
    items.push(
      cantTell(
        "old-secret-kept",
        title3,
        `${oldName} was removed while no drill command was watching and created again (${oldNow.CreatedAt ?? "?"}, id ${oldNow.ID}): when it went, before or after the rollout, the timeline cannot say.`,
        updateLines,
      ),
    );
  } else if (!removed) {
    items.push(
      oldNow
        ? pass(
            "old-secret-kept",
            title3,
            `${oldName} was never removed during the rotation${Number.isFinite(doneAt) ? ` (the rollout completed at ${new Date(doneAt).toISOString()})` : ""}.`,
            [
              ...(oldNow
                ? [`secret ${oldName} (${oldNow.ID}) exists, created ${oldNow.CreatedAt ?? "?"}`]
                : []),
              ...updateLines,
            ],
          )
        : cantTell(
            "old-secret-kept",
            title3,
            `${oldName} is gone and its removal was not recorded.`,
            updateLines,
          ),
    );
  } else if (!Number.isFinite(doneAt) || ms(removed.at) < doneAt || ms(removed.at) < lastOld) {
    items.push(
      fail(
        "old-secret-kept",
        title3,
        `${oldName} was removed at ${removed.at}, ${Number.isFinite(doneAt) ? `before the rollout completed (${new Date(doneAt).toISOString()})` : "and the rollout never completed"}: a rollback would start tasks that cannot mount it.`,
        [line(removed), ...updateLines],
      ),
    );
  } else {
    items.push(
      pass(
        "old-secret-kept",
        title3,
        `${oldName} was removed at ${removed.at}, after every consumer's rollout completed (${new Date(doneAt).toISOString()}).`,
        [line(removed), ...updateLines],
      ),
    );
  }

  // 4. A rollback can restore the previous secret: it exists, and it is what each service rolls back to.
  const title4 = "A rollback can restore the previous secret";
  if (stopped) {
    const back = f.snapshot.services.filter((s) => consumers.includes(s.Spec.Name ?? ""));
    const onOld = back.filter(
      (s) =>
        refsOf(s).some((r) => r.SecretName === oldName) &&
        live(f.snapshot, s).length > 0 &&
        live(f.snapshot, s).every((t) => taskSecrets(t).includes(oldName)),
    );
    const testGone = !f.snapshot.secrets.some((x) => x.Spec?.Name === newName);
    const evidence = back.map(
      (s) =>
        `${s.Spec.Name}: spec ${refsOf(s)
          .map((r) => r.SecretName)
          .join(
            ",",
          )}; running tasks mount ${[...new Set(live(f.snapshot, s).flatMap(taskSecrets))].join(",") || "nothing"}`,
    );
    evidence.push(testGone ? `test secret ${newName} removed` : `test secret ${newName} still exists`);
    items.push(
      onOld.length === consumers.length && testGone
        ? pass(
            "rollback-restores",
            title4,
            `stop moved ${consumers.join(" and ")} back to ${oldName}; ${newName} is gone.`,
            evidence,
          )
        : fail(
            "rollback-restores",
            title4,
            `After the rollback ${consumers.filter((c) => !onOld.some((s) => s.Spec.Name === c)).join(", ") || "every service"} ${testGone ? "does not run" : `runs, and ${newName} is still there`}${onOld.length === consumers.length ? "" : ` on ${oldName}`}.`,
            evidence,
          ),
    );
  } else {
    // On the old secret already (an update that rolled back by itself), or it is what rollback brings back.
    const prev = state.map((c) => ({ c, back: c.previous.includes(oldName) || c.spec.includes(oldName) }));
    const evidence = [
      oldNow ? `secret ${oldName} (${oldNow.ID}) exists` : `secret ${oldName} does not exist any more`,
      ...prev.map(({ c }) => `${c.service}: previous spec mounts ${c.previous.join(",") || "nothing"}`),
    ];
    items.push(
      !oldNow
        ? fail(
            "rollback-restores",
            title4,
            `${oldName} was removed: \`docker service rollback\` would bring back a spec whose secret is gone, and its tasks would be rejected.`,
            evidence,
          )
        : prev.every((p) => p.back)
          ? pass(
              "rollback-restores",
              title4,
              `${oldName} still exists and is what \`docker service rollback\` brings back for ${consumers.join(" and ")}.`,
              evidence,
            )
          : fail(
              "rollback-restores",
              title4,
              `${prev
                .filter((p) => !p.back)
                .map((p) => p.c.service)
                .join(", ")} would not roll back to ${oldName}: another change came after the rotation.`,
              evidence,
            ),
    );
  }

  // 5. No log holds a credential value.
  const scan = f.run.params.logScan as
    | {
        services: string[];
        containers: number;
        lines: number;
        searched: string[];
        hits: LogHit[];
        errors: string[];
      }
    | undefined;
  const title5 = "No log shows the secret";
  if (!scan) {
    items.push(
      cantTell(
        "no-secret-in-logs",
        title5,
        "the logs were not searched (the drill did not reach that step).",
      ),
    );
  } else if (scan.hits.length > 0) {
    items.push(
      fail(
        "no-secret-in-logs",
        title5,
        `${[...new Set(scan.hits.map((h) => `${h.which} in ${h.service}'s log`))].join(", ")}.`,
        scan.hits
          .slice(0, 8)
          .map((h) => `${h.service} task ${h.task.slice(0, 12)} on ${h.node}, line ${h.line}: ${h.excerpt}`),
      ),
    );
  } else if (scan.containers === 0 || scan.searched.length === 0) {
    items.push(
      cantTell(
        "no-secret-in-logs",
        title5,
        scan.containers === 0 ? "no task's log could be read." : "there was no value to search for.",
        scan.errors.slice(0, 4),
      ),
    );
  } else {
    items.push(
      pass(
        "no-secret-in-logs",
        title5,
        `${scan.lines} log lines of ${scan.containers} containers (${scan.services.join(", ")}) hold neither ${scan.searched.join(" nor ")}.`,
        [
          `searched: ${scan.searched.join(", ")} (raw and URL-encoded)`,
          ...(scan.errors.length ? [`not read: ${scan.errors.slice(0, 3).join("; ")}`] : []),
        ],
      ),
    );
  }

  // 6. The app kept serving (the prober, through the swarm).
  const probe = proberEvidence(f.run);
  const title6 = "case-api kept serving during the rotation";
  if (!probe) items.push(cantTell("app-kept-serving", title6, "the prober's counters could not be read."));
  else
    items.push(
      probe.ok > 0 && probe.fail <= Math.max(2, 0.05 * (probe.ok + probe.fail))
        ? pass("app-kept-serving", title6, `${probe.ok} requests answered, ${probe.fail} failed.`, [
            probe.text,
          ])
        : fail(
            "app-kept-serving",
            title6,
            `${probe.fail} of ${probe.ok + probe.fail} requests failed while the services moved.`,
            [probe.text],
          ),
    );
  return items;
}
