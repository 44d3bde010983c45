import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { dockerDefinitionsDir } from "../../../common/paths.ts";
import { runCommand } from "../../../common/run-command.ts";
import type { CheckContext } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail } from "../../check-result.ts";

/** What every supply check is told: the release evidence file, the app folder, the lab repository. */
export const SupplyParams = z
  .object({
    evidence: z.string().min(1).default("reg-case-platform/ops/releases/1.0.0.yaml"),
    app: z.string().min(1).default("reg-case-platform"),
    repository: z.string().min(1).default("reg-case-platform"),
    review: z.string().min(1).default("reg-case-platform/ops/releases/1.0.0-review.yaml"),
  })
  .strict();
export type SupplyParams = z.infer<typeof SupplyParams>;

export const PREDICATE = {
  cyclonedx: "https://cyclonedx.org/bom",
  spdx: "https://spdx.dev/Document",
  slsa1: "https://slsa.dev/provenance/v1",
  slsa02: "https://slsa.dev/provenance/v0.2",
  vuln: "https://cosign.sigstore.dev/attestation/vuln/v1",
  /** Drydock's own predicate: the learner's review of the vulnerability report, as JSON. */
  review: "https://drydock.dev/attestations/vuln-review/v1",
} as const;

/** Whether an attestation's DSSE signature verifies with the learner's public key. */
export type Signature = { verified: true } | { verified: false; why: string };

/** One in-toto statement attached to the image (cosign's `sha256-<digest>.att` tag). */
export interface Attestation {
  predicateType: string;
  subjects: string[];
  predicate: unknown;
  signature: Signature;
}

/** `unknown`: the lab could not answer (registry down, a blob missing), so nothing can be decided. */
export type Read<T> = { found: true; value: T } | { found: false; reason: string; unknown?: boolean };

/** The public key the attestations must verify with: named by the evidence, or cosign's default. */
export interface PublicKey {
  /** Workspace-relative path. */
  path: string;
  from: "evidence" | "default";
  /** The PEM text, once it parsed as a public key. */
  pem: Read<string>;
}

export interface ReleaseFacts {
  evidencePath: string;
  evidence: Read<Record<string, unknown>>;
  /** Every tag of the repository (cosign's .att/.sig tags left out) and the digest it points at. */
  registry: Read<Record<string, string>>;
  /** The app folder's git HEAD and whether the evidence's commit is in its history. */
  git: { head: string | null; commitKnown: boolean | null; reason?: string };
  /** Attestations attached to the evidence's digest, each with its signature checked against `key`. */
  attestations: Read<Attestation[]>;
  key: PublicKey;
}

export const EVIDENCE_SOURCE = (p: string) => `workspace: ${p}`;
export const REGISTRY_SOURCE = "registry:5000: GET /v2/{repo}/tags/list, /manifests/{tag}";
export const ATTESTATION_SOURCE = "registry:5000: GET /v2/{repo}/manifests/sha256-{digest}.att (cosign)";
export const KEY_SOURCE = (p: string) => `workspace: ${p}`;
/** Where `cosign generate-key-pair` in the app's ops/keys puts the public key. */
export const DEFAULT_KEY = "ops/keys/cosign.pub";
/** Evidence fields that may name the public key (relative to the app folder or the workspace). */
export const KEY_FIELDS = ["public_key", "cosign_public_key", "signing_key", "key"] as const;

export const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function readWorkspaceFile(ctx: CheckContext, rel: string): Read<string> {
  const path = join(ctx.lab.workspace, rel);
  if (!existsSync(path)) return { found: false, reason: "no such file" };
  return { found: true, value: readFileSync(path, "utf8") };
}

export function parseStructured(text: string, name: string): Read<Record<string, unknown>> {
  try {
    const data = name.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    if (!data || typeof data !== "object" || Array.isArray(data))
      return { found: false, reason: "not a mapping of fields" };
    return { found: true, value: data as Record<string, unknown> };
  } catch (err) {
    return { found: false, reason: `does not parse (${(err as Error).message.split("\n")[0]})` };
  }
}

/** The evidence's digest, `sha256:…`, also when written as `repo@sha256:…`. */
export function evidenceDigest(e: Record<string, unknown>): string | undefined {
  const d = e.digest;
  if (typeof d !== "string") return undefined;
  const m = /sha256:[0-9a-f]{64}/.exec(d);
  return m ? m[0] : undefined;
}

