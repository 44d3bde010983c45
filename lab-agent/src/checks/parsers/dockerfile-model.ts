import { DockerfileParser } from "dockerfile-ast";

/** A Dockerfile as plain data: stages and their instructions, with 1-based line numbers. */
export interface DockerInstruction {
  keyword: string;
  line: number;
  /** Words after the flags; for the JSON (exec) form, the JSON strings. */
  args: string[];
  /** Written in JSON form: `RUN ["npm", "ci"]`, `COPY ["a", "b", "./"]`. */
  json: boolean;
  /** `COPY <<EOF …` / `RUN <<EOF …`: the content is inline, not from the build context. */
  heredoc: boolean;
  /** `--from=build` → { from: "build" }; a flag with no value maps to null; the first of repeated flags. */
  flags: Record<string, string | null>;
  /** Every flag in order (RUN may carry several `--mount`). */
  flagList: Array<{ name: string; value: string | null }>;
  /** ENV, ARG and LABEL pairs as the parser reads them (quotes removed). */
  properties: Array<[string, string | null]>;
  /** The instruction as written, continuation lines joined. */
  text: string;
}

export interface DockerStage {
  index: number;
  name: string | null;
  /** The FROM reference as written, e.g. `node:${NODE_VERSION}-slim` or `build`. */
  image: string | null;
  /** The FROM reference with the global ARGs' defaults expanded; null when an ARG has no default. */
  resolved: string | null;
  /** The earlier stage this one starts FROM, when it does. */
  parent: number | null;
  line: number;
  instructions: DockerInstruction[];
}

export interface DockerfileModel {
  path: string;
  /** ARGs declared before the first FROM, with their defaults (null: no default). */
  globalArgs: Record<string, string | null>;
  stages: DockerStage[];
}

type FlagLike = { getName(): string; getValue(): string | null };
type PropertyLike = { getName(): string; getValue(): string | null };

export function parseDockerfile(path: string, content: string): DockerfileModel {
  const dockerfile = DockerfileParser.parse(content);
  const stages: DockerStage[] = [];
  const globalArgs: Record<string, string | null> = {};
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const any = instruction as unknown as {
      getFlags?: () => FlagLike[];
      getJSONStrings?: () => Array<{ getJSONValue(): string }>;
      getProperties?: () => PropertyLike[];
      getProperty?: () => PropertyLike | null;
    };
    const flagList = (any.getFlags?.() ?? []).map((f) => ({
      name: f.getName().toLowerCase(),
      value: f.getValue(),
    }));
    const flags: Record<string, string | null> = {};
    for (const f of flagList) if (!(f.name in flags)) flags[f.name] = f.value;
    const words = instruction.getArguments().map((a) => a.getValue());
    const jsonStrings = any.getJSONStrings?.() ?? [];
    const json = jsonStrings.length > 0 && (words[0] ?? "").startsWith("[");
    const props =
      keyword === "ARG"
        ? [any.getProperty?.()].filter((p): p is PropertyLike => !!p)
        : keyword === "ENV" || keyword === "LABEL"
          ? (any.getProperties?.() ?? [])
          : [];
    const model: DockerInstruction = {
      keyword,
      line: instruction.getRange().start.line + 1,
      args: json
        ? jsonArgs(
            instruction.getArgumentsContent(),
            jsonStrings.map((j) => j.getJSONValue()),
          )
        : words,
      json,
      heredoc: words.some((w) => /^<<-?["']?[A-Za-z_]/.test(w)),
      flags,
      flagList,
      properties: props.map((p) => [p.getName(), p.getValue()]),
      text: instruction.getTextContent().replace(/\\\r?\n\s*/g, " "),
    };
    if (keyword === "FROM") {
      const from = instruction as unknown as { getImage(): string | null; getBuildStage(): string | null };
      const image = from.getImage();
      const resolved = image === null ? null : expandVars(image, globalArgs);
      const ref = resolved?.toLowerCase();
      const parent = ref ? stages.find((s) => s.name === ref || String(s.index) === ref) : undefined;
      stages.push({
        index: stages.length,
        name: from.getBuildStage()?.toLowerCase() ?? null,
        image,
        resolved,
        parent: parent ? parent.index : null,
        line: model.line,
        instructions: [],
      });
      continue;
    }
    if (stages.length === 0) {
      if (keyword === "ARG") for (const [k, v] of model.properties) globalArgs[k] = v;
      continue;
    }
    stages.at(-1)?.instructions.push(model);
  }
  return { path, globalArgs, stages };
}

/** The exec form's words as JSON says (dockerfile-ast's own JSON values drop inner spaces). */
function jsonArgs(content: string | null, fallback: string[]): string[] {
  const start = content?.indexOf("[") ?? -1;
  if (!content || start < 0) return fallback;
  try {
    const parsed = JSON.parse(content.slice(start).replace(/\\\r?\n\s*/g, " ")) as unknown;
    return Array.isArray(parsed) && parsed.every((x) => typeof x === "string") ? parsed : fallback;
  } catch {
    return fallback;
  }
}

/**
 * `${X}`, `$X`, `${X:-default}` and `${X:+alt}` expanded from `vars`, as BuildKit expands a
 * FROM line from the global ARGs; null when a variable has no value and no default.
 */
export function expandVars(text: string, vars: Record<string, string | null>): string | null {
  let unresolved = false;
  const out = text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      _m,
      braced: string | undefined,
      op: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const name = (braced ?? bare) as string;
      const value = vars[name];
      const set = value !== undefined && value !== null;
      if (op?.endsWith("-")) return set && (op === "-" || value !== "") ? (value as string) : (word ?? "");
      if (op?.endsWith("+")) return set && (op === "+" || value !== "") ? (word ?? "") : "";
      if (!set) unresolved = true;
      return value ?? "";
    },
  );
  return unresolved ? null : out;
}

