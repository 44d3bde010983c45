import { copyParts, type DockerfileModel, type DockerStage, stageChain } from "./dockerfile-model.ts";

/**
 * Which stage of a Dockerfile an image was built from (`docker build --target` may build any
 * of them), read from the image's history: BuildKit and the classic builder record one entry
 * per instruction of the built stage and of the stages it starts FROM, newest first.
 */
export type BuiltStage = { stage: DockerStage; via: string } | { stage: null; reason: string };

const KEYWORDS = new Set([
  "RUN",
  "COPY",
  "ADD",
  "ENV",
  "ARG",
  "LABEL",
  "USER",
  "WORKDIR",
  "EXPOSE",
  "VOLUME",
  "CMD",
  "ENTRYPOINT",
  "HEALTHCHECK",
  "SHELL",
  "STOPSIGNAL",
  "ONBUILD",
  "MAINTAINER",
]);

/** `COPY /src/dist ./dist # buildkit`, `/bin/sh -c #(nop)  USER node`, `|1 A=b /bin/sh -c …` → keyword and rest. */
export function historyEntry(createdBy: string): { keyword: string; rest: string } {
  let text = createdBy.trim().replace(/\s*# buildkit$/, "");
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(text);
  if (nop) text = (nop[1] ?? "").trim();
  const word = /^([A-Z]+)(?:\s+(.*))?$/s.exec(text);
  if (word && KEYWORDS.has(word[1] as string))
    return { keyword: word[1] as string, rest: (word[2] ?? "").trim() };
  return { keyword: "RUN", rest: text };
}

/** What an instruction leaves in history that we can compare without expanding variables. */
function fingerprint(keyword: string, value: string): string | null {
  if (value.includes("$")) return null;
  if (keyword === "USER") return value.trim();
  // A relative WORKDIR is recorded resolved: compare absolute ones only.
  if (keyword === "WORKDIR") return value.trim().startsWith("/") ? value.trim() : null;
  return null;
}

function instructionFingerprint(i: DockerStage["instructions"][number]): string | null {
  if (i.keyword === "COPY" || i.keyword === "ADD") {
    const dest = copyParts(i).dest;
    return dest && !dest.includes("$") ? `dest:${dest}` : null;
  }
  return fingerprint(i.keyword, i.args.join(" "));
}

function entryFingerprint(keyword: string, rest: string): string | null {
  if (keyword === "COPY" || keyword === "ADD") {
    const words = rest.replace(/^(--\S+\s+)*/, "").split(/\s+/);
    return `dest:${words.at(-1) ?? ""}`;
  }
  return fingerprint(keyword, rest);
}

export function identifyStage(model: DockerfileModel, history: readonly string[]): BuiltStage {
  const entries = history.map(historyEntry);
  const matches: DockerStage[] = [];
  for (const stage of model.stages) {
    // ONBUILD leaves no history entry (recorded from BuildKit in Docker 26).
    const expected = stageChain(model, stage)
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword !== "ONBUILD");
    if (expected.length === 0 || expected.length > entries.length) continue;
    const recent = entries.slice(0, expected.length).reverse();
    const ok = expected.every((instr, k) => {
      const e = recent[k];
      if (!e || e.keyword !== instr.keyword) return false;
      const want = instructionFingerprint(instr);
      return want === null || want === entryFingerprint(e.keyword, e.rest);
    });
    if (ok) matches.push(stage);
  }
  if (matches.length === 0) {
    return {
      stage: null,
      reason:
        "the image's history matches none of the Dockerfile's stages (was it built from another Dockerfile, or was the Dockerfile changed after the build? Rebuild it)",
    };
  }
  // A stage that only starts FROM another records the same history: the later one is the same image.
  const best = matches.at(-1) as DockerStage;
  const unrelated = matches.filter(
    (s) => s !== best && !stageChain(model, best).includes(s) && !stageChain(model, s).includes(best),
  );
  if (unrelated.length > 0) {
    return {
      stage: null,
      reason: `the image's history fits several stages (${[best, ...unrelated].map(label).join(", ")})`,
    };
  }
  return { stage: best, via: `its history matches stage ${label(best)} (line ${best.line})` };
}

export function label(stage: DockerStage): string {
  return stage.name ? `"${stage.name}"` : `#${stage.index}`;
}