export function evidenceTags(e: Record<string, unknown>): string[] {
  const t = e.tags;
  const list = Array.isArray(t) ? t : typeof t === "string" ? t.split(/[\s,]+/) : [];
  return list.map((x) => String(x).replace(/^.*:(?=[^:/]+$)/, "")).filter(Boolean);
}

/** DSSE's pre-authentication encoding: what cosign signs (in-toto payload type and payload bytes). */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

/** Checks one DSSE envelope's signatures (cosign's ECDSA P-256 / SHA-256, or any key node:crypto reads). */
export function verifyEnvelope(
  env: { payloadType?: string; payload?: string; signatures?: Array<{ sig?: string }> },
  key: KeyObject | undefined,
  keyPath: string,
): Signature {
  const sigs = (env.signatures ?? []).filter((s) => typeof s.sig === "string" && s.sig.length > 0);
  if (sigs.length === 0) return { verified: false, why: "it carries no signature" };
  if (!key) return { verified: false, why: `there is no public key to verify it with (${keyPath})` };
  const body = pae(env.payloadType ?? "", Buffer.from(env.payload ?? "", "base64"));
  const ok = sigs.some((s) => {
    try {
      return verify(
        key.asymmetricKeyType === "ed25519" ? null : "sha256",
        body,
        key,
        Buffer.from(s.sig ?? "", "base64"),
      );
    } catch {
      return false;
    }
  });
  return ok
    ? { verified: true }
    : {
        verified: false,
        why: `its signature does not verify with ${keyPath} (signed with another key, or changed after signing)`,
      };
}

/** A PEM public key, parsed; private and encrypted keys are refused (cosign.key is not what to name). */
export function parsePublicKey(pem: string): { key: KeyObject } | { reason: string } {
  if (/PRIVATE KEY/.test(pem)) return { reason: "is a private key (name the public one, cosign.pub)" };
  try {
    const key = createPublicKey(pem);
    return key.type === "public" ? { key } : { reason: "is not a public key" };
  } catch (err) {
    return { reason: `is not a PEM public key (${(err as Error).message.split("\n")[0]})` };
  }
}

/** Decodes cosign's DSSE envelopes into in-toto statements, each with its signature checked. */
export function statementsFrom(envelopes: string[], pem?: string, keyPath = DEFAULT_KEY): Attestation[] {
  const parsed = pem ? parsePublicKey(pem) : undefined;
  const key = parsed && "key" in parsed ? parsed.key : undefined;
  const out: Attestation[] = [];
  for (const text of envelopes) {
    try {
      const env = JSON.parse(text) as {
        payloadType?: string;
        payload?: string;
        signatures?: Array<{ sig?: string }>;
      };
      const st = JSON.parse(Buffer.from(env.payload ?? "", "base64").toString("utf8")) as {
        predicateType?: string;
        subject?: Array<{ digest?: { sha256?: string } }>;
        predicate?: unknown;
      };
      out.push({
        predicateType: st.predicateType ?? "",
        subjects: (st.subject ?? []).map((s) => `sha256:${s.digest?.sha256 ?? ""}`),
        predicate: st.predicate,
        signature: verifyEnvelope(env, key, keyPath),
      });
    } catch {}
  }
  return out;
}