/** The stage another stage refers to by name or index (`COPY --from=build`, `FROM build`). */
export function stageRef(model: DockerfileModel, ref: string, before: number): DockerStage | undefined {
  const lower = ref.toLowerCase();
  return model.stages.find((s) => s.index < before && (s.name === lower || String(s.index) === lower));
}

/** The stage and the earlier stages it starts FROM, root first. */
export function stageChain(model: DockerfileModel, stage: DockerStage): DockerStage[] {
  const chain: DockerStage[] = [stage];
  let at = stage;
  while (at.parent !== null) {
    const parent = model.stages[at.parent];
    if (!parent || chain.includes(parent)) break;
    chain.unshift(parent);
    at = parent;
  }
  return chain;
}

/** The image a stage is built on, through its chain of stages (null when an ARG hides it). */
export function baseImageOf(model: DockerfileModel, stage: DockerStage): string | null {
  return stageChain(model, stage)[0]?.resolved ?? null;
}

/** The stages a build of `target` runs: its chain, and what it copies or mounts from, transitively. */
export function stagesNeeded(model: DockerfileModel, target: DockerStage): DockerStage[] {
  const seen = new Set<number>();
  const visit = (s: DockerStage) => {
    if (seen.has(s.index)) return;
    seen.add(s.index);
    if (s.parent !== null) {
      const p = model.stages[s.parent];
      if (p) visit(p);
    }
    for (const i of s.instructions) {
      for (const from of stageSources(i)) {
        const ref = stageRef(model, from, s.index);
        if (ref) visit(ref);
      }
    }
  };
  visit(target);
  return model.stages.filter((s) => seen.has(s.index));
}

/** Stage names an instruction reads from: `COPY --from=x`, `RUN --mount=…,from=x`. */
export function stageSources(i: DockerInstruction): string[] {
  const out: string[] = [];
  if ((i.keyword === "COPY" || i.keyword === "ADD") && i.flags.from) out.push(i.flags.from);
  if (i.keyword === "RUN") for (const m of mounts(i)) if (m.from) out.push(m.from);
  return out;
}

/** The instruction's words after its flags, e.g. COPY's sources and destination. */
export function operands(instruction: DockerInstruction): string[] {
  return instruction.args.filter((a) => instruction.json || !a.startsWith("--"));
}

/** COPY/ADD sources and destination; none for heredocs. */
export function copyParts(i: DockerInstruction): { sources: string[]; dest: string } {
  if (i.heredoc) return { sources: [], dest: operands(i).at(-1) ?? "" };
  const ops = operands(i);
  return { sources: ops.slice(0, -1), dest: ops.at(-1) ?? "" };
}

export interface RunMount {
  type: string;
  source: string | null;
  target: string | null;
  from: string | null;
}

/** `RUN --mount=type=bind,source=package.json,target=…` as data (type defaults to bind, as BuildKit). */
export function mounts(i: DockerInstruction): RunMount[] {
  return i.flagList
    .filter((f) => f.name === "mount" && f.value)
    .map((f) => {
      const opts: Record<string, string> = {};
      for (const part of (f.value as string).split(",")) {
        const eq = part.indexOf("=");
        const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
        opts[k] = eq < 0 ? "true" : part.slice(eq + 1).trim();
      }
      return {
        type: opts.type ?? "bind",
        source: opts.source ?? opts.src ?? null,
        target: opts.target ?? opts.dst ?? opts.destination ?? null,
        from: opts.from ?? null,
      };
    });
}

/** A RUN's command as one string (the exec form's words joined). */
export function runCommand(i: DockerInstruction): string {
  return i.args.join(" ");
}
