import { DockerfileParser } from "dockerfile-ast";

/** A Dockerfile as plain data: stages and their instructions, with 1-based line numbers. */
export interface DockerInstruction {
  keyword: string;
  line: number;
  args: string[];
  /** `--from=build` → { from: "build" }; a flag with no value maps to null. */
  flags: Record<string, string | null>;
  /** The instruction as written, continuation lines joined. */
  text: string;
}

export interface DockerStage {
  index: number;
  name: string | null;
  image: string | null;
  line: number;
  instructions: DockerInstruction[];
}

export interface DockerfileModel {
  path: string;
  stages: DockerStage[];
}

export function parseDockerfile(path: string, content: string): DockerfileModel {
  const dockerfile = DockerfileParser.parse(content);
  const stages: DockerStage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const flagList =
      (
        instruction as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> }
      ).getFlags?.() ?? [];
    const flags: Record<string, string | null> = {};
    for (const f of flagList) flags[f.getName().toLowerCase()] = f.getValue();
    const model: DockerInstruction = {
      keyword,
      line: instruction.getRange().start.line + 1,
      args: instruction.getArguments().map((a) => a.getValue()),
      flags,
      text: instruction.getTextContent().replace(/\\\r?\n\s*/g, " "),
    };
    if (keyword === "FROM") {
      const from = instruction as unknown as { getImage(): string | null; getBuildStage(): string | null };
      stages.push({
        index: stages.length,
        name: from.getBuildStage()?.toLowerCase() ?? null,
        image: from.getImage(),
        line: model.line,
        instructions: [],
      });
      continue;
    }
    stages.at(-1)?.instructions.push(model);
  }
  return { path, stages };
}

/** The stage another stage refers to by name or index (`COPY --from=build`, `FROM build`). */
export function stageRef(model: DockerfileModel, ref: string, before: number): DockerStage | undefined {
  const lower = ref.toLowerCase();
  return model.stages.find((s) => s.index < before && (s.name === lower || String(s.index) === lower));
}

/** The instruction's words after its flags, e.g. COPY's sources and destination. */
export function operands(instruction: DockerInstruction): string[] {
  return instruction.args.filter((a) => !a.startsWith("--"));
}
