import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectRollout,
  imageOf,
  type RolloutFacts,
  RolloutParams,
  recordEvidence,
  recordGap,
  requireService,
  SVC,
  sameDigest,
  short,
  shortDigest,
} from "../../collectors/rollout-facts.ts";
import { digestOf, parseImageRef } from "../../parsers/spec-parsers.ts";

export const PreviousDigestParams = RolloutParams.extend({
  /** The learner's release log, relative to the workspace (the h17 page appends to it before each update). */
  file: z
    .string()
    .regex(/^(?!\/)(?!.*\.\.)[\w./-]+$/)
    .default("reg-case-platform/previous-digests.txt"),
});
export type PreviousDigestParams = z.infer<typeof PreviousDigestParams>;

/** What the lab registry says of a digest: whether it has that manifest, and its version label. */
export interface RegistryDigest {
  digest: string;
  /** undefined: the registry was not asked or did not answer. */
  exists?: boolean;
  version?: string;
}

export interface PreviousDigestFacts extends RolloutFacts {
  file: { path: string; text: string | null };
  registry: RegistryDigest[];
}

const DIGEST = /sha256:[0-9a-f]{64}/g;
const HAS_DIGEST = /sha256:[0-9a-f]{64}/;
const LAB_REPO = "registry:5000/reg-case-platform";

/** The digest each update of this service started from, as far as the record and Swarm tell. */
export function updateStarts(facts: RolloutFacts): Array<{ digest: string; why: string }> {
  const svc = facts.service;
  if (!svc) return [];
  const out: Array<{ digest: string; why: string }> = [];
  const add = (ref: string | null | undefined, why: string) => {
    const d = digestOf(ref ?? undefined);
    if (d && !out.some((o) => o.digest === d)) out.push({ digest: d, why });
  };
  // Recorded: an image change that is not a rollback (a rollback changes state in the same poll).
  const rollbackAt = new Set(
    facts.history.filter((e) => e.kind === "update-state" && e.new?.startsWith("rollback")).map((e) => e.at),
  );
  for (const e of facts.history) {
    if (e.kind === "image" && !rollbackAt.has(e.at) && e.old && !sameDigest(e.old, e.new))
      add(e.old, `recorded update at ${e.at}`);
  }
  const current = imageOf(svc.Spec);
  const previous = imageOf(svc.PreviousSpec);
  const state = svc.UpdateStatus?.State;
  if ((state === "updating" || state === "paused" || state === "completed") && !sameDigest(previous, current))
    add(previous, "PreviousSpec (the last update started there)");
  if (state?.startsWith("rollback")) add(current, "the rolled-back update started there (Spec now)");
  const deployed = svc.Spec.Labels?.["com.docker.stack.image"];
  if (!sameDigest(deployed, current) && (facts.record.state !== "on" || facts.record.partial))
    add(deployed, "the stack deployed it, and the service runs another digest now");
  return out;
}

