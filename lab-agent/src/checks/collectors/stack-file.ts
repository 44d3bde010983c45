import { existsSync } from "node:fs";
import { join, normalize } from "node:path";
import { z } from "zod";
import { containerName } from "../../lab/lab-names.ts";
import { execArgv } from "../engine-reads.ts";
import type { LabAccess } from "../lab-access.ts";

/** A stack file as the laptop's `docker compose config` resolves it (the parts the checks read). */
export interface StackFile {
  path: string;
  /** Service name → its `image:` as written (variables are left as written: `--no-interpolate`). */
  services?: Record<string, { image?: string }>;
  error?: string;
}

const ComposeConfig = z.object({
  services: z.record(z.string(), z.object({ image: z.string().optional() }).passthrough()).optional(),
});

/**
 * The stack file as Compose resolves it (anchors, merges, `extends`, the schema), by the Compose
 * of the learner's own laptop node; variables are left as written (`--no-interpolate`), since the
 * values a deploy used are not known here (the service's `com.docker.stack.image` label has them).
 */
export async function readStackFile(lab: LabAccess, relative: string): Promise<StackFile> {
  const safe = normalize(relative);
  const path = `/workspace/${safe}`;
  if (safe.startsWith("..") || safe.startsWith("/")) return { path, error: "the path leaves the workspace" };
  if (!existsSync(join(lab.workspace, safe))) return { path, error: "no such file" };
  const laptop = lab.host.getContainer(containerName(lab.lab, "laptop"));
  const out = await execArgv(
    laptop,
    ["docker", "compose", "--file", path, "config", "--no-interpolate", "--format", "json"],
    20_000,
  );
  return parseComposeConfig(path, out);
}

export function parseComposeConfig(
  path: string,
  out: { code: number; stdout: string; stderr: string },
): StackFile {
  const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";
  if (out.code !== 0) return { path, error: `docker compose config rejects it: ${lastLine(out.stderr)}` };
  try {
    const parsed = ComposeConfig.parse(JSON.parse(out.stdout));
    const services: StackFile["services"] = {};
    for (const [name, s] of Object.entries(parsed.services ?? {}))
      services[name] = s.image === undefined ? {} : { image: s.image };
    return { path, services };
  } catch {
    return { path, error: `docker compose config printed no configuration: ${lastLine(out.stderr)}` };
  }
}
