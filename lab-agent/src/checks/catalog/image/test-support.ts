import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ImageRecord } from "../../collectors/collect-image.ts";
import type { DockerfileBuild } from "../../collectors/dockerfile-build.ts";
import { parseDockerfile } from "../../parsers/dockerfile-model.ts";

export const FIXTURES = join(import.meta.dirname, "fixtures");

export function fixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), "utf8");
}

/** The starter app's build context, as `ls -R` would show it (trimmed). */
export const STARTER_CONTEXT = [
  ".dockerignore",
  ".npm-cache/",
  "Dockerfile",
  "README.md",
  "migrations/",
  "migrations/001_init.sql",
  "node_modules/",
  "package-lock.json",
  "package.json",
  "src/",
  "src/config.ts",
  "src/main.ts",
  "src/http/",
  "test/",
  "test/api.test.ts",
  "tsconfig.json",
];

export function reference(): {
  inspect: NonNullable<ImageRecord["inspect"]>;
  history: NonNullable<ImageRecord["history"]>;
} {
  return {
    inspect: JSON.parse(fixture("shared", "reference.inspect.json")),
    history: JSON.parse(fixture("shared", "reference.history.json")),
  };
}

/**
 * A build of a Dockerfile fixture: with `history` the image's recorded history (newest
 * first, as the Engine API gives it); without, no image yet.
 */
export function build(dockerfile: string, history?: string[], context = STARTER_CONTEXT): DockerfileBuild {
  const ref = "registry:5000/reg-case-platform:dev";
  const image: ImageRecord = history
    ? { ref, inspect: reference().inspect, history: history.map((CreatedBy) => ({ CreatedBy, Size: 0 })) }
    : { ref };
  return {
    dockerfile: {
      found: true,
      model: parseDockerfile("/workspace/reg-case-platform/Dockerfile", dockerfile),
    },
    image,
    context,
  };
}

/**
 * The history BuildKit records for `stage` of a Dockerfile (newest first), base image
 * entries after it: what an image built with `--target <stage>` carries.
 */
export function historyOf(dockerfile: string, stage: string | number): string[] {
  const model = parseDockerfile("Dockerfile", dockerfile);
  const s = typeof stage === "number" ? model.stages[stage] : model.stages.find((x) => x.name === stage);
  if (!s) throw new Error(`no stage ${stage}`);
  const chain = [];
  for (let at: typeof s | undefined = s; at; at = at.parent === null ? undefined : model.stages[at.parent])
    chain.unshift(at);
  const lines = chain.flatMap((c) =>
    c.instructions.map((i) => {
      if (i.keyword === "RUN") return `RUN /bin/sh -c ${i.args.join(" ")} # buildkit`;
      if (i.keyword === "COPY" || i.keyword === "ADD") {
        const ops = i.args.filter((a) => i.json || !a.startsWith("--"));
        return `${i.keyword} ${ops.join(" ")} # buildkit`;
      }
      return `${i.keyword} ${i.args.join(" ")}`;
    }),
  );
  return [
    ...lines.reverse(),
    '/bin/sh -c #(nop)  CMD ["node"]',
    "/bin/sh -c #(nop)  LABEL org.opencontainers.image.title=node:20-slim",
  ];
}