export function evaluatePreviousDigest(facts: PreviousDigestFacts, p: PreviousDigestParams): CheckOutcome {
  const { svc, missing } = requireService(facts, p);
  if (!svc) return missing;
  const starts = updateStarts(facts);
  const text = facts.file.text;
  const lines = (text ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const written = [...new Set((text ?? "").match(DIGEST) ?? [])];
  const tagOnly = lines.filter((l) => !HAS_DIGEST.test(l) && /[\w.-]+\/[\w./-]+:[\w.-]+/.test(l));
  const reg = (d: string) => facts.registry.find((r) => r.digest === d);
  const label = (d: string) => {
    const r = reg(d);
    return `${shortDigest(d)}${r?.version ? ` (${r.version})` : ""}`;
  };
  const unknownToRegistry = written.filter((d) => reg(d)?.exists === false);
  const notWritten = starts.filter((s) => !written.includes(s.digest));
  const evidence: Evidence[] = [
    {
      source: `workspace: ${facts.file.path}`,
      field: "digests written down",
      observed: text === null ? "no such file" : written.map(label),
      expected: "each digest the service ran before an update",
    },
    {
      source: `${SVC} + ${recordEvidence(facts, "", null).source}`,
      field: "digests updates started from",
      observed: starts.map((s) => `${label(s.digest)}: ${s.why}`),
    },
    {
      source: "registry: HEAD /v2/reg-case-platform/manifests/{digest}",
      field: "digests written that the registry does not have",
      observed: unknownToRegistry.map((d) => shortDigest(d)),
      expected: "none",
    },
    recordEvidence(facts, "events recorded for this service", facts.history.length),
  ];
  if (tagOnly.length)
    evidence.push({
      source: `workspace: ${facts.file.path}`,
      field: "lines with a tag and no digest",
      observed: tagOnly,
    });
  const gap = recordGap(facts.record, svc);
  const previous = imageOf(svc.PreviousSpec);
  if (starts.length === 0 && previous && digestOf(previous) && !sameDigest(previous, imageOf(svc.Spec))) {
    return checkError(
      `Can't tell, because ${svc.Spec.Name} changed image once (PreviousSpec ${short(previous)}) but a later change of other settings cleared UpdateStatus, and ${gap ?? "the record shows no update"}: whether that was an update or a rollback by hand is unknown.`,
      evidence,
    );
  }
  if (starts.length === 0) {
    return fail(
      `${svc.Spec.Name} was never updated (${short(imageOf(svc.Spec))}, as deployed${svc.UpdateStatus ? "" : ", no UpdateStatus"})${gap ? `, as far as Swarm shows (${gap})` : ""}: there is no previous digest yet.`,
      evidence,
    );
  }
  if (text === null) {
    return fail(
      `${facts.file.path} does not exist: the digest that ran before each update was not written down.`,
      evidence,
    );
  }
  if (notWritten.length) {
    const hint = tagOnly.length
      ? " It names tags, which move; write the digest (RepoDigests or the service's image)."
      : unknownToRegistry.length
        ? " Some digests it names are unknown to the registry: an image ID (`docker image inspect .Id`) is the config digest, not the manifest digest a service runs."
        : "";
    return fail(
      `${facts.file.path} lacks ${notWritten.map((s) => label(s.digest)).join(", ")}, which ran before an update.${hint}`,
      evidence,
    );
  }
  return pass(
    `${facts.file.path} names every digest an update started from: ${starts.map((s) => label(s.digest)).join(", ")}${gap ? ` (as far as Swarm shows: ${gap})` : ""}.`,
    evidence,
  );
}

async function collect(
  ctx: Parameters<typeof collectRollout>[0],
  p: PreviousDigestParams,
): Promise<PreviousDigestFacts> {
  const facts = await collectRollout(ctx, p);
  const text = await readFile(join(ctx.lab.workspace, p.file), "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "EISDIR") return null;
    throw err;
  });
  const digests = new Set<string>([
    ...((text ?? "").match(DIGEST) ?? []),
    ...updateStarts(facts).map((s) => s.digest),
  ]);
  const repo = parseImageRef(imageOf(facts.service?.Spec) ?? LAB_REPO).name.replace(/^registry:5000\//, "");
  const registry = await ctx.lab.registry().catch(() => undefined);
  const found = await Promise.all(
    [...digests].map(async (digest): Promise<RegistryDigest> => {
      if (!registry) return { digest };
      try {
        const exists = (await registry.manifestDigest(repo, digest)) !== undefined;
        if (!exists) return { digest, exists };
        const config = await registry.imageConfig(repo, digest).catch(() => undefined);
        const version = config?.config?.Labels?.["org.opencontainers.image.version"];
        return { digest, exists, ...(version ? { version } : {}) };
      } catch (err) {
        // The lab registry (distribution) answers 500, not 404, for a digest it holds as a blob but
        // not as a manifest: an image config digest (what `docker image inspect .Id` prints).
        if (/HTTP 500/.test(String(err)) && (await registry.ping()).ok) return { digest, exists: false };
        return { digest };
      }
    }),
  );
  return { ...facts, file: { path: p.file, text }, registry: found };
}

export const previousDigest = defineCheck({
  id: "swarm.previous-digest",
  title: "The previous digest is written down before every update",
  kind: "history",
  watches: { objects: ["service"], files: (p: PreviousDigestParams) => [p.file] },
  params: PreviousDigestParams.strict(),
  collect,
  evaluate: evaluatePreviousDigest,
});
