import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { WorkspacePath } from "../../collectors/workspace-doc.ts";
import { type BundleFacts, type BundleFile, collectBundle } from "./bundle-facts.ts";

const Params = z
  .object({
    dir: WorkspacePath.default("reg-case-platform/ops/incidents"),
    stack: z.string().min(1).default("reg-case"),
    service: z.string().min(1).default("case-api"),
    maxAgeMinutes: z.number().int().min(1).max(1440).default(60),
  })
  .strict();
type Params = z.infer<typeof Params>;

interface Part {
  part: string;
  file: RegExp;
  /** What the command's output looks like, judged against the live swarm: null when it does. */
  judge: (text: string, f: BundleFacts, p: Params) => string | null;
}

const lines = (t: string) => t.split("\n").filter((l) => l.trim() !== "");

/** Seed section 16's bundle: each file by its role, and what makes it that command's real output. */
const PARTS: Part[] = [
  {
    part: "nodes (docker node ls)",
    file: /nodes?\b.*\.txt$/,
    judge: (t, f) => {
      if (!/^ID\s+HOSTNAME\s+STATUS\s+AVAILABILITY/m.test(t))
        return "not the output of docker node ls (no ID HOSTNAME STATUS AVAILABILITY header)";
      const missing = f.swarm.nodes
        .filter((n) => !t.includes(n.ID.slice(0, 12)))
        .map((n) => n.Description?.Hostname ?? n.ID);
      return missing.length
        ? `the swarm's node${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not in it`
        : null;
    },
  },
  {
    part: "services (docker service ls)",
    file: /services?\b.*\.txt$/,
    judge: (t, f, p) => {
      if (!/^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE/m.test(t)) return "not the output of docker service ls";
      const svc = f.swarm.services.find((s) => s.Spec.Name === `${p.stack}_${p.service}`);
      return svc && !t.includes(svc.ID.slice(0, 12))
        ? `${p.stack}_${p.service} (${svc.ID.slice(0, 12)}) is not in it`
        : null;
    },
  },
  {
    part: "tasks (docker stack ps --no-trunc)",
    file: /(?:stack-)?ps\b.*\.txt$|tasks.*\.txt$/,
    judge: (t, f, p) => {
      if (!/^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE/m.test(t))
        return "not the output of docker stack ps";
      if (!t.includes(`${p.stack}_`)) return `no task of the stack ${p.stack}`;
      const ids = f.swarm.tasks.map((x) => x.ID);
      if (ids.length > 0 && !ids.some((id) => t.includes(id)))
        return "none of its task IDs is in the swarm now (another lab, or an old bundle), or it was cut with --no-trunc missing";
      return null;
    },
  },
  {
    part: "service inspect (JSON)",
    file: /inspect.*\.json$/,
    judge: (t, f, p) => {
      let doc: unknown;
      try {
        doc = JSON.parse(t);
      } catch {
        return /--pretty|^ID:/m.test(t) ? "the --pretty form, not JSON" : "not JSON";
      }
      const first = Array.isArray(doc)
        ? (doc[0] as { ID?: string; Spec?: { Name?: string } } | undefined)
        : undefined;
      if (!first?.ID) return "not the output of docker service inspect (a JSON array of services)";
      const live = f.swarm.services.find((s) => s.ID === first.ID);
      if (!live)
        return `service ${first.Spec?.Name ?? "?"} (${first.ID.slice(0, 12)}) is not in the swarm now`;
      return live.Spec.Name === `${p.stack}_${p.service}`
        ? null
        : `inspects ${live.Spec.Name}, not ${p.stack}_${p.service}`;
    },
  },
  {
    part: "logs (docker service logs)",
    file: /logs?\b.*\.txt$/,
    judge: (t, _f, p) => {
      if (/no such service|error response from daemon/i.test(t))
        return `an error, not logs: ${lines(t)[0]?.slice(0, 80)}`;
      const re = new RegExp(`^(?:\\S+\\s+)?${p.stack}_${p.service}\\.\\d+\\.\\w+@`, "m");
      return re.test(t) ? null : `no line of ${p.stack}_${p.service}'s tasks (service.N.task@node | …)`;
    },
  },
  {
    part: "events (docker events --since 1h --until now)",
    file: /events?\b.*\.txt$/,
    judge: (t) => {
      const ev = lines(t).filter((l) =>
        /^\d{4}-\d{2}-\d{2}T\S+\s+(?:container|service|node|network|image|volume|secret|config|daemon)\s+\w/.test(
          l,
        ),
      );
      if (ev.length > 0) return null;
      return lines(t).length === 0
        ? "empty (docker events without --until waits forever: it was cut before it printed)"
        : "no event lines";
    },
  },
];

export function evaluateBundle(f: BundleFacts, p: Params): CheckOutcome {
  const source = `workspace: ${f.dir}/${f.bundle ?? "incident-*"}`;
  if (!f.bundle)
    return fail(`There is no incident-* folder in ${f.dir}.`, [
      {
        source,
        field: "(folder)",
        observed: "no incident-* folder",
        expected: "incident-<date>-<time>/ with the seed's six files",
      },
    ]);
  const evidence: Evidence[] = [{ source, field: "files", observed: f.files.map((x) => x.name) }];
  if (f.swarm.localState !== "active")
    return fail(
      `manager-1 is not in a swarm (Swarm.LocalNodeState="${f.swarm.localState}"), so the bundle cannot be from the live swarm.`,
      evidence,
    );
  const problems: string[] = [];
  const used = new Set<BundleFile>();
  for (const part of PARTS) {
    const file = f.files.find((x) => !used.has(x) && part.file.test(x.name.toLowerCase()));
    if (!file) {
      problems.push(`no ${part.part} file`);
      evidence.push({ source, field: part.part, observed: "missing" });
      continue;
    }
    used.add(file);
    const why = part.judge(file.text, f, p);
    const age = (f.now - file.mtimeMs) / 60_000;
    evidence.push({
      source,
      field: part.part,
      observed: `${file.name}: ${why ?? "real output"}, written ${age < 1 ? "less than a minute" : `${Math.round(age)} min`} ago`,
      expected: `that command's output from this swarm, written in the last ${p.maxAgeMinutes} min`,
    });
    if (why) problems.push(`${file.name}: ${why}`);
    else if (age > p.maxAgeMinutes)
      problems.push(`${file.name} was written ${Math.round(age)} min ago (more than ${p.maxAgeMinutes})`);
  }
  if (problems.length > 0)
    return fail(`The incident bundle ${f.bundle} is not usable: ${problems.join("; ")}.`, evidence);
  return pass(
    `The incident bundle ${f.bundle} has the seed's six outputs, from this swarm, written in the last ${p.maxAgeMinutes} min.`,
    evidence,
  );
}

export const incidentBundle = defineCheck({
  id: "incident.bundle",
  title: "An incident bundle of the live swarm, collected within the hour",
  kind: "snapshot",
  params: Params,
  watches: { objects: ["service", "node"], files: () => [] },
  collect: (ctx, p) => collectBundle(ctx, p.dir, p.stack),
  evaluate: evaluateBundle,
});