/** The workspace-relative path of the public key: the evidence's key field, else `<app>/ops/keys/cosign.pub`. */
export function keyPathOf(
  e: Record<string, unknown> | undefined,
  app: string,
  exists: (rel: string) => boolean,
): { path: string; from: "evidence" | "default"; named?: string } {
  const named = e
    ? KEY_FIELDS.map((k) => e[k]).find((v): v is string => typeof v === "string" && !!v.trim())
    : undefined;
  if (!named) return { path: posix.join(app, DEFAULT_KEY), from: "default" };
  const rel = named
    .trim()
    .replace(/^\/workspace\//, "")
    .replace(/\.key$/, ".pub");
  const candidates = [posix.join(app, rel), posix.normalize(rel)].filter((c) => !c.startsWith(".."));
  return { path: candidates.find(exists) ?? candidates[0] ?? rel, from: "evidence", named };
}

export function readPublicKey(
  ctx: CheckContext,
  e: Record<string, unknown> | undefined,
  app: string,
): PublicKey {
  const at = keyPathOf(e, app, (rel) => existsSync(join(ctx.lab.workspace, rel)));
  const text = readWorkspaceFile(ctx, at.path);
  if (!text.found) return { path: at.path, from: at.from, pem: text };
  const parsed = parsePublicKey(text.value);
  return {
    path: at.path,
    from: at.from,
    pem: "key" in parsed ? { found: true, value: text.value } : { found: false, reason: parsed.reason },
  };
}

async function gitFacts(dir: string, commit: unknown): Promise<ReleaseFacts["git"]> {
  const git = (...args: string[]) =>
    runCommand("git", ["-c", "safe.directory=*", "-C", dir, ...args]).catch((e: Error) => ({
      code: 1,
      stdout: "",
      stderr: e.message,
    }));
  const head = await git("rev-parse", "HEAD");
  if (head.code !== 0)
    return {
      head: null,
      commitKnown: null,
      reason: head.stderr.trim().split("\n").pop() ?? "not a git repository",
    };
  let known: boolean | null = null;
  if (typeof commit === "string" && /^[0-9a-f]{7,40}$/.test(commit))
    known = (await git("cat-file", "-e", `${commit}^{commit}`)).code === 0;
  return { head: head.stdout.trim(), commitKnown: known };
}

/** Reads the evidence file, the registry's tags and the attestations of the evidence's digest (once per run). */
export function collectRelease(ctx: CheckContext, p: SupplyParams): Promise<ReleaseFacts> {
  return ctx.memo(`supply:${p.evidence}:${p.repository}`, async () => {
    const text = readWorkspaceFile(ctx, p.evidence);
    const evidence = text.found ? parseStructured(text.value, p.evidence) : text;
    const reg = await ctx.lab.registry();
    let registry: ReleaseFacts["registry"];
    try {
      const tags = (await reg.tags(p.repository)).filter(
        (t) => !/^sha256-[0-9a-f]{64}\.(att|sig|sbom)$/.test(t),
      );
      const map: Record<string, string> = {};
      for (const t of tags) map[t] = (await reg.manifestDigest(p.repository, t)) ?? "";
      registry = { found: true, value: map };
    } catch (err) {
      registry = { found: false, reason: (err as Error).message };
    }
    const digest = evidence.found ? evidenceDigest(evidence.value) : undefined;
    const key = readPublicKey(ctx, evidence.found ? evidence.value : undefined, p.app);
    let attestations: ReleaseFacts["attestations"] = { found: false, reason: "the evidence names no digest" };
    if (digest) {
      try {
        const m = await reg.manifest(p.repository, `sha256-${digest.slice(7)}.att`);
        if (!m) attestations = { found: false, reason: `no attestation is attached to ${digest}` };
        else {
          const layers = (m.body as { layers?: Array<{ digest: string }> }).layers ?? [];
          const blobs = await Promise.all(layers.map((l) => reg.blobText(p.repository, l.digest)));
          const lost = layers.filter((_, i) => blobs[i] === undefined).map((l) => l.digest);
          attestations =
            lost.length > 0
              ? {
                  found: false,
                  unknown: true,
                  reason: `the registry has no blob ${lost[0]} of the attestations`,
                }
              : {
                  found: true,
                  value: statementsFrom(
                    blobs.filter((b): b is string => !!b),
                    key.pem.found ? key.pem.value : undefined,
                    key.path,
                  ),
                };
        }
      } catch (err) {
        attestations = { found: false, unknown: true, reason: (err as Error).message };
      }
    }
    const git = await gitFacts(
      join(ctx.lab.workspace, p.app),
      evidence.found ? evidence.value.commit : undefined,
    );
    return { evidencePath: p.evidence, evidence, registry, git, attestations, key };
  });
}

export function noEvidence(f: ReleaseFacts): CheckOutcome | undefined {
  if (f.evidence.found) return undefined;
  return fail(`${f.evidencePath}: ${f.evidence.reason}.`, [
    {
      source: EVIDENCE_SOURCE(f.evidencePath),
      field: "(file)",
      observed: f.evidence.reason,
      expected: "the release evidence (commit, tags, digest, …)",
    },
  ]);
}

/** The attestations of one kind attached to the evidence's digest, or a failing outcome. */
export function attached(
  f: ReleaseFacts,
  types: readonly string[],
  what: string,
): { digest: string; list: Attestation[]; evidence: Evidence[] } | CheckOutcome {
  const missing = noEvidence(f);
  if (missing) return missing;
  const digest = evidenceDigest(f.evidence.found ? f.evidence.value : {});
  const evidence: Evidence[] = [
    {
      source: EVIDENCE_SOURCE(f.evidencePath),
      field: "digest",
      observed: digest ?? null,
      expected: "sha256:…",
    },
  ];
  if (!digest) return fail(`${f.evidencePath} names no image digest, so no ${what} can be found.`, evidence);
  if (!f.attestations.found) {
    evidence.push({ source: ATTESTATION_SOURCE, field: "attestations", observed: f.attestations.reason });
    if (f.attestations.unknown)
      return checkError(
        `Can't tell whether a ${what} is attached to ${digest}, because ${f.attestations.reason}.`,
        evidence,
      );
    return fail(`No ${what} is attached to ${digest}: ${f.attestations.reason}.`, evidence);
  }
  const all = f.attestations.value;
  evidence.push({
    source: ATTESTATION_SOURCE,
    field: "predicateTypes",
    observed: all.map((a) => a.predicateType),
    expected: types.join(" or "),
  });
  const ofType = all.filter((a) => types.includes(a.predicateType));
  if (ofType.length === 0)
    return fail(
      `No ${what} is attached to ${digest} (found: ${all.map((a) => a.predicateType).join(", ") || "none"}).`,
      evidence,
    );
  const k = f.key;
  evidence.push({
    source: KEY_SOURCE(k.path),
    field: "public key",
    observed: k.pem.found
      ? `${k.path} (${k.from === "evidence" ? "named by the evidence" : "cosign's default"})`
      : k.pem.reason,
    expected: "the public half of the key pair the attestations were signed with",
  });
  if (!k.pem.found)
    return fail(
      k.from === "evidence"
        ? `The public key the evidence names, ${k.path}, ${k.pem.reason === "no such file" ? "does not exist" : k.pem.reason}, so no ${what} can be verified: name the cosign.pub of the key pair you attested with.`
        : `No public key to verify the ${what} with: ${k.path} ${k.pem.reason === "no such file" ? "does not exist" : k.pem.reason}. Run cosign generate-key-pair in ops/keys, attest with --key ops/keys/cosign.key, or name your public key in the evidence (public_key).`,
      evidence,
    );
  evidence.push({
    source: ATTESTATION_SOURCE,
    field: "signatures",
    observed: ofType.map(
      (a) =>
        `${a.predicateType} for ${a.subjects.join(", ")}: ${a.signature.verified ? `verified with ${k.path}` : a.signature.why}`,
    ),
    expected: `signed with the private half of ${k.path}`,
  });
  const list = ofType.filter((a) => a.signature.verified);
  if (list.length === 0) {
    const why = ofType[0]?.signature.verified === false ? ofType[0].signature.why : "";
    return fail(
      `The ${what} attached to ${digest} (${ofType[0]?.predicateType}) is not trusted: ${why}.`,
      evidence,
    );
  }
  const wrongSubject = list.filter((a) => !a.subjects.includes(digest));
  if (wrongSubject.length === list.length) {
    evidence.push({
      source: ATTESTATION_SOURCE,
      field: "subject",
      observed: list[0]?.subjects ?? [],
      expected: digest,
    });
    return fail(`The ${what} attached names another subject than ${digest}.`, evidence);
  }
  return { digest, list: list.filter((a) => a.subjects.includes(digest)), evidence };
}

export const PLACEHOLDER = /<[^>]*>|\b(TODO|FIXME|TBD|changeme|xxx)\b|^\.\.\.$|^-$|^n\/?a$/i;

export const watchesRelease = {
  objects: ["image"] as const,
  files: (p: SupplyParams) => [p.evidence, p.review, `${p.app}/${DEFAULT_KEY}`],
};

export function isOutcome(x: unknown): x is CheckOutcome {
  return typeof x === "object" && x !== null && "status" in x && "summary" in x;
}

// ---- the advisory snapshot and the matcher --------------------------------------------------

export const SNAPSHOT_DIR = join(dockerDefinitionsDir, "node", "supply", "advisories");

export interface OsvRecord {
  id: string;
  aliases?: string[];
  summary?: string;
  affected: Array<{
    package: { ecosystem: string; name: string };
    ranges?: Array<{ type: string; events: Array<Record<string, string>> }>;
  }>;
  database_specific?: { severity?: string };
}
export interface Snapshot {
  drydock_snapshot: { date: string; scope: string; live: boolean };
  records: OsvRecord[];
}

export function loadSnapshot(date?: string): Snapshot | undefined {
  const file = date ? join(SNAPSHOT_DIR, `osv-snapshot-${date}.json`) : undefined;
  if (!file || !existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Snapshot;
}
